//! The fair (no-fraud) model of the fingerprint: how turnout and the winner's share
//! are distributed in a group of stations with no stuffing, and how it is pinned to
//! the observed stations' lower quantiles, which stuffing (it only moves stations up)
//! touches least.

use std::sync::LazyLock;

use serde::Serialize;

use super::model::{Stations, logistic};
use super::skew::{MAX_EXCESS, skew_normal_of};
use crate::stats::normal_quantile;
use crate::stats::quantile::type7_select;

/// How fair turnout and share are distributed within a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FairShape {
    /// Normal on the logit scale: centre and spread are logit-scale.
    LogitNormal,
    /// Normal on the proportion scale, clamped to [0, 1] (the paper's model).
    Normal,
}

/// One group's fair distributions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FairGroup {
    pub turnout_center: f64,
    pub turnout_spread: f64,
    pub share_center: f64,
    pub share_spread: f64,
}

/// Size classes: each group's stations split into this many equal parts by size.
pub const SIZE_CLASSES: usize = 6;

/// How far in normal score the size effects go on beyond the outer class middles
/// (±1.38): to ranks 0.006 and 0.994, a segment and a half further.
pub const TAIL_SCORE: f64 = 2.5;

/// Each size class middle's normal score, computed once: [`Covariates::in_tail`] runs
/// for a sixth of the stations in every simulated election.
static CLASS_SCORES: LazyLock<[f64; SIZE_CLASSES]> = LazyLock::new(|| {
    std::array::from_fn(|k| normal_quantile((k as f64 + 0.5) / SIZE_CLASSES as f64))
});

/// Effects the default fair model shares across its groups, on the logit scale.
///
/// Honest elections mix populations whose turnout and vote differ with station size
/// (town and country) and with each other; a one-peak fair model reads that as
/// stuffing. Stuffing does not follow station size, and it moves turnout and share
/// together only in the upper part of a group's turnout, so both effects are
/// measured where it reaches least (see [`FairStats`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Covariates {
    /// Fair logit turnout of each size class (smallest stations first) relative to
    /// its group's level; they average to 0.
    pub turnout_size: [f64; SIZE_CLASSES],
    /// The same for the fair logit winner share.
    pub share_size: [f64; SIZE_CLASSES],
    /// Fair logit winner share per unit of the station's own logit-turnout deviation.
    pub share_turnout: f64,
    /// Whether the size effects go on beyond the outer class middles
    /// ([`Covariates::at_rank`]); flat there otherwise.
    pub tails: bool,
    /// The skew of each group's fair logit turnout ([`Covariates::skewed`]), as the
    /// excess of its [`skew_statistic`] over a normal's; 0 is normal. In
    /// [`FairStats::slopes`] it holds the measured statistic itself.
    pub turnout_skew: f64,
    /// Whether the turnout's skew is fitted ([`Covariates::turnout_skew`]).
    pub skew: bool,
}

impl Covariates {
    /// No covariate effects: each group's turnout and share are independent and do
    /// not depend on station size (the model before covariates, and the paper's).
    pub const NONE: Covariates = Covariates {
        turnout_size: [0.0; SIZE_CLASSES],
        share_size: [0.0; SIZE_CLASSES],
        share_turnout: 0.0,
        tails: false,
        turnout_skew: 0.0,
        skew: false,
    };

    fn largest_change(&self, other: &Covariates) -> f64 {
        let mut m = (self.share_turnout - other.share_turnout)
            .abs()
            .max((self.turnout_skew - other.turnout_skew).abs());
        for k in 0..SIZE_CLASSES {
            m = m
                .max((self.turnout_size[k] - other.turnout_size[k]).abs())
                .max((self.share_size[k] - other.share_size[k]).abs());
        }
        m
    }

    /// The turnout and share effects at size rank `u` in [0, 1): each class's effect
    /// at its middle rank, linear in between, so that a gradient with size is followed
    /// within classes too. Beyond the outer middles they are flat, or with
    /// [`Covariates::tails`] the outer segment goes on, linear in the rank's normal
    /// score (log size, for lognormal sizes) up to [`TAIL_SCORE`]: the smallest and
    /// largest stations' effects are the steepest of a U in log size, and flat tails
    /// read their excess as stuffing.
    #[inline]
    pub fn at_rank(&self, u: f32) -> (f64, f64) {
        let last = (SIZE_CLASSES - 1) as f64;
        let raw = f64::from(u) * SIZE_CLASSES as f64 - 0.5;
        if self.tails && !(0.0..=last).contains(&raw) {
            return self.in_tail(f64::from(u), raw < 0.0);
        }
        let pos = raw.clamp(0.0, last);
        let k = (pos as usize).min(SIZE_CLASSES - 2);
        let w = pos - k as f64;
        let lerp = |v: &[f64; SIZE_CLASSES]| v[k] + w * (v[k + 1] - v[k]);
        (lerp(&self.turnout_size), lerp(&self.share_size))
    }

