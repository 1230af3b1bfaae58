//! Exact steps of stepped sites whose clones' rates are constant
//! ([`ConstantRates`]): each clone's count moves by the exact law of the
//! linear birth–death process ([`super::birth_death`]), and what a clone
//! emits (a shed cell, a daughter of another clone) is an event at its own
//! time.
//!
//! A clone of such a site keeps its count as of a day of its own
//! ([`LazyClone::as_of`]) and the per-cell rates it has moved under since.
//! Its next emission is drawn from that count and, if it comes before the
//! next step of the grid, scheduled (one cancellable event per clone:
//! `CellShed`, or `CellDivided` for a daughter of another clone). At an
//! emission the clone's count just before it is drawn (size-biased), the
//! emission applied, and its next one drawn. When the site is looked at (a
//! step of the grid, a harvest, a dose, surgery, new rates, the end: every
//! caller of [`CascadeState::settle`] or [`CascadeState::catch_up_sites`]),
//! every clone is brought to now given that it emitted nothing since its
//! day, and the emissions are drawn again from the counts now (what was
//! drawn before was drawn without knowing them; redrawing from the revealed
//! state is exact, as for exponential clocks). An emission drawn after the
//! next step is never scheduled: that step draws again.
//!
//! A site's clones are kept sorted by clone id, as in [`super::Site`]'s
//! cells (a daughter is the newest clone, so it goes last), so that each
//! emission costs O(log clones) and each look O(clones).

use cascade_kernel::distributions::{Bernoulli, Distribution, Poisson};
use cascade_kernel::{Context, EventHandle, Purpose, Time};

use super::birth_death::{LinearRates, cell_days_through};
use super::cohorts::pick;
use super::growth::{Emission, LazyClone};
use super::records::Count;
use super::steps::next_step;
use super::{CascadeError, CascadeEvent, CascadeState, Growth, SiteId};
use crate::clones::CloneId;
use crate::config::{AUTO_EMISSIONS_PER_STEP, ConstantRates, GrowthLaw, GrowthSteps, Shedding};
use crate::therapy::DrugId;

/// The draws of exact steps.
const EXACT_STEPS: Purpose = Purpose::new("cascade.exact_steps");

impl LazyClone {
    fn rates(&self) -> LinearRates {
        LinearRates {
            birth: self.birth,
            death: self.death,
            emission: self.shed + self.daughters,
        }
    }
}

impl CascadeState {
    /// Whether `site` steps exactly now.
    pub(super) fn steps_exactly(&self, site: SiteId) -> bool {
        matches!(self.places.site(site).growth, Growth::Exact { .. })
    }

