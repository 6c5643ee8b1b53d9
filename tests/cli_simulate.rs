//! End-to-end tests of `elaudit simulate`: each fair-model flag has its effect, bad values
//! exit 2 naming the flag, and the documented commands write the committed samples.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{elaudit, stdout_of_success};
use serde_json::Value;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/kz2022-sim.csv");
const STUFFED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/kz2022-stuffed.csv");
const STUFFED_TRUTH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/kz2022-stuffed.truth.json"
);

/// A simulated election as the CLI writes it: the header, and every row's fields.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    truth: Value,
}

impl Table {
    /// Column `name` as integers.
    fn col(&self, name: &str) -> Vec<u64> {
        let j = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header));
        self.rows.iter().map(|r| r[j].parse().unwrap()).collect()
    }
    fn sum(&self, name: &str) -> u64 {
        self.col(name).iter().sum()
    }
    /// Per-station ratios a/b, where b > 0.
    fn ratios(&self, a: &str, b: &str) -> Vec<f64> {
        self.col(a)
            .iter()
            .zip(self.col(b))
            .filter(|(_, d)| *d > 0)
            .map(|(n, d)| *n as f64 / d as f64)
            .collect()
    }
}

fn sd(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Runs `elaudit simulate ARGS`, expecting success, and reads what it wrote.
fn simulate(args: &[&str]) -> Table {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.json");
    let text = stdout_of_success(
        elaudit()
            .arg("simulate")
            .args(args)
            .arg("--truth")
            .arg(&truth),
    );
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let truth = serde_json::from_slice(&std::fs::read(truth).unwrap()).unwrap();
    Table {
        header,
        rows,
        truth,
    }
}

/// Runs `elaudit simulate ARGS`, expecting exit 2, and returns stderr.
fn simulate_fails(args: &[&str]) -> String {
    let out = elaudit().arg("simulate").args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} wrote a CSV");
    stderr
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn turnout_sets_the_national_turnout() {
    let t = simulate(&["--stations", "20000", "--turnout", "0.5", "--seed", "1"]);
    let turnout = t.sum("ballots") as f64 / t.sum("registered") as f64;
    // The default aims at 0.6; station noise moves the national figure by about 0.001.
    assert!((turnout - 0.5).abs() < 0.004, "{turnout}");
    assert_eq!(t.truth["spec"]["turnout"], 0.5);
    assert_eq!(t.truth["totals"]["turnout"].as_f64().unwrap(), turnout);
}

#[test]
fn shares_give_one_column_per_candidate_at_those_shares() {
    let t = simulate(&[
        "--stations",
        "20000",
        "--shares",
        "0.6, 0.3,0.1",
        "--seed",
        "2",
    ]);
    assert_eq!(t.header[6..], ["Candidate A", "Candidate B", "Candidate C"]);
    let valid = t.sum("valid") as f64;
    for (name, want) in [
        ("Candidate A", 0.6),
        ("Candidate B", 0.3),
        ("Candidate C", 0.1),
    ] {
        let got = t.sum(name) as f64 / valid;
        assert!((got - want).abs() < 0.004, "{name}: {got} vs {want}");
    }
    assert_eq!(t.truth["totals"]["winner"], "Candidate A");
}

#[test]
fn shares_keep_the_preset_names_only_when_the_count_matches() {
    let seven = "0.5,0.1,0.1,0.1,0.05,0.05,0.1";
    let t = simulate(&["--preset", "kz2022", "--stations", "300", "--shares", seven]);
    assert_eq!(t.header.last().unwrap(), "Against all");
    assert_eq!(t.header.len(), 6 + 7);
    let t = simulate(&[
        "--preset",
        "kz2022",
        "--stations",
        "300",
        "--shares",
        "0.7,0.3",
    ]);
    assert_eq!(t.header[6..], ["Candidate A", "Candidate B"]);
}

#[test]
fn sizes_reproduce_the_registered_column_of_a_file() {
    let Ok(sample) = std::fs::read(SAMPLE) else {
        eprintln!("skipped: {SAMPLE} is absent");
        return;
    };
    let plain = simulate(&["--sizes", SAMPLE, "--seed", "5"]);
    let registered = |text: &str| -> Vec<u64> {
        text.lines()
            .skip(1)
            .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
            .collect()
    };
    // 10,000 stations: --stations defaults to the file's count.
    assert_eq!(
        plain.col("registered"),
        registered(&String::from_utf8(sample.clone()).unwrap())
    );
    assert_eq!(plain.truth["spec"]["size"]["model"], "fixed");

    // Gzip is recognised by content, whatever the name.
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&sample).unwrap();
    let packed = write(dir.path(), "sizes.dat", &gz.finish().unwrap());
    let zipped = simulate(&["--sizes", packed.to_str().unwrap(), "--seed", "5"]);
    assert_eq!(zipped.rows, plain.rows);
}

