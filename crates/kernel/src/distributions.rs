//! Samplers for common distributions, with the same bits on every platform.
//!
//! Every sampler takes a [`RandomStream`] and implements [`Distribution`]
//! (except [`Multinomial`], whose sample size is an argument). Constructors
//! check their parameters and return a [`ParameterError`] naming the bad one;
//! once built, a sampler never panics.
//!
//! # Value stability
//!
//! For given parameters and a stream in a given state, every sampler returns
//! the same value, bit for bit, on every platform, build profile and
//! compiler version. To keep that promise the samplers use only
//!
//! * integer arithmetic,
//! * IEEE 754 `+ - * /` and `sqrt`, which are exactly rounded everywhere
//!   (and comparisons, `floor`, `abs`, which are exact), and
//! * the pure-Rust [`libm`] crate (`log`, `log1p`, `exp`, `cos`) for
//!   transcendental functions: never the platform's maths library, and never
//!   a fused multiply–add.
//!
//! The algorithms below, the order in which they draw from the stream and
//! the number of draws are part of that contract. **Changing any of them is
//! a value-breaking change**: it changes the trajectories of existing
//! models, and must be recorded as such in the changelog. The
//! `value_stability` tests pin fixed vectors of outputs.
//!
//! A sampler whose result is certain (Bernoulli with `p` 0 or 1, a normal
//! or log-normal with zero spread, Poisson with `λ = 0`, binomial with
//! `n = 0` or `p` 0 or 1) returns it without drawing from the stream.
//!
//! # Algorithms
//!
//! Below, *u* is [`RandomStream::uniform`] (a multiple of 2⁻⁵³ in `[0, 1)`)
//! and *u′* is [`RandomStream::uniform_nonzero`] (in `(0, 1]`).
//!
//! | Sampler | Algorithm | Reference |
//! |---|---|---|
//! | [`UniformRange`] | `low + (high − low)·u`, a result rounded up to `high` replaced by the largest float below `high` | — |
//! | [`UniformInt`] | Lemire's nearly divisionless method: the high word of the 128-bit product of a `u64` and `n`, rejecting low words below `2⁶⁴ mod n`; exactly unbiased | D. Lemire (2019), *Fast random integer generation in an interval*, ACM TOMACS 29(1):3 |
//! | [`Bernoulli`] | `u < p` (one draw) | — |
//! | [`Exponential`] | inversion: `−ln(u′)/rate` (one draw) | L. Devroye (1986), *Non-Uniform Random Variate Generation*, §II.2 |
//! | [`Normal`] | Box–Muller, cosine branch only: `√(−2 ln u′₁)·cos(2π u₂)` (two draws, no cached second variate so that sampling takes `&self`) | G. E. P. Box & M. E. Muller (1958), Ann. Math. Stat. 29:610–611 |
//! | [`LogNormal`] | `exp` of the normal sampler | — |
//! | [`Poisson`] | `λ < 10`: inversion by sequential search from 0 (one draw per attempt); `λ ≥ 10`: PTRS, transformed rejection with squeeze (two draws per attempt) | W. Hörmann (1993), *The transformed rejection method for generating Poisson random variables*, Insurance: Mathematics and Economics 12:39–45 |
//! | [`Binomial`] | with `p′ = min(p, 1 − p)` (and `n − X` when `p > ½`): `n·p′ < 10`: inversion by sequential search from 0; otherwise BTRD, transformed rejection with decomposition; `n > 2⁵²` is split into independent binomials of at most 2⁵² trials | W. Hörmann (1993), *The generation of binomial random variates*, J. Stat. Comput. Simul. 46:101–110 |
//! | [`Multinomial`] | conditional binomials: category `i` gets `Binomial(n_remaining, pᵢ / Σⱼ≥ᵢ pⱼ)`, the last one the remainder | Devroye (1986), ch. XI |
//! | [`Gamma`] | Marsaglia–Tsang squeeze with the normal sampler above; for `shape < 1`, a `Gamma(shape + 1)` variate times `u′^(1/shape)` | G. Marsaglia & W. W. Tsang (2000), *A simple method for generating gamma variables*, ACM TOMS 26(3):363–372 |
//!
//! Numerical notes. Logarithms of factorials in the rejection tests use
//! Stirling's series, with Hörmann's (1993) table of corrections for
//! arguments up to 10, rather than `lgamma`. PTRS evaluates
//! `ln(λᵏe^(−λ)/k!)` as `k·log1p((λ − k)/k) + (k − λ) − …`, so that no two
//! terms of size `λ ln λ` cancel (with `lgamma` the error would grow like
//! `λ·ε`); BTRD's final test is the paper's, with `ln(nm/nk)` computed as
//! `log1p((k − m)/nk)`. In the inversion
//! branches, the probability of 0 cannot underflow: `n·p′ < 10` with
//! `p′ ≤ ½` gives `(1 − p′)ⁿ > e⁻²⁰`, and `e^(−λ) > e⁻¹⁰`. If rounding
//! leaves the uniform above the computed total mass (probability about
//! 10⁻¹⁶), the search restarts with a new uniform.