    /// Puts `site` (stepped, up to date) into exact steps, with its
    /// emissions drawn, or into counted steps, until its next step: exact if its
    /// rates are constant (the exponential law, per-cell shedding) and the
    /// scenario asks for exact steps, or for `Auto` and its clones are
    /// expected to emit at most [`AUTO_EMISSIONS_PER_STEP`] cells in a step.
    pub(super) fn choose_steps<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let constant = matches!(self.config.shedding, Shedding::PerCell)
            && self.places.site(site).growth_law == GrowthLaw::Exponential;
        let exact = match self.config.growth_steps {
            Some(GrowthSteps {
                constant_rates: ConstantRates::Exact,
                ..
            }) if constant => Some(self.fresh_clones(site, ctx.now().days())),
            Some(GrowthSteps {
                step,
                constant_rates: ConstantRates::Auto,
                ..
            }) if constant => {
                let fresh = self.fresh_clones(site, ctx.now().days());
                let cells = &self.places.site(site).cells;
                let expected: f64 = cells
                    .iter()
                    .zip(&fresh)
                    .map(|(&(_, n), clone)| n as f64 * clone.rates().emission * step)
                    .sum();
                (expected <= AUTO_EMISSIONS_PER_STEP).then_some(fresh)
            }
            _ => None,
        };
        match exact {
            Some(fresh) => {
                let growth = &mut self.places.stepped_site_mut(site).growth;
                if let Growth::Counted { step_from } = *growth {
                    *growth = Growth::Exact {
                        step_from,
                        lazy: Vec::new(),
                    };
                }
                self.arm(site, fresh, ctx)
            }
            None => {
                self.leave_exact_steps(site, ctx);
                Ok(())
            }
        }
    }

    /// Forgets `site`'s exact steps: its clones' days and pending
    /// emissions.
    pub(super) fn leave_exact_steps<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) {
        self.drop_emissions(site, ctx);
        let growth = &mut self.places.stepped_site_mut(site).growth;
        if let Growth::Exact { step_from, .. } = *growth {
            *growth = Growth::Counted { step_from };
        }
    }

    /// Takes `site`'s clones out of it, cancelling their pending emissions.
    fn drop_emissions<U>(&mut self, site: SiteId, ctx: &mut Context<'_, CascadeEvent<U>>) {
        let lazy = self.places.stepped_site_mut(site).growth.lazy_mut();
        for clone in lazy.map(std::mem::take).unwrap_or_default() {
            if let Some(handle) = clone.handle {
                ctx.cancel(handle);
            }
        }
    }

    /// Brings every site in exact steps up to now and draws its emissions
    /// again: before anything reads or changes the sites' counts.
    ///
    /// # Errors
    ///
    /// As the model's handler.
    pub(super) fn catch_up_sites<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        for index in 0..self.places.sites().len() {
            let site = SiteId(index as u32);
            if self.steps_exactly(site) {
                self.catch_up_site(site, ctx)?;
                self.arm_emissions(site, ctx)?;
            }
        }
        Ok(())
    }

    /// Brings each clone of `site` from its day to now, given that it
    /// emitted nothing in between. The caller then draws the emissions
    /// again ([`arm_emissions`](Self::arm_emissions), via
    /// [`choose_steps`](Self::choose_steps)) or leaves exact steps: either
    /// replaces the clones' days and pending emissions, those of the clones
    /// that died out included.
    pub(super) fn catch_up_site<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now().days();
        let lazy = self
            .places
            .stepped_site_mut(site)
            .growth
            .lazy_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for clone in &lazy {
            let tau = now - clone.as_of;
            if tau <= 0.0 {
                continue;
            }
            let s = self.places.stepped_site_mut(site);
            let n = s.count_mut(clone.clone);
            let before = *n;
            let after = clone
                .rates()
                .count_without_emission(before, tau, ctx.rng(EXACT_STEPS))?;
            *n = after;
            self.book_interval(clone, before, after, tau, ctx)?;
        }
        let s = self.places.stepped_site_mut(site);
        if let Some(slot) = s.growth.lazy_mut() {
            *slot = lazy;
        }
        s.cells.retain(|&(_, n)| n > 0);
        s.size = s.cells.iter().map(|&(_, n)| n).sum();
        s.peak_size = s.peak_size.max(s.size);
        if s.size == 0 {
            // Died out since the last look: noted at this one (a look
            // between steps may be the run's last).
            s.extinct_at.get_or_insert(ctx.now());
        }
        Ok(())
    }

    /// Draws the next emission of every clone of `site` (all up to date)
    /// with the rates of now, and schedules those before the next step.
    pub(super) fn arm_emissions<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let fresh = self.fresh_clones(site, ctx.now().days());
        self.arm(site, fresh, ctx)
    }

    /// [`arm_emissions`](Self::arm_emissions) with `fresh`, the site's
    /// clones as [`fresh_clones`](Self::fresh_clones) gives them.
    fn arm<U>(
        &mut self,
        site: SiteId,
        fresh: Vec<LazyClone>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.drop_emissions(site, ctx);
        let mut lazy = fresh;
        for (index, entry) in lazy.iter_mut().enumerate() {
            let n = self.places.site(site).cells[index].1;
            entry.next = self.draw_emission(entry, n, ctx)?;
            entry.handle = self.schedule_emission(site, entry, ctx)?;
        }
        if let Some(slot) = self.places.stepped_site_mut(site).growth.lazy_mut() {
            *slot = lazy;
        }
        Ok(())
    }

    /// The clones of `site` (in the order of its cells), as of `now`, with
    /// their rates now and no emission drawn yet.
    fn fresh_clones(&self, site: SiteId, now: f64) -> Vec<LazyClone> {
        self.places
            .site(site)
            .cells
            .iter()
            .map(|&(clone, n)| self.lazy_clone(site, clone, n, now))
            .collect()
    }

    /// `n` cells of `clone` in `site`, as of `now`, with their rates now
    /// and no emission drawn yet.
    fn lazy_clone(&self, site: SiteId, clone: CloneId, n: u64, now: f64) -> LazyClone {
        // Per-cell shedding only: the site's total shedding weight is not
        // used.
        let r = self.rates_in_site(self.places.site(site), clone, n.max(1), 0.0);
        let kept = self.kept_share(clone, r.mutation);
        LazyClone {
            clone,
            as_of: now,
            birth: r.birth * kept,
            death: r.death,
            shed: r.shed / n.max(1) as f64,
            daughters: r.birth * (1.0 - kept),
            next: None,
            handle: None,
        }
    }

    /// The share of a division's daughters of `clone` that are `clone`: not
    /// a mutant (probability `mutation`) and resistant to no drug.
    fn kept_share(&self, clone: CloneId, mutation: f64) -> f64 {
        self.daughter_weights(clone, mutation).1
    }

    /// The drugs a daughter of `clone` may become resistant to, in order,
    /// each as (drug index, probability of becoming resistant to it
    /// first); and the probability that the daughter is `clone` (no
    /// mutant, resistant to none).
    pub(super) fn daughter_weights(
        &self,
        clone: CloneId,
        mutation: f64,
    ) -> (Vec<(usize, f64)>, f64) {
        let mut not_yet = 1.0 - mutation;
        let mut weights = Vec::new();
        for (index, drug) in self.config.therapy.drugs.iter().enumerate() {
            let probability = drug.resistance_probability;
            if probability == 0.0 || self.is_resistant(clone, DrugId(index as u32)) {
                continue;
            }
            weights.push((index, not_yet * probability));
            not_yet *= 1.0 - probability;
        }
        (weights, not_yet)
    }

    /// The day and kind of the next emission of `clone` from `n` cells at
    /// its day; `None` if it never emits.
    fn draw_emission<U>(
        &self,
        clone: &LazyClone,
        n: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<Option<(f64, Emission)>, CascadeError> {
        let rng = ctx.rng(EXACT_STEPS);
        let Some(wait) = clone.rates().next_emission(n, rng) else {
            return Ok(None);
        };
        let day = clone.as_of + wait;
        if !day.is_finite() || Time::new(day).is_err() {
            return Ok(None);
        }
        let shed = clone.shed / (clone.shed + clone.daughters);
        let kind = if Bernoulli::new(shed.clamp(0.0, 1.0))?.sample(rng) {
            Emission::Shed
        } else {
            Emission::Daughter
        };
        Ok(Some((day, kind)))
    }

    /// Schedules the next emission of `clone` in `site` if it comes before
    /// the next step of the grid (which draws again).
    fn schedule_emission<U>(
        &self,
        site: SiteId,
        clone: &LazyClone,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<Option<EventHandle>, CascadeError> {
        let (Some((day, kind)), Some(GrowthSteps { step, .. })) =
            (clone.next, self.config.growth_steps)
        else {
            return Ok(None);
        };
        if day >= next_step(ctx.now().days(), step)?.days() {
            return Ok(None);
        }
        let c = clone.clone;
        let event = match kind {
            Emission::Shed => CascadeEvent::CellShed { site, clone: c },
            Emission::Daughter => CascadeEvent::CellDivided { site, clone: c },
        };
        Ok(Some(ctx.schedule_cancellable_at(Time::new(day)?, event)?))
    }

    /// An emission of `clone` in `site`, a site in exact steps: its count
    /// just before, then the shed cell or the daughter, then its next
    /// emission.
    pub(super) fn emit<U>(
        &mut self,
        site: SiteId,
        clone: CloneId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now().days();
        let s = self.places.site(site);
        let Ok(index) = s.growth.lazy().binary_search_by_key(&clone, |l| l.clone) else {
            return Ok(());
        };
        let mut entry = s.growth.lazy()[index].clone();
        entry.handle = None;
        let Some((_, kind)) = entry.next else {
            return Ok(());
        };
        let before = self
            .places
            .site(site)
            .cells
            .binary_search_by_key(&clone, |&(c, _)| c)
            .map_or(0, |i| self.places.site(site).cells[i].1);
        if before == 0 {
            // Cannot happen (a clone without cells has no emission), but a
            // stale event must not create an empty clone.
            return Ok(());
        }
        let tau = now - entry.as_of;
        let at_emission = entry
            .rates()
            .count_before_emission(before, tau, ctx.rng(EXACT_STEPS))?;
        self.book_interval(&entry, before, at_emission, tau, ctx)?;
        let organ = self.places.site(site).organ;
        let after = match kind {
            Emission::Shed => at_emission - 1,
            Emission::Daughter => at_emission,
        };
        *self.places.stepped_site_mut(site).count_mut(clone) = after;
        let mut daughter = None;
        match kind {
            Emission::Shed => {
                self.records
                    .add(Count::Funnel(clone, organ, |f| &mut f.shed), 1);
            }
            Emission::Daughter => {
                let d = self.other_daughter(site, clone, ctx)?;
                self.records.add(Count::Born(d), 1);
                *self.places.stepped_site_mut(site).count_mut(d) += 1;
                daughter = Some(d);
            }
        }
        // The clone's next emission, from its count now.
        entry.as_of = now;
        entry.next = self.draw_emission(&entry, after, ctx)?;
        entry.handle = self.schedule_emission(site, &entry, ctx)?;
        if let Some(lazy) = self.places.stepped_site_mut(site).growth.lazy_mut() {
            lazy[index] = entry;
        }
        if let Some(d) = daughter {
            let mut entry = self.lazy_clone(site, d, 1, now);
            entry.next = self.draw_emission(&entry, 1, ctx)?;
            entry.handle = self.schedule_emission(site, &entry, ctx)?;
            // Every daughter of another clone is a new clone, the newest:
            // it goes last, and the clones stay sorted.
            if let Some(lazy) = self.places.stepped_site_mut(site).growth.lazy_mut() {
                let position = lazy.partition_point(|l| l.clone < d);
                lazy.insert(position, entry);
            }
        }
        let s = self.places.stepped_site_mut(site);
        s.size = s.size + after + u64::from(daughter.is_some()) - before;
        s.peak_size = s.peak_size.max(s.size);
        if after == 0 {
            s.cells.retain(|&(c, _)| c != clone);
            if let Some(lazy) = s.growth.lazy_mut() {
                lazy.retain(|l| l.clone != clone);
            }
        }
        if s.size == 0 {
            // Every clone is empty as of its own day, so none can grow: the
            // site died out with this cell.
            s.extinct_at.get_or_insert(ctx.now());
        }
        if kind == Emission::Shed {
            self.shed_to_blood((site, clone), organ, ctx)?;
        }
        Ok(())
    }

    /// A daughter of `clone` that is another clone: a mutant, or resistant
    /// to a drug, with the probabilities of a division given that it is
    /// not `clone` (as at [`divide_in_site`](Self::divide_in_site)).
    fn other_daughter<U>(
        &mut self,
        site: SiteId,
        clone: CloneId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<CloneId, CascadeError> {
        let kind = self.places.site(site).kind;
        let mutation = self.rates(clone, kind).mutation_probability;
        // The mutant first, then each drug in order.
        let mut items = vec![(None, mutation)];
        items.extend(
            self.daughter_weights(clone, mutation)
                .0
                .into_iter()
                .map(|(index, weight)| (Some(index), weight)),
        );
        let total: f64 = items.iter().map(|&(_, weight)| weight).sum();
        let target = ctx.rng(EXACT_STEPS).uniform() * total;
        match pick(target, &items).flatten() {
            None => self.mutant_daughter(clone, ctx),
            Some(index) => {
                let mutant = self.resistant_mutant(clone, DrugId(index as u32), ctx.now());
                self.resistance_mutations_from(mutant, index + 1, ctx)
            }
        }
    }

    /// The ledger of `clone` for an interval of `tau` days in which its
    /// count went from `before` to `after` with no emission: the net change
    /// is exact; the deaths are drawn as a Poisson of the death rate times
    /// the cell-days of an exponential path through both ends (`n·τ/2`
    /// for a clone that died out), at least the fall of the count, and the
    /// births follow. Nothing in the trajectory depends on this split.
    fn book_interval<U>(
        &mut self,
        clone: &LazyClone,
        before: u64,
        after: u64,
        tau: f64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if tau <= 0.0 || before == 0 {
            return Ok(());
        }
        let cell_days = cell_days_through(before, after, tau);
        let mean = clone.death * cell_days;
        let drawn = if mean > 0.0 {
            Poisson::new(mean.min(4.0e15))?.sample(ctx.rng(EXACT_STEPS))
        } else {
            0
        };
        let died = drawn.max(before.saturating_sub(after));
        let born = died + after - before;
        self.records.add(Count::Died(clone.clone), died);
        self.records.add(Count::Born(clone.clone), born);
        Ok(())
    }
}
