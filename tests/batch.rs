//! `elaudit batch` and `elaudit merge` end to end: simulated elections with and without
//! planted irregularities plus broken entries give the right rows, flags, errors and
//! exit status; shards merge into the bytes of one run; order and threads change nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::elaudit;
use elaudit::simulate::{ElectionSpec, Fraud, simulate, write_csv};
use serde_json::Value;

const STATIONS: usize = 2000;

/// Writes a simulated election to `dir/name.csv`.
fn write_election(dir: &Path, name: &str, seed: u64, fraud: Fraud) {
    let spec = ElectionSpec {
        fraud,
        ..ElectionSpec::clean(STATIONS)
    };
    let sim = simulate(&spec, seed);
    let mut bytes = Vec::new();
    write_csv(&sim.dataset, &mut bytes).unwrap();
    std::fs::write(dir.join(format!("{name}.csv")), bytes).unwrap();
}

/// The elections of the tests' manifest, in manifest order: (name, TOML body).
fn entries() -> Vec<(&'static str, String)> {
    let e = |name: &str, path: &str, extra: &str| {
        format!("[[election]]\nname = \"{name}\"\npath = \"{path}\"\n{extra}\n")
    };
    vec![
        ("clean-a", e("clean-a", "clean-a.csv", "reference = true")),
        ("clean-b", e("clean-b", "clean-b.csv", "reference = true")),
        ("clean-c", e("clean-c", "clean-c.csv", "")),
        ("rigged", e("rigged", "rigged.csv", "")),
        // The fingerprint runs here only, with few replicates, to keep the test short
        // (at 5 the extreme reading's bootstrap sd is too noisy to hold the flag).
        (
            "stuffed",
            e(
                "stuffed",
                "stuffed.csv",
                "skip = \"turnout-shape\"\nfingerprint_replicates = 10\n\
                 fingerprint_null_replicates = 5",
            ),
        ),
        ("missing", e("missing", "no-such-file.csv", "")),
        (
            "bad-header",
            e(
                "bad-header",
                "clean-a.csv",
                "[election.columns]\nregistered = \"electorate_2024\"",
            ),
        ),
    ]
}

/// A folder with the elections' files and a manifest of `names` (in that order).
fn setup(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_election(d, "clean-a", 1, Fraud::default());
    write_election(d, "clean-b", 2, Fraud::default());
    write_election(d, "clean-c", 3, Fraud::default());
    let rigged = Fraud {
        integer_percent: 0.1,
        ..Fraud::default()
    };
    write_election(d, "rigged", 4, rigged);
    let stuffed = Fraud {
        extreme: 0.04,
        incremental: 0.1,
        ..Fraud::default()
    };
    write_election(d, "stuffed", 5, stuffed);
    let manifest = write_manifest(d, "manifest.toml", names);
    (dir, manifest)
}

