use super::*;
use proptest::prelude::*;

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
        for id in 0..500u64 {
            set.push_indexed(EventId(id), key(1.0 + (id % 7) as f64, seq), id);
            seq += 1;
        }
        seq = 1_000;
        for round in 0..20u64 {
            for id in 0..500u64 {
                if (id + round) % 11 == 0 {
                    set.remove(EventId(id));
                } else {
                    set.change_key(EventId(id), key(2.0 + ((id * 31 + round) % 13) as f64, seq));
                }
                seq += 1;
            }
        }
        assert!(set.markers.len() <= 2 * set.handled.len() + 64 + 1);
    }
    let [mut split, mut lazy] = sets;
    assert_eq!(lazy.len(), split.len());
    assert_eq!(drain(&mut lazy), drain(&mut split));
}

#[test]
fn pops_in_key_order_across_both_structures() {
    let mut set = EventSet::new(EventSetLayout::Split);
    set.push_plain(key(2.0, 0), 0);
    set.push_indexed(EventId(1), key(1.0, 1), 1);
    set.push_plain(key(1.0, 2), 2);
    set.push_indexed(EventId(3), key(2.0, 3), 3);
    assert_eq!(set.len(), 4);
    assert_eq!(set.peek_key(), Some(key(1.0, 1)));
    assert_eq!(drain(&mut set), vec![1, 2, 0, 3]);
    assert_eq!(set.len(), 0);
}

#[test]
fn horizon_is_inclusive() {
    let mut set = EventSet::new(EventSetLayout::Split);
    set.push_plain(key(1.0, 0), 0);
    set.push_indexed(EventId(1), key(2.0, 1), 1);
    let h = Time::new(1.0).unwrap().order_bits();
    assert_eq!(set.pop_until(h).map(|(_, e)| e), Some(0));
    assert_eq!(set.pop_until(h), None);
    assert_eq!(set.len(), 1);
}

#[test]
fn removed_and_rekeyed_events() {
    let mut set = EventSet::new(EventSetLayout::Split);
    set.push_indexed(EventId(0), key(1.0, 0), 10);
    set.push_indexed(EventId(1), key(2.0, 1), 11);
    assert!(set.change_key(EventId(0), key(3.0, 2)));
    assert_eq!(set.remove(EventId(1)), Some(11));
    assert_eq!(set.remove(EventId(1)), None);
    assert!(!set.change_key(EventId(1), key(4.0, 3)));
    assert_eq!(set.key_of(EventId(0)), Some(key(3.0, 2)));
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
                    set.push_indexed(EventId(seq as u64), k, seq as u64);
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
