//! `cascade report DIR` and `cascade plot DIR --figure NAME`: the page of
//! a shipped scenario's run holds every figure, and the numbers it plots
//! are those a reader computes from the exported CSV; the page is the same
//! bytes for the same run directory; unknown figures and unfinished
//! runs are refused saying what would do; and a real browser (headless
//! Chromium) renders the page without errors, every figure drawn.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::run::{cascade, ok, refused, scratch};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

const FIGURES: [&str; 8] = [
    "funnel",
    "organs",
    "burden",
    "survival",
    "harvests",
    "colony-sizes",
    "composition",
    "lineage",
];

/// A CSV file as a header and rows of fields (the run's tables quote no
/// field in the quickstart: no name holds a comma).
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().split(',').map(String::from).collect();
        let rows = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    fn at(&self, name: &str) -> usize {
        (self.header.iter().position(|h| h == name))
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn number(&self, row: &[String], name: &str) -> f64 {
        row[self.at(name)].parse().unwrap()
    }

    fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.at(name)]
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The JSON block of a report page.
fn page_data(html: &str) -> Value {
    let start = r#"<script type="application/json" id="report-data">"#;
    let from = html
        .find(start)
        .expect("the page holds its numbers as JSON")
        + start.len();
    let to = from + html[from..].find("</script>").unwrap();
    serde_json::from_str(&html[from..to]).unwrap()
}

/// A finished quickstart run (4 replicates) with its report.
fn reported_run(name: &str) -> (PathBuf, String) {
    let dir = scratch(name).join("run");
    ok(&["run", QUICKSTART, "--out", dir.to_str().unwrap()]);
    let printed = ok(&["report", dir.to_str().unwrap()]);
    assert!(printed.contains("report.html"), "{printed}");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    (dir, html)
}

fn stage<'a>(data: &'a Value, name: &str) -> &'a Value {
    (data["numbers"]["funnel"].as_array().unwrap().iter())
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

