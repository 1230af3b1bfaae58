//! B16 cells into a mouse tail vein: Fidler 1970 and Fidler 1973
//! (`b16f1_intravenous.ron`, `b16f10_intravenous.ron`).

use cascade_biology::CascadeState;
use cascade_biology::observables::Harvest;

use super::{
    Expect, Experiment, Figure, Published, Role, Setup, Tolerance, Unit, ValidationError, bar,
    estimate, replicates, scenario, share,
};
use crate::report::bars::{Bar, BarChart};
use crate::summary::Estimate;

const F1: &str = "b16f1_intravenous.ron";
const F10: &str = "b16f10_intravenous.ron";

/// What one replicate of the F1 assay gives.
struct Assay {
    injected: u64,
    arrested: u64,
    extravasated: u64,
    /// Labelled cells (solitary, dormant, arrested, circulating cells and
    /// living lesions, one each) at 24 h, all organs.
    labelled_24h: u64,
    /// The same in the lung.
    labelled_24h_lung: u64,
    /// Labelled cells in the lung at day 14.
    labelled_14d_lung: u64,
    /// Lung colonies (metastases of at least the macrometastasis size) at
    /// day 14.
    colonies_14d_lung: u64,
}

fn harvest(state: &CascadeState, day: f64) -> &Harvest {
    state
        .harvests()
        .iter()
        .find(|h| h.day == day)
        .expect("the scenario harvests on this day")
}

/// Labelled cells of one organ's harvest: every cell that is still the
/// injected cell itself, plus one per living lesion (its founder's label).
fn labelled(h: &cascade_biology::observables::OrganHarvest) -> u64 {
    h.solitary_cells + h.dormant_cells + h.arrested_cells + h.colonies + h.micrometastases
}

fn assay(state: &CascadeState) -> Assay {
    let lung = state
        .config()
        .organs
        .id("lung")
        .expect("the mouse has a lung");
    let funnel = state.funnel().total();
    let day1 = harvest(state, 1.0);
    let day14 = harvest(state, 14.0);
    Assay {
        injected: funnel.injected,
        arrested: funnel.arrested,
        extravasated: funnel.extravasated,
        labelled_24h: day1.organs.iter().map(labelled).sum::<u64>() + day1.circulating_cells,
        labelled_24h_lung: labelled(&day1.organs[lung.index()]),
        labelled_14d_lung: labelled(&day14.organs[lung.index()]),
        colonies_14d_lung: day14.organs[lung.index()].colonies,
    }
}

