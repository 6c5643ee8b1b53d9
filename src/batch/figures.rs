//! What the comparison table takes from each report: the election's totals, each
//! flaggable check's smallest adjusted p and flag, and a few headline figures.
//!
//! Figures are read from the typed fields of [`CheckResult`] where one holds them; the
//! others come from the result's `detail` by key, one small function per figure.

use serde::{Deserialize, Serialize};

use crate::checks::registry;
use crate::report::{CheckResult, Family, Report};

/// A headline figure of one check on one subject.
pub struct FigureDef {
    /// Column name in the table, e.g. `integer_percent_excess`.
    pub key: &'static str,
    /// Short label for the Markdown table.
    pub label: &'static str,
    pub check: &'static str,
    /// The subject read: one every election has (`all`, `either`, `winner-share`), so
    /// that the figure compares across elections.
    pub subject: &'static str,
    pub read: fn(&CheckResult) -> Option<f64>,
    /// Whether "N× the largest reference" means something: a magnitude whose clean
    /// value is near zero, not a p-value or a mean with a non-zero centre.
    pub ratio: bool,
}

/// The figures, in table order.
pub const FIGURES: &[FigureDef] = &[
    FigureDef {
        key: "second_digit_mean",
        label: "2BL mean",
        check: "second-digit",
        subject: "all",
        read: detail_mean,
        ratio: false,
    },
    FigureDef {
        key: "last_digit_p",
        label: "last-digit p",
        check: "last-digit",
        subject: "all",
        read: p_value,
        ratio: false,
    },
    FigureDef {
        key: "digit_pairs_excess",
        label: "digit-pairs excess",
        check: "digit-pairs",
        subject: "all",
        read: effect,
        ratio: true,
    },
    FigureDef {
        key: "integer_percent_excess",
        label: "integer-% excess",
        check: "integer-percent",
        subject: "either",
        read: effect,
        ratio: true,
    },
    FigureDef {
        key: "integer_percent_z",
        label: "integer-% z",
        check: "integer-percent",
        subject: "either",
        read: statistic,
        ratio: true,
    },
    FigureDef {
        key: "round_percent_excess",
        label: "round-% excess",
        check: "round-percent",
        subject: "winner-share",
        read: effect,
        ratio: true,
    },
    FigureDef {
        key: "fingerprint_f_extreme",
        label: "fingerprint f_e",
        check: "fingerprint",
        subject: "winner-share",
        read: fingerprint_f_extreme,
        ratio: true,
    },
    FigureDef {
        key: "fingerprint_ballots_added",
        label: "ballots added (share)",
        check: "fingerprint",
        subject: "winner-share",
        read: effect,
        ratio: true,
    },
];

fn p_value(r: &CheckResult) -> Option<f64> {
    r.p_value
}

fn statistic(r: &CheckResult) -> Option<f64> {
    r.statistic
}

fn effect(r: &CheckResult) -> Option<f64> {
    r.effect.as_ref().map(|e| e.value)
}

/// second-digit: the mean second digit (Mebane's 2BL statistic), `detail.mean`.
fn detail_mean(r: &CheckResult) -> Option<f64> {
    r.detail.get("mean")?.as_f64()
}

/// fingerprint: the extreme-stuffing share f_e, `detail.f_extreme.estimate`.
fn fingerprint_f_extreme(r: &CheckResult) -> Option<f64> {
    r.detail.get("f_extreme")?.get("estimate")?.as_f64()
}

/// One flaggable check's outcome across its subjects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckCell {
    pub id: String,
    /// The smallest Holm-adjusted p over the check's subjects (`None`: not applicable).
    pub p_adjusted: Option<f64>,
    /// The subject with that p.
    pub subject: Option<String>,
    /// Whether any subject is flagged.
    pub flagged: bool,
    /// Whether the check ran (`checks`/`skip` may leave it out).
    pub ran: bool,
}

/// The flaggable checks' ids, in report order (descriptive checks never flag).
pub fn flaggable_checks() -> Vec<&'static str> {
    registry()
        .iter()
        .filter(|c| c.family() == Family::Holm)
        .map(|c| c.id())
        .collect()
}

/// Each flaggable check's cell, in report order.
pub fn check_cells(report: &Report) -> Vec<CheckCell> {
    flaggable_checks()
        .into_iter()
        .map(|id| {
            let results = report.checks.iter().filter(|r| r.id == id);
            let best = results
                .clone()
                .filter_map(|r| r.p_adjusted.map(|p| (p, r)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            CheckCell {
                id: id.to_string(),
                p_adjusted: best.map(|(p, _)| p),
                subject: best.map(|(_, r)| r.subject.clone()),
                flagged: results.clone().any(|r| r.flagged),
                ran: results.clone().next().is_some(),
            }
        })
        .collect()
}

/// Each figure's value, in [`FIGURES`] order (`None` where the check did not run or
/// does not apply).
pub fn figure_values(report: &Report) -> Vec<Option<f64>> {
    FIGURES
        .iter()
        .map(|f| {
            report
                .checks
                .iter()
                .find(|r| r.id == f.check && r.subject == f.subject && r.applicable)
                .and_then(f.read)
                .filter(|v| v.is_finite())
        })
        .collect()
}
