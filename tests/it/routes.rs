//! Venous routes (`organs.change[..].venous_routes`): shares honoured, and
//! `check`'s errors at the field.

use std::path::Path;

use cascade_biology::NoExtension;
use cascade_biology::organs::OrganId;
use cascade_runner::Scenario;
use cascade_runner::run::simulate;

/// A prostate primary of 20,000 cells that neither divide nor die, shedding
/// one cell per cell per day for 10 days (so nearly all of them, as shed
/// cells leave the primary), whose venous
/// blood goes to the lung (0.5), the skeleton (0.3) and the liver (0.2).
/// Every bed those routes reach arrests every cell, so no cell passes on to
/// the arterial side: the cells bound for each bed are exactly the cells
/// the routes sent there.
const ROUTED: &str = r#"Scenario(
    seed: 5,
    stop_day: 10.0,
    POOLS
    organs: (
        preset: Human,
        change: [
            (organ: "prostate", venous_routes: [
                (to: Organ("lung"), share: 0.5),
                (to: Organ("skeleton"), share: 0.3),
                (to: Organ("liver"), share: 0.2),
            ]),
            (organ: "lung", arrest_probability: 1.0),
            (organ: "skeleton", arrest_probability: 1.0),
            (organ: "liver", arrest_probability: 1.0),
        ],
    ),
    clones: [(name: "A", birth_rate: 0.0, death_rate: 0.0, shedding_rate: 1.0)],
    primary: (organ: "prostate", cells: [("A", 20000)]),
)"#;

const SHARES: [(&str, f64); 3] = [("lung", 0.5), ("skeleton", 0.3), ("liver", 0.2)];

fn routed(pools: &str) -> Scenario<NoExtension> {
    let text = ROUTED.replace("POOLS", pools);
    cascade_runner::parse::<NoExtension>(&text, Path::new("routes.ron")).unwrap()
}

/// Cells bound for each of the three beds: every way a cell bound for a
/// bed can end its journey there (death on the way, arrest, passage).
fn arrivals(scenario: &Scenario<NoExtension>) -> Vec<u64> {
    let finished = simulate(scenario, 5, 0).unwrap();
    let state = finished.state();
    // Every cell put in is in a place or counted as dead, removed or killed.
    state.check_conservation().unwrap();
    let organs = &state.config().organs;
    SHARES
        .iter()
        .map(|(name, _)| {
            let id: OrganId = organs.id(name).unwrap();
            let f = state.funnel().organ(id);
            assert_eq!(f.passed, 0, "{name} arrests every cell");
            f.died_in_circulation + f.killed_in_circulation + f.arrested
        })
        .collect()
}

/// Pearson's chi-square of `counts` against the multinomial expectation
/// of the routes' shares.
fn chi_square(counts: &[u64]) -> (f64, u64) {
    let n: u64 = counts.iter().sum();
    let statistic = counts
        .iter()
        .zip(SHARES)
        .map(|(&x, (_, p))| {
            let expected = n as f64 * p;
            let deviation = x as f64 - expected;
            deviation * deviation / expected
        })
        .sum();
    (statistic, n)
}

/// The 0.9999 quantile of the chi-square distribution with 2 degrees of
/// freedom: -2 ln(10^-4) = 18.42 (for 2 degrees of freedom the survival
/// function is exp(-x/2)). A correct model fails this test with
/// probability 10^-4 per seed; with 2×10^4 cells, shares off by 0.05
/// give a statistic of about 200.
const CHI_SQUARE_2DF_9999: f64 = 18.42;

#[test]
fn arrivals_per_bed_follow_the_routes_shares_cell_by_cell() {
    let counts = arrivals(&routed("pools: PerCell,"));
    let (statistic, n) = chi_square(&counts);
    eprintln!("arrivals {counts:?} of {n}, chi-square {statistic:.3}");
    assert!(n > 15_000, "{counts:?}");
    assert!(
        statistic < CHI_SQUARE_2DF_9999,
        "chi-square {statistic} for {counts:?} against shares {SHARES:?}"
    );
}

#[test]
fn arrivals_per_bed_follow_the_routes_shares_in_cohorts() {
    let counts = arrivals(&routed("pools: Cohorts,"));
    let (statistic, n) = chi_square(&counts);
    eprintln!("arrivals {counts:?} of {n}, chi-square {statistic:.3}");
    assert!(n > 15_000, "{counts:?}");
    assert!(
        statistic < CHI_SQUARE_2DF_9999,
        "chi-square {statistic} for {counts:?} against shares {SHARES:?}"
    );
}

/// The same routes, but 2×10^4 cells injected into the prostate's bed,
/// which arrests none: every cell passes the bed and takes a route one by
/// one (the passage, not the shedding, path).
fn injected(pools: &str) -> Scenario<NoExtension> {
    let text = ROUTED
        .replace("POOLS", pools)
        .replace(
            r#"primary: (organ: "prostate", cells: [("A", 20000)]),"#,
            r#"injections: [(vein: "prostate_vein", cells: [("A", 20000)])],"#,
        )
        .replace(
            r#"        preset: Human,"#,
            r#"        preset: Human,
        veins: [(name: "prostate_vein", leads_to: Organ("prostate"))],"#,
        )
        .replace(
            r#"(organ: "prostate", venous_routes"#,
            r#"(organ: "prostate", arrest_probability: 0.0, venous_routes"#,
        );
    cascade_runner::parse::<NoExtension>(&text, Path::new("routes.ron")).unwrap()
}

