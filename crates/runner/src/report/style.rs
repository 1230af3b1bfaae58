//! The report's one style for figures drawn with `plotters` as SVG:
//! fonts of at least 14.5 px, units on every axis, powers of ten written one
//! way (`10⁵`, `2.5×10⁵`: [`number`]), legends beside the plot, never over
//! the data, and the set-up of charts of horizontal bars (`Rows`). Every
//! figure is drawn with it: the run's (`figures.rs`, `colony_sizes.rs`,
//! `lineage.rs`, `published.rs`, `therapy.rs`), the bar charts of
//! `bars.rs` and the sweep's.
//!
//! Logarithmic axes are drawn as linear axes of `log10` (computed with
//! `libm`, as everything else here with IEEE arithmetic), with ticks at
//! whole powers of ten, so a figure's bytes depend on its numbers alone.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::summary::{power_of_ten, superscript, trimmed};

/// A figure's size in pixels.
pub(super) const WIDTH: u32 = 960;
pub(super) const HEIGHT: u32 = 480;
/// The width of the legend beside the plot.
pub(super) const LEGEND: u32 = 270;
/// The fonts: axis titles, tick labels, legends, captions, in plotters'
/// sizes (its SVG writes a size of n / 1.24 px: 18 is 14.5 px).
const FAMILY: &str = "sans-serif";
pub(super) const AXIS_TITLE: u32 = 21;
pub(super) const TICKS: u32 = 18;
const LEGEND_TEXT: u32 = 18;
pub(super) const CAPTION: u32 = 24;

/// The colours (Okabe and Ito's, told apart with any colour vision).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const INK: RGBColor = RGBColor(30, 30, 30);

pub(super) type Drawn = Result<(), Box<dyn std::error::Error>>;
/// A point in a chart's coordinates.
pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// The colour of the `index`-th series.
pub(super) fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A number as every figure and the page write it: at most three
/// significant digits, and outside 0.001 to 10,000 as a power of ten with
/// a superscript exponent and two digits (`10⁵`, `2.5×10⁵`, `10⁻⁴`), the
/// runner's one way (`summary::power_of_ten`).
pub fn number(x: f64) -> String {
    if x.is_nan() {
        return "–".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-3..1e4).contains(&a) {
        let decimals = if a >= 100.0 {
            0
        } else if a >= 10.0 {
            1
        } else if a >= 1.0 {
            2
        } else {
            3
        };
        return trimmed(format!("{x:.decimals$}"));
    }
    power_of_ten(x, 2)
}

/// The label of a tick of a log10 axis at `value` (a whole power).
pub(super) fn power_tick(value: f64) -> String {
    format!("10{}", superscript(libm::round(value) as i32))
}

pub(super) fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&INK)
}

/// What a legend's entry shows.
#[derive(Clone, Copy)]
pub(super) enum Key {
    /// A filled box (bars, bands).
    Fill(RGBColor),
    /// A line (a series).
    Line(RGBColor),
    /// A dot (one replicate).
    Dot(RGBColor),
    /// A cross (a censored replicate).
    Cross(RGBColor),
    /// A diamond (a published value).
    Diamond(RGBColor),
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Draws `entries` as a legend in `area` (beside the plot).
pub(super) fn legend(area: &Area<'_>, entries: &[(Key, String)]) -> Drawn {
    let line_height = 19;
    let mut y = 56;
    for (key, label) in entries {
        let centre = y + 8;
        match *key {
            Key::Fill(c) => {
                area.draw(&Rectangle::new(
                    [(8, y + 1), (30, y + 15)],
                    c.mix(0.85).filled(),
                ))?;
            }
            Key::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(8, centre), (30, centre)],
                    c.stroke_width(3),
                ))?;
            }
            Key::Dot(c) => {
                area.draw(&Circle::new((19, centre), 4, c.mix(0.6).filled()))?;
            }
            Key::Cross(c) => {
                area.draw(&Cross::new((19, centre), 5, c.stroke_width(2)))?;
            }
            Key::Diamond(c) => {
                let (x, y) = (19, centre);
                area.draw(&Polygon::new(
                    vec![(x, y - 7), (x + 7, y), (x, y + 7), (x - 7, y)],
                    c.filled(),
                ))?;
            }
        }
        let lines = wrap(label, 27);
        for (k, line) in lines.iter().enumerate() {
            area.draw(&Text::new(
                line.clone(),
                (38, y + k as i32 * line_height),
                font(LEGEND_TEXT).pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
        }
        y += lines.len() as i32 * line_height + 8;
    }
    Ok(())
}

