//! The output directory: one store of finished replicates, exports, resume.
//!
//! ```text
//! DIR/.lock                       held while a run writes (one run at a time)
//! DIR/run.json                    what this directory is a run of (written first)
//! DIR/store.sqlite                the run store (crate::store): the run's
//!                                 identity and scenario, and every finished
//!                                 unit's record, digest and rows (for a sweep,
//!                                 a unit is point × replicates + replicate);
//!                                 with store.sqlite-wal and -shm while open
//! DIR/summary.csv, metastases.csv, funnel.csv, harvests.csv,
//!     timeseries.csv, clones.csv, site_clones.csv, therapy.csv,
//!     resistance.csv              every replicate's rows, in replicate order
//!                                 (exported from the store)
//! DIR/dictionary.csv              every table's columns: type, unit, meaning
//! DIR/summary.json                the summary (as `--format json` prints it)
//! DIR/manifest.json               written last: the run is complete
//! ```
//!
//! A directory holds these files whatever the number of replicates.
//! Finished replicates are committed to the store in batches; an
//! interrupted run loses at most the batch it had not committed, and
//! `--resume` runs only the replicates the store does not hold. Every other
//! file is written to a temporary name and renamed, and the combined tables
//! are exported from the store in unit order, so a resumed run writes the
//! same bytes as an uninterrupted one, whatever `--threads`. `cascade
//! export` ([`crate::export`]) exports them again from the store alone.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

pub use crate::files::{bytes_text, read_limited};
use crate::run::{ReplicateOutput, ReplicateRecord};
use crate::schema::{Row, SchemaError, TABLES, Table, TableSchema};
use crate::store::{FinishedUnit, STORE_FILE, Store, StoreError, StoredRun, StoredTable};

mod stream;
use stream::TableStream;

/// The data dictionary's file.
pub const DICTIONARY_FILE: &str = "dictionary.csv";

fn refused(error: SchemaError) -> OutputError {
    OutputError::Refused(format!(
        "a table's rows do not fit its columns (a bug): {error}"
    ))
}

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

    /// The table `schema` with `rows` as the bytes of a file in this
    /// format: CSV with its header, or Parquet with the schema's types.
    ///
    /// # Errors
    ///
    /// Parquet without the `parquet` feature, or rows that do not fit the
    /// schema.
    pub fn encode(self, schema: &TableSchema, rows: &[Row]) -> Result<Vec<u8>, OutputError> {
        for (k, row) in rows.iter().enumerate() {
            schema.check(row, k).map_err(refused)?;
        }
        match self {
            TableFormat::Csv => Ok(schema.csv(rows).into_bytes()),
            #[cfg(feature = "parquet")]
            TableFormat::Parquet => crate::parquet_tables::write(schema, rows)
                .map_err(|e| OutputError::Refused(format!("cannot write Parquet: {e}"))),
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
/// a directory whose rows have other columns or are written otherwise: 2
/// since the tables gained the clump columns (`summary.csv`, `funnel.csv`)
/// and the founding cells and clones (`metastases.csv`); 3 since therapy
/// (`clones.csv`'s killed and removed cells, and `site_clones.csv`,
/// `therapy.csv`, `resistance.csv`); 4 since the tables are written from
/// one schema ([`crate::schema`]): days always as decimals (`50.0`), and
/// `dictionary.csv`; 5 since the run store (`store.sqlite` in place of
/// one directory per replicate); 6 since the store keeps records in a
/// binary encoding and names ([`ColumnType::Name`](crate::schema::ColumnType::Name))
/// once, by id; 7 since `therapy.csv` gives both definitions of relapse
/// (`metastases_detectable_at_surgery`, `relapse_after_clear_surgery_day`)
/// and `solitary_cells.csv`; 8 since the store's records hold both
/// (so `summary.json` and `points.csv` give the clinical relapse); 9 since
/// `arrivals.csv` (where each founding or joining cell came from) and
/// `colony_sizes.csv` (each metastasis's size at each harvest); 10 since
/// `migrations.csv` (the migration graph), `seeding.csv` (its
/// classification), `trees.csv` (the clone and site trees in Newick) and
/// `prevalence.csv` (each clone's share of each site at each harvest and at
/// the end).
pub const FORMAT: u32 = 10;

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
    /// The extension's own version
    /// ([`ScenarioExtension::version`](crate::ScenarioExtension::version)):
    /// a lab's changed extension does not resume the old one's run. Empty
    /// for the plain `cascade` and an extension without a version, and for
    /// directories written before it was recorded (left out of the JSON
    /// when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extension_version: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// The seed.
    pub seed: u64,
    /// Replicates (per point, for a sweep).
    pub replicates: u64,
    /// For `cascade sweep`: the grid and the shard (absent for `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepIdentity>,
    /// The `--set NAME=VALUE` changes of `cascade run`, in the order
    /// given (left out of the JSON without any, so a run without them
    /// writes the bytes it wrote before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<String>,
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
    /// The columns the extension adds: each of its fates (a column of
    /// `funnel.csv` and `summary.csv`) and counters (of `summary.csv`), by
    /// name; left out without any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension_columns: Vec<ExtensionColumn>,
}

/// A column an extension adds to the tables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionColumn {
    /// Its name.
    pub name: String,
    /// `fate` (cells that met it) or `counter`.
    pub kind: String,
    /// The tables it is a column of.
    pub tables: Vec<String>,
}

