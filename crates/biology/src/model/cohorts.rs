//! Exact cohorts for the cells outside the sites ([`PoolMode::Cohorts`]).
//!
//! Out of a site, a single cell follows a continuous-time Markov chain over
//! the pools until it dies or founds a colony. Its states are (compartment,
//! organ), its rates those of `fill_pool_channels`: they depend on its
//! clone and on the modifiers, not on other cells, so cells are
//! independent. Then, for each clone:
//!
//! - **Who will found a colony.** h(s), the probability that a cell now in
//!   state s ever founds a colony, solves a linear system (first-step
//!   analysis, Gaussian elimination over the states that can be absorbed).
//!   Of n cells entering state s together, Binomial(n, h(s)) will: they go
//!   to the ordinary pools, whose clocks run the chain *conditioned on
//!   founding* (Doob's h-transform: rate s→s′ times h(s′)/h(s), no
//!   deaths), so each is followed one by one with its own events, and
//!   founds its colony at the time per-cell mode would give.
//! - **The others** (doomed) run the chain conditioned on never founding
//!   (rate s→s′ times (1 − h(s′))/(1 − h(s)), deaths divided by
//!   1 − h(s)). They are kept as counts per state, all up to date at one
//!   time, `since`. To bring them to time t, each state's count is split
//!   multinomially by its row of exp(Q(t − since)), the chain's exact
//!   transition law over the interval (the matrix exponential by scaling
//!   and squaring of a Taylor polynomial, cached per interval). Deaths,
//!   arrests and extravasations are booked from where each cell started
//!   and where it ended.
//! - **Stragglers.** Fewer than [`STRAGGLER_LIMIT`] doomed cells entering
//!   between two updates are walked one by one up to the next update,
//!   exactly (exponential holding times, conditioned jumps), instead of
//!   forcing an update; at most `MAX_STRAGGLERS` wait at a time. In a
//!   run with a mutation effect, a clone with at most [`WALK_LIMIT`]
//!   doomed cells at an update is walked the same way, from the last
//!   update, instead of split by its matrix exponential.
//!
//! The counts are brought up to date when cells enter in numbers (a step of
//! a stepped site), before anything reads or changes them (a harvest, a
//! burden sample, a dose, new rates, the end of the run: `settle`), and
//! never otherwise: between two looks, their cost does not depend on how
//! many cells there are.
//!
//! **Exactness.** Splitting by the eventual fate, then running each part by
//! its conditioned chain, gives every cell the law of the unconditioned
//! chain; counts split multinomially by the exact transition probabilities
//! have the law of independent cells. New rates (`redraw_all`) make the
//! labels stale, so every cell is split again from where it is (the chain
//! is memoryless). A dose kills from up-to-date counts; killing does not
//! depend on the label, so the survivors keep theirs.
//!
//! **What is lost** is the path of a doomed cell within an interval. Arrests
//! and extravasations happen at most once per cell, in the organ where the
//! cell ends, so they are booked exactly. Passing a bed, entering dormancy
//! and leaving it can happen many times: for doomed cells these three
//! funnel counters are not counted (only the followed cells count them).
//! The matrix exponential is exact to rounding (about 10⁻¹⁵ per entry);
//! intervals within 10⁻⁹ (relative) of a cached one reuse its matrix.

use cascade_kernel::distributions::{Distribution, Exponential, sample_binomial};
use cascade_kernel::{Context, Purpose, RandomStream};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::extension::{FateId, Outcome};
use super::places::Stale;
use super::records::Count;
use super::transitions::{Target, death_in};
use super::{CascadeError, CascadeEvent, CascadeState, Channel, Compartment, Origin, PoolKey};
use crate::clones::CloneId;
use crate::config::PoolMode;
use crate::organs::{Drain, OrganId};
use Compartment::InTransit;

/// Splits into founding and doomed cells, updates and walks.
const COHORTS: Purpose = Purpose::new("cascade.cohorts");

/// Doomed cells entering between two updates in smaller numbers than this
/// are walked one by one; more force an update.
pub const STRAGGLER_LIMIT: u64 = 64;

/// In a heterogeneous run (a mutation effect, so mutants have rates and
/// chains of their own), a clone with at most this many doomed cells at an
/// update has them walked one by one (exact, as stragglers are) instead of
/// split by its chain's matrix exponential: the same law, without the
/// exponential (about 5×10⁶ instructions for the human organs' 52 states,
/// against about 10³ per walked cell).
pub const WALK_LIMIT: u64 = 64;

/// At most this many stragglers wait for an update; one more brings the
/// counts up to date (so memory stays bounded when nothing looks for a
/// long time).
const MAX_STRAGGLERS: usize = 4096;

/// Matrices kept per chain (intervals differ at observations and at
/// entries off the step grid).
const CACHED_INTERVALS: usize = 4;

/// The chains kept at a time, with their cached matrices, in bytes: past
/// this the chain whose clones held the fewest doomed cells when last
/// brought up to date is dropped (the one used longest ago among equals),
/// and built again, the same bit for bit, when its clone's cells need it.
/// The cache changes only the speed of a run, never what it draws
/// ([`CascadeState::set_chain_cache_limit`]).
pub const CHAIN_CACHE_BYTES: u64 = 32 << 20;

/// A full chain cache is trimmed to this share of its bound at once.
const CACHE_LOW_WATER: f64 = 0.75;

/// Degree of the Taylor polynomial, for a scaled generator of norm ≤ 1/2:
/// the truncation error is below 0.5¹³/13! ≈ 2×10⁻¹⁴.
const TAYLOR_DEGREE: usize = 12;

/// The compartments in chain order: state = compartment × organs + organ.
const COMPARTMENTS: [Compartment; 4] = [
    Compartment::InTransit,
    Compartment::Arrested,
    Compartment::Solitary,
    Compartment::Dormant,
];

/// The doomed cells, as counts.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Cohorts {
    /// The day the counts are up to date at.
    since: f64,
    /// Doomed cells by clone and state ([`doomed_key`]), only those with
    /// cells: the counts cost what they hold.
    doomed: BTreeMap<u64, u64>,
    /// Doomed cells that entered after `since`, to be walked.
    stragglers: Vec<Straggler>,
    /// Per clone whose chain is in the cache (by index), the chain's slot
    /// in `shared` (built again when needed: a chain depends only on the
    /// configuration, the clone's phenotype and the modifiers).
    #[serde(skip)]
    chains: BTreeMap<u32, usize>,
    /// The cached chains, one per distinct set of pool rates: clones whose
    /// cells do the same out of the sites (mutants whose mutation left
    /// those rates as they were, for instance) share one. At most about
    /// [`CHAIN_CACHE_BYTES`] in all.
    #[serde(skip)]
    shared: Vec<CachedChain>,
    /// Chain slot by the bits of every pool rate, in state order.
    #[serde(skip)]
    by_rates: BTreeMap<Vec<u64>, usize>,
    /// The bytes of the cached chains, their matrices, their keys in
    /// `by_rates` and their lists of clones (the memory budget counts
    /// them).
    #[serde(skip)]
    chain_bytes: u64,
    /// Uses of the cache so far: the clock of "used longest ago".
    #[serde(skip)]
    uses: u64,
    /// The cache's bound in bytes (`None`: [`CHAIN_CACHE_BYTES`]).
    #[serde(skip)]
    cache_limit: Option<u64>,
    /// Clones with at most this many doomed cells at an update are walked
    /// one by one (`None`: [`WALK_LIMIT`] in a heterogeneous run, none
    /// otherwise).
    #[serde(default)]
    walk_limit: Option<u64>,
    /// The modifiers the counts have moved under since they were last
    /// split (`None`: the state's, unchanged): the chains are built from
    /// them, so that a run restored from a checkpoint rebuilds the chains
    /// the uninterrupted run had, even after an extension changed the
    /// modifiers and before `redraw_all` moved the counts up to date.
    #[serde(default)]
    modifiers: Option<super::Modifiers>,
}

