//! Where the national fingerprint's fitted stuffing falls: each region's share of the
//! expected stuffed stations and ballots added.
//!
//! A region of 1,000 stations cannot identify f_e to 0.001, so the fit is not rerun per
//! region. Instead each observed station gets, from the national fit, the probability
//! that a station of its region in its fingerprint cell was stuffed, and the ballots
//! stuffing is expected to have added there. Both come from simulating the fitted model
//! on the observed stations (at least [`MIN_COPIES`] copies of each), cell by cell.
//! A region's sums of them, divided by the national sums, are its shares; its numbers
//! are those shares of the national estimates, so the regions add up to the national
//! report.
//!
//! Intervals combine two uncertainties by Monte Carlo: the national estimate's (draw
//! `d` takes bootstrap replicate `d mod B`, reflected as in the basic interval) and
//! which stations were stuffed given the probabilities (each region's count drawn
//! from the normal approximation of its Poisson-binomial sum). Draw `d` uses only
//! `batch_rng(seed, "fingerprint-allocation", d)`; copy `k` of the simulation only
//! `batch_rng(seed, "fingerprint-allocation-sim", k)`.

use std::collections::HashMap;

use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::bootstrap::{
    Analysis, Interval, Q_BALLOTS_ADDED, Q_F_EXTREME, Q_F_INCREMENTAL, quantile_sorted,
};
use super::fit::Grid;
use super::model::{FingerprintModel, FraudKind, Stations, simulate_each};
use crate::montecarlo::batch_rng;
use crate::montecarlo::runner::run_indexed;
use rand::RngExt as _;

/// Simulated copies of each station at least: cells need several simulated stations
/// for their stuffed fraction to mean something.
pub const MIN_COPIES: usize = 4;
/// Monte Carlo draws behind each region's interval.
pub const DRAWS: usize = 400;

/// One region's share of the national fit's stuffing. Deserialize reads it back from a
/// national result's `detail`, for the region's own section of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionShare {
    pub region: String,
    /// Stations of the region in the fingerprint.
    pub stations: usize,
    /// Ballots cast at those stations.
    pub ballots: f64,
    /// Expected stuffed stations, with a 95% interval.
    pub stuffed_stations: Interval,
    /// Expected ballots added, with a 95% interval.
    pub ballots_added: Interval,
    /// The region's share of the national expected ballots added (0 when none).
    pub share_of_national: f64,
}

/// Per-cell sums from the simulation.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    stations: f64,
    stuffed: f64,
    added: f64,
    registered: f64,
}

impl Cell {
    fn add(&mut self, o: &Cell) {
        self.stations += o.stations;
        self.stuffed += o.stuffed;
        self.added += o.added;
        self.registered += o.registered;
    }
}

/// One region slot's sums over its stations of the stuffing probability p and the
/// expected ballots added e, with the variances of their Poisson-binomial sums.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    stations: f64,
    ballots: f64,
    stuffed: f64,
    stuffed_var: f64,
    added: f64,
    added_var: f64,
}

/// Each region's share of the fitted stuffing in `a` (an analysis of `st`), for the
/// region slots of `st.region` named by `region_names` (one more slot, past the end,
/// holds stations without a region). Regions without stations are left out.
pub fn allocate(
    st: &Stations,
    region_names: &[String],
    a: &Analysis,
    seed: u64,
) -> Vec<RegionShare> {
    let n = st.len();
    if n == 0 || st.region.len() != n {
        return Vec::new();
    }
    // The fitted model's own groups: the paper model is national.
    let model_st = match a.settings.model {
        FingerprintModel::Default => st.clone(),
        FingerprintModel::Paper => st.national(),
    };
    let sim = SimulatedCells::of(&model_st, a, seed);
    let acc = sim.slots(st, &model_st, region_names.len() + 1);
    region_shares(&acc, region_names, a, seed)
}

/// The fitted model simulated on the observed stations: per (group, cell) and per cell.
struct SimulatedCells {
    by_group: HashMap<(u32, u32), Cell>,
    by_cell: Vec<Cell>,
}

impl SimulatedCells {
    fn of(model_st: &Stations, a: &Analysis, seed: u64) -> SimulatedCells {
        let grid = Grid::FIT;
        let copies = a.copies.max(MIN_COPIES);
        let (fair, fraud) = (&a.fit.fair, &a.fit.fraud);
        // Keyed by (group, cell); maps are merged in copy order, so sums are reproducible.
        let tables = run_indexed(copies, "fingerprint regions", |k| {
            let mut rng = batch_rng(seed, "fingerprint-allocation-sim", k as u64);
            let mut t: HashMap<(u32, u32), Cell> = HashMap::new();
            simulate_each(model_st, fair, fraud, &mut rng, |s| {
                let c = grid.cell(
                    f64::from(s.ballots) / f64::from(s.registered).max(1.0),
                    f64::from(s.winner) / f64::from(s.valid).max(1.0),
                );
                let e = t.entry((s.group, c)).or_default();
                e.stations += 1.0;
                e.stuffed += f64::from(u8::from(s.kind != FraudKind::Fair));
                e.added += s.added as f64;
                e.registered += f64::from(s.registered);
            });
            t
        });
        let mut by_group: HashMap<(u32, u32), Cell> = HashMap::new();
        let mut by_cell = vec![Cell::default(); grid.cells()];
        for t in &tables {
            // Iterate in key order: HashMap order is not reproducible, and f64 sums are
            // order-sensitive.
            let mut keys: Vec<_> = t.keys().copied().collect();
            keys.sort_unstable();
            for key in keys {
                if let Some(c) = t.get(&key) {
                    by_group.entry(key).or_default().add(c);
                    if let Some(n) = by_cell.get_mut(key.1 as usize) {
                        n.add(c);
                    }
                }
            }
        }
        SimulatedCells { by_group, by_cell }
    }

