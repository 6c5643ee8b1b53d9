//! Rows that would count stations twice: rows whose counts are the exact sum of a run of
//! neighbouring rows, totals and subtotals that carry no total word; and, in a file
//! without ids, blocks of rows that repeat an earlier block row for row.
//!
//! A row is a sum row when every count (registered, ballots, valid, invalid and each
//! candidate) equals the sum over a contiguous run of at least two other rows with
//! counts, just before it (a subtotal under its stations) or just after it (a subtotal
//! heading them), and when such a match is too unlikely to be chance. Subtotals are
//! taken out first, so that a grand total is then found as the sum of the stations left.
//!
//! Chance matches are real: a million stations with two candidates hold a few rows equal
//! to the sum of their neighbours, and tiny stations hold many. So the chance that a row
//! takes the run's counts is read off the file itself, from registered, invalid and the
//! candidates (ballots and valid votes follow from them): the share of rows near the
//! row's value, per unit of value, in its rarest column, times the same share in the
//! rarest other column among those nearby rows, so that columns of one station moving
//! together are not counted as two rarities. That chance, times the rows and the runs
//! each row meets, must stay below [`CHANCE`]. A total of many stations lies beyond every
//! station and passes at once; a row of ordinary size passes only when it is rare enough.
//!
//! Runs are found through a linear hash of the running sums, so each row costs one
//! lookup; a hit is confirmed by summing its run in full.

use std::collections::HashMap;

use rayon::prelude::*;

/// A row found to be the sum of the rows `first..=last` (indices into the rows given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SumRow {
    pub row: usize,
    pub first: usize,
    pub last: usize,
    /// Rows in the run (rows between that were found to be sums themselves are not).
    pub rows: usize,
}

/// How many chance matches in the whole file are tolerated.
const CHANCE: f64 = 1e-3;
/// Consecutive rows that make a copied block.
const MIN_BLOCK: usize = 4;
/// Rows near the rarest column's value that the second column is read among.
const MAX_NEAR: usize = 2_000;
/// The columns (ballots, valid) that the others determine in a row that adds up.
const DERIVED: [usize; 2] = [1, 2];
/// Runs of about a row's size that one row meets: before and after it, a length or two.
const RUNS_PER_ROW: f64 = 4.0;

/// Rounds of search: subtotals, then totals of subtotals, then a grand total.
const ROUNDS: usize = 3;

/// The sum rows among `n` rows of `width` counts each; `fill(i, buf)` writes row `i`:
/// registered, ballots, valid, invalid, then the candidates.
pub(super) fn sum_rows(
    n: usize,
    width: usize,
    fill: impl Fn(usize, &mut [u32]) + Sync,
) -> Vec<SumRow> {
    let table = Table {
        fill: &fill,
        n,
        width,
        sorted: Default::default(),
    };
    let mut alive: Vec<u32> = (0..n as u32).collect();
    let mut found = Vec::new();
    for _ in 0..ROUNDS {
        let round = table.one_round(&alive);
        if round.is_empty() {
            break;
        }
        let gone: std::collections::HashSet<usize> = round.iter().map(|s| s.row).collect();
        alive.retain(|&i| !gone.contains(&(i as usize)));
        found.extend(round);
    }
    found.sort_by_key(|s| s.row);
    found
}

/// The rows, read through the caller's `fill` so that nothing is copied.
struct Table<'a> {
    fill: &'a (dyn Fn(usize, &mut [u32]) + Sync),
    n: usize,
    width: usize,
    /// Each column's values, sorted; built at the first match, which most files never see.
    sorted: std::sync::OnceLock<Vec<Vec<(u32, u32)>>>,
}

