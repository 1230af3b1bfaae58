//! The numbers each figure draws, computed from the tables' rows alone
//! (so the same as a reader computes them from the exported CSV), and
//! embedded in the page as JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use super::colony_sizes::ColonySizes;
use super::lineage::Lineage;
use super::published::Published;
use super::{Figure, ReportError, Run, TableRows, boolean, count, real, text};
use crate::scenario::ScenarioExtension;
use crate::schema::{CLONES, COMPOSITION, DIVERSITY, FUNNEL, HARVESTS, METASTASES, SUMMARY};
use crate::schema::{COLONY_SIZES, RESISTANCE, THERAPY, TIMESERIES};
use crate::summary::Estimate;

/// Everything the figures draw.
#[derive(Clone, Debug, Serialize)]
pub struct Numbers {
    /// Replicates.
    pub replicates: u64,
    /// The scenario's last day.
    pub stop_day: f64,
    /// The attrition funnel, stage by stage.
    pub funnel: Vec<Stage>,
    /// Metastases and arrivals per organ, in the organs' order.
    pub organs: Vec<OrganShare>,
    /// Cells over time.
    pub burden: Vec<Series>,
    /// Kaplan–Meier curves.
    pub survival: Vec<Survival>,
    /// The share of replicates cured at the end, for a scenario with
    /// therapy.
    pub cured: Option<Estimate>,
    /// Colonies per replicate at each harvest.
    pub harvests: Vec<HarvestDay>,
    /// The clonal composition of the first replicate.
    pub composition: Composition,
    /// The metastases' sizes at each harvest.
    pub colony_sizes: ColonySizes,
    /// The lineage tree of the first replicate's largest clones.
    pub lineage: Lineage,
    /// The published organ distribution the scenario names, beside the
    /// model's.
    pub published: Option<Published>,
    /// With therapy: cure, relapse and resistant cells.
    pub therapy: Option<super::therapy::TherapyNumbers>,
}

/// A stage of the attrition funnel.
#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    /// What the stage counts.
    pub name: &'static str,
    /// How it is computed from `summary.csv`'s columns.
    pub from: String,
    /// Cells (or metastases) per replicate, with its 95% interval.
    pub value: Estimate,
}

/// One organ's metastases and arrivals.
#[derive(Clone, Debug, Serialize)]
pub struct OrganShare {
    /// The organ.
    pub organ: String,
    /// Metastases founded in it per replicate (`metastases.csv`, every row
    /// of the organ, replicates without any counted as 0).
    pub metastases: Estimate,
    /// Its share of all metastases founded, over every replicate.
    pub share_of_metastases: f64,
    /// Its share of the arrivals at every capillary bed (`arrested` +
    /// `passed` of `funnel.csv`), over every replicate: where the blood
    /// took the cells.
    pub share_of_arrivals: f64,
}

/// A quantity over time: its mean over replicates each day, with a 95%
/// interval.
#[derive(Clone, Debug, Serialize)]
pub struct Series {
    /// What it is.
    pub name: String,
    /// The observation days.
    pub days: Vec<f64>,
    /// The cells each day.
    pub cells: Vec<Estimate>,
}

/// A Kaplan–Meier curve of the time to an event, censored at each
/// replicate's last day.
#[derive(Clone, Debug, Serialize)]
pub struct Survival {
    /// The event.
    pub event: &'static str,
    /// Replicates in which it happened.
    pub events: u64,
    /// Replicates censored (ended without it).
    pub censored: u64,
    /// The curve: the probability of no event yet, from day 0, each step
    /// at a day with events.
    pub steps: Vec<SurvivalStep>,
    /// The days replicates were censored at (each once, in order).
    pub censoring_days: Vec<f64>,
}

/// A step of a Kaplan–Meier curve.
#[derive(Clone, Debug, Serialize)]
pub struct SurvivalStep {
    /// The day.
    pub day: f64,
    /// The probability of no event by this day.
    pub survival: f64,
    /// Lower end of its 95% interval (Greenwood's variance).
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Replicates at risk just before the day.
    pub at_risk: u64,
}

