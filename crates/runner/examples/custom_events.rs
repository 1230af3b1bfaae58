//! A lab's own events, driven from scenario files, without forking.
//!
//! The extension here changes the death rate of circulating cells while an
//! intervention lasts (say, an anticoagulant that leaves tumour cells
//! exposed to the blood), and the soil of one organ (a local treatment that
//! slows the growth of metastases there). Its parameters are the scenario's
//! `extension` field; its events are scheduled by the scenario's `events`
//! list, and checked by `cascade check` (an organ an event names must be
//! one of the scenario's). Every `cascade` command comes with it:
//!
//! ```text
//! cargo run --release -p cascade-runner --example custom_events -- \
//!     run crates/runner/examples/custom_events.ron --replicates 4
//! ```
//!
//! A lab puts the same few lines in a crate of its own that depends on
//! `cascade-runner` and `cascade-biology`.

use std::process::ExitCode;

use cascade_biology::CascadeError;
use cascade_biology::config::{CascadeConfig, ConfigError, check_rate};
use cascade_biology::kernel::{TraceDigest, TraceEvent};
use cascade_biology::model::{Extension, ExtensionContext};
use cascade_runner::ScenarioExtension;
use serde::{Deserialize, Serialize};

/// The events a scenario can schedule: facts, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InterventionEvent {
    /// The intervention began.
    InterventionStarted,
    /// The intervention ended.
    InterventionEnded,
    /// One organ's soil was treated: from now on the birth rate of
    /// metastatic cells there is multiplied by `growth_factor`.
    SoilTreated {
        /// The organ, by name.
        organ: String,
        /// Multiplier of the birth rate of metastatic cells in the organ.
        growth_factor: f64,
    },
}

impl TraceEvent for InterventionEvent {
    fn kind(&self) -> &str {
        match self {
            InterventionEvent::InterventionStarted => "InterventionStarted",
            InterventionEvent::InterventionEnded => "InterventionEnded",
            InterventionEvent::SoilTreated { .. } => "SoilTreated",
        }
    }

    fn write_payload(&self, digest: &mut TraceDigest) {
        if let InterventionEvent::SoilTreated {
            organ,
            growth_factor,
        } = self
        {
            digest.write_str(organ);
            digest.write_f64(*growth_factor);
        }
    }
}

/// The extension's parameters, from the scenario's `extension: (...)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CirculationIntervention {
    /// Multiplier of the death rate of circulating cells while it acts.
    pub death_rate_factor: f64,
}

impl Default for CirculationIntervention {
    fn default() -> Self {
        CirculationIntervention {
            death_rate_factor: 1.0,
        }
    }
}

impl Extension for CirculationIntervention {
    type Event = InterventionEvent;

    fn handle(
        &self,
        event: InterventionEvent,
        context: &mut ExtensionContext<'_, '_, InterventionEvent>,
    ) -> Result<(), CascadeError> {
        // Every change of the modifiers redraws the clocks: exact, because
        // every clock is exponential.
        match event {
            InterventionEvent::InterventionStarted => {
                let factor = self.death_rate_factor;
                context.change_modifiers(|m| m.circulation_death = factor)
            }
            InterventionEvent::InterventionEnded => {
                context.change_modifiers(|m| m.circulation_death = 1.0)
            }
            InterventionEvent::SoilTreated {
                organ,
                growth_factor,
            } => {
                // `validate_event` made sure at `check` that the organ is
                // the scenario's; this is for events scheduled otherwise.
                let id = context.config().organs.id(&organ).ok_or_else(|| {
                    CascadeError::Extension(format!("SoilTreated: no organ named {organ:?}"))
                })?;
                context.change_modifiers(|m| m.growth[id.index()] = growth_factor)
            }
        }
    }
}

impl ScenarioExtension for CirculationIntervention {
    /// A file schedules every event of this extension (it has no
    /// internal ones).
    type FileEvent = InterventionEvent;

    fn from_file(event: &InterventionEvent) -> InterventionEvent {
        event.clone()
    }

    fn validate(&self, _: &CascadeConfig) -> Result<(), ConfigError> {
        check_rate(self.death_rate_factor, "death_rate_factor")
    }

    fn validate_event(
        &self,
        event: &InterventionEvent,
        config: &CascadeConfig,
    ) -> Result<(), ConfigError> {
        let InterventionEvent::SoilTreated {
            organ,
            growth_factor,
        } = event
        else {
            return Ok(());
        };
        config.organ_named(organ, "organ")?;
        check_rate(*growth_factor, "growth_factor")
    }

    /// Bumped whenever a change here moves results, so that `--resume`
    /// does not mix replicates of two versions (a lab's own crate returns
    /// `env!("CARGO_PKG_VERSION")`).
    fn version() -> &'static str {
        "1.0.0"
    }
}

#[allow(dead_code)]
fn main() -> ExitCode {
    cascade_runner::cli::main::<CirculationIntervention>()
}
