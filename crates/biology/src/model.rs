//! The cascade model: state, events and the handler.
//!
//! # How cells are simulated
//!
//! Every cell is in exactly one place: a site (the primary or a metastasis),
//! or a *pool*: circulating towards one organ's capillary bed, arrested in
//! an organ's bed, solitary in an organ's parenchyma, or dormant there. In
//! each place a cell faces competing exponential clocks (its fates), with
//! rates that depend on its clone, its organ and, in a site, the site's
//! size.
//!
//! All cells of one clone in one pool are exchangeable, so the pool as a
//! whole has one clock: the time to its next transition is exponential with
//! rate `n × (sum of the fate rates)`, and the fate is drawn with
//! probability proportional to its rate (the next-reaction method, Gibson &
//! Bruck 2000). The same holds for a site, over its clones and their
//! births, deaths and sheddings. This is exact: the sequence of cell
//! transitions has the same law as following every cell with its own
//! clocks, each event is one cell's transition, and when a pool's or a
//! site's content or rates change its clock is drawn again (exponential
//! clocks have no memory, so redrawing is exact). Each pool and site has one
//! pending event, with a handle so it can be redrawn.
//!
//! # Clumps
//!
//! An injection may give its cells as clumps of several cells that travel
//! and arrest together ([`Clump`], in the [`clumps`] module). A clump is a
//! place of its own, with its own clock: in transit its cells die one by
//! one and it arrests or passes a bed as a unit; arrested, its cells die one
//! by one and it extravasates as a unit, founding a metastasis with all its
//! cells. A clump left with one cell becomes an ordinary single cell in the
//! same compartment. Every cell is still in exactly one place: a site, a
//! pool, or a clump.

use cascade_kernel::clock::{ClockError, Next, next_reaction};
use cascade_kernel::distributions::{Bernoulli, Distribution, UniformInt, sample_multinomial_into};
use cascade_kernel::{Context, EventHandle, Model, Purpose, Time, TraceEvent};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::clones::{CloneId, GrowthRates, Lineage};
use crate::config::{CascadeConfig, ConfigError, GrowthLaw, PoolMode, Shedding, SizeTerms};
use crate::observables::{
    BurdenSample, FunnelTable, Harvest, Ledger, MetastasisSize, OrganHarvest, SiteCloneCells,
};
use crate::organs::{Drain, Entry, OrganId};

const CLOCKS: Purpose = Purpose::new("cascade.clocks");
const FATES: Purpose = Purpose::new("cascade.fates");
const ROUTING: Purpose = Purpose::new("cascade.routing");
const MUTATION: Purpose = Purpose::new("cascade.mutation");
/// Which cell of a pool a fate took, when its cells differ in origin
/// (`model/provenance.rs`): no other stream moves with it.
const PROVENANCE: Purpose = Purpose::new("cascade.provenance");

mod birth_death;
mod clump;
pub mod clumps;
mod cohorts;
mod declared;
mod describe;
pub mod diversity;
mod dormancy;
mod error;
mod events;
mod exact_steps;
mod extension;
mod growth;
mod memory;
pub mod migrations;
mod places;
mod provenance;
mod records;
mod reseeding;
mod site;
mod steps;
mod therapy;
mod transitions;

pub use clump::{Clump, ClumpId, ClumpStage};
pub use error::CascadeError;
pub use events::{BUILT_IN_KINDS, CascadeEvent};
pub use extension::{
    Arrival, BUILT_IN_COLUMNS, Cell, CounterId, Declarations, Extension, ExtensionContext,
    FateDeclaration, FateId, LevelId, Mark, NoEvent, NoExtension, Outcome, OwnEvent, SiteCell,
    SiteFate,
};
use places::{Places, Stale};
pub use provenance::{ArrivalKind, CellArrival, Origin, Source};
use records::{Count, Observation, Records};
use site::Capacity;
pub use site::{Site, SiteId, SiteKind};
use transitions::Target;

/// Where a single cell outside the sites is (a clump has its own
/// [`ClumpStage`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Compartment {
    /// In the blood, on its way to the organ's capillary bed.
    InTransit,
    /// Arrested in the organ's capillary bed.
    Arrested,
    /// Extravasated, a solitary cell in the organ's parenchyma.
    Solitary,
    /// A dormant solitary cell.
    Dormant,
}

impl Compartment {
    /// Its index, in the order above (in transit 0 to dormant 3).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The cells of one clone in one compartment of one organ.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PoolKey {
    /// The clone.
    pub clone: CloneId,
    /// The compartment.
    pub compartment: Compartment,
    /// The organ (for cells in transit, the organ they are bound for).
    pub organ: OrganId,
    /// The extension's mark on the cells ([`Extension::mark`]); none
    /// without one.
    #[serde(default, skip_serializing_if = "Mark::is_none")]
    pub mark: Mark,
}

impl PoolKey {
    /// The unmarked cells of `clone` in `compartment` of `organ`.
    pub fn new(clone: CloneId, compartment: Compartment, organ: OrganId) -> Self {
        PoolKey {
            clone,
            compartment,
            organ,
            mark: Mark::NONE,
        }
    }

    /// The unmarked cells of `clone` in transit to `organ`'s bed.
    pub fn in_transit(clone: CloneId, organ: OrganId) -> Self {
        PoolKey::new(clone, Compartment::InTransit, organ)
    }
}

/// Multipliers of the model's rates that an extension may change during a
/// run (an intervention, a host factor), and the extension's levels. All 1
/// by default. They change only through
/// [`CascadeState::change_modifiers`] (or the extension's
/// [`ExtensionContext`]), which redraws every clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Modifiers {
    /// Death rate in circulation.
    pub circulation_death: f64,
    /// Shedding rate, every site.
    pub shedding: f64,
    /// Arrest probability, per organ (the product is capped at 1).
    pub arrest: Vec<f64>,
    /// Extravasation rate, per organ.
    pub extravasation: Vec<f64>,
    /// Death rate of arrested cells, per organ.
    pub arrested_death: Vec<f64>,
    /// Death rate of solitary cells, per organ (host defences).
    pub solitary_death: Vec<f64>,
    /// Birth rate of metastatic cells, per organ (the soil).
    pub growth: Vec<f64>,
    /// The extension's levels ([`Declarations::level`]), by [`LevelId`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<f64>,
}

impl Modifiers {
    fn neutral(organs: usize) -> Self {
        Modifiers {
            circulation_death: 1.0,
            shedding: 1.0,
            arrest: vec![1.0; organs],
            extravasation: vec![1.0; organs],
            arrested_death: vec![1.0; organs],
            solitary_death: vec![1.0; organs],
            growth: vec![1.0; organs],
            levels: Vec::new(),
        }
    }
}

/// A place with a clock: a pool, a site or a clump.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// The cells of one clone in one compartment of one organ.
    Pool(PoolKey),
    /// A primary tumour or a metastasis.
    Site(SiteId),
    /// A clump of cells in transit or arrested.
    Clump(ClumpId),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Pool(key) => write!(
                f,
                "pool of clone {} {:?} in organ {}",
                key.clone.0, key.compartment, key.organ.0
            ),
            Place::Site(site) => write!(f, "site {}", site.0),
            Place::Clump(clump) => write!(f, "clump {}", clump.0),
        }
    }
}