/// The colonies at one harvest.
#[derive(Clone, Debug, Serialize)]
pub struct HarvestDay {
    /// The harvest day.
    pub day: f64,
    /// Each replicate's colonies, all organs (in replicate order).
    pub colonies: Vec<u64>,
    /// Their mean, with its 95% interval.
    pub mean: Estimate,
}

/// The clonal composition of one replicate, all its sites together.
#[derive(Clone, Debug, Serialize)]
pub struct Composition {
    /// The replicate.
    pub replicate: u64,
    /// The observation days.
    pub days: Vec<f64>,
    /// The cells in every site each day.
    pub cells: Vec<u64>,
    /// The clones observed (at least `clone_share_observed` of a site),
    /// parents before their descendants.
    pub clones: Vec<CloneCells>,
}

/// One clone's cells over time.
#[derive(Clone, Debug, Serialize)]
pub struct CloneCells {
    /// Its name.
    pub name: String,
    /// Its id (`clones.csv`).
    pub clone: u64,
    /// Its parent's id, if it has one.
    pub parent: Option<u64>,
    /// Its cells in the observed sites each day.
    pub cells: Vec<u64>,
}

/// The distinct values of `days`, in order.
fn distinct(mut days: Vec<f64>) -> Vec<f64> {
    days.sort_by(f64::total_cmp);
    days.dedup();
    days
}

/// The position of `day` in `days` (made by [`distinct`]).
fn position(days: &[f64], day: f64) -> usize {
    days.partition_point(|d| d.total_cmp(&day).is_lt())
}

impl Numbers {
    /// The numbers of `run`.
    ///
    /// # Errors
    ///
    /// [`ReportError::Column`] if a column the report reads is missing.
    pub fn of<X: ScenarioExtension>(run: &Run<X>) -> Result<Numbers, ReportError> {
        let replicates = run.identity.replicates;
        let organ_names: Vec<String> = (run.scenario.config.organs.organs())
            .map(|(_, o)| o.name.clone())
            .collect();
        Ok(Numbers {
            replicates,
            stop_day: run.scenario.file.stop_day,
            funnel: funnel(run.table(SUMMARY))?,
            organs: organs(
                run.table(METASTASES),
                run.table(FUNNEL),
                &organ_names,
                replicates,
            )?,
            burden: burden(run.table(TIMESERIES), &organ_names)?,
            survival: survival(run.table(SUMMARY), run.table(THERAPY))?,
            cured: cured(run.table(THERAPY))?,
            harvests: harvests(run.table(HARVESTS), replicates)?,
            composition: composition(
                run.table(COMPOSITION),
                run.table(DIVERSITY),
                run.table(CLONES),
            )?,
            colony_sizes: ColonySizes::of(
                run.table(COLONY_SIZES),
                replicates,
                run.scenario.config.macrometastasis_size,
                &organ_names,
            )?,
            lineage: Lineage::of(run.table(CLONES), run.scenario.file.stop_day)?,
            published: (run.scenario.file.report.published_organs.as_ref())
                .map(|spec| {
                    Published::of(
                        spec,
                        run.table(METASTASES),
                        replicates,
                        run.scenario.config.macrometastasis_size,
                    )
                })
                .transpose()?,
            therapy: super::therapy::numbers(run.table(THERAPY), run.table(RESISTANCE))?,
        })
    }

    /// The figures these numbers have, in the page's order: every one of
    /// [`Figure::ALL`] but the therapy's without therapy (and the
    /// resistance without drugs).
    pub fn figures(&self) -> Vec<Figure> {
        (Figure::ALL.into_iter())
            .filter(|&f| {
                !matches!(f, Figure::Therapy | Figure::Resistance)
                    || super::therapy::applies(f, self.therapy.as_ref())
            })
            .collect()
    }
}

