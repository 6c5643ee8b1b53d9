//! The fingerprint on clean elections with honest heterogeneity (town and country,
//! three populations, a size gradient, regional effects, regions without a region
//! column, a landslide), and with Klimek stuffing planted on top of them (issue #14).
//!
//! The quick tests run in `cargo test --release`. The full suite (6 shapes × 20 seeds
//! at 20,000 stations, clean and at two stuffing levels) is ignored by default:
//!   cargo test --release --test fingerprint_heterogeneity -- --ignored --nocapture
//! ELAUDIT_HET_SEEDS sets its seeds per shape (default 20) and ELAUDIT_HET_FIRST_SEED
//! the first (default 0); ELAUDIT_HET_SHAPE=NAME runs one shape, and ELAUDIT_HET_CASES
//! `clean` or `stuffed` one half (each half's criteria are then checked alone), and
//! ELAUDIT_HET_STEAL the planted stealing exponent (default 1; 100 is stuffing that
//! moves almost none of the other candidates' votes);
//! docs/fingerprint.md gives its last result.

mod common;

use elaudit::fingerprint::bootstrap::{Analysis, DEFAULT_MARGIN, Settings, analyse};
use elaudit::fingerprint::model::Stations;
use elaudit::simulate::{ElectionSpec, Shape, Subpopulation, simulate};

/// The six clean shapes.
const SHAPES: [Shape; 6] = [
    Shape::TownCountry,
    Shape::ThreePopulations,
    Shape::SizeGradient,
    Shape::Regional,
    Shape::HiddenRegions,
    Shape::LandslideTownCountry,
];

/// The stuffing levels, (f_i, f_e).
const STUFFING: [(f64, f64); 2] = [(0.3, 0.02), (0.6, 0.04)];

const ALPHA: f64 = 0.01;

/// One simulated election's fingerprint, with what was planted.
struct Run {
    shape: Shape,
    seed: u64,
    planted: (f64, f64),
    a: Analysis,
    /// Ballots stuffing really added.
    truth: f64,
    /// The part of `truth` from extreme stuffing.
    extreme_truth: f64,
}

impl Run {
    fn new(shape: Shape, stations: usize, seed: u64, planted: (f64, f64)) -> Run {
        let steal = env_f64("ELAUDIT_HET_STEAL", 1.0);
        Run::with_steal(shape, stations, seed, planted, steal)
    }

    fn with_steal(
        shape: Shape,
        stations: usize,
        seed: u64,
        planted: (f64, f64),
        steal: f64,
    ) -> Run {
        let mut spec = ElectionSpec::clean(stations).with_shape(shape);
        spec.fraud.incremental = planted.0;
        spec.fraud.extreme = planted.1;
        spec.fraud.theta = 0.15;
        spec.fraud.steal_exponent = steal;
        spec.validate().expect("a valid spec");
        let sim = simulate(&spec, 7_000 + seed);
        let (st, _) = Stations::from_dataset(&sim.dataset);
        let a = analyse(&st, &Settings::default(), seed);
        Run {
            shape,
            seed,
            planted,
            a,
            truth: sim.truth.fraud.ballots_added as f64,
            extreme_truth: sim.truth.fraud.extreme.ballots_added as f64,
        }
    }

    fn flagged(&self) -> bool {
        self.a.p_value() < ALPHA
    }

    fn share(&self) -> f64 {
        self.a.ballots_added.estimate / self.a.total_ballots.max(1.0)
    }

    /// Whether the ballots added read within 30% of the truth.
    fn within_30(&self) -> bool {
        self.truth > 0.0 && (self.a.ballots_added.estimate / self.truth - 1.0).abs() <= 0.3
    }

