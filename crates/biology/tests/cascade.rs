//! Tests of the cascade model: invariants over random small scenarios
//! (proptest), and cases with a known answer.

use cascade_biology::clones::{GrowthRates, MutationEffect, OrganAffinity, Phenotype};
use cascade_biology::config::{
    CascadeConfig, FoundingClone, GrowthLaw, Injection, MAX_CELLS, PrimaryTumour, Shedding,
    default_phenotype,
};
use cascade_biology::model::{Cascade, Compartment, Place, PoolKey};
use cascade_biology::organs::{Entry, OrganSet};
use cascade_biology::{
    CascadeError, CascadeEvent, CascadeState, CloneId, NoExtension, SetupError, simulation,
};
use cascade_kernel::{Observer, RunLimits, Seed, Simulation, StopReason, Time, TraceDigest};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Random small scenarios.

fn phenotype_strategy(organs: usize) -> impl Strategy<Value = Phenotype> {
    let rates = (0.0..2.0f64, 0.0..1.0f64, 0.0..0.05f64).prop_map(
        |(birth_rate, death_rate, mutation_probability)| GrowthRates {
            birth_rate,
            death_rate,
            mutation_probability,
        },
    );
    let affinity =
        (0.0..2.0f64, 0.0..2.0f64, 0.0..2.0f64).prop_map(|(arrest, extravasation, growth)| {
            OrganAffinity {
                arrest,
                extravasation,
                growth,
            }
        });
    (
        rates.clone(),
        rates,
        0.0..0.2f64,
        0.0..20.0f64,
        proptest::collection::vec(affinity, organs),
    )
        .prop_map(
            |(in_primary, in_metastases, shedding_rate, circulation_death_rate, affinity)| {
                Phenotype {
                    in_primary,
                    in_metastases,
                    shedding_rate,
                    circulation_death_rate,
                    affinity,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct Scenario {
    config: CascadeConfig,
    seed: u64,
}

/// The mouse organs with every microenvironment rate drawn at random, so
/// that every transition happens often within a few days.
fn organs_strategy() -> impl Strategy<Value = OrganSet> {
    let (specs, _) = OrganSet::mouse_specs();
    let rates = (
        0.0..1.0f64,
        0.0..3.0f64,
        0.0..3.0f64,
        0.0..3.0f64,
        0.0..2.0f64,
        0.0..2.0f64,
        0.0..2.0f64,
    );
    proptest::collection::vec(rates, specs.len()).prop_map(|draws| {
        let (mut specs, veins) = OrganSet::mouse_specs();
        for (
            spec,
            (arrest, extravasation, arrested_death, solitary_death, entry, exit, dormant_death),
        ) in specs.iter_mut().zip(draws)
        {
            spec.arrest_probability = arrest;
            spec.extravasation_rate = extravasation;
            spec.arrested_death_rate = arrested_death;
            spec.solitary_death_rate = solitary_death;
            spec.dormancy_entry_rate = entry;
            spec.dormancy_exit_rate = exit;
            spec.dormant_death_rate = dormant_death;
        }
        OrganSet::new(specs, veins).expect("rates in range")
    })
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    let n = OrganSet::mouse().len();
    let veins: Vec<String> = OrganSet::mouse()
        .vein_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    (
        organs_strategy(),
        proptest::collection::vec(phenotype_strategy(n), 1..4),
        proptest::option::of((0..n, 1u64..40, 0u8..3)),
        proptest::collection::vec((0.0..3.0f64, 0..veins.len(), 0usize..3, 1u64..60), 0..3),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            move |(organs, phenotypes, primary, injections, power_shedding, seed)| {
                let clones = phenotypes
                    .into_iter()
                    .enumerate()
                    .map(|(i, phenotype)| FoundingClone {
                        name: format!("clone{i}"),
                        phenotype,
                    })
                    .collect::<Vec<_>>();
                let count = clones.len();
                let mut config = CascadeConfig::new(organs, clones);
                config.mutation_effect = MutationEffect {
                    birth_rate: 0.2,
                    death_rate: 0.2,
                    shedding_rate: 0.2,
                    circulation_death_rate: 0.2,
                    affinity: 0.2,
                    mutation_probability: 0.2,
                };
                config.transit_time = 0.01;
                config.detection_size = 30;
                config.macrometastasis_size = 10;
                config.harvest_days = vec![2.0];
                config.observation_days = vec![1.0, 3.0];
                if power_shedding {
                    config.shedding = Shedding::SizePower {
                        coefficient: 0.5,
                        exponent: 2.0 / 3.0,
                    };
                }
                if let Some((organ, cells, law)) = primary {
                    config.primary = Some(PrimaryTumour {
                        organ: cascade_biology::OrganId(organ as u16),
                        cells: vec![(CloneId(0), cells)],
                        growth_law: [
                            GrowthLaw::Exponential,
                            GrowthLaw::Logistic,
                            GrowthLaw::Gompertz,
                        ][law as usize],
                        carrying_capacity: 200.0,
                    });
                }
                for (day, vein, clone, cells) in injections {
                    config.injections.push(Injection {
                        day,
                        entry: config
                            .organs
                            .vein(&veins[vein])
                            .expect("listed vein")
                            .clone(),
                        cells: vec![(CloneId((clone % count) as u32), cells)],
                    });
                }
                Scenario { config, seed }
            },
        )
}

/// Time never decreases (an observer: it sees every dispatched event).
struct MonotoneTime {
    last: Time,
    violated: bool,
}

impl<E> Observer<E> for MonotoneTime {
    fn observe(&mut self, now: Time, _: &E) {
        self.violated |= now < self.last;
        self.last = now;
    }
}

fn check_invariants(sim: &Simulation<Cascade>) -> Result<(), TestCaseError> {
    let state = sim.model().state();
    // Conservation per clone (no count can go negative: they are unsigned,
    // and an underflow panics in the test profile).
    if let Err(message) = state.check_conservation() {
        return Err(TestCaseError::fail(message));
    }
    // Lineage: every parent exists and was born no later than its child.
    for clone in state.lineage().iter() {
        if let Some(parent) = clone.parent {
            prop_assert!(parent < clone.id);
            prop_assert!(state.lineage().clone_of(parent).born_at <= clone.born_at);
        }
        prop_assert!(clone.born_at <= sim.now());
    }
    // Every metastasis's founder existed when it was founded; sizes add up.
    for site in state.sites() {
        prop_assert!(state.lineage().clone_of(site.founder).born_at <= site.founded_at);
        prop_assert_eq!(site.size, site.cells.iter().map(|&(_, n)| n).sum::<u64>());
        prop_assert!(site.cells.iter().all(|&(_, n)| n > 0));
        prop_assert!(site.peak_size >= site.size);
    }
    // The funnel agrees with the pools: what arrived and left each stage.
    let funnel = state.funnel().total();
    let arrested_now: u64 = state
        .pools()
        .filter(|(k, _)| k.compartment == Compartment::Arrested)
        .map(|(_, n)| n)
        .sum();
    prop_assert_eq!(
        funnel.arrested,
        funnel.extravasated + funnel.died_in_vessel + arrested_now
    );
    Ok(())
}

fn run_checked(scenario: &Scenario) -> Result<TraceDigest, TestCaseError> {
    let mut sim = simulation(
        scenario.config.clone(),
        NoExtension,
        Seed::new(scenario.seed),
    )
    .unwrap();
    let mut digest = TraceDigest::new();
    let mut time = MonotoneTime {
        last: Time::ZERO,
        violated: false,
    };
    let horizon = Time::new(4.0).unwrap();
    for _ in 0..40 {
        let stop = sim
            .run(
                RunLimits::until(horizon).with_max_events(100),
                &mut (&mut digest, &mut time),
            )
            .unwrap();
        check_invariants(&sim)?;
        if stop != StopReason::EventLimitReached {
            break;
        }
    }
    prop_assert!(!time.violated, "time went backwards");
    Ok(digest)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Conservation, no negative counts, lineage order, founders, monotone
    /// time, checked every 100 events; and the same seed gives the same
    /// digest.
    #[test]
    fn random_scenarios_keep_the_invariants(scenario in scenario_strategy()) {
        let first = run_checked(&scenario)?;
        let second = run_checked(&scenario)?;
        prop_assert_eq!(first, second);
    }
}

// ---------------------------------------------------------------------------
// Cases with a known answer.

fn one_clone(organs: &OrganSet, edit: impl FnOnce(&mut Phenotype)) -> Vec<FoundingClone> {
    let mut phenotype = default_phenotype(organs);
    edit(&mut phenotype);
    vec![FoundingClone {
        name: "test".into(),
        phenotype,
    }]
}

/// Mouse organs with `edit` applied to every organ's spec.
fn mouse_with(edit: impl Fn(&str, &mut cascade_biology::organs::OrganSpec)) -> OrganSet {
    let (mut organs, veins) = OrganSet::mouse_specs();
    for organ in &mut organs {
        let name = organ.name.clone();
        edit(&name, organ);
    }
    OrganSet::new(organs, veins).expect("valid edited mouse organs")
}

#[test]
fn with_certain_arrest_and_no_death_in_circulation_every_cell_stops_in_the_first_bed() {
    let organs = mouse_with(|_, o| o.arrest_probability = 1.0);
    let lung = organs.id("lung").unwrap();
    let entry = organs.vein("tail_vein").unwrap().clone();
    let clones = one_clone(&organs, |p| p.circulation_death_rate = 0.0);
    let mut config = CascadeConfig::new(organs, clones);
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), 500)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(3)).unwrap();
    sim.run_until(Time::new(0.5).unwrap()).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    let total = state.funnel().total();
    assert_eq!(total.arrested, 500);
    assert_eq!(state.funnel().organ(lung).arrested, 500);
    assert_eq!(total.passed + total.died_in_circulation, 0);
}

#[test]
fn with_every_share_on_one_organ_every_metastasis_is_in_it() {
    let (mut specs, veins) = OrganSet::mouse_specs();
    for spec in &mut specs {
        spec.cardiac_output_share = if spec.name == "liver" { 1.0 } else { 0.0 };
        spec.arrest_probability = if spec.name == "liver" { 1.0 } else { 0.0 };
    }
    let organs = OrganSet::new(specs, veins).unwrap();
    let liver = organs.id("liver").unwrap();
    let entry = organs.vein("left_ventricle").unwrap().clone();
    let clones = one_clone(&organs, |p| {
        p.circulation_death_rate = 0.0;
        p.in_metastases.birth_rate = 2.0;
        // No metastasis seeds another: every arrest is an injected cell's.
        p.shedding_rate = 0.0;
    });
    let mut config = CascadeConfig::new(organs, clones);
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), 300)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(4)).unwrap();
    sim.run_until(Time::new(3.0).unwrap()).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    assert!(
        state.metastases().count() > 10,
        "some metastases were founded"
    );
    assert!(state.metastases().all(|s| s.organ == liver));
    assert_eq!(state.funnel().organ(liver).arrested, 300);
}

