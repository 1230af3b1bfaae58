//! One replicate of a scenario: run it, check it, and turn its state into
//! records and table rows.
//!
//! Replicate `r` of seed `s` runs on the kernel's streams keyed by
//! `(s, r, purpose)`, so its result depends on nothing but the scenario,
//! `s` and `r`: not on how many replicates run, in what order, or on how
//! many threads.

use core::fmt;

use cascade_biology::model::{
    CascadeEvent, ClumpStage, Compartment, CounterId, Declarations, FateId, SiteKind,
};
use cascade_biology::observables::{Funnel, Occasion};
use cascade_biology::therapy::DrugId;
use cascade_biology::{Cascade, CascadeState, OrganId, simulation};
use cascade_kernel::{RunLimits, Seed, Simulation, StopReason, Time, TraceDigest};
use serde::{Deserialize, Serialize};

use crate::scenario::sequencing::{ExtinctLeaves, Sampling};
use crate::scenario::{Scenario, ScenarioExtension};
use crate::schema::{self, Row, TABLES, Value, funnel_counts};
use crate::trees;

/// Why a replicate could not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// The model could not be set up or a handler failed.
    Model(String),
    /// The state broke an invariant: a bug, reported rather than written.
    Invariant(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Model(m) => write!(f, "the model failed: {m}"),
            RunError::Invariant(m) => write!(f, "an invariant was broken (a bug): {m}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Living cells at the end of a replicate, by where they are.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellCounts {
    /// In the primary tumour.
    pub primary: u64,
    /// In metastases.
    pub metastatic: u64,
    /// Solitary, not dormant, in the parenchyma.
    pub solitary: u64,
    /// Dormant solitary cells.
    pub dormant: u64,
    /// Arrested in capillary beds, single or in clumps.
    pub arrested: u64,
    /// In the blood, single or in clumps.
    pub circulating: u64,
}

impl CellCounts {
    /// The counts in field order: primary, metastatic, solitary, dormant,
    /// arrested, circulating (the order of `summary.csv`'s columns and of
    /// the store's record).
    pub fn in_order(&self) -> [u64; 6] {
        [
            self.primary,
            self.metastatic,
            self.solitary,
            self.dormant,
            self.arrested,
            self.circulating,
        ]
    }

    /// Living cells anywhere.
    pub fn total(&self) -> u64 {
        self.in_order().iter().sum()
    }
}

/// What a replicate's summary is computed from: small, and written next to
/// its tables so that a resumed run can rebuild the summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicateRecord {
    /// The replicate index.
    pub replicate: u64,
    /// The trace digest (FNV-1a 128 over every event).
    pub digest: String,
    /// Events dispatched.
    pub events: u64,
    /// `stop_day`; `max_events` if the guard cut it short; `relapse` if the
    /// scenario ends a replicate at its first relapse and it relapsed.
    pub stopped_by: String,
    /// The simulated day it ended at.
    pub end_day: f64,
    /// The funnel over every clone and organ.
    pub funnel: Funnel,
    /// Living metastases at the end, per organ (organ order).
    pub metastases: Vec<u64>,
    /// Living macrometastases at the end, per organ.
    pub macrometastases: Vec<u64>,
    /// Colonies counted at each harvest, per organ.
    pub harvest_colonies: Vec<Vec<u64>>,
    /// First day a metastasis was detectable.
    pub first_detection_day: Option<f64>,
    /// Living cells at the end.
    pub cells: CellCounts,
    /// Clones that ever existed (founders and mutants).
    pub clones: u64,
    /// What therapy left, for a scenario with therapy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub therapy: Option<TherapyOutcome>,
    /// The extension's fates, by name in order of declaration: the cells
    /// that met each, over clones and organs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fates: Vec<(String, u64)>,
    /// The extension's counters, by name in order of declaration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<(String, u64)>,
}

