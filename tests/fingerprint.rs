//! The `fingerprint` check: recovery of planted ballot stuffing, intervals, the no-fraud
//! test, thread-count invariance, value stability and real data.

use std::time::Instant;

use elaudit::montecarlo::bootstrap::{Settings, analyse};
use elaudit::montecarlo::fingerprint_model::Stations;
use elaudit::simulate::{ElectionSpec, simulate};

fn spec(f_i: f64, f_e: f64) -> ElectionSpec {
    let mut s = ElectionSpec::clean(20_000);
    s.regions = 20;
    s.fraud.incremental = f_i;
    s.fraud.extreme = f_e;
    s.fraud.theta = 0.15;
    s.fraud.steal_exponent = 1.0;
    s
}

/// Exploration: `cargo test --release --test fingerprint explore -- --ignored --nocapture`.
#[test]
#[ignore]
fn explore() {
    let cases = [(0.0, 0.0), (0.2, 0.01), (0.5, 0.03), (0.0, 0.05)];
    let seeds: u64 = std::env::var("SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let b: usize = std::env::var("B")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    for &(fi, fe) in &cases {
        for seed in 0..seeds {
            let sim = simulate(&spec(fi, fe), 1000 + seed);
            let (st, _) = Stations::from_dataset(&sim.dataset);
            let settings = Settings {
                replicates: b,
                null_replicates: b,
                ..Settings::default()
            };
            let t = Instant::now();
            let a = analyse(&st, &settings, seed);
            let truth_added = sim.truth.fraud.ballots_added as f64;
            let mean = |f: &dyn Fn(&elaudit::montecarlo::bootstrap::Replicate) -> f64| {
                a.replicates.iter().map(f).sum::<f64>() / a.replicates.len().max(1) as f64
            };
            let bc_added = (2.0 * a.ballots_added.estimate - mean(&|r| r.ballots_added)).max(0.0);
            let bc_fi =
                (2.0 * a.f_incremental.estimate - mean(&|r| r.fraud.f_incremental)).max(0.0);
            println!(
                "   bc: added {bc_added:.0} ({:+.1}%) f_i {bc_fi:.3} | total ballots {:.0}",
                100.0 * (bc_added / truth_added.max(1.0) - 1.0),
                st.total_ballots()
            );
            println!(
                "fi={fi} fe={fe} seed={seed} t={:.2}s evals={} | f_i {:.3} [{:.3},{:.3}] f_e {:.4} [{:.4},{:.4}] θ {:.3} [{:.3},{:.3}] α {:.2} [{:.2},{:.2}] | added {:.0} [{:.0},{:.0}] truth {truth_added} ({:+.1}%) moved {:.0} truth {} | drop {:.1} p {:.2e} gof {:.3}",
                t.elapsed().as_secs_f64(),
                a.fit.evaluations,
                a.f_incremental.estimate,
                a.f_incremental.ci_low,
                a.f_incremental.ci_high,
                a.f_extreme.estimate,
                a.f_extreme.ci_low,
                a.f_extreme.ci_high,
                a.theta.estimate,
                a.theta.ci_low,
                a.theta.ci_high,
                a.steal_exponent.estimate,
                a.steal_exponent.ci_low,
                a.steal_exponent.ci_high,
                a.ballots_added.estimate,
                a.ballots_added.ci_low,
                a.ballots_added.ci_high,
                100.0 * (a.ballots_added.estimate / truth_added.max(1.0) - 1.0),
                a.votes_moved.estimate,
                sim.truth.fraud.votes_moved,
                a.test.distance_drop,
                a.test.p_value,
                a.goodness_of_fit.per_df,
            );
        }
    }
}

/// Debug one fit: `FI=0.2 FE=0.01 cargo test --release --test fingerprint debug_fit -- --ignored --nocapture`.
#[test]
#[ignore]
fn debug_fit() {
    use elaudit::montecarlo::batch_rng;
    use elaudit::montecarlo::fingerprint_model::FingerprintModel;
    use elaudit::montecarlo::fit::{Crn, Procedure, Start, fit};
    let fi: f64 = std::env::var("FI")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.2);
    let fe: f64 = std::env::var("FE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.01);
    let dseed: u64 = std::env::var("DSEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let sim = simulate(&spec(fi, fe), dseed);
    let (st, _) = Stations::from_dataset(&sim.dataset);
    if std::env::var("SHOWFAIR").is_ok() {
        let f0 = fit(&st, &Crn::draw(&st, 3, &mut batch_rng(0, "crn", 0)), &Procedure::of(FingerprintModel::Default), false, Start::Grid);
        for (g, p) in f0.fair.groups.iter().enumerate() {
            println!("g{g:2} t {:.3} sd {:.3} | s {:.3} sd {:.3} | true t {:.3}", p.turnout_center, p.turnout_spread, p.share_center, p.share_spread,
                sim.truth.fair.turnout_logit_centre + sim.truth.fair.region_turnout_effects[g]);
        }
    }
    let crns: u64 = std::env::var("CRNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let copies: usize = std::env::var("COPIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for c in 0..crns {
        let crn = Crn::draw(&st, copies, &mut batch_rng(c, "crn", 0));
        for (fi2, th) in [(fi, 0.15), (0.15, 0.154), (0.13, 0.16)] {
            let truth = elaudit::montecarlo::fingerprint_model::Fraud {
                f_incremental: fi2,
                f_extreme: fe,
                theta: th,
                steal_exponent: 1.0,
            };
            let ft = elaudit::montecarlo::fit::fit_fixed_fraud(
                &st,
                &crn,
                &Procedure::of(FingerprintModel::Default),
                &truth,
            );
            println!(
                "  at f_i {fi2} θ {th}: distance {:.1} added {:.0} fair t {:.4}",
                ft.distance, ft.ballots_added, ft.fair_turnout
            );
        }
        let t = Instant::now();
        let f = fit(
            &st,
            &crn,
            &Procedure::of(FingerprintModel::Default),
            true,
            Start::Grid,
        );
        println!(
            "{:.2}s d {:.1} f_i {:.3} f_e {:.4} θ {:.3} α {:.2} added {:.0} truth {} ({:+.1}%) fair t {:.4} truth {:?} evals {}",
            t.elapsed().as_secs_f64(),
            f.distance,
            f.fraud.f_incremental,
            f.fraud.f_extreme,
            f.fraud.theta,
            f.fraud.steal_exponent,
            f.ballots_added,
            sim.truth.fraud.ballots_added,
            100.0 * (f.ballots_added / (sim.truth.fraud.ballots_added as f64).max(1.0) - 1.0),
            f.fair_turnout,
            sim.truth.fair.turnout,
            f.evaluations
        );
    }
}
