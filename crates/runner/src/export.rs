//! `cascade export DIR [--format csv|parquet]`: a finished run directory's
//! combined tables, `dictionary.csv`, `summary.json` and `manifest.json`
//! rewritten from its store, without simulating.
//!
//! The store holds the scenario file's text and name and the run's
//! identity (seed, replicates, a sweep's grid and slice, the extension).
//! The export parses that text, checks its SHA-256 against the identity,
//! opens the directory as `--resume` does (the lock held, so it never
//! races a run; a binary with another extension refused) and finishes it
//! with the code the run itself finishes with (`cli::finish_run`
//! for `cascade run`, the sweep's for `cascade sweep` and `cascade
//! merge`), so the files are the same bytes as the run wrote in that
//! format. The tables of the other format that the export replaces are
//! removed, so that a directory never holds a stale mix of the two.

use std::path::Path;

use crate::cli::Failure;
use crate::output::{FORMAT, OutputDir, RunIdentity, TableFormat};
use crate::scenario::{Scenario, ScenarioExtension};
use crate::schema::{TABLES, TableSchema};

/// Runs `cascade export` of the run directory `root` in `format`; returns
/// the text for standard output (what was written and removed).
///
/// # Errors
///
/// [`Failure::Input`] for a directory that is not a run, holds a run of
/// another binary, or is not finished (naming how many replicates are
/// missing and the command that finishes it); [`Failure::Io`] for a
/// failed write.
pub fn export<X: ScenarioExtension>(root: &Path, format: TableFormat) -> Result<String, Failure> {
    let (found, scenario) = stored_scenario::<X>(root)?;
    let mut tables: Vec<&str> = TABLES.iter().map(|t| t.file).collect();
    let (units, noun) = if found.sweep.is_some() {
        tables.push(crate::shards::POINTS_FILE);
        let units = crate::shards::export(root, scenario, &found, format)?;
        (units, "units")
    } else {
        (export_run(root, &scenario, &found, format)?, "replicates")
    };
    let removed = remove_replaced(root, format, &tables)?;
    let mut text = format!(
        "{}: wrote {} tables as {}, {}, summary.json and manifest.json from the {units} {noun} in its store\n",
        root.display(),
        tables.len(),
        format_name(format),
        crate::output::DICTIONARY_FILE,
    );
    if !removed.is_empty() {
        text.push_str(&format!(
            "removed the {} tables they replace: {}\n",
            format_name(other_format(format)),
            removed.join(", ")
        ));
    }
    Ok(text)
}

/// The identity and the scenario that the store of `root` holds: the
/// scenario parsed from the stored text (named as the run named it), its
/// SHA-256 checked against the identity's.
fn stored_scenario<X: ScenarioExtension>(
    root: &Path,
) -> Result<(RunIdentity, Scenario<X>), Failure> {
    let stored = crate::output::stored_run(root).map_err(Failure::opening)?;
    let store = root.join(crate::store::STORE_FILE);
    let found: RunIdentity = serde_json::from_str(&stored.identity)
        .map_err(|e| Failure::Input(format!("{}: unreadable identity ({e})", store.display())))?;
    // Before parsing: another extension's scenario may not parse here, and
    // the refusal should say why, as `--resume` says it.
    if let Some(why) = crate::output::resume_refusal(&found, &this_binary::<X>(&found)) {
        return Err(Failure::Input(format!("{} {why}", root.display())));
    }
    let path = Path::new(&stored.scenario_name);
    let scenario = crate::scenario::parse::<X>(&stored.scenario_text, path).map_err(|e| {
        Failure::Input(format!(
            "the scenario kept in {} does not parse: {e}",
            store.display()
        ))
    })?;
    if scenario.sha256 != found.scenario_sha256 {
        return Err(Failure::Input(format!(
            "{}: the scenario kept in the store has sha256 {}, its run's identity says {} \
             (the store was edited or damaged); run again into another --out",
            store.display(),
            scenario.sha256,
            found.scenario_sha256
        )));
    }
    Ok((found, scenario))
}

/// The run `found` as this binary would make it: its version, output
/// format and extension in place of the run's.
fn this_binary<X: ScenarioExtension>(found: &RunIdentity) -> RunIdentity {
    RunIdentity {
        format: FORMAT,
        cascade_version: env!("CARGO_PKG_VERSION").to_string(),
        extension: std::any::type_name::<X>().to_string(),
        extension_version: X::version().to_string(),
        ..found.clone()
    }
}

/// Exports a `cascade run` directory; returns how many replicates.
fn export_run<X: ScenarioExtension>(
    root: &Path,
    scenario: &Scenario<X>,
    found: &RunIdentity,
    format: TableFormat,
) -> Result<u64, Failure> {
    let asked = crate::cli::Asked {
        seed: found.seed,
        replicates: found.replicates,
        sets: &found.sets,
    };
    let replicates = asked.replicates;
    // The run's `--set` changes, as the run applied them.
    let scenario = &crate::cli::with_sets(scenario.clone(), &found.sets)?;
    let schemas = crate::schema::schemas(&crate::run::declarations(scenario));
    let identity = crate::cli::identity(scenario, asked);
    let dir = open(root, &identity, scenario, &schemas)?;
    let finishing = crate::cli::run_command(dir.scenario(), asked);
    require_every_unit(&dir, 0..replicates, "replicates", &finishing)?;
    let (organs, harvests) = (
        scenario.config.organs.len(),
        scenario.config.harvest_days.len(),
    );
    let records = (0..replicates)
        .map(|r| {
            dir.finished(r, r, organs, harvests)
                .map_err(Failure::opening)?
                .ok_or_else(|| vanished(&dir, r))
        })
        .collect::<Result<Vec<_>, _>>()?;
    crate::cli::finish_run(&dir, scenario, (found.seed, &found.sets), &records, format)?;
    Ok(replicates)
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

/// Removes the files of `tables` (their CSV names) in the format other
/// than `format` from `root`: the export replaced them. Returns the names
/// removed.
fn remove_replaced(
    root: &Path,
    format: TableFormat,
    tables: &[&str],
) -> Result<Vec<String>, Failure> {
    let other = other_format(format);
    let mut removed = Vec::new();
    for table in tables {
        let name = other.file_name(table);
        let path = root.join(&name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(name),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::Io(format!(
                    "{}: cannot remove the table this export replaces: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(removed)
}

fn other_format(format: TableFormat) -> TableFormat {
    match format {
        TableFormat::Csv => TableFormat::Parquet,
        TableFormat::Parquet => TableFormat::Csv,
    }
}

fn format_name(format: TableFormat) -> &'static str {
    match format {
        TableFormat::Csv => "CSV",
        TableFormat::Parquet => "Parquet",
    }
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
