//! The typed pictures behind a result: what the HTML renderer draws. Binned here, so a
//! chart's size does not grow with the number of stations. Beside the fingerprint's maps,
//! the null that puts `--stations-out`'s anomaly score on a scale.

use rayon::prelude::*;

use crate::data::Dataset;

/// Normal quantile of a two-sided 95% band.
const Z_95: f64 = 1.959_963_984_540_054;

/// What a result can be drawn as. Not serialised: the JSON `detail` holds the same numbers
/// under its documented keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Charts {
    pub digits: Option<DigitChart>,
    pub histogram: Option<Histogram>,
    pub fingerprint: Option<FingerprintMaps>,
}

impl Charts {
    /// True when there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.digits.is_none() && self.histogram.is_none() && self.fingerprint.is_none()
    }
}

/// Observed digit counts against their expectation under the check's null, with the
/// pointwise 95% band of each count (binomial, normal approximation).
#[derive(Debug, Clone, PartialEq)]
pub struct DigitChart {
    /// e.g. "second digit".
    pub digit: String,
    pub observed: Vec<u64>,
    pub expected: Vec<f64>,
    pub band_low: Vec<f64>,
    pub band_high: Vec<f64>,
}

impl DigitChart {
    /// A chart of `observed` against `expected` (counts, digits 0, 1, …).
    pub fn new(digit: &str, observed: &[u64], expected: &[f64]) -> Self {
        let n: u64 = observed.iter().sum();
        let nf = n.max(1) as f64;
        let half: Vec<f64> = expected
            .iter()
            .map(|e| {
                let p = (e / nf).clamp(0.0, 1.0);
                Z_95 * (nf * p * (1.0 - p)).sqrt()
            })
            .collect();
        DigitChart {
            digit: digit.to_string(),
            observed: observed.to_vec(),
            expected: expected.to_vec(),
            band_low: expected
                .iter()
                .zip(&half)
                .map(|(e, h)| (e - h).max(0.0))
                .collect(),
            band_high: expected.iter().zip(&half).map(|(e, h)| e + h).collect(),
        }
    }
}

/// Stations by a percentage, in bins of `width` points centred on multiples of it (bin b
/// holds [b·width − width/2, b·width + width/2)), so that a whole percentage has a bin of
/// its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// What is counted, with its unit, e.g. "turnout (%)".
    pub x_label: String,
    /// Bin width in percentage points.
    pub width: f64,
    pub observed: Vec<u64>,
    /// Stations the check's null expects in each bin, where it has them.
    pub expected: Option<Vec<f64>>,
}

/// A 2-D histogram: `counts[y * (x_edges.len() - 1) + x]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub x_edges: Vec<f64>,
    pub y_edges: Vec<f64>,
    pub counts: Vec<f64>,
    pub x_label: String,
    pub y_label: String,
}

impl Heatmap {
    pub fn columns(&self) -> usize {
        self.x_edges.len().saturating_sub(1)
    }
    pub fn rows(&self) -> usize {
        self.y_edges.len().saturating_sub(1)
    }
    pub fn max(&self) -> f64 {
        self.counts.iter().copied().fold(0.0, f64::max)
    }
}

/// The election fingerprint, and what the fitted models would have drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerprintMaps {
    pub observed: Heatmap,
    /// Simulated from the fitted fair model (mean over its replicates), when available.
    pub fair: Option<Heatmap>,
    /// Simulated from the fitted fraud model, when available.
    pub fraud: Option<Heatmap>,
    /// Anomaly scores of clean stations simulated from the fitted fair model, when available.
    pub score_null: Option<ScoreNull>,
}

/// What `--stations-out` reads to score stations and put their scores on a scale: the
/// fingerprint's cells on the score's grid ([`crate::stats::anomaly::GRID`] per axis,
/// turnout-major), and the scores of its stations simulated without fraud.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreNull {
    /// The fingerprint's stations per cell.
    pub observed: Vec<u64>,
    /// Stations the fitted fair model expects per cell (its map, summed onto the grid).
    pub expected: Vec<f64>,
    /// Scores of the simulated clean stations, ascending.
    pub scores: Vec<f64>,
    /// Copies of the fingerprint's stations simulated for `scores`.
    pub copies: u64,
}

impl ScoreNull {
    /// The share of simulated clean stations scoring at least `score`, counting the
    /// station itself: (1 + #{null ≥ score}) / (1 + #null), an empirical p-value.
    pub fn tail(&self, score: f64) -> f64 {
        let below = self.scores.partition_point(|&s| s < score);
        let at_least = self.scores.len() - below;
        (1 + at_least) as f64 / (1 + self.scores.len()) as f64
    }
}

