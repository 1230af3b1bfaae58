//! A lab's own mechanisms, as the runner crate's examples write them,
//! against their analytic laws: natural-killer clearance of circulating
//! cells (a fate of its own) and a pre-metastatic niche (a mark on arrival
//! and a multiplier). Each law is checked with a stated tolerance, and a
//! planted error in the hazard is shown to be caught by the same check.

#[allow(dead_code)]
#[path = "../../crates/runner/examples/natural_killers.rs"]
mod natural_killers;

#[allow(dead_code)]
#[path = "../../crates/runner/examples/premetastatic_niche.rs"]
mod premetastatic_niche;

use std::path::Path;

use cascade_biology::config::CascadeConfig;
use cascade_biology::kernel::{Seed, Time};
use cascade_biology::model::{
    CascadeEvent, Cell, Declarations, Extension, ExtensionContext, FateId,
};
use cascade_biology::{CascadeError, CloneId, simulation};
use cascade_runner::run::run_replicate;
use cascade_runner::{Scenario, ScenarioExtension};
use natural_killers::{KILLED_BY_NK, NaturalKillerEvent, NaturalKillers};
use premetastatic_niche::{NICHE_DIED_IN_VESSEL, NICHE_EXTRAVASATED, PremetastaticNiche};

const NK: &str = include_str!("../../crates/runner/examples/natural_killers.ron");
const NICHE: &str = include_str!("../../crates/runner/examples/premetastatic_niche.ron");

/// Tolerance of the share checks, in standard errors of a binomial share:
/// a correct model fails one check in about 150,000.
const Z: f64 = 4.5;

fn nk_scenario(replace: &[(&str, &str)]) -> Scenario<NaturalKillers> {
    let mut text = NK.to_string();
    for (from, to) in replace {
        assert!(text.contains(from), "{from:?} is not in the example");
        text = text.replace(from, to);
    }
    cascade_runner::parse::<NaturalKillers>(&text, Path::new("natural_killers.ron")).unwrap()
}

/// The scenario's file events, as the runner schedules them.
fn file_events(scenario: &Scenario<NaturalKillers>) -> Vec<(f64, NaturalKillerEvent)> {
    (scenario.file.events.iter())
        .map(|e| (e.day, NaturalKillers::from_file(&e.event)))
        .collect()
}

/// The passages through the blood of `clone`'s cells, and how many ended
/// in death in circulation and in NK clearance, over `replicates`
/// replicates of `config` with `extension` and `events` run to `horizon`.
fn passages<X: Extension>(
    config: &CascadeConfig,
    (extension, events): (&X, &[(f64, X::Event)]),
    clone: CloneId,
    replicates: u64,
    horizon: f64,
) -> (u64, u64, u64) {
    let (mut all, mut died, mut cleared) = (0, 0, 0);
    for r in 0..replicates {
        let seed = Seed::new(17).with_replicate(r);
        let mut sim = simulation(config.clone(), extension.clone(), seed).unwrap();
        let mut ctx = sim.context();
        for (day, event) in events {
            let event = CascadeEvent::User(event.clone());
            ctx.schedule_at(Time::new(*day).unwrap(), event).unwrap();
        }
        sim.run_until(Time::new(horizon).unwrap()).unwrap();
        // Cohort mode's counts, up to the horizon.
        let (model, mut ctx) = sim.model_and_context();
        model.settle(&mut ctx).unwrap();
        let state = sim.model().state();
        state.check_conservation().unwrap();
        let funnel = state.funnel().clone_total(clone);
        let nk: u64 = (config.organs.organs())
            .map(|(organ, _)| state.fate_count(KILLED_BY_NK, clone, organ))
            .sum();
        // Each passage ends in arrest, passage of the bed, death or
        // clearance.
        all += funnel.arrested + funnel.passed + funnel.died_in_circulation + nk;
        died += funnel.died_in_circulation;
        cleared += nk;
    }
    (all, died, cleared)
}

/// Whether `observed` of `trials` is within [`Z`] standard errors of the
/// probability `p`; the message says by how much.
fn share_within(observed: u64, trials: u64, p: f64, what: &str) -> Result<(), String> {
    let share = observed as f64 / trials as f64;
    if p == 0.0 {
        return match observed {
            0 => Ok(()),
            _ => Err(format!("{what}: {observed}/{trials}, expected none")),
        };
    }
    let se = (p * (1.0 - p) / trials as f64).sqrt();
    let z = (share - p) / se;
    if z.abs() <= Z {
        Ok(())
    } else {
        Err(format!(
            "{what}: {observed}/{trials} = {share:.4}, expected {p:.4} (z = {z:.1})"
        ))
    }
}

