//! The run report's figures ([`draw`]), in the report's one style
//! ([`super::style`]).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{Numbers, Series, Survival};
use super::style::{
    AXIS_TITLE, Area, CAPTION, Drawn, GRID, HEIGHT, INK, Key, Rows, TICKS, WIDTH, colour, font,
    legend, log_range, number, power_tick, ticks, with_legend,
};
use super::{Figure, ReportError};

type Point = (f64, f64);

/// The figure `figure` of `numbers` as SVG.
///
/// # Errors
///
/// [`ReportError::Draw`] if plotters fails.
pub fn draw(figure: Figure, numbers: &Numbers) -> Result<String, ReportError> {
    if !numbers.figures().contains(&figure) {
        return Err(ReportError::Draw {
            figure: figure.name().to_string(),
            message: "the run has no therapy (no drug, surgery or regimen), or no drug".into(),
        });
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| match figure {
                Figure::Funnel => funnel(&root, numbers),
                Figure::Organs => organs(&root, numbers),
                Figure::Burden => burden(&root, numbers),
                Figure::Survival => survival(&root, numbers),
                Figure::Harvests => harvests(&root, numbers),
                Figure::Composition => composition(&root, numbers),
                Figure::ColonySizes => super::colony_sizes::draw(&root, &numbers.colony_sizes),
                Figure::Lineage => super::lineage::draw(&root, &numbers.lineage),
                Figure::Therapy | Figure::Resistance => {
                    super::therapy::draw(&root, figure, numbers.therapy.as_ref())
                }
            });
        drawn
            .and_then(|()| root.present().map_err(Into::into))
            .map_err(|e| ReportError::Draw {
                figure: figure.name().to_string(),
                message: e.to_string(),
            })?;
    }
    Ok(svg)
}

