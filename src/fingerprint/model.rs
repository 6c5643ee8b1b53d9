//! The election fingerprint's generative model: fair stations, then the ballot stuffing
//! of Klimek, Yegorov, Hanel and Thurner (PNAS 2012).
//!
//! A fair station with `N` registered voters has turnout `a` and winner share `ν` drawn
//! from its region's distribution; ballots, invalid ballots and the winner's votes are
//! then binomial. With probability `f_i` it is stuffed incrementally, with intensity
//! `x ~ |N(0, θ)|`; with probability `f_e` extremely, with `x = 1 − |N(0, 0.075)|`.
//! Stuffing adds `x(N − B)` ballots, all for the winner, and moves `x^α` of the other
//! candidates' votes to the winner, so the winner gets `N[aν + x(1−a) + x^α a(1−ν)]`
//! and turnout becomes `a + x(1−a)` (α is the stealing exponent).

use rand::RngExt as _;
use rand_distr::StandardNormal;
use serde::Serialize;

pub use super::fair::*;
pub use super::stuffing::{
    EXTREME_SD, Fraud, FraudKind, extreme_intensity, fraud_kind, in_extreme_corner,
    incremental_intensity, steal_share,
};
use crate::data::Dataset;
use crate::montecarlo::Rng;

/// Stations with fewer registered voters are left out, as in Klimek et al.
pub const MIN_REGISTERED: u64 = 100;
/// Regions with fewer included stations are pooled into one group, since a median and
/// a spread from a handful of stations would only add noise.
pub const MIN_GROUP_STATIONS: usize = 30;

/// The one group's name when every region has fewer than [`MIN_GROUP_STATIONS`].
pub const ALL_SMALL_REGIONS: &str = "(all stations)";

/// Which fingerprint procedure to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FingerprintModel {
    /// Logit-normal fair model per region, θ fitted, Poisson deviance on a 50×50 grid.
    #[default]
    Default,
    /// Klimek et al.'s procedure: one national normal fair model with spreads from the
    /// deviations below the modes, θ held fixed, squared relative distance on 100×100.
    Paper,
}

impl FingerprintModel {
    /// The name used in the report and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FingerprintModel::Default => "default",
            FingerprintModel::Paper => "paper",
        }
    }
}

/// The stations a fingerprint is fitted to, as counts (one entry per included station).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stations {
    /// Registered voters, at least [`MIN_REGISTERED`].
    pub registered: Vec<u32>,
    /// Ballots cast, at most `registered`.
    pub ballots: Vec<u32>,
    /// Valid votes, at least 1.
    pub valid: Vec<u32>,
    /// The winner's votes, at most `valid`.
    pub winner: Vec<u32>,
    /// Fitting group of each station: a region, or the pool of small regions.
    pub group: Vec<u32>,
    /// Name of each group.
    pub group_names: Vec<String>,
    /// Each station's region slot in the source data: the dataset's region index, or
    /// the number of regions for a station without one. Empty for simulated stations.
    pub region: Vec<u32>,
}

/// Why stations were left out of the fingerprint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// Fewer than [`MIN_REGISTERED`] registered voters.
    pub small: u64,
    /// No registered voters, or ballots above registered: turnout undefined.
    pub no_turnout: u64,
    /// No valid votes: winner share undefined.
    pub no_valid: u64,
    /// A count too large to be real (above 2^32).
    pub implausible: u64,
}

impl Stations {
    /// Number of stations.
    pub fn len(&self) -> usize {
        self.registered.len()
    }

    /// Whether there are no stations.
    pub fn is_empty(&self) -> bool {
        self.registered.is_empty()
    }

