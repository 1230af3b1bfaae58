//! Micrometastatic dormancy and the angiogenic switch
//! (`cascade_biology::angiogenesis`) against theory.

use cascade_biology::angiogenesis::AngiogenicSwitch;
use cascade_biology::clones::{GrowthRates, Phenotype};
use cascade_biology::config::{
    CascadeConfig, FoundingClone, GrowthLaw, GrowthSteps, Injection, default_phenotype,
};
use cascade_biology::model::SiteKind;
use cascade_biology::organs::OrganSet;
use cascade_biology::{CascadeState, CloneId, NoExtension, simulation};
use cascade_kernel::{Seed, Time};

/// Mouse organs where every injected cell is arrested in the first bed
/// and extravasates within minutes, and no cell dies outside a site.
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

/// One clone with metastases' birth rate `birth`, no death (outside the
/// avascular phase), no shedding and no mutation.
fn config(birth: f64, switch: AngiogenicSwitch, cells: u64, clump: Option<u64>) -> CascadeConfig {
    let organs = trapping_organs();
    let entry = organs.vein("tail_vein").unwrap().clone();
    let mut phenotype: Phenotype = default_phenotype(&organs);
    phenotype.circulation_death_rate = 0.0;
    phenotype.shedding_rate = 0.0;
    phenotype.in_metastases = GrowthRates {
        birth_rate: birth,
        death_rate: 0.0,
        mutation_probability: 0.0,
    };
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
        clump_size: clump,
    });
    config.angiogenic_switch = Some(switch);
    config
}

fn run(config: CascadeConfig, seed: u64, day: f64) -> CascadeState {
    let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
    sim.run_until(Time::new(day).unwrap()).unwrap();
    sim.model().state().clone()
}

/// Observed count against the sum of independent Bernoulli probabilities:
/// within 4 standard errors (fixed seeds; a correct model fails with
/// probability about 6·10⁻⁵).
fn assert_within_four_standard_errors(observed: usize, probabilities: &[f64], what: &str) {
    let expected: f64 = probabilities.iter().sum();
    let variance: f64 = probabilities.iter().map(|p| p * (1.0 - p)).sum();
    let se = variance.sqrt();
    assert!(
        probabilities.len() > 500 && (observed as f64 - expected).abs() < 4.0 * se,
        "{what}: {observed} of {}, expected {expected:.1} ± {se:.1}",
        probabilities.len()
    );
}

/// Before the switch, apoptosis balances proliferation: a colony founded
/// by a solitary cell's division (2 cells) is a critical birth–death
/// process with both rates b, extinct by age a with probability
/// (ba / (1 + ba))² (Kendall 1948). With no switch (rate 0) and a limit
/// far above, the colonies extinct at day 4 must be within 4 standard
/// errors of the sum of that probability over the colonies at their ages
/// (founding days are drawn before, and independently of, each colony's
/// own course).
#[test]
fn avascular_colonies_go_extinct_as_a_critical_birth_death_process() {
    let b = 1.0;
    let switch = AngiogenicSwitch {
        avascular_limit: 1_000_000_000,
        switch_rate: 0.0,
        in_organs: Vec::new(),
        in_clones: Vec::new(),
    };
    let day = 4.0;
    let state = run(config(b, switch, 1500, None), 11, day);
    let colonies: Vec<_> = (state.sites().iter())
        .filter(|s| s.kind == SiteKind::Metastasis)
        .collect();
    let probabilities: Vec<f64> = (colonies.iter())
        .map(|s| {
            let x = b * (day - s.founded_at.days());
            let p = x / (1.0 + x);
            p * p
        })
        .collect();
    let extinct = colonies.iter().filter(|s| s.extinct_at.is_some()).count();
    assert_within_four_standard_errors(extinct, &probabilities, "extinct colonies");
    assert!(colonies.iter().all(|s| s.vascularised_at.is_none()));
}

