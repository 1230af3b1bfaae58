"""cascade from Python: check, run, sweep and load runs of the simulator.

The package runs the ``cascade`` command line's own code (the Rust crates,
compiled into ``cascade._native``): a run from Python writes the same run
directory, with the same tables and trace digests, as ``cascade run`` with
the same scenario, seed and replicates, and reads it back with every column
typed as the output schema says (``dictionary.csv``; ``cascade.dtypes``)::

    import cascade
    cascade.check("scenarios/b16_tail_vein.ron")           # or raises ScenarioError
    results = cascade.run("scenarios/b16_tail_vein.ron", replicates=8, seed=1)
    results.summary                                      # a polars DataFrame
    results.digests                                      # one per replicate
    grid = cascade.sweep("scenarios/sweep_soil.ron", out="results/sweep")
    grid.points                                          # one row per point, with a label
    again = cascade.load("results/sweep")                # any run directory

A long run releases the GIL and stops on Ctrl-C (``KeyboardInterrupt``)
once the replicates running have finished: with ``out`` they are kept, and
``run(..., out=DIR, resume=True)`` finishes the run. Progress is the
command line's: lines (or a bar, on a terminal) on standard error.
"""

from __future__ import annotations

import csv
import json
import math
import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import polars as pl

from . import _native
from .dtypes import PANDAS, POLARS

__all__ = [
    "PANDAS",
    "POLARS",
    "CascadeError",
    "Results",
    "ScenarioError",
    "check",
    "load",
    "run",
    "sweep",
    "version",
]

#: A scenario: a path to a RON file, or the text of one.
Scenario = str | os.PathLike[str]

#: The tables of a run directory, in the order the runner writes them.
TABLES: tuple[str, ...] = (
    "summary",
    "metastases",
    "funnel",
    "harvests",
    "timeseries",
    "clones",
    "site_clones",
    "therapy",
    "resistance",
    "diversity",
    "composition",
    "solitary_cells",
    "arrivals",
    "colony_sizes",
    "migrations",
    "seeding",
    "trees",
    "prevalence",
)


class ScenarioError(ValueError):
    """A scenario file that ``cascade check`` refuses, at the place it names.

    ``str(error)`` is what ``cascade check`` prints after ``error:``
    (``FILE:LINE:COLUMN: FIELD: MESSAGE``).
    """

    file: str
    """The scenario file (``<text>`` for a scenario given as text)."""
    line: int | None
    """The 1-based line of the error, or None when the file could not be read."""
    column: int | None
    """The 1-based column (in characters), or None."""
    field: str
    """The field, as a path (``clones[0].birth_rate``); empty for the whole file."""
    message: str
    """What is wrong and what would be valid."""

    def __init__(
        self,
        text: str,
        file: str,
        line: int | None,
        column: int | None,
        field: str,
        message: str,
    ) -> None:
        super().__init__(text)
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message


