//! A sweep's figures, in the report's one style ([`crate::report::figures`]):
//! for one outcome of `points.csv`, a panel per axis, the outcome against
//! the axis' values (ticked at each value of the grid), one line per
//! combination of the other axes' values, each point's 95% interval as a
//! whisker.
//!
//! One panel holds every line of an axis, on one value axis, so that a
//! reader compares the levels and the slopes of the lines directly (does
//! the effect of this axis depend on the others?); the next panel is the
//! same outcome against the next axis, the roles swapped.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Outcome, SweepNumbers};
use crate::report::ReportError;
use crate::report::style::{
    AXIS_TITLE, Area, CAPTION, Drawn, GRID, INK, Key, TICKS, WIDTH, colour, font, legend,
    log_range, number, power_tick, ticks, with_legend,
};

/// The height of the title above the panels.
const TITLE: u32 = 44;
/// The height of one panel.
const PANEL: u32 = 400;
/// Lines named in a panel's legend; the rest are counted.
const MAX_LISTED: usize = 10;

/// A linear axis ticked at given values (the grid's): plotters'
/// `WithKeyPoints` cannot take a label formatter on `f64` in 0.3.
struct Ticked {
    inner: RangedCoordf64,
    keys: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // No light lines between the values.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> core::ops::Range<f64> {
        self.inner.range()
    }
}

/// The figure of `outcome` as SVG: a panel per axis of `numbers`.
///
/// # Errors
///
/// [`ReportError::Draw`] if plotters fails.
pub fn draw(outcome: &Outcome, numbers: &SweepNumbers) -> Result<String, ReportError> {
    let panels = numbers.axes.len().max(1);
    let height = TITLE + PANEL * panels as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| figure(&root, outcome, numbers, panels));
        drawn
            .and_then(|()| root.present().map_err(Into::into))
            .map_err(|e| ReportError::Draw {
                figure: "of a sweep".to_string(),
                message: format!("{}: {e}", outcome.name),
            })?;
    }
    Ok(svg)
}

