//! `cascade report DIR` and `cascade plot DIR --figure NAME`: one
//! self-contained HTML page, or one figure as SVG, for a run directory
//! written by `cascade run --out`.
//!
//! Everything plotted is read from the run's store (`store.sqlite`)
//! through the tables' one definition ([`crate::schema`]), so a figure
//! shows what the exported tables hold, whatever their format (CSV or
//! Parquet): [`load`] reads the rows, [`data`] turns them into the
//! numbers each figure draws (the page embeds them as JSON, so a reader
//! or a test can check them against the CSV), [`figures`] draws them with
//! `plotters` in one style, and [`page`] writes the HTML. The page holds no
//! timestamp and no path of the machine: the same run directory gives the
//! same bytes anywhere.
//!
//! The figures ([`Figure`]): the attrition funnel, metastases per organ
//! next to where the blood took the cells, the burden over time,
//! Kaplan–Meier curves of the first detection (and of the first relapse,
//! with therapy), cure, relapse and resistant cells with therapy
//! ([`therapy`]), colonies at each harvest and their sizes
//! ([`colony_sizes`]), the clonal composition of the first replicate (a
//! Muller plot) and the lineage tree of its largest clones ([`lineage`]).
//! A sweep's directory gets a page of its own ([`sweep`]): each outcome
//! of `points.csv` against each axis.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::output::{RunIdentity, stored_tables};
use crate::scenario::{Scenario, ScenarioExtension};
use crate::schema::{self, Row, TableSchema, Value};
use crate::store::{STORE_FILE, Store, StoreError};

pub mod bars;
pub mod colony_sizes;
pub mod data;
pub mod figures;
pub mod html;
pub mod lineage;
pub mod page;
pub mod placeholders;
pub mod png;
pub mod published;
pub mod style;
pub mod sweep;
pub mod therapy;

/// The report's file name in the run directory, when `--out` is not given.
pub const REPORT_FILE: &str = "report.html";

/// A figure of the report, by the name `cascade plot --figure` takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Figure {
    /// The attrition funnel along the cascade, with 95% intervals.
    Funnel,
    /// Metastases per organ next to the share of arrivals at each organ.
    Organs,
    /// Cells over time: primary, metastases, solitary and dormant cells.
    Burden,
    /// Kaplan–Meier curves: first detection, first relapse.
    Survival,
    /// Colonies per replicate at each harvest.
    Harvests,
    /// The clonal composition of the first replicate over time.
    Composition,
    /// The sizes of the metastases at each harvest, per organ.
    ColonySizes,
    /// The lineage tree of the largest clones of the first replicate.
    Lineage,
    /// With therapy: cure and relapse, by both definitions.
    Therapy,
    /// With drugs: resistant cells per drug at the first dose, the
    /// surgery and the end.
    Resistance,
}

impl Figure {
    /// Every figure, in the page's order (a run without therapy has
    /// neither [`Figure::Therapy`] nor [`Figure::Resistance`]:
    /// [`data::Numbers::figures`]).
    pub const ALL: [Figure; 10] = [
        Figure::Funnel,
        Figure::Organs,
        Figure::Burden,
        Figure::Survival,
        Figure::Therapy,
        Figure::Resistance,
        Figure::Harvests,
        Figure::ColonySizes,
        Figure::Composition,
        Figure::Lineage,
    ];

    /// Its name (`funnel`), as `--figure` takes it and the page's
    /// `data-figure` attribute holds it.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Funnel => "funnel",
            Figure::Organs => "organs",
            Figure::Burden => "burden",
            Figure::Survival => "survival",
            Figure::Harvests => "harvests",
            Figure::Composition => "composition",
            Figure::ColonySizes => "colony-sizes",
            Figure::Lineage => "lineage",
            Figure::Therapy => "therapy",
            Figure::Resistance => "resistance",
        }
    }

    /// The figure named `name`.
    ///
    /// # Errors
    ///
    /// [`ReportError::UnknownFigure`], listing the names there are.
    pub fn named(name: &str) -> Result<Figure, ReportError> {
        Figure::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| ReportError::UnknownFigure(name.to_string()))
    }

    /// The names of every figure, for messages: `funnel, organs, …`.
    pub fn names() -> String {
        let names: Vec<&str> = Figure::ALL.iter().map(|f| f.name()).collect();
        names.join(", ")
    }
}

