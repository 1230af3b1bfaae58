//! Stepped growth against single events: the same small scenarios, many
//! replicates in each mode, and a two-sample test per observable.
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

use std::path::Path;

use cascade_biology::NoExtension;
use cascade_biology::model::SiteKind;
use cascade_runner::run::simulate;
use cascade_runner::scenario::{Scenario, parse};

#[path = "support/ks.rs"]
mod support;
use support::ks;

fn replicates() -> u64 {
    match std::env::var("CASCADE_MODES").as_deref() {
        Ok("full") => 1000,
        _ => 150,
    }
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

fn scenario(text: &str, mode: &str) -> Scenario<NoExtension> {
    let text = match mode {
        "" => text.to_string(),
        mode => text.replacen("    seed:", &format!("    mode: {mode},\n    seed:"), 1),
    };
    parse::<NoExtension>(&text, Path::new("modes.ron")).expect("a valid scenario")
}

/// Per replicate: primary cells, metastatic cells, shed, micrometastases
/// founded, and whether every cell died.
fn observe(scenario: &Scenario<NoExtension>) -> Vec<[f64; 5]> {
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
            [
                cells(SiteKind::Primary) as f64,
                cells(SiteKind::Metastasis) as f64,
                funnel.shed as f64,
                funnel.micrometastases as f64,
                if alive == 0 { 1.0 } else { 0.0 },
            ]
        })
        .collect()
}

fn same_distributions(exact: &[[f64; 5]], stepped: &[[f64; 5]], names: &[&str]) {
    let (n, m) = (exact.len() as f64, stepped.len() as f64);
    let critical = 1.628 * ((n + m) / (n * m)).sqrt();
    for (k, name) in names.iter().enumerate() {
        let a: Vec<f64> = exact.iter().map(|o| o[k]).collect();
        let b: Vec<f64> = stepped.iter().map(|o| o[k]).collect();
        let d = ks(&a, &b);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(
            d <= critical,
            "{name}: KS D = {d:.3} > {critical:.3} (means: single events {}, stepped {})",
            mean(&a),
            mean(&b)
        );
    }
}

#[test]
fn stepped_growth_gives_the_distributions_of_single_events() {
    let exact = observe(&scenario(GROWING, ""));
    let stepped = observe(&scenario(GROWING, "Stepped(step: 0.01, threshold: 500)"));
    same_distributions(
        &exact,
        &stepped,
        &[
            "primary cells",
            "metastatic cells",
            "cells shed",
            "micrometastases founded",
        ],
    );
}

#[test]
fn extinction_stays_exact_below_the_threshold() {
    let exact = observe(&scenario(FRAGILE, ""));
    let stepped = observe(&scenario(FRAGILE, "Stepped(step: 0.1, threshold: 20)"));
    let share = |o: &[[f64; 5]]| o.iter().map(|x| x[4]).sum::<f64>() / o.len() as f64;
    let (p1, p2) = (share(&exact), share(&stepped));
    let n = exact.len() as f64;
    let pooled = (p1 + p2) / 2.0;
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * 2.0 / n).sqrt();
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
