//! Reseeding in a scenario file (`docs/reseeding.md`): read, refused at
//! the field that is wrong, warned of as a placeholder, and its joining
//! cells written to `arrivals.csv` with their source.

use std::fs;
use std::path::Path;

use cascade_biology::NoExtension;

use super::run::{cascade, ok, scratch};

/// A primary in the lung (its cells shed into the lung's own bed, from
/// the arterial side, and the tail vein's cells arrest there too) that
/// circulating cells may join.
const RESEEDING: &str = r#"Scenario(
    seed: 2009,
    stop_day: 3.0,
    organs: (preset: Mouse),
    clones: [(name: "host", shedding_rate: 0.0), (name: "visitor", circulation_death_rate: 0.0)],
    primary: Some((organ: "lung", cells: [("host", 1000)])),
    injections: [(day: 0.0, vein: "tail_vein", cells: [("visitor", 2000)])],
    reseeding: Some((joining_probability: 0.5, into_primary: true, into_metastases: true)),
)"#;

fn refused(text: &str, needle: &str, field: &str, expected: &str) {
    let error = cascade_runner::parse::<NoExtension>(text, Path::new("s.ron")).unwrap_err();
    assert_eq!(error.field, field, "{error}");
    let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
    assert!(error.message.contains(expected), "{error}");
}

#[test]
fn reseeding_is_read_with_its_defaults_and_absent_by_default() {
    let scenario = cascade_runner::parse::<NoExtension>(RESEEDING, Path::new("s.ron")).unwrap();
    let reseeding = scenario.config.reseeding.unwrap();
    assert_eq!(reseeding.joining_probability, 0.5);
    assert!(reseeding.into_primary && reseeding.into_metastases);
    let short = RESEEDING.replace(", into_primary: true, into_metastases: true", "");
    let scenario = cascade_runner::parse::<NoExtension>(&short, Path::new("s.ron")).unwrap();
    assert_eq!(scenario.config.reseeding, Some(reseeding));
    let without = RESEEDING.replace(
        "    reseeding: Some((joining_probability: 0.5, into_primary: true, into_metastases: true)),\n",
        "",
    );
    let plain = cascade_runner::parse::<NoExtension>(&without, Path::new("s.ron")).unwrap();
    assert_eq!(plain.config.reseeding, None);
}

#[test]
fn reseeding_is_refused_at_its_line_with_a_bad_probability_cohorts_or_steps() {
    for bad in ["1.5", "-0.1", "NaN"] {
        let text = RESEEDING.replace(
            "joining_probability: 0.5",
            &format!("joining_probability: {bad}"),
        );
        refused(
            &text,
            "joining_probability",
            "reseeding.joining_probability",
            "a probability in [0, 1]",
        );
    }
    let cohorts = RESEEDING.replace(
        "    organs: (preset: Mouse),",
        "    pools: Cohorts,\n    organs: (preset: Mouse),",
    );
    refused(&cohorts, "reseeding", "reseeding", "pools: PerCell");
    let stepped = RESEEDING.replace(
        "    organs: (preset: Mouse),",
        "    mode: Stepped(step: 0.01, threshold: 100),\n    organs: (preset: Mouse),",
    );
    refused(&stepped, "reseeding", "reseeding", "mode: Exact");
    let unknown = RESEEDING.replace("into_primary: true", "into_primry: true");
    let error = cascade_runner::parse::<NoExtension>(&unknown, Path::new("s.ron")).unwrap_err();
    assert!(error.to_string().contains("into_primry"), "{error}");
}

/// A run with reseeding warns that the joining probability is a
/// placeholder, and `arrivals.csv` holds the visitors that joined the
/// primary (site 0) from injection 0 at day 0 (others join the
/// metastases the visitors found, or are shed by them).
#[test]
fn a_run_with_reseeding_warns_of_the_placeholder_and_writes_the_joining_cells() {
    let dir = scratch("reseeding");
    let file = dir.join("reseeding.ron");
    fs::write(&file, RESEEDING).unwrap();
    let out = dir.join("out");
    let path = file.to_str().unwrap();
    let args = [
        "run",
        path,
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    let output = cascade(&args, &[]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("reseeding.joining_probability")
            || stderr.contains("reseeding.joining_probability"),
        "{stdout}\n{stderr}"
    );
    let text = fs::read_to_string(out.join("arrivals.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Every row has one source: a site or an injection.
    for row in &rows {
        let (site, injection) = (row[at("source_site")], row[at("source_injection")]);
        assert!(site.is_empty() != injection.is_empty(), "{row:?}");
    }
    // The visitors that joined the primary (site 0), from the injection.
    let into_primary = (rows.iter())
        .filter(|r| r[at("kind")] == "joined" && r[at("site")] == "0")
        .filter(|r| r[at("clone")] == "visitor" && r[at("source_injection")] == "0")
        .filter(|r| r[at("shed_day")] == "0.0")
        .count();
    assert!(into_primary > 100, "{text}");
    let _ = ok(&["check", path]);
    fs::remove_dir_all(&dir).unwrap();
}
