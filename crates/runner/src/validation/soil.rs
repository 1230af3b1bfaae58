//! Seed and soil: Hart & Fidler 1980's organ grafts in the mouse
//! (`b16_organ_grafts.ron`), and the organ distribution of metastases in
//! patients with prostate and colorectal primaries (`prostate_patients.ron`,
//! `colorectal_patients.ron`).

use cascade_biology::CascadeState;
use cascade_biology::model::SiteKind;

use super::{
    Expect, Experiment, Figure, Published, Role, Setup, Tolerance, Unit, ValidationError, bar,
    estimate, replicates, scenario, share,
};
use crate::report::bars::{Bar, BarChart};
use crate::summary::Estimate;

const GRAFTS: &str = "b16_organ_grafts.ron";
pub(super) const PROSTATE: &str = "prostate_patients.ron";
const COLORECTAL: &str = "colorectal_patients.ron";

struct Grafts {
    arrested_lung_graft: u64,
    arrested_kidney_graft: u64,
    colonies_lung_graft: u64,
    colonies_kidney_graft: u64,
}

fn grafts(state: &CascadeState) -> Grafts {
    let organs = &state.config().organs;
    let lung = organs
        .id("lung_graft")
        .expect("the scenario adds a lung graft");
    let kidney = organs
        .id("kidney_graft")
        .expect("the scenario adds a kidney graft");
    let funnel = state.funnel();
    let last = state.harvests().last().expect("the scenario harvests");
    Grafts {
        arrested_lung_graft: funnel.organ(lung).arrested,
        arrested_kidney_graft: funnel.organ(kidney).arrested,
        colonies_lung_graft: last.organs[lung.index()].colonies,
        colonies_kidney_graft: last.organs[kidney.index()].colonies,
    }
}

/// One patient: arrested cells and living macrometastases per organ.
pub(super) struct Patient {
    arrested: Vec<u64>,
    metastases: Vec<u64>,
}

/// The patient of one replicate.
pub(super) fn patient(state: &CascadeState) -> Patient {
    let config = state.config();
    let funnel = state.funnel();
    let arrested = config
        .organs
        .organs()
        .map(|(id, _)| funnel.organ(id).arrested)
        .collect();
    let mut metastases = vec![0; config.organs.len()];
    for site in state.sites() {
        if site.kind == SiteKind::Metastasis && site.size >= config.macrometastasis_size {
            metastases[site.organ.index()] += 1;
        }
    }
    Patient {
        arrested,
        metastases,
    }
}

/// Observed shares of patients with metastases in each organ, for the
/// organs the model has (the others, pleura, lymph nodes and peritoneum,
/// spread by routes the model lacks).
pub(super) const PROSTATE_OBSERVED: [(&str, f64); 4] = [
    ("skeleton", 0.90),
    ("lung", 0.46),
    ("liver", 0.25),
    ("adrenals", 0.13),
];
const COLORECTAL_OBSERVED: [(&str, f64); 2] = [("liver", 0.70), ("lung", 0.24)];
/// The patients each observed share is of: Bubendorf et al.'s 35% of
/// 1,589 autopsies with haematogenous metastases, and the colorectal
/// series' 385 patients.
pub(super) const PROSTATE_PATIENTS: u64 = 556;
const COLORECTAL_PATIENTS: u64 = 385;

/// Per organ of `observed`: the observed share normalised over those
/// organs (with the 95% interval of its share of the `series`' patients, Wilson's,
/// normalised by the same sum of the observed shares, that sum held fixed), and the simulated shares of arrested cells and of
/// macrometastases over the same organs (pooled over patients: a share
/// of all metastases, so that it does not depend on how many each patient
/// has), with a 95% interval over patients for the latter.
pub(super) struct Distribution {
    organs: Vec<&'static str>,
    pub(super) observed: Vec<f64>,
    observed_interval: Vec<(f64, f64)>,
    arriving: Vec<f64>,
    pub(super) metastases: Vec<Estimate>,
}

