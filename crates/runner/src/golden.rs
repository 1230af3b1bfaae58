//! Regression tests for scenario files: pin each file's trace digests and
//! summary in a golden file, and fail when a change moves them.
//!
//! A golden file holds, for the scenario's own `seed` and `replicates`,
//! every replicate's digest and event count, then the summary as JSON. It
//! is plain text, so a reviewer sees in the diff what an intended change
//! did to the results. Use it from a test of your own:
//!
//! ```no_run
//! use cascade_runner::golden;
//! # type MyExtension = cascade_biology::NoExtension;
//! let report = golden::check_tree::<MyExtension>(
//!     "scenarios".as_ref(),
//!     "tests/golden".as_ref(),
//!     golden::bless_requested(),
//! )
//! .unwrap();
//! assert!(report.failures.is_empty(), "{}", report);
//! ```
//!
//! and bless new goldens after an intended change with
//! `CASCADE_BLESS=1 cargo test ...`.
//!
//! The header (the lines that start with `#`) says how the file was made
//! and by which binary (`# made by cascade 0.1.0 (extension NoExtension)`,
//! a lab's extension with its
//! [`version`](crate::ScenarioExtension::version)); it takes no part in
//! the comparison, so a new version alone fails no golden file.
//!
//! A failure lists what moved, not the first line that differs: each
//! replicate whose digest or event count changed (`replicate 2: digest
//! 85970f91… → c8a79074…, events 94505 → 94512`), then each field of the
//! summary that changed, as a path with its old and new value
//! (`funnel.arrested.mean: 2279.75 → 2281.5`,
//! `metastases.lung.macrometastases.high: …`,
//! `harvests[day 10.0, lung].colonies.mean: …`), and the fields added or
//! removed; at most [`MAX_LISTED`] lines, then how many more. A golden
//! file holds the digests and the summary, not the per-replicate tables:
//! the report names the summary's fields and the replicates' digests, and
//! the table each changed section of the summary is computed from
//! (`funnel` from `summary.csv`'s columns, `metastases` from
//! `metastases.csv`, `therapy.resistant_cells` from `resistance.csv`, …).

use core::fmt;
use core::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::output::write_atomic;
use crate::run::run_replicate;
use crate::scenario::{ScenarioExtension, load};
use crate::summary::Summary;

/// The environment variable that turns checking into blessing.
pub const BLESS_VARIABLE: &str = "CASCADE_BLESS";

/// Whether [`BLESS_VARIABLE`] is set to something other than `0` or empty.
pub fn bless_requested() -> bool {
    std::env::var(BLESS_VARIABLE).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// What a check of a tree found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Scenario files checked (relative to the tree).
    pub checked: Vec<PathBuf>,
    /// Golden files written (when blessing).
    pub blessed: Vec<PathBuf>,
    /// Each failure: the scenario and what differs.
    pub failures: Vec<(PathBuf, String)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} scenarios checked, {} goldens blessed, {} failures",
            self.checked.len(),
            self.blessed.len(),
            self.failures.len()
        )?;
        for (path, why) in &self.failures {
            writeln!(f, "\n{}:\n{why}", path.display())?;
        }
        if !self.failures.is_empty() {
            writeln!(
                f,
                "\nIf the change is intended, bless the new results with {BLESS_VARIABLE}=1 and review the diff of the golden files."
            )?;
        }
        Ok(())
    }
}

