//! The pending-event set: plain events in a heap, events with a handle in a
//! second structure, and one ordering for both.
//!
//! # Why two structures
//!
//! Most events in a simulation are never cancelled: a cell's next division, a
//! customer's arrival. They need only "push" and "pop the earliest", which a
//! plain heap does fastest (here a four-ary heap, see `heap.rs`). A few
//! events must be cancelled or moved by
//! a handle (a competing clock that loses, a dose that is skipped): those need
//! an indexed structure. By default ([`EventSetLayout::Lazy`]) it is a
//! second four-ary heap with lazy deletion over a dense `Vec` of events by
//! slot; [`EventSetLayout::Split`] keeps them in
//! `priority_queue::PriorityQueue` instead, measured at 2.1–2.5× the cost of
//! `std::collections::BinaryHeap` per operation, and stays as the reference
//! the default is tested against.
//!
//! So the model says, when it schedules, whether the event may be cancelled
//! or moved: plain events go to the heap, events with a handle go to the
//! indexed structure, and each pop takes the smaller of the two heads.
//!
//! # Handles and slots
//!
//! An event with a handle takes a *slot*, a small integer, when it is
//! scheduled, and gives it back when it runs or is cancelled; the slot freed
//! last is taken first. Its [`EventId`] (what an `EventHandle` wraps) is the
//! slot and the sequence number the event got when first scheduled. That
//! number is unique for the whole run, so it tells apart the events that use
//! a slot one after another: a handle whose event has gone names a slot that
//! is empty or holds an event with another number, and is refused. There is
//! no generation counter to wrap around. The lazy layout keeps its events in
//! a `Vec` indexed by slot, so finding an event by handle is one read at a
//! known address, not a hash-map lookup. Slots are handed out the same way in
//! every layout, so the same model gets the same handles in each.
//!
//! # The lazy layout's stale entries
//!
//! In [`EventSetLayout::Lazy`], moving or cancelling an event leaves its old
//! heap entry behind, stale. A stale entry that reaches the top costs a pop
//! like a live one: on a heap of a million entries, a sift-down through
//! cache misses. Rebuilding the heap from the slots drops every stale entry
//! for one linear pass (a streaming read of the slots and Floyd's
//! bottom-up construction). So the heap is rebuilt as soon as stale entries
//! outnumber a quarter of the live ones: most stale entries never reach the
//! top, and the heap stays small. On the hold model with moves, this is
//! what brings the layout within 1.5× of a hand-written `BinaryHeap` loop at
//! 10⁵ and 10⁶ pending events (`docs/performance.md`); a quarter measured a
//! little faster than a half or an eighth.
//!
//! # Why the layout cannot change a trajectory
//!
//! Every pending event carries a key `(time, sequence)` whose sequence number
//! is given once per scheduling and never repeats, so keys are distinct and
//! totally ordered. Each structure pops its own events in key order, so taking
//! the smaller head at every pop yields the union in key order: exactly the
//! sequence one queue holding every event would give. No property of the
//! structures (heap layout, hash order, capacity, which slot an event has)
//! enters the order, only keys.
//! [`EventSetLayout::IndexedOnly`] routes every event through the indexed
//! queue; tests run models in every layout and compare their trace digests.

use core::borrow::Borrow;
use core::cmp::{Ordering, Reverse};
use core::hash::{BuildHasherDefault, Hash, Hasher};

use priority_queue::PriorityQueue;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// The identity of an event with a handle: the sequence number the event
/// got when first scheduled (unique for the whole run, kept when the event
/// is moved) and its slot (reused after it has run or been cancelled).
///
/// The sequence number is kept as two halves so that the id takes 12 bytes,
/// not 16: an entry of the indexed queue with a small event, or a model's
/// array of handles, stays as small as with a plain 64-bit id. Ordered (and
/// so `EventHandle`s are ordered) by sequence number first: the order in
/// which the events were first scheduled. Hashed by sequence number alone,
/// which is unique. Serialised as `{ seq, slot }`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "IdFields", into = "IdFields")]
pub(crate) struct EventId {
    seq_high: u32,
    seq_low: u32,
    pub(crate) slot: u32,
}

