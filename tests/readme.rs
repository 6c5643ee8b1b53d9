//! The README's table of the two sample audits is what the binary prints: each figure is
//! formatted from the JSON report of `elaudit audit data/…` and looked for in its row.

mod common;

use common::elaudit;
use serde_json::Value;

/// The JSON report of the README's audit of `file`, and its exit status.
fn audit(file: &str) -> (i32, Value) {
    let path = format!("{}/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let out = elaudit()
        .args(["audit", &path, "--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (out.status.code().unwrap(), report)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    (report["checks"].as_array().unwrap().iter())
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} result"))
}

/// A p-value as the table writes it: one decimal, in scientific notation below 0.01.
fn p(x: &Value) -> String {
    let x = x.as_f64().unwrap();
    match x >= 0.01 {
        true => format!("{x:.1}"),
        false => format!("{x:.1e}"),
    }
}

/// A whole number grouped by commas.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `{x:.d}` with a typographic minus.
fn signed(x: f64, d: usize) -> String {
    format!("{x:.d$}").replace('-', "−")
}

/// A share in percent with its sign, one decimal.
fn plus(x: f64) -> String {
    match x >= 0.0 {
        true => format!("+{x:.1}"),
        false => signed(x, 1),
    }
}

/// The README's table row whose first cell starts with `label`.
fn row<'a>(readme: &'a str, label: &str) -> &'a str {
    readme
        .lines()
        .find(|l| l.starts_with(&format!("| {label}")))
        .unwrap_or_else(|| panic!("no README row {label}"))
}

fn anomalous(report: &Value) -> (f64, f64, f64) {
    let d = &check(report, "anomalous-votes")["detail"];
    let w = d["winner_votes"].as_f64().unwrap();
    let share = d["share_of_winner"].as_f64().unwrap();
    let low = d["ci_low"].as_f64().unwrap() / w;
    let high = d["ci_high"].as_f64().unwrap() / w;
    (100.0 * share, 100.0 * low, 100.0 * high)
}

#[test]
fn the_readme_table_is_what_the_sample_audits_print() {
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR")))
        .expect("README.md");
    let (clean_code, clean) = audit("kz2022-sim.csv");
    let (stuffed_code, stuffed) = audit("kz2022-stuffed.csv");
    assert_eq!((clean_code, stuffed_code), (0, 1));

    let mut want: Vec<(&str, String)> = Vec::new();
    for r in [&clean, &stuffed] {
        let f = check(r, "fingerprint");
        let cell = format!("{} ({})", p(&f["p_value"]), p(&f["p_adjusted"]));
        want.push(("`fingerprint` p", cell));
    }
    let b = &check(&clean, "fingerprint")["detail"]["ballots_added"];
    let cell = format!("0 (up to {})", grouped(b["ci_high"].as_f64().unwrap()));
    want.push(("ballots added", cell));
    let b = &check(&stuffed, "fingerprint")["detail"]["ballots_added"];
    let [e, lo, hi] = ["estimate", "ci_low", "ci_high"].map(|k| grouped(b[k].as_f64().unwrap()));
    want.push(("ballots added", format!("{e} ({lo}–{hi})")));
    let fe = &check(&stuffed, "fingerprint")["detail"]["f_extreme"];
    let [e, lo, hi] = ["estimate", "ci_low", "ci_high"].map(|k| 100.0 * fe[k].as_f64().unwrap());
    want.push(("f_e", format!("{e:.2}% ({lo:.2}–{hi:.2}%)")));
    let (s, lo, hi) = anomalous(&clean);
    let cell = format!(
        "{}% of the winner's votes ({} to {}%)",
        plus(s),
        signed(lo, 1),
        signed(hi, 1)
    );
    want.push(("`anomalous-votes`", cell));
    let (s, lo, hi) = anomalous(&stuffed);
    let cell = format!("{}% ({} to {}%)", plus(s), signed(lo, 1), signed(hi, 1));
    want.push(("`anomalous-votes`", cell));
    for r in [&clean, &stuffed] {
        let c = check(r, "turnout-share")["effect"]["value"]
            .as_f64()
            .unwrap();
        want.push(("turnout–share correlation", signed(c, 2)));
    }
    for (label, cell) in want {
        let line = row(&readme, label);
        assert!(line.contains(&cell), "README row `{line}` lacks `{cell}`");
    }
}
