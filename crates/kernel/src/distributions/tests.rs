//! Tests of the samplers.
//!
//! * `value_stability*`: pinned outputs (the value-stability contract).
//! * `moments_*`: sample mean and variance against theory. Tolerance rule:
//!   each must lie within 5 standard errors, where the standard error of
//!   the mean is `√(σ²/N)` and that of the (1/N) sample variance is
//!   `√((μ₄ − σ⁴)/N)`, `μ₄` the fourth central moment. Seeds are fixed,
//!   so the tests are reproducible and cannot flake.
//! * `chi_square_*`: Pearson's goodness of fit against the exact pmf
//!   (computed here by the ratio recurrence from the mode, independently of
//!   the samplers' Stirling formulas), bins merged to an expected count of
//!   at least 5 (more for very wide distributions, to keep the number of
//!   bins near 100), asserting the statistic is below the 0.999 quantile of
//!   χ² (Wilson–Hilferty approximation).
//! * `ks_exponential`: Kolmogorov–Smirnov statistic below `1.95/√N`, the
//!   0.001 level.
//! * parameter validation, degenerate cases, and property tests.

use proptest::prelude::*;

use super::*;
use crate::random::{Purpose, Seed};

fn stream(seed: u64, purpose: &str) -> RandomStream {
    Seed::new(seed).stream(Purpose::new(purpose))
}

fn golden_stream() -> RandomStream {
    stream(42, "value-stability")
}

// ---------------------------------------------------------------------------
// Value stability

/// Five samples of `dist` from the golden stream, as bits.
fn bits<D: Distribution<Output = f64>>(dist: &D) -> Vec<u64> {
    let mut rng = golden_stream();
    (0..5).map(|_| dist.sample(&mut rng).to_bits()).collect()
}

fn counts<D: Distribution<Output = u64>>(dist: &D) -> Vec<u64> {
    let mut rng = golden_stream();
    (0..5).map(|_| dist.sample(&mut rng)).collect()
}

#[track_caller]
fn pin(name: &str, got: Vec<u64>, expected: &[u64]) {
    assert_eq!(
        got, expected,
        "value-breaking change in {name}: got {got:?}"
    );
}

#[test]
fn value_stability_continuous() {
    pin(
        "UniformRange(-2, 3)",
        bits(&UniformRange::new(-2.0, 3.0).unwrap()),
        &[
            4607985789054776182,
            13819776438929407848,
            4613681011175471674,
            13823205310191825328,
            13830870743577550744,
        ],
    );
    pin(
        "Exponential(2)",
        bits(&Exponential::new(2.0).unwrap()),
        &[
            4597329713953159136,
            4602778454779378606,
            4577804018939429763,
            4603146519200153830,
            4605751426934467172,
        ],
    );
    pin(
        "Normal(1, 2)",
        bits(&Normal::new(1.0, 2.0).unwrap()),
        &[
            13820177128917900960,
            4605284302660180140,
            4616146039630203187,
            13836430855341959959,
            13813388766213301952,
        ],
    );
    pin(
        "LogNormal(0, 0.5)",
        bits(&LogNormal::new(0.0, 0.5).unwrap()),
        &[
            4604827976470653680,
            4606720172993545161,
            4611926470865320237,
            4600978087542397814,
            4605060973435503155,
        ],
    );
    pin(
        "Gamma(0.5, 2)",
        bits(&Gamma::new(0.5, 2.0).unwrap()),
        &[
            4594134950045570968,
            4607193704359563453,
            4600832422805085145,
            4606914318491440086,
            4588099993690616905,
        ],
    );
    pin(
        "Gamma(3, 1)",
        bits(&Gamma::new(3.0, 1.0).unwrap()),
        &[
            4610760327696314197,
            4615591239199093488,
            4604226796033191257,
            4618011909165652588,
            4616576935625103408,
        ],
    );
}

