//! The fuzz harness (issue 16): the scenario reader and `check` under
//! structure-aware mutation of every shipped scenario, and extreme but
//! valid scenarios run with a time and a memory limit.
//!
//! * Reader: mutants of every `scenarios/**/*.ron` (numbers pushed to
//!   extremes or scaled by powers of ten, names and strings stretched to
//!   up to 60,000 characters or swapped for another of the file, lines
//!   deleted, cut at a random byte, duplicated or spliced in from another
//!   shipped file, brackets and tokens put in or taken out, deep nesting,
//!   attributes and stray literals; 1 to 4 mutations each) go through
//!   `scenario::parse` and, when accepted, `cli::describe` (what `cascade
//!   check` prints), under `catch_unwind`. Any panic fails, and so does any
//!   input that takes over one second (a hang detector: inputs take
//!   milliseconds). It prints the mutants tried, accepted and refused, the
//!   panics, the slowest input and the rate.
//! * Runs: accepted mutants (their `max_events` capped at 200,000 so that
//!   a replicate is short) and a table of hand-written extreme scenarios
//!   run one replicate through the real `cascade run` under `ulimit -v`
//!   (6 GiB, above the 4 GiB memory budget of a replicate) and a watchdog
//!   of 60 seconds of processor time (600 of wall time); each must exit by itself, not by a
//!   signal, with code 0, 1, 2 or 74 and no panic message.
//!
//! Quick by default (a few thousand mutants, a dozen runs, seconds).
//! Environment:
//!
//! ```text
//! CASCADE_FUZZ=long          # 10^6 mutants and 300 runs
//! CASCADE_FUZZ_MUTANTS=N     # this many reader mutants (over all files)
//! CASCADE_FUZZ_RUNS=N        # this many runs of accepted mutants
//! CASCADE_FUZZ_SEED=S        # another seed (default 16)
//! CASCADE_FUZZ_CASE=FILE:SEED:INDEX  # one mutant only, e.g. quickstart.ron:16:42
//!
//! cargo test -p cascade-runner --test fuzz -- --nocapture        # quick, with the counts
//! CASCADE_FUZZ=long cargo test --release -p cascade-runner --test fuzz -- --nocapture
//! ```
//!
//! A mutant is a pure function of (file, seed, index): a failure prints
//! them and writes the mutant under the target directory
//! (`target/tmp/fuzz/`), where `cascade check FILE` or `cascade run FILE`
//! reruns it, as does `CASCADE_FUZZ_CASE`. Measured rates: see
//! `docs/scenarios.md`, "Fuzzing the reader".

#[path = "fuzz/limits.rs"]
mod limits;
#[path = "fuzz/mutate.rs"]
mod mutate;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cascade_biology::NoExtension;
use cascade_runner::scenario::{self, Scenario};
use mutate::{Case, Corpus, Kind};

/// The issue's bound on one input (parse and check together).
const SLOW_SECONDS: f64 = 1.0;

/// An input still being read after this long is a hang: the test fails
/// with its case at once rather than wait for it.
const STUCK_SECONDS: f64 = 20.0;

/// The cap on events put into a mutant before it runs.
const RUN_MAX_EVENTS: u64 = 200_000;

/// The `max_events` the extreme scenarios run with at most: a work limit,
/// so that a run that is slow by design (a new clone at every division
/// costs time in the number of clones per event) ends within the watchdog.
const EXTREME_MAX_EVENTS: u64 = 20_000;

/// How much to do, from the environment.
struct Settings {
    seed: u64,
    mutants: usize,
    runs: usize,
    case: Option<(String, u64, u64)>,
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
    )
}

