//! Scenario files: the RON schema, its defaults, and its resolution into a
//! validated [`CascadeConfig`].
//!
//! The schema types mirror `docs/scenarios.md`, which documents every field
//! with its unit, default and source. Every struct refuses unknown fields.
//! Organs, clones and veins are named in the file; resolution turns names
//! into ids and checks every value, and every error carries the file, line,
//! column and field path ([`ScenarioError`]).

pub mod report;
pub mod sequencing;
pub mod sweep;
pub mod whole;

use core::fmt;
use std::path::{Path, PathBuf};

use cascade_biology::clones::{GrowthRates, MutationEffect, OrganAffinity, Phenotype};
use cascade_biology::config::{
    CascadeConfig, ConfigError, ConstantRates, FoundingClone, GrowthLaw, Injection, MAX_CELLS,
    PrimaryTumour, Shedding, default_phenotype,
};
use cascade_biology::organs::{
    DrainSpec, GraphError, OrganSet, OrganSpec, RouteError, RouteSpec, VeinSpec, nearest,
};
use cascade_biology::therapy::{Drug, DrugId, Regimen, Surgery, Therapy};
pub use cascade_biology::therapy::{RegimenStart, SurgeryAt};
use cascade_biology::{CloneId, Extension};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::locate;

/// An extension the runner can drive from a scenario file: its parameters
/// are the file's `extension` field (default when absent) and its events
/// are scheduled by the file's `events` list.
///
/// Implement it for your own [`Extension`] and call
/// [`cli::main`](crate::cli::main) with your type from a binary of your own:
/// the scenario format, the outputs and the regression tests stay the same.
pub trait ScenarioExtension:
    Extension<Event: Send + Sync>
    + DeserializeOwned
    + Serialize
    + Default
    + Clone
    + Send
    + Sync
    + fmt::Debug
{
    /// The events a scenario file may schedule (its `events` list): a type
    /// of their own, so that a file cannot schedule the extension's
    /// internal events. [`NoEvent`](cascade_biology::model::NoEvent) for
    /// none.
    type FileEvent: DeserializeOwned + Clone + Send + Sync + fmt::Debug;

    /// The extension's event a file event becomes when it is scheduled.
    fn from_file(event: &Self::FileEvent) -> Self::Event;

    /// Checks the extension's parameters against the resolved model;
    /// errors name a field under `extension`.
    ///
    /// # Errors
    ///
    /// The first invalid field, with a path relative to `extension`.
    fn validate(&self, config: &CascadeConfig) -> Result<(), ConfigError> {
        let _ = config;
        Ok(())
    }

    /// Checks one of the scenario's `events` against the resolved model
    /// (an organ or a clone it names, a value out of range), so that
    /// `cascade check` refuses it with its place in the file instead of
    /// the run failing without one; errors name a field under the event
    /// (`organ` for `events[2].event.organ`), or an empty path for the
    /// event as a whole. Called for each event in order, after
    /// [`validate`](ScenarioExtension::validate) accepted the parameters.
    ///
    /// # Errors
    ///
    /// The first invalid field, with a path relative to the event.
    fn validate_event(
        &self,
        event: &Self::FileEvent,
        config: &CascadeConfig,
    ) -> Result<(), ConfigError> {
        let _ = (event, config);
        Ok(())
    }

    /// The extension's own version, recorded in the run's identity
    /// (`run.json`, the manifest), in golden files' headers and in
    /// `--version`: return your crate's `env!("CARGO_PKG_VERSION")`, or a
    /// string you change whenever a change to the extension moves results.
    /// `--resume` refuses a directory whose run was made with another
    /// version, so a changed extension's replicates are never mixed with
    /// the old one's. Empty by default (and for the plain `cascade`).
    fn version() -> &'static str {
        ""
    }
}

impl ScenarioExtension for cascade_biology::NoExtension {
    type FileEvent = cascade_biology::model::NoEvent;

    fn from_file(event: &Self::FileEvent) -> Self::Event {
        match *event {}
    }
}

/// The extension's name as people read it: its type's name without the
/// module path (`NoExtension`, `CirculationIntervention`); the whole type
/// name for a generic type.
pub fn extension_name<X: ScenarioExtension>() -> &'static str {
    let full = std::any::type_name::<X>();
    if full.contains('<') {
        full
    } else {
        full.rsplit("::").next().unwrap_or(full)
    }
}

/// `extension NAME` or `extension NAME VERSION`: what made a run or a
/// golden file, besides the `cascade` version.
pub fn extension_label<X: ScenarioExtension>() -> String {
    match X::version() {
        "" => format!("extension {}", extension_name::<X>()),
        version => format!("extension {} {version}", extension_name::<X>()),
    }
}

/// Which organ set a scenario starts from.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// The adult human set ([`OrganSet::human`]).
    #[default]
    Human,
    /// The mouse set for laboratory assays ([`OrganSet::mouse`]).
    Mouse,
    /// No organs: every organ comes from `add`.
    Empty,
}

/// The `organs` section: a preset, changes to its organs, organs added,
/// veins added.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrgansSection {
    /// The starting set.
    pub preset: Preset,
    /// Values set in every organ (the preset's and the added ones), before
    /// `change`.
    pub every: EveryOrgan,
    /// Changes to organs of the preset (or of `add`), by name.
    pub change: Vec<OrganChange>,
    /// Organs added after the preset's, in order.
    pub add: Vec<NewOrgan>,
    /// Veins added (entry points for injections).
    pub veins: Vec<NewVein>,
}

/// Where blood goes, with an organ named.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DrainTo {
    /// The capillary bed of the organ with this name.
    Organ(String),
    /// The arterial side (distribution by cardiac output share).
    Arterial,
}

/// A venous route of an organ: a bed its venous blood drains to, with the
/// share of the blood that goes there (`docs/scenarios.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoute {
    /// The bed: an organ by name, or the arterial side.
    pub to: DrainTo,
    /// The share of the organ's venous blood, in [0, 1].
    pub share: f64,
}

impl NewRoute {
    fn specs(routes: &[NewRoute]) -> Vec<RouteSpec> {
        routes
            .iter()
            .map(|route| RouteSpec {
                to: route.to.spec(),
                share: route.share,
            })
            .collect()
    }
}

impl DrainTo {
    fn spec(&self) -> DrainSpec {
        match self {
            DrainTo::Organ(name) => DrainSpec::Organ(name.clone()),
            DrainTo::Arterial => DrainSpec::Arterial,
        }
    }
}

/// A change to one organ: every field but `organ` is optional and replaces
/// the organ's value when given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct OrganChange {
    /// The organ's name.
    pub organ: String,
    pub cardiac_output_share: Option<f64>,
    pub drains_to: Option<DrainTo>,
    /// Every bed the organ's venous blood drains to, with shares summing
    /// to 1; `drains_to` is one of them.
    pub venous_routes: Option<Vec<NewRoute>>,
    pub arrest_probability: Option<f64>,
    pub extravasation_rate: Option<f64>,
    pub arrested_death_rate: Option<f64>,
    pub solitary_death_rate: Option<f64>,
    pub dormancy_entry_rate: Option<f64>,
    pub dormancy_exit_rate: Option<f64>,
    pub dormant_death_rate: Option<f64>,
    pub growth_multiplier: Option<f64>,
    pub solitary_division_multiplier: Option<f64>,
    pub carrying_capacity: Option<f64>,
}

/// Microenvironment values to set in every organ; each optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct EveryOrgan {
    pub arrest_probability: Option<f64>,
    pub extravasation_rate: Option<f64>,
    pub arrested_death_rate: Option<f64>,
    pub solitary_death_rate: Option<f64>,
    pub dormancy_entry_rate: Option<f64>,
    pub dormancy_exit_rate: Option<f64>,
    pub dormant_death_rate: Option<f64>,
    pub growth_multiplier: Option<f64>,
    pub solitary_division_multiplier: Option<f64>,
    pub carrying_capacity: Option<f64>,
}

impl EveryOrgan {
    /// Sets each value given in `spec`; the others stay.
    fn apply(&self, spec: &mut OrganSpec) {
        let set = |target: &mut f64, value: Option<f64>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut spec.arrest_probability, self.arrest_probability);
        set(&mut spec.extravasation_rate, self.extravasation_rate);
        set(&mut spec.arrested_death_rate, self.arrested_death_rate);
        set(&mut spec.solitary_death_rate, self.solitary_death_rate);
        set(&mut spec.dormancy_entry_rate, self.dormancy_entry_rate);
        set(&mut spec.dormancy_exit_rate, self.dormancy_exit_rate);
        set(&mut spec.dormant_death_rate, self.dormant_death_rate);
        set(&mut spec.growth_multiplier, self.growth_multiplier);
        set(
            &mut spec.solitary_division_multiplier,
            self.solitary_division_multiplier,
        );
        set(&mut spec.carrying_capacity, self.carrying_capacity);
    }
}

impl OrganChange {
    /// The microenvironment values this change sets.
    fn microenvironment(&self) -> EveryOrgan {
        EveryOrgan {
            arrest_probability: self.arrest_probability,
            extravasation_rate: self.extravasation_rate,
            arrested_death_rate: self.arrested_death_rate,
            solitary_death_rate: self.solitary_death_rate,
            dormancy_entry_rate: self.dormancy_entry_rate,
            dormancy_exit_rate: self.dormancy_exit_rate,
            dormant_death_rate: self.dormant_death_rate,
            growth_multiplier: self.growth_multiplier,
            solitary_division_multiplier: self.solitary_division_multiplier,
            carrying_capacity: self.carrying_capacity,
        }
    }
}

/// An organ added to the set. `name`, `cardiac_output_share` and
/// `drains_to` are required; the rest default to the placeholder values of
/// the preset's organs (`docs/scenarios.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct NewOrgan {
    pub name: String,
    pub cardiac_output_share: f64,
    pub drains_to: DrainTo,
    #[serde(default = "defaults::arrest")]
    pub arrest_probability: f64,
    #[serde(default = "defaults::extravasation")]
    pub extravasation_rate: f64,
    #[serde(default = "defaults::arrested_death")]
    pub arrested_death_rate: f64,
    #[serde(default = "defaults::solitary_death")]
    pub solitary_death_rate: f64,
    #[serde(default = "defaults::dormancy_entry")]
    pub dormancy_entry_rate: f64,
    #[serde(default = "defaults::dormancy_exit")]
    pub dormancy_exit_rate: f64,
    #[serde(default = "defaults::dormant_death")]
    pub dormant_death_rate: f64,
    #[serde(default = "defaults::one")]
    pub growth_multiplier: f64,
    #[serde(default = "defaults::one")]
    pub solitary_division_multiplier: f64,
    #[serde(default = "defaults::capacity")]
    pub carrying_capacity: f64,
    /// Every bed its venous blood drains to, with shares summing to 1
    /// (empty, the default: all of it to `drains_to`).
    #[serde(default)]
    pub venous_routes: Vec<NewRoute>,
}

/// A vein added to the set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVein {
    /// Its name.
    pub name: String,
    /// Where it leads.
    pub leads_to: DrainTo,
}

/// Growth rates of a clone, each optional (for `in_metastases`, missing
/// fields take the primary's value).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RatesChange {
    /// Divisions per cell per day.
    pub birth_rate: Option<f64>,
    /// Deaths per cell per day.
    pub death_rate: Option<f64>,
    /// Probability that a division gives a mutant daughter.
    pub mutation_probability: Option<f64>,
    /// Cells shed per cell per day from metastases (under `SizePower`
    /// shedding, the clone's weight in a metastasis's shedding); 0 makes
    /// the clone's metastases non-seeding. Only in `in_metastases`.
    pub shedding_rate: Option<f64>,
}

