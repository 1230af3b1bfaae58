//! Running a scenario's replicates and finishing its run directory: the
//! execution layer under the sweeps, the shards, the reports and the
//! command line. Here are a command's [`Failure`] and its exit codes, the
//! worker pool and `run_units` that every parallel command runs its units
//! with, a run's identity and the command that reproduces it, and
//! `finish_run`, which `cascade run --out` and `cascade export` both
//! finish a run directory with.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::output::{FORMAT, Manifest, ManifestReplicate, OutputDir, RunIdentity};
pub use crate::progress::{EXIT_INTERRUPTED, EXIT_TERMINATED};
use crate::run::{ReplicateRecord, run_replicate};
use crate::scenario::{Scenario, ScenarioExtension};
use crate::schema::TableSchema;
use crate::summary::Summary;

/// The most worker threads `--threads` takes.
pub const MAX_THREADS: usize = 1024;

/// The binary that makes a result, for golden files' headers: `cascade
/// 0.1.0 (extension NoExtension)`, a lab's extension with its version.
pub fn made_by<X: ScenarioExtension>() -> String {
    format!(
        "cascade {} ({})",
        env!("CARGO_PKG_VERSION"),
        crate::scenario::extension_label::<X>()
    )
}

/// The exit code of a run that failed ([`Failure::Run`]).
pub const EXIT_RUN: u8 = 1;
/// The exit code of invalid input ([`Failure::Input`]), as for a command
/// line clap refuses.
pub const EXIT_INPUT: u8 = 2;
/// The exit code of an I/O failure ([`Failure::Io`]): `EX_IOERR` of
/// sysexits.h.
pub const EXIT_IO: u8 = 74;

/// Why a command failed: the input (exit code 2), the run (exit code 1),
/// or reading and writing files (exit code 74).
#[derive(Debug)]
pub enum Failure {
    /// The scenario, the command line, or an output directory that holds
    /// something else.
    Input(String),
    /// The run.
    Run(String),
    /// A file operation: the output cannot be created or written
    /// (permission denied, disk full), standard output cannot be written.
    Io(String),
    /// Ctrl-C (or SIGTERM): the line saying what was kept and how to
    /// finish the run (exit code 128 + the signal's number: 130, or 143
    /// for SIGTERM).
    Interrupted(String),
}

impl Failure {
    /// The process's exit code for this failure: [`EXIT_INPUT`],
    /// [`EXIT_RUN`], [`EXIT_IO`], or for an interruption 128 + the
    /// signal's number ([`EXIT_INTERRUPTED`], [`EXIT_TERMINATED`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => EXIT_INPUT,
            Failure::Run(_) => EXIT_RUN,
            Failure::Io(_) => EXIT_IO,
            Failure::Interrupted(_) => crate::progress::interrupted_exit_code(),
        }
    }

    /// An output directory that could not be opened: refused (it holds
    /// something else: input) or an I/O failure.
    pub(crate) fn opening(error: crate::output::OutputError) -> Failure {
        match error {
            crate::output::OutputError::Refused(message) => Failure::Input(message),
            io => Failure::Io(io.to_string()),
        }
    }

    /// An output directory that could not be read or written while
    /// running: a record that does not belong (a run failure) or an I/O
    /// failure.
    pub(crate) fn writing(error: crate::output::OutputError) -> Failure {
        match error {
            crate::output::OutputError::Refused(message) => Failure::Run(message),
            io => Failure::Io(io.to_string()),
        }
    }
}

