//! Known answers for what clusters do differently (`clumps` of the
//! configuration, `docs/tumour-cell-clusters.md`): arrest by size,
//! dissociation, clumps of one clone and lesions founded by one cell.
//! Each share is checked against its formula within 4 binomial standard
//! errors (a correct model fails with probability about 6·10⁻⁵; the seeds
//! are fixed, so a test passes or fails for good).

use cascade_biology::clones::{GrowthRates, Phenotype};
use cascade_biology::config::{
    CascadeConfig, ClumpFormation, ClumpFounding, FoundingClone, Injection, OtherCells, PoolMode,
    default_phenotype,
};
use cascade_biology::model::{ClumpId, Compartment};
use cascade_biology::organs::{OrganSet, OrganSpec};
use cascade_biology::{CascadeEvent, CloneId, NoExtension, simulation};
use cascade_kernel::{Observer, RunLimits, Seed, Time};
use std::collections::BTreeMap;

fn mouse_with(edit: impl Fn(&mut OrganSpec)) -> OrganSet {
    let (mut organs, veins) = OrganSet::mouse_specs();
    organs.iter_mut().for_each(edit);
    OrganSet::new(organs, veins).expect("valid edited mouse organs")
}

/// Clones A and B, each edited by `edit`.
fn two_clones(organs: &OrganSet, edit: impl Fn(&mut Phenotype)) -> Vec<FoundingClone> {
    ["A", "B"]
        .iter()
        .map(|name| {
            let mut phenotype = default_phenotype(organs);
            edit(&mut phenotype);
            FoundingClone {
                name: (*name).into(),
                phenotype,
            }
        })
        .collect()
}

/// Cells that never die in circulation, never shed, and neither divide
/// nor die in a colony.
fn inert(p: &mut Phenotype) {
    p.circulation_death_rate = 0.0;
    p.shedding_rate = 0.0;
    p.in_metastases = GrowthRates {
        birth_rate: 0.0,
        death_rate: 0.0,
        mutation_probability: 0.0,
    };
}

/// `cells` into the tail vein at day 0, in clumps of `k`.
fn clumps_of(organs: &OrganSet, cells: Vec<(CloneId, u64)>, k: u64) -> Injection {
    Injection {
        day: 0.0,
        entry: organs.vein("tail_vein").unwrap().clone(),
        cells,
        clump_size: Some(k),
    }
}

fn assert_within_4_sigma(what: &str, successes: u64, trials: u64, p: f64) {
    let share = successes as f64 / trials as f64;
    let se = (p * (1.0 - p) / trials as f64).sqrt();
    assert!(
        (share - p).abs() < 4.0 * se,
        "{what}: {successes} of {trials} = {share}, expected {p} ± {se}"
    );
}

/// Whether each clump was arrested (`true`) or passed at the first bed
/// it reached, read from the events.
#[derive(Default)]
struct FirstBed(BTreeMap<ClumpId, bool>);

impl<U> Observer<CascadeEvent<U>> for FirstBed {
    fn observe(&mut self, _: Time, event: &CascadeEvent<U>) {
        match *event {
            CascadeEvent::ClumpArrested { clump, .. } => {
                self.0.entry(clump).or_insert(true);
            }
            CascadeEvent::ClumpPassedCapillaryBed { clump, .. } => {
                self.0.entry(clump).or_insert(false);
            }
            _ => {}
        }
    }
}

/// Arrest by size: a clump of `k` cells of one clone reaching a bed with
/// a single cell's arrest probability `p` is held with probability
/// `1 − (1 − p)^k · (1 − s)^(k − 1)`. Every bed at `p = 0.2`, no death in
/// the blood; 3,000 clumps for each `k` in {2, 4} at `s = 0.3`, and at
/// `s = 0` (the model before the field: `1 − (1 − p)^k`). The share held
/// at the first bed (the lung) within 4 binomial standard errors, in both
/// pool modes.
#[test]
fn clumps_are_held_by_size_as_the_formula_says() {
    let p = 0.2;
    for (k, s, seed) in [(2u64, 0.3, 11u64), (4, 0.3, 12), (4, 0.0, 13)] {
        for pool_mode in [PoolMode::PerCell, PoolMode::Cohorts] {
            let organs = mouse_with(|o| o.arrest_probability = p);
            let mut config = CascadeConfig::new(organs.clone(), two_clones(&organs, inert));
            config.pool_mode = pool_mode;
            config.clumps.size_arrest_probability = s;
            let n = 3_000;
            config
                .injections
                .push(clumps_of(&organs, vec![(CloneId(0), n * k)], k));
            config.validate().unwrap();
            let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
            let mut first = FirstBed::default();
            sim.run(RunLimits::until(Time::new(1.0).unwrap()), &mut first)
                .unwrap();
            sim.model().state().check_conservation().unwrap();
            assert_eq!(first.0.len() as u64, n, "every clump reached its first bed");
            let held = first.0.values().filter(|&&held| held).count() as u64;
            let expected = 1.0 - libm::pow(1.0 - p, k as f64) * libm::pow(1.0 - s, (k - 1) as f64);
            assert_within_4_sigma(
                &format!("clumps of {k} held at s = {s} ({pool_mode:?})"),
                held,
                n,
                expected,
            );
        }
    }
}

