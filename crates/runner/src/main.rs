//! The `cascade` command: scenario files in, results out. See
//! `cascade --help` and `docs/scenarios.md`.

use std::process::ExitCode;

fn main() -> ExitCode {
    cascade_runner::cli::main::<cascade_biology::NoExtension>()
}
