//! A sweep's report page: the sweep's identity (scenario, seed, axes and
//! their values, replicates per point, version), the base scenario's
//! placeholders, and one figure per outcome of `points.csv` with its
//! numbers in a table, every plotted number as JSON
//! (`<script type="application/json" id="report-data">`), and the check
//! the run's page runs for a browser test. No network, no other file, no
//! timestamp.

use core::fmt::Write as _;

use serde::Serialize;

use super::{Outcome, PointValue, Sweep, SweepNumbers, figures};
use crate::report::ReportError;
use crate::report::html::escape;
use crate::report::page::{opening, placeholders_section};
use crate::report::placeholders::{Placeholder, placeholders};
use crate::report::style::number;
use crate::scenario::ScenarioExtension;

/// What the page's JSON holds.
#[derive(Serialize)]
struct PageData<'a> {
    scenario: &'a str,
    description: &'a str,
    seed: u64,
    points: u64,
    replicates_per_point: u64,
    cascade_version: &'a str,
    scenario_sha256: &'a str,
    placeholders: &'a [Placeholder],
    figures: Vec<&'a str>,
    numbers: &'a SweepNumbers,
}

/// A point's value as the page writes it: `mean [low, high]`, or `–` for
/// an empty cell of `points.csv`.
fn written(value: Option<&PointValue>) -> String {
    match value {
        Some(PointValue {
            mean,
            low: Some(low),
            high: Some(high),
        }) => format!("{} [{}, {}]", number(*mean), number(*low), number(*high)),
        Some(v) => number(v.mean),
        None => "–".to_string(),
    }
}

/// The page for `sweep`.
///
/// # Errors
///
/// As [`figures::draw`].
pub fn page<X: ScenarioExtension>(sweep: &Sweep<X>) -> Result<String, ReportError> {
    let numbers = &sweep.numbers;
    let file = &sweep.scenario.file;
    let identity = &sweep.identity;
    let placeholders = placeholders(&sweep.scenario.config, file.organs.preset);
    let title = format!("cascade report: {} (a sweep)", sweep.scenario_name);
    let mut html = opening(&title, &file.description, "The sweep");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(html, "<tr><th>{name}</th><td>{value}</td></tr>");
    };
    row(
        "scenario",
        format!("<code>{}</code>", escape(&sweep.scenario_name)),
    );
    row(
        "scenario SHA-256",
        format!("<code>{}</code>", identity.scenario_sha256),
    );
    row("seed", identity.seed.to_string());
    for (k, axis) in numbers.axes.iter().enumerate() {
        let values: Vec<String> = axis.values.iter().map(|&v| number(v)).collect();
        row(
            &format!("axis {}", k + 1),
            format!(
                "<code>{}</code>: {}{}",
                escape(&axis.parameter),
                values.join(", "),
                if axis.log_scale { " (log scale)" } else { "" }
            ),
        );
    }
    row(
        "points",
        format!(
            "{} (the first axis varies slowest, as <code>point</code> counts)",
            numbers.points
        ),
    );
    row("replicates per point", numbers.replicates.to_string());
    row("last day", format!("day {}", number(file.stop_day)));
    row("cascade version", escape(&identity.cascade_version));
    if !identity.extension.ends_with("NoExtension") {
        row(
            "extension",
            escape(&format!(
                "{} {}",
                identity.extension, identity.extension_version
            )),
        );
    }
    row(
        "trace digests",
        "one per point and replicate, in <code>manifest.json</code> and \
         <code>summary.csv</code>"
            .to_string(),
    );
    html.push_str("</table>\n");
    html.push_str(
        "<p>Made by <code>cascade report</code> from the sweep's store: every number below is \
         in its <code>points.csv</code> (made again from the units' records by the code that \
         wrote the file). Intervals are 95%: Student's t for means, Wilson's for the \
         probabilities of therapy. Each figure is one outcome against each axis: a panel per \
         axis, one line per value of the other axes, so that the lines' levels and slopes \
         compare on one scale.</p>\n",
    );
    placeholders_section(&mut html, &placeholders);
    if !placeholders.is_empty() {
        html.push_str(
            "<p>The placeholders are the base scenario's; an axis that sets one of them \
             replaces its value at every point.</p>\n",
        );
    }
    for outcome in &numbers.outcomes {
        let svg = figures::draw(outcome, numbers)?;
        let _ = write!(
            html,
            "<h2 id=\"{name}\">{name}</h2>\n<figure id=\"figure-{name}\" data-figure=\"{name}\">\n\
             {svg}\n<figcaption>{meaning} (<code>{column}</code>, <code>{name}_low</code> and \
             <code>{name}_high</code> of <code>points.csv</code>; <code>cascade plot DIR \
             --figure {name}</code>)</figcaption>\n</figure>\n",
            name = escape(&outcome.name),
            meaning = escape(&capitalised(&outcome.meaning)),
            column = escape(&outcome.column),
        );
        points_table(&mut html, outcome, numbers);
    }
    let data = PageData {
        scenario: &sweep.scenario_name,
        description: &file.description,
        seed: identity.seed,
        points: numbers.points,
        replicates_per_point: numbers.replicates,
        cascade_version: &identity.cascade_version,
        scenario_sha256: &identity.scenario_sha256,
        placeholders: &placeholders,
        figures: numbers.outcomes.iter().map(|o| o.name.as_str()).collect(),
        numbers,
    };
    let json = serde_json::to_string(&data).map_err(|e| ReportError::Draw {
        figure: "data".to_string(),
        message: e.to_string(),
    })?;
    // `</` would end the script element early; `<\/` is the same JSON.
    let json = json.replace("</", "<\\/");
    let _ = write!(
        html,
        "<h2 id=\"data\">The numbers</h2>\n<p>Every plotted number, as JSON (the element \
         <code>#report-data</code> of this page).</p>\n\
         <script type=\"application/json\" id=\"report-data\">{json}</script>\n</body>\n</html>\n"
    );
    Ok(html)
}

/// `text` with its first letter in capitals.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The outcome at every point, as a table under its figure.
fn points_table(html: &mut String, outcome: &Outcome, numbers: &SweepNumbers) {
    html.push_str("<table><tr><th>point</th>");
    for axis in &numbers.axes {
        let _ = write!(html, "<th><code>{}</code></th>", escape(&axis.parameter));
    }
    let _ = writeln!(
        html,
        "<th>{} [95% interval]</th></tr>",
        if outcome.share {
            "share"
        } else {
            "mean per replicate"
        }
    );
    let mut index = vec![0usize; numbers.axes.len()];
    for (p, value) in outcome.values.iter().enumerate() {
        let mut rest = p;
        for (k, axis) in numbers.axes.iter().enumerate().rev() {
            index[k] = rest % axis.values.len().max(1);
            rest /= axis.values.len().max(1);
        }
        let _ = write!(html, "<tr><td class=\"n\">{p}</td>");
        for (axis, &i) in numbers.axes.iter().zip(&index) {
            let _ = write!(html, "<td class=\"n\">{}</td>", number(axis.values[i]));
        }
        let _ = writeln!(
            html,
            "<td class=\"n\">{}</td></tr>",
            written(value.as_ref())
        );
    }
    html.push_str("</table>\n");
}