/// Dissociation in the blood at rate `δ`: with arrival at a bed at rate
/// `a = 1 / transit time` competing (and a certain, deathless arrest
/// after it), a clump has broken up by day `t` with probability
/// `δ / (δ + a) · (1 − e^(−(δ + a)·t))`. 4,000 clumps of 2 at `δ = 0.7`,
/// transit time 4 days, `t = 1`; the share of clumps dissolved within 4
/// binomial standard errors; the broken clumps' cells are single cells in
/// transit; in both pool modes.
#[test]
fn clumps_dissociate_in_the_blood_as_competing_clocks_say() {
    let (delta, transit, t) = (0.7, 4.0, 1.0);
    for (pool_mode, seed) in [(PoolMode::PerCell, 21u64), (PoolMode::Cohorts, 22)] {
        let organs = mouse_with(|o| {
            o.arrest_probability = 1.0;
            o.arrested_death_rate = 0.0;
            o.extravasation_rate = 0.0;
        });
        let mut config = CascadeConfig::new(organs.clone(), two_clones(&organs, inert));
        config.pool_mode = pool_mode;
        config.transit_time = transit;
        config.clumps.dissociation_rate = delta;
        let n = 4_000;
        config
            .injections
            .push(clumps_of(&organs, vec![(CloneId(0), 2 * n)], 2));
        config.validate().unwrap();
        let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
        sim.run_until(Time::new(t).unwrap()).unwrap();
        let state = sim.model().state();
        state.check_conservation().unwrap();
        let funnel = state.funnel().total();
        let a = 1.0 / transit;
        let expected = delta / (delta + a) * (1.0 - libm::exp(-(delta + a) * t));
        assert_within_4_sigma(
            &format!("clumps dissociated by day {t} ({pool_mode:?})"),
            funnel.clumps_dissolved,
            n,
            expected,
        );
        if pool_mode == PoolMode::PerCell {
            // Their cells: single, in transit, or arrested after it.
            let single: u64 = (state.pools())
                .filter(|(key, _)| {
                    matches!(
                        key.compartment,
                        Compartment::InTransit | Compartment::Arrested
                    )
                })
                .map(|(_, n)| n)
                .sum();
            assert_eq!(single, 2 * funnel.clumps_dissolved);
        }
    }
}

/// Dissociation at arrest: every clump held in a bed breaks into single
/// arrested cells at once, so no clump founds a lesion and every clump
/// arrested is one dissolved.
#[test]
fn clumps_that_dissociate_at_arrest_go_on_as_single_arrested_cells() {
    let organs = mouse_with(|o| o.arrest_probability = 1.0);
    let mut config = CascadeConfig::new(organs.clone(), two_clones(&organs, inert));
    config.clumps.dissociates_at_arrest = true;
    config.injections.push(clumps_of(
        &organs,
        vec![(CloneId(0), 300), (CloneId(1), 300)],
        3,
    ));
    let mut sim = simulation(config, NoExtension, Seed::new(31)).unwrap();
    sim.run_until(Time::new(5.0).unwrap()).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    let funnel = state.funnel().total();
    assert_eq!(funnel.clumps_injected, 200);
    assert_eq!(funnel.clumps_arrested, 200);
    assert_eq!(funnel.clumps_dissolved, 200);
    assert_eq!(funnel.clump_metastases, 0);
    assert_eq!(state.clumps().count(), 0);
}

/// Homotypic aggregation (`formation: OneClone`): 1,001 cells of A and
/// 999 of B in clumps of 4 give 250 clumps of A, 249 of B, each of one
/// clone, and 1 + 3 single cells.
#[test]
fn clumps_of_one_clone_hold_one_clone_each() {
    let organs = mouse_with(|o| {
        o.arrest_probability = 1.0;
        o.arrested_death_rate = 0.0;
        o.extravasation_rate = 0.0;
    });
    let mut config = CascadeConfig::new(organs.clone(), two_clones(&organs, inert));
    config.clumps.formation = ClumpFormation::OneClone;
    config.injections.push(clumps_of(
        &organs,
        vec![(CloneId(0), 1001), (CloneId(1), 999)],
        4,
    ));
    let mut sim = simulation(config, NoExtension, Seed::new(41)).unwrap();
    sim.run_until(Time::new(1.0).unwrap()).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    let of = |clone: CloneId| {
        (state.clumps())
            .filter(|c| c.cells == vec![(clone, 4)])
            .count()
    };
    assert_eq!((of(CloneId(0)), of(CloneId(1))), (250, 249));
    assert_eq!(state.clumps().count(), 499, "no clump is mixed");
    let single: u64 = state.pools().map(|(_, n)| n).sum();
    assert_eq!(single, 4);
}