/// NK clearance against its law: a passage ends in clearance by the host
/// with probability (δ + k)/(δ + k + 1/τ), by NK cells with k/(δ + k +
/// 1/τ), for the clone `clone` with NK rate `k` per day.
fn nk_law<X: Extension>(
    config: &CascadeConfig,
    extension: (&X, &[(f64, X::Event)]),
    clone: CloneId,
    k: f64,
    horizon: f64,
) -> Result<(), String> {
    let delta = config.clones[clone.index()]
        .phenotype
        .circulation_death_rate;
    let arrival = 1.0 / config.transit_time;
    let (all, died, cleared) = passages(config, extension, clone, 4, horizon);
    let total = delta + k + arrival;
    share_within(
        died + cleared,
        all,
        (delta + k) / total,
        "cleared by the host",
    )?;
    share_within(cleared, all, k / total, "cleared by NK cells")
}

#[test]
fn nk_clearance_follows_the_competing_risk_law() {
    // Day-0 injection only, no immunotherapy: NK activity 1, k = 20.
    let scenario = nk_scenario(&[
        (
            "(day: 2.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "",
        ),
        ("(day: 1.0, event: ImmunotherapyGiven(activity: 3.0)),", ""),
    ]);
    let (config, events) = (&scenario.config, file_events(&scenario));
    let nk = (&scenario.file.extension, &events[..]);
    nk_law(config, nk, CloneId(0), 20.0, 0.5).unwrap();
    // The clone NK cells cannot see dies at the model's rate alone.
    nk_law(config, nk, CloneId(1), 0.0, 0.5).unwrap();
}

/// In cohort mode a fate that kills is an absorbing state of the cells'
/// chain, counted for every cell (`passed` is not, for the doomed ones):
/// of the cells' ends in the blood, the share by NK cells is k/(δ + k).
fn nk_share_of_deaths<X: Extension>(
    config: &CascadeConfig,
    extension: (&X, &[(f64, X::Event)]),
    clone: CloneId,
    k: f64,
) -> Result<(), String> {
    let delta = config.clones[clone.index()]
        .phenotype
        .circulation_death_rate;
    let (_, died, cleared) = passages(config, extension, clone, 4, 0.5);
    share_within(
        cleared,
        died + cleared,
        k / (delta + k),
        "NK share of deaths",
    )
}

#[test]
fn nk_clearance_in_cohort_mode_follows_the_law_and_a_planted_error_is_caught() {
    let scenario = nk_scenario(&[
        (
            "(day: 2.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "",
        ),
        ("(day: 1.0, event: ImmunotherapyGiven(activity: 3.0)),", ""),
        (
            "    transit_time: 0.01,",
            "    transit_time: 0.01,\n    pools: Cohorts,",
        ),
    ]);
    let config = &scenario.config;
    let nk = (&scenario.file.extension, &[][..]);
    nk_share_of_deaths(config, nk, CloneId(0), 20.0).unwrap();
    nk_share_of_deaths(config, nk, CloneId(1), 0.0).unwrap();
    let planted = Planted(scenario.file.extension.clone());
    let error = nk_share_of_deaths(config, (&planted, &[]), CloneId(0), 20.0).unwrap_err();
    assert!(error.contains("NK share"), "{error}");
}

#[test]
fn immunotherapy_raises_nk_clearance_for_the_cells_it_reaches() {
    // Cells injected on day 2, a day after the dose: activity 3, k = 60.
    let scenario = nk_scenario(&[(
        "(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
        "",
    )]);
    let (config, events) = (&scenario.config, file_events(&scenario));
    let nk = (&scenario.file.extension, &events[..]);
    nk_law(config, nk, CloneId(0), 60.0, 2.5).unwrap();
    // After the dose wanes (waning_days: 0.5), activity is 1 again.
    let waned = nk_scenario(&[
        (
            "(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "",
        ),
        ("waning_days: 7.0", "waning_days: 0.5"),
    ]);
    let events = file_events(&waned);
    let nk = (&waned.file.extension, &events[..]);
    nk_law(&waned.config, nk, CloneId(0), 20.0, 2.5).unwrap();
}

