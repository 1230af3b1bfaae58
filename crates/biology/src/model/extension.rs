//! A lab's own mechanisms: the [`Extension`] trait, what an extension
//! declares ([`Declarations`]) and the narrow handle it acts through
//! ([`ExtensionContext`]).
//!
//! # What an extension can add
//!
//! - **Events of its own** ([`Extension::Event`]), scheduled by itself or
//!   by a scenario file, handled by [`Extension::handle`].
//! - **Fates of its own**: a hazard on the cells of a compartment
//!   ([`Declarations::fate`], [`Extension::hazard`]), for the clones and
//!   organs the hazard chooses (0 elsewhere). A cell meeting it dies or
//!   moves to another compartment of its organ, as the
//!   [`CellMetFate`](super::CascadeEvent::CellMetFate) event, and is
//!   counted under the fate's name per clone and organ (natural-killer
//!   clearance becomes `killed_by_nk`, not a share of
//!   `died_in_circulation`). The fate joins the cell's competing clocks, so
//!   it is as exact as the model's own fates.
//! - **Multipliers of the model's fates**, per cell
//!   ([`Declarations::multiply`], [`Extension::multiplier`]): the
//!   extravasation of one clone, in one organ, for cells of one mark.
//! - **Marks on arrival** ([`Declarations::mark_arrivals`],
//!   [`Extension::mark`]): a small number given to cells when they enter a
//!   compartment, kept with them there, read by the hazards and the
//!   multipliers (cells that arrived after the day a niche formed).
//!   Marked cells are a pool of their own, so every clock stays exact.
//! - **Levels** ([`Declarations::level`]): named numbers the hazards and
//!   multipliers read, changed only by
//!   [`ExtensionContext::set_level`], which redraws the clocks whose rates
//!   the extension enters (an immunotherapy raising natural-killer
//!   activity on a day).
//! - **Counters** ([`Declarations::counter`]): numbers of its own that
//!   reach the outputs.
//! - **Hooks**: [`Extension::start`] at the start of a run, and
//!   [`Extension::after`] after each built-in event of the kinds it
//!   subscribes to ([`Declarations::subscribe`]).
//!
//! # What it cannot do
//!
//! Its methods take `&self`: an extension's own values are fixed for the
//! run, and whatever changes lives in the model (levels, counters, the
//! modifiers), changed through operations that redraw what they affect.
//! So the hazards are a function of the cell and the levels, a checkpoint
//! of the model holds all of the extension's state, and no clock is left
//! stale. The context schedules only the extension's own events, draws only
//! from the extension's own random streams (keyed apart from the model's),
//! and shows the state settled (cohort counts and exact steps brought up
//! to now).
//!
//! In cohort mode (`pools: Cohorts`) an extension's fates are part of the
//! cells' chain: a fate that kills is an absorbing state of its own, so
//! its count is exact for every cell; a fate that moves a cell is a move
//! of the chain, counted only for the cells followed one by one (the
//! doomed ones are seen only at the ends of an interval, as for the
//! model's `passed` and dormancy counters). Marks need single cells
//! (`pools: PerCell`): a mark is a cell's day of arrival, a path that
//! cohort counts do not keep, and cohort mode refuses an extension that
//! declares them.

pub use super::declared::{CounterId, FateId, LevelId, Mark, Outcome};
use cascade_kernel::{Context, EventHandle, Purpose, RandomStream, Time, TraceEvent};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

use super::{CascadeEvent, CascadeState, Compartment, PoolFate};
use crate::clones::{CloneId, Lineage, Phenotype};
use crate::config::{CascadeConfig, ConfigError, PoolMode};
use crate::organs::OrganId;

