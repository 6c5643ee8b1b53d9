//! Each region's share of the national fingerprint's stuffing (`--by-region`): stuffing
//! planted in three regions of ten must be placed there, the regions must add up to
//! the national estimate, and the result must not depend on the thread count.

use elaudit::audit::{AuditOptions, run_audit};
use elaudit::checks::{CheckOptions, Fingerprint};
use elaudit::data::Dataset;
use elaudit::fingerprint::allocation::{RegionShare, allocate};
use elaudit::fingerprint::bootstrap::{Analysis, Settings, analyse};
use elaudit::fingerprint::model::Stations;
use elaudit::report::Family;
use elaudit::simulate::{ElectionSpec, simulate};

const STUFFED_REGIONS: u32 = 3;

/// Ten regions; regions 0–2 carry Klimek stuffing (f_i 0.5, f_e 0.05), the rest are
/// the same election without it. Also returns the true ballots added per region.
fn spliced() -> (Dataset, Vec<f64>) {
    let mut s = ElectionSpec::clean(8_000);
    s.regions = 10;
    let clean = simulate(&s, 31).dataset;
    s.fraud.incremental = 0.5;
    s.fraud.extreme = 0.05;
    let dirty = simulate(&s, 31).dataset;
    let k = clean.n_candidates();
    let mut data = clean.clone();
    let mut truth = vec![0.0; 10];
    for i in 0..data.stations.len() {
        let r = clean.stations[i].region.get().expect("region");
        assert_eq!(clean.stations[i].registered, dirty.stations[i].registered);
        if r < STUFFED_REGIONS {
            truth[r as usize] += (dirty.stations[i].ballots - clean.stations[i].ballots) as f64;
            data.stations[i] = dirty.stations[i].clone();
            data.votes[i * k..(i + 1) * k].copy_from_slice(&dirty.votes[i * k..(i + 1) * k]);
        }
    }
    (data, truth)
}

fn settings() -> Settings {
    Settings {
        replicates: 20,
        null_replicates: 10,
        ..Settings::default()
    }
}

fn shares(data: &Dataset, seed: u64) -> (Analysis, Vec<RegionShare>) {
    let (st, _) = Stations::from_dataset(data);
    let a = analyse(&st, &settings(), seed);
    let shares = allocate(&st, &data.regions, &a, seed);
    (a, shares)
}

#[test]
fn stuffing_is_placed_in_the_regions_that_have_it() {
    let (data, truth) = spliced();
    let (a, shares) = shares(&data, 4);
    assert!(a.fraud_selected, "p = {}", a.test.p_value);
    assert_eq!(shares.len(), 10);
    // The regions add up to the national estimates.
    let sum_b: f64 = shares.iter().map(|s| s.ballots_added.estimate).sum();
    assert!((sum_b / a.ballots_added.estimate - 1.0).abs() < 1e-9);
    let national_stuffed = (a.f_incremental.estimate + a.f_extreme.estimate) * a.stations as f64;
    let sum_s: f64 = shares.iter().map(|s| s.stuffed_stations.estimate).sum();
    assert!((sum_s / national_stuffed - 1.0).abs() < 1e-9);
    let share_sum: f64 = shares.iter().map(|s| s.share_of_national).sum();
    assert!((share_sum - 1.0).abs() < 1e-9);

    let in_stuffed: f64 = shares
        .iter()
        .filter(|s| s.region < format!("R{:02}", STUFFED_REGIONS + 1))
        .map(|s| s.share_of_national)
        .sum();
    for s in &shares {
        println!(
            "{} {:.0} [{:.0}, {:.0}] stuffed {:.0} [{:.0}, {:.0}]",
            s.region,
            s.ballots_added.estimate,
            s.ballots_added.ci_low,
            s.ballots_added.ci_high,
            s.stuffed_stations.estimate,
            s.stuffed_stations.ci_low,
            s.stuffed_stations.ci_high
        );
    }
    println!("truth {truth:?}; national {:?}", a.ballots_added);
    assert!(in_stuffed > 0.8, "stuffed regions hold {in_stuffed}");
    // Where the stuffing is: each region's share against its true share. (The national
    // total itself is model-based; with stuffing in a few regions only, the regional
    // fair fits absorb part of it, which is the fit's business, not the allocation's.)
    let truth_total: f64 = truth.iter().sum();
    for (r, s) in shares.iter().enumerate() {
        let iv = &s.ballots_added;
        assert!(
            iv.ci_low <= iv.estimate && iv.estimate <= iv.ci_high,
            "{s:?}"
        );
        let true_share = truth[r] / truth_total;
        if r < STUFFED_REGIONS as usize {
            assert!(
                (s.share_of_national - true_share).abs() < 0.12,
                "{}: share {} vs {true_share}",
                s.region,
                s.share_of_national
            );
            assert!(iv.ci_low > 0.0, "{}: {iv:?}", s.region);
        } else {
            // A uniform spread would give each region 0.10. An unstuffed region whose fair
            // turnout sits high gets a few percent (0.038 for R04 with this seed).
            assert!(s.share_of_national < 0.05, "{}: {s:?}", s.region);
        }
    }
    // The stuffed stations, likewise.
    let stuffed_there: f64 = shares[..STUFFED_REGIONS as usize]
        .iter()
        .map(|s| s.stuffed_stations.estimate)
        .sum();
    assert!(stuffed_there > 0.5 * sum_s, "{stuffed_there} of {sum_s}");
}

