"""cascade.sweep gives the command line's sweep, with each axis a typed
column and a label per point; cascade.load of the slices merged by
`cascade merge` equals the sweep run on one machine."""

from __future__ import annotations

import json

import polars as pl
import pytest

import cascade

from conftest import cascade_cli

SWEEP = "scenarios/sweep_soil.ron"
AXES = {"organs.lung.growth_multiplier": [0.25, 0.5, 1.0], "injections.0.cells.B16": [2000.0, 4000.0]}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    return cascade.sweep(SWEEP, replicates=2, threads=2, out=tmp_path_factory.mktemp("sweep") / "out")


def test_the_axes_are_typed_columns_with_a_label_per_point(swept):
    points = swept.points
    assert points.height == 6
    assert swept.axes == AXES
    for parameter in AXES:
        assert points.schema[parameter] == pl.Float64
    assert points.schema["label"] == pl.String
    assert points["label"][0] == "organs.lung.growth_multiplier=0.25, injections.0.cells.B16=2000"
    assert points["label"].n_unique() == 6
    # Every point's replicates are in the other tables, under its columns.
    assert swept.summary.height == 6 * 2
    assert swept.summary.schema["point"] == pl.UInt64


def test_the_sweep_is_the_command_line_s(swept, tmp_path):
    cascade_cli("sweep", SWEEP, "--replicates", 2, "--out", tmp_path / "cli")
    for name in [*cascade.TABLES, "points", "dictionary"]:
        assert (swept.directory / f"{name}.csv").read_bytes() == (tmp_path / "cli" / f"{name}.csv").read_bytes(), name
    manifest = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert swept.digests == [r["digest"] for r in manifest["replicate_digests"]]


def test_load_of_merged_slices_equals_the_sweep(swept, tmp_path):
    slices = [tmp_path / f"s{i}" for i in range(3)]
    for i, directory in enumerate(slices):
        cascade.sweep(SWEEP, replicates=2, shard=(i, 3), threads=1, out=directory)
    cascade_cli("merge", "--out", tmp_path / "merged", *reversed(slices))
    merged = cascade.load(tmp_path / "merged")
    assert merged.digests == swept.digests
    assert set(merged.tables) == set(swept.tables)
    for name, frame in swept.tables.items():
        assert merged.tables[name].schema == frame.schema, name
        assert merged.tables[name].equals(frame), name
    assert merged.axes == swept.axes


def test_axes_add_a_sweep_to_a_file_without_one(tmp_path):
    # The tutorial's question: the lung's soil in the tail-vein assay.
    grid = cascade.sweep(
        "scenarios/b16_tail_vein.ron",
        axes={"organs.lung.growth_multiplier": [0.5, 1.0]},
        replicates=1,
        out=tmp_path / "grid",
    )
    assert grid.points["organs.lung.growth_multiplier"].to_list() == [0.5, 1.0]
    assert grid.points["label"].to_list() == ["organs.lung.growth_multiplier=0.5", "organs.lung.growth_multiplier=1"]
    # The point at the file's own value is the file's run.
    plain = cascade.run("scenarios/b16_tail_vein.ron", replicates=1)
    assert grid.summary.filter(pl.col("point") == 1)["digest"].to_list() == plain.digests


def test_axes_are_refused_for_a_file_with_a_sweep():
    with pytest.raises(ValueError, match="sweep section already"):
        cascade.sweep(SWEEP, axes={"organs.lung.growth_multiplier": [1.0]})


def test_load_refuses_a_directory_without_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        cascade.load(tmp_path)
