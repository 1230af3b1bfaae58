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
///
/// The founding clones (numbers below `dense_clones`), few and holding
/// most cells, have dense rows, indexed without a search; the mutants
/// have a map holding only their pairs that have counted something. The
/// two are one table: every method, the equality and the serialised form
/// see the pairs that have counted, in clone order, then organ order,
/// whichever part holds them.
#[derive(Clone, Debug)]
pub struct FunnelTable {
    organs: usize,
    /// Clones with a number below this have their rows in `dense`.
    dense_clones: u32,
    /// `dense_clones × organs` rows: clone, then organ.
    dense: Vec<Funnel>,
    /// Which of `dense`'s rows have counted something.
    counted: Vec<bool>,
    /// How many of them (`counted`'s trues).
    dense_pairs: usize,
    /// The other clones' pairs that have counted something, by
    /// [`entry_key`]: in clone order, then organ order.
    entries: BTreeMap<u64, Funnel>,
}

/// The key of a (clone, organ) pair: clone order, then organ order.
fn entry_key(clone: CloneId, organ: OrganId) -> u64 {
    (u64::from(clone.0) << 16) | u64::from(organ.0)
}

/// The (clone, organ) pair of a key.
fn pair_of(key: u64) -> (CloneId, OrganId) {
    (CloneId((key >> 16) as u32), OrganId((key & 0xffff) as u16))
}

/// The serialised table: every pair that has counted in one map, as
/// before the founding clones' rows were dense (a checkpoint without
/// `dense_clones` reads with every row in the map).
#[derive(Serialize)]
struct FunnelTableOut<'a> {
    organs: usize,
    entries: BTreeMap<u64, &'a Funnel>,
    dense_clones: u32,
}

#[derive(Deserialize)]
struct FunnelTableIn {
    organs: usize,
    entries: BTreeMap<u64, Funnel>,
    #[serde(default)]
    dense_clones: u32,
}