    fn line(&self) -> String {
        format!(
            "{:<24} seed {:>2} planted {:?}: p {:.2e} flagged {} ratio {:.2} added {:.0} \
             ({:.2}% of ballots; truth {:.0}) f_e {:.4} [{:.4}, {:.4}]",
            self.shape.name(),
            self.seed,
            self.planted,
            self.a.p_value(),
            self.flagged(),
            self.a.goodness_of_fit.ratio.unwrap_or(f64::NAN),
            self.a.ballots_added.estimate,
            100.0 * self.share(),
            self.truth,
            self.a.f_extreme.estimate,
            self.a.f_extreme.ci_low,
            self.a.f_extreme.ci_high,
        )
    }
}

#[test]
fn clean_heterogeneous_elections_are_not_flagged() {
    for shape in SHAPES {
        let r = Run::new(shape, 10_000, 1, (0.0, 0.0));
        println!("{}", r.line());
        assert!(!r.flagged(), "{}", r.line());
        assert!(r.share() < DEFAULT_MARGIN, "{}", r.line());
    }
}

#[test]
fn stuffing_on_heterogeneous_elections_is_flagged() {
    for shape in [Shape::TownCountry, Shape::SizeGradient] {
        let r = Run::new(shape, 10_000, 1, STUFFING[1]);
        println!("{}", r.line());
        assert!(r.flagged(), "{}", r.line());
        assert!(r.a.f_extreme.ci_low > 0.0, "{}", r.line());
        // The interval holds the truth.
        let b = r.a.ballots_added;
        assert!(b.ci_low <= r.truth && r.truth <= b.ci_high, "{}", r.line());
    }
}

/// Stuffing that adds ballots for the winner and moves none of the other candidates'
/// votes puts its extreme stations at 95% turnout or more but well short of 95% for
/// the winner, where an honest high-turnout population (barracks, hospitals) also sits.
/// The fit still finds it (f_e), and the summary names what those stations hold, but
/// where the fair model misfits it does not flag on them: either reading fits.
#[test]
fn stuffing_that_moves_no_votes_is_found_and_named_but_not_flagged_on_its_corner() {
    let r = Run::with_steal(Shape::TownCountry, 10_000, 2, STUFFING[1], 100.0);
    let mixed = r.a.high_turnout_mixed * r.a.total_ballots;
    println!(
        "{} mixed {mixed:.0} extreme truth {:.0}",
        r.line(),
        r.extreme_truth
    );
    assert!(
        (r.a.f_extreme.estimate - STUFFING[1].1).abs() <= 0.01,
        "{}",
        r.line()
    );
    assert!(r.a.f_extreme.ci_low > 0.0, "{}", r.line());
    assert!(r.a.goodness_of_fit.ratio.unwrap() > 1.15, "{}", r.line());
    assert!(!r.flagged(), "{}", r.line());
    // Extreme stuffing that starts from a low turnout can end short of 95%.
    let ratio = mixed / r.extreme_truth;
    assert!((0.6..=1.3).contains(&ratio), "{ratio}");
}

