//! Fingerprints simulated from a fitted model, for the report's pictures: what the
//! election would look like under the fair model alone, and with the fitted stuffing.

use super::model::{FairModel, Fraud, Stations, simulate_each};
use crate::montecarlo::batch_rng;

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
            let t = f64::from(s.ballots) / f64::from(s.registered.max(1));
            let w = f64::from(s.winner) / f64::from(s.valid.max(1));
            counts[bin(w) * bins + bin(t)] += 1.0 / MAP_COPIES as f64;
        });
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::fair::{FairGroup, FairShape};

    #[test]
    fn a_map_holds_every_simulated_station_once() {
        let st = Stations {
            registered: vec![1000; 50],
            ballots: vec![600; 50],
            valid: vec![590; 50],
            winner: vec![300; 50],
            group: vec![0; 50],
            group_names: vec!["a".into()],
            region: Vec::new(),
        };
        let fair = FairModel::plain(
            FairShape::LogitNormal,
            vec![FairGroup {
                turnout_center: 0.4,
                turnout_spread: 0.3,
                share_center: 0.0,
                share_spread: 0.3,
            }],
        );
        let map = simulated_map(&st, &fair, &Fraud::NONE, 1, 10);
        let total: f64 = map.iter().sum();
        assert!((total - 50.0).abs() < 1e-9, "{total}");
        assert_eq!(map, simulated_map(&st, &fair, &Fraud::NONE, 1, 10));
    }
}