impl Serialize for FunnelTable {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FunnelTableOut {
            organs: self.organs,
            entries: self
                .pairs_counted()
                .map(|(clone, organ, entry)| (entry_key(clone, organ), entry))
                .collect(),
            dense_clones: self.dense_clones,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FunnelTable {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = FunnelTableIn::deserialize(deserializer)?;
        let rows = (read.dense_clones as usize)
            .checked_mul(read.organs)
            .filter(|&rows| rows <= MAX_DENSE_ROWS)
            .ok_or_else(|| serde::de::Error::custom("too many dense funnel rows"))?;
        let mut table = FunnelTable {
            organs: read.organs,
            dense_clones: read.dense_clones,
            dense: vec![Funnel::ZERO; rows],
            counted: vec![false; rows],
            dense_pairs: 0,
            entries: BTreeMap::new(),
        };
        for (key, entry) in read.entries {
            let (clone, organ) = pair_of(key);
            *table.entry_mut(clone, organ) = entry;
        }
        Ok(table)
    }
}

/// The most dense rows a table read from a checkpoint may ask for (a
/// guard against a corrupt file, far above any scenario's founding
/// clones × organs).
const MAX_DENSE_ROWS: usize = 1 << 24;

impl PartialEq for FunnelTable {
    fn eq(&self, other: &Self) -> bool {
        self.organs == other.organs && self.pairs_counted().eq(other.pairs_counted())
    }
}

impl FunnelTable {
    /// An empty table of `organs` organs whose clones below
    /// `dense_clones` (the founding clones) have dense rows.
    pub(crate) fn new(organs: usize, dense_clones: usize) -> Self {
        let dense_clones = dense_clones.min(MAX_DENSE_ROWS / organs.max(1));
        let rows = dense_clones * organs;
        FunnelTable {
            organs,
            dense_clones: dense_clones as u32,
            dense: vec![Funnel::ZERO; rows],
            counted: vec![false; rows],
            dense_pairs: 0,
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
        self.dense_pairs + self.entries.len()
    }

    /// The dense row of a pair, if its clone has dense rows.
    #[inline]
    fn dense_row(&self, clone: CloneId, organ: OrganId) -> Option<usize> {
        (clone.0 < self.dense_clones && organ.index() < self.organs)
            .then(|| clone.index() * self.organs + organ.index())
    }

    #[inline]
    pub(crate) fn entry_mut(&mut self, clone: CloneId, organ: OrganId) -> &mut Funnel {
        match self.dense_row(clone, organ) {
            Some(row) => {
                if !self.counted[row] {
                    self.counted[row] = true;
                    self.dense_pairs += 1;
                }
                &mut self.dense[row]
            }
            None => self.entries.entry(entry_key(clone, organ)).or_default(),
        }
    }

    /// The funnel of one clone in one organ.
    pub fn entry(&self, clone: CloneId, organ: OrganId) -> &Funnel {
        match self.dense_row(clone, organ) {
            Some(row) => &self.dense[row],
            None => self
                .entries
                .get(&entry_key(clone, organ))
                .unwrap_or(&Funnel::ZERO),
        }
    }

    /// Summed over clones and organs.
    pub fn total(&self) -> Funnel {
        let mut total = Funnel::default();
        for (_, _, entry) in self.pairs_counted() {
            total.add(entry);
        }
        total
    }

    /// Summed over clones, for one organ.
    pub fn organ(&self, organ: OrganId) -> Funnel {
        let mut total = Funnel::default();
        for (_, of, entry) in self.pairs_counted() {
            if of == organ {
                total.add(entry);
            }
        }
        total
    }

    /// Summed over organs, for one clone.
    pub fn clone_total(&self, clone: CloneId) -> Funnel {
        let mut total = Funnel::default();
        if clone.0 < self.dense_clones {
            let row = clone.index() * self.organs;
            for entry in &self.dense[row..row + self.organs] {
                total.add(entry);
            }
            return total;
        }
        let of_clone = entry_key(clone, OrganId(0))..=entry_key(clone, OrganId(u16::MAX));
        for entry in self.entries.range(of_clone).map(|(_, entry)| entry) {
            total.add(entry);
        }
        total
    }

    /// Every (clone, organ) pair that has counted something, with its
    /// funnel, in clone order, then organ order.
    pub fn pairs_counted(&self) -> impl Iterator<Item = (CloneId, OrganId, &Funnel)> {
        let organs = self.organs.max(1);
        let dense = (self.dense.iter().zip(&self.counted).enumerate())
            .filter(|&(_, (_, &counted))| counted)
            .map(move |(row, (entry, _))| {
                (
                    CloneId((row / organs) as u32),
                    OrganId((row % organs) as u16),
                    entry,
                )
            });
        let sparse = self.entries.iter().map(|(&key, entry)| {
            let (clone, organ) = pair_of(key);
            (clone, organ, entry)
        });
        dense.chain(sparse)
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

/// A living metastasis's size at a harvest.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetastasisSize {
    /// The site's index (the model's `SiteId`, in order of founding).
    pub site: u32,
    /// Its organ.
    pub organ: OrganId,
    /// Its cells (at least 1).
    pub cells: u64,
}

/// A clone's cells in a site at a harvest.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCloneCells {
    /// The site's index (the model's `SiteId`: the primary, if any, is 0).
    pub site: u32,
    /// The clone.
    pub clone: CloneId,
    /// Its cells in the site (at least 1).
    pub cells: u64,
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
    /// Every living metastasis's size, in order of founding (micro- and
    /// macrometastases: the colonies are those of at least the
    /// macrometastasis size).
    #[serde(default)]
    pub metastases: Vec<MetastasisSize>,
    /// Every clone's cells in every site with cells (the primary and the
    /// metastases), by site in order of founding, then in the site's
    /// order of clones: the clonal prevalence a biopsy would sample.
    #[serde(default)]
    pub site_clones: Vec<SiteCloneCells>,
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