/// The golden text of the scenario at `path`, named `name` in it.
///
/// # Errors
///
/// The scenario's error or a replicate's failure, as text.
pub fn golden_text<X: ScenarioExtension>(path: &Path, name: &str) -> Result<String, String> {
    let scenario = load::<X>(path).map_err(|e| e.to_string())?;
    let seed = scenario.file.seed;
    let mut records = Vec::new();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# cascade golden file: `cascade digest {name} --seed {seed} --replicate R`, then the summary of `cascade run {name} --format json`."
    );
    let _ = writeln!(text, "# made by {}", crate::execute::made_by::<X>());
    let _ = writeln!(
        text,
        "# Regenerate with {BLESS_VARIABLE}=1 after an intended change."
    );
    for r in 0..scenario.file.replicates {
        let output =
            run_replicate(&scenario, seed, r, false).map_err(|e| format!("replicate {r}: {e}"))?;
        let _ = writeln!(
            text,
            "replicate {r}: digest {} events {}",
            output.record.digest, output.record.events
        );
        records.push(output.record);
    }
    let summary = Summary::new(name, seed, &scenario.config, &records);
    text.push_str(&summary.to_json());
    Ok(text)
}

/// Every `.ron` file under `dir`, sorted.
///
/// # Errors
///
/// A directory that cannot be listed.
pub fn scenario_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", d.display()))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ron") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The shipped scenarios that have golden files: every `.ron` file under
/// `scenarios` but those of `scenarios/validation/`, whose hundreds of
/// replicates `tests/validation.rs` checks and pins instead, and those of
/// `scenarios/bench/`, human-scale runs for `cascade bench` that
/// `tests/cohorts.rs` runs shortened.
///
/// # Errors
///
/// A directory that cannot be listed.
pub fn shipped_scenario_files(scenarios: &Path) -> Result<Vec<PathBuf>, String> {
    let validation = scenarios.join("validation");
    let bench = scenarios.join("bench");
    Ok(scenario_files(scenarios)?
        .into_iter()
        .filter(|f| !f.starts_with(&validation) && !f.starts_with(&bench))
        .collect())
}

/// Checks (or with `bless`, writes) the golden file of every scenario under
/// `scenarios`: `golden/<relative path>.golden`.
///
/// # Errors
///
/// A directory that cannot be listed or a golden that cannot be written.
pub fn check_tree<X: ScenarioExtension>(
    scenarios: &Path,
    golden: &Path,
    bless: bool,
) -> Result<Report, String> {
    check_files::<X>(scenarios, &scenario_files(scenarios)?, golden, bless)
}

/// [`check_tree`] for some of the tree's files only (`files` are paths
/// under `scenarios`), for a test that leaves out scenarios pinned
/// elsewhere.
///
/// # Errors
///
/// A golden that cannot be written.
pub fn check_files<X: ScenarioExtension>(
    scenarios: &Path,
    files: &[PathBuf],
    golden: &Path,
    bless: bool,
) -> Result<Report, String> {
    let mut report = Report::default();
    for path in files {
        let relative = path.strip_prefix(scenarios).unwrap_or(path).to_path_buf();
        let name = Path::new(scenarios.file_name().unwrap_or_default())
            .join(&relative)
            .to_string_lossy()
            .replace('\\', "/");
        let golden_path = golden.join(format!("{}.golden", relative.to_string_lossy()));
        report.checked.push(relative.clone());
        let text = match golden_text::<X>(path, &name) {
            Ok(text) => text,
            Err(error) => {
                report.failures.push((relative, error));
                continue;
            }
        };
        if bless {
            if let Some(parent) = golden_path.parent() {
                fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            write_atomic(&golden_path, text.as_bytes()).map_err(|e| e.to_string())?;
            report.blessed.push(golden_path);
            continue;
        }
        match fs::read_to_string(&golden_path) {
            Err(_) => report.failures.push((
                relative,
                format!(
                    "no golden file {} (bless it with {BLESS_VARIABLE}=1)",
                    golden_path.display()
                ),
            )),
            Ok(expected) if body(&expected) != body(&text) => report
                .failures
                .push((relative, differences(&expected, &text))),
            Ok(_) => {}
        }
    }
    Ok(report)
}

/// The most differences a failure lists; the rest are counted.
pub const MAX_LISTED: usize = 40;

/// The lines of a golden text that are compared: all but the header's
/// (those that start with `#`).
fn body(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

/// A golden text in parts: the replicates' digest lines, any other line
/// before the summary, and the summary's text.
struct Parts<'a> {
    /// (replicate, digest, events), in the file's order.
    replicates: Vec<(u64, &'a str, &'a str)>,
    /// Lines that are neither a digest line nor the summary.
    other: Vec<&'a str>,
    /// The summary (from the first line that starts with `{`).
    summary: String,
}

fn parts(text: &str) -> Parts<'_> {
    let mut replicates = Vec::new();
    let mut other = Vec::new();
    let mut summary = String::new();
    let mut in_summary = false;
    for line in body(text) {
        if !in_summary && line.starts_with('{') {
            in_summary = true;
        }
        if in_summary {
            summary.push_str(line);
            summary.push('\n');
        } else if let Some(parsed) = digest_line(line) {
            replicates.push(parsed);
        } else {
            other.push(line);
        }
    }
    Parts {
        replicates,
        other,
        summary,
    }
}

