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
fn fidler_and_talmadge_1986_and_aceto_2014_clonal_origin_and_clumps() {
    check("clonal");
}

#[test]
fn butler_and_gullino_1975_and_meng_2004_circulating_cells() {
    check("circulation");
}

#[test]
fn fidler_and_kripke_1977_fluctuation_test_and_harris_1982_rate() {
    check("fluctuation");
}

#[test]
fn the_missing_mechanisms_switched_on_dormancy_venous_routes_and_clusters_in_the_blood() {
    check("mechanisms");
}

/// The table does not depend on the number of threads.
#[test]
fn the_table_is_the_same_on_one_and_two_threads() {
    let (_, run) = EXPERIMENTS[0];
    let one = run(&setup(1)).expect("runs");
    let two = run(&setup(2)).expect("runs");
    assert_eq!(table(&[one]), table(&[two]));
}

/// The first replicate of every validation scenario, pinned: a change that
/// moves a trajectory shows here before it shows in the table. After an
/// intended change, update the digests (`cascade digest FILE`) and
/// regenerate the table (`cascade validate`).
#[test]
fn the_validation_scenarios_first_replicates_are_pinned() {
    const PINNED: [(&str, &str); 14] = [
        (
            "b16_fluctuation_assay.ron",
            "5d36f1e397df0d9d5e910a861cfcabbc",
        ),
        (
            "b16_fluctuation_clones.ron",
            "77034d779b0c6c8be61fd2879aa55725",
        ),
        (
            "b16_fluctuation_parental.ron",
            "017e3bb0412970a4e04fd6983d600a77",
        ),
        ("b16_mixed_clumps.ron", "0df91e5c8223a9220ac2505db5d7f5eb"),
        ("b16_organ_grafts.ron", "61a976ce7dd990063781a25fe638a033"),
        ("b16f10_intravenous.ron", "c361a5ee8ce0ebbf5a26738151b70928"),
        ("b16f1_intravenous.ron", "0a7bc65ec759672c34dd69aefb4ae43b"),
        (
            "b16f1_mesenteric_liver.ron",
            "b098c08ea137231653fba386511c5da8",
        ),
        (
            "b16f1_mesenteric_liver_angiogenesis.ron",
            "b6abce9439c01bbc2bb10806cd59b186",
        ),
        ("circulating_cells.ron", "2cfa2ac0e532b81776fe761330c5c8b6"),
        ("circulating_clumps.ron", "b033faee7bb8f92e2da82a642add3120"),
        (
            "colorectal_patients.ron",
            "79ebac7748e95bc81da27265d2f0bc12",
        ),
        ("prostate_patients.ron", "99f0cbadf51bd5d03c641fa68ca12325"),
        (
            "prostate_patients_vertebral_plexus.ron",
            "2476b4a089977e98c7db4f3b73956fb2",
        ),
    ];
    let dir = setup(1).scenarios;
    let files = cascade_runner::golden::scenario_files(&dir).expect("the directory can be read");
    assert_eq!(
        files.len(),
        PINNED.len(),
        "every validation scenario is pinned here: {files:?}"
    );
    let mut moved = Vec::new();
    for (file, digest) in PINNED {
        let scenario = cascade_runner::load::<cascade_biology::NoExtension>(&dir.join(file))
            .expect("the scenario loads");
        let now = cascade_runner::run::run_replicate(&scenario, scenario.file.seed, 0, false)
            .expect("the replicate runs")
            .record
            .digest;
        if now != digest {
            moved.push(format!("{file}: pinned {digest}, now {now}"));
        }
    }
    assert!(moved.is_empty(), "{}", moved.join("\n"));
}
