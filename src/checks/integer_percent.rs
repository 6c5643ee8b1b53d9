//! `integer-percent`: an excess of whole-number percentages in turnout and the winner's result
//! (Kobak, Shpilkin and Pshenichnikov 2016, Annals of Applied Statistics 10(1)).
//!
//! Where results are written to order, turnout and the winner's result are often set to round
//! targets such as 80%, so whole percentages are over-represented. A percentage 100k/n counts as
//! "integer" when it lies within ±0.05 points of a whole number j, inclusive: |2000k − 20jn| ≤ n,
//! tested in integers.
//!
//! The null redraws each station's numerator from Binomial(n, k/n), so that the expected count
//! respects every station's own size. The expectation is exact (each station's probability of an
//! integer percentage is summed from the binomial pmf), a seeded Monte Carlo reports the spread
//! of the count, and the p-value is the upper tail of the count's Poisson-binomial distribution
//! by a saddlepoint approximation, which reaches the tiny values real manipulation produces.
//! The reported statistic is z = (observed − expected) / sd of that count.
//!
//! Known limit: like the paper, the null plugs in the station's own rate, which adds its
//! binomial noise a second time (`round-percent`'s null no longer does, see
//! [`super::rate_null`]). Here that is harmless while the noise, about 1.5 points at 1,000
//! voters, hides the 1-point lattice: clean elections whose rates all sit on (or halfway
//! between) whole percents are calibrated with stations of up to about 5,000 voters, but with
//! 20,000 they are flagged nearly always. The paper's null is kept so that its published
//! expectations are reproduced (tests/integer_percent.rs has the measurements).

use rayon::prelude::*;
use serde_json::json;
use statrs::distribution::{ContinuousCDF, Normal};

use super::{Check, CheckContext};
use crate::data::Dataset;
use crate::montecarlo::batch_rng;
use crate::result::charts::percent_histogram;
use crate::result::{CheckResult, Effect, Family};
pub use crate::stats::integer::{integer_probability, is_integer_percent};
use crate::stats::quantile::type7_sorted;

/// Monte Carlo replicates of the integer count under the null.
pub const DEFAULT_REPLICATES: usize = 1000;
/// Replicates per seeded batch; fixed so that results do not depend on the thread count.
const REPLICATE_BATCH: usize = 10;
/// Stations the check needs after inclusion.
pub const MIN_STATIONS: usize = 100;
/// Smallest registered count a station needs (as in the paper).
pub const MIN_REGISTERED: u64 = 100;
/// The subjects, in report order.
pub const SUBJECTS: [&str; 3] = ["turnout", "winner-result", "either"];

const ID: &str = "integer-percent";

/// The `integer-percent` check. Its p-value is one-sided (upper): manipulation to round
/// targets makes integer percentages more common, never rarer.
pub struct IntegerPercent;

impl Check for IntegerPercent {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Holm
    }
    fn describe(&self) -> &'static str {
        "excess of whole-number percentages in turnout and the winner's result, against each \
         station's binomial expectation (Kobak et al. 2016)"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        let mut results = integer_percent_results(
            ctx.data,
            ctx.options.seed,
            ctx.options.integer_percent_replicates,
        );
        if ctx.options.charts && results.iter().all(|r| r.applicable) {
            add_histograms(&mut results, &included(ctx.data));
        }
        results
    }
}

