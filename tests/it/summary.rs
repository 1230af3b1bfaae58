//! The terminal summary of `cascade run`, as a biologist reads it: counts
//! as integers, zero rows kept, why `arrested` can exceed `injected`, the
//! placeholder warning and the files a run with `--out` wrote (issue 20).

use std::fs;
use std::path::Path;

use super::run::{ok, scratch};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

/// The rows of the section titled `title`: (name, value), in order.
fn section(table: &str, title: &str) -> Vec<(String, String)> {
    let mut lines = table.lines().skip_while(|l| *l != title).skip(1);
    let mut rows = Vec::new();
    for line in lines.by_ref() {
        let Some(row) = line.strip_prefix("  ") else {
            break;
        };
        if row.starts_with('(') {
            continue;
        }
        let (name, value) = row.split_once("  ").unwrap_or((row, ""));
        rows.push((name.trim().to_string(), value.trim().to_string()));
    }
    assert!(!rows.is_empty(), "no section {title:?} in:\n{table}");
    rows
}

const FUNNEL: &str = "funnel (cells)";
const METASTASES: &str = "metastases alive at the end, per organ";
const HARVESTS: &str = "colonies at harvest";
const CELLS: &str = "living cells at the end";

fn is_integer(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

#[test]
fn one_replicates_counts_are_integers() {
    let table = ok(&["run", QUICKSTART, "--replicates", "1"]);
    for title in [FUNNEL, HARVESTS, CELLS] {
        for (name, value) in section(&table, title) {
            if value == cascade_runner::summary::NO_COLONIES {
                continue;
            }
            assert!(is_integer(&value), "{title}: {name} = {value:?}\n{table}");
        }
    }
    for (organ, value) in section(&table, METASTASES) {
        let (alive, macroscopic) = value.split_once("   macroscopic: ").unwrap();
        assert!(
            is_integer(alive) && is_integer(macroscopic),
            "{organ}: {value}"
        );
    }
    let run = section(&table, "run");
    assert!(is_integer(&run[0].1), "{run:?}");
    // Means of counts keep their decimals; a whole mean and its interval's
    // whole ends are integers.
    let table = ok(&["run", QUICKSTART]);
    let funnel = section(&table, FUNNEL);
    assert_eq!(funnel[0], ("injected".into(), "2000 [2000, 2000]".into()));
    assert!(
        !table.contains(".00 ") && !table.contains(".00]"),
        "{table}"
    );
}

#[test]
fn zero_rows_are_kept_and_the_organs_rule_is_said() {
    let table = ok(&["run", QUICKSTART, "--replicates", "1"]);
    // The funnel's steps and the cells at the end that are zero.
    let funnel = section(&table, FUNNEL);
    assert!(funnel.contains(&("detected".into(), "0".into())), "{table}");
    let cells = section(&table, CELLS);
    let names: Vec<&str> = cells.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "primary",
            "metastatic",
            "solitary",
            "dormant",
            "arrested",
            "circulating"
        ]
    );
    assert!(cells.contains(&("primary".into(), "0".into())), "{table}");
    // A harvest of no colonies is a result: day 1 has a row.
    let harvests = section(&table, HARVESTS);
    assert_eq!(
        harvests[0],
        ("day 1".into(), cascade_runner::summary::NO_COLONIES.into())
    );
    // Every organ listed has a row at day 10, its zeros included, and the
    // rule for which organs are listed is printed.
    let organs = section(&table, METASTASES);
    for (organ, _) in &organs {
        let row = format!("day 10 {organ}");
        assert!(harvests.iter().any(|(k, _)| *k == row), "{row}:\n{table}");
    }
    assert!(
        harvests.iter().any(|(_, v)| v == "0"),
        "an organ with metastases but no colony at day 10 keeps its 0:\n{table}"
    );
    assert!(
        table.contains(cascade_runner::summary::ORGANS_LISTED_NOTE),
        "{table}"
    );
}

/// The funnel's value of `name` in a one-replicate table.
fn count(table: &str, name: &str) -> u64 {
    let funnel = section(table, FUNNEL);
    let (_, value) = funnel.iter().find(|(k, _)| k == name).unwrap();
    value.parse().unwrap()
}

#[test]
fn arrested_above_injected_is_explained_only_when_it_is() {
    let note = cascade_runner::summary::ARRESTED_NOTE;
    let table = ok(&["run", QUICKSTART, "--replicates", "1"]);
    assert!(count(&table, "arrested") > count(&table, "injected"));
    let funnel_end = table.find(METASTASES).unwrap();
    assert!(table[..funnel_end].contains(note), "{table}");
    // A few hours after the injection no colony has shed a cell yet.
    let dir = scratch("summary-early");
    let text = fs::read_to_string(QUICKSTART)
        .unwrap()
        .replace("stop_day: 10.0", "stop_day: 0.05")
        .replace("harvest_days: [1.0, 10.0]", "harvest_days: [0.05]");
    let file = dir.join("early.ron");
    fs::write(&file, text).unwrap();
    let table = ok(&["run", file.to_str().unwrap(), "--replicates", "1"]);
    assert!(count(&table, "arrested") <= count(&table, "injected"));
    assert!(!table.contains(note), "{table}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn placeholder_rates_are_warned_of_by_the_reports_rule() {
    use cascade_runner::report::placeholders::{placeholders, warning};
    let scenario =
        cascade_runner::load::<cascade_biology::NoExtension>(Path::new(QUICKSTART)).unwrap();
    let found = placeholders(&scenario.config, scenario.file.organs.preset);
    assert!(found.iter().any(|p| p.parameter == "extravasation_rate"));
    let table = ok(&["run", QUICKSTART, "--replicates", "1"]);
    let expected = warning(&found);
    assert!(expected.contains("warning: placeholder parameters in use"));
    assert!(table.contains(&expected), "{expected}\nnot in:\n{table}");
    assert!(
        table.contains("  extravasation_rate        per day, every organ (11 of 11)"),
        "{table}"
    );
    assert_eq!(warning(&[]), "");
}

#[test]
fn a_run_with_out_lists_the_files_it_wrote_and_how_to_make_the_report() {
    let dir = scratch("summary-out");
    let out = dir.join("quick");
    let out_text = out.to_str().unwrap();
    let table = ok(&["run", QUICKSTART, "--replicates", "1", "--out", out_text]);
    let files = section(&table, "files written");
    let value = |name: &str| {
        (files.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name:?} in:\n{table}"))
    };
    assert_eq!(value("run directory"), out_text);
    for (name, file) in [
        ("columns' meanings", "dictionary.csv"),
        ("summary", "summary.json"),
        ("store", "store.sqlite"),
        ("manifest", "manifest.json"),
    ] {
        let path = value(name);
        assert_eq!(path, out.join(file).display().to_string());
        assert!(Path::new(&path).is_file(), "{path}");
    }
    let tables = value("tables");
    for table_file in cascade_runner::schema::TABLES.iter().map(|t| t.file) {
        assert!(tables.contains(table_file), "{table_file}: {tables}");
        assert!(out.join(table_file).is_file(), "{table_file}");
    }
    let report = value("the report");
    assert_eq!(report, format!("cascade report {out_text}"));
    ok(&["report", out_text]);
    assert!(out.join("report.html").is_file());
    // Without --out nothing is said to be written.
    let plain = ok(&["run", QUICKSTART, "--replicates", "1"]);
    assert!(!plain.contains("files written"), "{plain}");
    fs::remove_dir_all(&dir).unwrap();
}
