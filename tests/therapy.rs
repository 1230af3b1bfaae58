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
//!
//! The clinical-size study (`scenarios/therapy/clinical_*.ron`, primaries
//! grown by steps) is checked against its formulas at one small size by
//! default, and over the grid of `docs/therapy.md` (At clinical sizes) with
//! `CASCADE_THERAPY=clinical`, which prints the page's table:
//!
//! ```text
//! CASCADE_THERAPY=clinical cargo test --release -p cascade-runner --test therapy clinical -- --nocapture
//! ```

use std::path::PathBuf;
use std::sync::OnceLock;

use cascade_runner::therapy_report::{
    ClinicalPoint, ClinicalResult, Report, clinical, clinical_table, run,
};

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

fn therapy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/therapy")
}

/// Two-sided z at α = 0.001: a true formula is refused at one point in
/// a thousand (the seeds are fixed, so the outcome is reproducible).
const Z_001: f64 = 3.29;

fn point(drugs: usize, mu: f64, size: u64, replicates: u64, pure_birth: bool) -> ClinicalPoint {
    ClinicalPoint {
        drugs,
        mu,
        size,
        replicates,
        pure_birth,
        stop_day: None,
    }
}

/// The fraction with no resistant cell, within `Z_001` of its formula.
fn check_none_resistant(result: &ClinicalResult, table: &str) {
    let z = result.none_resistant.z;
    assert!(
        z.abs() < Z_001,
        "drugs {}, mu {}, N {}, pure birth {}: z = {z}\n{table}",
        result.point.drugs,
        result.point.mu,
        result.point.size,
        result.point.pure_birth
    );
}

/// At a small size, with primaries grown by steps from 10⁴ cells (the
/// clinical files, stopped at day 12, after the first dose): the fraction
/// with no resistant cell at the first dose against its formula,
/// evaluated at each replicate's size then (the step that starts the
/// drugs overshoots N by up to 3%), by a z-test at α = 0.001 on 300
/// replicates each:
/// - one drug, pure birth, μ = 10⁻⁵, N = 10⁵: (1 − μ)^(N − N₀) ≈ 0.41,
///   exact for the model cell by cell (every division gives a resistant
///   daughter with probability μ; the size is blind to which);
/// - one drug with death (birth 0.5, death 0.2): the Iwasa–Nowak–Michor
///   value ≈ 0.31, which (1 − μ)^(N − N₀) ≈ 0.41 misses by about 4
///   standard errors, so the test tells the two apart;
/// - two drugs, pure birth: the product rule (1 − μ)^(2(N − N₀)) ≈ 0.17,
///   exact too (a division must give neither resistance).
#[test]
fn clinical_resistance_at_a_small_size_matches_the_formulas() {
    let early = |drugs, pure_birth| ClinicalPoint {
        stop_day: Some(12.0),
        ..point(drugs, 1e-5, 100_000, 300, pure_birth)
    };
    let points = [early(1, true), early(1, false), early(2, true)];
    let results = clinical(&therapy_dir(), &points, 2).expect("the clinical files run");
    let table = clinical_table(&results);
    eprintln!("{table}");
    for result in &results {
        check_none_resistant(result, &table);
    }
    // With death there are more resistant cells at the same size than
    // without: the formula without death is refused there.
    let with_death = &results[1].none_resistant;
    let without = results[0].none_resistant.formula;
    assert!(
        with_death.simulated.high.is_some_and(|high| high < without),
        "{table}"
    );
}

/// The grid of `docs/therapy.md` (At clinical sizes): (drugs, μ, N,
/// replicates, pure birth). The points where a formula is informative
/// (between 0.01 and 0.99) have 100 or 200 replicates; the rest fewer, to
/// show that their answer is near 0 (one drug, μN ≫ 1) and to measure
/// what a replicate costs there (up to 33 s at 10¹¹ cells with two drugs
/// at μ = 10⁻⁶).
pub const CLINICAL_GRID: [(usize, f64, u64, u64, bool); 19] = [
    (1, 1e-7, 1_000_000, 200, false),
    (1, 1e-7, 10_000_000, 200, false),
    (1, 1e-6, 1_000_000, 200, false),
    (1, 1e-7, 10_000_000, 200, true),
    (1, 1e-6, 1_000_000, 200, true),
    (1, 1e-7, 100_000_000, 20, false),
    (1, 1e-7, 1_000_000_000, 20, false),
    (1, 1e-7, 10_000_000_000, 20, false),
    (1, 1e-6, 10_000_000, 20, false),
    (1, 1e-6, 100_000_000, 20, false),
    (1, 1e-5, 1_000_000, 20, false),
    (1, 1e-5, 10_000_000, 20, false),
    (2, 1e-5, 1_000_000, 200, false),
    (2, 1e-5, 10_000_000, 200, false),
    (2, 1e-5, 100_000_000, 200, false),
    (2, 1e-5, 1_000_000_000, 200, false),
    (2, 1e-6, 10_000_000_000, 100, false),
    (2, 1e-7, 100_000_000_000, 5, false),
    (2, 1e-6, 100_000_000_000, 4, false),
];

/// `CASCADE_THERAPY=clinical`: the grid above. No resistant cell at the
/// first dose within `Z_001` of its formula wherever the formula is
/// informative; one drug's cure within `Z_001` of Goldie and Coldman's
/// exp(−μ(N − N₀)) (it leaves out the resistant daughters of the
/// sensitive cells dividing between doses, about 1% of μN here); two
/// drugs' cure with its Wilson interval meeting the band between
/// exp(−m₂) (the Poisson value of the mean count of doubly resistant
/// lineages) and the product rule exp(−μ²(N − N₀)), its upper bound.
#[test]
fn clinical_grid_against_the_formulas() {
    if std::env::var("CASCADE_THERAPY").as_deref() != Ok("clinical") {
        eprintln!("the clinical grid runs with CASCADE_THERAPY=clinical");
        return;
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let points: Vec<ClinicalPoint> = CLINICAL_GRID
        .iter()
        .map(|&(drugs, mu, size, replicates, pure_birth)| {
            point(drugs, mu, size, replicates, pure_birth)
        })
        .collect();
    let mut results = Vec::new();
    for p in &points {
        let mut one = clinical(&therapy_dir(), std::slice::from_ref(p), threads)
            .expect("the clinical files run");
        eprintln!("{}", clinical_table(&one));
        results.append(&mut one);
    }
    let table = clinical_table(&results);
    println!("{table}");
    for result in &results {
        let informative = (0.01..=0.99).contains(&result.none_resistant.formula);
        if informative {
            check_none_resistant(result, &table);
        }
        let Some(cure) = &result.cure else { continue };
        if result.point.drugs == 1 {
            if (0.01..=0.99).contains(&cure.formula) {
                assert!(cure.z.abs() < Z_001, "cure: {cure:?}\n{table}");
            }
        } else if let Some(lower) = result.cure_lower {
            let (low, high) = (cure.simulated.low, cure.simulated.high);
            assert!(
                low.is_some_and(|l| l <= cure.formula) && high.is_some_and(|h| h >= lower),
                "two drugs' cure {cure:?} outside [{lower}, {}]\n{table}",
                cure.formula
            );
        }
    }
}
