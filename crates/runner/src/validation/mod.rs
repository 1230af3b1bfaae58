//! The validation suite: the published experiments of
//! `docs/references.md` as scenarios (`scenarios/validation/`), the
//! quantity each one measured computed from the simulated replicates, and
//! the comparison as a table and figures (`docs/validation.md`).
//!
//! Every row states up front its published value, its source, how sure
//! that value is (H, M, L as in `docs/references.md#confidence`), the
//! tolerance and why, and whether the scenario's parameters were *fitted*
//! to it (a calibration target: agreement shows only that the fit
//! worked), or it is *predicted*
//! (no parameter was chosen with it in view), or it is an *input* (the
//! value is a parameter). Rows where the model lacks the mechanism say so:
//! their expected verdict is "outside", with the reason, and the test
//! checks that too, so that a change in the model that closes (or opens)
//! a gap is noticed.
//!
//! `cascade validate` runs every experiment at [`Scale::Full`] and
//! rewrites the table in `docs/validation.md` and the figures in
//! `docs/validation/`; the default tests run [`Scale::Quick`] (fewer
//! replicates), and `tests/validation.rs` runs the full versions when
//! `CASCADE_VALIDATION=full` is set.

use core::fmt;
use core::fmt::Write as _;
use std::path::{Path, PathBuf};

use cascade_biology::{CascadeState, NoExtension};
use rayon::prelude::*;

use crate::run::{RunError, simulate};
use crate::scenario::{Scenario, load};
use crate::summary::{Estimate, number};

mod circulation;
mod clonal;
mod fluctuation;
mod intravenous;
mod liver;
mod mechanisms;
mod soil;
mod stats;

/// How many replicates: a quick version for the default tests, the full
/// one for the published table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scale {
    /// A few replicates: seconds, for the default test suite.
    Quick,
    /// Enough replicates for the 95% intervals of the table.
    Full,
}

impl Scale {
    /// `quick` replicates at [`Scale::Quick`], `full` at [`Scale::Full`].
    pub fn pick(self, quick: u64, full: u64) -> u64 {
        match self {
            Scale::Quick => quick,
            Scale::Full => full,
        }
    }
}

/// Where the scenarios are, how big a run, and on how many threads (the
/// results do not depend on the thread count).
#[derive(Clone, Debug)]
pub struct Setup {
    /// The directory of the validation scenarios.
    pub scenarios: PathBuf,
    /// Quick or full.
    pub scale: Scale,
    /// Worker threads.
    pub threads: usize,
}

/// Why the suite could not run.
#[derive(Debug)]
pub enum ValidationError {
    /// A scenario file could not be read or is invalid.
    Scenario(String),
    /// A replicate failed.
    Run(String),
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::Scenario(m) | ValidationError::Run(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ValidationError {}

/// What a row's parameters owe to its published value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// The scenario's parameters were chosen to match it.
    Fitted,
    /// No parameter was chosen with it in view.
    Predicted,
    /// The value is itself a parameter of the scenario.
    Input,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Fitted => "fitted",
            Role::Predicted => "predicted",
            Role::Input => "input",
        })
    }
}

/// The band the simulated value must fall in, stated before the run.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Tolerance {
    /// Within this fraction of the published value (0.3: ±30%).
    Relative(f64),
    /// Within this much of the published value, in its unit (for a share,
    /// 0.15 is ±15 percentage points).
    Absolute(f64),
    /// In `[low, high]`.
    Between(f64, f64),
    /// At least this.
    AtLeast(f64),
    /// At most this.
    AtMost(f64),
}

impl Tolerance {
    /// Whether `value` falls in the band around `published`.
    pub fn contains(self, published: f64, value: f64) -> bool {
        match self {
            Tolerance::Relative(f) => (value - published).abs() <= f * published.abs(),
            Tolerance::Absolute(d) => (value - published).abs() <= d,
            Tolerance::Between(low, high) => (low..=high).contains(&value),
            Tolerance::AtLeast(low) => value >= low,
            Tolerance::AtMost(high) => value <= high,
        }
    }

    fn describe(self, unit: Unit) -> String {
        match self {
            Tolerance::Relative(f) => format!("±{}%", short(f * 100.0)),
            Tolerance::Absolute(d) => match unit {
                Unit::Percent => format!("±{} points", short(d * 100.0)),
                _ => format!("±{}", unit.show(d)),
            },
            Tolerance::Between(low, high) => {
                format!("{} to {}", unit.show(low), unit.show(high))
            }
            Tolerance::AtLeast(low) => format!("≥ {}", unit.show(low)),
            Tolerance::AtMost(high) => format!("≤ {}", unit.show(high)),
        }
    }
}