/// NK cells with a planted error: the hazard is 1.5 times what the
/// parameters say.
#[derive(Clone, Debug)]
struct Planted(NaturalKillers);

impl Extension for Planted {
    type Event = NaturalKillerEvent;

    fn declare(&self, declarations: &mut Declarations) {
        self.0.declare(declarations)
    }

    fn hazard(&self, fate: FateId, cell: &Cell<'_>) -> f64 {
        1.5 * self.0.hazard(fate, cell)
    }

    fn handle(
        &self,
        event: NaturalKillerEvent,
        context: &mut ExtensionContext<'_, '_, NaturalKillerEvent>,
    ) -> Result<(), CascadeError> {
        self.0.handle(event, context)
    }
}

#[test]
fn a_planted_error_in_the_hazard_is_caught_by_the_law() {
    let scenario = nk_scenario(&[
        (
            "(day: 2.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "",
        ),
        ("(day: 1.0, event: ImmunotherapyGiven(activity: 3.0)),", ""),
    ]);
    let planted = Planted(scenario.file.extension.clone());
    let error = nk_law(&scenario.config, (&planted, &[]), CloneId(0), 20.0, 0.5).unwrap_err();
    assert!(error.contains("cleared by"), "{error}");
}

#[test]
fn nk_kills_are_a_column_of_their_own_in_the_tables_and_the_summary() {
    let scenario = nk_scenario(&[("replicates: 2", "replicates: 1")]);
    let output = run_replicate(&scenario, 11, 0, true).unwrap();
    let killed = output.record.fates[0].clone();
    assert_eq!(killed.0, "killed_by_nk");
    assert!(killed.1 > 0, "{killed:?}");
    assert_eq!(
        output.record.counters,
        vec![("immunotherapy_doses".into(), 1)]
    );
    use cascade_runner::schema::{FUNNEL, SUMMARY, Value};
    let schemas = cascade_runner::schema::schemas(&cascade_runner::run::declarations(&scenario));
    let funnel_header = schemas[FUNNEL].csv_header();
    assert!(funnel_header.ends_with(",killed_by_nk"), "{funnel_header}");
    let columns = schemas[FUNNEL].columns.len();
    // Every funnel row has the column, and the resistant clone's is 0.
    let rows = &output.tables[FUNNEL];
    for (k, row) in rows.iter().enumerate() {
        schemas[FUNNEL].check(row, k).unwrap();
        assert_eq!(row.len(), columns);
    }
    let in_lung = |clone: &str| {
        let row = rows
            .iter()
            .find(|r| r[1] == Value::text("lung") && r[2] == Value::text(clone))
            .unwrap();
        match row.last() {
            Some(Value::Count(n)) => *n,
            other => panic!("{other:?}"),
        }
    };
    assert!(in_lung("B16") > 0);
    assert_eq!(in_lung("B16-escape"), 0);
    let summary_header = schemas[SUMMARY].csv_header();
    assert!(
        summary_header.ends_with(",killed_by_nk,immunotherapy_doses"),
        "{summary_header}"
    );
    let summary_row = &output.tables[SUMMARY][0];
    schemas[SUMMARY].check(summary_row, 0).unwrap();
    assert_eq!(
        summary_row[summary_row.len() - 2..],
        [Value::Count(killed.1), Value::Count(1)]
    );
    let summary = cascade_runner::summary::Summary::new(
        "natural_killers.ron",
        11,
        &scenario.config,
        &[output.record],
    )
    .to_json();
    assert!(summary.contains("\"killed_by_nk\""), "{summary}");
    assert!(summary.contains("\"immunotherapy_doses\""), "{summary}");
}

/// Checks (or blesses) the golden file of the runner's example `name`,
/// and that it holds the column `column`.
fn example_golden<X: ScenarioExtension>(name: &str, column: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let examples = root.join("crates/runner/examples");
    let golden_dir = root.join("tests/golden/examples");
    let report = cascade_runner::golden::check_files::<X>(
        &examples,
        &[examples.join(name)],
        &golden_dir,
        cascade_runner::golden::bless_requested(),
    )
    .unwrap();
    assert!(report.failures.is_empty(), "{report}");
    let golden = std::fs::read_to_string(golden_dir.join(format!("{name}.golden"))).unwrap();
    assert!(golden.contains(&format!("\"{column}\"")), "{golden}");
    golden
}