    /// The standard normal draw `z` mapped to the standardised skew-normal whose lower
    /// half shows [`Covariates::turnout_skew`] ([`super::skew`]).
    #[inline]
    pub fn skewed(&self, z: f64) -> f64 {
        skew_normal_of(z, self.turnout_skew)
    }

    /// [`Covariates::at_rank`] below the first class middle (`low`) or above the last.
    fn in_tail(&self, u: f64, low: bool) -> (f64, f64) {
        let (outer, inner) = match low {
            true => (0, 1),
            false => (SIZE_CLASSES - 1, SIZE_CLASSES - 2),
        };
        let (z_outer, z_inner) = (CLASS_SCORES[outer], CLASS_SCORES[inner]);
        let z = normal_quantile(u).clamp(-TAIL_SCORE, TAIL_SCORE);
        let reach = (z - z_outer) / (z_outer - z_inner);
        let go_on = |v: &[f64; SIZE_CLASSES]| v[outer] + reach * (v[outer] - v[inner]);
        (go_on(&self.turnout_size), go_on(&self.share_size))
    }
}

/// The fair (no fraud) model: one distribution pair per group, and the covariate
/// effects they share.
#[derive(Debug, Clone, PartialEq)]
pub struct FairModel {
    pub shape: FairShape,
    pub groups: Vec<FairGroup>,
    pub covariates: Covariates,
}

const NEUTRAL: FairGroup = FairGroup {
    turnout_center: 0.0,
    turnout_spread: 0.1,
    share_center: 0.0,
    share_spread: 0.1,
};

impl FairModel {
    /// A model without covariate effects.
    pub fn plain(shape: FairShape, groups: Vec<FairGroup>) -> FairModel {
        FairModel {
            shape,
            groups,
            covariates: Covariates::NONE,
        }
    }

    fn group(&self, g: u32) -> &FairGroup {
        self.groups.get(g as usize).unwrap_or(&NEUTRAL)
    }

    /// Fair turnout in group `g` for standard normal draw `zt`, at a station of size
    /// rank `rank` in its group (see [`SizeCovariate`]).
    #[inline]
    pub fn turnout(&self, g: u32, zt: f64, rank: f32) -> f64 {
        self.draw(g, zt, 0.0, rank).0
    }

    /// Fair winner share in group `g` for standard normal draws `zt` (the turnout's,
    /// see [`FairModel::turnout`]) and `zs`, at size rank `rank`.
    #[inline]
    pub fn share(&self, g: u32, zt: f64, zs: f64, rank: f32) -> f64 {
        self.draw(g, zt, zs, rank).1
    }

    /// Fair turnout and winner share together (the size effects looked up once).
    #[inline]
    pub fn draw(&self, g: u32, zt: f64, zs: f64, rank: f32) -> (f64, f64) {
        let p = self.group(g);
        match self.shape {
            FairShape::LogitNormal => {
                let (t, s) = if self.covariates == Covariates::NONE {
                    (0.0, 0.0)
                } else {
                    self.covariates.at_rank(rank)
                };
                let zt = self.covariates.skewed(zt);
                let linked = self.covariates.share_turnout * p.turnout_spread * zt;
                (
                    logistic(p.turnout_center + t + p.turnout_spread * zt),
                    logistic(p.share_center + s + linked + p.share_spread * zs),
                )
            }
            FairShape::Normal => (
                (p.turnout_center + p.turnout_spread * zt).clamp(0.0, 1.0),
                (p.share_center + p.share_spread * zs).clamp(0.0, 1.0),
            ),
        }
    }
}

/// Each station's size rank within its group: `(rank + 0.5) / n` by registered voters
/// (ties by position), smallest first; its size class is the rank's [`SIZE_CLASSES`]-tile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SizeCovariate {
    pub rank: Vec<f32>,
}

/// The size class of rank `u`.
#[inline]
pub fn size_class(u: f32) -> usize {
    ((f64::from(u) * SIZE_CLASSES as f64) as usize).min(SIZE_CLASSES - 1)
}

impl SizeCovariate {
    /// The covariate of stations `st`.
    pub fn of(st: &Stations) -> SizeCovariate {
        // Keys pack (registered, position): unique, so an unstable sort is exact.
        let mut by_group: Vec<Vec<u64>> = vec![Vec::new(); st.n_groups()];
        for i in 0..st.len() {
            if let Some(list) = by_group.get_mut(st.group[i] as usize) {
                list.push((u64::from(st.registered[i]) << 32) | i as u64);
            }
        }
        let mut rank = vec![0f32; st.len()];
        for list in &mut by_group {
            list.sort_unstable();
            let n = list.len() as f64;
            for (r, &key) in list.iter().enumerate() {
                rank[(key & 0xffff_ffff) as usize] = ((r as f64 + 0.5) / n) as f32;
            }
        }
        SizeCovariate { rank }
    }
}

