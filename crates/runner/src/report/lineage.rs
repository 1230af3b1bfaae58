//! The lineage tree of the largest clones of replicate 0 (`clones.csv`):
//! the [`LARGEST`] clones with the most cells alive at the end and every
//! ancestor of theirs, each drawn as a line from the day it arose to the
//! stop day, joined to its parent's line at that day, with its cells alive
//! at the end written on it.

use core::fmt::Write as _;
use std::collections::{BTreeMap, BTreeSet};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

use super::html::escape;
use super::style::{
    AXIS_TITLE, Area, CAPTION, Drawn, GRID, Key, TICKS, colour, font, legend, number, with_legend,
};
use super::{ReportError, TableRows, count, real, text};
use crate::schema::Value;

/// How many of the largest clones the tree holds (with their ancestors).
pub const LARGEST: usize = 8;

/// The replicate whose lineage is drawn.
const REPLICATE: u64 = 0;

/// The tree of the largest clones and their ancestors.
#[derive(Clone, Debug, Serialize)]
pub struct Lineage {
    /// The replicate.
    pub replicate: u64,
    /// Clones that ever existed in it.
    pub clones_ever: u64,
    /// Clones with cells alive at the end.
    pub clones_alive: u64,
    /// The scenario's last day (the lines' right end).
    pub stop_day: f64,
    /// The tree's clones in depth-first order (a parent before its
    /// children, children by id).
    pub clones: Vec<LineageClone>,
}

/// A clone of the tree.
#[derive(Clone, Debug, Serialize)]
pub struct LineageClone {
    /// Its id (`clones.csv`).
    pub clone: u64,
    /// Its name.
    pub name: String,
    /// Its parent's id; `None` for a founder.
    pub parent: Option<u64>,
    /// The day it arose (0 for founders).
    pub born_day: f64,
    /// Its cells alive at the end, everywhere.
    pub cells_alive: u64,
    /// Whether it is one of the [`LARGEST`] (else only an ancestor of one).
    pub largest: bool,
}

impl Lineage {
    /// The tree of replicate 0's rows of `clones.csv`.
    ///
    /// # Errors
    ///
    /// [`ReportError::Column`] if a column it reads is missing.
    pub fn of(clones: &TableRows, stop_day: f64) -> Result<Lineage, ReportError> {
        let (replicate, id, name, parent, born, alive) = (
            clones.column("replicate")?,
            clones.column("clone")?,
            clones.column("name")?,
            clones.column("parent")?,
            clones.column("born_day")?,
            clones.column("cells_alive")?,
        );
        let mut all: BTreeMap<u64, LineageClone> = BTreeMap::new();
        for row in clones
            .rows
            .iter()
            .filter(|r| count(r, replicate) == REPLICATE)
        {
            let clone = count(row, id);
            all.insert(
                clone,
                LineageClone {
                    clone,
                    name: text(row, name).to_string(),
                    parent: match row.get(parent) {
                        Some(Value::Count(p)) => Some(*p),
                        _ => None,
                    },
                    born_day: real(row, born).unwrap_or(0.0),
                    cells_alive: count(row, alive),
                    largest: false,
                },
            );
        }
        let mut by_size: Vec<&LineageClone> = all.values().filter(|c| c.cells_alive > 0).collect();
        by_size.sort_by(|a, b| {
            b.cells_alive
                .cmp(&a.cells_alive)
                .then(a.clone.cmp(&b.clone))
        });
        let largest: BTreeSet<u64> = by_size.iter().take(LARGEST).map(|c| c.clone).collect();
        let mut kept = BTreeSet::new();
        for &clone in &largest {
            let mut next = Some(clone);
            while let Some(c) = next.filter(|c| kept.insert(*c)) {
                next = all.get(&c).and_then(|c| c.parent);
            }
        }
        let clones_alive = by_size.len() as u64;
        let clones = depth_first(&all, &kept)
            .into_iter()
            .filter_map(|c| {
                let mut clone = all.get(&c)?.clone();
                clone.largest = largest.contains(&c);
                Some(clone)
            })
            .collect();
        Ok(Lineage {
            replicate: REPLICATE,
            clones_ever: all.len() as u64,
            clones_alive,
            stop_day,
            clones,
        })
    }
}

