//! What cells in a clump do differently from single cells
//! (`docs/tumour-cell-clusters.md`): the scenario's `clumps` section.

use serde::{Deserialize, Serialize};

use crate::config::error::ConfigError;
use crate::rates::MAX_RATE;

/// How clumps of circulating tumour cells behave, beyond travelling,
/// arresting and extravasating together. The defaults keep clumps'
/// cells exactly as single cells of their clone, and draw no random
/// number of their own.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClumpBehaviour {
    /// Multiplies the death rate of every cell of a clump, in the blood
    /// and arrested in a bed, in `[0, 1]`: below 1, a clump's cells resist
    /// anoikis (Aceto et al. 2014, `docs/references.md#circulation-dormancy-kinetics`, where
    /// clusters keep their cell–cell adhesion). Default 1, a placeholder:
    /// the cells die as single cells do.
    pub death_rate_factor: f64,
    /// Arrest by size, `s` in `[0, 1]`: besides being held if any of its
    /// cells would be, a clump of `k` cells reaching a bed is held because
    /// it is too big for the bed's smallest vessels with probability
    /// `1 − (1 − s)^(k − 1)` (each cell beyond the first another chance
    /// of occluding a vessel), so it passes with probability
    /// `(1 − s)^(k − 1) · Π (1 − p_c)^(n_c)`. Default 0, a placeholder
    /// (no published figure gives `s`; `docs/tumour-cell-clusters.md`):
    /// clumps are held only as their cells would be.
    pub size_arrest_probability: f64,
    /// Dissociation in the blood, per clump per day, at least 0: a clump
    /// in transit breaks into single cells at this rate; they go on as
    /// single cells in transit to the same bed. Default 0 (clumps stay
    /// whole), a placeholder.
    pub dissociation_rate: f64,
    /// Dissociation at arrest: a clump held in a bed breaks at once into
    /// single arrested cells, which go on as single cells. Default
    /// `false`.
    pub dissociates_at_arrest: bool,
    /// How an injection deals its cells into clumps: drawn from the
    /// whole mix (default), or each clump of one clone (homotypic
    /// aggregation).
    pub formation: ClumpFormation,
    /// Who founds the lesion when an arrested clump extravasates: all
    /// its living cells together (default), or one of them.
    pub founding: ClumpFounding,
}

/// How an injection of clumps of `k` cells is dealt (`clumps.formation`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClumpFormation {
    /// Each clump `k` cells drawn without replacement from the injected
    /// mix of every clone (mixed clumps; the model before this field).
    #[default]
    Mixed,
    /// Homotypic aggregation: each clone's cells form clumps of their own,
    /// `⌊n_c / k⌋` clumps of clone `c` (clones in order), its `n_c mod k`
    /// cells left over injected as single cells. No random number.
    OneClone,
}

/// Who founds the lesion of an extravasated clump (`clumps.founding`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClumpFounding {
    /// Every living cell of the clump founds the lesion together, so a
    /// mixed clump founds a polyclonal lesion (the model before this field).
    #[default]
    Together,
    /// One cell, drawn uniformly among the clump's living cells, founds
    /// the lesion alone (a lesion of one cell and one clone); the others
    /// meet `others`.
    OneCell {
        /// What the clump's other cells do.
        others: OtherCells,
    },
}

/// What the cells of an extravasated clump that do not found its lesion
/// do (`clumps.founding: OneCell(others: …)`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OtherCells {
    /// They die in the tissue (counted as deaths in the parenchyma).
    Die,
    /// They become dormant single cells in the organ (counted as entering
    /// dormancy), and go on as dormant cells.
    Dormant,
}

impl Default for ClumpBehaviour {
    fn default() -> Self {
        ClumpBehaviour {
            death_rate_factor: 1.0,
            size_arrest_probability: 0.0,
            dissociation_rate: 0.0,
            dissociates_at_arrest: false,
            formation: ClumpFormation::Mixed,
            founding: ClumpFounding::Together,
        }
    }
}

impl ClumpBehaviour {
    /// Checks its fields, under `clumps` of the configuration.
    ///
    /// # Errors
    ///
    /// A death-rate factor or size-arrest probability that is not a
    /// number in `[0, 1]`; a dissociation rate that is not a number in
    /// `[0, MAX_RATE]`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let factor = self.death_rate_factor;
        if !in_unit_interval(factor) {
            return Err(ConfigError::new(
                "clumps.death_rate_factor",
                factor.to_string(),
                "a factor in [0, 1] on the death rate of a clump's cells \
                 (1: as single cells; 0.1: a tenth of their death rate)",
            ));
        }
        let size = self.size_arrest_probability;
        if !in_unit_interval(size) {
            return Err(ConfigError::new(
                "clumps.size_arrest_probability",
                size.to_string(),
                "a probability in [0, 1] that each cell of a clump beyond the first \
                 makes it too big to pass a bed (0: held only as its cells would be)",
            ));
        }
        let rate = self.dissociation_rate;
        if !(rate.is_finite() && (0.0..=MAX_RATE).contains(&rate)) {
            return Err(ConfigError::new(
                "clumps.dissociation_rate",
                rate.to_string(),
                format!(
                    "a rate per clump per day in [0, {MAX_RATE:e}] at which a clump in \
                     the blood breaks into single cells (0: clumps stay whole)"
                ),
            ));
        }
        Ok(())
    }

    /// Whether arrested clumps found their lesion with one cell.
    pub fn one_cell_founds(&self) -> bool {
        matches!(self.founding, ClumpFounding::OneCell { .. })
    }
}

/// A finite number in `[0, 1]`.
fn in_unit_interval(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}
