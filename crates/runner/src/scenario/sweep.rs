//! Parameter sweeps: the grid a scenario's `sweep` section declares, the
//! parameters an axis may name, the scenario at each point, and the split
//! of the work (points × replicates) into shards.
//!
//! Work unit `u = point × replicates + replicate`; replicate `r` of every
//! point runs on the streams keyed by `(seed, r)`, the same as `cascade
//! run` (common random numbers across points), so a unit's result depends
//! only on the scenario, the point's values, the seed and `r`: not on
//! which other units ran, in which shard, or on how many threads. Shard
//! `i` of `n` is the contiguous block of units
//! `[⌊i·U/n⌋, ⌊(i+1)·U/n⌋)`.

use core::fmt;

use core::ops::Range;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::scenario::{AxisSpec, RangeScale, Scenario, ScenarioExtension, ScenarioFile, Unplaced};

/// At most this many points in a sweep.
pub const MAX_POINTS: u64 = 1_000_000;

/// One axis: a parameter and its values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Axis {
    /// The parameter's name.
    pub parameter: String,
    /// Its values, in order.
    pub values: Vec<f64>,
}

/// A clone's traits an axis may name: `clones.<clone>.<trait>`.
const CLONE_TRAITS: [&str; 6] = [
    "birth_rate",
    "death_rate",
    "mutation_probability",
    "shedding_rate",
    "circulation_death_rate",
    "solitary_division_multiplier",
];
/// `clones.<clone>.in_metastases.<trait>`.
const METASTASIS_TRAITS: [&str; 4] = [
    "birth_rate",
    "death_rate",
    "mutation_probability",
    "shedding_rate",
];
/// `clones.<clone>.affinity.<organ>.<kind>`.
const AFFINITIES: [&str; 3] = ["arrest", "extravasation", "growth"];
/// `organs.<organ>.<field>` and `organs.every.<field>` (without the share).
const ORGAN_FIELDS: [&str; 11] = [
    "cardiac_output_share",
    "arrest_probability",
    "extravasation_rate",
    "arrested_death_rate",
    "solitary_death_rate",
    "dormancy_entry_rate",
    "dormancy_exit_rate",
    "dormant_death_rate",
    "growth_multiplier",
    "solitary_division_multiplier",
    "carrying_capacity",
];
/// `mutation_effect.<field>`.
const MUTATION_EFFECTS: [&str; 7] = [
    "birth_rate",
    "death_rate",
    "shedding_rate",
    "circulation_death_rate",
    "affinity",
    "mutation_probability",
    "solitary_division_multiplier",
];

/// The parameters an axis may name in `file`, as patterns with the file's
/// own names filled in, for messages.
pub fn parameter_names<X: Serialize, E>(file: &ScenarioFile<X, E>, organs: &[&str]) -> Vec<String> {
    let clones: Vec<&str> = file.clones.iter().map(|c| c.name.as_str()).collect();
    let list = |items: &[&str]| items.join("|");
    let mut names = vec![
        "stop_day".to_string(),
        "transit_time".to_string(),
        "detection_size".to_string(),
        "macrometastasis_size".to_string(),
        format!("clones.{{{}}}.{{{}}}", list(&clones), list(&CLONE_TRAITS)),
        format!(
            "clones.{{{}}}.in_metastases.{{{}}}",
            list(&clones),
            list(&METASTASIS_TRAITS)
        ),
        format!(
            "clones.{{{}}}.affinity.{{{}}}.{{{}}}",
            list(&clones),
            list(organs),
            list(&AFFINITIES)
        ),
        format!("organs.{{{}}}.{{{}}}", list(organs), list(&ORGAN_FIELDS)),
        format!("organs.every.{{{}}}", list(&ORGAN_FIELDS[1..])),
        format!("mutation_effect.{{{}}}", list(&MUTATION_EFFECTS)),
    ];
    if let Some(primary) = &file.primary {
        let cells: Vec<&str> = primary.cells.iter().map(|(c, _)| c.as_str()).collect();
        names.push("primary.carrying_capacity".into());
        names.push(format!("primary.cells.{{{}}}", list(&cells)));
    }
    for (k, injection) in file.injections.iter().enumerate() {
        let cells: Vec<&str> = injection.cells.iter().map(|(c, _)| c.as_str()).collect();
        names.push(format!("injections.{k}.{{day|clump_size}}"));
        names.push(format!("injections.{k}.cells.{{{}}}", list(&cells)));
    }
    if matches!(
        file.shedding,
        crate::scenario::SheddingSpec::SizePower { .. }
    ) {
        names.push("shedding.{coefficient|exponent}".into());
    }
    let drugs: Vec<&str> = file.therapy.drugs.iter().map(|d| d.name.as_str()).collect();
    if !drugs.is_empty() {
        names.push(format!(
            "therapy.drugs.{{{}}}.{{{}}}",
            list(&drugs),
            list(&DRUG_FIELDS)
        ));
        names.push(format!(
            "clones.{{{}}}.sensitivity.{{{}}}",
            list(&clones),
            list(&drugs)
        ));
    }
    if matches!(file.mode, crate::scenario::Mode::Stepped { .. }) {
        names.push("mode.{step|threshold}".into());
    }
    if file.therapy.surgery.is_some() {
        names.push("therapy.surgery.{at|left_behind}".into());
    }
    for k in 0..file.therapy.regimens.len() {
        names.push(format!("therapy.regimens.{k}.{{start|delay|every|doses}}"));
    }
    names.extend(extension_parameters(&file.extension));
    names
}

