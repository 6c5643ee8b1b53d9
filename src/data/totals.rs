//! Total rows that the exact sum test (`double_counts`) misses: rows named like a total
//! whose counts are too large for one station, and a grand total that is off the sum of
//! the stations by the rows left out or by a published correction.
//!
//! A total word alone does not make a total: Uganda 2011 has stations named `TOTAL A- AT
//! KATIMBA`, and a word list wide enough to catch `Σ`, `Razem` and `合计` catches real
//! names too. So a row named like a total is a total only when it holds more voters than
//! every station not so named; one of ordinary size is kept and told.

/// Relative tolerance of [`near_grand_totals`] in each column.
pub(super) const GRAND_TOLERANCE: f64 = 0.05;
/// Other rows a grand total must sum at least: one station as large as a few others
/// in every column is a real (urban) station as often as a total.
pub(super) const GRAND_MIN_OTHERS: usize = 20;
/// Grand totals looked for at once (with and without postal votes, at the top and the
/// bottom).
const MAX_GRAND_TOTALS: usize = 4;
/// A row this many times the median row is no station to compare named rows with: an
/// unnamed grand total would make every subtotal look like a station.
const OUTSIZED: u64 = 20;

/// Which of the named rows are totals: those larger than every row not named (leaving
/// out rows [`OUTSIZED`] times their median). Where most rows are named, the word is a
/// place's name: totals of two rows or more are never most of the rows.
pub(super) fn oversized_named(sizes: &[u64], named: &[bool]) -> Vec<bool> {
    let n_named = named.iter().filter(|&&n| n).count();
    if n_named * 2 > sizes.len() {
        return vec![false; sizes.len()];
    }
    let mut unnamed: Vec<u64> = (sizes.iter().zip(named))
        .filter(|(_, n)| !**n)
        .map(|(s, _)| *s)
        .collect();
    unnamed.sort_unstable();
    let ceiling = unnamed[unnamed.len() / 2].max(1).saturating_mul(OUTSIZED);
    let largest = unnamed.iter().rev().find(|&&s| s <= ceiling).copied();
    (sizes.iter().zip(named))
        .map(|(&s, &n)| n && largest.is_none_or(|l| s > l))
        .collect()
}

/// Grand totals off the stations' sum: the largest `m` rows (up to
/// [`MAX_GRAND_TOTALS`]: a total with and without postal votes, or at the top and the
/// bottom) when each is within [`GRAND_TOLERANCE`] of the sum of the other rows in every
/// column, over at least [`GRAND_MIN_OTHERS`] of them, and each sits among the first or
/// last `m` rows, where totals are printed. Returns those rows and the largest relative
/// difference.
pub(super) fn near_grand_totals(
    n: usize,
    width: usize,
    fill: impl Fn(usize, &mut [u32]),
) -> Option<(Vec<usize>, f64)> {
    let mut buf = vec![0u32; width];
    let mut sums = vec![0u64; width];
    let mut by_size: Vec<(u64, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        fill(i, &mut buf);
        by_size.push((buf.iter().map(|&v| u64::from(v)).sum(), i));
        for (s, &v) in sums.iter_mut().zip(&buf) {
            *s += u64::from(v);
        }
    }
    by_size.sort_unstable_by(|a, b| b.cmp(a));
    let rows = |m: usize| -> Vec<Vec<u32>> {
        (by_size.iter().take(m))
            .map(|&(_, i)| {
                let mut r = vec![0u32; width];
                fill(i, &mut r);
                r
            })
            .collect()
    };
    (1..=MAX_GRAND_TOTALS.min(n.saturating_sub(GRAND_MIN_OTHERS)))
        .rev()
        .find_map(|m| {
            let at_ends = (by_size.iter().take(m)).all(|&(_, i)| i < m || i >= n - m);
            let worst = at_ends.then(|| worst_difference(&rows(m), &sums))??;
            let mut found: Vec<usize> = by_size.iter().take(m).map(|&(_, i)| i).collect();
            found.sort_unstable();
            (worst <= GRAND_TOLERANCE).then_some((found, worst))
        })
}

