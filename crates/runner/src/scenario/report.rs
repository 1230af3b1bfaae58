//! The scenario's `report` section: what `cascade report` draws beside the
//! model's numbers. It changes nothing the model does (no digest depends
//! on it).
//!
//! `published_organs` is a published organ distribution of metastases
//! (autopsy or clinical series), drawn beside the model's organ shares:
//!
//! ```ron
//! report: (
//!     published_organs: (
//!         source: "Bubendorf et al. 2000, Hum Pathol 31:578",
//!         measure: Patients,
//!         n: 556,
//!         organs: [
//!             (organ: "skeleton", share: 0.90),
//!             (organ: "lung", share: 0.46),
//!         ],
//!     ),
//! ),
//! ```

use serde::{Deserialize, Serialize};

use super::{Unplaced, invalid, unknown_name};

/// The `report` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    /// A published organ distribution of metastases, if the scenario
    /// models a series that has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_organs: Option<PublishedOrgans>,
}

impl ReportSpec {
    /// Whether the section says nothing (it is then left out when the
    /// scenario is written back).
    pub fn is_empty(&self) -> bool {
        self.published_organs.is_none()
    }
}

/// What a published organ share is a share of.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublishedMeasure {
    /// Of the patients with metastases, those with a metastasis in the
    /// organ (an autopsy series' "involvement": the shares may add up to
    /// more than 1). The model's counterpart: of the replicates with a
    /// living metastasis of at least `macrometastasis_size` cells at the
    /// end, those with one in the organ.
    Patients,
    /// Of all metastases, those in the organ (the shares add up to at most
    /// 1). The model's counterpart: its share of the metastases founded.
    Metastases,
}

/// A published organ distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedOrgans {
    /// Where it is published (author, year, journal), as the report cites
    /// it.
    pub source: String,
    /// What each share is a share of.
    pub measure: PublishedMeasure,
    /// How many patients (or metastases) the shares are of; with it, an
    /// organ without its own interval gets Wilson's 95% interval for a
    /// share of `n`.
    #[serde(default, deserialize_with = "super::whole::optional_u64")]
    pub n: Option<u64>,
    /// The organs, each with its share.
    pub organs: Vec<PublishedOrgan>,
}

/// One organ's published share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedOrgan {
    /// The organ, by the scenario's organ names.
    pub organ: String,
    /// The share, in [0, 1].
    pub share: f64,
    /// The lower end of its published 95% interval, if the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// The upper end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
}

/// Checks the section against the scenario's organs: known organs, each
/// once; shares in [0, 1], within their interval; `low` and `high`
/// together; `n` at least 1; shares of metastases adding up to at most 1.
pub(crate) fn check(spec: &ReportSpec, organ_names: &[&str]) -> Result<(), Unplaced> {
    let Some(published) = &spec.published_organs else {
        return Ok(());
    };
    let path = "report.published_organs";
    if published.source.trim().is_empty() {
        return Err(Unplaced::new(
            format!("{path}.source"),
            "the source is empty, expected the publication (author, year, journal)",
        ));
    }
    if published.n == Some(0) {
        return Err(invalid(format!("{path}.n"), 0, "at least 1, or no n"));
    }
    if published.organs.is_empty() {
        return Err(Unplaced::new(
            format!("{path}.organs"),
            "the organ list is empty, expected at least one (organ: NAME, share: S)",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (k, organ) in published.organs.iter().enumerate() {
        let at = format!("{path}.organs[{k}]");
        if !organ_names.contains(&organ.organ.as_str()) {
            return Err(unknown_name(
                format!("{at}.organ"),
                "organ",
                &organ.organ,
                organ_names,
            ));
        }
        if seen.contains(&organ.organ.as_str()) {
            return Err(Unplaced::new(
                format!("{at}.organ"),
                format!(
                    "\"{}\" is given twice, expected each organ once",
                    organ.organ
                ),
            ));
        }
        seen.push(&organ.organ);
        check_share(organ.share, format!("{at}.share"))?;
        check_interval(organ, &at)?;
    }
    let total: f64 = published.organs.iter().map(|o| o.share).sum();
    if published.measure == PublishedMeasure::Metastases && total > 1.0 + 1e-9 {
        return Err(Unplaced::new(
            format!("{path}.organs"),
            format!(
                "the shares of metastases add up to {total}, expected at most 1 (shares of \
                 patients with metastases in each organ may add up to more: `measure: Patients`)"
            ),
        ));
    }
    Ok(())
}

fn check_share(value: f64, path: String) -> Result<(), Unplaced> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(path, value, "a share in [0, 1] (90% is 0.9)"))
    }
}

/// `low` and `high` given together, each a share, around the share.
fn check_interval(organ: &PublishedOrgan, at: &str) -> Result<(), Unplaced> {
    match (organ.low, organ.high) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(Unplaced::new(
            format!("{at}.low"),
            "low without high, expected both ends of the interval or neither",
        )),
        (None, Some(_)) => Err(Unplaced::new(
            format!("{at}.high"),
            "high without low, expected both ends of the interval or neither",
        )),
        (Some(low), Some(high)) => {
            check_share(low, format!("{at}.low"))?;
            check_share(high, format!("{at}.high"))?;
            if low > organ.share {
                return Err(invalid(
                    format!("{at}.low"),
                    low,
                    &format!("at most the share {}", organ.share),
                ));
            }
            if high < organ.share {
                return Err(invalid(
                    format!("{at}.high"),
                    high,
                    &format!("at least the share {}", organ.share),
                ));
            }
            Ok(())
        }
    }
}
