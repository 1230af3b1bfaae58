//! The output directory: atomic writes, finished replicates kept, resume.
//!
//! ```text
//! DIR/.lock                       held while a run writes (one run at a time)
//! DIR/run.json                    what this directory is a run of (written first)
//! DIR/replicates/r000000/         one directory per finished replicate
//!                                 (for a sweep, per finished unit: point ×
//!                                 replicates + replicate):
//!     record.json                 its record (for the summary)
//!     summary.csv, metastases.csv, ...   its rows, no header
//! DIR/summary.csv, metastases.csv, funnel.csv, harvests.csv,
//!     timeseries.csv, clones.csv  every replicate's rows, in replicate order
//! DIR/summary.json                the summary (as `--format json` prints it)
//! DIR/manifest.json               written last: the run is complete
//! ```
//!
//! Every file is written to a temporary name and renamed; a replicate's
//! directory is filled under a temporary name and renamed whole. An
//! interrupted run therefore leaves finished replicates intact and no
//! truncated file, and `--resume` runs only the missing replicates. The
//! combined tables are rebuilt from the replicate directories, so a resumed
//! run writes the same bytes as an uninterrupted one.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::run::{ReplicateOutput, ReplicateRecord, TABLES};

/// How the combined tables are written.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// CSV with a header line.
    #[default]
    Csv,
    /// Parquet, the same columns typed (cargo feature `parquet`).
    Parquet,
}

impl TableFormat {
    /// The file name of table `csv_name` (`summary.csv`) in this format.
    pub fn file_name(self, csv_name: &str) -> String {
        match self {
            TableFormat::Csv => csv_name.to_string(),
            TableFormat::Parquet => format!("{}.parquet", csv_name.trim_end_matches(".csv")),
        }
    }

    /// The bytes of CSV text `csv` in this format.
    ///
    /// # Errors
    ///
    /// Parquet without the `parquet` feature, or a table Parquet cannot
    /// hold.
    pub fn encode(self, csv: Vec<u8>) -> Result<Vec<u8>, OutputError> {
        match self {
            TableFormat::Csv => Ok(csv),
            #[cfg(feature = "parquet")]
            TableFormat::Parquet => {
                crate::parquet_tables::csv_to_parquet(&String::from_utf8_lossy(&csv))
                    .map_err(|e| OutputError::Refused(format!("cannot write Parquet: {e}")))
            }
            #[cfg(not(feature = "parquet"))]
            TableFormat::Parquet => Err(OutputError::Refused(PARQUET_MISSING.into())),
        }
    }

    /// Whether this build can write the format.
    pub fn available(self) -> bool {
        self == TableFormat::Csv || cfg!(feature = "parquet")
    }
}

/// What to say when Parquet is asked of a build without it.
pub const PARQUET_MISSING: &str = "this cascade was built without Parquet: build it with `cargo build --release -p cascade-runner --features parquet`";

/// The version of the output layout, so that `--resume` and `merge` refuse
/// a directory whose rows have other columns: 2 since the tables gained the
/// clump columns (`summary.csv`, `funnel.csv`) and the founding cells and
/// clones (`metastases.csv`); 3 since therapy (`clones.csv`'s killed and
/// removed cells, and `site_clones.csv`, `therapy.csv`, `resistance.csv`).
pub const FORMAT: u32 = 3;

/// What a directory is a run of: everything that decides its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// Output layout version.
    pub format: u32,
    /// The `cascade` version.
    pub cascade_version: String,
    /// The extension type the binary was built with (`NoExtension` for the
    /// plain `cascade`): a lab's binary does not resume another's run.
    pub extension: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// The seed.
    pub seed: u64,
    /// Replicates (per point, for a sweep).
    pub replicates: u64,
    /// For `cascade sweep`: the grid and the shard (absent for `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepIdentity>,
}

/// What a sweep directory is: the grid, and which slice of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepIdentity {
    /// The axes and their values.
    pub axes: Vec<crate::sweep::Axis>,
    /// The slice, or `None` for the whole grid.
    pub shard: Option<crate::sweep::Shard>,
}

impl Eq for SweepIdentity {}

/// One replicate in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestReplicate {
    /// For a sweep, the point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<u64>,
    /// Its index.
    pub replicate: u64,
    /// Its trace digest.
    pub digest: String,
    /// Events dispatched.
    pub events: u64,
}

/// The manifest: the identity, the command that reproduces the run, and
/// each replicate's digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// What was run.
    #[serde(flatten)]
    pub identity: RunIdentity,
    /// The scenario file as given on the command line.
    pub scenario: String,
    /// The command that reproduces these files (options that do not change
    /// them, such as `--threads`, `--resume` and `--out`, left out).
    pub command: Vec<String>,
    /// Per replicate.
    pub replicate_digests: Vec<ManifestReplicate>,
    /// The tables written.
    pub tables: Vec<String>,
}