#[test]
fn sizes_skip_rejected_rows_and_follow_the_station_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.csv",
        b"station,registered,A,B\nS1,100,4,6\nS2,x,1,1\nS3,300,1,1\nS4,50,2,2\n",
    );
    let path = file.to_str().unwrap();
    let out = elaudit()
        .args(["simulate", "--sizes", path, "--stations", "7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 rejected row gave no size"), "{stderr}");
    let t = simulate(&["--sizes", path, "--stations", "7"]);
    assert_eq!(t.col("registered"), [100, 300, 50, 100, 300, 50, 100]);
    let t = simulate(&["--sizes", path, "--stations", "2"]);
    assert_eq!(t.col("registered"), [100, 300]);
    let t = simulate(&["--sizes", path]);
    assert_eq!(t.col("registered"), [100, 300, 50]);
}

#[test]
fn size_median_and_sigma_give_lognormal_sizes() {
    let t = simulate(&[
        "--stations",
        "300",
        "--size-median",
        "750",
        "--size-sigma",
        "0",
    ]);
    assert!(t.col("registered").iter().all(|&r| r == 750));
    // They replace a preset's fixed sizes.
    let t = simulate(&[
        "--preset",
        "kz2022",
        "--stations",
        "300",
        "--size-median",
        "420",
        "--size-sigma",
        "0",
    ]);
    assert!(t.col("registered").iter().all(|&r| r == 420));
    assert_eq!(t.truth["spec"]["size"]["model"], "lognormal");

    let t = simulate(&["--stations", "5000", "--size-median", "2000"]);
    let mut r = t.col("registered");
    r.sort_unstable();
    let median = r[r.len() / 2] as f64;
    assert!((median / 2000.0 - 1.0).abs() < 0.03, "{median}");
    let logs: Vec<f64> = r.iter().map(|&x| (x as f64).ln()).collect();
    // Default spread 0.5; the sd of 5,000 draws is within 0.02 of it.
    assert!((sd(&logs) - 0.5).abs() < 0.02, "{}", sd(&logs));
    let t = simulate(&["--stations", "5000", "--size-sigma", "0.2"]);
    let logs: Vec<f64> = t
        .col("registered")
        .iter()
        .map(|&x| (x as f64).ln())
        .collect();
    assert!((sd(&logs) - 0.2).abs() < 0.01, "{}", sd(&logs));
}

/// Equal stations of 1,000 voters, so that only the spreads under test vary.
const EQUAL: [&str; 6] = [
    "--stations",
    "4000",
    "--size-median",
    "1000",
    "--size-sigma",
    "0",
];