/// P(X ≥ x) for X a sum of independent Bernoulli(p_i) (a Poisson-binomial count).
///
/// Lugannani–Rice saddlepoint approximation with Daniels' second continuity correction for a
/// lattice variable: solve K'(s) = x − 1/2 for the cumulant generating function K, then
/// P ≈ 1 − Φ(w) + φ(w)(1/u − 1/w) with w = sign(s)·sqrt(2(s(x − 1/2) − K(s))) and
/// u = 2 sinh(s/2)·sqrt(K''(s)). Its relative error stays small far into the tail (a few percent
/// at 1e-10 in the tests against the exact distribution). Within 0.001 sd of the mean, where
/// the formula cancels, a normal approximation with an Edgeworth skewness term takes over.
pub fn poisson_binomial_sf(probs: &[f64], x: u64) -> f64 {
    let mut sure = 0u64;
    let mut open: Vec<f64> = Vec::with_capacity(probs.len());
    for &p in probs {
        if p >= 1.0 {
            sure += 1;
        } else if p > 0.0 {
            open.push(p);
        }
    }
    if x <= sure {
        return 1.0;
    }
    let x = x - sure;
    if x > open.len() as u64 {
        return 0.0;
    }
    if x == open.len() as u64 {
        // Every uncertain station must be integer: exact, and where the approximation is weakest.
        return open.iter().map(|p| p.ln()).sum::<f64>().exp();
    }
    let y = x as f64 - 0.5;
    let mean: f64 = open.iter().sum();
    let var: f64 = open.iter().map(|p| p * (1.0 - p)).sum();
    let sd = var.sqrt();
    if (y - mean).abs() < 1e-3 * sd {
        let third: f64 = open.iter().map(|p| p * (1.0 - p) * (1.0 - 2.0 * p)).sum();
        let z = (y - mean) / sd;
        let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let p = normal_sf(z) + third / (6.0 * sd * sd * sd) * (z * z - 1.0) * phi;
        return p.clamp(0.0, 1.0);
    }
    let s = solve_saddlepoint(&open, y, mean);
    let (k, k2) = cumulants_at(&open, s);
    let w2 = 2.0 * (s * y - k);
    if w2.is_nan() || w2 <= 0.0 || k2.is_nan() || k2 <= 0.0 {
        return if y > mean { 0.0 } else { 1.0 };
    }
    let w = s.signum() * w2.sqrt();
    let u = 2.0 * (0.5 * s).sinh() * k2.sqrt();
    let phi = (-0.5 * w2).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (normal_sf(w) + phi * (1.0 / u - 1.0 / w)).clamp(0.0, 1.0)
}

fn normal_sf(z: f64) -> f64 {
    Normal::standard().sf(z)
}

/// K(s) and K''(s) of a sum of Bernoulli(p) with 0 < p < 1.
fn cumulants_at(probs: &[f64], s: f64) -> (f64, f64) {
    let mut k = 0.0;
    let mut k2 = 0.0;
    for &p in probs {
        // ln(1 − p + p e^s), kept finite for large |s|.
        k += if s > 0.0 {
            s + (p + (1.0 - p) * (-s).exp()).ln()
        } else {
            (p * s.exp_m1()).ln_1p()
        };
        let t = tilted(p, s);
        k2 += t * (1.0 - t);
    }
    (k, k2)
}

/// The tilted probability p e^s / (1 − p + p e^s).
fn tilted(p: f64, s: f64) -> f64 {
    1.0 / (1.0 + (1.0 - p) / p * (-s).exp())
}

/// K'(s) and K''(s).
fn slope_at(probs: &[f64], s: f64) -> (f64, f64) {
    probs.iter().fold((0.0, 0.0), |(a, b), &p| {
        let t = tilted(p, s);
        (a + t, b + t * (1.0 - t))
    })
}

/// Solves K'(s) = y by Newton's method inside a bracket that bisection keeps honest.
fn solve_saddlepoint(probs: &[f64], y: f64, mean: f64) -> f64 {
    let (mut lo, mut hi) = if y > mean {
        let mut hi = 1.0_f64;
        while slope_at(probs, hi).0 < y && hi < 1e3 {
            hi *= 2.0;
        }
        (0.0, hi)
    } else {
        let mut lo = -1.0_f64;
        while slope_at(probs, lo).0 > y && lo > -1e3 {
            lo *= 2.0;
        }
        (lo, 0.0)
    };
    let mut s = 0.0_f64.clamp(lo, hi);
    for _ in 0..200 {
        let (k1, k2) = slope_at(probs, s);
        let f = k1 - y;
        if f > 0.0 {
            hi = s;
        } else {
            lo = s;
        }
        let mut next = if k2 > 0.0 { s - f / k2 } else { f64::NAN };
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - s).abs() <= 1e-14 * (1.0 + s.abs()) || hi - lo <= 1e-15 * (1.0 + s.abs()) {
            return next;
        }
        s = next;
    }
    s
}

