//! Micrometastatic dormancy and the angiogenic switch in the model
//! ([`crate::angiogenesis`] says what they are): which sites are
//! avascular, the rate of their switch, and the switch itself (a child
//! module of `model`).

use cascade_kernel::Context;

use super::{CascadeError, CascadeEvent, CascadeState, Site, SiteId, SiteKind};
use crate::angiogenesis::AngiogenicSwitch;

impl CascadeState {
    /// The switch, if `site` is an avascular colony: a metastasis not yet
    /// vascularised, in a scenario with an angiogenic switch.
    pub(super) fn avascular(&self, site: &Site) -> Option<&AngiogenicSwitch> {
        let switch = self.config.angiogenic_switch.as_ref()?;
        let avascular = site.kind == SiteKind::Metastasis && site.vascularised_at.is_none();
        avascular.then_some(switch)
    }

    /// The rate per day of `site`'s angiogenic switch (that of its organ
    /// and of its founder's founding clone), if it is an avascular colony
    /// with cells.
    pub(super) fn switch_rate(&self, site: &Site) -> Option<f64> {
        let switch = self.avascular(site).filter(|_| site.size > 0)?;
        let founder = self.lineage.founder_of(site.founder);
        Some(switch.rate(site.organ, founder))
    }

    /// `ColonyVascularised`: the colony's switch happened now; from now
    /// on it grows as a vascular metastasis.
    pub(super) fn vascularise<U>(
        &mut self,
        id: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now();
        let fired = self.places.site_clock_fired(id);
        self.places
            .note_site(id, |site| site.vascularised_at = Some(now));
        self.redraw(fired, ctx)
    }
}
