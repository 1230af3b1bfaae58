//! The host organs (the "soil") and the vascular graph that routes
//! circulating tumour cells.
//!
//! # The vascular graph
//!
//! Every organ is a capillary bed. A circulating cell bound for an organ
//! arrives at its capillary bed, where it is mechanically arrested with the
//! organ's [`Organ::arrest_probability`], or passes through into the organ's
//! venous blood. That blood drains to the next bed, given by
//! [`Organ::drains_to`]:
//!
//! * another organ ([`Drain::Organ`]): most organs drain to the lung through
//!   the venae cavae and the right heart; the stomach, small intestine, large
//!   intestine, pancreas and spleen drain to the liver through the portal
//!   vein; the liver drains to the lung;
//! * the arterial side ([`Drain::Arterial`]): the lung drains to the left
//!   heart. A cell reaching the arterial side goes to an organ picked with
//!   probability equal to that organ's share of cardiac output
//!   ([`Organ::cardiac_output_share`], [`OrganSet::arterial_destination`]).
//!
//! [`OrganSet::new`] refuses a graph in which following the drains from some
//! organ never reaches the arterial side (a cycle), so every cell that keeps
//! passing through beds eventually reaches the arterial side.
//!
//! # The soil
//!
//! Arrested cells extravasate ([`Organ::extravasation_rate`], per day) or die
//! in the vessel ([`Organ::arrested_death_rate`]). Extravasated solitary
//! cells in the parenchyma die ([`Organ::solitary_death_rate`]), enter
//! dormancy ([`Organ::dormancy_entry_rate`]) or divide for the first time,
//! founding a colony (at the clone's birth rate times
//! [`Organ::growth_multiplier`] and [`Organ::solitary_division_multiplier`]).
//! Dormant cells leave dormancy
//! ([`Organ::dormancy_exit_rate`]) or die ([`Organ::dormant_death_rate`]).
//! Colonies in the organ grow with their clone's birth rate times
//! [`Organ::growth_multiplier`], up to [`Organ::carrying_capacity`] cells.
//! All competing fates are exponential clocks; the clone's per-organ
//! affinities multiply these rates (see [`crate::clones`]).
//!
//! # Veins
//!
//! Veins are named entry points for experimental injections. A vein leads
//! either to an organ's capillary bed ([`Entry::Bed`]) or to the arterial
//! side ([`Entry::Arterial`]): in the mouse, `tail_vein` → lung,
//! `mesenteric_vein` → liver, `portal_vein` → liver, `left_ventricle` →
//! arterial; in the human, `peripheral_vein` → lung, `portal_vein` → liver,
//! `left_ventricle` → arterial.
//!
//! # Building an organ set
//!
//! An [`OrganSet`] is built from unvalidated [`OrganSpec`]s and
//! [`VeinSpec`]s, which name the organs they drain to, by [`OrganSet::new`];
//! every invalid input is a [`GraphError`] that names the organ or vein and
//! says what would be valid. [`OrganSet::human`] and [`OrganSet::mouse`] are
//! the defaults; to change a field, take [`OrganSet::human_specs`] or
//! [`OrganSet::mouse_specs`], edit them and call [`OrganSet::new`]:
//!
//! ```
//! use cascade_biology::organs::{Drain, OrganSet};
//!
//! let (mut organs, veins) = OrganSet::mouse_specs();
//! for organ in &mut organs {
//!     if organ.name == "lung" {
//!         organ.arrest_probability = 0.99;
//!     }
//! }
//! let organs = OrganSet::new(organs, veins)?;
//! let lung = organs.id("lung").expect("the mouse set has a lung");
//! assert_eq!(organs.organ(lung).arrest_probability, 0.99);
//! assert_eq!(organs.drain(lung), &Drain::Arterial);
//! # Ok::<(), cascade_biology::organs::GraphError>(())
//! ```
//!
//! # Defaults and their sources
//!
//! Every default value says where it comes from: a row of
//! `docs/references.md`, or, where that page has no published figure,
//! plainly that it is a placeholder to be calibrated (issue 5). Most
//! microenvironment rates are placeholders today.

use core::fmt;

use serde::{Deserialize, Serialize};

pub mod routes;

pub use routes::{Route, RouteError, RouteSpec};

/// An organ of an [`OrganSet`]: its index, in the order the organs were
/// given to [`OrganSet::new`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrganId(pub u16);

impl OrganId {
    /// The index of the organ in its [`OrganSet`] (and in every per-organ
    /// table).
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// Where the venous blood leaving an organ's capillary bed goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Drain {
    /// To this organ's capillary bed (the lung through the venae cavae, the
    /// liver through the portal vein).
    Organ(OrganId),
    /// To the arterial side (the left heart), from which cells are
    /// distributed by cardiac output share.
    Arterial,
}

/// Where blood leaving a bed goes, or where a vein leads, with organs given
/// by name: the unvalidated form of [`Drain`] and [`Entry`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DrainSpec {
    /// The organ with this name.
    Organ(String),
    /// The arterial side.
    Arterial,
}

/// Where an injection into a vein enters the circulation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Entry {
    /// The capillary bed of this organ (the first bed the cells meet).
    Bed(OrganId),
    /// The arterial side: each cell goes to an organ picked by cardiac
    /// output share (an injection into the left ventricle).
    Arterial,
}

/// A named vein, unvalidated: an entry point for injections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VeinSpec {
    /// The vein's name, for example `"tail_vein"`.
    pub name: String,
    /// Where it leads: an organ's capillary bed, or the arterial side.
    pub leads_to: DrainSpec,
}

