//! `cascade slurm`: a sweep as a Slurm job array of slices plus a merge
//! job that runs when every slice has succeeded. `cascade` schedules
//! nothing itself: it writes two `sbatch` scripts and, with `--submit`,
//! hands them to `sbatch`.
//!
//! ```text
//! DIR/slurm/slices.sbatch   the array: task i runs `cascade sweep FILE --shard i/N --out DIR/slices/i --resume`
//! DIR/slurm/merge.sbatch    `cascade merge --out DIR/merged DIR/slices/0 ... DIR/slices/N-1`
//! DIR/slurm/slice-<i>.log   each task's output; merge.log the merge's
//! DIR/slices/<i>/           each slice's output directory
//! DIR/merged/               the joined result: the files one machine's sweep writes
//! ```
//!
//! Slices run with `--resume`, so resubmitting a failed task finishes its
//! slice; the merge job depends on the array with `afterok` and is
//! cancelled by Slurm (`--kill-on-invalid-dep=yes`) if a slice fails.

use core::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::execute::Failure;
use crate::output::write_atomic;
use crate::scenario::{ScenarioExtension, load};
use crate::sweep::grid;

/// What `cascade slurm` was asked to do.
#[derive(Clone, Debug)]
pub struct SlurmRequest<'a> {
    /// The scenario file, as given (relative to the working directory,
    /// which the jobs also run in).
    pub file: &'a Path,
    /// How many slices (array tasks).
    pub shards: u64,
    /// Where the scripts, slices and merged results go.
    pub out: &'a Path,
    /// The seed (default: the file's).
    pub seed: Option<u64>,
    /// Replicates per point (default: the file's).
    pub replicates: Option<u64>,
    /// `--partition` for both jobs.
    pub partition: Option<String>,
    /// `--time` per slice (Slurm's format, such as `2:00:00`).
    pub time: Option<String>,
    /// `--mem` per slice (such as `4G`).
    pub mem: Option<String>,
    /// CPUs per slice; the slice runs that many threads.
    pub cpus_per_task: u32,
    /// Submit with `sbatch` (else only write the scripts).
    pub submit: bool,
    /// After submitting, wait for the merge job to end and report.
    pub wait: bool,
    /// How the merged tables are written.
    pub format: crate::output::TableFormat,
}

