//! Cohort mode against per-cell mode: the same small scenarios, many
//! replicates in each mode, and a two-sample test per observable.
//!
//! The test: two-sample Kolmogorov–Smirnov per observable, at α = 0.01
//! for the whole family (Bonferroni: each of the k observables at 0.01/k,
//! rejecting when D > c·√((n + m)/(n·m)) with c = √(−ln(0.01/(2k))/2), the
//! asymptotic critical value, conservative for counts); for an extinction
//! probability a two-proportion z test at 1% (|z| > 2.576). Seeds are
//! fixed, so the outcome is reproducible. By default 120 replicates per
//! mode; set `CASCADE_COHORTS=full` for 1,000:
//!
//! ```text
//! CASCADE_COHORTS=full cargo test --release -p cascade-runner --test cohorts
//! ```
//!
//! Not compared: the funnel's passes, entries into dormancy and exits from
//! it, which cohort mode counts only for the cells it follows
//! (`docs/model.md`, Cohorts).
//!
//! Within cohort mode, the same test compares the doomed cells walked one
//! by one with the same cells split by their chain's matrix exponential
//! (`CascadeState::set_doomed_walk_limit`), and a run with a chain cache of
//! a few chains is compared with one whose cache is unbounded (the same
//! digest and state: the cache never changes a draw).

use std::path::Path;

use cascade_biology::NoExtension;
use cascade_biology::model::{CascadeState, SiteKind};
use cascade_biology::organs::OrganId;
use cascade_runner::run::simulate;
use cascade_runner::scenario::{Scenario, parse};

#[path = "support/compare.rs"]
mod support;
use support::{assert_same_distribution, scenario_with, two_proportion_z};

fn replicates() -> u64 {
    support::replicates("CASCADE_COHORTS", 120)
}

/// 300 cells into a mouse tail vein: most arrest in the lung, some pass
/// to the arterial side; a dose of a drug on day 1 that reaches every
/// compartment; the pools are harvested on day 1.5, while many cells are
/// still arrested, solitary or dormant.
const INJECTED: &str = r#"Scenario(
    seed: 21,
    stop_day: 6.0,
    organs: (preset: Mouse, every: (extravasation_rate: 1.0, solitary_death_rate: 0.5, dormancy_entry_rate: 0.5, dormancy_exit_rate: 0.3)),
    clones: [(name: "B16", birth_rate: 0.7, death_rate: 0.3, mutation_probability: 0.0)],
    injections: [(day: 0.0, vein: "tail_vein", cells: [("B16", 300)])],
    harvest_days: [1.5],
    therapy: (
        drugs: [(name: "D", log_kill: 0.3)],
        regimens: [(start: Day(1.0), days: [0.0], cycle: [["D"]])],
    ),
    macrometastasis_size: 20,
    detection_size: 60,
)"#;

/// A growing primary that sheds into a mouse and seeds metastases (the
/// scenario of `tests/modes.rs`), stepping from 500 cells: shed cells
/// enter the blood in numbers at each step, bound for the lung.
const GROWING: &str = r#"Scenario(
    seed: 22,
    stop_day: 8.0,
    mode: Stepped(step: 0.01, threshold: 500),
    organs: (preset: Mouse, every: (extravasation_rate: 1.0, solitary_death_rate: 0.5)),
    clones: [(name: "T", birth_rate: 0.6, death_rate: 0.2, mutation_probability: 1e-4, shedding_rate: 0.01)],
    primary: (organ: "skin", cells: [("T", 2000)], growth_law: Gompertz, carrying_capacity: 1e7),
    macrometastasis_size: 20,
    detection_size: 100,
)"#;

/// 3 cells into a tail vein that often all die (a small founding chance
/// per cell): the probability that none is left.
const FEW: &str = r#"Scenario(
    seed: 23,
    stop_day: 4.0,
    organs: (preset: Mouse, every: (extravasation_rate: 0.5, arrested_death_rate: 1.0, solitary_death_rate: 2.0)),
    clones: [(name: "B16", birth_rate: 0.7, death_rate: 0.6, mutation_probability: 0.0)],
    injections: [(day: 0.0, vein: "tail_vein", cells: [("B16", 3)])],
)"#;

