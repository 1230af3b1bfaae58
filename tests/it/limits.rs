//! Issue 16's reproducers at run time: every scenario that `check`
//! accepts runs to its end or to a named error, never forever and never to
//! an abort. Each case is the shortest file that showed the defect.

use std::fs;
use std::path::Path;

use crate::run::{cascade, scratch};

/// The quick-start scenario with `edit` applied to its text.
fn quickstart_with(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/quickstart.ron"
    ))
    .unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit of {name} changed nothing");
    let path = dir.join(format!("{name}.ron"));
    fs::write(&path, edited).unwrap();
    path.display().to_string()
}

/// The quick-start text with a mutant at every other division.
fn with_mutants(text: &str) -> String {
    text.replace(
        "death_rate: 0.3,",
        "death_rate: 0.3,\n            mutation_probability: 0.5,",
    )
}

/// Runs `cascade ARGS`, asserts the exit code, returns standard error.
fn fails_with(code: i32, args: &[&str]) -> String {
    let output = cascade(args, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(code),
        "cascade {args:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `mutation_effect` σ = 1000 on the birth rate was valid for `check` and
/// failed with "a rate of inf" for a site named by index; now the mutant
/// that arises with the runaway rate is named, with its field.
#[test]
fn a_runaway_mutant_is_named_with_its_field() {
    let dir = scratch("limits-sigma");
    let file = quickstart_with(&dir, "sigma", |t| {
        with_mutants(&t).replace(
            "stop_day: 10.0,",
            "stop_day: 10.0,\n    mutation_effect: (birth_rate: 1000.0),",
        )
    });
    let output = cascade(&["check", &file], &[]);
    assert!(output.status.success(), "check accepts it");
    let stderr = fails_with(1, &["run", &file, "--replicates", "1"]);
    assert!(stderr.contains("mutant clone \"B16."), "{stderr}");
    assert!(stderr.contains("birth_rate"), "{stderr}");
    assert!(stderr.contains("MAX_RATE = 1e6"), "{stderr}");
}

/// 10^18 cells injected on day 5 make waits of about 10^-21 days, which
/// vanish against day 5: the run used to spin until max_events. The stall
/// limit ends it with the day and the event.
#[test]
fn a_run_whose_time_stands_still_ends_with_the_day_and_the_event() {
    let dir = scratch("limits-stall");
    let file = quickstart_with(&dir, "stall", |t| {
        t.replace(
            r#"(day: 0.0, vein: "tail_vein", cells: [("B16", 2000)]),"#,
            r#"(day: 5.0, vein: "tail_vein", cells: [("B16", 1000000000000000000)]),"#,
        )
    });
    let stderr = fails_with(1, &["run", &file, "--replicates", "1"]);
    assert!(
        stderr.contains("simulated time stood still at day 5 for 1000000 events in a row"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(the last: CellArrested of clone \"B16\" in the lung)")
            || stderr.contains("(the last: CellPassedCapillaryBed of clone \"B16\" in the lung)")
            || stderr.contains("(the last: CellDiedInCirculation of clone \"B16\" in the lung)"),
        "{stderr}"
    );
}

/// A heterogeneous tumour grew until the allocator aborted the process;
/// the budget ends the replicate first, naming the parts of the state.
#[test]
fn a_state_past_its_memory_budget_ends_the_replicate_naming_what_grew() {
    let dir = scratch("limits-memory");
    let file = quickstart_with(&dir, "mutants", |t| with_mutants(&t));
    let stderr = fails_with(
        1,
        &["run", &file, "--replicates", "1", "--max-memory", "1M"],
    );
    assert!(
        stderr.contains("grew past its memory budget of 1.0 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains(" clones ("), "{stderr}");
    assert!(stderr.contains("--max-memory"), "{stderr}");
    // The same file within the default budget runs to its end.
    let output = cascade(&["run", &file, "--replicates", "1"], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The budget decides only whether a replicate ends, never its values.
    let digest = |extra: &[&str]| {
        let mut args = vec!["digest", file.as_str()];
        args.extend_from_slice(extra);
        let output = cascade(&args, &[]);
        assert!(output.status.success());
        output.stdout
    };
    assert_eq!(digest(&[]), digest(&["--max-memory", "1G"]));
}

#[test]
fn a_memory_budget_is_read_with_its_unit_or_refused() {
    let stderr = fails_with(
        2,
        &["run", "scenarios/quickstart.ron", "--max-memory", "4X"],
    );
    assert!(
        stderr.contains("expected a whole number of bytes > 0"),
        "{stderr}"
    );
    let stderr = fails_with(2, &["run", "scenarios/quickstart.ron", "--max-memory", "0"]);
    assert!(stderr.contains("--max-memory"), "{stderr}");
    let stderr = fails_with(
        2,
        &[
            "run",
            "scenarios/quickstart.ron",
            "--max-memory",
            "99999999T",
        ],
    );
    assert!(stderr.contains("more bytes than 2^64"), "{stderr}");
}

/// A name of 100,000 characters (a word of 100,003 with its quotes and
/// the semicolon after it) was quoted back whole, twice for a field
/// name (a 60 MiB name gave a message of 125 MB); long words in messages
/// are shortened, keeping their start, their length and their end.
#[test]
fn a_very_long_name_is_shortened_in_the_message() {
    let dir = scratch("limits-long-name");
    let long = "y".repeat(100_000);
    let file = quickstart_with(&dir, "long", |t| {
        t.replace(r#"vein: "tail_vein""#, &format!(r#"vein: "{long}""#))
    });
    let stderr = fails_with(2, &["check", &file]);
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
    assert!(stderr.contains("unknown vein"), "{stderr}");
    assert!(stderr.contains("…(99923 characters)…"), "{stderr}");
}
