//! The one definition of every output table: its columns' names, types,
//! units and meanings, and whether a column may be empty.
//!
//! Everything that writes or describes a table reads it from here: the
//! CSV header and rows ([`TableSchema::csv_header`],
//! [`TableSchema::write_csv_row`]), the Parquet schema (fixed types, never
//! guessed from the values), the data dictionary written into every run
//! directory ([`dictionary`]), the output section of `docs/scenarios.md`
//! ([`doc::output_section`], checked by a test) and the check that an
//! extension's columns take no name a table already has ([`clash`]).
//!
//! A table is built-in columns ([`Table::columns`]) and, where the table
//! takes them, the extension's fates and then its counters
//! ([`schemas`]). A sweep puts its point's columns in front of every table
//! ([`sweep_schemas`]) and writes `points.csv` ([`points_schema`]).
//!
//! A replicate's rows are typed ([`Value`], [`Row`]); days are always
//! written as decimals (`50.0`, never `50`, [`day_text`]), so that a reader
//! that guesses types from the text reads every day column as a float.

use std::borrow::Cow;
use std::fmt;

use cascade_biology::model::{Compartment, Declarations, FateDeclaration, Outcome};
use cascade_biology::observables::Funnel;

pub mod doc;
#[cfg(test)]
mod tests;

/// The type of a column's values.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A simulated day (a float of days): Parquet `Float64`, written as a
    /// decimal in CSV (`50.0`).
    Day,
    /// A whole number ≥ 0: a count, an index or an id (`UInt64`).
    Count,
    /// A whole number that may be negative (`Int64`).
    Integer,
    /// A real number (`Float64`), written in CSV as the shortest text that
    /// reads back to the same value.
    Float,
    /// `true` or `false` (`Boolean`).
    Boolean,
    /// Text (`Utf8`), quoted in CSV when it holds a comma, a quote or a
    /// line break.
    Text,
    /// A name from a short list that rows repeat (an organ, a clone, a
    /// drug, a site's kind, why a replicate ended): text as
    /// [`ColumnType::Text`] in CSV and Parquet (`Utf8`); the run store
    /// keeps each name once and the rows an integer id of it.
    Name,
}

impl ColumnType {
    /// Every type, in declaration order.
    pub const ALL: [ColumnType; 7] = [
        ColumnType::Day,
        ColumnType::Count,
        ColumnType::Integer,
        ColumnType::Float,
        ColumnType::Boolean,
        ColumnType::Text,
        ColumnType::Name,
    ];

    /// The SQLite column type: `REAL` for days and floats, `INTEGER` for
    /// counts, integers, booleans (0 or 1) and names (the id of the name
    /// in the store's `cascade_names`), `TEXT` for text.
    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Day | ColumnType::Float => "REAL",
            ColumnType::Count | ColumnType::Integer | ColumnType::Boolean | ColumnType::Name => {
                "INTEGER"
            }
            ColumnType::Text => "TEXT",
        }
    }

    /// The Arrow/Parquet type's name: `Float64`, `UInt64`, `Int64`,
    /// `Boolean` or `Utf8`.
    pub fn parquet_name(self) -> &'static str {
        match self {
            ColumnType::Day | ColumnType::Float => "Float64",
            ColumnType::Count => "UInt64",
            ColumnType::Integer => "Int64",
            ColumnType::Boolean => "Boolean",
            ColumnType::Text | ColumnType::Name => "Utf8",
        }
    }

    /// Its name in the data dictionary and the docs: `day`, `count`,
    /// `integer`, `float`, `boolean`, `text` or `name`.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Day => "day",
            ColumnType::Count => "count",
            ColumnType::Integer => "integer",
            ColumnType::Float => "float",
            ColumnType::Boolean => "boolean",
            ColumnType::Text => "text",
            ColumnType::Name => "name",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its name, the CSV header's field (`founded_day`).
    pub name: Cow<'static, str>,
    /// The type of its values.
    pub kind: ColumnType,
    /// What its values count or measure (`cells`, `days`, `clone id`).
    pub unit: &'static str,
    /// What it is, for a reader of the table.
    pub meaning: Cow<'static, str>,
    /// Whether a row may have no value (an empty CSV field, a null).
    pub nullable: bool,
}

impl Column {
    /// A column that always has a value.
    pub const fn new(
        name: &'static str,
        kind: ColumnType,
        unit: &'static str,
        meaning: &'static str,
    ) -> Column {
        Column {
            name: Cow::Borrowed(name),
            kind,
            unit,
            meaning: Cow::Borrowed(meaning),
            nullable: false,
        }
    }

    /// A column whose name and meaning are made at run time (an
    /// extension's, a sweep's axis).
    pub fn owned(name: String, kind: ColumnType, unit: &'static str, meaning: String) -> Column {
        Column {
            name: Cow::Owned(name),
            kind,
            unit,
            meaning: Cow::Owned(meaning),
            nullable: false,
        }
    }

    /// The same column, which a row may leave empty.
    pub const fn or_empty(mut self) -> Column {
        self.nullable = true;
        self
    }
}

const fn count(name: &'static str, unit: &'static str, meaning: &'static str) -> Column {
    Column::new(name, ColumnType::Count, unit, meaning)
}

const fn day(name: &'static str, meaning: &'static str) -> Column {
    Column::new(name, ColumnType::Day, unit::DAYS, meaning)
}

const fn text(name: &'static str, unit: &'static str, meaning: &'static str) -> Column {
    Column::new(name, ColumnType::Text, unit, meaning)
}

/// A column of names from a short list ([`ColumnType::Name`]).
const fn name(name: &'static str, unit: &'static str, meaning: &'static str) -> Column {
    Column::new(name, ColumnType::Name, unit, meaning)
}

const fn float(name: &'static str, unit: &'static str, meaning: &'static str) -> Column {
    Column::new(name, ColumnType::Float, unit, meaning)
}

/// The units most columns are in.
mod unit {
    pub const DAYS: &str = "days";
    pub const CELLS: &str = "cells";
    pub const METASTASES: &str = "metastases";
    pub const CLUMPS: &str = "clumps";
    pub const CLONES: &str = "clones";
    pub const ORGAN_NAME: &str = "organ name";
    pub const CLONE_NAME: &str = "clone name";
}

/// A table of the output directory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Its name (`summary`): the file's stem, the SQL table's name.
    pub name: &'static str,
    /// Its CSV file (`summary.csv`).
    pub file: &'static str,
    /// What a row is, and what to know to read it.
    pub meaning: &'static str,
    /// The model's columns, in order.
    pub columns: &'static [Column],
    /// Whether each of an extension's fates is a column (after the
    /// model's).
    pub fates: bool,
    /// Whether each of an extension's counters is a column (after its
    /// fates).
    pub counters: bool,
}

const REPLICATE: Column = count(
    "replicate",
    "replicate index",
    "the replicate, from 0: its random numbers are drawn from streams keyed by (seed, replicate)",
);

/// A site, in the tables of sites' contents.
const SITE: Column = count(
    "site",
    "site id",
    "the site's id (the primary, if any, is site 0, as in `metastases.csv`)",
);

