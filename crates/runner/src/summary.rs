//! The summary over replicates: means with 95% confidence intervals, as a
//! table for people and as JSON for scripts.

use core::fmt::Write as _;

use serde::Serialize;

use cascade_biology::config::CascadeConfig;

use crate::run::{ReplicateRecord, TherapyOutcome};
use crate::schema::{funnel_columns, funnel_counts};

/// A mean over replicates with its 95% confidence interval (Student's t
/// with n − 1 degrees of freedom, clipped at 0 for values that cannot be
/// negative; no interval with one replicate).
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The mean.
    pub mean: f64,
    /// Lower end of the 95% interval of the mean.
    pub low: Option<f64>,
    /// Upper end.
    pub high: Option<f64>,
    /// How many values it is over.
    pub n: u64,
}

/// Two-sided 97.5% quantiles of Student's t for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

fn t_quantile(df: u64) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[(df - 1) as usize],
        _ => {
            // Cornish–Fisher expansion of Student's t in 1/ν around the
            // normal quantile: within 1e-4 of the exact value from ν = 30.
            let z = 1.959_963_984_540_054_f64;
            let (z3, z5, z7) = (z * z * z, z * z * z * z * z, z * z * z * z * z * z * z);
            let v = df as f64;
            z + (z3 + z) / (4.0 * v)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
        }
    }
}

impl Estimate {
    /// The share of `successes` in `n` trials with Wilson's 95% score
    /// interval (which stays in [0, 1] and is sound near 0 and 1, where the
    /// t interval of 0/1 values is not).
    pub fn proportion(successes: u64, n: u64) -> Estimate {
        if n == 0 {
            return Estimate::of(&[]);
        }
        let z = 1.959_963_984_540_054_f64;
        let (k, n_f) = (successes as f64, n as f64);
        let p = k / n_f;
        let denominator = 1.0 + z * z / n_f;
        let centre = (p + z * z / (2.0 * n_f)) / denominator;
        let half = z * (p * (1.0 - p) / n_f + z * z / (4.0 * n_f * n_f)).sqrt() / denominator;
        // In exact arithmetic the interval holds p; rounding can leave a
        // bound a hair on the wrong side of it at p = 0 or 1.
        Estimate {
            mean: p,
            low: Some((centre - half).clamp(0.0, p)),
            high: Some((centre + half).clamp(p, 1.0)),
            n,
        }
    }

    /// The estimate over `values` (in replicate order).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len() as u64;
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                low: None,
                high: None,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                mean,
                low: None,
                high: None,
                n,
            };
        }
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
        let half = t_quantile(n - 1) * (variance / n as f64).sqrt();
        // Counts cannot be negative: clip the interval at 0 when every value
        // is >= 0.
        let floor = if values.iter().all(|&v| v >= 0.0) {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        Estimate {
            mean,
            low: Some((mean - half).max(floor)),
            high: Some(mean + half),
            n,
        }
    }

    /// The estimate of a count for people: a value that is a whole
    /// number (one replicate's count, a mean that happens to be whole, an
    /// interval's end at 0) written as an integer, a mean of counts that is
    /// not as a decimal.
    pub(crate) fn count_cell(&self) -> String {
        let count = |x: f64| {
            if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                number(x)
            }
        };
        self.written_with(count)
    }

    fn cell(&self) -> String {
        self.written_with(number)
    }

    /// `mean [low, high]` (the mean alone without an interval), each
    /// number written by `write`.
    pub(crate) fn written_with(&self, write: impl Fn(f64) -> String) -> String {
        match (self.low, self.high) {
            (Some(low), Some(high)) => {
                format!("{} [{}, {}]", write(self.mean), write(low), write(high))
            }
            _ => write(self.mean),
        }
    }
}

