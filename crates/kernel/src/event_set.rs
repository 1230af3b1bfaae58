//! The pending-event set: an indexed priority queue and a plain heap that
//! share one ordering.
//!
//! # Why two structures
//!
//! Most events in a simulation are never cancelled: a cell's next division, a
//! customer's arrival. They need only "push" and "pop the earliest", which a
//! plain heap does fastest (here a four-ary heap, see `heap.rs`). A few
//! events must be cancelled or moved by
//! a handle (a competing clock that loses, a dose that is skipped): those need
//! an indexed queue, here `priority_queue::PriorityQueue`, which is measured
//! at 2.1–2.5× the cost of `std::collections::BinaryHeap` per operation.
//!
//! So the model says, when it schedules, whether the event may be cancelled
//! or moved: plain events go to the heap, events with a handle go to the
//! indexed queue, and each pop takes the smaller of the two heads.
//!
//! # Why the split cannot change a trajectory
//!
//! Every pending event carries a key `(time, sequence)` whose sequence number
//! is given once per scheduling and never repeats, so keys are distinct and
//! totally ordered. Each structure pops its own events in key order, so taking
//! the smaller head at every pop yields the union in key order: exactly the
//! sequence one queue holding every event would give. No property of the
//! structures (heap layout, hash order, capacity) enters the order, only keys.
//! [`EventSetLayout::IndexedOnly`] routes every event through the indexed
//! queue; tests run models both ways and compare their trace digests.

use core::borrow::Borrow;
use core::cmp::{Ordering, Reverse};
use core::hash::{BuildHasherDefault, Hash, Hasher};

use priority_queue::PriorityQueue;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;

use crate::time::Time;

mod heap;
use heap::QuaternaryHeap;

/// The order of pending events: time first, then the sequence number given
/// when the event was (last) scheduled.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Key {
    /// [`Time::order_bits`] of the event's time.
    pub(crate) time: u64,
    pub(crate) seq: u64,
}

impl Key {
    /// The key as one integer, whose order is the key order. Comparing it
    /// compiles to branch-free code; the field-by-field comparison a derived
    /// `Ord` gives branches, which random keys mispredict half the time.
    #[inline(always)]
    fn packed(self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.seq)
    }

    pub(crate) fn new(time: Time, seq: u64) -> Key {
        Key {
            time: time.order_bits(),
            seq,
        }
    }

    pub(crate) fn time(self) -> Time {
        Time::from_order_bits(self.time)
    }
}

impl PartialOrd for Key {
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
    #[inline(always)]
    fn lt(&self, other: &Self) -> bool {
        self.packed() < other.packed()
    }
    #[inline(always)]
    fn le(&self, other: &Self) -> bool {
        self.packed() <= other.packed()
    }
}

impl Ord for Key {
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        self.packed().cmp(&other.packed())
    }
}

/// The identity of an event in the indexed queue: the sequence number it got
/// when first scheduled (unique for the whole run).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct EventId(pub(crate) u64);

/// How pending events are split between the two structures.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventSetLayout {
    /// Events without a handle go to a plain (four-ary) heap, events with a
    /// handle to the indexed queue. The default, and the fast one.
    #[default]
    Split,
    /// Every event goes to the indexed queue. Same trajectories, slower; kept
    /// to check that the split changes nothing.
    IndexedOnly,
    /// Events without a handle as in `Split`; events with a handle go to a
    /// second four-ary heap of (key, id) entries with lazy deletion, and
    /// their events to a map by id. Cancelling removes the map entry;
    /// moving gives it a new key and pushes a new heap entry; an entry whose
    /// key is no longer its event's is dropped when it reaches the top.
    /// Same trajectories (only keys decide the order, and a moved event
    /// gets a new key either way); faster than `Split` when models move
    /// many events in large queues (`docs/performance.md`).
    Lazy,
}

/// A heap entry ordered by its key alone (keys are unique): a plain event,
/// or in the lazy layout a marker naming the handled event it was for.
#[derive(Copy, Clone)]
struct Keyed<T> {
    key: Key,
    value: T,
}

impl<T> PartialEq for Keyed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<T> Eq for Keyed<T> {}
impl<T> PartialOrd for Keyed<T> {
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
    #[inline(always)]
    fn lt(&self, other: &Self) -> bool {
        self.key < other.key
    }
}
impl<T> Ord for Keyed<T> {
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// An entry of the indexed queue: hashed and compared by its id only, so the
/// queue can be searched by id (`Borrow<EventId>`).
struct Indexed<E> {
    id: EventId,
    event: E,
}

impl<E> PartialEq for Indexed<E> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl<E> Eq for Indexed<E> {}
impl<E> Hash for Indexed<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}
impl<E> Borrow<EventId> for Indexed<E> {
    fn borrow(&self) -> &EventId {
        &self.id
    }
}

