//! `cascade sweep` (a grid, or one slice of it) and `cascade merge` (the
//! slices joined into exactly the files one machine writes).
//!
//! A sweep's output directory is a run's ([`crate::output`]) with units in
//! place of replicates: the store holds unit `u = point × replicates +
//! replicate`; every table starts with the columns `point`
//! and one per axis; `points.csv` has one row per point (means with 95%
//! intervals); `summary.json` a summary per point; `run.json` the grid and
//! the slice. Merging copies every slice's units into a new store and
//! writes the tables, summaries and manifest from them with the same code
//! as an unsliced sweep, so the bytes are the same.

use core::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::execute::{Done, Failure, run_units};
use crate::output::{
    FORMAT, Manifest, ManifestReplicate, OutputDir, RunIdentity, SweepIdentity, TableFormat,
    stored_tables,
};
use crate::run::{ReplicateRecord, run_replicate};
use crate::scenario::{Scenario, ScenarioExtension, load};
use crate::schema::{Row, TABLES, TableSchema, Value, points_schema, sweep_schemas};
use crate::store::{STORE_FILE, Store, StoreError};
use crate::summary::{ClinicalRelapse, Estimate, Summary, number, trimmed};
use crate::sweep::{Grid, Shard, grid, scenario_at};

/// A number taken from a replicate's record.
pub(crate) type Observable = fn(&ReplicateRecord) -> f64;
/// Whether a replicate had an outcome (cure, relapse).
type Outcome = fn(&ReplicateRecord) -> bool;

/// The file of per-point means.
pub const POINTS_FILE: &str = crate::schema::POINTS.file;

/// How the observable `name` of `points.csv`
/// ([`crate::schema::point_observables`]) is read from a replicate's
/// record.
pub(crate) fn observable(name: &str) -> Option<Observable> {
    let f: Observable = match name {
        "shed" => |r| r.funnel.shed as f64,
        "extravasated" => |r| r.funnel.extravasated as f64,
        "micrometastases_founded" => |r| r.funnel.micrometastases as f64,
        "macrometastases_reached" => |r| r.funnel.macrometastases as f64,
        "metastases_alive" => |r| r.metastases.iter().sum::<u64>() as f64,
        "macrometastases_alive" => |r| r.macrometastases.iter().sum::<u64>() as f64,
        "detected" => |r| {
            if r.first_detection_day.is_some() {
                1.0
            } else {
                0.0
            }
        },
        _ => return None,
    };
    Some(f)
}

/// The clinical relapse of a point's replicates
/// ([`ClinicalRelapse`], as `summary.json` gives it): the share of those
/// whose surgery found no detectable metastasis that had a detection
/// after it; `None`, `points.csv`'s cells empty, when none had such a
/// surgery.
fn clinical_relapse(chunk: &[ReplicateRecord]) -> Option<Estimate> {
    let outcomes: Vec<&crate::run::TherapyOutcome> =
        chunk.iter().filter_map(|r| r.therapy.as_ref()).collect();
    ClinicalRelapse::of(&outcomes)
        .filter(|c| c.clear_replicates > 0)
        .map(|c| c.relapse_probability)
}

/// `points.csv` of the finished sweep of `base` whose identity is `found`,
/// from the `records` of all its units (in unit order): the grid, the
/// table's columns and its rows, made by the code that writes the file,
/// so that `cascade report` plots the file's numbers.
///
/// # Errors
///
/// [`Failure::Input`] if the scenario's grid or one of its points is
/// invalid.
pub(crate) fn points_of<X: ScenarioExtension>(
    base: Scenario<X>,
    found: &RunIdentity,
    records: &[ReplicateRecord],
) -> Result<(Grid, TableSchema, Vec<Row>), Failure> {
    let plan = Plan::new(base, found.seed, found.replicates)?;
    let (schema, rows) = plan.points_table(0, records);
    Ok((plan.grid, schema, rows))
}

