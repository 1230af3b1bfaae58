//! A published organ distribution beside the model's (the scenario's
//! `report.published_organs`, [`crate::scenario::report`]): for each organ
//! the source names, its published share with a 95% interval (the
//! source's own, else Wilson's for a share of the source's `n`, else none
//! known), and the model's counterpart from `metastases.csv`.

use core::fmt::Write as _;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use serde::Serialize;

use super::html::escape;
use super::style::{INK, Key, colour, number};
use super::{ReportError, TableRows, count, text};
use crate::scenario::report::{PublishedMeasure, PublishedOrgans};
use crate::summary::Estimate;

/// The published distribution and the model's counterpart, organ by organ.
#[derive(Clone, Debug, Serialize)]
pub struct Published {
    /// The source, as the scenario cites it.
    pub source: String,
    /// What the shares are of: `patients` or `metastases`.
    pub measure: &'static str,
    /// What the model's counterpart is.
    pub model: &'static str,
    /// How many patients (or metastases) the shares are of, if the
    /// scenario says.
    pub n: Option<u64>,
    /// The organs, in the scenario's order.
    pub organs: Vec<PublishedShare>,
}

/// One organ's published share and the model's.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedShare {
    /// The organ.
    pub organ: String,
    /// The published share.
    pub published: f64,
    /// Its 95% interval, if one is known.
    pub low: Option<f64>,
    /// Upper end.
    pub high: Option<f64>,
    /// Where the interval comes from: `published`, `Wilson (n)` or `none
    /// known`.
    pub interval: &'static str,
    /// The model's counterpart (with Wilson's 95% interval over replicates
    /// for a share of patients; without an interval for a pooled share of
    /// metastases).
    pub model: Estimate,
}

/// The model's counterpart of a share of patients.
const PATIENTS: &str = "of the replicates with a metastasis of at least macrometastasis_size \
                        cells alive at the end, those with one in the organ";
/// The model's counterpart of a share of metastases.
const METASTASES: &str = "the organ's share of the metastases founded (all organs)";

impl Published {
    /// The published distribution of the scenario beside the model's, from
    /// `metastases.csv`'s rows.
    ///
    /// # Errors
    ///
    /// [`ReportError::Column`] if a column it reads is missing.
    pub fn of(
        spec: &PublishedOrgans,
        metastases: &TableRows,
        replicates: u64,
        macrometastasis_size: u64,
    ) -> Result<Published, ReportError> {
        let (replicate, organ, cells) = (
            metastases.column("replicate")?,
            metastases.column("organ")?,
            metastases.column("cells")?,
        );
        // Per replicate: whether it has a macrometastasis, and in which
        // organs (of the spec's); all metastases founded per organ.
        let n = replicates as usize;
        let mut any = vec![false; n];
        let mut in_organ = vec![vec![false; n]; spec.organs.len()];
        let mut founded = vec![0u64; spec.organs.len()];
        let mut founded_all = 0u64;
        for row in &metastases.rows {
            let r = count(row, replicate) as usize;
            let o = spec.organs.iter().position(|p| p.organ == text(row, organ));
            founded_all += 1;
            if let Some(o) = o {
                founded[o] += 1;
            }
            if r < n && count(row, cells) >= macrometastasis_size {
                any[r] = true;
                if let Some(o) = o {
                    in_organ[o][r] = true;
                }
            }
        }
        let with_any = any.iter().filter(|&&a| a).count() as u64;
        let organs = (spec.organs.iter().enumerate())
            .map(|(o, p)| {
                let model = match spec.measure {
                    PublishedMeasure::Patients => Estimate::proportion(
                        in_organ[o].iter().filter(|&&a| a).count() as u64,
                        with_any,
                    ),
                    PublishedMeasure::Metastases => Estimate {
                        mean: if founded_all > 0 {
                            founded[o] as f64 / founded_all as f64
                        } else {
                            0.0
                        },
                        low: None,
                        high: None,
                        n: founded_all,
                    },
                };
                let (low, high, interval) = match (p.low, p.high, spec.n) {
                    (Some(low), Some(high), _) => (Some(low), Some(high), "published"),
                    (_, _, Some(n)) => {
                        let successes = libm::round(p.share * n as f64) as u64;
                        let wilson = Estimate::proportion(successes.min(n), n);
                        (wilson.low, wilson.high, "Wilson (n)")
                    }
                    _ => (None, None, "none known"),
                };
                PublishedShare {
                    organ: p.organ.clone(),
                    published: p.share,
                    low,
                    high,
                    interval,
                    model,
                }
            })
            .collect();
        Ok(Published {
            source: spec.source.clone(),
            measure: match spec.measure {
                PublishedMeasure::Patients => "patients",
                PublishedMeasure::Metastases => "metastases",
            },
            model: match spec.measure {
                PublishedMeasure::Patients => PATIENTS,
                PublishedMeasure::Metastases => METASTASES,
            },
            n: spec.n,
            organs,
        })
    }

