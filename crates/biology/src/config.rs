//! The validated description of a run: organs, clones, the primary tumour
//! or injection protocol, and the model's options.
//!
//! This is the domain's own configuration, built by code or by the runner
//! from a scenario file; [`CascadeConfig::validate`] refuses anything the
//! model cannot run, naming the field.

use serde::{Deserialize, Serialize};

use crate::angiogenesis::AngiogenicSwitch;
use crate::clones::{CloneId, GrowthRates, MutationEffect, OrganAffinity, Phenotype};
use crate::organs::{Entry, OrganId, OrganSet};
use crate::therapy::{RegimenStart, SurgeryAt, Therapy};

pub use crate::clump_behaviour::{ClumpBehaviour, ClumpFormation, ClumpFounding, OtherCells};
pub use crate::reseeding::Reseeding;
pub use error::ConfigError;

pub(crate) mod error;

/// How a site's birth rate depends on its size `x` (total cells) and its
/// carrying capacity `K`. With `b` the clone's birth rate times the soil's
/// multipliers and `d` its death rate, the per-cell birth rate is:
///
/// * `Exponential`: `b` (no limit; `K` is not used);
/// * `Logistic`: `d + (b − d)(1 − x/K)`, so that the mean follows
///   `dx/dt = r·x·(1 − x/K)` with `r = b − d`;
/// * `Gompertz`: `d + (b − d)·ln(K/x)/ln K`, so that the mean follows
///   `dx/dt = a·x·ln(K/x)` with `a = r / ln K` (the law Iwata, Kawasaki and
///   Shigesada 2000 fit to a human primary; `docs/references.md#growth`): a
///   single cell's net rate is the clone's `r`.
///
/// Above capacity (`x > K`, where the factor after `(b − d)` is negative)
/// the per-cell birth rate is the formula's capped at `b` and floored at 0:
/// `max(0, min(b, formula))`. Below or at `K` it is the formula's, floored at
/// 0 (it lies between `b` and `d` there). The cap matters for a declining
/// clone (`b < d`): the formula alone would exceed `d` above `K`, so a site
/// above capacity would grow without bound; with it, above `K` births never
/// outpace the clone's own birth rate and such a site shrinks. For `b ≥ d`
/// the formula is below `d ≤ b` above `K` and the cap changes nothing.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrowthLaw {
    /// Unlimited growth.
    Exponential,
    /// Logistic growth to `K`.
    Logistic,
    /// Gompertz growth to `K`.
    #[default]
    Gompertz,
}

impl GrowthLaw {
    /// The per-cell birth rate at size `size` of a clone with (soil-adjusted)
    /// birth rate `birth` and death rate `death`, in a site of capacity
    /// `capacity`: the formula of the law, never negative, and above
    /// capacity never above `birth` (see [`GrowthLaw`]).
    pub fn birth_rate(self, birth: f64, death: f64, size: u64, capacity: f64) -> f64 {
        let log_capacity = match self {
            GrowthLaw::Gompertz => libm::log(capacity),
            GrowthLaw::Exponential | GrowthLaw::Logistic => 0.0,
        };
        self.birth_rate_at(birth, death, &self.size_terms(size, capacity, log_capacity))
    }

    /// What [`birth_rate_at`](Self::birth_rate_at) needs of a site's size
    /// and capacity, computed once for all the site's clones at that size
    /// (`log_capacity` is `ln capacity`, used by Gompertz growth only).
    pub(crate) fn size_terms(self, size: u64, capacity: f64, log_capacity: f64) -> SizeTerms {
        let x = size.max(1) as f64;
        let log_ratio = match self {
            GrowthLaw::Gompertz => libm::log(capacity / x),
            GrowthLaw::Exponential | GrowthLaw::Logistic => 0.0,
        };
        SizeTerms {
            x,
            capacity,
            log_ratio,
            log_capacity,
        }
    }

    /// [`birth_rate`](Self::birth_rate) with the size's terms computed
    /// beforehand: the same formula, operation by operation, so the same
    /// bits.
    pub(crate) fn birth_rate_at(self, birth: f64, death: f64, terms: &SizeTerms) -> f64 {
        let SizeTerms {
            x,
            capacity,
            log_ratio,
            log_capacity,
        } = *terms;
        let rate = match self {
            GrowthLaw::Exponential => return birth.max(0.0),
            GrowthLaw::Logistic => death + (birth - death) * (1.0 - x / capacity),
            GrowthLaw::Gompertz => death + (birth - death) * log_ratio / log_capacity,
        };
        if x > capacity {
            rate.min(birth).max(0.0)
        } else {
            rate.max(0.0)
        }
    }
}

/// A site's size and capacity as a growth law's birth rate reads them:
/// the size as a float (at least 1), and for Gompertz growth `ln(K / x)`
/// and `ln K` (the same for every clone of a site at one size).
#[derive(Copy, Clone, Debug)]
pub(crate) struct SizeTerms {
    x: f64,
    capacity: f64,
    log_ratio: f64,
    log_capacity: f64,
}

/// How cells leave a site for the blood.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shedding {
    /// Each cell is shed at its clone's `shedding_rate` per day.
    PerCell,
    /// The site sheds `coefficient · x^exponent` cells per day in total (x its
    /// size; Iwata, Kawasaki & Shigesada 2000: m = 5.3×10⁻⁸ /day,
    /// α ≈ 2/3, `docs/references.md#growth`), split among its clones in
    /// proportion to cells × `shedding_rate`.
    SizePower {
        /// m, cells per day at size 1.
        coefficient: f64,
        /// α.
        exponent: f64,
    },
}

