//! The `fingerprint` check: recovery of planted ballot stuffing, intervals, the no-fraud
//! test and its fitted tail, thread-count invariance, value stability, the report
//! layout, and real data when ../shared/data is present.
//!
//! The full recovery suite (20 seeds per case, 80 runs) is ignored by default:
//!   cargo test --release --test fingerprint -- --ignored --nocapture recovery_full
//! Real data with the default replicate counts (numbers for the README):
//!   cargo test --release --test fingerprint -- --ignored --nocapture real_data_full

mod common;

use std::path::Path;
use std::time::Instant;

use elaudit::checks::{Check, CheckContext, CheckOptions, Fingerprint};
use elaudit::data::{ColumnSpec, Dataset, ExcludeRule, LoadOptions};
use elaudit::fingerprint::bootstrap::{
    Analysis, BinningChoice, Interval, MISFIT_RATIO, Settings, analyse,
};
use elaudit::fingerprint::fit::{Binning, Crn, Procedure, Start, fit, fit_fraud_given_fair};
use elaudit::fingerprint::model::{
    FairGroup, FairModel, FairShape, FingerprintModel, Fraud, Stations, logit, simulate_stations,
};
use elaudit::montecarlo::batch_rng;
use elaudit::montecarlo::tail::GammaTail;
use elaudit::report::CheckResult;
use elaudit::simulate::{ElectionSpec, Simulated, simulate};

/// The issue's recovery setting: 20 regions with their own random effects, θ = 0.15,
/// stealing exponent 1.
fn spec(stations: usize, f_i: f64, f_e: f64) -> ElectionSpec {
    let mut s = ElectionSpec::clean(stations);
    s.regions = 20;
    s.fraud.incremental = f_i;
    s.fraud.extreme = f_e;
    s.fraud.theta = 0.15;
    s.fraud.steal_exponent = 1.0;
    s
}

const CASES: [(f64, f64); 4] = [(0.0, 0.0), (0.2, 0.01), (0.5, 0.03), (0.0, 0.05)];

/// One recovery run and what it is checked against.
struct Run {
    f_i: f64,
    f_e: f64,
    seed: u64,
    sim: Simulated,
    total_ballots: f64,
    a: Analysis,
}

fn recovery_run(f_i: f64, f_e: f64, seed: u64, settings: &Settings) -> Run {
    let sim = simulate(&spec(20_000, f_i, f_e), 1000 + seed);
    let (st, _) = Stations::from_dataset(&sim.dataset);
    let a = analyse(&st, settings, seed);
    Run {
        f_i,
        f_e,
        seed,
        total_ballots: st.total_ballots(),
        sim,
        a,
    }
}

impl Run {
    fn ballots_truth(&self) -> f64 {
        self.sim.truth.fraud.ballots_added as f64
    }

    fn votes_truth(&self) -> f64 {
        self.sim.truth.fraud.votes_moved as f64
    }

    /// The issue's per-run criteria; `None` when met, else why not.
    fn failure(&self) -> Option<String> {
        let a = &self.a;
        if (a.f_extreme.estimate - self.f_e).abs() > 0.01 {
            return Some(format!("f_e {} vs {}", a.f_extreme.estimate, self.f_e));
        }
        let added = a.ballots_added.estimate;
        let truth = self.ballots_truth();
        if truth == 0.0 {
            if added > 0.005 * self.total_ballots {
                return Some(format!("{added} ballots added of {}", self.total_ballots));
            }
        } else if (added / truth - 1.0).abs() > 0.25 {
            return Some(format!("{added} ballots added, truth {truth}"));
        }
        None
    }

    /// Whether each interval covers the truth: f_i, f_e, θ, α, ballots, votes.
    fn covers(&self) -> [bool; 6] {
        let a = &self.a;
        [
            a.f_incremental.covers(self.f_i),
            a.f_extreme.covers(self.f_e),
            a.theta.covers(0.15),
            a.steal_exponent.covers(1.0),
            a.ballots_added.covers(self.ballots_truth()),
            a.votes_moved.covers(self.votes_truth()),
        ]
    }

    fn line(&self) -> String {
        let a = &self.a;
        let iv = |i: &Interval, d: usize| {
            format!("{:.d$} [{:.d$}, {:.d$}]", i.estimate, i.ci_low, i.ci_high)
        };
        format!(
            "({}, {}) seed {:2}: f_i {} f_e {} θ {} α {} | added {} truth {:.0} | moved {} truth {:.0} | p {:.2e} | {}",
            self.f_i,
            self.f_e,
            self.seed,
            iv(&a.f_incremental, 3),
            iv(&a.f_extreme, 4),
            iv(&a.theta, 3),
            iv(&a.steal_exponent, 2),
            iv(&a.ballots_added, 0),
            self.ballots_truth(),
            iv(&a.votes_moved, 0),
            self.votes_truth(),
            a.test.p_value,
            binning_of(a),
        )
    }
}

/// How the analysis compared histograms, with the auto gate's ratio when it ran.
fn binning_of(a: &Analysis) -> String {
    let kind = match a.procedure.binning {
        Binning::National(_) => "national",
        Binning::PerGroup => "per-region",
    };
    match a.per_region_trial {
        Some(t) => format!("{kind} (per-region ratio {:.3})", t.ratio),
        None => kind.to_string(),
    }
}