/// Lower quantile the fair model is pinned to.
pub const Q_LOW: f64 = 0.05;
/// Upper quantile the fair model is pinned to: below the median, since ballot
/// stuffing only moves stations up, and the lower part of each region's
/// distribution is the least touched by it.
pub const Q_HIGH: f64 = 0.25;
// python3 -c "from scipy.stats import norm; print(repr(norm.ppf(0.05)), repr(norm.ppf(0.25)))"
// -1.6448536269514729 -0.6744897501960817
const Z_LOW: f64 = -1.644_853_626_951_472_9;
const Z_HIGH: f64 = -0.674_489_750_196_081_7;
/// Standard-normal quantile of the pin ([`Q_HIGH`]).
pub const Z_PIN: f64 = Z_HIGH;

/// Logit of a proportion, clamped away from 0 and 1.
#[inline]
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// A sample of logits summarised by two lower quantiles: its 25th percentile (`pin`,
/// where the fair centre is anchored), and the normal scale implied by the 5th and
/// 25th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LowerFit {
    pub pin: f64,
    pub scale: f64,
}

impl LowerFit {
    /// From the logits `v` (reordered in place).
    pub fn of_logits(v: &mut [f64]) -> LowerFit {
        let lo = type7_select(v, Q_LOW);
        let hi = type7_select(v, Q_HIGH);
        LowerFit {
            pin: hi,
            scale: (hi - lo) / (Z_HIGH - Z_LOW),
        }
    }

    /// The normal centre that puts the pin at the 25th percentile with this scale.
    pub fn center(&self, scale: f64) -> f64 {
        self.pin - Z_HIGH * scale
    }
}

/// Turnout and share of one group, summarised by their lower quantiles.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GroupStats {
    pub turnout: LowerFit,
    pub share: LowerFit,
}

/// One station as [`fair_stats`] reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StationPoint {
    pub group: u32,
    /// Size rank ([`SizeCovariate`]).
    pub rank: f32,
    pub turnout: f64,
    pub share: f64,
}

/// What the fair model is matched on, in observed and simulated stations alike: each
/// group's lower quantiles of the residual logits (turnout less its size class's
/// effect; share less its size and turnout effects), and the covariate effects as
/// measured where stuffing reaches least:
///
/// - Size: the 25th percentile of logit turnout (and of logit share) in each size
///   class of a group, less the mean of those percentiles over the group's classes;
///   averaged over groups, weighted by their stations. Stuffing that strikes at
///   random with respect to size moves every class alike.
/// - Share on turnout: the 25th percentile of the share residual among the stations
///   between the 25th and 50th percentiles of the turnout residual, less that among
///   those below the 25th, over the bands' difference in mean turnout residual;
///   pooled over groups by least squares. Stuffing moves stations out of the lower
///   half of turnout.
///
/// The fit does not read these as estimates: it moves the model's covariates until
/// its simulated stations, fraud included, show the observed ones, as it moves the
/// centres and spreads until the quantiles match.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FairStats {
    pub groups: Vec<GroupStats>,
    /// Whether each group has enough stations outside the extreme corner to pin its
    /// own fair distribution ([`MIN_PINNED`]).
    pub pinned: Vec<bool>,
    pub slopes: Covariates,
}

/// Turnout and winner's share from which a station is in the extreme corner, where
/// no honest population sits (Klimek et al.'s extreme stuffing lands there). The fair
/// model is pinned to the stations outside it, in observed and simulated stations
/// alike, so that a region whose stations mostly sit there cannot take the corner
/// as its own fair centre: it borrows the other groups' fair distribution instead,
/// and the fit reads its corner as extreme stuffing.
pub const FAIR_CORNER: f64 = 0.95;

/// Fewest stations outside the corner for a group to pin its own fair distribution.
pub const MIN_PINNED: usize = 30;

/// Whether turnout `t` and share `s` lie in the extreme corner ([`FAIR_CORNER`]).
#[inline]
pub fn in_fair_corner(t: f64, s: f64) -> bool {
    t >= FAIR_CORNER && s >= FAIR_CORNER
}

/// Fewest stations in a size class, or on either side of the turnout contrast, for
/// a group to enter that measurement.
const MIN_CELL: usize = 8;

/// The statistics of stations `items`, with residuals taken under covariates `cov`;
/// the covariate slopes are measured only when `measure` (a plain model has none to
/// match, and they cost most of the work).
pub fn fair_stats(
    n_groups: usize,
    cov: &Covariates,
    measure: bool,
    items: impl Iterator<Item = StationPoint>,
) -> FairStats {
    let mut by: Vec<Vec<StationPoint>> = vec![Vec::new(); n_groups];
    for p in items.filter(|p| !in_fair_corner(p.turnout, p.share)) {
        if let Some(v) = by.get_mut(p.group as usize) {
            v.push(StationPoint {
                turnout: logit(p.turnout),
                share: logit(p.share),
                ..p
            });
        }
    }
    let mut acc = Accumulated::default();
    let groups = by
        .iter()
        .map(|v| group_fair_stats(v, cov, measure, &mut acc))
        .collect();
    FairStats {
        groups,
        pinned: by.iter().map(|v| v.len() >= MIN_PINNED).collect(),
        slopes: acc.covariates(),
    }
}

