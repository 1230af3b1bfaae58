//! What a run reports, kept up to date as it goes (never recomputed from a
//! log): the attrition funnel per clone and organ, the cell ledger per
//! clone, harvests and the burden on a time grid.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clones::CloneId;
use crate::organs::OrganId;

/// Counts of cells at each step of the cascade.
///
/// For one clone and one organ, the organ is where the step happened: the
/// organ a cell was shed from, the organ whose capillary bed it was bound
/// for when it died in circulation, arrested, passed, extravasated, and so
/// on. Every field from `shed` to `died_dormant` counts cells, whether
/// single or in a clump (a clump arresting counts its cells as arrested,
/// and so on). `micrometastases`, `macrometastases` and `detected` count
/// metastases under the clone that founded them and their organ:
/// `micrometastases` when a metastasis is founded (by a solitary cell or by
/// a clump), `macrometastases` and `detected` when it first reaches the
/// macrometastasis or detectable size (each metastasis at most once in
/// each, even if it shrinks and grows again). The `clump` fields count
/// clumps, each under its leading clone at that step (the clone with the
/// most cells in it, the lowest id on a tie): over clones and organs,
/// `clumps_injected` = `clumps_dissolved` + `clump_metastases` + clumps
/// still in transit or arrested.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    /// Cells shed into the blood by a site in this organ.
    pub shed: u64,
    /// Cells injected that were bound for this organ's capillary bed.
    pub injected: u64,
    /// Cells that died in circulation on their way to this organ's bed.
    pub died_in_circulation: u64,
    /// Cells mechanically arrested in this organ's capillary bed.
    pub arrested: u64,
    /// Passages through this organ's capillary bed without arrest.
    pub passed: u64,
    /// Arrested cells that extravasated into this organ.
    pub extravasated: u64,
    /// Arrested cells that died in the vessel.
    pub died_in_vessel: u64,
    /// Solitary cells that died in the parenchyma.
    pub died_in_parenchyma: u64,
    /// Solitary cells that entered dormancy.
    pub entered_dormancy: u64,
    /// Dormant cells that left dormancy.
    pub left_dormancy: u64,
    /// Dormant cells that died.
    pub died_dormant: u64,
    /// Metastases founded by a solitary cell's first division, counted when
    /// founded (every metastasis starts as a micrometastasis; it stays
    /// counted here when it grows).
    pub micrometastases: u64,
    /// Metastases that reached the macrometastasis size, counted when they
    /// first reach it.
    pub macrometastases: u64,
    /// Metastases that reached the detectable size, counted when they first
    /// reach it.
    pub detected: u64,
    /// Clumps injected whose first bed was this organ's.
    #[serde(default)]
    pub clumps_injected: u64,
    /// Clumps arrested in this organ's capillary bed.
    #[serde(default)]
    pub clumps_arrested: u64,
    /// Passages of clumps through this organ's capillary bed.
    #[serde(default)]
    pub clumps_passed: u64,
    /// Clumps down to one cell here (in transit to this organ's bed or
    /// arrested in it), which went on as a single cell.
    #[serde(default)]
    pub clumps_dissolved: u64,
    /// Clumps that extravasated into this organ, each founding a metastasis
    /// (also counted in `micrometastases`).
    #[serde(default)]
    pub clump_metastases: u64,
    /// Cells killed by a drug while in transit to this organ's bed.
    #[serde(default)]
    pub killed_in_circulation: u64,
    /// Cells killed by a drug while arrested in this organ's bed.
    #[serde(default)]
    pub killed_in_vessel: u64,
    /// Solitary cells killed by a drug in this organ's parenchyma.
    #[serde(default)]
    pub killed_in_parenchyma: u64,
    /// Dormant cells killed by a drug in this organ.
    #[serde(default)]
    pub killed_dormant: u64,
}

impl Funnel {
    /// Adds `other` field by field.
    pub fn add(&mut self, other: &Funnel) {
        self.shed += other.shed;
        self.injected += other.injected;
        self.died_in_circulation += other.died_in_circulation;
        self.arrested += other.arrested;
        self.passed += other.passed;
        self.extravasated += other.extravasated;
        self.died_in_vessel += other.died_in_vessel;
        self.died_in_parenchyma += other.died_in_parenchyma;
        self.entered_dormancy += other.entered_dormancy;
        self.left_dormancy += other.left_dormancy;
        self.died_dormant += other.died_dormant;
        self.micrometastases += other.micrometastases;
        self.macrometastases += other.macrometastases;
        self.detected += other.detected;
        self.clumps_injected += other.clumps_injected;
        self.clumps_arrested += other.clumps_arrested;
        self.clumps_passed += other.clumps_passed;
        self.clumps_dissolved += other.clumps_dissolved;
        self.clump_metastases += other.clump_metastases;
        self.killed_in_circulation += other.killed_in_circulation;
        self.killed_in_vessel += other.killed_in_vessel;
        self.killed_in_parenchyma += other.killed_in_parenchyma;
        self.killed_dormant += other.killed_dormant;
    }
}

impl Funnel {
    /// Every counter 0.
    pub const ZERO: Funnel = Funnel {
        shed: 0,
        injected: 0,
        died_in_circulation: 0,
        arrested: 0,
        passed: 0,
        extravasated: 0,
        died_in_vessel: 0,
        died_in_parenchyma: 0,
        entered_dormancy: 0,
        left_dormancy: 0,
        died_dormant: 0,
        micrometastases: 0,
        macrometastases: 0,
        detected: 0,
        clumps_injected: 0,
        clumps_arrested: 0,
        clumps_passed: 0,
        clumps_dissolved: 0,
        clump_metastases: 0,
        killed_in_circulation: 0,
        killed_in_vessel: 0,
        killed_in_parenchyma: 0,
        killed_dormant: 0,
    };
}

