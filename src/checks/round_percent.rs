//! `round-percent`: do turnout and the winner's share land on round percentages too often?
//!
//! A station's percentage is rounded to a whole percent, half up, in integers:
//! floor(100·k/n + 1/2). The check counts the stations whose rounded percentage is a
//! multiple of 5 (ends in 0 or 5). The naive expectation of 1 in 5 is wrong for small
//! stations: with n = 40 voters every other count lands on a multiple of 5%. So each
//! station's own chance is computed exactly from the pmf of its count (summed over the
//! counts that round to a multiple of 5), and the observed count is compared with the sum
//! of those chances (a Poisson-binomial count):
//! z = (observed − Σp) / √Σp(1−p), with a one-sided (upper) normal p-value: Kobak et al.
//! look for an excess of round shares, and a shortfall is no sign of rounding them up.
//!
//! The count's null is not Binomial(n, k/n): the station's observed rate carries its own
//! binomial noise, and drawing around it adds that noise twice, which flagged clean
//! elections whose true rates all sit near a multiple of 5% (issue #13). The count is
//! Binomial(n, p) with p drawn from the rates of the station's region instead, taken as
//! logit-normal with the region's mean and spread, each shrunk toward what all regions
//! share (see [`super::rate_null`] for the fit and why it holds), and the chance is summed
//! over a grid of logit p; with no spread beyond the binomial it is Binomial(n, region's
//! rate).
//!
//! Stations at exactly 0% or 100% (k = 0 or k = n) are certain hits: both observed and
//! expected, with no variance, and left out of the fit; every other station's chance is
//! conditioned on 0 < k < n. The old null gave them certainty too (a rate of 0 or 1), but a
//! spread of rates does not expect them: Russia 2012's 3,964 stations at 100% turnout, a
//! phenomenon of their own (special stations, or stuffing), would otherwise read as an
//! excess of round percentages (z = 21).
//!
//! Turnout is ballots ÷ registered over stations with registered > 0 and ballots ≤
//! registered; the winner's share is the winner's votes ÷ valid over stations with
//! valid > 0 (and winner's votes ≤ valid).

use rayon::prelude::*;
use serde_json::json;
use statrs::distribution::{ContinuousCDF, Normal};

use super::rate_null::{chances, group_of};
use super::{Check, CheckContext};
use crate::data::Dataset;
use crate::result::{CheckResult, Effect, Family};
use crate::stats::binomial::{binomial_pmf, divergence};
use crate::stats::logit_normal::{LogitNormal, binomial_mixtures};

pub struct RoundPercent;

const ID: &str = "round-percent";
/// Fewer stations than this give no usable normal approximation.
const MIN_STATIONS: usize = 100;
/// Stations per parallel chunk; chunks are reduced in index order.
const CHUNK: usize = 4096;
/// Above this size counts are no longer exact integers in f64.
const EXACT_MAX_N: u64 = 1 << 50;
/// Above this binomial variance (σ = 1,000 voters, units of millions) the sum would visit
/// thousands of terms per station; a continuity-corrected normal is used instead.
const EXACT_MAX_VARIANCE: f64 = 1e6;

/// floor(100·k/n + 1/2) for 0 < n, computed in integers.
pub(crate) fn rounded_percent(k: u64, n: u64) -> u128 {
    (200 * u128::from(k) + u128::from(n)) / (2 * u128::from(n))
}

impl RoundPercent {
    /// The probability that round(100·X/n), half up, is a multiple of 5, for
    /// X ~ Binomial(n, rate). Exact (to about 1e-14) up to a binomial variance of 10^6;
    /// beyond, the normal approximation with continuity correction. Rates of 0 and 1 (and
    /// n = 0, where nothing varies) give 1: X = 0 or n rounds to 0% or 100%.
    pub fn multiple_of_five_probability(n: u64, rate: f64) -> f64 {
        if n == 0 || !(rate > 0.0 && rate < 1.0) {
            return 1.0;
        }
        let variance = n as f64 * rate * (1.0 - rate);
        if variance > EXACT_MAX_VARIANCE || n > EXACT_MAX_N {
            normal_approximation(n, n as f64 * rate, variance.sqrt())
        } else {
            exact(n, rate)
        }
    }
}

