//! What a run records as it goes, never recomputed from a log: the funnel
//! per clone and organ, the ledger per clone, the observations (harvests,
//! burden samples, the first detection) and the extension's counts (its
//! fates per clone and organ, its counters). A child module of `model`.
//!
//! Every count is written through one call, [`Records::add`], and every
//! observation through [`Records::observe`]: the fields are private to this
//! module, so nothing else can write them, and whatever the model does,
//! its records change in one place.

use cascade_kernel::Time;
use serde::{Deserialize, Serialize};

use super::diversity::CompositionSample;
use super::provenance::{ArrivalKind, CellArrival};
use super::{CounterId, FateId};
use crate::clones::CloneId;
use crate::observables::{BurdenSample, Funnel, FunnelTable, Harvest, Ledger};
use crate::organs::OrganId;

/// A count the model adds to ([`Records::add`]).
#[derive(Copy, Clone)]
pub(super) enum Count {
    /// A funnel counter of a clone in an organ (`|f| &mut f.arrested`).
    Funnel(CloneId, OrganId, fn(&mut Funnel) -> &mut u64),
    /// Cells of a clone put into the model (a primary, an injection).
    Seeded(CloneId),
    /// Cells of a clone born.
    Born(CloneId),
    /// Cells of a clone that died by the model's own fates.
    Died(CloneId),
    /// Cells of a clone killed by a dose.
    Killed(CloneId),
    /// Cells of a clone removed by surgery.
    Removed(CloneId),
    /// Cells of a clone that met an extension's fate in an organ.
    Fate(FateId, CloneId, OrganId),
    /// An extension's counter.
    Counter(CounterId),
}

/// An observation the model makes ([`Records::observe`]).
pub(super) enum Observation {
    /// The colonies, counted at a harvest.
    Harvest(Harvest),
    /// The burden, on a day of the observation grid.
    Burden(BurdenSample),
    /// The clonal composition of the sites, on a day of the observation
    /// grid.
    Composition(CompositionSample),
    /// The first metastasis reached the detectable size.
    FirstDetection(Time),
}

/// The records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Records {
    funnel: FunnelTable,
    ledgers: Vec<Ledger>,
    harvests: Vec<Harvest>,
    burden: Vec<BurdenSample>,
    #[serde(default)]
    composition: Vec<CompositionSample>,
    first_detection: Option<Time>,
    /// The extension's records: its counters and its fates' counts.
    #[serde(default)]
    own: OwnRecords,
    /// Every founding or joining of a lesion, with where its cells came
    /// from (`model/provenance.rs`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    arrivals: Vec<CellArrival>,
}

/// The extension's own records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct OwnRecords {
    /// By [`CounterId`].
    counters: Vec<u64>,
    /// Per clone (by index; empty for a clone none has met), per fate and
    /// organ: `fate × organs + organ`.
    fates: Vec<Vec<u64>>,
    /// How many fates the extension declared (the width of a clone's row
    /// is this × organs).
    #[serde(default)]
    declared_fates: usize,
}

impl Records {
    /// Empty records of `clones` founding clones in `organs` organs.
    pub(super) fn new(organs: usize, clones: usize) -> Self {
        Records {
            funnel: FunnelTable::new(organs, clones),
            ledgers: vec![Ledger::default(); clones],
            harvests: Vec::new(),
            burden: Vec::new(),
            composition: Vec::new(),
            first_detection: None,
            own: OwnRecords::default(),
            arrivals: Vec::new(),
        }
    }

    /// Room for an extension's `fates` fates and `counters` counters.
    pub(super) fn declare(&mut self, fates: usize, counters: usize) {
        self.own.declared_fates = fates;
        self.own.counters = vec![0; counters];
    }

    /// A row for one more clone (a mutant).
    pub(super) fn add_clone(&mut self) {
        self.ledgers.push(Ledger::default());
    }

    /// How many clones have rows.
    pub(super) fn clones(&self) -> usize {
        self.ledgers.len()
    }

