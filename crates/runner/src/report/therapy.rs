//! Therapy in a run's report: cure and relapse, by both definitions the
//! outputs give, with Wilson's 95% intervals (`therapy.csv`), and the
//! resistant cells per drug at the first dose, at the surgery and at the
//! end, with 95% intervals of the mean (`resistance.csv`). Both are drawn
//! as the validation's bar charts ([`super::bars`]).
//!
//! A run is one arm of a therapy study; a sweep's points are its arms, and
//! the sweep's report draws the same probabilities against each axis
//! (`points.csv`'s `cure_probability`, `relapse_probability`,
//! `relapse_after_clear_surgery_probability`).

use core::fmt::Write as _;
use std::collections::BTreeMap;

use serde::Serialize;

use super::bars::{Bar, BarChart};
use super::html::escape;
use super::style::{Area, Drawn, number};
use super::{Figure, ReportError, TableRows, count, real, text};
use crate::summary::Estimate;

/// What the therapy's figures draw.
#[derive(Clone, Debug, Serialize)]
pub struct TherapyNumbers {
    /// Cure and the two relapses, in that order.
    pub outcomes: Vec<Share>,
    /// Resistant cells per drug, in the order of `resistance.csv`'s rows.
    pub resistance: Vec<DrugResistance>,
}

/// A share of replicates with an outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Share {
    /// The outcome.
    pub name: &'static str,
    /// How it is read from `therapy.csv`.
    pub from: &'static str,
    /// Replicates with it.
    pub replicates: u64,
    /// Of how many.
    pub of: u64,
    /// The share, with Wilson's 95% interval.
    pub share: Estimate,
}

/// One drug's resistant cells.
#[derive(Clone, Debug, Serialize)]
pub struct DrugResistance {
    /// The drug.
    pub drug: String,
    /// Cells resistant to it just before its first dose, over the
    /// replicates that gave it (`resistant_cells_at_first_dose`).
    pub at_first_dose: Estimate,
    /// Just before the surgery, over the replicates with one
    /// (`resistant_cells_at_surgery`).
    pub at_surgery: Estimate,
    /// At the end, over every replicate (`resistant_cells`).
    pub at_end: Estimate,
}

/// The therapy's numbers from `therapy.csv` and `resistance.csv`; `None`
/// for a run without therapy (no rows).
///
/// # Errors
///
/// [`ReportError::Column`] if a column the report reads is missing.
pub fn numbers(
    therapy: &TableRows,
    resistance: &TableRows,
) -> Result<Option<TherapyNumbers>, ReportError> {
    if therapy.rows.is_empty() {
        return Ok(None);
    }
    let (cured, relapse, detectable, clear_relapse) = (
        therapy.column("cured")?,
        therapy.column("relapse_day")?,
        therapy.column("metastases_detectable_at_surgery")?,
        therapy.column("relapse_after_clear_surgery_day")?,
    );
    let rows = &therapy.rows;
    let n = rows.len() as u64;
    let with =
        |f: &dyn Fn(&crate::schema::Row) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
    let share = |name, from, k: u64, of: u64| Share {
        name,
        from,
        replicates: k,
        of,
        share: Estimate::proportion(k, of),
    };
    let mut outcomes = vec![
        share(
            "cured",
            "`cured` is true: no cell alive anywhere at the end",
            with(&|r| super::boolean(r, cured)),
            n,
        ),
        share(
            "relapsed, any detection after therapy",
            "`relapse_day` not empty, over every replicate (the model's definition)",
            with(&|r| real(r, relapse).is_some()),
            n,
        ),
    ];
    // The clinical relapse, over the replicates whose surgery found no
    // metastasis at the detection size (as summary.json's
    // `therapy.after_clear_surgery`).
    let surgery = |r: &crate::schema::Row| {
        r.get(detectable).and_then(|v| match v {
            crate::schema::Value::Count(k) => Some(*k),
            _ => None,
        })
    };
    if rows.iter().any(|r| surgery(r).is_some()) {
        let clear = with(&|r| surgery(r) == Some(0));
        outcomes.push(share(
            "relapsed after a clear surgery",
            "`relapse_after_clear_surgery_day` not empty, over the replicates whose \
             `metastases_detectable_at_surgery` is 0 (the clinical definition)",
            with(&|r| surgery(r) == Some(0) && real(r, clear_relapse).is_some()),
            clear,
        ));
    }
    Ok(Some(TherapyNumbers {
        outcomes,
        resistance: resistant_cells(resistance)?,
    }))
}

