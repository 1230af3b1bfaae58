//! `cascade export DIR`: a finished run directory's tables, dictionary,
//! summary and manifest rewritten from its store are the bytes the run
//! wrote, for a run, a sweep and a merged sweep; an unfinished directory
//! and a directory that is not a run are refused, saying what to do.

use std::fs;
use std::path::Path;

use super::run::{assert_same_tree, cascade, ok, refused, scratch, stored_units};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

const SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/sweep_soil.ron"
);

/// The files the export rewrites (or removes): every combined table in
/// either format, the dictionary, the summary and the manifest.
fn exported(name: &str) -> bool {
    name.ends_with(".csv")
        || name.ends_with(".parquet")
        || name == "summary.json"
        || name == "manifest.json"
}

/// Copies the files of `from` (not the store) into the new directory `to`,
/// as the run wrote them.
fn copy_files(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_file() && !name.starts_with("store.sqlite") {
            fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// Removes the exported files of `dir`, leaving its store and `run.json`.
fn remove_exports(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if exported(&path.file_name().unwrap().to_string_lossy()) {
            fs::remove_file(&path).unwrap();
        }
    }
}

/// Keeps a copy of what the run wrote into `dir`, removes it, exports
/// `dir` again (with `format`, if given) and asserts that the files are
/// the same bytes.
fn assert_export_rewrites(dir: &Path, format: Option<&str>) {
    let written = dir.with_file_name(format!(
        "{}-as-written",
        dir.file_name().unwrap().to_string_lossy()
    ));
    copy_files(dir, &written);
    remove_exports(dir);
    let mut args = vec!["export", dir.to_str().unwrap()];
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    ok(&args);
    assert_same_tree(&written, dir);
}

#[test]
fn an_export_of_a_run_directory_is_the_bytes_the_run_wrote() {
    let root = scratch("export-run");
    let dir = root.join("run");
    let out = dir.to_str().unwrap();
    ok(&["run", QUICKSTART, "--replicates", "3", "--out", out]);
    assert_export_rewrites(&dir, None);
    // Over the files it wrote, too: the same bytes.
    let text = ok(&["export", out, "--format", "csv"]);
    assert!(
        text.contains("from the 3 replicates in its store"),
        "{text}"
    );
    assert_same_tree(&root.join("run-as-written"), &dir);
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn an_export_of_a_sweep_and_of_a_merged_sweep_is_the_bytes_they_wrote() {
    let root = scratch("export-sweep");
    let whole = root.join("whole");
    ok(&["sweep", SWEEP, "--out", whole.to_str().unwrap()]);
    assert_export_rewrites(&whole, None);
    let slices: Vec<String> = (0..2)
        .map(|i| {
            let slice = root.join(format!("slice-{i}"));
            let shard = format!("{i}/2");
            let slice = slice.to_str().unwrap().to_string();
            ok(&["sweep", SWEEP, "--shard", &shard, "--out", &slice]);
            slice
        })
        .collect();
    // A slice is exported as the slice it is.
    assert_export_rewrites(Path::new(&slices[1]), None);
    let merged = root.join("merged");
    ok(&[
        "merge",
        "--out",
        merged.to_str().unwrap(),
        &slices[0],
        &slices[1],
    ]);
    assert_export_rewrites(&merged, Some("csv"));
    assert_same_tree(&whole, &merged);
    let _ = fs::remove_dir_all(&root);
}

#[cfg(feature = "parquet")]
#[test]
fn an_export_as_parquet_then_as_csv_gives_back_the_csv_files() {
    let root = scratch("export-parquet");
    let dir = root.join("run");
    let out = dir.to_str().unwrap();
    ok(&["run", QUICKSTART, "--replicates", "2", "--out", out]);
    let written = root.join("as-written");
    copy_files(&dir, &written);
    let text = ok(&["export", out, "--format", "parquet"]);
    assert!(text.contains("removed the CSV tables"), "{text}");
    for table in ["summary", "funnel", "metastases", "therapy"] {
        let bytes = fs::read(dir.join(format!("{table}.parquet"))).unwrap();
        assert!(bytes.starts_with(b"PAR1"), "{table}.parquet");
        // No stale mix: the CSV table it replaces is gone.
        assert!(!dir.join(format!("{table}.csv")).exists(), "{table}.csv");
    }
    assert!(dir.join("dictionary.csv").exists(), "the dictionary stays");
    let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"summary.parquet\""), "{manifest}");
    ok(&["export", out, "--format", "csv"]);
    assert_same_tree(&written, &dir);
    let _ = fs::remove_dir_all(&root);
}

#[cfg(feature = "parquet")]
#[test]
fn an_export_of_a_parquet_sweep_as_parquet_is_the_bytes_it_wrote() {
    let root = scratch("export-parquet-sweep");
    let whole = root.join("whole");
    let out = whole.to_str().unwrap();
    ok(&["sweep", SWEEP, "--out", out, "--format", "parquet"]);
    assert_export_rewrites(&whole, Some("parquet"));
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn an_export_of_an_unfinished_run_names_the_missing_replicates_and_the_resume() {
    let root = scratch("export-unfinished");
    let dir = root.join("run");
    let out = dir.to_str().unwrap();
    let args = [
        "run",
        QUICKSTART,
        "--replicates",
        "4",
        "--threads",
        "1",
        "--out",
        out,
    ];
    let interrupted = cascade(&args, &[("CASCADE_INTERRUPT_AFTER", "2")]);
    assert_eq!(interrupted.status.code(), Some(130), "not interrupted");
    assert_eq!(stored_units(&dir), [0, 1]);
    let message = refused(&["export", out], &[]);
    assert!(
        message.contains("2 of its 4 replicates are missing"),
        "{message}"
    );
    let command = message
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command in {message}"));
    assert!(
        command.starts_with("cascade run ")
            && command.contains("--replicates 4")
            && command.ends_with(&format!("--out {out} --resume")),
        "{command}"
    );
    assert!(!dir.join("manifest.json").exists(), "nothing was exported");
    // The command it names finishes the run, and the export then works.
    let words: Vec<&str> = command.split_whitespace().skip(1).collect();
    ok(&words);
    assert_eq!(stored_units(&dir), [0, 1, 2, 3]);
    assert_export_rewrites(&dir, None);
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn an_export_of_a_directory_that_is_not_a_run_is_refused() {
    let root = scratch("export-not-a-run");
    let empty = root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let message = refused(&["export", empty.to_str().unwrap()], &[]);
    assert!(
        message.contains("is not a cascade run directory")
            && message.contains("no run.json and store.sqlite"),
        "{message}"
    );
    // Left as it was: no lock file, no run.json.
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0);
    let missing = root.join("missing");
    let message = refused(&["export", missing.to_str().unwrap()], &[]);
    assert!(message.contains("is not a directory"), "{message}");
    assert!(!missing.exists());
    // A directory with run.json and no store (another kind of directory,
    // or a cascade older than the store).
    fs::write(empty.join("run.json"), "{}").unwrap();
    let message = refused(&["export", empty.to_str().unwrap()], &[]);
    assert!(message.contains("it has no store.sqlite"), "{message}");
    let _ = fs::remove_dir_all(&root);
}
