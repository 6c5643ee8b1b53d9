//! The smooth null for digit tests: expected digit frequencies from a kernel estimate of
//! the counts' own distribution.
//!
//! # Why
//! The idealised nulls (uniform last digits, Benford's second digits) are wrong for real
//! elections: the density of station counts slopes across each ten and bends across each
//! hundred, and with thousands of stations that alone rejects them. A clean election's
//! digits are, however, what a *smooth* distribution of the same shape gives. So the
//! expected frequency of each digit class is read off a kernel estimate of the subject's
//! own counts, built from all of them (not only the tested range, so the edge of the range
//! is estimated from both sides), then summed over the tested range by class.
//!
//! # The kernel
//! Each distinct count `x` (with its multiplicity) spreads its mass over the integers `k`
//! with weights `exp(-(k - x)^2 / (2 h^2))` for `|k - x| <= floor(6h)`, normalised to 1; mass
//! at `k < 0` is reflected to `-k - 1`. The bandwidth `h(x) = max(fraction * x, floor)`
//! ([`Bandwidth`]) grows with the count, as the sampling noise of a count does.
//!
//! The scale decides what the test means. A Gaussian of sd `h` keeps a fraction
//! `exp(-2 pi^2 h^2 / P^2)` of any pattern of period `P` in the data. The expectation must
//! be wide compared with the digit's period, or it absorbs the irregularities it should
//! reveal, and narrow compared with the shape of the distribution, or it is biased and
//! calibration fails. See [`RESIDUE_BANDWIDTH`] and [`SECOND_DIGIT_BANDWIDTH`] for the
//! choices and their reasons.
//!
//! Where the kernel must be narrow (second digits, two-digit counts) it follows part of any
//! digit pattern, and a chi-square against it is conservative. [`smooth_chi2`] gives the
//! statistic's null distribution with the expectation's own sampling variation included
//! (a first-order influence calculation), so the test keeps its size.
//!
//! # Cost
//! The work is done per distinct value, never per observation or per grid point of a
//! dense grid, so counts up to 10^12 cost no memory. For each distinct value one of
//! three exact-to-rounding methods is used:
//! - *uniform*: for residue classes (last digits, last two digits) when the kernel is so
//!   wide that its period-`P` Fourier coefficient `exp(-2 pi^2 h^2 / P^2)` is below 1e-15
//!   and its window lies inside the tested range, every class gets `1/P` of the mass.
//!   The truncation at 6h leaves a class imbalance below 1e-8 of the point's mass, which
//!   this drops;
//! - *explicit*: for narrower kernels (`h < 300`, or `h < 10 P` for residues) the weights
//!   are built once per bandwidth by a multiplicative recurrence (re-anchored with `exp`
//!   every 64 steps) with prefix sums, and each run of consecutive integers of one class
//!   costs O(1);
//! - *Euler-Maclaurin*: for wider kernels the sum of the weights over a run (or over one
//!   residue class, a stride-`P` sum) is the Gaussian integral plus the first three
//!   Euler-Maclaurin corrections at the run's ends. With `h >= 300` (and `P / h <= 0.1`)
//!   the omitted terms are below 1e-14 of the point's mass.

use super::tails::normal_sf;

/// Distinct counts, sorted ascending, with their multiplicities.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CountHistogram {
    values: Vec<u64>,
    weights: Vec<u64>,
}

/// Largest count for which [`CountHistogram::from_counts`] tallies into a dense array.
const DENSE_LIMIT: u64 = 1 << 21;

impl CountHistogram {
    /// Tallies `counts`: in one pass through a dense array when the largest count is small
    /// compared with the number of counts, by sorting otherwise.
    pub fn from_counts(counts: &[u64]) -> Self {
        Self::from_values(counts.iter().copied())
    }