/// A host organ: a capillary bed and the microenvironment behind it.
///
/// Rates are per day, per cell, and compete as exponential clocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organ {
    /// The organ's name, unique in its set.
    pub name: String,
    /// Fraction of cardiac output (arterial blood) the organ receives, in
    /// [0, 1]; the shares of a set sum to 1.
    pub cardiac_output_share: f64,
    /// Where the venous blood leaving the organ's bed goes.
    pub drains_to: Drain,
    /// Probability that a cell arriving at the capillary bed is mechanically
    /// arrested there, in [0, 1]; otherwise it passes through.
    pub arrest_probability: f64,
    /// Rate at which an arrested cell extravasates into the parenchyma, per
    /// day, >= 0.
    pub extravasation_rate: f64,
    /// Rate at which an arrested cell dies in the vessel, per day, >= 0.
    pub arrested_death_rate: f64,
    /// Rate at which an extravasated solitary cell dies, per day, >= 0.
    pub solitary_death_rate: f64,
    /// Rate at which an extravasated solitary cell becomes dormant, per day,
    /// >= 0.
    pub dormancy_entry_rate: f64,
    /// Rate at which a dormant cell leaves dormancy, per day, >= 0.
    pub dormancy_exit_rate: f64,
    /// Rate at which a dormant cell dies, per day, >= 0.
    pub dormant_death_rate: f64,
    /// Multiplier of the birth rate of colonies in the organ (the soil),
    /// >= 0. It also multiplies a solitary cell's first division.
    pub growth_multiplier: f64,
    /// Multiplier of a solitary cell's first division only (on top of
    /// [`growth_multiplier`](Self::growth_multiplier)), finite and >= 0; 1 by
    /// default. It decouples how often solitary cells start a colony from
    /// how fast colonies grow (Luzzi et al. 1998: in the liver few solitary
    /// cells ever divide, yet the colonies that form grow fast).
    pub solitary_division_multiplier: f64,
    /// Size limit of a colony in the organ, in cells: finite and > 1.
    pub carrying_capacity: f64,
    /// Every bed the organ's venous blood drains to, with its share, as
    /// given ([`routes`]); empty when it all goes to
    /// [`drains_to`](Self::drains_to).
    pub venous_routes: Vec<Route>,
}

/// An organ as given, unvalidated, with its drain given by name: what a
/// scenario file or a user's code provides to [`OrganSet::new`]. The fields
/// mean what they mean in [`Organ`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganSpec {
    /// The organ's name, unique in its set.
    pub name: String,
    /// Fraction of cardiac output, in [0, 1]; the shares sum to 1.
    pub cardiac_output_share: f64,
    /// Where the organ's venous blood goes: an organ by name, or the
    /// arterial side.
    pub drains_to: DrainSpec,
    /// Probability of mechanical arrest in the capillary bed, in [0, 1].
    pub arrest_probability: f64,
    /// Extravasation rate of arrested cells, per day, >= 0.
    pub extravasation_rate: f64,
    /// Death rate of arrested cells, per day, >= 0.
    pub arrested_death_rate: f64,
    /// Death rate of extravasated solitary cells, per day, >= 0.
    pub solitary_death_rate: f64,
    /// Dormancy entry rate of solitary cells, per day, >= 0.
    pub dormancy_entry_rate: f64,
    /// Dormancy exit rate, per day, >= 0.
    pub dormancy_exit_rate: f64,
    /// Death rate of dormant cells, per day, >= 0.
    pub dormant_death_rate: f64,
    /// Multiplier of colonies' birth rate, >= 0.
    pub growth_multiplier: f64,
    /// Multiplier of a solitary cell's first division only, finite and >=
    /// 0 (1 when absent from a serialised spec).
    #[serde(default = "neutral")]
    pub solitary_division_multiplier: f64,
    /// Colony size limit, in cells: finite and > 1.
    pub carrying_capacity: f64,
    /// Every bed the organ's venous blood drains to, with its share
    /// ([`routes`]): the shares sum to 1 and `drains_to` is one of the
    /// beds. Empty (the default, and when absent from a serialised spec):
    /// all of it goes to `drains_to`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub venous_routes: Vec<RouteSpec>,
}

/// The neutral multiplier, 1: the serde default of
/// [`OrganSpec::solitary_division_multiplier`].
fn neutral() -> f64 {
    1.0
}

/// The validated organs and vascular graph of a host.
///
/// Every drain and vein leads to an organ of the set or to the arterial
/// side, following the drains from any organ reaches the arterial side, and
/// the cardiac output shares sum to 1 (see [`OrganSet::new`]).
///
/// It serialises as its organs and veins with drains given by name (the
/// form of [`OrganSet::specs`]), and deserialising validates again.
#[derive(Clone, Debug, PartialEq)]
pub struct OrganSet {
    organs: Vec<Organ>,
    veins: Vec<(String, Entry)>,
    /// `cumulative[i]`: the shares of organs `0..=i` divided by the sum of
    /// all shares; the last entry is exactly 1.
    cumulative: Vec<f64>,
    /// The last organ with a positive share.
    last_positive: OrganId,
    /// `routes[i]`: where organ `i`'s venous blood goes, never empty (its
    /// drain with share 1 when it has no venous routes).
    routes: Vec<Vec<Route>>,
}

/// Tolerance on the sum of cardiac output shares.
pub const SHARE_SUM_TOLERANCE: f64 = 1e-6;

/// The largest number of organs an [`OrganSet`] can hold (an [`OrganId`] is
/// a `u16`).
pub const MAX_ORGANS: usize = u16::MAX as usize + 1;

const PROBABILITY: &str = "a probability in [0, 1]";
const SHARE: &str = "a fraction in [0, 1]";
const RATE: &str = "a finite rate per day >= 0";
const MULTIPLIER: &str = "a finite number >= 0";
const CAPACITY: &str = "a finite number of cells > 1";

