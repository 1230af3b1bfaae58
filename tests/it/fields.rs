//! Scenario fields found missing or misread by the held-out checks of
//! issue 21: a clone's shedding rate in metastases.

use std::path::Path;

use cascade_biology::NoExtension;

const NON_SEEDING: &str = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Mouse),
    clones: [
        (name: "A", shedding_rate: 0.01, in_metastases: (shedding_rate: 0.0)),
        (name: "B", shedding_rate: 0.01),
    ],
    primary: (organ: "skin", cells: [("A", 10), ("B", 10)]),
)"#;

/// `in_metastases: (shedding_rate: ...)` sets the clone's shedding rate in
/// metastases only; a clone without it sheds from metastases at its
/// `shedding_rate`.
#[test]
fn in_metastases_sets_the_shedding_rate_of_metastases() {
    let scenario = cascade_runner::parse::<NoExtension>(NON_SEEDING, Path::new("a.ron")).unwrap();
    let a = &scenario.config.clones[0].phenotype;
    let b = &scenario.config.clones[1].phenotype;
    assert_eq!(a.shedding_rate, 0.01);
    assert_eq!(a.shedding_rate_in_metastases, Some(0.0));
    assert_eq!(a.metastatic_shedding_rate(), 0.0);
    assert_eq!(b.shedding_rate_in_metastases, None);
    assert_eq!(b.metastatic_shedding_rate(), 0.01);

    let bad = NON_SEEDING.replace("(shedding_rate: 0.0)", "(shedding_rate: -0.5)");
    let error = cascade_runner::parse::<NoExtension>(&bad, Path::new("a.ron")).unwrap_err();
    assert_eq!(
        error.field, "clones[0].in_metastases.shedding_rate",
        "{error}"
    );
    assert_eq!(error.position, Some((5, 73)), "{error}");
}

const SIZE_POWER: &str = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Mouse),
    shedding: SizePower(coefficient: 0.01, exponent: 0.66),
    clones: [(name: "A", shedding_rate: 0.0)],
    primary: (organ: "skin", cells: [("A", 10)]),
)"#;

/// With `SizePower` shedding a clone's `shedding_rate` is its weight in
/// its site's shedding, so 0 sheds none of its cells: valid (a non-shedding
/// clone beside shedding ones), but `check` warns at the field, saying
/// what it does.
#[test]
fn check_warns_of_a_zero_weight_under_size_power_shedding() {
    let scenario = cascade_runner::parse::<NoExtension>(SIZE_POWER, Path::new("w.ron")).unwrap();
    let text = cascade_runner::cli::describe(&scenario);
    assert!(
        text.contains("warning: w.ron:5:41: clones[0].shedding_rate:"),
        "{text}"
    );
    assert!(text.contains("never shed"), "{text}");

    for quiet in [
        SIZE_POWER.replace("shedding_rate: 0.0", "shedding_rate: 0.5"),
        SIZE_POWER.replace(
            "shedding: SizePower(coefficient: 0.01, exponent: 0.66),",
            "",
        ),
    ] {
        let scenario = cascade_runner::parse::<NoExtension>(&quiet, Path::new("w.ron")).unwrap();
        let text = cascade_runner::cli::describe(&scenario);
        assert!(!text.contains("warning"), "{text}");
    }
}
