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
            Ok(expected) if expected != text => report
                .failures
                .push((relative, first_difference(&expected, &text))),
            Ok(_) => {}
        }
    }
    Ok(report)
}

fn first_difference(expected: &str, found: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut found_lines = found.lines();
    let mut line = 1;
    loop {
        match (expected_lines.next(), found_lines.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                return format!(
                    "  first difference at line {line}:\n    golden: {}\n    now:    {}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                );
            }
        }
    }
}