impl OrganSet {
    /// Validates `organs` and `veins` into an organ set. Organ `i` of
    /// `organs` gets [`OrganId`]`(i)`.
    ///
    /// # Errors
    ///
    /// The first problem found, checked in this order: no organs
    /// ([`GraphError::Empty`]), more than [`MAX_ORGANS`]
    /// ([`GraphError::TooManyOrgans`]), a name given twice
    /// ([`GraphError::DuplicateOrgan`]), a parameter out of range
    /// ([`GraphError::InvalidParameter`]), a drain to an unknown organ
    /// ([`GraphError::UnknownDrain`]), drains that never reach the arterial
    /// side ([`GraphError::DrainCycle`]), invalid venous routes
    /// ([`GraphError::Route`]) or routes that can loop
    /// ([`GraphError::DrainCycle`]), no positive cardiac output share
    /// ([`GraphError::NoArterialDestination`]), shares whose sum is not 1
    /// within [`SHARE_SUM_TOLERANCE`] ([`GraphError::SharesDoNotSumToOne`]),
    /// a vein given twice ([`GraphError::DuplicateVein`]) or leading to an
    /// unknown organ ([`GraphError::UnknownVeinTarget`]).
    pub fn new(organs: Vec<OrganSpec>, veins: Vec<VeinSpec>) -> Result<OrganSet, GraphError> {
        if organs.is_empty() {
            return Err(GraphError::Empty);
        }
        if organs.len() > MAX_ORGANS {
            return Err(GraphError::TooManyOrgans {
                count: organs.len(),
            });
        }
        let names: Vec<&str> = organs.iter().map(|o| o.name.as_str()).collect();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(GraphError::DuplicateOrgan {
                    name: name.to_string(),
                });
            }
        }
        for spec in &organs {
            check_parameters(spec)?;
        }
        let resolve = |target: &DrainSpec| -> Result<Option<OrganId>, String> {
            match target {
                DrainSpec::Arterial => Ok(None),
                DrainSpec::Organ(name) => names
                    .iter()
                    .position(|n| n == name)
                    .map(|i| Some(organ_id(i)))
                    .ok_or_else(|| name.clone()),
            }
        };
        let valid = || names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let mut drains = Vec::with_capacity(organs.len());
        for spec in &organs {
            let drain = match resolve(&spec.drains_to) {
                Ok(Some(id)) => Drain::Organ(id),
                Ok(None) => Drain::Arterial,
                Err(target) => {
                    return Err(GraphError::UnknownDrain {
                        organ: spec.name.clone(),
                        target,
                        valid: valid(),
                    });
                }
            };
            drains.push(drain);
        }
        check_acyclic(&names, &drains)?;
        let routes = routes::resolve(&organs, &names, &drains)?;
        routes::check_acyclic(&names, &routes)?;

        let Some(last_positive) = organs.iter().rposition(|o| o.cardiac_output_share > 0.0) else {
            return Err(GraphError::NoArterialDestination);
        };
        let mut cumulative = Vec::with_capacity(organs.len());
        let mut sum = 0.0;
        for spec in &organs {
            sum += spec.cardiac_output_share;
            cumulative.push(sum);
        }
        if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
            return Err(GraphError::SharesDoNotSumToOne { sum });
        }
        for c in &mut cumulative {
            *c /= sum;
        }

        let mut resolved_veins: Vec<(String, Entry)> = Vec::with_capacity(veins.len());
        for vein in veins {
            if resolved_veins.iter().any(|(name, _)| *name == vein.name) {
                return Err(GraphError::DuplicateVein { name: vein.name });
            }
            let entry = match resolve(&vein.leads_to) {
                Ok(Some(id)) => Entry::Bed(id),
                Ok(None) => Entry::Arterial,
                Err(target) => {
                    return Err(GraphError::UnknownVeinTarget {
                        vein: vein.name,
                        target,
                        valid: valid(),
                    });
                }
            };
            resolved_veins.push((vein.name, entry));
        }

        let organs = organs
            .into_iter()
            .zip(drains)
            .zip(&routes)
            .map(|((spec, drains_to), routes)| Organ {
                name: spec.name,
                cardiac_output_share: spec.cardiac_output_share,
                drains_to,
                arrest_probability: spec.arrest_probability,
                extravasation_rate: spec.extravasation_rate,
                arrested_death_rate: spec.arrested_death_rate,
                solitary_death_rate: spec.solitary_death_rate,
                dormancy_entry_rate: spec.dormancy_entry_rate,
                dormancy_exit_rate: spec.dormancy_exit_rate,
                dormant_death_rate: spec.dormant_death_rate,
                growth_multiplier: spec.growth_multiplier,
                solitary_division_multiplier: spec.solitary_division_multiplier,
                carrying_capacity: spec.carrying_capacity,
                venous_routes: if spec.venous_routes.is_empty() {
                    Vec::new()
                } else {
                    routes.clone()
                },
            })
            .collect();
        Ok(OrganSet {
            organs,
            veins: resolved_veins,
            cumulative,
            last_positive: organ_id(last_positive),
            routes,
        })
    }

    /// The adult human defaults: the specs of [`OrganSet::human_specs`],
    /// validated.
    pub fn human() -> OrganSet {
        let (organs, veins) = OrganSet::human_specs();
        OrganSet::new(organs, veins).expect("the human defaults are a valid organ set")
    }

    /// The mouse defaults: the specs of [`OrganSet::mouse_specs`], validated.
    pub fn mouse() -> OrganSet {
        let (organs, veins) = OrganSet::mouse_specs();
        OrganSet::new(organs, veins).expect("the mouse defaults are a valid organ set")
    }

    /// The specs behind [`OrganSet::human`], to edit before
    /// [`OrganSet::new`].
    ///
    /// Organs, in [`OrganId`] order, with their share of resting cardiac
    /// output (`docs/references.md#host-organs-soil`: Williams & Leggett
    /// 1989, adult reference values, cardiac output 6.5 L/min, unless said
    /// otherwise)
    /// and where they drain:
    ///
    /// | organ | share | drains to |
    /// |---|---|---|
    /// | lung | 0.025 (bronchial; recalled, L) | arterial |
    /// | liver | 0.065 (hepatic artery) | lung |
    /// | stomach | 0.01 | liver |
    /// | small_intestine | 0.10 | liver |
    /// | large_intestine | 0.04 | liver |
    /// | pancreas | 0.01 | liver |
    /// | spleen | 0.03 | liver |
    /// | kidneys | 0.19 | lung |
    /// | skeletal_muscle | 0.17 | lung |
    /// | brain | 0.12 | lung |
    /// | skeleton | 0.075 (bone marrow and bone) | lung |
    /// | skin | 0.05 | lung |
    /// | adipose | 0.05 | lung |
    /// | heart_wall | 0.04 | lung |
    /// | thyroid | 0.015 | lung |
    /// | adrenals | 0.003 | lung |
    /// | other_tissues | 0.007 (the remainder) | lung |
    /// | prostate | 0 (primary site) | lung |
    /// | breast | 0 (primary site) | lung |
    ///
    /// The microenvironment rates are placeholders, to be calibrated in
    /// issue 5 (see the constants of this module). Veins:
    /// `peripheral_vein` → lung, `portal_vein` → liver, `left_ventricle` →
    /// arterial.
    pub fn human_specs() -> (Vec<OrganSpec>, Vec<VeinSpec>) {
        use DrainSpec::Arterial;
        let lung = || DrainSpec::Organ("lung".into());
        let liver = || DrainSpec::Organ("liver".into());
        let organs = vec![
            // Share: the bronchial circulation, 2.5% of cardiac output:
            // Williams & Leggett's bronchial value, recalled (confidence L;
            // `docs/references.md#host-organs-soil`). The lung's bed receives
            // all venous return, so arterial arrivals matter little. Arrest:
            // the first capillary bed for venous blood, placeholder.
            // Capacity: placeholder.
            default_spec("lung", 0.025, Arterial, LUNG_ARREST, 1.0, 1e11),
            // Share (`docs/references.md#host-organs-soil`): Williams &
            // Leggett 1989, hepatic artery 6.5% (the portal 19% reaches it
            // through the organs below). Capacity: placeholder.
            default_spec("liver", 0.065, lung(), LIVER_ARREST, 1.0, 1e12),
            // Shares of the five portal organs
            // (`docs/references.md#host-organs-soil`): Williams & Leggett 1989
            // (portal 19% = 1 + 10 + 4 + 1 + 3).
            default_spec("stomach", 0.01, liver(), OTHER_ARREST, 1.0, 1e11),
            default_spec("small_intestine", 0.10, liver(), OTHER_ARREST, 1.0, 1e11),
            default_spec("large_intestine", 0.04, liver(), OTHER_ARREST, 1.0, 1e11),
            default_spec("pancreas", 0.01, liver(), OTHER_ARREST, 1.0, 1e11),
            default_spec("spleen", 0.03, liver(), OTHER_ARREST, 1.0, 1e11),
            // Share (`docs/references.md#host-organs-soil`): Williams &
            // Leggett 1989. Growth multiplier 0.1 (same section): Hart &
            // Fidler 1980 (kidney grafts stayed free of B16 tumours while
            // lung grafts grew them, with the same initial arrest); the
            // value 0.1 itself is a placeholder.
            default_spec("kidneys", 0.19, lung(), OTHER_ARREST, KIDNEY_GROWTH, 1e11),
            // Share: Williams & Leggett 1989. Growth multiplier 0.05:
            // `docs/references.md#host-organs-soil`, skeletal muscle "rarely
            // colonised: a soil counter-example"; the value itself is a
            // placeholder.
            default_spec(
                "skeletal_muscle",
                0.17,
                lung(),
                OTHER_ARREST,
                MUSCLE_GROWTH,
                1e11,
            ),
            // Share: Williams & Leggett 1989. Capacity: placeholder.
            default_spec("brain", 0.12, lung(), OTHER_ARREST, 1.0, 1e10),
            // Share: Williams & Leggett 1989 ("bone marrow and bone").
            // Growth multiplier 1.5: placeholder chosen to reflect the
            // observed bone tropism
            // (`docs/references.md#organ-distributions-in-patients`: prostate,
            // bone 90%; breast luminal A, bone 66%).
            // Solitary division multiplier (its colonisation, apart from
            // growth): no published figure, a placeholder at 1
            // (`BONE_SOLITARY_DIVISION_MULTIPLIER`, `docs/colonisation.md`).
            OrganSpec {
                solitary_division_multiplier: BONE_SOLITARY_DIVISION_MULTIPLIER,
                ..default_spec("skeleton", 0.075, lung(), OTHER_ARREST, BONE_GROWTH, 1e11)
            },
            // Shares: Williams & Leggett 1989.
            default_spec("skin", 0.05, lung(), OTHER_ARREST, 1.0, 1e11),
            default_spec("adipose", 0.05, lung(), OTHER_ARREST, 1.0, 1e11),
            default_spec("heart_wall", 0.04, lung(), OTHER_ARREST, 1.0, 1e11),
            default_spec("thyroid", 0.015, lung(), OTHER_ARREST, 1.0, 1e9),
            default_spec("adrenals", 0.003, lung(), OTHER_ARREST, 1.0, 1e9),
            // The organs above (with the bronchial 2.5%) sum to 99.3%; the
            // remaining 0.7% (tissues the table does not list, such as
            // lymph nodes, glands and connective tissue, and the small
            // arterial supply of the prostate and the breast) goes here so
            // that the shares sum to exactly 1.
            default_spec("other_tissues", 0.007, lung(), OTHER_ARREST, 1.0, 1e11),
            // Primary sites, there to hold a primary tumour; their small
            // arterial share is inside other_tissues, so arterial cells
            // never go to them.
            default_spec("prostate", 0.0, lung(), OTHER_ARREST, 1.0, 1e11),
            default_spec("breast", 0.0, lung(), OTHER_ARREST, 1.0, 1e11),
        ];
        let veins = vec![
            vein("peripheral_vein", lung()),
            vein("portal_vein", liver()),
            vein("left_ventricle", Arterial),
        ];
        (organs, veins)
    }

    /// The specs behind [`OrganSet::mouse`], to edit before
    /// [`OrganSet::new`].
    ///
    /// Cardiac output shares of the mouse have no published source here
    /// (`docs/references.md#placeholders-and-recalled-values`): those below
    /// are recalled approximations of mouse physiology (confidence L), to be
    /// checked (issue 5). B16 lung colonisation after tail vein injection
    /// depends on these values and on the placeholder rates, and
    /// issue 5 will calibrate them.
    ///
    /// | organ | share | drains to |
    /// |---|---|---|
    /// | lung | 0.005 (bronchial) | arterial |
    /// | liver | 0.02 (hepatic artery) | lung |
    /// | kidneys | 0.09 | lung |
    /// | brain | 0.03 | lung |
    /// | skeleton | 0.11 | lung |
    /// | spleen | 0.01 | liver |
    /// | intestine | 0.13 | liver |
    /// | skin | 0.06 | lung |
    /// | skeletal_muscle | 0.16 | lung |
    /// | heart_wall | 0.07 | lung |
    /// | other_tissues | 0.315 (the remainder) | lung |
    ///
    /// Veins: `tail_vein` → lung, `mesenteric_vein` → liver, `portal_vein`
    /// → liver, `left_ventricle` → arterial.
    pub fn mouse_specs() -> (Vec<OrganSpec>, Vec<VeinSpec>) {
        use DrainSpec::Arterial;
        let lung = || DrainSpec::Organ("lung".into());
        let liver = || DrainSpec::Organ("liver".into());
        // Shares: no published value (`docs/references.md`); recalled
        // approximations of mouse physiology, confidence L, to be checked
        // (issue 5). Carrying capacities: placeholders for organs of about
        // 0.1 to 1 g (`docs/references.md#circulation-dormancy-kinetics`,
        // 1 mm^3 about 10^6 cells, M), to be calibrated (issue 5). Rates as
        // in the human set (placeholders).
        let organs = vec![
            default_spec("lung", 0.005, Arterial, LUNG_ARREST, 1.0, 1e8),
            default_spec("liver", 0.02, lung(), LIVER_ARREST, 1.0, 1e9),
            // Growth multiplier (`docs/references.md#host-organs-soil`): Hart
            // & Fidler 1980 (B16 in mouse kidney grafts); the value is a
            // placeholder.
            default_spec("kidneys", 0.09, lung(), OTHER_ARREST, KIDNEY_GROWTH, 1e8),
            default_spec("brain", 0.03, lung(), OTHER_ARREST, 1.0, 1e8),
            // Growth multiplier 1: the bone tropism behind the human 1.5 is
            // that of human prostate and breast cancer, not of B16.
            default_spec("skeleton", 0.11, lung(), OTHER_ARREST, 1.0, 1e8),
            default_spec("spleen", 0.01, liver(), OTHER_ARREST, 1.0, 1e8),
            default_spec("intestine", 0.13, liver(), OTHER_ARREST, 1.0, 1e8),
            default_spec("skin", 0.06, lung(), OTHER_ARREST, 1.0, 1e8),
            // Growth multiplier: `docs/references.md#host-organs-soil`,
            // skeletal muscle "rarely colonised"; the value is a placeholder.
            default_spec(
                "skeletal_muscle",
                0.16,
                lung(),
                OTHER_ARREST,
                MUSCLE_GROWTH,
                1e8,
            ),
            default_spec("heart_wall", 0.07, lung(), OTHER_ARREST, 1.0, 1e8),
            // The remainder, so that the shares sum to 1 (the organs above
            // sum to 0.685): adipose, the rest of the gut, glands and other
            // tissues not listed.
            default_spec("other_tissues", 0.315, lung(), OTHER_ARREST, 1.0, 1e8),
        ];
        let veins = vec![
            vein("tail_vein", lung()),
            vein("mesenteric_vein", liver()),
            vein("portal_vein", liver()),
            vein("left_ventricle", Arterial),
        ];
        (organs, veins)
    }

    /// The specs this set was built from: `OrganSet::new(specs)` gives the
    /// same set back.
    pub fn specs(&self) -> (Vec<OrganSpec>, Vec<VeinSpec>) {
        let name = |id: OrganId| self.organ(id).name.clone();
        let organs = self
            .organs
            .iter()
            .map(|o| OrganSpec {
                name: o.name.clone(),
                cardiac_output_share: o.cardiac_output_share,
                drains_to: match o.drains_to {
                    Drain::Organ(id) => DrainSpec::Organ(name(id)),
                    Drain::Arterial => DrainSpec::Arterial,
                },
                arrest_probability: o.arrest_probability,
                extravasation_rate: o.extravasation_rate,
                arrested_death_rate: o.arrested_death_rate,
                solitary_death_rate: o.solitary_death_rate,
                dormancy_entry_rate: o.dormancy_entry_rate,
                dormancy_exit_rate: o.dormancy_exit_rate,
                dormant_death_rate: o.dormant_death_rate,
                growth_multiplier: o.growth_multiplier,
                solitary_division_multiplier: o.solitary_division_multiplier,
                carrying_capacity: o.carrying_capacity,
                venous_routes: o
                    .venous_routes
                    .iter()
                    .map(|route| RouteSpec {
                        to: match route.to {
                            Drain::Organ(id) => DrainSpec::Organ(name(id)),
                            Drain::Arterial => DrainSpec::Arterial,
                        },
                        share: route.share,
                    })
                    .collect(),
            })
            .collect();
        let veins = self
            .veins
            .iter()
            .map(|(vein, entry)| VeinSpec {
                name: vein.clone(),
                leads_to: match entry {
                    Entry::Bed(id) => DrainSpec::Organ(name(*id)),
                    Entry::Arterial => DrainSpec::Arterial,
                },
            })
            .collect();
        (organs, veins)
    }

    /// The number of organs.
    pub fn len(&self) -> usize {
        self.organs.len()
    }

    /// Whether the set has no organs (never, for a validated set).
    pub fn is_empty(&self) -> bool {
        self.organs.is_empty()
    }

    /// The organ `id`.
    ///
    /// # Panics
    ///
    /// If `id` is not an organ of this set (`id.index() >= self.len()`).
    pub fn organ(&self, id: OrganId) -> &Organ {
        &self.organs[id.index()]
    }

    /// The organs with their ids, in id order.
    pub fn organs(&self) -> impl Iterator<Item = (OrganId, &Organ)> {
        self.organs
            .iter()
            .enumerate()
            .map(|(i, o)| (organ_id(i), o))
    }

    /// The id of the organ named `name` (exact, case-sensitive match).
    pub fn id(&self, name: &str) -> Option<OrganId> {
        self.organs
            .iter()
            .position(|o| o.name == name)
            .map(organ_id)
    }

    /// The organs' names, in id order.
    pub fn names(&self) -> Vec<&str> {
        self.organs.iter().map(|o| o.name.as_str()).collect()
    }

    /// Where an injection into the vein named `name` enters, if the set has
    /// that vein.
    pub fn vein(&self, name: &str) -> Option<&Entry> {
        self.veins
            .iter()
            .find(|(vein, _)| vein == name)
            .map(|(_, entry)| entry)
    }

    /// The veins' names, in the order they were given.
    pub fn vein_names(&self) -> Vec<&str> {
        self.veins.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// The organ a cell reaching the arterial side goes to, given `u`
    /// uniform in [0, 1): the first organ whose cumulative share exceeds
    /// `u`, so that each organ is chosen with probability equal to its share
    /// (the shares normalised by their sum, which is 1 within
    /// [`SHARE_SUM_TOLERANCE`]).
    ///
    /// Organs with share 0 are never chosen. `u` at or above the top of the
    /// cumulative shares (rounding) goes to the last organ with a positive
    /// share; a negative or NaN `u` counts as 0.
    pub fn arterial_destination(&self, u: f64) -> OrganId {
        let u = if u.is_nan() { 0.0 } else { u.max(0.0) };
        let i = self.cumulative.partition_point(|&c| c <= u);
        if i < self.cumulative.len() {
            organ_id(i)
        } else {
            self.last_positive
        }
    }

    /// The cardiac output shares normalised by their sum, in organ order:
    /// the differences of the cumulative shares that
    /// [`arterial_destination`](Self::arterial_destination) uses. Each is in
    /// [0, 1] and they sum to 1 within rounding (about 1e-15), however far
    /// the given shares' sum is from 1 within [`SHARE_SUM_TOLERANCE`]: the
    /// probabilities for a multinomial draw of cells reaching the arterial
    /// side.
    pub fn arterial_shares(&self) -> impl Iterator<Item = f64> + '_ {
        let mut previous = 0.0;
        self.cumulative.iter().map(move |&c| {
            let share = c - previous;
            previous = c;
            share
        })
    }

    /// Where blood leaving `organ`'s bed goes.
    ///
    /// # Panics
    ///
    /// If `organ` is not an organ of this set.
    pub fn drain(&self, organ: OrganId) -> &Drain {
        &self.organ(organ).drains_to
    }

    /// Where `organ`'s venous blood goes: its venous routes, or its drain
    /// with share 1 when it has none (never empty).
    pub fn routes(&self, organ: OrganId) -> &[Route] {
        &self.routes[organ.index()]
    }

    /// The bed a cell leaving `organ`'s bed goes to: its drain when it has
    /// one route, without calling `uniform`; otherwise a route picked by
    /// share with one number from `uniform`.
    pub fn venous_destination(&self, organ: OrganId, uniform: impl FnOnce() -> f64) -> &Drain {
        match self.routes(organ) {
            [only] => &only.to,
            several => routes::pick(several, uniform()),
        }
    }
}