impl Heatmap {
    /// The counts summed onto a `grid`×`grid` grid laid out turnout-major (column = turnout,
    /// row = share here); `None` when this map's axes do not hold its counts.
    pub fn regrid(&self, grid: usize) -> Option<Vec<f64>> {
        let (cols, rows) = (self.columns(), self.rows());
        if cols == 0 || rows == 0 || self.counts.len() != cols * rows {
            return None;
        }
        let mut cells = vec![0.0; grid * grid];
        for r in 0..rows {
            for c in 0..cols {
                cells[(c * grid / cols) * grid + r * grid / rows] += self.counts[r * cols + c];
            }
        }
        Some(cells)
    }
}

/// Turnout (x) against the winner's share of valid votes (y), in percent, on a
/// `bins`×`bins` grid over [0, 100]; stations without both are left out. `None` when no
/// station has both.
pub fn fingerprint_heatmap(data: &Dataset, bins: usize) -> Option<Heatmap> {
    let bins = bins.max(1);
    let mut counts = vec![0.0; bins * bins];
    let bin = |x: f64| ((x * bins as f64) as usize).min(bins - 1);
    let mut any = false;
    for (i, s) in data.stations.iter().enumerate() {
        if let (Some(t), Some(w)) = (s.turnout(), data.winner_share(i)) {
            counts[bin(w) * bins + bin(t)] += 1.0;
            any = true;
        }
    }
    let edges: Vec<f64> = (0..=bins).map(|k| 100.0 * k as f64 / bins as f64).collect();
    any.then(|| Heatmap {
        x_edges: edges.clone(),
        y_edges: edges,
        counts,
        x_label: "turnout (% of registered voters)".into(),
        y_label: "winner's share (% of valid votes)".into(),
    })
}

/// Cells per axis of the HTML report's fingerprint (1-point bins).
pub const FINGERPRINT_BINS: usize = 100;

/// The observed fingerprint for a result's charts; the fitted models' maps are added by
/// the fingerprint check where it has them.
pub fn fingerprint_charts(data: &Dataset) -> Charts {
    Charts {
        fingerprint: fingerprint_heatmap(data, FINGERPRINT_BINS).map(|observed| FingerprintMaps {
            observed,
            fair: None,
            fraud: None,
            score_null: None,
        }),
        ..Charts::default()
    }
}

/// The bin of 100k/n at 0.1-point resolution: round(1000k/n), in integers.
fn tenth_bin(k: u64, n: u64) -> usize {
    // Real counts keep this inside u64, where division is far cheaper than in u128.
    match (
        2000u64.checked_mul(k).and_then(|a| a.checked_add(n)),
        n.checked_mul(2),
    ) {
        (Some(num), Some(den)) => (num / den) as usize,
        _ => {
            let (k, n) = (u128::from(k), u128::from(n));
            ((2000 * k + n) / (2 * n)) as usize
        }
    }
}

/// Stations per parallel job of [`percent_histogram`]; fixed, so that the sums (and the
/// report's bytes) do not depend on the thread count.
const HISTOGRAM_CHUNK: usize = 4096;

/// Stations by the percentage 100k/n at 0.1-point resolution (1001 bins, 0 to 100%), with
/// the counts expected when each station's k is redrawn from Binomial(n, k/n), the null of
/// `integer-percent`. Pairs with n = 0 or k > n are left out.
pub fn percent_histogram(x_label: &str, pairs: &[(u64, u64)]) -> Histogram {
    const BINS: usize = 1001;
    let parts: Vec<(Vec<u64>, Vec<f64>)> = pairs
        .par_chunks(HISTOGRAM_CHUNK)
        .map(|chunk| {
            let mut observed = vec![0u64; BINS];
            let mut expected = vec![0.0; BINS];
            for &(k, n) in chunk {
                if n == 0 || k > n {
                    continue;
                }
                observed[tenth_bin(k, n).min(BINS - 1)] += 1;
                spread_binomial(k, n, &mut expected);
            }
            (observed, expected)
        })
        .collect();
    let mut observed = vec![0u64; BINS];
    let mut expected = vec![0.0; BINS];
    for (o, e) in parts {
        observed.iter_mut().zip(o).for_each(|(a, b)| *a += b);
        expected.iter_mut().zip(e).for_each(|(a, b)| *a += b);
    }
    Histogram {
        x_label: x_label.to_string(),
        width: 0.1,
        observed,
        expected: Some(expected),
    }
}

/// Largest n whose bin arithmetic stays inside u64 (2000·n·1001 < 2^64, with room).
const MAX_SPREAD_N: u64 = 1 << 40;

