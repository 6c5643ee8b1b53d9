//! Total rows that the exact sum test (`double_counts`) misses: rows named like a total
//! whose counts are too large for one station, and a grand total that is off the sum of
//! the stations by the rows left out or by a published correction.
//!
//! A total word alone does not make a total: Uganda 2011 has stations named `TOTAL A- AT
//! KATIMBA`, and a word list wide enough to catch `Σ`, `Razem` and `合计` catches real
//! names too. So a row named like a total is a total only when it holds more voters than
//! every station not so named; one of ordinary size is kept and told.

/// Relative tolerance of [`near_grand_total`] in each column.
pub(super) const GRAND_TOLERANCE: f64 = 0.05;
/// Other rows a grand total must sum at least: one station as large as a few others
/// in every column is a real (urban) station as often as a total.
pub(super) const GRAND_MIN_OTHERS: usize = 20;

/// Which of the named rows are totals: those larger than every row not named, by
/// `size`. Without any row not named, every named row is one.
pub(super) fn oversized_named(sizes: &[u64], named: &[bool]) -> Vec<bool> {
    let largest = (sizes.iter().zip(named))
        .filter(|(_, n)| !**n)
        .map(|(s, _)| *s)
        .max();
    (sizes.iter().zip(named))
        .map(|(&s, &n)| n && largest.is_none_or(|l| s > l))
        .collect()
}

/// A grand total off the stations' sum: the largest row (with any exact copies of it,
/// a total at the top and the bottom) when, in every column, it is within
/// [`GRAND_TOLERANCE`] of the sum of all other rows, over at least [`GRAND_MIN_OTHERS`]
/// of them. Returns those rows and the largest relative difference.
pub(super) fn near_grand_total(
    n: usize,
    width: usize,
    fill: impl Fn(usize, &mut [u32]),
) -> Option<(Vec<usize>, f64)> {
    let mut buf = vec![0u32; width];
    let mut sums = vec![0u64; width];
    let (mut top, mut top_size) = (None, 0u64);
    for i in 0..n {
        fill(i, &mut buf);
        let size: u64 = buf.iter().map(|&v| u64::from(v)).sum();
        for (s, &v) in sums.iter_mut().zip(&buf) {
            *s += u64::from(v);
        }
        if size > top_size {
            (top, top_size) = (Some(i), size);
        }
    }
    let top = top?;
    let mut total = vec![0u32; width];
    fill(top, &mut total);
    let copies: Vec<usize> = (0..n)
        .filter(|&i| {
            fill(i, &mut buf);
            buf == total
        })
        .collect();
    if n - copies.len() < GRAND_MIN_OTHERS {
        return None;
    }
    let mut worst = 0.0f64;
    let mut nonzero = 0;
    for (&t, &s) in total.iter().zip(&sums) {
        let t = u64::from(t);
        let others = s - t * copies.len() as u64;
        let (hi, lo) = (t.max(others), t.min(others));
        if hi == 0 {
            continue;
        }
        nonzero += 1;
        worst = worst.max((hi - lo) as f64 / hi as f64);
    }
    (nonzero >= 2 && worst <= GRAND_TOLERANCE).then_some((copies, worst))
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
        near_grand_total(rows.len(), 3, |i, b| b.copy_from_slice(&rows[i]))
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
    fn a_large_station_unlike_the_sum_is_kept() {
        let mut r = rows();
        let mut t = sum(&r);
        t[2] = t[2] * 8 / 10;
        r.push(t);
        assert_eq!(run(&r), None);
        let few: Vec<[u32; 3]> = rows().into_iter().take(GRAND_MIN_OTHERS - 1).collect();
        let mut few2 = few.clone();
        few2.push(sum(&few));
        assert_eq!(run(&few2), None);
    }

    #[test]
    fn a_named_row_is_a_total_only_when_larger_than_every_station() {
        let sizes = [800, 600, 5000, 850, 700];
        let named = [false, true, true, false, false];
        assert_eq!(
            oversized_named(&sizes, &named),
            [false, false, true, false, false]
        );
        assert_eq!(oversized_named(&[10, 20], &[true, true]), [true, true]);
    }
}
