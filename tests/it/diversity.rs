//! Observables of heterogeneity end to end: `diversity.csv` and
//! `composition.csv` against the other tables and the definitions, and
//! the resistance history of `resistance.csv`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::run::{cascade, ok, scratch};

/// A mutating primary that seeds the lung, observed every 5 days.
const MUTATING: &str = r#"Scenario(
    seed: 11,
    replicates: 3,
    stop_day: 20.0,
    organs: (preset: Mouse),
    clones: [(name: "T", birth_rate: 0.7, death_rate: 0.2, mutation_probability: 0.03, shedding_rate: 0.01)],
    mutation_effect: (birth_rate: 0.1),
    primary: (organ: "skin", cells: [("T", 50)], growth_law: Logistic, carrying_capacity: 3000.0),
    observe_every: 5.0,
)
"#;

/// Rows of a CSV file as maps from column to field.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column}: {row:?}"))
}

fn run_into(dir: &Path, text: &str, extra: &[&str]) -> std::path::PathBuf {
    let file = dir.join("scenario.ron");
    fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(&args);
    out
}

#[test]
fn diversity_agrees_with_the_burden_and_the_definitions() {
    let dir = scratch("diversity");
    let out = run_into(&dir, MUTATING, &[]);
    let diversity = rows(&out.join("diversity.csv"));
    let composition = rows(&out.join("composition.csv"));
    assert!(!diversity.is_empty() && !composition.is_empty());

    // Every site's cells on a day add up to the burden of timeseries.csv.
    let mut burden: BTreeMap<(String, String), f64> = BTreeMap::new();
    for row in rows(&out.join("timeseries.csv")) {
        let cells = number(&row, "primary_cells") + number(&row, "metastatic_cells");
        *burden
            .entry((row["replicate"].clone(), row["day"].clone()))
            .or_default() += cells;
    }
    let mut in_sites: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut several_clones = 0;
    for row in &diversity {
        let key = (row["replicate"].clone(), row["day"].clone());
        *in_sites.entry(key).or_default() += number(row, "cells");
        let (alive, ever) = (number(row, "clones_alive"), number(row, "clones_ever"));
        let (largest, shannon, simpson) = (
            number(row, "largest_clone_share"),
            number(row, "shannon"),
            number(row, "simpson"),
        );
        assert!(
            number(row, "cells") >= 1.0 && alive >= 1.0 && alive <= ever,
            "{row:?}"
        );
        // Bounds that hold for any shares: max p² ≤ Σ p² ≤ max p, Σ p² ≥ 1/k,
        // 0 ≤ H ≤ ln k, and one clone gives H = 0 and D = 1.
        let slack = 1e-12;
        assert!(
            largest * largest <= simpson + slack && simpson <= largest + slack,
            "{row:?}"
        );
        assert!(simpson + slack >= 1.0 / alive, "{row:?}");
        assert!(
            shannon >= 0.0 && shannon <= libm::log(alive) + slack,
            "{row:?}"
        );
        if alive == 1.0 {
            assert_eq!((largest, shannon, simpson), (1.0, 0.0, 1.0), "{row:?}");
        } else {
            several_clones += 1;
        }
    }
    assert!(several_clones > 0, "the scenario should make mixed sites");
    for (key, cells) in &burden {
        assert_eq!(in_sites.get(key).copied().unwrap_or(0.0), *cells, "{key:?}");
    }

    // The listed clones hold at least 1% of their site, and no more cells
    // than it; the largest clone is always listed.
    let sites: BTreeMap<(String, String, String), &BTreeMap<String, String>> = diversity
        .iter()
        .map(|r| {
            (
                (r["replicate"].clone(), r["day"].clone(), r["site"].clone()),
                r,
            )
        })
        .collect();
    let mut listed: BTreeMap<(String, String, String), (f64, f64)> = BTreeMap::new();
    for row in &composition {
        let key = (
            row["replicate"].clone(),
            row["day"].clone(),
            row["site"].clone(),
        );
        let site = sites[&key];
        let cells = number(row, "cells");
        assert!(cells >= 0.01 * number(site, "cells"), "{row:?}");
        let entry = listed.entry(key).or_default();
        entry.0 += cells;
        entry.1 = entry.1.max(cells);
    }
    for (key, site) in &sites {
        let (sum, largest) = listed[key];
        assert!(sum <= number(site, "cells"), "{key:?}");
        assert_eq!(
            largest / number(site, "cells"),
            number(site, "largest_clone_share")
        );
    }
}

