//! The cascade's events ([`CascadeEvent`]): facts in the past tense, their
//! trace kinds and payloads, and the map between a pool's fates and their
//! events (a child module of `model`).

use cascade_kernel::{TraceDigest, TraceEvent};
use serde::{Deserialize, Serialize};

use super::{ClumpId, FateId, Mark, PoolFate, PoolKey, SiteId};
use crate::clones::CloneId;
use crate::organs::OrganId;

/// The events of the cascade: facts, in the past tense, each one cell's
/// transition, one clump's (a whole clump moving, or one of its cells
/// dying), or a protocol step, and `User` for an extension's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CascadeEvent<U> {
    /// A cell left a site for the blood.
    CellShed {
        /// The site.
        site: SiteId,
        /// The cell's clone.
        clone: CloneId,
    },
    /// A cell in a site divided (perhaps giving a mutant daughter). In a
    /// site in exact steps, only the divisions whose daughter is another
    /// clone are events; the others are drawn as counts.
    CellDivided {
        /// The site.
        site: SiteId,
        /// The dividing cell's clone.
        clone: CloneId,
    },
    /// A cell in a site died.
    CellDied {
        /// The site.
        site: SiteId,
        /// The cell's clone.
        clone: CloneId,
    },
    /// A circulating cell was arrested in an organ's capillary bed.
    CellArrested {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A circulating cell passed through an organ's capillary bed.
    CellPassedCapillaryBed {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A circulating cell died on its way to an organ's bed.
    CellDiedInCirculation {
        /// The cell's clone.
        clone: CloneId,
        /// The organ it was bound for.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// An arrested cell extravasated into the organ.
    CellExtravasated {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// An arrested cell died in the vessel.
    CellDiedInVessel {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A solitary cell died in the parenchyma.
    CellDiedInParenchyma {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A solitary cell became dormant.
    CellEnteredDormancy {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A dormant cell became an active solitary cell again.
    CellLeftDormancy {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A dormant cell died.
    DormantCellDied {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// A solitary cell divided for the first time, founding a metastasis.
    SolitaryCellDivided {
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
        /// The extension's mark on the cell (none without one).
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// An injection of the protocol was given.
    CellsInjected {
        /// Its index in the configuration.
        injection: u32,
    },
    /// The colonies were counted (a harvest of the protocol).
    ColoniesHarvested {
        /// Its index in the configuration.
        harvest: u32,
    },
    /// The burden was recorded (a day of the observation grid).
    BurdenObserved {
        /// Its index in the configuration.
        observation: u32,
    },
    /// A metastasis reached the detectable size.
    MetastasisDetected {
        /// The site.
        site: SiteId,
    },
    /// A circulating clump was arrested in an organ's capillary bed, all its
    /// cells with it.
    ClumpArrested {
        /// The clump.
        clump: ClumpId,
        /// The organ.
        organ: OrganId,
    },
    /// A circulating clump passed through an organ's capillary bed, all its
    /// cells with it.
    ClumpPassedCapillaryBed {
        /// The clump.
        clump: ClumpId,
        /// The organ.
        organ: OrganId,
    },
    /// A cell of a circulating clump died on the clump's way to an organ's
    /// bed.
    ClumpCellDiedInCirculation {
        /// The clump.
        clump: ClumpId,
        /// The cell's clone.
        clone: CloneId,
        /// The organ the clump was bound for.
        organ: OrganId,
    },
    /// A cell of an arrested clump died in the vessel.
    ClumpCellDiedInVessel {
        /// The clump.
        clump: ClumpId,
        /// The cell's clone.
        clone: CloneId,
        /// The organ.
        organ: OrganId,
    },
    /// A cell of a clump met a fate an extension declared: it died, or
    /// left the clump for the fate's compartment.
    ClumpCellMetFate {
        /// The clump.
        clump: ClumpId,
        /// The cell's clone.
        clone: CloneId,
        /// The organ (for a clump in transit, the organ it is bound for).
        organ: OrganId,
        /// The fate.
        fate: FateId,
    },
    /// An arrested clump extravasated as a unit into the organ, founding a
    /// metastasis with all its cells.
    ClumpExtravasated {
        /// The clump.
        clump: ClumpId,
        /// The organ.
        organ: OrganId,
    },
    /// A circulating clump broke into single cells in the blood
    /// (`clumps.dissociation_rate`), which go on in transit to the organ's
    /// bed.
    ClumpDissociated {
        /// The clump.
        clump: ClumpId,
        /// The organ the clump was bound for.
        organ: OrganId,
    },
    /// An avascular colony was vascularised (the angiogenic switch,
    /// [`crate::angiogenesis`]): from now on it grows as a vascular
    /// metastasis.
    ColonyVascularised {
        /// The site.
        site: SiteId,
    },
    /// A circulating cell that extravasated in an organ holding a lesion
    /// joined it (reseeding, or the primary's self-seeding:
    /// [`crate::reseeding`]) instead of becoming a solitary cell.
    CellJoinedLesion {
        /// The lesion (a metastasis, or the primary).
        site: SiteId,
        /// The cell's clone.
        clone: CloneId,
    },
    /// The primary tumour was removed (surgery).
    PrimaryResected {
        /// The primary.
        site: SiteId,
    },
    /// A regimen started: its doses are scheduled.
    RegimenStarted {
        /// Its index in the therapy's regimens.
        regimen: u32,
    },
    /// A dose of a regimen was given.
    DoseGiven {
        /// The regimen's index.
        regimen: u32,
        /// The dose's index in the regimen (from 0).
        dose: u32,
    },
    /// A site brought below the detectable size by therapy (or founded
    /// after therapy began) grew back to it.
    RelapseDetected {
        /// The site.
        site: SiteId,
    },
    /// A site in stepped growth took a step: its births, deaths, sheddings
    /// and mutations since its last step, drawn as counts.
    SiteStepped {
        /// The site.
        site: SiteId,
    },
    /// A cell met a fate an extension declared ([`Declarations::fate`](super::Declarations::fate)):
    /// it died or moved, as the fate says.
    CellMetFate {
        /// The fate.
        fate: FateId,
        /// The cell's clone.
        clone: CloneId,
        /// The organ (for a cell in transit, the organ it was bound for).
        organ: OrganId,
        /// The cell's mark.
        #[serde(default, skip_serializing_if = "Mark::is_none")]
        mark: Mark,
    },
    /// An extension's own event.
    User(U),
}

impl<U> CascadeEvent<U> {
    /// The event of a cell of pool `key` meeting the model's fate `fate`.
    pub(super) fn from_pool(fate: PoolFate, key: PoolKey) -> Self {
        let PoolKey {
            clone, organ, mark, ..
        } = key;
        match fate {
            PoolFate::Arrested => CascadeEvent::CellArrested { clone, organ, mark },
            PoolFate::Passed => CascadeEvent::CellPassedCapillaryBed { clone, organ, mark },
            PoolFate::DiedInCirculation => {
                CascadeEvent::CellDiedInCirculation { clone, organ, mark }
            }
            PoolFate::Extravasated => CascadeEvent::CellExtravasated { clone, organ, mark },
            PoolFate::DiedInVessel => CascadeEvent::CellDiedInVessel { clone, organ, mark },
            PoolFate::DiedInParenchyma => CascadeEvent::CellDiedInParenchyma { clone, organ, mark },
            PoolFate::EnteredDormancy => CascadeEvent::CellEnteredDormancy { clone, organ, mark },
            PoolFate::Divided => CascadeEvent::SolitaryCellDivided { clone, organ, mark },
            PoolFate::LeftDormancy => CascadeEvent::CellLeftDormancy { clone, organ, mark },
            PoolFate::DormantDied => CascadeEvent::DormantCellDied { clone, organ, mark },
        }
    }

    /// The model's fate and the pool of an event of a single cell outside
    /// the sites (`from_pool` the other way round).
    pub fn pool_transition(&self) -> Option<(PoolFate, PoolKey)> {
        use CascadeEvent::*;
        let (fate, clone, organ, mark) = match *self {
            CellArrested { clone, organ, mark } => (PoolFate::Arrested, clone, organ, mark),
            CellPassedCapillaryBed { clone, organ, mark } => (PoolFate::Passed, clone, organ, mark),
            CellDiedInCirculation { clone, organ, mark } => {
                (PoolFate::DiedInCirculation, clone, organ, mark)
            }
            CellExtravasated { clone, organ, mark } => (PoolFate::Extravasated, clone, organ, mark),
            CellDiedInVessel { clone, organ, mark } => (PoolFate::DiedInVessel, clone, organ, mark),
            CellDiedInParenchyma { clone, organ, mark } => {
                (PoolFate::DiedInParenchyma, clone, organ, mark)
            }
            CellEnteredDormancy { clone, organ, mark } => {
                (PoolFate::EnteredDormancy, clone, organ, mark)
            }
            SolitaryCellDivided { clone, organ, mark } => (PoolFate::Divided, clone, organ, mark),
            CellLeftDormancy { clone, organ, mark } => (PoolFate::LeftDormancy, clone, organ, mark),
            DormantCellDied { clone, organ, mark } => (PoolFate::DormantDied, clone, organ, mark),
            _ => return None,
        };
        let compartment = fate.transition().from;
        Some((
            fate,
            PoolKey {
                clone,
                compartment,
                organ,
                mark,
            },
        ))
    }
}

/// The kinds ([`TraceEvent::kind`]) of the built-in events, which an
/// extension may subscribe to ([`Declarations::subscribe`](super::Declarations::subscribe)).
pub const BUILT_IN_KINDS: [&str; 32] = [
    "CellShed",
    "CellDivided",
    "CellDied",
    "CellArrested",
    "CellPassedCapillaryBed",
    "CellDiedInCirculation",
    "CellExtravasated",
    "CellDiedInVessel",
    "CellDiedInParenchyma",
    "CellEnteredDormancy",
    "CellLeftDormancy",
    "DormantCellDied",
    "SolitaryCellDivided",
    "CellsInjected",
    "ColoniesHarvested",
    "BurdenObserved",
    "MetastasisDetected",
    "ClumpArrested",
    "ClumpPassedCapillaryBed",
    "ClumpCellDiedInCirculation",
    "ClumpCellDiedInVessel",
    "ClumpExtravasated",
    "PrimaryResected",
    "RegimenStarted",
    "DoseGiven",
    "RelapseDetected",
    "SiteStepped",
    "CellMetFate",
    "ClumpCellMetFate",
    "ColonyVascularised",
    "ClumpDissociated",
    "CellJoinedLesion",
];

impl<U: TraceEvent> TraceEvent for CascadeEvent<U> {
    fn kind(&self) -> &str {
        match self {
            CascadeEvent::CellShed { .. } => "CellShed",
            CascadeEvent::CellDivided { .. } => "CellDivided",
            CascadeEvent::CellDied { .. } => "CellDied",
            CascadeEvent::CellArrested { .. } => "CellArrested",
            CascadeEvent::CellPassedCapillaryBed { .. } => "CellPassedCapillaryBed",
            CascadeEvent::CellDiedInCirculation { .. } => "CellDiedInCirculation",
            CascadeEvent::CellExtravasated { .. } => "CellExtravasated",
            CascadeEvent::CellDiedInVessel { .. } => "CellDiedInVessel",
            CascadeEvent::CellDiedInParenchyma { .. } => "CellDiedInParenchyma",
            CascadeEvent::CellEnteredDormancy { .. } => "CellEnteredDormancy",
            CascadeEvent::CellLeftDormancy { .. } => "CellLeftDormancy",
            CascadeEvent::DormantCellDied { .. } => "DormantCellDied",
            CascadeEvent::SolitaryCellDivided { .. } => "SolitaryCellDivided",
            CascadeEvent::CellsInjected { .. } => "CellsInjected",
            CascadeEvent::ColoniesHarvested { .. } => "ColoniesHarvested",
            CascadeEvent::BurdenObserved { .. } => "BurdenObserved",
            CascadeEvent::MetastasisDetected { .. } => "MetastasisDetected",
            CascadeEvent::ClumpArrested { .. } => "ClumpArrested",
            CascadeEvent::ClumpPassedCapillaryBed { .. } => "ClumpPassedCapillaryBed",
            CascadeEvent::ClumpCellDiedInCirculation { .. } => "ClumpCellDiedInCirculation",
            CascadeEvent::ClumpCellDiedInVessel { .. } => "ClumpCellDiedInVessel",
            CascadeEvent::ClumpExtravasated { .. } => "ClumpExtravasated",
            CascadeEvent::ColonyVascularised { .. } => "ColonyVascularised",
            CascadeEvent::ClumpDissociated { .. } => "ClumpDissociated",
            CascadeEvent::CellJoinedLesion { .. } => "CellJoinedLesion",
            CascadeEvent::PrimaryResected { .. } => "PrimaryResected",
            CascadeEvent::RegimenStarted { .. } => "RegimenStarted",
            CascadeEvent::DoseGiven { .. } => "DoseGiven",
            CascadeEvent::RelapseDetected { .. } => "RelapseDetected",
            CascadeEvent::SiteStepped { .. } => "SiteStepped",
            CascadeEvent::CellMetFate { .. } => "CellMetFate",
            CascadeEvent::ClumpCellMetFate { .. } => "ClumpCellMetFate",
            CascadeEvent::User(event) => event.kind(),
        }
    }

    fn write_payload(&self, digest: &mut TraceDigest) {
        match self {
            CascadeEvent::CellShed { site, clone }
            | CascadeEvent::CellDivided { site, clone }
            | CascadeEvent::CellDied { site, clone }
            | CascadeEvent::CellJoinedLesion { site, clone } => {
                digest.write_u64(site.0.into());
                digest.write_u64(clone.0.into());
            }
            CascadeEvent::CellArrested { clone, organ, mark }
            | CascadeEvent::CellPassedCapillaryBed { clone, organ, mark }
            | CascadeEvent::CellDiedInCirculation { clone, organ, mark }
            | CascadeEvent::CellExtravasated { clone, organ, mark }
            | CascadeEvent::CellDiedInVessel { clone, organ, mark }
            | CascadeEvent::CellDiedInParenchyma { clone, organ, mark }
            | CascadeEvent::CellEnteredDormancy { clone, organ, mark }
            | CascadeEvent::CellLeftDormancy { clone, organ, mark }
            | CascadeEvent::DormantCellDied { clone, organ, mark }
            | CascadeEvent::SolitaryCellDivided { clone, organ, mark } => {
                digest.write_u64(clone.0.into());
                digest.write_u64(organ.0.into());
                // Unmarked cells' events are written as before marks were.
                if !mark.is_none() {
                    digest.write_u64(mark.0.into());
                }
            }
            CascadeEvent::CellMetFate {
                fate,
                clone,
                organ,
                mark,
            } => {
                digest.write_u64(fate.0.into());
                digest.write_u64(clone.0.into());
                digest.write_u64(organ.0.into());
                digest.write_u64(mark.0.into());
            }
            CascadeEvent::CellsInjected { injection: index }
            | CascadeEvent::ColoniesHarvested { harvest: index }
            | CascadeEvent::BurdenObserved { observation: index } => {
                digest.write_u64((*index).into())
            }
            CascadeEvent::MetastasisDetected { site }
            | CascadeEvent::PrimaryResected { site }
            | CascadeEvent::ColonyVascularised { site }
            | CascadeEvent::RelapseDetected { site }
            | CascadeEvent::SiteStepped { site } => digest.write_u64(site.0.into()),
            CascadeEvent::RegimenStarted { regimen } => digest.write_u64((*regimen).into()),
            CascadeEvent::DoseGiven { regimen, dose } => {
                digest.write_u64((*regimen).into());
                digest.write_u64((*dose).into());
            }
            CascadeEvent::ClumpArrested { clump, organ }
            | CascadeEvent::ClumpPassedCapillaryBed { clump, organ }
            | CascadeEvent::ClumpExtravasated { clump, organ }
            | CascadeEvent::ClumpDissociated { clump, organ } => {
                digest.write_u64(clump.0);
                digest.write_u64(organ.0.into());
            }
            CascadeEvent::ClumpCellDiedInCirculation {
                clump,
                clone,
                organ,
            }
            | CascadeEvent::ClumpCellDiedInVessel {
                clump,
                clone,
                organ,
            } => {
                digest.write_u64(clump.0);
                digest.write_u64(clone.0.into());
                digest.write_u64(organ.0.into());
            }
            CascadeEvent::ClumpCellMetFate {
                clump,
                clone,
                organ,
                fate,
            } => {
                digest.write_u64(clump.0);
                digest.write_u64(clone.0.into());
                digest.write_u64(organ.0.into());
                digest.write_u64(fate.0.into());
            }
            CascadeEvent::User(event) => event.write_payload(digest),
        }
    }
}