    /// [`Self::from_counts`] of the counts an iterator yields, read twice rather than
    /// collected when they fit the dense array.
    pub fn from_values(counts: impl Iterator<Item = u64> + Clone) -> Self {
        let (n, max) = counts
            .clone()
            .fold((0usize, None), |(n, m), c| (n + 1, m.max(Some(c))));
        let Some(max) = max else {
            return Self::default();
        };
        let mut values = Vec::new();
        let mut weights = Vec::new();
        if max <= DENSE_LIMIT && max <= 8 * n as u64 + 4096 && n < u32::MAX as usize {
            // u32 tallies halve the memory; they cannot overflow with fewer than 2^32 counts.
            let mut dense = vec![0u32; max as usize + 1];
            for c in counts {
                dense[c as usize] += 1;
            }
            for (v, &w) in dense.iter().enumerate() {
                if w > 0 {
                    values.push(v as u64);
                    weights.push(u64::from(w));
                }
            }
        } else {
            let mut sorted: Vec<u64> = counts.collect();
            sorted.sort_unstable();
            for c in sorted {
                if values.last() == Some(&c) {
                    if let Some(w) = weights.last_mut() {
                        *w += 1;
                    }
                } else {
                    values.push(c);
                    weights.push(1);
                }
            }
        }
        CountHistogram { values, weights }
    }

    /// `(value, multiplicity)` pairs in ascending order of value.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.values
            .iter()
            .copied()
            .zip(self.weights.iter().copied())
    }

    /// Number of counts tallied.
    pub fn total(&self) -> u64 {
        self.weights.iter().sum()
    }

    /// Number of counts at least `lo`.
    pub fn total_from(&self, lo: u64) -> u64 {
        self.iter().filter(|&(v, _)| v >= lo).map(|(_, w)| w).sum()
    }

    /// Number of distinct values.
    pub fn distinct(&self) -> usize {
        self.values.len()
    }
}

/// A sample-point bandwidth `h(x) = max(fraction * x, floor)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bandwidth {
    pub fraction: f64,
    pub floor: f64,
}

impl Bandwidth {
    /// The kernel's standard deviation for a count `x`.
    pub fn at(&self, x: u64) -> f64 {
        (self.fraction * x as f64).max(self.floor)
    }
}

/// Bandwidth for last digits and last-two-digit pairs: `max(0.05 x, 1)`.
///
/// For counts of 100 or more (the default tested range) this is `0.05 x >= 5`: it keeps
/// `exp(-2 pi^2 h^2 / 100)`, at most 0.7%, of any period-10 pattern, so a last-digit
/// irregularity is not absorbed, while 5% of a count is narrow against the shape of station
/// counts. For pairs (period 100) the classes tested, repeats and adjacent digits, recur
/// every 9 to 11 integers, so they live in harmonics 9 to 11 of the hundred, of which the
/// kernel keeps under 2% from `h = 5` up.
///
/// The floor of 1 (not 5) is for a lower `--last-digit-min`. Two-digit counts, mostly those
/// of small candidates, have a density that changes within a few counts: with a floor of 5
/// the last-digit test at a minimum of 10 rejected 25-67% of clean elections of small
/// stations on the small candidates' and the pooled counts; with 1 (and the influence correction of [`smooth_chi2`], which makes up for the part
/// of a pattern a narrow kernel follows) it rejects about 5%, at 2,000-5,000 and at
/// 40,000-100,000 stations. The price is power on two-digit counts: at `x = 20` (`h = 1`)
/// the kernel keeps 82% of the first period-10 harmonic, which the test then cannot see, and
/// 45% of a period-5 pattern such as a preference for 0 and 5; from `x = 60` these are 17%
/// and under 0.1%.
pub const RESIDUE_BANDWIDTH: Bandwidth = Bandwidth {
    fraction: 0.05,
    floor: 1.0,
};

/// Bandwidth for second digits: `max(0.05 x, 1)`, the same as for residues.
///
/// A second digit has period `P = 10^m` for `10^m <= x < 10^(m+1)` (blocks of `10^(m-1)`),
/// which at the bottom of each order of magnitude is as wide as the counts themselves: no
/// bandwidth is there both wide against the period and narrow against the shape.
/// - `max(0.05 x, 0.4 * 10^m)`, which keeps only `exp(-2 pi^2 0.16) = 4%` of the first
///   harmonic everywhere, is badly biased: counts just above a power of ten spread far while
///   those just below do not, which drains the low second digits (a noncentrality of about
///   40 at 5,000 counts of a lognormal, computed on the exact density, against a 9-df
///   chi-square).
/// - `max(0.10 x, 3)` rejected about 5% of clean elections of 2,000-5,000 stations, but
///   all of them at 40,000-100,000 stations for small candidates with two-digit counts: a
///   smoothing bias grows as `h^2`, and the noncentrality it causes as the number of counts.
/// - `max(0.05 x, 1)` keeps the bias undetectable at both sizes on every shape tried. It
///   follows more of the data: it keeps `exp(-2 pi^2 (0.05 x / P)^2)` of the first harmonic,
///   95% at `x = P`, 45% at `4P`, 2% at `9P`; of the second (period `P/2`) 82% at `x = P`
///   and 4% at `4P`; of an excess on a single second digit (all harmonics) 57% at `x = P`,
///   30% at `2P`, 11% at `4P`, under 1% from `9P`. The plain chi-square is then conservative
///   (0.5-1% rejections at 0.05), which the influence correction of [`smooth_chi2`] removes
///   (4-7%).
///
/// So the test sees second-digit irregularities mostly in the upper part of each order of
/// magnitude, and little just above a power of ten, where a tilt of the second digits is what
/// a sloping density of counts produces and is what makes the classic 2BL test reject clean
/// elections.
pub const SECOND_DIGIT_BANDWIDTH: Bandwidth = Bandwidth {
    fraction: 0.05,
    floor: 1.0,
};