/// What `cascade sweep` was asked to do.
#[derive(Clone, Debug)]
pub struct SweepRequest<'a> {
    /// The scenario file, as given.
    pub file: &'a Path,
    /// The seed (default: the file's).
    pub seed: Option<u64>,
    /// Replicates per point (default: the file's).
    pub replicates: Option<u64>,
    /// One slice of the work, or all of it.
    pub shard: Option<Shard>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Each replicate's memory budget (`--max-memory`), if not the default.
    pub max_memory: Option<u64>,
    /// The output directory.
    pub out: Option<&'a Path>,
    /// Finish an interrupted sweep in `out`.
    pub resume: bool,
    /// How the combined tables are written.
    pub format: TableFormat,
}

/// The scenario at every point of its grid (every point is checked, so
/// that an invalid point fails every slice alike).
struct Plan<X: ScenarioExtension> {
    base: Scenario<X>,
    grid: Grid,
    points: Vec<Scenario<X>>,
    seed: u64,
    replicates: u64,
    /// Every table's columns, the point's first.
    schemas: Vec<TableSchema>,
}

impl<X: ScenarioExtension> Plan<X> {
    fn new(base: Scenario<X>, seed: u64, replicates: u64) -> Result<Self, Failure> {
        let grid =
            grid(&base).map_err(|m| Failure::Input(format!("{}: {m}", base.path.display())))?;
        let points = (0..grid.points())
            .map(|p| scenario_at(&base, &grid, p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| Failure::Input(format!("{}: sweep: {m}", base.path.display())))?;
        let declared = crate::run::declarations(&base);
        if let Some(p) = (points.iter()).position(|s| crate::run::declarations(s) != declared) {
            return Err(Failure::Input(format!(
                "{}: sweep: point {p} changes what the extension declares (its fates, \
                 counters or levels), so the points' tables would have other columns; an \
                 extension's declarations must not depend on a swept parameter",
                base.path.display()
            )));
        }
        let parameters: Vec<&str> = grid.axes.iter().map(|a| a.parameter.as_str()).collect();
        if let Some(clash) = crate::schema::clash(&declared, &parameters) {
            return Err(Failure::Input(format!(
                "{}: sweep: the column {:?} would be in {} twice (an axis and a column of the \
                 extension's or of the model's); name the extension's fates and counters apart \
                 from the swept parameters",
                base.path.display(),
                clash.column,
                clash.table
            )));
        }
        let schemas = sweep_schemas(&declared, &parameters);
        Ok(Plan {
            base,
            grid,
            points,
            seed,
            replicates,
            schemas,
        })
    }

    /// The axes' parameters, in order.
    fn parameters(&self) -> Vec<&str> {
        (self.grid.axes.iter())
            .map(|a| a.parameter.as_str())
            .collect()
    }

    fn units(&self) -> u64 {
        self.grid.points() * self.replicates
    }

    fn identity(&self, shard: Option<Shard>) -> RunIdentity {
        RunIdentity {
            format: FORMAT,
            cascade_version: env!("CARGO_PKG_VERSION").to_string(),
            extension: std::any::type_name::<X>().to_string(),
            extension_version: X::version().to_string(),
            scenario_sha256: self.base.sha256.clone(),
            seed: self.seed,
            replicates: self.replicates,
            sweep: Some(SweepIdentity {
                axes: self.grid.axes.clone(),
                shard,
            }),
            sets: Vec::new(),
        }
    }

    /// The values of the point's columns for the rows of point `p`: its
    /// index, then its value on each axis.
    fn point_values(&self, p: u64) -> Vec<Value> {
        crate::schema::point_values(p, &self.grid.values(p))
    }

    /// Runs unit `u` (or reads it back from `dir` if it finished earlier).
    fn unit(&self, u: u64, dir: Option<&OutputDir>) -> Result<Done, Failure> {
        let (p, r) = (u / self.replicates, u % self.replicates);
        let scenario = &self.points[p as usize];
        if let Some(dir) = dir
            && let Some(record) = dir
                .finished(
                    u,
                    r,
                    scenario.config.organs.len(),
                    scenario.config.harvest_days.len(),
                )
                .map_err(Failure::writing)?
        {
            return Ok(Done { record, ran: false });
        }
        let mut output = run_replicate(scenario, self.seed, r, dir.is_some())
            .map_err(|e| Failure::Run(format!("point {p}, replicate {r}: {e}")))?;
        let record = output.record.clone();
        if let Some(dir) = dir {
            output.prefix_rows(&self.point_values(p));
            dir.write_replicate(u, output, &self.schemas)
                .map_err(Failure::writing)?;
        }
        Ok(Done { record, ran: true })
    }

    /// Per point (with at least one unit among `records`, which are in
    /// unit order from unit `first`): its summary, naming the scenario
    /// file `name`.
    fn summaries(
        &self,
        name: &str,
        first: u64,
        records: &[ReplicateRecord],
    ) -> Vec<(u64, Summary)> {
        self.by_point(first, records)
            .map(|(p, chunk)| {
                let config = &self.points[p as usize].config;
                (p, Summary::new(name, self.seed, config, chunk))
            })
            .collect()
    }

    /// `records` (in unit order from unit `first`) split by point: each
    /// point with its replicates among them.
    fn by_point<'r>(
        &self,
        first: u64,
        records: &'r [ReplicateRecord],
    ) -> impl Iterator<Item = (u64, &'r [ReplicateRecord])> {
        let replicates = self.replicates;
        let mut at = 0;
        core::iter::from_fn(move || {
            if at >= records.len() {
                return None;
            }
            let p = (first + at as u64) / replicates;
            let end = ((p + 1) * replicates - first).min(records.len() as u64) as usize;
            let chunk = &records[at..end];
            at = end;
            Some((p, chunk))
        })
    }

