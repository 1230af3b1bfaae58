//! The run store under abuse: processes killed at random moments, a kill
//! that loses the uncommitted batch, damaged stores, a full disk, and the
//! files of a run directory whatever its size.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::run::{assert_same_tree, cascade, ok, scratch, stored_units};

const MANY_SMALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/bench/many_small.ron"
);

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

/// The replicates a store commits per batch at most (`store::BATCH_UNITS`).
const BATCH: u64 = cascade_runner::store::BATCH_UNITS as u64;

fn run_args(out: &Path, replicates: u64) -> Vec<String> {
    vec![
        "run".into(),
        MANY_SMALL.into(),
        "--replicates".into(),
        replicates.to_string(),
        "--out".into(),
        out.display().to_string(),
        "--format".into(),
        "json".into(),
    ]
}

/// The moments (milliseconds) of `kills` kills within `span`: a fixed
/// sequence (an LCG), so that a failure can be repeated.
fn kill_moments(kills: usize, span: u64) -> Vec<u64> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..kills)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % span.max(1)
        })
        .collect()
}

/// Kills (SIGKILL) a run `kills` times at moments spread over its length,
/// resuming each time, then lets it finish: the exports are those of a run
/// that was never killed. `CASCADE_KILLS=N` in the environment asks for N
/// kills (the opt-in long version: `CASCADE_KILLS=20 cargo test --test it
/// killed`); 3 by default.
#[test]
fn a_run_killed_at_random_moments_resumes_to_the_exports_of_an_unbroken_run() {
    let kills: usize = std::env::var("CASCADE_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(3);
    let dir = scratch("killed");
    let (plain, killed) = (dir.join("plain"), dir.join("killed"));
    let replicates = 3000;
    #[allow(clippy::disallowed_methods)] // the kill moments, not a result
    let started = std::time::Instant::now();
    let args = run_args(&plain, replicates);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let span = started.elapsed().as_millis() as u64;
    let mut resumed = false;
    let mut committed = Vec::new();
    for moment in kill_moments(kills, span) {
        let mut args = run_args(&killed, replicates);
        if resumed {
            args.push("--resume".into());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_cascade"))
            .args(&args)
            .env_remove("CASCADE_INTERRUPT_AFTER")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(moment));
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        resumed = true;
        if killed.join("store.sqlite").exists() {
            committed.push(stored_units(&killed).len());
        }
    }
    // What was committed stays committed: kills never lose a batch that
    // a kill before them had seen.
    assert!(committed.windows(2).all(|w| w[0] <= w[1]), "{committed:?}");
    let mut args = run_args(&killed, replicates);
    args.push("--resume".into());
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_same_tree(&plain, &killed);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_run_loses_at_most_the_batch_it_had_not_committed() {
    let dir = scratch("kill-after");
    let out = dir.join("out");
    let kill_after = 700;
    let mut args = run_args(&out, 1000);
    args.extend(["--threads".into(), "1".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let killed = cascade(&args, &[("CASCADE_KILL_AFTER", &kill_after.to_string())]);
    assert_eq!(killed.status.code(), Some(137), "the run was not killed");
    let kept = stored_units(&out);
    assert!(
        kept.len() as u64 >= kill_after - BATCH && kept.len() as u64 <= kill_after,
        "{} of {kill_after} finished replicates kept",
        kept.len()
    );
    assert_eq!(kept, (0..kept.len() as u64).collect::<Vec<_>>());
    let mut resume = args.clone();
    resume.push("--resume");
    ok(&resume);
    assert_eq!(stored_units(&out).len(), 1000);
    fs::remove_dir_all(&dir).unwrap();
}

/// A four-replicate quick-start run interrupted after three (committed).
fn interrupted(dir: &Path) -> Vec<String> {
    let args = vec![
        "run".to_string(),
        QUICKSTART.into(),
        "--replicates".into(),
        "4".into(),
        "--threads".into(),
        "1".into(),
        "--out".into(),
        dir.display().to_string(),
    ];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cascade(&refs, &[("CASCADE_INTERRUPT_AFTER", "3")]);
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(stored_units(dir), [0, 1, 2]);
    args
}

fn resume_refused(args: &[String]) -> String {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.push("--resume");
    let out = cascade(&args, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_store_whose_rows_were_changed_is_refused_by_resume_naming_the_replicate() {
    let dir = scratch("damaged-rows");
    let out = dir.join("out");
    let args = interrupted(&out);
    let store = rusqlite::Connection::open(out.join("store.sqlite")).unwrap();
    let changed = store
        .execute(
            "UPDATE timeseries SET primary_cells = primary_cells + 1 WHERE replicate = 1 AND day = 1.0",
            [],
        )
        .unwrap();
    assert!(changed > 0);
    drop(store);
    let stderr = resume_refused(&args);
    assert!(stderr.contains("unit 1 are damaged"), "{stderr}");
    // A deleted row too.
    let store = rusqlite::Connection::open(out.join("store.sqlite")).unwrap();
    store
        .execute(
            "UPDATE timeseries SET primary_cells = primary_cells - 1 WHERE replicate = 1 AND day = 1.0",
            [],
        )
        .unwrap();
    store
        .execute("DELETE FROM metastases WHERE replicate = 2", [])
        .unwrap();
    drop(store);
    let stderr = resume_refused(&args);
    assert!(stderr.contains("unit 2 are damaged"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_store_damaged_on_disk_is_refused_not_trusted() {
    let dir = scratch("damaged-file");
    let out = dir.join("out");
    let args = interrupted(&out);
    let path = out.join("store.sqlite");
    let mut bytes = fs::read(&path).unwrap();
    // Pages past the first (the header stays readable): scribbled over.
    for byte in bytes.iter_mut().skip(4096).step_by(7) {
        *byte ^= 0x5a;
    }
    fs::write(&path, &bytes).unwrap();
    let stderr = resume_refused(&args);
    assert!(stderr.contains("store.sqlite"), "{stderr}");
    // Not a database at all.
    fs::write(
        &path,
        b"a file that is not a database, written over the store",
    )
    .unwrap();
    let stderr = resume_refused(&args);
    assert!(stderr.contains("store.sqlite"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_directory_holds_the_same_files_whatever_its_replicates() {
    let dir = scratch("constant-files");
    let names = |replicates: u64| {
        let out = dir.join(format!("r{replicates}"));
        let args = run_args(&out, replicates);
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let mut names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let few = names(2);
    assert_eq!(few, names(300));
    assert!(few.contains(&"store.sqlite".to_string()), "{few:?}");
    // One CSV per table of the schema, its dictionary, the manifest, the
    // run's identity, the JSON summary, the store and its lock: nothing
    // per replicate.
    let tables = cascade_runner::schema::TABLES.len();
    assert_eq!(few.len(), tables + 6, "{few:?}");
    fs::remove_dir_all(&dir).unwrap();
}

/// A run into a tmpfs too small for it, then resumed once the tmpfs is
/// larger: a clear message, then the exports of an unbroken run. Opt-in
/// (it mounts a file system, so it needs root):
/// `CASCADE_FULL_DISK=1 cargo test --test it full_disk`.
#[test]
fn a_full_disk_stops_a_run_with_a_clear_message_and_resume_finishes_it() {
    if std::env::var_os("CASCADE_FULL_DISK").is_none() {
        return;
    }
    let dir = scratch("full-disk");
    let (plain, small) = (dir.join("plain"), dir.join("small"));
    fs::create_dir_all(&small).unwrap();
    let mount = |options: &str| {
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&small)
            .status()
            .unwrap();
        assert!(status.success(), "mount -o {options} failed (root needed)");
    };
    mount("size=512k");
    let out = small.join("out");
    let args = run_args(&out, 3000);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let full = cascade(&refs, &[]);
    let stderr = String::from_utf8_lossy(&full.stderr).into_owned();
    let _ = Command::new("mount")
        .args(["-o", "remount,size=256m"])
        .arg(&small)
        .status();
    assert!(!full.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("full") && stderr.contains("--resume"),
        "{stderr}"
    );
    let mut resume = refs.clone();
    resume.push("--resume");
    ok(&resume);
    ok(&run_args(&plain, 3000)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert_same_tree(&plain, &out);
    let _ = Command::new("umount").arg(&small).status();
    fs::remove_dir_all(&dir).unwrap();
}