impl Cohorts {
    /// How many chains are in the cache (the memory budget counts them).
    pub(super) fn chain_count(&self) -> usize {
        self.shared.len()
    }

    /// The bytes of the cached chains, their matrices and their keys.
    pub(super) fn chain_bytes(&self) -> u64 {
        self.chain_bytes
    }

    /// (Clone, state) pairs with doomed cells (the memory budget counts
    /// them).
    pub(super) fn doomed_entries(&self) -> usize {
        self.doomed.len()
    }

    /// Drops chains, but `clone`'s, once the cache holds more than its
    /// bound: first those whose clones held the fewest doomed cells when
    /// last brought up to date, among equals the one used longest ago,
    /// until it holds at most [`CACHE_LOW_WATER`] of its bound. One sort
    /// and one pass over the chains drop them all, so that a full cache
    /// is scanned once per many chains built, not once per chain.
    fn trim(&mut self, clone: CloneId) {
        let limit = self.cache_limit.unwrap_or(CHAIN_CACHE_BYTES);
        if self.chain_bytes <= limit || self.shared.len() <= 1 {
            return;
        }
        let keep = self.chains.get(&clone.0).copied();
        let mut lightest: Vec<usize> = (0..self.shared.len())
            .filter(|&s| Some(s) != keep)
            .collect();
        lightest.sort_unstable_by_key(|&s| (self.shared[s].weight, self.shared[s].last_used, s));
        let target = (limit as f64 * CACHE_LOW_WATER) as u64;
        let mut dropped = vec![false; self.shared.len()];
        for s in lightest {
            if self.chain_bytes <= target {
                break;
            }
            dropped[s] = true;
            self.chain_bytes -= self.shared[s].bytes();
        }
        self.drop_chains(&dropped);
    }

    /// Drops the chains of the slots marked in `dropped` and their clones'
    /// references; the others keep their order.
    fn drop_chains(&mut self, dropped: &[bool]) {
        let mut slot_now = vec![usize::MAX; dropped.len()];
        let before = std::mem::take(&mut self.shared);
        for (slot, cached) in before.into_iter().enumerate() {
            if dropped[slot] {
                for user in &cached.users {
                    self.chains.remove(user);
                }
            } else {
                slot_now[slot] = self.shared.len();
                self.shared.push(cached);
            }
        }
        for slot in self.chains.values_mut() {
            *slot = slot_now[*slot];
        }
        self.by_rates.retain(|_, slot| {
            *slot = slot_now[*slot];
            *slot != usize::MAX
        });
    }

    /// `cells` doomed cells of a clone using the chain in `slot` were
    /// brought up to date on `day`: the chain's weight is the doomed cells
    /// of its clones at their last update.
    fn weigh(&mut self, slot: usize, cells: u64, day: f64) {
        let cached = &mut self.shared[slot];
        if cached.weighed_at == day {
            cached.weight += cells;
        } else {
            cached.weight = cells;
            cached.weighed_at = day;
        }
    }

    /// Drops every chain (new rates).
    fn clear_chains(&mut self) {
        self.chains.clear();
        self.shared.clear();
        self.by_rates.clear();
        self.chain_bytes = 0;
    }
}

/// The key of clone `clone`'s doomed cells in state `state`: in clone
/// order, then state order.
fn doomed_key(clone: CloneId, state: usize) -> u64 {
    (u64::from(clone.0) << 32) | state as u64
}

/// The clone and state of a doomed key.
fn doomed_of(key: u64) -> (CloneId, usize) {
    (
        CloneId((key >> 32) as u32),
        (key & u64::from(u32::MAX)) as usize,
    )
}

/// A chain in the cache, with the clones that use it.
#[derive(Clone, Debug)]
struct CachedChain {
    chain: Chain,
    /// The clones whose chain it is (by index).
    users: Vec<u32>,
    /// The cache's use count when it was last used.
    last_used: u64,
    /// The doomed cells of its clones when they were last brought up to
    /// date (on `weighed_at`): the cache keeps the heaviest chains.
    weight: u64,
    weighed_at: f64,
    /// The bytes of its key in `by_rates`.
    key_bytes: u64,
}

impl CachedChain {
    /// What it holds, its entry in `by_rates` and its clones' entries in
    /// `chains` (a map's entry about twice its key and value).
    fn bytes(&self) -> u64 {
        self.chain.fixed_bytes()
            + self.chain.cache_bytes
            + self.key_bytes
            + vec_bytes::<u32>(self.users.len())
            + 2 * 32
            + 2 * 16 * self.users.len() as u64
    }
}

/// Equal when the cells are: the chains are derived data.
impl PartialEq for Cohorts {
    fn eq(&self, other: &Self) -> bool {
        self.since == other.since
            && self.doomed == other.doomed
            && self.stragglers == other.stragglers
            && self.modifiers == other.modifiers
            && self.walk_limit == other.walk_limit
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Straggler {
    clone: CloneId,
    state: u32,
    cells: u64,
    day: f64,
}

/// Where a transition of the unconditioned chain goes.
#[derive(Copy, Clone, Debug)]
enum Destination {
    State(usize),
    /// Death in a compartment of an organ (indexed like the states).
    Death(usize),
    /// An extension's fate that kills ([`Outcome::Died`]), met in a state.
    Fate(FateId, usize),
    Founded,
}

/// An absorbing column of the doomed chain: the state a cell ended in,
/// and how.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Absorbed {
    /// The model's death there.
    Died(usize),
    /// An extension's fate that kills, there.
    Fate(FateId, usize),
}

/// One clone's chain over the pools.
#[derive(Clone, Debug)]
pub(super) struct Chain {
    /// Transient states: 4 × organs.
    states: usize,
    /// Probability of ever founding a colony, per state.
    h: Vec<f64>,
    /// Per organ, the probability of founding once past its bed.
    h_after_pass: Vec<f64>,
    /// From the arterial side: each organ with a chance of founding, and
    /// its cardiac-output share times that chance; and their sum, the
    /// chance of founding of a cell reaching the arterial side.
    arterial_founding: Vec<(OrganId, f64)>,
    arterial_founding_total: f64,
    /// From the arterial side, for a cell that will not found: each
    /// organ's share times its chance of not founding, normalised (`None`
    /// when every organ founds for certain).
    arterial_doomed: Option<Vec<f64>>,
    /// Doomed chain: total rate out of each state.
    exit: Vec<f64>,
    /// Doomed chain: its moves, state after state, each (column, rate);
    /// columns below `states` are states, the others absorbing. The
    /// generator without its diagonal, sparse: the dense one is made from
    /// it only to compute a matrix exponential.
    moves: Vec<(u32, f64)>,
    /// Where each state's moves start in `moves` (and, last, their end).
    starts: Vec<u32>,
    /// Doomed chain's absorbing columns, after the states: the model's
    /// death in each state (in state order), then the extension's fates
    /// that kill, each in the states of its compartment.
    absorbing: Vec<Absorbed>,
    /// (interval, transition rows) pairs, oldest first (first in, first
    /// out).
    cache: Vec<CachedMatrix>,
    /// The bytes of `cache`'s rows (the memory budget counts them).
    cache_bytes: u64,
}

/// A cached transition matrix: its interval and its rows.
type CachedMatrix = (f64, SparseRows);

/// A transition matrix's rows, sparse: each row's positive entries
/// (column, probability), the largest first, one row after another in one
/// buffer, with where each row starts and each row's sum.
#[derive(Clone, Debug)]
struct SparseRows {
    entries: Vec<(usize, f64)>,
    /// Where each row starts in `entries` (and, last, their end).
    starts: Vec<u32>,
    /// Each row's sum.
    masses: Vec<f64>,
}

/// A row of a transition matrix: its positive entries (column,
/// probability), the largest first, and their sum.
#[derive(Copy, Clone, Debug)]
struct SparseRow<'a> {
    entries: &'a [(usize, f64)],
    mass: f64,
}