impl EventId {
    #[inline(always)]
    pub(crate) fn new(seq: u64, slot: u32) -> EventId {
        EventId {
            seq_high: (seq >> 32) as u32,
            seq_low: seq as u32,
            slot,
        }
    }

    /// The sequence number of the event's first scheduling.
    #[inline(always)]
    pub(crate) fn seq(self) -> u64 {
        (u64::from(self.seq_high) << 32) | u64::from(self.seq_low)
    }
}

impl Hash for EventId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.seq());
    }
}

impl core::fmt::Debug for EventId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventId")
            .field("seq", &self.seq())
            .field("slot", &self.slot)
            .finish()
    }
}

/// How an [`EventId`] is written in a checkpoint.
#[derive(Copy, Clone, Serialize, Deserialize)]
struct IdFields {
    seq: u64,
    slot: u32,
}

impl From<IdFields> for EventId {
    fn from(fields: IdFields) -> Self {
        EventId::new(fields.seq, fields.slot)
    }
}

impl From<EventId> for IdFields {
    fn from(id: EventId) -> Self {
        IdFields {
            seq: id.seq(),
            slot: id.slot,
        }
    }
}

/// The slot number that no event with a handle ever gets: the id of a plain
/// event in the `IndexedOnly` layout.
const NO_SLOT: u32 = u32::MAX;

/// How pending events are split between the two structures.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventSetLayout {
    /// Events without a handle go to a plain (four-ary) heap, events with a
    /// handle to the indexed queue (`priority_queue::PriorityQueue`). A
    /// cancelled or moved event leaves the queue at once, so the queue never
    /// holds more entries than pending events. The reference layout (the
    /// default until the hold benchmark showed `Lazy` faster at every size):
    /// tests run models in it and in `Lazy` and compare their digests.
    Split,
    /// Every event goes to the indexed queue. Same trajectories, slower; kept
    /// to check that the split changes nothing.
    IndexedOnly,
    /// Events without a handle as in `Split`; events with a handle are kept
    /// by slot in a dense `Vec`, and a second four-ary heap holds
    /// (key, slot) entries with lazy deletion. Cancelling empties the slot;
    /// moving gives the event a new key and pushes a new heap entry. An
    /// entry whose slot no longer holds an event with its key is stale: it
    /// is dropped when it reaches the top, and all stale entries are dropped
    /// at once (the heap is rebuilt from the slots) when they outnumber a
    /// quarter of the live ones. Same trajectories: only keys decide the
    /// order, and a moved event gets a new key either way.
    ///
    /// The default, and the fastest layout measured: with 10³, 10⁵ and 10⁶
    /// pending events that are moved at random it runs at about 0.65×,
    /// 0.7× and 1.1× the time of a hand-written `BinaryHeap` loop, where
    /// `Split` takes about 1.0×, 2.2× and 3.9× (`docs/performance.md`); with
    /// no moves the two are the same code. It holds up to 1.25 heap entries
    /// (24 bytes each) per pending event with a handle, where `Split` frees
    /// a cancelled event's memory at once.
    #[default]
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

/// Which slots are taken: the number of slots ever used, and the free ones
/// as a stack (the slot freed last is taken first, while it is still in
/// cache).
#[derive(Default)]
struct Slots {
    count: u32,
    free: Vec<u32>,
}

impl Slots {
    /// A free slot, or a new one.
    ///
    /// # Panics
    ///
    /// If 2³² − 1 events with a handle are pending already.
    #[inline]
    fn take(&mut self) -> u32 {
        match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = self.count;
                assert!(
                    slot < NO_SLOT,
                    "too many events with a handle pending at once (at most {})",
                    NO_SLOT - 1
                );
                self.count += 1;
                slot
            }
        }
    }

    #[inline]
    fn release(&mut self, slot: u32) {
        self.free.push(slot);
    }

    /// How many slots hold an event.
    fn taken(&self) -> usize {
        self.count as usize - self.free.len()
    }
}

/// `marker` is the current entry of a pending event in `handled`.
#[inline]
fn is_live<E>(handled: &[Slot<E>], marker: &Keyed<u32>) -> bool {
    handled
        .get(marker.value as usize)
        .is_some_and(|slot| slot.event.is_some() && slot.key == marker.key)
}