/// Colonies founded by clumps of 2 cells that neither divide nor die
/// (birth 0, so apoptosis balances nothing) are vascularised at the rate
/// per colony times the organ's multiplier: by age a with probability
/// 1 − e^(−r·a). Every injected clump stops in the lung (the tail vein's
/// first bed), whose multiplier is 4, so r = 0.25 × 4 = 1.
#[test]
fn colonies_are_vascularised_at_their_organs_rate() {
    let organs = trapping_organs();
    let lung = organs.id("lung").unwrap();
    let switch = AngiogenicSwitch {
        avascular_limit: 10,
        switch_rate: 0.25,
        in_organs: vec![(lung, 4.0)],
        in_clones: Vec::new(),
    };
    let (day, r) = (1.0, 1.0);
    let state = run(config(0.0, switch, 3000, Some(2)), 12, day);
    let colonies: Vec<_> = (state.sites().iter())
        .filter(|s| s.kind == SiteKind::Metastasis)
        .collect();
    assert!(colonies.iter().all(|s| s.organ == lung && s.size == 2));
    let probabilities: Vec<f64> = (colonies.iter())
        .map(|s| 1.0 - libm::exp(-r * (day - s.founded_at.days())))
        .collect();
    let switched = (colonies.iter())
        .filter(|s| s.vascularised_at.is_some_and(|t| t >= s.founded_at))
        .count();
    assert_within_four_standard_errors(switched, &probabilities, "vascularised colonies");
}

/// An avascular colony never holds more than the avascular limit (or its
/// founding cells, were they more), and once vascularised it grows past
/// it: with birth 2 and a limit of 20 cells, the colonies still avascular
/// at day 6 are all at most 20 cells, and some vascularised ones exceed it.
#[test]
fn an_avascular_colony_stays_at_or_below_its_limit() {
    let switch = AngiogenicSwitch {
        avascular_limit: 20,
        switch_rate: 0.2,
        in_organs: Vec::new(),
        in_clones: Vec::new(),
    };
    let state = run(config(2.0, switch, 300, None), 13, 6.0);
    let colonies = (state.sites().iter()).filter(|s| s.kind == SiteKind::Metastasis);
    let (avascular, vascular): (Vec<_>, Vec<_>) =
        colonies.partition(|s| s.vascularised_at.is_none());
    assert!(
        avascular.iter().all(|s| s.peak_size <= 20),
        "an avascular colony grew past 20"
    );
    assert!(
        vascular.iter().any(|s| s.peak_size > 20),
        "no vascularised colony grew past 20"
    );
}

/// Without the switch nothing changes (the golden digests check the
/// shipped scenarios); with it, stepped growth is refused at the switch's
/// field, and so are invalid values.
#[test]
fn the_switch_is_refused_with_stepped_growth_and_invalid_values() {
    let switch = AngiogenicSwitch {
        avascular_limit: 20,
        switch_rate: 0.2,
        in_organs: Vec::new(),
        in_clones: Vec::new(),
    };
    let mut stepped = config(1.0, switch.clone(), 10, None);
    assert!(stepped.validate().is_ok());
    stepped.growth_steps = Some(GrowthSteps {
        step: 0.01,
        threshold: 100,
        constant_rates: Default::default(),
    });
    assert_eq!(stepped.validate().unwrap_err().path, "angiogenic_switch");
    let mut bad = config(1.0, switch.clone(), 10, None);
    bad.angiogenic_switch.as_mut().unwrap().switch_rate = -1.0;
    assert_eq!(
        bad.validate().unwrap_err().path,
        "angiogenic_switch.switch_rate"
    );
    let mut bad = config(1.0, switch, 10, None);
    bad.angiogenic_switch.as_mut().unwrap().in_clones = vec![(CloneId(3), 1.0)];
    assert_eq!(
        bad.validate().unwrap_err().path,
        "angiogenic_switch.in_clones[0].0"
    );
}