/// Everything the cascade knows during a run: configuration, clones, sites,
/// pools, clumps and observables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CascadeState {
    config: CascadeConfig,
    lineage: Lineage,
    /// What holds cells and their clocks: sites, pools, clumps.
    places: Places,
    /// What is recorded: the funnel, the ledgers, the observations and
    /// the extension's counts.
    records: Records,
    /// Rate multipliers and levels an extension may change.
    modifiers: Modifiers,
    /// What the model keeps of the extension (rebuilt, never serialised).
    #[serde(skip)]
    attached: extension::Attached,
    /// Therapy's progress.
    #[serde(default)]
    therapy: therapy::Progress,
    /// The doomed cells of cohort mode, as counts.
    #[serde(default)]
    cohorts: cohorts::Cohorts,
    /// Reused buffer of (rate, event) channels.
    #[serde(skip)]
    channels: Vec<(f64, Channel)>,
    /// The bytes [`memory_use`](Self::memory_use) may reach (`None`: no
    /// budget).
    #[serde(default)]
    memory_budget: Option<u64>,
}

pub(crate) use growth::Growth;
pub use growth::GrowthMode;
pub use memory::{DEFAULT_MEMORY_BUDGET, MemoryUse, Part};

/// One clone's rates in a site (see `CascadeState::site_rates`).
#[derive(Copy, Clone, Debug)]
struct CloneRates {
    clone: CloneId,
    cells: u64,
    /// Divisions per cell per day.
    birth: f64,
    /// Deaths per cell per day.
    death: f64,
    /// Cells shed per day, by the clone's cells together.
    shed: f64,
    /// Probability that a division gives a mutant daughter.
    mutation: f64,
}

/// A fate in a pool, a site or a clump, before it becomes an event.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Channel {
    Shed(CloneId),
    Divided(CloneId),
    Died(CloneId),
    Pool(PoolFate),
    /// A fate an extension declared.
    Own(FateId),
    Clump(clumps::ClumpFate),
    /// An avascular colony's angiogenic switch.
    Vascularised,
}

/// A fate of a single cell outside the sites, as the model gives it: the
/// transition table of the pools (`fill_pool_channels`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PoolFate {
    /// In transit: arrested in the organ's bed.
    Arrested,
    /// In transit: passed the organ's bed.
    Passed,
    /// In transit: died in circulation.
    DiedInCirculation,
    /// Arrested: extravasated into the organ.
    Extravasated,
    /// Arrested: died in the vessel.
    DiedInVessel,
    /// Solitary: died in the parenchyma.
    DiedInParenchyma,
    /// Solitary: entered dormancy.
    EnteredDormancy,
    /// Solitary: divided, founding a metastasis.
    Divided,
    /// Dormant: left dormancy.
    LeftDormancy,
    /// Dormant: died.
    DormantDied,
}

impl PoolFate {
    /// How many there are.
    pub const COUNT: usize = 10;

    /// Its index, in declaration order.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl CascadeState {
    fn new(config: CascadeConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let organs = config.organs.len();
        let therapy = therapy::Progress::new(&config.therapy);
        let lineage = Lineage::new(
            config
                .clones
                .iter()
                .map(|c| (c.name.clone(), c.phenotype.clone()))
                .collect(),
        );
        Ok(CascadeState {
            records: Records::new(organs, lineage.len()),
            places: Places::default(),
            modifiers: Modifiers::neutral(organs),
            attached: extension::Attached::default(),
            config,
            lineage,
            therapy,
            cohorts: cohorts::Cohorts::default(),
            channels: Vec::new(),
            memory_budget: None,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CascadeConfig {
        &self.config
    }

    /// Every clone so far.
    pub fn lineage(&self) -> &Lineage {
        &self.lineage
    }

    /// Every site founded so far (the primary first, if any), extinct ones
    /// included.
    pub fn sites(&self) -> &[Site] {
        self.places.sites()
    }

    /// The metastases: every site but the primary.
    pub fn metastases(&self) -> impl Iterator<Item = &Site> {
        (self.places.sites().iter()).filter(|s| s.kind == SiteKind::Metastasis)
    }

    /// The attrition funnel.
    pub fn funnel(&self) -> &FunnelTable {
        self.records.funnel()
    }

    /// The ledger of one clone.
    pub fn ledger(&self, clone: CloneId) -> &Ledger {
        self.records.ledger(clone)
    }

    /// The harvests so far.
    pub fn harvests(&self) -> &[Harvest] {
        self.records.harvests()
    }

    /// The burden samples so far.
    pub fn burden(&self) -> &[BurdenSample] {
        self.records.burden()
    }

    /// The clonal composition of the sites on each observation day so far
    /// (the days of [`burden`](Self::burden)).
    pub fn composition(&self) -> &[diversity::CompositionSample] {
        self.records.composition()
    }

    /// When the first metastasis reached the detectable size.
    pub fn first_detection(&self) -> Option<Time> {
        self.records.first_detection()
    }

    /// Every founding or joining of a lesion so far, in order, with where
    /// its cells came from (`arrivals.csv`).
    pub fn arrivals(&self) -> &[CellArrival] {
        self.records.arrivals()
    }

    /// Cells that joined an existing lesion so far (reseeding,
    /// [`CascadeEvent::CellJoinedLesion`]).
    pub fn joined_cells(&self) -> u64 {
        self.records.joined()
    }

    /// Cells of `clone` in `compartment` of `organ`.
    pub fn pool_cells(&self, clone: CloneId, compartment: Compartment, organ: OrganId) -> u64 {
        let key = PoolKey::new(clone, compartment, organ);
        let marked = PoolKey {
            mark: Mark(u8::MAX),
            ..key
        };
        let followed: u64 = (self.places.pools().range(key..=marked))
            .map(|(_, p)| p.cells)
            .sum();
        followed + self.doomed_cells(key)
    }

    /// Every non-empty pool, in key order. In cohort mode a pool's cells
    /// are those followed one by one and the doomed ones, where they were
    /// last brought up to date (at the last observation, dose or entry in
    /// numbers, and at the end of a run: [`Cascade::settle`]).
    pub fn pools(&self) -> impl Iterator<Item = (PoolKey, u64)> + '_ {
        let mut merged: BTreeMap<PoolKey, u64> = BTreeMap::new();
        for (key, n) in self.pool_entries().filter(|&(_, n)| n > 0) {
            *merged.entry(key).or_default() += n;
        }
        merged.into_iter()
    }

    /// The cells of every pool, followed one by one and (cohort mode)
    /// doomed, a pool possibly more than once: for sums, which need no
    /// merging.
    fn pool_entries(&self) -> impl Iterator<Item = (PoolKey, u64)> + '_ {
        let followed = self.places.pools().iter().map(|(k, p)| (*k, p.cells));
        followed.chain(self.doomed_pools())
    }

    /// The clumps in transit or arrested, in order of formation.
    pub fn clumps(&self) -> impl Iterator<Item = &Clump> {
        self.places.clumps().values()
    }

    /// The clump `id`, if it is still a clump (in transit or arrested).
    pub fn clump(&self, id: ClumpId) -> Option<&Clump> {
        self.places.clumps().get(&id)
    }

    /// Living cells of `clone`, everywhere: in pools, sites and clumps.
    pub fn alive(&self, clone: CloneId) -> u64 {
        self.alive_by_clone()[clone.index()]
    }

    /// Living cells of every clone (indexed by [`CloneId`]), everywhere: in
    /// pools, sites and clumps. One pass over the places, for callers that
    /// want every clone's count.
    pub fn alive_by_clone(&self) -> Vec<u64> {
        let mut alive = vec![0; self.lineage.len()];
        for (key, cells) in self.pool_entries() {
            alive[key.clone.index()] += cells;
        }
        let in_places = self.places.sites().iter().map(|s| &s.cells);
        for cells in in_places.chain(self.places.clumps().values().map(|c| &c.cells)) {
            for &(clone, n) in cells {
                alive[clone.index()] += n;
            }
        }
        alive
    }

    /// Checks `seeded + born = alive + died + killed + removed + died by
    /// the extension's fates` for every clone, with `alive` counting cells
    /// in pools, sites and clumps.
    ///
    /// # Errors
    ///
    /// The first clone whose cells do not add up, with the numbers.
    pub fn check_conservation(&self) -> Result<(), String> {
        let alive_by_clone = self.alive_by_clone();
        for clone in self.lineage.iter() {
            let l = *self.records.ledger(clone.id);
            let alive = alive_by_clone[clone.id.index()];
            let fated = self.died_by_own_fates(clone.id);
            if l.seeded + l.born != alive + l.died + l.killed + l.removed + fated {
                return Err(format!(
                    "clone {}: seeded {} + born {} != alive {} + died {} + killed {} + removed {} \
                     + died by the extension's fates {fated}",
                    self.lineage.name(clone.id),
                    l.seeded,
                    l.born,
                    alive,
                    l.died,
                    l.killed,
                    l.removed
                ));
            }
        }
        Ok(())
    }

    fn rates(&self, clone: CloneId, kind: SiteKind) -> &GrowthRates {
        let phenotype = self.lineage.phenotype(clone);
        match kind {
            SiteKind::Primary => &phenotype.in_primary,
            SiteKind::Metastasis => &phenotype.in_metastases,
        }
    }

    fn new_clone_rows(&mut self) {
        while self.records.clones() < self.lineage.len() {
            self.records.add_clone();
        }
    }

    /// The rate multipliers and the extension's levels now.
    pub fn modifiers(&self) -> &Modifiers {
        &self.modifiers
    }

    /// Changes the rate multipliers (or levels) with `change`, then draws
    /// every clock again ([`redraw_all`](Self::redraw_all)): exact,
    /// because every clock is exponential.
    ///
    /// # Errors
    ///
    /// [`CascadeError::Extension`] if `change` left a per-organ list or
    /// the levels with another length; as [`redraw_all`](Self::redraw_all).
    pub fn change_modifiers<U>(
        &mut self,
        change: impl FnOnce(&mut Modifiers),
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.count_counted_sites(ctx)?;
        let before = self.modifiers.clone();
        change(&mut self.modifiers);
        let m = &self.modifiers;
        let organs = self.config.organs.len();
        let per_organ = [
            &m.arrest,
            &m.extravasation,
            &m.arrested_death,
            &m.solitary_death,
            &m.growth,
        ];
        if per_organ.iter().any(|v| v.len() != organs) || m.levels.len() != before.levels.len() {
            self.modifiers = before;
            return Err(CascadeError::Extension(format!(
                "the modifiers must keep one value per organ ({organs}) and one per level ({})",
                self.modifiers.levels.len()
            )));
        }
        self.redraw_all(ctx)
    }

    /// Sets the extension's level `level` to `value`, then draws again the
    /// clocks whose rates the extension enters, the only rates a level
    /// can change: the pools' and clumps' if it adds fates or multiplies
    /// pool fates, the sites' if it multiplies theirs (counted sites first
    /// take their step so far with the old rates).
    ///
    /// # Errors
    ///
    /// As [`redraw_all`](Self::redraw_all).
    pub(super) fn set_level<U>(
        &mut self,
        level: LevelId,
        value: f64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let (pools, sites) = (
            self.attached.adds_rates(),
            self.attached.multiplies_in_sites(),
        );
        if sites {
            self.count_counted_sites(ctx)?;
        }
        self.modifiers.levels[level.0 as usize] = value;
        self.redraw_where(pools, sites, ctx)
    }

    /// Counted sites take the part of their step up to now with the rates
    /// so far, before the rates change (a site in exact steps is caught up
    /// with them by its redraw).
    fn count_counted_sites<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        for index in 0..self.places.sites().len() {
            let site = &self.places.sites()[index];
            if site.growth_mode() == GrowthMode::Counted
                && site.growth.step_from() < ctx.now().days()
            {
                // It is counted to now and steps from now.
                self.count_to_now(SiteId(index as u32), ctx)?;
            }
        }
        Ok(())
    }

