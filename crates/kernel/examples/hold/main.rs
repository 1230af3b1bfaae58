//! The hold benchmark as a command anyone can run:
//!
//! ```text
//! cargo run --release -p cascade-kernel --example hold -- --pending 100000 --events 2000000
//! cargo run --release -p cascade-kernel --example hold -- --pending 100000 --events 2000000 --reschedule
//! cargo run --release -p cascade-kernel --example hold -- --pending 100000 --events 2000000 --reschedule --lazy
//! ```
//!
//! Prints one JSON line per kernel run: the kernel's and the baseline's (a
//! plain `BinaryHeap` loop, run in the same process) holds per second, and
//! the ratio of the kernel's time per hold to the baseline's (below 1: the
//! kernel is faster). `--reschedule` prints two lines, one for the default
//! `Split` layout (events with a handle in `priority-queue`) and one for the
//! `Lazy` layout, against the same baseline runs; `--lazy` measures the
//! `Lazy` layout alone. Each kernel and the baseline run three times,
//! alternating, and the fastest run of each is reported (the least
//! disturbed by the rest of the machine).

mod models;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cascade_kernel::EventSetLayout;

struct Options {
    pending: u32,
    events: u64,
    reschedule: bool,
    lazy: bool,
    seed: u64,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        pending: 100_000,
        events: 2_000_000,
        reschedule: false,
        lazy: false,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--pending" => {
                options.pending = value("--pending")?
                    .parse()
                    .map_err(|e| format!("--pending: {e}"))?;
            }
            "--events" => {
                options.events = value("--events")?
                    .parse()
                    .map_err(|e| format!("--events: {e}"))?;
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?;
            }
            "--reschedule" => options.reschedule = true,
            "--lazy" => options.lazy = true,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; expected --pending N, --events M, --seed S, --reschedule, --lazy"
                ));
            }
        }
    }
    if options.pending == 0 {
        return Err("--pending must be at least 1".into());
    }
    Ok(options)
}

/// Time of `f`, which must not be optimised away (it returns its result).
#[allow(clippy::disallowed_methods)] // wall clock for a benchmark, off the trajectory
fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    std::hint::black_box(f());
    start.elapsed()
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("hold: {message}");
            return ExitCode::from(2);
        }
    };
    let (pending, events, seed) = (options.pending, options.events, options.seed);
    // What to measure against the baseline: the model's name, and the
    // layout for the reschedule variant (the plain hold uses the default).
    let kernels: Vec<(&str, Option<EventSetLayout>)> = match (options.reschedule, options.lazy) {
        (false, _) => vec![("hold", None)],
        (true, false) => vec![
            ("hold-reschedule", Some(EventSetLayout::Split)),
            ("hold-reschedule-lazy", Some(EventSetLayout::Lazy)),
        ],
        (true, true) => vec![("hold-reschedule-lazy", Some(EventSetLayout::Lazy))],
    };
    let mut kernel_best = vec![Duration::MAX; kernels.len()];
    let mut baseline_best = Duration::MAX;
    for _ in 0..3 {
        for (best, &(_, layout)) in kernel_best.iter_mut().zip(&kernels) {
            let time = match layout {
                None => {
                    let mut sim = models::kernel_hold(pending, seed);
                    timed(|| models::run_kernel_hold(&mut sim, events))
                }
                Some(layout) => {
                    let mut sim = models::kernel_reschedule_with(pending, seed, layout);
                    timed(|| models::run_kernel_reschedule(&mut sim, events))
                }
            };
            *best = (*best).min(time);
        }
        let mut heap = models::BaselineHold::new(pending, seed);
        let time = if options.reschedule {
            timed(|| heap.run_reschedule(events))
        } else {
            timed(|| heap.run_hold(events))
        };
        baseline_best = baseline_best.min(time);
    }
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    for (&(model, layout), best) in kernels.iter().zip(kernel_best) {
        println!(
            "{{\"model\":\"{model}\",\"layout\":\"{:?}\",\"pending\":{pending},\"events\":{events},\"kernel_holds_per_second\":{:.0},\"baseline_holds_per_second\":{:.0},\"kernel_time_over_baseline_time\":{:.3}}}",
            layout.unwrap_or_default(),
            rate(best),
            rate(baseline_best),
            best.as_secs_f64() / baseline_best.as_secs_f64(),
        );
    }
    ExitCode::SUCCESS
}
