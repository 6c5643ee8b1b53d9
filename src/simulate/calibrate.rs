//! Centres of the link-scale means, chosen so that the national figures land on the
//! targets given the regions' drawn effects. Computed on fixed quadrature rules, never
//! on the simulation's own draws, so the centres do not chase noise.

use rand::RngExt as _;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use super::draw::logistic;
use crate::montecarlo::batch_rng;

/// Nodes and weights of a normal expectation: the trapezoid rule on a fine grid, which
/// converges geometrically for smooth integrands against the Gaussian weight.
fn normal_rule(sd: f64) -> Vec<(f64, f64)> {
    if sd == 0.0 {
        return vec![(0.0, 1.0)];
    }
    const H: f64 = 0.1;
    const HALF_WIDTH: i32 = 90; // nodes out to ±9 sd
    let raw: Vec<(f64, f64)> = (-HALF_WIDTH..=HALF_WIDTH)
        .map(|k| {
            let z = f64::from(k) * H;
            (sd * z, (-0.5 * z * z).exp())
        })
        .collect();
    let total: f64 = raw.iter().map(|(_, w)| w).sum();
    raw.into_iter().map(|(x, w)| (x, w / total)).collect()
}

/// Expected turnout E[logistic(m + e)] with e on `rule`, and its derivative in m.
fn mean_turnout(m: f64, rule: &[(f64, f64)]) -> (f64, f64) {
    rule.iter().fold((0.0, 0.0), |(v, d), (x, w)| {
        let s = logistic(m + x);
        (v + w * s, d + w * s * (1.0 - s))
    })
}

/// The logit-turnout centre c with Σ_r w_r E[logistic(c + u_r + e)] = target, and each
/// region's expected turnout at that centre. `weights` sum to 1.
pub(crate) fn turnout_centre(
    target: f64,
    sd: f64,
    region_effects: &[f64],
    weights: &[f64],
) -> (f64, Vec<f64>) {
    let rule = normal_rule(sd);
    let national = |c: f64| {
        region_effects
            .iter()
            .zip(weights)
            .fold((0.0, 0.0), |(v, d), (u, w)| {
                let (t, dt) = mean_turnout(c + u, &rule);
                (v + w * t, d + w * dt)
            })
    };
    // Safeguarded Newton: the national turnout rises monotonically in c.
    let (mut lo, mut hi) = (-60.0_f64, 60.0_f64);
    let mut c = (target / (1.0 - target)).ln();
    for _ in 0..200 {
        let (v, d) = national(c);
        let f = v - target;
        if f.abs() < 1e-15 {
            break;
        }
        if f > 0.0 {
            hi = c;
        } else {
            lo = c;
        }
        let newton = c - f / d;
        c = if d > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if hi - lo < 1e-14 {
            break;
        }
    }
    let per_region = region_effects
        .iter()
        .map(|u| mean_turnout(c + u, &rule).0)
        .collect();
    (c, per_region)
}

/// Log-share centres μ with Σ_r ω_r E[softmax(μ + v_r + ε)] = shares, where ε has
/// independent N(0, sd²) components. The expectation runs over a Latin hypercube whose
/// permutations come from a fixed stream that does not depend on the run's seed: it is
/// exact for additive effects and close for the small interactions softmax adds.
pub(crate) fn share_centres(
    shares: &[f64],
    sd: f64,
    region_effects: &[Vec<f64>],
    weights: &[f64],
) -> Vec<f64> {
    let k = shares.len();
    let regions = region_effects.len();
    let points = if sd == 0.0 {
        1
    } else {
        (65_536 / regions.max(1)).clamp(256, 2048)
    };
    let eps = latin_hypercube(points, k, sd);
    // exp(v_r + ε_i), per region, point-major.
    let base: Vec<Vec<f64>> = region_effects
        .par_iter()
        .map(|v| {
            let mut out = Vec::with_capacity(points * k);
            for i in 0..points {
                for j in 0..k {
                    out.push((v[j] + eps[i * k + j]).exp());
                }
            }
            out
        })
        .collect();
    let mut mu: Vec<f64> = shares.iter().map(|s| s.ln()).collect();
    for _ in 0..500 {
        let a: Vec<f64> = mu.iter().map(|m| m.exp()).collect();
        let per_region: Vec<Vec<f64>> = base
            .par_iter()
            .map(|e| {
                let mut acc = vec![0.0; k];
                let mut row = vec![0.0; k];
                for chunk in e.chunks_exact(k) {
                    let mut total = 0.0;
                    for ((r, a), x) in row.iter_mut().zip(&a).zip(chunk) {
                        *r = a * x;
                        total += *r;
                    }
                    for (s, r) in acc.iter_mut().zip(&row) {
                        *s += r / total;
                    }
                }
                acc
            })
            .collect();
        let mut achieved = vec![0.0; k];
        for (acc, w) in per_region.iter().zip(weights) {
            for (s, x) in achieved.iter_mut().zip(acc) {
                *s += w * x / points as f64;
            }
        }
        let mut worst: f64 = 0.0;
        for ((m, target), got) in mu.iter_mut().zip(shares).zip(&achieved) {
            let step = (target / got).ln();
            worst = worst.max(step.abs());
            *m += step;
        }
        let mean = mu.iter().sum::<f64>() / k as f64;
        for m in &mut mu {
            *m -= mean;
        }
        if worst.is_nan() || worst <= 1e-13 {
            break;
        }
    }
    mu
}