/// A clone's affinity for one organ (seed and soil).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffinitySpec {
    /// The organ's name.
    pub organ: String,
    /// Multiplier of the organ's arrest probability.
    #[serde(default = "defaults::one")]
    pub arrest: f64,
    /// Multiplier of the organ's extravasation rate.
    #[serde(default = "defaults::one")]
    pub extravasation: f64,
    /// Multiplier of the birth rate in the organ.
    #[serde(default = "defaults::one")]
    pub growth: f64,
}

/// A founding clone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloneSpec {
    /// Its name, unique in the scenario.
    pub name: String,
    /// Divisions per cell per day in the primary (and, unless
    /// `in_metastases` says otherwise, elsewhere).
    pub birth_rate: Option<f64>,
    /// Deaths per cell per day.
    pub death_rate: Option<f64>,
    /// Probability that a division gives a mutant daughter.
    pub mutation_probability: Option<f64>,
    /// Rates in metastases and solitary cells, where they differ.
    pub in_metastases: RatesChange,
    /// Cells shed per cell per day.
    pub shedding_rate: Option<f64>,
    /// Deaths per circulating cell per day.
    pub circulation_death_rate: Option<f64>,
    /// The clone's colonisation: the multiplier of its solitary cells'
    /// first division only, in every organ, on top of the organ's
    /// `solitary_division_multiplier` (default 1).
    pub solitary_division_multiplier: Option<f64>,
    /// Per-organ affinities; organs not listed are neutral.
    pub affinity: Vec<AffinitySpec>,
    /// Sensitivity to named drugs (the multiplier of a drug's logs of
    /// kill: 1 fully sensitive, 0 resistant); drugs not listed are 1.
    pub sensitivity: Vec<(String, f64)>,
}

/// Cells of a named clone.
pub type Cells = Vec<(String, u64)>;

/// The primary tumour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimarySpec {
    /// The organ it grows in.
    pub organ: String,
    /// Cells per clone at day 0.
    #[serde(deserialize_with = "whole::cells")]
    pub cells: Cells,
    /// Its growth law.
    #[serde(default)]
    pub growth_law: GrowthLaw,
    /// Its carrying capacity in cells (default: the organ's).
    #[serde(default)]
    pub carrying_capacity: Option<f64>,
}

/// An injection of cells into a named vein.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectionSpec {
    /// Day of the injection.
    #[serde(default)]
    pub day: f64,
    /// The vein's name.
    pub vein: String,
    /// Cells per clone.
    #[serde(deserialize_with = "whole::cells")]
    pub cells: Cells,
    /// Inject the cells as clumps of this many cells (at least 2; 1 or
    /// absent: single cells): the cells of every clone together are dealt
    /// into clumps, the remainder injected as single cells.
    #[serde(default, deserialize_with = "whole::optional_u64")]
    pub clump_size: Option<u64>,
}

/// How sites shed cells.
#[derive(Copy, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SheddingSpec {
    /// Each cell at its clone's `shedding_rate`.
    #[default]
    PerCell,
    /// `coefficient · x^exponent` cells per day per site.
    SizePower {
        /// m, cells per day at size 1.
        coefficient: f64,
        /// α, in [0, 1].
        exponent: f64,
    },
}

/// σ of the log-normal factor applied to each trait of a mutant.
#[derive(Copy, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct MutationEffectSpec {
    pub birth_rate: f64,
    pub death_rate: f64,
    pub shedding_rate: f64,
    pub circulation_death_rate: f64,
    pub affinity: f64,
    pub mutation_probability: f64,
    pub solitary_division_multiplier: f64,
}

/// A parameter sweep: the grid of values `cascade sweep` runs (`run`
/// ignores it and runs the file's own values).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The axes; the grid is their Cartesian product, the first axis
    /// varying slowest.
    pub axes: Vec<AxisSpec>,
}

/// One axis of a sweep: a parameter and its values, listed or as a range.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// The parameter, e.g. `clones.B16.shedding_rate` (`docs/scenarios.md`
    /// lists the names).
    pub parameter: String,
    /// The values, in order (give these or `range`).
    #[serde(default)]
    pub values: Vec<f64>,
    /// Evenly spaced values (give this or `values`).
    #[serde(default)]
    pub range: Option<RangeSpec>,
}

/// `points` values from `from` to `to`, both included.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// The first value.
    pub from: f64,
    /// The last value.
    pub to: f64,
    /// How many values (at least 2).
    #[serde(deserialize_with = "whole::u64")]
    pub points: u64,
    /// Even steps (`Linear`) or even ratios (`Log`).
    #[serde(default)]
    pub scale: RangeScale,
}

/// How a range is spaced.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeScale {
    /// Equal differences.
    #[default]
    Linear,
    /// Equal ratios (both ends > 0).
    Log,
}

/// Therapy: drugs, surgery and dose schedules (`docs/therapy.md`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TherapySpec {
    /// Named drugs.
    pub drugs: Vec<DrugSpec>,
    /// Removal of the primary tumour.
    pub surgery: Option<SurgerySpec>,
    /// Dose schedules.
    pub regimens: Vec<RegimenSpec>,
    /// End each replicate at its first relapse.
    pub stop_at_relapse: bool,
}

/// A named drug.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugSpec {
    /// Its name, unique.
    pub name: String,
    /// Logs of kill per dose for a fully sensitive cell.
    pub log_kill: f64,
    /// Reaches only cells that can divide (sites and solitary cells).
    #[serde(default)]
    pub cycle_specific: bool,
    /// Probability per division that a daughter becomes resistant.
    #[serde(default)]
    pub resistance_probability: f64,
    /// Sensitivity of a resistant cell.
    #[serde(default)]
    pub resistant_sensitivity: f64,
}

/// Removal of the primary tumour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgerySpec {
    /// `Day(d)` or `PrimarySize(n)`.
    #[serde(deserialize_with = "whole::surgery_at")]
    pub at: SurgeryAt,
    /// Probability that a cell is left behind.
    #[serde(default)]
    pub left_behind: f64,
}

/// A dose schedule: `every` days for `doses` doses, or at `days`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimenSpec {
    /// `Day(d)`, `PrimarySize(n)`, `Surgery` or `FirstDetection`.
    #[serde(deserialize_with = "whole::regimen_start")]
    pub start: RegimenStart,
    /// Days from the start to the day the dose days count from.
    #[serde(default)]
    pub delay: f64,
    /// Days between doses.
    #[serde(default)]
    pub every: Option<f64>,
    /// How many doses, with `every`.
    #[serde(default, deserialize_with = "whole::optional_u32")]
    pub doses: Option<u32>,
    /// Days of the doses after `start + delay`, instead of `every`.
    #[serde(default)]
    pub days: Vec<f64>,
    /// The drugs of each dose, in turn.
    pub cycle: Vec<Vec<String>>,
}

/// The most doses a regimen may give.
pub const MAX_DOSES: u32 = 100_000;

/// How the model is simulated.
#[derive(Copy, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Mode {
    /// Every cell's every transition is an event (the reference semantics).
    #[default]
    Exact,
    /// Sites of at least `threshold` cells grow by steps of `step` days,
    /// each clone's count by the exact law of the linear birth–death
    /// process over a step, its sheddings and mutant daughters as counts
    /// (counted steps); below half the threshold they go back to single
    /// events.
    Stepped {
        /// Days per step (default 0.01: its error is measured in
        /// `docs/performance.md`).
        #[serde(default = "defaults::step")]
        step: f64,
        /// Cells at which a site starts stepping (default 10,000).
        #[serde(default = "defaults::step_threshold", deserialize_with = "whole::u64")]
        threshold: u64,
        /// Where a site's rates are constant (`Exponential` growth,
        /// `PerCell` shedding): `Auto` (the default) steps exactly while
        /// the site's clones are expected to emit at most 1,000 cells in a
        /// step and by counted steps above; `Exact` always by the
        /// birth–death process's transition law, every emission an event;
        /// `Counted` (formerly `Leaped`, still read) like the others.
        #[serde(default)]
        constant_rates: ConstantRates,
    },
}

/// An extension's event at a set day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventAt<E> {
    /// The day.
    pub day: f64,
    /// The event.
    pub event: E,
}

/// A scenario file as written: every field of `docs/scenarios.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
#[serde(bound(
    serialize = "X: Serialize, E: Serialize",
    deserialize = "X: Deserialize<'de> + Default, E: Deserialize<'de>"
))]
pub struct ScenarioFile<X, E> {
    /// What the scenario models, in one line.
    #[serde(default)]
    pub description: String,
    /// The default seed (`--seed` overrides it).
    #[serde(default = "defaults::seed", deserialize_with = "whole::u64")]
    pub seed: u64,
    /// The default number of replicates (`--replicates` overrides it).
    #[serde(default = "defaults::replicates", deserialize_with = "whole::u64")]
    pub replicates: u64,
    /// The last day simulated.
    pub stop_day: f64,
    /// At most this many events per replicate (a guard; a replicate that
    /// reaches it is reported as cut short).
    #[serde(default, deserialize_with = "whole::optional_u64")]
    pub max_events: Option<u64>,
    /// Simulation mode.
    #[serde(default)]
    pub mode: Mode,
    /// How the cells outside the sites are followed: `PerCell` (the
    /// default) or `Cohorts`.
    #[serde(default)]
    pub pools: cascade_biology::config::PoolMode,
    /// What clumps' cells do differently from single cells
    /// (`docs/tumour-cell-clusters.md`); by default nothing.
    #[serde(default)]
    pub clumps: cascade_biology::config::ClumpBehaviour,
    /// Organs and the vascular graph.
    #[serde(default)]
    pub organs: OrgansSection,
    /// The founding clones.
    pub clones: Vec<CloneSpec>,
    /// The primary tumour.
    #[serde(default)]
    pub primary: Option<PrimarySpec>,
    /// Injections.
    #[serde(default)]
    pub injections: Vec<InjectionSpec>,
    /// Days at which colonies are counted.
    #[serde(default)]
    pub harvest_days: Vec<f64>,
    /// Days at which the burden per organ is recorded.
    #[serde(default)]
    pub observation_days: Vec<f64>,
    /// Record the burden every this many days from day 0 to `stop_day` too.
    #[serde(default)]
    pub observe_every: Option<f64>,
    /// On observation days, list the clones holding at least this share of
    /// their site (default 0.01).
    #[serde(default)]
    pub clone_share_observed: Option<f64>,
    /// Growth law of metastases.
    #[serde(default)]
    pub metastasis_growth_law: GrowthLaw,
    /// How sites shed.
    #[serde(default)]
    pub shedding: SheddingSpec,
    /// How mutants differ from their parents.
    #[serde(default)]
    pub mutation_effect: MutationEffectSpec,
    /// Mean time in days from one capillary bed to the next.
    #[serde(default = "defaults::transit_time")]
    pub transit_time: f64,
    /// Cells at which a metastasis is detectable.
    #[serde(default = "defaults::detection_size", deserialize_with = "whole::u64")]
    pub detection_size: u64,
    /// Cells at which a metastasis is a macrometastasis (a colony).
    #[serde(
        default = "defaults::macrometastasis_size",
        deserialize_with = "whole::u64"
    )]
    pub macrometastasis_size: u64,
    /// Surgery, drugs and dose schedules.
    #[serde(default)]
    pub therapy: TherapySpec,
    /// Micrometastatic dormancy and the angiogenic switch
    /// (`docs/dormancy.md`); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub angiogenic_switch: Option<AngiogenicSwitchSpec>,
    /// Reseeding and the primary's self-seeding (`docs/reseeding.md`):
    /// `Some((joining_probability: ..., into_primary: true,
    /// into_metastases: true))`; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reseeding: Option<cascade_biology::config::Reseeding>,
    /// A parameter sweep, for `cascade sweep`.
    #[serde(default)]
    pub sweep: Option<SweepSpec>,
    /// What `cascade report` draws beside the model's numbers (a
    /// published organ distribution); nothing the model does depends on
    /// it.
    #[serde(default, skip_serializing_if = "report::ReportSpec::is_empty")]
    pub report: report::ReportSpec,
    /// A biopsy's detection limit: `Some((detection_fraction: 0.05))`
    /// marks in `prevalence.csv` the clones sequencing each site would
    /// see; none by default. Nothing the model does depends on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<sequencing::Sampling>,
    /// The clone tree of `trees.csv`: `(extinct_leaves: Kept)` (the
    /// default) or `Pruned`. Nothing the model does depends on it.
    #[serde(default, skip_serializing_if = "sequencing::CloneTreeSpec::is_default")]
    pub clone_tree: sequencing::CloneTreeSpec,
    /// The extension's parameters.
    #[serde(default)]
    pub extension: X,
    /// The extension's events at set days.
    #[serde(default = "Vec::new")]
    pub events: Vec<EventAt<E>>,
}