/// Why the output directory could not be used or written.
#[derive(Debug)]
pub enum OutputError {
    /// A file operation failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: io::Error,
    },
    /// The directory holds something else.
    Refused(String),
}

impl core::fmt::Display for OutputError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OutputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            OutputError::Refused(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for OutputError {}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`.
///
/// # Errors
///
/// The failed operation, with its path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut file = fs::File::create(&temporary).map_err(io_error(&temporary))?;
        file.write_all(bytes).map_err(io_error(&temporary))?;
        file.sync_all().map_err(io_error(&temporary))?;
    }
    fs::rename(&temporary, path).map_err(io_error(path))
}

/// An output directory being filled.
#[derive(Debug)]
pub struct OutputDir {
    root: PathBuf,
    /// Held (locked) while the directory is open.
    _lock: fs::File,
}

/// The lock file of an output directory.
pub const LOCK_FILE: &str = ".lock";

impl OutputDir {
    /// Opens `root` for a run with `identity`: creates it, or with `resume`
    /// checks that it holds a run with the same identity and removes the
    /// temporary files an interruption left.
    ///
    /// # Errors
    ///
    /// [`OutputError::Refused`] when `root` holds other results (or, with
    /// `resume`, a different run).
    pub fn open(
        root: &Path,
        identity: &RunIdentity,
        resume: bool,
    ) -> Result<OutputDir, OutputError> {
        let run_file = root.join("run.json");
        let exists = root.exists();
        if exists && !root.is_dir() {
            return Err(OutputError::Refused(format!(
                "{} exists and is not a directory",
                root.display()
            )));
        }
        fs::create_dir_all(root).map_err(io_error(root))?;
        // One run at a time per directory: an advisory lock, released by the
        // system when the process ends, however it ends.
        let lock_path = root.join(LOCK_FILE);
        let lock = fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        lock.try_lock().map_err(|e| match e {
            fs::TryLockError::WouldBlock => OutputError::Refused(format!(
                "another cascade run is writing {}; wait for it, or choose another --out",
                root.display()
            )),
            fs::TryLockError::Error(error) => OutputError::Io {
                path: lock_path.clone(),
                error,
            },
        })?;
        let mut non_empty = false;
        for entry in fs::read_dir(root).map_err(io_error(root))? {
            let entry = entry.map_err(io_error(root))?;
            let name = entry.file_name();
            let empty_replicates = name == "replicates"
                && fs::read_dir(entry.path()).is_ok_and(|mut d| d.next().is_none());
            if name != LOCK_FILE && !empty_replicates {
                non_empty = true;
            }
        }
        if non_empty {
            if !resume {
                return Err(OutputError::Refused(format!(
                    "{} already holds files; use --resume to finish that run, or choose another --out",
                    root.display()
                )));
            }
            let text = fs::read_to_string(&run_file).map_err(|_| {
                OutputError::Refused(format!(
                    "{} holds files but no run.json: it is not a cascade run to resume",
                    root.display()
                ))
            })?;
            let found: RunIdentity = serde_json::from_str(&text).map_err(|e| {
                OutputError::Refused(format!("{}: unreadable ({e})", run_file.display()))
            })?;
            if &found != identity {
                return Err(OutputError::Refused(format!(
                    "{} holds a different run (scenario sha256 {}, seed {}, {} replicates, cascade {}); \
                     this one is scenario sha256 {}, seed {}, {} replicates, cascade {}",
                    root.display(),
                    found.scenario_sha256,
                    found.seed,
                    found.replicates,
                    found.cascade_version,
                    identity.scenario_sha256,
                    identity.seed,
                    identity.replicates,
                    identity.cascade_version
                )));
            }
            remove_temporaries(root)?;
            remove_temporaries(&root.join("replicates"))?;
        }
        // run.json first: a directory with replicates always says whose
        // they are.
        let text = serde_json::to_string_pretty(identity)
            .map_err(|e| OutputError::Refused(format!("cannot encode run.json: {e}")))?;
        write_atomic(&run_file, text.as_bytes())?;
        fs::create_dir_all(root.join("replicates")).map_err(io_error(root))?;
        Ok(OutputDir {
            root: root.to_path_buf(),
            _lock: lock,
        })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn replicate_dir(&self, unit: u64) -> PathBuf {
        unit_dir(&self.root, unit)
    }

    /// The record of unit `unit` (replicate `replicate`; the same number
    /// for a run) if it finished earlier.
    ///
    /// # Errors
    ///
    /// A replicate directory that exists but cannot be read.
    pub fn finished(
        &self,
        unit: u64,
        replicate: u64,
        organs: usize,
        harvests: usize,
    ) -> Result<Option<ReplicateRecord>, OutputError> {
        let dir = self.replicate_dir(unit);
        if !dir.is_dir() {
            return Ok(None);
        }
        let path = dir.join("record.json");
        let text = fs::read_to_string(&path).map_err(io_error(&path))?;
        let record: ReplicateRecord = serde_json::from_str(&text)
            .map_err(|e| OutputError::Refused(format!("{}: unreadable ({e})", path.display())))?;
        let consistent = record.replicate == replicate
            && record.metastases.len() == organs
            && record.macrometastases.len() == organs
            && record.harvest_colonies.len() <= harvests
            && record.harvest_colonies.iter().all(|h| h.len() == organs);
        if !consistent {
            return Err(OutputError::Refused(format!(
                "{} does not belong to this run (edited or from another scenario); remove {} and resume",
                path.display(),
                dir.display()
            )));
        }
        Ok(Some(record))
    }

    /// Writes a finished unit (a run's replicate `unit`): its directory
    /// appears whole or not at all.
    ///
    /// # Errors
    ///
    /// The failed operation.
    pub fn write_replicate(&self, unit: u64, output: &ReplicateOutput) -> Result<(), OutputError> {
        let target = self.replicate_dir(unit);
        let temporary = self
            .root
            .join("replicates")
            .join(format!(".r{unit:06}.tmp-{}", std::process::id()));
        if temporary.exists() {
            fs::remove_dir_all(&temporary).map_err(io_error(&temporary))?;
        }
        fs::create_dir_all(&temporary).map_err(io_error(&temporary))?;
        let record = serde_json::to_string_pretty(&output.record)
            .map_err(|e| OutputError::Refused(format!("cannot encode a record: {e}")))?;
        write_file(&temporary.join("record.json"), record.as_bytes())?;
        for (table, rows) in TABLES.iter().zip(&output.rows) {
            write_file(&temporary.join(table.file), rows.as_bytes())?;
        }
        sync_dir(&temporary);
        if target.is_dir() {
            // Finished meanwhile (the same bytes, by determinism).
            fs::remove_dir_all(&temporary).map_err(io_error(&temporary))?;
            return Ok(());
        }
        fs::rename(&temporary, &target).map_err(io_error(&target))?;
        sync_dir(&self.root.join("replicates"));
        Ok(())
    }

    /// Writes the combined tables (each header after `header_prefix`, the
    /// sweep's columns), the summary and, last, the manifest.
    ///
    /// # Errors
    ///
    /// The failed operation.
    pub fn finish(
        &self,
        units: core::ops::Range<u64>,
        header_prefix: &str,
        format: TableFormat,
        summary_json: &str,
        manifest: &Manifest,
    ) -> Result<(), OutputError> {
        for table in TABLES {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(header_prefix.as_bytes());
            bytes.extend_from_slice(table.header.as_bytes());
            bytes.push(b'\n');
            for r in units.clone() {
                let path = self.replicate_dir(r).join(table.file);
                bytes.extend(fs::read(&path).map_err(io_error(&path))?);
            }
            write_atomic(
                &self.root.join(format.file_name(table.file)),
                &format.encode(bytes)?,
            )?;
        }
        write_atomic(&self.root.join("summary.json"), summary_json.as_bytes())?;
        let text = serde_json::to_string_pretty(manifest)
            .map_err(|e| OutputError::Refused(format!("cannot encode the manifest: {e}")))?;
        write_atomic(&self.root.join("manifest.json"), text.as_bytes())?;
        sync_dir(&self.root);
        Ok(())
    }
}

/// The directory of unit `unit` under the output directory `root`.
pub fn unit_dir(root: &Path, unit: u64) -> PathBuf {
    root.join("replicates").join(format!("r{unit:06}"))
}

/// Writes `bytes` to `path` (not atomically: for files in a directory that
/// is renamed into place whole).
///
/// # Errors
///
/// The failed operation.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut file = fs::File::create(path).map_err(io_error(path))?;
    file.write_all(bytes).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// Best effort: make a rename durable (not every platform can open a
/// directory).
fn sync_dir(path: &Path) {
    if let Ok(dir) = fs::File::open(path) {
        let _ = dir.sync_all();
    }
}

fn remove_temporaries(dir: &Path) -> Result<(), OutputError> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let path = entry.path();
            if path.is_dir() {
                fs::remove_dir_all(&path).map_err(io_error(&path))?;
            } else {
                fs::remove_file(&path).map_err(io_error(&path))?;
            }
        }
    }
    Ok(())
}