#[test]
fn region_shares_do_not_depend_on_the_thread_count() {
    let mut s = ElectionSpec::clean(3_000);
    s.regions = 5;
    s.fraud.incremental = 0.3;
    s.fraud.extreme = 0.03;
    let data = simulate(&s, 2).dataset;
    let small = Settings {
        replicates: 4,
        null_replicates: 5,
        min_simulated: 9_000,
        ..Settings::default()
    };
    let (st, _) = Stations::from_dataset(&data);
    let run = || {
        let a = analyse(&st, &small, 3);
        allocate(&st, &data.regions, &a, 3)
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(run);
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool")
        .install(run);
    assert_eq!(one, three);
    assert_eq!(one.len(), 5);
}

#[test]
fn by_region_reports_each_region_its_share() {
    let (data, _) = spliced();
    let opts = AuditOptions {
        only: Some(vec!["fingerprint".into()]),
        by_region: true,
        checks: CheckOptions {
            fingerprint: Fingerprint::default().with_replicates(10, 8),
            ..CheckOptions::default()
        },
        ..AuditOptions::default()
    };
    let report = run_audit(&data, &opts);
    let regions = report.regions.expect("regions");
    assert_eq!(regions.len(), 10);
    for reg in &regions {
        let fp: Vec<_> = reg
            .checks
            .iter()
            .filter(|c| c.id == "fingerprint")
            .collect();
        assert_eq!(fp.len(), 1, "{}", reg.region);
        let c = fp[0];
        assert_eq!(c.family, Family::Descriptive);
        assert!(c.p_value.is_none() && !c.flagged);
        assert!(c.summary.contains("Not refitted"), "{}", c.summary);
        let share = &c.detail["national_share"];
        assert_eq!(share["region"].as_str(), Some(reg.region.as_str()));
        assert!(share["ballots_added"]["ci_high"].as_f64().is_some());
    }
    // National-only, descriptive entries give a region no p-value of its own.
    assert!(regions.iter().all(|r| r.p_value.is_none() && !r.flagged));
    // The national result carries the same shares.
    let national = &report.checks[0];
    assert_eq!(
        national.detail["region_shares"].as_array().map(|a| a.len()),
        Some(10)
    );
}

#[test]
fn regions_too_small_to_compare_are_named_as_such_not_as_missing() {
    let mut s = ElectionSpec::clean(3_000);
    s.regions = 200;
    let data = simulate(&s, 3).dataset;
    let opts = AuditOptions {
        only: Some(vec!["fingerprint".into()]),
        checks: CheckOptions {
            fingerprint: Fingerprint::default().with_replicates(10, 8),
            ..CheckOptions::default()
        },
        ..AuditOptions::default()
    };
    let report = run_audit(&data, &opts);
    let summary = &report.checks[0].summary;
    assert!(
        summary.contains("Every region holds fewer than 30")
            && !summary.contains("With no region column"),
        "{summary}"
    );
}
