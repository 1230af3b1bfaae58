//! A min-heap with four children per node, for the plain events.
//!
//! Why not `std::collections::BinaryHeap`: with a million pending events
//! most of a pop is waiting for memory, one cache miss per level, and each
//! level's load depends on the comparison before it. Four children per node
//! halve the number of levels (log₄ n instead of log₂ n), and the four
//! children sit side by side, so their loads overlap. Measured on the hold
//! model (`docs/performance.md`), this is what keeps the kernel at or ahead
//! of a hand-written `BinaryHeap` loop at every size.
//!
//! The heap only orders by `T: Ord`, which for the event set is the unique
//! `(time, sequence)` key: its layout never decides which event comes next.
//!
//! # The fused hold
//!
//! Most handlers schedule at least one event, so a dispatch is usually a pop
//! followed by a push. [`take_min`](QuaternaryHeap::take_min) removes the
//! smallest element without repairing the heap: it moves the last element
//! to the root and leaves the heap *open*. If the next operation is a
//! [`push`](QuaternaryHeap::push), the new element goes to the root and the
//! displaced last element back to the end, where it was and where it still
//! belongs; one sift-down repairs the heap, and the push's sift-up (a cache
//! miss at the bottom of a large heap) is saved. Any other operation first
//! [`close`](QuaternaryHeap::close)s the heap with the sift-down a pop would
//! have done. Either way the heap holds the same elements in heap order, so
//! what comes out next is the same.
//!
//! # Building at once
//!
//! [`from_vec`](QuaternaryHeap::from_vec) and
//! [`retain`](QuaternaryHeap::retain) build a heap from a whole array in
//! linear time (Floyd's method: sift each inner node down, last first); the
//! lazy layout uses them to drop its stale entries in bulk.

/// Up to this many elements, a sift-down picks the smallest of four
/// children by a branch-free tournament; above it, by a scan whose branches
/// the processor predicts and runs ahead of, loading the next level's
/// children before the comparison is settled. The tournament is about 1.5×
/// faster on a heap in cache and 1.5× slower on one in main memory (hold
/// model, `docs/performance.md`). Keys are unique, so both pick the same
/// child: the choice changes speed, never the heap.
const TOURNAMENT_LIMIT: usize = 1 << 17;

pub(crate) struct QuaternaryHeap<T> {
    data: Vec<T>,
    /// The root holds the former last element, not yet sifted down.
    open: bool,
}

impl<T: Ord> QuaternaryHeap<T> {
    pub(crate) fn new() -> Self {
        QuaternaryHeap {
            data: Vec::new(),
            open: false,
        }
    }

    /// Removes and returns the smallest element, leaving the heap open (see
    /// the module docs): the caller pushes next or calls
    /// [`close`](Self::close).
    #[inline]
    pub(crate) fn take_min(&mut self) -> Option<T> {
        self.close();
        if self.data.len() <= 1 {
            return self.data.pop();
        }
        self.open = true;
        Some(self.data.swap_remove(0))
    }

    /// Repairs an open heap.
    #[inline]
    pub(crate) fn close(&mut self) {
        if self.open {
            self.open = false;
            self.sift_down(0);
        }
    }

    /// A heap of `data` (Floyd's bottom-up construction: linear time, and
    /// the array is walked backwards, level by level).
    pub(crate) fn from_vec(data: Vec<T>) -> Self {
        let mut heap = QuaternaryHeap { data, open: false };
        if heap.data.len() > 1 {
            for pos in (0..=(heap.data.len() - 2) / 4).rev() {
                heap.sift_down_from(pos);
            }
        }
        heap
    }

