//! Broken scenario files: each is refused with exit code 2 and one message
//! that names the file, the line and column, the field, and what would be
//! valid, never with a panic, and `run --out` writes nothing for it.
//!
//! Every case shows its text next to the expected place and words. Lines
//! and columns are 1-based, columns counted in characters.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One broken scenario and what its message must say.
struct Case {
    /// The file's name, without `.ron`.
    name: &'static str,
    /// The file's text.
    text: &'static str,
    /// Where the message points: line and column.
    at: (usize, usize),
    /// The field path the message names ("" for the whole file).
    field: &'static str,
    /// Words the message must contain.
    words: &'static [&'static str],
    /// Words it must not contain.
    absent: &'static [&'static str],
}

const MOUSE_ORGANS: &str = "\"lung\", \"liver\", \"kidneys\", \"brain\", \"skeleton\", \"spleen\", \
     \"intestine\", \"skin\", \"skeletal_muscle\", \"heart_wall\", \"other_tissues\"";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---------------------------------------------------------------- syntax
    Case {
        name: "syntax_unterminated_string",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16)],
)
"#,
        at: (3, 21),
        field: "clones[0].name",
        words: &["unterminated string", "no closing `\"`"],
        absent: &[],
    },
    Case {
        name: "syntax_unclosed_paren",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
"#,
        at: (3, 29),
        field: "",
        words: &["the file ends before the `(` at 1:9 is closed"],
        absent: &[],
    },
    Case {
        name: "syntax_unclosed_list",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16"),
"#,
        at: (4, 1),
        field: "clones[1]",
        words: &["found the end of the file", "the file ends before the `[` at 3:13 is closed"],
        absent: &[],
    },
    Case {
        name: "syntax_missing_comma",
        text: r#"Scenario(
    stop_day: 10.0
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        // Right after `10.0`, where the comma belongs.
        at: (2, 19),
        field: "",
        words: &["expected `,`", "found `clones` at 3:5"],
        absent: &[],
    },
    Case {
        name: "syntax_trailing_garbage",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
extra
"#,
        at: (6, 1),
        field: "",
        words: &["after the end of the scenario", "found `extra`", "the scenario ends at 5:1"],
        absent: &[],
    },
    Case {
        name: "syntax_unclosed_comment",
        text: r#"Scenario(
    stop_day: 10.0, /* a comment
    clones: [(name: "B16")],
)
"#,
        at: (2, 21),
        field: "",
        words: &["unclosed comment", "`/*`", "`*/`"],
        absent: &[],
    },
    Case {
        name: "syntax_wrong_struct_name",
        text: r#"Scenaro(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (1, 1),
        field: "",
        words: &["expected `Scenario(...)`", "found `Scenaro`", "did you mean `Scenario`?"],
        absent: &[],
    },
    Case {
        name: "syntax_empty_file",
        text: "",
        at: (1, 1),
        field: "",
        words: &["the file is empty", "`Scenario(...)`"],
        absent: &[],
    },
    Case {
        name: "syntax_duplicate_field",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    stop_day: 12.0,
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (4, 5),
        field: "stop_day",
        words: &["`stop_day` is given twice in the Scenario", "keep one"],
        absent: &[],
    },
    // ------------------------------------------- line endings, encodings
    Case {
        name: "crlf_line_endings",
        text: "Scenario(\r\n    stop_day: 10.0,\r\n    clones: [(name: \"B16\", birth_rate: -1.0)],\r\n    primary: (organ: \"breast\", cells: [(\"B16\", 10)]),\r\n)\r\n",
        at: (3, 40),
        field: "clones[0].birth_rate",
        words: &["-1 is invalid"],
        absent: &[],
    },
    Case {
        name: "byte_order_mark",
        // The mark is not a column.
        text: concat!("\u{feff}", r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", birth_rate: -1.0)],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#),
        at: (3, 40),
        field: "clones[0].birth_rate",
        words: &["-1 is invalid"],
        absent: &[],
    },
    Case {
        name: "columns_count_characters",
        // "naïve 日本" is 10 characters and 15 bytes.
        text: r#"Scenario(
  description: "naïve 日本", stop_day: "x",
  clones: [(name: "B16")],
  primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (2, 38),
        field: "stop_day",
        words: &["expected a number", "found `\"x\"`"],
        absent: &[],
    },
    // ------------------------------------------------- unknown fields, names
    Case {
        name: "unknown_top_level_field",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    injectons: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (4, 5),
        field: "injectons",
        words: &[
            "unknown field `injectons` in the Scenario",
            "did you mean `injections`?",
            "valid fields: description, seed, replicates, stop_day",
            "harvest_days",
        ],
        absent: &[],
    },
    Case {
        name: "unknown_field_far_from_any",
        text: r#"Scenario(
    stop_day: 10.0,
    temperature: 37.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 5),
        field: "temperature",
        words: &["unknown field `temperature`", "valid fields:", "clones"],
        absent: &["did you mean"],
    },
    Case {
        name: "unknown_field_in_clone",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", brith_rate: 0.5)],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 28),
        field: "clones[0].brith_rate",
        words: &[
            "unknown field `brith_rate` in the clone",
            "did you mean `birth_rate`?",
            "valid fields: name, birth_rate, death_rate",
        ],
        absent: &[],
    },
    Case {
        name: "unknown_field_in_organ_change",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (change: [(organ: "liver", arest_probability: 0.5)]),
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 40),
        field: "organs.change[0].arest_probability",
        words: &["unknown field `arest_probability`", "did you mean `arrest_probability`?"],
        absent: &[],
    },
    Case {
        name: "unknown_field_in_size_power",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
    shedding: SizePower(coeficient: 5.3e-8, exponent: 0.66),
)
"#,
        at: (5, 25),
        field: "shedding.SizePower.coeficient",
        words: &["unknown field `coeficient`", "did you mean `coefficient`?"],
        absent: &[],
    },
    Case {
        name: "unknown_organ_in_affinity",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [
        (
            name: "B16",
            affinity: [(organ: "lungs", arrest: 2.0)],
        ),
    ],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (7, 32),
        field: "clones[0].affinity[0].organ",
        words: &["unknown organ \"lungs\"", "did you mean \"lung\"?", "valid organs:", MOUSE_ORGANS],
        absent: &[],
    },
    Case {
        name: "unknown_organ_of_primary",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "brest", cells: [("B16", 10)]),
)
"#,
        at: (4, 22),
        field: "primary.organ",
        words: &["unknown organ \"brest\"", "did you mean \"breast\"?", "\"prostate\", \"breast\""],
        absent: &[],
    },
    Case {
        name: "unknown_organ_changed",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse, change: [(organ: "kidney", arrest_probability: 0.6)]),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (3, 46),
        field: "organs.change[0].organ",
        words: &["unknown organ \"kidney\"", "did you mean \"kidneys\"?", MOUSE_ORGANS],
        absent: &[],
    },
    Case {
        name: "unknown_vein_in_injection",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vien", cells: [("B16", 10)])],
)
"#,
        at: (5, 25),
        field: "injections[0].vein",
        words: &[
            "unknown vein \"tail_vien\"",
            "did you mean \"tail_vein\"?",
            "valid veins: \"tail_vein\", \"mesenteric_vein\", \"portal_vein\", \"left_ventricle\"",
        ],
        absent: &[],
    },
    Case {
        name: "unknown_vein_of_another_species",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (4, 25),
        field: "injections[0].vein",
        words: &[
            "unknown vein \"tail_vein\"",
            "valid veins: \"peripheral_vein\", \"portal_vein\", \"left_ventricle\"",
        ],
        absent: &["did you mean"],
    },
    Case {
        name: "unknown_clone_in_cells",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B61", 10)]),
)
"#,
        at: (4, 41),
        field: "primary.cells[0].0",
        words: &["unknown clone \"B61\"", "did you mean \"B16\"?", "valid clones: \"B16\""],
        absent: &[],
    },
    Case {
        name: "unknown_preset",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mose),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (3, 22),
        field: "organs.preset",
        words: &["unknown variant `Mose`", "did you mean `Mouse`?", "valid: Human, Mouse, Empty"],
        absent: &[],
    },
    Case {
        name: "unknown_growth_law",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)], growth_law: Logistc),
)
"#,
        at: (4, 66),
        field: "primary.growth_law",
        words: &[
            "unknown variant `Logistc`",
            "did you mean `Logistic`?",
            "valid: Exponential, Logistic, Gompertz",
        ],
        absent: &[],
    },
    Case {
        name: "unknown_mode",
        text: r#"Scenario(
    stop_day: 10.0,
    mode: Hybrid,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 11),
        field: "mode",
        words: &["unknown variant `Hybrid`", "valid: Exact"],
        absent: &[],
    },
    // -------------------------------------------------------- missing fields
    Case {
        name: "missing_stop_day",
        text: r#"Scenario(
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        // The struct it is missing from, not its closing parenthesis.
        at: (1, 1),
        field: "stop_day",
        words: &["missing field `stop_day`", "the Scenario that starts here (and ends at 5:1)", "no default"],
        absent: &[],
    },
    Case {
        name: "missing_clones",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (1, 1),
        field: "clones",
        words: &["missing field `clones`", "Scenario", "ends at 5:1"],
        absent: &[],
    },
    Case {
        name: "missing_vein_of_injection",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    injections: [
        (day: 1.0, cells: [("B16", 10)]),
    ],
)
"#,
        at: (5, 9),
        field: "injections[0].vein",
        words: &["missing field `vein`", "the injection that starts here (and ends at 5:40)"],
        absent: &[],
    },
    Case {
        name: "missing_drain_of_added_organ",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        add: [
            (name: "ovary", cardiac_output_share: 0.0),
        ],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (6, 13),
        field: "organs.add[0].drains_to",
        words: &["missing field `drains_to`", "the added organ that starts here (and ends at 6:54)"],
        absent: &[],
    },
    Case {
        name: "missing_size_power_coefficient",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
    shedding: SizePower(exponent: 0.5),
)
"#,
        at: (5, 15),
        field: "shedding.SizePower.coefficient",
        words: &["missing field `coefficient`", "SizePower"],
        absent: &[],
    },
    // ------------------------------------------------------------ wrong type
    Case {
        name: "string_for_a_number",
        text: r#"Scenario(
    stop_day: "ten",
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (2, 15),
        field: "stop_day",
        words: &["expected a number", "found `\"ten\"`"],
        absent: &[],
    },
    Case {
        name: "string_for_a_rate",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", birth_rate: "fast")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 40),
        field: "clones[0].birth_rate",
        words: &["expected a number", "found `\"fast\"`"],
        absent: &[],
    },
    Case {
        name: "number_for_a_name",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: 16)],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 21),
        field: "clones[0].name",
        words: &["expected a string in double quotes", "found `16`"],
        absent: &[],
    },
    Case {
        name: "string_for_a_drain",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (change: [(organ: "liver", drains_to: "lung")]),
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 51),
        field: "organs.change[0].drains_to",
        words: &["expected `Organ(\"organ name\")` or `Arterial`", "found `\"lung\"`"],
        absent: &[],
    },
    Case {
        name: "number_for_a_list",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
    harvest_days: 5.0,
)
"#,
        at: (5, 19),
        field: "harvest_days",
        words: &["expected a list of days", "found `5.0`"],
        absent: &[],
    },
    Case {
        name: "fraction_for_a_whole_number",
        text: r#"Scenario(
    stop_day: 10.0,
    replicates: 2.5,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 17),
        field: "replicates",
        words: &["expected a whole number", "found `2.5`"],
        absent: &[],
    },
    Case {
        name: "fraction_of_a_cell",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 1.5)]),
)
"#,
        at: (4, 48),
        field: "primary.cells[0].1",
        words: &["expected a whole number", "found `1.5`"],
        absent: &[],
    },
    Case {
        name: "cells_without_a_count",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16")]),
)
"#,
        at: (4, 40),
        field: "primary.cells[0]",
        words: &["tuple of size 2", "(\"clone name\", number of cells)"],
        absent: &[],
    },
    // ------------------------------------------------------- numeric ranges
    Case {
        name: "nan_rate",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", birth_rate: NaN)],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 40),
        field: "clones[0].birth_rate",
        words: &["NaN is invalid", "a finite number >= 0"],
        absent: &[],
    },
    Case {
        name: "negative_rate",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [
        (name: "B16", death_rate: -0.1),
    ],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (4, 35),
        field: "clones[0].death_rate",
        words: &["-0.1 is invalid", "a finite number >= 0"],
        absent: &[],
    },
    Case {
        name: "negative_rate_in_metastases",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [
        (name: "A"),
        (name: "B", in_metastases: (birth_rate: -1.0)),
    ],
    primary: (organ: "breast", cells: [("A", 10)]),
)
"#,
        at: (5, 49),
        field: "clones[1].in_metastases.birth_rate",
        words: &["-1 is invalid", ">= 0"],
        absent: &[],
    },
    Case {
        name: "negative_affinity",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", affinity: [(organ: "lung", arrest: -2.0)])],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 63),
        field: "clones[0].affinity[0].arrest",
        words: &["-2 is invalid", ">= 0"],
        absent: &[],
    },
    Case {
        name: "probability_above_one",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", mutation_probability: 1.5)],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 50),
        field: "clones[0].mutation_probability",
        words: &["1.5 is invalid", "a probability in [0, 1]"],
        absent: &[],
    },
    Case {
        name: "organ_probability_above_one",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse, change: [(organ: "kidneys", arrest_probability: 1.5)]),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (3, 77),
        field: "organs.change[0].arrest_probability",
        words: &["1.5 is invalid for organ \"kidneys\"", "a probability in [0, 1]"],
        absent: &["arrest_probability ="],
    },
    Case {
        name: "negative_solitary_division_multiplier",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse, change: [(organ: "liver", solitary_division_multiplier: -0.1)]),
    clones: [(name: "B16")],
    injections: [(vein: "mesenteric_vein", cells: [("B16", 10)])],
)
"#,
        at: (3, 85),
        field: "organs.change[0].solitary_division_multiplier",
        words: &["-0.1 is invalid for organ \"liver\"", "a finite number >= 0"],
        absent: &[],
    },
    Case {
        name: "infinite_solitary_division_multiplier_of_added_organ",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        add: [(name: "graft", cardiac_output_share: 0.0, drains_to: Organ("lung"),
               solitary_division_multiplier: inf)],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (6, 46),
        field: "organs.add[0].solitary_division_multiplier",
        words: &["inf is invalid for organ \"graft\"", "a finite number >= 0"],
        absent: &[],
    },
    Case {
        name: "misspelt_solitary_division_multiplier_in_every",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse, every: (solitary_divison_multiplier: 0.1)),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (3, 37),
        field: "organs.every.solitary_divison_multiplier",
        words: &[
            "unknown field `solitary_divison_multiplier` in the organs.every section",
            "did you mean `solitary_division_multiplier`?",
            "valid fields: arrest_probability",
            "growth_multiplier, solitary_division_multiplier, carrying_capacity",
        ],
        absent: &[],
    },
    Case {
        name: "zero_clump_size",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "F1"), (name: "F10")],
    injections: [(vein: "tail_vein", cells: [("F1", 10), ("F10", 10)], clump_size: 0)],
)
"#,
        at: (5, 84),
        field: "injections[0].clump_size",
        words: &[
            "0 is invalid",
            "a clump size of at least 1 cell (1 or absent: single cells; 2 or more: clumps of that many cells)",
        ],
        absent: &[],
    },
    Case {
        name: "negative_clump_size",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)], clump_size: -4)],
)
"#,
        at: (5, 72),
        field: "injections[0].clump_size",
        words: &["out of range", "a whole number from 0 to 18446744073709551615"],
        absent: &[],
    },
    Case {
        name: "fractional_clump_size",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)], clump_size: 2.5)],
)
"#,
        at: (5, 72),
        field: "injections[0].clump_size",
        words: &["expected a whole number", "found `2.5`"],
        absent: &[],
    },
    Case {
        name: "misspelt_clump_size",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)], clump_sise: 4)],
)
"#,
        at: (5, 60),
        field: "injections[0].clump_sise",
        words: &[
            "unknown field `clump_sise` in the injection",
            "did you mean `clump_size`?",
            "valid fields: day, vein, cells, clump_size",
        ],
        absent: &[],
    },
    Case {
        name: "too_many_cells_in_clumps",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [
        (vein: "tail_vein", cells: [("B16", 6_000_000)], clump_size: 3),
        (vein: "tail_vein", cells: [("B16", 6_000_000)], clump_size: 3),
    ],
)
"#,
        at: (7, 70),
        field: "injections[1].clump_size",
        words: &[
            "12000000 cells dealt into clumps with the earlier injections'",
            "at most 10000000 cells in clumps in all",
        ],
        absent: &[],
    },
    Case {
        name: "infinite_transit_time",
        text: r#"Scenario(
    stop_day: 10.0,
    transit_time: inf,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 19),
        field: "transit_time",
        words: &["inf is invalid", "a time in days > 0"],
        absent: &[],
    },
    // Issue 16: valid for `check` before, then a run that never ended
    // (5 + 1e-300 == 5) or NaN rates.
    Case {
        name: "vanishing_transit_time",
        text: r#"Scenario(
    stop_day: 10.0,
    transit_time: 1e-300,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 19),
        field: "transit_time",
        words: &["1e-300 is invalid", "at least 1 / MAX_RATE = 1e-6"],
        absent: &["0.0000"],
    },
    Case {
        name: "subnormal_transit_time",
        text: r#"Scenario(
    stop_day: 10.0,
    transit_time: 1e-320,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 19),
        field: "transit_time",
        words: &["1e-320 is invalid", "MAX_RATE"],
        absent: &["NaN"],
    },
    Case {
        name: "time_scale_vanishing_against_stop_day",
        text: r#"Scenario(
    stop_day: 1e300,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (1, 1),
        field: "transit_time",
        words: &["transit time of at least stop_day × 2^-40", "cannot advance"],
        absent: &[],
    },
    Case {
        name: "affinity_lifting_a_rate_over_the_bound",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", affinity: [(organ: "lung", growth: 1e7)])],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 63),
        field: "clones[0].affinity[0].growth",
        words: &["1e7 is invalid", "divisions in metastases in the lung", "MAX_RATE = 1e6", "it makes 7e6"],
        absent: &[],
    },
    Case {
        name: "negative_stop_day",
        text: r#"Scenario(
    stop_day: -1.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (2, 15),
        field: "stop_day",
        words: &["-1 is invalid", "a finite day > 0"],
        absent: &[],
    },
    Case {
        name: "harvest_after_stop_day",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
    harvest_days: [1.0, 12.0],
)
"#,
        at: (5, 25),
        field: "harvest_days[1]",
        words: &["12 is invalid", "a day in [0, stop_day = 10]"],
        absent: &[],
    },
    Case {
        name: "zero_replicates",
        text: r#"Scenario(
    stop_day: 10.0,
    replicates: 0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 17),
        field: "replicates",
        words: &["0 is invalid", "expected 1 to 10000000"],
        absent: &[],
    },
    Case {
        name: "size_power_exponent_above_one",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
    shedding: SizePower(coefficient: 5.3e-8, exponent: 1.5),
)
"#,
        at: (5, 56),
        field: "shedding.SizePower.exponent",
        words: &["1.5 is invalid", "a number in [0, 1]"],
        absent: &[],
    },
    Case {
        name: "primary_capacity_not_above_one",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (
        organ: "breast",
        cells: [("B16", 10)],
        carrying_capacity: 1.0,
    ),
)
"#,
        at: (7, 28),
        field: "primary.carrying_capacity",
        words: &["1 is invalid", "a finite number of cells > 1"],
        absent: &[],
    },
    Case {
        name: "negative_cell_count",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", -5)]),
)
"#,
        at: (4, 48),
        field: "primary.cells[0].1",
        words: &["out of range", "a whole number from 0 to 18446744073709551615"],
        absent: &[],
    },
    Case {
        name: "cell_count_overflows",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 100000000000000000000)]),
)
"#,
        at: (4, 48),
        field: "primary.cells[0].1",
        words: &["out of range", "18446744073709551615"],
        absent: &[],
    },
    Case {
        name: "cell_count_too_large",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 18000000000000000000)]),
)
"#,
        at: (4, 48),
        field: "primary.cells[0].1",
        words: &["18000000000000000000 cells is too many", "at most 2^62 = 4611686018427387904"],
        absent: &["primary.cells ="],
    },
    Case {
        name: "cells_too_many_in_all",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [
        (vein: "tail_vein", cells: [("B16", 3000000000000000000)]),
        (vein: "tail_vein", cells: [("B16", 3000000000000000000)]),
    ],
)
"#,
        at: (7, 36),
        field: "injections[1].cells",
        words: &["6000000000000000000 cells", "earlier injections", "at most 2^62"],
        absent: &[],
    },
    // ----------------------------------------------------------------- clones
    Case {
        name: "empty_clone_list",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 13),
        field: "clones",
        words: &["the clone list is empty", "at least one clone"],
        absent: &[],
    },
    Case {
        name: "duplicate_clone_names",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [
        (name: "B16"),
        (name: "B16"),
    ],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (5, 16),
        field: "clones[1].name",
        words: &["\"B16\" is already the name of clones[0]"],
        absent: &[],
    },
    Case {
        name: "clone_name_with_a_dot",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16.F10")],
    primary: (organ: "breast", cells: [("B16.F10", 10)]),
)
"#,
        at: (3, 21),
        field: "clones[0].name",
        words: &["\"B16.F10\" contains '.'", "mutants", "a name without '.'"],
        absent: &["clones[0].name ="],
    },
    Case {
        name: "duplicate_affinity",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", affinity: [(organ: "lung"), (organ: "lung")])],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 64),
        field: "clones[0].affinity[1].organ",
        words: &["\"lung\" already has an affinity in clones[0].affinity[0]"],
        absent: &[],
    },
    Case {
        name: "no_cells",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 0)]),
)
"#,
        at: (4, 39),
        field: "primary.cells",
        words: &["no cells", "at least one cell"],
        absent: &[],
    },
    Case {
        name: "no_primary_and_no_injection",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
)
"#,
        at: (1, 1),
        field: "primary",
        words: &["neither a primary tumour nor an injection", "give `primary` or `injections`"],
        absent: &[],
    },
    // ---------------------------------------------------- organs and veins
    Case {
        name: "shares_do_not_sum_to_one",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        change: [(organ: "liver", cardiac_output_share: 0.5)],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (5, 57),
        field: "organs.change[0].cardiac_output_share",
        words: &[
            "the cardiac output shares sum to 1.48, expected 1",
            "the file sets liver 0.5 (organs.change[0].cardiac_output_share)",
            "the other organs' shares sum to 0.98",
        ],
        absent: &[],
    },
    Case {
        name: "added_organ_drains_to_unknown_organ",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        change: [(organ: "other_tissues", cardiac_output_share: 0.305)],
        add: [(name: "ovary", cardiac_output_share: 0.01, drains_to: Organ("livr"))],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (6, 70),
        field: "organs.add[0].drains_to",
        words: &[
            "organ \"ovary\" drains to unknown organ \"livr\"",
            "did you mean \"liver\"?",
            "expected Arterial or one of the organs",
            "\"other_tissues\", \"ovary\"",
        ],
        absent: &[],
    },
    Case {
        name: "drain_cycle",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        change: [(organ: "liver", drains_to: Organ("spleen"))],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (5, 46),
        field: "organs.change[0].drains_to",
        words: &["liver -> spleen -> liver", "without reaching the arterial side"],
        absent: &[],
    },
    Case {
        name: "drain_cycle_through_an_added_organ",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Empty,
        add: [
            (name: "a", cardiac_output_share: 0.5, drains_to: Organ("b")),
            (name: "b", cardiac_output_share: 0.5, drains_to: Organ("a")),
        ],
        veins: [(name: "v", leads_to: Organ("a"))],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "v", cells: [("B16", 10)])],
)
"#,
        at: (6, 63),
        field: "organs.add[0].drains_to",
        words: &["a -> b -> a", "expected every chain of drains to end at Arterial"],
        absent: &[],
    },
    Case {
        name: "no_arterial_destination",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Empty,
        add: [(name: "a", cardiac_output_share: 0.0, drains_to: Arterial)],
    ),
    clones: [(name: "B16")],
    primary: (organ: "a", cells: [("B16", 10)]),
)
"#,
        at: (3, 13),
        field: "organs",
        words: &["cardiac output share"],
        absent: &[],
    },
    Case {
        name: "empty_organ_set",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Empty),
    clones: [(name: "B16")],
    primary: (organ: "breast", cells: [("B16", 10)]),
)
"#,
        at: (3, 13),
        field: "organs",
        words: &["the organ set is empty", "at least one organ"],
        absent: &[],
    },
    Case {
        name: "duplicate_vein",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        veins: [(name: "tail_vein", leads_to: Organ("liver"))],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (5, 24),
        field: "organs.veins[0].name",
        words: &["vein \"tail_vein\" is given twice", "unique vein names"],
        absent: &["organs.preset"],
    },
    Case {
        name: "vein_leads_to_unknown_organ",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        veins: [(name: "jugular", leads_to: Organ("lungs"))],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "jugular", cells: [("B16", 10)])],
)
"#,
        at: (5, 45),
        field: "organs.veins[0].leads_to",
        words: &["vein \"jugular\" leads to unknown organ \"lungs\"", "did you mean \"lung\"?"],
        absent: &[],
    },
    Case {
        name: "added_organ_already_in_preset",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (
        preset: Mouse,
        add: [(name: "liver", cardiac_output_share: 0.0, drains_to: Arterial)],
    ),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
)
"#,
        at: (5, 22),
        field: "organs.add[0].name",
        words: &["organ \"liver\" is given twice"],
        absent: &[],
    },
    // --------------------------------------------------------------- therapy
    Case {
        name: "therapy_unknown_drug_in_a_cycle",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
    therapy: (
        drugs: [(name: "cisplatin", log_kill: 2.0)],
        regimens: [(start: Day(1.0), every: 2.0, doses: 3, cycle: [["cisplatin", "cysplatin"]])],
    ),
)
"#,
        at: (7, 82),
        field: "therapy.regimens[0].cycle[0][1]",
        words: &["unknown drug \"cysplatin\"", "cisplatin"],
        absent: &[],
    },
    Case {
        name: "therapy_doses_given_twice",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
    therapy: (
        drugs: [(name: "A", log_kill: 2.0)],
        regimens: [(start: Day(1.0), every: 2.0, doses: 3, days: [0.0, 4.0], cycle: [["A"]])],
    ),
)
"#,
        at: (7, 20),
        field: "therapy.regimens[0]",
        words: &["either as `every` and `doses`", "or as `days`"],
        absent: &[],
    },
    Case {
        name: "therapy_surgery_without_a_primary",
        text: r#"Scenario(
    stop_day: 10.0,
    organs: (preset: Mouse),
    clones: [(name: "B16")],
    injections: [(vein: "tail_vein", cells: [("B16", 10)])],
    therapy: (surgery: Some((at: Day(2.0)))),
)
"#,
        at: (6, 24),
        field: "therapy.surgery",
        words: &["no primary tumour to remove"],
        absent: &[],
    },
    Case {
        name: "therapy_start_at_surgery_without_one",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
    therapy: (
        drugs: [(name: "A", log_kill: 2.0)],
        regimens: [(start: Surgery, days: [0.0], cycle: [["A"]])],
    ),
)
"#,
        at: (7, 28),
        field: "therapy.regimens[0].start",
        words: &["Surgery needs `therapy.surgery`"],
        absent: &[],
    },
    Case {
        name: "therapy_negative_log_kill",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
    therapy: (drugs: [(name: "A", log_kill: -1.0)]),
)
"#,
        at: (5, 45),
        field: "therapy.drugs[0].log_kill",
        words: &["-1", "logs of kill per dose >= 0"],
        absent: &[],
    },
    Case {
        name: "therapy_sensitivity_to_an_unknown_drug",
        text: r#"Scenario(
    stop_day: 10.0,
    clones: [(name: "B16", sensitivity: [("B", 0.0)])],
    primary: (organ: "skin", cells: [("B16", 10)]),
    therapy: (drugs: [(name: "A", log_kill: 2.0)]),
)
"#,
        at: (3, 43),
        field: "clones[0].sensitivity[0].0",
        words: &["unknown drug \"B\"", "\"A\""],
        absent: &[],
    },
    // ----------------------------------------------------------------- modes
    Case {
        name: "stepped_mode_with_a_zero_step",
        text: r#"Scenario(
    stop_day: 10.0,
    mode: Stepped(step: 0.0),
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
)
"#,
        at: (3, 25),
        field: "mode.Stepped.step",
        words: &["0 is invalid", "days > 0", "0.01"],
        absent: &[],
    },
    Case {
        name: "stepped_mode_from_one_cell",
        text: r#"Scenario(
    stop_day: 10.0,
    mode: Stepped(threshold: 1),
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
)
"#,
        at: (3, 30),
        field: "mode.Stepped.threshold",
        words: &["at least 2 cells"],
        absent: &[],
    },
    Case {
        name: "stepped_mode_with_an_unknown_way_for_constant_rates",
        text: r#"Scenario(
    stop_day: 10.0,
    mode: Stepped(constant_rates: Sometimes),
    clones: [(name: "B16")],
    primary: (organ: "skin", cells: [("B16", 10)]),
)
"#,
        at: (3, 35),
        field: "mode.Stepped.constant_rates",
        words: &["Sometimes", "Auto, Exact, Counted"],
        absent: &[],
    },
];
/// A fresh directory for this test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("broken-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    dir
}