#[test]
fn value_stability_discrete() {
    pin(
        "UniformInt(10)",
        counts(&UniformInt::new(10).unwrap()),
        &[6, 3, 9, 3, 1],
    );
    pin(
        "UniformInt(2^63 + 1)",
        counts(&UniformInt::new((1 << 63) + 1).unwrap()),
        &[
            3318846067396164592,
            9012995688714045574,
            3058395504621605999,
            1715122874209471916,
            913620840911339028,
        ],
    );
    let mut rng = golden_stream();
    let bernoulli = Bernoulli::new(0.3).unwrap();
    let got: Vec<u64> = (0..20)
        .map(|_| u64::from(bernoulli.sample(&mut rng)))
        .collect();
    pin(
        "Bernoulli(0.3)",
        got,
        &[0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1],
    );
    // Inversion, then PTRS.
    pin(
        "Poisson(3.5)",
        counts(&Poisson::new(3.5).unwrap()),
        &[4, 3, 8, 3, 2],
    );
    pin(
        "Poisson(1000)",
        counts(&Poisson::new(1000.0).unwrap()),
        &[1012, 968, 1018, 922, 1017],
    );
    pin(
        "Poisson(1e12)",
        counts(&Poisson::new(1e12).unwrap()),
        &[
            1000000390052,
            999998993278,
            1000000553355,
            999997539653,
            1000000528537,
        ],
    );
}

#[test]
fn value_stability_binomial() {
    let cases: [(u64, f64, &[u64]); 7] = [
        // Inversion, inversion with p > 1/2.
        (20, 0.3, &[7, 5, 10, 5, 4]),
        (30, 0.9, &[27, 28, 23, 28, 28]),
        // BTRD, BTRD with p > 1/2, BTRD near its threshold.
        (1000, 0.3, &[318, 301, 291, 286, 279]),
        (1000, 0.8, &[783, 799, 807, 812, 818]),
        (100, 0.15, &[13, 14, 12, 10, 19]),
        // Huge n: BTRD, and the split above 2^52.
        (
            1_000_000_000_000,
            0.25,
            &[
                250000345202,
                249999952826,
                249999704855,
                249999548298,
                249999366934,
            ],
        ),
        (
            u64::MAX,
            0.5,
            &[
                9223372038250218816,
                9223372037591125364,
                9223372037418494347,
                9223372032969810673,
                9223372033708871603,
            ],
        ),
    ];
    for (n, p, expected) in cases {
        pin(
            &format!("Binomial({n}, {p})"),
            counts(&Binomial::new(n, p).unwrap()),
            expected,
        );
    }
}

#[test]
fn value_stability_multinomial() {
    let multinomial = Multinomial::new(&[0.2, 0.3, 0.1, 0.4]).unwrap();
    let mut rng = golden_stream();
    let got: Vec<u64> = (0..3)
        .flat_map(|_| multinomial.sample(&mut rng, 1000))
        .collect();
    pin(
        "Multinomial([0.2, 0.3, 0.1, 0.4], 1000)",
        got,
        &[217, 294, 93, 396, 188, 285, 107, 420, 175, 291, 115, 419],
    );
}

// ---------------------------------------------------------------------------
// Moments

fn draw<D: Distribution>(dist: &D, seed: u64, n: usize) -> Vec<D::Output> {
    let mut rng = stream(seed, "moments");
    (0..n).map(|_| dist.sample(&mut rng)).collect()
}

fn draw_f64<D: Distribution<Output = u64>>(dist: &D, seed: u64, n: usize) -> Vec<f64> {
    draw(dist, seed, n).into_iter().map(|k| k as f64).collect()
}

/// Asserts that the sample mean and the (1/N) sample variance of `xs` are
/// within 5 standard errors of `mean` and `var`; `mu4` is the fourth
/// central moment (see the module doc).
#[track_caller]
fn assert_moments(name: &str, xs: &[f64], mean: f64, var: f64, mu4: f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    let se_mean = (var / n).sqrt();
    let se_var = ((mu4 - var * var) / n).sqrt();
    assert!(
        (m - mean).abs() <= 5.0 * se_mean,
        "{name}: mean {m}, expected {mean} ± 5 × {se_mean}"
    );
    assert!(
        (v - var).abs() <= 5.0 * se_var,
        "{name}: variance {v}, expected {var} ± 5 × {se_var}"
    );
}

const N: usize = 200_000;