/// The stations a check can use, with their turnout and result counts.
struct Included {
    /// (ballots, registered, winner votes, valid + invalid) per included station, in 32
    /// bits where they fit (valid + invalid may not).
    counts: Vec<(u32, u32, u32, u64)>,
}

/// Inclusion as in the paper: valid + invalid > 0, registered ≥ 100, turnout ≤ 99%, result ≤ 99%;
/// also the winner must be on the station's ballot, or the result means nothing.
fn included(data: &Dataset) -> Included {
    let counts = data
        .stations
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let reg = s.registered?;
            let cast = u64::from(s.valid) + u64::from(s.invalid);
            let win = *data.votes_of(i).get(data.winner)?;
            let on_ballot = *data.on_ballot_of(i).get(data.winner)?;
            let ok = on_ballot
                && cast > 0
                && u64::from(reg) >= MIN_REGISTERED
                && 100 * u128::from(s.ballots) <= 99 * u128::from(reg)
                && 100 * u128::from(win) <= 99 * u128::from(cast);
            ok.then_some((s.ballots, reg, win, cast))
        })
        .collect();
    Included { counts }
}

/// Observed and null figures for one subject.
#[derive(Debug, Clone, Copy, Default)]
struct SubjectTally {
    observed: u64,
    expected: f64,
    variance: f64,
}

/// All three subjects, with `replicates` Monte Carlo draws seeded from `seed`.
pub fn integer_percent_results(data: &Dataset, seed: u64, replicates: usize) -> Vec<CheckResult> {
    let na = |why: &str, n: u64| {
        SUBJECTS
            .iter()
            .map(|s| CheckResult::not_applicable(ID, s, Family::Holm, n, why))
            .collect::<Vec<_>>()
    };
    if !data.roles.registered {
        return na("no registered-voters column is mapped", 0);
    }
    let inc = included(data);
    let n = inc.counts.len();
    if n < MIN_STATIONS {
        return na(
            &format!(
                "{n} stations pass the inclusion rules (registered >= 100, turnout and result \
                 <= 99%); at least {MIN_STATIONS} are needed"
            ),
            n as u64,
        );
    }

    // Per station: null probabilities of turnout and result (`either` is their union);
    // observed flags are only counted.
    let per: Vec<([f64; 2], [bool; 2])> = inc
        .counts
        .par_iter()
        .map(|&(b, r, w, c)| {
            let (b, r, w) = (u64::from(b), u64::from(r), u64::from(w));
            let flags = [is_integer_percent(b, r), is_integer_percent(w, c)];
            let pt = integer_probability(r, b as f64 / r as f64);
            let pr = integer_probability(c, w as f64 / c as f64);
            ([pt, pr], flags)
        })
        .collect();
    drop(inc);
    let mut tallies = [SubjectTally::default(); 3];
    for &(p, [ft, fr]) in &per {
        let (flags, probs) = ([ft, fr, ft || fr], subject_probs(p));
        for s in 0..3 {
            tallies[s].observed += u64::from(flags[s]);
            tallies[s].expected += probs[s];
            tallies[s].variance += probs[s] * (1.0 - probs[s]);
        }
    }
    let mc = monte_carlo(&per, seed, replicates);

    (0..3)
        .map(|s| {
            let probs: Vec<f64> = per.iter().map(|&(p, _)| subject_probs(p)[s]).collect();
            let p_value = poisson_binomial_sf(&probs, tallies[s].observed);
            subject_result(
                SUBJECTS[s],
                n as u64,
                tallies[s],
                p_value,
                &mc[s],
                replicates,
            )
        })
        .collect()
}

/// Null probabilities of (turnout, result, either) from those of turnout and result.
fn subject_probs([pt, pr]: [f64; 2]) -> [f64; 3] {
    [pt, pr, pt + pr - pt * pr]
}