/// An event with a handle in the lazy layout. Aligned so that a slot of a
/// small event sits in one cache line: looking an event up by handle or
/// checking a heap entry reads one line.
#[repr(align(32))]
struct Slot<E> {
    /// The event's current key (its sequence number changes when it moves).
    key: Key,
    /// The sequence number of the event's first scheduling: its id.
    seq: u64,
    /// `None` while the slot is free.
    event: Option<E>,
}

impl<E> Slot<E> {
    const EMPTY: Slot<E> = Slot {
        key: Key { time: 0, seq: 0 },
        seq: 0,
        event: None,
    };

    /// The slot holds the event `seq`.
    #[inline]
    fn holds(&self, seq: u64) -> bool {
        self.event.is_some() && self.seq == seq
    }
}

pub(crate) struct EventSet<E> {
    layout: EventSetLayout,
    plain: QuaternaryHeap<Keyed<E>>,
    /// The slots of events with a handle (every layout).
    slots: Slots,
    /// `Split` and `IndexedOnly`: the events with a handle (in
    /// `IndexedOnly`, every event).
    indexed: IndexedQueue<E>,
    /// The lazy layout: (key, slot) entries, some stale (their event was
    /// moved, cancelled or run), never a stale one on top of the closed heap.
    markers: QuaternaryHeap<Keyed<u32>>,
    /// The lazy layout: the events with a handle, by slot.
    handled: Vec<Slot<E>>,
}

impl<E> EventSet<E> {
    pub(crate) fn new(layout: EventSetLayout) -> Self {
        EventSet {
            layout,
            plain: QuaternaryHeap::new(),
            slots: Slots::default(),
            indexed: PriorityQueue::with_default_hasher(),
            markers: QuaternaryHeap::new(),
            handled: Vec::new(),
        }
    }

    /// The lazy layout's slot of `id`, if it holds that event.
    #[inline]
    fn lazy_slot(&self, id: EventId) -> Option<&Slot<E>> {
        self.handled
            .get(id.slot as usize)
            .filter(|slot| slot.holds(id.seq()))
    }

    /// The marker is the current entry of a pending event.
    #[inline]
    fn is_live(&self, marker: &Keyed<u32>) -> bool {
        is_live(&self.handled, marker)
    }

    /// Closes the lazy heap and drops stale entries from its top; then
    /// [`bound_markers`](Self::bound_markers).
    fn purge(&mut self) {
        loop {
            self.markers.close();
            let Some(top) = self.markers.peek() else {
                break;
            };
            if self.is_live(top) {
                break;
            }
            self.markers.take_min();
        }
        self.bound_markers();
    }

    /// Rebuilds the lazy heap from the live entries when stale ones
    /// outnumber a quarter of the live ones.
    fn bound_markers(&mut self) {
        let live = self.slots.taken();
        if self.markers.len() <= live + live / 4 + 64 {
            return;
        }
        let markers = core::mem::replace(&mut self.markers, QuaternaryHeap::new());
        if self.handled.len() <= 2 * markers.len() {
            // Walk the slots in order (a streaming read), not the entries
            // (a random read of a slot per entry). Any order would do: keys
            // are unique, so the heap pops the same sequence whatever its
            // layout.
            let mut data = markers.into_vec();
            data.clear();
            data.extend(
                self.handled
                    .iter()
                    .enumerate()
                    .filter(|(_, entry)| entry.event.is_some())
                    .map(|(slot, entry)| Keyed {
                        key: entry.key,
                        value: slot as u32,
                    }),
            );
            self.markers = QuaternaryHeap::from_vec(data);
        } else {
            // Far more slots than entries: check each entry.
            let mut markers = markers;
            let handled = &self.handled;
            markers.retain(|marker| is_live(handled, marker));
            self.markers = markers;
        }
    }

    /// Pushes the entry of a new event onto the lazy heap. A push onto an
    /// open heap (a fused hold) sifts the former last element down from the
    /// root, which may bring a stale entry to the top: purge then. A push
    /// onto a closed heap leaves its live top or puts a live entry there.
    #[inline]
    fn push_marker(&mut self, key: Key, slot: u32) {
        let was_open = self.markers.is_open();
        self.markers.push(Keyed { key, value: slot });
        if was_open {
            self.purge();
        } else {
            self.bound_markers();
        }
    }