use core::f64::consts::PI;
use core::fmt;

use crate::random::RandomStream;

/// A probability distribution that can be sampled from a [`RandomStream`].
pub trait Distribution {
    /// The type of one sample.
    type Output;

    /// Draws one sample, advancing `rng`.
    fn sample(&self, rng: &mut RandomStream) -> Self::Output;
}

/// A distribution parameter outside its domain.
///
/// Its [`Display`](fmt::Display) reads, for example,
/// `binomial: p = 1.5 is invalid, expected a probability in [0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterError {
    /// The distribution, e.g. `"binomial"`.
    pub distribution: &'static str,
    /// The parameter, e.g. `"p"`.
    pub parameter: &'static str,
    /// The value given.
    pub value: f64,
    /// What a valid value is, e.g. `"a probability in [0, 1]"`.
    pub expected: &'static str,
}

impl fmt::Display for ParameterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} = ", self.distribution, self.parameter)?;
        // A value of 1e300 in plain notation is three hundred digits.
        let magnitude = self.value.abs();
        if self.value == 0.0 || !self.value.is_finite() || (1e-4..1e6).contains(&magnitude) {
            write!(f, "{}", self.value)?;
        } else {
            write!(f, "{:e}", self.value)?;
        }
        write!(f, " is invalid, expected {}", self.expected)
    }
}

impl std::error::Error for ParameterError {}

const FINITE: &str = "a finite number";
const POSITIVE: &str = "a finite positive number";
const NON_NEGATIVE: &str = "a finite non-negative number";
const PROBABILITY: &str = "a probability in [0, 1]";

/// `Ok(())` if `ok`, else the error built from the rest.
fn check(
    ok: bool,
    distribution: &'static str,
    parameter: &'static str,
    value: f64,
    expected: &'static str,
) -> Result<(), ParameterError> {
    if ok {
        Ok(())
    } else {
        Err(ParameterError {
            distribution,
            parameter,
            value,
            expected,
        })
    }
}

fn is_probability(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}

fn is_non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

fn is_positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

// ---------------------------------------------------------------------------
// Uniform

/// The continuous uniform distribution on `[low, high)`.
///
/// ```
/// use cascade_kernel::distributions::{Distribution, UniformRange};
/// use cascade_kernel::{Purpose, Seed};
/// let mut rng = Seed::new(1).stream(Purpose::new("doc"));
/// let x = UniformRange::new(2.0, 3.0)?.sample(&mut rng);
/// assert!((2.0..3.0).contains(&x));
/// # Ok::<(), cascade_kernel::distributions::ParameterError>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct UniformRange {
    low: f64,
    high: f64,
}

impl UniformRange {
    /// Uniform on `[low, high)`: both finite, `low < high`, and
    /// `high − low` finite.
    pub fn new(low: f64, high: f64) -> Result<Self, ParameterError> {
        check(low.is_finite(), "uniform range", "low", low, FINITE)?;
        check(
            high.is_finite() && high > low && (high - low).is_finite(),
            "uniform range",
            "high",
            high,
            "a finite number above low, with high - low finite",
        )?;
        Ok(UniformRange { low, high })
    }

    /// The lower bound (included).
    pub fn low(&self) -> f64 {
        self.low
    }

    /// The upper bound (excluded).
    pub fn high(&self) -> f64 {
        self.high
    }
}

impl Distribution for UniformRange {
    type Output = f64;

    /// One draw.
    fn sample(&self, rng: &mut RandomStream) -> f64 {
        let x = self.low + (self.high - self.low) * rng.uniform();
        if x < self.high {
            x
        } else {
            // Rounding reached `high`: the largest value below it (≥ low).
            self.high.next_down()
        }
    }
}

/// The discrete uniform distribution on `0..n`, exactly unbiased.
///
/// Lemire's nearly divisionless method: with `x` a random `u64`, the
/// result is the high 64 bits of `x·n`; when the low 64 bits fall below
/// `2⁶⁴ mod n` the draw is rejected and repeated, which removes the bias.
/// Usually one draw; the rejection probability is below `n / 2⁶⁴`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UniformInt {
    n: u64,
}

