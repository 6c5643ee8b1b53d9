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

// ---------------------------------------------------------------------------------------
// The smooth null and the digit checks, against an independent numpy implementation.
//
// The reference script (saved as ref.py; run `python3 ref.py mixed` and
// `python3 ref.py patterned`) builds the same kernel from its definition: exact exp
// weights over |k - x| <= floor(6h), h = max(0.05 x, 1), normalised, mass at k < 0
// reflected to -k - 1; and the same influence-corrected null for the chi-square:
//
// import numpy as np, sys
// from scipy import stats
// A=np.array([60+((i*2654435761)>>11)%201 for i in range(300)]) if sys.argv[1]=="mixed" \
//   else np.array([60+(i*i*7+i*13)%200 for i in range(300)])
// def kernels(counts, frac, floor, cls, lo, nc):
//     vals, mult = np.unique(counts, return_counts=True); K=[]
//     for x in vals:
//         h=max(frac*x,floor); J=int(np.floor(6*h))
//         k=np.arange(x-J,x+J+1); w=np.exp(-(k-x)**2/(2*h*h)); w/=w.sum()
//         t=np.where(k<0,-k-1,k); row=np.zeros(nc)
//         for tt,ww in zip(t,w):
//             c=cls(tt)
//             if tt>=lo and c is not None: row[c]+=ww
//         K.append(row)
//     return vals, mult, np.array(K)
// def second(x): return None if x<10 else int(str(x)[1])
// def fit(counts, frac, floor, cls, lo, nc):
//     vals,mult,K=kernels(counts,frac,floor,cls,lo,nc)
//     a=np.zeros((len(vals),nc)); t=np.zeros(len(vals))
//     for i,x in enumerate(vals):
//         c=cls(x)
//         if x>=lo and c is not None: a[i,c]=1; t[i]=1
//     O=(mult[:,None]*a).sum(0); N=O.sum(); m=(mult[:,None]*K).sum(0); M=m.sum()
//     pi=m/M; rho=N/M; E=N*pi; k=K.sum(1); n=mult.sum()
//     u=(a-pi[None,:])*t[:,None]; w=K-pi[None,:]*k[:,None]
//     ub=(mult[:,None]*u).sum(0)/n; wb=(mult[:,None]*w).sum(0)/n
//     C=((mult[:,None]*(u-ub)).T@(w-wb)); W=((mult[:,None]*(w-wb)).T@(w-wb))
//     S=N*(np.diag(pi)-np.outer(pi,pi))-rho*(C+C.T)+rho**2*W
//     lam=np.clip(np.linalg.eigvalsh(S/np.sqrt(np.outer(E,E))),0,None)
//     c=(lam**2).sum()/lam.sum(); df=lam.sum()**2/(lam**2).sum(); chi2=((O-E)**2/E).sum()
//     return O,E,chi2,c,df,stats.chi2.sf(chi2/c,df)
// O,E,chi2,c,df,p=fit(A,0.05,1.0,second,10,10)                # second digit
// O,E,chi2,c,df,p=fit(A,0.05,1.0,lambda x:x%10,100,10)        # last digit, minimum 100
// vals,mult,K=kernels(A,0.05,1.0,lambda x:x%100,100,100)      # pairs: shares of m=(mult*K).sum(0)
// ...then the scipy tests on O and E quoted at each assertion.
// ---------------------------------------------------------------------------------------

use elaudit::checks::{
    Check, CheckContext, CheckOptions, DigitPairs, FirstDigit, LastDigit, SecondDigit,
};
use elaudit::data::{Dataset, GroupRef, Station, StationIds};
use elaudit::report::{CheckResult, Family};
use elaudit::stats::smooth::{
    CountHistogram, DigitClasses, RESIDUE_BANDWIDTH, SECOND_DIGIT_BANDWIDTH, smooth_class_mass,
};
use serde_json::Value;

