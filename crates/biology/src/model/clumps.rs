//! Clumps: several cells that travel and arrest together.
//!
//! An injection with a clump size `k ≥ 2` ([`Injection::clump_size`]) deals
//! its `n` cells, every clone together, into `⌊n/k⌋` clumps: each clump is
//! `k` cells drawn one by one, without replacement, from what is left of the
//! injected mix (so a clump's clone composition is multivariate
//! hypergeometric, and mixing two marked lines gives mixed clumps). The
//! `n mod k` cells left over are injected as single cells.
//!
//! A clump is a place of its own with one clock over its competing fates,
//! drawn again whenever its content or stage changes (the next-reaction
//! method, as for pools and sites):
//!
//! * in transit to organ X's bed: each cell dies at its clone's circulation
//!   death rate; the clump reaches the bed at rate `1 / transit time` and is
//!   retained with probability `1 − Π (1 − p_c)^{n_c}`, with `p_c` a single
//!   cell's arrest probability there (X's, times the clone's arrest
//!   affinity, capped at 1) and `n_c` its cells of clone `c`: the clump is
//!   held if any of its cells would be. Otherwise it passes, whole, to where
//!   X drains.
//! * arrested in X: each cell dies at X's arrested death rate; the clump
//!   extravasates as a unit at X's extravasation rate times the mean of its
//!   cells' extravasation affinities, and founds a metastasis with all its
//!   cells, so a mixed clump founds a polyclonal metastasis.
//!
//! A clump left with one cell is a clump no more: that cell joins the pool
//! of its clone in the same compartment and organ (in transit or
//! arrested), an ordinary single cell from then on.

use cascade_kernel::distributions::{Distribution, UniformInt};
use cascade_kernel::{Context, EventHandle, Purpose, Time};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::records::Count;
use super::transitions::death_in;
use super::{CascadeError, CascadeEvent, CascadeState, Channel, Compartment, Place, PoolKey};
use super::{ROUTING, SiteKind};
use crate::clones::CloneId;
use crate::config::Injection;
use crate::organs::{Entry, OrganId};

/// The stream that deals injected cells into clumps.
const CLUMPS: Purpose = Purpose::new("cascade.clumps");

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
    /// Cells per clone, sorted by clone, none 0.
    pub cells: Vec<(CloneId, u64)>,
    /// Total cells, at least 2.
    pub size: u64,
    clock: Option<EventHandle>,
}

impl Clump {
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

    /// Removes one cell of `clone`, which the clump holds.
    fn remove(&mut self, clone: CloneId) {
        let index = self
            .cells
            .iter()
            .position(|&(c, _)| c == clone)
            .expect("a cell of the clump's own clones died");
        self.cells[index].1 -= 1;
        if self.cells[index].1 == 0 {
            self.cells.remove(index);
        }
        self.size -= 1;
    }
}

/// The clone with the most cells in `cells` (sorted by clone), the first,
/// so the lowest id, on a tie.
fn leading_clone(cells: &[(CloneId, u64)]) -> CloneId {
    cells
        .iter()
        .fold(None, |best: Option<(CloneId, u64)>, &(c, n)| match best {
            Some((_, most)) if most >= n => best,
            _ => Some((c, n)),
        })
        .map_or(CloneId(0), |(c, _)| c)
}

/// The clump `id` of `clumps`, whose clock just fired (its handle is
/// spent).
fn fired(clumps: &mut BTreeMap<ClumpId, Clump>, id: ClumpId) -> &mut Clump {
    let clump = clumps
        .get_mut(&id)
        .expect("a clump's clock fired, so it exists");
    clump.clock = None;
    clump
}

/// A fate of a clump, before it becomes an event.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum ClumpFate {
    Arrested,
    Passed,
    CellDied(CloneId),
    /// A cell of the clone met an extension's fate (one that kills).
    CellMetFate(CloneId, crate::model::FateId),
    Extravasated,
}

