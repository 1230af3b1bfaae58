//! The mutation engine: a light RON tokenizer and structure-aware
//! mutations of a scenario's text, every mutant a pure function of
//! (file, seed, index).

use std::fmt::Write as _;

/// What a token is, as far as mutations care.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Space,
    Comment,
    Number,
    Ident,
    Str,
    Char,
    Punct,
}

/// A token: its kind and its byte range in the text.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// Splits `text` into tokens; their ranges cover the text exactly, in
/// order (unterminated strings and comments run to the end).
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &text[at..];
        let c = rest.chars().next().expect("not at the end");
        let (kind, len) = if c.is_whitespace() {
            let len = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            (Kind::Space, len)
        } else if rest.starts_with("//") {
            (Kind::Comment, rest.find('\n').unwrap_or(rest.len()))
        } else if let Some(body) = rest.strip_prefix("/*") {
            (Kind::Comment, body.find("*/").map_or(rest.len(), |e| e + 4))
        } else if c == '"' || rest.starts_with("b\"") {
            (Kind::Str, quoted(rest, if c == '"' { 0 } else { 1 }, b'"'))
        } else if c == '\'' {
            (Kind::Char, quoted(rest, 0, b'\''))
        } else if let Some(len) = raw_string(rest) {
            (Kind::Str, len)
        } else if let Some(len) = number(rest) {
            (Kind::Number, len)
        } else if c.is_alphanumeric() || c == '_' {
            let start = if rest.starts_with("r#") { 2 } else { 0 };
            let len = rest[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(rest.len(), |e| e + start);
            let word = &rest[..len];
            let kind = if matches!(word, "inf" | "NaN") {
                Kind::Number
            } else {
                Kind::Ident
            };
            (kind, len)
        } else {
            (Kind::Punct, c.len_utf8())
        };
        tokens.push(Token {
            kind,
            start: at,
            end: at + len,
        });
        at += len;
    }
    tokens
}

/// The length of a quoted literal opening at `rest[prefix]`, backslash
/// escapes skipped.
fn quoted(rest: &str, prefix: usize, quote: u8) -> usize {
    let bytes = rest.as_bytes();
    let mut i = prefix + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    // An unterminated literal (or an escape at the very end) runs to the
    // end of the text.
    rest.len()
}

