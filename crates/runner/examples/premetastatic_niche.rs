//! A pre-metastatic niche as a lab's own mechanism: from a day on, one
//! organ is primed (by factors a primary tumour secretes, say), and tumour
//! cells that *arrive in its capillary bed afterwards* extravasate faster.
//! Cells already arrested there keep their rate, and the growth of
//! colonies is left as it was.
//!
//! The extension marks cells when they are arrested in the organ's bed on
//! or after `from_day` ([`Extension::mark`]), and multiplies the
//! extravasation of marked cells by `extravasation_factor`
//! ([`Extension::multiplier`]). Marked cells are a pool of their own, so
//! every clock stays exact. It also counts, after each event it subscribes
//! to ([`Extension::after`]), how marked cells left the bed:
//! `niche_extravasated` and `niche_died_in_vessel`.
//!
//! An arrested cell extravasates at rate e and dies in the vessel at rate
//! d, so it extravasates with probability e/(e + d); in the niche, with
//! f·e/(f·e + d). `tests/it/mechanisms.rs` checks both.
//!
//! ```text
//! cargo run --release -p cascade-runner --example premetastatic_niche -- \
//!     run crates/runner/examples/premetastatic_niche.ron
//! ```

use std::process::ExitCode;

use cascade_biology::config::{CascadeConfig, ConfigError, check_rate};
use cascade_biology::model::{
    Arrival, CascadeEvent, Cell, Compartment, CounterId, Declarations, Extension, ExtensionContext,
    Mark, NoEvent, PoolFate,
};
use cascade_biology::{CascadeError, OrganId};
use cascade_runner::ScenarioExtension;
use serde::{Deserialize, Serialize};

/// The extension's parameters, from the scenario's `extension: (...)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PremetastaticNiche {
    /// The primed organ, by name.
    pub organ: String,
    /// The day from which it is primed.
    pub from_day: f64,
    /// f: multiplier of the extravasation rate of cells arrested there on
    /// or after `from_day`.
    pub extravasation_factor: f64,
}

impl Default for PremetastaticNiche {
    fn default() -> Self {
        PremetastaticNiche {
            organ: "lung".into(),
            from_day: 0.0,
            extravasation_factor: 1.0,
        }
    }
}

/// The mark of cells arrested in the primed organ on or after the day.
pub const IN_NICHE: Mark = Mark(1);
/// Marked cells that extravasated.
pub const NICHE_EXTRAVASATED: CounterId = CounterId(0);
/// Marked cells that died in the vessel.
pub const NICHE_DIED_IN_VESSEL: CounterId = CounterId(1);

impl PremetastaticNiche {
    fn organ_id(&self, config: &CascadeConfig) -> Option<OrganId> {
        config.organs.id(&self.organ)
    }
}

impl Extension for PremetastaticNiche {
    type Event = NoEvent;

    fn declare(&self, declarations: &mut Declarations) {
        declarations.mark_arrivals();
        declarations.multiply(PoolFate::Extravasated);
        let counters = (
            declarations.counter("niche_extravasated"),
            declarations.counter("niche_died_in_vessel"),
        );
        debug_assert_eq!(counters, (NICHE_EXTRAVASATED, NICHE_DIED_IN_VESSEL));
        declarations.subscribe("CellExtravasated");
        declarations.subscribe("CellDiedInVessel");
    }

    fn mark(&self, arrival: &Arrival<'_>) -> Mark {
        let cell = &arrival.cell;
        let primed = cell.compartment == Compartment::Arrested
            && Some(cell.organ) == self.organ_id(cell.config)
            && arrival.day >= self.from_day;
        if primed { IN_NICHE } else { Mark::NONE }
    }

    fn multiplier(&self, _: PoolFate, cell: &Cell<'_>) -> f64 {
        if cell.mark == IN_NICHE {
            self.extravasation_factor
        } else {
            1.0
        }
    }

    fn handle(
        &self,
        event: NoEvent,
        _: &mut ExtensionContext<'_, '_, NoEvent>,
    ) -> Result<(), CascadeError> {
        match event {}
    }

    fn after(
        &self,
        event: &CascadeEvent<NoEvent>,
        context: &mut ExtensionContext<'_, '_, NoEvent>,
    ) -> Result<(), CascadeError> {
        match *event {
            CascadeEvent::CellExtravasated { mark, .. } if mark == IN_NICHE => {
                context.count(NICHE_EXTRAVASATED, 1)
            }
            CascadeEvent::CellDiedInVessel { mark, .. } if mark == IN_NICHE => {
                context.count(NICHE_DIED_IN_VESSEL, 1)
            }
            _ => Ok(()),
        }
    }
}

impl ScenarioExtension for PremetastaticNiche {
    type FileEvent = NoEvent;

    fn from_file(event: &NoEvent) -> NoEvent {
        match *event {}
    }

    fn validate(&self, config: &CascadeConfig) -> Result<(), ConfigError> {
        config.organ_named(&self.organ, "organ")?;
        check_rate(self.from_day, "from_day")?;
        check_rate(self.extravasation_factor, "extravasation_factor")
    }

    fn version() -> &'static str {
        "1.0.0"
    }
}

#[allow(dead_code)]
fn main() -> ExitCode {
    cascade_runner::cli::main::<PremetastaticNiche>()
}
