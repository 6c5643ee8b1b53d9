//! `protocol-arithmetic`: stations whose counts do not add up.
//!
//! Such rows are kept in every other check: in an audit they are findings, not noise.
//! Each kind is counted only when the roles it compares came from real columns, since a
//! derived role (say invalid = ballots − valid) agrees with its sources by construction.
//! The two registered-voter kinds need only the registered column: ballots, when derived,
//! come from valid + invalid or the candidates' votes, never from the registered voters, and
//! a derived count can only fall short of the ballots really cast.
//!
//! Rows with ballots but no registered voters (postal, mobile or special districts,
//! whose voters are registered elsewhere) are their own kind, "ballots without
//! registered voters": counted and shown with their share of ballots, but not as rows
//! that do not add up. Where valid votes are derived from the candidates and ballots and
//! invalid are real columns, ballots = candidates + invalid is checked (a protocol's
//! ballot line against the parties' sum plus its invalid line).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Check, CheckContext};
use crate::data::{Dataset, Station};
use crate::result::{CheckResult, Effect, Family};

pub struct ProtocolArithmetic;

const ID: &str = "protocol-arithmetic";
/// Station ids listed per kind in the JSON detail.
const MAX_LISTED: usize = 1000;

/// The kinds.
const BALLOTS_ABOVE_REGISTERED: &str = "ballots-above-registered";
const ZERO_REGISTERED_WITH_BALLOTS: &str = "zero-registered-with-ballots";
const VALID_PLUS_INVALID_MISMATCH: &str = "valid-plus-invalid-mismatch";
const CANDIDATES_SUM_MISMATCH: &str = "candidates-sum-mismatch";
const CANDIDATES_PLUS_INVALID_MISMATCH: &str = "candidates-plus-invalid-mismatch";
const VALID_ABOVE_BALLOTS: &str = "valid-above-ballots";

type Test = fn(&Dataset, usize, &Station) -> bool;

/// Each kind, its test, and why it cannot be checked (`None` when it can).
fn kinds(data: &Dataset) -> Vec<Kind> {
    let r = data.roles;
    let missing = |ok: bool, why: &'static str| (!ok).then_some(why);
    vec![
        (
            BALLOTS_ABOVE_REGISTERED,
            (|_, _, s| matches!(s.registered, Some(r) if r > 0 && s.ballots > r)) as Test,
            missing(r.registered, "needs a registered-voters column"),
        ),
        (
            ZERO_REGISTERED_WITH_BALLOTS,
            |_, _, s| s.registered == Some(0) && s.ballots > 0,
            missing(r.registered, "needs a registered-voters column"),
        ),
        (
            VALID_PLUS_INVALID_MISMATCH,
            |_, _, s| u128::from(s.valid) + u128::from(s.invalid) != u128::from(s.ballots),
            missing(
                r.ballots && r.valid && r.invalid,
                "needs ballots, valid and invalid columns",
            ),
        ),
        (
            CANDIDATES_SUM_MISMATCH,
            |d, i, s| d.votes_sum(i) != u64::from(s.valid),
            missing(r.valid, "needs a valid-votes column"),
        ),
        (
            CANDIDATES_PLUS_INVALID_MISMATCH,
            |d, i, s| u128::from(d.votes_sum(i)) + u128::from(s.invalid) != u128::from(s.ballots),
            missing(
                r.ballots && r.invalid && !r.valid,
                "needs ballots and invalid columns with valid votes derived from the candidates",
            ),
        ),
        (
            // Without an invalid column, invalid = ballots − valid would go below zero.
            VALID_ABOVE_BALLOTS,
            |_, _, s| s.valid > s.ballots,
            missing(
                r.ballots && !r.invalid,
                "needs a ballots column and no invalid column (with one, the kinds above \
                 compare them)",
            ),
        ),
    ]
}

/// For each station index, the kinds it fails among those the file's columns let be
/// checked; the kinds are resolved once, not per station.
pub fn station_kinds(data: &Dataset) -> impl Fn(usize) -> Vec<&'static str> + '_ {
    let checked: Vec<(&'static str, Test)> = kinds(data)
        .into_iter()
        .filter(|(_, _, why)| why.is_none())
        .map(|(name, test, _)| (name, test))
        .collect();
    move |i| {
        let s = &data.stations[i];
        (checked.iter())
            .filter(|(_, test)| test(data, i, s))
            .map(|&(name, _)| name)
            .collect()
    }
}

/// Rows of this kind are counted apart: they are a kind of station, not an error.
fn is_inconsistency(kind: &str) -> bool {
    kind != ZERO_REGISTERED_WITH_BALLOTS
}

impl Check for ProtocolArithmetic {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Descriptive
    }
    fn describe(&self) -> &'static str {
        "stations whose counts do not add up: ballots above registered voters, valid + \
         invalid ≠ ballots, candidate votes ≠ valid, candidates + invalid ≠ ballots, valid \
         above ballots; and, \
         apart, ballots without registered voters (postal or mobile districts)"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        let data = ctx.data;
        let n = data.stations.len() as u64;
        if n == 0 {
            return vec![CheckResult::not_applicable(
                ID,
                "all",
                Family::Descriptive,
                0,
                "no stations",
            )];
        }
        let kinds = kinds(data);
        let checked: Vec<_> = kinds.iter().filter(|k| k.2.is_none()).collect();
        if checked.is_empty() {
            return vec![CheckResult::not_applicable(
                ID,
                "all",
                Family::Descriptive,
                n,
                "no two count columns to cross-check",
            )];
        }
        let t = tally(data, &checked);
        let unchecked: BTreeMap<&str, &str> = kinds
            .iter()
            .filter_map(|(name, _, why)| why.map(|w| (*name, w)))
            .collect();
        let summary = summary_of(data, &t, &checked, n);
        vec![CheckResult {
            statistic: Some(t.inconsistent as f64),
            p_value: None,
            effect: Some(Effect {
                measure: "inconsistent_share".to_string(),
                value: t.share(n),
            }),
            summary,
            detail: json!({
                "counts": t.counts,
                "stations": t.listed,
                "unchecked": unchecked,
                "zero_registered": t.zero_registered,
                "ballots_without_registered": t.postal_ballots,
                "turnout_above_100": t.above_100,
            }),
            ..CheckResult::applicable(ID, "all", Family::Descriptive, n)
        }]
    }
}

