//! A replicate's memory budget: what its state holds, estimated from its
//! counts, and the error that ends a replicate whose state outgrows it.
//!
//! The estimate is computed from counts the state keeps anyway (clones,
//! sites, pools, clumps, cohort chains, pending events) times the bytes
//! each costs, so it is cheap enough to check after every event, and it is
//! a function of the trajectory alone: a replicate ends at the same event
//! whatever the machine, the thread count or the allocator (the process's
//! resident size would decide differently on each). It counts the model's
//! state, not the allocator's slack or the program itself; the measured
//! resident size of a run against the estimate is in `docs/performance.md`.

use core::mem::size_of;
use std::fmt;

use cascade_kernel::{Context, EventHandle};
use serde::{Deserialize, Serialize};

use super::places::Pool;
use super::{CascadeError, CascadeEvent, CascadeState, Clump, PoolKey, Site};
use crate::clones::{CloneId, OrganAffinity, Phenotype, TumourClone};
use crate::observables::{Funnel, Ledger};

/// The budget `cascade run` gives each replicate unless `--max-memory`
/// says otherwise: 4 GiB.
pub const DEFAULT_MEMORY_BUDGET: u64 = 4 << 30;

/// What a replicate's state holds, by part: how many and their estimated
/// bytes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryUse {
    /// Clones ever arisen (lineage entry with its phenotype, ledger, room
    /// for their entry in a site and, stepped, their lazy count; the
    /// extension's row of fate counts).
    pub clones: Part,
    /// Funnel rows (clone × organ pairs that have counted something) and,
    /// in cohort mode, doomed counts (clone × state pairs with cells).
    #[serde(default)]
    pub counts: Part,
    /// Sites ever founded.
    pub sites: Part,
    /// Pools (clone × compartment × organ) with cells.
    pub pools: Part,
    /// Clumps in transit or arrested.
    pub clumps: Part,
    /// Cohort mode's chains (one per distinct set of pool rates).
    pub chains: Part,
    /// Pending events.
    pub events: Part,
}

/// One part of a [`MemoryUse`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// How many.
    pub count: u64,
    /// Their estimated bytes.
    pub bytes: u64,
}

impl MemoryUse {
    /// The estimated bytes of every part.
    pub fn total(&self) -> u64 {
        // Checked after every event: no sorting here.
        self.clones.bytes
            + self.counts.bytes
            + self.sites.bytes
            + self.pools.bytes
            + self.clumps.bytes
            + self.chains.bytes
            + self.events.bytes
    }

    /// The parts with their names, the largest first.
    pub fn parts(&self) -> [(&'static str, Part); 7] {
        let mut parts = [
            ("clones", self.clones),
            ("funnel rows and doomed counts", self.counts),
            ("sites", self.sites),
            ("pools", self.pools),
            ("clumps", self.clumps),
            ("cohort chains", self.chains),
            ("pending events", self.events),
        ];
        parts.sort_by_key(|(_, part)| core::cmp::Reverse(part.bytes));
        parts
    }
}

impl fmt::Display for MemoryUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .parts()
            .iter()
            .filter(|(_, part)| part.count > 0)
            .map(|(name, part)| format!("{} {name} ({})", part.count, bytes(part.bytes)))
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

/// `n` bytes in KiB, MiB or GiB, for messages.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    let (value, unit) = if n >= (1u64 << 30) as f64 {
        (n / (1u64 << 30) as f64, "GiB")
    } else if n >= (1u64 << 20) as f64 {
        (n / (1u64 << 20) as f64, "MiB")
    } else {
        (n / 1024.0, "KiB")
    };
    format!("{value:.1} {unit}")
}

/// A `BTreeMap` entry costs its key and value and about as much again in
/// node overhead (nodes are at least half full).
const MAP_OVERHEAD: u64 = 2;

impl CascadeState {
    /// Sets the memory budget, in bytes, that ends the run with
    /// [`CascadeError::MemoryBudget`] when [`memory_use`](Self::memory_use)
    /// exceeds it (`None`: no budget).
    pub fn set_memory_budget(&mut self, budget: Option<u64>) {
        self.memory_budget = budget;
    }

    /// The memory budget, if any.
    pub fn memory_budget(&self) -> Option<u64> {
        self.memory_budget
    }

