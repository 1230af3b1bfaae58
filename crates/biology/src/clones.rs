//! Clones: heritable phenotypes, the lineage tree, and mutation.
//!
//! A clone is a population of cells with one phenotype. Every clone but the
//! founding ones has a parent: it arose when a cell of the parent divided
//! and one daughter mutated. Its phenotype is the parent's, perturbed by the
//! scenario's [`MutationEffect`]. Clones are never removed, so the lineage
//! tree is complete at the end of a run; a mutant whose cells have all
//! died keeps only its lineage entry (its parent, number, birth day and
//! mutants: [`TumourClone`], 40 bytes), its phenotype forgotten
//! ([`Lineage::forget_phenotype`]): no cell of it can ever be born again.

use cascade_kernel::distributions::{Distribution, LogNormal};
use cascade_kernel::{RandomStream, Time};
use serde::{Deserialize, Serialize};

use crate::organs::OrganId;
use crate::therapy::DrugId;

/// A clone's index in the [`Lineage`], in order of appearance.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CloneId(pub u32);

impl CloneId {
    /// The index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Growth of a clone's cells in a colony (or, for `birth_rate`, a solitary
/// cell's first division).
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrowthRates {
    /// Divisions per cell per day, before the site's growth law and the
    /// organ's multiplier.
    pub birth_rate: f64,
    /// Deaths per cell per day.
    pub death_rate: f64,
    /// Probability that a division gives one mutant daughter (a new clone).
    pub mutation_probability: f64,
}

/// How well a clone does in one organ, as multipliers of the organ's own
/// parameters (seed–soil compatibility). All 1 means "no preference".
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganAffinity {
    /// Multiplies the organ's arrest probability (the product is capped at 1).
    pub arrest: f64,
    /// Multiplies the organ's extravasation rate.
    pub extravasation: f64,
    /// Multiplies the birth rate of the clone's cells in the organ.
    pub growth: f64,
}

impl OrganAffinity {
    /// No preference: every multiplier 1.
    pub const NEUTRAL: OrganAffinity = OrganAffinity {
        arrest: 1.0,
        extravasation: 1.0,
        growth: 1.0,
    };
}

/// What a clone's cells do, everything heritable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phenotype {
    /// Growth in the primary tumour.
    pub in_primary: GrowthRates,
    /// Growth in metastases and as solitary cells (metastatic cells can be
    /// more unstable: a higher mutation probability).
    pub in_metastases: GrowthRates,
    /// Cells shed into the blood per cell per day (per-cell shedding), or the
    /// clone's relative weight when the site sheds `m·x^α` in total: in the
    /// primary, and in metastases unless
    /// [`shedding_rate_in_metastases`](Self::shedding_rate_in_metastases)
    /// says otherwise.
    pub shedding_rate: f64,
    /// The shedding rate (or weight) in metastases, where it differs from
    /// the primary's; `None`: `shedding_rate`. 0 makes the clone's
    /// metastases non-seeding: they shed no cell.
    #[serde(default)]
    pub shedding_rate_in_metastases: Option<f64>,
    /// Deaths per circulating cell per day.
    pub circulation_death_rate: f64,
    /// Per-organ affinity, indexed by [`OrganId`].
    pub affinity: Vec<OrganAffinity>,
    /// The clone's colonisation: the multiplier of its solitary cells'
    /// first division only, in every organ, on top of the organ's
    /// [`solitary_division_multiplier`](crate::organs::Organ::solitary_division_multiplier);
    /// finite and >= 0, 1 by default (and when absent from a serialised
    /// phenotype). It sets how often the clone's solitary cells start a
    /// colony apart from how fast its colonies grow (`docs/colonisation.md`).
    #[serde(default = "neutral")]
    pub solitary_division_multiplier: f64,
    /// Sensitivity to each drug, indexed by [`DrugId`]: the multiplier of
    /// the drug's logs of kill (1 fully sensitive, 0 untouched). A drug
    /// past the end of the list counts as 1.
    #[serde(default)]
    pub sensitivity: Vec<f64>,
}

/// The neutral multiplier, 1: the serde default of
/// [`Phenotype::solitary_division_multiplier`].
fn neutral() -> f64 {
    1.0
}

impl Phenotype {
    /// The affinity for `organ`.
    pub fn affinity(&self, organ: OrganId) -> &OrganAffinity {
        &self.affinity[organ.index()]
    }

    /// The shedding rate (or weight) of the clone's cells in metastases.
    pub fn metastatic_shedding_rate(&self) -> f64 {
        self.shedding_rate_in_metastases
            .unwrap_or(self.shedding_rate)
    }

    /// The sensitivity to `drug` (1 past the end of the list).
    pub fn sensitivity(&self, drug: DrugId) -> f64 {
        self.sensitivity.get(drug.index()).copied().unwrap_or(1.0)
    }

