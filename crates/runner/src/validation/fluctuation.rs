//! The fluctuation test: Fidler & Kripke 1977 (lung colonies from clones
//! of the parental B16 line vary far more than from aliquots of it) and the
//! rate at which metastatic variants arise, recovered from the counts
//! (Harris, Chambers, Hill & Ling 1982); `b16_fluctuation_parental.ron`,
//! `b16_fluctuation_clones.ron`, `b16_fluctuation_assay.ron`.
//!
//! Two stages, as in the laboratory. In culture (the cascade model with a
//! flask for an organ and no shedding), a parental culture and clones, each
//! founded by one cell drawn from it, grow to confluence while B16F1 cells
//! switch to the variant state at 10⁻⁵ per division. In the mouse (the
//! calibrated tail-vein assay of `b16f1_intravenous.ron`), 5×10⁴ cells drawn
//! from each culture without replacement are injected and the lung colonies
//! counted at day 14; every cell of a mutant lineage gets B16-F10's
//! phenotype (the switch is assigned here, after the culture: the model's
//! mutation cannot express it). The scenario files' headers give every
//! parameter and its source.

use cascade_biology::config::{FoundingClone, GrowthLaw};
use cascade_biology::model::SiteKind;
use cascade_biology::{CascadeState, CloneId, NoExtension};
use cascade_kernel::Seed;
use cascade_kernel::distributions::{Distribution, UniformInt};
use cascade_kernel::random::{Purpose, RandomStream};

use super::stats::{chi_square_upper_tail, f_upper_tail, mean_and_variance};
use super::{
    Expect, Experiment, Figure, Published, Role, Setup, Tolerance, Unit, ValidationError, bar,
    estimate, in_parallel, run_error, scenario, short,
};
use crate::report::bars::{Bar, BarChart};
use crate::run::simulate;
use crate::scenario::Scenario;
use crate::summary::Estimate;

type File = Scenario<NoExtension>;

const PARENTAL: &str = "b16_fluctuation_parental.ron";
const CLONES: &str = "b16_fluctuation_clones.ron";
const ASSAY: &str = "b16_fluctuation_assay.ron";
const F1: &str = "b16f1_intravenous.ron";
const F10: &str = "b16f10_intravenous.ron";

/// The low metastatic state: a clone of the culture and assay files.
const LOW: &str = "B16F1";
/// The high metastatic state (the variant).
const HIGH: &str = "B16F10";

/// Draws a clone's founder from its repeat's parental culture.
const FOUNDER: Purpose = Purpose::new("fluctuation.founder");
/// Draws the cells of one injection from its culture.
const DOSE: Purpose = Purpose::new("fluctuation.dose");

/// The one-sided significance level of the F test.
const LEVEL: f64 = 0.05;

/// A culture at confluence.
#[derive(Copy, Clone, Debug, Default)]
struct Culture {
    /// Cells in the low state (the founding B16F1 clone).
    low: u64,
    /// Cells in the high state (founded as B16F10, or of a mutant lineage).
    high: u64,
    /// Divisions of B16F1 cells.
    low_divisions: u64,
    /// Of those, the divisions that gave a variant daughter.
    switches: u64,
}

fn culture(state: &CascadeState, confluence: u64) -> Result<Culture, String> {
    let lineage = state.lineage();
    let low = lineage
        .by_name(LOW)
        .ok_or_else(|| format!("the culture has no clone {LOW}"))?;
    let flask = state
        .sites()
        .iter()
        .find(|s| s.kind == SiteKind::Primary)
        .ok_or("the culture has no primary")?;
    if flask.size != confluence {
        return Err(format!(
            "the culture stopped at {} cells before confluence ({confluence}): raise stop_day",
            flask.size
        ));
    }
    let mut c = Culture::default();
    for &(clone, n) in &flask.cells {
        if clone == low {
            c.low += n;
        } else {
            c.high += n;
        }
    }
    c.switches = lineage.iter().filter(|k| k.parent == Some(low)).count() as u64;
    // A division of a B16F1 cell gives one B16F1 daughter more, or one
    // mutant daughter.
    c.low_divisions = state.ledger(low).born + c.switches;
    Ok(c)
}

