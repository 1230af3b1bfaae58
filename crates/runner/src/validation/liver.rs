//! B16-F1 cells into the mesenteric vein, followed in the liver: Luzzi et
//! al. 1998 and Koop et al. 1995 (`b16f1_mesenteric_liver.ron`).

use cascade_biology::CascadeState;
use cascade_biology::observables::OrganHarvest;

use super::{
    Expect, Experiment, Figure, Published, Role, Setup, Tolerance, Unit, ValidationError, bar,
    estimate, replicates, scenario, share,
};
use crate::report::bars::{Bar, BarChart};

pub(super) const FILE: &str = "b16f1_mesenteric_liver.ron";

/// One harvest day, over every organ.
#[derive(Default)]
pub(super) struct Day {
    /// Solitary and dormant cells.
    solitary: u64,
    /// Living metastases of any size.
    pub(super) metastases: u64,
    /// Metastases of at least the macrometastasis size.
    pub(super) macroscopic: u64,
}

impl Day {
    /// Cells that survived and extravasated: solitary cells, plus one per
    /// metastasis (its founder, which survived and extravasated).
    fn extravasated(&self) -> u64 {
        self.solitary + self.metastases
    }
}

pub(super) struct Assay {
    pub(super) injected: u64,
    /// Injected cells that died before extravasating (in the blood or in
    /// the vessel) and after (solitary or dormant), by the end.
    died_before: u64,
    died_after: u64,
    /// Days 1, 3 and 13.
    pub(super) days: [Day; 3],
}

fn day(state: &CascadeState, when: f64) -> Day {
    let harvest = state
        .harvests()
        .iter()
        .find(|h| h.day == when)
        .expect("the scenario harvests on this day");
    let sum = |f: fn(&OrganHarvest) -> u64| harvest.organs.iter().map(f).sum::<u64>();
    Day {
        solitary: sum(|o| o.solitary_cells + o.dormant_cells),
        metastases: sum(|o| o.colonies + o.micrometastases),
        macroscopic: sum(|o| o.colonies),
    }
}

/// The assay of one replicate: the funnel and the three harvest days.
pub(super) fn assay(state: &CascadeState) -> Assay {
    let funnel = state.funnel().total();
    Assay {
        injected: funnel.injected,
        died_before: funnel.died_in_circulation + funnel.died_in_vessel,
        died_after: funnel.died_in_parenchyma + funnel.died_dormant,
        days: [day(state, 1.0), day(state, 3.0), day(state, 13.0)],
    }
}

