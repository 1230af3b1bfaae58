//! What a run says on standard error while its units run, and how it
//! stops on Ctrl-C.
//!
//! On a terminal (and without `CI` in the environment) a bar; otherwise
//! (a Slurm log, a pipe) a line at most every [`DEFAULT_PROGRESS_SECONDS`]
//! seconds, or every `CASCADE_PROGRESS_SECONDS`:
//!
//! ```text
//! quickstart.ron: 1200/2000 replicates, 3.1 per second, eta 4m 18s
//! ```
//!
//! The rate and the ETA are this process's own: units it ran over the time
//! since it started them, not counting units a `--resume` read back from
//! the store. The wall clock decides only what these lines say, never a
//! result.
//!
//! Ctrl-C (SIGINT, and SIGTERM as Slurm sends at a job's time limit, and
//! SIGHUP) while units run only sets a flag: the workers take no new
//! unit, those running finish, and the command commits what it holds and
//! says so. A second signal, or one outside that time, ends the process at
//! once. Either way the exit code is 128 + the first signal's number, as a
//! shell reports a process the signal ended: 130 for Ctrl-C, 143 for
//! SIGTERM ([`interrupted_exit_code`]).
//!
//! A host that keeps its own signal handling (the Python package, where
//! Ctrl-C is Python's `KeyboardInterrupt`) calls [`leave_signals_to_host`]
//! before its first run: no handler is installed, so no signal ends the
//! process from here, and the host calls [`interrupt`] when its own
//! handler sees one. Each run starts uninterrupted.

use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The exit code of a run stopped by Ctrl-C (a command's
/// `Failure::Interrupted`): 128 + SIGINT, as a shell reports it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit code of a run stopped by SIGTERM: 128 + SIGTERM.
pub const EXIT_TERMINATED: u8 = 143;

/// SIGINT's number, the signal taken for an interruption whose signal is
/// not known (a simulated one, or a platform without numbers).
const SIGINT: i32 = 2;

/// The environment variable that sets the seconds between progress lines
/// (a decimal number; `0` prints a line after every unit).
pub const PROGRESS_SECONDS_VARIABLE: &str = "CASCADE_PROGRESS_SECONDS";

/// The seconds between progress lines when standard error is not a
/// terminal.
pub const DEFAULT_PROGRESS_SECONDS: f64 = 10.0;

/// The progress of one command's units.
pub(crate) struct Progress {
    label: String,
    noun: String,
    total: u64,
    /// Units this process ran.
    ran: AtomicU64,
    /// Units read back from the store.
    stored: AtomicU64,
    started: Instant,
    shown: Shown,
}

enum Shown {
    Bar(indicatif::ProgressBar),
    Lines {
        every: Duration,
        last: Mutex<Instant>,
    },
}

impl Progress {
    /// Progress of `total` units (counted as `noun`s) of the run `label`.
    pub(crate) fn new(total: u64, label: &str, noun: &str) -> Progress {
        let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        // The wall clock, for what progress says only.
        #[allow(clippy::disallowed_methods)]
        let started = Instant::now();
        let shown = if on_terminal {
            Shown::Bar(bar(total, label, noun))
        } else {
            Shown::Lines {
                every: line_interval(),
                last: Mutex::new(started),
            }
        };
        Progress {
            label: label.to_string(),
            noun: noun.to_string(),
            total,
            ran: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            started,
            shown,
        }
    }

    /// One more unit done: run by this process (`ran`) or read back from
    /// the store; `message`, if any, is the bar's new message.
    pub(crate) fn tick(&self, ran: bool, message: Option<String>) {
        if ran {
            self.ran.fetch_add(1, Ordering::Relaxed);
        } else {
            self.stored.fetch_add(1, Ordering::Relaxed);
        }
        match &self.shown {
            Shown::Bar(bar) => {
                bar.inc(1);
                bar.set_prefix(format!("eta {}", self.eta()));
                if let Some(text) = message {
                    bar.set_message(text);
                }
            }
            Shown::Lines { every, last } => {
                #[allow(clippy::disallowed_methods)] // when to print, not what is run
                let now = Instant::now();
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if now.duration_since(*last) >= *every {
                    *last = now;
                    eprintln!("{}", self.line());
                }
            }
        }
    }

    /// Clears the bar.
    pub(crate) fn finish(self) {
        if let Shown::Bar(bar) = self.shown {
            bar.finish_and_clear();
        }
    }

    /// `quickstart.ron: 1200/2000 replicates, 3.1 per second, eta 4m 18s`.
    fn line(&self) -> String {
        let done = self.ran.load(Ordering::Relaxed) + self.stored.load(Ordering::Relaxed);
        format!(
            "{}: {done}/{} {}s, {:.1} per second, eta {}",
            self.label,
            self.total,
            self.noun,
            self.rate(),
            self.eta()
        )
    }

    /// Units this process ran per second since it started them.
    fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.ran.load(Ordering::Relaxed) as f64 / seconds
        } else {
            0.0
        }
    }

    /// The time left at this process's own rate: `4m 18s`, or `unknown`
    /// before it has run a unit.
    fn eta(&self) -> String {
        let done = self.ran.load(Ordering::Relaxed) + self.stored.load(Ordering::Relaxed);
        let rate = self.rate();
        if self.ran.load(Ordering::Relaxed) == 0 || rate <= 0.0 {
            return "unknown".to_string();
        }
        duration_text(self.total.saturating_sub(done) as f64 / rate)
    }
}

