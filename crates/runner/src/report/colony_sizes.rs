//! The colony sizes at each harvest (`colony_sizes.csv`): for each harvest
//! day and organ, how many metastases per replicate have at least `x`
//! cells, over every `x` (the complementary cumulative distribution, times
//! the metastases per replicate), on log–log axes, where a power law of
//! sizes is a straight line. At `x` = `macrometastasis_size` the curve
//! reads the colonies per replicate of `harvests.csv`.

use core::fmt::Write as _;
use std::collections::BTreeMap;

use plotters::prelude::*;
use serde::Serialize;

use super::html::escape;
use super::style::{
    AXIS_TITLE, Area, CAPTION, Drawn, GRID, INK, Key, TICKS, colour, font, legend, log_range,
    number, power_tick, ticks, with_legend,
};
use super::{ReportError, TableRows, count, real, text};

/// At most this many curves (harvest day and organ) are drawn: those with
/// the most metastases.
pub const CURVES: usize = 8;

/// The sizes of the metastases at every harvest.
#[derive(Clone, Debug, Serialize)]
pub struct ColonySizes {
    /// Replicates (the curves are per replicate).
    pub replicates: u64,
    /// The scenario's `macrometastasis_size`: a colony has at least as
    /// many cells.
    pub macrometastasis_size: u64,
    /// One curve per harvest day and organ with metastases, by day then in
    /// the organs' order.
    pub curves: Vec<SizeCurve>,
}

/// The sizes at one harvest in one organ.
#[derive(Clone, Debug, Serialize)]
pub struct SizeCurve {
    /// The harvest day.
    pub day: f64,
    /// The organ.
    pub organ: String,
    /// Metastases, over every replicate.
    pub metastases: u64,
    /// Of those, the colonies (at least `macrometastasis_size` cells).
    pub colonies: u64,
    /// The largest.
    pub largest: u64,
    /// Each size held by a metastasis (ascending), with the metastases per
    /// replicate of at least that size.
    pub at_least: Vec<(u64, f64)>,
    /// Whether the figure draws it (the [`CURVES`] with the most
    /// metastases).
    pub drawn: bool,
}

impl ColonySizes {
    /// The sizes of `colony_sizes.csv`'s rows, organs in `organ_names`'
    /// order.
    ///
    /// # Errors
    ///
    /// [`ReportError::Column`] if a column it reads is missing.
    pub fn of(
        table: &TableRows,
        replicates: u64,
        macrometastasis_size: u64,
        organ_names: &[String],
    ) -> Result<ColonySizes, ReportError> {
        let (day, organ, cells) = (
            table.column("day")?,
            table.column("organ")?,
            table.column("cells")?,
        );
        // (day's bits, organ's position) -> sizes; days are ordered by
        // their total order, which for the non-negative days of a harvest
        // is the order of their bits.
        let mut sizes: BTreeMap<(u64, usize), Vec<u64>> = BTreeMap::new();
        for row in &table.rows {
            let (Some(d), Some(o)) = (
                real(row, day),
                organ_names.iter().position(|n| n == text(row, organ)),
            ) else {
                continue;
            };
            sizes
                .entry((d.to_bits(), o))
                .or_default()
                .push(count(row, cells));
        }
        let per_replicate = |n: usize| n as f64 / replicates.max(1) as f64;
        let mut curves: Vec<SizeCurve> = (sizes.into_iter())
            .map(|((d, o), mut sizes)| {
                sizes.sort_unstable();
                let mut at_least = Vec::new();
                for (i, &size) in sizes.iter().enumerate() {
                    if i == 0 || sizes[i - 1] != size {
                        at_least.push((size, per_replicate(sizes.len() - i)));
                    }
                }
                SizeCurve {
                    day: f64::from_bits(d),
                    organ: organ_names[o].clone(),
                    metastases: sizes.len() as u64,
                    colonies: sizes.iter().filter(|&&s| s >= macrometastasis_size).count() as u64,
                    largest: sizes.last().copied().unwrap_or(0),
                    at_least,
                    drawn: false,
                }
            })
            .collect();
        let mut order: Vec<usize> = (0..curves.len()).collect();
        order.sort_by(|&a, &b| {
            curves[b]
                .metastases
                .cmp(&curves[a].metastases)
                .then(a.cmp(&b))
        });
        for &i in order.iter().take(CURVES) {
            curves[i].drawn = true;
        }
        Ok(ColonySizes {
            replicates,
            macrometastasis_size,
            curves,
        })
    }
}

