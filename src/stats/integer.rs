//! Whole-number percentages: whether 100k/n lies within ±0.05 points of a whole percent
//! (Kobak, Shpilkin and Pshenichnikov 2016), and how likely that is for a binomial count.
//! Shared by the `integer-percent` check and `--stations-out`.

use statrs::distribution::{Binomial, ContinuousCDF, Discrete, Normal};

/// Whether 100k/n lies within ±0.05 of the nearest whole percent: |2000k − 20jn| ≤ n.
/// False for n = 0.
pub fn is_integer_percent(k: u64, n: u64) -> bool {
    if n == 0 {
        return false;
    }
    let (k, n) = (u128::from(k), u128::from(n));
    let j = (200 * k + n) / (2 * n);
    (2000 * k).abs_diff(20 * j * n) <= n
}

/// The counts k that make 100k/n an integer percent near j: [lo, hi], empty when lo > hi.
fn window(j: i128, n: u64) -> (i128, i128) {
    let n = i128::from(n);
    let lo = (20 * j * n - n).max(0);
    // ceil for lo, floor for hi (both numerators non-negative here).
    (div2000(lo + 1999), div2000(20 * j * n + n))
}

/// x / 2000, rounded down, for x ≥ 0. Real counts keep x far inside i64, where the
/// division by a constant compiles to a multiply; 128-bit division was a sixth of the
/// check's time on a million stations.
#[inline]
fn div2000(x: i128) -> i128 {
    match i64::try_from(x) {
        Ok(v) => i128::from(v / 2000),
        Err(_) => x / 2000,
    }
}

/// P(100X/n is an integer percent) for X ~ Binomial(n, p), summed exactly over the counts
/// within ±(10 sd + 10) of the mean; the extra 10 counts keep a Poisson-like tail for stations
/// whose variance is tiny. The pmf runs outward from the mode by its multiplicative recurrence,
/// anchored on statrs' log pmf at the mode.
pub fn integer_probability(n: u64, p: f64) -> f64 {
    if n == 0 || !p.is_finite() {
        return 0.0;
    }
    if p <= 0.0 || p >= 1.0 {
        // A point mass at 0% or 100%, both whole.
        return 1.0;
    }
    let Ok(binom) = Binomial::new(p, n) else {
        return 0.0;
    };
    let nf = n as f64;
    let mean = nf * p;
    let sd = (mean * (1.0 - p)).sqrt();
    if sd > LARGE_SD {
        return integer_probability_normal(n, mean, sd);
    }
    let half = 10.0 * sd + 10.0;
    let kmin = (mean - half).floor().max(0.0) as u64;
    let kmax = ((mean + half).ceil().min(nf) as u64).min(n);
    let mode = (((nf + 1.0) * p).floor() as u64).clamp(kmin, kmax);
    let odds = p / (1.0 - p);

    // Upward from the mode.
    let mut acc = 0.0;
    let mut j = i128::from(nearest_percent(mode, n));
    let (mut lo, mut hi) = window(j, n);
    let mut r = 1.0_f64;
    let mut k = mode;
    loop {
        let ki = i128::from(k);
        while hi < ki && j < 100 {
            j += 1;
            (lo, hi) = window(j, n);
        }
        if lo <= ki && ki <= hi {
            acc += r;
        }
        if k >= kmax {
            break;
        }
        r *= (n - k) as f64 / (k + 1) as f64 * odds;
        k += 1;
    }
    // Downward from the mode.
    let mut j = i128::from(nearest_percent(mode, n));
    let (mut lo, mut hi) = window(j, n);
    let mut r = 1.0_f64;
    let mut k = mode;
    while k > kmin {
        r *= k as f64 / (n - k + 1) as f64 / odds;
        k -= 1;
        let ki = i128::from(k);
        while lo > ki && j > 0 {
            j -= 1;
            (lo, hi) = window(j, n);
        }
        if lo <= ki && ki <= hi {
            acc += r;
        }
    }
    (binom.ln_pmf(mode).exp() * acc).clamp(0.0, 1.0)
}

/// Above this sd (about 4·10^10 voters at p = 0.5) the binomial is summed window by window
/// from its normal approximation instead, which bounds the work for absurd electorates;
/// the error is of order 1/sd.
const LARGE_SD: f64 = 1e5;

/// P(integer) from the normal approximation with continuity correction, per whole percent.
fn integer_probability_normal(n: u64, mean: f64, sd: f64) -> f64 {
    let nf = n as f64;
    let first = ((mean - 10.0 * sd) * 100.0 / nf).floor().max(0.0) as i128;
    let last = ((mean + 10.0 * sd) * 100.0 / nf).ceil().min(100.0) as i128;
    let normal = Normal::standard();
    let mut acc = 0.0;
    for j in first..=last {
        let (lo, hi) = window(j, n);
        if lo <= hi {
            let a = (lo as f64 - 0.5 - mean) / sd;
            let b = (hi as f64 + 0.5 - mean) / sd;
            acc += normal.cdf(b) - normal.cdf(a);
        }
    }
    acc.clamp(0.0, 1.0)
}

/// The whole percent nearest 100k/n.
fn nearest_percent(k: u64, n: u64) -> u64 {
    // 200k + n stays inside u64 for real counts (at most 2^32 − 1); u128 only beyond.
    let num = 200u64.checked_mul(k).and_then(|a| a.checked_add(n));
    match num.zip(n.checked_mul(2)) {
        Some((num, den)) => num / den,
        None => {
            let (k, n) = (u128::from(k), u128::from(n));
            ((200 * k + n) / (2 * n)) as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts too wide for the 64-bit fast paths take the 128-bit ones, with the same answers.
    #[test]
    fn wide_counts_take_the_128_bit_path() {
        let n = u64::MAX / 150;
        let k = n / 2;
        let exact = (200 * u128::from(k) + u128::from(n)) / (2 * u128::from(n));
        assert_eq!(u128::from(nearest_percent(k, n)), exact);
        assert_eq!(nearest_percent(k, n), 50);
        let (lo, hi) = window(50, n);
        assert!(lo <= i128::from(k) && i128::from(k) <= hi, "{lo} {hi}");
        let wide = i128::from(i64::MAX) * 3;
        assert_eq!(div2000(wide), wide / 2000);
        assert_eq!(div2000(3999), 1);
        // The fast paths agree with 128-bit arithmetic on ordinary counts.
        for (k, n) in [
            (0u64, 1u64),
            (1, 3),
            (49, 98),
            (655, 1000),
            (999_999, 1_000_000),
        ] {
            let exact = (200 * u128::from(k) + u128::from(n)) / (2 * u128::from(n));
            assert_eq!(u128::from(nearest_percent(k, n)), exact, "{k}/{n}");
        }
    }
}
