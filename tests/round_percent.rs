//! `round-percent`: reference values, applicability, calibration on clean simulated
//! elections, and power against integer-percentage rigging.

mod common;

use elaudit::checks::{Check, CheckContext, CheckOptions, RoundPercent};
use elaudit::data::Dataset;
use elaudit::report::{CheckResult, Family};
use elaudit::simulate::{ElectionSpec, Fraud, SizeModel, simulate};

fn run(data: &Dataset) -> Vec<CheckResult> {
    let options = CheckOptions::default();
    RoundPercent.run(&CheckContext::new(data, &options))
}

/// Stations with (registered, ballots) and two candidates (winner votes, other votes).
fn dataset(rows: &[(u64, u64, u64, u64)]) -> Dataset {
    common::dataset(
        &["A", "B"],
        rows.iter().map(|&(registered, ballots, a, b)| {
            (
                registered,
                ballots,
                a + b,
                ballots.saturating_sub(a + b),
                vec![a, b],
            )
        }),
    )
}

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1e-300)
}

/// 150 stations built from integer formulas that the python commands below repeat.
fn formula_dataset() -> Dataset {
    let rows: Vec<_> = (0..150u64)
        .map(|i| {
            let n = 100 + (i * 37) % 900;
            let k = n * (50 + (i * 13) % 30) / 100;
            let valid = k - (i % 3);
            let win = valid * (40 + (i * 7) % 45) / 100;
            (n, k, win, valid - win)
        })
        .collect();
    dataset(&rows)
}

// python3 -c "
// import numpy as np; from scipy.stats import binom, norm
// def prob(n, k):
//     x = np.arange(n+1); R = (200*x+n)//(2*n)
//     return binom.pmf(x[R%5==0], n, k/n).sum() if 0 < k < n else 1.0
// def run(pairs):
//     p = np.array([prob(n, k) for k, n in pairs]); obs = sum(((200*k+n)//(2*n)) % 5 == 0 for k, n in pairs)
//     z = (obs - p.sum())/np.sqrt((p*(1-p)).sum()); return obs, repr(p.sum()), repr(z), repr(2*norm.sf(abs(z)))
// t=[]; w=[]
// for i in range(150):
//     n = 100 + (i*37) % 900; k = n*(50 + (i*13) % 30)//100; valid = k - (i % 3); win = valid*(40 + (i*7) % 45)//100
//     t.append((k, n)); w.append((win, valid))
// print(run(t)); print(run(w))"
#[test]
fn statistic_and_p_value_match_scipy() {
    let r = run(&formula_dataset());
    assert_eq!(r.len(), 2);
    let (t, w) = (&r[0], &r[1]);
    assert_eq!(t.subject, "turnout");
    assert_eq!(w.subject, "winner-share");
    for (res, obs, expected, z, p) in [
        (
            t,
            30,
            29.81377820827879,
            0.03819327288798405,
            0.9695335844420521,
        ),
        (
            w,
            33,
            30.26238125499036,
            0.5585044945908652,
            0.5764999362265086,
        ),
    ] {
        assert!(res.applicable);
        assert_eq!(res.family, Family::Holm);
        assert_eq!(res.n, 150);
        assert_eq!(res.detail["observed"], obs);
        let e = res.detail["expected"].as_f64().expect("expected");
        assert!(close(e, expected, 1e-9), "{e} vs {expected}");
        assert!(close(res.statistic.expect("z"), z, 1e-9));
        assert!(close(res.p_value.expect("p"), p, 1e-9));
        let share = res.detail["share_0_5"].as_f64().expect("share");
        let exp_share = res.detail["expected_share"].as_f64().expect("share");
        assert!(close(share, obs as f64 / 150.0, 1e-12));
        assert!(close(exp_share, expected / 150.0, 1e-9));
        let effect = res.effect.as_ref().expect("effect");
        assert_eq!(effect.measure, "excess_share");
        assert!(close(effect.value, share - exp_share, 1e-12));
        assert!(res.detail["sd"].as_f64().expect("sd") > 0.0);
    }
}

// Every turnout on a multiple of 5%; same definitions as above, then
// t=[]
// for i in range(150):
//     n = 200 + 100*(i % 8); k = n*(50 + 5*(i % 6))//100; t.append((k, n))
// print(run(t))
#[test]
fn p_value_reaches_far_into_the_tail() {
    let rows: Vec<_> = (0..150u64)
        .map(|i| {
            let n = 200 + 100 * (i % 8);
            let k = n * (50 + 5 * (i % 6)) / 100;
            (n, k, k / 2 + 1, k - k / 2 - 1)
        })
        .collect();
    let r = run(&dataset(&rows));
    let t = &r[0];
    assert_eq!(t.detail["observed"], 150);
    let e = t.detail["expected"].as_f64().expect("expected");
    assert!(close(e, 32.9687491237268, 1e-9), "{e}");
    assert!(close(t.statistic.expect("z"), 23.101308732095422, 1e-9));
    assert!(close(t.p_value.expect("p"), 4.491841108896811e-118, 1e-8));
    assert!(t.summary.starts_with('+'), "{}", t.summary);
}