/// The funnel's counters, each with the field of [`Funnel`] it reads, as
/// the tokens `$then!(... [(field, "column", unit, "meaning"), ...])`: the
/// one list both the columns of [`TABLES`] and [`funnel_counts`] are made
/// from.
macro_rules! funnel_counters {
    ($then:ident!($($args:tt)*)) => {
        $then! { $($args)* [
            (injected, "injected", unit::CELLS,
             "cells injected, under the organ whose capillary bed they reached first"),
            (shed, "shed", unit::CELLS,
             "cells shed into the blood by a site (primary or metastasis), under the site's organ"),
            (died_in_circulation, "died_in_circulation", unit::CELLS,
             "cells that died in the blood, under the organ whose capillary bed they were bound for"),
            (arrested, "arrested", unit::CELLS,
             "cells mechanically arrested in the organ's capillary bed"),
            (passed, "passed", "passages",
             "passages through the organ's capillary bed without arrest (a cell may pass several \
              beds); with `pools: Cohorts`, only those of the cells that found a colony"),
            (extravasated, "extravasated", unit::CELLS,
             "arrested cells that left the vessel into the organ's parenchyma"),
            (died_in_vessel, "died_in_vessel", unit::CELLS,
             "arrested cells that died in the vessel"),
            (died_in_parenchyma, "died_in_parenchyma", unit::CELLS,
             "solitary cells that died in the organ's parenchyma"),
            (entered_dormancy, "entered_dormancy", unit::CELLS,
             "solitary cells that became dormant; with `pools: Cohorts`, only those of the cells \
              that found a colony"),
            (left_dormancy, "left_dormancy", unit::CELLS,
             "dormant cells that became active again; with `pools: Cohorts`, only those of the \
              cells that found a colony"),
            (died_dormant, "died_dormant", unit::CELLS, "dormant cells that died"),
            (micrometastases, "micrometastases_founded", unit::METASTASES,
             "metastases founded (by a solitary cell's first division or by a clump), counted \
              when founded, under the founding clone"),
            (macrometastases, "macrometastases_reached", unit::METASTASES,
             "metastases that first reached `macrometastasis_size` cells (each at most once)"),
            (detected, "detected", unit::METASTASES,
             "metastases that first reached `detection_size` cells (each at most once)"),
            (clumps_injected, "clumps_injected", unit::CLUMPS,
             "clumps injected whose first capillary bed was the organ's, under their leading \
              clone (the most cells, the first in file order on a tie)"),
            (clumps_arrested, "clumps_arrested", unit::CLUMPS,
             "clumps arrested in the organ's capillary bed, under their leading clone"),
            (clumps_passed, "clumps_passed", "clump passages",
             "passages of clumps through the organ's capillary bed without arrest"),
            (clumps_dissolved, "clumps_dissolved", unit::CLUMPS,
             "clumps down to one cell (in transit to the organ's bed or arrested in it), which \
              went on as a single cell"),
            (clump_metastases, "clump_metastases_founded", unit::CLUMPS,
             "clumps that extravasated into the organ, each founding a metastasis (also counted \
              in `micrometastases_founded`)"),
            (killed_in_circulation, "killed_in_circulation", unit::CELLS,
             "cells killed by a dose of a drug while in the blood, under the organ whose bed \
              they were bound for"),
            (killed_in_vessel, "killed_in_vessel", unit::CELLS,
             "cells killed by a dose while arrested in the organ's capillary bed"),
            (killed_in_parenchyma, "killed_in_parenchyma", unit::CELLS,
             "solitary cells killed by a dose in the organ's parenchyma"),
            (killed_dormant, "killed_dormant", unit::CELLS, "dormant cells killed by a dose in the organ"),
        ] }
    };
}

/// The columns `[before...]`, the funnel's counters, `[after...]`.
macro_rules! with_funnel {
    ([$($before:expr),* $(,)?] [$($after:expr),* $(,)?]
     [$(($field:ident, $name:literal, $unit:expr, $meaning:literal)),* $(,)?]) => {
        &[$($before,)* $(count($name, $unit, $meaning),)* $($after,)*]
    };
}

/// [`funnel_counts`] and [`funnel_of_counts`], from the list of counters.
macro_rules! funnel_reader {
    ([$(($field:ident, $name:literal, $unit:expr, $meaning:literal)),* $(,)?]) => {
        /// The counters of `funnel` in the order of their columns
        /// ([`funnel_columns`]).
        pub fn funnel_counts(funnel: &Funnel) -> [u64; FUNNEL_COUNTERS] {
            [$(funnel.$field),*]
        }

        /// The funnel whose counters, in the order of their columns, are
        /// `counts` (the inverse of [`funnel_counts`]).
        pub fn funnel_of_counts(counts: [u64; FUNNEL_COUNTERS]) -> Funnel {
            let [$($field),*] = counts;
            Funnel { $($field),* }
        }
    };
}

funnel_counters!(funnel_reader!());

/// The number of the funnel's counters (columns of `funnel.csv` and
/// `summary.csv`).
pub const FUNNEL_COUNTERS: usize = 23;

/// The columns of `funnel.csv` before its counters.
const FUNNEL_KEYS: usize = 3;

/// The funnel's counters, in column order: the columns of `funnel.csv`
/// after its `replicate`, `organ` and `clone` (and of `summary.csv`, summed
/// over clones and organs).
pub fn funnel_columns() -> &'static [Column] {
    &ALL_TABLES[FUNNEL].columns[FUNNEL_KEYS..]
}

/// The position of `summary.csv` in [`TABLES`].
pub const SUMMARY: usize = 0;
/// The position of `metastases.csv` in [`TABLES`].
pub const METASTASES: usize = 1;
/// The position of `funnel.csv` in [`TABLES`].
pub const FUNNEL: usize = 2;
/// The position of `harvests.csv` in [`TABLES`].
pub const HARVESTS: usize = 3;
/// The position of `timeseries.csv` in [`TABLES`].
pub const TIMESERIES: usize = 4;
/// The position of `clones.csv` in [`TABLES`].
pub const CLONES: usize = 5;
/// The position of `site_clones.csv` in [`TABLES`].
pub const SITE_CLONES: usize = 6;
/// The position of `therapy.csv` in [`TABLES`].
pub const THERAPY: usize = 7;
/// The position of `resistance.csv` in [`TABLES`].
pub const RESISTANCE: usize = 8;
/// The position of `diversity.csv` in [`TABLES`].
pub const DIVERSITY: usize = 9;
/// The position of `composition.csv` in [`TABLES`].
pub const COMPOSITION: usize = 10;
/// The position of `solitary_cells.csv` in [`TABLES`].
pub const SOLITARY_CELLS: usize = 11;
/// The position of `arrivals.csv` in [`TABLES`].
pub const ARRIVALS: usize = 12;
/// The position of `colony_sizes.csv` in [`TABLES`].
pub const COLONY_SIZES: usize = 13;
/// The position of `migrations.csv` in [`TABLES`].
pub const MIGRATIONS: usize = 14;
/// The position of `seeding.csv` in [`TABLES`].
pub const SEEDING: usize = 15;
/// The position of `trees.csv` in [`TABLES`].
pub const TREES: usize = 16;
/// The position of `prevalence.csv` in [`TABLES`].
pub const PREVALENCE: usize = 17;

