//! `scenarios/patterns/` (`docs/migration-patterns.md`): each scenario
//! produces the seeding pattern it is named for, in every replicate, for
//! the reasons its vascular graph and rates guarantee.

use std::collections::BTreeMap;
use std::fs;

use super::migrations::Table;
use super::run::{ok, scratch};

const PATTERNS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/patterns/");

/// The scenarios' replicates (`replicates: 3` in each file).
const REPLICATES: usize = 3;

/// Runs `scenarios/patterns/NAME.ron` as shipped and returns its
/// `seeding.csv` and `migrations.csv`.
fn run(name: &str) -> (Table, Table) {
    let dir = scratch(&format!("patterns-{name}"));
    let file = format!("{PATTERNS}{name}.ron");
    let out = dir.join("out");
    let _ = ok(&["run", &file, "--out", out.to_str().unwrap()]);
    let tables = (
        Table::read(&out.join("seeding.csv")),
        Table::read(&out.join("migrations.csv")),
    );
    fs::remove_dir_all(&dir).unwrap();
    tables
}

/// The value of `column` in `row`.
fn value<'a>(table: &Table, row: &'a [String], column: &str) -> &'a str {
    row[table.at(column)].as_str()
}

/// `seeding.csv`'s rows for the replicates as a whole (`site` empty), and
/// those for sites.
fn replicate_and_site_rows(seeding: &Table) -> (Vec<&Vec<String>>, Vec<&Vec<String>>) {
    (seeding.rows.iter()).partition(|row| value(seeding, row, "site").is_empty())
}

/// Site id → organ, over the sites of one replicate of `seeding.csv`.
fn organs_of_sites(seeding: &Table, replicate: &str) -> BTreeMap<String, String> {
    let (_, sites) = replicate_and_site_rows(seeding);
    (sites.into_iter())
        .filter(|row| value(seeding, row, "replicate") == replicate)
        .map(|row| {
            let organ = value(seeding, row, "organ").to_string();
            (value(seeding, row, "site").to_string(), organ)
        })
        .collect()
}

/// One clone (no mutation), a primary that sheds, metastases that shed
/// nothing and no reseeding: every metastasis is founded by one cell of
/// the primary, so every site is monoclonal single-source and every
/// replicate `mS`. (Each replicate founds about 80 metastases; none is a
/// Poisson chance of about e^-80.)
#[test]
fn a_primary_shedding_single_cells_into_metastases_that_shed_none_seeds_ms() {
    let (seeding, migrations) = run("monoclonal_single_source");
    let (replicates, sites) = replicate_and_site_rows(&seeding);
    assert_eq!(replicates.len(), REPLICATES);
    for row in replicates {
        assert_eq!(value(&seeding, row, "pattern"), "mS", "{row:?}");
        assert_eq!(value(&seeding, row, "sources"), "1", "{row:?}");
        assert_eq!(value(&seeding, row, "seeded_by_metastasis"), "false");
        assert!(seeding.count(row, "founding_cells") > 0, "{row:?}");
    }
    for row in sites {
        assert_eq!(value(&seeding, row, "organ"), "liver", "{row:?}");
        assert_eq!(value(&seeding, row, "clonality"), "monoclonal", "{row:?}");
        assert_eq!(value(&seeding, row, "topology"), "single-source");
        assert_eq!(value(&seeding, row, "founding_cells"), "1", "{row:?}");
    }
    // Every edge starts at the primary, site 0.
    for row in &migrations.rows {
        assert_eq!(value(&migrations, row, "source_site"), "0", "{row:?}");
        assert_eq!(value(&migrations, row, "source_injection"), "", "{row:?}");
    }
}

/// 200 clumps of 4 cells dealt from 400 cells of each of two clones, whose
/// cells do not die: every clump founds its metastasis with its 4 cells
/// (800 founding cells a replicate), every site has the one injection as
/// its source, and a clump holds both clones unless its 4 cells are of
/// one, with chance 2·C(400,4)/C(800,4) = 0.124. The share of polyclonal
/// sites over the 600 sites of the three replicates is checked against
/// 1 − that within 4 binomial standard errors (the clumps are dealt
/// without replacement from one mix, so they are not quite independent:
/// a small effect at 200 clumps). With 200 clumps a replicate, the chance
/// that none is polyclonal is 0.124^200: every replicate is `pS`.
#[test]
fn mixed_clumps_found_polyclonal_metastases_from_one_source() {
    let (seeding, _) = run("polyclonal_clusters");
    let (replicates, sites) = replicate_and_site_rows(&seeding);
    assert_eq!(replicates.len(), REPLICATES);
    for row in replicates {
        assert_eq!(value(&seeding, row, "pattern"), "pS", "{row:?}");
        assert_eq!(value(&seeding, row, "sources"), "1", "{row:?}");
        assert_eq!(seeding.count(row, "founding_cells"), 800, "{row:?}");
    }
    assert_eq!(sites.len(), 200 * REPLICATES);
    let mut polyclonal = 0;
    for row in &sites {
        assert_eq!(value(&seeding, row, "topology"), "single-source");
        assert_eq!(seeding.count(row, "founding_cells"), 4, "{row:?}");
        match value(&seeding, row, "clonality") {
            "polyclonal" => polyclonal += 1,
            "monoclonal" => {}
            other => panic!("clonality {other}: {row:?}"),
        }
    }
    let one_clone = 2.0 * (400.0 * 399.0 * 398.0 * 397.0) / (800.0 * 799.0 * 798.0 * 797.0);
    let (n, p) = (sites.len() as f64, 1.0 - one_clone);
    let expected = n * p;
    let standard_error = (n * p * (1.0 - p)).sqrt();
    assert!(
        (polyclonal as f64 - expected).abs() < 4.0 * standard_error,
        "{polyclonal} of {n} sites polyclonal, expected {expected:.1} ± {standard_error:.1}"
    );
}

