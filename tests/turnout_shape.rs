//! `turnout-shape` and Hartigan's dip: the statistic against Python's `diptest`, the p-value
//! against direct simulation, the moments against scipy, and the check on datasets.

mod common;

use elaudit::checks::turnout_shape::{skewness_kurtosis, turnout_shape_result};
use elaudit::checks::{Check, CheckContext, CheckOptions, TurnoutShape};
use elaudit::data::Dataset;
use elaudit::report::Family;
use elaudit::simulate::{ElectionSpec, simulate};
use elaudit::stats::dip::{MIN_N, NULL_TABLE, TAIL_LEVELS, dip, dip_p_value, dip_sorted, dip_test};
use rand::RngExt as _;

const REL: f64 = 1e-9;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
}

const A: [f64; 12] = [
    0.12, -0.55, 1.31, 0.07, -1.24, 0.48, 0.91, -0.33, 2.05, -0.71, 0.26, -0.02,
];
const B: [f64; 20] = [
    0.21, 0.25, 0.31, 0.33, 0.36, 0.38, 0.40, 0.44, 0.47, 0.52, 0.81, 0.83, 0.84, 0.86, 0.88, 0.90,
    0.91, 0.93, 0.95, 0.99,
];
const C: [f64; 28] = [
    1., 1., 2., 2., 2., 3., 3., 3., 3., 4., 4., 4., 5., 5., 6., 7., 7., 7., 7., 7., 8., 8., 9., 9.,
    9., 9., 9., 10.,
];

/// D: frac(i·0.618033988749895)², i = 1..=500.
fn sample_d() -> Vec<f64> {
    (1..=500)
        .map(|i| ((f64::from(i) * 0.618033988749895) % 1.0).powi(2))
        .collect()
}

/// E: a lattice in [0, 1) with a third of the values moved up by 2, i = 1..=300.
fn sample_e() -> Vec<f64> {
    (1..=300u32)
        .map(|i| f64::from((i * 7919) % 1000) / 1000.0 + if i % 3 == 0 { 2.0 } else { 0.0 })
        .collect()
}

// python3 - <<'EOF'
// import numpy as np, diptest, scipy.stats as st
// A=[0.12,-0.55,1.31,0.07,-1.24,0.48,0.91,-0.33,2.05,-0.71,0.26,-0.02]
// B=[0.21,0.25,0.31,0.33,0.36,0.38,0.40,0.44,0.47,0.52,0.81,0.83,0.84,0.86,0.88,0.90,0.91,0.93,0.95,0.99]
// C=[1,1,2,2,2,3,3,3,3,4,4,4,5,5,6,7,7,7,7,7,8,8,9,9,9,9,9,10]
// D=[((i*0.618033988749895)%1.0)**2 for i in range(1,501)]
// E=[((i*7919)%1000)/1000.0+(2.0 if i%3==0 else 0.0) for i in range(1,301)]
// for x in [A,B,C,D,E]:
//     x=np.array(x,float); print(repr(diptest.dipstat(x,allow_zero=False)),
//         repr(st.skew(x)), repr(st.kurtosis(x,fisher=False)))
// EOF
// (diptest 0.12.0; allow_zero=False is R's default, the 1/(2n) floor.)
const REFERENCE: [(f64, f64, f64); 5] = [
    (0.05615942028985507, 0.49167627447848705, 2.7703851838457534),
    (
        0.12083333333333332,
        -0.10646483284798748,
        1.3007246364600515,
    ),
    (
        0.08928571428571429,
        -0.05035499770584097,
        1.6389616008653325,
    ),
    (0.002060855698143097, 0.639448515261951, 2.14346225801104),
    (0.08467067870277498, 0.614621169670614, 1.7358889339073518),
];

fn samples() -> Vec<Vec<f64>> {
    vec![A.to_vec(), B.to_vec(), C.to_vec(), sample_d(), sample_e()]
}

#[test]
fn dip_matches_python_diptest() {
    for (x, (d, _, _)) in samples().iter().zip(REFERENCE) {
        let got = dip(x).unwrap();
        assert!(close(got, d, REL), "n={}: {got} vs {d}", x.len());
        // Order does not matter.
        let mut rev = x.clone();
        rev.reverse();
        assert_eq!(dip(&rev), Some(got));
    }
}