/// The serialised form of an [`OrganSet`]: its specs.
#[derive(Serialize, Deserialize)]
struct OrganSetSpecs {
    organs: Vec<OrganSpec>,
    veins: Vec<VeinSpec>,
}

impl Serialize for OrganSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (organs, veins) = self.specs();
        OrganSetSpecs { organs, veins }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for OrganSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let specs = OrganSetSpecs::deserialize(deserializer)?;
        OrganSet::new(specs.organs, specs.veins).map_err(serde::de::Error::custom)
    }
}

// Default microenvironment, shared by the human and mouse sets.

/// Default arrest probability in the lung: the first capillary bed for
/// venous blood. No published value in `docs/references.md`: placeholder,
/// to be calibrated (issue 5).
pub const LUNG_ARREST: f64 = 0.9;

/// Default arrest probability in the liver (the first bed for portal
/// blood). No published value in `docs/references.md`: placeholder, to be
/// calibrated (issue 5).
pub const LIVER_ARREST: f64 = 0.8;

/// Default arrest probability in every other organ. No published value in
/// `docs/references.md`: placeholder, to be calibrated (issue 5).
pub const OTHER_ARREST: f64 = 0.5;

/// Default extravasation rate of arrested cells, per day. Placeholder, to
/// be calibrated (issue 5), chosen so that most arrested cells extravasate
/// within a day: with [`ARRESTED_DEATH_RATE`], 2.0 / 2.3 ≈ 87% of arrested
/// cells extravasate, with a mean wait of about 10 h. Consistency target:
/// `docs/references.md#metastatic-inefficiency`: Koop et al. 1995, ">80% of
/// B16F10 cells survived and extravasated by 24 h" (H).
pub const EXTRAVASATION_RATE: f64 = 2.0;

