//! Pearson's chi-square goodness of fit and the effect sizes built on it.

/// Pearson's chi-square `sum (O - E)^2 / E` of observed counts against expected counts.
///
/// Classes with `E = 0` and `O = 0` add nothing. Returns `None` when the slices differ in
/// length, an expected count is negative or not finite, or a class with `E = 0` was observed.
pub fn pearson_chi2(observed: &[u64], expected: &[f64]) -> Option<f64> {
    if observed.len() != expected.len() {
        return None;
    }
    let mut chi2 = 0.0;
    for (&o, &e) in observed.iter().zip(expected) {
        if !e.is_finite() || e < 0.0 {
            return None;
        }
        if e == 0.0 {
            if o > 0 {
                return None;
            }
            continue;
        }
        let d = o as f64 - e;
        chi2 += d * d / e;
    }
    Some(chi2)
}

/// Expected counts `n * share` for shares that sum to 1.
pub fn expected_counts(n: u64, shares: &[f64]) -> Vec<f64> {
    shares.iter().map(|s| n as f64 * s).collect()
}

/// Cramér's V for a goodness-of-fit test over `classes` classes: `sqrt(chi2 / (n (classes - 1)))`.
pub fn cramers_v(chi2: f64, n: u64, classes: usize) -> Option<f64> {
    let denom = n as f64 * classes.saturating_sub(1) as f64;
    (denom > 0.0 && chi2.is_finite() && chi2 >= 0.0).then(|| (chi2 / denom).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_matches_scipy() {
        // python3 -c "from scipy.stats import chisquare; print(repr(chisquare([12,8,10,15,5],[10,10,10,10,10]).statistic))"
        let chi2 = pearson_chi2(&[12, 8, 10, 15, 5], &[10.0; 5]).unwrap();
        assert!((chi2 - 5.8).abs() < 1e-12);
        assert_eq!(pearson_chi2(&[0, 3], &[0.0, 3.0]), Some(0.0));
        assert_eq!(pearson_chi2(&[1, 2], &[0.0, 3.0]), None);
        assert_eq!(pearson_chi2(&[1], &[1.0, 2.0]), None);
        assert!((cramers_v(9.0, 100, 10).unwrap() - 0.1).abs() < 1e-15);
        assert_eq!(cramers_v(1.0, 0, 10), None);
    }
}
