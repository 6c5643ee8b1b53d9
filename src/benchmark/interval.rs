//! The Wilson score interval for a binomial proportion (Wilson 1927): the set of p whose
//! two-sided score test of k successes in n trials does not reject at level 1 − level.
//! Unlike the Wald interval it stays inside [0, 1] and keeps its coverage at 0 or n.

use statrs::distribution::{ContinuousCDF, Normal};

/// The 95% Wilson interval of `k` successes in `n` trials (`(0, 1)` when n = 0).
pub fn wilson_95(k: u64, n: u64) -> (f64, f64) {
    wilson(k, n, 0.95)
}

/// The Wilson interval at confidence `level`.
pub fn wilson(k: u64, n: u64, level: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = match Normal::new(0.0, 1.0) {
        Ok(normal) => normal.inverse_cdf(0.5 + level / 2.0),
        Err(_) => return (0.0, 1.0),
    };
    let (k, n) = (k as f64, n as f64);
    let z2 = z * z;
    let centre = (k + z2 / 2.0) / (n + z2);
    let half = z / (n + z2) * (k * (n - k) / n + z2 / 4.0).sqrt();
    // At 0 and n a bound is exactly 0 or 1; the formula leaves rounding dust.
    let low = if k == 0.0 { 0.0 } else { centre - half };
    let high = if k == n { 1.0 } else { centre + half };
    (low.max(0.0), high.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scipy 1.17:
    ///   python3 -c "from scipy.stats import binomtest
    ///   for k,n in [(0,20),(3,20),(20,20),(7,50),(1,1000)]:
    ///       ci=binomtest(k,n).proportion_ci(0.95,'wilson'); print(k,n,repr(ci.low),repr(ci.high))"
    #[test]
    fn matches_scipy() {
        for (k, n, lo, hi) in REFERENCE {
            let (a, b) = wilson_95(k, n);
            assert!((a - lo).abs() < 1e-9, "{k}/{n}: low {a} vs {lo}");
            assert!((b - hi).abs() < 1e-9, "{k}/{n}: high {b} vs {hi}");
        }
        assert_eq!(wilson_95(0, 0), (0.0, 1.0));
        assert_eq!(wilson_95(0, 20).0, 0.0);
        assert_eq!(wilson_95(20, 20).1, 1.0);
    }

    const REFERENCE: [(u64, u64, f64, f64); 5] = [
        (0, 20, 0.0, 0.16112515805281935),
        (3, 20, 0.05236874589621662, 0.3604188647407569),
        (20, 20, 0.8388748419471808, 1.0),
        (7, 50, 0.06950833427016292, 0.26186193710585537),
        (1, 1000, 0.00017654637062607809, 0.0056425585979579355),
    ];
}