impl SparseRows {
    /// The sparse rows of the dense `matrix` (rows of `width`): no
    /// allocation per row (one buffer for every row's entries, each row
    /// sorted in place).
    fn from_dense(matrix: &[f64], width: usize) -> SparseRows {
        let positive = matrix.iter().filter(|&&p| p > 0.0).count();
        let rows = matrix.len() / width;
        let mut entries: Vec<(usize, f64)> = Vec::with_capacity(positive);
        let mut starts = Vec::with_capacity(rows + 1);
        let mut masses = Vec::with_capacity(rows);
        for row in matrix.chunks(width) {
            let start = entries.len();
            starts.push(start as u32);
            entries.extend(row.iter().copied().enumerate().filter(|&(_, p)| p > 0.0));
            let row_entries = &mut entries[start..];
            // Largest first (ties by column): the cells run out sooner.
            // Columns are distinct, so the order is total and an unstable
            // sort gives the stable one's order.
            row_entries.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            masses.push(row_entries.iter().map(|&(_, p)| p).sum());
        }
        starts.push(entries.len() as u32);
        SparseRows {
            entries,
            starts,
            masses,
        }
    }

    /// Row `i`.
    fn row(&self, i: usize) -> SparseRow<'_> {
        SparseRow {
            entries: &self.entries[self.starts[i] as usize..self.starts[i + 1] as usize],
            mass: self.masses[i],
        }
    }

    /// The bytes of its buffers.
    fn bytes(&self) -> u64 {
        vec_bytes::<(usize, f64)>(self.entries.len())
            + vec_bytes::<u32>(self.starts.len())
            + vec_bytes::<f64>(self.masses.len())
    }
}

/// The bytes of a vector of `len` elements of `T` (its buffer and its
/// header).
fn vec_bytes<T>(len: usize) -> u64 {
    (len * core::mem::size_of::<T>() + core::mem::size_of::<Vec<T>>()) as u64
}

impl Chain {
    /// The bytes the chain holds, but for its cached matrices
    /// (`cache_bytes`).
    fn fixed_bytes(&self) -> u64 {
        core::mem::size_of::<Chain>() as u64
            + vec_bytes::<f64>(self.h.len())
            + vec_bytes::<f64>(self.h_after_pass.len())
            + vec_bytes::<(OrganId, f64)>(self.arterial_founding.len())
            + self
                .arterial_doomed
                .as_ref()
                .map_or(0, |d| vec_bytes::<f64>(d.len()))
            + vec_bytes::<f64>(self.exit.len())
            + vec_bytes::<(u32, f64)>(self.moves.len())
            + vec_bytes::<u32>(self.starts.len())
            + vec_bytes::<Absorbed>(self.absorbing.len())
            + vec_bytes::<CachedMatrix>(self.cache.len())
    }

    /// The doomed chain's moves out of `state`: (column, rate).
    fn moves_from(&self, state: usize) -> &[(u32, f64)] {
        &self.moves[self.starts[state] as usize..self.starts[state + 1] as usize]
    }

    /// Where a doomed cell in `state` jumps, for `u` uniform in [0, 1):
    /// the first move whose cumulative probability exceeds `u`, the last
    /// when rounding leaves `u` above them all.
    fn jump(&self, state: usize, u: f64) -> Option<usize> {
        let total = self.exit[state];
        let mut cumulative = 0.0;
        let mut last = None;
        for &(column, rate) in self.moves_from(state) {
            cumulative += rate / total;
            last = Some(column as usize);
            if u < cumulative {
                return last;
            }
        }
        last
    }

    /// The doomed chain's generator, `states` rows of `states` +
    /// `absorbing.len()` columns (states, then the absorbing ones), dense.
    fn generator(&self) -> Vec<f64> {
        let width = self.width();
        let mut generator = vec![0.0; self.states * width];
        for s in 0..self.states {
            for &(column, rate) in self.moves_from(s) {
                generator[s * width + column as usize] += rate;
            }
            generator[s * width + s] -= self.exit[s];
        }
        generator
    }

    /// Columns of the generator and of the transition rows.
    fn width(&self) -> usize {
        self.states + self.absorbing.len()
    }

    /// The transition matrix over `tau` days: row i gives the probability
    /// of each state and each death at the end, starting in state i.
    fn transition(&mut self, tau: f64) -> &SparseRows {
        // The interval with its last 22 bits of mantissa cleared (a
        // relative change below 10⁻⁹): intervals that differ only by the
        // rounding of their end points (k·Δ − (k − 1)·Δ) get one matrix,
        // whatever was computed before (so a run restored from a
        // checkpoint, with an empty cache, draws what the uninterrupted
        // run drew).
        let tau = f64::from_bits(tau.to_bits() & !((1u64 << 22) - 1));
        let found = self.cache.iter().position(|(t, _)| *t == tau);
        let index = match found {
            Some(index) => index,
            None => {
                if self.cache.len() == CACHED_INTERVALS {
                    let (_, oldest) = self.cache.remove(0);
                    self.cache_bytes -= oldest.bytes();
                }
                let width = self.width();
                let matrix = exponential(&self.generator(), self.states, width, tau);
                let rows = SparseRows::from_dense(&matrix, width);
                self.cache_bytes += rows.bytes();
                self.cache.push((tau, rows));
                self.cache.len() - 1
            }
        };
        &self.cache[index].1
    }
}

