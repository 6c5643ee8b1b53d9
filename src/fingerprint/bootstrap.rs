//! The full fingerprint analysis: the fit, its parametric bootstrap, and the test of
//! "no fraud" with a fitted null tail.
//!
//! - The test: the distance drop from the fair-only fit to the full fit, against
//!   replicates simulated from the fair-only fit, with a gamma tail (plus an atom at
//!   zero) so that p can fall far below 1/(B+1).
//! - Estimates and intervals: half the replicates are simulated from the full fit
//!   (world a: the observed stations' sizes, invalid rates and regions) and refitted
//!   with fresh common random numbers; the other half from the fit after one
//!   bias-correction step (world b), replicate by replicate from the same random
//!   numbers. The fit moves less than the truth along the f_i–θ ridge, and the paired
//!   worlds measure by how much: each estimate and interval is read off the fit's
//!   local line in the truth (see [`calibrated`]). The paper model reports its raw fit
//!   (the paper's procedure has no such correction), with basic bootstrap intervals
//!   from world a alone.
//! - When the test does not reject "no fraud" at [`SELECT_P`], the fair-only fit is
//!   reported (no fraud), each fraud interval is widened down to 0, and θ and α are
//!   unidentified: the full fit then mostly describes noise, and would report
//!   fraud in clean elections.
//!
//! Replicate `r` of either world draws only from `batch_rng(seed, "fingerprint", r)`,
//! of the null from `batch_rng(seed, "fingerprint-null", r)`, and the main fit from
//! `batch_rng(seed, "fingerprint-crn", 0)`: results do not depend on the thread count.

use serde::{Deserialize, Serialize};

use super::fit::{
    ALPHA_RANGE, Cells, Crn, F_EXTREME_MAX, Fit, Grid, Procedure, ProfilePoint, Start, THETA_RANGE,
};
use super::fit::{fit, fit_with_profile, histogram};
use super::model::{
    FairGroup, FairModel, FingerprintModel, Fraud, MIN_SPREAD, SimTruth, Stations, group_sizes,
    simulate_stations,
};
use super::stuffing::EXTREME_TURNOUT;
use crate::montecarlo::batch_rng;
use crate::montecarlo::runner::run_indexed;
use crate::montecarlo::tail::{GammaTail, ZERO_ATOM};
use crate::stats::quantile::{type6_sorted, type7_sorted};
use crate::stats::tails::normal_sf;

/// Below this unadjusted p of the no-fraud test, the full fit is reported; at or
/// above it, the fair-only fit.
pub const SELECT_P: f64 = 0.01;

/// Default materiality margin: stuffing that adds at most this share of the ballots is
/// not flagged. It is the tolerance for clean elections (0.5% of ballots), and
/// sits above what fair-model misfit produces on real clean controls (Poland 2020:
/// 0.21% and 0.20%).
pub const DEFAULT_MARGIN: f64 = 0.005;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub model: FingerprintModel,
    /// Bootstrap replicates for the intervals.
    pub replicates: usize,
    /// Replicates simulated from the fair-only fit, for the no-fraud test.
    pub null_replicates: usize,
    /// Simulated stations per fit at least: small elections get several copies of
    /// each station, so that simulation noise stays below sampling noise.
    pub min_simulated: usize,
    /// Materiality margin as a share of all ballots; see [`MaterialTest`].
    pub margin: f64,
    /// Which histograms the fit compares.
    pub binning: BinningChoice,
    /// Stations the fit uses at most: larger elections are fitted on a random sample
    /// of this many (0: all; see [`super::sample`]).
    pub max_stations: usize,
    /// The other fair model is read only when the reported p-value is below this (the
    /// report's alpha): its reading can only raise the p-value, so above it the flag
    /// cannot depend on it. Infinity (the default) reads it always.
    pub alternative_below: f64,
}

/// Stations the fit uses at most by default (`--fingerprint-max-stations`; see [`super::sample`]).
pub const DEFAULT_MAX_STATIONS: usize = 100_000;

/// The sample an analysis was fitted on, when it was one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampleNote {
    /// Stations in the whole election (those the fingerprint can read).
    pub of_stations: usize,
    /// Whole-election ballots over the sample's: what ballot counts were scaled by.
    pub ballot_scale: f64,
}

/// Which histograms the default model compares (the paper's is always national).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BinningChoice {
    /// Region by region when that fit passes its goodness-of-fit gate
    /// ([`MISFIT_RATIO`]), else nationally.
    #[default]
    Auto,
    /// One national grid.
    National,
    /// Region by region ([`Binning::PerGroup`](super::fit::Binning::PerGroup)), whatever the fit.
    PerRegion,
}

/// The ratio of a fit's deviance to the mean deviance of its bootstrap replicates
/// (simulated from that fit, and refitted) above which the fit counts as a misfit:
/// the report says so, and [`BinningChoice::Auto`] drops a per-region fit for the
/// national one. Compared region by region, a fair shape that is not logit-normal (a
/// region that mixes town and country) reads as stuffing, and it shows as a deviance
/// well above what the model's own elections give: 3.4 to 5.5 region by region on the
/// real elections in ../shared/data, against 0.93 to 1.08 on the recovery suite's and
/// 1.01 to 1.11 on the heterogeneity suite's shapes that the model follows. It was 1.25
/// until an honest second population unrelated to size (a fifth of the stations at +0.65
/// logit on turnout and share, 10,000 stations) passed at 1.14 to 1.24 and was flagged
/// as incremental stuffing (docs/fingerprint.md).
pub const MISFIT_RATIO: f64 = 1.15;

/// What [`BinningChoice::Auto`] saw in the per-region fit, and what it chose.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PerRegionTrial {
    /// The per-region fit's deviance over the mean of its replicates'.
    pub ratio: f64,
    /// Whether that fit was kept ([`MISFIT_RATIO`]); otherwise the report is
    /// the national fit's.
    pub kept: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            model: FingerprintModel::Default,
            replicates: 50,
            null_replicates: 30,
            min_simulated: 60_000,
            margin: DEFAULT_MARGIN,
            binning: BinningChoice::Auto,
            max_stations: DEFAULT_MAX_STATIONS,
            alternative_below: f64::INFINITY,
        }
    }
}

/// A point estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Interval {
    /// Whether `x` lies in the interval.
    pub fn covers(&self, x: f64) -> bool {
        self.ci_low <= x && x <= self.ci_high
    }
}

/// The numbers one bootstrap replicate produced, with the truth of its world.
#[derive(Debug, Clone, PartialEq)]
pub struct Replicate {
    pub fraud: Fraud,
    pub fair: FairModel,
    pub distance: f64,
    /// What the fit found, as [`Fit::quantities`].
    found: [f64; 8],
    /// The world's parameters and what its fraud really did, in the same order.
    pub truth: [f64; 8],
    /// Ballots added at stations stuffing put in the extreme corner: (the world's,
    /// the fit's).
    pub corner_ballots: (f64, f64),
    /// Votes moved at those stations: (the world's, the fit's).
    pub corner_votes: (f64, f64),
}

/// Each quantity's range and how its fit noise scales, in the order of
/// [`Replicate::quantities`].
const QUANTITY_SCALES: [((f64, f64), Noise); 8] = [
    ((0.0, 1.0), Noise::Proportional),
    ((0.0, 1.0), Noise::Proportional),
    (THETA_RANGE, Noise::Constant),
    (ALPHA_RANGE, Noise::Constant),
    ((0.0, f64::MAX), Noise::Proportional),
    ((0.0, f64::MAX), Noise::Proportional),
    ((0.0, 1.0), Noise::Constant),
    ((0.0, 1.0), Noise::Constant),
];

/// The quantities' names in reports, in the order of [`Replicate::quantities`].
pub const QUANTITY_NAMES: [&str; 8] = [
    "f_incremental",
    "f_extreme",
    "theta",
    "steal_exponent",
    "ballots_added",
    "votes_moved",
    "fair_turnout",
    "fair_share",
];

/// Positions in [`Replicate::quantities`] and [`Replicate::truth`].
pub const Q_F_INCREMENTAL: usize = 0;
pub const Q_F_EXTREME: usize = 1;
pub const Q_THETA: usize = 2;
pub const Q_STEAL_EXPONENT: usize = 3;
pub const Q_BALLOTS_ADDED: usize = 4;
pub const Q_VOTES_MOVED: usize = 5;
pub const Q_FAIR_TURNOUT: usize = 6;
pub const Q_FAIR_SHARE: usize = 7;

impl Replicate {
    fn of(f: &Fit, truth: [f64; 8], planted: &SimTruth) -> Replicate {
        Replicate {
            fraud: f.fraud,
            fair: f.fair.clone(),
            distance: f.distance,
            found: f.quantities(),
            truth,
            corner_ballots: (planted.corner_ballots_added, f.corner_ballots_added),
            corner_votes: (planted.corner_votes_moved, f.corner_votes_moved),
        }
    }

    /// The reported quantities of this replicate's fit.
    pub fn quantities(&self) -> [f64; 8] {
        self.found
    }

    /// Multiplies its ballot counts by `k` (a sampled fit, see [`super::sample`]).
    pub(super) fn scale_ballots(&mut self, k: f64) {
        for q in [Q_BALLOTS_ADDED, Q_VOTES_MOVED] {
            self.found[q] *= k;
            self.truth[q] *= k;
        }
        for pair in [&mut self.corner_ballots, &mut self.corner_votes] {
            pair.0 *= k;
            pair.1 *= k;
        }
    }
}

impl Fit {
    /// The reported quantities of this fit, in the order of [`Replicate::quantities`].
    pub fn quantities(&self) -> [f64; 8] {
        let f = &self.fraud;
        [
            f.f_incremental,
            f.f_extreme,
            f.theta,
            f.steal_exponent,
            self.ballots_added,
            self.votes_moved,
            self.fair_turnout,
            self.fair_share,
        ]
    }
}

/// The test of "no fraud" (f_i = f_e = 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoFraudTest {
    /// Distance of the fair-only fit minus that of the full fit (at least 0).
    pub distance_drop: f64,
    /// The same drop in each null replicate.
    pub null_drops: Vec<f64>,
    /// The tail fitted to the null drops; `None` when they are all zero.
    pub tail: Option<GammaTail>,
    /// Null replicates whose drop reached the observed one.
    pub exceedances: usize,
    /// Upper-tail p-value from the fitted tail, or `(1 + exceedances) / (B + 1)`
    /// when no tail could be fitted.
    pub p_value: f64,
}

