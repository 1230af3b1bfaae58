//! `cascade plot --format png`, the colony sizes at each harvest, the
//! lineage tree of the largest clones and the published organ
//! distributions: each figure is drawn, and what it plots is what a reader
//! computes from the exported CSV.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cascade_runner::report::png;
use resvg::tiny_skia::Pixmap;

use super::run::{ok, scratch};

const QUICKSTART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/quickstart.ron"
);

/// A finished quickstart run (4 replicates).
fn quickstart_run(name: &str) -> PathBuf {
    let dir = scratch(name).join("run");
    ok(&["run", QUICKSTART, "--out", dir.to_str().unwrap()]);
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
    let dir = quickstart_run("figures-png");
    let d = dir.to_str().unwrap();
    for figure in cascade_runner::report::Figure::ALL {
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
    let printed = ok(&["plot", d, "--figure", "funnel", "--format", "png"]);
    assert!(printed.contains("funnel.png"), "{printed}");
    decoded(&dir.join("funnel.png"));
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
