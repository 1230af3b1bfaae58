//! Counted steps of stepped growth (`docs/model.md`, Stepped growth)
//! against known answers: the DSMTS birth–death case 001-01 at every day,
//! and Gompertz growth against single events.
//!
//! Seeds are fixed, so every outcome is reproducible. The default
//! replicates keep the suite quick; `CASCADE_STEPS=full` runs the full
//! numbers (each test's doc says which):
//!
//! ```text
//! CASCADE_STEPS=full cargo test --release -p cascade-biology --test steps
//! ```

use cascade_biology::clones::GrowthRates;
use cascade_biology::config::{
    CascadeConfig, ConstantRates, FoundingClone, GrowthLaw, GrowthSteps, PrimaryTumour,
    default_phenotype,
};
use cascade_biology::organs::OrganSet;
use cascade_biology::{CloneId, NoExtension, simulation};
use cascade_kernel::{Seed, Time};

/// `quick` replicates, or `full` with `CASCADE_STEPS=full`.
fn replicates(quick: u64, full: u64) -> u64 {
    match std::env::var("CASCADE_STEPS").as_deref() {
        Ok("full") => full,
        _ => quick,
    }
}

/// A primary of `cells` cells of one clone (no mutation, no shedding) in
/// the skin of a mouse, with the given law and rates.
fn primary(law: GrowthLaw, cells: u64, capacity: f64, birth: f64, death: f64) -> CascadeConfig {
    let organs = OrganSet::mouse();
    let skin = organs.id("skin").expect("the mouse has skin");
    let mut phenotype = default_phenotype(&organs);
    let rates = GrowthRates {
        birth_rate: birth,
        death_rate: death,
        mutation_probability: 0.0,
    };
    phenotype.in_primary = rates;
    phenotype.in_metastases = rates;
    phenotype.shedding_rate = 0.0;
    let clones = vec![FoundingClone {
        name: "T".into(),
        phenotype,
    }];
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), cells)],
        growth_law: law,
        carrying_capacity: capacity,
    });
    config
}

/// Counted steps of `step` days from `threshold` cells, also where rates
/// are constant.
fn counted(step: f64, threshold: u64) -> Option<GrowthSteps> {
    Some(GrowthSteps {
        step,
        threshold,
        constant_rates: ConstantRates::Counted,
    })
}