#[test]
fn a_report_holds_every_figure_and_plots_the_numbers_of_the_exported_tables() {
    let (dir, html) = reported_run("report-numbers");
    for figure in FIGURES {
        let marker = format!("data-figure=\"{figure}\">\n<svg");
        assert!(html.contains(&marker), "no SVG for the figure {figure}");
    }
    assert!(
        !html.contains("src=") && !html.contains("href=\"http"),
        "the page loads nothing"
    );
    let data = page_data(&html);
    let replicates = data["replicates"].as_u64().unwrap();
    assert_eq!(replicates, 4);

    // The funnel: means over summary.csv's rows.
    let summary = Csv::read(&dir.join("summary.csv"));
    assert_eq!(summary.rows.len() as u64, replicates);
    let arrested: Vec<f64> = (summary.rows.iter())
        .map(|r| summary.number(r, "arrested"))
        .collect();
    let plotted = stage(&data, "arrested in a capillary bed")["value"]["mean"]
        .as_f64()
        .unwrap();
    assert!(close(plotted, mean(&arrested)), "{plotted} vs {arrested:?}");
    let survived: Vec<f64> = (summary.rows.iter())
        .map(|r| {
            summary.number(r, "injected") + summary.number(r, "shed")
                - summary.number(r, "died_in_circulation")
                - summary.number(r, "killed_in_circulation")
        })
        .collect();
    let plotted = stage(&data, "survived circulation")["value"]["mean"]
        .as_f64()
        .unwrap();
    assert!(close(plotted, mean(&survived)));
    // The funnel's figure writes the mean beside its bar.
    let funnel_svg = ok(&["plot", dir.to_str().unwrap(), "--figure", "funnel"]);
    assert!(funnel_svg.starts_with("<svg"), "{}", &funnel_svg[..80]);
    let arrested_mean = mean(&arrested);
    assert!((100.0..10_000.0).contains(&arrested_mean));
    assert!(
        funnel_svg.contains(&format!(">\n{arrested_mean:.0}\n</text>"))
            || funnel_svg.contains(&format!(">{arrested_mean:.0}</text>")),
        "the funnel does not write {arrested_mean:.0}"
    );

    // Metastases per organ, and the share of arrivals.
    let metastases = Csv::read(&dir.join("metastases.csv"));
    let funnel = Csv::read(&dir.join("funnel.csv"));
    let organs = data["numbers"]["organs"].as_array().unwrap();
    let lung = organs.iter().find(|o| o["organ"] == "lung").unwrap();
    let in_lung = (metastases.rows.iter())
        .filter(|r| metastases.text(r, "organ") == "lung")
        .count() as f64;
    assert!(in_lung > 0.0);
    assert!(close(
        lung["metastases"]["mean"].as_f64().unwrap(),
        in_lung / replicates as f64
    ));
    let arrivals = |organ: Option<&str>| -> f64 {
        (funnel.rows.iter())
            .filter(|r| organ.is_none_or(|o| funnel.text(r, "organ") == o))
            .map(|r| funnel.number(r, "arrested") + funnel.number(r, "passed"))
            .sum()
    };
    assert!(close(
        lung["share_of_arrivals"].as_f64().unwrap(),
        arrivals(Some("lung")) / arrivals(None)
    ));
    let shares: f64 = organs
        .iter()
        .map(|o| o["share_of_metastases"].as_f64().unwrap())
        .sum();
    assert!(close(shares, 1.0), "shares of metastases sum to {shares}");

    // The burden: cells in metastases of all organs at the last day.
    let timeseries = Csv::read(&dir.join("timeseries.csv"));
    let last_day = (timeseries.rows.iter())
        .map(|r| timeseries.number(r, "day"))
        .fold(0.0, f64::max);
    let by_replicate: Vec<f64> = (0..replicates)
        .map(|replicate| {
            (timeseries.rows.iter())
                .filter(|r| {
                    timeseries.number(r, "replicate") == replicate as f64
                        && timeseries.number(r, "day") == last_day
                })
                .map(|r| timeseries.number(r, "metastatic_cells"))
                .sum()
        })
        .collect();
    let all_organs = (data["numbers"]["burden"].as_array().unwrap().iter())
        .find(|s| s["name"] == "metastases, all organs")
        .unwrap();
    let days = all_organs["days"].as_array().unwrap();
    assert_eq!(days.last().unwrap().as_f64().unwrap(), last_day);
    let plotted = all_organs["cells"].as_array().unwrap().last().unwrap()["mean"]
        .as_f64()
        .unwrap();
    assert!(
        close(plotted, mean(&by_replicate)),
        "{plotted} vs {by_replicate:?}"
    );

    // The first detection's curve: its events are the replicates with a
    // first detection day.
    let detected = (summary.rows.iter())
        .filter(|r| !summary.text(r, "first_detection_day").is_empty())
        .count() as u64;
    let curve = &data["numbers"]["survival"][0];
    assert_eq!(curve["event"], "first detection of a metastasis");
    assert_eq!(curve["events"].as_u64().unwrap(), detected);
    assert_eq!(curve["censored"].as_u64().unwrap(), replicates - detected);

    // Colonies at each harvest, per replicate, all organs.
    let harvests = Csv::read(&dir.join("harvests.csv"));
    for day in data["numbers"]["harvests"].as_array().unwrap() {
        let d = day["day"].as_f64().unwrap();
        let expected: Vec<u64> = (0..replicates)
            .map(|replicate| {
                (harvests.rows.iter())
                    .filter(|r| {
                        harvests.number(r, "replicate") == replicate as f64
                            && harvests.number(r, "day") == d
                    })
                    .map(|r| harvests.number(r, "colonies") as u64)
                    .sum()
            })
            .collect();
        let plotted: Vec<u64> = (day["colonies"].as_array().unwrap().iter())
            .map(|c| c.as_u64().unwrap())
            .collect();
        assert_eq!(plotted, expected, "colonies on day {d}");
    }

    // The composition of replicate 0: each clone's cells on the last day.
    let composition = Csv::read(&dir.join("composition.csv"));
    let plotted = &data["numbers"]["composition"];
    let days = plotted["days"].as_array().unwrap();
    let last = days.last().unwrap().as_f64().unwrap();
    for clone in plotted["clones"].as_array().unwrap() {
        let id = clone["clone"].as_f64().unwrap();
        let cells: f64 = (composition.rows.iter())
            .filter(|r| {
                composition.number(r, "replicate") == 0.0
                    && composition.number(r, "day") == last
                    && composition.number(r, "clone_id") == id
            })
            .map(|r| composition.number(r, "cells"))
            .sum();
        let cells_plotted = clone["cells"].as_array().unwrap().last().unwrap();
        assert_eq!(cells_plotted.as_f64().unwrap(), cells, "clone {id}");
    }

    // The identity: seed, digests, placeholders.
    let digests: Vec<&str> = (summary.rows.iter())
        .map(|r| summary.text(r, "digest"))
        .collect();
    let shown: Vec<&str> = (data["digests"].as_array().unwrap().iter())
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(shown, digests);
    assert_eq!(data["seed"].as_u64().unwrap(), 2026);
    let placeholders = data["placeholders"].as_array().unwrap();
    assert!(
        placeholders
            .iter()
            .any(|p| p["parameter"] == "extravasation_rate"),
        "the mouse preset's extravasation rate is a placeholder"
    );
    assert!(html.contains("Placeholder parameters"));
}