#[test]
fn dip_edge_cases_match_python_diptest() {
    // python3 -c "import diptest, numpy as np
    // for x in [[1.,1.,1.],[1.,2.],[3.],[1.,2.,3.],[0.,0.,1.,1.]]: print(diptest.dipstat(np.array(x), allow_zero=False))"
    // 0.16666666666666666 0.25 0.5 0.16666666666666666 0.25
    assert_eq!(dip(&[1.0, 1.0, 1.0]), Some(1.0 / 6.0));
    assert_eq!(dip(&[1.0, 2.0]), Some(0.25));
    assert_eq!(dip(&[3.0]), Some(0.5));
    assert!(close(dip(&[1.0, 2.0, 3.0]).unwrap(), 1.0 / 6.0, REL));
    assert!(close(dip(&[0.0, 0.0, 1.0, 1.0]).unwrap(), 0.25, REL));
    assert_eq!(dip(&[]), None);
    assert_eq!(dip(&[f64::NAN, f64::INFINITY]), None);
    // NaN is ignored rather than poisoning the result.
    assert_eq!(dip(&[1.0, f64::NAN, 2.0]), Some(0.25));
    // The dip lies in [1/(2n), 1/4] and does not change under increasing affine maps.
    let d = sample_d();
    let v = dip(&d).unwrap();
    let moved: Vec<f64> = d.iter().map(|x| 3.0 * x - 7.0).collect();
    assert!(close(dip(&moved).unwrap(), v, 1e-9));
    assert!((1.0 / 1000.0..=0.25).contains(&v));
}

#[test]
fn moments_match_scipy() {
    for (x, (_, skew, kurt)) in samples().iter().zip(REFERENCE) {
        let (s, k) = skewness_kurtosis(x).unwrap();
        assert!(close(s, skew, REL), "{s} vs {skew}");
        assert!(close(k, kurt, REL), "{k} vs {kurt}");
    }
    assert_eq!(skewness_kurtosis(&[0.5; 20]), None);
    assert_eq!(skewness_kurtosis(&[0.5]), None);
}

