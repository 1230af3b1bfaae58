//! Simulated time.

use core::fmt;
use serde::{Deserialize, Serialize};

/// A point in simulated time, in days.
///
/// A `Time` is always finite: [`Time::new`] refuses NaN and infinities with a
/// [`TimeError`], and the arithmetic that could leave the finite range
/// ([`Time::after`]) returns an error too. Negative zero is stored as zero, so
/// equal times have equal bits (the trace digest hashes the bits).
///
/// Times are totally ordered (`Ord`), which `f64` is not.
///
/// ```
/// use cascade_kernel::Time;
/// let t = Time::new(1.5)?;
/// assert_eq!(t.after(0.5)?, Time::new(2.0)?);
/// assert!(Time::new(f64::NAN).is_err());
/// # Ok::<(), cascade_kernel::TimeError>(())
/// ```
#[derive(Copy, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Time(f64);

impl Time {
    /// Time zero, where every simulation starts.
    pub const ZERO: Time = Time(0.0);

    /// The time `days`.
    ///
    /// # Errors
    ///
    /// [`TimeError::NotFinite`] if `days` is NaN or infinite.
    pub fn new(days: f64) -> Result<Time, TimeError> {
        if days.is_finite() {
            // `+ 0.0` turns -0.0 into +0.0 and leaves every other value alone.
            Ok(Time(days + 0.0))
        } else {
            Err(TimeError::NotFinite { days })
        }
    }

    /// The time in days.
    pub const fn days(self) -> f64 {
        self.0
    }

    /// `self + delay` days.
    ///
    /// # Errors
    ///
    /// [`TimeError::NegativeDelay`] if `delay` is below zero or NaN, and
    /// [`TimeError::NotFinite`] if the delay or the sum is not finite.
    pub fn after(self, delay: f64) -> Result<Time, TimeError> {
        if delay.is_nan() || delay < 0.0 {
            return Err(TimeError::NegativeDelay { delay });
        }
        Time::new(self.0 + delay)
    }

    /// A `u64` whose unsigned order is the order of the times: the IEEE 754
    /// total-order transform of the bits (finite values only, so exact).
    #[inline]
    pub(crate) fn order_bits(self) -> u64 {
        let bits = self.0.to_bits();
        if bits >> 63 == 1 {
            !bits
        } else {
            bits | (1 << 63)
        }
    }

    /// Inverse of [`order_bits`](Self::order_bits).
    #[inline]
    pub(crate) fn from_order_bits(key: u64) -> Time {
        let bits = if key >> 63 == 1 {
            key & !(1 << 63)
        } else {
            !key
        };
        Time(f64::from_bits(bits))
    }
}

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.order_bits().cmp(&other.order_bits())
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Time({:?} d)", self.0)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "day {}", self.0)
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let days = f64::deserialize(deserializer)?;
        Time::new(days).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<f64> for Time {
    type Error = TimeError;
    fn try_from(days: f64) -> Result<Self, Self::Error> {
        Time::new(days)
    }
}

/// Why a time or a delay was refused.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum TimeError {
    /// NaN or an infinity where a finite time was needed.
    NotFinite {
        /// The value refused.
        days: f64,
    },
    /// A delay below zero (or NaN).
    NegativeDelay {
        /// The value refused.
        delay: f64,
    },
    /// A time before the simulation's current time.
    InThePast {
        /// The time asked for.
        at: Time,
        /// The simulation's current time.
        now: Time,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::NotFinite { days } => {
                write!(
                    f,
                    "time {days} is not finite, expected a finite number of days"
                )
            }
            TimeError::NegativeDelay { delay } => {
                write!(
                    f,
                    "delay {delay} is invalid, expected a number of days >= 0"
                )
            }
            TimeError::InThePast { at, now } => {
                write!(
                    f,
                    "time {} is in the past, expected a time >= now ({})",
                    at.0, now.0
                )
            }
        }
    }
}

impl std::error::Error for TimeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refuses_non_finite_values() {
        assert!(matches!(
            Time::new(f64::NAN),
            Err(TimeError::NotFinite { .. })
        ));
        assert!(Time::new(f64::INFINITY).is_err());
        assert!(Time::new(f64::NEG_INFINITY).is_err());
        assert!(Time::ZERO.after(-1.0).is_err());
        assert!(Time::ZERO.after(f64::NAN).is_err());
        assert!(Time::new(f64::MAX).unwrap().after(f64::MAX).is_err());
    }

    #[test]
    fn negative_zero_is_zero() {
        assert_eq!(Time::new(-0.0).unwrap().days().to_bits(), 0);
    }

    proptest! {
        #[test]
        fn order_bits_preserve_order_and_round_trip(a in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
                                                     b in proptest::num::f64::NORMAL | proptest::num::f64::ZERO) {
            let (ta, tb) = (Time::new(a).unwrap(), Time::new(b).unwrap());
            prop_assert_eq!(ta.cmp(&tb), a.partial_cmp(&b).unwrap());
            prop_assert_eq!(Time::from_order_bits(ta.order_bits()), ta);
        }
    }
}
