//! The combined CSV tables written while a run runs, in unit order, so
//! that an uninterrupted run need not read its store back at the end.
//!
//! Each worker formats its unit's rows as CSV text itself (in parallel);
//! the text waits here until every unit before it has been written, then
//! goes to the table's temporary file. [`TableStream::finish`] renames the
//! files into place once every unit of the run has been written. The
//! bytes are those that an export from the store writes (the same
//! [`TableSchema::write_csv_row`] over the same rows in the same order),
//! which a test checks.
//!
//! A stream is only an optimisation, so it gives up rather than fail the
//! run: when a unit is read back from the store instead of run (a resume),
//! when its files cannot be written (the export from the store then says
//! why), or when the text waiting for a slow unit passes
//! [`MAX_WAITING_BYTES`]. The run then exports from the store at the end
//! as before.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::schema::{Row, TableSchema};

/// The most CSV text held for units that finished before an earlier one
/// (a slow replicate): past it the stream gives up.
pub(crate) const MAX_WAITING_BYTES: usize = 64 << 20;

/// One table's file being written: its temporary and final paths.
struct StreamedFile {
    temporary: PathBuf,
    path: PathBuf,
    out: io::BufWriter<fs::File>,
}

/// The combined CSV tables of the units `next..end`, being written.
pub(crate) struct TableStream {
    first: u64,
    next: u64,
    end: u64,
    files: Vec<StreamedFile>,
    /// Units finished out of order: each table's text.
    waiting: BTreeMap<u64, Vec<String>>,
    waiting_bytes: usize,
}

impl TableStream {
    /// Starts the tables `schemas` (their headers written) in `root` for
    /// the units `units`.
    ///
    /// # Errors
    ///
    /// A file that cannot be created or written (none is left behind).
    pub(crate) fn start(
        root: &Path,
        schemas: &[TableSchema],
        units: core::ops::Range<u64>,
    ) -> io::Result<TableStream> {
        let mut stream = TableStream {
            first: units.start,
            next: units.start,
            end: units.end,
            files: Vec::with_capacity(schemas.len()),
            waiting: BTreeMap::new(),
            waiting_bytes: 0,
        };
        for schema in schemas {
            let path = root.join(schema.table.file);
            let temporary = crate::output::temporary_path(&path);
            let file = match fs::File::create(&temporary) {
                Ok(file) => file,
                Err(e) => {
                    stream.abandon();
                    return Err(e);
                }
            };
            stream.files.push(StreamedFile {
                temporary,
                path,
                out: io::BufWriter::with_capacity(1 << 20, file),
            });
            let mut header = schema.csv_header();
            header.push('\n');
            let written = stream
                .files
                .last_mut()
                .map(|f| f.out.write_all(header.as_bytes()));
            if let Some(Err(e)) = written {
                stream.abandon();
                return Err(e);
            }
        }
        Ok(stream)
    }

    /// Whether the stream holds the units `units`, every one written.
    pub(crate) fn complete(&self, units: &core::ops::Range<u64>) -> bool {
        self.first == units.start && self.end == units.end && self.next == units.end
    }

    /// Takes unit `unit`'s text of each table (`texts`, in table order):
    /// written now if every unit before it is, else kept until they are.
    ///
    /// # Errors
    ///
    /// A unit the stream does not expect (outside its units, or twice),
    /// too much text waiting, or a failed write: the stream must be
    /// abandoned.
    pub(crate) fn take(&mut self, unit: u64, texts: Vec<String>) -> Result<(), String> {
        if unit < self.next || unit >= self.end || self.waiting.contains_key(&unit) {
            return Err(format!("unit {unit} is not one the stream waits for"));
        }
        if unit != self.next {
            self.waiting_bytes += texts.iter().map(String::len).sum::<usize>();
            self.waiting.insert(unit, texts);
            if self.waiting_bytes > MAX_WAITING_BYTES {
                return Err("too much text waits for a slow unit".into());
            }
            return Ok(());
        }
        self.write(&texts).map_err(|e| e.to_string())?;
        self.next += 1;
        while let Some(texts) = self.waiting.remove(&self.next) {
            self.waiting_bytes -= texts.iter().map(String::len).sum::<usize>();
            self.write(&texts).map_err(|e| e.to_string())?;
            self.next += 1;
        }
        Ok(())
    }

