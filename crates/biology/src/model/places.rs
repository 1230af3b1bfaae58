//! What holds cells and their clocks (a child module of `model`): the
//! sites, the pools and the clumps, the owner of the invariant that each
//! place with cells and a positive rate has one pending clock.
//!
//! Every change of a place's cells goes through a method here, and each
//! method that changes a place growing by events returns a [`Stale`]: the
//! place, whose clock is out of date until the state draws it again
//! (`CascadeState::redraw`, the one consumer, which needs the rates the
//! places do not hold). `Stale` must be used (`#[must_use]`, and CI
//! denies warnings), so a change without its redraw does not compile
//! cleanly. The exceptions are named: a new site has no cells yet
//! (`add_site`), a site in steps changes its counts through its own
//! machinery (`stepped_site_mut`: its next step and, in exact steps, its
//! clones' emissions are its clock, kept by `steps.rs` and
//! `exact_steps.rs`), and a site's days and flags (`note_site`) are not
//! its cells.
//!
//! Reading is free: the maps and the sites are lent out read-only.

use cascade_kernel::EventHandle;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::clump::{Clump, ClumpId};
use super::growth::Growth;
use super::provenance::{Origin, Origins};
use super::site::{Site, SiteId};
use super::{Place, PoolKey};

/// The cells of one pool and its clock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Pool {
    /// Cells in the pool.
    pub(super) cells: u64,
    /// Its pending clock (`None`: empty, a rate of 0, or just fired).
    pub(super) clock: Option<EventHandle>,
    /// Where its cells came from (`provenance.rs`).
    #[serde(default, skip_serializing_if = "Origins::is_empty")]
    pub(super) origins: Origins,
}

/// A place whose cells changed: its clock is stale until
/// `CascadeState::redraw` draws it again.
#[must_use = "a place whose cells changed must have its clock drawn again (CascadeState::redraw)"]
#[derive(Debug)]
pub(super) struct Stale(Place);

impl Stale {
    /// The place.
    pub(super) fn place(&self) -> Place {
        self.0
    }

    /// One token for two changes of the same place.
    pub(super) fn and(self, other: Stale) -> Stale {
        debug_assert_eq!(self.0, other.0, "two changes of one place");
        self
    }

    /// A token for a place among `every` (those of
    /// [`Places::every_place`], all about to be redrawn).
    pub(super) fn covered_by(self, every: &[Stale]) {
        debug_assert!(every.iter().any(|e| e.0 == self.0));
    }

    /// A site in steps has no clock to draw: its next step reads its
    /// counts, and in exact steps its clones' emissions are drawn by
    /// `exact_steps.rs` (the redraw of such a site does that).
    pub(super) fn kept_by_steps(self) {}
}

/// Sites, pools and clumps (the module doc).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Places {
    sites: Vec<Site>,
    /// Serialised as a list of (key, pool) pairs: formats such as JSON
    /// only take strings as map keys.
    #[serde(with = "map_as_list")]
    pools: BTreeMap<PoolKey, Pool>,
    /// Clumps in transit or arrested, by id; a clump leaves the map when it
    /// extravasates or is down to one cell. Serialised as a list of pairs,
    /// like the pools.
    #[serde(with = "map_as_list")]
    clumps: BTreeMap<ClumpId, Clump>,
    /// The id of the next clump formed.
    next_clump: u64,
}

impl Places {
    // -- reading -----------------------------------------------------------

    /// Every site, in order of founding.
    #[inline]
    pub(super) fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// The site `id`.
    #[inline]
    pub(super) fn site(&self, id: SiteId) -> &Site {
        &self.sites[id.index()]
    }

    /// Every pool, in key order (empty ones included).
    #[inline]
    pub(super) fn pools(&self) -> &BTreeMap<PoolKey, Pool> {
        &self.pools
    }

    /// Every clump, by id.
    #[inline]
    pub(super) fn clumps(&self) -> &BTreeMap<ClumpId, Clump> {
        &self.clumps
    }