/// The covariate measurements summed over groups.
#[derive(Default)]
struct Accumulated {
    turnout_size: [f64; SIZE_CLASSES],
    share_size: [f64; SIZE_CLASSES],
    size_weight: f64,
    turnout_num: f64,
    turnout_den: f64,
    skew_upper: f64,
    skew_lower: f64,
}

impl Accumulated {
    fn covariates(&self) -> Covariates {
        let avg = |v: [f64; SIZE_CLASSES]| {
            v.map(|x| {
                if self.size_weight > 0.0 {
                    x / self.size_weight
                } else {
                    0.0
                }
            })
        };
        Covariates {
            turnout_size: avg(self.turnout_size),
            share_size: avg(self.share_size),
            share_turnout: if self.turnout_den > 1e-12 {
                self.turnout_num / self.turnout_den
            } else {
                0.0
            },
            tails: false,
            turnout_skew: skew_statistic(self.skew_upper, self.skew_lower)
                .unwrap_or(NORMAL_SKEW_STATISTIC),
            skew: false,
        }
    }
}

/// The quantiles of a group's residual logit turnout that [`skew_statistic`] reads:
/// all in its lower half, below the median, which stuffing at a third of the stations
/// moves. Of the triples tried on skew-normal samples (shape 2, 20 groups of 500),
/// this one told the skew from a normal's best (4.1 sd; (0.05, 0.25, 0.45) 3.4).
pub const SKEW_QUANTILES: [f64; 3] = [0.02, 0.20, 0.45];

/// [`skew_statistic`] of a normal sample.
// python3 -c "from scipy.stats import norm; z=norm.ppf([0.02,0.20,0.45]);
//   print(repr((z[2]-z[1])/(z[1]-z[0])))"
// 0.5906637561936018
pub const NORMAL_SKEW_STATISTIC: f64 = 0.590_663_756_193_601_8;

/// Fewest stations outside the corner for a group to enter the skew measurement.
const MIN_SKEW_STATIONS: usize = 100;

/// The lower-half statistic of the fair turnout, `(q45 − q20) / (q20 − q02)` of the
/// residual logit turnout: how far its lower half stretches towards the median against
/// its tail. A right-skewed turnout (honest mobilisation) stretches it; stuffing, which
/// moves stations up out of the lower half, barely does (0.60 against 0.59 for a
/// normal with a third of the stations stuffed, 0.67 for a skew-normal of shape 2).
/// Each span is summed over groups, weighted by their stations, before the ratio is
/// taken ([`skew_spans`]): a mean of per-group ratios is biased up by the noise of
/// each small denominator, and more so in the observed stations than in the fit's
/// simulated copies of them, which would read skew where there is none.
pub fn skew_statistic(upper: f64, lower: f64) -> Option<f64> {
    (lower > 1e-12).then(|| upper / lower)
}

/// A group's `(q45 − q20, q20 − q02)` of residual logit turnout `v` (reordered);
/// `None` for too few stations.
pub fn skew_spans(v: &mut [f64]) -> Option<(f64, f64)> {
    if v.len() < MIN_SKEW_STATIONS {
        return None;
    }
    let [a, b, c] = SKEW_QUANTILES.map(|q| type7_select(v, q));
    Some((c - b, b - a))
}

/// Each size class's 25th percentile of `value`, less their mean (`None` when a
/// class has too few stations).
fn class_profile(
    v: &[StationPoint],
    value: impl Fn(&StationPoint) -> f64,
) -> Option<[f64; SIZE_CLASSES]> {
    let mut by: [Vec<f64>; SIZE_CLASSES] = Default::default();
    for p in v {
        by[size_class(p.rank)].push(value(p));
    }
    if by.iter().any(|c| c.len() < MIN_CELL) {
        return None;
    }
    let q = by.map(|mut c| type7_select(&mut c, Q_HIGH));
    let mean = q.iter().sum::<f64>() / SIZE_CLASSES as f64;
    Some(q.map(|x| x - mean))
}

