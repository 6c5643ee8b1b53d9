//! `second-digit` under station sizes that bunch (a legal cap), and against a planted
//! second-digit anomaly: the null that keeps each station's size must explain the first
//! and not the second.

use elaudit::checks::{Check, CheckContext, CheckOptions, SecondDigit};
use elaudit::data::Dataset;
use elaudit::report::CheckResult;
use elaudit::simulate::{ElectionSpec, SizeModel, simulate};
use statrs::distribution::{ContinuousCDF, Normal};

fn run(data: &Dataset) -> Vec<CheckResult> {
    SecondDigit.run(&CheckContext::new(data, &CheckOptions::default()))
}

fn subject<'a>(results: &'a [CheckResult], name: &str) -> &'a CheckResult {
    results.iter().find(|r| r.subject == name).expect("subject")
}

/// Lognormal sizes (median 1,500, sigma 0.6) cut at a legal cap of 2,000 voters: about
/// 30% of the stations sit at the cap. Deterministic quantiles, interleaved so that every
/// region gets the same mix.
fn capped_sizes(n: usize) -> Vec<u64> {
    let z = Normal::standard();
    (0..n)
        .map(|i| {
            let q = ((i * 7919) % n) as f64 + 0.5;
            let size = 1500.0 * (0.6 * z.inverse_cdf(q / n as f64)).exp();
            size.round().clamp(20.0, 2000.0) as u64
        })
        .collect()
}

fn capped_election(stations: usize) -> ElectionSpec {
    ElectionSpec {
        size: SizeModel::Fixed(capped_sizes(stations)),
        turnout: 0.85,
        ..ElectionSpec::clean(stations)
    }
}

/// The smooth null alone rejected every one of these clean elections on ballots cast
/// (smooth p below 1e-6); keeping each station's size, none is rejected at 0.01.
#[test]
fn capped_station_sizes_are_not_read_as_a_digit_anomaly() {
    for seed in 0..4 {
        let sim = simulate(&capped_election(5000), 300 + seed);
        let results = run(&sim.dataset);
        let r = subject(&results, "ballots");
        let smooth = r.detail["smooth_p_value"].as_f64().expect("smooth p");
        let p = r.p_value.expect("p");
        eprintln!("seed {seed}: smooth p {smooth:.2e}, reported {p:.3}");
        assert!(
            smooth < 1e-6,
            "seed {seed}: the cap no longer bites ({smooth})"
        );
        assert!(p > 0.01, "seed {seed}: p {p}");
        assert!(
            r.summary.contains("keeping each station's size"),
            "{}",
            r.summary
        );
    }
}

/// 10% of stations with every candidate's second digit set to 0 or 5: flagged under both
/// nulls.
#[test]
fn a_planted_second_digit_anomaly_stands_under_both_nulls() {
    let mut sim = simulate(&ElectionSpec::clean(5000), 77);
    plant_round_second_digits(&mut sim.dataset, 10);
    let results = run(&sim.dataset);
    let r = subject(&results, "all");
    let kept = r.detail["size_null"]["p_value"]
        .as_f64()
        .expect("size null");
    let p = r.p_value.expect("p");
    assert!(p < 1e-10 && kept < 1e-10, "p {p}, size null {kept}");
    assert!(p >= kept);
}

/// Every `every`-th station: each count of 10 or more gets 0 or 5 as its second digit,
/// with valid votes and ballots following.
fn plant_round_second_digits(data: &mut Dataset, every: usize) {
    let k = data.n_candidates();
    for i in (0..data.stations.len()).step_by(every) {
        for j in 0..k {
            let v = &mut data.votes[i * k + j];
            if *v >= 10 {
                let mut block = 1;
                while *v / block >= 100 {
                    block *= 10;
                }
                let lead = *v / (10 * block);
                let digit = if (i / every + j) % 2 == 0 { 0 } else { 5 };
                *v = (lead * 10 + digit) * block + *v % block;
            }
        }
        let s = &mut data.stations[i];
        s.valid = data.votes[i * k..(i + 1) * k].iter().sum();
        s.ballots = s.valid + s.invalid;
        s.registered = s.registered.map(|r| r.max(s.ballots));
    }
}

#[test]
fn the_size_null_is_the_same_at_any_thread_count() {
    let sim = simulate(&capped_election(3000), 5);
    let go = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| run(&sim.dataset))
    };
    let one = go(1);
    assert!(subject(&one, "ballots").detail.get("size_null").is_some());
    assert_eq!(one, go(2));
}