    /// Whether the model's counterpart needs a bar of its own (a share of
    /// patients; a share of metastases is the figure's metastases bar).
    pub fn own_bar(&self) -> bool {
        self.measure == "patients"
    }
}

/// A chart of the organ figure: shares in percent across, organs down.
pub(super) type OrganChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The colour of the model's share of patients.
pub(super) fn patients_colour() -> RGBColor {
    colour(2)
}

/// Draws, on the organ figure's chart, each published share as a diamond
/// with its interval as a whisker at height `at(organ)` (the bar it is
/// compared with), and the model's share of patients as a bar there.
pub(super) fn draw(
    chart: &mut OrganChart<'_, '_>,
    published: &Published,
    at: impl Fn(&str) -> Option<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    for share in &published.organs {
        let Some(y) = at(&share.organ) else { continue };
        if published.own_bar() {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.11), (share.model.mean * 100.0, y + 0.11)],
                patients_colour().mix(0.85).filled(),
            )))?;
            if let (Some(low), Some(high)) = (share.model.low, share.model.high) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(low * 100.0, y), (high * 100.0, y)],
                    RGBColor(0, 90, 60).stroke_width(2),
                )))?;
            }
        }
        let x = share.published * 100.0;
        if let (Some(low), Some(high)) = (share.low, share.high) {
            let whisker = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(low * 100.0, y), (high * 100.0, y)], whisker),
                PathElement::new(
                    vec![(low * 100.0, y - 0.09), (low * 100.0, y + 0.09)],
                    whisker,
                ),
                PathElement::new(
                    vec![(high * 100.0, y - 0.09), (high * 100.0, y + 0.09)],
                    whisker,
                ),
            ])?;
        }
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y))
                + Polygon::new(vec![(0, -8), (8, 0), (0, 8), (-8, 0)], INK.filled()),
        ))?;
    }
    Ok(())
}

/// The legend's entries for the published distribution.
pub(super) fn legend(published: &Published) -> Vec<(Key, String)> {
    let mut entries = Vec::new();
    if published.own_bar() {
        entries.push((
            Key::Fill(patients_colour()),
            "replicates with a macrometastasis there, of those with any (95% CI)".to_string(),
        ));
    }
    entries.push((
        Key::Diamond(INK),
        format!("published: {} (95% CI)", published.source),
    ));
    entries
}

/// The rows of the table under the organ figure.
pub(super) fn table(html: &mut String, published: &Published) {
    let _ = writeln!(
        html,
        "<p>Published ({}): the share of {} with metastases in each organ{}. The model's \
         counterpart: {}.</p>",
        escape(&published.source),
        published.measure,
        published
            .n
            .map_or(String::new(), |n| format!(", of n = {n}")),
        published.model
    );
    html.push_str(
        "<table><tr><th>organ</th><th>published share [95% interval]</th>\
         <th>interval from</th><th>model [95% interval]</th></tr>\n",
    );
    let share = |x: f64| format!("{}%", number(x * 100.0));
    for organ in &published.organs {
        let interval = match (organ.low, organ.high) {
            (Some(l), Some(h)) => format!(" [{}, {}]", share(l), share(h)),
            _ => String::new(),
        };
        let model = match (organ.model.low, organ.model.high) {
            (Some(l), Some(h)) => {
                format!("{} [{}, {}]", share(organ.model.mean), share(l), share(h))
            }
            _ => share(organ.model.mean),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(&organ.organ),
            share(organ.published),
            interval,
            organ.interval,
            model
        );
    }
    html.push_str("</table>\n");
}
