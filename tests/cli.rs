//! End-to-end tests of the `elaudit` binary: exit codes, formats, input variants.

mod common;

use std::io::Write;

use common::{csv_rows, elaudit, late_candidate_csv, stdout_of_success};
use predicates::prelude::*;
use serde_json::Value;

/// A simulated election as CSV text (header + rows).
fn csv_of(spec: &elaudit::simulate::ElectionSpec, seed: u64) -> String {
    let sim = elaudit::simulate::simulate(spec, seed);
    let mut out = Vec::new();
    elaudit::simulate::write_csv(&sim.dataset, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A clean simulated election as CSV text, small enough to be fast.
fn clean_csv(stations: usize, seed: u64) -> String {
    csv_of(&elaudit::simulate::ElectionSpec::clean(stations), seed)
}

fn write_tmp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn json_report(args: &[&str], stdin: Option<Vec<u8>>) -> (i32, Value) {
    let mut cmd = elaudit();
    cmd.args(args).args(["--format", "json"]);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

fn check<'a>(report: &'a Value, id: &str, subject: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id && c["subject"] == subject)
        .unwrap_or_else(|| panic!("no check {id}/{subject}"))
}

#[test]
fn clean_election_exits_zero_with_the_documented_json_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "clean.csv", clean_csv(3000, 1).as_bytes());
    let (code, v) = json_report(&["audit", p.to_str().unwrap()], None);
    assert_eq!(code, 0, "{v:#}");
    for key in [
        "tool",
        "version",
        "seed",
        "alpha",
        "command",
        "input",
        "rejected_rows",
        "checks",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(v["tool"], "elaudit");
    assert_eq!(v["seed"], 42);
    assert_eq!(v["alpha"], 0.01);
    for key in [
        "path",
        "sha256",
        "rows",
        "stations",
        "rejected",
        "excluded",
        "registered",
        "ballots",
        "turnout",
        "winner",
        "winner_share",
        "candidates",
        "columns",
    ] {
        assert!(v["input"].get(key).is_some(), "missing input.{key}");
    }
    assert_eq!(v["input"]["rows"], 3000);
    assert_eq!(v["input"]["stations"], 3000);
    assert_eq!(v["input"]["sha256"].as_str().unwrap().len(), 64);
    let sd = check(&v, "second-digit", "all");
    for key in ["mean", "ci_low", "ci_high", "counts", "classic"] {
        assert!(sd["detail"].get(key).is_some(), "second-digit detail.{key}");
    }
    let ld = check(&v, "last-digit", "ballots");
    for key in ["mean", "share_0_5", "counts", "classic"] {
        assert!(ld["detail"].get(key).is_some(), "last-digit detail.{key}");
    }
    let rp = check(&v, "round-percent", "turnout");
    for key in ["share_0_5", "expected_share"] {
        assert!(
            rp["detail"].get(key).is_some(),
            "round-percent detail.{key}"
        );
    }
    let pa = check(&v, "protocol-arithmetic", "all");
    assert!(pa["p_value"].is_null());
    assert_eq!(pa["flagged"], false);
    let fd = check(&v, "first-digit", "all");
    assert!(
        fd["p_adjusted"].is_null(),
        "first-digit is outside the Holm family"
    );
    for c in v["checks"].as_array().unwrap() {
        if c["applicable"] == true && c["family"] == "holm" {
            let p = c["p_value"].as_f64().unwrap();
            let pa = c["p_adjusted"].as_f64().unwrap();
            assert!(pa >= p && pa <= 1.0, "{c}");
        }
    }
}

#[test]
fn text_report_prints_seed_summary_and_caveat() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "clean.csv", clean_csv(1000, 2).as_bytes());
    elaudit()
        .args(["audit", p.to_str().unwrap(), "--seed", "7"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("seed 7"))
        .stdout(predicate::str::contains("not proof of fraud"))
        .stdout(predicate::str::contains("second-digit"))
        .stdout(predicate::str::contains("turnout"));
}

#[test]
fn invented_counts_are_flagged_with_exit_one() {
    let mut spec = elaudit::simulate::ElectionSpec::clean(5000);
    spec.fraud.invented_counts = 0.3;
    let csv = csv_of(&spec, 3).into_bytes();
    let (code, v) = json_report(&["audit", "-"], Some(csv));
    assert_eq!(code, 1);
    assert_eq!(check(&v, "last-digit", "all")["flagged"], true);
}

