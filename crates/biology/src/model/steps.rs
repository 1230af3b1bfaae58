//! Stepped growth of large sites ([`GrowthSteps`]): counted steps, each
//! clone's count over a step by the exact law of the linear birth–death
//! process with the step's rates, and what it emits as counts
//! (`docs/model.md`, Stepped growth); or exact steps
//! ([`super::exact_steps`]) where rates are constant.
//!
//! Nothing here draws a random number or schedules an event unless the
//! configuration asks for stepped growth.

use cascade_kernel::distributions::{Distribution, Poisson, sample_multinomial_into};
use cascade_kernel::{Context, Purpose, Time};

use super::birth_death::{LinearRates, cell_days_through};
use super::records::Count;
use super::{
    CascadeError, CascadeEvent, CascadeState, CloneRates, Growth, Origin, PoolKey, SiteId,
    draw_binomial,
};
use crate::clones::CloneId;
use crate::config::{GrowthLaw, GrowthSteps, MAX_CELLS, PoolMode, Shedding};
use crate::organs::{Drain, OrganId};
use crate::therapy::DrugId;

/// What one clone did in a step of counted growth.
struct StepCounts {
    /// Its cells at the step's end.
    after: u64,
    /// Its cells that died.
    died: u64,
    /// Its cells shed into the blood.
    shed: u64,
    /// Its divisions whose daughter stayed in it.
    born: u64,
    /// Its divisions whose daughter is another clone (mutant, resistant).
    others: u64,
}

/// A Poisson count of mean `mean` from the steps' stream (0 for a mean
/// of 0; means past 4×10¹⁵, which no site reaches, are capped there).
fn draw_poisson<U>(mean: f64, ctx: &mut Context<'_, CascadeEvent<U>>) -> Result<u64, CascadeError> {
    if mean > 0.0 {
        Ok(Poisson::new(mean.min(4.0e15))?.sample(ctx.rng(STEPS)))
    } else {
        Ok(0)
    }
}

/// The counts of a step.
const STEPS: Purpose = Purpose::new("cascade.steps");

