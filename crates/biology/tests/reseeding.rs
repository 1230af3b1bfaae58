//! Reseeding and the primary's self-seeding (`cascade_biology::reseeding`,
//! `docs/reseeding.md`) against theory, and the provenance of every
//! founding and joining cell (`CascadeState::arrivals`).

use cascade_biology::clones::{GrowthRates, Phenotype};
use cascade_biology::config::{
    CascadeConfig, FoundingClone, GrowthLaw, Injection, PrimaryTumour, default_phenotype,
};
use cascade_biology::model::{ArrivalKind, CellArrival, SiteKind, Source};
use cascade_biology::organs::OrganSet;
use cascade_biology::reseeding::Reseeding;
use cascade_biology::{CascadeState, CloneId, NoExtension, simulation};
use cascade_kernel::{RunLimits, Seed, Time, TraceDigest};

/// Mouse organs where every injected cell is arrested in the first bed
/// (the lung, from the tail vein) and extravasates within minutes, and no
/// cell dies outside a site or sleeps.
fn trapping_organs() -> OrganSet {
    let (mut organs, veins) = OrganSet::mouse_specs();
    for o in &mut organs {
        o.arrest_probability = 1.0;
        o.arrested_death_rate = 0.0;
        o.extravasation_rate = 50.0;
        o.solitary_death_rate = 0.0;
        o.dormancy_entry_rate = 0.0;
    }
    OrganSet::new(organs, veins).expect("valid edited mouse organs")
}

/// An inert clone (no growth, no shedding, no death in the blood).
fn inert(name: &str, organs: &OrganSet) -> FoundingClone {
    let mut phenotype: Phenotype = default_phenotype(organs);
    phenotype.circulation_death_rate = 0.0;
    phenotype.shedding_rate = 0.0;
    let still = GrowthRates {
        birth_rate: 0.0,
        death_rate: 0.0,
        mutation_probability: 0.0,
    };
    phenotype.in_primary = still;
    phenotype.in_metastases = still;
    FoundingClone {
        name: name.into(),
        phenotype,
    }
}

/// An inert primary of 1000 cells of `host` in the lung, and `cells`
/// inert cells of `visitor` into the tail vein at day 0: every one
/// extravasates in the lung, where the primary is, and none divides.
fn self_seeding_assay(cells: u64, reseeding: Option<Reseeding>) -> CascadeConfig {
    let organs = trapping_organs();
    let lung = organs.id("lung").unwrap();
    let entry = organs.vein("tail_vein").unwrap().clone();
    let clones = vec![inert("host", &organs), inert("visitor", &organs)];
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: lung,
        cells: vec![(CloneId(0), 1000)],
        growth_law: GrowthLaw::Exponential,
        carrying_capacity: 1e6,
    });
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(1), cells)],
        clump_size: None,
    });
    config.reseeding = reseeding;
    config
}

fn joining(p: f64) -> Option<Reseeding> {
    Some(Reseeding {
        joining_probability: p,
        into_primary: true,
        into_metastases: true,
    })
}

fn run(config: CascadeConfig, seed: u64, day: f64) -> (CascadeState, TraceDigest) {
    let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
    let mut digest = TraceDigest::new();
    sim.run(RunLimits::until(Time::new(day).unwrap()), &mut digest)
        .unwrap();
    (sim.model().state().clone(), digest)
}

/// Each of N cells extravasating where the primary is joins it with
/// probability p, independently: the joined count is Binomial(N, p).
/// N = 4000, p = 0.25: within 4 standard errors (√(Np(1−p)) ≈ 27 cells) of
/// Np = 1000, for each of 3 fixed seeds (a correct model fails one with
/// probability about 6·10⁻⁵). The others are solitary cells; the primary
/// holds both clones; every arrival is a joining cell of injection 0, shed
/// (injected) at day 0; conservation holds.
#[test]
fn joined_cells_are_binomial_in_the_cells_extravasating_where_a_lesion_is() {
    let (n, p) = (4000u64, 0.25);
    for seed in [1, 2, 3] {
        let (state, _) = run(self_seeding_assay(n, joining(p)), seed, 2.0);
        state.check_conservation().unwrap();
        let joined = state.joined_cells();
        let expected = n as f64 * p;
        let se = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (joined as f64 - expected).abs() < 4.0 * se,
            "seed {seed}: {joined} joined, expected {expected} ± {se:.1}"
        );
        let total = state.funnel().total();
        assert_eq!(total.extravasated, n);
        let lung = state.config().organs.id("lung").unwrap();
        let solitary = state.pool_cells(
            CloneId(1),
            cascade_biology::model::Compartment::Solitary,
            lung,
        );
        assert_eq!(solitary + joined, n);
        let primary = &state.sites()[0];
        assert_eq!(primary.kind, SiteKind::Primary);
        assert_eq!(
            primary.cells,
            vec![(CloneId(0), 1000), (CloneId(1), joined)]
        );
        assert!(state.arrivals().iter().all(|a| {
            a.kind == ArrivalKind::Joined
                && a.site == primary.id
                && a.origin.map(|o| (o.source, o.shed_day)) == Some((Source::Injection(0), 0.0))
        }));
        assert_eq!(state.arrivals().len() as u64, joined);
    }
}

