//! Fitting the fingerprint model to 2-D histograms of turnout against winner share.
//!
//! The objective compares the observed histogram with one simulated from the model,
//! on one national grid, or region by region on request ([`Binning::PerGroup`]).
//! Every simulated station keeps its random numbers across candidate parameters
//! (common random numbers), so the objective is a deterministic function of them:
//! - the fraud fractions select stations by a stratified uniform (extreme fraud for
//!   the lowest, incremental for the highest), so `f_i` and `f_e` are each profiled
//!   exactly by a sweep that moves one station at a time and updates the distance
//!   incrementally, at the resolution of one simulated station;
//! - θ and α are searched on a coarse grid, then by a compass search on their logs;
//! - the default model's fair parameters are corrected by simulation until each
//!   region's simulated 5th and 25th percentiles of turnout and share (fraud
//!   included) match the observed ones. Stuffing only moves stations up and to the
//!   right, so the lower part of each region's distribution carries the fair model;
//!   the spreads are shrunk towards their pooled value where regions differ only by
//!   noise.
//!
//! Alternating "best fraud for these fair parameters" with "fair parameters for this
//! fraud" settles where neither step moves, which is not exactly the minimum of the
//! distance: the fit leans towards less incremental fraud (by about a fifth of the
//! ballots added at f_i = 0.5 in the recovery suite). The bootstrap in
//! [`super::bootstrap`] measures that bias and corrects for it.

use serde::Serialize;

use super::fair::{
    Covariates, FairShapeOptions, FairStats, SizeCovariate, StationPoint, correct_fair, fair_stats,
    initial_fair_logit, observed_fair_stats,
};
use super::model::{
    FairModel, FingerprintModel, Fraud, Stations, extreme_intensity, group_sizes,
    in_extreme_corner, paper_fair, steal_share,
};
use crate::montecarlo::Rng;
use crate::stats::normal_quantile;
use rand::RngExt as _;
use rand_distr::StandardNormal;

/// θ is searched within this range, or from a higher floor where the fit compares
/// coarser grids ([`Cells::theta_floor`]).
pub const THETA_RANGE: (f64, f64) = (0.05, 1.0);
/// The stealing exponent α is searched within this range. At its top, stuffing moves
/// almost none of the other candidates' votes (0.95^1000 ≈ 0), as plain ballot stuffing
/// does; at 10, extreme stuffing still moved 60% of them.
pub const ALPHA_RANGE: (f64, f64) = (0.1, 1000.0);
/// Largest extreme-fraud fraction considered.
pub const F_EXTREME_MAX: f64 = 0.5;
/// Pseudo-count added to every simulated cell, so that the deviance stays finite.
const KAPPA: f64 = 0.5;
/// A sweep turns back once the distance is this far above its best (plus 1%).
const SWEEP_MARGIN: f64 = 40.0;
/// A cell index meaning "not in the histogram" (no valid votes).
const NO_CELL: u32 = u32::MAX;

/// `x` clamped to `[0, hi]` and rounded half up (a cast, since `f64::round` is a
/// library call on baseline x86-64 and this runs for every simulated station).
#[inline]
fn round_clamped(x: f64, hi: f64) -> f64 {
    ((x.clamp(0.0, hi) + 0.5) as u64 as f64).min(hi)
}

/// A histogram grid over turnout × winner share, both on [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grid {
    pub turnout_bins: usize,
    pub share_bins: usize,
}

impl Grid {
    /// The default model's national grid, and the one reported.
    pub const FIT: Grid = Grid {
        turnout_bins: 50,
        share_bins: 50,
    };
    /// The paper's grid: one-point bins.
    pub const PAPER: Grid = Grid {
        turnout_bins: 100,
        share_bins: 100,
    };

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.turnout_bins * self.share_bins
    }

    /// Row-major cell of (turnout, share): row = turnout bin, column = share bin.
    /// Values at or above 1 fall in the last bin.
    #[inline]
    pub fn cell(&self, t: f64, s: f64) -> u32 {
        // `as usize` saturates negatives and NaN to 0.
        let i = ((t * self.turnout_bins as f64) as usize).min(self.turnout_bins - 1);
        let j = ((s * self.share_bins as f64) as usize).min(self.share_bins - 1);
        (i * self.share_bins + j) as u32
    }
}

/// The observed histogram of `st` on `grid`, row-major (row = turnout bin).
pub fn histogram(st: &Stations, grid: Grid) -> Vec<u32> {
    Cells::new(Binning::National(grid), st).histogram(st)
}

/// Which histogram the fit compares: one national grid, or a grid per large group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Binning {
    /// One grid over all stations (the default model's [`Grid::FIT`], the paper's
    /// [`Grid::PAPER`]).
    National(Grid),
    /// A grid per group of at least [`OWN_GRID_STATIONS`] stations, sized to them
    /// ([`group_bins`]); smaller groups, and every station in the top-right corner
    /// ([`CORNER`]), share the national [`Grid::FIT`]. Regions differ in their fair
    /// centres, and a national histogram blurs each region's shape into its
    /// neighbours': compared region by region, a fair centre placed too low or too
    /// high shows up against that region's own stations. In the recovery suite (20
    /// regions of 1,000 stations, 10 × 10 grids, θ ≥ 0.1 by [`Cells::theta_floor`])
    /// this took the ballots added within 25% of the truth from 51 to 60 of 60 runs.
    /// But a region that mixes town and country departs from a logit-normal fair
    /// model, and region by region that departure reads as stuffing (Poland 2020 by
    /// voivodeship), so the default uses it only when the fit passes the misfit gate
    /// ([`BinningChoice::Auto`](super::bootstrap::BinningChoice::Auto)).
    PerGroup,
}

/// Stations per cell that a group's own grid aims at: finer grids leave most cells
/// with one station or none, and the fit then chases each region's noise (at 5 a
/// cell it found stuffing in a clean election of the recovery suite).
pub const STATIONS_PER_CELL: f64 = 10.0;
/// Bins per axis of a group's own grid: at least 10, at most the national 50.
pub const GROUP_BINS: (usize, usize) = (10, 50);
/// Stations a group needs for a grid of its own (√(n / 10) ≥ 9.5 bins): a coarser
/// grid cannot show a region's shape (7 bins put a winner with 80% of the vote in
/// two columns), so smaller groups are compared nationally.
pub const OWN_GRID_STATIONS: usize = 903;

/// Bins per axis for a group of `n` stations: about [`STATIONS_PER_CELL`] a cell,
/// within [`GROUP_BINS`] (1,000 stations get 10 × 10).
pub fn group_bins(n: usize) -> usize {
    ((n as f64 / STATIONS_PER_CELL).sqrt().round() as usize).clamp(GROUP_BINS.0, GROUP_BINS.1)
}

/// Per-group binning leaves the top-right corner (turnout and share both at least
/// this) to the national grid: extreme stuffing lands there, regions do not matter
/// for it, and the stealing exponent is read from where in it stations land (a
/// 10 × 10 grid puts the whole corner in one cell).
pub const CORNER: f64 = 0.8;

