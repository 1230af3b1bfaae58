//! Micrometastatic dormancy and the angiogenic switch
//! (`docs/dormancy.md`).
//!
//! With an [`AngiogenicSwitch`], a metastasis is founded *avascular*: its
//! cells still divide at their rate (Holmgren, O'Reilly & Folkman 1995:
//! the proliferation index of dormant micrometastases is that of growing
//! ones), but apoptosis rises to balance it (there, 3–4× higher), so that
//! each cell dies at `max(death, birth)`, and no cell divides once the
//! colony holds [`avascular_limit`](AngiogenicSwitch::avascular_limit)
//! cells (Folkman's avascular limit). A balanced birth–death process goes
//! extinct with probability 1, so most avascular colonies regress. Each
//! avascular colony is vascularised (the angiogenic switch,
//! `ColonyVascularised`) at a rate per colony, that of its organ and of
//! its founding clone; from then on it grows as every metastasis did
//! without the switch. The primary is vascular from the start.
//!
//! Only the exact mode (every birth and death an event) does this; a
//! scenario with stepped growth and a switch is refused by
//! [`CascadeConfig::validate`](crate::config::CascadeConfig::validate).

use serde::{Deserialize, Serialize};

use crate::clones::CloneId;
use crate::config::error::{ConfigError, check_non_negative};
use crate::organs::OrganId;
use crate::rates::MAX_RATE;

/// The avascular phase of metastases and the switch that ends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AngiogenicSwitch {
    /// Cells above which an avascular colony does not grow (no cell
    /// divides while it holds at least this many), at least 1.
    pub avascular_limit: u64,
    /// Rate per avascular colony per day of the switch, >= 0 and finite,
    /// before the organ's and the clone's multipliers.
    pub switch_rate: f64,
    /// The switch rate's multiplier per organ (1 for an organ not listed),
    /// each >= 0 and finite.
    #[serde(default)]
    pub in_organs: Vec<(OrganId, f64)>,
    /// The switch rate's multiplier per founding clone (a mutant has its
    /// founder's; 1 for a clone not listed), each >= 0 and finite.
    #[serde(default)]
    pub in_clones: Vec<(CloneId, f64)>,
}

impl AngiogenicSwitch {
    /// The switch's rate, per day, of an avascular colony in `organ`
    /// whose founder descends from the founding clone `founder`.
    pub fn rate(&self, organ: OrganId, founder: CloneId) -> f64 {
        let organ = multiplier(&self.in_organs, organ);
        let clone = multiplier(&self.in_clones, founder);
        self.switch_rate * organ * clone
    }

    /// The rates per cell of a clone in an avascular colony of `size`
    /// cells, from its rates were the colony vascular: births stop at the
    /// avascular limit, and apoptosis balances proliferation.
    pub fn avascular_rates(&self, size: u64, birth: f64, death: f64) -> (f64, f64) {
        let death = death.max(birth);
        let birth = if size >= self.avascular_limit {
            0.0
        } else {
            birth
        };
        (birth, death)
    }

    /// Checks every field: `path` is where the switch is in the
    /// configuration, `organs` and `clones` how many the scenario has.
    ///
    /// # Errors
    ///
    /// The first invalid field, with what would be valid.
    pub fn validate(&self, path: &str, organs: usize, clones: usize) -> Result<(), ConfigError> {
        if self.avascular_limit == 0 {
            return Err(ConfigError::new(
                format!("{path}.avascular_limit"),
                "0",
                "at least 1 cell",
            ));
        }
        check_non_negative(
            self.switch_rate,
            format!("{path}.switch_rate"),
            "a finite rate per colony per day >= 0",
        )?;
        for (i, &(organ, value)) in self.in_organs.iter().enumerate() {
            if organ.index() >= organs {
                return Err(ConfigError::new(
                    format!("{path}.in_organs[{i}].0"),
                    format!("organ {}", organ.0),
                    format!("an organ of the scenario (fewer than {organs})"),
                ));
            }
            check_non_negative(value, format!("{path}.in_organs[{i}].1"), MULTIPLIER)?;
        }
        for (i, &(clone, value)) in self.in_clones.iter().enumerate() {
            if clone.index() >= clones {
                return Err(ConfigError::new(
                    format!("{path}.in_clones[{i}].0"),
                    format!("clone {}", clone.0),
                    format!("a founding clone (fewer than {clones})"),
                ));
            }
            check_non_negative(value, format!("{path}.in_clones[{i}].1"), MULTIPLIER)?;
        }
        let rate = self.switch_rate * largest(&self.in_organs) * largest(&self.in_clones);
        if rate > MAX_RATE {
            return Err(ConfigError::new(
                format!("{path}.switch_rate"),
                crate::rates::number(rate),
                format!(
                    "a switch rate, times its largest organ's and clone's multipliers, of at most {} per day",
                    crate::rates::number(MAX_RATE)
                ),
            ));
        }
        Ok(())
    }
}