    /// Each of `slots` region slots' sums over its observed stations.
    fn slots(&self, st: &Stations, model_st: &Stations, slots: usize) -> Vec<Slot> {
        let grid = Grid::FIT;
        let mut acc = vec![Slot::default(); slots];
        for i in 0..st.len() {
            let c = grid.cell(st.turnout(i), st.share(i));
            let g = model_st.group[i];
            // A cell the region's simulation never reached borrows the national one.
            let cell = self
                .by_group
                .get(&(g, c))
                .filter(|x| x.stations > 0.0)
                .or_else(|| self.by_cell.get(c as usize).filter(|x| x.stations > 0.0));
            let (p, e) = match cell {
                Some(x) => (
                    x.stuffed / x.stations,
                    x.added / x.registered.max(1.0) * f64::from(st.registered[i]),
                ),
                None => (0.0, 0.0),
            };
            let r = &mut acc[(st.region[i] as usize).min(slots - 1)];
            r.stations += 1.0;
            r.ballots += f64::from(st.ballots[i]);
            r.stuffed += p;
            r.stuffed_var += p * (1.0 - p);
            r.added += e;
            if p > 0.0 {
                // The station adds e/p when stuffed (probability p), nothing otherwise.
                r.added_var += e * e * (1.0 - p) / p;
            }
        }
        acc
    }
}

fn share(x: f64, total: f64) -> f64 {
    if total > 0.0 { x / total } else { 0.0 }
}

/// The regions' shares of the national estimates in `a`, with intervals from
/// [`DRAWS`] draws.
fn region_shares(
    acc: &[Slot],
    region_names: &[String],
    a: &Analysis,
    seed: u64,
) -> Vec<RegionShare> {
    let total_p: f64 = acc.iter().map(|r| r.stuffed).sum();
    let total_e: f64 = acc.iter().map(|r| r.added).sum();
    let n: f64 = acc.iter().map(|r| r.stations).sum();
    let centre = (
        (a.f_incremental.estimate + a.f_extreme.estimate) * n,
        a.ballots_added.estimate,
    );
    let used: Vec<usize> = (0..acc.len()).filter(|&s| acc[s].stations > 0.0).collect();
    let (mut draws_s, mut draws_b) = region_draws(acc, &used, a, centre, n, seed);
    let interval = |estimate: f64, v: &mut Vec<f64>| -> Interval {
        v.sort_by(f64::total_cmp);
        let (lo, hi) = (quantile_sorted(v, 0.025), quantile_sorted(v, 0.975));
        Interval {
            estimate,
            ci_low: lo.min(estimate),
            ci_high: hi.max(estimate),
        }
    };
    used.iter()
        .map(|&s| {
            let r = &acc[s];
            let name = region_names
                .get(s)
                .cloned()
                .unwrap_or_else(|| "(no region)".to_string());
            RegionShare {
                region: name,
                stations: r.stations as usize,
                ballots: r.ballots,
                stuffed_stations: interval(centre.0 * share(r.stuffed, total_p), &mut draws_s[s]),
                ballots_added: interval(centre.1 * share(r.added, total_e), &mut draws_b[s]),
                share_of_national: share(r.added, total_e),
            }
        })
        .collect()
}

/// Draws of each used slot's stuffed stations and ballots added: the national totals'
/// uncertainty from the calibrated bootstrap, replicate by replicate (so that stations
/// and ballots stay paired), split by each slot's Poisson-binomial sums.
fn region_draws(
    acc: &[Slot],
    used: &[usize],
    a: &Analysis,
    centre: (f64, f64),
    n: f64,
    seed: u64,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let cal = &a.calibration;
    let (fi, fe) = (&cal[Q_F_INCREMENTAL].draws, &cal[Q_F_EXTREME].draws);
    let ballots = &cal[Q_BALLOTS_ADDED].draws;
    let count = fi.len().min(fe.len()).min(ballots.len());
    let national_draw = |d: usize| -> (f64, f64) {
        if count == 0 {
            return centre;
        }
        let k = d % count;
        ((fi[k] + fe[k]) * n, ballots[k])
    };
    let slots = acc.len();
    let mut draws_s = vec![Vec::with_capacity(DRAWS); slots];
    let mut draws_b = vec![Vec::with_capacity(DRAWS); slots];
    let (mut xs, mut ys) = (vec![0.0; slots], vec![0.0; slots]);
    for d in 0..DRAWS {
        let mut rng = batch_rng(seed, "fingerprint-allocation", d as u64);
        let (ns, nb) = national_draw(d);
        for &s in used {
            let r = &acc[s];
            let z1: f64 = rng.sample(StandardNormal);
            let z2: f64 = rng.sample(StandardNormal);
            xs[s] = (r.stuffed + z1 * r.stuffed_var.sqrt()).max(0.0);
            ys[s] = (r.added + z2 * r.added_var.sqrt()).max(0.0);
        }
        let (sx, sy): (f64, f64) = (xs.iter().sum(), ys.iter().sum());
        for &s in used {
            draws_s[s].push(ns * share(xs[s], sx));
            draws_b[s].push(nb * share(ys[s], sy));
        }
    }
    (draws_s, draws_b)
}
