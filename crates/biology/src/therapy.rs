//! Therapy: surgery, drugs and their schedules, and resistance.
//!
//! * **Surgery** removes the primary tumour at a set day or when it first
//!   holds a set number of cells. Each cell is left behind with probability
//!   [`Surgery::left_behind`] (a binomial draw per clone); the cells left
//!   behind stay a site that can grow back, but a resected site sheds no
//!   more cells.
//! * **Drugs** are named; a dose of drug `d` kills each cell of clone `c`
//!   independently with probability `1 − 10^(−log_kill(d) · s(c, d))`
//!   (log-kill: a fully sensitive cell, `s = 1`, loses `log_kill` logs per
//!   dose), where `s(c, d)` is the clone's [`sensitivity`](crate::clones::Phenotype::sensitivity)
//!   to the drug. A dose reaches the cells in sites (the primary and the
//!   metastases) and in the pools (solitary, dormant, arrested and
//!   circulating cells); a [`cycle_specific`](Drug::cycle_specific) drug
//!   reaches only cells that can divide, those in sites and the solitary
//!   cells, so that dormant cells escape it. Cells in clumps (an
//!   injection experiment's device, in transit or arrested until they
//!   extravasate) are not reached.
//! * **Regimens** give doses of drugs on a schedule that starts at a day,
//!   when the primary first holds a set number of cells, at surgery, or when
//!   the first metastasis becomes detectable (plus a delay). Dose `k` gives
//!   the drugs of `cycle[k mod len]`: one group of several drugs is a
//!   combination given together, several groups of one drug an alternation.
//! * **Resistance** arises at division: when a cell of a clone that is
//!   sensitive to drug `d` divides, its new daughter is resistant with the
//!   drug's [`resistance_probability`](Drug::resistance_probability): a new
//!   clone (a mutant in the lineage) whose sensitivity to `d` is the drug's
//!   [`resistant_sensitivity`](Drug::resistant_sensitivity), everything else
//!   inherited. Mutation runs from time zero, so resistance pre-exists
//!   treatment with the probability the growth gives it; a founding clone
//!   may also be resistant from the start.
//! * **Relapse**: after surgery or a dose, every site below the detectable
//!   size (and every site founded later) relapses when it grows to that
//!   size, provided every regimen has given its first dose by then (at
//!   once, without regimens). Before that, reaching the detectable size is
//!   disease still to be treated (the detection that starts a
//!   `FirstDetection` regimen), not a relapse.

use serde::{Deserialize, Serialize};

/// A drug's index in [`Therapy::drugs`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DrugId(pub u32);

impl DrugId {
    /// The index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A named drug.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drug {
    /// Its name: non-empty and unique.
    pub name: String,
    /// Logs of kill per dose for a fully sensitive cell: a dose kills each
    /// cell with probability `1 − 10^(−log_kill · sensitivity)`. At least 0;
    /// a large value (say 1000, or infinity) is a certain kill of every
    /// cell with a sensitivity above 0.
    pub log_kill: f64,
    /// Reaches only cells that can divide (in sites, and solitary cells):
    /// dormant, arrested and circulating cells escape.
    pub cycle_specific: bool,
    /// Probability per division that the new daughter of a cell sensitive
    /// to this drug is resistant to it.
    pub resistance_probability: f64,
    /// The sensitivity of a resistant cell (0: a dose does nothing to it),
    /// below 1. A cell counts as resistant to the drug when its clone's
    /// sensitivity is at most this.
    pub resistant_sensitivity: f64,
}

/// When the primary tumour is removed.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SurgeryAt {
    /// At this day.
    Day(f64),
    /// When the primary first holds this many cells.
    PrimarySize(u64),
}

/// Removal of the primary tumour.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Surgery {
    /// When.
    pub at: SurgeryAt,
    /// Probability that a cell is left behind (0: a complete resection).
    pub left_behind: f64,
}

/// When a regimen starts (its first dose comes `delay` days later).
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RegimenStart {
    /// At this day.
    Day(f64),
    /// When the primary first holds this many cells.
    PrimarySize(u64),
    /// When the primary is removed (never, without surgery).
    Surgery,
    /// When the first metastasis becomes detectable.
    FirstDetection,
}

/// A schedule of doses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Regimen {
    /// When it starts.
    pub start: RegimenStart,
    /// Days from the start to the day the dose offsets count from.
    pub delay: f64,
    /// Days of the doses after `start + delay`, in increasing order.
    pub offsets: Vec<f64>,
    /// The drugs of each dose, in turn: dose `k` gives `cycle[k mod len]`.
    pub cycle: Vec<Vec<DrugId>>,
}

/// Everything given to the patient: no drugs, no surgery and no regimens
/// by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Therapy {
    /// The drugs; [`DrugId`]s index this list.
    pub drugs: Vec<Drug>,
    /// Removal of the primary, if any.
    pub surgery: Option<Surgery>,
    /// The dose schedules.
    pub regimens: Vec<Regimen>,
    /// End the run at the first relapse (the replicate is then not cured):
    /// for scenarios where nothing after a relapse is of interest, so that
    /// relapsing replicates do not spend their time growing back cell by
    /// cell. A relapse counts only once every regimen has given its first
    /// dose (see the module docs), so the detection that starts a
    /// `FirstDetection` regimen after surgery does not end the run.
    #[serde(default)]
    pub stop_at_relapse: bool,
}

impl Therapy {
    /// Whether the scenario has no therapy at all: no drug, no surgery and
    /// no regimen.
    pub fn is_empty(&self) -> bool {
        self.drugs.is_empty() && self.surgery.is_none() && self.regimens.is_empty()
    }
}

/// The probability that one dose of a drug with `log_kill` kills a cell of
/// sensitivity `sensitivity`: `1 − 10^(−log_kill · sensitivity)`, exactly 0
/// when either is 0 and exactly 1 when the product is large enough (about
/// 16 logs and more: the survival underflows the last bit).
pub fn kill_probability(log_kill: f64, sensitivity: f64) -> f64 {
    if log_kill == 0.0 || sensitivity == 0.0 {
        return 0.0;
    }
    let logs = log_kill * sensitivity;
    (-libm::expm1(-core::f64::consts::LN_10 * logs)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_probability_is_log_kill() {
        assert_eq!(kill_probability(0.0, 1.0), 0.0);
        assert_eq!(kill_probability(3.0, 0.0), 0.0);
        assert!((kill_probability(2.0, 1.0) - 0.99).abs() < 1e-15);
        assert!((kill_probability(2.0, 0.5) - 0.9).abs() < 1e-15);
        assert!((kill_probability(1e-9, 1.0) - 1e-9 * core::f64::consts::LN_10).abs() < 1e-17);
        assert_eq!(kill_probability(1000.0, 1.0), 1.0);
        assert_eq!(kill_probability(f64::INFINITY, 1.0), 1.0);
    }
}
