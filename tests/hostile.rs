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
    // Full-width digits (line 36) and a spreadsheet's text guard `="206"` (line 41) read
    // as counts; the other five cells are no counts.
    let v = json("bad-cells-in-winner-column.csv", &[]);
    assert_eq!(account(&v), (115, 5, 0));
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
fn columns_named_like_codes_that_valid_needs_are_candidates() {
    // `Malcolm X` (x a coordinate) and `He said "no"` (no a number's abbreviation) were
    // left out for their names, though the valid votes are the four columns' sum, and
    // the runner-up won.
    let r = run("code-like-candidate-names.csv", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json("code-like-candidate-names.csv", &[]);
    assert_eq!(v["input"]["left_out"].as_array().unwrap().len(), 0);
    assert_eq!(v["input"]["candidates"].as_array().unwrap().len(), 4);
    assert_eq!(winner(&v), "Malcolm X");
    // A name, then the number that orders the list, is a candidate's.
    let roles = v["input"]["columns"].as_array().unwrap();
    let role = |c: &str| roles.iter().find(|r| r["column"] == c).unwrap()["role"].clone();
    assert_eq!(role("Party No 2"), "candidate");
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

/// The blank-line exclusion's line numbers.
fn blank_lines(v: &Value) -> Value {
    let rules = v["input"]["excluded_by_rule"].as_array().unwrap();
    let blank = rules.iter().find(|e| e["rule"] == "blank line");
    blank.map_or(Value::Null, |e| e["lines"].clone())
}

#[test]
fn utf16_with_crlf_counts_each_line_once() {
    // A Windows "Unicode text" export: each CRLF used to count as two lines, which put
    // every line number at 2k - 1 and made up a blank line after each row.
    let v = json("utf16le-crlf.csv", &[]);
    assert_eq!(v["input"]["lines"]["lines"], 121);
    assert_eq!(account(&v), (119, 1, 0));
    assert_eq!(rejected(&v), [(21, "not-an-integer".to_string())]);
    let strict = run("utf16le-crlf.csv", &["--strict"]);
    assert!(strict.stderr.contains("line 21"), "{}", strict.stderr);
}

#[test]
fn a_stray_quote_on_the_first_row_rejects_that_row_not_the_column_detection() {
    let v = json("stray-quote-first-row.csv", &[]);
    assert_eq!(account(&v), (119, 1, 0));
    assert_eq!(rejected(&v), [(2, "unbalanced-quote".to_string())]);
    assert_eq!(v["input"]["candidates"].as_array().unwrap().len(), 4);
}

#[test]
fn a_header_repeated_after_a_byte_order_mark_is_excluded() {
    // Two exports joined with `cat`, each opening with a UTF-8 byte-order mark.
    let v = json("bom-joined.csv", &[]);
    assert_eq!(account(&v), (120, 0, 1));
    assert_eq!(
        v["input"]["excluded_by_rule"][0]["rule"],
        "repeated header line"
    );
    assert_eq!(v["input"]["excluded_by_rule"][0]["lines"][0], 62);
    assert_eq!(run("bom-joined.csv", &["--strict"]).code, 0);
}

#[test]
fn lines_of_spaces_and_lines_before_the_header_are_blank() {
    let v = json("whitespace-lines.csv", &[]);
    assert_eq!(account(&v), (120, 0, 2));
    assert_eq!(blank_lines(&v), serde_json::json!([51, 52]));
    assert_eq!(run("whitespace-lines.csv", &["--strict"]).code, 0);
    let v = json("blank-before-header.csv", &[]);
    assert_eq!(account(&v), (120, 0, 2));
    assert_eq!(v["input"]["lines"]["header"], 1);
    assert_eq!(blank_lines(&v), serde_json::json!([1, 2]));
}

#[test]
fn a_quote_opening_on_the_last_line_is_an_unbalanced_quote() {
    let v = json("quote-on-last-line.csv", &[]);
    assert_eq!(rejected(&v), [(121, "unbalanced-quote".to_string())]);
    let detail = v["rejected_rows"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("never closes"), "{detail}");
}

#[test]
fn a_patchy_count_column_is_announced_not_dropped_in_silence() {
    // '-' for zero in the first 50 of 120 rows: too few whole numbers to be taken as
    // a candidate, so the column is named with the fix.
    let r = run("dash-candidate.csv", &[]);
    assert!(
        r.stderr.contains("column 'Candidate D' left out")
            && r.stderr.contains("whole numbers in only 58%")
            && r.stderr.contains("--candidate 'Candidate D'"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("column 'Candidate D' left out"),
        "{}",
        r.stdout
    );
    let v = json("dash-candidate.csv", &[]);
    assert_eq!(v["input"]["left_out"][0]["column"], "Candidate D");
}

#[test]
fn the_delimiter_is_the_one_the_rows_agree_on() {
    // A tab-separated file whose candidate names hold commas: as many commas as tabs
    // on the header line, but only the tab splits the rows alike.
    let v = json("commas-in-tsv-names.tsv", &[]);
    assert_eq!(v["input"]["delimiter"], "\t");
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(winner(&v), "Smith, J., Jr.");
}

#[test]
fn control_characters_in_ids_are_escaped_in_the_text_report_and_errors() {
    let r = run("escape-in-id.csv", &[]);
    assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    assert!(r.stdout.contains(r"S\u{1b}[31mRED"), "{}", r.stdout);
    let strict = run("escape-in-id.csv", &["--strict"]);
    assert!(!strict.stderr.contains('\u{1b}'), "{}", strict.stderr);
    assert!(strict.stderr.contains("line 21"), "{}", strict.stderr);
}

#[test]
fn inputs_with_no_station_to_audit_are_errors_that_say_why() {
    let r = run("header-only.csv", &[]);
    assert_eq!(r.code, 2);
    // Not "name the candidates": that would not help a file of no rows.
    assert!(
        r.stderr
            .contains("no station to audit: the file has a header but no data rows"),
        "{}",
        r.stderr
    );
    let named = ["--candidates", "Candidate A,Candidate B"];
    let r = run("header-only.csv", &named);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no station to audit"), "{}", r.stderr);
}

#[test]
fn compressed_files_other_than_gzip_are_named_with_the_fix() {
    let r = run("packed.csv.xz", &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("xz-compressed") && r.stderr.contains("xz -d"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("cp1251"), "{}", r.stderr);
}

#[test]
fn totals_without_a_total_word_are_found_by_their_sums() {
    let v = json("subtotals-without-total-word.csv", &[]);
    assert_eq!(account(&v), (120, 5, 0));
    let lines: Vec<(u64, String)> = [2, 33, 64, 95, 126]
        .iter()
        .map(|&l| (l, "total-row".to_string()))
        .collect();
    assert_eq!(rejected(&v), lines);
    let detail = v["rejected_rows"][1]["detail"].as_str().unwrap();
    assert!(
        detail.contains("the sum of the 30 rows on lines 3-32"),
        "{detail}"
    );
    // The national figures are those of the 120 stations (the grand total's), not doubled.
    assert_eq!(v["input"]["registered"], 135_193);
    let strict = run("subtotals-without-total-word.csv", &["--strict"]);
    assert_eq!(strict.code, 2);
    assert!(strict.stderr.contains("line 2"), "{}", strict.stderr);
}

#[test]
fn a_data_frames_row_numbers_are_not_a_candidate() {
    // pandas' to_csv writes its index as a first column with a blank name; taken as a
    // candidate it put every station out of balance, and won larger files.
    let v = json("pandas-index.csv", &[]);
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(winner(&v), "Candidate A");
    let names: Vec<&str> = (v["input"]["candidates"].as_array().unwrap().iter())
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Candidate A", "Candidate B", "Candidate C", "Candidate D"]
    );
    let left = &v["input"]["left_out"][0];
    assert_eq!(left["column"], "");
    assert!(
        left["why"].as_str().unwrap().contains("has no name"),
        "{left}"
    );
    let protocol = &v["checks"][0];
    assert_eq!(protocol["id"], "protocol-arithmetic");
    assert_eq!(protocol["statistic"].as_f64(), Some(0.0), "{protocol}");
}

#[test]
fn dot_grouped_thousands_below_the_sample_reject_rows_read_with_dot_zeros() {
    // Lines 1002-1201 group thousands with '.'; the first 1,000 rows do not. 145 of them
    // hold a cell such as '1.348' (not a count), 55 only cells such as '1.000', which
    // used to read as 1 and stay as stations 1,000 times too small.
    let v = json("dot-thousands-below-sample.csv", &[]);
    assert_eq!(account(&v), (1000, 200, 0));
    let rows = v["rejected_rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["line"].as_u64().unwrap() >= 1002));
    assert!(rows.iter().all(|r| r["reason"] == "not-an-integer"));
    let zeros = rows
        .iter()
        .filter(|r| {
            r["detail"]
                .as_str()
                .unwrap()
                .contains("no other count settles")
        })
        .count();
    assert_eq!(zeros, 55);
    let v = json("dot-thousands-below-sample.csv", &["--thousands", "."]);
    assert_eq!(account(&v), (1200, 0, 0));
    let r = run("dot-thousands-below-sample.csv", &["--strict"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 1002"), "{}", r.stderr);
}

#[test]
fn a_spreadsheets_sep_line_names_the_delimiter_and_is_accounted_for() {
    let v = json("excel-sep-line.csv", &[]);
    assert_eq!(account(&v), (120, 0, 1));
    let rule = &v["input"]["excluded_by_rule"][0];
    assert_eq!(rule["rule"], "spreadsheet's sep= line");
    assert_eq!(rule["lines"], serde_json::json!([1]));
    assert_eq!(v["input"]["delimiter"], ";");
}

#[test]
fn archives_double_gzip_and_utf32_are_named_with_the_fix() {
    for (file, kind, fix) in [
        ("archive.tar.gz", "tar archive", "tar -xf"),
        ("gzip-twice.csv.gz", "gzip compressed twice", "gzip -dc"),
        ("utf32le-bom.csv", "UTF-32", "iconv -f UTF-32"),
    ] {
        let r = run(file, &[]);
        assert_eq!(r.code, 2, "{file}");
        assert!(
            r.stderr.contains(kind) && r.stderr.contains(fix),
            "{file}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_delimiter_that_ends_every_row_or_only_the_header_loses_nothing() {
    // Every data row ends with an extra delimiter: the empty field it makes holds
    // nothing, so every row is read (it used to be rejected, all 120 of them).
    let v = json("trailing-delimiter-rows.csv", &[]);
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(winner(&v), "Candidate A");
    let named = [
        "--candidates",
        "Candidate A,Candidate B,Candidate C,Candidate D",
    ];
    assert_eq!(
        account(&json("trailing-delimiter-rows.csv", &named)),
        (120, 0, 0)
    );
    // The header alone ends with one.
    let v = json("header-trailing-delimiter.csv", &[]);
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(v["input"]["candidates"].as_array().unwrap().len(), 4);
}

#[test]
fn rows_that_end_with_an_empty_field_here_and_there_are_all_read() {
    // Every seventh row ends with a delimiter: 18 intact rows were rejected as
    // wrong-field-count, since only a delimiter on every row (or none) was mended.
    let v = json("some-rows-trailing-delimiter.csv", &[]);
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(v["input"]["registered"], 135_193);
}

#[test]
fn counts_in_persian_digits_are_read_not_dropped_in_silence() {
    // Without a valid column, the winner's column in Persian digits was left out with no
    // word and the runner-up "won".
    let v = json("persian-digits.csv", &[]);
    assert_eq!(account(&v), (120, 0, 0));
    assert_eq!(winner(&v), "Candidate A");
    assert_eq!(v["input"]["candidates"][0]["votes"], 35_405);
    assert_eq!(v["input"]["registered"], 135_193);
}

#[test]
fn a_file_without_a_header_is_refused_with_the_fix() {
    let r = run("no-header.csv", &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("line 1 looks like a station, not a header")
            && r.stderr.contains("Add a header line"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_row_entered_twice_in_a_file_without_ids_is_rejected() {
    let v = json("no-id-row-twice.csv", &[]);
    assert_eq!(account(&v), (120, 1, 0));
    assert_eq!(rejected(&v), [(61, "duplicate-row".to_string())]);
    let detail = v["rejected_rows"][0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("repeats line 10 in every value"),
        "{detail}"
    );
}

#[test]
fn a_grand_total_off_the_sum_of_the_rows_read_is_a_total() {
    let v = json("total-off-the-sum.csv", &[]);
    assert_eq!(account(&v), (118, 3, 0));
    let got = rejected(&v);
    assert_eq!(got[2], (122, "total-row".to_string()));
    // The stations read sum to the total less the two rows left out.
    assert_eq!(v["input"]["registered"], 135_193 - registered_on(&[11, 41]));
}

/// Registered voters written on `lines` of `total-off-the-sum.csv`.
fn registered_on(lines: &[u64]) -> u64 {
    let text = std::fs::read_to_string(corpus("total-off-the-sum.csv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .map(|&l| {
            rows[l as usize - 1]
                .split(',')
                .nth(2)
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

#[test]
fn a_row_numbering_the_columns_is_left_out_by_rule() {
    let v = json("column-numbers.csv", &[]);
    assert_eq!(account(&v), (120, 0, 1));
    let rule = v["input"]["excluded_by_rule"][0]["rule"].as_str().unwrap();
    assert!(rule.starts_with("column-number row"), "{rule}");
}

/// Registered voters of the 120 base stations, less those of `base_lines`.
fn registered_without(base_lines: &[u64]) -> u64 {
    let text = std::fs::read_to_string(corpus("ragged-rows.csv")).unwrap();
    let base: Vec<&str> = text.lines().collect();
    let skipped: u64 = (base_lines.iter())
        .map(|&l| {
            base[l as usize - 1]
                .split(',')
                .nth(2)
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    135_193 - skipped
}

#[test]
fn a_notes_column_most_rows_leave_off_keeps_the_rows_and_rejects_shifted_ones() {
    // A header ending in `comment` that most rows leave off: only the 13 rows with 11
    // fields were read, and those with an unquoted `1,552` in registered were read one
    // column off (registered 1, ballots 552).
    let v = json("notes-column-here-and-there.csv", &[]);
    assert_eq!(account(&v), (117, 3, 0));
    let want: Vec<(u64, String)> = [16, 18, 20]
        .iter()
        .map(|&l| (l, "wrong-field-count".to_string()))
        .collect();
    assert_eq!(rejected(&v), want);
    let detail = v["rejected_rows"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("unquoted thousands separator") && detail.contains("column registered"),
        "{detail}"
    );
    assert_eq!(v["input"]["registered"], registered_without(&[16, 18, 20]));
    assert_eq!(v["input"]["candidates"].as_array().unwrap().len(), 4);
    assert_eq!(
        run("notes-column-here-and-there.csv", &["--strict"]).code,
        2
    );
}

#[test]
fn a_header_ending_with_a_delimiter_that_half_the_rows_share_reads_every_row() {
    // Half the rows end with the header's trailing delimiter: the other half were
    // rejected, and only the two shifted rows with 11 fields besides them were read.
    let named = [
        "--candidates",
        "Candidate A,Candidate B,Candidate C,Candidate D",
    ];
    for args in [&[][..], &named[..]] {
        let v = json("half-rows-trailing-delimiter.csv", args);
        assert_eq!(account(&v), (118, 2, 0), "{args:?}");
        let want = vec![
            (45, "wrong-field-count".to_string()),
            (46, "wrong-field-count".to_string()),
        ];
        assert_eq!(rejected(&v), want);
        assert_eq!(v["input"]["registered"], registered_without(&[45, 46]));
    }
}
