//! Planted voter coercion (Jiménez, Hidalgo and Klimek 2017): in a share of each region's
//! smallest third of stations, some abstainers are made to vote for the winner and some of
//! the other candidates' voters switch to the winner. Every ballot is still a voter's, so
//! the station's arithmetic stays sound.

use rand::RngExt as _;
use rand_distr::{Binomial, Distribution};

use super::count;
use super::spec::Fraud;
use super::truth::{KindTruth, Planted};
use crate::data::Dataset;
use crate::montecarlo::batch_rng;

/// The planted winner: the spec's first candidate, the expected winner.
const WINNER: usize = 0;

/// The stations of each region (by index), in station order.
fn by_region(data: &Dataset) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); data.regions.len().max(1)];
    for (i, s) in data.stations.iter().enumerate() {
        let r = s.region.get().unwrap_or(0) as usize;
        if let Some(list) = out.get_mut(r) {
            list.push(i);
        }
    }
    out
}

/// A region's smallest third by registered voters (ties broken by station order), in
/// station order.
fn smallest_third(data: &Dataset, stations: &[usize]) -> Vec<usize> {
    let mut sorted = stations.to_vec();
    sorted.sort_by_key(|&i| (data.stations[i].registered.unwrap_or(0), i));
    sorted.truncate(stations.len() / 3);
    sorted.sort_unstable();
    sorted
}

fn binomial(rng: &mut crate::montecarlo::Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map(|d| d.sample(rng)).unwrap_or(0)
}

/// Plants coercion into `data` from the streams `simulate-coercion` (one per region);
/// marks the stations in `planted` and returns what it did: `ballots_added` counts the
/// abstainers made to vote, `votes_moved` the voters who switched, and the winner gained
/// their sum.
pub(crate) fn plant_coercion(
    data: &mut Dataset,
    f: &Fraud,
    seed: u64,
    planted: &mut [Planted],
) -> KindTruth {
    let mut tally = KindTruth::default();
    let k = data.n_candidates();
    if f.coercion_share <= 0.0 || k == 0 {
        return tally;
    }
    for (r, stations) in by_region(data).iter().enumerate() {
        let mut rng = batch_rng(seed, "simulate-coercion", r as u64);
        for i in smallest_third(data, stations) {
            // One draw per small station, so the share does not move the choice.
            if rng.random::<f64>() >= f.coercion_share {
                continue;
            }
            let s = &mut data.stations[i];
            let abstainers = s.registered.unwrap_or(0).saturating_sub(s.ballots);
            let made = binomial(&mut rng, abstainers.into(), f.coercion_abstainers);
            s.ballots = count(u64::from(s.ballots) + made);
            s.valid = count(u64::from(s.valid) + made);
            let row = &mut data.votes[i * k..(i + 1) * k];
            let mut switched = 0;
            for j in (0..k).filter(|&j| j != WINNER) {
                let m = binomial(&mut rng, row[j].into(), f.coercion_others);
                row[j] = count(u64::from(row[j]).saturating_sub(m));
                switched += m;
            }
            row[WINNER] = count(u64::from(row[WINNER]) + made + switched);
            planted[i].set(Planted::COERCION);
            tally.stations += 1;
            tally.ballots_added += made as i64;
            tally.votes_moved += switched;
        }
    }
    tally
}
