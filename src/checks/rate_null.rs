//! The spread of true station rates that `round-percent`'s null draws from.
//!
//! A station's count is k ~ Binomial(n, p) with its own true rate p, which is unknown.
//! Plugging in k/n adds the binomial noise a second time, so the null's percentages are
//! smoother than the data's: where every true rate sits on a multiple of 5% the null
//! expects too few round percentages, and between multiples too many (issue #13). Instead
//! the rates of a region are taken as logit-normal, logit p ~ N(μ_r, σ_r²), with the
//! region's mean and variance, both estimated with the binomial noise taken out (moments,
//! as in Kleinman 1973):
//!
//! - the spread is the intra-class correlation ρ (rate variance = ρ·m(1−m)), estimated from
//!   the within-region weighted sum of squares Σ n (k/n − m_r)², whose expectation under the
//!   beta-binomial is m_r(1−m_r)·[N_r − 1 + ρ·(Σn − N_r − Σn²/Σn + 1)] (it holds for any
//!   spread of rates with that variance);
//! - each region's own estimate of ρ is shrunk toward a spread common to all regions on the
//!   logit scale (ρ_r ≈ m_r(1−m_r)·s²), by how far the regions' estimates scatter beyond
//!   their sampling noise (empirical Bayes); see [`shrunk_rhos`];
//! - each region's mean m_r = Σk/Σn is shrunk toward the mean of the regions' means by
//!   the share of its variance that is between regions, so that many small regions of one
//!   true rate do not each get a noisy mean of their own;
//! - (μ_r, σ_r) are then solved for that mean and variance ([`LogitNormal::matching`]).
//!
//! Why logit-normal and not the beta of the same mean and variance (before 2026-12-07):
//! near 100% the count depends on the shape at the scale of one percent, and the beta's
//! shape there is not the rates' skewed one. On an independent probe's clean elections with
//! logit-normal rates near 95% (turnout) and 97% (the winner) the beta was off by about one
//! standard deviation of the count, rejecting 9–19 of 100 at 0.01; the logit-normal, 1–3.
//! A region whose rates fill a flat box a few points wide (a uniform compulsory turnout) is
//! neither: its edges put more rates near them than either shape does (docs/checks.md).
//!
//! Every parameter rests on many stations, so a station's own noise barely enters its null
//! (it moves its region's estimates by about 1/N_r: a bias well under one station per
//! region). Where the spread is wider than a few points every shape gives nearly the same
//! share, except near 0% and 100%, where the spread itself decides how many stations the
//! null puts at the end. Why not simpler fits:
//!
//! - a pooled rate per region (no spread) is right only for flat elections and wrong for
//!   ordinary ones, whose stations spread over many multiples of 5%;
//! - one ρ for all regions (before 2026-12-07) gave a region near 97% the spread of one
//!   near 50%, a beta with a pole at 100%: clean elections with landslide regions were
//!   rejected at 0.01 in 66 of 100 runs (95 of 100 with the winner near 97% nationally);
//! - a spread per region left unshrunk is noisy, and, clipped at 0, biases flat elections
//!   upward.
//!
//! Without a region column all stations form one region, so flat regions at different
//! rates are then seen as one wide spread.

use rayon::prelude::*;

use crate::stats::logit_normal::LogitNormal;

/// One region's sums over its stations.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    stations: f64,
    k: f64,
    n: f64,
    n2: f64,
    /// Σ n (k/n − mean)², filled in a second pass.
    squares: f64,
}

impl Sums {
    fn mean(&self) -> f64 {
        self.k / self.n
    }
}

/// The fitted null: each region's (shrunk) ρ and mean rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateNull {
    /// Intra-class correlation per region: 0 is a binomial with the region's rate.
    rhos: Vec<f64>,
    means: Vec<f64>,
    /// The logit-normal of each region's mean and variance.
    shapes: Vec<LogitNormal>,
}

/// ρ is kept below this (a beta with a + b ≥ 1/99).
const RHO_MAX: f64 = 0.99;

impl RateNull {
    /// Fits from (group, k, n) with n > 0 and k ≤ n; groups are `0..groups`.
    pub fn fit(obs: &[(usize, u64, u64)], groups: usize) -> RateNull {
        let sums = group_sums(obs, groups);
        let rhos = shrunk_rhos(&sums);
        let means = shrunk_means(&sums, &rhos);
        let shapes = means
            .par_iter()
            .zip(&rhos)
            .map(|(&m, &rho)| LogitNormal::matching(m, rho))
            .collect();
        RateNull {
            rhos,
            means,
            shapes,
        }
    }