    /// `points.csv`: per point, the replicates and the means (95% CI) of
    /// the main observables ([`crate::schema::POINTS`]), with therapy the
    /// cure and relapse probabilities, then the extension's fates and
    /// counters.
    fn points_table(&self, first: u64, records: &[ReplicateRecord]) -> (TableSchema, Vec<Row>) {
        // With therapy: the cure and relapse probabilities, with Wilson's
        // interval.
        let therapy = records.iter().any(|r| r.therapy.is_some());
        let proportions: [Outcome; 2] = [
            |r| r.therapy.as_ref().is_some_and(|t| t.cured),
            |r| r.therapy.as_ref().is_some_and(|t| t.relapse_day.is_some()),
        ];
        let declared = crate::run::declarations(&self.base);
        let schema = points_schema(&declared, &self.parameters(), therapy);
        let observables: Vec<Observable> = crate::schema::point_observables()
            .map(|name| observable(name).unwrap_or(|_| f64::NAN))
            .collect();
        let estimate = |e: Estimate| {
            [
                Value::Float(e.mean),
                Value::float_or_null(e.low),
                Value::float_or_null(e.high),
            ]
        };
        let mut rows = Vec::new();
        for (p, chunk) in self.by_point(first, records) {
            let mut row = self.point_values(p);
            row.push(Value::Count(chunk.len() as u64));
            for f in &observables {
                let values: Vec<f64> = chunk.iter().map(f).collect();
                row.extend(estimate(Estimate::of(&values)));
            }
            if therapy {
                for f in &proportions {
                    let k = chunk.iter().filter(|r| f(r)).count() as u64;
                    row.extend(estimate(Estimate::proportion(k, chunk.len() as u64)));
                }
                row.extend(match clinical_relapse(chunk) {
                    Some(e) => estimate(e),
                    None => [Value::Null, Value::Null, Value::Null],
                });
            }
            let fates = (0..declared.fates.len()).map(|i| (true, i));
            for (fate, i) in fates.chain((0..declared.counters.len()).map(|i| (false, i))) {
                let value = |r: &ReplicateRecord| {
                    let list = if fate { &r.fates } else { &r.counters };
                    list.get(i).map_or(0.0, |&(_, n)| n as f64)
                };
                row.extend(estimate(Estimate::of(
                    &chunk.iter().map(value).collect::<Vec<_>>(),
                )));
            }
            rows.push(row);
        }
        (schema, rows)
    }

