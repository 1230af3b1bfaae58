//! The linear birth–death process with emissions, drawn exactly: the law
//! behind exact steps of constant-rate clones
//! ([`ConstantRates::Exact`](crate::config::ConstantRates::Exact)).
//!
//! # The process
//!
//! Each cell of a clone, independently and at constant rates:
//!
//! * divides into two cells of the clone at rate `b`;
//! * dies at rate `d`;
//! * *emits* at rate `e`: a cell shed into the blood, or a division whose
//!   daughter is another clone (a mutant, or a resistant cell). What the
//!   clone emits leaves it, at a time of its own, and the simulation must
//!   see each emission when it happens.
//!
//! # The law between emissions
//!
//! From one cell, `φ(z, t) = E[z^N(t); no emission by t]` solves the
//! backward equation `∂φ/∂t = bφ² − (b + d + e)φ + d`, `φ(z, 0) = z`: a
//! Riccati equation with constant coefficients, whose solution is linear
//! fractional in `z` (Kendall 1948, for `e = 0`):
//!
//! ```text
//! φ(z, t) = p₀ + s·(1 − q)·z/(1 − q·z)
//! ```
//!
//! With `a = b + d + e`, `γ = √((b − d)² + e(2b + 2d + e))` (= `√(a² − 4bd)`
//! without cancellation), `x₁ = 2d/(a + γ)` the smaller root of
//! `b·x² − a·x + d`, `E = e^(−γt)` and `F = (1 − E)/γ` (`t` when `γ = 0`):
//!
//! * `q = bF/(1 + x₁bF)`: given it survives, the cell has left a geometric
//!   number of descendants, `P(k) = (1 − q)q^(k−1)`, `k ≥ 1`;
//! * `p₀ = dF/(1 + x₁bF)`: its line died out with no emission;
//! * `s = E/((1 + x₁bF)(1 − u·bF))`, `u = 1 − x₁`: it survives with no
//!   emission. (`1 − u·bF = (b·v + u·b·E)/γ`, `v = x₂ − 1`, where `uF` is
//!   large.)
//!
//! So from `n` cells, given no emission by `t`: the number of surviving
//! lines is `Binomial(n, s/(p₀ + s))`, and `j` surviving lines hold
//! `j + NegativeBinomial(j, q)` cells, drawn as a Poisson of a gamma
//! variate. For `e = 0` this is the classical transition law, and
//! `p₀ + s = 1`.
//!
//! # The next emission
//!
//! The probability of no emission by `t` from `n` cells is `Φ(t)ⁿ`,
//! `Φ = p₀ + s`, decreasing from 1 to `x₁` (the line dies out before it
//! emits). `Φ(T)ⁿ = U` is solved in closed form: with `w = 1 − U^(1/n)`,
//! `T = (ln(1 + w/v) − ln(1 − w/u))/γ`, and no emission ever when
//! `w ≥ u`. At the emission, the count just before it has the size-biased
//! law (the emission's hazard is `e·N`): `n − 1` lines given no emission,
//! and the emitting line with `P(k) ∝ k(1 − q)²q^(k−1)`, that is
//! `1 + NegativeBinomial(2, q)`.
//!
//! Every function here draws from the stream it is given, in a fixed order,
//! with the kernel's samplers and `libm`, so the values are the same on
//! every platform.

use cascade_kernel::RandomStream;
use cascade_kernel::distributions::{
    Distribution, Gamma, Normal, ParameterError, Poisson, sample_binomial,
};

/// A clone's per-cell rates in a site, constant between two changes.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) struct LinearRates {
    /// Divisions into two cells of the clone, per cell per day.
    pub birth: f64,
    /// Deaths, per cell per day.
    pub death: f64,
    /// Emissions (shed cells, daughters of another clone), per cell per day.
    pub emission: f64,
}