/// A user's addition to the cascade: its own events, fates, multipliers,
/// marks, levels, counters and hooks. Every method but
/// [`handle`](Self::handle) has a default that adds nothing. See the
/// module documentation, and `examples/` of the runner crate
/// (`natural_killers.rs`, `premetastatic_niche.rs`).
pub trait Extension: Clone + Send + Sync + fmt::Debug + 'static {
    /// The extension's events.
    type Event: TraceEvent + Clone;

    /// What it adds: fates, multiplied fates, marks, levels, counters and
    /// subscriptions. Called once, when the model is built; ids are given
    /// in order of declaration, from 0 for each kind.
    fn declare(&self, declarations: &mut Declarations) {
        let _ = declarations;
    }

    /// At the start of a run, after the model scheduled its first events.
    ///
    /// # Errors
    ///
    /// A [`CascadeError`](super::CascadeError); the run does not start.
    fn start(
        &self,
        context: &mut ExtensionContext<'_, '_, Self::Event>,
    ) -> Result<(), super::CascadeError> {
        let _ = context;
        Ok(())
    }

    /// Handles one of the extension's events.
    ///
    /// # Errors
    ///
    /// A [`CascadeError`](super::CascadeError); the run stops.
    fn handle(
        &self,
        event: Self::Event,
        context: &mut ExtensionContext<'_, '_, Self::Event>,
    ) -> Result<(), super::CascadeError>;

    /// After a built-in event of a kind it subscribes to
    /// ([`Declarations::subscribe`]), once the model has handled it. In
    /// cohort mode, doomed cells move as counts, not events.
    ///
    /// # Errors
    ///
    /// A [`CascadeError`](super::CascadeError); the run stops.
    fn after(
        &self,
        event: &CascadeEvent<Self::Event>,
        context: &mut ExtensionContext<'_, '_, Self::Event>,
    ) -> Result<(), super::CascadeError> {
        let _ = (event, context);
        Ok(())
    }

    /// The rate, per cell per day, of the declared fate `fate` for `cell`
    /// (which is in the fate's compartment): 0 where it does not act. A
    /// finite number >= 0; anything else ends the run with `InvalidRate`.
    fn hazard(&self, fate: FateId, cell: &Cell<'_>) -> f64 {
        let _ = (fate, cell);
        0.0
    }

    /// The multiplier of the model's fate `fate` for `cell`, for the fates
    /// it declared with [`Declarations::multiply`] (1: as the model says).
    fn multiplier(&self, fate: PoolFate, cell: &Cell<'_>) -> f64 {
        let _ = (fate, cell);
        1.0
    }

    /// The multiplier of a site's fate `fate` (division, death, shedding)
    /// for the cells of `cell.clone` in `cell.site`, for the fates it
    /// declared with [`Declarations::multiply_in_sites`] (1: as the model
    /// says): a per-clone effect on growth (a targeted drug slowing one
    /// clone's divisions), applied after the growth law.
    fn site_multiplier(&self, fate: SiteFate, cell: &SiteCell<'_>) -> f64 {
        let _ = (fate, cell);
        1.0
    }

    /// The mark of a cell entering a compartment, if it declared
    /// [`Declarations::mark_arrivals`]: [`Mark::NONE`] by default.
    fn mark(&self, arrival: &Arrival<'_>) -> Mark {
        let _ = arrival;
        Mark::NONE
    }
}

/// An event type with no values: the events of [`NoExtension`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoEvent {}

impl TraceEvent for NoEvent {
    fn kind(&self) -> &str {
        match *self {}
    }
}

/// No extension: the model as specified.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoExtension;

impl Extension for NoExtension {
    type Event = NoEvent;
    fn handle(
        &self,
        event: NoEvent,
        _: &mut ExtensionContext<'_, '_, NoEvent>,
    ) -> Result<(), super::CascadeError> {
        match event {}
    }
}

/// A declared fate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FateDeclaration {
    /// Its name, the column of its counter (`killed_by_nk`).
    pub name: String,
    /// The compartment whose cells face it.
    pub compartment: Compartment,
    /// What happens to a cell that meets it.
    pub outcome: Outcome,
}

