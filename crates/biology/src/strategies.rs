//! The [proptest](https://docs.rs/proptest) strategies of this crate's own
//! property tests (`crates/biology/tests/cascade.rs`), for a lab to
//! property-test its own mechanisms on the same scenarios
//! (`docs/lab-crate.md`, Property tests of your own mechanisms). Each draws
//! a [`Scenario`](crate::strategies::Scenario) on the mouse's organs, small
//! enough to run to a few days in milliseconds, with every transition of
//! the cascade frequent: a valid
//! [`CascadeConfig`](crate::config::CascadeConfig) and a seed.
//!
//! Rates are per cell per day, times in days, sizes in cells. Ranges are
//! half-open (`[a, b)` for reals, `a..=b` for counts) and uniform unless
//! said otherwise. What each strategy draws, and in what order, is fixed:
//! a change would change the cases this crate's property tests run, and
//! the scenario a failing case is replayed from.

use crate::CloneId;
use crate::clones::{GrowthRates, MutationEffect, OrganAffinity, Phenotype};
use crate::config::{
    CascadeConfig, ClumpBehaviour, ClumpFormation, ClumpFounding, FoundingClone, GrowthLaw,
    Injection, OtherCells, PrimaryTumour, Shedding,
};
use crate::organs::OrganSet;
use proptest::prelude::*;

/// A phenotype for `organs` organs. Its growth in the primary and in
/// metastases ([`GrowthRates`]) are drawn independently, each as a birth
/// rate in [0, 2) and a death rate in [0, 1) per cell per day and a
/// mutation probability in [0, 0.05) per division; then a shedding rate in
/// [0, 0.2) cells per cell per day, a circulation death rate in [0, 20)
/// per circulating cell per day, and for each organ the [`OrganAffinity`]
/// multipliers of arrest, extravasation and growth, each in [0, 2); last,
/// the clone's solitary division multiplier (its colonisation) in [0, 3).
/// No drug sensitivities (1 for every drug).
pub fn phenotype_strategy(organs: usize) -> impl Strategy<Value = Phenotype> {
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
        0.0..3.0f64,
    )
        .prop_map(
            |(
                in_primary,
                in_metastases,
                shedding_rate,
                circulation_death_rate,
                affinity,
                solitary_division_multiplier,
            )| {
                Phenotype {
                    in_primary,
                    in_metastases,
                    shedding_rate,
                    shedding_rate_in_metastases: None,
                    circulation_death_rate,
                    affinity,
                    solitary_division_multiplier,
                    sensitivity: Vec::new(),
                }
            },
        )
}

/// A random scenario: a configuration and the seed to run it with.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// A valid configuration, for [`simulation`](crate::simulation).
    pub config: CascadeConfig,
    /// The seed, for [`Seed::new`](cascade_kernel::Seed::new).
    pub seed: u64,
}

