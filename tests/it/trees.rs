//! The clone tree, the site tree and the prevalence table
//! (`docs/trees.md`): each replicate's trees read back by a Newick and NHX
//! parser (the `newick` crate) and checked against the tables written
//! beside them: the clone tree's parent relation is the lineage's
//! (`clones.csv`), every clone of a site's prevalence is in the tree, the
//! tree's sites and cells are `site_clones.csv`'s, the site tree's parents
//! are the sources `arrivals.csv` gives; and the biopsy's detection.

use std::collections::BTreeMap;
use std::path::Path;

use cascade_biology::NoExtension;
use cascade_runner::run::run_replicate;
use cascade_runner::schema::{self, Row, Value};
use newick::{Newick, NewickTree};

/// A primary in the skin shedding into the blood, mutating, with
/// metastases that shed too and cells that may join a lesion: mutants,
/// extinct clones, metastasis-to-metastasis seeding and reseeding.
const PRIMARY: &str = r#"Scenario(
    seed: 23,
    stop_day: 12.0,
    organs: (preset: Mouse),
    clones: [(
        name: "B16",
        birth_rate: 0.6,
        death_rate: 0.3,
        mutation_probability: 0.02,
        shedding_rate: 0.02,
    )],
    primary: Some((organ: "skin", cells: [("B16", 2000)])),
    harvest_days: [4.0, 8.0],
    reseeding: Some((joining_probability: 0.2, into_primary: true, into_metastases: true)),
    sampling: Some((detection_fraction: 0.05)),
)"#;

/// Two clones injected, one of them in clumps: two founders (an
/// unlabelled root above them) and sites founded by an injection.
const INJECTED: &str = r#"Scenario(
    seed: 7,
    stop_day: 6.0,
    organs: (preset: Mouse),
    clones: [
        (name: "single", birth_rate: 0.7, death_rate: 0.3, mutation_probability: 0.01),
        (name: "clumped", birth_rate: 0.7, death_rate: 0.3, mutation_probability: 0.01),
    ],
    injections: [
        (day: 0.0, vein: "tail_vein", cells: [("single", 3000)]),
        (day: 1.0, vein: "tail_vein", cells: [("clumped", 2000)], clump_size: 4),
    ],
    harvest_days: [3.0],
)"#;

fn scenario(text: &str) -> cascade_runner::Scenario<NoExtension> {
    cascade_runner::parse::<NoExtension>(text, Path::new("s.ron")).unwrap()
}

/// The rows of table `index`, each as column name → value.
fn rows(tables: &[Vec<Row>], index: usize) -> Vec<BTreeMap<String, Value>> {
    let columns = &schema::table(index).columns;
    (tables[index].iter())
        .map(|row| {
            let named = columns.iter().map(|c| c.name.to_string());
            named.zip(row.iter().cloned()).collect()
        })
        .collect()
}

fn count(row: &BTreeMap<String, Value>, column: &str) -> Option<u64> {
    match row[column] {
        Value::Count(n) => Some(n),
        Value::Null => None,
        ref other => panic!("{column} is {other:?}"),
    }
}

fn text(row: &BTreeMap<String, Value>, column: &str) -> String {
    match &row[column] {
        Value::Text(t) => t.clone(),
        other => panic!("{column} is {other:?}"),
    }
}

fn float(row: &BTreeMap<String, Value>, column: &str) -> f64 {
    match row[column] {
        Value::Float(x) | Value::Day(x) => x,
        ref other => panic!("{column} is {other:?}"),
    }
}

/// A label as Newick reads it: a quoted one unquoted (the crate keeps the
/// quotes of a label that needs no blank).
fn unquoted(label: &str) -> String {
    match label.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => label.to_string(),
    }
}

/// The replicate's tree of `kind`, parsed.
fn tree(tables: &[Vec<Row>], kind: &str) -> NewickTree {
    let trees = rows(tables, schema::TREES);
    let row = trees.iter().find(|r| text(r, "kind") == kind).unwrap();
    let newick = text(row, "newick");
    newick::one_from_string(&newick).unwrap_or_else(|e| panic!("{e}: {newick}"))
}

/// Per labelled node: its NHX `key` (parsed), its parent's, its label and
/// branch length.
struct Parsed {
    parent: Option<u64>,
    label: String,
    length: Option<f32>,
    attrs: BTreeMap<String, String>,
}

fn nodes_by(tree: &NewickTree, key: &str) -> BTreeMap<u64, Parsed> {
    let id = |n| tree.attrs(n).get(key).map(|v| v.parse::<u64>().unwrap());
    let mut nodes = BTreeMap::new();
    for n in tree.nodes() {
        let Some(me) = id(n) else { continue };
        let parsed = Parsed {
            parent: tree.parent(n).and_then(id),
            label: unquoted(tree.name(n).unwrap()),
            length: tree[n].branch().copied(),
            attrs: tree.attrs(n).clone().into_iter().collect(),
        };
        assert!(nodes.insert(me, parsed).is_none(), "{key} {me} twice");
    }
    nodes
}