    /// Every place that may have a clock and that `redrawn` keeps, stale:
    /// the pools in key order, the sites, the clumps by id (for a redraw
    /// after new rates).
    pub(super) fn every_place(&self, redrawn: impl Fn(Place) -> bool) -> Vec<Stale> {
        let pools = self.pools.keys().map(|&key| Place::Pool(key));
        let sites = (0..self.sites.len()).map(|i| Place::Site(SiteId(i as u32)));
        let clumps = self.clumps.keys().map(|&id| Place::Clump(id));
        let every = pools.chain(sites).chain(clumps);
        every.filter(|&place| redrawn(place)).map(Stale).collect()
    }

    // -- the clocks ----------------------------------------------------------

    /// The clock drawn for `stale`'s place (`None`: none is pending); a
    /// place that is gone keeps nothing.
    #[inline]
    pub(super) fn set_clock(&mut self, stale: Stale, clock: Option<EventHandle>) {
        match stale.0 {
            Place::Pool(key) => {
                if let Some(pool) = self.pools.get_mut(&key) {
                    pool.clock = clock;
                }
            }
            Place::Site(id) => {
                let site = &mut self.sites[id.index()];
                debug_assert!(!site.is_stepped(), "a site in steps has no clock");
                site.growth = Growth::Events { clock };
            }
            Place::Clump(id) => {
                if let Some(clump) = self.clumps.get_mut(&id) {
                    clump.clock = clock;
                }
            }
        }
    }

    // -- pools ---------------------------------------------------------------

    /// Adds `count` cells to pool `key` (made if new), of `origin` if
    /// known.
    #[inline]
    pub(super) fn add_to_pool(
        &mut self,
        key: PoolKey,
        count: u64,
        origin: Option<Origin>,
    ) -> Stale {
        let pool = self.pools.entry(key).or_default();
        pool.cells += count;
        if let Some(origin) = origin {
            pool.origins.add(origin, count);
        }
        Stale(Place::Pool(key))
    }

    /// How many cells the choice of the cell a fate takes from pool `key`
    /// is drawn among (`None`: no draw needed, every cell alike).
    #[inline]
    pub(super) fn choice_in_pool(&self, key: PoolKey) -> Option<u64> {
        let pool = self.pools.get(&key)?;
        pool.origins.choice_among(pool.cells)
    }

    /// Takes one cell from pool `key`, whose clock just fired (its handle
    /// is spent): the one at `pick` (drawn among
    /// [`choice_in_pool`](Self::choice_in_pool)'s cells), with its origin.
    #[inline]
    pub(super) fn take_fired_cell(
        &mut self,
        key: PoolKey,
        pick: Option<u64>,
    ) -> (Stale, Option<Origin>) {
        let pool = (self.pools)
            .get_mut(&key)
            .expect("a pool's clock fired, so it exists");
        let origin = pool.origins.take(pool.cells, pick);
        pool.cells -= 1;
        pool.clock = None;
        (Stale(Place::Pool(key)), origin)
    }

    /// Removes `count` of pool `key`'s cells (killed by a dose), each
    /// among those left at the position `pick` draws among (only when
    /// they differ in origin).
    #[inline]
    pub(super) fn remove_from_pool(
        &mut self,
        key: PoolKey,
        count: u64,
        mut pick: impl FnMut(u64) -> u64,
    ) -> Stale {
        let pool = (self.pools).get_mut(&key).expect("a pool with cells");
        for _ in 0..count {
            let at = pool.origins.choice_among(pool.cells).map(&mut pick);
            pool.origins.take(pool.cells, at);
            pool.cells -= 1;
        }
        Stale(Place::Pool(key))
    }

    /// Sets pool `key`'s cells to `cells` (cohort mode's split of every
    /// cell again), making the pool if new.
    #[inline]
    pub(super) fn set_pool_cells(
        &mut self,
        key: PoolKey,
        cells: u64,
        pick: impl FnMut(u64) -> u64,
    ) -> Stale {
        let pool = self.pools.entry(key).or_default();
        pool.cells = cells;
        pool.origins.keep_at_most(cells, pick);
        Stale(Place::Pool(key))
    }

    // -- sites ---------------------------------------------------------------

    /// Adds a new site, with no cells yet and no clock; its id is its
    /// index.
    pub(super) fn add_site(&mut self, site: Site) -> SiteId {
        debug_assert!(site.cells.is_empty() && site.size == 0);
        debug_assert_eq!(site.id.index(), self.sites.len());
        let id = site.id;
        self.sites.push(site);
        id
    }