impl ExtensionColumn {
    /// The columns of an extension that declares `declarations`, each
    /// with the tables of [`TABLES`] that take it (in that order).
    pub fn of(declarations: &cascade_biology::model::Declarations) -> Vec<ExtensionColumn> {
        let column = |name: &str, kind: &str, takes: fn(&Table) -> bool| ExtensionColumn {
            name: name.to_string(),
            kind: kind.to_string(),
            tables: (TABLES.iter().filter(|t| takes(t)))
                .map(|t| t.file.to_string())
                .collect(),
        };
        let fates = (declarations.fates.iter()).map(|f| column(&f.name, "fate", |t| t.fates));
        let counters = (declarations.counters.iter()).map(|c| column(c, "counter", |t| t.counters));
        fates.chain(counters).collect()
    }
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
            OutputError::Io { path, error } if error.kind() == io::ErrorKind::StorageFull => {
                write!(
                    f,
                    "{}: {error}: the disk is full; free space, then finish the run with --resume \
                 (the replicates committed are kept)",
                    path.display()
                )
            }
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
/// directory, synced, then renamed over `path`. On failure (a full disk)
/// the temporary file is removed.
///
/// # Errors
///
/// The failed operation, with its path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, |out| out.write_all(bytes).map_err(io_error(path)))
}

/// An output directory being filled.
#[derive(Debug)]
pub struct OutputDir {
    root: PathBuf,
    /// The scenario file as the run that created the directory named it.
    scenario: String,
    /// The finished units.
    store: Store,
    /// The combined CSV tables written while the units run, if they are
    /// ([`OutputDir::stream_tables`]).
    stream: Mutex<Option<TableStream>>,
    /// Whether `stream` holds one (read without its lock).
    streaming: AtomicBool,
    /// Held (locked) while the directory is open.
    _lock: fs::File,
}

impl core::fmt::Debug for TableStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TableStream")
    }
}

/// The lock file of an output directory.
pub const LOCK_FILE: &str = ".lock";

/// `run.json`: the identity, and the scenario file as the run that created
/// the directory named it (kept by `--resume`, which may name it another
/// way: the path is not part of the identity, the file's hash is).
#[derive(Debug, Serialize, Deserialize)]
struct RunFile {
    #[serde(flatten)]
    identity: RunIdentity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
}

/// The largest `run.json` read back: an identity is a few hundred bytes
/// plus a sweep's axes, which the scenario file (at most
/// [`MAX_SCENARIO_BYTES`](crate::scenario::MAX_SCENARIO_BYTES)) and
/// [`MAX_POINTS`](crate::sweep::MAX_POINTS) bound well below this.
pub const MAX_RUN_FILE_BYTES: u64 = crate::scenario::MAX_SCENARIO_BYTES;