/// What therapy left at the end of a replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TherapyOutcome {
    /// No living cell anywhere: sites, pools (dormant cells counted) and
    /// clumps.
    pub cured: bool,
    /// The first surgery or dose.
    pub started_day: Option<f64>,
    /// The first relapse: a site below the detectable size after therapy
    /// began grew back to it.
    pub relapse_day: Option<f64>,
    /// Metastases at or above the detection size just before the surgery;
    /// `None` without a surgery.
    pub detectable_at_surgery: Option<u64>,
    /// The first relapse by the clinical definition: a detection after a
    /// surgery that found no metastasis at the detection size. `None`
    /// without a surgery, when one was detectable at it, or when none was
    /// detected after it.
    pub relapse_after_clear_surgery_day: Option<f64>,
    /// Living cells resistant to each drug (drug order).
    pub resistant_cells: Vec<u64>,
}

impl TherapyOutcome {
    /// Whether a surgery found no metastasis at the detection size: the
    /// replicates the clinical definition of relapse is counted over.
    pub fn clear_at_surgery(&self) -> bool {
        self.detectable_at_surgery == Some(0)
    }
}

/// A finished replicate: its record and its tables' rows, typed.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicateOutput {
    /// The record.
    pub record: ReplicateRecord,
    /// Rows per table, in [`TABLES`] order, each of the columns of
    /// [`schemas`](crate::schema::schemas) for the run's declarations
    /// (empty for a replicate run without rows).
    pub tables: Vec<Vec<Row>>,
}

impl ReplicateOutput {
    /// Puts `prefix` in front of every row of every table: a sweep's
    /// point ([`schema::point_values`]), for the tables of
    /// [`schema::sweep_schemas`].
    pub fn prefix_rows(&mut self, prefix: &[Value]) {
        for row in self.tables.iter_mut().flatten() {
            row.splice(0..0, prefix.iter().cloned());
        }
    }
}

/// What the extension of `scenario` declares (the columns it adds).
pub fn declarations<X: ScenarioExtension>(scenario: &Scenario<X>) -> Declarations {
    let mut declarations = Declarations::default();
    scenario.file.extension.declare(&mut declarations);
    declarations
}

/// A replicate that ran to its end: the simulation (so its final state)
/// and how it ended.
pub struct Finished<X: ScenarioExtension> {
    /// The simulation at its end; `simulation.model().state()` is the
    /// final state.
    pub simulation: Simulation<Cascade<X>>,
    /// The trace digest over every dispatched event.
    pub digest: TraceDigest,
    /// `stop_day`, `max_events` or `model`.
    pub stopped_by: &'static str,
}

impl<X: ScenarioExtension> Finished<X> {
    /// The final state.
    pub fn state(&self) -> &CascadeState {
        self.simulation.model().state()
    }
}

/// A replicate whose simulated time stands still for this many events in a
/// row ends with an error naming the day and the event (the Zeno guard at
/// run time: the waits of some place vanish against the clock). No
/// shipped scenario has more than a few thousand events at one instant.
pub const STALL_EVENTS: u64 = 1_000_000;

/// The trace digest, and what a stall's message needs: the last event
/// dispatched at the current instant, once the instant has held
/// [`STALL_EVENTS`] events.
struct Watch<E> {
    digest: TraceDigest,
    at: Option<Time>,
    in_a_row: u64,
    last: Option<E>,
}

impl<E> Watch<E> {
    fn new() -> Self {
        Watch {
            digest: TraceDigest::new(),
            at: None,
            in_a_row: 0,
            last: None,
        }
    }
}

impl<E: cascade_kernel::TraceEvent + Clone> cascade_kernel::Observer<E> for Watch<E> {
    fn observe(&mut self, now: Time, event: &E) {
        self.digest.observe(now, event);
        if self.at == Some(now) {
            self.in_a_row += 1;
            if self.in_a_row == STALL_EVENTS {
                self.last = Some(event.clone());
            }
        } else {
            self.at = Some(now);
            self.in_a_row = 1;
        }
    }
}

/// The message of a replicate stopped by [`STALL_EVENTS`].
fn stalled(now: Time, last: &str) -> String {
    let day = now.days();
    format!(
        "simulated time stood still at day {day} for {STALL_EVENTS} events in a row (the last: \
         {last}): their waits are shorter than the clock resolves at that day (about {:e} \
         days), so the run would never reach stop_day; a place's total rate is too large for \
         single events (a site or pool of very many cells: mode: Stepped, pools: Cohorts) or \
         an extension changed a rate by too much",
        day * f64::EPSILON
    )
}