impl CascadeState {
    /// Gives `injection` as clumps of `k ≥ 2` cells (see the module doc):
    /// every cell is seeded, `⌊n/k⌋` clumps are dealt from the mix and sent
    /// to the entry's bed (for the arterial side, each clump to an organ
    /// drawn by cardiac-output share), and the cells left over are injected
    /// as single cells.
    pub(super) fn inject_clumps<U>(
        &mut self,
        injection: &Injection,
        k: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        // The urn: cells per clone, sorted by clone.
        let mut urn: Vec<(CloneId, u64)> = Vec::new();
        for &(clone, count) in &injection.cells {
            self.records.add(Count::Seeded(clone), count);
            match urn.binary_search_by_key(&clone, |&(c, _)| c) {
                Ok(i) => urn[i].1 += count,
                Err(i) => urn.insert(i, (clone, count)),
            }
        }
        let mut left: u64 = urn.iter().map(|&(_, n)| n).sum();
        let now = ctx.now();
        for _ in 0..left / k {
            let mut cells: Vec<(CloneId, u64)> = Vec::new();
            for _ in 0..k {
                // Each cell left is equally likely: a cell drawn without
                // replacement.
                let mut j = UniformInt::new(left)?.sample(ctx.rng(CLUMPS));
                let entry = urn
                    .iter_mut()
                    .find(|(_, n)| {
                        if j < *n {
                            true
                        } else {
                            j -= *n;
                            false
                        }
                    })
                    .expect("j < cells left, so some clone holds it");
                entry.1 -= 1;
                left -= 1;
                match cells.binary_search_by_key(&entry.0, |&(c, _)| c) {
                    Ok(i) => cells[i].1 += 1,
                    Err(i) => cells.insert(i, (entry.0, 1)),
                }
            }
            let organ = match injection.entry {
                Entry::Bed(organ) => organ,
                Entry::Arterial => {
                    let u = ctx.rng(ROUTING).uniform();
                    self.config.organs.arterial_destination(u)
                }
            };
            for &(clone, n) in &cells {
                self.records
                    .add(Count::Funnel(clone, organ, |f| &mut f.injected), n);
            }
            self.records.add(
                Count::Funnel(leading_clone(&cells), organ, |f| &mut f.clumps_injected),
                1,
            );
            let id = ClumpId(self.places.next_clump);
            self.places.next_clump += 1;
            self.places.clumps.insert(
                id,
                Clump {
                    id,
                    stage: ClumpStage::InTransit,
                    organ,
                    formed_at: now,
                    formed_size: k,
                    cells,
                    size: k,
                    clock: None,
                },
            );
            self.redraw_clump(id, ctx)?;
        }
        for (clone, count) in urn {
            if count > 0 {
                self.inject_single_cells(clone, count, &injection.entry, ctx)?;
            }
        }
        Ok(())
    }

