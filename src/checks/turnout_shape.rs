//! `turnout-shape`: the shape of the station turnout distribution.
//!
//! Skewness, Pearson's kurtosis (3 for a normal distribution, as the Election Forensics
//! Toolkit reports it) and Hartigan's dip test of unimodality. A second mode at high turnout
//! is the classic trace of ballot stuffing in part of the country. Descriptive only: regions
//! with different turnout make large clean elections multimodal too, so the dip test rejects
//! on them, and the result is never flagged.

use serde_json::json;

use super::{Check, CheckContext};
use crate::data::Dataset;
use crate::result::{CheckResult, Effect, Family};
use crate::stats::dip;
use crate::stats::format::format_p;

const ID: &str = "turnout-shape";
const SUBJECT: &str = "turnout";

/// The `turnout-shape` check.
pub struct TurnoutShape;

impl Check for TurnoutShape {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Descriptive
    }
    fn describe(&self) -> &'static str {
        "skewness, kurtosis and Hartigan's dip test of unimodality of station turnout; descriptive"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        vec![turnout_shape_result(ctx.data)]
    }
}

/// Moment skewness m3/m2^1.5 and Pearson's kurtosis m4/m2², with central moments
/// m_k = Σ(x − x̄)^k / n (scipy's `skew` and `kurtosis(fisher=False)` with their default
/// bias=True). `None` with fewer than 2 values or all of them equal.
pub fn skewness_kurtosis(x: &[f64]) -> Option<(f64, f64)> {
    if x.len() < 2 || x.iter().all(|v| *v == x[0]) {
        return None;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in x {
        let d = v - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    if m2.is_nan() || m2 <= 0.0 {
        return None;
    }
    Some((m3 / m2.powf(1.5), m4 / (m2 * m2)))
}

/// The `turnout-shape` result on `data`: turnout of every station where it is defined
/// (registered > 0 and ballots ≤ registered).
pub fn turnout_shape_result(data: &Dataset) -> CheckResult {
    let na = |n: usize, why: &str| {
        CheckResult::not_applicable(ID, SUBJECT, Family::Descriptive, n as u64, why)
    };
    if !data.roles.registered {
        return na(0, "no registered-voters column is mapped");
    }
    let turnout: Vec<f64> = data.stations.iter().filter_map(|s| s.turnout()).collect();
    let n = turnout.len();
    if n < dip::MIN_N {
        return na(
            n,
            &format!(
                "{n} stations have a turnout; at least {} are needed",
                dip::MIN_N
            ),
        );
    }
    let Some((skewness, kurtosis)) = skewness_kurtosis(&turnout) else {
        return na(n, "turnout is the same at every station");
    };
    let Some(test) = dip::dip_test(&turnout) else {
        return na(n, "the dip test could not be computed");
    };
    let summary = format!(
        "Turnout has a dip of {:.4} from the nearest unimodal distribution ({}), skewness \
         {skewness:.2} and kurtosis {kurtosis:.2} (3 for a normal) over {n} stations; \
         descriptive only, since regional differences make large clean elections multimodal too.",
        test.dip,
        format_p(test.p_value)
    );
    CheckResult {
        statistic: Some(test.dip),
        p_value: Some(test.p_value),
        effect: Some(Effect {
            measure: "dip".into(),
            value: test.dip,
        }),
        summary,
        detail: json!({
            "skewness": skewness,
            "kurtosis": kurtosis,
            "dip": test.dip,
            "dip_p": test.p_value,
        }),
        ..CheckResult::applicable(ID, SUBJECT, Family::Descriptive, n as u64)
    }
}