/// Why a report or a figure could not be made.
#[derive(Debug)]
pub enum ReportError {
    /// The directory is not a finished `cascade run` directory: why, and
    /// what would do.
    NotARun(String),
    /// The directory is one slice of a sweep (`--shard`), whose points
    /// are not all there.
    Slice {
        /// The directory.
        root: PathBuf,
        /// The slice (`I/N`).
        shard: String,
    },
    /// Replicates the store lacks: how many, of how many, and the command
    /// that finishes the run.
    Unfinished {
        /// The directory.
        root: PathBuf,
        /// Replicates missing.
        missing: u64,
        /// Replicates the run asked for.
        replicates: u64,
    },
    /// The store could not be read.
    Store(StoreError),
    /// A table's column the report reads is not in the schema (a table
    /// changed without the report).
    Column {
        /// The table's file.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// No figure of that name.
    UnknownFigure(String),
    /// No figure of that name in a sweep's report.
    UnknownSweepFigure {
        /// The name asked for.
        name: String,
        /// The sweep's figures, for the message.
        names: String,
    },
    /// Drawing a figure failed.
    Draw {
        /// The figure.
        figure: String,
        /// What went wrong.
        message: String,
    },
    /// Writing the page or the figure failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::NotARun(why) => f.write_str(why),
            ReportError::Slice { root, shard } => write!(
                f,
                "{} is slice {shard} of a sweep, which holds some of its points only: merge the \
                 slices first (`cascade merge --out DIR SLICE_DIR...`) and report the merged \
                 directory",
                root.display()
            ),
            ReportError::Unfinished {
                root,
                missing,
                replicates,
            } => write!(
                f,
                "{}: {missing} of {replicates} replicates are not in the store yet; finish the \
                 run first (`cascade run FILE --out {} --resume`, with the seed and replicates \
                 of its manifest)",
                root.display(),
                root.display()
            ),
            ReportError::Store(error) => write!(f, "{error}"),
            ReportError::Column { table, column } => {
                write!(
                    f,
                    "{table} has no column `{column}` (report and schema disagree)"
                )
            }
            ReportError::UnknownFigure(name) => write!(
                f,
                "no figure named `{name}`: expected one of {}",
                Figure::names()
            ),
            ReportError::UnknownSweepFigure { name, names } => write!(
                f,
                "no figure named `{name}` in a sweep's report: a sweep's figures are the \
                 outcomes of its points.csv, {names}"
            ),
            ReportError::Draw { figure, message } => {
                write!(f, "cannot draw the figure `{figure}`: {message}")
            }
            ReportError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ReportError {}

impl From<StoreError> for ReportError {
    fn from(error: StoreError) -> ReportError {
        ReportError::Store(error)
    }
}

/// A table's rows as the store holds them, with its schema.
#[derive(Debug)]
pub struct TableRows {
    /// The table's columns.
    pub schema: TableSchema,
    /// Its rows, in replicate order.
    pub rows: Vec<Row>,
}

impl TableRows {
    /// The position of the column `name`.
    ///
    /// # Errors
    ///
    /// [`ReportError::Column`] if the table has none of that name.
    pub fn column(&self, name: &'static str) -> Result<usize, ReportError> {
        self.schema
            .column(name)
            .map(|(index, _)| index)
            .ok_or(ReportError::Column {
                table: self.schema.table.file,
                column: name,
            })
    }
}

/// A count of a row (0 for no value).
pub(crate) fn count(row: &Row, column: usize) -> u64 {
    match row.get(column) {
        Some(Value::Count(n)) => *n,
        _ => 0,
    }
}

/// A day or a float of a row, if it has one.
pub(crate) fn real(row: &Row, column: usize) -> Option<f64> {
    match row.get(column) {
        Some(Value::Day(x) | Value::Float(x)) => Some(*x),
        _ => None,
    }
}

/// The text of a row ("" for no value).
pub(crate) fn text(row: &Row, column: usize) -> &str {
    match row.get(column) {
        Some(Value::Text(t)) => t,
        _ => "",
    }
}

/// A Boolean of a row (false for no value).
pub(crate) fn boolean(row: &Row, column: usize) -> bool {
    matches!(row.get(column), Some(Value::Boolean(true)))
}

/// A finished run: its identity, its scenario (with the run's `--set`
/// changes) and the rows of every table.
#[derive(Debug)]
pub struct Run<X: ScenarioExtension> {
    /// The run's identity (`run.json`).
    pub identity: RunIdentity,
    /// The scenario as the run ran it.
    pub scenario: Scenario<X>,
    /// The scenario file's name as the run gave it.
    pub scenario_name: String,
    /// Every table of [`schema::TABLES`], in that order, with the rows the
    /// figures read ([`load`]).
    pub tables: Vec<TableRows>,
}

impl<X: ScenarioExtension> Run<X> {
    /// The rows of the table at `index` of [`schema::TABLES`]
    /// ([`schema::SUMMARY`] …).
    pub fn table(&self, index: usize) -> &TableRows {
        &self.tables[index]
    }
}

/// The replicates whose rows of the table at `index` the figures read:
/// every replicate's for the tables of outcomes; replicate 0's for the
/// clonal tables (the Muller plot is of one replicate, and these tables
/// grow with every site and day); none of the tables no figure reads yet.
fn read_units(index: usize, replicates: u64) -> core::ops::Range<u64> {
    match index {
        schema::CLONES | schema::DIVERSITY | schema::COMPOSITION => 0..replicates.min(1),
        schema::SITE_CLONES | schema::TREES | schema::PREVALENCE => 0..0,
        _ => 0..replicates,
    }
}

/// Reads the finished run in `root`: its identity and scenario from the
/// store, then the rows the figures read: every replicate's of the tables
/// of outcomes, replicate 0's of `clones.csv`, `diversity.csv` and
/// `composition.csv`, none of `site_clones.csv`.
///
/// # Errors
///
/// [`ReportError::NotARun`] for a directory that is not a run of this
/// binary (a sweep's among them: [`sweep::load`] reads those),
/// [`ReportError::Unfinished`] for a run whose store lacks replicates,
/// [`ReportError::Store`] for a store that cannot be read.
pub fn load<X: ScenarioExtension>(root: &Path) -> Result<Run<X>, ReportError> {
    match open::<X>(root)? {
        Directory::Run(run) => Ok(run),
        Directory::Sweep(_) => Err(ReportError::NotARun(format!(
            "{} is a sweep directory, not a run's",
            root.display()
        ))),
    }
}

/// What a finished directory holds: a run, or a sweep (or a merge of
/// its slices).
#[derive(Debug)]
pub enum Directory<X: ScenarioExtension> {
    /// The --out of `cascade run`.
    Run(Run<X>),
    /// The --out of `cascade sweep` or `cascade merge`.
    Sweep(sweep::Sweep<X>),
}

/// Reads the finished run or sweep in `root`.
///
/// # Errors
///
/// As [`load`] and [`sweep::load`].
pub fn open<X: ScenarioExtension>(root: &Path) -> Result<Directory<X>, ReportError> {
    let (identity, scenario) =
        crate::export::stored_scenario::<X>(root).map_err(|f| ReportError::NotARun(message(f)))?;
    if identity.sweep.is_some() {
        return sweep::load(root, identity, scenario).map(Directory::Sweep);
    }
    let scenario_name = scenario.path.display().to_string();
    let scenario = crate::execute::with_sets(scenario, &identity.sets).map_err(|f| {
        ReportError::NotARun(format!(
            "{}: the run's --set changes: {}",
            root.display(),
            message(f)
        ))
    })?;
    let schemas = schema::schemas(&crate::run::declarations(&scenario));
    let store = Store::open(&root.join(STORE_FILE), &stored_tables(&schemas))?;
    let replicates = identity.replicates;
    let units = store.units()?;
    let finished = units.iter().filter(|&&u| u < replicates).count() as u64;
    if finished < replicates {
        return Err(ReportError::Unfinished {
            root: root.to_path_buf(),
            missing: replicates - finished,
            replicates,
        });
    }
    let mut tables = Vec::with_capacity(schemas.len());
    for (index, schema) in schemas.into_iter().enumerate() {
        let mut rows = Vec::new();
        store.for_each_row(index, read_units(index, replicates), |_, row| {
            rows.push(row.clone());
            Ok(())
        })?;
        tables.push(TableRows { schema, rows });
    }
    Ok(Directory::Run(Run {
        identity,
        scenario,
        scenario_name,
        tables,
    }))
}

/// A failure's message.
fn message(failure: crate::execute::Failure) -> String {
    use crate::execute::Failure;
    match failure {
        Failure::Input(m) | Failure::Run(m) | Failure::Io(m) | Failure::Interrupted(m) => m,
    }
}

/// `cascade report DIR [--out FILE]`: writes the page for the run or
/// sweep in `root` to `out` (`DIR/report.html` by default); returns the
/// line to print.
///
/// # Errors
///
/// As [`open`], or a failed write.
pub fn report<X: ScenarioExtension>(
    root: &Path,
    out: Option<&Path>,
) -> Result<String, ReportError> {
    let (html, what) = match open::<X>(root)? {
        Directory::Run(run) => {
            let numbers = data::Numbers::of(&run)?;
            (
                page::page_of(&run, &numbers)?,
                format!(
                    "{} replicates ({} figures)",
                    run.identity.replicates,
                    numbers.figures().len()
                ),
            )
        }
        Directory::Sweep(sweep) => (
            sweep::page::page(&sweep)?,
            format!(
                "a sweep of {} points × {} replicates ({} figures)",
                sweep.numbers.points,
                sweep.numbers.replicates,
                sweep.numbers.outcomes.len()
            ),
        ),
    };
    let path = out.map_or_else(|| root.join(REPORT_FILE), Path::to_path_buf);
    crate::output::write_atomic(&path, html.as_bytes()).map_err(|e| match e {
        crate::output::OutputError::Io { path, error } => ReportError::Io { path, error },
        crate::output::OutputError::Refused(m) => ReportError::NotARun(m),
    })?;
    Ok(format!("{}: wrote the report of {what}\n", path.display()))
}

/// A figure's file format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FigureFormat {
    /// SVG, as the page holds it.
    Svg,
    /// PNG: the SVG rasterised at [`png::SCALE`] times its size, with an
    /// embedded font ([`png`]).
    Png,
}

/// `cascade plot DIR --figure NAME --format svg|png [--out FILE]`: the
/// figure as SVG (written to `out` or returned, for standard output) or
/// as PNG (written to `out`, `DIR/NAME.png` by default).
///
/// # Errors
///
/// [`ReportError::UnknownFigure`] (or [`ReportError::UnknownSweepFigure`])
/// for a name the directory has no figure of, as [`open`],
/// [`ReportError::Draw`] if the figure cannot be drawn or
/// rasterised, or a failed write.
pub fn plot<X: ScenarioExtension>(
    root: &Path,
    figure: &str,
    format: FigureFormat,
    out: Option<&Path>,
) -> Result<String, ReportError> {
    let svg = match open::<X>(root)? {
        Directory::Run(run) => {
            let figure = Figure::named(figure)?;
            figures::draw(figure, &data::Numbers::of(&run)?)?
        }
        Directory::Sweep(sweep) => {
            sweep::figures::draw(sweep.numbers.outcome(figure)?, &sweep.numbers)?
        }
    };
    let (bytes, path) = match (format, out) {
        (FigureFormat::Svg, None) => return Ok(svg),
        (FigureFormat::Svg, Some(path)) => (svg.into_bytes(), path.to_path_buf()),
        (FigureFormat::Png, out) => {
            let png = png::rasterise(&svg).map_err(|message| ReportError::Draw {
                figure: figure.to_string(),
                message,
            })?;
            let path = out.map_or_else(|| root.join(format!("{figure}.png")), Path::to_path_buf);
            (png, path)
        }
    };
    crate::output::write_atomic(&path, &bytes).map_err(|e| match e {
        crate::output::OutputError::Io { path, error } => ReportError::Io { path, error },
        crate::output::OutputError::Refused(m) => ReportError::NotARun(m),
    })?;
    Ok(format!("{}: wrote the figure `{figure}`\n", path.display()))
}