impl UniformInt {
    /// Uniform on `0..n`, `n ≥ 1`.
    pub fn new(n: u64) -> Result<Self, ParameterError> {
        check(n >= 1, "uniform int", "n", n as f64, "at least 1")?;
        Ok(UniformInt { n })
    }

    /// The number of values.
    pub fn n(&self) -> u64 {
        self.n
    }
}

impl Distribution for UniformInt {
    type Output = u64;

    fn sample(&self, rng: &mut RandomStream) -> u64 {
        let n = self.n;
        let mut product = u128::from(rng.next_u64()) * u128::from(n);
        let mut low = product as u64;
        if low < n {
            // 2^64 mod n, computed in u64 as (2^64 - n) mod n.
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                product = u128::from(rng.next_u64()) * u128::from(n);
                low = product as u64;
            }
        }
        (product >> 64) as u64
    }
}

// ---------------------------------------------------------------------------
// Bernoulli

/// `true` with probability `p`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Bernoulli {
    p: f64,
}

impl Bernoulli {
    /// `true` with probability `p ∈ [0, 1]`.
    pub fn new(p: f64) -> Result<Self, ParameterError> {
        check(is_probability(p), "bernoulli", "p", p, PROBABILITY)?;
        Ok(Bernoulli { p })
    }

    /// The probability of `true`.
    pub fn p(&self) -> f64 {
        self.p
    }
}

impl Distribution for Bernoulli {
    type Output = bool;

    /// `u < p`, one draw; `p = 0` and `p = 1` draw nothing.
    fn sample(&self, rng: &mut RandomStream) -> bool {
        if self.p >= 1.0 {
            true
        } else if self.p <= 0.0 {
            false
        } else {
            rng.uniform() < self.p
        }
    }
}

// ---------------------------------------------------------------------------
// Exponential, normal, log-normal

/// The exponential distribution with rate `rate` (mean `1/rate`).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Exponential {
    rate: f64,
}

impl Exponential {
    /// Rate `rate`, finite and positive.
    pub fn new(rate: f64) -> Result<Self, ParameterError> {
        check(is_positive(rate), "exponential", "rate", rate, POSITIVE)?;
        Ok(Exponential { rate })
    }

    /// The rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl Distribution for Exponential {
    type Output = f64;

    /// `−ln(u′)/rate` with `u′ ∈ (0, 1]`, one draw. Never negative (and
    /// never `−0.0`).
    fn sample(&self, rng: &mut RandomStream) -> f64 {
        (0.0 - libm::log(rng.uniform_nonzero())) / self.rate
    }
}

/// A standard normal variate: Box–Muller, cosine branch, two draws
/// (`u′₁` then `u₂`).
fn standard_normal(rng: &mut RandomStream) -> f64 {
    let radius = (-2.0 * libm::log(rng.uniform_nonzero())).sqrt();
    let angle = 2.0 * PI * rng.uniform();
    radius * libm::cos(angle)
}

/// The normal distribution with mean `mean` and standard deviation `sd`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Normal {
    mean: f64,
    sd: f64,
}

impl Normal {
    /// Mean `mean` (finite), standard deviation `sd` (finite, `≥ 0`).
    pub fn new(mean: f64, sd: f64) -> Result<Self, ParameterError> {
        check(mean.is_finite(), "normal", "mean", mean, FINITE)?;
        check(is_non_negative(sd), "normal", "sd", sd, NON_NEGATIVE)?;
        Ok(Normal { mean, sd })
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The standard deviation.
    pub fn sd(&self) -> f64 {
        self.sd
    }
}

impl Distribution for Normal {
    type Output = f64;

    /// `mean + sd·z`, `z` by Box–Muller (two draws); `sd = 0` gives `mean`
    /// without drawing.
    fn sample(&self, rng: &mut RandomStream) -> f64 {
        if self.sd == 0.0 {
            self.mean
        } else {
            self.mean + self.sd * standard_normal(rng)
        }
    }
}

/// The log-normal distribution: `exp(N(mu, sigma²))`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// `exp` of a normal with mean `mu` (finite) and standard deviation
    /// `sigma` (finite, `≥ 0`).
    pub fn new(mu: f64, sigma: f64) -> Result<Self, ParameterError> {
        check(mu.is_finite(), "log-normal", "mu", mu, FINITE)?;
        check(
            is_non_negative(sigma),
            "log-normal",
            "sigma",
            sigma,
            NON_NEGATIVE,
        )?;
        Ok(LogNormal { mu, sigma })
    }

    /// The mean of the logarithm.
    pub fn mu(&self) -> f64 {
        self.mu
    }