#[test]
fn reads_stdin_gzip_tsv_semicolons_and_bom_alike() {
    let csv = clean_csv(800, 4);
    let (_, base) = json_report(&["audit", "-"], Some(csv.clone().into_bytes()));
    let stat = |v: &Value| check(v, "last-digit", "all")["statistic"].clone();

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    // Named .csv on purpose: gzip is detected from the content.
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "plain-name.csv", &gz);
    let (_, v) = json_report(&["audit", p.to_str().unwrap()], None);
    assert_eq!(stat(&v), stat(&base));
    assert_eq!(v["input"]["gzip"], true);

    for (delim, name) in [("\t", "tab"), (";", "semicolon")] {
        let text = csv.replace(',', delim);
        let (_, v) = json_report(&["audit", "-"], Some(text.clone().into_bytes()));
        assert_eq!(stat(&v), stat(&base), "{name}");
        assert_eq!(v["input"]["delimiter"], delim);
    }
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(csv.replace('\n', "\r\n").as_bytes());
    let (_, v) = json_report(&["audit", "-"], Some(bom));
    assert_eq!(stat(&v), stat(&base));
    assert_eq!(v["input"]["columns"][0]["column"], "station");
}

#[test]
fn same_seed_gives_byte_identical_reports_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "c.csv", clean_csv(2000, 5).as_bytes());
    let run = |threads: &str| {
        elaudit()
            .args([
                "audit",
                p.to_str().unwrap(),
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}

#[test]
fn unreadable_rows_are_listed_and_strict_makes_them_fatal() {
    let mut csv = clean_csv(500, 6);
    let header = csv.lines().next().unwrap().to_string();
    let ncols = header.split(',').count();
    // Break one field at a time in copies of a good row, with fresh ids.
    let good: Vec<String> = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let mut bad = |id: &str, col: usize, value: &str| {
        let mut row = good.clone();
        row[0] = id.to_string();
        row[col] = value.to_string();
        csv.push_str(&row.join(","));
        csv.push('\n');
    };
    bad("X1", 2, "abc"); // registered: not an integer
    bad("X2", 3, ""); // ballots: missing
    bad("X3", 5, "-4"); // invalid: negative
    csv.push_str(&vec!["1"; ncols - 1].join(","));
    csv.push('\n'); // wrong field count
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "bad.csv", csv.as_bytes());
    let (code, v) = json_report(&["audit", p.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(v["input"]["rejected"], 4);
    assert_eq!(v["input"]["stations"], 500);
    let reasons: Vec<&str> = v["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "not-an-integer",
            "missing-value",
            "negative-count",
            "wrong-field-count"
        ]
    );
    assert_eq!(v["rejected_rows"][0]["line"], 502);
    assert_eq!(v["rejected_rows"][0]["station"], "X1");
    assert!(
        v["rejected_rows"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("abc")
    );

    elaudit()
        .args(["audit", p.to_str().unwrap()])
        .assert()
        .stdout(predicate::str::contains("not-an-integer: 1"))
        .stdout(predicate::str::contains("line 502"));
    elaudit()
        .args(["audit", p.to_str().unwrap(), "--strict"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("502"))
        .stderr(predicate::str::contains("abc"));
}

#[test]
fn conflicting_ids_reject_every_copy_and_exact_copies_keep_the_first() {
    let csv = "station,registered,ballots,valid,invalid,A,B\n\
               s1,100,60,58,2,30,28\n\
               s2,100,60,58,2,30,28\n\
               s1,100,60,58,2,31,27\n";
    let (_, v) = json_report(&["audit", "-"], Some(csv.as_bytes().to_vec()));
    assert_eq!(v["input"]["stations"], 1);
    let rows = v["rejected_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["reason"] == "duplicate-id"));
    // The same row twice is one station entered twice: nothing is in doubt.
    let csv = "station,registered,ballots,valid,invalid,A,B\n\
               s1,100,60,58,2,30,28\n\
               s2,100,60,58,2,30,28\n\
               s1,100,60,58,2,30,28\n";
    let (_, v) = json_report(&["audit", "-"], Some(csv.as_bytes().to_vec()));
    assert_eq!(v["input"]["stations"], 2);
    let rows = v["rejected_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["reason"], "duplicate-row");
    assert_eq!(rows[0]["line"], 4);
    let detail = rows[0]["detail"].as_str().unwrap();
    assert!(detail.contains("an exact copy of line 2"), "{detail}");
}

/// The report's caveat that begins with `start`.
fn caveat<'a>(v: &'a Value, start: &str) -> &'a str {
    let all = v["caveats"].as_array().unwrap();
    all.iter()
        .filter_map(Value::as_str)
        .find(|c| c.starts_with(start))
        .unwrap_or_else(|| panic!("no caveat '{start}…' in {all:?}"))
}

#[test]
fn caveats_say_how_much_was_rejected_and_the_fix_most_rejections_share() {
    // Station numbers restart in each region: most rows repeat an id.
    let csv = "region,station,registered,A,B\n\
               North,1,100,30,20\nNorth,2,100,30,20\nSouth,1,100,30,20\nSouth,2,100,30,20\n\
               South,3,100,30,20\n";
    let (_, v) = json_report(&["audit", "-"], Some(csv.as_bytes().to_vec()));
    let c = caveat(&v, "4 rows are left out of every check");
    assert!(c.contains("That is 80% of the lines read"), "{c}");
    assert!(c.contains("--id 'region' --id 'station'"), "{c}");
    // '.' between thousands without --thousands; and a rule that matched nothing.
    let csv = "id;registered;A;B\ns1;2.000;1.227;500\ns2;900;600;200\ns3;800;500;200\n";
    let out = elaudit()
        .args(["audit", "-", "--format", "json", "--exclude", "id=S9"])
        .write_stdin(csv)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = caveat(&v, "1 row is left out of every check");
    assert!(c.contains("1 of them hold numbers that look grouped by thousands (if '.' groups thousands, pass --thousands '.')"), "{c}");
    assert!(caveat(&v, "--exclude id=S9 left no row out").contains("case included"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: --exclude id=S9 left no row out"),
        "{stderr}"
    );
}

#[test]
fn each_protocol_arithmetic_kind_is_counted_and_kept() {
    let csv = "station,registered,ballots,valid,invalid,A,B\n\
               ok,100,60,58,2,30,28\n\
               over,100,120,118,2,60,58\n\
               zero,0,5,5,0,3,2\n\
               vi,100,60,50,2,25,25\n\
               sum,100,60,58,2,30,20\n";
    let (code, v) = json_report(&["audit", "-"], Some(csv.as_bytes().to_vec()));
    assert_eq!(code, 0);
    assert_eq!(
        v["input"]["stations"], 5,
        "rows that do not add up are kept"
    );
    let counts = &check(&v, "protocol-arithmetic", "all")["detail"]["counts"];
    assert_eq!(counts["ballots-above-registered"], 1);
    assert_eq!(counts["zero-registered-with-ballots"], 1);
    assert_eq!(counts["valid-plus-invalid-mismatch"], 1);
    assert_eq!(counts["candidates-sum-mismatch"], 1);
}

/// Runs `elaudit ARGS` on `stdin`, expects exit status 2 and every needle on stderr.
fn fails_with(args: &[&str], stdin: impl Into<Vec<u8>>, needles: &[&str]) {
    let mut assert = elaudit()
        .args(args)
        .write_stdin(stdin.into())
        .assert()
        .code(2);
    for needle in needles {
        assert = assert.stderr(predicate::str::contains(*needle));
    }
}

#[test]
fn header_errors_exit_two_and_name_the_column() {
    let csv = "station,registered,ballots,A,B\ns1,100,60,30,28\n";
    fails_with(
        &["audit", "-", "--registered", "electorate"],
        csv,
        &["electorate", "registered", "ballots"],
    );
    fails_with(&["audit", "-"], "", &["empty"]);
    fails_with(
        &["audit", "-"],
        "station,registered,ballots\ns1,100,60\n",
        &["candidate"],
    );
    fails_with(
        &["audit", "-"],
        b"station,registered,ballots,A\ns\xff1,100,60,30\n".to_vec(),
        &["UTF-8"],
    );
    fails_with(
        &["audit", "/nonexistent/file.csv"],
        "",
        &["/nonexistent/file.csv"],
    );
    fails_with(&["audit", "-", "--alpha", "2"], csv, &["--alpha"]);
    fails_with(
        &["audit", "-", "--checks", "no-such-check"],
        csv,
        &["second-digit"],
    );
}

#[test]
fn columns_file_na_thousands_and_exclude() {
    let csv = "Nr;Okręg;Uprawnieni;Wydane;Ważne;Nieważne;Kowalski, Jan;Nowak\n\
               1;A;1.200;700;690;10;400;290\n\
               2;A;900;500;495;5;-;495\n\
               3;Statki;50;40;40;0;20;20\n";
    let dir = tempfile::tempdir().unwrap();
    let toml = write_tmp(
        &dir,
        "map.toml",
        "id = \"Nr\"\nregion = \"Okręg\"\nregistered = \"Uprawnieni\"\nballots = \"Wydane\"\n\
         valid = \"Ważne\"\ninvalid = \"Nieważne\"\ncandidates = [\"Kowalski, Jan\", \"Nowak\"]\n\
         na = [\"-\"]\nthousands = \".\"\nexclude = [\"Okręg=Statki\"]\n"
            .as_bytes(),
    );
    let (_, v) = json_report(
        &["audit", "-", "--columns", toml.to_str().unwrap()],
        Some(csv.as_bytes().to_vec()),
    );
    assert_eq!(v["input"]["stations"], 2);
    assert_eq!(v["input"]["excluded"], 1);
    assert_eq!(v["input"]["rejected"], 0);
    assert_eq!(v["input"]["registered"], 2100);
    assert_eq!(v["input"]["candidates"][0]["name"], "Kowalski, Jan");
    assert_eq!(v["input"]["candidates"][0]["votes"], 400);
    assert_eq!(v["input"]["delimiter"], ";");

    // The same through flags; --candidate keeps the comma in the name.
    let (_, f) = json_report(
        &[
            "audit",
            "-",
            "--id",
            "Nr",
            "--registered",
            "Uprawnieni",
            "--ballots",
            "Wydane",
            "--valid",
            "Ważne",
            "--invalid",
            "Nieważne",
            "--candidate",
            "Kowalski, Jan",
            "--candidate",
            "Nowak",
            "--na",
            "-",
            "--thousands",
            ".",
            "--exclude",
            "Okręg=Statki",
        ],
        Some(csv.as_bytes().to_vec()),
    );
    assert_eq!(f["input"]["registered"], 2100);
    assert_eq!(f["input"]["excluded"], 1);
    // Flags override the file: a different winner.
    let (_, o) = json_report(
        &[
            "audit",
            "-",
            "--columns",
            toml.to_str().unwrap(),
            "--winner",
            "Nowak",
        ],
        Some(csv.as_bytes().to_vec()),
    );
    assert_eq!(o["input"]["winner"], "Nowak");
}

#[test]
fn quoted_candidate_list_splits_outside_quotes_only() {
    let csv = "station,registered,ballots,\"Smith, J\",Doe\ns1,100,60,30,28\n";
    let (_, v) = json_report(
        &["audit", "-", "--candidates", "\"Smith, J\",Doe"],
        Some(csv.as_bytes().to_vec()),
    );
    assert_eq!(v["input"]["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(v["input"]["candidates"][0]["name"], "Smith, J");
}

#[test]
fn small_files_say_not_applicable_instead_of_testing() {
    let csv = "station,registered,ballots,valid,invalid,A,B\ns1,100,60,58,2,30,28\n";
    let (code, v) = json_report(&["audit", "-"], Some(csv.as_bytes().to_vec()));
    assert_eq!(code, 0);
    let sd = check(&v, "second-digit", "all");
    assert_eq!(sd["applicable"], false);
    assert!(sd["not_applicable"].as_str().unwrap().len() > 5);
}

#[test]
fn checks_and_skip_choose_checks() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "c.csv", clean_csv(500, 8).as_bytes());
    let (_, v) = json_report(
        &["audit", p.to_str().unwrap(), "--checks", "last-digit"],
        None,
    );
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] == "last-digit")
    );
    let (_, v) = json_report(
        &[
            "audit",
            p.to_str().unwrap(),
            "--skip",
            "last-digit,first-digit",
        ],
        None,
    );
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "last-digit" && c["id"] != "first-digit")
    );
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "c.csv", clean_csv(300, 9).as_bytes());
    let out = dir.path().join("report.json");
    elaudit()
        .args([
            "audit",
            p.to_str().unwrap(),
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ])
        .assert()
        .stdout(predicate::str::is_empty());
    let v: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(v["tool"], "elaudit");
}