#[test]
fn null_table_is_ordered_and_reproduced_at_its_points() {
    assert!(NULL_TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(NULL_TABLE[0].0, MIN_N);
    for (n, q) in NULL_TABLE {
        assert!(q.windows(2).all(|w| w[0] < w[1]), "row {n}");
        for (t, level) in q.iter().zip(TAIL_LEVELS) {
            let p = dip_p_value(t / (*n as f64).sqrt(), *n);
            assert!(close(p, level, 1e-9), "n={n} t={t}: {p} vs {level}");
        }
    }
    // Monotone in the dip, at the top, and finite far out.
    for n in [10, 57, 1000, 3000, 250_000] {
        let mut last = 1.0;
        for k in 0..200 {
            let p = dip_p_value(0.002 * f64::from(k) / (n as f64).sqrt() * 10.0, n);
            assert!(p <= last + 1e-15 && (0.0..=1.0).contains(&p), "n={n} k={k}");
            last = p;
        }
    }
    assert_eq!(dip_p_value(0.5 / 1000.0, 1000), 1.0);
    assert!(dip_p_value(0.05, 10_000) < 1e-10);
    assert_eq!(dip_p_value(f64::NAN, 100), 1.0);
}

/// (n, samples, [(t, P(sqrt(n)·D_n >= t))]).
type SimulatedTail = (usize, u32, [(f64, f64); 3]);

/// P(sqrt(n)·D_n >= t) for uniform samples, simulated with the diptest package:
/// python3 - n B t1 t2 t3 <<'EOF'
/// import sys, numpy as np, diptest
/// n,B=int(sys.argv[1]),int(sys.argv[2]); ts=[float(v) for v in sys.argv[3:]]
/// rng=np.random.default_rng(20240601+n)
/// t=np.sqrt(n)*np.array([diptest.dipstat(rng.uniform(size=n),allow_zero=False) for _ in range(B)])
/// print(n,B,' '.join('%g:%.5f'%(x,(t>=x).mean()) for x in ts))
/// EOF
/// with (n, B, t...) = (10, 100000, 0.31 0.41 0.50), (30, 100000, 0.33 0.44 0.56),
/// (100, 100000, 0.35 0.47 0.59), (1000, 100000, 0.37 0.49 0.62), (5000, 50000, 0.38 0.50 0.63),
/// (72000, 10000, 0.38 0.50 0.63).
const SIMULATED: [SimulatedTail; 6] = [
    (
        10,
        100_000,
        [(0.31, 0.49523), (0.41, 0.10614), (0.50, 0.01109)],
    ),
    (
        30,
        100_000,
        [(0.33, 0.53530), (0.44, 0.11112), (0.56, 0.00909)],
    ),
    (
        100,
        100_000,
        [(0.35, 0.52581), (0.47, 0.10219), (0.59, 0.01019)],
    ),
    (
        1000,
        100_000,
        [(0.37, 0.50709), (0.49, 0.10430), (0.62, 0.00940)],
    ),
    (
        5000,
        50_000,
        [(0.38, 0.47938), (0.50, 0.09996), (0.63, 0.00928)],
    ),
    (
        72000,
        10_000,
        [(0.38, 0.49150), (0.50, 0.10380), (0.63, 0.00990)],
    ),
];

#[test]
fn p_value_agrees_with_direct_simulation() {
    // Both sides are simulations (the table has 40,000 to 200,000 samples per row): allow
    // 4 standard errors of the difference, taking the table's to be as large as the reference's.
    for (n, b, points) in SIMULATED {
        for (t, want) in points {
            let got = dip_p_value(t / (n as f64).sqrt(), n);
            let se = (want * (1.0 - want) / f64::from(b)).sqrt() * 2f64.sqrt();
            assert!(
                (got - want).abs() <= 4.0 * se + 1e-4,
                "n={n} t={t}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn p_value_is_calibrated_on_uniform_samples() {
    // 400 uniform samples of 200: rejections at 0.05 are Binomial(400, 0.05) under a correct
    // table; [8, 34] holds it with probability 0.998:
    // python3 -c "from scipy.stats import binom; print(binom.cdf(7,400,.05), binom.sf(34,400,.05))"
    // 0.00062 0.0011
    let mut rejections = 0;
    for s in 0..400u64 {
        let mut rng = elaudit::montecarlo::batch_rng(9, "test-dip-uniform", s);
        let x: Vec<f64> = (0..200).map(|_| rng.random::<f64>()).collect();
        let t = dip_test(&x).unwrap();
        rejections += u32::from(t.p_value < 0.05);
    }
    assert!((8..=34).contains(&rejections), "{rejections} of 400");
}

#[test]
fn strong_bimodality_gives_tiny_p_values() {
    let t = dip_test(&sample_e()).unwrap();
    assert!(t.p_value < 1e-10 && t.p_value >= 0.0, "{}", t.p_value);
    assert!(dip_test(&A[..9]).is_none(), "fewer than MIN_N values");
}

/// 40 stations' registered and ballots (the same formulas as tests/turnout_share.rs),
/// every ballot valid and for the one candidate.
fn dataset(n: u64) -> Dataset {
    common::dataset(
        &["A"],
        (0..n).map(|i| {
            let reg = 400 + (i * 379) % 1200;
            let ballots = reg * (40 + (i * 17) % 50) / 100;
            (reg, ballots, ballots, 0, vec![ballots])
        }),
    )
}

#[test]
fn check_matches_references_on_a_dataset() {
    // python3 -c "import numpy as np, diptest, scipy.stats as st
    // reg=np.array([400+(i*379)%1200 for i in range(40)]); bal=reg*(40+(np.arange(40)*17)%50)//100
    // x=bal/reg; print(repr(st.skew(x)), repr(st.kurtosis(x,fisher=False)), repr(diptest.dipstat(x,allow_zero=False)))"
    // 0.04456512879770962 1.6978202864570475 0.048019651860438
    let d = dataset(40);
    let r = turnout_shape_result(&d);
    assert_eq!(
        (r.id.as_str(), r.subject.as_str()),
        ("turnout-shape", "turnout")
    );
    assert_eq!(r.family, Family::Descriptive);
    assert!(r.applicable && !r.flagged);
    assert_eq!(r.n, 40);
    let f = |k: &str| r.detail[k].as_f64().unwrap();
    assert!(close(f("skewness"), 0.04456512879770962, REL));
    assert!(close(f("kurtosis"), 1.6978202864570475, REL));
    assert!(close(f("dip"), 0.048019651860438, REL));
    assert_eq!(r.statistic, Some(f("dip")));
    assert_eq!(r.p_value, Some(f("dip_p")));
    assert_eq!(f("dip_p"), dip_p_value(f("dip"), 40));
    assert_eq!(r.effect.as_ref().unwrap().measure, "dip");
    assert!(
        r.summary.starts_with("Turnout has a dip of 0.0480"),
        "{}",
        r.summary
    );

    // Stations without a turnout are left out.
    let mut d2 = dataset(40);
    d2.stations[0].ballots = d2.stations[0].registered.unwrap() + 1;
    d2.stations[1].registered = Some(0);
    assert_eq!(turnout_shape_result(&d2).n, 38);
}

#[test]
fn not_applicable_cases() {
    let mut d = dataset(40);
    d.roles.registered = false;
    for s in &mut d.stations {
        s.registered = None;
    }
    assert!(!turnout_shape_result(&d).applicable);
    let small = turnout_shape_result(&dataset(9));
    assert!(!small.applicable && small.n == 9 && small.p_value.is_none());
    let mut flat = dataset(40);
    for s in &mut flat.stations {
        s.registered = Some(1000);
        s.ballots = 600;
    }
    assert!(!turnout_shape_result(&flat).applicable);
    assert!(!turnout_shape_result(&Dataset::default()).applicable);
}

#[test]
fn extreme_stuffing_makes_turnout_bimodal() {
    let opts = CheckOptions::default();
    let run = |spec: &ElectionSpec| {
        let d = simulate(spec, 4).dataset;
        TurnoutShape.run(&CheckContext::new(&d, &opts))
    };
    let mut clean = ElectionSpec::clean(5000);
    clean.regions = 1;
    let mut stuffed = clean.clone();
    stuffed.fraud.extreme = 0.1;
    let (c, s) = (run(&clean), run(&stuffed));
    let p = |r: &[elaudit::report::CheckResult]| r[0].p_value.unwrap();
    assert!(p(&c) > 0.01, "clean single-region turnout: p {}", p(&c));
    assert!(p(&s) < 1e-6, "stuffed: p {}", p(&s));
}

/// Prints the dip time on 100,000 values. Run:
/// cargo test --release --test turnout_shape timing -- --ignored --nocapture
#[test]
#[ignore]
fn timing_on_100k_values() {
    let mut rng = elaudit::montecarlo::batch_rng(1, "test-dip-timing", 0);
    let mut x: Vec<f64> = (0..100_000)
        .map(|i| {
            let u: f64 = rng.random();
            if i % 3 == 0 { 0.7 + 0.3 * u } else { 0.6 * u }
        })
        .collect();
    let t = std::time::Instant::now();
    let all = dip_test(&x).unwrap();
    let with_sort = t.elapsed();
    x.sort_by(f64::total_cmp);
    let t = std::time::Instant::now();
    let d = dip_sorted(&x).unwrap();
    println!(
        "dip test on 100k values: {with_sort:?} with sorting, {:?} without (dip {d}, p {})",
        t.elapsed(),
        all.p_value
    );
}

/// Regenerates [`NULL_TABLE`] (takes about 15 minutes on 2 busy cores). Run:
/// cargo test --release --test turnout_shape print_dip_null_table -- --ignored --nocapture
#[test]
#[ignore]
fn print_dip_null_table() {
    use rayon::prelude::*;
    let grid: [(usize, usize); 18] = [
        (10, 200_000),
        (15, 200_000),
        (20, 200_000),
        (30, 200_000),
        (50, 200_000),
        (75, 200_000),
        (100, 200_000),
        (150, 200_000),
        (200, 200_000),
        (300, 200_000),
        (500, 200_000),
        (1000, 200_000),
        (2000, 100_000),
        (5000, 100_000),
        (10_000, 100_000),
        (20_000, 100_000),
        (50_000, 50_000),
        (100_000, 40_000),
    ];
    const BATCH: usize = 1000;
    for (n, reps) in grid {
        let stream = format!("dip-null-{n}");
        let mut t: Vec<f64> = (0..reps / BATCH)
            .into_par_iter()
            .flat_map_iter(|b| {
                let mut rng = elaudit::montecarlo::batch_rng(20_240_601, &stream, b as u64);
                let mut x = vec![0.0f64; n];
                (0..BATCH)
                    .map(|_| {
                        // Sorted uniforms up to scale: cumulative exponential spacings.
                        let mut acc = 0.0;
                        for xi in x.iter_mut() {
                            let u: f64 = rng.random();
                            acc -= (1.0 - u).ln();
                            *xi = acc;
                        }
                        (n as f64).sqrt() * dip_sorted(&x).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        let q: Vec<String> = TAIL_LEVELS
            .iter()
            .map(|p| {
                // Type-7 quantile at 1 - p.
                let h = (1.0 - p) * (t.len() - 1) as f64;
                let i = h.floor() as usize;
                let v = t[i] + (h - i as f64) * (t[(i + 1).min(t.len() - 1)] - t[i]);
                format!("{v:.5}")
            })
            .collect();
        println!("    ({n}, [{}]),", q.join(", "));
    }
}
