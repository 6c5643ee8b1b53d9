//! Fingerprints simulated from a fitted model, for the report's pictures: what the
//! election would look like under the fair model alone, and with the fitted stuffing;
//! and the clean stations that put `--stations-out`'s anomaly score on a scale.

use rayon::prelude::*;

use super::model::{FairModel, Fraud, SimStation, Stations, simulate_each};
use crate::montecarlo::batch_rng;
use crate::stats::anomaly::{GRID, cell, cell_index, score, whole_percent};

/// Simulated copies of the stations per map: enough that the picture is not noisier
/// than the observed one's.
pub const MAP_COPIES: u64 = 4;

/// The mean count per cell over [`MAP_COPIES`] simulations of `st` under `fair` and
/// `fraud`, on a `bins`×`bins` grid laid out as the observed map is: row = the
/// winner's share bin, column = the turnout bin. Copy `c` draws from
/// `batch_rng(seed, "fingerprint-maps", c)`.
pub fn simulated_map(
    st: &Stations,
    fair: &FairModel,
    fraud: &Fraud,
    seed: u64,
    bins: usize,
) -> Vec<f64> {
    let bins = bins.max(1);
    let bin = |x: f64| ((x * bins as f64) as usize).min(bins - 1);
    let mut counts = vec![0.0; bins * bins];
    for c in 0..MAP_COPIES {
        let mut rng = batch_rng(seed, "fingerprint-maps", c);
        simulate_each(st, fair, fraud, &mut rng, |s| {
            let (t, w) = s.rates();
            counts[bin(w) * bins + bin(t)] += 1.0 / MAP_COPIES as f64;
        });
    }
    counts
}

/// Fewest simulated stations behind the score's null: its smallest tail is then at most
/// 1/100,001, so tails down to 1e-4 rest on at least ten simulated stations.
pub const NULL_MIN_STATIONS: u64 = 100_000;

/// Copies of `stations` stations the score's null simulates: [`MAP_COPIES`], or more
/// until they reach [`NULL_MIN_STATIONS`].
pub fn null_copies(stations: usize) -> u64 {
    MAP_COPIES.max(NULL_MIN_STATIONS.div_ceil(stations.max(1) as u64))
}

/// The fingerprint's stations per cell of the score's grid (turnout-major).
pub fn score_cells(st: &Stations) -> Vec<u64> {
    let mut cells = vec![0u64; GRID * GRID];
    for i in 0..st.len() {
        cells[cell_index(cell(st.turnout(i), st.share(i)))] += 1;
    }
    cells
}

/// Anomaly scores of `st`'s stations simulated [`null_copies`] times from `fair` with no
/// fraud, ascending. Each simulated station is scored as a real one is: its whole
/// percentages, no arithmetic term (simulated protocols add up), and its cell's crowding
/// in its own copy against `expected`, the fair model's stations per cell. Copy `c` draws
/// from `batch_rng(seed, "stations-out-null", c)`; sorting makes the result independent
/// of the thread count.
pub fn null_scores(st: &Stations, fair: &FairModel, seed: u64, expected: &[f64]) -> Vec<f64> {
    let copies: Vec<Vec<f64>> = (0..null_copies(st.len()))
        .into_par_iter()
        .map(|c| {
            let mut rng = batch_rng(seed, "stations-out-null", c);
            let mut sim: Vec<SimStation> = Vec::with_capacity(st.len());
            simulate_each(st, fair, &Fraud::NONE, &mut rng, |s| sim.push(s));
            copy_scores(&sim, expected)
        })
        .collect();
    let mut scores: Vec<f64> = copies.into_iter().flatten().collect();
    scores.sort_by(f64::total_cmp);
    scores
}

/// The scores of one simulated copy, each cell's crowding counted within the copy.
fn copy_scores(sim: &[SimStation], expected: &[f64]) -> Vec<f64> {
    let cells: Vec<usize> = sim
        .iter()
        .map(|s| {
            let (t, w) = s.rates();
            cell_index(cell(t, w))
        })
        .collect();
    let mut observed = vec![0u64; GRID * GRID];
    for &k in &cells {
        observed[k] += 1;
    }
    sim.iter()
        .zip(&cells)
        .map(|(s, &k)| {
            // Valid plus invalid votes are the ballots: the simulated protocol adds up.
            let (reg, ballots) = (u64::from(s.registered), u64::from(s.ballots));
            let whole = [
                whole_percent(ballots, reg),
                whole_percent(u64::from(s.winner), ballots),
            ];
            let exp = expected.get(k).copied().unwrap_or(0.0);
            score(&whole, 0, Some((observed[k], exp)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::fair::{FairGroup, FairShape};

    /// `n` like stations in one group, and a fair model for them.
    fn setup(n: usize) -> (Stations, FairModel) {
        let st = Stations::alike(n, [1000, 600, 590, 300], "a");
        let group = FairGroup {
            turnout_center: 0.4,
            turnout_spread: 0.3,
            share_center: 0.0,
            share_spread: 0.3,
        };
        (st, FairModel::plain(FairShape::LogitNormal, vec![group]))
    }

    #[test]
    fn a_map_holds_every_simulated_station_once() {
        let (st, fair) = setup(50);
        let map = simulated_map(&st, &fair, &Fraud::NONE, 1, 10);
        let total: f64 = map.iter().sum();
        assert!((total - 50.0).abs() < 1e-9, "{total}");
        assert_eq!(map, simulated_map(&st, &fair, &Fraud::NONE, 1, 10));
    }

    #[test]
    fn the_score_null_has_enough_stations_and_is_sorted() {
        assert_eq!(null_copies(30_000), MAP_COPIES);
        assert_eq!(null_copies(1_000), 100);
        let n = 400;
        let (st, fair) = setup(n);
        assert_eq!(score_cells(&st).iter().sum::<u64>(), n as u64);
        let expected = vec![n as f64 / 2500.0; 2500];
        let scores = null_scores(&st, &fair, 3, &expected);
        assert_eq!(scores.len() as u64, null_copies(n) * n as u64);
        assert!(scores.windows(2).all(|w| w[0] <= w[1]));
        assert!(scores[0] >= 0.0 && scores.iter().any(|&s| s > 0.0));
    }
}
