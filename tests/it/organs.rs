//! The `organs` section of a scenario file.

use std::path::Path;

use cascade_biology::NoExtension;

#[test]
fn organs_every_sets_a_value_in_every_organ_and_change_overrides_it() {
    let text = r#"Scenario(
    stop_day: 1.0,
    organs: (
        preset: Mouse,
        every: (solitary_death_rate: 3.0, growth_multiplier: 0.5),
        change: [(organ: "lung", solitary_death_rate: 9.0)],
    ),
    clones: [(name: "A")],
    injections: [(vein: "tail_vein", cells: [("A", 10)])],
)"#;
    let scenario = cascade_runner::parse::<NoExtension>(text, Path::new("every.ron")).unwrap();
    for (_, organ) in scenario.config.organs.organs() {
        let expected = if organ.name == "lung" { 9.0 } else { 3.0 };
        assert_eq!(organ.solitary_death_rate, expected, "{}", organ.name);
        assert_eq!(organ.growth_multiplier, 0.5, "{}", organ.name);
    }
    let bad = text.replace("solitary_death_rate: 3.0", "solitary_death_rate: -3.0");
    let error = cascade_runner::parse::<NoExtension>(&bad, Path::new("every.ron")).unwrap_err();
    assert_eq!(error.field, "organs.every.solitary_death_rate");
    assert_eq!(error.position, Some((5, 38)), "{error}");
}