impl RoundPercent {
    /// The chance that round(100·X/n) is a multiple of 5 given 0 < X < n, for
    /// X ~ Binomial(n, p) with logit p ~ `rates`: both P(multiple of 5) and the ends'
    /// P(X = 0) + P(X = n) averaged over the rates, then conditioned on 0 < X < n
    /// (0% and 100% are both multiples of 5). With n ≤ 1 (no interior count) it is 1.
    pub fn interior_probability_logit_normal(n: u64, rates: LogitNormal) -> f64 {
        Self::interior_probabilities_logit_normal(n, &[rates])[0]
    }

    /// The same for several spreads of rates at one n, sharing the binomial sums.
    pub fn interior_probabilities_logit_normal(n: u64, rates: &[LogitNormal]) -> Vec<f64> {
        if n <= 1 {
            return vec![1.0; rates.len()];
        }
        let nf = n as f64;
        let sums = binomial_mixtures(n, rates, |p| {
            if !(p > 0.0 && p < 1.0) {
                return [1.0, 1.0];
            }
            let ends = (nf * (-p).ln_1p()).exp() + (nf * p.ln()).exp();
            [Self::multiple_of_five_probability(n, p), ends]
        });
        sums.into_iter()
            .map(|[all, ends]| {
                if ends >= 1.0 {
                    1.0
                } else {
                    ((all - ends) / (1.0 - ends)).clamp(0.0, 1.0)
                }
            })
            .collect()
    }
}

/// The first and last counts x that round to `percent` out of n (half up):
/// 2n·percent ≤ 200x + n < 2n·(percent + 1). The range is empty when n < 100 skips it.
fn bin_first(percent: u128, n: u64) -> u64 {
    let n = u128::from(n);
    if percent == 0 {
        0
    } else {
        (((2 * percent - 1) * n).div_ceil(200)).min(n) as u64
    }
}

fn bin_last(percent: u128, n: u64) -> u64 {
    let n = u128::from(n);
    (((2 * percent + 1) * n).div_ceil(200) - 1).min(n) as u64
}

/// floor(100·k/n + 1/2) and the percentage bins, in u64 for n ≤ 2^50 (no overflow).
fn percent_u64(k: u64, n: u64) -> u64 {
    (200 * k + n) / (2 * n)
}

fn first_u64(percent: u64, n: u64) -> u64 {
    if percent == 0 {
        0
    } else {
        ((2 * percent - 1) * n).div_ceil(200).min(n)
    }
}

fn last_u64(percent: u64, n: u64) -> u64 {
    (((2 * percent + 1) * n).div_ceil(200) - 1).min(n)
}

/// Below this Chernoff bound, a bin and every bin beyond it on its side are left out.
const NEGLIGIBLE_LN: f64 = -37.0; // e^−37 ≈ 8.5e-17

/// Sums the pmf over the counts whose rounded percentage is a multiple of 5, inside the
/// window where the binomial holds all but 1e-15 of its mass on each side (Bernstein's
/// inequality); bins whose Chernoff tail bound is below e^−37 are skipped. Each such
/// percentage's counts start from the exact pmf at the count nearest the mode and extend
/// by the ratio P(x+1)/P(x) = (n−x)/(x+1) · r/(1−r), so only a fifth of the window is
/// ever visited. Needs n ≤ 2^50 (exact integers in f64).
fn exact(n: u64, rate: f64) -> f64 {
    let nf = n as f64;
    let odds = rate / (1.0 - rate);
    let mean = nf * rate;
    let variance = mean * (1.0 - rate);
    // P(|X − μ| ≥ t) ≤ exp(−t² / (2(σ² + t/3))) per side; solve for a 1e-15 bound.
    let l = 15.0 * std::f64::consts::LN_10;
    let t = (2.0 * l / 3.0 + ((2.0 * l / 3.0).powi(2) + 8.0 * l * variance).sqrt()) / 2.0;
    let lo = (mean - t).floor().max(0.0) as u64;
    let hi = ((mean + t).ceil().min(nf)) as u64;
    let mode = (((nf + 1.0) * rate).floor() as u64).min(n);
    let mut p = 0.0;
    let mut percent = percent_u64(lo, n).div_ceil(5) * 5;
    let last = percent_u64(hi, n);
    while percent <= last {
        let a = first_u64(percent, n).max(lo);
        let b = last_u64(percent, n).min(hi);
        percent += 5;
        if a > b {
            continue;
        }
        let start = mode.clamp(a, b);
        let x0 = start as f64;
        let d = divergence(x0, nf, rate);
        if -d < NEGLIGIBLE_LN && (x0 - mean).abs() >= 1.0 {
            if x0 > mean {
                break; // every later bin lies further out
            }
            continue;
        }
        let w0 = binomial_pmf(x0, nf, rate, d);
        let mut sum = w0;
        let (mut w, mut x) = (w0, x0);
        while x < b as f64 {
            w *= (nf - x) * odds / (x + 1.0);
            x += 1.0;
            sum += w;
        }
        let (mut w, mut x) = (w0, x0);
        while x > a as f64 {
            w *= x / ((nf - x + 1.0) * odds);
            x -= 1.0;
            sum += w;
        }
        p += sum;
    }
    p.clamp(0.0, 1.0)
}

