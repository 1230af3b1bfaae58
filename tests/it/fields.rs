//! Scenario fields found missing or misread by the held-out checks of
//! issue 21: a clone's shedding rate in metastases.

use std::path::Path;

use cascade_biology::NoExtension;

const NON_SEEDING: &str = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Mouse),
    clones: [
        (name: "A", shedding_rate: 0.01, in_metastases: (shedding_rate: 0.0)),
        (name: "B", shedding_rate: 0.01),
    ],
    primary: (organ: "skin", cells: [("A", 10), ("B", 10)]),
)"#;

/// `in_metastases: (shedding_rate: ...)` sets the clone's shedding rate in
/// metastases only; a clone without it sheds from metastases at its
/// `shedding_rate`.
#[test]
fn in_metastases_sets_the_shedding_rate_of_metastases() {
    let scenario = cascade_runner::parse::<NoExtension>(NON_SEEDING, Path::new("a.ron")).unwrap();
    let a = &scenario.config.clones[0].phenotype;
    let b = &scenario.config.clones[1].phenotype;
    assert_eq!(a.shedding_rate, 0.01);
    assert_eq!(a.shedding_rate_in_metastases, Some(0.0));
    assert_eq!(a.metastatic_shedding_rate(), 0.0);
    assert_eq!(b.shedding_rate_in_metastases, None);
    assert_eq!(b.metastatic_shedding_rate(), 0.01);

    let bad = NON_SEEDING.replace("(shedding_rate: 0.0)", "(shedding_rate: -0.5)");
    let error = cascade_runner::parse::<NoExtension>(&bad, Path::new("a.ron")).unwrap_err();
    assert_eq!(
        error.field, "clones[0].in_metastases.shedding_rate",
        "{error}"
    );
    assert_eq!(error.position, Some((5, 73)), "{error}");
}

const SIZE_POWER: &str = r#"Scenario(
    stop_day: 1.0,
    organs: (preset: Mouse),
    shedding: SizePower(coefficient: 0.01, exponent: 0.66),
    clones: [(name: "A", shedding_rate: 0.0)],
    primary: (organ: "skin", cells: [("A", 10)]),
)"#;

/// With `SizePower` shedding a clone's `shedding_rate` is its weight in
/// its site's shedding, so 0 sheds none of its cells: valid (a non-shedding
/// clone beside shedding ones), but `check` warns at the field, saying
/// what it does.
#[test]
fn check_warns_of_a_zero_weight_under_size_power_shedding() {
    let scenario = cascade_runner::parse::<NoExtension>(SIZE_POWER, Path::new("w.ron")).unwrap();
    let text = cascade_runner::cli::describe(&scenario);
    assert!(
        text.contains("warning: w.ron:5:41: clones[0].shedding_rate:"),
        "{text}"
    );
    assert!(text.contains("never shed"), "{text}");

    for quiet in [
        SIZE_POWER.replace("shedding_rate: 0.0", "shedding_rate: 0.5"),
        SIZE_POWER.replace(
            "shedding: SizePower(coefficient: 0.01, exponent: 0.66),",
            "",
        ),
    ] {
        let scenario = cascade_runner::parse::<NoExtension>(&quiet, Path::new("w.ron")).unwrap();
        let text = cascade_runner::cli::describe(&scenario);
        assert!(!text.contains("warning"), "{text}");
    }
}

/// `run` warns of what `check` warns of, on stderr before it runs, so a
/// run of a scenario that never sheds says so at the field.
#[test]
fn run_warns_as_check_does() {
    let dir = super::run::scratch("run-warns");
    let file = dir.join("w.ron");
    std::fs::write(&file, SIZE_POWER).unwrap();
    let output = super::run::cascade(&["run", file.to_str().unwrap(), "--replicates", "1"], &[]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("w.ron:5:41: clones[0].shedding_rate:") && stderr.contains("never shed"),
        "{stderr}"
    );
    assert!(stderr.starts_with("warning: "), "{stderr}");
}