/// The plot and legend areas of `root`.
pub(super) fn with_legend<'a>(root: &Area<'a>) -> (Area<'a>, Area<'a>) {
    root.split_horizontally(WIDTH - LEGEND)
}

/// The range of log10 of the positive `values`, widened to whole powers;
/// `None` if none is positive.
pub(super) fn log_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let positive: Vec<f64> = values.filter(|v| *v > 0.0 && v.is_finite()).collect();
    let low = positive.iter().copied().reduce(f64::min)?;
    let high = positive.iter().copied().reduce(f64::max)?;
    let (low, high) = (libm::floor(libm::log10(low)), libm::ceil(libm::log10(high)));
    Some((low, if high > low { high } else { low + 1.0 }))
}

/// The ticks of a log10 axis from `low` to `high` (whole numbers): one
/// per power of ten, so plotters places them at the whole numbers.
pub(super) fn ticks(low: f64, high: f64) -> usize {
    (libm::round(high - low) as usize) + 1
}

/// A chart of horizontal bars on `area`, set up as the funnel, the
/// organs and `bars.rs`'s charts all are: its title, one row per name
/// (the first on top, read level), the value axis along the bottom.
pub(super) struct Rows<'n> {
    /// The title.
    pub title: &'n str,
    /// The rows' names, top to bottom.
    pub names: &'n [String],
    /// The width of the names' column, in pixels.
    pub label_width: u32,
    /// The value axis' range, in its coordinates.
    pub values: (f64, f64),
    /// The value axis' label, with its unit.
    pub value_label: &'n str,
    /// How many ticks on the value axis (plotters' choice if `None`).
    pub ticks: Option<usize>,
}

/// The chart a `Rows` sets up.
pub(super) type RowChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Rows<'_> {
    /// The y of the row `index` (0 the top one) among `n`.
    pub(super) fn y(index: usize, n: usize) -> f64 {
        (n - 1 - index) as f64
    }

    /// Draws the axes, the grid and the names on `area`, the value axis'
    /// ticks written by `tick`; returns the chart to draw the bars on.
    ///
    /// # Errors
    ///
    /// What plotters fails with.
    pub(super) fn chart<'a, 'b>(
        &self,
        area: &'a Area<'b>,
        tick: &dyn Fn(&f64) -> String,
    ) -> Result<RowChart<'a, 'b>, Box<dyn std::error::Error>> {
        let n = self.names.len().max(1);
        let mut chart = ChartBuilder::on(area)
            .caption(self.title, font(CAPTION))
            .margin(14)
            .x_label_area_size(56)
            .y_label_area_size(self.label_width)
            .build_cartesian_2d(self.values.0..self.values.1, -0.5..n as f64 - 0.5)?;
        let name = |y: &f64| {
            let i = n - 1 - (libm::round(*y) as usize).min(n - 1);
            self.names.get(i).cloned().unwrap_or_default()
        };
        let mut mesh = chart.configure_mesh();
        mesh.disable_y_mesh()
            .bold_line_style(GRID)
            .max_light_lines(0)
            .y_labels(n)
            .x_desc(self.value_label)
            .axis_desc_style(font(AXIS_TITLE))
            .label_style(font(TICKS))
            .x_label_formatter(tick)
            .y_label_formatter(&name);
        if let Some(ticks) = self.ticks {
            mesh.x_labels(ticks);
        }
        mesh.draw()?;
        Ok(chart)
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_are_written_one_way() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(2000.0), "2000");
        assert_eq!(number(1e5), "10⁵");
        assert_eq!(number(2.5e5), "2.5×10⁵");
        assert_eq!(number(99_999.0), "10⁵");
        assert_eq!(number(1e-4), "10⁻⁴");
        assert_eq!(number(0.25), "0.25");
    }
}
