//! The `cascade` command.
//!
//! Scenario files in, results out: `cascade run`, `check` and `digest` come
//! with issue 4. Until then the command only answers `--version` and
//! `--help`, and says so for anything else (exit code 2).

use std::process::ExitCode;

const USAGE: &str = "\
cascade: a deterministic simulator of the metastatic cascade

usage: cascade --version | --help

The scenario commands (run, check, digest) are not built yet; until they are,
try the kernel's examples:
  cargo run --release -p cascade-kernel --example mm1
  cargo run --release -p cascade-kernel --example birth_death
  cargo run --release -p cascade-kernel --example hold -- --pending 100000 --events 2000000
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version" | "-V") => {
            println!("cascade {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help" | "-h" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("cascade: unknown or not yet built command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