/// Σ over the multiple-of-5 percentages within 9σ of the mean μ of
/// Φ((hi + ½ − μ)/σ) − Φ((lo − ½ − μ)/σ), where lo..=hi are the counts that round to it.
fn normal_approximation(n: u64, mu: f64, sd: f64) -> f64 {
    let std = Normal::standard();
    let nf = n as f64;
    let lo_count = (mu - 9.0 * sd).max(0.0) as u64;
    let hi_count = ((mu + 9.0 * sd).min(nf)) as u64;
    let first = rounded_percent(lo_count, n) / 5 * 5;
    let last = rounded_percent(hi_count, n);
    let mut p = 0.0;
    let mut r = first;
    while r <= last {
        let (lo, hi) = (bin_first(r, n), bin_last(r, n));
        if hi >= lo {
            let (lo, hi) = (lo as f64, hi as f64);
            p += std.cdf((hi + 0.5 - mu) / sd) - std.cdf((lo - 0.5 - mu) / sd);
        }
        r += 5;
    }
    p.clamp(0.0, 1.0)
}

/// The counts behind one subject: observed hits, and the Poisson-binomial mean and variance.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    stations: u64,
    /// Stations at a rate of 90% or more, where the null's shape is least sure.
    high: u64,
    observed: u64,
    expected: f64,
    variance: f64,
}

impl Tally {
    fn add(mut self, o: Tally) -> Tally {
        self.stations += o.stations;
        self.high += o.high;
        self.observed += o.observed;
        self.expected += o.expected;
        self.variance += o.variance;
        self
    }
}

/// Tallies the stations that `pair` maps to (k, n); the others are skipped. A station at
/// 0% or 100% counts as certain (observed and expected 1, no variance): the null is
/// conditioned on which stations sit there, and the rest are fitted and drawn given
/// 0 < k < n.
fn tally(data: &Dataset, pair: impl Fn(usize) -> Option<(u64, u64)> + Sync) -> Tally {
    let (mut edge, mut full) = (0, 0);
    let obs: Vec<(usize, u64, u64)> = (0..data.stations.len())
        .filter_map(|i| pair(i).map(|(k, n)| (group_of(data.stations[i].region.get()), k, n)))
        .filter(|&(_, k, n)| {
            edge += u64::from(k == 0 || k == n);
            full += u64::from(k == n && n > 0);
            0 < k && k < n
        })
        .collect();
    let probs = chances(&obs, RoundPercent::interior_probabilities_logit_normal);
    let parts: Vec<Tally> = obs
        .par_chunks(CHUNK)
        .zip(probs.par_chunks(CHUNK))
        .map(|(chunk, ps)| {
            let mut t = Tally::default();
            for (&(_, k, n), &p) in chunk.iter().zip(ps) {
                t.stations += 1;
                t.high += u64::from(10 * k >= 9 * n);
                t.observed += u64::from(rounded_percent(k, n) % 5 == 0);
                t.expected += p;
                t.variance += p * (1.0 - p);
            }
            t
        })
        .collect();
    let certain = Tally {
        stations: edge,
        high: full,
        observed: edge,
        expected: edge as f64,
        variance: 0.0,
    };
    parts.into_iter().fold(certain, Tally::add)
}

