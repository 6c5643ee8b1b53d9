//! Loading and validation through the public API: `elaudit::data::{load, load_reader}`.

mod common;

use std::io::Write;
use std::path::Path;

use elaudit::data::{
    CandidateSpec, ColumnSpec, Dataset, ExcludeRule, LoadOptions, load, load_reader,
    split_candidate_list,
};
use elaudit::error::InputError;

fn opts(spec: ColumnSpec) -> LoadOptions {
    LoadOptions {
        spec,
        ..Default::default()
    }
}

fn load_bytes(bytes: &[u8], spec: ColumnSpec) -> Result<Dataset, InputError> {
    load_reader("test.csv", bytes, &opts(spec))
}

fn load_str(csv: &str) -> Dataset {
    load_bytes(csv.as_bytes(), ColumnSpec::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(csv: &str, spec: ColumnSpec) -> String {
    match load_bytes(csv.as_bytes(), spec) {
        Ok(d) => panic!("expected an error, got {} stations", d.stations.len()),
        Err(e) => e.to_string(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn cands(items: &[&str]) -> Vec<CandidateSpec> {
    items.iter().map(|&s| s.into()).collect()
}

/// National sums of registered, ballots, valid and invalid.
fn totals(d: &Dataset) -> [u64; 4] {
    let mut t = [0u64; 4];
    for s in &d.stations {
        let row = [s.registered.unwrap_or(0), s.ballots, s.valid, s.invalid];
        for (t, v) in t.iter_mut().zip(row) {
            *t += u64::from(v);
        }
    }
    t
}

/// Each rejected row's line and detail.
fn rejected_details(d: &Dataset) -> Vec<(u64, &str)> {
    (d.rejected.iter())
        .map(|r| (r.line, r.detail.as_str()))
        .collect()
}

fn ids(d: &Dataset) -> Vec<&str> {
    d.ids.iter().collect()
}

fn role_of<'a>(d: &'a Dataset, column: &str) -> &'a str {
    d.columns
        .iter()
        .find(|c| c.column == column)
        .map(|c| c.role.as_str())
        .unwrap_or_else(|| panic!("no column {column} in {:?}", d.columns))
}

const CLEAN: &str = "station,region,registered,ballots,valid,invalid,A,B\n\
                     s1,North,100,60,58,2,30,28\n\
                     s2,South,200,150,140,10,40,100\n\
                     s3,North,50,20,20,0,15,5\n";

#[test]
fn clean_file_loads_with_recognised_roles() {
    let d = load_str(CLEAN);
    assert_eq!(ids(&d), ["s1", "s2", "s3"]);
    assert_eq!(d.candidates, ["A", "B"]);
    assert_eq!(d.regions, ["North", "South"]);
    assert_eq!(
        d.stations
            .iter()
            .map(|s| s.region.get())
            .collect::<Vec<_>>(),
        [Some(0), Some(1), Some(0)]
    );
    let s = &d.stations[1];
    assert_eq!(
        (s.line, s.registered, s.ballots, s.valid, s.invalid),
        (3, Some(200), 150, 140, 10)
    );
    assert_eq!(d.votes, [30, 28, 40, 100, 15, 5]);
    assert!(d.on_ballot.iter().all(|&b| b));
    assert!(d.roles.registered && d.roles.ballots && d.roles.valid && d.roles.invalid);
    // B has 133 votes against A's 85.
    assert_eq!(d.winner, 1);
    let roles: Vec<(&str, &str)> = d
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c.role.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("station", "id"),
            ("region", "region"),
            ("registered", "registered"),
            ("ballots", "ballots"),
            ("valid", "valid"),
            ("invalid", "invalid"),
            ("A", "candidate"),
            ("B", "candidate")
        ]
    );
    assert_eq!(d.source.rows, 3);
    assert_eq!(d.source.path, "test.csv");
    assert_eq!(d.source.delimiter, ",");
    assert!(!d.source.gzip);
    assert!(d.rejected.is_empty());
}

#[test]
fn every_rejection_reason_is_listed_with_line_station_and_detail() {
    let csv = "station,registered,ballots,valid,invalid,A,B\n\
               ok,100,60,58,2,30,28\n\
               nai,abc,60,58,2,30,28\n\
               miss,100,,58,2,30,28\n\
               neg,100,60,58,-2,30,28\n\
               short,100,60,58,2,30\n\
               ,100,60,58,2,30,28\n\
               big,100,60,58,2,30,99999999999999999999\n\
               dup,100,60,58,2,30,28\n\
               dup,100,60,58,2,31,27\n\
               ok2,100,60,58,2,30,28\n";
    let d = load_str(csv);
    assert_eq!(ids(&d), ["ok", "ok2"]);
    let got: Vec<(u64, &str, &str, &str)> = d
        .rejected
        .iter()
        .map(|r| {
            (
                r.line,
                r.station.as_str(),
                r.reason.as_str(),
                r.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got[0],
        (3, "nai", "not-an-integer", "column registered: 'abc'")
    );
    assert_eq!(
        got[1],
        (4, "miss", "missing-value", "column ballots: empty")
    );
    assert_eq!(got[2], (5, "neg", "negative-count", "column invalid: '-2'"));
    assert_eq!((got[3].0, got[3].2), (6, "wrong-field-count"));
    assert!(
        got[3].3.contains("6 fields") && got[3].3.contains('7'),
        "{}",
        got[3].3
    );
    assert_eq!((got[4].0, got[4].1, got[4].2), (7, "", "missing-id"));
    assert_eq!((got[5].0, got[5].1, got[5].2), (8, "big", "count-overflow"));
    assert!(got[5].3.contains("column B"), "{}", got[5].3);
    assert_eq!((got[6].0, got[6].1, got[6].2), (9, "dup", "duplicate-id"));
    assert_eq!((got[7].0, got[7].1, got[7].2), (10, "dup", "duplicate-id"));
    assert_eq!(got.len(), 8);
    assert_eq!(d.source.rows, 10);
}

#[test]
fn row_sums_beyond_the_cap_are_count_overflow_not_a_panic() {
    let csv = "station,ballots,A,B\n\
               s1,5,999999999999,999999999999\n\
               s2,5,1,2\n";
    // No valid column: valid = A + B overflows the cap.
    let d = load_str(csv);
    assert_eq!(ids(&d), ["s2"]);
    assert_eq!(d.rejected[0].reason, "count-overflow");
    let csv = "station,ballots,ballots2,A\ns1,999999999999,999999999999,1\n";
    let spec = ColumnSpec {
        ballots: strings(&["ballots", "ballots2"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.rejected[0].reason, "count-overflow");
    // Two columns each under the cap, summed above it: the detail says it is the sum.
    let csv = "station,ballots,ballots2,A\ns1,4000000000,400000000,1\n";
    let spec = ColumnSpec {
        ballots: strings(&["ballots", "ballots2"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.rejected[0].reason, "count-overflow");
    let detail = &d.rejected[0].detail;
    assert!(
        detail.contains("the sum of the columns summed with it"),
        "{detail}"
    );
}

#[test]
fn an_id_written_as_a_missing_value_mark_is_named_as_such() {
    let d = load_str("station,registered,A\nNA,10,5\ns2,10,5\n");
    assert_eq!(d.rejected[0].reason, "missing-id");
    assert_eq!(
        d.rejected[0].detail,
        "column station: 'NA' is a missing-value mark"
    );
}

#[test]
fn exact_copies_of_a_row_keep_the_first_whatever_the_order() {
    // A file joined to itself: every row is there twice, in the same order or not.
    let rows = ["a,North,10,5", "b,North,12,7", "c,South,9,4"];
    for order in [[0, 1, 2, 0, 1, 2], [2, 0, 1, 1, 0, 2]] {
        let body: Vec<&str> = order.iter().map(|&i| rows[i]).collect();
        let d = load_str(&format!("id,region,registered,A\n{}\n", body.join("\n")));
        let mut kept = ids(&d);
        kept.sort_unstable();
        assert_eq!(kept, ["a", "b", "c"]);
        assert_eq!(
            d.stations
                .iter()
                .map(|s| s.registered.unwrap())
                .sum::<u32>(),
            31
        );
        assert!(d.rejected.iter().all(|r| r.reason == "duplicate-row"));
        assert_eq!(d.rejected.len(), 3);
        assert_eq!(d.lines.used + d.lines.rejected + d.lines.header, 7);
    }
    // A copy in another region is not the same row: the id is in conflict.
    let d = load_str("id,region,registered,A\na,North,10,5\na,South,10,5\n");
    assert!(d.rejected.iter().all(|r| r.reason == "duplicate-id"));
}

#[test]
fn without_ids_a_block_of_rows_entered_twice_is_rejected_once() {
    let rows: Vec<String> = (0..30)
        .map(|i| format!("R{},{},{},{}", i % 3, 400 + 7 * i, 150 + 3 * i, 90 + i))
        .collect();
    // Rows 10..16 pasted again at the end, and one row repeated alone (chance can do that).
    let mut body = rows.clone();
    body.extend_from_slice(&rows[10..16]);
    body.push(rows[3].clone());
    let d = load_str(&format!("region,registered,A,B\n{}\n", body.join("\n")));
    assert_eq!(d.stations.len(), 31);
    let got: Vec<(u64, &str)> = d
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    let want: Vec<(u64, &str)> = (32..38).map(|l| (l, "duplicate-row")).collect();
    assert_eq!(got, want);
    // The lone repeat is kept, and told.
    assert_eq!(
        d.repeated_rows,
        [elaudit::data::RepeatedRow { line: 38, first: 5 }]
    );
    assert!(
        d.rejected[0].detail.contains("repeats line 12"),
        "{}",
        d.rejected[0].detail
    );
    // The same block in another region is other stations.
    let mut body = rows.clone();
    body.extend(rows[10..16].iter().map(|r| r.replacen('R', "Q", 1)));
    let d = load_str(&format!("region,registered,A,B\n{}\n", body.join("\n")));
    assert!(d.rejected.is_empty());
}

#[test]
fn duplicate_ids_reject_every_copy_including_copies_rejected_otherwise() {
    let csv = "id,registered,A\n\
               a,10,5\n\
               b,10,5\n\
               a,11,5\n\
               c,xx,5\n\
               c,10,5\n\
               a,10,5\n";
    let d = load_str(csv);
    assert_eq!(ids(&d), ["b"]);
    let reasons: Vec<(u64, &str)> = d
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (2, "duplicate-id"),
            (4, "duplicate-id"),
            (5, "not-an-integer"),
            (6, "duplicate-id"),
            (7, "duplicate-id")
        ]
    );
    assert!(
        d.rejected[0].detail.contains("3 rows"),
        "{}",
        d.rejected[0].detail
    );
}

#[test]
fn without_an_id_column_stations_are_named_by_line_and_never_duplicates() {
    let csv = "registered,A,B\n10,5,4\n10,5,4\n";
    let d = load_str(csv);
    assert_eq!(ids(&d), ["line 2", "line 3"]);
    assert!(d.rejected.is_empty());
}

#[test]
fn strict_makes_the_first_rejection_fatal_and_names_line_column_and_fix() {
    let csv = "station,registered,A\ns1,10,5\ns2,ten,5\ns3,-1,5\n";
    let spec_opts = LoadOptions {
        strict: true,
        ..Default::default()
    };
    let err = load_reader("votes.csv", csv.as_bytes(), &spec_opts).unwrap_err();
    let InputError::RejectedRow { line, reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *reason), (3, "not-an-integer"));
    let msg = err.to_string();
    for part in [
        "votes.csv",
        "line 3",
        "s2",
        "registered",
        "'ten'",
        "not-an-integer",
        "--na",
    ] {
        assert!(msg.contains(part), "{part} not in {msg}");
    }
    // The same file without --strict loads.
    assert_eq!(load_str(csv).stations.len(), 1);
    // A clean file passes strict.
    assert!(load_reader("ok.csv", CLEAN.as_bytes(), &spec_opts).is_ok());
    // Duplicates are found after the whole file is read, and still reported first by line.
    let dup = "station,A\nx,1\ny,1\nx,2\n";
    let err = load_reader("d.csv", dup.as_bytes(), &spec_opts).unwrap_err();
    assert!(
        err.to_string().contains("line 2") && err.to_string().contains("duplicate-id"),
        "{err}"
    );
}

#[test]
fn a_missing_column_names_the_flag_lists_headers_and_suggests_a_near_match() {
    let csv = "station,Registered voters,ballots,A,B\ns1,100,60,30,28\n";
    let spec = ColumnSpec {
        registered: strings(&["registered-voters"]),
        ..Default::default()
    };
    let msg = load_err(csv, spec);
    for part in [
        "test.csv",
        "--registered",
        "'registered-voters'",
        "no such column",
        "Did you mean 'Registered voters'",
        "'station', 'Registered voters', 'ballots', 'A', 'B'",
    ] {
        assert!(msg.contains(part), "{part} not in {msg}");
    }
    let spec = ColumnSpec {
        candidates: cands(&["A", "Zed"]),
        ..Default::default()
    };
    let msg = load_err(csv, spec);
    assert!(
        msg.contains("--candidate 'Zed'") && msg.contains("'ballots'"),
        "{msg}"
    );
}

#[test]
fn column_names_match_exactly_or_uniquely_ignoring_case() {
    let csv = " Station ,REGISTERED,Ballots,Alice,Bob\ns1,100,60,30,28\n";
    let spec = ColumnSpec {
        id: strings(&["Station"]),
        registered: strings(&["registered"]),
        candidates: cands(&["alice", "Bob"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.candidates, ["Alice", "Bob"]);
    assert_eq!(d.stations[0].registered, Some(100));
    assert_eq!(d.id(0), "s1");
    // Two headers equal up to case: only the exact one may be named.
    let csv = "id,Votes,VOTES,A\ns1,1,2,3\n";
    let spec = ColumnSpec {
        ballots: strings(&["votes"]),
        ..Default::default()
    };
    let msg = load_err(csv, spec);
    assert!(msg.contains("'Votes'") && msg.contains("'VOTES'"), "{msg}");
    let spec = ColumnSpec {
        ballots: strings(&["VOTES"]),
        candidates: cands(&["A"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.stations[0].ballots, 2);
}

#[test]
fn header_errors_say_what_is_wrong() {
    // Empty input, or only blank lines.
    for empty in ["", "\n\n", "\u{feff}"] {
        let msg = load_err(empty, ColumnSpec::default());
        assert!(msg.contains("empty") && msg.contains("header"), "{msg}");
    }
    // Errors name the input as given, and stdin as <stdin>.
    let err = load_reader("-", &b""[..], &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with("<stdin>: "), "{err}");
    let err = load("/no/such/file.csv", &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/no/such/file.csv: cannot read"),
        "{err}"
    );
    let d = load_reader("-", CLEAN.as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(d.source.path, "-");
    // No candidates.
    let msg = load_err(
        "station,registered,ballots\ns1,100,60\n",
        ColumnSpec::default(),
    );
    assert!(
        msg.contains("no candidate columns") && msg.contains("--candidate"),
        "{msg}"
    );
    assert!(msg.contains("'registered'"), "{msg}");
    // A duplicated header that is mapped.
    let csv = "station,A,A,B\ns1,1,2,3\n";
    let spec = ColumnSpec {
        candidates: cands(&["A", "B"]),
        ..Default::default()
    };
    let msg = load_err(csv, spec);
    assert!(msg.contains("'A'") && msg.contains("columns 2, 3"), "{msg}");
    // A duplicated header that is not mapped is harmless.
    let spec = ColumnSpec {
        candidates: cands(&["B"]),
        ..Default::default()
    };
    assert_eq!(load_bytes(csv.as_bytes(), spec).unwrap().candidates, ["B"]);
    // Unknown winner.
    let spec = ColumnSpec {
        winner: Some("Carol".into()),
        ..Default::default()
    };
    let msg = load_err(CLEAN, spec);
    assert!(
        msg.contains("--winner 'Carol'") && msg.contains("'A', 'B'"),
        "{msg}"
    );
    // An exclusion rule on a column that does not exist.
    let spec = ColumnSpec {
        exclude: vec!["Kind=postal".parse().unwrap()],
        ..Default::default()
    };
    let msg = load_err(CLEAN, spec);
    assert!(
        msg.contains("--exclude 'Kind'") && msg.contains("'region'"),
        "{msg}"
    );
    // One column in two roles.
    let spec = ColumnSpec {
        valid: strings(&["A"]),
        candidates: cands(&["A", "B"]),
        ..Default::default()
    };
    let msg = load_err(CLEAN, spec);
    assert!(
        msg.contains("'A'") && msg.contains("--valid") && msg.contains("--candidate"),
        "{msg}"
    );
}

#[test]
fn non_utf8_bytes_are_an_error_naming_line_and_column() {
    let bytes = b"station,registered,A\ns1,100,50\ns2,100,\xff50\n";
    let err = load_bytes(bytes, ColumnSpec::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, InputError::NotUtf8 { line: 3, .. }),
        "{err:?}"
    );
    for part in [
        "test.csv",
        "line 3",
        "'A'",
        "UTF-8",
        "iconv -f WINDOWS-1252 -t utf-8",
    ] {
        assert!(msg.contains(part), "{part} not in {msg}");
    }
    // In the header itself, and after a quoted newline.
    let err = load_bytes(b"station,reg\xe9,A\n", ColumnSpec::default()).unwrap_err();
    assert!(
        matches!(err, InputError::NotUtf8 { line: 1, .. }),
        "{err:?}"
    );
    let err = load_bytes(b"station,A\n\"s\n1\",1\ns\xc32,2\n", ColumnSpec::default()).unwrap_err();
    assert!(
        matches!(err, InputError::NotUtf8 { line: 4, ref column, .. } if column == "station"),
        "{err:?}"
    );
    // A gzip file is unpacked before it is re-encoded.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    let msg = load_bytes(&gz.finish().unwrap(), ColumnSpec::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("gzip -dc IN | iconv -f WINDOWS-1252"), "{msg}");
}

#[test]
fn gzip_is_detected_from_content_and_hash_is_of_raw_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(CLEAN.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("no-gz-suffix.csv");
    std::fs::write(&p, &gz).unwrap();
    let d = load(p.to_str().unwrap(), &LoadOptions::default()).unwrap();
    assert!(d.source.gzip);
    assert_eq!(d.source.path, p.to_str().unwrap());
    assert_eq!(ids(&d), ["s1", "s2", "s3"]);
    // sha256 of the compressed bytes as read, checked against sha256sum.
    let out = std::process::Command::new("sha256sum").arg(&p).output();
    if let Ok(out) = out {
        let expect = String::from_utf8_lossy(&out.stdout);
        assert_eq!(d.source.sha256, expect.split_whitespace().next().unwrap());
    }
    assert_eq!(d.source.sha256.len(), 64);
    // Concatenated gzip members are one stream.
    let mut two = gz.clone();
    let mut more = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    more.write_all(b"s4,North,10,5,5,0,3,2\n").unwrap();
    two.extend(more.finish().unwrap());
    let d = load_bytes(&two, ColumnSpec::default()).unwrap();
    assert_eq!(d.stations.len(), 4);
    // Corrupt gzip is an error, not a panic.
    let err = load_bytes(&gz[..gz.len() / 2], ColumnSpec::default()).unwrap_err();
    assert!(err.to_string().contains("gzip"), "{err}");
    // Damaged, or followed by bytes that are no gzip member: the message says how to
    // check the file and recover what it holds.
    let mut trailing = gz.clone();
    trailing.extend([0u8; 16]);
    for bad in [&gz[..gz.len() / 2], &trailing[..]] {
        let err = load_bytes(bad, ColumnSpec::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("gzip -t") && err.contains("gzip -dc"), "{err}");
    }
}

#[test]
fn sha256_of_plain_input_matches_a_known_digest() {
    // python3 -c "import hashlib;print(hashlib.sha256(b'id,A\nx,1\n').hexdigest())"
    let d = load_str("id,A\nx,1\n");
    assert_eq!(
        d.source.sha256,
        "87a4a7a6c2da5f2b027a26779a55675f4418b6bbb4ea20ae8fc7fa88f62f241c"
    );
}

#[test]
fn bom_crlf_and_quoted_fields_with_commas_and_newlines() {
    let csv = "\u{feff}station,registered,\"Smith, J\",Doe\r\n\
               \"s1\",100,30,28\r\n\
               \"s\r\n2\",100,\"3\r\n\",28\r\n\
               s3,100,\"1,5\",28\r\n\
               \"s4, annex\",100,7,8\r\n";
    let spec = ColumnSpec {
        candidates: split_candidate_list("\"Smith, J\",Doe")
            .into_iter()
            .map(Into::into)
            .collect(),
        ..Default::default()
    };
    // By default a quoted field that spans lines is read line by line: s2's three
    // lines hold quotes and are rejected, so no station takes another's numbers.
    let d = load_bytes(csv.as_bytes(), spec.clone()).unwrap();
    assert_eq!(d.candidates, ["Smith, J", "Doe"]);
    assert_eq!(d.columns[0].column, "station");
    let lines = |d: &Dataset| -> Vec<(String, u64)> {
        (d.stations.iter().enumerate())
            .map(|(i, s)| (d.id(i).to_string(), s.line))
            .collect()
    };
    assert_eq!(lines(&d), [("s1".into(), 2), ("s4, annex".into(), 7)]);
    let reasons: Vec<(u64, &str)> = d
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (3, "unbalanced-quote"),
            (4, "unbalanced-quote"),
            (5, "unbalanced-quote"),
            (6, "not-an-integer")
        ]
    );
    assert!(d.lines.balanced(), "{:?}", d.lines);
    // With --multiline-fields, s2 spans three physical lines (two quoted line breaks).
    let multi = LoadOptions {
        spec,
        multiline_fields: true,
        ..Default::default()
    };
    let d = load_reader("test.csv", csv.as_bytes(), &multi).unwrap();
    assert_eq!(
        lines(&d),
        [
            ("s1".into(), 2),
            ("s\r\n2".into(), 3),
            ("s4, annex".into(), 7)
        ]
    );
    assert_eq!(d.votes_of(1), [3, 28]);
    assert_eq!(d.lines.used, 5);
    assert!(d.lines.balanced(), "{:?}", d.lines);
    assert_eq!(d.rejected.len(), 1);
    assert_eq!(
        (d.rejected[0].line, d.rejected[0].reason.as_str()),
        (6, "not-an-integer")
    );
    assert_eq!(d.rejected[0].detail, "column Smith, J: '1,5'");
}

#[test]
fn a_quote_that_never_closes_across_lines_is_named_with_the_lines_it_joined() {
    let mut csv = String::from("id,registered,A,B\ns1,100,40,50\ns2,\"R,120,50,60\n");
    for i in 3..13 {
        csv.push_str(&format!("s{i},100,40,50\n"));
    }
    let multi = LoadOptions {
        multiline_fields: true,
        ..Default::default()
    };
    let d = load_reader("test.csv", csv.as_bytes(), &multi).unwrap();
    assert!(d.lines.balanced(), "{:?}", d.lines);
    let r = &d.rejected[0];
    assert_eq!(
        (r.line, r.last_line, r.reason.as_str()),
        (3, Some(13), "unbalanced-quote")
    );
    assert!(r.detail.contains("joins lines 3-13"), "{}", r.detail);
}

#[test]
fn delimiter_is_detected_from_the_header_line_or_forced() {
    for delim in [",", "\t", ";"] {
        let text = CLEAN.replace(',', delim);
        let d = load_str(&text);
        assert_eq!(d.source.delimiter, delim);
        assert_eq!(d.stations.len(), 3, "{delim:?}");
        assert_eq!(d.votes, [30, 28, 40, 100, 15, 5]);
    }
    // Commas inside quotes do not count; semicolons win.
    let text = "\"a,b,c\";registered;A\nx;1;2\n";
    assert_eq!(load_str(text).source.delimiter, ";");
    // Ties go to the comma.
    let text = "id;x,A\n";
    assert_eq!(elaudit::data::detect_delimiter(text.as_bytes()), b',');
    // Forced: a semicolon file read with ',' has one column per line.
    let semi = CLEAN.replace(',', ";");
    let forced = LoadOptions {
        delimiter: Some(b','),
        ..Default::default()
    };
    assert!(load_reader("f.csv", semi.as_bytes(), &forced).is_err());
    // Forced tab on a file whose header has more commas than tabs.
    let text = "station\tname, with, commas\tA\ns1\tx\t5\n";
    let forced = LoadOptions {
        delimiter: Some(b'\t'),
        ..Default::default()
    };
    let d = load_reader("f.tsv", text.as_bytes(), &forced).unwrap();
    assert_eq!(d.candidates, ["A"]);
    assert_eq!(d.source.delimiter, "\t");
}

#[test]
fn na_tokens_thousands_and_decimal_zeros() {
    // Polish style: '-' for no data, '.' between thousands.
    let csv = "Nr;Uprawnieni;Wydane;Kowalski;Nowak\n\
               1;1.200;700;400;-\n\
               2;900;500;-;495\n\
               3;-;500;1;2\n\
               4;1.2;500;1;2\n";
    let spec = ColumnSpec {
        id: strings(&["Nr"]),
        registered: strings(&["Uprawnieni"]),
        ballots: strings(&["Wydane"]),
        candidates: cands(&["Kowalski", "Nowak"]),
        na: Some(strings(&["-"])),
        thousands: Some(".".into()),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(ids(&d), ["1", "2"]);
    assert_eq!(d.stations[0].registered, Some(1200));
    // A missing candidate cell: not on the ballot, zero votes, not a rejection.
    assert_eq!(d.votes, [400, 0, 0, 495]);
    assert_eq!(d.on_ballot, [true, false, false, true]);
    assert_eq!(d.candidate_counts(1), [495]);
    let got: Vec<(u64, &str)> = d
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(got, [(4, "missing-value"), (5, "not-an-integer")]);
    assert_eq!(d.rejected[0].detail, "column Uprawnieni: '-' (missing)");
    assert_eq!(d.rejected[1].detail, "column Uprawnieni: '1.2'");
    // Trailing zero decimals are integers unless '.' separates thousands.
    let d = load_str("id,registered,A\nx,100.0,5.00\n");
    assert_eq!((d.stations[0].registered, d.votes[0]), (Some(100), 5));
    let d = load_str("id,registered,A\nx,100.5,5\n");
    assert_eq!(d.rejected[0].reason, "not-an-integer");
    // Space (or no-break space) as the separator.
    let spec = ColumnSpec {
        thousands: Some(" ".into()),
        candidates: cands(&["A"]),
        ..Default::default()
    };
    let d = load_bytes("id,registered,A\nx,1 234,1\u{a0}000\n".as_bytes(), spec).unwrap();
    assert_eq!((d.stations[0].registered, d.votes[0]), (Some(1234), 1000));
    // Default NA tokens: empty and NA.
    let d = load_str("id,registered,A,B\nx,NA,1,2\ny,10,NA,2\n");
    assert_eq!(d.rejected[0].reason, "missing-value");
    assert_eq!(d.on_ballot, [false, true]);
}

#[test]
fn dot_grouped_thousands_without_the_flag_are_never_read_as_decimals() {
    // '2.000' alone could be 2 written with decimals; beside '1.227' it is 2,000 as
    // likely, and reading it as 2 would misread the row without a word.
    let csv = "id;registered;ballots;A;B\n\
               s1;2.000;1.227;735;492\n\
               s2;1.000;600;350;250\n\
               s3;800;500;300;200\n";
    let d = load_str(csv);
    assert_eq!(ids(&d), ["s3"]);
    let got = rejected_details(&d);
    let hint = "if '.' groups thousands, pass --thousands '.'";
    assert_eq!(
        got,
        [
            (2, &*format!("column registered: '2.000'; {hint}")),
            (3, &*format!("column registered: '1.000'; {hint}")),
        ]
    );
    // With the flag every row reads; without such evidence '2.000' stays 2.
    let spec = ColumnSpec {
        thousands: Some(".".into()),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.stations[0].registered, Some(2000));
    assert_eq!(d.rejected.len(), 0);
    let d = load_str("id;registered;A\ns1;2.000;1\ns2;30.00;2\n");
    assert_eq!(d.stations[0].registered, Some(2));
    // A column left out for such values says which flag reads it.
    let d = load_str("id;registered;A;B\ns1;900;1.227;5\ns2;800;1.300;6\ns3;700;12;7\n");
    let why = &d.left_out.iter().find(|c| c.column == "A").unwrap().why;
    assert!(
        why.ends_with(
            "2 of them look grouped by thousands (if '.' groups thousands, pass --thousands '.')"
        ),
        "{why}"
    );
}

#[test]
fn dot_grouping_that_first_shows_below_the_sample_still_rejects_dot_zero_rows() {
    // The sample at the top holds plain counts only, so '3.000' first reads as 3; the
    // '2.452' further down shows that '.' groups thousands in this file, and the rows
    // read with '.000' as decimals must then go, not stay as stations 1,000 times too
    // small (with or without ids).
    for with_ids in [true, false] {
        let mut csv = String::from(if with_ids {
            "id,registered,ballots,A,B\n"
        } else {
            "registered,ballots,A,B\n"
        });
        for i in 0..1500 {
            let id = if with_ids {
                format!("s{i},")
            } else {
                String::new()
            };
            csv.push_str(&format!("{id}{},300,150,150\n", 500 + i));
        }
        let id = |s: &str| {
            if with_ids {
                format!("{s},")
            } else {
                String::new()
            }
        };
        csv.push_str(&format!("{}3.000,1.000,500,500\n", id("big1")));
        csv.push_str(&format!("{}2.452,1.500,800,700\n", id("big2")));
        csv.push_str(&format!("{}400,200,100,100\n", id("small")));
        let d = load_str(&csv);
        assert_eq!(d.stations.len(), 1501, "with ids: {with_ids}");
        let got = rejected_details(&d);
        let hint = "if '.' groups thousands, pass --thousands '.'";
        assert_eq!(
            got,
            [
                (
                    1502,
                    &*format!(
                        "column registered: '3.000' may be 3 or 3000, and no other count \
                         settles whether '.' groups thousands or marks decimals; {hint}"
                    )
                ),
                (1503, &*format!("column registered: '2.452'; {hint}")),
            ]
        );
        assert!(d.rejected.iter().all(|r| r.reason == "not-an-integer"));
        assert_eq!(d.lines.used + d.lines.rejected + d.lines.header, 1504);
    }
    // Without evidence either way '3.000' is a guess: rejected, not read as 3.
    let mut csv = String::from("id,registered,ballots,A,B\n");
    for i in 0..1500 {
        csv.push_str(&format!("s{i},{},300,150,150\n", 500 + i % 400));
    }
    csv.push_str("big1,3.000,1.000,500,500\n");
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 1500);
    assert_eq!(d.rejected[0].line, 1502);
    assert!(d.rejected[0].detail.contains("may be 3 or 3000"));
    // A decimal point that cannot group thousands ('1500.000') settles it: 3.
    csv.push_str("big2,1500.000,700,350,350\n");
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 1502);
    assert_eq!(d.stations[1500].registered, Some(3));
    assert_eq!(d.stations[1501].registered, Some(1500));
}

#[test]
fn counts_written_with_three_decimal_zeros_throughout_read_as_counts() {
    // Thousands would make every count a whole thousand: the zeros are decimals.
    let mut csv = String::from("id,registered,ballots,A,B\n");
    for i in 0..40 {
        csv.push_str(&format!("s{i},{}.000,300.000,150.000,150.000\n", 500 + i));
    }
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 40);
    assert_eq!(d.stations[0].registered, Some(500));
    assert_eq!(d.stations[0].ballots, 300);
}

#[test]
fn row_numbers_are_never_taken_as_candidates() {
    // pandas' to_csv writes its index under a blank name; R and spreadsheets number rows
    // under names such as 'V1' or '№ п/п'. Taken as a candidate, such a column "won" a
    // 3,000-station file with 225% of the valid votes.
    let mut csv = String::from(",V1,№ п/п,id,registered,ballots,A,B,Lp.\n");
    let votes = [
        (410, 220, 180),
        (380, 190, 170),
        (520, 300, 200),
        (450, 200, 240),
    ];
    for i in 0..40 {
        let (ballots, a, b) = votes[i % 4];
        let ballots = ballots + i;
        let a = a + i;
        csv.push_str(&format!(
            "{i},{},{},s{i},900,{ballots},{a},{b},{}\n",
            i + 1,
            i + 7,
            i + 1
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    let left: Vec<(&str, &str)> = (d.left_out.iter())
        .map(|c| {
            (
                c.column.as_str(),
                &c.why[..c.why.find(':').unwrap_or(c.why.len())],
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            ("", "holds whole numbers, but has no name"),
            ("V1", "holds whole numbers that count up from row to row"),
            ("№ п/п", "holds whole numbers that count up from row to row"),
            (
                "Lp.",
                "holds whole numbers, but its name looks like an identifier or a code"
            ),
        ]
    );
    // Votes that rise from row to row but not by one (a file sorted by a candidate) stay.
    let mut csv = String::from("id,registered,A,B\n");
    for i in 0..40 {
        csv.push_str(&format!("s{i},900,{},{}\n", 100 + 3 * i, 200 - i % 7));
    }
    assert_eq!(load_str(&csv).candidates, ["A", "B"]);
    // A spreadsheet's empty columns, nameless and blank, are no candidates and no news;
    // a named blank column still gets its note.
    let d = load_str("id,registered,A,B,,,C\ns1,900,300,200,,,\ns2,800,250,250,,,\n");
    assert_eq!(d.candidates, ["A", "B"]);
    let left: Vec<&str> = d.left_out.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(left, ["C"]);
}

#[test]
fn comments_and_group_rows_above_the_header_are_named_with_the_fix() {
    let comment = "# Results, export 2024-03-01\n# by the CEC\nid,registered,A,B\ns1,100,40,50\n";
    let e = load_err(comment, ColumnSpec::default());
    assert!(
        e.contains("line 1 is a comment, not the header") && e.contains("grep -v '^#'"),
        "{e}"
    );
    let group = "Station,,Voters,Votes for,\nid,region,registered,A,B\ns1,R1,100,40,50\n";
    let e = load_err(group, ColumnSpec::default());
    assert!(
        e.contains("line 1 is a row that names groups of columns above the header")
            && e.contains("tail -n +2 FILE > OUT"),
        "{e}"
    );
    // Filled down over their columns, the group names made a duplicate-name error that
    // named no line and advised renaming the columns.
    let filled = "Station,Station,Voters,Votes,Votes\nid,region,registered,A,B\ns1,R1,100,40,50\n";
    let e = load_err(filled, ColumnSpec::default());
    assert!(
        e.contains("line 1 is a row that names groups of columns above the header")
            && e.contains("tail -n +2 FILE > OUT"),
        "{e}"
    );
    // A header that repeats a name over counts is no group row.
    let e = load_err("id,A,A\ns1,4,5\ns2,6,7\n", ColumnSpec::default());
    assert!(!e.contains("groups of columns"), "{e}");
    // Blank names over numbers are a header with unnamed columns, not a group row.
    let d = load_str("id,,,registered,A,B\ns1,1.5,2.5,100,40,50\ns2,0.5,7.25,120,50,60\n");
    assert_eq!(d.candidates, ["A", "B"]);
    // A header whose first name opens with '#' is a header.
    let d = load_str("#id,registered,A,B\ns1,100,40,50\ns2,120,50,60\n");
    assert_eq!(d.stations.len(), 2);
    assert_eq!(d.candidates, ["A", "B"]);
}

#[test]
fn a_candidate_whose_votes_rise_down_a_sorted_file_stays_a_candidate() {
    // Sorted by A's votes: A counts up at every row, as a station number would, but the
    // valid votes need it.
    let mut csv = String::from("id,registered,valid,A,B\n");
    for i in 0..60u64 {
        let (a, b) = (100 + 3 * i, 40 + (i * 7) % 31);
        csv.push_str(&format!("s{i},900,{},{a},{b}\n", a + b));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    assert!(d.left_out.is_empty());
    // A row number beside votes that add up without it stays left out.
    let mut csv = String::from("id,registered,valid,Row,A,B\n");
    for i in 0..60u64 {
        let (a, b) = (100 + (i * 13) % 47, 40 + (i * 7) % 31);
        csv.push_str(&format!("s{i},900,{},{},{a},{b}\n", a + b, i + 1));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    assert_eq!(d.left_out[0].column, "Row");
}

#[test]
fn sep_lines_quoted_naming_a_tab_or_naming_the_wrong_delimiter_still_read() {
    let rows = "id,registered,A,B\ns1,100,40,50\ns2,120,50,60\n";
    for (sep, text) in [
        ("\"sep=,\"\n", rows.to_string()),
        ("sep=\t\r\n", rows.replace(',', "\t")),
        ("sep=;\n", rows.to_string()),
        ("sep=; \n", rows.replace(',', ";")),
        ("sep=;\t\r\n", rows.replace(',', ";")),
        ("\"sep=\t\"\n", rows.replace(',', "\t")),
    ] {
        let d = load_str(&format!("{sep}{text}"));
        assert_eq!((d.stations.len(), d.candidates.len()), (2, 2), "{sep:?}");
        assert!(d.lines.balanced());
        assert_eq!(d.excluded[0].rule, "spreadsheet's sep= line");
    }
}

#[test]
fn a_file_separated_by_pipes_or_spaces_is_named_with_the_conversion() {
    let rows = "id|registered|A|B\ns1|100|40|50\ns2|120|50|60\ns3|90|30|20\n";
    let e = load_err(rows, ColumnSpec::default());
    assert!(
        e.contains("separated by '|'") && e.contains("tr '|' ','") && !e.contains("title"),
        "{e}"
    );
    let e = load_err(&rows.replace('|', "  "), ColumnSpec::default());
    assert!(
        e.contains("separated by spaces") && e.contains("sed -E"),
        "{e}"
    );
    // A title of several words above a comma header is still a title.
    let e = load_err(
        "Results of the 2024 election\nid,registered,A,B\ns1,100,40,50\ns2,120,50,60\n",
        ColumnSpec::default(),
    );
    assert!(e.contains("looks like a title"), "{e}");
}

#[test]
fn a_name_typed_with_spaces_finds_a_header_written_with_no_break_spaces() {
    let csv = "id,registered,Party\u{a0}A,Party\u{202f}B\ns1,100,40,50\ns2,120,50,60\n";
    let spec = ColumnSpec {
        candidates: cands(&["Party A", "Party B"]),
        ..ColumnSpec::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.votes, [40, 50, 50, 60]);
}

#[test]
fn no_candidates_left_names_the_columns_left_out_and_why() {
    // 'voters' (a small home-voting count) is read as the register, below every candidate.
    let mut csv = String::from("id,voters,ballots,Party A,Party B\n");
    for i in 0..20 {
        let (a, b) = (400 + (i * 37) % 50, 300 + (i * 13) % 40);
        csv.push_str(&format!("s{i},{},{},{a},{b}\n", 5 + i % 4, a + b + 9));
    }
    let e = load_err(&csv, ColumnSpec::default());
    assert!(
        e.contains("every other column was left out: 'Party A' holds at least the ballots")
            && e.contains("'Party B'")
            && e.contains("--registered")
            && !e.contains("no other column holds mostly whole numbers"),
        "{e}"
    );
}

#[test]
fn a_block_of_notes_above_the_header_names_the_real_header() {
    let csv = "Country,Year,Election,Source\nGeorgia,2024,Parliamentary,CEC\n\
               station_id,registered,ballots,Party A\ns1,100,60,40\ns2,120,70,50\n";
    let e = load_err(csv, ColumnSpec::default());
    assert!(
        e.contains("line 1 is a note above the header")
            && e.contains("Line 3 looks like the header (it names 'station_id', 'registered'")
            && e.contains("tail -n +3 FILE > OUT"),
        "{e}"
    );
    // Columns named by flags may be the first line's own: no guess then.
    let spec = ColumnSpec {
        registered: strings(&["Year"]),
        ..ColumnSpec::default()
    };
    assert!(!load_err(csv, spec).contains("note above the header"));
    // A header of unrecognised names over rows of numbers is the header.
    let d = load_str("Stanica,Upisani,A,B\ns1,100,40,50\ns2,120,50,60\n");
    assert_eq!(d.stations.len(), 2);
}

#[test]
fn an_empty_spreadsheet_row_above_the_header_is_passed_over_as_blank() {
    let d = load_str(",,,\n id,registered,A,B\ns1,100,40,50\ns2,120,50,60\n");
    assert_eq!((d.stations.len(), d.candidates.len()), (2, 2));
    assert!(d.lines.balanced());
    assert_eq!(d.excluded[0].lines, [1]);
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn a_utf8_file_joined_to_a_utf16_one_is_an_error_at_the_join() {
    let mut head = String::from("id,region,registered,A,B\n");
    let mut tail = String::new();
    for i in 0..40 {
        let row = format!(
            "s{i},R{},{},{},{}\n",
            i % 3,
            900 + i,
            300 + i % 7,
            200 + i % 5
        );
        match i < 20 {
            true => head.push_str(&row),
            false => tail.push_str(&row),
        }
    }
    let mut bytes = utf16le(&head);
    bytes.extend_from_slice(tail.as_bytes());
    let e = match load_bytes(&bytes, ColumnSpec::default()) {
        Ok(d) => panic!("expected an error, got {} stations", d.stations.len()),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("line 22:") && e.contains("a UTF-8 file is joined to a UTF-16 one"),
        "{e}"
    );
    // UTF-16 with long CJK names reads as it is.
    let name = "上海市浦东新区陆家嘴街道第一居民委员会投票站".repeat(4);
    let d = load_bytes(
        &utf16le(&format!("{head}s99,{name},1000,500,400\n")),
        ColumnSpec::default(),
    )
    .unwrap();
    assert_eq!(d.stations.len(), 21);
    assert!(d.regions.contains(&name));
}

#[test]
fn vote_columns_that_read_as_text_are_announced_not_dropped() {
    // Every value grouped by thousands, or a dash in every sampled row: no plain count,
    // yet votes that must not vanish without a word.
    let d = load_str(
        "id;registered;Smith;Jones;Brown\n\
         s1;3000;1.418;500;-\n\
         s2;3000;1.300;400;-\n",
    );
    assert_eq!(d.candidates, ["Jones"]);
    let why = |col: &str| {
        d.left_out
            .iter()
            .find(|c| c.column == col)
            .unwrap()
            .why
            .clone()
    };
    assert!(
        why("Smith").ends_with(
            "2 of them look grouped by thousands (if '.' groups thousands, pass --thousands '.')"
        ),
        "{}",
        why("Smith")
    );
    assert!(why("Brown").contains("pass --na '-'"), "{}", why("Brown"));
    // A text column is still just text.
    let d = load_str("id,name,registered,A\ns1,Smith,100,5\n");
    assert!(d.left_out.is_empty(), "{:?}", d.left_out);
}

#[test]
fn role_names_with_spaces_are_recognised_and_tallies_are_never_candidates() {
    let d = load_str(
        "Polling Station,Registered Voters,Ballots Cast,Valid Votes,SPOILT,Smith,Jones,\
         Smith %,Total votes,Turnout\n\
         s1,1000,610,600,10,400,200,67,600,61\n",
    );
    assert_eq!(d.candidates, ["Smith", "Jones"]);
    for (col, role) in [
        ("Polling Station", "id"),
        ("Registered Voters", "registered"),
        ("Ballots Cast", "ballots"),
        ("Valid Votes", "valid"),
        ("SPOILT", "invalid"),
        ("Smith %", "ignored"),
        ("Total votes", "ignored"),
        ("Turnout", "ignored"),
    ] {
        assert_eq!(role_of(&d, col), role, "{col}");
    }
    let left: Vec<&str> = d.left_out.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(left, ["Smith %", "Total votes", "Turnout"]);
    assert_eq!(totals(&d), [1000, 610, 600, 10]);
}

/// 30 stations `s0`… and, where `total` says, a last row `name` holding the sum of the
/// rows read, moved by `off` votes for A.
fn with_total(name: &str, bad: &[usize], off: i64) -> String {
    let mut csv = String::from("station,registered,A,B\n");
    let mut sum = [0i64; 3];
    for i in 0..30i64 {
        let row = [500 + 7 * i, 200 + (i * 13) % 50, 150 + (i * 7) % 40];
        match bad.contains(&(i as usize)) {
            true => csv.push_str(&format!("s{i},{},x,{}\n", row[0], row[2])),
            false => csv.push_str(&format!("s{i},{},{},{}\n", row[0], row[1], row[2])),
        }
        for c in 0..3 {
            sum[c] += row[c];
        }
    }
    csv.push_str(&format!("{name},{},{},{}\n", sum[0], sum[1] + off, sum[2]));
    csv
}

#[test]
fn a_grand_total_off_the_sum_by_rows_left_out_or_a_correction_is_a_total() {
    // Two rows left out make the total no exact sum; a word no list holds names it.
    let d = load_str(&with_total("Overall result", &[3, 17], 0));
    assert_eq!(d.stations.len(), 28);
    let got: Vec<(u64, &str)> = (d.rejected.iter())
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (5, "not-an-integer"),
            (19, "not-an-integer"),
            (32, "total-row")
        ]
    );
    // No word, a published correction of one vote: within the tolerance of the sum.
    let d = load_str(&with_total("s30", &[], 1));
    assert_eq!(d.stations.len(), 30);
    assert_eq!(d.rejected[0].reason, "total-row");
    let detail = &d.rejected[0].detail;
    assert!(
        detail.contains("within 0.0% of the sum of the 30 other rows"),
        "{detail}"
    );
    // Words of other languages name a total too, and a station as large as the rest
    // but unlike their sum is a station.
    for word in ["Σ", "Razem", "合计", "Gesamtergebnis", "Összesen"] {
        let d = load_str(&with_total(word, &[3, 17, 20, 21, 22], 0));
        assert_eq!(d.stations.len(), 25, "{word}");
    }
    let d = load_str(&with_total("s30", &[], 3000));
    assert_eq!(d.stations.len(), 31);
}

#[test]
fn named_subtotals_beside_an_unnamed_grand_total_are_all_totals() {
    // Each region's subtotal holds postal votes too (no exact sum); the grand total has
    // a plain id and no total word, and is no station to compare the subtotals with.
    let mut csv = String::from("id,region,registered,A,B\n");
    let (mut all, mut stations) = ([0u32; 3], 0u64);
    for r in 0..3u32 {
        let mut sub = [0u32; 3];
        for i in 0..15u32 {
            let row = [900 + 7 * i + r, 300 + (i * 13) % 50, 200 + (i * 7) % 40];
            csv.push_str(&format!(
                "P{r}{i:02},R{r},{},{},{}\n",
                row[0], row[1], row[2]
            ));
            for c in 0..3 {
                sub[c] += row[c];
            }
            stations += u64::from(row[0]);
        }
        sub[1] += 40; // postal votes
        csv.push_str(&format!(
            "Total R{r},R{r},{},{},{}\n",
            sub[0], sub[1], sub[2]
        ));
        for c in 0..3 {
            all[c] += sub[c];
        }
    }
    csv.push_str(&format!("99999,Country,{},{},{}\n", all[0], all[1], all[2]));
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 45);
    assert_eq!(totals(&d)[0], stations);
    assert!(
        d.rejected.iter().all(|r| r.reason == "total-row"),
        "{:?}",
        d.rejected
    );
    assert_eq!(d.rejected.len(), 4);
}

#[test]
fn a_station_named_like_a_total_is_kept_when_no_larger_than_other_stations() {
    // Uganda 2011 has stations named 'TOTAL B- MUKONO BOARDING'.
    let d = load_str(
        "station,registered,A,B\n\
         s1,800,300,200\n\
         TOTAL B- MUKONO BOARDING,836,310,240\n\
         s3,900,400,200\n\
         Total,9000,1010,640\n",
    );
    assert_eq!(ids(&d), ["s1", "TOTAL B- MUKONO BOARDING", "s3"]);
    assert_eq!(d.named_like_totals, [3]);
    assert_eq!(d.rejected.len(), 1);
    let detail = &d.rejected[0].detail;
    assert!(
        detail.contains("('total'), and holds more voters than any other row"),
        "{detail}"
    );
    // Such a station with a bad cell is rejected for the cell, not as a total.
    let mut csv = String::from("station,registered,A,B\nTOTAL A- AT KATIMBA,817,12a,240\n");
    csv.extend((0..10).map(|i| format!("s{i},{},300,200\n", 800 + i)));
    let d = load_str(&csv);
    assert_eq!(d.rejected[0].reason, "not-an-integer");
}

#[test]
fn total_rows_are_rejected_not_counted_as_stations() {
    let d = load_str(
        "station,region,registered,A,B\n\
         s1,North,100,30,20\n\
         s2,North,200,60,40\n\
         North subtotal,North,300,90,60\n\
         s3,Sumy,100,10,10\n\
         Итого,,400,100,70\n",
    );
    assert_eq!(ids(&d), ["s1", "s2", "s3"]);
    let got: Vec<(u64, &str)> = d
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(got, [(4, "total-row"), (6, "total-row")]);
    assert!(
        d.rejected[0].detail.contains("('subtotal')"),
        "{}",
        d.rejected[0].detail
    );
    assert_eq!(d.lines.used + d.lines.rejected + d.lines.header, 6);
}

#[test]
fn a_header_repeated_in_another_order_ends_the_run() {
    // Two files joined whose columns differ in order: the later rows would be misread.
    let csv = "id,registered,Smith,Jones\n\
               a,100,60,30\n\
               id,registered,Jones,Smith\n\
               b,100,10,80\n";
    let e = load_err(csv, ColumnSpec::default());
    assert!(e.contains("line 3 repeats the header"), "{e}");
    assert!(e.contains("Split the file at line 3"), "{e}");
    // The same order is a repeated header, excluded by the loader's own rule.
    let d = load_str("id,registered,A\na,100,60\nid,registered,A\nb,100,10\n");
    assert_eq!(ids(&d), ["a", "b"]);
}

#[test]
fn a_title_line_above_the_header_says_which_lines_to_delete() {
    for csv in [
        "Presidential election 2011\nid,registered,A\n1,100,50\n",
        "Presidential election 2011,,,\nid,registered,A,B\n1,100,50,20\n",
    ] {
        let e = load_err(csv, ColumnSpec::default());
        assert!(e.contains("line 1 looks like a title"), "{e}");
        assert!(e.contains("tail -n +2"), "{e}");
    }
    // Two title lines, then a blank one (which the loader passes over): both titles go.
    let csv = "Presidential election 2011\nRound 1\n\nid,registered,A\n1,100,50\n";
    let e = load_err(csv, ColumnSpec::default());
    assert!(
        e.contains("down to line 2") && e.contains("tail -n +3"),
        "{e}"
    );
    // In a gzip file the advice unpacks it first: `tail` cannot read it as it stands.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"Results\nid,registered,A\n1,100,50\n")
        .unwrap();
    let e = match load_bytes(&gz.finish().unwrap(), ColumnSpec::default()) {
        Ok(_) => panic!("a title line must be an error"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("gzip -dc FILE | tail -n +2 | gzip > OUT"), "{e}");
    // A note of two fields under the title (a source and a date) belongs to the block.
    let csv = "Presidential election 2024\nSource: CEC, 2024-05-01\n\nid,registered,A\n1,100,50\n";
    let e = load_err(csv, ColumnSpec::default());
    assert!(
        e.contains("down to line 2") && e.contains("tail -n +3"),
        "{e}"
    );
}

#[test]
fn joined_ids_stay_distinct_when_a_part_holds_the_separator() {
    let spec = ColumnSpec {
        id: strings(&["tik", "uik"]),
        ..Default::default()
    };
    let csv = "tik,uik,registered,A\n1/2,3,100,5\n1,2/3,100,6\n";
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(ids(&d), ["1\\/2/3", "1/2\\/3"]);
    assert!(d.rejected.is_empty());
}

#[test]
fn exclusion_values_match_whole_numbers_with_zero_decimals_and_unmatched_rules_are_named() {
    let spec = ColumnSpec {
        exclude: vec!["non_rep=1".parse().unwrap(), "kind=Postal".parse().unwrap()],
        ..Default::default()
    };
    let csv = "id,non_rep,kind,registered,A\n\
               a,0.0,normal,100,5\n\
               b,1.0,normal,100,6\n\
               c,1.5,normal,100,7\n\
               d,10,postal,100,8\n";
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(ids(&d), ["a", "c", "d"]);
    assert_eq!(d.unmatched_rules().collect::<Vec<_>>(), ["kind=Postal"]);
}

#[test]
fn exclusions_are_counted_per_rule_in_order_before_validation() {
    let csv = "station,kind,registered,A\n\
               s1,normal,100,5\n\
               s2,postal,0,5\n\
               s3,ship,bad,5\n\
               s4,postal,xx,5\n\
               s5,normal,100,5\n";
    let spec = ColumnSpec {
        exclude: vec![
            "kind=postal".parse().unwrap(),
            "Kind=abroad".parse().unwrap(),
            "kind = ship".parse().unwrap(),
        ],
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(ids(&d), ["s1", "s5"]);
    assert!(d.rejected.is_empty(), "{:?}", d.rejected);
    let counts: Vec<(&str, u64)> = d
        .excluded
        .iter()
        .map(|e| (e.rule.as_str(), e.rows))
        .collect();
    assert_eq!(
        counts,
        [("kind=postal", 2), ("Kind=abroad", 0), ("kind=ship", 1)]
    );
    // The rule's column is not a candidate even though its values could be numbers.
    let csv = "station,nonrep,A\ns1,0,5\ns2,1,0\n";
    let spec = ColumnSpec {
        exclude: vec!["nonrep=1".parse().unwrap()],
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.candidates, ["A"]);
    assert_eq!(d.stations.len(), 1);
    assert_eq!(role_of(&d, "nonrep"), "ignored");
}

#[test]
fn exclude_rule_parses_at_the_first_equals_sign() {
    let r: ExcludeRule = "Typ obwodu=a=b".parse().unwrap();
    assert_eq!((r.column.as_str(), r.value.as_str()), ("Typ obwodu", "a=b"));
    let r: ExcludeRule = "kind=".parse().unwrap();
    assert_eq!(r.value, "");
    for bad in ["kind", "=x", ""] {
        let e = bad.parse::<ExcludeRule>().unwrap_err().to_string();
        assert!(e.contains("COL=VALUE"), "{e}");
    }
}

#[test]
fn toml_spec_takes_strings_and_lists_and_rejects_unknown_keys() {
    let text = r#"
        id = ["region", "uik"]
        region = "region"
        registered = "electorate"
        ballots = ["early", "day"]
        valid = "valid"
        invalid = ["inv1", "inv2"]
        candidates = ["Smith, J", "Doe"]
        winner = "Doe"
        na = ["-", ""]
        thousands = "."
        exclude = ["kind=postal", "abroad=1"]
    "#;
    let s = ColumnSpec::from_toml_str(text, "map.toml").unwrap();
    assert_eq!(s.id, ["region", "uik"]);
    assert_eq!(s.region, ["region"]);
    assert_eq!(s.registered, ["electorate"]);
    assert_eq!(s.ballots, ["early", "day"]);
    assert_eq!(s.invalid, ["inv1", "inv2"]);
    assert_eq!(s.candidates, ["Smith, J", "Doe"]);
    assert_eq!(s.winner.as_deref(), Some("Doe"));
    assert_eq!(s.na, Some(strings(&["-", ""])));
    assert_eq!(s.thousands.as_deref(), Some("."));
    assert_eq!(
        s.exclude[1],
        ExcludeRule {
            column: "abroad".into(),
            value: "1".into()
        }
    );

    let e = ColumnSpec::from_toml_str("canddiates = [\"A\"]", "map.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("map.toml") && e.contains("'canddiates'") && e.contains("candidates, winner"),
        "{e}"
    );
    let e = ColumnSpec::from_toml_str("winner = [\"A\"]", "m.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("'winner' must be a string"), "{e}");
    let e = ColumnSpec::from_toml_str("id = 3", "m.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("'id' must be a string or a list"), "{e}");
    let e = ColumnSpec::from_toml_str("exclude = [\"nope\"]", "m.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("COL=VALUE"), "{e}");
    let e = ColumnSpec::from_toml_str("id = ", "m.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("TOML"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.toml");
    std::fs::write(&p, "candidates = \"A\"\n").unwrap();
    assert_eq!(ColumnSpec::from_toml_file(&p).unwrap().candidates, ["A"]);
    let missing = ColumnSpec::from_toml_file(Path::new("/no/such/map.toml")).unwrap_err();
    assert!(missing.to_string().contains("/no/such/map.toml"));
}

#[test]
fn flags_override_the_file_key_by_key() {
    let file = ColumnSpec {
        id: strings(&["uik"]),
        registered: strings(&["reg"]),
        candidates: cands(&["A", "B"]),
        winner: Some("A".into()),
        na: Some(strings(&["-"])),
        thousands: Some(".".into()),
        exclude: vec!["k=v".parse().unwrap()],
        ..Default::default()
    };
    let flags = ColumnSpec {
        registered: strings(&["electorate"]),
        winner: Some("B".into()),
        ..Default::default()
    };
    let s = file.clone().overridden_by(flags);
    assert_eq!(s.id, ["uik"]);
    assert_eq!(s.registered, ["electorate"]);
    assert_eq!(s.candidates, ["A", "B"]);
    assert_eq!(s.winner.as_deref(), Some("B"));
    assert_eq!(s.na, Some(strings(&["-"])));
    assert_eq!(s.thousands.as_deref(), Some("."));
    assert_eq!(s.exclude.len(), 1);
    let s = file.clone().overridden_by(ColumnSpec {
        candidates: cands(&["C"]),
        na: Some(vec![]),
        exclude: vec!["a=b".parse().unwrap(), "c=d".parse().unwrap()],
        ..Default::default()
    });
    assert_eq!(s.candidates, ["C"]);
    assert_eq!(s.na, Some(vec![]));
    assert_eq!(s.exclude.len(), 2);
    assert_eq!(file.clone().overridden_by(ColumnSpec::default()), file);
}

#[test]
fn candidate_lists_split_on_commas_outside_quotes() {
    assert_eq!(split_candidate_list("A,B,\"C, D\""), ["A", "B", "C, D"]);
    assert_eq!(
        split_candidate_list(" A , \"Smith, J\" ,,"),
        ["A", "Smith, J"]
    );
    assert_eq!(
        split_candidate_list("\"say \"\"hi\"\", x\",B"),
        ["say \"hi\", x", "B"]
    );
    assert_eq!(split_candidate_list(""), Vec::<String>::new());
    assert_eq!(split_candidate_list("\"unclosed, x"), ["unclosed, x"]);
}

#[test]
fn summed_count_roles_and_joined_id_and_region_keys() {
    let csv = "reg,tik,uik,voters,early,day,outside,A,B\n\
               R1,T1,1,100,5,50,5,30,28\n\
               R1,T2,1,100,0,60,0,30,28\n\
               R2,T1,1,100,1,1,1,2,1\n\
               R1,T1,1,100,1,1,1,2,1\n";
    let spec = ColumnSpec {
        id: strings(&["reg", "tik", "uik"]),
        region: strings(&["reg", "tik"]),
        ballots: strings(&["early", "day", "outside"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(ids(&d), ["R1/T2/1", "R2/T1/1"]);
    assert_eq!(d.rejected.len(), 2, "R1/T1/1 twice");
    assert_eq!(d.stations[0].ballots, 60);
    assert_eq!(d.stations[1].ballots, 3);
    assert_eq!(d.regions, ["R1/T2", "R2/T1"]);
    assert_eq!(role_of(&d, "reg"), "id+region");
    assert_eq!(role_of(&d, "uik"), "id");
    assert_eq!(role_of(&d, "early"), "ballots");
    assert_eq!(role_of(&d, "outside"), "ballots");
    assert_eq!(role_of(&d, "voters"), "registered");
    assert_eq!(d.columns.len(), 9);
    assert!(d.roles.ballots && d.roles.registered && !d.roles.valid && !d.roles.invalid);
}

#[test]
fn derived_roles_fill_the_missing_counts() {
    // No ballots: ballots = valid + invalid.
    let d = load_str("id,valid,invalid,A,B\nx,50,3,20,30\n");
    let s = &d.stations[0];
    assert_eq!(
        (s.ballots, s.valid, s.invalid, s.registered),
        (53, 50, 3, None)
    );
    assert!(!d.roles.ballots && d.roles.valid && d.roles.invalid && !d.roles.registered);
    // No valid: valid = Σ candidates; no invalid: ballots − valid.
    let d = load_str("id,ballots,A,B\nx,60,20,30\ny,40,20,30\n");
    let (x, y) = (&d.stations[0], &d.stations[1]);
    assert_eq!((x.ballots, x.valid, x.invalid), (60, 50, 10));
    assert_eq!(
        (y.ballots, y.valid, y.invalid),
        (40, 50, 0),
        "ballots < valid gives 0"
    );
    // Only candidates: valid = Σ candidates = ballots, invalid 0.
    let d = load_str("id,A,B\nx,20,30\n");
    let s = &d.stations[0];
    assert_eq!((s.ballots, s.valid, s.invalid), (50, 50, 0));
    assert_eq!(d.roles, Default::default());
    // No ballots and no invalid: ballots = valid.
    let d = load_str("id,valid,A,B\nx,55,20,30\n");
    let s = &d.stations[0];
    assert_eq!((s.ballots, s.valid, s.invalid), (55, 55, 0));
    // Missing candidate cells count as 0 in the derived valid.
    let d = load_str("id,A,B\nx,20,\n");
    assert_eq!(d.stations[0].valid, 20);
}

#[test]
fn winner_is_the_top_candidate_unless_named() {
    let csv = "id,A,B,C\nx,10,30,30\ny,10,5,5\n";
    assert_eq!(load_str(csv).winner, 1, "ties go to the first column");
    let spec = ColumnSpec {
        winner: Some("c".into()),
        ..Default::default()
    };
    assert_eq!(load_bytes(csv.as_bytes(), spec).unwrap().winner, 2);
    // Totals are over the stations kept: the rejected row's votes do not count.
    let csv = "id,registered,A,B\nx,abc,0,900\ny,10,5,4\n";
    assert_eq!(load_str(csv).winner, 0);
}

#[test]
fn auto_detection_skips_id_and_code_like_columns_and_text() {
    let csv = "station_id,PS CODE,zipCode,Year,lat,precinct no,Name,Registered,Cast,\
               Valid_Votes,spoiled,Province,Alice,Bob,Party X,url\n\
               1,11,22,2024,45,7,Main St,100,60,58,2,P1,30,28,0,http://a\n\
               2,12,23,2024,46,8,High St,100,60,58,2,P2,NA,58,0,http://b\n";
    let d = load_str(csv);
    assert_eq!(d.candidates, ["Alice", "Bob"]);
    let roles: Vec<(&str, &str)> = d
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c.role.as_str()))
        .filter(|(_, r)| *r != "ignored")
        .collect();
    assert_eq!(
        roles,
        [
            ("station_id", "id"),
            ("Registered", "registered"),
            ("Cast", "ballots"),
            ("Valid_Votes", "valid"),
            ("spoiled", "invalid"),
            ("Province", "region"),
            ("Alice", "candidate"),
            ("Bob", "candidate")
        ]
    );
    assert_eq!(d.columns.len(), 16);
}

#[test]
fn auto_detected_roles_and_candidates_from_the_documented_lists() {
    let csv = "Precinct,District,Electorate,Ballots_Cast,Valid,Invalid,Alice,Bob,PS Code,notes\n\
               p1,D1,100,60,58,2,30,28,11,ok\n\
               p2,D1,100,60,58,2,NA,58,12,\n";
    let d = load_str(csv);
    let roles: Vec<&str> = d.columns.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "id",
            "region",
            "registered",
            "ballots",
            "valid",
            "invalid",
            "candidate",
            "candidate",
            "ignored",
            "ignored"
        ]
    );
    assert_eq!(d.on_ballot, [true, true, false, true]);
    // An explicit role turns off detection for that role only; a recognised name
    // left over never becomes a candidate.
    let spec = ColumnSpec {
        registered: strings(&["Alice"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.candidates, ["Bob"]);
    assert_eq!(role_of(&d, "Electorate"), "ignored");
    assert_eq!(d.rejected[0].reason, "missing-value");
    let csv2 = "id,voters,registered,A\nx,100,90,5\n";
    let spec = ColumnSpec {
        registered: strings(&["voters"]),
        ..Default::default()
    };
    let d = load_bytes(csv2.as_bytes(), spec).unwrap();
    assert_eq!(d.candidates, ["A"]);
    assert_eq!(role_of(&d, "registered"), "ignored");
    // Given candidates turn off candidate detection.
    let spec = ColumnSpec {
        candidates: cands(&["Bob"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.candidates, ["Bob"]);
    assert_eq!(role_of(&d, "Alice"), "ignored");
}

#[test]
fn integer_detection_looks_at_the_first_thousand_rows_only() {
    let mut csv = String::from("id,A,B\n");
    for i in 0..1000 {
        csv.push_str(&format!("s{i},{},{}\n", (i * 37) % 1000, i % 7));
    }
    csv.push_str("late,1,oops\n");
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    assert_eq!(d.rejected.len(), 1);
    assert_eq!(
        (d.rejected[0].line, d.rejected[0].reason.as_str()),
        (1002, "not-an-integer")
    );
    // One text value inside the sample does not change the column's role: its row is
    // rejected instead.
    let one_bad = csv.replacen("s5,185,5", "s5,185,five", 1);
    let d = load_str(&one_bad);
    assert_eq!(d.candidates, ["A", "B"]);
    assert_eq!(
        (d.rejected[0].line, d.rejected[0].reason.as_str()),
        (7, "not-an-integer")
    );
    // A column that is mostly text is text.
    let mut text = String::from("id,A,B\n");
    for i in 0..100 {
        let b = if i % 4 == 0 {
            "7".to_string()
        } else {
            format!("x{i}")
        };
        text.push_str(&format!("s{i},{},{b}\n", (i * 37) % 100));
    }
    assert_eq!(load_str(&text).candidates, ["A"]);
}

#[test]
fn large_input_spans_many_chunks_in_order() {
    let mut csv = String::from("id,region,registered,A,B\n");
    for i in 0..50_000u64 {
        let bad = if i % 9973 == 0 { "x" } else { "" };
        csv.push_str(&format!(
            "s{i},r{},{}{bad},{},{}\n",
            i % 13,
            100 + i % 50,
            i % 40,
            i % 30
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.source.rows, 50_000);
    assert_eq!(d.rejected.len(), 6);
    assert_eq!(d.stations.len(), 50_000 - 6);
    assert!(d.stations.windows(2).all(|w| w[0].line < w[1].line));
    assert_eq!(d.id(0), "s1");
    assert_eq!(d.regions[0], "r1");
    assert_eq!(d.regions.len(), 13);
    let expect_a: u64 = (0..50_000u64)
        .filter(|i| i % 9973 != 0)
        .map(|i| i % 40)
        .sum();
    assert_eq!(d.candidate_totals()[0], expect_a);
    assert_eq!(d.votes.len(), d.stations.len() * 2);
    assert_eq!(d.rejected[2].line, 2 * 9973 + 2);
}

#[test]
fn large_quote_free_input_reads_the_same_in_parallel_pieces() {
    // Over 4 MB without quotes takes the parallel line splitter; one quoted field
    // sends the same rows through the CSV reader. Both must agree row for row.
    let mut body = String::new();
    for i in 0..250_000u64 {
        match i % 50_000 {
            7 => body.push_str(&format!("s{i},r{},oops,5,6\r\n", i % 7)),
            8 => body.push_str("\r\n\r\n"),
            9 => body.push_str(&format!("s{i},r1,100\r\n")),
            _ => body.push_str(&format!(
                "s{i},r{},{},{},{}\r\n",
                i % 7,
                100 + i % 50,
                i % 40,
                i % 30
            )),
        }
    }
    let fast = load_str(&format!("station,region,registered,A,B\r\n{body}"));
    let slow = load_str(&format!(
        "station,region,registered,A,B\r\n{body}\"q\",r1,1,1,1\r\n"
    ));
    assert!(body.len() > 4 << 20);
    assert_eq!(fast.stations.len() + 1, slow.stations.len());
    assert_eq!(fast.stations[..], slow.stations[..fast.stations.len()]);
    assert_eq!(fast.votes[..], slow.votes[..fast.votes.len()]);
    assert_eq!(fast.regions, slow.regions);
    assert_eq!(fast.rejected, slow.rejected);
    assert_eq!(fast.source.rows + 1, slow.source.rows);
    assert_eq!(fast.rejected.len(), 10);
    // Row i = 7 is on line 9; the two blank lines instead of row i = 8 of every block
    // of 50,000 shift the later rows by one more line each.
    let lines: Vec<u64> = fast.rejected.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [
            9, 12, 50_010, 50_013, 100_011, 100_014, 150_012, 150_015, 200_013, 200_016
        ]
    );
    // Both paths account for every line alike: 250,000 rows, less 5 replaced by 10
    // blank lines, and the header.
    for d in [&fast, &slow] {
        assert!(d.lines.balanced(), "{:?}", d.lines);
        assert_eq!(d.excluded[0].rule, "blank line");
        assert_eq!(d.excluded[0].rows, 10);
    }
    assert_eq!(fast.lines.lines, 250_006);
    assert_eq!(slow.lines.lines, 250_007);
    assert_eq!(
        (fast.lines.used + 1, fast.lines.rejected),
        (slow.lines.used, 10)
    );
    // A bare carriage return ends a record for the CSV reader too, outside quotes.
    let cr = format!("station,region,registered,A,B\n{body}s_x,r1,1,1,1\rs_y,r1,1,1,1\n");
    let d = load_str(&cr);
    assert_eq!(d.stations.len(), fast.stations.len() + 2);
    assert!(d.lines.balanced(), "{:?}", d.lines);
    // Inside quotes it is a space: the row stays one station, on the line `wc -l` counts.
    let cr = format!("station,region,registered,A,B\n{body}s_x,\"r1\rr1\",1,1,1\n");
    let d = load_str(&cr);
    assert_eq!(d.stations.len(), fast.stations.len() + 1);
    assert!(d.lines.balanced(), "{:?}", d.lines);
    assert_eq!(d.lines.lines, fast.lines.lines + 1);
}

fn share(part: u64, whole: u64) -> f64 {
    part as f64 / whole as f64
}

#[test]
fn russia_2012_totals_match_the_readme() {
    let Some(dir) = common::shared_data("ru-pres-2012") else {
        return;
    };
    let path = dir.join("russia_president_2012_uik.csv.gz");
    let d = load(
        path.to_str().unwrap(),
        &opts(common::columns_file("ru-pres-2012.toml")),
    )
    .unwrap();
    assert!(d.source.gzip);
    assert!(
        d.rejected.is_empty(),
        "{:?}",
        &d.rejected[..d.rejected.len().min(3)]
    );
    // README: 95,415 stations, 109,860,331 registered, ballots cast (valid + invalid)
    // 71,701,665, turnout 65.27 %, Putin 45,602,075 = 64.35 % of valid.
    assert_eq!(d.stations.len(), 95_415);
    let [registered, ballots, valid, _] = totals(&d);
    assert_eq!(registered, 109_860_331);
    assert_eq!(ballots, 71_701_665);
    assert_eq!(valid, 70_864_974);
    assert!((share(ballots, registered) - 0.6527).abs() < 5e-5);
    assert_eq!(d.candidates[d.winner], "Путин Владимир Владимирович");
    let putin = d.candidate_totals()[d.winner];
    assert_eq!(putin, 45_602_075);
    assert!((share(putin, valid) - 0.6435).abs() < 5e-5);
    assert_eq!(d.regions.len(), 85);
    // Unmapped, the protocol's lines are recognised by their names: the same figures.
    let plain = load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    assert_eq!(totals(&plain), totals(&d));
    assert_eq!(plain.candidates, d.candidates);
}

#[test]
fn poland_2020_round1_totals_match_the_readme() {
    let Some(dir) = common::shared_data("poland-pres-2020") else {
        return;
    };
    let path = dir.join("poland_president_2020_round1_obwody.csv");
    let d = load(
        path.to_str().unwrap(),
        &opts(common::columns_file("poland-pres-2020-round1.toml")),
    )
    .unwrap();
    // README: 27,229 rows, 27,225 with data (4 abroad are all '-'); registered
    // 30,204,241; ballots 19,486,433 (turnout 64.52 %); Duda 8,450,341 = 43.50 % of
    // valid 19,425,034.
    assert_eq!(d.source.rows, 27_229);
    assert_eq!(d.stations.len(), 27_225);
    assert_eq!(d.rejected.len(), 4);
    assert!(d.rejected.iter().all(|r| r.reason == "missing-value"));
    let [registered, ballots, valid, invalid] = totals(&d);
    assert_eq!(registered, 30_204_241);
    assert_eq!(ballots, 19_486_433);
    assert_eq!(valid, 19_425_034);
    assert_eq!(valid + invalid, ballots);
    assert!((share(ballots, registered) - 0.6452).abs() < 5e-5);
    assert_eq!(d.candidates[d.winner], "Andrzej Sebastian DUDA");
    let duda = d.candidate_totals()[d.winner];
    assert_eq!(duda, 8_450_341);
    assert!((share(duda, valid) - 0.4350).abs() < 5e-5);

    // Round 2 (README): 27,227 districts with data, registered 30,267,989, ballots
    // 20,638,465, Duda 10,440,388 = 51.03 % of valid 20,458,480.
    let path = dir.join("poland_president_2020_round2_obwody.csv");
    let spec = common::columns_file("poland-pres-2020-round2.toml");
    let d = load(path.to_str().unwrap(), &opts(spec)).unwrap();
    assert_eq!(d.stations.len(), 27_227);
    let [registered, ballots, valid, _] = totals(&d);
    assert_eq!(
        (registered, ballots, valid),
        (30_267_989, 20_638_465, 20_458_480)
    );
    assert_eq!(d.candidates[d.winner], "Andrzej Sebastian DUDA");
    assert_eq!(d.candidate_totals()[d.winner], 10_440_388);
    // Unmapped, the protocol's lines are recognised by their names (invalid derived as
    // ballots − valid, the map's two invalid lines together): the same figures.
    let plain = LoadOptions {
        spec: ColumnSpec {
            na: Some(vec!["-".into()]),
            ..Default::default()
        },
        ..Default::default()
    };
    let plain = load(path.to_str().unwrap(), &plain).unwrap();
    assert_eq!(totals(&plain), totals(&d));
    assert_eq!(plain.candidates, d.candidates);
    assert_eq!(plain.regions.len(), 16);
}

#[test]
fn blank_lines_are_skipped_but_counted() {
    let d = load_str("id,A\r\n\r\nx,1\r\n\r\n\r\ny,2\r\n");
    assert_eq!(
        d.stations.iter().map(|s| s.line).collect::<Vec<_>>(),
        [3, 6]
    );
    assert_eq!(d.source.rows, 2);
}

/// Full-size timing, not a pass/fail test: `cargo test --release --test data_loading
/// -- --ignored --nocapture one_million_rows`.
#[test]
#[ignore]
fn one_million_rows_load_quickly() {
    let mut csv = String::from("station,region,registered,ballots,valid,invalid,A,B,C,D,E,F\n");
    let mut x: u64 = 1;
    for i in 0..1_000_000u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = 500 + (x >> 40) % 2000;
        let v = r / 2 + (x >> 20) % 100;
        let c: Vec<u64> = (0..6).map(|j| (x >> (4 * j)) % (v / 6 + 1)).collect();
        csv.push_str(&format!(
            "S{i},Region {},{r},{},{v},{},{},{},{},{},{},{}\n",
            i % 200,
            v + 7,
            7,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5]
        ));
    }
    let cpu = || -> Option<u64> {
        // utime + stime of the whole process, in clock ticks (Linux only).
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    };
    // The best of five runs: the machine may be shared. Quoted region names send
    // the same rows through the CSV reader instead of the parallel line splitter.
    let quoted = csv
        .lines()
        .map(|l| match l.split_once(",Region ") {
            Some((id, rest)) => format!("{id},\"Region, {}\n", rest.replacen(',', "\",", 1)),
            None => format!("{l}\n"),
        })
        .collect::<String>();
    for (name, text) in [("plain", &csv), ("quoted", &quoted)] {
        let mut best = (std::time::Duration::MAX, u64::MAX);
        let mut d = Dataset::default();
        for _ in 0..5 {
            drop(std::mem::take(&mut d));
            let (start, cpu0) = (std::time::Instant::now(), cpu());
            d = load_str(text);
            let (took, cpu1) = (start.elapsed(), cpu());
            let cpu_ms = cpu0.zip(cpu1).map_or(0, |(a, b)| (b - a) * 10);
            best = (best.0.min(took), best.1.min(cpu_ms));
        }
        eprintln!(
            "1M rows ({name}), {} MB: best {:?} wall, {} ms CPU",
            text.len() / 1_000_000,
            best.0,
            best.1
        );
        assert_eq!(d.stations.len(), 1_000_000);
    }
}

#[test]
fn locality_joins_its_columns_and_is_recognised_from_the_header() {
    let csv = "reg,tik,uik,voters,ballots,A,B\n\
               R1,T1,1,100,60,30,28\n\
               R1,T2,2,100,60,30,28\n\
               R1,T1,3,100,3,2,1\n";
    let spec = ColumnSpec {
        id: strings(&["uik"]),
        region: strings(&["reg"]),
        locality: strings(&["reg", "tik"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.localities, ["R1/T1", "R1/T2"]);
    let loc: Vec<_> = d.stations.iter().map(|s| s.locality.get()).collect();
    assert_eq!(loc, [Some(0), Some(1), Some(0)]);
    assert_eq!(role_of(&d, "tik"), "locality");
    assert_eq!(role_of(&d, "reg"), "region+locality");
    // Recognised from the header, and never a candidate.
    let d =
        load_str("id,municipality,registered,ballots,A,B\nx,7,100,50,20,30\ny,8,100,50,20,30\n");
    assert_eq!(d.localities, ["7", "8"]);
    assert_eq!(d.candidates, ["A", "B"]);
    let file = ColumnSpec::from_toml_str("locality = [\"a\", \"b\"]", "x.toml").unwrap();
    assert_eq!(file.locality, ["a", "b"]);
}

#[test]
fn a_rule_that_excludes_every_row_is_named_not_the_columns() {
    let csv = "station,r,registered,A,B\ns1,x,10,5,4\ns2,x,12,6,5\n";
    let spec = ColumnSpec {
        exclude: vec!["r=x".parse().unwrap()],
        ..Default::default()
    };
    let err = load_err(csv, spec);
    assert!(
        err.contains("every data row read to detect them is left out by --exclude (r=x)"),
        "{err}"
    );
    // With the candidates named, the rows load as excluded, and the audit has no station.
    let spec = ColumnSpec {
        exclude: vec!["r=x".parse().unwrap()],
        candidates: cands(&["A", "B"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    let err = d.require_stations().unwrap_err().to_string();
    assert!(
        err.contains("every data line was left out by a rule (r=x: 2)"),
        "{err}"
    );
}

#[test]
fn the_winner_is_a_candidates_own_name_before_another_candidates_column() {
    // The label "A" is given to column C, while column A is labelled "Nice".
    let toml = "candidates = [{name = \"Nice\", column = \"A\"}, {name = \"A\", column = \"C\"}]\n\
                winner = \"A\"\n";
    let spec = ColumnSpec::from_toml_str(toml, "labels.toml").unwrap();
    let d = load_bytes(b"id,A,C\ns1,50,7\ns2,60,8\n", spec).unwrap();
    assert_eq!(d.candidates, ["Nice", "A"]);
    assert_eq!(
        d.winner, 1,
        "the candidate named A, not the one reading column A"
    );
}

#[test]
fn conflicts_and_bad_values_from_a_columns_file_name_its_keys() {
    let csv = b"id,registered,A,B\ns1,10,5,4\n";
    let spec = ColumnSpec::from_toml_str(
        "registered = \"registered\"\nballots = \"registered\"\n",
        "map.toml",
    )
    .unwrap();
    let err = load_bytes(csv, spec).unwrap_err().to_string();
    assert!(
        err.contains("key 'registered' of map.toml") && err.contains("key 'ballots' of map.toml"),
        "{err}"
    );
    let spec = ColumnSpec::from_toml_str("thousands = \"1\"\n", "map.toml").unwrap();
    let err = load_bytes(csv, spec).unwrap_err().to_string();
    assert!(err.contains("key 'thousands' of map.toml"), "{err}");
    // The same conflict from flags names the flags.
    let spec = ColumnSpec {
        registered: strings(&["registered"]),
        ballots: strings(&["registered"]),
        ..Default::default()
    };
    let err = load_bytes(csv, spec).unwrap_err().to_string();
    assert!(
        err.contains("--registered") && err.contains("--ballots"),
        "{err}"
    );
}

#[test]
fn an_empty_key_in_a_columns_file_is_an_error_not_the_default() {
    for text in [
        "candidates = []",
        "id = []",
        "region = \"\"",
        "ballots = [\"b\", \" \"]",
    ] {
        let e = ColumnSpec::from_toml_str(text, "m.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.toml") && e.contains("is empty"),
            "{text}: {e}"
        );
    }
}

/// The note a left-out column was given.
fn left_out_why<'a>(d: &'a Dataset, column: &str) -> &'a str {
    (d.left_out.iter())
        .find(|c| c.column == column)
        .map(|c| c.why.as_str())
        .unwrap_or_else(|| panic!("{column} not left out: {:?}", d.left_out))
}

#[test]
fn votes_in_other_scripts_are_read_and_other_number_forms_never_vanish() {
    // Persian and Arabic-Indic digits are counts; U+2212 is a minus sign.
    let d = load_str("id,registered,A,B\ns1,۱۰۰,۵۸,٣٠\ns2,200,١٢٠,60\ns3,90,\u{2212}4,10\n");
    assert_eq!(d.candidates, ["A", "B"]);
    assert_eq!(d.votes, [58, 30, 120, 60]);
    assert_eq!(d.stations[0].registered, Some(100));
    assert_eq!(d.rejected[0].reason, "negative-count");
    // A winner's column exported in scientific form is named, not lost; a decimal
    // comma's zeros are read (whole_numbers_with_a_decimal_comma_read_as_counts).
    for (a, sep) in [("5.80E+01", ','), ("5,80E+01", ';')] {
        let mut csv = format!("id{sep}registered{sep}A{sep}B\n");
        for i in 0..20 {
            let cell = if sep == ';' {
                a.to_string()
            } else {
                format!("\"{a}\"")
            };
            csv.push_str(&format!("s{i}{sep}100{sep}{cell}{sep}{}\n", 20 + i % 3));
        }
        let d = load_str(&csv);
        assert_eq!(d.candidates, ["B"]);
        let why = left_out_why(&d, "A");
        assert!(why.contains(&format!("written like '{a}'")), "{why}");
        assert!(why.contains("export them as whole numbers"), "{why}");
    }
    // Dates are no such numbers, so a date column stays a text column without a note.
    let d = load_str("id,date,registered,A,B\ns1,15.03.2024,100,50,40\ns2,15.03.2024,90,40,30\n");
    assert!(d.left_out.is_empty(), "{:?}", d.left_out);
    // A column of en dashes is told to pass the en dash itself.
    let d = load_str("id,registered,A,B,C\ns1,100,50,40,–\ns2,90,40,30,–\n");
    assert!(left_out_why(&d, "C").contains("pass --na '–'"));
}

#[test]
fn rows_ending_in_empty_fields_read_as_their_first_fields() {
    // Every seventh row ends with a delimiter; a TSV's rows end with two tabs.
    let mut csv = String::from("id,registered,A,B\n");
    for i in 0..30 {
        let end = if i % 7 == 3 { "," } else { "" };
        csv.push_str(&format!("s{i},100,{},{}{end}\n", 40 + i, 30 + i % 5));
    }
    let d = load_str(&csv);
    assert_eq!((d.stations.len(), d.rejected.len()), (30, 0));
    assert!(d.lines.balanced());
    let tsv = "id\tregistered\tA\tB\ns1\t100\t40\t30\t\t\ns2\t90\t35\t30\t\t\n";
    let d = load_str(tsv);
    assert_eq!(d.candidates, ["A", "B"]);
    assert_eq!(
        (d.stations.len(), d.votes.as_slice()),
        (2, &[40, 30, 35, 30][..])
    );
    // An extra field that holds something is still a row of the wrong length.
    let d = load_str("id,registered,A,B\ns1,100,40,30\ns2,90,35,30,7\n");
    assert_eq!(d.rejected[0].reason, "wrong-field-count");
}

#[test]
fn tallies_and_station_numbers_among_the_counts_are_no_candidates() {
    // 'Votes' holds the candidates' sum, 'Voted' and 'Blank votes' are ballot counts, and
    // 'Komisja' numbers stations with gaps: none is a candidate.
    let mut csv = String::from("Komisja,registered,Voted,Blank votes,A,B,C,Votes\n");
    for i in 0..60 {
        let (a, b, c) = (100 + (i * 37) % 90, 80 + (i * 11) % 50, 5 + i % 7);
        let voted = a + b + c + 3;
        csv.push_str(&format!(
            "{},900,{voted},3,{a},{b},{c},{}\n",
            1000 + 3 * i + i % 2,
            a + b + c
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B", "C"]);
    assert!(
        left_out_why(&d, "Votes").starts_with("equals the sum of the other candidates in 60 of 60")
    );
    assert!(left_out_why(&d, "Komisja").contains("count up"));
    assert!(left_out_why(&d, "Blank votes").contains("ballot count"));
    // A column at least the ballots cast while the others have votes is a tally too.
    let mut csv = String::from("id,ballots,A,B,Envelopez\n");
    for i in 0..10 {
        let b = 40 + (i * 7) % 11;
        csv.push_str(&format!("s{i},{},60,{b},{}\n", 102 + b, 103 + b));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    assert!(
        left_out_why(&d, "Envelopez")
            .contains("in 10 of 10 sampled rows while other candidates have votes")
    );
    // A referendum's answers are candidates, 'No' included.
    let d = load_str("id,registered,Yes,No\ns1,100,40,30\ns2,90,35,44\n");
    assert_eq!(d.candidates, ["Yes", "No"]);
}

#[test]
fn a_recognised_count_column_blank_throughout_is_derived_not_every_row_rejected() {
    let d = load_str(
        "id,registered,ballots,valid,invalid,A,B\ns1,100,72,NA,,40,30\ns2,90,66,NA,,35,30\n",
    );
    assert!(d.rejected.is_empty(), "{:?}", d.rejected);
    assert_eq!((d.stations[0].valid, d.stations[0].invalid), (70, 2));
    assert!(left_out_why(&d, "valid").contains("valid votes are read as the candidates' sum"));
    assert!(left_out_why(&d, "invalid").contains("recognised as invalid"));
    assert!(d.left_out.iter().all(|c| !c.fix.contains("--candidate")));
}

#[test]
fn role_names_inside_longer_headers_are_recognised() {
    let d = load_str(
        "id,No. of registered voters,Number of ballots cast,Total valid votes,A,B\n\
         s1,100,72,70,40,30\ns2,90,66,65,35,30\n",
    );
    assert_eq!(role_of(&d, "No. of registered voters"), "registered");
    assert_eq!(role_of(&d, "Number of ballots cast"), "ballots");
    assert_eq!(role_of(&d, "Total valid votes"), "valid");
    assert_eq!(d.candidates, ["A", "B"]);
    // An exact name wins over a longer one, which then stays out of the candidates.
    let d = load_str("id,valid_votes,total_valid_votes,A,B\ns1,70,70,40,30\ns2,65,65,35,30\n");
    assert_eq!(role_of(&d, "valid_votes"), "valid");
    assert_eq!(d.candidates, ["A", "B"]);
}

/// Three regions of 30 stations, each followed by a subtotal with no total word; the
/// station at `bad` of each region is written by `cell(i)` in column A, and every station
/// carries a `postal` flag, 1 at `postal`.
fn subtotalled(bad: usize, cell: impl Fn(u64) -> String, postal: usize) -> (String, u64) {
    let mut csv = String::from("id,region,postal,registered,ballots,A,B,C\n");
    let mut kept = 0;
    for r in 0..3u64 {
        let mut sum = [0u64; 5];
        for i in 0..30u64 {
            let reg = 600 + (i * 97 + r * 31) % 900;
            let (a, b, c) = (reg / 4 + i % 7, reg / 5 + (i * 13) % 11, reg / 20 + i % 3);
            let row = [reg, a + b + c + 4, a, b, c];
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v;
            }
            let flag = u64::from(i as usize == postal);
            let a_cell = if i as usize == bad {
                cell(a)
            } else {
                a.to_string()
            };
            let (ballots, b, c) = (row[1], row[3], row[4]);
            csv.push_str(&format!(
                "s{r}-{i},R{r},{flag},{reg},{ballots},{a_cell},{b},{c}\n"
            ));
            if i as usize != bad && i as usize != postal {
                kept += reg;
            }
        }
        let s = sum.map(|v| v.to_string()).join(",");
        csv.push_str(&format!("R{r}-all,R{r},0,{s}\n"));
    }
    (csv, kept)
}

#[test]
fn a_subtotal_whose_run_holds_a_row_left_out_is_still_a_total() {
    // One station per region has a bad cell: its subtotal no longer equals the stations
    // kept, and was counted as a station (registered twice over).
    let (csv, kept) = subtotalled(5, |a| format!("{a}.5"), 99);
    let d = load_str(&csv);
    assert_eq!(totals(&d)[0], kept);
    let got: Vec<(u64, &str)> = (d.rejected.iter())
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    let bad = |r: u64| (2 + 31 * r + 5, "not-an-integer");
    let total = |r: u64| (32 + 31 * r, "total-row");
    assert_eq!(got, [bad(0), total(0), bad(1), total(1), bad(2), total(2)]);
    assert!(
        d.rejected[1].detail.contains("the row on line 7, left out"),
        "{}",
        d.rejected[1].detail
    );
    // A station left out by --exclude sits in the run the same way.
    let (csv, kept) = subtotalled(99, |a| a.to_string(), 0);
    let spec = ColumnSpec {
        exclude: vec!["postal=1".parse().unwrap()],
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(totals(&d)[0], kept);
    assert_eq!(d.rejected.len(), 3, "{:?}", d.rejected);
    assert!(d.rejected.iter().all(|r| r.reason == "total-row"));
    // A row left out that no subtotal holds changes nothing.
    let d = load_str("id,registered,A,B\ns1,100,40,30\ns2,x,35,30\ns3,120,50,40\n");
    assert_eq!(d.stations.len(), 2);
}

#[test]
fn a_delimiter_inside_a_header_name_is_named_as_a_cause() {
    let e = load_err(
        "id,registered,Smith, John,Brown\ns1,100,40,30\n",
        ColumnSpec::default(),
    );
    assert!(
        e.contains("line 2 has 4") && e.contains("Quote such a name"),
        "{e}"
    );
}

#[test]
fn a_column_that_first_holds_no_counts_is_announced_with_the_votes_it_holds_later() {
    // Candidate C is 'n/a' in the first 1,000 rows and wins the 1,500 after them.
    let csv = common::late_candidate_csv();
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    let c = d.left_out.iter().find(|c| c.column == "C").unwrap();
    let later = c.later.unwrap();
    assert_eq!(
        (later.stations, later.above_winner, later.material),
        (1500, true, true)
    );
    assert!(
        c.why
            .contains("1500 of the 2500 stations hold whole numbers"),
        "{}",
        c.why
    );
    // A notes column with a small number here and there is not named.
    let mut csv = String::from("id,registered,A,B,note\n");
    for i in 0..2500 {
        let note = if i % 100 == 7 { "3" } else { "ok" };
        csv.push_str(&format!(
            "s{i},900,{},{},{note}\n",
            100 + i % 37,
            80 + i % 23
        ));
    }
    assert!(load_str(&csv).left_out.iter().all(|c| c.later.is_none()));
    // Larger numbers at as few stations are counted, but are not material.
    let csv = csv.replace(",3\n", ",400\n");
    let d = load_str(&csv);
    let note = d.left_out.iter().find(|c| c.column == "note").unwrap();
    assert!(!note.later.unwrap().material);
}

#[test]
fn a_candidate_at_a_few_stations_further_down_is_not_lost_in_silence() {
    // C is 'n/a' down to the last 40 of 2,000 stations: 2% of them, under 1% of the votes.
    let mut csv = String::from("id,registered,A,B,C\n");
    for i in 0..2000 {
        let c = if i >= 1960 {
            (150 + i % 50).to_string()
        } else {
            "n/a".into()
        };
        csv.push_str(&format!("s{i},900,{},{},{c}\n", 300 + i % 37, 200 + i % 23));
    }
    let d = load_str(&csv);
    let c = d
        .left_out
        .iter()
        .find(|c| c.column == "C")
        .expect("C named");
    let later = c.later.unwrap();
    assert_eq!((later.stations, later.material), (40, false));
    assert!(c.fix.contains("--candidate 'C'"), "{}", c.fix);
    // Numbers above the station's register are codes, not votes: not counted.
    let csv = csv.replace(",C\n", ",C,Label\n").replace("\n", ",x\n");
    let csv = csv.replacen(",C,Label,x\n", ",C,Label\n", 1);
    let csv: String = (csv.lines().enumerate())
        .map(|(i, l)| match i >= 1961 {
            true => format!("{}{}\n", l.trim_end_matches('x'), 10_000_000 + i),
            false => format!("{l}\n"),
        })
        .collect();
    let d = load_str(&csv);
    assert!(
        d.left_out.iter().all(|c| c.column != "Label"),
        "{:?}",
        d.left_out
    );
    assert_eq!(d.left_out.len(), 1);
}

#[test]
fn a_repeated_header_in_other_case_is_left_out_and_a_changed_one_ends_the_run() {
    let d = load_str("id,registered,A,B\ns1,100,40,30\nID,REGISTERED,a,b\ns2,90,35,30\n");
    assert_eq!((d.stations.len(), d.rejected.len()), (2, 0));
    for header in ["id,registered,B,A", "ID,Registered,A,C"] {
        let csv = format!("id,registered,A,B\ns1,100,40,30\n{header}\ns2,90,35,30\n");
        let e = load_err(&csv, ColumnSpec::default());
        assert!(
            e.contains("line 3 repeats the header with its columns in another order or renamed"),
            "{e}"
        );
    }
}

#[test]
fn a_row_of_delimiters_alone_is_left_out_by_rule() {
    let d = load_str("id,registered,A,B\ns1,100,40,30\n,,,\n , ,,\ns2,90,35,30\n");
    assert_eq!((d.stations.len(), d.rejected.len()), (2, 0));
    assert!(d.lines.balanced());
    let rules: Vec<(&str, u64)> = d
        .excluded
        .iter()
        .map(|e| (e.rule.as_str(), e.rows))
        .collect();
    assert_eq!(rules, [("empty row (delimiters only)", 2)]);
}

#[test]
fn a_web_page_or_a_pdf_saved_as_csv_is_named_with_the_fix() {
    let page = "\n<!DOCTYPE html>\n<html><body><table><tr><td>id</td></tr></table></body></html>\n";
    let e = load_err(page, ColumnSpec::default());
    assert!(
        e.contains("this is a web page (HTML), not CSV or TSV text"),
        "{e}"
    );
    assert!(e.contains("download the CSV file itself"), "{e}");
    let e = load_err("%PDF-1.7\n1 0 obj\n", ColumnSpec::default());
    assert!(e.contains("this is a PDF document"), "{e}");
}

#[test]
fn a_space_before_a_quoted_value_is_named_as_the_cause() {
    let csv = "id, region, registered, A, B\n\"s1\", \"R1, N\", 100, 40, 30\n";
    let e = load_err(csv, ColumnSpec::default());
    assert!(e.contains("line 2 has 6"), "{e}");
    assert!(
        e.contains("a space follows the delimiter before a quote"),
        "{e}"
    );
    assert!(e.contains(r#"sed 's/, "/,"/g'"#), "{e}");
    // Naming the candidates would not mend the rows' length.
    assert!(!e.contains("--candidate"), "{e}");
    assert!(e.contains("Mend the rows"), "{e}");
}

#[test]
fn german_role_names_shares_and_a_state_number_are_no_candidates() {
    // Germany's Wahlbezirk file, unmapped: 'Land' holds one state's number all the way
    // through the first rows, and shares sit beside the counts.
    let mut csv = String::from(
        "Land,Wahlbezirk,Wahlberechtigte,Wählende,ungültig,gültig,CDU,SPD,CDU Prozent,SPD Anteil\n",
    );
    for i in 0..60u32 {
        let (a, b) = (200 + (i * 37) % 90, 150 + (i * 11) % 70);
        let pct = 100 * a / (a + b);
        csv.push_str(&format!(
            "1,{i},{},{},3,{},{a},{b},{pct},{}\n",
            900 + i,
            a + b + 3,
            a + b,
            100 - pct
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["CDU", "SPD"]);
    assert!(left_out_why(&d, "Land").contains("the same small whole number in every sampled row"));
    assert!(d.roles.registered && d.roles.ballots && d.roles.valid && d.roles.invalid);
    assert_eq!(d.stations[0].ballots, 200 + 150 + 3);
}

#[test]
fn the_russian_protocol_lines_are_read_by_their_names() {
    let mut csv = String::from(
        "region,uik,Число избирателей, включенных в список избирателей,\
         Число избирательных бюллетеней, полученных участковой избирательной комиссией,\
         Число недействительных избирательных бюллетеней,\
         Число действительных избирательных бюллетеней,\
         Число утраченных открепительных удостоверений,Иванов Иван,Петров Пётр\n",
    )
    .replace(", в", " в")
    .replace(", п", " п");
    for i in 0..30u32 {
        let (a, b) = (300 + i % 7, 200 + i % 5);
        csv.push_str(&format!(
            "R1,{i},{},{},4,{},{},{a},{b}\n",
            900 + i,
            950 + i,
            a + b,
            i % 3
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["Иванов Иван", "Петров Пётр"]);
    assert!(d.roles.registered && d.roles.valid && d.roles.invalid && !d.roles.ballots);
    assert_eq!(d.stations[0].registered, Some(900));
    assert_eq!(d.stations[0].ballots, 300 + 200 + 4);
}

#[test]
fn mexican_and_brazilian_count_columns_are_recognised() {
    // INE's casilla files: LISTA_NOMINAL is the register, the rest tallies or parties.
    let mut csv = String::from(
        "CLAVE_CASILLA,ID_ESTADO,LISTA_NOMINAL,PAN,PRI,MORENA,NUM_VOTOS_NULOS,TOTAL_VOTOS_CALCULADOS\n",
    );
    for i in 0..30u32 {
        let (a, b, c) = (100 + i % 7, 80 + i % 5, 150 + i % 3);
        let total = a + b + c + 6;
        csv.push_str(&format!(
            "C{i},{},{},{a},{b},{c},6,{total}\n",
            1 + i / 10,
            500 + i
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["PAN", "PRI", "MORENA"]);
    assert_eq!(d.stations[0].registered, Some(500));
    assert_eq!(d.stations[0].invalid, 6);
    // TSE's: QT_APTOS and QT_COMPARECIMENTO; abstentions are no candidate.
    let mut csv = String::from("NR_SECAO,QT_APTOS,QT_COMPARECIMENTO,QT_ABSTENCOES,A,B\n");
    for i in 0..30u32 {
        let (a, b) = (120 + i % 7, 90 + i % 5);
        csv.push_str(&format!("{i},400,{},{},{a},{b}\n", a + b, 400 - a - b));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    assert!(d.roles.registered && d.roles.ballots);
}

#[test]
fn whole_numbers_with_a_decimal_comma_read_as_counts() {
    let d = load_str("id;registered;A;B\ns1;100,0;40,00;30,0\ns2;90;35,0;30\n");
    assert_eq!(d.rejected.len(), 0);
    assert_eq!(totals(&d)[0], 190);
    assert_eq!(d.votes, [40, 30, 35, 30]);
    // A decimal that is not zero, and three digits after the comma (thousands).
    let mut csv = String::from("id;registered;A;B\ns1;100;40,5;30\ns2;90;35;1,000\n");
    csv.extend((3..12).map(|i| format!("s{i};90;35;30\n")));
    let d = load_str(&csv);
    let got: Vec<(u64, &str)> = (d.rejected.iter())
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(got, [(2, "not-an-integer"), (3, "not-an-integer")]);
}

#[test]
fn a_row_numbering_the_columns_is_left_out_by_rule() {
    for numbers in ["1,2,3,4", "(1),(2),(3),(4)", " 3, 4, 5, 6"] {
        let rows: String = (0..10)
            .map(|i| format!("s{i},{},40,30\n", 90 + i))
            .collect();
        let d = load_str(&format!("id,registered,A,B\n{numbers}\n{rows}"));
        assert_eq!((d.stations.len(), d.rejected.len()), (10, 0), "{numbers}");
        assert!(d.lines.balanced());
        assert_eq!(
            d.excluded[0].rule,
            "column-number row (1, 2, 3, … along the line)"
        );
        assert_eq!(d.excluded[0].rows, 1);
    }
    // A station whose counts rise by other steps, or that has a name, is a station.
    let d = load_str("id,registered,A,B\n1,2,4,5\ns1,100,40,30\n");
    assert_eq!(d.stations.len(), 2);
}

#[test]
fn codes_of_areas_and_rounds_and_pandas_repeats_are_no_candidates() {
    let mut csv = String::from("id,County,Electoral district,round,registered,A,B,A.1\n");
    for i in 0..30 {
        let (a, b) = (200 + (i * 37) % 90, 150 + (i * 11) % 70);
        let pct = 100 * a / (a + b);
        csv.push_str(&format!(
            "s{i},{},{},{},900,{a},{b},{pct}\n",
            7 + i / 10,
            3 + i / 15,
            1 + i % 2
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B"]);
    let left: Vec<&str> = d.left_out.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(left, ["County", "Electoral district", "round", "A.1"]);
    assert!(left_out_why(&d, "A.1").contains("named 'A' again"));
}

#[test]
fn count_columns_named_in_french_spanish_and_german_are_recognised() {
    for (header, roles) in [
        (
            "Inscrits,Votants,Exprimés,Nuls",
            ["registered", "ballots", "valid", "invalid"],
        ),
        (
            "Electores,Votantes,Votos válidos,Votos nulos",
            ["registered", "ballots", "valid", "invalid"],
        ),
        (
            "Wahlberechtigte,Wähler,Gültige Stimmen,Ungültige Stimmen",
            ["registered", "ballots", "valid", "invalid"],
        ),
    ] {
        let csv = format!("id,{header},Dupont,Martin\ns1,100,72,70,2,40,30\ns2,90,66,65,1,35,30\n");
        let d = load_str(&csv);
        let names: Vec<&str> = header.split(',').collect();
        for (name, role) in names.iter().zip(roles) {
            assert_eq!(role_of(&d, name), role, "{header}");
        }
        assert_eq!(d.candidates, ["Dupont", "Martin"]);
    }
}

#[test]
fn a_column_above_the_valid_votes_is_a_tally_and_a_recognised_name_taken_twice_names_its_role() {
    let mut csv = String::from("id,valid,A,B,C,Umschläge\n");
    for i in 0..10 {
        let (a, b, c) = (60 + (i * 7) % 11, 40 + (i * 5) % 9, 10 + i % 4);
        csv.push_str(&format!(
            "s{i},{},{a},{b},{c},{}\n",
            a + b + c,
            a + b + c + 30
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B", "C"]);
    assert!(left_out_why(&d, "Umschläge").contains("a tally"));
    let d = load_str("id,ballots,votes_cast,A,B\ns1,72,72,40,30\ns2,66,66,35,30\n");
    let c = d
        .left_out
        .iter()
        .find(|c| c.column == "votes_cast")
        .unwrap();
    assert!(c.why.contains("named like the ballots column"), "{}", c.why);
    assert!(
        c.fix
            .starts_with("if it holds the ballots, pass --ballots 'votes_cast'"),
        "{}",
        c.fix
    );
}

#[test]
fn a_column_patchy_with_a_placeholder_names_the_placeholder() {
    let csv = common::csv_rows("id,registered,A,B", 40, |i| {
        let b = if i % 3 == 0 {
            "#N/A".to_string()
        } else {
            (30 + i % 7).to_string()
        };
        format!("s{i},100,{},{b}", 40 + i % 5)
    });
    let d = load_str(&csv);
    let why = left_out_why(&d, "B");
    assert!(
        why.contains("the others are mostly '#N/A': if it marks no votes, pass --na '#N/A'"),
        "{why}"
    );
}

#[test]
fn a_candidate_is_compared_with_a_summed_role_as_its_sum_whatever_the_order() {
    // The winner A holds more than `early` alone but less than early + inside.
    let csv = common::csv_rows("id,early,inside,A,B,C", 20, |i| {
        let (a, b, c) = (300 + i % 13, 120 + i % 7, 40 + i % 5);
        format!("s{i},100,{},{a},{b},{c}", a + b + c - 100)
    });
    for order in [["early", "inside"], ["inside", "early"]] {
        let spec = ColumnSpec {
            ballots: strings(&order),
            ..Default::default()
        };
        let d = load_bytes(csv.as_bytes(), spec).unwrap();
        assert_eq!(d.candidates, ["A", "B", "C"], "{order:?}");
        assert!(d.left_out.is_empty(), "{:?}", d.left_out);
    }
}

#[test]
fn without_ids_a_lone_row_too_rare_for_chance_is_rejected_as_entered_twice() {
    // Stations of 300–700 ballots and five candidates: a second station that matches one
    // in every count is far rarer than 1 in 1,000 among 50.
    let csv = common::csv_rows("region,registered,ballots,A,B,C,D,E", 50, |i| {
        let (a, b, c) = (200 + 37 * i % 311, 90 + 53 * i % 173, 20 + 11 * i % 41);
        let (d, e) = (30 + 7 * i % 29, 25 + 13 * i % 31);
        format!(
            "R{},{},{},{a},{b},{c},{d},{e}",
            i % 4,
            900 + 97 * i % 1013,
            a + b + c + d + e
        )
    });
    let mut lines: Vec<&str> = csv.lines().collect();
    let copy = lines[8];
    lines.insert(30, copy);
    let d = load_str(&(lines.join("\n") + "\n"));
    assert_eq!(d.stations.len(), 50);
    assert_eq!(rejected_details(&d).len(), 1);
    let (line, detail) = rejected_details(&d)[0];
    assert_eq!(line, 31);
    assert!(
        detail.starts_with("repeats line 9 in every value, too rare"),
        "{detail}"
    );
    assert!(d.repeated_rows.is_empty());
}

#[test]
fn a_file_without_a_header_is_an_error_not_a_station_lost() {
    let csv = common::csv_rows("S000000,R01,312,150,70,80", 20, |i| {
        format!(
            "S{:06},R0{},{},{},{},{}",
            i + 1,
            i % 3,
            300 + i,
            150 + i,
            70 + i,
            80
        )
    });
    let err = load_bytes(csv.as_bytes(), ColumnSpec::default()).unwrap_err();
    assert!(
        matches!(err, InputError::NoHeader { line: 1, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("('S000000', 'R01', '312', '150', …)"), "{msg}");
    assert!(
        msg.contains("(echo 'c1,c2,c3,c4,c5,c6'; cat FILE) > OUT"),
        "{msg}"
    );
    // Party numbers as candidates' names, beside text names, are a header.
    let d = load_str("Gmina,Powiat,registered,1,2,3\nA,b,100,40,30,20\nC,d,90,30,30,20\n");
    assert_eq!(d.candidates, ["1", "2", "3"]);
    let d = load_str("Gmina,Powiat,1,2,3\nAa,bb,40,30,20\nCc,dd,30,30,20\n");
    assert_eq!(d.candidates, ["1", "2", "3"]);
    let d = load_str("Okrug,1,3,7\nNorth,40,30,20\nSouth,30,30,20\n");
    assert_eq!(d.candidates, ["1", "3", "7"]);
}

#[test]
fn a_delimiter_that_does_not_split_the_header_is_named_not_read_as_a_title() {
    let csv = "id;registered;A;B\ns1;100;50;40\ns2;90;45;40\n";
    let opts = LoadOptions {
        delimiter: Some(b','),
        ..Default::default()
    };
    let err = load_reader("test.csv", csv.as_bytes(), &opts).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("does not split at the delimiter given, ','")
            && msg.contains("pass --delimiter semicolon"),
        "{msg}"
    );
    assert!(!msg.contains("tail -n"), "{msg}");
}

#[test]
fn a_column_numbering_areas_in_runs_is_no_candidate_whatever_its_name() {
    // `Foo` numbers sections in runs of five, starting again in each region of 40 rows;
    // `Fringe` is a small candidate whose votes (0–3) also repeat and step by one.
    let csv = common::csv_rows("id,region,Foo,registered,A,B,Fringe", 120, |i| {
        let fringe = [0, 0, 1, 0, 2, 0, 1, 3, 0, 0, 1][i % 11];
        let (a, b) = (200 + (i * 37) % 101, 150 + (i * 53) % 89);
        format!("s{i},R{},{},900,{a},{b},{fringe}", i / 40, (i % 40) / 5 + 1)
    });
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B", "Fringe"]);
    assert!(left_out_why(&d, "Foo").contains("the number of an area"));
    // Named as an area, with too few rows for the pattern to tell.
    let d = load_str("id,Section,registered,A,B\ns1,1,100,40,30\ns2,1,90,30,30\ns3,2,90,35,30\n");
    assert_eq!(d.candidates, ["A", "B"]);
    // A fringe candidate's zeros and ones, in runs, stay a candidate.
    let csv = common::csv_rows("id,registered,A,B,Fringe", 120, |i| {
        let fringe = usize::from(i % 17 > 12);
        format!(
            "s{i},900,{},{},{fringe}",
            200 + (i * 37) % 101,
            150 + (i * 53) % 89
        )
    });
    assert_eq!(load_str(&csv).candidates, ["A", "B", "Fringe"]);
}

#[test]
fn a_region_joined_into_the_id_is_still_the_region() {
    let csv = "region,station,registered,A,B\nN,1,100,40,30\nS,1,90,30,30\nS,2,80,30,20\n";
    let spec = ColumnSpec {
        id: strings(&["region", "station"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.stations.len(), 3);
    assert_eq!(d.regions, ["N", "S"]);
}

#[test]
fn invisible_characters_around_a_cell_are_no_part_of_it() {
    let mut csv = common::csv_rows("id,registered,A,B", 20, |i| {
        format!("s{i},100,{},30", 40 + i)
    });
    // `s2` + a zero-width space, with a word joiner after a count: `s2` again.
    csv.push_str("s2\u{200B},100,42\u{2060},30\n");
    csv.push_str("s30,80,3\u{200B}0,30\n");
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 20);
    let got = rejected_details(&d);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].1.contains("exact copy of line 4"), "{got:?}");
    // Inside a number it is shown, not hidden.
    assert_eq!(got[1], (23, "column A: '3\\u{200b}0'"));
}

#[test]
fn a_name_typed_composed_finds_a_header_written_decomposed() {
    // The header writes `é` and `ñ` as a letter and a combining mark (NFD).
    let header = "id,registered,Jose\u{301} Pen\u{303}a,B";
    let csv = common::csv_rows(header, 10, |i| format!("s{i},100,{},30", 40 + i));
    let spec = ColumnSpec {
        candidates: cands(&["José Peña", "B"]),
        winner: Some("josé peña".into()),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(d.candidates.len(), 2);
    assert_eq!(d.winner, 0);
}

#[test]
fn a_winner_matching_two_candidates_up_to_case_names_both() {
    let csv = common::csv_rows("id,registered,Candidate A,CANDIDATE a,B", 10, |i| {
        format!("s{i},100,{},20,30", 40 + (i * 7) % 13)
    });
    let spec = ColumnSpec {
        winner: Some("candidate A".into()),
        ..Default::default()
    };
    let msg = load_err(&csv, spec);
    assert!(
        msg.contains("matches several columns when case is ignored ('Candidate A', 'CANDIDATE a')"),
        "{msg}"
    );
}

/// Writes `n` rows of `row(i)` under `header` (semicolons) and loads them.
fn load_rows(header: &str, n: u32, row: impl Fn(u32) -> String) -> Dataset {
    let mut csv = format!("{header}\n");
    for i in 0..n {
        csv.push_str(&row(i));
        csv.push('\n');
    }
    load_str(&csv)
}

#[test]
fn turkish_ukrainian_polish_and_brazilian_protocol_names_are_read_as_their_roles() {
    // Each: registered, ballots or issued, valid, invalid, then two candidates.
    let row = |i: u32| {
        let b = 296 + (i * 37) % 90;
        format!(
            "{i};R{};{};{};{};4;300;{b}",
            i % 3,
            900 + i,
            304 + b,
            300 + b
        )
    };
    let headers = [
        "Sandık No;İl;Kayıtlı Seçmen;Oy Kullanan;Geçerli Oy;Geçersiz Oy;Erdoğan;Kılıçdaroğlu",
        "Nr;Область;Кількість виборців;Кількість виданих бюлетенів;Дійсні;Недійсні;Зеленський;Порошенко",
        "Nr;Województwo;Liczba wyborców;Liczba wydanych kart;Głosy ważne;Głosy nieważne;Duda;Trzaskowski",
        "Nr;UF;Eleitores aptos;Comparecimento;Votos válidos;Votos nulos;LULA;BOLSONARO",
        "Nr;District;Electorate;Ballots;Valid;Rejected;Alpha;Beta",
        "Nr;İl;Kayıtlı Seçmen;Kullanılan Toplam Oy;Geçerli Oy Toplamı;Geçersiz Oy Toplamı;A;B",
        "Nr;Obwód;Liczba wyborców;Liczba kart;Głosy ważne;Głosy nieważne;A;B",
        "Nr;Область;Кількість виборців;Кількість бюлетенів;Кількість дійсних бюлетенів;\
         Кількість недійсних бюлетенів;A;B",
    ];
    for header in headers {
        let d = load_rows(header, 30, row);
        assert_eq!(d.candidates.len(), 2, "{header}: {:?}", d.candidates);
        assert!(
            d.roles.registered && d.roles.valid && d.roles.invalid,
            "{header}"
        );
        assert_eq!(d.stations[0].registered, Some(900), "{header}");
        assert_eq!(d.stations[0].valid, 596, "{header}");
        assert_eq!(d.stations[1].valid, 633, "{header}");
    }
}

#[test]
fn abstentions_and_non_voters_are_no_candidates() {
    for name in [
        "Did not vote",
        "Abstained",
        "Non-voters",
        "Absent",
        "Not voted",
    ] {
        let header = format!("id;region;registered;{name};A;B");
        let d = load_rows(&header, 30, |i| {
            format!("s{i};R1;{};300;400;{}", 900 + i, 200 + (i * 37) % 90)
        });
        assert_eq!(d.candidates, ["A", "B"], "{name}");
    }
    // A party whose name merely holds 'not' or 'no' stays a candidate.
    let d = load_rows("id;region;registered;Not Me Party;B", 30, |i| {
        format!("s{i};R1;{};300;{}", 900 + i, 200 + (i * 37) % 90)
    });
    assert_eq!(d.candidates, ["Not Me Party", "B"]);
}

#[test]
fn spreadsheet_text_guards_around_ids_and_counts_are_read_through() {
    let csv = "station,region,registered,A,B\n\
               =\"001\",=\"North\",=\"1814\",=\"682\",=\"882\"\n\
               =\"002\",=\"North\",=\"1941\",=\"607\",=\"879\"\n";
    let d = load_str(csv);
    assert_eq!(ids(&d), ["001", "002"]);
    assert_eq!(d.regions, ["North"]);
    assert_eq!(d.stations[1].registered, Some(1941));
    assert_eq!(d.votes_of(0), [682, 882]);
}

#[test]
fn a_dot_zero_count_that_as_thousands_would_pass_the_register_is_read_as_written() {
    // Two exports merged: a third of the rows write invalid as `16.000`. As 16,000 it
    // would pass the station's register, so it is 16, evidence or not.
    let mut csv = String::from("id;registered;ballots;invalid;A;B\n");
    for i in 0..60u32 {
        let inv = 10 + i % 7;
        let cell = if i % 3 == 0 {
            format!("{inv}.000")
        } else {
            inv.to_string()
        };
        let (a, b) = (300 + (i * 37) % 90, 200 + (i * 11) % 70);
        csv.push_str(&format!(
            "s{i};{};{};{cell};{a};{b}\n",
            900 + i,
            a + b + inv
        ));
    }
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 60, "{:?}", d.rejected.first());
    assert_eq!(d.stations[0].invalid, 10);
    // The register itself written `1.000` is still a guess.
    let d = load_str("id;registered;A;B\ns1;1.000;300;200\ns2;900;310;220\ns3;800;300;200\n");
    assert_eq!(d.stations.len(), 2);
}

/// `rows` stations of two or more candidates, as `header` names them, with each row's
/// cells from `row(i)`.
fn table(header: &str, rows: usize, row: impl Fn(u64) -> String) -> String {
    let mut csv = format!("{header}\n");
    for i in 0..rows as u64 {
        csv.push_str(&row(i));
        csv.push('\n');
    }
    csv
}

#[test]
fn a_no_beside_a_yes_in_another_language_is_the_other_answer() {
    // `No` reads as a number's abbreviation: it was left out, and `Sí` won 100%.
    for yes in ["Sí", "Sì", "Sim", "Tak"] {
        let header = format!("id,registered,ballots,{yes},No");
        let csv = table(&header, 12, |i| {
            let (y, n) = (300 + 7 * i, 200 + 11 * (i % 5));
            format!("s{i},900,{},{y},{n}", y + n + 4)
        });
        let d = load_str(&csv);
        assert_eq!(d.candidates, [yes, "No"], "{yes}");
    }
}

#[test]
fn code_named_columns_the_candidates_need_to_add_up_are_candidates() {
    // `Party X` and `Party Y` (x and y read as coordinates), and pandas' `Alpha.1` (a
    // second column of the same name), were left out though valid is their sum.
    let csv = table("id,valid,Party W,Party X,Party Y,ward", 12, |i| {
        let (w, x, y) = (100 + 3 * i, 50 + 5 * (i % 4), 20 + i);
        format!("s{i},{},{w},{x},{y},{}", w + x + y, 1 + i / 4)
    });
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["Party W", "Party X", "Party Y"]);
    assert!(d.left_out.iter().any(|c| c.column == "ward"));
    let csv = table("id,valid,Alpha,Alpha.1,Gamma", 12, |i| {
        let (a, b, g) = (100 + 3 * i, 50 + 5 * (i % 4), 20 + i);
        format!("s{i},{},{a},{b},{g}", a + b + g)
    });
    assert_eq!(load_str(&csv).candidates, ["Alpha", "Alpha.1", "Gamma"]);
    // With neither valid nor invalid, the votes fall a little short of the ballots.
    let csv = table("id,ballots,Left,Party Y", 12, |i| {
        let (l, y) = (100 + 3 * i, 50 + 5 * (i % 4));
        format!("s{i},{},{l},{y}", l + y + i % 3)
    });
    assert_eq!(load_str(&csv).candidates, ["Left", "Party Y"]);
    // A code column the candidates do not need stays out.
    let csv = table("id,ballots,Left,Right,Party Y", 12, |i| {
        let (l, r) = (100 + 3 * i, 50 + 5 * (i % 4));
        format!("s{i},{},{l},{r},{}", l + r, 1 + i % 3)
    });
    assert_eq!(load_str(&csv).candidates, ["Left", "Right"]);
}

#[test]
fn count_columns_named_with_qualifiers_take_their_roles() {
    // Each header read as a candidate's or as no role: registered absent, and the note
    // advised `--candidate 'Total registered'`.
    let headers = [
        ["Total registered", "Total ballots", "Valid", "Invalid"],
        ["n_registered", "n_ballots", "n_valid", "n_invalid"],
        ["Registered (total)", "Ballots", "Valid", "Invalid"],
        [
            "VOTERS_REGISTERED",
            "Ballots",
            "VALID_VOTES",
            "INVALID_VOTES",
        ],
        [
            "Число избирателей, внесенных в список",
            "Число бюллетеней в ящиках",
            "Действительных",
            "Недействительных",
        ],
    ];
    for h in headers {
        // The first name quoted: the Russian one holds a comma.
        let header = format!("id,\"{}\",{},A,B", h[0], h[1..].join(","));
        let csv = table(&header, 6, |i| {
            format!(
                "s{i},{},{},{},2,{},{}",
                900 + i,
                500 + i,
                498 + i,
                300 + i,
                198
            )
        });
        let d = load_str(&csv);
        let roles: Vec<&str> = h.iter().map(|c| role_of(&d, c)).collect();
        assert_eq!(
            roles,
            ["registered", "ballots", "valid", "invalid"],
            "{h:?}"
        );
        assert_eq!(d.candidates, ["A", "B"], "{h:?}");
    }
    // A count named with a role's word that no list holds: the fix is the role's flag.
    let csv = table("id,BALLOTS_ISSUED,valid,A,B", 6, |i| {
        format!("s{i},{},{},{},{}", 500 + 7 * (i % 3), 498, 300, 198)
    });
    let d = load_str(&csv);
    let c = d
        .left_out
        .iter()
        .find(|c| c.column == "BALLOTS_ISSUED")
        .unwrap();
    assert!(c.fix.contains("--ballots 'BALLOTS_ISSUED'"), "{}", c.fix);
}

/// Four candidates' votes at station `i`, their sum and the invalid ballots.
fn votes(i: u64) -> ([u64; 4], u64, u64) {
    let v = [
        300 + 7 * (i % 9),
        200 + 11 * (i % 5),
        90 + 3 * (i % 7),
        40 + i % 4,
    ];
    (v, v.iter().sum(), 3 + i % 5)
}

#[test]
fn a_qualified_voters_column_is_never_the_registered_beside_the_electors() {
    // India's `Total Voters` (the ballots) took the registered role before `Total
    // Electors`, and turnout read 99%.
    let header = "Station,Total Electors,Total Voters,A,B,C,D";
    let csv = table(header, 12, |i| {
        let ([a, b, c, d], valid, inv) = votes(i);
        format!("s{i},{},{},{a},{b},{c},{d}", 2000 + i, valid + inv)
    });
    let d = load_str(&csv);
    assert_eq!(role_of(&d, "Total Electors"), "registered");
    assert_eq!(role_of(&d, "Total Voters"), "ignored");
    assert_eq!(d.candidates, ["A", "B", "C", "D"]);
    let note = d
        .left_out
        .iter()
        .find(|l| l.column == "Total Voters")
        .unwrap();
    assert!(note.fix.contains("--ballots 'Total Voters'"), "{note:?}");
    // `Number of voters` and `Voters count` beside the electors are no candidates.
    for name in ["Number of voters", "Voters count"] {
        let d = load_str(&csv.replacen("Total Voters", name, 1));
        assert_eq!(role_of(&d, name), "ignored", "{name}");
        assert_eq!(d.candidates.len(), 4, "{name}");
    }
}

#[test]
fn a_registered_column_equal_to_the_ballots_is_refused() {
    // `voters` recognised as the registered held the ballots: turnout read 100%.
    let csv = table("id,voters,ballots,valid,invalid,A,B,C,D", 12, |i| {
        let ([a, b, c, d], valid, inv) = votes(i);
        let cast = valid + inv;
        format!("s{i},{cast},{cast},{valid},{inv},{a},{b},{c},{d}")
    });
    let d = load_str(&csv);
    assert_eq!(role_of(&d, "voters"), "ignored");
    assert_eq!(totals(&d)[0], 0);
    assert_eq!(d.candidates, ["A", "B", "C", "D"]);
    let note = d.left_out.iter().find(|l| l.column == "voters").unwrap();
    assert!(
        note.why.contains("equals the ballots cast in 12 of 12"),
        "{note:?}"
    );
    assert!(note.fix.contains("--registered 'voters'"), "{note:?}");
    // Given by the flag, it is read as told.
    let spec = ColumnSpec {
        registered: strings(&["voters"]),
        ..Default::default()
    };
    let d = load_bytes(csv.as_bytes(), spec).unwrap();
    assert_eq!(role_of(&d, "voters"), "registered");
}

#[test]
fn voters_who_took_part_are_never_advised_as_the_registered() {
    let header = "id,Число избирателей, принявших участие в голосовании,A,B,C";
    let csv = table(&header.replace(", п", " п"), 12, |i| {
        let ([a, b, c, _], _, inv) = votes(i);
        format!("s{i},{},{a},{b},{c}", a + b + c + inv)
    });
    let d = load_str(&csv);
    let note = &d.left_out[0];
    assert!(note.column.starts_with("Число избирателей"), "{note:?}");
    assert!(!note.fix.contains("--registered"), "{note:?}");
}

#[test]
fn a_column_holding_the_other_candidates_sum_and_a_little_more_is_a_total() {
    // `voters_count` (the ballots) beside the registered was read as a candidate, and won.
    let csv = table("id,registered,voters_count,A,B,C,D", 12, |i| {
        let ([a, b, c, d], valid, inv) = votes(i);
        format!("s{i},{},{},{a},{b},{c},{d}", 2000 + i, valid + inv)
    });
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B", "C", "D"]);
    // Without a tally's name, the values tell: the fix is --ballots.
    let d = load_str(&csv.replacen("voters_count", "Summa", 1));
    assert_eq!(d.candidates, ["A", "B", "C", "D"]);
    let note = d.left_out.iter().find(|l| l.column == "Summa").unwrap();
    assert!(note.fix.contains("--ballots 'Summa'"), "{note:?}");
    // A winner far above the rest's sum stays a candidate.
    let csv = table("id,registered,ballots,A,B,C", 12, |i| {
        let (a, b, c) = (900 + 13 * i, 40 + (7 * i) % 11, 30 + (5 * i) % 13);
        format!("s{i},{},{},{a},{b},{c}", 2000 + i, a + b + c + 5)
    });
    assert_eq!(load_str(&csv).candidates, ["A", "B", "C"]);
    // Counts of places are no votes.
    for name in ["n_stations", "stations count", "Polling stations", "Boxes"] {
        let csv = table(&format!("id,registered,{name},A,B"), 12, |i| {
            format!(
                "s{i},{},{},{},{}",
                2000 + i,
                1 + i % 3,
                300 + (7 * i) % 11,
                200 + (3 * i) % 7
            )
        });
        let d = load_str(&csv);
        assert_eq!(d.candidates, ["A", "B"], "{name}");
    }
}

#[test]
fn two_left_out_columns_that_complete_the_sum_alike_are_neither_restored() {
    // Brazil's `Nr 95` (blank) and `Nr 96` (null) each brought the candidates within a
    // tenth under the ballots: the first was restored as a candidate.
    let csv = table("id,ballots,Lula,Tebet,Ciro,Nr 95,Nr 96", 12, |i| {
        let (l, t, c) = (500 + 9 * i, 300 + 5 * i, 100 + (7 * i) % 11);
        let (blank, null) = (40 + i % 4, 60 + i % 6);
        format!(
            "s{i},{},{l},{t},{c},{blank},{null}",
            l + t + c + blank + null
        )
    });
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["Lula", "Tebet", "Ciro"]);
    for name in ["Nr 95", "Nr 96"] {
        let note = d.left_out.iter().find(|l| l.column == name).unwrap();
        assert!(note.why.contains("'Nr 95' or 'Nr 96'"), "{note:?}");
        assert!(note.fix.contains("--candidate"), "{note:?}");
    }
    // In the other order, the same.
    let swapped = csv.replace("Nr 95,Nr 96", "Nr 96,Nr 95");
    assert_eq!(load_str(&swapped).candidates, ["Lula", "Tebet", "Ciro"]);
    // pandas' copy of `Party X` completes the sum as it does: `Party X` is the one.
    let csv = table("id,valid,Party A,Party B,Party X,Party X.1", 12, |i| {
        let (a, b, x) = (300 + 9 * i, 200 + (7 * i) % 11, 50 + (5 * i) % 13);
        format!("s{i},{},{a},{b},{x},{x}", a + b + x)
    });
    assert_eq!(load_str(&csv).candidates, ["Party A", "Party B", "Party X"]);
}

#[test]
fn a_trailing_candidate_some_rows_leave_off_is_no_notes_column() {
    // `E` stands in a third of the stations; the rest leave its field off, and one row
    // writes `n/a`. It was read as an optional notes column: the rows with its votes
    // were rejected as shifted, and `E` vanished.
    let csv = table("id,registered,ballots,A,B,C,E", 30, |i| {
        let ([a, b, c, _], _, _) = votes(i);
        let e = match i % 3 {
            0 if i == 0 => ",n/a".to_string(),
            0 => format!(",{}", 50 + i),
            _ => String::new(),
        };
        format!("s{i},2000,{},{a},{b},{c}{e}", a + b + c + 60)
    });
    let d = load_str(&csv);
    assert_eq!(d.candidates, ["A", "B", "C", "E"]);
    assert_eq!(d.stations.len(), 9);
    assert_eq!(d.rejected.len(), 21);
    let short = d
        .rejected
        .iter()
        .filter(|r| r.reason == "wrong-field-count");
    assert_eq!(short.count(), 20);
    assert_eq!(d.lines.used + d.lines.rejected + d.lines.header, 31);
}

#[test]
fn a_short_row_ending_in_an_empty_notes_field_lost_a_middle_field() {
    // `s3` lost its `invalid` but kept the empty comment: one field short, it was read as
    // a row that left the comment off, every count one column left.
    let mut csv = table("id,ballots,valid,invalid,A,B,C,D,comment", 20, |i| {
        let ([a, b, c, d], valid, inv) = votes(i);
        let note = if i % 4 == 0 { ",seal intact" } else { "" };
        format!("s{i},{},{valid},{inv},{a},{b},{c},{d}{note}", valid + inv)
    });
    csv.push_str("s20,1110,1100,10,500,300,200,100,\ns21,1110,1100,500,300,200,100,\n");
    let d = load_str(&csv);
    assert_eq!(d.stations.len(), 21);
    assert_eq!(rejected_details(&d).len(), 1);
    let r = &d.rejected[0];
    assert_eq!((r.line, r.reason.as_str()), (23, "wrong-field-count"));
    assert!(r.detail.contains("lost a field"), "{}", r.detail);
    assert!(r.detail.contains("'comment'"), "{}", r.detail);
    assert_eq!(d.lines.used + d.lines.rejected + d.lines.header, 23);
}