/// Writes `text` to standard output: an I/O failure if it cannot be
/// written (a full disk), nothing if the reader has gone (`| head`).
pub(crate) fn emit(text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Io(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

/// `scenario` with `--max-memory`, if given.
pub(crate) fn within<X: ScenarioExtension>(
    mut scenario: Scenario<X>,
    max_memory: Option<u64>,
) -> Scenario<X> {
    if let Some(bytes) = max_memory {
        scenario.memory_budget = bytes;
    }
    scenario
}

/// `--threads`, checked, or every core.
pub(crate) fn thread_count(threads: Option<usize>) -> Result<usize, Failure> {
    match threads {
        Some(t) if !(1..=MAX_THREADS).contains(&t) => Err(Failure::Input(format!(
            "--threads {t} is invalid, expected 1 to {MAX_THREADS}"
        ))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

/// Applies each `--set NAME=VALUE` of `set` to `file` (whose organs are
/// `organs`), in order, as a sweep axis would change it.
///
/// # Errors
///
/// [`Failure::Input`] naming the assignment: not `NAME=VALUE`, a value
/// that is not a number, or a name that is not a parameter (saying which
/// would be).
pub(crate) fn apply_sets<X: ScenarioExtension>(
    file: &mut crate::scenario::ScenarioFile<X, X::FileEvent>,
    organs: &[&str],
    set: &[String],
) -> Result<(), Failure> {
    for assignment in set {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(Failure::Input(format!(
                "--set {assignment} is invalid, expected NAME=VALUE"
            )));
        };
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| Failure::Input(format!("--set {assignment}: {value} is not a number")))?;
        crate::sweep::set(file, organs, name.trim(), value)
            .map_err(|e| Failure::Input(format!("--set {assignment}: {}", e.0)))?;
    }
    Ok(())
}

/// `scenario` with the `--set` changes of `set` (itself without any).
///
/// # Errors
///
/// As [`apply_sets`], or a changed scenario that is no longer valid.
pub(crate) fn with_sets<X: ScenarioExtension>(
    scenario: Scenario<X>,
    set: &[String],
) -> Result<Scenario<X>, Failure> {
    if set.is_empty() {
        return Ok(scenario);
    }
    let mut changed = scenario.file.clone();
    apply_sets(&mut changed, &scenario.config.organs.names(), set)?;
    scenario.with_file(changed).map_err(Failure::Input)
}

/// Writes the exports of a run of `scenario` with `seed` into `dir` (the
/// combined tables in `format` from the store, `dictionary.csv`,
/// `summary.json` and, last, `manifest.json`) from `records`, every
/// replicate's in order; returns the summary. `cascade run --out` and
/// `cascade export` both finish a run directory here, so their files are
/// the same bytes. The scenario is named as the directory's first run
/// named it: a resumed run writes the same bytes however it names the
/// file.
///
/// # Errors
///
/// The failed write, or rows in the store that do not fit their schema.
pub(crate) fn finish_run<X: ScenarioExtension>(
    dir: &OutputDir,
    scenario: &Scenario<X>,
    (seed, sets): (u64, &[String]),
    records: &[ReplicateRecord],
    format: crate::output::TableFormat,
) -> Result<Summary, Failure> {
    let name = dir.scenario();
    let replicates = records.len() as u64;
    let asked = Asked {
        seed,
        replicates,
        sets,
    };
    let summary = Summary::new(name, seed, &scenario.config, records);
    let declarations = crate::run::declarations(scenario);
    let manifest = Manifest {
        identity: identity(scenario, asked),
        scenario: name.to_string(),
        command: run_command(name, asked),
        replicate_digests: records
            .iter()
            .map(|r| ManifestReplicate {
                point: None,
                replicate: r.replicate,
                digest: r.digest.clone(),
                events: r.events,
            })
            .collect(),
        tables: (crate::schema::TABLES.iter())
            .map(|t| format.file_name(t.file))
            .collect(),
        extension_columns: crate::output::ExtensionColumn::of(&declarations),
    };
    dir.finish(
        0..replicates,
        &crate::schema::schemas(&declarations),
        &[],
        format,
        &summary.to_json(),
        &manifest,
    )
    .map_err(Failure::writing)?;
    Ok(summary)
}

/// The command that reproduces the run `asked` of the scenario file
/// `name` (as the manifest records it: options that do not change the
/// rows left out).
pub(crate) fn run_command(name: &str, asked: Asked<'_>) -> Vec<String> {
    let mut command: Vec<String> = vec![
        "cascade".into(),
        "run".into(),
        name.to_string(),
        "--seed".into(),
        asked.seed.to_string(),
        "--replicates".into(),
        asked.replicates.to_string(),
    ];
    for set in asked.sets {
        command.extend(["--set".to_string(), set.clone()]);
    }
    command
}

/// What the run `asked` of `scenario` by this binary is.
pub(crate) fn identity<X: ScenarioExtension>(
    scenario: &Scenario<X>,
    asked: Asked<'_>,
) -> RunIdentity {
    let Asked {
        seed,
        replicates,
        sets,
    } = asked;
    RunIdentity {
        format: FORMAT,
        cascade_version: env!("CARGO_PKG_VERSION").to_string(),
        extension: std::any::type_name::<X>().to_string(),
        extension_version: X::version().to_string(),
        scenario_sha256: scenario.sha256.clone(),
        seed,
        replicates,
        sweep: None,
        sets: sets.to_vec(),
    }
}

/// Runs every replicate of `asked` (in parallel), writing each as it
/// finishes when `out` is given (its tables in `tables`); returns the
/// records in replicate order. Ctrl-C commits the finished replicates and
/// is [`Failure::Interrupted`] saying how many are kept and how to finish.
pub(crate) fn run_all<X: ScenarioExtension>(
    scenario: &Scenario<X>,
    file: &Path,
    asked: Asked<'_>,
    threads: Option<usize>,
    out: Option<&Path>,
    resume: bool,
    tables: crate::output::TableFormat,
) -> Result<(Vec<ReplicateRecord>, Option<OutputDir>), Failure> {
    let schemas = crate::schema::schemas(&crate::run::declarations(scenario));
    let dir = match out {
        Some(out) => Some(
            OutputDir::open(
                out,
                &identity(scenario, asked),
                &file.display().to_string(),
                &scenario.text,
                &schemas,
                resume,
            )
            .map_err(Failure::opening)?,
        ),
        None => None,
    };
    if let Some(dir) = &dir {
        dir.stream_tables(0..asked.replicates, &schemas, tables);
    }
    let records = run_units(
        0..asked.replicates,
        threads,
        &file.display().to_string(),
        "replicate",
        |r| {
            one_replicate(
                scenario,
                asked.seed,
                r,
                dir.as_ref().map(|d| (d, &schemas[..])),
            )
        },
        |_| None,
    );
    let records = match (records, &dir) {
        (Err(Failure::Interrupted(_)), Some(dir)) => {
            let mut finishing = run_command(dir.scenario(), asked);
            finishing.extend(tables_option(tables));
            return Err(kept_after_interruption(
                dir,
                0..asked.replicates,
                "replicates",
                &finishing,
            ));
        }
        (records, _) => records?,
    };
    Ok((records, dir))
}

/// `--format parquet` (`--tables parquet` for `run`) to add to a command
/// that finishes a run whose tables are Parquet; nothing for CSV, the
/// default.
pub(crate) fn tables_option(format: crate::output::TableFormat) -> Vec<String> {
    match format {
        crate::output::TableFormat::Csv => Vec::new(),
        crate::output::TableFormat::Parquet => vec!["--tables".into(), "parquet".into()],
    }
}

/// After Ctrl-C: commits the finished units of `dir` and says how many of
/// `units` (counted as `noun`) it holds and the command (`finishing`, as
/// the manifest records it, with `--out DIR --resume`) that finishes the
/// run.
pub(crate) fn kept_after_interruption(
    dir: &OutputDir,
    units: core::ops::Range<u64>,
    noun: &str,
    finishing: &[String],
) -> Failure {
    if let Err(e) = dir.commit() {
        return Failure::Io(format!(
            "interrupted, and the finished {noun} could not be committed: {e}"
        ));
    }
    let held = match held_units(dir, units.clone()) {
        Ok(held) => held,
        Err(failure) => return failure,
    };
    Failure::Interrupted(format!(
        "interrupted: {held} of {} {noun} kept in {}; finish with: {}",
        units.end - units.start,
        dir.root().display(),
        finishing_command(finishing, dir.root())
    ))
}

/// What a run is asked for: the seed, the replicates and the `--set`
/// changes (everything of its identity that the command line gives).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Asked<'a> {
    /// The seed.
    pub seed: u64,
    /// Replicates.
    pub replicates: u64,
    /// `--set NAME=VALUE` changes, in order.
    pub sets: &'a [String],
}

/// A pool of `threads` worker threads (all cores by default), for
/// replicates run in parallel: `run_units` and the validation suite.
///
/// # Errors
///
/// The message, if the threads cannot be started.
pub(crate) fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        builder = builder.num_threads(threads);
    }
    builder
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

/// Refuses a table format this build cannot write (Parquet without the
/// cargo feature `parquet`).
pub(crate) fn require_format(format: crate::output::TableFormat) -> Result<(), Failure> {
    if format.available() {
        Ok(())
    } else {
        Err(Failure::Input(crate::output::PARQUET_MISSING.into()))
    }
}

/// Runs `job` for every unit of `units` on `threads` worker threads (all
/// cores by default), with progress on standard error counting `noun`s
/// (see [`crate::progress`]); the records in unit order, or the first
/// failure in unit order. After each unit, `message` may give the bar a
/// new message (a sweep's points done). On Ctrl-C no new unit starts,
/// and the result is [`Failure::Interrupted`] saying nothing was kept
/// (the caller with an output directory says what it kept).
///
/// Each worker takes the next unit not yet taken, so units finish about
/// in order (an output directory writes its tables as they do,
/// [`OutputDir::stream_tables`]); which thread runs a unit changes
/// nothing in it.
pub(crate) fn run_units(
    units: core::ops::Range<u64>,
    threads: Option<usize>,
    label: &str,
    noun: &str,
    job: impl Fn(u64) -> Result<Done, Failure> + Sync,
    message: impl Fn(u64) -> Option<String> + Sync,
) -> Result<Vec<ReplicateRecord>, Failure> {
    let pool = worker_pool(threads).map_err(Failure::Run)?;
    let progress = crate::progress::Progress::new(units.end - units.start, label, noun);
    let armed = crate::progress::Armed::new();
    let failed = AtomicBool::new(false);
    let next = AtomicU64::new(units.start);
    // `Ok(None)`: not run because another unit had failed, or Ctrl-C.
    let taken: Vec<Vec<(u64, UnitResult)>> = pool.broadcast(|_| {
        let mut mine = Vec::new();
        loop {
            let u = next.fetch_add(1, Ordering::Relaxed);
            if u >= units.end {
                return mine;
            }
            if failed.load(Ordering::Relaxed) || crate::progress::interrupted() {
                mine.push((u, Ok(None)));
                continue;
            }
            let result = job(u);
            match &result {
                Ok(done) => progress.tick(done.ran, message(u)),
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
            mine.push((u, result.map(|done| Some(done.record))));
        }
    });
    drop(armed);
    let mut results: Vec<(u64, UnitResult)> = taken.into_iter().flatten().collect();
    results.sort_unstable_by_key(|(u, _)| *u);
    let results = results.into_iter().map(|(_, result)| result).collect();
    progress.finish();
    first_failure(results, noun)
}

/// A unit's record; `None` when it was not run (Ctrl-C, or another unit
/// failed).
type UnitResult = Result<Option<ReplicateRecord>, Failure>;

/// A unit's record, and whether this process ran it (or read it back
/// from the store), for the rate that progress reports.
#[derive(Debug)]
pub(crate) struct Done {
    /// The unit's record.
    pub record: ReplicateRecord,
    /// Whether it was run now.
    pub ran: bool,
}

/// The records of `results` in unit order, or the first failure in unit
/// order (for a stable message); units not run are Ctrl-C's, or a failure
/// elsewhere's.
fn first_failure(
    results: Vec<Result<Option<ReplicateRecord>, Failure>>,
    noun: &str,
) -> Result<Vec<ReplicateRecord>, Failure> {
    let mut records = Vec::with_capacity(results.len());
    let (mut first_error, mut first_skip) = (None, None);
    for result in results {
        match result {
            Ok(Some(record)) => records.push(record),
            Ok(None) => {
                first_skip.get_or_insert(());
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match (first_error, first_skip) {
        (Some(error), _) => Err(error),
        (None, Some(())) if crate::progress::interrupted() => Err(Failure::Interrupted(
            "interrupted: nothing was kept (without --out a run writes no files; with \
             --out DIR its finished replicates are kept and --resume finishes it)"
                .into(),
        )),
        (None, Some(())) => Err(Failure::Run(format!("a {noun} failed"))),
        (None, None) => Ok(records),
    }
}

/// Runs replicate `replicate` (or reads it back from the directory, where
/// its tables have `schemas`, if it finished earlier).
pub(crate) fn one_replicate<X: ScenarioExtension>(
    scenario: &Scenario<X>,
    seed: u64,
    replicate: u64,
    out: Option<(&OutputDir, &[crate::schema::TableSchema])>,
) -> Result<Done, Failure> {
    let dir = out.map(|(d, _)| d);
    if let Some(dir) = dir
        && let Some(record) = dir
            .finished(
                replicate,
                replicate,
                scenario.config.organs.len(),
                scenario.config.harvest_days.len(),
            )
            .map_err(Failure::writing)?
    {
        return Ok(Done { record, ran: false });
    }
    let output = run_replicate(scenario, seed, replicate, dir.is_some())
        .map_err(|e| Failure::Run(format!("replicate {replicate}: {e}")))?;
    let record = output.record.clone();
    if let Some((dir, schemas)) = out {
        dir.write_replicate(replicate, output, schemas)
            .map_err(Failure::writing)?;
        simulate_interruption(dir);
    }
    Ok(Done { record, ran: true })
}

/// For the tests of `--resume`: once `n` replicates have been kept by
/// this process, with `CASCADE_INTERRUPT_AFTER=n` in the environment the
/// process commits what it holds (as an interrupted run does) and exits
/// with code 130; with `CASCADE_KILL_AFTER=n` it exits at once, committing
/// nothing more (as after `kill -9`). Neither unwinds or finishes any file.
fn simulate_interruption(dir: &OutputDir) {
    static WRITTEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let limit = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let (interrupt, kill) = (
        limit("CASCADE_INTERRUPT_AFTER"),
        limit("CASCADE_KILL_AFTER"),
    );
    if interrupt.is_none() && kill.is_none() {
        return;
    }
    let written = WRITTEN.fetch_add(1, Ordering::SeqCst) + 1;
    if kill.is_some_and(|n| written >= n) {
        std::process::exit(137);
    }
    if interrupt.is_some_and(|n| written >= n) {
        let _ = dir.commit();
        std::process::exit(130);
    }
}

/// Opens the run directory `root` of a run with `identity` of `scenario`
/// (tables of `schemas`) as `--resume` does: the lock held, the store
/// checked whole, a directory of another run or binary refused.
///
/// # Errors
///
/// The refusal or I/O failure of [`OutputDir::open`].
pub(crate) fn open<X: ScenarioExtension>(
    root: &Path,
    identity: &RunIdentity,
    scenario: &Scenario<X>,
    schemas: &[TableSchema],
) -> Result<OutputDir, Failure> {
    let name = scenario.path.display().to_string();
    OutputDir::open(root, identity, &name, &scenario.text, schemas, true).map_err(Failure::opening)
}

/// Refuses to export `dir` unless its store holds every unit of `units`
/// (`noun`: replicates or units): the message says how many are missing
/// and the command (`finishing`, as the manifest records it) that
/// finishes the run.
///
/// # Errors
///
/// [`Failure::Input`] with units missing; [`Failure::Io`] when the store
/// cannot be read.
pub(crate) fn require_every_unit(
    dir: &OutputDir,
    units: core::ops::Range<u64>,
    noun: &str,
    finishing: &[String],
) -> Result<(), Failure> {
    let held = held_units(dir, units.clone())?;
    let total = units.end - units.start;
    if held == total {
        return Ok(());
    }
    Err(Failure::Input(format!(
        "{} is not finished: {} of its {total} {noun} are missing from its store; finish the \
         run with `{}` (which writes these files itself), then export it in another format \
         if wanted",
        dir.root().display(),
        total - held,
        finishing_command(finishing, dir.root())
    )))
}

/// How many units of `units` the store of `dir` holds (committed).
///
/// # Errors
///
/// [`Failure::Io`] when the store cannot be read.
pub(crate) fn held_units(dir: &OutputDir, units: core::ops::Range<u64>) -> Result<u64, Failure> {
    let stored = dir
        .store()
        .units()
        .map_err(|e| Failure::Io(e.to_string()))?;
    Ok(stored.iter().filter(|u| units.contains(u)).count() as u64)
}

/// The shell command that finishes the run `finishing` (as the manifest
/// records it) in the directory `root`: it with `--out ROOT --resume`,
/// each word quoted where the shell needs it.
pub(crate) fn finishing_command(finishing: &[String], root: &Path) -> String {
    let command: Vec<String> = (finishing.iter().map(String::as_str))
        .chain(["--out", &root.display().to_string(), "--resume"])
        .map(shell_word)
        .collect();
    command.join(" ")
}

/// The failure for unit `unit`, counted in the store a moment ago and
/// now not there (the lock is held: a store changed by hand).
pub(crate) fn vanished(dir: &OutputDir, unit: u64) -> Failure {
    Failure::Input(format!(
        "{}: unit {unit} left the store while it was exported (edited by hand?); check the \
         directory and export again",
        dir.store().path().display()
    ))
}

/// `text` as one word of a shell command: as it is when that is safe,
/// else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
