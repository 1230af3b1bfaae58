"""cascade.run and cascade.check give what the command line gives: the same
digests and the same tables' bytes for the same scenario, seed and
replicates; every column typed as the output schema says; an invalid file
refused at the same line, column and field, with the same message."""

from __future__ import annotations

import csv
import json
import os
import pathlib

import pandas as pd
import polars as pl
import pytest

import cascade
from cascade.dtypes import PANDAS, POLARS

from conftest import ROOT, cascade_cli

# (scenario, replicates, seed): three shipped scenarios, a plain run, an
# injection assay and one with therapy (its therapy.csv has rows).
RUNS = [
    ("scenarios/quickstart.ron", 3, 11),
    ("scenarios/b16_tail_vein.ron", 2, 1970),
    ("scenarios/therapy/adjuvant_two_drugs.ron", 2, 5),
]


def _columns(directory: pathlib.Path) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    with open(directory / "dictionary.csv", newline="") as file:
        for row in csv.DictReader(file):
            tables.setdefault(row["table"], []).append((row["column"], row["type"]))
    return tables


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: pathlib.Path(r[0]).stem)
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The same run by the command line and by the package, each in its directory."""
    scenario, replicates, seed = request.param
    base = tmp_path_factory.mktemp("pair")
    cli_dir, python_dir = base / "cli", base / "python"
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        cascade_cli("run", scenario, "--replicates", replicates, "--seed", seed, "--threads", 2, "--out", cli_dir)
        results = cascade.run(scenario, replicates=replicates, seed=seed, threads=1, out=python_dir)
    finally:
        os.chdir(here)
    return scenario, replicates, seed, cli_dir, python_dir, results


def test_the_digests_are_the_command_line_s(pair):
    scenario, replicates, seed, cli_dir, _, results = pair
    manifest = json.loads((cli_dir / "manifest.json").read_text())
    assert results.digests == [r["digest"] for r in manifest["replicate_digests"]]
    assert len(results.digests) == replicates
    assert results.digests == results.summary["digest"].to_list()
    # `cascade digest` of one replicate, run on its own.
    last = cascade_cli("digest", scenario, "--seed", seed, "--replicate", replicates - 1).stdout.strip()
    assert results.digests[-1] == last


def test_the_tables_are_the_command_line_s_byte_for_byte(pair):
    _, _, _, cli_dir, python_dir, results = pair
    for name in [*cascade.TABLES, "dictionary", "summary"]:
        assert (python_dir / f"{name}.csv").read_bytes() == (cli_dir / f"{name}.csv").read_bytes(), name
    for name in ("summary.json", "manifest.json"):
        assert (python_dir / name).read_bytes() == (cli_dir / name).read_bytes(), name
    # And what the package read is what load reads from the command line's directory.
    from_cli = cascade.load(cli_dir)
    for name, frame in results.tables.items():
        assert frame.equals(from_cli.tables[name]), name


def test_the_identity_is_the_run_s(pair):
    scenario, replicates, seed, _, _, results = pair
    assert (results.scenario, results.seed, results.replicates) == (scenario, seed, replicates)
    assert results.version == cascade.version()
    assert results.summary_json == json.loads((results.directory / "summary.json").read_text())


def test_every_column_has_the_schema_s_type_in_polars_and_pandas(pair):
    _, _, _, cli_dir, _, results = pair
    columns = _columns(cli_dir)
    assert set(results.tables) == set(columns)
    for name, typed in columns.items():
        frame = results.table(name)
        assert frame.columns == [c for c, _ in typed], name
        assert [frame.schema[c] for c, _ in typed] == [POLARS[k] for _, k in typed], name
        in_pandas = results.table(name, pandas=True)
        assert [str(in_pandas[c].dtype) for c, _ in typed] == [PANDAS[k] for _, k in typed], name
        assert len(in_pandas) == frame.height


def test_pandas_true_gives_pandas_frames(pair):
    _, _, _, _, python_dir, _ = pair
    results = cascade.load(python_dir, pandas=True)
    assert isinstance(results.summary, pd.DataFrame)
    assert isinstance(results.table("summary"), pl.DataFrame)


def test_a_run_without_out_reads_a_temporary_directory_and_removes_it():
    results = cascade.run("scenarios/quickstart.ron", replicates=2, seed=3, threads=1)
    assert results.directory is None
    assert results.summary.height == 2
    assert results.digests == cascade.run("scenarios/quickstart.ron", replicates=2, seed=3, threads=2).digests


def test_set_changes_a_parameter_as_the_command_line_s_set(tmp_path):
    change = {"clones.B16.birth_rate": 0.9}
    cli = cascade_cli(
        "run", "scenarios/b16_tail_vein.ron", "--replicates", 1, "--set", "clones.B16.birth_rate=0.9",
        "--out", tmp_path / "cli",
    )
    assert cli.returncode == 0
    changed = cascade.run("scenarios/b16_tail_vein.ron", replicates=1, set=change)
    plain = cascade.run("scenarios/b16_tail_vein.ron", replicates=1)
    assert changed.digests == cascade.load(tmp_path / "cli").digests
    assert changed.digests != plain.digests


def test_scenario_text_runs_as_its_file():
    text = (ROOT / "scenarios/quickstart.ron").read_text()
    assert cascade.run(text, replicates=2).digests == cascade.run("scenarios/quickstart.ron", replicates=2).digests


# ------------------------------------------------------------------ check


def _invalid(tmp_path: pathlib.Path) -> tuple[pathlib.Path, int, int]:
    """quickstart.ron with a negative birth rate: the file, and the line and
    column (1-based) of the value."""
    text = (ROOT / "scenarios/quickstart.ron").read_text()
    at = text.index("birth_rate:")
    value = text.index(":", at) + 1
    while text[value] == " ":
        value += 1
    end = value
    while text[end] not in ",)\n":
        end += 1
    text = text[:value] + "-1.0" + text[end:]
    path = tmp_path / "invalid.ron"
    path.write_text(text)
    line = text.count("\n", 0, value) + 1
    column = value - (text.rfind("\n", 0, value) + 1) + 1
    return path, line, column


def test_an_invalid_file_raises_at_its_line_column_and_field(tmp_path):
    path, line, column = _invalid(tmp_path)
    with pytest.raises(cascade.ScenarioError) as raised:
        cascade.check(path)
    error = raised.value
    assert (error.file, error.line, error.column) == (str(path), line, column)
    assert error.field.endswith("birth_rate"), error.field
    assert "birth_rate" in str(error) and error.message in str(error)
    # The message is `cascade check`'s, after `error: `.
    cli = cascade_cli("check", path, check=False)
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"error: {error}"


def test_run_and_sweep_check_first(tmp_path):
    path, line, _ = _invalid(tmp_path)
    for call in (cascade.run, cascade.sweep):
        with pytest.raises(cascade.ScenarioError) as raised:
            call(path, replicates=1)
        assert raised.value.line == line


def test_scenario_text_errors_name_the_text(tmp_path):
    path, line, column = _invalid(tmp_path)
    with pytest.raises(cascade.ScenarioError) as raised:
        cascade.check(path.read_text())
    assert (raised.value.file, raised.value.line, raised.value.column) == ("<text>", line, column)
    assert str(raised.value).startswith(f"<text>:{line}:{column}: ")


def test_a_valid_file_gives_check_s_description():
    assert cascade.check("scenarios/quickstart.ron") == cascade_cli("check", "scenarios/quickstart.ron").stdout


def test_the_command_line_s_failures_raise_with_its_exit_code(tmp_path):
    with pytest.raises(cascade.CascadeError) as raised:
        cascade.run("scenarios/quickstart.ron", replicates=0)
    assert raised.value.exit_code == 2
    assert "--replicates 0 is invalid" in str(raised.value)


def test_the_package_names_every_table_a_run_writes(pair):
    """cascade.TABLES and the Results properties follow the runner's schema:
    the tables of a run's dictionary.csv, in its order, each with its property."""
    _, _, _, cli_dir, _, _ = pair
    written = [name for name in _columns(cli_dir) if name != "dictionary"]
    assert list(cascade.TABLES) == written
    for name in written:
        assert isinstance(getattr(cascade.Results, name), property), name

