//! `protocol-arithmetic`: each kind on hand-built stations, the roles that enable it,
//! and the shape of its result.

use elaudit::checks::{Check, CheckContext, CheckOptions, ProtocolArithmetic};
use elaudit::data::{Dataset, GroupRef, RolePresence, Station};
use elaudit::report::{CheckResult, Family};
use elaudit::simulate::{ElectionSpec, simulate};

fn run(data: &Dataset) -> CheckResult {
    let options = CheckOptions::default();
    let mut r = ProtocolArithmetic.run(&CheckContext::new(data, &options));
    assert_eq!(r.len(), 1);
    r.remove(0)
}

const ALL_ROLES: RolePresence = RolePresence {
    registered: true,
    ballots: true,
    valid: true,
    invalid: true,
};

/// A station as (id, registered, ballots, valid, invalid, votes for two candidates).
type Row<'a> = (&'a str, u32, u32, u32, u32, [u32; 2]);

fn dataset(roles: RolePresence, rows: &[Row]) -> Dataset {
    let mut d = Dataset {
        candidates: vec!["A".into(), "B".into()],
        roles,
        ..Dataset::default()
    };
    for (i, &(id, registered, ballots, valid, invalid, votes)) in rows.iter().enumerate() {
        d.ids.push(id);
        d.stations.push(Station {
            line: i as u64 + 2,
            region: GroupRef::NONE,
            locality: GroupRef::NONE,
            stratum: GroupRef::NONE,
            registered: roles.registered.then_some(registered),
            ballots,
            valid,
            invalid,
        });
        d.votes.extend(votes);
        d.on_ballot.extend([true, true]);
    }
    d
}

fn rows() -> Vec<Row<'static>> {
    vec![
        ("ok", 100, 60, 58, 2, [30, 28]),
        ("above", 100, 120, 118, 2, [60, 58]),
        ("zero", 0, 10, 10, 0, [5, 5]),
        ("zero-empty", 0, 0, 0, 0, [0, 0]),
        ("vi", 100, 60, 50, 2, [25, 25]),
        ("cand", 100, 60, 58, 2, [30, 27]),
        ("two", 100, 130, 100, 2, [50, 40]),
    ]
}

#[test]
fn counts_each_kind_and_lists_the_stations() {
    let r = run(&dataset(ALL_ROLES, &rows()));
    assert_eq!(r.id, "protocol-arithmetic");
    assert_eq!(r.subject, "all");
    assert_eq!(r.family, Family::Descriptive);
    assert!(r.applicable);
    assert_eq!(r.p_value, None);
    assert!(!r.flagged);
    assert_eq!(r.n, 7);
    let c = &r.detail["counts"];
    assert_eq!(c["ballots-above-registered"], 2);
    // Zero registered with ballots is its own kind, not also "above".
    assert_eq!(c["zero-registered-with-ballots"], 1);
    assert_eq!(c["valid-plus-invalid-mismatch"], 2);
    assert_eq!(c["candidates-sum-mismatch"], 2);
    let s = &r.detail["stations"];
    assert_eq!(
        s["ballots-above-registered"],
        serde_json::json!(["above", "two"])
    );
    assert_eq!(
        s["zero-registered-with-ballots"],
        serde_json::json!(["zero"])
    );
    assert_eq!(
        s["valid-plus-invalid-mismatch"],
        serde_json::json!(["vi", "two"])
    );
    assert_eq!(
        s["candidates-sum-mismatch"],
        serde_json::json!(["cand", "two"])
    );
    assert_eq!(r.detail["zero_registered"], 2);
    assert_eq!(r.detail["turnout_above_100"], 2);
    // "two" has three kinds and counts once; "zero" (ballots without registered voters)
    // is a kind of station, counted apart, not an inconsistency.
    assert_eq!(r.statistic, Some(4.0));
    let e = r.effect.expect("effect");
    assert_eq!(e.measure, "inconsistent_share");
    assert!((e.value - 4.0 / 7.0).abs() < 1e-15);
    assert!(r.summary.contains("kept"), "{}", r.summary);
    assert!(r.summary.starts_with("57.14%"), "{}", r.summary);
    assert!(
        r.summary
            .contains("1 station is ballots without registered voters"),
        "{}",
        r.summary
    );
    assert_eq!(r.detail["ballots_without_registered"], 10);
}

