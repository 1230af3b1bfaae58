//! The run store: one SQLite database per run directory (`store.sqlite`)
//! holding the run's identity, each finished unit's record and digest,
//! and the rows of every table, typed by the output schema.
//!
//! Finished units are committed in batches (group commit): each unit is
//! written as it finishes, by the worker that ran it, into the batch's
//! open transaction (each table's rows by multi-row `INSERT`s), and the
//! batch is committed when it holds [`BATCH_UNITS`] units or its oldest
//! unit has waited [`BATCH_SECONDS`], and at [`Store::flush`]. The
//! database runs in WAL mode with `synchronous = NORMAL`: a killed process
//! loses at most the batch it had not committed, never a committed one,
//! and never leaves a half-written unit (a unit's record and rows are one
//! transaction's). The wall clock decides only when a batch is committed,
//! never what is in it: the exports are the same bytes however the
//! batches fell.
//!
//! Every unit's rows carry a checksum (a 64-bit hash over its record,
//! digest and every value of its rows, in table order: a check against
//! damage and edits, not against an adversary), so [`Store::verify`] can name
//! a unit whose rows were damaged or edited after SQLite's own integrity
//! check passes.
//!
//! A unit's record is kept in a compact binary encoding
//! (`store/record.rs`), its digest, replicate and events in
//! columns of their own. A name ([`ColumnType::Name`]: an organ, a clone)
//! is kept once, in `cascade_names`, and a row holds its id.
//!
//! Values keep their type through the store: counts are SQLite integers
//! (a `u64` above `i64::MAX` stored as its two's-complement bits), days and
//! reals are SQLite reals (a NaN, which SQLite would store as NULL, and
//! -0.0, which it would give back as 0.0, are stored as a blob of their
//! eight bytes), Booleans are 0 or 1, text is text, and an
//! empty value is NULL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};

use crate::run::ReplicateRecord;
use crate::schema::{Column, ColumnType, Row, Value};

mod record;

/// The store's file name in a run directory.
pub const STORE_FILE: &str = "store.sqlite";

/// A batch is committed once it holds this many units...
pub const BATCH_UNITS: usize = 256;

/// ...or once its oldest unit has waited this long (seconds).
pub const BATCH_SECONDS: f64 = 0.5;

/// Row keys hold the unit in their high bits and the row's index within
/// the unit in these low bits.
const ROW_BITS: u32 = 24;

/// The store's own layout version (its tables of identity, units and
/// names): a store of another version is refused, not guessed at. 2 since
/// the records are binary ([`record`](self::record)) and names are kept
/// once (`cascade_names`).
const LAYOUT: i64 = 2;

/// What went wrong with a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// SQLite failed: the store's path, what was being done, SQLite's
    /// message.
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What the store was doing.
        doing: &'static str,
        /// SQLite's message.
        message: String,
    },
    /// The store exists but is not one this run can use (another run,
    /// another layout, other tables): the reason.
    Refused(String),
    /// The store's contents are damaged: what and where (the unit, when
    /// one is to blame).
    Damaged(String),
}

impl core::fmt::Display for StoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StoreError::Sqlite {
                path,
                doing,
                message,
            } => write!(f, "{}: {doing}: {message}", path.display()),
            StoreError::Refused(why) | StoreError::Damaged(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for StoreError {}

/// A table as the store keeps it: its name and columns (for a sweep, the
/// point's columns first).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTable {
    /// The SQL table's name (the output table's name, such as `summary`).
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<Column>,
}

/// What a run's store records about the run itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRun {
    /// The run's identity, as the JSON of `run.json`.
    pub identity: String,
    /// The scenario file's name as the first run gave it.
    pub scenario_name: String,
    /// The scenario file's text.
    pub scenario_text: String,
}

/// A finished unit (a run's replicate, or a sweep's replicate at a
/// point): what the store keeps of it.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishedUnit {
    /// The unit's number (the replicate for a run).
    pub unit: u64,
    /// Its record.
    pub record: ReplicateRecord,
    /// Its rows of each table, in the store's table order.
    pub tables: Vec<Vec<Row>>,
}

