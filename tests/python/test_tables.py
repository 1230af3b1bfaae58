"""Every table of a run directory loads into polars and pandas with the
types its data dictionary (dictionary.csv, written from the one schema of
each table) gives: from the Parquet export directly, and from the CSV
tables with the dictionary's types. Runs with and without therapy, with
one replicate and with several.

Run by .ci/run in a virtual environment:
    CASCADE_BIN=target/release/cascade python -m pytest tests/python
(the binary built with the `parquet` feature, for `cascade export --format parquet`).
"""

import csv
import importlib.util
import os
import pathlib
import shutil
import subprocess

import pandas as pd
import polars as pl
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASCADE = os.environ.get("CASCADE_BIN", str(ROOT / "target" / "release" / "cascade"))

# The schema's types in polars and pandas: the one map, the Python
# package's (python/cascade/dtypes.py), loaded from its file so that these
# tests need no build of the package.
_spec = importlib.util.spec_from_file_location("cascade_dtypes", ROOT / "python" / "cascade" / "dtypes.py")
_dtypes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dtypes)
POLARS = _dtypes.POLARS
PANDAS = _dtypes.PANDAS

# (scenario, replicates, whether it has therapy: one therapy.csv row per
# replicate, and none without).
RUNS = [
    ("quickstart.ron", 1, False),
    ("quickstart.ron", 5, False),
    ("therapy/adjuvant_two_drugs.ron", 1, True),
    ("therapy/adjuvant_two_drugs.ron", 3, True),
]


def cascade(*args):
    subprocess.run([CASCADE, *map(str, args)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def dictionary(directory):
    """table -> [(column, type)] in column order, from dictionary.csv."""
    tables = {}
    with open(directory / "dictionary.csv", newline="") as file:
        for row in csv.DictReader(file):
            tables.setdefault(row["table"], []).append((row["column"], row["type"]))
    return tables


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: f"{r[0]}-{r[1]}")
def run(request, tmp_path_factory):
    """A run's directory with its CSV tables, and a copy exported as Parquet."""
    scenario, replicates, _ = request.param
    base = tmp_path_factory.mktemp("run")
    csv_dir, parquet_dir = base / "csv", base / "parquet"
    cascade("run", f"scenarios/{scenario}", "--replicates", replicates, "--out", csv_dir, "--format", "json")
    shutil.copytree(csv_dir, parquet_dir)
    cascade("export", parquet_dir, "--format", "parquet")
    return csv_dir, parquet_dir, dictionary(csv_dir)


def table_names(tables):
    # points.csv belongs to sweeps; a run has the nine replicate tables.
    return [name for name in tables if name != "points"]


def test_parquet_tables_have_the_schema_types_in_polars(run):
    _, parquet_dir, tables = run
    for name in table_names(tables):
        frame = pl.read_parquet(parquet_dir / f"{name}.parquet")
        assert frame.columns == [c for c, _ in tables[name]], name
        for column, kind in tables[name]:
            assert frame.schema[column] == POLARS[kind], (name, column, frame.schema[column])


def test_parquet_tables_have_the_schema_types_in_pandas(run):
    _, parquet_dir, tables = run
    for name in table_names(tables):
        frame = pd.read_parquet(parquet_dir / f"{name}.parquet", dtype_backend="numpy_nullable")
        assert list(frame.columns) == [c for c, _ in tables[name]], name
        for column, kind in tables[name]:
            assert str(frame[column].dtype) == PANDAS[kind], (name, column, frame[column].dtype)


def test_csv_tables_read_with_the_dictionary_equal_the_parquet_tables(run):
    csv_dir, parquet_dir, tables = run
    for name in table_names(tables):
        schema = {column: POLARS[kind] for column, kind in tables[name]}
        from_csv = pl.read_csv(csv_dir / f"{name}.csv", schema=schema)
        from_parquet = pl.read_parquet(parquet_dir / f"{name}.parquet")
        assert from_csv.schema == from_parquet.schema, name
        assert from_csv.equals(from_parquet), name
        dtypes = {column: PANDAS[kind] for column, kind in tables[name]}
        frame = pd.read_csv(csv_dir / f"{name}.csv", dtype=dtypes, keep_default_na=False, na_values=[""])
        assert [str(frame[c].dtype) for c, _ in tables[name]] == [PANDAS[k] for _, k in tables[name]], name
        assert len(frame) == from_parquet.height, name


@pytest.mark.parametrize("scenario,replicates,therapy", RUNS)
def test_therapy_tables_have_a_row_per_replicate_only_with_therapy(scenario, replicates, therapy, tmp_path):
    cascade("run", f"scenarios/{scenario}", "--replicates", replicates, "--out", tmp_path / "out", "--format", "json")
    tables = dictionary(tmp_path / "out")
    schema = {column: POLARS[kind] for column, kind in tables["therapy"]}
    rows = pl.read_csv(tmp_path / "out" / "therapy.csv", schema=schema)
    assert rows.height == (replicates if therapy else 0)
    assert rows["cured"].dtype == pl.Boolean
