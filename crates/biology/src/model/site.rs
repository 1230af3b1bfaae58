//! A primary tumour or a metastasis ([`Site`]): its cells per clone, its
//! sizes and days, and how it grows now (a child module of `model`).

use cascade_kernel::Time;
use serde::{Deserialize, Serialize};

use super::{Growth, GrowthMode};
use crate::clones::CloneId;
use crate::config::GrowthLaw;
use crate::organs::OrganId;

/// A site's index, in order of founding (the primary, if any, is 0).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SiteId(pub u32);

impl SiteId {
    /// The index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A primary tumour or a metastasis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Its index.
    pub id: SiteId,
    /// Primary or metastasis.
    pub kind: SiteKind,
    /// Where it grows.
    pub organ: OrganId,
    /// When it was founded.
    pub founded_at: Time,
    /// The clone of the cell that founded it; for a metastasis founded by a
    /// clump, the clump's leading clone (the most cells, the lowest id on a
    /// tie); for the primary, the clone with the most cells at time zero
    /// (the first listed on a tie).
    pub founder: CloneId,
    /// Cells that founded it: 1 for a metastasis founded by a solitary
    /// cell's first division, the clump's cells for one founded by a clump,
    /// the cells at time zero for the primary.
    pub founding_cells: u64,
    /// Distinct clones among the cells that founded it: more than 1 only
    /// for a metastasis founded by a mixed clump (or a primary of several
    /// clones). Mutants born later are not counted here (see
    /// [`clones_ever`](Self::clones_ever)).
    pub founding_clones: u32,
    /// Cells per clone, sorted by clone; clones that died out are removed.
    pub cells: Vec<(CloneId, u64)>,
    /// Total cells.
    pub size: u64,
    /// Largest size reached.
    pub peak_size: u64,
    /// Distinct clones that have ever had cells here.
    pub clones_ever: u32,
    /// When it reached the detectable size.
    pub detected_at: Option<Time>,
    /// When it reached the macrometastasis size.
    pub macroscopic_at: Option<Time>,
    /// When its last cell died or left.
    pub extinct_at: Option<Time>,
    /// When it was removed by surgery (the primary only); a resected site
    /// sheds no more cells, and the cells left behind can grow back.
    #[serde(default)]
    pub resected_at: Option<Time>,
    /// When it relapsed: it was below the detectable size after surgery
    /// or a dose (or was founded after therapy began) and grew to it, once
    /// every regimen had given its first dose ([`crate::therapy`],
    /// Relapse).
    #[serde(default)]
    pub relapsed_at: Option<Time>,
    /// Below the detectable size since therapy began, so that reaching it
    /// is a relapse.
    #[serde(default)]
    pub(super) awaiting_relapse: bool,
    /// When it was vascularised (the angiogenic switch,
    /// [`crate::angiogenesis`]); `None` for a site that never was, and for
    /// every site without the switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vascularised_at: Option<Time>,
    /// How it grows now: by single events on its clock, or by steps.
    pub(super) growth: Growth,
    pub(super) growth_law: GrowthLaw,
    pub(super) capacity: Capacity,
}

impl Site {
    /// How it grows now.
    pub fn growth_mode(&self) -> GrowthMode {
        match self.growth {
            Growth::Events { .. } => GrowthMode::Events,
            Growth::Counted { .. } => GrowthMode::Counted,
            Growth::Exact { .. } => GrowthMode::Exact,
        }
    }

    /// Whether it grows by steps (counted or exact), not by single events.
    pub fn is_stepped(&self) -> bool {
        !matches!(self.growth, Growth::Events { .. })
    }

    /// Whether more than one clone has cells here now.
    pub fn is_polyclonal(&self) -> bool {
        self.cells.len() > 1
    }

    pub(super) fn count_mut(&mut self, clone: CloneId) -> &mut u64 {
        let index = match self.cells.binary_search_by_key(&clone, |&(c, _)| c) {
            Ok(index) => index,
            Err(index) => {
                self.cells.insert(index, (clone, 0));
                self.clones_ever += 1;
                index
            }
        };
        &mut self.cells[index].1
    }

    pub(super) fn add(&mut self, clone: CloneId) {
        *self.count_mut(clone) += 1;
        self.size += 1;
        self.peak_size = self.peak_size.max(self.size);
    }

    /// One cell of `clone` left (died or was shed) at `now`: the site is
    /// extinct if it was the last.
    pub(super) fn lose(&mut self, clone: CloneId, now: Time) {
        self.remove(clone);
        if self.size == 0 {
            self.extinct_at = Some(now);
        }
    }

    pub(super) fn remove(&mut self, clone: CloneId) -> bool {
        let Ok(index) = self.cells.binary_search_by_key(&clone, |&(c, _)| c) else {
            return false;
        };
        self.cells[index].1 -= 1;
        if self.cells[index].1 == 0 {
            self.cells.remove(index);
        }
        self.size -= 1;
        true
    }
}

/// Primary or metastasis.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SiteKind {
    /// The primary tumour.
    Primary,
    /// A metastasis.
    Metastasis,
}

/// A site's carrying capacity, with its logarithm (which Gompertz growth
/// divides by at every rate, computed once). Serialised as the capacity
/// alone.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "f64", into = "f64")]
pub(super) struct Capacity {
    /// The capacity, cells.
    pub(super) cells: f64,
    /// Its natural logarithm.
    pub(super) log: f64,
}

impl From<f64> for Capacity {
    fn from(cells: f64) -> Self {
        Capacity {
            cells,
            log: libm::log(cells),
        }
    }
}

impl From<Capacity> for f64 {
    fn from(capacity: Capacity) -> Self {
        capacity.cells
    }
}
