use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn key(time: f64, seq: u64) -> Key {
    Key::new(Time::new(time).unwrap(), seq)
}

/// Pops everything; returns the events in pop order.
fn drain(set: &mut EventSet<u64>) -> Vec<u64> {
    let mut out = Vec::new();
    while let Some((_, e)) = set.pop_until(u64::MAX) {
        out.push(e);
    }
    out
}

/// Many moves and cancellations leave many stale entries in the lazy
/// layout's heap: it rebuilds itself (memory stays bounded) and still pops
/// exactly what the indexed queue pops.
#[test]
fn the_lazy_layout_rebuilds_and_pops_like_the_indexed_queue() {
    let mut sets = [
        EventSet::new(EventSetLayout::Split),
        EventSet::new(EventSetLayout::Lazy),
    ];
    for set in &mut sets {
        let mut seq = 0u64;
        let mut ids = Vec::new();
        for id in 0..500u64 {
            ids.push(set.push_handled(key(1.0 + (id % 7) as f64, seq), id));
            seq += 1;
        }
        seq = 1_000;
        for round in 0..20u64 {
            for id in 0..500u64 {
                if (id + round) % 11 == 0 {
                    set.remove(ids[id as usize]);
                } else {
                    set.change_key(
                        ids[id as usize],
                        key(2.0 + ((id * 31 + round) % 13) as f64, seq),
                    );
                }
                seq += 1;
            }
        }
        assert!(set.markers.len() <= 2 * set.slots.taken() + 64 + 1);
    }
    let [mut split, mut lazy] = sets;
    assert_eq!(lazy.len(), split.len());
    assert_eq!(drain(&mut lazy), drain(&mut split));
}

#[test]
fn pops_in_key_order_across_both_structures() {
    let mut set = EventSet::new(EventSetLayout::Split);
    set.push_plain(key(2.0, 0), 0);
    set.push_handled(key(1.0, 1), 1);
    set.push_plain(key(1.0, 2), 2);
    set.push_handled(key(2.0, 3), 3);
    assert_eq!(set.len(), 4);
    assert_eq!(set.peek_key(), Some(key(1.0, 1)));
    assert_eq!(drain(&mut set), vec![1, 2, 0, 3]);
    assert_eq!(set.len(), 0);
}

#[test]
fn horizon_is_inclusive() {
    let mut set = EventSet::new(EventSetLayout::Split);
    set.push_plain(key(1.0, 0), 0);
    set.push_handled(key(2.0, 1), 1);
    let h = Time::new(1.0).unwrap().order_bits();
    assert_eq!(set.pop_until(h).map(|(_, e)| e), Some(0));
    assert_eq!(set.pop_until(h), None);
    assert_eq!(set.len(), 1);
}

#[test]
fn removed_and_rekeyed_events() {
    let mut set = EventSet::new(EventSetLayout::Split);
    let a = set.push_handled(key(1.0, 0), 10);
    let b = set.push_handled(key(2.0, 1), 11);
    assert!(set.change_key(a, key(3.0, 2)));
    assert_eq!(set.remove(b), Some(11));
    assert_eq!(set.remove(b), None);
    assert!(!set.change_key(b, key(4.0, 3)));
    assert_eq!(set.key_of(a), Some(key(3.0, 2)));
    assert_eq!(drain(&mut set), vec![10]);
}

proptest! {
    /// The two layouts pop the same sequence, and so does a checkpoint of
    /// either, for any mix of plain and indexed events with tied times.
    #[test]
    fn layouts_and_checkpoints_pop_the_same_sequence(
        entries in proptest::collection::vec((0u8..8, any::<bool>()), 0..200)
    ) {
        let fill = |layout| {
            let mut set = EventSet::new(layout);
            for (seq, &(slot, indexed)) in entries.iter().enumerate() {
                let k = key(f64::from(slot) * 0.5, seq as u64);
                if indexed {
                    set.push_handled(k, seq as u64);
                } else {
                    set.push_plain(k, seq as u64);
                }
            }
            set
        };
        let mut expected: Vec<(u8, u64)> = entries.iter().enumerate()
            .map(|(seq, &(slot, _))| (slot, seq as u64)).collect();
        expected.sort();
        let expected: Vec<u64> = expected.into_iter().map(|(_, seq)| seq).collect();

        let mut split = fill(EventSetLayout::Split);
        let mut indexed = fill(EventSetLayout::IndexedOnly);
        let mut lazy = fill(EventSetLayout::Lazy);
        let json = serde_json::to_string(&split).unwrap();
        let mut restored: EventSet<u64> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(drain(&mut split), expected.clone());
        prop_assert_eq!(drain(&mut indexed), expected.clone());
        prop_assert_eq!(drain(&mut lazy), expected.clone());
        prop_assert_eq!(drain(&mut restored), expected);
    }
}