/// The fit's histogram cells: the national grid first, then the own grid of each
/// large group ([`Binning::PerGroup`]), laid end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    national: Grid,
    /// Per group: its own grid and that grid's first cell, or `None` for the national.
    own: Vec<Option<(Grid, u32)>>,
    len: usize,
}

impl Cells {
    /// The cells of `binning` for the stations of `st`.
    pub fn new(binning: Binning, st: &Stations) -> Cells {
        match binning {
            Binning::National(grid) => Cells {
                national: grid,
                own: Vec::new(),
                len: grid.cells(),
            },
            Binning::PerGroup => {
                let national = Grid::FIT;
                let mut len = national.cells();
                let own = group_sizes(st)
                    .into_iter()
                    .map(|n| {
                        (n >= OWN_GRID_STATIONS).then(|| {
                            let b = group_bins(n);
                            let grid = Grid {
                                turnout_bins: b,
                                share_bins: b,
                            };
                            let at = len as u32;
                            len += grid.cells();
                            (grid, at)
                        })
                    })
                    .collect();
                Cells { national, own, len }
            }
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none (never: there is always the national grid).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bins per axis of each group's own grid (`None`: compared nationally).
    pub fn group_grids(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        self.own.iter().map(|o| o.map(|(g, _)| g.turnout_bins))
    }

    /// The smallest θ these cells can resolve: one bin of the coarsest grid, and
    /// never below [`THETA_RANGE`]. Incremental stuffing moves a station's turnout
    /// by about 0.8·θ·(1 − turnout), a third of a bin at θ equal to the bin, so a
    /// smaller θ barely moves stations between a region's cells and the fit reads
    /// each region's shape noise as mild stuffing: on 10 × 10 grids with θ ≥ 0.05
    /// it fitted f_i = 1 at θ = 0.05 in a clean election of the recovery suite.
    pub fn theta_floor(&self) -> f64 {
        self.own
            .iter()
            .flatten()
            .map(|(g, _)| 1.0 / g.turnout_bins.min(g.share_bins) as f64)
            .fold(THETA_RANGE.0, f64::max)
    }

    /// Cell of (turnout, share) for a station of group `g`: its group's own grid,
    /// or the national one (small groups, unknown groups, the top-right corner).
    #[inline]
    pub fn cell(&self, g: u32, t: f64, s: f64) -> u32 {
        match self.own.get(g as usize) {
            Some(Some((grid, at))) if !(t >= CORNER && s >= CORNER) => at + grid.cell(t, s),
            _ => self.national.cell(t, s),
        }
    }

    /// The observed histogram of `st` over these cells.
    pub fn histogram(&self, st: &Stations) -> Vec<u32> {
        let mut h = vec![0u32; self.len];
        for i in 0..st.len() {
            let g = st.group.get(i).copied().unwrap_or(0);
            let c = self.cell(g, st.turnout(i), st.share(i));
            if let Some(x) = h.get_mut(c as usize) {
                *x += 1;
            }
        }
        h
    }
}

/// How simulated and observed histograms are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Distance {
    /// Poisson deviance `2 Σ [O ln(O/E) − (O − E)]`, with `E` the simulated counts
    /// scaled to the observed total after adding 0.5 to every cell.
    Deviance,
    /// The paper's `Σ ((sim − obs) / (obs + 1))²`, with sim scaled to the observed total.
    RelativeSquares,
}

/// Per-cell terms of the distance, with a log table for the deviance.
struct Objective {
    kind: Distance,
    obs: Vec<f64>,
    /// Deviance: the part of each cell's term that does not depend on the simulation.
    base: Vec<f64>,
    lambda: f64,
    scale: f64,
    ln_table: Vec<f64>,
}

impl Objective {
    fn new(kind: Distance, observed: &[u32], n_sim: usize) -> Objective {
        let obs: Vec<f64> = observed.iter().map(|&o| f64::from(o)).collect();
        let n_obs: f64 = obs.iter().sum();
        let lambda = n_obs / (n_sim as f64 + KAPPA * obs.len() as f64);
        let base = obs
            .iter()
            .map(|&o| {
                if o > 0.0 {
                    2.0 * (o * (o.ln() - lambda.ln()) - o)
                } else {
                    0.0
                }
            })
            .collect();
        let ln_table = match kind {
            Distance::Deviance => (0..=n_sim).map(|s| (s as f64 + KAPPA).ln()).collect(),
            Distance::RelativeSquares => Vec::new(),
        };
        Objective {
            kind,
            obs,
            base,
            lambda,
            scale: n_obs / n_sim.max(1) as f64,
            ln_table,
        }
    }

    /// Term of cell `c` when it holds `s` simulated stations.
    #[inline]
    fn term(&self, c: usize, s: u32) -> f64 {
        let o = self.obs[c];
        match self.kind {
            Distance::Deviance => {
                let e = 2.0 * self.lambda * (f64::from(s) + KAPPA);
                if o > 0.0 {
                    let ln_s = self
                        .ln_table
                        .get(s as usize)
                        .copied()
                        .unwrap_or_else(|| (f64::from(s) + KAPPA).ln());
                    self.base[c] - 2.0 * o * ln_s + e
                } else {
                    e
                }
            }
            Distance::RelativeSquares => {
                let d = (f64::from(s) * self.scale - o) / (o + 1.0);
                d * d
            }
        }
    }
}

/// Common random numbers for one simulated election: `copies` simulated stations per
/// observed station, in order of their fraud uniform (position `p` has
/// `u ∈ [p, p+1) / n_sim`), each with a random source station.
///
/// Stratified to cut simulation noise: within each group the fair turnout and share
/// normals are the group's normal quantiles at stratified points, in random order;
/// fraud intensities are stratified in blocks of consecutive positions, so that any
/// prefix or suffix of stations (the ones fraud selects) has nearly the exact
/// intensity distribution.
#[derive(Debug, Clone)]
pub struct Crn {
    pub copies: usize,
    src: Vec<u32>,
    zt: Vec<f64>,
    zs: Vec<f64>,
    zb: Vec<f64>,
    zw: Vec<f64>,
    zx: Vec<f64>,
}

/// Positions per block of stratified fraud intensities.
const INTENSITY_BLOCK: usize = 64;

/// Fisher–Yates shuffle from `rng`.
fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i as u64) as usize;
        v.swap(i, j);
    }
}

/// `m` stratified standard normals in random order.
fn stratified_normals(m: usize, rng: &mut Rng) -> Vec<f64> {
    let mut v: Vec<f64> = (0..m)
        .map(|k| {
            let u: f64 = rng.random();
            normal_quantile((k as f64 + u) / m as f64)
        })
        .collect();
    shuffle(&mut v, rng);
    v
}