/// The mouse organs with every microenvironment rate drawn at random, so
/// that every transition happens often within a few days. For each organ,
/// in the order of [`OrganSet::mouse_specs`]: an arrest probability in
/// [0, 1); extravasation, arrested-death and solitary-death rates in
/// [0, 3) per day; dormancy entry, dormancy exit and dormant-death rates in
/// [0, 2) per day; a solitary division multiplier (the organ's
/// colonisation) in [0, 3); and, at even odds, venous routes
/// ([`crate::organs::routes`]): shares `w` in [0, 1) and `v` in [0, 1), the
/// organ's venous blood going `w` to its main drainage, `(1 − w)·v` to the
/// skeleton (as the vertebral venous plexus does) and the rest to the
/// arterial side. The lung (whose main drainage is the arterial side) and
/// the skeleton get no routes, so no route makes a cycle. The main
/// drainage and the veins are the mouse's.
pub fn organs_strategy() -> impl Strategy<Value = OrganSet> {
    use crate::organs::{DrainSpec, routes::RouteSpec};
    let (specs, _) = OrganSet::mouse_specs();
    let rates = (
        0.0..1.0f64,
        0.0..3.0f64,
        0.0..3.0f64,
        0.0..3.0f64,
        0.0..2.0f64,
        0.0..2.0f64,
        0.0..2.0f64,
        0.0..3.0f64,
        proptest::option::of((0.0..1.0f64, 0.0..1.0f64)),
    );
    proptest::collection::vec(rates, specs.len()).prop_map(|draws| {
        let (mut specs, veins) = OrganSet::mouse_specs();
        for (
            spec,
            (
                arrest,
                extravasation,
                arrested_death,
                solitary_death,
                entry,
                exit,
                dormant_death,
                solitary_division,
                routes,
            ),
        ) in specs.iter_mut().zip(draws)
        {
            spec.arrest_probability = arrest;
            spec.extravasation_rate = extravasation;
            spec.arrested_death_rate = arrested_death;
            spec.solitary_death_rate = solitary_death;
            spec.dormancy_entry_rate = entry;
            spec.dormancy_exit_rate = exit;
            spec.dormant_death_rate = dormant_death;
            spec.solitary_division_multiplier = solitary_division;
            let plexus = ["lung", "skeleton"].contains(&spec.name.as_str());
            if let Some((w, v)) = routes.filter(|_| !plexus) {
                let route = |to, share| RouteSpec { to, share };
                spec.venous_routes = vec![
                    route(spec.drains_to.clone(), w),
                    route(DrainSpec::Organ("skeleton".into()), (1.0 - w) * v),
                    route(DrainSpec::Arterial, (1.0 - w) * (1.0 - v)),
                ];
            }
        }
        OrganSet::new(specs, veins).expect("rates and routes in range")
    })
}

/// A scenario on [`organs_strategy`]'s organs, drawn in this order: the
/// organs; 1 to 3 founding clones (`clone0`, `clone1`, ...) of
/// [`phenotype_strategy`]; a primary tumour or not (even odds), in any of
/// the organs, of 1..=39 cells of `clone0`, with exponential, logistic or
/// Gompertz growth (a carrying capacity of 200 cells); 0 to 2 injections,
/// each at a day in [0, 3) into any of the mouse's veins (the arterial side
/// included), of 1..=59 single cells of one clone (a draw of 0..=2, modulo
/// the number of clones); per-cell shedding or, at even odds, a site's
/// shedding of `0.5 · size^(2/3)` in total; any `u64` seed.
///
/// Fixed: a mutation effect of 0.2 on every field (the solitary division
/// multiplier's included), a transit time of 0.01
/// days, a detection size of 30 and a macrometastasis size of 10 cells, a
/// harvest at day 2 and observations at days 1 and 3; every other field
/// as [`CascadeConfig::new`] leaves it.
pub fn scenario_strategy() -> impl Strategy<Value = Scenario> {
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
                    solitary_division_multiplier: 0.2,
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
                        organ: crate::OrganId(organ as u16),
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
                        clump_size: None,
                    });
                }
                Scenario { config, seed }
            },
        )
}

/// `scenario_strategy`'s scenarios with at least one injection; each
/// injection gets a second clone (when there are several) and a clump size
/// from 1 to 6.
///
/// Drawn in this order: a [`scenario_strategy`] scenario; three pairs of a
/// clump size in 1..=6 and a number of extra cells in 0..=59; a day in
/// [0, 3); a death-rate factor of clumps' cells in [0, 1]
/// (`clumps.death_rate_factor`); then the other fields of `clumps`
/// ([`clump_behaviour_strategy`]). A scenario without injections gets one at that day: 40 cells of
/// `clone0` into the tail vein. Injection `i` (there are at most 2) is
/// given as clumps of the `i`-th size and, where there are several clones,
/// with the `i`-th number of extra cells (if above 0) of the clone after its
/// own (the next by index, wrapping round).
pub fn clump_scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        scenario_strategy(),
        proptest::collection::vec((1u64..7, 0u64..60), 3),
        0.0..3.0f64,
        0.0..=1.0f64,
        clump_behaviour_strategy(),
    )
        .prop_map(|(mut scenario, clumps, day, factor, behaviour)| {
            let config = &mut scenario.config;
            config.clumps = ClumpBehaviour {
                death_rate_factor: factor,
                ..behaviour
            };
            if config.injections.is_empty() {
                let entry = config.organs.vein("tail_vein").unwrap().clone();
                config.injections.push(Injection {
                    day,
                    entry,
                    cells: vec![(CloneId(0), 40)],
                    clump_size: None,
                });
            }
            let count = config.clones.len();
            for (injection, &(k, extra)) in config.injections.iter_mut().zip(&clumps) {
                injection.clump_size = Some(k);
                let first = injection.cells[0].0;
                let other = CloneId(((first.index() + 1) % count) as u32);
                if other != first && extra > 0 {
                    injection.cells.push((other, extra));
                }
            }
            scenario
        })
}