#[test]
fn turnout_sd_and_region_sd_set_the_spread_of_turnout() {
    let flat = simulate(&[&EQUAL[..], &["--turnout-sd", "0", "--region-sd", "0"]].concat());
    // Binomial noise alone: √(0.6 · 0.4 / 1000) = 0.0155.
    let s = sd(&flat.ratios("ballots", "registered"));
    assert!((s - 0.0155).abs() < 0.0015, "{s}");
    assert!(
        flat.truth["fair"]["region_turnout_effects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u == 0.0)
    );

    let noisy = simulate(&[&EQUAL[..], &["--turnout-sd", "0.5", "--region-sd", "0"]].concat());
    // logit sd 0.5 at 60%: about 0.5 · 0.6 · 0.4 = 0.12.
    let s = sd(&noisy.ratios("ballots", "registered"));
    assert!((0.1..0.13).contains(&s), "{s}");

    // Region effects of sd 1 on the logit scale spread the regions' mean turnouts apart.
    let regional = simulate(
        &[
            &EQUAL[..],
            &["--turnout-sd", "0", "--region-sd", "1", "--regions", "10"],
        ]
        .concat(),
    );
    let effects: Vec<f64> = regional.truth["fair"]["region_turnout_effects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(sd(&effects) > 0.3, "{effects:?}");
    let turnout = regional.ratios("ballots", "registered");
    let means: Vec<f64> = turnout
        .chunks(400)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    assert!(sd(&means) > 0.05, "{means:?}");
}

#[test]
fn share_sd_sets_the_spread_of_the_winners_share() {
    let args = [
        &EQUAL[..],
        &[
            "--region-sd",
            "0",
            "--shares",
            "0.5,0.5",
            "--invalid-rate",
            "0",
        ],
    ]
    .concat();
    let flat = simulate(&[&args[..], &["--share-sd", "0"]].concat());
    let shares = flat.ratios("Candidate A", "valid");
    // Binomial noise alone: about √(0.25 / 600) = 0.020 at 600 valid votes.
    let s = sd(&shares);
    assert!((0.018..0.023).contains(&s), "{s}");
    let noisy = simulate(&[&args[..], &["--share-sd", "0.5"]].concat());
    // Log shares N(0, 0.5²) each: the log ratio has sd 0.71, the share about 0.17.
    let s = sd(&noisy.ratios("Candidate A", "valid"));
    assert!((0.15..0.19).contains(&s), "{s}");
}

#[test]
fn invalid_rate_sets_the_share_of_invalid_ballots() {
    let t = simulate(&["--stations", "3000", "--invalid-rate", "0.1"]);
    let got = t.sum("invalid") as f64 / t.sum("ballots") as f64;
    assert!((got - 0.1).abs() < 0.003, "{got}");
    let t = simulate(&["--stations", "300", "--invalid-rate", "0"]);
    assert_eq!(t.sum("invalid"), 0);
}

#[test]
fn bad_values_exit_2_naming_the_flag() {
    for (args, flag) in [
        (
            &["--turnout", "1.5"][..],
            "--turnout: must be strictly between 0 and 1",
        ),
        (&["--turnout", "0"], "--turnout:"),
        (&["--turnout-sd", "-1"], "--turnout-sd:"),
        (&["--region-sd", "nan"], "--region-sd:"),
        (&["--share-sd", "11"], "--share-sd:"),
        (&["--invalid-rate", "1"], "--invalid-rate:"),
        (&["--size-median", "0"], "--size-median:"),
        (&["--size-sigma", "6"], "--size-sigma:"),
        (&["--shares", "0.5,0.4"], "--shares: must sum to 1"),
        (
            &["--shares", "0.7,-0.2,0.5"],
            "--shares: every share must be above 0",
        ),
        (&["--shares", "0.5,abc"], "--shares: 'abc' is not a number"),
        (&["--shares", "0.5,,0.5"], "--shares: '' is not a number"),
        (
            &["--shares", "0.3,0.7"],
            "--shares: the first share is the winner's",
        ),
        (
            &["--regions", "0"],
            "--regions <N>': must be a whole number from 1",
        ),
        (
            &["--regions", "-1"],
            "--regions <N>': must be a whole number from 1",
        ),
        (
            &["--stations", "100000001"],
            "--stations <N>': must be a whole number from 0 to 100000000",
        ),
        (
            &["--incremental", "0.6", "--extreme", "0.6"],
            "--incremental + --extreme",
        ),
        (&["--incremental", "0.1", "--theta", "0"], "--theta:"),
        (
            &["--extreme", "0.1", "--steal-exponent", "0"],
            "--steal-exponent:",
        ),
    ] {
        let stderr = simulate_fails(args);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }
    // Every problem is listed at once.
    let stderr = simulate_fails(&["--turnout", "2", "--share-sd", "-1"]);
    assert!(stderr.contains("--turnout:") && stderr.contains("--share-sd:"));
    // Sizes come from a file or from the lognormal, not both.
    let stderr = simulate_fails(&["--sizes", SAMPLE, "--size-median", "500"]);
    assert!(stderr.contains("--sizes"), "{stderr}");
}

#[test]
fn sizes_errors_name_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let missing = missing.to_str().unwrap();
    let stderr = simulate_fails(&["--sizes", missing]);
    assert!(
        stderr.contains("--sizes") && stderr.contains(missing) && stderr.contains("cannot read"),
        "{stderr}"
    );

    let no_registered = write(dir.path(), "noreg.csv", b"station,ballots,A,B\nS1,10,4,6\n");
    let stderr = simulate_fails(&["--sizes", no_registered.to_str().unwrap()]);
    assert!(
        stderr.contains("noreg.csv: no registered-voters column")
            && stderr.contains("'ballots'")
            && stderr.contains("registered, electorate"),
        "{stderr}"
    );

    let no_rows = write(
        dir.path(),
        "bad.csv",
        b"station,registered,A,B\nS1,abc,4,6\nS2,,1,1\n",
    );
    let stderr = simulate_fails(&["--sizes", no_rows.to_str().unwrap()]);
    assert!(
        stderr.contains("bad.csv: no station row could be read (2 rows rejected")
            && stderr.contains("line 2: not-an-integer")
            && stderr.contains("elaudit audit"),
        "{stderr}"
    );

    let header_only = write(dir.path(), "header.csv", b"station,registered,A,B\n");
    let stderr = simulate_fails(&["--sizes", header_only.to_str().unwrap()]);
    assert!(
        stderr.contains("header.csv: no station to audit: the file has a header but no data rows"),
        "{stderr}"
    );

    let sizes_alone = write(dir.path(), "alone.csv", b"station,registered\nS1,100\n");
    let stderr = simulate_fails(&["--sizes", sizes_alone.to_str().unwrap()]);
    assert!(
        stderr.contains("alone.csv: no candidate columns")
            && stderr.contains("takes no column flags"),
        "{stderr}"
    );

    let empty = write(dir.path(), "empty.csv", b"");
    let stderr = simulate_fails(&["--sizes", empty.to_str().unwrap()]);
    assert!(stderr.contains("empty.csv: the input is empty"), "{stderr}");
}

/// The commands data/README.md gives write the committed files.
#[test]
fn documented_commands_write_the_committed_samples() {
    let (Ok(clean), Ok(stuffed), Ok(truth)) = (
        std::fs::read(SAMPLE),
        std::fs::read(STUFFED),
        std::fs::read(STUFFED_TRUTH),
    ) else {
        eprintln!("skipped: the samples in data/ are absent");
        return;
    };
    let out = elaudit()
        .args(["simulate", "--preset", "kz2022", "--seed", "2022"])
        .output()
        .unwrap();
    assert!(out.stdout == clean, "data/kz2022-sim.csv");
    let dir = tempfile::tempdir().unwrap();
    let truth_path = dir.path().join("truth.json");
    let out = elaudit()
        .args([
            "simulate",
            "--preset",
            "kz2022",
            "--seed",
            "2022",
            "--incremental",
            "0.3",
            "--extreme",
            "0.03",
            "--truth",
        ])
        .arg(&truth_path)
        .output()
        .unwrap();
    assert!(out.stdout == stuffed, "data/kz2022-stuffed.csv");
    assert!(
        std::fs::read(&truth_path).unwrap() == truth,
        "data/kz2022-stuffed.truth.json"
    );
}

/// Rows are formatted in parallel chunks of 16,384: 40,000 stations span three, and the
/// bytes are the same on one thread and on three.
#[test]
fn the_csv_does_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        stdout_of_success(elaudit().env("RAYON_NUM_THREADS", threads).args([
            "simulate",
            "--stations",
            "40000",
            "--seed",
            "3",
        ]))
    };
    let one = run("1");
    assert_eq!(one.lines().count(), 40_001);
    assert!(one == run("3"));
}