/// A shell word: single-quoted, with single quotes escaped.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Writes the scripts (and with `submit`, submits them); returns the text
/// for standard output: what was written, how to follow the jobs, and how
/// to re-run failed slices.
///
/// # Errors
///
/// [`Failure::Input`] for an invalid scenario or request;
/// [`Failure::Run`] if a file cannot be written or `sbatch` fails.
pub fn slurm<X: ScenarioExtension>(request: &SlurmRequest<'_>) -> Result<String, Failure> {
    let scenario = load::<X>(request.file).map_err(|e| Failure::Input(e.to_string()))?;
    let grid =
        grid(&scenario).map_err(|m| Failure::Input(format!("{}: {m}", request.file.display())))?;
    let seed = request.seed.unwrap_or(scenario.file.seed);
    let replicates = request.replicates.unwrap_or(scenario.file.replicates);
    let units = grid.points() * replicates;
    if request.shards == 0 || request.shards > units {
        return Err(Failure::Input(format!(
            "--shards {} is invalid, expected 1 to {units} (the sweep has {} points × {replicates} replicates)",
            request.shards,
            grid.points()
        )));
    }
    if request.cpus_per_task == 0 {
        return Err(Failure::Input(
            "--cpus-per-task 0 is invalid, expected at least 1".into(),
        ));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Failure::Run(format!("cannot find the cascade binary: {e}")))?;
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::Run(format!("cannot read the working directory: {e}")))?;
    let out = request.out;
    let scripts = out.join("slurm");
    std::fs::create_dir_all(&scripts).map_err(|e| {
        Failure::Io(format!(
            "{}: cannot create the directory: {e}",
            scripts.display()
        ))
    })?;
    let n = request.shards;
    let mut common = String::new();
    let _ = writeln!(common, "#SBATCH --chdir={}", path_text(&cwd));
    if let Some(p) = &request.partition {
        let _ = writeln!(common, "#SBATCH --partition={p}");
    }

    let mut slices = String::from("#!/bin/bash\n");
    let _ = writeln!(slices, "#SBATCH --job-name=cascade-slices");
    let _ = writeln!(slices, "#SBATCH --array=0-{}", n - 1);
    slices.push_str(&common);
    let _ = writeln!(
        slices,
        "#SBATCH --output={}",
        path_text(&scripts.join("slice-%a.log"))
    );
    let _ = writeln!(slices, "#SBATCH --cpus-per-task={}", request.cpus_per_task);
    if let Some(t) = &request.time {
        let _ = writeln!(slices, "#SBATCH --time={t}");
    }
    if let Some(m) = &request.mem {
        let _ = writeln!(slices, "#SBATCH --mem={m}");
    }
    let _ = writeln!(
        slices,
        "# Written by `cascade slurm`: slice $SLURM_ARRAY_TASK_ID of {n} of the sweep of {}.\n\
         # A failed slice resumes where it stopped: sbatch --array=I,J {}",
        request.file.display(),
        path_text(&scripts.join("slices.sbatch"))
    );
    slices.push_str("set -euo pipefail\n");
    let _ = writeln!(
        slices,
        "exec {} sweep {} --seed {seed} --replicates {replicates} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --out {}\"/${{SLURM_ARRAY_TASK_ID}}\" --resume",
        quote(&path_text(&exe)),
        quote(&path_text(request.file)),
        quote(&path_text(&out.join("slices")))
    );

    let mut merge = String::from("#!/bin/bash\n");
    let _ = writeln!(merge, "#SBATCH --job-name=cascade-merge");
    merge.push_str(&common);
    let _ = writeln!(
        merge,
        "#SBATCH --output={}",
        path_text(&scripts.join("merge.log"))
    );
    // If a slice fails, the dependency can never be met: cancel the merge
    // instead of leaving it pending forever.
    merge.push_str("#SBATCH --kill-on-invalid-dep=yes\n");
    let _ = writeln!(
        merge,
        "# Written by `cascade slurm`: joins the {n} slices into {}.",
        path_text(&out.join("merged"))
    );
    merge.push_str("set -euo pipefail\n");
    let _ = write!(
        merge,
        "exec {} merge{} --out {}",
        quote(&path_text(&exe)),
        match request.format {
            crate::output::TableFormat::Csv => "",
            crate::output::TableFormat::Parquet => " --format parquet",
        },
        quote(&path_text(&out.join("merged")))
    );
    for i in 0..n {
        let _ = write!(
            merge,
            " {}",
            quote(&path_text(&out.join("slices").join(i.to_string())))
        );
    }
    merge.push('\n');

    let slices_path = scripts.join("slices.sbatch");
    let merge_path = scripts.join("merge.sbatch");
    let fail = Failure::writing;
    write_atomic(&slices_path, slices.as_bytes()).map_err(fail)?;
    write_atomic(&merge_path, merge.as_bytes()).map_err(fail)?;

    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} points × {replicates} replicates = {units} units in {n} slices",
        request.file.display(),
        grid.points()
    );
    let _ = writeln!(text, "wrote {}", slices_path.display());
    let _ = writeln!(text, "wrote {}", merge_path.display());
    if !request.submit {
        let _ = writeln!(
            text,
            "submit with:\n  array=$(sbatch --parsable {})\n  sbatch --dependency=afterok:$array {}",
            slices_path.display(),
            merge_path.display()
        );
        return Ok(text);
    }
    let array = sbatch(&[path_text(&slices_path)])?;
    let mut merge_args = vec![format!("--dependency=afterok:{array}")];
    if request.wait {
        merge_args.push("--wait".into());
    }
    merge_args.push(path_text(&merge_path));
    let _ = writeln!(
        text,
        "submitted the slices as job array {array} ({n} tasks)"
    );
    let follow = format!(
        "follow: squeue -j {array}; logs in {}; results in {} once the merge has run\n\
         if a slice fails, the merge is cancelled: resubmit only the failed slices with\n  sbatch --array=I,J {}\n\
         then the merge with\n  sbatch --dependency=afterok:<that job> {}",
        scripts.display(),
        out.join("merged").display(),
        slices_path.display(),
        merge_path.display()
    );
    if request.wait {
        // `sbatch --wait` returns when the merge ends, with its exit code.
        crate::execute::emit(&text)?;
        text.clear();
        // A merge cancelled because a slice failed can leave sbatch with
        // exit code 0: the merged manifest is what says it succeeded.
        let waited = sbatch(&merge_args);
        if out.join("merged").join("manifest.json").is_file() {
            let _ = writeln!(
                text,
                "the merge (job {}) finished: results in {}",
                waited.unwrap_or_default(),
                out.join("merged").display()
            );
        } else {
            let failed: Vec<u64> = (0..n)
                .filter(|i| {
                    !out.join("slices")
                        .join(i.to_string())
                        .join("manifest.json")
                        .is_file()
                })
                .collect();
            let mut message = if failed.is_empty() {
                format!(
                    "the merge did not succeed though every slice finished: see {}",
                    scripts.join("merge.log").display()
                )
            } else {
                format!(
                    "the merge did not succeed: slices {} failed (see {}); the merge was cancelled.\n\
                     resubmit only the failed slices, then the merge:\n  array=$(sbatch --parsable --array={} {})\n  sbatch --dependency=afterok:$array {}",
                    failed
                        .iter()
                        .map(|i| format!("{i}/{n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    scripts.join("slice-<i>.log").display(),
                    failed
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    slices_path.display(),
                    merge_path.display()
                )
            };
            if let Err(Failure::Run(detail) | Failure::Input(detail) | Failure::Io(detail)) = waited
            {
                let _ = write!(message, "\n({detail})");
            }
            return Err(Failure::Run(message));
        }
    } else {
        let merge_job = sbatch(&merge_args)?;
        let _ = writeln!(
            text,
            "submitted the merge as job {merge_job}, to run when every slice has succeeded"
        );
        let _ = writeln!(text, "{follow}");
    }
    Ok(text)
}

/// Runs `sbatch --parsable ARGS` and returns the job id.
fn sbatch(args: &[String]) -> Result<String, Failure> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .map_err(|e| Failure::Run(format!("cannot run sbatch (is Slurm installed?): {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(Failure::Run(format!(
            "sbatch {} failed ({}): {}{}",
            args.join(" "),
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // `--parsable` prints `id` or `id;cluster`.
    let id = stdout
        .lines()
        .last()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if id.is_empty() {
        return Err(Failure::Run(format!(
            "sbatch {} printed no job id",
            args.join(" ")
        )));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn shell_words_are_quoted() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