/// How counts fall into digit classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitClasses {
    /// `x mod modulus`: last digit (10) or last two digits (100).
    Residue { modulus: u64 },
    /// The second digit (10 classes), defined for `x >= 10`.
    SecondDigit,
}

impl DigitClasses {
    /// Number of classes.
    pub fn len(&self) -> usize {
        match self {
            DigitClasses::Residue { modulus } => *modulus as usize,
            DigitClasses::SecondDigit => 10,
        }
    }

    /// Always false: there is at least one class.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The class of a count, or `None` when it has none (a second digit below 10).
    pub fn class_of(&self, x: u64) -> Option<usize> {
        match self {
            DigitClasses::Residue { modulus } => Some((x % *modulus) as usize),
            DigitClasses::SecondDigit => super::digits::second_digit(x).map(usize::from),
        }
    }

    /// Smallest count that has a class.
    fn min_value(&self) -> u64 {
        match self {
            DigitClasses::Residue { .. } => 0,
            DigitClasses::SecondDigit => 10,
        }
    }

    /// Bandwidth from which the Euler-Maclaurin method replaces explicit weights.
    fn em_min_h(&self) -> f64 {
        match self {
            DigitClasses::Residue { modulus } => EM_MIN_H.max(10.0 * *modulus as f64),
            DigitClasses::SecondDigit => EM_MIN_H,
        }
    }
}

/// See the module documentation ("Cost").
const EM_MIN_H: f64 = 300.0;
/// Half-width of the kernel window in bandwidths.
const WINDOW_SDS: f64 = 6.0;
/// Steps of the weight recurrence between re-anchoring with `exp`.
const REANCHOR: usize = 64;

/// `h / P` above which `exp(-2 pi^2 h^2 / P^2) < 1e-15`.
fn uniform_ratio() -> f64 {
    (15.0 * std::f64::consts::LN_10 / (2.0 * std::f64::consts::PI.powi(2))).sqrt()
}

/// Smoothed mass of each digit class within the tested range `[lo, inf)`, unnormalised
/// (it sums to the number of counts whose kernel mass lands in the range).
///
/// Returns a vector of `classes.len()` entries. Classes of values below
/// `classes`' own minimum (10 for second digits) are never counted.
pub fn smooth_class_mass(
    hist: &CountHistogram,
    bandwidth: Bandwidth,
    classes: DigitClasses,
    lo: u64,
) -> Vec<f64> {
    let mut out = vec![0.0; classes.len()];
    for_each_kernel(hist, bandwidth, classes, lo, |_, c, kernel| {
        let c = c as f64;
        for (o, k) in out.iter_mut().zip(kernel) {
            *o += c * k;
        }
    });
    out
}

