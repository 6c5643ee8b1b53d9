//! The full fingerprint analysis: the fit, its parametric bootstrap, and the test of
//! "no fraud" with a fitted null tail.
//!
//! - The test: the distance drop from the fair-only fit to the full fit, against
//!   replicates simulated from the fair-only fit, with a gamma tail (plus an atom at
//!   zero) so that p can fall far below 1/(B+1).
//! - Estimates and intervals: replicates are simulated from the full fit (the
//!   observed stations' sizes, invalid rates and regions) and refitted with fresh
//!   common random numbers. The fit is biased along the f_i–θ ridge (towards less
//!   incremental fraud), so each estimate is bias-corrected, `2·fit − mean(replicates)`,
//!   and its 95% interval is the basic bootstrap interval `[2·fit − q97.5, 2·fit − q2.5]`,
//!   both clipped to the parameter's range. The paper model reports its raw fit
//!   (the paper's procedure has no such correction), with the same intervals.
//! - When the test does not reject "no fraud" at [`SELECT_P`], the fair-only fit is
//!   reported (no fraud), each fraud interval is widened down to 0, and θ and α are
//!   unidentified: the full fit then mostly describes noise, and would report
//!   fraud in clean elections.
//!
//! Replicate `r` of the bootstrap draws only from `batch_rng(seed, "fingerprint", r)`,
//! of the null from `batch_rng(seed, "fingerprint-null", r)`, and the main fit from
//! `batch_rng(seed, "fingerprint-crn", 0)`: results do not depend on the thread count.

use serde::{Deserialize, Serialize};

use super::batch_rng;
use super::fingerprint_model::{FingerprintModel, Fraud, Stations, simulate_stations};
use super::fit::{ALPHA_RANGE, Crn, Fit, Grid, Procedure, ProfilePoint, Start, THETA_RANGE};
use super::fit::{fit, fit_with_profile, histogram};
use super::runner::run_indexed;
use super::tail::{GammaTail, ZERO_ATOM};
use crate::stats::quantile::type7_sorted;
use crate::stats::tails::normal_sf;

/// Below this unadjusted p of the no-fraud test, the full fit is reported; at or
/// above it, the fair-only fit.
pub const SELECT_P: f64 = 0.01;

/// Default materiality margin: stuffing that adds at most this share of the ballots is
/// not flagged. It is the tolerance for clean elections (0.5% of ballots), and
/// sits above what fair-model misfit produces on real clean controls (Poland 2020:
/// 0.25% and 0.33%).
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            model: FingerprintModel::Default,
            replicates: 50,
            null_replicates: 30,
            min_simulated: 60_000,
            margin: DEFAULT_MARGIN,
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

/// The numbers one bootstrap replicate produced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Replicate {
    pub fraud: Fraud,
    pub ballots_added: f64,
    pub votes_moved: f64,
    pub fair_turnout: f64,
    pub fair_share: f64,
    pub distance: f64,
}

