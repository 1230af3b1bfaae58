//! The bounds every per-cell rate and every time scale of a run keeps.
//!
//! A rate that is not a finite number, or so large that the waits it
//! draws vanish against the day they are added to, does not make a wrong
//! result: it makes no result. `5.0 + 1e-300 == 5.0`, so a clock that fires
//! at such a rate fires again and again at the same instant and the run
//! never reaches its last day; a transit time of `1e-320` days has an
//! infinite reciprocal and gives NaN rates. So the model accepts a rate only
//! where it is made, with a bound:
//!
//! - every per-cell rate, after the organ's rates, the clone's affinities
//!   and the solitary division multipliers are multiplied in, is finite and
//!   at most [`MAX_RATE`] per cell per day (once per 0.0864 s of simulated
//!   time): checked for the founding clones by
//!   [`CascadeConfig::validate`](crate::config::CascadeConfig::validate),
//!   for a mutant when it arises (a log-normal `mutation_effect` can run a
//!   rate away), and for every rate a clock is drawn with;
//! - the transit time is at least `1 / MAX_RATE` days, for the same
//!   reason (cells in transit arrive at the next bed at its reciprocal);
//! - every time scale (the transit time, the reciprocal of every per-cell
//!   rate) is at least `stop_day ×` [`TIME_RESOLUTION`] days
//!   ([`check_time_scales`](crate::config::check_time_scales)): shorter, a wait near the end of the run keeps
//!   fewer than 12 of its 53 bits, and one below `stop_day × 2⁻⁵³` does
//!   not move the clock at all.
//!
//! A site's total rate (cells × per-cell rates) has no bound of its own: a
//! site of 10¹⁵ cells in exact mode has waits of 10⁻¹⁵ days. The kernel's
//! stall limit (`RunLimits::with_stall_limit`) stops such a run, with the
//! cause, instead of letting it spin.

use core::fmt;
use core::ops::ControlFlow;

use crate::clones::Phenotype;
use crate::organs::{OrganId, OrganSet};

/// The largest rate the model accepts for one cell, per day: one event per
/// 0.0864 s of simulated time. The fastest rates of the shipped scenarios
/// are the arrival of a cell in transit at the next capillary bed (1,440
/// per day, a transit time of one minute) and deaths in circulation (about
/// 10 per day); a rate near this bound is a mistake or a runaway mutant.
pub const MAX_RATE: f64 = 1e6;

/// The finest time scale a run accepts, as a share of its last day:
/// 2⁻⁴⁰ (about 9.1 × 10⁻¹³). At `stop_day`, a double resolves
/// `stop_day × 2⁻⁵²`, so a wait of this scale keeps 12 bits.
pub const TIME_RESOLUTION: f64 = 1.0 / 1_099_511_627_776.0;

/// One per-cell rate of a clone: where it comes from and its value.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct PerCellRate {
    /// The field of the clone's [`Phenotype`] it is made from.
    pub field: RateField,
    /// The organ it applies in (`None`: the primary, or everywhere).
    pub organ: Option<OrganId>,
    /// What happens at this rate, in words (`divisions of solitary cells`).
    pub fate: &'static str,
    /// Per cell per day.
    pub rate: f64,
}

/// A field of a [`Phenotype`] that a per-cell rate is made from; written
/// as a path relative to the phenotype (`in_metastases.birth_rate`,
/// `affinity[2].extravasation`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RateField {
    /// `in_primary.birth_rate`.
    PrimaryBirth,
    /// `in_primary.death_rate`.
    PrimaryDeath,
    /// `in_metastases.birth_rate`.
    MetastasisBirth,
    /// `in_metastases.death_rate`.
    MetastasisDeath,
    /// `shedding_rate`.
    Shedding,
    /// `in_metastases.shedding_rate` (`Phenotype::shedding_rate_in_metastases`).
    MetastasisShedding,
    /// `circulation_death_rate`.
    CirculationDeath,
    /// `affinity[o].growth`.
    AffinityGrowth(OrganId),
    /// `affinity[o].extravasation`.
    AffinityExtravasation(OrganId),
    /// `solitary_division_multiplier` (the clone's colonisation).
    SolitaryDivision,
    /// A field of organ `o`'s own (`extravasation_rate`): not the clone's,
    /// but named through it.
    Organ(OrganId, &'static str),
}

