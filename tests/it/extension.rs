//! A user's own events, driven from a scenario file through the runner
//! library (the `custom_events` example of the runner crate).

#[allow(dead_code)]
#[path = "../../crates/runner/examples/custom_events.rs"]
mod custom_events;

use std::path::Path;

use cascade_runner::cli::{Command, Failure};
use cascade_runner::run::run_replicate;
use custom_events::CirculationIntervention;

const SCENARIO: &str = include_str!("../../crates/runner/examples/custom_events.ron");

#[test]
fn a_scenario_schedules_the_extension_events_and_sets_its_parameters() {
    let path = Path::new("custom_events.ron");
    let with = cascade_runner::parse::<CirculationIntervention>(SCENARIO, path).unwrap();
    assert_eq!(with.file.extension.death_rate_factor, 50.0);
    assert_eq!(with.file.events.len(), 3);
    let without_text = SCENARIO.replace("death_rate_factor: 50.0", "death_rate_factor: 1.0");
    let without = cascade_runner::parse::<CirculationIntervention>(&without_text, path).unwrap();

    let died = |s: &cascade_runner::Scenario<CirculationIntervention>| -> u64 {
        (0..4)
            .map(|r| {
                run_replicate(s, 11, r, false)
                    .unwrap()
                    .record
                    .funnel
                    .died_in_circulation
            })
            .sum()
    };
    // Per passage through the blood, a cell dies with probability
    // δ/(δ + 1/τ): 9.8/(9.8 + 1440) ≈ 0.7% normally, 490/(490 + 1440) ≈ 25%
    // under the intervention. Over 8,000 cells the two cannot be confused.
    let (normal, treated) = (died(&without), died(&with));
    assert!(
        normal < 400,
        "died in circulation without the intervention: {normal}"
    );
    assert!(
        treated > 1_600,
        "died in circulation under the intervention: {treated}"
    );
}

#[test]
fn the_extension_parameters_are_validated_with_their_place_in_the_file() {
    let text = SCENARIO.replace("death_rate_factor: 50.0", "death_rate_factor: -2.0");
    let error =
        cascade_runner::parse::<CirculationIntervention>(&text, Path::new("x.ron")).unwrap_err();
    let line = text
        .lines()
        .position(|l| l.contains("death_rate_factor: -2.0"))
        .unwrap()
        + 1;
    assert_eq!(error.field, "extension.death_rate_factor");
    assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
    assert!(error.message.contains("finite number >= 0"), "{error}");
}