impl Crn {
    /// Draws the numbers for the stations of `st`, `copies` each.
    pub fn draw(st: &Stations, copies: usize, rng: &mut Rng) -> Crn {
        let copies = copies.max(1);
        let stations = st.len();
        let n = stations * copies;
        let mut perm: Vec<u32> = (0..n as u32).collect();
        shuffle(&mut perm, rng);
        let src: Vec<u32> = perm.iter().map(|&p| p % stations.max(1) as u32).collect();
        drop(perm);
        let mut by_group: Vec<Vec<u32>> = vec![Vec::new(); st.n_groups()];
        for (p, &i) in src.iter().enumerate() {
            let g = st.group.get(i as usize).copied().unwrap_or(0) as usize;
            if let Some(list) = by_group.get_mut(g) {
                list.push(p as u32);
            }
        }
        let (mut zt, mut zs) = (vec![0.0; n], vec![0.0; n]);
        for list in &by_group {
            for (z, v) in [
                (&mut zt, stratified_normals(list.len(), rng)),
                (&mut zs, stratified_normals(list.len(), rng)),
            ] {
                for (&p, x) in list.iter().zip(v) {
                    z[p as usize] = x;
                }
            }
        }
        let mut zx = Vec::with_capacity(n);
        for start in (0..n).step_by(INTENSITY_BLOCK) {
            zx.extend(stratified_normals(INTENSITY_BLOCK.min(n - start), rng));
        }
        let (mut zb, mut zw) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            zb.push(rng.sample(StandardNormal));
            zw.push(rng.sample(StandardNormal));
        }
        Crn {
            copies,
            src,
            zt,
            zs,
            zb,
            zw,
            zx,
        }
    }

    /// Number of simulated stations.
    pub fn len(&self) -> usize {
        self.src.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }
}

/// How a procedure fits: its fair model, distance, grid and which shape parameters it fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Procedure {
    pub model: FingerprintModel,
    pub distance: Distance,
    pub binning: Binning,
    /// Whether θ is fitted (the paper holds it at the fair turnout spread).
    pub fit_theta: bool,
    /// Where θ may lie: fitted, or held.
    pub theta_range: (f64, f64),
    /// Whether fair parameters are corrected by simulation (default model).
    pub correct_fair: bool,
    /// Whether the fair model follows station size and links share to turnout
    /// ([`super::fair::Covariates`]); the default model's, unless asked otherwise.
    pub covariates: bool,
    /// Whether its size effects go on past the outer size classes
    /// ([`super::fair::Covariates::tails`]): an alternative fair model only.
    pub size_tails: bool,
    /// Whether each group's fair turnout may be skewed as its lower half shows
    /// ([`super::fair::Covariates::skew`]): an alternative fair model only.
    pub turnout_skew: bool,
}

impl Procedure {
    /// The procedure of a model, on one national grid.
    pub fn of(model: FingerprintModel) -> Procedure {
        match model {
            FingerprintModel::Default => Procedure {
                model,
                distance: Distance::Deviance,
                binning: Binning::National(Grid::FIT),
                fit_theta: true,
                theta_range: THETA_RANGE,
                correct_fair: true,
                covariates: true,
                size_tails: false,
                turnout_skew: false,
            },
            FingerprintModel::Paper => Procedure {
                model,
                distance: Distance::RelativeSquares,
                binning: Binning::National(Grid::PAPER),
                fit_theta: false,
                theta_range: THETA_RANGE,
                correct_fair: false,
                covariates: false,
                size_tails: false,
                turnout_skew: false,
            },
        }
    }

    /// The default model compared region by region ([`Binning::PerGroup`]) for
    /// stations `st`, whose regions' sizes set the grids and so θ's floor.
    pub fn per_region(st: &Stations) -> Procedure {
        let binning = Binning::PerGroup;
        Procedure {
            binning,
            theta_range: (Cells::new(binning, st).theta_floor(), THETA_RANGE.1),
            ..Procedure::of(FingerprintModel::Default)
        }
    }
}

/// The simulation and its histogram under the current parameters.
struct Engine<'a> {
    cells: Cells,
    obj: Objective,
    crn: &'a Crn,
    reg: Vec<f64>,
    inv: Vec<f64>,
    group: Vec<u32>,
    /// Each position's size rank ([`SizeCovariate`]).
    rank: Vec<f32>,
    ln_absz: Vec<f64>,
    b0: Vec<f64>,
    v0: Vec<f64>,
    w0: Vec<f64>,
    fair_cell: Vec<u32>,
    /// Stuffed cells, computed when first needed after each change of θ, α or the
    /// fair counts (a sweep touches only the stations near its fraction).
    inc: CellMemo,
    ext: CellMemo,
    theta: f64,
    alpha: f64,
    shape_valid: bool,
    ext_alpha: Option<f64>,
    counts: Vec<u32>,
    terms: Vec<f64>,
    total: f64,
    k_inc: usize,
    k_ext: usize,
    ext_max: usize,
    /// Observed stations per group.
    sizes: Vec<usize>,
}

/// Each station's stuffed cell, remembered until the next `invalidate`: a generation
/// stamp per entry makes invalidating all of them one increment.
struct CellMemo {
    cell: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
}

impl CellMemo {
    fn new(n: usize) -> CellMemo {
        CellMemo {
            cell: vec![NO_CELL; n],
            stamp: vec![0; n],
            generation: 1,
        }
    }

    fn invalidate(&mut self) {
        // Stamp 0 means "never computed", so the generation skips it on wrapping.
        self.generation = self.generation.checked_add(1).unwrap_or(1);
        if self.generation == 1 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
        }
    }

    #[inline]
    fn get(&self, p: usize) -> Option<u32> {
        (self.stamp[p] == self.generation).then(|| self.cell[p])
    }

    #[inline]
    fn put(&mut self, p: usize, c: u32) -> u32 {
        self.cell[p] = c;
        self.stamp[p] = self.generation;
        c
    }
}

