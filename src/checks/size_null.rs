//! A second null for `second-digit` that keeps each station's size.
//!
//! The smooth null smooths the counts with a kernel of about 5% of the count. Where station
//! sizes bunch (a legal cap of 750, 1,500 or 3,000 voters, or stations split to one size),
//! ballots cast are the cap times turnout: a peak a few percent wide, which the kernel
//! widens and the test reads as a second-digit anomaly. A clean election of 5,000 stations
//! with 30% of them at a 2,000-voter cap gave p = 7e-30 on ballots; twice and three times
//! narrower kernels, with or without a fourth-order (twiced) kernel, only delay the
//! rejection as the number of stations grows (p = 4e-4 at 20,000 stations).
//!
//! Here the counts are drawn again keeping what the election's structure fixes: each
//! station keeps its base (registered voters for ballots, valid votes for a candidate) and
//! takes the count of a donor, a station of the same region whose base is within 10% of
//! its own, scaled to its own base and rounded at random: count = ⌊donor's count × base ÷
//! donor's base + U⌋. That keeps the sizes' bunching and how rates vary with size, while
//! the donor's other size (up to 10% off, a shift of up to one second-digit block or more
//! at every count) scrambles much of any digit pattern of its own. Fresh binomial noise
//! instead (count ~ Binomial(base, donor's rate)) adds the noise twice and widens the
//! bunched peak: at 1,000,000 stations with 30% at a cap it left p = 6e-6 where scaling
//! leaves no rejection. Each replicate is scored exactly as the observed counts (the
//! smooth null's chi-square against its own smooth expectation), and the observed
//! chi-square is read against a scaled chi-square with the replicates' mean and variance.
//!
//! The check reports the larger of the two p-values: a second-digit anomaly is flagged
//! only when it stands out under both nulls.

use rand::RngExt as _;
use rayon::prelude::*;

use crate::data::Dataset;
use crate::montecarlo::{Rng, batch_rng};
use crate::stats::smooth::{CountHistogram, DigitClasses, SECOND_DIGIT_BANDWIDTH, smooth_chi2};
use crate::stats::tails::chi2_sf;

/// Replicates of the structured null.
pub const REPLICATES: usize = 40;
/// A donor's base lies within this factor of the station's own.
const BASE_SPAN: f64 = 0.10;
/// Fewer donors than this in the region: the donors come from every region.
const MIN_DONORS: usize = 10;

/// One tested count with its base and its station's group (region + 1, or 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pair {
    group: u32,
    base: u32,
    count: u32,
}

/// The structured null's reading of an observed chi-square.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeNull {
    pub replicates: usize,
    /// Mean and variance of the replicates' chi-squares.
    pub mean: f64,
    pub variance: f64,
    /// P(c·χ²(ν) ≥ observed), with c and ν matching the replicates' mean and variance.
    pub p_value: f64,
}

/// Subject `j` of [`super::subjects::digit_subjects`]: a candidate (`j < k`), `all`
/// (`j == k`) or `ballots`. `None` when the subject has no base to keep (ballots without a
/// registered-voters column) or nothing to draw.
pub fn size_null(
    data: &Dataset,
    subject: usize,
    observed_chi2: f64,
    seed: u64,
) -> Option<SizeNull> {
    let pairs = subject_pairs(data, subject)?;
    let donors = Donors::new(pairs)?;
    if donors.sorted.is_empty() {
        return None;
    }
    let stream = format!("second-digit/size-null/{subject}");
    let stats: Vec<f64> = (0..REPLICATES)
        .into_par_iter()
        .filter_map(|b| {
            let mut rng = batch_rng(seed, &stream, b as u64);
            let hist = CountHistogram::from_values(donors.draw(&mut rng).into_iter());
            smooth_chi2(&hist, SECOND_DIGIT_BANDWIDTH, DigitClasses::SecondDigit, 10)
                .map(|f| f.chi2)
        })
        .collect();
    read(&stats, observed_chi2)
}

/// The observed chi-square against c·χ²(ν) with the replicates' mean cν and variance 2c²ν.
fn read(stats: &[f64], observed: f64) -> Option<SizeNull> {
    let n = stats.len();
    if n < REPLICATES / 2 {
        return None;
    }
    let mean = stats.iter().sum::<f64>() / n as f64;
    let variance = stats.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    if !(mean > 0.0 && variance > 0.0) {
        return None;
    }
    let scale = variance / (2.0 * mean);
    let df = mean / scale;
    Some(SizeNull {
        replicates: n,
        mean,
        variance,
        p_value: chi2_sf(observed / scale, df),
    })
}

/// The subject's (group, base, count) with a positive base.
fn subject_pairs(data: &Dataset, subject: usize) -> Option<Vec<Pair>> {
    let k = data.n_candidates();
    let group = |i: usize| data.stations[i].region.get().map_or(0, |r| r + 1);
    let mut out = Vec::new();
    for (i, s) in data.stations.iter().enumerate() {
        let mut push = |base: u32, count: u32| {
            if base > 0 {
                out.push(Pair {
                    group: group(i),
                    base,
                    count: count.min(base),
                });
            }
        };
        if subject > k {
            push(s.registered?, s.ballots);
            continue;
        }
        for j in 0..k {
            if (subject == k || subject == j) && data.on_ballot[i * k + j] {
                push(s.valid, data.votes[i * k + j]);
            }
        }
    }
    Some(out)
}