/// Calls `f(x, multiplicity, kernel)` for each distinct count `x`, in ascending order, where
/// `kernel[d]` is the mass that one count at `x` puts on class `d` within `[lo, inf)` (the
/// kernel's mass below `lo` is left out, so the entries sum to at most 1).
///
/// [`smooth_class_mass`] is the multiplicity-weighted sum of these; they are exposed for
/// the influence of each count on the smooth expectation.
pub fn for_each_kernel(
    hist: &CountHistogram,
    bandwidth: Bandwidth,
    classes: DigitClasses,
    lo: u64,
    mut f: impl FnMut(u64, u64, &[f64]),
) {
    let mut scratch = vec![0.0; classes.len()];
    let lo = i128::from(lo.max(classes.min_value()));
    let mut kernel = ExplicitKernel::default();
    let uniform_ratio = uniform_ratio();
    for (x, c) in hist.iter() {
        let h = bandwidth.at(x);
        if !(h.is_finite() && h > 0.0) {
            continue;
        }
        let half = (WINDOW_SDS * h).floor() as i128;
        let xi = i128::from(x);
        scratch.iter_mut().for_each(|v| *v = 0.0);
        match classes {
            DigitClasses::Residue { modulus }
                if h >= modulus as f64 * uniform_ratio && xi - half >= lo =>
            {
                let share = 1.0 / modulus as f64;
                scratch.iter_mut().for_each(|o| *o = share);
            }
            _ if h < classes.em_min_h() => {
                kernel.prepare(h, half);
                kernel.spread(xi, 1.0, classes, lo, &mut scratch);
            }
            _ => spread_euler_maclaurin(xi, 1.0, h, half, classes, lo, &mut scratch),
        }
        f(x, c, &scratch);
    }
}

/// Expected shares of the digit classes within `[lo, inf)` under the smooth null, summing
/// to 1; `None` when no smoothed mass falls in the range.
pub fn smooth_class_shares(
    hist: &CountHistogram,
    bandwidth: Bandwidth,
    classes: DigitClasses,
    lo: u64,
) -> Option<Vec<f64>> {
    let mass = smooth_class_mass(hist, bandwidth, classes, lo);
    let total: f64 = mass.iter().sum();
    (total > 0.0 && total.is_finite()).then(|| mass.iter().map(|m| m / total).collect())
}

/// The chi-square of observed digit classes against the smooth null, with the null
/// distribution of the statistic corrected for the expectation being estimated from the
/// same counts.
#[derive(Debug, Clone, PartialEq)]
pub struct SmoothChi2 {
    /// Observed counts per class within the tested range.
    pub observed: Vec<u64>,
    /// Expected counts per class under the smooth null (they sum to the tested count).
    pub expected: Vec<f64>,
    /// Pearson's `sum (O - E)^2 / E`.
    pub chi2: f64,
    /// Satterthwaite scale `c` and degrees of freedom `nu`: `chi2 / c ~ chi2(nu)` under the null.
    pub scale: f64,
    pub df: f64,
    /// `P(chi2(nu) >= chi2 / c)`.
    pub p_value: f64,
}