/// `(Δ mean residual turnout, Δ 25th percentile of residual share)` between the
/// stations in the second quarter of residual turnout and those in the first.
fn turnout_contrast(rows: &[(f64, f64)]) -> Option<(f64, f64)> {
    let mut t: Vec<f64> = rows.iter().map(|r| r.0).collect();
    if t.len() < 4 * MIN_CELL {
        return None;
    }
    let (q1, q2) = (type7_select(&mut t, 0.25), type7_select(&mut t, 0.5));
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    let (mut tl, mut th) = (0.0, 0.0);
    for &(rt, rs) in rows {
        if rt <= q1 {
            lo.push(rs);
            tl += rt;
        } else if rt <= q2 {
            hi.push(rs);
            th += rt;
        }
    }
    if lo.len() < MIN_CELL || hi.len() < MIN_CELL {
        return None;
    }
    let dt = th / hi.len() as f64 - tl / lo.len() as f64;
    let ds = type7_select(&mut hi, Q_HIGH) - type7_select(&mut lo, Q_HIGH);
    Some((dt, ds))
}

/// One group's part of [`fair_stats`] (`v` holds logits).
fn group_fair_stats(
    v: &[StationPoint],
    cov: &Covariates,
    measure: bool,
    acc: &mut Accumulated,
) -> GroupStats {
    let n = v.len() as f64;
    let profiles = || {
        Some((
            class_profile(v, |p| p.turnout)?,
            class_profile(v, |p| p.share)?,
        ))
    };
    if let Some((t, s)) = measure.then(profiles).flatten() {
        for k in 0..SIZE_CLASSES {
            acc.turnout_size[k] += n * t[k];
            acc.share_size[k] += n * s[k];
        }
        acc.size_weight += n;
    }
    let rows: Vec<(f64, f64)> = v
        .iter()
        .map(|p| {
            let (ot, os) = cov.at_rank(p.rank);
            (p.turnout - ot, p.share - os)
        })
        .collect();
    if let Some((dt, ds)) = measure.then(|| turnout_contrast(&rows)).flatten() {
        acc.turnout_num += n * dt * ds;
        acc.turnout_den += n * dt * dt;
    }
    let mut rt: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let mut rs: Vec<f64> = rows
        .iter()
        .map(|&(t, s)| s - cov.share_turnout * t)
        .collect();
    if let Some((upper, lower)) = (measure && cov.skew).then(|| skew_spans(&mut rt)).flatten() {
        acc.skew_upper += n * upper;
        acc.skew_lower += n * lower;
    }
    GroupStats {
        turnout: LowerFit::of_logits(&mut rt),
        share: LowerFit::of_logits(&mut rs),
    }
}

/// Observed statistics of `st` under covariates `cov` (slopes when `measure`).
pub fn observed_fair_stats(
    st: &Stations,
    size: &SizeCovariate,
    cov: &Covariates,
    measure: bool,
) -> FairStats {
    fair_stats(
        st.n_groups(),
        cov,
        measure,
        (0..st.len()).map(|i| StationPoint {
            group: st.group[i],
            rank: size.rank[i],
            turnout: st.turnout(i),
            share: st.share(i),
        }),
    )
}

/// `n · Var(scale) / σ²` of [`LowerFit`]'s scale for a normal sample of size `n`
/// (asymptotic variance of two sample quantiles).
// python3 -c "from scipy.stats import norm; p1,p2=0.05,0.25; z1,z2=norm.ppf(p1),norm.ppf(p2);
//   f1,f2=norm.pdf(z1),norm.pdf(z2);
//   print(repr((p1*(1-p1)/f1**2+p2*(1-p2)/f2**2-2*p1*(1-p2)/(f1*f2))/(z2-z1)**2))"
// 4.284101484855336
pub const SCALE_VARIANCE: f64 = 4.284_101_484_855_336;

/// Empirical-Bayes shrinkage of per-group spreads towards their pooled value.
///
/// A region's spread from two lower quantiles of a thousand stations is uncertain
/// by about 7%, and the fit turns that noise into spurious fraud. Each spread is
/// pulled towards the station-weighted mean by the share of its variance that is
/// sampling noise: regions that really differ (as Russia's do) keep their own
/// spreads, and regions that differ only by noise share one.
pub fn shrink_spreads(spreads: &mut [f64], sizes: &[usize]) {
    let w: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
    let total: f64 = w.iter().sum();
    if spreads.len() < 3 || total <= 0.0 {
        return;
    }
    let mean = spreads.iter().zip(&w).map(|(s, w)| s * w).sum::<f64>() / total;
    let noise: Vec<f64> = spreads
        .iter()
        .zip(&w)
        .map(|(s, n)| SCALE_VARIANCE * s * s / n.max(1.0))
        .collect();
    let spread_var = spreads
        .iter()
        .zip(&w)
        .map(|(s, w)| w * (s - mean) * (s - mean))
        .sum::<f64>()
        / total;
    let noise_mean = noise.iter().zip(&w).map(|(v, w)| v * w).sum::<f64>() / total;
    let between = (spread_var - noise_mean).max(0.0);
    for (s, v) in spreads.iter_mut().zip(&noise) {
        let keep = if between + v > 0.0 {
            between / (between + v)
        } else {
            0.0
        };
        *s = (mean + keep * (*s - mean)).max(MIN_SPREAD);
    }
}