/// The test that the fitted stuffing is material: H0 "ballots added ≤ margin × all
/// ballots", against the bootstrap's normal approximation,
/// z = (estimate share − margin) / sd of the replicates' shares.
///
/// It is read twice, on all the fitted stuffing and on its extreme part alone
/// ([`Analysis::material_p`]): extreme stuffing lands where no fair model reaches and
/// its amount is pinned down, while the incremental part trades off against θ and can
/// be as uncertain as the whole amount.
///
/// Why: the no-fraud test's null is the fitted fair model, and real clean elections
/// depart from any simple fair model (an urban/rural mix inside a region), so that test
/// alone rejects clean controls. The check's p-value is the intersection-union test
/// of both, `max(p_no_fraud, p_material)`: a level-alpha test of "no stuffing, or too
/// little to matter" that flags only stuffing both present and material.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MaterialTest {
    pub margin: f64,
    /// The reported ballots added as a share of all ballots.
    pub share: f64,
    /// Standard deviation of the bootstrap replicates' shares.
    pub sd: f64,
    pub z: Option<f64>,
    pub p_value: f64,
}

impl MaterialTest {
    /// The test for a reported share of `share` whose standard deviation is `sd`.
    pub fn with_sd(share: f64, sd: f64, margin: f64) -> MaterialTest {
        let (z, p_value) = if sd > 0.0 && share.is_finite() {
            let z = (share - margin) / sd;
            (Some(z), normal_sf(z))
        } else {
            // No spread to judge by: the margin decides alone.
            (None, if share > margin { 0.0 } else { 1.0 })
        };
        MaterialTest {
            margin,
            share,
            sd,
            z,
            p_value,
        }
    }
}

/// How well the full model fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoodnessOfFit {
    pub distance: f64,
    /// Cells holding observed or simulated stations, less the four fraud parameters.
    pub df: f64,
    /// Distance per degree of freedom. For the deviance it is near 1 + 1/copies under
    /// a correct model, since the simulated histogram is noisy too.
    pub per_df: f64,
    /// Share of bootstrap replicates (simulated from the fit) whose own fit is worse.
    pub bootstrap_p: Option<f64>,
    /// The distance over the mean of those replicates' distances: near 1 when the
    /// model could have made the data, whatever the cells' sparsity does to `per_df`.
    pub ratio: Option<f64>,
}

/// Everything the fingerprint found.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub settings: Settings,
    /// How the fit compared histograms, and θ's range there.
    pub procedure: Procedure,
    /// Under [`BinningChoice::Auto`], the per-region fit tried first (`None` when it
    /// was not tried: another choice, the paper model, or no region large enough).
    pub per_region_trial: Option<PerRegionTrial>,
    /// Bins per axis of each group's own grid (`None`: the national grid).
    pub group_grids: Vec<Option<usize>>,
    pub stations: usize,
    /// Simulated stations per observed one in each fit.
    pub copies: usize,
    pub total_ballots: f64,
    /// Observed histogram on [`Grid::FIT`], row-major (row = turnout bin).
    pub histogram: Vec<u32>,
    pub group_names: Vec<String>,
    pub group_sizes: Vec<usize>,
    pub fit: Fit,
    pub fair_only: Fit,
    pub f_incremental: Interval,
    pub f_extreme: Interval,
    pub theta: Interval,
    pub steal_exponent: Interval,
    pub ballots_added: Interval,
    /// Where the fair model misfits: the ballots the whole fitted stuffing would add,
    /// which cannot be told apart from the election's own heterogeneity. The reported
    /// `ballots_added` is then the part in the corner ([`Analysis::misfits`]).
    pub ballots_added_unread: Option<Interval>,
    pub votes_moved: Interval,
    /// The same for the votes moved.
    pub votes_moved_unread: Option<Interval>,
    pub fair_turnout: Interval,
    pub fair_share: Interval,
    /// θ only matters when incremental fraud may be present: false when the f_i
    /// interval reaches 0, and θ's interval is then its whole search range.
    pub theta_identified: bool,
    /// Likewise for α, which needs some fraud of either kind.
    pub steal_exponent_identified: bool,
    /// Whether the no-fraud test rejected at [`SELECT_P`], so that the full fit is
    /// reported; otherwise the estimates are the fair-only fit's.
    pub fraud_selected: bool,
    /// The f_i–θ ridge: the best distance at each f_i.
    pub profile: Vec<ProfilePoint>,
    pub test: NoFraudTest,
    /// The materiality test on all the fitted stuffing.
    pub material: MaterialTest,
    /// The same on the ballots added by extreme stuffing alone.
    pub material_extreme: MaterialTest,
    /// The most the corner can hold, as a share of the ballots: the ballots above the
    /// other stations' turnout at the observed stations with at least
    /// [`EXTREME_TURNOUT`] turnout and as much for the winner ([`Stations::corner_excess`]).
    pub corner_room: f64,
    /// The same at the stations with that turnout but less for the winner, which the
    /// corner does not count: no fair model reaches them either, but an honest
    /// high-turnout population draws them as well as stuffing that moves no votes.
    pub high_turnout_mixed: f64,
    /// Where the fitted stuffing put more ballots in the corner than that: its reading
    /// before it was cut to `corner_room` (a share of the ballots).
    pub corner_overshoot: Option<f64>,
    pub goodness_of_fit: GoodnessOfFit,
    /// How each quantity was read off the bootstrap, in the order of
    /// [`Replicate::quantities`] (see [`calibrated`]).
    pub calibration: [Calibrated; 8],
    /// Bootstrap replicates simulated from the fit.
    pub replicates: Vec<Replicate>,
    /// Replicates simulated from the bias-corrected fit, paired with the first ones
    /// (see [`calibrated`]); empty when no fraud is reported or for the paper model.
    pub corrected_replicates: Vec<Replicate>,
    /// Other fair models tried beside the reported one, and what each reads.
    pub alternatives: Vec<AlternativeReading>,
    /// The sample the analysis was fitted on, when the election was larger than
    /// [`Settings::max_stations`]; its ballot counts are then the whole election's.
    pub sample: Option<SampleNote>,
}

/// What another fair model reads, beside the reported one: a flag must survive every
/// fair model that fits the data about as well as the model fits its own simulated
/// elections ([`Analysis::material_p`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AlternativeReading {
    /// Which fair model.
    pub fair_model: &'static str,
    /// Its fit's deviance over the mean of its replicates' ([`ALT_REPLICATES`] of them).
    pub replicate_ratio: Option<f64>,
    /// Its fit's deviance, on the reported fit's grid.
    pub distance: f64,
    /// Whether it fits ([`MISFIT_RATIO`]); the model that follows size to its
    /// extremes must also fit at least as well as the reported one.
    pub fits: bool,
    /// Ballots its fit adds (raw: no bias correction, which only shrinks it).
    pub ballots_added: f64,
    /// The fair turnout's fitted skew, for the model that fits one: the excess of its
    /// lower-half statistic over a normal's ([`super::fair::Covariates::turnout_skew`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turnout_skew: Option<f64>,
    /// The materiality tests on that amount and on its part in the corner, with the
    /// reported readings' spreads.
    pub material: MaterialTest,
    pub material_corner: MaterialTest,
}

impl AlternativeReading {
    /// Its materiality p-value, combined as the reported one's is.
    pub fn material_p(&self) -> f64 {
        (2.0 * self.material.p_value.min(self.material_corner.p_value)).min(1.0)
    }
}

/// How reports name the default model's fair models.
pub fn fair_model_name(proc_: &Procedure) -> &'static str {
    match (proc_.covariates, proc_.size_tails) {
        (true, _) if proc_.turnout_skew => {
            "following a skewed turnout: as following size, with each group's fair turnout \
             a skew-normal, as skewed as the lower half of its turnout shows"
        }
        (true, false) => {
            "following size: one logit-normal per group, with station-size effects and the \
             winner's share linked to turnout"
        }
        (true, true) => {
            "following size to its extremes: as following size, with the size effects \
             going on past the outer size classes (a U or a steep gradient in log size)"
        }
        (false, _) => "plain: one logit-normal per group",
    }
}

/// Replicates that measure an alternative fair model's fit.
pub const ALT_REPLICATES: usize = 6;

/// The other fair models on the reported procedure's grids: plain, following size
/// and turnout, following size to its extremes ([`Procedure::size_tails`]), and
/// following a skewed turnout ([`Procedure::turnout_skew`]).
fn alternatives_to(reported: Procedure) -> Vec<(Procedure, &'static str)> {
    let with = |covariates: bool, size_tails: bool, turnout_skew: bool| Procedure {
        covariates,
        size_tails,
        turnout_skew,
        ..reported
    };
    [
        (
            with(!reported.covariates, false, false),
            "fingerprint-alternative",
        ),
        (with(true, true, false), "fingerprint-alternative-tails"),
        (with(true, false, true), "fingerprint-alternative-skew"),
    ]
    .into_iter()
    .filter(|(p, _)| *p != reported)
    .collect()
}