/// The bookkeeping of slots and of the lazy heap, which no pop order shows
/// directly: every slot is free (once) or holds one pending event; in the
/// lazy layout each pending event has exactly one live heap entry, the top
/// of the closed heap is live and stale entries stay bounded.
fn check_bookkeeping<E>(set: &EventSet<E>) {
    let count = set.slots.count as usize;
    let mut free = vec![false; count];
    for &slot in &set.slots.free {
        assert!(!free[slot as usize], "slot {slot} is free twice");
        free[slot as usize] = true;
    }
    if set.layout == EventSetLayout::Lazy {
        assert_eq!(set.handled.len(), count);
        for (slot, entry) in set.handled.iter().enumerate() {
            assert_eq!(entry.event.is_none(), free[slot], "slot {slot}");
        }
        let mut live = vec![0u32; count];
        for marker in set.markers.iter().filter(|m| set.is_live(m)) {
            live[marker.value as usize] += 1;
        }
        for (slot, &n) in live.iter().enumerate() {
            assert_eq!(n, u32::from(!free[slot]), "live entries of slot {slot}");
        }
        if !set.markers.is_open() {
            assert!(set.markers.peek().is_none_or(|top| set.is_live(top)));
            assert!(set.markers.len() <= set.slots.taken() * 5 / 4 + 64);
        }
    } else {
        let mut held = vec![false; count];
        for (entry, _) in set.indexed.iter() {
            if entry.id.slot != NO_SLOT {
                let slot = entry.id.slot as usize;
                assert!(!free[slot] && !held[slot], "slot {slot}");
                held[slot] = true;
            }
        }
        assert_eq!(
            held.iter().filter(|&&h| h).count(),
            count - set.slots.free.len()
        );
    }
}

/// A handle whose event has run or been cancelled is refused, also once
/// its slot holds another event, and that event is left alone.
#[test]
fn a_stale_id_is_refused_after_its_slot_is_reused() {
    for layout in [
        EventSetLayout::Split,
        EventSetLayout::IndexedOnly,
        EventSetLayout::Lazy,
    ] {
        let mut set = EventSet::new(layout);
        let ran = set.push_handled(key(1.0, 0), 0);
        assert_eq!(set.pop_until(u64::MAX), Some((key(1.0, 0), 0)));
        set.settle();
        let cancelled = set.push_handled(key(2.0, 1), 1);
        assert_eq!(cancelled.slot, ran.slot, "{layout:?}: the slot is reused");
        assert_eq!(set.remove(cancelled), Some(1));
        let live = set.push_handled(key(3.0, 2), 2);
        assert_eq!(live.slot, ran.slot);
        for stale in [ran, cancelled] {
            assert_eq!(set.key_of(stale), None, "{layout:?}");
            assert!(!set.change_key(stale, key(0.5, 3)), "{layout:?}");
            assert_eq!(set.remove(stale), None, "{layout:?}");
        }
        // Ids no kernel gave out: a slot never used, the plain events' slot.
        for forged in [EventId::new(2, 1), EventId::new(2, NO_SLOT)] {
            assert_eq!(set.key_of(forged), None, "{layout:?}");
            assert_eq!(set.remove(forged), None, "{layout:?}");
        }
        assert_eq!(set.key_of(live), Some(key(3.0, 2)));
        check_bookkeeping(&set);
        assert_eq!(drain(&mut set), vec![2]);
    }
}

