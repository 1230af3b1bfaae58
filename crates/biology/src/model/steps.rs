//! Stepped growth of large sites ([`GrowthSteps`]): τ-leaping over each
//! clone of a site, with the same rates as single events.
//!
//! Nothing here draws a random number or schedules an event unless the
//! configuration asks for stepped growth.

use cascade_kernel::distributions::{Distribution, Poisson};
use cascade_kernel::{Context, Purpose, Time};

use super::records::Count;
use super::{CascadeError, CascadeEvent, CascadeState, Growth, PoolKey, SiteId, draw_binomial};
use crate::clones::CloneId;
use crate::config::{GrowthSteps, PoolMode};
use crate::organs::{Drain, OrganId};

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
        if let Some(clock) = self.places.enter_steps(site, Growth::Leaped { step_from }) {
            ctx.cancel(clock);
        }
        self.choose_steps(site, ctx)?;
        let at = next_step(ctx.now().days(), step)?;
        ctx.schedule_at(at, CascadeEvent::SiteStepped { site })?;
        Ok(())
    }

    /// One step of a stepped site: per clone, removals (deaths and
    /// sheddings) binomial, births Poisson, mutant daughters binomial among
    /// the births, from the rates at the step's start; then the next step,
    /// or single events again below half the threshold.
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
        self.leap_to_now(site, ctx)?;
        self.after_step(site, step, threshold, ctx)
    }

    /// A leaped site's counts from its last step to now, by the rates now:
    /// the body of a step, without what follows it. Also run when rates
    /// change between two steps (`change_modifiers`), so that each part of
    /// a step is leaped with the rates of that part.
    pub(super) fn leap_to_now<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let rates: Vec<_> = self.site_rates(self.places.site(site)).collect();
        let organ = self.places.site(site).organ;
        let now = ctx.now();
        // The first step of a site runs from its entry into steps to the
        // next point of the grid; the others are whole steps.
        let interval = now.days() - self.places.site(site).growth.step_from();
        (self.places.stepped_site_mut(site).growth).set_step_from(now.days());
        let mut mutants: Vec<CloneId> = Vec::new();
        for r in &rates {
            let n = r.cells;
            let shed_per_cell = if n > 0 { r.shed / n as f64 } else { 0.0 };
            let leaving = r.death + shed_per_cell;
            let removed = if leaving > 0.0 {
                let p = -libm::expm1(-leaving * interval);
                draw_binomial(n, p, ctx, STEPS)?
            } else {
                0
            };
            let died = draw_binomial(
                removed,
                r.death / leaving.max(f64::MIN_POSITIVE),
                ctx,
                STEPS,
            )?;
            let shed = removed - died;
            let mean_births = n as f64 * r.birth * interval;
            let births = if mean_births > 0.0 {
                Poisson::new(mean_births)?.sample(ctx.rng(STEPS))
            } else {
                0
            };
            let mutant_births = draw_binomial(births, r.mutation, ctx, STEPS)?;
            let mut resistant = Vec::new();
            let kept =
                self.resistant_daughters(r.clone, births - mutant_births, &mut resistant, ctx)?;
            let s = self.places.stepped_site_mut(site);
            let count = s.count_mut(r.clone);
            *count = *count - removed + kept;
            self.records.add(Count::Died(r.clone), died);
            self.records.add(Count::Born(r.clone), kept);
            if shed > 0 {
                self.records
                    .add(Count::Funnel(r.clone, organ, |f| &mut f.shed), shed);
                self.shed_count(r.clone, organ, shed, ctx)?;
            }
            for _ in 0..mutant_births {
                // As at a single division: the mutant daughter may be
                // resistant too.
                mutants.push(self.mutant_daughter(r.clone, ctx)?);
            }
            mutants.extend(resistant);
        }
        for daughter in mutants {
            self.records.add(Count::Born(daughter), 1);
            *self.places.stepped_site_mut(site).count_mut(daughter) += 1;
        }
        let s = self.places.stepped_site_mut(site);
        s.cells.retain(|&(_, n)| n > 0);
        s.size = s.cells.iter().map(|&(_, n)| n).sum();
        s.peak_size = s.peak_size.max(s.size);
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
    /// then the next step, exact or leaped
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
    /// the organ drains; from the arterial side, split among the organs by a
    /// multinomial draw over the cardiac-output shares.
    fn shed_count<U>(
        &mut self,
        clone: CloneId,
        organ: OrganId,
        count: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let in_transit = |organ| PoolKey::in_transit(clone, organ);
        match self.config.organs.drain(organ) {
            Drain::Organ(next) => {
                let next = *next;
                self.enter_pools(in_transit(next), count, ctx)
            }
            Drain::Arterial if self.config.pool_mode == PoolMode::Cohorts => {
                self.enter_arterial_side(clone, count, ctx)
            }
            Drain::Arterial => {
                let counts = self.arterial_counts(count, ctx.rng(STEPS))?;
                for (index, &n) in counts.iter().enumerate() {
                    self.enter_pools(in_transit(OrganId(index as u16)), n, ctx)?;
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
