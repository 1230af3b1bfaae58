//! Injections as clumps, end to end: `clump_size: 1` is today's single
//! cells, and a run with mixed clumps reports them in every table.

use std::fs;
use std::path::PathBuf;

use super::run::{ok, scratch};

/// The quick start with its injection given `clump_size: 1` has the golden
/// digests of the quick start itself: clumps of one cell are single cells.
#[test]
fn clump_size_one_gives_the_single_cell_golden_digests() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let original = fs::read_to_string(root.join("scenarios/quickstart.ron")).unwrap();
    let single = r#"(day: 0.0, vein: "tail_vein", cells: [("B16", 2000)])"#;
    assert!(original.contains(single));
    let ones = original.replace(
        single,
        r#"(day: 0.0, vein: "tail_vein", cells: [("B16", 2000)], clump_size: 1)"#,
    );
    let dir = scratch("clump-size-one");
    let file = dir.join("quickstart_ones.ron");
    fs::write(&file, ones).unwrap();
    let golden = fs::read_to_string(root.join("tests/golden/quickstart.ron.golden")).unwrap();
    for replicate in ["0", "1"] {
        let digest = ok(&[
            "digest",
            file.to_str().unwrap(),
            "--seed",
            "2026",
            "--replicate",
            replicate,
        ]);
        let line = format!("replicate {replicate}: digest {}", digest.trim());
        assert!(golden.contains(&line), "{line} is not in the golden file");
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// Two marked lines injected as mixed clumps of 4 (Fidler & Talmadge 1986,
/// `docs/references.md#heterogeneity-and-clonality`): `check` says how the
/// cells are dealt, the summary has a clumps section, `funnel.csv` counts
/// the clumps, and
/// `metastases.csv` shows metastases founded by 4 cells of one or both
/// lines.
#[test]
fn mixed_clumps_are_reported_in_check_the_summary_and_the_tables() {
    let dir = scratch("mixed-clumps");
    let file = dir.join("mixed.ron");
    fs::write(
        &file,
        r#"Scenario(
    seed: 1986,
    stop_day: 2.0,
    organs: (preset: Mouse),
    clones: [(name: "F1"), (name: "F10")],
    injections: [
        (day: 0.0, vein: "tail_vein", cells: [("F1", 500), ("F10", 502)], clump_size: 4),
    ],
)"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let check = ok(&["check", path]);
    assert!(
        check.contains("injection of 500 F1, 502 F10 into tail_vein as 250 clumps of 4 cells and 2 single cells"),
        "{check}"
    );
    let out = dir.join("out");
    let table = ok(&[
        "run",
        path,
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(table.contains("clumps (clumps, not cells)"), "{table}");
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["clumps"][0][0], "clumps_injected");
    assert_eq!(summary["clumps"][0][1]["mean"], 250.0);

    let rows = |file: &str| -> Vec<Vec<String>> {
        fs::read_to_string(out.join(file))
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let funnel = rows("funnel.csv");
    let column = |table: &[Vec<String>], name: &str| {
        table[0]
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (injected, clumps) = (
        column(&funnel, "injected"),
        column(&funnel, "clumps_injected"),
    );
    let sum = |table: &[Vec<String>], c: usize| -> u64 {
        table[1..]
            .iter()
            .map(|r| r[c].parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(sum(&funnel, injected), 1002);
    assert_eq!(sum(&funnel, clumps), 250);

    let metastases = rows("metastases.csv");
    let (cells, clones) = (
        column(&metastases, "founding_cells"),
        column(&metastases, "founding_clones"),
    );
    let founded_by = |n: &str, k: &str| {
        metastases[1..]
            .iter()
            .filter(|r| r[cells] == n && r[clones] == k)
            .count()
    };
    assert!(
        founded_by("4", "2") > 50,
        "mixed clumps found polyclonal metastases"
    );
    assert!(founded_by("4", "1") > 5, "some clumps hold one line");
    fs::remove_dir_all(&dir).unwrap();
}

/// `clumps.death_rate_factor` outside [0, 1] is refused at its line, with
/// what would be valid; 0 and 1 are accepted (`docs/tumour-cell-clusters.md`).
#[test]
fn a_clump_death_rate_factor_outside_0_to_1_is_refused_at_its_line() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let original =
        fs::read_to_string(root.join("scenarios/validation/b16_mixed_clumps.ron")).unwrap();
    let anchor = "    injections: [";
    assert!(original.contains(anchor));
    let with = |factor: &str| {
        original.replace(
            anchor,
            &format!("    clumps: (death_rate_factor: {factor}),\n{anchor}"),
        )
    };
    let parse = |text: &str| {
        cascade_runner::parse::<cascade_biology::NoExtension>(text, std::path::Path::new("x.ron"))
    };
    for factor in ["0.0", "1.0", "0.25"] {
        let scenario = parse(&with(factor)).unwrap();
        let parsed: f64 = factor.parse().unwrap();
        assert_eq!(scenario.config.clumps.death_rate_factor, parsed);
    }
    for factor in ["-0.5", "2.0"] {
        let text = with(factor);
        let error = parse(&text).unwrap_err();
        assert_eq!(error.field, "clumps.death_rate_factor", "{error}");
        let line = text
            .lines()
            .position(|l| l.contains("death_rate_factor"))
            .unwrap()
            + 1;
        assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
        assert!(error.message.contains("a factor in [0, 1]"), "{error}");
    }
}

/// The mixed-clump validation scenario with `clumps: (FIELDS)` before its
/// injections.
fn mixed_clumps_with(fields: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let original =
        fs::read_to_string(root.join("scenarios/validation/b16_mixed_clumps.ron")).unwrap();
    let anchor = "    injections: [";
    assert!(original.contains(anchor));
    original.replace(anchor, &format!("    clumps: ({fields}),\n{anchor}"))
}

fn parse(
    text: &str,
) -> Result<cascade_runner::Scenario<cascade_biology::NoExtension>, cascade_runner::ScenarioError> {
    cascade_runner::parse::<cascade_biology::NoExtension>(text, std::path::Path::new("x.ron"))
}

/// The 1-based line of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// Every new field of `clumps` is read from a scenario file
/// (`docs/tumour-cell-clusters.md`): arrest by size, dissociation in the
/// blood and at arrest, clumps of one clone, lesions founded by one cell.
#[test]
fn the_clump_fields_are_read_from_a_scenario_file() {
    use cascade_biology::config::{ClumpFormation, ClumpFounding, OtherCells};
    let text = mixed_clumps_with(
        "size_arrest_probability: 0.25, dissociation_rate: 2.0, \
         dissociates_at_arrest: true, formation: OneClone, \
         founding: OneCell(others: Dormant)",
    );
    let clumps = parse(&text).unwrap().config.clumps;
    assert_eq!(clumps.size_arrest_probability, 0.25);
    assert_eq!(clumps.dissociation_rate, 2.0);
    assert!(clumps.dissociates_at_arrest);
    assert_eq!(clumps.formation, ClumpFormation::OneClone);
    assert_eq!(
        clumps.founding,
        ClumpFounding::OneCell {
            others: OtherCells::Dormant
        }
    );
    let text = mixed_clumps_with("founding: OneCell(others: Die)");
    assert_eq!(
        parse(&text).unwrap().config.clumps.founding,
        ClumpFounding::OneCell {
            others: OtherCells::Die
        }
    );
}

/// `check` refuses a size-arrest probability outside [0, 1] and a
/// dissociation rate below 0 or above the largest rate, at their line and
/// field, saying what would be valid; an unknown way of forming or
/// founding is refused at its line.
#[test]
fn clump_fields_out_of_range_are_refused_at_their_line() {
    for (fields, field, valid) in [
        (
            "size_arrest_probability: 1.5",
            "clumps.size_arrest_probability",
            "a probability in [0, 1]",
        ),
        (
            "size_arrest_probability: -0.1",
            "clumps.size_arrest_probability",
            "a probability in [0, 1]",
        ),
        (
            "dissociation_rate: -1.0",
            "clumps.dissociation_rate",
            "a rate per clump per day",
        ),
        (
            "dissociation_rate: 1e7",
            "clumps.dissociation_rate",
            "a rate per clump per day",
        ),
    ] {
        let text = mixed_clumps_with(fields);
        let error = parse(&text).unwrap_err();
        assert_eq!(error.field, field, "{error}");
        assert_eq!(
            error.position.map(|p| p.0),
            Some(line_of(&text, fields)),
            "{error}"
        );
        assert!(error.message.contains(valid), "{error}");
    }
    for fields in ["formation: Homotypic", "founding: OneCell(others: Sleep)"] {
        let text = mixed_clumps_with(fields);
        let error = parse(&text).unwrap_err();
        assert_eq!(
            error.position.map(|p| p.0),
            Some(line_of(&text, fields)),
            "{error}"
        );
    }
}

/// `validate --experiment` refuses a name that is no experiment, listing
/// the ones there are (running one is what the clusters doc's what-if
/// does; at full size it takes tens of seconds, too long for a test).
#[test]
fn validate_refuses_an_unknown_experiment_with_the_names_there_are() {
    let message = super::run::refused(&["validate", "--experiment", "clonel"], &[]);
    assert!(message.contains("--experiment clonel"), "{message}");
    for name in ["intravenous", "clonal", "circulation"] {
        assert!(message.contains(name), "{message}");
    }
}