/// `r"..."`, `r#"..."#`, `br"..."`: the length, if one opens here.
fn raw_string(rest: &str) -> Option<usize> {
    let after_prefix = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
    let body = after_prefix[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let opened = rest.len() - body.len();
    Some(
        body.find(&close)
            .map_or(rest.len(), |e| opened + e + close.len()),
    )
}

/// A number literal opening here (`-1.5e-3`, `0x1f`, `1_000`, `-inf`).
fn number(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let body = &rest[i..];
    if body.starts_with("inf") || body.starts_with("NaN") {
        let word_end = body[3..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(body.len(), |e| e + 3);
        return (word_end == 3 && i == 1).then_some(4);
    }
    let first = *bytes.get(i)?;
    let starts = first.is_ascii_digit()
        || (first == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
    if !starts {
        return None;
    }
    let hex = body.starts_with("0x") || body.starts_with("0b") || body.starts_with("0o");
    while i < bytes.len() {
        let b = bytes[i];
        let signed_exponent =
            (b == b'-' || b == b'+') && !hex && matches!(bytes[i - 1], b'e' | b'E');
        if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || signed_exponent) {
            break;
        }
        i += 1;
    }
    Some(i)
}

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// FNV-1a of a file's name, to give each file its own stream.
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// Numbers at the edges of what a field could hold, and past them.
pub const EXTREMES: &[&str] = &[
    "0",
    "0.0",
    "-0.0",
    "-1",
    "1",
    "2",
    "1e-320",
    "1e-300",
    "5e-324",
    "2.2250738585072014e-308",
    "1e-7",
    "0.9999999999999999",
    "1.0000000000000002",
    "1e20",
    "1e300",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "1e400",
    "-1e400",
    "4294967295",
    "4294967296",
    "4611686018427387904",
    "4611686018427387905",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "100000000000000000000",
    "340282366920938463463374607431768211456",
    "0x7fffffffffffffff",
    "1_000_000_000_000",
    "NaN",
    "inf",
    "-inf",
];

/// Text dropped in at a token boundary: attributes, literals of other
/// types, unterminated openings.
const JUNK: &[&str] = &[
    "#![enable(implicit_some)]\n",
    "#![enable(unwrap_newtypes)]\n",
    "#![enable(unwrap_variant_newtypes)]\n",
    "#![enable(explicit_struct_names)]\n",
    "\u{feff}",
    "\"\\u{D800}\"",
    "\"\\u{110000}\"",
    "'\\''",
    "r#\"raw\"#",
    "b\"bytes\"",
    "None",
    "Some(",
    "Some(())",
    "()",
    "[]",
    "{}",
    "Scenario(",
    "é",
    "\u{0}",
    "\"unterminated",
    "/* unterminated",
    "//",
    "\\",
    "\"\\x\"",
    "true",
    "1.",
    ".5",
    "1e",
    "--1",
    "0x",
];

/// Lengths names and strings are stretched to.
const LENGTHS: &[usize] = &[64, 1_000, 4_096, 20_000, 60_000];

/// The text of every shipped scenario, for mutants and splices.
pub struct Corpus {
    /// Paths relative to `scenarios/`, and the files' texts.
    pub files: Vec<(String, String)>,
}

/// Where a mutant comes from: enough to make it again.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub file: usize,
    pub seed: u64,
    pub index: u64,
}

impl Corpus {
    /// The case's generator: its own stream for every (file, seed, index).
    fn rng(&self, case: Case) -> Rng {
        let name = fnv(&self.files[case.file].0);
        Rng::new(
            Rng::new(case.seed).next()
                ^ name.rotate_left(17)
                ^ case.index.wrapping_mul(0xD134_2543_DE82_EF95),
        )
    }

    /// The mutant of `case`, and what was done to it (one line per
    /// mutation): 1 to 4 mutations (1 in 40% of mutants, 4 in 10%).
    pub fn mutant(&self, case: Case) -> (String, Vec<String>) {
        let mut rng = self.rng(case);
        let mut text = self.files[case.file].1.clone();
        let mut log = Vec::new();
        let count = *rng.pick(&[1, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
        for _ in 0..count {
            let op = mutate(self, case.file, &mut text, &mut rng);
            log.push(op);
        }
        (text, log)
    }
}

/// Applies one mutation chosen at random; says which.
fn mutate(corpus: &Corpus, file: usize, text: &mut String, rng: &mut Rng) -> String {
    const WEIGHTS: &[(Op, usize)] = &[
        (Op::Number, 30),
        (Op::Scale, 10),
        (Op::Lengthen, 8),
        (Op::Rename, 5),
        (Op::Swap, 10),
        (Op::DeleteLine, 7),
        (Op::CutLine, 6),
        (Op::Truncate, 3),
        (Op::DuplicateLine, 6),
        (Op::Splice, 8),
        (Op::Punct, 5),
        (Op::DeleteToken, 5),
        (Op::Nest, 2),
        (Op::Junk, 3),
    ];
    let total: usize = WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    let op = WEIGHTS
        .iter()
        .find(|(_, w)| {
            if roll < *w {
                true
            } else {
                roll -= w;
                false
            }
        })
        .map_or(Op::Number, |(op, _)| *op);
    let tokens = tokenize(text);
    let of_kind = |kinds: &[Kind]| -> Vec<Token> {
        tokens
            .iter()
            .copied()
            .filter(|t| kinds.contains(&t.kind))
            .collect()
    };
    let mut log = format!("{op:?}");
    match op {
        Op::Number | Op::Scale | Op::Nest => {
            let numbers = of_kind(&[Kind::Number]);
            if numbers.is_empty() {
                return log + " (no number)";
            }
            let t = *rng.pick(&numbers);
            let old = text[t.start..t.end].to_string();
            let new = match op {
                Op::Number => (*rng.pick(EXTREMES)).to_string(),
                Op::Scale => scaled(&old, rng),
                _ => {
                    let depth = *rng.pick(&[10, 127, 129, 1_000, 20_000]);
                    let (open, close) = *rng.pick(&[("[", "]"), ("(", ")"), ("Some(", ")")]);
                    format!("{}{old}{}", open.repeat(depth), close.repeat(depth))
                }
            };
            let _ = write!(log, " at {}: {old} -> {}", t.start, shorten(&new));
            text.replace_range(t.start..t.end, &new);
        }
        Op::Lengthen => {
            let names = of_kind(&[Kind::Ident, Kind::Str]);
            if names.is_empty() {
                return log + " (no name)";
            }
            let t = *rng.pick(&names);
            let len = *rng.pick(LENGTHS);
            let old = &text[t.start..t.end];
            let new = if t.kind == Kind::Str
                && old.starts_with('"')
                && old.ends_with('"')
                && old.len() >= 2
            {
                format!("\"{}\"", stretch(&old[1..old.len() - 1], len))
            } else {
                stretch(old, len)
            };
            let _ = write!(log, " at {}: {} to {len} characters", t.start, shorten(old));
            text.replace_range(t.start..t.end, &new);
        }
        Op::Rename => {
            let strings = of_kind(&[Kind::Str]);
            if strings.is_empty() {
                return log + " (no string)";
            }
            let t = *rng.pick(&strings);
            let old = text[t.start..t.end].to_string();
            let len = *rng.pick(LENGTHS);
            let inner = old.trim_start_matches('"').trim_end_matches('"');
            let new = format!("\"{}\"", stretch(inner, len));
            let _ = write!(log, " {} to {len} characters everywhere", shorten(&old));
            // Back to front, so that the earlier ranges stay put.
            let same: Vec<Token> = strings
                .iter()
                .copied()
                .filter(|s| text[s.start..s.end] == old)
                .collect();
            for s in same.iter().rev() {
                text.replace_range(s.start..s.end, &new);
            }
        }
        Op::Swap => {
            let names = of_kind(&[Kind::Ident, Kind::Str]);
            let source = &corpus.files[file].1;
            let originals: Vec<Token> = tokenize(source)
                .into_iter()
                .filter(|t| matches!(t.kind, Kind::Ident | Kind::Str))
                .collect();
            if names.is_empty() || originals.is_empty() {
                return log + " (no name)";
            }
            let t = *rng.pick(&names);
            let with = *rng.pick(&originals);
            let mut new = source[with.start..with.end].to_string();
            // Now and then a string for a name or a name for a string.
            if rng.chance(20) {
                new = if with.kind == Kind::Str {
                    new.trim_matches('"').to_string()
                } else {
                    format!("\"{new}\"")
                };
            }
            let _ = write!(
                log,
                " at {}: {} -> {}",
                t.start,
                shorten(&text[t.start..t.end]),
                shorten(&new)
            );
            text.replace_range(t.start..t.end, &new);
        }
        Op::DeleteLine | Op::CutLine | Op::DuplicateLine => {
            let lines = line_ranges(text);
            let (start, end) = *rng.pick(&lines);
            match op {
                Op::DeleteLine => {
                    let _ = write!(log, " at {start}");
                    text.replace_range(start..end, "");
                }
                Op::CutLine => {
                    let body_end = if text[start..end].ends_with('\n') {
                        end - 1
                    } else {
                        end
                    };
                    let cut = floor_char(text, start + rng.below(body_end - start + 1));
                    let _ = write!(log, " at {cut}");
                    text.replace_range(cut..body_end, "");
                }
                _ => {
                    let mut line = text[start..end].to_string();
                    if !line.ends_with('\n') {
                        line.push('\n');
                    }
                    let (at, _) = *rng.pick(&lines);
                    let _ = write!(log, " {start} to {at}");
                    text.insert_str(at, &line);
                }
            }
        }
        Op::Truncate => {
            let cut = floor_char(text, rng.below(text.len() + 1));
            let _ = write!(log, " at {cut}");
            text.truncate(cut);
        }
        Op::Splice => {
            let other = rng.below(corpus.files.len());
            let (name, source) = &corpus.files[other];
            let lines = line_ranges(source);
            let first = rng.below(lines.len());
            let last = (first + rng.below(5)).min(lines.len() - 1);
            let mut piece = source[lines[first].0..lines[last].1].to_string();
            if !piece.ends_with('\n') {
                piece.push('\n');
            }
            let here = line_ranges(text);
            let (at, end) = *rng.pick(&here);
            let replace = rng.chance(30);
            let _ = write!(
                log,
                " {name} lines {}-{} {} {at}",
                first + 1,
                last + 1,
                if replace { "over the line at" } else { "in at" }
            );
            text.replace_range(at..if replace { end } else { at }, &piece);
        }
        Op::Punct | Op::DeleteToken => {
            let candidates = if op == Op::Punct {
                of_kind(&[Kind::Punct])
            } else {
                tokens
                    .iter()
                    .copied()
                    .filter(|t| t.kind != Kind::Space)
                    .collect()
            };
            if candidates.is_empty() {
                return log + " (nothing)";
            }
            let t = *rng.pick(&candidates);
            if op == Op::Punct && rng.chance(50) {
                let p = *rng.pick(&["(", ")", "[", "]", ",", ":", ",,", "::"]);
                let _ = write!(log, " {p:?} in at {}", t.start);
                text.insert_str(t.start, p);
            } else {
                let _ = write!(log, " {} at {}", shorten(&text[t.start..t.end]), t.start);
                text.replace_range(t.start..t.end, "");
            }
        }
        Op::Junk => {
            let junk = *rng.pick(JUNK);
            let at = if rng.chance(30) || tokens.is_empty() {
                0
            } else {
                rng.pick(&tokens).start
            };
            let _ = write!(log, " {junk:?} in at {at}");
            text.insert_str(at, junk);
        }
    }
    log
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op {
    /// A number replaced by an extreme.
    Number,
    /// A number multiplied by a power of ten.
    Scale,
    /// A number wrapped in deep brackets.
    Nest,
    /// A name or string repeated to thousands of characters.
    Lengthen,
    /// A string stretched so, everywhere it is written (a clone, an organ
    /// or a drug renamed consistently).
    Rename,
    /// A name or string swapped for another of the same file.
    Swap,
    DeleteLine,
    /// A line cut at a random byte.
    CutLine,
    /// The file cut at a random byte.
    Truncate,
    DuplicateLine,
    /// Lines of another shipped file put in.
    Splice,
    /// A bracket, comma or colon put in or taken out.
    Punct,
    DeleteToken,
    /// Attributes, literals of other types, unterminated openings.
    Junk,
}

/// `old` times 10^k, |k| up to 40, written as RON would read it (an integer
/// stays an integer while it can).
fn scaled(old: &str, rng: &mut Rng) -> String {
    let k = 1 + rng.below(40) as i32;
    let k = if rng.chance(50) { k } else { -k };
    let integer = !old.contains(['.', 'e', 'E']) && !old.contains("inf") && !old.contains("NaN");
    if integer && k > 0 {
        let digits = old.replace('_', "");
        return format!("{digits}{}", "0".repeat(k as usize));
    }
    let value: f64 = old.replace('_', "").parse().unwrap_or(1.0);
    let factor: f64 = format!("1e{k}").parse().expect("a power of ten");
    let new = value * factor;
    if integer {
        // A whole number divided: ron refuses a fraction for an integer,
        // which is one of the things to try.
        format!("{new:e}")
    } else {
        format!("{new:?}")
    }
}

/// `text` repeated to exactly `len` characters (`x` if empty).
fn stretch(text: &str, len: usize) -> String {
    let unit = if text.is_empty() { "x" } else { text };
    unit.chars().cycle().take(len).collect()
}

/// Byte ranges of the lines, each with its newline.
fn line_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        ranges.push((start, start + line.len()));
        start += line.len();
    }
    if ranges.is_empty() {
        ranges.push((0, 0));
    }
    ranges
}

/// The char boundary at or before `at`.
fn floor_char(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// At most 40 characters of `text`, for the log.
pub fn shorten(text: &str) -> String {
    let count = text.chars().count();
    if count <= 40 {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(30).collect();
        format!("{head:?}... ({count} characters)")
    }
}