/// Default death rate of arrested cells in the vessel, per day. No
/// published value in `docs/references.md`: placeholder, to be calibrated
/// (issue 5).
pub const ARRESTED_DEATH_RATE: f64 = 0.3;

/// Default death rate of extravasated solitary cells, per day. No published
/// value in `docs/references.md`: placeholder, to be calibrated (issue 5; the
/// Luzzi et al. 1998 row, confidence L, is a candidate target).
pub const SOLITARY_DEATH_RATE: f64 = 0.5;

/// Default dormancy entry rate of solitary cells, per day. No published
/// value in `docs/references.md`: placeholder, to be calibrated (issue 5).
pub const DORMANCY_ENTRY_RATE: f64 = 0.2;

/// Default dormancy exit rate, per day. No published value in
/// `docs/references.md`: placeholder, to be calibrated (issue 5).
pub const DORMANCY_EXIT_RATE: f64 = 0.01;

/// Default death rate of dormant cells, per day. No published value in
/// `docs/references.md`: placeholder, to be calibrated (issue 5).
pub const DORMANT_DEATH_RATE: f64 = 0.001;

/// Default growth multiplier of skeletal muscle.
/// `docs/references.md#host-organs-soil`: skeletal muscle is "rarely
/// colonised: a soil counter-example"; the value is a placeholder, to be
/// calibrated (issue 5).
pub const MUSCLE_GROWTH: f64 = 0.05;