/// The angiogenic switch as a scenario file writes it
/// ([`cascade_biology::angiogenesis::AngiogenicSwitch`], with organs and
/// founding clones by name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AngiogenicSwitchSpec {
    /// Cells at which an avascular colony stops growing, at least 1.
    #[serde(deserialize_with = "whole::u64")]
    pub avascular_limit: u64,
    /// Switches per avascular colony per day, >= 0.
    pub switch_rate: f64,
    /// The switch rate's multiplier per organ, by name (1 if not listed).
    #[serde(default)]
    pub in_organs: Vec<(String, f64)>,
    /// The switch rate's multiplier per founding clone, by name (1 if not
    /// listed; a mutant has its founder's).
    #[serde(default)]
    pub in_clones: Vec<(String, f64)>,
}

/// The model's angiogenic switch from the file's: names resolved, each
/// listed once (the values are checked by the model's `validate`, at the
/// same paths).
fn resolve_angiogenic_switch(
    spec: &AngiogenicSwitchSpec,
    organs: &OrganSet,
    clone_names: &[&str],
) -> Result<cascade_biology::angiogenesis::AngiogenicSwitch, Unplaced> {
    let organ_names = organs.names();
    let mut in_organs = Vec::with_capacity(spec.in_organs.len());
    for (k, (name, value)) in spec.in_organs.iter().enumerate() {
        let path = format!("angiogenic_switch.in_organs[{k}].0");
        let id = (organs.id(name))
            .ok_or_else(|| unknown_name(path.clone(), "organ", name, &organ_names))?;
        if spec.in_organs[..k].iter().any(|(n, _)| n == name) {
            return Err(Unplaced::new(
                path,
                format!("organ \"{name}\" is listed twice"),
            ));
        }
        in_organs.push((id, *value));
    }
    let mut in_clones = Vec::with_capacity(spec.in_clones.len());
    for (k, (name, value)) in spec.in_clones.iter().enumerate() {
        let path = format!("angiogenic_switch.in_clones[{k}].0");
        let Some(index) = clone_names.iter().position(|n| n == name) else {
            return Err(unknown_name(path, "founding clone", name, clone_names));
        };
        if spec.in_clones[..k].iter().any(|(n, _)| n == name) {
            return Err(Unplaced::new(
                path,
                format!("clone \"{name}\" is listed twice"),
            ));
        }
        in_clones.push((CloneId(index as u32), *value));
    }
    Ok(cascade_biology::angiogenesis::AngiogenicSwitch {
        avascular_limit: spec.avascular_limit,
        switch_rate: spec.switch_rate,
        in_organs,
        in_clones,
    })
}

/// Defaults of the schema, documented in `docs/scenarios.md`.
pub mod defaults {
    use cascade_biology::organs;

    pub(crate) fn seed() -> u64 {
        1
    }
    pub(crate) fn replicates() -> u64 {
        1
    }
    pub(crate) fn transit_time() -> f64 {
        1.0 / 1440.0
    }
    pub(crate) fn detection_size() -> u64 {
        1_000_000_000
    }
    pub(crate) fn macrometastasis_size() -> u64 {
        1_000_000
    }
    pub(crate) fn one() -> f64 {
        1.0
    }
    pub(crate) fn arrest() -> f64 {
        organs::OTHER_ARREST
    }
    pub(crate) fn extravasation() -> f64 {
        organs::EXTRAVASATION_RATE
    }
    pub(crate) fn arrested_death() -> f64 {
        organs::ARRESTED_DEATH_RATE
    }
    pub(crate) fn solitary_death() -> f64 {
        organs::SOLITARY_DEATH_RATE
    }
    pub(crate) fn dormancy_entry() -> f64 {
        organs::DORMANCY_ENTRY_RATE
    }
    pub(crate) fn dormancy_exit() -> f64 {
        organs::DORMANCY_EXIT_RATE
    }
    pub(crate) fn dormant_death() -> f64 {
        organs::DORMANT_DEATH_RATE
    }
    pub(crate) fn capacity() -> f64 {
        1e11
    }
    pub(crate) fn step() -> f64 {
        0.01
    }
    pub(crate) fn step_threshold() -> u64 {
        10_000
    }
}

/// A scenario file that was read, checked and resolved.
#[derive(Clone, Debug)]
pub struct Scenario<X: ScenarioExtension> {
    /// The file it came from (as given).
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, in hex.
    pub sha256: String,
    /// The file's text (kept in a run's store, so that the store says
    /// what it is a run of).
    pub text: std::sync::Arc<str>,
    /// The file as written (defaults filled in).
    pub file: ScenarioFile<X, X::FileEvent>,
    /// The model it resolves to.
    pub config: CascadeConfig,
    /// The bytes each replicate's state may hold before it ends with an
    /// error naming what grew (`--max-memory`; the biology's
    /// `DEFAULT_MEMORY_BUDGET`, 4 GiB, by default). Not part of the run's
    /// identity: it decides whether a replicate ends, never its values.
    pub memory_budget: u64,
}

impl<X: ScenarioExtension> Scenario<X> {
    /// The same scenario (path and hash, which name the file it came from)
    /// with `file` changed in memory (a sweep's point, `bench --set`),
    /// resolved again.
    ///
    /// # Errors
    ///
    /// As [`resolve_changed`].
    pub fn with_file(&self, file: ScenarioFile<X, X::FileEvent>) -> Result<Self, String> {
        let config = resolve_changed(&file)?;
        Ok(Scenario {
            path: self.path.clone(),
            sha256: self.sha256.clone(),
            text: self.text.clone(),
            file,
            config,
            memory_budget: self.memory_budget,
        })
    }
}

/// Where in a scenario file something is wrong, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line and column (in characters); `None` when the file could
    /// not be read.
    pub position: Option<(usize, usize)>,
    /// The field, as a path (`clones[0].birth_rate`); empty for the whole
    /// file.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if !self.field.is_empty() {
            write!(f, "{}: ", abbreviate(&self.field))?;
        }
        write!(f, "{}", abbreviate(&self.message))
    }
}

/// Words (runs without spaces) longer than this are shortened in messages.
const LONGEST_WORD: usize = 200;

/// `text` with every word of more than [`LONGEST_WORD`] characters
/// shortened to its start, the number of characters left out and its end:
/// a file of one 60-million-character name gets a message of a line, not
/// two copies of the name.
fn abbreviate(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= LONGEST_WORD {
        return text.into();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        out.push_str(&rest[..start]);
        let word_and_more = &rest[start..];
        let end = word_and_more
            .find(char::is_whitespace)
            .unwrap_or(word_and_more.len());
        let word = &word_and_more[..end];
        let chars = word.chars().count();
        if chars > LONGEST_WORD {
            let head: String = word.chars().take(60).collect();
            let tail: String = word.chars().skip(chars - 20).collect();
            out.push_str(&format!("{head}…({} characters)…{tail}", chars - 80));
        } else {
            out.push_str(word);
        }
        rest = &word_and_more[end..];
    }
    out.push_str(rest);
    out.into()
}

impl std::error::Error for ScenarioError {}

/// The most replicates one `run` takes (their records are kept in memory
/// for the summary).
pub const MAX_REPLICATES: u64 = 10_000_000;

/// The largest scenario file read (64 MiB): a scenario is a few
/// kilobytes, and a larger file (or a device such as `/dev/zero`) is
/// refused after reading at most one byte more than this.
pub const MAX_SCENARIO_BYTES: u64 = 64 * 1024 * 1024;

/// Reads, parses and resolves the scenario file at `path`.
///
/// # Errors
///
/// A [`ScenarioError`] naming the file, line, column and field; a file
/// larger than [`MAX_SCENARIO_BYTES`] or not UTF-8 text.
pub fn load<X: ScenarioExtension>(path: &Path) -> Result<Scenario<X>, ScenarioError> {
    let unplaced = |message: String| ScenarioError {
        file: path.to_path_buf(),
        position: None,
        field: String::new(),
        message,
    };
    let bytes = crate::files::read_limited(path, MAX_SCENARIO_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            unplaced(format!(
                "the file is larger than the limit of {} for a scenario file; a scenario is a few kilobytes of RON text",
                crate::files::bytes_text(MAX_SCENARIO_BYTES)
            ))
        } else {
            unplaced(format!("cannot read the file: {e}"))
        }
    })?;
    let sha256 = crate::hash::sha256_hex(&bytes);
    let source =
        String::from_utf8(bytes).map_err(|e| not_utf8(path, e.as_bytes(), e.utf8_error()))?;
    let mut scenario = parse::<X>(&source, path)?;
    scenario.sha256 = sha256;
    Ok(scenario)
}

/// The error for bytes that are not UTF-8: the line and column (1-based,
/// in characters, after a byte order mark as in other messages) of the
/// first invalid byte, which bytes, and what would be valid.
fn not_utf8(path: &Path, bytes: &[u8], error: std::str::Utf8Error) -> ScenarioError {
    let at = error.valid_up_to();
    // Valid up to `at`, by the error's definition.
    let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
    let before = before.strip_prefix('\u{feff}').unwrap_or(before);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let shown = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|b| format!("0x{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let message = match error.error_len() {
        Some(n) => {
            let invalid = &bytes[at..at + n];
            let hint = if at == 0 && matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
                " (a UTF-16 byte order mark: the file is UTF-16 text)"
            } else {
                ""
            };
            format!(
                "not UTF-8 text: invalid byte{} {}{hint}; a scenario file must be UTF-8 text (save it as UTF-8)",
                if n == 1 { "" } else { "s" },
                shown(invalid)
            )
        }
        None => format!(
            "not UTF-8 text: the file ends within a character (bytes {}); a scenario file must be UTF-8 text (save it as UTF-8)",
            shown(&bytes[at..])
        ),
    };
    ScenarioError {
        file: path.to_path_buf(),
        position: Some((line, column)),
        field: String::new(),
        message,
    }
}

