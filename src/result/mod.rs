//! The one report model: the checks build it, the audit fills it in, and every renderer in
//! [`crate::report`] reads only it.

use serde::Serialize;

pub mod charts;

pub use charts::{Charts, DigitChart, FingerprintMaps, Heatmap, Histogram, ScoreNull};

use crate::data::{ColumnRole, ExclusionCount, LeftOutColumn, LineAccount, RejectedRow};

/// Whether a check's p-value enters the Holm family and can raise a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Adjusted by Holm's method with the other flaggable checks; flagged below alpha.
    Holm,
    /// Reported for context only: never adjusted, never flagged.
    Descriptive,
}

/// The effect size a check leads its sentence with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// What is measured, e.g. `cramers_v`, `excess_share`, `mad`.
    pub measure: String,
    pub value: f64,
}

/// The result of one check on one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: String,
    /// `all`, `ballots`, a candidate's name, `turnout` or `winner-share`.
    pub subject: String,
    pub family: Family,
    pub applicable: bool,
    /// Why the check could not run, when `applicable` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    /// Observations the statistic rests on (counts, stations).
    pub n: u64,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    /// Holm-adjusted p, filled in by the audit for `Family::Holm` results.
    pub p_adjusted: Option<f64>,
    pub flagged: bool,
    pub effect: Option<Effect>,
    /// One plain sentence that leads with the effect size.
    pub summary: String,
    /// Check-specific numbers (see docs/report-schema.md for each check's keys).
    pub detail: serde_json::Value,
    /// What the HTML report draws for this result (not in the JSON).
    #[serde(skip)]
    pub charts: Charts,
}

impl CheckResult {
    /// A result that says the check does not apply to this data, and why.
    /// An applicable result for `n` items with nothing measured yet: callers fill in the
    /// statistic, p-value, effect, summary and detail with struct-update syntax. The
    /// audit sets `p_adjusted` and `flagged`.
    pub fn applicable(id: &str, subject: &str, family: Family, n: u64) -> Self {
        CheckResult {
            id: id.to_string(),
            subject: subject.to_string(),
            family,
            applicable: true,
            not_applicable: None,
            n,
            statistic: None,
            p_value: None,
            p_adjusted: None,
            flagged: false,
            effect: None,
            summary: String::new(),
            detail: serde_json::Value::Null,
            charts: Charts::default(),
        }
    }

    pub fn not_applicable(
        id: &str,
        subject: &str,
        family: Family,
        n: u64,
        why: impl Into<String>,
    ) -> Self {
        let why = why.into();
        CheckResult {
            id: id.to_string(),
            subject: subject.to_string(),
            family,
            applicable: false,
            summary: format!("not applicable: {why}"),
            not_applicable: Some(why),
            n,
            statistic: None,
            p_value: None,
            p_adjusted: None,
            flagged: false,
            effect: None,
            detail: serde_json::Value::Null,
            charts: Charts::default(),
        }
    }
}

/// A candidate's national total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateTotal {
    pub name: String,
    pub votes: u64,
    /// Share of valid votes.
    pub share: f64,
    /// Stations whose cell for this candidate was empty or a missing-value mark, read as
    /// "not on the ballot" with 0 votes.
    pub off_ballot: usize,
}

/// What was read, and what was left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSummary {
    pub path: String,
    pub sha256: String,
    /// Data rows in the file.
    pub rows: u64,
    /// Stations used by the checks.
    pub stations: u64,
    /// Rows that could not be read.
    pub rejected: u64,
    /// Rows left out by rules: `--exclude`, blank lines, repeated header lines.
    pub excluded: u64,
    pub excluded_by_rule: Vec<ExclusionCount>,
    /// Where every physical line of the file went.
    pub lines: LineAccount,
    /// Whole-number columns left out of the candidates for their names.
    pub left_out: Vec<LeftOutColumn>,
    /// Rows kept although they repeat an earlier row in every value (a file without ids).
    pub repeated_rows: u64,
    /// `None` when no registered-voters column is mapped.
    pub registered: Option<u64>,
    pub ballots: u64,
    pub valid: u64,
    /// Σ ballots ÷ Σ registered over the stations that can have a turnout (registered
    /// voters above zero).
    pub turnout: Option<f64>,
    /// Stations with zero registered voters (kept in digit tests, left out of turnout).
    pub zero_registered: u64,
    /// Ballots at stations with zero registered voters (postal or mobile districts).
    pub ballots_without_registered: u64,
    /// Stations with zero registered voters and some ballots.
    pub zero_registered_with_ballots: u64,
    /// All ballots ÷ all registered: the national turnout when the voters of the
    /// stations without registered voters are registered at the other stations.
    pub turnout_all_ballots: Option<f64>,
    /// Stations with ballots above registered (kept in digit tests, left out of turnout).
    pub turnout_above_100: u64,
    pub winner: String,
    pub winner_share: f64,
    pub candidates: Vec<CandidateTotal>,
    pub columns: Vec<ColumnRole>,
    pub delimiter: String,
    pub gzip: bool,
    pub encoding: String,
}

/// The whole audit report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    pub alpha: f64,
    pub command: String,
    /// The election's name in a batch manifest (`elaudit batch`); absent from `audit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election: Option<String>,
    /// How the flaggable p-values were adjusted.
    pub adjustment: String,
    pub input: InputSummary,
    pub rejected_rows: Vec<RejectedRow>,
    pub checks: Vec<CheckResult>,
    /// Per-region results with `--by-region`, ranked by their smallest adjusted p.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<RegionReport>>,
    /// How the per-region p-values were adjusted, with `--by-region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regional_adjustment: Option<String>,
    /// True when any national or regional result is flagged.
    pub flagged: bool,
    pub caveats: Vec<String>,
}

/// The checks rerun inside one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionReport {
    pub region: String,
    /// 1 = the region with the smallest adjusted p.
    pub rank: usize,
    pub stations: u64,
    /// The region's Holm-combined p before adjustment across regions (ties in the ranking
    /// are broken by it).
    pub p_value: Option<f64>,
    /// The region's Holm-combined p (smallest Holm-adjusted p of its flaggable results),
    /// Benjamini-Hochberg-adjusted across regions. The ranking and the flag use it.
    pub p_adjusted: Option<f64>,
    /// The check and subject with the region's smallest unadjusted p.
    pub strongest: Option<String>,
    /// `p_adjusted` below alpha.
    pub flagged: bool,
    /// Each result's `p_adjusted` is Benjamini-Hochberg across regions for its check and
    /// subject; a result is flagged when that is below alpha and the region is flagged.
    pub checks: Vec<CheckResult>,
    /// The region's fingerprint, for the HTML report's small multiples (not in the JSON).
    #[serde(skip)]
    pub fingerprint: Option<Heatmap>,
}
