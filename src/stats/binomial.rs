//! The exact two-sided binomial test.

use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

/// Relative tolerance scipy uses when it compares point probabilities (`1 + 1e-7`),
/// so that terms equal to `pmf(k)` up to rounding count as "as extreme".
const PMF_TIE_TOLERANCE: f64 = 1e-7;

/// Exact two-sided binomial test of `k` successes in `n` trials against probability `p`.
///
/// The p-value is the total probability of the outcomes no more likely than `k`
/// (`pmf(x) <= pmf(k) * (1 + 1e-7)`), the definition of `scipy.stats.binomtest`.
/// The outcomes on the far side of the mode are found by binary search on the
/// unimodal pmf, and both tails come from the regularised incomplete beta function,
/// so the cost is O(log n) and tiny p-values keep their precision.
///
/// Returns 1 when `n == 0`, and NaN when `k > n` or `p` is not in `[0, 1]`.
pub fn binom_test_two_sided(k: u64, n: u64, p: f64) -> f64 {
    if k > n || p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if n == 0 {
        return 1.0;
    }
    if p == 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if p == 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    let Ok(dist) = Binomial::new(p, n) else {
        return f64::NAN;
    };
    let np = n as f64 * p;
    let kf = k as f64;
    if kf == np {
        return 1.0;
    }
    let threshold = dist.ln_pmf(k) + PMF_TIE_TOLERANCE.ln_1p();
    let as_extreme = |x: u64| dist.ln_pmf(x) <= threshold;
    let pval = if kf < np {
        // The pmf does not increase on [ceil(np), n]: find the first x there that is as extreme.
        let mut lo = (np.ceil() as u64).min(n);
        let mut hi = n;
        if !as_extreme(hi) {
            dist.cdf(k)
        } else {
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if as_extreme(mid) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            // P(X <= k) + P(X >= lo)
            dist.cdf(k) + dist.sf(lo - 1)
        }
    } else {
        // The pmf does not decrease on [0, floor(np)]: find the last x there that is as extreme.
        let mut lo = 0;
        let mut hi = (np.floor() as u64).min(n);
        if !as_extreme(0) {
            dist.sf(k - 1)
        } else {
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if as_extreme(mid) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            // P(X <= lo) + P(X >= k); k > np >= 0 so k >= 1.
            dist.cdf(lo) + dist.sf(k - 1)
        }
    };
    pval.min(1.0)
}
