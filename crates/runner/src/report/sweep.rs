//! The report of a sweep (`cascade report DIR` on the `--out` of `cascade
//! sweep` or `cascade merge`): the sweep's identity and, for every outcome
//! of `points.csv`, one figure of the outcome against each axis with its
//! 95% intervals ([`figures`]), in one page ([`page`]).
//!
//! The numbers are `points.csv`'s: its rows are made again from the
//! units' records in the store by the code that wrote the file
//! (`shards::points_of`), and every outcome is found in its
//! columns (a `<name>_mean` or `<name>` column followed by `<name>_low`
//! and `<name>_high`), so an outcome added to the table, the therapy's
//! probabilities and an extension's fates and counters get their figure
//! without a list here.

use std::path::Path;

use serde::Serialize;

use super::{ReportError, message};
use crate::output::{RunIdentity, stored_tables};
use crate::scenario::{RangeScale, Scenario, ScenarioExtension};
use crate::schema::{Row, TableSchema, Value};
use crate::store::{STORE_FILE, Store};

pub mod figures;
pub mod page;

/// A finished sweep: its identity, its scenario and `points.csv`.
#[derive(Debug)]
pub struct Sweep<X: ScenarioExtension> {
    /// The sweep's identity (`run.json`).
    pub identity: RunIdentity,
    /// The scenario as the sweep's store holds it (the base of every
    /// point).
    pub scenario: Scenario<X>,
    /// The scenario file's name as the sweep gave it.
    pub scenario_name: String,
    /// Every figure's numbers.
    pub numbers: SweepNumbers,
}

/// What the sweep's figures draw.
#[derive(Clone, Debug, Serialize)]
pub struct SweepNumbers {
    /// The points of the grid.
    pub points: u64,
    /// Replicates per point.
    pub replicates: u64,
    /// The axes, first varying slowest (as the point index does).
    pub axes: Vec<AxisValues>,
    /// Every outcome of `points.csv`, in its column order.
    pub outcomes: Vec<Outcome>,
}

/// One axis of the grid.
#[derive(Clone, Debug, Serialize)]
pub struct AxisValues {
    /// The parameter, as `points.csv`'s column names it.
    pub parameter: String,
    /// Its values, in the grid's order.
    pub values: Vec<f64>,
    /// Whether its figures place the values on a log axis: the sweep's
    /// `range` is `Log`, or the values listed are positive and span a
    /// factor of 100 or more.
    pub log_scale: bool,
}

/// An outcome of `points.csv` at every point.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// Its name: the columns' stem (`metastases_alive`), which
    /// `cascade plot --figure` takes.
    pub name: String,
    /// The column its means are in (`metastases_alive_mean`).
    pub column: String,
    /// What it counts (the column's unit in `dictionary.csv`).
    pub unit: String,
    /// What it is (the column's meaning).
    pub meaning: String,
    /// Whether it is a share (0 to 1), drawn on an axis from 0 to 1.
    pub share: bool,
    /// Its value at each point, by point index; `None` where the table's
    /// cell is empty.
    pub values: Vec<Option<PointValue>>,
}

/// An outcome at one point: the mean and its 95% interval, as
/// `points.csv` has them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PointValue {
    /// The mean (or share).
    pub mean: f64,
    /// The interval's lower end (none with one replicate).
    pub low: Option<f64>,
    /// Its upper end.
    pub high: Option<f64>,
}

impl SweepNumbers {
    /// The outcome named `name`.
    ///
    /// # Errors
    ///
    /// [`ReportError::UnknownFigure`], listing the sweep's outcomes.
    pub fn outcome(&self, name: &str) -> Result<&Outcome, ReportError> {
        self.outcomes
            .iter()
            .find(|o| o.name == name)
            .ok_or_else(|| ReportError::UnknownSweepFigure {
                name: name.to_string(),
                names: self.names(),
            })
    }

    /// The outcomes' names, for messages: `shed, extravasated, …`.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.outcomes.iter().map(|o| o.name.as_str()).collect();
        names.join(", ")
    }

    /// The point whose index on axis `k` is `index[k]` for every axis.
    pub fn point(&self, index: &[usize]) -> usize {
        (self.axes.iter().zip(index)).fold(0, |p, (axis, &i)| p * axis.values.len() + i)
    }
}

/// Whether the axis `parameter` of `scenario`'s sweep, with `values`, is
/// drawn on a log axis ([`AxisValues::log_scale`]).
fn log_scale<X: ScenarioExtension>(
    scenario: &Scenario<X>,
    parameter: &str,
    values: &[f64],
) -> bool {
    let spec = (scenario.file.sweep.iter())
        .flat_map(|s| s.axes.iter())
        .find(|a| a.parameter == parameter);
    match spec.and_then(|a| a.range.as_ref()) {
        Some(range) => range.scale == RangeScale::Log,
        None => {
            let positive = values.iter().all(|&v| v > 0.0);
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(0.0f64, f64::max);
            positive && !values.is_empty() && high >= 100.0 * low
        }
    }
}