/// Runs replicate `replicate` of `scenario` under `seed` to its end and
/// checks conservation: the building block of [`run_replicate`] and of
/// analyses that need more of the final state than the record keeps (the
/// validation suite).
///
/// # Errors
///
/// [`RunError`] if the model fails or breaks conservation.
pub fn simulate<X: ScenarioExtension>(
    scenario: &Scenario<X>,
    seed: u64,
    replicate: u64,
) -> Result<Finished<X>, RunError> {
    let file = &scenario.file;
    let key = Seed::new(seed).with_replicate(replicate);
    let mut sim = simulation(scenario.config.clone(), file.extension.clone(), key)
        .map_err(|e| RunError::Model(format!("{e:?}")))?;
    {
        let mut ctx = sim.context();
        for event in &file.events {
            let day = Time::new(event.day).map_err(|e| RunError::Model(e.to_string()))?;
            ctx.schedule_at(day, CascadeEvent::User(X::from_file(&event.event)))
                .map_err(|e| RunError::Model(e.to_string()))?;
        }
    }
    sim.model_mut()
        .state_mut()
        .set_memory_budget(Some(scenario.memory_budget));
    let horizon = Time::new(file.stop_day).map_err(|e| RunError::Model(e.to_string()))?;
    let mut limits = RunLimits::until(horizon).with_stall_limit(STALL_EVENTS);
    if let Some(max) = file.max_events {
        limits = limits.with_max_events(max);
    }
    let mut watch = Watch::new();
    let stop = sim
        .run(limits, &mut watch)
        .map_err(|e| RunError::Model(e.to_string()))?;
    if stop == StopReason::TimeStalled {
        let last = watch
            .last
            .as_ref()
            .map_or_else(String::new, |e| sim.model().state().describe_event(e));
        return Err(RunError::Model(stalled(sim.now(), &last)));
    }
    let digest = watch.digest;
    {
        // Cohort mode keeps the doomed cells as counts: up to the end.
        let (model, mut ctx) = sim.model_and_context();
        model
            .settle(&mut ctx)
            .map_err(|e| RunError::Model(e.to_string()))?;
    }
    let stopped_by = match stop {
        StopReason::EventLimitReached => "max_events",
        StopReason::StoppedByModel if sim.model().state().stopped_at_relapse() => "relapse",
        StopReason::StoppedByModel => "model",
        StopReason::QueueEmpty | StopReason::TimeLimitReached => "stop_day",
        StopReason::TimeStalled => unreachable!("a stalled run is an error above"),
    };
    sim.model()
        .state()
        .check_conservation()
        .map_err(RunError::Invariant)?;
    Ok(Finished {
        simulation: sim,
        digest,
        stopped_by,
    })
}

/// Runs replicate `replicate` of `scenario` under `seed` and returns its
/// outputs; with `rows == false` only the record (for `digest`).
///
/// # Errors
///
/// [`RunError`] if the model fails or breaks conservation.
pub fn run_replicate<X: ScenarioExtension>(
    scenario: &Scenario<X>,
    seed: u64,
    replicate: u64,
    rows: bool,
) -> Result<ReplicateOutput, RunError> {
    let finished = simulate(scenario, seed, replicate)?;
    let end_day = finished.simulation.now().days();
    let state = finished.state();
    let record = record(
        state,
        replicate,
        finished.digest,
        finished.stopped_by,
        end_day,
    );
    let tables = if rows {
        let sequencing = (
            scenario.file.sampling,
            scenario.file.clone_tree.extinct_leaves,
        );
        table_rows(state, seed, &record, sequencing)
    } else {
        Vec::new()
    };
    Ok(ReplicateOutput { record, tables })
}

