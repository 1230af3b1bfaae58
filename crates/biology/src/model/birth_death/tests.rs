use super::*;
use cascade_kernel::distributions::Exponential;
use cascade_kernel::{Purpose, Seed};

const RATES: [LinearRates; 6] = [
    LinearRates {
        birth: 1.0,
        death: 0.5,
        emission: 0.3,
    },
    LinearRates {
        birth: 0.4,
        death: 0.9,
        emission: 0.2,
    },
    LinearRates {
        birth: 0.7,
        death: 0.7,
        emission: 0.0,
    },
    LinearRates {
        birth: 0.0,
        death: 0.3,
        emission: 0.5,
    },
    LinearRates {
        birth: 0.7,
        death: 0.3,
        emission: 7e-6,
    },
    LinearRates {
        birth: 0.095,
        death: 0.0,
        emission: 4e-3,
    },
];

/// `P(N(t) = k, no emission)` from one cell, by the forward equations
/// (RK4 on 0..=K cells).
fn forward(rates: &LinearRates, t: f64, cells: usize) -> Vec<f64> {
    let LinearRates {
        birth: b,
        death: d,
        emission: e,
    } = *rates;
    let derivative = |p: &[f64]| -> Vec<f64> {
        (0..p.len())
            .map(|k| {
                let k_f = k as f64;
                let mut x = -(b + d + e) * k_f * p[k];
                if k > 0 {
                    x += b * (k_f - 1.0) * p[k - 1];
                }
                if k + 1 < p.len() {
                    x += d * (k_f + 1.0) * p[k + 1];
                }
                x
            })
            .collect()
    };
    let mut p = vec![0.0; cells + 1];
    p[1] = 1.0;
    let steps = 4000;
    let h = t / steps as f64;
    for _ in 0..steps {
        let k1 = derivative(&p);
        let a: Vec<f64> = p.iter().zip(&k1).map(|(x, k)| x + 0.5 * h * k).collect();
        let k2 = derivative(&a);
        let a: Vec<f64> = p.iter().zip(&k2).map(|(x, k)| x + 0.5 * h * k).collect();
        let k3 = derivative(&a);
        let a: Vec<f64> = p.iter().zip(&k3).map(|(x, k)| x + h * k).collect();
        let k4 = derivative(&a);
        for i in 0..p.len() {
            p[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    p
}

#[test]
fn one_cell_law_solves_the_forward_equations() {
    for rates in &RATES {
        for t in [0.05, 0.7, 2.5] {
            let law = rates.one_cell(t);
            let p = forward(rates, t, 300);
            assert!(
                (law.extinct - p[0]).abs() < 1e-9,
                "{rates:?} t {t}: p0 {} vs {}",
                law.extinct,
                p[0]
            );
            for (k, &numeric) in p.iter().enumerate().take(40).skip(1) {
                let closed = law.survives * law.one_minus_q * libm::pow(law.q, (k - 1) as f64);
                assert!(
                    (closed - numeric).abs() < 1e-9,
                    "{rates:?} t {t} k {k}: {closed} vs {numeric}"
                );
            }
            assert!((law.one_minus_q - (1.0 - law.q)).abs() < 1e-12);
        }
    }
}

/// Long enough for e^(−γt) to underflow (γt up to 6,000): still a
/// distribution, and a growing line survives with probability 1 − d/b.
#[test]
fn without_emissions_the_law_is_a_probability_distribution() {
    for (b, d) in [(1.0, 0.5), (0.5, 1.0), (0.7, 0.7), (0.0, 0.4), (3.0, 0.0)] {
        let rates = LinearRates {
            birth: b,
            death: d,
            emission: 0.0,
        };
        if b > d {
            let law = rates.one_cell(2000.0);
            assert!(
                (law.survives - (1.0 - d / b)).abs() < 1e-12,
                "b {b} d {d}: {law:?}"
            );
        }
        for t in [1e-9, 0.01, 1.0, 30.0, 2000.0] {
            let law = rates.one_cell(t);
            let total = law.extinct + law.survives;
            assert!((total - 1.0).abs() < 1e-12, "b {b} d {d} t {t}: {total}");
        }
    }
}

/// A one-by-one simulation from `n` cells up to `t` days or the first
/// emission: (cells just before the emission, or at `t`; emission time).
fn one_by_one(rates: &LinearRates, n: u64, t: f64, rng: &mut RandomStream) -> (u64, Option<f64>) {
    let mut cells = n;
    let mut now = 0.0;
    let total = rates.total();
    loop {
        if cells == 0 {
            return (0, None);
        }
        now += Exponential::new(total * cells as f64).unwrap().sample(rng);
        if now > t {
            return (cells, None);
        }
        let u = rng.uniform() * total;
        if u < rates.birth {
            cells += 1;
        } else if u < rates.birth + rates.death {
            cells -= 1;
        } else {
            return (cells, Some(now));
        }
    }
}

fn ks(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

/// Two-sample Kolmogorov–Smirnov at α = 0.001 (c(α) = 1.95) on 4,000
/// samples each (conservative for discrete laws), fixed seeds.
const SAMPLES: usize = 4000;
const KS_CRITICAL: f64 = 1.95 * 0.022_360_68; // 1.95·√(2/4000)

#[test]
fn exact_draws_match_one_by_one_simulation() {
    let rates = LinearRates {
        birth: 1.0,
        death: 0.4,
        emission: 0.25,
    };
    let (n, t) = (6, 1.5);
    let mut rng = Seed::new(11).stream(Purpose::new("test.one_by_one"));
    let mut exact_rng = Seed::new(11).stream(Purpose::new("test.exact"));
    let (mut end_reference, mut end_exact) = (Vec::new(), Vec::new());
    let (mut time_reference, mut time_exact) = (Vec::new(), Vec::new());
    let (mut before_reference, mut before_exact) = (Vec::new(), Vec::new());
    while end_reference.len() < SAMPLES || before_reference.len() < SAMPLES {
        let (cells, emission) = one_by_one(&rates, n, f64::INFINITY, &mut rng);
        if emission.is_some() && before_reference.len() < SAMPLES {
            before_reference.push(cells as f64);
        }
        if time_reference.len() < SAMPLES {
            time_reference.push(emission.unwrap_or(f64::INFINITY));
        }
        let (cells, emission) = one_by_one(&rates, n, t, &mut rng);
        if emission.is_none() && end_reference.len() < SAMPLES {
            end_reference.push(cells as f64);
        }
    }
    for _ in 0..SAMPLES {
        end_exact.push(rates.count_without_emission(n, t, &mut exact_rng).unwrap() as f64);
        time_exact.push(
            rates
                .next_emission(n, &mut exact_rng)
                .unwrap_or(f64::INFINITY),
        );
    }
    while before_exact.len() < SAMPLES {
        if let Some(at) = rates.next_emission(n, &mut exact_rng) {
            before_exact.push(rates.count_before_emission(n, at, &mut exact_rng).unwrap() as f64);
        }
    }
    for (name, reference, exact) in [
        ("cells at t given no emission", end_reference, end_exact),
        ("time of the first emission", time_reference, time_exact),
        (
            "cells just before the first emission",
            before_reference,
            before_exact,
        ),
    ] {
        let d = ks(reference, exact);
        assert!(d < KS_CRITICAL, "{name}: D {d} ≥ {KS_CRITICAL}");
    }
}

#[test]
fn next_emission_inverts_the_survival_function() {
    // Φ(T)ⁿ = U for the U the draw used.
    for rates in RATES.iter().filter(|r| r.emission > 0.0) {
        for n in [1, 7, 1000, 1_000_000_000] {
            let mut rng = Seed::new(3).stream(Purpose::new("test.inversion"));
            let mut copy = Seed::new(3).stream(Purpose::new("test.inversion"));
            let Some(t) = rates.next_emission(n, &mut rng) else {
                continue;
            };
            let u = copy.uniform_nonzero();
            let law = rates.one_cell(t);
            let log_no_emission = n as f64 * libm::log(law.extinct + law.survives);
            let relative = (log_no_emission - libm::log(u)).abs() / libm::log(u).abs();
            assert!(
                relative < 1e-6,
                "{rates:?} n {n}: {log_no_emission} vs {}",
                libm::log(u)
            );
        }
    }
}

#[test]
fn large_clones_keep_their_mean() {
    // E[N(t); no emission] = n·(s/(1 − q)); given no emission, the mean
    // count over n lines.
    let rates = LinearRates {
        birth: 0.7,
        death: 0.3,
        emission: 7e-6,
    };
    let (n, t) = (1_000_000_000_u64, 0.1);
    let law = rates.one_cell(t);
    let mean = n as f64 * law.survives / law.one_minus_q / (law.extinct + law.survives);
    let mut rng = Seed::new(5).stream(Purpose::new("test.large"));
    let draws: Vec<f64> = (0..200)
        .map(|_| rates.count_without_emission(n, t, &mut rng).unwrap() as f64)
        .collect();
    let average = draws.iter().sum::<f64>() / draws.len() as f64;
    // The sd of one draw is about √(n·1.0·0.1) ≈ 1e4; of the average ≈ 7e2.
    assert!((average - mean).abs() < 5e3, "{average} vs {mean}");
    assert!((mean / n as f64 - libm::exp(0.4 * 0.1)).abs() < 1e-5);
}

#[test]
fn clones_of_a_quadrillion_cells_keep_the_law_of_the_process() {
    // 10¹⁵ cells over 5 days at b = 0.7, d = 0.3: the negative binomial's
    // Poisson mean is about 7×10¹⁵, past the kernel's Poisson sampler
    // (2⁵²), which once stopped the run with a typed error. The count has
    // the classical moments of the linear birth–death process (no
    // emission): mean n·e^(rt), variance n·(b + d)/(b − d)·e^(rt)(e^(rt) − 1).
    let rates = LinearRates {
        birth: 0.7,
        death: 0.3,
        emission: 0.0,
    };
    let (n, t) = (1_000_000_000_000_000_u64, 5.0);
    let growth = libm::exp(0.4 * t);
    let mean = n as f64 * growth;
    let variance = n as f64 * (1.0 / 0.4) * growth * (growth - 1.0);
    let mut rng = Seed::new(6).stream(Purpose::new("test.huge"));
    let draws: Vec<f64> = (0..400)
        .map(|_| rates.count_without_emission(n, t, &mut rng).unwrap() as f64)
        .collect();
    let average = draws.iter().sum::<f64>() / draws.len() as f64;
    let spread = draws
        .iter()
        .map(|x| (x - average) * (x - average))
        .sum::<f64>()
        / 399.0;
    // The sd of the average is √(variance/400) ≈ 1.4×10⁷: 5 of them.
    let tolerance = 5.0 * (variance / 400.0).sqrt();
    assert!((average - mean).abs() < tolerance, "{average} vs {mean}");
    // The sample variance of 400 normal-like draws has relative sd
    // √(2/399) ≈ 7%: within 25% (3.5 sd).
    assert!(
        (spread / variance - 1.0).abs() < 0.25,
        "{spread} vs {variance}"
    );
}
