//! Therapy in the model: surgery, doses, resistance at division, relapse.
//! The configuration and the rules are documented in [`crate::therapy`].
//!
//! Nothing here draws a random number or schedules an event unless the
//! configuration has a drug, a surgery or a regimen, so a run without
//! therapy has the trace it had before therapy existed.

use cascade_kernel::distributions::{Bernoulli, Distribution};
use cascade_kernel::{Context, Purpose, Time};
use serde::{Deserialize, Serialize};

use super::places::Stale;
use super::records::Count;
use super::{
    CascadeError, CascadeEvent, CascadeState, Compartment, PoolKey, SiteId, SiteKind, draw_binomial,
};
use crate::clones::CloneId;
use crate::observables::{Funnel, Occasion, SolitaryCensus};
use crate::therapy::{DrugId, RegimenStart, SurgeryAt, Therapy, kill_probability};

/// Kills by a dose and cells left behind by surgery.
pub(super) const THERAPY: Purpose = Purpose::new("cascade.therapy");
/// Resistance mutations at division.
const RESISTANCE: Purpose = Purpose::new("cascade.resistance");

/// How far therapy has got in a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Progress {
    /// The first surgery or dose.
    pub(super) started_at: Option<Time>,
    /// The first relapse.
    pub(super) relapse: Option<Time>,
    /// The run was stopped at a relapse (`stop_at_relapse`).
    pub(super) stopped_at_relapse: bool,
    /// The surgery is scheduled (or done).
    surgery_scheduled: bool,
    /// Per regimen: started (its start is scheduled or past).
    regimens_started: Vec<bool>,
    /// Per regimen: its first dose was given.
    #[serde(default)]
    regimens_dosed: Vec<bool>,
    /// The smallest primary size that starts something not started yet
    /// (`u64::MAX`: none).
    next_primary_size: u64,
    /// Per drug: the cells resistant to it just before its first dose
    /// (`None` until it is given).
    #[serde(default)]
    resistant_at_first_dose: Vec<Option<u64>>,
    /// Per drug: the cells resistant to it just before the surgery (`None`
    /// until then).
    #[serde(default)]
    resistant_at_surgery: Option<Vec<u64>>,
    /// The cells alive everywhere just before the first dose (`None` until
    /// a dose is given).
    #[serde(default)]
    cells_at_first_dose: Option<u64>,
    /// The metastases at or above the detection size just before the
    /// surgery (`None` until then).
    #[serde(default)]
    detectable_at_surgery: Option<u64>,
    /// The first time after the surgery that a site (a metastasis, or the
    /// primary growing back) reached the detection size from below it.
    #[serde(default)]
    detected_after_surgery: Option<Time>,
    /// The solitary and dormant cells per organ just before the surgery
    /// and each dose, in order.
    #[serde(default)]
    solitary_census: Vec<SolitaryCensus>,
    /// Per drug: the birth of the first clone resistant to it among those
    /// whose phenotype was forgotten (`None`: none such).
    #[serde(default)]
    forgotten_resistant_at: Vec<Option<Time>>,
}

impl Progress {
    pub(super) fn new(therapy: &Therapy) -> Self {
        let mut progress = Progress {
            regimens_started: vec![false; therapy.regimens.len()],
            regimens_dosed: vec![false; therapy.regimens.len()],
            resistant_at_first_dose: vec![None; therapy.drugs.len()],
            ..Progress::default()
        };
        progress.next_primary_size = progress.smallest_pending_size(therapy);
        progress
    }

    /// Whether every regimen has given its first dose (true without
    /// regimens): from then on a site growing back to the detectable size
    /// is a relapse.
    pub(super) fn every_regimen_dosed(&self) -> bool {
        self.regimens_dosed.iter().all(|&dosed| dosed)
    }