/// A clean election in which 3% of stations are closed institutions at about 98%
/// turnout that favour the winner (a probe's flag, p adj 5e-11 to 3e-4 on 10 of 10
/// seeds, before the corner asked for 95% for the winner as well).
#[test]
fn honest_high_turnout_institutions_are_not_read_as_extreme_stuffing() {
    let mut spec = ElectionSpec::clean(10_000);
    spec.regions = 20;
    spec.heterogeneity.subpopulations = vec![
        Subpopulation {
            weight: 0.97,
            size: 1.0,
            turnout: 0.0,
            share: 0.0,
        },
        Subpopulation {
            weight: 0.03,
            size: 1.0,
            turnout: 4.5,
            share: 1.2,
        },
    ];
    spec.validate().expect("a valid spec");
    for seed in [1, 2] {
        let sim = simulate(&spec, seed);
        let (st, _) = Stations::from_dataset(&sim.dataset);
        let a = analyse(&st, &Settings::default(), seed);
        let line = format!(
            "seed {seed}: p {:.2e} corner {:.4} mixed {:.4}",
            a.p_value(),
            a.material_extreme.share,
            a.high_turnout_mixed
        );
        println!("{line}");
        assert!(a.p_value() >= ALPHA, "{line}");
        assert!(a.material_extreme.share < DEFAULT_MARGIN, "{line}");
        assert!(a.high_turnout_mixed > 0.01, "{line}");
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Seeds `first..first + n`: ELAUDIT_HET_FIRST_SEED (default 0) and ELAUDIT_HET_SEEDS
/// (default 20), so that a long suite can be run in parts.
fn seeds() -> std::ops::Range<u64> {
    let first = env_u64("ELAUDIT_HET_FIRST_SEED", 0);
    first..first + env_u64("ELAUDIT_HET_SEEDS", 20)
}

#[test]
#[ignore]
fn heterogeneity_suite() {
    let mut clean = Vec::new();
    let mut stuffed = Vec::new();
    // Seed by seed, so that a partial run covers every shape. ELAUDIT_HET_SHAPE=NAME
    // runs one shape (to recheck its runs).
    let only = std::env::var("ELAUDIT_HET_SHAPE").ok();
    let shapes: Vec<Shape> = SHAPES
        .into_iter()
        .filter(|s| only.as_deref().is_none_or(|o| o == s.name()))
        .collect();
    assert!(!shapes.is_empty(), "ELAUDIT_HET_SHAPE matches no shape");
    let cases = std::env::var("ELAUDIT_HET_CASES").ok();
    let run_clean = cases.as_deref().is_none_or(|c| c == "clean");
    let run_stuffed = cases.as_deref().is_none_or(|c| c == "stuffed");
    assert!(
        run_clean || run_stuffed,
        "ELAUDIT_HET_CASES is clean or stuffed"
    );
    for seed in seeds() {
        for &shape in &shapes {
            if run_clean {
                let r = Run::new(shape, 20_000, seed, (0.0, 0.0));
                println!("{}", r.line());
                clean.push(r);
            }
            for planted in STUFFING.into_iter().filter(|_| run_stuffed) {
                let r = Run::new(shape, 20_000, seed, planted);
                println!("{}", r.line());
                stuffed.push(r);
            }
        }
    }
    let n = clean.len() as f64;
    let false_flags = clean.iter().filter(|r| r.flagged()).count();
    let under_margin = clean.iter().filter(|r| r.share() < DEFAULT_MARGIN).count();
    let m = stuffed.len() as f64;
    let detected = stuffed.iter().filter(|r| r.flagged()).count();
    let within = stuffed.iter().filter(|r| r.within_30()).count();
    println!(
        "clean: {false_flags}/{n} flagged, {under_margin}/{n} under the margin; \
         stuffed: {detected}/{m} flagged, {within}/{m} within 30% of the truth"
    );
    if run_clean {
        assert!(false_flags as f64 <= (n / 120.0).max(1.0));
        assert!(under_margin as f64 >= 0.95 * n);
    }
    if run_stuffed {
        assert!(detected as f64 >= 0.95 * m);
        assert!(within as f64 >= 0.90 * m);
    }
}

/// A station's counts of the own generators below: binomial ballots of `n` registered
/// at turnout `t`, 2% invalid, the winner's votes at share `w`, the rest split 60/40.
fn station_counts(
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
    n: u64,
    t: f64,
    w: f64,
) -> (u64, u64, u64, u64, Vec<u64>) {
    use rand_distr::{Binomial, Distribution};
    let mut draw = |n: u64, p: f64| Binomial::new(n, p).unwrap().sample(rng);
    let ballots = draw(n, t);
    let invalid = draw(ballots, 0.02);
    let valid = ballots - invalid;
    let a = draw(valid, w);
    let b = draw(valid - a, 0.6);
    (n, ballots, valid, invalid, vec![a, b, valid - a - b])
}

/// Three candidates' stations in `regions` regions of consecutive, equal runs of rows.
fn in_regions(rows: Vec<(u64, u64, u64, u64, Vec<u64>)>, regions: usize) -> elaudit::data::Dataset {
    use elaudit::data::GroupRef;
    let n = rows.len();
    let mut d = common::dataset(&["A", "B", "C"], rows);
    d.regions = (0..regions).map(|r| format!("R{r}")).collect();
    for (i, s) in d.stations.iter_mut().enumerate() {
        s.region = GroupRef::new(Some((i * regions / n) as u32));
    }
    d
}

/// A clean election whose turnout and winner's share are both U-shaped in log station
/// size (hamlets and large suburban stations vote more, and more for the winner, than
/// mid-size towns), written by a generator of its own: 10,000 stations in 20 regions,
/// sizes lognormal (median 700, σ 0.9) clipped to 100–4,000, with ls the standardised
/// log size, logit turnout 0.1 + c(ls² − 1) and logit share −0.1 + c(ls² − 1), c = 0.3,
/// plus region (sd 0.25) and station (sd 0.3) effects; binomial ballots, 2% invalid,
/// binomial votes. Flat size effects beyond the outer class middles read the extremes'
/// excess as incremental stuffing: seeds 1 and 5 pass the misfit gate and read 2.7–2.9%
/// of ballots, material under both the reported and the plain fair model (p 6e-5 and
/// 9e-14); the fair model that follows size to its extremes fits them and withholds the
/// flag. ELAUDIT_U_SEEDS=1,2,… runs other seeds (on 2026-12-07 seeds 1–10: none
/// flagged; the other eight misfit, and only their corner is read).
fn u_in_size(seed: u64) -> elaudit::data::Dataset {
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal, Normal};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    let (regions, c) = (20usize, 0.3);
    let noise = Normal::new(0.0, 1.0).unwrap();
    let region_t: Vec<f64> = (0..regions)
        .map(|_| 0.25 * noise.sample(&mut rng))
        .collect();
    let region_s: Vec<f64> = (0..regions)
        .map(|_| 0.25 * noise.sample(&mut rng))
        .collect();
    let size = LogNormal::new(700f64.ln(), 0.9).unwrap();
    let mut rows = Vec::new();
    for i in 0..10_000 {
        let r = i * regions / 10_000;
        let n = size.sample(&mut rng).clamp(100.0, 4000.0).floor();
        let ls = (n.ln() - 700f64.ln()) / 0.9;
        let bend = c * (ls * ls - 1.0);
        let t = expit(0.1 + bend + region_t[r] + 0.3 * noise.sample(&mut rng));
        let w = expit(-0.1 + bend + region_s[r] + 0.3 * noise.sample(&mut rng));
        rows.push(station_counts(&mut rng, n as u64, t, w));
    }
    in_regions(rows, regions)
}

#[test]
fn a_u_in_station_size_is_not_read_as_stuffing() {
    let seeds: Vec<u64> = match std::env::var("ELAUDIT_U_SEEDS") {
        Ok(v) => v.split(',').filter_map(|x| x.parse().ok()).collect(),
        Err(_) => vec![1, 5],
    };
    for seed in seeds {
        let (st, _) = Stations::from_dataset(&u_in_size(seed));
        let a = analyse(&st, &Settings::default(), seed);
        let share = a.ballots_added.estimate / a.total_ballots.max(1.0);
        let ratio = a.goodness_of_fit.ratio.unwrap_or(f64::NAN);
        let alts: Vec<(bool, f64)> = (a.alternatives.iter())
            .map(|x| (x.fits, x.material_p()))
            .collect();
        println!(
            "u-in-size seed {seed}: p {:.2e} (no-stuffing {:.2e}, own materiality {:.2e}) \
             ratio {ratio:.3} share {share:.4} alternatives {alts:?}",
            a.p_value(),
            a.test.p_value,
            a.material_p_reported()
        );
        assert!(a.p_value() >= ALPHA, "seed {seed}: p {:.2e}", a.p_value());
    }
}

/// A clean election whose turnout is right-skewed within each region (honest
/// mobilisation) and whose winner's share rises with it, written by a generator of its
/// own: 10,000 stations in 20 regions, sizes lognormal (median 900, σ 0.6) clipped to
/// 50–5,000; logit turnout the region's level (sd 0.25) plus 0.25 × a standardised
/// skew-normal draw of shape `shape` (skewness 0.45 at 2); logit share the region's
/// level plus `link` × the turnout's deviation plus 0.3 of noise; binomial ballots, 2%
/// invalid, binomial votes. An upper tail of turnout that carries a higher share lies
/// beyond a one-peak fair turnout and draws incremental stuffing: without the fair model
/// that skews the turnout, seeds 1 and 4 are flagged (materiality p 3e-3 and 8e-4,
/// 2026-12-08); that model fits them (its skew read from the turnout's lower half) and
/// reads no material stuffing. Of seeds 1–6, two (2 and 6) read a lower half skewed
/// about twice as much as drawn, and the model, skewed that far, fits worse than the
/// reported one: they stay flagged (ELAUDIT_SKEW_SEEDS=1,2,… runs other seeds).
fn skewed_turnout(seed: u64, shape: f64, link: f64) -> elaudit::data::Dataset {
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal, Normal};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    let regions = 20usize;
    let noise = Normal::new(0.0, 1.0).unwrap();
    let mut level = || 0.25 * noise.sample(&mut rng);
    let region_t: Vec<f64> = (0..regions).map(|_| 0.3 + level()).collect();
    let region_s: Vec<f64> = (0..regions).map(|_| 0.1 + level()).collect();
    // Skew-normal by its stochastic representation δ|U0| + √(1 − δ²) U1, standardised.
    let delta = shape / (1.0 + shape * shape).sqrt();
    let mean = delta * (2.0 / std::f64::consts::PI).sqrt();
    let sd = (1.0 - mean * mean).sqrt();
    let size = LogNormal::new(900f64.ln(), 0.6).unwrap();
    let mut rows = Vec::new();
    for i in 0..10_000 {
        let r = i * regions / 10_000;
        let n = size.sample(&mut rng).clamp(50.0, 5000.0).floor();
        let (u0, u1) = (noise.sample(&mut rng), noise.sample(&mut rng));
        let z = (delta * u0.abs() + (1.0 - delta * delta).sqrt() * u1 - mean) / sd;
        let t = expit(region_t[r] + 0.25 * z);
        let w = expit(region_s[r] + link * 0.25 * z + 0.3 * noise.sample(&mut rng));
        rows.push(station_counts(&mut rng, n as u64, t, w));
    }
    in_regions(rows, regions)
}

