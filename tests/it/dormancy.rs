//! The angiogenic switch in a scenario file (`docs/dormancy.md`): read
//! with its names resolved, and refused at the field that is wrong.

use std::path::Path;

use cascade_biology::NoExtension;

const SWITCH: &str = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Mouse),
    clones: [(name: "B16F1"), (name: "B16F10")],
    injections: [(day: 0.0, vein: "mesenteric_vein", cells: [("B16F1", 100)])],
    angiogenic_switch: Some((
        avascular_limit: 1e5,
        switch_rate: 0.01,
        in_organs: [("liver", 2.0)],
        in_clones: [("B16F10", 3.0)],
    )),
)"#;

fn refused(text: &str, needle: &str, field: &str, expected: &str) {
    let error = cascade_runner::parse::<NoExtension>(text, Path::new("s.ron")).unwrap_err();
    assert_eq!(error.field, field, "{error}");
    let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
    assert!(error.message.contains(expected), "{error}");
}

#[test]
fn the_switch_is_read_with_its_organs_and_clones_by_name() {
    let scenario = cascade_runner::parse::<NoExtension>(SWITCH, Path::new("s.ron")).unwrap();
    let config = &scenario.config;
    let switch = config.angiogenic_switch.as_ref().unwrap();
    let liver = config.organs.id("liver").unwrap();
    let lung = config.organs.id("lung").unwrap();
    assert_eq!(switch.avascular_limit, 100_000);
    let (b16f1, b16f10) = (cascade_biology::CloneId(0), cascade_biology::CloneId(1));
    assert_eq!(switch.rate(liver, b16f1), 0.02);
    assert_eq!(switch.rate(lung, b16f10), 0.01 * 3.0);
    let without = SWITCH
        .split("    angiogenic_switch")
        .next()
        .unwrap()
        .to_string()
        + ")";
    let plain = cascade_runner::parse::<NoExtension>(&without, Path::new("s.ron")).unwrap();
    assert_eq!(plain.config.angiogenic_switch, None);
}

#[test]
fn the_switch_is_refused_with_stepped_growth_and_at_its_wrong_fields() {
    let stepped = SWITCH.replace(
        "    organs: (preset: Mouse),",
        "    mode: Stepped(step: 0.01, threshold: 100),\n    organs: (preset: Mouse),",
    );
    refused(
        &stepped,
        "angiogenic_switch",
        "angiogenic_switch",
        "mode: Exact",
    );
    let organ = SWITCH.replace("(\"liver\", 2.0)", "(\"livr\", 2.0)");
    refused(&organ, "livr", "angiogenic_switch.in_organs[0].0", "liver");
    let clone = SWITCH.replace("(\"B16F10\", 3.0)", "(\"B16F2\", 3.0)");
    refused(
        &clone,
        "B16F2",
        "angiogenic_switch.in_clones[0].0",
        "founding clone",
    );
    let rate = SWITCH.replace("switch_rate: 0.01", "switch_rate: -0.01");
    refused(
        &rate,
        "switch_rate",
        "angiogenic_switch.switch_rate",
        ">= 0",
    );
    let multiplier = SWITCH.replace("(\"liver\", 2.0)", "(\"liver\", -2.0)");
    refused(
        &multiplier,
        "liver",
        "angiogenic_switch.in_organs[0].1",
        ">= 0",
    );
    let limit = SWITCH.replace("avascular_limit: 1e5", "avascular_limit: 0");
    refused(
        &limit,
        "avascular_limit",
        "angiogenic_switch.avascular_limit",
        "at least 1",
    );
}
