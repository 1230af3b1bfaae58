//! Stepped growth against single events: the same small scenarios, many
//! replicates in each mode, and a two-sample test per observable. Stepped
//! growth is counted steps where rates depend on size (Gompertz), and exact
//! steps where they do not (exponential growth, per-cell shedding).
//!
//! The test: two-sample Kolmogorov–Smirnov at α = 0.01 per observable
//! (reject when D > 1.628·√((n + m)/(n·m)), the asymptotic critical
//! value; conservative for counts), and for the extinction probability a
//! two-proportion z test at the same level (|z| > 2.576). Seeds are fixed,
//! so the outcome is reproducible. By default 150 replicates per mode; set
//! `CASCADE_MODES=full` for 1,000:
//!
//! ```text
//! CASCADE_MODES=full cargo test --release -p cascade-runner --test modes
//! ```

use cascade_biology::NoExtension;
use cascade_biology::model::SiteKind;
use cascade_runner::run::simulate;
use cascade_runner::scenario::Scenario;

#[path = "support/compare.rs"]
mod support;
use support::{assert_same_distribution, scenario_with, two_proportion_z};

fn replicates() -> u64 {
    support::replicates("CASCADE_MODES", 150)
}

/// A growing primary that sheds into a mouse and seeds metastases: 2,000
/// cells, Gompertz towards 10^7, net 0.4 per day, for 10 days.
const GROWING: &str = r#"Scenario(
    seed: 11,
    stop_day: 10.0,
    organs: (preset: Mouse, every: (extravasation_rate: 1.0, solitary_death_rate: 0.5)),
    clones: [(name: "T", birth_rate: 0.6, death_rate: 0.2, mutation_probability: 1e-4, shedding_rate: 0.01)],
    primary: (organ: "skin", cells: [("T", 2000)], growth_law: Gompertz, carrying_capacity: 1e7),
    macrometastasis_size: 20,
    detection_size: 100,
)"#;

/// A primary of 3 cells that often dies out (net 0.1 per day, extinction
/// about (0.5/0.6)^3 ≈ 0.58 for a linear birth–death process), stepping
/// from 20 cells.
const FRAGILE: &str = r#"Scenario(
    seed: 12,
    stop_day: 30.0,
    organs: (preset: Mouse),
    clones: [(name: "T", birth_rate: 0.6, death_rate: 0.5, mutation_probability: 0.0, shedding_rate: 0.0)],
    primary: (organ: "skin", cells: [("T", 3)], growth_law: Exponential),
)"#;

/// `text` in `mode` (`""`: the scenario's own, single events).
fn scenario(text: &str, mode: &str) -> Scenario<NoExtension> {
    let field = if mode.is_empty() {
        String::new()
    } else {
        format!("mode: {mode}")
    };
    scenario_with(text, &field, "modes.ron")
}

/// The observables, in the order of [`observe`]'s arrays.
const OBSERVABLES: [&str; 9] = [
    "primary cells",
    "metastatic cells",
    "cells shed",
    "micrometastases founded",
    "whether every cell died",
    "first detection day",
    "metastases alive in the lung",
    "clones",
    "cells born",
];

/// Per replicate, the [`OBSERVABLES`]: the first detection day is the stop
/// day if none, and rounded up to the grid of `grid` days if `grid > 0`;
/// cells born are the ledger's.
fn observe(scenario: &Scenario<NoExtension>, grid: f64) -> Vec<[f64; 9]> {
    let lung = scenario
        .config
        .organs
        .id("lung")
        .expect("the mouse has lungs");
    (0..replicates())
        .map(|r| {
            let finished = simulate(scenario, scenario.file.seed, r).expect("runs");
            let state = finished.state();
            let cells = |kind| -> u64 {
                state
                    .sites()
                    .iter()
                    .filter(|s| s.kind == kind)
                    .map(|s| s.size)
                    .sum()
            };
            let funnel = state.funnel().total();
            let alive: u64 = state.lineage().iter().map(|c| state.alive(c.id)).sum();
            let in_lung = state
                .sites()
                .iter()
                .filter(|s| s.kind == SiteKind::Metastasis && s.organ == lung && s.size > 0)
                .count();
            let born: u64 = state
                .lineage()
                .iter()
                .map(|c| state.ledger(c.id).born)
                .sum();
            let detection = state.first_detection().map_or(scenario.file.stop_day, |t| {
                if grid > 0.0 {
                    (t.days() / grid).ceil() * grid
                } else {
                    t.days()
                }
            });
            [
                cells(SiteKind::Primary) as f64,
                cells(SiteKind::Metastasis) as f64,
                funnel.shed as f64,
                funnel.micrometastases as f64,
                if alive == 0 { 1.0 } else { 0.0 },
                detection,
                in_lung as f64,
                state.lineage().iter().count() as f64,
                born as f64,
            ]
        })
        .collect()
}