    fn write(&mut self, texts: &[String]) -> io::Result<()> {
        for (file, text) in self.files.iter_mut().zip(texts) {
            file.out.write_all(text.as_bytes())?;
        }
        Ok(())
    }

    /// Flushes and syncs every file, then renames each into place.
    ///
    /// # Errors
    ///
    /// The failed operation, with its path (the temporaries removed).
    pub(crate) fn finish(mut self) -> Result<(), (PathBuf, io::Error)> {
        let files = core::mem::take(&mut self.files);
        let mut synced = Vec::with_capacity(files.len());
        for file in files {
            let StreamedFile {
                temporary,
                path,
                out,
            } = file;
            let done = out
                .into_inner()
                .map_err(io::IntoInnerError::into_error)
                .and_then(|file| file.sync_all());
            if let Err(e) = done {
                let _ = fs::remove_file(&temporary);
                for (temporary, _) in synced {
                    let _ = fs::remove_file(temporary);
                }
                return Err((path, e));
            }
            synced.push((temporary, path));
        }
        for (k, (temporary, path)) in synced.iter().enumerate() {
            if let Err(e) = fs::rename(temporary, path) {
                for (temporary, _) in &synced[k..] {
                    let _ = fs::remove_file(temporary);
                }
                return Err((path.clone(), e));
            }
        }
        Ok(())
    }

    /// Gives up: the temporary files removed.
    pub(crate) fn abandon(&mut self) {
        for file in self.files.drain(..) {
            drop(file.out);
            let _ = fs::remove_file(&file.temporary);
        }
        self.waiting.clear();
        self.waiting_bytes = 0;
    }
}

impl Drop for TableStream {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Unit rows of every table (`tables`, in the order of `schemas`) as CSV
/// text, one string per table.
pub(crate) fn unit_texts(schemas: &[TableSchema], tables: &[Vec<Row>]) -> Vec<String> {
    schemas
        .iter()
        .zip(tables)
        .map(|(schema, rows)| {
            let mut text = String::with_capacity(64 * rows.len());
            for row in rows {
                schema.write_csv_row(row, &mut text);
            }
            text
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_taken_out_of_order_are_written_in_order() {
        let dir = std::env::temp_dir().join(format!("cascade-stream-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let schemas = crate::schema::schemas(&Default::default());
        let texts = |u: u64| vec![format!("unit {u}\n"); schemas.len()];
        let mut stream = TableStream::start(&dir, &schemas, 10..14).unwrap();
        for u in [12, 10, 13] {
            stream.take(u, texts(u)).unwrap();
        }
        assert!(!stream.complete(&(10..14)));
        // A unit twice, or outside the stream's: refused.
        assert!(stream.take(12, texts(12)).is_err());
        assert!(stream.take(14, texts(14)).is_err());
        stream.take(11, texts(11)).unwrap();
        assert!(stream.complete(&(10..14)));
        stream.finish().unwrap();
        for schema in &schemas {
            let text = fs::read_to_string(dir.join(schema.table.file)).unwrap();
            let expected = format!(
                "{}\nunit 10\nunit 11\nunit 12\nunit 13\n",
                schema.csv_header()
            );
            assert_eq!(text, expected);
        }
        // Nothing else is left: no temporary file.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), schemas.len());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_abandoned_stream_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("cascade-stream-gone-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let schemas = crate::schema::schemas(&Default::default());
        let mut stream = TableStream::start(&dir, &schemas, 0..2).unwrap();
        stream.take(1, vec![String::new(); schemas.len()]).unwrap();
        drop(stream);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