/// The largest relative difference, over the rows and columns, between each of `totals`
/// and the sum of every other row (`sums` less the totals); `None` where fewer than two
/// columns hold counts.
fn worst_difference(totals: &[Vec<u32>], sums: &[u64]) -> Option<f64> {
    let mut worst = 0.0f64;
    let mut nonzero = 0;
    for (c, &s) in sums.iter().enumerate() {
        let others = s - totals.iter().map(|t| u64::from(t[c])).sum::<u64>();
        for t in totals {
            let t = u64::from(t[c]);
            let (hi, lo) = (t.max(others), t.min(others));
            if hi > 0 {
                worst = worst.max((hi - lo) as f64 / hi as f64);
            }
        }
        nonzero += usize::from(others > 0);
    }
    (nonzero >= 2).then_some(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<[u32; 3]> {
        (0..30u32)
            .map(|i| [100 + i, 60 + i % 7, 40 - i % 5])
            .collect()
    }

    fn run(rows: &[[u32; 3]]) -> Option<(Vec<usize>, f64)> {
        near_grand_totals(rows.len(), 3, |i, b| b.copy_from_slice(&rows[i]))
    }

    fn sum(rows: &[[u32; 3]]) -> [u32; 3] {
        let mut t = [0; 3];
        for r in rows {
            for c in 0..3 {
                t[c] += r[c];
            }
        }
        t
    }

    #[test]
    fn a_total_off_by_a_few_rows_is_found_and_a_station_is_not() {
        let mut r = rows();
        assert_eq!(run(&r), None);
        let mut t = sum(&r[1..]); // a row left out of the sum
        t[1] += 1; // and a corrected count
        r.push(t);
        let (found, worst) = run(&r).expect("a total");
        assert_eq!(found, vec![30]);
        assert!(worst > 0.0 && worst < GRAND_TOLERANCE, "{worst}");
        r.insert(0, t); // the same total at the top
        assert_eq!(run(&r).expect("two").0, vec![0, 31]);
    }

    #[test]
    fn two_different_totals_at_the_bottom_are_both_found() {
        let mut r = rows();
        let t = sum(&r);
        let mut postal = t;
        postal[1] += 30;
        postal[2] += 20;
        r.push(t);
        r.push(postal);
        assert_eq!(run(&r).expect("two").0, vec![30, 31]);
    }

    #[test]
    fn a_large_station_unlike_the_sum_or_amid_the_rows_is_kept() {
        let mut r = rows();
        let mut t = sum(&r);
        t[2] = t[2] * 8 / 10;
        r.push(t);
        assert_eq!(run(&r), None);
        let mut r = rows();
        r.insert(12, sum(&r)); // like the sum, but amid the stations
        assert_eq!(run(&r), None);
        let few: Vec<[u32; 3]> = rows().into_iter().take(GRAND_MIN_OTHERS - 1).collect();
        let mut few2 = few.clone();
        few2.push(sum(&few));
        assert_eq!(run(&few2), None);
    }

    #[test]
    fn a_named_row_is_a_total_only_when_larger_than_every_station() {
        let mut sizes = vec![800, 600, 5000, 850, 700, 900, 750];
        let mut named = vec![false, true, true, false, false, false, false];
        let want = [false, false, true, false, false, false, false];
        assert_eq!(oversized_named(&sizes, &named), want);
        // An unnamed grand total is no station to compare the subtotals with.
        sizes.push(60_000);
        named.push(false);
        assert!(oversized_named(&sizes, &named)[2]);
        // Named at most rows: a place's name.
        assert_eq!(
            oversized_named(&[10, 20, 5000], &[true, false, true]),
            [false; 3]
        );
        assert!(oversized_named(&[10, 20, 5000], &[false, false, true])[2]);
        assert_eq!(oversized_named(&[10, 20], &[true, true]), [false, false]);
    }
}
