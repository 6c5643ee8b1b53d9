//! `anomalous-votes`: the winner's votes in excess of what high-turnout stations would give
//! if they voted like the stations at the turnout mode (the method associated with Sergey
//! Shpilkin).
//!
//! Stations are put in 1% turnout bins, floor(100 · ballots ÷ registered), with 100% in bin 99.
//! The bin holding the most stations (the turnout mode; ties to the lower bin; stations at
//! exactly 100% are not counted in the search, see [`BinTotals::mode_counts`]) is taken as the
//! clean reference, with its winner-to-others ratio R = winner votes ÷ other candidates'
//! votes, summed over the stations in the bin. In every bin above the mode the winner is
//! expected to get R × the others' votes there; the anomalous votes are the sum over those bins
//! of (observed − expected). The per-bin excesses are summed as they are, negative ones
//! included: clipping them at zero would bias the estimate upward when nothing is wrong. The
//! share divides by the winner's national total over every station read. Stations count when
//! turnout is defined (registered > 0, ballots ≤ registered) and valid > 0.
//!
//! This is an estimate, not a test (`Family::Descriptive`, no p-value). It rests entirely on
//! the assumption that high-turnout stations would otherwise vote like the mode; in clean
//! elections turnout and preference often move together (towns against villages, one region
//! against another), so the estimate is not centred on zero under any null that could be
//! calibrated. The bootstrap interval covers only sampling noise among stations, not the error
//! of that assumption.
//!
//! What the number measures: a ballot stuffed for the winner counts once; a vote moved from
//! another candidate counts 1 + R times, since it also lowers the others' votes from which the
//! winner's expectation is taken. Stuffing that leaves stations at or below the mode (small
//! increments) is missed, and may even raise the reference ratio, so it is underestimated.

use rand::RngExt as _;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::{Check, CheckContext};
use crate::data::Dataset;
use crate::montecarlo::batch_rng;
use crate::result::{CheckResult, Effect, Family};
use crate::stats::quantile::type7_sorted;

/// Bootstrap replicates for the interval.
pub const DEFAULT_REPLICATES: usize = 200;
/// Replicates per seeded batch; fixed so that results do not depend on the thread count.
const REPLICATE_BATCH: usize = 10;
/// Eligible stations the check needs.
pub const MIN_STATIONS: usize = 100;
/// Number of 1% turnout bins; 100% turnout joins the last one.
pub const BINS: usize = 100;
/// The share of bootstrap replicates that may lack a ratio at their mode (no other votes
/// there) before the interval is withheld: dropping more could move a 2.5% tail.
const MAX_UNDEFINED_SHARE: f64 = 0.025;

const ID: &str = "anomalous-votes";
const SUBJECT: &str = "winner";

/// The `anomalous-votes` check.
pub struct AnomalousVotes;

impl Check for AnomalousVotes {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        Family::Descriptive
    }
    fn describe(&self) -> &'static str {
        "the winner's votes above the turnout mode in excess of the mode's winner-to-others \
         ratio (Shpilkin), with a bootstrap interval; an estimate, descriptive"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        vec![anomalous_votes_result(
            ctx.data,
            ctx.options.seed,
            ctx.options.anomalous_votes_replicates,
        )]
    }
}

/// The 1% turnout bin of a station: floor(100 · ballots ÷ registered) in integers, with 100%
/// in bin 99. `None` when turnout is undefined (registered = 0 or ballots > registered).
pub fn turnout_bin(ballots: u64, registered: u64) -> Option<usize> {
    if registered == 0 || ballots > registered {
        return None;
    }
    let k = u128::from(ballots) * 100 / u128::from(registered);
    Some((k as usize).min(BINS - 1))
}

/// Stations, winner votes and other candidates' votes summed per turnout bin.
#[derive(Debug, Clone, PartialEq)]
pub struct BinTotals {
    pub stations: [u64; BINS],
    pub winner: [u128; BINS],
    pub others: [u128; BINS],
    /// Stations at exactly 100% turnout (all in bin 99), which the mode search leaves out.
    pub full_turnout: u64,
}

impl Default for BinTotals {
    fn default() -> Self {
        BinTotals {
            stations: [0; BINS],
            winner: [0; BINS],
            others: [0; BINS],
            full_turnout: 0,
        }
    }
}

impl BinTotals {
    fn add(&mut self, s: &Eligible) {
        self.add_times(s, 1);
    }

    /// Adds station `s` `times` times over (a bootstrap draw's multiplicity).
    fn add_times(&mut self, s: &Eligible, times: u32) {
        let b = usize::from(s.bin).min(BINS - 1);
        let t = u64::from(times);
        self.stations[b] += t;
        self.winner[b] += u128::from(s.winner) * u128::from(t);
        self.others[b] += s.others * u128::from(t);
        self.full_turnout += u64::from(s.full) * t;
    }