/// Shrinks both spreads of every group of `fair` (see [`shrink_spreads`]).
pub fn shrink_fair_spreads(fair: &mut FairModel, sizes: &[usize]) {
    let mut t: Vec<f64> = fair.groups.iter().map(|g| g.turnout_spread).collect();
    let mut s: Vec<f64> = fair.groups.iter().map(|g| g.share_spread).collect();
    shrink_spreads(&mut t, sizes);
    shrink_spreads(&mut s, sizes);
    for ((g, t), s) in fair.groups.iter_mut().zip(t).zip(s) {
        g.turnout_spread = t;
        g.share_spread = s;
    }
}

/// Included stations per group.
pub fn group_sizes(st: &Stations) -> Vec<usize> {
    let mut sizes = vec![0usize; st.n_groups()];
    for &g in &st.group {
        if let Some(c) = sizes.get_mut(g as usize) {
            *c += 1;
        }
    }
    sizes
}

/// Smallest spread the fair model may take, so that degenerate groups stay finite.
pub const MIN_SPREAD: f64 = 0.01;

/// Which of the alternative fair models' shapes a fit uses
/// ([`Covariates::tails`], [`Covariates::skew`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FairShapeOptions {
    pub tails: bool,
    pub skew: bool,
}

/// The default model's starting fair fit: the covariate slopes as observed (see
/// [`FairStats`]; none when `covariates` is false); per group, the spread implied by
/// the 5th and 25th percentiles of the residual logits (shrunk towards the pooled
/// spread), and the centre that puts the 25th percentile where it is observed. The
/// fit then corrects all of them by simulation, for binomial noise and for the fraud
/// it finds.
pub fn initial_fair_logit(
    st: &Stations,
    size: &SizeCovariate,
    covariates: bool,
    shape: FairShapeOptions,
) -> FairModel {
    let mut cov = Covariates {
        tails: shape.tails,
        skew: shape.skew,
        ..Covariates::NONE
    };
    if covariates {
        let raw = observed_fair_stats(st, size, &cov, true).slopes;
        cov.turnout_size = raw.turnout_size;
        cov.share_size = raw.share_size;
        let second = observed_fair_stats(st, size, &cov, true).slopes;
        cov.share_turnout = second.share_turnout;
        if cov.skew {
            let excess = second.turnout_skew - NORMAL_SKEW_STATISTIC;
            cov.turnout_skew = excess.clamp(0.0, MAX_EXCESS);
        }
    }
    let observed = observed_fair_stats(st, size, &cov, false);
    let stats = observed.groups;
    let groups = stats
        .iter()
        .map(|g| FairGroup {
            turnout_center: 0.0,
            turnout_spread: g.turnout.scale.max(MIN_SPREAD),
            share_center: 0.0,
            share_spread: g.share.scale.max(MIN_SPREAD),
        })
        .collect();
    let mut fair = FairModel {
        shape: FairShape::LogitNormal,
        groups,
        covariates: cov,
    };
    shrink_fair_spreads(&mut fair, &group_sizes(st));
    for (g, o) in fair.groups.iter_mut().zip(&stats) {
        g.turnout_center = o.turnout.center(g.turnout_spread);
        // The share residual's centre is the share's less β times the turnout's.
        g.share_center = o.share.center(g.share_spread) + cov.share_turnout * g.turnout_center;
    }
    borrow_unpinned(&mut fair, &observed.pinned, &group_sizes(st));
    fair
}

/// Gives each group that is not pinned ([`FairStats::pinned`]) the station-weighted
/// mean of the pinned groups' fair parameters (nothing when none is pinned).
pub fn borrow_unpinned(fair: &mut FairModel, pinned: &[bool], sizes: &[usize]) {
    let (mut sum, mut w) = ([0.0; 4], 0.0);
    for ((g, &p), &n) in fair.groups.iter().zip(pinned).zip(sizes) {
        if p {
            let n = n as f64;
            sum[0] += n * g.turnout_center;
            sum[1] += n * g.turnout_spread;
            sum[2] += n * g.share_center;
            sum[3] += n * g.share_spread;
            w += n;
        }
    }
    if w <= 0.0 {
        return;
    }
    for (g, &p) in fair.groups.iter_mut().zip(pinned) {
        if !p {
            *g = FairGroup {
                turnout_center: sum[0] / w,
                turnout_spread: sum[1] / w,
                share_center: sum[2] / w,
                share_spread: sum[3] / w,
            };
        }
    }
}

