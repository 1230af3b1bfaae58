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

pub(crate) struct QuaternaryHeap<T> {
    data: Vec<T>,
}

impl<T: Ord> QuaternaryHeap<T> {
    pub(crate) fn new() -> Self {
        QuaternaryHeap { data: Vec::new() }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    /// The smallest element.
    #[inline]
    pub(crate) fn peek(&self) -> Option<&T> {
        self.data.first()
    }

    pub(crate) fn iter(&self) -> core::slice::Iter<'_, T> {
        self.data.iter()
    }

    #[inline]
    pub(crate) fn push(&mut self, item: T) {
        self.data.push(item);
        self.sift_up(self.data.len() - 1);
    }

    /// Removes and returns the smallest element.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
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
            let end = (first + 4).min(len);
            let mut best = first;
            for child in first + 1..end {
                if self.data[child] < self.data[best] {
                    best = child;
                }
            }
            self.data.swap(pos, best);
            pos = best;
        }
        self.sift_up(pos);
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

    proptest! {
        /// Pops come out sorted, interleaved with pushes, like `BinaryHeap`.
        #[test]
        fn behaves_like_a_sorted_queue(ops in proptest::collection::vec(proptest::option::of(0u32..50), 0..400)) {
            let mut heap = QuaternaryHeap::new();
            let mut reference = std::collections::BinaryHeap::new();
            for op in ops {
                match op {
                    Some(x) => {
                        heap.push(x);
                        reference.push(core::cmp::Reverse(x));
                    }
                    None => prop_assert_eq!(heap.pop(), reference.pop().map(|r| r.0)),
                }
                prop_assert_eq!(heap.len(), reference.len());
                prop_assert_eq!(heap.peek(), reference.peek().map(|r| &r.0));
            }
        }
    }
}
