//! `digit-pairs`: repeated and adjacent final-digit pairs (Beber and Scacco 2012).
//!
//! People inventing numbers repeat digits less often, and pick adjacent digits more
//! often, than chance. On the last two digits of counts of 100 or more:
//! - *repeated* pairs are 00, 11, ..., 99: 10 of the 100 pairs, a uniform share of 0.10;
//! - *adjacent* pairs have tens and units digits differing by exactly one, in either order
//!   and without wrap-around between 9 and 0: 01, 10, 12, 21, ..., 89, 98, so 18 of the 100
//!   pairs, a uniform share of 0.18.
//!
//! Each share gets an exact two-sided binomial test against the share the smooth null
//! ([`crate::stats::smooth`], period 100, bandwidth [`RESIDUE_BANDWIDTH`]) expects. The
//! check's p is the smaller p doubled (Bonferroni over the two, capped at 1), its statistic
//! the z-score with the larger magnitude, and its effect the excess share (observed minus
//! expected) of the more significant of the two. `detail.classic` tests the uniform shares.

use rayon::prelude::*;
use serde_json::json;

use super::{Check, CheckContext};
use crate::result::{CheckResult, Effect, Family};
use crate::stats::binom_test_two_sided;
use crate::stats::digits::{is_adjacent_pair, is_repeated_pair, last_two_digits};
use crate::stats::format::{format_p, format_percent};
use crate::stats::smooth::{CountHistogram, DigitClasses, RESIDUE_BANDWIDTH, smooth_class_shares};

/// `digit-pairs`.
pub struct DigitPairs;

const ID: &str = "digit-pairs";
/// Counts below this have no two free final digits.
pub const MIN_COUNT: u64 = 100;
/// Fewer tested counts than this leave about 10 expected repeated pairs: not applicable.
pub const MIN_TESTED: u64 = 100;
/// Shares of repeated and adjacent pairs among uniformly random final pairs.
const UNIFORM_REPEAT: f64 = 0.10;
const UNIFORM_ADJACENT: f64 = 0.18;

impl Check for DigitPairs {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Holm
    }
    fn describe(&self) -> &'static str {
        "Repeated and adjacent final-digit pairs of counts of 100 or more (Beber and Scacco 2012)"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        ctx.digit_subjects()
            .par_iter()
            .map(|s| evaluate(&s.name, &s.hist))
            .collect()
    }
}

/// One of the two pair tests.
struct PairTest {
    share: f64,
    expected: f64,
    p: f64,
    z: f64,
}

impl PairTest {
    fn new(k: u64, n: u64, expected: f64) -> Self {
        let nf = n as f64;
        let sd = (nf * expected * (1.0 - expected)).sqrt();
        let z = if sd > 0.0 {
            (k as f64 - nf * expected) / sd
        } else {
            0.0
        };
        PairTest {
            share: k as f64 / nf,
            expected,
            p: binom_test_two_sided(k, n, expected),
            z,
        }
    }
}

fn evaluate(subject: &str, hist: &CountHistogram) -> CheckResult {
    let (mut n, mut repeats, mut adjacent) = (0u64, 0u64, 0u64);
    for (v, w) in hist.iter().filter(|&(v, _)| v >= MIN_COUNT) {
        let pair = last_two_digits(v);
        n += w;
        if is_repeated_pair(pair) {
            repeats += w;
        }
        if is_adjacent_pair(pair) {
            adjacent += w;
        }
    }
    let na = |why: String| CheckResult::not_applicable(ID, subject, Family::Holm, n, why);
    if n < MIN_TESTED {
        return na(format!(
            "only {n} counts of {MIN_COUNT} or more; the test needs at least {MIN_TESTED}"
        ));
    }
    let Some(shares) = smooth_class_shares(
        hist,
        RESIDUE_BANDWIDTH,
        DigitClasses::Residue { modulus: 100 },
        MIN_COUNT,
    ) else {
        return na("the smooth null puts no mass on counts of 100 or more".into());
    };
    let class_share = |pred: fn(u8) -> bool| -> f64 {
        (0..100u8)
            .filter(|&p| pred(p))
            .map(|p| shares[p as usize])
            .sum::<f64>()
            .clamp(0.0, 1.0)
    };
    let rep = PairTest::new(repeats, n, class_share(is_repeated_pair));
    let adj = PairTest::new(adjacent, n, class_share(is_adjacent_pair));
    let p = (2.0 * rep.p.min(adj.p)).min(1.0);
    let statistic = if rep.z.abs() >= adj.z.abs() {
        rep.z
    } else {
        adj.z
    };
    let repeat_leads = rep.p < adj.p || (rep.p == adj.p && rep.z.abs() >= adj.z.abs());
    let (lead, lead_name, other, other_name) = if repeat_leads {
        (&rep, "Repeated", &adj, "adjacent")
    } else {
        (&adj, "Adjacent", &rep, "repeated")
    };
    let excess = lead.share - lead.expected;
    let direction = if excess >= 0.0 {
        "exceed"
    } else {
        "fall short of"
    };
    CheckResult {
        statistic: Some(statistic),
        p_value: Some(p),
        effect: Some(Effect {
            measure: "excess_share".into(),
            value: excess,
        }),
        summary: format!(
            "{lead_name} final-digit pairs {direction} a smooth distribution's expectation by \
             {:.1} percentage points ({} vs {}; {other_name} pairs {} vs {}); {}, the smaller \
             of the two tests' p doubled.",
            100.0 * excess.abs(),
            format_percent(lead.share),
            format_percent(lead.expected),
            format_percent(other.share),
            format_percent(other.expected),
            format_p(p)
        ),
        detail: json!({
            "repeat_share": rep.share,
            "repeat_expected": rep.expected,
            "repeat_p": rep.p,
            "repeat_z": rep.z,
            "adjacent_share": adj.share,
            "adjacent_expected": adj.expected,
            "adjacent_p": adj.p,
            "adjacent_z": adj.z,
            "min_count": MIN_COUNT,
            "adjacency": "tens and units digits differ by 1, either order, no wrap-around (18 of 100 pairs)",
            "null": format!(
                "smooth kernel estimate, bandwidth max({} x, {})",
                RESIDUE_BANDWIDTH.fraction, RESIDUE_BANDWIDTH.floor
            ),
            "classic": {
                "repeat_p": binom_test_two_sided(repeats, n, UNIFORM_REPEAT),
                "adjacent_p": binom_test_two_sided(adjacent, n, UNIFORM_ADJACENT),
            },
        }),
        ..CheckResult::applicable(ID, subject, Family::Holm, n)
    }
}