/// What one pass over the stations counts.
struct Tally<'a> {
    /// Stations of each checked kind.
    counts: BTreeMap<&'static str, u64>,
    /// The first [`MAX_LISTED`] stations of each kind, in row order.
    listed: BTreeMap<&'static str, Vec<&'a str>>,
    /// Stations with at least one inconsistency.
    inconsistent: u64,
    /// Ballots at stations without registered voters.
    postal_ballots: u64,
    zero_registered: u64,
    above_100: u64,
}

impl Tally<'_> {
    /// The share of `n` stations with at least one inconsistency.
    fn share(&self, n: u64) -> f64 {
        self.inconsistent as f64 / n as f64
    }
}

type Kind = (&'static str, Test, Option<&'static str>);

/// Counts each kind in `checked`. Linear and cheap: one sequential pass keeps the
/// station lists in row order.
fn tally<'a>(data: &'a Dataset, checked: &[&Kind]) -> Tally<'a> {
    let mut t = Tally {
        counts: checked.iter().map(|k| (k.0, 0)).collect(),
        listed: checked.iter().map(|k| (k.0, Vec::new())).collect(),
        inconsistent: 0,
        postal_ballots: 0,
        zero_registered: 0,
        above_100: 0,
    };
    for (i, s) in data.stations.iter().enumerate() {
        if data.roles.registered {
            t.zero_registered += u64::from(s.registered == Some(0));
            t.above_100 += u64::from(matches!(s.registered, Some(r) if r > 0 && s.ballots > r));
        }
        let mut bad = false;
        for (name, test, _) in checked {
            if test(data, i, s) {
                if is_inconsistency(name) {
                    bad = true;
                } else {
                    t.postal_ballots += u64::from(s.ballots);
                }
                *t.counts.entry(name).or_default() += 1;
                let ids = t.listed.entry(name).or_default();
                if ids.len() < MAX_LISTED {
                    ids.push(data.id(i));
                }
            }
        }
        t.inconsistent += u64::from(bad);
    }
    t
}

/// The check's summary: how many of `n` stations add up, by kind, and the postal
/// districts apart.
fn summary_of(data: &Dataset, t: &Tally, checked: &[&Kind], n: u64) -> String {
    let inconsistent = t.inconsistent;
    let breakdown: Vec<String> = checked
        .iter()
        .filter(|(name, _, _)| is_inconsistency(name))
        .filter_map(|(name, _, _)| {
            let c = t.counts.get(name).copied().unwrap_or(0);
            (c > 0).then(|| format!("{c} {name}"))
        })
        .collect();
    let kinds_checked = checked.iter().filter(|k| is_inconsistency(k.0)).count();
    let mut summary = if inconsistent == 0 {
        format!("all {n} stations add up ({kinds_checked} kinds checked)")
    } else {
        format!(
            "{:.2}% of stations ({inconsistent} of {n}) do not add up ({}); these rows are \
             kept in every check, as findings",
            100.0 * t.share(n),
            breakdown.join(", ")
        )
    };
    let postal = t
        .counts
        .get(ZERO_REGISTERED_WITH_BALLOTS)
        .copied()
        .unwrap_or(0);
    if postal > 0 {
        summary.push_str(&postal_sentence(data, postal, t.postal_ballots));
    }
    summary
}

/// Rows with ballots but no registered voters, as a kind of their own.
fn postal_sentence(data: &Dataset, stations: u64, ballots: u64) -> String {
    let all: u64 = data.stations.iter().map(|s| u64::from(s.ballots)).sum();
    let share = if all > 0 {
        100.0 * ballots as f64 / all as f64
    } else {
        0.0
    };
    let are = if stations == 1 {
        "station is"
    } else {
        "stations are"
    };
    format!(
        ". Apart from these, {stations} {are} ballots without registered voters \
         (postal, mobile or special districts, whose voters are registered elsewhere?): \
         they hold {share:.2}% of ballots and are left out of turnout"
    )
}