/// A founding clone, as the scenario names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoundingClone {
    /// Its name: non-empty, unique, without '.' (mutants are named
    /// `<parent>.<n>`).
    pub name: String,
    /// What its cells do.
    pub phenotype: Phenotype,
}

/// The primary tumour at time zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrimaryTumour {
    /// Where it grows.
    pub organ: OrganId,
    /// Its cells per founding clone.
    pub cells: Vec<(CloneId, u64)>,
    /// How it grows.
    pub growth_law: GrowthLaw,
    /// Its carrying capacity, in cells.
    pub carrying_capacity: f64,
}

/// An experimental injection of cells into a vein.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Injection {
    /// When, in days.
    pub day: f64,
    /// Where the cells enter the blood (a named vein of the organ set).
    pub entry: Entry,
    /// Cells per clone.
    pub cells: Vec<(CloneId, u64)>,
    /// `Some(k)` with `k ≥ 2`: the cells are injected as clumps of `k`
    /// cells. All the injection's cells, every clone together, are dealt
    /// into `⌊n/k⌋` clumps, each a draw of `k` cells without replacement
    /// from the mix (so mixing two clones gives mixed clumps); the
    /// remaining `n mod k` cells are injected as single cells. `None` or
    /// `Some(1)`: single cells, as without this field. `Some(0)` is
    /// refused. See `docs/model.md`, Clumps.
    #[serde(default)]
    pub clump_size: Option<u64>,
}

impl Injection {
    /// The clump size if the cells are injected as clumps (`k ≥ 2`), `None`
    /// for single cells.
    pub fn clumps_of(&self) -> Option<u64> {
        self.clump_size.filter(|&k| k >= 2)
    }

    /// Cells the injection deals into clumps: `⌊n/k⌋·k` of its `n` cells,
    /// 0 for single cells.
    pub fn clumped_cells(&self) -> u64 {
        let Some(k) = self.clumps_of() else {
            return 0;
        };
        let n = self
            .cells
            .iter()
            .fold(0u64, |total, &(_, count)| total.saturating_add(count));
        n / k * k
    }
}

/// Everything the cascade model needs for one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CascadeConfig {
    /// Organs and the vascular graph.
    pub organs: OrganSet,
    /// The founding clones; [`CloneId`]s index this list.
    pub clones: Vec<FoundingClone>,
    /// The primary tumour, if any.
    pub primary: Option<PrimaryTumour>,
    /// Injections, in any order.
    pub injections: Vec<Injection>,
    /// Days at which colonies are counted in every organ (the laboratory
    /// harvest).
    pub harvest_days: Vec<f64>,
    /// Days at which the burden per organ and the clonal composition of
    /// every site are recorded.
    pub observation_days: Vec<f64>,
    /// On those days, the clones holding at least this share of their
    /// site's cells are listed with their cells (what a Muller plot
    /// draws), in (0, 1]; default
    /// [`DEFAULT_CLONE_SHARE_OBSERVED`].
    #[serde(default = "default_clone_share_observed")]
    pub clone_share_observed: f64,
    /// How metastases grow (their capacity is their organ's).
    pub metastasis_growth_law: GrowthLaw,
    /// How sites shed cells.
    pub shedding: Shedding,
    /// How mutants differ from their parents.
    pub mutation_effect: MutationEffect,
    /// Mean time, in days, for a circulating cell to reach the next
    /// capillary bed (default one minute).
    pub transit_time: f64,
    /// A metastasis of at least this many cells is detectable.
    pub detection_size: u64,
    /// A metastasis of at least this many cells is a macrometastasis; a
    /// harvest counts these as colonies.
    pub macrometastasis_size: u64,
    /// Surgery, drugs and their schedules (none by default).
    #[serde(default)]
    pub therapy: Therapy,
    /// Stepped growth of large sites; `None` (the default): every birth,
    /// death and shedding is an event of its own.
    #[serde(default)]
    pub growth_steps: Option<GrowthSteps>,
    /// How the cells outside the sites are followed: one by one (the
    /// default) or as exact cohorts.
    #[serde(default)]
    pub pool_mode: PoolMode,
    /// Micrometastatic dormancy and the angiogenic switch
    /// ([`crate::angiogenesis`]); `None` (the default): every metastasis
    /// grows from its founding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub angiogenic_switch: Option<AngiogenicSwitch>,
    /// What clumps' cells do differently from single cells (default: the
    /// same; `docs/tumour-cell-clusters.md`).
    #[serde(default)]
    pub clumps: ClumpBehaviour,
    /// Reseeding and the primary's self-seeding ([`crate::reseeding`]);
    /// `None` (the default): no circulating cell joins a lesion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reseeding: Option<Reseeding>,
}

/// How the cells outside the sites (in the blood and in the organs, before
/// they found a colony) are followed.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolMode {
    /// Every transition of every cell is an event (the reference
    /// semantics).
    #[default]
    PerCell,
    /// Exact cohorts (`crate::model` module docs, Cohorts): the cells that
    /// will found a colony are drawn when they enter the blood and followed
    /// one by one; the others move as counts, by the exact transition law
    /// of their chain, brought up to date only when something looks at
    /// them. Same distribution as [`PoolMode::PerCell`] for every
    /// observable but three funnel counters (passes through a bed, entries
    /// into and exits from dormancy), which only the followed cells count.
    Cohorts,
}