/// `replicate R: digest D events E` as (R, D, E).
fn digest_line(line: &str) -> Option<(u64, &str, &str)> {
    let rest = line.strip_prefix("replicate ")?;
    let (replicate, rest) = rest.split_once(": digest ")?;
    let (digest, events) = rest.split_once(" events ")?;
    Some((replicate.parse().ok()?, digest, events))
}

/// A digest as a reader compares it: its first 8 characters.
fn short(digest: &str) -> String {
    if digest.chars().count() > 8 {
        format!("{}…", digest.chars().take(8).collect::<String>())
    } else {
        digest.to_string()
    }
}

/// What differs between the golden text `golden` and `now`, one
/// difference a line (at most [`MAX_LISTED`]), for a failure.
fn differences(golden: &str, now: &str) -> String {
    let (old, new) = (parts(golden), parts(now));
    let mut lines = Vec::new();

    // The replicates' digests, by replicate.
    let mut moved = 0;
    let mut replicates: Vec<u64> = old
        .replicates
        .iter()
        .chain(&new.replicates)
        .map(|r| r.0)
        .collect();
    replicates.sort_unstable();
    replicates.dedup();
    fn find<'a>(list: &[(u64, &'a str, &'a str)], r: u64) -> Option<(u64, &'a str, &'a str)> {
        list.iter().find(|x| x.0 == r).copied()
    }
    let mut digest_lines = Vec::new();
    for r in replicates {
        match (find(&old.replicates, r), find(&new.replicates, r)) {
            (Some(a), Some(b)) if a == b => {}
            (Some((_, d1, e1)), Some((_, d2, e2))) => {
                moved += 1;
                let digest = if d1 == d2 {
                    format!("digest {} (the same)", short(d1))
                } else if short(d1) == short(d2) {
                    format!("digest {d1} → {d2}")
                } else {
                    format!("digest {} → {}", short(d1), short(d2))
                };
                let events = if e1 == e2 {
                    format!("events {e1} (the same)")
                } else {
                    format!("events {e1} → {e2}")
                };
                digest_lines.push(format!("replicate {r}: {digest}, {events}"));
            }
            (Some((_, d, e)), None) => {
                moved += 1;
                digest_lines.push(format!(
                    "replicate {r}: in the golden file (digest {}, events {e}), not run now",
                    short(d)
                ));
            }
            (None, Some((_, d, e))) => {
                moved += 1;
                digest_lines.push(format!(
                    "replicate {r}: new (digest {}, events {e}), not in the golden file",
                    short(d)
                ));
            }
            (None, None) => {}
        }
    }
    let total = old.replicates.len().max(new.replicates.len());
    if moved > 0 {
        lines.push(format!("{moved} of {total} replicates moved:"));
        lines.extend(digest_lines.into_iter().map(|l| format!("  {l}")));
    } else if total > 0 {
        lines.push(format!(
            "every replicate's digest and event count is the same ({total})"
        ));
    }

    if old.other != new.other {
        lines.push(first_difference("other lines", &old.other, &new.other));
    }

    // The summary, field by field.
    if old.summary != new.summary {
        match (
            serde_json::from_str::<Node>(&old.summary),
            serde_json::from_str::<Node>(&new.summary),
        ) {
            (Ok(a), Ok(b)) => {
                let mut changes = Vec::new();
                walk("", &a, &b, &mut changes);
                if changes.is_empty() {
                    let a: Vec<&str> = old.summary.lines().collect();
                    let b: Vec<&str> = new.summary.lines().collect();
                    lines.push(first_difference(
                        "the summary's text (not its values)",
                        &a,
                        &b,
                    ));
                }
                if !changes.is_empty() {
                    lines.push(format!(
                        "the summary: {} field{} changed:",
                        changes.len(),
                        if changes.len() == 1 { "" } else { "s" }
                    ));
                }
                let mut sections: Vec<&'static str> = Vec::new();
                for change in &changes {
                    lines.push(format!("  {}", change.text));
                    if let Some(table) = table_of(&change.path)
                        && !sections.contains(&table)
                    {
                        sections.push(table);
                    }
                }
                if !sections.is_empty() {
                    lines.push(format!(
                        "(the per-replicate values behind them: {})",
                        sections.join("; ")
                    ));
                }
            }
            _ => {
                let a: Vec<&str> = old.summary.lines().collect();
                let b: Vec<&str> = new.summary.lines().collect();
                lines.push(first_difference("the summary (not JSON)", &a, &b));
            }
        }
    } else {
        lines.push("the summary is the same".to_string());
    }

    let mut text = String::new();
    let listed = lines.len().min(MAX_LISTED);
    for line in &lines[..listed] {
        let _ = writeln!(text, "  {line}");
    }
    if lines.len() > listed {
        let _ = writeln!(text, "  … and {} more lines", lines.len() - listed);
    }
    text.truncate(text.trim_end().len());
    text
}