    /// Writes the tables, `points.csv`, `summary.json` and, last, the
    /// manifest of `units` into `dir`.
    fn finish(
        &self,
        dir: &OutputDir,
        scenario_name: &str,
        shard: Option<Shard>,
        units: core::ops::Range<u64>,
        records: &[ReplicateRecord],
        format: TableFormat,
    ) -> Result<(), Failure> {
        let fail = Failure::writing;
        let points = self.points_table(units.start, records);
        let mut summary = String::from("[\n");
        for (k, (p, s)) in self
            .summaries(scenario_name, units.start, records)
            .iter()
            .enumerate()
        {
            if k > 0 {
                summary.push_str(",\n");
            }
            let values: Vec<String> = self
                .grid
                .axes
                .iter()
                .zip(self.grid.values(*p))
                .map(|(a, v)| {
                    format!(
                        "{}: {}",
                        serde_json::to_string(&a.parameter).unwrap_or_default(),
                        serde_json::to_string(&v).unwrap_or_default()
                    )
                })
                .collect();
            let _ = write!(
                summary,
                "{{\"point\": {p}, \"values\": {{{}}}, \"summary\": {}}}",
                values.join(", "),
                s.to_json().trim_end()
            );
        }
        summary.push_str("\n]\n");
        let command = self.command(scenario_name, shard);
        let mut tables: Vec<String> = TABLES.iter().map(|t| format.file_name(t.file)).collect();
        tables.push(format.file_name(POINTS_FILE));
        let manifest = Manifest {
            identity: self.identity(shard),
            scenario: scenario_name.to_string(),
            command,
            replicate_digests: units
                .clone()
                .zip(records)
                .map(|(u, r)| ManifestReplicate {
                    point: Some(u / self.replicates),
                    replicate: r.replicate,
                    digest: r.digest.clone(),
                    events: r.events,
                })
                .collect(),
            tables,
            extension_columns: crate::output::ExtensionColumn::of(&crate::run::declarations(
                &self.base,
            )),
        };
        dir.finish(units, &self.schemas, &[points], format, &summary, &manifest)
            .map_err(fail)
    }

    /// The command that reproduces this sweep (or its slice `shard`) of
    /// the scenario file `name`, as the manifest records it.
    fn command(&self, name: &str, shard: Option<Shard>) -> Vec<String> {
        let mut command = vec![
            "cascade".to_string(),
            "sweep".to_string(),
            name.to_string(),
            "--seed".to_string(),
            self.seed.to_string(),
            "--replicates".to_string(),
            self.replicates.to_string(),
        ];
        if let Some(shard) = shard {
            command.push("--shard".into());
            command.push(shard.to_string());
        }
        command
    }

    /// The records of `units` in `dir`'s store, in unit order, each
    /// checked against its point's scenario; `absent` says why a unit is
    /// not there.
    fn stored_records(
        &self,
        dir: &OutputDir,
        units: core::ops::Range<u64>,
        absent: impl Fn(u64) -> Failure,
    ) -> Result<Vec<ReplicateRecord>, Failure> {
        let mut records = Vec::with_capacity(usize::try_from(units.end - units.start).unwrap_or(0));
        for u in units {
            let (p, r) = (u / self.replicates, u % self.replicates);
            let config = &self.points[p as usize].config;
            let record = dir
                .finished(u, r, config.organs.len(), config.harvest_days.len())
                .map_err(|e| match e {
                    crate::output::OutputError::Refused(m) => Failure::Input(m),
                    io => Failure::Io(io.to_string()),
                })?
                .ok_or_else(|| absent(u))?;
            records.push(record);
        }
        Ok(records)
    }