/// Pure birth (a Yule process) from one cell: E[N(t)] = e^(bt), Var[N(t)] =
/// e^(bt)(e^(bt) − 1). The mean of 400 replicates must be within 4 standard
/// errors of e^(bt) (the exact standard error; fixed seeds, so the test is
/// reproducible; a correct model fails it with probability 6·10⁻⁵).
#[test]
fn a_pure_birth_colony_grows_as_e_to_the_bt_on_average() {
    let organs = OrganSet::mouse();
    let lung = organs.id("lung").unwrap();
    let (b, t, replicates) = (1.0, 3.0, 400u64);
    let clones = one_clone(&organs, |p| {
        p.in_primary = GrowthRates {
            birth_rate: b,
            death_rate: 0.0,
            mutation_probability: 0.0,
        };
        p.shedding_rate = 0.0;
    });
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: lung,
        cells: vec![(CloneId(0), 1)],
        growth_law: GrowthLaw::Exponential,
        carrying_capacity: 1e12,
    });
    let mut total = 0.0;
    for r in 0..replicates {
        let mut sim =
            simulation(config.clone(), NoExtension, Seed::new(5).with_replicate(r)).unwrap();
        sim.run_until(Time::new(t).unwrap()).unwrap();
        total += sim.model().state().sites()[0].size as f64;
    }
    let mean = total / replicates as f64;
    let growth = libm::exp(b * t);
    let se = (growth * (growth - 1.0) / replicates as f64).sqrt();
    assert!(
        (mean - growth).abs() < 4.0 * se,
        "mean {mean}, expected {growth} ± {se}"
    );
}