/// Default growth multiplier of the kidneys.
/// `docs/references.md#host-organs-soil`: Hart & Fidler 1980, kidney grafts
/// stayed free of B16 tumours while lung grafts grew them, with the same
/// initial arrest; the value is a placeholder, to be calibrated (issue 5).
pub const KIDNEY_GROWTH: f64 = 0.1;

/// Default growth multiplier of the human skeleton: a placeholder chosen to
/// reflect the observed bone tropism of prostate and breast cancer
/// (`docs/references.md#organ-distributions-in-patients`: prostate, bone
/// 90%; breast luminal A, bone 66%), to be calibrated (issue 5).
pub const BONE_GROWTH: f64 = 1.5;

/// Default solitary division multiplier (colonisation, apart from growth)
/// of the human skeleton: how often a solitary cell in bone starts a
/// colony. No published figure gives it (the organ distributions of
/// `docs/references.md#organ-distributions-in-patients` are what
/// validation rows 16–17 test, so they cannot set it): a placeholder at 1,
/// listed as one by the runner's warning of placeholder parameters
/// (`docs/colonisation.md`, Bone's soil).
pub const BONE_SOLITARY_DIVISION_MULTIPLIER: f64 = 1.0;

// Carrying capacities (the last argument of `default_spec`) are
// placeholders, to be calibrated (issue 5): 1 g of tissue is about 10^9
// cells (`docs/references.md#circulation-dormancy-kinetics`: "1 mm^3 of
// tumour about 10^6 cells; 1 cm^3 (1 g) about 10^9", M), and the values are
// of the order of a large colony in the organ, not the organ's mass.

