//! Places and events in words, with the names of their clones, organs and
//! sites, for messages (a child module of `model`).

use cascade_kernel::TraceEvent;

use super::{CascadeEvent, CascadeState, Compartment, Place, SiteKind};
use crate::clones::CloneId;
use crate::organs::OrganId;

impl CascadeState {
    /// `place` in words, with the clone's and the organ's names, for
    /// messages.
    pub fn describe(&self, place: Place) -> String {
        let clone = |id: CloneId| self.lineage.name(id);
        let organ = |id: OrganId| &self.config.organs.organ(id).name;
        match place {
            Place::Pool(key) => {
                let compartment = match key.compartment {
                    Compartment::InTransit => "in transit to",
                    Compartment::Arrested => "arrested in",
                    Compartment::Solitary => "solitary in",
                    Compartment::Dormant => "dormant in",
                };
                let mark = if key.mark.is_none() {
                    String::new()
                } else {
                    format!(", marked {}", key.mark.0)
                };
                format!(
                    "the pool of clone \"{}\" {compartment} the {}{mark}",
                    clone(key.clone),
                    organ(key.organ)
                )
            }
            Place::Site(id) => match self.places.sites().get(id.index()) {
                Some(site) => {
                    let kind = match site.kind {
                        SiteKind::Primary => "the primary",
                        SiteKind::Metastasis => "the metastasis",
                    };
                    format!(
                        "{kind} in the {} (site {}, founded by clone \"{}\" on day {})",
                        organ(site.organ),
                        id.0,
                        clone(site.founder),
                        crate::rates::number(site.founded_at.days())
                    )
                }
                None => format!("site {}", id.0),
            },
            Place::Clump(id) => format!("clump {}", id.0),
        }
    }

    /// `event` in words, with the names of its clone, organ and site, for
    /// messages (`CellArrested of clone "B16" in the lung`).
    pub fn describe_event<U: TraceEvent>(&self, event: &CascadeEvent<U>) -> String {
        use CascadeEvent::*;
        let (clone, organ, site) = match *event {
            CellShed { site, clone } | CellDivided { site, clone } | CellDied { site, clone } => {
                (Some(clone), None, Some(site))
            }
            CellArrested { clone, organ, .. }
            | CellPassedCapillaryBed { clone, organ, .. }
            | CellDiedInCirculation { clone, organ, .. }
            | CellExtravasated { clone, organ, .. }
            | CellDiedInVessel { clone, organ, .. }
            | CellDiedInParenchyma { clone, organ, .. }
            | CellEnteredDormancy { clone, organ, .. }
            | CellLeftDormancy { clone, organ, .. }
            | DormantCellDied { clone, organ, .. }
            | SolitaryCellDivided { clone, organ, .. }
            | ClumpCellDiedInCirculation { clone, organ, .. }
            | ClumpCellDiedInVessel { clone, organ, .. }
            | CellMetFate { clone, organ, .. }
            | ClumpCellMetFate { clone, organ, .. } => (Some(clone), Some(organ), None),
            ClumpArrested { organ, .. }
            | ClumpPassedCapillaryBed { organ, .. }
            | ClumpExtravasated { organ, .. } => (None, Some(organ), None),
            MetastasisDetected { site }
            | PrimaryResected { site }
            | RelapseDetected { site }
            | SiteStepped { site } => (None, None, Some(site)),
            _ => (None, None, None),
        };
        let mut text = event.kind().to_string();
        if let CellMetFate { fate, .. } | ClumpCellMetFate { fate, .. } = *event
            && let Some(declared) = self.attached.declared.fates.get(fate.0 as usize)
        {
            text.push_str(&format!(" ({})", declared.name));
        }
        if let Some(clone) = clone.filter(|c| c.index() < self.lineage.len()) {
            text.push_str(&format!(" of clone \"{}\"", self.lineage.name(clone)));
        }
        if let Some(organ) = organ.filter(|o| o.index() < self.config.organs.len()) {
            text.push_str(&format!(" in the {}", self.config.organs.organ(organ).name));
        }
        if let Some(site) = site {
            text.push_str(&format!(" in {}", self.describe(Place::Site(site))));
        }
        text
    }
}
