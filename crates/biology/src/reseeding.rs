//! Reseeding and the primary's self-seeding (`docs/reseeding.md`): a
//! circulating cell that extravasates in an organ holding a lesion (a
//! metastasis, or the primary in its own organ) may join that lesion
//! instead of becoming a solitary cell (Kim et al. 2009, tumour
//! self-seeding). The scenario's `reseeding` section; the model's side is
//! `model/reseeding.rs`.
//!
//! Kim et al. (2009) show that circulating cells colonise their tumours of
//! origin, but give no per-cell figure a model could take: the joining
//! probability has no default and is a placeholder in every scenario that
//! sets it.

use serde::{Deserialize, Serialize};

use crate::config::error::ConfigError;
use crate::model::SiteKind;

/// Which lesions circulating cells join, and how often.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reseeding {
    /// The probability, in `[0, 1]`, that a cell extravasating in an
    /// organ that holds a lesion it may join joins it, instead of
    /// becoming a solitary cell there. No published figure (a
    /// placeholder, `docs/reseeding.md`).
    pub joining_probability: f64,
    /// Whether cells join the primary (self-seeding). Default true.
    #[serde(default = "yes")]
    pub into_primary: bool,
    /// Whether cells join metastases (reseeding of a metastasis). Default
    /// true.
    #[serde(default = "yes")]
    pub into_metastases: bool,
}

fn yes() -> bool {
    true
}

impl Reseeding {
    /// Whether a lesion of `kind` may be joined.
    pub fn joins(&self, kind: SiteKind) -> bool {
        match kind {
            SiteKind::Primary => self.into_primary,
            SiteKind::Metastasis => self.into_metastases,
        }
    }

    /// Checks its fields, under `path` of the configuration.
    ///
    /// # Errors
    ///
    /// A joining probability that is not a number in `[0, 1]`.
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = self.joining_probability;
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            return Err(ConfigError::new(
                format!("{path}.joining_probability"),
                p.to_string(),
                "a probability in [0, 1] that a cell extravasating where a lesion is \
                 joins it (0: never; 0.01: one in a hundred)",
            ));
        }
        Ok(())
    }
}