    /// The per-point table printed on the terminal.
    fn overview(&self, first: u64, records: &[ReplicateRecord]) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{}: seed {}, {} points × {} replicates; mean [95% CI of the mean]",
            self.base.path.display(),
            self.seed,
            self.grid.points(),
            self.replicates
        );
        for (p, chunk) in self.by_point(first, records) {
            let values: Vec<String> = self
                .grid
                .axes
                .iter()
                .zip(self.grid.values(p))
                .map(|(a, v)| format!("{} = {}", a.parameter, trimmed(number(v))))
                .collect();
            let metastases: Vec<f64> = chunk
                .iter()
                .map(|r| r.metastases.iter().sum::<u64>() as f64)
                .collect();
            let macro_: Vec<f64> = chunk
                .iter()
                .map(|r| r.macrometastases.iter().sum::<u64>() as f64)
                .collect();
            let detected = chunk
                .iter()
                .filter(|r| r.first_detection_day.is_some())
                .count();
            // Counts as integers where they are whole, as `cascade run`'s
            // summary writes them.
            let show = |e: Estimate| e.count_cell();
            let _ = writeln!(
                text,
                "  point {p:<4} {:<40} metastases {:<24} macroscopic {:<24} detected {detected}/{}",
                values.join(", "),
                show(Estimate::of(&metastases)),
                show(Estimate::of(&macro_)),
                chunk.len()
            );
        }
        text
    }
}

/// Runs `cascade sweep`; returns the text for standard output.
///
/// # Errors
///
/// [`Failure`]: the input (scenario, arguments, output directory) or a run.
pub fn sweep<X: ScenarioExtension>(request: &SweepRequest<'_>) -> Result<String, Failure> {
    let base = load::<X>(request.file).map_err(|e| Failure::Input(e.to_string()))?;
    let base = crate::execute::within(base, request.max_memory);
    let seed = request.seed.unwrap_or(base.file.seed);
    let replicates = request.replicates.unwrap_or(base.file.replicates);
    if !(1..=crate::scenario::MAX_REPLICATES).contains(&replicates) {
        return Err(Failure::Input(format!(
            "--replicates {replicates} is invalid, expected 1 to {}",
            crate::scenario::MAX_REPLICATES
        )));
    }
    let plan = Plan::new(base, seed, replicates)?;
    let units = match request.shard {
        Some(shard) => shard.units(plan.units()),
        None => 0..plan.units(),
    };
    let dir = match request.out {
        Some(out) => Some(
            OutputDir::open(
                out,
                &plan.identity(request.shard),
                &request.file.display().to_string(),
                &plan.base.text,
                &plan.schemas,
                request.resume,
            )
            .map_err(Failure::opening)?,
        ),
        None => None,
    };
    if let Some(dir) = &dir {
        dir.stream_tables(units.clone(), &plan.schemas, request.format);
    }
    let label = match request.shard {
        Some(shard) => format!("{} (slice {shard})", request.file.display()),
        None => request.file.display().to_string(),
    };
    // Points done, for the progress bar: a point is done when all of its
    // replicates in this slice are.
    let first_point = units.start / replicates;
    let last_point = units.end.saturating_sub(1) / replicates;
    let remaining: Vec<AtomicU64> = (first_point..=last_point)
        .map(|p| {
            let start = (p * replicates).max(units.start);
            let end = ((p + 1) * replicates).min(units.end);
            AtomicU64::new(end.saturating_sub(start))
        })
        .collect();
    let points_done = AtomicU64::new(0);
    let points_here = remaining.len() as u64;
    let records = match run_units(
        units.clone(),
        request.threads,
        &label,
        "unit",
        |u| plan.unit(u, dir.as_ref()),
        |u| {
            let slot = &remaining[(u / replicates - first_point) as usize];
            (slot.fetch_sub(1, Ordering::Relaxed) == 1).then(|| {
                let done = points_done.fetch_add(1, Ordering::Relaxed) + 1;
                format!("{label}: {done}/{points_here} points done")
            })
        },
    ) {
        Err(Failure::Interrupted(_)) if let Some(dir) = &dir => {
            let mut finishing = plan.command(dir.scenario(), request.shard);
            if request.format == TableFormat::Parquet {
                finishing.extend(["--format".to_string(), "parquet".to_string()]);
            }
            return Err(crate::execute::kept_after_interruption(
                dir,
                units,
                "replicates",
                &finishing,
            ));
        }
        records => records?,
    };
    if let Some(dir) = &dir {
        // The file as the directory's first run named it, so that a
        // resumed slice writes the same bytes however it names the file.
        plan.finish(
            dir,
            dir.scenario(),
            request.shard,
            units.clone(),
            &records,
            request.format,
        )?;
    }
    Ok(plan.overview(units.start, &records))
}

