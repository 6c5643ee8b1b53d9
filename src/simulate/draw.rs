//! Drawing the stations: the fair counts, then the planted irregularities.

use rand::RngExt as _;
use rand_distr::{Binomial, Distribution, StandardNormal};

use super::count;
use super::shapes::Subpopulation;
use super::spec::{ElectionSpec, MIN_REGISTERED, SizeModel};

/// The largest station a draw gives: the spec's own limit on sizes, so that every count
/// fits the 32 bits the loader stores (a lognormal tail at sigma 5 reaches far beyond).
const MAX_DRAWN_SIZE: f64 = 1e9;
use super::truth::{KindTruth, Planted};
use crate::data::{GroupRef, Station, StationIds};
use crate::fingerprint::stuffing::{extreme_intensity, incremental_intensity, steal_share};
use crate::montecarlo::{Rng, batch_rng};

/// Stations per batch: each batch has its own streams, so the output does not depend
/// on the thread count.
pub(crate) const BATCH: usize = 4096;

/// The calibrated fair model.
pub(crate) struct Model<'a> {
    pub spec: &'a ElectionSpec,
    pub turnout_centre: f64,
    /// Logit-turnout effect of each region.
    pub region_turnout: Vec<f64>,
    /// μ_j + v_rj, region-major.
    pub region_log_shares: Vec<f64>,
    /// Digits in a station id (`S000001`).
    pub id_width: usize,
    /// Each locality's effect z·sd (see [`super::spec::Localities`]); empty without them.
    pub locality_effects: Vec<f64>,
    /// The sub-populations and their cumulative normalised weights; empty without them.
    pub subpopulations: Vec<(f64, Subpopulation)>,
    /// ln of the size median the size gradient is measured from.
    pub log_size_median: f64,
}

/// What a station's locality and sub-population add to it.
#[derive(Debug, Clone, Copy)]
struct Local {
    /// The locality's effect z·sd.
    bump: f64,
    /// Station-size multiplier.
    size: f64,
    /// Offsets on logit turnout and the winner's log share.
    turnout: f64,
    share: f64,
}

/// One station's counts; `votes` has one entry per candidate.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counts {
    pub registered: u64,
    pub ballots: u64,
    pub valid: u64,
    pub invalid: u64,
    pub votes: Vec<u64>,
}

/// What irregularities did, per kind, in one batch.
#[derive(Debug, Clone, Default)]
pub(crate) struct FraudTally {
    pub incremental: KindTruth,
    pub extreme: KindTruth,
    pub integer_percent: KindTruth,
    pub invented_counts: KindTruth,
    pub fraudulent_stations: u64,
}

impl FraudTally {
    pub fn add(&mut self, o: &FraudTally) {
        self.incremental.add(&o.incremental);
        self.extreme.add(&o.extreme);
        self.integer_percent.add(&o.integer_percent);
        self.invented_counts.add(&o.invented_counts);
        self.fraudulent_stations += o.fraudulent_stations;
    }
}

/// One batch of stations, in station order.
pub(crate) struct Batch {
    pub stations: Vec<Station>,
    pub ids: StationIds,
    /// Row-major votes, as in [`crate::data::Dataset::votes`].
    pub votes: Vec<u32>,
    pub planted: Vec<Planted>,
    /// Totals before any irregularity.
    pub fair: Sums,
    /// Totals as written.
    pub totals: Sums,
    pub tally: FraudTally,
}

/// Count totals over stations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sums {
    pub registered: u64,
    pub ballots: u64,
    pub valid: u64,
    pub invalid: u64,
    pub votes: Vec<u64>,
}

impl Sums {
    pub fn new(k: usize) -> Sums {
        Sums {
            votes: vec![0; k],
            ..Sums::default()
        }
    }
    pub fn add_counts(&mut self, c: &Counts) {
        self.registered += c.registered;
        self.ballots += c.ballots;
        self.valid += c.valid;
        self.invalid += c.invalid;
        for (t, v) in self.votes.iter_mut().zip(&c.votes) {
            *t += v;
        }
    }
    pub fn add(&mut self, o: &Sums) {
        self.registered += o.registered;
        self.ballots += o.ballots;
        self.valid += o.valid;
        self.invalid += o.invalid;
        for (t, v) in self.votes.iter_mut().zip(&o.votes) {
            *t += v;
        }
    }
}