/// `φ(·, t)` of one cell ([module docs](self)).
#[derive(Copy, Clone, Debug)]
struct OneCell {
    /// Probability that the line died out with no emission by `t`.
    extinct: f64,
    /// Probability that the line survives with no emission by `t`.
    survives: f64,
    /// The geometric parameter of a surviving line's count.
    q: f64,
    /// `1 − q`, computed without cancellation.
    one_minus_q: f64,
}

/// The roots of `b·x² − a·x + d` as `x₁ = 1 − u` and `x₂ = 1 + v`, with
/// `γ`: [module docs](self).
#[derive(Copy, Clone, Debug)]
struct Roots {
    gamma: f64,
    x1: f64,
    u: f64,
    /// `b·v` (finite when `b = 0`, where `v` is infinite).
    bv: f64,
}

impl LinearRates {
    fn total(&self) -> f64 {
        self.birth + self.death + self.emission
    }

    fn roots(&self) -> Roots {
        let LinearRates {
            birth: b,
            death: d,
            emission: e,
        } = *self;
        let gamma = ((b - d) * (b - d) + e * (2.0 * b + 2.0 * d + e)).sqrt();
        let x1 = 2.0 * d / (self.total() + gamma);
        // u·v = e/b and v − u = (d + e − b)/b, each root from the form that
        // does not cancel.
        let excess = d + e - b;
        let (u, bv) = if excess >= 0.0 {
            let u = if e == 0.0 {
                0.0
            } else {
                2.0 * e / (excess + gamma)
            };
            (u, 0.5 * (excess + gamma))
        } else {
            let u = (gamma - excess) / (2.0 * b);
            (u, 2.0 * e * b / (gamma - excess))
        };
        Roots { gamma, x1, u, bv }
    }

    /// The law of one cell's line over `t` days ([module docs](self)).
    fn one_cell(&self, t: f64) -> OneCell {
        let b = self.birth;
        let Roots { gamma, x1, u, bv } = self.roots();
        let gt = gamma * t;
        let e_t = libm::exp(-gt);
        // F = (1 − e^(−γt))/γ, → t as γt → 0.
        let f = if gt > 1e-8 {
            -libm::expm1(-gt) / gamma
        } else {
            t * (1.0 - 0.5 * gt)
        };
        let rho = b * f;
        let denominator = 1.0 + x1 * rho;
        let q = rho / denominator;
        let extinct = self.death * f / denominator;
        let ur = u * rho;
        let (one_minus_ur, survives) = if ur < 0.5 {
            let one_minus_ur = 1.0 - ur;
            (one_minus_ur, e_t / (denominator * one_minus_ur))
        } else {
            // 1 − uρ = (b·v + u·b·E)/γ; s = E/(den·(1 − uρ)) written so
            // that an E that underflows to 0 gives the limit, not 0/0.
            let bv_over_e = if bv == 0.0 { 0.0 } else { bv / e_t };
            (
                (bv + u * b * e_t) / gamma,
                gamma / (denominator * (bv_over_e + u * b)),
            )
        };
        OneCell {
            extinct,
            survives,
            q,
            one_minus_q: one_minus_ur / denominator,
        }
    }

    /// The count after `t` days from `n` cells, given that the clone
    /// emitted nothing in that time.
    pub fn count_without_emission(
        &self,
        n: u64,
        t: f64,
        rng: &mut RandomStream,
    ) -> Result<u64, ParameterError> {
        if n == 0 || t <= 0.0 || self.total() == 0.0 {
            return Ok(n);
        }
        let law = self.one_cell(t);
        let lines = sample_binomial(rng, n, survival_given_no_emission(&law))?;
        Ok(lines.saturating_add(negative_binomial(lines, &law, rng)?))
    }