#[test]
fn valid_above_ballots_is_found_where_no_invalid_column_would_show_it() {
    // Without an invalid column, invalid = ballots − valid would be negative (shown as 0).
    let roles = RolePresence {
        invalid: false,
        ..ALL_ROLES
    };
    let rows = [
        ("ok", 100, 60, 60, 0, [30, 30]),
        ("over", 100, 50, 80, 0, [50, 30]),
    ];
    let r = run(&dataset(roles, &rows));
    assert_eq!(r.detail["counts"]["valid-above-ballots"], 1);
    assert_eq!(
        r.detail["stations"]["valid-above-ballots"],
        serde_json::json!(["over"])
    );
    assert_eq!(r.statistic, Some(1.0));
    // With an invalid column the mismatch kinds compare them instead.
    let r = run(&dataset(ALL_ROLES, &rows));
    assert!(r.detail["counts"].get("valid-above-ballots").is_none());
    assert!(r.detail["unchecked"]["valid-above-ballots"].is_string());
    assert_eq!(r.detail["counts"]["valid-plus-invalid-mismatch"], 1);
}

#[test]
fn derived_roles_are_not_cross_checked() {
    // Without an invalid column, invalid = ballots − valid agrees by construction.
    let roles = RolePresence {
        invalid: false,
        ..ALL_ROLES
    };
    let r = run(&dataset(roles, &rows()));
    let c = &r.detail["counts"];
    assert!(c.get("valid-plus-invalid-mismatch").is_none());
    assert_eq!(c["candidates-sum-mismatch"], 2);
    assert!(
        r.detail["unchecked"]["valid-plus-invalid-mismatch"]
            .as_str()
            .expect("reason")
            .contains("invalid")
    );

    // Ballots derived from valid + invalid are still compared with the registered
    // voters: the derivation never reads them.
    let roles = RolePresence {
        ballots: false,
        ..ALL_ROLES
    };
    let r = run(&dataset(roles, &rows()));
    let c = &r.detail["counts"];
    assert_eq!(c["ballots-above-registered"], 2);
    assert_eq!(c["zero-registered-with-ballots"], 1);
    assert!(c.get("valid-plus-invalid-mismatch").is_none());
    assert!(
        r.detail["unchecked"]
            .get("ballots-above-registered")
            .is_none()
    );

    // Without registered voters neither registered kind is counted.
    let roles = RolePresence {
        registered: false,
        ..ALL_ROLES
    };
    let r = run(&dataset(roles, &rows()));
    let c = &r.detail["counts"];
    assert!(c.get("ballots-above-registered").is_none());
    assert!(c.get("zero-registered-with-ballots").is_none());
    assert_eq!(r.detail["zero_registered"], 0);
    assert_eq!(r.detail["turnout_above_100"], 0);

    // Only candidate columns: nothing to compare.
    let r = run(&dataset(RolePresence::default(), &rows()));
    assert!(!r.applicable);
    assert_eq!(r.p_value, None);
    assert_eq!(r.family, Family::Descriptive);
}

#[test]
fn lists_at_most_a_thousand_stations_per_kind() {
    let ids: Vec<String> = (0..1200).map(|i| format!("b{i}")).collect();
    let rows: Vec<_> = ids
        .iter()
        .map(|id| (id.as_str(), 10, 20, 20, 0, [10, 10]))
        .collect();
    let r = run(&dataset(ALL_ROLES, &rows));
    assert_eq!(r.detail["counts"]["ballots-above-registered"], 1200);
    let listed = r.detail["stations"]["ballots-above-registered"]
        .as_array()
        .expect("list");
    assert_eq!(listed.len(), 1000);
    assert_eq!(listed[0], "b0");
    assert_eq!(listed[999], "b999");
}

#[test]
fn clean_data_adds_up_and_empty_data_is_not_applicable() {
    let sim = simulate(&ElectionSpec::clean(2000), 1);
    let r = run(&sim.dataset);
    assert!(r.applicable);
    assert_eq!(r.statistic, Some(0.0));
    assert!(
        r.summary.starts_with("all 2000 stations add up"),
        "{}",
        r.summary
    );
    let r = run(&Dataset::default());
    assert!(!r.applicable);
    assert_eq!(r.n, 0);
}

#[test]
fn huge_counts_do_not_overflow() {
    let big = u32::MAX / 2 + 1;
    let r = run(&dataset(
        ALL_ROLES,
        &[("x", u32::MAX, u32::MAX, big, big, [big, big])],
    ));
    // valid + invalid = 2^32, one more than u32::MAX: a mismatch, and the votes likewise.
    assert_eq!(r.detail["counts"]["valid-plus-invalid-mismatch"], 1);
    assert_eq!(r.detail["counts"]["candidates-sum-mismatch"], 1);
}