/// Pearson's chi-square of the counts' digit classes within `[lo, inf)` against the smooth
/// null, with a p-value that accounts for the null being fitted to the same counts.
///
/// With a fixed expectation, Pearson's statistic is chi-square with `classes - 1` df. Here
/// the expectation moves with the data: each count at `x` adds its kernel's mass to the
/// expected class shares, so a narrow kernel follows part of any digit pattern and the
/// plain chi-square becomes conservative. The residual `r = O - E` is, to first order, a
/// sum over counts of the influence `v(x) = a(x) - pi t(x) - rho (K(x) - pi k(x))`, where
/// `a(x)` is the indicator of x's class (if tested), `t(x)` whether x is tested, `K(x)` its
/// kernel's class masses within the range, `k(x)` their sum, `pi` the expected shares and
/// `rho` the tested count over the smoothed mass in range. With `S` the empirical covariance
/// of `r` from these influences and `D = diag(E)`, Pearson's statistic is a weighted sum of
/// chi-squares with weights the eigenvalues of `D^(-1/2) S D^(-1/2)`, approximated by
/// Satterthwaite's `c chi2(nu)` with `c = tr(B^2) / tr(B)` and `nu = tr(B)^2 / tr(B^2)`. With no
/// absorption `B` is the multinomial projection and `c = 1`, `nu = classes - 1`.
///
/// `None` when fewer than two classes have expected mass or the variance vanishes.
pub fn smooth_chi2(
    hist: &CountHistogram,
    bandwidth: Bandwidth,
    classes: DigitClasses,
    lo: u64,
) -> Option<SmoothChi2> {
    let nc = classes.len();
    let lo_eff = lo.max(classes.min_value());
    // One pass of raw moments (c = multiplicity, a = class indicator of a tested count,
    // K = kernel class masses, k = their sum); everything below is built from these.
    let mut observed = vec![0u64; nc];
    let mut mass = vec![0.0; nc]; // sum c K
    let mut a_k = vec![0.0; nc * nc]; // sum over tested c a_d K_e
    let mut a_sum_k = vec![0.0; nc]; // sum over tested c a_d k
    let mut tested_k = vec![0.0; nc]; // sum over tested c K_e
    let mut tested_sum_k = 0.0; // sum over tested c k
    let mut k_k = vec![0.0; nc * nc]; // sum c K_d K_e
    let mut k_sum_k = vec![0.0; nc]; // sum c K_d k
    let mut sum_k2 = 0.0; // sum c k^2
    for_each_kernel(hist, bandwidth, classes, lo, |x, c, kernel| {
        let cf = c as f64;
        let k: f64 = kernel.iter().sum();
        for d in 0..nc {
            mass[d] += cf * kernel[d];
            k_sum_k[d] += cf * kernel[d] * k;
            for e in 0..nc {
                k_k[d * nc + e] += cf * kernel[d] * kernel[e];
            }
        }
        sum_k2 += cf * k * k;
        if let Some(d) = classes.class_of(x).filter(|_| x >= lo_eff) {
            observed[d] += c;
            a_sum_k[d] += cf * k;
            tested_sum_k += cf * k;
            for e in 0..nc {
                a_k[d * nc + e] += cf * kernel[e];
                tested_k[e] += cf * kernel[e];
            }
        }
    });
    let n_tested: u64 = observed.iter().sum();
    let total_mass: f64 = mass.iter().sum();
    if n_tested == 0 || !(total_mass > 0.0 && total_mass.is_finite()) {
        return None;
    }
    let nt = n_tested as f64;
    let pi: Vec<f64> = mass.iter().map(|m| m / total_mass).collect();
    let rho = nt / total_mass;
    let expected: Vec<f64> = pi.iter().map(|p| nt * p).collect();

    // Covariance of the residual: the multinomial covariance of the observed classes under
    // the null, minus rho times their covariance with the kernel terms w = K - pi k (both
    // ways), plus rho^2 times the covariance of w. The sample mean of w is exactly zero
    // (pi = mass / total mass), so the cross and w moments need no centring. With a wide
    // kernel w is small and uncorrelated with the class, and this is Pearson's own.
    let cross = |d: usize, e: usize| -> f64 {
        // sum over tested c (a_d - pi_d)(K_e - pi_e k)
        a_k[d * nc + e] - pi[e] * a_sum_k[d] - pi[d] * tested_k[e] + pi[d] * pi[e] * tested_sum_k
    };
    let kernel_cov = |d: usize, e: usize| -> f64 {
        // sum c (K_d - pi_d k)(K_e - pi_e k)
        k_k[d * nc + e] - pi[e] * k_sum_k[d] - pi[d] * k_sum_k[e] + pi[d] * pi[e] * sum_k2
    };
    let kept: Vec<usize> = (0..nc).filter(|&d| expected[d] > 0.0).collect();
    let m = kept.len();
    if m < 2 {
        return None;
    }
    let mut b = vec![0.0; m * m];
    for (i, &d) in kept.iter().enumerate() {
        for (j, &e) in kept.iter().enumerate() {
            let multinomial = nt * (if d == e { pi[d] } else { 0.0 } - pi[d] * pi[e]);
            let s = multinomial - rho * (cross(d, e) + cross(e, d)) + rho * rho * kernel_cov(d, e);
            b[i * m + j] = s / (expected[d] * expected[e]).sqrt();
        }
    }
    let eig = super::goodness::symmetric_eigenvalues(&b, m);
    let tr_b: f64 = eig.iter().map(|l| l.max(0.0)).sum();
    let tr_b2: f64 = eig.iter().map(|l| l.max(0.0).powi(2)).sum();
    if !(tr_b > 0.0 && tr_b2 > 0.0 && tr_b.is_finite() && tr_b2.is_finite()) {
        return None;
    }
    let chi2 = super::goodness::pearson_chi2(&observed, &expected)?;
    let scale = tr_b2 / tr_b;
    let df = tr_b * tr_b / tr_b2;
    Some(SmoothChi2 {
        p_value: super::tails::chi2_sf(chi2 / scale, df),
        observed,
        expected,
        chi2,
        scale,
        df,
    })
}

/// Calls `f(start, end, class)` for each maximal run of consecutive integers with the same
/// second digit within `[from, to]` (values below 10 have none and are skipped).
fn second_digit_runs(from: i128, to: i128, mut f: impl FnMut(i128, i128, usize)) {
    let mut t = from.max(10);
    while t <= to {
        let mut magnitude: i128 = 10;
        while magnitude * 10 <= t {
            magnitude *= 10;
        }
        let block = magnitude / 10;
        let index = t / block;
        let end = ((index + 1) * block - 1).min(to);
        f(t, end, (index % 10) as usize);
        t = end + 1;
    }
}

