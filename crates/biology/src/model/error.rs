//! Why a run of the cascade stops with an error ([`CascadeError`]; a child
//! module of `model`).

use cascade_kernel::distributions::ParameterError;
use cascade_kernel::{ScheduleError, TimeError};
use std::fmt;

use super::{MemoryUse, Place, memory};
use crate::clones::CloneId;

/// Why a run of the cascade stopped with an error.
#[derive(Clone, Debug, PartialEq)]
pub enum CascadeError {
    /// The kernel refused to schedule an event: a time not finite or in the
    /// past, or a handle no longer pending. The protocol's days are
    /// validated, and a clock whose wait is too long to be a finite time
    /// (a tiny rate) is left unscheduled rather than refused, so only an
    /// extension's own scheduling gives this.
    Schedule(ScheduleError),
    /// A place's clock has a rate that is not a finite number >= 0: the
    /// total, cells × per-cell rates, overflowed to infinity (above about
    /// 1.8e308 per day, reachable through mutants or modifiers), or an
    /// extension set a modifier to a negative, infinite or NaN value. Only a
    /// total rate of exactly 0 means "no clock".
    InvalidRate {
        /// The pool or site.
        place: Place,
        /// The offending rate, per day: the total, or one fate's rate.
        rate: f64,
        /// The place in words, with the clone's and the organ's names
        /// (`the pool of clone "parental" in transit in the lung`).
        described: String,
    },
    /// A mutant arose with a per-cell rate that is not finite or above
    /// [`MAX_RATE`](crate::rates::MAX_RATE) (`crate::rates` says why): a
    /// log-normal `mutation_effect` with a large σ runs rates away.
    RateOutOfRange {
        /// The mutant's name (`parental.17`).
        clone: String,
        /// The field of its phenotype (`in_primary.birth_rate`).
        field: String,
        /// What happens at the rate, and where (`divisions in metastases
        /// in the liver`).
        fate: String,
        /// The rate, per cell per day.
        rate: f64,
        /// The day it arose.
        day: f64,
    },
    /// A distribution refused its parameters. The model's parameters are
    /// validated, so this is a bug.
    Distribution(ParameterError),
    /// An extension's own error.
    Extension(String),
    /// The state outgrew the replicate's memory budget
    /// ([`CascadeState::set_memory_budget`](super::CascadeState::set_memory_budget)).
    MemoryBudget {
        /// What it held, by part.
        used: Box<MemoryUse>,
        /// The budget, in bytes.
        budget: u64,
        /// The day.
        day: f64,
    },
    /// Cohort mode could not solve a clone's probabilities of founding a
    /// colony (a singular first-step system: a bug, or rates at the edge
    /// of floating point).
    Cohorts {
        /// The clone.
        clone: CloneId,
    },
}

impl fmt::Display for CascadeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CascadeError::Schedule(error) => write!(f, "cannot schedule: {error}"),
            CascadeError::InvalidRate {
                rate, described, ..
            } => write!(
                f,
                "{described} has a rate of {} per day, expected a finite number >= 0 \
                 (cells × rates overflowed, or a modifier is out of range)",
                crate::rates::number(*rate)
            ),
            CascadeError::RateOutOfRange {
                clone,
                field,
                fate,
                rate,
                day,
            } => write!(
                f,
                "mutant clone \"{clone}\", arisen on day {}: {field} gives {fate} at {} per \
                 cell per day, expected a finite rate of at most MAX_RATE = {} (lower the \
                 mutation_effect σ of this trait, or the mutation probability)",
                crate::rates::number(*day),
                crate::rates::number(*rate),
                crate::rates::number(crate::rates::MAX_RATE)
            ),
            CascadeError::MemoryBudget { used, budget, day } => write!(
                f,
                "the replicate's state grew past its memory budget of {} on day {}: {used} \
                 (estimated); raise it with --max-memory, or make the run smaller",
                memory::bytes(*budget),
                crate::rates::number(*day)
            ),
            CascadeError::Distribution(error) => write!(f, "distribution: {error}"),
            CascadeError::Extension(message) => write!(f, "extension: {message}"),
            CascadeError::Cohorts { clone } => write!(
                f,
                "cohort mode: the probabilities of founding a colony of clone {} have no \
                 solution (use pools: PerCell for these rates)",
                clone.index()
            ),
        }
    }
}

impl std::error::Error for CascadeError {}

impl From<ScheduleError> for CascadeError {
    fn from(error: ScheduleError) -> Self {
        CascadeError::Schedule(error)
    }
}

impl From<ParameterError> for CascadeError {
    fn from(error: ParameterError) -> Self {
        CascadeError::Distribution(error)
    }
}

impl From<TimeError> for CascadeError {
    fn from(error: TimeError) -> Self {
        CascadeError::Schedule(error.into())
    }
}