    /// The elements, in no particular order, and the heap emptied.
    pub(crate) fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Keeps only the elements for which `keep` is true.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.close();
        let mut data = core::mem::take(&mut self.data);
        data.retain(keep);
        *self = Self::from_vec(data);
    }

    /// A [`take_min`](Self::take_min) has left the heap open.
    #[inline]
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    /// The smallest element. The heap must be closed.
    #[inline]
    pub(crate) fn peek(&self) -> Option<&T> {
        debug_assert!(!self.open, "peek on an open heap");
        self.data.first()
    }

    /// The elements, in no particular order.
    pub(crate) fn iter(&self) -> core::slice::Iter<'_, T> {
        self.data.iter()
    }

    #[inline]
    pub(crate) fn push(&mut self, item: T) {
        if self.open {
            self.open = false;
            // The root holds the former last element: it goes back to the
            // end, where its parent is unchanged (unless that parent is the
            // root), and the new element takes the root.
            let displaced = core::mem::replace(&mut self.data[0], item);
            self.data.push(displaced);
            let last = self.data.len() - 1;
            if (last - 1) / 4 == 0 {
                self.sift_up(last);
            }
            self.sift_down(0);
            return;
        }
        self.data.push(item);
        self.sift_up(self.data.len() - 1);
    }

    /// Removes and returns the smallest element (the kernel uses the fused
    /// [`take_min`](Self::take_min); this is the reference it is tested
    /// against).
    #[cfg(test)]
    pub(crate) fn pop(&mut self) -> Option<T> {
        self.close();
        let last = self.data.pop()?;
        if self.data.is_empty() {
            return Some(last);
        }
        let top = core::mem::replace(&mut self.data[0], last);
        self.sift_down(0);
        Some(top)
    }

    /// Moves the element at `pos` down to a leaf along the path of smallest
    /// children, then up to where it belongs. The element comes from the
    /// bottom of the heap and almost always belongs near the bottom again,
    /// so this saves the comparison with it at every level on the way down
    /// (the same trick as `BinaryHeap::pop`).
    #[inline]
    fn sift_down(&mut self, mut pos: usize) {
        let len = self.data.len();
        loop {
            let first = 4 * pos + 1;
            if first >= len {
                break;
            }
            let group = if len <= TOURNAMENT_LIMIT {
                self.data.get(first..first + 4)
            } else {
                None
            };
            let best = if let Some(group) = group {
                // A full group of a heap that fits in cache: a branch-free
                // tournament, two independent comparisons and then one.
                let left = usize::from(group[1] < group[0]);
                let right = 2 + usize::from(group[3] < group[2]);
                first
                    + if group[right] < group[left] {
                        right
                    } else {
                        left
                    }
            } else {
                let mut best = first;
                for child in first + 1..(first + 4).min(len) {
                    if self.data[child] < self.data[best] {
                        best = child;
                    }
                }
                best
            };
            self.data.swap(pos, best);
            pos = best;
        }
        self.sift_up(pos);
    }

    /// Moves the element at `pos` down until no child is smaller, within
    /// the subtree of `pos` (what building a heap bottom-up needs).
    fn sift_down_from(&mut self, mut pos: usize) {
        let len = self.data.len();
        loop {
            let first = 4 * pos + 1;
            if first >= len {
                return;
            }
            let mut best = first;
            for child in first + 1..(first + 4).min(len) {
                if self.data[child] < self.data[best] {
                    best = child;
                }
            }
            if self.data[best] < self.data[pos] {
                self.data.swap(pos, best);
                pos = best;
            } else {
                return;
            }
        }
    }

    #[inline]
    fn sift_up(&mut self, mut pos: usize) {
        while pos > 0 {
            let parent = (pos - 1) / 4;
            if self.data[pos] < self.data[parent] {
                self.data.swap(pos, parent);
                pos = parent;
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Both ways of picking the smallest child (below and above
    /// `TOURNAMENT_LIMIT`), with ties, against `BinaryHeap`.
    #[test]
    fn large_heaps_behave_like_a_sorted_queue() {
        let mut heap = QuaternaryHeap::new();
        let mut reference = std::collections::BinaryHeap::new();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % 1_000_000
        };
        for _ in 0..TOURNAMENT_LIMIT + 50_000 {
            let x = next();
            heap.push(x);
            reference.push(core::cmp::Reverse(x));
        }
        for i in 0..2 * (TOURNAMENT_LIMIT + 50_000) {
            if i % 3 == 0 {
                let x = next();
                heap.push(x);
                reference.push(core::cmp::Reverse(x));
            } else {
                let expected = reference.pop().map(|r| r.0);
                let found = if i % 2 == 0 {
                    heap.take_min()
                } else {
                    heap.pop()
                };
                assert_eq!(found, expected, "operation {i}");
            }
        }
    }

    proptest! {
        /// A heap built at once, then thinned out, pops the sorted elements
        /// it kept.
        #[test]
        fn built_and_retained_heaps_pop_sorted(items in proptest::collection::vec(0u32..1000, 0..600), modulus in 1u32..5) {
            let mut heap = QuaternaryHeap::from_vec(items.clone());
            let mut sorted = items;
            sorted.sort_unstable();
            if let Some(&first) = sorted.first() {
                prop_assert_eq!(heap.peek(), Some(&first));
            }
            // Leave it open: retaining closes it first.
            if heap.take_min().is_some() {
                sorted.remove(0);
            }
            heap.retain(|&x| x % modulus == 0);
            sorted.retain(|&x| x % modulus == 0);
            let mut rest = Vec::new();
            while let Some(x) = heap.pop() {
                rest.push(x);
            }
            prop_assert_eq!(rest, sorted);
        }

        /// Pops come out sorted, interleaved with pushes, like `BinaryHeap`.
        #[test]
        fn behaves_like_a_sorted_queue(ops in proptest::collection::vec(proptest::option::of(0u32..50), 0..400), fused in proptest::collection::vec(any::<bool>(), 400)) {
            let mut heap = QuaternaryHeap::new();
            let mut reference = std::collections::BinaryHeap::new();
            for (i, op) in ops.into_iter().enumerate() {
                match op {
                    Some(x) => {
                        heap.push(x);
                        reference.push(core::cmp::Reverse(x));
                    }
                    // Pop, or take the minimum and leave the heap open for
                    // the next operation.
                    None if fused[i] => prop_assert_eq!(heap.take_min(), reference.pop().map(|r| r.0)),
                    None => prop_assert_eq!(heap.pop(), reference.pop().map(|r| r.0)),
                }
                prop_assert_eq!(heap.len(), reference.len());
                if !heap.open {
                    prop_assert_eq!(heap.peek(), reference.peek().map(|r| &r.0));
                }
            }
            heap.close();
            let mut rest = Vec::new();
            while let Some(x) = heap.pop() {
                rest.push(x);
            }
            let expected: Vec<u32> = reference.into_sorted_vec().into_iter().rev().map(|r| r.0).collect();
            prop_assert_eq!(rest, expected);
        }
    }
}
