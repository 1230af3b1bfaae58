//! Grouped bar charts as SVG text: small, dependency-free and
//! byte-for-byte reproducible (the same numbers give the same file), so
//! the validation figures can be regenerated and compared in review.

use core::fmt::Write as _;

/// One bar: its value and, optionally, a 95% interval drawn as a whisker.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The height.
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
    /// The y axis label, with its unit.
    pub y_label: String,
    /// A log₁₀ axis (bars start at the axis floor); else linear from 0.
    pub log_scale: bool,
    /// The series' names, in bar order within a group.
    pub series: Vec<String>,
    /// The groups: a label and one bar per series (`None`: no bar).
    pub groups: Vec<(String, Vec<Option<Bar>>)>,
}

const COLOURS: [&str; 5] = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"];
const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 96.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A tick label: plain decimal for 0.001 ≤ |x| < 10⁶, else 10^k.
fn tick_label(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&a) {
        let s = format!("{x:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        format!("1e{}", libm::log10(a).round() as i32)
    }
}

/// A "nice" step for a linear axis up to `max` with about 5 ticks.
fn nice_step(max: f64) -> f64 {
    let raw = max / 5.0;
    let magnitude = libm::pow(10.0, libm::floor(libm::log10(raw)));
    let residual = raw / magnitude;
    let nice = if residual <= 1.0 {
        1.0
    } else if residual <= 2.0 {
        2.0
    } else if residual <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

impl BarChart {
    /// The chart as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let values = self
            .groups
            .iter()
            .flat_map(|(_, bars)| bars.iter().flatten())
            .flat_map(|b| {
                let mut v = vec![b.value];
                if let Some((lo, hi)) = b.interval {
                    v.push(lo);
                    v.push(hi);
                }
                v
            })
            .filter(|v| v.is_finite())
            .collect::<Vec<_>>();
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        // The axis: y(v) in pixels.
        let (ticks, y_of): (Vec<f64>, Box<dyn Fn(f64) -> f64>) = if self.log_scale {
            let positive = values.iter().copied().filter(|v| *v > 0.0);
            let lo = positive.clone().fold(f64::INFINITY, f64::min);
            let hi = positive.fold(0.0, f64::max);
            let (lo, hi) = if lo.is_finite() && hi > 0.0 {
                (libm::floor(libm::log10(lo)), libm::ceil(libm::log10(hi)))
            } else {
                (0.0, 1.0)
            };
            let hi = if hi <= lo { lo + 1.0 } else { hi };
            let ticks = (lo as i32..=hi as i32)
                .map(|k| libm::pow(10.0, f64::from(k)))
                .collect();
            (
                ticks,
                Box::new(move |v: f64| {
                    let l = if v > 0.0 { libm::log10(v) } else { lo };
                    TOP + plot_h * (1.0 - (l.clamp(lo, hi) - lo) / (hi - lo))
                }),
            )
        } else {
            let max = values.iter().copied().fold(0.0, f64::max);
            let max = if max > 0.0 { max } else { 1.0 };
            let step = nice_step(max);
            let top = libm::ceil(max / step) * step;
            let ticks = (0..=(libm::round(top / step) as i64))
                .map(|k| k as f64 * step)
                .collect();
            (
                ticks,
                Box::new(move |v: f64| TOP + plot_h * (1.0 - v.clamp(0.0, top) / top)),
            )
        };
        let base = y_of(ticks[0]);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            s,
            r#"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
            WIDTH / 2.0,
            escape(&self.title)
        );
        for t in &ticks {
            let y = y_of(*t);
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                tick_label(*t)
            );
        }
        let _ = writeln!(
            s,
            r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + plot_h / 2.0,
            escape(&self.y_label)
        );
        let groups = self.groups.len().max(1) as f64;
        let group_w = plot_w / groups;
        let series = self.series.len().max(1) as f64;
        let bar_w = group_w * 0.8 / series;
        for (g, (label, bars)) in self.groups.iter().enumerate() {
            let x0 = LEFT + g as f64 * group_w + group_w * 0.1;
            for (k, bar) in bars.iter().enumerate() {
                let Some(bar) = bar else { continue };
                let x = x0 + k as f64 * bar_w;
                let colour = COLOURS[k % COLOURS.len()];
                let y = y_of(bar.value).min(base);
                let _ = writeln!(
                    s,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/>"#,
                    bar_w * 0.92,
                    base - y
                );
                if let Some((lo, hi)) = bar.interval {
                    let cx = x + bar_w * 0.46;
                    let (y_lo, y_hi) = (y_of(lo), y_of(hi));
                    let _ = writeln!(
                        s,
                        r#"<path d="M{cx:.1} {y_lo:.1}V{y_hi:.1}M{:.1} {y_lo:.1}H{:.1}M{:.1} {y_hi:.1}H{:.1}" stroke="black" fill="none"/>"#,
                        cx - 4.0,
                        cx + 4.0,
                        cx - 4.0,
                        cx + 4.0
                    );
                }
            }
            let cx = x0 + group_w * 0.4;
            let _ = writeln!(
                s,
                r#"<text transform="translate({cx:.1},{:.1}) rotate(-30)" text-anchor="end">{}</text>"#,
                base + 16.0,
                escape(label)
            );
        }
        let _ = writeln!(
            s,
            r#"<line x1="{LEFT}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="black"/>"#,
            WIDTH - RIGHT
        );
        // The legend, top right.
        for (k, name) in self.series.iter().enumerate() {
            let y = TOP + 4.0 + 16.0 * k as f64;
            let x = WIDTH - RIGHT - 200.0;
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                y - 9.0,
                COLOURS[k % COLOURS.len()],
                x + 14.0,
                y,
                escape(name)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(log_scale: bool) -> BarChart {
        BarChart {
            title: "A & B".into(),
            y_label: "cells".into(),
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
                ("liver".into(), vec![Some(Bar::value(0.5)), None]),
            ],
        }
    }

    #[test]
    fn the_same_numbers_give_the_same_file_and_text_is_escaped() {
        for log in [false, true] {
            let a = chart(log).to_svg();
            assert_eq!(a, chart(log).to_svg());
            assert!(a.starts_with("<svg") && a.ends_with("</svg>\n"));
            assert!(a.contains("A &amp; B"));
            // Two bars with a value in lung, one in liver: three data rects
            // (plus the background and two legend swatches).
            assert_eq!(a.matches("<rect").count(), 1 + 3 + 2);
            assert_eq!(a.matches("<path").count(), 1);
        }
    }

    #[test]
    fn linear_axes_have_nice_steps() {
        assert_eq!(nice_step(10.0), 2.0);
        assert_eq!(nice_step(78.0), 20.0);
        assert_eq!(nice_step(0.9), 0.2);
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(1e-5), "1e-5");
    }
}
