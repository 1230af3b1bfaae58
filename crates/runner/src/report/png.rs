//! A figure as PNG: its SVG rasterised in pure Rust (`resvg`), with the
//! text set in a font embedded in the binary, so a PNG needs no font, font
//! library or image library of the system, and the same SVG gives the same
//! pixels on every machine.
//!
//! The font is DejaVu Sans 2.37 (Bitstream Vera licence, DejaVu's changes in
//! the public domain: `crates/runner/fonts/LICENSE`), cut to the characters
//! a figure writes: Latin (with Latin-1, Extended-A and -B), Greek, basic
//! Cyrillic, punctuation, superscripts and subscripts, arrows and
//! mathematical operators. A character outside it (an organ named in
//! another script) is drawn as DejaVu's box for a missing glyph.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg;

/// The embedded font's bytes.
const FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans-subset.ttf");

/// The family the figures' `sans-serif` resolves to.
const FAMILY: &str = "DejaVu Sans";

/// Pixels of the PNG per pixel of the SVG: 2, so a figure of 960 × 480
/// becomes 1920 × 960 pixels, sharp on a slide or a printed page at 10 cm.
pub const SCALE: u32 = 2;

/// The font database: the embedded font only, read once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut database = usvg::fontdb::Database::new();
            database.load_font_data(FONT.to_vec());
            database.set_sans_serif_family(FAMILY);
            database.set_serif_family(FAMILY);
            database.set_monospace_family(FAMILY);
            Arc::new(database)
        })
        .clone()
}

/// The SVG `svg` as a PNG of [`SCALE`] times its size, on white.
///
/// # Errors
///
/// What went wrong, if the SVG cannot be read, has no size, or the PNG
/// cannot be encoded.
pub fn rasterise(svg: &str) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        font_family: FAMILY.to_string(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("the SVG: {e}"))?;
    let size = tree.size().to_int_size();
    let (width, height) = (size.width() * SCALE, size.height() * SCALE);
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| format!("a PNG of {width} × {height} pixels"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let scale = SCALE as f32;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("encoding the PNG: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pixels of `text` set at 40 px in the figures' family.
    fn drawn(text: &str) -> Vec<u8> {
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="45" font-family="sans-serif" font-size="40">{text}</text></svg>"#
        );
        let png = rasterise(&svg).unwrap();
        tiny_skia::Pixmap::decode_png(&png).unwrap().data().to_vec()
    }

    #[test]
    fn letters_are_drawn_as_their_glyphs_and_not_as_boxes() {
        let blank = drawn("");
        let (a, b) = (drawn("a"), drawn("b"));
        assert_ne!(a, blank, "no text drawn");
        assert_ne!(a, b, "two letters drawn alike (boxes for missing glyphs)");
        // The figures' characters beyond ASCII are in the font: each is
        // drawn otherwise than a character the font lacks (its box).
        let missing = drawn("\u{4e00}");
        for c in ['×', '⁵', '⁻', '–', 'μ', '≥', '±', '→'] {
            assert_ne!(drawn(&c.to_string()), missing, "{c} is drawn as a box");
        }
    }

    #[test]
    fn the_same_svg_gives_the_same_png() {
        assert_eq!(drawn("10⁵ cells"), drawn("10⁵ cells"));
    }
}