    /// The included stations of `data`: registered ≥ 100, turnout defined, valid > 0.
    /// Each region (region × stratum, with strata) is a group; groups with fewer than
    /// [`MIN_GROUP_STATIONS`] included stations are pooled.
    pub fn from_dataset(data: &Dataset) -> (Stations, LeftOut) {
        let mut left = LeftOut::default();
        let mut st = Stations::default();
        let mut raw_group: Vec<usize> = Vec::new();
        let mut raw_region: Vec<usize> = Vec::new();
        // Region indices that are out of range share the "no region" slot; groups are
        // region × stratum when strata are given.
        let none_slot = data.regions.len();
        let strata = data.strata.len();
        for (i, s) in data.stations.iter().enumerate() {
            let Some(reg) = s.registered.map(u64::from) else {
                left.no_turnout += 1;
                continue;
            };
            if s.turnout().is_none() {
                left.no_turnout += 1;
                continue;
            }
            if reg < MIN_REGISTERED {
                left.small += 1;
                continue;
            }
            if s.valid == 0 {
                left.no_valid += 1;
                continue;
            }
            let w = data
                .votes
                .get(i * data.n_candidates() + data.winner)
                .copied()
                .unwrap_or(0)
                .min(s.valid);
            #[allow(clippy::useless_conversion)]
            let (Ok(r), Ok(b), Ok(v), Ok(w)) = (
                u32::try_from(reg),
                u32::try_from(s.ballots),
                u32::try_from(s.valid),
                u32::try_from(w),
            ) else {
                left.implausible += 1;
                continue;
            };
            st.registered.push(r);
            st.ballots.push(b);
            st.valid.push(v);
            st.winner.push(w);
            let region = s
                .region
                .get()
                .map(|g| g as usize)
                .filter(|g| *g < none_slot);
            let stratum = s.stratum.get().map(|k| k as usize).filter(|k| *k < strata);
            raw_region.push(region.unwrap_or(none_slot));
            raw_group.push(region.unwrap_or(none_slot) * (strata + 1) + stratum.unwrap_or(strata));
        }
        let names = |g: usize| -> String {
            let region = data
                .regions
                .get(g / (strata + 1))
                .cloned()
                .unwrap_or_else(|| "(no region)".to_string());
            match data.strata.get(g % (strata + 1)) {
                Some(k) => format!("{region} / {k}"),
                None if strata > 0 => format!("{region} / (no stratum)"),
                None => region,
            }
        };
        st.assign_groups(&raw_group, (none_slot + 1) * (strata + 1), names);
        st.region = raw_region.iter().map(|&g| g as u32).collect();
        (st, left)
    }

    /// Builds groups from raw region slots: slots with enough stations keep their own
    /// group (in slot order), the rest share one pooled group.
    fn assign_groups(&mut self, raw: &[usize], slots: usize, name: impl Fn(usize) -> String) {
        let mut size = vec![0usize; slots];
        for &g in raw {
            if let Some(c) = size.get_mut(g) {
                *c += 1;
            }
        }
        let mut map = vec![u32::MAX; slots];
        let mut names = Vec::new();
        for (g, &n) in size.iter().enumerate() {
            if n >= MIN_GROUP_STATIONS {
                map[g] = names.len() as u32;
                names.push(name(g));
            }
        }
        let pooled = size
            .iter()
            .enumerate()
            .any(|(g, &n)| n > 0 && map[g] == u32::MAX);
        if pooled || names.is_empty() {
            let id = names.len() as u32;
            names.push(if names.is_empty() && slots == 1 {
                name(0)
            } else if names.is_empty() {
                ALL_SMALL_REGIONS.to_string()
            } else {
                format!("(regions under {MIN_GROUP_STATIONS} stations, pooled)")
            });
            for m in map.iter_mut().filter(|m| **m == u32::MAX) {
                *m = id;
            }
        }
        self.group = raw
            .iter()
            .map(|&g| map.get(g).copied().unwrap_or(0))
            .collect();
        self.group_names = names;
    }

    /// The same stations in one national group (the paper model has no regions).
    pub fn national(&self) -> Stations {
        Stations {
            group: vec![0; self.len()],
            group_names: vec!["(national)".to_string()],
            ..self.clone()
        }
    }

    /// Number of groups.
    pub fn n_groups(&self) -> usize {
        self.group_names.len().max(1)
    }

