//! The migration graph (`cascade_biology::model::migrations`,
//! `docs/migrations.md`) of random scenarios accounts for every founding
//! and joining cell, and for every metastasis the funnel counts.

use cascade_biology::clones::GrowthRates;
use cascade_biology::config::{
    CascadeConfig, FoundingClone, GrowthLaw, Injection, PoolMode, default_phenotype,
};
use cascade_biology::model::Source;
use cascade_biology::model::migrations::{classify, migrations};
use cascade_biology::model::{ArrivalKind, SiteKind};
use cascade_biology::organs::OrganSet;
use cascade_biology::strategies::{
    Scenario, clump_scenario_strategy, scenario_strategy, with_reseeding,
};
use cascade_biology::{CascadeState, CloneId, NoExtension, simulation};
use cascade_kernel::{RunLimits, Seed, Time, TraceDigest};
use proptest::prelude::*;

/// `n` cells injected into the tail vein at day 0 into mouse organs where
/// every cell in the blood arrests in the first bed, extravasates within
/// minutes (rate 50 per day) and divides first within minutes (the
/// organs' solitary division multiplier 1000), and colonies grow alike
/// in every organ (growth multiplier 1); no cell dies outside a
/// site but a solitary one before its first division (rate 0.5 per day
/// against 500). In metastases, growing exponentially, each cell divides
/// and dies at 0.5 per day (a critical process) and is shed at `shedding`
/// per day; nothing mutates.
fn shedding_metastases(n: u64, shedding: f64) -> CascadeConfig {
    let (mut specs, veins) = OrganSet::mouse_specs();
    for o in &mut specs {
        o.arrest_probability = 1.0;
        o.arrested_death_rate = 0.0;
        o.extravasation_rate = 50.0;
        o.solitary_death_rate = 0.0;
        o.dormancy_entry_rate = 0.0;
        o.solitary_division_multiplier = 1000.0;
        o.growth_multiplier = 1.0;
    }
    let organs = OrganSet::new(specs, veins).expect("valid edited mouse organs");
    let mut phenotype = default_phenotype(&organs);
    phenotype.circulation_death_rate = 0.0;
    phenotype.shedding_rate = shedding;
    phenotype.shedding_rate_in_metastases = Some(shedding);
    phenotype.in_metastases = GrowthRates {
        birth_rate: 0.5,
        death_rate: 0.5,
        mutation_probability: 0.0,
    };
    phenotype.in_primary.mutation_probability = 0.0;
    let entry = organs.vein("tail_vein").unwrap().clone();
    let clone = FoundingClone {
        name: "line".into(),
        phenotype,
    };
    let mut config = CascadeConfig::new(organs, vec![clone]);
    config.metastasis_growth_law = GrowthLaw::Exponential;
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), n)],
        clump_size: None,
    });
    config
}

/// Known answer: N cells injected found N lesions of 2 cells at day 0
/// (within minutes); metastatic cells divide and die at the same rate b
/// and are shed at s, and each shed cell founds a lesion of 2 cells within
/// minutes. A shed cell leaves one site and brings two to a new one, so
/// the metastatic cells M grow as dM/dt = s·M, M(t) = 2N·e^{st}, and the
/// metastasis-seeded lesions founded by T are ∫₀ᵀ s·M dt = 2N(e^{sT} − 1):
/// with N = 2000, s = 0.2 per day and T = 3 days, 3288.5, a share
/// 2(e^{sT} − 1)/(1 + 2(e^{sT} − 1)) = 62.2% of all lesions. The minutes
/// of transit, extravasation and first division (about 0.022 day a
/// generation) and the deaths before a first division (0.1%) lower it by
/// about 35. One injected lesion's count of metastasis-seeded descendants
/// has variance 4.3 (a Monte Carlo of this branching process, 300,000
/// lesions), so the total's standard deviation is √(2000 · 4.3) ≈ 93:
/// within 4 of them (372) for each of 2 fixed seeds. Every lesion not
/// seeded by a metastasis is seeded by the injection.
#[test]
fn the_share_of_metastasis_seeded_lesions_matches_a_branching_process() {
    let (n, shedding, days) = (2000u64, 0.2, 3.0);
    let expected = 2.0 * n as f64 * (libm::exp(shedding * days) - 1.0);
    for seed in [23, 2018] {
        let mut sim = simulation(
            shedding_metastases(n, shedding),
            NoExtension,
            Seed::new(seed),
        )
        .expect("a valid configuration");
        sim.run(
            RunLimits::until(Time::new(days).unwrap()),
            &mut TraceDigest::new(),
        )
        .expect("it runs");
        let state = sim.model().state();
        let edges = migrations(state.arrivals());
        let seeding = classify(&edges, None);
        let by_metastasis = (seeding.sites.iter())
            .filter(|s| s.seeded_by_metastasis)
            .count();
        let by_injection = (edges.iter())
            .filter(|e| e.source == Some(Source::Injection(0)))
            .count();
        assert_eq!(by_metastasis + by_injection, seeding.sites.len());
        assert!(
            by_injection as u64 <= n && by_injection as u64 > n - 20,
            "{by_injection}"
        );
        let share = by_metastasis as f64 / seeding.sites.len() as f64;
        eprintln!(
            "seed {seed}: {by_metastasis} metastasis-seeded lesions of {} ({share:.4}), expected {expected:.1}",
            seeding.sites.len()
        );
        assert!(
            (by_metastasis as f64 - expected).abs() < 4.0 * 93.0,
            "{by_metastasis} metastasis-seeded lesions, expected {expected:.1}"
        );
        assert!(seeding.metastasis_to_metastasis);
    }
}

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