#[test]
fn not_applicable_below_100_stations_or_without_registered_voters() {
    let mut d = formula_dataset();
    d.stations.truncate(99);
    d.votes.truncate(198);
    d.on_ballot.truncate(198);
    for r in run(&d) {
        assert!(!r.applicable);
        assert_eq!(r.n, 99);
        assert!(r.not_applicable.expect("why").contains("99 stations"));
        assert_eq!(r.p_value, None);
    }
    let mut d = formula_dataset();
    d.roles.registered = false;
    for s in &mut d.stations {
        s.registered = None;
    }
    let r = run(&d);
    assert!(!r[0].applicable);
    assert_eq!(
        r[0].not_applicable.as_deref(),
        Some("no registered-voters column")
    );
    assert!(r[1].applicable);
}

#[test]
fn stations_without_a_meaningful_rate_are_left_out() {
    let mut rows: Vec<_> = (0..120u64).map(|i| (500 + i, 300, 200, 90)).collect();
    rows.push((0, 10, 5, 5)); // zero registered
    rows.push((100, 150, 100, 50)); // turnout above 100%
    rows.push((100, 0, 0, 0)); // no valid votes
    let r = run(&dataset(&rows));
    assert_eq!(r[0].n, 121); // turnout: two left out
    assert_eq!(r[1].n, 122); // winner share: one left out
}

#[test]
fn result_is_the_same_at_any_thread_count() {
    let sim = simulate(&ElectionSpec::clean(20_000), 5);
    let go = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| run(&sim.dataset))
    };
    assert_eq!(go(1), go(2));
}

/// Clean shapes for calibration: small stations, ordinary ones, a regional landslide,
/// and very uneven sizes.
fn clean_shape(seed: u64) -> ElectionSpec {
    let base = ElectionSpec::clean(3000);
    match seed % 4 {
        0 => ElectionSpec {
            size: SizeModel::LogNormal {
                median: 150.0,
                sigma: 0.3,
            },
            ..base
        },
        1 => base,
        2 => ElectionSpec {
            shares: vec![0.8, 0.1, 0.06, 0.04],
            turnout: 0.75,
            region_sd: 0.5,
            ..base
        },
        _ => ElectionSpec {
            size: SizeModel::LogNormal {
                median: 400.0,
                sigma: 1.0,
            },
            ..base
        },
    }
}

/// 200 clean elections: the unadjusted p < 0.05 count of each subject is
/// Binomial(200, 0.05) when calibrated. Bounds 3..=21 hold with probability 0.997
/// (python3 -c "from scipy.stats import binom; print(binom.cdf(2,200,.05), binom.sf(21,200,.05))").
#[test]
fn calibrated_on_clean_elections() {
    let mut rejections = [0usize; 2];
    for seed in 0..200u64 {
        let sim = simulate(&clean_shape(seed), 1000 + seed);
        for (j, r) in run(&sim.dataset).iter().enumerate() {
            assert!(r.applicable);
            rejections[j] += usize::from(r.p_value.expect("p") < 0.05);
        }
    }
    eprintln!("p < 0.05 in {rejections:?} of 200");
    for (subject, n) in ["turnout", "winner-share"].iter().zip(rejections) {
        assert!((3..=21).contains(&n), "{subject}: {n} of 200 below 0.05");
    }
}

/// 5% of stations with their turnout pushed to a whole percentage (half of them to a
/// multiple of 5) are found on turnout in most of 20 elections of 10,000 stations.
#[test]
fn detects_integer_percentage_rigging() {
    let spec = ElectionSpec {
        fraud: Fraud {
            integer_percent: 0.05,
            ..Fraud::default()
        },
        ..ElectionSpec::clean(10_000)
    };
    let mut found = 0;
    for seed in 0..20 {
        let sim = simulate(&spec, 500 + seed);
        let r = run(&sim.dataset);
        let t = &r[0];
        found += usize::from(t.p_value.expect("p") < 0.01);
        assert!(t.effect.as_ref().expect("effect").value > 0.0);
    }
    eprintln!("integer-percent rigging found in {found} of 20");
    assert!(found >= 17, "{found} of 20");
}

/// Heavier: 200 elections of 10,000 stations for each shape separately, same bounds.
/// Run with `cargo test --release --test round_percent -- --ignored`.
#[test]
#[ignore]
fn calibrated_on_each_clean_shape_full_size() {
    for shape in 0..4u64 {
        let mut rejections = [0usize; 2];
        for i in 0..200u64 {
            let spec = ElectionSpec {
                stations: 10_000,
                ..clean_shape(shape)
            };
            let sim = simulate(&spec, 10_000 + 4 * i + shape);
            for (j, r) in run(&sim.dataset).iter().enumerate() {
                rejections[j] += usize::from(r.p_value.expect("p") < 0.05);
            }
        }
        eprintln!("shape {shape}: p < 0.05 in {rejections:?} of 200");
        for n in rejections {
            assert!(
                (3..=21).contains(&n),
                "shape {shape}: {n} of 200 below 0.05"
            );
        }
    }
}
