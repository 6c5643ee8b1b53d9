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
    let obs = &bloc_groups(obs);
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

/// Stations a bloc needs, and the least share of its region, to be fitted on its own.
const MIN_BLOC_STATIONS: usize = 50;
const MIN_BLOC_SHARE: f64 = 0.1;
/// How far apart two blocs' centres must be, in their larger spread (logit scale): a
/// mixture that far apart has a deep trough between its peaks, which one region's
/// rates spread around one centre never show.
const BLOC_SEPARATION: f64 = 4.0;
/// Rounds of splitting: a region splits into up to 2^rounds blocs.
const BLOC_ROUNDS: usize = 2;

/// The observations with each region that holds separate voting blocs (a mixed region
/// where the winner takes 80% in one community and 20% in the other) split into one
/// group per bloc. One logit-normal per region cannot draw two narrow peaks: it takes
/// their mean and variance, and where the peaks fall against the multiples of 5% then
/// moves the count by many standard deviations (an independent probe flagged 31 of 31
/// such clean elections at p < 1e-4). A bloc is found by a two-component normal mixture
/// on the stations' logit rates; rounding a rate to a multiple of 5% moves it by under
/// 2.5 points, so it does not build or move a bloc that far apart.
fn bloc_groups(obs: &[(usize, u64, u64)]) -> Vec<(usize, u64, u64)> {
    let mut out = obs.to_vec();
    for _ in 0..BLOC_ROUNDS {
        let groups = out.iter().map(|o| o.0 + 1).max().unwrap_or(0);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups];
        for (i, o) in out.iter().enumerate() {
            members[o.0].push(i);
        }
        let mut next = groups;
        let mut split = false;
        for idx in &members {
            let x: Vec<f64> = idx
                .iter()
                .map(|&i| logit_rate(out[i].1, out[i].2))
                .collect();
            let Some(cut) = bloc_cut(&x) else { continue };
            for (&i, &xi) in idx.iter().zip(&x) {
                if xi > cut {
                    out[i].0 = next;
                }
            }
            next += 1;
            split = true;
        }
        if !split {
            break;
        }
    }
    out
}

/// A station's empirical logit rate, kept finite at 0 and n.
fn logit_rate(k: u64, n: u64) -> f64 {
    let p = (k as f64 + 0.5) / (n as f64 + 1.0);
    (p / (1.0 - p)).ln()
}

/// Where to cut `x` into two blocs, if a two-component normal mixture fitted to it has
/// components far enough apart, each with enough stations; `None` otherwise.
fn bloc_cut(x: &[f64]) -> Option<f64> {
    if x.len() < 2 * MIN_BLOC_STATIONS {
        return None;
    }
    let [(w1, m1, s1), (w2, m2, s2)] = two_normals(x);
    let apart = (m2 - m1) >= BLOC_SEPARATION * s1.max(s2);
    let n = x.len() as f64;
    let big = |w: f64| w >= MIN_BLOC_SHARE && w * n >= MIN_BLOC_STATIONS as f64;
    (apart && big(w1) && big(w2)).then(|| m1 + (m2 - m1) * s1 / (s1 + s2))
}

/// A two-component normal mixture by EM, started at the quartiles: (weight, mean, sd)
/// of each, the lower mean first.
fn two_normals(x: &[f64]) -> [(f64, f64, f64); 2] {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |f: f64| sorted[((sorted.len() - 1) as f64 * f) as usize];
    let spread = ((q(0.75) - q(0.25)) / 2.0).max(1e-3);
    let mut comp = [(0.5, q(0.25), spread), (0.5, q(0.75), spread)];
    for _ in 0..50 {
        let mut acc = [(0.0, 0.0, 0.0); 2];
        for &xi in x {
            let dens = comp.map(|(w, m, s)| w * (-0.5 * ((xi - m) / s).powi(2)).exp() / s);
            let total = dens[0] + dens[1];
            if total <= 0.0 || !total.is_finite() {
                continue;
            }
            for c in 0..2 {
                let r = dens[c] / total;
                acc[c] = (acc[c].0 + r, acc[c].1 + r * xi, acc[c].2 + r * xi * xi);
            }
        }
        for c in 0..2 {
            let (r, sx, sxx) = acc[c];
            if r <= 0.0 {
                return comp;
            }
            let m = sx / r;
            let s = (sxx / r - m * m).max(1e-6).sqrt();
            comp[c] = (r / x.len() as f64, m, s);
        }
    }
    comp.sort_by(|a, b| a.1.total_cmp(&b.1));
    comp
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

    /// Stations of 1,000 voters at logit rates `centre + sd·z`, z from a fixed normal
    /// sequence (no randomness: the quantiles of a normal).
    fn bloc(group: usize, centre: f64, sd: f64, stations: usize) -> Vec<(usize, u64, u64)> {
        (0..stations)
            .map(|i| {
                let u = (i as f64 + 0.5) / stations as f64;
                let z = statrs::function::erf::erf_inv(2.0 * u - 1.0) * std::f64::consts::SQRT_2;
                let p = 1.0 / (1.0 + (-(centre + sd * z)).exp());
                (group, (p * 1000.0).round() as u64, 1000)
            })
            .collect()
    }

    #[test]
    fn separate_voting_blocs_in_a_region_are_fitted_apart_and_one_peak_is_not() {
        // Region 0: blocs at 20% and 80% (logit ±1.39, sd 0.1); region 1: one peak.
        let mut obs = bloc(0, -1.386, 0.1, 300);
        obs.extend(bloc(0, 1.386, 0.1, 500));
        obs.extend(bloc(1, 0.4, 0.5, 800));
        let out = bloc_groups(&obs);
        let groups: Vec<usize> = out.iter().map(|o| o.0).collect();
        assert!(groups[..300].iter().all(|&g| g == 0));
        assert!(groups[300..800].iter().all(|&g| g == 2));
        assert!(groups[800..].iter().all(|&g| g == 1));
        // Town and country a spread apart, or a skewed peak, stay one region.
        let mut near = bloc(0, -0.3, 0.3, 400);
        near.extend(bloc(0, 0.3, 0.3, 400));
        assert!(bloc_groups(&near).iter().all(|o| o.0 == 0));
        // A small bloc (5% of the region) stays with it.
        let mut small = bloc(0, 0.0, 0.3, 950);
        small.extend(bloc(0, 3.0, 0.1, 50));
        assert!(bloc_groups(&small).iter().all(|o| o.0 == 0));
    }

    #[test]
    fn binomial_counts_give_no_spread_and_one_region_its_own_mean() {
        // Every station 50 of 100: no spread beyond the binomial (estimate clamps to 0).
        let obs: Vec<_> = (0..200).map(|_| (0, 50, 100)).collect();
        let fit = RateNull::fit(&obs, 1);
        assert_eq!(fit.rho(0), 0.0);
        assert_eq!(fit.mean(0), 0.5);
    }
}