/// Runs the experiment.
///
/// # Errors
///
/// [`ValidationError`] if a scenario cannot be read or a replicate fails.
pub fn run(setup: &Setup) -> Result<Experiment, ValidationError> {
    let s = scenario(setup, FILE)?;
    let n = setup.scale.pick(4, s.file.replicates);
    let assays = replicates(setup, &s, n, assay)?;
    let per_injected =
        |f: &dyn Fn(&Assay) -> u64| estimate(assays.iter().map(|a| share(f(a), a.injected)));
    let koop = per_injected(&|a| a.days[0].extravasated());
    let loss_after = estimate(
        assays
            .iter()
            .map(|a| share(a.died_after, a.died_before + a.died_after)),
    );
    let day3 = per_injected(&|a| a.days[1].extravasated());
    let micro3 = per_injected(&|a| a.days[1].metastases);
    let solitary13 = per_injected(&|a| a.days[2].solitary);
    let macro13 = per_injected(&|a| a.days[2].macroscopic);
    let persisted = estimate(
        assays
            .iter()
            .map(|a| share(a.days[2].macroscopic, a.days[1].metastases)),
    );
    let luzzi = "Luzzi et al. 1998, Am J Pathol 153:865";
    let no_barrier = "without the angiogenic switch (off in this scenario) a colony that has started grows like any other (1 − (d/b)² = 82% of 2-cell colonies survive), so the model cannot lose 99 in 100 early micrometastases while the others grow; with the switch on, rows 28–30";
    let rows = vec![
        Published {
            experiment: "Koop et al. 1995",
            quantity: "cells that survived and extravasated by 24 h, per injected cell",
            value: 0.8,
            text: "more than 80% (B16F10, chick chorioallantoic membrane)",
            source: "Koop et al. 1995, Cancer Res 55:2520",
            confidence: "H",
            tolerance: Tolerance::AtLeast(0.8),
            why: "\"Greater than 80%\": at least 80%. The soil differs (chick membrane against mouse liver), so the row tests only that the liver's early steps, fitted to Luzzi's day 3, are as efficient as Koop saw.",
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Inside,
        }
        .simulated(koop, FILE, s.file.seed),
        Published {
            experiment: "Koop et al. 1995",
            quantity: "share of the injected cells' deaths (by day 13) that come after extravasation",
            value: 0.5,
            text: "\"growth after extravasation is a key stage of metastatic control\"",
            source: "Koop et al. 1995, Cancer Res 55:2520",
            confidence: "H",
            tolerance: Tolerance::AtLeast(0.5),
            why: "Koop's conclusion, read as: most of the loss comes after extravasation.",
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Inside,
        }
        .simulated(loss_after, FILE, s.file.seed),
        Published {
            experiment: "Luzzi et al. 1998",
            quantity: "day 3: cells that survived and extravasated, per injected cell",
            value: 0.83,
            text: "~83%",
            source: luzzi,
            confidence: "L",
            tolerance: Tolerance::Relative(0.1),
            why: "A recalled figure (L), from counts of a few hundred cells per liver: ±10% (a 95% binomial interval at n = 300 is ±4.5 points; the rest for the uncertain recall).",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(day3, FILE, s.file.seed),
        Published {
            experiment: "Luzzi et al. 1998",
            quantity: "day 3: micrometastases per injected cell",
            value: 1.0 / 40.0,
            text: "~1 in 40",
            source: luzzi,
            confidence: "L",
            tolerance: Tolerance::Relative(0.25),
            why: "\"About 1 in 40\", recalled (L), from a handful of micrometastases per liver: ±25%.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(micro3, FILE, s.file.seed),
        Published {
            experiment: "Luzzi et al. 1998",
            quantity: "day 13: solitary (dormant) cells, per injected cell",
            value: 0.36,
            text: "~36%",
            source: luzzi,
            confidence: "L",
            tolerance: Tolerance::Relative(0.1),
            why: "As for the day-3 survival row.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(solitary13, FILE, s.file.seed),
        Published {
            experiment: "Luzzi et al. 1998",
            quantity: "day 13: macroscopic metastases per injected cell",
            value: 0.0002,
            text: "~0.02%",
            source: luzzi,
            confidence: "L",
            tolerance: Tolerance::Relative(0.5),
            why: "Two or so macroscopic metastases per liver: ±50%.",
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Outside(no_barrier.into()),
        }
        .simulated(macro13, FILE, s.file.seed),
        Published {
            experiment: "Luzzi et al. 1998",
            quantity: "day 13 macroscopic metastases per day-3 micrometastasis",
            value: 0.01,
            text: "~1 in 100 persisted",
            source: luzzi,
            confidence: "L",
            tolerance: Tolerance::Relative(0.5),
            why: "As for the previous row.",
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Outside(no_barrier.into()),
        }
        .simulated(persisted, FILE, s.file.seed),
    ];
    let chart = BarChart {
        title: "B16-F1 in the mouse liver: the fate of injected cells".into(),
        value_label: "share of injected cells (log scale)".into(),
        log_scale: true,
        series: vec!["simulated (mean, 95% CI)".into(), "published".into()],
        groups: vec![
            (
                "extravasated, 24 h".into(),
                vec![Some(bar(&koop, 1.0)), Some(Bar::value(0.8))],
            ),
            (
                "extravasated, day 3".into(),
                vec![Some(bar(&day3, 1.0)), Some(Bar::value(0.83))],
            ),
            (
                "micrometastases, day 3".into(),
                vec![Some(bar(&micro3, 1.0)), Some(Bar::value(1.0 / 40.0))],
            ),
            (
                "solitary, day 13".into(),
                vec![Some(bar(&solitary13, 1.0)), Some(Bar::value(0.36))],
            ),
            (
                "macroscopic, day 13".into(),
                vec![Some(bar(&macro13, 1.0)), Some(Bar::value(0.0002))],
            ),
        ],
    };
    Ok(Experiment {
        title: "B16-F1 cells into the mesenteric vein (Luzzi et al. 1998; Koop et al. 1995)",
        rows,
        figures: vec![Figure {
            file: "liver_fates.svg".into(),
            caption: "Fates of B16-F1 cells injected into the mesenteric vein, per injected cell: the early steps are efficient and most cells stay solitary, as published; but the simulated colonies, once started, mostly survive and grow, about a hundred times more macroscopic metastases than Luzzi saw (the published 24 h bar is Koop's, in the chick membrane).".into(),
            svg: chart.to_svg(),
        }],
    })
}
