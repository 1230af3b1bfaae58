//! Which parameters of a run hold a placeholder: a value of the organ
//! presets or of the default phenotype that no published measurement
//! stands behind (the constants of `cascade_biology::organs`, such as
//! `EXTRAVASATION_RATE`, and
//! `cascade_biology::config::default_phenotype` say which; issue 5 is to
//! calibrate them). A parameter is listed when the run's value is the
//! placeholder, whether the file left it out or wrote the same value.

use serde::Serialize;

use cascade_biology::config::{CascadeConfig, default_phenotype};
use cascade_biology::organs::{Organ, OrganSet, OrganSpec};

use crate::scenario::Preset;

/// A parameter that holds a placeholder in some organs or clones.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Placeholder {
    /// The parameter, as a scenario file names it (`extravasation_rate`).
    pub parameter: &'static str,
    /// Its unit.
    pub unit: &'static str,
    /// Where it holds a placeholder: organs or clones, by name, in order.
    pub holders: Vec<String>,
    /// How many organs (or clones) there are.
    pub of: usize,
    /// What the holders are: `organ` or `clone`.
    pub kind: &'static str,
}

impl Placeholder {
    /// Where it holds a placeholder, as the terminal and the report write
    /// it: `every organ (11 of 11)` or `2 of 11 organs: kidneys, lung`.
    pub fn where_held(&self) -> String {
        if self.holders.len() == self.of {
            format!("every {} ({} of {})", self.kind, self.of, self.of)
        } else {
            let plural = if self.of == 1 { "" } else { "s" };
            format!(
                "{} of {} {}{plural}: {}",
                self.holders.len(),
                self.of,
                self.kind,
                self.holders.join(", ")
            )
        }
    }
}

/// An organ's parameter: its name, its unit, and how to read it from the
/// run's organ and from the preset's.
struct OrganParameter {
    name: &'static str,
    unit: &'static str,
    run: fn(&Organ) -> f64,
    preset: fn(&OrganSpec) -> f64,
    /// Whether the preset's value is a placeholder even when it is 1 (a
    /// neutral multiplier is not).
    neutral_is_placeholder: bool,
    /// The organs of the human preset whose neutral value is a
    /// placeholder all the same (a 1 standing in for a value no source
    /// gives).
    neutral_placeholder_in_human: &'static [&'static str],
}

