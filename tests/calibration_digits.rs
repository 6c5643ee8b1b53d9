//! Calibration and power of the flaggable digit checks on simulated elections.
//!
//! Calibration: on clean elections of four shapes (ordinary stations of ~1,000 voters;
//! small stations of ~150; a landslide with the winner at 85%; strong regional differences),
//! the unadjusted p-value of each Holm-family digit check must reject at 0.05 about 5% of
//! the time. With 200 runs the count of rejections is Binomial(200, 0.05) when calibrated:
//! mean 10, and the test accepts 2 to 20 (1% to 10%). Under exact calibration that range
//! fails with probability P(X <= 1) + P(X >= 21) = 0.0004 + 0.0012
//! (python3 -c "from scipy.stats import binom; print(binom.cdf(1,200,.05), binom.sf(20,200,.05))").
//!
//! Power: elections where 15% of stations have invented counts are flagged by `last-digit`.
//!
//! The full-size runs (20,000 stations each) are ignored by default:
//! `cargo test --release --test calibration_digits -- --ignored --nocapture`.

use rayon::prelude::*;

use elaudit::checks::subjects::digit_subjects;
use elaudit::checks::{Check, CheckContext, CheckOptions, DigitPairs, LastDigit, SecondDigit};
use elaudit::simulate::{ElectionSpec, Simulated, SizeModel, simulate};
use elaudit::stats::digits::second_digit;
use elaudit::stats::smooth::{
    Bandwidth, CountHistogram, DigitClasses, smooth_chi2, smooth_class_shares,
};
use elaudit::stats::{chi2_sf, pearson_chi2};

/// The four clean shapes, by index.
fn shape(kind: usize, stations: usize) -> ElectionSpec {
    let mut s = ElectionSpec::clean(stations);
    match kind % 4 {
        0 => {}
        1 => {
            s.size = SizeModel::LogNormal {
                median: 150.0,
                sigma: 0.5,
            }
        }
        2 => s.shares = vec![0.85, 0.08, 0.05, 0.02],
        _ => {
            s.regions = 20;
            s.region_sd = 0.8;
        }
    }
    s
}

const SHAPE_NAMES: [&str; 4] = ["ordinary", "small", "landslide", "regional"];