/// What an extension adds, in order of declaration ([`Extension::declare`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Declarations {
    /// Fates of its own.
    pub fates: Vec<FateDeclaration>,
    /// The model's fates whose rates it multiplies.
    pub multiplied: Vec<PoolFate>,
    /// The sites' fates whose rates it multiplies.
    #[serde(default)]
    pub site_multiplied: Vec<SiteFate>,
    /// Whether it marks cells entering a compartment.
    pub marks: bool,
    /// Levels: names and values at the start.
    pub levels: Vec<(String, f64)>,
    /// Counters: names.
    pub counters: Vec<String>,
    /// Kinds of built-in events it sees after they happen
    /// ([`Extension::after`]), by name (`CellArrested`).
    pub subscriptions: Vec<String>,
}

impl Declarations {
    /// A fate of its own: cells in `compartment` meet it at the rate
    /// [`Extension::hazard`] gives, with `outcome`. `name` is the column of
    /// its counter: lower-case letters, digits and `_`.
    pub fn fate(&mut self, name: &str, compartment: Compartment, outcome: Outcome) -> FateId {
        self.fates.push(FateDeclaration {
            name: name.to_string(),
            compartment,
            outcome,
        });
        FateId(self.fates.len() as u16 - 1)
    }

    /// The model's fate `fate` is multiplied by [`Extension::multiplier`].
    pub fn multiply(&mut self, fate: PoolFate) {
        if !self.multiplied.contains(&fate) {
            self.multiplied.push(fate);
        }
    }

    /// The sites' fate `fate` is multiplied by [`Extension::site_multiplier`].
    pub fn multiply_in_sites(&mut self, fate: SiteFate) {
        if !self.site_multiplied.contains(&fate) {
            self.site_multiplied.push(fate);
        }
    }

    /// Cells entering a compartment are marked by [`Extension::mark`].
    pub fn mark_arrivals(&mut self) {
        self.marks = true;
    }

    /// A level, `initial` at the start.
    pub fn level(&mut self, name: &str, initial: f64) -> LevelId {
        self.levels.push((name.to_string(), initial));
        LevelId(self.levels.len() as u16 - 1)
    }

    /// A counter of its own, 0 at the start; `name` as for a fate.
    pub fn counter(&mut self, name: &str) -> CounterId {
        self.counters.push(name.to_string());
        CounterId(self.counters.len() as u16 - 1)
    }

    /// The extension sees the built-in events of kind `kind` (their
    /// [`TraceEvent::kind`], `CellArrested`) after they happen.
    pub fn subscribe(&mut self, kind: &str) {
        if !self.subscriptions.iter().any(|k| k == kind) {
            self.subscriptions.push(kind.to_string());
        }
    }

    /// Checks names, levels and subscriptions, and what the configuration
    /// allows (no marks in cohort mode, field `pools`); other
    /// errors name a field under `extension`. Run when the model is built,
    /// and by the runner at `check`.
    ///
    /// # Errors
    ///
    /// The first declaration the configuration does not allow.
    pub fn check(&self, config: &CascadeConfig) -> Result<(), ConfigError> {
        let refuse = |path: String, value: String, expected: &str| ConfigError {
            path,
            value,
            expected: expected.to_string(),
        };
        let mut names: Vec<&str> = Vec::new();
        let columns = self.fates.iter().map(|f| ("fates", &f.name));
        let counters = self.counters.iter().map(|c| ("counters", c));
        for (i, (kind, name)) in columns.chain(counters).enumerate() {
            let column = name
                .chars()
                .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
                && name.starts_with(|c: char| c.is_ascii_lowercase());
            if !column || BUILT_IN_COLUMNS.contains(&name.as_str()) || names.contains(&&**name) {
                return Err(refuse(
                    format!("extension.{kind}[{i}]"),
                    format!("{name:?}"),
                    "a name of its own for a column: lower-case letters, digits and _, \
                     starting with a letter, not a column of the model and not declared twice",
                ));
            }
            names.push(name);
        }
        for (i, (name, value)) in self.levels.iter().enumerate() {
            if !value.is_finite() {
                return Err(refuse(
                    format!("extension.levels[{i}]"),
                    format!("{name} = {value}"),
                    "a finite number",
                ));
            }
        }
        for kind in &self.subscriptions {
            if !super::BUILT_IN_KINDS.contains(&kind.as_str()) {
                let hint = crate::organs::nearest(kind, &super::BUILT_IN_KINDS)
                    .map(|k| format!(" (did you mean {k}?)"))
                    .unwrap_or_default();
                return Err(refuse(
                    "extension.subscriptions".into(),
                    format!("{kind:?}"),
                    &format!("the kind of a built-in event{hint}"),
                ));
            }
        }
        if config.pool_mode == PoolMode::Cohorts && self.marks {
            return Err(refuse(
                "pools".into(),
                "Cohorts".into(),
                "PerCell: the extension marks cells on arrival, a day that cohort mode \
                 (doomed cells kept as counts, without their paths) does not keep",
            ));
        }
        Ok(())
    }
}