/// Hasher for event ids: a multiplicative (Fibonacci) hash. Ids are distinct
/// integers from a counter, so this spreads them well; it only decides where
/// the indexed queue stores an entry, never the pop order.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IndexedQueue<E> = PriorityQueue<Indexed<E>, Reverse<Key>, BuildHasherDefault<IdHasher>>;

pub(crate) struct EventSet<E> {
    layout: EventSetLayout,
    plain: QuaternaryHeap<Keyed<E>>,
    indexed: IndexedQueue<E>,
    /// The lazy layout: (key, id) entries, some stale (their event was
    /// moved or cancelled), never a stale one on top.
    markers: QuaternaryHeap<Keyed<EventId>>,
    /// The lazy layout: each pending event with a handle, and its key.
    handled: HashMap<EventId, (Key, E), BuildHasherDefault<IdHasher>>,
}

impl<E> EventSet<E> {
    pub(crate) fn new(layout: EventSetLayout) -> Self {
        EventSet {
            layout,
            plain: QuaternaryHeap::new(),
            indexed: PriorityQueue::with_default_hasher(),
            markers: QuaternaryHeap::new(),
            handled: HashMap::default(),
        }
    }

    /// Drops stale entries from the top of the lazy heap, and rebuilds it
    /// when stale entries outnumber live ones (so memory stays within twice
    /// the pending events).
    fn purge(&mut self) {
        loop {
            self.markers.close();
            let Some(&top) = self.markers.peek() else {
                return;
            };
            if self
                .handled
                .get(&top.value)
                .is_some_and(|(key, _)| *key == top.key)
            {
                break;
            }
            self.markers.take_min();
        }
        if self.markers.len() > 2 * self.handled.len() + 64 {
            let mut fresh = QuaternaryHeap::new();
            // Order of insertion does not matter: keys are unique, so the
            // heap pops the same sequence whatever its layout.
            #[allow(clippy::disallowed_methods)] // reason: only feeds a heap
            for (&id, &(key, _)) in self.handled.iter() {
                fresh.push(Keyed { key, value: id });
            }
            fresh.close();
            self.markers = fresh;
        }
    }

    pub(crate) fn layout(&self) -> EventSetLayout {
        self.layout
    }

    pub(crate) fn len(&self) -> usize {
        self.plain.len() + self.indexed.len() + self.handled.len()
    }

    /// Adds an event that will never be looked up.
    #[inline]
    pub(crate) fn push_plain(&mut self, key: Key, event: E) {
        match self.layout {
            EventSetLayout::Split | EventSetLayout::Lazy => {
                self.plain.push(Keyed { key, value: event })
            }
            EventSetLayout::IndexedOnly => {
                // The sequence number is unique, so it is a free id.
                self.indexed.push(
                    Indexed {
                        id: EventId(key.seq),
                        event,
                    },
                    Reverse(key),
                );
            }
        }
    }

    /// Adds an event that can be found by `id`.
    pub(crate) fn push_indexed(&mut self, id: EventId, key: Key, event: E) {
        if self.layout == EventSetLayout::Lazy {
            let previous = self.handled.insert(id, (key, event));
            debug_assert!(previous.is_none(), "event ids are unique");
            self.markers.close();
            self.markers.push(Keyed { key, value: id });
            self.markers.close();
            return;
        }
        let previous = self.indexed.push(Indexed { id, event }, Reverse(key));
        debug_assert!(previous.is_none(), "event ids are unique");
    }

    pub(crate) fn remove(&mut self, id: EventId) -> Option<E> {
        if self.layout == EventSetLayout::Lazy {
            let (_, event) = self.handled.remove(&id)?;
            self.purge();
            return Some(event);
        }
        self.indexed.remove(&id).map(|(entry, _)| entry.event)
    }

    /// Gives the event `id` a new key. `false` if it is not pending.
    pub(crate) fn change_key(&mut self, id: EventId, key: Key) -> bool {
        if self.layout == EventSetLayout::Lazy {
            let Some(entry) = self.handled.get_mut(&id) else {
                return false;
            };
            entry.0 = key;
            self.markers.close();
            self.markers.push(Keyed { key, value: id });
            self.purge();
            return true;
        }
        self.indexed.change_priority(&id, Reverse(key)).is_some()
    }

