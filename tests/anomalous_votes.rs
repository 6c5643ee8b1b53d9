//! `anomalous-votes`: the turnout bins, the estimate against numpy on hand-made stations,
//! the not-applicable and degenerate cases, the seeded bootstrap, clean and stuffed
//! simulations, and (when present) Russia 2012 and Poland 2020.

mod common;

use std::path::Path;

use elaudit::checks::anomalous_votes::{
    BinTotals, DEFAULT_REPLICATES, anomalous_votes_result, estimate, turnout_bin,
};
use elaudit::checks::{AnomalousVotes, Check, CheckContext, CheckOptions, registry};
use elaudit::data::{Dataset, LoadOptions};
use elaudit::report::{CheckResult, Family};
use elaudit::simulate::{ElectionSpec, simulate};

const REL: f64 = 1e-9;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
}

fn num(r: &CheckResult, key: &str) -> f64 {
    r.detail[key].as_f64().unwrap_or(f64::NAN)
}

/// (registered, ballots, valid, invalid, [W, A, B]); W is the winner.
type Row = (u64, u64, u64, u64, [u64; 3]);
/// (stations, ballots at row i, winner percent)
type Group = (u64, fn(u64) -> u64, u64);

/// A dataset of rows.
fn dataset(rows: &[Row]) -> Dataset {
    common::dataset(
        &["W", "A", "B"],
        rows.iter()
            .map(|&(r, b, v, i, votes)| (r, b, v, i, votes.to_vec())),
    )
}

/// 125 eligible stations in five turnout groups plus 7 ineligible ones, built by integer
/// formulas that the python reference below repeats exactly.
fn hand_rows() -> Vec<Row> {
    let groups: [Group; 6] = [
        (30, |i| 600 + i % 7, 50),
        (40, |i| 650 + i % 9, 50),
        (25, |i| 660 + i % 5, 55),
        (15, |i| 800 + i % 11, 70),
        (10, |i| 990 + i % 10, 90),
        (5, |_| 1000, 90),
    ];
    let mut rows = Vec::new();
    let mut i = 0u64;
    for (count, ballots, pct) in groups {
        for _ in 0..count {
            let b = ballots(i);
            let inv = i % 4;
            let val = b - inv;
            let w = val * pct / 100 + (i * 37) % 13;
            let a = (val - w) * 2 / 3;
            rows.push((1000, b, val, inv, [w, a, val - w - a]));
            i += 1;
        }
    }
    // Ballots above registered, zero registered, no valid votes: left out of the estimate,
    // but the winner's votes there still count in the national total.
    rows.extend([(1000, 1005, 1005, 0, [700, 200, 105]); 3]);
    rows.extend([(0, 50, 50, 0, [40, 5, 5]); 2]);
    rows.extend([(1000, 700, 0, 700, [0, 0, 0]); 2]);
    rows
}

#[test]
fn turnout_bins_floor_in_integers_and_put_100_percent_in_bin_99() {
    assert_eq!(turnout_bin(0, 1000), Some(0));
    assert_eq!(turnout_bin(659, 1000), Some(65));
    assert_eq!(turnout_bin(660, 1000), Some(66));
    // 2/3 = 66.67%; 7/700 = exactly 1%.
    assert_eq!(turnout_bin(2, 3), Some(66));
    assert_eq!(turnout_bin(7, 700), Some(1));
    assert_eq!(turnout_bin(999, 1000), Some(99));
    assert_eq!(turnout_bin(1000, 1000), Some(99));
    assert_eq!(turnout_bin(1001, 1000), None);
    assert_eq!(turnout_bin(0, 0), None);
    assert_eq!(turnout_bin(u64::MAX, u64::MAX), Some(99));
    assert_eq!(turnout_bin(u64::MAX / 2, u64::MAX), Some(49));
}