/// How a row's numbers are shown.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A share, shown in percent.
    Percent,
    /// A plain number.
    Number,
    /// Hours.
    Hours,
}

impl Unit {
    fn show(self, x: f64) -> String {
        match self {
            Unit::Percent => format!("{}%", short(x * 100.0)),
            Unit::Number => short(x),
            Unit::Hours => format!("{} h", short(x)),
        }
    }
}

/// A number with three significant digits and no trailing zeros; a power
/// of ten (`9.141×10⁻⁶`, [`crate::summary::number`]) outside [10⁻³, 10⁶).
fn short(x: f64) -> String {
    let a = x.abs();
    if x.is_nan() {
        return "-".into();
    }
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e6).contains(&a) {
        return number(x);
    }
    let decimals = (2 - libm::floor(libm::log10(a)) as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// What the model is expected to do for a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Fall inside the tolerance.
    Inside,
    /// Fall outside, for the reason given (a mechanism the model lacks).
    Outside(String),
}

/// One row of the validation table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The experiment, e.g. "Fidler 1970".
    pub experiment: &'static str,
    /// What was measured.
    pub quantity: String,
    /// The published value as a number (in the row's unit).
    pub published: f64,
    /// The published value as the source states it.
    pub published_text: String,
    /// The source.
    pub source: &'static str,
    /// The figure's confidence (`docs/references.md#confidence`): H, M or L.
    pub confidence: &'static str,
    /// The band, and why that band.
    pub tolerance: Tolerance,
    /// Why this tolerance.
    pub why: String,
    /// The simulated value with its 95% interval.
    pub simulated: Estimate,
    /// The unit.
    pub unit: Unit,
    /// The scenario file (relative to the scenarios directory).
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Fitted, predicted or input.
    pub role: Role,
    /// What the model is expected to do.
    pub expect: Expect,
}

impl Row {
    /// The row with `detail` appended to its quantity (after a space): the
    /// numbers of a design that the published side cannot state up front.
    pub fn detailed(mut self, detail: impl AsRef<str>) -> Row {
        self.quantity.push(' ');
        self.quantity.push_str(detail.as_ref());
        self
    }

    /// Whether the simulated mean falls in the tolerance band.
    pub fn inside(&self) -> bool {
        self.tolerance.contains(self.published, self.simulated.mean)
    }

    /// Whether the row came out as expected (inside, or outside for a
    /// stated missing mechanism).
    pub fn as_expected(&self) -> bool {
        self.inside() == (self.expect == Expect::Inside)
    }

    fn simulated_text(&self) -> String {
        let s = &self.simulated;
        match (s.low, s.high) {
            (Some(low), Some(high)) => format!(
                "{} [{}, {}]",
                self.unit.show(s.mean),
                self.unit.show(low),
                self.unit.show(high)
            ),
            _ => self.unit.show(s.mean),
        }
    }
}

/// A row's published side, written before the run: what was measured,
/// its value and source, the tolerance and why, and what the model is
/// expected to do. [`Published::simulated`] completes it into a [`Row`].
#[derive(Clone, Debug)]
pub struct Published {
    /// The experiment, e.g. "Fidler 1970".
    pub experiment: &'static str,
    /// What was measured.
    pub quantity: &'static str,
    /// The published value as a number (in `unit`).
    pub value: f64,
    /// The published value as the source states it.
    pub text: &'static str,
    /// The source.
    pub source: &'static str,
    /// The figure's confidence (`docs/references.md#confidence`): H, M or L.
    pub confidence: &'static str,
    /// The band.
    pub tolerance: Tolerance,
    /// Why this band.
    pub why: &'static str,
    /// The unit.
    pub unit: Unit,
    /// Fitted, predicted or input.
    pub role: Role,
    /// What the model is expected to do.
    pub expect: Expect,
}

impl Published {
    /// The row, with the simulated estimate from `scenario` under `seed`.
    pub fn simulated(self, simulated: Estimate, scenario: &str, seed: u64) -> Row {
        Row {
            experiment: self.experiment,
            quantity: self.quantity.into(),
            published: self.value,
            published_text: self.text.into(),
            source: self.source,
            confidence: self.confidence,
            tolerance: self.tolerance,
            why: self.why.into(),
            simulated,
            unit: self.unit,
            scenario: scenario.into(),
            seed,
            role: self.role,
            expect: self.expect,
        }
    }
}