fn cascade(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(args)
        .output()
        .expect("the cascade binary runs")
}

/// What is wrong with the answer to `case` (empty when it is right).
fn problems(case: &Case, file: &Path, out: &std::process::Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", out.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("it panicked".into());
    }
    if stderr.lines().count() != 1 {
        problems.push("the message is not one line".into());
    }
    let (line, column) = case.at;
    let mut head = format!("error: {}:{line}:{column}: ", file.display());
    if !case.field.is_empty() {
        head.push_str(case.field);
        head.push_str(": ");
    }
    if !stderr.starts_with(&head) {
        problems.push(format!("expected it to start with {head:?}"));
    }
    for word in case.words {
        if !stderr.contains(word) {
            problems.push(format!("missing {word:?}"));
        }
    }
    for word in case.absent {
        if stderr.contains(word) {
            problems.push(format!("unexpected {word:?}"));
        }
    }
    problems
}

#[test]
fn there_are_enough_cases_with_distinct_names() {
    assert!(CASES.len() >= 35, "{} cases", CASES.len());
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "case names are unique");
}

#[test]
fn broken_scenarios_are_refused_with_a_placed_message() {
    let dir = scratch("check");
    let mut failures = Vec::new();
    for case in CASES {
        let file = dir.join(format!("{}.ron", case.name));
        std::fs::write(&file, case.text).expect("the case can be written");
        let out = cascade(&["check", file.to_str().expect("a UTF-8 path")]);
        let problems = problems(case, &file, &out);
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n    stderr: {}",
                case.name,
                problems.join("; "),
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{}: something was printed on stdout", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn a_broken_scenario_writes_no_results() {
    let dir = scratch("run");
    for case in CASES {
        let file = dir.join(format!("{}.ron", case.name));
        std::fs::write(&file, case.text).expect("the case can be written");
        let out_dir = dir.join(format!("{}-out", case.name));
        let out = cascade(&[
            "run",
            file.to_str().expect("a UTF-8 path"),
            "--out",
            out_dir.to_str().expect("a UTF-8 path"),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", case.name);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", case.name);
        assert!(
            stderr.contains(&format!("{}:", file.display())),
            "{}: {stderr}",
            case.name
        );
        assert!(
            !out_dir.exists(),
            "{}: run --out created {}",
            case.name,
            out_dir.display()
        );
    }
}

/// Lines and columns of `text`'s characters, plus the position just past
/// its end, so that an error's place can be checked to be in the file.
fn in_file(text: &str, (line, column): (usize, usize)) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1].chars().count() + 1
}

