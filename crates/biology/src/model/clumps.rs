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
//!
//! With `clumps.death_rate_factor` `f` ([`ClumpBehaviour`]), every
//! cell's death rate above, in transit and arrested, is `f` times a single
//! cell's (cells in a cluster resist anoikis; `docs/tumour-cell-clusters.md`).
//! The other fields of `clumps`, each off by default (and then drawing
//! nothing and adding no channel):
//!
//! * `size_arrest_probability` `s`: a clump of `k` cells passes a bed with
//!   probability `(1 − s)^(k − 1) · Π (1 − p_c)^{n_c}` (arrest by size);
//! * `dissociation_rate` `δ`: a clump in transit breaks into single cells
//!   at rate `δ` (the event `ClumpDissociated`), which go on in transit to
//!   the same bed; `dissociates_at_arrest`: a clump held in a bed breaks
//!   into single arrested cells at once;
//! * `formation: OneClone`: an injection deals each clone's cells into
//!   clumps of their own (no draw), not clumps drawn from the mix;
//! * `founding: OneCell(others)`: an extravasated clump's lesion is
//!   founded by one of its cells, drawn uniformly (stream
//!   `cascade.clumps.founder`), the others dying in the tissue or
//!   becoming dormant in the organ.
//!
//! An extension acts on a clump's cells as on single cells of their clone
//! in the clump's compartment, with `Cell::in_clump` set: its fates are
//! each cell's (one that moves a cell takes it out of the clump, into the
//! pool of that compartment), its marks are each clone's, given when the
//! clump arrives at a bed or arrests (a cell that leaves the clump keeps
//! its mark), and its multipliers scale each cell's deaths, its
//! extravasation affinity in the clump's mean, and its chance of arrest at
//! a bed: with multipliers `a` of `Arrested` and `q` of `Passed`, a cell's
//! `p_c` becomes `a·p_c / (a·p_c + q·(1 − p_c))`, its share of arrest among
//! the two, while the clump still reaches the bed at `1 / transit time`
//! (it moves with the blood as a unit).

use cascade_kernel::distributions::{Distribution, UniformInt};
use cascade_kernel::{Context, Purpose};

use super::clump::leading_clone;
use super::clump::{Clump, ClumpId, ClumpStage};
use super::declared::{FateId, Outcome};
use super::places::Stale;
use super::records::Count;
use super::transitions::death_in;
use super::{ArrivalKind, CellArrival, PoolFate, ROUTING, SiteKind};
use super::{CascadeError, CascadeEvent, CascadeState, Channel, Compartment, Place, PoolKey};
use crate::clones::CloneId;
#[cfg(doc)]
use crate::config::ClumpBehaviour;
use crate::config::{ClumpFormation, ClumpFounding, Injection, OtherCells, PoolMode};
use crate::organs::Entry;

/// The stream that deals injected cells into clumps.
const CLUMPS: Purpose = Purpose::new("cascade.clumps");

/// The stream that draws the one cell of an extravasated clump that
/// founds its lesion (`clumps.founding: OneCell`).
const FOUNDER: Purpose = Purpose::new("cascade.clumps.founder");

/// A fate of a clump, before it becomes an event.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum ClumpFate {
    Arrested,
    Passed,
    CellDied(CloneId),
    /// A cell of the clone met an extension's fate (one that kills).
    CellMetFate(CloneId, crate::model::FateId),
    Extravasated,
    /// It broke into single cells in the blood (`clumps.dissociation_rate`).
    Dissociated,
}