#[test]
fn moments_uniform_range() {
    let xs = draw(&UniformRange::new(-2.0, 3.0).unwrap(), 1, N);
    assert!(xs.iter().all(|x| (-2.0..3.0).contains(x)));
    let w: f64 = 5.0;
    assert_moments(
        "UniformRange(-2, 3)",
        &xs,
        0.5,
        w * w / 12.0,
        w * w * w * w / 80.0,
    );
}

#[test]
fn uniform_range_stays_below_high_when_rounding_reaches_it() {
    // Two floats apart: low + width·u rounds to high for u near 1.
    let low = 1.0;
    let high = low + 2.0 * f64::EPSILON;
    let range = UniformRange::new(low, high).unwrap();
    let mut rng = stream(2, "rounding");
    for _ in 0..10_000 {
        let x = range.sample(&mut rng);
        assert!(x >= low && x < high, "{x}");
    }
}

#[test]
fn moments_uniform_int() {
    for (seed, n) in [(1, 10u64), (2, 0xAAAA_AAAA_AAAA_AAABu64)] {
        let xs = draw_f64(&UniformInt::new(n).unwrap(), seed, N);
        let nf = n as f64;
        let var = (nf * nf - 1.0) / 12.0;
        let mu4 = (nf * nf - 1.0) * (3.0 * nf * nf - 7.0) / 240.0;
        assert_moments(&format!("UniformInt({n})"), &xs, (nf - 1.0) / 2.0, var, mu4);
    }
    let ones = draw(&UniformInt::new(1).unwrap(), 3, 100);
    assert!(ones.iter().all(|&k| k == 0));
}

#[test]
fn moments_bernoulli() {
    let p = 0.3;
    let xs: Vec<f64> = draw(&Bernoulli::new(p).unwrap(), 1, N)
        .into_iter()
        .map(f64::from)
        .collect();
    let pq = p * (1.0 - p);
    assert_moments("Bernoulli(0.3)", &xs, p, pq, pq * (1.0 - 3.0 * pq));
}

#[test]
fn moments_exponential() {
    let rate: f64 = 2.5;
    let xs = draw(&Exponential::new(rate).unwrap(), 1, N);
    assert!(xs.iter().all(|&x| x >= 0.0 && x.is_sign_positive()));
    let var = 1.0 / (rate * rate);
    assert_moments("Exponential(2.5)", &xs, 1.0 / rate, var, 9.0 * var * var);
}

#[test]
fn moments_normal() {
    let xs = draw(&Normal::new(1.5, 2.0).unwrap(), 1, N);
    assert_moments("Normal(1.5, 2)", &xs, 1.5, 4.0, 3.0 * 16.0);
}

#[test]
fn moments_log_normal() {
    let (mu, sigma): (f64, f64) = (0.2, 0.5);
    let xs = draw(&LogNormal::new(mu, sigma).unwrap(), 1, N);
    let s2 = sigma * sigma;
    let mean = libm::exp(mu + s2 / 2.0);
    let var = (libm::exp(s2) - 1.0) * libm::exp(2.0 * mu + s2);
    let kurtosis =
        libm::exp(4.0 * s2) + 2.0 * libm::exp(3.0 * s2) + 3.0 * libm::exp(2.0 * s2) - 3.0;
    assert_moments("LogNormal(0.2, 0.5)", &xs, mean, var, kurtosis * var * var);
}

#[test]
fn moments_gamma() {
    for (seed, shape, scale) in [(1, 0.5, 2.0), (2, 4.0, 0.5), (3, 0.05, 1.0), (4, 1.0, 3.0)] {
        let xs = draw(&Gamma::new(shape, scale).unwrap(), seed, N);
        assert!(xs.iter().all(|&x| x >= 0.0));
        let var = shape * scale * scale;
        let mu4 = var * var * (3.0 + 6.0 / shape);
        assert_moments(
            &format!("Gamma({shape}, {scale})"),
            &xs,
            shape * scale,
            var,
            mu4,
        );
    }
}

#[test]
fn moments_poisson() {
    for (seed, lambda) in [(1, 0.7), (2, 9.99), (3, 10.0), (4, 150.0), (5, 1e12)] {
        let xs = draw_f64(&Poisson::new(lambda).unwrap(), seed, N / 2);
        let mu4 = 3.0 * lambda * lambda + lambda;
        assert_moments(&format!("Poisson({lambda})"), &xs, lambda, lambda, mu4);
    }
}

