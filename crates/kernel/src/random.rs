//! Keyed random streams and portable samplers.
//!
//! # Keys
//!
//! Every random number in a run comes from a [`RandomStream`] identified by
//! three keys: the run's [`Seed`] (a `u64` the user picks), the replicate
//! index, and a [`Purpose`] (what the numbers are for: `"arrivals"`,
//! `"service"`, `"arrest"`…). The stream is ChaCha8 (from `rand_chacha`) with
//! the 256-bit key made of the little-endian bytes of
//! `(seed, replicate, purpose, STREAM_FORMAT)`.
//!
//! So a stream depends on nothing but its three keys: not on which streams
//! were created before it, not on the thread it runs on, not on how many
//! replicates ran. Replicate `r` of seed `s` is the same whether it runs alone
//! or as one of a thousand.
//!
//! # Value stability
//!
//! The sequence of `u64`s a stream gives for given keys is part of the
//! kernel's contract, and so are the bits every sampler in
//! [`distributions`](crate::distributions) turns them into: the samplers use
//! only integer arithmetic, IEEE 754 `+ - * / sqrt` (exactly rounded
//! everywhere) and the pure-Rust `libm` crate for transcendental functions,
//! never the platform's maths library. A change to any of these values is a
//! *value-breaking* change and is recorded as such in the changelog. The
//! `value_stability` tests pin fixed vectors.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Version tag mixed into every stream key. Changing it changes every
/// trajectory: a value-breaking change.
const STREAM_FORMAT: u64 = 1;

/// The seed of a run: the user's seed and the replicate index.
///
/// Two runs with equal `Seed`s (and equal models and inputs) are identical.
/// Replicates of one seed have independent streams.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Seed {
    /// The user's seed.
    pub seed: u64,
    /// The replicate index, from 0.
    pub replicate: u64,
}

impl Seed {
    /// Replicate 0 of `seed`.
    pub const fn new(seed: u64) -> Self {
        Seed { seed, replicate: 0 }
    }

    /// The same seed, replicate `replicate`.
    pub const fn with_replicate(self, replicate: u64) -> Self {
        Seed {
            seed: self.seed,
            replicate,
        }
    }

    /// The stream for `purpose` under this seed. Creating it twice gives two
    /// generators with the same sequence: create each stream once per run.
    pub fn stream(self, purpose: Purpose) -> RandomStream {
        let mut key = [0u8; 32];
        key[0..8].copy_from_slice(&self.seed.to_le_bytes());
        key[8..16].copy_from_slice(&self.replicate.to_le_bytes());
        key[16..24].copy_from_slice(&purpose.0.to_le_bytes());
        key[24..32].copy_from_slice(&STREAM_FORMAT.to_le_bytes());
        RandomStream {
            purpose,
            generator: ChaCha8Rng::from_seed(key),
        }
    }
}

/// What a random stream is for: a stable 64-bit key.
///
/// Build it from a name with [`Purpose::new`] (a `const fn`, so purposes can
/// be constants) and, for families of streams, derive children with
/// [`Purpose::child`]. The key of a name is its 64-bit FNV-1a hash, which is
/// fixed by its specification: the same on every platform and Rust version.
///
/// ```
/// use cascade_kernel::random::Purpose;
/// const ARRIVALS: Purpose = Purpose::new("arrivals");
/// assert_eq!(ARRIVALS, Purpose::new("arrivals"));
/// assert_ne!(ARRIVALS.child(0), ARRIVALS.child(1));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Purpose(pub u64);

impl Purpose {
    /// The purpose named `name` (64-bit FNV-1a of its UTF-8 bytes).
    pub const fn new(name: &str) -> Self {
        Purpose(fnv1a(FNV_OFFSET, name.as_bytes()))
    }