/// Parses and resolves scenario text; `path` is used in messages.
///
/// # Errors
///
/// A [`ScenarioError`] naming the line, column and field.
pub fn parse<X: ScenarioExtension>(
    source: &str,
    path: &Path,
) -> Result<Scenario<X>, ScenarioError> {
    // A byte order mark (some editors write one) is not part of the text,
    // and ron refuses it.
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    let file: ScenarioFile<X, X::FileEvent> = deserialize(text, path)?;
    let config = resolve(&file).map_err(|e| e.at(text, path))?;
    Ok(Scenario {
        path: path.to_path_buf(),
        sha256: crate::hash::sha256_hex(source.as_bytes()),
        text: source.into(),
        file,
        config,
        memory_budget: cascade_biology::model::DEFAULT_MEMORY_BUDGET,
    })
}

/// What a valid scenario does that its file may not mean, each placed at
/// its field like an error, for `check` to print as a warning.
///
/// With `SizePower` shedding a clone's `shedding_rate` is its weight in
/// its site's `m·x^α`: a weight of 0 is valid (a clone that is never shed,
/// beside clones that are), but a site of such cells alone sheds nothing,
/// silently, where the same 0 under `PerCell` reads as "no shedding" by
/// design. A clone's `in_metastases.shedding_rate` of 0 is not warned of:
/// non-seeding metastases are what that field is for.
pub fn warnings<X: ScenarioExtension>(scenario: &Scenario<X>) -> Vec<ScenarioError> {
    let mut found = Vec::new();
    if matches!(scenario.file.shedding, SheddingSpec::SizePower { .. }) {
        for (i, clone) in scenario.config.clones.iter().enumerate() {
            if clone.phenotype.shedding_rate == 0.0 {
                let warning = Unplaced::new(
                    format!("clones[{i}].shedding_rate"),
                    format!(
                        "0 with `SizePower` shedding: the rate is the clone's weight in its site's \
                         m·x^α, so the cells of \"{}\" are never shed, and a site holding only them \
                         sheds nothing; give a weight above 0 (only the ratios between clones \
                         count) unless that is meant",
                        clone.name
                    ),
                );
                found.push(warning.at(&scenario.text, &scenario.path));
            }
        }
    }
    found
}

/// Resolves a scenario file that was changed in memory (a sweep's point):
/// the same checks as [`parse`], with errors as `field: message` since
/// the changed values have no place in the file.
///
/// # Errors
///
/// The first invalid field and what would be valid.
pub fn resolve_changed<X: ScenarioExtension>(
    file: &ScenarioFile<X, X::FileEvent>,
) -> Result<CascadeConfig, String> {
    resolve(file).map_err(|e| e.to_string())
}

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

fn deserialize<T: DeserializeOwned>(source: &str, path: &Path) -> Result<T, ScenarioError> {
    let mut de = ron::Deserializer::from_str_with_options(source, &ron_options())
        .map_err(|e| ron_error(source, path, String::new(), &e))?;
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match value {
        Ok(value) => {
            de.end().map_err(|e| {
                let e = de.span_error(e);
                ron_error(source, path, String::new(), &e)
            })?;
            Ok(value)
        }
        Err(error) => {
            let field = clean_path(&error.path().to_string());
            let inner = error.into_inner();
            let spanned = de.span_error(inner);
            Err(ron_error(source, path, field, &spanned))
        }
    }
}

/// `serde_path_to_error` writes `?` for an unknown position and `.` for the
/// root; keep what a user would write. An element of a `cells` pair is
/// written `cells[0].1`, as resolution writes it.
fn clean_path(path: &str) -> String {
    if path == "." || path == "?" {
        return String::new();
    }
    let path = path.replace(".?", "").replace('?', "");
    match path.find("cells[") {
        Some(at) => match path[at..].find("][") {
            Some(close) => {
                let close = at + close;
                let rest = &path[close + 2..];
                match rest.split_once(']') {
                    Some((index, tail)) if !index.is_empty() => {
                        format!("{}].{index}{tail}", &path[..close])
                    }
                    _ => path,
                }
            }
            None => path,
        },
        None => path,
    }
}

/// What a user calls the struct a schema type stands for.
fn struct_noun(outer: &str) -> &str {
    match outer {
        "CloneSpec" => "clone",
        "InjectionSpec" => "injection",
        "PrimarySpec" => "primary",
        "AffinitySpec" => "affinity",
        "OrgansSection" => "organs section",
        "OrganChange" => "organ change",
        "EveryOrgan" => "organs.every section",
        "NewOrgan" => "added organ",
        "NewVein" => "added vein",
        "RatesChange" => "in_metastases rates",
        "MutationEffectSpec" => "mutation_effect",
        "EventAt" => "event",
        other => other,
    }
}

/// `parent.field`, or `field` at the root.
fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

/// `found `x``, or `found the end of the file`.
fn found_at(source: &str, at: locate::Position) -> String {
    match locate::token(source, at) {
        None => "found the end of the file".to_string(),
        Some(token) => {
            let mut shown: String = token.chars().take(40).collect();
            if token.chars().count() > 40 {
                shown.push('…');
            }
            format!("found `{shown}`")
        }
    }
}

/// What a value of the field at `field` looks like, for the fields whose
/// type is not a plain number or string.
fn field_hint(field: &str) -> Option<&'static str> {
    let segments = locate::parse_path(field);
    let named = |k: usize| match segments.len().checked_sub(k + 1).map(|i| &segments[i]) {
        Some(locate::Segment::Field(name)) => Some(name.as_str()),
        _ => None,
    };
    let last_is_index = matches!(segments.last(), Some(locate::Segment::Index(_)));
    if last_is_index && named(1) == Some("cells") {
        return Some("a pair `(\"clone name\", number of cells)`");
    }
    Some(match named(0)? {
        "drains_to" | "leads_to" => "`Organ(\"organ name\")` or `Arterial`",
        "venous_routes" => {
            "a list `[(to: Organ(\"organ name\"), share: 0.5), ...]` whose shares sum to 1"
        }
        "growth_law" | "metastasis_growth_law" => "`Exponential`, `Logistic` or `Gompertz`",
        "preset" => "`Human`, `Mouse` or `Empty`",
        "mode" => {
            "`Exact` or `Stepped(step: ..., threshold: ..., constant_rates: Auto | Exact | Counted)`"
        }
        "pools" => "`PerCell` or `Cohorts`",
        "reseeding" => {
            "`Some((joining_probability: 0.01, into_primary: true, into_metastases: true))`"
        }
        "shedding" => "`PerCell` or `SizePower(coefficient: ..., exponent: ...)`",
        "cells" => "a list of `(\"clone name\", number of cells)` pairs",
        "organs" => "`(preset: ..., change: [...], add: [...], veins: [...])`",
        "primary" => "`(organ: \"organ name\", cells: [(\"clone name\", number of cells)])`",
        "clones" => "a list of clones `[(name: \"...\", ...)]`",
        "injections" => "a list of injections `[(day: ..., vein: \"...\", cells: [...])]`",
        "clump_size" => "a whole number of cells per clump, such as 4",
        "harvest_days" | "observation_days" => "a list of days such as `[1.0, 7.0]`",
        "affinity" => "a list `[(organ: \"...\", arrest: ..., extravasation: ..., growth: ...)]`",
        "change" => "a list `[(organ: \"...\", ...)]`",
        "add" => "a list `[(name: \"...\", cardiac_output_share: ..., drains_to: ...)]`",
        "veins" => "a list `[(name: \"...\", leads_to: ...)]`",
        _ => return None,
    })
}

/// What a value-type error expected, in words.
fn expected_value(code: &ron::error::Error, field: &str) -> String {
    use ron::error::Error as E;
    let generic = match code {
        E::ExpectedFloat => "a number, such as 1.5",
        E::ExpectedInteger => "a whole number, such as 100",
        E::IntegerOutOfBounds => "a whole number from 0 to 18446744073709551615",
        E::ExpectedString => "a string in double quotes, such as \"B16\"",
        E::ExpectedBoolean => "`true` or `false`",
        E::ExpectedChar => "a character in single quotes",
        E::ExpectedArray => "a list `[...]`",
        E::ExpectedMap => "a map `{...}`",
        E::ExpectedIdentifier => "a name without quotes",
        E::ExpectedOption => "an optional value",
        E::ExpectedUnit => "`()`",
        _ => "a struct `(...)`",
    };
    match (code, field_hint(field)) {
        // The range matters more than the field's shape.
        (E::IntegerOutOfBounds, _) | (_, None) => generic.to_string(),
        (_, Some(hint)) => hint.to_string(),
    }
}

/// A number with a fraction where a whole number was expected.
struct Fraction {
    /// Where the number starts.
    start: locate::Position,
    /// The number as written.
    text: String,
    /// The field it is the value of, when written `name: 2.5`.
    key: Option<String>,
}

/// If `at` is the `.` of a number with a fraction (`2.5` where a whole
/// number was expected, so that ron stopped after `2`), that number.
fn fraction_at(source: &str, at: locate::Position) -> Option<Fraction> {
    let line: Vec<char> = source
        .lines()
        .nth(at.line.checked_sub(1)?)?
        .chars()
        .collect();
    let dot = at.column.checked_sub(1)?;
    if line.get(dot) != Some(&'.') || !line.get(dot + 1).is_some_and(char::is_ascii_digit) {
        return None;
    }
    let mut start = dot;
    while start > 0 && (line[start - 1].is_ascii_digit() || line[start - 1] == '_') {
        start -= 1;
    }
    if start == dot {
        return None;
    }
    if start > 0 && matches!(line[start - 1], '-' | '+') {
        start -= 1;
    }
    let mut end = dot + 1;
    while line
        .get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || "_.+-".contains(*c))
    {
        end += 1;
    }
    let before: String = line[..start].iter().collect();
    let key = before.trim_end().strip_suffix(':').and_then(|b| {
        let b = b.trim_end();
        let from = b
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .last()
            .map(|(i, _)| i)?;
        Some(b[from..].to_string())
    });
    Some(Fraction {
        start: locate::Position {
            line: at.line,
            column: start + 1,
        },
        text: line[start..end].iter().collect(),
        key,
    })
}