#[test]
fn cells_passing_the_bed_follow_the_routes_shares_in_both_pool_modes() {
    for pools in ["pools: PerCell,", "pools: Cohorts,"] {
        let counts = arrivals(&injected(pools));
        let (statistic, n) = chi_square(&counts);
        eprintln!("{pools} passing: arrivals {counts:?} of {n}, chi-square {statistic:.3}");
        assert!(n > 15_000, "{counts:?}");
        assert!(
            statistic < CHI_SQUARE_2DF_9999,
            "{pools} chi-square {statistic} for {counts:?} against shares {SHARES:?}"
        );
    }
}

#[test]
fn an_organ_without_routes_keeps_its_one_drain() {
    let scenario = routed("");
    let organs = &scenario.config.organs;
    let liver = organs.id("liver").unwrap();
    let routes = organs.routes(liver);
    assert_eq!(routes.len(), 1);
    assert_eq!(&routes[0].to, organs.drain(liver));
    assert_eq!(routes[0].share, 1.0);
    let prostate = organs.id("prostate").unwrap();
    assert_eq!(organs.routes(prostate).len(), 3);
    // The specs give the same set back, routes included.
    let (specs, veins) = organs.specs();
    assert_eq!(specs[prostate.index()].venous_routes.len(), 3);
    assert!(specs[liver.index()].venous_routes.is_empty());
    let again = cascade_biology::organs::OrganSet::new(specs, veins).unwrap();
    assert_eq!(&again, organs);
}

/// `check`'s message for the routes of `routes`, and its field.
fn refused(routes: &str) -> (String, String) {
    let text = ROUTED.replace("POOLS", "").replace(
        r#"venous_routes: [
                (to: Organ("lung"), share: 0.5),
                (to: Organ("skeleton"), share: 0.3),
                (to: Organ("liver"), share: 0.2),
            ]"#,
        routes,
    );
    assert_ne!(text, ROUTED.replace("POOLS", ""));
    let error = cascade_runner::parse::<NoExtension>(&text, Path::new("routes.ron")).unwrap_err();
    (error.to_string(), error.field.clone())
}

#[test]
fn shares_not_summing_to_one_are_refused_at_the_field() {
    let (message, field) = refused(
        r#"venous_routes: [(to: Organ("lung"), share: 0.5), (to: Organ("skeleton"), share: 0.3)]"#,
    );
    assert_eq!(field, "organs.change[0].venous_routes");
    assert!(message.contains("shares sum to 0.8"), "{message}");
    assert!(message.contains("expected 1"), "{message}");
}

#[test]
fn an_unknown_bed_is_refused_at_the_field_with_a_hint() {
    let (message, field) = refused(
        r#"venous_routes: [(to: Organ("lung"), share: 0.5), (to: Organ("skeletn"), share: 0.5)]"#,
    );
    assert_eq!(field, "organs.change[0].venous_routes[1].to");
    assert!(message.contains("unknown organ \"skeletn\""), "{message}");
    assert!(message.contains("did you mean \"skeleton\""), "{message}");
}

#[test]
fn a_share_outside_zero_and_one_a_bed_twice_and_a_missing_main_drainage_are_refused() {
    let (message, field) = refused(
        r#"venous_routes: [(to: Organ("lung"), share: 1.5), (to: Organ("skeleton"), share: -0.5)]"#,
    );
    assert_eq!(field, "organs.change[0].venous_routes[0].share");
    assert!(
        message.contains("expected a fraction in [0, 1]"),
        "{message}"
    );

    let (message, field) = refused(
        r#"venous_routes: [(to: Organ("lung"), share: 0.5), (to: Organ("lung"), share: 0.5)]"#,
    );
    assert_eq!(field, "organs.change[0].venous_routes[1].to");
    assert!(message.contains("again"), "{message}");

    // The prostate's main drainage is the lung.
    let (message, field) = refused(
        r#"venous_routes: [(to: Organ("skeleton"), share: 0.5), (to: Organ("liver"), share: 0.5)]"#,
    );
    assert_eq!(field, "organs.change[0].venous_routes");
    assert!(message.contains("main drainage"), "{message}");
}

#[test]
fn routes_that_loop_are_refused() {
    // The lung drains to the arterial side; a route from the lung back to
    // the liver (which drains to the lung) loops.
    let text = ROUTED.replace("POOLS", "").replace(
        r#"(organ: "lung", arrest_probability: 1.0),"#,
        r#"(organ: "lung", arrest_probability: 1.0, venous_routes: [(to: Arterial, share: 0.9), (to: Organ("liver"), share: 0.1)]),"#,
    );
    let error = cascade_runner::parse::<NoExtension>(&text, Path::new("routes.ron")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("loops"), "{message}");
    assert!(error.field.ends_with(".venous_routes"), "{}", error.field);
}
