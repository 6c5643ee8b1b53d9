//! `elaudit benchmark` on a tiny configuration: the table's flag rates are the counts of
//! the per-election reports it came from, its intervals are Wilson's, the thread count
//! changes nothing, and a report's recorded command reproduces it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::elaudit;
use elaudit::benchmark::interval::wilson_95;
use serde_json::Value;

const CONFIG: &str = "seed = 9\nseeds = 3\nstations = 800\noutput = \"out\"\nreports = true\n\
[options]\nskip = \"fingerprint\"\nalpha = 0.05\n\
[[scenario]]\nname = \"clean\"\ndescription = \"fair\"\n\
[[scenario]]\nname = \"integer\"\ninteger_percent = 0.15\n\
[[scenario]]\nname = \"invented\"\ninvented_counts = 0.3\nsize_median = 3000.0\n";

fn run_benchmark(dir: &Path, out: &str, threads: &str) -> Value {
    let config = dir.join("bench.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let output = elaudit()
        .arg("benchmark")
        .arg(&config)
        .args(["-q", "--threads", threads, "-o", out])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(Path::new(out).join("benchmark.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// (scenario, check) → elections flagged, counted from the reports themselves.
fn flags_from_reports(out: &Path, table: &Value) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for e in table["elections"].as_array().unwrap() {
        let file = out.join(e["report"].as_str().unwrap());
        let report: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(report["seed"], e["audit_seed"]);
        for c in report["checks"].as_array().unwrap() {
            let key = (
                e["scenario"].as_str().unwrap().to_string(),
                c["id"].as_str().unwrap().to_string(),
            );
            let entry = counts.entry(key.clone()).or_insert((0u64, Vec::new()));
            // A check flags an election when any of its subjects is flagged.
            if c["flagged"] == true && !entry.1.contains(&e["index"]) {
                entry.0 += 1;
                entry.1.push(e["index"].clone());
            }
        }
    }
    counts.into_iter().map(|(k, (n, _))| (k, n)).collect()
}

#[test]
fn rates_match_the_reports_they_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let table = run_benchmark(dir.path(), out.to_str().unwrap(), "2");
    let from_reports = flags_from_reports(&out, &table);
    let rates = table["rates"].as_array().unwrap();
    // 3 scenarios × the 5 flaggable checks left when the fingerprint is skipped.
    assert_eq!(rates.len(), 15);
    assert_eq!(table["elections"].as_array().unwrap().len(), 9);
    for r in rates {
        let key = (
            r["scenario"].as_str().unwrap().to_string(),
            r["check"].as_str().unwrap().to_string(),
        );
        let flagged = r["flagged"].as_u64().unwrap();
        assert_eq!(flagged, from_reports[&key], "{key:?}");
        assert_eq!(r["elections"], 3);
        assert_eq!(r["rate"].as_f64().unwrap(), flagged as f64 / 3.0);
        let (lo, hi) = wilson_95(flagged, 3);
        assert_eq!(
            (r["ci_low"].as_f64(), r["ci_high"].as_f64()),
            (Some(lo), Some(hi))
        );
    }
    let rate = |s: &str, c: &str| {
        rates
            .iter()
            .find(|r| r["scenario"] == s && r["check"] == c)
            .unwrap()["flagged"]
            .as_u64()
            .unwrap()
    };
    // What was planted is caught every time.
    assert_eq!(rate("integer", "integer-percent"), 3);
    assert_eq!(rate("invented", "last-digit"), 3);

    // The Markdown table shows the same counts as percentages.
    let md = std::fs::read_to_string(out.join("benchmark.md")).unwrap();
    assert!(md.contains("| integer |"), "{md}");
    assert!(md.contains("100% (44–100)"), "{md}");
    assert!(md.contains("- **clean**: fair (`elaudit simulate --stations=800`)"));

    // One thread gives the same tables and reports.
    let out1 = dir.path().join("b");
    run_benchmark(dir.path(), out1.to_str().unwrap(), "1");
    for f in [
        "benchmark.csv",
        "benchmark.md",
        "benchmark.json",
        "reports/invented-0002.json",
    ] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(out1.join(f)).unwrap(),
            "{f} depends on the thread count"
        );
    }
}

#[test]
fn a_reports_recorded_command_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    run_benchmark(dir.path(), out.to_str().unwrap(), "2");
    let text = std::fs::read_to_string(out.join("reports/integer-0001.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    let command = report["command"].as_str().unwrap();
    let (sim, audit) = command.split_once(" | ").unwrap();
    let words = |s: &str| -> Vec<String> { s.split(' ').skip(1).map(String::from).collect() };
    let csv = elaudit().args(words(sim)).output().unwrap();
    assert_eq!(csv.status.code(), Some(0));
    let again = elaudit()
        .args(words(audit))
        .args(["--format", "json"])
        .write_stdin(csv.stdout)
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["checks"], report["checks"]);
    assert_eq!(again["input"]["sha256"], report["input"]["sha256"]);
}

#[test]
fn a_bad_configuration_names_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("b.toml");
    std::fs::write(&config, "[[scenario]]\nname = \"x\"\nextreme = 1.5\n").unwrap();
    let out = elaudit().arg("benchmark").arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("b.toml: scenario 'x'"), "{err}");
    assert!(err.contains("extreme"), "{err}");
}