impl<'a> Engine<'a> {
    fn new(st: &Stations, size: &SizeCovariate, crn: &'a Crn, proc_: &Procedure) -> Engine<'a> {
        let n = crn.len();
        // A CRN drawn for other stations reads as empty stations rather than panicking.
        let get = |p: usize| crn.src[p] as usize;
        let reg = (0..n)
            .map(|p| f64::from(st.registered.get(get(p)).copied().unwrap_or(0)))
            .collect();
        let inv = (0..n).map(|p| st.invalid_rate(get(p))).collect();
        let group = (0..n)
            .map(|p| st.group.get(get(p)).copied().unwrap_or(0))
            .collect();
        let rank = (0..n)
            .map(|p| size.rank.get(get(p)).copied().unwrap_or(0.5))
            .collect();
        let ln_absz = crn.zx.iter().map(|z| z.abs().ln()).collect();
        let cells = Cells::new(proc_.binning, st);
        let observed = cells.histogram(st);
        let n_cells = cells.len();
        Engine {
            cells,
            obj: Objective::new(proc_.distance, &observed, n),
            crn,
            reg,
            inv,
            group,
            rank,
            ln_absz,
            b0: vec![0.0; n],
            v0: vec![0.0; n],
            w0: vec![0.0; n],
            fair_cell: vec![NO_CELL; n],
            inc: CellMemo::new(n),
            ext: CellMemo::new(n),
            theta: 0.1,
            alpha: 1.0,
            shape_valid: false,
            ext_alpha: None,
            counts: vec![0; n_cells],
            terms: vec![0.0; n_cells],
            total: 0.0,
            k_inc: 0,
            k_ext: 0,
            ext_max: ((F_EXTREME_MAX * n as f64) as usize).min(n),
            sizes: group_sizes(st),
        }
    }

    fn n(&self) -> usize {
        self.reg.len()
    }

    /// Fair counts of every simulated station: binomial noise by a normal
    /// approximation with fixed normals, rounded so that the lattice of real counts
    /// is kept.
    fn set_fair(&mut self, fair: &FairModel) {
        for p in 0..self.n() {
            let n = self.reg[p];
            let g = self.group[p];
            let (zt, x) = (self.crn.zt[p], self.rank[p]);
            let (a, nu) = fair.draw(g, zt, self.crn.zs[p], x);
            let b0 = round_clamped(n * a + self.crn.zb[p] * (n * a * (1.0 - a)).sqrt(), n);
            let v0 = b0 - round_clamped(b0 * self.inv[p], b0);
            let w0 = round_clamped(v0 * nu + self.crn.zw[p] * (v0 * nu * (1.0 - nu)).sqrt(), v0);
            self.b0[p] = b0;
            self.v0[p] = v0;
            self.w0[p] = w0;
            self.fair_cell[p] = if v0 > 0.0 {
                self.cells.cell(g, b0 / n, w0 / v0)
            } else {
                NO_CELL
            };
        }
        self.shape_valid = false;
        self.ext_alpha = None;
        self.inc.invalidate();
        self.ext.invalidate();
    }

    /// Turnout and share of station `p` stuffed with intensity `x`, `xa = x^α`.
    #[inline]
    fn stuffed(&self, p: usize, x: f64, xa: f64) -> Option<(f64, f64, f64, f64)> {
        let n = self.reg[p];
        let (b0, v0, w0) = (self.b0[p], self.v0[p], self.w0[p]);
        let added = x * (n - b0);
        let b = b0 + added;
        let v = v0 + added;
        let w = w0 + added + xa * (v0 - w0);
        (v > 0.0).then_some((n, b, v, w))
    }

    #[inline]
    fn inc_x(&self, p: usize) -> (f64, f64) {
        let x = self.theta * self.crn.zx[p].abs();
        if x >= 1.0 {
            (1.0, 1.0)
        } else {
            (x, (self.alpha * (self.theta.ln() + self.ln_absz[p])).exp())
        }
    }

    #[inline]
    fn ext_x(&self, p: usize) -> (f64, f64) {
        let x = extreme_intensity(self.crn.zx[p]);
        (x, steal_share(x, self.alpha))
    }

    fn cell_of(&self, p: usize, q: Option<(f64, f64, f64, f64)>) -> u32 {
        match q {
            Some((n, b, v, w)) => self.cells.cell(self.group[p], b / n, w / v),
            None => NO_CELL,
        }
    }

    fn set_shape(&mut self, theta: f64, alpha: f64) {
        if self.shape_valid && theta == self.theta && alpha == self.alpha {
            return;
        }
        self.theta = theta;
        self.alpha = alpha;
        self.inc.invalidate();
        if self.ext_alpha != Some(alpha) {
            self.ext.invalidate();
            self.ext_alpha = Some(alpha);
        }
        self.shape_valid = true;
    }

    /// Cell of station `p` stuffed incrementally at the current θ and α.
    #[inline]
    fn inc_at(&mut self, p: usize) -> u32 {
        if let Some(c) = self.inc.get(p) {
            return c;
        }
        let (x, xa) = self.inc_x(p);
        let c = self.cell_of(p, self.stuffed(p, x, xa));
        self.inc.put(p, c)
    }

    /// Cell of station `p` stuffed extremely at the current α.
    #[inline]
    fn ext_at(&mut self, p: usize) -> u32 {
        if let Some(c) = self.ext.get(p) {
            return c;
        }
        let (x, xa) = self.ext_x(p);
        let c = self.cell_of(p, self.stuffed(p, x, xa));
        self.ext.put(p, c)
    }

    #[inline]
    fn current_cell(&mut self, p: usize) -> u32 {
        if p < self.k_ext {
            self.ext_at(p)
        } else if p >= self.n() - self.k_inc {
            self.inc_at(p)
        } else {
            self.fair_cell[p]
        }
    }

    /// Recounts the histogram and the distance from scratch.
    fn rebuild(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        for p in 0..self.n() {
            let c = self.current_cell(p);
            if let Some(k) = self.counts.get_mut(c as usize) {
                *k += 1;
            }
        }
        let mut total = 0.0;
        for c in 0..self.counts.len() {
            let t = self.obj.term(c, self.counts[c]);
            self.terms[c] = t;
            total += t;
        }
        self.total = total;
    }

    #[inline]
    fn bump(&mut self, c: u32, up: bool) {
        let c = c as usize;
        if let Some(k) = self.counts.get_mut(c) {
            if up {
                *k += 1;
            } else {
                *k = k.saturating_sub(1);
            }
            let t = self.obj.term(c, *k);
            self.total += t - self.terms[c];
            self.terms[c] = t;
        }
    }

    #[inline]
    fn mv(&mut self, from: u32, to: u32) {
        if from != to {
            self.bump(from, false);
            self.bump(to, true);
        }
    }

    /// Moves the incremental fraction from `k` stations to `to`.
    fn move_inc(&mut self, k: &mut usize, to: usize) {
        let n = self.n();
        while *k < to {
            *k += 1;
            let c = self.inc_at(n - *k);
            self.mv(self.fair_cell[n - *k], c);
        }
        while *k > to {
            let c = self.inc_at(n - *k);
            self.mv(c, self.fair_cell[n - *k]);
            *k -= 1;
        }
    }

    /// Moves the extreme fraction from `k` stations to `to`.
    fn move_ext(&mut self, k: &mut usize, to: usize) {
        while *k < to {
            let c = self.ext_at(*k);
            self.mv(self.fair_cell[*k], c);
            *k += 1;
        }
        while *k > to {
            *k -= 1;
            let c = self.ext_at(*k);
            self.mv(c, self.fair_cell[*k]);
        }
    }

    /// How far above the best distance a sweep goes before it turns back: the
    /// distance is far from flat away from its minimum, and stopping early saves
    /// most of each sweep.
    fn margin(best: f64) -> f64 {
        SWEEP_MARGIN + 0.01 * best.abs()
    }

    /// Sets the incremental fraction to its best value at the current extreme
    /// fraction, θ and α, searching up and then down from the current value, one
    /// station at a time; returns whether it changed.
    fn sweep_inc(&mut self) -> bool {
        let lim = self.n() - self.k_ext;
        let floor = 0;
        let k0 = self.k_inc.min(lim);
        let obj = |e: &Self, _k: usize| e.total;
        let mut k = self.k_inc;
        self.move_inc(&mut k, k0);
        let mut best = (obj(self, k0), k0);
        while k < lim {
            let to = k + 1;
            self.move_inc(&mut k, to);
            let f = obj(self, k);
            if f < best.0 - 1e-9 {
                best = (f, k);
            } else if f > best.0 + Self::margin(best.0) {
                break;
            }
        }
        self.move_inc(&mut k, k0);
        while k > floor {
            let to = k - 1;
            self.move_inc(&mut k, to);
            let f = obj(self, k);
            if f < best.0 - 1e-9 {
                best = (f, k);
            } else if f > best.0 + Self::margin(best.0) {
                break;
            }
        }
        self.move_inc(&mut k, best.1);
        let changed = best.1 != self.k_inc;
        self.k_inc = best.1;
        changed
    }

    /// Sets the extreme fraction to its best value at the current incremental fraction.
    fn sweep_ext(&mut self) -> bool {
        let lim = self.ext_max.min(self.n() - self.k_inc);
        let k0 = self.k_ext.min(lim);
        let mut k = self.k_ext;
        self.move_ext(&mut k, k0);
        let mut best = (self.total, k0);
        while k < lim {
            let to = k + 1;
            self.move_ext(&mut k, to);
            if self.total < best.0 - 1e-9 {
                best = (self.total, k);
            } else if self.total > best.0 + Self::margin(best.0) {
                break;
            }
        }
        self.move_ext(&mut k, k0);
        while k > 0 {
            let to = k - 1;
            self.move_ext(&mut k, to);
            if self.total < best.0 - 1e-9 {
                best = (self.total, k);
            } else if self.total > best.0 + Self::margin(best.0) {
                break;
            }
        }
        self.move_ext(&mut k, best.1);
        let changed = best.1 != self.k_ext;
        self.k_ext = best.1;
        changed
    }

    /// The distance at (θ, α), minimised over both fraud fractions by alternating sweeps.
    fn profile(&mut self, theta: f64, alpha: f64) -> f64 {
        self.set_shape(theta, alpha);
        self.rebuild();
        for _ in 0..4 {
            let a = self.sweep_ext();
            let b = self.sweep_inc();
            if !a && !b {
                break;
            }
        }
        self.total
    }

    /// The distance with no fraud.
    fn fair_only(&mut self) -> f64 {
        self.k_inc = 0;
        self.k_ext = 0;
        self.rebuild();
        self.total
    }

    /// The distance as the incremental fraction runs over `checkpoints` (fractions),
    /// at the current θ, α and extreme fraction. Leaves the state as it found it.
    fn trace_inc(&mut self, checkpoints: &[f64]) -> Vec<Option<f64>> {
        let n = self.n();
        let lim = n - self.k_ext;
        let old = self.k_inc;
        let mut k = old;
        let mut out = vec![None; checkpoints.len()];
        let mut targets: Vec<(usize, usize)> = checkpoints
            .iter()
            .enumerate()
            .map(|(i, f)| ((f * n as f64).round() as usize, i))
            .filter(|(t, _)| *t <= lim)
            .collect();
        targets.sort_unstable();
        for (t, i) in targets {
            self.move_inc(&mut k, t);
            out[i] = Some(self.total);
        }
        self.move_inc(&mut k, old);
        out
    }

    fn fraud(&self) -> Fraud {
        let n = self.n().max(1) as f64;
        Fraud {
            f_incremental: self.k_inc as f64 / n,
            f_extreme: self.k_ext as f64 / n,
            theta: self.theta,
            steal_exponent: self.alpha,
        }
    }

    /// Fair statistics of the simulated stations in their current state, with
    /// residuals under covariates `cov`.
    fn sim_stats(&self, n_groups: usize, cov: &Covariates, measure: bool) -> FairStats {
        let n = self.n();
        fair_stats(
            n_groups,
            cov,
            measure,
            (0..n).filter_map(|p| {
                let (x, xa) = if p < self.k_ext {
                    self.ext_x(p)
                } else if p >= n - self.k_inc {
                    self.inc_x(p)
                } else {
                    (0.0, 0.0)
                };
                let (nn, b, v, w) = self.stuffed(p, x, xa)?;
                Some(StationPoint {
                    group: self.group[p],
                    rank: self.rank[p],
                    turnout: b / nn,
                    share: w / v,
                })
            }),
        )
    }

    /// Expected ballots added and votes moved under `fraud` (probabilities, not the
    /// CRN's selection), per observed station set; with the fair turnout and share.
    fn expectations(&self, fraud: &Fraud) -> Expectations {
        let copies = self.crn.copies.max(1) as f64;
        let (mut added, mut added_ext, mut moved) = (0.0, 0.0, 0.0);
        let (mut added_corner, mut moved_corner) = (0.0, 0.0);
        let (mut reg, mut b0, mut v0, mut w0) = (0.0, 0.0, 0.0, 0.0);
        for p in 0..self.n() {
            let (xi, xia) = self.inc_x(p);
            let (xe, xea) = self.ext_x(p);
            let free = self.reg[p] - self.b0[p];
            let others = self.v0[p] - self.w0[p];
            added += free * (fraud.f_incremental * xi + fraud.f_extreme * xe);
            added_ext += free * fraud.f_extreme * xe;
            let corner = |x: f64, q: Option<(f64, f64, f64, f64)>| {
                q.is_some_and(|(n, b, _, _)| in_extreme_corner(b / n, x))
            };
            if corner(xi, self.stuffed(p, xi, xia)) {
                added_corner += free * fraud.f_incremental * xi;
                moved_corner += others * fraud.f_incremental * xia;
            }
            if corner(xe, self.stuffed(p, xe, xea)) {
                added_corner += free * fraud.f_extreme * xe;
                moved_corner += others * fraud.f_extreme * xea;
            }
            moved += others * (fraud.f_incremental * xia + fraud.f_extreme * xea);
            reg += self.reg[p];
            b0 += self.b0[p];
            v0 += self.v0[p];
            w0 += self.w0[p];
        }
        Expectations {
            ballots_added: added / copies,
            extreme_ballots_added: added_ext / copies,
            corner_ballots_added: added_corner / copies,
            corner_votes_moved: moved_corner / copies,
            votes_moved: moved / copies,
            fair_turnout: if reg > 0.0 { b0 / reg } else { 0.0 },
            fair_share: if v0 > 0.0 { w0 / v0 } else { 0.0 },
        }
    }

    /// Cells that hold observed or simulated stations.
    fn used_cells(&self) -> usize {
        self.obj
            .obs
            .iter()
            .zip(&self.counts)
            .filter(|(o, s)| **o > 0.0 || **s > 0)
            .count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Expectations {
    ballots_added: f64,
    extreme_ballots_added: f64,
    corner_ballots_added: f64,
    corner_votes_moved: f64,
    votes_moved: f64,
    fair_turnout: f64,
    fair_share: f64,
}

/// One fit of the model to one set of stations.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub fair: FairModel,
    pub fraud: Fraud,
    /// The distance at the optimum (deviance for the default model).
    pub distance: f64,
    /// Expected ballots added by the fitted fraud.
    pub ballots_added: f64,
    /// The part of `ballots_added` from extreme fraud.
    pub extreme_ballots_added: f64,
    /// The part of `ballots_added` at stations that stuffing puts in the extreme
    /// corner ([`super::stuffing::EXTREME_TURNOUT`]), whatever its kind: what no fair
    /// model reaches.
    pub corner_ballots_added: f64,
    /// The part of `votes_moved` at those stations.
    pub corner_votes_moved: f64,
    /// Expected votes moved to the winner by the fitted fraud.
    pub votes_moved: f64,
    /// Fair national turnout (Σ fair ballots ÷ Σ registered).
    pub fair_turnout: f64,
    /// Fair winner share of valid votes.
    pub fair_share: f64,
    /// Histogram cells holding observed or simulated stations.
    pub used_cells: usize,
    /// Objective evaluations at (θ, α) points.
    pub evaluations: usize,
}

/// Where a search over θ and α starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Start {
    /// A coarse grid, then local refinement.
    Grid,
    /// Local refinement from these values.
    At { theta: f64, steal_exponent: f64 },
}

/// θ's starting grid, from the national floor [`THETA_RANGE`]`.0`.
const THETA_GRID: [f64; 4] = [0.06, 0.12, 0.24, 0.48];
/// θ's starting grid in multiples of a raised floor (per-region grids): it starts at
/// the floor, where the national grid starts just above its own.
const THETA_GRID_RAISED: [f64; 4] = [1.0, 2.0, 3.5, 6.0];
/// α's starting grid. The compass search seldom climbs from 2 to stuffing that moves no
/// votes, so 30 starts it there.
const ALPHA_GRID: [f64; 4] = [0.5, 1.0, 2.0, 30.0];
/// Fair-parameter corrections at most; they usually settle in two or three. The
/// rounds stop short of the fixed point along the f_i–θ ridge (the raw fit finds ~75%
/// of planted incremental ballots); letting them converge, with θ and α re-searched
/// each round, removes most of that shrinkage but makes the fit noisier and no better
/// covered (README, "Known limits of the fingerprint").
const FAIR_ITERATIONS: usize = 4;
/// Compass search steps on the log scale of θ and α.
const STEP_START: f64 = 0.35;
const STEP_MIN: f64 = 0.015;

struct Searcher<'a, 'b> {
    engine: &'b mut Engine<'a>,
    fit_theta: bool,
    theta_range: (f64, f64),
    evaluations: usize,
}

impl Searcher<'_, '_> {
    fn eval(&mut self, lt: f64, la: f64) -> f64 {
        self.evaluations += 1;
        self.engine.profile(lt.exp(), la.exp())
    }