    /// What the state holds now, with `pending` events in the kernel.
    pub fn memory_use(&self, pending: usize) -> MemoryUse {
        let organs = self.config.organs.len() as u64;
        let part = |count: usize, each: u64| Part {
            count: count as u64,
            bytes: count as u64 * each,
        };
        // Every clone ever: its lineage entry, its ledger and the counts
        // of the extension's fates, per organ (a row for every clone, at
        // most).
        let per_entry = size_of::<TumourClone>() as u64
            + size_of::<Ledger>() as u64
            + (self.attached.declared.fates.len() * 8) as u64 * organs;
        // A clone whose phenotype is kept (every clone that may have cells)
        // adds the phenotype, its entry in a site's cells and in exact
        // steps its lazy count.
        let per_phenotype = size_of::<Phenotype>() as u64
            + organs * size_of::<OrganAffinity>() as u64
            + (self.config.therapy.drugs.len() * size_of::<f64>()) as u64
            + 16
            + if self.config.growth_steps.is_some() {
                96
            } else {
                0
            };
        let with_phenotype = (self.lineage.len() - self.lineage.forgotten()) as u64;
        // A funnel row and a doomed count are entries of maps keyed by a
        // u64.
        let funnel_pairs = self.records.funnel().pairs() as u64;
        let doomed_pairs = self.cohorts.doomed_entries() as u64;
        let counts = Part {
            count: funnel_pairs + doomed_pairs,
            bytes: MAP_OVERHEAD
                * (funnel_pairs * (8 + size_of::<Funnel>()) as u64 + doomed_pairs * 16),
        };
        let per_event = size_of::<CascadeEvent<()>>() as u64 + size_of::<EventHandle>() as u64 + 32;
        MemoryUse {
            clones: Part {
                count: self.lineage.len() as u64,
                bytes: self.lineage.len() as u64 * per_entry + with_phenotype * per_phenotype,
            },
            counts,
            sites: part(self.places.sites().len(), size_of::<Site>() as u64 + 64),
            pools: part(
                self.places.pools().len(),
                MAP_OVERHEAD * (size_of::<PoolKey>() + size_of::<Pool>()) as u64,
            ),
            clumps: part(
                self.places.clumps().len(),
                MAP_OVERHEAD * size_of::<Clump>() as u64 + 64,
            ),
            chains: Part {
                count: self.cohorts.chain_count() as u64,
                bytes: self.cohorts.chain_bytes(),
            },
            events: part(pending, per_event),
        }
    }

    /// Forgets the phenotype of every mutant that has died out: no living
    /// cell anywhere (sites, pools, doomed counts, clumps) and a ledger
    /// that balances (`seeded + born = died + killed + removed + died by
    /// the extension's fates`). Such a clone can never have cells again
    /// (a mutant's cells are born of its own), so only its lineage entry
    /// and its ledger stay ([`Lineage::forget_phenotype`]). Called when
    /// the state is settled (an observation), never between a division
    /// and the placing of its daughters. Draws nothing.
    ///
    /// [`Lineage::forget_phenotype`]: crate::clones::Lineage::forget_phenotype
    pub(super) fn forget_dead_clones(&mut self) {
        let founders = self.config.clones.len();
        if self.lineage.len() - self.lineage.forgotten() <= founders {
            return;
        }
        let alive = self.alive_by_clone();
        for (index, &cells) in alive.iter().enumerate().skip(founders) {
            let id = CloneId(index as u32);
            if cells > 0 || self.lineage.clone_of(id).phenotype().is_none() {
                continue;
            }
            let l = *self.records.ledger(id);
            let fated = self.died_by_own_fates(id);
            if l.seeded + l.born != l.died + l.killed + l.removed + fated {
                continue;
            }
            self.remember_resistance(id);
            self.lineage.forget_phenotype(id);
        }
    }

    /// [`CascadeError::MemoryBudget`] if the state holds more than its
    /// budget.
    pub(super) fn check_memory<U>(
        &self,
        ctx: &Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let Some(budget) = self.memory_budget else {
            return Ok(());
        };
        let used = self.memory_use(ctx.pending());
        if used.total() > budget {
            return Err(CascadeError::MemoryBudget {
                used: Box::new(used),
                budget,
                day: ctx.now().days(),
            });
        }
        Ok(())
    }
}
