//! [`ConfigError`], on its own so that the parts a configuration holds
//! (the angiogenic switch, clumps' behaviour) report their fields' errors
//! without importing the configuration that holds them.

use core::fmt;

/// A field of a [`CascadeConfig`](super::CascadeConfig) that the model cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: a path such as `clones[0].phenotype.shedding_rate`.
    pub path: String,
    /// The value found.
    pub value: String,
    /// What would be valid.
    pub expected: String,
}

impl ConfigError {
    pub(crate) fn new(
        path: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        ConfigError {
            path: path.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} is invalid, expected {}",
            self.path, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

/// `value` as a rate or a multiplier: a finite number >= 0, or the error at
/// `path` with `expected`, which says what would be valid in the field's
/// own unit (`a finite number >= 0`, `a finite rate per colony per day >=
/// 0`). The one check behind [`check_rate`](super::check_rate) and the
/// angiogenic switch's rates and multipliers.
///
/// # Errors
///
/// A value that is NaN, infinite or negative.
pub(crate) fn check_non_negative(
    value: f64,
    path: impl Into<String>,
    expected: &str,
) -> Result<(), ConfigError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ConfigError::new(
            path,
            crate::rates::number(value),
            expected,
        ))
    }
}