impl RateField {
    /// The field's value: in `phenotype`, or in its organ of `organs`.
    pub fn value(self, phenotype: &Phenotype, organs: &OrganSet) -> f64 {
        match self {
            RateField::PrimaryBirth => phenotype.in_primary.birth_rate,
            RateField::PrimaryDeath => phenotype.in_primary.death_rate,
            RateField::MetastasisBirth => phenotype.in_metastases.birth_rate,
            RateField::MetastasisDeath => phenotype.in_metastases.death_rate,
            RateField::Shedding => phenotype.shedding_rate,
            RateField::MetastasisShedding => phenotype.metastatic_shedding_rate(),
            RateField::CirculationDeath => phenotype.circulation_death_rate,
            RateField::AffinityGrowth(o) => phenotype.affinity(o).growth,
            RateField::AffinityExtravasation(o) => phenotype.affinity(o).extravasation,
            RateField::SolitaryDivision => phenotype.solitary_division_multiplier,
            RateField::Organ(o, field) => organ_value(organs.organ(o), field),
        }
    }

    /// Where the field of founding clone `clone` is set, as a path of the
    /// configuration, and its value there, for messages: an organ's field
    /// is placed at `organs` (it may come from a preset, `every`, `change`
    /// or `add`) with the organ named in the value.
    pub fn located(
        self,
        clone: usize,
        phenotype: &Phenotype,
        organs: &OrganSet,
    ) -> (String, String) {
        let value = number(self.value(phenotype, organs));
        match self {
            RateField::Organ(o, field) => (
                "organs".into(),
                format!("the {}'s {field} = {value}", organs.organ(o).name),
            ),
            _ => (format!("clones[{clone}].phenotype.{self}"), value),
        }
    }
}

impl fmt::Display for RateField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateField::PrimaryBirth => write!(f, "in_primary.birth_rate"),
            RateField::PrimaryDeath => write!(f, "in_primary.death_rate"),
            RateField::MetastasisBirth => write!(f, "in_metastases.birth_rate"),
            RateField::MetastasisDeath => write!(f, "in_metastases.death_rate"),
            RateField::Shedding => write!(f, "shedding_rate"),
            RateField::MetastasisShedding => write!(f, "in_metastases.shedding_rate"),
            RateField::CirculationDeath => write!(f, "circulation_death_rate"),
            RateField::AffinityGrowth(o) => write!(f, "affinity[{}].growth", o.index()),
            RateField::AffinityExtravasation(o) => {
                write!(f, "affinity[{}].extravasation", o.index())
            }
            RateField::SolitaryDivision => write!(f, "solitary_division_multiplier"),
            RateField::Organ(o, field) => write!(f, "organ[{}].{field}", o.index()),
        }
    }
}

/// Every per-cell rate of a clone with `phenotype`, anywhere in `organs`,
/// as the clocks use them with neutral modifiers: births and deaths in the
/// primary and in each organ's metastases and solitary cells (with the
/// organ's soil and the clone's affinity), shedding, death in circulation,
/// and extravasation.
pub fn per_cell_rates(phenotype: &Phenotype, organs: &OrganSet) -> Vec<PerCellRate> {
    let mut rates = Vec::new();
    visit_rates(phenotype, organs, |rate| {
        rates.push(rate);
        ControlFlow::Continue(())
    });
    rates
}

/// The first per-cell rate of `phenotype` that is not finite and in
/// `[0, MAX_RATE]`, if any (without allocating: it runs for every mutant).
pub fn out_of_range(phenotype: &Phenotype, organs: &OrganSet) -> Option<PerCellRate> {
    let mut found = None;
    visit_rates(phenotype, organs, |rate| {
        if is_allowed(rate.rate) {
            ControlFlow::Continue(())
        } else {
            found = Some(rate);
            ControlFlow::Break(())
        }
    });
    found
}

