use cascade_biology::model::{BUILT_IN_COLUMNS, Compartment, Declarations, Outcome};
use cascade_biology::observables::Funnel;

use super::*;

fn extension() -> Declarations {
    let mut declarations = Declarations::default();
    declarations.fate("killed_by_nk", Compartment::Solitary, Outcome::Died);
    declarations.counter("immunotherapy_doses");
    declarations
}

#[test]
fn the_tables_are_named_by_their_files_and_take_no_name_twice() {
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "summary",
            "metastases",
            "funnel",
            "harvests",
            "timeseries",
            "clones",
            "site_clones",
            "therapy",
            "resistance",
            "diversity",
            "composition",
            "solitary_cells",
            "arrivals",
            "colony_sizes",
            "migrations",
            "seeding",
            "trees",
            "prevalence"
        ]
    );
    let tables = TABLES.iter().chain([&POINTS, &DICTIONARY]);
    for table in tables {
        assert_eq!(table.file, format!("{}.csv", table.name));
        for (k, column) in table.columns.iter().enumerate() {
            assert!(
                !table.columns[..k].iter().any(|c| c.name == column.name),
                "{}: {} twice",
                table.file,
                column.name
            );
            let name_ok = column
                .name
                .chars()
                .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'));
            assert!(name_ok, "{}: {}", table.file, column.name);
            assert!(!column.unit.is_empty(), "{}: {}", table.file, column.name);
            assert!(
                !column.meaning.is_empty(),
                "{}: {}",
                table.file,
                column.name
            );
            // The docs' tables are Markdown tables.
            assert!(!column.meaning.contains('|'), "{}", column.meaning);
        }
    }
    for table in &TABLES {
        assert_eq!(table.columns[0].name, "replicate", "{}", table.file);
    }
    for (k, table) in TABLES.iter().enumerate() {
        assert_eq!(super::table(k), table);
        assert_eq!(table_named(table.name), Some(table));
    }
    assert!(POINTS.columns.len() > 1 && DICTIONARY.columns.len() == 6);
}

