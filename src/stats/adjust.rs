//! Multiple-testing adjustments of p-values, with the semantics of R's `p.adjust`.
//!
//! NaN entries stay NaN and do not count towards the number of tests, as R does with `NA`.

/// Indices of the finite-or-infinite (non-NaN) entries, sorted by p ascending (stable).
fn order_ascending(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    idx
}

/// Holm's (1979) step-down adjustment, which controls the family-wise error rate.
///
/// With the m p-values sorted ascending, `p_adj(i) = max over j <= i of min(1, (m - j + 1) p(j))`
/// (1-based), returned in the input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let order = order_ascending(p);
    let m = order.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let scaled = ((m - rank as f64) * p[i]).min(1.0);
        running = running.max(scaled);
        out[i] = running;
    }
    out
}

/// Benjamini and Hochberg's (1995) step-up adjustment, which controls the false discovery rate.
///
/// With the m p-values sorted ascending, `p_adj(i) = min over j >= i of min(1, m p(j) / j)`
/// (1-based), returned in the input order.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let order = order_ascending(p);
    let m = order.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 1.0;
    for (rank, &i) in order.iter().enumerate().rev() {
        let scaled = (m * p[i] / (rank as f64 + 1.0)).min(1.0);
        running = running.min(scaled);
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 6] = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04];

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1e-300),
                "{a:?} vs {b:?}"
            );
        }
    }

    // python3 -c "
    // import numpy as np; p=np.array([0.01,0.04,0.03,0.005,0.2,0.04]); m=len(p); o=np.argsort(p,kind='stable')
    // h=np.minimum(1,np.maximum.accumulate((m-np.arange(m))*p[o])); r=np.empty(m); r[o]=h; print(list(r))"
    #[test]
    fn holm_matches_r_semantics() {
        close(&holm(&P), &[0.05, 0.12, 0.12, 0.03, 0.2, 0.12]);
    }

    // python3 -c "
    // import numpy as np; p=np.array([0.01,0.04,0.03,0.005,0.2,0.04]); m=len(p); o=np.argsort(p,kind='stable')[::-1]
    // b=np.minimum(1,np.minimum.accumulate(m/np.arange(m,0,-1)*p[o])); r=np.empty(m); r[o]=b; print(list(r))"
    #[test]
    fn bh_matches_r_semantics() {
        close(
            &benjamini_hochberg(&P),
            &[0.03, 0.048, 0.048, 0.03, 0.2, 0.048],
        );
    }

    #[test]
    fn nan_entries_are_skipped_and_kept() {
        let h = holm(&[0.01, f64::NAN, 0.02]);
        assert!(h[1].is_nan());
        close(&[h[0], h[2]], &[0.02, 0.02]);
        assert!(holm(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.9]), vec![0.9]);
    }
}