    // -- clocks ----------------------------------------------------------

    /// Draws again every pending clock: after a change of
    /// [`modifiers`](Self::modifiers) or anything else the rates depend on.
    /// Exact, because every clock is exponential.
    ///
    /// # Errors
    ///
    /// [`CascadeError::InvalidRate`] if a modifier makes a rate negative,
    /// infinite or NaN (or a total rate overflows); as the kernel's
    /// scheduling otherwise.
    pub fn redraw_all<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.redraw_where(true, true, ctx)
    }

    /// Draws again the clocks of the pools and clumps (with `pools`; in
    /// cohort mode, every cell split again first) and of the sites (with
    /// `sites`), in the order of [`Places::every_place`].
    fn redraw_where<U>(
        &mut self,
        pools: bool,
        sites: bool,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let split = if pools && self.config.pool_mode == PoolMode::Cohorts {
            // The labels (will found a colony, or not) were drawn with the
            // old rates.
            self.split_again(ctx)?
        } else {
            Vec::new()
        };
        let every = self.places.every_place(|place| match place {
            Place::Pool(_) | Place::Clump(_) => pools,
            Place::Site(_) => sites,
        });
        for stale in split {
            stale.covered_by(&every);
        }
        for stale in every {
            self.redraw(stale, ctx)?;
        }
        Ok(())
    }

    /// Draws again the clock of a place whose cells changed: the one
    /// consumer of [`Stale`], so the one way a place's clock is set.
    ///
    /// # Errors
    ///
    /// As [`redraw_all`](Self::redraw_all).
    fn redraw<U>(
        &mut self,
        stale: Stale,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        match stale.place() {
            Place::Pool(key) => self.redraw_pool(key, stale, ctx),
            Place::Site(id) => self.redraw_site(id, stale, ctx),
            Place::Clump(id) => self.redraw_clump(id, stale, ctx),
        }
    }

    /// Cancels `clock` if pending, then schedules the next transition of
    /// `place`, holding `cells` cells, with the channels in `self.channels`.
    ///
    /// No clock when the place is empty or its total rate is 0, or when the
    /// drawn wait is too long to be a finite time (a tiny rate: the event
    /// happens at no finite time).
    ///
    /// # Errors
    ///
    /// [`CascadeError::InvalidRate`] if a channel's rate is negative or not
    /// finite, or the total rate overflows.
    fn draw_clock<U>(
        &mut self,
        place: Place,
        clock: Option<EventHandle>,
        per_cell: bool,
        cells: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
        event: impl Fn(Channel) -> CascadeEvent<U>,
    ) -> Result<Option<EventHandle>, CascadeError> {
        if let Some(handle) = clock {
            ctx.cancel(handle);
        }
        if cells == 0 {
            return Ok(None);
        }
        let multiplier = if per_cell { cells as f64 } else { 1.0 };
        let next = next_reaction(&self.channels, multiplier, ctx, CLOCKS, FATES).map_err(|e| {
            let rate = match e {
                ClockError::InvalidRate { rate, .. } | ClockError::TotalNotFinite { rate } => rate,
            };
            CascadeError::InvalidRate {
                place,
                rate,
                described: self.describe(place),
            }
        })?;
        let Some(Next { at, fate: chosen }) = next else {
            return Ok(None);
        };
        Ok(Some(ctx.schedule_cancellable_at(at, event(chosen))?))
    }

    fn redraw_pool<U>(
        &mut self,
        key: PoolKey,
        stale: Stale,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let Some(pool) = self.places.pools().get(&key) else {
            // Gone: nothing to draw.
            self.places.set_clock(stale, None);
            return Ok(());
        };
        let (cells, clock) = (pool.cells, pool.clock);
        let cohorts = self.config.pool_mode == PoolMode::Cohorts;
        if cohorts {
            self.ensure_chain(key.clone)?;
        }
        self.fill_pool_channels(key);
        if cohorts {
            // The cells here will found a colony: their rates conditioned
            // on it.
            self.condition_on_founding(key);
        }
        let (clone, organ, mark) = (key.clone, key.organ, key.mark);
        let handle =
            self.draw_clock(
                Place::Pool(key),
                clock,
                true,
                cells,
                ctx,
                |channel| match channel {
                    Channel::Pool(fate) => CascadeEvent::from_pool(fate, key),
                    Channel::Own(fate) => CascadeEvent::CellMetFate {
                        fate,
                        clone,
                        organ,
                        mark,
                    },
                    _ => unreachable!("pools have only pool fates"),
                },
            )?;
        self.places.set_clock(stale, handle);
        Ok(())
    }

    /// Fills `self.channels` with the fates of a cell in pool `key` and
    /// their rates per cell, in the order of the transition table (and the
    /// extension's after them): the one place that says what a pool's cells
    /// do (their clocks, and the cohorts' chains).
    fn fill_pool_channels(&mut self, key: PoolKey) {
        let mut channels = core::mem::take(&mut self.channels);
        channels.clear();
        let pool = self.pool_rates(key);
        for transition in PoolFate::of(key.compartment) {
            let fate = transition.fate;
            channels.push((pool.hazard(fate), Channel::Pool(fate)));
        }
        self.channels = channels;
        if self.attached.adds_rates() {
            self.add_extension_channels(key);
        }
    }

    /// What the rates of a cell in pool `key` are made of, looked up once
    /// for all of its fates.
    fn pool_rates(&self, key: PoolKey) -> PoolRates<'_> {
        let phenotype = self.lineage.phenotype(key.clone);
        PoolRates {
            organ: self.config.organs.organ(key.organ),
            phenotype,
            affinity: phenotype.affinity(key.organ),
            o: key.organ.index(),
            m: &self.modifiers,
            transit_time: self.config.transit_time,
        }
    }
}

