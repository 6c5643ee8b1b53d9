//! Reference values for every statistic and p-value of the digit checks, computed
//! independently with scipy/numpy (the producing command is above each table).

use elaudit::stats::{
    benjamini_hochberg, binom_test_two_sided, chi2_sf, holm, normal_two_sided_p, pearson_chi2,
};

/// Relative tolerance against the reference values.
const TOL: f64 = 1e-9;

fn assert_rel(got: f64, want: f64, what: &str) {
    let ok = if want == 0.0 {
        got == 0.0
    } else {
        ((got - want) / want).abs() < TOL
    };
    assert!(ok, "{what}: got {got:e}, want {want:e}");
}

#[test]
fn chi2_sf_matches_scipy_including_tiny_tails() {
    // python3 -c "
    // from scipy.stats import chi2
    // for x,df in [(0.5,9),(15,9),(50,9),(200,9),(500,9),(3,8),(30,8),(0.01,1)]: print(x, df, repr(chi2.sf(x,df)))"
    let cases = [
        (0.5, 9.0, 0.9999695662588389),
        (15.0, 9.0, 0.0909359765798051),
        (50.0, 9.0, 1.0772382022574693e-07),
        (200.0, 9.0, 3.312992393909567e-38),
        (500.0, 9.0, 5.7494139030446954e-102),
        (3.0, 8.0, 0.9343575456215499),
        (30.0, 8.0, 0.00021137850346676174),
        (0.01, 1.0, 0.920344325445942),
    ];
    for (x, df, want) in cases {
        assert_rel(chi2_sf(x, df), want, &format!("chi2_sf({x}, {df})"));
    }
}

#[test]
fn normal_two_sided_p_matches_scipy() {
    // python3 -c "
    // from scipy.stats import norm
    // for z in [0.1,1.0,1.96,2.5,4.0,8.0,12.0,30.0]: print(z, repr(2*norm.sf(z)))"
    let cases = [
        (0.1, 0.920344325445942),
        (1.0, 0.31731050786291415),
        (1.96, 0.04999579029644087),
        (2.5, 0.012419330651552265),
        (4.0, 6.334248366623973e-05),
        (8.0, 1.244192114854348e-15),
        (12.0, 3.552964224155306e-33),
        (30.0, 9.813427854295816e-198),
    ];
    for (z, want) in cases {
        assert_rel(normal_two_sided_p(z), want, &format!("2 sf({z})"));
        assert_rel(normal_two_sided_p(-z), want, &format!("2 sf(-{z})"));
    }
}

#[test]
fn binomial_test_matches_scipy_binomtest() {
    // python3 -c "
    // from scipy.stats import binomtest
    // for k,n,p in [(3,15,0.1),(7,20,0.2),(45,100,0.2),(5,100,0.2),(1000,5000,0.2),(1100,5000,0.2),
    //   (2050,10000,0.2),(10,30,0.5),(300,1000,0.2),(500,1000,0.1),(210000,1000000,0.2),
    //   (199100,1000000,0.2),(1805000,10000000,0.18),(0,50,0.03),(50,50,0.97),(12,12,0.5)]:
    //     print(k, n, p, repr(binomtest(k,n,p).pvalue))"
    let cases: [(u64, u64, f64, f64); 16] = [
        (3, 15, 0.1, 0.18406106910639106),
        (7, 20, 0.2, 0.09822172861346881),
        (45, 100, 0.2, 1.962284625199643e-08),
        (5, 100, 0.2, 2.8363859192752358e-05),
        (1000, 5000, 0.2, 1.0),
        (1100, 5000, 0.2, 0.00046379732630620553),
        (2050, 10000, 0.2, 0.21130472359174246),
        (10, 30, 0.5, 0.09873714670538905),
        (300, 1000, 0.2, 5.5890650645640266e-14),
        (500, 1000, 0.1, 4.0188255421205495e-224),
        (210000, 1000000, 0.2, 2.7181673585159536e-136),
        (199100, 1000000, 0.2, 0.02444888609432822),
        (1805000, 10000000, 0.18, 3.8834616036332394e-05),
        (0, 50, 0.03, 0.40726729997768624),
        (50, 50, 0.97, 0.4072672999776863),
        (12, 12, 0.5, 0.00048828125),
    ];
    for (k, n, p, want) in cases {
        assert_rel(
            binom_test_two_sided(k, n, p),
            want,
            &format!("binomtest({k}, {n}, {p})"),
        );
    }
    assert_eq!(binom_test_two_sided(0, 0, 0.3), 1.0);
    assert_eq!(binom_test_two_sided(0, 10, 0.0), 1.0);
    assert_eq!(binom_test_two_sided(1, 10, 0.0), 0.0);
    assert!(binom_test_two_sided(11, 10, 0.5).is_nan());
}

#[test]
fn pearson_chi2_matches_scipy_chisquare() {
    // python3 -c "
    // from scipy.stats import chisquare
    // r=chisquare([103,95,88,120,99,101,97,92,110,95],[100.5,99.5,101,98,100,100,99,101,100.5,100.5]); print(repr(r.statistic), repr(r.pvalue))"
    let obs = [103, 95, 88, 120, 99, 101, 97, 92, 110, 95];
    let exp = [
        100.5, 99.5, 101.0, 98.0, 100.0, 100.0, 99.0, 101.0, 100.5, 100.5,
    ];
    let chi2 = pearson_chi2(&obs, &exp).unwrap();
    assert_rel(chi2, 8.939138693151042, "chi2 statistic");
    assert_rel(chi2_sf(chi2, 9.0), 0.44291112703927105, "chi2 p");
}

#[test]
fn holm_and_bh_match_r_p_adjust() {
    // python3 -c "
    // import numpy as np; p=np.array([0.002,0.03,0.0004,0.5,0.04,0.01,0.049,1e-12]); m=len(p)
    // o=np.argsort(p,kind='stable'); h=np.minimum(1,np.maximum.accumulate((m-np.arange(m))*p[o])); r=np.empty(m); r[o]=h; print(list(r))
    // o=o[::-1]; b=np.minimum(1,np.minimum.accumulate(m/np.arange(m,0,-1)*p[o])); r=np.empty(m); r[o]=b; print(list(r))"
    let p = [0.002, 0.03, 0.0004, 0.5, 0.04, 0.01, 0.049, 1e-12];
    let want_holm = [0.012, 0.12, 0.0028, 0.5, 0.12, 0.05, 0.12, 8e-12];
    let want_bh = [
        0.005333333333333333,
        0.048,
        0.0016,
        0.5,
        0.05333333333333333,
        0.02,
        0.056,
        8e-12,
    ];
    for (i, (h, b)) in holm(&p).iter().zip(benjamini_hochberg(&p)).enumerate() {
        assert_rel(*h, want_holm[i], &format!("holm[{i}]"));
        assert_rel(b, want_bh[i], &format!("bh[{i}]"));
    }
}
