//! `cascade._native`: the Rust side of the Python package `cascade`.
//!
//! Two functions, both thin: [`check`] loads a scenario file as `cascade
//! check` does and raises `cascade.ScenarioError` at the field that is
//! wrong; [`command`] runs one command line of the `cascade` binary
//! (`run` or `sweep`, through `cascade_runner::cli`, so that the digests
//! and tables are the command line's own) with the GIL released, and
//! turns Ctrl-C into Python's `KeyboardInterrupt` once the running
//! replicates have finished and been kept. Everything else (reading the
//! run directory into polars or pandas) is the package's Python.

use std::sync::mpsc;
use std::time::Duration;

use cascade_biology::NoExtension;
use cascade_runner::cli::{Cli, Failure};
use clap::Parser as _;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;

/// How often the waiting thread takes the GIL back to see whether Python
/// has a signal pending (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Loads the scenario file `path` as `cascade check` does and returns
/// what `cascade check` prints for a valid file.
///
/// Raises `cascade.ScenarioError(text, file, line, column, field,
/// message)` for an invalid one, `text` being what `cascade check`
/// prints after `error: `.
#[pyfunction]
fn check(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    match py.detach(|| cascade_runner::load::<NoExtension>(&path)) {
        Ok(scenario) => Ok(cascade_runner::cli::describe(&scenario)),
        Err(error) => Err(scenario_error(py, &error)),
    }
}

/// `cascade.ScenarioError` for `error`, with its file, line, column,
/// field and message.
fn scenario_error(py: Python<'_>, error: &cascade_runner::ScenarioError) -> PyErr {
    let made = py
        .import("cascade")
        .and_then(|module| module.getattr("ScenarioError"))
        .and_then(|class| {
            class.call1((
                error.to_string(),
                error.file.display().to_string(),
                error.position.map(|(line, _)| line),
                error.position.map(|(_, column)| column),
                error.field.clone(),
                error.message.clone(),
            ))
        });
    match made {
        Ok(value) => PyErr::from_value(value),
        Err(failed) => failed,
    }
}

/// Runs the command line `arguments` (without the program's name, such
/// as `["run", "FILE", "--out", "DIR"]`) as the `cascade` binary would,
/// and returns what it prints on standard output.
///
/// The command runs on a thread of its own while this one waits with the
/// GIL released, taking it back every 50 ms to let Python see a signal:
/// on Ctrl-C the run takes no new replicate, finishes and keeps those
/// running (in `--out`, where `--resume` finds them), and then
/// `KeyboardInterrupt` is raised. A failure raises `cascade.CascadeError`
/// with the command line's message and exit code.
#[pyfunction]
fn command(py: Python<'_>, arguments: Vec<String>) -> PyResult<String> {
    let cli = Cli::try_parse_from(std::iter::once("cascade".to_string()).chain(arguments))
        .map_err(|e| cascade_error(py, e.to_string().trim_end(), 2))?;
    let (sender, receiver) = mpsc::channel();
    // Behind a mutex to be shared with the GIL released (`detach` needs `Sync`).
    let receiver = std::sync::Mutex::new(receiver);
    let worker = std::thread::Builder::new()
        .name("cascade".into())
        .spawn(move || {
            let _ = sender.send(cascade_runner::cli::text_of::<NoExtension>(cli.command));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the run's thread: {e}")))?;
    let mut signal: Option<PyErr> = None;
    let result = loop {
        let waited = py.detach(|| match receiver.lock() {
            Ok(receiver) => receiver.recv_timeout(SIGNAL_POLL),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        });
        match waited {
            Ok(result) => break Some(result),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(error) = py.check_signals() {
                    cascade_runner::progress::interrupt();
                    signal.get_or_insert(error);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break None,
        }
    };
    let _ = py.detach(move || worker.join());
    match (result, signal) {
        (Some(Err(Failure::Interrupted(line))), _) => Err(PyKeyboardInterrupt::new_err(line)),
        (_, Some(error)) => Err(error),
        (Some(Ok(text)), None) => Ok(text),
        (Some(Err(failure)), None) => {
            let code = failure.exit_code();
            let (Failure::Input(message)
            | Failure::Run(message)
            | Failure::Io(message)
            | Failure::Interrupted(message)) = failure;
            Err(cascade_error(py, &message, code))
        }
        (None, None) => Err(PyRuntimeError::new_err(
            "the run's thread ended without a result (a panic: please report it)",
        )),
    }
}

/// `cascade.CascadeError(message, exit_code)`.
fn cascade_error(py: Python<'_>, message: &str, exit_code: u8) -> PyErr {
    let made = py
        .import("cascade")
        .and_then(|module| module.getattr("CascadeError"))
        .and_then(|class| class.call1((message, exit_code)));
    match made {
        Ok(value) => PyErr::from_value(value),
        Err(failed) => failed,
    }
}

/// The version of the runner this package was built with (`0.1.0`), as
/// `cascade --version` prints it.
#[pyfunction]
fn version() -> String {
    cascade_runner::cli::version_text::<NoExtension>()
}

/// The Rust side of the package `cascade`.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // Ctrl-C stays Python's: the runner installs no handler of its own and
    // is stopped through `interrupt` instead.
    cascade_runner::progress::leave_signals_to_host();
    module.add_function(wrap_pyfunction!(check, module)?)?;
    module.add_function(wrap_pyfunction!(command, module)?)?;
    module.add_function(wrap_pyfunction!(version, module)?)?;
    Ok(())
}