    /// The null's intra-class correlation in `group`.
    #[cfg(test)]
    pub fn rho(&self, group: usize) -> f64 {
        self.rhos[group]
    }

    /// The null's mean rate of `group`.
    #[cfg(test)]
    pub fn mean(&self, group: usize) -> f64 {
        self.means[group]
    }

    /// The null's spread of rates in `group`.
    pub fn shape(&self, group: usize) -> LogitNormal {
        self.shapes[group]
    }
}

/// Each observation's chance of landing in a set under the fitted null:
/// `prob(n, the spreads of rates of the groups with stations of size n)`, one chance per
/// spread, computed once per (n, group) pair. Observations are (group, k, n) with n > 0
/// and k ≤ n.
pub(crate) fn chances(
    obs: &[(usize, u64, u64)],
    prob: impl Fn(u64, &[LogitNormal]) -> Vec<f64> + Sync,
) -> Vec<f64> {
    let groups = obs.iter().map(|o| o.0 + 1).max().unwrap_or(1);
    let null = RateNull::fit(obs, groups);
    let mut keys: Vec<(u64, usize)> = obs.iter().map(|&(g, _, n)| (n, g)).collect();
    keys.par_sort_unstable();
    keys.dedup();
    let runs: Vec<&[(u64, usize)]> = keys.chunk_by(|a, b| a.0 == b.0).collect();
    let probs: Vec<f64> = runs
        .par_iter()
        .flat_map_iter(|run| {
            let shapes: Vec<LogitNormal> = run.iter().map(|&(_, g)| null.shape(g)).collect();
            prob(run[0].0, &shapes)
        })
        .collect();
    obs.par_iter()
        .map(|&(g, _, n)| probs[keys.binary_search(&(n, g)).expect("every pair has a key")])
        .collect()
}

/// The group of station `i`: its region + 1, or 0 without one.
pub(crate) fn group_of(region: Option<u32>) -> usize {
    region.map_or(0, |r| r as usize + 1)
}

fn group_sums(obs: &[(usize, u64, u64)], groups: usize) -> Vec<Sums> {
    let mut sums = vec![Sums::default(); groups];
    for &(g, k, n) in obs {
        let (k, n) = (k as f64, n as f64);
        let s = &mut sums[g];
        s.stations += 1.0;
        s.k += k;
        s.n += n;
        s.n2 += n * n;
    }
    // A second pass: Σk²/n − m²Σn would cancel.
    for &(g, k, n) in obs {
        let s = &mut sums[g];
        let d = k as f64 / n as f64 - s.mean();
        s.squares += n as f64 * d * d;
    }
    sums
}

impl Sums {
    /// The moment estimate's pieces: its numerator (the excess of the weighted sum of
    /// squares over the binomial's), its scale (ρ = excess ÷ scale), and the binomial
    /// variance m(1 − m). `None` where the region has fewer than 2 stations or a mean of 0
    /// or 1, which says nothing about the spread.
    fn excess(&self) -> Option<(f64, f64, f64)> {
        let m = self.mean();
        let usable = self.stations >= 2.0 && m > 0.0 && m < 1.0;
        let scale = self.n - self.stations - self.n2 / self.n + 1.0;
        (usable && scale > 0.0).then(|| {
            (
                self.squares / (m * (1.0 - m)) - (self.stations - 1.0),
                scale,
                m * (1.0 - m),
            )
        })
    }

    /// The approximate sampling variance of the region's own estimate of ρ at the true
    /// `rho`: each station's term is about (1 + (n − 1)ρ)·χ²₁, of variance twice its scale
    /// squared, so Var ≈ 2·Σ(1 + (n − 1)ρ)² ÷ scale².
    fn rho_variance(&self, rho: f64, scale: f64) -> f64 {
        let a = 1.0 - rho;
        let sum = a * a * self.stations + 2.0 * a * rho * self.n + rho * rho * self.n2;
        2.0 * sum / (scale * scale)
    }
}