#[test]
fn every_day_column_is_a_day_and_days_are_written_as_decimals() {
    for table in &TABLES {
        for column in table.columns {
            let is_day = column.name.ends_with("_day") || column.name == "day";
            assert_eq!(
                is_day,
                column.kind == ColumnType::Day,
                "{}: {}",
                table.file,
                column.name
            );
            if is_day {
                assert_eq!(column.unit, "days");
            }
        }
    }
    for (day, text) in [
        (50.0, "50.0"),
        (0.0, "0.0"),
        (0.25, "0.25"),
        (12.375, "12.375"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000.0"),
        (1.0 / 3.0, "0.3333333333333333"),
        (-0.0, "-0.0"),
        (-3.0, "-3.0"),
        (999_999_999_999_999.0, "999999999999999.0"),
        (1e15, "1000000000000000.0"),
    ] {
        assert_eq!(day_text(day), text);
        assert_eq!(text.parse::<f64>().unwrap(), day, "{text} reads back");
    }
    // Whole days, written without the float formatter, as it writes them.
    for day in (0..2000).map(|k| f64::from(k) * 0.5 - 300.0) {
        assert_eq!(day_text(day), format!("{day:?}"), "{day}");
    }
    let mut out = String::new();
    Value::Day(50.0).write_csv(&mut out);
    Value::Float(50.0).write_csv(&mut out);
    assert_eq!(
        out, "50.050",
        "a float is written as before, a day with its point"
    );
}

#[test]
fn the_funnel_counters_are_read_from_the_fields_of_their_names() {
    // Each field a different value: the column of each name holds its
    // field's value.
    let mut json = serde_json::to_value(Funnel::default()).unwrap();
    let fields: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(fields.len(), FUNNEL_COUNTERS);
    for (k, field) in fields.iter().enumerate() {
        json[field] = serde_json::json!(k as u64 + 1);
    }
    let funnel: Funnel = serde_json::from_value(json.clone()).unwrap();
    let counts = funnel_counts(&funnel);
    let columns = funnel_columns();
    assert_eq!(columns.len(), FUNNEL_COUNTERS);
    // Three counters' columns say what they count beyond the field's name.
    let field_of = |column: &str| match column {
        "micrometastases_founded" => "micrometastases".to_string(),
        "macrometastases_reached" => "macrometastases".to_string(),
        "clump_metastases_founded" => "clump_metastases".to_string(),
        other => other.to_string(),
    };
    for (column, count) in columns.iter().zip(counts) {
        let field = field_of(&column.name);
        assert_eq!(json[&field], serde_json::json!(count), "{}", column.name);
        assert_eq!(column.kind, ColumnType::Count);
    }
    // summary.csv has the same counters, in the same order.
    let summary = &TABLES[SUMMARY].columns;
    let at = summary.iter().position(|c| c.name == "injected").unwrap();
    assert_eq!(&summary[at..at + FUNNEL_COUNTERS], columns);
}

#[test]
fn biology_refuses_every_name_of_the_funnel_and_no_other() {
    // The model's own list (biology cannot see the runner's tables) is the
    // funnel's columns but `replicate`, which is the runner's.
    let funnel: Vec<&str> = TABLES[FUNNEL]
        .columns
        .iter()
        .map(|c| &*c.name)
        .filter(|&name| name != "replicate")
        .collect();
    let mut ours = funnel.clone();
    ours.sort_unstable();
    let mut biology = BUILT_IN_COLUMNS.to_vec();
    biology.sort_unstable();
    assert_eq!(ours, biology);
    // And every name of summary.csv's funnel.
    for column in funnel_columns() {
        assert!(BUILT_IN_COLUMNS.contains(&&*column.name), "{}", column.name);
    }
}

#[test]
fn an_extension_joins_the_tables_that_take_its_columns() {
    let schemas = schemas(&extension());
    assert_eq!(schemas.len(), TABLES.len());
    let header = |k: usize| schemas[k].csv_header();
    assert!(header(SUMMARY).ends_with(",clones,killed_by_nk,immunotherapy_doses"));
    assert!(header(FUNNEL).ends_with(",killed_dormant,killed_by_nk"));
    assert_eq!(header(METASTASES).split(',').count(), 15);
    for (schema, table) in schemas.iter().zip(&TABLES) {
        assert_eq!(schema.table, table);
        assert_eq!(&schema.columns[..table.columns.len()], table.columns);
    }
    let plain = super::schemas(&Declarations::default());
    assert!(
        plain
            .iter()
            .zip(&TABLES)
            .all(|(s, t)| s.columns == t.columns)
    );
    let sweep = sweep_schemas(&extension(), &["organs.lung.growth_multiplier"]);
    assert!(
        sweep[FUNNEL]
            .csv_header()
            .starts_with("point,organs.lung.growth_multiplier,replicate,organ,clone,")
    );
    assert_eq!(sweep[FUNNEL].columns[1].kind, ColumnType::Float);
    let points = points_schema(&extension(), &["x.y"], false).csv_header();
    assert!(points.starts_with("point,x.y,replicates,shed_mean,shed_low,shed_high,"));
    assert!(!points.contains("cure_probability"));
    assert!(points.ends_with(
        ",killed_by_nk_mean,killed_by_nk_low,killed_by_nk_high,\
         immunotherapy_doses_mean,immunotherapy_doses_low,immunotherapy_doses_high"
    ));
    let therapy = points_schema(&extension(), &[], true).csv_header();
    assert!(therapy.contains(",detected_high,cure_probability,cure_probability_low,"));
    for name in point_observables() {
        assert!(crate::shards::observable(name).is_some(), "{name}");
    }
    assert_eq!(
        point_observables().collect::<Vec<_>>(),
        [
            "shed",
            "extravasated",
            "micrometastases_founded",
            "macrometastases_reached",
            "metastases_alive",
            "macrometastases_alive",
            "detected"
        ]
    );
}

#[test]
fn a_name_taken_twice_in_any_table_is_a_clash() {
    assert_eq!(clash(&extension(), &["stop_day", "organs.lung.x"]), None);
    assert_eq!(clash(&Declarations::default(), &[]), None);
    let with = |fate: &str, counter: &str| {
        let mut d = Declarations::default();
        if !fate.is_empty() {
            d.fate(fate, Compartment::Dormant, Outcome::Died);
        }
        if !counter.is_empty() {
            d.counter(counter);
        }
        d
    };
    let cases = [
        // A column of a table the fate joins.
        (
            with("primary_cells", ""),
            vec![],
            "primary_cells",
            "summary.csv",
        ),
        (with("organ", ""), vec![], "organ", "funnel.csv"),
        // A counter and a column of summary.csv.
        (with("", "seed"), vec![], "seed", "summary.csv"),
        // The sweep's point.
        (with("", "point"), vec![], "point", "summary.csv"),
        // An axis of the sweep.
        (
            with("stop_day", ""),
            vec!["stop_day"],
            "stop_day",
            "summary.csv",
        ),
        // points.csv's own columns.
        (
            with("", "cure_probability"),
            vec![],
            "cure_probability_low",
            "points.csv",
        ),
        (
            with("macrometastases_alive", ""),
            vec![],
            "macrometastases_alive_mean",
            "points.csv",
        ),
    ];
    for (declarations, axes, column, table) in cases {
        assert_eq!(
            clash(&declarations, &axes),
            Some(Clash {
                column: column.to_string(),
                table
            }),
            "{declarations:?}"
        );
    }
}

#[test]
fn rows_are_written_and_read_back_with_their_types() {
    let schema = TableSchema::of(&TABLES[CLONES], &Declarations::default());
    let rows: Vec<Row> = vec![
        vec![
            Value::Count(0),
            Value::Count(0),
            Value::text("B16"),
            Value::Null,
            Value::Day(0.0),
            Value::Count(12),
            Value::Count(0),
            Value::Count(3),
        ],
        vec![
            Value::Count(0),
            Value::Count(1),
            Value::text("a \"b\",\nc"),
            Value::Count(0),
            Value::Day(2.5),
            Value::Count(1),
            Value::Count(2),
            Value::Count(0),
        ],
    ];
    let mut text = String::new();
    for row in &rows {
        schema.check(row, 0).unwrap();
        schema.write_csv_row(row, &mut text);
    }
    assert_eq!(
        text,
        "0,0,B16,,0.0,12,0,3\n0,1,\"a \"\"b\"\",\nc\",0,2.5,1,2,0\n"
    );
    assert_eq!(schema.read_csv_rows(&text).unwrap(), rows);
    assert_eq!(
        schema.csv(&rows[..1]),
        "replicate,clone,name,parent,born_day,cells_alive,killed_by_drugs,removed_by_surgery\n\
         0,0,B16,,0.0,12,0,3\n"
    );
    // A value of another type, none where one is needed, a short row.
    let mut wrong = rows[0].clone();
    wrong[4] = Value::Float(0.0);
    let e = schema.check(&wrong, 7).unwrap_err();
    assert_eq!(
        e.to_string(),
        "clones.csv: row 7, column born_day: Float(0.0) is not a day"
    );
    wrong[4] = Value::Null;
    assert!(matches!(
        schema.check(&wrong, 0),
        Err(SchemaError::Type { .. })
    ));
    wrong.pop();
    assert!(matches!(
        schema.check(&wrong, 0),
        Err(SchemaError::Width { .. })
    ));
    let e = schema.read_csv_rows("0,x,B16,,0.0,1,0,0\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "clones.csv: row 0, column clone: \"x\" does not read as a count"
    );
    assert!(schema.read_csv_rows("0,0\n").is_err());
    assert_eq!(schema.read_csv_rows("").unwrap(), Vec::<Row>::new());
}

#[test]
fn the_dictionary_lists_every_column_with_its_type_and_the_extensions() {
    let schemas = schemas(&extension());
    let text = dictionary(&schemas);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("table,column,type,unit,nullable,meaning")
    );
    let rows = TableSchema {
        table: &DICTIONARY,
        columns: DICTIONARY.columns.to_vec(),
    }
    .read_csv_rows(&text[text.find('\n').unwrap() + 1..])
    .unwrap();
    let total: usize = schemas.iter().map(|s| s.columns.len()).sum();
    assert_eq!(rows.len(), total);
    let find = |table: &str, column: &str| {
        rows.iter()
            .find(|r| r[0] == Value::text(table) && r[1] == Value::text(column))
            .cloned()
            .unwrap_or_else(|| panic!("{table}.{column}"))
    };
    let detected = find("metastases", "detected_day");
    assert_eq!(detected[2], Value::text("day"));
    assert_eq!(detected[3], Value::text("days"));
    assert_eq!(detected[4], Value::Boolean(true));
    assert_eq!(find("therapy", "cured")[2], Value::text("boolean"));
    let nk = find("funnel", "killed_by_nk");
    assert_eq!(nk[2], Value::text("count"));
    assert_eq!(nk[3], Value::text("cells"));
    let Value::Text(meaning) = &nk[5] else {
        panic!("{nk:?}")
    };
    assert!(meaning.contains("solitary cells"), "{meaning}");
    assert!(meaning.contains("they die"), "{meaning}");
    assert_eq!(
        find("summary", "immunotherapy_doses")[3],
        Value::text("count")
    );
}

