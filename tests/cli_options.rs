//! Option checking end to end: each ranged flag gives one message, whatever the value and
//! however it is written (`--flag V`, `--flag=V`, negative or not a number), with exit
//! status 2; and a selection of checks that leaves none to run is refused.

mod common;

use common::elaudit;
use serde_json::Value;

/// A tiny station file; every run here stops at the options, or is quick.
const CSV: &str = "station,registered,ballots,A,B\ns1,1000,600,330,270\ns2,1200,700,380,320\n";

/// Every check id, in report order.
fn every_check() -> Vec<&'static str> {
    elaudit::checks::registry().iter().map(|c| c.id()).collect()
}

/// Runs `elaudit ARGS` on the tiny file; expects exit 2, nothing on stdout, and returns stderr.
fn refused(args: &[&str]) -> String {
    let out = elaudit().args(args).write_stdin(CSV).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} wrote a report");
    assert!(
        !stderr.contains("-- -"),
        "{args:?}: clap's `--` tip: {stderr}"
    );
    stderr
}

/// `--flag V` and `--flag=V` of `cmd` (e.g. `["audit", "-"]`) give the same stderr for each
/// bad value, and that stderr names the flag and says `message`.
fn same_message(cmd: &[&str], flag: &str, bad: &[&str], message: &str) {
    for value in bad {
        let apart = refused(&[cmd, &[flag, value]].concat());
        let joined = refused(&[cmd, &[&format!("{flag}={value}")]].concat());
        assert_eq!(apart, joined, "{flag} {value}");
        assert!(
            apart.contains(flag) && apart.contains(message),
            "{flag} {value}: {apart}"
        );
    }
}

const AUDIT: &[&str] = &["audit", "-"];
const SIMULATE: &[&str] = &["simulate"];

#[test]
fn alpha_out_of_range_or_not_a_number_says_its_range() {
    same_message(
        AUDIT,
        "--alpha",
        &["-1", "0", "1", "1.5", "nan", "inf", "abc", "-0.5e-3"],
        "must be in (0, 1), e.g. 0.01",
    );
}

#[test]
fn fingerprint_margin_says_its_range() {
    same_message(
        AUDIT,
        "--fingerprint-margin",
        &["-0.1", "1", "1.5", "nan", "abc"],
        "must be a share of ballots in [0, 1), e.g. 0.005",
    );
}

#[test]
fn fingerprint_max_stations_says_its_range() {
    same_message(
        AUDIT,
        "--fingerprint-max-stations",
        &["999", "-1", "2.5", "all"],
        "must be 0 (every station) or a whole number, 1000 or more, e.g. 100000",
    );
}

/// End to end: the flag reaches the fit, which samples the election and says so, with the
/// whole election's ballots and station count.
#[test]
fn fingerprint_max_stations_samples_and_says_so() {
    let sim = elaudit()
        .args(["simulate", "--stations", "3000", "--seed", "4", "-o", "-"])
        .output()
        .unwrap();
    assert!(sim.status.success());
    let out = elaudit()
        .args(["audit", "-", "--checks", "fingerprint", "--format", "json"])
        .args([
            "--fingerprint-replicates",
            "4",
            "--fingerprint-null-replicates",
            "5",
        ])
        .args(["--fingerprint-max-stations", "1000"])
        .write_stdin(sim.stdout)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fp = &report["checks"][0];
    let sample = &fp["detail"]["sample"];
    let whole = sample["of_stations"].as_u64().expect("a sampled fit");
    assert!(whole > 2_900, "{sample}");
    assert_eq!(fp["n"].as_u64(), Some(whole));
    assert!(fp["detail"]["stations"].as_u64().unwrap() <= 1_010);
    assert!((sample["ballot_scale"].as_f64().unwrap() - 3.0).abs() < 0.3);
    let summary = fp["summary"].as_str().unwrap();
    assert!(summary.contains("random sample of 1,000"), "{summary}");
}

#[test]
fn fingerprint_replicates_say_their_range() {
    same_message(
        AUDIT,
        "--fingerprint-replicates",
        &["-1", "0", "1", "2.5", "100001", "many"],
        "must be a whole number from 2 to 100000, e.g. 50",
    );
}

#[test]
fn fingerprint_null_replicates_say_their_range() {
    same_message(
        AUDIT,
        "--fingerprint-null-replicates",
        &["-5", "4", "100001", "x"],
        "must be a whole number from 5 to 100000, e.g. 30",
    );
}

#[test]
fn integer_percent_replicates_say_their_range() {
    same_message(
        AUDIT,
        "--integer-percent-replicates",
        &["-1", "1", "100001", "1e3", "many"],
        "must be 0 (off) or a whole number from 2 to 100000, e.g. 1000",
    );
}

#[test]
fn anomalous_votes_replicates_say_their_range() {
    same_message(
        AUDIT,
        "--anomalous-votes-replicates",
        &["-1", "1", "100001", "0.5", "many"],
        "must be 0 (off) or a whole number from 2 to 100000, e.g. 200",
    );
}

#[test]
fn threads_say_their_range() {
    same_message(
        AUDIT,
        "--threads",
        &["-1", "0", "1025", "two"],
        "must be a whole number from 1 to 1024, e.g. 4",
    );
}

#[test]
fn last_digit_min_says_its_range() {
    same_message(
        AUDIT,
        "--last-digit-min",
        &["-1", "-100", "10.5", "ten"],
        "must be a whole number, 0 or more, e.g. 100",
    );
}

