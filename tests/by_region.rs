//! `--by-region`: a planted anomaly is found and ranked first, and the share of falsely
//! flagged regions stays near alpha over many seeds.

use elaudit::audit::{AuditOptions, run_audit};
use elaudit::data::Dataset;
use elaudit::report::Report;
use elaudit::simulate::{ElectionSpec, simulate};

/// Pushes every `every`-th station of region `r` up to the nearest whole turnout
/// percentage at or above its own, adding the ballots to the winner, as a rigged protocol would.
fn rig_integer_turnout(data: &mut Dataset, r: u32, every: usize) {
    let k = data.candidates.len();
    let winner = data.winner;
    let mut seen = 0usize;
    for i in 0..data.stations.len() {
        let s = &data.stations[i];
        if s.region.get() != Some(r) {
            continue;
        }
        seen += 1;
        if seen % every != 0 {
            continue;
        }
        let n = s.registered.unwrap();
        let b = s.ballots;
        let mut j = (100 * b).div_ceil(n);
        let target = loop {
            let t = (j * n + 50) / 100; // nearest count to j% of n
            if t >= b || j >= 100 {
                break t;
            }
            j += 1;
        };
        if target > n || target < b {
            continue;
        }
        let delta = target - b;
        let s = &mut data.stations[i];
        s.ballots += delta;
        s.valid += delta;
        data.votes[i * k + winner] += delta;
    }
}

fn audit_by_region(data: &Dataset, alpha: f64, seed: u64) -> Report {
    let mut opts = AuditOptions {
        alpha,
        by_region: true,
        ..AuditOptions::default()
    };
    opts.checks.seed = seed;
    // The digit checks are not what this file tests; integer-percent carries the signal.
    opts.only = Some(vec![
        "integer-percent".into(),
        "round-percent".into(),
        "last-digit".into(),
    ]);
    run_audit(data, &opts)
}

fn spec(stations: usize, regions: usize) -> ElectionSpec {
    let mut spec = ElectionSpec::clean(stations);
    spec.regions = regions;
    spec
}

#[test]
fn an_anomaly_in_one_region_of_twenty_is_found_and_ranked_first() {
    for seed in 0..3u64 {
        let mut data = simulate(&spec(20_000, 20), seed).dataset;
        let planted = 7u32;
        rig_integer_turnout(&mut data, planted, 10);
        let report = audit_by_region(&data, 0.01, seed);
        let regions = report.regions.as_ref().unwrap();
        assert_eq!(regions.len(), 20);
        assert_eq!(
            regions[0].region,
            data.regions[planted as usize],
            "seed {seed}: ranking {:?}",
            regions
                .iter()
                .map(|g| (&g.region, g.p_adjusted))
                .collect::<Vec<_>>()
        );
        assert!(regions[0].flagged, "seed {seed}");
        assert!(report.flagged, "a flagged region raises the report's flag");
        assert_eq!(regions[0].rank, 1);
        assert_eq!(regions[0].stations, 1000);
    }
}

#[test]
fn false_discovery_proportion_among_regions_stays_within_alpha() {
    // Two of twenty regions are rigged in each of 50 seeds; FDP = clean regions flagged
    // over regions flagged (0 when none is). BH over regions' Holm-combined p-values
    // controls its mean at alpha (regions are independent).
    let alpha = 0.05;
    let seeds = 50u64;
    let mut fdp = Vec::new();
    let mut found = 0usize;
    for seed in 100..100 + seeds {
        let mut data = simulate(&spec(8_000, 20), seed).dataset;
        let rigged = [(seed % 20) as u32, ((seed + 7) % 20) as u32];
        for r in rigged {
            rig_integer_turnout(&mut data, r, 8);
        }
        let report = audit_by_region(&data, alpha, seed);
        let regions = report.regions.unwrap();
        let flagged: Vec<_> = regions.iter().filter(|g| g.flagged).collect();
        let false_ones = flagged
            .iter()
            .filter(|g| !rigged.iter().any(|&r| data.regions[r as usize] == g.region))
            .count();
        found += flagged.len() - false_ones;
        fdp.push(if flagged.is_empty() {
            0.0
        } else {
            false_ones as f64 / flagged.len() as f64
        });
    }
    let n = fdp.len() as f64;
    let mean = fdp.iter().sum::<f64>() / n;
    let sd = (fdp.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = sd / n.sqrt();
    eprintln!("mean FDP {mean:.4} (se {se:.4}); rigged regions found {found} of 100");
    assert!(
        mean <= alpha + 2.0 * se.max(0.01),
        "mean FDP {mean:.4} (se {se:.4}) above alpha {alpha}"
    );
    // The rigging must be detectable for the proportion to mean anything.
    assert!(found >= 80, "only {found} of 100 rigged regions found");
}

#[test]
fn by_region_results_are_identical_at_any_thread_count() {
    let data = simulate(&spec(4_000, 8), 9).dataset;
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| elaudit::report::render_json(&audit_by_region(&data, 0.01, 9)))
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn a_region_below_a_checks_minimum_says_not_applicable() {
    let mut s = spec(1_050, 2);
    s.regions = 2;
    let data = simulate(&s, 4).dataset;
    // Keep 50 stations in the second region.
    let k = data.candidates.len();
    let keep: Vec<usize> = (0..data.stations.len())
        .filter(|&i| data.stations[i].region.get() == Some(0) || i % 500 < 50)
        .collect();
    let mut small = data.clone();
    small.stations = keep.iter().map(|&i| data.stations[i].clone()).collect();
    small.votes = keep
        .iter()
        .flat_map(|&i| data.votes[i * k..(i + 1) * k].to_vec())
        .collect();
    small.on_ballot = keep
        .iter()
        .flat_map(|&i| data.on_ballot[i * k..(i + 1) * k].to_vec())
        .collect();
    let report = audit_by_region(&small, 0.01, 1);
    let regions = report.regions.unwrap();
    let tiny = regions
        .iter()
        .find(|g| g.stations < 100)
        .expect("a small region");
    let ip = tiny
        .checks
        .iter()
        .find(|c| c.id == "integer-percent" && c.subject == "turnout")
        .unwrap();
    assert!(!ip.applicable);
    assert!(ip.not_applicable.as_deref().unwrap().contains("100"));
}