#[test]
fn estimate_matches_numpy_on_hand_made_stations() {
    // python3 - <<'EOF'
    // import numpy as np
    // groups=[(30,lambda i:600+i%7,50),(40,lambda i:650+i%9,50),(25,lambda i:660+i%5,55),
    //         (15,lambda i:800+i%11,70),(10,lambda i:990+i%10,90),(5,lambda i:1000,90)]
    // rows=[]; i=0
    // for c,b,p in groups:
    //     for _ in range(c):
    //         ball=b(i); inv=i%4; val=ball-inv; w=val*p//100+(i*37)%13; a=(val-w)*2//3
    //         rows.append((1000,ball,val,inv,w,a,val-w-a)); i+=1
    // rows+=[(1000,1005,1005,0,700,200,105)]*3+[(0,50,50,0,40,5,5)]*2+[(1000,700,0,700,0,0,0)]*2
    // r=np.array(rows,dtype=np.int64)
    // e=r[(r[:,0]>0)&(r[:,1]<=r[:,0])&(r[:,2]>0)]; k=np.minimum(100*e[:,1]//e[:,0],99)
    // cnt=np.bincount(k,minlength=100); W=np.bincount(k,weights=e[:,4],minlength=100)
    // O=np.bincount(k,weights=e[:,5]+e[:,6],minlength=100)
    // m=int(np.argmax(cnt)); ratio=W[m]/O[m]; an=(W[m+1:]-O[m+1:]*ratio).sum()
    // print(len(e),m,repr(ratio),repr(an),repr(an/r[:,4].sum()),r[:,4].sum())
    // for j in range(m+1,100):
    //     if cnt[j]: print(j,cnt[j],W[j],O[j],repr(O[j]*ratio))
    // EOF
    let r = anomalous_votes_result(&dataset(&hand_rows()), 42, DEFAULT_REPLICATES);
    assert!(r.applicable, "{}", r.summary);
    assert_eq!(r.id, "anomalous-votes");
    assert_eq!(r.subject, "winner");
    assert_eq!(r.family, Family::Descriptive);
    assert_eq!(r.n, 125);
    assert_eq!(r.p_value, None);
    assert_eq!(r.detail["mode_bin"].as_u64(), Some(65));
    assert_eq!(r.detail["mode_stations"].as_u64(), Some(40));
    assert_eq!(r.detail["winner_votes"].as_u64(), Some(55_918));
    assert!(close(num(&r, "ratio_at_mode"), 1.0355611011463777, REL));
    let anomalous = 18587.767683069484;
    assert!(close(num(&r, "anomalous_votes"), anomalous, REL));
    assert!(close(r.statistic.unwrap(), anomalous, REL));
    assert!(close(num(&r, "share_of_winner"), 0.33241116783628677, REL));
    let effect = r.effect.as_ref().unwrap();
    assert_eq!(effect.measure, "share_of_winner");
    assert!(close(effect.value, 0.33241116783628677, REL));
    // (bin, stations, winner votes, others' votes, expected winner votes)
    let want: [(u64, u64, f64, f64, f64); 4] = [
        (66, 25, 9223.0, 7289.0, 7548.204866255946),
        (80, 13, 7378.0, 3072.0, 3181.243702721672),
        (81, 2, 1146.0, 471.0, 487.7492786399439),
        (99, 15, 13515.0, 1407.0, 1457.0344693129534),
    ];
    let bins = r.detail["bins"].as_array().unwrap();
    assert_eq!(bins.len(), want.len());
    let mut excess_sum = 0.0;
    for (b, (k, n, w, o, e)) in bins.iter().zip(want) {
        assert_eq!(b["turnout_bin"].as_u64(), Some(k));
        assert_eq!(b["stations"].as_u64(), Some(n));
        assert_eq!(b["winner_votes"].as_f64(), Some(w));
        assert_eq!(b["others_votes"].as_f64(), Some(o));
        let got = b["expected_winner_votes"].as_f64().unwrap();
        assert!(close(got, e, REL), "bin {k}: {got} vs {e}");
        let excess = b["excess_votes"].as_f64().unwrap();
        assert!(close(excess, w - e, REL));
        excess_sum += excess;
    }
    assert!(close(excess_sum, anomalous, REL));
    // The interval is a percentile bootstrap over stations: ordered, and near the estimate.
    let (lo, hi) = (num(&r, "ci_low"), num(&r, "ci_high"));
    assert!(lo <= hi && lo < anomalous && anomalous < hi, "[{lo}, {hi}]");
    assert_eq!(r.detail["replicates"].as_u64(), Some(200));
    assert!(r.summary.contains("+33.24% of W's votes"), "{}", r.summary);
    assert!(
        r.summary
            .contains("assumes that stations with higher turnout would otherwise have")
            && r.summary.contains("not a count of fraudulent votes"),
        "{}",
        r.summary
    );
}