impl Table<'_> {
    fn row(&self, i: u32) -> Vec<u32> {
        let mut buf = vec![0; self.width];
        (self.fill)(i as usize, &mut buf);
        buf
    }

    /// Each informative column's (value, row), sorted; empty for the derived ones.
    fn sorted(&self) -> &[Vec<(u32, u32)>] {
        self.sorted.get_or_init(|| {
            let mut cols = vec![Vec::new(); self.width];
            let mut buf = vec![0; self.width];
            for i in 0..self.n as u32 {
                (self.fill)(i as usize, &mut buf);
                for (c, col) in cols.iter_mut().enumerate() {
                    if !DERIVED.contains(&c) {
                        col.push((buf[c], i));
                    }
                }
            }
            cols.par_iter_mut().for_each(|c| c.sort_unstable());
            cols
        })
    }

    /// Whether a row with these counts is too rare to match a run by chance.
    fn too_rare_for_chance(&self, row: &[u32]) -> bool {
        self.rarer_than(row, CHANCE / (self.n as f64 * RUNS_PER_ROW))
    }

    /// Whether a row drawn from the file takes exactly these counts with a chance below
    /// `limit`. The two rarest columns' masses, multiplied, are a quick first reading
    /// that overstates the rarity where columns move together; only rows that pass it
    /// are read again with [`Self::chance`].
    fn rarer_than(&self, row: &[u32], limit: f64) -> bool {
        let cols = self.sorted();
        let mut masses: Vec<f64> = (0..self.width)
            .filter(|c| !DERIVED.contains(c))
            .map(|c| near(&cols[c], row[c]).mass)
            .collect();
        masses.sort_by(f64::total_cmp);
        masses.iter().take(2).product::<f64>() < limit && self.chance(row) < limit
    }

    /// The chance that a row drawn from the file takes exactly these counts, from two
    /// columns among registered, invalid and the candidates (ballots and valid votes
    /// follow from those where a row adds up): the rarest column's mass at its value,
    /// times the rarest mass of another column among the rows near that value. Taken
    /// among those rows, the second mass holds how columns of one station move together.
    fn chance(&self, row: &[u32]) -> f64 {
        let cols = self.sorted();
        let first = (0..self.width)
            .filter(|c| !DERIVED.contains(c))
            .map(|c| (c, near(&cols[c], row[c])))
            .min_by(|a, b| a.1.mass.total_cmp(&b.1.mass));
        let Some((c1, w1)) = first else {
            return 1.0;
        };
        let rows = &cols[c1][w1.lo..w1.hi];
        let step = rows.len().div_ceil(MAX_NEAR).max(1);
        let near_rows: Vec<Vec<u32>> = rows.iter().step_by(step).map(|e| self.row(e.1)).collect();
        let second = (0..self.width)
            .filter(|&c| c != c1 && !DERIVED.contains(&c))
            .map(|c| {
                let mut col: Vec<(u32, u32)> = near_rows.iter().map(|r| (r[c], 0)).collect();
                col.sort_unstable();
                near(&col, row[c]).mass
            })
            .fold(1.0, f64::min);
        w1.mass * second
    }

    /// Sum rows among the rows `alive` (in file order), each against runs of the others.
    fn one_round(&self, alive: &[u32]) -> Vec<SumRow> {
        let hashes: Vec<u64> = alive
            .par_iter()
            .map_init(
                || vec![0; self.width],
                |buf, &i| {
                    (self.fill)(i as usize, buf);
                    hash(buf)
                },
            )
            .collect();
        let (before, after) = run_ends(&hashes);
        let mut out = Vec::new();
        for (p, &h) in hashes.iter().enumerate() {
            if h == 0 {
                continue; // an empty row (or, rarely, one whose hash is 0)
            }
            let (j, e) = (before[p] as usize, after[p] as usize);
            let run = match () {
                _ if j < p && self.sums_to(alive, j..p, p) => Some(j..p),
                _ if e != NOWHERE as usize && e > p + 1 && self.sums_to(alive, p + 1..e, p) => {
                    Some(p + 1..e)
                }
                _ => None,
            };
            if let Some(r) = run.filter(|_| self.too_rare_for_chance(&self.row(alive[p]))) {
                out.push(SumRow {
                    row: alive[p] as usize,
                    first: alive[r.start] as usize,
                    last: alive[r.end - 1] as usize,
                    rows: r.len(),
                });
            }
        }
        out
    }

    /// Whether the rows at positions `run` (at least two of them with counts) add up to
    /// the row at position `p` in every column.
    fn sums_to(&self, alive: &[u32], run: std::ops::Range<usize>, p: usize) -> bool {
        let mut sum = vec![0u64; self.width];
        let mut with_counts = 0;
        let mut buf = vec![0; self.width];
        for &i in &alive[run] {
            (self.fill)(i as usize, &mut buf);
            with_counts += usize::from(buf.iter().any(|&v| v > 0));
            for (s, &v) in sum.iter_mut().zip(&buf) {
                *s += u64::from(v);
            }
        }
        let row = self.row(alive[p]);
        with_counts >= 2 && sum.iter().zip(&row).all(|(&s, &v)| s == u64::from(v))
    }
}

/// A row left out of the stations (rejected for a bad cell, or excluded by a rule) that
/// may still sit inside a subtotal's run: where it sits among the rows (the first row
/// after it), and the counts it could read, in the rows' layout.
pub(super) struct Hole {
    pub at: usize,
    pub counts: Vec<Option<u32>>,
}

