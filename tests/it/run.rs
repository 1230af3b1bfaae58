//! `cascade run` end to end: determinism across threads and replicate
//! counts, interruption and resume, and the files a run writes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

pub(crate) fn cascade(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cascade"));
    command.args(args).env_remove("CASCADE_INTERRUPT_AFTER");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the cascade binary runs")
}

/// Runs `cascade ARGS`, asserts that it succeeds, and returns its standard
/// output.
pub(crate) fn ok(args: &[&str]) -> String {
    let output = cascade(args, &[]);
    assert!(
        output.status.success(),
        "cascade {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A run's printed summary with its output directory `dir` written `DIR`:
/// two runs into two directories print the same text but for the paths
/// of the files they wrote.
pub(crate) fn with_dir_as_dir(text: &str, dir: &Path) -> String {
    text.replace(dir.to_str().unwrap(), "DIR")
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cascade-it-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir`, relative path → bytes, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            // The database file need not be the same bytes (its pages
            // fall as the batches did); its exports must.
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("store.sqlite"))
            {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

pub(crate) fn assert_same_tree(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb), "the two runs wrote different files");
    for ((name, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(
            x == y,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// Runs `cascade ARGS`, asserts that it is refused as bad input (exit
/// code 2), and returns its standard error.
pub(crate) fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = cascade(args, env);
    assert_eq!(
        output.status.code(),
        Some(2),
        "cascade {args:?} should be refused; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

/// The units the store of the run directory `dir` holds, in order.
pub(crate) fn stored_units(dir: &Path) -> Vec<u64> {
    let store = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let mut units = store
        .prepare("SELECT unit FROM cascade_units ORDER BY unit")
        .unwrap();
    units
        .query_map([], |row| row.get::<_, i64>(0))
        .unwrap()
        .map(|u| u.unwrap() as u64)
        .collect()
}

fn run_ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = cascade(args, env);
    assert!(
        out.status.success(),
        "cascade {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn one_thread_and_two_threads_write_identical_files() {
    let dir = scratch("threads");
    let (one, two) = (dir.join("one"), dir.join("two"));
    let a = run_ok(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "5",
            "--threads",
            "1",
            "--out",
            one.to_str().unwrap(),
        ],
        &[],
    );
    let b = run_ok(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "5",
            "--threads",
            "2",
            "--out",
            two.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        with_dir_as_dir(&a, &one),
        with_dir_as_dir(&b, &two),
        "the printed summaries differ"
    );
    assert!(a.contains(&format!("run directory      {}\n", one.display())));
    assert_same_tree(&one, &two);
    for file in [
        "manifest.json",
        "summary.json",
        "summary.csv",
        "metastases.csv",
        "funnel.csv",
        "harvests.csv",
        "timeseries.csv",
        "clones.csv",
        "run.json",
    ] {
        assert!(one.join(file).is_file(), "{file} is missing");
    }
    // One header plus one row per replicate.
    let summary = fs::read_to_string(one.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 6);
    // Every table: the schema's header, and rows that read with the
    // schema's types and are written back to the same bytes (days with a
    // decimal point).
    let schemas = cascade_runner::schema::schemas(&Default::default());
    for schema in &schemas {
        let text = fs::read_to_string(one.join(schema.table.file)).unwrap();
        let (header, rows) = text.split_once('\n').unwrap();
        assert_eq!(header, schema.csv_header());
        let rows = schema.read_csv_rows(rows).unwrap();
        assert_eq!(schema.csv(&rows), text, "{}", schema.table.file);
    }
    let dictionary = fs::read_to_string(one.join("dictionary.csv")).unwrap();
    assert_eq!(dictionary, cascade_runner::schema::dictionary(&schemas));
    assert!(
        dictionary.contains("\nsummary,end_day,day,days,false,"),
        "{dictionary}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_replicate_does_not_depend_on_how_many_replicates_ran() {
    let dir = scratch("count");
    let (two, four) = (dir.join("two"), dir.join("four"));
    run_ok(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "2",
            "--out",
            two.to_str().unwrap(),
        ],
        &[],
    );
    run_ok(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "4",
            "--out",
            four.to_str().unwrap(),
        ],
        &[],
    );
    // Replicates 0 and 1 are the first rows of every table of the four.
    for table in cascade_runner::schema::TABLES {
        let (a, b) = (
            fs::read_to_string(two.join(table.file)).unwrap(),
            fs::read_to_string(four.join(table.file)).unwrap(),
        );
        assert!(
            b.starts_with(&a),
            "{}: the rows of replicates 0 and 1 differ",
            table.file
        );
    }
    let digest = run_ok(&["digest", QUICKSTART, "--replicate", "1"], &[]);
    let manifest = fs::read_to_string(four.join("manifest.json")).unwrap();
    assert!(
        manifest.contains(digest.trim()),
        "digest {digest} not in the manifest"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_run_resumed_equals_an_uninterrupted_run() {
    let dir = scratch("resume");
    let (plain, resumed) = (dir.join("plain"), dir.join("resumed"));
    let args = |out: &Path| {
        vec![
            "run".to_string(),
            QUICKSTART.to_string(),
            "--replicates".into(),
            "4".into(),
            "--threads".into(),
            "1".into(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ]
    };
    let plain_args = args(&plain);
    let plain_args: Vec<&str> = plain_args.iter().map(String::as_str).collect();
    run_ok(&plain_args, &[]);

    let resumed_args = args(&resumed);
    let mut resumed_args: Vec<&str> = resumed_args.iter().map(String::as_str).collect();
    let out = cascade(&resumed_args, &[("CASCADE_INTERRUPT_AFTER", "2")]);
    assert_eq!(out.status.code(), Some(130), "the run was not interrupted");
    // Two finished replicates in the store; nothing exported yet.
    assert_eq!(stored_units(&resumed), [0, 1]);
    assert!(!resumed.join("manifest.json").exists());
    assert!(!resumed.join("summary.csv").exists());
    // A leftover temporary, as a kill in the middle of an export leaves.
    fs::write(resumed.join(".summary.csv.tmp-999"), "3,trunc").unwrap();

    // Without --resume the directory is refused.
    let refused = cascade(&resumed_args, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));

    resumed_args.push("--resume");
    run_ok(&resumed_args, &[]);
    assert_same_tree(&plain, &resumed);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_refuses_a_directory_of_another_run() {
    let dir = scratch("other");
    let out = dir.join("out");
    run_ok(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let refused = cascade(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "1",
            "--seed",
            "7",
            "--out",
            out.to_str().unwrap(),
            "--resume",
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("different run"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_refuses_a_directory_of_an_older_output_format() {
    // A run directory written before days were decimals (format 3): its
    // replicates' rows are not mixed with new ones.
    let dir = scratch("old-format");
    let out = dir.join("out");
    let args = [
        "run",
        QUICKSTART,
        "--replicates",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    run_ok(&args, &[]);
    let run_json = out.join("run.json");
    let text = fs::read_to_string(&run_json).unwrap();
    let current = format!("\"format\": {}", cascade_runner::output::FORMAT);
    assert!(text.contains(&current), "{text}");
    fs::write(&run_json, text.replace(&current, "\"format\": 3")).unwrap();
    let mut resume = args.to_vec();
    resume.push("--resume");
    let refused = cascade(&resume, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "holds a run in output format 3 and this cascade writes format {}",
            cascade_runner::output::FORMAT
        )),
        "{stderr}"
    );
    assert!(stderr.contains("another --out"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_summary_is_one_object_with_the_funnel() {
    let out = run_ok(
        &["run", QUICKSTART, "--replicates", "2", "--format", "json"],
        &[],
    );
    let value: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(value["replicates"], 2);
    let funnel = value["funnel"].as_array().unwrap();
    assert_eq!(funnel[0][0], "injected");
    assert_eq!(funnel[0][1]["mean"], 2000.0);
}

#[test]
fn check_prints_what_the_scenario_resolves_to() {
    let out = run_ok(&["check", QUICKSTART], &[]);
    assert!(out.contains("valid"), "{out}");
    assert!(out.contains("lung"), "{out}");
    assert!(
        out.contains("injection of 2000 B16 into tail_vein"),
        "{out}"
    );
}

#[test]
fn every_shipped_scenario_runs_and_prints_its_golden_summary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scenarios = root.join("scenarios");
    // The validation scenarios have no golden files: tests/validation.rs
    // pins their first replicates instead (as tests/scenarios.rs says).
    let files = cascade_runner::golden::shipped_scenario_files(&scenarios).unwrap();
    assert!(!files.is_empty());
    for path in files {
        let relative = path.strip_prefix(&root).unwrap();
        let name = relative.to_string_lossy().replace('\\', "/");
        let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
            .current_dir(&root)
            .args(["run", &name, "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The golden file ends with the same summary (tests/scenarios.rs
        // checks the rest of it).
        let golden_path = root.join("tests/golden").join(format!(
            "{}.golden",
            relative
                .strip_prefix("scenarios")
                .unwrap()
                .to_string_lossy()
        ));
        let golden = fs::read_to_string(&golden_path)
            .unwrap_or_else(|_| panic!("{} is missing", golden_path.display()));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            golden.ends_with(&stdout),
            "{name}: the binary's summary differs from the golden one"
        );
    }
}

#[test]
fn a_second_run_into_a_directory_being_written_is_refused() {
    use cascade_runner::output::{OutputDir, RunIdentity};
    let dir = scratch("lock");
    let identity = RunIdentity {
        format: 1,
        cascade_version: "test".into(),
        extension: "none".into(),
        extension_version: String::new(),
        scenario_sha256: "0".into(),
        seed: 1,
        replicates: 1,
        sweep: None,
        sets: Vec::new(),
    };
    let first = OutputDir::open(&dir.join("out"), &identity, "x.ron", "()", &[], false).unwrap();
    let second =
        OutputDir::open(&dir.join("out"), &identity, "x.ron", "()", &[], true).unwrap_err();
    assert!(
        second.to_string().contains("another cascade run"),
        "{second}"
    );
    // The refused attempt removed nothing of the first's.
    assert!(dir.join("out/.lock").is_file());
    drop(first);
    OutputDir::open(&dir.join("out"), &identity, "x.ron", "()", &[], true)
        .expect("free again once the first is done");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_edited_replicate_record_is_refused_on_resume_not_trusted() {
    let dir = scratch("edited");
    let out = dir.join("out");
    let args = [
        "run",
        QUICKSTART,
        "--replicates",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    run_ok(&args, &[]);
    let store = rusqlite::Connection::open(out.join("store.sqlite")).unwrap();
    let edited = store
        .execute(
            "UPDATE cascade_units SET record = substr(record, 1, length(record) - 1) || x'01' \
             WHERE unit = 1",
            [],
        )
        .unwrap();
    assert_eq!(edited, 1);
    drop(store);
    let mut resume = args.to_vec();
    resume.push("--resume");
    let result = cascade(&resume, &[]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("unit 1 are damaged"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn harvests_are_reported_in_time_order_whatever_the_order_written() {
    let dir = scratch("harvest-order");
    let text = fs::read_to_string(QUICKSTART)
        .unwrap()
        .replace("harvest_days: [1.0, 10.0]", "harvest_days: [10.0, 1.0]");
    assert!(text.contains("[10.0, 1.0]"));
    let file = dir.join("reversed.ron");
    fs::write(&file, text).unwrap();
    let reversed = run_ok(&["run", file.to_str().unwrap(), "--format", "json"], &[]);
    let plain = run_ok(&["run", QUICKSTART, "--format", "json"], &[]);
    let harvests = |json: &str| {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        value["harvests"].clone()
    };
    assert_eq!(harvests(&reversed), harvests(&plain));
    fs::remove_dir_all(&dir).unwrap();
}

/// Runs `cascade ARGS` in the repository's root (for relative scenario
/// paths).
fn cascade_in_root(args: &[&str], env: &[(&str, &str)]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cascade"));
    command
        .current_dir(root)
        .args(args)
        .env_remove("CASCADE_INTERRUPT_AFTER");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the cascade binary runs")
}

#[test]
fn a_resume_naming_the_scenario_otherwise_writes_the_same_bytes() {
    let dir = scratch("spelling");
    let (plain, resumed) = (dir.join("plain"), dir.join("resumed"));
    let absolute = fs::canonicalize(QUICKSTART).unwrap();
    let args = |file: &str, out: &Path| {
        vec![
            "run".to_string(),
            file.to_string(),
            "--replicates".into(),
            "4".into(),
            "--threads".into(),
            "1".into(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ]
    };
    let strs = |v: &[String]| v.iter().map(String::clone).collect::<Vec<_>>();
    let run = |file: &str, out: &Path, extra: &[&str], env: &[(&str, &str)]| {
        let owned = strs(&args(file, out));
        let mut all: Vec<&str> = owned.iter().map(String::as_str).collect();
        all.extend_from_slice(extra);
        cascade_in_root(&all, env)
    };
    let ok = |out: Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let plain_summary = ok(run("scenarios/quickstart.ron", &plain, &[], &[]));
    // Interrupted twice, resumed with two other spellings of the path.
    let first = run(
        "scenarios/quickstart.ron",
        &resumed,
        &[],
        &[("CASCADE_INTERRUPT_AFTER", "1")],
    );
    assert_eq!(first.status.code(), Some(130));
    let second = run(
        "./scenarios//quickstart.ron",
        &resumed,
        &["--resume"],
        &[("CASCADE_INTERRUPT_AFTER", "1")],
    );
    assert_eq!(second.status.code(), Some(130));
    let last = ok(run(
        absolute.to_str().unwrap(),
        &resumed,
        &["--resume"],
        &[],
    ));
    assert_same_tree(&plain, &resumed);
    assert_eq!(
        with_dir_as_dir(&last, &resumed),
        with_dir_as_dir(&plain_summary, &plain),
        "the printed summaries differ"
    );
    let manifest = fs::read_to_string(resumed.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"scenario\": \"scenarios/quickstart.ron\""),
        "{manifest}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Every entry under `dir` (directories too), relative path → bytes
/// (empty for a directory), sorted.
fn entries(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                stack.push(path);
                all.push((format!("{relative}/"), Vec::new()));
            } else {
                all.push((relative, fs::read(&path).unwrap()));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn a_refused_output_directory_is_left_as_it_was() {
    let dir = scratch("refused");
    // A folder of other files.
    let notes = dir.join("notes");
    fs::create_dir_all(notes.join("sub")).unwrap();
    fs::write(notes.join("notes.txt"), "mine").unwrap();
    // A folder of another run (seed 7).
    let other = dir.join("other");
    run_ok(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "1",
            "--seed",
            "7",
            "--out",
            other.to_str().unwrap(),
        ],
        &[],
    );
    let cases: [(&Path, &[&str], &str); 3] = [
        (&notes, &[], "already holds files; use --resume"),
        (&notes, &["--resume"], "holds files but no run.json"),
        (&other, &["--resume"], "holds a different run"),
    ];
    for (out, extra, words) in cases {
        let before = entries(out);
        let mut args = vec![
            "run",
            QUICKSTART,
            "--replicates",
            "1",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let refused = cascade(&args, &[]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(words), "{stderr}");
        assert_eq!(
            entries(out),
            before,
            "{extra:?} into {} changed it",
            out.display()
        );
    }
    assert!(!notes.join(".lock").exists());
    // The sweep and the merge refuse alike.
    let sweep = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/sweep_soil.ron"
    );
    let before = entries(&notes);
    let refused = cascade(
        &[
            "sweep",
            sweep,
            "--replicates",
            "1",
            "--out",
            notes.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(entries(&notes), before);
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_dangling_symbolic_link_as_out_is_named_as_such() {
    let dir = scratch("dangling");
    let link = dir.join("results");
    std::os::unix::fs::symlink(dir.join("missing/target"), &link).unwrap();
    for out in [link.clone(), link.join("sub")] {
        let refused = cascade(
            &[
                "run",
                QUICKSTART,
                "--replicates",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        );
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{} is a symbolic link to {}, which does not exist",
                link.display(),
                dir.join("missing/target").display()
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("remove the link, or choose another --out"),
            "{stderr}"
        );
        assert!(!stderr.contains("os error"), "{stderr}");
    }
    // Nothing created: the link still points to nothing.
    assert!(!dir.join("missing").exists());
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_output_that_cannot_be_created_is_an_io_failure() {
    let dir = scratch("io");
    let file = dir.join("somefile");
    fs::write(&file, "not a directory").unwrap();
    let out = file.join("sub");
    for command in ["run", "sweep"] {
        let scenario = if command == "run" {
            QUICKSTART
        } else {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../scenarios/sweep_soil.ron"
            )
        };
        let failed = cascade(
            &[
                command,
                scenario,
                "--replicates",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        );
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert_eq!(failed.status.code(), Some(74), "{command}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: {}: cannot create the directory",
                out.display()
            )),
            "{command}: {stderr}"
        );
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a directory");
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn an_output_in_a_read_only_directory_is_an_io_failure() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("read-only");
    let locked = dir.join("locked");
    fs::create_dir_all(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    // Where permissions do not bind (as root), there is nothing to test.
    let binding = fs::write(locked.join("probe"), "").is_err();
    if binding {
        for out in [locked.join("sub"), locked.clone()] {
            let failed = cascade(
                &[
                    "run",
                    QUICKSTART,
                    "--replicates",
                    "1",
                    "--out",
                    out.to_str().unwrap(),
                ],
                &[],
            );
            let stderr = String::from_utf8_lossy(&failed.stderr);
            assert_eq!(failed.status.code(), Some(74), "{stderr}");
            assert!(stderr.contains(&out.display().to_string()), "{stderr}");
            assert!(stderr.contains("Permission denied"), "{stderr}");
        }
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_standard_output_is_an_io_failure() {
    let Ok(full) = fs::File::create("/dev/full") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["check", QUICKSTART])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(74), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