    /// Share of station `i`'s ballots that were not valid votes (0 when unknown).
    pub fn invalid_rate(&self, i: usize) -> f64 {
        let b = self.ballots.get(i).copied().unwrap_or(0);
        let v = self.valid.get(i).copied().unwrap_or(0);
        if b > 0 && v < b {
            f64::from(b - v) / f64::from(b)
        } else {
            0.0
        }
    }

    /// Turnout of station `i`.
    pub fn turnout(&self, i: usize) -> f64 {
        f64::from(self.ballots[i]) / f64::from(self.registered[i]).max(1.0)
    }

    /// Winner share of station `i`.
    pub fn share(&self, i: usize) -> f64 {
        f64::from(self.winner[i]) / f64::from(self.valid[i]).max(1.0)
    }

    /// Total ballots.
    pub fn total_ballots(&self) -> f64 {
        self.ballots.iter().map(|&b| f64::from(b)).sum()
    }

    /// The ballots above the other stations' turnout at the stations with turnout
    /// `corner` or more, split by the winner's share: (at least `corner` for the winner,
    /// less). The first is the most that extreme stuffing can have added (unless their
    /// honest turnout was below the rest's), whatever a fitted model reads into the
    /// corner: a model that fits badly can put stuffing in a corner the data leave
    /// empty. The second is no room for it: stuffing that moves no votes and an honest
    /// high-turnout population (barracks, hospitals, prisons) both put stations there.
    pub fn corner_excess(&self, corner: f64) -> (f64, f64) {
        let high = |i: usize| f64::from(self.ballots[i]) >= corner * f64::from(self.registered[i]);
        let (mut rest_b, mut rest_r) = (0.0, 0.0);
        for i in (0..self.len()).filter(|&i| !high(i)) {
            rest_b += f64::from(self.ballots[i]);
            rest_r += f64::from(self.registered[i]);
        }
        let rest_turnout = if rest_r > 0.0 { rest_b / rest_r } else { 0.0 };
        let (mut unanimous, mut mixed) = (0.0, 0.0);
        for i in (0..self.len()).filter(|&i| high(i)) {
            let excess = (f64::from(self.ballots[i])
                - rest_turnout * f64::from(self.registered[i]))
            .max(0.0);
            match f64::from(self.winner[i]) >= corner * f64::from(self.valid[i]) {
                true => unanimous += excess,
                false => mixed += excess,
            }
        }
        (unanimous, mixed)
    }
}

impl Stations {
    /// `n` identical stations of `registered`, `ballots`, `valid` and `winner` in one
    /// group named `name`: the unit tests' fixture.
    #[cfg(test)]
    pub(crate) fn alike(n: usize, counts: [u32; 4], name: &str) -> Stations {
        let [registered, ballots, valid, winner] = counts;
        Stations {
            registered: vec![registered; n],
            ballots: vec![ballots; n],
            valid: vec![valid; n],
            winner: vec![winner; n],
            group: vec![0; n],
            group_names: vec![name.into()],
            region: Vec::new(),
        }
    }
}

/// The logistic function.
#[inline]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What a simulated election's fraud really did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SimTruth {
    pub ballots_added: f64,
    /// The part of `ballots_added` from extreme stuffing.
    pub extreme_ballots_added: f64,
    /// The part of `ballots_added` at stations stuffing put in the extreme corner
    /// ([`super::stuffing::EXTREME_TURNOUT`]).
    pub corner_ballots_added: f64,
    pub votes_moved: f64,
    /// The part of `votes_moved` at those stations.
    pub corner_votes_moved: f64,
    pub incremental_stations: u64,
    pub extreme_stations: u64,
}

/// Binomial draws above this variance use the rounded normal approximation: exact
/// sampling costs more than the rest of a bootstrap replicate, and at this size the
/// two differ by far less than a histogram cell.
const NORMAL_ABOVE_VARIANCE: f64 = 25.0;