/// Fair model `proc_`, another than the reported one, on the same grids: where it fits
/// too, a flag must hold under it as well. A gated trial of that very procedure that
/// stopped is read as it stands, not refitted. `stream` names its replicates' seeds.
fn alternative_reading(
    st: &Stations,
    settings: &Settings,
    seed: u64,
    (proc_, stream): (Procedure, &'static str),
    stopped: &mut Option<Stopped>,
    reported: &Reported,
) -> AlternativeReading {
    let (full, replicate_ratio) = match stopped.take_if(|t| t.proc_ == proc_) {
        Some(t) => (t.fits.full, Some(t.ratio)),
        None => {
            let fits = Fits::run(st, settings, seed, &proc_);
            let rep = Replicator::new(st, seed, &fits, proc_, stream);
            let reps = run_indexed(ALT_REPLICATES, "fingerprint", |r| {
                rep.replicate(r, &fits.full.fair, &fits.full.fraud)
            });
            let ratio = replicate_ratio(fits.full.distance, reps.iter().map(|r| r.distance));
            (fits.full, ratio)
        }
    };
    alternative_of(
        &full,
        replicate_ratio,
        st.total_ballots(),
        settings,
        proc_,
        reported,
    )
}

/// What the reported reading lends the other fair models: its spreads, by which
/// their amounts are tested, and its deviance ratio.
struct Reported {
    sd: f64,
    sd_corner: f64,
    ratio: Option<f64>,
    stations: usize,
}

/// The lower-half skew statistic's noise at 10,000 stations (its sd over seeds of
/// clean symmetric and skew-normal elections, 0.02–0.04; measured 2026-12-08).
const SKEW_NOISE_10K: f64 = 0.02;

/// The fitted skew below which the skewed-turnout model does not count: 2.5 times the
/// statistic's noise at `stations`. Random stuffing moves stations out of the lower
/// half too and reads as a small skew (0.01–0.05 on an attack probe's files), and a
/// skew that small, counted, withheld a flag on textbook stuffing (6% of ballots).
fn clear_skew(stations: usize) -> f64 {
    2.5 * SKEW_NOISE_10K * (10_000.0 / stations.max(1) as f64).sqrt()
}

/// What fit `full` of the other fair model reads, with the reported spreads.
fn alternative_of(
    full: &Fit,
    replicate_ratio: Option<f64>,
    total_ballots: f64,
    settings: &Settings,
    proc_: Procedure,
    reported: &Reported,
) -> AlternativeReading {
    let total = total_ballots.max(1.0);
    let share = full.ballots_added / total;
    let corner = full.corner_ballots_added / total;
    let (sd, sd_corner) = (reported.sd, reported.sd_corner);
    // Reaching further into the size tails, or skewing the turnout, must earn its
    // keep: fitting no better than the reported model, either would only absorb
    // stuffing (at the largest or smallest stations, or in turnout's upper tail).
    let extra = proc_.size_tails || proc_.turnout_skew;
    let earns_keep = !extra || replicate_ratio <= reported.ratio;
    let skew_shown =
        !proc_.turnout_skew || full.fair.covariates.turnout_skew >= clear_skew(reported.stations);
    AlternativeReading {
        fair_model: fair_model_name(&proc_),
        replicate_ratio,
        distance: full.distance,
        fits: replicate_ratio.is_some_and(|r| r <= MISFIT_RATIO) && earns_keep && skew_shown,
        ballots_added: full.ballots_added,
        turnout_skew: proc_
            .turnout_skew
            .then_some(full.fair.covariates.turnout_skew),
        material: MaterialTest::with_sd(share, sd, settings.margin),
        material_corner: MaterialTest::with_sd(corner, sd_corner, settings.margin),
    }
}

impl Analysis {
    /// The check's p-value: the intersection-union test of "no stuffing" and "not
    /// material" (see [`MaterialTest`]).
    pub fn p_value(&self) -> f64 {
        self.test.p_value.max(self.material_p())
    }

    /// The materiality test's p-value: twice the smaller of its two readings
    /// (Bonferroni). Both test the same H0, "all stuffing ≤ margin", since the
    /// extreme part is never more than all of it; the extreme reading keeps a clear
    /// excess of extreme stuffing from hanging on the incremental part's noise.
    ///
    /// Where the fair model misfits ([`Analysis::misfits`]) only the extreme reading
    /// counts: incremental stuffing is then indistinguishable from the election's own
    /// heterogeneity (town and country, size gradients), which a one-peak fair model
    /// reads as stuffing; stations near 100% turnout and 100% for the winner are the
    /// corner that no honest population reaches.
    pub fn material_p(&self) -> f64 {
        let own = self.material_p_reported();
        // A flag must survive every other fair model that fits.
        self.alternatives
            .iter()
            .filter(|a| a.fits)
            .map(AlternativeReading::material_p)
            .fold(own, f64::max)
    }

    /// [`Analysis::material_p`] under the reported fair model alone.
    pub fn material_p_reported(&self) -> f64 {
        if self.misfits() {
            self.material_extreme.p_value
        } else {
            (2.0 * self.material.p_value.min(self.material_extreme.p_value)).min(1.0)
        }
    }

    /// Whether the default model's fit is clearly worse than the fits of its own
    /// simulated elections (deviance ratio above [`MISFIT_RATIO`]). The paper model's
    /// ratio (relative squares, refits on a coarser search) is not calibrated for this:
    /// it reads 1.5 on Russia 2011 and 0.6 on 2012.
    pub fn misfits(&self) -> bool {
        self.settings.model == FingerprintModel::Default
            && self.goodness_of_fit.ratio.is_some_and(|r| r > MISFIT_RATIO)
    }
}

/// f_i values at which the ridge is traced.
pub fn profile_fractions() -> Vec<f64> {
    (0..=20).map(|i| i as f64 * 0.05).collect()
}

/// Type-7 quantile (numpy's default) of sorted values; 0 for none.
pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    type7_sorted(v, q).unwrap_or(0.0)
}

/// Basic bootstrap interval `[2e − q97.5, 2e − q2.5]` clipped to `[lo, hi]`, widened
/// if needed to hold the estimate itself.
pub fn basic_interval(estimate: f64, reps: &[f64], lo: f64, hi: f64) -> Interval {
    let mut v: Vec<f64> = reps.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return Interval {
            estimate,
            ci_low: estimate,
            ci_high: estimate,
        };
    }
    v.sort_by(f64::total_cmp);
    let (q_lo, q_hi) = (quantile_sorted(&v, 0.025), quantile_sorted(&v, 0.975));
    Interval {
        estimate,
        ci_low: (2.0 * estimate - q_hi).clamp(lo, hi).min(estimate),
        ci_high: (2.0 * estimate - q_lo).clamp(lo, hi).max(estimate),
    }
}

/// Prior sd of a calibration slope around 1: a slope measured from replicates whose
/// worlds barely differ is mostly noise, and is shrunk towards no correction.
const SLOPE_PRIOR_SD: f64 = 0.25;
/// Calibration slopes are kept in this range: near the floor the fit barely follows
/// more stuffing (mild stuffing of many stations, on the f_i–θ ridge), and the
/// interval, not the point estimate, carries the answer.
const SLOPE_RANGE: (f64, f64) = (0.2, 2.0);
/// Below this slope the inverted point estimate is mostly amplified noise (it reached
/// 1.5–1.8 times the truth in the recovery suite), and the plain correction is reported.
const MIN_INVERTIBLE_SLOPE: f64 = 0.3;

/// A quantity's estimate and 95% interval from two bootstrap worlds: `a` simulated at
/// the fit, `b` at the fit moved by a stretched bias correction, each a list of
/// (truth, fit) with replicate `r` of both worlds drawn from the same random numbers.
///
/// The fit moves less than the truth along the f_i–θ ridge (slope below 1), so
/// `2·fit − mean` undercorrects and an interval as wide as the fit's own spread is
/// too narrow. With the fit's mean modelled as locally linear in the truth,
/// `fit = c + s·truth + e`, the slope `s` comes from the paired worlds (common random
/// numbers make the paired differences far less noisy than two independent worlds'
/// means), the estimate solves
/// `obs = c + s·truth` anchored at world b's means, and the interval inverts the
/// residual quantiles: `[est − q97.5/s, est − q2.5/s]`, widened for the uncertainty of
/// the anchor and of `s`. The quantiles are type 6 (a prediction interval: the observed
/// fit is one more draw). Below [`MIN_INVERTIBLE_SLOPE`], or when the inversion passes
/// the top of the range, the point estimate is world a's plain correction. With no
/// second world (slope 1) the estimate is the bias correction `truth + obs − mean(a)`,
/// which is `2·obs − mean(a)` when world a's truth is the fit.
pub fn calibrated(
    obs: f64,
    a: &[(f64, f64)],
    b: &[(f64, f64)],
    (lo, hi): (f64, f64),
    noise: Noise,
) -> Calibrated {
    let finite = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
        v.iter()
            .copied()
            .filter(|(t, y)| t.is_finite() && y.is_finite())
            .collect()
    };
    let (a, b) = (finite(a), finite(b));
    if a.is_empty() {
        return Calibrated {
            interval: Interval {
                estimate: obs,
                ci_low: obs,
                ci_high: obs,
            },
            slope: 1.0,
            slope_sd: 0.0,
            inverted: false,
            sd: 0.0,
            draws: Vec::new(),
        };
    }
    let (slope, slope_sd) = paired_slope(&a, &b);
    // Anchor where the truth is likeliest to be: world b when there is one.
    let anchor = if b.is_empty() { &a } else { &b };
    let (t_bar, y_bar) = mean_pair(anchor);
    let inverted = t_bar + (obs - y_bar) / slope;
    let estimate = inverted.clamp(lo, hi);
    let mut resid = line_residuals(&a, &b, slope);
    // Both worlds sit below the truth when the fit is shrunk: an amount's noise,
    // which grows with the amount, is scaled up to the estimate.
    let grow = match noise {
        Noise::Proportional if t_bar > 0.0 => (estimate / t_bar).clamp(1.0, MAX_NOISE_GROWTH),
        _ => 1.0,
    };
    let slope_gap = (obs - y_bar) * slope_sd / slope;
    let inflate = grow * anchor_inflation(&resid, slope_gap, anchor.len());
    resid.iter_mut().for_each(|e| *e *= inflate);
    let draws = resid
        .iter()
        .map(|e| (estimate - e / slope).clamp(lo, hi))
        .collect();
    resid.sort_by(f64::total_cmp);
    // The observed fit is one more draw of the residual: a prediction interval.
    let (q_lo, q_hi) = (
        type6_sorted(&resid, 0.025).unwrap_or(0.0),
        type6_sorted(&resid, 0.975).unwrap_or(0.0),
    );
    let n = resid.len() as f64;
    let sd = if resid.len() > 1 {
        (resid.iter().map(|e| e * e).sum::<f64>() / (n - 1.0)).sqrt() / slope
    } else {
        0.0
    };
    // Too flat a line to divide by, or an inversion past the top of the range (more
    // than every station stuffed): the point falls back to the plain bias correction
    // from world a, and the interval, centred on the inversion, is widened to hold it.
    let fallback = slope < MIN_INVERTIBLE_SLOPE || inverted > hi;
    let reported = if fallback {
        let (ta, ya) = mean_pair(&a);
        (ta + obs - ya).clamp(lo, hi)
    } else {
        estimate
    };
    Calibrated {
        interval: Interval {
            estimate: reported,
            ci_low: (estimate - q_hi / slope).clamp(lo, hi).min(reported),
            ci_high: (estimate - q_lo / slope).clamp(lo, hi).max(reported),
        },
        slope,
        slope_sd,
        inverted: !fallback,
        sd,
        draws,
    }
}