/// Binned totals from (bin, stations, winner votes, others' votes).
fn totals(rows: &[(usize, u64, u128, u128)]) -> BinTotals {
    let mut t = BinTotals::default();
    for &(k, n, w, o) in rows {
        t.stations[k] = n;
        t.winner[k] = w;
        t.others[k] = o;
    }
    t
}

#[test]
fn ties_for_the_mode_go_to_the_lower_bin() {
    let t = totals(&[
        (40, 7, 70, 70),
        (50, 9, 90, 100),
        (60, 9, 120, 100),
        (70, 3, 90, 30),
    ]);
    assert_eq!(t.mode(), 50);
    let e = estimate(&t).unwrap();
    assert_eq!(e.mode_bin, 50);
    assert!(close(e.ratio_at_mode, 0.9, REL));
    // 120 − 0.9·100 + 90 − 0.9·30 = 93
    assert!(close(e.anomalous_votes, 93.0, REL));
}

#[test]
fn stations_at_exactly_100_percent_are_left_out_of_the_mode_search_only() {
    // 120 stations at 100% outnumber the 100 at 60%, but the atom is not the mode; it still
    // counts above it.
    let mut rows = many(120, (1000, 1000, 1000, 0, [900, 50, 50]));
    rows.extend(many(100, (1000, 600, 600, 0, [300, 200, 100])));
    rows.extend(many(90, (1000, 995, 995, 0, [795, 100, 100])));
    let r = anomalous_votes_result(&dataset(&rows), 1, 50);
    assert_eq!(r.detail["mode_bin"].as_u64(), Some(60));
    assert_eq!(r.detail["full_turnout_stations"].as_u64(), Some(120));
    // Ratio 1 at the mode; bin 99: 120·900 + 90·795 − (120·100 + 90·200) = 149,550.
    assert!(close(r.statistic.unwrap(), 149_550.0, REL));
    let bins = r.detail["bins"].as_array().unwrap();
    assert_eq!(bins.len(), 1);
    assert_eq!(bins[0]["stations"].as_u64(), Some(210));
    // With 110 stations at 99.5%, bin 99 wins the search on those alone.
    rows.extend(many(20, (1000, 995, 995, 0, [795, 100, 100])));
    let r = anomalous_votes_result(&dataset(&rows), 1, 50);
    assert_eq!(r.detail["mode_bin"].as_u64(), Some(99));
}

#[test]
fn negative_excesses_are_summed_not_clipped() {
    // Mode 50 with ratio 1; bin 60 falls 50 short, bin 70 is 30 over: −20, where clipping
    // would give +30.
    let t = totals(&[(50, 10, 100, 100), (60, 4, 50, 100), (70, 4, 130, 100)]);
    let e = estimate(&t).unwrap();
    assert!(close(e.anomalous_votes, -20.0, REL));
    // Bins below the mode do not count, however odd.
    let t = totals(&[(10, 5, 1_000_000, 1), (50, 10, 100, 100), (70, 4, 130, 100)]);
    assert!(close(estimate(&t).unwrap().anomalous_votes, 30.0, REL));
}

#[test]
fn large_counts_stay_exact_or_finite() {
    // Products beyond u128 fall back to floating point and stay finite.
    let big = u128::from(u64::MAX) * 1000;
    let t = totals(&[(50, 10, big, big), (99, 3, big, big / 2)]);
    let e = estimate(&t).unwrap();
    assert!(e.anomalous_votes.is_finite());
    assert!(close(e.anomalous_votes, big as f64 / 2.0, 1e-12));
    // In range, the integer path is exact: W·O_mode − O·W_mode over O_mode = 1/3.
    let t = totals(&[(50, 10, 2, 3), (80, 1, 1, 1)]);
    assert!(close(
        estimate(&t).unwrap().anomalous_votes,
        1.0 / 3.0,
        1e-15
    ));
}

fn many(n: usize, row: Row) -> Vec<Row> {
    vec![row; n]
}

