//! The tables as Parquet files (cargo feature `parquet`), typed by the
//! schema ([`crate::schema`]), never by their values: days and floats
//! `Float64`, counts `UInt64`, integers `Int64`, booleans `Boolean`, text
//! and names `Utf8`; a column is nullable where the schema says it may be empty. So
//! an empty table, or a column that is empty in every row, has the same
//! types as any other run's, and two runs' files concatenate.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::schema::{ColumnType, Row, SchemaError, TableSchema, Value};

/// The Arrow type of a column of type `kind`.
pub fn data_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Day | ColumnType::Float => DataType::Float64,
        ColumnType::Count => DataType::UInt64,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Text | ColumnType::Name => DataType::Utf8,
    }
}

/// The Arrow schema of `schema`'s table.
pub fn arrow_schema(schema: &TableSchema) -> Schema {
    Schema::new(
        schema
            .columns
            .iter()
            .map(|c| Field::new(c.name.as_ref(), data_type(c.kind), c.nullable))
            .collect::<Vec<_>>(),
    )
}

/// Column `k` of `rows` as an Arrow array of its type (rows checked
/// against the schema first, so a value of another type cannot occur; it
/// would be a null).
fn column(kind: ColumnType, rows: &[Row], k: usize) -> ArrayRef {
    let values = rows.iter().map(|r| &r[k]);
    match kind {
        ColumnType::Day | ColumnType::Float => Arc::new(Float64Array::from(
            values
                .map(|v| match v {
                    Value::Day(x) | Value::Float(x) => Some(*x),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        ColumnType::Count => Arc::new(UInt64Array::from(
            values
                .map(|v| match v {
                    Value::Count(n) => Some(*n),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        ColumnType::Integer => Arc::new(Int64Array::from(
            values
                .map(|v| match v {
                    Value::Integer(n) => Some(*n),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        ColumnType::Boolean => Arc::new(BooleanArray::from(
            values
                .map(|v| match v {
                    Value::Boolean(b) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        ColumnType::Text | ColumnType::Name => Arc::new(StringArray::from(
            values
                .map(|v| match v {
                    Value::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
    }
}

/// The table `schema` with `rows` as a Parquet file.
///
/// # Errors
///
/// A row that does not fit the schema, or the writer's error.
pub fn write(schema: &TableSchema, rows: &[Row]) -> Result<Vec<u8>, SchemaError> {
    for (k, row) in rows.iter().enumerate() {
        schema.check(row, k)?;
    }
    let encoding =
        |e: &dyn std::fmt::Display| SchemaError::Encoding(format!("{}: {e}", schema.table.file));
    let arrow = Arc::new(arrow_schema(schema));
    let columns: Vec<ArrayRef> = (schema.columns.iter().enumerate())
        .map(|(k, c)| column(c.kind, rows, k))
        .collect();
    let batch = RecordBatch::try_new(arrow.clone(), columns).map_err(|e| encoding(&e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut bytes = Vec::new();
    {
        let mut writer =
            ArrowWriter::try_new(&mut bytes, arrow, Some(properties)).map_err(|e| encoding(&e))?;
        writer.write(&batch).map_err(|e| encoding(&e))?;
        writer.close().map_err(|e| encoding(&e))?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{METASTASES, TABLES, THERAPY, TableSchema, schemas};
    use cascade_biology::model::Declarations;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// `bytes` in a file of their own, opened.
    fn file(bytes: &[u8]) -> std::fs::File {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "cascade-parquet-{}-{}.parquet",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, bytes).expect("writes the file");
        let file = std::fs::File::open(&path).expect("opens");
        let _ = std::fs::remove_file(&path);
        file
    }

    /// The Arrow schema a reader finds in `bytes`, and its rows.
    fn read_back(bytes: Vec<u8>) -> (Schema, usize) {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(file(&bytes)).expect("a Parquet file");
        let schema = reader.schema().as_ref().clone();
        let rows = reader
            .build()
            .expect("a reader")
            .map(|b| b.expect("a batch").num_rows())
            .sum();
        (schema, rows)
    }

    fn types(schema: &Schema) -> Vec<(String, DataType, bool)> {
        (schema.fields().iter())
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect()
    }

    #[test]
    fn an_empty_table_has_the_types_of_its_schema() {
        for schema in schemas(&Declarations::default()) {
            let bytes = write(&schema, &[]).expect("writes");
            let (found, rows) = read_back(bytes);
            assert_eq!(rows, 0);
            assert_eq!(
                types(&found),
                types(&arrow_schema(&schema)),
                "{}",
                schema.table.file
            );
        }
        // therapy.csv without therapy: `cured` is Boolean, the days Float64.
        let therapy = TableSchema::of(&TABLES[THERAPY], &Declarations::default());
        let (found, _) = read_back(write(&therapy, &[]).expect("writes"));
        let names: Vec<(String, DataType, bool)> = types(&found);
        assert_eq!(
            names,
            [
                ("replicate".into(), DataType::UInt64, false),
                ("therapy_started_day".into(), DataType::Float64, true),
                ("relapse_day".into(), DataType::Float64, true),
                (
                    "metastases_detectable_at_surgery".into(),
                    DataType::UInt64,
                    true,
                ),
                (
                    "relapse_after_clear_surgery_day".into(),
                    DataType::Float64,
                    true,
                ),
                ("cured".into(), DataType::Boolean, false),
                ("cells_left".into(), DataType::UInt64, false),
                ("dormant_cells_left".into(), DataType::UInt64, false),
            ]
        );
    }

    #[test]
    fn a_column_empty_in_every_row_keeps_its_type() {
        let schema = TableSchema::of(&TABLES[METASTASES], &Declarations::default());
        let row = |site: u64| -> Row {
            vec![
                Value::Count(0),
                Value::Count(site),
                Value::text("lung"),
                Value::text("a,b"),
                Value::Day(3.0),
                Value::Count(1),
                Value::Count(1),
                Value::Count(10),
                Value::Count(12),
                Value::Count(1),
                Value::Count(1),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
            ]
        };
        let rows = vec![row(1), row(2)];
        let bytes = write(&schema, &rows).expect("writes");
        assert_eq!(
            bytes,
            write(&schema, &rows).expect("writes"),
            "deterministic"
        );
        let (found, count) = read_back(bytes.clone());
        assert_eq!(count, 2);
        let field = found.field_with_name("detected_day").expect("the column");
        assert_eq!(field.data_type(), &DataType::Float64);
        assert!(field.is_nullable());
        assert_eq!(
            found.field_with_name("organ").expect("organ").data_type(),
            &DataType::Utf8
        );
        assert_eq!(
            found.field_with_name("site").expect("site").data_type(),
            &DataType::UInt64
        );
        let reader = SerializedFileReader::new(file(&bytes)).expect("reads");
        let first = reader
            .get_row_iter(None)
            .expect("rows")
            .next()
            .expect("a row")
            .expect("a row")
            .to_string();
        assert_eq!(
            first,
            "{replicate: 0, site: 1, organ: \"lung\", founder_clone: \"a,b\", founded_day: 3.0, \
             founding_cells: 1, founding_clones: 1, cells: 10, peak_cells: 12, clones_now: 1, \
             clones_ever: 1, detected_day: null, macroscopic_day: null, extinct_day: null, \
             vascularised_day: null}"
        );
    }

    #[test]
    fn a_row_that_does_not_fit_is_refused() {
        let schema = TableSchema::of(&TABLES[THERAPY], &Declarations::default());
        let row = vec![
            Value::Count(0),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::text("true"),
            Value::Count(0),
            Value::Count(0),
        ];
        let e = write(&schema, &[row]).unwrap_err();
        assert!(e.to_string().contains("column cured"), "{e}");
    }
}
