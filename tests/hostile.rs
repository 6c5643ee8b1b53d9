//! The hostile-input corpus in tests/hostile/: one small file per way an input has lost
//! or misread data, each with the exit status, the line account and the message it must
//! give. The files are 120 simulated stations (`elaudit simulate --stations 120
//! --regions 4 --seed 7`), each broken in one way; tests/hostile/README.md says how.

mod common;

use std::path::PathBuf;

use common::elaudit;
use serde_json::Value;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(name)
}

/// What one run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(file: &str, args: &[&str]) -> Run {
    let out = elaudit()
        .arg("audit")
        .arg(corpus(file))
        .args(["--checks", "protocol-arithmetic,last-digit", "-q"])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(file: &str, args: &[&str]) -> Value {
    let r = run(file, &[args, &["--format", "json"]].concat());
    assert!(r.code <= 1, "{file}: exit {}: {}", r.code, r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{file}: not JSON: {e}"))
}

/// (used, rejected, excluded) lines, after checking that every line is accounted for.
fn account(v: &Value) -> (u64, u64, u64) {
    let l = &v["input"]["lines"];
    let n = |k: &str| l[k].as_u64().unwrap();
    assert_eq!(
        n("header") + n("used") + n("rejected") + n("excluded"),
        n("lines"),
        "{l}"
    );
    (n("used"), n("rejected"), n("excluded"))
}

fn rejected(v: &Value) -> Vec<(u64, String)> {
    v["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let line = r["line"].as_u64().unwrap();
            (line, r["reason"].as_str().unwrap().to_string())
        })
        .collect()
}

fn winner(v: &Value) -> &str {
    v["input"]["winner"].as_str().unwrap()
}

#[test]
fn an_unterminated_quote_rejects_its_line_and_keeps_the_rest() {
    let v = json("unterminated-quote.csv", &[]);
    assert_eq!(account(&v), (119, 1, 0));
    assert_eq!(rejected(&v), [(51, "unbalanced-quote".to_string())]);
    let detail = v["rejected_rows"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("never closes"), "{detail}");
    assert!(detail.contains("lines 51–121"), "{detail}");
    let strict = run("unterminated-quote.csv", &["--strict"]);
    assert_eq!(strict.code, 2);
    for part in ["line 51", "never closes", "51–121", "--multiline-fields"] {
        assert!(strict.stderr.contains(part), "{part}: {}", strict.stderr);
    }
}

#[test]
fn a_quote_spanning_lines_never_merges_stations() {
    let v = json("quote-spans-lines.csv", &[]);
    assert_eq!(account(&v), (118, 2, 0));
    let reasons = rejected(&v);
    assert_eq!(reasons[0], (51, "unbalanced-quote".to_string()));
    assert_eq!(reasons[1], (53, "unbalanced-quote".to_string()));
    assert_eq!(v["rejected_rows"][0]["station"], "S000050");
    assert_eq!(run("quote-spans-lines.csv", &["--strict"]).code, 2);
    // Accepted on request: one record of three lines, accounted as such.
    let v = json("quote-spans-lines.csv", &["--multiline-fields"]);
    let (used, rej, excl) = account(&v);
    assert_eq!(used + rej + excl, 120);
    assert_eq!(v["input"]["rows"], 118);
}

#[test]
fn bad_cells_in_the_winners_column_reject_rows_not_the_column() {
    let v = json("bad-cells-in-winner-column.csv", &[]);
    assert_eq!(account(&v), (113, 7, 0));
    assert!(
        rejected(&v).iter().all(|(_, r)| r == "not-an-integer"),
        "{:?}",
        rejected(&v)
    );
    assert_eq!(winner(&v), "Candidate A");
    let roles = v["input"]["columns"].as_array().unwrap();
    assert!(roles.iter().all(|c| c["role"] != "ignored"), "{roles:?}");
    let strict = run("bad-cells-in-winner-column.csv", &["--strict"]);
    assert_eq!(strict.code, 2);
    assert!(strict.stderr.contains("line 11"), "{}", strict.stderr);
    assert!(strict.stderr.contains("'1e3'"), "{}", strict.stderr);
}

