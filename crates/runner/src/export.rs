//! `cascade export DIR [--format csv|parquet]`: a finished run directory's
//! combined tables, `dictionary.csv`, `summary.json` and `manifest.json`
//! rewritten from its store, without simulating.
//!
//! The store holds the scenario file's text and name and the run's
//! identity (seed, replicates, a sweep's grid and slice, the extension).
//! The export parses that text, checks its SHA-256 against the identity,
//! opens the directory as `--resume` does (the lock held, so it never
//! races a run; a binary with another extension refused) and finishes it
//! with the code the run itself finishes with (`execute::finish_run`
//! for `cascade run`, the sweep's for `cascade sweep` and `cascade
//! merge`), so the files are the same bytes as the run wrote in that
//! format. The tables of the other format that the export replaces are
//! removed, so that a directory never holds a stale mix of the two.

use std::path::Path;

use crate::execute::{Failure, open, require_every_unit, vanished};
use crate::output::{FORMAT, RunIdentity, TableFormat};
use crate::scenario::{Scenario, ScenarioExtension};
use crate::schema::TABLES;

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
pub(crate) fn stored_scenario<X: ScenarioExtension>(
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
    let asked = crate::execute::Asked {
        seed: found.seed,
        replicates: found.replicates,
        sets: &found.sets,
    };
    let replicates = asked.replicates;
    // The run's `--set` changes, as the run applied them.
    let scenario = &crate::execute::with_sets(scenario.clone(), &found.sets)?;
    let schemas = crate::schema::schemas(&crate::run::declarations(scenario));
    let identity = crate::execute::identity(scenario, asked);
    let dir = open(root, &identity, scenario, &schemas)?;
    let finishing = crate::execute::run_command(dir.scenario(), asked);
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
    crate::execute::finish_run(&dir, scenario, (found.seed, &found.sets), &records, format)?;
    Ok(replicates)
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