/// The B16 assay of the known-answer tests: `cells` cells into a mouse's
/// tail vein, with the lung a nearly certain first trap (arrest 0.999),
/// arrested cells dying fast (5 /day) and rarely extravasating (0.1 /day),
/// solitary cells dying at 1 /day, no dormancy, no death in circulation, no
/// growth. Returns the state at 24 h and the closed-form share alive: for a
/// cell arrested at time 0, still arrested at t, e^(−(λe+λv)t), or
/// extravasated and alive, λe (e^(−μt) − e^(−(λe+λv)t)) / (λe+λv−μ).
fn b16_assay_at_24_hours(cells: u64, seed: u64) -> (CascadeState, f64) {
    let (arrest_death, extravasation, solitary_death) = (5.0, 0.1, 1.0);
    let organs = mouse_with(|name, o| {
        o.arrested_death_rate = arrest_death;
        o.extravasation_rate = extravasation;
        o.solitary_death_rate = solitary_death;
        o.dormancy_entry_rate = 0.0;
        if name == "lung" {
            o.arrest_probability = 0.999;
        }
    });
    let entry = organs.vein("tail_vein").unwrap().clone();
    let clones = one_clone(&organs, |p| {
        p.circulation_death_rate = 0.0;
        p.in_metastases.birth_rate = 0.0;
        p.in_metastases.death_rate = 0.0;
    });
    let mut config = CascadeConfig::new(organs, clones);
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), cells)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
    sim.run_until(Time::new(1.0).unwrap()).unwrap();
    let (le, lv, mu, t) = (extravasation, arrest_death, solitary_death, 1.0);
    let arrested = libm::exp(-(le + lv) * t);
    let solitary = le * (libm::exp(-mu * t) - libm::exp(-(le + lv) * t)) / (le + lv - mu);
    (sim.model().state().clone(), arrested + solitary)
}