/// The title and the panels.
fn figure(root: &Area<'_>, outcome: &Outcome, numbers: &SweepNumbers, panels: usize) -> Drawn {
    let (title, body) = root.split_vertically(TITLE);
    title.draw(&Text::new(
        format!(
            "{} against each axis ({}, 95% interval)",
            outcome.name,
            if outcome.share {
                "share of the point's replicates"
            } else {
                "mean per replicate"
            }
        ),
        (WIDTH as i32 / 2, 12),
        font(CAPTION).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    if numbers.axes.is_empty() {
        body.draw(&Text::new(
            "the sweep has no axes: its one point is in points.csv",
            (40, 60),
            font(AXIS_TITLE).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        return Ok(());
    }
    for (k, area) in body.split_evenly((panels, 1)).iter().enumerate() {
        panel(area, outcome, numbers, k)?;
    }
    Ok(())
}

/// The combinations of the values of every axis but `k`: each a list of
/// indices, one per axis (`k`'s left 0), the first axis varying slowest.
fn combinations(numbers: &SweepNumbers, k: usize) -> Vec<Vec<usize>> {
    let mut all = vec![vec![0usize; numbers.axes.len()]];
    for (j, axis) in numbers.axes.iter().enumerate() {
        if j == k {
            continue;
        }
        all = (all.into_iter())
            .flat_map(|c| {
                (0..axis.values.len()).map(move |i| {
                    let mut c = c.clone();
                    c[j] = i;
                    c
                })
            })
            .collect();
    }
    all
}

/// A line's label: the other axes' values (`injections.0.cells.B16 = 2000`).
fn line_label(
    outcome: &Outcome,
    numbers: &SweepNumbers,
    k: usize,
    combination: &[usize],
) -> String {
    let named: Vec<String> = (numbers.axes.iter().enumerate())
        .filter(|(j, _)| *j != k)
        .map(|(j, a)| format!("{} = {}", a.parameter, number(a.values[combination[j]])))
        .collect();
    if named.is_empty() && outcome.share {
        "share of the point's replicates".to_string()
    } else if named.is_empty() {
        "mean over the point's replicates".to_string()
    } else {
        named.join(", ")
    }
}

/// The value axis: its range in the chart's coordinates, and whether it is
/// log10 of the values.
fn value_axis(outcome: &Outcome) -> ((f64, f64), bool) {
    let present = || outcome.values.iter().flatten();
    let means: Vec<f64> = present()
        .map(|v| v.mean)
        .filter(|m| m.is_finite())
        .collect();
    if outcome.share {
        return ((0.0, 1.02), false);
    }
    let low = means.iter().copied().fold(f64::INFINITY, f64::min);
    let high = means.iter().copied().fold(0.0f64, f64::max);
    if !means.is_empty() && low > 0.0 && high >= 100.0 * low {
        let ends = present()
            .flat_map(|v| [Some(v.mean), v.low, v.high])
            .flatten();
        return (log_range(ends).unwrap_or((0.0, 1.0)), true);
    }
    let top = (present().flat_map(|v| [Some(v.mean), v.high]).flatten())
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    ((0.0, if top > 0.0 { top * 1.08 } else { 1.0 }), false)
}

/// The panel of `outcome` against axis `k`.
fn panel(area: &Area<'_>, outcome: &Outcome, numbers: &SweepNumbers, k: usize) -> Drawn {
    let (plot, key) = with_legend(area);
    let axis = &numbers.axes[k];
    let at = |v: f64| {
        if axis.log_scale { libm::log10(v) } else { v }
    };
    let keys: Vec<f64> = axis.values.iter().map(|&v| at(v)).collect();
    let first = keys.iter().copied().fold(f64::INFINITY, f64::min);
    let last = keys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if last > first { last - first } else { 1.0 };
    let (x0, x1) = (first - span * 0.06, last + span * 0.06);
    let ((y0, y1), log_y) = value_axis(outcome);
    let mut chart = ChartBuilder::on(&plot)
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(
            Ticked {
                inner: (x0..x1).into(),
                keys: keys.clone(),
            },
            y0..y1,
        )?;
    let log_x = axis.log_scale;
    let x_label = |x: &f64| number(if log_x { libm::pow(10.0, *x) } else { *x });
    let y_label = |y: &f64| if log_y { power_tick(*y) } else { number(*y) };
    let x_desc = if log_x {
        format!("{} (log scale)", axis.parameter)
    } else {
        axis.parameter.clone()
    };
    let unit = if outcome.share {
        outcome.unit.clone()
    } else {
        format!("{} per replicate", outcome.unit)
    };
    let y_desc = if log_y {
        format!("{unit}, log scale")
    } else {
        unit
    };
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID)
        .max_light_lines(0)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label);
    if log_y {
        mesh.y_labels(ticks(y0, y1));
    }
    mesh.draw()?;
    let y = |v: f64| {
        if !log_y {
            v
        } else if v > 0.0 {
            libm::log10(v).max(y0)
        } else {
            y0
        }
    };
    let lines = combinations(numbers, k);
    let dodge = span * 0.012;
    let mut entries = Vec::new();
    for (j, combination) in lines.iter().enumerate() {
        let c = colour(j);
        let shift = (j as f64 - (lines.len() as f64 - 1.0) / 2.0) * dodge;
        let mut index = combination.clone();
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, &x) in keys.iter().enumerate() {
            index[k] = i;
            let value = outcome.values.get(numbers.point(&index)).copied().flatten();
            let Some(value) = value.filter(|v| v.mean.is_finite()) else {
                if runs.last().is_some_and(|r| !r.is_empty()) {
                    runs.push(Vec::new());
                }
                continue;
            };
            let x = x + shift;
            if let (Some(low), Some(high)) = (value.low, value.high) {
                let (lo, hi) = (y(low), y(high));
                let cap = dodge * 0.5;
                chart.draw_series([
                    PathElement::new(vec![(x, lo), (x, hi)], c.stroke_width(2)),
                    PathElement::new(vec![(x - cap, lo), (x + cap, lo)], c.stroke_width(2)),
                    PathElement::new(vec![(x - cap, hi), (x + cap, hi)], c.stroke_width(2)),
                ])?;
            }
            if let Some(run) = runs.last_mut() {
                run.push((x, y(value.mean)));
            }
        }
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            chart.draw_series(run.iter().map(|p| Circle::new(*p, 5, c.filled())))?;
            chart.draw_series(LineSeries::new(run, c.stroke_width(3)))?;
        }
        if j < MAX_LISTED {
            entries.push((Key::Line(c), line_label(outcome, numbers, k, combination)));
        }
    }
    if lines.len() > MAX_LISTED {
        entries.push((
            Key::Fill(WHITE),
            format!("and {} more lines", lines.len() - MAX_LISTED),
        ));
    }
    let interval = if outcome.unit == "probability" {
        "whiskers: Wilson's 95% interval"
    } else {
        "whiskers: 95% interval of the mean (Student's t)"
    };
    entries.push((Key::Line(INK), interval.to_string()));
    legend(&key, &entries)
}