    /// The id the next site added will have.
    pub(super) fn next_site(&self) -> SiteId {
        SiteId(self.sites.len() as u32)
    }

    /// Changes site `id`'s cells with `change`.
    #[inline]
    pub(super) fn change_site(&mut self, id: SiteId, change: impl FnOnce(&mut Site)) -> Stale {
        change(&mut self.sites[id.index()]);
        Stale(Place::Site(id))
    }

    /// Site `id`'s clock just fired: its handle is spent.
    #[inline]
    pub(super) fn site_clock_fired(&mut self, id: SiteId) -> Stale {
        self.sites[id.index()].growth = Growth::Events { clock: None };
        Stale(Place::Site(id))
    }

    /// Changes site `id`'s days and flags with `note` (in debug builds,
    /// checks that its cells and growth mode are as they were).
    pub(super) fn note_site(&mut self, id: SiteId, note: impl FnOnce(&mut Site)) {
        let site = &mut self.sites[id.index()];
        let before = (site.size, site.cells.len(), site.growth_mode());
        note(site);
        debug_assert_eq!(
            before,
            (site.size, site.cells.len(), site.growth_mode()),
            "note_site changes days and flags, not cells"
        );
    }

    /// [`note_site`](Self::note_site) for every site.
    pub(super) fn note_sites(&mut self, mut note: impl FnMut(&mut Site)) {
        for index in 0..self.sites.len() {
            self.note_site(SiteId(index as u32), &mut note);
        }
    }

    /// Site `id`, in steps, for its own machinery (`steps.rs`,
    /// `exact_steps.rs`): its counts, its step day, its clones' emissions.
    pub(super) fn stepped_site_mut(&mut self, id: SiteId) -> &mut Site {
        let site = &mut self.sites[id.index()];
        debug_assert!(site.is_stepped(), "only a site in steps");
        site
    }

    /// Puts site `id` into steps (`growth`: `Counted` or `Exact`); returns
    /// its clock, for the caller to cancel.
    pub(super) fn enter_steps(&mut self, id: SiteId, growth: Growth) -> Option<EventHandle> {
        debug_assert!(!matches!(growth, Growth::Events { .. }));
        let site = &mut self.sites[id.index()];
        let clock = site.growth.clock();
        site.growth = growth;
        clock
    }

    /// Takes site `id` out of steps (its exact steps' emissions already
    /// dropped): it grows by events again, with a clock still to draw.
    pub(super) fn leave_steps(&mut self, id: SiteId) -> Stale {
        let site = &mut self.sites[id.index()];
        debug_assert!(site.growth.lazy().is_empty());
        site.growth = Growth::Events { clock: None };
        Stale(Place::Site(id))
    }

    // -- clumps --------------------------------------------------------------

    /// Forms a clump, made by `make` from its id.
    pub(super) fn form_clump(&mut self, make: impl FnOnce(ClumpId) -> Clump) -> (ClumpId, Stale) {
        let id = ClumpId(self.next_clump);
        self.next_clump += 1;
        self.clumps.insert(id, make(id));
        (id, Stale(Place::Clump(id)))
    }

    /// Clump `id`'s clock just fired: its handle is spent.
    #[inline]
    pub(super) fn clump_clock_fired(&mut self, id: ClumpId) -> Stale {
        let clump = (self.clumps)
            .get_mut(&id)
            .expect("a clump's clock fired, so it exists");
        clump.clock = None;
        Stale(Place::Clump(id))
    }

    /// Changes clump `id` with `change`.
    #[inline]
    pub(super) fn change_clump(&mut self, id: ClumpId, change: impl FnOnce(&mut Clump)) -> Stale {
        change(self.clumps.get_mut(&id).expect("the clump exists"));
        Stale(Place::Clump(id))
    }

    /// Takes the clump of `stale` out of the places (it extravasated, or
    /// is down to one cell): a place that is gone has no clock to draw.
    pub(super) fn take_clump(&mut self, stale: Stale) -> Clump {
        let Place::Clump(id) = stale.0 else {
            unreachable!("a clump's token")
        };
        let clump = self.clumps.remove(&id).expect("the clump exists");
        debug_assert!(clump.clock.is_none(), "its clock fired");
        clump
    }
}

mod map_as_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub(super) fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub(super) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}