    /// Compass search on (ln θ, ln α) from `start` (log scale), steps halving from
    /// `h` until below `h_min`. Leaves the engine at the best point found and returns
    /// it (log scale) with its distance.
    fn compass(&mut self, start: (f64, f64), h: f64, h_min: f64) -> ((f64, f64), f64) {
        let (lt_lo, lt_hi) = (self.theta_range.0.ln(), self.theta_range.1.ln());
        let (la_lo, la_hi) = (ALPHA_RANGE.0.ln(), ALPHA_RANGE.1.ln());
        let mut x = (start.0.clamp(lt_lo, lt_hi), start.1.clamp(la_lo, la_hi));
        let mut best = self.eval(x.0, x.1);
        let mut at_best = true;
        let mut h = h;
        let mut last_dir = 0usize;
        while h >= h_min {
            let dirs = [(h, 0.0), (-h, 0.0), (0.0, h), (0.0, -h)];
            let mut moved = false;
            for i in 0..4 {
                let d = dirs[(last_dir + i) % 4];
                if d.0 != 0.0 && !self.fit_theta {
                    continue;
                }
                let c = (
                    (x.0 + d.0).clamp(lt_lo, lt_hi),
                    (x.1 + d.1).clamp(la_lo, la_hi),
                );
                if c == x {
                    continue;
                }
                let f = self.eval(c.0, c.1);
                if f < best - 1e-9 {
                    best = f;
                    x = c;
                    last_dir = (last_dir + i) % 4;
                    moved = true;
                    at_best = true;
                    break;
                }
                at_best = false;
            }
            if !moved {
                h *= 0.5;
            }
        }
        if !at_best {
            best = self.eval(x.0, x.1);
        }
        (x, best)
    }

