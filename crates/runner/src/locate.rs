//! Source positions for field paths in RON scenario files.
//!
//! Semantic validation runs on the parsed scenario and reports errors at a
//! field path such as `clones[1].affinity[0].organ`. [`locate`] walks the RON
//! source text along that path, without building a value, and returns the
//! 1-based line and column (in chars) where the value starts, so that messages
//! can read `scenario.ron:12:20: ...`.
//!
//! The walk is lenient: it never panics, and on text it does not understand it
//! stops at the deepest value it did find and says the answer is not exact.

/// One step of a path into a RON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A struct field, a map key (string or identifier), or an enum variant name.
    Field(String),
    /// An element of a list or tuple (0-based), or a map key equal to this number.
    Index(usize),
}

/// Parses a path like `a.b[2].c.0` ("0" after a dot means tuple element 0, i.e. Index(0)).
///
/// Brackets may also hold a quoted map key, `organs["liver"]`, which becomes a
/// [`Segment::Field`]. Empty segments (a leading dot, `a..b`) are ignored.
pub fn parse_path(path: &str) -> Vec<Segment> {
    fn flush(cur: &mut String, out: &mut Vec<Segment>) {
        let t = cur.trim();
        if !t.is_empty() {
            out.push(segment(t));
        }
        cur.clear();
    }
    fn segment(t: &str) -> Segment {
        match t.parse::<usize>() {
            Ok(i) if t.bytes().all(|b| b.is_ascii_digit()) => Segment::Index(i),
            _ => Segment::Field(t.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut cur, &mut out),
            '[' => {
                flush(&mut cur, &mut out);
                let inner: String = chars.by_ref().take_while(|&d| d != ']').collect();
                let t = inner.trim();
                let quoted = t.len() >= 2 && t.starts_with('"') && t.ends_with('"');
                if quoted {
                    out.push(Segment::Field(unescape(&t.chars().collect::<Vec<_>>())));
                } else if !t.is_empty() {
                    out.push(segment(t));
                }
            }
            _ => cur.push(c),
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// A position in the source: 1-based line and column (column counted in chars).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in chars (not bytes).
    pub column: usize,
}

/// The answer of [`locate`]: where a value starts, and whether the whole path was followed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Start of the value at the path, or of the deepest value found along it.
    pub position: Position,
    /// `true` if every segment of the path was found.
    pub exact: bool,
}

/// Where the value at `path` starts in `source`. If the path cannot be followed all the way
/// (for example a field that is absent because it took its default), returns the position of the
/// deepest value that was found (the enclosing struct/list), and `exact = false`.
pub fn locate(source: &str, path: &[Segment]) -> Located {
    let src = Src {
        c: source.chars().collect(),
    };
    let mut v = src.start();
    for seg in path {
        let next = match seg {
            Segment::Field(name) => src.field(v, name),
            Segment::Index(i) => src.index(v, *i),
        };
        match next {
            Some(n) => v = n,
            None => {
                return Located {
                    position: src.position(v),
                    exact: false,
                };
            }
        }
    }
    Located {
        position: src.position(v),
        exact: true,
    }
}

/// Where the next token at or after `at` starts: past whitespace and
/// comments. The end of the file if there is none.
pub fn next_token(source: &str, at: Position) -> Position {
    let src = Src::new(source);
    src.position(src.ws(src.index_of(at)))
}

/// The text of the token starting at `at` (a string or char literal, an
/// identifier, a number, or one character), `None` at the end of the file.
pub fn token(source: &str, at: Position) -> Option<String> {
    let src = Src::new(source);
    let i = src.index_of(at);
    src.at(i)?;
    let end = src.token_end(i).min(src.c.len());
    Some(src.c[i..end].iter().collect())
}

/// Where the last token before `at` ends (the position just past its last
/// character), skipping whitespace and comments; the start of the file if
/// there is no token before `at`.
pub fn previous_token_end(source: &str, at: Position) -> Position {
    let src = Src::new(source);
    let target = src.index_of(at);
    let mut i = 0;
    let mut last_end = 0;
    loop {
        i = src.ws(i);
        if i >= target || src.at(i).is_none() {
            return src.position(last_end);
        }
        i = src.token_end(i).max(i + 1);
        last_end = i.min(target);
    }
}

/// The innermost bracket (`(`, `[` or `{`) that is opened and never closed,
/// outside strings and comments.
pub fn unclosed(source: &str) -> Option<(Position, char)> {
    let src = Src::new(source);
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    loop {
        i = src.ws(i);
        match src.at(i) {
            None => break,
            Some('(' | '[' | '{') => {
                open.push(i);
                i += 1;
            }
            Some(')' | ']' | '}') => {
                open.pop();
                i += 1;
            }
            Some(_) => i = src.token_end(i).max(i + 1),
        }
    }
    let last = *open.last()?;
    Some((src.position(last), src.c[last]))
}

/// How many `Some(...)`/newtype wrappers one path segment may look through;
/// bounds the work on pathological input.
const MAX_UNWRAP: usize = 64;

/// One entry of a bracketed group: `value` or `key: value`.
struct Entry {
    /// Start of the key, for `key: value` entries.
    key: Option<usize>,
    /// Start of the value.
    value: usize,
}

/// The source as chars; every method takes and returns char indices and never
/// indexes out of bounds.
struct Src {
    c: Vec<char>,
}

impl Src {
    fn new(source: &str) -> Src {
        Src {
            c: source.chars().collect(),
        }
    }

    /// The char index of a 1-based line and column, clamped to the end of
    /// the line (or of the source).
    fn index_of(&self, at: Position) -> usize {
        let mut line = 1;
        let mut i = 0;
        while line < at.line {
            match self.at(i) {
                None => return i,
                Some('\n') => line += 1,
                Some(_) => {}
            }
            i += 1;
        }
        for _ in 1..at.column {
            match self.at(i) {
                None | Some('\n') => return i,
                Some(_) => i += 1,
            }
        }
        i
    }

    fn at(&self, i: usize) -> Option<char> {
        self.c.get(i).copied()
    }

    fn is(&self, i: usize, ch: char) -> bool {
        self.at(i) == Some(ch)
    }

    /// Skips whitespace, `//` comments and (nested) `/* */` comments.
    fn ws(&self, mut i: usize) -> usize {
        loop {
            match self.at(i) {
                Some(ch) if ch.is_whitespace() || ch == '\u{feff}' => i += 1,
                Some('/') if self.is(i + 1, '/') => {
                    while self.at(i).is_some_and(|ch| ch != '\n') {
                        i += 1;
                    }
                }
                Some('/') if self.is(i + 1, '*') => {
                    let mut depth = 0usize;
                    loop {
                        match self.at(i) {
                            None => return i,
                            Some('/') if self.is(i + 1, '*') => {
                                depth += 1;
                                i += 2;
                            }
                            Some('*') if self.is(i + 1, '/') => {
                                depth -= 1;
                                i += 2;
                                if depth == 0 {
                                    break;
                                }
                            }
                            Some(_) => i += 1,
                        }
                    }
                }
                _ => return i,
            }
        }
    }

    /// Start of the top-level value: after whitespace and `#![...]` attributes.
    fn start(&self) -> usize {
        let mut i = self.ws(0);
        while self.is(i, '#') {
            i = self.ws(i + 1);
            if self.is(i, '!') {
                i = self.ws(i + 1);
            }
            if self.is(i, '[') {
                i = self.skip_group(i);
            }
            i = self.ws(i);
        }
        i
    }

    /// If a string or char literal (`"..."`, `r#"..."#`, `'c'`, `b"..."`, ...)
    /// starts at `i`, the index just past it.
    fn string_end(&self, i: usize) -> Option<usize> {
        let j = if self.is(i, 'b') { i + 1 } else { i };
        match self.at(j)? {
            q @ ('"' | '\'') => {
                let mut k = j + 1;
                loop {
                    match self.at(k) {
                        None => return Some(self.c.len()),
                        Some('\\') => k += 2,
                        Some(ch) if ch == q => return Some(k + 1),
                        Some(_) => k += 1,
                    }
                }
            }
            'r' => {
                let mut k = j + 1;
                let mut hashes = 0;
                while self.is(k, '#') {
                    hashes += 1;
                    k += 1;
                }
                if !self.is(k, '"') {
                    return None;
                }
                k += 1;
                loop {
                    match self.at(k) {
                        None => return Some(k),
                        Some('"') if (1..=hashes).all(|m| self.is(k + m, '#')) => {
                            return Some(k + 1 + hashes);
                        }
                        Some(_) => k += 1,
                    }
                }
            }
            _ => None,
        }
    }

    /// If an identifier (or raw identifier `r#name`) starts at `i`: its end and name.
    fn ident(&self, i: usize) -> Option<(usize, String)> {
        if self.string_end(i).is_some() {
            return None;
        }
        let raw = self.is(i, 'r') && self.is(i + 1, '#');
        let (from, ok): (usize, fn(char) -> bool) = if raw {
            (i + 2, |ch| ch.is_alphanumeric() || "_.+-".contains(ch))
        } else {
            (i, |ch| ch.is_alphanumeric() || ch == '_')
        };
        let first = self.at(from)?;
        if !(first.is_alphabetic() || first == '_' || (raw && ok(first))) {
            return None;
        }
        let mut end = from;
        while self.at(end).is_some_and(ok) {
            end += 1;
        }
        Some((end, self.c[from..end].iter().collect()))
    }

    /// End of the token at `i`: a literal, an identifier, a number, or one char.
    fn token_end(&self, i: usize) -> usize {
        if let Some(e) = self.string_end(i) {
            return e;
        }
        if let Some((e, _)) = self.ident(i) {
            return e;
        }
        let mut e = i;
        while self
            .at(e)
            .is_some_and(|ch| ch.is_alphanumeric() || "_.+-".contains(ch))
        {
            e += 1;
        }
        if e == i { i + 1 } else { e }
    }

    /// Skips the bracketed group opening at `i`, up to and including its close.
    fn skip_group(&self, mut i: usize) -> usize {
        let mut depth = 0usize;
        loop {
            i = self.ws(i);
            match self.at(i) {
                None => return i,
                Some('(' | '[' | '{') => {
                    depth += 1;
                    i += 1;
                }
                Some(')' | ']' | '}') => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                    if depth == 0 {
                        return i;
                    }
                }
                Some(_) => i = self.token_end(i),
            }
        }
    }

    /// Skips a value: up to a `,`, `:` or closing bracket outside any group.
    fn skip_value(&self, mut i: usize) -> usize {
        let mut depth = 0usize;
        loop {
            i = self.ws(i);
            match self.at(i) {
                None => return i,
                Some('(' | '[' | '{') => {
                    depth += 1;
                    i += 1;
                }
                Some(')' | ']' | '}') if depth == 0 => return i,
                Some(')' | ']' | '}') => {
                    depth -= 1;
                    i += 1;
                }
                Some(',' | ':') if depth == 0 => return i,
                Some(_) => i = self.token_end(i),
            }
        }
    }

    /// The entries of the group whose opening bracket is at `open`.
    fn entries(&self, open: usize) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut i = open + 1;
        loop {
            i = self.ws(i);
            if matches!(self.at(i), None | Some(')' | ']' | '}')) {
                return out;
            }
            let start = i;
            let j = self.ws(self.skip_value(start));
            if self.is(j, ':') {
                let value = self.ws(j + 1);
                out.push(Entry {
                    key: Some(start),
                    value,
                });
                i = self.ws(self.skip_value(value));
            } else {
                out.push(Entry {
                    key: None,
                    value: start,
                });
                i = j;
            }
            if !self.is(i, ',') {
                return out;
            }
            i += 1;
        }
    }

    /// The text of the key starting at `k`: a string's contents, an identifier, or a token.
    fn key_name(&self, k: usize) -> String {
        if let Some(end) = self.string_end(k) {
            let from = k + usize::from(self.is(k, 'b'));
            return unescape(self.c.get(from..end).unwrap_or(&[]));
        }
        if let Some((_, name)) = self.ident(k) {
            return name;
        }
        let end = self.token_end(k).min(self.c.len());
        self.c.get(k..end).unwrap_or(&[]).iter().collect()
    }

    /// The optional identifier at the start of the value at `v`, and where its body starts.
    fn head(&self, v: usize) -> (Option<String>, usize) {
        match self.ident(v) {
            Some((end, name)) => (Some(name), self.ws(end)),
            None => (None, v),
        }
    }

    /// Whether the value at `v` is a list or a (possibly named) tuple/struct.
    fn indexable(&self, v: usize) -> bool {
        let (name, p) = self.head(v);
        self.is(p, '(') || (name.is_none() && self.is(p, '['))
    }

    /// The value of field `name` in the value at `v`, see [`Segment::Field`].
    fn field(&self, mut v: usize, name: &str) -> Option<usize> {
        for _ in 0..MAX_UNWRAP {
            let (ident, p) = self.head(v);
            let named = ident.as_deref() == Some(name);
            let open = self.at(p);
            if (ident.is_none() && open == Some('{')) || open == Some('(') {
                let es = self.entries(p);
                if open == Some('{') || es.first().is_some_and(|e| e.key.is_some()) {
                    let hit = es
                        .iter()
                        .find(|e| e.key.is_some_and(|k| self.key_name(k) == name));
                    if let Some(e) = hit {
                        return Some(e.value);
                    }
                } else if let [only] = es.as_slice()
                    && !named
                {
                    v = only.value;
                    continue;
                }
            }
            return named.then_some(v);
        }
        None
    }

    /// Element `i` of the list or tuple at `v`, see [`Segment::Index`].
    fn index(&self, mut v: usize, i: usize) -> Option<usize> {
        for _ in 0..MAX_UNWRAP {
            let (ident, p) = self.head(v);
            match self.at(p) {
                Some('[') if ident.is_none() => return self.entries(p).get(i).map(|e| e.value),
                Some('{') if ident.is_none() => {
                    let key = i.to_string();
                    let es = self.entries(p);
                    let hit = es
                        .iter()
                        .find(|e| e.key.is_some_and(|k| self.key_name(k) == key));
                    return hit.map(|e| e.value);
                }
                Some('(') => {
                    let es = self.entries(p);
                    if es.first().is_some_and(|e| e.key.is_some()) {
                        return None;
                    }
                    if let [only] = es.as_slice()
                        && (ident.as_deref() == Some("Some") || i > 0)
                        && self.indexable(only.value)
                    {
                        v = only.value;
                        continue;
                    }
                    return es.get(i).map(|e| e.value);
                }
                _ => return None,
            }
        }
        None
    }

    /// Line and column of char index `i`.
    fn position(&self, i: usize) -> Position {
        let mut pos = Position { line: 1, column: 1 };
        for &ch in self.c.iter().take(i) {
            if ch == '\n' {
                pos.line += 1;
                pos.column = 1;
            } else {
                pos.column += 1;
            }
        }
        pos
    }
}