    /// Sets the sensitivity to `drug`, filling the list with 1 up to it.
    pub fn set_sensitivity(&mut self, drug: DrugId, sensitivity: f64) {
        if self.sensitivity.len() <= drug.index() {
            self.sensitivity.resize(drug.index() + 1, 1.0);
        }
        self.sensitivity[drug.index()] = sensitivity;
    }
}

/// A clone: where it came from and what its cells do. Its name is not
/// kept but made from the lineage when asked for ([`Lineage::name`]).
/// Its phenotype is held behind a pointer, so that a clone that died out
/// costs its entry alone once the phenotype is forgotten.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TumourClone {
    /// Its index.
    pub id: CloneId,
    /// Its number among its parent's mutants (from 1; 0 for a founding
    /// clone): a mutant's name is `"<parent>.<number>"`.
    pub number: u32,
    /// The clone it arose from; `None` for a founding clone.
    pub parent: Option<CloneId>,
    /// When it arose (time zero for founding clones).
    pub born_at: Time,
    /// Mutants it has given rise to so far.
    pub mutants: u32,
    /// What its cells do; `None` once the clone has died out and its
    /// phenotype was forgotten ([`Lineage::forget_phenotype`]).
    phenotype: Option<Box<Phenotype>>,
}

impl TumourClone {
    /// What its cells do, unless the clone died out and its phenotype was
    /// forgotten.
    pub fn phenotype(&self) -> Option<&Phenotype> {
        self.phenotype.as_deref()
    }
}

/// How a mutant's phenotype differs from its parent's: each trait is
/// multiplied by an independent log-normal factor `exp(σ·Z)` (median 1),
/// with the trait's `σ` below; 0 leaves the trait unchanged. Probabilities
/// that the product would push above 1 are capped at 1.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationEffect {
    /// σ for birth rates (primary and metastases alike).
    pub birth_rate: f64,
    /// σ for death rates.
    pub death_rate: f64,
    /// σ for the shedding rate.
    pub shedding_rate: f64,
    /// σ for the death rate in circulation.
    pub circulation_death_rate: f64,
    /// σ for every per-organ affinity multiplier.
    pub affinity: f64,
    /// σ for the mutation probabilities.
    pub mutation_probability: f64,
    /// σ for the solitary division multiplier (colonisation); 0 when
    /// absent from a serialised effect.
    #[serde(default)]
    pub solitary_division_multiplier: f64,
}

impl MutationEffect {
    /// Mutants identical to their parents: a neutral marker.
    pub const NONE: MutationEffect = MutationEffect {
        birth_rate: 0.0,
        death_rate: 0.0,
        shedding_rate: 0.0,
        circulation_death_rate: 0.0,
        affinity: 0.0,
        mutation_probability: 0.0,
        solitary_division_multiplier: 0.0,
    };

    /// The parent's phenotype, perturbed. Draws from `rng` in a fixed order
    /// (value-stable): birth, death, mutation for the primary, the same for
    /// metastases, shedding, circulation death, each organ's arrest,
    /// extravasation and growth, then the solitary division multiplier. A
    /// trait whose σ is 0 draws nothing.
    pub fn mutate(&self, parent: &Phenotype, rng: &mut RandomStream) -> Phenotype {
        let rates = |r: &GrowthRates, rng: &mut RandomStream| GrowthRates {
            birth_rate: r.birth_rate * factor(self.birth_rate, rng),
            death_rate: r.death_rate * factor(self.death_rate, rng),
            mutation_probability: (r.mutation_probability * factor(self.mutation_probability, rng))
                .min(1.0),
        };
        let in_primary = rates(&parent.in_primary, rng);
        let in_metastases = rates(&parent.in_metastases, rng);
        // One factor for both shedding rates: one heritable trait.
        let shedding = factor(self.shedding_rate, rng);
        let shedding_rate = parent.shedding_rate * shedding;
        let shedding_rate_in_metastases = parent.shedding_rate_in_metastases.map(|r| r * shedding);
        let circulation_death_rate =
            parent.circulation_death_rate * factor(self.circulation_death_rate, rng);
        let affinity = parent
            .affinity
            .iter()
            .map(|a| OrganAffinity {
                arrest: a.arrest * factor(self.affinity, rng),
                extravasation: a.extravasation * factor(self.affinity, rng),
                growth: a.growth * factor(self.affinity, rng),
            })
            .collect();
        // Drawn last, so that an effect without it draws as before.
        let solitary_division_multiplier =
            parent.solitary_division_multiplier * factor(self.solitary_division_multiplier, rng);
        Phenotype {
            in_primary,
            in_metastases,
            shedding_rate,
            shedding_rate_in_metastases,
            circulation_death_rate,
            affinity,
            solitary_division_multiplier,
            sensitivity: parent.sensitivity.clone(),
        }
    }
}