/// An organ spec with the default (placeholder) rates.
fn default_spec(
    name: &str,
    cardiac_output_share: f64,
    drains_to: DrainSpec,
    arrest_probability: f64,
    growth_multiplier: f64,
    carrying_capacity: f64,
) -> OrganSpec {
    OrganSpec {
        name: name.into(),
        cardiac_output_share,
        drains_to,
        arrest_probability,
        extravasation_rate: EXTRAVASATION_RATE,
        arrested_death_rate: ARRESTED_DEATH_RATE,
        solitary_death_rate: SOLITARY_DEATH_RATE,
        dormancy_entry_rate: DORMANCY_ENTRY_RATE,
        dormancy_exit_rate: DORMANCY_EXIT_RATE,
        dormant_death_rate: DORMANT_DEATH_RATE,
        growth_multiplier,
        // Neutral: no organ of the presets has a published value.
        solitary_division_multiplier: 1.0,
        carrying_capacity,
        // The main drainage only.
        venous_routes: Vec::new(),
    }
}

fn vein(name: &str, leads_to: DrainSpec) -> VeinSpec {
    VeinSpec {
        name: name.into(),
        leads_to,
    }
}

/// The id of organ `index`, which [`OrganSet::new`] keeps below
/// [`MAX_ORGANS`].
fn organ_id(index: usize) -> OrganId {
    OrganId(u16::try_from(index).expect("an organ set holds at most MAX_ORGANS organs"))
}

fn check_parameters(spec: &OrganSpec) -> Result<(), GraphError> {
    let rate = |v: f64| v.is_finite() && v >= 0.0;
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    let checks: [(&'static str, f64, bool, &'static str); 11] = [
        (
            "cardiac_output_share",
            spec.cardiac_output_share,
            unit(spec.cardiac_output_share),
            SHARE,
        ),
        (
            "arrest_probability",
            spec.arrest_probability,
            unit(spec.arrest_probability),
            PROBABILITY,
        ),
        (
            "extravasation_rate",
            spec.extravasation_rate,
            rate(spec.extravasation_rate),
            RATE,
        ),
        (
            "arrested_death_rate",
            spec.arrested_death_rate,
            rate(spec.arrested_death_rate),
            RATE,
        ),
        (
            "solitary_death_rate",
            spec.solitary_death_rate,
            rate(spec.solitary_death_rate),
            RATE,
        ),
        (
            "dormancy_entry_rate",
            spec.dormancy_entry_rate,
            rate(spec.dormancy_entry_rate),
            RATE,
        ),
        (
            "dormancy_exit_rate",
            spec.dormancy_exit_rate,
            rate(spec.dormancy_exit_rate),
            RATE,
        ),
        (
            "dormant_death_rate",
            spec.dormant_death_rate,
            rate(spec.dormant_death_rate),
            RATE,
        ),
        (
            "growth_multiplier",
            spec.growth_multiplier,
            rate(spec.growth_multiplier),
            MULTIPLIER,
        ),
        (
            "solitary_division_multiplier",
            spec.solitary_division_multiplier,
            rate(spec.solitary_division_multiplier),
            MULTIPLIER,
        ),
        (
            "carrying_capacity",
            spec.carrying_capacity,
            spec.carrying_capacity.is_finite() && spec.carrying_capacity > 1.0,
            CAPACITY,
        ),
    ];
    for (parameter, value, ok, expected) in checks {
        if !ok {
            return Err(GraphError::InvalidParameter {
                organ: spec.name.clone(),
                parameter,
                value,
                expected,
            });
        }
    }
    Ok(())
}

/// Refuses drains that, followed from some organ, never reach the arterial
/// side. Each organ is walked at most once after it is known to reach it.
fn check_acyclic(names: &[&str], drains: &[Drain]) -> Result<(), GraphError> {
    #[derive(Copy, Clone, PartialEq)]
    enum Mark {
        Unknown,
        OnPath,
        ReachesArterial,
    }
    let mut marks = vec![Mark::Unknown; drains.len()];
    let mut path: Vec<usize> = Vec::new();
    for start in 0..drains.len() {
        path.clear();
        let mut at = start;
        loop {
            match marks[at] {
                Mark::ReachesArterial => break,
                Mark::OnPath => {
                    let first = path.iter().position(|&i| i == at).unwrap_or(0);
                    let mut cycle: Vec<String> = path[first..]
                        .iter()
                        .map(|&i| names[i].to_string())
                        .collect();
                    cycle.push(names[at].to_string());
                    return Err(GraphError::DrainCycle {
                        organ: names[start].to_string(),
                        cycle,
                    });
                }
                Mark::Unknown => {
                    marks[at] = Mark::OnPath;
                    path.push(at);
                    match drains[at] {
                        Drain::Organ(next) => at = next.index(),
                        Drain::Arterial => break,
                    }
                }
            }
        }
        for &i in &path {
            marks[i] = Mark::ReachesArterial;
        }
    }
    Ok(())
}

