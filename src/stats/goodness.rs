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

/// Eigenvalues of the symmetric `n x n` matrix `a` (row-major), by cyclic Jacobi rotations,
/// in no particular order. Accurate to rounding for the small matrices used here (n <= 100).
pub fn symmetric_eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
    if a.len() != n * n {
        return Vec::new();
    }
    let mut a = a.to_vec();
    // Symmetrise against rounding in the caller.
    for p in 0..n {
        for q in p + 1..n {
            let m = 0.5 * (a[p * n + q] + a[q * n + p]);
            a[p * n + q] = m;
            a[q * n + p] = m;
        }
    }
    let norm: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|p| (p + 1..n).map(move |q| (p, q)))
            .map(|(p, q)| a[p * n + q].powi(2))
            .sum();
        if off <= 1e-30 * norm || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    (0..n).map(|i| a[i * n + i]).collect()
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

    #[test]
    fn eigenvalues_match_numpy() {
        // python3 -c "import numpy as np; print(list(np.linalg.eigvalsh([[4,1,-2,0.5],[1,3,0,1],[-2,0,5,-1],[0.5,1,-1,2]])))"
        let a = [
            4.0, 1.0, -2.0, 0.5, 1.0, 3.0, 0.0, 1.0, -2.0, 0.0, 5.0, -1.0, 0.5, 1.0, -1.0, 2.0,
        ];
        let mut e = symmetric_eigenvalues(&a, 4);
        e.sort_by(f64::total_cmp);
        let want = [
            1.0471386409290873,
            2.3609454269745447,
            3.6025744003397637,
            6.9893415317566046,
        ];
        for (g, w) in e.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{e:?}");
        }
    }
}
