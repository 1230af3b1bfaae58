//! The `cascade` command as a user calls it.

use std::process::Command;

fn cascade(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(args)
        .output()
        .expect("the cascade binary runs")
}

#[test]
fn version_names_the_command() {
    let out = cascade(&["--version"]);
    assert!(out.status.success());
    // The workspace's version, a real one; the plain binary names no
    // extension (a lab's binary does, with its version: tests/it/extension.rs).
    let version = env!("CARGO_PKG_VERSION");
    assert_ne!(version, "0.0.0");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("cascade {version}\n")
    );
}

#[test]
fn unknown_commands_are_refused_with_usage() {
    let out = cascade(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("frobnicate"), "{stderr}");
    assert!(stderr.contains("Usage"), "{stderr}");
}

#[test]
fn help_documents_the_exit_codes() {
    let out = cascade(&["--help"]);
    assert!(out.status.success());
    // clap wraps the help to the terminal's width: compare the words, not
    // the line breaks.
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "Exit codes",
        "0 success",
        "1 a run failed",
        "2 invalid input",
        "74 an I/O failure",
    ] {
        assert!(help.contains(words), "{words:?} missing from:\n{help}");
    }
}