/// Moves each group's fair centres and spreads so that the simulated lower
/// quantiles (fraud included) match the observed ones, and the covariate effects so
/// that the simulated slopes do (when `covariates`). Returns the largest change.
pub fn correct_fair(
    fair: &mut FairModel,
    obs: &FairStats,
    sim: &FairStats,
    sizes: &[usize],
    covariates: bool,
) -> f64 {
    let before = fair.clone();
    let pinned = |i: usize| obs.pinned.get(i).copied().unwrap_or(false);
    let own = fair.groups.iter_mut().zip(&obs.groups).zip(&sim.groups);
    for (_, ((g, o), s)) in own.enumerate().filter(|(i, _)| pinned(*i)) {
        // The simulated scale is about sqrt(σ² + noise²): the squared gap moves σ².
        let spread = |sigma: f64, so: f64, ss: f64| {
            (sigma * sigma + so * so - ss * ss)
                .max(MIN_SPREAD * MIN_SPREAD)
                .sqrt()
        };
        g.turnout_spread = spread(g.turnout_spread, o.turnout.scale, s.turnout.scale);
        g.share_spread = spread(g.share_spread, o.share.scale, s.share.scale);
    }
    shrink_fair_spreads(fair, sizes);
    let beta = fair.covariates.share_turnout;
    let mut change: f64 = 0.0;
    let groups = fair.groups.iter_mut().zip(&before.groups);
    let stats = obs.groups.iter().zip(&sim.groups);
    for (_, ((g, b), (o, s))) in groups.zip(stats).enumerate().filter(|(i, _)| pinned(*i)) {
        // Keep each pin where it is observed: move the centre by the pin's miss, and
        // by the spread's change times the pin's standard-normal quantile.
        let dt = o.turnout.pin - s.turnout.pin - Z_PIN * (g.turnout_spread - b.turnout_spread);
        let ds = o.share.pin - s.share.pin - Z_PIN * (g.share_spread - b.share_spread);
        g.turnout_center += dt;
        g.share_center += ds + beta * dt;
        change = change
            .max(dt.abs())
            .max(ds.abs())
            .max((g.turnout_spread - b.turnout_spread).abs())
            .max((g.share_spread - b.share_spread).abs());
    }
    if covariates {
        let c = &mut fair.covariates;
        let (o, m) = (&obs.slopes, &sim.slopes);
        for k in 0..SIZE_CLASSES {
            c.turnout_size[k] += o.turnout_size[k] - m.turnout_size[k];
            c.share_size[k] += o.share_size[k] - m.share_size[k];
        }
        c.share_turnout += o.share_turnout - m.share_turnout;
        if c.skew {
            let step = o.turnout_skew - m.turnout_skew;
            c.turnout_skew = (c.turnout_skew + step).clamp(0.0, MAX_EXCESS);
        }
        change = change.max(c.largest_change(&before.covariates));
    }
    borrow_unpinned(fair, &obs.pinned, sizes);
    change
}