#[test]
fn seed_says_its_range() {
    let message = "must be a whole number from 0 to 18446744073709551615 (2^64 − 1), e.g. 42";
    same_message(
        AUDIT,
        "--seed",
        &["-1", "1.5", "18446744073709551616"],
        message,
    );
    same_message(SIMULATE, "--seed", &["-1", "x"], message);
}

#[test]
fn delimiter_lists_its_values() {
    same_message(
        AUDIT,
        "--delimiter",
        &["x", "|", "commas"],
        "[possible values: comma, semicolon, tab]",
    );
}

#[test]
fn delimiter_takes_names_and_characters() {
    let semicolons = CSV.replace(',', ";");
    for spelling in [";", "semicolon"] {
        let out = elaudit()
            .args(["audit", "-", "--checks", "protocol-arithmetic"])
            .args(["--format", "json", "--delimiter", spelling])
            .write_stdin(semicolons.clone())
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["input"]["delimiter"], ";", "{spelling}");
    }
}

#[test]
fn in_range_values_run_and_the_command_is_recorded_as_written() {
    let out = elaudit()
        .args(["audit", "-", "--alpha=0.05", "--threads=1", "--seed", "0"])
        .args(["--last-digit-min", "0", "--fingerprint-margin", "0"])
        .args(["--checks", "last-digit", "--format", "json"])
        .write_stdin(CSV)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["alpha"], 0.05);
    assert_eq!(
        v["command"],
        "elaudit audit - --alpha=0.05 --seed 0 --last-digit-min 0 --fingerprint-margin 0 \
         --checks last-digit --format json"
    );
}

#[test]
fn simulate_counts_say_their_range() {
    same_message(
        SIMULATE,
        "--stations",
        &["-5", "100000001", "1e4"],
        "must be a whole number from 0 to 100000000, e.g. 10000",
    );
    same_message(
        SIMULATE,
        "--regions",
        &["-1", "0", "ten"],
        "must be a whole number from 1 to 100000000, e.g. 10",
    );
}

#[test]
fn simulate_negative_shares_reach_the_spec_check() {
    same_message(
        SIMULATE,
        "--turnout",
        &["-1", "1.5"],
        "--turnout: must be strictly between 0 and 1",
    );
    same_message(
        SIMULATE,
        "--incremental",
        &["-0.1"],
        "--incremental: must be a share between 0 and 1",
    );
}

/// The message of a selection that leaves nothing to run names every check.
fn names_every_check(stderr: &str) {
    for id in every_check() {
        assert!(stderr.contains(id), "{id} missing: {stderr}");
    }
    assert!(stderr.contains("nothing to run") && stderr.contains("elaudit checks"));
}

#[test]
fn empty_checks_list_is_refused_naming_the_checks() {
    for args in [
        &["audit", "-", "--checks", ""][..],
        &["audit", "-", "--checks="],
        &["audit", "-", "--checks", " , "],
    ] {
        let stderr = refused(args);
        assert!(stderr.contains("--checks"), "{stderr}");
        names_every_check(&stderr);
    }
}

#[test]
fn skipping_every_check_is_refused_naming_the_checks() {
    let every = every_check().join(",");
    let stderr = refused(&["audit", "-", "--skip", &every]);
    assert!(stderr.contains("--skip skips every check"), "{stderr}");
    names_every_check(&stderr);
}

#[test]
fn skipping_every_check_that_checks_names_is_refused() {
    let stderr = refused(&[
        "audit",
        "-",
        "--checks",
        "last-digit,first-digit",
        "--skip",
        "first-digit,last-digit",
    ]);
    assert!(
        stderr.contains("--skip 'first-digit,last-digit' skips every check that --checks"),
        "{stderr}"
    );
    names_every_check(&stderr);
}

#[test]
fn no_output_may_overwrite_the_input_or_the_other_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, CSV).unwrap();
    let input = input.to_str().unwrap();
    let report = dir.path().join("report.txt");
    let report = report.to_str().unwrap();
    // The input, written another way, as the report.
    let again = format!("{}/./in.csv", dir.path().display());
    for args in [
        vec!["audit", input, "-o", &again],
        vec!["audit", input, "--stations-out", input],
        vec!["audit", input, "-o", report, "--stations-out", report],
    ] {
        let out = elaudit().args(&args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("are the same file"), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(input).unwrap(),
        CSV,
        "input untouched"
    );
    assert!(!std::path::Path::new(report).exists());
}

#[test]
fn an_empty_value_is_refused_not_read_as_the_default() {
    for (flag, value) in [
        ("--candidates", ""),
        ("--candidates", " , "),
        ("--candidate", ""),
        ("--region", " "),
        ("--winner", ""),
        ("--thousands", ""),
    ] {
        let stderr = refused(&["audit", "-", flag, value]);
        assert!(
            stderr.contains(&format!("{flag}: the value is empty")),
            "{flag} {value:?}: {stderr}"
        );
        let what = match flag {
            "--thousands" => "give the separator",
            "--winner" => "give a candidate's name",
            _ => "give a column name",
        };
        assert!(stderr.contains(what), "{flag} {value:?}: {stderr}");
    }
    let stderr = refused(&["audit", "-", "--skip", ""]);
    assert!(stderr.contains("--skip names no check"), "{stderr}");
}