/// The turnout and result histograms the HTML report draws, with this check's null.
fn add_histograms(results: &mut [CheckResult], inc: &Included) {
    let turnout: Vec<(u64, u64)> = (inc.counts.iter())
        .map(|&(b, r, _, _)| (b.into(), r.into()))
        .collect();
    let result: Vec<(u64, u64)> = (inc.counts.iter())
        .map(|&(_, _, w, c)| (w.into(), c))
        .collect();
    let (t, r) = rayon::join(
        || percent_histogram("turnout (% of registered voters)", &turnout),
        || percent_histogram("winner's result (% of valid + invalid ballots)", &result),
    );
    results[0].charts.histogram = Some(t);
    results[1].charts.histogram = Some(r);
}

/// Monte Carlo counts per subject: each station's integer indicators are drawn from their exact
/// probabilities, turnout and result independently, and `either` is their union.
fn monte_carlo(per: &[([f64; 2], [bool; 2])], seed: u64, replicates: usize) -> [Vec<u32>; 3] {
    // p·2^32 as a threshold for a 32-bit uniform: P(u < t) = t / 2^32, to 2^-33.
    let scale = 4_294_967_296.0_f64;
    let thresholds: Vec<(u64, u64)> = per
        .iter()
        .map(|(p, _)| ((p[0] * scale).round() as u64, (p[1] * scale).round() as u64))
        .collect();
    let batches = replicates.div_ceil(REPLICATE_BATCH);
    let counts: Vec<[u32; 3]> = (0..batches)
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut rng = batch_rng(seed, ID, b as u64);
            let in_batch = REPLICATE_BATCH.min(replicates - b * REPLICATE_BATCH);
            let thresholds = &thresholds;
            (0..in_batch).map(move |_| {
                let mut c = [0u32; 3];
                for &(tt, tr) in thresholds {
                    let u = rand::Rng::next_u64(&mut rng);
                    let a = (u & 0xFFFF_FFFF) < tt;
                    let r = (u >> 32) < tr;
                    c[0] += u32::from(a);
                    c[1] += u32::from(r);
                    c[2] += u32::from(a | r);
                }
                c
            })
        })
        .collect();
    let mut out: [Vec<u32>; 3] = Default::default();
    for c in counts {
        for s in 0..3 {
            out[s].push(c[s]);
        }
    }
    out
}

fn subject_result(
    subject: &str,
    n: u64,
    t: SubjectTally,
    p_value: f64,
    mc: &[u32],
    replicates: usize,
) -> CheckResult {
    let excess = t.observed as f64 - t.expected;
    let sd = t.variance.sqrt();
    let z = (sd > 0.0).then(|| excess / sd);
    let mut sorted: Vec<f64> = mc.iter().map(|&c| f64::from(c)).collect();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len().max(1) as f64;
    let mc_mean = sorted.iter().sum::<f64>() / m;
    let mc_sd = if sorted.len() > 1 {
        (sorted.iter().map(|c| (c - mc_mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt()
    } else {
        0.0
    };
    let mc_q999 = type7_sorted(&sorted, 0.999);
    let share = excess / n as f64;
    let what = match subject {
        "turnout" => "turnout",
        "winner-result" => "the winner's result",
        _ => "turnout or the winner's result",
    };
    // Adding 0.0 turns a rounded -0.00 into +0.00.
    let pct = (10_000.0 * share).round() / 100.0 + 0.0;
    let mc_text = if mc.is_empty() {
        String::new()
    } else {
        format!(" (Monte Carlo sd {mc_sd:.1})")
    };
    let summary = format!(
        "Excess share {pct:+.2}% of stations: {} have a whole-number percentage in {what}, \
         against {:.1} expected from each station's size{mc_text}.",
        t.observed, t.expected
    );
    // With no replicates there is no Monte Carlo spread to report.
    let mc_num = |x: f64| (!mc.is_empty()).then_some(x);
    CheckResult {
        statistic: z,
        p_value: Some(p_value),
        effect: Some(Effect {
            measure: "excess_share".into(),
            value: share,
        }),
        summary,
        detail: json!({
            "observed": t.observed,
            "expected": t.expected,
            "excess": excess,
            "sd": sd,
            "mc_mean": mc_num(mc_mean),
            "mc_sd": mc_num(mc_sd),
            "mc_q999": mc_q999,
            "replicates": replicates,
        }),
        ..CheckResult::applicable(ID, subject, Family::Holm, n)
    }
}