/// Stepped growth of large sites: a site of at least `threshold` cells
/// advances by steps of `step` days on a grid shared by every stepped site.
/// Each step is *counted* (`docs/model.md`, Stepped growth): per clone, its
/// count at the step's end is drawn from the exact transition law of the
/// linear birth–death process with the step's rates (divisions that stay
/// in the clone; deaths and sheddings as removals), those that depend on
/// the site's size (logistic or Gompertz growth, size-power shedding)
/// taken at the size of the step's middle on the deterministic path; the
/// removals, split into deaths and sheddings, and the daughters of other
/// clones are Poisson counts of their rate times the clone's cell-days on
/// the exponential path through the step's two ends, and the shed cells
/// enter the blood at the step's end. Where rates are constant, a site may
/// instead step exactly, every emission an event of its own
/// ([`ConstantRates`]). A site that falls below half the threshold goes
/// back to single events, so small colonies, extinction and founding stay
/// exact. Approximate where rates depend on the size (they are held over
/// the step), in the emissions' counts given the ends and in the days
/// sizes are looked at; the errors are measured in `docs/performance.md`
/// (Exact-law steps for size-dependent rates).
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrowthSteps {
    /// Days per step, > 0.
    pub step: f64,
    /// Cells at which a site starts stepping, at least 2.
    pub threshold: u64,
    /// How a site steps where its clones' rates are constant
    /// (exponential growth and per-cell shedding): exactly where that is
    /// cheap (the default), always exactly, or counted like the others.
    #[serde(default)]
    pub constant_rates: ConstantRates,
}

/// How a stepped site whose clones' per-cell rates do not depend on its
/// size (the `Exponential` growth law, `Shedding::PerCell`) advances.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstantRates {
    /// Exactly while the site's clones are expected to emit (shed cells,
    /// daughters of other clones) at most [`AUTO_EMISSIONS_PER_STEP`] in a
    /// step, by counted steps above: chosen again at every step, from the
    /// counts then.
    #[default]
    Auto,
    /// Always by the exact law of the linear birth–death process
    /// (`docs/model.md`, Exact steps where rates are constant): each
    /// clone's count is
    /// drawn from its transition law when the site is looked at (on the
    /// grid of `step`, and at harvests, doses, new rates and the end), and
    /// every cell it sheds and every daughter of another clone is an event
    /// at its own time. The counts, the shed cells and the mutants have the
    /// law of single events; sizes are looked at on the grid, as in
    /// counted steps; and the ledger's births and deaths inside an interval
    /// (which nothing else reads) are drawn around their mean given its
    /// ends. Its cost grows with the cells shed and the mutants, not the
    /// divisions: a site that sheds 10⁸ cells a day costs 10⁸ events a day.
    Exact,
    /// Counted steps, as for size-dependent rates: where rates are
    /// constant, each clone's count at a step's end has the law of single
    /// events at any step; what it emits is counted, and its shed cells
    /// enter the blood at the step's end. `Leaped`, the name of the
    /// τ-leaping this replaced, is read as `Counted`.
    #[serde(alias = "Leaped")]
    Counted,
}

/// With [`ConstantRates::Auto`], a site steps exactly while its clones
/// are expected to emit at most this many cells in a step (the sum over
/// its clones of cells × emission rate × step).
pub const AUTO_EMISSIONS_PER_STEP: f64 = 1000.0;

/// A placeholder phenotype: no published value stands behind these rates
/// (they are to be calibrated in the validation issue), except where a doc
/// comment cites `docs/references.md`.
pub fn default_phenotype(organs: &OrganSet) -> Phenotype {
    let rates = GrowthRates {
        // Placeholder: net 0.4/day, a doubling time of 1.7 days (B16-like).
        birth_rate: 0.7,
        death_rate: 0.3,
        // Harris et al. 1982 (`docs/references.md#heterogeneity-and-clonality`):
        // metastatic variants arise at about 1e-5 per cell per generation.
        mutation_probability: 1e-5,
    };
    Phenotype {
        in_primary: rates,
        in_metastases: rates,
        // Butler & Gullino 1975 (`docs/references.md#metastatic-inefficiency`):
        // 3.2e6 cells shed per gram per day, 1 g ≈ 1e9 cells.
        shedding_rate: 3.2e-3,
        shedding_rate_in_metastases: None,
        // Meng et al. 2004 (`docs/references.md#circulation-dormancy-kinetics`):
        // half-life of circulating tumour cells 1 to 2.4 h; ln 2 / 1.7 h =
        // 9.8 per day.
        circulation_death_rate: core::f64::consts::LN_2 / (1.7 / 24.0),
        affinity: vec![OrganAffinity::NEUTRAL; organs.len()],
        // Neutral: colonisation as the organ's alone (`docs/colonisation.md`).
        solitary_division_multiplier: 1.0,
        sensitivity: Vec::new(),
    }
}

/// The share of a site's cells a clone must hold to be listed in the
/// clonal composition on an observation day
/// ([`CascadeConfig::clone_share_observed`]) unless the configuration says
/// otherwise: 1%.
pub const DEFAULT_CLONE_SHARE_OBSERVED: f64 = 0.01;

fn default_clone_share_observed() -> f64 {
    DEFAULT_CLONE_SHARE_OBSERVED
}

impl CascadeConfig {
    /// A configuration with these organs and founding clones, no primary,
    /// no injections, and the documented defaults for everything else.
    pub fn new(organs: OrganSet, clones: Vec<FoundingClone>) -> Self {
        CascadeConfig {
            organs,
            clones,
            primary: None,
            injections: Vec::new(),
            harvest_days: Vec::new(),
            observation_days: Vec::new(),
            clone_share_observed: default_clone_share_observed(),
            metastasis_growth_law: GrowthLaw::Gompertz,
            shedding: Shedding::PerCell,
            mutation_effect: MutationEffect::NONE,
            transit_time: 1.0 / 1440.0,
            // 1 cm³ ≈ 1e9 cells
            // (`docs/references.md#circulation-dormancy-kinetics`: "common
            // convention", M): a clinically detectable lesion.
            detection_size: 1_000_000_000,
            // 1 mm³ ≈ 1e6 cells (same row).
            macrometastasis_size: 1_000_000,
            therapy: Therapy::default(),
            growth_steps: None,
            pool_mode: PoolMode::PerCell,
            angiogenic_switch: None,
            clumps: ClumpBehaviour::default(),
            reseeding: None,
        }
    }