    pub(crate) fn layout(&self) -> EventSetLayout {
        self.layout
    }

    pub(crate) fn len(&self) -> usize {
        match self.layout {
            EventSetLayout::Lazy => self.plain.len() + self.slots.taken(),
            _ => self.plain.len() + self.indexed.len(),
        }
    }

    /// Adds an event that will never be looked up.
    #[inline]
    pub(crate) fn push_plain(&mut self, key: Key, event: E) {
        match self.layout {
            EventSetLayout::Split | EventSetLayout::Lazy => {
                self.plain.push(Keyed { key, value: event })
            }
            EventSetLayout::IndexedOnly => {
                // The sequence number is unique, and no handle has this slot.
                let id = EventId::new(key.seq, NO_SLOT);
                self.indexed.push(Indexed { id, event }, Reverse(key));
            }
        }
    }

    /// Adds an event that can be found by the id returned.
    ///
    /// # Panics
    ///
    /// If 2³² − 1 events with a handle are pending already.
    #[inline]
    pub(crate) fn push_handled(&mut self, key: Key, event: E) -> EventId {
        let id = EventId::new(key.seq, self.slots.take());
        self.insert_handled(id, key, event);
        id
    }

    /// Puts the event `id` in its slot, which [`Slots`] has given out.
    #[inline]
    fn insert_handled(&mut self, id: EventId, key: Key, event: E) {
        if self.layout == EventSetLayout::Lazy {
            let index = id.slot as usize;
            if index == self.handled.len() {
                self.handled.push(Slot::EMPTY);
            }
            self.handled[index] = Slot {
                key,
                seq: id.seq(),
                event: Some(event),
            };
            self.push_marker(key, id.slot);
            return;
        }
        let previous = self.indexed.push(Indexed { id, event }, Reverse(key));
        debug_assert!(previous.is_none(), "event ids are unique");
    }

    /// Removes the event `id`; `None` if it is not pending.
    pub(crate) fn remove(&mut self, id: EventId) -> Option<E> {
        if id.slot >= self.slots.count {
            return None;
        }
        if self.layout == EventSetLayout::Lazy {
            let slot = self.handled.get_mut(id.slot as usize)?;
            if !slot.holds(id.seq()) {
                return None;
            }
            let event = slot.event.take();
            self.slots.release(id.slot);
            // Its heap entry is now stale. An open heap is purged when it
            // is closed.
            if !self.markers.is_open() {
                self.purge();
            }
            return event;
        }
        let (entry, _) = self.indexed.remove(&id)?;
        self.slots.release(entry.id.slot);
        Some(entry.event)
    }

    /// Gives the event `id` a new key. `false` if it is not pending.
    pub(crate) fn change_key(&mut self, id: EventId, key: Key) -> bool {
        if id.slot >= self.slots.count {
            return false;
        }
        if self.layout == EventSetLayout::Lazy {
            let Some(slot) = self.handled.get_mut(id.slot as usize) else {
                return false;
            };
            if !slot.holds(id.seq()) {
                return false;
            }
            slot.key = key;
            // The event's former entry is stale now, and may be the top.
            self.markers.push(Keyed {
                key,
                value: id.slot,
            });
            self.purge();
            return true;
        }
        self.indexed.change_priority(&id, Reverse(key)).is_some()
    }

    /// The key of the event `id`; `None` if it is not pending.
    pub(crate) fn key_of(&self, id: EventId) -> Option<Key> {
        if id.slot >= self.slots.count {
            return None;
        }
        if self.layout == EventSetLayout::Lazy {
            return self.lazy_slot(id).map(|slot| slot.key);
        }
        self.indexed.get_priority(&id).map(|Reverse(key)| *key)
    }

    /// The smallest key among events with a handle. The heaps must be
    /// settled.
    #[inline]
    fn handled_min(&self) -> Option<Key> {
        match self.layout {
            EventSetLayout::Lazy => self.markers.peek().map(|m| m.key),
            _ => self.indexed.peek().map(|(_, Reverse(key))| *key),
        }
    }