    /// Draws the clock of clump `id` again (see the module doc for its
    /// fates and their rates).
    ///
    /// # Errors
    ///
    /// [`CascadeError::InvalidRate`] if a rate is negative or not finite (a
    /// modifier out of range).
    pub(super) fn redraw_clump<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let Some(clump) = self.places.clumps.get(&id) else {
            return Ok(());
        };
        let (stage, organ_id, size, clock) = (clump.stage, clump.organ, clump.size, clump.clock);
        self.channels.clear();
        let organ = self.config.organs.organ(organ_id);
        let o = organ_id.index();
        let m = &self.modifiers;
        match stage {
            ClumpStage::InTransit => {
                let arrival = 1.0 / self.config.transit_time;
                // The clump passes only if every one of its cells would.
                let mut passes = 1.0;
                for &(clone, n) in &clump.cells {
                    let affinity = self.lineage.phenotype(clone).affinity(organ_id);
                    let p = (organ.arrest_probability * affinity.arrest * m.arrest[o]).min(1.0);
                    passes *= libm::pow(1.0 - p, n as f64);
                }
                self.channels.push((
                    arrival * (1.0 - passes),
                    Channel::Clump(ClumpFate::Arrested),
                ));
                self.channels
                    .push((arrival * passes, Channel::Clump(ClumpFate::Passed)));
                for &(clone, n) in &clump.cells {
                    let death = self.lineage.phenotype(clone).circulation_death_rate;
                    self.channels.push((
                        n as f64 * death * m.circulation_death,
                        Channel::Clump(ClumpFate::CellDied(clone)),
                    ));
                }
            }
            ClumpStage::Arrested => {
                let affinity: f64 = clump
                    .cells
                    .iter()
                    .map(|&(clone, n)| {
                        n as f64
                            * self
                                .lineage
                                .phenotype(clone)
                                .affinity(organ_id)
                                .extravasation
                    })
                    .sum::<f64>()
                    / size as f64;
                self.channels.push((
                    organ.extravasation_rate * affinity * m.extravasation[o],
                    Channel::Clump(ClumpFate::Extravasated),
                ));
                for &(clone, n) in &clump.cells {
                    self.channels.push((
                        n as f64 * organ.arrested_death_rate * m.arrested_death[o],
                        Channel::Clump(ClumpFate::CellDied(clone)),
                    ));
                }
            }
        }
        self.add_extension_clump_channels(id);
        let organ = organ_id;
        let handle = self.draw_clock(Place::Clump(id), clock, false, size, ctx, |channel| {
            let Channel::Clump(fate) = channel else {
                unreachable!("clumps have only clump fates")
            };
            let clump = id;
            match (fate, stage) {
                (ClumpFate::Arrested, _) => CascadeEvent::ClumpArrested { clump, organ },
                (ClumpFate::Passed, _) => CascadeEvent::ClumpPassedCapillaryBed { clump, organ },
                (ClumpFate::Extravasated, _) => CascadeEvent::ClumpExtravasated { clump, organ },
                (ClumpFate::CellDied(clone), ClumpStage::InTransit) => {
                    CascadeEvent::ClumpCellDiedInCirculation {
                        clump,
                        clone,
                        organ,
                    }
                }
                (ClumpFate::CellDied(clone), ClumpStage::Arrested) => {
                    CascadeEvent::ClumpCellDiedInVessel {
                        clump,
                        clone,
                        organ,
                    }
                }
                (ClumpFate::CellMetFate(clone, fate), _) => CascadeEvent::ClumpCellMetFate {
                    clump,
                    clone,
                    organ,
                    fate,
                },
            }
        })?;
        if let Some(clump) = self.places.clumps.get_mut(&id) {
            clump.clock = handle;
        }
        Ok(())
    }

    /// A circulating clump was arrested: its cells count as arrested.
    pub(super) fn clump_arrested<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let clump = fired(&mut self.places.clumps, id);
        clump.stage = ClumpStage::Arrested;
        let organ = clump.organ;
        for &(clone, n) in &clump.cells {
            self.records
                .add(Count::Funnel(clone, organ, |f| &mut f.arrested), n);
        }
        let leading = clump.leading_clone();
        self.records
            .add(Count::Funnel(leading, organ, |f| &mut f.clumps_arrested), 1);
        self.redraw_clump(id, ctx)
    }

    /// A circulating clump passed a bed, whole, to where the organ drains:
    /// its cells count as passing.
    pub(super) fn clump_passed<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let clump = fired(&mut self.places.clumps, id);
        let organ = clump.organ;
        for &(clone, n) in &clump.cells {
            self.records
                .add(Count::Funnel(clone, organ, |f| &mut f.passed), n);
        }
        let leading = clump.leading_clone();
        self.records
            .add(Count::Funnel(leading, organ, |f| &mut f.clumps_passed), 1);
        let next = self.downstream(organ, ctx);
        if let Some(clump) = self.places.clumps.get_mut(&id) {
            clump.organ = next;
        }
        self.redraw_clump(id, ctx)
    }

    /// A cell of a clump died (in circulation or in the vessel, by the
    /// clump's stage); a clump left with one cell becomes a single cell.
    pub(super) fn clump_cell_died<U>(
        &mut self,
        id: ClumpId,
        clone: CloneId,
        fate: Option<crate::model::FateId>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let clump = fired(&mut self.places.clumps, id);
        clump.remove(clone);
        let (organ, stage, size) = (clump.organ, clump.stage, clump.size);
        if let Some(fate) = fate {
            // Killed by the extension's fate: its count, not the model's.
            self.records.add(Count::Fate(fate, clone, organ), 1);
        } else {
            self.records.add(Count::Died(clone), 1);
            // The death of a cell in the clump's compartment, as for a
            // single cell there.
            let counter = death_in(stage.compartment()).counter;
            self.records.add(Count::Funnel(clone, organ, counter), 1);
        }
        if size > 1 {
            return self.redraw_clump(id, ctx);
        }
        let clump = self
            .places
            .clumps
            .remove(&id)
            .expect("the clump is still there");
        let (last, _) = clump.cells[0];
        self.records
            .add(Count::Funnel(last, organ, |f| &mut f.clumps_dissolved), 1);
        self.enter_pools(PoolKey::new(last, stage.compartment(), organ), 1, ctx)
    }

    /// An arrested clump extravasated as a unit: it founds a metastasis
    /// with all its cells, under its leading clone.
    pub(super) fn clump_extravasated<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let clump = (self.places.clumps)
            .remove(&id)
            .expect("a clump's clock fired, so it exists");
        let organ = clump.organ;
        for &(clone, n) in &clump.cells {
            self.records
                .add(Count::Funnel(clone, organ, |f| &mut f.extravasated), n);
        }
        let founder = clump.leading_clone();
        self.records
            .add(Count::Funnel(founder, organ, |f| &mut f.micrometastases), 1);
        self.records.add(
            Count::Funnel(founder, organ, |f| &mut f.clump_metastases),
            1,
        );
        let capacity = self.config.organs.organ(organ).carrying_capacity;
        let law = self.config.metastasis_growth_law;
        let site = self.found_site(
            SiteKind::Metastasis,
            organ,
            founder,
            ctx.now(),
            law,
            capacity,
        );
        let s = &mut self.places.sites[site.index()];
        for &(clone, n) in &clump.cells {
            *s.count_mut(clone) += n;
        }
        s.size = clump.size;
        s.peak_size = clump.size;
        s.founding_cells = clump.size;
        s.founding_clones = clump.cells.len() as u32;
        self.note_sizes_reached(site, ctx)?;
        self.redraw_site(site, ctx)
    }
}