#[test]
fn moments_binomial() {
    let cases = [
        (1, 20u64, 0.3),
        (2, 30, 0.9),
        (3, 1000, 0.8),
        (4, 1_000_000_000_000, 3e-12),
        (5, 1_000_000_000_000, 0.25),
    ];
    for (seed, n, p) in cases {
        let xs = draw_f64(&Binomial::new(n, p).unwrap(), seed, N / 2);
        assert_binomial_moments(n, p, &xs);
    }
    // Above 2^52 trials: the sum of parts (few samples, it is slow in debug).
    let n = (1u64 << 56) + 12345;
    let xs = draw_f64(&Binomial::new(n, 0.3).unwrap(), 6, 1000);
    assert_binomial_moments(n, 0.3, &xs);
}

#[track_caller]
fn assert_binomial_moments(n: u64, p: f64, xs: &[f64]) {
    let npq = n as f64 * p * (1.0 - p);
    let mu4 = 3.0 * npq * npq + npq * (1.0 - 6.0 * p * (1.0 - p));
    assert_moments(&format!("Binomial({n}, {p})"), xs, n as f64 * p, npq, mu4);
}

// ---------------------------------------------------------------------------
// Goodness of fit

/// The pmf near its mode by the ratio recurrence `ratio(k) = P(k+1)/P(k)`,
/// over `[0, max]`, dropping terms below 10⁻¹⁵ of the mode's, normalised,
/// and summed into buckets of `width` values: `(start, buckets)`, bucket
/// `j` covering `start + j·width ..` `start + (j+1)·width`.
fn pmf_buckets(mode: u64, max: u64, width: u64, ratio: impl Fn(u64) -> f64) -> (u64, Vec<f64>) {
    const CUT: f64 = 1e-15;
    // Bucket 0 starts at the mode; `below[i]` is bucket −1 − i.
    let mut above = vec![0.0];
    let (mut k, mut w) = (mode, 1.0);
    above[0] = w;
    while k < max && w > CUT {
        w *= ratio(k);
        k += 1;
        let bucket = ((k - mode) / width) as usize;
        if bucket == above.len() {
            above.push(0.0);
        }
        above[bucket] += w;
    }
    let mut below: Vec<f64> = Vec::new();
    let (mut k, mut w) = (mode, 1.0);
    while k > 0 && w > CUT {
        w /= ratio(k - 1);
        k -= 1;
        let bucket = ((mode - k - 1) / width) as usize;
        if bucket == below.len() {
            below.push(0.0);
        }
        below[bucket] += w;
    }
    let start = mode - below.len() as u64 * width;
    let mut buckets: Vec<f64> = below.into_iter().rev().chain(above).collect();
    let total: f64 = buckets.iter().sum();
    for b in &mut buckets {
        *b /= total;
    }
    (start, buckets)
}

/// Pearson's χ² of `samples` against the bucketed pmf; adjacent buckets are
/// merged until each bin expects at least `min_expected`; the first bin
/// also takes everything below, the last everything above. Returns the
/// statistic and the degrees of freedom.
fn chi_square(
    samples: &[u64],
    (start, width, pmf): (u64, u64, &[f64]),
    min_expected: f64,
) -> (f64, usize) {
    let n = samples.len() as f64;
    let mut uppers = Vec::new(); // inclusive upper value of each bin
    let mut expected = Vec::new();
    let mut acc = 0.0;
    for (j, &p) in pmf.iter().enumerate() {
        acc += n * p;
        if acc >= min_expected {
            uppers.push(start + (j as u64 + 1) * width - 1);
            expected.push(acc);
            acc = 0.0;
        }
    }
    *expected.last_mut().expect("at least one bin") += acc;
    let bins = expected.len();
    assert!(bins >= 2, "too few bins");
    let mut observed = vec![0u64; bins];
    for &x in samples {
        let bin = uppers.partition_point(|&u| u < x).min(bins - 1);
        observed[bin] += 1;
    }
    let stat = observed
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e) * (o as f64 - e) / e)
        .sum();
    (stat, bins - 1)
}

