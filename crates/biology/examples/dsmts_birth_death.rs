//! The error of counted steps on the DSMTS birth–death case 001-01
//! (b = 0.1, d = 0.11, X₀ = 100, days 1 to 50), as `docs/performance.md`
//! reports it: for each step given on the command line (days; default
//! 0.5 0.1 0.01), the largest |z| of the daily mean against the exact mean
//! X₀e^((b−d)t) over days 1 to 50 (z in standard errors of the mean, from
//! the exact variance), and z on day 50.
//!
//! ```text
//! cargo run --release -p cascade-biology --example dsmts_birth_death -- 0.5 0.1 0.01
//! ```
//!
//! `CASCADE_REPLICATES` sets the replicates (default 10,000, the DSMTS's
//! n). Each replicate is stepped from 2 cells (`ConstantRates::Counted`).

use cascade_biology::clones::GrowthRates;
use cascade_biology::config::{
    CascadeConfig, ConstantRates, FoundingClone, GrowthLaw, GrowthSteps, PrimaryTumour,
    default_phenotype,
};
use cascade_biology::organs::OrganSet;
use cascade_biology::{CloneId, NoExtension, simulation};
use cascade_kernel::{Seed, Time};

fn main() -> Result<(), String> {
    let steps: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse::<f64>().map_err(|e| format!("{a}: {e}")))
        .collect::<Result<_, _>>()?;
    let steps = if steps.is_empty() {
        vec![0.5, 0.1, 0.01]
    } else {
        steps
    };
    let replicates: u64 = match std::env::var("CASCADE_REPLICATES") {
        Ok(value) => value.parse().map_err(|e| format!("{value}: {e}"))?,
        Err(_) => 10_000,
    };
    let (b, d, x0) = (0.1, 0.11, 100.0);
    println!("step  replicates  largest |z| (day)  z on day 50");
    for step in steps {
        let config = config(step, b, d)?;
        let days: Vec<f64> = (1..=50)
            .map(|day| libm::round(f64::from(day) / step) * step)
            .collect();
        let mut sums = vec![0.0; days.len()];
        for r in 0..replicates {
            let mut sim = simulation(config.clone(), NoExtension, Seed::new(1).with_replicate(r))
                .map_err(|e| e.to_string())?;
            for (index, &day) in days.iter().enumerate() {
                sim.run_until(Time::new(day).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?;
                sums[index] += sim.model().state().sites()[0].size as f64;
            }
        }
        let n = replicates as f64;
        let z: Vec<f64> = days
            .iter()
            .zip(&sums)
            .map(|(&day, &sum)| {
                let growth = libm::exp((b - d) * day);
                let variance = x0 * (b + d) / (b - d) * growth * (growth - 1.0);
                (sum / n - x0 * growth) / (variance / n).sqrt()
            })
            .collect();
        let (worst, at) = z
            .iter()
            .zip(&days)
            .fold((0.0f64, 0.0), |(w, a), (&z, &day)| {
                if z.abs() > w.abs() { (z, day) } else { (w, a) }
            });
        println!(
            "{step:<5} {replicates:>10}  {worst:>8.2} ({at:>4.1})  {:>10.2}",
            z[z.len() - 1]
        );
    }
    Ok(())
}

/// DSMTS 001-01 as a primary of 100 cells stepping from 2 cells.
fn config(step: f64, b: f64, d: f64) -> Result<CascadeConfig, String> {
    let organs = OrganSet::mouse();
    let skin = organs.id("skin").ok_or("the mouse has skin")?;
    let mut phenotype = default_phenotype(&organs);
    phenotype.in_primary = GrowthRates {
        birth_rate: b,
        death_rate: d,
        mutation_probability: 0.0,
    };
    phenotype.shedding_rate = 0.0;
    let clones = vec![FoundingClone {
        name: "X".into(),
        phenotype,
    }];
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), 100)],
        growth_law: GrowthLaw::Exponential,
        carrying_capacity: 1e12,
    });
    config.growth_steps = Some(GrowthSteps {
        step,
        threshold: 2,
        constant_rates: ConstantRates::Counted,
    });
    Ok(config)
}