/// Adds Binomial(n, k/n)'s mass over 0.1-point bins of 100X/n to `bins`. The pmf runs
/// outward from the mode by its multiplicative recurrence over mean ± (6 sd + 3) and is
/// normalised over that window (the mass outside it is below 1e-8, invisible in a chart).
fn spread_binomial(k: u64, n: u64, bins: &mut [f64]) {
    let last = bins.len() - 1;
    if k == 0 || k == n {
        bins[tenth_bin(k, n).min(last)] += 1.0;
        return;
    }
    if n > MAX_SPREAD_N {
        // Beyond any real station: its binomial is a point at this scale.
        bins[tenth_bin(k, n).min(last)] += 1.0;
        return;
    }
    let p = k as f64 / n as f64;
    let half = 6.0 * (n as f64 * p * (1.0 - p)).sqrt() + 3.0;
    let lo = (k as f64 - half).floor().max(0.0) as u64;
    let hi = ((k as f64 + half).ceil() as u64).min(n);
    let odds = p / (1.0 - p);
    // Unnormalised pmf (1 at k), summed per bin: downward, then upward from k.
    let mut down: Vec<(usize, f64)> = Vec::new();
    let mut r = 1.0;
    let mut b = tenth_bin(k, n);
    for x in (lo..k).rev() {
        r *= (x + 1) as f64 / (n - x) as f64 / odds;
        // Step b back while x lies below bin b's lower edge: 2000x + n < 2nb.
        while b > 0 && 2000 * x + n < 2 * n * b as u64 {
            b -= 1;
        }
        add_to_bin(&mut down, b, r);
    }
    let mut up: Vec<(usize, f64)> = Vec::new();
    add_to_bin(&mut up, tenth_bin(k, n), 1.0);
    let mut r = 1.0;
    let mut b = tenth_bin(k, n);
    for x in k..hi {
        r *= (n - x) as f64 / (x + 1) as f64 * odds;
        // Bins only grow with x: step b forward while x + 1 reaches the next bin's edge,
        // 2000(x + 1) + n >= 2n(b + 1), in integers (no division per count).
        while 2000 * (x + 1) + n >= 2 * n * (b as u64 + 1) {
            b += 1;
        }
        add_to_bin(&mut up, b, r);
    }
    let total: f64 = down.iter().chain(&up).map(|(_, w)| w).sum();
    for (bin, w) in down.into_iter().chain(up) {
        bins[bin.min(last)] += w / total;
    }
}

/// Adds `w` to the last entry when it is bin `b`, else starts a new one.
fn add_to_bin(acc: &mut Vec<(usize, f64)>, b: usize, w: f64) {
    match acc.last_mut() {
        Some((last, sum)) if *last == b => *sum += w,
        _ => acc.push((b, w)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_spread_matches_the_pmf() {
        let mut bins = vec![0.0; 1001];
        spread_binomial(3, 10, &mut bins);
        // python3 -c "from scipy.stats import binom; print(repr(binom.pmf(3,10,0.3)), repr(binom.pmf(0,10,0.3)))"
        assert!(
            (bins[300] - 0.266_827_932_000_000_2).abs() < 1e-12,
            "{}",
            bins[300]
        );
        assert!(
            (bins[0] - 0.028_247_524_900_000_005).abs() < 1e-12,
            "{}",
            bins[0]
        );
        assert!((bins.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn whole_percentages_get_their_own_bin() {
        assert_eq!(tenth_bin(1, 2), 500);
        assert_eq!(tenth_bin(2, 3), 667); // 66.67% -> 66.7
        let h = percent_histogram("x", &[(50, 100), (0, 0), (5, 3)]);
        assert_eq!(h.observed[500], 1);
        assert_eq!(h.observed.iter().sum::<u64>(), 1);
    }

    #[test]
    fn the_null_tail_counts_ties_and_the_station_itself() {
        let null = ScoreNull {
            observed: Vec::new(),
            expected: Vec::new(),
            scores: vec![0.0, 0.0, 0.5, 1.0, 2.0],
            copies: 1,
        };
        assert_eq!(null.tail(0.0), 1.0);
        assert_eq!(null.tail(1.0), 3.0 / 6.0);
        assert_eq!(null.tail(1.5), 2.0 / 6.0);
        assert_eq!(null.tail(9.0), 1.0 / 6.0);
    }

    #[test]
    fn a_map_is_regridded_by_summing_its_cells() {
        let edges: Vec<f64> = (0..=4).map(|k| 25.0 * f64::from(k)).collect();
        let map = Heatmap {
            x_edges: edges.clone(),
            y_edges: edges,
            // Row (share) 3, column (turnout) 0, and row 0, column 1.
            counts: (0..16)
                .map(|i| match i {
                    12 => 5.0,
                    1 => 2.0,
                    _ => 0.0,
                })
                .collect(),
            x_label: String::new(),
            y_label: String::new(),
        };
        let cells = map.regrid(2).unwrap();
        assert_eq!(cells, vec![2.0, 5.0, 0.0, 0.0]);
    }

    #[test]
    fn the_digit_band_is_binomial() {
        let c = DigitChart::new("last digit", &[10; 10], &[10.0; 10]);
        // 100 draws at p = 0.1: sd 3.
        assert!((c.band_high[0] - (10.0 + Z_95 * 3.0)).abs() < 1e-12);
        assert!((c.band_low[0] - (10.0 - Z_95 * 3.0)).abs() < 1e-12);
    }
}