/// The 0.999 quantile of χ² with `df` degrees of freedom, by the
/// Wilson–Hilferty approximation `df·(1 − 2/(9df) + z·√(2/(9df)))³` with
/// `z = Φ⁻¹(0.999)` (within about 1% for `df ≥ 3`, slightly above the
/// exact value for small `df`).
fn chi_square_999(df: usize) -> f64 {
    const Z_999: f64 = 3.090_232_306_167_813;
    let d = df as f64;
    let t = 1.0 - 2.0 / (9.0 * d) + Z_999 * (2.0 / (9.0 * d)).sqrt();
    d * t * t * t
}

const GOF_N: usize = 100_000;

#[track_caller]
fn assert_fits(name: &str, samples: &[u64], pmf: (u64, u64, &[f64])) {
    // About 100 bins at most: wide distributions get bins of N/100.
    let min_expected = if pmf.2.len() > 100 {
        samples.len() as f64 / 100.0
    } else {
        5.0
    };
    let (stat, df) = chi_square(samples, pmf, min_expected);
    let limit = chi_square_999(df);
    assert!(
        stat < limit,
        "{name}: χ² = {stat} with {df} df, 0.999 quantile {limit}"
    );
}

fn binomial_pmf(n: u64, p: f64) -> (u64, u64, Vec<f64>) {
    let q = 1.0 - p;
    let mode = (((n as f64 + 1.0) * p).floor() as u64).min(n);
    let sd = (n as f64 * p * q).sqrt();
    let width = ((sd / 20.0) as u64).max(1);
    let (start, buckets) = pmf_buckets(mode, n, width, |k| {
        ((n - k) as f64 * p) / ((k + 1) as f64 * q)
    });
    (start, width, buckets)
}

fn poisson_pmf(lambda: f64) -> (u64, u64, Vec<f64>) {
    let mode = lambda.floor() as u64;
    let width = ((lambda.sqrt() / 20.0) as u64).max(1);
    let (start, buckets) = pmf_buckets(mode, u64::MAX, width, |k| lambda / (k + 1) as f64);
    (start, width, buckets)
}

#[test]
fn chi_square_binomial() {
    let cases = [
        // Inversion: p < 1/2, p > 1/2, p = 1/2, huge n.
        (1, 20u64, 0.3),
        (2, 30, 0.9),
        (3, 19, 0.5),
        (4, 1_000_000_000_000, 3e-12),
        // BTRD: near the threshold, p > 1/2, moderate, huge n.
        (5, 100, 0.1),
        (6, 1000, 0.8),
        (7, 1000, 0.3),
        (8, 1_000_000_000_000, 0.25),
    ];
    for (seed, n, p) in cases {
        let samples = draw(&Binomial::new(n, p).unwrap(), seed, GOF_N);
        let (start, width, pmf) = binomial_pmf(n, p);
        assert_fits(
            &format!("Binomial({n}, {p})"),
            &samples,
            (start, width, &pmf),
        );
    }
}

#[test]
fn chi_square_poisson() {
    // Inversion below 10, PTRS from 10.
    let cases = [
        (1, 0.5),
        (2, 3.5),
        (3, 9.9),
        (4, 10.0),
        (5, 47.3),
        (6, 1e4),
        (7, 1e12),
    ];
    for (seed, lambda) in cases {
        let samples = draw(&Poisson::new(lambda).unwrap(), seed, GOF_N);
        let (start, width, pmf) = poisson_pmf(lambda);
        assert_fits(
            &format!("Poisson({lambda})"),
            &samples,
            (start, width, &pmf),
        );
    }
}

#[test]
fn chi_square_uniform_int() {
    let samples = draw(&UniformInt::new(7).unwrap(), 1, GOF_N);
    assert_fits("UniformInt(7)", &samples, (0, 1, &[1.0 / 7.0; 7]));
}

#[test]
fn ks_exponential() {
    let rate = 0.7;
    let mut xs = draw(&Exponential::new(rate).unwrap(), 1, GOF_N);
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let d = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let cdf = 1.0 - libm::exp(-rate * x);
            (cdf - i as f64 / n).max((i + 1) as f64 / n - cdf)
        })
        .fold(0.0, f64::max);
    assert!(d < 1.95 / n.sqrt(), "KS statistic {d}");
}