/// The first line where `a` and `b` differ, for lines with no structure.
fn first_difference(what: &str, a: &[&str], b: &[&str]) -> String {
    let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    format!(
        "{what}, first difference at their line {}: golden `{}`, now `{}`",
        at + 1,
        a.get(at).copied().unwrap_or("<end>"),
        b.get(at).copied().unwrap_or("<end>")
    )
}

/// The table the summary's field at `path` is computed from, as the
/// output directory writes it per replicate.
fn table_of(path: &str) -> Option<&'static str> {
    let section = path.split(['.', '[']).next().unwrap_or(path);
    Some(match section {
        "funnel" => {
            "funnel: summary.csv's columns of the same names (funnel.csv by organ and clone)"
        }
        "clumps" => {
            "clumps: summary.csv's columns of the same names (funnel.csv by organ and clone)"
        }
        "cells_at_end" => "cells_at_end: summary.csv's *_cells columns",
        "events" => "events: summary.csv's events column",
        "first_detection_day" | "detected_replicates" => {
            "detection: summary.csv's first_detection_day column"
        }
        "cut_short" => "cut_short: summary.csv's stopped_by column",
        "metastases" => "metastases: metastases.csv (a row per site)",
        "harvests" => "harvests: harvests.csv's colonies column",
        "therapy" if path.starts_with("therapy.resistant_cells") => {
            "therapy.resistant_cells: resistance.csv"
        }
        "therapy" => "therapy: therapy.csv",
        _ => return None,
    })
}

/// The most characters of a value a change shows (an object removed or
/// added whole).
const LONGEST_VALUE: usize = 100;

/// `text`, shortened to [`LONGEST_VALUE`] characters.
fn clipped(text: String) -> String {
    if text.chars().count() > LONGEST_VALUE {
        format!("{}…", text.chars().take(LONGEST_VALUE).collect::<String>())
    } else {
        text
    }
}

/// A change in the summary: its path and the line that says it.
struct Change {
    path: String,
    text: String,
}

