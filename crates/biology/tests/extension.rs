//! Extensions that add fates, marks and multipliers: the balance of cells
//! holds with the extension's fate as one of its terms, over random
//! scenarios, and a model without an extension is the model as before.

use cascade_biology::config::{CascadeConfig, PoolMode};
use cascade_biology::kernel::{RunLimits, Seed, Time, TraceDigest};
use cascade_biology::model::{
    Arrival, Cell, Compartment, Declarations, Extension, ExtensionContext, FateId, Mark, NoEvent,
    Outcome, PoolFate,
};
use cascade_biology::strategies::{Scenario, clump_scenario_strategy, scenario_strategy};
use cascade_biology::{CascadeError, CloneId, simulation};
use proptest::prelude::*;

/// A fate of its own on one compartment, with a hazard that depends on
/// the clone and the organ (0 in every third organ), twice as high for
/// cells marked on arrival after day 1; it also multiplies one of the
/// model's fates of the compartment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Fated {
    compartment: Compartment,
    outcome: Outcome,
    rate: f64,
    multiplied: Option<(PoolFate, f64)>,
    /// Marks cells on arrival (not in cohort mode, which refuses marks).
    marks: bool,
}

const FATE: FateId = FateId(0);

impl Extension for Fated {
    type Event = NoEvent;

    fn declare(&self, declarations: &mut Declarations) {
        declarations.fate("met_the_test_fate", self.compartment, self.outcome);
        if self.marks {
            declarations.mark_arrivals();
        }
        if let Some((fate, _)) = self.multiplied {
            declarations.multiply(fate);
        }
    }

    fn hazard(&self, _: FateId, cell: &Cell<'_>) -> f64 {
        if cell.organ.index() % 3 == 2 {
            return 0.0;
        }
        let marked = if cell.mark == Mark(1) { 2.0 } else { 1.0 };
        self.rate * (1.0 + cell.clone.index() as f64) * marked
    }

    fn multiplier(&self, _: PoolFate, _: &Cell<'_>) -> f64 {
        self.multiplied.map_or(1.0, |(_, factor)| factor)
    }

    fn mark(&self, arrival: &Arrival<'_>) -> Mark {
        if arrival.day > 1.0 {
            Mark(1)
        } else {
            Mark::NONE
        }
    }

    fn handle(
        &self,
        event: NoEvent,
        _: &mut ExtensionContext<'_, '_, NoEvent>,
    ) -> Result<(), CascadeError> {
        match event {}
    }
}

const COMPARTMENTS: [Compartment; 4] = [
    Compartment::InTransit,
    Compartment::Arrested,
    Compartment::Solitary,
    Compartment::Dormant,
];

fn fated_strategy() -> impl Strategy<Value = Fated> {
    (
        0..4usize,
        0..5usize,
        0.0..20.0f64,
        proptest::option::of((0..10usize, 0.0..4.0f64)),
    )
        .prop_map(|(c, outcome, rate, multiplied)| {
            let compartment = COMPARTMENTS[c];
            // Died, or moved to any compartment (its own included).
            let outcome = match outcome {
                0 => Outcome::Died,
                k => Outcome::Moved(COMPARTMENTS[k - 1]),
            };
            let fates = [
                PoolFate::Arrested,
                PoolFate::Passed,
                PoolFate::DiedInCirculation,
                PoolFate::Extravasated,
                PoolFate::DiedInVessel,
                PoolFate::DiedInParenchyma,
                PoolFate::EnteredDormancy,
                PoolFate::Divided,
                PoolFate::LeftDormancy,
                PoolFate::DormantDied,
            ];
            Fated {
                compartment,
                outcome,
                rate,
                multiplied: multiplied.map(|(f, factor)| (fates[f], factor)),
                marks: true,
            }
        })
}

/// Runs `config` with `extension` to day 4, checking the balance of cells
/// every 100 events; the digest, and the cells that met the fate.
fn run_balanced(
    config: &CascadeConfig,
    extension: &Fated,
    seed: u64,
) -> Result<(TraceDigest, u64), TestCaseError> {
    let mut sim = simulation(config.clone(), extension.clone(), Seed::new(seed)).unwrap();
    let mut digest = TraceDigest::new();
    let horizon = Time::new(4.0).unwrap();
    for _ in 0..40 {
        let limits = RunLimits::until(horizon).with_max_events(100);
        let stop = sim.run(limits, &mut digest);
        let state = sim.model().state();
        if let Err(error) = stop {
            // Rates pushed past floating point by a random multiplier are
            // a named error, not a broken balance.
            prop_assert!(matches!(error, CascadeError::InvalidRate { .. }), "{error}");
            break;
        }
        state.check_conservation().map_err(TestCaseError::fail)?;
        if sim.now() >= horizon || sim.pending() == 0 {
            break;
        }
    }
    let state = sim.model().state();
    let met = state.fate_total(FATE);
    Ok((digest, met))
}