#[test]
fn the_types_name_their_sql_and_parquet_types() {
    let names: Vec<(&str, &str, &str)> = ColumnType::ALL
        .iter()
        .map(|t| (t.name(), t.parquet_name(), t.sql()))
        .collect();
    assert_eq!(
        names,
        [
            ("day", "Float64", "REAL"),
            ("count", "UInt64", "INTEGER"),
            ("integer", "Int64", "INTEGER"),
            ("float", "Float64", "REAL"),
            ("boolean", "Boolean", "INTEGER"),
            ("text", "Utf8", "TEXT"),
            ("name", "Utf8", "INTEGER"),
        ]
    );
}

/// `docs/scenarios.md`'s output section is the schema's, or this fails
/// (and `CASCADE_BLESS=1` rewrites it).
#[test]
fn the_output_section_of_the_scenario_docs_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/scenarios.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let generated = doc::output_section();
    let (Some(from), Some(to)) = (text.find(doc::BEGIN), text.find(doc::END)) else {
        panic!(
            "{} has no generated output section: add the lines\n{}\n{}\nand run `{}`",
            path.display(),
            doc::BEGIN,
            doc::END,
            doc::REGENERATE
        );
    };
    let current = &text[from..to + doc::END.len()];
    if current == generated {
        return;
    }
    if crate::golden::bless_requested() {
        crate::validation::replace_section(&path, doc::BEGIN, doc::END, &generated).unwrap();
        return;
    }
    let first = current
        .lines()
        .zip(generated.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("\nfirst difference:\n  docs:   {a}\n  schema: {b}"))
        .unwrap_or_default();
    panic!(
        "docs/scenarios.md's output section is stale (the tables' columns changed in \
         crates/runner/src/schema.rs): regenerate it with `{}`{first}",
        doc::REGENERATE
    );
}