/// Variant cells among `draws` cells drawn without replacement from `low`
/// low and `high` high cells: hypergeometric, drawn cell by cell.
fn variants_drawn(rng: &mut RandomStream, low: u64, high: u64, draws: u64) -> u64 {
    if high == 0 {
        return 0;
    }
    if low == 0 {
        return draws;
    }
    let (mut low, mut high, mut drawn) = (low, high, 0);
    for _ in 0..draws {
        let left = UniformInt::new(low + high).expect("the culture has cells left");
        if left.sample(rng) < high {
            high -= 1;
            drawn += 1;
        } else {
            low -= 1;
        }
    }
    drawn
}

/// One injection: which culture, its cells, and for a clone its founder.
#[derive(Copy, Clone, Debug)]
struct Injected {
    culture: Culture,
    /// A clone founded by a variant cell of the parental culture.
    variant_founder: bool,
}

/// One repeat of the experiment: lung colonies per mouse.
struct Repeat {
    aliquots: Vec<f64>,
    clones: Vec<f64>,
}

/// The variance-to-mean ratio.
fn vmr(values: &[f64]) -> f64 {
    let (mean, variance) = mean_and_variance(values);
    variance / mean
}

/// The F statistic (the clones' variance over the aliquots') and its
/// one-sided p-value.
fn f_test(clones: &[f64], aliquots: &[f64]) -> (f64, f64) {
    let (_, vc) = mean_and_variance(clones);
    let (_, va) = mean_and_variance(aliquots);
    let f = vc / va;
    let p = f_upper_tail(f, clones.len() as f64 - 1.0, aliquots.len() as f64 - 1.0);
    (f, p)
}

