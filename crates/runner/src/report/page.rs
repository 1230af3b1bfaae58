//! The report's HTML page: the run's identity and placeholders, each
//! figure as inline SVG with its numbers in a table, and every plotted
//! number as JSON (`<script type="application/json" id="report-data">`).
//! No network, no other file, no timestamp.

use core::fmt::Write as _;

use serde::Serialize;

use super::data::Numbers;
use super::figures;
use super::html::escape;
use super::placeholders::{Placeholder, placeholders};
use super::style::number;
use super::{Figure, ReportError, Run};
use crate::scenario::ScenarioExtension;
use crate::summary::Estimate;

/// What the page's JSON holds: the identity, the placeholders and every
/// figure's numbers.
#[derive(Serialize)]
struct PageData<'a> {
    scenario: &'a str,
    description: &'a str,
    seed: u64,
    replicates: u64,
    cascade_version: &'a str,
    scenario_sha256: &'a str,
    digests: Vec<&'a str>,
    sets: &'a [String],
    placeholders: &'a [Placeholder],
    figures: Vec<&'static str>,
    numbers: &'a Numbers,
}

/// An estimate as the page writes it: `mean [low, high]`.
fn estimate(e: &Estimate) -> String {
    e.written_with(number)
}

pub(super) const STYLE: &str = "body{font-family:sans-serif;color:#1e1e1e;max-width:1000px;margin:24px auto;\
padding:0 16px;line-height:1.45}h1{font-size:26px}h2{font-size:21px;margin-top:36px}\
table{border-collapse:collapse;margin:8px 0 16px}td,th{border-bottom:1px solid #ddd;\
padding:3px 10px;text-align:left;vertical-align:top}td.n{text-align:right;\
font-variant-numeric:tabular-nums}figure{margin:12px 0}figure svg{width:100%;height:auto;\
display:block}figcaption{font-size:15px;color:#444}code{font-size:14px}.warn{background:#fff4e0;\
border-left:4px solid #e69f00;padding:6px 12px}";

/// The check the page runs when loaded: every figure's drawing has a size,
/// and any script error is counted (`data-errors` on the body), for a
/// browser test and for a reader who opens the console.
pub(super) const CHECK: &str = "window.cascadeErrors=0;window.addEventListener('error',function(){\
window.cascadeErrors+=1;document.body.setAttribute('data-errors',window.cascadeErrors)});\
window.addEventListener('load',function(){var drawn=0;\
document.querySelectorAll('figure[data-figure]').forEach(function(f){var s=f.querySelector('svg');\
if(!s){return}var b=s.getBBox();var n=s.querySelectorAll('rect,path,polygon,polyline,circle,line,text').length;\
f.setAttribute('data-drawn',Math.round(b.width)+'x'+Math.round(b.height)+' '+n);\
if(b.width>0&&b.height>0&&n>0){drawn+=1}});\
document.body.setAttribute('data-figures-drawn',drawn);\
document.body.setAttribute('data-errors',window.cascadeErrors)});";

/// The page for `run`.
///
/// # Errors
///
/// As [`Numbers::of`] and [`figures::draw`].
pub fn page<X: ScenarioExtension>(run: &Run<X>) -> Result<String, ReportError> {
    page_of(run, &Numbers::of(run)?)
}