/// The organs' parameters whose preset values are placeholders (every
/// microenvironment rate; the growth multipliers that are not neutral;
/// the human skeleton's solitary division multiplier; the carrying
/// capacities).
const ORGAN_PARAMETERS: [OrganParameter; 10] = [
    OrganParameter {
        name: "arrest_probability",
        unit: "probability",
        run: |o| o.arrest_probability,
        preset: |o| o.arrest_probability,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "extravasation_rate",
        unit: "per day",
        run: |o| o.extravasation_rate,
        preset: |o| o.extravasation_rate,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "arrested_death_rate",
        unit: "per day",
        run: |o| o.arrested_death_rate,
        preset: |o| o.arrested_death_rate,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "solitary_death_rate",
        unit: "per day",
        run: |o| o.solitary_death_rate,
        preset: |o| o.solitary_death_rate,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "dormancy_entry_rate",
        unit: "per day",
        run: |o| o.dormancy_entry_rate,
        preset: |o| o.dormancy_entry_rate,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "dormancy_exit_rate",
        unit: "per day",
        run: |o| o.dormancy_exit_rate,
        preset: |o| o.dormancy_exit_rate,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "dormant_death_rate",
        unit: "per day",
        run: |o| o.dormant_death_rate,
        preset: |o| o.dormant_death_rate,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
    OrganParameter {
        name: "growth_multiplier",
        unit: "multiplier",
        run: |o| o.growth_multiplier,
        preset: |o| o.growth_multiplier,
        neutral_is_placeholder: false,
        neutral_placeholder_in_human: &[],
    },
    // The human skeleton's colonisation (`BONE_SOLITARY_DIVISION_MULTIPLIER`,
    // `docs/colonisation.md`, Bone's soil): 1 for want of a figure.
    OrganParameter {
        name: "solitary_division_multiplier",
        unit: "multiplier",
        run: |o| o.solitary_division_multiplier,
        preset: |o| o.solitary_division_multiplier,
        neutral_is_placeholder: false,
        neutral_placeholder_in_human: &["skeleton"],
    },
    OrganParameter {
        name: "carrying_capacity",
        unit: "cells",
        run: |o| o.carrying_capacity,
        preset: |o| o.carrying_capacity,
        neutral_is_placeholder: true,
        neutral_placeholder_in_human: &[],
    },
];

/// A clone's rate, read from its phenotype.
type Rate = fn(&cascade_biology::clones::Phenotype) -> f64;

/// The placeholders of a run of `config` whose organs start from `preset`.
pub fn placeholders(config: &CascadeConfig, preset: Preset) -> Vec<Placeholder> {
    let specs = match preset {
        Preset::Human => OrganSet::human_specs().0,
        Preset::Mouse => OrganSet::mouse_specs().0,
        Preset::Empty => Vec::new(),
    };
    let organs: Vec<&Organ> = config.organs.organs().map(|(_, o)| o).collect();
    let mut found = Vec::new();
    for parameter in &ORGAN_PARAMETERS {
        let holders: Vec<String> = (organs.iter())
            .filter(|organ| {
                let Some(spec) = specs.iter().find(|s| s.name == organ.name) else {
                    return false;
                };
                let value = (parameter.preset)(spec);
                let neutral_is_placeholder = parameter.neutral_is_placeholder
                    || (preset == Preset::Human
                        && (parameter.neutral_placeholder_in_human).contains(&organ.name.as_str()));
                (parameter.run)(organ) == value && (neutral_is_placeholder || value != 1.0)
            })
            .map(|organ| organ.name.clone())
            .collect();
        if !holders.is_empty() {
            found.push(Placeholder {
                parameter: parameter.name,
                unit: parameter.unit,
                holders,
                of: organs.len(),
                kind: "organ",
            });
        }
    }
    if preset == Preset::Mouse {
        // The mouse's shares are recalled approximations (confidence L).
        let holders: Vec<String> = (organs.iter())
            .filter(|organ| {
                (specs.iter()).any(|s| {
                    s.name == organ.name && s.cardiac_output_share == organ.cardiac_output_share
                })
            })
            .map(|organ| organ.name.clone())
            .collect();
        if !holders.is_empty() {
            found.push(Placeholder {
                parameter: "cardiac_output_share",
                unit: "fraction",
                holders,
                of: organs.len(),
                kind: "organ",
            });
        }
    }
    if config.reseeding.is_some() {
        // Kim et al. 2009 give no per-cell figure (docs/reseeding.md).
        found.push(Placeholder {
            parameter: "reseeding.joining_probability",
            unit: "probability",
            holders: organs.iter().map(|organ| organ.name.clone()).collect(),
            of: organs.len(),
            kind: "organ",
        });
    }
    let default = default_phenotype(&config.organs);
    let clone_rates: [(&'static str, Rate); 4] = [
        ("birth_rate", |p| p.in_primary.birth_rate),
        ("death_rate", |p| p.in_primary.death_rate),
        ("in_metastases.birth_rate", |p| p.in_metastases.birth_rate),
        ("in_metastases.death_rate", |p| p.in_metastases.death_rate),
    ];
    for (name, rate) in clone_rates {
        let holders: Vec<String> = (config.clones.iter())
            .filter(|c| rate(&c.phenotype) == rate(&default))
            .map(|c| c.name.clone())
            .collect();
        if !holders.is_empty() {
            found.push(Placeholder {
                parameter: name,
                unit: "per cell per day",
                holders,
                of: config.clones.len(),
                kind: "clone",
            });
        }
    }
    found
}

/// The warning `cascade run` prints under its summary when `placeholders`
/// is not empty (empty text otherwise): one line per parameter, with
/// where it holds a placeholder.
pub fn warning(placeholders: &[Placeholder]) -> String {
    use core::fmt::Write as _;
    let mut out = String::new();
    if placeholders.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nwarning: placeholder parameters in use (values no published measurement stands behind): read the numbers above as qualitative"
    );
    let width = (placeholders.iter())
        .map(|p| p.parameter.len())
        .max()
        .unwrap_or(0);
    for p in placeholders {
        let _ = writeln!(
            out,
            "  {:<width$}  {}, {}",
            p.parameter,
            p.unit,
            p.where_held()
        );
    }
    out
}