    /// Corrects `fair` by simulation ([`correct_fair`]) until it settles, refitting the
    /// fraud fractions at (ln θ, ln α) = `x` after each round (none when `x` is `None`,
    /// the fair-only fit); slopes are matched when `measure`.
    fn settle_fair(
        &mut self,
        st: &Stations,
        size: &SizeCovariate,
        fair: &mut FairModel,
        x: Option<(f64, f64)>,
        measure: bool,
    ) {
        // The observed side changes only with the covariates (never, in a plain model).
        let mut obs: Option<(Covariates, FairStats)> = None;
        for _ in 0..FAIR_ITERATIONS {
            let cov = fair.covariates;
            if obs.as_ref().is_none_or(|(c, _)| *c != cov) {
                obs = Some((cov, observed_fair_stats(st, size, &cov, measure)));
            }
            let obs = &obs.as_ref().expect("set above").1;
            let sim = self.engine.sim_stats(st.n_groups(), &cov, measure);
            let change = correct_fair(fair, obs, &sim, &self.engine.sizes, measure);
            self.engine.set_fair(fair);
            match x {
                Some(x) => {
                    self.eval(x.0, x.1);
                }
                None => {
                    self.engine.fair_only();
                }
            }
            if change < FAIR_TOLERANCE {
                break;
            }
        }
    }