/// A float of a row, if it has one.
fn float(row: &Row, column: usize) -> Option<f64> {
    match row.get(column) {
        Some(Value::Float(x) | Value::Day(x)) => Some(*x),
        Some(Value::Count(n)) => Some(*n as f64),
        _ => None,
    }
}

/// The outcomes of `points.csv` (`schema`, `rows`): every column `s_low`
/// after a column `s_mean` or `s`, with `s_high` after it.
fn outcomes(schema: &TableSchema, rows: &[Row]) -> Vec<Outcome> {
    let columns = &schema.columns;
    let mut found = Vec::new();
    for i in 1..columns.len().saturating_sub(1) {
        let Some(stem) = columns[i].name.strip_suffix("_low") else {
            continue;
        };
        let mean = &columns[i - 1];
        let named = mean.name == stem || mean.name.strip_suffix("_mean") == Some(stem);
        if !named || columns[i + 1].name != format!("{stem}_high") {
            continue;
        }
        let values = (rows.iter())
            .map(|row| {
                float(row, i - 1).map(|m| PointValue {
                    mean: m,
                    low: float(row, i),
                    high: float(row, i + 1),
                })
            })
            .collect();
        let share = mean.unit == "probability" || mean.unit.starts_with("share");
        found.push(Outcome {
            name: stem.to_string(),
            column: mean.name.to_string(),
            unit: mean.unit.to_string(),
            meaning: mean.meaning.to_string(),
            share,
            values,
        });
    }
    found
}

/// Reads the finished sweep in `root`, whose identity and scenario are
/// `identity` and `scenario`: every unit's record from the store, then
/// `points.csv` made from them.
///
/// # Errors
///
/// [`ReportError::Slice`] for one slice of a sweep,
/// [`ReportError::Unfinished`] for a sweep whose store lacks units,
/// [`ReportError::Store`] for a store that cannot be read,
/// [`ReportError::NotARun`] for a grid the scenario no longer makes.
pub fn load<X: ScenarioExtension>(
    root: &Path,
    identity: RunIdentity,
    scenario: Scenario<X>,
) -> Result<Sweep<X>, ReportError> {
    let Some(sweep) = &identity.sweep else {
        return Err(ReportError::NotARun(format!(
            "{} is not a sweep directory",
            root.display()
        )));
    };
    if let Some(shard) = sweep.shard {
        return Err(ReportError::Slice {
            root: root.to_path_buf(),
            shard: shard.to_string(),
        });
    }
    let parameters: Vec<&str> = sweep.axes.iter().map(|a| a.parameter.as_str()).collect();
    let schemas = crate::schema::sweep_schemas(&crate::run::declarations(&scenario), &parameters);
    let store = Store::open(&root.join(STORE_FILE), &stored_tables(&schemas))?;
    let points = sweep
        .axes
        .iter()
        .fold(1u64, |n, a| n.saturating_mul(a.values.len() as u64));
    let units = points.saturating_mul(identity.replicates);
    let finished = store.units()?.iter().filter(|&&u| u < units).count() as u64;
    if finished < units {
        return Err(ReportError::Unfinished {
            root: root.to_path_buf(),
            missing: units - finished,
            replicates: units,
        });
    }
    let mut records = Vec::with_capacity(usize::try_from(units).unwrap_or(0));
    for u in 0..units {
        let record = store.record(u)?.ok_or_else(|| ReportError::Unfinished {
            root: root.to_path_buf(),
            missing: 1,
            replicates: units,
        })?;
        records.push(record);
    }
    drop(store);
    let axes: Vec<AxisValues> = (sweep.axes.iter())
        .map(|a| AxisValues {
            parameter: a.parameter.clone(),
            values: a.values.clone(),
            log_scale: log_scale(&scenario, &a.parameter, &a.values),
        })
        .collect();
    let scenario_name = scenario.path.display().to_string();
    let (_, schema, rows) = crate::shards::points_of(scenario.clone(), &identity, &records)
        .map_err(|f| ReportError::NotARun(format!("{}: {}", root.display(), message(f))))?;
    let numbers = SweepNumbers {
        points,
        replicates: identity.replicates,
        axes,
        outcomes: outcomes(&schema, &rows),
    };
    Ok(Sweep {
        identity,
        scenario,
        scenario_name,
        numbers,
    })
}