/// Runs the experiment.
///
/// # Errors
///
/// [`ValidationError`] if a scenario cannot be read or a replicate fails.
pub fn run(setup: &Setup) -> Result<Experiment, ValidationError> {
    let f1 = scenario(setup, F1)?;
    let f10 = scenario(setup, F10)?;
    if f1.config.organs != f10.config.organs {
        return Err(ValidationError::Scenario(format!(
            "{F1} and {F10} must describe the same mouse: their organs differ"
        )));
    }
    let n = setup.scale.pick(4, f1.file.replicates);
    let assays = replicates(setup, &f1, n, assay)?;
    let n10 = setup.scale.pick(4, f10.file.replicates);
    let f10_colonies = replicates(setup, &f10, n10, |state| {
        let lung = state.config().organs.id("lung").expect("a lung");
        let funnel = state.funnel().total();
        share(
            harvest(state, 14.0).organs[lung.index()].colonies,
            funnel.injected,
        )
    })?;

    let alive = estimate(assays.iter().map(|a| share(a.labelled_24h, a.injected)));
    let in_lung = estimate(
        assays
            .iter()
            .map(|a| share(a.labelled_24h_lung, a.labelled_24h)),
    );
    let lesions_per_cell = estimate(
        assays
            .iter()
            .map(|a| share(a.colonies_14d_lung, a.labelled_14d_lung)),
    );
    let f1_colonies = estimate(
        assays
            .iter()
            .map(|a| share(a.colonies_14d_lung, a.injected)),
    );
    let f10_estimate = Estimate::of(&f10_colonies);
    let fidler_1970 = "Fidler 1970, J Natl Cancer Inst 45:773";
    let fidler_1973 = "Fidler 1973, quoted in a review chapter";
    let rows = vec![
        Published {
            experiment: "Fidler 1970",
            quantity: "B16 cells alive 24 h after i.v. injection (labelled: solitary, dormant, arrested and circulating cells, and lesions), per injected cell",
            value: 0.01,
            text: "about 1%",
            source: fidler_1970,
            confidence: "H",
            tolerance: Tolerance::Relative(0.3),
            why: "\"About 1%\" from one radiolabel experiment, with no spread given: ±30% reads \"about\" as 0.7–1.3%.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(alive, F1, f1.file.seed),
        Published {
            experiment: "Fidler 1970",
            quantity: "share of the cells alive at 24 h that are in the lung",
            value: 0.5,
            text: "\"the lung contained most of the tumor cells\"",
            source: fidler_1970,
            confidence: "H",
            tolerance: Tolerance::AtLeast(0.5),
            why: "\"Most\" is more than half.",
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Inside,
        }
        .simulated(in_lung, F1, f1.file.seed),
        Published {
            experiment: "Fidler 1970",
            quantity: "lung lesions at day 14 per labelled cell in the lung at day 14",
            value: 78.0 / 400.0,
            text: "78 lesions from about 400 cells (0.195)",
            source: fidler_1970,
            confidence: "H",
            tolerance: Tolerance::Relative(0.3),
            why: "\"About 400\" cells and a mean of 78 lesions: the ratio is known to the precision of \"about\"; ±30% as for the 24 h row.",
            unit: Unit::Number,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(lesions_per_cell, F1, f1.file.seed),
        Published {
            experiment: "Fidler 1973",
            quantity: "B16-F1 lung colonies at day 14 per injected cell (5×10⁴ cells i.v.)",
            value: 0.0012,
            text: "0.12%",
            source: fidler_1973,
            confidence: "M",
            tolerance: Tolerance::Relative(0.3),
            why: "A mean of about 60 colonies per mouse from a secondary source; lung colony counts vary from mouse to mouse by 20–40% in such assays: ±30%.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(f1_colonies, F1, f1.file.seed),
        Published {
            experiment: "Fidler 1973",
            quantity: "B16-F10 lung colonies at day 14 per injected cell (5×10⁴ cells i.v.)",
            value: 0.0074,
            text: "0.74%",
            source: fidler_1973,
            confidence: "M",
            tolerance: Tolerance::Relative(0.3),
            why: "As for the B16-F1 row.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(f10_estimate, F10, f10.file.seed),
    ];

    let mean = |f: &dyn Fn(&Assay) -> u64| {
        assays.iter().map(|a| f(a) as f64).sum::<f64>() / assays.len().max(1) as f64
    };
    let injected = mean(&|a| a.injected);
    let funnel = BarChart {
        title: "5×10⁴ B16-F1 cells into the tail vein: how many are left at each step".into(),
        value_label: "cells (log scale)".into(),
        log_scale: true,
        series: vec!["simulated (mean, 95% CI)".into(), "published".into()],
        groups: vec![
            (
                "injected".into(),
                vec![Some(Bar::value(injected)), Some(Bar::value(50_000.0))],
            ),
            (
                "arrested".into(),
                vec![Some(Bar::value(mean(&|a| a.arrested))), None],
            ),
            (
                "extravasated".into(),
                vec![Some(Bar::value(mean(&|a| a.extravasated))), None],
            ),
            (
                "alive at 24 h".into(),
                vec![Some(bar(&alive, injected)), Some(Bar::value(500.0))],
            ),
            (
                "labelled, lung, day 14".into(),
                vec![
                    Some(Bar::value(mean(&|a| a.labelled_14d_lung))),
                    Some(Bar::value(400.0)),
                ],
            ),
            (
                "lung colonies, day 14".into(),
                vec![Some(bar(&f1_colonies, injected)), Some(Bar::value(60.0))],
            ),
        ],
    };
    let lines = BarChart {
        title: "Lung colonies per injected cell: B16-F1 and B16-F10".into(),
        value_label: "colonies per injected cell (%)".into(),
        log_scale: false,
        series: vec!["simulated (mean, 95% CI)".into(), "published".into()],
        groups: vec![
            (
                "B16-F1".into(),
                vec![Some(bar(&f1_colonies, 100.0)), Some(Bar::value(0.12))],
            ),
            (
                "B16-F10".into(),
                vec![Some(bar(&f10_estimate, 100.0)), Some(Bar::value(0.74))],
            ),
        ],
    };
    Ok(Experiment {
        title: "B16 cells into the tail vein (Fidler 1970, 1973)",
        rows,
        figures: vec![
            Figure {
                file: "intravenous_funnel.svg".into(),
                caption: "The attrition funnel of the tail-vein assay: simulated B16-F1 (mean over replicates; 95% interval where the table has one) next to Fidler's figures (1% of 5×10⁴ alive at 24 h; about 400 labelled cells and 0.12% colonies at day 14). The published 400 is at the 1970 dose, which `docs/references.md` does not give.".into(),
                svg: funnel.to_svg(),
            },
            Figure {
                file: "intravenous_lines.svg".into(),
                caption: format!(
                    "Lung colonies per injected cell for the poorly and the highly metastatic line; simulated ratio F10/F1 {:.1}, published {:.1}.",
                    f10_estimate.mean / f1_colonies.mean,
                    0.74 / 0.12
                ),
                svg: lines.to_svg(),
            },
        ],
    })
}