class CascadeError(RuntimeError):
    """A command that failed, with the command line's message and exit code.

    ``exit_code`` is the one ``cascade`` exits with: 2 invalid input (the
    options, or an ``out`` that holds something else), 1 a run failed,
    74 an I/O failure.
    """

    exit_code: int
    """The command line's exit code for this failure."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def version() -> str:
    """The version of the runner the package was built with (``cascade --version``)."""
    return _native.version()


# ----------------------------------------------------------------- scenarios


class _ScenarioFile:
    """A scenario as a file the runner reads: the path given, or the text
    written to a temporary file (removed on close)."""

    def __init__(self, scenario: Scenario, sweep_axes: Mapping[str, Sequence[float]] | None = None) -> None:
        self._directory: str | None = None
        self.from_text = False
        if isinstance(scenario, os.PathLike) or (isinstance(scenario, str) and _looks_like_a_path(scenario)):
            path = pathlib.Path(scenario)
            if not sweep_axes:
                self.path = path
                return
            text = path.read_text(encoding="utf-8")
        elif isinstance(scenario, str):
            text = scenario
            self.from_text = True
        else:
            raise TypeError(f"a scenario is a path or the text of a RON file, not {type(scenario).__name__}")
        if sweep_axes:
            text = with_sweep(text, sweep_axes)
        self._directory = tempfile.mkdtemp(prefix="cascade-scenario-")
        self.path = pathlib.Path(self._directory) / "scenario.ron"
        self.path.write_text(text, encoding="utf-8")

    def close(self) -> None:
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> _ScenarioFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _looks_like_a_path(text: str) -> bool:
    # A RON scenario holds `Scenario(` or at least a parenthesis; a path
    # that exists is a path whatever it holds.
    return os.path.exists(text) or ("(" not in text and "\n" not in text)


def with_sweep(text: str, axes: Mapping[str, Sequence[float]]) -> str:
    """The scenario ``text`` with a ``sweep`` section of ``axes`` (a
    parameter name of docs/scenarios.md, Sweeps -> its values), added
    before the closing parenthesis of ``Scenario(...)``.

    Raises ValueError if the text has a sweep section already or no
    closing parenthesis.
    """
    if _has_field(text, "sweep"):
        raise ValueError("the scenario has a sweep section already: give no axes, or remove it")
    end = _closing_parenthesis(text)
    if end is None:
        raise ValueError("the scenario text has no closing parenthesis of Scenario(...)")
    lines = []
    for parameter, values in axes.items():
        listed = ", ".join(_ron_number(v) for v in values)
        lines.append(f'            (parameter: "{parameter}", values: [{listed}]),')
    section = "    sweep: (\n        axes: [\n" + "\n".join(lines) + "\n        ],\n    ),\n"
    before = text[:end].rstrip()
    comma = "" if before.endswith((",", "(")) else ","
    return before + comma + "\n" + section + text[end:]


def _ron_number(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"a sweep value is a finite number, not {value!r}")
    return repr(value)


def _code(text: str) -> Iterator[tuple[int, str]]:
    """(position, character) of ``text`` outside comments and strings."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            if i < 0:
                return
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        yield i, c
        i += 1


def _closing_parenthesis(text: str) -> int | None:
    last = None
    for i, c in _code(text):
        if c == ")":
            last = i
    return last


def _has_field(text: str, name: str) -> bool:
    code = "".join(c for _, c in _code(text))
    depth = 0
    for i, c in enumerate(code):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 1 and code.startswith(name, i) and code[i + len(name) :].lstrip().startswith(":"):
            before = code[i - 1] if i else " "
            if not (before.isalnum() or before == "_"):
                return True
    return False


def _as_text_error(error: ScenarioError) -> ScenarioError:
    prefix = error.file
    text = str(error)
    if text.startswith(prefix):
        text = "<text>" + text[len(prefix) :]
    return ScenarioError(text, "<text>", error.line, error.column, error.field, error.message)


def check(scenario: Scenario) -> str:
    """Validates a scenario as ``cascade check`` does, without running it.

    ``scenario`` is a path to a RON file or the text of one. Returns what
    ``cascade check`` prints for a valid file (the scenario as resolved);
    raises ScenarioError, with the file, line, column and field, for an
    invalid one.
    """
    with _ScenarioFile(scenario) as file:
        try:
            return _native.check(str(file.path))
        except ScenarioError as error:
            if file.from_text:
                raise _as_text_error(error) from None
            raise


# ----------------------------------------------------------------- results