#[test]
fn an_unknown_event_of_the_extension_is_refused_with_the_valid_ones() {
    let text = SCENARIO.replace("event: InterventionEnded", "event: InterventionStoped");
    let error = cascade_runner::parse::<CirculationIntervention>(&text, Path::new("x.ron"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("InterventionStopped") || error.contains("InterventionEnded"),
        "{error}"
    );
    assert!(error.contains("events[1].event"), "{error}");
}

/// A scenario file of the example in a scratch directory, with `from`
/// replaced by `to`.
fn example_file(test: &str, from: &str, to: &str) -> (std::path::PathBuf, String) {
    assert!(SCENARIO.contains(from), "{from:?} is not in the example");
    let text = SCENARIO.replace(from, to);
    let dir = crate::run::scratch(&format!("extension-{test}"));
    let path = dir.join("custom_events.ron");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

/// The 1-based line and column of the first `needle` in `text`.
fn line_and_column(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("the needle is in the text");
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

#[test]
fn check_refuses_an_event_naming_a_missing_organ_at_its_line_and_column() {
    let (path, text) = example_file("organ", "organ: \"lung\"", "organ: \"lungs\"");
    let failure = cascade_runner::cli::execute::<CirculationIntervention>(Command::Check {
        file: path.clone(),
        set: Vec::new(),
    })
    .unwrap_err();
    assert_eq!(failure.exit_code(), 2, "{failure:?}");
    let Failure::Input(message) = failure else {
        panic!("not an input failure")
    };
    // The organ's value, in the third event.
    let (line, column) = line_and_column(&text, "\"lungs\"");
    let place = format!(
        "{}:{line}:{column}: events[2].event.organ: ",
        path.display()
    );
    assert!(message.starts_with(&place), "{message}\nnot at {place}");
    assert!(message.contains("did you mean \"lung\"?"), "{message}");
    assert!(message.contains("\"liver\""), "the valid organs: {message}");
    // The same file with the organ right is accepted.
    cascade_runner::cli::execute::<CirculationIntervention>(Command::Check {
        file: example_file("organ-right", "growth_factor: 0.5", "growth_factor: 0.25").0,
        set: Vec::new(),
    })
    .expect("the example checks");
}

#[test]
fn an_event_value_out_of_range_is_placed_at_its_field() {
    let (path, text) = example_file("factor", "growth_factor: 0.5", "growth_factor: -1.0");
    let error = cascade_runner::load::<CirculationIntervention>(&path).unwrap_err();
    assert_eq!(error.field, "events[2].event.growth_factor");
    let (line, column) = line_and_column(&text, "-1.0");
    assert_eq!(error.position, Some((line, column)), "{error}");
    assert!(error.message.contains("finite number >= 0"), "{error}");
}

#[test]
fn version_and_golden_headers_name_the_extension_and_its_version() {
    let cascade = env!("CARGO_PKG_VERSION");
    assert_eq!(
        cascade_runner::cli::version_text::<CirculationIntervention>(),
        format!("{cascade} (extension CirculationIntervention 1.0.0)")
    );
    assert_eq!(
        cascade_runner::cli::version_text::<cascade_biology::NoExtension>(),
        cascade
    );
    let (path, _) = example_file("golden", "replicates: 2", "replicates: 1");
    let text = cascade_runner::golden::golden_text::<CirculationIntervention>(&path, "x.ron")
        .expect("the example runs");
    let header = format!("# made by cascade {cascade} (extension CirculationIntervention 1.0.0)\n");
    assert!(text.contains(&header), "{text}");
}

#[test]
fn a_run_of_another_version_of_the_extension_is_not_resumed() {
    let (path, _) = example_file("resume", "replicates: 2", "replicates: 2");
    let out = path.with_file_name("out");
    let run = |resume: bool| {
        cascade_runner::cli::execute::<CirculationIntervention>(Command::Run {
            file: path.clone(),
            seed: None,
            replicates: Some(1),
            threads: Some(1),
            max_memory: None,
            out: Some(out.clone()),
            resume,
            format: cascade_runner::cli::Format::Json,
            set: Vec::new(),
            tables: cascade_runner::output::TableFormat::Csv,
        })
    };
    run(false).expect("the example runs");
    let run_json = out.join("run.json");
    let recorded = std::fs::read_to_string(&run_json).unwrap();
    assert!(
        recorded.contains("\"extension_version\": \"1.0.0\""),
        "{recorded}"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"extension_version\": \"1.0.0\""),
        "{manifest}"
    );
    run(true).expect("the same binary resumes its own run");
    // As if an older build of the extension had made the run.
    std::fs::write(
        &run_json,
        recorded.replace(
            "\"extension_version\": \"1.0.0\"",
            "\"extension_version\": \"0.9.0\"",
        ),
    )
    .unwrap();
    let failure = run(true).unwrap_err();
    assert_eq!(failure.exit_code(), 2, "{failure:?}");
    let Failure::Input(message) = failure else {
        panic!("not an input failure")
    };
    assert!(message.contains("holds a different run"), "{message}");
    assert!(message.contains("version 0.9.0"), "{message}");
    assert!(message.contains("version 1.0.0"), "{message}");
    assert!(message.contains("CirculationIntervention"), "{message}");
}

#[test]
fn an_export_by_a_binary_of_another_extension_is_refused_as_resume_refuses_it() {
    let (path, _) = example_file("export", "replicates: 2", "replicates: 2");
    let out = path.with_file_name("out");
    cascade_runner::cli::execute::<CirculationIntervention>(Command::Run {
        file: path.clone(),
        seed: None,
        replicates: Some(2),
        threads: Some(1),
        max_memory: None,
        out: Some(out.clone()),
        resume: false,
        format: cascade_runner::cli::Format::Json,
        set: Vec::new(),
        tables: cascade_runner::output::TableFormat::Csv,
    })
    .expect("the example runs");
    let export = || Command::Export {
        dir: out.clone(),
        format: cascade_runner::output::TableFormat::Csv,
    };
    // The extension's own binary exports its columns as the run wrote them.
    let written = std::fs::read(out.join("summary.csv")).unwrap();
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    cascade_runner::cli::execute::<CirculationIntervention>(export()).expect("exported");
    assert!(std::fs::read(out.join("summary.csv")).unwrap() == written);
    let failure =
        cascade_runner::cli::execute::<cascade_biology::NoExtension>(export()).unwrap_err();
    assert_eq!(failure.exit_code(), 2, "{failure:?}");
    let Failure::Input(message) = failure else {
        panic!("not an input failure")
    };
    assert!(message.contains("holds a different run"), "{message}");
    assert!(message.contains("CirculationIntervention"), "{message}");
    assert!(message.contains("NoExtension"), "{message}");
}

#[test]
fn the_identity_comparison_names_both_extension_versions() {
    use cascade_runner::output::{RunIdentity, resume_refusal};
    let identity = |version: &str| RunIdentity {
        format: 3,
        cascade_version: "0.1.0".into(),
        extension: "lab::Ext".into(),
        extension_version: version.into(),
        scenario_sha256: "0".into(),
        seed: 1,
        replicates: 2,
        sweep: None,
        sets: Vec::new(),
    };
    assert_eq!(resume_refusal(&identity("2"), &identity("2")), None);
    let why = resume_refusal(&identity("2"), &identity("3")).unwrap();
    assert!(
        why.contains("lab::Ext version 2") && why.contains("lab::Ext version 3"),
        "{why}"
    );
    let why = resume_refusal(&identity(""), &identity("3")).unwrap();
    assert!(why.contains("lab::Ext (no version)"), "{why}");
    // A run.json written before the version was recorded reads as none.
    let old: RunIdentity = serde_json::from_str(
        r#"{"format":3,"cascade_version":"0.1.0","extension":"lab::Ext","scenario_sha256":"0","seed":1,"replicates":2}"#,
    )
    .unwrap();
    assert_eq!(old, identity(""));
}

/// An extension whose fate and counter are named by the scenario file, to
/// check the names against the tables' columns.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Named {
    fate: String,
    counter: String,
}

impl cascade_biology::model::Extension for Named {
    type Event = cascade_biology::model::NoEvent;

    fn declare(&self, declarations: &mut cascade_biology::model::Declarations) {
        use cascade_biology::model::{Compartment, Outcome};
        if !self.fate.is_empty() {
            declarations.fate(&self.fate, Compartment::Dormant, Outcome::Died);
        }
        if !self.counter.is_empty() {
            declarations.counter(&self.counter);
        }
    }

    fn handle(
        &self,
        event: Self::Event,
        _: &mut cascade_biology::model::ExtensionContext<'_, '_, Self::Event>,
    ) -> Result<(), cascade_biology::CascadeError> {
        match event {}
    }
}

impl cascade_runner::ScenarioExtension for Named {
    type FileEvent = cascade_biology::model::NoEvent;

    fn from_file(event: &Self::FileEvent) -> Self::Event {
        match *event {}
    }
}

#[test]
fn check_refuses_an_extension_column_that_a_table_or_a_sweep_already_has() {
    let scenario = |extension: &str, sweep: &str| {
        format!(
            "Scenario(seed: 1, replicates: 1, stop_day: 1.0, organs: (preset: Mouse), \
             clones: [(name: \"B16\")], \
             injections: [(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 10)])], \
             extension: ({extension}),{sweep})"
        )
    };
    let refused = |extension: &str, sweep: &str| {
        let text = scenario(extension, sweep);
        let error = cascade_runner::parse::<Named>(&text, Path::new("named.ron"))
            .expect_err("refused")
            .to_string();
        assert!(error.contains("extension"), "{error}");
        error
    };
    // Accepted: names of its own.
    cascade_runner::parse::<Named>(
        &scenario("fate: \"eaten\", counter: \"doses\"", ""),
        Path::new("named.ron"),
    )
    .unwrap();
    // A column of summary.csv that the model's funnel does not have.
    let e = refused("fate: \"primary_cells\"", "");
    assert!(
        e.contains(
            "the extension declares a column \"primary_cells\", which summary.csv already has"
        ),
        "{e}"
    );
    // The sweep's point, in every table.
    let e = refused("counter: \"point\"", "");
    assert!(
        e.contains("\"point\", which summary.csv already has"),
        "{e}"
    );
    // An axis of the file's sweep.
    let e = refused(
        "counter: \"stop_day\"",
        " sweep: (axes: [(parameter: \"stop_day\", values: [1.0, 2.0])]),",
    );
    assert!(
        e.contains("\"stop_day\", which summary.csv already has, an axis of the sweep"),
        "{e}"
    );
    // A column its means would make twice in points.csv.
    let e = refused("fate: \"cure_probability\"", "");
    assert!(
        e.contains(
            "\"cure_probability\", whose column \"cure_probability_low\" in points.csv is one \
             the table already has"
        ),
        "{e}"
    );
    // The model's own funnel names are refused by the model's check.
    let e = refused("fate: \"shed\"", "");
    assert!(e.contains("not a column of the model"), "{e}");
}

/// An extension with whole-number fields of its own, one read through
/// `cascade_runner::scenario::whole` and one plain.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Doses {
    #[serde(deserialize_with = "cascade_runner::scenario::whole::u64")]
    doses: u64,
    plain: u64,
}