impl CascadeState {
    /// Gives `injection` as clumps of `k ≥ 2` cells (see the module doc):
    /// every cell is seeded, `⌊n/k⌋` clumps are dealt from the mix and sent
    /// to the entry's bed (for the arterial side, each clump to an organ
    /// drawn by cardiac-output share), and the cells left over are injected
    /// as single cells.
    pub(super) fn inject_clumps<U>(
        &mut self,
        (index, injection): (u32, &Injection),
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
        if self.config.clumps.formation == ClumpFormation::OneClone {
            return self.inject_clumps_of_one_clone((index, injection), urn, k, ctx);
        }
        let mut left: u64 = urn.iter().map(|&(_, n)| n).sum();
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
            self.send_clump((index, injection), cells, k, ctx)?;
        }
        self.inject_left_over((index, injection), urn, ctx)
    }

    /// Homotypic aggregation (`clumps.formation: OneClone`): `injection`
    /// (its cells already seeded, per clone in `urn`) as `⌊n_c / k⌋` clumps
    /// of each clone `c` in turn, its `n_c mod k` cells left over as single
    /// cells. No random number is drawn to deal them.
    fn inject_clumps_of_one_clone<U>(
        &mut self,
        (index, injection): (u32, &Injection),
        mut urn: Vec<(CloneId, u64)>,
        k: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        for entry in &mut urn {
            for _ in 0..entry.1 / k {
                self.send_clump((index, injection), vec![(entry.0, k)], k, ctx)?;
            }
            entry.1 %= k;
        }
        self.inject_left_over((index, injection), urn, ctx)
    }

    /// Forms a clump of `cells` (`k` in all, sorted by clone) and sends it
    /// to the entry's bed (for the arterial side, an organ drawn by
    /// cardiac-output share).
    fn send_clump<U>(
        &mut self,
        (index, injection): (u32, &Injection),
        cells: Vec<(CloneId, u64)>,
        k: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now();
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
        let (id, formed) = self.places.form_clump(|id| Clump {
            id,
            stage: ClumpStage::InTransit,
            organ,
            formed_at: now,
            formed_size: k,
            injection: index,
            cells,
            size: k,
            clock: None,
            marks: Vec::new(),
        });
        let marked = self.mark_clump(id, None, now.days());
        self.redraw(formed.and(marked), ctx)
    }

    /// The cells of `urn` not dealt into clumps, injected as single cells.
    fn inject_left_over<U>(
        &mut self,
        (index, injection): (u32, &Injection),
        urn: Vec<(CloneId, u64)>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        for (clone, count) in urn {
            if count > 0 {
                let entry = (index, &injection.entry);
                self.inject_single_cells((clone, count), entry, ctx)?;
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
        stale: Stale,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let Some(clump) = self.places.clumps().get(&id) else {
            // Gone: nothing to draw.
            self.places.set_clock(stale, None);
            return Ok(());
        };
        let (stage, organ_id, size, clock) = (clump.stage, clump.organ, clump.size, clump.clock);
        self.fill_clump_channels(id);
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
                (ClumpFate::Dissociated, _) => CascadeEvent::ClumpDissociated { clump, organ },
                (ClumpFate::CellMetFate(clone, fate), _) => CascadeEvent::ClumpCellMetFate {
                    clump,
                    clone,
                    organ,
                    fate,
                },
            }
        })?;
        self.places.set_clock(stale, handle);
        Ok(())
    }

    /// Fills `self.channels` with the model's fates of clump `id` and
    /// their rates (the module doc), each cell's scaled by the extension's
    /// multipliers.
    fn fill_clump_channels(&mut self, id: ClumpId) {
        let mut channels = core::mem::take(&mut self.channels);
        channels.clear();
        let clump = &self.places.clumps()[&id];
        let organ = self.config.organs.organ(clump.organ);
        let o = clump.organ.index();
        let m = &self.modifiers;
        let factor = |fate, clone| self.clump_multiplier(fate, clump, clone);
        let phenotype = |clone| self.lineage.phenotype(clone);
        // Resistance to anoikis: a clump's cells die at this share of a
        // single cell's rate (1 by default, which leaves the rate exact).
        let clustered = self.config.clumps.death_rate_factor;
        match clump.stage {
            ClumpStage::InTransit => {
                let arrival = 1.0 / self.config.transit_time;
                // The clump passes only if every one of its cells would.
                let mut passes = 1.0;
                for &(clone, n) in &clump.cells {
                    let affinity = phenotype(clone).affinity(clump.organ);
                    let p = (organ.arrest_probability * affinity.arrest * m.arrest[o]).min(1.0);
                    let p = self.clump_arrest_share(p, clump, clone);
                    passes *= libm::pow(1.0 - p, n as f64);
                }
                // Arrest by size: each cell beyond the first another chance
                // of being too big for the bed (skipped at 0, which leaves
                // the rate exact).
                let size_arrest = self.config.clumps.size_arrest_probability;
                if size_arrest > 0.0 {
                    passes *= libm::pow(1.0 - size_arrest, (clump.size - 1) as f64);
                }
                let arrested = arrival * (1.0 - passes);
                channels.push((arrested, Channel::Clump(ClumpFate::Arrested)));
                channels.push((arrival * passes, Channel::Clump(ClumpFate::Passed)));
                for &(clone, n) in &clump.cells {
                    let death = phenotype(clone).circulation_death_rate;
                    let rate = n as f64 * death * m.circulation_death;
                    let rate = rate * factor(PoolFate::DiedInCirculation, clone) * clustered;
                    channels.push((rate, Channel::Clump(ClumpFate::CellDied(clone))));
                }
                // Dissociation in the blood: a channel only when on, so
                // that clumps' clocks are as before without it.
                let dissociation = self.config.clumps.dissociation_rate;
                if dissociation > 0.0 {
                    channels.push((dissociation, Channel::Clump(ClumpFate::Dissociated)));
                }
            }
            ClumpStage::Arrested => {
                let affinity: f64 = (clump.cells.iter())
                    .map(|&(clone, n)| {
                        let affinity = phenotype(clone).affinity(clump.organ).extravasation;
                        n as f64 * affinity * factor(PoolFate::Extravasated, clone)
                    })
                    .sum::<f64>()
                    / clump.size as f64;
                let rate = organ.extravasation_rate * affinity * m.extravasation[o];
                channels.push((rate, Channel::Clump(ClumpFate::Extravasated)));
                for &(clone, n) in &clump.cells {
                    let rate = n as f64 * organ.arrested_death_rate * m.arrested_death[o];
                    let rate = rate * factor(PoolFate::DiedInVessel, clone) * clustered;
                    channels.push((rate, Channel::Clump(ClumpFate::CellDied(clone))));
                }
            }
        }
        self.channels = channels;
    }

    /// Marks the cells of clump `id` as the extension marks arrivals (in
    /// the clump's compartment, coming from `from`, on `day`), if it does.
    fn mark_clump(&mut self, id: ClumpId, from: Option<Compartment>, day: f64) -> Stale {
        let clump = &self.places.clumps()[&id];
        let mut marks = Vec::new();
        if self.marks_arrivals() {
            for &(clone, _) in &clump.cells {
                let key = PoolKey::new(clone, clump.stage.compartment(), clump.organ);
                let from = from.map(|compartment| PoolKey {
                    compartment,
                    mark: clump.mark_of(clone),
                    ..key
                });
                let mark = self.marked(key, from, day).mark;
                if !mark.is_none() {
                    marks.push((clone, mark));
                }
            }
        }
        self.places.change_clump(id, |c| c.marks = marks)
    }

    /// A circulating clump was arrested: its cells count as arrested.
    pub(super) fn clump_arrested<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let fired = self.places.clump_clock_fired(id);
        let arrested = self
            .places
            .change_clump(id, |c| c.stage = ClumpStage::Arrested);
        let clump = &self.places.clumps()[&id];
        let organ = clump.organ;
        for &(clone, n) in &clump.cells {
            self.records
                .add(Count::Funnel(clone, organ, |f| &mut f.arrested), n);
        }
        let leading = clump.leading_clone();
        self.records
            .add(Count::Funnel(leading, organ, |f| &mut f.clumps_arrested), 1);
        let marked = self.mark_clump(id, Some(Compartment::InTransit), ctx.now().days());
        if self.config.clumps.dissociates_at_arrest {
            return self.break_up(fired.and(arrested).and(marked), ctx);
        }
        self.redraw(fired.and(arrested).and(marked), ctx)
    }

    /// A circulating clump broke into single cells in the blood
    /// (`clumps.dissociation_rate`): they go on in transit to its bed.
    pub(super) fn clump_dissociated<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let fired = self.places.clump_clock_fired(id);
        self.break_up(fired, ctx)
    }

    /// The clump of `gone` (its clock spent or stale) breaks into single
    /// cells: each joins its clone's pool in the clump's compartment and
    /// organ, with its mark, and the clump counts as dissolved.
    fn break_up<U>(
        &mut self,
        gone: Stale,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let clump = self.places.take_clump(gone);
        let organ = clump.organ;
        self.records.add(
            Count::Funnel(clump.leading_clone(), organ, |f| &mut f.clumps_dissolved),
            1,
        );
        for &(clone, n) in &clump.cells {
            let key = PoolKey::new(clone, clump.stage.compartment(), organ);
            if self.marks_arrivals() {
                let mark = clump.mark_of(clone);
                self.add_to_pool(PoolKey { mark, ..key }, n, Some(clump.origin()), ctx)?;
            } else {
                self.enter_pools(key, n, Some(clump.origin()), ctx)?;
            }
        }
        Ok(())
    }

    /// A circulating clump passed a bed, whole, to where the organ drains:
    /// its cells count as passing.
    pub(super) fn clump_passed<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let fired = self.places.clump_clock_fired(id);
        let clump = &self.places.clumps()[&id];
        let organ = clump.organ;
        for &(clone, n) in &clump.cells {
            self.records
                .add(Count::Funnel(clone, organ, |f| &mut f.passed), n);
        }
        let leading = clump.leading_clone();
        self.records
            .add(Count::Funnel(leading, organ, |f| &mut f.clumps_passed), 1);
        let next = self.downstream(organ, ctx);
        let passed = self.places.change_clump(id, |c| c.organ = next);
        let marked = self.mark_clump(id, Some(Compartment::InTransit), ctx.now().days());
        self.redraw(fired.and(passed).and(marked), ctx)
    }

    /// A cell of a clump died (in circulation or in the vessel, by the
    /// clump's stage), or met the extension's fate `fate`: it leaves the
    /// clump, dead or (a fate that moves it) into the pool of its clone in
    /// the fate's compartment, with its mark. A clump left with one cell
    /// becomes a single cell.
    pub(super) fn clump_cell_left<U>(
        &mut self,
        id: ClumpId,
        clone: CloneId,
        fate: Option<FateId>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let fired = self.places.clump_clock_fired(id);
        let mark = self.places.clumps()[&id].mark_of(clone);
        let origin = Some(self.places.clumps()[&id].origin());
        let lost = fired.and(self.places.change_clump(id, |c| c.remove(clone)));
        let clump = &self.places.clumps()[&id];
        let (organ, stage, size) = (clump.organ, clump.stage, clump.size);
        let compartment = stage.compartment();
        let moved_to = match fate {
            Some(fate) => {
                // The extension's fate: its count, not the model's.
                self.records.add(Count::Fate(fate, clone, organ), 1);
                match self.attached.declared.fates[fate.0 as usize].outcome {
                    Outcome::Died => None,
                    Outcome::Moved(to) => Some(to),
                }
            }
            None => {
                self.records.add(Count::Died(clone), 1);
                // The death of a cell in the clump's compartment, as for a
                // single cell there.
                let counter = death_in(compartment).counter;
                self.records.add(Count::Funnel(clone, organ, counter), 1);
                None
            }
        };
        if size > 1 {
            self.redraw(lost, ctx)?;
        } else {
            self.dissolve(lost, ctx)?;
        }
        let Some(to) = moved_to else {
            return Ok(());
        };
        if self.config.pool_mode == PoolMode::Cohorts {
            self.enter_pools(PoolKey::new(clone, to, organ), 1, origin, ctx)
        } else {
            let from = PoolKey::new(clone, compartment, organ);
            self.move_cell(PoolKey { mark, ..from }, to, origin, ctx)
        }
    }

    /// The clump of `last_cell`, down to one cell, is a clump no more: the
    /// cell joins its clone's pool in the clump's compartment (with its
    /// mark).
    fn dissolve<U>(
        &mut self,
        last_cell: Stale,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        // No longer a clump, and no clock to draw.
        let clump = self.places.take_clump(last_cell);
        let (last, _) = clump.cells[0];
        let organ = clump.organ;
        self.records
            .add(Count::Funnel(last, organ, |f| &mut f.clumps_dissolved), 1);
        let key = PoolKey::new(last, clump.stage.compartment(), organ);
        let origin = Some(clump.origin());
        if self.marks_arrivals() {
            let mark = clump.mark_of(last);
            self.add_to_pool(PoolKey { mark, ..key }, 1, origin, ctx)
        } else {
            self.enter_pools(key, 1, origin, ctx)
        }
    }

    /// An arrested clump extravasated as a unit: it founds a metastasis
    /// with all its cells, under its leading clone.
    pub(super) fn clump_extravasated<U>(
        &mut self,
        id: ClumpId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let fired = self.places.clump_clock_fired(id);
        let clump = self.places.take_clump(fired);
        let organ = clump.organ;
        for &(clone, n) in &clump.cells {
            self.records
                .add(Count::Funnel(clone, organ, |f| &mut f.extravasated), n);
        }
        if let ClumpFounding::OneCell { others } = self.config.clumps.founding {
            return self.found_with_one_cell(&clump, others, ctx);
        }
        let founder = clump.leading_clone();
        self.found_lesion(&clump, founder, &clump.cells, ctx)
    }

    /// `clumps.founding: OneCell`: of the extravasated `clump`'s cells,
    /// one drawn uniformly founds a metastasis alone (one cell, one
    /// clone); the others die in the tissue or become dormant cells in the
    /// organ, as `others` says.
    fn found_with_one_cell<U>(
        &mut self,
        clump: &Clump,
        others: OtherCells,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let mut j = UniformInt::new(clump.size)?.sample(ctx.rng(FOUNDER));
        let mut founder = clump.cells[0].0;
        for &(clone, n) in &clump.cells {
            if j < n {
                founder = clone;
                break;
            }
            j -= n;
        }
        for &(clone, n) in &clump.cells {
            let rest = if clone == founder { n - 1 } else { n };
            if rest > 0 {
                self.release_other_cells(clump, clone, rest, others, ctx)?;
            }
        }
        self.found_lesion(clump, founder, &[(founder, 1)], ctx)
    }

    /// The extravasated `clump` founds a metastasis of `cells` (all its
    /// cells, or the one that founds alone) under `founder`: the funnel's
    /// counts, the site, and each clone's arrival from the clump's origin.
    fn found_lesion<U>(
        &mut self,
        clump: &Clump,
        founder: CloneId,
        cells: &[(CloneId, u64)],
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let organ = clump.organ;
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
        let size: u64 = cells.iter().map(|&(_, n)| n).sum();
        let founded = self.places.change_site(site, |s| {
            for &(clone, n) in cells {
                *s.count_mut(clone) += n;
            }
            s.size = size;
            s.peak_size = size;
            s.founding_cells = size;
            s.founding_clones = cells.len() as u32;
        });
        for &(clone, n) in cells {
            self.records.arrived(CellArrival {
                site,
                organ,
                clone,
                cells: n,
                origin: Some(clump.origin()),
                day: ctx.now().days(),
                kind: ArrivalKind::Founded,
            });
        }
        self.note_sizes_reached(site, ctx)?;
        self.redraw(founded, ctx)
    }

    /// `n` cells of `clone` of the extravasated `clump` that did not found
    /// its lesion: they die in the tissue, or become dormant in its organ.
    fn release_other_cells<U>(
        &mut self,
        clump: &Clump,
        clone: CloneId,
        n: u64,
        others: OtherCells,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let organ = clump.organ;
        match others {
            OtherCells::Die => {
                self.records.add(Count::Died(clone), n);
                self.records.add(
                    Count::Funnel(clone, organ, |f| &mut f.died_in_parenchyma),
                    n,
                );
                Ok(())
            }
            OtherCells::Dormant => {
                self.records
                    .add(Count::Funnel(clone, organ, |f| &mut f.entered_dormancy), n);
                let key = PoolKey::new(clone, Compartment::Dormant, organ);
                if self.marks_arrivals() {
                    let from = PoolKey {
                        mark: clump.mark_of(clone),
                        ..PoolKey::new(clone, Compartment::Arrested, organ)
                    };
                    let key = self.marked(key, Some(from), ctx.now().days());
                    self.add_to_pool(key, n, Some(clump.origin()), ctx)
                } else {
                    self.enter_pools(key, n, Some(clump.origin()), ctx)
                }
            }
        }
    }
}

