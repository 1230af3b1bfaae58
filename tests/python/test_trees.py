"""The trees of trees.csv read by a standard Newick reader, Python's
`newick` package (docs/trees.md): every clone of clones.csv is a node
under its parent, quoted labels read back unquoted, and the NHX comments
give each clone's id and each site's organ.

Run by .ci/run with the other tests of tests/python:
    CASCADE_BIN=target/release/cascade python -m pytest tests/python
"""

import csv
import os
import pathlib
import subprocess

import newick

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASCADE = os.environ.get("CASCADE_BIN", str(ROOT / "target" / "release" / "cascade"))

# A shedding, mutating primary in the skin: metastases in organs whose
# names need quotes in Newick (`other_tissues`), mutants that die out.
SCENARIO = """Scenario(
    seed: 23,
    replicates: 2,
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16", birth_rate: 0.6, death_rate: 0.3, mutation_probability: 0.02, shedding_rate: 0.02)],
    primary: Some((organ: "skin", cells: [("B16", 2000)])),
    harvest_days: [5.0],
)
"""


def table(directory, name):
    with open(directory / f"{name}.csv", newline="") as file:
        return list(csv.DictReader(file))


def test_trees_read_back_with_the_lineage_and_the_sites(tmp_path):
    scenario = tmp_path / "trees.ron"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    subprocess.run([CASCADE, "run", scenario, "--threads", "1", "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    trees = table(out, "trees")
    clones = table(out, "clones")
    metastases = table(out, "metastases")
    for replicate in ("0", "1"):
        rows = {r["kind"]: r["newick"] for r in trees if r["replicate"] == replicate}
        clone_tree = newick.loads(rows["clones"])[0]
        parent_of = {}
        for node in clone_tree.walk():
            parent = node.ancestor.properties["clone"] if node.ancestor else ""
            parent_of[node.properties["clone"]] = (parent, node.unquoted_name)
        lineage = {c["clone"]: (c["parent"], c["name"]) for c in clones if c["replicate"] == replicate}
        assert parent_of == lineage
        site_tree = newick.loads(rows["sites"])[0]
        sites = list(site_tree.walk())
        assert len(sites) == 1 + sum(m["replicate"] == replicate for m in metastases)
        for node in sites:
            organ, site = node.unquoted_name.rsplit(".", 1)
            assert node.properties["site"] == site
            assert node.properties["organ"] == organ
        assert any(n.name.startswith("'") for n in sites), "no quoted label was read"