/// A binomial draw that takes exactly one standard normal and one uniform from `rng`,
/// whatever `n` and `p`: worlds simulated from the same seed then stay paired station
/// by station (the bootstrap compares two such worlds). Large variances use the
/// normal, small ones invert the exact distribution at the uniform.
fn binomial(n: u64, p: f64, rng: &mut Rng) -> u64 {
    let p = p.clamp(0.0, 1.0);
    let z: f64 = rng.sample(StandardNormal);
    let u: f64 = rng.random();
    let var = n as f64 * p * (1.0 - p);
    if var >= NORMAL_ABOVE_VARIANCE {
        return (n as f64 * p + z * var.sqrt() + 0.5).clamp(0.0, n as f64) as u64;
    }
    // Count the rarer outcome, so that the search is short (its mean is below 50).
    let (q, flip) = if p <= 0.5 {
        (p, false)
    } else {
        (1.0 - p, true)
    };
    let k = binomial_inverse(n, q, u);
    if flip { n - k } else { k }
}

/// The smallest `k` with `P(X ≤ k) ≥ u` for `X ~ Binomial(n, q)`, `q ≤ 0.5` and a small
/// mean, by summing the pmf from 0.
fn binomial_inverse(n: u64, q: f64, u: f64) -> u64 {
    if q <= 0.0 || n == 0 {
        return 0;
    }
    let ratio = q / (1.0 - q);
    let mut pmf = (n as f64 * (-q).ln_1p()).exp();
    let mut cdf = pmf;
    let mut k = 0u64;
    while cdf < u && k < n {
        pmf *= (n - k) as f64 / (k + 1) as f64 * ratio;
        k += 1;
        cdf += pmf;
        // Rounding can leave the sum just short of a `u` near 1.
        if pmf < 1e-300 && cdf < u {
            break;
        }
    }
    k
}

/// One simulated station, as [`simulate_each`] hands it over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimStation {
    /// Index of the template station it copies.
    pub template: usize,
    pub registered: u32,
    pub ballots: u32,
    pub valid: u32,
    pub winner: u32,
    pub group: u32,
    pub kind: FraudKind,
    /// Ballots stuffing added (all for the winner).
    pub added: u64,
    /// Votes stuffing moved from the others to the winner.
    pub moved: u64,
    /// Stuffing's intensity: the share of the non-voters whose ballots it cast.
    pub intensity: f64,
}

impl SimStation {
    /// Turnout and the winner's share of valid votes.
    pub fn rates(&self) -> (f64, f64) {
        (
            self.turnout(),
            f64::from(self.winner) / f64::from(self.valid.max(1)),
        )
    }

    /// Ballots cast over registered voters.
    pub fn turnout(&self) -> f64 {
        f64::from(self.ballots) / f64::from(self.registered.max(1))
    }
}

/// Simulates one station per template station from `fair` plus `fraud`, with binomial
/// noise and whole added and moved votes, and hands each to `sink`. Stations left with
/// no valid votes are skipped, as the fit would leave them out.
pub fn simulate_each(
    template: &Stations,
    fair: &FairModel,
    fraud: &Fraud,
    rng: &mut Rng,
    mut sink: impl FnMut(SimStation),
) {
    let size = SizeCovariate::of(template);
    for i in 0..template.len() {
        let n = u64::from(template.registered[i]);
        let g = template.group[i];
        let zt: f64 = rng.sample(StandardNormal);
        let zs: f64 = rng.sample(StandardNormal);
        let (turnout, share) = fair.draw(g, zt, zs, size.rank[i]);
        let b0 = binomial(n, turnout, rng);
        let i0 = binomial(b0, template.invalid_rate(i), rng);
        let v0 = b0 - i0;
        let w0 = binomial(v0, share, rng);
        let u: f64 = rng.random();
        let zx: f64 = rng.sample(StandardNormal);
        let kind = fraud_kind(u, fraud);
        let x = match kind {
            FraudKind::Fair => 0.0,
            FraudKind::Incremental => incremental_intensity(fraud.theta, zx),
            FraudKind::Extreme => extreme_intensity(zx),
        };
        let (mut added, mut moved) = (0, 0);
        if x > 0.0 {
            added = (x * (n - b0) as f64).round() as u64;
            moved = (steal_share(x, fraud.steal_exponent) * (v0 - w0) as f64).round() as u64;
        }
        let (b, v, w) = (b0 + added, v0 + added, w0 + added + moved);
        if v == 0 {
            continue;
        }
        // All four fit in u32: b <= n, v <= b, w <= v.
        sink(SimStation {
            template: i,
            registered: n as u32,
            ballots: b as u32,
            valid: v as u32,
            winner: w as u32,
            group: g,
            kind,
            added,
            moved,
            intensity: x,
        });
    }
}