/// The clones of `kept` in depth-first order from the founders, children
/// by id (a clone whose parent is not in `all` counts as a founder).
fn depth_first(all: &BTreeMap<u64, LineageClone>, kept: &BTreeSet<u64>) -> Vec<u64> {
    let mut children: BTreeMap<Option<u64>, Vec<u64>> = BTreeMap::new();
    for &c in kept {
        let parent = all
            .get(&c)
            .and_then(|c| c.parent)
            .filter(|p| kept.contains(p));
        children.entry(parent).or_default().push(c);
    }
    let mut order = Vec::new();
    let mut stack: Vec<u64> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(c) = stack.pop() {
        order.push(c);
        if let Some(kids) = children.get(&Some(c)) {
            stack.extend(kids.iter().rev());
        }
    }
    order
}

/// The figure's heading and caption.
pub(super) const WORDS: (&str, &str) = (
    "Lineage of the largest clones",
    "The eight clones of replicate 0 with the most cells alive at the end \
     (<code>cells_alive</code> of <code>clones.csv</code>) and their ancestors: each clone a \
     line from the day it arose (<code>born_day</code>) to the stop day, joined to its \
     parent's line (<code>parent</code>) at that day, with its cells alive at the end. \
     Ancestors that are not among the largest are grey.",
);

/// Draws the tree of `lineage`.
pub(super) fn draw(root: &Area<'_>, lineage: &Lineage) -> Drawn {
    let (plot, key) = with_legend(root);
    let rows = lineage.clones.len().max(1);
    let stop = if lineage.stop_day > 0.0 {
        lineage.stop_day
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!(
                "Lineage of the {} largest clones (replicate {})",
                LARGEST, lineage.replicate
            ),
            font(CAPTION),
        )
        .margin(14)
        .x_label_area_size(56)
        .y_label_area_size(16)
        .build_cartesian_2d(0.0..stop, -0.8..rows as f64 - 0.2)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .y_labels(0)
        .x_desc("day the clone arose")
        .axis_desc_style(font(AXIS_TITLE))
        .label_style(font(TICKS))
        .x_label_formatter(&|v| number(*v))
        .draw()?;
    let row_of: BTreeMap<u64, f64> = (lineage.clones.iter().enumerate())
        .map(|(i, c)| (c.clone, (rows - 1 - i) as f64))
        .collect();
    let ancestor = RGBColor(150, 150, 150);
    for clone in &lineage.clones {
        let y = row_of[&clone.clone];
        let c = if clone.largest { colour(0) } else { ancestor };
        let x = clone.born_day.clamp(0.0, stop);
        if let Some(parent_y) = clone.parent.and_then(|p| row_of.get(&p)) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, *parent_y), (x, y)],
                ancestor.stroke_width(2),
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, y), (stop, y)],
            c.stroke_width(4),
        )))?;
        chart.draw_series(std::iter::once(Circle::new((x, y), 4, c.filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{}: {} cells", clone.name, number(clone.cells_alive as f64)),
            (x, y + 0.12),
            font(TICKS).pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))?;
    }
    let mut entries = vec![
        (
            Key::Line(colour(0)),
            "one of the largest clones".to_string(),
        ),
        (Key::Line(ancestor), "an ancestor only".to_string()),
        (
            Key::Dot(colour(0)),
            format!(
                "{} clones ever, {} alive at the end",
                lineage.clones_ever, lineage.clones_alive
            ),
        ),
    ];
    if lineage.clones.is_empty() {
        entries.push((Key::Dot(ancestor), "no clone alive at the end".into()));
    }
    legend(&key, &entries)
}

/// The numbers under the figure: the tree's clones.
pub(super) fn table(html: &mut String, lineage: &Lineage) {
    html.push_str(
        "<table><tr><th>clone</th><th>parent</th><th>arose (day)</th>\
         <th>cells alive at the end</th><th>among the largest</th></tr>\n",
    );
    let name_of: BTreeMap<u64, &str> = (lineage.clones.iter())
        .map(|c| (c.clone, c.name.as_str()))
        .collect();
    for clone in &lineage.clones {
        let parent = clone
            .parent
            .map_or("–", |p| name_of.get(&p).copied().unwrap_or("–"));
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td>{}</td></tr>",
            escape(&clone.name),
            escape(parent),
            number(clone.born_day),
            clone.cells_alive,
            if clone.largest { "yes" } else { "no" }
        );
    }
    html.push_str("</table>\n");
}
