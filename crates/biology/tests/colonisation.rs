//! Colonisation apart from growth (`docs/colonisation.md`): the organ's and
//! the clone's solitary division multipliers act on a solitary cell's first
//! division only, in both pool modes and with stepped growth, and the
//! share of solitary cells that found a colony is the competing-risks
//! probability of its first division.

use cascade_biology::clones::{GrowthRates, Phenotype};
use cascade_biology::config::{
    CascadeConfig, ConstantRates, FoundingClone, GrowthLaw, GrowthSteps, Injection, PoolMode,
    default_phenotype,
};
use cascade_biology::organs::{OrganSet, OrganSpec};
use cascade_biology::{CloneId, NoExtension, simulation};
use cascade_kernel::{RunLimits, Seed, Time};

/// The rates of the assay, per cell per day: the clone's birth rate in
/// metastases `b`, the lung's growth multiplier `g` (colonies there grow at
/// `b·g = 0.01`, below their death rate: they stay small), the solitary
/// cells' death in the lung's parenchyma `s`, the clone's death rate `d`
/// and the lung's dormancy entry `e`.
const B: f64 = 1.0;
const G: f64 = 0.01;
const S: f64 = 0.5;
const D: f64 = 0.25;
const E: f64 = 0.25;

/// How the assay's cells are followed.
#[derive(Copy, Clone, Debug)]
enum Mode {
    PerCell,
    Cohorts,
    Stepped,
}

/// `cells` cells into the tail vein, every one arrested in the lung and
/// extravasated (no death before), the lung's solitary division multiplier
/// `organ` and the clone's `clone`. Each solitary cell divides at
/// `b·g·organ·clone`, dies at `s + d` or becomes dormant at `e` (and,
/// dormant, never leaves dormancy): it founds a colony with probability
/// `r / (r + s + d + e)`, `r = b·g·organ·clone`. Returns the colonies
/// founded, the cells extravasated, and that probability, at day 60 (every
/// solitary cell resolved: its fates' total rate is at least 1 per day, and
/// a dormant cell dies at 1 per day). Cohort mode books a doomed cell's
/// death in dormancy without its entry, so the balance is checked with the
/// deaths of dormant cells.
fn assay(cells: u64, organ: f64, clone: f64, mode: Mode, seed: u64) -> (u64, u64, f64) {
    let (mut specs, veins) = OrganSet::mouse_specs();
    for spec in &mut specs {
        edit_organ(spec, organ);
    }
    let organs = OrganSet::new(specs, veins).expect("valid organs");
    let entry = organs.vein("tail_vein").unwrap().clone();
    let mut phenotype = default_phenotype(&organs);
    edit_clone(&mut phenotype, clone);
    let clones = vec![FoundingClone {
        name: "test".into(),
        phenotype,
    }];
    let mut config = CascadeConfig::new(organs, clones);
    config.metastasis_growth_law = GrowthLaw::Exponential;
    config.injections.push(Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), cells)],
        clump_size: None,
    });
    match mode {
        Mode::PerCell => {}
        Mode::Cohorts => config.pool_mode = PoolMode::Cohorts,
        Mode::Stepped => {
            config.growth_steps = Some(GrowthSteps {
                step: 0.5,
                threshold: 4,
                constant_rates: ConstantRates::default(),
            });
        }
    }
    let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
    sim.run(RunLimits::until(Time::new(60.0).unwrap()), &mut ())
        .unwrap();
    let (model, mut ctx) = sim.model_and_context();
    model.settle(&mut ctx).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    let total = state.funnel().total();
    let rate = B * G * organ * clone;
    let p = rate / (rate + S + D + E);
    assert_eq!(
        total.micrometastases + total.died_in_parenchyma + total.died_dormant,
        total.extravasated,
        "{mode:?}: every solitary cell founded a colony or died, solitary or dormant"
    );
    (total.micrometastases, total.extravasated, p)
}

fn edit_organ(spec: &mut OrganSpec, organ: f64) {
    spec.arrest_probability = 1.0;
    spec.arrested_death_rate = 0.0;
    spec.extravasation_rate = 50.0;
    spec.solitary_death_rate = S;
    spec.dormancy_entry_rate = E;
    spec.dormancy_exit_rate = 0.0;
    spec.dormant_death_rate = 1.0;
    if spec.name == "lung" {
        spec.growth_multiplier = G;
        spec.solitary_division_multiplier = organ;
    }
}

fn edit_clone(phenotype: &mut Phenotype, clone: f64) {
    phenotype.circulation_death_rate = 0.0;
    phenotype.shedding_rate = 0.0;
    phenotype.in_metastases = GrowthRates {
        birth_rate: B,
        death_rate: D,
        mutation_probability: 0.0,
    };
    phenotype.solitary_division_multiplier = clone;
}

/// The share of colonies founded must be within 4 binomial standard
/// errors of the competing-risks probability `r / (r + s + d + e)`
/// (fixed seeds).
fn assert_share(cells: u64, organ: f64, clone: f64, mode: Mode, seed: u64) {
    let (founded, extravasated, p) = assay(cells, organ, clone, mode, seed);
    assert_eq!(extravasated, cells, "{mode:?}: every cell extravasated");
    let share = founded as f64 / cells as f64;
    let se = (p * (1.0 - p) / cells as f64).sqrt();
    assert!(
        (share - p).abs() < 4.0 * se,
        "{mode:?}, organ ×{organ}, clone ×{clone}: founded {share}, expected {p} ± {se}"
    );
}

/// The organ's multiplier at two values (r = 0.25 and 2 per day: p = 0.2
/// and 2/3), with the clone's at 1, one cell at a time.
#[test]
fn the_organs_colonisation_sets_the_share_of_solitary_cells_that_found_a_colony() {
    assert_share(4_000, 25.0, 1.0, Mode::PerCell, 11);
    assert_share(4_000, 200.0, 1.0, Mode::PerCell, 12);
}

/// The clone's multiplier at the same two values, with the organ's at 1.
#[test]
fn the_clones_colonisation_sets_the_share_of_solitary_cells_that_found_a_colony() {
    assert_share(4_000, 1.0, 25.0, Mode::PerCell, 13);
    assert_share(4_000, 1.0, 200.0, Mode::PerCell, 14);
}

/// The two multiply: organ ×10 and clone ×5 is a first division at
/// `b·g·50` (p = 1/3).
#[test]
fn the_organs_and_the_clones_colonisation_multiply() {
    assert_share(4_000, 10.0, 5.0, Mode::PerCell, 15);
}

/// Cohort mode follows the same law (the cells that found a colony are
/// drawn by their chain's probability of founding, built from the same
/// hazards), and so does a run with stepped growth (solitary cells are
/// never stepped).
#[test]
fn cohorts_and_stepped_growth_keep_the_competing_risks_share() {
    for (mode, seed) in [(Mode::Cohorts, 21), (Mode::Stepped, 23)] {
        assert_share(4_000, 1.0, 25.0, mode, seed);
        assert_share(4_000, 200.0, 1.0, mode, seed + 1);
    }
}

/// A multiplier of 0 stops every first division, the organ's or the
/// clone's.
#[test]
fn no_solitary_cell_divides_at_a_colonisation_of_zero() {
    for (organ, clone) in [(0.0, 1.0), (1.0, 0.0)] {
        let (founded, extravasated, _) = assay(500, organ, clone, Mode::PerCell, 31);
        assert_eq!(extravasated, 500);
        assert_eq!(founded, 0, "organ ×{organ}, clone ×{clone}");
    }
}