/// `points` × `dims` standard normal scores times `sd`, point-major, one stratum per point
/// in every dimension.
fn latin_hypercube(points: usize, dims: usize, sd: f64) -> Vec<f64> {
    if points == 1 {
        return vec![0.0; dims];
    }
    let normal = Normal::standard();
    let scores: Vec<f64> = (0..points)
        .map(|i| sd * normal.inverse_cdf((i as f64 + 0.5) / points as f64))
        .collect();
    let mut out = vec![0.0; points * dims];
    for d in 0..dims {
        let mut rng = batch_rng(0, "simulate-calibration", d as u64);
        let mut perm: Vec<usize> = (0..points).collect();
        for i in (1..points).rev() {
            let j = rng.random_range(0..=i);
            perm.swap(i, j);
        }
        for (i, p) in perm.iter().enumerate() {
            out[i * dims + d] = scores[*p];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turnout_centre_without_noise_is_the_logit() {
        let (c, t) = turnout_centre(0.7, 0.0, &[0.0, 0.0], &[0.5, 0.5]);
        assert!((c - (0.7f64 / 0.3).ln()).abs() < 1e-12);
        assert!((t[0] - 0.7).abs() < 1e-14);
    }

    #[test]
    fn turnout_centre_hits_the_weighted_target() {
        let u = [-0.4, 0.1, 0.5];
        let w = [0.2, 0.5, 0.3];
        let (_, t) = turnout_centre(0.65, 0.5, &u, &w);
        let national: f64 = t.iter().zip(&w).map(|(a, b)| a * b).sum();
        assert!((national - 0.65).abs() < 1e-12, "{national}");
        assert!(t[0] < t[1] && t[1] < t[2]);
    }

    #[test]
    fn normal_rule_matches_a_known_expectation() {
        // E[exp(sZ)] = exp(s²/2)
        let rule = normal_rule(0.7);
        let m: f64 = rule.iter().map(|(x, w)| w * x.exp()).sum();
        assert!((m - (0.49f64 / 2.0).exp()).abs() < 1e-12, "{m}");
    }

    #[test]
    fn share_centres_are_log_shares_without_noise_and_lift_a_noisy_winner() {
        let shares = [0.6, 0.25, 0.1, 0.05];
        let effects = vec![vec![0.1, -0.2, 0.0, 0.3], vec![-0.1, 0.2, 0.1, -0.3]];
        let w = [0.4, 0.6];
        let mu = share_centres(&shares, 0.4, &effects, &w);
        // Without noise or regions the centres are the log shares, up to a constant.
        let plain = share_centres(&shares, 0.0, &[vec![0.0; 4]], &[1.0]);
        for (m, s) in plain.iter().zip(&shares) {
            assert!((m - plain[0] - (s / shares[0]).ln()).abs() < 1e-12);
        }
        // A noisy winner needs a higher centre than its plain log-ratio to keep its share.
        assert!(mu[0] - mu[1] > plain[0] - plain[1]);
    }
}