/// What the rates of a cell in one pool are made of ([`CascadeState::pool_rates`]).
struct PoolRates<'a> {
    organ: &'a crate::organs::Organ,
    phenotype: &'a crate::clones::Phenotype,
    affinity: &'a crate::clones::OrganAffinity,
    o: usize,
    m: &'a Modifiers,
    transit_time: f64,
}

impl PoolRates<'_> {
    /// The rate per cell of the model's fate `fate`: the hazards of the
    /// transition table.
    fn hazard(&self, fate: PoolFate) -> f64 {
        let PoolRates {
            organ,
            phenotype,
            affinity,
            o,
            m,
            transit_time,
        } = *self;
        let arrival = || 1.0 / transit_time;
        let arrest = || (organ.arrest_probability * affinity.arrest * m.arrest[o]).min(1.0);
        let rates = &phenotype.in_metastases;
        match fate {
            PoolFate::Arrested => arrival() * arrest(),
            PoolFate::Passed => arrival() * (1.0 - arrest()),
            PoolFate::DiedInCirculation => phenotype.circulation_death_rate * m.circulation_death,
            PoolFate::Extravasated => {
                organ.extravasation_rate * affinity.extravasation * m.extravasation[o]
            }
            PoolFate::DiedInVessel => organ.arrested_death_rate * m.arrested_death[o],
            PoolFate::DiedInParenchyma => {
                organ.solitary_death_rate * m.solitary_death[o] + rates.death_rate
            }
            PoolFate::EnteredDormancy => organ.dormancy_entry_rate,
            // The solitary division multipliers (the organ's, then the
            // clone's) last: at their defaults of 1 the product is bit for
            // bit the colony birth rate's.
            PoolFate::Divided => {
                rates.birth_rate
                    * organ.growth_multiplier
                    * affinity.growth
                    * m.growth[o]
                    * organ.solitary_division_multiplier
                    * phenotype.solitary_division_multiplier
            }
            PoolFate::LeftDormancy => organ.dormancy_exit_rate,
            PoolFate::DormantDied => organ.dormant_death_rate,
        }
    }
}

/// A clone's shedding rate (or size-power weight) in a site of `kind`.
fn shedding_rate_in(phenotype: &crate::clones::Phenotype, kind: SiteKind) -> f64 {
    match kind {
        SiteKind::Primary => phenotype.shedding_rate,
        SiteKind::Metastasis => phenotype.metastatic_shedding_rate(),
    }
}

/// What a site's size gives every clone's rates there
/// ([`CascadeState::size_terms`]).
#[derive(Copy, Clone, Debug)]
struct SiteSizeTerms {
    growth: SizeTerms,
    /// `x^α` of size-power shedding (0 with per-cell shedding).
    shedding_power: f64,
}

impl CascadeState {
    /// Each clone's rates in `site` now: births and deaths per cell, and
    /// the clone's total shedding (0 from a resected site).
    fn site_rates<'s>(&'s self, site: &'s Site) -> impl Iterator<Item = CloneRates> + 's {
        self.site_rates_at(site, site.size)
    }