/// A sum row whose run holds a hole: the row, its run `first..=last`, and the hole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HoleSum {
    pub row: usize,
    pub first: usize,
    pub last: usize,
    pub hole: usize,
}

/// Rows a hole's subtotal may lie away from it, on either side.
const HOLE_WINDOW: usize = 1_000;
/// Holes searched around at most: each costs a pass over its window, and a file with
/// more rows left out than this has larger troubles, which its rejected rows show.
pub(super) const MAX_HOLES: usize = 5_000;

/// The sum rows that [`sum_rows`] cannot see because a station of their run was left
/// out: a row equal to the sum of a run of rows next to it plus the hole inside or at the
/// edge of that run, in every column the hole could read, and at least that sum in the
/// others; and too rare for chance, as there.
pub(super) fn sum_rows_around_holes(
    n: usize,
    width: usize,
    fill: impl Fn(usize, &mut [u32]) + Sync,
    holes: &[Hole],
) -> Vec<HoleSum> {
    let table = Table {
        fill: &fill,
        n,
        width,
        sorted: Default::default(),
    };
    let mut found: Vec<HoleSum> = (0..holes.len())
        .into_par_iter()
        .filter_map(|h| table.around_hole(&holes[h], h))
        .collect();
    found.sort_by_key(|f| f.row);
    found.dedup_by_key(|f| f.row);
    found
}

/// The rows around one hole, `lo..hi`, with their running sums: `sum(i)` is the sum of
/// rows `lo..lo + i`, laid out flat.
struct Window {
    lo: usize,
    width: usize,
    rows: Vec<u32>,
    sums: Vec<u64>,
}

impl Window {
    fn new(table: &Table, lo: usize, hi: usize) -> Window {
        let width = table.width;
        let mut rows = vec![0u32; (hi - lo) * width];
        for (i, row) in rows.chunks_mut(width).enumerate() {
            (table.fill)(lo + i, row);
        }
        let mut sums = vec![0u64; (hi - lo + 1) * width];
        for i in 0..hi - lo {
            for c in 0..width {
                sums[(i + 1) * width + c] = sums[i * width + c] + u64::from(rows[i * width + c]);
            }
        }
        Window {
            lo,
            width,
            rows,
            sums,
        }
    }

    fn row(&self, p: usize) -> &[u32] {
        &self.rows[(p - self.lo) * self.width..(p - self.lo + 1) * self.width]
    }

    /// The running sum before row `p`.
    fn sum(&self, p: usize) -> &[u64] {
        &self.sums[(p - self.lo) * self.width..(p - self.lo + 1) * self.width]
    }
}

/// A linear hash of the known columns of a running sum.
fn known_hash(v: impl Iterator<Item = (usize, u64)>) -> u64 {
    v.fold(0u64, |h, (c, x)| {
        h.wrapping_add(x.wrapping_mul(multiplier(c)))
    })
}

