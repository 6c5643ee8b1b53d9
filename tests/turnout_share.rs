//! `turnout-share`: the weighted correlation, its t-test and the Sobyanin–Sukhovolsky
//! regressions against numpy/scipy, and the check's shape on hand-made and simulated data.

mod common;

use elaudit::checks::turnout_share::{
    correlation_p_value, turnout_share_result, weighted_correlation, weighted_slope,
};
use elaudit::checks::{Check, CheckContext, CheckOptions, TurnoutShare};
use elaudit::data::Dataset;
use elaudit::report::Family;
use elaudit::simulate::{ElectionSpec, simulate};

const REL: f64 = 1e-9;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
}

/// 40 stations built by integer formulas (the python reference repeats them exactly).
fn rows() -> Vec<[u64; 7]> {
    (0u64..40)
        .map(|i| {
            let reg = 400 + (i * 379) % 1200;
            let ballots = reg * (40 + (i * 17) % 50) / 100;
            let inv = (i * 7) % 11;
            let valid = ballots - inv;
            let a = valid * (20 + (i * 17) % 50 + (i * 29) % 15) / 100;
            let b = (valid - a) * ((i * 31) % 70 + 10) / 100;
            [reg, ballots, valid, inv, a, b, valid - a - b]
        })
        .collect()
}

fn dataset(rows: &[[u64; 7]]) -> Dataset {
    let mut d = common::dataset(
        &["A", "B", "C"],
        rows.iter()
            .map(|r| (r[0], r[1], r[2], r[3], r[4..7].to_vec())),
    );
    let totals = d.candidate_totals();
    d.winner = (0..3).max_by_key(|&j| totals[j]).unwrap_or(0);
    d
}

// python3 - <<'EOF'
// import numpy as np; from scipy import stats
// rows=[]
// for i in range(40):
//     reg=400+(i*379)%1200; ballots=reg*(40+(i*17)%50)//100; inv=(i*7)%11; valid=ballots-inv
//     a=valid*(20+(i*17)%50+(i*29)%15)//100; b=(valid-a)*((i*31)%70+10)//100
//     rows.append((reg,ballots,valid,inv,a,b,valid-a-b))
// R=np.array(rows,dtype=float); reg,bal,val=R[:,0],R[:,1],R[:,2]; V=R[:,4:]; n=len(R)
// win=int(np.argmax(V.sum(0))); x=bal/reg; y=V[:,win]/val; w=reg
// mx,my=np.average(x,weights=w),np.average(y,weights=w)
// r=np.sum(w*(x-mx)*(y-my))/np.sqrt(np.sum(w*(x-mx)**2)*np.sum(w*(y-my)**2))
// print(win, repr(r), repr(2*stats.t.sf(abs(r*np.sqrt((n-2)/(1-r*r))),n-2)))
// for j in range(3):          # WLS by lstsq on sqrt(w)-scaled rows, classical covariance
//     yj=V[:,j]/reg; X=np.column_stack([np.ones(n),x]); sw=np.sqrt(w)
//     beta=np.linalg.lstsq(X*sw[:,None],yj*sw,rcond=None)[0]; e=yj-X@beta
//     se=np.sqrt(np.sum(w*e*e)/(n-2)*np.linalg.inv(X.T@(X*w[:,None]))[1,1]); q=stats.t.ppf(0.975,n-2)
//     print(repr(beta[1]),repr(beta[1]-q*se),repr(beta[1]+q*se),repr(V[:,j].sum()/val.sum()))
// EOF
const R: f64 = 0.9599971937655676;
const P: f64 = 1.313937089309329e-22;
const REGRESSIONS: [[f64; 4]; 3] = [
    [
        1.1146708726815286,
        1.046665032074201,
        1.1826767132888563,
        0.5143032105677543,
    ],
    [
        -0.10233304125893529,
        -0.24196034081218432,
        0.03729425829431372,
        0.22513340915055552,
    ],
    [
        -0.01631309214077344,
        -0.16679785985761378,
        0.13417167557606688,
        0.2605633802816901,
    ],
];

#[test]
fn matches_numpy_and_scipy_references() {
    let d = dataset(&rows());
    assert_eq!(d.winner, 0);
    let res = turnout_share_result(&d);
    assert_eq!(res.id, "turnout-share");
    assert_eq!(res.subject, "winner-share");
    assert_eq!(res.family, Family::Descriptive);
    assert!(res.applicable && !res.flagged);
    assert_eq!(res.n, 40);
    let r = res.statistic.unwrap();
    assert!(close(r, R, REL), "{r}");
    assert!(close(res.detail["correlation"].as_f64().unwrap(), R, REL));
    assert!(close(res.p_value.unwrap(), P, REL), "{:?}", res.p_value);
    let e = res.effect.as_ref().unwrap();
    assert_eq!(e.measure, "correlation");
    assert!(close(e.value, R, REL));
    let regs = res.detail["regressions"].as_array().unwrap();
    assert_eq!(regs.len(), 3);
    for (g, want) in regs.iter().zip(REGRESSIONS) {
        let f = |k: &str| g[k].as_f64().unwrap();
        assert!(close(f("slope"), want[0], REL), "{g}");
        assert!(close(f("ci_low"), want[1], REL), "{g}");
        assert!(close(f("ci_high"), want[2], REL), "{g}");
        assert!(close(f("share"), want[3], REL), "{g}");
        assert!(
            close(f("slope_minus_share"), want[0] - want[3], 1e-8),
            "{g}"
        );
    }
    assert_eq!(regs[0]["candidate"], "A");
    assert!(
        res.summary
            .starts_with("Turnout and the winner's share correlate at r = 0.960")
    );
    assert!(
        res.summary.contains("rejects even when they are clean"),
        "{}",
        res.summary
    );
}