/// Funnel columns of the model, which an extension's names must not take:
/// the funnel's counters and the `organ` and `clone` of its rows. The
/// runner's tables spell the same names (its tests check that they stay
/// the same), and refuse an extension's name that any of its tables has.
pub const BUILT_IN_COLUMNS: [&str; 25] = [
    "injected",
    "shed",
    "died_in_circulation",
    "arrested",
    "passed",
    "extravasated",
    "died_in_vessel",
    "died_in_parenchyma",
    "entered_dormancy",
    "left_dormancy",
    "died_dormant",
    "micrometastases_founded",
    "macrometastases_reached",
    "detected",
    "clumps_injected",
    "clumps_arrested",
    "clumps_passed",
    "clumps_dissolved",
    "clump_metastases_founded",
    "killed_in_circulation",
    "killed_in_vessel",
    "killed_in_parenchyma",
    "killed_dormant",
    "organ",
    "clone",
];

/// A cell, as the hazards and multipliers see it: the cells of one clone
/// with one mark in one compartment of one organ are alike.
#[derive(Copy, Clone, Debug)]
pub struct Cell<'a> {
    /// Its clone.
    pub clone: CloneId,
    /// The clone's phenotype.
    pub phenotype: &'a Phenotype,
    /// Its organ (for a cell in transit, the organ it is bound for).
    pub organ: OrganId,
    /// Its compartment.
    pub compartment: Compartment,
    /// Its mark.
    pub mark: Mark,
    /// The model's configuration (organs by name, clones, days).
    pub config: &'a CascadeConfig,
    /// Every clone so far, with its parent and name.
    pub lineage: &'a Lineage,
    /// Whether it is a cell of a clump (in transit or arrested with
    /// others).
    pub in_clump: bool,
    levels: &'a [f64],
}

impl Cell<'_> {
    /// The level `level` now.
    /// NaN for a level not declared (so the rate it gives is refused).
    pub fn level(&self, level: LevelId) -> f64 {
        self.levels
            .get(level.0 as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// A fate of a cell in a site.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SiteFate {
    /// It divided.
    Divided,
    /// It died.
    Died,
    /// It was shed into the blood.
    Shed,
}

impl SiteFate {
    fn index(self) -> usize {
        self as usize
    }
}

/// The cells of one clone in one site, as [`Extension::site_multiplier`]
/// sees them.
#[derive(Copy, Clone, Debug)]
pub struct SiteCell<'a> {
    /// The clone.
    pub clone: CloneId,
    /// The clone's phenotype.
    pub phenotype: &'a Phenotype,
    /// The site (its kind, organ, size, founder, days).
    pub site: &'a super::Site,
    /// The model's configuration.
    pub config: &'a CascadeConfig,
    /// Every clone so far.
    pub lineage: &'a Lineage,
    levels: &'a [f64],
}