    /// The standard deviation of the logarithm.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl Distribution for LogNormal {
    type Output = f64;

    /// `exp(mu + sigma·z)`, two draws; `sigma = 0` draws nothing.
    fn sample(&self, rng: &mut RandomStream) -> f64 {
        if self.sigma == 0.0 {
            libm::exp(self.mu)
        } else {
            libm::exp(self.mu + self.sigma * standard_normal(rng))
        }
    }
}

// ---------------------------------------------------------------------------
// Log-factorials

/// `½ ln(2π)`.
const HALF_LN_TWO_PI: f64 = 0.918_938_533_204_672_8;

/// `δ(k) = ln k! − ((k + ½) ln k − k + ½ ln 2π)` for `k = 1..=10`
/// (Hörmann 1993, table `fc`, shifted by one).
const STIRLING_DELTA: [f64; 10] = [
    0.081_061_466_795_327_26,
    0.041_340_695_955_409_3,
    0.027_677_925_684_998_34,
    0.020_790_672_103_765_093,
    0.016_644_691_189_821_193,
    0.013_876_128_823_070_748,
    0.011_896_709_945_891_77,
    0.010_411_265_261_972_096,
    0.009_255_462_182_712_733,
    0.008_330_563_433_362_87,
];

/// The Stirling correction `δ(k) = ln k! − ((k + ½) ln k − k + ½ ln 2π)`,
/// for integral `k ≥ 1`: the table up to 10, then Stirling's series
/// `1/(12k) − 1/(360k³) + 1/(1260k⁵) − 1/(1680k⁷)` (error below
/// `1/(1188k⁹)`, under 4·10⁻¹³).
fn stirling_delta(k: f64) -> f64 {
    if k <= 10.0 {
        STIRLING_DELTA[(k as usize).saturating_sub(1)]
    } else {
        let r = 1.0 / k;
        let r2 = r * r;
        (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - r2 / 1680.0) * r2) * r2) * r
    }
}

/// Hörmann's `fc(k) = ln k! − (k + ½) ln(k + 1) + (k + 1) − ½ ln 2π`, that
/// is `δ(k + 1)`, for integral `k ≥ 0`.
fn fc(k: f64) -> f64 {
    stirling_delta(k + 1.0)
}

/// `ln(λᵏ e^(−λ) / k!)` for integral `k ≥ 0`, without cancellation of large
/// terms: `k ln(λ/k) + (k − λ) − ½ ln k − ½ ln 2π − δ(k)`.
fn poisson_log_pmf(k: f64, lambda: f64) -> f64 {
    if k < 1.0 {
        return -lambda;
    }
    k * libm::log1p((lambda - k) / k) + (k - lambda)
        - 0.5 * libm::log(k)
        - HALF_LN_TWO_PI
        - stirling_delta(k)
}

// ---------------------------------------------------------------------------
// Poisson

/// Largest `λ` accepted by [`Poisson::new`]: `2⁵²`, so that every likely
/// outcome is an integer that `f64` represents exactly.
const POISSON_MAX_LAMBDA: f64 = 4_503_599_627_370_496.0;

/// Below this mean, Poisson and binomial use inversion.
const INVERSION_MAX_MEAN: f64 = 10.0;

/// The Poisson distribution with mean `lambda`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Poisson {
    lambda: f64,
    method: PoissonMethod,
}

#[derive(Copy, Clone, Debug, PartialEq)]
enum PoissonMethod {
    Zero,
    /// Sequential search; the field is `e^(−λ)`.
    Inversion(f64),
    Ptrs(Ptrs),
}

/// Set-up of Hörmann's PTRS.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Ptrs {
    lambda: f64,
    a: f64,
    b: f64,
    vr: f64,
    ln_inv_alpha: f64,
}

impl Poisson {
    /// Mean `lambda ∈ [0, 2⁵²]`.
    pub fn new(lambda: f64) -> Result<Self, ParameterError> {
        check(
            lambda.is_finite() && (0.0..=POISSON_MAX_LAMBDA).contains(&lambda),
            "poisson",
            "lambda",
            lambda,
            "a number in [0, 2^52]",
        )?;
        let method = if lambda == 0.0 {
            PoissonMethod::Zero
        } else if lambda < INVERSION_MAX_MEAN {
            PoissonMethod::Inversion(libm::exp(-lambda))
        } else {
            let b = 0.931 + 2.53 * lambda.sqrt();
            let a = -0.059 + 0.02483 * b;
            let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
            let vr = 0.9277 - 3.6224 / (b - 2.0);
            PoissonMethod::Ptrs(Ptrs {
                lambda,
                a,
                b,
                vr,
                ln_inv_alpha: libm::log(inv_alpha),
            })
        };
        Ok(Poisson { lambda, method })
    }