#[test]
fn every_prefix_and_corruption_of_a_valid_scenario_is_refused_in_place() {
    let valid = include_str!("../../scenarios/quickstart.ron");
    let path = Path::new("quickstart.ron");
    let check = |text: &str, what: &str| {
        let outcome = std::panic::catch_unwind(|| {
            cascade_runner::parse::<cascade_biology::NoExtension>(text, path).map(|_| ())
        });
        match outcome {
            Err(_) => panic!("{what}: parsing panicked"),
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                let position = error.position.expect("a parsed text has a position");
                assert!(
                    in_file(text, position),
                    "{what}: {error} is outside the file"
                );
                assert!(!error.message.is_empty(), "{what}: empty message");
            }
        }
    };
    let chars: Vec<char> = valid.chars().collect();
    // Every prefix that cuts the scenario short is refused.
    for n in 0..chars.len() {
        let prefix: String = chars[..n].iter().collect();
        let text = format!("{prefix}\n");
        check(&text, &format!("prefix of {n} chars"));
        let result = cascade_runner::parse::<cascade_biology::NoExtension>(&text, path);
        let closed = valid.trim_end().len() <= prefix.len();
        assert!(
            result.is_err() || closed,
            "prefix of {n} chars was accepted"
        );
    }
    // Each character replaced by one that often breaks things.
    for (i, _) in chars.iter().enumerate() {
        for replacement in ['(', ')', '"', ',', '-', 'x', ':'] {
            let mut broken = chars.clone();
            broken[i] = replacement;
            let text: String = broken.into_iter().collect();
            check(&text, &format!("char {i} replaced by {replacement:?}"));
        }
    }
}