/// `scenario` with `pools` and `extension` (without marks in cohort
/// mode), run twice: the balance holds, and the two runs are the same.
fn balanced_twice(
    scenario: &Scenario,
    extension: &Fated,
    pools: PoolMode,
) -> Result<(), TestCaseError> {
    let mut config = scenario.config.clone();
    config.pool_mode = pools;
    let extension = &Fated {
        marks: pools == PoolMode::PerCell,
        ..extension.clone()
    };
    let first = run_balanced(&config, extension, scenario.seed)?;
    let second = run_balanced(&config, extension, scenario.seed)?;
    prop_assert_eq!(first, second);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Over random scenarios (every cascade step, mutants, clumps of
    /// none), an extension's fate on any compartment, with either outcome,
    /// marks and a multiplier, keeps the balance of cells (with the fate's
    /// deaths as a term), and the same seed gives the same digest.
    #[test]
    fn the_balance_holds_with_an_extension_fate(
        scenario in scenario_strategy(),
        extension in fated_strategy(),
    ) {
        balanced_twice(&scenario, &extension, PoolMode::PerCell)?;
    }

    /// The same in cohort mode (the fate a move or an absorbing state of
    /// the doomed cells' chain), without marks.
    #[test]
    fn the_balance_holds_with_an_extension_fate_in_cohort_mode(
        scenario in scenario_strategy(),
        extension in fated_strategy(),
    ) {
        balanced_twice(&scenario, &extension, PoolMode::Cohorts)?;
    }

    /// The same with clumps (an extension's fates that kill act on the
    /// cells of clumps too).
    #[test]
    fn the_balance_holds_with_an_extension_fate_and_clumps(
        scenario in clump_scenario_strategy(),
        extension in fated_strategy(),
    ) {
        balanced_twice(&scenario, &extension, PoolMode::PerCell)?;
    }
}

/// The mouse organs and one clone, B16, of the default phenotype.
fn b16() -> CascadeConfig {
    let organs = cascade_biology::organs::OrganSet::mouse();
    let phenotype = cascade_biology::config::default_phenotype(&organs);
    let clone = cascade_biology::config::FoundingClone {
        name: "B16".into(),
        phenotype,
    };
    CascadeConfig::new(organs, vec![clone])
}

/// A fate that kills is a term of the balance: without it the cells do
/// not add up, by exactly the fate's count.
#[test]
fn an_extension_fate_is_a_term_of_the_balance() {
    let mut config = b16();
    let entry = config.organs.vein("tail_vein").unwrap().clone();
    config.transit_time = 0.01;
    config.injections.push(cascade_biology::config::Injection {
        day: 0.0,
        entry,
        cells: vec![(CloneId(0), 2000)],
        clump_size: None,
    });
    let extension = Fated {
        compartment: Compartment::InTransit,
        outcome: Outcome::Died,
        rate: 50.0,
        multiplied: None,
        marks: true,
    };
    let mut sim = simulation(config, extension, Seed::new(3)).unwrap();
    sim.run_until(Time::new(1.0).unwrap()).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    let met = state.fate_total(FATE);
    assert!(met > 100, "{met}");
    let ledger = state.ledger(CloneId(0));
    let alive = state.alive(CloneId(0));
    let without_the_fate = alive + ledger.died + ledger.killed + ledger.removed;
    assert_eq!(ledger.seeded + ledger.born, without_the_fate + met);
    // Its kills are apart from the model's deaths in circulation.
    let funnel = state.funnel().total();
    assert!(funnel.died_in_circulation < met, "{funnel:?}");
}

/// Cohort mode refuses an extension that marks cells on arrival, naming
/// the field.
#[test]
fn cohort_mode_refuses_an_extension_that_marks() {
    let mut config = b16();
    config.pool_mode = PoolMode::Cohorts;
    let extension = Fated {
        compartment: Compartment::InTransit,
        outcome: Outcome::Died,
        rate: 1.0,
        multiplied: None,
        marks: true,
    };
    let Err(cascade_biology::SetupError::Config(error)) =
        simulation(config, extension, Seed::new(1))
    else {
        panic!("cohort mode accepted an extension that marks");
    };
    assert_eq!(error.path, "pools");
    assert!(error.expected.contains("PerCell"), "{error}");
}

/// A subscription to an event kind that does not exist is refused, with
/// the kind meant.
#[test]
fn a_misspelt_subscription_is_refused_with_a_suggestion() {
    #[derive(Clone, Debug)]
    struct Listener;
    impl Extension for Listener {
        type Event = NoEvent;
        fn declare(&self, declarations: &mut Declarations) {
            declarations.subscribe("CellArested");
        }
        fn handle(
            &self,
            event: NoEvent,
            _: &mut ExtensionContext<'_, '_, NoEvent>,
        ) -> Result<(), CascadeError> {
            match event {}
        }
    }
    let config = b16();
    let Err(cascade_biology::SetupError::Config(error)) =
        simulation(config, Listener, Seed::new(1))
    else {
        panic!("a misspelt subscription was accepted");
    };
    assert_eq!(error.path, "extension.subscriptions");
    assert!(
        error.expected.contains("did you mean CellArrested?"),
        "{error}"
    );
}

/// A targeted drug: from the level's value on, clone 0's divisions in the
/// primary are multiplied by `factor` (a per-clone effect on growth).
#[derive(Clone, Debug)]
struct Targeted {
    factor: f64,
}

impl Extension for Targeted {
    type Event = NoEvent;

    fn declare(&self, declarations: &mut Declarations) {
        declarations.multiply_in_sites(cascade_biology::model::SiteFate::Divided);
    }

    fn site_multiplier(
        &self,
        _: cascade_biology::model::SiteFate,
        cell: &cascade_biology::model::SiteCell<'_>,
    ) -> f64 {
        if cell.clone == CloneId(0) {
            self.factor
        } else {
            1.0
        }
    }

    fn handle(
        &self,
        event: NoEvent,
        _: &mut ExtensionContext<'_, '_, NoEvent>,
    ) -> Result<(), CascadeError> {
        match event {}
    }
}

/// A primary of two clones of 100 cells (birth 1, death 0.5 per day,
/// exponential growth, no shedding), mouse organs.
fn two_clone_primary() -> CascadeConfig {
    let organs = cascade_biology::organs::OrganSet::mouse();
    let mut phenotype = cascade_biology::config::default_phenotype(&organs);
    phenotype.in_primary.birth_rate = 1.0;
    phenotype.in_primary.death_rate = 0.5;
    phenotype.in_primary.mutation_probability = 0.0;
    phenotype.shedding_rate = 0.0;
    let lung = organs.id("lung").unwrap();
    let clone = |name: &str| cascade_biology::config::FoundingClone {
        name: name.into(),
        phenotype: phenotype.clone(),
    };
    let mut config = CascadeConfig::new(organs, vec![clone("targeted"), clone("spared")]);
    config.primary = Some(cascade_biology::config::PrimaryTumour {
        organ: lung,
        cells: vec![(CloneId(0), 100), (CloneId(1), 100)],
        growth_law: cascade_biology::config::GrowthLaw::Exponential,
        carrying_capacity: 1e12,
    });
    config
}

/// The linear birth–death process: from n₀ cells with birth b and death
/// d, the mean at t is n₀ e^((b − d)t), and the variance n₀ (b + d)/(b −
/// d) e^((b − d)t)(e^((b − d)t) − 1), or n₀ 2bt where b = d. With the
/// targeted clone's births halved (b = 0.5 = d), its mean stays 100 while
/// the spared clone's grows to 100 e ≈ 272 by day 2; over 200 replicates
/// each mean is within 4.5 standard errors of theory.
#[test]
fn a_per_clone_multiplier_of_divisions_follows_the_birth_death_law() {
    let config = two_clone_primary();
    let (replicates, t) = (200u64, 2.0);
    let mut sums = [0.0f64; 2];
    for r in 0..replicates {
        let seed = Seed::new(41).with_replicate(r);
        let mut sim = simulation(config.clone(), Targeted { factor: 0.5 }, seed).unwrap();
        sim.run_until(Time::new(t).unwrap()).unwrap();
        let state = sim.model().state();
        state.check_conservation().unwrap();
        for (c, sum) in sums.iter_mut().enumerate() {
            *sum += state.alive(CloneId(c as u32)) as f64;
        }
    }
    let n0 = 100.0;
    for (c, (b, d)) in [(0.5f64, 0.5f64), (1.0, 0.5)].into_iter().enumerate() {
        let r = b - d;
        let (mean, variance) = if r == 0.0 {
            (n0, n0 * 2.0 * b * t)
        } else {
            let g = libm::exp(r * t);
            (n0 * g, n0 * (b + d) / r * g * (g - 1.0))
        };
        let observed = sums[c] / replicates as f64;
        let se = (variance / replicates as f64).sqrt();
        assert!(
            (observed - mean).abs() < 4.5 * se,
            "clone {c}: mean {observed:.1}, theory {mean:.1} ± {se:.2}"
        );
    }
}

/// Raises its level from 1 to `to` on day `day`; the level multiplies
/// every clone's divisions in every site.
#[derive(Clone, Debug)]
struct RaiseDivisions {
    day: f64,
    to: f64,
}

#[derive(Clone, Debug, PartialEq)]
struct Raised;

impl cascade_biology::kernel::TraceEvent for Raised {
    fn kind(&self) -> &str {
        "Raised"
    }
}

impl Extension for RaiseDivisions {
    type Event = Raised;

    fn declare(&self, declarations: &mut Declarations) {
        declarations.level("divisions", 1.0);
        declarations.multiply_in_sites(cascade_biology::model::SiteFate::Divided);
    }

    fn site_multiplier(
        &self,
        _: cascade_biology::model::SiteFate,
        cell: &cascade_biology::model::SiteCell<'_>,
    ) -> f64 {
        cell.level(cascade_biology::model::LevelId(0))
    }

    fn start(&self, context: &mut ExtensionContext<'_, '_, Raised>) -> Result<(), CascadeError> {
        context.schedule_at(Time::new(self.day)?, Raised)
    }

    fn handle(
        &self,
        _: Raised,
        context: &mut ExtensionContext<'_, '_, Raised>,
    ) -> Result<(), CascadeError> {
        context.set_level(cascade_biology::model::LevelId(0), self.to)
    }
}

/// A pure-birth primary of 10⁵ cells (birth 1 per day) in counted steps
/// of 0.25 day, observed just after the steps of days 1 and 1.25.
fn counted_primary() -> CascadeConfig {
    let mut config = two_clone_primary();
    let primary = config.primary.as_mut().unwrap();
    primary.cells = vec![(CloneId(0), 100_000)];
    config.clones.truncate(1);
    config.clones[0].phenotype.in_primary.death_rate = 0.0;
    config.growth_steps = Some(cascade_biology::config::GrowthSteps {
        step: 0.25,
        threshold: 2,
        constant_rates: cascade_biology::config::ConstantRates::Counted,
    });
    config.observation_days = vec![1.01, 1.26];
    config
}

/// A rate changed between two steps of a counted site applies from the
/// change on: the step up to the change is counted with the old rate. With
/// births raised from 1 to 10 per day at day 1.24, the mean growth of the
/// pure-birth process from day 1 to 1.25 is e^0.24 · e^(10 × 0.01) =
/// 1.405; with the new rate over the whole step it would be e^2.5 = 12.2.
/// Over 10⁵ cells the ratio's standard deviation is below 0.5%.
#[test]
fn a_rate_changed_within_a_counted_step_applies_from_the_change() {
    let extension = RaiseDivisions {
        day: 1.24,
        to: 10.0,
    };
    let mut sim = simulation(counted_primary(), extension, Seed::new(5)).unwrap();
    sim.run_until(Time::new(1.3).unwrap()).unwrap();
    let burden = sim.model().state().burden();
    let ratio = burden[1].primary_cells as f64 / burden[0].primary_cells as f64;
    assert!(
        (ratio - 1.405).abs() < 0.02,
        "growth from day 1 to 1.25: {ratio}"
    );
}

/// A site multiplier that makes a rate negative or NaN ends the run with
/// `InvalidRate` in every growth mode, not only with single events.
#[test]
fn an_invalid_site_multiplier_is_a_named_error_in_every_mode() {
    for constant_rates in [
        None,
        Some(cascade_biology::config::ConstantRates::Counted),
        Some(cascade_biology::config::ConstantRates::Exact),
    ] {
        for to in [-0.5, f64::NAN] {
            let mut config = counted_primary();
            config.growth_steps =
                constant_rates.map(|constant_rates| cascade_biology::config::GrowthSteps {
                    step: 0.25,
                    threshold: 2,
                    constant_rates,
                });
            if config.growth_steps.is_none() {
                config.primary.as_mut().unwrap().cells = vec![(CloneId(0), 100)];
            }
            let extension = RaiseDivisions { day: 0.5, to };
            let mut sim = simulation(config, extension, Seed::new(5)).unwrap();
            let error = sim.run_until(Time::new(1.3).unwrap()).unwrap_err();
            assert!(
                matches!(error, CascadeError::InvalidRate { .. }),
                "{constant_rates:?}, {to}: {error:?}"
            );
        }
    }
}

/// Asking for the count of a fate that was not declared gives 0.
#[test]
fn an_undeclared_fate_counts_nothing() {
    let sim = simulation(two_clone_primary(), Targeted { factor: 1.0 }, Seed::new(1)).unwrap();
    let state = sim.model().state();
    assert_eq!(state.fate_total(FateId(7)), 0);
    let lung = state.config().organs.id("lung").unwrap();
    assert_eq!(state.fate_count(FateId(7), CloneId(0), lung), 0);
}

/// A checkpoint of a run with an extension (a fate that moves cells, marks
/// on arrival, a multiplier), taken mid-run through serde and restored,
/// runs on to the digest and the settled state of the uninterrupted run:
/// the extension is attached again on the way back.
#[test]
fn a_checkpoint_with_an_extension_continues_the_same_trajectory() {
    let mut config = b16();
    let entry = config.organs.vein("tail_vein").unwrap().clone();
    config.transit_time = 0.01;
    for day in [0.0, 1.5] {
        config.injections.push(cascade_biology::config::Injection {
            day,
            entry: entry.clone(),
            cells: vec![(CloneId(0), 500)],
            clump_size: None,
        });
    }
    let extension = Fated {
        compartment: Compartment::Arrested,
        outcome: Outcome::Moved(Compartment::InTransit),
        rate: 3.0,
        multiplied: Some((PoolFate::Extravasated, 0.5)),
        marks: true,
    };
    let horizon = Time::new(3.0).unwrap();
    let mut whole = simulation(config.clone(), extension.clone(), Seed::new(9)).unwrap();
    let mut whole_digest = TraceDigest::new();
    whole
        .run(RunLimits::until(horizon), &mut whole_digest)
        .unwrap();
    let mut sim = simulation(config, extension, Seed::new(9)).unwrap();
    let mut digest = TraceDigest::new();
    sim.run(RunLimits::until(horizon).with_max_events(3000), &mut digest)
        .unwrap();
    let saved = serde_json::to_string(&(&sim, &digest)).unwrap();
    drop(sim);
    type Restored = (
        cascade_biology::kernel::Simulation<cascade_biology::Cascade<Fated>>,
        TraceDigest,
    );
    let (mut restored, mut digest): Restored = serde_json::from_str(&saved).unwrap();
    restored
        .run(RunLimits::until(horizon), &mut digest)
        .unwrap();
    assert_eq!(digest, whole_digest);
    assert!(whole_digest.events() > 3000, "{}", whole_digest.events());
    let state = |sim: &cascade_biology::kernel::Simulation<cascade_biology::Cascade<Fated>>| {
        serde_json::to_string(sim.model().state()).unwrap()
    };
    assert_eq!(state(&restored), state(&whole));
    assert!(restored.model().state().fate_total(FATE) > 0);
}

/// Multiplies the model's arrest of every cell by `factor`, and kills
/// arrested cells marked on arrival after day 1 at `rate`.
#[derive(Clone, Debug)]
struct ClumpRules {
    arrest_factor: f64,
    rate: f64,
}

impl Extension for ClumpRules {
    type Event = NoEvent;

    fn declare(&self, declarations: &mut Declarations) {
        declarations.fate("killed_late", Compartment::Arrested, Outcome::Died);
        declarations.multiply(PoolFate::Arrested);
        declarations.mark_arrivals();
    }

    fn hazard(&self, _: FateId, cell: &Cell<'_>) -> f64 {
        if cell.mark == Mark(1) { self.rate } else { 0.0 }
    }

    fn multiplier(&self, _: PoolFate, _: &Cell<'_>) -> f64 {
        self.arrest_factor
    }

    fn mark(&self, arrival: &Arrival<'_>) -> Mark {
        if arrival.day > 1.0 {
            Mark(1)
        } else {
            Mark::NONE
        }
    }

    fn handle(
        &self,
        event: NoEvent,
        _: &mut ExtensionContext<'_, '_, NoEvent>,
    ) -> Result<(), CascadeError> {
        match event {}
    }
}

/// B16 and a second clone, no death in circulation and no shedding (no
/// cell enters the blood but those injected), clumps of 2 of `clone`
/// injected into the tail vein on `day`s.
fn clumps_of_two(injections: &[(f64, CloneId)]) -> CascadeConfig {
    let mut config = b16();
    let mut second = config.clones[0].clone();
    second.name = "B16-late".into();
    config.clones.push(second);
    for clone in &mut config.clones {
        clone.phenotype.circulation_death_rate = 0.0;
        clone.phenotype.shedding_rate = 0.0;
    }
    config.transit_time = 0.001;
    let entry = config.organs.vein("tail_vein").unwrap().clone();
    for &(day, clone) in injections {
        config.injections.push(cascade_biology::config::Injection {
            day,
            entry: entry.clone(),
            cells: vec![(clone, 4000)],
            clump_size: Some(2),
        });
    }
    config
}

/// A multiplier `a` of `Arrested` changes a clump cell's chance of arrest
/// to a·p / (a·p + 1 − p): a clump of two arrests at a bed with
/// probability 1 − (1 − p′)², at every visit of every bed (no death in
/// circulation, so clumps stay whole). Checked at the lung within 4.5
/// standard errors, for a = 3 and a = 1.
#[test]
fn arrest_multipliers_act_on_the_cells_of_clumps_by_their_share_of_arrest() {
    let config = clumps_of_two(&[(0.0, CloneId(0))]);
    let lung = config.organs.id("lung").unwrap();
    let p = config.organs.organ(lung).arrest_probability
        * config.clones[0].phenotype.affinity(lung).arrest;
    for a in [3.0, 1.0] {
        let extension = ClumpRules {
            arrest_factor: a,
            rate: 0.0,
        };
        let (mut arrested, mut visits) = (0, 0);
        for replicate in 0..4 {
            let seed = Seed::new(5).with_replicate(replicate);
            let mut sim = simulation(config.clone(), extension.clone(), seed).unwrap();
            sim.run_until(Time::new(0.2).unwrap()).unwrap();
            let state = sim.model().state();
            state.check_conservation().unwrap();
            let funnel = state.funnel().organ(lung);
            arrested += funnel.clumps_arrested;
            visits += funnel.clumps_arrested + funnel.clumps_passed;
        }
        let share = a * p / (a * p + 1.0 - p);
        let expected = 1.0 - (1.0 - share) * (1.0 - share);
        let observed = arrested as f64 / visits as f64;
        let se = (expected * (1.0 - expected) / visits as f64).sqrt();
        assert!(
            (observed - expected).abs() <= 4.5 * se,
            "a = {a}: {arrested}/{visits} = {observed:.4}, expected {expected:.4} ± {se:.4}"
        );
    }
}

/// Clumps are marked per clone when they arrive: clumps injected on day 0
/// (all arrested well before day 1, with a transit of 0.001 day) keep no
/// mark, those injected on day 2 are marked, so a fate that acts only on
/// marked cells kills cells of the second clone only.
#[test]
fn clumps_are_marked_when_they_arrive() {
    let config = clumps_of_two(&[(0.0, CloneId(0)), (2.0, CloneId(1))]);
    let extension = ClumpRules {
        arrest_factor: 1.0,
        rate: 5.0,
    };
    let mut sim = simulation(config.clone(), extension, Seed::new(8)).unwrap();
    sim.run_until(Time::new(3.0).unwrap()).unwrap();
    let state = sim.model().state();
    state.check_conservation().unwrap();
    let killed = |clone| -> u64 {
        (config.organs.organs())
            .map(|(organ, _)| state.fate_count(FateId(0), clone, organ))
            .sum()
    };
    assert_eq!(killed(CloneId(0)), 0);
    assert!(killed(CloneId(1)) > 100, "{}", killed(CloneId(1)));
    assert!(state.funnel().total().clumps_arrested > 1000);
}