fn result(subject: &str, what: &str, t: Tally) -> CheckResult {
    if (t.stations as usize) < MIN_STATIONS {
        return CheckResult::not_applicable(
            ID,
            subject,
            Family::Holm,
            t.stations,
            format!(
                "{} stations with a {what}; at least {MIN_STATIONS} are needed",
                t.stations
            ),
        );
    }
    let n = t.stations as f64;
    let sd = t.variance.sqrt();
    let (z, p) = if sd > 0.0 {
        let z = (t.observed as f64 - t.expected) / sd;
        (z, Normal::standard().sf(z))
    } else {
        // Every station was certain to land on a multiple of 5, and did.
        (0.0, 1.0)
    };
    let share = t.observed as f64 / n;
    let expected_share = t.expected / n;
    let excess = share - expected_share;
    CheckResult {
        statistic: Some(z),
        p_value: Some(p),
        effect: Some(Effect {
            measure: "excess_share".to_string(),
            value: excess,
        }),
        summary: format!(
            "{:+.2} points of excess: {:.2}% of {} stations have a {what} that rounds to a \
             multiple of 5%, against {:.2}% expected from their sizes (z = {z:.2}){}",
            100.0 * excess,
            100.0 * share,
            t.stations,
            100.0 * expected_share,
            high_rate_note(t, what),
        ),
        detail: json!({
            "high_rate_share": t.high as f64 / n,
            "share_0_5": share,
            "expected_share": expected_share,
            "observed": t.observed,
            "expected": t.expected,
            "sd": sd,
        }),
        ..CheckResult::applicable(ID, subject, Family::Holm, t.stations)
    }
}

/// Half the stations or more at 90% or more: there the count hangs on the shape of the
/// rates at the scale of one percent, and regions whose rates fill a flat box of a few
/// points are still misread (docs/checks.md, "Known limit").
fn high_rate_note(t: Tally, what: &str) -> String {
    if 2 * t.high < t.stations {
        return String::new();
    }
    format!(
        ". Most stations have a {what} of 90% or more, where the null's shape matters most \
         (regions whose rates fill a flat band a few points wide, as a uniform compulsory \
         turnout, were rejected in 19 of 100 clean elections at 0.01): read a departure as \
         weak evidence"
    )
}