    pub(crate) fn key_of(&self, id: EventId) -> Option<Key> {
        if self.layout == EventSetLayout::Lazy {
            return self.handled.get(&id).map(|(key, _)| *key);
        }
        self.indexed.get_priority(&id).map(|Reverse(key)| *key)
    }

    /// The smallest key among events with a handle.
    #[inline]
    fn handled_min(&self) -> Option<Key> {
        match self.layout {
            EventSetLayout::Lazy => self.markers.peek().map(|m| m.key),
            _ => self.indexed.peek().map(|(_, Reverse(key))| *key),
        }
    }

    /// The smallest key, if any.
    pub(crate) fn peek_key(&self) -> Option<Key> {
        let plain = self.plain.peek().map(|p| p.key);
        let indexed = self.handled_min();
        match (plain, indexed) {
            (Some(p), Some(i)) => Some(p.min(i)),
            (p, i) => p.or(i),
        }
    }

    /// Removes and returns the earliest event if its time's order bits are
    /// at most `horizon`. The plain heap may be left open for a fused push
    /// (see `heap.rs`): call [`settle`](Self::settle) once the handler has
    /// run.
    #[inline]
    pub(crate) fn pop_until(&mut self, horizon: u64) -> Option<(Key, E)> {
        self.plain.close();
        let from_plain = match (self.plain.peek(), self.handled_min()) {
            (Some(p), Some(i)) => p.key < i,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if from_plain {
            if self.plain.peek()?.key.time > horizon {
                return None;
            }
            let Keyed { key, value: event } = self.plain.take_min()?;
            Some((key, event))
        } else if self.layout == EventSetLayout::Lazy {
            let top = *self.markers.peek()?;
            if top.key.time > horizon {
                return None;
            }
            self.markers.take_min();
            let (key, event) = self.handled.remove(&top.value)?;
            self.purge();
            Some((key, event))
        } else {
            let (_, Reverse(key)) = self.indexed.peek()?;
            if key.time > horizon {
                return None;
            }
            let (entry, Reverse(key)) = self.indexed.pop()?;
            Some((key, entry.event))
        }
    }

    /// Repairs the plain heap if a pop left it open.
    #[inline]
    pub(crate) fn settle(&mut self) {
        self.plain.close();
    }

    /// Every pending event in key order, with its id when it has a handle.
    fn sorted_entries(&self) -> Vec<SerializedEntry<&E>> {
        let mut entries: Vec<SerializedEntry<&E>> = self
            .plain
            .iter()
            .map(|p| SerializedEntry {
                key: p.key,
                id: None,
                event: &p.value,
            })
            .chain({
                #[allow(clippy::disallowed_methods)] // reason: sorted below
                let handled = self.handled.iter();
                handled.map(|(&id, (key, event))| SerializedEntry {
                    key: *key,
                    id: Some(id),
                    event,
                })
            })
            .chain(
                self.indexed
                    .iter()
                    .map(|(entry, Reverse(key))| SerializedEntry {
                        key: *key,
                        id: Some(entry.id),
                        event: &entry.event,
                    }),
            )
            .collect();
        entries.sort_unstable_by_key(|e| e.key);
        entries
    }
}

/// One pending event in a checkpoint.
#[derive(Serialize, Deserialize)]
struct SerializedEntry<E> {
    key: Key,
    id: Option<EventId>,
    event: E,
}

#[derive(Serialize, Deserialize)]
struct SerializedEventSet<E> {
    layout: EventSetLayout,
    pending: Vec<SerializedEntry<E>>,
}

// A checkpoint stores the pending events in key order, not the structures'
// internal layout: restoring rebuilds the structures, and since only keys
// decide the pop order, the restored set pops exactly what the original would.
impl<E: Serialize> Serialize for EventSet<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SerializedEventSet {
            layout: self.layout,
            pending: self.sorted_entries(),
        }
        .serialize(serializer)
    }
}

impl<'de, E: Deserialize<'de>> Deserialize<'de> for EventSet<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = SerializedEventSet::<E>::deserialize(deserializer)?;
        let mut set = EventSet::new(stored.layout);
        for entry in stored.pending {
            match entry.id {
                Some(id) => set.push_indexed(id, entry.key, entry.event),
                None => set.push_plain(entry.key, entry.event),
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests;