    /// Each clone's rates in `site` with its cells now, were the site of
    /// `size` cells: the rates that depend on the size (the growth law,
    /// size-power shedding) at `size`, the others as now.
    fn site_rates_at<'s>(
        &'s self,
        site: &'s Site,
        size: u64,
    ) -> impl Iterator<Item = CloneRates> + 's {
        let total_shedding_weight = self.total_shedding_weight(site);
        let terms = self.size_terms(site, size);
        site.cells.iter().map(move |&(clone, n)| {
            self.rates_at_size(site, clone, n, total_shedding_weight, &terms)
        })
    }

    /// The sum over `site`'s clones of cells × shedding rate, which
    /// size-power shedding splits the site's shedding by (0, unused,
    /// with per-cell shedding).
    fn total_shedding_weight(&self, site: &Site) -> f64 {
        match self.config.shedding {
            Shedding::PerCell => 0.0,
            Shedding::SizePower { .. } => site
                .cells
                .iter()
                .map(|&(c, n)| n as f64 * shedding_rate_in(self.lineage.phenotype(c), site.kind))
                .sum(),
        }
    }

    /// What the rates that depend on a site's size need of it, were the
    /// site of `size` cells: the growth law's terms and size-power
    /// shedding's `x^α`, the same for all the site's clones.
    fn size_terms(&self, site: &Site, size: u64) -> SiteSizeTerms {
        let shedding_power = match self.config.shedding {
            Shedding::PerCell => 0.0,
            Shedding::SizePower { exponent, .. } => libm::pow(size as f64, exponent),
        };
        SiteSizeTerms {
            growth: (site.growth_law).size_terms(size, site.capacity.cells, site.capacity.log),
            shedding_power,
        }
    }

    /// The rates of `n` cells of `clone` in `site`; `total_shedding_weight`
    /// (the sum over the site's clones of cells × shedding rate) matters
    /// only for size-power shedding.
    fn rates_in_site(
        &self,
        site: &Site,
        clone: CloneId,
        n: u64,
        total_shedding_weight: f64,
    ) -> CloneRates {
        let terms = self.size_terms(site, site.size);
        self.rates_at_size(site, clone, n, total_shedding_weight, &terms)
    }

    /// [`rates_in_site`](Self::rates_in_site) were the site of the size
    /// `terms` are of.
    fn rates_at_size(
        &self,
        site: &Site,
        clone: CloneId,
        n: u64,
        total_shedding_weight: f64,
        terms: &SiteSizeTerms,
    ) -> CloneRates {
        let organ = self.config.organs.organ(site.organ);
        let o = site.organ.index();
        let m = &self.modifiers;
        let phenotype = self.lineage.phenotype(clone);
        let rates = match site.kind {
            SiteKind::Primary => &phenotype.in_primary,
            SiteKind::Metastasis => &phenotype.in_metastases,
        };
        // The soil acts on metastases; the primary's rates are its own.
        let soil = match site.kind {
            SiteKind::Primary => 1.0,
            SiteKind::Metastasis => {
                organ.growth_multiplier * phenotype.affinity(site.organ).growth * m.growth[o]
            }
        };
        let birth = (site.growth_law).birth_rate_at(
            rates.birth_rate * soil,
            rates.death_rate,
            &terms.growth,
        );
        let cells = n as f64;
        let shedding_rate = shedding_rate_in(phenotype, site.kind);
        let shed = match self.config.shedding {
            Shedding::PerCell => cells * shedding_rate,
            Shedding::SizePower { coefficient, .. } if total_shedding_weight > 0.0 => {
                coefficient * terms.shedding_power * (cells * shedding_rate / total_shedding_weight)
            }
            Shedding::SizePower { .. } => 0.0,
        } * m.shedding;
        // A resected site sheds no more.
        let shed = if site.resected_at.is_some() {
            0.0
        } else {
            shed
        };
        let (birth, death) = match self.avascular(site) {
            Some(switch) => switch.avascular_rates(site.size, birth, rates.death_rate),
            None => (birth, rates.death_rate),
        };
        let mut rates = CloneRates {
            clone,
            cells: n,
            birth,
            death,
            shed,
            mutation: rates.mutation_probability,
        };
        if self.attached.multiplies_in_sites() {
            let [birth, death, shed] = self.site_multipliers(site, clone);
            rates.birth *= birth;
            rates.death *= death;
            rates.shed *= shed;
        }
        rates
    }

    /// For a site in steps, whose rates no clock checks: every clone's
    /// rates finite and >= 0 (only an extension's site multiplier can make
    /// them otherwise).
    #[inline]
    fn check_site_rates(&self, id: SiteId) -> Result<(), CascadeError> {
        if self.attached.multiplies_in_sites() {
            self.check_multiplied_site_rates(id)
        } else {
            Ok(())
        }
    }

    fn check_multiplied_site_rates(&self, id: SiteId) -> Result<(), CascadeError> {
        let site = self.places.site(id);
        let bad = |r: f64| !(r.is_finite() && r >= 0.0);
        let invalid = self
            .site_rates(site)
            .flat_map(|r| [r.birth, r.death, r.shed])
            .find(|&r| bad(r));
        match invalid {
            None => Ok(()),
            Some(rate) => Err(CascadeError::InvalidRate {
                place: Place::Site(id),
                rate,
                described: self.describe(Place::Site(id)),
            }),
        }
    }

    fn redraw_site<U>(
        &mut self,
        id: SiteId,
        stale: Stale,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let site = self.places.site(id);
        if site.is_stepped() {
            stale.kept_by_steps();
            self.check_site_rates(id)?;
            // Stepped growth: the site's next step is its pending event; in
            // exact steps, also its clones' next emissions, drawn again
            // from their counts now.
            if self.steps_exactly(id) {
                self.catch_up_site(id, ctx)?;
                self.arm_emissions(id, ctx)?;
            }
            return Ok(());
        }
        let clock = site.growth.clock();
        let mut channels = core::mem::take(&mut self.channels);
        channels.clear();
        for rates in self.site_rates(site) {
            let cells = rates.cells as f64;
            channels.push((cells * rates.birth, Channel::Divided(rates.clone)));
            channels.push((cells * rates.death, Channel::Died(rates.clone)));
            channels.push((rates.shed, Channel::Shed(rates.clone)));
        }
        if let Some(rate) = self.switch_rate(site) {
            channels.push((rate, Channel::Vascularised));
        }
        self.channels = channels;
        let size = self.places.site(id).size;
        let place = Place::Site(id);
        let handle = self.draw_clock(place, clock, false, size, ctx, |channel| match channel {
            Channel::Divided(clone) => CascadeEvent::CellDivided { site: id, clone },
            Channel::Died(clone) => CascadeEvent::CellDied { site: id, clone },
            Channel::Shed(clone) => CascadeEvent::CellShed { site: id, clone },
            Channel::Vascularised => CascadeEvent::ColonyVascularised { site: id },
            Channel::Pool(_) | Channel::Own(_) | Channel::Clump(_) => {
                unreachable!("sites have only site channels")
            }
        })?;
        self.places.set_clock(stale, handle);
        Ok(())
    }

    // -- moving cells ------------------------------------------------------

    /// Adds `count` cells of `clone` (of `origin`, if known) to a pool
    /// and redraws its clock.
    fn add_to_pool<U>(
        &mut self,
        key: PoolKey,
        count: u64,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if count == 0 {
            return Ok(());
        }
        let stale = self.places.add_to_pool(key, count, origin);
        self.redraw(stale, ctx)
    }

    /// Removes one cell from the pool whose clock just fired (its handle is
    /// spent) and redraws the clock: any of its cells with the same
    /// chance, drawn from `cascade.provenance` when they differ in origin.
    /// Returns the cell's origin.
    fn take_from_pool<U>(
        &mut self,
        key: PoolKey,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<Option<Origin>, CascadeError> {
        let pick =
            (self.places.choice_in_pool(key)).map(|cells| pick_below(cells, ctx.rng(PROVENANCE)));
        let (stale, origin) = self.places.take_fired_cell(key, pick);
        self.redraw(stale, ctx)?;
        Ok(origin)
    }

    /// Puts `count` injected single cells of `clone` (already seeded), of
    /// injection `injection`, in transit to the entry's bed; into the
    /// arterial side, split among the organs by a multinomial draw over
    /// the cardiac-output shares.
    fn inject_single_cells<U>(
        &mut self,
        (clone, count): (CloneId, u64),
        (injection, entry): (u32, &Entry),
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let in_transit = |organ| PoolKey::in_transit(clone, organ);
        let origin = Some(Origin::injected(injection, ctx.now()));
        match *entry {
            Entry::Bed(organ) => {
                self.records
                    .add(Count::Funnel(clone, organ, |f| &mut f.injected), count);
                self.enter_pools(in_transit(organ), count, origin, ctx)
            }
            Entry::Arterial => {
                let counts = self.arterial_counts(count, ctx.rng(ROUTING))?;
                for (index, &n) in counts.iter().enumerate() {
                    let organ = OrganId(index as u16);
                    self.records
                        .add(Count::Funnel(clone, organ, |f| &mut f.injected), n);
                    self.enter_pools(in_transit(organ), n, origin, ctx)?;
                }
                Ok(())
            }
        }
    }

    /// `count` cells reaching the arterial side, split among the organs by
    /// a multinomial draw from `rng` over the cardiac-output shares,
    /// normalised as for a single cell reaching it (the given shares sum to
    /// 1 only within the organ set's tolerance, the multinomial wants
    /// 1e-9).
    fn arterial_counts(
        &self,
        count: u64,
        rng: &mut cascade_kernel::RandomStream,
    ) -> Result<Vec<u64>, CascadeError> {
        let shares: Vec<f64> = self.config.organs.arterial_shares().collect();
        let mut counts = vec![0; shares.len()];
        sample_multinomial_into(rng, count, &shares, &mut counts)?;
        Ok(counts)
    }

    /// Sends a cell shed from `site`, in `organ`, to where that organ
    /// drains, into the pools.
    fn shed_to_blood<U>(
        &mut self,
        (site, clone): (SiteId, CloneId),
        organ: OrganId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let next = self.downstream(organ, ctx);
        let origin = Origin::shed(site, ctx.now());
        self.enter_pools(PoolKey::in_transit(clone, next), 1, Some(origin), ctx)
    }

    /// Sends a cell passing `organ`'s bed to where that organ drains; in
    /// cohort mode the cell will found a colony, and its route is
    /// conditioned on it.
    fn send_downstream<U>(
        &mut self,
        from: PoolKey,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let (clone, organ) = (from.clone, from.organ);
        let next = if self.config.pool_mode == PoolMode::Cohorts {
            self.downstream_founding(clone, organ, ctx)?
        } else {
            self.downstream(organ, ctx)
        };
        let to = self.marked(
            PoolKey::in_transit(clone, next),
            Some(from),
            ctx.now().days(),
        );
        self.add_to_pool(to, 1, origin, ctx)
    }

    /// A cell of the pool `from` met the model's fate `fate`: it leaves
    /// the pool, is counted, and goes where the transition table says.
    fn transition<U>(
        &mut self,
        fate: PoolFate,
        from: PoolKey,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let origin = self.take_from_pool(from, ctx)?;
        let transition = fate.transition();
        let counter = transition.counter;
        self.records
            .add(Count::Funnel(from.clone, from.organ, counter), 1);
        match transition.next {
            Target::Pool(Compartment::Solitary) if fate == PoolFate::Extravasated => {
                self.extravasate(from, origin, ctx)
            }
            Target::Pool(compartment) => self.move_cell(from, compartment, origin, ctx),
            Target::Downstream => self.send_downstream(from, origin, ctx),
            Target::Died => {
                self.records.add(Count::Died(from.clone), 1);
                Ok(())
            }
            Target::Founded => self.found_by_solitary_cell(from, origin, ctx),
        }
    }

    /// A solitary cell of the pool `from` divided: a metastasis founded by
    /// one cell, then its division.
    fn found_by_solitary_cell<U>(
        &mut self,
        from: PoolKey,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let (clone, organ) = (from.clone, from.organ);
        let capacity = self.config.organs.organ(organ).carrying_capacity;
        let law = self.config.metastasis_growth_law;
        let site = self.found_site(SiteKind::Metastasis, organ, clone, ctx.now(), law, capacity);
        let founded = self.places.change_site(site, |s| {
            s.founding_cells = 1;
            s.founding_clones = 1;
            s.add(clone);
        });
        self.records.arrived(CellArrival {
            site,
            organ,
            clone,
            cells: 1,
            origin,
            day: ctx.now().days(),
            kind: ArrivalKind::Founded,
        });
        let divided = self.divide_in_site(site, clone, ctx)?;
        self.redraw(founded.and(divided), ctx)
    }

    /// Moves one cell that left the pool `from` to `compartment` of the
    /// same organ (marked as the extension marks arrivals).
    fn move_cell<U>(
        &mut self,
        from: PoolKey,
        compartment: Compartment,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let to = PoolKey::new(from.clone, compartment, from.organ);
        let to = self.marked(to, Some(from), ctx.now().days());
        self.add_to_pool(to, 1, origin, ctx)
    }

    /// A cell of `clone` with `mark` in `organ`, in the compartment of
    /// the extension's fate `fate`, met it: it dies or moves, and is
    /// counted.
    fn meet_fate<U>(
        &mut self,
        fate: FateId,
        (clone, organ, mark): (CloneId, OrganId, Mark),
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let declared = &self.attached.declared.fates[fate.0 as usize];
        let (compartment, outcome) = (declared.compartment, declared.outcome);
        let from = PoolKey {
            clone,
            compartment,
            organ,
            mark,
        };
        let origin = self.take_from_pool(from, ctx)?;
        (self.records).add(Count::Fate(fate, clone, organ), 1);
        match outcome {
            Outcome::Died => Ok(()),
            Outcome::Moved(to) => self.move_cell(from, to, origin, ctx),
        }
    }

    /// The next bed after `organ`'s: the organ it drains to (a venous
    /// route drawn by share when it has several), or, from the arterial
    /// side, one drawn by cardiac-output share.
    fn downstream<U>(&self, organ: OrganId, ctx: &mut Context<'_, CascadeEvent<U>>) -> OrganId {
        let organs = &self.config.organs;
        match organs.venous_destination(organ, || ctx.rng(ROUTING).uniform()) {
            Drain::Organ(next) => *next,
            Drain::Arterial => {
                let u = ctx.rng(ROUTING).uniform();
                self.config.organs.arterial_destination(u)
            }
        }
    }

    fn found_site(
        &mut self,
        kind: SiteKind,
        organ: OrganId,
        founder: CloneId,
        now: Time,
        growth_law: GrowthLaw,
        capacity: f64,
    ) -> SiteId {
        let id = self.places.next_site();
        self.places.add_site(Site {
            id,
            kind,
            organ,
            founded_at: now,
            founder,
            founding_cells: 0,
            founding_clones: 0,
            cells: Vec::new(),
            size: 0,
            peak_size: 0,
            clones_ever: 0,
            detected_at: None,
            macroscopic_at: None,
            extinct_at: None,
            resected_at: None,
            relapsed_at: None,
            vascularised_at: None,
            awaiting_relapse: self.therapy.started_at.is_some(),
            growth: Growth::Events { clock: None },
            growth_law,
            capacity: Capacity::from(capacity),
        });
        id
    }

    /// A cell of `clone` divides in `site`: one daughter is `clone`, the
    /// other `clone` or, with the clone's mutation probability, a new
    /// mutant clone.
    fn divide_in_site<U>(
        &mut self,
        site: SiteId,
        clone: CloneId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<Stale, CascadeError> {
        let kind = self.places.site(site).kind;
        let mutation = self.rates(clone, kind).mutation_probability;
        let mutates = Bernoulli::new(mutation)?.sample(ctx.rng(MUTATION));
        let daughter = if mutates {
            self.mutant_daughter(clone, ctx)?
        } else {
            self.resistance_mutations(clone, ctx)?
        };
        self.records.add(Count::Born(daughter), 1);
        let stale = self.places.change_site(site, |s| s.add(daughter));
        self.note_sizes_reached(site, ctx)?;
        Ok(stale)
    }

    /// A mutant daughter of `clone`, born now: a new clone, its phenotype
    /// drawn by the mutation effect, then open to resistance to each drug
    /// (as every daughter of a division).
    fn mutant_daughter<U>(
        &mut self,
        clone: CloneId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<CloneId, CascadeError> {
        let phenotype = self
            .config
            .mutation_effect
            .mutate(self.lineage.phenotype(clone), ctx.rng(MUTATION));
        let out_of_range = crate::rates::out_of_range(&phenotype, &self.config.organs);
        let mutant = self.lineage.add_mutant(clone, ctx.now(), phenotype);
        if let Some(bad) = out_of_range {
            let place = bad
                .organ
                .map(|o| format!(" in the {}", self.config.organs.organ(o).name))
                .unwrap_or_default();
            return Err(CascadeError::RateOutOfRange {
                clone: self.lineage.name(mutant),
                field: bad.field.to_string(),
                fate: format!("{}{place}", bad.fate),
                rate: bad.rate,
                day: ctx.now().days(),
            });
        }
        self.new_clone_rows();
        // A step can make many mutants in one event.
        self.check_memory(ctx)?;
        self.resistance_mutations(mutant, ctx)
    }

    /// After a site's size changed (a birth, or founding by a clump): a
    /// metastasis reaching the macrometastasis or the detectable size the
    /// first time, then what therapy does at a size (a relapse, a surgery
    /// or regimen at a size of the primary), then stepped growth. The
    /// detection is scheduled before the relapse at the same instant, so
    /// that a run stopped at the relapse has recorded the detection.
    fn note_sizes_reached<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.note_metastasis_sizes(site, ctx)?;
        self.note_therapy_sizes(site, ctx)?;
        self.maybe_start_steps(site, ctx)
    }

    /// Records that a metastasis reached the macrometastasis or the
    /// detectable size, the first time it does.
    fn note_metastasis_sizes<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let s = self.places.site(site);
        if s.kind != SiteKind::Metastasis {
            return Ok(());
        }
        let (size, organ, founder) = (s.size, s.organ, s.founder);
        let now = ctx.now();
        let macroscopic = size >= self.config.macrometastasis_size && s.macroscopic_at.is_none();
        let detected = size >= self.config.detection_size && s.detected_at.is_none();
        if macroscopic {
            self.places
                .note_site(site, |s| s.macroscopic_at = Some(now));
            self.records
                .add(Count::Funnel(founder, organ, |f| &mut f.macrometastases), 1);
        }
        if detected {
            self.places.note_site(site, |s| s.detected_at = Some(now));
            ctx.schedule_at(now, CascadeEvent::MetastasisDetected { site })?;
        }
        Ok(())
    }

    // -- the handler -------------------------------------------------------

    fn handle<U>(
        &mut self,
        event: CascadeEvent<U>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now();
        if let Some((fate, key)) = event.pool_transition() {
            return self.transition(fate, key, ctx);
        }
        match event {
            CascadeEvent::CellDivided { site, clone } | CascadeEvent::CellShed { site, clone }
                if self.places.site(site).is_stepped() =>
            {
                self.emit(site, clone, ctx)?;
            }
            CascadeEvent::CellDivided { site, clone } => {
                let fired = self.places.site_clock_fired(site);
                let divided = self.divide_in_site(site, clone, ctx)?;
                self.redraw(fired.and(divided), ctx)?;
            }
            CascadeEvent::CellDied { site, clone } => {
                let fired = self.places.site_clock_fired(site);
                let lost = self.places.change_site(site, |s| s.lose(clone, now));
                self.records.add(Count::Died(clone), 1);
                self.redraw(fired.and(lost), ctx)?;
            }
            CascadeEvent::CellShed { site, clone } => {
                let fired = self.places.site_clock_fired(site);
                let stale = fired.and(self.places.change_site(site, |s| s.lose(clone, now)));
                let organ = self.places.site(site).organ;
                self.records
                    .add(Count::Funnel(clone, organ, |f| &mut f.shed), 1);
                self.redraw(stale, ctx)?;
                self.shed_to_blood((site, clone), organ, ctx)?;
            }
            CascadeEvent::CellMetFate {
                fate,
                clone,
                organ,
                mark,
            } => self.meet_fate(fate, (clone, organ, mark), ctx)?,
            CascadeEvent::CellsInjected { injection } => {
                let injection_index = injection;
                let injection = self.config.injections[injection as usize].clone();
                if let Some(k) = injection.clumps_of() {
                    return self.inject_clumps((injection_index, &injection), k, ctx);
                }
                for &(clone, count) in &injection.cells {
                    self.records.add(Count::Seeded(clone), count);
                    let entry = (injection_index, &injection.entry);
                    self.inject_single_cells((clone, count), entry, ctx)?;
                }
            }
            CascadeEvent::ColoniesHarvested { harvest } => {
                self.settle(ctx)?;
                let day = self.config.harvest_days[harvest as usize];
                let harvest = self.harvest(day);
                self.records.observe(Observation::Harvest(harvest));
            }
            CascadeEvent::BurdenObserved { observation } => {
                self.settle(ctx)?;
                let day = self.config.observation_days[observation as usize];
                let sample = self.burden_sample(day);
                self.records.observe(Observation::Burden(sample));
                let share = self.config.clone_share_observed;
                let sample = diversity::composition(day, self.places.sites(), share);
                self.records.observe(Observation::Composition(sample));
                self.forget_dead_clones();
            }
            CascadeEvent::MetastasisDetected { site } => {
                let s = self.places.site(site);
                self.records
                    .add(Count::Funnel(s.founder, s.organ, |f| &mut f.detected), 1);
                if self.records.first_detection().is_none() {
                    self.records.observe(Observation::FirstDetection(now));
                    self.start_regimens(crate::therapy::RegimenStart::FirstDetection, ctx)?;
                }
            }
            CascadeEvent::ColonyVascularised { site } => self.vascularise(site, ctx)?,
            // The cell joined in the extravasation's handler
            // (`reseeding.rs`): the event is the fact, for the trace and
            // an extension's `after`.
            CascadeEvent::CellJoinedLesion { .. } => {}
            CascadeEvent::PrimaryResected { site } => self.resect(site, ctx)?,
            CascadeEvent::SiteStepped { site } => self.step_site(site, ctx)?,
            CascadeEvent::RegimenStarted { regimen } => self.schedule_doses(regimen, ctx)?,
            CascadeEvent::DoseGiven { regimen, dose } => self.give_dose(regimen, dose, ctx)?,
            CascadeEvent::RelapseDetected { .. } => {
                if self.therapy.relapse.is_none() {
                    self.therapy.relapse = Some(now);
                }
                if self.config.therapy.stop_at_relapse {
                    self.settle(ctx)?;
                    self.therapy.stopped_at_relapse = true;
                    ctx.stop();
                }
            }
            CascadeEvent::ClumpArrested { clump, .. } => self.clump_arrested(clump, ctx)?,
            CascadeEvent::ClumpPassedCapillaryBed { clump, .. } => self.clump_passed(clump, ctx)?,
            CascadeEvent::ClumpCellDiedInCirculation { clump, clone, .. }
            | CascadeEvent::ClumpCellDiedInVessel { clump, clone, .. } => {
                self.clump_cell_left(clump, clone, None, ctx)?
            }
            CascadeEvent::ClumpCellMetFate {
                clump, clone, fate, ..
            } => self.clump_cell_left(clump, clone, Some(fate), ctx)?,
            CascadeEvent::ClumpExtravasated { clump, .. } => self.clump_extravasated(clump, ctx)?,
            CascadeEvent::ClumpDissociated { clump, .. } => self.clump_dissociated(clump, ctx)?,
            CascadeEvent::User(_) => unreachable!("user events go to the extension"),
            _ => unreachable!("pool transitions are handled above"),
        }
        Ok(())
    }

    fn harvest(&self, day: f64) -> Harvest {
        let mut organs = vec![OrganHarvest::default(); self.config.organs.len()];
        let mut metastases = Vec::new();
        for site in self.metastases().filter(|s| s.size > 0) {
            metastases.push(MetastasisSize {
                site: site.id.0,
                organ: site.organ,
                cells: site.size,
            });
            let o = &mut organs[site.organ.index()];
            if site.size >= self.config.macrometastasis_size {
                o.colonies += 1;
            } else {
                o.micrometastases += 1;
            }
            o.cells_in_metastases += site.size;
        }
        let mut circulating_cells = 0;
        for (key, cells) in self.pool_entries() {
            let o = &mut organs[key.organ.index()];
            match key.compartment {
                Compartment::InTransit => circulating_cells += cells,
                Compartment::Arrested => o.arrested_cells += cells,
                Compartment::Solitary => o.solitary_cells += cells,
                Compartment::Dormant => o.dormant_cells += cells,
            }
        }
        for clump in self.places.clumps().values() {
            match clump.stage {
                ClumpStage::InTransit => circulating_cells += clump.size,
                ClumpStage::Arrested => organs[clump.organ.index()].arrested_cells += clump.size,
            }
        }
        let site_clones = self
            .places
            .sites()
            .iter()
            .flat_map(|site| {
                (site.cells.iter())
                    .filter(|&&(_, cells)| cells > 0)
                    .map(|&(clone, cells)| SiteCloneCells {
                        site: site.id.0,
                        clone,
                        cells,
                    })
            })
            .collect();
        Harvest {
            day,
            organs,
            circulating_cells,
            metastases,
            site_clones,
        }
    }

    fn burden_sample(&self, day: f64) -> BurdenSample {
        let organs = self.config.organs.len();
        let mut metastatic_cells = vec![0; organs];
        let mut solitary_cells = vec![0; organs];
        let mut primary_cells = 0;
        for site in self.places.sites() {
            match site.kind {
                SiteKind::Primary => primary_cells += site.size,
                SiteKind::Metastasis => metastatic_cells[site.organ.index()] += site.size,
            }
        }
        for (key, cells) in self.pool_entries() {
            if matches!(
                key.compartment,
                Compartment::Solitary | Compartment::Dormant
            ) {
                solitary_cells[key.organ.index()] += cells;
            }
        }
        BurdenSample {
            day,
            primary_cells,
            metastatic_cells,
            solitary_cells,
        }
    }
}