/// Resistant cells per drug (`resistance.csv`), each occasion over the
/// replicates with a value.
fn resistant_cells(resistance: &TableRows) -> Result<Vec<DrugResistance>, ReportError> {
    let (drug, end, first, surgery) = (
        resistance.column("drug")?,
        resistance.column("resistant_cells")?,
        resistance.column("resistant_cells_at_first_dose")?,
        resistance.column("resistant_cells_at_surgery")?,
    );
    let cells = |row: &crate::schema::Row, column: usize| match row.get(column) {
        Some(crate::schema::Value::Count(n)) => Some(*n as f64),
        _ => None,
    };
    // Drugs in the order of their first row; each occasion's values.
    let mut order: Vec<String> = Vec::new();
    let mut values: BTreeMap<String, [Vec<f64>; 3]> = BTreeMap::new();
    for row in &resistance.rows {
        let name = text(row, drug).to_string();
        if !values.contains_key(&name) {
            order.push(name.clone());
        }
        let entry = values.entry(name).or_default();
        entry[0].extend(cells(row, first));
        entry[1].extend(cells(row, surgery));
        entry[2].push(count(row, end) as f64);
    }
    Ok((order.into_iter())
        .map(|name| {
            let [first, surgery, end] = values.remove(&name).unwrap_or_default();
            DrugResistance {
                drug: name,
                at_first_dose: Estimate::of(&first),
                at_surgery: Estimate::of(&surgery),
                at_end: Estimate::of(&end),
            }
        })
        .collect())
}

/// Whether `figure` (of the therapy's) has something to draw in a run's
/// `therapy` numbers (none without therapy).
pub fn applies(figure: Figure, therapy: Option<&TherapyNumbers>) -> bool {
    match (figure, therapy) {
        (Figure::Therapy, Some(_)) => true,
        (Figure::Resistance, Some(t)) => !t.resistance.is_empty(),
        _ => false,
    }
}

/// A bar of `e`, with its interval where it has one.
fn bar(e: &Estimate, scale: f64) -> Option<Bar> {
    if e.n == 0 || !e.mean.is_finite() {
        return None;
    }
    Some(match (e.low, e.high) {
        (Some(l), Some(h)) => Bar::with_interval(e.mean * scale, l * scale, h * scale),
        _ => Bar::value(e.mean * scale),
    })
}

/// The chart of cure and relapse.
fn outcomes_chart(therapy: &TherapyNumbers) -> BarChart {
    BarChart {
        title: "Cure and relapse (share of replicates, Wilson's 95% interval)".into(),
        value_label: "share of replicates (%)".into(),
        log_scale: false,
        series: vec!["this run".into()],
        groups: (therapy.outcomes.iter())
            .map(|s| (s.name.to_string(), vec![bar(&s.share, 100.0)]))
            .collect(),
    }
}