/// Turns a ron error into a message at the right place: the value for a
/// value of the wrong type, the struct's opening for a missing field, the
/// first stray character for trailing text.
fn ron_error(
    source: &str,
    file: &Path,
    field: String,
    error: &ron::error::SpannedError,
) -> ScenarioError {
    use ron::error::Error as E;
    let at = locate::Position {
        line: error.span.start.line,
        column: error.span.start.col,
    };
    let value_at = |field: &str| -> locate::Position {
        if !field.is_empty() {
            let found = locate::locate(source, &locate::parse_path(field));
            if found.exact {
                return found.position;
            }
        }
        locate::next_token(source, at)
    };
    // When the file ends where a value or a comma was expected, the bracket
    // left open is what to fix.
    let unclosed_note = |position: locate::Position| -> String {
        if locate::token(source, position).is_some() {
            return String::new();
        }
        locate::unclosed(source).map_or(String::new(), |(open, bracket)| {
            format!(
                "; the file ends before the `{bracket}` at {}:{} is closed",
                open.line, open.column
            )
        })
    };
    let (position, field, message) = match &error.code {
        E::MissingStructField {
            field: missing,
            outer,
        } => {
            let opening = locate::locate(source, &locate::parse_path(&field)).position;
            let name = outer.as_deref().map_or("struct", struct_noun);
            let message = format!(
                "missing field `{missing}`: the {name} that starts here (and ends at {}:{}) has no `{missing}`, and it has no default; add `{missing}: ...`",
                at.line, at.column
            );
            (opening, join(&field, missing), message)
        }
        E::DuplicateStructField {
            field: duplicate,
            outer,
        } => {
            let place = outer
                .as_deref()
                .map_or(String::new(), |o| format!(" in the {}", struct_noun(o)));
            (
                at,
                join(&field, duplicate),
                format!("field `{duplicate}` is given twice{place}; keep one"),
            )
        }
        E::ExpectedFloat
        | E::ExpectedInteger
        | E::IntegerOutOfBounds
        | E::ExpectedString
        | E::ExpectedBoolean
        | E::ExpectedChar
        | E::ExpectedArray
        | E::ExpectedMap
        | E::ExpectedIdentifier
        | E::ExpectedOption
        | E::ExpectedUnit
        | E::ExpectedStructLike
        | E::ExpectedNamedStructLike(_)
        | E::InvalidValueForType { .. }
        | E::ExpectedDifferentLength { .. }
            if !(field.is_empty() && source.trim().is_empty()) =>
        {
            let position = value_at(&field);
            let found = format!("{}{}", found_at(source, position), unclosed_note(position));
            let message = match &error.code {
                // Every integer of the built-in schema is a u64; an
                // extension's may be of another type.
                E::IntegerOutOfBounds
                    if field.starts_with("extension") || field.starts_with("events") =>
                {
                    "the number is out of range for this field".to_string()
                }
                E::IntegerOutOfBounds => format!(
                    "the number is out of range, expected {}",
                    expected_value(&error.code, &field)
                ),
                E::InvalidValueForType { expected, .. } => {
                    format!("expected {expected}, {found}")
                }
                E::ExpectedDifferentLength {
                    expected,
                    found: count,
                } => {
                    let hint = field_hint(&field).map_or(String::new(), |h| format!(" ({h})"));
                    format!("expected {expected}{hint}, found {count} element(s)")
                }
                E::ExpectedNamedStructLike(name) if field.is_empty() => {
                    format!("expected `{name}(...)`, {found}")
                }
                code => format!("expected {}, {found}", expected_value(code, &field)),
            };
            (position, field, message)
        }
        // A whole-number field's own refusal (`whole`): at the value.
        E::Message(message) if !field.is_empty() && message.contains("whole number") => {
            let mut position = value_at(&field);
            // A variant's value (`PrimarySize(n)`): the `n`, past the `(`.
            let variant = field.rsplit('.').next().unwrap_or("");
            if locate::token(source, position).as_deref() == Some(variant) {
                let step = |at: locate::Position, by: usize| locate::Position {
                    line: at.line,
                    column: at.column + by,
                };
                let open = locate::next_token(source, step(position, variant.chars().count()));
                if locate::token(source, open).as_deref() == Some("(") {
                    position = locate::next_token(source, step(open, 1));
                }
            }
            let message = format!("{message}, {}", found_at(source, position));
            (position, field, message)
        }
        E::ExpectedComma
        | E::ExpectedStructLikeEnd
        | E::ExpectedArrayEnd
        | E::ExpectedMapEnd
        | E::ExpectedOptionEnd => {
            if let Some(number) = fraction_at(source, at) {
                let field = match &number.key {
                    Some(key) => join(&field, key),
                    None => field,
                };
                (
                    number.start,
                    field,
                    format!(
                        "expected a whole number, such as 100, found `{}`",
                        number.text
                    ),
                )
            } else {
                let what = match &error.code {
                    E::ExpectedComma => "`,` or a closing bracket",
                    E::ExpectedArrayEnd => "`,` or `]`",
                    E::ExpectedMapEnd => "`,` or `}`",
                    _ => "`,` or `)`",
                };
                let next = locate::next_token(source, at);
                let end = locate::previous_token_end(source, next);
                let message = format!(
                    "expected {what} after the value that ends here, {} at {}:{}{}",
                    found_at(source, next),
                    next.line,
                    next.column,
                    unclosed_note(next)
                );
                (end, field, message)
            }
        }
        E::Eof => {
            let message = match locate::unclosed(source) {
                Some((open, bracket)) => format!(
                    "the file ends before the `{bracket}` at {}:{} is closed",
                    open.line, open.column
                ),
                None => "the file ends too early".to_string(),
            };
            (at, field, message)
        }
        E::ExpectedStringEnd => (
            at,
            field,
            "unterminated string: the `\"` here has no closing `\"`".to_string(),
        ),
        E::UnclosedBlockComment => {
            // ron points just past the `/*`.
            let line: Vec<char> = source
                .lines()
                .nth(at.line.saturating_sub(1))
                .unwrap_or("")
                .chars()
                .collect();
            let column = at.column.saturating_sub(1);
            let back = column >= 2 && line.get(column - 2..column) == Some(&['/', '*']);
            let position = if back {
                locate::Position {
                    line: at.line,
                    column: at.column - 2,
                }
            } else {
                at
            };
            (
                position,
                field,
                "unclosed comment: the `/*` here has no closing `*/`".to_string(),
            )
        }
        E::TrailingCharacters => {
            let stray = locate::next_token(source, at);
            let message = format!(
                "unexpected text after the end of the scenario, {}; the scenario ends at {}:{}",
                found_at(source, stray),
                at.line,
                at.column.saturating_sub(1).max(1)
            );
            (stray, field, message)
        }
        E::ExpectedDifferentStructName { expected, found } => {
            let close = nearest(found, &[expected])
                .map_or(String::new(), |c| format!(", did you mean `{c}`?"));
            (
                at,
                field,
                format!("expected `{expected}(...)`, found `{found}`{close}"),
            )
        }
        E::ExpectedNamedStructLike(name) if field.is_empty() && source.trim().is_empty() => (
            at,
            field,
            format!("the file is empty, expected `{name}(...)` (see docs/scenarios.md)"),
        ),
        code => (at, field, describe_ron(code)),
    };
    ScenarioError {
        file: file.to_path_buf(),
        position: Some((position.line, position.column)),
        field,
        message,
    }
}

fn describe_ron(code: &ron::error::Error) -> String {
    use ron::error::Error as E;
    match code {
        E::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let mut message = format!("unknown field `{found}`");
            if let Some(outer) = outer {
                message.push_str(&format!(" in the {}", struct_noun(outer)));
            }
            if let Some(close) = nearest(found, expected) {
                message.push_str(&format!(", did you mean `{close}`?"));
            }
            message.push_str(&format!("; valid fields: {}", expected.join(", ")));
            message
        }
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let mut message = format!("unknown variant `{found}`");
            if let Some(outer) = outer {
                message.push_str(&format!(" of {outer}"));
            }
            if let Some(close) = nearest(found, expected) {
                message.push_str(&format!(", did you mean `{close}`?"));
            }
            if expected.is_empty() {
                message.push_str(
                    "; this `cascade` has no events of its own: scenario `events` need a binary built with an extension (see the runner's `custom_events` example)",
                );
            } else {
                message.push_str(&format!("; valid: {}", expected.join(", ")));
            }
            message
        }
        E::UnexpectedChar(c) => format!("unexpected character `{c}`"),
        E::InvalidIntegerDigit {
            digit: 'e' | 'E', ..
        } => "expected a whole number, written without an exponent in this field of the extension's (1000000 or 1_000_000, not 1e6); an extension takes 1e6 in a field it reads with `#[serde(deserialize_with = \"cascade_runner::scenario::whole::u64\")]`"
            .to_string(),
        other => other.to_string(),
    }
}

/// An error found while resolving, before it is placed in the file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Unplaced {
    path: String,
    message: String,
}

impl fmt::Display for Unplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Unplaced {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Unplaced {
            path: path.into(),
            message: message.into(),
        }
    }

    fn at(self, source: &str, file: &Path) -> ScenarioError {
        let segments = locate::parse_path(&self.path);
        let found = locate::locate(source, &segments);
        ScenarioError {
            file: file.to_path_buf(),
            position: Some((found.position.line, found.position.column)),
            field: self.path,
            message: self.message,
        }
    }
}

fn invalid(path: impl Into<String>, value: impl fmt::Display, expected: &str) -> Unplaced {
    Unplaced::new(path, format!("{value} is invalid, expected {expected}"))
}

fn check_rate(value: f64, path: impl Into<String>) -> Result<f64, Unplaced> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(path, value, "a finite number >= 0"))
    }
}

fn check_probability(value: f64, path: impl Into<String>) -> Result<f64, Unplaced> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(path, value, "a probability in [0, 1]"))
    }
}

fn check_day(value: f64, stop_day: f64, path: impl Into<String>) -> Result<f64, Unplaced> {
    if value.is_finite() && value >= 0.0 && value <= stop_day {
        Ok(value)
    } else {
        Err(invalid(
            path,
            value,
            &format!("a day in [0, stop_day = {stop_day}]"),
        ))
    }
}

fn unknown_name(path: String, kind: &str, name: &str, valid: &[&str]) -> Unplaced {
    let mut message = format!("unknown {kind} \"{name}\"");
    if let Some(close) = nearest(name, valid) {
        message.push_str(&format!(", did you mean \"{close}\"?"));
    }
    let quoted: Vec<String> = valid.iter().map(|n| format!("\"{n}\"")).collect();
    message.push_str(&format!("; valid {kind}s: {}", quoted.join(", ")));
    Unplaced::new(path, message)
}

/// What the extension declares, checked at `check` as the model checks it
/// when it is built (names, subscriptions, cohort mode), and its fates' and
/// counters' names against every column of the tables they join, of a
/// sweep's point (`sweep`'s axes) and of `points.csv`
/// ([`crate::schema::clash`]).
fn check_declarations<X: ScenarioExtension>(
    extension: &X,
    config: &CascadeConfig,
    sweep: Option<&SweepSpec>,
) -> Result<(), Unplaced> {
    let mut declared = cascade_biology::model::Declarations::default();
    extension.declare(&mut declared);
    declared.check(config).map_err(|e| {
        let field = if e.path == "pools" {
            "pools"
        } else {
            "extension"
        };
        let what = if e.path == "pools" {
            String::new()
        } else {
            format!("the extension's declaration {}: ", e.path)
        };
        Unplaced::new(
            field,
            format!("{what}{} is invalid, expected {}", e.value, e.expected),
        )
    })?;
    // Every table a fate or counter joins, and a sweep's: the point's
    // columns (the file's axes) and `points.csv`.
    let axes: Vec<&str> = (sweep.iter().flat_map(|s| &s.axes))
        .map(|a| a.parameter.as_str())
        .collect();
    if let Some(clash) = crate::schema::clash(&declared, &axes) {
        let own = |name: &String| {
            *name == clash.column
                || ["_mean", "_low", "_high"]
                    .iter()
                    .any(|end| clash.column == format!("{name}{end}"))
        };
        let name = (declared.fates.iter().map(|f| &f.name))
            .chain(&declared.counters)
            .find(|name| own(name))
            .map_or(clash.column.clone(), |name| name.clone());
        let axis = if axes.contains(&clash.column.as_str()) {
            ", an axis of the sweep"
        } else {
            ""
        };
        let what = if name == clash.column {
            format!("which {} already has{axis}", clash.table)
        } else {
            format!(
                "whose column {:?} in {} is one the table already has",
                clash.column, clash.table
            )
        };
        return Err(Unplaced::new(
            "extension",
            format!(
                "the extension declares a column {name:?}, {what}; expected a name of its own \
                 for each fate and counter"
            ),
        ));
    }
    Ok(())
}

