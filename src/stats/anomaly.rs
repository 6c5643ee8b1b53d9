//! The per-station anomaly score of `--stations-out` (docs/stations-out.md): one formula,
//! shared by the real stations' rows and by the clean stations simulated for its null, so
//! that the two are scored alike to the last bit.

use super::integer::{integer_probability, is_integer_percent};

/// Bins per axis of the score's fingerprint grid (2-point bins of turnout and share).
pub const GRID: usize = 50;

/// The score's term for each protocol-arithmetic kind a station fails.
pub const ARITHMETIC_TERM: f64 = 2.0;

/// Whether k of n is a whole percentage, and that event's chance under Binomial(n, k/n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WholePercent {
    pub hit: bool,
    pub p: f64,
}

/// `k` of `n` as a [`WholePercent`]; `None` for n = 0.
pub fn whole_percent(k: u64, n: u64) -> Option<WholePercent> {
    (n > 0).then(|| WholePercent {
        hit: is_integer_percent(k, n),
        p: integer_probability(n, k as f64 / n as f64),
    })
}

/// The cell of (turnout, share) on the [`GRID`]×[`GRID`] grid, 1.0 in the last bin.
pub fn cell(turnout: f64, share: f64) -> (usize, usize) {
    let bin = |x: f64| ((x * GRID as f64) as usize).min(GRID - 1);
    (bin(turnout), bin(share))
}

/// Index of a cell in grids laid out turnout-major.
pub fn cell_index((t, s): (usize, usize)) -> usize {
    t * GRID + s
}

/// The anomaly score: `−log10 p` per whole percentage shown, [`ARITHMETIC_TERM`] per
/// arithmetic kind failed, and `log10((observed + 1) / (expected + 1))` when positive for
/// the station's fingerprint cell (`crowding` = its observed and fair-expected stations).
pub fn score(
    whole: &[Option<WholePercent>],
    arithmetic: usize,
    crowding: Option<(u64, f64)>,
) -> f64 {
    let mut score = 0.0;
    for w in whole.iter().flatten().filter(|w| w.hit) {
        score += -w.p.max(1e-300).log10();
    }
    score += ARITHMETIC_TERM * arithmetic as f64;
    if let Some((o, e)) = crowding {
        score += ((o as f64 + 1.0) / (e + 1.0)).log10().max(0.0);
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_adds_its_three_terms() {
        let hit = Some(WholePercent { hit: true, p: 0.01 });
        let miss = Some(WholePercent {
            hit: false,
            p: 0.01,
        });
        assert!((score(&[hit, miss], 0, None) - 2.0).abs() < 1e-12);
        assert!((score(&[hit, hit], 1, None) - 6.0).abs() < 1e-12);
        // 99 stations where 9 are expected: log10(100 / 10) = 1; a thin cell adds nothing.
        assert!((score(&[None, None], 0, Some((99, 9.0))) - 1.0).abs() < 1e-12);
        assert_eq!(score(&[None, None], 0, Some((3, 9.0))), 0.0);
    }

    #[test]
    fn cells_are_two_point_bins_with_one_in_the_last() {
        assert_eq!(cell(0.0, 0.999), (0, 49));
        assert_eq!(cell(1.0, 0.5), (49, 25));
        assert_eq!(cell_index((1, 2)), 52);
        assert_eq!(whole_percent(1, 0), None);
        assert!(whole_percent(50, 100).unwrap().hit);
    }
}