/// KS at α = 0.01 on each observable of `which` (indices into
/// [`OBSERVABLES`]).
fn same_distributions(single: &[[f64; 9]], stepped: &[[f64; 9]], which: &[usize]) {
    let (n, m) = (single.len() as f64, stepped.len() as f64);
    let critical = 1.628 * ((n + m) / (n * m)).sqrt();
    for &k in which {
        let a: Vec<f64> = single.iter().map(|o| o[k]).collect();
        let b: Vec<f64> = stepped.iter().map(|o| o[k]).collect();
        assert_same_distribution(
            OBSERVABLES[k],
            &a,
            &b,
            critical,
            ("single events", "stepped"),
        );
    }
}

#[test]
fn stepped_growth_gives_the_distributions_of_single_events() {
    let exact = observe(&scenario(GROWING, ""), 0.0);
    let stepped = observe(
        &scenario(GROWING, "Stepped(step: 0.01, threshold: 500)"),
        0.0,
    );
    same_distributions(&exact, &stepped, &[0, 1, 2, 3, 5, 6]);
}

#[test]
fn extinction_stays_exact_below_the_threshold() {
    let exact = observe(&scenario(FRAGILE, ""), 0.0);
    let stepped = observe(&scenario(FRAGILE, "Stepped(step: 0.1, threshold: 20)"), 0.0);
    let share = |o: &[[f64; 9]]| o.iter().map(|x| x[4]).sum::<f64>() / o.len() as f64;
    let (p1, p2) = (share(&exact), share(&stepped));
    let n = exact.len() as f64;
    let z = two_proportion_z(p1, p2, n);
    assert!(
        z.abs() <= 2.576,
        "extinct: single events {p1}, stepped {p2}, z = {z:.2}"
    );
    // And near the linear birth–death value (0.5/0.6)^3 = 0.579: within
    // 3 standard errors.
    let ratio = 0.5f64 / 0.6;
    let theory = ratio * ratio * ratio;
    let se = (theory * (1.0 - theory) / n).sqrt();
    assert!((p2 - theory).abs() <= 3.0 * se, "stepped {p2} vs {theory}");
}

/// An exponential primary that sheds and mutates (mutants with rates of
/// their own), exponential metastases, detectable from 100 cells: every
/// site steps exactly from 20 cells, on a coarse grid (0.5 days) that only
/// the days sizes are looked at depend on.
const CONSTANT_RATES: &str = r#"Scenario(
    seed: 13,
    stop_day: 9.0,
    organs: (preset: Mouse, every: (extravasation_rate: 1.0, solitary_death_rate: 0.3)),
    clones: [(name: "T", birth_rate: 0.9, death_rate: 0.2, mutation_probability: 2e-3, shedding_rate: 0.01)],
    mutation_effect: (birth_rate: 0.2, death_rate: 0.2, shedding_rate: 0.2),
    primary: (organ: "skin", cells: [("T", 50)], growth_law: Exponential),
    metastasis_growth_law: Exponential,
    detection_size: 100,
)"#;

/// Exact steps: counts, shed cells and mutants with the law of single
/// events (KS at α = 0.01 per observable, as above). The ledger's births
/// inside an interval are drawn around their mean given its ends
/// (`ConstantRates::Exact`); they are compared too. Sizes are looked at on
/// the grid, so a metastasis is detected at the first multiple of the step
/// at which it is detectable: the single-event day is compared rounded up
/// to the grid (unrounded, the test rejects: D 0.167 at 1,000 replicates).
#[test]
fn exact_steps_give_the_distributions_of_single_events() {
    let single = observe(&scenario(CONSTANT_RATES, ""), 0.5);
    let stepped = observe(
        &scenario(
            CONSTANT_RATES,
            "Stepped(step: 0.5, threshold: 20, constant_rates: Exact)",
        ),
        0.0,
    );
    same_distributions(&single, &stepped, &[0, 1, 2, 3, 7, 8, 5, 6]);
}
