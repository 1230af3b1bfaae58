//! Grouped bar charts for `cascade validate` and `cascade therapy-report`,
//! drawn with `plotters` in the report's one style ([`super::figures`]):
//! fonts of at least 14.5 px, powers of ten written `10⁵`, the unit on the
//! value axis, the legend beside the plot, never over the bars. The bars
//! are horizontal, so the groups' names are read level, and a bar with a
//! 95% interval carries it as a whisker. The same numbers give the same
//! file, so the figures can be regenerated and compared in review.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{
    AXIS_TITLE, Area, CAPTION, Drawn, GRID, HEIGHT, INK, Key, Rows, TICKS, WIDTH, colour, font,
    legend, log_range, number, power_tick, ticks, with_legend,
};

/// One bar: its value and, optionally, a 95% interval drawn as a whisker.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The length.
    pub value: f64,
    /// The interval `(low, high)`, if any.
    pub interval: Option<(f64, f64)>,
}

impl Bar {
    /// A bar without interval.
    pub fn value(value: f64) -> Bar {
        Bar {
            value,
            interval: None,
        }
    }

    /// A bar with its interval.
    pub fn with_interval(value: f64, low: f64, high: f64) -> Bar {
        Bar {
            value,
            interval: Some((low, high)),
        }
    }
}

/// A chart of groups (for example the organs) of bars (one per series, for
/// example simulated and published).
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// The title.
    pub title: String,
    /// The value axis' label, with its unit.
    pub value_label: String,
    /// A log₁₀ axis (bars start at the axis floor); else linear from 0.
    pub log_scale: bool,
    /// The series' names, in bar order within a group.
    pub series: Vec<String>,
    /// The groups: a label and one bar per series (`None`: no bar).
    pub groups: Vec<(String, Vec<Option<Bar>>)>,
}

impl BarChart {
    /// The chart as a standalone SVG document. Should plotters fail, the
    /// document says so in its one line of text instead of the chart.
    pub fn to_svg(&self) -> String {
        drawn_or_said(|root| self.draw(root))
    }

    /// Every finite value and interval end.
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        (self.groups.iter())
            .flat_map(|(_, bars)| bars.iter().flatten())
            .flat_map(|b| {
                let (low, high) = b.interval.unwrap_or((b.value, b.value));
                [b.value, low, high]
            })
            .filter(|v| v.is_finite())
    }

    /// The value axis' range, in the axis' coordinates (log10 of the
    /// value on a log axis).
    fn range(&self) -> (f64, f64) {
        if self.log_scale {
            let (low, high) = log_range(self.values()).unwrap_or((0.0, 1.0));
            (low, high + 0.45) // room for the values written beside the bars
        } else {
            let top = self.values().fold(0.0f64, f64::max);
            (0.0, if top > 0.0 { top * 1.18 } else { 1.0 })
        }
    }

    /// `value` in the axis' coordinates, clamped to its floor.
    fn at(&self, value: f64, floor: f64) -> f64 {
        if !self.log_scale {
            value.max(floor)
        } else if value > 0.0 {
            libm::log10(value).max(floor)
        } else {
            floor
        }
    }

    pub(super) fn draw(&self, root: &Area<'_>) -> Drawn {
        let (plot, key) = with_legend(root);
        let n = self.groups.len().max(1);
        let series = self.series.len().max(1) as f64;
        let (low, high) = self.range();
        let longest = (self.groups.iter())
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(8);
        let names: Vec<String> = self.groups.iter().map(|g| g.0.clone()).collect();
        let rows = Rows {
            title: &self.title,
            names: &names,
            label_width: (20 + 10 * longest as u32).min(300),
            values: (low, high),
            value_label: &self.value_label,
            ticks: self.log_scale.then(|| ticks(low, high - 0.45)),
        };
        let log_scale = self.log_scale;
        let tick = |v: &f64| {
            if log_scale {
                power_tick(*v)
            } else {
                number(*v)
            }
        };
        let mut chart = rows.chart(&plot, &tick)?;
        let height = 0.8 / series;
        for (g, (_, bars)) in self.groups.iter().enumerate() {
            // The first series on top within its group.
            let top = Rows::y(g, n) + 0.4;
            for (k, bar) in bars.iter().enumerate() {
                let Some(bar) = bar else { continue };
                let y1 = top - k as f64 * height;
                let (y0, centre) = (y1 - height * 0.9, y1 - height * 0.45);
                let x = self.at(bar.value, low);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(low, y0), (x, y1)],
                    colour(k).mix(0.85).filled(),
                )))?;
                let mut right = x;
                if let Some((l, h)) = bar.interval {
                    let (lx, hx) = (self.at(l, low), self.at(h, low));
                    let cap = height * 0.25;
                    let whisker = INK.stroke_width(2);
                    chart.draw_series([
                        PathElement::new(vec![(lx, centre), (hx, centre)], whisker),
                        PathElement::new(vec![(lx, centre - cap), (lx, centre + cap)], whisker),
                        PathElement::new(vec![(hx, centre - cap), (hx, centre + cap)], whisker),
                    ])?;
                    right = right.max(hx);
                }
                let gap = (high - low) * 0.008;
                chart.draw_series(std::iter::once(Text::new(
                    number(bar.value),
                    (right + gap, centre),
                    font(TICKS).pos(Pos::new(HPos::Left, VPos::Center)),
                )))?;
            }
        }
        let entries: Vec<(Key, String)> = (self.series.iter().enumerate())
            .map(|(k, s)| (Key::Fill(colour(k)), s.clone()))
            .collect();
        legend(&key, &entries)
    }
}