#[test]
fn not_applicable_without_registered_voters_enough_stations_or_a_ratio() {
    let row = (1000, 600, 600, 0, [300, 200, 100]);
    let mut d = dataset(&many(150, row));
    d.roles.registered = false;
    let r = anomalous_votes_result(&d, 42, 20);
    assert!(!r.applicable);
    assert!(r.summary.contains("registered"), "{}", r.summary);

    // 99 eligible stations, plus ineligible ones that do not count.
    let mut rows = many(99, row);
    rows.extend(many(20, (1000, 1200, 1200, 0, [600, 300, 300])));
    rows.extend(many(20, (0, 10, 10, 0, [6, 3, 1])));
    rows.extend(many(20, (1000, 600, 0, 600, [0, 0, 0])));
    let r = anomalous_votes_result(&dataset(&rows), 42, 20);
    assert!(!r.applicable);
    assert_eq!(r.n, 99);
    assert!(r.summary.contains("at least 100"), "{}", r.summary);
    rows.push(row);
    assert!(anomalous_votes_result(&dataset(&rows), 42, 20).applicable);

    // The others have no votes at the mode (60%), though they do elsewhere.
    let mut rows = many(120, (1000, 600, 600, 0, [600, 0, 0]));
    rows.extend(many(30, (1000, 800, 800, 0, [400, 200, 200])));
    let r = anomalous_votes_result(&dataset(&rows), 42, 20);
    assert!(!r.applicable);
    assert!(r.summary.contains("(60%)"), "{}", r.summary);
    assert!(r.detail.is_null() && r.statistic.is_none());
}

#[test]
fn degenerate_data_gives_results_without_panics() {
    let all_json = |r: &CheckResult| serde_json::to_string(r).expect("serialisable");

    // Every station in one bin: nothing above the mode, an estimate of exactly 0.
    let r = anomalous_votes_result(
        &dataset(&many(150, (1000, 655, 650, 5, [300, 200, 150]))),
        1,
        50,
    );
    assert!(r.applicable);
    assert_eq!(r.statistic, Some(0.0));
    assert_eq!(num(&r, "ci_low"), 0.0);
    assert_eq!(num(&r, "ci_high"), 0.0);
    assert_eq!(r.detail["bins"].as_array().map(Vec::len), Some(0));
    all_json(&r);

    // The mode in the last bin (99.5%): no bin above it.
    let mut rows = many(120, (1000, 995, 995, 0, [900, 50, 45]));
    rows.extend(many(50, (1000, 500, 500, 0, [250, 150, 100])));
    let r = anomalous_votes_result(&dataset(&rows), 1, 50);
    assert_eq!(
        (r.detail["mode_bin"].as_u64(), r.statistic),
        (Some(99), Some(0.0))
    );
    all_json(&r);

    // Every station at exactly 100%: the atom is all there is, so it is the mode.
    let r = anomalous_votes_result(
        &dataset(&many(150, (500, 500, 500, 0, [400, 60, 40]))),
        1,
        50,
    );
    assert_eq!(
        (r.detail["mode_bin"].as_u64(), r.statistic),
        (Some(99), Some(0.0))
    );
    assert_eq!(r.detail["full_turnout_stations"].as_u64(), Some(150));
    all_json(&r);

    // No other votes anywhere: not applicable.
    let r = anomalous_votes_result(
        &dataset(&many(150, (1000, 600, 600, 0, [600, 0, 0]))),
        1,
        50,
    );
    assert!(!r.applicable);
    all_json(&r);

    // A winner with no votes: ratio 0, estimate 0, no share to report.
    let r = anomalous_votes_result(
        &dataset(&many(150, (1000, 600, 600, 0, [0, 300, 300]))),
        1,
        50,
    );
    assert!(r.applicable);
    assert_eq!(r.statistic, Some(0.0));
    assert!(r.effect.is_none() && r.detail["share_of_winner"].is_null());
    all_json(&r);

    // Others at the mode only in a few stations: many replicates lack a ratio, so the
    // interval is withheld rather than taken from the lucky ones.
    let mut rows = many(149, (1000, 600, 600, 0, [600, 0, 0]));
    rows.push((1000, 605, 605, 0, [300, 305, 0]));
    rows.extend(many(20, (1000, 900, 900, 0, [600, 300, 0])));
    let r = anomalous_votes_result(&dataset(&rows), 1, 50);
    assert!(r.applicable);
    assert!(r.detail["replicates_undefined"].as_u64().unwrap() > 5);
    assert!(r.detail["ci_low"].is_null() && r.detail["ci_high"].is_null());
    assert!(r.summary.contains("no bootstrap interval"), "{}", r.summary);
    all_json(&r);

    // Zero replicates, the largest counts the dataset holds, no candidates, a winner index
    // out of range.
    let huge = u64::from(u32::MAX);
    let r = anomalous_votes_result(
        &dataset(&many(
            150,
            (huge, huge / 2, huge / 2, 0, [huge / 4, huge / 8, huge / 8]),
        )),
        1,
        0,
    );
    assert!(r.applicable && r.detail["ci_low"].is_null());
    all_json(&r);
    let mut d = dataset(&many(150, (1000, 600, 600, 0, [300, 200, 100])));
    d.candidates.clear();
    d.votes.clear();
    d.on_ballot.clear();
    assert!(!anomalous_votes_result(&d, 1, 10).applicable);
    let mut d = dataset(&many(150, (1000, 600, 600, 0, [300, 200, 100])));
    d.winner = 7;
    assert!(!anomalous_votes_result(&d, 1, 10).applicable);
    assert!(!anomalous_votes_result(&Dataset::default(), 1, 10).applicable);
}

