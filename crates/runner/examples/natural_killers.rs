//! Immune surveillance as a lab's own mechanism: natural-killer (NK) cells
//! clear circulating tumour cells, at a rate that rises after a day of
//! immunotherapy and wanes again.
//!
//! The clearance is a fate of its own (`killed_by_nk`), a hazard on cells
//! in transit that competes with the model's own fates (arrest, passage,
//! death in circulation), so it is exact for every clone whatever its
//! other rates, and its kills are counted apart from `died_in_circulation`
//! in `funnel.csv`, `summary.csv` and `summary.json`. Clones named in
//! `resistant_clones` escape it (a loss of the NK ligands, say).
//!
//! A passage of a cell through the blood ends in one of four ways, with
//! competing exponential clocks: arrival at the next bed (rate 1/τ, τ the
//! transit time), death in circulation (δ), or NK clearance (k × the NK
//! activity). So the share of passages that end in clearance by the host is
//! (δ + k)/(δ + k + 1/τ), and by NK cells k/(δ + k + 1/τ);
//! `tests/it/mechanisms.rs` checks both.
//!
//! ```text
//! cargo run --release -p cascade-runner --example natural_killers -- \
//!     run crates/runner/examples/natural_killers.ron
//! ```
//!
//! The scenario's `events` schedule `ImmunotherapyGiven`; the extension
//! schedules its own `ImmunotherapyWaned`, which a scenario file cannot.

use std::process::ExitCode;

use cascade_biology::CascadeError;
use cascade_biology::config::{CascadeConfig, ConfigError, check_rate};
use cascade_biology::kernel::{Time, TraceDigest, TraceEvent};
use cascade_biology::model::{
    Cell, Compartment, CounterId, Declarations, Extension, ExtensionContext, FateId, LevelId,
    Outcome,
};
use cascade_runner::ScenarioExtension;
use serde::{Deserialize, Serialize};

/// The events a scenario file can schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImmunotherapyEvent {
    /// A dose of immunotherapy was given: NK activity is multiplied by
    /// `activity` until it wanes, `waning_days` later.
    ImmunotherapyGiven {
        /// NK activity while it acts (1: as without it).
        activity: f64,
    },
}

/// The extension's events: the file's, and its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NaturalKillerEvent {
    /// From the scenario file.
    File(ImmunotherapyEvent),
    /// The effect of dose `dose` (counted from 1) wore off: scheduled by
    /// the extension itself. NK activity goes back to 1 unless a later dose
    /// acts.
    ImmunotherapyWaned {
        /// The dose.
        dose: u64,
    },
}

impl TraceEvent for NaturalKillerEvent {
    fn kind(&self) -> &str {
        match self {
            NaturalKillerEvent::File(ImmunotherapyEvent::ImmunotherapyGiven { .. }) => {
                "ImmunotherapyGiven"
            }
            NaturalKillerEvent::ImmunotherapyWaned { .. } => "ImmunotherapyWaned",
        }
    }

    fn write_payload(&self, digest: &mut TraceDigest) {
        match self {
            NaturalKillerEvent::File(ImmunotherapyEvent::ImmunotherapyGiven { activity }) => {
                digest.write_f64(*activity)
            }
            NaturalKillerEvent::ImmunotherapyWaned { dose } => digest.write_u64(*dose),
        }
    }
}

/// The extension's parameters, from the scenario's `extension: (...)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NaturalKillers {
    /// k: NK clearance of a circulating cell, per day, at activity 1.
    pub clearance_rate: f64,
    /// Days a dose of immunotherapy acts.
    pub waning_days: f64,
    /// Clones NK cells do not clear, by name.
    pub resistant_clones: Vec<String>,
}

impl Default for NaturalKillers {
    fn default() -> Self {
        NaturalKillers {
            clearance_rate: 0.0,
            waning_days: 7.0,
            resistant_clones: Vec::new(),
        }
    }
}

/// The fate: cleared by NK cells while in transit.
pub const KILLED_BY_NK: FateId = FateId(0);
/// The level: NK activity (1 without immunotherapy).
pub const NK_ACTIVITY: LevelId = LevelId(0);
/// The counter: doses of immunotherapy given.
pub const DOSES: CounterId = CounterId(0);

impl Extension for NaturalKillers {
    type Event = NaturalKillerEvent;

    fn declare(&self, declarations: &mut Declarations) {
        let fate = declarations.fate("killed_by_nk", Compartment::InTransit, Outcome::Died);
        let level = declarations.level("nk_activity", 1.0);
        let counter = declarations.counter("immunotherapy_doses");
        debug_assert_eq!((fate, level, counter), (KILLED_BY_NK, NK_ACTIVITY, DOSES));
    }

    fn hazard(&self, _: FateId, cell: &Cell<'_>) -> f64 {
        // A mutant is as resistant as the founding clone it descends from.
        let founder = cell.lineage.founder_of(cell.clone);
        if self.resistant_clones.contains(&cell.lineage.name(founder)) {
            return 0.0;
        }
        self.clearance_rate * cell.level(NK_ACTIVITY)
    }

    fn handle(
        &self,
        event: NaturalKillerEvent,
        context: &mut ExtensionContext<'_, '_, NaturalKillerEvent>,
    ) -> Result<(), CascadeError> {
        match event {
            NaturalKillerEvent::File(ImmunotherapyEvent::ImmunotherapyGiven { activity }) => {
                context.count(DOSES, 1)?;
                // Redraws every clock whose rate it changes.
                context.set_level(NK_ACTIVITY, activity)?;
                let waned = Time::new(context.now().days() + self.waning_days)?;
                let dose = context.counter(DOSES);
                context.schedule_at(waned, NaturalKillerEvent::ImmunotherapyWaned { dose })
            }
            // A later dose keeps acting until its own end.
            NaturalKillerEvent::ImmunotherapyWaned { dose } if dose == context.counter(DOSES) => {
                context.set_level(NK_ACTIVITY, 1.0)
            }
            NaturalKillerEvent::ImmunotherapyWaned { .. } => Ok(()),
        }
    }
}

impl ScenarioExtension for NaturalKillers {
    type FileEvent = ImmunotherapyEvent;

    fn from_file(event: &ImmunotherapyEvent) -> NaturalKillerEvent {
        NaturalKillerEvent::File(event.clone())
    }

    fn validate(&self, config: &CascadeConfig) -> Result<(), ConfigError> {
        check_rate(self.clearance_rate, "clearance_rate")?;
        check_rate(self.waning_days, "waning_days")?;
        for (i, name) in self.resistant_clones.iter().enumerate() {
            if !config.clones.iter().any(|c| &c.name == name) {
                let names: Vec<String> = config
                    .clones
                    .iter()
                    .map(|c| format!("{:?}", c.name))
                    .collect();
                return Err(ConfigError {
                    path: format!("resistant_clones[{i}]"),
                    value: format!("{name:?}"),
                    expected: format!("a clone of the scenario: {}", names.join(", ")),
                });
            }
        }
        Ok(())
    }

    fn validate_event(
        &self,
        event: &ImmunotherapyEvent,
        _: &CascadeConfig,
    ) -> Result<(), ConfigError> {
        let ImmunotherapyEvent::ImmunotherapyGiven { activity } = event;
        check_rate(*activity, "activity")
    }

    fn version() -> &'static str {
        "1.0.0"
    }
}

#[allow(dead_code)]
fn main() -> ExitCode {
    cascade_runner::cli::main::<NaturalKillers>()
}
