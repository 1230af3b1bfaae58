//! The validation suite (docs/validation.md) as tests: every row of every
//! experiment must come out as its expected verdict says (inside its
//! tolerance, or outside for a stated missing mechanism).
//!
//! By default the quick versions run (a few replicates each, seconds). Set
//! `CASCADE_VALIDATION=full` to run the full versions, the replicates of
//! the published table:
//!
//! ```text
//! CASCADE_VALIDATION=full cargo test --release -p cascade-runner --test validation
//! ```

use std::path::PathBuf;

use cascade_runner::validation::{EXPERIMENTS, Scale, Setup, table};

fn setup(threads: usize) -> Setup {
    let scale = match std::env::var("CASCADE_VALIDATION").as_deref() {
        Ok("full") => Scale::Full,
        _ => Scale::Quick,
    };
    Setup {
        scenarios: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/validation"),
        scale,
        threads,
    }
}

fn check(name: &str) {
    let (_, run) = EXPERIMENTS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a known experiment");
    let experiment = run(&setup(2)).expect("the experiment runs");
    assert!(!experiment.rows.is_empty());
    let failures: Vec<String> = experiment
        .rows
        .iter()
        .filter(|row| !row.as_expected())
        .map(|row| {
            format!(
                "{}: {}: published {} ({:?}), simulated {:?}, expected {:?}",
                row.experiment,
                row.quantity,
                row.published,
                row.tolerance,
                row.simulated,
                row.expect
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for figure in &experiment.figures {
        assert!(figure.svg.starts_with("<svg") && figure.svg.ends_with("</svg>\n"));
    }
}

#[test]
fn fidler_1970_and_1973_tail_vein_assays() {
    check("intravenous");
}

#[test]
fn luzzi_1998_and_koop_1995_liver() {
    check("liver");
}

#[test]
fn hart_and_fidler_1980_grafts_and_patients_organ_distributions() {
    check("soil");
}

#[test]
fn butler_and_gullino_1975_and_meng_2004_circulating_cells() {
    check("circulation");
}

/// The table does not depend on the number of threads.
#[test]
fn the_table_is_the_same_on_one_and_two_threads() {
    let (_, run) = EXPERIMENTS[0];
    let one = run(&setup(1)).expect("runs");
    let two = run(&setup(2)).expect("runs");
    assert_eq!(table(&[one]), table(&[two]));
}