    /// The smallest key, if any. The set must be settled (see
    /// [`settle`](Self::settle)).
    pub(crate) fn peek_key(&self) -> Option<Key> {
        let plain = self.plain.peek().map(|p| p.key);
        let indexed = self.handled_min();
        match (plain, indexed) {
            (Some(p), Some(i)) => Some(p.min(i)),
            (p, i) => p.or(i),
        }
    }

    /// Removes and returns the earliest event if its time's order bits are
    /// at most `horizon`. The heap it came from may be left open for a fused
    /// push (see `heap.rs`): call [`settle`](Self::settle) once the handler
    /// has run.
    #[inline]
    pub(crate) fn pop_until(&mut self, horizon: u64) -> Option<(Key, E)> {
        self.settle();
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
            // The top is live (the heap is purged): its slot holds the
            // event. The heap stays open until the next push or `settle`.
            self.markers.take_min();
            let event = self.handled[top.value as usize]
                .event
                .take()
                .expect("the top of a purged heap is live");
            self.slots.release(top.value);
            Some((top.key, event))
        } else {
            let (_, Reverse(key)) = self.indexed.peek()?;
            if key.time > horizon {
                return None;
            }
            let (entry, Reverse(key)) = self.indexed.pop()?;
            if entry.id.slot != NO_SLOT {
                self.slots.release(entry.id.slot);
            }
            Some((key, entry.event))
        }
    }

    /// Repairs the heaps if a pop left one open.
    #[inline]
    pub(crate) fn settle(&mut self) {
        self.plain.close();
        if self.markers.is_open() {
            self.purge();
        }
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
            .chain(self.handled.iter().enumerate().filter_map(|(slot, entry)| {
                entry.event.as_ref().map(|event| SerializedEntry {
                    key: entry.key,
                    id: Some(EventId::new(entry.seq, slot as u32)),
                    event,
                })
            }))
            .chain(
                self.indexed
                    .iter()
                    .map(|(entry, Reverse(key))| SerializedEntry {
                        key: *key,
                        id: (entry.id.slot != NO_SLOT).then_some(entry.id),
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
    /// How many slots have been used.
    slots: u32,
    /// The free slots, the next to be taken last.
    free_slots: Vec<u32>,
}

// A checkpoint stores the pending events in key order, not the structures'
// internal layout: restoring rebuilds the structures, and since only keys
// decide the pop order, the restored set pops exactly what the original would.
// It also stores which slots are free, in the order they will be taken, so
// that the restored run hands out the same handles as the original.
impl<E: Serialize> Serialize for EventSet<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SerializedEventSet {
            layout: self.layout,
            pending: self.sorted_entries(),
            slots: self.slots.count,
            free_slots: self.slots.free.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de, E: Deserialize<'de>> Deserialize<'de> for EventSet<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = SerializedEventSet::<E>::deserialize(deserializer)?;
        // Every slot is either free or holds exactly one pending event.
        let handled = stored.pending.iter().filter_map(|entry| entry.id);
        if stored.free_slots.len() + handled.clone().count() != stored.slots as usize {
            return Err(D::Error::custom(format!(
                "{} slots, but {} free and {} taken",
                stored.slots,
                stored.free_slots.len(),
                handled.count()
            )));
        }
        let mut taken = vec![false; stored.slots as usize];
        for slot in stored
            .free_slots
            .iter()
            .copied()
            .chain(handled.map(|id| id.slot))
        {
            match taken.get_mut(slot as usize) {
                Some(seen @ false) => *seen = true,
                Some(true) => return Err(D::Error::custom(format!("slot {slot} used twice"))),
                None => return Err(D::Error::custom(format!("slot {slot} out of range"))),
            }
        }
        let mut set = EventSet::new(stored.layout);
        set.slots = Slots {
            count: stored.slots,
            free: stored.free_slots,
        };
        if set.layout == EventSetLayout::Lazy {
            set.handled = (0..stored.slots).map(|_| Slot::EMPTY).collect();
        }
        for entry in stored.pending {
            match entry.id {
                Some(id) => set.insert_handled(id, entry.key, entry.event),
                None => set.push_plain(entry.key, entry.event),
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests;