#[test]
fn columns_left_out_for_their_names_are_announced_with_the_fix() {
    let r = run("code-like-candidate-names.csv", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for name in ["Malcolm X", "Party No 2", "He said \"no\""] {
        let note = format!("column '{name}' left out");
        assert!(r.stderr.contains(&note), "{name}: {}", r.stderr);
        assert!(r.stdout.contains(&note), "{name}: {}", r.stdout);
    }
    assert!(r.stderr.contains("--candidate 'Malcolm X'"), "{}", r.stderr);
    let v = json("code-like-candidate-names.csv", &[]);
    assert_eq!(v["input"]["left_out"].as_array().unwrap().len(), 3);
    // The fix works.
    let v = json(
        "code-like-candidate-names.csv",
        &[
            "--candidate",
            "Malcolm X",
            "--candidate",
            "Party No 2",
            "--candidate",
            "He said \"no\"",
            "--candidate",
            "Candidate D",
        ],
    );
    assert_eq!(winner(&v), "Malcolm X");
}

#[test]
fn postal_districts_are_their_own_kind_and_turnout_says_what_it_covers() {
    let v = json("postal-districts.csv", &[]);
    assert_eq!(account(&v), (140, 0, 0));
    let i = &v["input"];
    assert_eq!(i["zero_registered"], 20);
    let pa = &v["checks"][0];
    assert_eq!(pa["id"], "protocol-arithmetic");
    assert_eq!(pa["statistic"], 0.0, "postal rows are not inconsistencies");
    let summary = pa["summary"].as_str().unwrap();
    assert!(
        summary.contains("ballots without registered voters"),
        "{summary}"
    );
    let text = run("postal-districts.csv", &[]).stdout;
    assert!(
        text.contains("turnout 60.47% (over the stations with registered voters)"),
        "{text}"
    );
    assert!(text.contains("12.25% of ballots"), "{text}");
    assert!(!text.contains("do not add up"), "{text}");
}

#[test]
fn repeated_headers_are_excluded_and_named_by_line() {
    for file in ["repeated-header.csv", "two-gzip-members.csv.gz"] {
        let v = json(file, &[]);
        assert_eq!(account(&v), (120, 0, 1), "{file}");
        let rule = &v["input"]["excluded_by_rule"][0];
        assert_eq!(rule["rule"], "repeated header line", "{file}");
        assert_eq!(rule["lines"][0], 62, "{file}");
        let text = run(file, &[]).stdout;
        assert!(text.contains("repeated header line: 1 (line 62)"), "{text}");
    }
}

#[test]
fn all_zero_registered_says_so() {
    let text = run("all-zero-registered.csv", &[]).stdout;
    assert!(
        text.contains("all 120 stations have zero registered voters"),
        "{text}"
    );
    assert!(!text.contains("no registered-voters column"), "{text}");
}

#[test]
fn utf16_is_decoded_with_a_byte_order_mark_and_named_without_one() {
    let v = json("utf16le-bom.csv", &[]);
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(v["input"]["encoding"], "utf-16le");
    let r = run("utf16le-no-bom.csv", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("UTF-16"), "{}", r.stderr);
    assert!(r.stderr.contains("iconv -f UTF-16LE"), "{}", r.stderr);
    assert!(!r.stderr.contains("cp1251"), "{}", r.stderr);
}

#[test]
fn a_bad_name_from_the_columns_file_names_the_file_and_key() {
    let toml = corpus("bad-candidate.columns.toml");
    let r = run(
        "repeated-header.csv",
        &["--columns", toml.to_str().unwrap()],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("key 'candidates' of") && r.stderr.contains("bad-candidate.columns.toml"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("'Candidate Q'"), "{}", r.stderr);
    assert!(!r.stderr.contains("--candidate '"), "{}", r.stderr);
}

#[test]
fn summed_and_labelled_candidates_from_the_columns_file() {
    let toml = corpus("summed-candidates.columns.toml");
    let plain = json("repeated-header.csv", &[]);
    let v = json(
        "repeated-header.csv",
        &["--columns", toml.to_str().unwrap()],
    );
    let names: Vec<&str> = v["input"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A+B", "Third party", "Candidate D"]);
    let votes = |v: &Value, j: usize| v["input"]["candidates"][j]["votes"].as_u64().unwrap();
    assert_eq!(votes(&v, 0), votes(&plain, 0) + votes(&plain, 1));
    assert_eq!(votes(&v, 1), votes(&plain, 2));
    assert_eq!(winner(&v), "A+B");
}

#[test]
fn ballots_are_checked_against_candidates_plus_invalid_when_valid_is_derived() {
    let v = json("derived-valid-mismatch.csv", &[]);
    let pa = &v["checks"][0];
    assert_eq!(
        pa["detail"]["counts"]["candidates-plus-invalid-mismatch"],
        3
    );
    assert_eq!(
        pa["detail"]["stations"]["candidates-plus-invalid-mismatch"],
        serde_json::json!(["S000003", "S000004", "S000005"])
    );
}

/// Counts are stored in 32 bits: one above 2^32 − 1 rejects its row, with the cap and
/// the fix named; one at the cap is kept as written.
#[test]
fn a_count_above_32_bits_rejects_its_row_and_one_at_the_cap_is_kept() {
    let file = "count-above-32-bits.csv";
    let v = json(file, &[]);
    assert_eq!(rejected(&v), [(5, "count-overflow".to_string())]);
    assert_eq!(account(&v), (19, 1, 0));
    let detail = v["rejected_rows"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("registered") && detail.contains("4294967296"),
        "{detail}"
    );
    assert!(detail.contains("above 4294967295"), "{detail}");
    // Line 8 keeps its 4,294,967,295 votes, which its valid column contradicts.
    let pa = &v["checks"][0];
    assert_eq!(
        pa["detail"]["stations"]["candidates-sum-mismatch"],
        serde_json::json!(["S000007"])
    );
    let strict = run(file, &["--strict"]);
    assert_eq!(strict.code, 2);
    assert!(
        strict.stderr.contains("line 5") && strict.stderr.contains("Correct the value"),
        "{}",
        strict.stderr
    );
}

#[test]
fn cases_that_already_worked_keep_their_reasons() {
    let cases = [
        (
            "ragged-rows.csv",
            vec![(6, "wrong-field-count"), (10, "wrong-field-count")],
        ),
        ("nul-byte.csv", vec![(8, "not-an-integer")]),
        ("count-overflow.csv", vec![(9, "count-overflow")]),
        ("negative-count.csv", vec![(13, "negative-count")]),
    ];
    for (file, want) in cases {
        let v = json(file, &[]);
        let want: Vec<(u64, String)> = want.iter().map(|&(l, r)| (l, r.to_string())).collect();
        assert_eq!(rejected(&v), want, "{file}");
        assert_eq!(account(&v), (120 - want.len() as u64, want.len() as u64, 0));
        assert_eq!(run(file, &["--strict"]).code, 2, "{file}");
    }
    let text = run("nul-byte.csv", &[]).stdout;
    assert!(text.contains(r"'242\u{0}'"), "NUL shown escaped: {text}");
    let v = json("blank-lines-crlf.csv", &[]);
    assert_eq!(account(&v), (120, 0, 2));
    assert_eq!(
        v["input"]["excluded_by_rule"][0]["lines"],
        serde_json::json!([31, 32])
    );
}
