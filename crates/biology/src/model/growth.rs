//! How a site grows: by single events on its clock, or by steps (a child
//! module of `model`).

use cascade_kernel::EventHandle;
use serde::{Deserialize, Serialize};

use crate::clones::CloneId;

/// How a site grows now, as [`Site::growth_mode`](super::Site::growth_mode) tells it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum GrowthMode {
    /// Every birth, death and shedding an event of its own.
    Events,
    /// Counted steps: each clone's count by the exact law of a step, what
    /// it emits as counts.
    Counted,
    /// Exact steps.
    Exact,
}

/// How a site grows now: its growth mode and what the mode keeps (the one
/// place that says it: a site in steps has no clock, a site growing by
/// events has no step day and no lazy clones).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Growth {
    /// Every birth, death and shedding is an event of its own, on the
    /// site's one clock (`None` while it has none: empty, or a rate of 0).
    Events {
        /// The pending clock.
        clock: Option<EventHandle>,
    },
    /// By counted steps ([`crate::config::GrowthSteps`], `steps.rs`): its
    /// next step is its pending event, and it has no clock.
    Counted {
        /// The day of its last step, or of its entry into steps.
        step_from: f64,
    },
    /// By exact steps (`exact_steps`): its next step is pending, and so is
    /// each clone's next emission that comes before it.
    Exact {
        /// The day of its last step, or of its entry into steps.
        step_from: f64,
        /// Its clones, in the order of its cells, each with the day its
        /// count is of.
        lazy: Vec<LazyClone>,
    },
}

impl Growth {
    /// The day of the last step (0 for a site growing by events).
    pub(super) fn step_from(&self) -> f64 {
        match *self {
            Growth::Events { .. } => 0.0,
            Growth::Counted { step_from } | Growth::Exact { step_from, .. } => step_from,
        }
    }

    /// Sets the day of the last step (nothing for a site growing by
    /// events).
    pub(super) fn set_step_from(&mut self, day: f64) {
        match self {
            Growth::Events { .. } => {}
            Growth::Counted { step_from } | Growth::Exact { step_from, .. } => *step_from = day,
        }
    }

    /// The clones of exact steps (empty in the other modes).
    pub(super) fn lazy(&self) -> &[LazyClone] {
        match self {
            Growth::Exact { lazy, .. } => lazy,
            _ => &[],
        }
    }

    /// The clones of exact steps, mutably (`None` in the other modes).
    pub(super) fn lazy_mut(&mut self) -> Option<&mut Vec<LazyClone>> {
        match self {
            Growth::Exact { lazy, .. } => Some(lazy),
            _ => None,
        }
    }

    /// The clock of a site growing by events (`None` in the step modes).
    pub(super) fn clock(&self) -> Option<EventHandle> {
        match *self {
            Growth::Events { clock } => clock,
            _ => None,
        }
    }
}

/// A clone of a site in exact steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct LazyClone {
    pub(super) clone: CloneId,
    /// The day its count in [`super::Site::cells`] is of.
    pub(super) as_of: f64,
    /// Its per-cell rates since then.
    pub(super) birth: f64,
    pub(super) death: f64,
    /// Per-cell rates of the two kinds of emission.
    pub(super) shed: f64,
    pub(super) daughters: f64,
    /// Its next emission, if it has one: the day and what it is.
    pub(super) next: Option<(f64, Emission)>,
    /// The event of that emission, if it comes before the next step.
    pub(super) handle: Option<EventHandle>,
}

/// What a clone of a site in exact steps emits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Emission {
    /// A cell shed into the blood.
    Shed,
    /// A division whose daughter is another clone.
    Daughter,
}
