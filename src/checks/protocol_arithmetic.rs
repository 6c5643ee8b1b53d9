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

type Test = fn(&Dataset, usize, &Station) -> bool;

/// Each kind, its test, and why it cannot be checked (`None` when it can).
fn kinds(data: &Dataset) -> Vec<(&'static str, Test, Option<&'static str>)> {
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
            |d, i, s| {
                let sum: u128 = d.votes_of(i).iter().map(|&v| u128::from(v)).sum();
                sum != u128::from(s.valid)
            },
            missing(r.valid, "needs a valid-votes column"),
        ),
        (
            CANDIDATES_PLUS_INVALID_MISMATCH,
            |d, i, s| {
                let sum: u128 = d.votes_of(i).iter().map(|&v| u128::from(v)).sum();
                sum + u128::from(s.invalid) != u128::from(s.ballots)
            },
            missing(
                r.ballots && r.invalid && !r.valid,
                "needs ballots and invalid columns with valid votes derived from the candidates",
            ),
        ),
    ]
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
         invalid ≠ ballots, candidate votes ≠ valid, candidates + invalid ≠ ballots; and, \
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
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        let mut listed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, _, _) in &checked {
            counts.insert(name, 0);
            listed.insert(name, Vec::new());
        }
        let mut inconsistent = 0u64;
        let mut postal_ballots = 0u64;
        let mut zero_registered = 0u64;
        let mut above_100 = 0u64;
        // Linear and cheap: one sequential pass keeps the station lists in row order.
        for (i, s) in data.stations.iter().enumerate() {
            if data.roles.registered {
                zero_registered += u64::from(s.registered == Some(0));
                above_100 += u64::from(matches!(s.registered, Some(r) if r > 0 && s.ballots > r));
            }
            let mut bad = false;
            for (name, test, _) in &checked {
                if test(data, i, s) {
                    if is_inconsistency(name) {
                        bad = true;
                    } else {
                        postal_ballots += u64::from(s.ballots);
                    }
                    *counts.entry(name).or_default() += 1;
                    let ids = listed.entry(name).or_default();
                    if ids.len() < MAX_LISTED {
                        ids.push(data.id(i));
                    }
                }
            }
            inconsistent += u64::from(bad);
        }
        let unchecked: BTreeMap<&str, &str> = kinds
            .iter()
            .filter_map(|(name, _, why)| why.map(|w| (*name, w)))
            .collect();
        let share = inconsistent as f64 / n as f64;
        let breakdown: Vec<String> = checked
            .iter()
            .filter(|(name, _, _)| is_inconsistency(name))
            .filter_map(|(name, _, _)| {
                let c = counts.get(name).copied().unwrap_or(0);
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
                100.0 * share,
                breakdown.join(", ")
            )
        };
        let postal = counts
            .get(ZERO_REGISTERED_WITH_BALLOTS)
            .copied()
            .unwrap_or(0);
        if postal > 0 {
            summary.push_str(&postal_sentence(data, postal, postal_ballots));
        }
        vec![CheckResult {
            statistic: Some(inconsistent as f64),
            p_value: None,
            effect: Some(Effect {
                measure: "inconsistent_share".to_string(),
                value: share,
            }),
            summary,
            detail: json!({
                "counts": counts,
                "stations": listed,
                "unchecked": unchecked,
                "zero_registered": zero_registered,
                "ballots_without_registered": postal_ballots,
                "turnout_above_100": above_100,
            }),
            ..CheckResult::applicable(ID, "all", Family::Descriptive, n)
        }]
    }
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