/// Reads `run.json` of `root`: `None` if there is none.
fn read_run_file(root: &Path) -> Result<Option<RunFile>, OutputError> {
    let run_file = root.join("run.json");
    let bytes = match read_limited(&run_file, MAX_RUN_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(OutputError::Refused(format!(
                "{}: unreadable ({e})",
                run_file.display()
            )));
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| OutputError::Refused(format!("{}: unreadable ({e})", run_file.display())))
}

/// The first of `path` and its ancestors that is a symbolic link to
/// nothing, with its target.
fn dangling_link(path: &Path) -> Option<(PathBuf, PathBuf)> {
    path.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find(|p| {
            fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                && fs::metadata(p).is_err_and(|e| e.kind() == io::ErrorKind::NotFound)
        })
        .map(|p| {
            let target = fs::read_link(p).unwrap_or_default();
            (p.to_path_buf(), target)
        })
}

/// Whether `file` (opened from `path`) is still the file at `path`: not
/// removed or replaced meanwhile.
fn same_file(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl OutputDir {
    /// Opens `root` for a run with `identity` of the scenario file named
    /// `scenario`: creates it, or with `resume` checks that it holds a run
    /// with the same identity and removes the temporary files an
    /// interruption left. A resumed directory keeps the scenario's name as
    /// its first run recorded it ([`OutputDir::scenario`]). A refused
    /// directory is left as it was (no lock file, no `run.json` added).
    ///
    /// # Errors
    ///
    /// [`OutputError::Refused`] when `root` holds other results (or, with
    /// `resume`, a different run), or is a symbolic link to nothing;
    /// [`OutputError::Io`] when it cannot be created, locked or written.
    pub fn open(
        root: &Path,
        identity: &RunIdentity,
        scenario: &str,
        scenario_text: &str,
        schemas: &[TableSchema],
        resume: bool,
    ) -> Result<OutputDir, OutputError> {
        let refuse_dangling = |(link, target): (PathBuf, PathBuf)| {
            OutputError::Refused(format!(
                "{} is a symbolic link to {}, which does not exist: create the directory it points to, remove the link, or choose another --out",
                link.display(),
                target.display()
            ))
        };
        let existed = match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => true,
            Ok(_) => {
                return Err(OutputError::Refused(format!(
                    "{} exists and is not a directory",
                    root.display()
                )));
            }
            Err(_) => {
                if let Some(dangling) = dangling_link(root) {
                    return Err(refuse_dangling(dangling));
                }
                false
            }
        };
        if !existed && let Err(error) = fs::create_dir_all(root) {
            if let Some(dangling) = dangling_link(root) {
                return Err(refuse_dangling(dangling));
            }
            return Err(OutputError::Io {
                path: root.to_path_buf(),
                error: io::Error::new(
                    error.kind(),
                    format!("cannot create the directory: {error}"),
                ),
            });
        }
        // One run at a time per directory: an advisory lock, released by the
        // system when the process ends, however it ends.
        let lock_path = root.join(LOCK_FILE);
        let mut attempts = 0;
        let (lock, created_lock) = loop {
            attempts += 1;
            let (lock, created) = match open_lock(&lock_path) {
                Ok(opened) => opened,
                Err(error) => {
                    if !existed {
                        let _ = fs::remove_dir(root);
                    }
                    return Err(OutputError::Io {
                        path: lock_path,
                        error: io::Error::new(
                            error.kind(),
                            format!("cannot create the lock file: {error}"),
                        ),
                    });
                }
            };
            match lock.try_lock() {
                // Locked, and still the lock file (a refused run removes
                // the one it created; lock the new one then).
                Ok(()) if same_file(&lock, &lock_path) || attempts >= 3 => break (lock, created),
                Ok(()) => continue,
                // Another run holds it: nothing of this attempt is removed,
                // the lock file (even if this attempt created it) is theirs.
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(OutputError::Refused(format!(
                        "another cascade run is writing {}; wait for it, or choose another --out",
                        root.display()
                    )));
                }
                Err(fs::TryLockError::Error(error)) => {
                    return Err(OutputError::Io {
                        path: lock_path,
                        error,
                    });
                }
            }
        };
        let claimed = claim(root, identity, scenario, resume).and_then(|scenario| {
            let store = open_store(root, identity, &scenario, scenario_text, schemas)?;
            Ok((scenario, store))
        });
        match claimed {
            Ok((scenario, store)) => Ok(OutputDir {
                root: root.to_path_buf(),
                scenario,
                store,
                stream: Mutex::new(None),
                streaming: AtomicBool::new(false),
                _lock: lock,
            }),
            Err(error) => {
                // Refused (or failed): leave the directory as it was. The
                // lock is still held while its file is removed.
                if !existed {
                    let _ = fs::remove_file(root.join("run.json"));
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = fs::remove_file(root.join(format!("{STORE_FILE}{suffix}")));
                    }
                }
                if created_lock {
                    let _ = fs::remove_file(&lock_path);
                }
                drop(lock);
                if !existed {
                    let _ = fs::remove_dir(root);
                }
                Err(error)
            }
        }
    }

    /// The scenario file as the run that created this directory named it
    /// (for the manifest and the summary: a resumed run writes the same
    /// bytes however it names the file).
    pub fn scenario(&self) -> &str {
        &self.scenario
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The run's store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The record of unit `unit` (replicate `replicate`; the same number
    /// for a run) if it finished earlier.
    ///
    /// # Errors
    ///
    /// A store that cannot be read, or a record that does not belong to
    /// this run.
    pub fn finished(
        &self,
        unit: u64,
        replicate: u64,
        organs: usize,
        harvests: usize,
    ) -> Result<Option<ReplicateRecord>, OutputError> {
        let Some(record) = self.store.record(unit).map_err(store_error)? else {
            return Ok(None);
        };
        // Read back, not run: the stream cannot have its rows.
        self.stop_streaming();
        let consistent = record.replicate == replicate
            && record.metastases.len() == organs
            && record.macrometastases.len() == organs
            && record.harvest_colonies.len() <= harvests
            && record.harvest_colonies.iter().all(|h| h.len() == organs);
        if !consistent {
            return Err(OutputError::Refused(format!(
                "{}: the record of unit {unit} does not belong to this run (edited, or from \
                 another scenario); remove the directory and run again",
                self.store.path().display(),
            )));
        }
        Ok(Some(record))
    }

    /// Keeps a finished unit (a run's replicate `unit`): its record and
    /// its rows, each table's checked against its schema of `schemas` (in
    /// [`TABLES`] order: [`crate::schema::schemas`] for a run,
    /// [`crate::schema::sweep_schemas`] for a sweep, whose rows start with
    /// the point's values). It is committed with the batch it falls in
    /// (see [`crate::store`]).
    ///
    /// # Errors
    ///
    /// The store's failure, or rows that do not fit their schema.
    pub fn write_replicate(
        &self,
        unit: u64,
        output: ReplicateOutput,
        schemas: &[TableSchema],
    ) -> Result<(), OutputError> {
        if output.tables.len() != schemas.len() {
            return Err(OutputError::Refused(format!(
                "a replicate with {} tables, the run {} (a bug)",
                output.tables.len(),
                schemas.len()
            )));
        }
        // Formatted here, on the worker's thread.
        let texts = (self.streaming.load(Ordering::Relaxed))
            .then(|| stream::unit_texts(schemas, &output.tables));
        // The store checks every value against its column.
        self.store
            .add(FinishedUnit {
                unit,
                record: output.record,
                tables: output.tables,
            })
            .map_err(store_error)?;
        if let Some(texts) = texts {
            let mut stream = self.stream.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(taking) = stream.as_mut()
                && taking.take(unit, texts).is_err()
            {
                // Given up: the tables are exported from the store.
                *stream = None;
                self.streaming.store(false, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// Writes the combined tables of `schemas` while the units `units`
    /// run (`output/stream.rs`), when `format` is CSV and the store holds no unit
    /// yet (a new run, not a resume): [`OutputDir::finish`] then renames
    /// them into place instead of exporting them from the store. The bytes
    /// are the same either way. Without it, or if the stream gives up,
    /// `finish` exports from the store.
    pub fn stream_tables(
        &self,
        units: core::ops::Range<u64>,
        schemas: &[TableSchema],
        format: TableFormat,
    ) {
        if format != TableFormat::Csv || !self.store.units().is_ok_and(|u| u.is_empty()) {
            return;
        }
        if let Ok(stream) = TableStream::start(&self.root, schemas, units) {
            *self.stream.lock().unwrap_or_else(|e| e.into_inner()) = Some(stream);
            self.streaming.store(true, Ordering::Relaxed);
        }
    }

    /// Gives up the stream, if any (its temporary files removed).
    fn stop_streaming(&self) {
        if self.streaming.swap(false, Ordering::Relaxed) {
            *self.stream.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// The stream, if it holds every unit of `units`.
    fn complete_stream(&self, units: &core::ops::Range<u64>) -> Option<TableStream> {
        self.streaming.store(false, Ordering::Relaxed);
        let stream = self
            .stream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        stream.complete(units).then_some(stream)
    }

    /// Commits every finished unit to the store (as at the end of a run:
    /// before an interruption's message says what is kept).
    ///
    /// # Errors
    ///
    /// The store's failure.
    pub fn commit(&self) -> Result<(), OutputError> {
        self.store.flush().map_err(store_error)
    }

    /// Writes the combined tables (one per schema of `schemas`, in
    /// [`TABLES`] order, the rows of `units` from the store in unit order),
    /// the tables of `whole` (a sweep's `points.csv`), the data dictionary
    /// of them all, the summary and, last, the manifest.
    ///
    /// # Errors
    ///
    /// The failed operation, or rows in the store that do not fit their
    /// schema.
    pub fn finish(
        &self,
        units: core::ops::Range<u64>,
        schemas: &[TableSchema],
        whole: &[(TableSchema, Vec<Row>)],
        format: TableFormat,
        summary_json: &str,
        manifest: &Manifest,
    ) -> Result<(), OutputError> {
        self.commit()?;
        let streamed = match self.complete_stream(&units) {
            Some(stream) if format == TableFormat::Csv => {
                stream
                    .finish()
                    .map_err(|(path, error)| OutputError::Io { path, error })?;
                true
            }
            _ => false,
        };
        for (index, schema) in schemas.iter().enumerate() {
            let path = self.root.join(format.file_name(schema.table.file));
            match format {
                TableFormat::Csv if streamed => {}
                TableFormat::Csv => write_atomic_with(&path, |out| {
                    let mut header = schema.csv_header();
                    header.push('\n');
                    out.write_all(header.as_bytes()).map_err(io_error(&path))?;
                    self.export_csv(index, schema, units.clone(), out, &path)
                })?,
                TableFormat::Parquet => {
                    let mut rows = Vec::new();
                    self.store
                        .for_each_row(index, units.clone(), |_, row| {
                            rows.push(row.clone());
                            Ok(())
                        })
                        .map_err(store_error)?;
                    write_atomic(&path, &format.encode(schema, &rows)?)?;
                }
            }
        }
        for (schema, rows) in whole {
            write_atomic(
                &self.root.join(format.file_name(schema.table.file)),
                &format.encode(schema, rows)?,
            )?;
        }
        let described = schemas.iter().chain(whole.iter().map(|(s, _)| s));
        write_atomic(
            &self.root.join(DICTIONARY_FILE),
            crate::schema::dictionary(described).as_bytes(),
        )?;
        write_atomic(&self.root.join("summary.json"), summary_json.as_bytes())?;
        let text = serde_json::to_string_pretty(manifest)
            .map_err(|e| OutputError::Refused(format!("cannot encode the manifest: {e}")))?;
        write_atomic(&self.root.join("manifest.json"), text.as_bytes())?;
        sync_dir(&self.root);
        Ok(())
    }
}

impl OutputDir {
    /// Writes the CSV rows of table `index` (`schema`) of `units` to
    /// `out`: chunks of units formatted in parallel, each through a
    /// connection of its own, and written in unit order (so the bytes do
    /// not depend on the threads).
    fn export_csv(
        &self,
        index: usize,
        schema: &TableSchema,
        units: core::ops::Range<u64>,
        out: &mut impl io::Write,
        path: &Path,
    ) -> Result<(), OutputError> {
        use rayon::prelude::*;
        const CHUNK: u64 = 256;
        let chunks: Vec<core::ops::Range<u64>> = (units.start..units.end)
            .step_by(CHUNK as usize)
            .map(|start| start..(start + CHUNK).min(units.end))
            .collect();
        // A few chunks per thread in flight: memory bounded by the window.
        let window = 4 * rayon::current_num_threads().max(1);
        for group in chunks.chunks(window) {
            let texts: Vec<Result<String, OutputError>> = group
                .par_iter()
                .map(|range| {
                    let mut text = String::new();
                    self.store
                        .for_each_row_apart(index, range.clone(), |_, row| {
                            schema.write_csv_row(row, &mut text);
                            Ok(())
                        })
                        .map_err(store_error)?;
                    Ok(text)
                })
                .collect();
            for text in texts {
                out.write_all(text?.as_bytes()).map_err(io_error(path))?;
            }
        }
        Ok(())
    }
}

/// The tables of a store for `schemas`: each table's name and columns.
pub fn stored_tables(schemas: &[TableSchema]) -> Vec<StoredTable> {
    schemas
        .iter()
        .map(|schema| StoredTable {
            name: schema.table.name.to_string(),
            columns: schema.columns.clone(),
        })
        .collect()
}

/// What the run directory `root` holds, read from its store before the
/// directory is opened for that run (`cascade export`): the identity, the
/// scenario file's name and text.
///
/// # Errors
///
/// [`OutputError::Refused`] when `root` is not a run directory (not a
/// directory, or without `run.json` or `store.sqlite`), or its store
/// cannot be read.
pub fn stored_run(root: &Path) -> Result<StoredRun, OutputError> {
    let what = "a run directory is the --out of `cascade run`, `cascade sweep` or `cascade merge`";
    if !root.is_dir() {
        return Err(OutputError::Refused(format!(
            "{} is not a directory: {what}",
            root.display()
        )));
    }
    let missing: Vec<&str> = ["run.json", STORE_FILE]
        .into_iter()
        .filter(|name| !root.join(name).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(OutputError::Refused(format!(
            "{} is not a cascade run directory: it has no {} ({what}; a directory of a \
             cascade older than output format {FORMAT} has no store and cannot be exported)",
            root.display(),
            missing.join(" and "),
        )));
    }
    Store::read_run(&root.join(STORE_FILE)).map_err(store_error)
}

/// Opens the store of `root` (made by an earlier run, then checked whole:
/// SQLite's integrity check and every unit's checksum, and its identity
/// against `identity`), or creates it.
fn open_store(
    root: &Path,
    identity: &RunIdentity,
    scenario: &str,
    scenario_text: &str,
    schemas: &[TableSchema],
) -> Result<Store, OutputError> {
    let path = root.join(STORE_FILE);
    let tables = stored_tables(schemas);
    if !path.exists() {
        let identity = serde_json::to_string(identity)
            .map_err(|e| OutputError::Refused(format!("cannot encode the identity: {e}")))?;
        let run = StoredRun {
            identity,
            scenario_name: scenario.to_string(),
            scenario_text: scenario_text.to_string(),
        };
        return Store::create(&path, &run, &tables).map_err(store_error);
    }
    let store = Store::open(&path, &tables).map_err(store_error)?;
    let stored = store.run().map_err(store_error)?;
    let found: RunIdentity = serde_json::from_str(&stored.identity).map_err(|e| {
        OutputError::Refused(format!("{}: unreadable identity ({e})", path.display()))
    })?;
    if let Some(why) = resume_refusal(&found, identity) {
        return Err(OutputError::Refused(format!("{} {why}", path.display())));
    }
    store.verify().map_err(store_error)?;
    if found != *identity {
        // More replicates asked of the same run: the store records them.
        let text = serde_json::to_string(identity)
            .map_err(|e| OutputError::Refused(format!("cannot encode the identity: {e}")))?;
        store.set_identity(&text).map_err(store_error)?;
    }
    Ok(store)
}

/// A store's error as the output directory's: a refusal, damage (refused,
/// naming the unit) or SQLite's failure (as I/O, with the store's path).
fn store_error(error: StoreError) -> OutputError {
    match error {
        StoreError::Refused(why) | StoreError::Damaged(why) => OutputError::Refused(why),
        StoreError::Sqlite {
            path,
            doing,
            message,
        } => OutputError::Io {
            path,
            error: io::Error::other(format!("{doing}: {message}")),
        },
    }
}

/// Writes the file `path` through `write` (buffered): under a temporary
/// name, synced, then renamed, as [`write_atomic`].
///
/// # Errors
///
/// The failed operation, or `write`'s.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let temporary = temporary_path(path);
    let written = (|| {
        let file = fs::File::create(&temporary).map_err(io_error(&temporary))?;
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| OutputError::Io {
            path: temporary.clone(),
            error: e.into_error(),
        })?;
        file.sync_all().map_err(io_error(&temporary))?;
        fs::rename(&temporary, path).map_err(io_error(path))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// The temporary name `path` is written under before it is renamed:
/// `.NAME.tmp-PID` beside it (removed by a later `--resume`).
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Opens (or creates) the lock file; whether this call created it.
fn open_lock(path: &Path) -> io::Result<(fs::File, bool)> {
    match fs::File::options().write(true).create_new(true).open(path) {
        Ok(file) => Ok((file, true)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => fs::File::options()
            .write(true)
            .open(path)
            .map(|file| (file, false)),
        Err(e) => Err(e),
    }
}

/// With the lock held: checks what `root` holds against the run asked
/// for, removes an interruption's temporaries, and writes `run.json`;
/// returns the scenario's name to record (the first run's, on resume).
fn claim(
    root: &Path,
    identity: &RunIdentity,
    scenario: &str,
    resume: bool,
) -> Result<String, OutputError> {
    let run_file = root.join("run.json");
    let mut non_empty = false;
    for entry in fs::read_dir(root).map_err(io_error(root))? {
        let entry = entry.map_err(io_error(root))?;
        if entry.file_name() != LOCK_FILE {
            non_empty = true;
        }
    }
    let mut recorded = None;
    if non_empty {
        if !resume {
            return Err(OutputError::Refused(format!(
                "{} already holds files; use --resume to finish that run, or choose another --out",
                root.display()
            )));
        }
        let Some(found) = read_run_file(root)? else {
            return Err(OutputError::Refused(format!(
                "{} holds files but no run.json: it is not a cascade run to resume",
                root.display()
            )));
        };
        let RunFile {
            identity: found,
            scenario: name,
        } = found;
        if let Some(why) = resume_refusal(&found, identity) {
            return Err(OutputError::Refused(format!("{} {why}", root.display())));
        }
        recorded = name;
        remove_temporaries(root)?;
    }
    let scenario = recorded.unwrap_or_else(|| scenario.to_string());
    // run.json first: a directory with replicates always says whose they
    // are.
    let text = serde_json::to_string_pretty(&RunFile {
        identity: identity.clone(),
        scenario: Some(scenario.clone()),
    })
    .map_err(|e| OutputError::Refused(format!("cannot encode run.json: {e}")))?;
    write_atomic(&run_file, text.as_bytes())?;
    Ok(scenario)
}

/// Why a directory whose `run.json` holds `found` cannot be resumed by a
/// run of `wanted` (`None` when they are the same run): the words after
/// the directory's name, `holds a different run (...)`, naming what
/// differs. A binary with another extension, or the same extension at
/// another version, is refused with both names and versions: a change to
/// an extension may move results, and its replicates must not be mixed
/// with the old ones.
pub fn resume_refusal(found: &RunIdentity, wanted: &RunIdentity) -> Option<String> {
    if found == wanted || raises_replicates(found, wanted) {
        return None;
    }
    if let Some(why) = replicates_refusal(found, wanted) {
        return Some(why);
    }
    let extension = |identity: &RunIdentity| match identity.extension_version.as_str() {
        "" => format!("{} (no version)", identity.extension),
        version => format!("{} version {version}", identity.extension),
    };
    if found.format != wanted.format {
        return Some(format!(
            "holds a run in output format {} and this cascade writes format {} (the tables' \
             columns or how they are written changed; CHANGELOG.md says how), so its \
             replicates' rows cannot be mixed with new ones: run again into another --out, or \
             resume with the cascade that made the run",
            found.format, wanted.format
        ));
    }
    if found.extension != wanted.extension || found.extension_version != wanted.extension_version {
        return Some(format!(
            "holds a different run: made with extension {}, and this binary's is extension {}; \
             a changed extension may move results, so its replicates are not mixed: \
             run into another --out, or resume with the binary that made the run",
            extension(found),
            extension(wanted)
        ));
    }
    let grid = if found.sweep == wanted.sweep {
        ""
    } else {
        "; the sweep's grid or slice differs"
    };
    let sets = if found.sets == wanted.sets {
        String::new()
    } else {
        format!(
            "; its --set changes are {} and this run's are {}",
            sets_text(&found.sets),
            sets_text(&wanted.sets)
        )
    };
    Some(format!(
        "holds a different run (scenario sha256 {}, seed {}, {} replicates, cascade {}, output format {}); \
         this one is scenario sha256 {}, seed {}, {} replicates, cascade {}, output format {}{grid}{sets}",
        found.scenario_sha256,
        found.seed,
        found.replicates,
        found.cascade_version,
        found.format,
        wanted.scenario_sha256,
        wanted.seed,
        wanted.replicates,
        wanted.cascade_version,
        wanted.format,
    ))
}

/// Whether `wanted` is the run `found` asked for more replicates: a
/// `cascade run` (not a sweep, whose units would be renumbered) that
/// `--resume` may extend, since replicate `r` depends only on the
/// scenario, the seed and `r`.
pub fn raises_replicates(found: &RunIdentity, wanted: &RunIdentity) -> bool {
    found.sweep.is_none()
        && found.replicates < wanted.replicates
        && RunIdentity {
            replicates: wanted.replicates,
            ..found.clone()
        } == *wanted
}

/// Why `wanted`, the run `found` but for its replicate count, cannot
/// resume it: fewer replicates, or another count for a sweep. `None`
/// when they differ otherwise.
fn replicates_refusal(found: &RunIdentity, wanted: &RunIdentity) -> Option<String> {
    let same_otherwise = RunIdentity {
        replicates: wanted.replicates,
        ..found.clone()
    } == *wanted;
    if !same_otherwise {
        return None;
    }
    Some(if found.sweep.is_some() {
        format!(
            "holds a sweep of {} replicates per point, and this one asks for {}: a sweep's \
             replicates per point cannot change on resume (its units are numbered point × \
             replicates + replicate); resume with --replicates {}, or run the sweep into another --out",
            found.replicates, wanted.replicates, found.replicates
        )
    } else {
        format!(
            "holds a run of {} replicates, and this one asks for {}: --resume may raise the \
             count but not lower it; resume with --replicates {} or more, or run into another --out",
            found.replicates, wanted.replicates, found.replicates
        )
    })
}

/// `--set` changes as a message names them: `none`, or `a=1, b=2`.
fn sets_text(sets: &[String]) -> String {
    if sets.is_empty() {
        "none".to_string()
    } else {
        sets.join(", ")
    }
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