/// A figure: its file name (in `docs/validation/`) and its SVG text.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File name, e.g. `intravenous_funnel.svg`.
    pub file: String,
    /// What it shows (the caption).
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// One experiment's rows and figures.
#[derive(Clone, Debug)]
pub struct Experiment {
    /// A short name, e.g. "B16 cells into the tail vein".
    pub title: &'static str,
    /// Its rows.
    pub rows: Vec<Row>,
    /// Its figures.
    pub figures: Vec<Figure>,
}

/// Every experiment of the suite, in table order.
///
/// # Errors
///
/// [`ValidationError`] if a scenario cannot be read or a replicate fails.
pub fn run_all(setup: &Setup) -> Result<Vec<Experiment>, ValidationError> {
    EXPERIMENTS.iter().map(|(_, run)| run(setup)).collect()
}

/// An experiment's runner.
pub type RunExperiment = fn(&Setup) -> Result<Experiment, ValidationError>;

/// Every experiment, by name, in table order.
pub const EXPERIMENTS: [(&str, RunExperiment); 7] = [
    ("intravenous", intravenous::run),
    ("liver", liver::run),
    ("soil", soil::run),
    ("clonal", clonal::run),
    ("fluctuation", fluctuation::run),
    ("circulation", circulation::run),
    ("mechanisms", mechanisms::run),
];

/// Loads `name` from the scenarios directory.
pub(crate) fn scenario(
    setup: &Setup,
    name: &str,
) -> Result<Scenario<NoExtension>, ValidationError> {
    load::<NoExtension>(&setup.scenarios.join(name))
        .map_err(|e| ValidationError::Scenario(e.to_string()))
}

/// Runs replicates `0..n` of `scenario` under its own seed on
/// `setup.threads` threads and applies `measure` to each final state;
/// results in replicate order.
pub(crate) fn replicates<T: Send>(
    setup: &Setup,
    scenario: &Scenario<NoExtension>,
    n: u64,
    measure: impl Fn(&CascadeState) -> T + Sync,
) -> Result<Vec<T>, ValidationError> {
    let seed = scenario.file.seed;
    in_parallel(setup, n, |r| {
        simulate(scenario, seed, r)
            .map(|finished| measure(finished.state()))
            .map_err(|e| run_error(scenario, r, e))
    })
}

/// `job(0)`, …, `job(n − 1)` on `setup.threads` threads; results in that
/// order, or the first error in that order.
pub(crate) fn in_parallel<T: Send>(
    setup: &Setup,
    n: u64,
    job: impl Fn(u64) -> Result<T, ValidationError> + Sync,
) -> Result<Vec<T>, ValidationError> {
    let pool =
        crate::execute::worker_pool(Some(setup.threads.max(1))).map_err(ValidationError::Run)?;
    let results: Vec<Result<T, ValidationError>> =
        pool.install(|| (0..n).into_par_iter().map(&job).collect());
    results.into_iter().collect()
}

/// A failed replicate `r` of `scenario`, as a [`ValidationError`].
pub(crate) fn run_error(
    scenario: &Scenario<NoExtension>,
    r: u64,
    error: RunError,
) -> ValidationError {
    ValidationError::Run(format!(
        "{}: replicate {r}: {error}",
        scenario.path.display()
    ))
}

/// The estimate (mean, 95% interval) over per-replicate values.
pub(crate) fn estimate(values: impl Iterator<Item = f64>) -> Estimate {
    Estimate::of(&values.collect::<Vec<_>>())
}

/// A bar for `e` times `scale`, with its interval if it has one.
pub(crate) fn bar(e: &Estimate, scale: f64) -> crate::report::bars::Bar {
    match (e.low, e.high) {
        (Some(l), Some(h)) => {
            crate::report::bars::Bar::with_interval(e.mean * scale, l * scale, h * scale)
        }
        _ => crate::report::bars::Bar::value(e.mean * scale),
    }
}

