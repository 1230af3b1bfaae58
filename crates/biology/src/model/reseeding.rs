//! Reseeding in the model ([`crate::reseeding`] says what it is): a cell
//! extravasating in an organ that holds a lesion it may join joins it
//! with the scenario's probability, instead of becoming a solitary cell
//! (a child module of `model`).
//!
//! Without `reseeding` (the default) an extravasated cell becomes a
//! solitary cell as before and nothing is drawn; with it, one Bernoulli
//! draw from `cascade.reseeding` per extravasation in an organ holding a
//! lesion, and, when it holds several, one more to choose the lesion, in
//! proportion to their cells. A lesion may be joined when it has cells,
//! has not been resected, is of a kind the scenario admits, and is
//! vascularised (an avascular colony of the angiogenic switch has no
//! vessels of its own for a cell to reach it by).

use cascade_kernel::distributions::{Bernoulli, Distribution, UniformInt};
use cascade_kernel::{Context, Purpose};

use super::provenance::{ArrivalKind, CellArrival, Origin};
use super::{CascadeError, CascadeEvent, CascadeState, Compartment, PoolKey, SiteId};
use crate::clones::CloneId;
use crate::organs::OrganId;

/// Whether an extravasating cell joins a lesion, and which.
const RESEEDING: Purpose = Purpose::new("cascade.reseeding");

impl CascadeState {
    /// A cell of pool `from` extravasated: it joins a lesion of its organ
    /// (reseeding) or becomes a solitary cell.
    pub(super) fn extravasate<U>(
        &mut self,
        from: PoolKey,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        match self.lesion_joined(from.organ, ctx)? {
            Some(site) => self.join_lesion(site, from.clone, origin, ctx),
            None => self.move_cell(from, Compartment::Solitary, origin, ctx),
        }
    }

    /// The lesion of `organ` a cell extravasating there joins, if any.
    fn lesion_joined<U>(
        &self,
        organ: OrganId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<Option<SiteId>, CascadeError> {
        let Some(reseeding) = &self.config.reseeding else {
            return Ok(None);
        };
        let lesions: Vec<(SiteId, u64)> = (self.places.sites().iter())
            .filter(|s| s.organ == organ && s.size > 0 && s.resected_at.is_none())
            .filter(|s| reseeding.joins(s.kind) && self.avascular(s).is_none())
            .map(|s| (s.id, s.size))
            .collect();
        if lesions.is_empty() {
            return Ok(None);
        }
        let joins = Bernoulli::new(reseeding.joining_probability)?.sample(ctx.rng(RESEEDING));
        if !joins {
            return Ok(None);
        }
        if let [(only, _)] = lesions[..] {
            return Ok(Some(only));
        }
        let cells = lesions.iter().map(|&(_, n)| n).sum();
        let mut at = UniformInt::new(cells)?.sample(ctx.rng(RESEEDING));
        for (site, n) in lesions {
            if at < n {
                return Ok(Some(site));
            }
            at -= n;
        }
        unreachable!("a position below the lesions' cells is in one of them")
    }

    /// A cell of `clone` (of `origin`) joins lesion `site` now: a cell of
    /// the lesion from now on, recorded with its origin, and the fact
    /// `CellJoinedLesion` at this instant.
    fn join_lesion<U>(
        &mut self,
        site: SiteId,
        clone: CloneId,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let joined = self.places.change_site(site, |s| s.add(clone));
        let organ = self.places.site(site).organ;
        self.records.arrived(CellArrival {
            site,
            organ,
            clone,
            cells: 1,
            origin,
            day: ctx.now().days(),
            kind: ArrivalKind::Joined,
        });
        self.note_sizes_reached(site, ctx)?;
        self.redraw(joined, ctx)?;
        ctx.schedule_at(ctx.now(), CascadeEvent::CellJoinedLesion { site, clone })?;
        Ok(())
    }
}
