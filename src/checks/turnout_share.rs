//! `turnout-share`: how the winner's share and each candidate's votes move with turnout.
//!
//! Ballot stuffing raises turnout and the winner's share together, so the two correlate
//! across stations, and the winner's votes per registered voter climb faster with turnout than
//! the winner's share alone would imply (Sobyanin and Sukhovolsky). Both are reported for
//! context only (`Family::Descriptive`): turnout and preference vary together across regions
//! and town sizes in clean elections too, so on 100,000 heterogeneous stations the test of
//! zero correlation rejects even when nothing is wrong.

use serde::Serialize;
use serde_json::json;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{Check, CheckContext};
use crate::data::Dataset;
use crate::result::{CheckResult, Effect, Family};

const ID: &str = "turnout-share";
const SUBJECT: &str = "winner-share";
/// Stations the check needs (the t-test has n − 2 degrees of freedom).
pub const MIN_STATIONS: usize = 3;

/// The `turnout-share` check.
pub struct TurnoutShare;

impl Check for TurnoutShare {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Descriptive
    }
    fn describe(&self) -> &'static str {
        "correlation of turnout and the winner's share, and each candidate's votes per \
         registered voter regressed on turnout (Sobyanin-Sukhovolsky); descriptive"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        vec![turnout_share_result(ctx.data)]
    }
}

/// One candidate's Sobyanin–Sukhovolsky regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// The candidate's name.
    pub candidate: String,
    /// Stations where the candidate was on the ballot.
    pub n: u64,
    /// Change in votes per registered voter per unit of turnout.
    pub slope: f64,
    /// 95% interval of the slope.
    pub ci_low: f64,
    pub ci_high: f64,
    /// The candidate's share of valid votes over the same stations.
    pub share: f64,
    /// Near 0 when added turnout splits like the rest; near 1 − share for the winner when
    /// every added ballot is theirs.
    pub slope_minus_share: f64,
}

