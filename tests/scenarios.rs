//! Every scenario file in `scenarios/` against its golden file in
//! `tests/golden/`: the trace digest of each replicate and the summary.
//! The validation scenarios (`scenarios/validation/`) run hundreds of
//! replicates; `tests/validation.rs` checks their results and pins the
//! digest of their first replicate instead.
//!
//! After an intended change, bless the new results and review the diff:
//!
//! ```text
//! CASCADE_BLESS=1 cargo test -p cascade-runner --test scenarios
//! git diff tests/golden
//! ```

use std::path::Path;

use cascade_biology::NoExtension;
use cascade_runner::golden;

#[test]
fn shipped_scenarios_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scenarios = root.join("scenarios");
    let files =
        golden::shipped_scenario_files(&scenarios).expect("the scenario directory can be read");
    let report = golden::check_files::<NoExtension>(
        &scenarios,
        &files,
        &root.join("tests/golden"),
        golden::bless_requested(),
    )
    .expect("the golden directory can be written");
    assert!(!report.checked.is_empty(), "no scenario found");
    assert!(report.failures.is_empty(), "{report}");
}