    /// The time, in days from now, of the clone's next emission from `n`
    /// cells; `None` if it never emits (its line dies out first, or it
    /// emits at rate 0).
    pub fn next_emission(&self, n: u64, rng: &mut RandomStream) -> Option<f64> {
        if n == 0 || self.emission <= 0.0 {
            return None;
        }
        let Roots { gamma, u, bv, .. } = self.roots();
        // Φ(T)ⁿ = U: w = 1 − Φ(T) = 1 − U^(1/n).
        let w = -libm::expm1(libm::log(rng.uniform_nonzero()) / n as f64);
        if w >= u {
            return None;
        }
        // w/v = b·w/(b·v).
        let w_over_v = self.birth * w / bv;
        let t = (libm::log1p(w_over_v) - libm::log1p(-w / u)) / gamma;
        (t.is_finite() && t >= 0.0).then_some(t)
    }

    /// The count just before an emission `t` days after the clone held `n`
    /// cells (with no emission in between): the size-biased law
    /// ([module docs](self)). The emitting cell is among the count.
    pub fn count_before_emission(
        &self,
        n: u64,
        t: f64,
        rng: &mut RandomStream,
    ) -> Result<u64, ParameterError> {
        debug_assert!(n > 0);
        let law = self.one_cell(t.max(0.0));
        let lines = sample_binomial(rng, n - 1, survival_given_no_emission(&law))?;
        Ok((lines + 1).saturating_add(negative_binomial(lines + 2, &law, rng)?))
    }
}

/// The cell-days of a clone over `tau` days from `before` to `after`
/// cells on the exponential path through both ends (`before·τ/2` for a
/// clone that died out): the estimate of `∫N` given the ends that the
/// ledger of exact steps and the emissions of counted steps use. For a
/// large clone, the path between its ends departs from the exponential by
/// fluctuations of relative order `1/√n`, so this is `E[∫N | ends]` to
/// relative order `1/n`.
pub(crate) fn cell_days_through(before: u64, after: u64, tau: f64) -> f64 {
    let (n, k) = (before as f64, after as f64);
    if after == 0 {
        0.5 * n * tau
    } else if after == before {
        n * tau
    } else {
        tau * (k - n) / libm::log1p((k - n) / n)
    }
}

/// The probability that a line survives, given that it emitted nothing.
fn survival_given_no_emission(law: &OneCell) -> f64 {
    let total = law.extinct + law.survives;
    if total > 0.0 {
        (law.survives / total).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The largest mean drawn as a Poisson count (the kernel's sampler takes
/// means up to 2⁵²); above it, [`poisson_count`] draws the normal
/// approximation.
const LARGEST_POISSON_MEAN: f64 = 4.0e15;

/// A Poisson count of mean `mean`; past [`LARGEST_POISSON_MEAN`] (a clone
/// of some 10¹⁵ cells), the nearest integer to a normal of mean `mean`
/// and variance `mean`, whose error (the Poisson's skewness, `1/√mean`,
/// below 2×10⁻⁸ there) is far under the count's own fluctuation. Means
/// below the cap are drawn exactly as before, so no digest changes.
fn poisson_count(mean: f64, rng: &mut RandomStream) -> Result<u64, ParameterError> {
    if mean <= LARGEST_POISSON_MEAN {
        return Ok(Poisson::new(mean)?.sample(rng));
    }
    let count = Normal::new(mean, libm::sqrt(mean))?.sample(rng);
    // `as` saturates: a count past u64::MAX (a mean no configuration
    // reaches) is held at u64::MAX rather than wrapping.
    Ok(libm::round(count.max(0.0)) as u64)
}

/// The cells beyond one per line of `lines` surviving lines: the sum of
/// `lines` geometric counts of failures, `P(k) = (1 − q)qᵏ`, drawn as
/// `Poisson(Gamma(lines, q/(1 − q)))` ([`poisson_count`] for a huge mean).
fn negative_binomial(
    lines: u64,
    law: &OneCell,
    rng: &mut RandomStream,
) -> Result<u64, ParameterError> {
    if lines == 0 || law.q <= 0.0 {
        return Ok(0);
    }
    let scale = law.q / law.one_minus_q;
    let mean = Gamma::new(lines as f64, scale)?.sample(rng);
    poisson_count(mean, rng)
}

#[cfg(test)]
mod tests;