    fn smallest_pending_size(&self, therapy: &Therapy) -> u64 {
        let surgery = match therapy.surgery {
            Some(s) if !self.surgery_scheduled => match s.at {
                SurgeryAt::PrimarySize(n) => n,
                SurgeryAt::Day(_) => u64::MAX,
            },
            _ => u64::MAX,
        };
        let regimens = therapy
            .regimens
            .iter()
            .zip(&self.regimens_started)
            .filter_map(|(r, &started)| match r.start {
                RegimenStart::PrimarySize(n) if !started => Some(n),
                _ => None,
            })
            .min()
            .unwrap_or(u64::MAX);
        surgery.min(regimens)
    }
}

impl CascadeState {
    /// When therapy began: the first surgery or dose.
    pub fn therapy_started_at(&self) -> Option<Time> {
        self.therapy.started_at
    }

    /// When the first site relapsed (see [`super::Site::relapsed_at`]).
    pub fn relapse(&self) -> Option<Time> {
        self.therapy.relapse
    }

    /// The metastases at or above the detection size just before the
    /// surgery; `None` without a surgery so far.
    pub fn detectable_at_surgery(&self) -> Option<u64> {
        self.therapy.detectable_at_surgery
    }

    /// The first time after the surgery that a site below the detection
    /// size at the surgery (or founded after it) reached that size: a
    /// metastasis, or the primary growing back from cells left behind;
    /// counted whether or not it is a [`relapse`](Self::relapse) (say, the
    /// detection that starts a `FirstDetection` regimen). `None` without a
    /// surgery or such a detection.
    pub fn detected_after_surgery(&self) -> Option<Time> {
        self.therapy.detected_after_surgery
    }

    /// The solitary and dormant cells per organ just before the surgery and
    /// each dose, in the order they came.
    pub fn solitary_census(&self) -> &[SolitaryCensus] {
        &self.therapy.solitary_census
    }

    /// The solitary and dormant cells per organ now (the pools as they
    /// are: in cohort mode, read after a settle), as taken at `occasion`
    /// on `day`.
    pub fn census_now(&self, occasion: Occasion, day: f64) -> SolitaryCensus {
        let organs = self.config.organs.len();
        let (mut solitary_cells, mut dormant_cells) = (vec![0; organs], vec![0; organs]);
        for (key, cells) in self.pool_entries() {
            match key.compartment {
                Compartment::Solitary => solitary_cells[key.organ.index()] += cells,
                Compartment::Dormant => dormant_cells[key.organ.index()] += cells,
                Compartment::InTransit | Compartment::Arrested => {}
            }
        }
        SolitaryCensus {
            day,
            occasion,
            solitary_cells,
            dormant_cells,
        }
    }

    /// Takes the census at `occasion`, now (cohort mode's counts brought
    /// to now first).
    fn take_census<U>(
        &mut self,
        occasion: Occasion,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.settle_pools(ctx)?;
        let census = self.census_now(occasion, ctx.now().days());
        self.therapy.solitary_census.push(census);
        Ok(())
    }

    /// Whether the model stopped the run at a relapse
    /// ([`Therapy::stop_at_relapse`]).
    pub fn stopped_at_relapse(&self) -> bool {
        self.therapy.stopped_at_relapse
    }

    /// Whether cells of `clone` count as resistant to `drug`: the clone's
    /// sensitivity is at most the drug's resistant sensitivity (false for a
    /// drug the configuration does not have, and for a clone that died out
    /// and whose phenotype was forgotten: it has no cells to count).
    pub fn is_resistant(&self, clone: CloneId, drug: DrugId) -> bool {
        let phenotype = self.lineage.clone_of(clone).phenotype();
        self.config
            .therapy
            .drugs
            .get(drug.index())
            .zip(phenotype)
            .is_some_and(|(d, p)| p.sensitivity(drug) <= d.resistant_sensitivity)
    }

