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

#[test]
fn the_solitary_division_multiplier_is_set_by_every_change_and_add() {
    let text = r#"Scenario(
    stop_day: 1.0,
    organs: (
        preset: Mouse,
        every: (solitary_division_multiplier: 0.5),
        change: [
            (organ: "liver", solitary_division_multiplier: 0.02),
            (organ: "other_tissues", cardiac_output_share: 0.305),
        ],
        add: [
            (name: "graft", cardiac_output_share: 0.01, drains_to: Organ("lung")),
            (name: "graft2", cardiac_output_share: 0.0, drains_to: Organ("lung"), solitary_division_multiplier: 3.0),
        ],
    ),
    clones: [(name: "A")],
    injections: [(vein: "mesenteric_vein", cells: [("A", 10)])],
)"#;
    let scenario = cascade_runner::parse::<NoExtension>(text, Path::new("division.ron")).unwrap();
    let organs = &scenario.config.organs;
    for (_, organ) in organs.organs() {
        let expected = match organ.name.as_str() {
            "liver" => 0.02,
            // `every` applies to added organs too, after `add`.
            _ => 0.5,
        };
        assert_eq!(
            organ.solitary_division_multiplier, expected,
            "{}",
            organ.name
        );
        // The colony growth multiplier is untouched.
        assert!(organ.growth_multiplier > 0.0, "{}", organ.name);
    }
    let without_every = text.replace("every: (solitary_division_multiplier: 0.5),", "");
    let scenario =
        cascade_runner::parse::<NoExtension>(&without_every, Path::new("division.ron")).unwrap();
    let organs = &scenario.config.organs;
    let value = |name: &str| {
        organs
            .organ(organs.id(name).unwrap())
            .solitary_division_multiplier
    };
    assert_eq!(value("graft"), 1.0, "the default for an added organ");
    assert_eq!(value("graft2"), 3.0);
    assert_eq!(value("lung"), 1.0, "the preset's");

    let bad = text.replace(
        "every: (solitary_division_multiplier: 0.5)",
        "every: (solitary_division_multiplier: -0.5)",
    );
    let error = cascade_runner::parse::<NoExtension>(&bad, Path::new("division.ron")).unwrap_err();
    assert_eq!(error.field, "organs.every.solitary_division_multiplier");
    assert_eq!(error.position, Some((5, 47)), "{error}");
    assert!(error.message.contains("a finite number >= 0"), "{error}");
}
