//! `cascade plot --format png`, the colony sizes at each harvest, the
//! lineage tree of the largest clones and the published organ
//! distributions: each figure is drawn, and what it plots is what a reader
//! computes from the exported CSV.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use cascade_runner::report::png;
use resvg::tiny_skia::Pixmap;
use serde_json::Value;

use super::run::{ok, scratch};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

const THERAPY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/therapy/at_detection_one_drug.ron"
);

/// A finished quickstart run (4 replicates).
fn quickstart_run(name: &str) -> PathBuf {
    finished_run(name, QUICKSTART)
}

/// A finished run of `scenario` in a scratch directory named `name`.
fn finished_run(name: &str, scenario: &str) -> PathBuf {
    let dir = scratch(name).join("run");
    ok(&["run", scenario, "--out", dir.to_str().unwrap()]);
    dir
}

/// The PNG `path`, decoded.
fn decoded(path: &Path) -> Pixmap {
    let bytes = fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    Pixmap::decode_png(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The distinct colours of a pixmap's pixels.
fn colours(pixmap: &Pixmap) -> BTreeSet<[u8; 4]> {
    (pixmap.pixels().iter())
        .map(|p| [p.red(), p.green(), p.blue(), p.alpha()])
        .collect()
}

/// `svg` without its `<text …>…</text>` elements.
fn without_text(svg: &str) -> String {
    let mut out = String::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</text>").expect("a closed text") + start;
        rest = &rest[end + "</text>".len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_figure_is_a_png_of_twice_its_size_with_its_text_drawn() {
    use cascade_runner::report::Figure;
    // The quickstart has no therapy: its figures are all but the two of
    // therapy, which a run with a drug draws.
    let quickstart = quickstart_run("figures-png");
    let therapy = finished_run("figures-png-therapy", THERAPY);
    for figure in Figure::ALL {
        let dir = match figure {
            Figure::Therapy | Figure::Resistance => &therapy,
            _ => &quickstart,
        };
        let d = dir.to_str().unwrap();
        let name = figure.name();
        let path = dir.with_file_name(format!("{name}.png"));
        let printed = ok(&[
            "plot",
            d,
            "--figure",
            name,
            "--format",
            "png",
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(printed.contains(&format!("{name}.png")), "{printed}");
        let pixmap = decoded(&path);
        let svg = ok(&["plot", d, "--figure", name]);
        let (width, height) = svg_size(&svg);
        assert_eq!(
            (pixmap.width(), pixmap.height()),
            (width * png::SCALE, height * png::SCALE),
            "{name}: the PNG's size"
        );
        let drawn = colours(&pixmap);
        assert!(drawn.len() > 2, "{name}: {} colours only", drawn.len());
        // The text is drawn: the same figure without its text elements has
        // other pixels (with no usable font, the text would be dropped and
        // the two would be the same).
        let bare = Pixmap::decode_png(&png::rasterise(&without_text(&svg)).unwrap()).unwrap();
        let differing = (pixmap.pixels().iter().zip(bare.pixels()))
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            differing > 2_000,
            "{name}: the text changes {differing} pixels only"
        );
    }
    // Without --out, the PNG goes to DIR/NAME.png.
    let d = quickstart.to_str().unwrap();
    let printed = ok(&["plot", d, "--figure", "funnel", "--format", "png"]);
    assert!(printed.contains("funnel.png"), "{printed}");
    decoded(&quickstart.join("funnel.png"));
    // A figure the run cannot have is refused with the reason.
    let refused = super::run::cascade(&["plot", d, "--figure", "therapy"], &[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("the run has no therapy"), "{stderr}");
}

/// The `width` and `height` of an SVG's root element.
fn svg_size(svg: &str) -> (u32, u32) {
    let attribute = |name: &str| -> u32 {
        let key = format!("{name}=\"");
        let from = svg.find(&key).unwrap() + key.len();
        let to = from + svg[from..].find('"').unwrap();
        svg[from..to].parse().unwrap()
    };
    (attribute("width"), attribute("height"))
}

/// A CSV file's rows as maps from column to field (the run's tables quote
/// no field in these scenarios: no name holds a comma).
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn whole(row: &BTreeMap<String, String>, column: &str) -> u64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column}: {row:?}"))
}

/// The numbers the report of `dir` embeds (`cascade report`).
fn page_numbers(dir: &Path) -> Value {
    ok(&["report", dir.to_str().unwrap()]);
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let start = r#"<script type="application/json" id="report-data">"#;
    let from = html.find(start).expect("the page's JSON") + start.len();
    let to = from + html[from..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&html[from..to]).unwrap();
    data["numbers"].clone()
}

#[test]
fn colony_sizes_add_up_to_the_harvests_and_are_plotted_as_the_csv_gives_them() {
    let dir = quickstart_run("figures-colony-sizes");
    let macro_size = 50; // the quickstart's macrometastasis_size
    let replicates = 4.0;
    // (day, organ) -> sizes, from colony_sizes.csv.
    let mut sizes: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for row in rows(&dir.join("colony_sizes.csv")) {
        assert!(whole(&row, "cells") >= 1, "an empty metastasis: {row:?}");
        (sizes
            .entry((row["day"].clone(), row["organ"].clone()))
            .or_default())
        .push(whole(&row, "cells"));
    }
    // Every harvest row's colonies, micrometastases and cells are the rows
    // of colony_sizes.csv of that day and organ, summed over replicates.
    let mut harvested: BTreeMap<(String, String), [u64; 3]> = BTreeMap::new();
    for row in rows(&dir.join("harvests.csv")) {
        let sums = (harvested.entry((row["day"].clone(), row["organ"].clone()))).or_default();
        sums[0] += whole(&row, "colonies");
        sums[1] += whole(&row, "micrometastases");
        sums[2] += whole(&row, "cells_in_metastases");
    }
    for (key, [colonies, micro, cells]) in &harvested {
        let s = sizes.get(key).cloned().unwrap_or_default();
        let big = s.iter().filter(|&&c| c >= macro_size).count() as u64;
        assert_eq!(big, *colonies, "{key:?}: colonies");
        assert_eq!(s.len() as u64 - big, *micro, "{key:?}: micrometastases");
        assert_eq!(s.iter().sum::<u64>(), *cells, "{key:?}: cells");
    }
    assert!(sizes.keys().all(|k| harvested.contains_key(k)));
    assert!(
        sizes.values().map(Vec::len).sum::<usize>() > 100,
        "too few to check"
    );

    let numbers = page_numbers(&dir);
    let figure = &numbers["colony_sizes"];
    assert_eq!(figure["macrometastasis_size"], macro_size);
    let curves = figure["curves"].as_array().unwrap();
    assert_eq!(curves.len(), sizes.len(), "a curve per harvest and organ");
    for curve in curves {
        let key = (
            format!("{:.1}", curve["day"].as_f64().unwrap()),
            curve["organ"].as_str().unwrap().to_string(),
        );
        let mut s = sizes[&key].clone();
        s.sort_unstable();
        assert_eq!(curve["metastases"], s.len() as u64, "{key:?}");
        assert_eq!(curve["largest"], *s.last().unwrap(), "{key:?}");
        // Each plotted step: a size and the metastases per replicate of at
        // least that size.
        for step in curve["at_least"].as_array().unwrap() {
            let size = step[0].as_u64().unwrap();
            let at_least = s.iter().filter(|&&c| c >= size).count() as f64 / replicates;
            assert!(
                (step[1].as_f64().unwrap() - at_least).abs() < 1e-12,
                "{key:?} at {size}: {step} against {at_least}"
            );
        }
        let distinct: BTreeSet<u64> = s.iter().copied().collect();
        assert_eq!(curve["at_least"].as_array().unwrap().len(), distinct.len());
    }
    let drawn = curves.iter().filter(|c| c["drawn"] == true).count();
    assert_eq!(drawn, curves.len().min(8));
}

/// A mutating primary: hundreds of clones in 20 days.
const MUTATING: &str = r#"Scenario(
    seed: 11,
    replicates: 2,
    stop_day: 20.0,
    organs: (preset: Mouse),
    clones: [(name: "T", birth_rate: 0.7, death_rate: 0.2, mutation_probability: 0.03, shedding_rate: 0.01)],
    mutation_effect: (birth_rate: 0.1),
    primary: (organ: "skin", cells: [("T", 50)], growth_law: Logistic, carrying_capacity: 3000.0),
    observe_every: 5.0,
)
"#;

#[test]
fn the_lineage_tree_holds_the_largest_clones_of_the_csv_and_their_ancestors() {
    let dir = scratch("figures-lineage");
    let file = dir.join("mutating.ron");
    fs::write(&file, MUTATING).unwrap();
    let out = dir.join("run");
    ok(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    // Replicate 0's clones: id -> (parent, cells alive).
    let mut clones: BTreeMap<u64, (Option<u64>, u64)> = BTreeMap::new();
    for row in rows(&out.join("clones.csv")) {
        if row["replicate"] == "0" {
            let parent = (!row["parent"].is_empty()).then(|| whole(&row, "parent"));
            clones.insert(whole(&row, "clone"), (parent, whole(&row, "cells_alive")));
        }
    }
    let mut alive: Vec<(u64, u64)> = (clones.iter())
        .filter(|(_, (_, cells))| *cells > 0)
        .map(|(&id, &(_, cells))| (id, cells))
        .collect();
    assert!(
        alive.len() > 8,
        "{} clones alive: too few to choose",
        alive.len()
    );
    alive.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let largest: BTreeSet<u64> = alive.iter().take(8).map(|&(id, _)| id).collect();
    let mut expected = BTreeSet::new();
    for &id in &largest {
        let mut next = Some(id);
        while let Some(c) = next {
            expected.insert(c);
            next = clones[&c].0;
        }
    }

    let numbers = page_numbers(&out);
    let tree = numbers["lineage"]["clones"].as_array().unwrap();
    let drawn: BTreeSet<u64> = tree.iter().map(|c| c["clone"].as_u64().unwrap()).collect();
    assert_eq!(drawn, expected, "the largest clones and their ancestors");
    assert_eq!(numbers["lineage"]["clones_ever"], clones.len() as u64);
    let mut seen = BTreeSet::new();
    for clone in tree {
        let id = clone["clone"].as_u64().unwrap();
        let (parent, cells) = clones[&id];
        assert_eq!(clone["cells_alive"], cells, "clone {id}");
        assert_eq!(clone["parent"].as_u64(), parent, "clone {id}");
        assert_eq!(
            clone["largest"] == true,
            largest.contains(&id),
            "clone {id}"
        );
        if let Some(p) = parent {
            assert!(
                seen.contains(&p),
                "clone {id} is drawn before its parent {p}"
            );
        }
        seen.insert(id);
    }
    let svg = ok(&["plot", out.to_str().unwrap(), "--figure", "lineage"]);
    for clone in tree.iter().filter(|c| c["largest"] == true) {
        let name = clone["name"].as_str().unwrap();
        assert!(svg.contains(&format!("{name}: ")), "{name} is not labelled");
    }
}

/// The quickstart with a published organ distribution of patients (the
/// values are made up for the test: no publication measured this assay).
fn with_published(published: &str) -> String {
    let text = fs::read_to_string(QUICKSTART).unwrap();
    let end = text.rfind(')').unwrap();
    format!(
        "{}    report: (published_organs: {published}),\n)\n",
        &text[..end]
    )
}

const PATIENTS: &str = r#"(
        source: "A test series",
        measure: Patients,
        n: 200,
        organs: [
            (organ: "lung", share: 0.9),
            (organ: "liver", share: 0.3, low: 0.2, high: 0.45),
        ],
    )"#;

/// `check` refuses the scenario `text` at the line holding `needle`, naming
/// `field` and saying `expected`.
fn refused_at(text: &str, needle: &str, field: &str, expected: &str) {
    let error = cascade_runner::parse::<cascade_biology::NoExtension>(text, Path::new("s.ron"))
        .unwrap_err();
    assert_eq!(error.field, field, "{error}");
    let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!(error.position.map(|p| p.0), Some(line), "{error}");
    assert!(error.message.contains(expected), "{error}");
}

#[test]
fn a_published_organ_distribution_is_checked_at_its_fields() {
    let good = with_published(PATIENTS);
    cascade_runner::parse::<cascade_biology::NoExtension>(&good, Path::new("s.ron")).unwrap();
    let field = "report.published_organs.organs";
    refused_at(
        &good.replace(r#"organ: "liver""#, r#"organ: "livr""#),
        "livr",
        &format!("{field}[1].organ"),
        "did you mean \"liver\"",
    );
    refused_at(
        &good.replace("share: 0.9", "share: 90"),
        "share: 90",
        &format!("{field}[0].share"),
        "a share in [0, 1]",
    );
    refused_at(
        &good.replace(", high: 0.45", ""),
        "low: 0.2",
        &format!("{field}[1].low"),
        "both ends",
    );
    refused_at(
        &good.replace("low: 0.2", "low: 0.35"),
        "low: 0.35",
        &format!("{field}[1].low"),
        "at most the share",
    );
    refused_at(
        &good.replace(r#"organ: "liver""#, r#"organ: "lung""#),
        "share: 0.3",
        &format!("{field}[1].organ"),
        "given twice",
    );
    refused_at(
        &good.replace("Patients", "Metastases"),
        "organs: [",
        field,
        "add up to 1.2",
    );
    refused_at(
        &good.replace("n: 200", "n: 0"),
        "n: 0",
        "report.published_organs.n",
        "at least 1",
    );
}

#[test]
fn a_published_organ_distribution_is_drawn_beside_the_model_s_from_the_csv() {
    let dir = scratch("figures-published");
    let file = dir.join("published.ron");
    fs::write(&file, with_published(PATIENTS)).unwrap();
    let out = dir.join("run");
    ok(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let numbers = page_numbers(&out);
    let published = &numbers["published"];
    assert_eq!(published["source"], "A test series");
    assert_eq!(published["measure"], "patients");
    // The model's counterpart from metastases.csv: of the replicates with
    // a metastasis of at least 50 cells at the end, those with one in the
    // organ.
    let mut any = BTreeSet::new();
    let mut in_organ: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows(&out.join("metastases.csv")) {
        if whole(&row, "cells") >= 50 {
            any.insert(row["replicate"].clone());
            (in_organ.entry(row["organ"].clone()).or_default()).insert(row["replicate"].clone());
        }
    }
    assert!(!any.is_empty(), "no replicate with a macrometastasis");
    let organs = published["organs"].as_array().unwrap();
    assert_eq!(organs.len(), 2);
    for organ in organs {
        let name = organ["organ"].as_str().unwrap();
        let with = in_organ.get(name).map_or(0, BTreeSet::len);
        let share = with as f64 / any.len() as f64;
        assert!(
            (organ["model"]["mean"].as_f64().unwrap() - share).abs() < 1e-12,
            "{name}: {organ} against {share}"
        );
        assert_eq!(organ["model"]["n"], any.len() as u64, "{name}");
    }
    // The lung's interval is Wilson's for 180 of 200; the liver's is the
    // file's.
    let lung = &organs[0];
    assert_eq!(lung["interval"], "Wilson (n)");
    let (low, high) = wilson(180.0, 200.0);
    assert!(
        (lung["low"].as_f64().unwrap() - low).abs() < 1e-12,
        "{lung}"
    );
    assert!(
        (lung["high"].as_f64().unwrap() - high).abs() < 1e-12,
        "{lung}"
    );
    assert_eq!(organs[1]["interval"], "published");
    assert_eq!(organs[1]["low"], 0.2);
    let svg = ok(&["plot", out.to_str().unwrap(), "--figure", "organs"]);
    assert!(svg.contains("published: A test series"), "no legend entry");
    // Without the section, the figure has no published entry.
    let plain = ok(&[
        "plot",
        quickstart_run("figures-unpublished").to_str().unwrap(),
        "--figure",
        "organs",
    ]);
    assert!(!plain.contains("published:"));
}

/// Wilson's 95% score interval for `k` of `n`.
fn wilson(k: f64, n: f64) -> (f64, f64) {
    let z: f64 = 1.959_963_984_540_054;
    let p = k / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    (centre - half, centre + half)
}