#[test]
fn bootstrap_is_seeded_and_identical_at_any_thread_count() {
    let sim = simulate(&ElectionSpec::clean(3000), 11).dataset;
    let options = CheckOptions {
        seed: 5,
        ..CheckOptions::default()
    };
    let ctx = CheckContext::new(&sim, &options);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| AnomalousVotes.run(&ctx))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0].detail["replicates"].as_u64(),
        Some(DEFAULT_REPLICATES as u64)
    );
    // Another seed moves only the interval.
    let other = anomalous_votes_result(&sim, 6, DEFAULT_REPLICATES);
    assert_eq!(one[0].statistic, other.statistic);
    assert_ne!(one[0].detail["ci_low"], other.detail["ci_low"]);
}

#[test]
fn registered_as_a_descriptive_check() {
    let reg = registry();
    let c = reg
        .iter()
        .find(|c| c.id() == "anomalous-votes")
        .expect("registered");
    assert_eq!(c.family(), Family::Descriptive);
}

/// Clean elections with no regional differences: the assumption holds, so the share stays
/// small (single shares spread by about 0.008 at 10,000 stations) and the interval covers 0.
/// Each seed's 95% interval should cover 0, so misses are at most Binomial(20, 0.05); at least
/// 16 of 20 covered fails by chance with probability 0.0026:
/// python3 -c "from scipy.stats import binom; print(binom.cdf(15,20,0.95))"
#[test]
fn homogeneous_clean_simulations_give_small_shares_and_intervals_covering_zero() {
    let (covered, shares) = clean_runs(0.0);
    assert!(covered >= 16, "covered {covered} of 20");
    for (seed, s) in shares.iter().enumerate() {
        assert!(s.abs() < 0.04, "seed {seed}: share {s}");
    }
    let mean = shares.iter().sum::<f64>() / 20.0;
    // The mean's standard error is about 0.008 / sqrt(20) = 0.0018.
    assert!(mean.abs() < 0.008, "mean share {mean}");
}

/// Clean elections with regional effects (region sd 0.2 on turnout and shares, drawn
/// independently): each election has its own chance link between turnout and preference,
/// which the assumption ignores and the station bootstrap does not see. The share spreads
/// about three times wider (sd about 0.024 over 40 seeds) and the interval covered 0 in 32
/// of 40 seeds; the check is descriptive for this reason. Pinned loosely: every share below
/// 0.10, and at least 11 of 20 intervals cover 0 (fails with probability 0.0026 if coverage
/// is 0.8: python3 -c "from scipy.stats import binom; print(binom.cdf(10,20,0.8))").
#[test]
fn regional_clean_simulations_stay_small_though_intervals_undercover() {
    let (covered, shares) = clean_runs(0.2);
    assert!(covered >= 11, "covered {covered} of 20");
    for (seed, s) in shares.iter().enumerate() {
        assert!(s.abs() < 0.10, "seed {seed}: share {s}");
    }
}

