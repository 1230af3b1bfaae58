//! A lab's own events, driven from scenario files, without forking.
//!
//! The extension here changes the death rate of circulating cells while an
//! intervention lasts (say, an anticoagulant that leaves tumour cells
//! exposed to the blood). Its parameters are the scenario's `extension`
//! field; its events are scheduled by the scenario's `events` list. Every
//! `cascade` command comes with it:
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
use cascade_biology::config::{CascadeConfig, ConfigError};
use cascade_biology::kernel::{Context, TraceDigest, TraceEvent};
use cascade_biology::model::{CascadeEvent, CascadeState, Extension};
use cascade_runner::ScenarioExtension;
use serde::{Deserialize, Serialize};

/// The events a scenario can schedule: facts, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InterventionEvent {
    /// The intervention began.
    InterventionStarted,
    /// The intervention ended.
    InterventionEnded,
}

impl TraceEvent for InterventionEvent {
    fn kind(&self) -> &str {
        match self {
            InterventionEvent::InterventionStarted => "InterventionStarted",
            InterventionEvent::InterventionEnded => "InterventionEnded",
        }
    }

    fn write_payload(&self, _: &mut TraceDigest) {}
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
        &mut self,
        event: InterventionEvent,
        state: &mut CascadeState,
        context: &mut Context<'_, CascadeEvent<InterventionEvent>>,
    ) -> Result<(), CascadeError> {
        state.modifiers.circulation_death = match event {
            InterventionEvent::InterventionStarted => self.death_rate_factor,
            InterventionEvent::InterventionEnded => 1.0,
        };
        // Every clock is exponential, so redrawing them all is exact.
        state.redraw_all(context)
    }
}

impl ScenarioExtension for CirculationIntervention {
    fn validate(&self, _: &CascadeConfig) -> Result<(), ConfigError> {
        let factor = self.death_rate_factor;
        if factor.is_finite() && factor >= 0.0 {
            Ok(())
        } else {
            Err(ConfigError {
                path: "death_rate_factor".into(),
                value: factor.to_string(),
                expected: "a finite number >= 0".into(),
            })
        }
    }
}

#[allow(dead_code)]
fn main() -> ExitCode {
    cascade_runner::cli::main::<CirculationIntervention>()
}