/// The attrition funnel: one bar per stage (the mean per replicate, on a
/// log axis), its 95% interval as a whisker, and the mean written beside.
fn funnel(root: &Area<'_>, numbers: &Numbers) -> Drawn {
    let stages = &numbers.funnel;
    let n = stages.len();
    let values = stages
        .iter()
        .flat_map(|s| [s.value.mean, s.value.low.unwrap_or(0.0)]);
    let (low, high) =
        log_range(values.chain(stages.iter().filter_map(|s| s.value.high))).unwrap_or((0.0, 1.0));
    let high = high + 0.6; // room for the labels
    let names: Vec<String> = stages.iter().map(|s| s.name.to_string()).collect();
    let rows = Rows {
        title: "Attrition along the cascade (mean per replicate, 95% interval)",
        label_width: 20 + 9 * stages.iter().map(|s| s.name.len()).max().unwrap_or(10) as u32,
        names: &names,
        values: (low, high),
        value_label: "cells per replicate (metastases for the last three stages), log scale",
        ticks: Some(ticks(low, high)),
    };
    let mut chart = rows.chart(root, &|v| power_tick(*v))?;
    for (i, stage) in stages.iter().enumerate() {
        let y = Rows::y(i, n);
        let e = &stage.value;
        if e.mean > 0.0 {
            let x = libm::log10(e.mean);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(low, y - 0.32), (x, y + 0.32)],
                colour(0).mix(0.85).filled(),
            )))?;
        }
        let mut right = if e.mean > 0.0 {
            libm::log10(e.mean)
        } else {
            low
        };
        if let (Some(l), Some(h)) = (e.low, e.high)
            && h > 0.0
        {
            let lx = if l > 0.0 {
                libm::log10(l).max(low)
            } else {
                low
            };
            let hx = libm::log10(h);
            let whisker = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(lx, y), (hx, y)], whisker),
                PathElement::new(vec![(lx, y - 0.15), (lx, y + 0.15)], whisker),
                PathElement::new(vec![(hx, y - 0.15), (hx, y + 0.15)], whisker),
            ])?;
            right = right.max(hx);
        }
        chart.draw_series(std::iter::once(Text::new(
            number(e.mean),
            (right + 0.06, y),
            font(TICKS).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}

/// Metastases per organ next to the share of arrivals: two bars per
/// organ, in percent of the whole body.
fn organs(root: &Area<'_>, numbers: &Numbers) -> Drawn {
    let (plot, key) = with_legend(root);
    let organs = &numbers.organs;
    let n = organs.len().max(1);
    let published = numbers.published.as_ref();
    let top = organs
        .iter()
        .map(|o| o.share_of_metastases.max(o.share_of_arrivals))
        .chain(published.iter().flat_map(|p| {
            (p.organs.iter()).map(|o| o.published.max(o.high.unwrap_or(0.0)).max(o.model.mean))
        }))
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 100.0 * 1.08 } else { 100.0 };
    let names: Vec<String> = organs.iter().map(|o| o.organ.clone()).collect();
    let rows = Rows {
        title: "Where metastases grow, and where the blood took the cells",
        label_width: 20 + 10 * organs.iter().map(|o| o.organ.len()).max().unwrap_or(8) as u32,
        names: &names,
        values: (0.0, top),
        value_label: "share of the whole body (%)",
        ticks: None,
    };
    let mut chart = rows.chart(&plot, &|v| number(*v))?;
    // With a share of patients to compare, a third bar between the two.
    let (upper, lower) = match published {
        Some(p) if p.own_bar() => ((0.14, 0.38), (-0.38, -0.14)),
        _ => ((0.02, 0.38), (-0.38, -0.02)),
    };
    for (i, organ) in organs.iter().enumerate() {
        let y = Rows::y(i, n);
        chart.draw_series([
            Rectangle::new(
                [
                    (0.0, y + upper.0),
                    (organ.share_of_metastases * 100.0, y + upper.1),
                ],
                colour(1).mix(0.85).filled(),
            ),
            Rectangle::new(
                [
                    (0.0, y + lower.0),
                    (organ.share_of_arrivals * 100.0, y + lower.1),
                ],
                colour(0).mix(0.85).filled(),
            ),
        ])?;
    }
    let mut entries = vec![
        (
            Key::Fill(colour(1)),
            "share of the metastases founded".to_string(),
        ),
        (
            Key::Fill(colour(0)),
            "share of the arrivals at capillary beds (arrested + passed): the blood flow"
                .to_string(),
        ),
    ];
    if let Some(p) = published {
        let row = |name: &str| organs.iter().position(|o| o.organ == name);
        let at = |name: &str| {
            let y = Rows::y(row(name)?, n);
            Some(if p.own_bar() { y } else { y + 0.2 })
        };
        super::published::draw(&mut chart, p, at)?;
        entries.extend(super::published::legend(p));
    }
    legend(&key, &entries)
}

/// The points of `series` (day, log10 of the mean) in runs of positive
/// means (a mean of 0 has no place on a log axis: the line breaks there).
fn positive_runs(series: &Series) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (day, e) in series.days.iter().zip(&series.cells) {
        if e.mean > 0.0 {
            if let Some(run) = runs.last_mut() {
                run.push((*day, libm::log10(e.mean)));
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// The burden over time: each series' mean (a line, log axis) and its 95%
/// interval (a band).
fn burden(root: &Area<'_>, numbers: &Numbers) -> Drawn {
    let (plot, key) = with_legend(root);
    let means = numbers
        .burden
        .iter()
        .flat_map(|s| s.cells.iter().map(|e| e.mean));
    let highs = numbers
        .burden
        .iter()
        .flat_map(|s| s.cells.iter().filter_map(|e| e.high));
    let (low, high) = log_range(means.chain(highs)).unwrap_or((0.0, 1.0));
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            "Cells over time (mean over replicates, 95% interval)",
            font(CAPTION),
        )
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..numbers.stop_day, low..high)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_desc("day")
        .y_labels(ticks(low, high))
        .y_desc("cells, log scale")
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&|v| number(*v))
        .y_label_formatter(&|v| power_tick(*v))
        .draw()?;
    let mut entries = Vec::new();
    for (k, series) in numbers.burden.iter().enumerate() {
        let c = colour(k);
        // The band: the interval's upper ends forward, its lower ends back,
        // where the mean is positive.
        let clip = |x: f64| {
            if x > 0.0 {
                libm::log10(x).max(low)
            } else {
                low
            }
        };
        for run in positive_runs(series) {
            let days: Vec<f64> = run.iter().map(|p| p.0).collect();
            let at = |day: f64| series.days.iter().position(|d| *d == day).unwrap_or(0);
            let mut band: Vec<(f64, f64)> = (days.iter())
                .map(|&d| {
                    (
                        d,
                        clip(series.cells[at(d)].high.unwrap_or(series.cells[at(d)].mean)),
                    )
                })
                .collect();
            band.extend((days.iter().rev()).map(|&d| {
                (
                    d,
                    clip(series.cells[at(d)].low.unwrap_or(series.cells[at(d)].mean)),
                )
            }));
            chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))?;
            chart.draw_series(LineSeries::new(run, c.stroke_width(3)))?;
        }
        entries.push((Key::Line(c), series.name.clone()));
    }
    entries.push((
        Key::Fill(GRID),
        "band: 95% interval of the mean".to_string(),
    ));
    legend(&key, &entries)
}