/// An id is 12 bytes (so an indexed-queue entry of a small event is 16) and
/// is written in a checkpoint as its sequence number and slot.
#[test]
fn ids_are_small_and_written_as_sequence_and_slot() {
    assert_eq!(size_of::<EventId>(), 12);
    assert_eq!(size_of::<Indexed<u32>>(), 16);
    let id = EventId::new((1 << 40) + 7, 3);
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, r#"{"seq":1099511627783,"slot":3}"#);
    assert_eq!(serde_json::from_str::<EventId>(&json).unwrap(), id);
}

proptest! {
    /// Ids order as their (sequence number, slot), across the halves the
    /// sequence number is kept in.
    #[test]
    fn ids_order_by_sequence_number_then_slot(a in any::<u64>(), b in any::<u64>(), slot_a in any::<u32>(), slot_b in any::<u32>(), near in any::<bool>()) {
        // Often a pair on either side of a 2^32 boundary.
        let b = if near { (a | 0xffff_ffff).wrapping_add(u64::from(slot_b % 3)) } else { b };
        let (x, y) = (EventId::new(a, slot_a), EventId::new(b, slot_b));
        prop_assert_eq!((x.seq(), x.slot), (a, slot_a));
        prop_assert_eq!(x.cmp(&y), (a, slot_a).cmp(&(b, slot_b)));
    }
}

/// Building the lazy heap anew keeps exactly the live entries, by either
/// route: walking the slots (as many live events as slots), or checking
/// each entry (few live events in many slots).
#[test]
fn the_lazy_heap_is_rebuilt_from_live_entries_only() {
    let mut set = EventSet::new(EventSetLayout::Lazy);
    let ids: Vec<EventId> = (0..1_000u64)
        .map(|i| set.push_handled(key(1.0 + (i % 10) as f64, i), i))
        .collect();
    // 1000 live events in 1000 slots: a rebuild after about 250 moves.
    let mut seq = 1_000;
    for round in 0..3u64 {
        for (i, &id) in ids.iter().enumerate() {
            assert!(set.change_key(id, key(2.0 + ((round + i as u64) % 7) as f64, seq)));
            seq += 1;
            assert!(set.markers.len() <= 1_000 + 250 + 64);
        }
        check_bookkeeping(&set);
    }
    // 10 live events in 1000 slots.
    for &id in &ids[..990] {
        set.remove(id);
        check_bookkeeping(&set);
    }
    assert!(set.markers.len() <= 10 + 2 + 64);
    let mut expected: Vec<(Key, u64)> = ids[990..]
        .iter()
        .map(|&id| (set.key_of(id).unwrap(), id.seq()))
        .collect();
    expected.sort();
    let expected: Vec<u64> = expected.into_iter().map(|(_, e)| e).collect();
    assert_eq!(drain(&mut set), expected);
}