    /// Stations per bin as the mode search counts them: those at exactly 100% turnout are left
    /// out of bin 99. They are an atom, not part of the turnout density (closed institutions
    /// where everyone on the list votes, or a target of manipulation), and in Russia 2012 the
    /// 3,261 of them would make 99% the "mode" over the bulk's peak at 60%.
    pub fn mode_counts(&self) -> [u64; BINS] {
        let mut c = self.stations;
        c[BINS - 1] = c[BINS - 1].saturating_sub(self.full_turnout);
        c
    }

    /// The bin with the most stations by [`Self::mode_counts`]; ties go to the lower bin, so
    /// that a flat top does not push the reference towards the high turnout the method suspects.
    /// When every station is at 100%, the plain counts decide.
    pub fn mode(&self) -> usize {
        let mut c = self.mode_counts();
        if c.iter().all(|&n| n == 0) {
            c = self.stations;
        }
        let mut best = 0;
        for (k, &n) in c.iter().enumerate() {
            if n > c[best] {
                best = k;
            }
        }
        best
    }
}

/// The estimate from binned totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The turnout mode's bin (its lower edge in percent).
    pub mode_bin: usize,
    /// Winner votes ÷ other candidates' votes over the stations in the mode bin.
    pub ratio_at_mode: f64,
    /// Σ over bins above the mode of (winner observed − others × ratio), unclipped.
    pub anomalous_votes: f64,
}

/// The estimate, or `None` when the others have no votes in the mode bin (no ratio).
pub fn estimate(t: &BinTotals) -> Option<Estimate> {
    let mode = t.mode();
    let (w_mode, o_mode) = (t.winner[mode], t.others[mode]);
    if o_mode == 0 {
        return None;
    }
    let (mut w_above, mut o_above) = (0u128, 0u128);
    for k in mode + 1..BINS {
        w_above = w_above.saturating_add(t.winner[k]);
        o_above = o_above.saturating_add(t.others[k]);
    }
    // Exactly (W·O_mode − O·W_mode) / O_mode in integers when it fits, so that clean data
    // lose nothing to cancellation; in floating point otherwise.
    let anomalous = match (w_above.checked_mul(o_mode), o_above.checked_mul(w_mode)) {
        (Some(a), Some(b)) if a >= b => (a - b) as f64 / o_mode as f64,
        (Some(a), Some(b)) => -((b - a) as f64 / o_mode as f64),
        _ => w_above as f64 - o_above as f64 * (w_mode as f64 / o_mode as f64),
    };
    Some(Estimate {
        mode_bin: mode,
        ratio_at_mode: w_mode as f64 / o_mode as f64,
        anomalous_votes: anomalous,
    })
}

/// One turnout bin above the mode, for the report's detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinRow {
    /// Lower edge in percent (bin 99 also holds 100%).
    pub turnout_bin: usize,
    pub stations: u64,
    pub winner_votes: f64,
    pub others_votes: f64,
    /// Others' votes × the ratio at the mode.
    pub expected_winner_votes: f64,
    /// Winner votes − expected: this bin's part of the estimate.
    pub excess_votes: f64,
}

/// The non-empty bins above the mode.
pub fn bin_rows(t: &BinTotals, e: &Estimate) -> Vec<BinRow> {
    (e.mode_bin + 1..BINS)
        .filter(|&k| t.stations[k] > 0)
        .map(|k| {
            let w = t.winner[k] as f64;
            let o = t.others[k] as f64;
            let expected = o * e.ratio_at_mode;
            BinRow {
                turnout_bin: k,
                stations: t.stations[k],
                winner_votes: w,
                others_votes: o,
                expected_winner_votes: expected,
                excess_votes: w - expected,
            }
        })
        .collect()
}

/// What the check keeps of one eligible station.
#[derive(Debug, Clone, Copy)]
struct Eligible {
    bin: u8,
    /// Turnout exactly 100%.
    full: bool,
    winner: u64,
    others: u128,
}

/// Stations with a defined turnout and valid votes, with their bin and vote counts.
fn eligible(data: &Dataset) -> Vec<Eligible> {
    data.stations
        .iter()
        .enumerate()
        .filter(|(_, s)| s.valid > 0)
        .filter_map(|(i, s)| {
            let registered = s.registered?;
            let bin = turnout_bin(s.ballots.into(), registered.into())?;
            let votes = data
                .votes
                .get(i * data.n_candidates()..(i + 1) * data.n_candidates())?;
            let winner = *votes.get(data.winner)?;
            let others = votes
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != data.winner)
                .map(|(_, &v)| u128::from(v))
                .sum();
            Some(Eligible {
                bin: bin as u8,
                full: s.ballots == registered,
                winner: winner.into(),
                others,
            })
        })
        .collect()
}