/// B16 cells into a mouse's tail vein, 24 h (Fidler 1970, REFERENCES.md:
/// about 1% of cells alive at 24 h, most of them in the lung), with the
/// parameters of `b16_assay_at_24_hours`, under which the alive share at
/// 24 h has a closed form, ≈ 1.4%. The simulated share must be within 4 binomial standard
/// errors of it, and the lung must hold at least 95% of the survivors.
/// (Calibrating the shipped defaults to this figure is the validation
/// issue's work.)
#[test]
fn b16_in_the_tail_vein_about_one_percent_alive_at_24_hours_mostly_in_the_lung() {
    let cells = 20_000u64;
    let (state, expected) = b16_assay_at_24_hours(cells, 1970);
    state.check_conservation().unwrap();
    let lung = state.config().organs.id("lung").unwrap();
    let alive = state.alive(CloneId(0));
    let in_lung: u64 = state
        .pools()
        .filter(|(k, _)| k.organ == lung && k.compartment != Compartment::InTransit)
        .map(|(_, n)| n)
        .sum();
    let share = alive as f64 / cells as f64;
    let se = (expected * (1.0 - expected) / cells as f64).sqrt();
    // Transit to the lung takes about a minute, which the closed form
    // ignores: it shifts the share by about 0.4% of itself, well inside 4 SE.
    assert!(
        (share - expected).abs() < 4.0 * se,
        "alive {share}, expected {expected} ± {se}"
    );
    assert!((0.005..0.02).contains(&share), "about 1%: {share}");
    assert!(
        in_lung as f64 >= 0.95 * alive as f64,
        "lung {in_lung} of {alive}"
    );
}

/// Counts the colony divisions (`CellDivided`) it sees.
#[derive(Default)]
struct SiteDivisions(u64);

impl<U> Observer<CascadeEvent<U>> for SiteDivisions {
    fn observe(&mut self, _: Time, event: &CascadeEvent<U>) {
        if matches!(event, CascadeEvent::CellDivided { .. }) {
            self.0 += 1;
        }
    }
}

/// The solitary division multiplier m acts on a solitary cell's first
/// division only. `cells` cells into the tail vein all arrest in the lung
/// and extravasate (no death before), then each solitary cell divides at
/// b·g·m, dies at s + d, never becomes dormant: it founds a metastasis with
/// probability b·g·m / (b·g·m + s + d). Colonies grow at b·g alone: with
/// g = 0.01 they are nearly inert (b·g = 0.01 < d), where b·g·m = 1 > d
/// would make them grow. Returns the state at day 40 (every solitary cell
/// and every colony resolved), the colony divisions, and the probability.
fn solitary_division_assay(cells: u64, m: f64, seed: u64) -> (CascadeState, u64, f64) {
    let (b, g, s, d) = (1.0, 0.01, 1.0, 0.25);
    let organs = mouse_with(|name, o| {
        o.arrest_probability = 1.0;
        o.arrested_death_rate = 0.0;
        o.extravasation_rate = 50.0;
        o.solitary_death_rate = s;
        o.dormancy_entry_rate = 0.0;
        if name == "lung" {
            o.growth_multiplier = g;
            o.solitary_division_multiplier = m;
        }
    });
    let entry = organs.vein("tail_vein").unwrap().clone();
    let clones = one_clone(&organs, |p| {
        p.circulation_death_rate = 0.0;
        p.shedding_rate = 0.0;
        p.in_metastases = GrowthRates {
            birth_rate: b,
            death_rate: d,
            mutation_probability: 0.0,
        };
    });
    let mut config = CascadeConfig::new(organs, clones);
    config.metastasis_growth_law = GrowthLaw::Exponential;
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), cells)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
    let mut divisions = SiteDivisions::default();
    sim.run(RunLimits::until(Time::new(40.0).unwrap()), &mut divisions)
        .unwrap();
    let state = sim.model().state().clone();
    let p = b * g * m / (b * g * m + s + d);
    (state, divisions.0, p)
}

