//! Quantiles of sorted samples.

/// Type-7 quantile (numpy's and R's default: linear between order statistics) of
/// values sorted ascending; `None` for an empty slice.
pub fn type7_sorted(v: &[f64], q: f64) -> Option<f64> {
    let last = v.len().checked_sub(1)?;
    let h = q.clamp(0.0, 1.0) * last as f64;
    let i = (h.floor() as usize).min(last);
    let lo = *v.get(i)?;
    let hi = *v.get((i + 1).min(last))?;
    Some(lo + (h - i as f64) * (hi - lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy() {
        // python3 -c "import numpy as np; x=[1.,2,3,4,5,9]; print([np.quantile(x,q) for q in (0,0.025,0.5,0.975,0.999,1)])"
        // [1.0, 1.125, 3.5, 8.5, 8.98, 9.0]
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0];
        let want = [1.0, 1.125, 3.5, 8.5, 8.98, 9.0];
        for (q, w) in [0.0, 0.025, 0.5, 0.975, 0.999, 1.0].iter().zip(want) {
            let got = type7_sorted(&v, *q).unwrap();
            assert!((got - w).abs() < 1e-12, "q {q}: {got} vs {w}");
        }
        assert_eq!(type7_sorted(&[], 0.5), None);
        assert_eq!(type7_sorted(&[7.0], 0.3), Some(7.0));
    }
}