    /// Adds `n` to `count`: the one call through which every count is
    /// written. Returns false (and adds nothing) for a counter the
    /// extension did not declare. Inlined, so that at each call the match
    /// and the counter's function fold to the one addition it makes.
    #[inline(always)]
    pub(super) fn add(&mut self, count: Count, n: u64) -> bool {
        #[inline(always)]
        fn ledger(records: &mut Records, clone: CloneId) -> &mut Ledger {
            &mut records.ledgers[clone.index()]
        }
        match count {
            Count::Funnel(clone, organ, counter) => {
                *counter(self.funnel.entry_mut(clone, organ)) += n
            }
            Count::Seeded(clone) => ledger(self, clone).seeded += n,
            Count::Born(clone) => ledger(self, clone).born += n,
            Count::Died(clone) => ledger(self, clone).died += n,
            Count::Killed(clone) => ledger(self, clone).killed += n,
            Count::Removed(clone) => ledger(self, clone).removed += n,
            Count::Fate(fate, clone, organ) => {
                let organs = self.funnel.organs();
                let width = self.own.declared_fates * organs;
                let fates = &mut self.own.fates;
                if fates.len() <= clone.index() {
                    fates.resize(clone.index() + 1, Vec::new());
                }
                let counts = &mut fates[clone.index()];
                if counts.is_empty() {
                    counts.resize(width, 0);
                }
                counts[fate.0 as usize * organs + organ.index()] += n;
            }
            Count::Counter(counter) => match self.own.counters.get_mut(counter.0 as usize) {
                Some(slot) => *slot += n,
                None => return false,
            },
        }
        true
    }

    /// Records `observation`: the one call through which every
    /// observation is written.
    pub(super) fn observe(&mut self, observation: Observation) {
        match observation {
            Observation::Harvest(harvest) => self.harvests.push(harvest),
            Observation::Burden(sample) => self.burden.push(sample),
            Observation::Composition(sample) => self.composition.push(sample),
            Observation::FirstDetection(day) => self.first_detection = Some(day),
        }
    }

    /// Records that cells founded or joined a lesion: the one call
    /// through which provenance is written.
    pub(super) fn arrived(&mut self, arrival: CellArrival) {
        self.arrivals.push(arrival);
    }

    /// Every founding or joining so far, in order.
    pub(super) fn arrivals(&self) -> &[CellArrival] {
        &self.arrivals
    }

    /// Cells that joined an existing lesion so far (reseeding).
    pub(super) fn joined(&self) -> u64 {
        (self.arrivals.iter())
            .filter(|a| a.kind == ArrivalKind::Joined)
            .map(|a| a.cells)
            .sum()
    }

    /// The funnel.
    pub(super) fn funnel(&self) -> &FunnelTable {
        &self.funnel
    }

    /// The ledger of `clone`.
    pub(super) fn ledger(&self, clone: CloneId) -> &Ledger {
        &self.ledgers[clone.index()]
    }

    /// The harvests so far.
    pub(super) fn harvests(&self) -> &[Harvest] {
        &self.harvests
    }

    /// The burden samples so far.
    pub(super) fn burden(&self) -> &[BurdenSample] {
        &self.burden
    }

    /// The clonal compositions so far.
    pub(super) fn composition(&self) -> &[CompositionSample] {
        &self.composition
    }

    /// When the first metastasis reached the detectable size.
    pub(super) fn first_detection(&self) -> Option<Time> {
        self.first_detection
    }

    /// Cells of `clone` that met the extension's fate `fate` in `organ`.
    pub(super) fn fate_count(&self, fate: FateId, clone: CloneId, organ: OrganId) -> u64 {
        let organs = self.funnel.organs();
        (self.own.fates.get(clone.index()))
            .and_then(|counts| counts.get(fate.0 as usize * organs + organ.index()))
            .copied()
            .unwrap_or(0)
    }

    /// Cells of `clone` that met each fate, over organs, in fate order
    /// (empty for a clone none has met).
    pub(super) fn fates_of(&self, clone: CloneId) -> impl Iterator<Item = u64> + '_ {
        let organs = self.funnel.organs().max(1);
        let counts = self.own.fates.get(clone.index()).map_or(&[][..], |c| c);
        counts.chunks(organs).map(|c| c.iter().sum())
    }

    /// Cells that met the extension's fate `fate`, every clone and organ.
    pub(super) fn fate_total(&self, fate: FateId) -> u64 {
        let clones = (0..self.own.fates.len()).map(|c| CloneId(c as u32));
        clones
            .map(|c| self.fates_of(c).nth(fate.0 as usize).unwrap_or(0))
            .sum()
    }

    /// The extension's counter `counter` (0 for one not declared).
    pub(super) fn counter(&self, counter: CounterId) -> u64 {
        self.own
            .counters
            .get(counter.0 as usize)
            .copied()
            .unwrap_or(0)
    }
}