fn settings() -> Settings {
    let long = match std::env::var("CASCADE_FUZZ").as_deref() {
        Ok("long") => true,
        Ok("quick") | Ok("") | Err(_) => false,
        Ok(other) => panic!("CASCADE_FUZZ={other}: expected quick or long"),
    };
    let case = std::env::var("CASCADE_FUZZ_CASE").ok().map(|value| {
        let mut parts = value.rsplitn(3, ':');
        let index = parts.next().and_then(|s| s.parse().ok());
        let seed = parts.next().and_then(|s| s.parse().ok());
        let file = parts.next();
        match (file, seed, index) {
            (Some(file), Some(seed), Some(index)) => (file.to_string(), seed, index),
            _ => panic!("CASCADE_FUZZ_CASE={value}: expected FILE:SEED:INDEX"),
        }
    });
    Settings {
        seed: env_number("CASCADE_FUZZ_SEED").unwrap_or(16),
        mutants: env_number("CASCADE_FUZZ_MUTANTS").unwrap_or(if long { 1_000_000 } else { 4_800 }),
        runs: env_number("CASCADE_FUZZ_RUNS").unwrap_or(if long { 300 } else { 12 }),
        case,
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every shipped scenario, by its path under `scenarios/`, sorted.
fn corpus() -> Corpus {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).expect("the scenario directory can be read");
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "ron") {
                out.push(path);
            }
        }
    }
    let scenarios = root().join("scenarios");
    let mut paths = Vec::new();
    walk(&scenarios, &mut paths);
    paths.sort();
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let name = p
                .strip_prefix(&scenarios)
                .expect("under scenarios/")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(p).expect("a shipped scenario is UTF-8 text");
            (name, text)
        })
        .collect();
    assert!(files.len() >= 10, "only {} shipped scenarios", files.len());
    Corpus { files }
}

fn case_name(corpus: &Corpus, case: Case) -> String {
    format!("{}:{}:{}", corpus.files[case.file].0, case.seed, case.index)
}

/// Where mutants and runs are written: `target/tmp/fuzz/<dir>`.
fn out_dir(dir: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz")
        .join(dir);
    std::fs::create_dir_all(&dir).expect("the fuzz directory can be created");
    dir
}

/// Writes a mutant where it can be rerun; returns its path.
fn save(dir: &str, corpus: &Corpus, case: Case, text: &str) -> PathBuf {
    let name = format!(
        "{}-seed{}-{}.ron",
        corpus.files[case.file]
            .0
            .trim_end_matches(".ron")
            .replace(['/', '\\'], "_"),
        case.seed,
        case.index
    );
    let path = out_dir(dir).join(name);
    std::fs::write(&path, text).expect("the mutant can be written");
    path
}

/// The input a worker is reading and when it started (seconds since the
/// test's start), if any.
type Reading = Mutex<Option<(Case, f64)>>;

/// What the reader made of one input.
enum Verdict {
    Accepted(Box<Scenario<NoExtension>>),
    Refused(scenario::ScenarioError),
    Panicked(String),
}

/// `parse` and, when it accepts, `describe` (what `cascade check` prints),
/// under `catch_unwind`, timed.
fn check(text: &str, name: &str) -> (Verdict, f64) {
    let path = Path::new("scenarios").join(name);
    // The wall clock measures the harness; it decides no trajectory.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        match scenario::parse::<NoExtension>(text, &path) {
            Ok(scenario) => {
                let described = cascade_runner::cli::describe(&scenario);
                assert!(described.contains("valid"), "{described}");
                Ok(scenario)
            }
            Err(error) => {
                let _ = error.to_string();
                Err(error)
            }
        }
    }));
    let seconds = started.elapsed().as_secs_f64();
    let verdict = match result {
        Ok(Ok(scenario)) => Verdict::Accepted(Box::new(scenario)),
        Ok(Err(error)) => Verdict::Refused(error),
        Err(payload) => Verdict::Panicked(
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string()),
        ),
    };
    (verdict, seconds)
}

/// Counts over the reader's mutants.
#[derive(Default)]
struct Tally {
    tried: usize,
    accepted: usize,
    refused: usize,
    panics: Vec<(Case, String)>,
    slow: Vec<(Case, f64)>,
    slowest: Option<(f64, Case)>,
    seconds: f64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.tried += other.tried;
        self.accepted += other.accepted;
        self.refused += other.refused;
        self.panics.extend(other.panics);
        self.slow.extend(other.slow);
        self.seconds += other.seconds;
        if let Some((s, case)) = other.slowest
            && self.slowest.is_none_or(|(t, _)| s > t)
        {
            self.slowest = Some((s, case));
        }
    }

    fn record(&mut self, case: Case, verdict: &Verdict, seconds: f64) {
        self.tried += 1;
        self.seconds += seconds;
        match verdict {
            Verdict::Accepted(_) => self.accepted += 1,
            Verdict::Refused(_) => self.refused += 1,
            Verdict::Panicked(message) => self.panics.push((case, message.clone())),
        }
        if seconds > SLOW_SECONDS {
            self.slow.push((case, seconds));
        }
        if self.slowest.is_none_or(|(t, _)| seconds > t) {
            self.slowest = Some((seconds, case));
        }
    }
}

