//! Observers, and the trace digest that regression tests pin.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Time;

/// Sees every dispatched event, in order, before the model handles it.
///
/// An observer gets the time and a shared reference to the event, and no
/// access to the model or the queue: it cannot change the trajectory. Logs,
/// metrics and the [`TraceDigest`] are observers. `()` observes nothing, a
/// pair `(A, B)` gives each event to `A` then `B`, and `&mut O` forwards.
pub trait Observer<E> {
    /// `event` is dispatched at `now`.
    fn observe(&mut self, now: Time, event: &E);
}

impl<E> Observer<E> for () {
    #[inline]
    fn observe(&mut self, _now: Time, _event: &E) {}
}

impl<E, A: Observer<E>, B: Observer<E>> Observer<E> for (A, B) {
    #[inline]
    fn observe(&mut self, now: Time, event: &E) {
        self.0.observe(now, event);
        self.1.observe(now, event);
    }
}

impl<E, O: Observer<E> + ?Sized> Observer<E> for &mut O {
    #[inline]
    fn observe(&mut self, now: Time, event: &E) {
        (**self).observe(now, event);
    }
}

/// An event that can be written into a [`TraceDigest`].
///
/// `kind` names the event's variant; `write_payload` writes the fields that
/// matter, through the digest's `write_*` methods. What an implementation
/// writes is part of the digests pinned by regression tests, so change it
/// only as a value-breaking change.
pub trait TraceEvent {
    /// The kind of event, for example `"CustomerArrived"`.
    fn kind(&self) -> &str;

    /// Writes the event's fields. The default writes nothing.
    fn write_payload(&self, digest: &mut TraceDigest) {
        let _ = digest;
    }
}

/// A stable digest of a dispatched event sequence.
///
/// For each event it hashes, in order: the bits of its time, its
/// [`kind`](TraceEvent::kind) (length-prefixed) and its
/// [payload](TraceEvent::write_payload). The hash is 128-bit FNV-1a over
/// little-endian bytes: fixed by its specification, the same on every
/// platform, build profile and Rust version. It is not cryptographic; it
/// detects changed trajectories, which is what regression tests need.
///
/// The same model, inputs and [`Seed`](crate::random::Seed) give the same
/// digest, whatever [`EventSetLayout`](crate::EventSetLayout), thread count
/// or machine; and a simulation restored from a checkpoint, with the digest
/// restored beside it, ends with the digest of the uninterrupted run.
///
/// ```
/// use cascade_kernel::{TraceDigest, TraceEvent, Observer, Time};
/// struct Ping(u32);
/// impl TraceEvent for Ping {
///     fn kind(&self) -> &str { "Ping" }
///     fn write_payload(&self, digest: &mut TraceDigest) { digest.write_u64(self.0.into()) }
/// }
/// let mut a = TraceDigest::new();
/// let mut b = TraceDigest::new();
/// a.observe(Time::ZERO, &Ping(1));
/// b.observe(Time::ZERO, &Ping(2));
/// assert_ne!(a, b);
/// assert_eq!(a.events(), 1);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TraceDigest {
    state: u128,
    events: u64,
}

const FNV128_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

impl TraceDigest {
    /// The digest of no events.
    pub const fn new() -> Self {
        TraceDigest {
            state: FNV128_OFFSET,
            events: 0,
        }
    }

    /// Hashes `bytes`.
    #[inline]
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state ^= u128::from(byte);
            self.state = self.state.wrapping_mul(FNV128_PRIME);
        }
    }

    /// Hashes a `u64` (little-endian).
    #[inline]
    pub fn write_u64(&mut self, value: u64) {
        self.write_bytes(&value.to_le_bytes());
    }

    /// Hashes an `i64` (little-endian two's complement).
    #[inline]
    pub fn write_i64(&mut self, value: i64) {
        self.write_bytes(&value.to_le_bytes());
    }

    /// Hashes the bits of an `f64`.
    #[inline]
    pub fn write_f64(&mut self, value: f64) {
        self.write_u64(value.to_bits());
    }

    /// Hashes a string, length-prefixed.
    #[inline]
    pub fn write_str(&mut self, value: &str) {
        self.write_u64(value.len() as u64);
        self.write_bytes(value.as_bytes());
    }

    /// The 128-bit value.
    pub const fn value(&self) -> u128 {
        self.state
    }

    /// How many events were hashed.
    pub const fn events(&self) -> u64 {
        self.events
    }
}

impl Default for TraceDigest {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TraceDigest {
    /// 32 lowercase hexadecimal digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.state)
    }
}

impl<E: TraceEvent> Observer<E> for TraceDigest {
    fn observe(&mut self, now: Time, event: &E) {
        self.events += 1;
        self.write_f64(now.days());
        self.write_str(event.kind());
        event.write_payload(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv128_matches_the_specification_vectors() {
        let mut d = TraceDigest::new();
        assert_eq!(d.value(), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        d.write_bytes(b"a");
        assert_eq!(d.value(), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }

    #[test]
    fn digest_changes_with_time_kind_and_payload() {
        struct E(&'static str, u64);
        impl TraceEvent for E {
            fn kind(&self) -> &str {
                self.0
            }
            fn write_payload(&self, digest: &mut TraceDigest) {
                digest.write_u64(self.1);
            }
        }
        let digest = |t: f64, e: E| {
            let mut d = TraceDigest::new();
            d.observe(Time::new(t).unwrap(), &e);
            d
        };
        let base = digest(1.0, E("A", 1));
        assert_eq!(base, digest(1.0, E("A", 1)));
        assert_ne!(base, digest(1.5, E("A", 1)));
        assert_ne!(base, digest(1.0, E("B", 1)));
        assert_ne!(base, digest(1.0, E("A", 2)));
        assert_eq!(base.to_string().len(), 32);
    }
}