fn resolve<X: ScenarioExtension>(
    file: &ScenarioFile<X, X::FileEvent>,
) -> Result<CascadeConfig, Unplaced> {
    if !(file.stop_day.is_finite() && file.stop_day > 0.0) {
        return Err(invalid("stop_day", file.stop_day, "a finite day > 0"));
    }
    if !(1..=MAX_REPLICATES).contains(&file.replicates) {
        return Err(invalid(
            "replicates",
            file.replicates,
            &format!("1 to {MAX_REPLICATES}"),
        ));
    }
    if file.max_events == Some(0) {
        return Err(invalid("max_events", 0, "at least 1 event, or no limit"));
    }
    let organs = resolve_organs(&file.organs)?;
    let organ_names = organs.names();
    sweep::axes(file, &organ_names)?;
    report::check(&file.report, &organ_names)?;
    sequencing::check(file.sampling.as_ref())?;
    let organ_id = |name: &str, path: String| {
        organs
            .id(name)
            .ok_or_else(|| unknown_name(path, "organ", name, &organ_names))
    };

    if file.clones.is_empty() {
        return Err(Unplaced::new(
            "clones",
            "the clone list is empty, expected at least one clone",
        ));
    }
    let drug_names: Vec<&str> = file.therapy.drugs.iter().map(|d| d.name.as_str()).collect();
    let base = default_phenotype(&organs);
    let mut clones = Vec::with_capacity(file.clones.len());
    for (i, spec) in file.clones.iter().enumerate() {
        let path = format!("clones[{i}]");
        if spec.name.is_empty() {
            return Err(Unplaced::new(
                format!("{path}.name"),
                "a clone needs a non-empty name",
            ));
        }
        if spec.name.contains('.') {
            return Err(Unplaced::new(
                format!("{path}.name"),
                format!(
                    "\"{}\" contains '.', which is kept for mutants (named <parent>.<n>); expected a name without '.'",
                    spec.name
                ),
            ));
        }
        if let Some(j) = file.clones[..i].iter().position(|c| c.name == spec.name) {
            return Err(Unplaced::new(
                format!("{path}.name"),
                format!("\"{}\" is already the name of clones[{j}]", spec.name),
            ));
        }
        let primary = GrowthRates {
            birth_rate: check_rate(
                spec.birth_rate.unwrap_or(base.in_primary.birth_rate),
                format!("{path}.birth_rate"),
            )?,
            death_rate: check_rate(
                spec.death_rate.unwrap_or(base.in_primary.death_rate),
                format!("{path}.death_rate"),
            )?,
            mutation_probability: check_probability(
                spec.mutation_probability
                    .unwrap_or(base.in_primary.mutation_probability),
                format!("{path}.mutation_probability"),
            )?,
        };
        let m = &spec.in_metastases;
        let in_metastases = GrowthRates {
            birth_rate: check_rate(
                m.birth_rate.unwrap_or(primary.birth_rate),
                format!("{path}.in_metastases.birth_rate"),
            )?,
            death_rate: check_rate(
                m.death_rate.unwrap_or(primary.death_rate),
                format!("{path}.in_metastases.death_rate"),
            )?,
            mutation_probability: check_probability(
                m.mutation_probability
                    .unwrap_or(primary.mutation_probability),
                format!("{path}.in_metastases.mutation_probability"),
            )?,
        };
        let shedding_rate_in_metastases = (m.shedding_rate)
            .map(|rate| check_rate(rate, format!("{path}.in_metastases.shedding_rate")))
            .transpose()?;
        let mut affinity = vec![OrganAffinity::NEUTRAL; organs.len()];
        let mut seen = vec![None; organs.len()];
        for (k, a) in spec.affinity.iter().enumerate() {
            let apath = format!("{path}.affinity[{k}]");
            let id = organ_id(&a.organ, format!("{apath}.organ"))?;
            if let Some(previous) = seen[id.index()] {
                return Err(Unplaced::new(
                    format!("{apath}.organ"),
                    format!(
                        "organ \"{}\" already has an affinity in {path}.affinity[{previous}]",
                        a.organ
                    ),
                ));
            }
            seen[id.index()] = Some(k);
            affinity[id.index()] = OrganAffinity {
                arrest: check_rate(a.arrest, format!("{apath}.arrest"))?,
                extravasation: check_rate(a.extravasation, format!("{apath}.extravasation"))?,
                growth: check_rate(a.growth, format!("{apath}.growth"))?,
            };
        }
        let mut sensitivity = vec![1.0; drug_names.len()];
        for (k, (drug, value)) in spec.sensitivity.iter().enumerate() {
            let spath = format!("{path}.sensitivity[{k}]");
            let Some(d) = drug_names.iter().position(|n| n == drug) else {
                return Err(unknown_name(
                    format!("{spath}.0"),
                    "drug",
                    drug,
                    &drug_names,
                ));
            };
            if spec.sensitivity[..k].iter().any(|(n, _)| n == drug) {
                return Err(Unplaced::new(
                    format!("{spath}.0"),
                    format!("drug \"{drug}\" is listed twice"),
                ));
            }
            sensitivity[d] = check_rate(*value, format!("{spath}.1"))?;
        }
        clones.push(FoundingClone {
            name: spec.name.clone(),
            phenotype: Phenotype {
                sensitivity,
                in_primary: primary,
                in_metastases,
                shedding_rate: check_rate(
                    spec.shedding_rate.unwrap_or(base.shedding_rate),
                    format!("{path}.shedding_rate"),
                )?,
                shedding_rate_in_metastases,
                circulation_death_rate: check_rate(
                    spec.circulation_death_rate
                        .unwrap_or(base.circulation_death_rate),
                    format!("{path}.circulation_death_rate"),
                )?,
                affinity,
                solitary_division_multiplier: check_rate(
                    spec.solitary_division_multiplier
                        .unwrap_or(base.solitary_division_multiplier),
                    format!("{path}.solitary_division_multiplier"),
                )?,
            },
        });
    }
    let clone_names: Vec<&str> = file.clones.iter().map(|c| c.name.as_str()).collect();
    let cells = |cells: &Cells, path: &str| -> Result<Vec<(CloneId, u64)>, Unplaced> {
        let mut out: Vec<(CloneId, u64)> = Vec::with_capacity(cells.len());
        for (k, (name, count)) in cells.iter().enumerate() {
            let Some(index) = clone_names.iter().position(|c| c == name) else {
                return Err(unknown_name(
                    format!("{path}[{k}].0"),
                    "clone",
                    name,
                    &clone_names,
                ));
            };
            let id = CloneId(index as u32);
            if out.iter().any(|&(c, _)| c == id) {
                return Err(Unplaced::new(
                    format!("{path}[{k}].0"),
                    format!("clone \"{name}\" is listed twice"),
                ));
            }
            if *count > MAX_CELLS {
                return Err(Unplaced::new(
                    format!("{path}[{k}].1"),
                    format!("{count} cells is too many, expected at most 2^62 = {MAX_CELLS} cells"),
                ));
            }
            out.push((id, *count));
        }
        let total: u128 = out.iter().map(|&(_, n)| u128::from(n)).sum();
        if total > u128::from(MAX_CELLS) {
            return Err(Unplaced::new(
                path.to_string(),
                format!("{total} cells in all is too many, expected at most 2^62 = {MAX_CELLS}"),
            ));
        }
        if out.iter().all(|&(_, n)| n == 0) {
            return Err(Unplaced::new(
                path.to_string(),
                "no cells, expected at least one cell of a named clone",
            ));
        }
        Ok(out)
    };

    // Cells seeded by the primary and the injections together, at most
    // MAX_CELLS.
    let mut seeded: u128 = 0;
    let primary = match &file.primary {
        None => None,
        Some(p) => {
            let organ = organ_id(&p.organ, "primary.organ".into())?;
            let capacity = match p.carrying_capacity {
                Some(k) => k,
                None => organs.organ(organ).carrying_capacity,
            };
            if !(capacity.is_finite() && capacity > 1.0) {
                return Err(invalid(
                    "primary.carrying_capacity",
                    capacity,
                    "a finite number of cells > 1",
                ));
            }
            let cells = cells(&p.cells, "primary.cells")?;
            seeded += cells.iter().map(|&(_, n)| u128::from(n)).sum::<u128>();
            Some(PrimaryTumour {
                organ,
                cells,
                growth_law: p.growth_law,
                carrying_capacity: capacity,
            })
        }
    };
    let vein_names = organs.vein_names();
    let mut injections = Vec::with_capacity(file.injections.len());
    for (i, injection) in file.injections.iter().enumerate() {
        let path = format!("injections[{i}]");
        let day = check_day(injection.day, file.stop_day, format!("{path}.day"))?;
        let entry = organs
            .vein(&injection.vein)
            .ok_or_else(|| {
                unknown_name(format!("{path}.vein"), "vein", &injection.vein, &vein_names)
            })?
            .clone();
        let cells = cells(&injection.cells, &format!("{path}.cells"))?;
        if injection.clump_size == Some(0) {
            return Err(invalid(
                format!("{path}.clump_size"),
                0,
                "a clump size of at least 1 cell (1 or absent: single cells; 2 or more: clumps of that many cells)",
            ));
        }
        seeded += cells.iter().map(|&(_, n)| u128::from(n)).sum::<u128>();
        if seeded > u128::from(MAX_CELLS) {
            return Err(Unplaced::new(
                format!("{path}.cells"),
                format!(
                    "{seeded} cells with the primary's and the earlier injections' is too many, expected at most 2^62 = {MAX_CELLS} in all"
                ),
            ));
        }
        injections.push(Injection {
            day,
            entry,
            cells,
            clump_size: injection.clump_size,
        });
    }
    if primary.is_none() && injections.is_empty() {
        return Err(Unplaced::new(
            "primary",
            "the scenario has neither a primary tumour nor an injection, so no cell would ever exist; give `primary` or `injections`",
        ));
    }
    let mut harvest_days = Vec::with_capacity(file.harvest_days.len());
    for (i, &day) in file.harvest_days.iter().enumerate() {
        harvest_days.push(check_day(day, file.stop_day, format!("harvest_days[{i}]"))?);
        if let Some(j) = file.harvest_days[..i].iter().position(|&d| d == day) {
            return Err(Unplaced::new(
                format!("harvest_days[{i}]"),
                format!("day {day} is already harvest_days[{j}]"),
            ));
        }
    }
    // Harvests happen in time order; the tables and the summary list them so.
    harvest_days.sort_by(f64::total_cmp);
    let mut observation_days = Vec::new();
    for (i, &day) in file.observation_days.iter().enumerate() {
        observation_days.push(check_day(
            day,
            file.stop_day,
            format!("observation_days[{i}]"),
        )?);
    }
    if let Some(step) = file.observe_every {
        if !(step.is_finite() && step > 0.0 && file.stop_day / step <= 100_000.0) {
            return Err(invalid(
                "observe_every",
                step,
                "a step in days > 0 giving at most 100000 observations",
            ));
        }
        let mut k = 0u64;
        loop {
            let day = k as f64 * step;
            if day > file.stop_day {
                break;
            }
            observation_days.push(day);
            k += 1;
        }
    }
    observation_days.sort_by(f64::total_cmp);
    observation_days.dedup();
    let clone_share_observed = match file.clone_share_observed {
        Some(share) if !(share > 0.0 && share <= 1.0) => {
            return Err(invalid(
                "clone_share_observed",
                share,
                "a share of a site's cells in (0, 1], such as 0.01",
            ));
        }
        Some(share) => share,
        None => cascade_biology::config::DEFAULT_CLONE_SHARE_OBSERVED,
    };

    let shedding = match file.shedding {
        SheddingSpec::PerCell => Shedding::PerCell,
        SheddingSpec::SizePower {
            coefficient,
            exponent,
        } => {
            check_rate(coefficient, "shedding.SizePower.coefficient")?;
            if !(exponent.is_finite() && (0.0..=1.0).contains(&exponent)) {
                return Err(invalid(
                    "shedding.SizePower.exponent",
                    exponent,
                    "a number in [0, 1]",
                ));
            }
            Shedding::SizePower {
                coefficient,
                exponent,
            }
        }
    };
    let m = &file.mutation_effect;
    let sigma = |value: f64, name: &str| -> Result<f64, Unplaced> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(invalid(
                format!("mutation_effect.{name}"),
                value,
                "a log-normal sigma >= 0",
            ))
        }
    };
    let mutation_effect = MutationEffect {
        birth_rate: sigma(m.birth_rate, "birth_rate")?,
        death_rate: sigma(m.death_rate, "death_rate")?,
        shedding_rate: sigma(m.shedding_rate, "shedding_rate")?,
        circulation_death_rate: sigma(m.circulation_death_rate, "circulation_death_rate")?,
        affinity: sigma(m.affinity, "affinity")?,
        mutation_probability: sigma(m.mutation_probability, "mutation_probability")?,
        solitary_division_multiplier: sigma(
            m.solitary_division_multiplier,
            "solitary_division_multiplier",
        )?,
    };
    if !(file.transit_time.is_finite() && file.transit_time > 0.0) {
        return Err(invalid(
            "transit_time",
            file.transit_time,
            "a time in days > 0",
        ));
    }
    if file.detection_size == 0 {
        return Err(invalid("detection_size", 0, "at least 1 cell"));
    }
    if file.macrometastasis_size == 0 {
        return Err(invalid("macrometastasis_size", 0, "at least 1 cell"));
    }
    for (i, event) in file.events.iter().enumerate() {
        check_day(event.day, file.stop_day, format!("events[{i}].day"))?;
    }
    let therapy = resolve_therapy(file, &drug_names, primary.is_some())?;

    let growth_steps = match file.mode {
        Mode::Exact => None,
        Mode::Stepped {
            step,
            threshold,
            constant_rates,
        } => {
            if !(step.is_finite() && step > 0.0 && step <= file.stop_day) {
                return Err(invalid(
                    "mode.Stepped.step",
                    step,
                    "days > 0 and at most stop_day (the default, 0.01, has its error measured in docs/performance.md)",
                ));
            }
            if threshold < 2 {
                return Err(invalid(
                    "mode.Stepped.threshold",
                    threshold,
                    "at least 2 cells (single cells and founding stay exact)",
                ));
            }
            Some(cascade_biology::config::GrowthSteps {
                step,
                threshold,
                constant_rates,
            })
        }
    };
    let clone_names: Vec<&str> = file.clones.iter().map(|c| c.name.as_str()).collect();
    let angiogenic_switch = (file.angiogenic_switch.as_ref())
        .map(|spec| resolve_angiogenic_switch(spec, &organs, &clone_names))
        .transpose()?;
    let config = CascadeConfig {
        organs,
        clones,
        primary,
        injections,
        harvest_days,
        observation_days,
        clone_share_observed,
        metastasis_growth_law: file.metastasis_growth_law,
        shedding,
        mutation_effect,
        transit_time: file.transit_time,
        detection_size: file.detection_size,
        macrometastasis_size: file.macrometastasis_size,
        therapy,
        growth_steps,
        pool_mode: file.pools,
        angiogenic_switch,
        clumps: file.clumps,
        reseeding: file.reseeding,
    };
    file.extension.validate(&config).map_err(|e| {
        Unplaced::new(
            format!("extension.{}", e.path),
            format!("{} is invalid, expected {}", e.value, e.expected),
        )
    })?;
    check_declarations(&file.extension, &config, file.sweep.as_ref())?;
    for (i, event) in file.events.iter().enumerate() {
        file.extension
            .validate_event(&event.event, &config)
            .map_err(|e| {
                Unplaced::new(
                    join(&format!("events[{i}].event"), &e.path),
                    format!("{} is invalid, expected {}", e.value, e.expected),
                )
            })?;
    }
    // The scenario's checks above cover the model's but for the bounds on
    // rates made of several fields (`cascade_biology::rates`); the rest is
    // the backstop that keeps the two in step. Then the Zeno guard, which
    // needs stop_day.
    config
        .validate()
        .and_then(|()| cascade_biology::config::check_time_scales(&config, file.stop_day))
        .map_err(|e| {
            Unplaced::new(
                file_field(&e.path, file, &config),
                format!("{} is invalid, expected {}", e.value, e.expected),
            )
        })?;
    Ok(config)
}