/// Each shape writes a file `elaudit audit` reads, with its structure recorded in the
/// truth; big stations vote less than small ones in town and country.
#[test]
fn shapes_write_readable_heterogeneous_elections() {
    let shapes = [
        "town-country",
        "three-populations",
        "size-gradient",
        "regional",
        "hidden-regions",
        "landslide-town-country",
        "tiny-stations",
    ];
    for shape in shapes {
        let t = simulate(&["--shape", shape, "--stations", "3000", "--seed", "4"]);
        assert_eq!(t.rows.len(), 3000, "{shape}");
        assert!(t.rows.iter().all(|r| r.len() == t.header.len()), "{shape}");
        let has_region = t.header.iter().any(|h| h == "region");
        assert_eq!(has_region, shape != "hidden-regions", "{shape}");
        let turnout = t.sum("ballots") as f64 / t.sum("registered") as f64;
        assert!((0.55..0.75).contains(&turnout), "{shape}: {turnout}");
        assert!(t.truth["spec"]["heterogeneity"].is_object(), "{shape}");
    }
    let t = simulate(&["--shape", "town-country", "--stations", "8000"]);
    let reg = t.col("registered");
    let mut sorted = reg.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    let (ballots, winner, valid) = (t.col("ballots"), t.col("Candidate A"), t.col("valid"));
    let mean = |big: bool, num: &[u64], den: &[u64]| {
        let v: Vec<f64> = (0..reg.len())
            .filter(|&i| (reg[i] > median) == big && den[i] > 0)
            .map(|i| num[i] as f64 / den[i] as f64)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(true, &ballots, &reg) + 0.08 < mean(false, &ballots, &reg));
    assert!(mean(true, &winner, &valid) + 0.08 < mean(false, &winner, &valid));
    let subs = &t.truth["spec"]["heterogeneity"]["subpopulations"];
    assert_eq!(subs[0]["size"], 1.8);
    assert_eq!(subs[1]["turnout"], 0.45);
}