/// The Kaplan–Meier curves: the probability of no event yet, its 95%
/// band, and a cross at each censoring day.
fn survival(root: &Area<'_>, numbers: &Numbers) -> Drawn {
    let (plot, key) = with_legend(root);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            "Time to event (Kaplan–Meier, censored at the last day)",
            font(CAPTION),
        )
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..numbers.stop_day, 0.0..1.02)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_desc("day")
        .y_desc("probability of no event yet")
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&|v| number(*v))
        .y_label_formatter(&|v| number(*v))
        .draw()?;
    let mut entries = Vec::new();
    for (k, curve) in numbers.survival.iter().enumerate() {
        let c = colour(k);
        let (line, band) = steps(curve, numbers.stop_day);
        chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))?;
        chart.draw_series(LineSeries::new(line, c.stroke_width(3)))?;
        let crosses = (curve.censoring_days.iter())
            .map(|&day| Cross::new((day, survival_at(curve, day)), 6, c.stroke_width(2)));
        chart.draw_series(crosses)?;
        entries.push((
            Key::Line(c),
            format!(
                "{}: {} of {} replicates",
                curve.event,
                curve.events,
                curve.events + curve.censored
            ),
        ));
    }
    entries.push((
        Key::Cross(INK),
        "censored (ended without the event)".to_string(),
    ));
    entries.push((
        Key::Fill(GRID),
        "band: 95% interval (Greenwood)".to_string(),
    ));
    if let Some(cured) = &numbers.cured {
        entries.push((
            Key::Fill(WHITE),
            format!("cured at the end: {} of replicates", percent(cured.mean)),
        ));
    }
    legend(&key, &entries)
}

/// `share` as a percentage (`12.5%`).
fn percent(share: f64) -> String {
    format!("{}%", number(share * 100.0))
}

/// The probability of no event by `day` on `curve`.
fn survival_at(curve: &Survival, day: f64) -> f64 {
    (curve.steps.iter())
        .take_while(|s| s.day <= day)
        .last()
        .map_or(1.0, |s| s.survival)
}

/// The step line of `curve` to `end`, and its band (upper ends forward,
/// lower ends back).
fn steps(curve: &Survival, end: f64) -> (Vec<Point>, Vec<Point>) {
    let mut line = Vec::new();
    let (mut upper, mut lower) = (Vec::new(), Vec::new());
    for (i, step) in curve.steps.iter().enumerate() {
        let next = curve.steps.get(i + 1).map_or(end, |s| s.day);
        line.push((step.day, step.survival));
        line.push((next, step.survival));
        upper.push((step.day, step.high));
        upper.push((next, step.high));
        lower.push((step.day, step.low));
        lower.push((next, step.low));
    }
    upper.extend(lower.into_iter().rev());
    (line, upper)
}

/// A harvest day for a tick (`day 10`).
fn day_label(day: f64) -> String {
    format!("day {}", number(day))
}