/// The digits of `exponent` as superscripts (`⁻⁴`).
pub(crate) fn superscript(exponent: i32) -> String {
    (exponent.to_string().chars())
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// `text` without trailing zeros after a decimal point (`2.50` → `2.5`).
pub(crate) fn trimmed(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `x` (finite, not 0) as a power of ten with a superscript exponent and
/// at most `significant` digits (at least 1) in the mantissa, trailing
/// zeros dropped: `9.141×10⁻⁶`, `2.5×10⁵`, `10⁵`. The one way the runner
/// writes powers of ten: on the terminal and in the generated documents
/// (through [`number`]) and in the figures (`report::style::number`).
pub(crate) fn power_of_ten(x: f64, significant: usize) -> String {
    let a = x.abs();
    let decimals = significant.max(1) - 1;
    let scale = libm::pow(10.0, decimals as f64);
    let mut exponent = libm::floor(libm::log10(a)) as i32;
    let mut mantissa = libm::round(a / libm::pow(10.0, f64::from(exponent)) * scale) / scale;
    if mantissa >= 10.0 {
        mantissa /= 10.0;
        exponent += 1;
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let digits = trimmed(format!("{mantissa:.decimals$}"));
    if digits == "1" {
        format!("{sign}10{}", superscript(exponent))
    } else {
        format!("{sign}{digits}×10{}", superscript(exponent))
    }
}

/// A number for people: at most 4 significant digits, and outside 0.001
/// to 10⁶ as a power of ten ([`power_of_ten`]: `1.016×10⁶`, `9.141×10⁻⁶`).
pub(crate) fn number(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        power_of_ten(x, 4)
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

/// The line under the funnel when more cells arrested than were injected.
pub const ARRESTED_NOTE: &str = "(arrested exceeds injected: cells shed by the primary tumour and by colonies circulate and arrest too)";

/// The line under the metastases: which organs are listed.
pub const ORGANS_LISTED_NOTE: &str = "(organs listed: those with a metastasis or a colony at a harvest in any replicate; every other organ had none)";

/// A harvest's row when no organ had a colony in any replicate.
pub const NO_COLONIES: &str = "no colonies in any organ";

/// A harvest's row when every replicate was cut short before it.
pub const NOT_REACHED: &str = "not reached (every replicate ended before it)";

/// One organ's metastases at the end of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrganRow {
    /// The organ.
    pub organ: String,
    /// Living metastases per replicate.
    pub metastases: Estimate,
    /// Living macrometastases per replicate.
    pub macrometastases: Estimate,
}

/// Colonies in one organ at one harvest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HarvestRow {
    /// The day.
    pub day: f64,
    /// The organ.
    pub organ: String,
    /// Colonies per replicate.
    pub colonies: Estimate,
}

/// The summary of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The scenario file.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Replicates.
    pub replicates: u64,
    /// Each funnel step, summed over organs and clones.
    pub funnel: Vec<(String, Estimate)>,
    /// The organs with a metastasis at the end or a colony at a harvest in
    /// any replicate (the others had none), zeros included.
    pub metastases: Vec<OrganRow>,
    /// The same organs at each harvest, zeros included.
    pub harvests: Vec<HarvestRow>,
    /// The harvest days (a day with no organ listed had no colony).
    #[serde(skip)]
    pub harvest_days: Vec<f64>,
    /// Replicates in which a metastasis became detectable.
    pub detected_replicates: u64,
    /// Day of first detection, over those replicates.
    pub first_detection_day: Estimate,
    /// Clump counts summed over organs and clones (clumps, not cells), for
    /// a scenario that injects clumps; empty, and left out of the JSON,
    /// otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clumps: Vec<(String, Estimate)>,
    /// Living cells at the end, by where they are.
    pub cells_at_end: Vec<(String, Estimate)>,
    /// Events per replicate.
    pub events: Estimate,
    /// Replicates cut short by `max_events`.
    pub cut_short: u64,
    /// What therapy left, for a scenario with therapy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub therapy: Option<TherapySummary>,
    /// The extension's counters, by name; empty, and left out of the JSON,
    /// without any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<(String, Estimate)>,
}

/// What therapy left, over the replicates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TherapySummary {
    /// Replicates with no living cell at the end.
    pub cured_replicates: u64,
    /// The cure probability, with Wilson's 95% interval.
    pub cure_probability: Estimate,
    /// Replicates where a site relapsed.
    pub relapsed_replicates: u64,
    /// The probability of a relapse, with Wilson's 95% interval.
    pub relapse_probability: Estimate,
    /// The first relapse's day, over the replicates that relapsed.
    pub relapse_day: Estimate,
    /// Relapse by the clinical definition, for a scenario with a surgery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_clear_surgery: Option<ClinicalRelapse>,
    /// Living cells at the end, everywhere.
    pub cells_left: Estimate,
    /// Living cells resistant to each drug at the end.
    pub resistant_cells: Vec<(String, Estimate)>,
}