pub(super) fn distribution(
    state_organs: &cascade_biology::organs::OrganSet,
    patients: &[Patient],
    observed: &[(&'static str, f64)],
    series: u64,
) -> Distribution {
    let ids: Vec<usize> = observed
        .iter()
        .map(|(name, _)| {
            state_organs
                .id(name)
                .expect("the human preset has this organ")
                .index()
        })
        .collect();
    let total_observed: f64 = observed.iter().map(|(_, v)| v).sum();
    let arrested: Vec<u64> = ids
        .iter()
        .map(|&i| patients.iter().map(|p| p.arrested[i]).sum())
        .collect();
    let arrested_total: u64 = arrested.iter().sum();
    let metastases_total: u64 = patients
        .iter()
        .map(|p| ids.iter().map(|&i| p.metastases[i]).sum::<u64>())
        .sum();
    // The pooled share, with an interval by the ratio estimator's
    // linearisation: per patient, (m_i − share·M_i) / mean(M).
    let metastases = ids
        .iter()
        .map(|&i| {
            let in_organ: u64 = patients.iter().map(|p| p.metastases[i]).sum();
            let pooled = share(in_organ, metastases_total);
            let mean_total = metastases_total as f64 / patients.len().max(1) as f64;
            let residuals = patients.iter().map(|p| {
                let all: u64 = ids.iter().map(|&j| p.metastases[j]).sum();
                if mean_total > 0.0 {
                    (p.metastases[i] as f64 - pooled * all as f64) / mean_total
                } else {
                    0.0
                }
            });
            let spread = estimate(residuals);
            let half = spread.high.map(|h| h - spread.mean);
            Estimate {
                mean: pooled,
                low: half.map(|h| (pooled - h).max(0.0)),
                high: half.map(|h| (pooled + h).min(1.0)),
                n: patients.len() as u64,
            }
        })
        .collect();
    Distribution {
        organs: observed.iter().map(|(name, _)| *name).collect(),
        observed: observed.iter().map(|(_, v)| v / total_observed).collect(),
        observed_interval: (observed.iter())
            .map(|(_, v)| {
                let k = libm::round(v * series as f64) as u64;
                let wilson = Estimate::proportion(k.min(series), series);
                (
                    wilson.low.unwrap_or(*v) / total_observed,
                    wilson.high.unwrap_or(*v) / total_observed,
                )
            })
            .collect(),
        arriving: arrested.iter().map(|&a| share(a, arrested_total)).collect(),
        metastases,
    }
}

/// The three distributions of `d` (arriving, simulated, observed) as bars.
pub(super) fn chart(title: &str, d: &Distribution) -> BarChart {
    BarChart {
        title: title.into(),
        value_label: "share over the organs shown".into(),
        log_scale: false,
        series: vec![
            "arriving cells (blood flow, arrest)".into(),
            "simulated metastases (95% CI)".into(),
            "observed in patients (95% CI)".into(),
        ],
        groups: d
            .organs
            .iter()
            .enumerate()
            .map(|(k, organ)| {
                (
                    organ.to_string(),
                    vec![
                        Some(Bar::value(d.arriving[k])),
                        Some(bar(&d.metastases[k], 1.0)),
                        Some(Bar::with_interval(
                            d.observed[k],
                            d.observed_interval[k].0,
                            d.observed_interval[k].1,
                        )),
                    ],
                )
            })
            .collect(),
    }
}

/// Runs the experiment.
///
/// # Errors
///
/// [`ValidationError`] if a scenario cannot be read or a replicate fails.
pub fn run(setup: &Setup) -> Result<Experiment, ValidationError> {
    let g = scenario(setup, GRAFTS)?;
    let n = setup.scale.pick(8, g.file.replicates);
    let mice = replicates(setup, &g, n, grafts)?;
    let arrest_ratio = estimate(
        mice.iter()
            .map(|m| share(m.arrested_kidney_graft, m.arrested_lung_graft)),
    );
    let count = |f: &dyn Fn(&Grafts) -> bool| mice.iter().filter(|m| f(m)).count() as u64;
    let lung_grew = Estimate::proportion(count(&|m| m.colonies_lung_graft > 0), mice.len() as u64);
    let kidney_grew =
        Estimate::proportion(count(&|m| m.colonies_kidney_graft > 0), mice.len() as u64);
    let hart = "Hart & Fidler 1980, Cancer Res 40:2281";
    let mut rows = vec![
        Published {
            experiment: "Hart & Fidler 1980",
            quantity: "B16 cells arrested in a kidney graft per cell arrested in a lung graft",
            value: 1.0,
            text: "\"the same initial arrest\"",
            source: hart,
            confidence: "H",
            tolerance: Tolerance::Between(0.8, 1.25),
            why: "\"The same\": within a factor 1.25 either way.",
            unit: Unit::Number,
            role: Role::Input,
            expect: Expect::Inside,
        }
        .simulated(arrest_ratio, GRAFTS, g.file.seed),
        Published {
            experiment: "Hart & Fidler 1980",
            quantity: "share of mice whose lung graft grew a colony",
            value: 0.5,
            text: "lung grafts grew B16 tumours",
            source: hart,
            confidence: "H",
            tolerance: Tolerance::AtLeast(0.5),
            why: "The grafts \"grew them\": in most mice.",
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Inside,
        }
        .simulated(lung_grew, GRAFTS, g.file.seed),
        Published {
            experiment: "Hart & Fidler 1980",
            quantity: "share of mice whose kidney graft grew a colony",
            value: 0.0,
            text: "kidney grafts stayed free",
            source: hart,
            confidence: "H",
            tolerance: Tolerance::AtMost(0.05),
            why: "\"Stayed free\": in at most 1 mouse in 20.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(kidney_grew, GRAFTS, g.file.seed),
    ];

    let p = scenario(setup, PROSTATE)?;
    let c = scenario(setup, COLORECTAL)?;
    if p.config.organs != c.config.organs {
        return Err(ValidationError::Scenario(format!(
            "{PROSTATE} and {COLORECTAL} must describe the same body: their organs differ"
        )));
    }
    let prostate_patients = replicates(setup, &p, setup.scale.pick(8, p.file.replicates), patient)?;
    let colorectal_patients =
        replicates(setup, &c, setup.scale.pick(8, c.file.replicates), patient)?;
    let prostate = distribution(
        &p.config.organs,
        &prostate_patients,
        &PROSTATE_OBSERVED,
        PROSTATE_PATIENTS,
    );
    let colorectal = distribution(
        &c.config.organs,
        &colorectal_patients,
        &COLORECTAL_OBSERVED,
        COLORECTAL_PATIENTS,
    );
    let bubendorf = "Bubendorf et al. 2000, Hum Pathol 31:578";
    let colorectal_source = "Visc Med 2017, 33:70 (colorectal, n = 385)";
    let batson = "in this scenario the prostate drains to the lung only, which arrests most cells; with the vertebral venous plexus (Batson's) that carries prostate cells to the spine, rows 31–32";
    let why_patients = "Autopsy and clinical series of hundreds to thousands of patients: the published shares are precise; the simulated share of metastases stands in for the share of patients with the organ involved (normalised over the organs compared), which agree when patients have about one metastasis per organ involved: ±15 percentage points for that stand-in. (For colorectal primaries the lung's share is one minus the liver's, so it has no row of its own.)";
    rows.push(
        Published {
            experiment: "Seed and soil: prostate",
            quantity: "bone (skeleton): share of metastases over bone, lung, liver and adrenals",
            value: prostate.observed[0],
            text: "bone 90% of patients (52% of the four organs' involvements)",
            source: bubendorf,
            confidence: "H",
            tolerance: Tolerance::Absolute(0.15),
            why: why_patients,
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Outside(batson.into()),
        }
        .simulated(prostate.metastases[0], PROSTATE, p.file.seed),
    );
    rows.push(
        Published {
            experiment: "Seed and soil: prostate",
            quantity: "lung: share of metastases over bone, lung, liver and adrenals",
            value: prostate.observed[1],
            text: "lung 46% of patients (26%)",
            source: bubendorf,
            confidence: "H",
            tolerance: Tolerance::Absolute(0.15),
            why: why_patients,
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Outside(batson.into()),
        }
        .simulated(prostate.metastases[1], PROSTATE, p.file.seed),
    );
    rows.push(
        Published {
            experiment: "Seed and soil: colorectal",
            quantity: "liver: share of metastases over liver and lung",
            value: colorectal.observed[0],
            text: "liver 70% of patients (74% of the two organs' involvements)",
            source: colorectal_source,
            confidence: "H",
            tolerance: Tolerance::Absolute(0.15),
            why: why_patients,
            unit: Unit::Percent,
            role: Role::Predicted,
            expect: Expect::Inside,
        }
        .simulated(colorectal.metastases[0], COLORECTAL, c.file.seed),
    );
    let mean = |f: &dyn Fn(&Grafts) -> u64| {
        mice.iter().map(|m| f(m) as f64).sum::<f64>() / mice.len().max(1) as f64
    };
    let graft_chart = BarChart {
        title: "B16 in lung and kidney grafts: arrest alike, growth only in lung".into(),
        value_label: "per mouse (log scale)".into(),
        log_scale: true,
        series: vec!["lung graft".into(), "kidney graft".into()],
        groups: vec![
            (
                "cells arrested".into(),
                vec![
                    Some(Bar::value(mean(&|m| m.arrested_lung_graft))),
                    Some(Bar::value(mean(&|m| m.arrested_kidney_graft))),
                ],
            ),
            (
                "colonies at day 14".into(),
                vec![
                    Some(Bar::value(mean(&|m| m.colonies_lung_graft))),
                    Some(Bar::value(mean(&|m| m.colonies_kidney_graft))),
                ],
            ),
        ],
    };
    Ok(Experiment {
        title: "Seed and soil (Hart & Fidler 1980; patients)",
        rows,
        figures: vec![
            Figure {
                file: "soil_grafts.svg".into(),
                caption: "Mean per mouse of cells arrested in each graft and colonies at day 14 (a bar at the axis floor is zero): the same arrest, growth only in the lung graft.".into(),
                svg: graft_chart.to_svg(),
            },
            Figure {
                file: "soil_prostate.svg".into(),
                caption: "Prostate primaries: where cells arrive (blood flow and arrest alone), where simulated metastases form, and where patients' metastases are (Bubendorf et al. 2000, shares of patients normalised over the four organs; the whisker is Wilson's 95% interval for a share of the 556 patients with haematogenous metastases, normalised by the same sum). Arrival decides the simulated distribution; the patients' is different: the soil, and a route the model lacks.".into(),
                svg: chart("Prostate primaries: metastases by organ", &prostate).to_svg(),
            },
            Figure {
                file: "soil_colorectal.svg".into(),
                caption: "Colorectal primaries: the same three distributions over liver and lung (the patients' whisker: Wilson's 95% interval for a share of 385 patients, normalised likewise). The portal vein's first pass explains most of it.".into(),
                svg: chart("Colorectal primaries: metastases by organ", &colorectal).to_svg(),
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The observed shares' whiskers: Wilson's interval for a share of the
    /// series' patients, normalised as the share is, around the share, and
    /// narrower for the larger series.
    #[test]
    fn observed_shares_carry_wilson_s_interval_for_their_patients() {
        let organs = cascade_biology::organs::OrganSet::human();
        let patient = Patient {
            arrested: vec![1; organs.len()],
            metastases: vec![1; organs.len()],
        };
        let d = distribution(&organs, &[patient], &PROSTATE_OBSERVED, PROSTATE_PATIENTS);
        let total: f64 = PROSTATE_OBSERVED.iter().map(|(_, v)| v).sum();
        for (k, (_, share)) in PROSTATE_OBSERVED.iter().enumerate() {
            let (low, high) = d.observed_interval[k];
            let successes = libm::round(share * PROSTATE_PATIENTS as f64) as u64;
            let wilson = Estimate::proportion(successes, PROSTATE_PATIENTS);
            assert!((low - wilson.low.unwrap() / total).abs() < 1e-15);
            assert!((high - wilson.high.unwrap() / total).abs() < 1e-15);
            assert!(low < d.observed[k] && d.observed[k] < high, "{k}");
        }
        let bone = d.observed_interval[0];
        let few = distribution(
            &organs,
            &[Patient {
                arrested: vec![1; organs.len()],
                metastases: vec![1; organs.len()],
            }],
            &PROSTATE_OBSERVED,
            50,
        );
        let (few_low, few_high) = few.observed_interval[0];
        assert!(few_high - few_low > bone.1 - bone.0);
    }
}