    fn grid(&mut self) -> (f64, f64) {
        let thetas: Vec<f64> = if self.fit_theta {
            let (lo, hi) = self.theta_range;
            if lo > THETA_RANGE.0 {
                THETA_GRID_RAISED.iter().map(|t| (t * lo).min(hi)).collect()
            } else {
                THETA_GRID.to_vec()
            }
        } else {
            vec![self.engine.theta]
        };
        let mut best = (f64::INFINITY, 0.1, 1.0);
        for t in thetas {
            for &a in &ALPHA_GRID {
                let f = self.eval(t.ln(), a.ln());
                if f < best.0 - 1e-9 {
                    best = (f, t, a);
                }
            }
        }
        (best.1.ln(), best.2.ln())
    }
}

/// Fair parameters have settled when no centre or spread moves more than this.
const FAIR_TOLERANCE: f64 = 1e-2;

/// Fits `proc_` to `st` with common random numbers `crn`: the fair-only model when
/// `with_fraud` is false, the full model otherwise.
pub fn fit(st: &Stations, crn: &Crn, proc_: &Procedure, with_fraud: bool, start: Start) -> Fit {
    fit_engine(st, crn, proc_, with_fraud, start, None, |_| {})
}

/// Fits only the fraud parameters, with the fair model held at `fair`: the fraud half of
/// [`fit`], for tests and experiments that separate it from estimating the fair model.
pub fn fit_fraud_given_fair(
    st: &Stations,
    crn: &Crn,
    proc_: &Procedure,
    fair: &FairModel,
    start: Start,
) -> Fit {
    fit_engine(st, crn, proc_, true, start, Some(fair), |_| {})
}

fn fit_engine<'a>(
    st: &Stations,
    crn: &'a Crn,
    proc_: &Procedure,
    with_fraud: bool,
    start: Start,
    given_fair: Option<&FairModel>,
    with_engine: impl FnOnce(&mut Engine<'a>),
) -> Fit {
    let size = SizeCovariate::of(st);
    let mut fair = match (given_fair, proc_.model) {
        (Some(f), _) => f.clone(),
        (None, FingerprintModel::Default) => {
            let shape = FairShapeOptions {
                tails: proc_.size_tails,
                skew: proc_.turnout_skew,
            };
            initial_fair_logit(st, &size, proc_.covariates, shape)
        }
        (None, FingerprintModel::Paper) => paper_fair(st),
    };
    let mut engine = Engine::new(st, &size, crn, proc_);
    engine.set_fair(&fair);
    // The paper holds θ at the fair turnout spread.
    let paper_theta = fair
        .groups
        .first()
        .map(|g| g.turnout_spread)
        .unwrap_or(0.1)
        .clamp(proc_.theta_range.0, proc_.theta_range.1);
    engine.theta = paper_theta;
    let mut s = Searcher {
        engine: &mut engine,
        fit_theta: proc_.fit_theta,
        theta_range: proc_.theta_range,
        evaluations: 0,
    };
    let mut x = match start {
        Start::At {
            theta,
            steal_exponent,
        } => (theta.ln(), steal_exponent.ln()),
        Start::Grid => (0.1f64.ln(), 0.0),
    };
    if !proc_.fit_theta {
        x.0 = paper_theta.ln();
    }
    if with_fraud {
        if start == Start::Grid {
            x = s.grid();
        }
        x = s.compass(x, STEP_START, STEP_START / 4.0).0;
    } else {
        s.engine.fair_only();
    }
    if proc_.correct_fair && given_fair.is_none() {
        s.settle_fair(
            st,
            &size,
            &mut fair,
            with_fraud.then_some(x),
            proc_.covariates,
        );
    }
    // Final refinement at the settled fair parameters.
    let mut distance = if with_fraud {
        s.compass(x, STEP_START / 4.0, STEP_MIN).1
    } else {
        s.engine.total
    };
    let evaluations = s.evaluations;
    if !distance.is_finite() {
        distance = f64::MAX;
    }
    let fraud = if with_fraud {
        engine.fraud()
    } else {
        Fraud {
            theta: engine.theta,
            steal_exponent: engine.alpha,
            ..Fraud::NONE
        }
    };
    let e = engine.expectations(&fraud);
    let used_cells = engine.used_cells();
    with_engine(&mut engine);
    Fit {
        fair,
        fraud,
        distance,
        ballots_added: e.ballots_added,
        extreme_ballots_added: e.extreme_ballots_added,
        corner_ballots_added: e.corner_ballots_added,
        corner_votes_moved: e.corner_votes_moved,
        votes_moved: e.votes_moved,
        fair_turnout: e.fair_turnout,
        fair_share: e.fair_share,
        used_cells,
        evaluations,
    }
}

/// One point of the profile over the incremental fraction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProfilePoint {
    pub f_incremental: f64,
    /// θ that fits best at this fraction (extreme fraction and α held at the fit);
    /// `None` at 0, where θ plays no part.
    pub theta: Option<f64>,
    /// Distance above the fit's minimum.
    pub distance_increase: f64,
}

/// θ values the profile tries.
const PROFILE_THETAS: usize = 16;

