//! Type-7 quantiles (numpy's and R's default), of sorted samples or by selection, and
//! type-6 quantiles for prediction intervals.

/// Type-7 quantile (numpy's and R's default: linear between order statistics) of
/// values sorted ascending; `None` for an empty slice.
pub fn type7_sorted(v: &[f64], q: f64) -> Option<f64> {
    let last = v.len().checked_sub(1)?;
    interpolate_sorted(v, q.clamp(0.0, 1.0) * last as f64)
}

/// Type-6 quantile (Hyndman and Fan 1996; numpy's `method="weibull"`): position
/// `q(n + 1)` among values sorted ascending, linear between order statistics and held
/// at the extremes; `None` for an empty slice.
///
/// A new draw from the same distribution falls below the `k`-th of `n` order
/// statistics with probability `k / (n + 1)`, so `[Q6(0.025), Q6(0.975)]` holds it
/// 95% of the time. Type 7 interpolates at `1 + q(n − 1)`: with 50 replicates its
/// "95%" interval holds a new draw about 91% of the time.
pub fn type6_sorted(v: &[f64], q: f64) -> Option<f64> {
    interpolate_sorted(v, q.clamp(0.0, 1.0) * (v.len() + 1) as f64 - 1.0)
}

/// The value at 0-based position `h` of sorted `v`, linear between neighbours and
/// held at both ends; `None` for an empty slice.
fn interpolate_sorted(v: &[f64], h: f64) -> Option<f64> {
    let last = v.len().checked_sub(1)?;
    let h = h.clamp(0.0, last as f64);
    let i = (h.floor() as usize).min(last);
    let lo = *v.get(i)?;
    let hi = *v.get((i + 1).min(last))?;
    Some(lo + (h - i as f64) * (hi - lo))
}

/// Type-7 quantile of unsorted `v`, found by selection (reordering `v` in place); 0 when
/// empty. Cheaper than sorting when one or two quantiles are wanted.
pub fn type7_select(v: &mut [f64], q: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let (_, x_lo, rest) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    let x_hi = rest.iter().copied().fold(f64::INFINITY, f64::min);
    if x_hi.is_finite() {
        x_lo + (h - lo as f64) * (x_hi - x_lo)
    } else {
        x_lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_matches_numpy() {
        // python3 -c "import numpy as np; x=[3.,1,4,1,5,9,2,6]; print(np.median(x), np.quantile(x,0.1), np.quantile(x,0.4))"
        // 3.5 1.0 2.8
        let x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        assert_eq!(type7_select(&mut x.clone(), 0.5), 3.5);
        assert!((type7_select(&mut x.clone(), 0.1) - 1.0).abs() < 1e-12);
        assert!((type7_select(&mut x.clone(), 0.4) - 2.8).abs() < 1e-12);
        assert_eq!(type7_select(&mut [2.0, -1.0, 7.0], 0.5), 2.0);
        assert_eq!(type7_select(&mut [], 0.5), 0.0);
    }

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

    #[test]
    fn type6_matches_numpy_weibull() {
        // python3 -c "import numpy as np; x=[3.,1,4,1,5,9,2,6];
        //   print([np.quantile(x,q,method='weibull') for q in (0.025,0.1,0.4,0.5,0.975)])"
        // [1.0, 1.0, 2.6, 3.5, 9.0]
        let mut v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        v.sort_by(f64::total_cmp);
        for (q, w) in [
            (0.025, 1.0),
            (0.1, 1.0),
            (0.4, 2.6),
            (0.5, 3.5),
            (0.975, 9.0),
        ] {
            let got = type6_sorted(&v, q).unwrap();
            assert!((got - w).abs() < 1e-12, "q {q}: {got} vs {w}");
        }
        // Between the first two of 50: position 0.025 · 51 = 1.275.
        // python3 -c "import numpy as np; y=np.sort(np.random.default_rng(5).standard_normal(50));
        //   print(repr(np.quantile(y,0.025,method='weibull')), repr(y[0]), repr(y[1]))"
        // -1.995235293789606 -1.9978166924497212 -1.9884297882311208
        let mut y = vec![0.0; 50];
        y[0] = -1.997_816_692_449_721_2;
        y[1] = -1.988_429_788_231_120_8;
        for (i, x) in y.iter_mut().enumerate().skip(2) {
            *x = i as f64;
        }
        let got = type6_sorted(&y, 0.025).unwrap();
        assert!((got + 1.995_235_293_789_606).abs() < 1e-12, "{got}");
        assert_eq!(type6_sorted(&[], 0.5), None);
        assert_eq!(type6_sorted(&[7.0], 0.3), Some(7.0));
    }
}