impl Check for RoundPercent {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Holm
    }
    fn describe(&self) -> &'static str {
        "share of stations whose turnout or winner's share rounds to a multiple of 5%, \
         against the share expected from each station's size"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        let data = ctx.data;
        let turnout = if data.roles.registered {
            let t = tally(data, |i| {
                let s = &data.stations[i];
                match s.registered {
                    Some(r) if r > 0 && s.ballots <= r => Some((s.ballots.into(), r.into())),
                    _ => None,
                }
            });
            result("turnout", "turnout", t)
        } else {
            CheckResult::not_applicable(
                ID,
                "turnout",
                Family::Holm,
                0,
                "no registered-voters column",
            )
        };
        let winner = data.winner;
        let share = tally(data, |i| {
            let s = &data.stations[i];
            let w = *data.votes_of(i).get(winner)?;
            (s.valid > 0 && w <= s.valid).then_some((w.into(), s.valid.into()))
        });
        vec![turnout, result("winner-share", "winner's share", share)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up_in_integers() {
        assert_eq!(rounded_percent(1, 200), 1); // 0.5% rounds up
        assert_eq!(rounded_percent(1, 201), 0);
        assert_eq!(rounded_percent(29, 40), 73); // 72.5%
        assert_eq!(rounded_percent(0, 7), 0);
        assert_eq!(rounded_percent(7, 7), 100);
        assert_eq!(rounded_percent(u64::MAX, u64::MAX), 100);
    }

    // Each reference value: python3 -c "import numpy as np; from scipy.stats import binom;
    //   n=N; r=R; x=np.arange(n+1); k=(200*x+n)//(2*n);
    //   print(repr(binom.pmf(x[k%5==0], n, r).sum()))"
    #[test]
    fn exact_probability_matches_scipy() {
        let cases = [
            (40, 0.7, 0.5000000000000003),
            (150, 0.63, 0.20241522288480224),
            (1000, 0.7, 0.2713710418826206),
            (1000, 0.7123, 0.19462416985115805),
            (2345, 0.81, 0.22976914588039848),
            (20, 0.5, 1.0),
            (333, 0.001, 0.9555343763268156),
            (333, 0.999, 0.9555343763268154),
            (99_999, 0.6944, 0.33985957405647316),
            (24, 0.7503646726300526, 0.19131736248591746),
            (7, 0.3, 0.08257300000000004),
            (3, 0.4, 0.2799999999999999),
            (150, 0.003, 0.6371974767707247),
            (150, 0.997, 0.6371974767707248),
            (60, 0.95, 0.3270800682704177),
            (41_346, 0.3837372418129928, 1.303478450026045e-06),
        ];
        for (n, r, want) in cases {
            let got = RoundPercent::multiple_of_five_probability(n, r);
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "n={n} r={r}: {got} vs {want}"
            );
        }
    }

    // Above a binomial variance of 10^6 the normal approximation is used; same command.
    #[test]
    fn normal_branch_is_close_to_scipy() {
        let cases = [
            (5_000_000, 0.6049, 0.6761323055868536),
            (12_000_000, 0.69497, 0.41084908874846787),
            (4_000_000, 0.7249, 0.0),
        ];
        for (n, r, want) in cases {
            let got = RoundPercent::multiple_of_five_probability(n, r);
            assert!((got - want).abs() <= 1e-4, "n={n} r={r}: {got} vs {want}");
        }
    }

    // Given 0 < X < n, for a binomial (the logit-normal null with no spread); each value:
    // python3 -c "import numpy as np; from scipy.stats import binom; n=N; m=M
    //   x=np.arange(n+1); h=x[((200*x+n)//(2*n))%5==0]; d=binom(n,m)
    //   e=d.pmf(0)+d.pmf(n); print(repr((d.pmf(h).sum()-e)/(1-e)))"
    #[test]
    fn interior_probability_without_spread_matches_scipy() {
        for (n, m, want) in [
            (60, 0.95_f64, 0.2945815836263916),
            (150, 0.003, 1.215759182677226e-06),
        ] {
            let rates = LogitNormal {
                mu: (m / (1.0 - m)).ln(),
                sigma: 0.0,
            };
            let got = RoundPercent::interior_probability_logit_normal(n, rates);
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "n={n} m={m}: {got} vs {want}"
            );
        }
        // No interior count lands on a multiple of 5% out of 7 or 3; every one does out of
        // 20 or 2; n = 1 has none, and counts as certain.
        let rates = LogitNormal {
            mu: -0.4,
            sigma: 0.5,
        };
        for (n, want) in [(7, 0.0), (3, 0.0), (20, 1.0), (2, 1.0), (1, 1.0)] {
            let got = RoundPercent::interior_probability_logit_normal(n, rates);
            assert!((got - want).abs() < 1e-12, "n={n}: {got}");
        }
    }

    // Given 0 < X < n with logit p ~ N(MU, S²); each reference value, integrated by scipy:
    // python3 -c "import numpy as np; from scipy.stats import binom, norm; from scipy.special
    //   import expit; from scipy.integrate import quad; n=N; mu=MU; s=S
    //   x=np.arange(n+1); h=x[((200*x+n)//(2*n))%5==0]
    //   I=lambda g: quad(lambda t: g(expit(t))*norm.pdf(t, mu, s), mu-12*s, mu+12*s,
    //     epsabs=1e-15, epsrel=1e-13, limit=2000)[0]
    //   a=I(lambda p: binom.pmf(h, n, p).sum()); e=I(lambda p: binom.pmf(0, n, p)+binom.pmf(n, n, p))
    //   print(repr((a-e)/(1-e)))"
    #[test]
    fn logit_normal_probability_matches_scipy() {
        let cases = [
            (40, 0.8, 0.3, 0.49999156440918835),
            (900, 2.5, 0.3, 0.19587154289024278),
            (900, 3.2, 0.5, 0.15885633860615847),
            (150, -0.5, 1.0, 0.2000821847865488),
            (2345, 1.4, 0.05, 0.3251500439475611),
            (60, 2.9, 0.4, 0.28770430615610554),
            (5000, 0.3, 0.2, 0.20000000033767243),
            (1000, 2.2, 1e-4, 0.3999382642390314),
        ];
        for (n, mu, sigma, want) in cases {
            let got = RoundPercent::interior_probability_logit_normal(n, LogitNormal { mu, sigma });
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "n={n} mu={mu} sigma={sigma}: {got} vs {want}"
            );
        }
        let none = LogitNormal {
            mu: 0.2,
            sigma: 0.6,
        };
        assert_eq!(
            RoundPercent::interior_probability_logit_normal(7, none),
            0.0
        );
        assert_eq!(
            RoundPercent::interior_probability_logit_normal(1, none),
            1.0
        );
    }

    #[test]
    fn degenerate_rates_are_certain() {
        assert_eq!(RoundPercent::multiple_of_five_probability(1234, 0.0), 1.0);
        assert_eq!(RoundPercent::multiple_of_five_probability(1234, 1.0), 1.0);
        assert_eq!(RoundPercent::multiple_of_five_probability(0, 0.5), 1.0);
        assert_eq!(
            RoundPercent::multiple_of_five_probability(10, f64::NAN),
            1.0
        );
    }
}