/// Simulates stations with `template`'s registered voters, invalid rates and groups
/// (see [`simulate_each`]), with what the fraud did to the stations kept.
pub fn simulate_stations(
    template: &Stations,
    fair: &FairModel,
    fraud: &Fraud,
    rng: &mut Rng,
) -> (Stations, SimTruth) {
    let mut out = Stations {
        group_names: template.group_names.clone(),
        ..Stations::default()
    };
    let mut truth = SimTruth::default();
    simulate_each(template, fair, fraud, rng, |s| {
        match s.kind {
            FraudKind::Fair => {}
            FraudKind::Incremental => truth.incremental_stations += 1,
            FraudKind::Extreme => {
                truth.extreme_stations += 1;
                truth.extreme_ballots_added += s.added as f64;
            }
        }
        truth.ballots_added += s.added as f64;
        if s.added > 0 && in_extreme_corner(s.turnout(), s.intensity) {
            truth.corner_ballots_added += s.added as f64;
            truth.corner_votes_moved += s.moved as f64;
        }
        truth.votes_moved += s.moved as f64;
        out.registered.push(s.registered);
        out.ballots.push(s.ballots);
        out.valid.push(s.valid);
        out.winner.push(s.winner);
        out.group.push(s.group);
    });
    (out, truth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::batch_rng;

    #[test]
    fn lower_quantiles_recover_a_logit_normal() {
        // A logit-normal's own 5th and 25th percentiles give back its location and scale.
        // python3 -c "from scipy.stats import norm; from scipy.special import expit;
        //   print(repr(expit(norm.ppf(0.05, 0.4, 0.3))), repr(expit(norm.ppf(0.25, 0.4, 0.3))))"
        // 0.47665296833203774 0.5492530267838034
        let (lo, hi) = (0.476_652_968_332_037_74, 0.549_253_026_783_803_4);
        // 21 points whose 5th and 25th percentiles (numpy) are exactly lo and hi.
        let mut v = vec![0.3, lo, 0.5, 0.52, 0.53, hi];
        v.extend((0..15).map(|i| 0.6 + 0.01 * f64::from(i)));
        let mut v: Vec<f64> = v.into_iter().map(logit).collect();
        let f = LowerFit::of_logits(&mut v);
        assert!(
            (f.center(f.scale) - 0.4).abs() < 1e-9 && (f.scale - 0.3).abs() < 1e-9,
            "{f:?}"
        );
    }

    #[test]
    fn spreads_that_differ_by_noise_are_pooled() {
        // Equal sizes; the spreads differ far less than their noise (7% at n = 1000).
        let mut s = vec![0.30, 0.31, 0.29, 0.30];
        shrink_spreads(&mut s, &[1000; 4]);
        assert!(s.iter().all(|&x| (x - 0.30).abs() < 1e-12), "{s:?}");
        // Spreads that differ far more than their noise are mostly kept:
        // python3 -c "import numpy as np; s=np.array([0.2,0.4,0.6,0.8]); n=1000;
        //   K=4.284101484855336; noise=K*s**2/n; m=s.mean();
        //   b=max(0,np.mean((s-m)**2)-noise.mean()); k=b/(b+noise); print(list(m+k*(s-m)))"
        // [0.20105161144925576, 0.4013875568918679, 0.5969312232720285, 0.7840147313865732]
        let mut s = vec![0.2, 0.4, 0.6, 0.8];
        shrink_spreads(&mut s, &[1000; 4]);
        let want = [
            0.201_051_611_449_255_76,
            0.401_387_556_891_867_9,
            0.596_931_223_272_028_5,
            0.784_014_731_386_573_2,
        ];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
    }

    #[test]
    fn rms_below_mode_by_hand() {
        // Values below 0.5: 0.2 and 0.4 -> sqrt((0.09 + 0.01) / 2).
        let v = [0.2, 0.4, 0.5, 0.9];
        assert!((rms_below(&v, 0.5) - (0.05f64).sqrt()).abs() < 1e-15);
        assert_eq!(rms_below(&[], 0.5), 0.0);
    }

    #[test]
    fn fraud_kinds_follow_the_uniform() {
        let f = Fraud {
            f_incremental: 0.3,
            f_extreme: 0.05,
            ..Fraud::NONE
        };
        assert_eq!(fraud_kind(0.01, &f), FraudKind::Extreme);
        assert_eq!(fraud_kind(0.5, &f), FraudKind::Fair);
        assert_eq!(fraud_kind(0.8, &f), FraudKind::Incremental);
        assert_eq!(extreme_intensity(0.0), 1.0);
        assert_eq!(extreme_intensity(100.0), 0.0);
        assert_eq!(incremental_intensity(0.5, -4.0), 1.0);
    }

    fn template(n: usize) -> Stations {
        Stations::alike(n, [1000, 600, 590, 300], "a")
    }

    #[test]
    fn simulated_fraud_adds_what_the_model_says() {
        let fair = FairModel {
            shape: FairShape::LogitNormal,
            covariates: Default::default(),
            groups: vec![FairGroup {
                turnout_center: 0.0,
                turnout_spread: 0.2,
                share_center: 0.0,
                share_spread: 0.2,
            }],
        };
        let fraud = Fraud {
            f_incremental: 0.0,
            f_extreme: 1.0,
            theta: 0.1,
            steal_exponent: 1.0,
        };
        let (st, truth) =
            simulate_stations(&template(2000), &fair, &fraud, &mut batch_rng(1, "t", 0));
        assert_eq!(truth.extreme_stations, 2000);
        // Every station near 100% turnout and share.
        let mean_t: f64 = (0..st.len()).map(|i| st.turnout(i)).sum::<f64>() / st.len() as f64;
        assert!(mean_t > 0.9, "{mean_t}");
        // E[x] = 1 - 0.075 sqrt(2/pi); ballots added = E[x] * (N - B0) summed.
        let ex = 1.0 - EXTREME_SD * (2.0 / std::f64::consts::PI).sqrt();
        let expect = ex * 0.5 * 1000.0 * 2000.0;
        assert!(
            (truth.ballots_added / expect - 1.0).abs() < 0.03,
            "{}",
            truth.ballots_added
        );
    }

    #[test]
    fn simulation_is_seeded() {
        let t = template(50);
        let fair = initial_fair_logit(&t, &SizeCovariate::of(&t), true, Default::default());
        let a = simulate_stations(
            &template(50),
            &fair,
            &Fraud::NONE,
            &mut batch_rng(3, "t", 0),
        );
        let b = simulate_stations(
            &template(50),
            &fair,
            &Fraud::NONE,
            &mut batch_rng(3, "t", 0),
        );
        assert_eq!(a, b);
        assert_eq!(a.1.ballots_added, 0.0);
    }

    #[test]
    fn small_regions_are_pooled() {
        let mut st = template(100);
        let raw: Vec<usize> = (0..100)
            .map(|i| if i < 80 { 0 } else { 1 + i % 2 })
            .collect();
        st.assign_groups(&raw, 3, |g| format!("r{g}"));
        assert_eq!(st.group_names.len(), 2);
        assert_eq!(st.group_names[0], "r0");
        assert!(st.group[..80].iter().all(|&g| g == 0));
        assert!(st.group[80..].iter().all(|&g| g == 1));
    }
    #[test]
    fn binomial_inversion_matches_scipy() {
        // python3 -c "from scipy.stats import binom
        // for (u,n,q) in [(0.5,20,0.3),(0.01,20,0.3),(0.999,20,0.3),(0.3,1000,0.01),
        //                 (0.9999999,50,0.5),(1e-12,40,0.2),(0.7,3,0.5)]:
        //     print(int(binom.ppf(u,n,q)))"
        // 6 2 13 8 43 0 2
        let cases = [
            (0.5, 20, 0.3, 6),
            (0.01, 20, 0.3, 2),
            (0.999, 20, 0.3, 13),
            (0.3, 1000, 0.01, 8),
            (0.9999999, 50, 0.5, 43),
            (1e-12, 40, 0.2, 0),
            (0.7, 3, 0.5, 2),
        ];
        for (u, n, q, k) in cases {
            assert_eq!(binomial_inverse(n, q, u), k, "u {u} n {n} q {q}");
        }
        assert_eq!(binomial_inverse(0, 0.3, 0.9), 0);
        assert_eq!(binomial_inverse(10, 0.0, 0.9), 0);
        assert_eq!(binomial_inverse(10, 0.5, 1.0), 10);
    }

    #[test]
    fn small_binomials_have_the_right_mean_and_variance() {
        // n = 40, p = 0.8: variance 6.4, drawn by inversion of the rarer outcome.
        let mut rng = batch_rng(3, "binomial", 0);
        let m = 40_000;
        let draws: Vec<f64> = (0..m).map(|_| binomial(40, 0.8, &mut rng) as f64).collect();
        let mean = draws.iter().sum::<f64>() / m as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1) as f64;
        // Standard errors: sqrt(6.4 / 40000) = 0.013 for the mean, ~0.05 for the variance.
        assert!((mean - 32.0).abs() < 0.06, "mean {mean}");
        assert!((var - 6.4).abs() < 0.25, "variance {var}");
    }

    #[test]
    fn worlds_from_one_seed_stay_paired_whatever_their_parameters() {
        // Different fair models and fraud: the random stream is used identically, so
        // the generator ends in the same state and stations differ only by the model.
        let t = template(3000);
        let fair = |c: f64| FairModel {
            shape: FairShape::LogitNormal,
            covariates: Default::default(),
            groups: vec![FairGroup {
                turnout_center: c,
                turnout_spread: 0.3,
                share_center: -c,
                share_spread: 0.3,
            }],
        };
        let fraud = Fraud {
            f_incremental: 0.3,
            f_extreme: 0.02,
            theta: 0.15,
            steal_exponent: 1.0,
        };
        let mut r1 = batch_rng(9, "paired", 0);
        let mut r2 = batch_rng(9, "paired", 0);
        let (a, _) = simulate_stations(&t, &fair(0.2), &Fraud::NONE, &mut r1);
        let (b, _) = simulate_stations(&t, &fair(3.5), &fraud, &mut r2);
        assert_eq!(r1.random::<u64>(), r2.random::<u64>());
        assert_ne!(a.ballots, b.ballots);
    }

    #[test]
    fn the_truth_keeps_the_extreme_part_of_the_ballots_added() {
        let t = template(4000);
        let fair = FairModel {
            shape: FairShape::LogitNormal,
            covariates: Default::default(),
            groups: vec![FairGroup {
                turnout_center: 0.3,
                turnout_spread: 0.3,
                share_center: 0.2,
                share_spread: 0.3,
            }],
        };
        let fraud = |f_i: f64, f_e: f64| Fraud {
            f_incremental: f_i,
            f_extreme: f_e,
            theta: 0.15,
            steal_exponent: 1.0,
        };
        let run = |f: Fraud| simulate_stations(&t, &fair, &f, &mut batch_rng(4, "extreme", 0)).1;
        let only_extreme = run(fraud(0.0, 0.05));
        assert!(only_extreme.extreme_ballots_added > 0.0);
        assert_eq!(
            only_extreme.extreme_ballots_added,
            only_extreme.ballots_added
        );
        let only_incremental = run(fraud(0.3, 0.0));
        assert!(only_incremental.ballots_added > 0.0);
        assert_eq!(only_incremental.extreme_ballots_added, 0.0);
        let both = run(fraud(0.3, 0.05));
        assert!(both.extreme_ballots_added > 0.0);
        assert!(both.extreme_ballots_added < both.ballots_added);
    }
}
