//! Tails fitted to Monte Carlo null replicates, so that p-values can go far below
//! the raw floor of 1/(B+1).
//!
//! A statistic that is zero when the null fit is not improved (a boundary parameter)
//! has a null distribution with an atom at zero and a continuous positive part. The
//! positive part is fitted with a gamma by maximum likelihood, and
//! `p = P(T > 0) · Q_gamma(t)`, the upper tail taken with `sf`.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF as _, Gamma};
use statrs::function::gamma::digamma;

/// Values at or below this count as the atom at zero.
pub const ZERO_ATOM: f64 = 1e-9;

/// A gamma fitted to null replicates, with an atom at zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaTail {
    /// Replicates in the fit.
    pub replicates: usize,
    /// Share of replicates at zero.
    pub zero_share: f64,
    pub shape: f64,
    pub scale: f64,
    /// Kolmogorov–Smirnov distance between the fitted mixture and the replicates.
    pub ks_distance: f64,
}

/// Gamma maximum-likelihood fit (location 0): returns `(shape, scale)`.
/// Solves `ln k − ψ(k) = ln(mean) − mean(ln x)` by bisection on `ln k`.
/// `None` with fewer than two distinct positive values.
pub fn gamma_mle(x: &[f64]) -> Option<(f64, f64)> {
    let pos: Vec<f64> = x
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if pos.len() < 2 {
        return None;
    }
    let n = pos.len() as f64;
    let mean = pos.iter().sum::<f64>() / n;
    let mean_ln = pos.iter().map(|v| v.ln()).sum::<f64>() / n;
    let s = mean.ln() - mean_ln;
    if s.is_nan() || s <= 1e-12 {
        return None;
    }
    // ln k − ψ(k) falls from +∞ to 0 as k grows.
    let g = |lk: f64| {
        let k = lk.exp();
        k.ln() - digamma(k) - s
    };
    let (mut lo, mut hi) = ((1e-4f64).ln(), (1e8f64).ln());
    if g(hi) > 0.0 || g(lo) < 0.0 {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let k = (0.5 * (lo + hi)).exp();
    Some((k, mean / k))
}

impl GammaTail {
    /// Fits the atom and the gamma to `null` replicates; `None` when fewer than two
    /// replicates are positive and distinct.
    pub fn fit(null: &[f64]) -> Option<GammaTail> {
        let finite: Vec<f64> = null.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            return None;
        }
        let zeros = finite.iter().filter(|v| **v <= ZERO_ATOM).count();
        let pos: Vec<f64> = finite.iter().copied().filter(|v| *v > ZERO_ATOM).collect();
        let (shape, scale) = gamma_mle(&pos)?;
        let mut tail = GammaTail {
            replicates: finite.len(),
            zero_share: zeros as f64 / finite.len() as f64,
            shape,
            scale,
            ks_distance: 0.0,
        };
        tail.ks_distance = tail.ks(&finite);
        Some(tail)
    }

    /// Upper tail `P(T ≥ t)` under the fitted mixture.
    pub fn sf(&self, t: f64) -> f64 {
        if t <= ZERO_ATOM {
            return 1.0;
        }
        let gamma_sf = Gamma::new(self.shape, 1.0 / self.scale)
            .map(|g| g.sf(t))
            .unwrap_or(1.0);
        ((1.0 - self.zero_share) * gamma_sf).clamp(0.0, 1.0)
    }

    /// Fitted CDF `P(T ≤ t)`.
    pub fn cdf(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 0.0;
        }
        if t <= ZERO_ATOM {
            return self.zero_share;
        }
        1.0 - self.sf(t)
    }

    /// Kolmogorov–Smirnov distance between the fitted CDF and the sample's: the
    /// largest gap at each distinct value, from the left and at the value (the atom
    /// at zero makes the fitted CDF jump there). Replicates at or below
    /// [`ZERO_ATOM`] are the atom, as in [`Self::fit`], so they count as zero: left
    /// distinct, a replicate of 1e-12 after one of 0 read as a gap of the atom's size.
    pub fn ks(&self, sample: &[f64]) -> f64 {
        let mut v: Vec<f64> = sample
            .iter()
            .filter(|x| x.is_finite())
            .map(|&x| if x <= ZERO_ATOM { 0.0 } else { x })
            .collect();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mut d: f64 = 0.0;
        let mut i = 0;
        while i < v.len() {
            let x = v[i];
            let mut j = i;
            while j < v.len() && v[j] == x {
                j += 1;
            }
            let left = if (0.0..=ZERO_ATOM).contains(&x) {
                0.0
            } else {
                self.cdf(x)
            };
            d = d
                .max((left - i as f64 / n).abs())
                .max((self.cdf(x) - j as f64 / n).abs());
            i = j;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: [f64; 12] = [0.8, 2.1, 3.5, 1.2, 5.9, 0.4, 2.8, 4.4, 1.9, 3.1, 7.2, 2.5];

    #[test]
    fn gamma_mle_matches_scipy() {
        // python3 -c "from scipy import stats; x=[0.8,2.1,3.5,1.2,5.9,0.4,2.8,4.4,1.9,3.1,7.2,2.5];
        //   a,l,s=stats.gamma.fit(x, floc=0, method='MLE'); print(repr(a), repr(s))"
        // 2.0686868736768385 1.4421386683963546
        let (k, s) = gamma_mle(&SAMPLE).unwrap();
        assert!((k / 2.068_686_873_676_838_5 - 1.0).abs() < 1e-9, "{k}");
        assert!((s / 1.442_138_668_396_354_6 - 1.0).abs() < 1e-9, "{s}");
    }

    #[test]
    fn tail_p_reaches_tiny_values() {
        let tail = GammaTail {
            replicates: 100,
            zero_share: 0.25,
            shape: 2.5,
            scale: 1.2,
            ks_distance: 0.0,
        };
        // python3 -c "from scipy.stats import gamma; print(repr(0.75*gamma.sf(60, 2.5, scale=1.2)))"
        // 3.963861270707414e-20
        let p = tail.sf(60.0);
        assert!((p / 3.963_861_270_707_414e-20 - 1.0).abs() < 1e-9, "{p}");
        // python3 -c "from scipy.stats import gamma; print(repr(0.75*gamma.sf(3.0, 2.5, scale=1.2)))"
        // 0.3119101402466309
        assert!((tail.sf(3.0) / 0.311_910_140_246_630_9 - 1.0).abs() < 1e-9);
        assert_eq!(tail.sf(0.0), 1.0);
    }

    #[test]
    fn atom_and_ks_distance() {
        let mut x = SAMPLE.to_vec();
        x.extend([0.0, 0.0, 0.0, 0.0]);
        let tail = GammaTail::fit(&x).unwrap();
        assert_eq!(tail.replicates, 16);
        assert!((tail.zero_share - 0.25).abs() < 1e-15);
        assert!((tail.shape / 2.068_686_873_676_838_5 - 1.0).abs() < 1e-9);
        assert!(
            tail.ks_distance > 0.0 && tail.ks_distance < 0.3,
            "{}",
            tail.ks_distance
        );
        assert!(GammaTail::fit(&[0.0, 0.0]).is_none());
    }

    /// The atom's replicates need not be exactly 0: any at or below ZERO_ATOM count as 0.
    #[test]
    fn ks_distance_matches_scipy_with_an_atom_of_near_zeros() {
        let mut x = SAMPLE.to_vec();
        x.extend([0.0, 0.0, 0.0, 0.0, 5e-10, -1e-12]);
        let tail = GammaTail::fit(&x).unwrap();
        assert!((tail.zero_share - 6.0 / 18.0).abs() < 1e-15);
        // python3 -c "from scipy import stats
        // s=[0.8,2.1,3.5,1.2,5.9,0.4,2.8,4.4,1.9,3.1,7.2,2.5]
        // a,l,sc=stats.gamma.fit(s,floc=0,method='MLE'); n=18; z=6/n; D=0.0
        // for idx,x in enumerate(sorted(s)):
        //   i=6+idx; F=z+(1-z)*stats.gamma.cdf(x,a,scale=sc); D=max(D,abs(F-i/n),abs(F-(i+1)/n))
        // print(repr(D))"
        // 0.07234304526770596
        let d = tail.ks_distance;
        assert!((d / 0.072_343_045_267_705_96 - 1.0).abs() < 1e-9, "{d}");
        assert!(GammaTail::fit(&[]).is_none());
    }
}
