//! Binomial probabilities and the exact two-sided binomial test.
//!
//! statrs' binomial tails lose about `n * 1e-16` relative precision (the log-gamma terms of
//! the incomplete beta prefactor cancel), 5e-9 at n = 1e7, so the tails here are summed
//! from point probabilities computed by Loader's saddle-point formula (C. Loader, "Fast and
//! accurate computation of binomial probabilities", 2000), which keeps ~1e-15 relative
//! precision at any n. A tail is always summed outwards from the mean, where its terms
//! shrink, so the cost is O(sqrt(n)) at worst and a few terms in a far tail.

/// Relative tolerance scipy uses when it compares point probabilities (`1 + 1e-7`),
/// so that terms equal to `pmf(k)` up to rounding count as "as extreme".
const PMF_TIE_TOLERANCE: f64 = 1e-7;
/// Terms of a tail sum are recomputed exactly this often, so the ratio recurrence
/// does not accumulate rounding error.
const REANCHOR: u64 = 256;

/// ln Γ(k+1) − [(k + ½)·ln k − k + ½·ln 2π]: the error of Stirling's formula for k!,
/// exact below 16 and from its asymptotic series above.
pub(crate) fn stirling_error(k: f64) -> f64 {
    // python3 -c "import mpmath as mp; mp.mp.dps=40; print([repr(float(mp.loggamma(n+1)
    //   - (n+mp.mpf(1)/2)*mp.log(n) + n - mp.log(2*mp.pi)/2)) for n in range(1,16)])"
    const SMALL: [f64; 15] = [
        0.08106146679532726,
        0.0413406959554093,
        0.02767792568499834,
        0.020790672103765093,
        0.016644691189821193,
        0.013876128823070748,
        0.01189670994589177,
        0.010411265261972096,
        0.009255462182712733,
        0.00833056343336287,
        0.007573675487951841,
        0.00694284010720953,
        0.006408994188004207,
        0.0059513701127588475,
        0.005554733551962801,
    ];
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if k < 15.5 {
        return SMALL[(k as usize).clamp(1, 15) - 1];
    }
    let r = 1.0 / k;
    let r2 = r * r;
    let series = if k > 500.0 {
        S0 - S1 * r2
    } else if k > 80.0 {
        S0 - (S1 - S2 * r2) * r2
    } else if k > 35.0 {
        S0 - (S1 - (S2 - S3 * r2) * r2) * r2
    } else {
        S0 - (S1 - (S2 - (S3 - S4 * r2) * r2) * r2) * r2
    };
    series * r
}

/// x·ln(x/m) + m − x, without the cancellation of the plain formula when x ≈ m.
pub(crate) fn deviance(x: f64, m: f64) -> f64 {
    if x == 0.0 {
        m
    } else if (x - m).abs() < 0.1 * (x + m) {
        // x·ln(x/m) + m − x = (x−m)·v + 2x·Σ_{j≥1} v^(2j+1)/(2j+1), v = (x−m)/(x+m).
        // |v| < 0.1, so nine terms reach 1e-20 of the first; Horner in v².
        let v = (x - m) / (x + m);
        let v2 = v * v;
        let mut poly = 1.0 / 19.0;
        for c in [17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0] {
            poly = poly * v2 + 1.0 / c;
        }
        (x - m) * v + 2.0 * x * v * v2 * poly
    } else {
        x * (x / m).ln() + m - x
    }
}

/// n·KL(x/n ‖ p) = deviance(x, np) + deviance(n − x, nq): e^(−it) bounds the binomial
/// tail beyond x (Chernoff), and it is the exponent of the pmf at x.
pub(crate) fn divergence(x: f64, n: f64, p: f64) -> f64 {
    deviance(x, n * p) + deviance(n - x, n * (1.0 - p))
}

/// The Binomial(n, p) pmf at 0 < x < n, given `divergence(x, n, p)`, to about 1e-15
/// relative, by Loader's saddle-point expansion (C. Loader, "Fast and accurate
/// computation of binomial probabilities", 2000).
pub(crate) fn binomial_pmf(x: f64, n: f64, p: f64, divergence: f64) -> f64 {
    if x == 0.0 {
        return (n * (-p).ln_1p()).exp();
    }
    if x == n {
        return (n * p.ln()).exp();
    }
    let lc = stirling_error(n) - stirling_error(x) - stirling_error(n - x) - divergence;
    let lf = (2.0 * std::f64::consts::PI * x * ((n - x) / n)).ln();
    (lc - 0.5 * lf).exp()
}

/// Natural log of the binomial probability `P(X = k)`, `X ~ Binomial(n, p)`.
pub fn binom_ln_pmf(k: u64, n: u64, p: f64) -> f64 {
    if k > n || p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NEG_INFINITY;
    }
    let q = 1.0 - p;
    if p == 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if p == 1.0 {
        return if k == n { 0.0 } else { f64::NEG_INFINITY };
    }
    let nf = n as f64;
    if k == 0 {
        return nf * (-p).ln_1p();
    }
    if k == n {
        return nf * p.ln();
    }
    let kf = k as f64;
    let rest = (n - k) as f64;
    let lc = stirling_error(nf)
        - stirling_error(kf)
        - stirling_error(rest)
        - deviance(kf, nf * p)
        - deviance(rest, nf * q);
    let lf = (2.0 * std::f64::consts::PI).ln() + kf.ln() + (-kf / nf).ln_1p();
    lc - 0.5 * lf
}

/// Binomial probability `P(X = k)`.
pub fn binom_pmf(k: u64, n: u64, p: f64) -> f64 {
    binom_ln_pmf(k, n, p).exp()
}