/// The field of the scenario file that a path of the model's configuration
/// (`clones[0].phenotype.affinity[2].growth`) comes from
/// (`clones[0].affinity[1].growth`, the entry that names organ 2), so that
/// a message points at the line that sets it; other paths are the same in
/// both.
fn file_field<X, E>(path: &str, file: &ScenarioFile<X, E>, config: &CascadeConfig) -> String {
    if path == "growth_steps.step" {
        return "mode.Stepped.step".into();
    }
    let Some((clone, field)) = path
        .strip_prefix("clones[")
        .and_then(|rest| rest.split_once("].phenotype."))
    else {
        return path.to_string();
    };
    let Some(spec) = clone.parse::<usize>().ok().and_then(|i| file.clones.get(i)) else {
        return path.to_string();
    };
    let at = |field: &str| format!("clones[{clone}].{field}");
    if let Some(rate) = field.strip_prefix("in_primary.") {
        return at(rate);
    }
    if let Some(rate) = field.strip_prefix("in_metastases.") {
        let changed = match rate {
            "birth_rate" => spec.in_metastases.birth_rate.is_some(),
            "death_rate" => spec.in_metastases.death_rate.is_some(),
            "shedding_rate" => spec.in_metastases.shedding_rate.is_some(),
            _ => spec.in_metastases.mutation_probability.is_some(),
        };
        return if changed { at(field) } else { at(rate) };
    }
    if let Some(rest) = field.strip_prefix("affinity[")
        && let Some((organ, factor)) = rest.split_once("].")
    {
        let name = organ
            .parse::<usize>()
            .ok()
            .filter(|&o| o < config.organs.len())
            .map(|o| {
                config
                    .organs
                    .organ(cascade_biology::OrganId(o as u16))
                    .name
                    .as_str()
            });
        return match spec
            .affinity
            .iter()
            .position(|a| Some(a.organ.as_str()) == name)
        {
            Some(k) => at(&format!("affinity[{k}].{factor}")),
            // No affinity for the organ: its own rates are the cause.
            None => format!("clones[{clone}]"),
        };
    }
    at(field)
}

fn resolve_therapy<X, E>(
    file: &ScenarioFile<X, E>,
    drug_names: &[&str],
    has_primary: bool,
) -> Result<Therapy, Unplaced> {
    let spec = &file.therapy;
    let mut drugs = Vec::with_capacity(spec.drugs.len());
    for (i, d) in spec.drugs.iter().enumerate() {
        let path = format!("therapy.drugs[{i}]");
        if d.name.is_empty() {
            return Err(Unplaced::new(
                format!("{path}.name"),
                "a drug needs a non-empty name",
            ));
        }
        if let Some(j) = drug_names[..i].iter().position(|n| *n == d.name) {
            return Err(Unplaced::new(
                format!("{path}.name"),
                format!("\"{}\" is already the name of therapy.drugs[{j}]", d.name),
            ));
        }
        if d.log_kill.is_nan() || d.log_kill < 0.0 {
            return Err(invalid(
                format!("{path}.log_kill"),
                d.log_kill,
                "logs of kill per dose >= 0 (2 kills 99% of sensitive cells per dose)",
            ));
        }
        drugs.push(Drug {
            name: d.name.clone(),
            log_kill: d.log_kill,
            cycle_specific: d.cycle_specific,
            resistance_probability: check_probability(
                d.resistance_probability,
                format!("{path}.resistance_probability"),
            )?,
            resistant_sensitivity: if (0.0..1.0).contains(&d.resistant_sensitivity) {
                d.resistant_sensitivity
            } else {
                return Err(invalid(
                    format!("{path}.resistant_sensitivity"),
                    d.resistant_sensitivity,
                    "a sensitivity in [0, 1) (0: a dose does nothing to a resistant cell; 1 is fully sensitive)",
                ));
            },
        });
    }
    let surgery = match &spec.surgery {
        None => None,
        Some(s) => {
            if !has_primary {
                return Err(Unplaced::new(
                    "therapy.surgery",
                    "the scenario has no primary tumour to remove; give `primary` or remove `surgery`",
                ));
            }
            if let SurgeryAt::Day(day) = s.at {
                check_day(day, file.stop_day, "therapy.surgery.at")?;
            }
            Some(Surgery {
                at: s.at,
                left_behind: check_probability(s.left_behind, "therapy.surgery.left_behind")?,
            })
        }
    };
    let mut regimens = Vec::with_capacity(spec.regimens.len());
    for (i, r) in spec.regimens.iter().enumerate() {
        let path = format!("therapy.regimens[{i}]");
        match r.start {
            RegimenStart::Day(day) => {
                check_day(day, file.stop_day, format!("{path}.start"))?;
            }
            RegimenStart::PrimarySize(_) if !has_primary => {
                return Err(Unplaced::new(
                    format!("{path}.start"),
                    "PrimarySize needs a primary tumour; expected Day(d) or FirstDetection",
                ));
            }
            RegimenStart::Surgery if surgery.is_none() => {
                return Err(Unplaced::new(
                    format!("{path}.start"),
                    "Surgery needs `therapy.surgery`; expected Day(d), PrimarySize(n) or FirstDetection, or a surgery",
                ));
            }
            _ => {}
        }
        if !(r.delay.is_finite() && r.delay >= 0.0) {
            return Err(invalid(format!("{path}.delay"), r.delay, "days >= 0"));
        }
        let offsets = match (r.every, r.doses, r.days.is_empty()) {
            (Some(every), Some(doses), true) => {
                if !(every.is_finite() && every > 0.0) {
                    return Err(invalid(format!("{path}.every"), every, "days > 0"));
                }
                if !(1..=MAX_DOSES).contains(&doses) {
                    return Err(invalid(
                        format!("{path}.doses"),
                        doses,
                        &format!("1 to {MAX_DOSES} doses"),
                    ));
                }
                let last = f64::from(doses - 1) * every + r.delay;
                if !last.is_finite() {
                    return Err(invalid(
                        format!("{path}.every"),
                        every,
                        &format!(
                            "days between doses such that {doses} doses after the delay end at a finite day"
                        ),
                    ));
                }
                (0..doses).map(|k| f64::from(k) * every).collect()
            }
            (None, None, false) => {
                let mut previous = 0.0;
                for (k, &day) in r.days.iter().enumerate() {
                    if !(day.is_finite() && day >= previous) {
                        return Err(invalid(
                            format!("{path}.days[{k}]"),
                            day,
                            &format!("a day >= 0 and >= the dose before ({previous})"),
                        ));
                    }
                    previous = day;
                }
                if let Some(&last) = r.days.last()
                    && !(last + r.delay).is_finite()
                {
                    return Err(invalid(
                        format!("{path}.days[{}]", r.days.len() - 1),
                        last,
                        "a day that, after the delay, is still finite",
                    ));
                }
                if r.days.len() > MAX_DOSES as usize {
                    return Err(invalid(
                        format!("{path}.days"),
                        r.days.len(),
                        &format!("at most {MAX_DOSES} doses"),
                    ));
                }
                r.days.clone()
            }
            _ => {
                return Err(Unplaced::new(
                    path,
                    "give the doses either as `every` and `doses` (every: 7.0, doses: 6) or as `days` ([0.0, 7.0, 21.0]), not both and not neither",
                ));
            }
        };
        if r.cycle.is_empty() {
            return Err(Unplaced::new(
                format!("{path}.cycle"),
                "no drugs, expected at least one group such as [[\"A\"]] (together: [[\"A\", \"B\"]]; in turn: [[\"A\"], [\"B\"]])",
            ));
        }
        let mut cycle = Vec::with_capacity(r.cycle.len());
        for (k, group) in r.cycle.iter().enumerate() {
            if group.is_empty() {
                return Err(Unplaced::new(
                    format!("{path}.cycle[{k}]"),
                    "an empty group, expected at least one drug",
                ));
            }
            let mut ids = Vec::with_capacity(group.len());
            for (j, name) in group.iter().enumerate() {
                let Some(d) = drug_names.iter().position(|n| n == name) else {
                    return Err(unknown_name(
                        format!("{path}.cycle[{k}][{j}]"),
                        "drug",
                        name,
                        drug_names,
                    ));
                };
                ids.push(DrugId(d as u32));
            }
            cycle.push(ids);
        }
        regimens.push(Regimen {
            start: r.start,
            delay: r.delay,
            offsets,
            cycle,
        });
    }
    Ok(Therapy {
        drugs,
        surgery,
        regimens,
        stop_at_relapse: spec.stop_at_relapse,
    })
}

