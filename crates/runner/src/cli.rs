//! The `cascade` command line, generic over the scenario's extension so
//! that a user's own binary gets every command for their own events:
//!
//! ```no_run
//! // src/main.rs of a lab's crate, with `MyExtension: ScenarioExtension`:
//! # type MyExtension = cascade_biology::NoExtension;
//! fn main() -> std::process::ExitCode {
//!     cascade_runner::cli::main::<MyExtension>()
//! }
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::execute::{
    Asked, apply_sets, emit, finish_run, require_format, run_all, thread_count, with_sets, within,
};
pub use crate::execute::{EXIT_INPUT, EXIT_IO, EXIT_RUN, Failure, MAX_THREADS, made_by};
use crate::run::{ReplicateRecord, run_replicate};
pub use crate::scenario::MAX_REPLICATES;
use crate::scenario::{Scenario, ScenarioExtension, load};
use crate::summary::Summary;
use crate::validation;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "cascade",
    version,
    about = "A deterministic simulator of the metastatic cascade: RON scenario files in, results out",
    after_help = "Scenario format: docs/scenarios.md. A run is a pure function of the scenario file, the seed and the replicate index.\n\n\
Exit codes: 0 success; 1 a run failed (a replicate's error, results not as expected); \
2 invalid input (the scenario file, the command line, or an --out that holds something else); \
74 an I/O failure (cannot create or write the output: permission denied, disk full, a path under a file)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How `run` prints its summary.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table.
    Table,
    /// One JSON object, for scripts.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Time a scenario's replicates: seconds and events per replicate,
    /// replicates per second and the process's peak memory (run one
    /// variant per invocation for its own peak).
    Bench {
        /// The scenario file (RON).
        file: PathBuf,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Replicates (default: the scenario's `replicates`).
        #[arg(long)]
        replicates: Option<u64>,
        /// Worker threads (default 1).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Follow the cells outside the sites one by one or as cohorts,
        /// whatever the file says.
        #[arg(long, value_enum)]
        pools: Option<PoolsArg>,
        /// Change a parameter before running, as a sweep axis would
        /// (`NAME=VALUE`, the names of `docs/scenarios.md`, Sweeps); repeatable.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// The memory budget of each replicate's state (`4G`, `512M`,
        /// bytes; default 4G): a replicate that outgrows it ends with an
        /// error naming what grew, before the machine runs out.
        #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
        max_memory: Option<u64>,
    },
    /// Run a scenario's replicates and summarise them.
    Run {
        /// The scenario file (RON).
        file: PathBuf,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Replicates (default: the scenario's `replicates`).
        #[arg(long)]
        replicates: Option<u64>,
        /// Worker threads (default: all cores); results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// The memory budget of each replicate's state (`4G`, `512M`,
        /// bytes; default 4G): a replicate that outgrows it ends with an
        /// error naming what grew, before the machine runs out.
        #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
        max_memory: Option<u64>,
        /// Write the results to this directory (nothing is written without it).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Finish an interrupted run in --out: only missing replicates run.
        /// With a larger --replicates than the run was started with, the
        /// run is extended (the added replicates are those a run of that
        /// many from the start has); a smaller one is refused.
        #[arg(long, requires = "out")]
        resume: bool,
        /// Change a parameter before running, as a sweep axis would
        /// (`NAME=VALUE`, the names of `docs/scenarios.md`, Sweeps);
        /// repeatable. With --out the changes are part of the run:
        /// `--resume` needs the same ones.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// The summary on stdout: `table` or `json` (the tables' format is
        /// --tables).
        #[arg(long, value_name = "table|json", default_value = "table", value_parser = parse_summary_format)]
        format: Format,
        /// The combined tables of --out as CSV or Parquet (Parquet needs
        /// the cargo feature `parquet`), as `sweep --format` and `export
        /// --format` write them.
        #[arg(long, value_enum, requires = "out", default_value_t = crate::output::TableFormat::Csv)]
        tables: crate::output::TableFormat,
    },
    /// Run the grid of a scenario's `sweep` section (points × replicates),
    /// or one slice of it (--shard I/N).
    Sweep {
        /// The scenario file (RON) with a `sweep` section.
        file: PathBuf,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Replicates per point (default: the scenario's `replicates`).
        #[arg(long)]
        replicates: Option<u64>,
        /// Run only slice I of N of the work (I from 0 to N-1), for a
        /// cluster's job array; join the slices with `cascade merge`.
        #[arg(long, value_parser = crate::sweep::Shard::parse)]
        shard: Option<crate::sweep::Shard>,
        /// Worker threads (default: all cores); results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// The memory budget of each replicate's state (`4G`, `512M`,
        /// bytes; default 4G): a replicate that outgrows it ends with an
        /// error naming what grew, before the machine runs out.
        #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
        max_memory: Option<u64>,
        /// Write the results to this directory (nothing is written without it).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Finish an interrupted sweep (or slice) in --out.
        #[arg(long, requires = "out")]
        resume: bool,
        /// The combined tables as CSV or Parquet (Parquet needs the cargo
        /// feature `parquet`).
        #[arg(long, visible_alias = "tables", value_enum, default_value_t = crate::output::TableFormat::Csv)]
        format: crate::output::TableFormat,
    },
    /// Write (and with --submit, submit) a Slurm job array of a sweep's
    /// slices and a merge job that runs when every slice has succeeded.
    Slurm {
        /// The scenario file (RON) with a `sweep` section.
        file: PathBuf,
        /// How many slices (array tasks).
        #[arg(long)]
        shards: u64,
        /// Where the scripts, the slices and the merged results go.
        #[arg(long)]
        out: PathBuf,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Replicates per point (default: the scenario's `replicates`).
        #[arg(long)]
        replicates: Option<u64>,
        /// The Slurm partition.
        #[arg(long)]
        partition: Option<String>,
        /// Time limit per slice, in Slurm's format (such as 2:00:00).
        #[arg(long)]
        time: Option<String>,
        /// Memory per slice (such as 4G).
        #[arg(long)]
        mem: Option<String>,
        /// CPUs per slice; each slice runs that many threads.
        #[arg(long, default_value_t = 1)]
        cpus_per_task: u32,
        /// Submit the two jobs with sbatch (else only write the scripts).
        #[arg(long)]
        submit: bool,
        /// With --submit: wait for the merge job and exit with its result.
        #[arg(long, requires = "submit")]
        wait: bool,
        /// The merged tables as CSV or Parquet (Parquet needs the cargo
        /// feature `parquet`).
        #[arg(long, visible_alias = "tables", value_enum, default_value_t = crate::output::TableFormat::Csv)]
        format: crate::output::TableFormat,
    },
    /// Join the slices of a sweep (`cascade sweep --shard I/N --out DIR`)
    /// into the files one machine would have written.
    Merge {
        /// Where the joined results go (a new or empty directory).
        #[arg(long)]
        out: PathBuf,
        /// The slices' output directories, all N of them, in any order.
        #[arg(required = true)]
        slices: Vec<PathBuf>,
        /// The combined tables as CSV or Parquet (Parquet needs the cargo
        /// feature `parquet`).
        #[arg(long, visible_alias = "tables", value_enum, default_value_t = crate::output::TableFormat::Csv)]
        format: crate::output::TableFormat,
    },
    /// Rewrite a finished run directory's combined tables, dictionary.csv,
    /// summary.json and manifest.json from its store (store.sqlite),
    /// without simulating: the same bytes as the run, sweep or merge wrote
    /// in that format. The tables of the other format that these replace
    /// are removed, so the directory holds one format.
    Export {
        /// The run directory (the --out of `cascade run`, `cascade sweep`
        /// or `cascade merge`).
        dir: PathBuf,
        /// The combined tables as CSV or Parquet (Parquet needs the cargo
        /// feature `parquet`).
        #[arg(long, visible_alias = "tables", value_enum, default_value_t = crate::output::TableFormat::Csv)]
        format: crate::output::TableFormat,
    },
    /// Write one self-contained HTML page (figures as inline SVG, every
    /// plotted number as JSON) for a finished run directory of `cascade
    /// run --out`, or a sweep's of `cascade sweep --out` or `cascade merge`.
    Report {
        /// The run or sweep directory (the --out of `cascade run`,
        /// `cascade sweep` or `cascade merge`).
        dir: PathBuf,
        /// Where the page goes (DIR/report.html by default).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write one figure of the report (`cascade report`) of a finished run
    /// or sweep directory, to standard output or --out.
    Plot {
        /// The run or sweep directory.
        dir: PathBuf,
        /// The figure: of a run, funnel, organs, burden, survival,
        /// therapy, resistance, harvests, colony-sizes, composition or
        /// lineage; of a sweep, an outcome of its points.csv
        /// (metastases_alive, detected, …).
        #[arg(long)]
        figure: String,
        /// Its format: svg, or png (twice the SVG's size, drawn with an
        /// embedded font).
        #[arg(long, value_enum, default_value_t = crate::report::FigureFormat::Svg)]
        format: crate::report::FigureFormat,
        /// Where the figure goes (by default standard output for svg,
        /// DIR/NAME.png for png).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Validate a scenario without running it and print what it resolves to.
    Check {
        /// The scenario file (RON).
        file: PathBuf,
        /// Change a parameter first, as `run --set` would (`NAME=VALUE`);
        /// repeatable.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
    },
    /// Re-run the validation suite (the published experiments of
    /// scenarios/validation/) and rewrite its table and figures.
    Validate {
        /// The validation scenarios.
        #[arg(long, default_value = "scenarios/validation")]
        scenarios: PathBuf,
        /// The document whose generated section gets the table.
        #[arg(long, default_value = "docs/validation.md")]
        doc: PathBuf,
        /// Where the figures go.
        #[arg(long, default_value = "docs/validation")]
        figures: PathBuf,
        /// A few replicates per experiment (seconds) instead of the full
        /// runs; prints the table and writes nothing.
        #[arg(long)]
        quick: bool,
        /// Worker threads (default: all cores); results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Only this experiment (intravenous, liver, soil, clonal,
        /// fluctuation, circulation or mechanisms): prints its rows and
        /// writes nothing.
        #[arg(long, value_name = "NAME")]
        experiment: Option<String>,
    },
    /// Run the therapy scenarios (scenarios/therapy/) and rewrite the
    /// generated section of docs/therapy.md and its figures.
    TherapyReport {
        /// The therapy scenarios.
        #[arg(long, default_value = "scenarios/therapy")]
        scenarios: PathBuf,
        /// The document whose generated section gets the tables.
        #[arg(long, default_value = "docs/therapy.md")]
        doc: PathBuf,
        /// Where the figures go.
        #[arg(long, default_value = "docs/therapy")]
        figures: PathBuf,
        /// Replicates per arm and per sweep point.
        #[arg(long, default_value_t = 200)]
        replicates: u64,
        /// Print the tables and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Worker threads (default: all cores); results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Print the trace digest of one replicate, for regression tests.
    Digest {
        /// The scenario file (RON).
        file: PathBuf,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// The replicate.
        #[arg(long, default_value_t = 0)]
        replicate: u64,
        /// The memory budget of each replicate's state (`4G`, `512M`,
        /// bytes; default 4G): a replicate that outgrows it ends with an
        /// error naming what grew, before the machine runs out.
        #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
        max_memory: Option<u64>,
    },
}

/// What `--version` prints after `cascade `: the runner's version
/// (`0.1.0`), and for a lab's binary its extension's name and version too
/// (`0.1.0 (extension CirculationIntervention 0.2.0)`).
pub fn version_text<X: ScenarioExtension>() -> String {
    let version = env!("CARGO_PKG_VERSION");
    if std::any::type_name::<X>() == std::any::type_name::<cascade_biology::NoExtension>() {
        version.to_string()
    } else {
        format!("{version} ({})", crate::scenario::extension_label::<X>())
    }
}

/// Parses the process's arguments and runs the command with extension `X`.
pub fn main<X: ScenarioExtension>() -> ExitCode {
    use clap::{CommandFactory as _, FromArgMatches as _};
    // One string for the process's life: clap keeps what it is given.
    let version: &'static str = Box::leak(version_text::<X>().into_boxed_str());
    let parsed = Cli::command()
        .version(version)
        .try_get_matches()
        .and_then(|matches| {
            Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut Cli::command()))
        });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    match execute::<X>(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure @ Failure::Interrupted(_)) => {
            let code = failure.exit_code();
            if let Failure::Interrupted(line) = failure {
                eprintln!("{line}");
            }
            ExitCode::from(code)
        }
        Err(failure) => {
            let code = failure.exit_code();
            let (Failure::Input(message)
            | Failure::Run(message)
            | Failure::Io(message)
            | Failure::Interrupted(message)) = failure;
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn scenario<X: ScenarioExtension>(file: &Path) -> Result<Scenario<X>, Failure> {
    load::<X>(file).map_err(|e| Failure::Input(e.to_string()))
}

/// A size in bytes: a whole number with an optional binary unit, `K`, `M`,
/// `G` or `T` (`4G` is 4 × 2³⁰ bytes; `KiB`, `MB` and the like are read the
/// same way).
///
/// # Errors
///
/// What would be valid.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => u32::MAX,
    };
    let value = number.parse::<u64>().ok().filter(|&n| n > 0);
    match (value, shift) {
        (Some(n), shift) if shift != u32::MAX => n
            .checked_mul(1u64 << shift)
            .ok_or_else(|| format!("{text} is more bytes than 2^64")),
        _ => Err(format!(
            "{text:?} is invalid, expected a whole number of bytes > 0 with an optional unit \
             K, M, G or T (binary: 4G is 4 GiB)"
        )),
    }
}

/// Runs `write` (a document's generated section and its figures) and says
/// where it wrote, or why it could not.
fn write_generated(
    doc: &Path,
    figures: &Path,
    write: impl FnOnce() -> std::io::Result<()>,
) -> Result<(), Failure> {
    write().map_err(|e| {
        Failure::Io(format!(
            "cannot write {} and {}: {e}",
            doc.display(),
            figures.display()
        ))
    })?;
    eprintln!(
        "wrote {} and the figures in {}",
        doc.display(),
        figures.display()
    );
    Ok(())
}

fn validate(
    scenarios: &Path,
    (doc, figures): (&Path, &Path),
    quick: bool,
    threads: Option<usize>,
    only: Option<&str>,
) -> Result<(), Failure> {
    let threads = thread_count(threads)?;
    let setup = validation::Setup {
        scenarios: scenarios.to_path_buf(),
        scale: if quick {
            validation::Scale::Quick
        } else {
            validation::Scale::Full
        },
        threads,
    };
    let experiments = match only {
        None => validation::run_all(&setup),
        Some(name) => {
            let names: Vec<&str> = validation::EXPERIMENTS.iter().map(|(n, _)| *n).collect();
            let Some((_, run)) = validation::EXPERIMENTS.iter().find(|(n, _)| *n == name) else {
                return Err(Failure::Input(format!(
                    "--experiment {name}: no such experiment, expected one of {}",
                    names.join(", ")
                )));
            };
            run(&setup).map(|experiment| vec![experiment])
        }
    }
    .map_err(|e| match e {
        validation::ValidationError::Scenario(m) => Failure::Input(m),
        validation::ValidationError::Run(m) => Failure::Run(m),
    })?;
    emit(&validation::table(&experiments))?;
    if !quick && only.is_none() {
        write_generated(doc, figures, || {
            validation::write(&experiments, doc, figures)
        })?;
    }
    let unexpected: Vec<String> = experiments
        .iter()
        .flat_map(|e| &e.rows)
        .filter(|r| !r.as_expected())
        .map(|r| format!("{}: {}", r.experiment, r.quantity))
        .collect();
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(Failure::Run(format!(
            "rows that did not come out as expected: {}",
            unexpected.join("; ")
        )))
    }
}

/// `--pools`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PoolsArg {
    /// Every cell's every transition an event.
    PerCell,
    /// Exact cohorts.
    Cohorts,
}

/// `run --format`: the summary's format on stdout. The tables' formats
/// (`csv`, `parquet`) are refused naming `--tables`, which takes them.
fn parse_summary_format(text: &str) -> Result<Format, String> {
    match text {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        "csv" | "parquet" => Err(format!(
            "run's --format is the summary on stdout (table or json); for {text} tables in \
             --out use --tables {text}"
        )),
        _ => Err(format!("{text:?} is invalid, expected table or json")),
    }
}

/// `cascade bench`: the scenario with `--pools` and `--set` applied, run
/// and timed.
fn bench<X: ScenarioExtension>(
    file: &Path,
    seed: Option<u64>,
    replicates: Option<u64>,
    threads: usize,
    pools: Option<PoolsArg>,
    set: &[String],
    max_memory: Option<u64>,
) -> Result<(), Failure> {
    use core::fmt::Write as _;
    let base = within(scenario::<X>(file)?, max_memory);
    let mut changed = base.file.clone();
    if let Some(pools) = pools {
        changed.pools = match pools {
            PoolsArg::PerCell => cascade_biology::config::PoolMode::PerCell,
            PoolsArg::Cohorts => cascade_biology::config::PoolMode::Cohorts,
        };
    }
    apply_sets(&mut changed, &base.config.organs.names(), set)?;
    let scenario = base.with_file(changed).map_err(Failure::Input)?;
    let seed = seed.unwrap_or(scenario.file.seed);
    let replicates = replicates.unwrap_or(scenario.file.replicates);
    if !(1..=MAX_REPLICATES).contains(&replicates) {
        return Err(Failure::Input(format!(
            "--replicates {replicates} is invalid, expected 1 to {MAX_REPLICATES}"
        )));
    }
    let threads = thread_count(Some(threads))?;
    let before = baseline_seconds();
    // Wall time measures the run; it decides nothing in it.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let asked = Asked {
        seed,
        replicates,
        sets: set,
    };
    let (records, _) = run_all(
        &scenario,
        file,
        asked,
        Some(threads),
        None,
        false,
        crate::output::TableFormat::Csv,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let baseline = before.min(baseline_seconds());
    let n = records.len() as f64;
    let mean = |f: &dyn Fn(&ReplicateRecord) -> f64| records.iter().map(f).sum::<f64>() / n;
    let peak = peak_memory_mb();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: pools {:?}, {} replicates on {} thread(s){}",
        file.display(),
        scenario.file.pools,
        replicates,
        threads,
        if set.is_empty() {
            String::new()
        } else {
            format!(", {}", set.join(", "))
        }
    );
    let _ = writeln!(text, "  wall time               {seconds:.3} s");
    let _ = writeln!(
        text,
        "  per replicate           {:.3} s (wall × threads / replicates)",
        seconds * threads as f64 / n
    );
    let _ = writeln!(text, "  replicates per second   {:.3}", n / seconds);
    let _ = writeln!(
        text,
        "  baseline                {baseline:.3} s (a fixed BinaryHeap loop, the faster of one run before and one after)"
    );
    let _ = writeln!(
        text,
        "  per replicate / baseline {:.2}",
        seconds * threads as f64 / n / baseline
    );
    let _ = writeln!(
        text,
        "  events per replicate    {:.0}",
        mean(&|r| r.events as f64)
    );
    let _ = writeln!(
        text,
        "  cells shed              {:.4e}",
        mean(&|r| r.funnel.shed as f64)
    );
    let _ = writeln!(
        text,
        "  micrometastases founded {:.1}",
        mean(&|r| r.funnel.micrometastases as f64)
    );
    let _ = writeln!(
        text,
        "  primary cells at end    {:.4e}",
        mean(&|r| r.cells.primary as f64)
    );
    let _ = writeln!(
        text,
        "  clones                  {:.1}",
        mean(&|r| r.clones as f64)
    );
    match peak {
        Some(mb) => {
            let _ = writeln!(text, "  peak memory (process)   {mb:.1} MB");
        }
        None => {
            let _ = writeln!(
                text,
                "  peak memory (process)   not available on this system"
            );
        }
    }
    emit(&text)
}

/// Seconds for a fixed amount of work in this process, the unit `bench`
/// reports its time in (so that figures from other machines, or from a
/// busy one, compare): 4×10⁶ holds on a `std` `BinaryHeap` of 10⁵ pending
/// times, drawn from a fixed xorshift stream.
fn baseline_seconds() -> f64 {
    use std::cmp::Reverse;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut heap = std::collections::BinaryHeap::with_capacity(100_000);
    for _ in 0..100_000 {
        heap.push(Reverse(next() >> 24));
    }
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    for _ in 0..4_000_000 {
        if let Some(Reverse(t)) = heap.pop() {
            heap.push(Reverse(t + (next() >> 40)));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(&heap);
    seconds
}

/// The process's peak resident memory in MB (`VmHWM` of
/// `/proc/self/status`), where the system gives it.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// A report's failure: a write that failed is I/O (exit code 74),
/// anything else the input (2).
fn report_failure(error: crate::report::ReportError) -> Failure {
    match error {
        crate::report::ReportError::Io { .. } => Failure::Io(error.to_string()),
        crate::report::ReportError::Store(crate::store::StoreError::Sqlite { .. }) => {
            Failure::Io(error.to_string())
        }
        _ => Failure::Input(error.to_string()),
    }
}

/// Runs one command.
///
/// # Errors
///
/// [`Failure`] with the message to print.
pub fn execute<X: ScenarioExtension>(command: Command) -> Result<(), Failure> {
    match command {
        command @ (Command::Run { .. } | Command::Sweep { .. }) => emit(&text_of::<X>(command)?),
        Command::Bench {
            file,
            seed,
            replicates,
            threads,
            pools,
            set,
            max_memory,
        } => bench::<X>(&file, seed, replicates, threads, pools, &set, max_memory),
        Command::Check { file, set } => {
            let scenario = with_sets(scenario::<X>(&file)?, &set)?;
            let mut text = describe(&scenario);
            if !set.is_empty() {
                // After the first line (`FILE: valid`).
                let at = text.find('\n').map_or(text.len(), |i| i + 1);
                text.insert_str(at, &format!("  with --set {}\n", set.join(" --set ")));
            }
            emit(&text)
        }
        Command::Slurm {
            file,
            shards,
            out,
            seed,
            replicates,
            partition,
            time,
            mem,
            cpus_per_task,
            submit,
            wait,
            format,
        } => {
            require_format(format)?;
            let text = crate::slurm::slurm::<X>(&crate::slurm::SlurmRequest {
                file: &file,
                shards,
                out: &out,
                seed,
                replicates,
                partition,
                time,
                mem,
                cpus_per_task,
                submit,
                wait,
                format,
            })?;
            emit(&text)
        }
        Command::Merge {
            out,
            slices,
            format,
        } => {
            require_format(format)?;
            let text = crate::shards::merge::<X>(&slices, &out, format)?;
            emit(&text)
        }
        Command::Export { dir, format } => {
            require_format(format)?;
            emit(&crate::export::export::<X>(&dir, format)?)
        }
        Command::Report { dir, out } => {
            emit(&crate::report::report::<X>(&dir, out.as_deref()).map_err(report_failure)?)
        }
        Command::Plot {
            dir,
            figure,
            format,
            out,
        } => emit(
            &crate::report::plot::<X>(&dir, &figure, format, out.as_deref())
                .map_err(report_failure)?,
        ),
        Command::Validate {
            scenarios,
            doc,
            figures,
            quick,
            threads,
            experiment,
        } => validate(
            &scenarios,
            (&doc, &figures),
            quick,
            threads,
            experiment.as_deref(),
        ),
        Command::TherapyReport {
            scenarios,
            doc,
            figures,
            replicates,
            dry_run,
            threads,
        } => {
            if !(1..=MAX_REPLICATES).contains(&replicates) {
                return Err(Failure::Input(format!(
                    "--replicates {replicates} is invalid, expected 1 to {MAX_REPLICATES}"
                )));
            }
            let threads = thread_count(threads)?;
            let report = crate::therapy_report::run(&scenarios, replicates, threads).map_err(
                |e| match e {
                    validation::ValidationError::Scenario(m) => Failure::Input(m),
                    validation::ValidationError::Run(m) => Failure::Run(m),
                },
            )?;
            emit(&report.tables())?;
            if !dry_run {
                write_generated(&doc, &figures, || report.write(&doc, &figures))?;
            }
            Ok(())
        }
        Command::Digest {
            file,
            seed,
            replicate,
            max_memory,
        } => {
            let scenario = within(scenario::<X>(&file)?, max_memory);
            let seed = seed.unwrap_or(scenario.file.seed);
            let output = run_replicate(&scenario, seed, replicate, false)
                .map_err(|e| Failure::Run(format!("replicate {replicate}: {e}")))?;
            emit(&format!("{}\n", output.record.digest))
        }
    }
}

/// Runs `run` or `sweep` and returns what the command prints on standard
/// output instead of printing it (for a host such as the Python package,
/// which reads the run directory); any other command runs as
/// [`execute`] runs it and returns nothing.
///
/// # Errors
///
/// [`Failure`] with the message to print.
pub fn text_of<X: ScenarioExtension>(command: Command) -> Result<String, Failure> {
    match command {
        Command::Sweep {
            file,
            seed,
            replicates,
            shard,
            threads,
            max_memory,
            out,
            resume,
            format,
        } => {
            require_format(format)?;
            if let Some(t) = threads {
                thread_count(Some(t))?;
            }
            crate::shards::sweep::<X>(&crate::shards::SweepRequest {
                file: &file,
                seed,
                replicates,
                shard,
                threads,
                max_memory,
                out: out.as_deref(),
                resume,
                format,
            })
        }
        Command::Run {
            file,
            seed,
            replicates,
            threads,
            max_memory,
            out,
            resume,
            set,
            format,
            tables,
        } => run::<X>(&RunRequest {
            file: &file,
            seed,
            replicates,
            threads,
            max_memory,
            out: out.as_deref(),
            resume,
            sets: &set,
            format,
            tables,
        }),
        other => execute::<X>(other).map(|()| String::new()),
    }
}

/// `cascade run`'s options.
struct RunRequest<'a> {
    file: &'a Path,
    seed: Option<u64>,
    replicates: Option<u64>,
    threads: Option<usize>,
    max_memory: Option<u64>,
    out: Option<&'a Path>,
    resume: bool,
    sets: &'a [String],
    format: Format,
    tables: crate::output::TableFormat,
}

/// `cascade run`: the replicates run (or read back and extended, with
/// `--resume`), the directory finished; the summary to print.
fn run<X: ScenarioExtension>(request: &RunRequest<'_>) -> Result<String, Failure> {
    require_format(request.tables)?;
    let file = request.file;
    let scenario = within(scenario::<X>(file)?, request.max_memory);
    let scenario = with_sets(scenario, request.sets)?;
    warn_of(&scenario);
    let seed = request.seed.unwrap_or(scenario.file.seed);
    let replicates = request.replicates.unwrap_or(scenario.file.replicates);
    if !(1..=MAX_REPLICATES).contains(&replicates) {
        return Err(Failure::Input(format!(
            "--replicates {replicates} is invalid, expected 1 to {MAX_REPLICATES} (split larger runs by seed)"
        )));
    }
    if let Some(t) = request.threads {
        thread_count(Some(t))?;
    }
    // More threads than replicates would only idle.
    let threads =
        (request.threads).map(|t| t.min(usize::try_from(replicates).unwrap_or(usize::MAX)));
    let asked = Asked {
        seed,
        replicates,
        sets: request.sets,
    };
    let (records, dir) = run_all(
        &scenario,
        file,
        asked,
        threads,
        request.out,
        request.resume,
        request.tables,
    )?;
    let summary = match &dir {
        Some(dir) => finish_run(
            dir,
            &scenario,
            (seed, request.sets),
            &records,
            request.tables,
        )?,
        None => Summary::new(
            &file.display().to_string(),
            seed,
            &scenario.config,
            &records,
        ),
    };
    match request.format {
        Format::Table => {
            let mut text = summary.to_table();
            text.push_str(&crate::report::placeholders::warning(
                &crate::report::placeholders::placeholders(
                    &scenario.config,
                    scenario.file.organs.preset,
                ),
            ));
            if let Some(out) = request.out {
                text.push_str(&files_written(out, request.tables));
            }
            Ok(text)
        }
        Format::Json => Ok(summary.to_json()),
    }
}

/// Prints on stderr what `check` warns of in `scenario`, each at its
/// field, before the run starts: a run is where the surprise would cost.
fn warn_of<X: ScenarioExtension>(scenario: &Scenario<X>) {
    for warning in crate::scenario::warnings(scenario) {
        eprintln!("warning: {warning}");
    }
}

/// The section under `cascade run --out DIR`'s summary: the files written
/// in `dir` (as the command line named it) and how to make the report.
fn files_written(dir: &Path, tables: crate::output::TableFormat) -> String {
    use core::fmt::Write as _;
    let in_dir = |name: &str| dir.join(name).display().to_string();
    let mut rows: Vec<(String, String)> = vec![("run directory".into(), dir.display().to_string())];
    let names: Vec<String> = (crate::schema::TABLES.iter())
        .map(|t| tables.file_name(t.file))
        .collect();
    rows.push((
        "tables".into(),
        format!("{} ({})", in_dir(""), names.join(", ")),
    ));
    rows.push((
        "columns' meanings".into(),
        in_dir(crate::output::DICTIONARY_FILE),
    ));
    rows.push(("summary".into(), in_dir("summary.json")));
    rows.push(("store".into(), in_dir("store.sqlite")));
    rows.push(("manifest".into(), in_dir("manifest.json")));
    let shell = dir.display().to_string();
    let quoted = if shell
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c))
    {
        shell
    } else {
        format!("'{}'", shell.replace('\'', "'\\''"))
    };
    rows.push(("the report".into(), format!("cascade report {quoted}")));
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::from("\nfiles written\n");
    for (k, v) in rows {
        let _ = writeln!(out, "  {k:<width$}  {v}");
    }
    out
}