/// The `anomalous-votes` result on `data`, with `replicates` bootstrap replicates seeded from
/// `seed`.
pub fn anomalous_votes_result(data: &Dataset, seed: u64, replicates: usize) -> CheckResult {
    let na = |n: usize, why: &str| {
        CheckResult::not_applicable(ID, SUBJECT, Family::Descriptive, n as u64, why)
    };
    if !data.roles.registered {
        return na(0, "no registered-voters column is mapped");
    }
    let stations = eligible(data);
    let n = stations.len();
    if n < MIN_STATIONS {
        return na(
            n,
            &format!(
                "{n} stations have a turnout and valid votes; at least {MIN_STATIONS} are needed"
            ),
        );
    }
    let mut totals = BinTotals::default();
    for s in &stations {
        totals.add(s);
    }
    let Some(est) = estimate(&totals) else {
        return na(
            n,
            &format!(
                "the other candidates have no votes at the turnout mode ({}%), so the \
                 winner-to-others ratio there is undefined",
                totals.mode()
            ),
        );
    };
    let boot = bootstrap(&stations, seed, replicates);
    let undefined = boot.iter().filter(|b| b.is_none()).count();
    let mut draws: Vec<f64> = boot.into_iter().flatten().collect();
    draws.sort_by(f64::total_cmp);
    let withheld = replicates == 0 || undefined as f64 > MAX_UNDEFINED_SHARE * replicates as f64;
    let (ci_low, ci_high) = if withheld {
        (None, None)
    } else {
        (type7_sorted(&draws, 0.025), type7_sorted(&draws, 0.975))
    };

    let winner_name = data
        .candidates
        .get(data.winner)
        .cloned()
        .unwrap_or_default();
    let winner_total = data
        .candidate_totals()
        .get(data.winner)
        .copied()
        .unwrap_or(0);
    let share = (winner_total > 0).then(|| est.anomalous_votes / winner_total as f64);
    let rows = bin_rows(&totals, &est);

    let share_text = share
        .map(|s| format!("{:+.2}% of {winner_name}'s votes", 100.0 * s + 0.0))
        .unwrap_or_else(|| format!("no share of {winner_name}'s votes (they have none)"));
    let ci_text = match (ci_low, ci_high) {
        (Some(lo), Some(hi)) => format!("95% bootstrap interval {lo:.0} to {hi:.0}"),
        _ => "no bootstrap interval".to_string(),
    };
    let summary = format!(
        "Anomalous votes {share_text}: {:.0} ({ci_text}) above the turnout mode of {}%, where \
         the winner-to-others ratio is {:.3}. This estimate assumes that stations with higher \
         turnout would otherwise have voted like the stations at the mode; it is not a count of \
         fraudulent votes.",
        est.anomalous_votes + 0.0,
        est.mode_bin,
        est.ratio_at_mode
    );
    CheckResult {
        statistic: Some(est.anomalous_votes),
        p_value: None,
        effect: share.map(|value| Effect {
            measure: "share_of_winner".into(),
            value,
        }),
        summary,
        detail: json!({
            "anomalous_votes": est.anomalous_votes,
            "share_of_winner": share,
            "winner_votes": winner_total,
            "mode_bin": est.mode_bin,
            "mode_stations": totals.stations[est.mode_bin],
            "full_turnout_stations": totals.full_turnout,
            "ratio_at_mode": est.ratio_at_mode,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "ci_method": "percentile bootstrap over stations, mode recomputed in each replicate",
            "replicates": replicates,
            "replicates_undefined": undefined,
            "clipped": false,
            "bins": rows,
        }),
        ..CheckResult::applicable(ID, SUBJECT, Family::Descriptive, n as u64)
    }
}

/// Bootstrap replicates of the estimate: stations resampled with replacement and everything
/// recomputed, the mode included. `None` where a replicate has no ratio at its mode.
fn bootstrap(stations: &[Eligible], seed: u64, replicates: usize) -> Vec<Option<f64>> {
    let n = stations.len() as u64;
    if n == 0 {
        return vec![None; replicates];
    }
    let batches = replicates.div_ceil(REPLICATE_BATCH);
    (0..batches)
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut rng = batch_rng(seed, ID, b as u64);
            let in_batch = REPLICATE_BATCH.min(replicates - b * REPLICATE_BATCH);
            // Draws are tallied per station, then added in station order: the totals are
            // integers, so this equals adding each draw as it comes, without a random read
            // of a station per draw.
            let mut times = vec![0u32; stations.len()];
            (0..in_batch)
                .map(|_| {
                    times.iter_mut().for_each(|c| *c = 0);
                    for _ in 0..n {
                        let i = rng.random_range(0..n) as usize;
                        if let Some(c) = times.get_mut(i) {
                            *c += 1;
                        }
                    }
                    let mut t = BinTotals::default();
                    for (s, &c) in stations.iter().zip(&times) {
                        if c > 0 {
                            t.add_times(s, c);
                        }
                    }
                    estimate(&t).map(|e| e.anomalous_votes)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
