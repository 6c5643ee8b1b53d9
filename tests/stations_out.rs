//! `--stations-out`'s anomaly tail (issue #15): calibrated against clean stations simulated
//! from the fitted fair model, small at stuffed stations, and the same at any thread count.

mod common;

use std::path::Path;

use common::elaudit;

/// Writes `elaudit simulate --stations N --seed S [extra]` to `path`.
fn simulate(path: &Path, stations: usize, seed: u64, extra: &[&str]) {
    let (n, s) = (stations.to_string(), seed.to_string());
    let mut args = vec!["simulate", "--stations", &n, "--seed", &s];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--output", path.to_str().unwrap()]);
    elaudit().args(&args).assert().code(0);
}

/// The stations CSV of `input`'s audit (fingerprint alone, few replicates: the score's
/// null rests on the fitted fair model, not on the intervals), run on `threads` threads.
fn stations_csv(input: &Path, out: &Path, threads: &str) -> Vec<u8> {
    elaudit()
        .env("RAYON_NUM_THREADS", threads)
        .args([
            "audit",
            input.to_str().unwrap(),
            "--quiet",
            "--checks",
            "fingerprint",
            "--fingerprint-replicates",
            "5",
            "--fingerprint-null-replicates",
            "5",
            "--stations-out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(predicates::ord::le(1));
    std::fs::read(out).unwrap()
}

/// Each row's turnout, winner's share and anomaly tail (every row has all three here).
fn tails(bytes: &[u8]) -> Vec<(f64, f64, f64)> {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().clone();
    let idx = |c: &str| header.iter().position(|h| h == c).unwrap();
    let (t, s, p) = (idx("turnout"), idx("winner_share"), idx("anomaly_tail"));
    r.records()
        .map(|row| {
            let row = row.unwrap();
            let num = |i: usize| -> f64 { row[i].parse().unwrap() };
            (num(t), num(s), num(p))
        })
        .collect()
}

fn share_at_most(tails: &[f64], alpha: f64) -> f64 {
    tails.iter().filter(|&&p| p <= alpha).count() as f64 / tails.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn on_clean_elections_the_tail_is_below_alpha_at_about_alpha_of_stations() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for seed in [1, 2] {
        let csv = dir.path().join(format!("clean{seed}.csv"));
        simulate(&csv, 8000, seed, &[]);
        let out = dir.path().join(format!("stations{seed}.csv"));
        all.extend(
            tails(&stations_csv(&csv, &out, "2"))
                .into_iter()
                .map(|r| r.2),
        );
    }
    assert_eq!(all.len(), 16_000);
    assert!(all.iter().all(|p| (0.0..=1.0).contains(p) && *p > 0.0));
    // Stations in one crowded cell share their crowding term, so the shares vary more
    // than binomially from election to election; the bounds leave room for that
    // (binomial sd at 16,000 stations: 0.0008 at 0.01, 0.0017 at 0.05).
    let at_1 = share_at_most(&all, 0.01);
    let at_5 = share_at_most(&all, 0.05);
    assert!(
        (0.004..=0.02).contains(&at_1),
        "share with tail <= 0.01: {at_1}"
    );
    assert!(
        (0.035..=0.06).contains(&at_5),
        "share with tail <= 0.05: {at_5}"
    );
    // The smallest tails are resolved: 8000 stations are simulated 13 times.
    let min = all.iter().copied().fold(1.0, f64::min);
    assert!(min < 1e-3, "{min}");
}

#[test]
fn stuffed_corner_stations_have_small_tails_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("stuffed.csv");
    simulate(
        &csv,
        10_000,
        11,
        &["--incremental", "0.3", "--extreme", "0.03"],
    );
    let one = stations_csv(&csv, &dir.path().join("one.csv"), "1");
    let two = stations_csv(&csv, &dir.path().join("two.csv"), "2");
    assert!(
        one == two,
        "the stations CSV differs between 1 and 2 threads"
    );
    let rows = tails(&one);
    let (corner, rest): (Vec<(f64, f64, f64)>, Vec<_>) = rows
        .into_iter()
        .partition(|(t, s, _)| *t >= 0.95 && *s >= 0.95);
    // About 3% of 10,000 stations are stuffed to the corner.
    assert!(corner.len() > 150, "{} corner stations", corner.len());
    let corner = median(corner.iter().map(|r| r.2).collect());
    let rest = median(rest.iter().map(|r| r.2).collect());
    assert!(corner < 0.01, "median corner tail {corner}");
    assert!(rest > 0.3 && rest > 100.0 * corner, "{rest} vs {corner}");
}

#[test]
fn ids_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let mut csv = String::from("station,region,registered,ballots,A,B\n");
    for i in 0..60 {
        let id = if i == 3 {
            "=HYPERLINK(\"x\")".to_string()
        } else {
            format!("s{i}")
        };
        let region = if i % 2 == 0 { "@north" } else { "south" };
        csv.push_str(&format!(
            "\"{}\",{region},{},{},{},{}\n",
            id.replace('"', "\"\""),
            500 + i,
            300 + i,
            150 + i,
            150
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("stations.csv");
    let run = elaudit()
        .args([
            "audit",
            "-q",
            "--checks",
            "protocol-arithmetic",
            "--stations-out",
        ])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        run.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut rows = csv::Reader::from_path(&out).unwrap();
    let fields: Vec<(String, String)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[2].to_string())
        })
        .collect();
    assert_eq!(fields[3].0, "'=HYPERLINK(\"x\")");
    assert_eq!(fields[0].1, "'@north");
    assert_eq!(fields[1], ("s1".to_string(), "south".to_string()));
}
