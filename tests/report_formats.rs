//! Each report format, pinned by a snapshot on a small seeded election, and the HTML
//! report's escaping of names that come from the input.

use std::path::Path;

use assert_cmd::Command;

fn elaudit() -> Command {
    Command::cargo_bin("elaudit").unwrap()
}

/// A 400-station election in four regions, written as `small.csv` in `dir`.
fn small_election(dir: &Path) {
    elaudit()
        .current_dir(dir)
        .args([
            "simulate",
            "--stations",
            "400",
            "--regions",
            "4",
            "--seed",
            "5",
        ])
        .args(["-o", "small.csv"])
        .assert()
        .code(0);
}

/// The report of `small.csv` in `format` (the file's name is relative, so the recorded
/// command does not depend on the temporary folder).
fn report(dir: &Path, format: &str) -> String {
    let out = elaudit()
        .current_dir(dir)
        .args([
            "audit",
            "small.csv",
            "--quiet",
            "--by-region",
            "--format",
            format,
        ])
        .args([
            "--checks",
            "protocol-arithmetic,second-digit,last-digit,integer-percent",
        ])
        .args(["--integer-percent-replicates", "20", "--seed", "9"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_format_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    small_election(dir.path());
    for format in ["text", "json", "markdown", "csv", "html"] {
        let text = report(dir.path(), format);
        assert!(text.ends_with('\n'), "{format} does not end with a newline");
        insta::assert_snapshot!(format!("report_{format}"), text);
    }
}

#[test]
fn the_text_report_opens_with_the_verdict_and_never_cuts_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let long = "Всероссийская политическая партия «ЕДИНАЯ РОССИЯ» и её сторонники";
    let csv = format!(
        "station,registered,ballots,valid,invalid,{long},Б\n{}",
        (0..150)
            .map(|i| format!(
                "S{i},1000,{},{},0,{},{}\n",
                600 + i,
                600 + i,
                400 + (i * 37) % 150,
                200
            ))
            .collect::<String>()
    );
    std::fs::write(dir.path().join("long.csv"), csv).unwrap();
    let out = elaudit()
        .current_dir(dir.path())
        .args(["audit", "long.csv", "--quiet", "--checks", "second-digit"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("  Data: 150 stations"), "{text}");
    assert!(lines[2].starts_with("  Result: "), "{text}");
    let sha = lines
        .iter()
        .position(|l| l.starts_with("  sha256"))
        .unwrap();
    assert!(
        lines[3..sha]
            .iter()
            .any(|l| l.starts_with("  Not flagged: ")),
        "{text}"
    );
    // The table row names the party in full.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  second-digit") && l.ends_with(long)),
        "{text}"
    );
    assert!(!text.contains('…'), "{text}");
}

#[test]
fn names_from_the_input_are_escaped_in_html() {
    let dir = tempfile::tempdir().unwrap();
    let script = "<script>alert(1)</script>";
    let img = "\"><img src=x onerror=alert(1)>";
    let mut csv = format!(
        "station,region,registered,ballots,valid,invalid,\"{}\",Other\n",
        script
    );
    for i in 0..300 {
        let region = if i % 2 == 0 {
            img.replace('"', "\"\"")
        } else {
            "B".into()
        };
        csv.push_str(&format!(
            "\"{img}{i}\",\"{region}\",1000,{},{},0,{},{}\n",
            600 + i,
            600 + i,
            350 + i,
            250,
            img = img.replace('"', "\"\"")
        ));
    }
    // Some rows the loader rejects, so that station names reach the rejected-rows table.
    csv.push_str("\"<b>bad</b>\",B,abc,1,1,0,1,0\n");
    std::fs::write(dir.path().join("hostile.csv"), csv).unwrap();
    let out = elaudit()
        .current_dir(dir.path())
        .args([
            "audit",
            "hostile.csv",
            "--quiet",
            "--format",
            "html",
            "--by-region",
        ])
        .args([
            "--checks",
            "protocol-arithmetic,second-digit,integer-percent",
        ])
        .args(["--integer-percent-replicates", "0"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&quot;&gt;&lt;img src=x"),
        "the region is shown"
    );
    assert!(
        html.contains("&lt;b&gt;bad&lt;/b&gt;"),
        "the rejected station is shown"
    );
    assert!(!html.contains("<img"), "an img element reached the page");
    assert!(!html.contains("<b>bad"));
    // The only script is the page's own sorting code.
    assert_eq!(html.matches("<script").count(), 1);
}