/// The fields of `clumps` beyond the death-rate factor (which is left at
/// 1), each off or on at even odds: a size-arrest probability of 0 or in
/// [0, 1]; a dissociation rate of 0 or in [0, 5) per day; dissociation at
/// arrest or not; clumps of one clone or mixed; founding by all cells
/// together, by one cell with the others dying, or by one cell with the
/// others dormant (a third each).
pub fn clump_behaviour_strategy() -> impl Strategy<Value = ClumpBehaviour> {
    let off_or = |range: core::ops::Range<f64>| prop_oneof![Just(0.0), range];
    (
        off_or(0.0..1.0),
        off_or(0.0..5.0),
        any::<bool>(),
        any::<bool>(),
        0u8..3,
    )
        .prop_map(
            |(size, dissociation, at_arrest, one_clone, founding)| ClumpBehaviour {
                death_rate_factor: 1.0,
                size_arrest_probability: size,
                dissociation_rate: dissociation,
                dissociates_at_arrest: at_arrest,
                formation: if one_clone {
                    ClumpFormation::OneClone
                } else {
                    ClumpFormation::Mixed
                },
                founding: match founding {
                    0 => ClumpFounding::Together,
                    1 => ClumpFounding::OneCell {
                        others: OtherCells::Die,
                    },
                    _ => ClumpFounding::OneCell {
                        others: OtherCells::Dormant,
                    },
                },
            },
        )
}