/// A log-normal factor `exp(σ·Z)`, or exactly 1 (without a draw) for σ = 0.
fn factor(sigma: f64, rng: &mut RandomStream) -> f64 {
    match LogNormal::new(0.0, sigma) {
        Ok(d) if sigma > 0.0 => d.sample(rng),
        _ => 1.0,
    }
}

/// Every clone of a run, founding clones first, then mutants in order of
/// appearance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    clones: Vec<TumourClone>,
    /// The founding clones' names, by index.
    founders: Vec<String>,
    /// Clones whose phenotype was forgotten.
    #[serde(default)]
    forgotten: usize,
}

impl Lineage {
    /// The founding clones (named, with their phenotypes).
    pub fn new(founders: Vec<(String, Phenotype)>) -> Self {
        let (names, clones) = founders
            .into_iter()
            .enumerate()
            .map(|(i, (name, phenotype))| {
                let clone = TumourClone {
                    id: CloneId(i as u32),
                    number: 0,
                    parent: None,
                    born_at: Time::ZERO,
                    mutants: 0,
                    phenotype: Some(Box::new(phenotype)),
                };
                (name, clone)
            })
            .unzip();
        Lineage {
            clones,
            founders: names,
            forgotten: 0,
        }
    }

    /// The name of `id`: the scenario's for a founding clone,
    /// `"<parent>.<n>"` for the parent's n-th mutant.
    pub fn name(&self, id: CloneId) -> String {
        let mut numbers = Vec::new();
        let mut clone = &self.clones[id.index()];
        while let Some(parent) = clone.parent {
            numbers.push(clone.number);
            clone = &self.clones[parent.index()];
        }
        let mut name = self.founders[clone.id.index()].clone();
        for number in numbers.iter().rev() {
            name.push('.');
            name.push_str(&number.to_string());
        }
        name
    }

    /// The clone `id`.
    pub fn clone_of(&self, id: CloneId) -> &TumourClone {
        &self.clones[id.index()]
    }

    /// The phenotype of `id`, a clone that has living cells (or has not
    /// been checked for them since it last had some).
    ///
    /// # Panics
    ///
    /// If its phenotype was forgotten: only a clone with no living cell
    /// left loses it, and nothing asks for the phenotype of such a clone.
    pub fn phenotype(&self, id: CloneId) -> &Phenotype {
        self.clones[id.index()]
            .phenotype
            .as_deref()
            .expect("a clone with living cells keeps its phenotype")
    }

    /// Forgets the phenotype of `id`, a mutant whose cells have all died
    /// (its caller checks that: a mutant's cells are born only of its own,
    /// so it can never have cells again). A founding clone keeps it (an
    /// injection can bring new cells of it). Whether it was forgotten now.
    pub fn forget_phenotype(&mut self, id: CloneId) -> bool {
        let clone = &mut self.clones[id.index()];
        if clone.parent.is_none() || clone.phenotype.is_none() {
            return false;
        }
        clone.phenotype = None;
        self.forgotten += 1;
        true
    }

    /// How many clones have had their phenotype forgotten.
    pub fn forgotten(&self) -> usize {
        self.forgotten
    }

    /// How many clones there are.
    pub fn len(&self) -> usize {
        self.clones.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.clones.is_empty()
    }

    /// Every clone, in order of appearance.
    pub fn iter(&self) -> impl Iterator<Item = &TumourClone> {
        self.clones.iter()
    }

    /// The clone with this name.
    pub fn by_name(&self, name: &str) -> Option<CloneId> {
        let mut parts = name.split('.');
        let founder = parts.next()?;
        let mut id = CloneId(self.founders.iter().position(|f| f == founder)? as u32);
        for part in parts {
            let number: u32 = part.parse().ok()?;
            // A clone's mutants come after it, in the order they arose.
            id = self.clones[id.index() + 1..]
                .iter()
                .find(|c| c.parent == Some(id) && c.number == number)?
                .id;
        }
        Some(id)
    }

    /// Adds a mutant of `parent`, born `now`, with phenotype `phenotype`.
    pub fn add_mutant(&mut self, parent: CloneId, now: Time, phenotype: Phenotype) -> CloneId {
        let id = CloneId(self.clones.len() as u32);
        let parent_clone = &mut self.clones[parent.index()];
        parent_clone.mutants += 1;
        let number = parent_clone.mutants;
        self.clones.push(TumourClone {
            id,
            number,
            parent: Some(parent),
            born_at: now,
            mutants: 0,
            phenotype: Some(Box::new(phenotype)),
        });
        id
    }