/// Truncated Gaussian weights `w[j] = exp(-j^2 / (2 h^2))`, `0 <= j <= half`, with prefix
/// sums, rebuilt only when the bandwidth changes.
#[derive(Default)]
struct ExplicitKernel {
    h: f64,
    half: i128,
    weights: Vec<f64>,
    prefix: Vec<f64>,
    total: f64,
}

impl ExplicitKernel {
    fn prepare(&mut self, h: f64, half: i128) {
        if h.to_bits() == self.h.to_bits() && half == self.half && !self.weights.is_empty() {
            return;
        }
        self.h = h;
        self.half = half;
        let n = half as usize + 1;
        self.weights.clear();
        self.prefix.clear();
        let inv = 1.0 / (2.0 * h * h);
        let q = (-2.0 * inv).exp();
        let mut w = 1.0;
        let mut r = (-inv).exp();
        let mut sum = 0.0;
        for j in 0..n {
            if j % REANCHOR == 0 {
                let jf = j as f64;
                w = (-jf * jf * inv).exp();
                r = (-(2.0 * jf + 1.0) * inv).exp();
            }
            self.weights.push(w);
            sum += w;
            self.prefix.push(sum);
            w *= r;
            r *= q;
        }
        self.total = 2.0 * sum - 1.0;
    }

    /// Sum of `w[|o|]` for offsets `o` in `[a, b]`, clipped to the window.
    fn mass(&self, a: i128, b: i128) -> f64 {
        let a = a.max(-self.half);
        let b = b.min(self.half);
        if a > b {
            return 0.0;
        }
        let p = |j: i128| -> f64 {
            if j < 0 {
                0.0
            } else {
                self.prefix.get(j as usize).copied().unwrap_or(0.0)
            }
        };
        if a >= 0 {
            p(b) - p(a - 1)
        } else if b <= 0 {
            p(-a) - p(-b - 1)
        } else {
            p(-a) + p(b) - 1.0
        }
    }

    fn weight(&self, offset: i128) -> f64 {
        if offset.abs() > self.half {
            0.0
        } else {
            self.weights
                .get(offset.unsigned_abs() as usize)
                .copied()
                .unwrap_or(0.0)
        }
    }

    /// Adds `c` counts at `x` to the class masses within `[lo, inf)`.
    fn spread(&self, x: i128, c: f64, classes: DigitClasses, lo: i128, out: &mut [f64]) {
        let scale = c / self.total;
        let from = (x - self.half).max(0).max(lo);
        let to = x + self.half;
        match classes {
            DigitClasses::Residue { modulus } => {
                let m = modulus as i128;
                let mut class = (from % m) as usize;
                for t in from..=to {
                    // Direct mass at t, plus the mass reflected from -t - 1.
                    let w = self.weight(t - x) + self.weight(-t - 1 - x);
                    if let Some(o) = out.get_mut(class) {
                        *o += scale * w;
                    }
                    class += 1;
                    if class == modulus as usize {
                        class = 0;
                    }
                }
            }
            DigitClasses::SecondDigit => second_digit_runs(from, to, |a, b, class| {
                let w = self.mass(a - x, b - x) + self.mass(-b - 1 - x, -a - 1 - x);
                if let Some(o) = out.get_mut(class) {
                    *o += scale * w;
                }
            }),
        }
    }
}

/// Probability that a standard normal lies in `[zl, zu]`, without cancellation in the tails.
fn normal_mass(zl: f64, zu: f64) -> f64 {
    if zl >= zu {
        0.0
    } else if zl >= 0.0 {
        normal_sf(zl) - normal_sf(zu)
    } else if zu <= 0.0 {
        normal_sf(-zu) - normal_sf(-zl)
    } else {
        1.0 - normal_sf(-zl) - normal_sf(zu)
    }
}

/// Euler-Maclaurin coefficients `B_2j(1/2) / (2j)!` of the midpoint rule, j = 1, 2, 3.
const EM_COEF: [f64; 3] = [-1.0 / 24.0, 7.0 / 5760.0, -31.0 / 967_680.0];

