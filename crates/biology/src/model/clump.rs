//! A clump's data: its id, stage, cells and marks (the clumps' rules, how
//! they form, travel, arrest and break up, are in `clumps.rs`). Below
//! `Places`, which holds the clumps, and above nothing of the model's
//! features.

use cascade_kernel::{EventHandle, Time};
use serde::{Deserialize, Serialize};

use super::Compartment;
use super::declared::Mark;
use crate::clones::CloneId;
use crate::organs::OrganId;

/// A clump's id, in order of formation (over the whole run).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClumpId(pub u64);

/// Where a clump is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClumpStage {
    /// In the blood, on its way to the organ's capillary bed.
    InTransit,
    /// Arrested in the organ's capillary bed.
    Arrested,
}

impl ClumpStage {
    /// The compartment its cells would be in as single cells.
    pub fn compartment(self) -> Compartment {
        match self {
            ClumpStage::InTransit => Compartment::InTransit,
            ClumpStage::Arrested => Compartment::Arrested,
        }
    }
}

/// Several cells travelling, arresting and extravasating together: always
/// at least 2 (a clump down to one cell becomes a single cell).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clump {
    /// Its id.
    pub id: ClumpId,
    /// In transit or arrested.
    pub stage: ClumpStage,
    /// The organ: the one whose bed it is bound for, or arrested in.
    pub organ: OrganId,
    /// When it was injected.
    pub formed_at: Time,
    /// Its cells when injected.
    pub formed_size: u64,
    /// The injection that formed it (its index in the configuration):
    /// the source of its cells (`arrivals.csv`).
    #[serde(default)]
    pub injection: u32,
    /// Cells per clone, sorted by clone, none 0.
    pub cells: Vec<(CloneId, u64)>,
    /// Total cells, at least 2.
    pub size: u64,
    pub(super) clock: Option<EventHandle>,
    /// The extension's marks of its cells, per clone (sorted by clone,
    /// only those not [`Mark::NONE`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) marks: Vec<(CloneId, Mark)>,
}

impl Clump {
    /// Where its cells came from: its injection, on the day it was formed.
    pub fn origin(&self) -> super::Origin {
        super::Origin::injected(self.injection, self.formed_at)
    }

    /// Its cells of `clone`.
    pub fn cells_of(&self, clone: CloneId) -> u64 {
        self.cells
            .iter()
            .find(|&&(c, _)| c == clone)
            .map_or(0, |&(_, n)| n)
    }

    /// The clone with the most cells in it, the lowest id on a tie: the
    /// clone a clump's counts in the funnel go under, and the founder of
    /// the metastasis it founds.
    pub fn leading_clone(&self) -> CloneId {
        leading_clone(&self.cells)
    }

    /// Whether it holds cells of more than one clone.
    pub fn is_mixed(&self) -> bool {
        self.cells.len() > 1
    }

    /// The extension's mark of its cells of `clone`.
    pub fn mark_of(&self, clone: CloneId) -> Mark {
        (self.marks.iter())
            .find(|&&(c, _)| c == clone)
            .map_or(Mark::NONE, |&(_, mark)| mark)
    }

    /// Removes one cell of `clone`, which the clump holds.
    pub(super) fn remove(&mut self, clone: CloneId) {
        let index = self
            .cells
            .iter()
            .position(|&(c, _)| c == clone)
            .expect("a cell of the clump's own clones died");
        self.cells[index].1 -= 1;
        if self.cells[index].1 == 0 {
            self.cells.remove(index);
            self.marks.retain(|&(c, _)| c != clone);
        }
        self.size -= 1;
    }
}

/// The clone with the most cells in `cells` (sorted by clone), the first,
/// so the lowest id, on a tie.
pub(super) fn leading_clone(cells: &[(CloneId, u64)]) -> CloneId {
    cells
        .iter()
        .fold(None, |best: Option<(CloneId, u64)>, &(c, n)| match best {
            Some((_, most)) if most >= n => best,
            _ => Some((c, n)),
        })
        .map_or(CloneId(0), |(c, _)| c)
}
