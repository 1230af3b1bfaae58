//! Every scenario file in `scenarios/` against its golden file in
//! `tests/golden/`: the trace digest of each replicate and the summary.
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
    let report = golden::check_tree::<NoExtension>(
        &root.join("scenarios"),
        &root.join("tests/golden"),
        golden::bless_requested(),
    )
    .expect("the scenario and golden directories can be read");
    assert!(!report.checked.is_empty(), "no scenario found");
    assert!(report.failures.is_empty(), "{report}");
}