/// Relapse by the clinical definition: a detection after a resection
/// that found no metastasis at the detection size, counted over the
/// replicates whose surgery found none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClinicalRelapse {
    /// Replicates whose surgery found no metastasis at the detection size.
    pub clear_replicates: u64,
    /// Of those, the replicates with a detection after the surgery.
    pub relapsed_replicates: u64,
    /// `relapsed_replicates` over `clear_replicates`, with Wilson's 95%
    /// interval.
    pub relapse_probability: Estimate,
    /// The first detection's day after the surgery, over the replicates
    /// that relapsed by this definition.
    pub relapse_day: Estimate,
}

impl ClinicalRelapse {
    /// The clinical relapse over `outcomes`; `None` when no outcome had a
    /// surgery.
    pub(crate) fn of(outcomes: &[&TherapyOutcome]) -> Option<ClinicalRelapse> {
        if outcomes.iter().all(|t| t.detectable_at_surgery.is_none()) {
            return None;
        }
        let clear = outcomes.iter().filter(|t| t.clear_at_surgery()).count() as u64;
        let days: Vec<f64> = (outcomes.iter())
            .filter_map(|t| t.relapse_after_clear_surgery_day)
            .collect();
        Some(ClinicalRelapse {
            clear_replicates: clear,
            relapsed_replicates: days.len() as u64,
            relapse_probability: Estimate::proportion(days.len() as u64, clear),
            relapse_day: Estimate::of(&days),
        })
    }
}