/// Luzzi et al. 1998 (REFERENCES.md, Metastatic inefficiency, L) needs few
/// solitary cells dividing but fast colonies: the organ's solitary division
/// multiplier changes the first division only. With m = 100 (and g = 0.01,
/// so b·g·m = 1) the share of solitary cells founding a metastasis must be
/// within 4 binomial standard errors of b·g·m / (b·g·m + s + d) = 4/9
/// (fixed seed), while the colonies, growing at b·g = 0.01 < d, divide less
/// than once per 4 colonies on average (expected about 1 in 12: each of a
/// colony's 2 cells has b/(d − b) = 0.04 descendants' births in expectation;
/// colonies growing at b·g·m = 1 would divide hundreds of times). With
/// m = 0 no solitary cell ever divides.
#[test]
fn the_solitary_division_multiplier_scales_the_first_division_only() {
    let cells = 2_000u64;
    let (state, divisions, p) = solitary_division_assay(cells, 100.0, 71);
    state.check_conservation().unwrap();
    let total = state.funnel().total();
    assert_eq!(total.extravasated, cells);
    assert_eq!(total.entered_dormancy, 0);
    assert_eq!(total.micrometastases + total.died_in_parenchyma, cells);
    let share = total.micrometastases as f64 / cells as f64;
    let se = (p * (1.0 - p) / cells as f64).sqrt();
    assert!(
        (share - p).abs() < 4.0 * se,
        "founded {share}, expected {p} ± {se}"
    );
    assert!(
        (divisions as f64) < 0.25 * total.micrometastases as f64,
        "{divisions} divisions in {} colonies",
        total.micrometastases
    );

    let (state, divisions, _) = solitary_division_assay(cells, 0.0, 72);
    state.check_conservation().unwrap();
    let total = state.funnel().total();
    assert_eq!(total.micrometastases, 0);
    assert_eq!(total.died_in_parenchyma, cells);
    assert_eq!(divisions, 0);
}

#[test]
fn invalid_configurations_name_the_field() {
    let organs = OrganSet::mouse();
    let mut clones = one_clone(&organs, |_| {});
    clones[0].phenotype.in_primary.birth_rate = -1.0;
    let error = Cascade::new(CascadeConfig::new(organs.clone(), clones), NoExtension).unwrap_err();
    assert_eq!(
        error.to_string(),
        "clones[0].phenotype.in_primary.birth_rate = -1 is invalid, expected a finite number >= 0"
    );
    let error = Cascade::new(CascadeConfig::new(organs.clone(), vec![]), NoExtension).unwrap_err();
    assert_eq!(error.path, "clones");
    let mut clones = one_clone(&organs, |_| {});
    clones[0].phenotype.in_metastases.mutation_probability = 1.5;
    let error = Cascade::new(CascadeConfig::new(organs.clone(), clones), NoExtension).unwrap_err();
    assert_eq!(
        error.path,
        "clones[0].phenotype.in_metastases.mutation_probability"
    );
    let mut clones = one_clone(&organs, |_| {});
    clones[0].phenotype.circulation_death_rate = f64::NAN;
    let error = Cascade::new(CascadeConfig::new(organs, clones), NoExtension).unwrap_err();
    assert_eq!(error.path, "clones[0].phenotype.circulation_death_rate");
}

// ---------------------------------------------------------------------------
// Growth laws, checkpoints, pinned digests.

/// A primary of `cells` cells growing by `law` to capacity `capacity`.
fn primary_config(
    law: GrowthLaw,
    cells: u64,
    capacity: f64,
    birth: f64,
    death: f64,
) -> CascadeConfig {
    let organs = OrganSet::mouse();
    let skin = organs.id("skin").unwrap();
    let clones = one_clone(&organs, |p| {
        p.in_primary = GrowthRates {
            birth_rate: birth,
            death_rate: death,
            mutation_probability: 0.0,
        };
        p.shedding_rate = 0.0;
    });
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), cells)],
        growth_law: law,
        carrying_capacity: capacity,
    });
    config
}

/// Logistic and Gompertz colonies settle at their carrying capacity K: at
/// day 40 (many times 1/r), the mean size over 16 replicates is within 3%
/// of K = 300. The stationary spread is about √(K(b+d)/r) ≈ 20 cells, so
/// the standard error of the mean is about 5 cells (1.7%): 3% is about 2
/// standard errors of the mean plus the small downward bias of the
/// stochastic equilibrium. Seeds are fixed.
#[test]
fn logistic_and_gompertz_colonies_settle_at_their_capacity() {
    for law in [GrowthLaw::Logistic, GrowthLaw::Gompertz] {
        let config = primary_config(law, 10, 300.0, 1.0, 0.1);
        let mut total = 0.0;
        for r in 0..16 {
            let mut sim =
                simulation(config.clone(), NoExtension, Seed::new(40).with_replicate(r)).unwrap();
            sim.run_until(Time::new(40.0).unwrap()).unwrap();
            total += sim.model().state().sites()[0].size as f64;
        }
        let mean = total / 16.0;
        assert!((mean - 300.0).abs() < 0.03 * 300.0, "{law:?}: mean {mean}");
    }
}