#[test]
fn log_factorials_match_lgamma() {
    for k in 1..=200 {
        let k = f64::from(k);
        let direct = libm::lgamma(k + 1.0) - ((k + 0.5) * libm::log(k) - k + HALF_LN_TWO_PI);
        assert!((stirling_delta(k) - direct).abs() < 1e-12, "δ({k})");
    }
    for (k, lambda) in [
        (0.0, 3.0),
        (1.0, 3.0),
        (7.0, 12.5),
        (130.0, 100.0),
        (5000.0, 4900.0),
    ] {
        let direct = -lambda + k * libm::log(lambda) - libm::lgamma(k + 1.0);
        let got = poisson_log_pmf(k, lambda);
        assert!(
            (got - direct).abs() < 1e-9 * direct.abs().max(1.0),
            "{k}, {lambda}"
        );
    }
}

// ---------------------------------------------------------------------------
// Multinomial

#[test]
fn multinomial_counts_sum_to_n_with_binomial_marginals() {
    let probabilities = [0.1, 0.0, 0.25, 0.65];
    let multinomial = Multinomial::new(&probabilities).unwrap();
    let n = 40u64;
    let mut rng = stream(1, "multinomial");
    let draws = 50_000;
    let mut columns = vec![Vec::with_capacity(draws); probabilities.len()];
    let mut out = [0u64; 4];
    for _ in 0..draws {
        multinomial.sample_into(&mut rng, n, &mut out);
        assert_eq!(out.iter().sum::<u64>(), n);
        assert_eq!(out[1], 0, "a category of probability 0 got trials");
        for (column, &count) in columns.iter_mut().zip(&out) {
            column.push(count as f64);
        }
    }
    for (i, &p) in probabilities.iter().enumerate() {
        if p > 0.0 {
            assert_binomial_moments(n, p, &columns[i]);
        }
    }
    // Huge n goes through BTRD.
    let big = 1_000_000_000_000;
    for _ in 0..1000 {
        let counts = multinomial.sample(&mut rng, big);
        assert_eq!(counts.iter().sum::<u64>(), big);
        assert_eq!(counts[1], 0);
    }
}

#[test]
fn multinomial_free_function_matches_the_struct() {
    let probabilities = [0.5, 0.2, 0.2, 0.1];
    let multinomial = Multinomial::new(&probabilities).unwrap();
    let (mut a, mut b) = (stream(3, "m"), stream(3, "m"));
    let mut out = [0u64; 4];
    for n in [0, 1, 7, 1000, 1 << 40] {
        sample_multinomial_into(&mut b, n, &probabilities, &mut out).unwrap();
        assert_eq!(multinomial.sample(&mut a, n), out);
    }
    assert_eq!(
        sample_multinomial_into(&mut b, 3, &[0.5, 0.6], &mut [0; 2])
            .unwrap_err()
            .parameter,
        "sum of probabilities"
    );
}

#[test]
fn multinomial_single_category_takes_all_without_drawing() {
    let multinomial = Multinomial::new(&[1.0]).unwrap();
    let mut rng = stream(1, "single");
    assert_eq!(multinomial.sample(&mut rng, 17), [17]);
    assert_eq!(rng.word_position(), 0);
}

#[test]
#[should_panic(expected = "multinomial: out has 2 slots for 3 categories")]
fn multinomial_sample_into_panics_on_wrong_length() {
    let multinomial = Multinomial::new(&[0.2, 0.3, 0.5]).unwrap();
    multinomial.sample_into(&mut stream(1, "panic"), 5, &mut [0; 2]);
}

// ---------------------------------------------------------------------------
// Parameters and degenerate cases

fn bad<T: core::fmt::Debug>(result: Result<T, ParameterError>) -> &'static str {
    result.unwrap_err().parameter
}

