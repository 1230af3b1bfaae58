//! Whole numbers in a scenario file (counts of cells, sizes, replicates,
//! seeds): written as integers (`1000000`, `1_000_000`) or with an
//! exponent where the value is whole (`1e6`, `2.5e3`). A value with a
//! fraction (`1.5`, `2.5e-1`), a negative one, or one beyond the field's
//! type (`1e30`) is refused, the message saying which and why; the
//! scenario's error placement puts it at the field.
//!
//! An extension's own whole-number fields read the same way when they
//! name these functions:
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct Schedule {
//!     #[serde(deserialize_with = "cascade_runner::scenario::whole::u64")]
//!     doses: u64,
//!     #[serde(default, deserialize_with = "cascade_runner::scenario::whole::optional_u32")]
//!     cycles: Option<u32>,
//! }
//! let schedule: Schedule = ron::from_str("(doses: 1e3, cycles: Some(2.5e1))").unwrap();
//! assert_eq!((schedule.doses, schedule.cycles), (1000, Some(25)));
//! assert!(ron::from_str::<Schedule>("(doses: 1.5)").is_err());
//! ```

use core::fmt;

use cascade_biology::therapy::{RegimenStart, SurgeryAt};
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The largest `u64` plus one, 2⁶⁴, as a float: every whole float below
/// it converts to a `u64` exactly.
const TWO_TO_THE_64: f64 = 18_446_744_073_709_551_616.0;

/// A whole number from 0 to `max`.
struct WholeVisitor {
    max: u64,
}

impl WholeVisitor {
    fn out_of_range<E: de::Error>(&self, value: impl fmt::Display) -> E {
        E::custom(format!(
            "the number is out of range ({value}), expected a whole number from 0 to {}",
            self.max
        ))
    }
}

impl<'de> Visitor<'de> for WholeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number from 0 to {}", self.max)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
        if value <= self.max {
            Ok(value)
        } else {
            Err(self.out_of_range(value))
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(self.out_of_range(value)),
        }
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<u64, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(self.out_of_range(value)),
        }
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<u64, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(self.out_of_range(value)),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<u64, E> {
        let shown = cascade_biology::rates::number(value);
        if !value.is_finite() {
            return Err(E::custom(format!(
                "expected a whole number, and {shown} is not a finite number"
            )));
        }
        if value.fract() != 0.0 {
            return Err(E::custom(format!(
                "expected a whole number, and {shown} has a fraction (an exponent is fine where \
                 the value is whole, such as 1e6 or 2.5e3)"
            )));
        }
        if !(0.0..TWO_TO_THE_64).contains(&value) || value as u64 > self.max {
            return Err(self.out_of_range(shown));
        }
        Ok(value as u64)
    }
}

/// A whole number of at most `max`.
fn whole<'de, D: Deserializer<'de>>(deserializer: D, max: u64) -> Result<u64, D::Error> {
    deserializer.deserialize_any(WholeVisitor { max })
}

/// A `u64`, written whole (with an exponent or not).
///
/// # Errors
///
/// A value with a fraction, negative or above `u64::MAX`, saying which.
pub fn u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    whole(deserializer, u64::MAX)
}

/// A `u32`, written whole (with an exponent or not).
///
/// # Errors
///
/// A value with a fraction, negative or above `u32::MAX`, saying which.
pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    // At most u32::MAX, so the conversion cannot fail.
    whole(deserializer, u64::from(u32::MAX)).map(|n| n as u32)
}

/// A `u64` read through [`u64`], for nesting in lists and options.
struct Whole(u64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64(deserializer).map(Whole)
    }
}

/// An optional `u64`, written whole (with an exponent or not).
///
/// # Errors
///
/// As [`u64()`].
pub fn optional_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|w| w.0))
}

/// An optional `u32`, written whole (with an exponent or not).
///
/// # Errors
///
/// As [`u32()`].
pub fn optional_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    struct Whole32(u32);
    impl<'de> Deserialize<'de> for Whole32 {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            u32(deserializer).map(Whole32)
        }
    }
    Ok(Option::<Whole32>::deserialize(deserializer)?.map(|w| w.0))
}

/// Cells of named clones, `[("B16", 1e6)]`.
pub(crate) fn cells<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, u64)>, D::Error> {
    let cells = Vec::<(String, Whole)>::deserialize(deserializer)?;
    Ok(cells.into_iter().map(|(name, n)| (name, n.0)).collect())
}

/// [`SurgeryAt`] as the file writes it, its size whole.
#[derive(serde::Deserialize)]
#[serde(rename = "SurgeryAt")]
enum SurgeryAtSpec {
    Day(f64),
    PrimarySize(#[serde(deserialize_with = "u64")] u64),
}

/// When the surgery comes: `Day(d)` or `PrimarySize(n)`, `n` whole.
pub(crate) fn surgery_at<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<SurgeryAt, D::Error> {
    Ok(match SurgeryAtSpec::deserialize(deserializer)? {
        SurgeryAtSpec::Day(day) => SurgeryAt::Day(day),
        SurgeryAtSpec::PrimarySize(n) => SurgeryAt::PrimarySize(n),
    })
}

/// [`RegimenStart`] as the file writes it, its size whole.
#[derive(serde::Deserialize)]
#[serde(rename = "RegimenStart")]
enum RegimenStartSpec {
    Day(f64),
    PrimarySize(#[serde(deserialize_with = "u64")] u64),
    Surgery,
    FirstDetection,
}

/// When a regimen starts: `Day(d)`, `PrimarySize(n)` (`n` whole),
/// `Surgery` or `FirstDetection`.
pub(crate) fn regimen_start<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<RegimenStart, D::Error> {
    Ok(match RegimenStartSpec::deserialize(deserializer)? {
        RegimenStartSpec::Day(day) => RegimenStart::Day(day),
        RegimenStartSpec::PrimarySize(n) => RegimenStart::PrimarySize(n),
        RegimenStartSpec::Surgery => RegimenStart::Surgery,
        RegimenStartSpec::FirstDetection => RegimenStart::FirstDetection,
    })
}