/// Candidate "A" gets `a`, candidate "B" 5 votes everywhere.
fn dataset(a: &[u64]) -> Dataset {
    let a: Vec<u32> = a.iter().map(|&v| u32::try_from(v).unwrap()).collect();
    let mut ids = StationIds::default();
    let stations = a
        .iter()
        .enumerate()
        .map(|(i, &v)| Station {
            line: i as u64 + 2,
            region: GroupRef::NONE,
            locality: GroupRef::NONE,
            stratum: GroupRef::NONE,
            registered: Some(v + 1000),
            ballots: v + 5,
            valid: v + 5,
            invalid: 0,
        })
        .collect();
    (0..a.len()).for_each(|i| ids.push(&format!("s{i}")));
    Dataset {
        candidates: vec!["A".into(), "B".into()],
        winner: 0,
        stations,
        ids,
        votes: a.iter().flat_map(|&v| [v, 5]).collect(),
        on_ballot: vec![true; 2 * a.len()],
        ..Dataset::default()
    }
}

/// 300 counts from 60 to 260 with every last digit (numpy: `60+((i*2654435761)>>11)%201`).
fn mixed() -> Dataset {
    dataset(
        &(0..300u64)
            .map(|i| 60 + ((i * 2_654_435_761) >> 11) % 201)
            .collect::<Vec<_>>(),
    )
}

/// 300 counts from 60 to 259 ending only in 0, 2 or 4 (numpy: `60+(i*i*7+i*13)%200`).
fn patterned() -> Dataset {
    dataset(
        &(0..300u64)
            .map(|i| 60 + (i * i * 7 + i * 13) % 200)
            .collect::<Vec<_>>(),
    )
}

fn result_for(check: &dyn Check, data: &Dataset, subject: &str) -> CheckResult {
    let opts = CheckOptions::default();
    let ctx = CheckContext::new(data, &opts);
    let results = check.run(&ctx);
    let names: Vec<_> = results.iter().map(|r| r.subject.clone()).collect();
    assert_eq!(names, ["A", "B", "all", "ballots"], "subject order");
    results.into_iter().find(|r| r.subject == subject).unwrap()
}

fn num(v: &Value, path: &str) -> f64 {
    path.split('.')
        .fold(v, |v, k| &v[k])
        .as_f64()
        .unwrap_or_else(|| panic!("{path} missing in {v}"))
}