/// The tables every run writes, in this order (a replicate's rows are in
/// this order too, [`crate::run::ReplicateOutput::tables`]).
pub const TABLES: [Table; 18] = [
    Table {
        name: "summary",
        file: "summary.csv",
        meaning: "one row per replicate: how it ended, the funnel summed over clones and organs, \
                  and the living cells at the end by where they are",
        columns: funnel_counters!(with_funnel!(
            [
                REPLICATE,
                count("seed", "seed", "the seed of the run"),
                text(
                    "digest",
                    "hexadecimal digits",
                    "the trace digest (FNV-1a 128 over every dispatched event), as `cascade \
                     digest` prints it",
                ),
                count("events", "events", "events dispatched"),
                name(
                    "stopped_by",
                    "reason",
                    "why it ended: `stop_day`; `max_events` if the guard cut it short; `relapse` \
                     if `stop_at_relapse` ended it at a relapse; `model` if the model stopped \
                     itself otherwise",
                ),
                day("end_day", "the simulated day it ended at"),
                day(
                    "first_detection_day",
                    "the first day a metastasis reached `detection_size` cells; empty if none did",
                )
                .or_empty(),
            ]
            [
                count("metastases_alive", unit::METASTASES, "living metastases at the end, all organs"),
                count("primary_cells", unit::CELLS, "cells in the primary tumour at the end"),
                count("metastatic_cells", unit::CELLS, "cells in metastases at the end"),
                count(
                    "solitary_cells",
                    unit::CELLS,
                    "solitary (not dormant) cells in the parenchyma at the end"
                ),
                count("dormant_cells", unit::CELLS, "dormant solitary cells at the end"),
                count(
                    "arrested_cells",
                    unit::CELLS,
                    "cells arrested in capillary beds at the end, single or in clumps"
                ),
                count(
                    "circulating_cells",
                    unit::CELLS,
                    "cells in the blood at the end, single or in clumps"
                ),
                count(
                    "clones",
                    unit::CLONES,
                    "clones that ever existed (founders and mutants)"
                ),
            ]
        )),
        fates: true,
        counters: true,
    },
    Table {
        name: "metastases",
        file: "metastases.csv",
        meaning: "one row per metastasis ever founded, extinct ones included",
        columns: &[
            REPLICATE,
            count(
                "site",
                "site id",
                "the site's id in the replicate (the primary, if any, is site 0 and is not listed)",
            ),
            name("organ", unit::ORGAN_NAME, "its organ"),
            name(
                "founder_clone",
                unit::CLONE_NAME,
                "the clone of the cell that founded it; for a metastasis founded by a clump, the \
                 clump's leading clone (the most cells, the first in file order on a tie)",
            ),
            day(
                "founded_day",
                "when it was founded (the founding cell's first division, or the clump's \
                 extravasation)",
            ),
            count(
                "founding_cells",
                unit::CELLS,
                "cells that founded it: 1 for a solitary cell's first division, the clump's cells \
                 for a clump",
            ),
            count(
                "founding_clones",
                unit::CLONES,
                "clones among those cells: 2 or more for a metastasis founded by a mixed clump \
                 (polyclonal from the start); mutants born later are in `clones_ever`",
            ),
            count("cells", unit::CELLS, "its cells at the end (0 if extinct)"),
            count("peak_cells", unit::CELLS, "its largest size"),
            count(
                "clones_now",
                unit::CLONES,
                "clones with cells in it at the end",
            ),
            count(
                "clones_ever",
                unit::CLONES,
                "clones ever present in it (founders and mutants)",
            ),
            day(
                "detected_day",
                "when it first reached `detection_size` cells; empty if never",
            )
            .or_empty(),
            day(
                "macroscopic_day",
                "when it first reached `macrometastasis_size` cells; empty if never",
            )
            .or_empty(),
            day(
                "extinct_day",
                "when it lost its last cell; empty if alive at the end",
            )
            .or_empty(),
            day(
                "vascularised_day",
                "when it was vascularised (the angiogenic switch, `docs/dormancy.md`); empty \
                 without the switch and for a colony that never switched",
            )
            .or_empty(),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "funnel",
        file: "funnel.csv",
        meaning: "one row per organ and clone with a count that is not 0: the attrition funnel, \
                  each step counted under the organ where it happened (the organ a cell was shed \
                  from, the organ whose bed it was bound for when it died in circulation, \
                  arrested or passed, the organ it extravasated into, and so on)",
        columns: funnel_counters!(with_funnel!(
            [
                REPLICATE,
                name(
                    "organ",
                    unit::ORGAN_NAME,
                    "the organ the counts are under"
                ),
                name(
                    "clone",
                    unit::CLONE_NAME,
                    "the clone the counts are under (a clump's leading clone for the clumps' columns)"
                ),
            ]
            []
        )),
        fates: true,
        counters: false,
    },
    Table {
        name: "harvests",
        file: "harvests.csv",
        meaning: "one row per harvest day (`harvest_days`) and organ: what a laboratory counts \
                  at a dissection. The cells alive in an organ are `cells_in_metastases` + \
                  `solitary_cells` + `dormant_cells` + `arrested_cells`",
        columns: &[
            REPLICATE,
            day("day", "the harvest day"),
            name("organ", unit::ORGAN_NAME, "the organ"),
            count(
                "colonies",
                unit::METASTASES,
                "living metastases of at least `macrometastasis_size` cells",
            ),
            count(
                "micrometastases",
                unit::METASTASES,
                "living metastases below `macrometastasis_size` cells",
            ),
            count(
                "cells_in_metastases",
                unit::CELLS,
                "cells in all its metastases",
            ),
            count(
                "solitary_cells",
                unit::CELLS,
                "solitary extravasated cells, not dormant",
            ),
            count("dormant_cells", unit::CELLS, "dormant solitary cells"),
            count(
                "arrested_cells",
                unit::CELLS,
                "cells arrested in its capillary bed, single or in clumps",
            ),
            count(
                "circulating_cells",
                unit::CELLS,
                "cells in the blood at that moment, single or in clumps, in the whole body (the \
                 same on every organ row of the harvest)",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "timeseries",
        file: "timeseries.csv",
        meaning: "one row per observation day (`observation_days`, `observe_every`) and organ: \
                  the burden over time",
        columns: &[
            REPLICATE,
            day("day", "the observation day"),
            name("organ", unit::ORGAN_NAME, "the organ"),
            count(
                "primary_cells",
                unit::CELLS,
                "cells of the primary tumour, on the primary's organ's row (0 on other rows)",
            ),
            count(
                "metastatic_cells",
                unit::CELLS,
                "cells in metastases in the organ",
            ),
            count(
                "solitary_cells",
                unit::CELLS,
                "solitary and dormant cells in the organ",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "clones",
        file: "clones.csv",
        meaning: "one row per clone that ever existed (a clone made by a resistance mutation is \
                  a mutant like any other). For every clone, cells seeded + born = `cells_alive` \
                  + died + `killed_by_drugs` + `removed_by_surgery` + the cells that met an \
                  extension's fate that kills",
        columns: &[
            REPLICATE,
            count(
                "clone",
                "clone id",
                "the clone's id (founders first, in file order, then mutants in order of \
                 appearance)",
            ),
            name(
                "name",
                unit::CLONE_NAME,
                "the file's name for founders, `<parent>.<n>` for mutants",
            ),
            count("parent", "clone id", "the parent's id; empty for a founder").or_empty(),
            day("born_day", "when it arose (0.0 for founders)"),
            count(
                "cells_alive",
                unit::CELLS,
                "its cells alive at the end, everywhere (sites, pools, clumps)",
            ),
            count(
                "killed_by_drugs",
                unit::CELLS,
                "its cells killed by doses of drugs",
            ),
            count(
                "removed_by_surgery",
                unit::CELLS,
                "its cells removed by surgery",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "site_clones",
        file: "site_clones.csv",
        meaning: "one row per site and clone with cells at the end (every run, with or without \
                  therapy)",
        columns: &[
            REPLICATE,
            SITE,
            name("kind", "site kind", "`primary` or `metastasis`"),
            name("organ", unit::ORGAN_NAME, "the site's organ"),
            name("clone", unit::CLONE_NAME, "the clone"),
            count(
                "cells",
                unit::CELLS,
                "the clone's cells in the site at the end",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "therapy",
        file: "therapy.csv",
        meaning: "one row per replicate, for a scenario with therapy (a drug, a surgery or a \
                  regimen); only a header otherwise",
        columns: &[
            REPLICATE,
            day(
                "therapy_started_day",
                "the first surgery or dose; empty if none",
            )
            .or_empty(),
            day(
                "relapse_day",
                "the first relapse by the model's definition, any detection after therapy: a \
                 site below the detection size at a surgery or dose (or founded after therapy \
                 began) that reached it once every regimen had given its first dose \
                 (`docs/model.md`, Therapy); it counts replicates that held a detectable \
                 metastasis at the surgery too; empty if none",
            )
            .or_empty(),
            count(
                "metastases_detectable_at_surgery",
                unit::METASTASES,
                "metastases at or above the detection size just before the surgery; empty \
                 without a surgery",
            )
            .or_empty(),
            day(
                "relapse_after_clear_surgery_day",
                "the first relapse by the clinical definition, a detection after resection given \
                 none detectable at it: the first day after a surgery that found no metastasis \
                 at the detection size on which a site (a metastasis, or the primary growing back) \
                 reached that size, whether or not every regimen had given a dose; empty without \
                 a surgery, if a metastasis was detectable at it, or if none was detected after it",
            )
            .or_empty(),
            Column::new(
                "cured",
                ColumnType::Boolean,
                "true or false",
                "`true` if no cell is alive at the end anywhere (sites, solitary, dormant, \
                 arrested and circulating cells, clumps), else `false`",
            ),
            count(
                "cells_left",
                unit::CELLS,
                "cells alive at the end, everywhere",
            ),
            count(
                "dormant_cells_left",
                unit::CELLS,
                "dormant cells at the end",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "resistance",
        file: "resistance.csv",
        meaning: "one row per replicate and drug, for a scenario with therapy; only a header \
                  otherwise",
        columns: &[
            REPLICATE,
            name("drug", "drug name", "the drug"),
            count(
                "resistant_cells",
                unit::CELLS,
                "cells alive at the end, everywhere, whose clone counts as resistant to the drug \
                 (sensitivity at most the drug's `resistant_sensitivity`)",
            ),
            count(
                "resistant_clones_alive",
                unit::CLONES,
                "clones with cells alive at the end that count as resistant to the drug",
            ),
            day(
                "first_resistant_day",
                "when the first clone resistant to the drug arose (0.0 if a founder is; the \
                 birth of the first resistant mutant otherwise, whether or not it lived on); \
                 empty if none arose",
            )
            .or_empty(),
            count(
                "resistant_cells_at_first_dose",
                unit::CELLS,
                "cells alive everywhere, just before the drug's first dose, whose clone counts \
                 as resistant to it (in cohort mode, the doomed cells outside the sites as of \
                 their last update, at most a step earlier); empty if the drug was never given",
            )
            .or_empty(),
            count(
                "resistant_cells_at_surgery",
                unit::CELLS,
                "the same, just before the surgery; empty without a surgery",
            )
            .or_empty(),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "diversity",
        file: "diversity.csv",
        meaning: "one row per observation day (`observation_days`, `observe_every`) and site \
                  with cells: the site's clonal diversity (`docs/model.md`, Clonal diversity)",
        columns: &[
            REPLICATE,
            day("day", "the observation day"),
            SITE,
            name("kind", "site kind", "`primary` or `metastasis`"),
            name("organ", unit::ORGAN_NAME, "the site's organ"),
            count("cells", unit::CELLS, "the site's cells"),
            count(
                "clones_alive",
                unit::CLONES,
                "clones with cells in the site",
            ),
            count(
                "clones_ever",
                unit::CLONES,
                "clones that have had cells in the site so far (its founders and the mutants \
                 born in it)",
            ),
            float(
                "largest_clone_share",
                "fraction",
                "the largest clone's share of the site's cells",
            ),
            float(
                "shannon",
                "nats",
                "Shannon's index -sum p ln p over the clones' shares p (0 for one clone, ln k \
                 for k equal clones)",
            ),
            float(
                "simpson",
                "probability",
                "Simpson's index sum p^2: the probability that two cells drawn at random with \
                 replacement are of one clone (1 for one clone, 1/k for k equal clones)",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "composition",
        file: "composition.csv",
        meaning: "one row per observation day, site with cells and clone holding at least \
                  `clone_share_observed` of the site's cells (default 0.01): the clonal \
                  composition over time, what a Muller plot draws (the clones' parents are in \
                  `clones.csv`; the rest of a site is its `cells` in `diversity.csv` minus these)",
        columns: &[
            REPLICATE,
            day("day", "the observation day"),
            SITE,
            name("clone", unit::CLONE_NAME, "the clone"),
            count("clone_id", "clone id", "the clone's id, as in `clones.csv`"),
            count("cells", unit::CELLS, "the clone's cells in the site"),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "solitary_cells",
        file: "solitary_cells.csv",
        meaning: "one row per organ just before the surgery, just before each dose, and at the \
                  end: the living cells no site holds, solitary and dormant, which no size of \
                  a metastasis shows",
        columns: &[
            REPLICATE,
            day(
                "day",
                "the day of the surgery, the dose, or the end of the run",
            ),
            name(
                "occasion",
                "occasion",
                "`surgery`, `dose` or `end`: when the cells were counted",
            ),
            count(
                "regimen",
                "regimen index",
                "for a dose, its regimen (from 0)",
            )
            .or_empty(),
            count(
                "dose",
                "dose index",
                "for a dose, its index in the regimen (from 0)",
            )
            .or_empty(),
            name("organ", unit::ORGAN_NAME, "the organ"),
            count(
                "solitary_cells",
                unit::CELLS,
                "solitary cells in the organ's parenchyma (extravasated, not dormant)",
            ),
            count("dormant_cells", unit::CELLS, "dormant cells in the organ"),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "arrivals",
        file: "arrivals.csv",
        meaning: "one row per clone and origin of the cells that founded a metastasis or joined a \
                  lesion at one instant, with where they came from (`docs/reseeding.md`)",
        columns: &[
            REPLICATE,
            count(
                "site",
                "site id",
                "the lesion founded or joined (the primary, if any, is site 0, as in \
                 `metastases.csv`)",
            ),
            name("organ", unit::ORGAN_NAME, "the lesion's organ"),
            name("clone", unit::CLONE_NAME, "the cells' clone"),
            count(
                "cells",
                unit::CELLS,
                "how many cells: 1 for a single cell, a clone's cells in a clump",
            ),
            count(
                "source_site",
                "site id",
                "the site that shed the cells (the primary or a metastasis); empty for injected \
                 cells and for cells whose source cohort mode does not keep",
            )
            .or_empty(),
            count(
                "source_injection",
                "injection index",
                "the injection (from 0, in the scenario's order) that put the cells in the \
                 blood; empty for shed cells",
            )
            .or_empty(),
            day(
                "shed_day",
                "when the cells entered the blood: shed (for a site in counted steps, the \
                 step's end) or injected; empty when the source is not kept",
            )
            .or_empty(),
            day(
                "arrival_day",
                "when the cells founded the metastasis (the first division, or the clump's \
                 extravasation) or joined the lesion",
            ),
            name(
                "kind",
                "kind",
                "`founded` (a new metastasis) or `joined` (an existing lesion, reseeding)",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "colony_sizes",
        file: "colony_sizes.csv",
        meaning: "one row per harvest day (`harvest_days`) and living metastasis: the size of \
                  each colony a dissection would measure, the distribution behind \
                  `harvests.csv`'s counts (a colony of `harvests.csv` is a row here of at \
                  least `macrometastasis_size` cells; an organ with none has no row)",
        columns: &[
            REPLICATE,
            day("day", "the harvest day"),
            name("organ", unit::ORGAN_NAME, "the metastasis's organ"),
            SITE,
            count("cells", unit::CELLS, "the metastasis's cells (at least 1)"),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "migrations",
        file: "migrations.csv",
        meaning: "the migration graph: one row per source (a site or an injection), target site \
                  and clone, with the cells of `arrivals.csv` that came that way \
                  (`docs/migrations.md`)",
        columns: &[
            REPLICATE,
            count(
                "source_site",
                "site id",
                "the site that shed the cells (the primary, if any, is site 0); empty for an \
                 injection and for cells whose source cohort mode does not keep",
            )
            .or_empty(),
            name(
                "source_organ",
                unit::ORGAN_NAME,
                "the source site's organ; empty for an injection or an unknown source",
            )
            .or_empty(),
            count(
                "source_injection",
                "injection index",
                "the injection (from 0, in the scenario's order) that put the cells in the \
                 blood; empty for shed cells",
            )
            .or_empty(),
            count(
                "target_site",
                "site id",
                "the site the cells founded or joined",
            ),
            name("target_organ", unit::ORGAN_NAME, "the target site's organ"),
            name("clone", unit::CLONE_NAME, "the cells' clone"),
            count(
                "founding_cells",
                unit::CELLS,
                "cells that founded the target (`kind` `founded` in `arrivals.csv`)",
            ),
            count(
                "joining_cells",
                unit::CELLS,
                "cells that joined the target once it was there (`kind` `joined`)",
            ),
            day(
                "first_arrival_day",
                "the first day a cell of the row founded or joined the target",
            ),
            day(
                "last_arrival_day",
                "the last day a cell of the row founded or joined the target",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "seeding",
        file: "seeding.csv",
        meaning: "the migration graph classified (`docs/migrations.md`): one row per replicate \
                  with `site` empty (the replicate as a whole), then one per site that cells \
                  founded or joined; an injection counts as a source of its own, as a site \
                  does, and a site's own cells coming back (self-seeding) count for neither \
                  its clones nor its sources",
        columns: &[
            REPLICATE,
            count(
                "site",
                "site id",
                "the site seeded; empty on the replicate's row",
            )
            .or_empty(),
            name(
                "organ",
                unit::ORGAN_NAME,
                "the site's organ; empty on the replicate's row",
            )
            .or_empty(),
            count(
                "founding_cells",
                unit::CELLS,
                "cells from elsewhere (another site, an injection) that founded the site; on \
                 the replicate's row, summed over sites",
            ),
            count(
                "joining_cells",
                unit::CELLS,
                "cells from elsewhere that joined the site; on the replicate's row, summed",
            ),
            count(
                "self_seeding_cells",
                unit::CELLS,
                "cells the site shed that joined it again; on the replicate's row, summed",
            ),
            count(
                "unknown_source_cells",
                unit::CELLS,
                "cells from elsewhere whose source cohort mode does not keep (their clones \
                 count, their sources do not); on the replicate's row, summed",
            ),
            count(
                "clones",
                unit::CLONES,
                "clones among the cells from elsewhere; on the replicate's row, among every \
                 site's",
            ),
            count(
                "sources",
                "sources",
                "known sources (sites other than this one, injections) of the cells from \
                 elsewhere; on the replicate's row, every source that seeded a site",
            ),
            name(
                "clonality",
                "clonality",
                "`monoclonal` (the cells from elsewhere were of one clone) or `polyclonal`; on \
                 the replicate's row, `monoclonal` if every seeded site was; empty if no cell \
                 came from elsewhere",
            )
            .or_empty(),
            name(
                "topology",
                "topology",
                "on a site's row `single-source` or `multi-source` (one known source or more); \
                 on the replicate's row `reseeding` if a site was reseeded, else \
                 `multi-source` if a metastasis had more than one source, else \
                 `single-source`; empty without a known source",
            )
            .or_empty(),
            Column::new(
                "reseeded",
                ColumnType::Boolean,
                "true or false",
                "for a site: it is the primary and a metastasis seeded it, or it seeded \
                 (directly or through other sites) a site that seeded it; on the replicate's \
                 row: a site was",
            ),
            Column::new(
                "seeded_by_metastasis",
                ColumnType::Boolean,
                "true or false",
                "for a site: a metastasis seeded it and it is a metastasis too (never the \
                 primary); on the replicate's row: a metastasis seeded a metastasis",
            ),
            name(
                "pattern",
                "pattern",
                "on the replicate's row, MACHINA's label: `m` or `p` (clonality), then `S`, \
                 `M` or `R` (topology), as `pS`; empty on a site's row and without both",
            )
            .or_empty(),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "trees",
        file: "trees.csv",
        meaning: "two rows per replicate, the clone tree and the site tree in Newick with NHX \
                  comments (`docs/trees.md` gives the grammar): the clones' lineage labelled \
                  with the sites holding each clone at the end, and which site's cells founded \
                  which site",
        columns: &[
            REPLICATE,
            name(
                "kind",
                "tree kind",
                "`clones` (the lineage of clones) or `sites` (which site seeded which)",
            ),
            text(
                "newick",
                "Newick text",
                "the tree, one line ending in `;`: labels quoted where Newick needs it, \
                 branch lengths in days, attributes in `[&&NHX:...]` comments",
            ),
        ],
        fates: false,
        counters: false,
    },
    Table {
        name: "prevalence",
        file: "prevalence.csv",
        meaning: "one row per harvest day (`harvest_days`) and at the end, site with cells and \
                  clone with cells in it: the clone's share of the site, the input of \
                  migration-history inference from sequencing; with `sampling`, whether a \
                  biopsy of the site would detect the clone",
        columns: &[
            REPLICATE,
            day("day", "the harvest day, or the day the replicate ended"),
            name(
                "occasion",
                "occasion",
                "`harvest` or `end`: when the cells were counted",
            ),
            SITE,
            name("organ", unit::ORGAN_NAME, "the site's organ"),
            name("clone", unit::CLONE_NAME, "the clone"),
            count("clone_id", "clone id", "the clone's id, as in `clones.csv`"),
            count(
                "cells",
                unit::CELLS,
                "the clone's cells in the site (at least 1)",
            ),
            float(
                "fraction",
                "share of the site's cells",
                "the clone's cells over the site's cells, in (0, 1]",
            ),
            Column::new(
                "detected",
                ColumnType::Boolean,
                "true or false",
                "whether the fraction is at least `sampling`'s `detection_fraction` (what \
                 sequencing a biopsy would see); empty without `sampling`",
            )
            .or_empty(),
        ],
        fates: false,
        counters: false,
    },
];

/// [`TABLES`] as a static, for references that outlive a call.
static ALL_TABLES: [Table; 18] = TABLES;

/// The table of [`TABLES`] at `index` (the constants [`SUMMARY`] …
/// [`COMPOSITION`]), for as long as the program runs.
///
/// # Panics
///
/// If `index` is not below the number of tables ([`TABLES`]).
pub fn table(index: usize) -> &'static Table {
    &ALL_TABLES[index]
}

/// The table of [`TABLES`] named `name` (`summary`).
pub fn table_named(name: &str) -> Option<&'static Table> {
    ALL_TABLES.iter().find(|t| t.name == name)
}

/// A sweep's per-point table (`points.csv`): `replicates` and these
/// columns after the point's columns, then with therapy
/// [`POINTS_THERAPY`], then the extension's fates and counters (each a
/// mean and its interval).
pub const POINTS: Table = Table {
    name: "points",
    file: "points.csv",
    meaning: "a sweep's table: one row per point of the grid, with the means over its \
              replicates and their 95% confidence intervals (Student's t; no interval with one \
              replicate)",
    columns: POINTS_COLUMNS,
    fates: true,
    counters: true,
};

/// The columns of an estimate over a point's replicates: `<name>_mean`,
/// `<name>_low` and `<name>_high`.
macro_rules! estimates {
    ([$($before:expr),* $(,)?]
     [$(($name:literal, $unit:expr, $what:literal)),* $(,)?]) => {
        &[
            $($before,)*
            $(
                float(concat!($name, "_mean"), $unit,
                      concat!("the mean over the point's replicates of ", $what)),
                float(concat!($name, "_low"), $unit,
                      concat!("the lower end of the 95% confidence interval of `", $name,
                              "_mean`; empty with one replicate")).or_empty(),
                float(concat!($name, "_high"), $unit,
                      concat!("the upper end of the 95% confidence interval of `", $name,
                              "_mean`; empty with one replicate")).or_empty(),
            )*
        ]
    };
}

const POINTS_COLUMNS: &[Column] = estimates!(
    [count(
        "replicates",
        "replicates",
        "the point's replicates in these files"
    )]
    [
        ("shed", unit::CELLS, "`shed` (`summary.csv`)"),
        ("extravasated", unit::CELLS, "`extravasated` (`summary.csv`)"),
        (
            "micrometastases_founded",
            unit::METASTASES,
            "`micrometastases_founded` (`summary.csv`)"
        ),
        (
            "macrometastases_reached",
            unit::METASTASES,
            "`macrometastases_reached` (`summary.csv`)"
        ),
        (
            "metastases_alive",
            unit::METASTASES,
            "`metastases_alive` (`summary.csv`): living metastases at the end"
        ),
        (
            "macrometastases_alive",
            unit::METASTASES,
            "living metastases of at least `macrometastasis_size` cells at the end"
        ),
        (
            "detected",
            "share of replicates",
            "1 if a metastasis reached `detection_size` cells, else 0: the share of replicates \
             with a detection"
        ),
    ]
);

/// The observables of `points.csv`, in column order: each is the
/// `<name>_mean`, `<name>_low` and `<name>_high` columns of [`POINTS`].
pub fn point_observables() -> impl Iterator<Item = &'static str> {
    POINTS
        .columns
        .iter()
        .filter_map(|c| c.name.strip_suffix("_mean"))
}

/// The columns of `points.csv` for a scenario with therapy, after the
/// observables: proportions with Wilson's 95% score interval.
pub const POINTS_THERAPY: &[Column] = &[
    float(
        "cure_probability",
        "probability",
        "the share of the point's replicates cured (`therapy.csv`'s `cured`)",
    ),
    float(
        "cure_probability_low",
        "probability",
        "the lower end of Wilson's 95% score interval of `cure_probability`",
    ),
    float(
        "cure_probability_high",
        "probability",
        "the upper end of Wilson's 95% score interval of `cure_probability`",
    ),
    float(
        "relapse_probability",
        "probability",
        "the share of the point's replicates that relapsed (`therapy.csv`'s `relapse_day` not \
         empty)",
    ),
    float(
        "relapse_probability_low",
        "probability",
        "the lower end of Wilson's 95% score interval of `relapse_probability`",
    ),
    float(
        "relapse_probability_high",
        "probability",
        "the upper end of Wilson's 95% score interval of `relapse_probability`",
    ),
    float(
        "relapse_after_clear_surgery_probability",
        "probability",
        "the clinical relapse: of the point's replicates whose surgery found no metastasis at \
         the detection size (`therapy.csv`'s `metastases_detectable_at_surgery` 0), the share \
         with a detection after it (`relapse_after_clear_surgery_day` not empty); empty \
         without a surgery or when every surgery found one",
    )
    .or_empty(),
    float(
        "relapse_after_clear_surgery_probability_low",
        "probability",
        "the lower end of Wilson's 95% score interval of \
         `relapse_after_clear_surgery_probability`",
    )
    .or_empty(),
    float(
        "relapse_after_clear_surgery_probability_high",
        "probability",
        "the upper end of Wilson's 95% score interval of \
         `relapse_after_clear_surgery_probability`",
    )
    .or_empty(),
];

/// The data dictionary, `dictionary.csv`: one row per column of every table
/// of a run directory.
pub const DICTIONARY: Table = Table {
    name: "dictionary",
    file: "dictionary.csv",
    meaning: "the data dictionary: one row per column of every table in the directory, in \
              the tables' order and the columns' order",
    columns: &[
        text(
            "table",
            "table name",
            "the table (its file is `<table>.csv` or `<table>.parquet`)",
        ),
        text(
            "column",
            "column name",
            "the column, as in the table's header",
        ),
        text(
            "type",
            "type name",
            "`day` (a float of days, always written with a decimal point), `count` (a whole \
             number ≥ 0), `integer`, `float`, `boolean` (`true` or `false`), `text`, or `name` \
             (text from a short list: an organ's, a clone's or a drug's name, a site's kind, \
             why a replicate ended; the run store keeps each name once)",
        ),
        text("unit", "unit", "what its values count or measure"),
        Column::new(
            "nullable",
            ColumnType::Boolean,
            "true or false",
            "whether a row may leave it empty (a null in Parquet)",
        ),
        text("meaning", "words", "what it is"),
    ],
    fates: false,
    counters: false,
};

/// The columns of a table in one run: [`Table::columns`] and the run's
/// own (a sweep's point in front, an extension's fates and counters
/// after).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSchema {
    /// The table.
    pub table: &'static Table,
    /// Every column, in order.
    pub columns: Vec<Column>,
}

/// Words for the cells of a compartment, in a fate's meaning.
fn compartment_words(compartment: Compartment) -> &'static str {
    match compartment {
        Compartment::InTransit => "cells in transit in the blood",
        Compartment::Arrested => "cells arrested in a capillary bed",
        Compartment::Solitary => "solitary cells in the parenchyma",
        Compartment::Dormant => "dormant cells",
    }
}

/// The column of an extension's fate.
pub fn fate_column(fate: &FateDeclaration) -> Column {
    let outcome = match fate.outcome {
        Outcome::Died => "they die".to_string(),
        Outcome::Moved(to) => format!("they become {}", compartment_words(to)),
    };
    Column::owned(
        fate.name.clone(),
        ColumnType::Count,
        unit::CELLS,
        format!(
            "the extension's fate `{}`: {} that met it ({outcome})",
            fate.name,
            compartment_words(fate.compartment)
        ),
    )
}

/// The column of an extension's counter.
pub fn counter_column(name: &str) -> Column {
    Column::owned(
        name.to_string(),
        ColumnType::Count,
        "count",
        format!("the extension's counter `{name}` at the end: what its handlers counted"),
    )
}

impl TableSchema {
    /// The columns of `table` in a run whose extension declares
    /// `declarations`.
    pub fn of(table: &'static Table, declarations: &Declarations) -> TableSchema {
        let mut columns = table.columns.to_vec();
        if table.fates {
            columns.extend(declarations.fates.iter().map(fate_column));
        }
        if table.counters {
            columns.extend(declarations.counters.iter().map(|c| counter_column(c)));
        }
        TableSchema { table, columns }
    }

    /// The same table with `prefix` in front of its columns (a sweep's
    /// point).
    pub fn with_prefix(mut self, prefix: &[Column]) -> TableSchema {
        let mut columns = prefix.to_vec();
        columns.append(&mut self.columns);
        self.columns = columns;
        self
    }

    /// The column named `name`, with its position.
    pub fn column(&self, name: &str) -> Option<(usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// The CSV header line (no newline).
    pub fn csv_header(&self) -> String {
        let names: Vec<String> = self.columns.iter().map(|c| csv_field(&c.name)).collect();
        names.join(",")
    }

    /// Appends `row` to `out` as a CSV line, newline included: days as
    /// decimals ([`day_text`]), text quoted when needed ([`csv_field`]),
    /// no value as an empty field. The row is written as it is; check it
    /// first with [`TableSchema::check`] where it may not fit.
    pub fn write_csv_row(&self, row: &Row, out: &mut String) {
        debug_assert!(
            self.check(row, 0).is_ok(),
            "{}: {:?}",
            self.table.file,
            self.check(row, 0)
        );
        for (k, value) in row.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            value.write_csv(out);
        }
        out.push('\n');
    }

    /// Whether `row` (the `index`-th of its table, for the message) fits
    /// the columns: as many values, each of its column's type or empty
    /// where the column may be.
    ///
    /// # Errors
    ///
    /// [`SchemaError::Width`] or [`SchemaError::Type`] for the first
    /// misfit.
    pub fn check(&self, row: &Row, index: usize) -> Result<(), SchemaError> {
        if row.len() != self.columns.len() {
            return Err(SchemaError::Width {
                table: self.table.file,
                row: index,
                values: row.len(),
                columns: self.columns.len(),
            });
        }
        for (column, value) in self.columns.iter().zip(row) {
            if !value.fits(column) {
                return Err(SchemaError::Type {
                    table: self.table.file,
                    row: index,
                    column: column.name.to_string(),
                    expected: column.kind,
                    nullable: column.nullable,
                    found: format!("{value:?}"),
                });
            }
        }
        Ok(())
    }

    /// The rows of CSV text `csv` (no header) as [`TableSchema::write_csv_row`]
    /// writes them, read with the columns' types.
    ///
    /// # Errors
    ///
    /// [`SchemaError`]: a row of another width, or a field that is not of
    /// its column's type.
    pub fn read_csv_rows(&self, csv: &str) -> Result<Vec<Row>, SchemaError> {
        let mut rows = Vec::new();
        for (index, fields) in csv_records(csv).into_iter().enumerate() {
            if fields.len() != self.columns.len() {
                return Err(SchemaError::Width {
                    table: self.table.file,
                    row: index,
                    values: fields.len(),
                    columns: self.columns.len(),
                });
            }
            let row = self
                .columns
                .iter()
                .zip(&fields)
                .map(|(column, field)| {
                    Value::parse(column, field).ok_or_else(|| SchemaError::Field {
                        table: self.table.file,
                        row: index,
                        column: column.name.to_string(),
                        text: field.clone(),
                        expected: column.kind,
                    })
                })
                .collect::<Result<Row, _>>()?;
            rows.push(row);
        }
        Ok(rows)
    }

    /// The table as CSV text: the header line, then `rows`.
    pub fn csv(&self, rows: &[Row]) -> String {
        let mut text = self.csv_header();
        text.push('\n');
        for row in rows {
            self.write_csv_row(row, &mut text);
        }
        text
    }
}

/// The tables of a run whose extension declares `declarations`, in
/// [`TABLES`] order.
pub fn schemas(declarations: &Declarations) -> Vec<TableSchema> {
    ALL_TABLES
        .iter()
        .map(|t| TableSchema::of(t, declarations))
        .collect()
}

/// The columns a sweep puts in front of every table: `point`, then one per
/// axis, named by its parameter (`organs.lung.growth_multiplier`).
pub fn point_columns(parameters: &[&str]) -> Vec<Column> {
    let mut columns = vec![count(
        "point",
        "point index",
        "the point of the sweep's grid, from 0 (the first axis varies slowest)",
    )];
    columns.extend(parameters.iter().map(|p| {
        Column::owned(
            p.to_string(),
            ColumnType::Float,
            "as in the scenario file",
            format!("the value of `{p}` at the point"),
        )
    }));
    columns
}

/// The values of the [`point_columns`] for point `point` of a grid whose
/// axes have `values` there.
pub fn point_values(point: u64, values: &[f64]) -> Row {
    let mut row = vec![Value::Count(point)];
    row.extend(values.iter().copied().map(Value::Float));
    row
}

/// The tables of a sweep with axes `parameters`, in [`TABLES`] order: each
/// run's table with the [`point_columns`] in front.
pub fn sweep_schemas(declarations: &Declarations, parameters: &[&str]) -> Vec<TableSchema> {
    let prefix = point_columns(parameters);
    schemas(declarations)
        .into_iter()
        .map(|s| s.with_prefix(&prefix))
        .collect()
}

/// The estimate columns of an extension's fate or counter `column` in
/// `points.csv`.
fn estimate_columns(column: &Column) -> [Column; 3] {
    let name = &column.name;
    let interval = |end: &str| {
        Column::owned(
            format!("{name}_{end}"),
            ColumnType::Float,
            column.unit,
            format!(
                "the {} end of the 95% confidence interval of `{name}_mean`; empty with one \
                 replicate",
                if end == "low" { "lower" } else { "upper" }
            ),
        )
        .or_empty()
    };
    [
        Column::owned(
            format!("{name}_mean"),
            ColumnType::Float,
            column.unit,
            format!(
                "the mean over the point's replicates of `{name}` (`summary.csv`): {}",
                column.meaning
            ),
        ),
        interval("low"),
        interval("high"),
    ]
}

/// `points.csv` of a sweep with axes `parameters` of a scenario whose
/// extension declares `declarations`, with the therapy columns if
/// `therapy`.
pub fn points_schema(
    declarations: &Declarations,
    parameters: &[&str],
    therapy: bool,
) -> TableSchema {
    let mut columns = point_columns(parameters);
    columns.extend_from_slice(POINTS.columns);
    if therapy {
        columns.extend_from_slice(POINTS_THERAPY);
    }
    let own = (declarations.fates.iter().map(fate_column))
        .chain(declarations.counters.iter().map(|c| counter_column(c)));
    for column in own {
        columns.extend(estimate_columns(&column));
    }
    TableSchema {
        table: &POINTS,
        columns,
    }
}

/// A name taken twice in one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    /// The column's name.
    pub column: String,
    /// The table's file.
    pub table: &'static str,
}

/// The first column name taken twice in a table of a run or sweep of a
/// scenario whose extension declares `declarations`, with sweep axes
/// `parameters`: every table, `points.csv` with its therapy columns
/// included (whether the scenario has therapy or not).
pub fn clash(declarations: &Declarations, parameters: &[&str]) -> Option<Clash> {
    let tables = sweep_schemas(declarations, parameters)
        .into_iter()
        .chain([points_schema(declarations, parameters, true)]);
    for schema in tables {
        for (k, column) in schema.columns.iter().enumerate() {
            if schema.columns[..k].iter().any(|c| c.name == column.name) {
                return Some(Clash {
                    column: column.name.to_string(),
                    table: schema.table.file,
                });
            }
        }
    }
    None
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// No value (an empty CSV field, a null).
    Null,
    /// A [`ColumnType::Count`].
    Count(u64),
    /// A [`ColumnType::Integer`].
    Integer(i64),
    /// A [`ColumnType::Day`].
    Day(f64),
    /// A [`ColumnType::Float`].
    Float(f64),
    /// A [`ColumnType::Boolean`].
    Boolean(bool),
    /// A [`ColumnType::Text`] or [`ColumnType::Name`].
    Text(String),
}

/// A row of a table: one value per column.
pub type Row = Vec<Value>;

impl Value {
    /// A day, or no value.
    pub fn day_or_null(day: Option<f64>) -> Value {
        day.map_or(Value::Null, Value::Day)
    }

    /// A float, or no value.
    pub fn float_or_null(value: Option<f64>) -> Value {
        value.map_or(Value::Null, Value::Float)
    }

    /// A count, or no value.
    pub fn count_or_null(value: Option<u64>) -> Value {
        value.map_or(Value::Null, Value::Count)
    }

    /// Text.
    pub fn text(text: &str) -> Value {
        Value::Text(text.to_string())
    }

    /// Its type (`None` for no value).
    pub fn kind(&self) -> Option<ColumnType> {
        match self {
            Value::Null => None,
            Value::Count(_) => Some(ColumnType::Count),
            Value::Integer(_) => Some(ColumnType::Integer),
            Value::Day(_) => Some(ColumnType::Day),
            Value::Float(_) => Some(ColumnType::Float),
            Value::Boolean(_) => Some(ColumnType::Boolean),
            Value::Text(_) => Some(ColumnType::Text),
        }
    }

    /// Whether it may be a value of `column` (text is a name's value
    /// too).
    pub fn fits(&self, column: &Column) -> bool {
        match self.kind() {
            None => column.nullable,
            Some(ColumnType::Text) => matches!(column.kind, ColumnType::Text | ColumnType::Name),
            Some(kind) => kind == column.kind,
        }
    }

    /// Appends it to `out` as a CSV field.
    pub fn write_csv(&self, out: &mut String) {
        use core::fmt::Write as _;
        match self {
            Value::Null => {}
            Value::Count(n) => out.push_str(itoa::Buffer::new().format(*n)),
            Value::Integer(n) => out.push_str(itoa::Buffer::new().format(*n)),
            Value::Day(d) => write_day(*d, out),
            Value::Float(x) => {
                let _ = write!(out, "{x}");
            }
            Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Text(t) => write_csv_field(t, out),
        }
    }

    /// The value of `column` that the CSV field `field` (unquoted) holds,
    /// or `None` if it holds none of its type. An empty field is no value
    /// where the column may be empty, and empty text otherwise.
    pub fn parse(column: &Column, field: &str) -> Option<Value> {
        if field.is_empty() && column.nullable {
            return Some(Value::Null);
        }
        match column.kind {
            ColumnType::Day => field.parse().ok().map(Value::Day),
            ColumnType::Count => field.parse().ok().map(Value::Count),
            ColumnType::Integer => field.parse().ok().map(Value::Integer),
            ColumnType::Float => field.parse().ok().map(Value::Float),
            ColumnType::Boolean => match field {
                "true" => Some(Value::Boolean(true)),
                "false" => Some(Value::Boolean(false)),
                _ => None,
            },
            ColumnType::Text | ColumnType::Name => Some(Value::Text(field.to_string())),
        }
    }
}

/// A day as CSV text: always with a decimal point (`50.0`, `0.25`), the
/// shortest digits that read back to the same value, never an exponent.
pub fn day_text(day: f64) -> String {
    let mut text = String::new();
    write_day(day, &mut text);
    text
}

/// Appends [`day_text`] of `day` to `out`.
fn write_day(day: f64, out: &mut String) {
    use core::fmt::Write as _;
    // A whole day (most are: observation and stop days) without the float
    // formatter: its digits and `.0`, as the formatter writes it.
    if day.trunc() == day && day.abs() < 1e15 {
        if day == 0.0 && day.is_sign_negative() {
            out.push('-');
        }
        out.push_str(itoa::Buffer::new().format(day as i64));
        out.push_str(".0");
        return;
    }
    let start = out.len();
    let _ = write!(out, "{day}");
    if day.is_finite() && !out[start..].contains('.') {
        out.push_str(".0");
    }
}

/// A CSV field: quoted when it holds a comma, quote or line break.
pub fn csv_field(text: &str) -> String {
    let mut field = String::new();
    write_csv_field(text, &mut field);
    field
}

/// Appends [`csv_field`] of `text` to `out`.
fn write_csv_field(text: &str, out: &mut String) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// Splits one CSV record into fields (RFC 4180 quoting, as [`csv_field`]
/// writes it).
fn csv_fields(record: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = record.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(core::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Splits CSV text into records of fields, keeping quoted line breaks
/// inside a field.
fn csv_records(csv: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut started = false;
    for line in csv.split('\n') {
        if started {
            pending.push('\n');
        }
        pending.push_str(line);
        started = true;
        if pending.matches('"').count().is_multiple_of(2) {
            if !pending.is_empty() {
                out.push(csv_fields(&pending));
            }
            pending.clear();
            started = false;
        }
    }
    out
}

/// `dictionary.csv`: one row per column of each of `tables`.
pub fn dictionary<'a>(tables: impl IntoIterator<Item = &'a TableSchema>) -> String {
    let schema = TableSchema {
        table: &DICTIONARY,
        columns: DICTIONARY.columns.to_vec(),
    };
    let rows: Vec<Row> = tables
        .into_iter()
        .flat_map(|t| {
            t.columns.iter().map(|c| {
                vec![
                    Value::text(t.table.name),
                    Value::text(&c.name),
                    Value::text(c.kind.name()),
                    Value::text(c.unit),
                    Value::Boolean(c.nullable),
                    Value::text(&c.meaning),
                ]
            })
        })
        .collect();
    schema.csv(&rows)
}

/// Why rows do not fit their table.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaError {
    /// A row with another number of values than the table has columns.
    Width {
        /// The table's file.
        table: &'static str,
        /// The row, from 0.
        row: usize,
        /// Its values.
        values: usize,
        /// The table's columns.
        columns: usize,
    },
    /// A value not of its column's type, or none where one is needed.
    Type {
        /// The table's file.
        table: &'static str,
        /// The row, from 0.
        row: usize,
        /// The column.
        column: String,
        /// Its type.
        expected: ColumnType,
        /// Whether it may be empty.
        nullable: bool,
        /// The value found.
        found: String,
    },
    /// A CSV field that does not read as its column's type.
    Field {
        /// The table's file.
        table: &'static str,
        /// The row, from 0.
        row: usize,
        /// The column.
        column: String,
        /// The field's text.
        text: String,
        /// The column's type.
        expected: ColumnType,
    },
    /// The encoder failed (Parquet).
    Encoding(String),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::Width {
                table,
                row,
                values,
                columns,
            } => write!(
                f,
                "{table}: row {row} has {values} values, the table {columns} columns"
            ),
            SchemaError::Type {
                table,
                row,
                column,
                expected,
                nullable,
                found,
            } => {
                let empty = if *nullable { " or empty" } else { "" };
                write!(
                    f,
                    "{table}: row {row}, column {column}: {found} is not a {expected}{empty}"
                )
            }
            SchemaError::Field {
                table,
                row,
                column,
                text,
                expected,
            } => write!(
                f,
                "{table}: row {row}, column {column}: {text:?} does not read as a {expected}"
            ),
            SchemaError::Encoding(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for SchemaError {}