fn resolve_organs(section: &OrgansSection) -> Result<OrganSet, Unplaced> {
    let (mut specs, mut veins) = match section.preset {
        Preset::Human => OrganSet::human_specs(),
        Preset::Mouse => OrganSet::mouse_specs(),
        Preset::Empty => (Vec::new(), Vec::new()),
    };
    // Where each organ and vein came from, for messages.
    let mut organ_paths: Vec<String> = specs.iter().map(|_| "organs.preset".to_string()).collect();
    let mut vein_paths: Vec<String> = veins.iter().map(|_| "organs.preset".to_string()).collect();
    for (i, organ) in section.add.iter().enumerate() {
        specs.push(OrganSpec {
            name: organ.name.clone(),
            cardiac_output_share: organ.cardiac_output_share,
            drains_to: organ.drains_to.spec(),
            arrest_probability: organ.arrest_probability,
            extravasation_rate: organ.extravasation_rate,
            arrested_death_rate: organ.arrested_death_rate,
            solitary_death_rate: organ.solitary_death_rate,
            dormancy_entry_rate: organ.dormancy_entry_rate,
            dormancy_exit_rate: organ.dormancy_exit_rate,
            dormant_death_rate: organ.dormant_death_rate,
            growth_multiplier: organ.growth_multiplier,
            solitary_division_multiplier: organ.solitary_division_multiplier,
            carrying_capacity: organ.carrying_capacity,
            venous_routes: NewRoute::specs(&organ.venous_routes),
        });
        organ_paths.push(format!("organs.add[{i}]"));
    }
    for (i, vein) in section.veins.iter().enumerate() {
        veins.push(VeinSpec {
            name: vein.name.clone(),
            leads_to: vein.leads_to.spec(),
        });
        vein_paths.push(format!("organs.veins[{i}]"));
    }
    let every = &section.every;
    let rates = [
        (every.extravasation_rate, "extravasation_rate"),
        (every.arrested_death_rate, "arrested_death_rate"),
        (every.solitary_death_rate, "solitary_death_rate"),
        (every.dormancy_entry_rate, "dormancy_entry_rate"),
        (every.dormancy_exit_rate, "dormancy_exit_rate"),
        (every.dormant_death_rate, "dormant_death_rate"),
        (every.growth_multiplier, "growth_multiplier"),
        (
            every.solitary_division_multiplier,
            "solitary_division_multiplier",
        ),
    ];
    for (value, name) in rates {
        if let Some(value) = value {
            check_rate(value, format!("organs.every.{name}"))?;
        }
    }
    if let Some(p) = every.arrest_probability {
        check_probability(p, "organs.every.arrest_probability")?;
    }
    if let Some(k) = every.carrying_capacity
        && !(k.is_finite() && k > 1.0)
    {
        return Err(invalid(
            "organs.every.carrying_capacity",
            k,
            "a finite number of cells > 1",
        ));
    }
    for spec in &mut specs {
        every.apply(spec);
    }
    let mut changed_by: Vec<Option<usize>> = vec![None; specs.len()];
    for (i, change) in section.change.iter().enumerate() {
        let path = format!("organs.change[{i}]");
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        let Some(index) = specs.iter().position(|s| s.name == change.organ) else {
            return Err(unknown_name(
                format!("{path}.organ"),
                "organ",
                &change.organ,
                &names,
            ));
        };
        if let Some(previous) = changed_by[index] {
            return Err(Unplaced::new(
                format!("{path}.organ"),
                format!(
                    "organ \"{}\" is already changed by organs.change[{previous}]; merge the two",
                    change.organ
                ),
            ));
        }
        changed_by[index] = Some(i);
        organ_paths[index] = path;
        let spec = &mut specs[index];
        if let Some(share) = change.cardiac_output_share {
            spec.cardiac_output_share = share;
        }
        if let Some(drain) = &change.drains_to {
            spec.drains_to = drain.spec();
        }
        if let Some(routes) = &change.venous_routes {
            spec.venous_routes = NewRoute::specs(routes);
        }
        change.microenvironment().apply(spec);
    }
    let path_of_organ = |name: &str| -> String {
        specs
            .iter()
            .position(|s| s.name == name)
            .map_or_else(|| "organs".to_string(), |i| organ_paths[i].clone())
    };
    let path_of_vein = |name: &str| -> String {
        veins
            .iter()
            .position(|v| v.name == name)
            .map_or_else(|| "organs.veins".to_string(), |i| vein_paths[i].clone())
    };
    let field_of = |base: String, field: &str| -> String {
        if base.starts_with("organs.change") {
            // A changed field is written under the change; others come from
            // the preset.
            format!("{base}.{field}")
        } else if base.starts_with("organs.add") {
            format!("{base}.{field}")
        } else {
            base
        }
    };
    OrganSet::new(specs.clone(), veins.clone()).map_err(|error| {
        let mut message = match &error {
            // The path names the parameter.
            GraphError::InvalidParameter {
                organ,
                value,
                expected,
                ..
            } => format!("{value} is invalid for organ \"{organ}\", expected {expected}"),
            other => other.to_string(),
        };
        let path = match &error {
            GraphError::Empty => "organs".to_string(),
            GraphError::TooManyOrgans { .. } => "organs.add".to_string(),
            GraphError::DuplicateOrgan { name } => {
                // The second organ with the name.
                let index = specs
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| &s.name == name)
                    .map(|(i, _)| i)
                    .nth(1)
                    .unwrap_or(0);
                field_of(organ_paths.get(index).cloned().unwrap_or_default(), "name")
            }
            GraphError::InvalidParameter {
                organ, parameter, ..
            } => field_of(path_of_organ(organ), parameter),
            GraphError::UnknownDrain { organ, .. } => field_of(path_of_organ(organ), "drains_to"),
            GraphError::DrainCycle { organ, cycle } => {
                // The loop's drain written in the file: a change that sets
                // `drains_to`, or an added organ.
                let written = cycle.iter().find_map(|name| {
                    let index = specs.iter().position(|s| &s.name == name)?;
                    let base = &organ_paths[index];
                    let change = changed_by[index].map(|i| &section.change[i]);
                    let sets_routes = change.is_some_and(|c| c.venous_routes.is_some())
                        || (base.starts_with("organs.add")
                            && section
                                .add
                                .iter()
                                .any(|o| &o.name == name && !o.venous_routes.is_empty()));
                    let sets_drain = base.starts_with("organs.add")
                        || change.is_some_and(|c| c.drains_to.is_some());
                    if sets_routes {
                        Some(format!("{base}.venous_routes"))
                    } else {
                        sets_drain.then(|| format!("{base}.drains_to"))
                    }
                });
                written.unwrap_or_else(|| field_of(path_of_organ(organ), "drains_to"))
            }
            GraphError::SharesDoNotSumToOne { .. } => {
                // The shares written in the file, where the fix is.
                let mut written = Vec::new();
                for (i, change) in section.change.iter().enumerate() {
                    if let Some(share) = change.cardiac_output_share {
                        written.push((
                            format!("organs.change[{i}].cardiac_output_share"),
                            &change.organ,
                            share,
                        ));
                    }
                }
                for (i, organ) in section.add.iter().enumerate() {
                    written.push((
                        format!("organs.add[{i}].cardiac_output_share"),
                        &organ.name,
                        organ.cardiac_output_share,
                    ));
                }
                let listed: Vec<String> = written
                    .iter()
                    .map(|(path, name, share)| format!("{name} {share} ({path})"))
                    .collect();
                if listed.is_empty() {
                    "organs".to_string()
                } else {
                    let preset: f64 = specs
                        .iter()
                        .filter(|s| !written.iter().any(|(_, name, _)| *name == &s.name))
                        .map(|s| s.cardiac_output_share)
                        .sum();
                    // Rounded, so that 0.98 does not print as 0.9800000000000001.
                    let preset = (preset * 1e9).round() / 1e9;
                    message.push_str(&format!(
                        "; the file sets {}, and the other organs' shares sum to {preset}",
                        listed.join(", ")
                    ));
                    written.swap_remove(0).0
                }
            }
            GraphError::NoArterialDestination => "organs".to_string(),
            GraphError::DuplicateVein { name } => {
                // The second vein with the name.
                let index = veins
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| &v.name == name)
                    .map(|(i, _)| i)
                    .nth(1)
                    .unwrap_or(0);
                let base = vein_paths.get(index).cloned().unwrap_or_default();
                if base.starts_with("organs.veins[") {
                    format!("{base}.name")
                } else {
                    base
                }
            }
            GraphError::Route(route) => {
                let base = field_of(path_of_organ(route.organ()), "venous_routes");
                match route {
                    RouteError::InvalidShare { route, .. } => format!("{base}[{route}].share"),
                    RouteError::UnknownBed { route, .. }
                    | RouteError::BedGivenTwice { route, .. } => format!("{base}[{route}].to"),
                    RouteError::SharesDoNotSumToOne { .. }
                    | RouteError::MainDrainageMissing { .. } => base,
                }
            }
            GraphError::UnknownVeinTarget { vein: name, .. } => {
                let base = path_of_vein(name);
                if base.starts_with("organs.veins[") {
                    format!("{base}.leads_to")
                } else {
                    base
                }
            }
        };
        Unplaced::new(path, message)
    })
}