#[test]
fn invalid_parameters_are_named() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    assert_eq!(bad(UniformRange::new(nan, 1.0)), "low");
    assert_eq!(bad(UniformRange::new(-inf, 1.0)), "low");
    assert_eq!(bad(UniformRange::new(0.0, 0.0)), "high");
    assert_eq!(bad(UniformRange::new(0.0, inf)), "high");
    assert_eq!(bad(UniformRange::new(-f64::MAX, f64::MAX)), "high");
    assert_eq!(bad(UniformInt::new(0)), "n");
    assert_eq!(bad(Bernoulli::new(1.5)), "p");
    assert_eq!(bad(Bernoulli::new(-0.1)), "p");
    assert_eq!(bad(Bernoulli::new(nan)), "p");
    assert_eq!(bad(Exponential::new(0.0)), "rate");
    assert_eq!(bad(Exponential::new(-1.0)), "rate");
    assert_eq!(bad(Exponential::new(inf)), "rate");
    assert_eq!(bad(Exponential::new(nan)), "rate");
    assert_eq!(bad(Normal::new(nan, 1.0)), "mean");
    assert_eq!(bad(Normal::new(inf, 1.0)), "mean");
    assert_eq!(bad(Normal::new(0.0, -1.0)), "sd");
    assert_eq!(bad(Normal::new(0.0, inf)), "sd");
    assert_eq!(bad(LogNormal::new(nan, 1.0)), "mu");
    assert_eq!(bad(LogNormal::new(0.0, -0.5)), "sigma");
    assert_eq!(bad(Poisson::new(-1.0)), "lambda");
    assert_eq!(bad(Poisson::new(nan)), "lambda");
    assert_eq!(bad(Poisson::new(inf)), "lambda");
    assert_eq!(bad(Poisson::new(1e20)), "lambda");
    assert_eq!(bad(Binomial::new(10, 1.5)), "p");
    assert_eq!(bad(Binomial::new(10, nan)), "p");
    assert_eq!(bad(Binomial::new(10, -0.0001)), "p");
    assert_eq!(bad(Multinomial::new(&[])), "categories");
    assert_eq!(bad(Multinomial::new(&[0.5, nan])), "probabilities");
    assert_eq!(bad(Multinomial::new(&[1.5, -0.5])), "probabilities");
    assert_eq!(bad(Multinomial::new(&[0.5, 0.4])), "sum of probabilities");
    assert_eq!(bad(Gamma::new(0.0, 1.0)), "shape");
    assert_eq!(bad(Gamma::new(nan, 1.0)), "shape");
    assert_eq!(bad(Gamma::new(1.0, -1.0)), "scale");
    assert_eq!(bad(Gamma::new(1.0, inf)), "scale");

    let error = Binomial::new(10, 1.5).unwrap_err();
    assert_eq!(error.distribution, "binomial");
    assert_eq!(error.value, 1.5);
    assert_eq!(
        error.to_string(),
        "binomial: p = 1.5 is invalid, expected a probability in [0, 1]"
    );
    let _: &dyn std::error::Error = &error;
}

#[test]
fn valid_edge_parameters_are_accepted() {
    assert!(UniformRange::new(-1e300, 1e300).is_ok());
    assert!(UniformInt::new(u64::MAX).is_ok());
    assert!(Bernoulli::new(0.0).is_ok() && Bernoulli::new(1.0).is_ok());
    assert!(Normal::new(0.0, 0.0).is_ok());
    assert!(Poisson::new(0.0).is_ok() && Poisson::new(4_503_599_627_370_496.0).is_ok());
    assert!(Binomial::new(u64::MAX, 1.0).is_ok());
    assert!(Multinomial::new(&[0.3, 0.7 + 5e-10]).is_ok());
    let poisson = Poisson::new(2.5).unwrap();
    assert_eq!(poisson.lambda(), 2.5);
    let binomial = Binomial::new(9, 0.25).unwrap();
    assert_eq!((binomial.n(), binomial.p()), (9, 0.25));
}

#[test]
fn certain_results_draw_nothing() {
    let mut rng = stream(1, "certain");
    for _ in 0..10 {
        assert!(Bernoulli::new(1.0).unwrap().sample(&mut rng));
        assert!(!Bernoulli::new(0.0).unwrap().sample(&mut rng));
        assert_eq!(Poisson::new(0.0).unwrap().sample(&mut rng), 0);
        assert_eq!(Binomial::new(0, 0.5).unwrap().sample(&mut rng), 0);
        assert_eq!(Binomial::new(12, 0.0).unwrap().sample(&mut rng), 0);
        assert_eq!(Binomial::new(12, 1.0).unwrap().sample(&mut rng), 12);
        assert_eq!(
            Binomial::new(u64::MAX, 1.0).unwrap().sample(&mut rng),
            u64::MAX
        );
        assert_eq!(Normal::new(3.0, 0.0).unwrap().sample(&mut rng), 3.0);
        assert_eq!(LogNormal::new(0.0, 0.0).unwrap().sample(&mut rng), 1.0);
    }
    assert_eq!(rng.word_position(), 0);
}