/// The means of the truths and of the fits in `v`.
fn mean_pair(v: &[(f64, f64)]) -> (f64, f64) {
    let n = v.len() as f64;
    (
        v.iter().map(|p| p.0).sum::<f64>() / n,
        v.iter().map(|p| p.1).sum::<f64>() / n,
    )
}

/// Each replicate's fit less its world's line of slope `slope` through the world's
/// means: world a's residuals, then world b's.
fn line_residuals(a: &[(f64, f64)], b: &[(f64, f64)], slope: f64) -> Vec<f64> {
    let mut resid: Vec<f64> = Vec::with_capacity(a.len() + b.len());
    for w in [a, b] {
        if w.is_empty() {
            continue;
        }
        let (tw, yw) = mean_pair(w);
        resid.extend(w.iter().map(|(t, y)| y - yw - slope * (t - tw)));
    }
    resid
}

/// How much wider than the residuals the interval must be: the anchor's mean (of
/// `anchor_len` replicates) is uncertain, and so is the slope the gap to it is
/// divided by (`slope_gap`, its delta-method sd in the fit's units).
fn anchor_inflation(resid: &[f64], slope_gap: f64, anchor_len: usize) -> f64 {
    let resid_var = if resid.len() > 1 {
        resid.iter().map(|e| e * e).sum::<f64>() / (resid.len() - 1) as f64
    } else {
        0.0
    };
    let slope_share = if resid_var > 0.0 {
        slope_gap.powi(2) / resid_var
    } else {
        0.0
    };
    (1.0 + 1.0 / anchor_len as f64 + slope_share).sqrt()
}

/// The slope of fit on truth from replicates paired across two worlds, shrunk towards
/// 1 by its standard error, with its posterior sd; 1 (and 0) with no second world.
fn paired_slope(a: &[(f64, f64)], b: &[(f64, f64)]) -> (f64, f64) {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .map(|(pa, pb)| (pb.0 - pa.0, pb.1 - pa.1))
        .collect();
    let m = pairs.len();
    let sxx: f64 = pairs.iter().map(|(dt, _)| dt * dt).sum();
    if m < 2 || sxx <= 0.0 {
        return (1.0, 0.0);
    }
    let raw = pairs.iter().map(|(dt, dy)| dt * dy).sum::<f64>() / sxx;
    let rss: f64 = pairs.iter().map(|(dt, dy)| (dy - raw * dt).powi(2)).sum();
    let se2 = rss / (m - 1) as f64 / sxx;
    let prior = SLOPE_PRIOR_SD * SLOPE_PRIOR_SD;
    let w = prior / (prior + se2);
    let slope = (1.0 + w * (raw - 1.0)).clamp(SLOPE_RANGE.0, SLOPE_RANGE.1);
    (slope, (w * se2).sqrt())
}

/// How a quantity's fit noise depends on its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noise {
    /// The same at any value (shape parameters, fair turnout and share).
    Constant,
    /// In proportion to the value (fractions of stations, ballots, votes).
    Proportional,
}

/// The most [`Noise::Proportional`] scales residuals up by.
const MAX_NOISE_GROWTH: f64 = 2.0;

/// One quantity read off the bootstrap (see [`calibrated`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrated {
    pub interval: Interval,
    /// Slope of the fit on the truth (1 when not measured).
    pub slope: f64,
    /// Its standard error after shrinkage towards 1.
    pub slope_sd: f64,
    /// Whether the point estimate is the inversion, not the plain bias correction
    /// (see [`calibrated`]).
    pub inverted: bool,
    /// Standard deviation of the estimate.
    pub sd: f64,
    /// Draws standing for the uncertainty about the truth, one per replicate (world a's,
    /// then world b's): the interval's centre less each scaled residual over the slope.
    pub draws: Vec<f64>,
}

/// How far world b steps past the fit, in units of world a's bias: the fit's slope
/// in the truth is typically 0.5–0.7 along the ridge, so a plain bias correction
/// (step 1) stops well short of the truth, and the line would be extrapolated from
/// below it, where the slope is steeper.
const WORLD_B_STEP: f64 = 2.0;

/// `x + step·(x − mean(xs))`: a bias-correction step, stretched.
fn corrected(x: f64, xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        x
    } else {
        x + WORLD_B_STEP * (x - sum / n as f64)
    }
}

/// The world the second half of the bootstrap is simulated from: the fit with a
/// stretched bias-correction step applied to every fraud and fair parameter.
fn corrected_world(full: &Fit, reps: &[Replicate], theta_range: (f64, f64)) -> (FairModel, Fraud) {
    let f = &full.fraud;
    let fraud = Fraud {
        f_incremental: corrected(f.f_incremental, reps.iter().map(|r| r.fraud.f_incremental))
            .clamp(0.0, 1.0),
        f_extreme: corrected(f.f_extreme, reps.iter().map(|r| r.fraud.f_extreme))
            .clamp(0.0, F_EXTREME_MAX),
        theta: corrected(f.theta, reps.iter().map(|r| r.fraud.theta))
            .clamp(theta_range.0, theta_range.1),
        steal_exponent: corrected(
            f.steal_exponent,
            reps.iter().map(|r| r.fraud.steal_exponent),
        )
        .clamp(ALPHA_RANGE.0, ALPHA_RANGE.1),
    };
    let mut fair = full.fair.clone();
    for (g, fg) in fair.groups.iter_mut().enumerate() {
        let field = |get: fn(&FairGroup) -> f64| {
            corrected(
                get(fg),
                reps.iter().filter_map(|r| r.fair.groups.get(g)).map(get),
            )
        };
        let turnout_center = field(|x| x.turnout_center);
        let share_center = field(|x| x.share_center);
        let turnout_spread = field(|x| x.turnout_spread).max(MIN_SPREAD);
        let share_spread = field(|x| x.share_spread).max(MIN_SPREAD);
        *fg = FairGroup {
            turnout_center,
            turnout_spread,
            share_center,
            share_spread,
        };
    }
    (fair, fraud)
}

/// What a simulated world really holds, in the order of [`Replicate::quantities`].
fn world_truth(fraud: &Fraud, sim: &Stations, planted: &SimTruth) -> [f64; 8] {
    let sum = |v: &[u32]| v.iter().map(|&x| f64::from(x)).sum::<f64>();
    let (reg, ballots, valid, winner) = (
        sum(&sim.registered),
        sum(&sim.ballots),
        sum(&sim.valid),
        sum(&sim.winner),
    );
    let added = planted.ballots_added;
    let ratio = |num: f64, den: f64| if den > 0.0 { num / den } else { 0.0 };
    [
        fraud.f_incremental,
        fraud.f_extreme,
        fraud.theta,
        fraud.steal_exponent,
        added,
        planted.votes_moved,
        ratio(ballots - added, reg),
        ratio(winner - added - planted.votes_moved, valid - added),
    ]
}

/// Runs the fit, the bootstrap and the test on `st`, with the binning `settings` choose.
///
/// [`BinningChoice::Auto`] runs the analysis region by region first, and keeps it when
/// its fit is about as good as its own replicates' ([`MISFIT_RATIO`]); otherwise it
/// stops it after the first half of the bootstrap and runs the national analysis, with
/// the same seed, so that the report is the national one exactly.
pub fn analyse(st: &Stations, settings: &Settings, seed: u64) -> Analysis {
    let (mut a, mut stopped) = analyse_binned(st, settings, seed);
    if settings.model == FingerprintModel::Default && a.p_value() < settings.alternative_below {
        let reported = Reported {
            sd: a.material.sd,
            sd_corner: a.material_extreme.sd,
            ratio: a.goodness_of_fit.ratio,
            stations: st.len(),
        };
        for alt in alternatives_to(a.procedure) {
            let read = alternative_reading(st, settings, seed, alt, &mut stopped, &reported);
            a.alternatives.push(read);
        }
    }
    a
}

/// [`analyse`] with the binning `settings` choose, before other fair models are tried;
/// with the plain model's per-region trial when it stopped.
fn analyse_binned(st: &Stations, settings: &Settings, seed: u64) -> (Analysis, Option<Stopped>) {
    let national = Procedure::of(settings.model);
    if settings.model == FingerprintModel::Paper {
        return (analyse_with(&st.national(), settings, seed, national), None);
    }
    let per_region = Procedure::per_region(st);
    match settings.binning {
        BinningChoice::National => (analyse_with(st, settings, seed, national), None),
        BinningChoice::PerRegion => (analyse_with(st, settings, seed, per_region), None),
        // With no region large enough, per-region cells are the national grid.
        BinningChoice::Auto
            if Cells::new(per_region.binning, st)
                .group_grids()
                .all(|g| g.is_none()) =>
        {
            (analyse_with(st, settings, seed, national), None)
        }
        BinningChoice::Auto => analyse_auto(st, settings, seed, per_region),
    }
}

/// Auto binning where regions have grids of their own. The plain fair model first:
/// where it fits region by region, the election shows no heterogeneity that needs the
/// size and turnout effects; then those effects region by region, then nationally.
fn analyse_auto(
    st: &Stations,
    settings: &Settings,
    seed: u64,
    per_region: Procedure,
) -> (Analysis, Option<Stopped>) {
    let plain = Procedure {
        covariates: false,
        ..per_region
    };
    let stopped = match analyse_gated(st, settings, seed, plain, Some(MISFIT_RATIO)) {
        Ok(a) => return (kept(a), None),
        Err(t) => t,
    };
    let a = match analyse_gated(st, settings, seed, per_region, Some(MISFIT_RATIO)) {
        Ok(a) => kept(a),
        Err(t) => {
            let mut a = analyse_with(st, settings, seed, Procedure::of(settings.model));
            a.per_region_trial = Some(PerRegionTrial {
                ratio: t.ratio,
                kept: false,
            });
            a
        }
    };
    (a, Some(*stopped))
}