/// The cascade as a kernel [`Model`]: the state, and an [`Extension`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    try_from = "Parts<X>",
    bound(serialize = "X: Serialize", deserialize = "X: Deserialize<'de>")
)]
pub struct Cascade<X: Extension = NoExtension> {
    state: CascadeState,
    extension: X,
}

/// A [`Cascade`] as serialised: the extension is attached again on the way
/// back.
#[derive(Deserialize)]
struct Parts<X> {
    state: CascadeState,
    extension: X,
}

impl<X: Extension> TryFrom<Parts<X>> for Cascade<X> {
    type Error = ConfigError;

    fn try_from(parts: Parts<X>) -> Result<Self, ConfigError> {
        let mut state = parts.state;
        state.attached = extension::Attached::new(&parts.extension, &state.config)?;
        Ok(Cascade {
            state,
            extension: parts.extension,
        })
    }
}

impl<X: Extension> Cascade<X> {
    /// The model for `config`, with `extension`.
    ///
    /// # Errors
    ///
    /// The first invalid field of `config`, or of what the extension
    /// declares ([`Extension::declare`]).
    pub fn new(config: CascadeConfig, extension: X) -> Result<Self, ConfigError> {
        let mut state = CascadeState::new(config)?;
        state.attached = extension::Attached::new(&extension, &state.config)?;
        let declared = &state.attached.declared;
        state.modifiers.levels = declared.levels.iter().map(|&(_, v)| v).collect();
        (state.records).declare(declared.fates.len(), declared.counters.len());
        Ok(Cascade { state, extension })
    }

