//! The names of what an extension declares ([`super::Extension::declare`]):
//! its fates, levels and counters by number, the marks it gives cells, and
//! what a fate does. Plain values, below every part of the model that
//! carries them (pools, clumps, records).

use serde::{Deserialize, Serialize};

use super::Compartment;

/// A mark given to cells entering a compartment ([`Extension::mark`](super::Extension::mark)); 0
/// is none. Cells with different marks are separate pools.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Mark(pub u8);

impl Mark {
    /// No mark.
    pub const NONE: Mark = Mark(0);

    /// Whether it is [`Mark::NONE`].
    pub fn is_none(&self) -> bool {
        self.0 == 0
    }
}

/// A fate the extension declared: the n-th declared is `FateId(n)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FateId(pub u16);

/// A level the extension declared: the n-th declared is `LevelId(n)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LevelId(pub u16);

/// A counter the extension declared: the n-th declared is `CounterId(n)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CounterId(pub u16);

/// What happens to a cell that meets a declared fate.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// It dies (a term of its clone's balance of cells, under the fate's
    /// name).
    Died,
    /// It moves to another compartment of the same organ.
    Moved(Compartment),
}