/// Decodes a quoted literal (with its quotes or raw-string `r#"`/`"#` delimiters).
fn unescape(lit: &[char]) -> String {
    let raw = lit.first() == Some(&'r');
    let body: String = lit.iter().collect();
    let body = body.trim_start_matches('r').trim_matches('#');
    let body = body.strip_prefix(['"', '\'']).unwrap_or(body);
    let body = body.strip_suffix(['"', '\'']).unwrap_or(body);
    if raw {
        return body.to_string();
    }
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(e @ ('u' | 'x')) => {
                let hex: String = if e == 'u' {
                    chars.by_ref().skip(1).take_while(|&c| c != '}').collect()
                } else {
                    chars.by_ref().take(2).collect()
                };
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.extend(decoded);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finds `needle` (the `nth` occurrence, 0-based) and returns its position.
    fn pos_of(source: &str, needle: &str, nth: usize) -> Position {
        let (byte, _) = source
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} not in source"));
        let before = &source[..byte];
        Position {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
        }
    }

    fn at(source: &str, path: &str) -> Located {
        locate(source, &parse_path(path))
    }

    fn exact(source: &str, path: &str, needle: &str, nth: usize) {
        let got = at(source, path);
        assert_eq!(
            got,
            Located {
                position: pos_of(source, needle, nth),
                exact: true
            },
            "path {path}"
        );
    }

    fn inexact(source: &str, path: &str, needle: &str, nth: usize) {
        let got = at(source, path);
        assert_eq!(
            got,
            Located {
                position: pos_of(source, needle, nth),
                exact: false
            },
            "path {path}"
        );
    }

    const SAMPLE: &str = r##"#![enable(implicit_some)]
// A scenario (with parens, "quotes", and colons: in a comment)
/* block /* nested ( [ { */ still "comment" ) */
Scenario(
    name: "mouse (B16, F10): demo",
    seed: 42,
    species: Mouse,
    clones: [
        (
            name: "B16",
            birth_rate: 0.3, // per day (not "per hour")
            death_rate: 0.1,
            affinity: [(organ: "lung", arrest: 2.0), (organ: 'l', arrest: 1.5)],
        ),
        (
            name: r#"F10 "raw", (x: 1)"#,
            birth_rate: -1,
            shedding: Some(SizePower(exponent: 0.66)),
            wrapped: Some((inner: 7)),
            custom: Custom((deep: [1, 2, 3])),
        ),
    ],
    injections: [
        (time: 0.0, cells: [("B16", 1000), ("F10", 20)]),
    ],
    organs: (
        preset: Human,
        overrides: {
            "liver": (arrest_probability: 1.5),
            bone: (arrest_probability: 0.2),
        },
        list: [(arrest_probability: 0.1), (arrest_probability: 0.2), (x: 0), (arrest_probability: 9.0)],
    ),
    maybe: Some([10, 20, 30]),
    pair: Some((5, 6)),
    variant: Split(1, (a: 2)),
)
"##;

    #[test]
    fn parses_paths() {
        use Segment::{Field, Index};
        let f = |s: &str| Field(s.to_string());
        assert_eq!(
            parse_path("clones[1].affinity[0].organ"),
            vec![f("clones"), Index(1), f("affinity"), Index(0), f("organ")]
        );
        assert_eq!(
            parse_path("injections[0].cells[2].0"),
            vec![f("injections"), Index(0), f("cells"), Index(2), Index(0)]
        );
        assert_eq!(
            parse_path("organs.overrides[\"liver\"].x"),
            vec![f("organs"), f("overrides"), f("liver"), f("x")]
        );
        assert_eq!(parse_path(""), vec![]);
        assert_eq!(parse_path(".a..b[]"), vec![f("a"), f("b")]);
        assert_eq!(parse_path("a.+1"), vec![f("a"), f("+1")]);
        assert_eq!(parse_path("a[99999999999999999999999]").len(), 2);
        assert_eq!(parse_path("a[2"), vec![f("a"), Index(2)]);
    }

    #[test]
    fn top_level_fields_skip_header_and_comments() {
        exact(SAMPLE, "", "Scenario(", 0);
        exact(SAMPLE, "name", "\"mouse", 0);
        exact(SAMPLE, "seed", "42", 0);
        exact(SAMPLE, "species", "Mouse", 0);
        exact(SAMPLE, "clones", "[\n", 0);
    }

    #[test]
    fn nested_structs_lists_and_strings() {
        exact(SAMPLE, "clones[0]", "(\n            name: \"B16\"", 0);
        exact(SAMPLE, "clones[0].birth_rate", "0.3", 0);
        exact(SAMPLE, "clones[0].death_rate", "0.1", 0);
        exact(SAMPLE, "clones[0].affinity[0].organ", "\"lung\"", 0);
        exact(SAMPLE, "clones[0].affinity[1].organ", "'l'", 0);
        exact(SAMPLE, "clones[0].affinity[1].arrest", "1.5", 0);
        exact(SAMPLE, "clones[1].name", "r#\"F10", 0);
        exact(SAMPLE, "clones[1].birth_rate", "-1", 0);
    }

    #[test]
    fn some_and_variants() {
        exact(SAMPLE, "clones[1].shedding", "Some(SizePower", 0);
        exact(SAMPLE, "clones[1].shedding.exponent", "0.66", 0);
        exact(SAMPLE, "clones[1].shedding.SizePower", "SizePower(", 0);
        exact(SAMPLE, "clones[1].shedding.SizePower.exponent", "0.66", 0);
        exact(SAMPLE, "clones[1].wrapped.inner", "7", 0);
        exact(SAMPLE, "clones[1].custom.deep[2]", "3]", 0);
        exact(SAMPLE, "clones[1].custom.Custom.deep[0]", "1, 2", 0);
        exact(SAMPLE, "maybe[1]", "20, 30", 0);
        exact(SAMPLE, "pair.1", "6)),\n    variant", 0);
        exact(SAMPLE, "pair[0]", "5,", 0);
        exact(SAMPLE, "variant.0", "1, (a", 0);
        exact(SAMPLE, "variant.1.a", "2)),", 0);
        exact(SAMPLE, "variant.Split.1", "(a: 2)", 0);
        exact(SAMPLE, "species.Mouse", "Mouse", 0);
        inexact(SAMPLE, "species.Rat", "Mouse", 0);
    }

    #[test]
    fn tuples_in_lists_and_maps() {
        exact(SAMPLE, "injections[0].time", "0.0", 0);
        exact(SAMPLE, "injections[0].cells[0].0", "\"B16\", 1000", 0);
        exact(SAMPLE, "injections[0].cells[1].1", "20)", 0);
        exact(
            SAMPLE,
            "organs.overrides.liver",
            "(arrest_probability: 1.5)",
            0,
        );
        exact(
            SAMPLE,
            "organs.overrides[\"liver\"].arrest_probability",
            "1.5),\n",
            0,
        );
        exact(
            SAMPLE,
            "organs.overrides.bone.arrest_probability",
            "0.2)",
            0,
        );
        exact(SAMPLE, "organs.list[3].arrest_probability", "9.0", 0);
        exact(SAMPLE, "organs.preset", "Human", 0);
    }

    #[test]
    fn missing_paths_fall_back_to_deepest_value() {
        inexact(
            SAMPLE,
            "clones[0].shedding",
            "(\n            name: \"B16\"",
            0,
        );
        inexact(SAMPLE, "clones[7].name", "[\n", 0);
        inexact(SAMPLE, "organs.list[2].arrest_probability", "(x: 0)", 0);
        inexact(SAMPLE, "organs.overrides.kidney", "{\n", 0);
        inexact(SAMPLE, "injections[0].cells[0].2", "(\"B16\"", 0);
        inexact(SAMPLE, "seed.x", "42", 0);
        inexact(SAMPLE, "nope", "Scenario(", 0);
        inexact(SAMPLE, "clones[0][0]", "(\n            name: \"B16\"", 0);
    }

    #[test]
    fn unnamed_top_level_and_no_header() {
        let src = "(a: 1, b: (c: [x, y]))";
        exact(src, "a", "1", 0);
        exact(src, "b.c[1]", "y", 0);
        let src = "\n  /* lead */ Foo (\n a : 1 ,\n b : Bar ( 2 , 3 ) , )";
        exact(src, "", "Foo", 0);
        exact(src, "b.1", "3", 0);
        exact(src, "b.Bar.0", "2", 0);
        let src = "#![enable(implicit_some)] #![enable(unwrap_newtypes)] (x: 5)";
        exact(src, "x", "5", 0);
        let src = "[1, 2]";
        exact(src, "[1]", "2", 0);
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        let src = "(\n  naïve_comment: \"ü€😀 (\", /* é */ rate: 3,\n  ok: 1)";
        let got = at(src, "rate");
        assert_eq!(
            got.position,
            Position {
                line: 2,
                column: 41
            }
        );
        assert_eq!(got.position, pos_of(src, "3,", 0));
        let src = "(name: \"日本\", x: 1)";
        assert_eq!(
            at(src, "x").position,
            Position {
                line: 1,
                column: 17
            }
        );
    }

    #[test]
    fn tricky_literals() {
        let src = r###"(
            a: "a \" ( , : ",
            b: r##"raw "# ) ]"##,
            c: '(',
            d: '\'',
            e: b"bytes (",
            r#type: "raw ident",
            f: 1_000.5e-3,
            g: { "k\"ey": 1, "\u{e9}": 2, 3: 4 },
            h: [(), [], {}],
            i: 7,
        )"###;
        exact(src, "b", "r##", 0);
        exact(src, "c", "'('", 0);
        exact(src, "d", "'\\''", 0);
        exact(src, "e", "b\"", 0);
        exact(src, "type", "\"raw ident\"", 0);
        exact(src, "f", "1_000", 0);
        exact(src, "g[\"k\\\"ey\"]", "1,", 0);
        exact(src, "g.é", "2,", 0);
        exact(src, "g[3]", "4 }", 0);
        exact(src, "h[2]", "{}", 0);
        exact(src, "i", "7", 0);
    }

    #[test]
    fn crlf_line_endings() {
        let src = "(\r\n  a: 1,\r\n  b: 2,\r\n)";
        assert_eq!(at(src, "b").position, Position { line: 3, column: 6 });
    }

    #[test]
    fn tokens_around_a_position() {
        let p = |line, column| Position { line, column };
        let src = "(\n  a: 1.5 /* c */\n  // d\n  b: \"x y\", c: [\n";
        assert_eq!(next_token(src, p(2, 9)), p(4, 3));
        assert_eq!(token(src, p(4, 6)).as_deref(), Some("\"x y\""));
        assert_eq!(token(src, p(2, 6)).as_deref(), Some("1.5"));
        assert_eq!(token(src, p(5, 1)), None);
        assert_eq!(previous_token_end(src, p(4, 3)), p(2, 9));
        assert_eq!(previous_token_end(src, p(1, 1)), p(1, 1));
        assert_eq!(unclosed(src), Some((p(4, 16), '[')));
        assert_eq!(unclosed("(a: \"(\", b: [1, 2]) // ("), None);
        assert_eq!(unclosed("(a: (b: [1]"), Some((p(1, 5), '(')));
        // Past the end of a line or of the text: clamped.
        assert_eq!(next_token("a\nb", p(1, 99)), p(2, 1));
        assert_eq!(next_token("a", p(9, 9)), p(1, 2));
    }

    #[test]
    fn never_panics() {
        let paths: Vec<Vec<Segment>> = [
            "clones[1].shedding.SizePower.exponent",
            "injections[0].cells[1].1",
            "organs.overrides.liver.arrest_probability",
            "maybe[2]",
            "pair.1",
            "",
            "a.b.c[0][1][2]",
        ]
        .iter()
        .map(|p| parse_path(p))
        .collect();
        let check = |src: &str| {
            for p in &paths {
                let got = locate(src, p);
                assert!(got.position.line >= 1 && got.position.column >= 1);
            }
            let _ = unclosed(src);
            for at in [(1, 1), (1, 3), (2, 1), (3, 7), (40, 40)] {
                let at = Position {
                    line: at.0,
                    column: at.1,
                };
                let _ = (next_token(src, at), token(src, at));
                let _ = previous_token_end(src, at);
            }
        };
        let chars: Vec<char> = SAMPLE.chars().collect();
        for n in 0..=chars.len() {
            let prefix: String = chars[..n].iter().collect();
            check(&prefix);
            let suffix: String = chars[n..].iter().collect();
            check(&suffix);
        }
        let garbage = [
            "",
            "(",
            ")",
            "]]]",
            "(((",
            "[[[",
            "{{",
            "#",
            "#!",
            "#![",
            "r#",
            "r##\"",
            "b'",
            "'",
            "\"\\",
            "/*",
            "/* /*",
            "*/",
            "//",
            ":",
            ",,,",
            "(:,:)",
            "(a:)",
            "(a:,b:)",
            "Some(",
            "Some()",
            "Some(,)",
            "x(y(z(",
            "[,]",
            "{:}",
            "{\"a\"",
            "r#\"x\"#\"",
            "\u{feff}(a: 1)",
            "((((((((((a: 1))))))))))",
            "(a: 1))))]]]}}}((",
        ];
        for g in garbage {
            check(g);
        }
        let deep = "Some(".repeat(5_000) + &"[".repeat(5_000);
        check(&deep);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet: Vec<char> = "()[]{}:,\"'#!r b/*\\\nSome(a:1)é0.".chars().collect();
        for _ in 0..2000 {
            let s: String = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            check(&s);
        }
    }
}