/// `scenario_strategy`'s scenarios with a primary tumour and random
/// therapy (see `random_scenarios_with_therapy_keep_the_invariants` in
/// `crates/biology/tests/cascade.rs`).
///
/// Drawn in this order: a [`scenario_strategy`] scenario; 1 or 2 drugs,
/// each with a log-kill in [0, 4) or of 1000 (a certain kill; even odds),
/// cycle specific or not, and a resistance probability per division of 0
/// or in [0, 0.3) (even odds); six sensitivities of 0, 0.5 or 1 (clone `c`
/// takes the `(2c + d) mod 6`-th for drug `d`); surgery or not (even odds),
/// at a day in [0, 3) or at a primary size of 1..=79 cells (even odds),
/// leaving each cell behind with a probability in [0, 1); 0 to 2 regimens,
/// each starting at a day in [0, 3), at a primary size of 1..=79 cells, at
/// surgery (the first detection without surgery) or at the first detection
/// (a quarter each), after a delay in [0, 0.5) days, with 1 to 5 doses
/// every [0.05, 1) days, all the drugs at each dose or one drug a dose in
/// turn; 1..=39 cells of `clone0` for a primary in organ 0 (logistic,
/// 200 cells' capacity) if the scenario has none.
pub fn therapy_scenario_strategy() -> impl Strategy<Value = Scenario> {
    use crate::therapy::{Drug, DrugId, Regimen, RegimenStart, Surgery, SurgeryAt, Therapy};
    let drug = (
        prop_oneof![0.0..4.0f64, Just(1000.0)],
        any::<bool>(),
        prop_oneof![Just(0.0), 0.0..0.3f64],
    );
    let surgery = proptest::option::of((any::<bool>(), 0.0..3.0f64, 1u64..80, 0.0..1.0f64));
    let regimen = (
        0u8..4,
        0.0..3.0f64,
        1u64..80,
        0.0..0.5f64,
        0.05..1.0f64,
        1u32..6,
        any::<bool>(),
    );
    (
        scenario_strategy(),
        proptest::collection::vec(drug, 1..3),
        proptest::collection::vec(0u8..3, 6),
        surgery,
        proptest::collection::vec(regimen, 0..3),
        1u64..40,
    )
        .prop_map(
            |(mut scenario, drugs, sensitivities, surgery, regimens, primary_cells)| {
                let config = &mut scenario.config;
                if config.primary.is_none() {
                    config.primary = Some(PrimaryTumour {
                        organ: crate::OrganId(0),
                        cells: vec![(CloneId(0), primary_cells)],
                        growth_law: GrowthLaw::Logistic,
                        carrying_capacity: 200.0,
                    });
                }
                let drug_count = drugs.len();
                let mut therapy = Therapy {
                    drugs: drugs
                        .into_iter()
                        .enumerate()
                        .map(|(i, (log_kill, cycle_specific, resistance))| Drug {
                            name: format!("drug{i}"),
                            log_kill,
                            cycle_specific,
                            resistance_probability: resistance,
                            resistant_sensitivity: 0.0,
                        })
                        .collect(),
                    ..Therapy::default()
                };
                for (c, clone) in config.clones.iter_mut().enumerate() {
                    for d in 0..drug_count {
                        let s = [0.0, 0.5, 1.0][sensitivities[(c * 2 + d) % 6] as usize];
                        clone.phenotype.set_sensitivity(DrugId(d as u32), s);
                    }
                }
                therapy.surgery = surgery.map(|(by_day, day, size, left_behind)| Surgery {
                    at: if by_day {
                        SurgeryAt::Day(day)
                    } else {
                        SurgeryAt::PrimarySize(size)
                    },
                    left_behind,
                });
                for (kind, day, size, delay, every, doses, together) in regimens {
                    let start = match kind {
                        0 => RegimenStart::Day(day),
                        1 => RegimenStart::PrimarySize(size),
                        2 if therapy.surgery.is_some() => RegimenStart::Surgery,
                        _ => RegimenStart::FirstDetection,
                    };
                    let all: Vec<DrugId> = (0..drug_count).map(|d| DrugId(d as u32)).collect();
                    let cycle = if together {
                        vec![all]
                    } else {
                        all.into_iter().map(|d| vec![d]).collect()
                    };
                    therapy.regimens.push(Regimen {
                        start,
                        delay,
                        offsets: (0..doses).map(|k| f64::from(k) * every).collect(),
                        cycle,
                    });
                }
                config.therapy = therapy;
                scenario
            },
        )
}

/// Reseeding ([`crate::reseeding::Reseeding`]) added to a scenario of
/// `scenarios`: a joining probability of 1 or in [0, 1) (even odds), into
/// the primary and into metastases each at even odds.
pub fn with_reseeding(
    scenarios: impl Strategy<Value = Scenario>,
) -> impl Strategy<Value = Scenario> {
    (
        scenarios,
        prop_oneof![Just(1.0), 0.0..1.0f64],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(mut scenario, joining_probability, into_primary, into_metastases)| {
                scenario.config.reseeding = Some(crate::reseeding::Reseeding {
                    joining_probability,
                    into_primary,
                    into_metastases,
                });
                scenario
            },
        )
}

/// An angiogenic switch ([`crate::angiogenesis::AngiogenicSwitch`]) added,
/// at even odds, to a scenario of `scenarios`: an avascular limit of 1 to
/// 29 cells, a switch rate in [0, 3) per colony per day, a multiplier in
/// [0, 4) for one of the first four organs, and 1/2 for the first clone.
pub fn with_angiogenic_switch(
    scenarios: impl Strategy<Value = Scenario>,
) -> impl Strategy<Value = Scenario> {
    (
        scenarios,
        any::<bool>(),
        1u64..30,
        0.0..3.0f64,
        0u16..4,
        0.0..4.0f64,
    )
        .prop_map(
            |(mut scenario, on, avascular_limit, switch_rate, organ, multiplier)| {
                if on {
                    scenario.config.angiogenic_switch =
                        Some(crate::angiogenesis::AngiogenicSwitch {
                            avascular_limit,
                            switch_rate,
                            in_organs: vec![(crate::organs::OrganId(organ), multiplier)],
                            in_clones: vec![(CloneId(0), 0.5)],
                        });
                }
                scenario
            },
        )
}