const EXPONENTS: &str = r#"Scenario(
    stop_day: 1.0,
    seed: 2.5e3,
    replicates: 1e1,
    max_events: 1e9,
    organs: (preset: Mouse),
    clones: [(name: "A")],
    primary: (organ: "skin", cells: [("A", 1e6)]),
    injections: [(vein: "tail_vein", cells: [("A", 2E3)], clump_size: 1e1)],
    detection_size: 1e4,
    macrometastasis_size: 1_000,
    mode: Stepped(threshold: 1e4),
    therapy: (
        drugs: [(name: "D", log_kill: 2.0)],
        surgery: Some((at: PrimarySize(1e7))),
        regimens: [(start: PrimarySize(2e6), every: 1.0, doses: 1e1, cycle: [["D"]])],
    ),
)"#;

/// A whole-number field takes an exponent where the value is whole
/// (`1e6`, `2.5e3`), as a float field does (`carrying_capacity: 1e7`).
#[test]
fn whole_numbers_may_be_written_with_an_exponent() {
    let scenario = cascade_runner::parse::<NoExtension>(EXPONENTS, Path::new("e.ron")).unwrap();
    let file = &scenario.file;
    assert_eq!((file.seed, file.replicates), (2500, 10));
    assert_eq!(file.max_events, Some(1_000_000_000));
    assert_eq!(
        file.primary.as_ref().unwrap().cells,
        [("A".into(), 1_000_000)]
    );
    assert_eq!(file.injections[0].cells, [("A".into(), 2000)]);
    assert_eq!(file.injections[0].clump_size, Some(10));
    assert_eq!(
        (file.detection_size, file.macrometastasis_size),
        (10_000, 1000)
    );
    let therapy = &scenario.config.therapy;
    assert_eq!(
        therapy.surgery.unwrap().at,
        cascade_biology::therapy::SurgeryAt::PrimarySize(10_000_000)
    );
    assert_eq!(
        therapy.regimens[0].start,
        cascade_biology::therapy::RegimenStart::PrimarySize(2_000_000)
    );
    assert_eq!(therapy.regimens[0].offsets.len(), 10);
    assert_eq!(scenario.config.growth_steps.unwrap().threshold, 10_000);
}

/// A whole-number field refuses a value that is not whole, at the field,
/// saying why: a fraction (`1.5`, `2.5e-1`), or beyond the field's type
/// (`1e30`, a negative number).
#[test]
fn whole_numbers_with_a_fraction_or_out_of_range_are_refused_at_the_field() {
    for (from, to, field, at, words) in [
        (
            "replicates: 1e1",
            "replicates: 1.5",
            "replicates",
            (4, 17),
            &["1.5 has a fraction", "found `1.5`"][..],
        ),
        (
            "(\"A\", 1e6)",
            "(\"A\", 2.5e-1)",
            "primary.cells[0].1",
            (8, 44),
            &["0.25 has a fraction", "found `2.5e-1`"],
        ),
        (
            "detection_size: 1e4",
            "detection_size: 1e30",
            "detection_size",
            (10, 21),
            &[
                "out of range",
                "from 0 to 18446744073709551615",
                "found `1e30`",
            ],
        ),
        (
            "doses: 1e1",
            "doses: 1e10",
            "therapy.regimens[0].doses",
            (16, 65),
            &["out of range", "from 0 to 4294967295"],
        ),
        (
            "PrimarySize(1e7)",
            "PrimarySize(-1e7)",
            "therapy.surgery.at.PrimarySize",
            (15, 40),
            &["out of range"],
        ),
        (
            "seed: 2.5e3",
            "seed: 2.5e-0",
            "seed",
            (3, 11),
            &["2.5 has a fraction"],
        ),
    ] {
        let bad = EXPONENTS.replace(from, to);
        assert_ne!(bad, EXPONENTS, "{from}");
        let error = cascade_runner::parse::<NoExtension>(&bad, Path::new("e.ron")).unwrap_err();
        let message = error.to_string();
        assert_eq!(error.field, field, "{message}");
        assert_eq!(error.position, Some(at), "{message}");
        assert!(message.contains("expected a whole number"), "{message}");
        for word in words {
            assert!(message.contains(word), "{word}: {message}");
        }
    }
}