/// Colonies at each harvest: a dot per replicate (spread sideways by its
/// index), the mean and its 95% interval.
fn harvests(root: &Area<'_>, numbers: &Numbers) -> Drawn {
    let (plot, key) = with_legend(root);
    let days = &numbers.harvests;
    let n = days.len().max(1);
    let top = (days.iter())
        .flat_map(|d| d.colonies.iter().map(|&c| c as f64).chain(d.mean.high))
        .fold(1.0f64, f64::max)
        * 1.08;
    let mut chart = ChartBuilder::on(&plot)
        .caption("Colonies at each harvest", font(CAPTION))
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..top)?;
    let label = |x: f64| {
        let i = (libm::round(x).max(0.0) as usize).min(n - 1);
        days.get(i).map_or(String::new(), |d| day_label(d.day))
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_labels(n)
        .x_desc("harvest")
        .y_desc("colonies per replicate (all organs)")
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&|v| label(*v))
        .y_label_formatter(&|v| number(*v))
        .draw()?;
    if days.is_empty() {
        chart.draw_series(std::iter::once(Text::new(
            "no harvest in this scenario (its harvest_days are empty)",
            (-0.45, top / 2.0),
            font(AXIS_TITLE).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    for (i, day) in days.iter().enumerate() {
        let x = i as f64;
        let dots = (day.colonies.iter().enumerate()).map(|(r, &c)| {
            // A fixed spread: the fractional part of r × the golden ratio.
            let spread = (r as f64 * 0.618_033_988_749_895).fract() - 0.5;
            Circle::new(
                (x + spread * 0.5, c as f64),
                4,
                colour(0).mix(0.55).filled(),
            )
        });
        chart.draw_series(dots)?;
        let m = day.mean.mean;
        let ink = INK.stroke_width(3);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x - 0.33, m), (x + 0.33, m)],
            ink,
        )))?;
        if let (Some(l), Some(h)) = (day.mean.low, day.mean.high) {
            chart.draw_series([
                PathElement::new(vec![(x + 0.3, l), (x + 0.3, h)], INK.stroke_width(2)),
                PathElement::new(vec![(x + 0.26, l), (x + 0.34, l)], INK.stroke_width(2)),
                PathElement::new(vec![(x + 0.26, h), (x + 0.34, h)], INK.stroke_width(2)),
            ])?;
        }
    }
    legend(
        &key,
        &[
            (Key::Dot(colour(0)), "one replicate".to_string()),
            (Key::Line(INK), "mean, with its 95% interval".to_string()),
        ],
    )
}

/// The clonal composition of one replicate (a Muller plot): each clone's
/// share of the cells in every site, stacked in lineage order, and the
/// clones below the observed share on top.
fn composition(root: &Area<'_>, numbers: &Numbers) -> Drawn {
    let (plot, key) = with_legend(root);
    let composition = &numbers.composition;
    let days = &composition.days;
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!(
                "Clonal composition of all sites, replicate {}",
                composition.replicate
            ),
            font(CAPTION),
        )
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..numbers.stop_day, 0.0..100.0)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_desc("day")
        .y_desc("share of the cells (%)")
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&|v| number(*v))
        .y_label_formatter(&|v| number(*v))
        .draw()?;
    let share = |cells: u64, d: usize| {
        let total = composition.cells[d];
        if total == 0 {
            0.0
        } else {
            cells as f64 * 100.0 / total as f64
        }
    };
    let mut below = vec![0.0f64; days.len()];
    let mut entries = Vec::new();
    let bands = composition
        .clones
        .iter()
        .map(|c| (c.name.as_str(), &c.cells));
    for (k, (name, cells)) in bands.enumerate() {
        let above: Vec<f64> = (0..days.len())
            .map(|d| below[d] + share(cells[d], d))
            .collect();
        let mut outline: Vec<(f64, f64)> =
            days.iter().copied().zip(above.iter().copied()).collect();
        outline.extend(days.iter().copied().zip(below.iter().copied()).rev());
        let c = colour(k);
        chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.85).filled())))?;
        if k < MAX_LISTED {
            entries.push((Key::Fill(c), format!("clone {name}")));
        }
        below = above;
    }
    if composition.clones.len() > MAX_LISTED {
        entries.push((
            Key::Fill(WHITE),
            format!("and {} more clones", composition.clones.len() - MAX_LISTED),
        ));
    }
    let top: Vec<(f64, f64)> = days.iter().copied().zip(below.iter().copied()).collect();
    if !top.is_empty() {
        let mut outline: Vec<(f64, f64)> = days.iter().map(|&d| (d, 100.0)).collect();
        outline.extend(top.into_iter().rev());
        chart.draw_series(std::iter::once(Polygon::new(outline, GRID.filled())))?;
        entries.push((
            Key::Fill(GRID),
            "clones below the observed share (clone_share_observed)".to_string(),
        ));
    }
    legend(&key, &entries)
}

/// Clones named in the composition's legend; the rest are counted.
const MAX_LISTED: usize = 12;