/// A stage of the funnel: its name and its columns of `summary.csv`
/// added up (`plus`) less others (`minus`).
struct StageColumns {
    name: &'static str,
    plus: &'static [&'static str],
    minus: &'static [&'static str],
}

/// The stages of the funnel, in the cascade's order.
const STAGES: [StageColumns; 7] = [
    StageColumns {
        name: "entered the blood (injected or shed)",
        plus: &["injected", "shed"],
        minus: &[],
    },
    StageColumns {
        name: "survived circulation",
        plus: &["injected", "shed"],
        minus: &["died_in_circulation", "killed_in_circulation"],
    },
    StageColumns {
        name: "arrested in a capillary bed",
        plus: &["arrested"],
        minus: &[],
    },
    StageColumns {
        name: "extravasated",
        plus: &["extravasated"],
        minus: &[],
    },
    StageColumns {
        name: "founded a metastasis",
        plus: &["micrometastases_founded"],
        minus: &[],
    },
    StageColumns {
        name: "metastases grown macroscopic",
        plus: &["macrometastases_reached"],
        minus: &[],
    },
    StageColumns {
        name: "metastases detected",
        plus: &["detected"],
        minus: &[],
    },
];

/// The funnel from `summary.csv`: each stage's value per replicate.
fn funnel(summary: &TableRows) -> Result<Vec<Stage>, ReportError> {
    let mut stages = Vec::new();
    for stage in &STAGES {
        let columns = |names: &[&'static str]| -> Result<Vec<usize>, ReportError> {
            names.iter().map(|c| summary.column(c)).collect()
        };
        let (plus, minus) = (columns(stage.plus)?, columns(stage.minus)?);
        let values: Vec<f64> = (summary.rows.iter())
            .map(|row| {
                let added: u64 = plus.iter().map(|&c| count(row, c)).sum();
                let taken: u64 = minus.iter().map(|&c| count(row, c)).sum();
                added.saturating_sub(taken) as f64
            })
            .collect();
        let mut from = stage.plus.join(" + ");
        for minus in stage.minus {
            from.push_str(" - ");
            from.push_str(minus);
        }
        stages.push(Stage {
            name: stage.name,
            from,
            value: Estimate::of(&values),
        });
    }
    Ok(stages)
}

/// Metastases per organ (`metastases.csv`) and the share of arrivals
/// (`funnel.csv`).
fn organs(
    metastases: &TableRows,
    funnel: &TableRows,
    organ_names: &[String],
    replicates: u64,
) -> Result<Vec<OrganShare>, ReportError> {
    let (replicate, organ) = (metastases.column("replicate")?, metastases.column("organ")?);
    let mut per_replicate = vec![vec![0u64; replicates as usize]; organ_names.len()];
    for row in &metastases.rows {
        if let Some(o) = organ_names.iter().position(|n| n == text(row, organ)) {
            let r = count(row, replicate) as usize;
            if r < replicates as usize {
                per_replicate[o][r] += 1;
            }
        }
    }
    let (funnel_organ, arrested, passed) = (
        funnel.column("organ")?,
        funnel.column("arrested")?,
        funnel.column("passed")?,
    );
    let mut arrivals = vec![0u64; organ_names.len()];
    for row in &funnel.rows {
        if let Some(o) = organ_names
            .iter()
            .position(|n| n == text(row, funnel_organ))
        {
            arrivals[o] += count(row, arrested) + count(row, passed);
        }
    }
    let all_metastases: u64 = per_replicate.iter().flatten().sum();
    let all_arrivals: u64 = arrivals.iter().sum();
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    Ok((organ_names.iter().enumerate())
        .map(|(o, name)| {
            let counts: Vec<f64> = per_replicate[o].iter().map(|&n| n as f64).collect();
            OrganShare {
                organ: name.clone(),
                metastases: Estimate::of(&counts),
                share_of_metastases: share(per_replicate[o].iter().sum(), all_metastases),
                share_of_arrivals: share(arrivals[o], all_arrivals),
            }
        })
        .collect())
}