/// exp(G τ) for the generator `g` of `n` transient states and
/// `width − n` absorbing ones (`n` rows of `width`), as `n` rows of
/// `width`: [E | F] with E = exp(A τ) and F = φ(A τ) B τ,
/// φ(x) = (eˣ − 1)/x, for G = [A | B]. Scaling and squaring of a Taylor
/// polynomial, in `+ − × /` only.
fn exponential(g: &[f64], n: usize, width: usize, tau: f64) -> Vec<f64> {
    let m = width - n;
    let norm = (0..n)
        .map(|i| {
            g[i * width..(i + 1) * width]
                .iter()
                .map(|x| x.abs())
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
        * tau;
    // Halve until the scaled norm is at most 1/2 (halving is exact in
    // binary floating point).
    let (mut squarings, mut scaled, mut scale) = (0u32, norm, tau);
    while scaled > 0.5 {
        scaled /= 2.0;
        scale /= 2.0;
        squarings += 1;
    }
    let a: Vec<f64> = (0..n * n)
        .map(|k| g[(k / n) * width + k % n] * scale)
        .collect();
    let b: Vec<f64> = (0..n * m)
        .map(|k| g[(k / m) * width + n + k % m] * scale)
        .collect();
    let identity = |m: &mut Vec<f64>| {
        for i in 0..n {
            m[i * n + i] += 1.0;
        }
    };
    // φ(A) by Horner: Y = I + A Y / k for k = K..2. The products go into
    // buffers allocated once per exponential.
    let mut y = vec![0.0; n * n];
    identity(&mut y);
    let mut next = vec![0.0; n * n];
    for k in (2..=TAYLOR_DEGREE).rev() {
        multiply_into(&a, &y, n, n, &mut next);
        for x in &mut next {
            *x /= k as f64;
        }
        identity(&mut next);
        std::mem::swap(&mut y, &mut next);
    }
    let mut e = vec![0.0; n * n];
    multiply_into(&a, &y, n, n, &mut e);
    identity(&mut e);
    let mut f = vec![0.0; n * m];
    multiply_into(&y, &b, n, m, &mut f);
    let (mut ef, mut squared) = (vec![0.0; n * m], next);
    for _ in 0..squarings {
        multiply_into(&e, &f, n, m, &mut ef);
        for (x, add) in f.iter_mut().zip(&ef) {
            *x += add;
        }
        multiply_into(&e, &e, n, n, &mut squared);
        std::mem::swap(&mut e, &mut squared);
    }
    let mut out = vec![0.0; n * width];
    for i in 0..n {
        for j in 0..n {
            out[i * width + j] = e[i * n + j].max(0.0);
        }
        for j in 0..m {
            out[i * width + n + j] = f[i * m + j].max(0.0);
        }
    }
    out
}

/// `x` (`n` × `n`) times `y` (`n` × `m`), row-major, into `out` (`n` ×
/// `m`, overwritten). Each row starts from its first nonzero term rather
/// than from a zeroed row: `0 + p = p`, so the sums are those of a product
/// into zeros, up to the sign of a zero (which no use of the matrices
/// sees: entries are clamped at 0 and only positive ones kept).
fn multiply_into(x: &[f64], y: &[f64], n: usize, m: usize, out: &mut [f64]) {
    for i in 0..n {
        let out_row = &mut out[i * m..(i + 1) * m];
        let mut started = false;
        for k in 0..n {
            let xik = x[i * n + k];
            if xik == 0.0 {
                continue;
            }
            let row = &y[k * m..(k + 1) * m];
            if started {
                for (o, &ykj) in out_row.iter_mut().zip(row) {
                    *o += xik * ykj;
                }
            } else {
                for (o, &ykj) in out_row.iter_mut().zip(row) {
                    *o = xik * ykj;
                }
                started = true;
            }
        }
        if !started {
            out_row.fill(0.0);
        }
    }
}

/// Solves `a x = b` (`n` × `n`, row-major) by Gaussian elimination with
/// partial pivoting; `None` if singular.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let pivot = (col..n).fold(col, |best, r| {
            if a[r * n + col].abs() > a[best * n + col].abs() {
                r
            } else {
                best
            }
        });
        if a[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(col * n + k, pivot * n + k);
            }
            b.swap(col, pivot);
        }
        for r in col + 1..n {
            let factor = a[r * n + col] / a[col * n + col];
            if factor == 0.0 {
                continue;
            }
            for k in col..n {
                a[r * n + k] -= factor * a[col * n + k];
            }
            b[r] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let mut sum = b[r];
        for k in r + 1..n {
            sum -= a[r * n + k] * x[k];
        }
        x[r] = sum / a[r * n + r];
    }
    Some(x)
}