/// The page for `run`, whose numbers are `numbers`.
///
/// # Errors
///
/// As [`figures::draw`].
pub fn page_of<X: ScenarioExtension>(
    run: &Run<X>,
    numbers: &Numbers,
) -> Result<String, ReportError> {
    let file = &run.scenario.file;
    let placeholders = placeholders(&run.scenario.config, file.organs.preset);
    let summary = run.table(crate::schema::SUMMARY);
    let digest_column = summary.column("digest")?;
    let digests: Vec<&str> = (summary.rows.iter())
        .map(|row| super::text(row, digest_column))
        .collect();
    let identity = &run.identity;
    let title = format!("cascade report: {}", run.scenario_name);
    let mut html = opening(&title, &file.description, "The run");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(html, "<tr><th>{name}</th><td>{value}</td></tr>");
    };
    row(
        "scenario",
        format!("<code>{}</code>", escape(&run.scenario_name)),
    );
    row(
        "scenario SHA-256",
        format!("<code>{}</code>", identity.scenario_sha256),
    );
    row("seed", identity.seed.to_string());
    row("replicates", identity.replicates.to_string());
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
    if !identity.sets.is_empty() {
        row(
            "--set",
            format!("<code>{}</code>", escape(&identity.sets.join(" "))),
        );
    }
    let first_digest = digests.first().copied().unwrap_or("");
    row(
        "trace digest",
        if digests.len() > 1 {
            format!(
                "<code>{first_digest}</code> (replicate 0; every replicate's in the JSON below \
                 and in <code>manifest.json</code>)"
            )
        } else {
            format!("<code>{first_digest}</code>")
        },
    );
    html.push_str("</table>\n");
    html.push_str(
        "<p>Made by <code>cascade report</code> from the run's store; every number below is in \
         the run's tables (<code>summary.csv</code>, <code>metastases.csv</code>, \
         <code>funnel.csv</code>, <code>timeseries.csv</code>, <code>harvests.csv</code>, \
         <code>therapy.csv</code>, <code>resistance.csv</code>, <code>composition.csv</code>, <code>diversity.csv</code>, \
         <code>clones.csv</code>). Intervals are 95%: Student's t for means, Wilson's for \
         shares, Greenwood's for Kaplan–Meier curves.</p>\n",
    );
    placeholders_section(&mut html, &placeholders);
    for figure in numbers.figures() {
        let svg = figures::draw(figure, numbers)?;
        let (heading, caption) = words(figure);
        let _ = write!(
            html,
            "<h2 id=\"{name}\">{heading}</h2>\n<figure id=\"figure-{name}\" data-figure=\"{name}\">\n\
             {svg}\n<figcaption>{caption} (<code>cascade plot DIR --figure {name}</code>)</figcaption>\n\
             </figure>\n",
            name = figure.name(),
        );
        numbers_table(&mut html, figure, numbers);
    }
    let data = PageData {
        scenario: &run.scenario_name,
        description: &file.description,
        seed: identity.seed,
        replicates: identity.replicates,
        cascade_version: &identity.cascade_version,
        scenario_sha256: &identity.scenario_sha256,
        digests,
        sets: &identity.sets,
        placeholders: &placeholders,
        figures: numbers.figures().iter().map(|f| f.name()).collect(),
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

/// A figure's heading and caption.
fn words(figure: Figure) -> (&'static str, &'static str) {
    match figure {
        Figure::Therapy | Figure::Resistance => super::therapy::words(figure),
        Figure::Funnel => (
            "Attrition along the cascade",
            "Cells per replicate at each step of the cascade, summed over organs and clones \
             (<code>summary.csv</code>; the columns each step adds up are in the table below). \
             Cells shed by metastases enter the blood too, so later steps can exceed the cells \
             injected.",
        ),
        Figure::Organs => (
            "Metastases per organ and blood flow",
            "Each organ's share of the metastases founded (<code>metastases.csv</code>, extinct \
             ones included) next to its share of the arrivals at capillary beds \
             (<code>arrested</code> + <code>passed</code> of <code>funnel.csv</code>): where the \
             blood alone took the cells. An organ with more metastases than arrivals is good \
             soil. Where the scenario names a published distribution \
             (<code>report.published_organs</code>), it is drawn beside them: a diamond with its \
             95% interval (the source's own, or Wilson's for its <code>n</code>), on the \
             model's share of metastases, or, for a share of patients, on a third bar: the \
             replicates with a macrometastasis in the organ, of those with any.",
        ),
        Figure::Burden => (
            "Burden over time",
            "Cells in the primary tumour, in metastases (all organs, and the organs with the \
             most), and solitary and dormant cells, per replicate at each observation day \
             (<code>timeseries.csv</code>): the mean (line) and its 95% interval (band). Days \
             with a mean of 0 are left out of the log scale; a replicate that ended early \
             (<code>stop_at_relapse</code>) counts up to its last day only.",
        ),
        Figure::Survival => (
            "Time to first detection and relapse",
            "Kaplan–Meier curves: the share of replicates without the event by each day \
             (first detection: <code>first_detection_day</code> of <code>summary.csv</code>; \
             relapse, with therapy: <code>relapse_day</code> of <code>therapy.csv</code>), a \
             replicate without it censored at its <code>end_day</code> (a cross).",
        ),
        Figure::Harvests => (
            "Colonies at each harvest",
            "Colonies (living metastases of at least <code>macrometastasis_size</code> cells) \
             per replicate at each harvest day, all organs (<code>harvests.csv</code>): a dot \
             per replicate, spread sideways, and the mean with its 95% interval (each \
             colony's size is in <code>colony_sizes.csv</code>, drawn below).",
        ),
        Figure::ColonySizes => super::colony_sizes::WORDS,
        Figure::Lineage => super::lineage::WORDS,
        Figure::Composition => (
            "Clonal composition over time",
            "A Muller plot of replicate 0: each clone's share of the cells in all its sites at \
             each observation day (<code>composition.csv</code>, over the sites' cells of \
             <code>diversity.csv</code>), clones stacked in lineage order (a mutant after its \
             parent, <code>clones.csv</code>); clones under <code>clone_share_observed</code> \
             of every site are pooled on top.",
        ),
    }
}
/// A report page's start: the document's head (its style and the
/// script that checks the figures), `title` as its heading, the
/// scenario's `description`, and the identity table's heading
/// (`identity`), the table left open for its rows.
pub(super) fn opening(title: &str, description: &str, identity: &str) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n<script>{CHECK}</script>\n</head>\n<body>\n\
         <h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    if !description.is_empty() {
        let _ = writeln!(html, "<p>{}</p>", escape(description));
    }
    let _ = write!(html, "<h2 id=\"identity\">{identity}</h2>\n<table>\n");
    html
}