/// Flags override the shape's values; --no-region-column drops the column.
#[test]
fn heterogeneity_flags_override_the_shape() {
    let t = simulate(&[
        "--shape",
        "hidden-regions",
        "--region-sd",
        "0.1",
        "--stations",
        "500",
        "--subpopulations",
        "1:2:-0.3:-0.2, 3:0.5:0.3:0.2",
        "--size-gradient",
        "-0.2,0.1",
        "--region-correlation",
        "-0.5",
    ]);
    let spec = &t.truth["spec"];
    assert_eq!(spec["region_sd"], 0.1);
    assert_eq!(spec["regions"], 24);
    let h = &spec["heterogeneity"];
    assert_eq!(h["region_column"], false);
    assert_eq!(h["region_correlation"], -0.5);
    assert_eq!(h["size_gradient"]["turnout"], -0.2);
    assert_eq!(h["subpopulations"][1]["weight"], 3.0);
    assert!(!t.header.iter().any(|c| c == "region"));
    let t = simulate(&["--stations", "50", "--no-region-column"]);
    assert_eq!(t.header[..3], ["station", "registered", "ballots"]);
}

#[test]
fn bad_heterogeneity_flags_exit_2_with_the_form_they_need() {
    for (args, expected) in [
        (
            &["--subpopulations", "0.5:1:2"][..],
            "'0.5:1:2' has 3 field(s)",
        ),
        (
            &["--subpopulations", "0.5:x:2:1"],
            "'x' in '0.5:x:2:1' is not a number",
        ),
        (&["--subpopulations", "0.5:1:0:0,"], "'' has 1 field(s)"),
        (&["--subpopulations", "0:1:0:0"], "weight must be above 0"),
        (
            &["--subpopulations", "1:-2:0:0"],
            "size multiplier must be above 0",
        ),
        (
            &["--size-gradient", "-0.5"],
            "--size-gradient: '-0.5' is not two numbers",
        ),
        (
            &["--size-gradient", "a,b"],
            "--size-gradient: 'a,b' is not two numbers",
        ),
        (
            &["--region-correlation", "1.5"],
            "--region-correlation: must be between -1 and 1",
        ),
    ] {
        let stderr = simulate_fails(args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        if args[0] == "--subpopulations" {
            assert!(stderr.contains("--subpopulations"), "{stderr}");
        }
    }
    let stderr = simulate_fails(&["--shape", "village"]);
    assert!(stderr.contains("town-country"), "{stderr}");
}

/// A shape with stuffing planted on top: the same bytes on one thread and on two, and
/// the truth gives the ballots added.
#[test]
fn stuffing_on_a_shape_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let truth = dir.path().join(format!("truth{threads}.json"));
        let csv = stdout_of_success(
            elaudit()
                .env("RAYON_NUM_THREADS", threads)
                .args([
                    "simulate",
                    "--shape",
                    "town-country",
                    "--stations",
                    "9000",
                    "--incremental",
                    "0.3",
                    "--extreme",
                    "0.02",
                    "--truth",
                ])
                .arg(&truth),
        );
        (csv, std::fs::read(truth).unwrap())
    };
    let (one, two) = (run("1"), run("2"));
    assert!(one == two);
    let truth: Value = serde_json::from_slice(&one.1).unwrap();
    assert!(truth["fraud"]["ballots_added"].as_i64().unwrap() > 10_000);
    assert!(truth["fraud"]["extreme"]["stations"].as_u64().unwrap() > 100);
}