/// The terminal's bar, with the ETA in its prefix (set by
/// [`Progress::tick`]: indicatif's own would count the units read back
/// from the store as progress).
fn bar(total: u64, label: &str, noun: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {noun}s, {{elapsed}} elapsed, {{prefix}}"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_string());
    bar.set_prefix("eta unknown");
    bar
}

/// The seconds between lines: `CASCADE_PROGRESS_SECONDS` if it is a
/// number ≥ 0, else [`DEFAULT_PROGRESS_SECONDS`].
fn line_interval() -> Duration {
    let seconds = std::env::var(PROGRESS_SECONDS_VARIABLE)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(DEFAULT_PROGRESS_SECONDS);
    Duration::from_secs_f64(seconds)
}

/// `seconds` as `12s`, `4m 18s` or `2h 05m`.
pub(crate) fn duration_text(seconds: f64) -> String {
    let whole = seconds.max(0.0).round().min(u64::MAX as f64) as u64;
    match whole {
        0..60 => format!("{whole}s"),
        60..3600 => format!("{}m {:02}s", whole / 60, whole % 60),
        _ => format!("{}h {:02}m", whole / 3600, whole % 3600 / 60),
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static ARMED: AtomicBool = AtomicBool::new(false);
static HANDLER: std::sync::Once = std::sync::Once::new();
/// Whether the host handles the signals ([`leave_signals_to_host`]).
static HOST_HANDLES_SIGNALS: AtomicBool = AtomicBool::new(false);
/// The number of the first signal that interrupted the run.
static SIGNAL: AtomicI32 = AtomicI32::new(SIGINT);

/// Whether Ctrl-C (or SIGTERM) came while units ran: take no new unit.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The exit code of an interrupted run: 128 + the number of the signal
/// that interrupted it ([`EXIT_INTERRUPTED`] for Ctrl-C,
/// [`EXIT_TERMINATED`] for SIGTERM).
pub fn interrupted_exit_code() -> u8 {
    exit_code(SIGNAL.load(Ordering::SeqCst))
}

/// 128 + `signal`, as a shell reports a process that `signal` ended.
fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal.clamp(1, 127)).unwrap_or(EXIT_INTERRUPTED)
}

/// Leaves SIGINT, SIGTERM and SIGHUP to the host process: no handler
/// of this crate is installed by the runs after this call (call it before
/// the first), and the host stops a run with [`interrupt`].
pub fn leave_signals_to_host() {
    HOST_HANDLES_SIGNALS.store(true, Ordering::SeqCst);
}

/// Stops the running units as Ctrl-C would (the workers take no new
/// unit, those running finish, and the command keeps what it holds), for
/// a host that handles the signals itself ([`leave_signals_to_host`]).
/// Outside a run it does nothing.
pub fn interrupt() {
    if ARMED.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
        SIGNAL.store(SIGINT, Ordering::SeqCst);
    }
}

/// While alive, a signal sets [`interrupted`] instead of ending the
/// process (see the module's documentation).
pub(crate) struct Armed(());

impl Armed {
    /// Installs the handler (once per process, unless the host handles
    /// the signals) and arms it, for a run that starts uninterrupted.
    pub(crate) fn new() -> Armed {
        if !HOST_HANDLES_SIGNALS.load(Ordering::SeqCst) {
            HANDLER.call_once(install_handler);
        }
        INTERRUPTED.store(false, Ordering::SeqCst);
        SIGNAL.store(SIGINT, Ordering::SeqCst);
        ARMED.store(true, Ordering::SeqCst);
        Armed(())
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::SeqCst);
    }
}

/// Handles SIGINT, SIGTERM and SIGHUP on a thread of its own. Without a
/// handler (the signals cannot be caught) a signal ends the process as it
/// always did.
#[cfg(unix)]
fn install_handler() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                on_signal(signal);
            }
        });
}

/// Handles Ctrl-C (and the platform's termination signals) through
/// ctrlc, which does not tell them apart: each counts as SIGINT.
#[cfg(not(unix))]
fn install_handler() {
    let _ = ctrlc::set_handler(|| on_signal(SIGINT));
}

/// Runs on the handler's own thread (not in the signal's context).
fn on_signal(signal: i32) {
    if ARMED.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
        SIGNAL.store(signal, Ordering::SeqCst);
        // The command says what it kept once the running units finish.
        return;
    }
    if !INTERRUPTED.load(Ordering::SeqCst) {
        SIGNAL.store(signal, Ordering::SeqCst);
    }
    eprintln!(
        "interrupted: stopped at once; the replicates committed are kept, and --resume finishes the run"
    );
    std::process::exit(i32::from(interrupted_exit_code()));
}

#[cfg(test)]
mod tests {
    use super::{EXIT_INTERRUPTED, EXIT_TERMINATED, duration_text, exit_code};

    #[test]
    fn a_signal_s_exit_code_is_128_and_its_number() {
        assert_eq!(exit_code(2), EXIT_INTERRUPTED);
        assert_eq!(exit_code(15), EXIT_TERMINATED);
        assert_eq!(exit_code(1), 129);
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration_text(0.4), "0s");
        assert_eq!(duration_text(12.0), "12s");
        assert_eq!(duration_text(258.0), "4m 18s");
        assert_eq!(duration_text(7500.0), "2h 05m");
    }
}