#[test]
fn a_right_skewed_turnout_that_carries_the_share_is_not_read_as_stuffing() {
    let seeds: Vec<u64> = match std::env::var("ELAUDIT_SKEW_SEEDS") {
        Ok(v) => v.split(',').filter_map(|x| x.parse().ok()).collect(),
        Err(_) => vec![1, 4],
    };
    for seed in seeds {
        let (st, _) = Stations::from_dataset(&skewed_turnout(seed, 2.0, 0.8));
        let a = analyse(&st, &Settings::default(), seed);
        let alts: Vec<_> = (a.alternatives.iter())
            .map(|x| {
                (
                    x.fits,
                    x.material_p(),
                    x.turnout_skew,
                    x.replicate_ratio,
                    x.distance,
                )
            })
            .collect();
        println!(
            "skewed-turnout seed {seed}: p {:.2e} (no-stuffing {:.2e}, own materiality {:.2e}) \
             ratio {:.3} distance {:.1} alternatives {alts:?}",
            a.p_value(),
            a.test.p_value,
            a.material_p_reported(),
            a.goodness_of_fit.ratio.unwrap_or(f64::NAN),
            a.goodness_of_fit.distance,
        );
        assert!(a.p_value() >= ALPHA, "seed {seed}: p {:.2e}", a.p_value());
    }
}
