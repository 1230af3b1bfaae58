//! The migration graph (`cascade_biology::model::migrations`,
//! `docs/migrations.md`) of random scenarios accounts for every founding
//! and joining cell, and for every metastasis the funnel counts.

use cascade_biology::config::PoolMode;
use cascade_biology::model::migrations::{classify, migrations};
use cascade_biology::model::{ArrivalKind, SiteKind};
use cascade_biology::strategies::{
    Scenario, clump_scenario_strategy, scenario_strategy, with_reseeding,
};
use cascade_biology::{CascadeState, NoExtension, simulation};
use cascade_kernel::{RunLimits, Seed, Time, TraceDigest};
use proptest::prelude::*;

/// `scenario` run to day 4 (at most 20,000 events).
fn run(scenario: &Scenario) -> CascadeState {
    let mut sim = simulation(
        scenario.config.clone(),
        NoExtension,
        Seed::new(scenario.seed),
    )
    .expect("the strategies make valid configurations");
    let limits = RunLimits::until(Time::new(4.0).unwrap()).with_max_events(20_000);
    sim.run(limits, &mut TraceDigest::new())
        .expect("a valid scenario runs");
    sim.model().state().clone()
}

/// The edges hold every arrived cell, founding and joining apart; the
/// founding cells on edges into each metastasis are its founding cells;
/// the metastases with a founding edge are those the funnel counts as
/// founded; the classification's sites hold every cell again.
fn edges_account_for_every_cell(state: &CascadeState) -> Result<(), TestCaseError> {
    let arrivals = state.arrivals();
    let edges = migrations(arrivals);
    let cells_of = |kind| -> u64 {
        (arrivals.iter())
            .filter(|a| a.kind == kind)
            .map(|a| a.cells)
            .sum()
    };
    let founding: u64 = edges.iter().map(|e| e.founding_cells).sum();
    let joining: u64 = edges.iter().map(|e| e.joining_cells).sum();
    prop_assert_eq!(founding, cells_of(ArrivalKind::Founded));
    prop_assert_eq!(joining, cells_of(ArrivalKind::Joined));
    for site in state.metastases() {
        let into: u64 = (edges.iter())
            .filter(|e| e.target == site.id)
            .map(|e| e.founding_cells)
            .sum();
        prop_assert_eq!(into, site.founding_cells, "site {}", site.id.0);
    }
    let mut founded: Vec<_> = (edges.iter())
        .filter(|e| e.founding_cells > 0)
        .map(|e| e.target)
        .collect();
    founded.sort();
    founded.dedup();
    prop_assert_eq!(founded.len(), state.metastases().count());
    prop_assert_eq!(founded.len() as u64, state.funnel().total().micrometastases);
    let primary = (state.sites().iter())
        .find(|s| s.kind == SiteKind::Primary)
        .map(|s| s.id);
    let seeding = classify(&edges, primary);
    let classified: u64 = (seeding.sites.iter())
        .map(|s| s.founding_cells + s.joining_cells + s.self_seeding_cells)
        .sum();
    prop_assert_eq!(classified, founding + joining);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_edges_account_for_every_founding_and_joining_cell(
        scenario in with_reseeding(scenario_strategy()),
    ) {
        edges_account_for_every_cell(&run(&scenario))?;
    }

    #[test]
    fn with_clumps_and_cohorts_the_edges_account_for_every_cell(
        scenario in clump_scenario_strategy(),
        cohorts in proptest::bool::ANY,
    ) {
        let mut scenario = scenario;
        if cohorts {
            scenario.config.pool_mode = PoolMode::Cohorts;
        }
        edges_account_for_every_cell(&run(&scenario))?;
    }
}