impl SiteCell<'_> {
    /// The level `level` now (NaN for a level not declared).
    pub fn level(&self, level: LevelId) -> f64 {
        self.levels
            .get(level.0 as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// A cell entering a compartment, as [`Extension::mark`] sees it.
#[derive(Copy, Clone, Debug)]
pub struct Arrival<'a> {
    /// The cell, with the mark it would have: [`Mark::NONE`].
    pub cell: Cell<'a>,
    /// The compartment and mark it comes from, if it comes from a pool
    /// (not from a site, an injection or a clump).
    pub from: Option<(Compartment, Mark)>,
    /// The day.
    pub day: f64,
}

/// What the model keeps of an extension: its declarations and, behind a
/// shared pointer, its hazards, multipliers and marks. Rebuilt from the
/// extension (never serialised); equal to any other.
#[derive(Clone, Default)]
pub(super) struct Attached {
    rules: Option<Arc<dyn Rules>>,
    pub(super) declared: Declarations,
    /// Per compartment (model order), the fates its cells face.
    by_compartment: [Vec<FateId>; 4],
    /// Per model fate ([`PoolFate::index`]), whether it is multiplied.
    multiplied: [bool; PoolFate::COUNT],
    /// Per site fate, whether it is multiplied.
    site_multiplied: [bool; 3],
    /// Whether it declares fates or multiplies the model's pool fates.
    adds_pool_rates: bool,
}

impl PartialEq for Attached {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Attached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attached")
            .field("declared", &self.declared)
            .finish_non_exhaustive()
    }
}

