//! One `cascade run` as a subprocess under a memory limit and a watchdog
//! of processor time, and what became of it.

use std::fmt;
use std::fs::File;
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Address space the child may map, in KiB (`ulimit -v`): 6 GiB, above
/// the replicate's default memory budget (4 GiB,
/// `cascade_biology::model::DEFAULT_MEMORY_BUDGET`), so that a runaway
/// replicate should end by the budget (exit code 1) and not by the
/// system's refusal (an abort).
pub const MEMORY_KIB: u64 = 6 << 20;

/// Processor time after which the child is killed and counted as a hang.
/// Processor time, not wall time: on a loaded machine (CI's two cores
/// running the other tests) a run that needs 11 s of a core waited for
/// one long enough to pass a 60-second wall clock, and was counted as a
/// hang; a loop that never ends burns a core and is caught all the same.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Wall time after which the child is killed and counted as a hang even
/// if it used no processor time (one blocked for ever): ten times
/// [`WATCHDOG`].
pub const WALL_WATCHDOG: Duration = Duration::from_secs(600);

/// Exit codes a run may end with: success, a failed run (1), a refused
/// input (2), an I/O error (74).
pub const EXIT_CODES: &[i32] = &[0, 1, 2, 74];

/// How a run ended.
#[derive(Debug)]
pub struct Ending {
    /// The exit code, if it exited.
    pub code: Option<i32>,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    /// Killed by the watchdog.
    pub hung: bool,
    /// Wall time, in seconds.
    pub seconds: f64,
    /// Processor time, in seconds (as far as the last sample saw).
    pub processor_seconds: f64,
    /// Peak resident memory in MB (`VmHWM`, sampled while it ran).
    pub peak_mb: f64,
    pub stderr: String,
}

impl Ending {
    /// `hang`, `exit N` or `signal N`, for counts.
    pub fn kind(&self) -> String {
        match (self.hung, self.code, self.signal) {
            (true, ..) => "hang".to_string(),
            (false, Some(code), _) => format!("exit {code}"),
            (false, None, Some(signal)) => format!("signal {signal}"),
            (false, None, None) => "no exit status".to_string(),
        }
    }

    /// What is wrong with this ending, if anything: a hang, a signal (an
    /// abort, an out-of-memory kill), an exit code outside
    /// [`EXIT_CODES`], or a panic message.
    pub fn problem(&self) -> Option<String> {
        if self.hung {
            Some(format!(
                "hang: killed by the watchdog after {:.1} s ({:.1} s of processor time)",
                self.seconds, self.processor_seconds
            ))
        } else if let Some(signal) = self.signal {
            Some(format!("ended by signal {signal} (abort or out of memory)"))
        } else if !self.code.is_some_and(|c| EXIT_CODES.contains(&c)) {
            Some(format!("exit code {:?}", self.code))
        } else if self.stderr.contains("panicked") {
            Some("panicked".to_string())
        } else {
            None
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.hung {
            "killed by the watchdog".to_string()
        } else {
            self.kind()
        };
        write!(
            f,
            "{kind} after {:.2} s ({:.2} s of processor time), peak {:.0} MB",
            self.seconds, self.processor_seconds, self.peak_mb
        )?;
        let lines: Vec<&str> = self.stderr.lines().take(3).collect();
        if !lines.is_empty() {
            write!(f, "; stderr: {}", lines.join(" | "))?;
        }
        Ok(())
    }
}

/// Runs one replicate of `scenario` (`cascade run FILE --replicates 1
/// --threads 1 --format json`) under [`MEMORY_KIB`], [`WATCHDOG`] and
/// [`WALL_WATCHDOG`];
/// stdout and stderr go to files next to the scenario (a pipe that
/// fills would stall the child and look like a hang).
pub fn run_limited(scenario: &Path) -> Ending {
    let stdout_path = scenario.with_extension("stdout");
    let stderr_path = scenario.with_extension("stderr");
    let stdout = File::create(&stdout_path).expect("the stdout file can be created");
    let stderr = File::create(&stderr_path).expect("the stderr file can be created");
    let limit = format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\"");
    // The wall clock measures the harness; it decides no trajectory.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(limit)
        .arg(env!("CARGO_BIN_EXE_cascade"))
        .arg("run")
        .arg(scenario)
        .args(["--replicates", "1", "--threads", "1", "--format", "json"])
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("sh runs");
    let mut hung = false;
    let mut peak_kib = 0u64;
    let status_file = format!("/proc/{}/status", child.id());
    let schedstat_file = format!("/proc/{}/schedstat", child.id());
    let mut processor = Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if let Some(kib) = peak_resident_kib(&status_file) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(time) = processor_time(&schedstat_file) {
            processor = processor.max(time);
        }
        if processor > WATCHDOG || started.elapsed() > WALL_WATCHDOG {
            hung = true;
            let _ = child.kill();
            break child.wait().expect("the killed child can be waited for");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    let stderr = std::fs::read(&stderr_path).unwrap_or_default();
    Ending {
        code: status.code(),
        signal: status.signal(),
        hung,
        seconds,
        processor_seconds: processor.as_secs_f64(),
        peak_mb: peak_kib as f64 / 1024.0,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The processor time a process has run for, from the first field of its
/// `/proc/PID/schedstat` (nanoseconds on a processor). `sh -c "... exec"`
/// keeps its process id, so the child's file is the run's.
fn processor_time(schedstat_file: &str) -> Option<Duration> {
    let schedstat = std::fs::read_to_string(schedstat_file).ok()?;
    let nanoseconds = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

/// `VmHWM` of a `/proc/PID/status` file, in KiB.
fn peak_resident_kib(status_file: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