#[test]
fn sample_data_in_the_readme_runs() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kz2022-sim.csv");
    let text = stdout_of_success(elaudit().args(["audit", sample.to_str().unwrap()]));
    assert!(text.contains("turnout 69."), "{text}");
}

#[test]
fn simulate_writes_a_file_that_audit_reads_without_flags() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sim.csv");
    let truth = dir.path().join("truth.json");
    elaudit()
        .args([
            "simulate",
            "--stations",
            "1500",
            "--seed",
            "3",
            "--output",
            csv.to_str().unwrap(),
            "--truth",
            truth.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    let (code, v) = json_report(&["audit", csv.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(v["input"]["stations"], 1500);
    let t: Value = serde_json::from_slice(&std::fs::read(truth).unwrap()).unwrap();
    assert!(t.is_object());
}

#[test]
fn stations_out_lists_every_station_with_its_anomaly_score() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sim.csv");
    let out = dir.path().join("stations.csv");
    elaudit()
        .args([
            "simulate",
            "--stations",
            "2000",
            "--seed",
            "5",
            "--integer-percent",
            "0.1",
            "--output",
            csv.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    elaudit()
        .args([
            "audit",
            csv.to_str().unwrap(),
            "--stations-out",
            out.to_str().unwrap(),
            "--skip",
            "fingerprint",
        ])
        .assert()
        .code(1);
    let text = std::fs::read_to_string(out).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "station",
        "turnout",
        "winner_share",
        "integer_turnout",
        "fp_turnout_bin",
        "anomaly_score",
        "anomaly_tail",
    ] {
        assert!(header.contains(&col), "missing column {col}");
    }
    let idx = |c: &str| header.iter().position(|h| *h == c).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2000);
    let (mut hit, mut miss) = (Vec::new(), Vec::new());
    for r in &rows {
        let score: f64 = r[idx("anomaly_score")].parse().unwrap();
        assert!(score >= 0.0);
        // Without the fingerprint there is no fitted fair model to simulate a null from.
        assert_eq!(r[idx("anomaly_tail")], "");
        assert_eq!(r[idx("fp_expected_fair")], "");
        if r[idx("integer_turnout")] == "1" {
            hit.push(score)
        } else {
            miss.push(score)
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(hit.len() > 100, "{} integer turnouts", hit.len());
    assert!(
        mean(&hit) > mean(&miss) + 0.5,
        "{} vs {}",
        mean(&hit),
        mean(&miss)
    );
}

#[test]
fn missing_ids_and_overflowing_counts_are_rejected_rows() {
    let csv = "station,registered,ballots,valid,invalid,A,B\n\
               s1,100,60,58,2,30,28\n\
               ,100,60,58,2,30,28\n\
               s3,100,60,58,2,30,99999999999999999999\n";
    let (code, v) = json_report(&["audit", "-"], Some(csv.as_bytes().to_vec()));
    assert_eq!(code, 0);
    let reasons: Vec<&str> = v["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.contains(&"missing-id"), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| *r == "count-overflow" || *r == "not-an-integer"),
        "{reasons:?}"
    );
    assert_eq!(v["input"]["stations"], 1);
}

#[test]
fn stuffed_sample_is_flagged_by_the_fingerprint() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let stuffed = dir.join("kz2022-stuffed.csv");
    let (code, v) = json_report(
        &[
            "audit",
            stuffed.to_str().unwrap(),
            "--checks",
            "fingerprint",
        ],
        None,
    );
    assert_eq!(code, 1);
    let fp = check(&v, "fingerprint", "winner-share");
    assert_eq!(fp["flagged"], true);
    assert_eq!(fp["family"], "holm");
    // The truth is 240,551 (data/kz2022-stuffed.truth.json). At 10,000 stations the
    // amount is uncertain, but the interval must hold the truth and the extreme
    // stuffing (3.13% of stations) must be pinned down.
    let b = &fp["detail"]["ballots_added"];
    let (added, lo, hi) = (
        b["estimate"].as_f64().unwrap(),
        b["ci_low"].as_f64().unwrap(),
        b["ci_high"].as_f64().unwrap(),
    );
    assert!((100_000.0..400_000.0).contains(&added), "{added}");
    assert!(lo <= 240_551.0 && 240_551.0 <= hi, "[{lo}, {hi}]");
    let fe = &fp["detail"]["f_extreme"];
    assert!(fe["ci_low"].as_f64().unwrap() > 0.02, "{fe}");
    // f_i is not identified at this size (the f_i–θ ridge): its interval says so.
    let fi = &fp["detail"]["f_incremental"];
    assert_eq!(fi["ci_low"].as_f64(), Some(0.0), "{fi}");
    assert!(fi["estimate"].as_f64().unwrap() < 1.0, "{fi}");
    assert!(fe["ci_high"].as_f64().unwrap() < 0.04, "{fe}");
}

#[test]
fn fingerprint_binning_is_auto_unless_asked() {
    let binning = |csv: &str, extra: &[&str]| {
        let mut args = vec!["audit", "-", "--checks", "fingerprint"];
        args.extend_from_slice(&["--fingerprint-replicates", "4"]);
        args.extend_from_slice(&["--fingerprint-null-replicates", "5"]);
        args.extend_from_slice(extra);
        let (code, v) = json_report(&args, Some(csv.as_bytes().to_vec()));
        assert_eq!(code, 0);
        check(&v, "fingerprint", "winner-share")["detail"]["binning"].clone()
    };
    // Ten regions of 200 stations: none is large enough for a grid of its own, so
    // auto has nothing to try and compares nationally.
    let csv = clean_csv(2_000, 4);
    let auto = binning(&csv, &[]);
    assert_eq!(auto["kind"], "national", "{auto}");
    assert_eq!(auto["chosen"], "auto", "{auto}");
    assert!(auto.get("per_region_trial").is_none(), "{auto}");
    assert_eq!(auto["theta_range"][0].as_f64(), Some(0.05));
    let national = binning(&csv, &["--fingerprint-binning", "national"]);
    assert_eq!(national["chosen"], "national", "{national}");
    let per_region = binning(&csv, &["--fingerprint-binning", "per-region"]);
    assert_eq!(per_region["kind"], "per-region", "{per_region}");
    assert!(per_region["regions_with_own_grid"].is_array());
    // Two regions of 1,000 logit-normal stations: auto tries them region by region,
    // and keeps that fit, which is as good as its own replicates'.
    let mut spec = elaudit::simulate::ElectionSpec::clean(2_000);
    spec.regions = 2;
    let two = binning(&csv_of(&spec, 4), &[]);
    assert_eq!(two["kind"], "per-region", "{two}");
    assert_eq!(two["per_region_trial"]["kept"], true, "{two}");
    assert_eq!(two["per_region_trial"]["max_ratio"].as_f64(), Some(1.15));
    // The paper's procedure is national by definition.
    fails_with(
        &[
            "audit",
            "-",
            "--fingerprint-model",
            "paper",
            "--fingerprint-binning",
            "per-region",
        ],
        csv.clone(),
        &["--fingerprint-binning", "paper"],
    );
    fails_with(
        &["audit", "-", "--fingerprint-binning", "regional"],
        csv,
        &["--fingerprint-binning"],
    );
}

#[test]
fn fingerprint_flags_choose_the_model_replicates_and_margin() {
    let csv = clean_csv(2_000, 4);
    let (code, v) = json_report(
        &[
            "audit",
            "-",
            "--checks",
            "fingerprint",
            "--fingerprint-model",
            "paper",
            "--fingerprint-replicates",
            "4",
            "--fingerprint-null-replicates",
            "5",
            "--fingerprint-margin",
            "0.02",
        ],
        Some(csv.clone().into_bytes()),
    );
    assert_eq!(code, 0);
    let d = &check(&v, "fingerprint", "winner-share")["detail"];
    assert_eq!(d["model"], "paper");
    assert_eq!(d["bootstrap"]["replicates"], 4);
    assert_eq!(d["no_fraud_test"]["null_replicates"], 5);
    assert_eq!(d["materiality"]["margin"].as_f64(), Some(0.02));
    for (flag, value) in [
        ("--fingerprint-replicates", "1"),
        ("--fingerprint-null-replicates", "2"),
        ("--fingerprint-margin", "1.5"),
        ("--fingerprint-margin", "-0.1"),
        ("--fingerprint-model", "magic"),
    ] {
        fails_with(&["audit", "-", flag, value], csv.clone(), &[flag]);
    }
}

#[test]
fn replicate_flags_set_or_switch_off_the_resampling() {
    let csv = clean_csv(2_000, 5);
    let run = |ip: &str, av: &str| {
        let (code, v) = json_report(
            &[
                "audit",
                "-",
                "--checks",
                "integer-percent,anomalous-votes",
                "--integer-percent-replicates",
                ip,
                "--anomalous-votes-replicates",
                av,
            ],
            Some(csv.clone().into_bytes()),
        );
        assert_eq!(code, 0);
        v
    };
    let v = run("40", "30");
    let ip = check(&v, "integer-percent", "turnout");
    assert_eq!(ip["detail"]["replicates"], 40);
    assert!(ip["detail"]["mc_sd"].as_f64().is_some());
    assert!(ip["summary"].as_str().unwrap().contains("Monte Carlo sd"));
    let av = check(&v, "anomalous-votes", "winner");
    assert_eq!(av["detail"]["replicates"], 30);
    assert!(av["detail"]["ci_low"].as_f64().is_some());

    // 0 turns the resampling off; the p-value and the estimate stay.
    let off = run("0", "0");
    let ip0 = check(&off, "integer-percent", "turnout");
    assert_eq!(ip0["detail"]["replicates"], 0);
    assert!(ip0["detail"]["mc_sd"].is_null() && ip0["detail"]["mc_q999"].is_null());
    assert!(!ip0["summary"].as_str().unwrap().contains("Monte Carlo"));
    assert_eq!(ip0["p_value"], ip["p_value"]);
    let av0 = check(&off, "anomalous-votes", "winner");
    assert!(av0["detail"]["ci_low"].is_null());
    assert_eq!(av0["statistic"], av["statistic"]);

    for flag in [
        "--integer-percent-replicates",
        "--anomalous-votes-replicates",
    ] {
        fails_with(
            &["audit", "-", flag, "100001"],
            csv.clone(),
            &[flag, "100000"],
        );
        fails_with(&["audit", "-", flag, "many"], csv.clone(), &[flag]);
    }
}

#[test]
fn brief_text_keeps_rows_flags_and_caveats_and_drops_the_rest() {
    // Invented counts flag some digit results and leave others unflagged, in a
    // fraction of a second (the fingerprint would take seconds per run).
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("invented.csv");
    elaudit()
        .args(["simulate", "--stations", "5000", "--invented-counts", "0.3"])
        .args(["--seed", "3", "-o", csv.to_str().unwrap()])
        .assert()
        .code(0);
    let text = |extra: &[&str]| {
        let out = elaudit()
            .args(["audit", csv.to_str().unwrap(), "--checks"])
            .args(["second-digit,last-digit", "--quiet"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let full = text(&[]);
    let brief = text(&["--brief"]);
    let is_row = |l: &str| l.starts_with("  second-digit") || l.starts_with("  last-digit");
    // The lines of one section (from its title to the blank line after it) that are results.
    let section = |t: &str, title: &str| -> Vec<String> {
        let body = t.split(&format!("\n{title}")).nth(1).unwrap_or("");
        let body = body.split("\n\n").next().unwrap_or("");
        body.lines()
            .filter(|l| is_row(l))
            .map(String::from)
            .collect()
    };
    let (rows_full, rows_brief) = (section(&full, "Checks ("), section(&brief, "Checks ("));
    let flagged = rows_full.iter().filter(|l| l.contains("  FLAG  ")).count();
    // Every result keeps its table row; only flagged results keep their sentence.
    assert_eq!(rows_brief, rows_full);
    assert_eq!(section(&full, "Details\n").len(), rows_full.len(), "{full}");
    assert_eq!(section(&brief, "Details\n").len(), flagged, "{brief}");
    assert!(flagged > 0 && flagged < rows_full.len(), "{full}");
    assert!(full.contains("  columns: ") && !brief.contains("  columns: "));
    // The result and the caveats stay.
    assert!(brief.contains("flagged at alpha") && brief.contains("not proof of fraud"));
    assert!(brief.lines().count() < full.lines().count());
}

#[test]
fn caveats_say_first_when_the_columns_look_read_in_the_wrong_roles() {
    let audit = |csv: String| {
        let args = ["audit", "-", "--checks", "protocol-arithmetic"];
        json_report(&args, Some(csv.into_bytes())).1
    };
    let first = |v: &Value| v["caveats"][0].as_str().unwrap().to_string();
    // One row per station and party: one count column, read as the only candidate.
    let mut long = String::from("station,region,party,votes\n");
    for i in 0..40 {
        for (p, v) in [("A", 40 + i % 9), ("B", 30 + i % 7)] {
            long.push_str(&format!("s{i}-{p},R{},{p},{v}\n", i % 3));
        }
    }
    assert!(first(&audit(long)).starts_with("Only one candidate column was read ('votes')"));
    // A valid column that the candidates do not add up to at most stations.
    let off = csv_rows("id,valid,A,B,C", 40, |i| {
        format!(
            "s{i},{},{},{},{}",
            300 + i,
            100 + i % 9,
            90 + i % 5,
            70 + i % 3
        )
    });
    let c = first(&audit(off));
    assert!(
        c.starts_with("The candidates' votes differ from the valid votes in 100% of stations"),
        "{c}"
    );
    // Registered named, ballots issued and valid under codes: read as candidates.
    let coded = csv_rows("id,registered,P5,P6,A,B", 40, |i| {
        let (a, b) = (300 + i % 9, 200 + i % 5);
        format!("s{i},{},{},{},{a},{b}", 900 + i, a + b + 8, a + b)
    });
    let c = first(&audit(coded));
    assert!(
        c.starts_with(
            "The ballots (the candidates' votes plus invalid) exceed the registered voters at \
             100% of stations"
        ),
        "{c}"
    );
    assert!(c.contains("'P5', 'P6', 'A', 'B'"), "{c}");
    // Ballots named, abstentions under a code read as a candidate: more votes than ballots.
    let abstentions = csv_rows("id,registered,ballots,K7,A,B", 40, |i| {
        let (a, b) = (300 + i % 9, 200 + i % 5);
        format!(
            "s{i},{},{},{},{a},{b}",
            900 + i,
            a + b + 4,
            900 + i - (a + b + 4)
        )
    });
    let c = first(&audit(abstentions));
    assert!(
        c.starts_with("The candidates' votes add up to more than the ballots cast at 100% of"),
        "{c}"
    );
    assert!(c.contains("'K7', 'A', 'B'"), "{c}");
    // No count column recognised.
    let bare = csv_rows("id,Electeurs,Dupont,Martin", 40, |i| {
        format!("s{i},{},{},{}", 900 + i * 7 % 13, 300 + i % 9, 200 + i % 5)
    });
    let c = first(&audit(bare));
    assert!(
        c.starts_with("No registered, ballots, valid or invalid column was recognised"),
        "{c}"
    );
    assert!(c.contains("'Electeurs', 'Dupont', 'Martin'"), "{c}");
    // A region written on the first row of each block only.
    let merged = csv_rows("id,region,registered,A,B", 40, |i| {
        let region = if i % 10 == 0 {
            format!("R{}", i / 10)
        } else {
            String::new()
        };
        format!("s{i},{region},900,{},{}", 300 + i % 9, 200 + i % 5)
    });
    let c = first(&audit(merged));
    assert!(
        c.starts_with("The region is blank in 36 of 40 stations"),
        "{c}"
    );
}

#[test]
fn a_column_of_votes_that_starts_below_the_sample_is_the_first_caveat() {
    let csv = late_candidate_csv();
    let (_, v) = json_report(
        &["audit", "-", "--checks", "protocol-arithmetic"],
        Some(csv.into_bytes()),
    );
    let c = v["caveats"][0].as_str().unwrap();
    assert!(c.starts_with("Column 'C' was not read"), "{c}");
    assert!(
        c.contains("more than the winner's votes: the winner and every share may be wrong"),
        "{c}"
    );
    assert_eq!(v["input"]["left_out"][0]["later"]["stations"], 1500);
}

#[test]
fn blank_candidate_cells_at_a_few_stations_are_counted_and_told() {
    // A's cell is NA at stations 3 and 7 and B's is empty at station 5; C stands only at
    // the first two stations of forty (a district candidate), which is no caveat.
    let csv = common::csv_rows("id,registered,A,B,C", 40, |i| {
        let a = if i == 3 || i == 7 {
            "NA".into()
        } else {
            (50 + i % 9).to_string()
        };
        let b = if i == 5 {
            String::new()
        } else {
            (30 + i % 4).to_string()
        };
        let c = if i < 2 { "4" } else { "" };
        format!("s{i},120,{a},{b},{c}")
    });
    let (_, v) = json_report(
        &["audit", "-", "--checks", "protocol-arithmetic"],
        Some(csv.into_bytes()),
    );
    let off: Vec<u64> = (0..3)
        .map(|j| v["input"]["candidates"][j]["off_ballot"].as_u64().unwrap())
        .collect();
    assert_eq!(off, [2, 1, 38]);
    let caveats = v["caveats"].as_array().unwrap();
    let c = caveats
        .iter()
        .filter_map(|c| c.as_str())
        .find(|c| c.starts_with("Candidate cells that are empty"))
        .expect("a caveat on the blank cells");
    assert!(
        c.contains("'A' at 2, 'B' at 1 of 40 stations ('A' at lines 5, 9)"),
        "{c}"
    );
    assert!(!c.contains("  "), "a run of spaces: {c}");
}