impl CascadeState {
    /// Puts `site` into stepped growth once it holds the threshold's cells.
    pub(super) fn maybe_start_steps<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let Some(GrowthSteps {
            step, threshold, ..
        }) = self.config.growth_steps
        else {
            return Ok(());
        };
        let s = self.places.site(site);
        if s.is_stepped() || s.size < threshold {
            return Ok(());
        }
        let step_from = ctx.now().days();
        if let Some(clock) = self.places.enter_steps(site, Growth::Counted { step_from }) {
            ctx.cancel(clock);
        }
        self.choose_steps(site, ctx)?;
        let at = next_step(ctx.now().days(), step)?;
        ctx.schedule_at(at, CascadeEvent::SiteStepped { site })?;
        Ok(())
    }

    /// One step of a stepped site: its counts brought to now, exactly
    /// ([`super::exact_steps`]) or counted ([`count_to_now`](Self::count_to_now));
    /// then the next step, or single events again below half the
    /// threshold.
    pub(super) fn step_site<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let Some(GrowthSteps {
            step, threshold, ..
        }) = self.config.growth_steps
        else {
            return Ok(());
        };
        if !self.places.site(site).is_stepped() {
            return Ok(());
        }
        self.check_site_rates(site)?;
        if self.steps_exactly(site) {
            return self.step_exactly(site, step, threshold, ctx);
        }
        self.count_to_now(site, ctx)?;
        self.after_step(site, step, threshold, ctx)
    }

    /// A counted site's counts from its last step to now: the body of a
    /// step, without what follows it. Also run when rates change between
    /// two steps (`change_modifiers`), so that each part of a step is
    /// counted with the rates of that part.
    ///
    /// Per clone ([`step_rates`](Self::step_rates) gives the rates): the
    /// count at the end from the exact transition law of the linear
    /// birth–death process whose births are the divisions that stay in
    /// the clone and whose removals are deaths and sheddings; the
    /// removals, the daughters of other clones (mutant, resistant) as
    /// Poisson counts of their rate times the clone's cell-days on the
    /// exponential path through the step's two ends (`docs/model.md`,
    /// Stepped growth).
    pub(super) fn count_to_now<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let organ = self.places.site(site).organ;
        let now = ctx.now();
        // The first step of a site runs from its entry into steps to the
        // next point of the grid; the others are whole steps.
        let interval = now.days() - self.places.site(site).growth.step_from();
        (self.places.stepped_site_mut(site).growth).set_step_from(now.days());
        let rates = self.step_rates(site, interval);
        let mut daughters: Vec<CloneId> = Vec::new();
        for (index, r) in rates.iter().enumerate() {
            let counts = self.draw_step(r, interval, ctx)?;
            let s = self.places.stepped_site_mut(site);
            // The rates are in the site's order of clones, which nothing
            // in the loop changes (daughters are added after it): no search.
            match s.cells.get_mut(index) {
                Some((clone, n)) if *clone == r.clone => *n = counts.after,
                _ => *s.count_mut(r.clone) = counts.after,
            }
            self.records.add(Count::Died(r.clone), counts.died);
            self.records.add(Count::Born(r.clone), counts.born);
            if counts.shed > 0 {
                self.records
                    .add(Count::Funnel(r.clone, organ, |f| &mut f.shed), counts.shed);
                let origin = Origin::shed(site, now);
                self.shed_count((r.clone, organ), counts.shed, origin, ctx)?;
            }
            self.other_daughters(r.clone, r.mutation, counts.others, &mut daughters, ctx)?;
        }
        for daughter in daughters {
            self.records.add(Count::Born(daughter), 1);
            *self.places.stepped_site_mut(site).count_mut(daughter) += 1;
        }
        let s = self.places.stepped_site_mut(site);
        s.cells.retain(|&(_, n)| n > 0);
        s.size = s.cells.iter().map(|&(_, n)| n).sum();
        s.peak_size = s.peak_size.max(s.size);
        Ok(())
    }

    /// The rates of a step of `interval` days of `site`: where they depend
    /// on the site's size (logistic or Gompertz growth, size-power
    /// shedding), those at the size the site reaches at the step's middle
    /// on its deterministic path with the rates at the start (the midpoint
    /// rule for the rates integrated along the step: an error of order
    /// `interval²` in a run, against `interval` for the rates at the
    /// start); otherwise the rates now.
    fn step_rates(&self, site: SiteId, interval: f64) -> Vec<CloneRates> {
        let s = self.places.site(site);
        let depends_on_size = s.growth_law != GrowthLaw::Exponential
            || matches!(self.config.shedding, Shedding::SizePower { .. });
        if !depends_on_size || s.size == 0 || interval <= 0.0 {
            return self.site_rates(s).collect();
        }
        let cells = s.size as f64;
        let net: f64 = self
            .site_rates(s)
            .map(|r| r.cells as f64 * (r.birth - r.death) - r.shed)
            .sum::<f64>()
            / cells;
        let middle = cells * libm::exp(0.5 * net * interval);
        // At least one cell; at most the largest count a site may hold.
        let size = libm::round(middle).clamp(1.0, MAX_CELLS as f64) as u64;
        self.site_rates_at(s, size).collect()
    }

    /// One clone's counts over a step of `interval` days with the rates
    /// `r` ([`StepCounts`]).
    fn draw_step<U>(
        &self,
        r: &CloneRates,
        interval: f64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<StepCounts, CascadeError> {
        let n = r.cells;
        let (weights, kept) = self.daughter_weights(r.clone, r.mutation);
        // Written as a sum, not 1 − kept, so that a small probability
        // keeps its digits.
        let other_share = r.mutation + weights.iter().map(|&(_, w)| w).sum::<f64>();
        let shed_per_cell = if n > 0 { r.shed / n as f64 } else { 0.0 };
        let leaving = r.death + shed_per_cell;
        let law = LinearRates {
            birth: r.birth * kept,
            death: leaving,
            emission: 0.0,
        };
        let after = law.count_without_emission(n, interval, ctx.rng(STEPS))?;
        let cell_days = cell_days_through(n, after, interval);
        let removed = draw_poisson(leaving * cell_days, ctx)?.max(n.saturating_sub(after));
        let died = draw_binomial(
            removed,
            r.death / leaving.max(f64::MIN_POSITIVE),
            ctx,
            STEPS,
        )?;
        let others = draw_poisson(r.birth * other_share * cell_days, ctx)?;
        Ok(StepCounts {
            after,
            died,
            shed: removed - died,
            born: after + removed - n,
            others,
        })
    }

    /// `count` daughters of `clone` in a step that are not of `clone`,
    /// each a new clone pushed onto `daughters`: split among a mutant and
    /// a cell resistant first to each drug by the probabilities of a
    /// division given that its daughter is not of `clone` (as at
    /// [`divide_in_site`](Self::divide_in_site)); a mutant, and a resistant
    /// daughter for the later drugs, then open to resistance as at a single
    /// division.
    fn other_daughters<U>(
        &mut self,
        clone: CloneId,
        mutation: f64,
        count: u64,
        daughters: &mut Vec<CloneId>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if count == 0 {
            return Ok(());
        }
        let (weights, _) = self.daughter_weights(clone, mutation);
        let mut remaining = mutation + weights.iter().map(|&(_, w)| w).sum::<f64>();
        let mut left = count;
        let mutants = if weights.is_empty() {
            left
        } else {
            draw_binomial(left, mutation / remaining, ctx, STEPS)?
        };
        left -= mutants;
        remaining -= mutation;
        for _ in 0..mutants {
            daughters.push(self.mutant_daughter(clone, ctx)?);
        }
        let last = weights.len().saturating_sub(1);
        for (position, &(index, weight)) in weights.iter().enumerate() {
            let resistant = if position == last {
                left
            } else {
                draw_binomial(left, weight / remaining.max(weight), ctx, STEPS)?
            };
            left -= resistant;
            remaining -= weight;
            for _ in 0..resistant {
                let mutant = self.resistant_mutant(clone, DrugId(index as u32), ctx.now());
                // As at a single division, the same daughter may resist
                // the later drugs too.
                daughters.push(self.resistance_mutations_from(mutant, index + 1, ctx)?);
            }
        }
        Ok(())
    }

    /// A step of the grid for a site in exact steps: its clones brought to
    /// now, then as after any step.
    fn step_exactly<U>(
        &mut self,
        site: SiteId,
        step: f64,
        threshold: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.catch_up_site(site, ctx)?;
        (self.places.stepped_site_mut(site).growth).set_step_from(ctx.now().days());
        self.after_step(site, step, threshold, ctx)
    }

    /// After a step (counts up to date): a site the step emptied is extinct
    /// on the step's day and steps no more; otherwise the sizes reached,
    /// then the next step, exact or counted
    /// ([`choose_steps`](Self::choose_steps)), or single events again
    /// below half the threshold (and always at a single cell, whatever the
    /// threshold): hysteresis.
    fn after_step<U>(
        &mut self,
        site: SiteId,
        step: f64,
        threshold: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let size = self.places.site(site).size;
        if size == 0 {
            self.leave_exact_steps(site, ctx);
            let now = ctx.now();
            self.places.note_site(site, |s| {
                s.extinct_at.get_or_insert(now);
            });
            // Empty: its clock draws nothing.
            let left = self.places.leave_steps(site);
            return self.redraw(left, ctx);
        }
        if size < (threshold / 2).max(2) {
            self.leave_exact_steps(site, ctx);
            let left = self.places.leave_steps(site);
            self.note_sizes_reached(site, ctx)?;
            return self.redraw(left, ctx);
        }
        self.note_sizes_reached(site, ctx)?;
        self.choose_steps(site, ctx)?;
        let at = next_step(ctx.now().days(), step)?;
        ctx.schedule_at(at, CascadeEvent::SiteStepped { site })?;
        Ok(())
    }

    /// Sends `count` cells of `clone` shed from a site in `organ` to where
    /// the organ drains: split among its venous routes by a multinomial
    /// draw over their shares when it has several; from the arterial side,
    /// split among the organs by a multinomial draw over the cardiac-output
    /// shares.
    fn shed_count<U>(
        &mut self,
        (clone, organ): (CloneId, OrganId),
        count: u64,
        origin: Origin,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let routes = self.config.organs.routes(organ);
        if let [only] = routes {
            let drain = only.to.clone();
            return self.shed_along((clone, count), &drain, origin, ctx);
        }
        let drains: Vec<Drain> = routes.iter().map(|route| route.to.clone()).collect();
        let shares: Vec<f64> = routes.iter().map(|route| route.share).collect();
        let mut counts = vec![0; shares.len()];
        sample_multinomial_into(ctx.rng(STEPS), count, &shares, &mut counts)?;
        for (drain, n) in drains.iter().zip(counts) {
            if n > 0 {
                self.shed_along((clone, n), drain, origin, ctx)?;
            }
        }
        Ok(())
    }

    /// Sends `count` cells of `clone` into the blood of `drain`.
    fn shed_along<U>(
        &mut self,
        (clone, count): (CloneId, u64),
        drain: &Drain,
        origin: Origin,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let in_transit = |organ| PoolKey::in_transit(clone, organ);
        match drain {
            Drain::Organ(next) => {
                let next = *next;
                self.enter_pools(in_transit(next), count, Some(origin), ctx)
            }
            Drain::Arterial if self.config.pool_mode == PoolMode::Cohorts => {
                self.enter_arterial_side((clone, count), Some(origin), ctx)
            }
            Drain::Arterial => {
                let counts = self.arterial_counts(count, ctx.rng(STEPS))?;
                for (index, &n) in counts.iter().enumerate() {
                    let to = in_transit(OrganId(index as u16));
                    self.enter_pools(to, n, Some(origin), ctx)?;
                }
                Ok(())
            }
        }
    }
}

/// The first point after `day` of the grid of multiples of `step`: every
/// stepped site steps on this grid, at the same instants (computed as
/// k × step from the integer k, so bit for bit the same for every site),
/// and the cells all of them shed enter the blood together (which cohort
/// mode needs, to bring its counts up to date once per step).
pub(super) fn next_step(day: f64, step: f64) -> Result<Time, CascadeError> {
    let mut k = libm::floor(day / step) + 1.0;
    if k * step <= day {
        k += 1.0;
    }
    Ok(Time::new(k * step)?)
}
