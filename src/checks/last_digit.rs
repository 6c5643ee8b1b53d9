//! `last-digit`: are the last digits of the counts what a smooth distribution gives?
//!
//! On counts of at least `--last-digit-min` (default 100; 0 takes every count, zeros
//! included). The flag rests on Pearson's chi-square of the ten last-digit counts against
//! the smooth null ([`crate::stats::smooth`], bandwidth [`RESIDUE_BANDWIDTH`]), with the
//! p-value of [`smooth_chi2`] (for counts of 100 or more practically chi-square with 9 df;
//! below, it allows for the narrower kernel following part of the data). Alongside:
//! the mean last digit (a z-test against the null's mean, with the null's variance) and the
//! share ending in 0 or 5 (an exact binomial test against the null's share), the marks of
//! invented numbers. `detail.classic` holds the idealised tests (uniform digits, mean 4.5
//! with variance 8.25, share 0.2), which reject on clean elections of small stations because
//! the density of counts slopes across each ten.
//!
//! A minimum below 10 lets one-digit counts in, whose last digit is their value: the test
//! then measures the shape of the smallest counts and is not calibrated (on clean
//! small-station elections, a minimum of 0 rejected a third of the runs on a candidate with
//! counts mostly under 10). From 10 up it rejects about 5% of clean elections.

use rayon::prelude::*;
use serde_json::json;

use super::{Check, CheckContext};
use crate::result::{Charts, CheckResult, DigitChart, Effect, Family};
use crate::stats::digits::last_digit;
use crate::stats::format::{format_p, format_percent};
use crate::stats::smooth::{CountHistogram, DigitClasses, RESIDUE_BANDWIDTH, smooth_chi2};
use crate::stats::{binom_test_two_sided, chi2_sf, cramers_v, normal_two_sided_p, pearson_chi2};

/// `last-digit`.
pub struct LastDigit;

const ID: &str = "last-digit";
/// Fewer tested counts than this leave about 10 expected per digit: not applicable.
pub const MIN_TESTED: u64 = 100;
/// Mean and variance of a uniform digit 0-9.
const UNIFORM_MEAN: f64 = 4.5;
const UNIFORM_VARIANCE: f64 = 8.25;

impl Check for LastDigit {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Holm
    }
    fn describe(&self) -> &'static str {
        "Last digits (and the share ending in 0 or 5) against a smooth distribution of the same shape"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        let lo = ctx.options.last_digit_min;
        ctx.digit_subjects()
            .par_iter()
            .map(|s| evaluate(&s.name, &s.hist, lo))
            .collect()
    }
}

fn evaluate(subject: &str, hist: &CountHistogram, lo: u64) -> CheckResult {
    let mut tally = [0u64; 10];
    for (v, w) in hist.iter().filter(|&(v, _)| v >= lo) {
        tally[last_digit(v) as usize] += w;
    }
    let n: u64 = tally.iter().sum();
    let na = |why: String| CheckResult::not_applicable(ID, subject, Family::Holm, n, why);
    if n < MIN_TESTED {
        return na(format!(
            "only {n} counts of {lo} or more; the test needs at least {MIN_TESTED}"
        ));
    }
    let classes = DigitClasses::Residue { modulus: 10 };
    let Some(fit) = smooth_chi2(hist, RESIDUE_BANDWIDTH, classes, lo) else {
        return na(format!(
            "the smooth null puts no mass on counts of {lo} or more"
        ));
    };
    let nf = n as f64;
    let shares: Vec<f64> = fit.expected.iter().map(|e| e / nf).collect();
    let expected = fit.expected.clone();
    let (chi2, p) = (fit.chi2, fit.p_value);

    let mean = weighted_mean(&tally) / nf;
    let expected_mean: f64 = shares.iter().enumerate().map(|(d, s)| d as f64 * s).sum();
    let null_var: f64 = shares
        .iter()
        .enumerate()
        .map(|(d, s)| s * (d as f64 - expected_mean).powi(2))
        .sum();
    let mean_p = mean_test(mean, expected_mean, null_var, nf);
    let k05 = tally[0] + tally[5];
    let share_0_5 = k05 as f64 / nf;
    let expected_share_0_5 = shares[0] + shares[5];
    let share_0_5_p = binom_test_two_sided(k05, n, expected_share_0_5);

    let uniform = vec![nf / 10.0; 10];
    let classic_chi2 = pearson_chi2(&tally, &uniform).unwrap_or(f64::NAN);
    let classic = json!({
        "chi2": classic_chi2,
        "p_value": chi2_sf(classic_chi2, 9.0),
        "mean_p": mean_test(mean, UNIFORM_MEAN, UNIFORM_VARIANCE, nf),
        "share_0_5_p": binom_test_two_sided(k05, n, 0.2),
    });
    let v = cramers_v(chi2, n, 10).unwrap_or(0.0);
    CheckResult {
        statistic: Some(chi2),
        p_value: Some(p),
        effect: Some(Effect {
            measure: "cramers_v".into(),
            value: v,
        }),
        summary: format!(
            "Last digits depart from a smooth distribution's expectation by Cramér's V {v:.3} \
             (ending in 0 or 5: {} vs {} expected); chi2 = {chi2:.1}, {}.",
            format_percent(share_0_5),
            format_percent(expected_share_0_5),
            format_p(p)
        ),
        detail: json!({
            "mean": mean,
            "expected_mean": expected_mean,
            "mean_p": mean_p,
            "share_0_5": share_0_5,
            "expected_share_0_5": expected_share_0_5,
            "share_0_5_p": share_0_5_p,
            "counts": tally,
            "expected": expected,
            "min_count": lo,
            "null_scale": fit.scale,
            "null_df": fit.df,
            "null": format!(
                "smooth kernel estimate, bandwidth max({} x, {})",
                RESIDUE_BANDWIDTH.fraction, RESIDUE_BANDWIDTH.floor
            ),
            "classic": classic,
        }),
        charts: Charts {
            digits: Some(DigitChart::new("last digit", &tally, &expected)),
            ..Charts::default()
        },
        ..CheckResult::applicable(ID, subject, Family::Holm, n)
    }
}

fn weighted_mean(tally: &[u64]) -> f64 {
    tally
        .iter()
        .enumerate()
        .map(|(d, &c)| d as f64 * c as f64)
        .sum()
}

/// Two-sided z-test of a sample mean of `n` digits against `mu` with digit variance `var`.
fn mean_test(mean: f64, mu: f64, var: f64, n: f64) -> f64 {
    if var <= 0.0 {
        return if mean == mu { 1.0 } else { 0.0 };
    }
    normal_two_sided_p((mean - mu) / (var / n).sqrt())
}