/// A JSON value with its objects' keys in the file's order.
#[derive(Debug, PartialEq)]
enum Node {
    /// A number, string, boolean or null.
    Leaf(serde_json::Value),
    /// An array.
    List(Vec<Node>),
    /// An object, its keys in order.
    Object(Vec<(String, Node)>),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf(serde_json::Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::List(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Object(entries))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Node {
    /// The value as compact JSON.
    fn text(&self) -> String {
        match self {
            Node::Leaf(value) => value.to_string(),
            Node::List(items) => {
                let items: Vec<String> = items.iter().map(Node::text).collect();
                format!("[{}]", items.join(","))
            }
            Node::Object(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::Value::from(k.as_str()), v.text()))
                    .collect();
                format!("{{{}}}", entries.join(","))
            }
        }
    }

    /// What names this element of an array, and what is compared under
    /// that name: a `[name, value]` pair is named by its name (the value
    /// compared); an object by its `day` and its `organ`, `name`, `clone`
    /// or `drug` (the whole object compared). `None` for anything else.
    fn label(&self) -> Option<(String, &Node)> {
        match self {
            Node::List(pair) => match pair.as_slice() {
                [Node::Leaf(serde_json::Value::String(name)), value] => {
                    Some((segment(name), value))
                }
                _ => None,
            },
            Node::Object(entries) => {
                let get = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);
                let mut words = Vec::new();
                if let Some(Node::Leaf(day @ serde_json::Value::Number(_))) = get("day") {
                    words.push(format!("day {day}"));
                }
                for key in ["organ", "name", "clone", "drug"] {
                    if let Some(Node::Leaf(serde_json::Value::String(name))) = get(key) {
                        words.push(name.clone());
                    }
                }
                match words.as_slice() {
                    [] => None,
                    [one] if !one.starts_with("day ") => Some((segment(one), self)),
                    _ => Some((format!("[{}]", words.join(", ")), self)),
                }
            }
            Node::Leaf(_) => None,
        }
    }
}

/// `.name` for a name that reads as one word, `["name"]` otherwise.
fn segment(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        format!(".{name}")
    } else {
        format!("[{}]", serde_json::Value::from(name))
    }
}

/// `path` followed by `segment` (`.x` or `[...]`), without a leading dot.
fn child(path: &str, segment: &str) -> String {
    let joined = format!("{path}{segment}");
    joined
        .strip_prefix('.')
        .map(str::to_string)
        .unwrap_or(joined)
}

/// The elements of a list by their labels, if every element has one and
/// no two share it.
fn labelled(items: &[Node]) -> Option<Named<'_>> {
    let labels: Named<'_> = items.iter().map(Node::label).collect::<Option<_>>()?;
    let mut names: Vec<&str> = labels.iter().map(|(l, _)| l.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    (names.len() == before).then_some(labels)
}

/// The members of an object or the elements of a list, each with the
/// segment that names it in a path (`.name`, `[3]`).
type Named<'a> = Vec<(String, &'a Node)>;