/// The numeric fields of the extension's parameters, as
/// `extension.<field>` (nested fields joined by dots): what an axis may
/// sweep of a lab's own mechanism.
fn extension_parameters<X: Serialize>(extension: &X) -> Vec<String> {
    fn leaves(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Number(_) => out.push(path),
            serde_json::Value::Object(fields) => {
                for (name, field) in fields {
                    leaves(field, format!("{path}.{name}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(extension) {
        leaves(&value, "extension".into(), &mut out);
    }
    out
}

/// Sets the numeric field at `path` of the extension's parameters to
/// `value`, through their serialised form (a whole number for a field that
/// holds one).
fn set_extension<X: Serialize + DeserializeOwned>(
    extension: &mut X,
    parameter: &str,
    path: &[&str],
    value: f64,
) -> Result<(), SetError> {
    let not_one = || {
        SetError(format!(
            "`{parameter}` is not a numeric parameter of the extension"
        ))
    };
    let mut tree = serde_json::to_value(&*extension).map_err(|_| not_one())?;
    let mut slot = &mut tree;
    for name in path {
        slot = slot.get_mut(*name).ok_or_else(not_one)?;
    }
    let whole = value.fract() == 0.0 && value.abs() <= 9.007_199_254_740_992e15;
    *slot = match slot {
        serde_json::Value::Number(n) if n.is_u64() && whole && value >= 0.0 => {
            (value as u64).into()
        }
        serde_json::Value::Number(n) if n.is_i64() && whole => (value as i64).into(),
        serde_json::Value::Number(n) if n.is_f64() => serde_json::Number::from_f64(value)
            .map(serde_json::Value::Number)
            .ok_or_else(|| SetError(format!("{value} is not a finite number")))?,
        serde_json::Value::Number(_) => {
            return Err(SetError(format!(
                "{value} is invalid for `{parameter}`, expected a whole number"
            )));
        }
        _ => return Err(not_one()),
    };
    *extension =
        serde_json::from_value(tree).map_err(|e| SetError(format!("`{parameter}`: {e}")))?;
    Ok(())
}

/// The fields of a drug an axis may name.
const DRUG_FIELDS: [&str; 3] = [
    "log_kill",
    "resistance_probability",
    "resistant_sensitivity",
];

/// Why a parameter name or value cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetError(pub String);

fn whole(value: f64) -> Result<u64, SetError> {
    if value.is_finite()
        && value >= 0.0
        && value.fract() == 0.0
        && value <= 9.007_199_254_740_992e15
    {
        Ok(value as u64)
    } else {
        Err(SetError(format!(
            "{value} is invalid for a count of cells, expected a whole number >= 0"
        )))
    }
}

/// Sets `parameter` to `value` in `file` (`organs` are the resolved organ
/// names, for checking organ parameters).
///
/// # Errors
///
/// [`SetError`] for a name that is not a parameter of this file, or a
/// fractional value for a count.
pub fn set<X: Serialize + DeserializeOwned, E>(
    file: &mut ScenarioFile<X, E>,
    organs: &[&str],
    parameter: &str,
    value: f64,
) -> Result<(), SetError> {
    let parts: Vec<&str> = parameter.split('.').collect();
    let unknown = |what: String| SetError(what);
    let no_clone = |name: &str, file: &ScenarioFile<X, E>| {
        let names: Vec<&str> = file.clones.iter().map(|c| c.name.as_str()).collect();
        unknown(format!(
            "no clone named \"{name}\"; clones: {}",
            names.join(", ")
        ))
    };
    let no_organ = |name: &str| {
        unknown(format!(
            "no organ named \"{name}\"; organs: {}",
            organs.join(", ")
        ))
    };
    match parts.as_slice() {
        ["stop_day"] => file.stop_day = value,
        ["transit_time"] => file.transit_time = value,
        ["detection_size"] => file.detection_size = whole(value)?,
        ["macrometastasis_size"] => file.macrometastasis_size = whole(value)?,
        ["clones", name, rest @ ..] => {
            let Some(index) = file.clones.iter().position(|c| c.name == *name) else {
                return Err(no_clone(name, file));
            };
            let clone = &mut file.clones[index];
            match rest {
                ["birth_rate"] => clone.birth_rate = Some(value),
                ["death_rate"] => clone.death_rate = Some(value),
                ["mutation_probability"] => clone.mutation_probability = Some(value),
                ["shedding_rate"] => clone.shedding_rate = Some(value),
                ["circulation_death_rate"] => clone.circulation_death_rate = Some(value),
                ["solitary_division_multiplier"] => {
                    clone.solitary_division_multiplier = Some(value);
                }
                ["in_metastases", "birth_rate"] => clone.in_metastases.birth_rate = Some(value),
                ["in_metastases", "death_rate"] => clone.in_metastases.death_rate = Some(value),
                ["in_metastases", "mutation_probability"] => {
                    clone.in_metastases.mutation_probability = Some(value);
                }
                ["in_metastases", "shedding_rate"] => {
                    clone.in_metastases.shedding_rate = Some(value);
                }
                ["sensitivity", drug] => {
                    if !file.therapy.drugs.iter().any(|d| d.name == *drug) {
                        return Err(no_drug(drug, &file.therapy));
                    }
                    let clone = &mut file.clones[index];
                    match clone.sensitivity.iter_mut().find(|(d, _)| d == drug) {
                        Some(entry) => entry.1 = value,
                        None => clone.sensitivity.push(((*drug).to_string(), value)),
                    }
                }
                ["affinity", organ, kind] if AFFINITIES.contains(kind) => {
                    if !organs.contains(organ) {
                        return Err(no_organ(organ));
                    }
                    let entry = match clone.affinity.iter().position(|a| a.organ == *organ) {
                        Some(i) => &mut clone.affinity[i],
                        None => {
                            clone.affinity.push(crate::scenario::AffinitySpec {
                                organ: (*organ).to_string(),
                                arrest: 1.0,
                                extravasation: 1.0,
                                growth: 1.0,
                            });
                            clone.affinity.last_mut().expect("just pushed")
                        }
                    };
                    match *kind {
                        "arrest" => entry.arrest = value,
                        "extravasation" => entry.extravasation = value,
                        _ => entry.growth = value,
                    }
                }
                _ => return Err(unknown(format!("`{parameter}` is not a clone parameter"))),
            }
        }
        ["organs", "every", field] if ORGAN_FIELDS[1..].contains(field) => {
            let every = &mut file.organs.every;
            let slot = match *field {
                "arrest_probability" => &mut every.arrest_probability,
                "extravasation_rate" => &mut every.extravasation_rate,
                "arrested_death_rate" => &mut every.arrested_death_rate,
                "solitary_death_rate" => &mut every.solitary_death_rate,
                "dormancy_entry_rate" => &mut every.dormancy_entry_rate,
                "dormancy_exit_rate" => &mut every.dormancy_exit_rate,
                "dormant_death_rate" => &mut every.dormant_death_rate,
                "growth_multiplier" => &mut every.growth_multiplier,
                "solitary_division_multiplier" => &mut every.solitary_division_multiplier,
                _ => &mut every.carrying_capacity,
            };
            *slot = Some(value);
        }
        ["organs", organ, field] if ORGAN_FIELDS.contains(field) => {
            if !organs.contains(organ) {
                return Err(no_organ(organ));
            }
            let changes = &mut file.organs.change;
            let change = match changes.iter().position(|c| c.organ == *organ) {
                Some(i) => &mut changes[i],
                None => {
                    changes.push(crate::scenario::OrganChange {
                        organ: (*organ).to_string(),
                        ..Default::default()
                    });
                    changes.last_mut().expect("just pushed")
                }
            };
            let slot = match *field {
                "cardiac_output_share" => &mut change.cardiac_output_share,
                "arrest_probability" => &mut change.arrest_probability,
                "extravasation_rate" => &mut change.extravasation_rate,
                "arrested_death_rate" => &mut change.arrested_death_rate,
                "solitary_death_rate" => &mut change.solitary_death_rate,
                "dormancy_entry_rate" => &mut change.dormancy_entry_rate,
                "dormancy_exit_rate" => &mut change.dormancy_exit_rate,
                "dormant_death_rate" => &mut change.dormant_death_rate,
                "growth_multiplier" => &mut change.growth_multiplier,
                "solitary_division_multiplier" => &mut change.solitary_division_multiplier,
                _ => &mut change.carrying_capacity,
            };
            *slot = Some(value);
        }
        ["mutation_effect", field] if MUTATION_EFFECTS.contains(field) => {
            let m = &mut file.mutation_effect;
            let slot = match *field {
                "birth_rate" => &mut m.birth_rate,
                "death_rate" => &mut m.death_rate,
                "shedding_rate" => &mut m.shedding_rate,
                "circulation_death_rate" => &mut m.circulation_death_rate,
                "affinity" => &mut m.affinity,
                "solitary_division_multiplier" => &mut m.solitary_division_multiplier,
                _ => &mut m.mutation_probability,
            };
            *slot = value;
        }
        ["primary", rest @ ..] => {
            let Some(primary) = &mut file.primary else {
                return Err(unknown("the scenario has no primary".into()));
            };
            match rest {
                ["carrying_capacity"] => primary.carrying_capacity = Some(value),
                ["cells", clone] => {
                    let Some(entry) = primary.cells.iter_mut().find(|(c, _)| c == clone) else {
                        return Err(unknown(format!("the primary has no cells of \"{clone}\"")));
                    };
                    entry.1 = whole(value)?;
                }
                _ => return Err(unknown(format!("`{parameter}` is not a primary parameter"))),
            }
        }
        ["injections", k, rest @ ..] => {
            let count = file.injections.len();
            let Some(injection) = k
                .parse::<usize>()
                .ok()
                .and_then(|k| file.injections.get_mut(k))
            else {
                return Err(unknown(format!(
                    "no injection {k}; the scenario has {count} (numbered from 0)"
                )));
            };
            match rest {
                ["day"] => injection.day = value,
                ["clump_size"] => injection.clump_size = Some(whole(value)?),
                ["cells", clone] => {
                    let Some(entry) = injection.cells.iter_mut().find(|(c, _)| c == clone) else {
                        return Err(unknown(format!(
                            "injection {k} has no cells of \"{clone}\""
                        )));
                    };
                    entry.1 = whole(value)?;
                }
                _ => {
                    return Err(unknown(format!(
                        "`{parameter}` is not an injection parameter"
                    )));
                }
            }
        }
        ["shedding", field @ ("coefficient" | "exponent")] => match &mut file.shedding {
            crate::scenario::SheddingSpec::SizePower {
                coefficient,
                exponent,
            } => {
                if *field == "coefficient" {
                    *coefficient = value;
                } else {
                    *exponent = value;
                }
            }
            crate::scenario::SheddingSpec::PerCell => {
                return Err(unknown(
                    "the scenario sheds PerCell; shedding.coefficient and .exponent need SizePower"
                        .into(),
                ));
            }
        },
        ["therapy", rest @ ..] => set_therapy(&mut file.therapy, parameter, rest, value)?,
        ["extension", path @ ..] if !path.is_empty() => {
            set_extension(&mut file.extension, parameter, path, value)?
        }
        ["mode", field @ ("step" | "threshold")] => match &mut file.mode {
            crate::scenario::Mode::Stepped {
                step, threshold, ..
            } => {
                if *field == "step" {
                    *step = value;
                } else {
                    *threshold = whole(value)?;
                }
            }
            crate::scenario::Mode::Exact => {
                return Err(unknown(
                    "the scenario's mode is Exact; mode.step and mode.threshold need mode: Stepped(..)"
                        .into(),
                ));
            }
        },
        _ => return Err(unknown(format!("`{parameter}` is not a parameter"))),
    }
    Ok(())
}

fn no_drug(name: &str, therapy: &crate::scenario::TherapySpec) -> SetError {
    let names: Vec<&str> = therapy.drugs.iter().map(|d| d.name.as_str()).collect();
    SetError(format!(
        "no drug named \"{name}\"; drugs: {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ))
}

fn set_therapy(
    therapy: &mut crate::scenario::TherapySpec,
    parameter: &str,
    rest: &[&str],
    value: f64,
) -> Result<(), SetError> {
    use crate::scenario::{RegimenStart, SurgeryAt};
    match rest {
        ["drugs", name, field] if DRUG_FIELDS.contains(field) => {
            let Some(drug) = therapy.drugs.iter_mut().find(|d| d.name == *name) else {
                return Err(no_drug(name, therapy));
            };
            match *field {
                "log_kill" => drug.log_kill = value,
                "resistance_probability" => drug.resistance_probability = value,
                _ => drug.resistant_sensitivity = value,
            }
        }
        ["surgery", field @ ("at" | "left_behind")] => {
            let Some(surgery) = &mut therapy.surgery else {
                return Err(SetError("the scenario has no therapy.surgery".into()));
            };
            if *field == "left_behind" {
                surgery.left_behind = value;
            } else {
                surgery.at = match surgery.at {
                    SurgeryAt::Day(_) => SurgeryAt::Day(value),
                    SurgeryAt::PrimarySize(_) => SurgeryAt::PrimarySize(whole(value)?),
                };
            }
        }
        ["regimens", k, field] => {
            let count = therapy.regimens.len();
            let Some(regimen) = k
                .parse::<usize>()
                .ok()
                .and_then(|k| therapy.regimens.get_mut(k))
            else {
                return Err(SetError(format!(
                    "no regimen {k}; the scenario has {count} (numbered from 0)"
                )));
            };
            match *field {
                "start" => {
                    regimen.start = match regimen.start {
                        RegimenStart::Day(_) => RegimenStart::Day(value),
                        RegimenStart::PrimarySize(_) => RegimenStart::PrimarySize(whole(value)?),
                        RegimenStart::Surgery | RegimenStart::FirstDetection => {
                            return Err(SetError(format!(
                                "`{parameter}` starts at an event, not at a number; sweep a regimen that starts at Day(d) or PrimarySize(n)"
                            )));
                        }
                    };
                }
                "delay" => regimen.delay = value,
                "every" if regimen.every.is_some() => regimen.every = Some(value),
                "doses" if regimen.doses.is_some() => {
                    let doses = whole(value)?;
                    regimen.doses = Some(
                        u32::try_from(doses)
                            .map_err(|_| SetError(format!("{value} doses is too many")))?,
                    );
                }
                "every" | "doses" => {
                    return Err(SetError(format!(
                        "`{parameter}`: the regimen gives its doses at `days`, not `every` and `doses`"
                    )));
                }
                _ => {
                    return Err(SetError(format!(
                        "`{parameter}` is not a regimen parameter"
                    )));
                }
            }
        }
        _ => {
            return Err(SetError(format!(
                "`{parameter}` is not a therapy parameter"
            )));
        }
    }
    Ok(())
}

/// The values of an axis: its list, or its range expanded.
fn values(axis: &AxisSpec) -> Result<Vec<f64>, (String, String)> {
    match (&axis.range, axis.values.is_empty()) {
        (None, true) => Err((
            "values".into(),
            "the axis has no values: give `values: [...]` or `range: (from: .., to: .., points: ..)`"
                .into(),
        )),
        (Some(_), false) => Err((
            "range".into(),
            "give `values` or `range`, not both".into(),
        )),
        (None, false) => {
            if let Some(bad) = axis.values.iter().find(|v| !v.is_finite()) {
                return Err(("values".into(), format!("{bad} is not a finite number")));
            }
            Ok(axis.values.clone())
        }
        (Some(range), true) => {
            if !(range.from.is_finite() && range.to.is_finite()) {
                return Err(("range".into(), "the ends must be finite numbers".into()));
            }
            if !(2..=MAX_POINTS).contains(&range.points) {
                return Err((
                    "range.points".into(),
                    format!("{} is invalid, expected 2 to {MAX_POINTS}", range.points),
                ));
            }
            let steps = (range.points - 1) as f64;
            match range.scale {
                RangeScale::Linear => Ok((0..range.points)
                    .map(|k| {
                        if k == range.points - 1 {
                            range.to
                        } else {
                            range.from + (range.to - range.from) * (k as f64 / steps)
                        }
                    })
                    .collect()),
                RangeScale::Log => {
                    if !(range.from > 0.0 && range.to > 0.0) {
                        return Err((
                            "range.scale".into(),
                            "a Log range needs both ends > 0".into(),
                        ));
                    }
                    Ok((0..range.points)
                        .map(|k| {
                            if k == range.points - 1 {
                                range.to
                            } else {
                                range.from * libm::pow(range.to / range.from, k as f64 / steps)
                            }
                        })
                        .collect())
                }
            }
        }
    }
}

/// The axes of `file`'s sweep, checked: names valid for this file, values
/// finite, at most [`MAX_POINTS`] points. An absent or empty `sweep` is a
/// single point with no axes.
pub(crate) fn axes<X: Clone + Serialize + DeserializeOwned, E: Clone>(
    file: &ScenarioFile<X, E>,
    organs: &[&str],
) -> Result<Vec<Axis>, Unplaced> {
    let Some(sweep) = &file.sweep else {
        return Ok(Vec::new());
    };
    let mut axes: Vec<Axis> = Vec::new();
    let mut points: u64 = 1;
    for (i, spec) in sweep.axes.iter().enumerate() {
        let path = format!("sweep.axes[{i}]");
        if let Some(previous) = axes.iter().position(|a| a.parameter == spec.parameter) {
            return Err(Unplaced::new(
                format!("{path}.parameter"),
                format!(
                    "`{}` is already swept by sweep.axes[{previous}]; merge the two",
                    spec.parameter
                ),
            ));
        }
        let mut probe = file.clone();
        if let Err(SetError(message)) = set(&mut probe, organs, &spec.parameter, 1.0) {
            return Err(Unplaced::new(
                format!("{path}.parameter"),
                format!(
                    "{message}; valid parameters: {}",
                    parameter_names(file, organs).join(", ")
                ),
            ));
        }
        let values = values(spec)
            .map_err(|(field, message)| Unplaced::new(format!("{path}.{field}"), message))?;
        points = points.saturating_mul(values.len() as u64);
        if points > MAX_POINTS {
            return Err(Unplaced::new(
                path,
                format!("the grid has more than {MAX_POINTS} points; split the sweep"),
            ));
        }
        axes.push(Axis {
            parameter: spec.parameter.clone(),
            values,
        });
    }
    Ok(axes)
}

/// The grid: axes, and the values at each point.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The axes, first varying slowest.
    pub axes: Vec<Axis>,
}

impl Grid {
    /// The number of points (1 without axes).
    pub fn points(&self) -> u64 {
        self.axes.iter().map(|a| a.values.len() as u64).product()
    }

    /// The values of point `p`, one per axis.
    pub fn values(&self, p: u64) -> Vec<f64> {
        let mut rest = p;
        let mut values = vec![0.0; self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            let n = axis.values.len() as u64;
            values[k] = axis.values[(rest % n) as usize];
            rest /= n;
        }
        values
    }
}

/// The grid of a resolved scenario.
///
/// # Errors
///
/// The sweep section's first error, as `field: message`.
pub fn grid<X: ScenarioExtension>(scenario: &Scenario<X>) -> Result<Grid, String> {
    let names = scenario.config.organs.names();
    axes(&scenario.file, &names)
        .map(|axes| Grid { axes })
        .map_err(|e| e.to_string())
}

/// The scenario at point `p` of `grid`: the base with the point's values
/// set, resolved again.
///
/// # Errors
///
/// What makes the point's scenario invalid, naming the point, the
/// parameters and values.
pub fn scenario_at<X: ScenarioExtension>(
    base: &Scenario<X>,
    grid: &Grid,
    p: u64,
) -> Result<Scenario<X>, String> {
    let names = base.config.organs.names();
    let values = grid.values(p);
    let mut file = base.file.clone();
    let describe = || {
        grid.axes
            .iter()
            .zip(&values)
            .map(|(a, v)| format!("{} = {v}", a.parameter))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (axis, value) in grid.axes.iter().zip(&values) {
        set(&mut file, &names, &axis.parameter, *value)
            .map_err(|SetError(m)| format!("point {p} ({}): {m}", describe()))?;
    }
    base.with_file(file)
        .map_err(|m| format!("point {p} ({}): {m}", describe()))
}

/// Shard `index` of `count` (`--shard I/N`, I from 0 to N − 1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This slice, from 0.
    pub index: u64,
    /// How many slices.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N`.
    ///
    /// # Errors
    ///
    /// A message saying what is valid.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let invalid = || {
            format!(
                "--shard {text} is invalid, expected I/N with 0 <= I < N, such as 0/4 (for a Slurm array, $SLURM_ARRAY_TASK_ID/N with --array=0-(N-1))"
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(invalid)?;
        let index: u64 = i.trim().parse().map_err(|_| invalid())?;
        let count: u64 = n.trim().parse().map_err(|_| invalid())?;
        if count == 0 || index >= count {
            return Err(invalid());
        }
        Ok(Shard { index, count })
    }

    /// The units of this shard among `units`.
    pub fn units(self, units: u64) -> Range<u64> {
        let at = |i: u64| ((u128::from(i) * u128::from(units)) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_unit_once_in_order() {
        for units in [0_u64, 1, 5, 12, 100] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 0..count {
                    let r = Shard { index, count }.units(units);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, units);
            }
        }
    }

    #[test]
    fn shard_arguments_are_checked() {
        assert_eq!(Shard::parse("2/7"), Ok(Shard { index: 2, count: 7 }));
        for bad in ["7/7", "1/0", "x/2", "3", "-1/2", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn points_enumerate_the_grid_first_axis_slowest() {
        let grid = Grid {
            axes: vec![
                Axis {
                    parameter: "a".into(),
                    values: vec![1.0, 2.0],
                },
                Axis {
                    parameter: "b".into(),
                    values: vec![10.0, 20.0, 30.0],
                },
            ],
        };
        assert_eq!(grid.points(), 6);
        assert_eq!(grid.values(0), vec![1.0, 10.0]);
        assert_eq!(grid.values(2), vec![1.0, 30.0]);
        assert_eq!(grid.values(3), vec![2.0, 10.0]);
        assert_eq!(Grid { axes: vec![] }.points(), 1);
    }

    #[test]
    fn ranges_include_both_ends() {
        let axis = AxisSpec {
            parameter: "x".into(),
            values: vec![],
            range: Some(crate::scenario::RangeSpec {
                from: 1e-4,
                to: 1e-2,
                points: 3,
                scale: RangeScale::Log,
            }),
        };
        let v = values(&axis).expect("valid");
        assert_eq!(v.len(), 3);
        assert_eq!(v[0], 1e-4);
        assert_eq!(v[2], 1e-2);
        assert!((v[1] - 1e-3).abs() < 1e-15);
    }
}
