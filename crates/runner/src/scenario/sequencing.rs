//! The scenario's options for the outputs that sequencing-based inference
//! reads (`docs/trees.md`): `sampling`, a biopsy's detection limit, and
//! `clone_tree`, whether the clone tree keeps the clones that died out.
//! They change nothing the model does (no digest depends on them), only
//! what `prevalence.csv` and `trees.csv` say.
//!
//! ```ron
//! sampling: Some((detection_fraction: 0.05)),
//! clone_tree: (extinct_leaves: Pruned),
//! ```

use serde::{Deserialize, Serialize};

use super::{Unplaced, invalid};

/// A biopsy's sequencing: which clones of a site it would detect.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// A clone is detected in a site when it holds at least this share of
    /// the site's cells, in (0, 1] (a variant allele frequency threshold
    /// of sequencing, for a clone's own mutations, is about half of it in
    /// a diploid tumour).
    pub detection_fraction: f64,
}

impl Sampling {
    /// Whether a clone holding `fraction` of a site's cells is detected.
    pub fn detects(&self, fraction: f64) -> bool {
        fraction >= self.detection_fraction
    }
}

/// What the clone tree does with a clone that has no living cell at the
/// end and no living descendant.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExtinctLeaves {
    /// Every clone that ever existed is in the tree (the default: the
    /// lineage entire, as `clones.csv` lists it).
    #[default]
    Kept,
    /// Only the clones with living cells (anywhere: sites, blood,
    /// parenchyma) and their ancestors, as a tree inferred from
    /// sequencing the survivors would have them.
    Pruned,
}

/// The `clone_tree` section.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloneTreeSpec {
    /// What becomes of the extinct leaves (`Kept` by default).
    #[serde(default)]
    pub extinct_leaves: ExtinctLeaves,
}

impl CloneTreeSpec {
    /// Whether the section says nothing (it is then left out when the
    /// scenario is written back).
    pub fn is_default(&self) -> bool {
        *self == CloneTreeSpec::default()
    }
}

/// Checks `sampling`: a detection fraction in (0, 1].
pub(crate) fn check(sampling: Option<&Sampling>) -> Result<(), Unplaced> {
    match sampling {
        Some(s) if !(s.detection_fraction > 0.0 && s.detection_fraction <= 1.0) => Err(invalid(
            "sampling.detection_fraction",
            s.detection_fraction,
            "a share of a site's cells in (0, 1], such as 0.05",
        )),
        _ => Ok(()),
    }
}
