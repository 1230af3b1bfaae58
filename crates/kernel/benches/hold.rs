//! The hold benchmark: the kernel's whole dispatch loop against a plain
//! `BinaryHeap` loop, measured in the same run (`cargo bench -p
//! cascade-kernel`). The models are in `examples/hold/models.rs`; the
//! `hold` example prints the same comparison as one JSON line.
//!
//! Each iteration runs `HOLDS` holds on a queue kept at `pending` events;
//! divan reports the time per iteration and the holds per second.

#[path = "../examples/hold/models.rs"]
mod models;

use cascade_kernel::EventSetLayout;
use divan::Bencher;
use divan::counter::ItemsCount;

const HOLDS: u64 = 10_000;
const SIZES: [u32; 3] = [1_000, 100_000, 1_000_000];

fn main() {
    divan::main();
}

mod hold {
    use super::*;

    #[divan::bench(args = SIZES, sample_count = 30)]
    fn kernel(bencher: Bencher, pending: u32) {
        let mut sim = models::kernel_hold(pending, 1);
        bencher
            .counter(ItemsCount::new(HOLDS))
            .bench_local(|| models::run_kernel_hold(&mut sim, HOLDS));
    }

    #[divan::bench(args = SIZES, sample_count = 30)]
    fn baseline_binary_heap(bencher: Bencher, pending: u32) {
        let mut heap = models::BaselineHold::new(pending, 1);
        bencher
            .counter(ItemsCount::new(HOLDS))
            .bench_local(|| heap.run_hold(HOLDS));
    }
}

mod hold_reschedule {
    use super::*;

    /// The default layout (`Lazy`).
    #[divan::bench(args = SIZES, sample_count = 30)]
    fn kernel(bencher: Bencher, pending: u32) {
        let mut sim = models::kernel_reschedule(pending, 1);
        bencher
            .counter(ItemsCount::new(HOLDS))
            .bench_local(|| models::run_kernel_reschedule(&mut sim, HOLDS));
    }

    /// The same model with the reference layout, `Split`
    /// (`priority-queue`).
    #[divan::bench(args = SIZES, sample_count = 30)]
    fn kernel_split(bencher: Bencher, pending: u32) {
        let mut sim = models::kernel_reschedule_with(pending, 1, EventSetLayout::Split);
        bencher
            .counter(ItemsCount::new(HOLDS))
            .bench_local(|| models::run_kernel_reschedule(&mut sim, HOLDS));
    }

    #[divan::bench(args = SIZES, sample_count = 30)]
    fn baseline_binary_heap(bencher: Bencher, pending: u32) {
        let mut heap = models::BaselineHold::new(pending, 1);
        bencher
            .counter(ItemsCount::new(HOLDS))
            .bench_local(|| heap.run_reschedule(HOLDS));
    }
}