/// A per-region analysis that passed its gate, marked as kept.
fn kept(mut a: Analysis) -> Analysis {
    let ratio = a.goodness_of_fit.ratio.unwrap_or(f64::INFINITY);
    a.per_region_trial = Some(PerRegionTrial { ratio, kept: true });
    a
}

/// A fit's distance over the mean of its replicates' (`None` without replicates).
fn replicate_ratio(distance: f64, replicates: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = replicates.fold((0.0, 0usize), |(s, n), d| (s + d, n + 1));
    (n > 0 && sum > 0.0).then(|| distance / (sum / n as f64))
}

/// [`analyse`] with procedure `proc_`.
fn analyse_with(st: &Stations, settings: &Settings, seed: u64, proc_: Procedure) -> Analysis {
    match analyse_gated(st, settings, seed, proc_, None) {
        Ok(a) => a,
        Err(_) => unreachable!("only a gate stops an analysis"),
    }
}

/// A gated analysis that stopped because its fit misfits: the fits and the ratio
/// that stopped it, which the other fair model's reading takes as they are.
struct Stopped {
    proc_: Procedure,
    fits: Fits,
    ratio: f64,
}

/// Bootstrap replicates after which a gated analysis stops when its ratio is already
/// this far past the gate (a clear misfit needs no more to show it).
const EARLY_REPLICATES: usize = ALT_REPLICATES;
const EARLY_FACTOR: f64 = 1.2;

/// The fits every analysis starts from, on the observed stations.
struct Fits {
    full: Fit,
    profile: Vec<ProfilePoint>,
    fair_only: Fit,
    /// Simulated stations per observed one.
    copies: usize,
}

impl Fits {
    fn run(st: &Stations, settings: &Settings, seed: u64, proc_: &Procedure) -> Fits {
        let copies = settings.min_simulated.div_ceil(st.len().max(1)).max(1);
        let crn = Crn::draw(st, copies, &mut batch_rng(seed, "fingerprint-crn", 0));
        let ((full, profile), fair_only) = rayon::join(
            || fit_with_profile(st, &crn, proc_, &profile_fractions()),
            || fit(st, &crn, proc_, false, Start::Grid),
        );
        Fits {
            full,
            profile,
            fair_only,
            copies,
        }
    }

    /// The distance drop from the fair-only fit to the full fit.
    fn drop(&self) -> f64 {
        (self.fair_only.distance - self.full.distance).max(0.0)
    }
}

/// How replicates are drawn and refitted for one analysis.
struct Replicator<'a> {
    st: &'a Stations,
    seed: u64,
    copies: usize,
    proc_: Procedure,
    /// The stream replicate `r` draws from: `batch_rng(seed, stream, r)`.
    stream: &'static str,
}

impl<'a> Replicator<'a> {
    /// Replicates of the analysis that fitted `fits` to `st`, drawn from `stream`.
    fn new(
        st: &'a Stations,
        seed: u64,
        fits: &Fits,
        proc_: Procedure,
        stream: &'static str,
    ) -> Replicator<'a> {
        Replicator {
            st,
            seed,
            copies: fits.copies,
            proc_,
            stream,
        }
    }

    /// Bootstrap replicate `r`: world `(fair, fraud)` from replicate `r`'s random
    /// numbers, refitted from the grid as the observed stations were, so that the
    /// replicates vary as much as the fit's own search does.
    fn replicate(&self, r: usize, fair: &FairModel, fraud: &Fraud) -> Replicate {
        let mut rng = batch_rng(self.seed, self.stream, r as u64);
        let (sim, planted) = simulate_stations(self.st, fair, fraud, &mut rng);
        let crn = Crn::draw(&sim, self.copies, &mut rng);
        let f = fit(&sim, &crn, &self.proc_, true, Start::Grid);
        Replicate::of(&f, world_truth(fraud, &sim, &planted), &planted)
    }

    /// Null replicate `r`: the distance drop on a world simulated from the fair-only fit.
    fn null_drop(&self, r: usize, fair: &FairModel) -> f64 {
        let mut rng = batch_rng(self.seed, "fingerprint-null", r as u64);
        let (sim, _) = simulate_stations(self.st, fair, &Fraud::NONE, &mut rng);
        let crn = Crn::draw(&sim, self.copies, &mut rng);
        let f0 = fit(&sim, &crn, &self.proc_, false, Start::Grid);
        let f1 = fit(&sim, &crn, &self.proc_, true, Start::Grid);
        (f0.distance - f1.distance).max(0.0)
    }
}

/// The first half of the bootstrap (world a, at the fit) and the null replicates, run
/// as one list of jobs. With a `gate`, stops after world a when the fit's
/// [`replicate_ratio`] exceeds it, or after its first [`EARLY_REPLICATES`] when the
/// ratio is already [`EARLY_FACTOR`] times past it, and returns that ratio.
fn first_half(
    rep: &Replicator,
    fits: &Fits,
    settings: &Settings,
    gate: Option<f64>,
) -> Result<(Vec<Replicate>, Vec<f64>), f64> {
    enum Out {
        Boot(Box<Replicate>),
        Null(f64),
    }
    let b_a = settings.replicates.div_ceil(2);
    let jobs = b_a + settings.null_replicates;
    let job = |j: usize| {
        if j < b_a {
            Out::Boot(Box::new(rep.replicate(
                j,
                &fits.full.fair,
                &fits.full.fraud,
            )))
        } else {
            Out::Null(rep.null_drop(j - b_a, &fits.fair_only.fair))
        }
    };
    let ratio = |outs: &[Out]| {
        let boot = outs.iter().filter_map(|o| match o {
            Out::Boot(r) => Some(r.distance),
            Out::Null(_) => None,
        });
        replicate_ratio(fits.full.distance, boot).unwrap_or(f64::INFINITY)
    };
    let mut outs = Vec::with_capacity(jobs);
    if let Some(max) = gate {
        // The same replicates in two steps: a clear misfit stops after the first.
        let early = EARLY_REPLICATES.min(b_a);
        outs = run_indexed(early, "fingerprint", job);
        let early_ratio = ratio(&outs);
        if early_ratio > max * EARLY_FACTOR {
            return Err(early_ratio);
        }
        outs.extend(run_indexed(b_a - early, "fingerprint", |j| job(early + j)));
        let full_ratio = ratio(&outs);
        if full_ratio > max {
            return Err(full_ratio);
        }
    }
    let first = outs.len();
    outs.extend(run_indexed(jobs - first, "fingerprint", |j| job(first + j)));
    let (mut reps, mut null) = (Vec::with_capacity(b_a), Vec::new());
    for o in outs {
        match o {
            Out::Boot(r) => reps.push(*r),
            Out::Null(d) => null.push(d),
        }
    }
    Ok((reps, null))
}

/// The test of "no fraud" from the observed drop and the null replicates' drops.
fn no_fraud_test(drop_obs: f64, null: Vec<f64>) -> NoFraudTest {
    let tail = GammaTail::fit(&null);
    let exceedances = null.iter().filter(|&&d| d >= drop_obs).count();
    let p_value = match (&tail, drop_obs > ZERO_ATOM) {
        (_, false) => 1.0,
        (Some(t), true) => t.sf(drop_obs),
        (None, true) => (1 + exceedances) as f64 / (null.len() + 1) as f64,
    };
    NoFraudTest {
        distance_drop: drop_obs,
        null_drops: null,
        tail,
        exceedances,
        p_value,
    }
}

/// The second half (world b): at the fit moved by a stretched bias correction when
/// `calibrate` (the default model reports fraud), paired with world a replicate by
/// replicate; otherwise more of world a, appended to `reps`. Returns world b.
fn second_half(
    rep: &Replicator,
    full: &Fit,
    reps: &mut Vec<Replicate>,
    total: usize,
    calibrate: bool,
) -> Vec<Replicate> {
    let b_a = reps.len();
    let (fair_b, fraud_b) = if calibrate {
        corrected_world(full, reps, rep.proc_.theta_range)
    } else {
        (full.fair.clone(), full.fraud)
    };
    let second = run_indexed(total.saturating_sub(b_a), "fingerprint", |r| {
        if calibrate {
            rep.replicate(r, &fair_b, &fraud_b)
        } else {
            rep.replicate(b_a + r, &full.fair, &full.fraud)
        }
    });
    if calibrate {
        second
    } else {
        reps.extend(second);
        Vec::new()
    }
}

/// Each quantity read off the bootstrap ([`calibrated`]); the paper's procedure
/// reports its fit as it is, with basic intervals, for comparison with the paper.
fn read_quantities(
    obs: [f64; 8],
    reps: &[Replicate],
    world_b: &[Replicate],
    proc_: &Procedure,
    correct_bias: bool,
) -> [Calibrated; 8] {
    let pairs = |w: &[Replicate], k: usize| -> Vec<(f64, f64)> {
        w.iter().map(|r| (r.truth[k], r.quantities()[k])).collect()
    };
    std::array::from_fn(|k| {
        let (range, noise) = QUANTITY_SCALES[k];
        // θ's range is the procedure's, whose floor depends on the grids.
        let range = if k == Q_THETA {
            proc_.theta_range
        } else {
            range
        };
        let c = calibrated(obs[k], &pairs(reps, k), &pairs(world_b, k), range, noise);
        if correct_bias {
            return c;
        }
        let fits: Vec<f64> = reps.iter().map(|r| r.quantities()[k]).collect();
        let iv = basic_interval(obs[k], &fits, range.0, range.1);
        Calibrated { interval: iv, ..c }
    })
}

/// The reported intervals: fraud quantities at 0 (intervals reaching 0) without
/// selected fraud, θ and α over their ranges where unidentified.
struct Readings {
    f_incremental: Interval,
    f_extreme: Interval,
    theta: Interval,
    steal_exponent: Interval,
    ballots_added: Interval,
    votes_moved: Interval,
    fair_turnout: Interval,
    fair_share: Interval,
    theta_identified: bool,
    steal_exponent_identified: bool,
}