/// What `check` prints: the scenario as resolved.
pub fn describe<X: ScenarioExtension>(scenario: &Scenario<X>) -> String {
    use core::fmt::Write as _;
    let config = &scenario.config;
    let file = &scenario.file;
    let mut out = String::new();
    let _ = writeln!(out, "{}: valid", scenario.path.display());
    if !file.description.is_empty() {
        let _ = writeln!(out, "  {}", file.description);
    }
    let _ = writeln!(
        out,
        "  stop day {}, seed {}, replicates {}, mode {:?}, pools {:?}, max events {}",
        file.stop_day,
        file.seed,
        file.replicates,
        file.mode,
        file.pools,
        file.max_events
            .map_or_else(|| "none".to_string(), |m| m.to_string())
    );
    let _ = writeln!(out, "\norgans ({}):", config.organs.len());
    let _ = writeln!(
        out,
        "  {:<16} {:>7} {:<14} {:>6} {:>8} {:>8} {:>8} {:>9}",
        "name", "share", "drains to", "arrest", "extrav/d", "growth×", "1st div×", "capacity"
    );
    for (_, organ) in config.organs.organs() {
        let drain = match &organ.drains_to {
            cascade_biology::organs::Drain::Organ(id) => config.organs.organ(*id).name.clone(),
            cascade_biology::organs::Drain::Arterial => "arterial".to_string(),
        };
        let _ = writeln!(
            out,
            "  {:<16} {:>7.4} {:<14} {:>6.3} {:>8.3} {:>8.3} {:>8.3} {:>9.2e}",
            organ.name,
            organ.cardiac_output_share,
            drain,
            organ.arrest_probability,
            organ.extravasation_rate,
            organ.growth_multiplier,
            organ.solitary_division_multiplier,
            organ.carrying_capacity
        );
        if !organ.venous_routes.is_empty() {
            let routes: Vec<String> = (organ.venous_routes.iter())
                .map(|route| {
                    let bed = match &route.to {
                        cascade_biology::organs::Drain::Organ(id) => {
                            config.organs.organ(*id).name.clone()
                        }
                        cascade_biology::organs::Drain::Arterial => "arterial".to_string(),
                    };
                    format!("{bed} {}", route.share)
                })
                .collect();
            let _ = writeln!(out, "    venous routes: {}", routes.join(", "));
        }
    }
    let _ = writeln!(out, "  veins: {}", config.organs.vein_names().join(", "));
    let _ = writeln!(out, "\nclones ({}):", config.clones.len());
    for clone in &config.clones {
        let p = &clone.phenotype;
        let _ = writeln!(
            out,
            "  {}: birth {}/d, death {}/d, mutation {} (primary); birth {}/d, death {}/d, mutation {} (metastases); shedding {}/d{}; death in circulation {}/d{}",
            clone.name,
            p.in_primary.birth_rate,
            p.in_primary.death_rate,
            p.in_primary.mutation_probability,
            p.in_metastases.birth_rate,
            p.in_metastases.death_rate,
            p.in_metastases.mutation_probability,
            p.shedding_rate,
            p.shedding_rate_in_metastases
                .map_or_else(String::new, |rate| format!(" ({rate}/d from metastases)")),
            p.circulation_death_rate,
            if p.solitary_division_multiplier == 1.0 {
                String::new()
            } else {
                format!("; solitary division ×{}", p.solitary_division_multiplier)
            }
        );
        for (organ, a) in p.affinity.iter().enumerate() {
            if *a != cascade_biology::clones::OrganAffinity::NEUTRAL {
                let name = &config
                    .organs
                    .organ(cascade_biology::OrganId(organ as u16))
                    .name;
                let _ = writeln!(
                    out,
                    "    affinity for {name}: arrest ×{}, extravasation ×{}, growth ×{}",
                    a.arrest, a.extravasation, a.growth
                );
            }
        }
        for (d, drug) in config.therapy.drugs.iter().enumerate() {
            let s = p.sensitivity(cascade_biology::therapy::DrugId(d as u32));
            if s != 1.0 {
                let _ = writeln!(out, "    sensitivity to {}: {s}", drug.name);
            }
        }
    }
    let therapy = &config.therapy;
    if !therapy.is_empty() {
        let _ = writeln!(
            out,
            "
therapy:"
        );
        for drug in &therapy.drugs {
            let _ = writeln!(
                out,
                "  drug {}: {} logs of kill per dose{}; resistance {} per division (resistant sensitivity {})",
                drug.name,
                drug.log_kill,
                if drug.cycle_specific {
                    ", cycle specific (dividing cells only)"
                } else {
                    ""
                },
                drug.resistance_probability,
                drug.resistant_sensitivity
            );
        }
        if let Some(surgery) = &therapy.surgery {
            let _ = writeln!(
                out,
                "  surgery: the primary removed at {:?}, each cell left behind with probability {}",
                surgery.at, surgery.left_behind
            );
        }
        for (i, regimen) in therapy.regimens.iter().enumerate() {
            let groups: Vec<String> = regimen
                .cycle
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|d| therapy.drugs[d.index()].name.as_str())
                        .collect::<Vec<_>>()
                        .join(" + ")
                })
                .collect();
            let _ = writeln!(
                out,
                "  regimen {i}: starts at {:?}, {} doses from {} days later (last at +{} days), in turn: {}",
                regimen.start,
                regimen.offsets.len(),
                regimen.delay,
                regimen.offsets.last().copied().unwrap_or(0.0),
                groups.join(", ")
            );
        }
        if therapy.stop_at_relapse {
            let _ = writeln!(
                out,
                "  a replicate ends at its first relapse once every regimen has started"
            );
        }
    }
    let clone_name = |id: cascade_biology::CloneId| config.clones[id.index()].name.clone();
    let cells = |cells: &[(cascade_biology::CloneId, u64)]| {
        cells
            .iter()
            .map(|&(c, n)| format!("{n} {}", clone_name(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "\nevents:");
    if let Some(primary) = &config.primary {
        let _ = writeln!(
            out,
            "  day 0: primary tumour in {} of {} cells ({:?} growth to {} cells)",
            config.organs.organ(primary.organ).name,
            cells(&primary.cells),
            primary.growth_law,
            crate::summary::number(primary.carrying_capacity)
        );
    }
    for (i, injection) in config.injections.iter().enumerate() {
        let clumps = injection.clumps_of().map_or_else(String::new, |k| {
            let n: u64 = injection.cells.iter().map(|&(_, n)| n).sum();
            format!(
                " as {} clumps of {k} cells and {} single cells",
                n / k,
                n % k
            )
        });
        let _ = writeln!(
            out,
            "  day {}: injection of {} into {}{clumps}",
            injection.day,
            cells(&injection.cells),
            file.injections[i].vein
        );
    }
    for day in &config.harvest_days {
        let _ = writeln!(
            out,
            "  day {day}: harvest (colonies counted in every organ)"
        );
    }
    for event in &file.events {
        let _ = writeln!(out, "  day {}: {:?}", event.day, event.event);
    }
    let _ = writeln!(
        out,
        "  burden recorded on {} days; metastases detectable at {} cells, macroscopic at {} cells; {:?} growth in metastases; shedding {:?}",
        config.observation_days.len(),
        config.detection_size,
        config.macrometastasis_size,
        config.metastasis_growth_law,
        config.shedding
    );
    let warnings = crate::scenario::warnings(scenario);
    if !warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings ({}):", warnings.len());
        for warning in warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
    }
    out
}

#[cfg(test)]
mod bytes_tests {
    use super::parse_bytes;

    #[test]
    fn sizes_are_read_with_binary_units() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("4K"), Ok(4096));
        assert_eq!(parse_bytes("512M"), Ok(512 << 20));
        assert_eq!(parse_bytes("4G"), Ok(4 << 30));
        assert_eq!(parse_bytes("4GiB"), Ok(4 << 30));
        assert_eq!(parse_bytes("2t"), Ok(2 << 40));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("4X").is_err());
        assert!(parse_bytes("-1G").is_err());
        assert!(parse_bytes("1.5G").is_err());
        assert!(parse_bytes("").is_err());
        assert!(parse_bytes("99999999T").is_err());
    }
}