impl cascade_biology::model::Extension for Doses {
    type Event = cascade_biology::model::NoEvent;

    fn handle(
        &self,
        event: Self::Event,
        _: &mut cascade_biology::model::ExtensionContext<'_, '_, Self::Event>,
    ) -> Result<(), cascade_biology::CascadeError> {
        match event {}
    }
}

impl cascade_runner::ScenarioExtension for Doses {
    type FileEvent = cascade_biology::model::NoEvent;

    fn from_file(event: &Self::FileEvent) -> Self::Event {
        match *event {}
    }
}

/// An extension's whole-number field read through `whole::u64` takes an
/// exponent where the value is whole and refuses a fraction at the field;
/// a plain `u64` field's refusal of `1e6` says how to accept it.
#[test]
fn an_extension_field_takes_an_exponent_when_read_as_a_whole_number() {
    let scenario = |extension: &str| {
        format!(
            "Scenario(seed: 1, replicates: 1, stop_day: 1.0, organs: (preset: Mouse),\n\
             clones: [(name: \"B16\")],\n\
             injections: [(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 10)])],\n\
             extension: ({extension}))"
        )
    };
    let parse = |extension: &str| {
        cascade_runner::parse::<Doses>(&scenario(extension), Path::new("doses.ron"))
    };
    let accepted = parse("doses: 2.5e3, plain: 7").unwrap();
    assert_eq!(
        (accepted.file.extension.doses, accepted.file.extension.plain),
        (2500, 7)
    );
    let fraction = parse("doses: 2.5e-1").expect_err("a fraction").to_string();
    assert!(fraction.contains("doses.ron:4:"), "{fraction}");
    assert!(fraction.contains("has a fraction"), "{fraction}");
    let plain = parse("plain: 1e6").expect_err("plain u64").to_string();
    assert!(plain.contains("doses.ron:4:"), "{plain}");
    assert!(
        plain.contains("cascade_runner::scenario::whole::u64"),
        "{plain}"
    );
}