/// Without a lesion the scenario admits (`into_primary: false`), or with
/// p = 0, no cell joins; p = 0 also gives the trace of a run without
/// reseeding, bit for bit (the joining draws are from a stream of their
/// own), and p = 1 makes every cell join.
#[test]
fn no_cell_joins_a_lesion_the_scenario_does_not_admit_and_p_0_is_no_reseeding() {
    let (n, seed) = (500u64, 7);
    let (without, off) = run(self_seeding_assay(n, None), seed, 2.0);
    let (zero, at_zero) = run(self_seeding_assay(n, joining(0.0)), seed, 2.0);
    assert_eq!(off, at_zero);
    assert_eq!(without.joined_cells(), 0);
    assert_eq!(zero.joined_cells(), 0);
    let not_primary = Some(Reseeding {
        joining_probability: 1.0,
        into_primary: false,
        into_metastases: true,
    });
    let (state, _) = run(self_seeding_assay(n, not_primary), seed, 2.0);
    assert_eq!(state.joined_cells(), 0);
    let (state, _) = run(self_seeding_assay(n, joining(1.0)), seed, 2.0);
    assert_eq!(state.joined_cells(), n);
    assert_eq!(state.sites()[0].size, 1000 + n);
}

/// The primary becomes polyclonal when at least one of the n visitors
/// joins it: probability 1 − (1 − p)ⁿ per replicate. With n = 100, p = 0.01
/// (0.634), over 400 replicates: the polyclonal primaries within 4
/// standard errors (√(400·0.634·0.366) ≈ 9.6) of 253.6 (fixed seeds).
#[test]
fn primaries_become_polyclonal_with_the_probability_that_one_visitor_joins() {
    let (n, p, replicates) = (100u64, 0.01, 400u64);
    let mut polyclonal = 0u64;
    for replicate in 0..replicates {
        let config = self_seeding_assay(n, joining(p));
        let mut sim =
            simulation(config, NoExtension, Seed::new(11).with_replicate(replicate)).unwrap();
        sim.run_until(Time::new(2.0).unwrap()).unwrap();
        let primary = &sim.model().state().sites()[0];
        polyclonal += u64::from(primary.cells.len() > 1);
    }
    let q = 1.0 - libm::pow(1.0 - p, n as f64);
    let expected = replicates as f64 * q;
    let se = (replicates as f64 * q * (1.0 - q)).sqrt();
    assert!(
        (polyclonal as f64 - expected).abs() < 4.0 * se,
        "{polyclonal} polyclonal primaries of {replicates}, expected {expected:.1} ± {se:.1}"
    );
}

/// Issue 23's known answer: with a single injection into one vein and no
/// shedding, every founding cell's source is the injection, shed at its
/// day; with a shedding primary and metastases that do not shed, every
/// founding and joining cell's source is the primary, shed before it
/// arrived. Each metastasis's founding arrivals are its founding cells.
#[test]
fn with_one_source_every_arrival_comes_from_it() {
    let organs = trapping_organs();
    let entry = organs.vein("tail_vein").unwrap().clone();
    let mut clone = inert("line", &organs);
    clone.phenotype.in_metastases.birth_rate = 1.0;
    let mut config = CascadeConfig::new(organs.clone(), vec![clone.clone()]);
    config.injections.push(Injection {
        day: 0.5,
        entry,
        cells: vec![(CloneId(0), 300)],
        clump_size: None,
    });
    let (state, _) = run(config, 5, 4.0);
    let arrivals = state.arrivals();
    assert!(arrivals.len() > 50, "{} arrivals", arrivals.len());
    assert!(arrivals.iter().all(|a| {
        a.kind == ArrivalKind::Founded
            && a.origin.map(|o| (o.source, o.shed_day)) == Some((Source::Injection(0), 0.5))
    }));
    founding_arrivals_are_founding_cells(&state, arrivals);

    // A shedding primary in the skin; metastases shed nothing.
    clone.phenotype.shedding_rate = 0.05;
    clone.phenotype.shedding_rate_in_metastases = Some(0.0);
    clone.phenotype.in_primary.birth_rate = 0.2;
    let mut config = CascadeConfig::new(organs.clone(), vec![clone]);
    config.primary = Some(PrimaryTumour {
        organ: organs.id("skin").unwrap(),
        cells: vec![(CloneId(0), 500)],
        growth_law: GrowthLaw::Exponential,
        carrying_capacity: 1e6,
    });
    config.reseeding = joining(0.5);
    let (state, _) = run(config, 6, 6.0);
    let arrivals = state.arrivals();
    let joined = arrivals.iter().filter(|a| a.kind == ArrivalKind::Joined);
    assert!(arrivals.len() > 50 && joined.count() > 5, "{arrivals:?}");
    assert!(arrivals.iter().all(|a| {
        a.origin
            .is_some_and(|o| o.source == Source::Site(state.sites()[0].id) && o.shed_day <= a.day)
    }));
    founding_arrivals_are_founding_cells(&state, arrivals);
}

fn founding_arrivals_are_founding_cells(state: &CascadeState, arrivals: &[CellArrival]) {
    for site in state.metastases() {
        let founding: u64 = (arrivals.iter())
            .filter(|a| a.site == site.id && a.kind == ArrivalKind::Founded)
            .map(|a| a.cells)
            .sum();
        assert_eq!(founding, site.founding_cells, "site {}", site.id.0);
    }
}