    /// Schedules the run's first events: the primary tumour's clock, the
    /// injections, harvests and observations.
    ///
    /// The primary's founder (see [`Site::founder`]) is the clone with the
    /// most cells in it (its entries summed); on a tie, the one listed
    /// first.
    ///
    /// # Errors
    ///
    /// A day the kernel refuses (already validated: only a bug).
    pub fn start(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<X::Event>>,
    ) -> Result<(), CascadeError> {
        let state = &mut self.state;
        let now = ctx.now();
        if let Some(primary) = state.config.primary.clone() {
            // Cells per clone, in order of first listing.
            let mut per_clone: Vec<(CloneId, u64)> = Vec::new();
            for &(clone, n) in &primary.cells {
                match per_clone.iter_mut().find(|(c, _)| *c == clone) {
                    Some((_, total)) => *total += n,
                    None => per_clone.push((clone, n)),
                }
            }
            // The first with the most cells: a later one must have more.
            let founder = per_clone
                .iter()
                .fold(None, |best: Option<(CloneId, u64)>, &(c, n)| match best {
                    Some((_, most)) if most >= n => best,
                    _ => Some((c, n)),
                })
                .map_or(CloneId(0), |(c, _)| c);
            let site = state.found_site(
                SiteKind::Primary,
                primary.organ,
                founder,
                now,
                primary.growth_law,
                primary.carrying_capacity,
            );
            for &(clone, count) in &primary.cells {
                state.records.add(Count::Seeded(clone), count);
            }
            let seeded = state.places.change_site(site, |s| {
                for &(clone, count) in primary.cells.iter().filter(|&&(_, n)| n > 0) {
                    *s.count_mut(clone) += count;
                    s.size += count;
                    s.peak_size = s.size;
                }
                s.founding_cells = s.size;
                s.founding_clones = s.cells.len() as u32;
            });
            // A primary already at the stepping threshold steps from the
            // start (and draws no clock).
            state.maybe_start_steps(site, ctx)?;
            state.redraw(seeded, ctx)?;
        }
        state.schedule_therapy(ctx)?;
        for (i, injection) in state.config.injections.iter().enumerate() {
            ctx.schedule_at(
                Time::new(injection.day)?,
                CascadeEvent::CellsInjected {
                    injection: i as u32,
                },
            )?;
        }
        for (i, &day) in state.config.harvest_days.iter().enumerate() {
            ctx.schedule_at(
                Time::new(day)?,
                CascadeEvent::ColoniesHarvested { harvest: i as u32 },
            )?;
        }
        for (i, &day) in state.config.observation_days.iter().enumerate() {
            ctx.schedule_at(
                Time::new(day)?,
                CascadeEvent::BurdenObserved {
                    observation: i as u32,
                },
            )?;
        }
        let mut context = ExtensionContext::new(&mut self.state, ctx);
        self.extension.start(&mut context)
    }

