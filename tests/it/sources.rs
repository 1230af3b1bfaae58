//! The sources travel with the code (issue 16): no file of the repository
//! cites a path outside it, and every citation of the bibliography by
//! section, `docs/references.md#host-organs-soil` for example, names a
//! heading of `docs/references.md`.
//!
//! The reference list and the model's specification once lived in a
//! sibling directory that a clone does not have; the names they had there
//! are refused too. The files checked are the ones git tracks or would
//! track (`git ls-files --cached --others --exclude-standard`), or, without
//! git, every file under the root but `target/` and `.git/`; binary files
//! are skipped.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Path fragments that point outside the repository, or at files that are
/// not in it. Written in pieces so that this file does not cite them.
const OUTSIDE: &[&str] = &[concat!("..", "/shared")];

/// File names, matched as whole words (case-sensitive), of files that are
/// not in the repository; `docs/model.md` and `docs/references.md` are.
const ABSENT: &[&str] = &[concat!("REFERENCES", ".md"), concat!("MODEL", ".md")];

/// What precedes a section anchor of the bibliography in a citation.
const BIBLIOGRAPHY: &str = "references.md#";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's files, relative to `root`, sorted.
fn files(root: &Path) -> Vec<PathBuf> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output();
    let mut files: Vec<PathBuf> = match listed {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => out
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
            .collect(),
        _ => {
            let mut found = Vec::new();
            walk(root, Path::new(""), &mut found);
            found
        }
    };
    files.sort();
    files.dedup();
    files
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let path = dir.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name != "target" && name != ".git" {
                walk(root, &path, found);
            }
        } else if kind.is_file() {
            found.push(path);
        }
    }
}

/// The file's text, or `None` for a binary (NUL bytes, not UTF-8) or
/// missing file (deleted but still in git's index).
fn text(path: &Path) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as '-'.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if is_word(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown file's headings (outside fenced code), with
/// GitHub's `-1`, `-2` suffixes for repeated headings.
fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = anchor(&line[hashes..]);
        let n = seen.entry(base.clone()).or_insert(0);
        out.push(if *n == 0 { base } else { format!("{base}-{n}") });
        *n += 1;
    }
    out
}

/// The targets of the markdown links `[text](target)` and the reference
/// definitions `[label]: target` on a line.
fn link_targets(line: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after
            .find(|c: char| c == ')' || c.is_whitespace())
            .unwrap_or(after.len());
        targets.push(after[..end].trim_start_matches('<').trim_end_matches('>'));
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && let Some(at) = trimmed.find("]: ")
        && let Some(target) = trimmed[at + 3..].split_whitespace().next()
    {
        targets.push(target);
    }
    targets
}

/// Whether a relative link target, from a file in `dir` (relative to the
/// root), stays inside the root.
fn stays_inside(dir: &Path, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    let mut depth = dir.components().count();
    for component in Path::new(target).components() {
        match component {
            Component::ParentDir => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// What is wrong with one file: each problem as `path:line: what`.
fn problems(path: &Path, text: &str, sections: &[String]) -> Vec<String> {
    let shown = path.display();
    let markdown = path.extension().is_some_and(|e| e == "md");
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = i + 1;
        for outside in OUTSIDE {
            if line.contains(outside) {
                found.push(format!(
                    "{shown}:{at}: cites {outside}, outside the repository"
                ));
            }
        }
        for name in ABSENT {
            for (start, _) in line.match_indices(name) {
                let before = line[..start].chars().next_back();
                let after = line[start + name.len()..].chars().next();
                if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                    found.push(format!(
                        "{shown}:{at}: cites {name}, which is not in the repository \
                         (docs/references.md and docs/model.md are)"
                    ));
                }
            }
        }
        for (start, _) in line.match_indices(BIBLIOGRAPHY) {
            let cited: String = line[start + BIBLIOGRAPHY.len()..]
                .chars()
                .take_while(|&c| is_word(c))
                .collect();
            if !cited.is_empty() && !sections.contains(&cited) {
                found.push(format!(
                    "{shown}:{at}: docs/references.md#{cited} is not a heading of docs/references.md"
                ));
            }
        }
        if markdown {
            for target in link_targets(line) {
                let local = !target.contains("://") && !target.starts_with("mailto:");
                let file = target.split(['#', '?']).next().unwrap_or("");
                if local && !file.is_empty() && !stays_inside(dir, file) {
                    found.push(format!(
                        "{shown}:{at}: links to {target}, outside the repository"
                    ));
                }
                if path == Path::new("docs/references.md")
                    && let Some(own) = target.strip_prefix('#')
                    && !sections.iter().any(|s| s == own)
                {
                    found.push(format!("{shown}:{at}: #{own} is not a heading here"));
                }
            }
        }
    }
    found
}

#[test]
fn anchors_are_github_s() {
    assert_eq!(anchor(" Host organs (soil)"), "host-organs-soil");
    assert_eq!(
        anchor("Circulation, dormancy, kinetics"),
        "circulation-dormancy-kinetics"
    );
    assert_eq!(
        anchor("The seed paper: Fidler 1988"),
        "the-seed-paper-fidler-1988"
    );
    assert_eq!(
        anchors("# A\n## A\n```\n# not a heading\n```\n"),
        ["a", "a-1"]
    );
}

#[test]
fn links_outside_the_root_are_found() {
    assert!(stays_inside(Path::new("docs"), "references.md"));
    assert!(stays_inside(Path::new("docs"), "../README.md"));
    assert!(!stays_inside(Path::new("docs"), "../../elsewhere/file.md"));
    assert!(!stays_inside(Path::new(""), "../x"));
    assert!(!stays_inside(Path::new("docs"), "/etc/hosts"));
    assert_eq!(
        link_targets("see [a](../b.md#c) and [d](https://e.org/f)"),
        ["../b.md#c", "https://e.org/f"]
    );
    let sections = vec!["growth".to_string()];
    let bad = format!("[x](../../y.md), {}, docs/{BIBLIOGRAPHY}nowhere", ABSENT[0]);
    assert_eq!(problems(Path::new("docs/a.md"), &bad, &sections).len(), 3);
    let good = format!("docs/model.md, docs/{BIBLIOGRAPHY}growth, [r]({BIBLIOGRAPHY}growth)");
    assert!(problems(Path::new("docs/a.md"), &good, &sections).is_empty());
}

#[test]
fn no_file_cites_a_path_outside_the_repository_and_every_section_cited_exists() {
    let root = root();
    let bibliography = text(&root.join("docs/references.md")).expect("docs/references.md exists");
    let sections = anchors(&bibliography);
    for needed in [
        "confidence",
        "the-seed-paper-fidler-1988",
        "metastatic-inefficiency",
        "circulation-dormancy-kinetics",
        "heterogeneity-and-clonality",
        "host-organs-soil",
        "organ-distributions-in-patients",
        "growth",
    ] {
        assert!(
            sections.iter().any(|s| s == needed),
            "docs/references.md has no section {needed}"
        );
    }
    let files = files(&root);
    assert!(
        files.iter().any(|f| f == Path::new("docs/references.md")),
        "the file list includes docs/references.md"
    );
    let mut found = Vec::new();
    let mut checked = 0;
    for path in &files {
        if let Some(text) = text(&root.join(path)) {
            checked += 1;
            found.extend(problems(path, &text, &sections));
        }
    }
    assert!(checked > 100, "only {checked} text files found");
    assert!(found.is_empty(), "{}", found.join("\n"));
}