/// The index-of-dispersion test against Poisson counts: the statistic
/// `(n − 1)·s²/mean` and its p-value (chi-square, `n − 1` degrees of
/// freedom).
fn dispersion_test(values: &[f64]) -> (f64, f64) {
    let (mean, variance) = mean_and_variance(values);
    let df = values.len() as f64 - 1.0;
    let statistic = df * variance / mean;
    (statistic, chi_square_upper_tail(statistic, df))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The files' consistency: the clones' flask is the parental one founded
/// by one B16F1 cell, the culture states are alike in culture, and the
/// assay is the calibrated mouse with the calibrated B16-F1 and B16-F10.
fn check_files(
    parental: &File,
    clones: &File,
    assay: &File,
    f1: &File,
    f10: &File,
) -> Result<(), ValidationError> {
    let refuse = |m: String| Err(ValidationError::Scenario(m));
    let names = |c: &[FoundingClone]| c.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let states = vec![LOW.to_string(), HIGH.to_string()];
    if names(&parental.config.clones) != states || names(&assay.config.clones) != states {
        return refuse(format!(
            "{PARENTAL} and {ASSAY} must have the clones {LOW} and {HIGH}, in that order"
        ));
    }
    let (Some(p), Some(c)) = (&parental.config.primary, &clones.config.primary) else {
        return refuse(format!(
            "{PARENTAL} and {CLONES} must have a primary (the flask)"
        ));
    };
    let mut same = clones.config.clone();
    if let Some(primary) = same.primary.as_mut() {
        primary.cells.clone_from(&p.cells);
    }
    if same != parental.config || c.cells != [(CloneId(0), 1)] {
        return refuse(format!(
            "{CLONES} must be {PARENTAL} with the primary founded by one {LOW} cell"
        ));
    }
    let culture = &parental.config.clones;
    let rates = (
        culture[0].phenotype.in_primary,
        culture[1].phenotype.in_primary,
    );
    if rates.0.birth_rate != rates.1.birth_rate
        || rates.0.death_rate != 0.0
        || rates.1.death_rate != 0.0
        || culture.iter().any(|c| c.phenotype.shedding_rate != 0.0)
        || p.growth_law != GrowthLaw::Logistic
    {
        return refuse(format!(
            "in {PARENTAL} the two states must grow alike in culture (the same birth rate, no death, no shedding) and logistically, to stop at confluence"
        ));
    }
    let mut expected = f1.config.clone();
    expected.clones = vec![
        FoundingClone {
            name: LOW.into(),
            phenotype: f1.config.clones[0].phenotype.clone(),
        },
        FoundingClone {
            name: HIGH.into(),
            phenotype: f10.config.clones[0].phenotype.clone(),
        },
    ];
    expected.injections.clone_from(&assay.config.injections);
    expected.harvest_days = vec![assay.file.stop_day];
    if f1.config.organs != f10.config.organs
        || expected != assay.config
        || assay.file.stop_day != f1.file.stop_day
        || assay.config.injections.len() != 1
    {
        return refuse(format!(
            "{ASSAY} must be {F1} with the clones of {F1} and {F10}, one injection and one harvest on its stop day"
        ));
    }
    Ok(())
}

/// Runs the experiment.
///
/// # Errors
///
/// [`ValidationError`] if a scenario cannot be read or a replicate fails.
pub fn run(setup: &Setup) -> Result<Experiment, ValidationError> {
    let parental = scenario(setup, PARENTAL)?;
    let clones_file = scenario(setup, CLONES)?;
    let assay = scenario(setup, ASSAY)?;
    let f1 = scenario(setup, F1)?;
    let f10 = scenario(setup, F10)?;
    check_files(&parental, &clones_file, &assay, &f1, &f10)?;

    let repeats = setup.scale.pick(1, parental.file.replicates);
    let per_clones = clones_file.file.replicates;
    let per_aliquots = assay.file.replicates;
    let per_repeat = per_aliquots + per_clones;
    let flask = parental.config.primary.as_ref().expect("checked");
    let confluence = flask.carrying_capacity as u64;
    let mutation = parental.config.clones[0]
        .phenotype
        .in_primary
        .mutation_probability;
    let dose: u64 = assay.config.injections[0].cells.iter().map(|c| c.1).sum();
    if dose > confluence || flask.carrying_capacity != confluence as f64 {
        return Err(ValidationError::Scenario(format!(
            "{PARENTAL}: the flask's capacity must be a whole number of cells, at least the dose ({dose})"
        )));
    }
    let grow = |file: &File, r: u64| {
        let finished = simulate(file, file.file.seed, r).map_err(|e| run_error(file, r, e))?;
        culture(finished.state(), confluence).map_err(|e| {
            ValidationError::Run(format!("{}: replicate {r}: {e}", file.path.display()))
        })
    };
    let parentals = in_parallel(setup, repeats, |e| grow(&parental, e))?;

    // Each clone's founder, drawn from its repeat's parental culture. A
    // clone founded by a variant cell is all variants; only the others are
    // grown (replicate r of the clones file is clone r).
    let founders: Vec<bool> = (0..repeats * per_clones)
        .map(|r| {
            let p = parentals[(r / per_clones) as usize];
            let cells = UniformInt::new(p.low + p.high).expect("a culture has cells");
            let mut rng = Seed::new(clones_file.file.seed)
                .with_replicate(r)
                .stream(FOUNDER);
            cells.sample(&mut rng) < p.high
        })
        .collect();
    let grown: Vec<u64> = (0..repeats * per_clones)
        .filter(|&r| !founders[r as usize])
        .collect();
    let grown_cultures = in_parallel(setup, grown.len() as u64, |k| {
        grow(&clones_file, grown[k as usize])
    })?;
    let mut grown_cultures = grown_cultures.into_iter();

    // Every injection, in mouse order: per repeat the aliquots, then the
    // clones.
    let mut injections = Vec::new();
    let mut clone_cultures = Vec::new();
    for (e, p) in parentals.iter().enumerate() {
        for _ in 0..per_aliquots {
            injections.push(Injected {
                culture: *p,
                variant_founder: false,
            });
        }
        for k in 0..per_clones {
            let variant_founder = founders[(e as u64 * per_clones + k) as usize];
            let culture = if variant_founder {
                Culture {
                    high: confluence,
                    ..Culture::default()
                }
            } else {
                let c = grown_cultures.next().expect("every other clone was grown");
                clone_cultures.push(c);
                c
            };
            injections.push(Injected {
                culture,
                variant_founder,
            });
        }
    }
    let (low_id, high_id) = (CloneId(0), CloneId(1));
    let lung = assay
        .config
        .organs
        .id("lung")
        .ok_or_else(|| ValidationError::Scenario(format!("{ASSAY}: the mouse has no lung")))?;
    let colonies = in_parallel(setup, injections.len() as u64, |r| {
        let c = injections[r as usize].culture;
        let mut rng = Seed::new(assay.file.seed).with_replicate(r).stream(DOSE);
        let high = variants_drawn(&mut rng, c.low, c.high, dose);
        let mut mouse = assay.clone();
        mouse.config.injections[0].cells = [(low_id, dose - high), (high_id, high)]
            .into_iter()
            .filter(|&(_, n)| n > 0)
            .collect();
        let finished = simulate(&mouse, assay.file.seed, r).map_err(|e| run_error(&assay, r, e))?;
        let harvest =
            finished.state().harvests().last().ok_or_else(|| {
                ValidationError::Run(format!("{ASSAY}: replicate {r}: no harvest"))
            })?;
        Ok(harvest.organs[lung.index()].colonies as f64)
    })?;

    let repeat_results: Vec<Repeat> = colonies
        .chunks(per_repeat as usize)
        .map(|mice| Repeat {
            aliquots: mice[..per_aliquots as usize].to_vec(),
            clones: mice[per_aliquots as usize..].to_vec(),
        })
        .collect();
    let clone_injections: Vec<&Injected> = injections
        .chunks(per_repeat as usize)
        .flat_map(|c| &c[per_aliquots as usize..])
        .collect();
    let all_aliquots: Vec<f64> = repeat_results
        .iter()
        .flat_map(|r| r.aliquots.clone())
        .collect();
    let all_clones: Vec<f64> = repeat_results
        .iter()
        .flat_map(|r| r.clones.clone())
        .collect();

    let vmr_aliquots = estimate(repeat_results.iter().map(|r| vmr(&r.aliquots)));
    let vmr_clones = estimate(repeat_results.iter().map(|r| vmr(&r.clones)));
    let significant = repeat_results
        .iter()
        .filter(|r| f_test(&r.clones, &r.aliquots).1 < LEVEL)
        .count() as u64;
    let power = Estimate::proportion(significant, repeats);
    let (pooled_f, pooled_p) = f_test(&all_clones, &all_aliquots);
    let (dispersion_aliquots, p_aliquots) = dispersion_test(&all_aliquots);
    let (_, p_clones) = dispersion_test(&all_clones);
    let median_f = median(
        &repeat_results
            .iter()
            .map(|r| f_test(&r.clones, &r.aliquots).0)
            .collect::<Vec<_>>(),
    );
    let parental_share = estimate(
        parentals
            .iter()
            .map(|p| p.high as f64 / (p.low + p.high) as f64),
    );

    // The rate in the cultures, from the lineage: switches per division of
    // a B16F1 cell (each division switches with probability μ: a share),
    // over every culture grown.
    let every_culture = parentals.iter().chain(&clone_cultures);
    let (switches, divisions) =
        every_culture.fold((0, 0), |(s, d), c| (s + c.switches, d + c.low_divisions));
    let lineage_rate = Estimate {
        n: (parentals.len() + clone_cultures.len()) as u64,
        ..Estimate::proportion(switches, divisions)
    };

    // The rate from the counts: the p0 method of Luria & Delbrück. A clone
    // holds variants detectable by its colony count when the count exceeds
    // the clones' median (most clones are B16F1 clones) by three Poisson
    // standard deviations; with p0 the share of clones without, the mean
    // number of switches per clone is m = −ln p0, over confluence − 1
    // divisions.
    let typical = median(&all_clones);
    let threshold = typical + 3.0 * typical.sqrt();
    let without = all_clones.iter().filter(|&&c| c <= threshold).count() as u64;
    let p0 = Estimate::proportion(without, all_clones.len() as u64);
    let divisions_per_clone = (confluence - 1) as f64;
    let rate = |p: f64| -libm::log(p) / divisions_per_clone;
    let recovered = Estimate {
        mean: rate(p0.mean),
        low: p0.high.map(rate),
        high: p0.low.map(rate),
        n: p0.n,
    };

    // What the counts could and could not see.
    let founded_by_variant = clone_injections
        .iter()
        .filter(|i| i.variant_founder)
        .count();
    let low_founded: Vec<&&Injected> = clone_injections
        .iter()
        .filter(|i| !i.variant_founder)
        .collect();
    let holding_variants = low_founded.iter().filter(|i| i.culture.high > 0).count();
    let mean_of = |keep: &dyn Fn(&Injected) -> bool| {
        let v: Vec<f64> = clone_injections
            .iter()
            .zip(&all_clones)
            .filter(|(i, _)| keep(i))
            .map(|(_, &c)| c)
            .collect();
        mean_and_variance(&v).0
    };
    let low_yield = mean_of(&|i| !i.variant_founder);
    let high_yield = mean_of(&|i| i.variant_founder);
    // The share of variants a clone needs for its count to pass the
    // threshold on average.
    let detectable_share = (threshold - low_yield) / (high_yield - low_yield);
    let n_clones = all_clones.len();

    let fidler = "Fidler & Kripke 1977, Science 197:893";
    let harris = "Harris, Chambers, Hill & Ling 1982, PNAS 79:5547";
    let design = format!("{per_clones} clones and {per_aliquots} aliquots per repeat");
    let rows = vec![
        Published {
            experiment: "Fidler & Kripke 1977",
            quantity: "variance-to-mean ratio of lung colonies per mouse, aliquots of the uncloned parental culture",
            value: 1.0,
            text: "aliquots of the parental line did not vary (Poisson counts: 1)",
            source: fidler,
            confidence: "H",
            tolerance: Tolerance::AtMost(2.0),
            why: "\"Did not vary\" read as no more than counting noise: a Poisson count has a variance-to-mean ratio of 1; up to 2 leaves room for mouse-to-mouse differences, which the model's identical mice lack.",
            unit: Unit::Number,
            role: Role::Predicted,
            expect: Expect::Inside,
        }
        .simulated(vmr_aliquots, ASSAY, assay.file.seed)
        .detailed(format!(
            "({} cells each into one mouse, {per_aliquots} per repeat; mean over repeats)",
            cells(dose)
        )),
        Published {
            experiment: "Fidler & Kripke 1977",
            quantity: "variance-to-mean ratio of lung colonies per mouse, clones of the parental culture",
            value: 10.0,
            text: "clones \"varied greatly\"",
            source: fidler,
            confidence: "H",
            tolerance: Tolerance::AtLeast(10.0),
            why: "\"Varied greatly\" read as at least ten times counting noise. Fitted in the sense that the parental line's share of variants (one in five) was chosen with this row in view; the share is not published.",
            unit: Unit::Number,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(vmr_clones, CLONES, clones_file.file.seed)
        .detailed(format!(
            "(one cell grown to {}, {} of its cells into one mouse, {per_clones} per repeat; mean over repeats)",
            cells(confluence),
            cells(dose)
        )),
        Published {
            experiment: "Fidler & Kripke 1977",
            quantity: "repeats of the experiment in which the clones' variance exceeds the aliquots' at p < 0.05, one-sided F test",
            value: 0.5,
            text: "shown in their experiment",
            source: fidler,
            confidence: "H",
            tolerance: Tolerance::AtLeast(0.5),
            why: "A finding seen in one experiment: a model that reproduces it should give it in most repeats, at least half.",
            unit: Unit::Percent,
            role: Role::Fitted,
            expect: Expect::Inside,
        }
        .simulated(power, PARENTAL, parental.file.seed)
        .detailed(format!("({design})")),
        Published {
            experiment: "Harris et al. 1982",
            quantity: "rate at which variants arose in the simulated cultures, from the lineage: switches per division of a B16F1 cell",
            value: 1e-5,
            text: "≈10⁻⁵ per cell per generation (KHT sarcoma cells)",
            source: harris,
            confidence: "H",
            tolerance: Tolerance::Between(5e-6, 2e-5),
            why: "Harris et al. give \"approximately 10⁻⁵\", an order of magnitude from a fluctuation analysis: we read it as within a factor of 2. The scenarios' rate is set from it, so the row checks that the cultures switch at the rate they are given.",
            unit: Unit::Number,
            role: Role::Input,
            expect: Expect::Inside,
        }
        .simulated(lineage_rate, PARENTAL, parental.file.seed)
        .detailed(format!(
            "(every culture, parental and clones: {switches} switches in {} divisions)",
            short(divisions as f64)
        )),
        Published {
            experiment: "Harris et al. 1982",
            quantity: "the same rate recovered from the clones' colony counts (Luria–Delbrück p0 method: a clone holds variants when its count exceeds the clones' median by 3 Poisson SD; rate = −ln p0 / divisions per clone)",
            value: mutation,
            text: "the rate the cultures were given, 10⁻⁵ (Harris et al.'s)",
            source: harris,
            confidence: "H",
            tolerance: Tolerance::Between(mutation / 2.0, mutation * 2.0),
            why: "The analysis should find the rate the cultures were grown with, as closely as \"approximately 10⁻⁵\" is read above, within a factor of 2 (with m = 1 switch per clone and a few hundred clones, the p0 method's own 95% interval is about ±15%).",
            unit: Unit::Number,
            role: Role::Predicted,
            expect: Expect::Outside(
                "a clone's count shows its variants only when they are several percent of its cells: B16-F10 forms colonies 6 times as often as B16-F1, which itself gives about 60 per mouse. Variants that arise at 10⁻⁵ per division while a clone grows are mostly late and few (with 10⁵ − 1 divisions, 1 − e⁻¹ = 63% of the clones grown from a B16F1 cell hold some), so the counts see only the clones founded by a variant of the parent, and the p0 method takes those for switches: it measures the parent's heterogeneity, not the rate. Harris et al. measured the rate in KHT cells, whose variants (by their analysis) are the cells that form colonies".into(),
            ),
        }
        .simulated(recovered, CLONES, clones_file.file.seed),
    ];

    // Figure: the distributions of colony counts.
    const BIN: f64 = 25.0;
    const BINS: usize = 20;
    let histogram = |values: &[f64]| {
        let mut counts = vec![0u64; BINS + 1];
        for &v in values {
            let bin = ((v / BIN) as usize).min(BINS);
            counts[bin] += 1;
        }
        counts
            .into_iter()
            .map(|c| 100.0 * c as f64 / values.len().max(1) as f64)
            .collect::<Vec<_>>()
    };
    let (hc, ha) = (histogram(&all_clones), histogram(&all_aliquots));
    let distributions = BarChart {
        title: "Lung colonies per mouse: clones against aliquots of the parental line".into(),
        value_label: "mice (% of the group)".into(),
        log_scale: false,
        series: vec![
            format!("clones ({n_clones} mice)"),
            format!("aliquots ({} mice)", all_aliquots.len()),
        ],
        groups: (0..=BINS)
            .map(|b| {
                let label = if b == BINS {
                    format!("≥ {}", b as f64 * BIN)
                } else {
                    format!("{}–{}", b as f64 * BIN, (b + 1) as f64 * BIN - 1.0)
                };
                (
                    label,
                    vec![Some(Bar::value(hc[b])), Some(Bar::value(ha[b]))],
                )
            })
            .collect(),
    };
    let rates = BarChart {
        title: "The rate at which variants arise: what the cultures did and what the counts say"
            .into(),
        value_label: "variants per division (log scale)".into(),
        log_scale: true,
        series: vec!["published".into(), "simulated (95% CI)".into()],
        groups: vec![
            (
                "Harris et al. 1982 (KHT)".into(),
                vec![Some(Bar::value(1e-5)), None],
            ),
            (
                "switches in the cultures".into(),
                vec![None, Some(bar(&lineage_rate, 1.0))],
            ),
            (
                "from the colony counts (p0)".into(),
                vec![None, Some(bar(&recovered, 1.0))],
            ),
        ],
    };
    let (mean_a, var_a) = mean_and_variance(&all_aliquots);
    let (mean_c, var_c) = mean_and_variance(&all_clones);
    Ok(Experiment {
        title: "The fluctuation test (Fidler & Kripke 1977; Harris et al. 1982)",
        rows,
        figures: vec![
            Figure {
                file: "fluctuation_distributions.svg".into(),
                caption: format!(
                    "Lung colonies per mouse, pooled over {} of the experiment ({design}). Aliquots of the parental culture: mean {}, variance {}, variance-to-mean ratio {} (index of dispersion {} on {} degrees of freedom: p = {} against Poisson counts). Clones: mean {}, variance {}, ratio {} (p {} against Poisson counts). Clones' variance over the aliquots': F = {} on ({}, {}) degrees of freedom, one-sided p {}; per repeat the median F is {}. The clones fall in two groups: {} of {n_clones} ({}) were founded by a variant cell of the parent ({} of the parental cells were variants) and give {} colonies on average; the others give {}, though {} of {} of them ({}) held variants that arose while they grew.",
                    plural(repeats, "repeat"),
                    short(mean_a),
                    short(var_a),
                    short(var_a / mean_a),
                    short(dispersion_aliquots),
                    all_aliquots.len() - 1,
                    short(p_aliquots),
                    short(mean_c),
                    short(var_c),
                    short(var_c / mean_c),
                    p_value(p_clones),
                    short(pooled_f),
                    n_clones - 1,
                    all_aliquots.len() - 1,
                    p_value(pooled_p),
                    short(median_f),
                    founded_by_variant,
                    percent(founded_by_variant, n_clones),
                    percent_of(parental_share.mean),
                    short(high_yield),
                    short(low_yield),
                    holding_variants,
                    low_founded.len(),
                    percent(holding_variants, low_founded.len()),
                ),
                svg: distributions.to_svg(),
            },
            Figure {
                file: "fluctuation_rates.svg".into(),
                caption: format!(
                    "The cultures switched at the rate they were given ({} switches in {} divisions of B16F1 cells), but the colony counts cannot show it: a clone's count passes the detection threshold ({} colonies) only when about {} of its cells are variants, that is when a switch happened before the clone had about {} cells. The p0 method then counts the clones founded by a variant ({} of {n_clones} clones above the threshold) as switches and gives {} per division.",
                    switches,
                    short(divisions as f64),
                    short(threshold),
                    percent_of(detectable_share),
                    short(1.0 / detectable_share),
                    n_clones as u64 - without,
                    short(recovered.mean),
                ),
                svg: rates.to_svg(),
            },
        ],
    })
}

/// `n thing` or `n things`.
fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A whole number of cells as `a×10ᵏ` when it is one digit followed by
/// three zeros or more (`5×10⁴`, `10⁵`, the runner's one way of writing
/// powers of ten: [`crate::summary::power_of_ten`]), else as is.
fn cells(n: u64) -> String {
    let mut k = 0;
    let mut a = n;
    while a != 0 && a.is_multiple_of(10) {
        a /= 10;
        k += 1;
    }
    if k >= 3 && a < 10 {
        crate::summary::power_of_ten(n as f64, 1)
    } else {
        n.to_string()
    }
}

/// A p-value as `= p`, or `< 10⁻¹⁰` below that.
fn p_value(p: f64) -> String {
    if p < 1e-10 {
        "< 10⁻¹⁰".into()
    } else {
        format!("= {}", short(p))
    }
}

fn percent(part: usize, whole: usize) -> String {
    percent_of(part as f64 / whole.max(1) as f64)
}

fn percent_of(share: f64) -> String {
    format!("{}%", short(100.0 * share))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dose_is_hypergeometric() {
        // All cells drawn: every variant is in the dose.
        let mut rng = Seed::new(1).stream(DOSE);
        assert_eq!(variants_drawn(&mut rng, 30, 20, 50), 20);
        assert_eq!(variants_drawn(&mut rng, 30, 0, 10), 0);
        assert_eq!(variants_drawn(&mut rng, 0, 30, 10), 10);
        // Mean n·K/N = 10·20/100 = 2 over many draws.
        let draws: Vec<f64> = (0..4000)
            .map(|_| variants_drawn(&mut rng, 80, 20, 10) as f64)
            .collect();
        let (mean, variance) = mean_and_variance(&draws);
        assert!((mean - 2.0).abs() < 0.06, "{mean}");
        // Variance n·p·(1 − p)·(N − n)/(N − 1) = 10·0.2·0.8·90/99 = 1.4545.
        assert!((variance - 1.4545).abs() < 0.1, "{variance}");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_middle_mean() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
    }

    #[test]
    fn cell_numbers_read_as_powers_of_ten() {
        assert_eq!(cells(50_000), "5×10⁴");
        assert_eq!(cells(100_000), "10⁵");
        assert_eq!(cells(12_000), "12000");
        assert_eq!(cells(500), "500");
    }
}