    /// Before `clone`'s phenotype is forgotten: the drugs it resists keep
    /// its birth if it is the first resistant clone among the forgotten
    /// ([`first_resistant_at`](Self::first_resistant_at)).
    pub(super) fn remember_resistance(&mut self, clone: CloneId) {
        let drugs = self.config.therapy.drugs.len();
        let born_at = self.lineage.clone_of(clone).born_at;
        for d in 0..drugs {
            if !self.is_resistant(clone, DrugId(d as u32)) {
                continue;
            }
            let first = &mut self.therapy.forgotten_resistant_at;
            if first.len() < drugs {
                first.resize(drugs, None);
            }
            if first[d].is_none_or(|t| born_at < t) {
                first[d] = Some(born_at);
            }
        }
    }

    /// The cells resistant to `drug` just before its first dose (counted as
    /// [`resistant_cells`](Self::resistant_cells), the sites brought up to
    /// date); `None` if it has not been given.
    pub fn resistant_at_first_dose(&self, drug: DrugId) -> Option<u64> {
        let counts = &self.therapy.resistant_at_first_dose;
        counts.get(drug.index()).copied().flatten()
    }

    /// The cells resistant to `drug` just before the surgery (as
    /// [`resistant_at_first_dose`](Self::resistant_at_first_dose)); `None`
    /// without a surgery so far.
    pub fn resistant_at_surgery(&self, drug: DrugId) -> Option<u64> {
        let counts = self.therapy.resistant_at_surgery.as_ref()?;
        counts.get(drug.index()).copied()
    }

    /// The cells alive everywhere (sites, pools, clumps) just before the
    /// first dose of any drug, the sites brought up to date; `None` before
    /// a dose. With a regimen started at a primary size and stepped growth
    /// it is the size the tumour had reached at the step that started it,
    /// a little above the trigger.
    pub fn cells_at_first_dose(&self) -> Option<u64> {
        self.therapy.cells_at_first_dose
    }

    /// When the first clone resistant to `drug` arose: 0 if a founder is
    /// resistant, the birth of the first resistant mutant otherwise (whether
    /// or not it lived on); `None` if none has arisen.
    pub fn first_resistant_at(&self, drug: DrugId) -> Option<Time> {
        // Clones are in order of appearance: the first resistant one is
        // the earliest; those whose phenotype was forgotten kept theirs.
        let kept = (self.lineage.iter())
            .find(|clone| self.is_resistant(clone.id, drug))
            .map(|clone| clone.born_at);
        let forgotten = (self.therapy.forgotten_resistant_at)
            .get(drug.index())
            .copied()
            .flatten();
        match (kept, forgotten) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Living cells resistant to `drug`, everywhere (sites, pools, clumps);
    /// 0 for a drug the configuration does not have.
    pub fn resistant_cells(&self, drug: DrugId) -> u64 {
        self.lineage
            .iter()
            .zip(self.alive_by_clone())
            .filter(|(clone, _)| self.is_resistant(clone.id, drug))
            .map(|(_, n)| n)
            .sum()
    }

    /// Schedules what therapy has at set days, and starts what the
    /// primary's size at time zero already calls for.
    pub(super) fn schedule_therapy<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let therapy = &self.config.therapy;
        if let Some(surgery) = therapy.surgery
            && let SurgeryAt::Day(day) = surgery.at
            && let Some(primary) = self.primary()
        {
            ctx.schedule_at(
                Time::new(day)?,
                CascadeEvent::PrimaryResected { site: primary },
            )?;
            self.therapy.surgery_scheduled = true;
        }
        for (i, regimen) in therapy.regimens.iter().enumerate() {
            if let RegimenStart::Day(day) = regimen.start {
                ctx.schedule_at(
                    Time::new(day)?,
                    CascadeEvent::RegimenStarted { regimen: i as u32 },
                )?;
                self.therapy.regimens_started[i] = true;
            }
        }
        if let Some(primary) = self.primary() {
            self.note_therapy_sizes(primary, ctx)?;
        }
        Ok(())
    }

    fn primary(&self) -> Option<SiteId> {
        (self.places.sites().iter())
            .find(|s| s.kind == SiteKind::Primary)
            .map(|s| s.id)
    }