@dataclass
class Results:
    """A run directory read back: its identity, digests and typed tables.

    The tables are polars DataFrames with the output schema's types
    (``cascade.dtypes.POLARS``); ``table(name, pandas=True)`` or
    ``pandas=True`` of run, sweep and load gives pandas DataFrames with
    nullable dtypes (``cascade.dtypes.PANDAS``).
    """

    directory: pathlib.Path | None
    """The run directory, or None for a run that wrote to a temporary one."""
    scenario: str
    """The scenario file as given to the runner."""
    seed: int
    """The run's seed."""
    replicates: int
    """Replicates (per point, for a sweep)."""
    version: str
    """The ``cascade`` version that wrote the directory."""
    command: list[str]
    """The command line that reproduces the directory."""
    digests: list[str]
    """The trace digest of every replicate (manifest.json), in the order of
    ``summary`` (by point, then replicate, for a sweep): ``cascade digest``
    prints the same."""
    summary_json: dict[str, Any]
    """summary.json, as ``cascade run --format json`` prints it."""
    tables: Mapping[str, pl.DataFrame]
    """Every table by name (``summary``, ``metastases``, ... and ``points`` for a
    sweep), each read from the directory when first asked for (all of them
    at once for a run without ``out``)."""
    dictionary: pl.DataFrame
    """dictionary.csv: every table's columns with their type, unit and meaning."""
    axes: dict[str, list[float]] = field(default_factory=dict)
    """For a sweep: each axis's parameter and values, in the grid's order."""
    pandas: bool = False
    """Whether the table properties give pandas DataFrames."""

    @overload
    def table(self, name: str, pandas: Literal[False] = ...) -> pl.DataFrame: ...
    @overload
    def table(self, name: str, pandas: Literal[True]) -> Any: ...
    def table(self, name: str, pandas: bool = False) -> Any:
        """The table ``name`` (``summary``, ``metastases``, ``points``, ...):
        polars, or pandas with nullable dtypes with ``pandas=True``."""
        try:
            frame = self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r} in this run; it has {', '.join(self.tables)}") from None
        return to_pandas(frame, self._types(name)) if pandas else frame

    def _types(self, name: str) -> dict[str, str]:
        rows = self.dictionary.filter(pl.col("table") == name)
        return dict(zip(rows["column"], rows["type"], strict=True))

    def _get(self, name: str) -> Any:
        return self.table(name, pandas=self.pandas)

    @property
    def is_sweep(self) -> bool:
        """Whether the directory is a sweep's (it has ``points``)."""
        return "points" in self.tables

    @property
    def summary(self) -> Any:
        """summary.csv: one row per replicate (digest, events, funnel, cells at the end)."""
        return self._get("summary")

    @property
    def metastases(self) -> Any:
        """metastases.csv: one row per metastasis ever founded."""
        return self._get("metastases")

    @property
    def funnel(self) -> Any:
        """funnel.csv: the cascade's funnel per replicate, clone and organ."""
        return self._get("funnel")

    @property
    def harvests(self) -> Any:
        """harvests.csv: what a harvest day finds, per replicate and organ."""
        return self._get("harvests")

    @property
    def timeseries(self) -> Any:
        """timeseries.csv: cells by compartment every ``observe_every`` days."""
        return self._get("timeseries")

    @property
    def clones(self) -> Any:
        """clones.csv: every clone that ever existed."""
        return self._get("clones")

    @property
    def site_clones(self) -> Any:
        """site_clones.csv: the clones of every site."""
        return self._get("site_clones")

    @property
    def therapy(self) -> Any:
        """therapy.csv: one row per replicate with therapy, none without."""
        return self._get("therapy")

    @property
    def resistance(self) -> Any:
        """resistance.csv: resistance to each drug."""
        return self._get("resistance")

    @property
    def diversity(self) -> Any:
        """diversity.csv: clonal diversity."""
        return self._get("diversity")

    @property
    def composition(self) -> Any:
        """composition.csv: the composition of the sites."""
        return self._get("composition")

    @property
    def solitary_cells(self) -> Any:
        """solitary_cells.csv: solitary cells."""
        return self._get("solitary_cells")

    @property
    def arrivals(self) -> Any:
        """arrivals.csv: the cells that founded or joined each lesion, with
        the site (or injection) that shed them and when."""
        return self._get("arrivals")

    @property
    def colony_sizes(self) -> Any:
        """colony_sizes.csv: every living metastasis's cells at each harvest."""
        return self._get("colony_sizes")

    @property
    def migrations(self) -> Any:
        """migrations.csv: the migration graph, one row per source, target
        site and clone (docs/migrations.md)."""
        return self._get("migrations")

    @property
    def seeding(self) -> Any:
        """seeding.csv: the migration graph classified per replicate and site
        (monoclonal or polyclonal, single- or multi-source, reseeding)."""
        return self._get("seeding")

    @property
    def trees(self) -> Any:
        """trees.csv: the clone tree and the site tree of each replicate in
        Newick with NHX comments (docs/trees.md)."""
        return self._get("trees")

    @property
    def prevalence(self) -> Any:
        """prevalence.csv: each clone's cells and share of each site at each
        harvest and at the end, and what a biopsy would detect."""
        return self._get("prevalence")

    @property
    def points(self) -> Any:
        """points.csv (a sweep's): one row per point with its axes' values, a
        ``label`` (``parameter=value, ...``) and each observable's mean and
        95% interval. KeyError for a run."""
        return self._get("points")

    def __repr__(self) -> str:
        where = self.directory if self.directory is not None else "a temporary directory"
        kind = f"sweep of {len(self.tables['points'])} points × " if self.is_sweep else ""
        return (
            f"<cascade.Results {self.scenario}: {kind}{self.replicates} replicates, "
            f"seed {self.seed}, cascade {self.version}, from {where}>"
        )


