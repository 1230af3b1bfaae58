//! `cascade sweep` and `cascade merge` end to end: slices joined give the
//! bytes of one machine's sweep, a point does not depend on the others,
//! and broken requests are refused with a message that says what is
//! wrong.

use std::fs;
use std::path::Path;

use super::run::{assert_same_tree, cascade, ok, scratch};

const SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/sweep_soil.ron"
);

fn refused(args: &[&str]) -> String {
    let output = cascade(args, &[]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "cascade {args:?} should be refused as bad input; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

fn slices(root: &Path, n: u64, extra: &[&str]) -> Vec<String> {
    (0..n)
        .map(|i| {
            let dir = root.join(format!("slice-{i}-of-{n}"));
            let shard = format!("{i}/{n}");
            let dir_text = dir.to_string_lossy().into_owned();
            let mut args = vec!["sweep", SWEEP, "--shard", &shard, "--out", &dir_text];
            args.extend_from_slice(extra);
            ok(&args);
            dir_text
        })
        .collect()
}

#[test]
fn merged_slices_are_byte_identical_to_one_machine_for_1_2_3_and_7_slices() {
    let root = scratch("sweep-slices");
    let whole = root.join("whole");
    ok(&[
        "sweep",
        SWEEP,
        "--out",
        whole.to_str().unwrap(),
        "--threads",
        "2",
    ]);
    let points = fs::read_to_string(whole.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 6, "a header and 6 points");
    assert!(
        points
            .starts_with("point,organs.lung.growth_multiplier,injections.0.cells.B16,replicates,")
    );
    // The dictionary has the point's columns, typed, and points.csv's.
    let dictionary = fs::read_to_string(whole.join("dictionary.csv")).unwrap();
    for row in [
        "\nsummary,point,count,point index,false,",
        "\nfunnel,organs.lung.growth_multiplier,float,as in the scenario file,false,",
        "\nmetastases,detected_day,day,days,true,",
        "\npoints,replicates,count,replicates,false,",
        "\npoints,shed_low,float,cells,true,",
    ] {
        assert!(dictionary.contains(row), "{row} in {dictionary}");
    }
    for n in [1, 2, 3, 7] {
        let dirs = slices(&root, n, &["--threads", "1"]);
        let merged = root.join(format!("merged-{n}"));
        let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
        // In reverse order: the order of the arguments does not matter.
        args.extend(dirs.iter().rev().map(String::as_str));
        ok(&args);
        assert_same_tree(&whole, &merged);
    }
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn a_point_does_not_depend_on_the_other_points() {
    // The same point alone in a grid of one: the same digests.
    let root = scratch("sweep-point");
    let alone = root.join("alone.ron");
    let text = fs::read_to_string(SWEEP).unwrap().replace(
        "range: (from: 0.25, to: 1.0, points: 3, scale: Log)",
        "values: [0.5]",
    );
    fs::write(&alone, text).unwrap();
    let (a, b) = (root.join("a"), root.join("b"));
    ok(&["sweep", SWEEP, "--out", a.to_str().unwrap()]);
    ok(&[
        "sweep",
        alone.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    let digests = |dir: &Path, value: &str| -> Vec<String> {
        fs::read_to_string(dir.join("summary.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(1) == Some(value))
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                format!("{},{},{}", f[2], f[3], f[5])
            })
            .collect()
    };
    let full = digests(&a, "0.5");
    assert_eq!(full.len(), 2 * 3, "2 doses × 3 replicates at 0.5");
    assert_eq!(full, digests(&b, "0.5"));
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn broken_sweeps_and_merges_are_refused_with_what_is_wrong() {
    let root = scratch("sweep-broken");
    // A slice index out of range.
    let e = refused(&["sweep", SWEEP, "--shard", "3/3"]);
    assert!(
        e.contains("--shard 3/3 is invalid, expected I/N with 0 <= I < N"),
        "{e}"
    );
    // A parameter that does not exist: the valid names are listed.
    let bad = root.join("bad.ron");
    fs::write(
        &bad,
        fs::read_to_string(SWEEP).unwrap().replace(
            "organs.lung.growth_multiplier",
            "organs.lung.growth_multiplyer",
        ),
    )
    .unwrap();
    let e = refused(&["sweep", bad.to_str().unwrap()]);
    assert!(e.contains("sweep.axes[0].parameter"), "{e}");
    assert!(e.contains("is not a parameter; valid parameters:"), "{e}");
    assert!(e.contains("organs.{lung|"), "{e}");
    let bad_organ = root.join("bad_organ.ron");
    fs::write(
        &bad_organ,
        fs::read_to_string(SWEEP).unwrap().replace(
            "organs.lung.growth_multiplier",
            "organs.lungs.growth_multiplier",
        ),
    )
    .unwrap();
    let e = refused(&["sweep", bad_organ.to_str().unwrap()]);
    assert!(
        e.contains("no organ named \"lungs\"; organs: lung, liver"),
        "{e}"
    );

    let dirs = slices(&root, 3, &["--threads", "1"]);
    let out = |name: &str| root.join(name).to_string_lossy().into_owned();
    // A missing slice.
    let e = refused(&["merge", "--out", &out("m1"), &dirs[0], &dirs[2]]);
    assert!(e.contains("slices missing: 1/3"), "{e}");
    // A slice given twice.
    let e = refused(&[
        "merge",
        "--out",
        &out("m2"),
        &dirs[0],
        &dirs[0],
        &dirs[1],
        &dirs[2],
    ]);
    assert!(e.contains("slice 0/3 is given twice"), "{e}");
    // Slices of a different split.
    let other_split = slices(&root, 2, &[]);
    let e = refused(&[
        "merge",
        "--out",
        &out("m3"),
        &dirs[0],
        &other_split[1],
        &dirs[2],
    ]);
    assert!(
        e.contains("slices of one split must have the same N"),
        "{e}"
    );
    // A slice of another seed (a different sweep).
    let other_seed = root.join("seed-5");
    ok(&[
        "sweep",
        SWEEP,
        "--seed",
        "5",
        "--shard",
        "1/3",
        "--out",
        other_seed.to_str().unwrap(),
    ]);
    let e = refused(&[
        "merge",
        "--out",
        &out("m4"),
        &dirs[0],
        other_seed.to_str().unwrap(),
        &dirs[2],
    ]);
    assert!(
        e.contains("are slices of different sweeps: the seed differs (2026 against 5)"),
        "{e}"
    );
    // An unfinished slice (no manifest).
    fs::remove_file(Path::new(&dirs[1]).join("manifest.json")).unwrap();
    let e = refused(&["merge", "--out", &out("m5"), &dirs[0], &dirs[1], &dirs[2]]);
    assert!(
        e.contains("slices unfinished (no manifest.json): 1/3"),
        "{e}"
    );
    assert!(e.contains("--shard I/3"), "{e}");
    // A run, not a slice.
    let run = root.join("run");
    ok(&["run", SWEEP, "--out", run.to_str().unwrap()]);
    let e = refused(&["merge", "--out", &out("m6"), run.to_str().unwrap()]);
    assert!(e.contains("is not a slice of a sweep"), "{e}");
    // Nothing merged was left behind by a refused merge.
    for m in ["m1", "m2", "m3", "m4", "m5", "m6"] {
        assert!(!root.join(m).join("manifest.json").exists());
    }
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn a_merge_refuses_slices_of_an_older_output_format() {
    let root = scratch("sweep-old-format");
    let dirs = slices(&root, 1, &["--threads", "1"]);
    let run_json = Path::new(&dirs[0]).join("run.json");
    let text = fs::read_to_string(&run_json).unwrap();
    let current = format!("\"format\": {}", cascade_runner::output::FORMAT);
    assert!(text.contains(&current), "{text}");
    fs::write(&run_json, text.replace(&current, "\"format\": 3")).unwrap();
    let merged = root.join("merged");
    let e = refused(&["merge", "--out", merged.to_str().unwrap(), &dirs[0]]);
    assert!(
        e.contains(&format!(
            "the slices were written in output format 3 and this cascade writes format {}",
            cascade_runner::output::FORMAT
        )),
        "{e}"
    );
    assert!(!merged.exists());
    let _ = fs::remove_dir_all(&root);
}

/// With the `parquet` feature: the tables as Parquet, merged slices the
/// same bytes as one machine's, one row per CSV row.
#[cfg(feature = "parquet")]
#[test]
fn parquet_tables_merge_to_the_same_bytes_and_hold_every_row() {
    let root = scratch("sweep-parquet");
    let (whole, csv) = (root.join("whole"), root.join("csv"));
    ok(&[
        "sweep",
        SWEEP,
        "--out",
        whole.to_str().unwrap(),
        "--format",
        "parquet",
    ]);
    ok(&["sweep", SWEEP, "--out", csv.to_str().unwrap()]);
    let dirs = slices(&root, 2, &["--format", "parquet"]);
    let merged = root.join("merged");
    ok(&[
        "merge",
        "--format",
        "parquet",
        "--out",
        merged.to_str().unwrap(),
        &dirs[0],
        &dirs[1],
    ]);
    assert_same_tree(&whole, &merged);
    for table in ["summary", "funnel", "points"] {
        let bytes = fs::read(whole.join(format!("{table}.parquet"))).unwrap();
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{table}"
        );
        assert!(!whole.join(format!("{table}.csv")).exists());
        let rows = fs::read_to_string(csv.join(format!("{table}.csv")))
            .unwrap()
            .lines()
            .count()
            - 1;
        let file = fs::File::open(whole.join(format!("{table}.parquet"))).unwrap();
        let reader =
            cascade_runner::parquet::file::serialized_reader::SerializedFileReader::new(file)
                .unwrap();
        use cascade_runner::parquet::file::reader::FileReader as _;
        assert_eq!(
            reader.metadata().file_metadata().num_rows() as usize,
            rows,
            "{table}"
        );
    }
    // Every table has the schema's types, whatever its values: an empty
    // therapy table (no therapy here) has a Boolean `cured`, a column
    // empty in every row its day type.
    use cascade_runner::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let schemas = cascade_runner::schema::sweep_schemas(
        &Default::default(),
        &["organs.lung.growth_multiplier", "injections.0.cells.B16"],
    );
    for schema in &schemas {
        let file = fs::File::open(whole.join(format!("{}.parquet", schema.table.name))).unwrap();
        let found = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .schema()
            .clone();
        let expected = cascade_runner::parquet_tables::arrow_schema(schema);
        assert_eq!(found.fields(), expected.fields(), "{}", schema.table.file);
    }
    let _ = fs::remove_dir_all(&root);
}