#[test]
fn a_higher_observed_share_lists_fewer_clones_and_an_invalid_one_is_refused() {
    let dir = scratch("composition-share");
    let wide = run_into(&dir, MUTATING, &[]);
    let wide = rows(&wide.join("composition.csv")).len();
    let narrow_text = MUTATING.replace(
        "observe_every: 5.0,",
        "observe_every: 5.0,\n    clone_share_observed: 0.5,",
    );
    let narrow_dir = scratch("composition-share-half");
    let narrow = rows(&run_into(&narrow_dir, &narrow_text, &[]).join("composition.csv"));
    assert!(narrow.len() < wide, "{} against {wide}", narrow.len());
    let bad = dir.join("bad.ron");
    fs::write(
        &bad,
        MUTATING.replace(
            "observe_every: 5.0,",
            "observe_every: 5.0,\n    clone_share_observed: 1.5,",
        ),
    )
    .unwrap();
    let output = cascade(&["check", bad.to_str().unwrap()], &[]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("clone_share_observed") && message.contains("(0, 1]"),
        "{message}"
    );
}

#[test]
fn the_resistance_history_precedes_the_treatment() {
    let dir = scratch("resistance-history");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/therapy/adjuvant_two_drugs.ron"
    );
    let out = dir.join("out");
    ok(&[
        "run",
        scenario,
        "--replicates",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    let therapy: BTreeMap<String, BTreeMap<String, String>> = rows(&out.join("therapy.csv"))
        .into_iter()
        .map(|r| (r["replicate"].clone(), r))
        .collect();
    let resistance = rows(&out.join("resistance.csv"));
    assert!(!resistance.is_empty());
    for row in &resistance {
        let started = number(&therapy[&row["replicate"]], "therapy_started_day");
        let any_before = [
            "resistant_cells_at_first_dose",
            "resistant_cells_at_surgery",
        ]
        .iter()
        .any(|c| !row[*c].is_empty() && number(row, c) > 0.0);
        // Resistant cells before the treatment mean a resistant clone arose
        // before it began.
        if any_before {
            assert!(number(row, "first_resistant_day") <= started, "{row:?}");
        }
        if row["first_resistant_day"].is_empty() {
            assert_eq!(number(row, "resistant_cells"), 0.0, "{row:?}");
        }
    }
}

#[test]
fn a_resistant_founder_makes_resistance_present_from_day_zero() {
    let dir = scratch("resistant-founder");
    let text = r#"Scenario(
    seed: 3,
    replicates: 2,
    stop_day: 20.0,
    organs: (preset: Mouse),
    clones: [
        (name: "S", birth_rate: 0.5, death_rate: 0.1, mutation_probability: 0.0, shedding_rate: 0.0),
        (name: "R", birth_rate: 0.5, death_rate: 0.1, mutation_probability: 0.0, shedding_rate: 0.0, sensitivity: [("A", 0.0)]),
    ],
    primary: (organ: "skin", cells: [("S", 90), ("R", 10)], growth_law: Logistic, carrying_capacity: 100000.0),
    therapy: (
        drugs: [(name: "A", log_kill: 2.0)],
        regimens: [(start: Day(5.0), every: 1.0, doses: 3, cycle: [["A"]])],
    ),
)
"#;
    let out = run_into(&dir, text, &[]);
    for row in rows(&out.join("resistance.csv")) {
        assert_eq!(row["first_resistant_day"], "0.0", "{row:?}");
        // The resistant founder's cells on day 5 are at least its 10 cells
        // less its deaths: with b = 0.5 and d = 0.1 a colony of 10 rarely
        // dies out; they are counted, and never more than every cell.
        assert!(
            number(&row, "resistant_cells_at_first_dose") > 0.0,
            "{row:?}"
        );
        assert!(row["resistant_cells_at_surgery"].is_empty(), "{row:?}");
    }
}