/// The cases to try: the one of `CASCADE_FUZZ_CASE`, or `per_file`
/// indices of every file.
fn chosen_case(corpus: &Corpus, settings: &Settings) -> Option<Case> {
    let (file, seed, index) = settings.case.as_ref()?;
    let file = corpus
        .files
        .iter()
        .position(|(name, _)| name == file)
        .unwrap_or_else(|| panic!("CASCADE_FUZZ_CASE: no shipped scenario {file}"));
    Some(Case {
        file,
        seed: *seed,
        index: *index,
    })
}

#[test]
fn mutants_of_the_shipped_scenarios_are_read_and_checked_without_a_panic_or_a_slow_input() {
    let settings = settings();
    let corpus = corpus();
    if let Some(case) = chosen_case(&corpus, &settings) {
        let (text, log) = corpus.mutant(case);
        let path = save("cases", &corpus, case, &text);
        let (verdict, seconds) = check(&text, &corpus.files[case.file].0);
        println!("{}: {}", case_name(&corpus, case), log.join("; "));
        println!("written to {}", path.display());
        match &verdict {
            Verdict::Accepted(_) => println!("accepted in {seconds:.4} s"),
            Verdict::Refused(e) => println!("refused in {seconds:.4} s: {e}"),
            Verdict::Panicked(m) => println!("PANICKED in {seconds:.4} s: {m}"),
        }
        assert!(!matches!(verdict, Verdict::Panicked(_)));
        assert!(seconds <= SLOW_SECONDS, "{seconds} s");
        return;
    }
    let files = corpus.files.len();
    let per_file = settings.mutants.div_ceil(files);
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files);
    let corpus = Arc::new(corpus);
    let next = Arc::new(AtomicUsize::new(0));
    // What each worker is reading and since when, for the watchdog.
    let current: Arc<Vec<Reading>> = Arc::new((0..threads).map(|_| Mutex::new(None)).collect());
    // The wall clock measures the harness; it decides no trajectory.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let seed = settings.seed;
    // Detached workers (not scoped): an input that never returns must not
    // keep the test from failing with its case.
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let (corpus, next, current) = (corpus.clone(), next.clone(), current.clone());
            std::thread::spawn(move || {
                let mut tally = Tally::default();
                loop {
                    let file = next.fetch_add(1, Ordering::Relaxed);
                    if file >= files {
                        break;
                    }
                    for index in 0..per_file as u64 {
                        let case = Case { file, seed, index };
                        let Ok((text, _)) = catch_unwind(|| corpus.mutant(case)) else {
                            let message = "the mutation engine itself panicked".to_string();
                            tally.record(case, &Verdict::Panicked(message), 0.0);
                            continue;
                        };
                        *current[w].lock().expect("the watchdog does not panic") =
                            Some((case, started.elapsed().as_secs_f64()));
                        let (verdict, seconds) = check(&text, &corpus.files[file].0);
                        *current[w].lock().expect("the watchdog does not panic") = None;
                        tally.record(case, &verdict, seconds);
                    }
                }
                tally
            })
        })
        .collect();
    while !workers.iter().all(std::thread::JoinHandle::is_finished) {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = started.elapsed().as_secs_f64();
        for slot in current.iter() {
            let Some((case, since)) = *slot.lock().expect("a worker does not panic") else {
                continue;
            };
            if now - since > STUCK_SECONDS {
                let (text, log) = corpus.mutant(case);
                let path = save("stuck", &corpus, case, &text);
                panic!(
                    "the reader has been on {} for over {STUCK_SECONDS} s ({}; written to {}): a hang",
                    case_name(&corpus, case),
                    log.join("; "),
                    path.display()
                );
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let mut tally = Tally::default();
    for worker in workers {
        tally.add(worker.join().expect("a worker does not panic"));
    }
    // An input over the bound is timed twice more on its own: it fails if
    // it is slow every time (the machine's load can stall one reading).
    let mut retimed = Vec::new();
    tally.slow.retain(|&(case, first)| {
        let (text, _) = corpus.mutant(case);
        let again: Vec<f64> = (0..2)
            .map(|_| check(&text, &corpus.files[case.file].0).1)
            .collect();
        let best = again.iter().copied().fold(first, f64::min);
        retimed.push(format!(
            "{} took {first:.3} s, then {:.3} s and {:.3} s",
            case_name(&corpus, case),
            again[0],
            again[1]
        ));
        best > SLOW_SECONDS
    });
    let (slowest, slowest_case) = tally.slowest.expect("at least one mutant");
    println!(
        "fuzz (seed {}): {} mutants of {files} shipped scenarios in {wall:.2} s on {threads} thread(s): \
         {} accepted, {} refused, {} panics, {} over {SLOW_SECONDS} s (timed thrice); \
         slowest {:.1} ms ({}); {:.0} inputs per second ({:.0} per thread, {:.3} ms mean)",
        settings.seed,
        tally.tried,
        tally.accepted,
        tally.refused,
        tally.panics.len(),
        tally.slow.len(),
        slowest * 1e3,
        case_name(&corpus, slowest_case),
        tally.tried as f64 / wall,
        tally.tried as f64 / tally.seconds,
        tally.seconds / tally.tried as f64 * 1e3,
    );
    for line in &retimed {
        println!("  over {SLOW_SECONDS} s once, timed again: {line}");
    }
    let mut failures = Vec::new();
    for (case, message) in &tally.panics {
        let (text, log) = catch_unwind(|| corpus.mutant(*case))
            .unwrap_or_else(|_| (String::new(), vec!["no mutant: the engine panics".into()]));
        let path = save("panics", &corpus, *case, &text);
        failures.push(format!(
            "panic on {} ({}; written to {}): {message}",
            case_name(&corpus, *case),
            log.join("; "),
            path.display()
        ));
    }
    for (case, seconds) in &tally.slow {
        let (text, log) = corpus.mutant(*case);
        let path = save("slow", &corpus, *case, &text);
        failures.push(format!(
            "{seconds:.2} s on {} ({}; written to {})",
            case_name(&corpus, *case),
            log.join("; "),
            path.display()
        ));
    }
    assert!(
        tally.accepted > 0 && tally.refused > 0,
        "the mutants should be both accepted and refused"
    );
    assert!(
        failures.is_empty(),
        "{} failing mutants (rerun one with CASCADE_FUZZ_CASE=FILE:SEED:INDEX):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `text` with `max_events` at most `limit`, if that can be written in
/// (after `Scenario(`, or over the value there).
fn capped(text: &str, scenario: &Scenario<NoExtension>, limit: u64) -> Option<String> {
    let tokens = mutate::tokenize(text);
    let significant: Vec<&mutate::Token> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .collect();
    let word = |t: &mutate::Token| &text[t.start..t.end];
    match scenario.file.max_events {
        Some(m) if m <= limit => Some(text.to_string()),
        Some(_) => {
            let at = significant.windows(3).find(|w| {
                word(w[0]) == "max_events" && word(w[1]) == ":" && w[2].kind == Kind::Number
            })?;
            let mut out = text.to_string();
            out.replace_range(at[2].start..at[2].end, &limit.to_string());
            Some(out)
        }
        None => {
            let open = significant
                .windows(2)
                .find(|w| word(w[0]) == "Scenario" && word(w[1]) == "(")?;
            let mut out = text.to_string();
            out.insert_str(open[1].end, &format!("max_events: {limit}, "));
            Some(out)
        }
    }
}

/// Taken by each batch of runs, so that the two tests that run the binary
/// do not run four replicates at once on a small machine.
static RUNS: Mutex<()> = Mutex::new(());

/// Runs `jobs` on two threads and returns their results in order.
fn in_parallel<T: Sync, R: Send>(jobs: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let _turn = RUNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let result = work(job);
                    results.lock().expect("no worker panicked")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

#[test]
fn accepted_mutants_run_one_replicate_without_a_panic_a_hang_or_an_abort() {
    let settings = settings();
    if settings.runs == 0 && settings.case.is_none() {
        println!("fuzz runs: none asked for (CASCADE_FUZZ_RUNS=0)");
        return;
    }
    let corpus = corpus();
    let files = corpus.files.len();
    let originals: Vec<String> = corpus
        .files
        .iter()
        .map(|(name, text)| match check(text, name).0 {
            Verdict::Accepted(s) => format!("{:?}", s.file),
            _ => panic!("shipped scenario {name} is refused"),
        })
        .collect();
    // Accepted mutants that change what the file says, from files in a
    // seeded order, at most 400 tries per file.
    let mut chosen: Vec<(Case, String, Vec<String>)> = Vec::new();
    let wanted = if settings.case.is_some() {
        1
    } else {
        settings.runs
    };
    let start = (settings.seed as usize).wrapping_mul(7) % files;
    let mut next_index = vec![0u64; files];
    let mut exhausted = 0;
    let mut k = 0;
    while chosen.len() < wanted && exhausted < files {
        let file = (start + k * 5) % files;
        k += 1;
        let mut found = false;
        while next_index[file] < 400 && !found {
            let case = match chosen_case(&corpus, &settings) {
                Some(case) => case,
                None => Case {
                    file,
                    seed: settings.seed,
                    index: next_index[file],
                },
            };
            next_index[file] += 1;
            let (text, log) = corpus.mutant(case);
            if let (Verdict::Accepted(s), _) = check(&text, &corpus.files[case.file].0)
                && format!("{:?}", s.file) != originals[case.file]
                && let Some(text) = capped(&text, &s, RUN_MAX_EVENTS)
                && let (Verdict::Accepted(_), _) = check(&text, &corpus.files[case.file].0)
            {
                chosen.push((case, text, log));
                found = true;
            }
            if settings.case.is_some() && !found {
                panic!("CASCADE_FUZZ_CASE: that mutant is refused, it does not run");
            }
        }
        if !found {
            exhausted += 1;
        }
    }
    let endings = in_parallel(&chosen, |(case, text, _): &(Case, String, Vec<String>)| {
        let path = save("runs", &corpus, *case, text);
        (path.clone(), limits::run_limited(&path))
    });
    let mut codes = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    let mut slowest = 0.0f64;
    for ((case, _, log), (path, ending)) in chosen.iter().zip(&endings) {
        *codes.entry(ending.kind()).or_insert(0) += 1;
        slowest = slowest.max(ending.seconds);
        println!(
            "{}: {}: {ending}",
            case_name(&corpus, *case),
            log.join("; ")
        );
        if let Some(problem) = ending.problem() {
            failures.push(format!(
                "{} ({}; written to {}): {problem}: {ending}",
                case_name(&corpus, *case),
                log.join("; "),
                path.display()
            ));
        }
    }
    println!(
        "fuzz runs (seed {}): {} accepted mutants run (max_events <= {RUN_MAX_EVENTS}): {codes:?}; slowest {slowest:.2} s",
        settings.seed,
        chosen.len()
    );
    assert!(!chosen.is_empty(), "no accepted mutant to run");
    assert!(
        failures.is_empty(),
        "{} runs ended badly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Hand-written scenarios at the edges of what the reader accepts: a
/// transit time of 1e-300 days with no way out of the blood (Zeno), rates
/// of 1e300 and of f64::MAX, a mutation σ of 1000, 2^62 cells, steps of
/// 5e-324 days, and the same at the reader's bounds. Each is valid or
/// refused with exit code 2; none may panic, hang or abort.
const EXTREME: &[(&str, &str)] = &[
    (
        "zeno_transit_no_arrest_no_circulation_death",
        r#"Scenario(stop_day: 1.0, transit_time: 1e-300,
            organs: (preset: Mouse, every: (arrest_probability: 0.0)),
            clones: [(name: "A", circulation_death_rate: 0.0)],
            injections: [(vein: "tail_vein", cells: [("A", 10)])])"#,
    ),
    (
        "zeno_transit_no_arrest_default_circulation_death",
        r#"Scenario(stop_day: 1.0, transit_time: 1e-300,
            organs: (preset: Mouse, every: (arrest_probability: 0.0)),
            clones: [(name: "A")],
            injections: [(vein: "tail_vein", cells: [("A", 10)])])"#,
    ),
    (
        "zeno_transit_cohorts",
        r#"Scenario(stop_day: 1.0, transit_time: 1e-300, pools: Cohorts,
            organs: (preset: Mouse, every: (arrest_probability: 0.0)),
            clones: [(name: "A", circulation_death_rate: 0.0)],
            injections: [(vein: "tail_vein", cells: [("A", 10)])])"#,
    ),
    (
        "zeno_transit_5e-324_certain_arrest",
        r#"Scenario(stop_day: 10.0, transit_time: 5e-324,
            organs: (preset: Mouse),
            clones: [(name: "A")],
            injections: [(vein: "tail_vein", cells: [("A", 1000)])])"#,
    ),
    (
        "dormancy_flip_flop_at_1e300_per_day",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse, every: (arrest_probability: 1.0, arrested_death_rate: 0.0,
                extravasation_rate: 1e300, solitary_death_rate: 0.0, dormancy_entry_rate: 1e300,
                dormancy_exit_rate: 1e300, dormant_death_rate: 0.0)),
            clones: [(name: "A", birth_rate: 0.0, death_rate: 0.0)],
            injections: [(vein: "tail_vein", cells: [("A", 10)])])"#,
    ),
    (
        "mutation_effect_sigma_1000",
        r#"Scenario(stop_day: 30.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.5, mutation_probability: 1.0)],
            mutation_effect: (birth_rate: 1000.0, death_rate: 1000.0, shedding_rate: 1000.0,
                circulation_death_rate: 1000.0, affinity: 1000.0, mutation_probability: 1000.0),
            primary: (organ: "skin", cells: [("A", 100)]))"#,
    ),
    (
        "runaway_birth_rate_1e300",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1e300, death_rate: 0.0)],
            primary: (organ: "skin", cells: [("A", 1)], growth_law: Exponential))"#,
    ),
    (
        "birth_and_death_rates_f64_max",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.7976931348623157e308,
                death_rate: 1.7976931348623157e308)],
            primary: (organ: "skin", cells: [("A", 100)]))"#,
    ),
    (
        "shedding_rate_1e300",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 0.0, death_rate: 0.0, shedding_rate: 1e300)],
            primary: (organ: "skin", cells: [("A", 1000)]))"#,
    ),
    (
        "size_power_shedding_coefficient_1e300",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse),
            shedding: SizePower(coefficient: 1e300, exponent: 1.0),
            clones: [(name: "A", birth_rate: 0.0, death_rate: 0.0)],
            primary: (organ: "skin", cells: [("A", 1000)]))"#,
    ),
    (
        "two_to_the_62_cells_injected_per_cell",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse),
            clones: [(name: "A")],
            injections: [(vein: "tail_vein", cells: [("A", 4611686018427387904)])])"#,
    ),
    (
        "two_to_the_62_cells_injected_cohorts",
        r#"Scenario(stop_day: 1.0, pools: Cohorts,
            organs: (preset: Mouse),
            clones: [(name: "A")],
            injections: [(vein: "tail_vein", cells: [("A", 4611686018427387904)])])"#,
    ),
    (
        "two_to_the_62_cells_primary_stepped",
        r#"Scenario(stop_day: 1.0, mode: Stepped(),
            organs: (preset: Mouse, every: (carrying_capacity: 1e300)),
            clones: [(name: "A", shedding_rate: 0.0)],
            primary: (organ: "skin", cells: [("A", 4611686018427387904)]))"#,
    ),
    (
        "gompertz_capacity_just_above_one",
        r#"Scenario(stop_day: 10.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.1)],
            primary: (organ: "skin", cells: [("A", 100)], carrying_capacity: 1.0000000000000002))"#,
    ),
    (
        "stepped_step_5e-324",
        r#"Scenario(stop_day: 1.0, mode: Stepped(step: 5e-324, threshold: 2),
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.5)],
            primary: (organ: "skin", cells: [("A", 10000)]))"#,
    ),
    (
        "stepped_one_step_of_1e300_days",
        r#"Scenario(stop_day: 1e300, mode: Stepped(step: 1e300, threshold: 2),
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.5)],
            primary: (organ: "skin", cells: [("A", 10000)]))"#,
    ),
    (
        "every_division_a_new_clone",
        r#"Scenario(stop_day: 60.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.1, mutation_probability: 1.0,
                shedding_rate: 0.0)],
            mutation_effect: (birth_rate: 0.01),
            primary: (organ: "skin", cells: [("A", 1000)], growth_law: Exponential))"#,
    ),
    (
        "affinity_arrest_multiplier_1e300",
        r#"Scenario(stop_day: 5.0,
            organs: (preset: Mouse),
            clones: [(name: "A", affinity: [(organ: "lung", arrest: 1e300, extravasation: 1e300,
                growth: 1e300)])],
            injections: [(vein: "tail_vein", cells: [("A", 1000)])])"#,
    ),
    (
        "dose_storm_log_kill_1e300",
        r#"Scenario(stop_day: 10.0,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.5)],
            primary: (organ: "skin", cells: [("A", 1000)]),
            therapy: (drugs: [(name: "D", log_kill: 1e300, resistance_probability: 1.0)],
                regimens: [(start: Day(0.0), every: 5e-324, doses: 100000, cycle: [["D"]])]))"#,
    ),
    (
        "clumps_of_two_of_ten_million_cells",
        r#"Scenario(stop_day: 1.0,
            organs: (preset: Mouse),
            clones: [(name: "A")],
            injections: [(vein: "tail_vein", cells: [("A", 10000000)], clump_size: 2)])"#,
    ),
    (
        "stop_day_f64_max_everything_dies",
        r#"Scenario(stop_day: 1.7976931348623157e308,
            organs: (preset: Mouse),
            clones: [(name: "A", circulation_death_rate: 1e300)],
            injections: [(vein: "tail_vein", cells: [("A", 100)])])"#,
    ),
    (
        "observe_every_at_the_limit",
        r#"Scenario(stop_day: 1e5, observe_every: 1.0,
            organs: (preset: Mouse),
            clones: [(name: "A", circulation_death_rate: 1e300)],
            injections: [(vein: "tail_vein", cells: [("A", 100)])])"#,
    ),
    // At the reader's bounds (rates of at most 10^6 per cell per day, a
    // transit time of at least 10^-6 days): valid, and they must end.
    (
        "transit_time_at_the_minimum_no_arrest_no_circulation_death",
        r#"Scenario(stop_day: 0.1, transit_time: 1e-6,
            organs: (preset: Mouse, every: (arrest_probability: 0.0)),
            clones: [(name: "A", circulation_death_rate: 0.0)],
            injections: [(vein: "tail_vein", cells: [("A", 10)])])"#,
    ),
    (
        "dormancy_flip_flop_at_the_maximum_rate",
        r#"Scenario(stop_day: 0.01,
            organs: (preset: Mouse, every: (arrest_probability: 1.0, arrested_death_rate: 0.0,
                extravasation_rate: 1e6, solitary_death_rate: 0.0, dormancy_entry_rate: 1e6,
                dormancy_exit_rate: 1e6, dormant_death_rate: 0.0)),
            clones: [(name: "A", birth_rate: 0.0, death_rate: 0.0)],
            injections: [(vein: "tail_vein", cells: [("A", 10)])])"#,
    ),
    (
        "birth_and_death_at_the_maximum_rate_exact_max_events",
        r#"Scenario(stop_day: 1.0, max_events: 1000000,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1e6, death_rate: 9e5, shedding_rate: 1e5)],
            primary: (organ: "skin", cells: [("A", 1000)]))"#,
    ),
    (
        "runaway_birth_at_the_maximum_rate_stepped",
        r#"Scenario(stop_day: 1.0, mode: Stepped(),
            organs: (preset: Mouse, every: (carrying_capacity: 1e300)),
            clones: [(name: "A", birth_rate: 1e6, death_rate: 0.0, shedding_rate: 0.0)],
            primary: (organ: "skin", cells: [("A", 100000)], growth_law: Exponential))"#,
    ),
    (
        "runaway_birth_at_the_maximum_rate_exact_max_events",
        r#"Scenario(stop_day: 1.0, max_events: 1000000,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1e6, death_rate: 0.0)],
            primary: (organ: "skin", cells: [("A", 1)], growth_law: Exponential))"#,
    ),
    (
        "shedding_at_the_maximum_rate_into_certain_death",
        r#"Scenario(stop_day: 1.0, max_events: 2000000,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 0.0, death_rate: 0.0, shedding_rate: 1e6,
                circulation_death_rate: 1e6)],
            primary: (organ: "skin", cells: [("A", 1000)]))"#,
    ),
    (
        "mutation_effect_sigma_10_every_division",
        r#"Scenario(stop_day: 5.0, max_events: 1000000,
            organs: (preset: Mouse),
            clones: [(name: "A", birth_rate: 1.0, death_rate: 0.5, mutation_probability: 1.0)],
            mutation_effect: (birth_rate: 10.0, death_rate: 10.0, shedding_rate: 10.0,
                circulation_death_rate: 10.0, affinity: 10.0, mutation_probability: 10.0),
            primary: (organ: "skin", cells: [("A", 100)]))"#,
    ),
    (
        "names_of_60000_characters",
        "Scenario(stop_day: 1.0, organs: (preset: Mouse),
            clones: [(name: \"@@CLONE@@\")],
            injections: [(vein: \"tail_vein\", cells: [(\"@@CLONE@@\", 100)])])",
    ),
];

#[test]
fn extreme_but_valid_scenarios_run_without_a_panic_a_hang_or_an_abort() {
    let long_name = "B16".repeat(20_000);
    let cases: Vec<(&str, String)> = EXTREME
        .iter()
        .map(|(name, text)| (*name, text.replace("@@CLONE@@", &long_name)))
        .collect();
    let dir = out_dir("extreme");
    let endings = in_parallel(&cases, |(name, text): &(&str, String)| {
        let (verdict, _) = check(text, &format!("{name}.ron"));
        // The harness's work limit: a valid extreme scenario may need more
        // events than a test can wait for (10^18 cells injected, a new
        // clone at every division, millions of clumps), which is slow, not
        // stuck; capped, each must end within the watchdog, and one event
        // that never ends is still caught.
        let text = match &verdict {
            Verdict::Accepted(scenario) => {
                capped(text, scenario, EXTREME_MAX_EVENTS).unwrap_or_else(|| text.clone())
            }
            _ => text.clone(),
        };
        let read = match verdict {
            Verdict::Accepted(_) => "valid".to_string(),
            Verdict::Refused(e) => format!("refused: {e}"),
            Verdict::Panicked(m) => format!("the reader PANICKED: {m}"),
        };
        let path = dir.join(format!("{name}.ron"));
        std::fs::write(&path, &text).expect("the scenario can be written");
        let ending = limits::run_limited(&path);
        (path, read, ending)
    });
    let mut failures = Vec::new();
    for ((name, _), (path, read, ending)) in cases.iter().zip(&endings) {
        let problem = ending.problem();
        println!(
            "{name}: {} ({read}): {ending}",
            problem.as_deref().unwrap_or("ok")
        );
        if read.contains("PANICKED") {
            failures.push(format!("{name} ({}): {read}", path.display()));
        }
        if let Some(problem) = problem {
            failures.push(format!("{name} ({}): {problem}: {ending}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} extreme scenarios ended badly:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_tokenizer_covers_every_shipped_scenario_exactly() {
    for (name, text) in &corpus().files {
        let tokens = mutate::tokenize(text);
        let mut at = 0;
        for t in &tokens {
            assert_eq!(t.start, at, "{name}: a gap before {t:?}");
            assert!(t.end > t.start, "{name}: an empty token {t:?}");
            let word = &text[t.start..t.end];
            if t.kind == Kind::Number {
                let plain = word.replace('_', "");
                assert!(
                    plain.parse::<f64>().is_ok() || plain.starts_with("0x"),
                    "{name}: {word:?} is not a number"
                );
            }
            at = t.end;
        }
        assert_eq!(at, text.len(), "{name}: the tokens stop short");
        assert!(tokens.iter().any(|t| t.kind == Kind::Comment), "{name}");
        assert!(tokens.iter().any(|t| t.kind == Kind::Str), "{name}");
    }
}

#[test]
fn the_tokenizer_reads_the_literals_of_ron() {
    let text = r##"x: -inf, y: 1.5e-3, z: -7, r: r#"a"b"#, s: "q\"t", c: '\'', /* c */ NaN"##;
    let kinds: Vec<(Kind, &str)> = mutate::tokenize(text)
        .iter()
        .filter(|t| t.kind != Kind::Space)
        .map(|t| (t.kind, &text[t.start..t.end]))
        .collect();
    for expected in [
        (Kind::Number, "-inf"),
        (Kind::Number, "1.5e-3"),
        (Kind::Number, "-7"),
        (Kind::Str, "r#\"a\"b\"#"),
        (Kind::Str, "\"q\\\"t\""),
        (Kind::Char, "'\\''"),
        (Kind::Comment, "/* c */"),
        (Kind::Number, "NaN"),
        (Kind::Ident, "x"),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} not in {kinds:?}");
    }
}

#[test]
fn a_mutant_is_a_pure_function_of_file_seed_and_index() {
    let corpus = corpus();
    let mut distinct = std::collections::BTreeSet::new();
    for index in 0..50 {
        let case = Case {
            file: 0,
            seed: 16,
            index,
        };
        let (a, log_a) = corpus.mutant(case);
        let (b, log_b) = corpus.mutant(case);
        assert_eq!(a, b);
        assert_eq!(log_a, log_b);
        distinct.insert(a);
    }
    assert!(
        distinct.len() > 40,
        "only {} distinct mutants",
        distinct.len()
    );
    let other_seed = corpus.mutant(Case {
        file: 0,
        seed: 17,
        index: 0,
    });
    assert_ne!(
        other_seed.0,
        corpus
            .mutant(Case {
                file: 0,
                seed: 16,
                index: 0
            })
            .0
    );
}

#[test]
fn the_engine_mutates_even_an_empty_or_one_line_file() {
    let corpus = Corpus {
        files: vec![
            ("empty.ron".to_string(), String::new()),
            ("one.ron".to_string(), "(x: 1)".to_string()),
        ],
    };
    for file in 0..2 {
        for index in 0..500 {
            let _ = corpus.mutant(Case {
                file,
                seed: 16,
                index,
            });
        }
    }
}