/// The fraud half of the fit, with the fair model held at the truth, recovers the
/// planted stuffing closely: what the recovery suite misses comes from estimating the
/// fair model (README, "Known limits of the fingerprint"). Measured over 16 seeds at
/// (0.5, 0.03): f_i 0.501 ± 0.022, ballots added 0.99 ± 0.03 of the truth.
#[test]
fn fraud_fit_with_the_true_fair_model_recovers_the_stuffing() {
    let sim = simulate(&spec(20_000, 0.0, 0.0), 77);
    let (template, _) = Stations::from_dataset(&sim.dataset);
    // Regions with their own centres (logit scale), one spread each for turnout and share.
    let groups = (0..template.n_groups())
        .map(|g| FairGroup {
            turnout_center: 0.4 + 0.05 * (g % 5) as f64 - 0.1,
            turnout_spread: 0.35,
            share_center: -0.2 + 0.04 * (g % 4) as f64,
            share_spread: 0.3,
        })
        .collect();
    let fair = FairModel {
        shape: FairShape::LogitNormal,
        covariates: Default::default(),
        groups,
    };
    let truth = Fraud {
        f_incremental: 0.5,
        f_extreme: 0.03,
        theta: 0.15,
        steal_exponent: 1.0,
    };
    for seed in 0..3 {
        let mut rng = batch_rng(seed, "fraud-given-fair", 0);
        let (st, planted) = simulate_stations(&template, &fair, &truth, &mut rng);
        let proc_ = Procedure::of(FingerprintModel::Default);
        let crn = Crn::draw(&st, 3, &mut rng);
        let f = fit_fraud_given_fair(&st, &crn, &proc_, &fair, Start::Grid);
        let ratio = f.ballots_added / planted.ballots_added;
        println!(
            "seed {seed}: f_i {:.3} f_e {:.4} θ {:.3} α {:.2} ballots {ratio:.3} of the truth",
            f.fraud.f_incremental, f.fraud.f_extreme, f.fraud.theta, f.fraud.steal_exponent
        );
        assert!((f.fraud.f_incremental - 0.5).abs() < 0.08, "{:?}", f.fraud);
        assert!((f.fraud.f_extreme - 0.03).abs() < 0.005, "{:?}", f.fraud);
        assert!((f.fraud.theta - 0.15).abs() < 0.03, "{:?}", f.fraud);
        assert!(
            (ratio - 1.0).abs() < 0.12,
            "ballots added {ratio} of the truth"
        );
        // The corner's parts, which a misfit reports as the headline, against what the
        // simulation (exact binomials, whole votes) really put in the corner.
        let corner_ballots = f.corner_ballots_added / planted.corner_ballots_added;
        let corner_votes = f.corner_votes_moved / planted.corner_votes_moved;
        println!("seed {seed}: corner ballots {corner_ballots:.3}, votes {corner_votes:.3}");
        for r in [corner_ballots, corner_votes] {
            assert!((r - 1.0).abs() < 0.1, "corner {r} of the truth");
        }
    }
}

/// Clean runs must also give f_e intervals reaching 0 and stay unflagged (p ≥ 0.01
/// unadjusted is enough for any Holm adjustment at alpha 0.01).
fn clean_failure(r: &Run) -> Option<String> {
    if r.f_i == 0.0 && r.f_e == 0.0 {
        if r.a.f_extreme.ci_low != 0.0 {
            return Some(format!("f_e interval {:?}", r.a.f_extreme));
        }
        if r.a.test.p_value < 0.01 {
            return Some(format!("clean election flagged, p = {}", r.a.test.p_value));
        }
    }
    None
}

