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
        let json = serde_json::to_string(&split).unwrap();
        let mut restored: EventSet<u64> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(drain(&mut split), expected.clone());
        prop_assert_eq!(drain(&mut indexed), expected.clone());
        prop_assert_eq!(drain(&mut restored), expected);
    }
}