/// Exploration: rejection rates of candidate second-digit bandwidths, per shape and subject.
/// `ELAUDIT_EXPLORE_RUNS=50 cargo test --release --test calibration_digits explore -- --ignored --nocapture`
#[test]
#[ignore]
fn explore_second_digit_bandwidths() {
    let runs: usize = std::env::var("ELAUDIT_EXPLORE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let scale: usize = std::env::var("ELAUDIT_EXPLORE_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let bws = [(0.05, 1.0), (0.10, 3.0)];
    for kind in 0..4 {
        // [bandwidth][subject index] rejections at 0.05
        let mut rej = vec![vec![0u32; 6]; bws.len()];
        let mut rej_c = vec![vec![0u32; 6]; bws.len()];
        let mut names = Vec::new();
        for r in 0..runs {
            let stations = (2000 + (r * 1500) % 3001) * scale;
            let mut spec = shape(kind, stations);
            spec.fraud.invented_counts = std::env::var("ELAUDIT_EXPLORE_FRAUD")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            let sim = simulate(&spec, 1000 + r as u64);
            let subjects = digit_subjects(&sim.dataset);
            names = subjects.iter().map(|s| s.name.clone()).collect();
            for (si, s) in subjects.iter().enumerate() {
                let hist = CountHistogram::from_counts(&s.counts);
                let mut tally = [0u64; 10];
                for (v, w) in hist.iter() {
                    if let Some(d) = second_digit(v) {
                        tally[d as usize] += w;
                    }
                }
                let n: u64 = tally.iter().sum();
                if n < 100 {
                    continue;
                }
                for (bi, &(fraction, floor)) in bws.iter().enumerate() {
                    let sh = smooth_class_shares(
                        &hist,
                        Bandwidth { fraction, floor },
                        DigitClasses::SecondDigit,
                        10,
                    )
                    .unwrap();
                    let e: Vec<f64> = sh.iter().map(|x| x * n as f64).collect();
                    let p = chi2_sf(pearson_chi2(&tally, &e).unwrap(), 9.0);
                    if p < 0.05 {
                        rej[bi][si] += 1;
                    }
                    let fit = smooth_chi2(
                        &hist,
                        Bandwidth { fraction, floor },
                        DigitClasses::SecondDigit,
                        10,
                    )
                    .unwrap();
                    if fit.p_value < 0.05 {
                        rej_c[bi][si] += 1;
                    }
                    if r == 0 && si == 4 {
                        println!(
                            "  {:?} scale {:.3} df {:.2}",
                            (fraction, floor),
                            fit.scale,
                            fit.df
                        );
                    }
                }
            }
        }
        println!(
            "shape {} ({runs} runs): subjects {names:?}",
            SHAPE_NAMES[kind]
        );
        for (bi, bw) in bws.iter().enumerate() {
            println!("  bw {bw:?}: plain {:?} corrected {:?}", rej[bi], rej_c[bi]);
        }
    }
}

/// Exploration: rejection rates of the three flaggable digit checks at 0.05, per subject.
#[test]
#[ignore]
fn explore_checks() {
    let runs: usize = std::env::var("ELAUDIT_EXPLORE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let opts = CheckOptions {
        last_digit_min: std::env::var("ELAUDIT_EXPLORE_MIN")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100),
        ..CheckOptions::default()
    };
    let fraud: f64 = std::env::var("ELAUDIT_EXPLORE_FRAUD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let scale: usize = std::env::var("ELAUDIT_EXPLORE_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let checks: [&dyn Check; 3] = [&SecondDigit, &LastDigit, &DigitPairs];
    for kind in 0..4 {
        let mut rej = vec![vec![0u32; 6]; 3];
        let mut tested = vec![vec![0u32; 6]; 3];
        for r in 0..runs {
            let stations = (2000 + (r * 1500) % 3001) * scale;
            let mut spec = shape(kind, stations);
            spec.fraud.invented_counts = fraud;
            let sim = simulate(&spec, 5000 + r as u64);
            let ctx = CheckContext {
                data: &sim.dataset,
                options: &opts,
            };
            for (ci, c) in checks.iter().enumerate() {
                for (si, res) in c.run(&ctx).iter().enumerate() {
                    if let Some(p) = res.p_value {
                        tested[ci][si] += 1;
                        if p < 0.05 {
                            rej[ci][si] += 1;
                        }
                    }
                }
            }
        }
        println!("shape {}:", SHAPE_NAMES[kind]);
        for (ci, c) in checks.iter().enumerate() {
            println!("  {:14} rejected {:?} of {:?}", c.id(), rej[ci], tested[ci]);
        }
    }
}

const RUNS: usize = 200;
/// Accepted range of rejections at 0.05 out of [`RUNS`] (see the module documentation).
const MIN_REJECTIONS: usize = 2;
const MAX_REJECTIONS: usize = 20;

/// Clean election number `r`: the shapes in turn, 2,000 to 5,000 stations.
fn clean_election(r: usize, stations_scale: usize) -> Simulated {
    let stations = (2000 + (r * 739) % 3001) * stations_scale;
    simulate(&shape(r, stations), 20_000 + r as u64)
}

/// Unadjusted p-values of the three flaggable checks on subjects `all` and `ballots`:
/// `[check][subject]`, `None` when not applicable.
fn p_values(sim: &Simulated) -> [[Option<f64>; 2]; 3] {
    let opts = CheckOptions::default();
    let ctx = CheckContext {
        data: &sim.dataset,
        options: &opts,
    };
    let checks: [&dyn Check; 3] = [&SecondDigit, &LastDigit, &DigitPairs];
    checks.map(|c| {
        let results = c.run(&ctx);
        ["all", "ballots"].map(|name| {
            results
                .iter()
                .find(|r| r.subject == name)
                .and_then(|r| r.p_value)
        })
    })
}

fn calibration(runs: usize, stations_scale: usize) {
    let all: Vec<[[Option<f64>; 2]; 3]> = (0..runs)
        .into_par_iter()
        .map(|r| p_values(&clean_election(r, stations_scale)))
        .collect();
    let names = ["second-digit", "last-digit", "digit-pairs"];
    let mut failures = Vec::new();
    for (c, name) in names.iter().enumerate() {
        for (s, subject) in ["all", "ballots"].iter().enumerate() {
            let ps: Vec<f64> = all.iter().filter_map(|run| run[c][s]).collect();
            let at05 = ps.iter().filter(|&&p| p < 0.05).count();
            let at01 = ps.iter().filter(|&&p| p < 0.01).count();
            println!(
                "{name:13} {subject:8}: {at05:3} of {} below 0.05, {at01:3} below 0.01",
                ps.len()
            );
            // Every run has enough counts on these subjects: the rate is out of `runs`.
            if ps.len() != runs || !(MIN_REJECTIONS..=MAX_REJECTIONS).contains(&at05) {
                failures.push(format!("{name} on {subject}: {at05} of {}", ps.len()));
            }
        }
    }
    assert!(failures.is_empty(), "miscalibrated: {failures:?}");
}

#[test]
fn flaggable_digit_checks_are_calibrated_on_clean_elections() {
    calibration(RUNS, 1);
}

/// The same at 20,000 to 50,000 stations per election, where a biased null shows first.
#[test]
#[ignore]
fn flaggable_digit_checks_are_calibrated_on_large_clean_elections() {
    calibration(RUNS, 10);
}

/// `last-digit`'s p on subject `all` for 20 seeded elections of `kind` with 15% of stations'
/// counts invented, at the given `--last-digit-min`.
fn invented_counts_p(kind: usize, last_digit_min: u64) -> Vec<f64> {
    (0..20u64)
        .into_par_iter()
        .map(|seed| {
            let mut spec = shape(kind, 3000 + 100 * seed as usize);
            spec.fraud.invented_counts = 0.15;
            let sim = simulate(&spec, 40_000 + seed);
            let opts = CheckOptions {
                last_digit_min,
                ..CheckOptions::default()
            };
            let ctx = CheckContext {
                data: &sim.dataset,
                options: &opts,
            };
            LastDigit
                .run(&ctx)
                .into_iter()
                .find(|r| r.subject == "all")
                .and_then(|r| r.p_value)
                .unwrap_or(1.0)
        })
        .collect()
}

#[test]
fn last_digit_flags_invented_counts() {
    // Ordinary stations (~1,000 voters) at the default minimum of 100.
    let ps = invented_counts_p(0, 100);
    let hits = ps.iter().filter(|&&p| p < 0.01).count();
    assert!(hits >= 19, "flagged {hits} of 20: {ps:?}");
}

/// Small stations (~150 voters) leave few counts of 100 or more; `--last-digit-min 10`
/// restores the power, and stays calibrated (see the calibration exploration).
#[test]
fn last_digit_flags_invented_counts_at_small_stations_with_a_lower_minimum() {
    let ps = invented_counts_p(1, 10);
    let hits = ps.iter().filter(|&&p| p < 0.01).count();
    assert!(hits >= 19, "flagged {hits} of 20: {ps:?}");
}

#[test]
#[ignore]
fn zz_timing_tmp() {
    use elaudit::checks::FirstDigit;
    let t = std::time::Instant::now();
    let sim = simulate(&ElectionSpec::clean(1_000_000), 7);
    println!("simulate {:?}", t.elapsed());
    let opts = CheckOptions::default();
    let ctx = CheckContext { data: &sim.dataset, options: &opts };
    let checks: [&dyn Check; 4] = [&SecondDigit, &LastDigit, &DigitPairs, &FirstDigit];
    for c in checks {
        let t = std::time::Instant::now();
        let r = c.run(&ctx);
        println!("{} {:?} {:?}", c.id(), t.elapsed(), r.iter().map(|x| x.p_value).collect::<Vec<_>>());
    }
    let t = std::time::Instant::now();
    let s = digit_subjects(&sim.dataset);
    println!("subjects {:?}", t.elapsed());
    for sub in &s {
        let t = std::time::Instant::now();
        let h = CountHistogram::from_counts(&sub.counts);
        let t1 = t.elapsed();
        let _ = smooth_chi2(&h, elaudit::stats::smooth::SECOND_DIGIT_BANDWIDTH, DigitClasses::SecondDigit, 10);
        println!("{} hist {:?} distinct {} total {:?}", sub.name, t1, h.distinct(), t.elapsed());
    }
}