/// Every difference between `a` (the golden summary) and `b` (now) under
/// `path`, in the golden file's order, added fields last.
fn walk(path: &str, a: &Node, b: &Node, out: &mut Vec<Change>) {
    let pairs: Option<(Named<'_>, Named<'_>)> = match (a, b) {
        (Node::Object(x), Node::Object(y)) => Some((
            x.iter().map(|(k, v)| (segment(k), v)).collect(),
            y.iter().map(|(k, v)| (segment(k), v)).collect(),
        )),
        (Node::List(x), Node::List(y)) => match (labelled(x), labelled(y)) {
            (Some(x), Some(y)) => Some((x, y)),
            _ => Some((
                x.iter()
                    .enumerate()
                    .map(|(i, v)| (format!("[{i}]"), v))
                    .collect(),
                y.iter()
                    .enumerate()
                    .map(|(i, v)| (format!("[{i}]"), v))
                    .collect(),
            )),
        },
        _ => None,
    };
    let Some((x, y)) = pairs else {
        if a != b {
            let path = if path.is_empty() {
                "(the whole summary)"
            } else {
                path
            };
            out.push(Change {
                path: path.to_string(),
                text: format!("{path}: {} → {}", clipped(a.text()), clipped(b.text())),
            });
        }
        return;
    };
    for (key, value) in &x {
        let at = child(path, key);
        match y.iter().find(|(k, _)| k == key) {
            Some((_, other)) => walk(&at, value, other, out),
            None => out.push(Change {
                text: format!("{at}: removed (was {})", clipped(value.text())),
                path: at,
            }),
        }
    }
    for (key, value) in &y {
        if !x.iter().any(|(k, _)| k == key) {
            let at = child(path, key);
            out.push(Change {
                text: format!("{at}: added ({})", clipped(value.text())),
                path: at,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = r#"# cascade golden file: `cascade digest s.ron --seed 1 --replicate R`, then the summary.
# made by cascade 0.1.0 (extension NoExtension)
# Regenerate with CASCADE_BLESS=1 after an intended change.
replicate 0: digest 85970f91aec3159a8204e1c0d04b3971 events 94505
replicate 1: digest c8a79074c94a1a40937017bcb3675799 events 89195
replicate 2: digest 47896cf9a389ceacb1d91a7dd1a9e1cd events 94399
{
  "scenario": "s.ron",
  "funnel": [
    ["injected", {"mean": 2000.0, "low": 2000.0, "high": 2000.0, "n": 3}],
    ["arrested", {"mean": 812.5, "low": 800.0, "high": 825.0, "n": 3}]
  ],
  "metastases": [
    {"organ": "lung", "metastases": {"mean": 5.0, "low": 4.0, "high": 6.0, "n": 3}},
    {"organ": "liver", "metastases": {"mean": 1.0, "low": 0.0, "high": 2.0, "n": 3}}
  ],
  "harvests": [
    {"day": 10.0, "organ": "lung", "colonies": {"mean": 3.0, "low": null, "high": null, "n": 3}}
  ],
  "cut_short": 0
}
"#;

    /// `GOLDEN` with replicate 1 and a few summary fields moved, a key
    /// added and an organ gone, and another header.
    fn moved() -> String {
        GOLDEN
            .replace("0.1.0", "0.2.0")
            .replace(
                "c8a79074c94a1a40937017bcb3675799 events 89195",
                "0123456789abcdef0123456789abcdef events 89201",
            )
            .replace(
                r#"{"mean": 812.5, "low": 800.0"#,
                r#"{"mean": 815.25, "low": 800.0"#,
            )
            .replace(
                r#"
    {"organ": "liver", "metastases": {"mean": 1.0, "low": 0.0, "high": 2.0, "n": 3}}"#,
                "",
            )
            .replace(
                r#"{"organ": "lung", "metastases": {"mean": 5.0, "low": 4.0, "high": 6.0, "n": 3}},"#,
                r#"{"organ": "lung", "metastases": {"mean": 5.0, "low": 4.0, "high": 6.5, "n": 3}}"#,
            )
            .replace(r#""high": null, "n": 3}}"#, r#""high": 4.0, "n": 3}}"#)
            .replace(r#""cut_short": 0"#, r#""cut_short": 0, "therapy": {"cured_replicates": 1}"#)
    }

    #[test]
    fn the_header_takes_no_part_in_the_comparison() {
        let other_binary = GOLDEN.replace("0.1.0", "9.9.9");
        assert_ne!(GOLDEN, other_binary);
        assert_eq!(body(GOLDEN), body(&other_binary));
    }

    #[test]
    fn a_failure_names_each_replicate_and_field_that_moved() {
        let report = differences(GOLDEN, &moved());
        let expected = [
            "1 of 3 replicates moved:",
            "replicate 1: digest c8a79074… → 01234567…, events 89195 → 89201",
            "the summary: 5 fields changed:",
            "funnel.arrested.mean: 812.5 → 815.25",
            "metastases.lung.metastases.high: 6.0 → 6.5",
            r#"metastases.liver: removed (was {"organ":"liver","metastases":{"mean":1.0,"low":0.0,"high":2.0,"n":3}})"#,
            "harvests[day 10.0, lung].colonies.high: null → 4.0",
            r#"therapy: added ({"cured_replicates":1})"#,
        ];
        for line in expected {
            assert!(
                report.lines().any(|l| l.trim() == line),
                "{line:?} missing from:\n{report}"
            );
        }
        // In the golden file's order, added fields last.
        let at = |words: &str| report.find(words).unwrap();
        assert!(at("funnel.arrested") < at("metastases.lung"), "{report}");
        assert!(at("metastases.liver") < at("harvests"), "{report}");
        assert!(at("harvests") < at("therapy: added"), "{report}");
        // Replicates 0 and 2 did not move; the header is not reported.
        assert!(!report.contains("replicate 0"), "{report}");
        assert!(!report.contains("replicate 2"), "{report}");
        assert!(!report.contains("0.2.0"), "{report}");
        // The tables the changed sections come from.
        assert!(report.contains("funnel: summary.csv"), "{report}");
        assert!(report.contains("metastases: metastases.csv"), "{report}");
        assert!(report.contains("harvests: harvests.csv"), "{report}");
    }

    #[test]
    fn replicates_added_or_missing_and_an_unchanged_summary_are_said() {
        let fewer = GOLDEN.replace(
            "replicate 2: digest 47896cf9a389ceacb1d91a7dd1a9e1cd events 94399\n",
            "",
        );
        let report = differences(GOLDEN, &fewer);
        assert!(
            report.contains(
                "replicate 2: in the golden file (digest 47896cf9…, events 94399), not run now"
            ),
            "{report}"
        );
        assert!(report.contains("the summary is the same"), "{report}");
        let report = differences(&fewer, GOLDEN);
        assert!(
            report.contains("replicate 2: new (digest 47896cf9…"),
            "{report}"
        );
    }

    #[test]
    fn digests_alike_in_their_first_characters_are_shown_whole() {
        let now = GOLDEN.replace(
            "c8a79074c94a1a40937017bcb3675799 events 89195",
            "c8a79074c94a1a40937017bcb3675798 events 89195",
        );
        let report = differences(GOLDEN, &now);
        assert!(
            report.contains(
                "replicate 1: digest c8a79074c94a1a40937017bcb3675799 → c8a79074c94a1a40937017bcb3675798, events 89195 (the same)"
            ),
            "{report}"
        );
    }

    #[test]
    fn the_list_is_capped() {
        let mut golden = String::from("{\n");
        let mut now = String::from("{\n");
        for i in 0..100 {
            let comma = if i < 99 { "," } else { "" };
            golden.push_str(&format!("  \"f{i}\": {i}{comma}\n"));
            now.push_str(&format!("  \"f{i}\": {}{comma}\n", i + 1));
        }
        golden.push_str("}\n");
        now.push_str("}\n");
        let report = differences(&golden, &now);
        assert!(
            report.contains("the summary: 100 fields changed:"),
            "{report}"
        );
        assert!(report.contains("f0: 0 → 1"), "{report}");
        assert_eq!(report.lines().count(), MAX_LISTED + 1, "{report}");
        assert!(
            report.ends_with(&format!("… and {} more lines", 101 - MAX_LISTED)),
            "{report}"
        );
    }

    #[test]
    fn text_that_is_not_json_gets_its_first_difference() {
        let report = differences(
            "replicate 0: digest a events 1\n{ x\n",
            "replicate 0: digest a events 1\n{ y\n",
        );
        assert!(report.contains("golden `{ x`, now `{ y`"), "{report}");
    }
}