/// The primary sheds, metastases found and shed in turn, clones mutate:
/// most of the model is exercised.
fn busy_config() -> CascadeConfig {
    let organs = OrganSet::mouse();
    let skin = organs.id("skin").unwrap();
    let clones = one_clone(&organs, |p| {
        p.shedding_rate = 0.02;
        p.in_primary.mutation_probability = 0.002;
        p.in_metastases.mutation_probability = 0.01;
    });
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), 200)],
        growth_law: GrowthLaw::Gompertz,
        carrying_capacity: 1e5,
    });
    config.mutation_effect = MutationEffect {
        birth_rate: 0.1,
        death_rate: 0.1,
        shedding_rate: 0.1,
        circulation_death_rate: 0.1,
        affinity: 0.1,
        mutation_probability: 0.1,
    };
    config.harvest_days = vec![5.0];
    config.observation_days = vec![2.0, 4.0, 6.0];
    config.macrometastasis_size = 20;
    config.detection_size = 50;
    config
}

/// Checkpoint mid-run (the simulation and the digest, through serde),
/// restore, run on: the digest and the state of the uninterrupted run.
#[test]
fn checkpoint_and_restore_continue_the_same_trajectory() {
    let horizon = Time::new(8.0).unwrap();
    let mut uninterrupted = simulation(busy_config(), NoExtension, Seed::new(8)).unwrap();
    let mut uninterrupted_digest = TraceDigest::new();
    uninterrupted
        .run(RunLimits::until(horizon), &mut uninterrupted_digest)
        .unwrap();
    assert!(
        uninterrupted_digest.events() > 3_000,
        "a busy run: {}",
        uninterrupted_digest.events()
    );

    let mut sim = simulation(busy_config(), NoExtension, Seed::new(8)).unwrap();
    let mut digest = TraceDigest::new();
    sim.run(
        RunLimits::until(horizon).with_max_events(1_500),
        &mut digest,
    )
    .unwrap();
    let saved = serde_json::to_string(&(&sim, &digest)).unwrap();
    drop(sim);
    let (mut restored, mut digest): (Simulation<Cascade>, TraceDigest) =
        serde_json::from_str(&saved).unwrap();
    restored
        .run(RunLimits::until(horizon), &mut digest)
        .unwrap();
    assert_eq!(digest, uninterrupted_digest);
    // Same state too (compared through serde, which leaves out scratch space).
    let state = |sim: &Simulation<Cascade>| serde_json::to_string(sim.model().state()).unwrap();
    assert_eq!(state(&restored), state(&uninterrupted));
}

/// The pinned digest of the busy scenario: the same on every platform and
/// build profile. A change is value-breaking: record it in CHANGELOG.md.
#[test]
fn busy_scenario_golden_digest() {
    let mut sim = simulation(busy_config(), NoExtension, Seed::new(2026)).unwrap();
    let mut digest = TraceDigest::new();
    sim.run(RunLimits::until(Time::new(8.0).unwrap()), &mut digest)
        .unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    assert!(state.metastases().count() > 0 && state.lineage().len() > 1);
    assert_eq!(
        (digest.events(), digest.to_string().as_str()),
        (BUSY_GOLDEN_EVENTS, BUSY_GOLDEN_DIGEST)
    );
}

const BUSY_GOLDEN_EVENTS: u64 = 3290;
const BUSY_GOLDEN_DIGEST: &str = "9ebb16fcde6c93df796056a0abe193e8";

// ---------------------------------------------------------------------------
// Edge cases: capacity, arterial shares, overflowing counts and rates, tiny
// rates, clone names, the primary's founder.

/// Above capacity a declining clone (b < d) shrinks: births are capped at
/// the clone's own birth rate there (the bare formula d + (b − d)·g(x),
/// g(x) < 0, would exceed d and the site would grow without bound).
#[test]
fn a_declining_clone_above_capacity_shrinks() {
    for law in [GrowthLaw::Logistic, GrowthLaw::Gompertz] {
        for size in [101, 1_000, 1_000_000] {
            let birth = law.birth_rate(0.1, 0.5, size, 100.0);
            assert!((0.0..=0.1).contains(&birth), "{law:?} at {size}: {birth}");
        }
        // Below capacity, the formula: between b and d.
        let birth = law.birth_rate(0.1, 0.5, 50, 100.0);
        assert!(birth > 0.1 && birth < 0.5, "{law:?} below K: {birth}");
        let config = primary_config(law, 1_000, 100.0, 0.1, 0.5);
        let mut sim = simulation(config, NoExtension, Seed::new(2)).unwrap();
        sim.run(
            RunLimits::until(Time::new(20.0).unwrap()).with_max_events(100_000),
            &mut (),
        )
        .unwrap();
        let site = &sim.model().state().sites()[0];
        assert!(
            site.size < 100 && site.peak_size < 1_010,
            "{law:?}: from 1000 cells to {} (peak {}) with b < d, K = 100",
            site.size,
            site.peak_size
        );
    }
}

