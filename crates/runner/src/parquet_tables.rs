//! The tables as Parquet files (cargo feature `parquet`): the same columns
//! as the CSV files, typed by their content. A column whose every
//! non-empty field is a whole number is `Int64` (or `UInt64` beyond
//! `i64`), one whose every non-empty field is a number is `Float64`, any
//! other is `Utf8`; an empty field is a null. Values are exactly the CSV's:
//! floats round-trip, since the CSV holds Rust's shortest exact form.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// Splits one CSV line into fields (RFC 4180 quoting, as `run::csv_field`
/// writes it).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(core::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Splits CSV text into records, keeping quoted line breaks inside a field.
fn records(csv: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in csv.split('\n') {
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(line);
        if pending.matches('"').count().is_multiple_of(2) {
            if !pending.is_empty() {
                out.push(fields(&pending));
            }
            pending.clear();
        }
    }
    out
}

/// The CSV table `csv` (header line first) as a Parquet file.
///
/// # Errors
///
/// A row with another number of fields than the header, or the writer's
/// error.
pub fn csv_to_parquet(csv: &str) -> Result<Vec<u8>, String> {
    let mut rows = records(csv);
    if rows.is_empty() {
        return Err("a table without a header".into());
    }
    let header = rows.remove(0);
    if let Some((k, row)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != header.len())
    {
        return Err(format!(
            "row {} has {} fields, the header {}",
            k + 1,
            row.len(),
            header.len()
        ));
    }
    let mut schema_fields = Vec::with_capacity(header.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(header.len());
    for (c, name) in header.iter().enumerate() {
        let cells: Vec<Option<&str>> = rows
            .iter()
            .map(|r| Some(r[c].as_str()).filter(|s| !s.is_empty()))
            .collect();
        let all = |ok: &dyn Fn(&str) -> bool| cells.iter().flatten().all(|s| ok(s));
        let (data_type, column): (DataType, ArrayRef) = if all(&|s| s.parse::<i64>().is_ok()) {
            (
                DataType::Int64,
                Arc::new(Int64Array::from(
                    cells
                        .iter()
                        .map(|s| s.and_then(|s| s.parse::<i64>().ok()))
                        .collect::<Vec<_>>(),
                )),
            )
        } else if all(&|s| s.parse::<u64>().is_ok()) {
            (
                DataType::UInt64,
                Arc::new(UInt64Array::from(
                    cells
                        .iter()
                        .map(|s| s.and_then(|s| s.parse::<u64>().ok()))
                        .collect::<Vec<_>>(),
                )),
            )
        } else if all(&|s| s.parse::<f64>().is_ok()) {
            (
                DataType::Float64,
                Arc::new(Float64Array::from(
                    cells
                        .iter()
                        .map(|s| s.and_then(|s| s.parse::<f64>().ok()))
                        .collect::<Vec<_>>(),
                )),
            )
        } else {
            (DataType::Utf8, Arc::new(StringArray::from(cells.clone())))
        };
        schema_fields.push(Field::new(name, data_type, true));
        columns.push(column);
    }
    let schema = Arc::new(Schema::new(schema_fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut bytes = Vec::new();
    {
        let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(properties))
            .map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        writer.close().map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn a_table_round_trips_with_typed_columns() {
        let csv = "point,x,name,day\n0,0.25,\"a,b\",\n1,1e-3,c,2.5\n";
        let bytes = csv_to_parquet(csv).expect("writes");
        assert_eq!(bytes, csv_to_parquet(csv).expect("writes"), "deterministic");
        let path =
            std::env::temp_dir().join(format!("cascade-parquet-{}.parquet", std::process::id()));
        std::fs::write(&path, &bytes).expect("writes the file");
        let reader =
            SerializedFileReader::new(std::fs::File::open(&path).expect("opens")).expect("reads");
        let metadata = reader.metadata();
        assert_eq!(metadata.file_metadata().num_rows(), 2);
        let schema = metadata.file_metadata().schema_descr();
        let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["point", "x", "name", "day"]);
        let rows: Vec<String> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| r.expect("a row").to_string())
            .collect();
        assert_eq!(rows[0], "{point: 0, x: 0.25, name: \"a,b\", day: null}");
        assert_eq!(rows[1], "{point: 1, x: 0.001, name: \"c\", day: 2.5}");
        let _ = std::fs::remove_file(&path);
    }
}