/// The placeholders, as a warning with a table.
pub(super) fn placeholders_section(html: &mut String, placeholders: &[Placeholder]) {
    html.push_str("<h2 id=\"placeholders\">Placeholder parameters</h2>\n");
    if placeholders.is_empty() {
        html.push_str("<p>No parameter holds a placeholder value.</p>\n");
        return;
    }
    html.push_str(
        "<p class=\"warn\">These parameters hold placeholder values of the presets or of the \
         default phenotype: no published measurement stands behind them yet (see \
         <code>docs/references.md</code>, Placeholders and recalled values). Results that \
         depend on them are illustrations, not predictions.</p>\n<table>\n\
         <tr><th>parameter</th><th>unit</th><th>where</th></tr>\n",
    );
    for p in placeholders {
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            p.parameter,
            p.unit,
            escape(&p.where_held())
        );
    }
    html.push_str("</table>\n");
}

/// The figure's numbers as a table under it.
fn numbers_table(html: &mut String, figure: Figure, numbers: &Numbers) {
    match figure {
        Figure::Therapy | Figure::Resistance => {
            super::therapy::table(html, figure, numbers.therapy.as_ref())
        }
        Figure::Funnel => {
            html.push_str(
                "<table><tr><th>step</th><th>columns of summary.csv</th>\
                 <th>per replicate, mean [95% interval]</th></tr>\n",
            );
            for stage in &numbers.funnel {
                let _ = writeln!(
                    html,
                    "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
                    escape(stage.name),
                    escape(&stage.from),
                    estimate(&stage.value)
                );
            }
            html.push_str("</table>\n");
        }
        Figure::Organs => {
            html.push_str(
                "<table><tr><th>organ</th><th>metastases founded per replicate</th>\
                 <th>share of metastases</th><th>share of arrivals</th></tr>\n",
            );
            for organ in &numbers.organs {
                let _ = writeln!(
                    html,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}%</td>\
                     <td class=\"n\">{}%</td></tr>",
                    escape(&organ.organ),
                    estimate(&organ.metastases),
                    number(organ.share_of_metastases * 100.0),
                    number(organ.share_of_arrivals * 100.0)
                );
            }
            html.push_str("</table>\n");
            if let Some(published) = &numbers.published {
                super::published::table(html, published);
            }
        }
        Figure::Burden => {
            html.push_str(
                "<table><tr><th>cells at the last observation</th>\
                 <th>mean [95% interval]</th></tr>\n",
            );
            for series in &numbers.burden {
                if let (Some(day), Some(cells)) = (series.days.last(), series.cells.last()) {
                    let _ = writeln!(
                        html,
                        "<tr><td>{} (day {})</td><td class=\"n\">{}</td></tr>",
                        escape(&series.name),
                        number(*day),
                        estimate(cells)
                    );
                }
            }
            html.push_str("</table>\n");
        }
        Figure::Survival => {
            html.push_str(
                "<table><tr><th>event</th><th>replicates with it</th><th>censored</th>\
                 <th>without it at the last day [95% interval]</th></tr>\n",
            );
            for curve in &numbers.survival {
                let last = curve.steps.last();
                let _ = writeln!(
                    html,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                     <td class=\"n\">{}</td></tr>",
                    escape(curve.event),
                    curve.events,
                    curve.censored,
                    last.map_or(String::new(), |s| format!(
                        "{} [{}, {}]",
                        number(s.survival),
                        number(s.low),
                        number(s.high)
                    ))
                );
            }
            if let Some(cured) = &numbers.cured {
                let _ = writeln!(
                    html,
                    "<tr><td>cured at the end (<code>cured</code> of therapy.csv)</td>\
                     <td colspan=\"3\" class=\"n\">share {}</td></tr>",
                    estimate(cured)
                );
            }
            html.push_str("</table>\n");
        }
        Figure::Harvests => {
            html.push_str(
                "<table><tr><th>harvest</th><th>colonies per replicate, mean [95% interval]</th>\
                 <th>fewest</th><th>most</th></tr>\n",
            );
            for day in &numbers.harvests {
                let _ = writeln!(
                    html,
                    "<tr><td>day {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                     <td class=\"n\">{}</td></tr>",
                    number(day.day),
                    estimate(&day.mean),
                    day.colonies.iter().min().copied().unwrap_or(0),
                    day.colonies.iter().max().copied().unwrap_or(0)
                );
            }
            html.push_str("</table>\n");
        }
        Figure::ColonySizes => super::colony_sizes::table(html, &numbers.colony_sizes),
        Figure::Lineage => super::lineage::table(html, &numbers.lineage),
        Figure::Composition => {
            let c = &numbers.composition;
            let _ = writeln!(
                html,
                "<p>{} clones observed in replicate {} over {} observation days.</p>",
                c.clones.len(),
                c.replicate,
                c.days.len()
            );
        }
    }
}
