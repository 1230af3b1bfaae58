//! What the tests that compare two modes of simulation share
//! (`tests/modes.rs`, `tests/cohorts.rs`): the replicate count, the
//! scenario with one more field, the two-sample Kolmogorov–Smirnov
//! statistic and its check, and the two-proportion z statistic.

use std::path::Path;

use cascade_biology::NoExtension;
use cascade_runner::scenario::{Scenario, parse};

/// 1,000 replicates per mode if the environment variable `variable` is
/// `full`, else `default`.
pub fn replicates(variable: &str, default: u64) -> u64 {
    match std::env::var(variable).as_deref() {
        Ok("full") => 1000,
        _ => default,
    }
}

/// The scenario `text` with `field` (a line such as `mode: ...`) added
/// before its `seed`, or as it is if `field` is empty; `name` names the
/// file in error messages.
pub fn scenario_with(text: &str, field: &str, name: &str) -> Scenario<NoExtension> {
    let text = match field {
        "" => text.to_string(),
        field => text.replacen("    seed:", &format!("    {field},\n    seed:"), 1),
    };
    parse::<NoExtension>(&text, Path::new(name)).expect("a valid scenario")
}

/// The largest distance between the empirical distribution functions of
/// `a` and `b`.
pub fn ks(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

/// Prints, then asserts, that the KS distance between `a` (mode `left`)
/// and `b` (mode `right`) for observable `name` is at most `critical`.
pub fn assert_same_distribution(
    name: &str,
    a: &[f64],
    b: &[f64],
    critical: f64,
    (left, right): (&str, &str),
) {
    let d = ks(a, b);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    eprintln!(
        "{name:>45}: D {d:.3} (critical {critical:.3}); means: {left} {:.2}, {right} {:.2}",
        mean(a),
        mean(b)
    );
    assert!(
        d <= critical,
        "{name}: KS D = {d:.3} > {critical:.3} (means: {left} {}, {right} {})",
        mean(a),
        mean(b)
    );
}

/// The two-proportion z statistic (pooled) for shares `p1` and `p2` of
/// `n` trials each.
pub fn two_proportion_z(p1: f64, p2: f64, n: f64) -> f64 {
    let pooled = (p1 + p2) / 2.0;
    (p1 - p2) / (pooled * (1.0 - pooled) * 2.0 / n).sqrt()
}