#[test]
fn a_report_is_the_same_bytes_for_the_same_run_and_plot_refuses_what_it_cannot_do() {
    let (dir, html) = reported_run("report-bytes");
    let again = dir.with_file_name("again.html");
    ok(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(
        fs::read_to_string(&again).unwrap() == html,
        "two reports differ"
    );
    // The same run with other threads: the same page.
    let other = dir.with_file_name("threads");
    ok(&[
        "run",
        QUICKSTART,
        "--threads",
        "1",
        "--out",
        other.to_str().unwrap(),
    ]);
    ok(&["report", other.to_str().unwrap()]);
    assert!(
        fs::read_to_string(other.join("report.html")).unwrap() == html,
        "the report depends on --threads"
    );

    let d = dir.to_str().unwrap();
    let svg = dir.with_file_name("burden.svg");
    ok(&[
        "plot",
        d,
        "--figure",
        "burden",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("cells, log scale"));
    assert!(html.contains(&text), "the page holds the figure as plotted");

    let unknown = refused(&["plot", d, "--figure", "volcano"], &[]);
    assert!(
        unknown.contains("funnel") && unknown.contains("composition"),
        "{unknown}"
    );
    let nothing = scratch("report-nothing");
    let not_a_run = refused(&["report", nothing.to_str().unwrap()], &[]);
    assert!(not_a_run.contains("cascade run"), "{not_a_run}");
}

#[test]
fn a_report_of_an_unfinished_run_is_refused_naming_the_missing_replicates() {
    let dir = scratch("report-unfinished").join("run");
    let output = cascade(
        &["run", QUICKSTART, "--out", dir.to_str().unwrap()],
        &[("CASCADE_INTERRUPT_AFTER", "1")],
    );
    assert!(!output.status.success());
    let message = refused(&["report", dir.to_str().unwrap()], &[]);
    assert!(
        message.contains("replicates") && message.contains("--resume"),
        "{message}"
    );
}

/// The headless browser: Debian's `chromium`, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Runs `browser` headless on the page at `path` with `extra` arguments.
fn browse(browser: &Path, path: &Path, extra: &[&str]) -> std::process::Output {
    let page = format!("file://{}", path.display());
    let profile = path.with_file_name("profile");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            "--window-size=1100,1600",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(extra)
        .arg(&page)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Checks that `browser` renders the page at `path` without errors, each
/// of `figures` drawn with a size and elements.
fn renders(browser: &Path, path: &Path, figures: &[&str]) {
    let dom = browse(browser, path, &["--dump-dom", "--virtual-time-budget=5000"]);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !stderr.contains("Uncaught") && !stderr.contains("ERROR:CONSOLE"),
        "the page logged errors: {stderr}"
    );
    assert!(
        dom_text.contains(r#"data-errors="0""#),
        "the page's scripts failed or did not run"
    );
    assert!(
        dom_text.contains(&format!(r#"data-figures-drawn="{}""#, figures.len())),
        "not every figure was drawn: {}",
        dom_text
            .lines()
            .filter(|l| l.contains("data-drawn") || l.contains("<body"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for figure in figures {
        // Each figure's drawing has a size and elements, as the browser
        // laid it out (`data-drawn="WxH N"`).
        let marker = format!(r#"data-figure="{figure}" data-drawn=""#);
        let at = dom_text
            .find(&marker)
            .unwrap_or_else(|| panic!("the browser did not measure the figure {figure}"));
        let drawn: &str = dom_text[at + marker.len()..].split('"').next().unwrap();
        let (size, elements) = drawn.split_once(' ').unwrap();
        let (w, h) = size.split_once('x').unwrap();
        let (w, h, n): (u32, u32, u32) = (
            w.parse().unwrap(),
            h.parse().unwrap(),
            elements.parse().unwrap(),
        );
        assert!(
            w > 400 && h > 200 && n > 20,
            "{figure} looks blank: {drawn}"
        );
    }
}

#[test]
fn a_report_renders_in_a_real_browser_with_every_figure_drawn() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CASCADE_REQUIRE_BROWSER").is_none(),
            "CASCADE_REQUIRE_BROWSER is set and chromium is not installed \
             (apt-get install chromium)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let (dir, _) = reported_run("report-browser");
    let page = dir.join("report.html");
    renders(&browser, &page, &FIGURES);
    let screenshot = dir.with_file_name("report.png");
    browse(
        &browser,
        &page,
        &[&format!("--screenshot={}", screenshot.display())],
    );
    let png = fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1100, 1600));
    // A white page of that size compresses to a few kilobytes; the
    // report's text and figures do not.
    assert!(png.len() > 50_000, "the screenshot is nearly blank");

    // A sweep's page too: each outcome's figure drawn.
    let (dir, html, _) = reported_sweep("report-browser-sweep");
    let data = page_data(&html);
    let figures: Vec<&str> = (data["figures"].as_array().unwrap().iter())
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(figures.len(), 7);
    renders(&browser, &dir.join("report.html"), &figures);
}

const THERAPY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/therapy/at_detection_one_drug.ron"
);

/// Wilson's 95% score interval of `k` of `n`.
fn wilson(k: f64, n: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[test]
fn a_therapy_report_plots_cure_relapse_and_resistance_of_the_exported_tables() {
    let dir = scratch("report-therapy").join("run");
    ok(&["run", THERAPY, "--out", dir.to_str().unwrap()]);
    ok(&["report", dir.to_str().unwrap()]);
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let data = page_data(&html);
    for figure in ["therapy", "resistance"] {
        assert!(
            data["figures"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == figure),
            "no figure {figure}"
        );
        assert!(html.contains(&format!("data-figure=\"{figure}\">\n<svg")));
    }
    let therapy = &data["numbers"]["therapy"];
    let share = |name: &str| {
        (therapy["outcomes"].as_array().unwrap().iter())
            .find(|o| o["name"] == name)
            .unwrap_or_else(|| panic!("no outcome {name}"))
            .clone()
    };
    let check = |plotted: &Value, k: usize, n: usize| {
        assert_eq!(
            plotted["replicates"].as_u64().unwrap(),
            k as u64,
            "{plotted}"
        );
        assert_eq!(plotted["of"].as_u64().unwrap(), n as u64, "{plotted}");
        let (low, high) = wilson(k as f64, n as f64);
        let e = &plotted["share"];
        assert!(close(e["mean"].as_f64().unwrap(), k as f64 / n as f64));
        // Wilson's ends as computed here, within rounding.
        assert!(
            (e["low"].as_f64().unwrap() - low).abs() < 1e-12,
            "{e} vs {low}"
        );
        assert!(
            (e["high"].as_f64().unwrap() - high).abs() < 1e-12,
            "{e} vs {high}"
        );
    };

    // Both definitions of relapse, recomputed from therapy.csv.
    let table = Csv::read(&dir.join("therapy.csv"));
    let n = table.rows.len();
    assert_eq!(n, 4);
    let cured = (table.rows.iter())
        .filter(|r| table.text(r, "cured") == "true")
        .count();
    check(&share("cured"), cured, n);
    let relapsed = (table.rows.iter())
        .filter(|r| !table.text(r, "relapse_day").is_empty())
        .count();
    check(&share("relapsed, any detection after therapy"), relapsed, n);
    let clear: Vec<&Vec<String>> = (table.rows.iter())
        .filter(|r| table.text(r, "metastases_detectable_at_surgery") == "0")
        .collect();
    let relapsed_after_clear = (clear.iter())
        .filter(|r| !table.text(r, "relapse_after_clear_surgery_day").is_empty())
        .count();
    check(
        &share("relapsed after a clear surgery"),
        relapsed_after_clear,
        clear.len(),
    );
    // The same as summary.json says.
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let after = &summary["therapy"]["after_clear_surgery"];
    assert_eq!(
        after["clear_replicates"].as_u64().unwrap(),
        clear.len() as u64
    );
    assert_eq!(
        after["relapsed_replicates"].as_u64().unwrap(),
        relapsed_after_clear as u64
    );
    assert_eq!(
        summary["therapy"]["relapsed_replicates"].as_u64().unwrap(),
        relapsed as u64
    );

    // Resistant cells per drug at each occasion, from resistance.csv: the
    // mean over the replicates with a value.
    let resistance = Csv::read(&dir.join("resistance.csv"));
    let drugs = therapy["resistance"].as_array().unwrap();
    assert_eq!(drugs.len(), 2, "drugs A and B");
    for drug in drugs {
        let name = drug["drug"].as_str().unwrap();
        let rows: Vec<&Vec<String>> = (resistance.rows.iter())
            .filter(|r| resistance.text(r, "drug") == name)
            .collect();
        assert_eq!(rows.len(), n);
        for (occasion, column) in [
            ("at_first_dose", "resistant_cells_at_first_dose"),
            ("at_surgery", "resistant_cells_at_surgery"),
            ("at_end", "resistant_cells"),
        ] {
            let values: Vec<f64> = (rows.iter())
                .filter_map(|r| cell(&resistance, r, column))
                .collect();
            let plotted = &drug[occasion];
            assert_eq!(plotted["n"].as_u64().unwrap(), values.len() as u64);
            if values.is_empty() {
                assert!(plotted["mean"].is_null(), "{name} {occasion}: {plotted}");
            } else {
                assert!(
                    close(plotted["mean"].as_f64().unwrap(), mean(&values)),
                    "{name} {occasion}: {plotted} vs {values:?}"
                );
            }
        }
    }
    // The scenario gives drug A only: B has no first dose, and so no bar
    // for it.
    let b = drugs.iter().find(|d| d["drug"] == "B").unwrap();
    assert_eq!(b["at_first_dose"]["n"].as_u64().unwrap(), 0);

    // The figure writes each share beside its bar, in percent.
    let svg = ok(&["plot", dir.to_str().unwrap(), "--figure", "therapy"]);
    assert!(html.contains(&svg));
    let percent = 100.0 * cured as f64 / n as f64;
    assert!(
        svg.contains(&format!(">\n{percent}\n</text>")),
        "the figure does not write {percent}"
    );
}

#[test]
fn a_run_without_therapy_has_no_therapy_figure() {
    let (dir, html) = reported_run("report-no-therapy");
    let data = page_data(&html);
    assert_eq!(data["figures"].as_array().unwrap().len(), FIGURES.len());
    assert!(!html.contains("data-figure=\"therapy\""));
    let message = refused(&["plot", dir.to_str().unwrap(), "--figure", "therapy"], &[]);
    assert!(message.contains("no therapy"), "{message}");
}

const SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/sweep_soil.ron"
);

/// A finished sweep of `scenarios/sweep_soil.ron` (3 × 2 points, 3
/// replicates each) with its report, and what the sweep printed.
fn reported_sweep(name: &str) -> (PathBuf, String, String) {
    let dir = scratch(name).join("sweep");
    let overview = ok(&["sweep", SWEEP, "--out", dir.to_str().unwrap()]);
    let printed = ok(&["report", dir.to_str().unwrap()]);
    assert!(
        printed.contains("report.html") && printed.contains("6 points × 3 replicates"),
        "{printed}"
    );
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    (dir, html, overview)
}

/// A cell of `points.csv`: a number, or `None` for an empty field.
fn cell(csv: &Csv, row: &[String], name: &str) -> Option<f64> {
    let field = csv.text(row, name);
    (!field.is_empty()).then(|| field.parse().unwrap())
}

#[test]
fn a_sweep_report_plots_each_outcome_of_points_csv_against_each_axis() {
    let (dir, html, overview) = reported_sweep("report-sweep");
    let data = page_data(&html);
    let numbers = &data["numbers"];
    assert_eq!(numbers["points"].as_u64().unwrap(), 6);
    assert_eq!(data["replicates_per_point"].as_u64().unwrap(), 3);
    // The axes as run.json records them; the lung's multiplier is a Log
    // range, the dose a list of two values.
    let run: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    let axes = numbers["axes"].as_array().unwrap();
    let recorded = run["sweep"]["axes"].as_array().unwrap();
    assert_eq!(axes.len(), recorded.len());
    for (axis, recorded) in axes.iter().zip(recorded) {
        assert_eq!(axis["parameter"], recorded["parameter"]);
        assert_eq!(axis["values"], recorded["values"]);
    }
    assert_eq!(axes[0]["log_scale"], true);
    assert_eq!(axes[1]["log_scale"], false);

    // Every plotted value is points.csv's, point by point.
    let points = Csv::read(&dir.join("points.csv"));
    assert_eq!(points.rows.len(), 6);
    let outcomes = numbers["outcomes"].as_array().unwrap();
    let names: Vec<&str> = outcomes
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "shed",
            "extravasated",
            "micrometastases_founded",
            "macrometastases_reached",
            "metastases_alive",
            "macrometastases_alive",
            "detected"
        ]
    );
    for outcome in outcomes {
        let name = outcome["name"].as_str().unwrap();
        let column = outcome["column"].as_str().unwrap();
        for (p, row) in points.rows.iter().enumerate() {
            assert_eq!(points.number(row, "point"), p as f64);
            let plotted = &outcome["values"][p];
            let mean = cell(&points, row, column).unwrap();
            assert!(
                close(plotted["mean"].as_f64().unwrap(), mean),
                "{name} at {p}"
            );
            for end in ["low", "high"] {
                let file = cell(&points, row, &format!("{name}_{end}"));
                let shown = plotted[end].as_f64();
                assert!(
                    file.zip(shown).is_some_and(|(a, b)| close(a, b))
                        || (file.is_none() && shown.is_none()),
                    "{name}_{end} at point {p}: {shown:?} plotted, {file:?} in points.csv"
                );
            }
        }
    }

    // The terminal's line per point writes the axes' values as given and
    // a whole mean as an integer (`11`, not `11.00`).
    for (p, row) in points.rows.iter().enumerate() {
        let line = (overview.lines())
            .find(|l| l.trim_start().starts_with(&format!("point {p} ")))
            .unwrap_or_else(|| panic!("no line for point {p}: {overview}"));
        let multiplier = points.text(row, "organs.lung.growth_multiplier");
        assert!(
            line.contains(&format!("growth_multiplier = {multiplier},")),
            "{line}"
        );
        let macroscopic = points.number(row, "macrometastases_alive_mean");
        if macroscopic.fract() == 0.0 {
            assert!(
                line.contains(&format!("macroscopic {macroscopic:.0} [")),
                "{line}"
            );
        }
    }
    assert!(
        !overview.contains(".00 ") && !overview.contains("0.2500"),
        "{overview}"
    );

    // Recomputed from the rows of summary.csv, apart from points.csv: the
    // metastases alive and the share detected at each point.
    let summary = Csv::read(&dir.join("summary.csv"));
    let outcome = |name: &str| outcomes.iter().find(|o| o["name"] == name).unwrap();
    for p in 0..6 {
        let rows: Vec<&Vec<String>> = (summary.rows.iter())
            .filter(|r| summary.number(r, "point") == p as f64)
            .collect();
        assert_eq!(rows.len(), 3);
        let alive: Vec<f64> = rows
            .iter()
            .map(|r| summary.number(r, "metastases_alive"))
            .collect();
        let plotted = outcome("metastases_alive")["values"][p]["mean"]
            .as_f64()
            .unwrap();
        assert!(
            close(plotted, mean(&alive)),
            "point {p}: {plotted} vs {alive:?}"
        );
        let detected = rows
            .iter()
            .filter(|r| !summary.text(r, "first_detection_day").is_empty())
            .count() as f64;
        let plotted = outcome("detected")["values"][p]["mean"].as_f64().unwrap();
        assert!(close(plotted, detected / 3.0));
    }

    // Each outcome's figure is in the page, a panel per axis: a dot per
    // point in each (6 points × 2 axes), and `cascade plot` draws the same.
    for name in &names {
        let marker = format!("data-figure=\"{name}\">\n<svg");
        assert!(html.contains(&marker), "no SVG for the figure {name}");
    }
    let d = dir.to_str().unwrap();
    let svg = ok(&["plot", d, "--figure", "metastases_alive"]);
    assert!(html.contains(&svg), "the page holds the figure as plotted");
    assert_eq!(
        svg.matches("<circle").count(),
        12,
        "a dot per point and axis"
    );
    for axis in axes {
        assert!(svg.contains(axis["parameter"].as_str().unwrap()));
    }
    // The ticks are the grid's values, written one way.
    for tick in ["0.25", "0.5", "2000", "4000"] {
        assert!(
            svg.contains(&format!(">\n{tick}\n</text>")),
            "no tick {tick}"
        );
    }

    // A run's figure names are not a sweep's: the message lists these.
    let unknown = refused(&["plot", d, "--figure", "funnel"], &[]);
    assert!(
        unknown.contains("points.csv") && unknown.contains("metastases_alive"),
        "{unknown}"
    );
}

#[test]
fn a_slice_of_a_sweep_is_refused_saying_to_merge_first() {
    let dir = scratch("report-slice").join("slice");
    ok(&[
        "sweep",
        SWEEP,
        "--shard",
        "0/2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let message = refused(&["report", dir.to_str().unwrap()], &[]);
    assert!(
        message.contains("slice 0/2") && message.contains("cascade merge"),
        "{message}"
    );
}