/// What a multiplier of the switch's rate must be.
const MULTIPLIER: &str = "a finite multiplier >= 0";

/// The largest multiplier of `list`, or 1 (that of what is not listed).
fn largest<K>(list: &[(K, f64)]) -> f64 {
    list.iter().map(|&(_, v)| v).fold(1.0, f64::max)
}

fn multiplier<K: PartialEq>(list: &[(K, f64)], key: K) -> f64 {
    list.iter()
        .find(|(k, _)| *k == key)
        .map_or(1.0, |&(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn switch() -> AngiogenicSwitch {
        AngiogenicSwitch {
            avascular_limit: 100,
            switch_rate: 0.5,
            in_organs: vec![(OrganId(1), 4.0)],
            in_clones: vec![(CloneId(0), 0.5)],
        }
    }

    #[test]
    fn the_rate_is_the_organs_and_the_clones_multipliers_times_the_switch_rate() {
        let s = switch();
        assert_eq!(s.rate(OrganId(0), CloneId(1)), 0.5);
        assert_eq!(s.rate(OrganId(1), CloneId(1)), 2.0);
        assert_eq!(s.rate(OrganId(1), CloneId(0)), 1.0);
    }

    #[test]
    fn apoptosis_balances_proliferation_and_births_stop_at_the_limit() {
        let s = switch();
        assert_eq!(s.avascular_rates(10, 1.0, 0.2), (1.0, 1.0));
        assert_eq!(s.avascular_rates(10, 0.5, 0.8), (0.5, 0.8));
        assert_eq!(s.avascular_rates(100, 1.0, 0.2), (0.0, 1.0));
    }

    #[test]
    fn invalid_values_are_refused_at_their_field() {
        let path = |s: AngiogenicSwitch| s.validate("angiogenic_switch", 2, 1).unwrap_err().path;
        assert!(switch().validate("angiogenic_switch", 2, 1).is_ok());
        let mut s = switch();
        s.avascular_limit = 0;
        assert_eq!(path(s), "angiogenic_switch.avascular_limit");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let mut s = switch();
            s.switch_rate = bad;
            assert_eq!(path(s), "angiogenic_switch.switch_rate");
            let mut s = switch();
            s.in_organs[0].1 = bad;
            assert_eq!(path(s), "angiogenic_switch.in_organs[0].1");
            let mut s = switch();
            s.in_clones[0].1 = bad;
            assert_eq!(path(s), "angiogenic_switch.in_clones[0].1");
        }
        let mut s = switch();
        s.in_organs[0].0 = OrganId(2);
        assert_eq!(path(s), "angiogenic_switch.in_organs[0].0");
        let mut s = switch();
        s.switch_rate = 1e7;
        assert_eq!(path(s), "angiogenic_switch.switch_rate");
    }

    /// One check (`config::error::check_non_negative`) with the field's
    /// unit in what it expects.
    #[test]
    fn refusals_say_the_unit_of_their_field() {
        let error = |s: AngiogenicSwitch| s.validate("angiogenic_switch", 2, 1).unwrap_err();
        let mut s = switch();
        s.switch_rate = -2.0;
        assert_eq!(
            error(s).to_string(),
            "angiogenic_switch.switch_rate = -2 is invalid, expected a finite rate per colony per day >= 0"
        );
        let mut s = switch();
        s.in_clones[0].1 = f64::NAN;
        assert_eq!(
            error(s).to_string(),
            "angiogenic_switch.in_clones[0].1 = NaN is invalid, expected a finite multiplier >= 0"
        );
    }
}