fn scenario(text: &str, pools: &str) -> Scenario<NoExtension> {
    scenario_with(text, &format!("pools: {pools}"), "cohorts.ron")
}

/// The observables of one replicate, by name.
fn observe(scenario: &Scenario<NoExtension>, r: u64) -> Vec<(&'static str, f64)> {
    let finished = simulate(scenario, scenario.file.seed, r).expect("runs");
    observe_state(finished.state(), scenario.file.stop_day)
}

/// Replicate `r` of `scenario` run to its stop day and settled, on the
/// model itself, with `tune` applied to its state before it starts; and
/// its trace digest.
fn run_tuned(
    scenario: &Scenario<NoExtension>,
    r: u64,
    tune: impl Fn(&mut CascadeState),
) -> (
    cascade_kernel::Simulation<cascade_biology::Cascade<NoExtension>>,
    cascade_kernel::TraceDigest,
) {
    use cascade_kernel::{RunLimits, Seed, Time, TraceDigest};
    let seed = Seed::new(scenario.file.seed).with_replicate(r);
    let mut sim = cascade_biology::simulation(scenario.config.clone(), NoExtension, seed)
        .expect("a valid scenario");
    tune(sim.model_mut().state_mut());
    let mut digest = TraceDigest::new();
    let horizon = Time::new(scenario.file.stop_day).expect("a day");
    sim.run(RunLimits::until(horizon), &mut digest)
        .expect("runs");
    let (model, mut ctx) = sim.model_and_context();
    model.settle(&mut ctx).expect("settles");
    sim.model()
        .state()
        .check_conservation()
        .expect("cells conserved");
    (sim, digest)
}

/// The observables of a finished replicate's state, by name.
fn observe_state(state: &CascadeState, stop_day: f64) -> Vec<(&'static str, f64)> {
    let f = state.funnel().total();
    let lung = state
        .config()
        .organs
        .id("lung")
        .expect("the mouse has lungs");
    let alive_in = |organ: Option<OrganId>| {
        state
            .metastases()
            .filter(|s| s.size > 0 && organ.is_none_or(|o| s.organ == o))
            .count() as f64
    };
    let cells = |kind| -> f64 {
        state
            .sites()
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.size as f64)
            .sum()
    };
    let alive: u64 = state.alive_by_clone().iter().sum();
    let in_lung = state.funnel().organ(lung);
    let mut out = vec![
        ("arrested in the lung", in_lung.arrested as f64),
        ("died in the lung's vessels", in_lung.died_in_vessel as f64),
        (
            "micrometastases founded in the lung",
            in_lung.micrometastases as f64,
        ),
        ("arrested", f.arrested as f64),
        ("extravasated", f.extravasated as f64),
        ("died in circulation", f.died_in_circulation as f64),
        ("died in vessel", f.died_in_vessel as f64),
        ("died in parenchyma", f.died_in_parenchyma as f64),
        ("died dormant", f.died_dormant as f64),
        ("micrometastases founded", f.micrometastases as f64),
        (
            "killed",
            (f.killed_in_circulation
                + f.killed_in_vessel
                + f.killed_in_parenchyma
                + f.killed_dormant) as f64,
        ),
        ("metastases alive in the lung", alive_in(Some(lung))),
        (
            "metastases alive elsewhere",
            alive_in(None) - alive_in(Some(lung)),
        ),
        ("metastatic cells", cells(SiteKind::Metastasis)),
        ("primary cells", cells(SiteKind::Primary)),
        ("cells shed", f.shed as f64),
        (
            "first detection day (stop day + 1 if none)",
            state.first_detection().map_or(stop_day + 1.0, |t| t.days()),
        ),
        ("all dead", if alive == 0 { 1.0 } else { 0.0 }),
    ];
    let pools: Vec<(cascade_biology::model::PoolKey, u64)> = state.pools().collect();
    let in_compartment = |c| {
        pools
            .iter()
            .filter(|(k, _)| k.compartment == c)
            .map(|(_, n)| *n as f64)
            .sum::<f64>()
    };
    use cascade_biology::model::Compartment;
    out.push((
        "arrested cells at the end",
        in_compartment(Compartment::Arrested),
    ));
    out.push((
        "solitary cells at the end",
        in_compartment(Compartment::Solitary),
    ));
    out.push((
        "dormant cells at the end",
        in_compartment(Compartment::Dormant),
    ));
    for h in state.harvests() {
        let sum = |g: &dyn Fn(&cascade_biology::observables::OrganHarvest) -> u64| {
            h.organs.iter().map(g).sum::<u64>() as f64
        };
        out.push(("arrested cells at the harvest", sum(&|o| o.arrested_cells)));
        out.push(("solitary cells at the harvest", sum(&|o| o.solitary_cells)));
        out.push(("dormant cells at the harvest", sum(&|o| o.dormant_cells)));
    }
    out
}