/// The figure's heading and caption.
pub(super) const WORDS: (&str, &str) = (
    "Colony sizes at each harvest",
    "For each harvest day and organ, the metastases per replicate with at least the number of \
     cells on the horizontal axis (<code>colony_sizes.csv</code>, every living metastasis at \
     the harvest; both axes log scale, so a power law of sizes is a straight line). The dashed \
     line is <code>macrometastasis_size</code>: where it crosses a curve, the curve reads the \
     colonies per replicate of <code>harvests.csv</code>. At most eight curves are drawn, those \
     with the most metastases; the table lists every one.",
);

/// The steps of a curve: `(log10 cells, log10 metastases per replicate)`,
/// dropping at each size held by a metastasis.
fn steps(curve: &SizeCurve) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for (i, &(size, y)) in curve.at_least.iter().enumerate() {
        let x = libm::log10(size as f64);
        points.push((x, libm::log10(y)));
        if let Some(&(_, next)) = curve.at_least.get(i + 1) {
            points.push((x, libm::log10(next)));
        }
    }
    points
}

/// Draws the curves of `sizes`.
pub(super) fn draw(root: &Area<'_>, sizes: &ColonySizes) -> Drawn {
    let (plot, key) = with_legend(root);
    let drawn: Vec<&SizeCurve> = sizes.curves.iter().filter(|c| c.drawn).collect();
    let cells = drawn
        .iter()
        .flat_map(|c| c.at_least.iter().map(|&(s, _)| s as f64))
        .chain([sizes.macrometastasis_size as f64]);
    let (x_low, x_high) = log_range(cells).unwrap_or((0.0, 1.0));
    let shares = drawn
        .iter()
        .flat_map(|c| c.at_least.iter().map(|&(_, y)| y));
    let (y_low, y_high) = log_range(shares).unwrap_or((0.0, 1.0));
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            "Colony sizes at each harvest (metastases per replicate)",
            font(CAPTION),
        )
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_labels(ticks(x_low, x_high))
        .y_labels(ticks(y_low, y_high))
        .x_desc("cells in the metastasis, at least (log scale)")
        .y_desc("metastases per replicate (log scale)")
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&|v| power_tick(*v))
        .y_label_formatter(&|v| power_tick(*v))
        .draw()?;
    let macro_x = libm::log10(sizes.macrometastasis_size.max(1) as f64);
    chart.draw_series(DashedLineSeries::new(
        [(macro_x, y_low), (macro_x, y_high)],
        6,
        4,
        INK.stroke_width(1),
    ))?;
    let mut entries = Vec::new();
    for (k, curve) in drawn.iter().enumerate() {
        let c = colour(k);
        chart.draw_series(std::iter::once(PathElement::new(
            steps(curve),
            c.stroke_width(3),
        )))?;
        let ends = curve
            .at_least
            .iter()
            .map(|&(s, y)| Circle::new((libm::log10(s as f64), libm::log10(y)), 3, c.filled()));
        chart.draw_series(ends)?;
        entries.push((
            Key::Line(c),
            format!(
                "day {}, {}: {} metastases",
                number(curve.day),
                curve.organ,
                curve.metastases
            ),
        ));
    }
    entries.push((
        Key::Line(INK),
        format!(
            "macrometastasis size ({} cells), dashed",
            sizes.macrometastasis_size
        ),
    ));
    if drawn.is_empty() {
        entries.push((Key::Dot(INK), "no living metastasis at any harvest".into()));
    }
    legend(&key, &entries)
}

/// The numbers under the figure: every curve's counts.
pub(super) fn table(html: &mut String, sizes: &ColonySizes) {
    html.push_str(
        "<table><tr><th>harvest</th><th>organ</th><th>metastases</th>\
         <th>colonies (at least macrometastasis_size)</th><th>largest (cells)</th>\
         <th>drawn</th></tr>\n",
    );
    for curve in &sizes.curves {
        let _ = writeln!(
            html,
            "<tr><td>day {}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td></tr>",
            number(curve.day),
            escape(&curve.organ),
            curve.metastases,
            curve.colonies,
            curve.largest,
            if curve.drawn { "yes" } else { "no" }
        );
    }
    if sizes.curves.is_empty() {
        html.push_str("<tr><td colspan=\"6\">no living metastasis at any harvest</td></tr>\n");
    }
    html.push_str("</table>\n");
}