/// `sum over i of exp(-o_i^2 / (2 h^2))` for offsets `o_i = a, a + s, ..., b` (`b - a` a
/// multiple of `s`), by the midpoint Euler-Maclaurin formula with three corrections.
fn em_sum(h: f64, a: f64, b: f64, s: f64) -> f64 {
    if a > b {
        return 0.0;
    }
    let zl = (a - s / 2.0) / h;
    let zu = (b + s / 2.0) / h;
    let integral = h * (2.0 * std::f64::consts::PI).sqrt() * normal_mass(zl, zu);
    // Odd derivatives of exp(-t^2 / (2 h^2)) with respect to t, at z = t / h.
    let derivs = |z: f64| -> [f64; 3] {
        let e = (-0.5 * z * z).exp();
        let z2 = z * z;
        [
            -z / h * e,
            (3.0 * z - z * z2) / h.powi(3) * e,
            -(z * z2 * z2 - 10.0 * z * z2 + 15.0 * z) / h.powi(5) * e,
        ]
    };
    let (du, dl) = (derivs(zu), derivs(zl));
    let mut sum = integral / s;
    let mut s_pow = s;
    for j in 0..3 {
        sum += EM_COEF[j] * s_pow * (du[j] - dl[j]);
        s_pow *= s * s;
    }
    sum.max(0.0)
}