/// At most this many organs get a line of their own in the burden.
const BURDEN_ORGANS: usize = 4;

/// The burden over time (`timeseries.csv`): primary cells, cells in
/// metastases (all organs, and the organs with the most), solitary and
/// dormant cells, each summed over organs per replicate and day.
fn burden(timeseries: &TableRows, organ_names: &[String]) -> Result<Vec<Series>, ReportError> {
    let (replicate, day, organ) = (
        timeseries.column("replicate")?,
        timeseries.column("day")?,
        timeseries.column("organ")?,
    );
    let (primary, metastatic, solitary) = (
        timeseries.column("primary_cells")?,
        timeseries.column("metastatic_cells")?,
        timeseries.column("solitary_cells")?,
    );
    let days = distinct(
        timeseries
            .rows
            .iter()
            .filter_map(|r| real(r, day))
            .collect(),
    );
    // (series, day) -> replicate -> cells
    let mut sums: BTreeMap<(usize, usize), BTreeMap<u64, u64>> = BTreeMap::new();
    // Series 0, 1, 2: primary, metastases, solitary; 3 + o: organ o.
    for row in &timeseries.rows {
        let Some(d) = real(row, day) else { continue };
        let (d, r) = (position(&days, d), count(row, replicate));
        let o = organ_names.iter().position(|n| n == text(row, organ));
        let mut add = |series: usize, cells: u64| {
            *sums.entry((series, d)).or_default().entry(r).or_default() += cells;
        };
        add(0, count(row, primary));
        add(1, count(row, metastatic));
        add(2, count(row, solitary));
        if let Some(o) = o {
            add(3 + o, count(row, metastatic));
        }
    }
    let series_of = |series: usize, name: String| Series {
        name,
        days: days.clone(),
        cells: (0..days.len())
            .map(|d| {
                let values: Vec<f64> = (sums.get(&(series, d)).into_iter())
                    .flat_map(|by| by.values().map(|&c| c as f64))
                    .collect();
                Estimate::of(&values)
            })
            .collect(),
    };
    let last = |s: &Series| s.cells.last().map_or(0.0, |e| e.mean);
    let mut out = Vec::new();
    let primary = series_of(0, "primary tumour".into());
    if primary.cells.iter().any(|e| e.mean > 0.0) {
        out.push(primary);
    }
    out.push(series_of(1, "metastases, all organs".into()));
    let mut by_organ: Vec<Series> = (organ_names.iter().enumerate())
        .map(|(o, n)| series_of(3 + o, format!("metastases in {n}")))
        .filter(|s| s.cells.iter().any(|e| e.mean > 0.0))
        .collect();
    if by_organ.len() > 1 {
        // The organs with the most cells at the end, in the organs' order.
        let mut order: Vec<usize> = (0..by_organ.len()).collect();
        order.sort_by(|&a, &b| {
            last(&by_organ[b])
                .total_cmp(&last(&by_organ[a]))
                .then(a.cmp(&b))
        });
        order.truncate(BURDEN_ORGANS);
        order.sort_unstable();
        let kept: Vec<Series> = order.into_iter().map(|i| by_organ[i].clone()).collect();
        by_organ = kept;
        out.extend(by_organ);
    }
    out.push(series_of(2, "solitary and dormant cells".into()));
    Ok(out)
}

