//! Real elections whose files need more than the defaults: postal districts, summed and
//! labelled candidates, protocols without a valid-votes line. Each skips with a message
//! where ../shared/data is absent (and fails under ELAUDIT_REQUIRE_SHARED_DATA).

mod common;

use std::path::Path;

use common::{elaudit, shared_data};
use serde_json::Value;

fn audit(file: &Path, columns: &str) -> Value {
    let map = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/columns")
        .join(columns);
    let out = elaudit()
        .arg("audit")
        .arg(file)
        .arg("--columns")
        .arg(map)
        .args(["--checks", "protocol-arithmetic", "--format", "json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn germany_2024_postal_districts_are_their_own_kind() {
    let Some(dir) = shared_data("germany-ew-2024") else {
        return;
    };
    let file = dir.join("germany_ew2024_wahlbezirke.csv");
    let v = audit(&file, "germany-ew-2024.toml");
    let i = &v["input"];
    // The README's sanity numbers.
    assert_eq!(i["stations"], 91_753);
    assert_eq!(i["rejected"], 0);
    assert_eq!(i["registered"], 61_963_020u64);
    assert_eq!(i["ballots"], 40_114_939u64);
    assert_eq!(i["winner"], "CDU/CSU");
    assert!((f(&i["winner_share"]) - 0.3001).abs() < 5e-5);
    // Postal ballots: counted apart, their share given, turnout over the other rows.
    assert_eq!(i["ballots_without_registered"], 15_134_522u64);
    assert!((f(&i["turnout"]) - 24_980_417.0 / 61_963_020.0).abs() < 1e-3);
    assert!((f(&i["turnout_all_ballots"]) - 0.6474).abs() < 5e-5);
    let pa = &v["checks"][0];
    assert_eq!(pa["statistic"], 0.0, "{}", pa["summary"]);
    assert_eq!(
        pa["detail"]["counts"]["zero-registered-with-ballots"],
        25_153
    );
    // In person: postal and special districts excluded, registered = A1 + A3.
    let v = audit(&file, "germany-ew-2024-in-person.toml");
    let i = &v["input"];
    assert_eq!(i["stations"], 66_586);
    assert_eq!(i["excluded"], 25_167);
    assert_eq!(i["ballots"], 24_979_536u64);
    assert_eq!(i["ballots_without_registered"], 0);
    assert_eq!(i["lines"]["excluded"], 25_167);
}

#[test]
fn georgia_2024_protocol_line_5_against_parties_plus_line_6() {
    let Some(dir) = shared_data("georgia-parl-2024") else {
        return;
    };
    let v = audit(
        &dir.join("georgia_parliament_2024_precincts.csv"),
        "georgia-parl-2024.toml",
    );
    let i = &v["input"];
    // The README's sanity numbers.
    assert_eq!(i["stations"], 3_110);
    assert_eq!(i["registered"], 3_629_419u64);
    assert_eq!(i["ballots"], 2_112_216u64);
    assert_eq!(i["valid"], 2_076_734u64);
    assert_eq!(i["winner"], "41 Georgian Dream");
    assert!((f(&i["winner_share"]) - 0.5393).abs() < 5e-5);
    // 2,875 of 3,110 rows have f_05 = parties + f_06 (README): 235 do not.
    let pa = &v["checks"][0];
    assert_eq!(
        pa["detail"]["counts"]["candidates-plus-invalid-mismatch"],
        235
    );
}