impl Summary {
    /// The summary of `records` (sorted by replicate) of a run of
    /// `config`, named `scenario`.
    pub fn new(
        scenario: &str,
        seed: u64,
        config: &CascadeConfig,
        records: &[ReplicateRecord],
    ) -> Summary {
        let organs = config.organs.names();
        let harvest_days = &config.harvest_days;
        let over = |f: &dyn Fn(&ReplicateRecord) -> f64| -> Estimate {
            Estimate::of(&records.iter().map(f).collect::<Vec<_>>())
        };
        // The funnel's counters by their columns' names (the schema's):
        // the cells' steps, with drugs the cells killed, and with clumps
        // the clumps' counts in a section of their own.
        let columns = funnel_columns();
        let counts = |range: core::ops::Range<usize>| {
            (columns[range.clone()].iter().zip(range))
                .map(|(c, i)| {
                    let value = |r: &ReplicateRecord| funnel_counts(&r.funnel)[i] as f64;
                    (c.name.to_string(), over(&value))
                })
                .collect::<Vec<_>>()
        };
        let at =
            |name: &str| (columns.iter().position(|c| c.name == name)).unwrap_or(columns.len());
        let (clumps_at, killed_at) = (at("clumps_injected"), at("killed_in_circulation"));
        let mut funnel = counts(0..clumps_at.min(killed_at));
        if !config.therapy.drugs.is_empty() {
            funnel.extend(counts(killed_at..columns.len()));
        }
        // The extension's fates are steps of the funnel too (after the
        // model's); its counters are a list of their own.
        let named = |list: &dyn Fn(&ReplicateRecord) -> &[(String, u64)]| {
            let names = records.first().map_or(&[][..], |r| list(r));
            (names.iter().enumerate())
                .map(|(i, (name, _))| {
                    let value = |r: &ReplicateRecord| list(r).get(i).map_or(0, |&(_, n)| n);
                    (name.clone(), over(&|r| value(r) as f64))
                })
                .collect::<Vec<_>>()
        };
        funnel.extend(named(&|r| &r.fates));
        let counters = named(&|r| &r.counters);
        let clumps = if config.injections.iter().any(|i| i.clumps_of().is_some()) {
            counts(clumps_at..killed_at.max(clumps_at))
        } else {
            Vec::new()
        };
        // The organs listed (ORGANS_LISTED_NOTE): those with a metastasis at
        // the end or a colony at a harvest in any replicate; each is listed
        // at the end and at every harvest, with its zeros.
        let alive = |r: &ReplicateRecord, i: usize| r.metastases.get(i).copied().unwrap_or(0);
        let colonies = |r: &ReplicateRecord, h: usize, i: usize| {
            r.harvest_colonies.get(h).and_then(|c| c.get(i)).copied()
        };
        let listed: Vec<usize> = (0..organs.len())
            .filter(|&i| {
                records.iter().any(|r| {
                    alive(r, i) > 0
                        || (0..harvest_days.len()).any(|h| colonies(r, h, i).unwrap_or(0) > 0)
                })
            })
            .collect();
        let mut metastases = Vec::new();
        for &i in &listed {
            let macroscopic = |r: &ReplicateRecord| r.macrometastases.get(i).copied().unwrap_or(0);
            metastases.push(OrganRow {
                organ: organs[i].to_string(),
                metastases: over(&|r| alive(r, i) as f64),
                macrometastases: over(&|r| macroscopic(r) as f64),
            });
        }
        let mut harvests = Vec::new();
        for (h, &day) in harvest_days.iter().enumerate() {
            for &i in &listed {
                // Replicates cut short before this harvest are left out of
                // its estimate (not counted as 0 colonies).
                let counts: Vec<f64> = (records.iter())
                    .filter_map(|r| colonies(r, h, i))
                    .map(|c| c as f64)
                    .collect();
                harvests.push(HarvestRow {
                    day,
                    organ: organs[i].to_string(),
                    colonies: Estimate::of(&counts),
                });
            }
        }
        let detections: Vec<f64> = records
            .iter()
            .filter_map(|r| r.first_detection_day)
            .collect();
        let cells_at_end = vec![
            ("primary".to_string(), over(&|r| r.cells.primary as f64)),
            ("metastatic".into(), over(&|r| r.cells.metastatic as f64)),
            ("solitary".into(), over(&|r| r.cells.solitary as f64)),
            ("dormant".into(), over(&|r| r.cells.dormant as f64)),
            ("arrested".into(), over(&|r| r.cells.arrested as f64)),
            ("circulating".into(), over(&|r| r.cells.circulating as f64)),
        ];
        Summary {
            scenario: scenario.to_string(),
            seed,
            replicates: records.len() as u64,
            funnel,
            metastases,
            harvests,
            harvest_days: harvest_days.clone(),
            detected_replicates: detections.len() as u64,
            first_detection_day: Estimate::of(&detections),
            clumps,
            cells_at_end,
            events: over(&|r| r.events as f64),
            cut_short: records
                .iter()
                .filter(|r| r.stopped_by == "max_events")
                .count() as u64,
            therapy: therapy_summary(config, records),
            counters,
        }
    }