def to_pandas(frame: pl.DataFrame, types: Mapping[str, str]) -> Any:
    """``frame`` as a pandas DataFrame with the nullable dtypes of
    ``cascade.dtypes.PANDAS`` for the schema's ``types`` (column -> type;
    columns not in it, such as a sweep's label, keep polars' conversion)."""
    pandas_frame = frame.to_pandas()
    dtypes = {column: PANDAS[kind] for column, kind in types.items() if column in pandas_frame.columns}
    if "label" in pandas_frame.columns and "label" not in types:
        dtypes["label"] = "string"
    return pandas_frame.astype(dtypes)


def _dictionary(directory: pathlib.Path) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    with open(directory / "dictionary.csv", newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            tables.setdefault(row["table"], []).append((row["column"], row["type"]))
    return tables


def _read_table(directory: pathlib.Path, name: str, columns: list[tuple[str, str]]) -> pl.DataFrame:
    schema = {column: POLARS[kind] for column, kind in columns}
    parquet = directory / f"{name}.parquet"
    if parquet.exists():
        frame = pl.read_parquet(parquet)
        return frame.cast(schema)  # type: ignore[arg-type]
    return pl.read_csv(directory / f"{name}.csv", schema=schema)


def _label(axes: Mapping[str, Sequence[float]], row: Mapping[str, Any]) -> str:
    return ", ".join(f"{parameter}={_plain(row[parameter])}" for parameter in axes)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load(directory: str | os.PathLike[str], pandas: bool = False) -> Results:
    """Reads a run directory the command line (or this package) wrote:
    ``cascade run --out``, ``cascade sweep --out`` or ``cascade merge --out``.

    Every table is typed by the directory's dictionary.csv, from its CSV or
    Parquet files. With ``pandas=True`` the table properties give pandas
    DataFrames. Raises FileNotFoundError for a directory without a finished
    run (no manifest.json: an interrupted run, which ``run(..., resume=True)``
    finishes).
    """
    return _load(pathlib.Path(directory), pandas)


class _Tables(Mapping[str, pl.DataFrame]):
    """A run directory's tables by name, each read (typed) when first asked for."""

    def __init__(
        self, directory: pathlib.Path, columns: dict[str, list[tuple[str, str]]], axes: dict[str, list[float]]
    ) -> None:
        self._directory = directory
        self._columns = columns
        self._axes = axes
        self._read: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._columns:
            raise KeyError(name)
        if name not in self._read:
            self._read[name] = self._table(name)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def read_all(self) -> None:
        """Reads every table now (before a temporary directory goes)."""
        for name in self._columns:
            self[name]

    def _table(self, name: str) -> pl.DataFrame:
        frame = _read_table(self._directory, name, self._columns[name])
        if name == "points" and self._axes:
            labels = [_label(self._axes, row) for row in frame.iter_rows(named=True)]
            at = frame.columns.index(list(self._axes)[-1]) + 1
            frame = frame.insert_column(at, pl.Series("label", labels, dtype=pl.String))
        return frame


def _load(directory: pathlib.Path, pandas: bool) -> Results:
    manifest_file = directory / "manifest.json"
    if not manifest_file.exists():
        if (directory / "store.sqlite").exists():
            raise FileNotFoundError(
                f"{directory} holds an unfinished run (no manifest.json): finish it with "
                f"cascade.run(..., out={str(directory)!r}, resume=True), or `cascade run ... --resume`"
            )
        raise FileNotFoundError(f"{directory} is not a run directory of cascade (no manifest.json)")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    summary_json = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    axes: dict[str, list[float]] = {}
    sweep_identity = manifest.get("sweep")
    if sweep_identity:
        axes = {axis["parameter"]: list(axis["values"]) for axis in sweep_identity["axes"]}
    tables = _Tables(directory, _dictionary(directory), axes)
    return Results(
        directory=directory,
        scenario=manifest["scenario"],
        seed=int(manifest["seed"]),
        replicates=int(manifest["replicates"]),
        version=manifest["cascade_version"],
        command=list(manifest["command"]),
        digests=[str(r["digest"]) for r in manifest["replicate_digests"]],
        summary_json=summary_json,
        tables=tables,
        dictionary=pl.read_csv(directory / "dictionary.csv", infer_schema=False),
        axes=axes,
        pandas=pandas,
    )


# ----------------------------------------------------------------- run and sweep


def _options(**options: Any) -> list[str]:
    arguments: list[str] = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            arguments.append(flag)
        else:
            arguments += [flag, str(value)]
    return arguments


def _set_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _execute(arguments: list[str], out: str | os.PathLike[str] | None, pandas: bool) -> Results:
    if out is not None:
        _native.command([*arguments, "--out", str(out)])
        return _load(pathlib.Path(out), pandas)
    with tempfile.TemporaryDirectory(prefix="cascade-run-") as temporary:
        _native.command([*arguments, "--out", str(pathlib.Path(temporary) / "run")])
        results = _load(pathlib.Path(temporary) / "run", pandas)
        assert isinstance(results.tables, _Tables)
        results.tables.read_all()
        results.directory = None
        return results


def run(
    scenario: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    set: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    max_memory: str | int | None = None,
    tables: Literal["csv", "parquet"] = "csv",
    pandas: bool = False,
) -> Results:
    """Runs a scenario's replicates, as ``cascade run FILE --out DIR`` does.

    ``scenario`` is a path to a RON file or its text (checked first:
    ScenarioError at the field for an invalid one). ``replicates`` and
    ``seed`` default to the file's; ``threads`` to every core (results do
    not depend on it); ``set`` changes parameters first, as ``--set
    NAME=VALUE`` (the names of docs/scenarios.md, Sweeps). The run is
    written to ``out`` (kept), or to a temporary directory removed once it
    is read. ``resume=True`` finishes an interrupted run in ``out``.
    ``tables="parquet"`` needs a build with the runner's ``parquet``
    feature.

    Ctrl-C stops the run once the replicates running have finished: they
    are kept in ``out``, and KeyboardInterrupt is raised. Other failures
    raise CascadeError with the command line's message and exit code.
    """
    with _ScenarioFile(scenario) as file:
        _check_file(file)
        arguments = ["run", str(file.path), "--format", "json", "--tables", tables]
        arguments += _options(replicates=replicates, seed=seed, threads=threads, max_memory=max_memory, resume=resume)
        for name, value in (set or {}).items():
            arguments += ["--set", f"{name}={_set_value(value)}"]
        return _execute(arguments, out, pandas)


def sweep(
    scenario: Scenario,
    axes: Mapping[str, Sequence[float]] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    shard: tuple[int, int] | None = None,
    max_memory: str | int | None = None,
    format: Literal["csv", "parquet"] = "csv",
    pandas: bool = False,
) -> Results:
    """Runs the grid of a scenario's sweep, as ``cascade sweep FILE --out DIR`` does.

    The grid is the file's ``sweep`` section, or ``axes`` (a parameter name
    -> its values, added to a file without one). ``replicates`` is per
    point. ``points`` of the result has each axis as a typed column and a
    readable ``label`` per point; every other table has the point's
    columns in front. ``shard=(i, n)`` runs slice i of n (join the slices
    with ``cascade merge`` and read the result with ``load``). The rest is
    as ``run``.
    """
    with _ScenarioFile(scenario, axes) as file:
        _check_file(file)
        arguments = ["sweep", str(file.path), "--format", format]
        shard_text = f"{shard[0]}/{shard[1]}" if shard is not None else None
        arguments += _options(
            replicates=replicates, seed=seed, threads=threads, max_memory=max_memory, resume=resume, shard=shard_text
        )
        return _execute(arguments, out, pandas)


def _check_file(file: _ScenarioFile) -> None:
    try:
        _native.check(str(file.path))
    except ScenarioError as error:
        if file.from_text:
            raise _as_text_error(error) from None
        raise