fn record(
    state: &CascadeState,
    replicate: u64,
    digest: TraceDigest,
    stopped_by: &str,
    end_day: f64,
) -> ReplicateRecord {
    let config = state.config();
    let organs = config.organs.len();
    let mut metastases = vec![0; organs];
    let mut macrometastases = vec![0; organs];
    let mut cells = CellCounts::default();
    for site in state.sites() {
        match site.kind {
            SiteKind::Primary => cells.primary += site.size,
            SiteKind::Metastasis => {
                cells.metastatic += site.size;
                if site.size > 0 {
                    metastases[site.organ.index()] += 1;
                    if site.size >= config.macrometastasis_size {
                        macrometastases[site.organ.index()] += 1;
                    }
                }
            }
        }
    }
    for (key, count) in state.pools() {
        match key.compartment {
            Compartment::InTransit => cells.circulating += count,
            Compartment::Arrested => cells.arrested += count,
            Compartment::Solitary => cells.solitary += count,
            Compartment::Dormant => cells.dormant += count,
        }
    }
    for clump in state.clumps() {
        match clump.stage {
            ClumpStage::InTransit => cells.circulating += clump.size,
            ClumpStage::Arrested => cells.arrested += clump.size,
        }
    }
    ReplicateRecord {
        replicate,
        digest: digest.to_string(),
        events: digest.events(),
        stopped_by: stopped_by.to_string(),
        end_day,
        funnel: state.funnel().total(),
        metastases,
        macrometastases,
        harvest_colonies: state
            .harvests()
            .iter()
            .map(|h| h.organs.iter().map(|o| o.colonies).collect())
            .collect(),
        first_detection_day: state.first_detection().map(Time::days),
        cells,
        clones: state.lineage().len() as u64,
        therapy: therapy_outcome(state, &cells),
        fates: (state.declarations().fates.iter().enumerate())
            .map(|(i, f)| (f.name.clone(), state.fate_total(FateId(i as u16))))
            .collect(),
        counters: (state.declarations().counters.iter().enumerate())
            .map(|(i, name)| (name.clone(), state.counter(CounterId(i as u16))))
            .collect(),
    }
}

fn therapy_outcome(state: &CascadeState, cells: &CellCounts) -> Option<TherapyOutcome> {
    let therapy = &state.config().therapy;
    if therapy.is_empty() {
        return None;
    }
    Some(TherapyOutcome {
        cured: cells.total() == 0,
        started_day: state.therapy_started_at().map(Time::days),
        relapse_day: state.relapse().map(Time::days),
        detectable_at_surgery: state.detectable_at_surgery(),
        relapse_after_clear_surgery_day: (state.detectable_at_surgery() == Some(0))
            .then(|| state.detected_after_surgery().map(Time::days))
            .flatten(),
        resistant_cells: (0..therapy.drugs.len())
            .map(|d| state.resistant_cells(DrugId(d as u32)))
            .collect(),
    })
}

/// A count as a value.
fn count(n: impl Into<u64>) -> Value {
    Value::Count(n.into())
}