/// Fits the full model and traces the f_i–θ ridge: for each incremental fraction in
/// `fractions`, the best distance over θ, with the extreme fraction, α and the fair
/// parameters held at the fit.
pub fn fit_with_profile(
    st: &Stations,
    crn: &Crn,
    proc_: &Procedure,
    fractions: &[f64],
) -> (Fit, Vec<ProfilePoint>) {
    let mut profile = Vec::new();
    let fit = fit_engine(st, crn, proc_, true, Start::Grid, None, |engine| {
        let best = engine.total;
        let (theta0, alpha) = (engine.theta, engine.alpha);
        let thetas: Vec<f64> = if proc_.fit_theta {
            let (lo, hi) = (proc_.theta_range.0.ln(), proc_.theta_range.1.ln());
            (0..PROFILE_THETAS)
                .map(|i| (lo + (hi - lo) * i as f64 / (PROFILE_THETAS - 1) as f64).exp())
                .collect()
        } else {
            vec![theta0]
        };
        let mut rows: Vec<(f64, f64)> = vec![(f64::INFINITY, theta0); fractions.len()];
        for &t in &thetas {
            engine.set_shape(t, alpha);
            engine.rebuild();
            for (row, d) in rows.iter_mut().zip(engine.trace_inc(fractions)) {
                if let Some(d) = d
                    && d < row.0
                {
                    *row = (d, t);
                }
            }
        }
        engine.set_shape(theta0, alpha);
        engine.rebuild();
        profile = fractions
            .iter()
            .zip(rows)
            .filter(|(_, (d, _))| d.is_finite())
            .map(|(&f, (d, t))| ProfilePoint {
                f_incremental: f,
                theta: (f > 0.0).then_some(t),
                distance_increase: (d - best).max(0.0),
            })
            .collect();
    });
    (fit, profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::model::{FairGroup, FairShape, simulate_stations};
    use crate::montecarlo::batch_rng;

    #[test]
    fn grid_cells_are_row_major_and_clamped() {
        let g = Grid::FIT;
        assert_eq!(g.cell(0.0, 0.0), 0);
        assert_eq!(g.cell(1.0, 1.0), 2499);
        assert_eq!(g.cell(0.021, 0.999), 50 + 49);
        assert_eq!(g.cell(f64::NAN, -1.0), 0);
    }

    #[test]
    fn group_grids_aim_at_a_fixed_number_of_stations_per_cell() {
        // round(√(n / 10)), within 10..=50.
        for (n, bins) in [
            (0, 10),
            (500, 10),
            (903, 10),
            (1000, 10),
            (1225, 11),
            (2000, 14),
            (24_000, 49),
            (25_000, 50),
            (10_000_000, 50),
        ] {
            assert_eq!(group_bins(n), bins, "{n}");
        }
        // 903 is the smallest group whose √(n / 10) rounds to 10 rather than 9.
        assert!((902.0 / STATIONS_PER_CELL).sqrt() < 9.5);
        assert!((OWN_GRID_STATIONS as f64 / STATIONS_PER_CELL).sqrt() >= 9.5);
    }

    /// Groups of 3, 2,000 and 1 stations at turnout 0.6, share 0.5.
    fn three_groups() -> Stations {
        let mut group = vec![0u32; 3];
        group.extend(std::iter::repeat_n(1u32, 2000));
        group.push(2);
        let n = group.len();
        Stations {
            registered: vec![1000; n],
            ballots: vec![600; n],
            valid: vec![500; n],
            winner: vec![250; n],
            group,
            group_names: vec!["a".into(), "b".into(), "c".into()],
            ..Stations::default()
        }
    }

    #[test]
    fn per_group_cells_are_laid_end_to_end() {
        // Only the group of 2,000 gets a grid of its own (14 × 14), after the national
        // 50 × 50.
        let st = three_groups();
        let cells = Cells::new(Binning::PerGroup, &st);
        assert_eq!(
            cells.group_grids().collect::<Vec<_>>(),
            [None, Some(14), None]
        );
        assert_eq!(cells.len(), 2500 + 14 * 14);
        // Turnout 0.6, share 0.5: row 30, column 25 nationally; row 8, column 7 on 14 bins.
        assert_eq!(cells.cell(0, 0.6, 0.5), 30 * 50 + 25);
        assert_eq!(cells.cell(2, 0.6, 0.5), 30 * 50 + 25);
        assert_eq!(cells.cell(1, 0.6, 0.5), 2500 + 8 * 14 + 7);
        // The top-right corner stays national: (0.95, 0.99) is row 47, column 49.
        assert_eq!(cells.cell(1, 0.95, 0.99), 47 * 50 + 49);
        assert_eq!(cells.cell(1, CORNER, CORNER), 40 * 50 + 40);
        // Just outside it on one axis: the group's own grid (row 11, column 13).
        assert_eq!(cells.cell(1, 0.79, 0.99), 2500 + 11 * 14 + 13);
        // An unknown group falls on the national grid instead of panicking.
        assert_eq!(cells.cell(99, 0.6, 0.5), 30 * 50 + 25);
        let h = cells.histogram(&st);
        assert_eq!(h.len(), cells.len());
        assert_eq!(h.iter().map(|&c| c as usize).sum::<usize>(), st.len());
        assert_eq!(h[30 * 50 + 25], 4);
        assert_eq!(h[2500 + 8 * 14 + 7], 2000);
        // The national binning puts every group on one grid.
        let national = Cells::new(Binning::National(Grid::PAPER), &st);
        assert_eq!(national.group_grids().count(), 0);
        assert_eq!(national.len(), 10_000);
        assert_eq!(national.cell(1, 0.6, 0.5), national.cell(2, 0.6, 0.5));
        assert_eq!(national.histogram(&st)[60 * 100 + 50], st.len() as u32);
    }

    #[test]
    fn theta_floor_is_one_bin_of_the_coarsest_grid() {
        let st = three_groups();
        let proc_ = Procedure::per_region(&st);
        assert_eq!(proc_.theta_range, (1.0 / 14.0, 1.0));
        // Three groups of 668, none large enough for a grid of its own: the national floor.
        let mut small = three_groups();
        small.group = (0..small.len()).map(|i| (i % 3) as u32).collect();
        assert_eq!(Procedure::per_region(&small).theta_range, THETA_RANGE);
        // The paper's procedure compares nationally.
        let paper = Procedure::of(FingerprintModel::Paper);
        assert_eq!(paper.theta_range, THETA_RANGE);
        assert_eq!(paper.binning, Binning::National(Grid::PAPER));
        // 10 × 10 grids (groups of 1,000) give 0.1.
        let mut tens = three_groups();
        tens.group = (0..tens.len()).map(|i| (i % 2) as u32).collect();
        assert_eq!(Cells::new(Binning::PerGroup, &tens).theta_floor(), 0.1);
    }

    #[test]
    fn deviance_terms_match_the_formula() {
        // Two cells, observed (3, 0), simulated (5, 1) with n_sim = 6:
        // python3 -c "import numpy as np; O=np.array([3.,0]); S=np.array([5.,1]);
        //   E=3*(S+0.5)/(6+0.5*2); print(repr(2*np.sum(np.where(O>0,O*np.log(np.where(O>0,O,1)/E),0)-(O-E))))"
        // 1.4469723409013284
        let obj = Objective::new(Distance::Deviance, &[3, 0], 6);
        let d = obj.term(0, 5) + obj.term(1, 1);
        assert!((d - 1.446_972_340_901_328_4).abs() < 1e-12, "{d}");
        // python3 -c "print(repr(((5*0.5-3)/4)**2 + ((1*0.5-0)/1)**2))"  ->  0.265625
        let rs = Objective::new(Distance::RelativeSquares, &[3, 0], 6);
        assert!((rs.term(0, 5) + rs.term(1, 1) - 0.265_625).abs() < 1e-15);
    }

    fn world(n: usize, fraud: Fraud, seed: u64) -> Stations {
        let groups = 4;
        let template = Stations {
            registered: (0..n).map(|i| 300 + (i as u32 * 7919) % 2500).collect(),
            ballots: vec![0; n],
            valid: vec![0; n],
            winner: vec![0; n],
            group: (0..n).map(|i| (i % groups) as u32).collect(),
            group_names: (0..groups).map(|g| format!("r{g}")).collect(),
            region: vec![],
        };
        let fair = FairModel {
            shape: FairShape::LogitNormal,
            covariates: Default::default(),
            groups: (0..groups)
                .map(|g| FairGroup {
                    turnout_center: 0.2 + 0.15 * g as f64,
                    turnout_spread: 0.3,
                    share_center: -0.3 + 0.2 * g as f64,
                    share_spread: 0.35,
                })
                .collect(),
        };
        simulate_stations(
            &template,
            &fair,
            &fraud,
            &mut batch_rng(seed, "fit-test", 0),
        )
        .0
    }

    #[test]
    fn sweeps_leave_the_histogram_consistent() {
        let st = world(3000, Fraud::NONE, 1);
        let crn = Crn::draw(&st, 2, &mut batch_rng(1, "crn", 0));
        let proc_ = Procedure::of(FingerprintModel::Default);
        let size = SizeCovariate::of(&st);
        let mut e = Engine::new(&st, &size, &crn, &proc_);
        e.set_fair(&initial_fair_logit(&st, &size, true, Default::default()));
        let d = e.profile(0.2, 1.0);
        let (ki, ke) = (e.k_inc, e.k_ext);
        e.rebuild();
        assert!((e.total - d).abs() < 1e-6 * d.abs().max(1.0));
        assert_eq!((e.k_inc, e.k_ext), (ki, ke));
        assert_eq!(e.counts.iter().map(|&c| c as usize).sum::<usize>(), e.n());
        // A traced profile returns to the same state.
        let trace = e.trace_inc(&[0.0, 0.5, 1.0]);
        assert!(trace.iter().all(Option::is_some));
        assert_eq!(e.k_inc, ki);
        let before = e.total;
        e.rebuild();
        assert!((e.total - before).abs() < 1e-6 * before.abs().max(1.0));
    }

    #[test]
    fn finds_planted_extreme_fraud() {
        let fraud = Fraud {
            f_incremental: 0.0,
            f_extreme: 0.05,
            theta: 0.15,
            steal_exponent: 1.0,
        };
        let st = world(8000, fraud, 2);
        let crn = Crn::draw(&st, 3, &mut batch_rng(2, "crn", 0));
        let f = fit(
            &st,
            &crn,
            &Procedure::of(FingerprintModel::Default),
            true,
            Start::Grid,
        );
        assert!((f.fraud.f_extreme - 0.05).abs() < 0.01, "{:?}", f.fraud);
        // The extreme part of the expected ballots added is all of it without
        // incremental fraud, and a part of it with.
        assert!(f.extreme_ballots_added > 0.0);
        assert!(f.extreme_ballots_added <= f.ballots_added * (1.0 + 1e-12));
        if f.fraud.f_incremental == 0.0 {
            assert!((f.extreme_ballots_added - f.ballots_added).abs() <= 1e-9 * f.ballots_added);
        }
        let clean = world(8000, Fraud::NONE, 3);
        let f0 = fit(
            &clean,
            &crn,
            &Procedure::of(FingerprintModel::Default),
            true,
            Start::Grid,
        );
        assert!(f0.fraud.f_extreme < 0.003, "{:?}", f0.fraud);
    }
}