    /// The state: clones, sites, observables.
    pub fn state(&self) -> &CascadeState {
        &self.state
    }

    /// The state, mutably (between runs).
    pub fn state_mut(&mut self) -> &mut CascadeState {
        &mut self.state
    }

    /// The extension.
    pub fn extension(&self) -> &X {
        &self.extension
    }

    /// Brings what cohort mode and exact steps keep up to date only when
    /// looked at (the doomed cells' counts, the clones of sites in exact
    /// steps) to now: call it after a run, before reading the pools or the
    /// sites (`cascade run` does).
    /// [`CascadeState::settle`] for an extension.
    ///
    /// # Errors
    ///
    /// As the model's handler.
    pub fn settle(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<X::Event>>,
    ) -> Result<(), CascadeError> {
        self.state.settle(ctx)
    }
}

impl<X: Extension> Model for Cascade<X> {
    type Event = CascadeEvent<X::Event>;
    type Error = CascadeError;

    fn handle(
        &mut self,
        event: Self::Event,
        ctx: &mut Context<'_, Self::Event>,
    ) -> Result<(), CascadeError> {
        match event {
            CascadeEvent::User(event) => {
                let mut context = ExtensionContext::new(&mut self.state, ctx);
                self.extension.handle(event, &mut context)?
            }
            event
                if self.state.attached.subscribes_to_any()
                    && self.state.attached.subscribes(event.kind()) =>
            {
                self.state.handle(event.clone(), ctx)?;
                let mut context = ExtensionContext::new(&mut self.state, ctx);
                self.extension.after(&event, &mut context)?
            }
            event => self.state.handle(event, ctx)?,
        }
        self.state.check_memory(ctx)
    }
}

/// How many of `n` cells go, each with probability `p`: a binomial draw
/// from the stream `purpose`, with no draw at all for `n = 0`, `p ≤ 0` or
/// `p ≥ 1`.
fn draw_binomial<U>(
    n: u64,
    p: f64,
    ctx: &mut Context<'_, CascadeEvent<U>>,
    purpose: Purpose,
) -> Result<u64, CascadeError> {
    Ok(if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        cascade_kernel::distributions::sample_binomial(ctx.rng(purpose), n, p)?
    })
}

/// A position drawn uniformly among `cells` from `rng` (0 for a single
/// cell): which cell of a pool a fate took (`cascade.provenance`).
fn pick_below(cells: u64, rng: &mut cascade_kernel::RandomStream) -> u64 {
    match UniformInt::new(cells) {
        Ok(uniform) => uniform.sample(rng),
        Err(_) => 0,
    }
}