/// Time courses on a log₁₀ axis: one line per series through its points,
/// each point's 95% interval (where it has one) as a whisker; for
/// measurements over time, which bars would misrepresent.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeCourses {
    /// The title.
    pub title: String,
    /// The time axis' label, with its unit.
    pub time_label: String,
    /// The value axis' label, with its unit.
    pub value_label: String,
    /// The series: a name and its points (time, value).
    pub series: Vec<(String, Vec<(f64, Bar)>)>,
}

impl TimeCourses {
    /// The chart as a standalone SVG document (as [`BarChart::to_svg`]).
    pub fn to_svg(&self) -> String {
        drawn_or_said(|root| self.draw(root))
    }

    fn draw(&self, root: &Area<'_>) -> Drawn {
        let (plot, key) = with_legend(root);
        let points = || self.series.iter().flat_map(|(_, p)| p.iter());
        let values = points().flat_map(|(_, b)| {
            let (low, high) = b.interval.unwrap_or((b.value, b.value));
            [b.value, low, high]
        });
        let (low, high) = log_range(values).unwrap_or((0.0, 1.0));
        let end = points().map(|(t, _)| *t).fold(0.0f64, f64::max);
        let end = if end > 0.0 { end } else { 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(CAPTION))
            .margin(14)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..end, low..high)?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .max_light_lines(0)
            .y_labels(ticks(low, high))
            .x_desc(self.time_label.as_str())
            .y_desc(self.value_label.as_str())
            .axis_desc_style(font(AXIS_TITLE))
            .label_style(font(TICKS))
            .x_label_formatter(&|v| number(*v))
            .y_label_formatter(&|v| power_tick(*v))
            .draw()?;
        let at = |v: f64| {
            if v > 0.0 {
                libm::log10(v).max(low)
            } else {
                low
            }
        };
        let mut entries = Vec::new();
        for (k, (name, points)) in self.series.iter().enumerate() {
            let c = colour(k);
            let line: Vec<(f64, f64)> = (points.iter())
                .filter(|(_, b)| b.value > 0.0)
                .map(|(t, b)| (*t, at(b.value)))
                .collect();
            chart.draw_series(LineSeries::new(line.clone(), c.stroke_width(3)))?;
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 4, c.filled())))?;
            for (t, b) in points {
                if let Some((l, h)) = b.interval {
                    let cap = end * 0.006;
                    let (lo, hi) = (at(l), at(h));
                    chart.draw_series([
                        PathElement::new(vec![(*t, lo), (*t, hi)], c.stroke_width(2)),
                        PathElement::new(vec![(t - cap, lo), (t + cap, lo)], c.stroke_width(2)),
                        PathElement::new(vec![(t - cap, hi), (t + cap, hi)], c.stroke_width(2)),
                    ])?;
                }
            }
            entries.push((Key::Line(c), name.clone()));
        }
        legend(&key, &entries)
    }
}