/// The NHX list `key` of a node (empty when left out).
fn list(attrs: &BTreeMap<String, String>, key: &str) -> Vec<String> {
    attrs
        .get(key)
        .map(|v| v.split('|').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Runs replicates `0..replicates` of `text` and checks each one's tables.
fn check_replicates(text: &str, replicates: u64, check: impl Fn(&[Vec<Row>])) {
    let scenario = scenario(text);
    for replicate in 0..replicates {
        let output = run_replicate(&scenario, scenario.file.seed, replicate, true).unwrap();
        check(&output.tables);
    }
}

/// The clone tree's parent relation, names and branch lengths are the
/// lineage's; every clone of `clones.csv` is a node (extinct leaves are
/// kept); every clone of a site's prevalence is in the tree; each node's
/// sites and cells are `site_clones.csv`'s.
fn clone_tree_matches_the_tables(tables: &[Vec<Row>]) {
    let nodes = nodes_by(&tree(tables, "clones"), "clone");
    let clones = rows(tables, schema::CLONES);
    assert_eq!(nodes.len(), clones.len());
    let born: BTreeMap<u64, f64> = (clones.iter())
        .map(|c| (count(c, "clone").unwrap(), float(c, "born_day")))
        .collect();
    for clone in &clones {
        let id = count(clone, "clone").unwrap();
        let node = &nodes[&id];
        assert_eq!(node.parent, count(clone, "parent"), "clone {id}");
        assert_eq!(node.label, text(clone, "name"));
        assert_eq!(
            node.attrs["alive"],
            count(clone, "cells_alive").unwrap().to_string()
        );
        if let (Some(parent), Some(length)) = (node.parent, node.length) {
            let expected = born[&id] - born[&parent];
            assert!((f64::from(length) - expected).abs() <= 1e-4 * (1.0 + expected));
        }
    }
    for row in rows(tables, schema::PREVALENCE) {
        assert!(nodes.contains_key(&count(&row, "clone_id").unwrap()));
    }
    let mut in_sites: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in rows(tables, schema::SITE_CLONES) {
        let cells = count(&row, "cells").unwrap().to_string();
        let site = count(&row, "site").unwrap().to_string();
        in_sites
            .entry(text(&row, "clone"))
            .or_default()
            .push((site, cells));
    }
    for node in nodes.values() {
        let sites = list(&node.attrs, "sites");
        let cells = list(&node.attrs, "site_cells");
        let mut found: Vec<(String, String)> = sites.into_iter().zip(cells).collect();
        let mut expected = in_sites.remove(&node.label).unwrap_or_default();
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "clone {}", node.label);
    }
}

/// Each site's parent in the site tree is the source of most of its
/// founding cells in `arrivals.csv` (a site, or an injection's node).
fn site_tree_matches_the_arrivals(tables: &[Vec<Row>]) {
    let tree = tree(tables, "sites");
    let sites = nodes_by(&tree, "site");
    let primaries = sites
        .values()
        .filter(|s| s.attrs["kind"] == "primary")
        .count();
    assert!(primaries <= 1);
    assert_eq!(
        sites.len(),
        rows(tables, schema::METASTASES).len() + primaries
    );
    let mut founding: BTreeMap<u64, Vec<(String, u64)>> = BTreeMap::new();
    for row in rows(tables, schema::ARRIVALS) {
        if text(&row, "kind") != "founded" {
            continue;
        }
        let source = match (count(&row, "source_site"), count(&row, "source_injection")) {
            (Some(site), None) => format!("site {site}"),
            (None, Some(injection)) => format!("injection {injection}"),
            other => panic!("{other:?}"),
        };
        let cells = count(&row, "cells").unwrap();
        let counts = founding.entry(count(&row, "site").unwrap()).or_default();
        match counts.iter_mut().find(|(s, _)| *s == source) {
            Some((_, n)) => *n += cells,
            None => counts.push((source, cells)),
        }
    }
    for handle in tree.nodes() {
        let Some(site) = tree.attrs(handle).get("site") else {
            continue;
        };
        let site: u64 = site.parse().unwrap();
        let parent = tree.parent(handle).map(|p| tree.attrs(p));
        let parent = parent.map(|a| match (a.get("site"), a.get("injection")) {
            (Some(s), _) => format!("site {s}"),
            (None, Some(i)) => format!("injection {i}"),
            _ => "root".to_string(),
        });
        let expected = founding.get(&site).map(|counts| {
            let most = counts.iter().map(|c| c.1).max().unwrap();
            counts.iter().find(|c| c.1 == most).unwrap().0.clone()
        });
        match expected {
            Some(source) => assert_eq!(parent, Some(source), "site {site}"),
            None => assert!(
                matches!(parent.as_deref(), None | Some("root")),
                "site {site}"
            ),
        }
        assert_eq!(
            sites[&site].label,
            format!("{}.{site}", sites[&site].attrs["organ"])
        );
    }
}

/// A site's fractions add up to 1 at each occasion, and a clone is
/// detected when its fraction is at least the threshold (or never marked
/// without sampling).
fn prevalence_adds_up(tables: &[Vec<Row>], threshold: Option<f64>) {
    let mut sums: BTreeMap<(String, String, u64), (f64, u64)> = BTreeMap::new();
    let prevalence = rows(tables, schema::PREVALENCE);
    assert!(prevalence.iter().any(|r| text(r, "occasion") == "harvest"));
    for row in &prevalence {
        let day = float(row, "day").to_string();
        let key = (text(row, "occasion"), day, count(row, "site").unwrap());
        let fraction = float(row, "fraction");
        let entry = sums.entry(key).or_default();
        entry.0 += fraction;
        entry.1 += count(row, "cells").unwrap();
        let detected = match row["detected"] {
            Value::Boolean(b) => Some(b),
            Value::Null => None,
            ref other => panic!("{other:?}"),
        };
        assert_eq!(detected, threshold.map(|t| fraction >= t));
    }
    for (key, (sum, _)) in &sums {
        assert!((sum - 1.0).abs() < 1e-9, "{key:?}: {sum}");
    }
    for row in rows(tables, schema::SITE_CLONES) {
        let site = count(&row, "site").unwrap();
        let end = sums.iter().find(|((o, _, s), _)| o == "end" && *s == site);
        assert!(end.is_some(), "site {site} has no end rows");
    }
}

#[test]
fn the_clone_tree_is_the_lineage_with_its_sites_over_replicates() {
    check_replicates(PRIMARY, 4, clone_tree_matches_the_tables);
    check_replicates(INJECTED, 3, clone_tree_matches_the_tables);
}

#[test]
fn the_site_tree_hangs_each_site_from_the_source_of_its_founding_cells() {
    check_replicates(PRIMARY, 4, site_tree_matches_the_arrivals);
    check_replicates(INJECTED, 3, site_tree_matches_the_arrivals);
}

#[test]
fn prevalence_adds_up_to_each_site_and_the_biopsy_detects_above_its_fraction() {
    check_replicates(PRIMARY, 2, |t| prevalence_adds_up(t, Some(0.05)));
    check_replicates(INJECTED, 2, |t| prevalence_adds_up(t, None));
}

/// With `Pruned`, the tree holds exactly the clones with living cells and
/// their ancestors, and each keeps its parent.
#[test]
fn a_pruned_clone_tree_keeps_the_living_clones_and_their_ancestors() {
    let text = PRIMARY.replace(
        "    sampling:",
        "    clone_tree: (extinct_leaves: Pruned),\n    sampling:",
    );
    check_replicates(&text, 3, |tables| {
        let nodes = nodes_by(&tree(tables, "clones"), "clone");
        let clones = rows(tables, schema::CLONES);
        let parent: BTreeMap<u64, Option<u64>> = (clones.iter())
            .map(|c| (count(c, "clone").unwrap(), count(c, "parent")))
            .collect();
        let mut expected = std::collections::BTreeSet::new();
        for clone in clones.iter().filter(|c| count(c, "cells_alive") > Some(0)) {
            let mut at = count(clone, "clone");
            while let Some(id) = at {
                expected.insert(id);
                at = parent[&id];
            }
        }
        assert!(expected.len() < clones.len(), "nothing was pruned");
        let kept: std::collections::BTreeSet<u64> = nodes.keys().copied().collect();
        assert_eq!(kept, expected);
        for (id, node) in &nodes {
            assert_eq!(node.parent, parent[id]);
        }
    });
}

#[test]
fn sampling_is_refused_at_its_line_outside_zero_to_one() {
    for bad in ["0.0", "1.5", "-0.1", "NaN"] {
        let text = PRIMARY.replace(
            "detection_fraction: 0.05",
            &format!("detection_fraction: {bad}"),
        );
        let error = cascade_runner::parse::<NoExtension>(&text, Path::new("s.ron")).unwrap_err();
        assert_eq!(error.field, "sampling.detection_fraction", "{error}");
        let line = text
            .lines()
            .position(|l| l.contains("detection_fraction"))
            .unwrap()
            + 1;
        assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
        assert!(error.message.contains("(0, 1]"), "{error}");
    }
    let whole = PRIMARY.replace("detection_fraction: 0.05", "detection_fraction: 1.0");
    assert!(cascade_runner::parse::<NoExtension>(&whole, Path::new("s.ron")).is_ok());
}
