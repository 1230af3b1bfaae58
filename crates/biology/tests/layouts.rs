//! The kernel's event-set layout never changes a trajectory of the cascade
//! model: random small scenarios (with clumps, therapy, stepped growth in
//! every scheme, and cohorts) give the same trace digest in the default
//! layout (`Lazy`), the reference layout (`Split`, `priority-queue`) and
//! `IndexedOnly`.

use cascade_biology::config::{ConstantRates, GrowthSteps, PoolMode};
use cascade_biology::strategies::{Scenario, clump_scenario_strategy, therapy_scenario_strategy};
use cascade_biology::{NoExtension, simulation_with_layout};
use cascade_kernel::{EventSetLayout, RunLimits, Seed, Time, TraceDigest};
use proptest::prelude::*;

/// The trace digest of `scenario` to day 4 (at most 20,000 events) in
/// `layout`, and the events run.
fn digest_in(scenario: &Scenario, layout: EventSetLayout) -> (TraceDigest, u64) {
    let mut sim = simulation_with_layout(
        scenario.config.clone(),
        NoExtension,
        Seed::new(scenario.seed),
        layout,
    )
    .expect("the strategies make valid configurations");
    assert_eq!(sim.layout(), layout);
    let mut digest = TraceDigest::new();
    let limits = RunLimits::until(Time::new(4.0).unwrap()).with_max_events(20_000);
    sim.run(limits, &mut digest).expect("a valid scenario runs");
    (digest, sim.dispatched())
}

fn same_in_every_layout(scenario: &Scenario) -> Result<(), TestCaseError> {
    let (lazy, events) = digest_in(scenario, EventSetLayout::Lazy);
    prop_assert_eq!(EventSetLayout::default(), EventSetLayout::Lazy);
    prop_assert_eq!(&lazy, &digest_in(scenario, EventSetLayout::Split).0);
    prop_assert_eq!(&lazy, &digest_in(scenario, EventSetLayout::IndexedOnly).0);
    prop_assert!(events > 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn therapy_and_steps_take_the_same_path_in_every_layout(
        scenario in therapy_scenario_strategy(),
        stepped in proptest::bool::ANY,
        cohorts in proptest::bool::ANY,
        step in 0.01..0.3f64,
        threshold in 2u64..60,
        constant_rates in 0u8..3,
    ) {
        let mut scenario = scenario;
        if cohorts {
            scenario.config.pool_mode = PoolMode::Cohorts;
        }
        scenario.config.growth_steps = stepped.then_some(GrowthSteps {
            step,
            threshold,
            constant_rates: match constant_rates {
                0 => ConstantRates::Auto,
                1 => ConstantRates::Exact,
                _ => ConstantRates::Counted,
            },
        });
        same_in_every_layout(&scenario)?;
    }

    #[test]
    fn clumps_take_the_same_path_in_every_layout(scenario in clump_scenario_strategy()) {
        same_in_every_layout(&scenario)?;
    }
}