/// One run's store, shared by the threads that finish its units.
pub struct Store {
    path: PathBuf,
    tables: Vec<StoredTable>,
    /// The connection, with the transaction it has open.
    connection: Mutex<Writer>,
    /// Each table's `INSERT` statements, in table order.
    inserts: Vec<Inserts>,
    /// The committed units (read at opening, then kept up to date): a
    /// unit not among them is not looked for in the database, so a
    /// worker asking whether its unit finished earlier never waits for
    /// another's commit.
    committed: Mutex<UnitRuns>,
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Creates a new store at `path` for `run`, with `tables`.
    ///
    /// # Errors
    ///
    /// A file already at `path`, or SQLite's failure.
    pub fn create(
        path: &Path,
        run: &StoredRun,
        tables: &[StoredTable],
    ) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::Refused(format!(
                "{} exists already: a new run is not written over a store",
                path.display()
            )));
        }
        let connection = open_connection(path)?;
        let sqlite = sqlite_error(path, "creating the store");
        let mut sql = String::from(
            "BEGIN;
             CREATE TABLE cascade_store (layout INTEGER NOT NULL, identity TEXT NOT NULL,
                 scenario_name TEXT NOT NULL, scenario_text TEXT NOT NULL);
             CREATE TABLE cascade_units (unit INTEGER PRIMARY KEY, replicate INTEGER NOT NULL,
                 digest TEXT NOT NULL, events INTEGER NOT NULL, record BLOB NOT NULL,
                 rows INTEGER NOT NULL, checksum INTEGER NOT NULL);
             CREATE TABLE cascade_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             CREATE TABLE cascade_tables (position INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 columns TEXT NOT NULL);",
        );
        for table in tables {
            sql.push_str(&create_table(table));
        }
        // The identity and the tables in the same transaction: a store is
        // never without them.
        connection.execute_batch(&sql).map_err(&sqlite)?;
        connection
            .execute(
                "INSERT INTO cascade_store VALUES (?1, ?2, ?3, ?4)",
                params![LAYOUT, run.identity, run.scenario_name, run.scenario_text],
            )
            .map_err(&sqlite)?;
        for (position, table) in tables.iter().enumerate() {
            connection
                .execute(
                    "INSERT INTO cascade_tables VALUES (?1, ?2, ?3)",
                    params![position as i64, table.name, column_list(table)],
                )
                .map_err(&sqlite)?;
        }
        connection.execute_batch("COMMIT;").map_err(&sqlite)?;
        Store::new(path, connection, tables)
    }

    /// Opens the store at `path`, which must hold `tables` (names, columns
    /// and types, in order).
    ///
    /// # Errors
    ///
    /// No store at `path`, another layout or other tables, or SQLite's
    /// failure.
    pub fn open(path: &Path, tables: &[StoredTable]) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Refused(format!(
                "{} not found: the directory holds no run store",
                path.display()
            )));
        }
        let connection = open_connection(path)?;
        check_layout(&connection, path)?;
        let found = stored_columns(&connection, path)?;
        let wanted: Vec<(String, String)> = tables
            .iter()
            .map(|t| (t.name.clone(), column_list(t)))
            .collect();
        if found != wanted {
            return Err(StoreError::Refused(format!(
                "{} holds other tables or columns than this run writes (made by another \
                 version or extension?)",
                path.display()
            )));
        }
        Store::new(path, connection, tables)
    }

    fn new(
        path: &Path,
        connection: Connection,
        tables: &[StoredTable],
    ) -> Result<Store, StoreError> {
        let names = name_ids(stored_names(&connection, path)?);
        let committed = UnitRuns::of(committed_units(&connection, path)?);
        Ok(Store {
            path: path.to_path_buf(),
            tables: tables.to_vec(),
            connection: Mutex::new(Writer {
                connection,
                names,
                batch: None,
            }),
            inserts: tables.iter().map(Inserts::new).collect(),
            committed: Mutex::new(committed),
        })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run the store belongs to.
    ///
    /// # Errors
    ///
    /// SQLite's failure.
    pub fn run(&self) -> Result<StoredRun, StoreError> {
        stored_run(&self.connection(), &self.path)
    }

    /// The run the store at `path` belongs to, read without knowing its
    /// tables: what a directory holds, before it is opened for that run
    /// (`cascade export`). The run's row never changes once the store is
    /// made (but for a resume that raises the replicate count, in one
    /// statement), so it may be read while another process writes units.
    ///
    /// # Errors
    ///
    /// No store at `path`, another layout, or SQLite's failure.
    pub fn read_run(path: &Path) -> Result<StoredRun, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Refused(format!(
                "{} not found: the directory holds no run store",
                path.display()
            )));
        }
        let connection = open_connection(path)?;
        check_layout(&connection, path)?;
        stored_run(&connection, path)
    }

    /// Records `identity` (the JSON of `run.json`) as the run's: a
    /// resumed run asked for more replicates than the store was made for.
    ///
    /// # Errors
    ///
    /// SQLite's failure.
    pub fn set_identity(&self, identity: &str) -> Result<(), StoreError> {
        self.connection()
            .execute("UPDATE cascade_store SET identity = ?1", params![identity])
            .map_err(sqlite_error(&self.path, "recording the run's identity"))?;
        Ok(())
    }

    /// The record of unit `unit`, if it is committed.
    ///
    /// # Errors
    ///
    /// SQLite's failure, or a record that cannot be read.
    pub fn record(&self, unit: u64) -> Result<Option<ReplicateRecord>, StoreError> {
        if !self.committed().contains(unit) {
            return Ok(None);
        }
        let Some(header) = self.unit_header(unit)? else {
            return Ok(None);
        };
        let UnitHeader {
            replicate,
            digest,
            events,
            record,
        } = header;
        record::decode(&record, digest, replicate, events)
            .map(Some)
            .ok_or_else(|| {
                StoreError::Damaged(format!(
                    "{}: the record of unit {unit} is unreadable (damaged, or written by \
                     another version): remove the store and run again",
                    self.path.display()
                ))
            })
    }

    /// The committed units, in order.
    ///
    /// # Errors
    ///
    /// SQLite's failure.
    pub fn units(&self) -> Result<Vec<u64>, StoreError> {
        committed_units(&self.connection(), &self.path)
    }

    /// Adds a finished unit: its record and rows are written at once
    /// (into the batch's open transaction, while they are still in the
    /// worker's cache), and the batch is committed when it is full or old
    /// enough (see the module's documentation).
    ///
    /// # Errors
    ///
    /// Rows that do not fit the tables, or SQLite's failure (the batch's
    /// other units, not committed, are then lost, as after a kill).
    pub fn add(&self, unit: FinishedUnit) -> Result<(), StoreError> {
        self.fits(&unit)?;
        let mut writer = self.connection();
        let done = self.insert(&mut writer, &unit).and_then(|()| {
            let batch = writer.batch.as_ref();
            let old = batch.is_some_and(|b| b.opened.elapsed().as_secs_f64() >= BATCH_SECONDS);
            if old || batch.is_some_and(|b| b.units.len() >= BATCH_UNITS) {
                self.commit(&mut writer)
            } else {
                Ok(())
            }
        });
        if done.is_err() {
            writer.roll_back();
        }
        done
    }

    /// Commits every unit added and not yet committed.
    ///
    /// # Errors
    ///
    /// SQLite's failure.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut writer = self.connection();
        let done = self.commit(&mut writer);
        if done.is_err() {
            writer.roll_back();
        }
        done
    }

    /// Calls `row` with every row of table `table` (in the store's order)
    /// of the committed units in `units`, in unit order and, within a
    /// unit, in the order they were added.
    ///
    /// # Errors
    ///
    /// SQLite's failure, or a value that does not fit its column.
    pub fn for_each_row(
        &self,
        table: usize,
        units: core::ops::Range<u64>,
        row: impl FnMut(u64, &Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let connection = self.connection();
        read_rows(&connection, &self.path, &self.tables[table], units, row)
    }

    /// [`for_each_row`](Self::for_each_row) through a connection of its
    /// own, so that several threads can read the store at once (each
    /// reader sees what was committed when it started).
    ///
    /// # Errors
    ///
    /// As [`for_each_row`](Self::for_each_row), or a connection that
    /// cannot be opened.
    pub fn for_each_row_apart(
        &self,
        table: usize,
        units: core::ops::Range<u64>,
        row: impl FnMut(u64, &Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let connection = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_error(&self.path, "opening the store to read"))?;
        read_rows(&connection, &self.path, &self.tables[table], units, row)
    }

    /// Checks the store: SQLite's integrity check, then every committed
    /// unit's rows against the checksum it was committed with.
    ///
    /// # Errors
    ///
    /// [`StoreError::Damaged`] naming the first damaged unit (or SQLite's
    /// report), or SQLite's failure.
    pub fn verify(&self) -> Result<(), StoreError> {
        {
            let connection = self.connection();
            let report: String = connection
                .query_row("PRAGMA integrity_check", [], |row| row.get(0))
                .map_err(sqlite_error(&self.path, "checking the store's integrity"))?;
            if report != "ok" {
                return Err(StoreError::Damaged(format!(
                    "{}: SQLite's integrity check failed: {report}",
                    self.path.display()
                )));
            }
        }
        let units = self.units()?;
        let mut hashers: std::collections::BTreeMap<u64, (Checksum, u64)> =
            units.iter().map(|&u| (u, (Checksum::new(), 0))).collect();
        for (unit, (hasher, _)) in &mut hashers {
            let header = self.unit_header(*unit)?.ok_or_else(|| {
                StoreError::Damaged(format!(
                    "{}: unit {unit} left the store while it was checked",
                    self.path.display()
                ))
            })?;
            hash_header(hasher, &header);
        }
        for table in 0..self.tables.len() {
            let mut orphan = None;
            self.for_each_row(table, 0..u64::MAX, |unit, row| {
                match hashers.get_mut(&unit) {
                    Some((hasher, rows)) => {
                        hash_row(hasher, table, row);
                        *rows += 1;
                    }
                    None => {
                        orphan.get_or_insert(unit);
                    }
                }
                Ok(())
            })?;
            if let Some(unit) = orphan {
                return Err(StoreError::Damaged(format!(
                    "{}: table {} holds rows of unit {unit}, which is not finished",
                    self.path.display(),
                    self.tables[table].name
                )));
            }
        }
        let connection = self.connection();
        let sqlite = sqlite_error(&self.path, "reading the checksums");
        let mut statement = connection
            .prepare("SELECT unit, rows, checksum FROM cascade_units ORDER BY unit")
            .map_err(&sqlite)?;
        let mut found = statement.query([]).map_err(&sqlite)?;
        while let Some(row) = found.next().map_err(&sqlite)? {
            let unit = row.get::<_, i64>(0).map_err(&sqlite)? as u64;
            let rows = row.get::<_, i64>(1).map_err(&sqlite)? as u64;
            let checksum = row.get::<_, i64>(2).map_err(&sqlite)? as u64;
            let Some((hasher, counted)) = hashers.remove(&unit) else {
                continue;
            };
            if counted != rows || hasher.0 != checksum {
                return Err(StoreError::Damaged(format!(
                    "{}: the rows of unit {unit} are damaged ({counted} rows found, {rows} \
                     committed; the checksum differs): remove the store and run again",
                    self.path.display()
                )));
            }
        }
        Ok(())
    }

    /// Copies every unit of the store at `other` that this one lacks
    /// (with its rows), in one transaction; the number copied. The caller
    /// has checked that `other` is a part of the same run.
    ///
    /// # Errors
    ///
    /// SQLite's failure.
    pub fn absorb(&self, other: &Path) -> Result<u64, StoreError> {
        self.flush()?;
        let mut connection = self.connection();
        let sqlite = sqlite_error(&self.path, "merging a store");
        connection
            .execute(
                "ATTACH DATABASE ?1 AS part",
                params![other.display().to_string()],
            )
            .map_err(&sqlite)?;
        // The part's names that are new here get the next ids (as SQL
        // cannot number them without a window function over a changing
        // table), and its rows' ids of names are translated to this store's.
        let mut sql = String::from(
            "CREATE TEMP TABLE cascade_new AS SELECT unit FROM part.cascade_units
                 WHERE unit NOT IN (SELECT unit FROM main.cascade_units);
             INSERT INTO main.cascade_units SELECT * FROM part.cascade_units
                 WHERE unit IN (SELECT unit FROM cascade_new);",
        );
        for table in &self.tables {
            let name = quoted(&table.name);
            let values: Vec<String> = std::iter::once("t.id".to_string())
                .chain(table.columns.iter().map(|c| {
                    let column = format!("t.{}", quoted(&c.name));
                    if c.kind == ColumnType::Name {
                        format!(
                            "(SELECT m.id FROM main.cascade_names m WHERE m.name = \
                             (SELECT p.name FROM part.cascade_names p WHERE p.id = {column}))"
                        )
                    } else {
                        column
                    }
                }))
                .collect();
            sql.push_str(&format!(
                "INSERT INTO main.{name} SELECT {} FROM part.{name} AS t \
                 WHERE (t.id >> {ROW_BITS}) IN (SELECT unit FROM cascade_new);",
                values.join(", ")
            ));
        }
        let add_names = || -> rusqlite::Result<()> {
            let known: i64 = connection.query_row(
                "SELECT coalesce(max(id) + 1, 0) FROM main.cascade_names",
                [],
                |r| r.get(0),
            )?;
            let mut new = connection.prepare(
                "SELECT name FROM part.cascade_names
                 WHERE name NOT IN (SELECT name FROM main.cascade_names) ORDER BY id",
            )?;
            let new: Vec<String> = new.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            for (id, name) in (known..).zip(new) {
                connection.execute(
                    "INSERT INTO main.cascade_names VALUES (?1, ?2)",
                    params![id, name],
                )?;
            }
            Ok(())
        };
        let result = connection
            .execute_batch("BEGIN;")
            .and_then(|()| add_names())
            .and_then(|()| connection.execute_batch(&sql))
            .and_then(|()| {
                let copied: i64 =
                    connection.query_row("SELECT count(*) FROM cascade_new", [], |r| r.get(0))?;
                connection.execute_batch("DROP TABLE cascade_new; COMMIT;")?;
                Ok(copied as u64)
            });
        if result.is_err() {
            let _ = connection.execute_batch("ROLLBACK;");
        }
        let detached = connection.execute("DETACH DATABASE part", []);
        let copied = result.map_err(&sqlite)?;
        detached.map_err(&sqlite)?;
        connection.names = name_ids(stored_names(&connection, &self.path)?);
        *self.committed() = UnitRuns::of(committed_units(&connection, &self.path)?);
        Ok(copied)
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn committed(&self) -> std::sync::MutexGuard<'_, UnitRuns> {
        self.committed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What `cascade_units` holds of unit `unit`, if it is committed.
    fn unit_header(&self, unit: u64) -> Result<Option<UnitHeader>, StoreError> {
        self.connection()
            .query_row(
                "SELECT replicate, digest, events, record FROM cascade_units WHERE unit = ?1",
                params![unit as i64],
                |row| {
                    Ok(UnitHeader {
                        replicate: row.get::<_, i64>(0)? as u64,
                        digest: row.get(1)?,
                        events: row.get::<_, i64>(2)? as u64,
                        // Its bytes, even if an edit made them text:
                        // the checksum then names the unit as damaged.
                        record: row.get_ref(3)?.as_bytes()?.to_vec(),
                    })
                },
            )
            .optional()
            .map_err(sqlite_error(&self.path, "reading a unit"))
    }

    fn fits(&self, unit: &FinishedUnit) -> Result<(), StoreError> {
        let wrong = |why: String| Err(StoreError::Refused(format!("unit {}: {why}", unit.unit)));
        if unit.tables.len() != self.tables.len() {
            return wrong(format!(
                "{} tables of rows for a store of {}",
                unit.tables.len(),
                self.tables.len()
            ));
        }
        for (table, rows) in self.tables.iter().zip(&unit.tables) {
            for row in rows {
                if row.len() != table.columns.len() {
                    return wrong(format!(
                        "a row of {} values in table {} of {} columns",
                        row.len(),
                        table.name,
                        table.columns.len()
                    ));
                }
                for (value, column) in row.iter().zip(&table.columns) {
                    if !value.fits(column) {
                        return wrong(format!(
                            "{value:?} in column {} of table {} ({:?}{})",
                            column.name,
                            table.name,
                            column.kind,
                            if column.nullable {
                                ", may be empty"
                            } else {
                                ""
                            }
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes `finished` into the open transaction (opened first if
    /// none is).
    fn insert(&self, writer: &mut Writer, finished: &FinishedUnit) -> Result<(), StoreError> {
        let sqlite = sqlite_error(&self.path, "committing finished replicates");
        if writer.batch.is_none() {
            writer.connection.execute_batch("BEGIN").map_err(&sqlite)?;
            // Names first seen in this batch are numbered on from the
            // known ones, and known only once the batch is committed.
            #[allow(clippy::disallowed_methods)] // when to commit, not what
            let opened = Instant::now();
            writer.batch = Some(Batch {
                units: Vec::with_capacity(BATCH_UNITS),
                opened,
                new_names: NewNames {
                    first: writer.names.values().max().map_or(0, |m| m + 1),
                    ids: BTreeMap::new(),
                },
            });
        }
        let Writer {
            connection,
            names,
            batch,
        } = writer;
        let Some(batch) = batch.as_mut() else {
            return Ok(());
        };
        batch.units.push(finished.unit);
        let header = UnitHeader {
            replicate: finished.record.replicate,
            digest: finished.record.digest.clone(),
            events: finished.record.events,
            record: record::encode(&finished.record),
        };
        let mut hasher = Checksum::new();
        hash_header(&mut hasher, &header);
        let mut rows = 0u64;
        for (table, table_rows) in finished.tables.iter().enumerate() {
            for row in table_rows {
                hash_row(&mut hasher, table, row);
                rows += 1;
            }
        }
        let inserted = connection
            .prepare_cached(
                "INSERT OR IGNORE INTO cascade_units VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    finished.unit as i64,
                    header.replicate as i64,
                    header.digest,
                    header.events as i64,
                    header.record,
                    rows as i64,
                    hasher.0 as i64,
                ])
            })
            .map_err(&sqlite)?;
        if inserted == 0 {
            // Committed before (the same unit finished twice: the same
            // rows, by determinism).
            return Ok(());
        }
        let mut name_statement = connection
            .prepare_cached("INSERT INTO cascade_names VALUES (?1, ?2)")
            .map_err(&sqlite)?;
        // Each table's rows, many to a statement (one statement's step
        // appends them all).
        for ((table, inserts), table_rows) in
            self.tables.iter().zip(&self.inserts).zip(&finished.tables)
        {
            let width = table.columns.len() + 1;
            let mut rest = &table_rows[..];
            let mut first_row = 0;
            while let Some((count, sql)) = inserts.next_statement(rest.len()) {
                let (now, later) = rest.split_at(count);
                rest = later;
                let mut insert = connection.prepare_cached(sql).map_err(&sqlite)?;
                for (k, row) in now.iter().enumerate() {
                    let id = row_id(finished.unit, first_row + k).ok_or_else(|| {
                        StoreError::Refused(format!(
                            "unit {}: more than 2^{ROW_BITS} rows in a table, or a unit \
                             number beyond the store's keys",
                            finished.unit
                        ))
                    })?;
                    let first = k * width + 1;
                    insert.raw_bind_parameter(first, id).map_err(&sqlite)?;
                    for (j, (value, column)) in row.iter().zip(&table.columns).enumerate() {
                        match (value, column.kind) {
                            (Value::Text(name), ColumnType::Name) => {
                                let id =
                                    name_id(name, names, &mut batch.new_names, &mut name_statement)
                                        .map_err(&sqlite)?;
                                insert.raw_bind_parameter(first + 1 + j, id)
                            }
                            _ => bind(&mut insert, first + 1 + j, value),
                        }
                        .map_err(&sqlite)?;
                    }
                }
                insert.raw_execute().map_err(&sqlite)?;
                first_row += count;
            }
        }
        Ok(())
    }

    /// Commits the open transaction, if any: its units are then known as
    /// committed, and its new names as known.
    fn commit(&self, writer: &mut Writer) -> Result<(), StoreError> {
        let Some(batch) = writer.batch.as_mut() else {
            return Ok(());
        };
        writer
            .connection
            .execute_batch("COMMIT")
            .map_err(sqlite_error(&self.path, "committing finished replicates"))?;
        writer.names.append(&mut batch.new_names.ids);
        let mut committed = self.committed();
        for &unit in &batch.units {
            committed.insert(unit);
        }
        writer.batch = None;
        Ok(())
    }
}

/// The store's connection, the names it knows and the batch its open
/// transaction holds.
struct Writer {
    connection: Connection,
    /// The id of every committed name of `cascade_names`.
    names: BTreeMap<String, i64>,
    /// The batch being written (`None`: no transaction is open).
    batch: Option<Batch>,
}

impl core::ops::Deref for Writer {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.connection
    }
}

impl Writer {
    /// Gives up the open transaction, if any (its units were not
    /// committed).
    fn roll_back(&mut self) {
        if self.batch.take().is_some() {
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// The units written into the open transaction, when it was opened and
/// the names it added.
struct Batch {
    units: Vec<u64>,
    opened: Instant,
    new_names: NewNames,
}

/// The committed units of the store behind `connection`, in order.
fn committed_units(connection: &Connection, path: &Path) -> Result<Vec<u64>, StoreError> {
    let sqlite = sqlite_error(path, "listing the finished units");
    let mut statement = connection
        .prepare("SELECT unit FROM cascade_units ORDER BY unit")
        .map_err(&sqlite)?;
    let units = statement
        .query_map([], |row| row.get::<_, i64>(0))
        .map_err(&sqlite)?
        .map(|unit| unit.map(|u| u as u64))
        .collect::<Result<Vec<u64>, _>>()
        .map_err(&sqlite)?;
    Ok(units)
}

/// A set of units kept as runs of consecutive units (`first..=last`, by
/// `first`): a run's units are committed about in order, so a few runs
/// hold them all, however many.
#[derive(Debug, Default)]
struct UnitRuns(BTreeMap<u64, u64>);

impl UnitRuns {
    fn of(units: impl IntoIterator<Item = u64>) -> UnitRuns {
        let mut runs = UnitRuns::default();
        for unit in units {
            runs.insert(unit);
        }
        runs
    }

    fn contains(&self, unit: u64) -> bool {
        self.0
            .range(..=unit)
            .next_back()
            .is_some_and(|(_, &last)| unit <= last)
    }

    fn insert(&mut self, unit: u64) {
        if self.contains(unit) {
            return;
        }
        let mut first = unit;
        let mut last = unit;
        if let Some((&before, &before_last)) = self.0.range(..unit).next_back()
            && before_last.checked_add(1) == Some(unit)
        {
            first = before;
        }
        if let Some(after) = unit.checked_add(1)
            && let Some(after_last) = self.0.remove(&after)
        {
            last = after_last;
        }
        self.0.insert(first, last);
    }
}

/// What `cascade_units` holds of a unit beside its rows' count and
/// checksum.
struct UnitHeader {
    replicate: u64,
    digest: String,
    events: u64,
    /// The record, encoded ([`record::encode`]).
    record: Vec<u8>,
}

/// The names a batch adds: their ids, from `first` on.
struct NewNames {
    first: i64,
    ids: BTreeMap<String, i64>,
}

/// The id of `name`: known, new in this batch, or added now (to
/// `cascade_names` through `insert`, and to `new`) with the next id.
fn name_id(
    name: &str,
    known: &BTreeMap<String, i64>,
    new: &mut NewNames,
    insert: &mut rusqlite::CachedStatement<'_>,
) -> rusqlite::Result<i64> {
    if let Some(&id) = known.get(name).or_else(|| new.ids.get(name)) {
        return Ok(id);
    }
    let next = new.first + new.ids.len() as i64;
    insert.execute(params![next, name])?;
    new.ids.insert(name.to_string(), next);
    Ok(next)
}

/// The names of `cascade_names` by id.
fn stored_names(connection: &Connection, path: &Path) -> Result<Vec<(i64, String)>, StoreError> {
    let sqlite = sqlite_error(path, "reading the names");
    let mut statement = connection
        .prepare_cached("SELECT id, name FROM cascade_names ORDER BY id")
        .map_err(&sqlite)?;
    let names = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(&sqlite)?
        .collect::<Result<Vec<(i64, String)>, _>>()
        .map_err(&sqlite)?;
    Ok(names)
}

/// Each name's id, from [`stored_names`].
fn name_ids(names: Vec<(i64, String)>) -> BTreeMap<String, i64> {
    names.into_iter().map(|(id, name)| (name, id)).collect()
}

/// Calls `row` with every row of `stored` of the units in `units`, read
/// through `connection`, in key order.
fn read_rows(
    connection: &Connection,
    path: &Path,
    stored: &StoredTable,
    units: core::ops::Range<u64>,
    mut row: impl FnMut(u64, &Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let sqlite = sqlite_error(path, "reading a table");
    let sql = format!(
        "SELECT id, {} FROM {} WHERE id >= ?1 AND id < ?2 ORDER BY id",
        stored
            .columns
            .iter()
            .map(|c| quoted(&c.name))
            .collect::<Vec<_>>()
            .join(", "),
        quoted(&stored.name)
    );
    let names: BTreeMap<i64, String> = if stored.columns.iter().any(|c| c.kind == ColumnType::Name)
    {
        stored_names(connection, path)?.into_iter().collect()
    } else {
        BTreeMap::new()
    };
    let mut statement = connection.prepare_cached(&sql).map_err(&sqlite)?;
    let mut rows = statement
        .query(params![first_id(units.start), first_id(units.end)])
        .map_err(&sqlite)?;
    let mut values = Row::with_capacity(stored.columns.len());
    while let Some(found) = rows.next().map_err(&sqlite)? {
        let unit = unit_of(found.get::<_, i64>(0).map_err(&sqlite)?);
        values.clear();
        for (index, column) in stored.columns.iter().enumerate() {
            let sql = found.get_ref(index + 1).map_err(&sqlite)?;
            values.push(from_sql(sql, column, &names).ok_or_else(|| {
                StoreError::Damaged(format!(
                    "{}: table {}, unit {unit}: column {} holds a value of the wrong type",
                    path.display(),
                    stored.name,
                    column.name
                ))
            })?);
        }
        row(unit, &values)?;
    }
    Ok(())
}

/// The first row key of unit `unit` (the largest key for units beyond
/// the keys).
fn first_id(unit: u64) -> i64 {
    row_id(unit, 0).unwrap_or(i64::MAX)
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let sqlite = sqlite_error(path, "opening the store");
    let connection = Connection::open(path).map_err(&sqlite)?;
    // Every table's `INSERT` statements (`Inserts`) stay prepared.
    connection.set_prepared_statement_cache_capacity(256);
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 10000;",
        )
        .map_err(&sqlite)?;
    Ok(connection)
}

/// Refuses a database that is not a store of this layout.
fn check_layout(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    let layout: Option<i64> = connection
        .query_row("SELECT layout FROM cascade_store", [], |row| row.get(0))
        .optional()
        .map_err(|e| {
            StoreError::Refused(format!("{} is not a cascade store ({e})", path.display()))
        })?;
    if layout != Some(LAYOUT) {
        return Err(StoreError::Refused(format!(
            "{} is a store of layout {}, this cascade reads layout {LAYOUT}",
            path.display(),
            layout.map_or_else(|| "none".to_string(), |l| l.to_string())
        )));
    }
    Ok(())
}

/// The run's row of the store.
fn stored_run(connection: &Connection, path: &Path) -> Result<StoredRun, StoreError> {
    connection
        .query_row(
            "SELECT identity, scenario_name, scenario_text FROM cascade_store",
            [],
            |row| {
                Ok(StoredRun {
                    identity: row.get(0)?,
                    scenario_name: row.get(1)?,
                    scenario_text: row.get(2)?,
                })
            },
        )
        .map_err(sqlite_error(path, "reading the run's identity"))
}

fn sqlite_error<'a>(
    path: &'a Path,
    doing: &'static str,
) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
    move |e| {
        let code = e.sqlite_error_code();
        if matches!(
            code,
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        ) {
            return StoreError::Damaged(format!(
                "{}: {doing}: {e}: the store is damaged; its replicates cannot be trusted: \
                 remove the directory and run again",
                path.display()
            ));
        }
        let full = code == Some(rusqlite::ErrorCode::DiskFull);
        StoreError::Sqlite {
            path: path.to_path_buf(),
            doing,
            message: if full {
                format!(
                    "{e}: free space, then finish the run with --resume (the replicates committed are kept)"
                )
            } else {
                e.to_string()
            },
        }
    }
}

/// The tables and columns a store was made with, in order.
fn stored_columns(
    connection: &Connection,
    path: &Path,
) -> Result<Vec<(String, String)>, StoreError> {
    let sqlite = sqlite_error(path, "reading the store's tables");
    let mut statement = connection
        .prepare("SELECT name, columns FROM cascade_tables ORDER BY position")
        .map_err(&sqlite)?;
    let tables = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(&sqlite)?
        .collect::<Result<Vec<(String, String)>, _>>()
        .map_err(&sqlite)?;
    Ok(tables)
}

/// A table's columns as one line (`name type nullable`, comma-separated):
/// how a store says which tables it was made with.
fn column_list(table: &StoredTable) -> String {
    table
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {:?}{}",
                c.name,
                c.kind,
                if c.nullable { " null" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_table(table: &StoredTable) -> String {
    let mut sql = format!(
        "CREATE TABLE {} (id INTEGER PRIMARY KEY",
        quoted(&table.name)
    );
    for column in &table.columns {
        sql.push_str(&format!(", {} {}", quoted(&column.name), column.kind.sql()));
        if !column.nullable {
            sql.push_str(" NOT NULL");
        }
    }
    sql.push_str(");");
    sql
}

/// The key of row `index` of unit `unit` in every table: the rows in key
/// order are the rows in unit order, and within a unit in the order they
/// were added, so reading a table back needs no sort.
fn row_id(unit: u64, index: usize) -> Option<i64> {
    let index = u64::try_from(index).ok().filter(|&i| i < 1 << ROW_BITS)?;
    let id = unit.checked_mul(1 << ROW_BITS)?.checked_add(index)?;
    i64::try_from(id).ok()
}

/// The unit of row key `id`.
fn unit_of(id: i64) -> u64 {
    (id as u64) >> ROW_BITS
}

/// The most rows one `INSERT` statement writes.
const ROWS_PER_INSERT: usize = 64;

/// The most parameters a statement may have (SQLite's
/// `SQLITE_MAX_VARIABLE_NUMBER` since 3.32).
const MAX_PARAMETERS: usize = 32_766;

/// A table's `INSERT` statements, each writing several rows (SQLite
/// appends a statement's rows in one step, without seeking its table
/// again for each): one of the most rows a statement takes, and one of
/// each power of two below it for the rows left at the end of a batch.
struct Inserts {
    /// Rows per statement and its SQL, most rows first, the last of one.
    statements: Vec<(usize, String)>,
}

impl Inserts {
    fn new(table: &StoredTable) -> Inserts {
        let width = table.columns.len() + 1;
        let most = ROWS_PER_INSERT.min(MAX_PARAMETERS / width).max(1);
        // `most`, then every power of two below it.
        let mut sizes = vec![most];
        let mut size = most.next_power_of_two();
        while size > 1 {
            size /= 2;
            if size < most {
                sizes.push(size);
            }
        }
        let one = format!("({})", vec!["?"; width].join(","));
        Inserts {
            statements: sizes
                .into_iter()
                .map(|rows| {
                    let sql = format!(
                        "INSERT INTO {} VALUES {}",
                        quoted(&table.name),
                        vec![one.as_str(); rows].join(",")
                    );
                    (rows, sql)
                })
                .collect(),
        }
    }

    /// The statement for the next rows of `left` still to write: its
    /// rows and SQL (`None` when none are left).
    fn next_statement(&self, left: usize) -> Option<(usize, &str)> {
        self.statements
            .iter()
            .find(|(rows, _)| *rows <= left)
            .map(|(rows, sql)| (*rows, sql.as_str()))
    }
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Binds `value` to parameter `index` of `statement` (without copying
/// text).
fn bind(
    statement: &mut rusqlite::CachedStatement<'_>,
    index: usize,
    value: &Value,
) -> rusqlite::Result<()> {
    match value {
        Value::Null => statement.raw_bind_parameter(index, Sql::Null),
        Value::Count(n) => statement.raw_bind_parameter(index, *n as i64),
        Value::Integer(n) => statement.raw_bind_parameter(index, *n),
        // SQLite stores a NaN as NULL, and keeps an integral real as an
        // integer on disk (so -0.0 would come back as 0.0): both are kept
        // as their bits.
        Value::Day(x) | Value::Float(x) if x.is_nan() || (*x == 0.0 && x.is_sign_negative()) => {
            statement.raw_bind_parameter(index, &x.to_bits().to_le_bytes()[..])
        }
        Value::Day(x) | Value::Float(x) => statement.raw_bind_parameter(index, *x),
        Value::Boolean(b) => statement.raw_bind_parameter(index, i64::from(*b)),
        Value::Text(text) => statement.raw_bind_parameter(index, text.as_str()),
    }
}

/// The value `sql` read from `column` (a name's through `names`, by id);
/// `None` when it cannot be one.
fn from_sql(sql: ValueRef<'_>, column: &Column, names: &BTreeMap<i64, String>) -> Option<Value> {
    Some(match (sql, column.kind) {
        (ValueRef::Null, _) if column.nullable => Value::Null,
        (ValueRef::Integer(n), ColumnType::Count) => Value::Count(n as u64),
        (ValueRef::Integer(n), ColumnType::Integer) => Value::Integer(n),
        (ValueRef::Real(x), ColumnType::Day) => Value::Day(x),
        (ValueRef::Real(x), ColumnType::Float) => Value::Float(x),
        (ValueRef::Blob(bits), ColumnType::Day) => Value::Day(real_of_bits(bits)?),
        (ValueRef::Blob(bits), ColumnType::Float) => Value::Float(real_of_bits(bits)?),
        (ValueRef::Integer(0), ColumnType::Boolean) => Value::Boolean(false),
        (ValueRef::Integer(1), ColumnType::Boolean) => Value::Boolean(true),
        (ValueRef::Text(t), ColumnType::Text) => Value::Text(String::from_utf8(t.to_vec()).ok()?),
        (ValueRef::Integer(id), ColumnType::Name) => Value::Text(names.get(&id)?.clone()),
        _ => return None,
    })
}

/// A real SQLite cannot keep as a real, from its bits.
fn real_of_bits(bits: &[u8]) -> Option<f64> {
    Some(f64::from_bits(u64::from_le_bytes(bits.try_into().ok()?)))
}

/// A unit's checksum: a 64-bit multiplicative hash over words (the
/// values' bits, text eight bytes at a time with its length), fast enough
/// to cost little beside the inserts it guards.
struct Checksum(u64);

impl Checksum {
    fn new() -> Checksum {
        Checksum(0xcbf2_9ce4_8422_2325)
    }

    fn word(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.word(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(word));
        }
    }
}

fn hash_header(hasher: &mut Checksum, header: &UnitHeader) {
    hasher.word(header.replicate);
    hasher.word(header.events);
    hasher.bytes(header.digest.as_bytes());
    hasher.bytes(&header.record);
}

/// Feeds row `row` of table `table` to `hasher`: each value as a tag and
/// its bits (reals by their bits, so a NaN and every real hash exactly).
fn hash_row(hasher: &mut Checksum, table: usize, row: &Row) {
    hasher.word(0xff00 | table as u64);
    for value in row {
        match value {
            Value::Null => hasher.word(0),
            Value::Count(n) => {
                hasher.word(1);
                hasher.word(*n);
            }
            Value::Integer(n) => {
                hasher.word(2);
                hasher.word(*n as u64);
            }
            Value::Day(x) | Value::Float(x) => {
                hasher.word(3);
                hasher.word(x.to_bits());
            }
            Value::Boolean(b) => hasher.word(4 | u64::from(*b) << 8),
            Value::Text(text) => {
                hasher.word(5);
                hasher.bytes(text.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn column(name: &'static str, kind: ColumnType, nullable: bool) -> Column {
        Column {
            name: Cow::Borrowed(name),
            kind,
            unit: "",
            meaning: Cow::Borrowed(""),
            nullable,
        }
    }

    fn tables() -> Vec<StoredTable> {
        vec![
            StoredTable {
                name: "every_type".into(),
                columns: vec![
                    column("count", ColumnType::Count, false),
                    column("integer", ColumnType::Integer, false),
                    column("day", ColumnType::Day, true),
                    column("real", ColumnType::Float, false),
                    column("flag", ColumnType::Boolean, false),
                    column("name \"quoted\"", ColumnType::Text, true),
                    column("organ", ColumnType::Name, true),
                ],
            },
            StoredTable {
                name: "counts".into(),
                columns: vec![column("clone.b16.cells", ColumnType::Count, false)],
            },
        ]
    }

    fn record(replicate: u64) -> ReplicateRecord {
        ReplicateRecord {
            replicate,
            digest: format!("{replicate:032x}"),
            events: 10 * replicate,
            stopped_by: "stop_day".into(),
            end_day: 50.0,
            funnel: Default::default(),
            metastases: vec![replicate],
            macrometastases: vec![0],
            harvest_colonies: vec![],
            first_detection_day: Some(0.1 + replicate as f64),
            cells: Default::default(),
            clones: 1,
            therapy: None,
            fates: vec![],
            counters: vec![],
        }
    }

    /// Unit `u`'s rows: every type at its extremes, and `u` rows of the
    /// second table (none for unit 0).
    fn unit(u: u64) -> FinishedUnit {
        let every = vec![
            Value::Count(u64::MAX - u),
            Value::Integer(i64::MIN + u as i64),
            if u.is_multiple_of(2) {
                Value::Null
            } else {
                Value::Day(u as f64 / 3.0)
            },
            match u % 3 {
                0 => Value::Float(f64::NAN),
                1 => Value::Float(f64::INFINITY),
                _ => Value::Float(-0.0),
            },
            Value::Boolean(u % 2 == 1),
            if u.is_multiple_of(2) {
                Value::Text(format!("clone \"{u}\", ü"))
            } else {
                Value::Null
            },
            // Names a few units share, first seen in different batches
            // and stores.
            match u % 5 {
                0 => Value::Null,
                k => Value::Text(format!("organ {}", (u / 5 + k) % 7)),
            },
        ];
        FinishedUnit {
            unit: u,
            record: record(u),
            tables: vec![vec![every], (0..u).map(|i| vec![Value::Count(i)]).collect()],
        }
    }

    fn run() -> StoredRun {
        StoredRun {
            identity: "{\"seed\": 1}".into(),
            scenario_name: "x.ron".into(),
            scenario_text: "(seed: 1)".into(),
        }
    }

    fn rows(store: &Store, table: usize) -> Vec<(u64, Row)> {
        let mut all = Vec::new();
        store
            .for_each_row(table, 0..u64::MAX, |u, row| {
                all.push((u, row.clone()));
                Ok(())
            })
            .unwrap();
        all
    }

    /// Compares rows with NaN equal to itself (by bits).
    fn same(a: &[(u64, Row)], b: &[(u64, Row)]) -> bool {
        let bits = |rows: &[(u64, Row)]| -> Vec<(u64, Vec<String>)> {
            rows.iter()
                .map(|(u, row)| {
                    let values = row
                        .iter()
                        .map(|v| match v {
                            Value::Day(x) | Value::Float(x) => format!("{:x}", x.to_bits()),
                            other => format!("{other:?}"),
                        })
                        .collect();
                    (*u, values)
                })
                .collect()
        };
        bits(a) == bits(b)
    }

    fn directory(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cascade-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn rows_come_back_typed_in_unit_order_whatever_order_they_were_added() {
        let dir = directory("roundtrip");
        let path = dir.join(STORE_FILE);
        let store = Store::create(&path, &run(), &tables()).unwrap();
        // More than a batch, added out of order.
        let order: Vec<u64> = (0..300).map(|i| (i * 7) % 300).collect();
        for &u in &order {
            store.add(unit(u)).unwrap();
        }
        store.flush().unwrap();
        let expected: Vec<(u64, Row)> = (0..300)
            .map(|u| (u, unit(u).tables[0][0].clone()))
            .collect();
        assert!(same(&rows(&store, 0), &expected));
        let second: Vec<(u64, Row)> = (0..300)
            .flat_map(|u| (0..u).map(move |i| (u, vec![Value::Count(i)])))
            .collect();
        assert_eq!(rows(&store, 1), second);
        drop(store);
        let store = Store::open(&path, &tables()).unwrap();
        assert_eq!(store.units().unwrap(), (0..300).collect::<Vec<_>>());
        assert_eq!(store.record(17).unwrap(), Some(record(17)));
        assert_eq!(store.record(300).unwrap(), None);
        assert_eq!(store.run().unwrap(), run());
        store.verify().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_unit_added_twice_is_kept_once() {
        let dir = directory("twice");
        let store = Store::create(&dir.join(STORE_FILE), &run(), &tables()).unwrap();
        store.add(unit(3)).unwrap();
        store.flush().unwrap();
        store.add(unit(3)).unwrap();
        store.flush().unwrap();
        assert_eq!(rows(&store, 1).len(), 3);
        store.verify().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn units_not_flushed_are_lost_and_committed_ones_kept() {
        let dir = directory("lost");
        let path = dir.join(STORE_FILE);
        let store = Store::create(&path, &run(), &tables()).unwrap();
        for u in 0..BATCH_UNITS as u64 + 5 {
            store.add(unit(u)).unwrap();
        }
        // As if killed: the last five were never committed.
        drop(store);
        let store = Store::open(&path, &tables()).unwrap();
        assert_eq!(
            store.units().unwrap(),
            (0..BATCH_UNITS as u64).collect::<Vec<_>>()
        );
        store.verify().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_damaged_row_is_found_and_its_unit_named() {
        let dir = directory("damaged");
        let path = dir.join(STORE_FILE);
        let store = Store::create(&path, &run(), &tables()).unwrap();
        for u in 0..20 {
            store.add(unit(u)).unwrap();
        }
        store.flush().unwrap();
        drop(store);
        let editor = Connection::open(&path).unwrap();
        editor
            .execute(
                "UPDATE counts SET \"clone.b16.cells\" = 99 WHERE id = (12 << 24) + 4",
                [],
            )
            .unwrap();
        drop(editor);
        let store = Store::open(&path, &tables()).unwrap();
        let error = store.verify().unwrap_err();
        assert!(error.to_string().contains("unit 12"), "{error}");
        drop(store);
        // A deleted row too.
        let editor = Connection::open(&path).unwrap();
        editor
            .execute("DELETE FROM every_type WHERE id >> 24 = 7", [])
            .unwrap();
        editor
            .execute(
                "UPDATE counts SET \"clone.b16.cells\" = 4 WHERE id = (12 << 24) + 4",
                [],
            )
            .unwrap();
        drop(editor);
        let error = Store::open(&path, &tables()).unwrap().verify().unwrap_err();
        assert!(error.to_string().contains("unit 7"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_store_of_other_tables_or_none_is_refused() {
        let dir = directory("refused");
        let path = dir.join(STORE_FILE);
        assert!(matches!(
            Store::open(&path, &tables()),
            Err(StoreError::Refused(_))
        ));
        drop(Store::create(&path, &run(), &tables()).unwrap());
        let mut other = tables();
        other[1].columns[0].kind = ColumnType::Integer;
        let error = Store::open(&path, &other).unwrap_err();
        assert!(error.to_string().contains("other tables"), "{error}");
        assert!(matches!(
            Store::create(&path, &run(), &tables()),
            Err(StoreError::Refused(_))
        ));
        std::fs::write(dir.join("junk"), b"not a database at all, just text").unwrap();
        assert!(Store::open(&dir.join("junk"), &tables()).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn rows_that_do_not_fit_their_columns_are_refused() {
        let dir = directory("fit");
        let store = Store::create(&dir.join(STORE_FILE), &run(), &tables()).unwrap();
        let mut wrong = unit(2);
        wrong.tables[1][0] = vec![Value::Integer(1)];
        assert!(store.add(wrong).is_err());
        let mut null = unit(2);
        null.tables[0][0][0] = Value::Null;
        assert!(store.add(null).is_err());
        let mut short = unit(2);
        short.tables[1][0].clear();
        assert!(store.add(short).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn merging_stores_gives_the_rows_of_one_store_of_every_unit() {
        let dir = directory("merge");
        let whole = Store::create(&dir.join("whole.sqlite"), &run(), &tables()).unwrap();
        let parts: Vec<Store> = (0..3)
            .map(|p| {
                Store::create(&dir.join(format!("part{p}.sqlite")), &run(), &tables()).unwrap()
            })
            .collect();
        for u in 0..30 {
            whole.add(unit(u)).unwrap();
            parts[(u % 3) as usize].add(unit(u)).unwrap();
        }
        // Unit 4 in two parts: copied once.
        parts[2].add(unit(4)).unwrap();
        whole.flush().unwrap();
        for part in &parts {
            part.flush().unwrap();
        }
        let merged = Store::create(&dir.join("merged.sqlite"), &run(), &tables()).unwrap();
        let copied: u64 = parts.iter().map(|p| merged.absorb(p.path()).unwrap()).sum();
        assert_eq!(copied, 30);
        assert!(same(&rows(&merged, 0), &rows(&whole, 0)));
        assert_eq!(rows(&merged, 1), rows(&whole, 1));
        merged.verify().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn inserts_write_any_number_of_rows_in_few_statements() {
        let wide = StoredTable {
            name: "wide".into(),
            columns: (0..999)
                .map(|_| column("count", ColumnType::Count, false))
                .collect(),
        };
        let narrow = &tables()[0];
        // 64 rows a statement, or fewer when a row has many columns.
        for (table, most) in [(narrow, 64), (&wide, 32)] {
            let inserts = Inserts::new(table);
            let width = table.columns.len() + 1;
            for rows in 0..300 {
                let (mut left, mut statements) = (rows, 0);
                while let Some((taken, sql)) = inserts.next_statement(left) {
                    assert!(taken >= 1 && taken <= left.min(most));
                    assert_eq!(sql.matches('?').count(), taken * width);
                    left -= taken;
                    statements += 1;
                }
                assert_eq!(left, 0);
                // Full statements, then at most one of each smaller size.
                assert!(statements <= rows / most + most.ilog2() as usize);
            }
        }
    }

    #[test]
    fn unit_runs_hold_exactly_the_units_inserted() {
        let inserted = [5u64, 3, 4, 9, 0, 1, 7, 8, u64::MAX, 2];
        let mut runs = UnitRuns::default();
        let mut set = std::collections::BTreeSet::new();
        for unit in inserted {
            runs.insert(unit);
            runs.insert(unit);
            set.insert(unit);
            for probe in (0..12).chain([u64::MAX - 1, u64::MAX]) {
                assert_eq!(runs.contains(probe), set.contains(&probe), "{probe}");
            }
        }
        // 0..=5, 7..=9 and u64::MAX.
        assert_eq!(runs.0.len(), 3);
    }
}