/// Weighted Pearson correlation of `x` and `y` with weights `w` (two-pass, so that it stays
/// accurate when the means are large). `None` when either variable has no weighted variance.
pub fn weighted_correlation(x: &[f64], y: &[f64], w: &[f64]) -> Option<f64> {
    let sw: f64 = w.iter().sum();
    if sw.is_nan() || sw <= 0.0 {
        return None;
    }
    let mx = dot(w, x) / sw;
    let my = dot(w, y) / sw;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for ((&xi, &yi), &wi) in x.iter().zip(y).zip(w) {
        let (dx, dy) = (xi - mx, yi - my);
        sxy += wi * dx * dy;
        sxx += wi * dx * dx;
        syy += wi * dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// Two-sided p of the t-test of zero correlation: t = r·sqrt((n − 2)/(1 − r²)) on n − 2
/// degrees of freedom, with n the number of stations (the weights do not add information).
pub fn correlation_p_value(r: f64, n: usize) -> Option<f64> {
    if n < 3 || !r.is_finite() {
        return None;
    }
    if r.abs() >= 1.0 {
        return Some(0.0);
    }
    let df = (n - 2) as f64;
    let t = r.abs() * (df / (1.0 - r * r)).sqrt();
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((2.0 * dist.sf(t)).min(1.0))
}

/// Weighted least squares of `y` on `x` with weights `w` (read as inverse variances):
/// the slope and its 95% interval, slope ± t(0.975, n − 2)·SE, where
/// SE² = [Σ w e² / (n − 2)] / Σ w (x − x̄_w)² is the classical WLS standard error.
pub fn weighted_slope(x: &[f64], y: &[f64], w: &[f64]) -> Option<(f64, f64, f64)> {
    let n = x.len();
    let sw: f64 = w.iter().sum();
    if n < 3 || sw.is_nan() || sw <= 0.0 {
        return None;
    }
    let mx = dot(w, x) / sw;
    let my = dot(w, y) / sw;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for ((&xi, &yi), &wi) in x.iter().zip(y).zip(w) {
        sxy += wi * (xi - mx) * (yi - my);
        sxx += wi * (xi - mx) * (xi - mx);
    }
    if sxx.is_nan() || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let rss: f64 = x
        .iter()
        .zip(y)
        .zip(w)
        .map(|((&xi, &yi), &wi)| {
            let e = yi - my - slope * (xi - mx);
            wi * e * e
        })
        .sum();
    let df = (n - 2) as f64;
    let se = (rss / df / sxx).sqrt();
    let q = StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(0.975);
    Some((slope, slope - q * se, slope + q * se))
}

/// The `turnout-share` result on `data`.
pub fn turnout_share_result(data: &Dataset) -> CheckResult {
    let na = |n: usize, why: &str| {
        CheckResult::not_applicable(ID, SUBJECT, Family::Descriptive, n as u64, why)
    };
    if !data.roles.registered {
        return na(0, "no registered-voters column is mapped");
    }
    // Stations with a defined turnout (registered > 0, ballots <= registered) and valid votes.
    let idx: Vec<usize> = (0..data.stations.len())
        .filter(|&i| data.stations[i].turnout().is_some() && data.stations[i].valid > 0)
        .collect();
    let n = idx.len();
    if n < MIN_STATIONS {
        return na(
            n,
            &format!(
                "{n} stations have a turnout and valid votes; at least {MIN_STATIONS} are needed"
            ),
        );
    }
    let turnout: Vec<f64> = idx
        .iter()
        .filter_map(|&i| data.stations[i].turnout())
        .collect();
    let share: Vec<f64> = idx.iter().filter_map(|&i| data.winner_share(i)).collect();
    let weight: Vec<f64> = idx
        .iter()
        .map(|&i| data.stations[i].registered.unwrap_or(0) as f64)
        .collect();
    let Some(r) = weighted_correlation(&turnout, &share, &weight) else {
        return na(
            n,
            "turnout or the winner's share does not vary across stations",
        );
    };
    let p = correlation_p_value(r, n);

    let regressions: Vec<Regression> = (0..data.n_candidates())
        .filter_map(|j| regression_for(data, &idx, j))
        .collect();
    let winner = data
        .candidates
        .get(data.winner)
        .cloned()
        .unwrap_or_default();
    let winner_gap = regressions
        .iter()
        .find(|g| g.candidate == winner)
        .map(|g| {
            format!(
                "; the winner's votes per registered voter rise {:.2} per unit of turnout against a \
                 share of {:.2}",
                g.slope, g.share
            )
        })
        .unwrap_or_default();
    let summary = format!(
        "Turnout and the winner's share correlate at r = {r:.3} across {n} stations (weighted \
         by registered voters){winner_gap}; descriptive only, since on large heterogeneous \
         elections the test of zero correlation rejects even when they are clean."
    );
    CheckResult {
        statistic: Some(r),
        p_value: p,
        effect: Some(Effect {
            measure: "correlation".into(),
            value: r,
        }),
        summary,
        detail: json!({
            "correlation": r,
            "weights": "registered voters",
            "regressions": regressions,
        }),
        ..CheckResult::applicable(ID, SUBJECT, Family::Descriptive, n as u64)
    }
}

/// Candidate `j`'s votes per registered voter on turnout, over the stations in `idx` where
/// the candidate was on the ballot, weighted by registered voters.
fn regression_for(data: &Dataset, idx: &[usize], j: usize) -> Option<Regression> {
    let (mut x, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
    let (mut votes, mut valid) = (0u128, 0u128);
    for &i in idx {
        if !*data.on_ballot_of(i).get(j)? {
            continue;
        }
        let s = &data.stations[i];
        let reg = s.registered? as f64;
        let v = *data.votes_of(i).get(j)?;
        x.push(s.turnout()?);
        y.push(v as f64 / reg);
        w.push(reg);
        votes += u128::from(v);
        valid += u128::from(s.valid);
    }
    let (slope, ci_low, ci_high) = weighted_slope(&x, &y, &w)?;
    let share = if valid > 0 {
        votes as f64 / valid as f64
    } else {
        return None;
    };
    Some(Regression {
        candidate: data.candidates.get(j)?.clone(),
        n: x.len() as u64,
        slope,
        ci_low,
        ci_high,
        share,
        slope_minus_share: slope - share,
    })
}