#[test]
fn building_blocks_on_small_inputs() {
    // Unweighted data: the weighted correlation is Pearson's r.
    // python3 -c "from scipy import stats; print(repr(stats.pearsonr([1,2,3,4,5],[2,1,4,3,6])))"
    // PearsonRResult(statistic=0.8219949365267865, pvalue=0.08770664700806553)
    let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 1.0, 4.0, 3.0, 6.0]);
    let r = weighted_correlation(&x, &y, &[1.0; 5]).unwrap();
    assert!(close(r, 0.8219949365267865, REL));
    assert!(close(
        correlation_p_value(r, 5).unwrap(),
        0.08770664700806553,
        REL
    ));
    // Doubling every weight changes nothing; zero variance gives None.
    assert!(close(
        weighted_correlation(&x, &y, &[2.0; 5]).unwrap(),
        0.8219949365267865,
        REL
    ));
    assert!(weighted_correlation(&x, &[3.0; 5], &[1.0; 5]).is_none());
    assert!(weighted_correlation(&[], &[], &[]).is_none());
    assert_eq!(correlation_p_value(1.0, 10), Some(0.0));
    assert_eq!(correlation_p_value(0.5, 2), None);
    // A perfect line has a zero-width interval.
    let (s, lo, hi) =
        weighted_slope(&x, &[3.0, 5.0, 7.0, 9.0, 11.0], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert!(close(s, 2.0, REL) && close(lo, 2.0, REL) && close(hi, 2.0, REL));
    assert!(weighted_slope(&[1.0; 4], &x[..4], &[1.0; 4]).is_none());
}

#[test]
fn candidates_off_some_ballots_use_only_their_stations() {
    let rs = rows();
    let mut d = dataset(&rs);
    // C is off the ballot at the first ten stations: its votes there move to B.
    for i in 0..10 {
        let k = i * 3;
        d.votes[k + 1] += d.votes[k + 2];
        d.votes[k + 2] = 0;
        d.on_ballot[k + 2] = false;
    }
    let res = turnout_share_result(&d);
    let c = &res.detail["regressions"][2];
    assert_eq!(c["n"].as_u64(), Some(30));
    let votes: u64 = rs[10..].iter().map(|r| r[6]).sum();
    let valid: u64 = rs[10..].iter().map(|r| r[2]).sum();
    assert!(close(
        c["share"].as_f64().unwrap(),
        votes as f64 / valid as f64,
        1e-12
    ));
    assert_eq!(res.detail["regressions"][1]["n"].as_u64(), Some(40));
}

#[test]
fn not_applicable_cases() {
    let mut d = dataset(&rows());
    d.roles.registered = false;
    for s in &mut d.stations {
        s.registered = None;
    }
    let res = turnout_share_result(&d);
    assert!(!res.applicable && res.p_value.is_none() && res.statistic.is_none());
    let res = turnout_share_result(&dataset(&rows()[..2]));
    assert!(!res.applicable);
    assert_eq!(res.n, 2);
    // Identical stations: no variation to correlate.
    let res = turnout_share_result(&dataset(&[rows()[0]; 10]));
    assert!(!res.applicable);
    assert!(!turnout_share_result(&Dataset::default()).applicable);
    // Stations above 100% turnout or with no valid votes are left out.
    let mut rs = rows();
    rs[0][1] = rs[0][0] + 5;
    rs[1][2] = 0;
    rs[1][4..7].copy_from_slice(&[0, 0, 0]);
    assert_eq!(turnout_share_result(&dataset(&rs)).n, 38);
}

#[test]
fn simulated_stuffing_raises_the_winner_slope_above_the_share() {
    let opts = CheckOptions::default();
    let clean = simulate(&ElectionSpec::clean(5000), 1).dataset;
    let mut spec = ElectionSpec::clean(5000);
    spec.fraud.incremental = 0.3;
    let stuffed = simulate(&spec, 1).dataset;
    let run = |d: &Dataset| TurnoutShare.run(&CheckContext::new(d, &opts));
    let (c, s) = (run(&clean), run(&stuffed));
    assert_eq!(c.len(), 1);
    let w = |r: &elaudit::report::CheckResult| {
        let name = r.detail["regressions"]
            .as_array()
            .unwrap()
            .iter()
            .max_by(|a, b| {
                a["share"]
                    .as_f64()
                    .partial_cmp(&b["share"].as_f64())
                    .unwrap()
            })
            .unwrap()
            .clone();
        (
            r.statistic.unwrap(),
            name["slope_minus_share"].as_f64().unwrap(),
        )
    };
    let ((rc, gc), (rs, gs)) = (w(&c[0]), w(&s[0]));
    assert!(rs > rc + 0.05, "correlation {rc} -> {rs}");
    assert!(gs > gc + 0.04, "winner slope - share {gc} -> {gs}");
    assert!(!s[0].flagged);
}