    /// The `index`-th member of a family of streams, e.g. one per organ.
    pub const fn child(self, index: u64) -> Self {
        Purpose(fnv1a(self.0, &index.to_le_bytes()))
    }
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a, continuing from `state`.
pub(crate) const fn fnv1a(mut state: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        state ^= bytes[i] as u64;
        state = state.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    state
}

/// A deterministic, portable stream of random numbers (ChaCha8).
///
/// Get one from [`Seed::stream`] or, inside a model, from
/// [`Context::rng`](crate::Context::rng). It is deliberately not `Clone`:
/// an accidental copy would repeat numbers. It serialises with serde (seed,
/// stream and position), for checkpoints.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RandomStream {
    purpose: Purpose,
    generator: ChaCha8Rng,
}

impl RandomStream {
    /// What this stream is for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.generator.next_u64()
    }

    /// The next 32 random bits.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.generator.next_u32()
    }

    /// Uniform on `[0, 1)`: the top 53 bits of [`next_u64`](Self::next_u64)
    /// times 2^-53 (every value a multiple of 2^-53).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on `(0, 1]`: `(k + 1) · 2^-53` for the same `k` as
    /// [`uniform`](Self::uniform). Safe to take the logarithm of.
    #[inline]
    pub fn uniform_nonzero(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// How many 32-bit words this stream has produced: its position.
    pub fn word_position(&self) -> u128 {
        self.generator.get_word_pos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_specification_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(Purpose::new("").0, 0xcbf2_9ce4_8422_2325);
        assert_eq!(Purpose::new("a").0, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(Purpose::new("foobar").0, 0x8594_4171_f739_67e8);
    }

    #[test]
    fn streams_depend_only_on_their_keys() {
        let seed = Seed::new(7).with_replicate(3);
        let mut a = seed.stream(Purpose::new("x"));
        let _other = seed.stream(Purpose::new("y"));
        let mut b = seed.stream(Purpose::new("x"));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn keys_separate_streams() {
        let first = |seed: Seed, purpose: &str| seed.stream(Purpose::new(purpose)).next_u64();
        let base = first(Seed::new(1), "x");
        assert_ne!(base, first(Seed::new(2), "x"));
        assert_ne!(base, first(Seed::new(1).with_replicate(1), "x"));
        assert_ne!(base, first(Seed::new(1), "y"));
    }

    #[test]
    fn value_stability_of_raw_streams() {
        let mut s = Seed::new(42).stream(Purpose::new("value-stability"));
        let got: Vec<u64> = (0..4).map(|_| s.next_u64()).collect();
        assert_eq!(got, GOLDEN_RAW, "value-breaking change in the raw stream");
        let mut s = Seed::new(42).stream(Purpose::new("value-stability"));
        let u: Vec<u64> = (0..4).map(|_| s.uniform().to_bits()).collect();
        assert_eq!(u, GOLDEN_UNIFORM, "value-breaking change in uniform()");
    }

    const GOLDEN_RAW: [u64; 4] = [
        11726167356924119303,
        6637692134792329185,
        18025991377428091148,
        6116791009243211999,
    ];
    const GOLDEN_UNIFORM: [u64; 4] = [
        4603900887200024521,
        4600153741143289052,
        4606976973147536226,
        4599645048637869994,
    ];

    #[test]
    fn uniform_bounds() {
        let mut s = Seed::new(1).stream(Purpose::new("bounds"));
        for _ in 0..10_000 {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
            let v = s.uniform_nonzero();
            assert!(v > 0.0 && v <= 1.0);
        }
    }

    #[test]
    fn serde_round_trip_keeps_position() {
        let mut s = Seed::new(5).stream(Purpose::new("ckpt"));
        for _ in 0..37 {
            s.next_u32();
        }
        let json = serde_json::to_string(&s).unwrap();
        let mut restored: RandomStream = serde_json::from_str(&json).unwrap();
        assert_eq!(restored.word_position(), s.word_position());
        for _ in 0..10 {
            assert_eq!(restored.next_u64(), s.next_u64());
        }
    }
}
