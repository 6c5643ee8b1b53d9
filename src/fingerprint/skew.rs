//! A skewed fair turnout: the skew-normal of Azzalini (1985), density
//! 2 φ(x) Φ(a x), standardised to mean 0 and sd 1, drawn from one standard normal by
//! its quantile function so that the fit's common random numbers stay paired.
//!
//! The skew is indexed by what the fit can measure where stuffing reaches least: the
//! lower-half statistic of [`super::fair::skew_statistic`], less a normal's. A
//! parameter in the statistic's own units lets the fit move it by the observed
//! statistic's miss, as it moves centres by their pins' misses, where the shape `a`
//! itself would need a slope that vanishes at 0 (the skewness grows as δ³).

use std::sync::LazyLock;

use crate::stats::normal_sf;

/// Rows of the table: excess statistics 0, [`K_STEP`], … up to [`MAX_EXCESS`].
const K_STEP: f64 = 0.005;

/// The largest excess the table holds: a half-normal's lower-half statistic less a
/// normal's is about 0.92; this stops short of that degenerate end.
pub const MAX_EXCESS: f64 = 0.8;

/// Columns: the standard normal draw from −[`Z_REACH`] to +[`Z_REACH`].
const Z_REACH: f64 = 6.0;
const Z_STEP: f64 = 0.01;

/// The fine grid on which each shape's distribution function is integrated.
const X_LOW: f64 = -8.0;
const X_STEP: f64 = 0.002;
const X_POINTS: usize = 8001;

/// The quantiles of the lower-half statistic (kept in step with `fair`'s).
const LOWER: [f64; 3] = super::fair::SKEW_QUANTILES;

struct Table {
    /// Row r, column c: the standardised skew-normal quantile at Φ(z_c) for excess
    /// statistic r · K_STEP.
    rows: Vec<Vec<f64>>,
}

static TABLE: LazyLock<Table> = LazyLock::new(build);

/// Standardised skew-normal value at standard normal draw `z`, for excess lower-half
/// statistic `excess` (0 is the normal itself).
#[inline]
pub fn skew_normal_of(z: f64, excess: f64) -> f64 {
    if excess <= 0.0 {
        return z;
    }
    let t = &*TABLE;
    let k = (excess.min(MAX_EXCESS) / K_STEP).min((t.rows.len() - 1) as f64);
    let r = (k as usize).min(t.rows.len() - 2);
    let wr = k - r as f64;
    let c_pos = ((z.clamp(-Z_REACH, Z_REACH) + Z_REACH) / Z_STEP).min((t.rows[0].len() - 1) as f64);
    let c = (c_pos as usize).min(t.rows[0].len() - 2);
    let wc = c_pos - c as f64;
    let at = |row: &Vec<f64>| row[c] + wc * (row[c + 1] - row[c]);
    at(&t.rows[r]) * (1.0 - wr) + at(&t.rows[r + 1]) * wr
}

/// One shape's distribution function on the fine grid, by the trapezoid rule.
fn cdf(shape: f64) -> Vec<f64> {
    let pdf = |x: f64| {
        let phi = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        2.0 * phi * normal_sf(-shape * x)
    };
    let mut out = Vec::with_capacity(X_POINTS);
    let (mut acc, mut prev) = (0.0, pdf(X_LOW));
    out.push(0.0);
    for i in 1..X_POINTS {
        let p = pdf(X_LOW + i as f64 * X_STEP);
        acc += 0.5 * (p + prev) * X_STEP;
        prev = p;
        out.push(acc);
    }
    let total = acc.max(f64::MIN_POSITIVE);
    out.iter_mut().for_each(|v| *v /= total);
    out
}

/// The point of the fine grid where `cdf` reaches `p`, interpolated linearly.
fn quantile_of(cdf: &[f64], p: f64) -> f64 {
    let i = cdf.partition_point(|&v| v < p).clamp(1, cdf.len() - 1);
    let (lo, hi) = (cdf[i - 1], cdf[i]);
    let w = if hi > lo { (p - lo) / (hi - lo) } else { 0.5 };
    X_LOW + (i as f64 - 1.0 + w) * X_STEP
}