/// Each region's ρ: its own moment estimate, shrunk (empirical Bayes) toward a spread
/// common to all regions on the logit scale. A logit spread s gives a rate variance of
/// about (m(1 − m)·s)², so ρ ≈ m(1 − m)·s², and one s² is pooled from every region's
/// excess. One ρ on the rate scale would give a region of rates near 97% the spread of a
/// region near 50%: a beta with a pole at 100%, which expected far too many stations near
/// it and flagged two thirds of clean landslides. The weight of a region's own estimate is
/// τ² ÷ (τ² + its sampling variance), τ² being the regions' spread about the pooled
/// prediction beyond their sampling noise, so a flat election (every true ρ = 0) keeps the
/// pooled value, unbiased by clipping each noisy estimate at 0. With one region it is that
/// region's own estimate.
fn shrunk_rhos(sums: &[Sums]) -> Vec<f64> {
    let parts: Vec<Option<(f64, f64, f64)>> = sums.iter().map(Sums::excess).collect();
    let (excess, weight) = parts
        .iter()
        .flatten()
        .fold((0.0, 0.0), |(e, w), &(x, sc, v)| (e + x, w + v * sc));
    let common = if weight > 0.0 {
        (excess / weight).max(0.0)
    } else {
        0.0
    };
    let prior = |v: f64| (common * v).min(RHO_MAX);
    let own: Vec<Option<(f64, f64, f64)>> = sums
        .iter()
        .zip(&parts)
        .map(|(s, p)| p.map(|(x, sc, v)| (x / sc, prior(v), s.rho_variance(prior(v), sc))))
        .collect();
    let used: Vec<&(f64, f64, f64)> = own.iter().flatten().collect();
    let tau2 = if used.len() >= 2 {
        let d = used.iter().map(|&&(r, r0, var)| (r - r0).powi(2) - var);
        (d.sum::<f64>() / used.len() as f64).max(0.0)
    } else {
        f64::INFINITY
    };
    sums.iter()
        .zip(own)
        .map(|(s, o)| match o {
            Some((r, r0, var)) => {
                let w = if tau2.is_infinite() {
                    1.0
                } else {
                    tau2 / (tau2 + var)
                };
                (r0 + w * (r - r0)).clamp(0.0, RHO_MAX)
            }
            None => {
                let m = s.mean();
                prior(if m > 0.0 && m < 1.0 {
                    m * (1.0 - m)
                } else {
                    0.0
                })
            }
        })
        .collect()
}

/// Each region's mean shrunk toward the mean of the regions' means by
/// σ²_between / (σ²_between + its sampling variance); with one region, its own mean.
fn shrunk_means(sums: &[Sums], rhos: &[f64]) -> Vec<f64> {
    // Var(Σk/Σn) under the region's beta-binomial: m(1−m)·Σ n(1 + (n−1)ρ) / (Σn)².
    let sampling = |s: &Sums, rho: f64| {
        let m = s.mean();
        m * (1.0 - m) * (s.n + rho * (s.n2 - s.n)) / (s.n * s.n)
    };
    let used: Vec<(f64, f64)> = sums
        .iter()
        .zip(rhos)
        .filter(|(s, _)| s.n > 0.0)
        .map(|(s, &rho)| (s.mean(), sampling(s, rho)))
        .collect();
    let r = used.len() as f64;
    let (centre, between) = if used.len() >= 2 {
        let centre = used.iter().map(|u| u.0).sum::<f64>() / r;
        let spread = used.iter().map(|u| (u.0 - centre).powi(2)).sum::<f64>() / (r - 1.0);
        let noise = used.iter().map(|u| u.1).sum::<f64>() / r;
        (centre, (spread - noise).max(0.0))
    } else {
        let total = sums.iter().fold((0.0, 0.0), |(k, n), s| (k + s.k, n + s.n));
        (total.0 / total.1, f64::INFINITY)
    };
    sums.iter()
        .zip(rhos)
        .map(|(s, &rho)| {
            if s.n == 0.0 {
                return centre;
            }
            let v = sampling(s, rho);
            let weight = if between.is_infinite() {
                1.0
            } else {
                between / (between + v)
            };
            if weight.is_nan() {
                centre
            } else {
                centre + weight * (s.mean() - centre)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_counts_give_no_spread_and_one_region_its_own_mean() {
        // Every station 50 of 100: no spread beyond the binomial (estimate clamps to 0).
        let obs: Vec<_> = (0..200).map(|_| (0, 50, 100)).collect();
        let fit = RateNull::fit(&obs, 1);
        assert_eq!(fit.rho(0), 0.0);
        assert_eq!(fit.mean(0), 0.5);
    }
}
