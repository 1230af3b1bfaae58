//! Colonisation apart from growth in scenario files
//! (`docs/colonisation.md`): a clone's `solitary_division_multiplier`, its
//! mutation effect and its sweep axis, refused at the line and field.

use std::path::Path;

use cascade_biology::NoExtension;

const TEXT: &str = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Mouse),
    clones: [
        (name: "A", solitary_division_multiplier: 0.25),
        (name: "B"),
    ],
    mutation_effect: (solitary_division_multiplier: 0.3),
    injections: [(vein: "tail_vein", cells: [("A", 10), ("B", 10)])],
)"#;

fn parse(
    text: &str,
) -> Result<cascade_runner::Scenario<NoExtension>, cascade_runner::ScenarioError> {
    cascade_runner::parse::<NoExtension>(text, Path::new("colonisation.ron"))
}

#[test]
fn a_clones_colonisation_and_its_mutation_effect_are_read_and_default_to_neutral() {
    let scenario = parse(TEXT).unwrap();
    let clones = &scenario.config.clones;
    assert_eq!(clones[0].phenotype.solitary_division_multiplier, 0.25);
    assert_eq!(clones[1].phenotype.solitary_division_multiplier, 1.0);
    assert_eq!(
        scenario.config.mutation_effect.solitary_division_multiplier,
        0.3
    );
    // Growth is untouched: the clone's birth rates are the defaults.
    assert_eq!(
        clones[0].phenotype.in_metastases,
        clones[1].phenotype.in_metastases
    );
    let plain = TEXT.replace("mutation_effect: (solitary_division_multiplier: 0.3),", "");
    let scenario = parse(&plain).unwrap();
    assert_eq!(
        scenario.config.mutation_effect.solitary_division_multiplier,
        0.0
    );
}

#[test]
fn bad_colonisation_values_are_refused_at_their_line_and_field() {
    let bad = TEXT.replace(
        "solitary_division_multiplier: 0.25",
        "solitary_division_multiplier: -0.25",
    );
    let error = parse(&bad).unwrap_err();
    assert_eq!(error.field, "clones[0].solitary_division_multiplier");
    assert_eq!(error.position, Some((5, 51)), "{error}");
    assert!(error.message.contains("a finite number >= 0"), "{error}");

    let bad = TEXT.replace(
        "mutation_effect: (solitary_division_multiplier: 0.3)",
        "mutation_effect: (solitary_division_multiplier: -0.3)",
    );
    let error = parse(&bad).unwrap_err();
    assert_eq!(error.field, "mutation_effect.solitary_division_multiplier");
    assert_eq!(error.position, Some((8, 53)), "{error}");
    assert!(error.message.contains("sigma >= 0"), "{error}");

    // A multiplier that lifts a solitary cell's first division past the
    // bound on every rate (10^6 per cell per day) is the clone's fault.
    let bad = TEXT.replace(
        "solitary_division_multiplier: 0.25",
        "solitary_division_multiplier: 1e7",
    );
    let error = parse(&bad).unwrap_err();
    assert_eq!(
        error.field, "clones[0].solitary_division_multiplier",
        "{error}"
    );
    assert_eq!(error.position, Some((5, 51)), "{error}");
    assert!(
        error.message.contains("divisions of solitary cells"),
        "{error}"
    );
}

#[test]
fn a_clones_and_an_organs_colonisation_are_sweep_axes() {
    let text = TEXT.replacen(
        "    injections:",
        "    sweep: (axes: [\
         (parameter: \"clones.A.solitary_division_multiplier\", values: [0, 2]),\
         (parameter: \"organs.lung.solitary_division_multiplier\", values: [3]),\
         (parameter: \"mutation_effect.solitary_division_multiplier\", values: [0.1]),\
         ]),\n    injections:",
        1,
    );
    let scenario = parse(&text).unwrap();
    let grid = cascade_runner::sweep::grid(&scenario).unwrap();
    assert_eq!(grid.points(), 2);
    for (p, clone) in [(0, 0.0), (1, 2.0)] {
        let point = cascade_runner::sweep::scenario_at(&scenario, &grid, p).unwrap();
        let config = &point.config;
        assert_eq!(
            config.clones[0].phenotype.solitary_division_multiplier,
            clone
        );
        let lung = config.organs.id("lung").unwrap();
        assert_eq!(config.organs.organ(lung).solitary_division_multiplier, 3.0);
        assert_eq!(config.mutation_effect.solitary_division_multiplier, 0.1);
    }
}

/// The human skeleton's colonisation has no published figure: its 1 is a
/// placeholder, warned of for the skeleton alone (`docs/colonisation.md`,
/// Bone's soil), and no longer once a scenario sets it; the mouse's 1s are
/// neutral values, not placeholders.
#[test]
fn the_human_skeletons_colonisation_is_warned_of_as_a_placeholder() {
    use cascade_runner::report::placeholders::placeholders;
    let held = |text: &str| -> Vec<String> {
        let scenario = parse(text).unwrap();
        placeholders(&scenario.config, scenario.file.organs.preset)
            .into_iter()
            .filter(|p| p.parameter == "solitary_division_multiplier")
            .flat_map(|p| p.holders)
            .collect()
    };
    let human = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Human),
    clones: [(name: "A")],
    injections: [(vein: "peripheral_vein", cells: [("A", 10)])],
)"#;
    assert_eq!(held(human), vec!["skeleton".to_string()]);
    let set = human.replace(
        "(preset: Human)",
        "(preset: Human, change: [(organ: \"skeleton\", solitary_division_multiplier: 2.0)])",
    );
    assert!(held(&set).is_empty());
    assert!(held(TEXT).is_empty(), "the mouse");
}