/// The object-safe part of an extension the model calls while it draws
/// clocks.
trait Rules: Send + Sync {
    fn hazard(&self, fate: FateId, cell: &Cell<'_>) -> f64;
    fn multiplier(&self, fate: PoolFate, cell: &Cell<'_>) -> f64;
    fn mark(&self, arrival: &Arrival<'_>) -> Mark;
    fn site_multiplier(&self, fate: SiteFate, cell: &SiteCell<'_>) -> f64;
}

impl<X: Extension> Rules for X {
    fn hazard(&self, fate: FateId, cell: &Cell<'_>) -> f64 {
        Extension::hazard(self, fate, cell)
    }
    fn multiplier(&self, fate: PoolFate, cell: &Cell<'_>) -> f64 {
        Extension::multiplier(self, fate, cell)
    }
    fn mark(&self, arrival: &Arrival<'_>) -> Mark {
        Extension::mark(self, arrival)
    }
    fn site_multiplier(&self, fate: SiteFate, cell: &SiteCell<'_>) -> f64 {
        Extension::site_multiplier(self, fate, cell)
    }
}

impl Attached {
    /// What the model keeps of `extension`, checked against `config`.
    pub(super) fn new<X: Extension>(
        extension: &X,
        config: &CascadeConfig,
    ) -> Result<Self, ConfigError> {
        let mut declared = Declarations::default();
        extension.declare(&mut declared);
        declared.check(config)?;
        let mut by_compartment: [Vec<FateId>; 4] = Default::default();
        for (i, fate) in declared.fates.iter().enumerate() {
            by_compartment[fate.compartment.index()].push(FateId(i as u16));
        }
        let mut multiplied = [false; PoolFate::COUNT];
        for fate in &declared.multiplied {
            multiplied[fate.index()] = true;
        }
        let mut site_multiplied = [false; 3];
        for fate in &declared.site_multiplied {
            site_multiplied[fate.index()] = true;
        }
        let adds_pool_rates = !declared.fates.is_empty() || !declared.multiplied.is_empty();
        let asks = adds_pool_rates || declared.marks || !declared.site_multiplied.is_empty();
        let rules = asks.then(|| Arc::new(extension.clone()) as _);
        Ok(Attached {
            rules,
            declared,
            by_compartment,
            multiplied,
            site_multiplied,
            adds_pool_rates,
        })
    }

    /// Whether it subscribes to any kind of event.
    pub(super) fn subscribes_to_any(&self) -> bool {
        !self.declared.subscriptions.is_empty()
    }

    /// Whether it subscribes to events of kind `kind`.
    pub(super) fn subscribes(&self, kind: &str) -> bool {
        self.declared.subscriptions.iter().any(|k| k == kind)
    }

    /// Whether it adds fates or multiplies the model's (so the pools'
    /// channels ask it).
    pub(super) fn adds_rates(&self) -> bool {
        self.adds_pool_rates
    }

    /// Whether it multiplies a site's fates (so the sites' rates ask it).
    #[inline]
    pub(super) fn multiplies_in_sites(&self) -> bool {
        !self.declared.site_multiplied.is_empty()
    }
}

impl CascadeState {
    /// The extension's declarations (empty without one).
    pub fn declarations(&self) -> &Declarations {
        &self.attached.declared
    }

    /// Cells of `clone` that met the extension's fate `fate` in `organ`.
    pub fn fate_count(&self, fate: FateId, clone: CloneId, organ: OrganId) -> u64 {
        self.records.fate_count(fate, clone, organ)
    }

    /// Cells that met the extension's fate `fate`, every clone and organ.
    pub fn fate_total(&self, fate: FateId) -> u64 {
        self.records.fate_total(fate)
    }

    /// Cells of `clone` that died by one of the extension's fates (a term
    /// of the clone's balance of cells).
    pub(super) fn died_by_own_fates(&self, clone: CloneId) -> u64 {
        let fates = &self.attached.declared.fates;
        (self.records.fates_of(clone).zip(fates))
            .filter(|(_, fate)| fate.outcome == Outcome::Died)
            .map(|(n, _)| n)
            .sum()
    }

    /// The extension's counter `counter`.
    pub fn counter(&self, counter: CounterId) -> u64 {
        self.records.counter(counter)
    }

    /// The level `level` now (NaN for a level not declared).
    pub fn level(&self, level: LevelId) -> f64 {
        self.modifiers
            .levels
            .get(level.0 as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// A cell of the pool `key` as the hazards see it.
    fn cell(&self, key: super::PoolKey) -> Cell<'_> {
        Cell {
            clone: key.clone,
            phenotype: self.lineage.phenotype(key.clone),
            organ: key.organ,
            compartment: key.compartment,
            mark: key.mark,
            config: &self.config,
            lineage: &self.lineage,
            in_clump: false,
            levels: &self.modifiers.levels,
        }
    }

    /// Applies the extension's multipliers to the model's channels in
    /// `self.channels` (the fates of a cell in pool `key`), and adds its
    /// own fates of the compartment.
    pub(super) fn add_extension_channels(&mut self, key: super::PoolKey) {
        let mut channels = core::mem::take(&mut self.channels);
        let Some(rules) = self.attached.rules.as_deref() else {
            self.channels = channels;
            return;
        };
        let cell = self.cell(key);
        for (rate, channel) in channels.iter_mut() {
            if let super::Channel::Pool(fate) = *channel
                && self.attached.multiplied[fate.index()]
            {
                *rate *= rules.multiplier(fate, &cell);
            }
        }
        for &fate in &self.attached.by_compartment[key.compartment.index()] {
            channels.push((rules.hazard(fate, &cell), super::Channel::Own(fate)));
        }
        self.channels = channels;
    }

    /// The extension's multipliers of the rates of `clone`'s cells in
    /// `site`: (birth, death, shedding), each 1 unless declared.
    pub(super) fn site_multipliers(&self, site: &super::Site, clone: CloneId) -> [f64; 3] {
        let Some(rules) = self.attached.rules.as_ref() else {
            return [1.0; 3];
        };
        let cell = SiteCell {
            clone,
            phenotype: self.lineage.phenotype(clone),
            site,
            config: &self.config,
            lineage: &self.lineage,
            levels: &self.modifiers.levels,
        };
        let on = &self.attached.site_multiplied;
        let factor = |fate: SiteFate| {
            if on[fate.index()] {
                rules.site_multiplier(fate, &cell)
            } else {
                1.0
            }
        };
        [
            factor(SiteFate::Divided),
            factor(SiteFate::Died),
            factor(SiteFate::Shed),
        ]
    }

    /// The extension's fates that the cells of `compartment` face (none
    /// without an extension that declares some).
    pub(super) fn extension_fates_in(&self, compartment: Compartment) -> &[FateId] {
        match self.attached.rules {
            Some(_) => &self.attached.by_compartment[compartment.index()],
            None => &[],
        }
    }

    /// The hazard of the extension's fate `fate` for the cell `key`, in a
    /// clump if `in_clump` (0 without an extension).
    pub(super) fn extension_hazard(
        &self,
        fate: FateId,
        key: super::PoolKey,
        in_clump: bool,
    ) -> f64 {
        match self.attached.rules.as_deref() {
            Some(rules) => rules.hazard(
                fate,
                &Cell {
                    in_clump,
                    ..self.cell(key)
                },
            ),
            None => 0.0,
        }
    }

    /// The extension's multiplier of the model's fate `fate` for the cell
    /// `key`, in a clump if `in_clump` (1 unless declared).
    pub(super) fn extension_multiplier(
        &self,
        fate: PoolFate,
        key: super::PoolKey,
        in_clump: bool,
    ) -> f64 {
        match self.attached.rules.as_deref() {
            Some(rules) if self.attached.multiplied[fate.index()] => rules.multiplier(
                fate,
                &Cell {
                    in_clump,
                    ..self.cell(key)
                },
            ),
            _ => 1.0,
        }
    }

    /// Whether the extension multiplies the model's fate `fate`.
    pub(super) fn multiplies(&self, fate: PoolFate) -> bool {
        self.attached.rules.is_some() && self.attached.multiplied[fate.index()]
    }

    /// Whether the extension marks cells on arrival.
    pub(super) fn marks_arrivals(&self) -> bool {
        self.attached.rules.is_some() && self.attached.declared.marks
    }

    /// The pool a cell entering `key` (unmarked) goes to: `key` with the
    /// extension's mark, if it marks arrivals.
    pub(super) fn marked(
        &self,
        key: super::PoolKey,
        from: Option<super::PoolKey>,
        day: f64,
    ) -> super::PoolKey {
        let Some(rules) = self
            .attached
            .rules
            .as_ref()
            .filter(|_| self.attached.declared.marks)
        else {
            return key;
        };
        let arrival = Arrival {
            cell: self.cell(key),
            from: from.map(|k| (k.compartment, k.mark)),
            day,
        };
        super::PoolKey {
            mark: rules.mark(&arrival),
            ..key
        }
    }
}

/// The extension's handle on the model while it acts: its own events, its
/// own random streams, a settled view of the state, and operations that
/// redraw the clocks they affect.
pub struct ExtensionContext<'a, 'c, U> {
    state: &'a mut CascadeState,
    context: &'a mut Context<'c, CascadeEvent<U>>,
}

/// One of the extension's own events, scheduled so that it can be
/// cancelled ([`ExtensionContext::cancel`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct OwnEvent(EventHandle);

fn undeclared(what: &str, id: u16) -> super::CascadeError {
    super::CascadeError::Extension(format!(
        "{what} {id} was not declared (see Extension::declare)"
    ))
}

/// Mixed into the names of an extension's streams, so that none is one of
/// the model's.
const EXTENSION_STREAMS: u64 = 0x6578_7465_6e73_696f;

impl<'a, 'c, U> ExtensionContext<'a, 'c, U> {
    pub(super) fn new(
        state: &'a mut CascadeState,
        context: &'a mut Context<'c, CascadeEvent<U>>,
    ) -> Self {
        ExtensionContext { state, context }
    }

    /// The current time.
    pub fn now(&self) -> Time {
        self.context.now()
    }

    /// Schedules one of the extension's events at `at`.
    ///
    /// # Errors
    ///
    /// A time in the past or not finite.
    pub fn schedule_at(&mut self, at: Time, event: U) -> Result<(), super::CascadeError> {
        Ok(self.context.schedule_at(at, CascadeEvent::User(event))?)
    }

    /// Schedules one of the extension's events at `at`, to be cancelled
    /// perhaps.
    ///
    /// # Errors
    ///
    /// A time in the past or not finite.
    pub fn schedule_cancellable_at(
        &mut self,
        at: Time,
        event: U,
    ) -> Result<OwnEvent, super::CascadeError> {
        let handle = self
            .context
            .schedule_cancellable_at(at, CascadeEvent::User(event))?;
        Ok(OwnEvent(handle))
    }

    /// Cancels one of its events if still pending; whether it was.
    pub fn cancel(&mut self, event: OwnEvent) -> bool {
        self.context.cancel(event.0).is_some()
    }

    /// The extension's own random stream `name`, keyed by (seed,
    /// replicate, `name`) and apart from every stream of the model.
    pub fn rng(&mut self, name: &str) -> &mut RandomStream {
        self.context
            .rng(Purpose::new(name).child(EXTENSION_STREAMS))
    }

    /// The model's configuration.
    pub fn config(&self) -> &CascadeConfig {
        &self.state.config
    }

    /// The state, settled to now (cohort mode's counts and the sites in
    /// exact steps brought up to date).
    ///
    /// # Errors
    ///
    /// As the model's handler.
    pub fn state(&mut self) -> Result<&CascadeState, super::CascadeError> {
        self.state.settle(self.context)?;
        Ok(self.state)
    }

    /// The level `level` now.
    pub fn level(&self, level: LevelId) -> f64 {
        self.state.level(level)
    }

    /// Sets the level `level` and, if it changed, redraws the clocks
    /// whose rates the extension enters (the only rates a level can
    /// change): those of the pools and clumps if it declares fates or
    /// multiplies pool fates, those of the sites if it multiplies theirs.
    ///
    /// # Errors
    ///
    /// [`CascadeError::InvalidRate`](super::CascadeError::InvalidRate) if
    /// a hazard or multiplier gives a rate that is not a finite number >=
    /// 0 with it.
    pub fn set_level(&mut self, level: LevelId, value: f64) -> Result<(), super::CascadeError> {
        if level.0 as usize >= self.state.modifiers.levels.len() {
            return Err(undeclared("level", level.0));
        }
        if self.state.level(level).to_bits() == value.to_bits() {
            return Ok(());
        }
        self.state.set_level(level, value, self.context)
    }

    /// Changes the model's rate multipliers, then redraws every clock.
    ///
    /// # Errors
    ///
    /// As [`CascadeState::change_modifiers`].
    pub fn change_modifiers(
        &mut self,
        change: impl FnOnce(&mut super::Modifiers),
    ) -> Result<(), super::CascadeError> {
        self.state.change_modifiers(change, self.context)
    }

    /// The counter `counter` now (0 for one not declared).
    pub fn counter(&self, counter: CounterId) -> u64 {
        self.state.counter(counter)
    }

    /// Adds `n` to the counter `counter`.
    ///
    /// # Errors
    ///
    /// A counter that was not declared.
    pub fn count(&mut self, counter: CounterId, n: u64) -> Result<(), super::CascadeError> {
        let count = super::records::Count::Counter(counter);
        match self.state.records.add(count, n) {
            true => Ok(()),
            false => Err(undeclared("counter", counter.0)),
        }
    }

    /// Stops the run after this event.
    pub fn stop(&mut self) {
        self.context.stop();
    }
}
