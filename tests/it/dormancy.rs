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

/// `metastases.csv`'s `vascularised_day`: the day of the colony's switch
/// (`Site::vascularised_at`), between its founding and the end (and before
/// its extinction, if it died out); empty for a colony that never switched,
/// and in every row without the switch.
#[test]
fn metastases_csv_gives_the_day_each_colony_was_vascularised() {
    use std::fs;

    use super::run::{ok, scratch};

    let text = r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16F1")],
    injections: [(day: 0.0, vein: "tail_vein", cells: [("B16F1", 2000)])],
    angiogenic_switch: Some((avascular_limit: 50, switch_rate: 0.3)),
)"#;
    let dir = scratch("vascularised-day");
    let rows = |text: &str, name: &str| -> Vec<Vec<String>> {
        let file = dir.join(format!("{name}.ron"));
        fs::write(&file, text).unwrap();
        let out = dir.join(name);
        let args = ["run", file.to_str().unwrap(), "--replicates", "1"];
        ok(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
        let csv = fs::read_to_string(out.join("metastases.csv")).unwrap();
        csv.lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let table = rows(text, "switch");
    let column = |name: &str| {
        table[0]
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", table[0]))
    };
    let (founded, extinct, vascularised) = (
        column("founded_day"),
        column("extinct_day"),
        column("vascularised_day"),
    );
    let day = |cell: &str| cell.parse::<f64>().unwrap();
    let mut switched = 0;
    for row in &table[1..] {
        assert_eq!(row.len(), table[0].len(), "{row:?}");
        if row[vascularised].is_empty() {
            continue;
        }
        switched += 1;
        let at = day(&row[vascularised]);
        assert!(day(&row[founded]) <= at && at <= 10.0, "{row:?}");
        if !row[extinct].is_empty() {
            assert!(at <= day(&row[extinct]), "{row:?}");
        }
    }
    let colonies = table.len() - 1;
    assert!(switched > 10, "{switched} of {colonies} colonies switched");
    assert!(
        switched < colonies,
        "{switched} of {colonies}: some never did"
    );

    let without = text.replace(
        "    angiogenic_switch: Some((avascular_limit: 50, switch_rate: 0.3)),\n",
        "",
    );
    let table = rows(&without, "plain");
    assert!(table.len() > 10, "colonies without the switch");
    assert!(
        table[1..].iter().all(|row| row[vascularised].is_empty()),
        "no day without the switch"
    );
    fs::remove_dir_all(&dir).unwrap();
}