/// h: per state, the probability that a cell there ever founds a colony
/// (first-step analysis over the states from which a cell can be absorbed).
fn founding_probabilities(
    moves: &[Vec<(Destination, f64)>],
    clone: CloneId,
) -> Result<Vec<f64>, CascadeError> {
    let states = moves.len();
    let exit: Vec<f64> = moves
        .iter()
        .map(|m| m.iter().map(|(_, r)| r).sum())
        .collect();
    // States from which a cell can be absorbed (die or found): only
    // there is the first-step system non-singular. Elsewhere a cell
    // stays alive in the pools for ever, and never founds.
    let mut absorbed = vec![false; states];
    loop {
        let mut changed = false;
        for s in 0..states {
            if absorbed[s] {
                continue;
            }
            if moves[s].iter().any(|&(d, _)| match d {
                Destination::State(j) => absorbed[j],
                _ => true,
            }) {
                absorbed[s] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let live: Vec<usize> = (0..states).filter(|&s| absorbed[s]).collect();
    let mut position = vec![usize::MAX; states];
    for (k, &s) in live.iter().enumerate() {
        position[s] = k;
    }
    let m = live.len();
    let mut a = vec![0.0; m * m];
    let mut b = vec![0.0; m];
    for (k, &s) in live.iter().enumerate() {
        a[k * m + k] += 1.0;
        for &(d, rate) in &moves[s] {
            let p = rate / exit[s];
            match d {
                Destination::State(j) if position[j] != usize::MAX => a[k * m + position[j]] -= p,
                Destination::Founded => b[k] += p,
                _ => {}
            }
        }
    }
    let solution = solve(a, b, m).ok_or(CascadeError::Cohorts { clone })?;
    let mut h = vec![0.0; states];
    for (k, &s) in live.iter().enumerate() {
        h[s] = solution[k].clamp(0.0, 1.0);
    }
    Ok(h)
}

/// The funnel counters a doomed cell's move from state `from` to `to`
/// (a state, or `states +` an absorbing column) adds to, in the organ
/// where it ends.
fn book_move(state: &mut CascadeState, clone: CloneId, from: usize, to: usize, cells: u64) {
    let organs = state.config.organs.len();
    let states = 4 * organs;
    let (end, fate) = match to.checked_sub(states) {
        None => (to, None),
        // The model's deaths are the first absorbing columns, state by
        // state (`absorbing_columns`): no lookup on the common path.
        Some(column) if column < states => (column, None),
        Some(column) => match state.chain(clone).absorbing[column] {
            Absorbed::Died(end) => (end, None),
            Absorbed::Fate(fate, end) => (end, Some(fate)),
        },
    };
    let dead = to >= states;
    let (from_compartment, to_compartment) = (from / organs, end / organs);
    let organ = OrganId((end % organs) as u16);
    let records = &mut state.records;
    if from_compartment == 0 && to_compartment != 0 {
        records.add(Count::Funnel(clone, organ, |f| &mut f.arrested), cells);
    }
    if from_compartment <= 1 && to_compartment >= 2 {
        records.add(Count::Funnel(clone, organ, |f| &mut f.extravasated), cells);
    }
    if let Some(fate) = fate {
        records.add(Count::Fate(fate, clone, organ), cells);
    } else if dead {
        let counter = death_in(COMPARTMENTS[to_compartment]).counter;
        records.add(Count::Funnel(clone, organ, counter), cells);
        records.add(Count::Died(clone), cells);
    }
}

/// The doomed chain's absorbing columns for the unconditioned `moves`:
/// the model's death in each state, then each of the extension's fates
/// that kill in each state where it has a rate (in the order first met,
/// state by state), so that a chain without them has the columns it had
/// before extensions could add fates.
fn absorbing_columns(moves: &[Vec<(Destination, f64)>]) -> Vec<Absorbed> {
    let mut absorbing: Vec<Absorbed> = (0..moves.len()).map(Absorbed::Died).collect();
    for &(destination, _) in moves.iter().flatten() {
        if let Destination::Fate(fate, state) = destination
            && !absorbing.contains(&Absorbed::Fate(fate, state))
        {
            absorbing.push(Absorbed::Fate(fate, state));
        }
    }
    absorbing
}

/// The first item whose running sum of weights exceeds `target` (drawn
/// in [0, the weights' sum)); the last item with a positive weight when
/// rounding leaves `target` above every partial sum; `None` if no item
/// has one.
pub(super) fn pick<T: Copy>(target: f64, items: &[(T, f64)]) -> Option<T> {
    let mut cumulative = 0.0;
    let mut last = None;
    for &(item, weight) in items {
        if weight <= 0.0 {
            continue;
        }
        last = Some(item);
        cumulative += weight;
        if target < cumulative {
            return last;
        }
    }
    last
}

/// At most this many cells are split one by one.
const FEW_CELLS: u64 = 8;

/// Splits `n` cells over the entries of `row` (probabilities summing to 1
/// within rounding) by conditional binomials, in the row's order; calls
/// `out` with each (column, count) that gets cells.
fn split_row(
    rng: &mut RandomStream,
    n: u64,
    row: SparseRow<'_>,
    mut out: impl FnMut(usize, u64),
) -> Result<(), CascadeError> {
    let mut mass = row.mass;
    let mut remaining = n;
    let mut last = 0;
    for (k, &(j, p)) in row.entries.iter().enumerate() {
        if remaining <= FEW_CELLS {
            // A few cells left: each is put by one uniform draw over the
            // entries left (the same law as the binomials, and cheaper).
            let rest = &row.entries[k..];
            for _ in 0..remaining {
                let target = rng.uniform() * mass;
                out(pick(target, rest).expect("cells left, so entries left"), 1);
            }
            return Ok(());
        }
        last = j;
        let x = if p >= mass {
            remaining
        } else {
            sample_binomial(rng, remaining, p / mass)?
        };
        mass -= p;
        remaining -= x;
        if x > 0 {
            out(j, x);
        }
        if remaining == 0 {
            return Ok(());
        }
    }
    // Rounding left cells over: the last entry with a probability takes them.
    out(last, remaining);
    Ok(())
}

impl CascadeState {
    fn cohorts_on(&self) -> bool {
        self.config.pool_mode == PoolMode::Cohorts
    }

    fn state_index(&self, key: PoolKey) -> usize {
        key.compartment.index() * self.config.organs.len() + key.organ.index()
    }

    fn state_key(&self, clone: CloneId, state: usize) -> PoolKey {
        let organs = self.config.organs.len();
        PoolKey::new(
            clone,
            COMPARTMENTS[state / organs],
            OrganId((state % organs) as u16),
        )
    }

    /// Bounds cohort mode's cache of chains at `bytes` (by default
    /// `CHAIN_CACHE_BYTES`, 32 MiB). A chain dropped is built again, the same bit
    /// for bit, when needed: the bound changes the speed and the memory of
    /// a run, never what it draws.
    pub fn set_chain_cache_limit(&mut self, bytes: u64) {
        self.cohorts.cache_limit = Some(bytes);
        self.cohorts.trim(CloneId(u32::MAX));
    }

    /// Walks the doomed cells of every clone that has at most `cells` of
    /// them at an update one by one, instead of splitting them by the
    /// matrix exponential of its chain (0: never; by default
    /// `WALK_LIMIT`, 64, in a run with a mutation effect, 0 otherwise). Both
    /// give each cell the exact law of its chain; they draw differently.
    pub fn set_doomed_walk_limit(&mut self, cells: u64) {
        self.cohorts.walk_limit = Some(cells);
    }

    /// Clones with at most this many doomed cells at an update are walked.
    fn doomed_walk_limit(&self) -> u64 {
        self.cohorts.walk_limit.unwrap_or(
            if self.config.mutation_effect == crate::clones::MutationEffect::NONE {
                0
            } else {
                WALK_LIMIT
            },
        )
    }

    /// Gives `clone` its chain if it has none: the chain of an earlier
    /// clone with the same pool rates, bit for bit, or a new one.
    pub(super) fn ensure_chain(&mut self, clone: CloneId) -> Result<(), CascadeError> {
        self.cohorts.uses += 1;
        if let Some(&slot) = self.cohorts.chains.get(&clone.0) {
            self.cohorts.shared[slot].last_used = self.cohorts.uses;
            return Ok(());
        }
        // The chain's rates are those the counts move under.
        let current = match self.cohorts.modifiers.clone() {
            Some(then) => Some(std::mem::replace(&mut self.modifiers, then)),
            None => {
                self.cohorts.modifiers = Some(self.modifiers.clone());
                None
            }
        };
        let built = self.chain_for(clone);
        if let Some(current) = current {
            self.modifiers = current;
        }
        let slot = built?;
        let cached = &mut self.cohorts.shared[slot];
        cached.users.push(clone.0);
        cached.last_used = self.cohorts.uses;
        // Its clone's entry (`CachedChain::bytes`).
        self.cohorts.chain_bytes += 4 + 32;
        self.cohorts.chains.insert(clone.0, slot);
        self.cohorts.trim(clone);
        Ok(())
    }

    /// The index of the chain of `clone`'s rates under `self.modifiers`:
    /// an existing one with the same rates, bit for bit, or a new one.
    fn chain_for(&mut self, clone: CloneId) -> Result<usize, CascadeError> {
        let states = 4 * self.config.organs.len();
        let mut rates = Vec::new();
        for state in 0..states {
            self.fill_pool_channels(self.state_key(clone, state));
            rates.extend(self.channels.iter().map(|(rate, _)| rate.to_bits()));
        }
        if let Some(&shared) = self.cohorts.by_rates.get(&rates) {
            return Ok(shared);
        }
        let cached = CachedChain {
            chain: self.build_chain(clone)?,
            users: Vec::new(),
            last_used: self.cohorts.uses,
            weight: 0,
            weighed_at: f64::NAN,
            key_bytes: vec_bytes::<u64>(rates.len()),
        };
        self.cohorts.chain_bytes += cached.bytes();
        self.cohorts.shared.push(cached);
        let shared = self.cohorts.shared.len() - 1;
        self.cohorts.by_rates.insert(rates, shared);
        Ok(shared)
    }

    /// The slot of `clone`'s chain, which `ensure_chain` put in the cache
    /// (and nothing dropped since: a chain is dropped only by
    /// `ensure_chain` for another clone).
    fn chain_index(&self, clone: CloneId) -> usize {
        self.cohorts.chains[&clone.0]
    }

    fn chain(&self, clone: CloneId) -> &Chain {
        &self.cohorts.shared[self.chain_index(clone)].chain
    }

    fn build_chain(&mut self, clone: CloneId) -> Result<Chain, CascadeError> {
        let organs = self.config.organs.len();
        let states = 4 * organs;
        let shares: Vec<f64> = self.config.organs.arterial_shares().collect();
        let moves = self.unconditioned_moves(clone, &shares)?;
        let h = founding_probabilities(&moves, clone)?;
        let arterial_founding: Vec<(OrganId, f64)> = shares
            .iter()
            .zip(&h)
            .enumerate()
            .map(|(o, (s, h))| (OrganId(o as u16), s * h))
            .filter(|&(_, w)| w > 0.0)
            .collect();
        let arterial_founding_total: f64 = arterial_founding.iter().map(|&(_, w)| w).sum();
        let doomed_weights: Vec<f64> = shares.iter().zip(&h).map(|(s, h)| s * (1.0 - h)).collect();
        let doomed_total: f64 = doomed_weights.iter().sum();
        let arterial_doomed =
            (doomed_total > 0.0).then(|| doomed_weights.iter().map(|w| w / doomed_total).collect());
        let founding_after = |drain: &Drain| match drain {
            Drain::Organ(next) => h[next.index()],
            Drain::Arterial => arterial_founding_total,
        };
        let h_after_pass = (0..organs)
            .map(|o| match self.config.organs.routes(OrganId(o as u16)) {
                [only] => founding_after(&only.to),
                several => several
                    .iter()
                    .map(|route| route.share * founding_after(&route.to))
                    .sum(),
            })
            .collect();
        // The doomed chain.
        let absorbing = absorbing_columns(&moves);
        let mut doomed_exit = vec![0.0; states];
        let mut doomed_moves = Vec::new();
        let mut starts = Vec::with_capacity(states + 1);
        for s in 0..states {
            starts.push(doomed_moves.len() as u32);
            let stay = 1.0 - h[s];
            if stay <= 0.0 {
                continue;
            }
            let mut total = 0.0;
            for &(d, rate) in &moves[s] {
                let (column, w) = match d {
                    Destination::State(j) => (j, rate * (1.0 - h[j]) / stay),
                    Destination::Death(k) => (states + k, rate / stay),
                    Destination::Fate(fate, k) => {
                        let column = absorbing.iter().position(|&a| a == Absorbed::Fate(fate, k));
                        (states + column.expect("listed"), rate / stay)
                    }
                    Destination::Founded => continue,
                };
                if w > 0.0 {
                    total += w;
                    doomed_moves.push((column as u32, w));
                }
            }
            doomed_exit[s] = total;
        }
        starts.push(doomed_moves.len() as u32);
        doomed_moves.shrink_to_fit();
        Ok(Chain {
            states,
            h,
            h_after_pass,
            arterial_founding,
            arterial_founding_total,
            arterial_doomed,
            exit: doomed_exit,
            moves: doomed_moves,
            starts,
            absorbing,
            cache: Vec::new(),
            cache_bytes: 0,
        })
    }

    /// The unconditioned chain of `clone`'s cells: per state, (destination,
    /// rate), from the pools' channels.
    fn unconditioned_moves(
        &mut self,
        clone: CloneId,
        shares: &[f64],
    ) -> Result<Vec<Vec<(Destination, f64)>>, CascadeError> {
        let organs = self.config.organs.len();
        let states = 4 * organs;
        // The unconditioned chain: per state, (destination, rate).
        let mut moves: Vec<Vec<(Destination, f64)>> = Vec::with_capacity(states);
        for state in 0..states {
            let key = self.state_key(clone, state);
            self.fill_pool_channels(key);
            let o = key.organ.index();
            let mut out = Vec::new();
            for &(rate, channel) in &self.channels {
                if !(rate.is_finite() && rate >= 0.0) {
                    let place = super::Place::Pool(key);
                    return Err(CascadeError::InvalidRate {
                        place,
                        rate,
                        described: self.describe(place),
                    });
                }
                if rate == 0.0 {
                    continue;
                }
                let to =
                    |c: Compartment, organ: usize| Destination::State(c.index() * organs + organ);
                let fate = match channel {
                    Channel::Pool(fate) => fate,
                    Channel::Own(fate) => {
                        out.push(
                            match self.attached.declared.fates[fate.0 as usize].outcome {
                                Outcome::Died => (Destination::Fate(fate, state), rate),
                                Outcome::Moved(c) => (to(c, o), rate),
                            },
                        );
                        continue;
                    }
                    _ => unreachable!("pools have only pool fates"),
                };
                match fate.transition().next {
                    Target::Pool(compartment) => out.push((to(compartment, o), rate)),
                    Target::Downstream => {
                        for route in self.config.organs.routes(key.organ) {
                            // One route (share 1): the move as before routes.
                            if route.share <= 0.0 {
                                continue;
                            }
                            let rate = rate * route.share;
                            match route.to {
                                Drain::Organ(next) => {
                                    out.push((to(InTransit, next.index()), rate));
                                }
                                Drain::Arterial => {
                                    for (d, &share) in shares.iter().enumerate() {
                                        if share > 0.0 {
                                            out.push((to(InTransit, d), rate * share));
                                        }
                                    }
                                }
                            }
                        }
                    }
                    Target::Died => out.push((Destination::Death(state), rate)),
                    Target::Founded => out.push((Destination::Founded, rate)),
                }
            }
            moves.push(out);
        }
        Ok(moves)
    }

    /// Scales `self.channels` (the fates of a cell in pool `key`) to the
    /// chain conditioned on founding a colony: the cells in the pools, in
    /// cohort mode, are those that will.
    pub(super) fn condition_on_founding(&mut self, key: PoolKey) {
        let organs = self.config.organs.len();
        let o = key.organ.index();
        let state = self.state_index(key);
        let chain = &self.cohorts.shared[self.chain_index(key.clone)].chain;
        let here = chain.h[state];
        let fates = &self.attached.declared.fates;
        for (rate, channel) in self.channels.iter_mut() {
            let next = match *channel {
                Channel::Pool(fate) => fate.transition().next,
                Channel::Own(fate) => match fates[fate.0 as usize].outcome {
                    Outcome::Died => Target::Died,
                    Outcome::Moved(compartment) => Target::Pool(compartment),
                },
                _ => continue,
            };
            let after = match next {
                Target::Pool(compartment) => chain.h[compartment.index() * organs + o],
                Target::Downstream => chain.h_after_pass[o],
                Target::Founded => 1.0,
                Target::Died => 0.0,
            };
            *rate = if here > 0.0 {
                *rate * after / here
            } else {
                0.0
            };
        }
    }

    /// Where a cell that will found a colony goes after passing `organ`'s
    /// bed: the drained organ, or from the arterial side an organ drawn by
    /// cardiac-output share times its probability of founding.
    pub(super) fn downstream_founding<U>(
        &mut self,
        clone: CloneId,
        organ: OrganId,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<OrganId, CascadeError> {
        self.ensure_chain(clone)?;
        let drain = match self.config.organs.routes(organ) {
            [only] => &only.to,
            several => {
                // A route weighted by its share times the chance of
                // founding past it.
                let chain = self.chain(clone);
                let weighted: Vec<(&Drain, f64)> = several
                    .iter()
                    .map(|route| {
                        let founding = match &route.to {
                            Drain::Organ(next) => chain.h[next.index()],
                            Drain::Arterial => chain.arterial_founding_total,
                        };
                        (&route.to, route.share * founding)
                    })
                    .collect();
                let total: f64 = weighted.iter().map(|&(_, w)| w).sum();
                let target = ctx.rng(super::ROUTING).uniform() * total;
                pick(target, &weighted).unwrap_or(&several[0].to)
            }
        };
        Ok(match drain {
            Drain::Organ(next) => *next,
            Drain::Arterial => {
                let chain = self.chain(clone);
                let target = ctx.rng(super::ROUTING).uniform() * chain.arterial_founding_total;
                pick(target, &chain.arterial_founding).unwrap_or(OrganId(0))
            }
        })
    }

    /// Puts `count` cells of a clone entering pool `key` from outside the
    /// pools (shed, injected, left by a clump): one by one in per-cell
    /// mode; in cohort mode split into those that will found a colony
    /// (into the pool) and the doomed (into the counts).
    pub(super) fn enter_pools<U>(
        &mut self,
        key: PoolKey,
        count: u64,
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if !self.cohorts_on() {
            let key = self.marked(key, None, ctx.now().days());
            return self.add_to_pool(key, count, origin, ctx);
        }
        if count == 0 {
            return Ok(());
        }
        self.ensure_chain(key.clone)?;
        let state = self.state_index(key);
        let founding = super::draw_binomial(count, self.chain(key.clone).h[state], ctx, COHORTS)?;
        self.add_to_pool(key, founding, origin, ctx)?;
        self.enter_doomed(key, count - founding, ctx)
    }

    /// Cohort mode: `count` cells of a clone shed into the arterial side
    /// (from an organ draining there). Those that will found a colony are
    /// drawn first, Binomial(count, Σ share·h), and each sent to an organ
    /// drawn by share·h; the doomed are split among the organs by one
    /// multinomial draw over share·(1 − h). The same law as routing every
    /// cell by share, then splitting it by h where it lands, in fewer draws.
    pub(super) fn enter_arterial_side<U>(
        &mut self,
        (clone, count): (CloneId, u64),
        origin: Option<Origin>,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if count == 0 {
            return Ok(());
        }
        self.ensure_chain(clone)?;
        let in_transit = |organ| PoolKey::in_transit(clone, organ);
        let founding_share = self.chain(clone).arterial_founding_total;
        let founding = super::draw_binomial(count, founding_share, ctx, COHORTS)?;
        for _ in 0..founding {
            let target = ctx.rng(COHORTS).uniform() * founding_share;
            let organ = pick(target, &self.chain(clone).arterial_founding).unwrap_or(OrganId(0));
            self.add_to_pool(in_transit(organ), 1, origin, ctx)?;
        }
        let doomed = count - founding;
        if doomed == 0 {
            return Ok(());
        }
        let Some(weights) = self.chain(clone).arterial_doomed.clone() else {
            // Every organ founds for certain (rounding left cells over):
            // they found too, in the organ most likely.
            let organ = (self.chain(clone).arterial_founding.iter())
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(OrganId(0), |&(organ, _)| organ);
            return self.add_to_pool(in_transit(organ), doomed, origin, ctx);
        };
        let mut counts = vec![0; weights.len()];
        cascade_kernel::distributions::sample_multinomial_into(
            ctx.rng(COHORTS),
            doomed,
            &weights,
            &mut counts,
        )?;
        for (o, &n) in counts.iter().enumerate() {
            self.enter_doomed(in_transit(OrganId(o as u16)), n, ctx)?;
        }
        Ok(())
    }

    /// Puts `doomed` cells that will not found a colony into the counts
    /// (or the stragglers), at pool `key`'s state.
    fn enter_doomed<U>(
        &mut self,
        key: PoolKey,
        doomed: u64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if doomed == 0 {
            return Ok(());
        }
        let state = self.state_index(key);
        let now = ctx.now().days();
        if now != self.cohorts.since && doomed < STRAGGLER_LIMIT {
            self.cohorts.stragglers.push(Straggler {
                clone: key.clone,
                state: state as u32,
                cells: doomed,
                day: now,
            });
            // Bounded memory between looks: a long list is walked now.
            if self.cohorts.stragglers.len() >= MAX_STRAGGLERS {
                self.settle_pools(ctx)?;
            }
            return Ok(());
        }
        self.settle_pools(ctx)?;
        self.add_doomed(key.clone, state, doomed);
        Ok(())
    }

    /// Adds `cells` doomed cells of `clone` in `state`.
    fn add_doomed(&mut self, clone: CloneId, state: usize, cells: u64) {
        if cells > 0 {
            *self
                .cohorts
                .doomed
                .entry(doomed_key(clone, state))
                .or_insert(0) += cells;
        }
    }

    /// Sets the doomed cells of `clone` in `state` to `cells` (none kept
    /// for 0).
    fn set_doomed(&mut self, clone: CloneId, state: usize, cells: u64) {
        let key = doomed_key(clone, state);
        if cells > 0 {
            self.cohorts.doomed.insert(key, cells);
        } else {
            self.cohorts.doomed.remove(&key);
        }
    }

    /// Brings what the model keeps up to date only when looked at to now,
    /// so that the sites, the pools, the funnel and the ledgers are those
    /// of now: the sites in exact steps (their counts by the transition
    /// law), then cohort mode's counts (by the transition law of their
    /// chain) and stragglers (one by one). Observations, doses, new rates
    /// and the end of a run do it themselves; an extension that reads the
    /// state calls it. Nothing in per-cell mode without exact steps.
    ///
    /// # Errors
    ///
    /// As the model's handler.
    pub fn settle<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        self.catch_up_sites(ctx)?;
        self.settle_pools(ctx)
    }

    /// Cohort mode's part of [`settle`](Self::settle): the doomed counts
    /// and the stragglers.
    pub(super) fn settle_pools<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        if !self.cohorts_on() {
            return Ok(());
        }
        let now = ctx.now().days();
        let tau = now - self.cohorts.since;
        if tau > 0.0 {
            let states = 4 * self.config.organs.len();
            let (since, walk_limit) = (self.cohorts.since, self.doomed_walk_limit());
            // Clone by clone, in clone order, each clone's counts in state
            // order (the map's order).
            let mut clones: Vec<CloneId> = Vec::new();
            for &key in self.cohorts.doomed.keys() {
                let (clone, _) = doomed_of(key);
                if clones.last() != Some(&clone) {
                    clones.push(clone);
                }
            }
            for clone in clones {
                let of_clone = doomed_key(clone, 0)..=doomed_key(clone, u32::MAX as usize);
                let counts: Vec<(usize, u64)> = (self.cohorts.doomed.range(of_clone))
                    .map(|(&key, &n)| (doomed_of(key).1, n))
                    .collect();
                for &(state, _) in &counts {
                    self.cohorts.doomed.remove(&doomed_key(clone, state));
                }
                self.ensure_chain(clone)?;
                let mut moves: Vec<(usize, usize, u64)> = Vec::new();
                let shared = self.chain_index(clone);
                let cells = counts.iter().map(|&(_, n)| n).sum();
                self.cohorts.weigh(shared, cells, now);
                if cells <= walk_limit {
                    for &(state, n) in &counts {
                        for _ in 0..n {
                            self.walk(clone, state, since, now, ctx)?;
                        }
                    }
                    self.cohorts.trim(clone);
                    continue;
                }
                let cached_before = self.cohorts.shared[shared].chain.cache_bytes;
                {
                    let chain = &mut self.cohorts.shared[shared].chain;
                    let rows = chain.transition(tau);
                    let rng = ctx.rng(COHORTS);
                    for &(from, n) in &counts {
                        split_row(rng, n, rows.row(from), |to, x| moves.push((from, to, x)))?;
                    }
                }
                let cached_after = self.cohorts.shared[shared].chain.cache_bytes;
                self.cohorts.chain_bytes = self.cohorts.chain_bytes - cached_before + cached_after;
                for (from, to, x) in moves {
                    if to < states {
                        *self
                            .cohorts
                            .doomed
                            .entry(doomed_key(clone, to))
                            .or_insert(0) += x;
                    }
                    if to != from {
                        book_move(self, clone, from, to, x);
                    }
                }
                self.cohorts.trim(clone);
            }
        }
        self.cohorts.since = now;
        let stragglers = std::mem::take(&mut self.cohorts.stragglers);
        for s in stragglers {
            self.ensure_chain(s.clone)?;
            for _ in 0..s.cells {
                self.walk(s.clone, s.state as usize, s.day, now, ctx)?;
            }
        }
        Ok(())
    }

    /// Walks one doomed cell of `clone` from `state` at day `from` to day
    /// `to`, booking its moves, and counts it where it is then.
    fn walk<U>(
        &mut self,
        clone: CloneId,
        mut state: usize,
        mut day: f64,
        to: f64,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<(), CascadeError> {
        let states = self.chain(clone).states;
        loop {
            let exit = self.chain(clone).exit[state];
            if exit <= 0.0 {
                break;
            }
            day += Exponential::new(exit)?.sample(ctx.rng(COHORTS));
            if day > to {
                break;
            }
            let u = ctx.rng(COHORTS).uniform();
            let Some(next) = self.chain(clone).jump(state, u) else {
                // A positive exit rate has moves: never reached.
                break;
            };
            book_move(self, clone, state, next, 1);
            if next >= states {
                return Ok(());
            }
            state = next;
        }
        self.add_doomed(clone, state, 1);
        Ok(())
    }

    /// Doomed cells in pool `key` (counts and stragglers, where they were
    /// last brought up to date).
    pub(super) fn doomed_cells(&self, key: PoolKey) -> u64 {
        if !self.cohorts_on() {
            return 0;
        }
        let state = self.state_index(key);
        let counted = (self.cohorts.doomed.get(&doomed_key(key.clone, state)))
            .copied()
            .unwrap_or(0);
        let walking: u64 = self
            .cohorts
            .stragglers
            .iter()
            .filter(|s| s.clone == key.clone && s.state as usize == state)
            .map(|s| s.cells)
            .sum();
        counted + walking
    }

    /// Every (pool, doomed cells) with cells, counts and stragglers.
    pub(super) fn doomed_pools(&self) -> Vec<(PoolKey, u64)> {
        let mut out = Vec::new();
        for (&key, &n) in &self.cohorts.doomed {
            let (clone, state) = doomed_of(key);
            out.push((self.state_key(clone, state), n));
        }
        for s in &self.cohorts.stragglers {
            out.push((self.state_key(s.clone, s.state as usize), s.cells));
        }
        out
    }

    /// After new rates: every cell in the pools split again, from where it
    /// is, into those that will found a colony and the doomed, by the new
    /// chains.
    pub(super) fn split_again<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
    ) -> Result<Vec<Stale>, CascadeError> {
        self.settle_pools(ctx)?;
        self.cohorts.clear_chains();
        // From now on the counts move under the new rates.
        self.cohorts.modifiers = Some(self.modifiers.clone());
        let mut clones: Vec<CloneId> = self.places.pools().keys().map(|k| k.clone).collect();
        clones.extend(self.cohorts.doomed.keys().map(|&key| doomed_of(key).0));
        clones.sort();
        clones.dedup();
        let mut split = Vec::new();
        for clone in clones {
            self.ensure_chain(clone)?;
            let states = self.chain(clone).states;
            for state in 0..states {
                let key = self.state_key(clone, state);
                let following = self.places.pools().get(&key).map_or(0, |p| p.cells);
                let doomed = self.doomed_cells(key);
                let total = following + doomed;
                if total == 0 {
                    continue;
                }
                let h = self.chain(clone).h[state];
                let founding = super::draw_binomial(total, h, ctx, COHORTS)?;
                if founding > 0 || self.places.pools().contains_key(&key) {
                    let pick = |n| super::pick_below(n, ctx.rng(super::PROVENANCE));
                    split.push(self.places.set_pool_cells(key, founding, pick));
                }
                self.set_doomed(clone, state, total - founding);
            }
        }
        Ok(split)
    }

    /// Kills doomed cells at a dose: each in a reached compartment with
    /// the probability `kill` gives its clone. Brings them up to date
    /// first.
    pub(super) fn kill_doomed<U>(
        &mut self,
        ctx: &mut Context<'_, CascadeEvent<U>>,
        reached: impl Fn(Compartment) -> bool,
        kill: &dyn Fn(&CascadeState, CloneId) -> f64,
    ) -> Result<(), CascadeError> {
        if !self.cohorts_on() {
            return Ok(());
        }
        self.settle_pools(ctx)?;
        // Clone by clone, each in state order (the map's order).
        let counts: Vec<(u64, u64)> = self.cohorts.doomed.iter().map(|(&k, &n)| (k, n)).collect();
        let mut p = (None, 0.0);
        for (doomed, n) in counts {
            let (clone, state) = doomed_of(doomed);
            let key = self.state_key(clone, state);
            if !reached(key.compartment) {
                continue;
            }
            if p.0 != Some(clone) {
                p = (Some(clone), kill(self, clone));
            }
            let killed = super::draw_binomial(n, p.1, ctx, super::therapy::THERAPY)?;
            if killed == 0 {
                continue;
            }
            self.set_doomed(clone, state, n - killed);
            self.book_kills(key, killed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_kernel::{Purpose, Seed};

    /// The product into zeros, term by term: what `multiply_into` must
    /// equal.
    fn multiply_into_zeros(x: &[f64], y: &[f64], n: usize, m: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * m];
        for i in 0..n {
            for k in 0..n {
                let xik = x[i * n + k];
                if xik == 0.0 {
                    continue;
                }
                for j in 0..m {
                    out[i * m + j] += xik * y[k * m + j];
                }
            }
        }
        out
    }

    #[test]
    fn products_into_reused_buffers_equal_products_into_zeros() {
        // Sparse random matrices (half the entries zero, whole zero rows),
        // into a buffer holding the previous product's values.
        let mut rng = Seed::new(9).stream(Purpose::new("test.multiply"));
        let (n, m) = (13, 7);
        let mut out = vec![f64::MAX; n * m];
        for _ in 0..50 {
            let mut entry = |zero_row: bool| {
                let u = rng.uniform();
                if zero_row || u < 0.5 {
                    0.0
                } else {
                    rng.uniform() - 0.3
                }
            };
            let x: Vec<f64> = (0..n * n).map(|k| entry(k / n == 3)).collect();
            let y: Vec<f64> = (0..n * m).map(|_| entry(false)).collect();
            multiply_into(&x, &y, n, m, &mut out);
            let expected = multiply_into_zeros(&x, &y, n, m);
            for (got, want) in out.iter().zip(&expected) {
                // Equal as numbers: at most the sign of a zero differs.
                assert!(got == want, "{got} vs {want}");
                assert!(got.to_bits() == want.to_bits() || *want == 0.0);
            }
        }
    }
}