/// One cell founds (`founding: OneCell`): every lesion from a mixed clump
/// has one founding cell of one clone, and stays of one clone as it
/// grows (no mutation). The founder is drawn uniformly among the clump's
/// cells, so with A and B mixed 1:1 the share of lesions founded by A is
/// 1/2 (within 4 binomial standard errors). The clump's other cells die
/// (`others: Die`: died in the parenchyma, `k − 1` a clump) or become
/// dormant (`others: Dormant`: `k − 1` dormant cells a clump). In both
/// pool modes.
#[test]
fn lesions_founded_by_one_cell_of_a_mixed_clump_are_of_one_clone() {
    let k = 4;
    for (others, pool_mode, seed) in [
        (OtherCells::Die, PoolMode::PerCell, 51u64),
        (OtherCells::Dormant, PoolMode::PerCell, 52),
        (OtherCells::Die, PoolMode::Cohorts, 53),
    ] {
        let organs = mouse_with(|o| {
            o.arrest_probability = 1.0;
            o.arrested_death_rate = 0.0;
            o.extravasation_rate = 5.0;
            o.solitary_death_rate = 0.0;
            o.dormancy_exit_rate = 0.0;
            o.dormant_death_rate = 0.0;
        });
        let clones = two_clones(&organs, |p| {
            inert(p);
            p.in_metastases = GrowthRates {
                birth_rate: 1.0,
                death_rate: 0.0,
                mutation_probability: 0.0,
            };
        });
        let mut config = CascadeConfig::new(organs.clone(), clones);
        config.pool_mode = pool_mode;
        config.clumps.founding = ClumpFounding::OneCell { others };
        let half = 1_000;
        config.injections.push(clumps_of(
            &organs,
            vec![(CloneId(0), half), (CloneId(1), half)],
            k,
        ));
        config.validate().unwrap();
        let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
        sim.run_until(Time::new(4.0).unwrap()).unwrap();
        let state = sim.model().state();
        state.check_conservation().unwrap();
        let lesions: Vec<_> = state.metastases().collect();
        let clumps = 2 * half / k;
        assert_eq!(
            lesions.len() as u64,
            clumps,
            "{others:?}: every clump founded one"
        );
        for lesion in &lesions {
            assert_eq!((lesion.founding_cells, lesion.founding_clones), (1, 1));
            assert_eq!(lesion.cells.len(), 1, "one clone as it grows");
        }
        // A lesion born by day 0.2 or so has divided by day 4 with
        // probability about 1 − e^(−3.8) = 98%: most have grown.
        let grown = lesions.iter().filter(|l| l.size > 1).count() as u64;
        assert!(grown > clumps * 9 / 10, "{grown} of {clumps} grew");
        let by_a = lesions.iter().filter(|l| l.founder == CloneId(0)).count() as u64;
        assert_within_4_sigma(&format!("founded by A ({others:?})"), by_a, clumps, 0.5);
        let funnel = state.funnel().total();
        let dormant: u64 = (state.pools())
            .filter(|(key, _)| key.compartment == Compartment::Dormant)
            .map(|(_, n)| n)
            .sum();
        match others {
            OtherCells::Die => {
                assert_eq!(funnel.died_in_parenchyma, clumps * (k - 1));
                assert_eq!(dormant, 0);
            }
            OtherCells::Dormant => {
                assert_eq!(funnel.entered_dormancy, clumps * (k - 1));
                assert_eq!(dormant, clumps * (k - 1));
            }
        }
    }
}

/// `validate` refuses each new number outside its range, at its field.
#[test]
fn clump_fields_out_of_range_are_refused_at_their_field() {
    let organs = mouse_with(|_| {});
    let clones = two_clones(&organs, |_| {});
    let cases: [(&str, f64, bool); 10] = [
        ("clumps.size_arrest_probability", 0.0, true),
        ("clumps.size_arrest_probability", 1.0, true),
        ("clumps.size_arrest_probability", -0.1, false),
        ("clumps.size_arrest_probability", 1.5, false),
        ("clumps.size_arrest_probability", f64::NAN, false),
        ("clumps.dissociation_rate", 0.0, true),
        ("clumps.dissociation_rate", 1e6, true),
        ("clumps.dissociation_rate", -1.0, false),
        ("clumps.dissociation_rate", 2e6, false),
        ("clumps.dissociation_rate", f64::INFINITY, false),
    ];
    for (field, value, valid) in cases {
        let mut config = CascadeConfig::new(organs.clone(), clones.clone());
        if field.ends_with("size_arrest_probability") {
            config.clumps.size_arrest_probability = value;
        } else {
            config.clumps.dissociation_rate = value;
        }
        match config.validate() {
            Ok(()) => assert!(valid, "{field} = {value} accepted"),
            Err(e) => {
                assert!(!valid, "{field} = {value} refused: {e}");
                assert_eq!(e.path, field);
            }
        }
    }
}