/// The primary's size at each of `days` (days, each a multiple of `step`
/// when stepped), for each replicate: `sizes[day][replicate]`.
fn sizes_at(
    config: &CascadeConfig,
    days: &[f64],
    count: u64,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let mut sizes = vec![Vec::with_capacity(count as usize); days.len()];
    for r in 0..count {
        let mut sim = simulation(
            config.clone(),
            NoExtension,
            Seed::new(seed).with_replicate(r),
        )
        .map_err(|e| e.to_string())?;
        for (index, &day) in days.iter().enumerate() {
            sim.run_until(Time::new(day).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            let state = sim.model().state();
            state.check_conservation()?;
            sizes[index].push(state.sites()[0].size as f64);
        }
    }
    Ok(sizes)
}

/// Mean and sample variance.
fn moments(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

/// The days 1 to 50 as multiples of `step`, computed as the grid of steps
/// is (k × step from the integer k), so that each day's step has run.
fn grid_days(step: f64) -> Vec<f64> {
    (1..=50)
        .map(|day| libm::round(f64::from(day) / step) * step)
        .collect()
}

/// DSMTS 001-01 (Evans, Gillespie & Wilkinson 2008, the SBML discrete
/// stochastic models test suite): a linear birth–death process, b = 0.1,
/// d = 0.11, X₀ = 100, whose mean is X₀e^((b−d)t) and variance
/// X₀(b+d)/(b−d)·e^((b−d)t)(e^((b−d)t) − 1). At every day from 1 to 50,
/// the suite's criteria: the sample mean within 3 standard errors of the
/// mean, and √(n/2)(S²/σ² − 1) within ±5 for the variance. The τ-leap
/// that counted steps replaced drifted by 45 standard errors by day 50 at
/// a step of 0.5 days. Counted steps of 0.01 days (the default step), 0.1
/// and 0.5, stepping from 2 cells (so the process is stepped unless one
/// cell is left); by default 500 replicates at 0.01, 1,000 at 0.1 and
/// 10,000 at 0.5 (a standard error of 1.0, 0.71 and 0.22 cells on day
/// 50, where the mean is 60.7), 10,000 at every step with
/// `CASCADE_STEPS=full`.
#[test]
fn counted_steps_pass_the_dsmts_birth_death_case_001_01() -> Result<(), String> {
    let (b, d, x0) = (0.1, 0.11, 100.0);
    for (step, count) in [
        (0.01, replicates(500, 10_000)),
        (0.1, replicates(1_000, 10_000)),
        (0.5, 10_000),
    ] {
        let mut config = primary(GrowthLaw::Exponential, 100, 1e12, b, d);
        config.growth_steps = counted(step, 2);
        let days = grid_days(step);
        let sizes = sizes_at(&config, &days, count, 1)?;
        let n = count as f64;
        for (day, values) in days.iter().zip(&sizes) {
            let growth = libm::exp((b - d) * day);
            let mean = x0 * growth;
            let variance = x0 * (b + d) / (b - d) * growth * (growth - 1.0);
            let (sample_mean, sample_variance) = moments(values);
            let z = (sample_mean - mean) / (variance / n).sqrt();
            let y = (n / 2.0).sqrt() * (sample_variance / variance - 1.0);
            if z.abs() > 3.0 || y.abs() > 5.0 {
                return Err(format!(
                    "step {step}, day {day}: mean {sample_mean} against {mean} (z {z:.2}), \
                     variance {sample_variance} against {variance} (y {y:.2})"
                ));
            }
        }
    }
    Ok(())
}

/// Gompertz growth towards K = 10⁵ from 1,000 cells (b = 1.0, d = 0.5 per
/// day, the law's deterministic curve at 5,062 cells on day 10), stepping
/// from 500 cells, against single events: the size at day 10, its mean by
/// Welch's t (|t| ≤ 3.29, two-sided α = 0.001) and its variance by the
/// ratio of sample variances (within the F test's bounds at α = 0.001,
/// from ln F ≈ Normal(0, 2/(n − 1) + 2/(m − 1))), at the default step
/// (0.01 days) and 10× it. 300 replicates per mode by default (a standard
/// error of the mean of about 0.3%), 3,000 with `CASCADE_STEPS=full`.
#[test]
fn counted_steps_agree_with_single_events_on_gompertz_growth() -> Result<(), String> {
    let count = replicates(300, 3_000);
    let single = primary(GrowthLaw::Gompertz, 1_000, 1e5, 1.0, 0.5);
    let day = [10.0];
    let reference = sizes_at(&single, &day, count, 2)?.remove(0);
    let (mean, variance) = moments(&reference);
    for step in [0.01, 0.1] {
        let mut config = single.clone();
        config.growth_steps = counted(step, 500);
        let stepped = sizes_at(&config, &day, count, 3)?.remove(0);
        let (stepped_mean, stepped_variance) = moments(&stepped);
        let n = count as f64;
        let t = (stepped_mean - mean) / ((variance + stepped_variance) / n).sqrt();
        let log_ratio = libm::log(stepped_variance / variance);
        let bound = 3.29 * (4.0 / (n - 1.0)).sqrt();
        if t.abs() > 3.29 || log_ratio.abs() > bound {
            return Err(format!(
                "step {step}: mean {stepped_mean} against {mean} (t {t:.2}); variance \
                 {stepped_variance} against {variance} (ln ratio {log_ratio:.3}, bound {bound:.3})"
            ));
        }
    }
    Ok(())
}