/// The region of station `i`: contiguous, equal blocks.
pub(crate) fn region_of(i: usize, stations: usize, regions: usize) -> usize {
    if stations == 0 {
        return 0;
    }
    // u64 when the product fits (always, in practice): u128 division is slow.
    match (i as u64).checked_mul(regions as u64) {
        Some(p) => (p / stations as u64) as usize,
        None => ((i as u128 * regions as u128) / stations as u128) as usize,
    }
}

/// Expected registered voters of station `i` (for the calibration weights).
pub(crate) fn expected_size(spec: &ElectionSpec, i: usize) -> f64 {
    match &spec.size {
        // Constant across stations; only the ratios between regions matter.
        SizeModel::LogNormal { .. } => 1.0,
        SizeModel::Fixed(v) => v.get(i % v.len().max(1)).copied().unwrap_or(0) as f64,
    }
}

fn binomial(rng: &mut Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map(|d| d.sample(rng)).unwrap_or(0)
}

fn normal(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// The logistic function, in the form that keeps full precision for negative x.
pub(crate) fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl Model<'_> {
    /// Draws stations `start..end` (batch `index`).
    pub fn batch(&self, seed: u64, index: u64, start: usize, end: usize) -> Batch {
        let spec = self.spec;
        let k = spec.shares.len();
        let mut rng = batch_rng(seed, "simulate", index);
        let mut fraud_rng = spec
            .fraud
            .any()
            .then(|| batch_rng(seed, "simulate-fraud", index));
        // Its own stream, so the other draws are the same with or without sub-populations.
        let mut sub_rng = (!self.subpopulations.is_empty())
            .then(|| batch_rng(seed, "simulate-subpopulations", index));
        let mut out = Batch {
            stations: Vec::with_capacity(end - start),
            ids: StationIds::default(),
            votes: Vec::with_capacity((end - start) * k),
            planted: Vec::with_capacity(end - start),
            fair: Sums::new(k),
            totals: Sums::new(k),
            tally: FraudTally::default(),
        };
        let mut p = vec![0.0; k];
        let mut tail = vec![0.0; k];
        let mut c = Counts {
            votes: vec![0; k],
            ..Counts::default()
        };
        let width = self.id_width;
        for i in start..end {
            let r = region_of(i, spec.stations, spec.regions);
            let locality = (!self.locality_effects.is_empty()).then(|| {
                let per = spec.localities.per_region;
                region_of(i, spec.stations, spec.regions * per) as u32
            });
            let bump = locality
                .and_then(|l| self.locality_effects.get(l as usize))
                .copied()
                .unwrap_or(0.0);
            let mut local = Local {
                bump,
                size: 1.0,
                turnout: 0.0,
                share: 0.0,
            };
            if let Some(sr) = sub_rng.as_mut() {
                let u: f64 = sr.random();
                let s = self.subpopulations.iter().find(|(cum, _)| u < *cum);
                if let Some((_, s)) = s.or(self.subpopulations.last()) {
                    (local.size, local.turnout, local.share) = (s.size, s.turnout, s.share);
                }
            }
            self.fair_station(&mut rng, (i, r, local), &mut p, &mut tail, &mut c);
            out.fair.add_counts(&c);
            let planted = match fraud_rng.as_mut() {
                Some(f) => plant(spec, f, &mut c, &mut out.tally),
                None => Planted::default(),
            };
            out.totals.add_counts(&c);
            out.votes.extend(c.votes.iter().map(|&v| count(v)));
            out.planted.push(planted);
            out.ids.push(&format!("S{:0width$}", i + 1));
            out.stations.push(Station {
                line: i as u64 + 2,
                region: Some(r as u32).into(),
                locality: locality.into(),
                stratum: GroupRef::NONE,
                registered: Some(count(c.registered)),
                ballots: count(c.ballots),
                valid: count(c.valid),
                invalid: count(c.invalid),
            });
        }
        out
    }

    /// Station `i` of `region`, with its locality's and sub-population's effects.
    fn fair_station(
        &self,
        rng: &mut Rng,
        (i, region, local): (usize, usize, Local),
        p: &mut [f64],
        tail: &mut [f64],
        c: &mut Counts,
    ) {
        let spec = self.spec;
        let bump = local.bump;
        let registered = match &spec.size {
            SizeModel::LogNormal { median, sigma } => {
                let n = (median * local.size * (sigma * normal(rng) - bump).exp()).round();
                (n.min(MAX_DRAWN_SIZE) as u64).max(MIN_REGISTERED)
            }
            SizeModel::Fixed(v) => {
                let n = v.get(i % v.len().max(1)).copied().unwrap_or(0);
                if local.size == 1.0 {
                    n
                } else {
                    (n as f64 * local.size).round().min(MAX_DRAWN_SIZE) as u64
                }
            }
        };
        // The size gradient, ln(N/m) times each slope; 0 without one.
        let g = spec.heterogeneity.size_gradient;
        let log_size = if g.is_none() {
            0.0
        } else {
            (registered.max(1) as f64).ln() - self.log_size_median
        };
        let up = local.turnout + g.turnout * log_size;
        let winner = bump + local.share + g.share * log_size;
        let u = self.region_turnout.get(region).copied().unwrap_or(0.0);
        let turnout = logistic(self.turnout_centre + u + bump + up + spec.turnout_sd * normal(rng));
        let ballots = binomial(rng, registered, turnout);
        let invalid = binomial(rng, ballots, spec.invalid_rate);
        let valid = ballots - invalid;

        // Log-ratio normal shares: softmax of the region's centres plus station noise.
        let k = p.len();
        let centres = self
            .region_log_shares
            .get(region * k..(region + 1) * k)
            .unwrap_or(&[]);
        let mut top = f64::NEG_INFINITY;
        for (j, (x, m)) in p.iter_mut().zip(centres).enumerate() {
            let town = if j == 0 { winner } else { 0.0 };
            *x = m + town + spec.share_sd * normal(rng);
            top = top.max(*x);
        }
        for x in p.iter_mut() {
            *x = (*x - top).exp();
        }
        // Multinomial as successive conditional binomials; suffix sums avoid cancellation.
        let mut acc = 0.0;
        for j in (0..k).rev() {
            acc += p[j];
            tail[j] = acc;
        }
        let votes = &mut c.votes;
        let mut left = valid;
        for j in 0..k {
            let v = if j + 1 == k {
                left
            } else {
                binomial(rng, left, p[j] / tail[j])
            };
            votes[j] = v;
            left -= v;
        }
        c.registered = registered;
        c.ballots = ballots;
        c.valid = valid;
        c.invalid = invalid;
    }
}

