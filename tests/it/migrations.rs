//! `migrations.csv` and `seeding.csv` (`docs/migrations.md`): a run writes
//! the migration graph, whose rows are `arrivals.csv`'s cells grouped by
//! source, target and clone, and its classification; an injection with no
//! shedding seeds every site alone.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::run::{ok, scratch};

const QUICKSTART: &str = include_str!("../../scenarios/quickstart.ron");

/// A CSV table as its header and rows (no field of these tables is
/// quoted: names, numbers and booleans).
pub(crate) struct Table {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn read(path: &Path) -> Table {
        let text = fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
        let header = split(lines.next().unwrap());
        let rows = lines.map(split).collect();
        Table { header, rows }
    }

    pub(crate) fn at(&self, column: &str) -> usize {
        (self.header.iter().position(|c| c == column)).unwrap_or_else(|| panic!("{column}"))
    }

    pub(crate) fn count(&self, row: &[String], column: &str) -> u64 {
        row[self.at(column)].parse().unwrap()
    }

    fn day(&self, row: &[String], column: &str) -> f64 {
        row[self.at(column)].parse().unwrap()
    }
}

/// (replicate, source site, source injection, target site, clone).
type Edge = (String, String, String, String, String);

/// Per edge: founding cells, joining cells, first and last day.
type Cells = (u64, u64, f64, f64);

/// Runs `text` (a scenario) and returns its arrivals, migrations and
/// seeding tables.
fn run(name: &str, text: &str) -> (Table, Table, Table) {
    let dir = scratch(name);
    let file = dir.join("scenario.ron");
    fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let args = [
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let _ = ok(&args);
    let tables = (
        Table::read(&out.join("arrivals.csv")),
        Table::read(&out.join("migrations.csv")),
        Table::read(&out.join("seeding.csv")),
    );
    fs::remove_dir_all(&dir).unwrap();
    tables
}

/// `arrivals.csv` grouped by edge.
fn edges_of_arrivals(arrivals: &Table) -> BTreeMap<Edge, Cells> {
    let mut edges: BTreeMap<Edge, Cells> = BTreeMap::new();
    for row in &arrivals.rows {
        let key = |c: &str| row[arrivals.at(c)].clone();
        let edge = (
            key("replicate"),
            key("source_site"),
            key("source_injection"),
            key("site"),
            key("clone"),
        );
        let (cells, day) = (
            arrivals.count(row, "cells"),
            arrivals.day(row, "arrival_day"),
        );
        let entry = edges.entry(edge).or_insert((0, 0, day, day));
        match key("kind").as_str() {
            "founded" => entry.0 += cells,
            "joined" => entry.1 += cells,
            kind => panic!("kind {kind}"),
        }
        entry.2 = entry.2.min(day);
        entry.3 = entry.3.max(day);
    }
    edges
}

fn edges_of_migrations(migrations: &Table) -> BTreeMap<Edge, Cells> {
    let mut edges = BTreeMap::new();
    for row in &migrations.rows {
        let key = |c: &str| row[migrations.at(c)].clone();
        let edge = (
            key("replicate"),
            key("source_site"),
            key("source_injection"),
            key("target_site"),
            key("clone"),
        );
        let cells = (
            migrations.count(row, "founding_cells"),
            migrations.count(row, "joining_cells"),
            migrations.day(row, "first_arrival_day"),
            migrations.day(row, "last_arrival_day"),
        );
        // A source site has its organ; an injection has none.
        let from_site = !key("source_site").is_empty();
        assert_eq!(from_site, !key("source_organ").is_empty(), "{row:?}");
        assert!(
            edges.insert(edge, cells).is_none(),
            "an edge twice: {row:?}"
        );
    }
    edges
}

/// The cells on each replicate's row of `seeding.csv` are those of its
/// sites' rows, and every arrived cell is on one of them.
fn seeding_accounts_for_every_cell(seeding: &Table, arrivals: &Table) {
    let parts = [
        "founding_cells",
        "joining_cells",
        "self_seeding_cells",
        "unknown_source_cells",
    ];
    let mut replicate_rows: BTreeMap<String, u64> = BTreeMap::new();
    let mut site_rows: BTreeMap<String, u64> = BTreeMap::new();
    for row in &seeding.rows {
        let replicate = row[seeding.at("replicate")].clone();
        // Cells of unknown source are among the founding and joining ones.
        let cells: u64 = parts[..3].iter().map(|c| seeding.count(row, c)).sum();
        let into = if row[seeding.at("site")].is_empty() {
            &mut replicate_rows
        } else {
            &mut site_rows
        };
        *into.entry(replicate).or_default() += cells;
    }
    let mut arrived: BTreeMap<String, u64> = BTreeMap::new();
    for row in &arrivals.rows {
        let replicate = row[arrivals.at("replicate")].clone();
        *arrived.entry(replicate).or_default() += arrivals.count(row, "cells");
    }
    for (replicate, cells) in &replicate_rows {
        assert_eq!(site_rows.get(replicate).copied().unwrap_or(0), *cells);
        assert_eq!(arrived.get(replicate).copied().unwrap_or(0), *cells);
    }
}

/// quickstart (metastases shed, by default): every row of
/// `migrations.csv` is `arrivals.csv`'s cells of one source, target and
/// clone, with their first and last day, and no arrival is left out.
#[test]
fn a_run_writes_the_migration_graph_of_its_arrivals() {
    let text = QUICKSTART.replace("replicates: 4,", "replicates: 2,");
    let (arrivals, migrations, seeding) = run("migrations", &text);
    let expected = edges_of_arrivals(&arrivals);
    assert!(expected.len() > 100, "{} edges", expected.len());
    assert_eq!(edges_of_migrations(&migrations), expected);
    seeding_accounts_for_every_cell(&seeding, &arrivals);
    let replicates = (seeding.rows.iter()).filter(|r| r[seeding.at("site")].is_empty());
    assert_eq!(replicates.count(), 2);
}

/// One injection into the tail vein and no cell shed anywhere: every edge
/// starts at injection 0, every metastasis is seeded by it alone and by
/// its one clone, and each replicate is monoclonal single-source (`mS`).
#[test]
fn with_one_injection_and_no_shedding_every_edge_starts_at_the_injection() {
    let text = QUICKSTART
        .replace("replicates: 4,", "replicates: 2,")
        .replace(
            "death_rate: 0.3,",
            "death_rate: 0.3,\n            shedding_rate: 0.0,",
        );
    let (arrivals, migrations, seeding) = run("migrations-injection", &text);
    assert!(
        migrations.rows.len() > 100,
        "{} edges",
        migrations.rows.len()
    );
    for row in &migrations.rows {
        assert_eq!(row[migrations.at("source_injection")], "0", "{row:?}");
        assert_eq!(row[migrations.at("source_site")], "", "{row:?}");
    }
    assert_eq!(
        edges_of_migrations(&migrations),
        edges_of_arrivals(&arrivals)
    );
    for row in &seeding.rows {
        let value = |c: &str| row[seeding.at(c)].as_str();
        assert_eq!(value("sources"), "1", "{row:?}");
        assert_eq!(value("clonality"), "monoclonal", "{row:?}");
        assert_eq!(value("topology"), "single-source", "{row:?}");
        assert_eq!(value("reseeded"), "false", "{row:?}");
        assert_eq!(value("seeded_by_metastasis"), "false", "{row:?}");
        let replicate_row = value("site").is_empty();
        assert_eq!(value("pattern"), if replicate_row { "mS" } else { "" });
    }
    seeding_accounts_for_every_cell(&seeding, &arrivals);
}