impl CascadeState {
    /// Adds to `self.channels` the extension's fates for the cells of
    /// clump `id` (each cell meets them as a single cell of its clone and
    /// mark in the clump's compartment would, with `Cell::in_clump` set).
    fn add_extension_clump_channels(&mut self, id: ClumpId) {
        let Some(clump) = self.places.clumps().get(&id) else {
            return;
        };
        let compartment = clump.stage.compartment();
        let mut channels = core::mem::take(&mut self.channels);
        for &fate in self.extension_fates_in(compartment) {
            for &(clone, n) in &clump.cells {
                let rate = n as f64 * self.extension_hazard(fate, clump_cell(clump, clone), true);
                channels.push((rate, Channel::Clump(ClumpFate::CellMetFate(clone, fate))));
            }
        }
        self.channels = channels;
    }

    /// The extension's multiplier of the model's fate `fate` for a cell
    /// of `clone` in `clump` (1 unless declared).
    fn clump_multiplier(&self, fate: PoolFate, clump: &Clump, clone: CloneId) -> f64 {
        self.extension_multiplier(fate, clump_cell(clump, clone), true)
    }

    /// A cell of `clone` in `clump` with arrest probability `p` at the
    /// clump's bed: with the extension's multipliers `a` of `Arrested` and
    /// `q` of `Passed`, its share of arrest among the two,
    /// `a·p / (a·p + q·(1 − p))` (0 when both are 0); `p` itself unless
    /// either is declared.
    fn clump_arrest_share(&self, p: f64, clump: &Clump, clone: CloneId) -> f64 {
        if !(self.multiplies(PoolFate::Arrested) || self.multiplies(PoolFate::Passed)) {
            return p;
        }
        let a = p * self.clump_multiplier(PoolFate::Arrested, clump, clone);
        let q = (1.0 - p) * self.clump_multiplier(PoolFate::Passed, clump, clone);
        if a + q == 0.0 { 0.0 } else { a / (a + q) }
    }
}

/// The pool a cell of `clone` in `clump` would be in as a single cell.
fn clump_cell(clump: &Clump, clone: CloneId) -> PoolKey {
    PoolKey {
        mark: clump.mark_of(clone),
        ..PoolKey::new(clone, clump.stage.compartment(), clump.organ)
    }
}