impl Readings {
    fn of(cal: &[Calibrated; 8], fraud_selected: bool, fair_only: &Fit, proc_: &Procedure) -> Self {
        let fraud_est = |k: usize| -> Interval {
            let iv = cal[k].interval;
            if fraud_selected {
                iv
            } else {
                Interval {
                    estimate: 0.0,
                    ci_low: 0.0,
                    ci_high: iv.ci_high,
                }
            }
        };
        let f_incremental = fraud_est(Q_F_INCREMENTAL);
        let f_extreme = fraud_est(Q_F_EXTREME);
        let theta_identified = fraud_selected && f_incremental.ci_low > 0.0;
        let steal_exponent_identified =
            fraud_selected && (theta_identified || f_extreme.ci_low > 0.0);
        let range_or = |identified: bool, iv: Interval, range: (f64, f64)| {
            if identified {
                iv
            } else {
                Interval {
                    ci_low: range.0,
                    ci_high: range.1,
                    ..iv
                }
            }
        };
        let fair_est = |k: usize, fair_v: f64| -> Interval {
            let iv = cal[k].interval;
            if fraud_selected {
                iv
            } else {
                Interval {
                    estimate: fair_v,
                    ci_low: iv.ci_low.min(fair_v),
                    ci_high: iv.ci_high.max(fair_v),
                }
            }
        };
        Readings {
            f_incremental,
            f_extreme,
            theta: range_or(theta_identified, cal[Q_THETA].interval, proc_.theta_range),
            steal_exponent: range_or(
                steal_exponent_identified,
                cal[Q_STEAL_EXPONENT].interval,
                ALPHA_RANGE,
            ),
            ballots_added: fraud_est(Q_BALLOTS_ADDED),
            votes_moved: fraud_est(Q_VOTES_MOVED),
            fair_turnout: fair_est(Q_FAIR_TURNOUT, fair_only.fair_turnout),
            fair_share: fair_est(Q_FAIR_SHARE, fair_only.fair_share),
            theta_identified,
            steal_exponent_identified,
        }
    }
}

/// How well the full fit matches, against world a only: its replicates are
/// simulated from the fit itself. The fair parameters are pinned by each group's
/// quantiles, not fitted to the histogram: only the four fraud parameters use cells.
fn goodness_of_fit(full: &Fit, reps: &[Replicate]) -> GoodnessOfFit {
    let params = 4.0;
    let df = (full.used_cells as f64 - params).max(1.0);
    let worse = reps.iter().filter(|r| r.distance >= full.distance).count();
    GoodnessOfFit {
        distance: full.distance,
        df,
        per_df: full.distance / df,
        bootstrap_p: (!reps.is_empty()).then(|| worse as f64 / reps.len() as f64),
        ratio: replicate_ratio(full.distance, reps.iter().map(|r| r.distance)),
    }
}

/// The materiality tests on all the fitted stuffing and on its part in the corner.
/// Against world a alone, with the plain bias correction: the fit is shrunk towards no
/// stuffing, so under "at most the margin" this reading stays at or below the truth and
/// the test stays valid, without the calibration's noise.
/// An amount read off world a alone (no slope, constant noise): the plain bias
/// correction of `fit` by the (truth, fit) `pairs`, as the materiality tests and the
/// corner's parts read it.
fn plain_amount(fit: f64, pairs: &[(f64, f64)]) -> Calibrated {
    calibrated(fit, pairs, &[], (0.0, f64::MAX), Noise::Constant)
}

fn material_tests(
    full: &Fit,
    reps: &[Replicate],
    total_ballots: f64,
    fraud_selected: bool,
    margin: f64,
) -> (MaterialTest, MaterialTest) {
    let reading = |fit: f64, pairs: &[(f64, f64)]| {
        let plain = plain_amount(fit, pairs);
        let share = if fraud_selected {
            plain.interval.estimate / total_ballots
        } else {
            0.0
        };
        MaterialTest::with_sd(share, plain.sd / total_ballots, margin)
    };
    let all: Vec<(f64, f64)> = reps
        .iter()
        .map(|r| (r.truth[Q_BALLOTS_ADDED], r.quantities()[Q_BALLOTS_ADDED]))
        .collect();
    let corner: Vec<(f64, f64)> = reps.iter().map(|r| r.corner_ballots).collect();
    (
        reading(full.ballots_added, &all),
        reading(full.corner_ballots_added, &corner),
    )
}

/// [`analyse_with`], and with a `gate`, the analysis stops after the fit
/// and the first half of its bootstrap when the fit's [`replicate_ratio`] exceeds it,
/// and returns that ratio: a misfit per-region analysis is dropped before the null
/// replicates and the second half, which would be wasted.
fn analyse_gated(
    st: &Stations,
    settings: &Settings,
    seed: u64,
    proc_: Procedure,
    gate: Option<f64>,
) -> Result<Analysis, Box<Stopped>> {
    let fits = Fits::run(st, settings, seed, &proc_);
    let rep = Replicator::new(st, seed, &fits, proc_, "fingerprint");
    let (mut reps, null) = match first_half(&rep, &fits, settings, gate) {
        Ok(halves) => halves,
        Err(ratio) => return Err(Box::new(Stopped { proc_, fits, ratio })),
    };
    let test = no_fraud_test(fits.drop(), null);
    let fraud_selected = test.p_value < SELECT_P;
    let correct_bias = settings.model == FingerprintModel::Default;
    let world_b = second_half(
        &rep,
        &fits.full,
        &mut reps,
        settings.replicates,
        fraud_selected && correct_bias,
    );
    let cal = read_quantities(
        fits.full.quantities(),
        &reps,
        &world_b,
        &proc_,
        correct_bias,
    );
    let r = Readings::of(&cal, fraud_selected, &fits.fair_only, &proc_);
    let total_ballots = st.total_ballots().max(1.0);
    let room = st.corner_excess(EXTREME_TURNOUT);
    let (material, material_extreme) = material_tests(
        &fits.full,
        &reps,
        total_ballots,
        fraud_selected,
        settings.margin,
    );
    let mut a = Analysis {
        settings: *settings,
        procedure: proc_,
        per_region_trial: None,
        group_grids: Cells::new(proc_.binning, st).group_grids().collect(),
        stations: st.len(),
        copies: fits.copies,
        total_ballots: st.total_ballots(),
        histogram: histogram(st, Grid::FIT),
        group_names: st.group_names.clone(),
        group_sizes: group_sizes(st),
        goodness_of_fit: goodness_of_fit(&fits.full, &reps),
        fit: fits.full,
        fair_only: fits.fair_only,
        f_incremental: r.f_incremental,
        f_extreme: r.f_extreme,
        theta: r.theta,
        steal_exponent: r.steal_exponent,
        ballots_added: r.ballots_added,
        ballots_added_unread: None,
        votes_moved: r.votes_moved,
        votes_moved_unread: None,
        fair_turnout: r.fair_turnout,
        fair_share: r.fair_share,
        theta_identified: r.theta_identified,
        steal_exponent_identified: r.steal_exponent_identified,
        fraud_selected,
        profile: fits.profile,
        test,
        material,
        material_extreme,
        corner_room: room.0 / total_ballots,
        high_turnout_mixed: room.1 / total_ballots,
        corner_overshoot: None,
        calibration: cal,
        replicates: reps,
        corrected_replicates: world_b,
        alternatives: Vec::new(),
        sample: None,
    };
    reconcile(&mut a);
    Ok(a)
}

/// Makes the readings agree with each other: the whole stuffing is never less than
/// its part in the corner, every estimate lies in its interval, and the materiality
/// test's spread is at least what the ballots-added interval beside it shows (a test
/// that rejects "at most the margin" cannot stand beside an interval reaching 0).
fn reconcile(a: &mut Analysis) {
    let total = a.total_ballots.max(1.0);
    cap_corner(a, total);
    if a.fraud_selected && a.misfits() {
        read_corner_only(a, total);
    }
    if a.fraud_selected {
        let corner = a.material_extreme.share * total;
        a.ballots_added.estimate = a.ballots_added.estimate.max(corner);
    }
    for iv in [
        &mut a.f_incremental,
        &mut a.f_extreme,
        &mut a.theta,
        &mut a.steal_exponent,
        &mut a.ballots_added,
        &mut a.votes_moved,
        &mut a.fair_turnout,
        &mut a.fair_share,
    ] {
        iv.ci_low = iv.ci_low.min(iv.estimate);
        iv.ci_high = iv.ci_high.max(iv.estimate);
    }
    // The calibrated sd is the fit's spread over its slope in the truth: where more
    // stuffing of the fitted shape barely moves the fit, the amount is poorly
    // determined, however tight the fit's own spread.
    let b = a.ballots_added;
    let calibrated_sd = a.calibration.get(Q_BALLOTS_ADDED).map_or(0.0, |c| c.sd) / total;
    let interval_sd = ((b.estimate - b.ci_low).max(0.0) / NORMAL_95 / total).max(calibrated_sd);
    let m = a.material;
    if interval_sd > m.sd && m.share > 0.0 {
        a.material = MaterialTest::with_sd(m.share, interval_sd, m.margin);
    }
    // And the interval is at least as wide as the test's spread: an interval far above
    // the margin cannot stand beside a test that finds the amount not clearly above it.
    if a.material.share > 0.0 {
        widen(&mut a.ballots_added, NORMAL_95 * a.material.sd * total);
    }
}

/// Widens `iv` to at least its estimate ± `half`, never below 0.
fn widen(iv: &mut Interval, half: f64) {
    if half.is_finite() {
        iv.ci_low = iv.ci_low.min((iv.estimate - half).max(0.0));
        iv.ci_high = iv.ci_high.max(iv.estimate + half);
    }
}

/// The corner reading never exceeds what the observed stations there can hold
/// ([`Analysis::corner_room`]); what it overshoots is taken off the whole reading too,
/// which includes it. An honest population near 100% turnout (special stations, a
/// high-turnout region without its region column) makes a one-peak model put stuffing
/// at stations of ordinary size in a corner that the data leave nearly empty.
fn cap_corner(a: &mut Analysis, total: f64) {
    let (e, m) = (a.material_extreme, a.material);
    let over = e.share - a.corner_room;
    if over <= 0.0 {
        return;
    }
    a.corner_overshoot = Some(e.share);
    a.material_extreme = MaterialTest::with_sd(a.corner_room, e.sd, e.margin);
    let whole = (m.share - over).max(a.corner_room);
    a.material = MaterialTest::with_sd(whole, m.sd, m.margin);
    let cut = |iv: &mut Interval| {
        iv.estimate = (iv.estimate - over * total).max(0.0);
        iv.ci_low = (iv.ci_low - over * total).max(0.0);
        iv.ci_high = (iv.ci_high - over * total).max(iv.estimate);
    };
    cut(&mut a.ballots_added);
}

