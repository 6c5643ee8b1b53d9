//! The HTML report of the sample election in a real browser (headless Chromium): the page
//! loads without console messages, holds the expected charts, and a screenshot is taken.
//! Skips with a message where Chromium is absent (`.ci/run` installs Debian's `chromium`).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    let names = ["chromium", "chromium-browser", "google-chrome"];
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    println!("skipped: no chromium on PATH (apt-get install chromium)");
    None
}

/// Runs headless Chromium on `page` with `args`; returns (stdout, stderr).
fn browse(chromium: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Process::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The sample election's audit (fewer fingerprint replicates, for time) as HTML and JSON.
fn sample_reports(dir: &Path) -> (PathBuf, Value) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kz2022-sim.csv");
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    for (format, path) in [("html", &html), ("json", &json)] {
        Command::cargo_bin("elaudit")
            .unwrap()
            .arg("audit")
            .arg(&sample)
            .args(["--quiet", "--by-region", "--format", format])
            .args([
                "--fingerprint-replicates",
                "4",
                "--fingerprint-null-replicates",
                "5",
            ])
            .arg("--output")
            .arg(path)
            .assert()
            .code(0);
    }
    let json: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (html, json)
}

/// Charts the report should hold: one per applicable digit result, two histograms from
/// integer-percent, the fingerprint's observed and fair maps (and its fraud map when it
/// reports stuffing) with their legend, and one map per region (up to 24).
fn expected_charts(report: &Value) -> usize {
    let checks = report["checks"].as_array().unwrap();
    let applicable = |id: &str, subject: Option<&str>| {
        checks
            .iter()
            .filter(|c| c["id"] == id && c["applicable"] == true)
            .filter(|c| subject.is_none_or(|s| c["subject"] == s))
            .count()
    };
    applicable("second-digit", None)
        + applicable("last-digit", None)
        + applicable("integer-percent", Some("turnout"))
        + applicable("integer-percent", Some("winner-result"))
        + checks
            .iter()
            .filter(|c| c["id"] == "fingerprint" && c["applicable"] == true)
            .map(|c| 3 + usize::from(c["detail"]["fraud_selected"] == true))
            .sum::<usize>()
        + report["regions"].as_array().map_or(0, |r| r.len().min(24))
}

#[test]
fn the_sample_report_loads_cleanly_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (page, report) = sample_reports(dir.path());
    let (dom, log) = browse(&chromium, &page, &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    let expected = expected_charts(&report);
    assert!(expected >= 20, "{expected}");
    assert_eq!(dom.matches("<svg").count(), expected, "charts in the DOM");
    assert!(dom.contains("id=\"verdict\"") && dom.contains("id=\"reproduce\""));

    let shot = dir.path().join("report.png");
    browse(
        &chromium,
        &page,
        &[
            "--hide-scrollbars",
            "--window-size=1280,1600",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "{}",
        png.len()
    );
}

#[test]
fn hostile_names_do_not_become_elements() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let img = "\"\"><img src=x onerror=alert(1)>";
    let mut csv = String::from(
        "station,region,registered,ballots,valid,invalid,\"<script>alert(1)</script>\",B\n",
    );
    for i in 0..200 {
        let region = if i % 2 == 0 { img } else { "North" };
        csv.push_str(&format!(
            "S{i},\"{region}\",1000,{},{},0,{},250\n",
            600 + i,
            600 + i,
            350 + (i * 37) % 100
        ));
    }
    let input = dir.path().join("hostile.csv");
    std::fs::write(&input, csv).unwrap();
    let page = dir.path().join("hostile.html");
    let out = Command::cargo_bin("elaudit")
        .unwrap()
        .arg("audit")
        .arg(&input)
        .args(["--quiet", "--by-region", "--format", "html"])
        .args(["--checks", "second-digit,integer-percent", "--output"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let (dom, log) = browse(&chromium, &page, &["--dump-dom"]);
    assert!(!log.contains(":CONSOLE"), "{log}");
    assert!(!dom.contains("<img"), "an img element reached the DOM");
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}