    /// The organ named `name`, or the error at `path` saying which organs
    /// the scenario has (with a did-you-mean): for an organ an extension's
    /// parameters or events name.
    ///
    /// # Errors
    ///
    /// A name that is not one of the organs'.
    pub fn organ_named(&self, name: &str, path: &str) -> Result<OrganId, ConfigError> {
        self.organs.id(name).ok_or_else(|| {
            let names = self.organs.names();
            let hint = crate::organs::nearest(name, &names)
                .map(|close| format!(" (did you mean \"{close}\"?)"))
                .unwrap_or_default();
            let valid: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
            ConfigError::new(
                path,
                format!("{name:?}"),
                format!("an organ of the scenario{hint}: {}", valid.join(", ")),
            )
        })
    }

    /// Checks every field. Besides ranges, founding clone names must be
    /// unique, non-empty and without '.' (a mutant is named
    /// `<parent>.<n>`, so a founder named like one could clash with it), the
    /// cells seeded are at most [`MAX_CELLS`] per primary, per injection
    /// and in all, an injection's clump size is not 0, and the cells dealt
    /// into clumps are at most [`MAX_CLUMPED_CELLS`] in all.
    ///
    /// # Errors
    ///
    /// The first invalid field, with its path (for example
    /// `clones[0].phenotype.in_primary.birth_rate`), its value and what
    /// would be valid.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_clones()?;
        self.validate_cells()?;
        self.validate_days_and_laws()?;
        self.validate_sizes()?;
        self.validate_angiogenic_switch()?;
        self.clumps.validate()?;
        self.validate_reseeding()?;
        self.validate_therapy()
    }

    /// The angiogenic switch's fields, and the refusal of a switch with
    /// stepped growth (which does not do it).
    fn validate_angiogenic_switch(&self) -> Result<(), ConfigError> {
        let Some(switch) = &self.angiogenic_switch else {
            return Ok(());
        };
        if self.growth_steps.is_some() {
            return Err(ConfigError::new(
                "angiogenic_switch",
                "a switch with stepped growth",
                "no angiogenic switch, or mode: Exact (only the exact mode does \
                 dormant avascular colonies and their switch)",
            ));
        }
        let clones = self.clones.len();
        switch.validate("angiogenic_switch", self.organs.len(), clones)
    }

    /// Reseeding's fields, and its refusal with cohort pools and stepped
    /// growth (`docs/reseeding.md` says why).
    fn validate_reseeding(&self) -> Result<(), ConfigError> {
        let Some(reseeding) = &self.reseeding else {
            return Ok(());
        };
        if self.pool_mode == PoolMode::Cohorts {
            return Err(ConfigError::new(
                "reseeding",
                "reseeding with cohort pools",
                "no reseeding, or pools: PerCell (cohort pools follow only the cells that \
                 will found a colony, by chains that cannot know whether a lesion will be \
                 in the bed when a cell extravasates)",
            ));
        }
        if self.growth_steps.is_some() {
            return Err(ConfigError::new(
                "reseeding",
                "reseeding with stepped growth",
                "no reseeding, or mode: Exact (a site in steps changes its cells only at \
                 its steps)",
            ));
        }
        reseeding.validate("reseeding")
    }

    /// The founding clones: named, uniquely and without '.', with valid
    /// phenotypes.
    fn validate_clones(&self) -> Result<(), ConfigError> {
        if self.clones.is_empty() {
            return Err(ConfigError::new("clones", "[]", "at least one clone"));
        }
        let organ_count = self.organs.len();
        for (i, clone) in self.clones.iter().enumerate() {
            let path = format!("clones[{i}].phenotype");
            if clone.name.is_empty() {
                return Err(ConfigError::new(
                    format!("clones[{i}].name"),
                    "\"\"",
                    "a non-empty name",
                ));
            }
            if clone.name.contains('.') {
                return Err(ConfigError::new(
                    format!("clones[{i}].name"),
                    format!("{:?}", clone.name),
                    "a name without '.' (mutants are named <parent>.<n>)",
                ));
            }
            if let Some(j) = self.clones[..i].iter().position(|c| c.name == clone.name) {
                return Err(ConfigError::new(
                    format!("clones[{i}].name"),
                    format!("{:?}", clone.name),
                    format!("a name not already used by clones[{j}]"),
                ));
            }
            check_phenotype(&clone.phenotype, &path, organ_count)?;
        }
        Ok(())
    }

    /// The primary's and the injections' cells: known clones and organs,
    /// totals within `MAX_CELLS`, clumps within `MAX_CLUMPED_CELLS`.
    fn validate_cells(&self) -> Result<(), ConfigError> {
        let organ_count = self.organs.len();
        let clone_count = self.clones.len();
        // Checks the clones of `cells` and returns its total, at most
        // MAX_CELLS.
        let check_cells = |cells: &[(CloneId, u64)], path: &str| -> Result<u64, ConfigError> {
            let mut total: u128 = 0;
            for (k, &(clone, count)) in cells.iter().enumerate() {
                if clone.index() >= clone_count {
                    return Err(ConfigError::new(
                        format!("{path}[{k}].clone"),
                        clone.0.to_string(),
                        "one of the founding clones",
                    ));
                }
                total += u128::from(count);
            }
            check_total(total, path, "")
        };
        let mut all_cells: u128 = 0;
        let mut clumped_cells: u128 = 0;
        if let Some(primary) = &self.primary {
            if primary.organ.index() >= organ_count {
                return Err(ConfigError::new(
                    "primary.organ",
                    primary.organ.0.to_string(),
                    "an organ of the organ set",
                ));
            }
            all_cells += u128::from(check_cells(&primary.cells, "primary.cells")?);
            if primary.cells.iter().all(|&(_, n)| n == 0) {
                return Err(ConfigError::new(
                    "primary.cells",
                    "0 cells",
                    "at least one cell",
                ));
            }
            check_capacity(primary.carrying_capacity, "primary.carrying_capacity")?;
        }
        for (i, injection) in self.injections.iter().enumerate() {
            check_day(injection.day, &format!("injections[{i}].day"))?;
            if let Entry::Bed(organ) = injection.entry
                && organ.index() >= organ_count
            {
                return Err(ConfigError::new(
                    format!("injections[{i}].entry"),
                    organ.0.to_string(),
                    "an organ of the organ set",
                ));
            }
            let path = format!("injections[{i}].cells");
            all_cells += u128::from(check_cells(&injection.cells, &path)?);
            check_total(
                all_cells,
                &path,
                " with the primary's and the earlier injections'",
            )?;
            if injection.clump_size == Some(0) {
                return Err(ConfigError::new(
                    format!("injections[{i}].clump_size"),
                    "0",
                    "a clump size of at least 1 cell (1 or none: single cells; \
                     2 or more: clumps of that many cells)",
                ));
            }
            clumped_cells += u128::from(injection.clumped_cells());
            if clumped_cells > u128::from(MAX_CLUMPED_CELLS) {
                return Err(ConfigError::new(
                    format!("injections[{i}].clump_size"),
                    format!("{clumped_cells} cells dealt into clumps with the earlier injections'"),
                    format!(
                        "at most {MAX_CLUMPED_CELLS} cells in clumps in all (each clump is \
                         simulated on its own, each of its cells drawn one by one)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The protocol's days, the shedding law and the mutation effect.
    fn validate_days_and_laws(&self) -> Result<(), ConfigError> {
        for (i, &day) in self.harvest_days.iter().enumerate() {
            check_day(day, &format!("harvest_days[{i}]"))?;
        }
        for (i, &day) in self.observation_days.iter().enumerate() {
            check_day(day, &format!("observation_days[{i}]"))?;
        }
        let share = self.clone_share_observed;
        if !(share > 0.0 && share <= 1.0) {
            return Err(ConfigError::new(
                "clone_share_observed",
                share.to_string(),
                "a share in (0, 1], such as 0.01",
            ));
        }
        if let Shedding::SizePower {
            coefficient,
            exponent,
        } = self.shedding
        {
            check_rate(coefficient, "shedding.coefficient")?;
            if !(exponent.is_finite() && (0.0..=1.0).contains(&exponent)) {
                return Err(ConfigError::new(
                    "shedding.exponent",
                    exponent.to_string(),
                    "a number in [0, 1]",
                ));
            }
        }
        let m = &self.mutation_effect;
        for (value, name) in [
            (m.birth_rate, "mutation_effect.birth_rate"),
            (m.death_rate, "mutation_effect.death_rate"),
            (m.shedding_rate, "mutation_effect.shedding_rate"),
            (
                m.circulation_death_rate,
                "mutation_effect.circulation_death_rate",
            ),
            (m.affinity, "mutation_effect.affinity"),
            (
                m.mutation_probability,
                "mutation_effect.mutation_probability",
            ),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ConfigError::new(
                    name,
                    value.to_string(),
                    "a log-normal sigma >= 0",
                ));
            }
        }
        Ok(())
    }

    /// The transit time, every rate (`check_rates`), the detection and
    /// macrometastasis sizes and the growth steps.
    fn validate_sizes(&self) -> Result<(), ConfigError> {
        if !(self.transit_time.is_finite() && self.transit_time > 0.0) {
            return Err(ConfigError::new(
                "transit_time",
                self.transit_time.to_string(),
                "a time in days > 0",
            ));
        }
        check_rates(self)?;
        if self.detection_size == 0 {
            return Err(ConfigError::new("detection_size", "0", "at least 1 cell"));
        }
        if self.macrometastasis_size == 0 {
            return Err(ConfigError::new(
                "macrometastasis_size",
                "0",
                "at least 1 cell",
            ));
        }
        if let Some(steps) = self.growth_steps {
            if !(steps.step.is_finite() && steps.step > 0.0) {
                return Err(ConfigError::new(
                    "growth_steps.step",
                    steps.step.to_string(),
                    "days > 0",
                ));
            }
            if steps.threshold < 2 {
                return Err(ConfigError::new(
                    "growth_steps.threshold",
                    steps.threshold.to_string(),
                    "at least 2 cells (single cells stay exact)",
                ));
            }
        }
        Ok(())
    }

    fn validate_therapy(&self) -> Result<(), ConfigError> {
        let therapy = &self.therapy;
        let drugs = therapy.drugs.len();
        for (i, drug) in therapy.drugs.iter().enumerate() {
            let path = format!("therapy.drugs[{i}]");
            if drug.name.is_empty() {
                return Err(ConfigError::new(
                    format!("{path}.name"),
                    "\"\"",
                    "a non-empty name",
                ));
            }
            if let Some(j) = therapy.drugs[..i].iter().position(|d| d.name == drug.name) {
                return Err(ConfigError::new(
                    format!("{path}.name"),
                    format!("{:?}", drug.name),
                    format!("a name not already used by therapy.drugs[{j}]"),
                ));
            }
            if drug.log_kill.is_nan() || drug.log_kill < 0.0 {
                return Err(ConfigError::new(
                    format!("{path}.log_kill"),
                    drug.log_kill.to_string(),
                    "logs of kill per dose >= 0",
                ));
            }
            check_probability(
                drug.resistance_probability,
                &format!("{path}.resistance_probability"),
            )?;
            if !(0.0..1.0).contains(&drug.resistant_sensitivity) {
                return Err(ConfigError::new(
                    format!("{path}.resistant_sensitivity"),
                    drug.resistant_sensitivity.to_string(),
                    "a sensitivity in [0, 1): a resistant cell is less sensitive than a fully sensitive one",
                ));
            }
        }
        for (i, clone) in self.clones.iter().enumerate() {
            let sensitivity = &clone.phenotype.sensitivity;
            if sensitivity.len() > drugs {
                return Err(ConfigError::new(
                    format!("clones[{i}].phenotype.sensitivity"),
                    format!("{} entries", sensitivity.len()),
                    format!("at most one per drug ({drugs})"),
                ));
            }
            for (d, &s) in sensitivity.iter().enumerate() {
                check_rate(s, &format!("clones[{i}].phenotype.sensitivity[{d}]"))?;
            }
        }
        if let Some(surgery) = &therapy.surgery {
            if self.primary.is_none() {
                return Err(ConfigError::new(
                    "therapy.surgery",
                    "a surgery",
                    "a primary tumour to remove, or no surgery",
                ));
            }
            if let SurgeryAt::Day(day) = surgery.at {
                check_day(day, "therapy.surgery.at")?;
            }
            check_probability(surgery.left_behind, "therapy.surgery.left_behind")?;
        }
        for (i, regimen) in therapy.regimens.iter().enumerate() {
            let path = format!("therapy.regimens[{i}]");
            match regimen.start {
                RegimenStart::Day(day) => check_day(day, &format!("{path}.start"))?,
                RegimenStart::PrimarySize(_) if self.primary.is_none() => {
                    return Err(ConfigError::new(
                        format!("{path}.start"),
                        "PrimarySize",
                        "a start that does not need a primary tumour (Day or FirstDetection)",
                    ));
                }
                RegimenStart::Surgery if therapy.surgery.is_none() => {
                    return Err(ConfigError::new(
                        format!("{path}.start"),
                        "Surgery",
                        "a start other than Surgery, or a surgery",
                    ));
                }
                _ => {}
            }
            check_day(regimen.delay, &format!("{path}.delay"))?;
            let mut previous = 0.0;
            for (k, &offset) in regimen.offsets.iter().enumerate() {
                check_day(offset, &format!("{path}.offsets[{k}]"))?;
                if offset < previous {
                    return Err(ConfigError::new(
                        format!("{path}.offsets[{k}]"),
                        offset.to_string(),
                        format!("a day >= the previous dose's ({previous})"),
                    ));
                }
                previous = offset;
            }
            if let Some(&last) = regimen.offsets.last()
                && !(regimen.delay + last).is_finite()
            {
                return Err(ConfigError::new(
                    format!("{path}.offsets"),
                    format!("delay {} + last dose {last}", regimen.delay),
                    "a finite number of days in all",
                ));
            }
            if regimen.offsets.is_empty() {
                return Err(ConfigError::new(
                    format!("{path}.offsets"),
                    "[]",
                    "at least one dose",
                ));
            }
            if regimen.cycle.is_empty() {
                return Err(ConfigError::new(
                    format!("{path}.cycle"),
                    "[]",
                    "at least one group of drugs",
                ));
            }
            for (k, group) in regimen.cycle.iter().enumerate() {
                if group.is_empty() {
                    return Err(ConfigError::new(
                        format!("{path}.cycle[{k}]"),
                        "[]",
                        "at least one drug",
                    ));
                }
                for (j, drug) in group.iter().enumerate() {
                    if drug.index() >= drugs {
                        return Err(ConfigError::new(
                            format!("{path}.cycle[{k}][{j}]"),
                            drug.0.to_string(),
                            format!("one of the {drugs} drugs"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The most cells a configuration may seed, per primary, per injection and
/// in all (the primary and every injection): 2^62, so that counts of cells
/// (seeded, born, alive) stay far from overflowing a `u64`.
pub const MAX_CELLS: u64 = 1 << 62;

/// The most cells a configuration may deal into clumps, over all its
/// injections: 10^7. Each clump is an entity of its own, with its own
/// clock, and each of its cells is drawn from the injected mix one by one,
/// so memory and set-up time grow with these cells (single cells of one
/// clone share one pool however many they are).
pub const MAX_CLUMPED_CELLS: u64 = 10_000_000;

/// `total` (cells) if it is at most [`MAX_CELLS`]; `context` says what it
/// adds up.
fn check_total(total: u128, path: &str, context: &str) -> Result<u64, ConfigError> {
    match u64::try_from(total) {
        Ok(total) if total <= MAX_CELLS => Ok(total),
        _ => Err(ConfigError::new(
            path,
            format!("{total} cells{context}"),
            format!("at most 2^62 = {MAX_CELLS} cells in total"),
        )),
    }
}

fn check_phenotype(p: &Phenotype, path: &str, organ_count: usize) -> Result<(), ConfigError> {
    for (rates, site) in [
        (&p.in_primary, "in_primary"),
        (&p.in_metastases, "in_metastases"),
    ] {
        check_rate(rates.birth_rate, &format!("{path}.{site}.birth_rate"))?;
        check_rate(rates.death_rate, &format!("{path}.{site}.death_rate"))?;
        check_probability(
            rates.mutation_probability,
            &format!("{path}.{site}.mutation_probability"),
        )?;
    }
    check_rate(p.shedding_rate, &format!("{path}.shedding_rate"))?;
    if let Some(rate) = p.shedding_rate_in_metastases {
        check_rate(rate, &format!("{path}.in_metastases.shedding_rate"))?;
    }
    check_rate(
        p.circulation_death_rate,
        &format!("{path}.circulation_death_rate"),
    )?;
    if p.affinity.len() != organ_count {
        return Err(ConfigError::new(
            format!("{path}.affinity"),
            format!("{} entries", p.affinity.len()),
            format!("one entry per organ ({organ_count})"),
        ));
    }
    for (i, a) in p.affinity.iter().enumerate() {
        check_rate(a.arrest, &format!("{path}.affinity[{i}].arrest"))?;
        check_rate(
            a.extravasation,
            &format!("{path}.affinity[{i}].extravasation"),
        )?;
        check_rate(a.growth, &format!("{path}.affinity[{i}].growth"))?;
    }
    check_rate(
        p.solitary_division_multiplier,
        &format!("{path}.solitary_division_multiplier"),
    )?;
    Ok(())
}

/// `value` as a rate or a multiplier: a finite number >= 0, or the error
/// at `path` saying so (the check every rate of the model gets, for an
/// extension's parameters too).
///
/// # Errors
///
/// A value that is NaN, infinite or negative.
pub fn check_rate(value: f64, path: &str) -> Result<(), ConfigError> {
    error::check_non_negative(value, path, "a finite number >= 0")
}

fn check_probability(value: f64, path: &str) -> Result<(), ConfigError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::new(
            path,
            value.to_string(),
            "a probability in [0, 1]",
        ))
    }
}

fn check_day(value: f64, path: &str) -> Result<(), ConfigError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ConfigError::new(path, value.to_string(), "a day >= 0"))
    }
}

fn check_capacity(value: f64, path: &str) -> Result<(), ConfigError> {
    if value.is_finite() && value > 1.0 {
        Ok(())
    } else {
        Err(ConfigError::new(
            path,
            value.to_string(),
            "a finite number of cells > 1",
        ))
    }
}

// -- the bounds on rates and time scales (`crate::rates`) ------------------

use crate::rates::{
    MAX_RATE, RateField, TIME_RESOLUTION, is_allowed, number, out_of_range, per_cell_rates,
};

/// The bounds of the module docs that do not depend on the last day: every
/// founding clone's per-cell rates and the transit time.
///
/// # Errors
///
/// The first rate out of range, at the phenotype's field
/// (`clones[0].phenotype.affinity[2].growth`) or at `transit_time`.
pub(crate) fn check_rates(config: &CascadeConfig) -> Result<(), ConfigError> {
    if config.transit_time < 1.0 / MAX_RATE {
        return Err(ConfigError {
            path: "transit_time".into(),
            value: number(config.transit_time),
            expected: format!(
                "a time in days of at least 1 / MAX_RATE = {} (0.0864 s): cells in transit \
                 reach the next capillary bed at its reciprocal, and the model accepts at most \
                 {} events per cell per day",
                number(1.0 / MAX_RATE),
                number(MAX_RATE)
            ),
        });
    }
    for (_, organ) in config.organs.organs() {
        for (field, rate) in [
            ("arrested_death_rate", organ.arrested_death_rate),
            ("dormancy_entry_rate", organ.dormancy_entry_rate),
            ("dormancy_exit_rate", organ.dormancy_exit_rate),
            ("dormant_death_rate", organ.dormant_death_rate),
        ] {
            if !is_allowed(rate) {
                return Err(organ_error(&organ.name, field, rate, "its own"));
            }
        }
    }
    for (i, clone) in config.clones.iter().enumerate() {
        if let Some(bad) = out_of_range(&clone.phenotype, &config.organs) {
            let (path, value) = bad.field.located(i, &clone.phenotype, &config.organs);
            if let RateField::Organ(..) = bad.field {
                return Err(ConfigError {
                    path,
                    value,
                    expected: keeps_every_rate(&format!(
                        "{} of clone \"{}\" {}",
                        bad.fate,
                        clone.name,
                        number(bad.rate)
                    )),
                });
            }
            let organ = bad
                .organ
                .map(|o| format!(" in the {}", config.organs.organ(o).name))
                .unwrap_or_default();
            return Err(ConfigError {
                path,
                value,
                expected: format!(
                    "a value that keeps the rate of {}{organ} at most MAX_RATE = {} per cell \
                     per day (it makes {} with the organ's rates and the clone's affinities)",
                    bad.fate,
                    number(MAX_RATE),
                    number(bad.rate)
                ),
            });
        }
    }
    Ok(())
}

/// An organ's own field, out of range: placed at the file's `organs`
/// section (the organ may come from a preset, `every`, `change` or `add`),
/// named in the value.
fn organ_error(organ: &str, field: &str, value: f64, rate: &str) -> ConfigError {
    ConfigError {
        path: "organs".into(),
        value: format!("the {organ}'s {field} = {}", number(value)),
        expected: keeps_every_rate(rate),
    }
}

/// What would be valid for an organ's field that makes `rate` too large.
fn keeps_every_rate(rate: &str) -> String {
    format!(
        "a value that keeps every per-cell rate at most MAX_RATE = {} per cell per day (it \
         makes the rate of {rate})",
        number(MAX_RATE)
    )
}

/// The Zeno guard: every time scale of `config` (the transit time, the
/// reciprocal of every founding clone's per-cell rates) is at least
/// `horizon ×` [`TIME_RESOLUTION`] days, so that waits of that scale move
/// the clock up to the last day, `horizon`.
///
/// # Errors
///
/// The field with the shortest time scale, if it is too short.
pub fn check_time_scales(config: &CascadeConfig, horizon: f64) -> Result<(), ConfigError> {
    let finest = horizon * TIME_RESOLUTION;
    let vanishes = |scale: f64| scale < finest;
    let expected = |what: &str| {
        format!(
            "{what} of at least stop_day × 2^-40 = {} days: shorter waits vanish against \
             stop_day = {} in double precision and the clock cannot advance",
            number(finest),
            number(horizon)
        )
    };
    if vanishes(config.transit_time) {
        return Err(ConfigError {
            path: "transit_time".into(),
            value: number(config.transit_time),
            expected: expected("a transit time"),
        });
    }
    let dissociation = config.clumps.dissociation_rate;
    if dissociation > 0.0 && vanishes(1.0 / dissociation) {
        return Err(ConfigError {
            path: "clumps.dissociation_rate".into(),
            value: number(dissociation),
            expected: expected("a dissociation rate whose reciprocal is a time"),
        });
    }
    if let Some(steps) = config.growth_steps
        && vanishes(steps.step)
    {
        return Err(ConfigError {
            path: "growth_steps.step".into(),
            value: number(steps.step),
            expected: expected("a step"),
        });
    }
    for (i, clone) in config.clones.iter().enumerate() {
        let rates = per_cell_rates(&clone.phenotype, &config.organs);
        if let Some(fast) = rates
            .iter()
            .find(|r| r.rate > 0.0 && vanishes(1.0 / r.rate))
        {
            let (path, value) = fast.field.located(i, &clone.phenotype, &config.organs);
            if let RateField::Organ(..) = fast.field {
                return Err(ConfigError {
                    path,
                    value,
                    expected: expected(&format!("a value that makes the rate of {}", fast.fate)),
                });
            }
            return Err(ConfigError {
                path,
                value,
                expected: expected(&format!(
                    "a rate of {} whose reciprocal is a time",
                    fast.fate
                )),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod bounds_tests {
    use super::*;
    use crate::organs::{OrganId, OrganSet};

    fn config() -> CascadeConfig {
        let organs = OrganSet::mouse();
        let phenotype = default_phenotype(&organs);
        CascadeConfig::new(
            organs,
            vec![FoundingClone {
                name: "parental".into(),
                phenotype,
            }],
        )
    }

    #[test]
    fn the_defaults_keep_every_bound() {
        let config = config();
        assert_eq!(check_rates(&config), Ok(()));
        assert_eq!(check_time_scales(&config, 365.0), Ok(()));
    }

    /// Issue 16: `transit_time: 1e-300` ran forever (5 + 1e-300 == 5) and
    /// `1e-320` made NaN rates; both are refused before the run.
    #[test]
    fn a_transit_time_shorter_than_the_bound_is_refused() {
        for transit_time in [1e-300, 1e-320, 1e-7] {
            let mut config = config();
            config.transit_time = transit_time;
            let error = check_rates(&config).unwrap_err();
            assert_eq!(error.path, "transit_time");
            assert!(error.expected.contains("MAX_RATE"), "{error}");
        }
    }

    #[test]
    fn a_rate_lifted_over_the_bound_by_an_affinity_names_the_affinity() {
        let mut config = config();
        config.clones[0].phenotype.affinity[1].growth = 1e7;
        let error = check_rates(&config).unwrap_err();
        assert_eq!(error.path, "clones[0].phenotype.affinity[1].growth");
        assert!(
            error.expected.contains("divisions in metastases in the"),
            "{error}"
        );
        config.clones[0].phenotype.affinity[1].growth = 1.0;
        config.clones[0].phenotype.in_metastases.birth_rate = f64::INFINITY;
        let error = check_rates(&config).unwrap_err();
        assert_eq!(error.path, "clones[0].phenotype.in_metastases.birth_rate");
    }

    /// An organ's own rate past the bound is named as the organ's, not as
    /// a neutral affinity of the clone.
    #[test]
    fn an_organ_rate_over_the_bound_names_the_organ() {
        let (mut specs, veins) = OrganSet::mouse_specs();
        specs[0].extravasation_rate = 1e300;
        let organs = OrganSet::new(specs, veins).unwrap();
        let phenotype = default_phenotype(&organs);
        let name = organs.organ(OrganId(0)).name.clone();
        let config = CascadeConfig::new(
            organs,
            vec![FoundingClone {
                name: "parental".into(),
                phenotype,
            }],
        );
        let error = check_rates(&config).unwrap_err();
        assert_eq!(error.path, "organs");
        assert_eq!(
            error.value,
            format!("the {name}'s extravasation_rate = 1e300")
        );
        assert!(error.expected.contains("extravasations"), "{error}");
    }

    #[test]
    fn a_time_scale_that_vanishes_against_the_last_day_is_refused() {
        let config = config();
        // A transit time of one minute is 2^-40 of about 7.6e8 days.
        let error = check_time_scales(&config, 1e9).unwrap_err();
        assert_eq!(error.path, "transit_time");
        assert!(error.expected.contains("cannot advance"), "{error}");
        assert!(check_time_scales(&config, 7e8).is_ok());
        let mut stepped = config.clone();
        stepped.growth_steps = Some(crate::config::GrowthSteps {
            step: 5e-324,
            threshold: 100,
            constant_rates: crate::config::ConstantRates::Auto,
        });
        let error = check_time_scales(&stepped, 10.0).unwrap_err();
        assert_eq!(error.path, "growth_steps.step");
    }
}
