//! The hold benchmark as a command anyone can run:
//!
//! ```text
//! cargo run --release -p cascade-kernel --example hold -- --pending 100000 --events 2000000
//! cargo run --release -p cascade-kernel --example hold -- --pending 100000 --events 2000000 --reschedule
//! ```
//!
//! Prints one JSON line: the kernel's and the baseline's (a plain
//! `BinaryHeap` loop, run in the same process) holds per second, and the
//! ratio of the kernel's time per hold to the baseline's (below 1: the kernel
//! is faster). Each side is run three times, alternating, and the fastest
//! run of each is reported (the least disturbed by the rest of the machine).

mod models;

use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    let mut kernel_best = Duration::MAX;
    let mut baseline_best = Duration::MAX;
    for _ in 0..3 {
        if options.reschedule {
            let layout = if options.lazy {
                cascade_kernel::EventSetLayout::Lazy
            } else {
                cascade_kernel::EventSetLayout::Split
            };
            let mut sim = models::kernel_reschedule_with(pending, seed, layout);
            kernel_best =
                kernel_best.min(timed(|| models::run_kernel_reschedule(&mut sim, events)));
            let mut heap = models::BaselineHold::new(pending, seed);
            baseline_best = baseline_best.min(timed(|| heap.run_reschedule(events)));
        } else {
            let mut sim = models::kernel_hold(pending, seed);
            kernel_best = kernel_best.min(timed(|| models::run_kernel_hold(&mut sim, events)));
            let mut heap = models::BaselineHold::new(pending, seed);
            baseline_best = baseline_best.min(timed(|| heap.run_hold(events)));
        }
    }
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    println!(
        "{{\"model\":\"{}\",\"pending\":{},\"events\":{},\"kernel_holds_per_second\":{:.0},\"baseline_holds_per_second\":{:.0},\"kernel_time_over_baseline_time\":{:.3}}}",
        if options.reschedule && options.lazy {
            "hold-reschedule-lazy"
        } else if options.reschedule {
            "hold-reschedule"
        } else {
            "hold"
        },
        pending,
        events,
        rate(kernel_best),
        rate(baseline_best),
        kernel_best.as_secs_f64() / baseline_best.as_secs_f64(),
    );
    ExitCode::SUCCESS
}