/// Where the fair model misfits, the incremental part cannot be told apart from the
/// election's own structure, so the ballots added and the votes moved read as the
/// corner's part: at least that (its bootstrap spread below), and no more than the
/// whole fit's upper bound. The whole fit's readings are kept beside them, not as the
/// headline.
fn read_corner_only(a: &mut Analysis, total: f64) {
    let corner = a.material_extreme.share.max(0.0) * total;
    let sd = a.material_extreme.sd * total;
    let mut whole = a.ballots_added;
    whole.estimate = whole.estimate.max(corner);
    whole.ci_high = whole.ci_high.max(whole.estimate);
    // The whole fit's reading is as uncertain as its materiality test says, at least.
    let calibrated = a.calibration.get(Q_BALLOTS_ADDED).map_or(0.0, |c| c.sd);
    widen(
        &mut whole,
        NORMAL_95 * (a.material.sd * total).max(calibrated),
    );
    a.ballots_added_unread = Some(whole);
    a.ballots_added = corner_part(corner, sd, &a.ballots_added);
    let pairs: Vec<(f64, f64)> = a.replicates.iter().map(|r| r.corner_votes).collect();
    let votes = plain_amount(a.fit.corner_votes_moved, &pairs);
    a.votes_moved_unread = Some(a.votes_moved);
    let moved = votes.interval.estimate.max(0.0);
    a.votes_moved = corner_part(moved, votes.sd, &a.votes_moved);
}

/// The corner's part `estimate` (bootstrap sd `sd`) of the whole fit's reading `whole`.
fn corner_part(estimate: f64, sd: f64, whole: &Interval) -> Interval {
    Interval {
        estimate,
        ci_low: (estimate - NORMAL_95 * sd).max(0.0),
        ci_high: whole.ci_high.max(estimate),
    }
}

/// The standard normal's 97.5th percentile.
// python3 -c "from scipy.stats import norm; print(repr(norm.ppf(0.975)))"
const NORMAL_95: f64 = 1.959_963_984_540_054;