#[derive(Clone, Debug)]
enum Operation {
    /// Schedule an event without a handle, `half_days / 2` after the last
    /// event popped.
    Plain { half_days: u8 },
    /// Schedule an event with a handle.
    Handled { half_days: u8 },
    /// Cancel the `pick`-th id ever given (often stale, its slot reused).
    Remove { pick: usize },
    /// Move the `pick`-th id ever given.
    Move { pick: usize, half_days: u8 },
    /// Pop the earliest event, leaving its heap open.
    Pop,
    /// Close the heaps, as the kernel does after each handler.
    Settle,
    /// Serialise and restore the set.
    Checkpoint,
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        1 => (0u8..6).prop_map(|half_days| Operation::Plain { half_days }),
        4 => (0u8..6).prop_map(|half_days| Operation::Handled { half_days }),
        2 => any::<usize>().prop_map(|pick| Operation::Remove { pick }),
        3 => (any::<usize>(), 0u8..6).prop_map(|(pick, half_days)| Operation::Move { pick, half_days }),
        4 => Just(Operation::Pop),
        2 => Just(Operation::Settle),
        1 => Just(Operation::Checkpoint),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random schedules, cancellations, moves (most by stale ids whose
    /// slots have been reused), pops and checkpoints: every layout does
    /// what a sorted map does, gives out the same ids (restored or not),
    /// refuses every stale id and reuses slots (no more slots than events
    /// with a handle ever pending at once).
    #[test]
    fn layouts_match_a_sorted_map_under_slot_reuse(
        operations in proptest::collection::vec(operation(), 0..400)
    ) {
        // The last set is never checkpointed: restored sets must go on
        // giving the same ids as a set that never stopped.
        let mut sets: Vec<EventSet<u64>> = [
            EventSetLayout::Split,
            EventSetLayout::IndexedOnly,
            EventSetLayout::Lazy,
            EventSetLayout::Lazy,
        ]
        .into_iter()
        .map(EventSet::new)
        .collect();
        // The reference: pending events by key; each id ever given and the
        // key of its event while pending.
        let mut pending: BTreeMap<Key, u64> = BTreeMap::new();
        let mut ids: Vec<(EventId, Option<Key>)> = Vec::new();
        let (mut seq, mut now, mut most_handled) = (0u64, 0.0, 0usize);
        for operation in operations {
            match operation {
                Operation::Plain { half_days } | Operation::Handled { half_days } => {
                    let k = key(now + f64::from(half_days) / 2.0, seq);
                    if matches!(operation, Operation::Plain { .. }) {
                        for set in &mut sets {
                            set.push_plain(k, seq);
                        }
                    } else {
                        let given: Vec<EventId> = sets.iter_mut().map(|set| set.push_handled(k, seq)).collect();
                        prop_assert!(given.iter().all(|&id| id == given[0]), "{:?}", given);
                        prop_assert_eq!(given[0].seq(), seq);
                        ids.push((given[0], Some(k)));
                    }
                    pending.insert(k, seq);
                    seq += 1;
                }
                Operation::Remove { pick } if !ids.is_empty() => {
                    let pick = pick % ids.len();
                    let (id, current) = ids[pick];
                    let expected = current.map(|k| pending.remove(&k).unwrap());
                    for set in &mut sets {
                        prop_assert_eq!(set.remove(id), expected);
                    }
                    ids[pick].1 = None;
                }
                Operation::Move { pick, half_days } if !ids.is_empty() => {
                    let pick = pick % ids.len();
                    let (id, current) = ids[pick];
                    let k = key(now + f64::from(half_days) / 2.0, seq);
                    for set in &mut sets {
                        prop_assert_eq!(set.key_of(id), current);
                        prop_assert_eq!(set.change_key(id, k), current.is_some());
                    }
                    if let Some(old) = current {
                        let event = pending.remove(&old).unwrap();
                        pending.insert(k, event);
                        ids[pick].1 = Some(k);
                        seq += 1;
                    }
                }
                Operation::Remove { .. } | Operation::Move { .. } => {}
                Operation::Pop => {
                    let expected = pending.pop_first();
                    for set in &mut sets {
                        prop_assert_eq!(set.pop_until(u64::MAX), expected);
                    }
                    if let Some((k, _)) = expected {
                        now = k.time().days();
                        if let Some(entry) = ids.iter_mut().find(|(_, current)| *current == Some(k)) {
                            entry.1 = None;
                        }
                    }
                }
                Operation::Settle => {
                    for set in &mut sets {
                        set.settle();
                    }
                }
                Operation::Checkpoint => {
                    for set in &mut sets[..3] {
                        let json = serde_json::to_string(&*set).unwrap();
                        *set = serde_json::from_str(&json).unwrap();
                    }
                }
            }
            let handled = ids.iter().filter(|(_, current)| current.is_some()).count();
            most_handled = most_handled.max(handled);
            for set in &sets {
                prop_assert_eq!(set.len(), pending.len());
                prop_assert_eq!(set.slots.taken(), handled);
                prop_assert_eq!(set.slots.count as usize, most_handled);
                check_bookkeeping(set);
            }
        }
        let expected: Vec<u64> = pending.into_values().collect();
        for set in &mut sets {
            prop_assert_eq!(drain(set), expected.clone());
        }
    }
}