    /// The founding clone `id` descends from.
    pub fn founder_of(&self, mut id: CloneId) -> CloneId {
        while let Some(parent) = self.clones[id.index()].parent {
            id = parent;
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observables::Ledger;
    use cascade_kernel::{Purpose, Seed};

    fn parent() -> Phenotype {
        let rates = GrowthRates {
            birth_rate: 0.7,
            death_rate: 0.3,
            mutation_probability: 1e-3,
        };
        Phenotype {
            in_primary: rates,
            in_metastases: rates,
            shedding_rate: 0.01,
            shedding_rate_in_metastases: None,
            circulation_death_rate: 10.0,
            affinity: vec![OrganAffinity::NEUTRAL; 3],
            solitary_division_multiplier: 2.0,
            sensitivity: Vec::new(),
        }
    }

    fn mutant(effect: &MutationEffect) -> Phenotype {
        let mut rng = Seed::new(5).stream(Purpose::new("mutation"));
        effect.mutate(&parent(), &mut rng)
    }

    /// The solitary division multiplier is inherited, and its σ, drawn
    /// last, perturbs it alone: every other trait is what the same stream
    /// gives without it.
    #[test]
    fn colonisation_is_inherited_and_perturbed_last() {
        let others = MutationEffect {
            birth_rate: 0.3,
            affinity: 0.3,
            ..MutationEffect::NONE
        };
        let without = mutant(&others);
        assert_eq!(without.solitary_division_multiplier, 2.0);
        let with = mutant(&MutationEffect {
            solitary_division_multiplier: 0.5,
            ..others
        });
        assert_ne!(with.solitary_division_multiplier, 2.0);
        assert!(with.solitary_division_multiplier > 0.0);
        let same = Phenotype {
            solitary_division_multiplier: without.solitary_division_multiplier,
            ..with
        };
        assert_eq!(same, without);
    }

    /// A phenotype serialised before the field existed reads as neutral.
    #[test]
    fn colonisation_defaults_to_one_when_absent() {
        let json = serde_json::to_string(&parent()).unwrap();
        let old = json.replace(",\"solitary_division_multiplier\":2.0", "");
        assert!(!old.contains("solitary_division_multiplier"), "{old}");
        let read: Phenotype = serde_json::from_str(&old).unwrap();
        assert_eq!(read.solitary_division_multiplier, 1.0);
    }

    fn phenotype(organs: usize) -> Phenotype {
        let rates = GrowthRates {
            birth_rate: 1.0,
            death_rate: 0.5,
            mutation_probability: 0.01,
        };
        Phenotype {
            in_primary: rates,
            in_metastases: rates,
            shedding_rate: 0.1,
            shedding_rate_in_metastases: None,
            circulation_death_rate: 1.0,
            affinity: vec![OrganAffinity::NEUTRAL; organs],
            solitary_division_multiplier: 1.0,
            sensitivity: Vec::new(),
        }
    }

    /// What a clone that died out costs: its lineage entry and its ledger
    /// (the rows of `clones.csv`), tens of bytes whatever the organs;
    /// against what its phenotype cost while it had cells.
    #[test]
    fn a_dead_clone_costs_its_entry_and_ledger() {
        let entry = core::mem::size_of::<TumourClone>();
        let ledger = core::mem::size_of::<Ledger>();
        assert_eq!(entry, 40, "lineage entry");
        assert_eq!(ledger, 40);
        // Human organs: 13.
        let organs = 13;
        let kept =
            core::mem::size_of::<Phenotype>() + organs * core::mem::size_of::<OrganAffinity>();
        assert!(kept >= 400, "a phenotype with 13 organs, {kept} B");

        let mut lineage = Lineage::new(vec![("T".to_string(), phenotype(organs))]);
        let mutant = lineage.add_mutant(CloneId(0), Time::new(1.0).unwrap(), phenotype(organs));
        let grandchild = lineage.add_mutant(mutant, Time::new(2.0).unwrap(), phenotype(organs));
        // A founding clone keeps its phenotype (injections bring cells).
        assert!(!lineage.forget_phenotype(CloneId(0)));
        assert!(lineage.forget_phenotype(mutant));
        assert!(!lineage.forget_phenotype(mutant), "forgotten once");
        assert_eq!(lineage.forgotten(), 1);
        // The lineage stays whole: names, parents, birth days.
        assert_eq!(lineage.name(grandchild), "T.1.1");
        assert_eq!(lineage.clone_of(grandchild).parent, Some(mutant));
        assert_eq!(lineage.clone_of(mutant).born_at.days(), 1.0);
        assert!(lineage.clone_of(mutant).phenotype().is_none());
        assert!(lineage.clone_of(grandchild).phenotype().is_some());
        assert_eq!(lineage.by_name("T.1.1"), Some(grandchild));
    }
}