/// Plants the irregularities chosen for this station, in the order ballot stuffing,
/// integer percentages, invented counts.
fn plant(spec: &ElectionSpec, rng: &mut Rng, c: &mut Counts, tally: &mut FraudTally) -> Planted {
    let f = &spec.fraud;
    // Three choices drawn for every station, so one kind's share does not move another's.
    let stuffing: f64 = rng.random();
    let integer: f64 = rng.random();
    let invented: f64 = rng.random();
    let mut planted = Planted::default();
    if stuffing < f.incremental {
        let x = incremental_intensity(f.theta, normal(rng));
        stuff(rng, c, x, f.steal_exponent, &mut tally.incremental);
        planted.set(Planted::INCREMENTAL);
    } else if stuffing < f.incremental + f.extreme {
        let x = extreme_intensity(normal(rng));
        stuff(rng, c, x, f.steal_exponent, &mut tally.extreme);
        planted.set(Planted::EXTREME);
    }
    if integer < f.integer_percent {
        integer_percent(rng, c, &mut tally.integer_percent);
        planted.set(Planted::INTEGER_PERCENT);
    }
    if invented < f.invented_counts {
        invent_counts(rng, c, &mut tally.invented_counts);
        planted.set(Planted::INVENTED_COUNTS);
    }
    if planted.any() {
        tally.fraudulent_stations += 1;
    }
    planted
}