/// Pairs sorted by (group, base) and by base alone, with each pair's donors: a range of
/// the first (its region) or, where that holds too few, of the second (every region).
struct Donors {
    sorted: Vec<Pair>,
    national: Vec<Pair>,
    ranges: Vec<Donated>,
}

/// Indices into [`Donors::sorted`] or [`Donors::national`], in u32 to keep the memory of
/// a subject with millions of counts small.
#[derive(Clone, Copy)]
enum Donated {
    Region(u32, u32),
    National(u32, u32),
}

impl Donors {
    /// `None` past u32 indices.
    fn new(mut pairs: Vec<Pair>) -> Option<Donors> {
        u32::try_from(pairs.len()).ok()?;
        pairs.sort_unstable();
        let regional = |p: &Pair| {
            let (lo, hi) = base_window(p.base);
            let a = pairs.partition_point(|q| (q.group, q.base) < (p.group, lo));
            let b = pairs.partition_point(|q| (q.group, q.base) <= (p.group, hi));
            (b - a >= MIN_DONORS).then_some(Donated::Region(a as u32, b as u32))
        };
        let mut ranges: Vec<Option<Donated>> = pairs.iter().map(regional).collect();
        // Every region's stations, only where some region holds too few donors.
        let mut national = Vec::new();
        if ranges.iter().any(Option::is_none) {
            national = pairs.clone();
            national.sort_unstable_by_key(|p| (p.base, p.group, p.count));
            for (p, r) in pairs
                .iter()
                .zip(ranges.iter_mut())
                .filter(|(_, r)| r.is_none())
            {
                let (lo, hi) = base_window(p.base);
                let a = national.partition_point(|q| q.base < lo);
                let b = national.partition_point(|q| q.base <= hi);
                *r = Some(Donated::National(a as u32, b as u32));
            }
        }
        Some(Donors {
            sorted: pairs,
            national,
            ranges: ranges.into_iter().flatten().collect(),
        })
    }

    /// One replicate: each pair's count drawn from a donor's rate at its own base.
    fn draw(&self, rng: &mut Rng) -> Vec<u64> {
        self.sorted
            .iter()
            .zip(&self.ranges)
            .map(|(p, &range)| {
                let donor = match range {
                    Donated::Region(a, b) => self.sorted[rng.random_range(a..b) as usize],
                    Donated::National(a, b) => self.national[rng.random_range(a..b) as usize],
                };
                let x = f64::from(donor.count) * f64::from(p.base) / f64::from(donor.base);
                (x + rng.random::<f64>()).floor() as u64
            })
            .collect()
    }
}

/// Bases within [`BASE_SPAN`] of `base`.
fn base_window(base: u32) -> (u32, u32) {
    let b = f64::from(base);
    let lo = (b * (1.0 - BASE_SPAN)).ceil() as u32;
    let hi = (b * (1.0 + BASE_SPAN)).floor() as u32;
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    // python3 -c "from scipy.stats import chi2; import numpy as np;
    //   s=np.array([8.0,12.5,9.75,15.0,7.25,11.0,10.5,13.25,9.0,14.75]*4);
    //   m=s.mean(); v=s.var(ddof=1); c=v/(2*m); print(m, v, chi2.sf(40.0/c, m/c))"
    #[test]
    fn replicates_are_read_as_a_scaled_chi_square_as_scipy_does() {
        let s = [8.0, 12.5, 9.75, 15.0, 7.25, 11.0, 10.5, 13.25, 9.0, 14.75].repeat(4);
        let r = read(&s, 40.0).expect("read");
        assert!((r.mean - 11.1).abs() < 1e-12);
        assert!((r.variance - 6.784615384615385).abs() < 1e-12);
        let want = 1.3116805785167613e-12;
        assert!((r.p_value - want).abs() < 1e-9 * want, "{}", r.p_value);
        assert!(read(&s[..10], 40.0).is_none(), "too few replicates");
    }

    #[test]
    fn donors_come_from_the_region_within_ten_percent_else_from_every_region() {
        let mut pairs: Vec<Pair> = (0..20)
            .map(|i| Pair {
                group: 1,
                base: 1000 + i,
                count: 500,
            })
            .collect();
        pairs.push(Pair {
            group: 2,
            base: 1005,
            count: 900,
        });
        pairs.push(Pair {
            group: 1,
            base: 5000,
            count: 10,
        });
        let d = Donors::new(pairs).expect("donors");
        for (p, r) in d.sorted.iter().zip(&d.ranges) {
            match (p.group, p.base, *r) {
                (1, 5000, Donated::National(a, b)) => {
                    let (a, b) = (a as usize, b as usize);
                    assert!(d.national[a..b].iter().all(|q| q.base == 5000));
                }
                (1, _, Donated::Region(a, b)) => {
                    assert_eq!(b - a, 20);
                    let (a, b) = (a as usize, b as usize);
                    assert!(d.sorted[a..b].iter().all(|q| q.group == 1));
                }
                (2, _, Donated::National(a, b)) => assert_eq!(b - a, 21),
                other => panic!("unexpected donors for {:?}", other.0),
            }
        }
    }
}
