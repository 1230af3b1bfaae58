//! The next-reaction clock: when a place with competing exponential fates
//! has its next event, and which fate it is.
//!
//! A place (a population, a queue, a compartment) whose members each
//! undergo one of several fates at constant rates has, as a whole, one
//! exponential clock: the wait to its next event is exponential with the
//! sum of the rates, and which fate it is has probability proportional to
//! its rate, independent of the wait (the minimum of independent
//! exponentials; Gibson & Bruck 2000 keep one such clock per place and
//! draw it again whenever its content or rates change). Because waits are
//! memoryless, drawing the clock again after any change is exact.
//!
//! [`next_reaction`] draws that clock from two keyed streams, one for the
//! wait and one for the fate, so that a model's trajectory does not depend
//! on how many fates a place happened to have (each stream advances by one
//! draw per clock). A model schedules the returned fate at the returned
//! time, usually as a cancellable event, and cancels and draws again when
//! the place changes:
//!
//! ```
//! use cascade_kernel::clock::next_reaction;
//! use cascade_kernel::{Context, Model, Purpose, ScheduleError, Seed, Simulation};
//!
//! #[derive(Clone, Copy, Debug, PartialEq)]
//! enum Fate {
//!     Divided,
//!     Died,
//! }
//!
//! /// Cells dividing at rate 1 and dying at rate 0.5, each.
//! struct Cells(u64);
//!
//! const WAITS: Purpose = Purpose::new("waits");
//! const FATES: Purpose = Purpose::new("fates");
//!
//! impl Cells {
//!     fn draw(&self, ctx: &mut Context<'_, Fate>) -> Result<(), ScheduleError> {
//!         let fates = [(1.0, Fate::Divided), (0.5, Fate::Died)];
//!         // Per-cell rates, times the number of cells.
//!         if let Ok(Some(next)) = next_reaction(&fates, self.0 as f64, ctx, WAITS, FATES) {
//!             ctx.schedule_at(next.at, next.fate)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! impl Model for Cells {
//!     type Event = Fate;
//!     type Error = ScheduleError;
//!     fn handle(&mut self, fate: Fate, ctx: &mut Context<'_, Fate>) -> Result<(), ScheduleError> {
//!         match fate {
//!             Fate::Divided => self.0 += 1,
//!             Fate::Died => self.0 -= 1,
//!         }
//!         self.draw(ctx)
//!     }
//! }
//!
//! let mut sim = Simulation::new(Cells(10), Seed::new(1));
//! let (model, mut ctx) = sim.model_and_context();
//! model.draw(&mut ctx)?;
//! sim.run_until(cascade_kernel::Time::new(2.0).unwrap())?;
//! assert!(sim.dispatched() > 0);
//! # Ok::<(), ScheduleError>(())
//! ```

use core::fmt;

use crate::distributions::{Distribution, Exponential};
use crate::random::Purpose;
use crate::simulation::Context;
use crate::time::Time;

/// The next event of a place: when, and which fate.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Next<F> {
    /// Its time.
    pub at: Time,
    /// Its fate.
    pub fate: F,
}

/// Why a clock could not be drawn.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ClockError {
    /// A fate's rate is negative, infinite or NaN.
    InvalidRate {
        /// The fate's index in the list.
        fate: usize,
        /// Its rate.
        rate: f64,
    },
    /// The total rate (the sum of the rates times the multiplier) is not
    /// finite: it overflowed.
    TotalNotFinite {
        /// The total.
        rate: f64,
    },
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::InvalidRate { fate, rate } => write!(
                f,
                "fate {fate} has a rate of {rate}, expected a finite number >= 0"
            ),
            ClockError::TotalNotFinite { rate } => {
                write!(f, "the total rate is {rate}, expected a finite number")
            }
        }
    }
}

impl std::error::Error for ClockError {}

/// Draws the next event of a place whose fates have the rates of `fates`,
/// each multiplied by `multiplier` (the number of members, for per-member
/// rates; 1 for rates of the whole place).
///
/// The wait is exponential with rate `multiplier × Σ rates`, drawn from
/// the stream `waits`; the fate is chosen from the stream `choices`, with
/// probability proportional to its rate (one uniform, compared with the
/// cumulative sums in list order; a fate of rate 0 is never chosen).
///
/// Returns `Ok(None)`, drawing nothing, when the total rate is 0; and
/// `Ok(None)`, having drawn the wait only, when the wait is too long to be
/// a finite time (a tiny rate: the event happens at no finite time).
///
/// # Errors
///
/// [`ClockError`] if a rate is negative or not finite, or the total
/// overflows.
pub fn next_reaction<F: Copy, E>(
    fates: &[(f64, F)],
    multiplier: f64,
    ctx: &mut Context<'_, E>,
    waits: Purpose,
    choices: Purpose,
) -> Result<Option<Next<F>>, ClockError> {
    if let Some((fate, &(rate, _))) = fates
        .iter()
        .enumerate()
        .find(|(_, (rate, _))| !(rate.is_finite() && *rate >= 0.0))
    {
        return Err(ClockError::InvalidRate { fate, rate });
    }
    let total: f64 = fates.iter().map(|(rate, _)| rate).sum();
    let rate = total * multiplier;
    if !rate.is_finite() {
        return Err(ClockError::TotalNotFinite { rate });
    }
    if rate == 0.0 {
        return Ok(None);
    }
    let Ok(exponential) = Exponential::new(rate) else {
        return Err(ClockError::TotalNotFinite { rate });
    };
    let wait = exponential.sample(ctx.rng(waits));
    // A wait too long to be a finite time: never. (An exponential wait is
    // never negative, so `after` refuses nothing else.)
    let Ok(at) = ctx.now().after(wait) else {
        return Ok(None);
    };
    let target = ctx.rng(choices).uniform() * total;
    let mut chosen = fates[fates.len() - 1].1;
    let mut cumulative = 0.0;
    for &(rate, fate) in fates {
        cumulative += rate;
        if target < cumulative && rate > 0.0 {
            chosen = fate;
            break;
        }
    }
    // Rounding can leave `target` above the last partial sum: the last
    // fate with a positive rate takes it.
    if target >= cumulative
        && let Some(&(_, fate)) = fates.iter().rev().find(|(r, _)| *r > 0.0)
    {
        chosen = fate;
    }
    Ok(Some(Next { at, fate: chosen }))
}
