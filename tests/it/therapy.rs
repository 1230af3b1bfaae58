//! Therapy end to end: the outcome tables a run writes, the summary's
//! therapy section, and sweeps over therapy parameters.

use std::fs;

use super::run::{cascade, ok, scratch};

const ADJUVANT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/therapy/adjuvant_one_drug.ron"
);

/// A small primary treated with drug A from a size that the sweep moves.
const SWEEP: &str = r#"Scenario(
    seed: 7,
    replicates: 3,
    stop_day: 30.0,
    organs: (preset: Mouse),
    clones: [(name: "T", birth_rate: 0.6, death_rate: 0.1, mutation_probability: 0.0, shedding_rate: 0.0)],
    primary: (organ: "skin", cells: [("T", 20)], growth_law: Logistic, carrying_capacity: 5000.0),
    therapy: (
        drugs: [(name: "A", log_kill: 3.0, resistance_probability: 1e-3)],
        regimens: [(start: PrimarySize(100), every: 1.0, doses: 8, cycle: [["A"]])],
        stop_at_relapse: true,
    ),
    detection_size: 1000,
    sweep: (axes: [(parameter: "therapy.regimens.0.start", values: [50, 2000])]),
)
"#;

#[test]
fn a_therapy_run_writes_its_outcomes_per_replicate_and_drug() {
    let dir = scratch("therapy-run");
    let out = dir.join("out");
    let text = ok(&[
        "run",
        ADJUVANT,
        "--replicates",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(text.contains("\ntherapy\n"), "{text}");
    assert!(text.contains("cured "), "{text}");
    let therapy = fs::read_to_string(out.join("therapy.csv")).unwrap();
    let lines: Vec<&str> = therapy.lines().collect();
    assert_eq!(
        lines[0],
        "replicate,therapy_started_day,relapse_day,metastases_detectable_at_surgery,\
         relapse_after_clear_surgery_day,cured,cells_left,dormant_cells_left"
    );
    assert_eq!(lines.len(), 1 + 3);
    let clones = fs::read_to_string(out.join("clones.csv")).unwrap();
    for (r, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], r.to_string());
        // Surgery at 10^5 cells comes after three weeks of growth.
        let started: f64 = fields[1].parse().unwrap();
        assert!(started > 10.0, "{line}");
        // The second definition of relapse: only after a surgery that
        // found no detectable metastasis, and then after the surgery.
        let detectable: u64 = fields[3].parse().unwrap();
        if detectable > 0 {
            assert_eq!(fields[4], "", "{line}");
        } else if !fields[4].is_empty() {
            let after: f64 = fields[4].parse().unwrap();
            assert!(after > started, "{line}");
        }
        // Cured exactly when no cell of any clone is alive (clones.csv's
        // cells_alive, counted on their own).
        let alive: u64 = clones
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{r},")))
            .map(|l| l.split(',').nth(5).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(fields[5] == "true", alive == 0, "{line}");
        assert_eq!(fields[6], alive.to_string(), "{line}");
    }
    // summary.json's clinical relapse counts therapy.csv's rows: over the
    // replicates whose surgery found nothing detectable, those with a
    // detection after it.
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    let clear = rows.iter().filter(|f| f[3] == "0").count() as u64;
    let relapsed = rows.iter().filter(|f| !f[4].is_empty()).count() as u64;
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let clinical = &summary["therapy"]["after_clear_surgery"];
    assert_eq!(clinical["clear_replicates"], clear, "{clinical}");
    assert_eq!(clinical["relapsed_replicates"], relapsed, "{clinical}");
    if clear > 0 {
        let p = clinical["relapse_probability"]["mean"].as_f64().unwrap();
        assert_eq!(p, relapsed as f64 / clear as f64, "{clinical}");
    }
    assert!(text.contains("relapsed after a clear surgery"), "{text}");
    // Solitary and dormant cells per organ at the surgery, at each dose and
    // at the end: one row per organ each time.
    let census = fs::read_to_string(out.join("solitary_cells.csv")).unwrap();
    let rows: Vec<Vec<&str>> = census
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(
        census.starts_with(
            "replicate,day,occasion,regimen,dose,organ,solitary_cells,dormant_cells\n"
        )
    );
    let organs = rows.iter().filter(|f| f[0] == "0" && f[2] == "end").count();
    assert!(organs > 1, "{census}");
    for r in 0..3 {
        let of = |occasion: &str| {
            (rows.iter())
                .filter(|f| f[0] == r.to_string() && f[2] == occasion)
                .count()
        };
        assert_eq!(
            (of("surgery"), of("end")),
            (organs, organs),
            "replicate {r}"
        );
        assert_eq!(of("dose") % organs, 0, "replicate {r}");
    }
    for f in &rows {
        assert_eq!(f[3].is_empty(), f[2] != "dose", "{f:?}");
    }
    let resistance = fs::read_to_string(out.join("resistance.csv")).unwrap();
    assert_eq!(
        resistance.lines().count(),
        1 + 3 * 2,
        "one row per replicate and drug (A and B)"
    );
    let site_clones = fs::read_to_string(out.join("site_clones.csv")).unwrap();
    assert!(site_clones.starts_with("replicate,site,kind,organ,clone,cells\n"));
    // The primary was removed completely: it holds no cells.
    assert!(!site_clones.lines().any(|l| l.contains(",primary,")));
    let removed: u64 = clones
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(
        removed >= 3 * 100_000,
        "every replicate removed its primary: {removed}"
    );
}

#[test]
fn a_sweep_over_the_size_at_treatment_reports_cure_probabilities() {
    let dir = scratch("therapy-sweep");
    let file = dir.join("sweep.ron");
    fs::write(&file, SWEEP).unwrap();
    let out = dir.join("out");
    ok(&[
        "sweep",
        file.to_str().unwrap(),
        "--replicates",
        "6",
        "--out",
        out.to_str().unwrap(),
    ]);
    let points = fs::read_to_string(out.join("points.csv")).unwrap();
    let header: Vec<&str> = points.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (cure, low, high) = (
        column("cure_probability"),
        column("cure_probability_low"),
        column("cure_probability_high"),
    );
    // Without a surgery the clinical relapse has no replicates to count
    // over: its cells are empty.
    let clinical = column("relapse_after_clear_surgery_probability");
    let rows: Vec<Vec<f64>> = points
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|f| {
                    if f.is_empty() {
                        f64::NAN
                    } else {
                        f.parse().unwrap()
                    }
                })
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(row[low] <= row[cure] && row[cure] <= row[high]);
        assert!(row[clinical].is_nan() && row[clinical + 2].is_nan());
    }
    assert_eq!(rows[0][1], 50.0);
    assert_eq!(rows[1][1], 2000.0);
    let therapy = fs::read_to_string(out.join("therapy.csv")).unwrap();
    assert_eq!(therapy.lines().count(), 1 + 2 * 6);
}

#[test]
fn a_sweep_naming_an_unknown_drug_lists_the_drugs() {
    let dir = scratch("therapy-sweep-unknown");
    let file = dir.join("sweep.ron");
    fs::write(
        &file,
        SWEEP.replace("therapy.regimens.0.start", "therapy.drugs.B.log_kill"),
    )
    .unwrap();
    let output = cascade(&["sweep", file.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sweep.axes[0].parameter"), "{stderr}");
    assert!(stderr.contains("no drug named \"B\""), "{stderr}");
    assert!(stderr.contains("therapy.drugs.{A}"), "{stderr}");
}