    /// After a site's size grew: a relapse, or a size that starts surgery or
    /// a regimen.
    pub(super) fn note_therapy_sizes<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now();
        let treated = self.therapy.every_regimen_dosed();
        let s = self.places.site(site);
        if s.awaiting_relapse && s.size >= self.config.detection_size {
            // Before every regimen has given a dose (say, the detection
            // that starts a FirstDetection regimen after surgery) a site
            // reaching the detectable size is disease still to treat, not a
            // relapse after treatment.
            if self.therapy.detectable_at_surgery.is_some() {
                self.therapy.detected_after_surgery.get_or_insert(now);
            }
            self.places.note_site(site, |s| {
                s.awaiting_relapse = false;
                if treated {
                    s.relapsed_at.get_or_insert(now);
                }
            });
            if treated {
                ctx.schedule_at(now, CascadeEvent::RelapseDetected { site })?;
            }
        }
        let s = self.places.site(site);
        if s.kind != SiteKind::Primary || s.size < self.therapy.next_primary_size {
            return Ok(());
        }
        let size = s.size;
        if let Some(surgery) = self.config.therapy.surgery
            && let SurgeryAt::PrimarySize(n) = surgery.at
            && !self.therapy.surgery_scheduled
            && size >= n
        {
            ctx.schedule_at(now, CascadeEvent::PrimaryResected { site })?;
            self.therapy.surgery_scheduled = true;
        }
        self.start_regimens_where(
            |start| matches!(start, RegimenStart::PrimarySize(n) if size >= n),
            ctx,
        )?;
        self.therapy.next_primary_size = self.therapy.smallest_pending_size(&self.config.therapy);
        Ok(())
    }

    /// Starts the regimens that start with `start` (surgery, or the first
    /// detection) and have not started.
    pub(super) fn start_regimens<U>(
        &mut self,
        start: RegimenStart,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.start_regimens_where(|s| s == start, ctx)
    }

    /// Starts now the regimens whose start `starts` accepts and that have
    /// not started.
    fn start_regimens_where<U>(
        &mut self,
        starts: impl Fn(RegimenStart) -> bool,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now();
        for (i, regimen) in self.config.therapy.regimens.iter().enumerate() {
            if starts(regimen.start) && !self.therapy.regimens_started[i] {
                ctx.schedule_at(now, CascadeEvent::RegimenStarted { regimen: i as u32 })?;
                self.therapy.regimens_started[i] = true;
            }
        }
        Ok(())
    }

    /// A regimen started: schedules its doses.
    pub(super) fn schedule_doses<U>(
        &mut self,
        regimen: u32,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let r = &self.config.therapy.regimens[regimen as usize];
        for (k, &offset) in r.offsets.iter().enumerate() {
            let at = ctx.now().after(r.delay + offset)?;
            ctx.schedule_at(
                at,
                CascadeEvent::DoseGiven {
                    regimen,
                    dose: k as u32,
                },
            )?;
        }
        Ok(())
    }

    /// Surgery: removes the primary's cells but those left behind, and
    /// stops its shedding.
    pub(super) fn resect<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let now = ctx.now();
        let Some(surgery) = self.config.therapy.surgery else {
            return Ok(());
        };
        if self.places.site(site).resected_at.is_some() {
            return Ok(());
        }
        self.catch_up_sites(ctx)?;
        self.take_census(Occasion::Surgery, ctx)?;
        self.therapy.started_at.get_or_insert(now);
        if self.therapy.resistant_at_surgery.is_none() {
            let drugs = 0..self.config.therapy.drugs.len();
            let counts = drugs.map(|d| self.resistant_cells(DrugId(d as u32)));
            self.therapy.resistant_at_surgery = Some(counts.collect());
        }
        if self.therapy.detectable_at_surgery.is_none() {
            let detection = self.config.detection_size;
            let detectable = self.metastases().filter(|s| s.size >= detection).count();
            self.therapy.detectable_at_surgery = Some(detectable as u64);
        }
        let removal = 1.0 - surgery.left_behind;
        let removed = self.remove_from_site(site, ctx, &|_, _| removal, Removal::Surgery)?;
        self.places.note_site(site, |s| s.resected_at = Some(now));
        // A resected site sheds no more: its clock changes even when no
        // cell was removed.
        let resected = removed.unwrap_or_else(|| self.places.change_site(site, |_| {}));
        self.redraw(resected, ctx)?;
        self.await_relapse();
        self.start_regimens(RegimenStart::Surgery, ctx)
    }

    /// A dose: each drug of the dose's group in turn.
    pub(super) fn give_dose<U>(
        &mut self,
        regimen: u32,
        dose: u32,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.catch_up_sites(ctx)?;
        self.take_census(Occasion::Dose { regimen, dose }, ctx)?;
        self.therapy.started_at.get_or_insert(ctx.now());
        self.therapy.regimens_dosed[regimen as usize] = true;
        if self.therapy.cells_at_first_dose.is_none() {
            self.therapy.cells_at_first_dose = Some(self.alive_by_clone().iter().sum());
        }
        let cycle = &self.config.therapy.regimens[regimen as usize].cycle;
        let group = cycle[dose as usize % cycle.len()].clone();
        // Counted for every drug of the dose before any of them kills.
        for &drug in &group {
            self.note_first_dose(drug);
        }
        for drug in group {
            self.apply_drug(drug, ctx)?;
        }
        self.await_relapse();
        Ok(())
    }

    /// Notes the cells resistant to `drug` if this is its first dose.
    fn note_first_dose(&mut self, drug: DrugId) {
        let counts = &mut self.therapy.resistant_at_first_dose;
        if counts.len() <= drug.index() {
            counts.resize(drug.index() + 1, None);
        }
        if counts[drug.index()].is_none() {
            let resistant = self.resistant_cells(drug);
            self.therapy.resistant_at_first_dose[drug.index()] = Some(resistant);
        }
    }

    fn apply_drug<U>(
        &mut self,
        drug: DrugId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let d = &self.config.therapy.drugs[drug.index()];
        let (log_kill, cycle_specific) = (d.log_kill, d.cycle_specific);
        let kill = |state: &CascadeState, clone: CloneId| {
            kill_probability(log_kill, state.lineage.phenotype(clone).sensitivity(drug))
        };
        for index in 0..self.places.sites().len() {
            let site = SiteId(index as u32);
            if self.places.site(site).size == 0 {
                continue;
            }
            if let Some(killed) = self.remove_from_site(site, ctx, &kill, Removal::Drug)? {
                self.redraw(killed, ctx)?;
            }
        }
        // Cohort mode's doomed cells, up to date, then the followed ones.
        self.kill_doomed(
            ctx,
            |compartment| !cycle_specific || compartment == Compartment::Solitary,
            &kill,
        )?;
        let keys: Vec<_> = (self.places.pools().iter())
            .filter(|(k, p)| {
                p.cells > 0 && (!cycle_specific || k.compartment == Compartment::Solitary)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            let cells = self.places.pools()[&key].cells;
            let killed = draw_binomial(cells, kill(self, key.clone), ctx, THERAPY)?;
            if killed > 0 {
                let pick = |n| super::pick_below(n, ctx.rng(super::PROVENANCE));
                let stale = self.places.remove_from_pool(key, killed, pick);
                self.book_kills(key, killed);
                self.redraw(stale, ctx)?;
            }
        }
        Ok(())
    }

    /// Books `killed` cells of pool `key` killed by a dose: the clone's
    /// ledger and the funnel's kills in that compartment and organ.
    pub(super) fn book_kills(&mut self, key: PoolKey, killed: u64) {
        self.records.add(Count::Killed(key.clone), killed);
        let counter: fn(&mut Funnel) -> &mut u64 = match key.compartment {
            Compartment::InTransit => |f| &mut f.killed_in_circulation,
            Compartment::Arrested => |f| &mut f.killed_in_vessel,
            Compartment::Solitary => |f| &mut f.killed_in_parenchyma,
            Compartment::Dormant => |f| &mut f.killed_dormant,
        };
        self.records
            .add(Count::Funnel(key.clone, key.organ, counter), killed);
    }

    /// Removes each cell of `site` with the probability of its clone
    /// (surgery's removal share, or the drug's kill probability), and books
    /// the cells removed. Returns the changed site, if any cell went.
    fn remove_from_site<U>(
        &mut self,
        site: SiteId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
        probability: &dyn Fn(&CascadeState, CloneId) -> f64,
        removal: Removal,
    ) -> Result<Option<Stale>, CascadeError> {
        let now = ctx.now();
        let mut gone = Vec::new();
        for &(clone, cells) in &self.places.site(site).cells {
            gone.push(draw_binomial(
                cells,
                probability(self, clone),
                ctx,
                THERAPY,
            )?);
        }
        if gone.iter().all(|&n| n == 0) {
            return Ok(None);
        }
        for (&(clone, _), &n) in self.places.site(site).cells.iter().zip(&gone) {
            let count = match removal {
                Removal::Surgery => Count::Removed(clone),
                Removal::Drug => Count::Killed(clone),
            };
            self.records.add(count, n);
        }
        Ok(Some(self.places.change_site(site, |s| {
            for (entry, n) in s.cells.iter_mut().zip(gone) {
                entry.1 -= n;
            }
            s.cells.retain(|&(_, n)| n > 0);
            s.size = s.cells.iter().map(|&(_, n)| n).sum();
            if s.size == 0 && s.extinct_at.is_none() {
                s.extinct_at = Some(now);
            }
        })))
    }

    /// After surgery or a dose: every site below the detectable size now
    /// relapses if it reaches it.
    fn await_relapse(&mut self) {
        let detection = self.config.detection_size;
        self.places.note_sites(|s| {
            if s.size < detection {
                s.awaiting_relapse = true;
            }
        });
    }

    /// The daughter of a division, made resistant to each drug it is
    /// sensitive to with the drug's resistance probability (each a new
    /// clone, a mutant of the one before).
    pub(super) fn resistance_mutations<U>(
        &mut self,
        daughter: CloneId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<CloneId, CascadeError> {
        self.resistance_mutations_from(daughter, 0, ctx)
    }

    /// [`resistance_mutations`](Self::resistance_mutations) for the drugs
    /// from index `first` on.
    pub(super) fn resistance_mutations_from<U>(
        &mut self,
        daughter: CloneId,
        first: usize,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<CloneId, CascadeError> {
        let mut daughter = daughter;
        for index in first..self.config.therapy.drugs.len() {
            let drug = DrugId(index as u32);
            let probability = self.config.therapy.drugs[index].resistance_probability;
            if probability == 0.0 || self.is_resistant(daughter, drug) {
                continue;
            }
            if Bernoulli::new(probability)?.sample(ctx.rng(RESISTANCE)) {
                daughter = self.resistant_mutant(daughter, drug, ctx.now());
            }
        }
        Ok(daughter)
    }

    /// A new clone, a mutant of `parent` born `now` with its sensitivity
    /// to `drug` set to the drug's resistant sensitivity.
    pub(super) fn resistant_mutant(&mut self, parent: CloneId, drug: DrugId, now: Time) -> CloneId {
        let resistant = self.config.therapy.drugs[drug.index()].resistant_sensitivity;
        let mut phenotype = self.lineage.phenotype(parent).clone();
        phenotype.set_sensitivity(drug, resistant);
        let mutant = self.lineage.add_mutant(parent, now, phenotype);
        self.new_clone_rows();
        mutant
    }
}

/// Why cells leave a site outside the model's own fates.
#[derive(Copy, Clone)]
enum Removal {
    Surgery,
    Drug,
}