/// Runs `cascade ARGS`, failing the test if it has not ended within
/// `seconds` (it is killed then).
fn cascade_within(args: &[&str], seconds: u64) -> std::process::Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cascade binary runs");
    // Wall time bounds the test; it decides nothing in the run.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    loop {
        if child
            .try_wait()
            .expect("the child can be waited for")
            .is_some()
        {
            return child.wait_with_output().expect("its output can be read");
        }
        if started.elapsed().as_secs() >= seconds {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cascade {args:?} did not end within {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The message a too-large scenario file gets.
const TOO_LARGE: &str =
    "the file is larger than the limit of 64 MiB (67108864 bytes) for a scenario file";

#[test]
fn an_endless_device_is_refused_at_the_size_limit_promptly() {
    let device = Path::new("/dev/zero");
    if !device.exists() {
        return;
    }
    let out = cascade_within(&["check", "/dev/zero"], 30);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!("error: /dev/zero: {TOO_LARGE}; a scenario is a few kilobytes of RON text")
    );
}

#[test]
fn a_file_one_byte_over_the_size_limit_is_refused() {
    let dir = scratch("too-large");
    let file = dir.join("large.ron");
    // Sparse: no disk space and nothing read, the size alone refuses it.
    std::fs::File::create(&file)
        .and_then(|f| f.set_len(cascade_runner::scenario::MAX_SCENARIO_BYTES + 1))
        .expect("a sparse file can be made");
    let path = file.to_str().expect("a UTF-8 path");
    for command in ["check", "run", "digest", "sweep"] {
        let out = cascade_within(&[command, path], 30);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {path}: {TOO_LARGE}")),
            "{command}: {stderr}"
        );
    }
    let error = cascade_runner::load::<cascade_biology::NoExtension>(&file).unwrap_err();
    assert_eq!(error.position, None);
    assert!(error.message.contains("64 MiB"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_utf8_is_placed_at_its_first_invalid_byte() {
    let dir = scratch("not-utf8");
    // (text, line, column in characters, what the message names)
    let cases: [(Vec<u8>, usize, usize, &str); 4] = [
        (
            b"Scenario(\n    stop_day: 10.0,\n    clones: [(name: \"B\xFF16\")],\n)\n".to_vec(),
            3,
            23,
            "invalid byte 0xFF",
        ),
        // Columns count characters: the accent and the dash are one each.
        (
            [
                "Scenario(\n    description: \"caf\u{e9} \u{2014} ".as_bytes(),
                b"\xFE\")\n",
            ]
            .concat(),
            2,
            26,
            "invalid byte 0xFE",
        ),
        // After a byte order mark, which no column counts.
        (
            b"\xEF\xBB\xBFScenario(\xC0\x80)".to_vec(),
            1,
            10,
            "invalid byte 0xC0",
        ),
        (
            b"Scenario(\n  // \xE2\x82".to_vec(),
            2,
            6,
            "the file ends within a character (bytes 0xE2 0x82)",
        ),
    ];
    for (k, (text, line, column, words)) in cases.iter().enumerate() {
        let (line, column, words) = (*line, *column, *words);
        let file = dir.join(format!("case{k}.ron"));
        std::fs::write(&file, text).unwrap();
        let out = cascade(&["check", file.to_str().expect("a UTF-8 path")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {k}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: {}:{line}:{column}: not UTF-8 text: ",
                file.display()
            )),
            "case {k}: {stderr}"
        );
        assert!(stderr.contains(words), "case {k}: {stderr}");
        assert!(stderr.contains("save it as UTF-8"), "case {k}: {stderr}");
        let error = cascade_runner::load::<cascade_biology::NoExtension>(&file).unwrap_err();
        assert_eq!(error.position, Some((line, column)), "case {k}");
    }
    // A UTF-16 file: its byte order mark is named.
    let file = dir.join("utf16.ron");
    std::fs::write(&file, b"\xFF\xFES\x00c\x00").unwrap();
    let out = cascade(&["check", file.to_str().expect("a UTF-8 path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(":1:1: not UTF-8 text: invalid byte 0xFF"),
        "{stderr}"
    );
    assert!(stderr.contains("UTF-16"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
