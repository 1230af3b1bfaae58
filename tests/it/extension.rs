//! A user's own events, driven from a scenario file through the runner
//! library (the `custom_events` example of the runner crate).

#[allow(dead_code)]
#[path = "../../crates/runner/examples/custom_events.rs"]
mod custom_events;

use std::path::Path;

use cascade_runner::run::run_replicate;
use custom_events::CirculationIntervention;

const SCENARIO: &str = include_str!("../../crates/runner/examples/custom_events.ron");

#[test]
fn a_scenario_schedules_the_extension_events_and_sets_its_parameters() {
    let path = Path::new("custom_events.ron");
    let with = cascade_runner::parse::<CirculationIntervention>(SCENARIO, path).unwrap();
    assert_eq!(with.file.extension.death_rate_factor, 50.0);
    assert_eq!(with.file.events.len(), 2);
    let without_text = SCENARIO.replace("death_rate_factor: 50.0", "death_rate_factor: 1.0");
    let without = cascade_runner::parse::<CirculationIntervention>(&without_text, path).unwrap();

    let died = |s: &cascade_runner::Scenario<CirculationIntervention>| -> u64 {
        (0..4)
            .map(|r| {
                run_replicate(s, 11, r, false)
                    .unwrap()
                    .record
                    .funnel
                    .died_in_circulation
            })
            .sum()
    };
    // Per passage through the blood, a cell dies with probability
    // δ/(δ + 1/τ): 9.8/(9.8 + 1440) ≈ 0.7% normally, 490/(490 + 1440) ≈ 25%
    // under the intervention. Over 8,000 cells the two cannot be confused.
    let (normal, treated) = (died(&without), died(&with));
    assert!(
        normal < 400,
        "died in circulation without the intervention: {normal}"
    );
    assert!(
        treated > 1_600,
        "died in circulation under the intervention: {treated}"
    );
}

#[test]
fn the_extension_parameters_are_validated_with_their_place_in_the_file() {
    let text = SCENARIO.replace("death_rate_factor: 50.0", "death_rate_factor: -2.0");
    let error =
        cascade_runner::parse::<CirculationIntervention>(&text, Path::new("x.ron")).unwrap_err();
    let line = text
        .lines()
        .position(|l| l.contains("death_rate_factor: -2.0"))
        .unwrap()
        + 1;
    assert_eq!(error.field, "extension.death_rate_factor");
    assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
    assert!(error.message.contains("finite number >= 0"), "{error}");
}

#[test]
fn an_unknown_event_of_the_extension_is_refused_with_the_valid_ones() {
    let text = SCENARIO.replace("event: InterventionEnded", "event: InterventionStoped");
    let error = cascade_runner::parse::<CirculationIntervention>(&text, Path::new("x.ron"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("InterventionStopped") || error.contains("InterventionEnded"),
        "{error}"
    );
    assert!(error.contains("events[1].event"), "{error}");
}