impl Replicate {
    fn of(f: &Fit) -> Replicate {
        Replicate {
            fraud: f.fraud,
            ballots_added: f.ballots_added,
            votes_moved: f.votes_moved,
            fair_turnout: f.fair_turnout,
            fair_share: f.fair_share,
            distance: f.distance,
        }
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
    /// The test for a reported share of `share`, bootstrap shares `reps` and `margin`.
    pub fn of(share: f64, reps: &[f64], margin: f64) -> MaterialTest {
        let v: Vec<f64> = reps.iter().copied().filter(|x| x.is_finite()).collect();
        let n = v.len() as f64;
        let sd = if v.len() > 1 {
            let mean = v.iter().sum::<f64>() / n;
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
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
}

/// Everything the fingerprint found.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub settings: Settings,
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
    pub votes_moved: Interval,
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
    pub material: MaterialTest,
    pub goodness_of_fit: GoodnessOfFit,
    pub replicates: Vec<Replicate>,
}

impl Analysis {
    /// The check's p-value: the intersection-union test of "no stuffing" and "not
    /// material" (see [`MaterialTest`]).
    pub fn p_value(&self) -> f64 {
        self.test.p_value.max(self.material.p_value)
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

/// Bootstrap bias correction `2·fit − mean(replicates)`, clipped to `[lo, hi]`.
pub fn bias_corrected(fit: f64, reps: &[f64], lo: f64, hi: f64) -> f64 {
    let v: Vec<f64> = reps.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return fit;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (2.0 * fit - mean).clamp(lo, hi)
}

/// Runs the fit, the bootstrap and the test on `st`.
pub fn analyse(st: &Stations, settings: &Settings, seed: u64) -> Analysis {
    let st = match settings.model {
        FingerprintModel::Default => st.clone(),
        FingerprintModel::Paper => st.national(),
    };
    let proc_ = Procedure::of(settings.model);
    let copies = settings.min_simulated.div_ceil(st.len().max(1)).max(1);
    let crn = Crn::draw(&st, copies, &mut batch_rng(seed, "fingerprint-crn", 0));
    let ((full, profile), fair_only) = rayon::join(
        || fit_with_profile(&st, &crn, &proc_, &profile_fractions()),
        || fit(&st, &crn, &proc_, false, Start::Grid),
    );
    drop(crn);
    let drop_obs = (fair_only.distance - full.distance).max(0.0);

    // Bootstrap refits start from the fit (the truth of their world): the grid
    // would only cost time. Null refits search from the grid, as the fit did.
    let start = Start::At {
        theta: full.fraud.theta,
        steal_exponent: full.fraud.steal_exponent,
    };
    // Bootstrap and null replicates run as one list of jobs.
    let b = settings.replicates;
    let jobs = b + settings.null_replicates;
    enum Out {
        Boot(Replicate),
        Null(f64),
    }
    let outs = run_indexed(jobs, "fingerprint", |j| {
        if j < b {
            let mut rng = batch_rng(seed, "fingerprint", j as u64);
            let (sim, _) = simulate_stations(&st, &full.fair, &full.fraud, &mut rng);
            let crn = Crn::draw(&sim, copies, &mut rng);
            Out::Boot(Replicate::of(&fit(&sim, &crn, &proc_, true, start)))
        } else {
            let mut rng = batch_rng(seed, "fingerprint-null", (j - b) as u64);
            let (sim, _) = simulate_stations(&st, &fair_only.fair, &Fraud::NONE, &mut rng);
            let crn = Crn::draw(&sim, copies, &mut rng);
            let f0 = fit(&sim, &crn, &proc_, false, Start::Grid);
            let f1 = fit(&sim, &crn, &proc_, true, Start::Grid);
            Out::Null((f0.distance - f1.distance).max(0.0))
        }
    });
    let mut reps = Vec::with_capacity(b);
    let mut null = Vec::with_capacity(settings.null_replicates);
    for o in outs {
        match o {
            Out::Boot(r) => reps.push(r),
            Out::Null(d) => null.push(d),
        }
    }

    let tail = GammaTail::fit(&null);
    let exceedances = null.iter().filter(|&&d| d >= drop_obs).count();
    let p_value = match (&tail, drop_obs > ZERO_ATOM) {
        (_, false) => 1.0,
        (Some(t), true) => t.sf(drop_obs),
        (None, true) => (1 + exceedances) as f64 / (null.len() + 1) as f64,
    };
    let fraud_selected = p_value < SELECT_P;

    let col = |f: &dyn Fn(&Replicate) -> f64| -> Vec<f64> { reps.iter().map(f).collect() };
    // The paper's procedure reports its fit as it is, for comparison with the paper.
    let correct_bias = settings.model == FingerprintModel::Default;
    let est = |fit: f64, reps: Vec<f64>, lo: f64, hi: f64| -> Interval {
        let iv = basic_interval(fit, &reps, lo, hi);
        let corrected = if correct_bias {
            bias_corrected(fit, &reps, lo, hi)
        } else {
            fit
        };
        Interval {
            estimate: corrected,
            ci_low: iv.ci_low.min(corrected),
            ci_high: iv.ci_high.max(corrected),
        }
    };
    // With no fraud selected, fraud quantities are 0 and their intervals reach 0.
    let fraud_est = |iv: Interval| -> Interval {
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
    let big = f64::MAX;
    let f_incremental = fraud_est(est(
        full.fraud.f_incremental,
        col(&|r| r.fraud.f_incremental),
        0.0,
        1.0,
    ));
    let f_extreme = fraud_est(est(
        full.fraud.f_extreme,
        col(&|r| r.fraud.f_extreme),
        0.0,
        1.0,
    ));
    let ballots_added = fraud_est(est(full.ballots_added, col(&|r| r.ballots_added), 0.0, big));
    let votes_moved = fraud_est(est(full.votes_moved, col(&|r| r.votes_moved), 0.0, big));
    let theta_identified = fraud_selected && f_incremental.ci_low > 0.0;
    let steal_exponent_identified = fraud_selected && (theta_identified || f_extreme.ci_low > 0.0);
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
    let theta = range_or(
        theta_identified,
        est(
            full.fraud.theta,
            col(&|r| r.fraud.theta),
            THETA_RANGE.0,
            THETA_RANGE.1,
        ),
        THETA_RANGE,
    );
    let steal_exponent = range_or(
        steal_exponent_identified,
        est(
            full.fraud.steal_exponent,
            col(&|r| r.fraud.steal_exponent),
            ALPHA_RANGE.0,
            ALPHA_RANGE.1,
        ),
        ALPHA_RANGE,
    );
    let fair_est = |full_v: f64, fair_v: f64, reps: Vec<f64>| -> Interval {
        let iv = est(full_v, reps, 0.0, 1.0);
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
    let fair_turnout = fair_est(
        full.fair_turnout,
        fair_only.fair_turnout,
        col(&|r| r.fair_turnout),
    );
    let fair_share = fair_est(
        full.fair_share,
        fair_only.fair_share,
        col(&|r| r.fair_share),
    );

    // The fair parameters are pinned by each region's quantiles, not fitted to the
    // histogram: only the four fraud parameters use up cells.
    let params = 4.0;
    let df = (full.used_cells as f64 - params).max(1.0);
    let worse = reps.iter().filter(|r| r.distance >= full.distance).count();
    let goodness_of_fit = GoodnessOfFit {
        distance: full.distance,
        df,
        per_df: full.distance / df,
        bootstrap_p: (!reps.is_empty()).then(|| worse as f64 / reps.len() as f64),
    };

    let total_ballots = st.total_ballots().max(1.0);
    let material = MaterialTest::of(
        ballots_added.estimate / total_ballots,
        &col(&|r| r.ballots_added / total_ballots),
        settings.margin,
    );

    let mut group_sizes = vec![0usize; st.n_groups()];
    for &g in &st.group {
        if let Some(c) = group_sizes.get_mut(g as usize) {
            *c += 1;
        }
    }
    Analysis {
        settings: *settings,
        stations: st.len(),
        copies,
        total_ballots: st.total_ballots(),
        histogram: histogram(&st, Grid::FIT),
        group_names: st.group_names.clone(),
        group_sizes,
        fit: full,
        fair_only,
        f_incremental,
        f_extreme,
        theta,
        steal_exponent,
        ballots_added,
        votes_moved,
        fair_turnout,
        fair_share,
        theta_identified,
        steal_exponent_identified,
        fraud_selected,
        profile,
        test: NoFraudTest {
            distance_drop: drop_obs,
            null_drops: null,
            tail,
            exceedances,
            p_value,
        },
        material,
        goodness_of_fit,
        replicates: reps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_and_empty_inputs_do_not_panic() {
        use crate::montecarlo::fingerprint_model::Stations;
        let settings = Settings {
            replicates: 2,
            null_replicates: 2,
            min_simulated: 50,
            ..Settings::default()
        };
        for n in [0usize, 1, 5] {
            let st = Stations {
                registered: vec![500; n],
                ballots: vec![300; n],
                valid: vec![290; n],
                winner: vec![150; n],
                group: vec![0; n],
                group_names: vec!["all".into()],
                region: vec![],
            };
            let a = analyse(&st, &settings, 1);
            assert!(a.test.p_value.is_finite());
            assert!(a.ballots_added.estimate.is_finite());
            assert_eq!(a.histogram.iter().map(|&c| c as usize).sum::<usize>(), n);
        }
    }

    #[test]
    fn material_test_matches_scipy() {
        // python3 -c "import numpy as np; from scipy.stats import norm; r=np.array([0.010,0.012,0.011,0.009,0.013]); sd=r.std(ddof=1); print(sd, norm.sf((0.011-0.005)/sd), norm.sf((0.004-0.005)/sd))"
        // 0.0015811388300841897 7.390115516722729e-05 0.736455371567231
        let reps = [0.010, 0.012, 0.011, 0.009, 0.013];
        let t = MaterialTest::of(0.011, &reps, 0.005);
        assert!((t.sd - 0.0015811388300841897).abs() < 1e-15);
        assert!((t.p_value / 7.390115516722729e-05 - 1.0).abs() < 1e-9);
        let t = MaterialTest::of(0.004, &reps, 0.005);
        assert!((t.p_value / 0.736455371567231 - 1.0).abs() < 1e-9);
        // No spread: the margin decides.
        assert_eq!(MaterialTest::of(0.02, &[0.02; 4], 0.005).p_value, 0.0);
        assert_eq!(MaterialTest::of(0.0, &[], 0.005).p_value, 1.0);
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
}