/// The stuffing model of [`crate::fingerprint::stuffing`], with binomial draws: a share x of the non-voters become ballots for the winner
/// (turnout a → a + x(1 − a)), and a share x^α of the other candidates' votes moves to
/// the winner, so the winner ends with N·[aν + x(1 − a) + x^α·a(1 − ν)].
fn stuff(rng: &mut Rng, c: &mut Counts, x: f64, exponent: f64, t: &mut KindTruth) {
    t.stations += 1;
    let added = binomial(rng, c.registered.saturating_sub(c.ballots), x);
    let steal = steal_share(x, exponent);
    let mut moved = 0;
    for v in c.votes.iter_mut().skip(1) {
        let s = binomial(rng, *v, steal);
        *v -= s;
        moved += s;
    }
    if let Some(w) = c.votes.first_mut() {
        *w += added + moved;
    }
    c.ballots += added;
    c.valid += added;
    t.ballots_added += added as i64;
    t.votes_moved += moved;
}

/// The smallest whole percentage at or above 100·num/den; half of the time (a person's
/// liking for round numbers) the smallest multiple of 5 instead.
fn target_percent(rng: &mut Rng, num: u64, den: u64) -> u128 {
    let (num, den) = (u128::from(num), u128::from(den));
    let round_five: bool = rng.random();
    if round_five {
        (100 * num).div_ceil(5 * den) * 5
    } else {
        (100 * num).div_ceil(den)
    }
}

/// Turnout pushed up to a whole percentage with new ballots for the winner, then the
/// winner's share pushed up to one with votes moved from the others.
fn integer_percent(rng: &mut Rng, c: &mut Counts, t: &mut KindTruth) {
    t.stations += 1;
    if c.registered == 0 || c.votes.is_empty() {
        return;
    }
    let target = target_percent(rng, c.ballots, c.registered).min(100);
    // round(T·n/100), half up: within 0.5/n of T%, so it rounds back to T.
    let ballots = ((target * u128::from(c.registered) + 50) / 100) as u64;
    let added = ballots.saturating_sub(c.ballots);
    c.ballots += added;
    c.valid += added;
    c.votes[0] += added;
    t.ballots_added += added as i64;

    if c.valid == 0 {
        return;
    }
    let target = target_percent(rng, c.votes[0], c.valid).min(100);
    let winner = ((target * u128::from(c.valid) + 50) / 100) as u64;
    let others = c.valid - c.votes[0];
    let moved = winner.saturating_sub(c.votes[0]).min(others);
    if moved == 0 {
        return;
    }
    // Taken from the others in proportion to their votes (largest remainders).
    let mut take: Vec<(u64, u128, usize)> = c
        .votes
        .iter()
        .enumerate()
        .skip(1)
        .map(|(j, &v)| {
            let exact = u128::from(moved) * u128::from(v);
            let whole = (exact / u128::from(others)) as u64;
            (whole, exact % u128::from(others), j)
        })
        .collect();
    let mut short = moved - take.iter().map(|x| x.0).sum::<u64>();
    let mut order: Vec<usize> = (0..take.len()).collect();
    order.sort_by(|&a, &b| take[b].1.cmp(&take[a].1).then(a.cmp(&b)));
    for o in order {
        if short == 0 {
            break;
        }
        let j = take[o].2;
        if take[o].0 < c.votes[j] {
            take[o].0 += 1;
            short -= 1;
        }
    }
    let mut done = 0;
    for (n, _, j) in take {
        let n = n.min(c.votes[j]);
        c.votes[j] -= n;
        done += n;
    }
    c.votes[0] += done;
    t.votes_moved += done;
}

/// A last digit as a person inventing numbers writes it: 0 and 5 favoured.
fn human_digit(rng: &mut Rng) -> u64 {
    const OTHERS: [u64; 8] = [1, 2, 3, 4, 6, 7, 8, 9];
    let u: f64 = rng.random();
    if u < 0.25 {
        0
    } else if u < 0.45 {
        5
    } else {
        let k = ((u - 0.45) / (0.55 / 8.0)) as usize;
        OTHERS[k.min(7)]
    }
}