/// Twenty clean elections of 10,000 stations with region sd `region_sd`: how many
/// intervals cover 0, and the shares.
fn clean_runs(region_sd: f64) -> (u32, Vec<f64>) {
    let mut covered = 0;
    let mut shares = Vec::new();
    for seed in 0..20u64 {
        let mut spec = ElectionSpec::clean(10_000);
        spec.region_sd = region_sd;
        let sim = simulate(&spec, 100 + seed).dataset;
        let r = anomalous_votes_result(&sim, seed, DEFAULT_REPLICATES);
        let share = r.effect.as_ref().unwrap().value;
        let (lo, hi) = (num(&r, "ci_low"), num(&r, "ci_high"));
        println!(
            "region sd {region_sd}, seed {seed}: share {share:+.4}, interval [{lo:.0}, {hi:.0}]"
        );
        covered += u32::from(lo <= 0.0 && 0.0 <= hi);
        shares.push(share);
    }
    (covered, shares)
}

/// The share of valid votes the clean spec gives the winner (0.45) against the others (0.55).
const CLEAN_RATIO: f64 = 0.45 / 0.55;

/// Extreme ballot stuffing (Klimek et al.: stations pushed to near 100%) is what the method is
/// built for. Its ideal target is not the winner's gain (ballots added + votes moved): a moved
/// vote also lowers the others' votes the expectation is taken from, so the method counts it
/// 1 + R times, R being the fair winner-to-others ratio. The estimate must lie within 15% of
/// ballots added + (1 + R)·votes moved, and its interval cover that in 4 of 5 seeds.
#[test]
fn planted_extreme_stuffing_is_recovered() {
    let mut covered = 0;
    for seed in 0..5u64 {
        let mut spec = ElectionSpec::clean(20_000);
        spec.fraud.extreme = 0.05;
        let sim = simulate(&spec, 200 + seed);
        let t = &sim.truth.fraud;
        let target = t.ballots_added as f64 + (1.0 + CLEAN_RATIO) * t.votes_moved as f64;
        let r = anomalous_votes_result(&sim.dataset, seed, DEFAULT_REPLICATES);
        let est = r.statistic.unwrap();
        let (lo, hi) = (num(&r, "ci_low"), num(&r, "ci_high"));
        println!(
            "seed {seed}: estimate {est:.0} [{lo:.0}, {hi:.0}], target {target:.0} \
             (added {}, moved {}), share {:.4}",
            t.ballots_added,
            t.votes_moved,
            r.effect.as_ref().unwrap().value
        );
        assert!(
            (est / target - 1.0).abs() < 0.15,
            "seed {seed}: {est} vs {target}"
        );
        assert!(lo > 0.0);
        covered += u32::from(lo <= target && target <= hi);
    }
    assert!(covered >= 4, "covered {covered} of 5");
}

/// Incremental stuffing (small increments at 20% of stations) mostly leaves stations near the
/// mode and contaminates the reference itself, so the method sees only part of it: the
/// estimate is positive but below the ideal target. This pins that known limitation.
#[test]
fn planted_incremental_stuffing_is_underestimated() {
    for seed in 0..3u64 {
        let mut spec = ElectionSpec::clean(20_000);
        spec.fraud.incremental = 0.2;
        let sim = simulate(&spec, 300 + seed);
        let t = &sim.truth.fraud;
        let target = t.ballots_added as f64 + (1.0 + CLEAN_RATIO) * t.votes_moved as f64;
        let est = anomalous_votes_result(&sim.dataset, seed, DEFAULT_REPLICATES)
            .statistic
            .unwrap();
        println!("seed {seed}: estimate {est:.0}, target {target:.0}");
        assert!(
            est > 0.1 * target && est < target,
            "seed {seed}: {est} vs {target}"
        );
    }
}

fn load_real(dir: &Path, file: &str, columns: &str) -> Dataset {
    let opts = LoadOptions {
        spec: common::columns_file(columns),
        ..LoadOptions::default()
    };
    elaudit::data::load(dir.join(file).to_str().expect("utf-8 path"), &opts).expect("loads")
}