/// Mode of values in [0, 1]: the fullest of 100 one-point bins after a 5-bin moving
/// average (the smoothing keeps integer-percentage spikes from posing as the mode).
pub fn smoothed_mode(values: &[f64]) -> f64 {
    const BINS: usize = 100;
    let mut h = [0f64; BINS];
    for &v in values {
        let b = ((v * BINS as f64) as usize).min(BINS - 1);
        h[b] += 1.0;
    }
    let mut best = (f64::NEG_INFINITY, 0usize);
    for b in 0..BINS {
        let lo = b.saturating_sub(2);
        let hi = (b + 2).min(BINS - 1);
        let s: f64 = h[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64;
        if s > best.0 {
            best = (s, b);
        }
    }
    (best.1 as f64 + 0.5) / BINS as f64
}

/// Root-mean-square deviation from `mode` of the values below it.
pub fn rms_below(values: &[f64], mode: f64) -> f64 {
    let (mut ss, mut n) = (0.0, 0usize);
    for &v in values.iter().filter(|&&v| v < mode) {
        ss += (v - mode) * (v - mode);
        n += 1;
    }
    if n == 0 { 0.0 } else { (ss / n as f64).sqrt() }
}

/// The paper's fair model: one national normal for turnout and one for the winner's
/// share, centred on their modes, with spreads from the deviations below the modes.
pub fn paper_fair(st: &Stations) -> FairModel {
    let t: Vec<f64> = (0..st.len()).map(|i| st.turnout(i)).collect();
    let s: Vec<f64> = (0..st.len()).map(|i| st.share(i)).collect();
    let (mt, ms) = (smoothed_mode(&t), smoothed_mode(&s));
    FairModel::plain(
        FairShape::Normal,
        vec![FairGroup {
            turnout_center: mt,
            turnout_spread: rms_below(&t, mt).max(MIN_SPREAD),
            share_center: ms,
            share_spread: rms_below(&s, ms).max(MIN_SPREAD),
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_effects_go_on_in_normal_score_beyond_the_outer_class_middles() {
        // Effects linear in each class middle's normal score: the tails follow the line.
        let z = |u: f64| normal_quantile(u);
        let mid: [f64; SIZE_CLASSES] =
            std::array::from_fn(|k| 0.5 * z((k as f64 + 0.5) / SIZE_CLASSES as f64));
        let cov = Covariates {
            turnout_size: mid,
            share_size: mid.map(|v| -v),
            share_turnout: 0.0,
            tails: true,
            ..Covariates::NONE
        };
        for u in [0.01f32, 0.05, 0.95, 0.99] {
            let (t, s) = cov.at_rank(u);
            let want = 0.5 * z(f64::from(u));
            assert!(
                (t - want).abs() < 1e-6 && (s + want).abs() < 1e-6,
                "{u}: {t} {want}"
            );
        }
        // Clamped at TAIL_SCORE; unchanged between the middles.
        assert!((cov.at_rank(1e-6).0 + 0.5 * TAIL_SCORE).abs() < 1e-9);
        let (t, _) = cov.at_rank(0.5);
        assert!((t - 0.5 * (mid[2] + mid[3])).abs() < 1e-12);
        // Without tails, flat beyond the outer middles.
        let flat = Covariates {
            tails: false,
            ..cov
        };
        assert_eq!(flat.at_rank(0.01), (mid[0], -mid[0]));
        assert_eq!(flat.at_rank(0.999), (mid[5], -mid[5]));
    }

    /// The deterministic stations of tests/reference/fair_stats.py: two groups, ranks
    /// a permutation, turnout rising with size, and every 23rd station in the corner.
    fn reference_points() -> Vec<StationPoint> {
        let mut out = Vec::new();
        for (g, n) in [(0u32, 97usize), (1, 130)] {
            for j in 0..n {
                let u = (((j * 53) % n) as f64 + 0.5) / n as f64;
                let u = u as f32;
                let mut t =
                    0.25 + 0.6 * ((j as f64 * 0.618_033_988_749_894_9) % 1.0) + 0.1 * f64::from(u);
                let mut s =
                    0.15 + 0.7 * ((j as f64 * 0.414_213_562_373_095_1 + 0.3 * f64::from(g)) % 1.0);
                if j % 23 == 5 {
                    (t, s) = (0.97, 0.985);
                }
                out.push(StationPoint {
                    group: g,
                    rank: u,
                    turnout: t,
                    share: s,
                });
            }
        }
        out
    }

    fn close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{what}: {got} vs {want}"
        );
    }

    /// Quantiles, covariate residuals, size profiles and the share-on-turnout contrast
    /// against numpy: `python3 tests/reference/fair_stats.py`.
    #[test]
    fn fair_stats_match_numpy() {
        let cov = Covariates {
            turnout_size: [-0.3, -0.2, -0.1, 0.1, 0.2, 0.3],
            share_size: [0.2, 0.1, 0.0, 0.0, -0.1, -0.2],
            share_turnout: 0.4,
            ..Covariates::NONE
        };
        let st = fair_stats(2, &cov, true, reference_points().into_iter());
        assert_eq!(st.pinned, [true, true]);
        let groups = [
            (
                -0.224_873_069_931_230_6,
                0.486_856_287_912_968_37,
                -0.962_467_893_637_874_4,
                0.917_492_748_885_220_4,
            ),
            (
                -0.217_054_232_117_905_06,
                0.519_308_399_487_61,
                -0.871_659_190_846_875_5,
                1.008_459_584_438_219_6,
            ),
        ];
        for (g, want) in st.groups.iter().zip(groups) {
            close(g.turnout.pin, want.0, "turnout pin");
            close(g.turnout.scale, want.1, "turnout scale");
            close(g.share.pin, want.2, "share pin");
            close(g.share.scale, want.3, "share scale");
        }
        let turnout_size = [
            -0.311_557_566_692_545_25,
            -0.170_299_386_135_822_93,
            0.181_971_188_702_896_72,
            -0.041_205_767_550_056_85,
            0.152_874_273_032_915_56,
            0.188_217_258_642_612_7,
        ];
        let share_size = [
            -0.031_475_332_331_976_8,
            -0.172_484_975_181_809_08,
            -0.154_616_986_914_323_3,
            0.019_310_806_116_745_596,
            0.038_159_751_398_185_12,
            0.301_106_736_913_178_24,
        ];
        for k in 0..SIZE_CLASSES {
            close(st.slopes.turnout_size[k], turnout_size[k], "turnout size");
            close(st.slopes.share_size[k], share_size[k], "share size");
        }
        close(
            st.slopes.share_turnout,
            0.571_627_079_108_158_1,
            "share on turnout",
        );
        // The skew spans, from the group of 100 stations or more only.
        let skewed = Covariates { skew: true, ..cov };
        let st = fair_stats(2, &skewed, true, reference_points().into_iter());
        close(
            st.slopes.turnout_skew,
            1.323_735_000_625_235_3,
            "skew statistic",
        );
    }
}