fn recovery(seeds: u64, settings: &Settings, check_coverage: bool) {
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut covered = [0usize; 6];
    let mut runs = 0usize;
    // RECOVERY_CASE=0.2,0.01 runs one case only (for experiments); the suite's
    // coverage criterion is then not checked.
    let only = std::env::var("RECOVERY_CASE").ok().map(|v| {
        let p: Vec<f64> = v.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        (
            p.first().copied().unwrap_or(f64::NAN),
            p.get(1).copied().unwrap_or(f64::NAN),
        )
    });
    // RECOVERY_SEED_OFFSET=20 runs seeds 20.. instead of 0.. (a held-out check of the suite).
    let seed_offset: u64 = std::env::var("RECOVERY_SEED_OFFSET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let check_coverage = check_coverage && only.is_none();
    for &(f_i, f_e) in CASES.iter().filter(|c| only.is_none_or(|o| o == **c)) {
        for seed in (0..seeds).map(|s| s + seed_offset) {
            let r = recovery_run(f_i, f_e, seed, settings);
            println!("{}", r.line());
            if let Some(f) = r.failure().or_else(|| clean_failure(&r)) {
                failures.push(format!("({f_i}, {f_e}) seed {seed}: {f}"));
            }
            for (c, ok) in covered.iter_mut().zip(r.covers()) {
                *c += usize::from(ok);
            }
            runs += 1;
        }
    }
    assert!(runs > 0, "RECOVERY_CASE matches none of {CASES:?}");
    let names = [
        "f_i",
        "f_e",
        "theta",
        "alpha",
        "ballots_added",
        "votes_moved",
    ];
    let rates: Vec<String> = names
        .iter()
        .zip(covered)
        .map(|(n, c)| format!("{n} {c}/{runs}"))
        .collect();
    println!(
        "coverage: {} ({:.0} s)",
        rates.join(", "),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    if check_coverage {
        for (n, c) in names.iter().zip(covered) {
            assert!(
                c as f64 >= 0.875 * runs as f64,
                "{n}: 95% intervals cover the truth in {c} of {runs} runs"
            );
        }
    }
}

/// Two seeds per case with fewer replicates: the per-run criteria only.
#[test]
fn recovery_fast() {
    let settings = Settings {
        replicates: 20,
        null_replicates: 20,
        ..Settings::default()
    };
    recovery(2, &settings, false);
}

/// The issue's suite: 20 seeds per case (80 runs) with the default settings,
/// per-run criteria and pooled 95% coverage of at least 87.5% for every quantity.
/// About 6 minutes on 2 cores:
///   cargo test --release --test fingerprint -- --ignored --nocapture recovery_full
/// The default binning is auto, and on these elections it keeps the per-region fit in
/// every run (its deviance is 0.93–1.08 times its replicates'). `RECOVERY_BINNING=national`
/// or `per-region` forces one; national binning misses one criterion (ballots added
/// within 25% in 51 of 60 runs; README, "Known limits of the fingerprint").
/// `RECOVERY_CASE=0.2,0.01` runs one case (coverage then not checked) and
/// `RECOVERY_SEED_OFFSET=20` other seeds.
#[test]
#[ignore]
fn recovery_full() {
    let binning = match std::env::var("RECOVERY_BINNING").as_deref() {
        Ok("national") => BinningChoice::National,
        Ok("per-region") => BinningChoice::PerRegion,
        Ok("auto") | Err(_) => BinningChoice::Auto,
        Ok(other) => panic!("RECOVERY_BINNING={other}: give auto, national or per-region"),
    };
    let settings = Settings {
        binning,
        ..Settings::default()
    };
    recovery(20, &settings, true);
}

/// kz2022's preset (winner 81%, turnout 72%) at the recovery suite's size: 20,000
/// stations in 20 regions, clean.
fn kz2022_shape() -> ElectionSpec {
    let mut s = elaudit::simulate::kz2022();
    s.stations = 20_000;
    s.regions = 20;
    s
}

/// A shape the suite does not probe: kz2022's (winner 81%, turnout 72%), 20,000
/// stations in 20 regions, f_i 0.3, f_e 0.03, θ 0.15, as `elaudit simulate --preset
/// kz2022 --stations 20000 --regions 20 --incremental 0.3 --extreme 0.03 --seed S`.
/// Extreme stuffing is recovered; the ballots added are not (0.41–0.93 of the truth
/// over seeds 1–8 by default; README, "Known limits of the fingerprint"). This pins
/// what holds, prints the rest, and is the test to turn into a criterion when the
/// incremental part is mended. About 20 seconds; `HIGH_SHARE_SEEDS=8` for more seeds.
///   cargo test --release --test fingerprint -- --ignored --nocapture recovery_high_share
#[test]
#[ignore]
fn recovery_high_share() {
    let seeds: u64 = std::env::var("HIGH_SHARE_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let mut ratios = Vec::new();
    for seed in 1..=seeds {
        let mut s = kz2022_shape();
        s.fraud.incremental = 0.3;
        s.fraud.extreme = 0.03;
        let sim = simulate(&s, seed);
        let (st, _) = Stations::from_dataset(&sim.dataset);
        let a = analyse(&st, &Settings::default(), 42);
        let truth = sim.truth.fraud.ballots_added as f64;
        let r = a.ballots_added.estimate / truth;
        println!(
            "seed {seed}: f_i {:.3} f_e {:.4} θ {:.3} | ballots added {:.2} of the truth [{:.2}, {:.2}] | {}",
            a.f_incremental.estimate,
            a.f_extreme.estimate,
            a.theta.estimate,
            r,
            a.ballots_added.ci_low / truth,
            a.ballots_added.ci_high / truth,
            binning_of(&a),
        );
        assert!((a.f_extreme.estimate - 0.03).abs() < 0.005, "seed {seed}");
        assert!(a.p_value() < 1e-6, "seed {seed}: stuffing not flagged");
        ratios.push(r);
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    println!("ballots added, mean ratio to the truth: {mean:.2}");
    // Known to read low; a reading far above the truth would be a new failure.
    assert!(ratios.iter().all(|&r| r < 1.5), "{ratios:?}");
}

/// Elections whose regions each mix two kinds of station (a town and a country
/// logit-normal, far apart in share, alike in turnout): compared region by region the
/// fair model fits them far worse than its own simulated elections (ratio 1.6 against
/// 1.0), and the default binning falls back to the national grid; the same election
/// with one kind per region keeps the per-region fit. A mix this stark fools the
/// national fit too (p ~ 1e-6 here, against 1e-24 region by region): the report then
/// says that the model fits badly (README, "Known limits of the fingerprint").
#[test]
fn auto_binning_falls_back_when_regions_mix_town_and_country() {
    // Eight simulated regions of 1,200 stations, read as four regions of 2,400.
    let mut spec = spec(9_600, 0.0, 0.0);
    spec.regions = 8;
    let sim = simulate(&spec, 5);
    let (template, _) = Stations::from_dataset(&sim.dataset);
    let kind = |g: usize, mixed: bool| {
        // Towns: lower turnout, the winner weaker; the country the other way.
        let town = g % 2 == 0;
        let (t, s) = if !mixed || town {
            (0.1, -0.6)
        } else {
            (0.1, 0.8)
        };
        let shift = 0.1 * (g / 2) as f64;
        FairGroup {
            turnout_center: t + shift,
            turnout_spread: 0.3,
            share_center: s - shift,
            share_spread: 0.3,
        }
    };
    let settings = |binning| Settings {
        binning,
        replicates: 10,
        null_replicates: 10,
        ..Settings::default()
    };
    for mixed in [true, false] {
        let fair = FairModel {
            shape: FairShape::LogitNormal,
            covariates: Default::default(),
            groups: (0..8).map(|g| kind(g, mixed)).collect(),
        };
        let mut rng = batch_rng(11, "mixed-regions", 0);
        let (mut st, _) = simulate_stations(&template, &fair, &Fraud::NONE, &mut rng);
        st.group.iter_mut().for_each(|g| *g /= 2);
        st.group_names = (1..=4).map(|r| format!("R{r}")).collect();
        let a = analyse(&st, &settings(BinningChoice::Auto), 3);
        let trial = a
            .per_region_trial
            .expect("regions of 2,400 get their own grids");
        println!(
            "mixed {mixed}: {} | p {:.3e} | added {:.0}",
            binning_of(&a),
            a.p_value(),
            a.ballots_added.estimate
        );
        if mixed {
            assert!(trial.ratio > MISFIT_RATIO + 0.2, "{trial:?}");
            assert!(!trial.kept);
            // What the gate is for: region by region the country stations read as
            // stuffing that takes votes without adding many ballots (α well below 1).
            // That fit misfits, so the incremental part cannot flag: the check is not
            // flagged although its no-stuffing test rejects.
            let forced = analyse(&st, &settings(BinningChoice::PerRegion), 3);
            assert!(forced.test.p_value < 1e-6, "{}", forced.test.p_value);
            assert!(
                forced.fit.fraud.steal_exponent < 0.5,
                "{:?}",
                forced.fit.fraud
            );
            assert!(forced.misfits(), "{:?}", forced.goodness_of_fit);
            assert!(forced.p_value() > 0.01, "{}", forced.p_value());
            assert!(matches!(a.procedure.binning, Binning::National(_)));
            // The fallback is the national analysis, seed for seed.
            let national = analyse(&st, &settings(BinningChoice::National), 3);
            assert_eq!(a.fit, national.fit);
            assert_eq!(a.p_value(), national.p_value());
        } else {
            assert!(trial.ratio < MISFIT_RATIO, "{trial:?}");
            assert!(trial.kept);
            assert_eq!(a.procedure.binning, Binning::PerGroup);
            // Region by region the plain fair model fits, so it is the one reported, and
            // the model that follows size is read beside it.
            assert!(!a.procedure.covariates);
            let alt = a.alternatives.first().expect("the other fair model");
            assert!(alt.fits, "{alt:?}");
            let forced = analyse(&st, &settings(BinningChoice::PerRegion), 3);
            assert!(forced.p_value() > 0.01, "{}", forced.p_value());
            assert!(
                a.p_value() > 0.01,
                "clean election flagged: {}",
                a.p_value()
            );
        }
    }
}

/// The extreme reading of the materiality test at the boundary of its null: extreme
/// stuffing alone, planted to add about the margin (0.5% of ballots), on the recovery
/// suite's elections. How much a given election's stuffing really adds varies (how
/// many stations, and which), and the null is about this election's: a valid test
/// rejects at most about alpha of the time where it added no more than the margin,
/// and its reading exceeds the truth by 1.645 sd about 5% of the time.
///   cargo test --release --test fingerprint -- --ignored --nocapture materiality_at_the_margin
/// Measured (20 seeds): no rejection at 0.05 in the 10 elections at or below the margin
/// (5 in the 10 above it); one reading above the truth by more than 1.645 sd. With
/// MARGIN_SEEDS=60: none in 27; reading − truth 0.002 ± 0.042 points against a mean
/// bootstrap sd of 0.036, i.e. (reading − truth) / sd has sd 1.24: the bootstrap sd is
/// about a fifth too small (5 of 60 above 1.645 sd, 2 above 2.326).
#[test]
#[ignore]
fn materiality_at_the_margin() {
    let extreme_share = |sim: &Simulated| {
        sim.truth.fraud.extreme.ballots_added as f64 / sim.truth.totals.ballots as f64
    };
    // Extreme ballots grow in proportion to f_e: a pilot at 2% sets it.
    let pilot = extreme_share(&simulate(&spec(20_000, 0.0, 0.02), 5000));
    let f_e = 0.02 * 0.005 / pilot;
    // MARGIN_SEEDS=100 for a closer look at the sd (the assertions below are for 20).
    let seeds: u64 = std::env::var("MARGIN_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let (mut at_or_below, mut false_rejections, mut high) = (0, 0, 0);
    for seed in 0..seeds {
        let sim = simulate(&spec(20_000, 0.0, f_e), 6000 + seed);
        let (st, _) = Stations::from_dataset(&sim.dataset);
        let a = analyse(&st, &Settings::default(), seed);
        let m = &a.material_extreme;
        let truth = extreme_share(&sim);
        println!(
            "seed {seed}: f_e {f_e:.4}, truth {:.4}%, read {:.4}% (sd {:.4}%), p {:.3}",
            100.0 * truth,
            100.0 * m.share,
            100.0 * m.sd,
            m.p_value
        );
        if truth <= m.margin {
            at_or_below += 1;
            false_rejections += usize::from(m.p_value < 0.05);
        }
        high += usize::from(m.share - truth > 1.645 * m.sd);
    }
    println!("{false_rejections} of {at_or_below} rejected at or below the margin; {high} high");
    // Binomial(n, 0.05) beyond 2.5 sd: 3 of 20 (P(X ≥ 4) = 0.016), 7 of 60.
    let bound = |n: usize| (0.05 * n as f64 + 2.5 * (0.0475 * n as f64).sqrt()).floor() as usize;
    assert!(
        at_or_below >= 5,
        "only {at_or_below} elections at or below the margin"
    );
    assert!(
        false_rejections <= bound(at_or_below).max(3),
        "{false_rejections} of {at_or_below}"
    );
    let n = seeds as usize;
    assert!(
        high <= bound(n),
        "{high} of {n} readings above the truth by 1.645 sd"
    );
}

#[test]
fn clean_elections_with_regional_differences_are_not_flagged() {
    for seed in 0..2 {
        let mut s = spec(10_000, 0.0, 0.0);
        s.region_sd = 0.5;
        let sim = simulate(&s, 77 + seed);
        let (st, _) = Stations::from_dataset(&sim.dataset);
        let settings = Settings {
            replicates: 20,
            null_replicates: 20,
            ..Settings::default()
        };
        let a = analyse(&st, &settings, seed);
        assert_eq!(a.f_extreme.ci_low, 0.0, "{:?}", a.f_extreme);
        assert!(a.test.p_value >= 0.01, "p = {}", a.test.p_value);
        assert!(!a.fraud_selected);
        // Neither materiality reading sees stuffing to weigh against the margin.
        assert_eq!(a.material_p(), 1.0);
        assert_eq!(a.ballots_added.estimate, 0.0);
        assert!(!a.theta_identified && !a.steal_exponent_identified);
    }
}

/// Honest special stations (hospitals, prisons: small, nearly every voter votes, the
/// winner ahead) put few ballots in the corner; a fit that places its stuffing at
/// stations of ordinary size must not read more there than they hold.
#[test]
fn honest_special_stations_are_not_read_as_more_stuffing_than_they_hold() {
    let mut data = simulate(&spec(8_000, 0.0, 0.0), 31).dataset;
    let k = data.candidates.len();
    let mut special_ballots = 0u64;
    for i in (0..data.stations.len()).step_by(33) {
        let s = &mut data.stations[i];
        let registered = 120 + (i % 150) as u32;
        let ballots = registered - (i % 3) as u32;
        (s.registered, s.ballots, s.valid, s.invalid) = (Some(registered), ballots, ballots, 0);
        special_ballots += u64::from(ballots);
        let votes = &mut data.votes[i * k..(i + 1) * k];
        votes.fill(0);
        votes[data.winner] = ballots * 3 / 4;
        votes[(data.winner + 1) % k] = ballots - ballots * 3 / 4;
    }
    let (st, _) = Stations::from_dataset(&data);
    let a = analyse(&st, &small_settings(), 5);
    let share_cast = special_ballots as f64 / st.total_ballots();
    assert!(
        a.corner_room < share_cast,
        "{} vs {share_cast}",
        a.corner_room
    );
    assert!(a.material_extreme.share <= a.corner_room + 1e-12);
    assert!(a.material_p() >= 0.01, "flagged: {}", a.material_p());
}

/// A small election, quick to analyse.
fn small(f_i: f64, f_e: f64, seed: u64) -> Dataset {
    let mut s = spec(3_000, f_i, f_e);
    s.regions = 5;
    simulate(&s, seed).dataset
}

fn small_settings() -> Settings {
    Settings {
        replicates: 6,
        null_replicates: 6,
        min_simulated: 9_000,
        ..Settings::default()
    }
}

#[test]
fn thread_count_does_not_change_the_analysis() {
    let data = small(0.2, 0.02, 5);
    let (st, _) = Stations::from_dataset(&data);
    let run = || analyse(&st, &small_settings(), 9);
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("pool")
    };
    let one = pool(1).install(run);
    let two = pool(2).install(run);
    assert_eq!(one, two);
    // Regions of 1,000 stations: auto binning's per-region trial runs too.
    let mut s = spec(3_000, 0.2, 0.02);
    s.regions = 3;
    let (st3, _) = Stations::from_dataset(&simulate(&s, 5).dataset);
    let run3 = || analyse(&st3, &small_settings(), 9);
    let one = pool(1).install(run3);
    assert!(one.per_region_trial.is_some());
    assert_eq!(one, pool(2).install(run3));
    // The check's report entry, byte for byte.
    let check = Fingerprint::default().with_replicates(4, 4);
    let json =
        |n| pool(n).install(|| serde_json::to_string(&run_check(&data, &check, 3)).expect("json"));
    assert_eq!(json(1), json(2));
}

/// Value stability: these numbers must not change, or old reports stop reproducing.
/// (The last two changed on purpose with the paired bootstrap worlds: every simulated
/// count now takes one normal and one uniform draw, and the estimate is read off both
/// worlds. The p-value changed on purpose again when α's search reached 1000: the null
/// replicates' refits search a wider range. The ballots added changed on purpose when the
/// corner's reading was capped by what the observed stations there hold: the fit's corner
/// overshot it by about 580 ballots, taken off the whole; and again when the corner's room
/// asked for 95% for the winner as well as 95% turnout.)
#[test]
fn value_stability() {
    let data = small(0.2, 0.02, 5);
    let (st, _) = Stations::from_dataset(&data);
    let a = analyse(&st, &small_settings(), 9);
    let pinned = [
        a.fit.fraud.f_incremental,
        a.fit.fraud.f_extreme,
        a.fit.fraud.theta,
        a.fit.distance,
        a.ballots_added.estimate,
        a.test.p_value,
    ];
    println!("{pinned:?}");
    assert_eq!(pinned, PINNED);
}
const PINNED: [f64; 6] = [
    0.03777777777777778,
    0.022444444444444444,
    0.202855061805491,
    1579.6861957190538,
    28048.51202818538,
    3.0200245288558715e-10,
];

/// The gamma tail against the null replicates it was fitted to: Kolmogorov–Smirnov
/// distance below the 5% critical value, and the fitted exceedance probabilities at
/// the replicates' own quantiles within sampling error.
#[test]
fn null_tail_fits_the_null_replicates() {
    let data = small(0.0, 0.0, 21);
    let (st, _) = Stations::from_dataset(&data);
    let settings = Settings {
        replicates: 0,
        null_replicates: 80,
        min_simulated: 9_000,
        ..Settings::default()
    };
    let a = analyse(&st, &settings, 4);
    let null = &a.test.null_drops;
    let tail = a.test.tail.expect("a tail");
    println!("{tail:?}");
    assert_eq!(tail, GammaTail::fit(null).expect("refit"));
    let n = null.len() as f64;
    // Kolmogorov's 5% critical value 1.358/sqrt(n); conservative with fitted parameters.
    assert!(
        tail.ks_distance < 1.358 / n.sqrt(),
        "KS {}",
        tail.ks_distance
    );
    let mut sorted = null.clone();
    sorted.sort_by(f64::total_cmp);
    for q in [0.5, 0.8, 0.9] {
        let x = sorted[((n - 1.0) * q) as usize];
        let empirical = null.iter().filter(|&&d| d > x).count() as f64 / n;
        let fitted = tail.sf(x);
        let se = (fitted * (1.0 - fitted) / n).sqrt();
        assert!(
            (empirical - fitted).abs() < 3.0 * se + 1.0 / n,
            "at {x}: empirical {empirical}, fitted {fitted}"
        );
    }
    // Far beyond the replicates the fitted tail still gives a p-value.
    let far = sorted[sorted.len() - 1] * 20.0 + 100.0;
    let p = tail.sf(far);
    assert!(p > 0.0 && p < 1e-10, "{p}");
}

fn run_check(data: &Dataset, check: &Fingerprint, seed: u64) -> CheckResult {
    let options = CheckOptions {
        seed,
        ..CheckOptions::default()
    };
    let ctx = CheckContext::new(data, &options);
    let mut out = check.run(&ctx);
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn report_entry_has_the_issue_layout() {
    let data = small(0.3, 0.04, 8);
    let r = run_check(&data, &Fingerprint::default().with_replicates(6, 6), 1);
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(v["id"], "fingerprint");
    assert_eq!(v["subject"], "winner-share");
    assert_eq!(v["family"], "holm");
    assert!(r.applicable);
    let d = &v["detail"];
    for key in [
        "f_incremental",
        "f_extreme",
        "steal_exponent",
        "theta",
        "ballots_added",
        "votes_moved",
        "fair",
    ] {
        for part in ["estimate", "ci_low", "ci_high"] {
            let path = if key == "fair" {
                d[key]["turnout"][part].clone()
            } else {
                d[key][part].clone()
            };
            assert!(path.is_number(), "{key}.{part}: {path}");
        }
    }
    assert_eq!(d["model"], "default");
    let h = &d["histogram"];
    assert_eq!(
        (h["bins_turnout"].as_u64(), h["bins_share"].as_u64()),
        (Some(50), Some(50))
    );
    let counts = h["counts"].as_array().expect("counts");
    assert_eq!(counts.len(), 2500);
    let total: u64 = counts.iter().filter_map(|c| c.as_u64()).sum();
    assert_eq!(total, r.n);
    // Planted stuffing at 4% of stations is found: both parts of the p-value reject.
    assert!(r.p_value.expect("p") < 1e-6, "{:?}", r.p_value);
    let m = &d["materiality"];
    assert_eq!(m["margin"].as_f64(), Some(0.005));
    let p_nf = d["no_fraud_test"]["p_value"].as_f64().expect("p");
    let p_m = m["p_value"].as_f64().expect("p");
    assert_eq!(r.p_value, Some(p_nf.max(p_m)));
    // Two readings of one materiality null, combined by Bonferroni.
    let reading = |k: &str| m[k]["p_value"].as_f64().expect(k);
    let (p_all, p_ext) = (reading("all_stuffing"), reading("extreme_stuffing"));
    assert_eq!(p_m, (2.0 * p_all.min(p_ext)).min(1.0));
    for k in ["all_stuffing", "extreme_stuffing"] {
        assert!(
            m[k]["share_of_ballots"].as_f64().expect("share") > 0.0,
            "{m}"
        );
    }
    assert!(r.summary.contains("not proof of fraud"), "{}", r.summary);
    assert!(r.summary.contains("model-based estimate"), "{}", r.summary);
    assert_eq!(
        r.effect.as_ref().map(|e| e.measure.as_str()),
        Some("ballots_added_share")
    );
}

#[test]
fn stations_in_the_histogram_follow_the_inclusion_rules() {
    let data = small(0.0, 0.0, 2);
    let (st, left) = Stations::from_dataset(&data);
    let expected = data
        .stations
        .iter()
        .filter(|s| s.registered.unwrap_or(0) >= 100 && s.turnout().is_some() && s.valid > 0)
        .count();
    assert_eq!(st.len(), expected);
    assert_eq!(
        st.len() as u64 + left.small + left.no_turnout + left.no_valid + left.implausible,
        data.stations.len() as u64
    );
}

#[test]
fn not_applicable_without_registered_voters() {
    let mut data = small(0.0, 0.0, 3);
    data.roles.registered = false;
    for s in &mut data.stations {
        s.registered = None;
    }
    let r = run_check(&data, &Fingerprint::default(), 1);
    assert!(!r.applicable);
    assert_eq!(r.p_value, None);
    let mut tiny = small(0.0, 0.0, 3);
    tiny.stations.truncate(50);
    tiny.votes.truncate(50 * tiny.candidates.len());
    tiny.on_ballot.truncate(50 * tiny.candidates.len());
    assert!(!run_check(&tiny, &Fingerprint::default(), 1).applicable);
}

#[test]
fn paper_model_runs_and_finds_extreme_stuffing() {
    let data = small(0.0, 0.05, 12);
    let r = run_check(
        &data,
        &Fingerprint::with_model(FingerprintModel::Paper).with_replicates(4, 4),
        1,
    );
    assert_eq!(r.detail["model"], "paper");
    assert_eq!(r.detail["theta"]["fitted"], false);
    let fe = r.detail["f_extreme"]["fit"].as_f64().expect("f_e");
    assert!(fe > 0.02, "{fe}");
}

// ---------------------------------------------------------------- real data

fn gz_header(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("open");
    let mut rdr = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    rdr.headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect()
}

fn load(path: &Path, spec: ColumnSpec) -> Dataset {
    let opts = LoadOptions {
        spec,
        ..LoadOptions::default()
    };
    elaudit::data::load(path.to_str().expect("utf-8 path"), &opts).expect("loads")
}

/// Russia 2011 (dkobak/elections): registered, invalid and valid by position, parties
/// up to `url`; ballots = valid + invalid (the ballots found in the boxes).
fn russia_2011(dir: &Path) -> Dataset {
    let path = dir.join("ru-duma-2011/russia_duma_2011_uik.csv.gz");
    let h = gz_header(&path);
    let last = h.iter().position(|c| c == "url").unwrap_or(h.len());
    let spec = ColumnSpec {
        id: vec![h[0].clone(), h[2].clone()],
        region: vec![h[0].clone()],
        registered: vec![h[3].clone()],
        invalid: vec![h[11].clone()],
        valid: vec![h[12].clone()],
        candidates: h[21..last].iter().map(|c| c.as_str().into()).collect(),
        ..ColumnSpec::default()
    };
    load(&path, spec)
}

fn russia_2012(dir: &Path) -> Dataset {
    load(
        &dir.join("ru-pres-2012/russia_president_2012_uik.csv.gz"),
        common::columns_file("ru-pres-2012.toml"),
    )
}

/// Poland 2020, round 1 or 2, districts in Poland only (abroad and ships left out),
/// with regions made of these columns.
fn poland_2020_by(dir: &Path, round: u8, region: &[&str]) -> Dataset {
    let mut spec = common::columns_file(&format!("poland-pres-2020-round{round}.toml"));
    spec.region = region.iter().map(|c| c.to_string()).collect();
    for v in ["zagranica", "statek"] {
        spec.exclude.push(ExcludeRule {
            column: "Typ obszaru".into(),
            value: v.into(),
        });
    }
    load(
        &dir.join(format!(
            "poland-pres-2020/poland_president_2020_round{round}_obwody.csv"
        )),
        spec,
    )
}

fn describe(name: &str, r: &CheckResult, secs: f64) -> String {
    let d = &r.detail;
    let iv = |v: &serde_json::Value| {
        let fit = v["fit"]
            .as_f64()
            .map(|f| format!(" (fit {f:.4})"))
            .unwrap_or_default();
        format!(
            "{:.4} [{:.4}, {:.4}]{fit}",
            v["estimate"].as_f64().unwrap_or(f64::NAN),
            v["ci_low"].as_f64().unwrap_or(f64::NAN),
            v["ci_high"].as_f64().unwrap_or(f64::NAN),
        )
    };
    format!(
        "{name} ({}, {secs:.1} s, {} stations): f_i {} f_e {} θ {} α {} | ballots added {} ({:.2}% of ballots) | fair turnout {} | p {:?} | fit per df {:.2}, replicate ratio {:.2} | {} {}",
        d["model"],
        r.n,
        iv(&d["f_incremental"]),
        iv(&d["f_extreme"]),
        iv(&d["theta"]),
        iv(&d["steal_exponent"]),
        iv(&d["ballots_added"]),
        100.0
            * d["ballots_added"]["share_of_ballots"]
                .as_f64()
                .unwrap_or(f64::NAN),
        iv(&d["fair"]["turnout"]),
        r.p_value,
        d["goodness_of_fit"]["per_df"].as_f64().unwrap_or(f64::NAN),
        d["goodness_of_fit"]["replicate_ratio"]
            .as_f64()
            .unwrap_or(f64::NAN),
        d["binning"]["kind"],
        d["binning"]
            .get("per_region_trial")
            .map(|t| t.to_string())
            .unwrap_or_default(),
    )
}

type Loader = fn(&Path) -> Dataset;

fn real_data(check: impl Fn(FingerprintModel) -> Fingerprint) {
    let Some(dir) = common::shared_data("") else {
        return;
    };
    let elections: [(&str, Loader); 2] =
        [("ru-duma-2011", russia_2011), ("ru-pres-2012", russia_2012)];
    for (name, loader) in elections {
        let data = loader(&dir);
        for model in [FingerprintModel::Default, FingerprintModel::Paper] {
            let t = Instant::now();
            let r = run_check(&data, &check(model), 42);
            println!("{}", describe(name, &r, t.elapsed().as_secs_f64()));
            // The paper procedure's bootstrap is wide (its fit sits at the edge of the
            // f_i grid), so its materiality part is weaker, yet far below any alpha.
            // The default model misfits both (deviance ratio 2.7 and 3.0), so the check
            // rests on the extreme part alone: p 6e-12 and 4e-5 with the default
            // replicates, 3e-10 and 6e-3 with the fast run's 12, whose bootstrap sd of
            // the extreme amount is rough.
            let bound = match model {
                FingerprintModel::Default => 0.01,
                FingerprintModel::Paper => 1e-4,
            };
            let p = r.p_value.expect("p");
            assert!(p < bound, "{name} {model:?}: p = {p}");
            let fe = r.detail["f_extreme"]["estimate"].as_f64().expect("f_e");
            assert!(fe > 0.0, "{name} {model:?}: f_e {fe}");
        }
    }
    // A clean control: the no-stuffing test rejects (the fair model cannot follow the
    // urban/rural mix), but the fitted stuffing is far below the margin, so the check's
    // intersection-union p is large and nothing is flagged.
    // Every run prints before any assertion, so that one failure does not hide the
    // others' numbers. By voivodeship with the default binning (auto, which falls back
    // to the national grid); and forced region by region with regions that do not mix
    // town and country. Neither should find stuffing.
    let voivodeship: &[&str] = &["Województwo"];
    let by_type: &[&str] = &["Województwo", "Typ obszaru"];
    let runs = [(voivodeship, false), (by_type, true)];
    let results: Vec<(String, CheckResult)> = runs
        .iter()
        .flat_map(|&(region, per_region)| [1, 2].map(|round| (region, per_region, round)))
        .map(|(region, per_region, round)| {
            let data = poland_2020_by(&dir, round, region);
            let fp = Fingerprint {
                binning: if per_region {
                    BinningChoice::PerRegion
                } else {
                    BinningChoice::Auto
                },
                ..check(FingerprintModel::Default)
            };
            let t = Instant::now();
            let r = run_check(&data, &fp, 42);
            let name = format!(
                "poland-pres-2020 round {round} by {}{}",
                region.join(" × "),
                if per_region { ", per region" } else { "" }
            );
            println!("{}", describe(&name, &r, t.elapsed().as_secs_f64()));
            (name, r)
        })
        .collect();
    for (round, r) in results {
        // By voivodeship, auto tries region by region, sees the misfit and falls back.
        if round.ends_with("by Województwo") {
            let trial = &r.detail["binning"]["per_region_trial"];
            assert_eq!(trial["kept"], false, "{round}: {trial}");
            assert_eq!(r.detail["binning"]["kind"], "national", "{round}");
        }
        // Poland has about 20 honest stations at 95% turnout or more (hospitals, care
        // homes, prisons), which extreme stuffing that moves no votes can reach: the fit
        // may read a few of them as such, never a tenth of a percent of the stations.
        let f_e = r.detail["f_extreme"]["ci_high"].as_f64().expect("f_e");
        assert!(f_e < 0.001, "{round}: f_e up to {f_e}");
        // The stuffing the report stands behind. Where the fair model misfits (by
        // voivodeship alone), that is the corner's part; the whole fit's reading, which
        // the summary says cannot be told from the structure, may exceed the margin.
        let share = r.detail["ballots_added"]["share_of_ballots"]
            .as_f64()
            .expect("share");
        assert!(share < 0.005, "round {round}: {share}");
        assert!(
            r.p_value.expect("p") > 0.5,
            "round {round}: {:?}",
            r.p_value
        );
    }
}

/// Russia 2011 and 2012 (both models) and Poland 2020, with fewer replicates.
#[test]
fn real_data_fast() {
    real_data(|m| Fingerprint::with_model(m).with_replicates(12, 12));
}

/// The same with the default replicate counts (the README's numbers).
#[test]
#[ignore]
fn real_data_full() {
    real_data(Fingerprint::with_model);
}

/// Ad-hoc timing of a full analysis (criterion has the benchmark). Stations and
/// replicate counts from the environment, defaults 100k and the default counts;
/// `FP_BINNING=national` or `per-region` forces the binning:
///   FP_STATIONS=50000 FP_REPLICATES=20,20 cargo test --release --test fingerprint \
///     -- --ignored --nocapture timing
#[test]
#[ignore]
fn timing() {
    let env = |k: &str| std::env::var(k).ok();
    let n: usize = env("FP_STATIONS")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let d = Settings::default();
    let (b, nb) = env("FP_REPLICATES")
        .and_then(|s| {
            let (a, b) = s.split_once(',')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .unwrap_or((d.replicates, d.null_replicates));
    let mut spec = ElectionSpec::clean(n);
    spec.regions = 50;
    spec.fraud.incremental = 0.3;
    spec.fraud.extreme = 0.02;
    let sim = simulate(&spec, 2024);
    let (st, _) = Stations::from_dataset(&sim.dataset);
    let binning = match env("FP_BINNING").as_deref() {
        Some("national") => BinningChoice::National,
        Some("per-region") => BinningChoice::PerRegion,
        _ => BinningChoice::Auto,
    };
    let settings = Settings {
        replicates: b,
        null_replicates: nb,
        binning,
        ..d
    };
    let t = Instant::now();
    let a = analyse(&st, &settings, 42);
    println!(
        "{n} stations, B = {b}, null = {nb}, {}: {:.2} s on {} threads (ballots added {:.0}, truth {})",
        binning_of(&a),
        t.elapsed().as_secs_f64(),
        rayon::current_num_threads(),
        a.ballots_added.estimate,
        sim.truth.fraud.ballots_added
    );
}

/// What `recovery_high_share` misses comes from estimating the fair model, not from
/// the fraud model: on elections drawn from the fit's own family at kz2022's shape
/// (fair turnout 0.72, winner 0.81), the fraud fit handed the true fair model recovers
/// the ballots added (0.98–1.11 of the truth), while the full fit reads 0.44–0.79. In
/// two of these three the true fair model also fits better (deviance 1484 against
/// 1496, 1581 against 1665), so the full fit's alternation of fair correction and
/// fraud search settles on a worse optimum; in the third (1632 against 1627) the data
/// alone cannot tell. Fits with far more stuffing fit better still (branch
/// `experiment/fair-restart`): the amount lies on a flat ridge with the fair turnout
/// centres (README). The printout shows both.
#[test]
fn high_share_fraud_fit_with_the_true_fair_model_recovers_the_stuffing() {
    let (template, _) = Stations::from_dataset(&simulate(&kz2022_shape(), 1).dataset);
    let truth = Fraud {
        f_incremental: 0.3,
        f_extreme: 0.03,
        theta: 0.15,
        steal_exponent: 1.0,
    };
    for seed in 2..=4u64 {
        let mut rng = batch_rng(seed, "high-share-true-fair", 0);
        let groups = (0..template.n_groups())
            .map(|g| {
                // Region effects in [-0.5, 0.5], turnout and share moving apart.
                let e = ((g * 7919 + seed as usize * 13) % 11) as f64 / 10.0 - 0.5;
                FairGroup {
                    turnout_center: logit(0.72) + 0.35 * e,
                    turnout_spread: 0.5,
                    share_center: logit(0.81) - 0.3 * e,
                    share_spread: 0.45,
                }
            })
            .collect();
        let fair = FairModel {
            shape: FairShape::LogitNormal,
            covariates: Default::default(),
            groups,
        };
        let (st, planted) = simulate_stations(&template, &fair, &truth, &mut rng);
        let proc_ = Procedure::of(FingerprintModel::Default);
        let crn = Crn::draw(&st, 3, &mut rng);
        let given = fit_fraud_given_fair(&st, &crn, &proc_, &fair, Start::Grid);
        let full = fit(&st, &crn, &proc_, true, Start::Grid);
        let ratio = given.ballots_added / planted.ballots_added;
        println!(
            "seed {seed}: true fair f_i {:.3} θ {:.3} ballots {ratio:.2} of the truth, deviance {:.1} | \
             estimated fair f_i {:.3} θ {:.3} ballots {:.2}, deviance {:.1}",
            given.fraud.f_incremental,
            given.fraud.theta,
            given.distance,
            full.fraud.f_incremental,
            full.fraud.theta,
            full.ballots_added / planted.ballots_added,
            full.distance,
        );
        assert!((ratio - 1.0).abs() < 0.15, "seed {seed}: {ratio}");
        assert!(
            (given.fraud.f_extreme - 0.03).abs() < 0.005,
            "{:?}",
            given.fraud
        );
    }
}

/// Russia 2024: the fair model misfits, so only stuffing in the corner may flag, and
/// thousands of stations sit near 100% turnout and 100% for Putin: the fingerprint flags
/// it on that corner, with an f_e interval that excludes 0.
#[test]
fn russia_2024_is_flagged_on_its_corner() {
    let Some(dir) = common::shared_data("ru-pres-2024") else {
        return;
    };
    let data = load(
        &dir.join("russia_president_2024_uik.csv.gz"),
        common::columns_file("ru-pres-2024.toml"),
    );
    let fp = Fingerprint::with_model(FingerprintModel::Default).with_replicates(12, 12);
    let t = Instant::now();
    let r = run_check(&data, &fp, 42);
    println!(
        "{}",
        describe("ru-pres-2024", &r, t.elapsed().as_secs_f64())
    );
    assert!(r.summary.contains("cannot be told apart"), "{}", r.summary);
    assert!(r.summary.contains("in the corner"), "{}", r.summary);
    assert!(r.p_value.expect("p") < 0.01, "{:?}", r.p_value);
    let fe = &r.detail["f_extreme"];
    assert!(fe["ci_low"].as_f64().unwrap() > 0.0, "{fe}");
}
