//! What cells in a clump do differently from single cells
//! (`docs/tumour-cell-clusters.md`): the scenario's `clumps` section.

use serde::{Deserialize, Serialize};

use crate::config::error::ConfigError;

/// How clumps of circulating tumour cells behave, beyond travelling,
/// arresting and extravasating together. The defaults keep clumps'
/// cells exactly as single cells of their clone.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClumpBehaviour {
    /// Multiplies the death rate of every cell of a clump, in the blood
    /// and arrested in a bed, in `[0, 1]`: below 1, a clump's cells resist
    /// anoikis (Aceto et al. 2014, `docs/references.md#circulation-dormancy-kinetics`, where
    /// clusters keep their cell–cell adhesion). Default 1, a placeholder:
    /// the cells die as single cells do.
    pub death_rate_factor: f64,
}

impl Default for ClumpBehaviour {
    fn default() -> Self {
        ClumpBehaviour {
            death_rate_factor: 1.0,
        }
    }
}

impl ClumpBehaviour {
    /// Checks its fields, under `clumps` of the configuration.
    ///
    /// # Errors
    ///
    /// A death-rate factor that is not a number in `[0, 1]`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let factor = self.death_rate_factor;
        if !(factor.is_finite() && (0.0..=1.0).contains(&factor)) {
            return Err(ConfigError::new(
                "clumps.death_rate_factor",
                factor.to_string(),
                "a factor in [0, 1] on the death rate of a clump's cells \
                 (1: as single cells; 0.1: a tenth of their death rate)",
            ));
        }
        Ok(())
    }
}