/// The lower-half statistic of shape `a`, and its mean and sd for standardising.
fn moments(a: f64) -> (f64, f64) {
    let delta = a / (1.0 + a * a).sqrt();
    let mean = delta * (2.0 / std::f64::consts::PI).sqrt();
    (mean, (1.0 - mean * mean).sqrt())
}

fn lower_statistic(cdf: &[f64]) -> f64 {
    let [q0, q1, q2] = LOWER.map(|p| quantile_of(cdf, p));
    (q2 - q1) / (q1 - q0)
}

fn build() -> Table {
    // The statistic as a function of the shape, on shapes whose δ runs over [0, 0.995].
    let shapes: Vec<f64> = (0..=200)
        .map(|j| {
            let d = 0.995 * j as f64 / 200.0;
            d / (1.0 - d * d).sqrt()
        })
        .collect();
    let normal = lower_statistic(&cdf(0.0));
    let excess: Vec<f64> = shapes
        .iter()
        .map(|&a| lower_statistic(&cdf(a)) - normal)
        .collect();
    let n_rows = (MAX_EXCESS / K_STEP).round() as usize + 1;
    let n_cols = (2.0 * Z_REACH / Z_STEP).round() as usize + 1;
    let rows = (0..n_rows)
        .map(|r| {
            let a = shape_at(&shapes, &excess, r as f64 * K_STEP);
            let (mean, sd) = moments(a);
            let f = cdf(a);
            (0..n_cols)
                .map(|c| {
                    let z = -Z_REACH + c as f64 * Z_STEP;
                    let p = normal_sf(-z).clamp(1e-12, 1.0 - 1e-12);
                    (quantile_of(&f, p) - mean) / sd
                })
                .collect()
        })
        .collect();
    Table { rows }
}

/// The shape whose excess statistic is `k`, interpolated in the computed pairs.
fn shape_at(shapes: &[f64], excess: &[f64], k: f64) -> f64 {
    let i = excess
        .partition_point(|&e| e < k)
        .clamp(1, excess.len() - 1);
    let (lo, hi) = (excess[i - 1], excess[i]);
    let w = if hi > lo {
        ((k - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    shapes[i - 1] + w * (shapes[i] - shapes[i - 1])
}

/// The excess lower-half statistic of the skew-normal of shape `a` (for tests and
/// documentation).
pub fn excess_of_shape(a: f64) -> f64 {
    lower_statistic(&cdf(a)) - lower_statistic(&cdf(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::normal_quantile;

    // python3 -c "from scipy.stats import skewnorm, norm; import numpy as np
    //   for a in [2.0, 5.0]:
    //     m,v=skewnorm.stats(a,moments='mv'); sd=np.sqrt(v)
    //     q=skewnorm.ppf([0.02,0.2,0.45],a); z=norm.ppf([0.02,0.2,0.45])
    //     print(a, (q[2]-q[1])/(q[1]-q[0])-(z[2]-z[1])/(z[1]-z[0]),
    //           [(skewnorm.ppf(p,a)-m)/sd for p in [0.05,0.5,0.95]])"
    const REFERENCE: [(f64, f64, [f64; 3]); 2] = [
        (
            2.0,
            0.078_017_065_722_597_59,
            [
                -1.496_263_653_610_537_6,
                -0.083_196_306_482_843_33,
                1.779_165_171_495_523_7,
            ],
        ),
        (
            5.0,
            0.310_273_451_937_919_66,
            [
                -1.311_743_404_836_721,
                -0.173_283_630_066_100_79,
                1.890_808_307_415_241_3,
            ],
        ),
    ];

    #[test]
    fn skew_normal_quantiles_match_scipy() {
        for (a, excess, want) in REFERENCE {
            // The integrated distribution function: to the grid's accuracy.
            assert!((excess_of_shape(a) - excess).abs() < 1e-4, "{a}");
            // The table adds interpolation between its rows and columns.
            for (p, w) in [0.05, 0.5, 0.95].into_iter().zip(want) {
                let got = skew_normal_of(normal_quantile(p), excess);
                assert!((got - w).abs() < 2e-3, "a {a} p {p}: {got} against {w}");
            }
        }
        assert_eq!(skew_normal_of(1.3, 0.0), 1.3);
    }
}