fn write_manifest(dir: &Path, file: &str, names: &[&str]) -> PathBuf {
    let all = entries();
    let mut text =
        String::from("seed = 11\noutput = \"out\"\n[defaults]\nskip = \"fingerprint\"\n\n");
    for n in names {
        text.push_str(&all.iter().find(|(m, _)| m == n).unwrap().1);
    }
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> i32 {
    let out = elaudit().args(args).output().unwrap();
    assert!(
        out.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.code().unwrap()
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn comparison(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("comparison.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn row<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

/// `name.html` beside `name.json`: one page, named for the election, that loads nothing
/// from the network.
fn assert_self_contained_html(out: &Path, name: &str) {
    let path = out.join(format!("{name}.html"));
    let page = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", path.display());
    assert!(
        page.contains(&format!(
            "<h1>Election audit of {name}: <code>{name}.csv</code></h1>"
        )),
        "{name}.html does not name its election"
    );
    for attr in ["src=", "href=", "url("] {
        for quote in ["", "\"", "'"] {
            for scheme in ["http://", "https://", "//"] {
                let link = format!("{attr}{quote}{scheme}");
                assert!(!page.contains(&link), "{name}.html loads {link}…");
            }
        }
    }
}

fn check<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

fn figure<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap()
}

#[test]
fn rows_flags_errors_and_exit_status() {
    let names: Vec<&str> = entries().iter().map(|(n, _)| *n).collect();
    let (dir, manifest) = setup(&names);
    let m = manifest.to_str().unwrap();
    let done = elaudit().args(["batch", m, "-q"]).output().unwrap();
    assert_eq!(done.status.code(), Some(2), "a failed election exits 2");
    // Each failure is said at once, not only in the comparison.
    let stderr = String::from_utf8_lossy(&done.stderr);
    for failed in ["missing", "bad-header"] {
        let said = format!("elaudit: election '{failed}' failed:");
        assert!(stderr.contains(&said), "{failed}: {stderr}");
    }
    let out = dir.path().join("out");
    let c = comparison(&out);
    assert_eq!(c["references"], serde_json::json!(["clean-a", "clean-b"]));
    // Sorted by name, whatever the manifest order.
    let order: Vec<&str> = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    for clean in ["clean-a", "clean-b", "clean-c"] {
        let r = row(&c, clean);
        assert_eq!(r["flagged"], false, "{clean}: {r}");
        assert_eq!(r["stations"], STATIONS as u64);
        assert_eq!(r["rejected"], 0);
        assert!(r["error"].is_null());
        assert!(out.join(format!("{clean}.json")).is_file());
        assert_self_contained_html(&out, clean);
    }
    let rigged = row(&c, "rigged");
    assert_eq!(rigged["flagged"], true);
    assert_eq!(check(rigged, "integer-percent")["flagged"], true);
    assert_eq!(check(rigged, "fingerprint")["p_adjusted"], Value::Null);
    let excess = figure(rigged, "integer_percent_excess");
    let (value, ref_max) = (
        excess["value"].as_f64().unwrap(),
        excess["ref_max"].as_f64().unwrap(),
    );
    assert!(value > 0.03 && value > ref_max + 0.03, "{excess}");
    assert_eq!(excess["ref_percentile"], 100.0);
    // A ratio only to a largest reference above 0.
    match excess["ref_ratio"].as_f64() {
        Some(r) => assert!(
            ref_max > 0.0 && (r - value / ref_max).abs() < 1e-12,
            "{excess}"
        ),
        None => assert!(ref_max <= 0.0 || value <= 0.0, "{excess}"),
    }

    let stuffed = row(&c, "stuffed");
    assert_eq!(check(stuffed, "fingerprint")["flagged"], true, "{stuffed}");
    let fe = figure(stuffed, "fingerprint_f_extreme")["value"]
        .as_f64()
        .unwrap();
    assert!((0.02..0.06).contains(&fe), "f_e {fe}, planted 0.04");

    let missing = row(&c, "missing");
    let err = missing["error"].as_str().unwrap();
    assert!(err.contains("no-such-file.csv: cannot read"), "{err}");
    assert_eq!(missing["flagged"], false);
    assert!(!out.join("missing.json").exists());
    assert!(!out.join("missing.html").exists());
    // The fingerprint's maps are drawn where it ran.
    assert_self_contained_html(&out, "stuffed");
    let page = std::fs::read_to_string(out.join("stuffed.html")).unwrap();
    assert!(
        page.contains("simulated from the fitted fair model"),
        "no fitted fair map in stuffed.html"
    );
    let bad = row(&c, "bad-header")["error"].as_str().unwrap().to_string();
    assert!(bad.contains("'electorate_2024': no such column"), "{bad}");

    // The report records the election's seed and a command that reproduces it.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("rigged.json")).unwrap()).unwrap();
    assert_eq!(report["seed"], rigged["seed"]);
    assert_eq!(report["input"]["path"], "rigged.csv");
    assert!(
        report["command"]
            .as_str()
            .unwrap()
            .starts_with("elaudit audit rigged.csv --seed=")
    );

    // The Markdown and CSV tables carry the same rows.
    let md = std::fs::read_to_string(out.join("comparison.md")).unwrap();
    assert!(md.contains("| rigged |  | 2000 | 0 |"), "{md}");
    assert!(md.contains("no-such-file.csv: cannot read"));
    let mut csv = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let flag_col = header
        .iter()
        .position(|h| h == "integer-percent.flagged")
        .unwrap();
    let flagged: Vec<String> = csv
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[flag_col] == "true")
        .map(|r| r[0].to_string())
        .collect();
    assert_eq!(flagged, ["rigged"]);

    // Without the broken entries the batch exits 1 (flagged); clean ones alone, 0.
    let flagged_only = write_manifest(dir.path(), "f.toml", &["clean-a", "rigged"]);
    let out_f = dir.path().join("out-f");
    let f = flagged_only.to_str().unwrap();
    assert_eq!(run(&["batch", f, "-q", "-o", out_f.to_str().unwrap()]), 1);
    let clean_only = write_manifest(dir.path(), "c.toml", &["clean-a", "clean-b"]);
    let out_c = dir.path().join("out-c");
    let c = clean_only.to_str().unwrap();
    assert_eq!(run(&["batch", c, "-q", "-o", out_c.to_str().unwrap()]), 0);
    // An election's report does not depend on the other elections of the batch.
    assert_eq!(
        std::fs::read(out.join("clean-a.json")).unwrap(),
        std::fs::read(out_c.join("clean-a.json")).unwrap()
    );
}

#[test]
fn shards_merge_into_the_bytes_of_one_run() {
    let names = ["clean-a", "rigged", "clean-b", "missing", "clean-c"];
    let (dir, manifest) = setup(&names);
    let d = dir.path();
    let m = manifest.to_str().unwrap();
    let whole = d.join("whole");
    assert_eq!(run(&["batch", m, "-q", "-o", whole.to_str().unwrap()]), 2);
    let expected = files(&whole);
    assert!(expected.contains_key("comparison.csv") && expected.contains_key("clean-c.json"));
    assert!(expected.contains_key("clean-c.html") && expected.contains_key("rigged.html"));

    for n in 1..=3 {
        let mut dirs = Vec::new();
        for i in 0..n {
            let out = d.join(format!("n{n}-shard{i}"));
            let shard = format!("{i}/{n}");
            let code = run(&[
                "batch",
                m,
                "-q",
                "--shard",
                &shard,
                "-o",
                out.to_str().unwrap(),
            ]);
            // Election k goes to shard k mod n: "missing" is at position 3.
            let has_missing = 3 % n == i;
            assert_eq!(code == 2, has_missing, "shard {shard} exit {code}");
            let produced = files(&out);
            for (k, name) in names.iter().enumerate() {
                for ext in ["json", "html"] {
                    let here = produced.contains_key(&format!("{name}.{ext}"));
                    assert_eq!(
                        here,
                        k % n == i && *name != "missing",
                        "{name}.{ext} in {shard}"
                    );
                }
            }
            if n > 1 {
                assert!(!produced.contains_key("comparison.csv"));
            }
            dirs.push(out.to_str().unwrap().to_string());
        }
        let merged = d.join(format!("n{n}-merged"));
        let mut args = vec!["merge".to_string()];
        args.extend(dirs.iter().cloned());
        args.extend(["--output".into(), merged.to_str().unwrap().into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(run(&args), 2);
        let got = files(&merged);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &expected {
            assert!(
                got[name] == *bytes,
                "N = {n}: {name} differs from one run's"
            );
        }
    }

    // The merge names the election that failed, as the batch does.
    let out = elaudit()
        .arg("merge")
        .args((0..3).map(|i| d.join(format!("n3-shard{i}"))))
        .arg("--output")
        .arg(d.join("again"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("election 'missing' failed"), "{err}");
    // A shard's own folder is no output.
    let out = elaudit()
        .arg("merge")
        .args((0..3).map(|i| d.join(format!("n3-shard{i}"))))
        .arg("--output")
        .arg(d.join("n3-shard0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is one of the shard folders"), "{err}");

    // A missing shard is refused, naming it.
    let out = elaudit()
        .arg("merge")
        .arg(d.join("n3-shard0"))
        .arg(d.join("n3-shard2"))
        .arg("--output")
        .arg(d.join("bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shard 1/3 is missing"), "{err}");

    // A shard folder that lost a report is refused, naming the file, and nothing is written.
    std::fs::remove_file(d.join("n3-shard1").join("rigged.json")).unwrap();
    let bad = d.join("bad-report");
    let out = elaudit()
        .arg("merge")
        .args((0..3).map(|i| d.join(format!("n3-shard{i}"))))
        .arg("--output")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rigged.json is missing") && err.contains("election 'rigged'"),
        "{err}"
    );
    assert!(!bad.exists(), "a failed merge writes nothing");
}

#[test]
fn manifest_order_and_thread_count_change_nothing() {
    let names = ["clean-a", "rigged", "missing", "clean-b"];
    let (dir, manifest) = setup(&names);
    let d = dir.path();
    let reversed: Vec<&str> = names.iter().rev().copied().collect();
    let manifest_rev = write_manifest(d, "reversed.toml", &reversed);
    let a = d.join("a");
    let b = d.join("b");
    run(&[
        "batch",
        manifest.to_str().unwrap(),
        "-q",
        "-o",
        a.to_str().unwrap(),
    ]);
    run(&[
        "batch",
        manifest_rev.to_str().unwrap(),
        "-q",
        "--threads",
        "1",
        "-o",
        b.to_str().unwrap(),
    ]);
    assert_eq!(files(&a), files(&b));
}

#[test]
fn a_bad_manifest_stops_before_any_election_runs() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.toml");
    std::fs::write(
        &m,
        "output = \"out\"\n[[election]]\nname = \"x\"\npath = \"x.csv\"\nalhpa = 0.05\n",
    )
    .unwrap();
    let out = elaudit()
        .args(["batch", m.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("m.toml: election 'x': unknown key 'alhpa'"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}