/// Adds `c` counts at `x` to the class masses, with window sums by Euler-Maclaurin.
fn spread_euler_maclaurin(
    x: i128,
    c: f64,
    h: f64,
    half: i128,
    classes: DigitClasses,
    lo: i128,
    out: &mut [f64],
) {
    let hf = half as f64;
    let total = em_sum(h, -hf, hf, 1.0);
    if !(total > 0.0 && total.is_finite()) {
        return;
    }
    let scale = c / total;
    // Sum of weights over offsets in [a, b] congruent to `r` modulo `m` (within the window).
    let strided = |a: i128, b: i128, r: i128, m: i128| -> f64 {
        let a = a.max(-half);
        let b = b.min(half);
        if a > b {
            return 0.0;
        }
        let first = a + (r - a).rem_euclid(m);
        if first > b {
            return 0.0;
        }
        let last = first + (b - first) / m * m;
        em_sum(h, first as f64, last as f64, m as f64)
    };
    match classes {
        DigitClasses::Residue { modulus } => {
            let m = modulus as i128;
            for (d, o) in out.iter_mut().enumerate() {
                let d = d as i128;
                // Direct: k >= lo with k = d (mod m); offset o = k - x.
                let direct = strided(lo - x, half, (d - x).rem_euclid(m), m);
                // Reflected: k = -t - 1 with t >= lo and t = d, so k <= -lo - 1, k = -d - 1.
                let reflected = strided(-half, -lo - 1 - x, (-d - 1 - x).rem_euclid(m), m);
                *o += scale * (direct + reflected);
            }
        }
        DigitClasses::SecondDigit => {
            let from = (x - half).max(0).max(lo);
            second_digit_runs(from, x + half, |a, b, class| {
                let w = strided(a - x, b - x, 0, 1) + strided(-b - 1 - x, -a - 1 - x, 0, 1);
                if let Some(o) = out.get_mut(class) {
                    *o += scale * w;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn histogram_tallies_dense_and_sparse() {
        let h = CountHistogram::from_counts(&[5, 3, 5, 0, 3, 5]);
        assert_eq!(h.iter().collect::<Vec<_>>(), vec![(0, 1), (3, 2), (5, 3)]);
        assert_eq!(h.total(), 6);
        assert_eq!(h.total_from(4), 3);
        let s = CountHistogram::from_counts(&[u64::MAX, 1, u64::MAX]);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(1, 1), (u64::MAX, 2)]);
        assert_eq!(CountHistogram::from_counts(&[]).distinct(), 0);
    }

    #[test]
    fn second_digit_runs_cover_the_range() {
        let mut runs = Vec::new();
        second_digit_runs(5, 125, |a, b, c| runs.push((a, b, c)));
        assert_eq!(runs.first(), Some(&(10, 10, 0)));
        assert_eq!(runs[9], (19, 19, 9));
        assert!(runs.contains(&(99, 99, 9)));
        assert!(runs.contains(&(100, 109, 0)));
        assert_eq!(runs.last(), Some(&(120, 125, 2)));
        let covered: i128 = runs.iter().map(|(a, b, _)| b - a + 1).sum();
        assert_eq!(covered, 116);
    }

    #[test]
    fn euler_maclaurin_matches_direct_sums() {
        // Stride-1 run and a stride-10 residue sum for h = 300, against direct summation.
        let h = 300.0f64;
        let direct = |a: i64, b: i64, s: usize| -> f64 {
            (a..=b)
                .step_by(s)
                .map(|o| (-(o as f64).powi(2) / (2.0 * h * h)).exp())
                .sum()
        };
        for (a, b, s) in [
            (-1800, 1800, 1),
            (-50, 449, 1),
            (700, 1800, 1),
            (-1793, 1797, 10),
        ] {
            let em = em_sum(h, a as f64, b as f64, s as f64);
            assert!(
                rel(em, direct(a, b, s)) < 1e-13,
                "{a} {b} {s} {}",
                rel(em, direct(a, b, s))
            );
        }
    }

    #[test]
    fn methods_agree_where_they_meet() {
        // Explicit weights against Euler-Maclaurin for the same second-digit spread.
        let mut k = ExplicitKernel::default();
        for x in [200i128, 1_000, 1_234, 3_000] {
            let h = 250.0f64;
            let half = (6.0 * h).floor() as i128;
            k.prepare(h, half);
            let mut a = vec![0.0; 10];
            k.spread(x, 1.0, DigitClasses::SecondDigit, 10, &mut a);
            let mut b = vec![0.0; 10];
            spread_euler_maclaurin(x, 1.0, h, half, DigitClasses::SecondDigit, 10, &mut b);
            for d in 0..10 {
                assert!((a[d] - b[d]).abs() < 1e-12, "x {x} class {d}: {a:?} {b:?}");
            }
            let mut a = vec![0.0; 10];
            k.spread(x, 1.0, DigitClasses::Residue { modulus: 10 }, 1_100, &mut a);
            let mut b = vec![0.0; 10];
            let r = DigitClasses::Residue { modulus: 10 };
            spread_euler_maclaurin(x, 1.0, h, half, r, 1_100, &mut b);
            for d in 0..10 {
                assert!(
                    (a[d] - b[d]).abs() < 1e-12,
                    "x {x} residue {d}: {a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn uniform_shortcut_matches_explicit_weights() {
        // h = 20 >= 13.2 for period 10: the uniform shortcut, against explicit weights.
        let hist = CountHistogram::from_counts(&[400, 401, 407]);
        let bw = Bandwidth {
            fraction: 0.05,
            floor: 5.0,
        };
        let fast = smooth_class_mass(&hist, bw, DigitClasses::Residue { modulus: 10 }, 100);
        let mut k = ExplicitKernel::default();
        let mut slow = vec![0.0; 10];
        for x in [400, 401, 407] {
            let h = bw.at(x as u64);
            k.prepare(h, (6.0 * h).floor() as i128);
            k.spread(
                x,
                1.0,
                DigitClasses::Residue { modulus: 10 },
                100,
                &mut slow,
            );
        }
        for d in 0..10 {
            assert!((fast[d] - slow[d]).abs() < 1e-8, "{fast:?} {slow:?}");
        }
    }

    #[test]
    fn huge_counts_cost_no_memory_and_keep_mass() {
        let hist = CountHistogram::from_counts(&[1_000_000_000_000, 999_999_999_999, u64::MAX]);
        for classes in [
            DigitClasses::SecondDigit,
            DigitClasses::Residue { modulus: 10 },
            DigitClasses::Residue { modulus: 100 },
        ] {
            let bw = if classes == DigitClasses::SecondDigit {
                SECOND_DIGIT_BANDWIDTH
            } else {
                RESIDUE_BANDWIDTH
            };
            let m = smooth_class_mass(&hist, bw, classes, 100);
            let total: f64 = m.iter().sum();
            assert!((total - 3.0).abs() < 1e-9, "{classes:?} {total}");
            assert!(m.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
    }

    #[test]
    fn mass_is_conserved_with_reflection() {
        // Everything lands somewhere in [0, inf): with lo = 0 the masses sum to the count.
        let hist = CountHistogram::from_counts(&[0, 0, 1, 3, 17, 250, 4_000]);
        let m = smooth_class_mass(
            &hist,
            RESIDUE_BANDWIDTH,
            DigitClasses::Residue { modulus: 10 },
            0,
        );
        assert!((m.iter().sum::<f64>() - 7.0).abs() < 1e-12);
    }
}