/// Every candidate count keeps its tens and gets an invented last digit; valid and
/// ballots follow, and ballots stay within the registered voters.
fn invent_counts(rng: &mut Rng, c: &mut Counts, t: &mut KindTruth) {
    t.stations += 1;
    let before = c.clone();
    for v in c.votes.iter_mut() {
        *v = *v / 10 * 10 + human_digit(rng);
    }
    c.valid = c.votes.iter().sum();
    c.ballots = c.valid + c.invalid;
    if c.ballots > c.registered {
        let cut = (c.ballots - c.registered).min(c.invalid);
        c.invalid -= cut;
        c.ballots -= cut;
    }
    while c.ballots > c.registered {
        // Lower the largest count by ten: its invented digit survives.
        let Some(j) = (0..c.votes.len())
            .filter(|&j| c.votes[j] >= 10)
            .max_by_key(|&j| (c.votes[j], std::cmp::Reverse(j)))
        else {
            break;
        };
        c.votes[j] -= 10;
        c.valid -= 10;
        c.ballots -= 10;
    }
    if c.ballots > c.registered {
        *c = before;
        return;
    }
    t.ballots_added += c.ballots as i64 - before.ballots as i64;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(registered: u64, invalid: u64, votes: &[u64]) -> Counts {
        let valid = votes.iter().sum();
        Counts {
            registered,
            ballots: valid + invalid,
            valid,
            invalid,
            votes: votes.to_vec(),
        }
    }

    fn consistent(c: &Counts) -> bool {
        c.votes.iter().sum::<u64>() == c.valid
            && c.valid + c.invalid == c.ballots
            && c.ballots <= c.registered
    }

    #[test]
    fn regions_are_contiguous_equal_blocks() {
        let r: Vec<usize> = (0..10).map(|i| region_of(i, 10, 3)).collect();
        assert_eq!(r, [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    }

    #[test]
    fn integer_percent_lands_on_whole_percentages() {
        let mut rng = batch_rng(1, "test", 0);
        for trial in 0..200 {
            let mut c = counts(1000 + trial, 7, &[400 + trial, 150, 90]);
            let mut t = KindTruth::default();
            let before = c.clone();
            integer_percent(&mut rng, &mut c, &mut t);
            assert!(consistent(&c), "{c:?}");
            let turnout = 100.0 * c.ballots as f64 / c.registered as f64;
            assert!((turnout - turnout.round()).abs() <= 50.0 / c.registered as f64 + 1e-9);
            let share = 100.0 * c.votes[0] as f64 / c.valid as f64;
            assert!(
                (share - share.round()).abs() <= 50.0 / c.valid as f64 + 1e-9,
                "{before:?} {c:?}"
            );
            assert!(c.ballots >= before.ballots && c.votes[0] >= before.votes[0]);
            assert_eq!(t.ballots_added as u64, c.ballots - before.ballots);
            assert_eq!(
                t.votes_moved + t.ballots_added as u64,
                c.votes[0] - before.votes[0]
            );
        }
    }

    #[test]
    fn invented_counts_keep_the_tens_and_the_arithmetic() {
        let mut rng = batch_rng(2, "test", 0);
        let mut zero_or_five = 0;
        for _ in 0..500 {
            let mut c = counts(700, 5, &[431, 127, 58, 3]);
            let before = c.clone();
            invent_counts(&mut rng, &mut c, &mut KindTruth::default());
            assert!(consistent(&c));
            for (a, b) in c.votes.iter().zip(&before.votes) {
                assert_eq!(a / 10, b / 10);
                zero_or_five += usize::from(a % 5 == 0);
            }
        }
        // P(0 or 5) = 0.45 per count: 900 expected of 2000, sd 22.
        assert!((800..1000).contains(&zero_or_five), "{zero_or_five}");
    }

    #[test]
    fn invented_counts_never_exceed_the_registered() {
        let mut rng = batch_rng(3, "test", 0);
        for _ in 0..200 {
            let mut c = counts(292, 0, &[280, 10, 2]);
            invent_counts(&mut rng, &mut c, &mut KindTruth::default());
            assert!(consistent(&c), "{c:?}");
        }
    }

    #[test]
    fn extreme_stuffing_fills_the_station() {
        let mut rng = batch_rng(4, "test", 0);
        let mut c = counts(1000, 10, &[300, 200, 100]);
        let mut t = KindTruth::default();
        stuff(&mut rng, &mut c, 1.0, 1.0, &mut t);
        assert!(consistent(&c));
        assert_eq!(c.ballots, 1000);
        assert_eq!(c.votes, [990, 0, 0]);
        assert_eq!(t.ballots_added, 390);
        assert_eq!(t.votes_moved, 300);
    }
}