/// The Kaplan–Meier curve of `times`: each replicate's day of the event,
/// or `None` and the day it was censored at.
fn kaplan_meier(event: &'static str, times: &[(Option<f64>, f64)]) -> Survival {
    let mut observations: Vec<(f64, bool)> = (times.iter())
        .map(|&(event_day, end)| match event_day {
            Some(day) => (day, true),
            None => (end, false),
        })
        .collect();
    observations.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let n = observations.len() as u64;
    let mut at_risk = n;
    let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
    let mut steps = vec![SurvivalStep {
        day: 0.0,
        survival: 1.0,
        low: 1.0,
        high: 1.0,
        at_risk: n,
    }];
    let mut censoring_days = Vec::new();
    let mut i = 0;
    while i < observations.len() {
        let day = observations[i].0;
        let same = observations[i..].iter().take_while(|o| o.0 == day).count();
        let events = observations[i..i + same].iter().filter(|o| o.1).count() as u64;
        if events > 0 {
            let d = events as f64;
            let r = at_risk as f64;
            survival *= 1.0 - d / r;
            if at_risk > events {
                greenwood += d / (r * (r - d));
            }
            let half = 1.959_963_984_540_054 * survival * greenwood.sqrt();
            steps.push(SurvivalStep {
                day,
                survival,
                low: (survival - half).max(0.0),
                high: (survival + half).min(1.0),
                at_risk,
            });
        }
        if events < same as u64 {
            censoring_days.push(day);
        }
        at_risk -= same as u64;
        i += same;
    }
    let events = observations.iter().filter(|o| o.1).count() as u64;
    Survival {
        event,
        events,
        censored: n - events,
        steps,
        censoring_days,
    }
}

/// The curves: the first detection (`summary.csv`), and, with therapy,
/// the first relapse (`therapy.csv`), each censored at the replicate's
/// `end_day`.
fn survival(summary: &TableRows, therapy: &TableRows) -> Result<Vec<Survival>, ReportError> {
    let (replicate, end, detection) = (
        summary.column("replicate")?,
        summary.column("end_day")?,
        summary.column("first_detection_day")?,
    );
    let ends: BTreeMap<u64, f64> = (summary.rows.iter())
        .map(|r| (count(r, replicate), real(r, end).unwrap_or(0.0)))
        .collect();
    let detections: Vec<(Option<f64>, f64)> = (summary.rows.iter())
        .map(|r| (real(r, detection), real(r, end).unwrap_or(0.0)))
        .collect();
    let mut curves = vec![kaplan_meier("first detection of a metastasis", &detections)];
    if !therapy.rows.is_empty() {
        let (replicate, relapse) = (therapy.column("replicate")?, therapy.column("relapse_day")?);
        let relapses: Vec<(Option<f64>, f64)> = (therapy.rows.iter())
            .map(|r| {
                let end = ends.get(&count(r, replicate)).copied().unwrap_or(0.0);
                (real(r, relapse), end)
            })
            .collect();
        curves.push(kaplan_meier("first relapse", &relapses));
    }
    Ok(curves)
}

/// The share of replicates cured at the end (`therapy.csv`), with
/// Wilson's interval; `None` without therapy.
fn cured(therapy: &TableRows) -> Result<Option<Estimate>, ReportError> {
    if therapy.rows.is_empty() {
        return Ok(None);
    }
    let cured = therapy.column("cured")?;
    let yes = therapy.rows.iter().filter(|r| boolean(r, cured)).count() as u64;
    Ok(Some(Estimate::proportion(yes, therapy.rows.len() as u64)))
}

/// Colonies per replicate at each harvest, all organs (`harvests.csv`).
fn harvests(harvests: &TableRows, replicates: u64) -> Result<Vec<HarvestDay>, ReportError> {
    let (replicate, day, colonies) = (
        harvests.column("replicate")?,
        harvests.column("day")?,
        harvests.column("colonies")?,
    );
    let days = distinct(harvests.rows.iter().filter_map(|r| real(r, day)).collect());
    let mut counts = vec![BTreeMap::<u64, u64>::new(); days.len()];
    for row in &harvests.rows {
        let Some(d) = real(row, day) else { continue };
        let r = count(row, replicate);
        if r < replicates {
            *counts[position(&days, d)].entry(r).or_default() += count(row, colonies);
        }
    }
    Ok((days.iter().zip(counts))
        .map(|(&day, by_replicate)| {
            let colonies: Vec<u64> = by_replicate.values().copied().collect();
            let values: Vec<f64> = colonies.iter().map(|&c| c as f64).collect();
            HarvestDay {
                day,
                mean: Estimate::of(&values),
                colonies,
            }
        })
        .collect())
}

