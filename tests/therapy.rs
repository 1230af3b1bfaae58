//! The therapy results of docs/therapy.md as tests: the scenarios of
//! `scenarios/therapy/` run through `cascade therapy-report`'s code and
//! the claims of the page are checked.
//!
//! By default a quick version runs: 12 replicates per arm and per point
//! (replicates 0 to 11 of each file's seed, so the outcome is
//! reproducible), with thresholds that a true probability near the full
//! run's value would miss with a chance below about 10⁻³ each (binomial
//! tails, stated at each check). The report runs once for both tests. Set `CASCADE_THERAPY=full` for the
//! 200 replicates of the page and its tighter checks:
//!
//! ```text
//! CASCADE_THERAPY=full cargo test --release -p cascade-runner --test therapy
//! ```

use std::path::PathBuf;
use std::sync::OnceLock;

use cascade_runner::therapy_report::{Report, run};

fn report() -> (&'static Report, bool) {
    static REPORT: OnceLock<Report> = OnceLock::new();
    let full = std::env::var("CASCADE_THERAPY").as_deref() == Ok("full");
    let report = REPORT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/therapy");
        let replicates = if full { 200 } else { 12 };
        run(&dir, replicates, 2).expect("the therapy scenarios run")
    });
    (report, full)
}

/// Successes out of `n` in an estimate.
fn count(p: f64, n: u64) -> u64 {
    (p * n as f64).round() as u64
}

#[test]
fn early_and_combined_therapy_cures_where_late_or_single_does_not() {
    let (report, full) = report();
    let n = report.replicates;
    let arm = |file: &str| {
        report
            .arms
            .iter()
            .find(|a| a.file == file)
            .expect("a known arm")
    };
    let cured = |file: &str| count(arm(file).cure.mean, n);
    let table = report.tables();
    // Surgery alone: the micrometastases seeded before it always relapse
    // (0 of 200 cured in the full run).
    assert_eq!(cured("surgery_only.ron"), 0, "{table}");
    assert_eq!(count(arm("surgery_only.ron").relapse.mean, n), n, "{table}");
    if full {
        // Wilson intervals that do not overlap: early beats late with one
        // drug, and two drugs beat one at detection.
        let (early, late) = (
            arm("adjuvant_one_drug.ron"),
            arm("at_detection_one_drug.ron"),
        );
        assert!(early.cure.low > late.cure.high, "{table}");
        let two = arm("at_detection_two_drugs.ron");
        assert!(two.cure.low > late.cure.high, "{table}");
        assert!(arm("adjuvant_two_drugs.ron").cure.mean >= 0.97, "{table}");
    } else {
        // Full-run cures: 0.975, 1.0, 0.19 and 0.98. Binomial tails at
        // those values: P(X <= 8 | 12, 0.975) = 2e-4 and
        // P(X >= 8 | 12, 0.19) = 4e-4.
        assert!(cured("adjuvant_one_drug.ron") >= 9, "{table}");
        assert!(cured("adjuvant_two_drugs.ron") >= 9, "{table}");
        assert!(cured("at_detection_one_drug.ron") <= 7, "{table}");
        assert!(cured("at_detection_two_drugs.ron") >= 9, "{table}");
    }
}

#[test]
fn one_drug_cures_as_goldie_and_coldman_say_and_two_drugs_stay_ahead() {
    let (report, full) = report();
    let n = report.replicates as f64;
    let table = report.tables();
    for point in &report.points {
        let (one, two) = (point.cure[0].mean, point.cure[1].mean);
        let p = point.analytic;
        // The approximation exp(−μ(N − N₀)) leaves out resistance arising
        // during treatment, resistant lineages that die out before the end,
        // and the metastases' cells; it was within 0.035 of the full run at
        // every size. Tolerance: 3 standard errors of the estimate plus
        // 0.04 for the approximation.
        let se = (p * (1.0 - p) / n).sqrt();
        let tolerance = 3.0 * se + 0.04;
        assert!(
            (one - p).abs() <= tolerance,
            "N = {}: one drug cures {one}, exp(-mu(N - N0)) = {p} ± {tolerance}\n{table}",
            point.size
        );
        // Two drugs together never do worse than one, beyond noise (both
        // arms run the same seeds).
        assert!(
            two >= one - 3.0 * (one * (1.0 - one) / n).sqrt() - 1.0 / n,
            "N = {}: two drugs {two} < one drug {one}\n{table}",
            point.size
        );
    }
    // At the largest size one drug almost never cures and two almost
    // always do (full run: 0 and 0.96; P(X <= 7 | 12, 0.96) = 1e-4).
    let last = report.points.last().expect("points");
    assert!(last.cure[0].mean <= 0.1, "{table}");
    assert!(
        last.cure[1].mean >= if full { 0.9 } else { 0.66 },
        "{table}"
    );
}