    /// The mean.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl Distribution for Poisson {
    type Output = u64;

    fn sample(&self, rng: &mut RandomStream) -> u64 {
        match self.method {
            PoissonMethod::Zero => 0,
            PoissonMethod::Inversion(p0) => poisson_inversion(rng, self.lambda, p0),
            PoissonMethod::Ptrs(ptrs) => ptrs.sample(rng),
        }
    }
}

/// Sequential search from 0, one uniform per attempt.
fn poisson_inversion(rng: &mut RandomStream, lambda: f64, p0: f64) -> u64 {
    loop {
        let mut u = rng.uniform();
        let mut k = 0u64;
        let mut pk = p0;
        loop {
            if u < pk {
                return k;
            }
            u -= pk;
            k += 1;
            pk *= lambda / k as f64;
            if pk == 0.0 {
                // Rounding left u above the computed total mass: restart.
                break;
            }
        }
    }
}

impl Ptrs {
    /// Hörmann (1993), algorithm PTRS, steps 1–3.
    fn sample(&self, rng: &mut RandomStream) -> u64 {
        let Ptrs {
            lambda,
            a,
            b,
            vr,
            ln_inv_alpha,
        } = *self;
        loop {
            let u = rng.uniform() - 0.5;
            let v = rng.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k as u64;
            }
            if k.is_nan() || k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            let lhs = libm::log(v) + ln_inv_alpha - libm::log(a / (us * us) + b);
            if lhs <= poisson_log_pmf(k, lambda) {
                return k as u64;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Binomial

/// Binomials with more trials than this are split into independent parts,
/// so that every count the algorithms handle is exact in `f64`.
const BINOMIAL_CHUNK: u64 = 1 << 52;

/// The binomial distribution: successes in `n` independent trials of
/// probability `p`.
///
/// Exact for every `n: u64` (up to the accuracy of `f64` arithmetic in the
/// acceptance tests) and `O(1)` expected time for any `n ≤ 2⁵²`; larger `n`
/// is the sum of independent binomials of at most 2⁵² trials each.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Binomial {
    n: u64,
    p: f64,
    /// Number of parts of [`BINOMIAL_CHUNK`] trials, sampled with `chunk`.
    chunks: u64,
    chunk: BinomialCore,
    /// The remaining `n mod 2⁵²` trials.
    rest: BinomialCore,
}

/// A binomial with at most 2⁵² trials.
#[derive(Copy, Clone, Debug, PartialEq)]
enum BinomialCore {
    Constant(u64),
    Inversion(BinomialInversion),
    Btrd(Btrd),
}

#[derive(Copy, Clone, Debug, PartialEq)]
struct BinomialInversion {
    n: u64,
    /// Whether `p > ½`, sampled as `n − Binomial(n, 1 − p)`.
    flip: bool,
    /// `min(p, 1 − p)`.
    p: f64,
    q: f64,
    /// `qⁿ`, the probability of 0.
    q_n: f64,
}

/// Set-up of Hörmann's BTRD (his names).
#[derive(Copy, Clone, Debug, PartialEq)]
struct Btrd {
    n_int: u64,
    flip: bool,
    n: f64,
    m: f64,
    r: f64,
    nr: f64,
    npq: f64,
    a: f64,
    b: f64,
    c: f64,
    alpha: f64,
    vr: f64,
    urvr: f64,
}

impl Binomial {
    /// `n` trials of probability `p ∈ [0, 1]`.
    pub fn new(n: u64, p: f64) -> Result<Self, ParameterError> {
        check(is_probability(p), "binomial", "p", p, PROBABILITY)?;
        Ok(Binomial::new_unchecked(n, p))
    }

    /// `p` must be in `[0, 1]`.
    fn new_unchecked(n: u64, p: f64) -> Self {
        let (chunks, chunk) = if n > BINOMIAL_CHUNK {
            (n / BINOMIAL_CHUNK, BinomialCore::new(BINOMIAL_CHUNK, p))
        } else {
            (0, BinomialCore::Constant(0))
        };
        let rest = BinomialCore::new(n - chunks * BINOMIAL_CHUNK, p);
        Binomial {
            n,
            p,
            chunks,
            chunk,
            rest,
        }
    }

    /// The number of trials.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The probability of success.
    pub fn p(&self) -> f64 {
        self.p
    }
}

impl Distribution for Binomial {
    type Output = u64;

    /// Draws nothing when `n = 0` or `p ∈ {0, 1}`. Never exceeds `n`.
    fn sample(&self, rng: &mut RandomStream) -> u64 {
        let mut total = 0;
        for _ in 0..self.chunks {
            total += self.chunk.sample(rng);
        }
        total + self.rest.sample(rng)
    }
}

impl BinomialCore {
    /// `n ≤ 2⁵²`, `p ∈ [0, 1]`.
    fn new(n: u64, p: f64) -> Self {
        if n == 0 || p <= 0.0 {
            return BinomialCore::Constant(0);
        }
        if p >= 1.0 {
            return BinomialCore::Constant(n);
        }
        let flip = p > 0.5;
        // Exact: Sterbenz.
        let p = if flip { 1.0 - p } else { p };
        let q = 1.0 - p;
        let nf = n as f64;
        if nf * p < INVERSION_MAX_MEAN {
            BinomialCore::Inversion(BinomialInversion {
                n,
                flip,
                p,
                q,
                q_n: libm::exp(nf * libm::log1p(-p)),
            })
        } else {
            BinomialCore::Btrd(Btrd::new(n, flip, p))
        }
    }

    fn sample(&self, rng: &mut RandomStream) -> u64 {
        match self {
            BinomialCore::Constant(k) => *k,
            BinomialCore::Inversion(inv) => {
                let k = inv.sample(rng);
                if inv.flip { inv.n - k } else { k }
            }
            BinomialCore::Btrd(btrd) => {
                let k = btrd.sample(rng).min(btrd.n_int);
                if btrd.flip { btrd.n_int - k } else { k }
            }
        }
    }
}

impl BinomialInversion {
    /// Sequential search from 0, one uniform per attempt.
    fn sample(&self, rng: &mut RandomStream) -> u64 {
        loop {
            let mut u = rng.uniform();
            let mut k = 0u64;
            let mut pk = self.q_n;
            loop {
                if u < pk {
                    return k;
                }
                u -= pk;
                if k == self.n {
                    break;
                }
                k += 1;
                pk *= ((self.n - k + 1) as f64 * self.p) / (k as f64 * self.q);
                if pk == 0.0 {
                    break;
                }
            }
            // Rounding left u above the computed total mass: restart.
        }
    }
}

impl Btrd {
    /// Hörmann (1993), algorithm BTRD, step 0; `p ≤ ½`, `n·p ≥ 10`.
    fn new(n_int: u64, flip: bool, p: f64) -> Self {
        let n = n_int as f64;
        let q = 1.0 - p;
        let m = ((n + 1.0) * p).floor();
        let r = p / q;
        let nr = (n + 1.0) * r;
        let npq = n * p * q;
        let spq = npq.sqrt();
        let b = 1.15 + 2.53 * spq;
        let a = -0.0873 + 0.0248 * b + 0.01 * p;
        let c = n * p + 0.5;
        let alpha = (2.83 + 5.1 / b) * spq;
        let vr = 0.92 - 4.2 / b;
        let urvr = 0.86 * vr;
        Btrd {
            n_int,
            flip,
            n,
            m,
            r,
            nr,
            npq,
            a,
            b,
            c,
            alpha,
            vr,
            urvr,
        }
    }

    /// Step 3.3, which depends on nothing random: computed only by the
    /// samples that reach step 3.4 (few), the same bits as in the set-up.
    fn step_3_3(&self) -> f64 {
        let Btrd { n, m, r, .. } = *self;
        let nm = n - m + 1.0;
        (m + 0.5) * libm::log((m + 1.0) / (r * nm)) + fc(m) + fc(n - m)
    }

    /// Hörmann (1993), algorithm BTRD, steps 1–3.4. The result is a count
    /// for `min(p, 1 − p)`, at most `n`.
    fn sample(&self, rng: &mut RandomStream) -> u64 {
        let Btrd {
            n,
            m,
            r,
            nr,
            npq,
            a,
            b,
            c,
            alpha,
            vr,
            urvr,
            ..
        } = *self;
        let mut step_3_3: Option<f64> = None;
        loop {
            // Step 1: the box in the centre, accepted at once.
            let mut v = rng.uniform();
            if v <= urvr {
                let u = v / vr - 0.43;
                let k = ((2.0 * a / (0.5 - u.abs()) + b) * u + c).floor();
                return k as u64;
            }
            // Step 2: a point under the hat outside the box.
            let u;
            if v >= vr {
                u = rng.uniform() - 0.5;
            } else {
                let w = v / vr - 0.93;
                u = 0.5f64.copysign(w) - w;
                v = rng.uniform() * vr;
            }
            // Step 3.0.
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + c).floor();
            if k.is_nan() || k < 0.0 || k > n {
                continue;
            }
            v = v * alpha / (a / (us * us) + b);
            let km = (k - m).abs();
            if km <= 15.0 {
                // Step 3.1: f(k)/f(m) by recursion.
                let mut f = 1.0;
                if m < k {
                    let mut i = m;
                    while i < k {
                        i += 1.0;
                        f *= nr / i - r;
                    }
                } else if m > k {
                    let mut i = k;
                    while i < m {
                        i += 1.0;
                        v *= nr / i - r;
                    }
                }
                if v <= f {
                    return k as u64;
                }
                continue;
            }
            // Step 3.2: squeeze.
            let v = libm::log(v);
            let rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5);
            let t = -km * km / (2.0 * npq);
            if v < t - rho {
                return k as u64;
            }
            if v > t + rho {
                continue;
            }
            // Step 3.4, with ln(nm/nk) written as log1p((k − m)/nk) (the
            // difference nm − nk = k − m is exact).
            let h = *step_3_3.get_or_insert_with(|| self.step_3_3());
            let nk = n - k + 1.0;
            let bound = h
                + (n + 1.0) * libm::log1p((k - m) / nk)
                + (k + 0.5) * libm::log(nk * r / (k + 1.0))
                - fc(k)
                - fc(n - k);
            if v <= bound {
                return k as u64;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Multinomial

/// The multinomial distribution: `n` trials spread over categories of given
/// probabilities.
///
/// Sampled by conditional binomials: category `i` gets
/// `Binomial(n_remaining, pᵢ / Σⱼ≥ᵢ pⱼ)` (the ratio clamped to `[0, 1]`),
/// the last category the remainder. Once every trial is placed the
/// remaining categories get 0 without drawing. A category of probability 0
/// never gets a trial. As the ratios divide by the tail sums (computed
/// from the last category), probabilities that sum to 1 only within 10⁻⁹
/// are in effect renormalised.
#[derive(Clone, Debug, PartialEq)]
pub struct Multinomial {
    probabilities: Vec<f64>,
    /// `tails[i] = Σⱼ≥ᵢ pⱼ`, summed from the last category.
    tails: Vec<f64>,
}

impl Multinomial {
    /// Categories of probabilities `probabilities`: at least one, each in
    /// `[0, 1]`, summing to 1 within 10⁻⁹.
    pub fn new(probabilities: &[f64]) -> Result<Self, ParameterError> {
        validate_probabilities(probabilities)?;
        let mut tails = vec![0.0; probabilities.len()];
        let mut sum = 0.0;
        for (tail, &p) in tails.iter_mut().zip(probabilities).rev() {
            sum += p;
            *tail = sum;
        }
        Ok(Multinomial {
            probabilities: probabilities.to_vec(),
            tails,
        })
    }

    /// The probabilities of the categories.
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// The number of categories.
    pub fn categories(&self) -> usize {
        self.probabilities.len()
    }

    /// Spreads `n` trials, writing the count of category `i` to `out[i]`.
    /// The counts sum to `n`.
    ///
    /// # Panics
    ///
    /// If `out.len()` is not the number of categories.
    pub fn sample_into(&self, rng: &mut RandomStream, n: u64, out: &mut [u64]) {
        assert_eq!(
            out.len(),
            self.probabilities.len(),
            "multinomial: out has {} slots for {} categories",
            out.len(),
            self.probabilities.len()
        );
        for (slot, tail) in out.iter_mut().zip(&self.tails) {
            *slot = tail.to_bits();
        }
        multinomial_from_tails(rng, n, &self.probabilities, out);
    }

    /// Spreads `n` trials: the counts of the categories, summing to `n`.
    pub fn sample(&self, rng: &mut RandomStream, n: u64) -> Vec<u64> {
        let mut out = vec![0; self.probabilities.len()];
        self.sample_into(rng, n, &mut out);
        out
    }
}

/// One draw of [`Binomial`] without building one: checks `p` as
/// [`Binomial::new`] does and gives the same value, from the same uniforms,
/// as `Binomial::new(n, p)?.sample(rng)`, without moving the sampler's
/// state around (for callers that draw once per (n, p)).
///
/// # Errors
///
/// As [`Binomial::new`].
pub fn sample_binomial(rng: &mut RandomStream, n: u64, p: f64) -> Result<u64, ParameterError> {
    check(is_probability(p), "binomial", "p", p, PROBABILITY)?;
    let (chunks, rest) = if n > BINOMIAL_CHUNK {
        (n / BINOMIAL_CHUNK, n % BINOMIAL_CHUNK)
    } else {
        (0, n)
    };
    let mut total = 0;
    if chunks > 0 {
        let chunk = BinomialCore::new(BINOMIAL_CHUNK, p);
        for _ in 0..chunks {
            total += chunk.sample(rng);
        }
    }
    Ok(total + BinomialCore::new(rest, p).sample(rng))
}

/// [`Multinomial::sample_into`] without building a [`Multinomial`]: checks
/// `probabilities` as [`Multinomial::new`] does, allocates nothing, and
/// gives the same values as the struct would.
///
/// # Panics
///
/// If `out.len() != probabilities.len()` (after the parameter check).
pub fn sample_multinomial_into(
    rng: &mut RandomStream,
    n: u64,
    probabilities: &[f64],
    out: &mut [u64],
) -> Result<(), ParameterError> {
    validate_probabilities(probabilities)?;
    assert_eq!(
        out.len(),
        probabilities.len(),
        "multinomial: out has {} slots for {} categories",
        out.len(),
        probabilities.len()
    );
    // `out` holds the tail sums (as bits) until each slot gets its count.
    let mut sum = 0.0;
    for (slot, &p) in out.iter_mut().zip(probabilities).rev() {
        sum += p;
        *slot = f64::to_bits(sum);
    }
    multinomial_from_tails(rng, n, probabilities, out);
    Ok(())
}

fn validate_probabilities(probabilities: &[f64]) -> Result<(), ParameterError> {
    check(
        !probabilities.is_empty(),
        "multinomial",
        "categories",
        0.0,
        "at least one category",
    )?;
    for &p in probabilities {
        check(
            is_probability(p),
            "multinomial",
            "probabilities",
            p,
            PROBABILITY,
        )?;
    }
    let sum = probabilities.iter().rev().fold(0.0, |sum, &p| sum + p);
    check(
        (sum - 1.0).abs() <= 1e-9,
        "multinomial",
        "sum of probabilities",
        sum,
        "1 within 1e-9",
    )
}

/// The conditional-binomial loop. On entry `out[i]` holds the bits of the
/// tail sum `Σⱼ≥ᵢ pⱼ`; on exit, the counts. `probabilities` is non-empty.
fn multinomial_from_tails(rng: &mut RandomStream, n: u64, probabilities: &[f64], out: &mut [u64]) {
    let last = probabilities.len() - 1;
    let mut remaining = n;
    for (slot, &p) in out[..last].iter_mut().zip(probabilities) {
        if remaining == 0 {
            *slot = 0;
            continue;
        }
        let tail = f64::from_bits(*slot);
        let ratio = if tail > 0.0 { (p / tail).min(1.0) } else { 0.0 };
        let count = Binomial::new_unchecked(remaining, ratio).sample(rng);
        *slot = count;
        remaining -= count;
    }
    out[last] = remaining;
}

// ---------------------------------------------------------------------------
// Gamma

/// The gamma distribution with shape `shape` and scale `scale` (mean
/// `shape·scale`).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    /// Marsaglia–Tsang's `d = a − ⅓` for `a = max(shape, shape + 1)`.
    d: f64,
    /// `c = 1/√(9d)`.
    c: f64,
}

impl Gamma {
    /// Shape and scale, both finite and positive.
    pub fn new(shape: f64, scale: f64) -> Result<Self, ParameterError> {
        check(is_positive(shape), "gamma", "shape", shape, POSITIVE)?;
        check(is_positive(scale), "gamma", "scale", scale, POSITIVE)?;
        let a = if shape < 1.0 { shape + 1.0 } else { shape };
        let d = a - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        Ok(Gamma { shape, scale, d, c })
    }

    /// The shape.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// The scale.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl Distribution for Gamma {
    type Output = f64;

    /// Marsaglia–Tsang: per attempt a normal `z` (two draws, repeated until
    /// `1 + c·z > 0`) and one `u′`; for `shape < 1` one more `u′` at the
    /// end.
    fn sample(&self, rng: &mut RandomStream) -> f64 {
        let Gamma { d, c, .. } = *self;
        let x = loop {
            let (z, v) = loop {
                let z = standard_normal(rng);
                let v = 1.0 + c * z;
                if v > 0.0 {
                    break (z, v);
                }
            };
            let v = v * v * v;
            let u = rng.uniform_nonzero();
            let z2 = z * z;
            if u < 1.0 - 0.0331 * z2 * z2 {
                break d * v;
            }
            if libm::log(u) < 0.5 * z2 + d * (1.0 - v + libm::log(v)) {
                break d * v;
            }
        };
        let x = if self.shape < 1.0 {
            x * libm::exp(libm::log(rng.uniform_nonzero()) / self.shape)
        } else {
            x
        };
        x * self.scale
    }
}

#[cfg(test)]
mod tests;
