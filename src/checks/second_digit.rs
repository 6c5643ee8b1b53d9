//! `second-digit`: Mebane's second-digit Benford test (2BL) on counts of 10 or more.
//!
//! The flag rests on Pearson's chi-square of the ten second-digit counts against the
//! smooth null ([`crate::stats::smooth`]): the frequencies a smooth distribution of the
//! same shape gives, with bandwidth [`SECOND_DIGIT_BANDWIDTH`]. That kernel is narrow and
//! follows part of the data, so the p-value comes from the statistic's null distribution
//! with the expectation's own variation included ([`smooth_chi2`]: `chi2 / c ~ chi2(nu)`,
//! reported as `null_scale` and `null_df`; about 0.8 and 8 rather than 1 and 9). The classic test against
//! Benford's second-digit law (Mebane's mean 4.187) is reported in `detail.classic` for
//! comparison with the literature; it rejects nearly every large clean election.
//!
//! Where the smooth null rejects (p < 0.05), a second null that keeps each station's size
//! ([`super::size_null`]) is read too, and the larger p-value is reported: bunched station
//! sizes (a legal cap) make a peak in ballots cast that the kernel cannot follow.

use rayon::prelude::*;
use serde_json::json;

use super::size_null::{REPLICATES, size_null};
use super::{Check, CheckContext};
use crate::result::{Charts, CheckResult, DigitChart, Effect, Family};
use crate::stats::digits::{benford_second, benford_second_mean, second_digit};
use crate::stats::format::format_p;
use crate::stats::smooth::{CountHistogram, DigitClasses, SECOND_DIGIT_BANDWIDTH, smooth_chi2};
use crate::stats::{chi2_sf, cramers_v, pearson_chi2};

/// `second-digit` (Mebane's 2BL).
pub struct SecondDigit;

const ID: &str = "second-digit";
/// Counts below this have no second digit.
pub const MIN_COUNT: u64 = 10;
/// Fewer tested counts than this leave the chi-square's expected counts near 10 per digit
/// and the interval of the mean too wide to say anything: the check is not applicable.
pub const MIN_TESTED: u64 = 100;
/// Two-sided 95% normal quantile.
const Z_95: f64 = 1.959_963_984_540_054;

impl Check for SecondDigit {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Holm
    }
    fn describe(&self) -> &'static str {
        "Second digits of counts of 10 or more against a smooth distribution of the same shape (Mebane's 2BL)"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        ctx.digit_subjects()
            .par_iter()
            .enumerate()
            .map(|(j, s)| {
                let r = evaluate(&s.name, &s.hist);
                keep_sizes(r, ctx, j)
            })
            .collect()
    }
}

fn evaluate(subject: &str, hist: &CountHistogram) -> CheckResult {
    let mut tally = [0u64; 10];
    for (v, w) in hist.iter() {
        if let Some(d) = second_digit(v) {
            tally[d as usize] += w;
        }
    }
    let n: u64 = tally.iter().sum();
    let na = |why: String| CheckResult::not_applicable(ID, subject, Family::Holm, n, why);
    if n < MIN_TESTED {
        return na(format!(
            "only {n} counts of {MIN_COUNT} or more; the test needs at least {MIN_TESTED}"
        ));
    }
    let Some(fit) = smooth_chi2(
        hist,
        SECOND_DIGIT_BANDWIDTH,
        DigitClasses::SecondDigit,
        MIN_COUNT,
    ) else {
        return na("the smooth null puts no mass on counts of 10 or more".into());
    };
    let nf = n as f64;
    let shares: Vec<f64> = fit.expected.iter().map(|e| e / nf).collect();
    let expected = fit.expected.clone();
    let (chi2, p) = (fit.chi2, fit.p_value);
    let benford = benford_second();
    let benford_expected: Vec<f64> = benford.iter().map(|s| nf * s).collect();
    let classic_chi2 = pearson_chi2(&tally, &benford_expected).unwrap_or(f64::NAN);
    let classic_p = chi2_sf(classic_chi2, 9.0);

    let mean = digit_mean(&tally, nf);
    let var = tally
        .iter()
        .enumerate()
        .map(|(d, &c)| c as f64 * (d as f64 - mean).powi(2))
        .sum::<f64>()
        / (nf - 1.0);
    let half = Z_95 * (var / nf).sqrt();
    let expected_mean: f64 = shares.iter().enumerate().map(|(d, s)| d as f64 * s).sum();
    let v = cramers_v(chi2, n, 10).unwrap_or(0.0);
    CheckResult {
        statistic: Some(chi2),
        p_value: Some(p),
        effect: Some(Effect {
            measure: "cramers_v".into(),
            value: v,
        }),
        summary: format!(
            "Second digits depart from a smooth distribution's expectation by Cramér's V {v:.3} \
             (mean {mean:.2} vs {expected_mean:.2} expected); chi2 = {chi2:.1}, {}.",
            format_p(p)
        ),
        detail: json!({
            "mean": mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "benford_mean": benford_second_mean(),
            "expected_mean": expected_mean,
            "counts": tally,
            "expected": expected,
            "min_count": MIN_COUNT,
            "null_scale": fit.scale,
            "null_df": fit.df,
            "null": format!(
                "smooth kernel estimate, bandwidth max({} x, {})",
                SECOND_DIGIT_BANDWIDTH.fraction, SECOND_DIGIT_BANDWIDTH.floor
            ),
            "classic": { "chi2": classic_chi2, "p_value": classic_p },
        }),
        charts: Charts {
            digits: Some(DigitChart::new("second digit", &tally, &expected)),
            ..Charts::default()
        },
        ..CheckResult::applicable(ID, subject, Family::Holm, n)
    }
}

/// Below this p-value of the smooth null, the null that keeps station sizes is run too.
const SIZE_NULL_BELOW: f64 = 0.05;

/// Reads a result that the smooth null finds anomalous against the null that keeps each
/// station's size ([`super::size_null`]) and reports the larger p-value; the detail keeps
/// both, and the summary says when the sizes' bunching explains the anomaly.
fn keep_sizes(mut r: CheckResult, ctx: &CheckContext, subject: usize) -> CheckResult {
    let (Some(chi2), Some(p)) = (r.statistic, r.p_value) else {
        return r;
    };
    if p >= SIZE_NULL_BELOW {
        return r;
    }
    let Some(kept) = size_null(ctx.data, subject, chi2, ctx.options.seed) else {
        return r;
    };
    r.detail["smooth_p_value"] = json!(p);
    r.detail["size_null"] = json!({
        "replicates": kept.replicates,
        "chi2_mean": kept.mean,
        "chi2_variance": kept.variance,
        "p_value": kept.p_value,
    });
    if kept.p_value > p {
        r.p_value = Some(kept.p_value);
        r.summary.push_str(&format!(
            " Counts drawn again keeping each station's size ({REPLICATES} replicates) give {}: \
             part of the departure is the counts' own bunching (station sizes near one value, \
             such as a legal cap), which a smooth null cannot tell from a digit anomaly.",
            format_p(kept.p_value)
        ));
    }
    r
}

fn digit_mean(tally: &[u64], n: f64) -> f64 {
    tally
        .iter()
        .enumerate()
        .map(|(d, &c)| d as f64 * c as f64)
        .sum::<f64>()
        / n
}