/// The candidate closest to `name` by case-insensitive Levenshtein distance,
/// if one is within distance 2 (the first such candidate on a tie): the
/// "did you mean" hint of error messages.
///
/// ```
/// use cascade_biology::organs::nearest;
///
/// assert_eq!(nearest("lnug", &["liver", "lung"]), Some("lung"));
/// assert_eq!(nearest("Liver", &["liver", "lung"]), Some("liver"));
/// assert_eq!(nearest("pancreas", &["liver", "lung"]), None);
/// ```
pub fn nearest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in candidates {
        let other: Vec<char> = candidate.to_lowercase().chars().collect();
        let Some(distance) = levenshtein_within(&name, &other, NEAREST_DISTANCE) else {
            continue;
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The largest edit distance [`nearest`] offers as a hint.
const NEAREST_DISTANCE: usize = 2;

/// Edit distance (insertions, deletions, substitutions) between `a` and
/// `b` if it is at most `limit`, `None` otherwise.
///
/// Only the diagonal band of width `2 limit + 1` of the dynamic programme
/// can hold a distance within `limit`, so the work is
/// `O(min(|a|, |b|) · limit)`, not `O(|a| · |b|)`: a name of 60,000
/// characters costs as little as its length (a full table took seconds).
fn levenshtein_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Cells outside the band are "more than limit": `far` stands for them.
    let far = limit + 1;
    let width = 2 * limit + 1;
    // previous[k] is the distance of a[..i] to b[..j] with j = i + k - limit.
    let mut previous: Vec<usize> = (0..width)
        .map(|k| match k.checked_sub(limit) {
            Some(j) if j <= b.len() => j.min(far),
            _ => far,
        })
        .collect();
    let mut current = vec![far; width];
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        for k in 0..width {
            current[k] = far;
            let Some(j) = (row + k).checked_sub(limit) else {
                continue;
            };
            if j > b.len() {
                continue;
            }
            if j == 0 {
                current[k] = row.min(far);
                continue;
            }
            // Diagonal: previous row, same k; up (deletion): previous row,
            // k + 1; left (insertion): this row, k - 1.
            let substitution = previous[k] + usize::from(*ca != b[j - 1]);
            let deletion = previous.get(k + 1).map_or(far, |d| d + 1);
            let insertion = k.checked_sub(1).map_or(far, |l| current[l] + 1);
            current[k] = substitution.min(deletion).min(insertion).min(far);
        }
        if current.iter().all(|&d| d >= far) {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    // The end cell: i = |a|, j = |b|, so k = |b| - |a| + limit.
    let k = (b.len() + limit).checked_sub(a.len())?;
    previous.get(k).copied().filter(|&d| d <= limit)
}

/// Why an organ set was refused by [`OrganSet::new`].
#[derive(Clone, Debug, PartialEq)]
pub enum GraphError {
    /// No organs were given.
    Empty,
    /// More organs than an [`OrganId`] can index ([`MAX_ORGANS`]).
    TooManyOrgans {
        /// The number of organs given.
        count: usize,
    },
    /// Two organs have the same name.
    DuplicateOrgan {
        /// The repeated name.
        name: String,
    },
    /// An organ drains to an organ that is not in the set.
    UnknownDrain {
        /// The organ whose drain is unknown.
        organ: String,
        /// The name it drains to.
        target: String,
        /// The organs' names (the arterial side is valid too).
        valid: Vec<String>,
    },
    /// Following the drains from `organ` revisits an organ without reaching
    /// the arterial side.
    DrainCycle {
        /// The first organ (in set order) whose drains loop.
        organ: String,
        /// The loop, starting and ending with the organ revisited, for
        /// example `["liver", "spleen", "liver"]`.
        cycle: Vec<String>,
    },
    /// The cardiac output shares do not sum to 1 within
    /// [`SHARE_SUM_TOLERANCE`].
    SharesDoNotSumToOne {
        /// Their sum.
        sum: f64,
    },
    /// A parameter of an organ is out of range (NaN, a negative or infinite
    /// rate, a probability or share outside [0, 1], a carrying capacity not
    /// above 1 or infinite).
    InvalidParameter {
        /// The organ.
        organ: String,
        /// The field of [`OrganSpec`].
        parameter: &'static str,
        /// The value refused.
        value: f64,
        /// What would be valid.
        expected: &'static str,
    },
    /// Every cardiac output share is 0, so a cell reaching the arterial side
    /// would have nowhere to go.
    NoArterialDestination,
    /// Two veins have the same name.
    DuplicateVein {
        /// The repeated name.
        name: String,
    },
    /// A vein leads to an organ that is not in the set.
    UnknownVeinTarget {
        /// The vein.
        vein: String,
        /// The organ name it leads to.
        target: String,
        /// The organs' names (the arterial side is valid too).
        valid: Vec<String>,
    },
    /// An organ's venous routes are invalid ([`routes`]).
    Route(RouteError),
}

/// Writes `, did you mean "x"?` if a valid name is close to `target`, then
/// what would be valid.
fn write_unknown_target(f: &mut fmt::Formatter<'_>, target: &str, valid: &[String]) -> fmt::Result {
    let candidates: Vec<&str> = valid.iter().map(String::as_str).collect();
    if let Some(close) = nearest(target, &candidates) {
        write!(f, " (did you mean \"{close}\"?)")?;
    }
    write!(f, ", expected Arterial or one of the organs: ")?;
    for (i, name) in valid.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "\"{name}\"")?;
    }
    Ok(())
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Empty => write!(f, "the organ set is empty, expected at least one organ"),
            GraphError::TooManyOrgans { count } => write!(
                f,
                "the organ set has {count} organs, expected at most {MAX_ORGANS}"
            ),
            GraphError::DuplicateOrgan { name } => write!(
                f,
                "organ \"{name}\" is given twice, expected unique organ names"
            ),
            GraphError::UnknownDrain {
                organ,
                target,
                valid,
            } => {
                write!(f, "organ \"{organ}\" drains to unknown organ \"{target}\"")?;
                write_unknown_target(f, target, valid)
            }
            GraphError::DrainCycle { organ, cycle } => write!(
                f,
                "following the drains from organ \"{organ}\" loops ({}) without reaching the \
                 arterial side, expected every chain of drains to end at Arterial",
                cycle.join(" -> ")
            ),
            GraphError::SharesDoNotSumToOne { sum } => write!(
                f,
                "the cardiac output shares sum to {sum}, expected 1 (within {SHARE_SUM_TOLERANCE})"
            ),
            GraphError::InvalidParameter {
                organ,
                parameter,
                value,
                expected,
            } => write!(
                f,
                "organ \"{organ}\": {parameter} = {value} is invalid, expected {expected}"
            ),
            GraphError::NoArterialDestination => write!(
                f,
                "every organ's cardiac output share is 0, expected at least one organ with a \
                 positive share to receive arterial blood"
            ),
            GraphError::DuplicateVein { name } => write!(
                f,
                "vein \"{name}\" is given twice, expected unique vein names"
            ),
            GraphError::UnknownVeinTarget {
                vein,
                target,
                valid,
            } => {
                write!(f, "vein \"{vein}\" leads to unknown organ \"{target}\"")?;
                write_unknown_target(f, target, valid)
            }
            GraphError::Route(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for GraphError {}

#[cfg(test)]
mod tests;
