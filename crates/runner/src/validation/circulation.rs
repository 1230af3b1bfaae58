//! Tumour cells in the blood: Butler & Gullino 1975 and Meng et al. 2004
//! (`circulating_cells.ron`).

use cascade_biology::CascadeState;

use super::{
    Expect, Experiment, Figure, Published, Role, Setup, Tolerance, Unit, ValidationError, bar,
    estimate, replicates, scenario,
};
use crate::report::bars::{Bar, TimeCourses};
use crate::report::style::number;

pub(super) const FILE: &str = "circulating_cells.ron";

pub(super) struct Bolus {
    /// Cells injected.
    injected: f64,
    /// (hours, circulating cells) at each harvest.
    pub(super) counts: Vec<(f64, u64)>,
    /// Tumour-venous over arterial concentration.
    ratio: f64,
}

/// The bolus of one replicate.
pub(super) fn bolus(state: &CascadeState) -> Bolus {
    let config = state.config();
    let organs = &config.organs;
    let tumour = organs
        .id("tumour_bed")
        .expect("the scenario has a tumour bed");
    let lung = organs.id("lung").expect("the scenario has a lung");
    let funnel = state.funnel();
    let injected = funnel.total().injected as f64;
    let tumour_flow = organs.organ(tumour).cardiac_output_share;
    let venous = injected + funnel.organ(tumour).passed as f64;
    let arterial = tumour_flow * funnel.organ(lung).passed as f64;
    Bolus {
        injected,
        counts: state
            .harvests()
            .iter()
            .map(|h| (h.day * 24.0, h.circulating_cells))
            .collect(),
        ratio: if arterial > 0.0 {
            venous / arterial
        } else {
            f64::INFINITY
        },
    }
}

/// The half-life, in hours, of a least-squares fit of ln(count) against
/// time (counts of 0 are left out).
pub(super) fn half_life(counts: &[(f64, u64)]) -> f64 {
    let points: Vec<(f64, f64)> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|&(t, n)| (t, libm::log(n as f64)))
        .collect();
    let k = points.len() as f64;
    if k < 2.0 {
        return f64::NAN;
    }
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / k;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / k;
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.1 - mean_y)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.0 - mean_t)).sum();
    let slope = sxy / sxx;
    -core::f64::consts::LN_2 / slope
}

/// Runs the experiment.
///
/// # Errors
///
/// [`ValidationError`] if a scenario cannot be read or a replicate fails.
pub fn run(setup: &Setup) -> Result<Experiment, ValidationError> {
    let s = scenario(setup, FILE)?;
    let n = setup.scale.pick(3, s.file.replicates);
    let boluses = replicates(setup, &s, n, bolus)?;
    let halves = estimate(boluses.iter().map(|b| half_life(&b.counts)));
    let ratio = estimate(boluses.iter().map(|b| b.ratio));
    let rows = vec![
        Published {
            experiment: "Meng et al. 2004",
            quantity: "half-life of circulating tumour cells (fit of ln(count) over 1–6 h after a bolus)",
            value: 1.7,
            text: "1 to 2.4 h",
            source: "Meng et al. 2004, Clin Cancer Res 10:8152",
            confidence: "H",
            tolerance: Tolerance::Between(1.0, 2.4),
            why: "The published range across patients.",
            unit: Unit::Hours,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(halves, FILE, s.file.seed),
        Published {
            experiment: "Butler & Gullino 1975",
            quantity: "tumour cells per volume of the tumour's venous blood per cell per volume of arterial blood",
            value: 12.0,
            text: "12× fewer in arterial blood",
            source: "Butler & Gullino 1975, Cancer Res 35:512",
            confidence: "H",
            tolerance: Tolerance::Relative(0.25),
            why: "One ratio from a few tumours, with no spread given: ±25%.",
            unit: Unit::Number,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(ratio, FILE, s.file.seed),
    ];
    // The decay curve: mean count per hour, with its interval, next to
    // Meng's shortest and longest half-lives.
    let hours = boluses.first().map_or(0, |b| b.counts.len());
    let injected = boluses.first().map_or(0.0, |b| b.injected);
    let times: Vec<f64> = (0..hours).map(|k| boluses[0].counts[k].0).collect();
    let simulated = (0..hours)
        .map(|k| {
            let e = estimate(boluses.iter().map(|b| b.counts[k].1 as f64));
            (times[k], bar(&e, 1.0))
        })
        .collect();
    let meng = |half: f64| {
        (times.iter())
            .map(|&t| (t, Bar::value(injected * libm::exp2(-t / half))))
            .collect()
    };
    let chart = TimeCourses {
        title: format!("Circulating cells after a bolus of {}", number(injected)),
        time_label: "hours after the bolus".into(),
        value_label: "cells in the blood, log scale".into(),
        series: vec![
            ("simulated (mean, 95% CI)".into(), simulated),
            ("exponential decay, half-life 1 h (Meng)".into(), meng(1.0)),
            (
                "exponential decay, half-life 2.4 h (Meng)".into(),
                meng(2.4),
            ),
        ],
    };
    Ok(Experiment {
        title: "Circulating cells (Butler & Gullino 1975; Meng et al. 2004)",
        rows,
        figures: vec![Figure {
            file: "circulation_decay.svg".into(),
            caption: "Cells left in the blood hour by hour after a bolus, next to exponential decay with Meng's shortest and longest half-lives.".into(),
            svg: chart.to_svg(),
        }],
    })
}