impl Table<'_> {
    /// The first sum row found around one hole: below its run (the run ends just before
    /// it) or heading it (the run starts just after it).
    fn around_hole(&self, hole: &Hole, h: usize) -> Option<HoleSum> {
        let a = hole.at.min(self.n);
        let (lo, hi) = (a.saturating_sub(HOLE_WINDOW), (a + HOLE_WINDOW).min(self.n));
        let w = Window::new(self, lo, hi);
        let known: Vec<(usize, u64)> = (0..self.width)
            .filter_map(|c| hole.counts[c].map(|v| (c, u64::from(v))))
            .collect();
        let hash_at = |p: usize| known_hash(known.iter().map(|&(c, _)| (c, w.sum(p)[c])));
        // Below: row p ≥ a sums rows j..p (j ≤ a) and the hole.
        let starts: HashMap<u64, usize> = (lo..=a).rev().map(|j| (hash_at(j), j)).collect();
        for p in a..hi {
            let row = w.row(p);
            let Some(target) = self.target(w.sum(p), row, &known, false) else {
                continue;
            };
            let Some(&j) = starts.get(&target) else {
                continue;
            };
            if j < p && self.holds(w.sum(j), w.sum(p), row, &known) {
                return Some(HoleSum {
                    row: p,
                    first: j,
                    last: p - 1,
                    hole: h,
                });
            }
        }
        // Heading: row p < a sums rows p + 1..e (e ≥ a) and the hole.
        let ends: HashMap<u64, usize> = (a..=hi).map(|e| (hash_at(e), e)).collect();
        for p in lo..a {
            let row = w.row(p);
            let Some(target) = self.target(w.sum(p + 1), row, &known, true) else {
                continue;
            };
            let Some(&e) = ends.get(&target) else {
                continue;
            };
            if e > p + 1 && self.holds(w.sum(p + 1), w.sum(e), row, &known) {
                return Some(HoleSum {
                    row: p,
                    first: p + 1,
                    last: e - 1,
                    hole: h,
                });
            }
        }
        None
    }

    /// The hash of the running sum, in the known columns, that the run's other end must
    /// have for `row` to be the run plus the hole: `at − (row − hole)` below it, `at +
    /// (row − hole)` heading it. `None` where the row is smaller than the hole.
    fn target(&self, at: &[u64], row: &[u32], known: &[(usize, u64)], ahead: bool) -> Option<u64> {
        let mut parts = Vec::with_capacity(known.len());
        for &(c, h) in known {
            let rest = u64::from(row[c]).checked_sub(h)?;
            parts.push((
                c,
                if ahead {
                    at[c] + rest
                } else {
                    at[c].checked_sub(rest)?
                },
            ));
        }
        Some(known_hash(parts.into_iter()))
    }

    /// Whether the run between two running sums, with the hole, makes `row`: exactly in
    /// the known columns, at most in the others, with rows of counts in the run, and the
    /// row too rare for chance.
    fn holds(&self, start: &[u64], end: &[u64], row: &[u32], known: &[(usize, u64)]) -> bool {
        let exact = known
            .iter()
            .all(|&(c, h)| end[c] - start[c] + h == u64::from(row[c]));
        let fits = (0..self.width).all(|c| end[c] - start[c] <= u64::from(row[c]));
        let any = end.iter().zip(start).any(|(e, s)| e > s);
        exact && any && fits && self.too_rare_for_chance(row)
    }
}

/// A row that repeats an earlier row in every value, in a file without ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Repeat {
    pub row: usize,
    /// The earliest row it repeats.
    pub first: usize,
    /// In a block of at least [`MIN_BLOCK`] rows repeating an earlier block row for row.
    pub in_block: bool,
    /// Too rare a row for two stations to share by chance.
    pub rare: bool,
}

/// The rows that repeat an earlier row in every value. `fill(i, buf)` writes row `i`
/// whole, its `counts` counts (as for [`sum_rows`]) first, then its groups; rows without
/// a count above zero are passed over. One repeated row can be chance, for tiny stations or
/// files of few columns; a block of them, or a row too rare for chance, is not.
pub(super) fn repeated_rows(
    n: usize,
    width: usize,
    counts: usize,
    fill: impl Fn(usize, &mut [u32]) + Sync,
) -> Vec<Repeat> {
    let earlier = earlier_equal_rows(n, width, &fill);
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start;
        while end < n
            && earlier[end] != NOWHERE
            && earlier[end] == earlier[start] + (end - start) as u32
        {
            end += 1;
        }
        let in_block = end - start >= MIN_BLOCK;
        out.extend((start..end).map(|i| Repeat {
            row: i,
            first: earlier[i] as usize,
            in_block,
            rare: false,
        }));
        start = end.max(start + 1);
    }
    // Lone rows of no counts at all (districts that held no vote) are alike by nature.
    let mut whole = vec![0; width];
    out.retain(|r| {
        fill(r.row, &mut whole);
        r.in_block || whole[..counts].iter().any(|&v| v > 0)
    });
    let singles: Vec<usize> = (0..out.len()).filter(|&k| !out[k].in_block).collect();
    if !singles.is_empty() {
        let sizes = size_counts(n, |i| {
            fill(i, &mut whole);
            size_key(&whole)
        });
        let limit = CHANCE / n as f64;
        for k in singles {
            fill(out[k].row, &mut whole);
            let r = &whole[..counts];
            let alike = sizes.get(&size_key(r)).copied().unwrap_or(1);
            out[k].rare = f64::from(alike.saturating_sub(1).max(1)) * twin_chance(r) < limit;
        }
    }
    out
}

/// The size a twin must share: registered voters, or the ballots where there are none.
fn size_key(row: &[u32]) -> u32 {
    if row[0] > 0 { row[0] } else { row[1] }
}

/// How many rows have each size.
fn size_counts(n: usize, mut key: impl FnMut(usize) -> u32) -> HashMap<u32, u32> {
    let mut out = HashMap::new();
    for i in 0..n {
        *out.entry(key(i)).or_insert(0) += 1;
    }
    out
}