/// Analyses for tests of the bookkeeping around the fit, here and in the check.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// An analysis of `n` identical stations with the fewest replicates it runs with.
    pub(crate) fn tiny_analysis_of(n: usize) -> Analysis {
        let settings = Settings {
            replicates: 2,
            null_replicates: 2,
            min_simulated: 50,
            ..Settings::default()
        };
        let st = Stations::alike(n, [500, 300, 290, 150], "(no region)");
        analyse(&st, &settings, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::tiny_analysis_of;
    use super::*;

    #[test]
    fn replicate_ratio_is_the_distance_over_the_replicates_mean() {
        assert_eq!(
            replicate_ratio(12.0, [4.0, 6.0, 8.0].into_iter()),
            Some(2.0)
        );
        assert_eq!(replicate_ratio(3.0, [3.0].into_iter()), Some(1.0));
        // Nothing to compare with.
        assert_eq!(replicate_ratio(3.0, std::iter::empty()), None);
        assert_eq!(replicate_ratio(3.0, [0.0, 0.0].into_iter()), None);
    }

    fn tiny_analysis() -> Analysis {
        tiny_analysis_of(5)
    }

    #[test]
    fn tiny_and_empty_inputs_do_not_panic() {
        for n in [0usize, 1, 5] {
            let a = tiny_analysis_of(n);
            assert!(a.test.p_value.is_finite());
            assert!(a.ballots_added.estimate.is_finite());
            assert_eq!(a.histogram.iter().map(|&c| c as usize).sum::<usize>(), n);
        }
    }

    /// A fit that selected stuffing and fits, over 10,000 ballots, with this ballots-added
    /// interval.
    fn fitted_10k_ballots(estimate: f64, ci_low: f64, ci_high: f64) -> Analysis {
        let mut a = tiny_analysis();
        a.fraud_selected = true;
        a.goodness_of_fit.ratio = Some(1.0);
        a.total_ballots = 10_000.0;
        a.ballots_added = Interval {
            estimate,
            ci_low,
            ci_high,
        };
        a
    }

    /// The corner's reading is cut to what the observed corner holds, and the whole
    /// reading loses what the corner overshot, never below the corner.
    #[test]
    fn the_corner_reads_no_more_than_the_observed_stations_there_hold() {
        let mut a = fitted_10k_ballots(300.0, 200.0, 400.0);
        a.material = MaterialTest::with_sd(0.03, 0.004, 0.005);
        a.material_extreme = MaterialTest::with_sd(0.02, 0.002, 0.005);
        a.corner_room = 0.001;
        reconcile(&mut a);
        assert_eq!(a.corner_overshoot, Some(0.02));
        assert_eq!(a.material_extreme.share, 0.001);
        assert!((a.material.share - 0.011).abs() < 1e-12);
        assert!(a.material_p() > 0.01, "{}", a.material_p());
        let b = a.ballots_added;
        assert!((b.estimate - 110.0).abs() < 1e-9, "{b:?}");
        assert!(b.ci_low <= b.estimate && b.estimate <= b.ci_high, "{b:?}");
    }

    #[test]
    fn the_corner_excess_is_the_corner_stations_ballots_above_the_rest_turnout() {
        let st = Stations {
            registered: vec![1000, 1000, 200, 100],
            ballots: vec![600, 500, 198, 96],
            valid: vec![590, 490, 195, 95],
            winner: vec![300, 250, 150, 92],
            group: vec![0; 4],
            group_names: vec!["all".into()],
            region: Vec::new(),
        };
        // The rest turn out 1100 / 2000 = 0.55: 96 − 55 with the winner at 97%, and
        // 198 − 110 with the winner under 95% (77%).
        let (unanimous, mixed) = st.corner_excess(0.95);
        assert!((unanimous - 41.0).abs() < 1e-9 && (mixed - 88.0).abs() < 1e-9);
    }

    /// A misfit reads the corner's part as the ballots added, keeps the whole fit's
    /// reading beside it, and keeps the whole fit's upper bound.
    /// A stuffing fit whose fair model misfits, reading `estimate` ballots added (interval
    /// from `ci_low` to 900) of 10,000, with room for 2% in the corner.
    fn misfit_adding(estimate: f64, ci_low: f64) -> Analysis {
        let mut a = tiny_analysis();
        a.fraud_selected = true;
        a.goodness_of_fit.ratio = Some(MISFIT_RATIO + 0.5);
        a.ballots_added = Interval {
            estimate,
            ci_low,
            ci_high: 900.0,
        };
        a.total_ballots = 10_000.0;
        a.corner_room = 0.02;
        a
    }

    #[test]
    fn a_misfit_reads_only_the_corner_as_ballots_added() {
        let mut a = misfit_adding(500.0, 100.0);
        let whole_votes = Interval {
            estimate: 200.0,
            ci_low: 50.0,
            ci_high: 600.0,
        };
        a.votes_moved = whole_votes;
        a.material_extreme = MaterialTest::with_sd(0.01, 0.002, 0.005);
        reconcile(&mut a);
        assert_eq!(a.corner_overshoot, None);
        let b = a.ballots_added;
        assert!((b.estimate - 100.0).abs() < 1e-9, "{b:?}");
        assert!(
            (b.ci_low - (100.0 - NORMAL_95 * 20.0)).abs() < 1e-9,
            "{b:?}"
        );
        assert_eq!(b.ci_high, 900.0);
        assert_eq!(a.ballots_added_unread.map(|u| u.estimate), Some(500.0));
        // The votes moved read the corner's part too, with the whole fit's kept.
        assert_eq!(a.votes_moved_unread, Some(whole_votes));
        assert!(a.votes_moved.estimate <= a.votes_moved.ci_high);
        assert!(a.votes_moved.ci_high >= whole_votes.ci_high);
    }

    /// A materiality test cannot be surer than the calibrated spread of the amount:
    /// where the fit barely follows more stuffing (a slope near its floor), the
    /// replicates' own spread understates how poorly the amount is known. A clean
    /// election with 24 hidden regions read 10% "added" at z 7 this way (the
    /// heterogeneity suite's hidden-regions seed 12).
    #[test]
    fn the_materiality_spread_is_at_least_the_calibrated_one() {
        let mut a = fitted_10k_ballots(1_000.0, 1_000.0, 5_000.0);
        a.material = MaterialTest::with_sd(0.1, 0.013, 0.005);
        a.calibration[Q_BALLOTS_ADDED].sd = 650.0;
        reconcile(&mut a);
        assert!((a.material.sd - 0.065).abs() < 1e-12, "{:?}", a.material);
        // python3 -c "from scipy.stats import norm; print(repr(norm.sf((0.1-0.005)/0.065)))"
        // 0.0719338642408076
        assert!((a.material.p_value / 0.0719338642408076 - 1.0).abs() < 1e-9);
        // The interval beside it is as wide: 1,000 ± 1.96 × 650 reaches 0, where it
        // started at the estimate.
        assert_eq!(a.ballots_added.ci_low, 0.0);
        assert_eq!(a.ballots_added.ci_high, 5_000.0);
        // A tighter calibrated spread leaves the test as it was.
        a.ballots_added = fitted_10k_ballots(1_000.0, 1_000.0, 5_000.0).ballots_added;
        a.material = MaterialTest::with_sd(0.1, 0.013, 0.005);
        a.calibration[Q_BALLOTS_ADDED].sd = 10.0;
        reconcile(&mut a);
        assert_eq!(a.material.sd, 0.013);
    }

    /// The whole fit's reading kept beside a misfit's corner is as wide as its own
    /// materiality test: a skewed clean election read 15.8% there with an interval
    /// starting at its estimate, beside a test whose sd was 10% of the ballots.
    #[test]
    fn a_misfits_whole_fit_reading_is_as_wide_as_its_test() {
        let mut a = misfit_adding(500.0, 500.0);
        a.material = MaterialTest::with_sd(0.05, 0.03, 0.005);
        a.material_extreme = MaterialTest::with_sd(0.0, 0.001, 0.005);
        reconcile(&mut a);
        let whole = a.ballots_added_unread.unwrap();
        // 500 ± 1.96 × 0.03 × 10,000 = 500 ± 588.
        assert_eq!(whole.ci_low, 0.0);
        assert!(
            (whole.ci_high - (500.0 + NORMAL_95 * 300.0)).abs() < 1e-9,
            "{whole:?}"
        );
    }

    /// The corner's votes moved read off the replicates as the ballots do: with no
    /// spread between fit and truth, the fit's own corner votes, with a zero-width lower
    /// side, under the whole fit's upper bound.
    #[test]
    fn a_misfit_reads_the_corner_votes_from_the_replicates() {
        let mut a = tiny_analysis();
        a.fraud_selected = true;
        a.goodness_of_fit.ratio = Some(MISFIT_RATIO + 0.5);
        a.fit.corner_votes_moved = 40.0;
        for (k, r) in a.replicates.iter_mut().enumerate() {
            let t = 30.0 + 10.0 * k as f64;
            r.corner_votes = (t, t);
        }
        a.votes_moved = Interval {
            estimate: 300.0,
            ci_low: 100.0,
            ci_high: 700.0,
        };
        reconcile(&mut a);
        let v = a.votes_moved;
        assert!((v.estimate - 40.0).abs() < 1e-9, "{v:?}");
        assert!((v.ci_low - 40.0).abs() < 1e-9, "{v:?}");
        assert_eq!(v.ci_high, 700.0);
        assert_eq!(a.votes_moved_unread.map(|u| u.estimate), Some(300.0));
    }

    #[test]
    fn material_test_matches_scipy() {
        // python3 -c "import numpy as np; from scipy.stats import norm; r=np.array([0.010,0.012,0.011,0.009,0.013]); sd=r.std(ddof=1); print(sd, norm.sf((0.011-0.005)/sd), norm.sf((0.004-0.005)/sd))"
        // 0.0015811388300841897 7.390115516722729e-05 0.736455371567231
        let sd = 0.0015811388300841897;
        let t = MaterialTest::with_sd(0.011, sd, 0.005);
        assert!((t.p_value / 7.390115516722729e-05 - 1.0).abs() < 1e-9);
        assert!((t.z.unwrap() - 0.006 / sd).abs() < 1e-12);
        let t = MaterialTest::with_sd(0.004, sd, 0.005);
        assert!((t.p_value / 0.736455371567231 - 1.0).abs() < 1e-9);
        // No spread: the margin decides.
        assert_eq!(MaterialTest::with_sd(0.02, 0.0, 0.005).p_value, 0.0);
        assert_eq!(MaterialTest::with_sd(0.0, 0.0, 0.005).p_value, 1.0);
    }

    #[test]
    fn quantiles_match_numpy() {
        // python3 -c "import numpy as np; x=[5.,1,4,2,3,9]; print(np.quantile(x,0.025), np.quantile(x,0.975))"
        // 1.125 8.5
        let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0, 9.0];
        v.sort_by(f64::total_cmp);
        assert!((quantile_sorted(&v, 0.025) - 1.125).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.975) - 8.5).abs() < 1e-12);
    }

    #[test]
    fn basic_interval_reflects_and_clips() {
        let reps = [5.0, 1.0, 4.0, 2.0, 3.0, 9.0];
        // 2·3 − 8.5 = −2.5 → clipped to 0; 2·3 − 1.125 = 4.875.
        let iv = basic_interval(3.0, &reps, 0.0, 10.0);
        assert_eq!(iv.ci_low, 0.0);
        assert!((iv.ci_high - 4.875).abs() < 1e-12);
        assert!(iv.covers(3.0) && !iv.covers(5.0));
    }
    /// Fit = 0.1 + 0.5·truth + noise, with world b's noise world a's plus a little.
    /// (truth, fit) per replicate of one world.
    type World = Vec<(f64, f64)>;

    fn two_worlds() -> (World, World) {
        let e = [0.03, -0.02, 0.01, -0.04, 0.02];
        let d = [0.001, -0.002, 0.0, 0.002, -0.001];
        let a = e.iter().map(|e| (1.0, 0.1 + 0.5 + e)).collect();
        let b = e
            .iter()
            .zip(d)
            .map(|(e, d)| (1.5, 0.1 + 0.75 + e + d))
            .collect();
        (a, b)
    }

    #[test]
    fn calibration_inverts_a_shrunk_fit_as_numpy_does() {
        // python3 -c "
        // import numpy as np
        // e=np.array([0.03,-0.02,0.01,-0.04,0.02]); d=np.array([0.001,-0.002,0.0,0.002,-0.001])
        // ta=np.ones(5); tb=np.full(5,1.5); ya=0.1+0.5*ta+e; yb=0.1+0.5*tb+e+d
        // dt=tb-ta; dy=yb-ya; raw=(dt*dy).sum()/(dt*dt).sum(); rss=((dy-raw*dt)**2).sum()
        // se2=rss/4/(dt*dt).sum(); w=0.0625/(0.0625+se2); s=1+w*(raw-1); ssd=np.sqrt(w*se2)
        // obs=1.1; est=tb.mean()+(obs-yb.mean())/s
        // r=np.concatenate([ya-ya.mean()-s*(ta-ta.mean()), yb-yb.mean()-s*(tb-tb.mean())])
        // share=((obs-yb.mean())*ssd/s)**2/((r*r).sum()/(len(r)-1))
        // r=r*np.sqrt(1+1/5+share)
        // lo,hi=np.quantile(r,0.025,method='weibull'),np.quantile(r,0.975,method='weibull')
        // print(repr(s),repr(ssd),repr(est),repr(est-hi/s),repr(est-lo/s),
        //       repr(np.sqrt((r*r).sum()/(len(r)-1))/s))"
        // 0.5000159994880164 0.001414190935499142 1.9999840010239347 1.9320497161516732
        // 2.087641142794595 0.06001474234277357
        let (a, b) = two_worlds();
        let c = calibrated(1.1, &a, &b, (0.0, 10.0), Noise::Constant);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
        assert!(close(c.slope, 0.5000159994880164), "{c:?}");
        assert!(close(c.slope_sd, 0.001414190935499142), "{c:?}");
        assert!(close(c.interval.estimate, 1.9999840010239347), "{c:?}");
        assert!(close(c.interval.ci_low, 1.9320497161516732), "{c:?}");
        assert!(close(c.interval.ci_high, 2.087641142794595), "{c:?}");
        assert!(close(c.sd, 0.06001474234277357), "{c:?}");
        // The uncorrected reading would have missed the truth (2) by far.
        assert!(
            !basic_interval(1.1, &a.iter().map(|p| p.1).collect::<Vec<_>>(), 0.0, 10.0).covers(2.0)
        );
    }

    #[test]
    fn calibration_without_a_second_world_is_a_bias_corrected_prediction_interval() {
        let (a, _) = two_worlds();
        let fits: Vec<f64> = a.iter().map(|p| p.1).collect();
        let c = calibrated(0.62, &a, &[], (0.0, 10.0), Noise::Constant);
        let mean = fits.iter().sum::<f64>() / 5.0;
        assert_eq!(c.slope, 1.0);
        // Bias-corrected: truth + (obs − mean fit) = 1 + 0.62 − 0.6.
        assert!((c.interval.estimate - (1.0 + 0.62 - mean)).abs() < 1e-12);
        // As wide as the fits' own prediction interval (type-6 quantiles), widened for
        // the anchor's uncertainty.
        let mut sorted = fits.clone();
        sorted.sort_by(f64::total_cmp);
        let q = |p: f64| type6_sorted(&sorted, p).unwrap();
        let width = |i: Interval| i.ci_high - i.ci_low;
        assert!(
            (width(c.interval) / (q(0.975) - q(0.025)) - (1.2f64).sqrt()).abs() < 1e-9,
            "{c:?}"
        );
    }

    #[test]
    fn a_slope_from_worlds_that_barely_differ_is_shrunk_towards_one() {
        // Truths 1 and 1.001, fits 0.5 apart at random: the raw slope is ±hundreds.
        let a: Vec<(f64, f64)> = (0..6).map(|i| (1.0, 0.6 + 0.01 * i as f64)).collect();
        let b: Vec<(f64, f64)> = (0..6)
            .map(|i| {
                (
                    1.001,
                    0.6 + 0.01 * i as f64 + if i % 2 == 0 { 0.3 } else { -0.2 },
                )
            })
            .collect();
        let c = calibrated(0.6, &a, &b, (0.0, 10.0), Noise::Constant);
        assert!((c.slope - 1.0).abs() < 0.01, "{c:?}");
    }
    #[test]
    fn a_line_too_flat_to_invert_reports_the_plain_correction() {
        // The fit hardly moves between truths 1 and 2 (raw slope 0.05, tightly paired):
        // the slope sits at its floor, below the invertible limit.
        let (a, _) = two_worlds();
        let b: Vec<(f64, f64)> = a.iter().map(|&(t, y)| (t + 1.0, y + 0.05)).collect();
        let c = calibrated(0.62, &a, &b, (0.0, 10.0), Noise::Constant);
        assert_eq!(c.slope, SLOPE_RANGE.0);
        // Plain: truth + obs − mean fit = 1 + 0.62 − 0.6; the inversion, 2 + (0.62 − 0.65)/0.2,
        // would say 1.85.
        assert!((c.interval.estimate - 1.02).abs() < 1e-12, "{c:?}");
        assert!(c.interval.covers(1.02) && c.interval.covers(1.85), "{c:?}");
    }
    #[test]
    fn an_inversion_past_the_range_reports_the_plain_correction() {
        // Slope 0.5 from truths 1 and 1.5; obs 1.1 inverts to 2, past a range topped at 1.8.
        let (a, b) = two_worlds();
        let c = calibrated(1.1, &a, &b, (0.0, 1.8), Noise::Constant);
        assert!(!c.inverted, "{c:?}");
        // Plain: 1 + 1.1 − 0.6.
        assert!((c.interval.estimate - 1.5).abs() < 1e-12, "{c:?}");
        assert_eq!(c.interval.ci_high, 1.8);
        assert!(calibrated(1.1, &a, &b, (0.0, 10.0), Noise::Constant).inverted);
    }
}