/// Runs both modes and compares every observable that varies in either.
fn compare(text: &str, skip: &[&str]) {
    let per_cell = scenario(text, "PerCell");
    let cohorts = scenario(text, "Cohorts");
    let a: Vec<_> = (0..replicates()).map(|r| observe(&per_cell, r)).collect();
    let b: Vec<_> = (0..replicates()).map(|r| observe(&cohorts, r)).collect();
    compare_observed(&a, &b, skip, ("per cell", "cohorts"));
}

/// Two-sample KS (Bonferroni over the observables that vary, α = 0.01
/// for the family) of every observable of `a` against `b`.
fn compare_observed(
    a: &[Vec<(&'static str, f64)>],
    b: &[Vec<(&'static str, f64)>],
    skip: &[&str],
    labels: (&str, &str),
) {
    let names: Vec<&str> = a[0]
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !skip.contains(n))
        .collect();
    let column = |rows: &[Vec<(&str, f64)>], name: &str| -> Vec<f64> {
        rows.iter()
            .map(|row| row.iter().find(|(n, _)| *n == name).expect("observed").1)
            .collect()
    };
    let varying: Vec<&str> = names
        .into_iter()
        .filter(|name| {
            let (x, y) = (column(a, name), column(b, name));
            x.iter().chain(&y).any(|v| *v != x[0])
        })
        .collect();
    assert!(varying.len() >= 5, "too little varies: {varying:?}");
    let k = varying.len() as f64;
    let (n, m) = (a.len() as f64, b.len() as f64);
    let c = (-libm::log(0.01 / (2.0 * k)) / 2.0).sqrt();
    let critical = c * ((n + m) / (n * m)).sqrt();
    for name in varying {
        let (x, y) = (column(a, name), column(b, name));
        assert_same_distribution(name, &x, &y, critical, labels);
    }
}

/// A heterogeneous growing primary in cohort mode: mutants with shedding
/// and affinities of their own (so chains of their own), most with few
/// doomed cells, the founder with many. Observed twice a day, so that the
/// doomed counts (the stragglers walked at one observation) are brought
/// up to date at the next by the walk or the matrix: without the
/// observations only stragglers would ever move, walked either way.
fn heterogeneous_growing() -> Scenario<NoExtension> {
    let text = GROWING
        .replacen(
            "mutation_probability: 1e-4",
            "mutation_probability: 2e-3",
            1,
        )
        .replacen("seed: 22", "seed: 25", 1)
        .replacen(
            "macrometastasis_size: 20,",
            "macrometastasis_size: 20,\n    observe_every: 0.5,\n    mutation_effect: (shedding_rate: 0.5, affinity: 0.3),",
            1,
        );
    assert!(text.contains("mutation_effect") && text.contains("2e-3"));
    scenario(&text, "Cohorts")
}

/// The doomed cells walked one by one (every clone, whatever its count)
/// against the same cells split by the matrix exponential of their chain
/// (none walked): the same distributions of every observable, by the
/// family's KS test at α = 0.01 (120 replicates per way by default, 1,000
/// with `CASCADE_COHORTS=full`). Both on the injection (one clone, many
/// doomed cells, a harvest and a dose) and on the heterogeneous primary.
#[test]
fn walking_the_doomed_cells_gives_the_law_of_the_matrix_exponential() {
    for (name, scenario, skip) in [
        (
            "injection",
            scenario(INJECTED, "Cohorts"),
            &["all dead"][..],
        ),
        (
            "heterogeneous primary",
            heterogeneous_growing(),
            &["all dead", "killed"][..],
        ),
    ] {
        let observed = |limit: u64| -> Vec<_> {
            (0..replicates())
                .map(|r| {
                    let (sim, _) = run_tuned(&scenario, r, |s| s.set_doomed_walk_limit(limit));
                    observe_state(sim.model().state(), scenario.file.stop_day)
                })
                .collect()
        };
        let (walked, split) = (observed(u64::MAX), observed(0));
        eprintln!("{name}: {} replicates each way", walked.len());
        // The two ways draw differently: a test of two identical samples
        // would pass whatever the walk did.
        assert!(walked != split, "{name}: the walk changed nothing");
        compare_observed(&walked, &split, skip, ("walked", "matrix"));
    }
}

/// The heterogeneous primary with a chain cache that holds one chain (a
/// bound of one byte: every other chain is dropped as soon as another is
/// used) against an unbounded one, with the doomed cells walked where few
/// (the default) and with every clone's cells split by its matrix
/// exponential (so matrices are dropped and computed again): the same
/// digest and state (the cache changes the speed, never a draw), and the
/// small cache did drop chains.
#[test]
fn a_small_chain_cache_gives_the_results_of_an_unbounded_one() {
    let scenario = heterogeneous_growing();
    let mut dropped = false;
    for walk in [None, Some(0)] {
        for r in 0..3 {
            let tuned = |limit: u64| {
                run_tuned(&scenario, r, move |s: &mut CascadeState| {
                    s.set_chain_cache_limit(limit);
                    if let Some(walk) = walk {
                        s.set_doomed_walk_limit(walk);
                    }
                })
            };
            let ((small, small_digest), (whole, whole_digest)) = (tuned(1), tuned(u64::MAX));
            assert_eq!(small_digest, whole_digest, "replicate {r}, walk {walk:?}");
            let (small, whole) = (small.model().state(), whole.model().state());
            // Through serde, as the checkpoint tests compare (scratch space
            // left out).
            let text = |s: &CascadeState| serde_json::to_string(s).expect("serialises");
            assert!(
                text(small) == text(whole),
                "replicate {r}, walk {walk:?}: the states differ"
            );
            let chains = |s: &CascadeState| s.memory_use(0).chains.count;
            assert!(chains(small) <= 1, "{} chains kept", chains(small));
            dropped |= chains(small) < chains(whole);
        }
    }
    assert!(dropped, "the small cache never dropped a chain");
}

#[test]
fn cohorts_give_the_distributions_of_per_cell_after_an_injection() {
    compare(INJECTED, &["all dead"]);
}

#[test]
fn cohorts_give_the_distributions_of_per_cell_for_a_shedding_primary() {
    compare(GROWING, &["all dead", "killed"]);
}

/// The same primary in the lung, which drains to the arterial side: a
/// step's shed cells are split among the organs by cardiac output.
#[test]
fn cohorts_give_the_distributions_of_per_cell_for_a_primary_draining_to_the_arterial_side() {
    let lung = GROWING
        .replacen("organ: \"skin\"", "organ: \"lung\"", 1)
        .replacen("seed: 22", "seed: 24", 1);
    assert!(lung.contains("\"lung\""));
    compare(&lung, &["all dead", "killed"]);
}

#[test]
fn cohorts_keep_the_extinction_probability() {
    let share = |pools: &str| {
        let s = scenario(FEW, pools);
        let dead = (0..replicates())
            .filter(|&r| {
                let finished = simulate(&s, s.file.seed, r).expect("runs");
                finished.state().alive_by_clone().iter().sum::<u64>() == 0
            })
            .count();
        dead as f64 / replicates() as f64
    };
    let (p1, p2) = (share("PerCell"), share("Cohorts"));
    assert!(
        p1 > 0.1 && p1 < 0.9,
        "the scenario should die out sometimes, not always: {p1}"
    );
    let n = replicates() as f64;
    let z = two_proportion_z(p1, p2, n);
    eprintln!("all dead: per cell {p1}, cohorts {p2}, z = {z:.2}");
    assert!(
        z.abs() <= 2.576,
        "all dead: per cell {p1}, cohorts {p2}, z = {z:.2}"
    );
}

/// The shipped benchmark (`scenarios/bench/human_scale.ron`, run by
/// `cascade bench`) is valid and runs, cut to its first 20 days, in cohort
/// mode: the primary sheds in numbers from its first step, its cells die
/// as counts, and cells are conserved.
#[test]
fn the_human_scale_benchmark_runs_shortened() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("scenarios/bench/human_scale.ron");
    let text = std::fs::read_to_string(&path).expect("the benchmark is shipped");
    let shipped = parse::<NoExtension>(&text, &path).expect("a valid scenario");
    assert_eq!(
        shipped.file.pools,
        cascade_biology::config::PoolMode::Cohorts
    );
    let mut file = shipped.file.clone();
    file.stop_day = 20.0;
    let scenario = shipped.with_file(file).expect("valid");
    let finished = simulate(&scenario, scenario.file.seed, 0).expect("runs");
    let state = finished.state();
    let f = state.funnel().total();
    // 10^6 cells shedding 4e-3 per day for 20 days: about 8×10^4 shed.
    assert!(f.shed > 50_000 && f.shed < 150_000, "shed {}", f.shed);
    assert_eq!(
        f.shed,
        f.died_in_circulation + f.arrested + {
            let pools: Vec<_> = state.pools().collect();
            pools
                .iter()
                .filter(|(k, _)| k.compartment == cascade_biology::model::Compartment::InTransit)
                .map(|(_, n)| n)
                .sum::<u64>()
        }
    );
    // The doomed made no events: far fewer events than cells shed.
    assert!(finished.simulation.dispatched() < f.shed / 5);
}

/// The heterogeneous benchmark (`scenarios/bench/human_scale_heterogeneous.ron`,
/// run by `cascade bench`) is valid and runs, cut to its first 60 days:
/// mutants arise (about 10² by then), every clone's parent exists and was
/// born no later, every clone's name leads back to it, and cells are
/// conserved per clone.
#[test]
fn the_heterogeneous_benchmark_runs_shortened() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("scenarios/bench/human_scale_heterogeneous.ron");
    let text = std::fs::read_to_string(&path).expect("the benchmark is shipped");
    let shipped = parse::<NoExtension>(&text, &path).expect("a valid scenario");
    let mut file = shipped.file.clone();
    file.stop_day = 60.0;
    let scenario = shipped.with_file(file).expect("valid");
    let finished = simulate(&scenario, scenario.file.seed, 0).expect("runs");
    let state = finished.state();
    let lineage = state.lineage();
    assert!(lineage.len() > 20, "clones {}", lineage.len());
    for clone in lineage.iter() {
        if let Some(parent) = clone.parent {
            assert!(parent < clone.id);
            assert!(lineage.clone_of(parent).born_at <= clone.born_at);
        }
        assert_eq!(lineage.by_name(&lineage.name(clone.id)), Some(clone.id));
    }
    state.check_conservation().expect("cells conserved");
}