/// Shares summing to 1 + 5e-7 pass the organ set (tolerance 1e-6); an
/// arterial injection splits the cells over the normalised shares (the
/// multinomial wants 1 within 1e-9).
#[test]
fn arterial_injection_with_shares_summing_to_one_within_tolerance_runs() {
    let (mut specs, veins) = OrganSet::mouse_specs();
    specs[0].cardiac_output_share += 5e-7;
    let organs = OrganSet::new(specs, veins).expect("valid organ set");
    let sum: f64 = organs.arterial_shares().sum();
    assert!((sum - 1.0).abs() < 1e-12, "normalised shares sum to {sum}");
    let mut config = CascadeConfig::new(organs.clone(), one_clone(&organs, |_| {}));
    config.injections.push(Injection {
        day: 0.0,
        entry: Entry::Arterial,
        cells: vec![(CloneId(0), 100)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(1)).unwrap();
    sim.run_until(Time::new(0.01).unwrap()).unwrap();
    let state = sim.model().state();
    assert_eq!(state.funnel().total().injected, 100);
    state.check_conservation().unwrap();
}

/// Seeded cells are at most 2^62 per injection, per primary and in all.
#[test]
fn cell_counts_that_could_overflow_are_refused() {
    let organs = OrganSet::mouse();
    let (lung, skin) = (organs.id("lung").unwrap(), organs.id("skin").unwrap());
    let base = CascadeConfig::new(organs.clone(), one_clone(&organs, |_| {}));
    let injection = |cells: Vec<u64>| Injection {
        day: 0.0,
        entry: Entry::Bed(lung),
        cells: cells.into_iter().map(|n| (CloneId(0), n)).collect(),
    };
    let primary = |n| PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), n)],
        growth_law: GrowthLaw::Gompertz,
        carrying_capacity: 1e9,
    };

    let mut config = base.clone();
    config.injections.push(injection(vec![u64::MAX, 1]));
    assert_eq!(config.validate().unwrap_err().path, "injections[0].cells");
    let error = simulation(config, NoExtension, Seed::new(1)).err().unwrap();
    assert!(matches!(error, SetupError::Config(ref e) if e.path == "injections[0].cells"));

    let mut config = base.clone();
    config.primary = Some(primary(MAX_CELLS + 1));
    assert_eq!(config.validate().unwrap_err().path, "primary.cells");

    // Each within the limit, together above it.
    let mut config = base.clone();
    config.primary = Some(primary(MAX_CELLS / 2));
    config.injections.push(injection(vec![MAX_CELLS / 2]));
    config.validate().unwrap();
    config.injections.push(injection(vec![1]));
    let error = config.validate().unwrap_err();
    assert_eq!(error.path, "injections[1].cells");
    assert!(error.expected.contains("2^62"), "{error}");
}