/// The clonal composition of replicate 0 (`composition.csv`), its sites'
/// cells (`diversity.csv`) and the clones' parents (`clones.csv`).
fn composition(
    composition: &TableRows,
    diversity: &TableRows,
    clones: &TableRows,
) -> Result<Composition, ReportError> {
    const REPLICATE: u64 = 0;
    let replicate = diversity.column("replicate")?;
    let (day, cells) = (diversity.column("day")?, diversity.column("cells")?);
    let rows = |t: &'_ TableRows, column: usize| -> Vec<usize> {
        (0..t.rows.len())
            .filter(|&i| count(&t.rows[i], column) == REPLICATE)
            .collect()
    };
    let sites = rows(diversity, replicate);
    let days = distinct(
        sites
            .iter()
            .filter_map(|&i| real(&diversity.rows[i], day))
            .collect(),
    );
    let mut totals = vec![0u64; days.len()];
    for &i in &sites {
        let row = &diversity.rows[i];
        if let Some(d) = real(row, day) {
            totals[position(&days, d)] += count(row, cells);
        }
    }
    let (c_replicate, c_day, c_id, c_cells) = (
        composition.column("replicate")?,
        composition.column("day")?,
        composition.column("clone_id")?,
        composition.column("cells")?,
    );
    let mut by_clone: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for i in rows(composition, c_replicate) {
        let row = &composition.rows[i];
        let Some(d) = real(row, c_day) else { continue };
        let d = position(&days, d);
        if d < days.len() {
            by_clone
                .entry(count(row, c_id))
                .or_insert_with(|| vec![0; days.len()])[d] += count(row, c_cells);
        }
    }
    // The lineage of replicate 0: names and parents; clones in depth-first
    // order, children by id, so that a clone's band lies next to its
    // parent's.
    let (l_replicate, l_clone, l_name, l_parent) = (
        clones.column("replicate")?,
        clones.column("clone")?,
        clones.column("name")?,
        clones.column("parent")?,
    );
    let mut lineage: BTreeMap<u64, (String, Option<u64>)> = BTreeMap::new();
    for i in rows(clones, l_replicate) {
        let row = &clones.rows[i];
        let parent = match row.get(l_parent) {
            Some(crate::schema::Value::Count(p)) => Some(*p),
            _ => None,
        };
        lineage.insert(count(row, l_clone), (text(row, l_name).to_string(), parent));
    }
    let mut children: BTreeMap<Option<u64>, Vec<u64>> = BTreeMap::new();
    for (&clone, (_, parent)) in &lineage {
        children.entry(*parent).or_default().push(clone);
    }
    let mut order = Vec::new();
    let mut stack: Vec<u64> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(clone) = stack.pop() {
        order.push(clone);
        if let Some(kids) = children.get(&Some(clone)) {
            stack.extend(kids.iter().rev());
        }
    }
    // Clones observed but not in the lineage (none, in a consistent run)
    // go last, by id.
    let unknown: Vec<u64> = by_clone
        .keys()
        .filter(|c| !lineage.contains_key(c))
        .copied()
        .collect();
    order.extend(unknown);
    let clones = (order.into_iter())
        .filter_map(|clone| {
            let cells = by_clone.get(&clone)?.clone();
            let (name, parent) = lineage.get(&clone).cloned().unwrap_or_default();
            Some(CloneCells {
                name,
                clone,
                parent,
                cells,
            })
        })
        .collect();
    Ok(Composition {
        replicate: REPLICATE,
        days,
        cells: totals,
        clones,
    })
}