    /// The summary as aligned text.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let interval = if self.replicates > 1 {
            "mean [95% CI of the mean]"
        } else {
            "value (one replicate: no interval)"
        };
        let _ = writeln!(
            out,
            "{}: seed {}, {} replicate{}; {}",
            self.scenario,
            self.seed,
            self.replicates,
            if self.replicates == 1 { "" } else { "s" },
            interval
        );
        let section = |out: &mut String, title: &str, rows: &[(String, String)]| {
            if rows.is_empty() {
                return;
            }
            let _ = writeln!(out, "\n{title}");
            let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (k, v) in rows {
                let _ = writeln!(out, "  {k:<width$}  {v}");
            }
        };
        let rows: Vec<(String, String)> = (self.funnel.iter())
            .map(|(k, e)| (k.clone(), e.count_cell()))
            .collect();
        section(&mut out, "funnel (cells)", &rows);
        let mean = |name: &str| {
            (self.funnel.iter())
                .find(|(k, _)| k == name)
                .map(|(_, e)| e.mean)
        };
        if let (Some(arrested), Some(injected)) = (mean("arrested"), mean("injected"))
            && arrested > injected
        {
            let _ = writeln!(out, "  {ARRESTED_NOTE}");
        }
        let rows: Vec<(String, String)> = self
            .clumps
            .iter()
            .map(|(k, e)| (k.clone(), e.count_cell()))
            .collect();
        section(&mut out, "clumps (clumps, not cells)", &rows);
        let rows: Vec<(String, String)> = (self.counters.iter())
            .map(|(k, e)| (k.clone(), e.count_cell()))
            .collect();
        section(&mut out, "the extension's counters", &rows);
        let mut rows: Vec<(String, String)> = (self.metastases.iter())
            .map(|m| {
                (
                    m.organ.clone(),
                    format!(
                        "{}   macroscopic: {}",
                        m.metastases.count_cell(),
                        m.macrometastases.count_cell()
                    ),
                )
            })
            .collect();
        if rows.is_empty() {
            rows.push(("every organ".to_string(), "0".to_string()));
        }
        section(&mut out, "metastases alive at the end, per organ", &rows);
        let _ = writeln!(out, "  {ORGANS_LISTED_NOTE}");
        let mut rows: Vec<(String, String)> = Vec::new();
        for &day in &self.harvest_days {
            let at_day: Vec<&HarvestRow> =
                (self.harvests.iter()).filter(|h| h.day == day).collect();
            if !at_day.is_empty() && at_day.iter().all(|h| h.colonies.n == 0) {
                rows.push((format!("day {day}"), NOT_REACHED.to_string()));
            } else if at_day.iter().all(|h| h.colonies.mean == 0.0) {
                rows.push((format!("day {day}"), NO_COLONIES.to_string()));
            } else {
                for h in at_day {
                    rows.push((
                        format!("day {} {}", h.day, h.organ),
                        h.colonies.count_cell(),
                    ));
                }
            }
        }
        section(&mut out, "colonies at harvest", &rows);
        let detection = if self.detected_replicates == 0 {
            "none detected".to_string()
        } else {
            format!(
                "{} of {} replicates; first detection day {}",
                self.detected_replicates,
                self.replicates,
                self.first_detection_day.cell()
            )
        };
        section(
            &mut out,
            "detection",
            &[("detected".to_string(), detection)],
        );
        let rows: Vec<(String, String)> = (self.cells_at_end.iter())
            .map(|(k, e)| (k.clone(), e.count_cell()))
            .collect();
        section(&mut out, "living cells at the end", &rows);
        if let Some(t) = &self.therapy {
            let mut rows = vec![
                (
                    "cured".to_string(),
                    format!(
                        "{} of {} replicates; probability {}",
                        t.cured_replicates,
                        self.replicates,
                        t.cure_probability.cell()
                    ),
                ),
                (
                    "relapsed".to_string(),
                    format!(
                        "{} of {} replicates; probability {}",
                        t.relapsed_replicates,
                        self.replicates,
                        t.relapse_probability.cell()
                    ),
                ),
            ];
            if t.relapsed_replicates > 0 {
                rows.push(("first relapse day".to_string(), t.relapse_day.cell()));
            }
            if let Some(c) = &t.after_clear_surgery {
                rows.push((
                    "relapsed after a clear surgery".to_string(),
                    format!(
                        "{} of {} replicates with no metastasis detectable at surgery; \
                         probability {}",
                        c.relapsed_replicates,
                        c.clear_replicates,
                        c.relapse_probability.cell()
                    ),
                ));
                if c.relapsed_replicates > 0 {
                    rows.push((
                        "first detection after a clear surgery".to_string(),
                        c.relapse_day.cell(),
                    ));
                }
            }
            rows.push(("cells left".to_string(), t.cells_left.count_cell()));
            for (drug, e) in &t.resistant_cells {
                rows.push((format!("resistant to {drug}"), e.count_cell()));
            }
            section(&mut out, "therapy", &rows);
        }
        let mut rows = vec![("events per replicate".to_string(), self.events.count_cell())];
        if self.cut_short > 0 {
            rows.push((
                "cut short by max_events".to_string(),
                format!("{} replicates", self.cut_short),
            ));
        }
        section(&mut out, "run", &rows);
        out
    }

    /// The summary as JSON (one object).
    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        text.push('\n');
        text
    }
}

