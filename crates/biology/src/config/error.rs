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
