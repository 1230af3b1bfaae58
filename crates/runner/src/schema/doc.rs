//! The tables' part of `docs/scenarios.md` (its output section), made
//! from the schema: a test fails when the document's copy is stale, and
//! `CASCADE_BLESS=1 cargo test -p cascade-runner --lib schema` rewrites it.

use core::fmt::Write as _;

use super::{Column, ColumnType, DICTIONARY, POINTS, POINTS_THERAPY, TABLES, Table, point_columns};

/// The line before the generated section.
pub const BEGIN: &str = "<!-- schema:begin (generated from crates/runner/src/schema.rs by \
                         `CASCADE_BLESS=1 cargo test -p cascade-runner --lib schema`; do not \
                         edit by hand) -->";
/// The line after it.
pub const END: &str = "<!-- schema:end -->";

/// The command that regenerates the section, for messages.
pub const REGENERATE: &str = "CASCADE_BLESS=1 cargo test -p cascade-runner --lib schema";

/// How each type is written, in words.
fn written(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Day => "a number of days with a decimal point (`50.0`, `12.375`)",
        ColumnType::Count => "a whole number ≥ 0",
        ColumnType::Integer => "a whole number",
        ColumnType::Float => "a number (`0.25`, `3`, `1e-7`), the shortest that reads back exactly",
        ColumnType::Boolean => "`true` or `false`",
        ColumnType::Text => "text, quoted when it holds a comma, a quote or a line break",
        ColumnType::Name => {
            "text from a short list (an organ's, a clone's, a drug's name), written as text; \
             the run store keeps each name once"
        }
    }
}

/// A table's columns as a Markdown table.
fn columns_table<'a>(out: &mut String, columns: impl IntoIterator<Item = &'a Column>) {
    out.push_str("| column | type | unit | meaning |\n|---|---|---|---|\n");
    for c in columns {
        let kind = if c.nullable {
            format!("{}, or empty", c.kind)
        } else {
            c.kind.to_string()
        };
        let _ = writeln!(
            out,
            "| `{}` | {kind} | {} | {} |",
            c.name, c.unit, c.meaning
        );
    }
}

/// The heading line of a table.
fn heading(out: &mut String, table: &Table) {
    let _ = writeln!(out, "**`{}`** — {}.\n", table.file, table.meaning);
}

/// The generated section, from [`BEGIN`] to [`END`] (both included).
pub fn output_section() -> String {
    let mut out = String::new();
    out.push_str(BEGIN);
    out.push_str("\n\n");
    out.push_str(
        "Every column has one type, the same in every run (`crates/runner/src/schema.rs`), \
         whatever its values:\n\n",
    );
    out.push_str("| type | in CSV | in Parquet | in SQLite |\n|---|---|---|---|\n");
    for kind in ColumnType::ALL {
        let _ = writeln!(
            out,
            "| {kind} | {} | `{}` | `{}` |",
            written(kind),
            kind.parquet_name(),
            kind.sql()
        );
    }
    out.push_str(
        "\nA column marked *or empty* may have no value: an empty CSV field (read as missing \
         by pandas, polars and R), a null in Parquet; no other column is ever empty. \
         `dictionary.csv` in every run directory lists the run's columns with these types, \
         units and meanings, the extension's columns included.\n\n",
    );
    out.push_str(
        "An extension's fates and counters are columns of the tables that say so below, after \
         the model's columns: a fate's counts the cells that met it, a counter's is its value \
         at the end. In a sweep every table starts with the point's columns:\n\n",
    );
    let point = point_columns(&["<parameter>"]);
    columns_table(&mut out, &point);
    out.push_str("\n(one `<parameter>` column per axis, in the sweep's order).\n\n");
    for table in &TABLES {
        heading(&mut out, table);
        columns_table(&mut out, table.columns);
        let joins = match (table.fates, table.counters) {
            (true, true) => {
                Some("one column per fate the extension declares, then one per counter")
            }
            (true, false) => Some("one column per fate the extension declares"),
            (false, true) => Some("one column per counter the extension declares"),
            (false, false) => None,
        };
        if let Some(joins) = joins {
            let _ = writeln!(out, "\nThen {joins}.");
        }
        out.push('\n');
    }
    heading(&mut out, &POINTS);
    let _ = writeln!(out, "After the point's columns:\n");
    columns_table(&mut out, POINTS.columns.iter().chain(POINTS_THERAPY));
    out.push_str(
        "\nThe `cure_probability`, `relapse_probability` and `relapse_after_clear_surgery_probability` columns are there only for a \
         scenario with therapy. Then, for each of the extension's fates and counters `<name>`, \
         `<name>_mean`, `<name>_low` and `<name>_high`.\n\n",
    );
    heading(&mut out, &DICTIONARY);
    columns_table(&mut out, DICTIONARY.columns);
    out.push('\n');
    out.push_str(END);
    out
}