/// The rows of every table of [`TABLES`] (in its order) for the replicate
/// whose final state is `state`, run under `seed`, with record `record`:
/// the columns of [`schemas`](crate::schema::schemas) for the state's
/// declarations; `sequencing` is the scenario's `sampling` and
/// `clone_tree` options.
fn table_rows(
    state: &CascadeState,
    seed: u64,
    record: &ReplicateRecord,
    sequencing: (Option<Sampling>, ExtinctLeaves),
) -> Vec<Vec<Row>> {
    let config = state.config();
    let organs = &config.organs;
    let organ_name = |id: OrganId| Value::text(&organs.organ(id).name);
    let lineage = state.lineage();
    let clone_name = |id: cascade_biology::CloneId| Value::text(&lineage.name(id));
    let r = count(record.replicate);
    let mut tables: Vec<Vec<Row>> = vec![Vec::new(); TABLES.len()];

    let c = &record.cells;
    let mut summary = vec![
        r.clone(),
        count(seed),
        Value::text(&record.digest),
        count(record.events),
        Value::text(&record.stopped_by),
        Value::Day(record.end_day),
        Value::day_or_null(record.first_detection_day),
    ];
    summary.extend(funnel_counts(&record.funnel).map(Value::Count));
    summary.push(count(record.metastases.iter().sum::<u64>()));
    summary.extend(c.in_order().map(Value::Count));
    summary.push(count(record.clones));
    summary.extend((record.fates.iter().chain(&record.counters)).map(|&(_, n)| count(n)));
    tables[schema::SUMMARY].push(summary);

    for site in state.metastases() {
        tables[schema::METASTASES].push(vec![
            r.clone(),
            count(site.id.0),
            organ_name(site.organ),
            clone_name(site.founder),
            Value::Day(site.founded_at.days()),
            count(site.founding_cells),
            count(site.founding_clones),
            count(site.size),
            count(site.peak_size),
            count(site.cells.len() as u64),
            count(site.clones_ever),
            Value::day_or_null(site.detected_at.map(Time::days)),
            Value::day_or_null(site.macroscopic_at.map(Time::days)),
            Value::day_or_null(site.extinct_at.map(Time::days)),
            Value::day_or_null(site.vascularised_at.map(Time::days)),
        ]);
    }

    let funnel = state.funnel();
    let fates = state.declarations().fates.len();
    for (organ, _) in organs.organs() {
        for clone in lineage.iter() {
            let entry = funnel.entry(clone.id, organ);
            let met = |f: usize| state.fate_count(FateId(f as u16), clone.id, organ);
            if *entry != Funnel::default() || (0..fates).any(|f| met(f) > 0) {
                let mut row = vec![r.clone(), organ_name(organ), clone_name(clone.id)];
                row.extend(funnel_counts(entry).map(Value::Count));
                row.extend((0..fates).map(|f| count(met(f))));
                tables[schema::FUNNEL].push(row);
            }
        }
    }

    for harvest in state.harvests() {
        for (organ, _) in organs.organs() {
            let h = &harvest.organs[organ.index()];
            tables[schema::HARVESTS].push(vec![
                r.clone(),
                Value::Day(harvest.day),
                organ_name(organ),
                count(h.colonies),
                count(h.micrometastases),
                count(h.cells_in_metastases),
                count(h.solitary_cells),
                count(h.dormant_cells),
                count(h.arrested_cells),
                count(harvest.circulating_cells),
            ]);
        }
        for metastasis in &harvest.metastases {
            tables[schema::COLONY_SIZES].push(vec![
                r.clone(),
                Value::Day(harvest.day),
                organ_name(metastasis.organ),
                count(u64::from(metastasis.site)),
                count(metastasis.cells),
            ]);
        }
    }

    let primary_organ = config.primary.as_ref().map(|p| p.organ);
    for sample in state.burden() {
        for (organ, _) in organs.organs() {
            let primary = if primary_organ == Some(organ) {
                sample.primary_cells
            } else {
                0
            };
            tables[schema::TIMESERIES].push(vec![
                r.clone(),
                Value::Day(sample.day),
                organ_name(organ),
                count(primary),
                count(sample.metastatic_cells[organ.index()]),
                count(sample.solitary_cells[organ.index()]),
            ]);
        }
    }

    let alive = state.alive_by_clone();
    for clone in lineage.iter() {
        let ledger = state.ledger(clone.id);
        tables[schema::CLONES].push(vec![
            r.clone(),
            count(clone.id.0),
            Value::text(&lineage.name(clone.id)),
            Value::count_or_null(clone.parent.map(|p| u64::from(p.0))),
            Value::Day(clone.born_at.days()),
            count(alive[clone.id.index()]),
            count(ledger.killed),
            count(ledger.removed),
        ]);
    }

    for site in state.sites() {
        let kind = site_kind(site.kind);
        for &(clone, n) in &site.cells {
            tables[schema::SITE_CLONES].push(vec![
                r.clone(),
                count(site.id.0),
                Value::text(kind),
                organ_name(site.organ),
                clone_name(clone),
                count(n),
            ]);
        }
    }

    if let Some(t) = &record.therapy {
        tables[schema::THERAPY].push(vec![
            r.clone(),
            Value::day_or_null(t.started_day),
            Value::day_or_null(t.relapse_day),
            Value::count_or_null(t.detectable_at_surgery),
            Value::day_or_null(t.relapse_after_clear_surgery_day),
            Value::Boolean(t.cured),
            count(c.total()),
            count(c.dormant),
        ]);
        for (d, drug) in config.therapy.drugs.iter().enumerate() {
            let id = DrugId(d as u32);
            let clones = lineage
                .iter()
                .filter(|clone| alive[clone.id.index()] > 0 && state.is_resistant(clone.id, id))
                .count();
            tables[schema::RESISTANCE].push(vec![
                r.clone(),
                Value::text(&drug.name),
                count(t.resistant_cells[d]),
                count(clones as u64),
                Value::day_or_null(state.first_resistant_at(id).map(Time::days)),
                Value::count_or_null(state.resistant_at_first_dose(id)),
                Value::count_or_null(state.resistant_at_surgery(id)),
            ]);
        }
    }
    composition_rows(state, &r, &mut tables);
    arrival_rows(state, &r, &mut tables);
    migration_rows(state, &r, &mut tables);
    trees::tree_rows(state, sequencing, (&r, record.end_day), &mut tables);
    let end = state.census_now(Occasion::End, record.end_day);
    for census in state.solitary_census().iter().chain([&end]) {
        let (occasion, regimen, dose) = match census.occasion {
            Occasion::Surgery => ("surgery", None, None),
            Occasion::Dose { regimen, dose } => ("dose", Some(regimen), Some(dose)),
            Occasion::End => ("end", None, None),
        };
        for (organ, _) in organs.organs() {
            tables[schema::SOLITARY_CELLS].push(vec![
                r.clone(),
                Value::Day(census.day),
                Value::text(occasion),
                Value::count_or_null(regimen.map(u64::from)),
                Value::count_or_null(dose.map(u64::from)),
                organ_name(organ),
                count(census.solitary_cells[organ.index()]),
                count(census.dormant_cells[organ.index()]),
            ]);
        }
    }
    tables
}