/// Blood flows gut → liver → lung → gut, every bed holds every cell
/// arriving and no cell leaves the gut's vessels: the primary (in the gut)
/// seeds only the liver, liver metastases only the lung, and lung
/// metastases nothing, so there is no cycle and nothing is reseeded. Every
/// lung metastasis is seeded by a metastasis; one founded by a liver
/// metastasis and joined (half the cells extravasating beside a lesion
/// join it) by cells of another has two sources: `mM` in every replicate.
/// (Each replicate has about 8 such sites; none is a chance we could not
/// measure.)
#[test]
fn liver_metastases_seeding_the_lung_make_metastasis_to_metastasis_multi_source_seeding() {
    let (seeding, migrations) = run("metastasis_to_metastasis");
    let (replicates, sites) = replicate_and_site_rows(&seeding);
    assert_eq!(replicates.len(), REPLICATES);
    for row in replicates {
        assert_eq!(value(&seeding, row, "pattern"), "mM", "{row:?}");
        assert_eq!(value(&seeding, row, "seeded_by_metastasis"), "true");
        assert_eq!(value(&seeding, row, "reseeded"), "false", "{row:?}");
    }
    for row in sites {
        let seeded_by_metastasis = value(&seeding, row, "seeded_by_metastasis");
        let in_lung = value(&seeding, row, "organ") == "lung";
        assert_eq!(seeded_by_metastasis == "true", in_lung, "{row:?}");
        assert_eq!(value(&seeding, row, "reseeded"), "false", "{row:?}");
    }
    // Every edge goes down the blood's one way: primary → liver → lung.
    for row in &migrations.rows {
        let organs = organs_of_sites(&seeding, value(&migrations, row, "replicate"));
        let source = value(&migrations, row, "source_site");
        let target = value(&migrations, row, "target_organ");
        match value(&migrations, row, "source_organ") {
            "gut" => assert_eq!((source, target), ("0", "liver"), "{row:?}"),
            "liver" => assert_eq!(target, "lung", "{row:?}"),
            other => panic!("an edge from {other}: {row:?}"),
        }
        assert_eq!(organs[value(&migrations, row, "target_site")], target);
    }
}

/// All arterial blood goes to the primary's organ, where every cell
/// extravasating joins the primary, and the primary's cells are all held
/// in the lung: the primary's own cells never come back (no
/// self-seeding), lung metastases (each founded by one cell of the
/// primary) are the only sources of the cells joining the primary, and
/// the primary is reseeded in every replicate (`mR`), as is each lung
/// metastasis that sent a cell into it (a cycle with the primary). (Each
/// replicate has about 100 cells joining the primary.)
#[test]
fn lung_metastases_shedding_into_the_primary_make_reseeding() {
    let (seeding, migrations) = run("reseeding_primary");
    let (replicates, sites) = replicate_and_site_rows(&seeding);
    assert_eq!(replicates.len(), REPLICATES);
    for row in replicates {
        assert_eq!(value(&seeding, row, "pattern"), "mR", "{row:?}");
        assert_eq!(value(&seeding, row, "reseeded"), "true", "{row:?}");
        assert_eq!(value(&seeding, row, "self_seeding_cells"), "0");
        assert_eq!(value(&seeding, row, "seeded_by_metastasis"), "false");
    }
    // The lung metastases that shed a cell into the primary, which seeded
    // them: each lies on a cycle with the primary, so is reseeded too.
    let mut into_primary = Vec::new();
    for row in &migrations.rows {
        let source = value(&migrations, row, "source_site");
        if value(&migrations, row, "target_site") == "0" {
            assert_eq!(value(&migrations, row, "source_organ"), "lung");
            assert_eq!(value(&migrations, row, "founding_cells"), "0");
            into_primary.push((value(&migrations, row, "replicate"), source));
        } else {
            assert_eq!(source, "0", "{row:?}");
        }
    }
    assert!(!into_primary.is_empty());
    for row in sites {
        let site = value(&seeding, row, "site");
        let reseeded = value(&seeding, row, "reseeded") == "true";
        if site == "0" {
            assert!(reseeded, "{row:?}");
        } else {
            assert_eq!(value(&seeding, row, "organ"), "lung", "{row:?}");
            assert_eq!(value(&seeding, row, "founding_cells"), "1", "{row:?}");
            let replicate = value(&seeding, row, "replicate");
            assert_eq!(reseeded, into_primary.contains(&(replicate, site)));
        }
    }
}