fn therapy_summary(config: &CascadeConfig, records: &[ReplicateRecord]) -> Option<TherapySummary> {
    let outcomes: Vec<&TherapyOutcome> =
        records.iter().filter_map(|r| r.therapy.as_ref()).collect();
    if outcomes.is_empty() {
        return None;
    }
    let n = outcomes.len() as u64;
    let cured = outcomes.iter().filter(|t| t.cured).count() as u64;
    let relapses: Vec<f64> = outcomes.iter().filter_map(|t| t.relapse_day).collect();
    let cells_left: Vec<f64> = records
        .iter()
        .filter(|r| r.therapy.is_some())
        .map(|r| r.cells.total() as f64)
        .collect();
    let resistant_cells = config
        .therapy
        .drugs
        .iter()
        .enumerate()
        .map(|(d, drug)| {
            let values: Vec<f64> = outcomes
                .iter()
                .map(|t| t.resistant_cells.get(d).copied().unwrap_or(0) as f64)
                .collect();
            (drug.name.clone(), Estimate::of(&values))
        })
        .collect();
    Some(TherapySummary {
        cured_replicates: cured,
        cure_probability: Estimate::proportion(cured, n),
        relapsed_replicates: relapses.len() as u64,
        relapse_probability: Estimate::proportion(relapses.len() as u64, n),
        relapse_day: Estimate::of(&relapses),
        after_clear_surgery: ClinicalRelapse::of(&outcomes),
        cells_left: Estimate::of(&cells_left),
        resistant_cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten_are_written_one_way() {
        // The terminal's and the documents' numbers: four digits.
        assert_eq!(number(9.141e-6), "9.141×10⁻⁶");
        assert_eq!(number(1.016e6), "1.016×10⁶");
        assert_eq!(number(1e7), "10⁷");
        assert_eq!(number(-2.5e-4), "-2.5×10⁻⁴");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(999_999.0), "999999");
        // Rounding up to the next power.
        assert_eq!(power_of_ten(9.99996e5, 4), "10⁶");
        // The figures' two digits and the cells' one.
        assert_eq!(power_of_ten(2.54e5, 2), "2.5×10⁵");
        assert_eq!(power_of_ten(5e4, 1), "5×10⁴");
        assert_eq!(power_of_ten(1e-10, 3), "10⁻¹⁰");
    }

    #[test]
    fn counts_are_written_as_integers_where_they_are_whole() {
        assert_eq!(Estimate::of(&[3.0]).count_cell(), "3");
        assert_eq!(Estimate::of(&[2_000_000.0]).count_cell(), "2000000");
        assert_eq!(Estimate::of(&[2.0, 2.0]).count_cell(), "2 [2, 2]");
        assert_eq!(Estimate::of(&[0.0, 0.0, 3.0]).count_cell(), "1 [0, 5.30]");
        assert_eq!(Estimate::of(&[1.0, 2.0]).count_cell(), "1.50 [0, 7.85]");
        // Days and probabilities keep the decimals of `cell`.
        assert_eq!(Estimate::of(&[3.0]).cell(), "3.00");
    }

    #[test]
    fn interval_of_known_values() {
        // mean 12, sd 1, n 3: half-width 4.303 · 1/√3.
        let e = Estimate::of(&[11.0, 12.0, 13.0]);
        assert_eq!(e.mean, 12.0);
        let half = 4.303 / 3f64.sqrt();
        assert!((e.high.unwrap() - (12.0 + half)).abs() < 1e-12);
        assert!((e.low.unwrap() - (12.0 - half)).abs() < 1e-12);
        // Counts: the interval stops at 0.
        assert_eq!(Estimate::of(&[0.0, 0.0, 3.0]).low, Some(0.0));
        assert_eq!(Estimate::of(&[5.0]).low, None);
        // Student's t quantiles beyond the table (R: qt(0.975, df)).
        for (df, exact) in [
            (31, 2.039513),
            (40, 2.021075),
            (60, 2.000298),
            (120, 1.979930),
            (1000, 1.962339),
        ] {
            assert!(
                (t_quantile(df) - exact).abs() < 1e-4,
                "df {df}: {}",
                t_quantile(df)
            );
        }
    }
}