/// The SVG that `draw` makes, or, should plotters fail, a document that
/// says so in its one line of text.
fn drawn_or_said(draw: impl FnOnce(&Area<'_>) -> Drawn) -> String {
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Into::into))
            .map_err(|e| e.to_string())
    };
    match drawn {
        Ok(()) => svg,
        Err(message) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"60\">\
             <text x=\"10\" y=\"30\" font-size=\"16\">the figure could not be drawn: {}</text></svg>\n",
            message.replace('&', "&amp;").replace('<', "&lt;")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(log_scale: bool) -> BarChart {
        BarChart {
            title: "A & B".into(),
            value_label: "cells".into(),
            log_scale,
            series: vec!["simulated".into(), "published".into()],
            groups: vec![
                (
                    "lung".into(),
                    vec![
                        Some(Bar::with_interval(50.0, 40.0, 60.0)),
                        Some(Bar::value(78.0)),
                    ],
                ),
                ("liver".into(), vec![Some(Bar::value(2e-5)), None]),
            ],
        }
    }

    #[test]
    fn the_same_numbers_give_the_same_file_and_text_is_escaped() {
        for log in [false, true] {
            let a = chart(log).to_svg();
            assert_eq!(a, chart(log).to_svg());
            assert!(a.starts_with("<svg"), "{a}");
            assert!(a.contains("A &amp; B"));
            // Each bar's value is written beside it, one way.
            for value in ["50", "78", "2×10⁻⁵"] {
                assert!(
                    a.contains(&format!(">\n{value}\n</text>")),
                    "{value} missing"
                );
            }
            assert!(!a.contains("1e-5") && !a.contains("10^"));
            // The legend names both series.
            assert!(a.contains(">\nsimulated\n<") && a.contains(">\npublished\n<"));
        }
    }

    #[test]
    fn a_log_axis_is_ticked_at_powers_of_ten_written_with_superscripts() {
        let a = chart(true).to_svg();
        assert!(a.contains(">\n10⁻⁵\n<") && a.contains(">\n10²\n<"), "{a}");
    }

    #[test]
    fn no_font_is_smaller_than_14_5_pixels() {
        let a = chart(false).to_svg();
        for size in a.split("font-size=\"").skip(1) {
            let px: f64 = size
                .split('"')
                .next()
                .and_then(|s| s.trim_end_matches("px").parse().ok())
                .unwrap_or(0.0);
            assert!(px >= 14.5, "a font of {px} px");
        }
    }

    #[test]
    fn a_time_course_is_a_line_through_its_points_on_powers_of_ten() {
        let course = TimeCourses {
            title: "decay".into(),
            time_label: "hours".into(),
            value_label: "cells".into(),
            series: vec![(
                "simulated".into(),
                vec![
                    (0.0, Bar::with_interval(1e6, 9e5, 1.1e6)),
                    (1.0, Bar::value(5e5)),
                    (2.0, Bar::value(2.5e5)),
                ],
            )],
        };
        let a = course.to_svg();
        assert_eq!(a, course.to_svg());
        // One line through three points (and the legend's), three dots,
        // one whisker of three strokes.
        let series = "stroke=\"#0072B2\" stroke-width=";
        assert_eq!(a.matches(&format!("{series}\"3\"")).count(), 1 + 1, "{a}");
        assert_eq!(a.matches(&format!("{series}\"2\"")).count(), 3, "{a}");
        assert_eq!(a.matches("<circle").count(), 3);
        assert!(a.contains(">\n10⁶\n<"), "{a}");
    }
}