/// At most the chance that another station of the same size, with the same expected
/// turnout and shares, takes exactly this row's counts: votes are at least as noisy as
/// binomial draws, whose single value has at most 1/√(2π·x·(1 − x/N)) of the mass.
/// Ballots given registered, invalid given ballots, and every candidate but the largest
/// given the valid votes (the largest follows from the others).
fn twin_chance(row: &[u32]) -> f64 {
    // The normal approximation holds the binomial's mode only away from the ends, so a
    // count within 5 of 0 or of its total tells nothing.
    let point = |x: u32, of: u32| -> f64 {
        if x < 5 || of.saturating_sub(x) < 5 {
            return 1.0;
        }
        let (x, of) = (f64::from(x), f64::from(of));
        (1.0 / (std::f64::consts::TAU * x * (1.0 - x / of)).sqrt()).min(1.0)
    };
    let (reg, bal, val, inv) = (row[0], row[1], row[2], row[3]);
    let cands = &row[4..];
    let largest = (0..cands.len()).max_by_key(|&j| cands[j]);
    let mut p = point(inv, bal);
    if reg > 0 {
        p *= point(bal, reg);
    }
    for (j, &x) in cands.iter().enumerate() {
        if Some(j) != largest {
            p *= point(x, val);
        }
    }
    p
}

/// Each row's earliest equal row before it, or [`NOWHERE`].
fn earlier_equal_rows(
    n: usize,
    width: usize,
    fill: &(impl Fn(usize, &mut [u32]) + Sync),
) -> Vec<u32> {
    let row = |i: usize| {
        let mut buf = vec![0; width];
        fill(i, &mut buf);
        buf
    };
    let mut keys: Vec<(u64, u32)> = (0..n as u32)
        .into_par_iter()
        .map_init(
            || vec![0; width],
            |buf, i| {
                fill(i as usize, buf);
                (hash(buf), i)
            },
        )
        .filter(|&(h, _)| h != 0)
        .collect();
    keys.par_sort_unstable();
    let mut earlier = vec![NOWHERE; n];
    for same in keys.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let first = row(same[0].1 as usize);
        for &(_, i) in &same[1..] {
            if row(i as usize) == first {
                earlier[i as usize] = same[0].1;
            }
        }
    }
    earlier
}

/// A linear hash, so that the hash of a run is a difference of running hashes.
fn hash(row: &[u32]) -> u64 {
    row.iter().enumerate().fold(0u64, |h, (c, &v)| {
        h.wrapping_add(u64::from(v).wrapping_mul(multiplier(c)))
    })
}

/// No position: more rows than a station file can hold (ids are `u32`-indexed).
const NOWHERE: u32 = u32::MAX;

/// Where each row's two runs could start or end: for row `p`, the first position whose
/// running hash is the one before `p` less the row's (a run ending just before `p`), and
/// the last whose running hash is the one after `p` plus the row's (a run starting just
/// after `p`). Queries and running hashes are both sorted and merged, which is far
/// faster than a binary search per row on a million rows.
fn run_ends(hashes: &[u64]) -> (Vec<u32>, Vec<u32>) {
    let mut running = Vec::with_capacity(hashes.len() + 1);
    running.push(0u64);
    for &h in hashes {
        running.push(running[running.len() - 1].wrapping_add(h));
    }
    let mut queries: Vec<(u64, u32)> = Vec::with_capacity(2 * hashes.len());
    for (p, &h) in (0u32..).zip(hashes) {
        let p_ = p as usize;
        queries.push((running[p_].wrapping_sub(h), 2 * p));
        queries.push((running[p_ + 1].wrapping_add(h), 2 * p + 1));
    }
    let mut sorted: Vec<(u64, u32)> = running.into_iter().zip(0u32..).collect();
    sorted.par_sort_unstable();
    queries.par_sort_unstable();
    let mut before = vec![NOWHERE; hashes.len()];
    let mut after = vec![NOWHERE; hashes.len()];
    let mut i = 0;
    for &(h, tag) in &queries {
        while i < sorted.len() && sorted[i].0 < h {
            i += 1;
        }
        let same = sorted[i..].iter().take_while(|e| e.0 == h);
        let (p, slot) = ((tag / 2) as usize, tag % 2);
        let pos = match slot {
            0 => same.map(|e| e.1).next(),
            _ => same.map(|e| e.1).last(),
        };
        let ends = if slot == 0 { &mut before } else { &mut after };
        ends[p] = pos.unwrap_or(NOWHERE);
    }
    (before, after)
}

