//! The command line of `cascade run` and `check` (issue 18): `--set`,
//! `--tables parquet`, a `--resume` that raises the replicate count,
//! progress lines on a standard error that is not a terminal, and Ctrl-C
//! and SIGTERM (exit codes 130 and 143) in a run and a sweep.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::run::{assert_same_tree, cascade, ok, refused, scratch, stored_units, with_dir_as_dir};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

const MANY_SMALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/bench/many_small.ron"
);

const MANY_SMALL_SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/bench/many_small_sweep.ron"
);

const SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/sweep_soil.ron"
);

/// The replicates' digests of the run directory `dir`, from its manifest.
fn digests(dir: &Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    (manifest["replicate_digests"].as_array().unwrap().iter())
        .map(|r| r["digest"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn run_with_set_equals_a_run_of_the_edited_file() {
    let dir = scratch("options-set");
    let edited = dir.join("edited.ron");
    let text = fs::read_to_string(QUICKSTART).unwrap();
    assert!(text.contains("birth_rate: 0.7,"));
    fs::write(
        &edited,
        text.replace("birth_rate: 0.7,", "birth_rate: 0.8,"),
    )
    .unwrap();
    let (set, file) = (dir.join("set"), dir.join("file"));
    let set_out = set.to_str().unwrap();
    let base = ["run", QUICKSTART, "--replicates", "3"];
    ok(&[
        &base[..],
        &["--set", "clones.B16.birth_rate=0.8", "--out", set_out],
    ]
    .concat());
    ok(&[
        "run",
        edited.to_str().unwrap(),
        "--replicates",
        "3",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(digests(&set), digests(&file));
    let unchanged = dir.join("unchanged");
    ok(&[&base[..], &["--out", unchanged.to_str().unwrap()]].concat());
    assert_ne!(digests(&set), digests(&unchanged));
    let manifest = fs::read_to_string(set.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"--set\",\n    \"clones.B16.birth_rate=0.8\""));
    // The export applies the run's changes as the run did.
    let summary = fs::read(set.join("summary.csv")).unwrap();
    ok(&["export", set_out]);
    assert_eq!(
        fs::read_to_string(set.join("manifest.json")).unwrap(),
        manifest
    );
    assert!(fs::read(set.join("summary.csv")).unwrap() == summary);
    assert!(
        !fs::read_to_string(unchanged.join("run.json"))
            .unwrap()
            .contains("sets")
    );

    // Resumed with other changes (or none): refused, naming them.
    let other = refused(&[&base[..], &["--out", set_out, "--resume"]].concat(), &[]);
    assert!(
        other.contains("its --set changes are clones.B16.birth_rate=0.8 and this run's are none"),
        "{other}"
    );
    // The same ones: accepted.
    ok(&[
        &base[..],
        &[
            "--set",
            "clones.B16.birth_rate=0.8",
            "--out",
            set_out,
            "--resume",
        ],
    ]
    .concat());
    let bad = refused(
        &[&base[..], &["--set", "clones.B16.birth_rate=fast"]].concat(),
        &[],
    );
    assert!(
        bad.contains("--set clones.B16.birth_rate=fast: fast is not a number"),
        "{bad}"
    );
}

#[test]
fn check_with_set_shows_the_changed_value_and_refuses_a_bad_name() {
    let text = ok(&["check", QUICKSTART, "--set", "clones.B16.birth_rate=0.8"]);
    assert!(
        text.contains("with --set clones.B16.birth_rate=0.8"),
        "{text}"
    );
    assert!(text.contains("B16: birth 0.8/d"), "{text}");
    let bad = refused(
        &["check", QUICKSTART, "--set", "clones.C26.birth_rate=0.8"],
        &[],
    );
    assert!(
        bad.contains("--set clones.C26.birth_rate=0.8: no clone named \"C26\"; clones: B16"),
        "{bad}"
    );
    let malformed = refused(&["check", QUICKSTART, "--set", "birth_rate"], &[]);
    assert!(malformed.contains("--set birth_rate is invalid, expected NAME=VALUE"));
}

#[test]
fn a_resume_with_more_replicates_equals_a_run_of_that_many_from_the_start() {
    let dir = scratch("options-more");
    let (grown, fresh) = (dir.join("grown"), dir.join("fresh"));
    let grown_out = grown.to_str().unwrap();
    ok(&["run", QUICKSTART, "--replicates", "2", "--out", grown_out]);
    ok(&[
        "run",
        QUICKSTART,
        "--replicates",
        "5",
        "--out",
        grown_out,
        "--resume",
    ]);
    ok(&[
        "run",
        QUICKSTART,
        "--replicates",
        "5",
        "--out",
        fresh.to_str().unwrap(),
    ]);
    assert_same_tree(&grown, &fresh);
    assert_eq!(stored_units(&grown), (0..5).collect::<Vec<u64>>());
    // And the export, from the store's identity, agrees.
    ok(&["export", grown_out]);
    assert_same_tree(&grown, &fresh);

    let fewer = refused(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "3",
            "--out",
            grown_out,
            "--resume",
        ],
        &[],
    );
    assert!(
        fewer.contains(
            "holds a run of 5 replicates, and this one asks for 3: --resume may raise the count \
             but not lower it; resume with --replicates 5 or more"
        ),
        "{fewer}"
    );
}

#[test]
fn a_sweep_resumed_with_other_replicates_is_refused_saying_why() {
    let dir = scratch("options-sweep-more");
    let out = dir.join("sweep");
    let out = out.to_str().unwrap();
    ok(&["sweep", SWEEP, "--replicates", "1", "--out", out]);
    let more = refused(
        &[
            "sweep",
            SWEEP,
            "--replicates",
            "2",
            "--out",
            out,
            "--resume",
        ],
        &[],
    );
    assert!(
        more.contains("a sweep's replicates per point cannot change on resume"),
        "{more}"
    );
}

#[test]
fn progress_lines_go_to_a_piped_standard_error_and_change_nothing_else() {
    let dir = scratch("options-progress");
    let (lines, quiet) = (dir.join("lines"), dir.join("quiet"));
    let args = |out: &Path| {
        vec![
            "run".to_string(),
            QUICKSTART.to_string(),
            "--replicates".into(),
            "3".into(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ]
    };
    let run = |out: &Path, env: &[(&str, &str)]| {
        let args = args(out);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cascade(&args, env);
        assert!(output.status.success());
        output
    };
    let with = run(&lines, &[("CASCADE_PROGRESS_SECONDS", "0")]);
    let without = run(&quiet, &[]);
    let stderr = String::from_utf8(with.stderr).unwrap();
    assert!(
        stderr.contains("quickstart.ron: 3/3 replicates, "),
        "{stderr}"
    );
    assert!(
        stderr.lines().all(|l| l.contains(" per second, eta ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    assert_eq!(
        with_dir_as_dir(&String::from_utf8(with.stdout).unwrap(), &lines),
        with_dir_as_dir(&String::from_utf8(without.stdout).unwrap(), &quiet)
    );
    assert!(without.stderr.is_empty());
    assert_same_tree(&lines, &quiet);
}

/// Runs `cascade ARGS` (writing into `out`), sends it `signal` (`INT`,
/// `TERM`) once its store exists and a little more, and returns what it
/// printed on standard error and its exit code.
fn signalled(args: &[String], out: &Path, signal: &str) -> (String, Option<i32>) {
    let child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(args)
        .env_remove("CASCADE_INTERRUPT_AFTER")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the run has started, and a little more (the wall clock decides
    // only when the signal is sent).
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    while !out.join("store.sqlite").exists() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    (
        String::from_utf8(output.stderr).unwrap(),
        output.status.code(),
    )
}

/// A run of 20,000 trivial replicates into `out`.
fn long_run(out: &Path) -> Vec<String> {
    vec![
        "run".to_string(),
        MANY_SMALL.to_string(),
        "--replicates".into(),
        "20000".into(),
        "--out".into(),
        out.to_str().unwrap().to_string(),
    ]
}

/// A signal while a long run runs: the finished replicates are kept, the
/// line says how many and how to finish, the exit code is `code`, and
/// `--resume` writes the files of an unbroken run.
fn stopped_run_keeps_its_replicates(signal: &str, code: i32) {
    let dir = scratch(&format!("options-signal-{signal}"));
    let (stopped, whole) = (dir.join("stopped"), dir.join("whole"));
    let (stderr, status) = signalled(&long_run(&stopped), &stopped, signal);
    assert_eq!(status, Some(code), "{stderr}");
    let kept = stored_units(&stopped).len();
    assert!(kept > 0 && kept < 20000, "{kept} units kept");
    let line = format!(
        "interrupted: {kept} of 20000 replicates kept in {}; finish with: cascade run {MANY_SMALL} \
         --seed 1 --replicates 20000 --out {} --resume\n",
        stopped.display(),
        stopped.display()
    );
    assert_eq!(stderr, line);
    assert!(!stopped.join("manifest.json").exists());

    let mut resume = long_run(&stopped);
    resume.push("--resume".into());
    ok(&resume.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&long_run(&whole)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert_same_tree(&stopped, &whole);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ctrl_c_keeps_the_finished_replicates_and_says_how_to_finish() {
    stopped_run_keeps_its_replicates("INT", 130);
}

#[test]
fn sigterm_keeps_the_finished_replicates_and_exits_with_143() {
    stopped_run_keeps_its_replicates("TERM", 143);
}

#[test]
fn ctrl_c_in_a_sweep_keeps_the_finished_units_and_resume_finishes_it() {
    let dir = scratch("options-sweep-ctrl-c");
    let (stopped, whole) = (dir.join("stopped"), dir.join("whole"));
    let args = |out: &Path| {
        vec![
            "sweep".to_string(),
            MANY_SMALL_SWEEP.to_string(),
            "--replicates".into(),
            "5000".into(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ]
    };
    let (stderr, status) = signalled(&args(&stopped), &stopped, "INT");
    assert_eq!(status, Some(130), "{stderr}");
    let kept = stored_units(&stopped).len();
    assert!(kept > 0 && kept < 20000, "{kept} units kept");
    let line = format!(
        "interrupted: {kept} of 20000 replicates kept in {}; finish with: cascade sweep \
         {MANY_SMALL_SWEEP} --seed 1 --replicates 5000 --out {} --resume\n",
        stopped.display(),
        stopped.display()
    );
    assert_eq!(stderr, line);
    assert!(!stopped.join("manifest.json").exists());

    let mut resume = args(&stopped);
    resume.push("--resume".into());
    ok(&resume.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&args(&whole).iter().map(String::as_str).collect::<Vec<_>>());
    assert_same_tree(&stopped, &whole);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_raised_resume_interrupted_leaves_a_directory_that_says_the_raised_count() {
    let dir = scratch("options-raised-interrupted");
    let (grown, fresh) = (dir.join("grown"), dir.join("fresh"));
    let grown_out = grown.to_str().unwrap();
    ok(&["run", QUICKSTART, "--replicates", "2", "--out", grown_out]);
    // One thread, so that the interruption after one added replicate
    // keeps exactly one.
    let raised = [
        "run",
        QUICKSTART,
        "--replicates",
        "5",
        "--out",
        grown_out,
        "--resume",
        "--threads",
        "1",
    ];
    // Interrupted after one of the three added replicates.
    let out = cascade(&raised, &[("CASCADE_INTERRUPT_AFTER", "1")]);
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(stored_units(&grown), (0..3).collect::<Vec<u64>>());
    let run: serde_json::Value =
        serde_json::from_slice(&fs::read(grown.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["replicates"], 5, "{run}");
    let store = rusqlite::Connection::open(grown.join("store.sqlite")).unwrap();
    let identity: String = store
        .query_row("SELECT identity FROM cascade_store", [], |r| r.get(0))
        .unwrap();
    drop(store);
    let identity: serde_json::Value = serde_json::from_str(&identity).unwrap();
    assert_eq!(identity["replicates"], 5, "{identity}");
    // Its identity is the raised run's: resuming it with fewer is refused.
    let fewer = refused(
        &[
            "run",
            QUICKSTART,
            "--replicates",
            "2",
            "--out",
            grown_out,
            "--resume",
        ],
        &[],
    );
    assert!(fewer.contains("holds a run of 5 replicates"), "{fewer}");
    ok(&raised);
    ok(&[
        "run",
        QUICKSTART,
        "--replicates",
        "5",
        "--out",
        fresh.to_str().unwrap(),
    ]);
    assert_same_tree(&grown, &fresh);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ctrl_c_without_out_says_nothing_was_kept() {
    let child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["run", MANY_SMALL, "--replicates", "1000000"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.starts_with("interrupted: nothing was kept"),
        "{stderr}"
    );
}

/// `run --tables parquet` writes the files `cascade export DIR --format
/// parquet` makes of the same run in CSV.
#[cfg(feature = "parquet")]
#[test]
fn run_tables_parquet_equals_an_export_as_parquet() {
    let dir = scratch("options-parquet");
    let (parquet, csv) = (dir.join("parquet"), dir.join("csv"));
    let base = ["run", QUICKSTART, "--replicates", "3", "--out"];
    ok(&[
        &base[..],
        &[parquet.to_str().unwrap(), "--tables", "parquet"],
    ]
    .concat());
    ok(&[&base[..], &[csv.to_str().unwrap()]].concat());
    ok(&["export", csv.to_str().unwrap(), "--format", "parquet"]);
    assert!(parquet.join("summary.parquet").is_file());
    assert_same_tree(&parquet, &csv);
}

/// Without the `parquet` feature, `run --tables parquet` is refused with
/// the message that says how to build it.
#[cfg(not(feature = "parquet"))]
#[test]
fn run_tables_parquet_without_the_feature_says_how_to_build_it() {
    let dir = scratch("options-no-parquet");
    let out = dir.join("out");
    let stderr = refused(
        &[
            "run",
            QUICKSTART,
            "--out",
            out.to_str().unwrap(),
            "--tables",
            "parquet",
        ],
        &[],
    );
    assert!(stderr.contains("built without Parquet"), "{stderr}");
    assert!(!out.exists());
    let format = cascade(&["run", QUICKSTART, "--format", "parquet"], &[]);
    assert_eq!(format.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&format.stderr).contains("use --tables parquet"));
}