#[test]
fn the_niche_example_matches_its_golden_file() {
    example_golden::<PremetastaticNiche>("premetastatic_niche.ron", "niche_extravasated");
}

#[test]
fn the_nk_example_matches_its_golden_file() {
    let golden = example_golden::<NaturalKillers>("natural_killers.ron", "killed_by_nk");
    assert!(
        golden.contains("extension NaturalKillers 1.0.0"),
        "{golden}"
    );
}

#[test]
fn a_file_cannot_schedule_the_extensions_internal_events() {
    let text = NK.replace(
        "event: ImmunotherapyGiven(activity: 3.0)",
        "event: ImmunotherapyWaned",
    );
    let error = cascade_runner::parse::<NaturalKillers>(&text, Path::new("x.ron"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("events[0].event"), "{error}");
    assert!(error.contains("ImmunotherapyGiven"), "{error}");
}

#[test]
fn a_resistant_clone_that_is_not_the_scenarios_is_placed_in_the_file() {
    let text = NK.replace(
        "resistant_clones: [\"B16-escape\"]",
        "resistant_clones: [\"B16-escap\"]",
    );
    refused_at::<NaturalKillers>(
        &text,
        "B16-escap\"]",
        "extension.resistant_clones[0]",
        "\"B16-escape\"",
    );
}

/// Parses `text`, which must be refused at `field` on the line holding
/// `needle`, with a message that holds `expected`.
fn refused_at<X: ScenarioExtension>(text: &str, needle: &str, field: &str, expected: &str) {
    let error = cascade_runner::parse::<X>(text, Path::new("x.ron")).unwrap_err();
    assert_eq!(error.field, field, "{error}");
    let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
    assert!(error.message.contains(expected), "{error}");
}

fn niche_scenario(replace: &[(&str, &str)]) -> Scenario<PremetastaticNiche> {
    let mut text = NICHE.to_string();
    for (from, to) in replace {
        assert!(text.contains(from), "{from:?} is not in the example");
        text = text.replace(from, to);
    }
    cascade_runner::parse::<PremetastaticNiche>(&text, Path::new("niche.ron")).unwrap()
}

#[test]
fn cells_arriving_in_the_niche_extravasate_more_and_the_others_as_before() {
    let scenario = niche_scenario(&[("cells: [(\"B16\", 4000)]", "cells: [(\"B16\", 8000)]")]);
    let config = &scenario.config;
    let lung = config.organs.id("lung").unwrap();
    let organ = config.organs.organ(lung);
    let (e, d) = (organ.extravasation_rate, organ.arrested_death_rate);
    let f = scenario.file.extension.extravasation_factor;
    let (mut niche_out, mut niche_in) = (0, 0);
    let (mut before_out, mut before_in) = (0, 0);
    for r in 0..4 {
        let mut sim = simulation(
            config.clone(),
            scenario.file.extension.clone(),
            Seed::new(23).with_replicate(r),
        )
        .unwrap();
        sim.run_until(Time::new(4.0).unwrap()).unwrap();
        let state = sim.model().state();
        state.check_conservation().unwrap();
        let funnel = state.funnel().organ(lung);
        let marked_out = state.counter(NICHE_EXTRAVASATED);
        let marked_died = state.counter(NICHE_DIED_IN_VESSEL);
        niche_out += marked_out;
        niche_in += marked_out + marked_died;
        before_out += funnel.extravasated - marked_out;
        before_in += funnel.extravasated - marked_out + funnel.died_in_vessel - marked_died;
    }
    share_within(niche_out, niche_in, f * e / (f * e + d), "in the niche").unwrap();
    share_within(before_out, before_in, e / (e + d), "outside the niche").unwrap();
}

#[test]
fn a_niche_in_an_organ_that_is_not_the_scenarios_is_placed_in_the_file() {
    let text = NICHE.replace("organ: \"lung\"", "organ: \"lungs\"");
    refused_at::<PremetastaticNiche>(
        &text,
        "\"lungs\"",
        "extension.organ",
        "did you mean \"lung\"?",
    );
}

/// The NK example with a sweep section of `axes` (RON) added.
fn nk_sweep(axes: &str) -> Result<Scenario<NaturalKillers>, cascade_runner::ScenarioError> {
    let text = NK.replacen(
        "    events: [",
        &format!("    sweep: (axes: [{axes}]),\n    events: ["),
        1,
    );
    cascade_runner::parse::<NaturalKillers>(&text, Path::new("nk_sweep.ron"))
}

#[test]
fn an_extensions_parameter_is_a_sweep_axis() {
    let scenario =
        nk_sweep("(parameter: \"extension.clearance_rate\", values: [0, 10, 40])").unwrap();
    let grid = cascade_runner::sweep::grid(&scenario).unwrap();
    assert_eq!(grid.points(), 3);
    let rates: Vec<f64> = (0..3)
        .map(|p| {
            let point = cascade_runner::sweep::scenario_at(&scenario, &grid, p).unwrap();
            point.file.extension.clearance_rate
        })
        .collect();
    assert_eq!(rates, vec![0.0, 10.0, 40.0]);
    // The point's extension is validated as the file's is.
    let negative = nk_sweep("(parameter: \"extension.clearance_rate\", values: [1, -1])").unwrap();
    let grid = cascade_runner::sweep::grid(&negative).unwrap();
    let error = cascade_runner::sweep::scenario_at(&negative, &grid, 1).unwrap_err();
    assert!(error.contains("point 1"), "{error}");
    assert!(error.contains("clearance_rate"), "{error}");
    assert!(error.contains("finite number >= 0"), "{error}");
}

#[test]
fn a_sweep_axis_naming_no_parameter_of_the_extension_lists_those_it_has() {
    let error = nk_sweep("(parameter: \"extension.clearance\", values: [1, 2])").unwrap_err();
    assert_eq!(error.field, "sweep.axes[0].parameter", "{error}");
    assert!(
        error.message.contains("extension.clearance_rate"),
        "{error}"
    );
    assert!(error.message.contains("extension.waning_days"), "{error}");
}

#[test]
fn a_run_directory_carries_the_extensions_columns() {
    let dir = crate::run::scratch("mechanisms-run");
    let path = dir.join("natural_killers.ron");
    std::fs::write(&path, NK.replace("replicates: 2", "replicates: 1")).unwrap();
    let out = dir.join("out");
    cascade_runner::cli::execute::<NaturalKillers>(cascade_runner::cli::Command::Run {
        file: path,
        seed: None,
        replicates: None,
        threads: Some(1),
        max_memory: None,
        out: Some(out.clone()),
        resume: false,
        format: cascade_runner::cli::Format::Json,
        set: Vec::new(),
        tables: cascade_runner::output::TableFormat::Csv,
    })
    .unwrap();
    let read = |file: &str| std::fs::read_to_string(out.join(file)).unwrap();
    let manifest = read("manifest.json");
    assert!(manifest.contains("\"extension_columns\""), "{manifest}");
    assert!(
        manifest.contains("\"name\": \"killed_by_nk\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("\"name\": \"immunotherapy_doses\""),
        "{manifest}"
    );
    let funnel = read("funnel.csv");
    assert!(
        funnel.lines().next().unwrap().ends_with(",killed_by_nk"),
        "{funnel}"
    );
    let summary = read("summary.json");
    assert!(summary.contains("\"killed_by_nk\""), "{summary}");
    let store = rusqlite::Connection::open(out.join("store.sqlite")).unwrap();
    let record: Vec<u8> = store
        .query_row(
            "SELECT record FROM cascade_units WHERE unit = 0",
            [],
            |row| row.get(0),
        )
        .unwrap();
    // The record's counters, by name.
    let name = b"immunotherapy_doses";
    assert!(record.windows(name.len()).any(|w| w == name), "{record:?}");
}

#[test]
fn check_refuses_cohort_mode_for_an_extension_with_marks_at_the_pools_field() {
    let text = NICHE.replacen("    organs:", "    pools: Cohorts,\n    organs:", 1);
    refused_at::<PremetastaticNiche>(&text, "pools: Cohorts", "pools", "PerCell");
}

/// NK cells whose fate takes the name of a column the tables have.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Colliding(NaturalKillers);

impl Extension for Colliding {
    type Event = NaturalKillerEvent;

    fn declare(&self, declarations: &mut Declarations) {
        declarations.fate(
            "seed",
            cascade_biology::model::Compartment::InTransit,
            cascade_biology::model::Outcome::Died,
        );
    }

    fn handle(
        &self,
        event: NaturalKillerEvent,
        context: &mut ExtensionContext<'_, '_, NaturalKillerEvent>,
    ) -> Result<(), CascadeError> {
        self.0.handle(event, context)
    }
}

impl ScenarioExtension for Colliding {
    type FileEvent = natural_killers::ImmunotherapyEvent;

    fn from_file(event: &Self::FileEvent) -> NaturalKillerEvent {
        NaturalKillers::from_file(event)
    }
}

#[test]
fn a_fate_named_like_a_column_of_the_tables_is_refused_at_check() {
    let text = NK.replace(
        "extension: (clearance_rate: 20.0, waning_days: 7.0, resistant_clones: [\"B16-escape\"]),",
        "extension: ((clearance_rate: 20.0)),",
    );
    let error = cascade_runner::parse::<Colliding>(&text, Path::new("x.ron")).unwrap_err();
    assert_eq!(error.field, "extension", "{error}");
    assert!(error.message.contains("\"seed\""), "{error}");
}

#[test]
fn a_later_dose_keeps_nk_activity_up_after_the_first_wanes() {
    // Doses on days 1 and 1.5, each acting for a day: activity 3 until day
    // 2.5, so cells injected on day 2 meet k = 60.
    let scenario = nk_scenario(&[
        (
            "(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "",
        ),
        ("waning_days: 7.0", "waning_days: 1.0"),
        (
            "(day: 1.0, event: ImmunotherapyGiven(activity: 3.0)),",
            "(day: 1.0, event: ImmunotherapyGiven(activity: 3.0)),\n        (day: 1.5, event: ImmunotherapyGiven(activity: 3.0)),",
        ),
    ]);
    let events = file_events(&scenario);
    let nk = (&scenario.file.extension, &events[..]);
    nk_law(&scenario.config, nk, CloneId(0), 60.0, 2.4).unwrap();
}

#[test]
fn a_sweep_over_the_nk_rate_reports_the_kills_per_point() {
    let dir = crate::run::scratch("mechanisms-sweep");
    let path = dir.join("nk_sweep.ron");
    let text = NK.replace("replicates: 2", "replicates: 1").replacen(
        "    events: [",
        "    sweep: (axes: [(parameter: \"extension.clearance_rate\", values: [0, 40])]),\n    events: [",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let out = dir.join("out");
    cascade_runner::cli::execute::<NaturalKillers>(cascade_runner::cli::Command::Sweep {
        file: path,
        seed: None,
        replicates: None,
        shard: None,
        threads: Some(1),
        max_memory: None,
        out: Some(out.clone()),
        resume: false,
        format: cascade_runner::output::TableFormat::Csv,
    })
    .unwrap();
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let mut lines = points.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|&c| c == "killed_by_nk_mean")
        .expect("the column");
    let kills: Vec<f64> = lines
        .map(|l| l.split(',').nth(column).unwrap().parse().unwrap())
        .collect();
    assert_eq!(kills.len(), 2, "{points}");
    assert_eq!(kills[0], 0.0, "{points}");
    assert!(kills[1] > 100.0, "{points}");
    assert!(header.contains(&"immunotherapy_doses_mean"), "{points}");
}

#[test]
fn nk_cells_clear_the_cells_of_clumps_by_the_same_law() {
    // The day-0 injection as clumps of 4 cells: each cell of a clump in
    // transit meets NK clearance as a single cell does, and a passage of
    // the clump ends for it with the same competing risks.
    let scenario = nk_scenario(&[
        (
            "(day: 2.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "",
        ),
        (
            "(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)]),",
            "(day: 0.0, vein: \"tail_vein\", cells: [(\"B16\", 2000), (\"B16-escape\", 2000)], clump_size: 4),",
        ),
        ("(day: 1.0, event: ImmunotherapyGiven(activity: 3.0)),", ""),
    ]);
    assert!(scenario.config.injections[0].clumps_of().is_some());
    let (config, events) = (&scenario.config, file_events(&scenario));
    let nk = (&scenario.file.extension, &events[..]);
    nk_law(config, nk, CloneId(0), 20.0, 0.5).unwrap();
    nk_law(config, nk, CloneId(1), 0.0, 0.5).unwrap();
}