/// `P(X <= k)` summed downwards from `k`; accurate when `k` is at or below the mean.
fn lower_tail_sum(k: u64, n: u64, p: f64) -> f64 {
    let odds = (1.0 - p) / p;
    let mut term = binom_pmf(k, n, p);
    let mut sum = 0.0;
    let mut x = k;
    let mut steps = 0u64;
    loop {
        sum += term;
        if x == 0 || term <= 1e-17 * sum || term == 0.0 {
            break;
        }
        // pmf(x - 1) / pmf(x) = x / (n - x + 1) * q / p
        term *= x as f64 / (n - x + 1) as f64 * odds;
        x -= 1;
        steps += 1;
        if steps % REANCHOR == 0 {
            term = binom_pmf(x, n, p);
        }
    }
    sum
}

/// `P(X >= k)` summed upwards from `k`; accurate when `k` is at or above the mean.
fn upper_tail_sum(k: u64, n: u64, p: f64) -> f64 {
    let odds = p / (1.0 - p);
    let mut term = binom_pmf(k, n, p);
    let mut sum = 0.0;
    let mut x = k;
    let mut steps = 0u64;
    loop {
        sum += term;
        if x >= n || term <= 1e-17 * sum || term == 0.0 {
            break;
        }
        // pmf(x + 1) / pmf(x) = (n - x) / (x + 1) * p / q
        term *= (n - x) as f64 / (x + 1) as f64 * odds;
        x += 1;
        steps += 1;
        if steps % REANCHOR == 0 {
            term = binom_pmf(x, n, p);
        }
    }
    sum
}

/// `P(X <= k)` for `X ~ Binomial(n, p)`.
pub fn binom_cdf(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    if (k as f64) <= n as f64 * p {
        lower_tail_sum(k, n, p).min(1.0)
    } else {
        (1.0 - upper_tail_sum(k + 1, n, p)).max(0.0)
    }
}

/// `P(X > k)` for `X ~ Binomial(n, p)`, taken from the upper tail directly.
pub fn binom_sf(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 0.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    if ((k + 1) as f64) >= n as f64 * p {
        upper_tail_sum(k + 1, n, p).min(1.0)
    } else {
        (1.0 - lower_tail_sum(k, n, p)).max(0.0)
    }
}

/// Exact two-sided binomial test of `k` successes in `n` trials against probability `p`.
///
/// The p-value is the total probability of the outcomes no more likely than `k`
/// (`pmf(x) <= pmf(k) * (1 + 1e-7)`), the definition of `scipy.stats.binomtest`.
/// The outcomes on the far side of the mode are found by binary search on the
/// unimodal pmf (O(log n) point probabilities), and each tail is summed outwards.
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
    let np = n as f64 * p;
    let kf = k as f64;
    if kf == np {
        return 1.0;
    }
    let threshold = binom_ln_pmf(k, n, p) + PMF_TIE_TOLERANCE.ln_1p();
    let as_extreme = |x: u64| binom_ln_pmf(x, n, p) <= threshold;
    let pval = if kf < np {
        // The pmf does not increase on [ceil(np), n]: find the first x there that is as extreme.
        let mut lo = (np.ceil() as u64).min(n);
        let mut hi = n;
        if !as_extreme(hi) {
            binom_cdf(k, n, p)
        } else {
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if as_extreme(mid) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            // P(X <= k) + P(X >= lo); lo > np > k >= 0.
            binom_cdf(k, n, p) + binom_sf(lo - 1, n, p)
        }
    } else {
        // The pmf does not decrease on [0, floor(np)]: find the last x there that is as extreme.
        let mut lo = 0;
        let mut hi = (np.floor() as u64).min(n);
        if !as_extreme(0) {
            binom_sf(k - 1, n, p)
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
            binom_cdf(lo, n, p) + binom_sf(k - 1, n, p)
        }
    };
    pval.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        if b == 0.0 {
            a.abs()
        } else {
            ((a - b) / b).abs()
        }
    }

    #[test]
    fn pmf_and_tails_match_scipy() {
        // python3 -c "
        // from scipy.stats import binom
        // for k,n,p in [(0,10,0.3),(3,10,0.3),(10,10,0.3),(17,40,0.18),(1805000,10000000,0.18),
        //   (200,100000,0.001),(99990,100000,0.999)]:
        //     print(k,n,p,repr(binom.pmf(k,n,p)), repr(binom.cdf(k,n,p)), repr(binom.sf(k,n,p)))"
        let cases = [
            (0, 10, 0.3, 0.0282475249, 0.028247524900000005, 0.9717524751),
            (
                3,
                10,
                0.3,
                0.2668279319999998,
                0.6496107184000002,
                0.3503892815999998,
            ),
            (10, 10, 0.3, 5.9048999999999975e-06, 1.0, 0.0),
            (
                17,
                40,
                0.18,
                0.0002020381188162422,
                0.9999247548420118,
                7.524515798822026e-05,
            ),
            (
                1805000,
                10000000,
                0.18,
                6.927600710310073e-08,
                0.9999806035461904,
                1.9396453809561678e-05,
            ),
            (
                200,
                100000,
                0.001,
                4.491115057282522e-19,
                1.0,
                4.395944110373503e-19,
            ),
            (
                99990,
                100000,
                0.999,
                9.844853195028653e-31,
                1.0,
                1.0796252196609622e-31,
            ),
        ];
        for (k, n, p, pmf, cdf, sf) in cases {
            assert!(rel(binom_pmf(k, n, p), pmf) < 1e-12, "pmf {k} {n} {p}");
            assert!(rel(binom_cdf(k, n, p), cdf) < 1e-12, "cdf {k} {n} {p}");
            assert!(rel(binom_sf(k, n, p), sf) < 1e-11, "sf {k} {n} {p}");
        }
    }
}