/// The rows of `arrivals.csv`: every founding or joining of a lesion,
/// with where its cells came from.
fn arrival_rows(state: &CascadeState, r: &Value, tables: &mut [Vec<Row>]) {
    use cascade_biology::model::{ArrivalKind, Source};
    let organs = &state.config().organs;
    let lineage = state.lineage();
    for arrival in state.arrivals() {
        let source = arrival.origin.map(|o| o.source);
        let site = match source {
            Some(Source::Site(site)) => Some(u64::from(site.0)),
            _ => None,
        };
        let injection = match source {
            Some(Source::Injection(index)) => Some(u64::from(index)),
            _ => None,
        };
        let kind = match arrival.kind {
            ArrivalKind::Founded => "founded",
            ArrivalKind::Joined => "joined",
        };
        tables[schema::ARRIVALS].push(vec![
            r.clone(),
            count(arrival.site.0),
            Value::text(&organs.organ(arrival.organ).name),
            Value::text(&lineage.name(arrival.clone)),
            count(arrival.cells),
            Value::count_or_null(site),
            Value::count_or_null(injection),
            Value::day_or_null(arrival.origin.map(|o| o.shed_day)),
            Value::Day(arrival.day),
            Value::text(kind),
        ]);
    }
}

/// The rows of `migrations.csv` and `seeding.csv`: the migration graph of
/// the arrivals and its classification (`docs/migrations.md`).
fn migration_rows(state: &CascadeState, r: &Value, tables: &mut [Vec<Row>]) {
    use cascade_biology::model::Source;
    use cascade_biology::model::migrations::{Clonality, Topology, classify, migrations};
    let organs = &state.config().organs;
    let organ_name = |organ| Value::text(&organs.organ(organ).name);
    let lineage = state.lineage();
    let sites = state.sites();
    let edges = migrations(state.arrivals());
    for edge in &edges {
        let (site, injection) = match edge.source {
            Some(Source::Site(site)) => (Some(site), None),
            Some(Source::Injection(index)) => (None, Some(u64::from(index))),
            None => (None, None),
        };
        let source_organ = site.and_then(|s| sites.get(s.index())).map(|s| s.organ);
        tables[schema::MIGRATIONS].push(vec![
            r.clone(),
            Value::count_or_null(site.map(|s| u64::from(s.0))),
            source_organ.map_or(Value::Null, organ_name),
            Value::count_or_null(injection),
            count(edge.target.0),
            organ_name(edge.target_organ),
            Value::text(&lineage.name(edge.clone)),
            count(edge.founding_cells),
            count(edge.joining_cells),
            Value::Day(edge.first_day),
            Value::Day(edge.last_day),
        ]);
    }
    let primary = (sites.iter())
        .find(|s| s.kind == SiteKind::Primary)
        .map(|s| s.id);
    let seeding = classify(&edges, primary);
    let clonality = |c: Option<Clonality>| match c {
        Some(Clonality::Monoclonal) => Value::text("monoclonal"),
        Some(Clonality::Polyclonal) => Value::text("polyclonal"),
        None => Value::Null,
    };
    let sum = |part: fn(&cascade_biology::model::migrations::SiteSeeding) -> u64| {
        count(seeding.sites.iter().map(part).sum::<u64>())
    };
    let topology = match seeding.topology {
        Some(Topology::SingleSource) => Value::text("single-source"),
        Some(Topology::MultiSource) => Value::text("multi-source"),
        Some(Topology::Reseeding) => Value::text("reseeding"),
        None => Value::Null,
    };
    tables[schema::SEEDING].push(vec![
        r.clone(),
        Value::Null,
        Value::Null,
        sum(|s| s.founding_cells),
        sum(|s| s.joining_cells),
        sum(|s| s.self_seeding_cells),
        sum(|s| s.unknown_source_cells),
        count(seeding.clones as u64),
        count(seeding.sources as u64),
        clonality(seeding.clonality),
        topology,
        Value::Boolean(seeding.sites.iter().any(|s| s.reseeded)),
        Value::Boolean(seeding.metastasis_to_metastasis),
        seeding.pattern().map_or(Value::Null, |p| Value::text(&p)),
    ]);
    for site in &seeding.sites {
        let topology = match site.sources {
            0 => Value::Null,
            1 => Value::text("single-source"),
            _ => Value::text("multi-source"),
        };
        tables[schema::SEEDING].push(vec![
            r.clone(),
            count(site.site.0),
            organ_name(site.organ),
            count(site.founding_cells),
            count(site.joining_cells),
            count(site.self_seeding_cells),
            count(site.unknown_source_cells),
            count(site.clones as u64),
            count(site.sources as u64),
            clonality(site.clonality),
            topology,
            Value::Boolean(site.reseeded),
            Value::Boolean(site.seeded_by_metastasis),
            Value::Null,
        ]);
    }
}

/// The rows of `diversity.csv` and `composition.csv`: each observation's
/// sites and their clones above the observed share.
fn composition_rows(state: &CascadeState, r: &Value, tables: &mut [Vec<Row>]) {
    let organs = &state.config().organs;
    let lineage = state.lineage();
    for sample in state.composition() {
        for d in &sample.sites {
            let site = &state.sites()[d.site.index()];
            tables[schema::DIVERSITY].push(vec![
                r.clone(),
                Value::Day(sample.day),
                count(d.site.0),
                Value::text(site_kind(site.kind)),
                Value::text(&organs.organ(site.organ).name),
                count(d.cells),
                count(d.clones_alive),
                count(d.clones_ever),
                Value::Float(d.largest_share),
                Value::Float(d.shannon),
                Value::Float(d.simpson),
            ]);
        }
        for c in &sample.clones {
            tables[schema::COMPOSITION].push(vec![
                r.clone(),
                Value::Day(sample.day),
                count(c.site.0),
                Value::text(&lineage.name(c.clone)),
                count(c.clone.0),
                count(c.cells),
            ]);
        }
    }
}

/// How the tables name a site's kind.
fn site_kind(kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::Primary => "primary",
        SiteKind::Metastasis => "metastasis",
    }
}