/// The chart of resistant cells per drug.
fn resistance_chart(therapy: &TherapyNumbers) -> BarChart {
    let positive = (therapy.resistance.iter())
        .flat_map(|d| [&d.at_first_dose, &d.at_surgery, &d.at_end])
        .flat_map(|e| [Some(e.mean), e.high])
        .flatten()
        .filter(|v| *v > 0.0 && v.is_finite());
    let (low, high) = positive.fold((f64::INFINITY, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let log_scale = high >= 100.0 * low.max(1.0);
    BarChart {
        title: "Cells resistant to each drug (mean per replicate, 95% interval)".into(),
        value_label: if log_scale {
            "resistant cells per replicate, log scale".into()
        } else {
            "resistant cells per replicate".into()
        },
        log_scale,
        series: vec![
            "just before the drug's first dose".into(),
            "just before the surgery".into(),
            "at the end".into(),
        ],
        groups: (therapy.resistance.iter())
            .map(|d| {
                let bars = [&d.at_first_dose, &d.at_surgery, &d.at_end].map(|e| bar(e, 1.0));
                (format!("drug {}", d.drug), bars.to_vec())
            })
            .collect(),
    }
}

/// Draws `figure` (of the therapy's) of a run's `therapy` numbers on
/// `root`.
pub(super) fn draw(root: &Area<'_>, figure: Figure, therapy: Option<&TherapyNumbers>) -> Drawn {
    let Some(therapy) = therapy else {
        return Err("the run has no therapy (no drug, surgery or regimen)".into());
    };
    match figure {
        Figure::Resistance => resistance_chart(therapy).draw(root),
        _ => outcomes_chart(therapy).draw(root),
    }
}

/// The heading and caption of `figure` (of the therapy's).
pub(super) fn words(figure: Figure) -> (&'static str, &'static str) {
    match figure {
        Figure::Resistance => (
            "Resistant cells per drug",
            "Cells alive everywhere whose clone counts as resistant to each drug \
             (<code>resistance.csv</code>): just before the drug's first dose \
             (<code>resistant_cells_at_first_dose</code>, over the replicates that gave it), \
             just before the surgery (<code>resistant_cells_at_surgery</code>, over the \
             replicates with one) and at the end (<code>resistant_cells</code>, every \
             replicate); mean per replicate and its 95% interval.",
        ),
        _ => (
            "Cure and relapse",
            "The share of replicates cured (no cell alive anywhere at the end), relapsed by \
             the model's definition (any detection after therapy: <code>relapse_day</code>, \
             which counts replicates that held a detectable metastasis at the surgery too) \
             and, with a surgery, relapsed by the clinical definition (a detection after a \
             surgery that found no metastasis at the detection size: \
             <code>relapse_after_clear_surgery_day</code>, over those replicates only), from \
             <code>therapy.csv</code>, with Wilson's 95% interval. A run is one arm; the \
             arms of a study are the points of a sweep, whose report draws these shares \
             against each axis.",
        ),
    }
}

/// The numbers of `figure` (of the therapy's) as a table.
pub(super) fn table(html: &mut String, figure: Figure, therapy: Option<&TherapyNumbers>) {
    let Some(therapy) = therapy else {
        return;
    };
    let written = |e: &Estimate| {
        if e.n == 0 {
            "–".to_string()
        } else {
            e.written_with(number)
        }
    };
    if figure == Figure::Resistance {
        html.push_str(
            "<table><tr><th>drug</th><th>at the first dose</th><th>at the surgery</th>\
             <th>at the end</th></tr>\n",
        );
        for d in &therapy.resistance {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td class=\"n\">{} (n = {})</td><td class=\"n\">{} (n = {})</td>\
                 <td class=\"n\">{}</td></tr>",
                escape(&d.drug),
                written(&d.at_first_dose),
                d.at_first_dose.n,
                written(&d.at_surgery),
                d.at_surgery.n,
                written(&d.at_end)
            );
        }
        html.push_str("</table>\n");
        return;
    }
    html.push_str(
        "<table><tr><th>outcome</th><th>from therapy.csv</th><th>replicates</th>\
         <th>share [95% interval]</th></tr>\n",
    );
    for s in &therapy.outcomes {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{} of {}</td><td class=\"n\">{}</td></tr>",
            escape(s.name),
            code(s.from),
            s.replicates,
            s.of,
            written(&s.share)
        );
    }
    html.push_str("</table>\n");
}

/// `text` escaped, its `backquoted` names as code.
fn code(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}