/// Calls `visit` with each rate of [`per_cell_rates`], in its order, until
/// it breaks.
fn visit_rates(
    phenotype: &Phenotype,
    organs: &OrganSet,
    mut visit: impl FnMut(PerCellRate) -> ControlFlow<()>,
) {
    let mut send = |field, organ, fate, rate| {
        visit(PerCellRate {
            field,
            organ,
            fate,
            rate,
        })
    };
    let primary = &phenotype.in_primary;
    let metastases = &phenotype.in_metastases;
    for (field, fate, rate) in [
        (
            RateField::PrimaryBirth,
            "divisions in the primary",
            primary.birth_rate,
        ),
        (
            RateField::PrimaryDeath,
            "deaths in the primary",
            primary.death_rate,
        ),
        (RateField::Shedding, "cells shed", phenotype.shedding_rate),
        (
            RateField::CirculationDeath,
            "deaths in circulation",
            phenotype.circulation_death_rate,
        ),
    ] {
        if send(field, None, fate, rate).is_break() {
            return;
        }
    }
    if let Some(rate) = phenotype.shedding_rate_in_metastases {
        let field = RateField::MetastasisShedding;
        if send(field, None, "cells shed from metastases", rate).is_break() {
            return;
        }
    }
    for (id, organ) in organs.organs() {
        let affinity = phenotype.affinity(id);
        // Blame the clone's own rate where it is out of range, else its
        // affinity where the affinity lifts the rate, else the organ.
        let growth = if !is_allowed(metastases.birth_rate) {
            RateField::MetastasisBirth
        } else if affinity.growth > 1.0 || !affinity.growth.is_finite() {
            RateField::AffinityGrowth(id)
        } else {
            RateField::Organ(id, "growth_multiplier")
        };
        // A solitary cell's first division: where the colonies' births are
        // in range, blame the clone's multiplier if it lifts the rate, else
        // the organ's; else the colonies' births' field.
        let births_allowed =
            is_allowed(metastases.birth_rate * organ.growth_multiplier * affinity.growth);
        let clone_lifts = phenotype.solitary_division_multiplier > 1.0
            || !phenotype.solitary_division_multiplier.is_finite();
        let solitary_growth = if births_allowed && clone_lifts {
            RateField::SolitaryDivision
        } else if births_allowed && growth == RateField::Organ(id, "growth_multiplier") {
            RateField::Organ(id, "solitary_division_multiplier")
        } else {
            growth
        };
        let solitary_death = if is_allowed(metastases.death_rate) {
            RateField::Organ(id, "solitary_death_rate")
        } else {
            RateField::MetastasisDeath
        };
        let extravasation = if affinity.extravasation > 1.0 || !affinity.extravasation.is_finite() {
            RateField::AffinityExtravasation(id)
        } else {
            RateField::Organ(id, "extravasation_rate")
        };
        let births = metastases.birth_rate * organ.growth_multiplier * affinity.growth;
        for (field, fate, rate) in [
            (growth, "divisions in metastases", births),
            (
                solitary_growth,
                "divisions of solitary cells",
                births
                    * organ.solitary_division_multiplier
                    * phenotype.solitary_division_multiplier,
            ),
            (
                solitary_death,
                "deaths of solitary cells",
                organ.solitary_death_rate + metastases.death_rate,
            ),
            (
                extravasation,
                "extravasations",
                organ.extravasation_rate * affinity.extravasation,
            ),
        ] {
            if send(field, Some(id), fate, rate).is_break() {
                return;
            }
        }
    }
}

/// Whether `rate` is a per-cell rate the model accepts: finite, >= 0 and at
/// most [`MAX_RATE`].
pub fn is_allowed(rate: f64) -> bool {
    (0.0..=MAX_RATE).contains(&rate)
}

/// The value of one of `organ`'s fields that [`RateField::Organ`] names.
fn organ_value(organ: &crate::organs::Organ, field: &str) -> f64 {
    match field {
        "growth_multiplier" => organ.growth_multiplier,
        "solitary_division_multiplier" => organ.solitary_division_multiplier,
        "solitary_death_rate" => organ.solitary_death_rate,
        "extravasation_rate" => organ.extravasation_rate,
        _ => f64::NAN,
    }
}

/// `value` as a person reads it: plain between 10⁻⁴ and 10⁶, in
/// scientific notation outside (`1e-300`, not three hundred zeros).
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || !value.is_finite() || (1e-4..1e6).contains(&magnitude) {
        value.to_string()
    } else {
        format!("{value:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_to_be_read() {
        assert_eq!(number(1e-300), "1e-300");
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1440.0), "1440");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(0.0), "0");
    }
}