/// Rows near a value in one column: where they sit in the sorted column, and the
/// chance that a row takes exactly that value.
struct Near {
    lo: usize,
    hi: usize,
    mass: f64,
}

/// The rows of `col` (sorted by value) within 5% of `v` (at least ±2), and their share
/// per value in that window, with half a row where none is; 1 for no rows at all.
fn near(col: &[(u32, u32)], v: u32) -> Near {
    let w = (v / 20).max(2);
    let lo = col.partition_point(|e| e.0 < v.saturating_sub(w));
    let hi = col.partition_point(|e| e.0 <= v.saturating_add(w));
    if col.is_empty() {
        return Near { lo, hi, mass: 1.0 };
    }
    let rows = ((hi - lo) as f64).max(0.5);
    let values = f64::from(v.saturating_add(w) - v.saturating_sub(w)) + 1.0;
    let mass = (rows / (col.len() as f64 * values)).min(1.0);
    Near { lo, hi, mass }
}

/// An odd 64-bit multiplier per column (splitmix64 of the column index).
fn multiplier(c: usize) -> u64 {
    let mut z = (c as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) | 1
}

#[cfg(test)]
mod tests {
    use super::{SumRow, sum_rows, twin_chance};

    #[test]
    fn a_twin_is_bounded_by_binomial_point_masses() {
        // python3: pt = lambda x, n: min(1, 1/sqrt(2*pi*x*(1-x/n)));
        // pt(10,600)*pt(600,1000)*pt(200,590)*pt(90,590)
        let p = twin_chance(&[1000, 600, 590, 10, 300, 200, 90]);
        assert!((p - 5.192574248375471e-06).abs() < 1e-15, "{p}");
        // Tiny stations give no bound at all: two of them alike is no sign of a copy.
        assert_eq!(twin_chance(&[3, 1, 1, 0, 1, 0, 0]), 1.0);
    }

    /// Rows of (registered, A, B), with ballots = valid = A + B and no invalid.
    fn find(rows: &[[u32; 3]]) -> Vec<(usize, usize, usize, usize)> {
        sum_rows(rows.len(), 6, |i, buf| {
            let [r, a, b] = rows[i];
            buf.copy_from_slice(&[r, a + b, a + b, 0, a, b]);
        })
        .iter()
        .map(|s: &SumRow| (s.row, s.first, s.last, s.rows))
        .collect()
    }

    #[test]
    fn subtotals_under_and_over_their_stations_and_a_grand_total_are_found() {
        let rows = [
            [3017, 2090, 927], // 0: heads 1..=2
            [1211, 783, 428],
            [1806, 1307, 499],
            [512, 401, 111],
            [877, 532, 345],
            [1389, 933, 456],   // 5: sums 3..=4
            [4406, 3023, 1383], // 6: the grand total of the stations
        ];
        assert_eq!(find(&rows), [(0, 1, 2, 2), (5, 3, 4, 2), (6, 1, 4, 4)]);
    }

    #[test]
    fn stations_that_do_not_add_up_exactly_are_kept() {
        // Row 2 is rows 0 + 1 in two columns of three; a repeated row is no sum; a row
        // that is one other row plus an empty one is not a sum of two stations.
        let rows = [
            [1211, 783, 428],
            [1806, 1307, 499],
            [3017, 2090, 928],
            [3017, 2090, 928],
            [0, 0, 0],
            [3017, 2090, 928],
        ];
        assert_eq!(find(&rows), []);
    }

    #[test]
    fn a_chance_sum_among_small_stations_is_kept() {
        // Row 2 is rows 0 + 1 exactly, but among rows this small such sums are common.
        let mut rows: Vec<[u32; 3]> = (0..200u32)
            .map(|i| [10 + i % 17, 6 + i % 7, 4 + i % 5])
            .collect();
        rows[2] = [
            rows[0][0] + rows[1][0],
            rows[0][1] + rows[1][1],
            rows[0][2] + rows[1][2],
        ];
        assert_eq!(find(&rows), []);
        // The same sum among rows ten times larger, where it is rare, is a subtotal.
        for r in rows.iter_mut().skip(3) {
            *r = r.map(|v| v * 100 + 7);
        }
        rows[0] = [1013, 611, 409];
        rows[1] = [1127, 719, 401];
        rows[2] = [2140, 1330, 810];
        assert_eq!(find(&rows), [(2, 0, 1, 2)]);
    }
}
