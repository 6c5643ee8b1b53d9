//! `first-digit`: Benford's first-digit law, for context only.
//!
//! A chi-square (8 df) of the nine first-digit counts of the positive counts against
//! Benford's `log10(1 + 1/d)`, and the mean absolute deviation (MAD) of the observed
//! shares from Benford's, graded by Nigrini's first-digit conformity ranges. Station
//! counts span too few orders of magnitude for Benford's law to hold, so a departure is
//! weak evidence (Deckert, Myagkov and Ordeshook 2011): the check stays outside the Holm
//! family and is never flagged.

use rayon::prelude::*;
use serde_json::json;

use super::{Check, CheckContext};
use crate::result::{CheckResult, Effect, Family};
use crate::stats::chi2_sf;
use crate::stats::digits::{benford_first, first_digit};
use crate::stats::format::format_p;
use crate::stats::pearson_chi2;
use crate::stats::smooth::CountHistogram;

/// `first-digit`.
pub struct FirstDigit;

const ID: &str = "first-digit";
/// Fewer positive counts than this leave about 5 expected for the digit 9: not applicable.
pub const MIN_TESTED: u64 = 100;

/// Nigrini's first-digit MAD conformity ranges (M. J. Nigrini, *Benford's Law*, Wiley 2012,
/// Table 7.1): close 0.000-0.006, acceptable 0.006-0.012, marginally acceptable
/// 0.012-0.015, nonconformity above 0.015. Upper bounds are inclusive here.
pub fn nigrini_first_digit_conformity(mad: f64) -> &'static str {
    if mad <= 0.006 {
        "close conformity"
    } else if mad <= 0.012 {
        "acceptable conformity"
    } else if mad <= 0.015 {
        "marginally acceptable conformity"
    } else {
        "nonconformity"
    }
}

impl Check for FirstDigit {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Descriptive
    }
    fn describe(&self) -> &'static str {
        "First digits against Benford's law, with Nigrini's MAD ranges (weak evidence; never flagged)"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        ctx.digit_subjects()
            .par_iter()
            .map(|s| evaluate(&s.name, &s.hist))
            .collect()
    }
}

fn evaluate(subject: &str, hist: &CountHistogram) -> CheckResult {
    let mut tally = [0u64; 9];
    for (v, w) in hist.iter() {
        if let Some(d) = first_digit(v) {
            tally[d as usize - 1] += w;
        }
    }
    let n: u64 = tally.iter().sum();
    if n < MIN_TESTED {
        return CheckResult::not_applicable(
            ID,
            subject,
            Family::Descriptive,
            n,
            format!("only {n} positive counts; the test needs at least {MIN_TESTED}"),
        );
    }
    let nf = n as f64;
    let benford = benford_first();
    let expected: Vec<f64> = benford.iter().map(|s| nf * s).collect();
    let chi2 = pearson_chi2(&tally, &expected).unwrap_or(f64::NAN);
    let p = chi2_sf(chi2, 8.0);
    let mad = tally
        .iter()
        .zip(&benford)
        .map(|(&c, b)| (c as f64 / nf - b).abs())
        .sum::<f64>()
        / 9.0;
    let conformity = nigrini_first_digit_conformity(mad);
    CheckResult {
        statistic: Some(chi2),
        p_value: Some(p),
        effect: Some(Effect {
            measure: "mad".into(),
            value: mad,
        }),
        summary: format!(
            "First digits deviate from Benford's law by MAD {mad:.4} ({conformity} by Nigrini's \
             ranges; chi2 = {chi2:.1}, {}), weak evidence for election data because station \
             counts span too few orders of magnitude for the law to hold (Deckert, Myagkov and \
             Ordeshook 2011).",
            format_p(p)
        ),
        detail: json!({
            "mad": mad,
            "conformity": conformity,
            "counts": tally,
            "expected": expected,
            "classic": { "chi2": chi2, "p_value": p },
        }),
        ..CheckResult::applicable(ID, subject, Family::Descriptive, n)
    }
}