/// A share as a number in [0, 1]; 0 when the denominator is 0.
pub(crate) fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The table of every row, as Markdown.
pub fn table(experiments: &[Experiment]) -> String {
    let mut s = String::new();
    s.push_str(
        "| # | source | quantity | published | conf. | simulated (95% CI) | tolerance | inside | role | scenario, replicates, seed |\n",
    );
    s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    let mut k = 0;
    for experiment in experiments {
        for row in &experiment.rows {
            k += 1;
            let verdict = match (&row.expect, row.inside()) {
                (_, true) => "yes".to_string(),
                (Expect::Outside(why), false) => format!("**no**: {why}"),
                (Expect::Inside, false) => "**no** (unexpected)".to_string(),
            };
            let _ = writeln!(
                s,
                "| {k} | {} | {} | {} | {} | {} | {} | {} | {} | `{}`, {}, {} |",
                row.source,
                row.quantity,
                row.published_text,
                row.confidence,
                row.simulated_text(),
                row.tolerance.describe(row.unit),
                verdict,
                row.role,
                row.scenario,
                row.simulated.n,
                row.seed
            );
        }
    }
    s
}

/// The reasons for each row's tolerance, as a Markdown list.
pub fn tolerances(experiments: &[Experiment]) -> String {
    let mut s = String::new();
    let mut k = 0;
    for experiment in experiments {
        for row in &experiment.rows {
            k += 1;
            let _ = writeln!(s, "{k}. {}", row.why);
        }
    }
    s
}

const BEGIN: &str =
    "<!-- validation:begin (generated by `cascade validate`; do not edit by hand) -->";
const END: &str = "<!-- validation:end -->";

/// Writes the figures into `figures` and replaces the generated part of
/// the document `doc` (between its markers) with the table, the
/// tolerances and the figure list. Files are written whole through a
/// temporary file and a rename.
///
/// # Errors
///
/// An I/O error, or a document without the markers.
pub fn write(experiments: &[Experiment], doc: &Path, figures: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(figures)?;
    let mut generated = String::new();
    generated.push_str(BEGIN);
    generated.push_str("\n\n");
    generated.push_str(&table(experiments));
    generated.push_str("\nWhy each tolerance:\n\n");
    generated.push_str(&tolerances(experiments));
    generated.push_str("\n## Figures\n");
    let folder = figures
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    for experiment in experiments {
        if !experiment.figures.is_empty() {
            let _ = writeln!(generated, "\n### {}", experiment.title);
        }
        for figure in &experiment.figures {
            atomic_write(&figures.join(&figure.file), &figure.svg)?;
            let _ = write!(
                generated,
                "\n![{}]({folder}/{})\n\n*{}*\n",
                figure.file, figure.file, figure.caption
            );
        }
    }
    generated.push('\n');
    generated.push_str(END);
    replace_section(doc, BEGIN, END, &generated)
}

/// Replaces the part of `doc` from the line `begin` to the line `end`
/// (markers included) with `generated` (which starts with `begin` and ends
/// with `end`), writing the document whole.
///
/// # Errors
///
/// An I/O error, or a document without the markers.
pub(crate) fn replace_section(
    doc: &Path,
    begin: &str,
    end: &str,
    generated: &str,
) -> std::io::Result<()> {
    // A document, at most as large as a scenario file may be (not a
    // device that never ends).
    let bytes = crate::files::read_limited(doc, crate::scenario::MAX_SCENARIO_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        )
    })?;
    let (Some(from), Some(to)) = (text.find(begin), text.find(end)) else {
        return Err(std::io::Error::other(format!(
            "{} has no generated section: add the lines\n{begin}\n{end}",
            doc.display()
        )));
    };
    let updated = format!("{}{generated}{}", &text[..from], &text[to + end.len()..]);
    atomic_write(doc, &updated)
}

/// Writes `text` to `path` through a temporary file and a rename.
pub(crate) fn atomic_write(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::replace_section;

    #[test]
    fn a_document_beyond_the_size_limit_is_refused_not_read_whole() {
        let dir = std::env::temp_dir().join(format!("cascade-doc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let doc = dir.join("large.md");
        std::fs::File::create(&doc)
            .and_then(|f| f.set_len(crate::scenario::MAX_SCENARIO_BYTES + 1))
            .unwrap();
        let devices = [std::path::Path::new("/dev/zero")];
        for path in std::iter::once(doc.as_path()).chain(devices.into_iter().filter(|d| d.exists()))
        {
            let error = replace_section(path, "<!-- a -->", "<!-- b -->", "").unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge, "{error}");
            assert!(error.to_string().contains("64 MiB"), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