fn counts(v: &Value) -> Vec<u64> {
    v["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn floats(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn smooth_null_masses_match_numpy_on_a_tiny_example() {
    // python3 -c "
    // (kernels() as above)
    // counts=np.array([0,0,3,17,17,95,104,250,251,260])
    // for cls,lo,nc in [(lambda x:x%10,0,10),(lambda x:x%10,20,10),(second,10,10),(lambda x:x%100,100,100)]:
    //     vals,mult,K=kernels(counts,0.05,1.0,cls,lo,nc); m=(mult[:,None]*K).sum(0)
    //     print(m if nc==10 else m[[0,11,12,21,45,50,51,60,99]])"
    let hist = CountHistogram::from_counts(&[0, 0, 3, 17, 17, 95, 104, 250, 251, 260]);
    let r10 = DigitClasses::Residue { modulus: 10 };
    let cases: [(DigitClasses, u64, Vec<usize>, Vec<f64>); 4] = [
        (
            r10,
            0,
            (0..10).collect(),
            vec![
                1.7921502550832085,
                1.1440036268598321,
                0.8584003117616571,
                0.9098383890968816,
                0.7539493773025878,
                0.6650810152150505,
                0.9905531860128173,
                1.2984403743959163,
                0.9824458470409847,
                0.605137617231064,
            ],
        ),
        (
            r10,
            20,
            (0..10).collect(),
            vec![
                0.5057585734637755,
                0.4980877828549155,
                0.49958097979068034,
                0.5014970931459104,
                0.5028443234079757,
                0.5031051309483946,
                0.5021798790149783,
                0.5004219876225566,
                0.49850291386371043,
                0.4971556787045967,
            ],
        ),
        (
            DigitClasses::SecondDigit,
            10,
            (0..10).collect(),
            vec![
                0.8944161371818977,
                0.22129689873726355,
                0.16652808325381496,
                0.4230057503571727,
                0.8174885882986292,
                1.0843910393607452,
                1.229809024039025,
                1.2009887557415884,
                0.695307798552963,
                0.26676792447690006,
            ],
        ),
        (
            DigitClasses::Residue { modulus: 100 },
            100,
            vec![0, 11, 12, 21, 45, 50, 51, 60, 99],
            vec![
                0.10564956593416067,
                0.03177515540280209,
                0.024245246668575884,
                0.0046975590624659495,
                0.0735880832683525,
                0.08643135057284511,
                0.08775014975636063,
                0.07844378692547367,
                0.0003909849341341645,
            ],
        ),
    ];
    for (classes, lo, idx, want) in cases {
        let bw = if classes == DigitClasses::SecondDigit {
            SECOND_DIGIT_BANDWIDTH
        } else {
            RESIDUE_BANDWIDTH
        };
        let got = smooth_class_mass(&hist, bw, classes, lo);
        for (i, w) in idx.iter().zip(want) {
            assert_rel(got[*i], w, &format!("{classes:?} lo {lo} class {i}"));
        }
    }
}

#[test]
fn second_digit_matches_numpy_and_scipy() {
    let r = result_for(&SecondDigit, &patterned(), "A");
    assert_eq!(r.family, Family::Holm);
    assert!(r.applicable && r.p_adjusted.is_none() && !r.flagged);
    assert_eq!(r.n, 300);
    let d = &r.detail;
    // python3 ref.py patterned: O
    assert_eq!(counts(d), [51, 54, 38, 24, 45, 24, 28, 12, 11, 13]);
    // python3 ref.py patterned: E
    let want_e = [
        39.844520935659496,
        43.86016909073898,
        35.116603280834894,
        31.383646690376473,
        29.69744201216929,
        30.3705883786004,
        28.033168066884315,
        21.49804931510571,
        19.278453767821446,
        20.91735846180897,
    ];
    for (g, w) in floats(d, "expected").iter().zip(want_e) {
        assert_rel(*g, w, "second-digit expected");
    }
    // python3 ref.py patterned: chi2, c, df, stats.chi2.sf(chi2/c, df)
    assert_rel(r.statistic.unwrap(), 27.41081945265239, "chi2");
    assert_rel(num(d, "null_scale"), 0.7612460343786852, "scale");
    assert_rel(num(d, "null_df"), 7.5405192146647435, "df");
    assert_rel(num(d, "smooth_p_value"), 1.1765086557965265e-05, "p");
    // Below 0.05 the null that keeps station sizes is read too; the larger p stands.
    let kept = num(d, "size_null.p_value");
    assert_eq!(r.p_value.unwrap(), kept.max(num(d, "smooth_p_value")));
    // python3 -c "... b2=np.array([sum(np.log10(1+1/(10*k+d)) for k in range(1,10)) for d in range(10)])
    // r=stats.chisquare(O,O.sum()*b2); print(r.statistic, r.pvalue)"
    assert_rel(num(d, "classic.chi2"), 52.109867961801875, "classic chi2");
    assert_rel(
        num(d, "classic.p_value"),
        4.309131458000667e-08,
        "classic p",
    );
    // python3 -c "... d=np.repeat(np.arange(10),O); m=d.mean(); s=d.std(ddof=1)/np.sqrt(len(d))
    // print(m, m-1.959963984540054*s, m+1.959963984540054*s, (np.arange(10)*E).sum()/E.sum())"
    assert_rel(num(d, "mean"), 3.1966666666666668, "mean");
    assert_rel(num(d, "ci_low"), 2.901861330106473, "ci_low");
    assert_rel(num(d, "ci_high"), 3.4914720032268605, "ci_high");
    assert_rel(num(d, "expected_mean"), 3.8001874519037173, "expected_mean");
    assert_rel(num(d, "benford_mean"), 4.1873897069289425, "benford_mean");
    let v = r.effect.as_ref().unwrap();
    assert_eq!(v.measure, "cramers_v");
    assert_rel(v.value, (27.41081945265239f64 / (300.0 * 9.0)).sqrt(), "V");
    assert!(
        r.summary.starts_with("Second digits depart"),
        "{}",
        r.summary
    );

    // A null case: python3 ref.py mixed
    let r = result_for(&SecondDigit, &mixed(), "A");
    assert_eq!(counts(&r.detail), [35, 37, 35, 34, 37, 33, 26, 21, 21, 21]);
    assert_rel(r.statistic.unwrap(), 0.8587048737769858, "chi2 (mixed)");
    assert_rel(r.p_value.unwrap(), 0.9957277881298763, "p (mixed)");
    assert_rel(
        num(&r.detail, "classic.chi2"),
        6.168113763432943,
        "classic (mixed)",
    );
    assert_rel(
        num(&r.detail, "classic.p_value"),
        0.7229819801923683,
        "classic p (mixed)",
    );
}

#[test]
fn last_digit_matches_numpy_and_scipy() {
    // python3 ref.py patterned (last digit, minimum 100)
    let r = result_for(&LastDigit, &patterned(), "A");
    assert_eq!(r.family, Family::Holm);
    assert_eq!(r.n, 238);
    let d = &r.detail;
    assert_eq!(counts(d), [93, 0, 46, 0, 99, 0, 0, 0, 0, 0]);
    let want_e = [
        24.380226631107128,
        24.271041749995504,
        24.15631107364822,
        24.03260975159613,
        23.898762071177693,
        23.755886296248004,
        23.606639745644166,
        23.453982452826413,
        23.299915322709825,
        23.144624905046893,
    ];
    for (g, w) in floats(d, "expected").iter().zip(want_e) {
        assert_rel(*g, w, "last-digit expected");
    }
    assert_rel(r.statistic.unwrap(), 614.4557807985221, "chi2");
    assert_rel(num(d, "null_scale"), 1.000119682120617, "scale");
    assert_rel(num(d, "null_df"), 8.999732112848111, "df");
    assert_rel(r.p_value.unwrap(), 1.7123130484184837e-126, "p");
    // python3 -c "... r=stats.chisquare(O); print(r.statistic, r.pvalue)
    // print(2*stats.norm.sf(abs(mean-4.5)/np.sqrt(8.25/N)), stats.binomtest(O[0]+O[5],N,0.2).pvalue)"
    assert_rel(num(d, "classic.chi2"), 626.1176470588234, "classic chi2");
    assert_rel(
        num(d, "classic.p_value"),
        5.1783809961206266e-129,
        "classic p",
    );
    assert_rel(
        num(d, "classic.mean_p"),
        1.5535856115665534e-39,
        "classic mean p",
    );
    assert_rel(
        num(d, "classic.share_0_5_p"),
        1.7790374188049076e-11,
        "classic 0/5 p",
    );
    // python3 -c "... pi=E/N; mu=(np.arange(10)*pi).sum(); var=((np.arange(10)-mu)**2*pi).sum()
    // print(mean, mu, 2*stats.norm.sf(abs(mean-mu)/np.sqrt(var/N)), k05/N, pi[0]+pi[5],
    //       stats.binomtest(k05,N,pi[0]+pi[5]).pvalue)"
    assert_rel(num(d, "mean"), 2.0504201680672267, "mean");
    assert_rel(num(d, "expected_mean"), 4.45199426591925, "expected_mean");
    assert_rel(num(d, "mean_p"), 4.1383101806612674e-38, "mean_p");
    assert_rel(num(d, "share_0_5"), 0.3907563025210084, "share_0_5");
    assert_rel(
        num(d, "expected_share_0_5"),
        0.20225257532502156,
        "expected_share_0_5",
    );
    assert_rel(num(d, "share_0_5_p"), 2.4697472485114165e-11, "share_0_5_p");
    assert_eq!(num(d, "min_count"), 100.0);

    // python3 ref.py mixed
    let r = result_for(&LastDigit, &mixed(), "A");
    assert_eq!(counts(&r.detail), [25, 26, 23, 27, 21, 22, 27, 23, 26, 20]);
    assert_rel(r.statistic.unwrap(), 2.235691939790348, "chi2 (mixed)");
    assert_rel(r.p_value.unwrap(), 0.9871110458511533, "p (mixed)");
    assert_rel(
        num(&r.detail, "classic.chi2"),
        2.4166666666666665,
        "classic (mixed)",
    );
    assert_rel(
        num(&r.detail, "classic.p_value"),
        0.9830412177325092,
        "classic p (mixed)",
    );
    assert_rel(
        num(&r.detail, "classic.mean_p"),
        0.6210143706612843,
        "classic mean p",
    );
    assert_rel(
        num(&r.detail, "mean_p"),
        0.8299329764223394,
        "mean_p (mixed)",
    );
    assert_rel(
        num(&r.detail, "share_0_5_p"),
        0.8723972382671488,
        "0/5 p (mixed)",
    );
}

#[test]
fn digit_pairs_match_numpy_and_scipy() {
    // python3 ref.py patterned (pairs)
    let r = result_for(&DigitPairs, &patterned(), "A");
    assert_eq!(r.family, Family::Holm);
    assert_eq!(r.n, 238);
    let d = &r.detail;
    assert_rel(num(d, "repeat_share"), 24.0 / 238.0, "repeat share");
    assert_rel(num(d, "adjacent_share"), 66.0 / 238.0, "adjacent share");
    assert_rel(
        num(d, "repeat_expected"),
        0.09928767001231174,
        "repeat expected",
    );
    assert_rel(
        num(d, "adjacent_expected"),
        0.1799842948732053,
        "adjacent expected",
    );
    // stats.binomtest(24,238,qr).pvalue, stats.binomtest(66,238,qa).pvalue
    assert_rel(num(d, "repeat_p"), 0.913615085329961, "repeat p");
    assert_rel(num(d, "adjacent_p"), 0.0002566922531157276, "adjacent p");
    assert_rel(r.p_value.unwrap(), 0.0005133845062314552, "p = 2 min");
    // (66-238*qa)/np.sqrt(238*qa*(1-qa))
    assert_rel(r.statistic.unwrap(), 3.908334907767721, "z");
    // stats.binomtest(24,238,0.1).pvalue, stats.binomtest(66,238,0.18).pvalue
    assert_rel(
        num(d, "classic.repeat_p"),
        0.914104206480352,
        "classic repeat p",
    );
    assert_rel(
        num(d, "classic.adjacent_p"),
        0.0002568025803413035,
        "classic adjacent p",
    );
    let e = r.effect.as_ref().unwrap();
    assert_eq!(e.measure, "excess_share");
    assert_rel(e.value, 66.0 / 238.0 - 0.1799842948732053, "excess share");
    assert!(
        r.summary.starts_with("Adjacent final-digit pairs exceed"),
        "{}",
        r.summary
    );

    // python3 ref.py mixed: p = min(1, 2 * 0.747) = 1, |z| largest for repeats
    let r = result_for(&DigitPairs, &mixed(), "A");
    assert_eq!(r.p_value, Some(1.0));
    assert_rel(
        num(&r.detail, "repeat_p"),
        0.74696314818726,
        "repeat p (mixed)",
    );
    assert_rel(r.statistic.unwrap(), 0.24615581508391118, "z (mixed)");
}

#[test]
fn first_digit_matches_scipy() {
    // python3 ref.py patterned (first digit):
    // O=np.bincount([int(str(x)[0]) for x in A],minlength=10)[1:]; b1=np.log10(1+1/np.arange(1,10))
    // r=stats.chisquare(O,O.sum()*b1); print(r.statistic, r.pvalue, np.abs(O/O.sum()-b1).mean())
    let r = result_for(&FirstDigit, &patterned(), "A");
    assert_eq!(r.family, Family::Descriptive);
    let d = &r.detail;
    assert_eq!(counts(d), [155, 83, 0, 0, 0, 26, 12, 13, 11]);
    assert_rel(r.statistic.unwrap(), 158.19992753805312, "chi2");
    assert_rel(r.p_value.unwrap(), 3.804281405289264e-30, "p");
    assert_rel(
        num(d, "classic.p_value"),
        3.804281405289264e-30,
        "classic p",
    );
    assert_rel(num(d, "mad"), 0.07465154569993876, "mad");
    assert_eq!(d["conformity"], "nonconformity");
    assert!(r.summary.contains("Deckert"), "{}", r.summary);
}

#[test]
fn too_few_counts_are_not_applicable_with_the_numbers() {
    let data = dataset(&[150; 99]);
    for check in [
        &SecondDigit as &dyn Check,
        &LastDigit,
        &DigitPairs,
        &FirstDigit,
    ] {
        let r = result_for(check, &data, "A");
        assert!(!r.applicable, "{}", check.id());
        assert_eq!(r.n, 99);
        let why = r.not_applicable.unwrap();
        assert!(why.contains("99") && why.contains("100"), "{why}");
        assert!(r.p_value.is_none() && r.statistic.is_none());
    }
}
