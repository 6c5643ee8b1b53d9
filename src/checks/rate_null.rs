//! The spread of true station rates that `round-percent`'s null draws from.
//!
//! A station's count is k ~ Binomial(n, p) with its own true rate p, which is unknown.
//! Plugging in k/n adds the binomial noise a second time, so the null's percentages are
//! smoother than the data's: where every true rate sits on a multiple of 5% the null
//! expects too few round percentages, and between multiples too many (issue #13). Instead
//! the rates of a region are taken as p ~ Beta with the region's mean and one spread for
//! all regions, both estimated from every station of the subject with the binomial noise
//! taken out (moments, as in Kleinman 1973):
//!
//! - the spread is the intra-class correlation ρ (rate variance = ρ·m(1−m)), pooled from the
//!   within-region weighted sums of squares Σ n (k/n − m_r)², whose expectation under the
//!   beta-binomial is m_r(1−m_r)·[N_r − 1 + ρ·(Σn − N_r − Σn²/Σn + 1)]; below 0 it is 0;
//! - each region's mean m_r = Σk/Σn is shrunk toward the mean of the regions' means by
//!   the share of its variance that is between regions (empirical Bayes), so that many
//!   small regions of one true rate do not each get a noisy mean of their own.
//!
//! Every parameter rests on many stations, so a station's own noise barely enters its null
//! (it moves its region's estimates by about 1/N_r: a bias well under one station per
//! region). A beta of the right mean and variance is not the true shape, but the count only
//! depends on the shape at the scale of 5 points where the spread is that narrow; where it
//! is wider every shape gives nearly the same share. Why not simpler or freer fits:
//!
//! - a pooled rate per region (no spread) is right only for flat elections and wrong for
//!   ordinary ones, whose stations spread over many multiples of 5%;
//! - a spread per region is noisier, and, clipped at 0, biases flat elections upward;
//!   on Russia 2012 it gives nearly the same z as the pooled one (turnout 2.1 against 2.3,
//!   winner's share 3.7 against 3.6), while a common spread on the logit scale gives 1.8
//!   and 2.3: in regions of extreme rates the shape assumed still matters at that level.
//!
//! Without a region column all stations form one region, so flat regions at different
//! rates are then seen as one wide spread.

use rayon::prelude::*;

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

/// The fitted null: ρ and each region's (shrunk) mean rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateNull {
    /// Intra-class correlation: 0 is a binomial with the region's rate.
    pub rho: f64,
    means: Vec<f64>,
}

/// ρ is kept below this (a beta with a + b ≥ 1/99).
const RHO_MAX: f64 = 0.99;

impl RateNull {
    /// Fits from (group, k, n) with n > 0 and k ≤ n; groups are `0..groups`.
    pub fn fit(obs: &[(usize, u64, u64)], groups: usize) -> RateNull {
        let sums = group_sums(obs, groups);
        let rho = pooled_rho(&sums);
        let means = shrunk_means(&sums, rho);
        RateNull { rho, means }
    }

    /// The null's mean rate of `group`.
    pub fn mean(&self, group: usize) -> f64 {
        self.means[group]
    }
}

/// Each observation's chance of landing in a set under the fitted null:
/// `prob(n, mean rate, ρ)`, computed once per (group, n) pair. Observations are
/// (group, k, n) with n > 0 and k ≤ n.
pub(crate) fn chances(
    obs: &[(usize, u64, u64)],
    prob: impl Fn(u64, f64, f64) -> f64 + Sync,
) -> Vec<f64> {
    let groups = obs.iter().map(|o| o.0 + 1).max().unwrap_or(1);
    let null = RateNull::fit(obs, groups);
    let mut keys: Vec<(usize, u64)> = obs.iter().map(|&(g, _, n)| (g, n)).collect();
    keys.par_sort_unstable();
    keys.dedup();
    let probs: Vec<f64> = keys
        .par_iter()
        .map(|&(g, n)| prob(n, null.mean(g), null.rho))
        .collect();
    obs.par_iter()
        .map(|&(g, _, n)| probs[keys.binary_search(&(g, n)).expect("every pair has a key")])
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

/// The moment estimate of ρ from the within-region sums of squares, pooled over regions.
fn pooled_rho(sums: &[Sums]) -> f64 {
    let (mut excess, mut scale) = (0.0, 0.0);
    for s in sums.iter().filter(|s| s.stations >= 2.0) {
        let m = s.mean();
        if m > 0.0 && m < 1.0 {
            excess += s.squares / (m * (1.0 - m)) - (s.stations - 1.0);
            scale += s.n - s.stations - s.n2 / s.n + 1.0;
        }
    }
    if scale > 0.0 {
        (excess / scale).clamp(0.0, RHO_MAX)
    } else {
        0.0
    }
}

/// Each region's mean shrunk toward the mean of the regions' means by
/// σ²_between / (σ²_between + its sampling variance); with one region, its own mean.
fn shrunk_means(sums: &[Sums], rho: f64) -> Vec<f64> {
    let used: Vec<&Sums> = sums.iter().filter(|s| s.n > 0.0).collect();
    let total: Sums = used.iter().fold(Sums::default(), |a, s| Sums {
        k: a.k + s.k,
        n: a.n + s.n,
        ..a
    });
    let m = total.mean();
    // Var(Σk/Σn) under the beta-binomial: m(1−m)·Σ n(1 + (n−1)ρ) / (Σn)².
    let sampling = |s: &Sums| m * (1.0 - m) * (s.n + rho * (s.n2 - s.n)) / (s.n * s.n);
    let r = used.len() as f64;
    let (centre, between) = if used.len() >= 2 {
        let centre = used.iter().map(|s| s.mean()).sum::<f64>() / r;
        let spread = used
            .iter()
            .map(|s| (s.mean() - centre).powi(2))
            .sum::<f64>()
            / (r - 1.0);
        let noise = used.iter().map(|s| sampling(s)).sum::<f64>() / r;
        (centre, (spread - noise).max(0.0))
    } else {
        (m, f64::INFINITY)
    };
    sums.iter()
        .map(|s| {
            if s.n == 0.0 {
                return centre;
            }
            let v = sampling(s);
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
        assert_eq!(fit.rho, 0.0);
        assert_eq!(fit.mean(0), 0.5);
    }
}