/// Reads the JSON file at `path`, of at most `limit` bytes.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, limit: u64) -> Result<T, Failure> {
    let bytes = crate::files::read_limited(path, limit)
        .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::Input(format!("{}: unreadable ({e})", path.display())))
}

/// The largest manifest of a sweep with `identity`: per unit, one entry
/// of the replicate digests (four numbers and a digest, under 256 bytes),
/// plus the rest (the command, the scenario's name, the tables), less
/// than a scenario file.
fn manifest_limit(identity: &RunIdentity) -> u64 {
    let points = identity.sweep.as_ref().map_or(1, |s| {
        s.axes
            .iter()
            .fold(1u64, |n, a| n.saturating_mul(a.values.len() as u64))
    });
    let units = points.saturating_mul(identity.replicates);
    crate::scenario::MAX_SCENARIO_BYTES.saturating_add(units.saturating_mul(256))
}

/// Runs `cascade merge`: joins the slices in `shards` into `out`; returns
/// the text for standard output.
///
/// # Errors
///
/// [`Failure::Input`] for slices of different sweeps, a missing or
/// duplicated slice, an unfinished slice, or a scenario file that changed;
/// [`Failure::Run`] for a failed write.
pub fn merge<X: ScenarioExtension>(
    shards: &[PathBuf],
    out: &Path,
    format: TableFormat,
) -> Result<String, Failure> {
    if shards.is_empty() {
        return Err(Failure::Input(
            "give the slices' directories to merge".into(),
        ));
    }
    let mut slices: Vec<(Shard, PathBuf, Option<Manifest>)> = Vec::new();
    let mut reference: Option<(RunIdentity, PathBuf)> = None;
    for dir in shards {
        let identity: RunIdentity =
            read_json(&dir.join("run.json"), crate::output::MAX_RUN_FILE_BYTES).map_err(|_| {
                Failure::Input(format!(
                    "{} is not a slice of a sweep (no readable run.json)",
                    dir.display()
                ))
            })?;
        let Some(SweepIdentity {
            shard: Some(shard), ..
        }) = identity.sweep.clone()
        else {
            return Err(Failure::Input(format!(
                "{} is not a slice of a sweep (it was not run with --shard)",
                dir.display()
            )));
        };
        let manifest: Option<Manifest> =
            read_json(&dir.join("manifest.json"), manifest_limit(&identity)).ok();
        let mut whole = identity.clone();
        if let Some(s) = &mut whole.sweep {
            s.shard = None;
        }
        match &reference {
            None => reference = Some((whole, dir.clone())),
            Some((first, first_dir)) => {
                if let Some(difference) = difference(first, &whole) {
                    return Err(Failure::Input(format!(
                        "{} and {} are slices of different sweeps: {difference}",
                        first_dir.display(),
                        dir.display()
                    )));
                }
            }
        }
        if let Some((previous, previous_dir, _)) =
            slices.iter().find(|(s, _, _)| s.count != shard.count)
        {
            return Err(Failure::Input(format!(
                "{} is slice {previous} but {} is slice {shard}: slices of one split must have the same N",
                previous_dir.display(),
                dir.display()
            )));
        }
        if let Some((_, previous, _)) = slices.iter().find(|(s, _, _)| s.index == shard.index) {
            return Err(Failure::Input(format!(
                "slice {shard} is given twice: {} and {}",
                previous.display(),
                dir.display()
            )));
        }
        slices.push((shard, dir.clone(), manifest));
    }
    let (identity, _) = reference.expect("at least one slice");
    let count = slices[0].0.count;
    let missing: Vec<u64> = (0..count)
        .filter(|i| !slices.iter().any(|(s, _, _)| s.index == *i))
        .collect();
    let unfinished: Vec<u64> = slices
        .iter()
        .filter(|(_, _, m)| m.is_none())
        .map(|(s, _, _)| s.index)
        .collect();
    if !missing.is_empty() || !unfinished.is_empty() {
        let list = |v: &[u64]| {
            v.iter()
                .map(|i| format!("{i}/{count}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut message = String::new();
        if !missing.is_empty() {
            let _ = write!(message, "slices missing: {}", list(&missing));
        }
        if !unfinished.is_empty() {
            if !message.is_empty() {
                message.push_str("; ");
            }
            let _ = write!(
                message,
                "slices unfinished (no manifest.json): {}",
                list(&unfinished)
            );
        }
        let mut redo: Vec<u64> = missing.iter().chain(&unfinished).copied().collect();
        redo.sort_unstable();
        let _ = write!(
            message,
            "\nrun them (again) with `cascade sweep FILE --seed {} --replicates {} --shard I/{count} --out SLICE_DIR --resume`",
            identity.seed, identity.replicates
        );
        // Slices written by `cascade slurm` sit in DIR/slices/<i>, next to
        // DIR/slurm/slices.sbatch.
        let script = slices[0]
            .1
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join("slurm").join("slices.sbatch"))
            .filter(|p| p.is_file());
        if let Some(script) = script {
            let _ = write!(
                message,
                "\non Slurm: sbatch --array={} {}",
                redo.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                script.display()
            );
        }
        return Err(Failure::Input(message));
    }
    let slices: Vec<(Shard, PathBuf, Manifest)> = slices
        .into_iter()
        .filter_map(|(s, d, m)| m.map(|m| (s, d, m)))
        .collect();
    let mut slices = slices;
    slices.sort_by_key(|(s, _, _)| s.index);
    let scenario_name = slices[0].2.scenario.clone();
    let base = load::<X>(Path::new(&scenario_name)).map_err(|e| {
        Failure::Input(format!(
            "the slices were run from {scenario_name}, which must be readable from here to merge them: {e}"
        ))
    })?;
    if base.sha256 != identity.scenario_sha256 {
        return Err(Failure::Input(format!(
            "{scenario_name} changed since the slices were run (sha256 {} now, {} then)",
            base.sha256, identity.scenario_sha256
        )));
    }
    let plan = Plan::new(base, identity.seed, identity.replicates)?;
    if identity.format != FORMAT {
        return Err(Failure::Input(format!(
            "the slices were written in output format {} and this cascade writes format \
             {FORMAT} (the tables' columns or how they are written changed; CHANGELOG.md says \
             how): run the slices again with this cascade, or merge them with the one that ran \
             them",
            identity.format
        )));
    }
    if identity != plan.identity(None) {
        let version = |v: &str| {
            if v.is_empty() {
                String::new()
            } else {
                format!(" version {v}")
            }
        };
        return Err(Failure::Input(format!(
            "the slices were run by another cascade ({}, extension {}{}); this is {}, extension {}{}",
            identity.cascade_version,
            identity.extension,
            version(&identity.extension_version),
            env!("CARGO_PKG_VERSION"),
            std::any::type_name::<X>(),
            version(X::version())
        )));
    }
    let dir = OutputDir::open(
        out,
        &plan.identity(None),
        &scenario_name,
        &plan.base.text,
        &plan.schemas,
        false,
    )
    .map_err(Failure::opening)?;
    let units = plan.units();
    for (shard, from, _) in &slices {
        absorb(&dir, &plan, *shard, from)?;
    }
    let records = plan.stored_records(&dir, 0..units, |u| {
        let (p, r) = (u / plan.replicates, u % plan.replicates);
        Failure::Input(format!(
            "unit {u} (point {p}, replicate {r}) is in no slice's directory"
        ))
    })?;
    plan.finish(&dir, &scenario_name, None, 0..units, &records, format)?;
    Ok(plan.overview(0, &records))
}

/// `cascade export` of the sweep directory `root` (a whole sweep, a slice
/// or a merged sweep), whose store holds the scenario `base` and the run
/// `found`: the tables in `format`, `points.csv`, `summary.json` and the
/// manifest rewritten from the stored units by [`Plan::finish`], as the
/// sweep or merge wrote them. Returns how many units were exported.
///
/// # Errors
///
/// [`Failure::Input`] for a directory of another run or with units
/// missing (naming how many, and the command that finishes it); the
/// failed write.
pub(crate) fn export<X: ScenarioExtension>(
    root: &Path,
    base: Scenario<X>,
    found: &RunIdentity,
    format: TableFormat,
) -> Result<u64, Failure> {
    let shard = found.sweep.as_ref().and_then(|s| s.shard);
    let plan = Plan::new(base, found.seed, found.replicates)?;
    let units = match shard {
        Some(shard) => shard.units(plan.units()),
        None => 0..plan.units(),
    };
    let dir = crate::execute::open(root, &plan.identity(shard), &plan.base, &plan.schemas)?;
    let finishing = plan.command(dir.scenario(), shard);
    crate::execute::require_every_unit(&dir, units.clone(), "units", &finishing)?;
    let records =
        plan.stored_records(&dir, units.clone(), |u| crate::execute::vanished(&dir, u))?;
    plan.finish(&dir, dir.scenario(), shard, units.clone(), &records, format)?;
    Ok(units.end - units.start)
}

/// What differs between two slices' identities (the slice index aside).
fn difference(a: &RunIdentity, b: &RunIdentity) -> Option<String> {
    if a.scenario_sha256 != b.scenario_sha256 {
        Some(format!(
            "the scenario differs (sha256 {} against {})",
            a.scenario_sha256, b.scenario_sha256
        ))
    } else if a.seed != b.seed {
        Some(format!("the seed differs ({} against {})", a.seed, b.seed))
    } else if a.replicates != b.replicates {
        Some(format!(
            "the replicates differ ({} against {})",
            a.replicates, b.replicates
        ))
    } else if a.cascade_version != b.cascade_version {
        Some(format!(
            "the cascade version differs ({} against {})",
            a.cascade_version, b.cascade_version
        ))
    } else if a.format != b.format {
        Some(format!(
            "the output format differs ({} against {})",
            a.format, b.format
        ))
    } else if a.extension != b.extension {
        Some(format!(
            "the extension differs ({} against {})",
            a.extension, b.extension
        ))
    } else if a.extension_version != b.extension_version {
        Some(format!(
            "the extension's version differs ({:?} against {:?})",
            a.extension_version, b.extension_version
        ))
    } else if a != b {
        Some("the grids differ".into())
    } else {
        None
    }
}

/// Copies the finished units of the slice `shard` in the directory
/// `from` into the merged directory's store, after checking the slice's
/// store whole (SQLite's integrity check and every unit's checksum).
fn absorb<X: ScenarioExtension>(
    dir: &OutputDir,
    plan: &Plan<X>,
    shard: Shard,
    from: &Path,
) -> Result<(), Failure> {
    let path = from.join(STORE_FILE);
    let refused = |e: StoreError| Failure::Input(format!("slice {shard}: {e}"));
    let store = Store::open(&path, &stored_tables(&plan.schemas)).map_err(refused)?;
    store.verify().map_err(refused)?;
    drop(store);
    dir.store()
        .absorb(&path)
        .map_err(|e| Failure::Io(e.to_string()))?;
    Ok(())
}