/// A total rate that overflows (2 cells × 1e308 per day) stops the run
/// with an error naming the pool, rather than leaving the pool without a
/// clock; so does a modifier an extension set to NaN.
#[test]
fn an_overflowing_total_rate_is_an_error_naming_the_pool() {
    let organs = OrganSet::mouse();
    let lung = organs.id("lung").unwrap();
    let in_transit = PoolKey {
        clone: CloneId(0),
        compartment: Compartment::InTransit,
        organ: lung,
    };
    let clones = one_clone(&organs, |p| p.circulation_death_rate = 1e308);
    let mut config = CascadeConfig::new(organs.clone(), clones);
    config.injections.push(Injection {
        day: 0.0,
        entry: Entry::Bed(lung),
        cells: vec![(CloneId(0), 2)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(1)).unwrap();
    let error = sim.run_until(Time::new(100.0).unwrap()).unwrap_err();
    assert!(
        matches!(
            error,
            CascadeError::InvalidRate { place: Place::Pool(key), rate }
                if key == in_transit && rate == f64::INFINITY
        ),
        "{error:?}"
    );

    let mut config = CascadeConfig::new(organs.clone(), one_clone(&organs, |_| {}));
    config.injections.push(Injection {
        day: 0.0,
        entry: Entry::Bed(lung),
        cells: vec![(CloneId(0), 2)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(1)).unwrap();
    sim.run(RunLimits::events(1), &mut ()).unwrap();
    let (model, mut ctx) = sim.model_and_context();
    let state = model.state_mut();
    state.modifiers.circulation_death = f64::NAN;
    let error = state.redraw_all(&mut ctx).unwrap_err();
    assert!(
        matches!(error, CascadeError::InvalidRate { place: Place::Pool(_), rate } if rate.is_nan()),
        "{error:?}"
    );
}

/// A valid but tiny rate (1e-320 per day) gives a wait too long to be a
/// finite time: the event never happens, and the run goes on.
#[test]
fn a_rate_too_small_for_a_finite_wait_never_fires() {
    let organs = mouse_with(|_, o| {
        o.arrested_death_rate = 0.0;
        o.extravasation_rate = 1e-320;
    });
    let lung = organs.id("lung").unwrap();
    let clones = one_clone(&organs, |p| p.circulation_death_rate = 0.0);
    let mut config = CascadeConfig::new(organs, clones);
    config.injections.push(Injection {
        day: 0.0,
        entry: Entry::Bed(lung),
        cells: vec![(CloneId(0), 200)],
    });
    let mut sim = simulation(config, NoExtension, Seed::new(1)).unwrap();
    sim.run_until(Time::new(1.0).unwrap()).unwrap();
    let state = sim.model().state();
    let arrested: u64 = state
        .pools()
        .filter(|(key, _)| key.compartment == Compartment::Arrested)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(arrested, 200, "every cell arrested, none extravasated");
    assert_eq!(state.funnel().total().extravasated, 0);
}

/// A founding clone may not be named like a mutant (`<parent>.<n>`): "A.1"
/// would clash with the first mutant of "A".
#[test]
fn founding_clone_names_with_a_dot_are_refused() {
    let organs = OrganSet::mouse();
    let phenotype = default_phenotype(&organs);
    let clones = vec![
        FoundingClone {
            name: "A".into(),
            phenotype: phenotype.clone(),
        },
        FoundingClone {
            name: "A.1".into(),
            phenotype,
        },
    ];
    let error = simulation(
        CascadeConfig::new(organs, clones),
        NoExtension,
        Seed::new(1),
    )
    .err()
    .unwrap();
    let SetupError::Config(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.path, "clones[1].name");
    assert_eq!(
        error.expected,
        "a name without '.' (mutants are named <parent>.<n>)"
    );
}

/// The primary's founder is the clone with the most cells (its entries
/// summed), the first listed on a tie.
#[test]
fn the_primary_founder_is_the_first_clone_with_the_most_cells() {
    let organs = OrganSet::mouse();
    let skin = organs.id("skin").unwrap();
    let phenotype = default_phenotype(&organs);
    let clones: Vec<FoundingClone> = ["A", "B"]
        .iter()
        .map(|name| FoundingClone {
            name: (*name).into(),
            phenotype: phenotype.clone(),
        })
        .collect();
    let founder = |cells: Vec<(CloneId, u64)>| {
        let mut config = CascadeConfig::new(organs.clone(), clones.clone());
        config.primary = Some(PrimaryTumour {
            organ: skin,
            cells,
            growth_law: GrowthLaw::Gompertz,
            carrying_capacity: 1e6,
        });
        let sim = simulation(config, NoExtension, Seed::new(1)).unwrap();
        sim.model().state().sites()[0].founder
    };
    let (a, b) = (CloneId(0), CloneId(1));
    assert_eq!(founder(vec![(b, 5), (a, 5)]), b);
    assert_eq!(founder(vec![(a, 5), (b, 5)]), a);
    assert_eq!(founder(vec![(a, 3), (b, 5), (a, 3)]), a);
    assert_eq!(founder(vec![(a, 3), (b, 5)]), b);
}

// ---------------------------------------------------------------------------
// Opt-in statistical runs: `cargo test --release -p cascade-biology -- --ignored`.

/// The B16 assay at ten times the default test's size: 200,000 cells,
/// within 4 binomial standard errors of the closed form.
#[test]
#[ignore = "statistical, opt-in: cargo test --release -p cascade-biology -- --ignored"]
fn b16_assay_at_full_size() {
    let cells = 200_000u64;
    let (state, expected) = b16_assay_at_24_hours(cells, 1971);
    let alive = state.alive(CloneId(0));
    let share = alive as f64 / cells as f64;
    let se = (expected * (1.0 - expected) / cells as f64).sqrt();
    assert!(
        (share - expected).abs() < 4.0 * se,
        "alive {share}, expected {expected} ± {se}"
    );
}

/// A pure-birth colony at 4,000 replicates (10 times the default test).
#[test]
#[ignore = "statistical, opt-in: cargo test --release -p cascade-biology -- --ignored"]
fn pure_birth_mean_at_full_size() {
    let (b, t, replicates) = (1.0, 3.0, 4_000u64);
    let config = primary_config(GrowthLaw::Exponential, 1, 1e12, b, 0.0);
    let mut total = 0.0;
    for r in 0..replicates {
        let mut sim =
            simulation(config.clone(), NoExtension, Seed::new(6).with_replicate(r)).unwrap();
        sim.run_until(Time::new(t).unwrap()).unwrap();
        total += sim.model().state().sites()[0].size as f64;
    }
    let mean = total / replicates as f64;
    let growth = libm::exp(b * t);
    let se = (growth * (growth - 1.0) / replicates as f64).sqrt();
    assert!(
        (mean - growth).abs() < 4.0 * se,
        "mean {mean}, expected {growth} ± {se}"
    );
}