fn print_real(name: &str, r: &CheckResult) {
    println!(
        "{name}: n {} anomalous {:.0} share {:.4} mode {}% ratio {:.4} interval [{:.0}, {:.0}]\n  {}",
        r.n,
        num(r, "anomalous_votes"),
        num(r, "share_of_winner"),
        r.detail["mode_bin"],
        num(r, "ratio_at_mode"),
        num(r, "ci_low"),
        num(r, "ci_high"),
        r.summary
    );
}

/// Russia 2012 (ballots cast = box contents, as in the columns file): 11.16 million anomalous
/// votes for Putin, 24.5% of his total, with the mode at 60% once the 3,261 stations at
/// exactly 100% are kept out of the mode search.
#[test]
fn russia_2012_shows_a_large_positive_share() {
    let Some(dir) = common::shared_data("ru-pres-2012") else {
        return;
    };
    let d = load_real(
        &dir,
        "russia_president_2012_uik.csv.gz",
        "ru-pres-2012.toml",
    );
    let r = anomalous_votes_result(&d, 42, DEFAULT_REPLICATES);
    print_real("Russia 2012", &r);
    assert!(r.applicable);
    assert_eq!(r.n, 95_413);
    assert_eq!(r.detail["mode_bin"].as_u64(), Some(60));
    // python3 - <<'EOF'
    // import csv, gzip, numpy as np
    // f=csv.reader(gzip.open('russia_president_2012_uik.csv.gz','rt')); h=next(f); rows=list(f)
    // col=lambda n: np.array([int(r[h.index(n)]) for r in rows])
    // reg=col(h[3]); val=col('Число действительных избирательных бюллетеней')
    // b=col('Число избирательных бюллетеней в переносных ящиках для голосования')+col('Число бюллетеней в стационарных ящиках для голосования')
    // put=col('Путин Владимир Владимирович'); oth=sum(col(n) for n in ['Жириновский Владимир Вольфович',
    //     'Зюганов Геннадий Андреевич','Миронов Сергей Михайлович','Прохоров Михаил Дмитриевич'])
    // el=(reg>0)&(b<=reg)&(val>0); k=np.minimum(100*b[el]//reg[el],99)
    // cnt=np.bincount(k,minlength=100); cnt[99]-=(b[el]==reg[el]).sum(); m=int(np.argmax(cnt))
    // W=np.bincount(k,weights=put[el],minlength=100); O=np.bincount(k,weights=oth[el],minlength=100)
    // r=W[m]/O[m]; an=(W[m+1:]-O[m+1:]*r).sum(); print(m,repr(r),repr(an),repr(an/put.sum()))
    // EOF
    assert!(close(num(&r, "ratio_at_mode"), 1.359309212262852, REL));
    assert!(close(num(&r, "anomalous_votes"), 11164634.57682688, REL));
    assert!(close(num(&r, "share_of_winner"), 0.24482733684436245, REL));
    assert!(num(&r, "share_of_winner") > 0.10);
    assert!(num(&r, "ci_low") > 0.0);
}

/// Poland 2020 round 1 shows no positive excess: the estimate is about −23% of Duda's votes.
/// The assumption fails the other way there: turnout is highest in cities, where Duda was
/// weakest (his ratio to the others falls from 0.92 at the 63% mode to about 0.3 at 80%),
/// and the sign survives splitting urban from rural districts (−5% and −6%). Only the sign is
/// asserted: a clean election must not look like stuffing for the winner.
#[test]
fn poland_2020_round_1_shows_no_positive_share() {
    let Some(dir) = common::shared_data("poland-pres-2020") else {
        return;
    };
    let d = load_real(
        &dir,
        "poland_president_2020_round1_obwody.csv",
        "poland-pres-2020-round1.toml",
    );
    let r = anomalous_votes_result(&d, 42, DEFAULT_REPLICATES);
    print_real("Poland 2020 round 1", &r);
    assert!(r.applicable);
    assert!(num(&r, "share_of_winner") < 0.0);
    assert!(num(&r, "ci_high") < 0.0);
}
