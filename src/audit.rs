//! Runs the selected checks on a dataset, adjusts their p-values and builds the report.

use rayon::prelude::*;

use crate::checks::{CheckContext, CheckOptions, registry};
use crate::data::Dataset;
use crate::report::{CandidateTotal, CheckResult, Family, InputSummary, Report};
use crate::stats::adjust::holm;

/// Checked options of one audit.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditOptions {
    /// Significance level after Holm's adjustment.
    pub alpha: f64,
    /// Run only these check ids (`None`: all).
    pub only: Option<Vec<String>>,
    pub skip: Vec<String>,
    pub checks: CheckOptions,
    /// The command line, as recorded in the report.
    pub command: String,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            alpha: 0.01,
            only: None,
            skip: Vec::new(),
            checks: CheckOptions::default(),
            command: String::new(),
        }
    }
}

/// The sentence every report carries, whatever it finds.
pub const NOT_PROOF: &str = "A flag is statistical evidence of an anomaly in the numbers, not proof of fraud: \
     data errors, unusual but honest voting, or administrative practice can produce the same patterns.";

/// Runs the checks and returns the full report.
pub fn run_audit(data: &Dataset, opts: &AuditOptions) -> Report {
    let checks: Vec<_> = registry()
        .into_iter()
        .filter(|c| {
            opts.only
                .as_ref()
                .is_none_or(|only| only.iter().any(|id| id == c.id()))
                && !opts.skip.iter().any(|id| id == c.id())
        })
        .collect();
    let ctx = CheckContext {
        data,
        options: &opts.checks,
    };
    // Checks run side by side; results keep registry order.
    let mut results: Vec<CheckResult> = checks
        .par_iter()
        .map(|c| c.run(&ctx))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    let family_size = adjust(&mut results, opts.alpha);
    let flagged = results.iter().any(|r| r.flagged);
    Report {
        tool: "elaudit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed: opts.checks.seed,
        alpha: opts.alpha,
        command: opts.command.clone(),
        adjustment: format!(
            "Holm step-down over the {family_size} applicable results of flaggable checks; \
             first-digit and protocol-arithmetic are descriptive and never flagged"
        ),
        input: summarize(data),
        rejected_rows: data.rejected.clone(),
        checks: results,
        flagged,
        caveats: caveats(data),
    }
}

/// Holm-adjusts the p-values of applicable `Family::Holm` results and sets their flags.
/// Returns the size of the family.
fn adjust(results: &mut [CheckResult], alpha: f64) -> usize {
    let idx: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.family == Family::Holm && r.applicable && r.p_value.is_some())
        .map(|(i, _)| i)
        .collect();
    let ps: Vec<f64> = idx.iter().filter_map(|&i| results[i].p_value).collect();
    for (&i, p_adj) in idx.iter().zip(holm(&ps)) {
        results[i].p_adjusted = Some(p_adj);
        results[i].flagged = p_adj < alpha;
    }
    idx.len()
}

fn summarize(data: &Dataset) -> InputSummary {
    let mut registered = 0u64;
    let mut ballots_with_registered = 0u64;
    let mut zero_registered = 0u64;
    let mut above_100 = 0u64;
    let mut ballots = 0u64;
    let mut valid = 0u64;
    for s in &data.stations {
        ballots = ballots.saturating_add(s.ballots);
        valid = valid.saturating_add(s.valid);
        if let Some(r) = s.registered {
            if r == 0 {
                zero_registered += 1;
            } else {
                registered = registered.saturating_add(r);
                ballots_with_registered = ballots_with_registered.saturating_add(s.ballots);
                if s.ballots > r {
                    above_100 += 1;
                }
            }
        }
    }
    let totals = data.candidate_totals();
    let share = |v: u64| if valid > 0 { v as f64 / valid as f64 } else { 0.0 };
    let candidates: Vec<CandidateTotal> = data
        .candidates
        .iter()
        .zip(&totals)
        .map(|(name, &votes)| CandidateTotal {
            name: name.clone(),
            votes,
            share: share(votes),
        })
        .collect();
    let winner_votes = totals.get(data.winner).copied().unwrap_or(0);
    let has_registered = data.roles.registered;
    InputSummary {
        path: data.source.path.clone(),
        sha256: data.source.sha256.clone(),
        rows: data.source.rows,
        stations: data.stations.len() as u64,
        rejected: data.rejected.len() as u64,
        excluded: data.excluded.iter().map(|e| e.rows).sum(),
        excluded_by_rule: data.excluded.clone(),
        registered: has_registered.then_some(registered),
        ballots,
        valid,
        turnout: (has_registered && registered > 0)
            .then(|| ballots_with_registered as f64 / registered as f64),
        zero_registered,
        turnout_above_100: above_100,
        winner: data.candidates.get(data.winner).cloned().unwrap_or_default(),
        winner_share: share(winner_votes),
        candidates,
        columns: data.columns.clone(),
        delimiter: data.source.delimiter.clone(),
        gzip: data.source.gzip,
    }
}

fn caveats(data: &Dataset) -> Vec<String> {
    let mut out = vec![
        NOT_PROOF.to_string(),
        "Digit tests compare digits with what a smooth distribution of the same counts implies, \
         not with idealised Benford or uniform frequencies (those are shown as `classic` for comparison \
         with the literature, and reject on most clean elections)."
            .to_string(),
        "first-digit is weak evidence for election data: station counts span too few orders of \
         magnitude for Benford's first-digit law (Deckert, Myagkov and Ordeshook 2011). It is never flagged."
            .to_string(),
    ];
    if !data.roles.registered {
        out.push(
            "No registered-voters column: checks that need turnout are not applicable.".to_string(),
        );
    }
    if !data.rejected.is_empty() {
        out.push(format!(
            "{} rows could not be read and are left out of every check; they are listed with their \
             line numbers. Use --strict to make them fatal.",
            data.rejected.len()
        ));
    }
    out
}