/// The funnel for every (clone, organ) pair, kept only for the pairs that
/// have counted something: a clone costs its funnel by the organs where
/// its cells went, not by the organs there are (most clones of a large
/// tumour never shed a cell).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelTable {
    organs: usize,
    /// By [`entry_key`]: in clone order, then organ order.
    entries: BTreeMap<u64, Funnel>,
}

/// The key of a (clone, organ) pair: clone order, then organ order.
fn entry_key(clone: CloneId, organ: OrganId) -> u64 {
    (u64::from(clone.0) << 16) | u64::from(organ.0)
}

impl FunnelTable {
    pub(crate) fn new(organs: usize) -> Self {
        FunnelTable {
            organs,
            entries: BTreeMap::new(),
        }
    }

    /// Organs per clone.
    pub(crate) fn organs(&self) -> usize {
        self.organs
    }

    /// (Clone, organ) pairs that have counted something (the memory
    /// budget counts them).
    pub(crate) fn pairs(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entry_mut(&mut self, clone: CloneId, organ: OrganId) -> &mut Funnel {
        self.entries.entry(entry_key(clone, organ)).or_default()
    }

    /// The funnel of one clone in one organ.
    pub fn entry(&self, clone: CloneId, organ: OrganId) -> &Funnel {
        self.entries
            .get(&entry_key(clone, organ))
            .unwrap_or(&Funnel::ZERO)
    }

    /// Summed over clones and organs.
    pub fn total(&self) -> Funnel {
        let mut total = Funnel::default();
        for entry in self.entries.values() {
            total.add(entry);
        }
        total
    }

    /// Summed over clones, for one organ.
    pub fn organ(&self, organ: OrganId) -> Funnel {
        let mut total = Funnel::default();
        for (&key, entry) in &self.entries {
            if key & 0xffff == u64::from(organ.0) {
                total.add(entry);
            }
        }
        total
    }

    /// Summed over organs, for one clone.
    pub fn clone_total(&self, clone: CloneId) -> Funnel {
        let mut total = Funnel::default();
        let of_clone = entry_key(clone, OrganId(0))..=entry_key(clone, OrganId(u16::MAX));
        for entry in self.entries.range(of_clone).map(|(_, entry)| entry) {
            total.add(entry);
        }
        total
    }

    /// Every (clone, organ) pair that has counted something, with its
    /// funnel, in clone order, then organ order.
    pub fn pairs_counted(&self) -> impl Iterator<Item = (CloneId, OrganId, &Funnel)> {
        self.entries.iter().map(|(&key, entry)| {
            (
                CloneId((key >> 16) as u32),
                OrganId((key & 0xffff) as u16),
                entry,
            )
        })
    }
}

/// Where every cell of one clone came from and went: the conservation
/// ledger. At every step, `seeded + born = alive + died`, with `alive`
/// counted over sites and every compartment.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// Cells put in at the start (the primary) or by injection.
    pub seeded: u64,
    /// Cells born as this clone (a mutant daughter is born as its new clone).
    pub born: u64,
    /// Cells of this clone that died, anywhere, of the model's own causes.
    pub died: u64,
    /// Cells of this clone killed by a dose of a drug.
    #[serde(default)]
    pub killed: u64,
    /// Cells of this clone removed by surgery.
    #[serde(default)]
    pub removed: u64,
}

/// What a harvest found in one organ.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganHarvest {
    /// Metastases of at least the macrometastasis size: the colonies a
    /// laboratory would count.
    pub colonies: u64,
    /// Living metastases below that size.
    pub micrometastases: u64,
    /// Cells in metastases.
    pub cells_in_metastases: u64,
    /// Solitary extravasated cells, not dormant.
    pub solitary_cells: u64,
    /// Dormant solitary cells.
    pub dormant_cells: u64,
    /// Cells arrested in the capillary bed, single or in clumps.
    pub arrested_cells: u64,
}

/// A harvest: every organ's colonies and cells at a set day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Harvest {
    /// The day.
    pub day: f64,
    /// Per organ, indexed by [`OrganId`].
    pub organs: Vec<OrganHarvest>,
    /// Cells in circulation at that moment, single or in clumps.
    pub circulating_cells: u64,
}

/// Tumour burden at one day of the observation grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BurdenSample {
    /// The day.
    pub day: f64,
    /// Cells of the primary tumour (0 without one).
    pub primary_cells: u64,
    /// Cells in metastases, per organ, indexed by [`OrganId`].
    pub metastatic_cells: Vec<u64>,
    /// Solitary and dormant cells, per organ.
    pub solitary_cells: Vec<u64>,
}

/// When a [`SolitaryCensus`] was taken.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Occasion {
    /// Just before the surgery.
    Surgery,
    /// Just before dose `dose` (from 0) of regimen `regimen` (from 0).
    Dose {
        /// The regimen's index.
        regimen: u32,
        /// The dose's index in the regimen.
        dose: u32,
    },
    /// At the end of the run.
    End,
}

/// The solitary and dormant cells per organ at one moment: cells that no
/// colony holds, so that no size of a site shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolitaryCensus {
    /// The day it was taken.
    pub day: f64,
    /// At what.
    pub occasion: Occasion,
    /// Solitary (extravasated, not dormant) cells per organ, by
    /// [`OrganId`].
    pub solitary_cells: Vec<u64>,
    /// Dormant cells per organ, by [`OrganId`].
    pub dormant_cells: Vec<u64>,
}