#[test]
fn extreme_parameters_finish() {
    let mut rng = stream(1, "extreme");
    let lambda = 4_503_599_627_370_496.0;
    let poisson = Poisson::new(lambda).unwrap();
    let binomial = Binomial::new(1 << 52, 0.5).unwrap();
    let tiny = Binomial::new(1 << 52, 1e-300).unwrap();
    let gamma = Gamma::new(1e-3, 1.0).unwrap();
    for _ in 0..100 {
        let k = poisson.sample(&mut rng) as f64;
        // Within 10 standard deviations.
        assert!((k - lambda).abs() < 10.0 * lambda.sqrt(), "{k}");
        assert!(binomial.sample(&mut rng) <= 1 << 52);
        assert!(tiny.sample(&mut rng) <= 1);
        assert!(gamma.sample(&mut rng) >= 0.0);
    }
}

// ---------------------------------------------------------------------------
// Properties

fn trials() -> impl Strategy<Value = u64> {
    prop_oneof![0..100u64, 0..1_000_000_000_000u64, any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn binomial_never_exceeds_n(n in trials(), p in 0.0..=1.0f64, seed in any::<u64>()) {
        let binomial = Binomial::new(n, p).unwrap();
        let mut rng = stream(seed, "binomial property");
        for _ in 0..4 {
            prop_assert!(binomial.sample(&mut rng) <= n);
        }
    }

    #[test]
    fn multinomial_counts_sum_to_n(
        weights in proptest::collection::vec(0.0..1.0f64, 1..8),
        n in trials(),
        seed in any::<u64>(),
    ) {
        let total: f64 = weights.iter().sum();
        prop_assume!(total > 0.0);
        let probabilities: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let multinomial = Multinomial::new(&probabilities).unwrap();
        let counts = multinomial.sample(&mut stream(seed, "multinomial property"), n);
        prop_assert_eq!(counts.iter().sum::<u64>(), n);
        for (count, p) in counts.iter().zip(&probabilities) {
            prop_assert!(*p > 0.0 || *count == 0);
        }
    }
}

/// `sample_binomial` is `Binomial::new(n, p)?.sample(rng)`, value for value
/// and uniform for uniform: both paths (inversion and BTRD), flipped and
/// not, the edges, and more trials than a chunk.
#[test]
fn sample_binomial_draws_what_the_struct_draws() {
    let cases = [
        (0u64, 0.3),
        (5, 0.0),
        (5, 1.0),
        (7, 0.2),
        (40, 0.9),
        (1_000, 1e-6),
        (1_000_000, 0.37),
        (3_000_000_000, 0.999),
        ((1u64 << 52) + 12_345, 0.25),
    ];
    for (i, &(n, p)) in cases.iter().enumerate() {
        let mut a = stream(i as u64, "binomial-once");
        let mut b = stream(i as u64, "binomial-once");
        let sampler = Binomial::new(n, p).unwrap();
        for _ in 0..50 {
            assert_eq!(
                sampler.sample(&mut a),
                sample_binomial(&mut b, n, p).unwrap()
            );
        }
        assert_eq!(a.uniform(), b.uniform(), "same uniforms used");
    }
    assert!(sample_binomial(&mut stream(1, "x"), 3, 1.5).is_err());
}

/// Issue 16: a Poisson mean of 1e300 was written in three hundred digits;
/// large and tiny values are written in scientific notation, the others
/// as they are.
#[test]
fn refused_values_are_written_to_be_read() {
    let message = Poisson::new(1e300).unwrap_err().to_string();
    assert!(message.contains("lambda = 1e300 is invalid"), "{message}");
    let message = Exponential::new(-2.5).unwrap_err().to_string();
    assert!(message.contains("= -2.5 is invalid"), "{message}");
    let message = Exponential::new(-1e-300).unwrap_err().to_string();
    assert!(message.contains("= -1e-300 is invalid"), "{message}");
}
