//! Joining the chunks' results into the dataset: duplicate ids, regions, the winner,
//! the line account and `--strict`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::columns::{ColumnPlan, CountRole, single_quoted};
use super::double_counts::{Hole, MAX_HOLES, repeated_rows, sum_rows, sum_rows_around_holes};
use super::totals::{near_grand_totals, oversized_named};
use super::validate::Builtin;
use super::validate::{ChunkResult, REORDERED_HEADER, Rejection};
use super::{
    Dataset, ExclusionCount, GroupRef, LaterCounts, LeftOutColumn, LineAccount, RejectedRow,
    RepeatedRow, RolePresence, Station, StationIds,
};
use crate::error::InputError;

/// Stations holding whole numbers in a column not read as counts from which it is
/// announced: fewer are stray numbers in a notes column.
pub const MIN_LATER_STATIONS: u64 = 10;

/// FNV-1a: ids come from the file, a fast hash is enough for counting them.
#[derive(Default)]
pub(super) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        // FNV's low bits mix poorly and the table indexes by them: finish with
        // MurmurHash3's avalanche step.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(super) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

pub(super) fn id_hash(id: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(id.as_bytes());
    h.finish()
}

/// How many rows carry each station's id: the kept stations' ids and the ids read
/// from rejected rows. Sorting 64-bit hashes keeps this cache-friendly; ids are
/// compared only within a run of equal hashes.
fn id_repeats(ids: &StationIds, rejected: &[Rejection]) -> Vec<u32> {
    let n = ids.len();
    let id_of = |tag: usize| -> &str {
        match tag.checked_sub(n) {
            None => ids.get(tag),
            Some(r) => rejected.get(r).map_or("", |r| r.station.as_str()),
        }
    };
    let mut keys: Vec<(u64, usize)> = (0..n)
        .into_par_iter()
        .map(|i| (id_hash(ids.get(i)), i))
        .collect();
    keys.extend(
        rejected
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id_read)
            .map(|(i, r)| (id_hash(&r.station), n + i)),
    );
    keys.par_sort_unstable();
    let mut repeats = vec![1u32; n];
    let mut run = 0;
    while run < keys.len() {
        let mut end = run + 1;
        while end < keys.len() && keys[end].0 == keys[run].0 {
            end += 1;
        }
        if end - run > 1 {
            let mut group: Vec<(&str, usize)> =
                keys[run..end].iter().map(|&(_, t)| (id_of(t), t)).collect();
            group.sort_unstable();
            for same in group.chunk_by(|a, b| a.0 == b.0) {
                for &(_, t) in same {
                    if let Some(r) = repeats.get_mut(t) {
                        *r = same.len() as u32;
                    }
                }
            }
        }
        run = end;
    }
    repeats
}

/// Names of a grouping role (region, locality, stratum) in order of first appearance.
#[derive(Default)]
struct Groups {
    names: Vec<String>,
    index: FnvMap<String, u32>,
}

impl Groups {
    /// Global indices of a chunk's local names (which are in order of first appearance).
    fn translate(&mut self, local: Vec<String>) -> Vec<u32> {
        local
            .into_iter()
            .map(|name| {
                let next = self.names.len() as u32;
                *self.index.entry(name).or_insert_with_key(|name| {
                    self.names.push(name.clone());
                    next
                })
            })
            .collect()
    }
}

/// The chunks' results joined in order, as they come, before duplicates are resolved.
pub(super) struct Merged {
    k: usize,
    stations: Vec<Station>,
    ids: StationIds,
    votes: Vec<u32>,
    on_ballot: Vec<bool>,
    rejected: Vec<Rejection>,
    excluded: Vec<u64>,
    excluded_lines: u64,
    blank: Vec<u64>,
    repeated_header: Vec<u64>,
    empty_row: Vec<u64>,
    column_numbers: Vec<u64>,
    sep_line: Vec<u64>,
    multi_line: HashMap<u64, u32>,
    /// Stations read with `2.000` as 2, and whether any row groups thousands with `.`.
    dot_zero: Vec<(usize, String)>,
    dot_grouped: bool,
    dot_decimal: bool,
    /// Stations with a whole number, and their sum, per watched column.
    watched: Vec<(u64, u64)>,
    /// Rows left out that subtotals may hold: (line, counts).
    holes: Vec<(u64, Vec<Option<u32>>)>,
    /// Rows kept that repeat an earlier row in every value, without ids: (line, its line).
    repeats: Vec<(u64, u64)>,
    /// Stations named like totals (line, detail), and the lines of those kept as stations.
    named_totals: Vec<(u64, String)>,
    named_kept: Vec<u64>,
    regions: Groups,
    localities: Groups,
    strata: Groups,
}

/// Station `s`'s index of each grouping role.
fn group_slots(s: &mut Station) -> [&mut GroupRef; 3] {
    [&mut s.region, &mut s.locality, &mut s.stratum]
}

impl Merged {
    pub fn new(plan: &ColumnPlan) -> Merged {
        Merged {
            k: plan.candidate_names.len(),
            stations: Vec::new(),
            ids: StationIds::default(),
            votes: Vec::new(),
            on_ballot: Vec::new(),
            rejected: Vec::new(),
            excluded: vec![0; plan.exclude.len()],
            excluded_lines: 0,
            blank: Vec::new(),
            repeated_header: Vec::new(),
            empty_row: Vec::new(),
            column_numbers: Vec::new(),
            sep_line: Vec::new(),
            multi_line: HashMap::new(),
            dot_zero: Vec::new(),
            dot_grouped: false,
            dot_decimal: false,
            holes: Vec::new(),
            repeats: Vec::new(),
            named_totals: Vec::new(),
            named_kept: Vec::new(),
            watched: vec![(0, 0); plan.watched.len()],
            regions: Groups::default(),
            localities: Groups::default(),
            strata: Groups::default(),
        }
    }

    /// Appends the next chunk's result; its group indices become global.
    pub fn absorb(&mut self, part: ChunkResult) {
        let maps = [
            self.regions.translate(part.regions),
            self.localities.translate(part.localities),
            self.strata.translate(part.strata),
        ];
        let first = self.stations.len();
        self.stations.extend(part.stations);
        for s in &mut self.stations[first..] {
            for (slot, map) in group_slots(s).into_iter().zip(&maps) {
                *slot = GroupRef::new(slot.get().and_then(|l| map.get(l as usize).copied()));
            }
        }
        self.ids.extend(&part.ids);
        self.votes.extend(part.votes);
        self.on_ballot.extend(part.on_ballot);
        self.rejected.extend(part.rejected);
        for (e, n) in self.excluded.iter_mut().zip(part.excluded) {
            *e += n;
        }
        self.excluded_lines += part.excluded_lines;
        self.blank.extend(part.blank);
        self.repeated_header.extend(part.repeated_header);
        self.empty_row.extend(part.empty_row);
        self.column_numbers.extend(part.column_numbers);
        self.multi_line.extend(part.multi_line);
        (self.dot_zero).extend(part.dot_zero.into_iter().map(|(i, d)| (first + i, d)));
        self.dot_grouped |= part.dot_grouped;
        self.dot_decimal |= part.dot_decimal;
        self.holes.extend(part.holes);
        self.named_totals.extend(part.named_totals);
        for (w, p) in self.watched.iter_mut().zip(part.watched) {
            *w = (w.0 + p.0, w.1 + p.1);
        }
    }

    /// Rows read with `2.000` as 2 go unless the file shows that `.` marks decimals: where
    /// some row groups thousands with `.` (`2.452`) it may be 2,000, and where nothing
    /// tells, either reading is a guess. Decimals show as `58.0` or `1234.000`, or as most
    /// rows written so (thousands would make all their counts whole thousands).
    fn drop_dot_zero_rows(&mut self, has_ids: bool) {
        let decimals = self.dot_decimal || 2 * self.dot_zero.len() >= self.stations.len();
        if self.dot_zero.is_empty() || (decimals && !self.dot_grouped) {
            return;
        }
        let mut why: Vec<Option<(&'static str, String)>> = vec![None; self.stations.len()];
        for (i, detail) in std::mem::take(&mut self.dot_zero) {
            if let Some(w) = why.get_mut(i) {
                *w = Some(("not-an-integer", detail));
            }
        }
        self.reject_stations(&why, has_ids, Some("."));
    }

    /// Every row carrying a repeated id goes, whichever came first, unless all of them
    /// are the same station copied: then the first stays and only the copies go.
    fn drop_duplicates(&mut self) {
        let repeats = id_repeats(&self.ids, &self.rejected);
        if repeats.iter().all(|&n| n <= 1) {
            return;
        }
        let copies = self.exact_copies(&repeats);
        let why: Vec<Option<(&'static str, String)>> = (0..self.stations.len())
            .map(|i| {
                let n = repeats.get(i).copied().unwrap_or(1);
                let id = self.ids.get(i);
                match copies[i] {
                    _ if n <= 1 => None,
                    Some(first) if first == i => None,
                    Some(first) => Some((
                        "duplicate-row",
                        format!(
                            "an exact copy of line {} (id '{id}'), whose row is used",
                            self.stations[first].line
                        ),
                    )),
                    None => Some(("duplicate-id", format!("id '{id}' is on {n} rows"))),
                }
            })
            .collect();
        self.reject_stations(&why, true, None);
    }

    /// For each station whose id repeats, the first of its id's rows, when every row
    /// carrying that id was read as a station with the same counts, groups and ballot.
    fn exact_copies(&self, repeats: &[u32]) -> Vec<Option<usize>> {
        let mut out = vec![None; self.stations.len()];
        let mut dup: Vec<(&str, usize)> = (0..self.stations.len())
            .filter(|&i| repeats.get(i).is_some_and(|&n| n > 1))
            .map(|i| (self.ids.get(i), i))
            .collect();
        dup.sort_unstable();
        for same in dup.chunk_by(|a, b| a.0 == b.0) {
            let first = same[0].1;
            let all_read = same.len() as u32 == repeats[first];
            if all_read && same.iter().all(|&(_, i)| self.same_row(first, i)) {
                for &(_, i) in same {
                    out[i] = Some(first);
                }
            }
        }
        out
    }

    /// Whether stations `a` and `b` hold the same values, their lines aside.
    fn same_row(&self, a: usize, b: usize) -> bool {
        let k = self.k;
        let (sa, sb) = (&self.stations[a], &self.stations[b]);
        Station { line: 0, ..*sa } == Station { line: 0, ..*sb }
            && self.votes[a * k..(a + 1) * k] == self.votes[b * k..(b + 1) * k]
            && self.on_ballot[a * k..(a + 1) * k] == self.on_ballot[b * k..(b + 1) * k]
    }

    /// Rows whose counts are the sum of a run of neighbouring rows go: totals and
    /// subtotals without a total word (see `sum_rows`).
    fn drop_sum_rows(&mut self, has_ids: bool) {
        let found = sum_rows(self.stations.len(), 4 + self.k, |i, buf| {
            self.counts(i, buf)
        });
        let totals = found.iter().map(|f| {
            let (a, b) = (self.stations[f.first].line, self.stations[f.last].line);
            let detail = format!(
                "its counts equal the sum of the {} rows on lines {a}-{b} in every column",
                f.rows
            );
            (f.row, detail)
        });
        let totals: Vec<(usize, String)> = totals.collect();
        self.reject_totals(totals, has_ids);
    }

    /// Stations named like totals go when they hold more voters than every other
    /// station; the others are kept and listed (see [`super::totals`]).
    fn drop_named_totals(&mut self, has_ids: bool) {
        if self.named_totals.is_empty() {
            return;
        }
        let details: HashMap<u64, String> =
            std::mem::take(&mut self.named_totals).into_iter().collect();
        let sizes: Vec<u64> = (self.stations.iter())
            .map(|s| u64::from(s.registered.unwrap_or(0).max(s.ballots)))
            .collect();
        let named: Vec<bool> = (self.stations.iter())
            .map(|s| details.contains_key(&s.line))
            .collect();
        let oversized = oversized_named(&sizes, &named);
        let mut totals = Vec::new();
        for (i, s) in self.stations.iter().enumerate() {
            match (named[i], oversized[i]) {
                (true, true) => {
                    let d = &details[&s.line];
                    totals.push((i, format!("{d}, and holds more voters than any other row")));
                }
                (true, false) => self.named_kept.push(s.line),
                _ => {}
            }
        }
        self.reject_totals(totals, has_ids);
    }

    /// A grand total that is off the stations' sum by a little (rows left out, a
    /// correction) goes.
    fn drop_near_grand_total(&mut self, has_ids: bool) {
        let found = near_grand_totals(self.stations.len(), 4 + self.k, |i, buf| {
            self.counts(i, buf)
        });
        let Some((rows, worst)) = found else {
            return;
        };
        let others = self.stations.len() - rows.len();
        let detail = format!(
            "its counts are within {:.1}% of the sum of the {others} other rows in every \
             column",
            100.0 * worst
        );
        self.reject_totals(
            rows.into_iter().map(|r| (r, detail.clone())).collect(),
            has_ids,
        );
    }

    /// Rejects each (station, detail) as a `total-row`.
    fn reject_totals(&mut self, totals: Vec<(usize, String)>, has_ids: bool) {
        if totals.is_empty() {
            return;
        }
        let mut why: Vec<Option<(&'static str, String)>> = vec![None; self.stations.len()];
        for (row, detail) in totals {
            let detail =
                format!("{detail}: a total or subtotal, whose votes would be counted twice");
            why[row] = Some(("total-row", detail));
        }
        self.reject_stations(&why, has_ids, None);
    }

    /// The plan's left-out columns, with each watched column that holds whole numbers
    /// below the sample in [`MIN_LATER_STATIONS`] stations or more, summing to 0.1% of
    /// the candidates' votes or more: a candidate written `n/a` or left blank in the
    /// first rows, who may have stood only in the regions further down. It is material
    /// (a caveat) above the winner's votes, or in 5% of the stations with 1% of the
    /// candidates' votes.
    fn left_out(&self, plan: &ColumnPlan) -> Vec<LeftOutColumn> {
        let mut out = plan.left_out.clone();
        let n = self.stations.len() as u64;
        let totals = candidate_totals(&self.votes, self.k);
        let top = totals.iter().copied().max().unwrap_or(0);
        let all: u64 = totals.iter().sum();
        for (&col, &(stations, sum)) in plan.watched.iter().zip(&self.watched) {
            // A notes column's stray small numbers are no candidate's result.
            if stations < MIN_LATER_STATIONS || sum * 1000 < all {
                continue;
            }
            let name = plan.name(col);
            let above_winner = sum > top;
            let compare = match above_winner {
                true => format!("more than the winner's {top}"),
                false => format!(
                    "{:.1}% of the candidates' votes",
                    100.0 * sum as f64 / all as f64
                ),
            };
            let found = format!(
                "{stations} of the {n} stations hold whole numbers there, summing to {sum} \
                 ({compare})"
            );
            let later = Some(LaterCounts {
                stations,
                sum,
                above_winner,
                material: above_winner || (stations * 20 >= n && sum * 100 >= all),
            });
            if let Some(c) = out.iter_mut().find(|c| c.column == name) {
                c.why = format!("{}; across the whole file, {found}", c.why);
                c.later = later;
                continue;
            }
            out.push(LeftOutColumn {
                column: name.to_string(),
                why: format!(
                    "was not read as votes, since the first rows hold no counts in it, but {found}"
                ),
                fix: format!(
                    "if it holds a candidate's votes, name every candidate with --candidate \
                     (e.g. --candidate {})",
                    single_quoted(name)
                ),
                later,
            });
        }
        out
    }

    /// Subtotals whose run holds a row left out (rejected for a bad cell, or excluded):
    /// they equal their run plus that row in the columns it could read.
    fn drop_sum_rows_around_holes(&mut self, has_ids: bool) {
        if self.holes.is_empty() || self.holes.len() > MAX_HOLES {
            return;
        }
        // Stations before a hole shift as earlier sum rows go: place holes by line.
        let lines: Vec<u64> = self.stations.iter().map(|s| s.line).collect();
        let holes: Vec<Hole> = (self.holes.iter())
            .map(|(line, counts)| Hole {
                at: lines.partition_point(|&l| l < *line),
                counts: counts.clone(),
            })
            .collect();
        let found = sum_rows_around_holes(
            self.stations.len(),
            4 + self.k,
            |i, buf| self.counts(i, buf),
            &holes,
        );
        let totals = found.iter().map(|f| {
            let (a, b) = (self.stations[f.first].line, self.stations[f.last].line);
            let detail = format!(
                "its counts equal the sum of the {} rows on lines {a}-{b} and the row on line \
                 {}, left out, in every column that row could read",
                f.last + 1 - f.first,
                self.holes[f.hole].0
            );
            (f.row, detail)
        });
        let totals: Vec<(usize, String)> = totals.collect();
        self.reject_totals(totals, has_ids);
    }

    /// Without ids, rows that repeat an earlier row in every value go when they sit in a
    /// block that repeats an earlier block row for row, or are too rare to be chance;
    /// the others are kept and listed, since two small stations can be alike.
    fn drop_repeated_rows(&mut self) {
        let counts = 4 + self.k;
        let found = repeated_rows(self.stations.len(), counts + 3, counts, |i, buf| {
            self.counts(i, &mut buf[..counts]);
            let s = &self.stations[i];
            for (b, g) in buf[counts..]
                .iter_mut()
                .zip([s.region, s.locality, s.stratum])
            {
                *b = g.get().map_or(u32::MAX, |g| g);
            }
        });
        let mut why: Vec<Option<(&'static str, String)>> = vec![None; self.stations.len()];
        for r in found {
            let (line, first) = (self.stations[r.row].line, self.stations[r.first].line);
            let cause = match (r.in_block, r.rare) {
                (true, _) => "in a block of rows that repeats an earlier block row for row",
                (false, true) => "too rare a row for two stations to share by chance",
                (false, false) => {
                    self.repeats.push((line, first));
                    continue;
                }
            };
            why[r.row] = Some((
                "duplicate-row",
                format!(
                    "repeats line {first} in every value, {cause}: the same station entered twice"
                ),
            ));
        }
        if why.iter().any(Option::is_some) {
            self.reject_stations(&why, false, None);
        }
    }

    /// Station `i`'s counts: registered, ballots, valid, invalid and each candidate's.
    fn counts(&self, i: usize, buf: &mut [u32]) {
        let (s, k) = (&self.stations[i], self.k);
        buf[..4].copy_from_slice(&[s.registered.unwrap_or(0), s.ballots, s.valid, s.invalid]);
        buf[4..].copy_from_slice(&self.votes[i * k..(i + 1) * k]);
    }

    /// Moves the stations with a reason in `why` to the rejected rows; `id_read` says
    /// whether their ids are real ones.
    fn reject_stations(
        &mut self,
        why: &[Option<(&'static str, String)>],
        id_read: bool,
        thousands: Option<&'static str>,
    ) {
        let k = self.k;
        let mut kept = 0;
        for (i, reason) in why.iter().enumerate() {
            let Some(s) = self.stations.get(i).cloned() else {
                continue;
            };
            if let Some((reason, detail)) = reason {
                self.rejected.push(Rejection {
                    line: s.line,
                    extra: self.multi_line.get(&s.line).copied().unwrap_or(0),
                    detail: detail.clone(),
                    station: self.ids.get(i).to_string(),
                    id_read,
                    reason,
                    thousands,
                });
                continue;
            }
            self.stations[kept] = s;
            self.votes.copy_within(i * k..(i + 1) * k, kept * k);
            self.on_ballot.copy_within(i * k..(i + 1) * k, kept * k);
            kept += 1;
        }
        self.stations.truncate(kept);
        self.votes.truncate(kept * k);
        self.on_ballot.truncate(kept * k);
        self.ids.retain(|i| why.get(i).is_none_or(Option::is_none));
        for r in 0..3 {
            self.renumber(r);
        }
    }

    /// Renumbers grouping role `r` (0 region, 1 locality, 2 stratum) in order of first
    /// appearance among the stations kept, dropping names no kept station has.
    fn renumber(&mut self, r: usize) {
        let groups = [&mut self.regions, &mut self.localities, &mut self.strata];
        let Some(g) = groups.into_iter().nth(r) else {
            return;
        };
        let old = std::mem::take(&mut g.names);
        let mut map: Vec<Option<u32>> = vec![None; old.len()];
        for s in &mut self.stations {
            let Some(slot) = group_slots(s).into_iter().nth(r) else {
                continue;
            };
            let Some(i) = slot.get() else {
                continue;
            };
            let Some(m) = map.get_mut(i as usize) else {
                continue;
            };
            let new = *m.get_or_insert_with(|| {
                g.names
                    .push(old.get(i as usize).cloned().unwrap_or_default());
                g.names.len() as u32 - 1
            });
            *slot = GroupRef::new(Some(new));
        }
    }

    /// Blank lines found outside the records, such as those before the header.
    pub fn blank_lines(&mut self, lines: impl IntoIterator<Item = u64>) {
        self.blank.extend(lines);
    }

    /// A spreadsheet's `sep=;` line above the header, which named the delimiter.
    pub fn sep_line(&mut self, line: u64) {
        self.sep_line.push(line);
    }

    /// Where every line went; `lines` and `header` come from the reader.
    fn account(&self, lines: u64, header: u64) -> LineAccount {
        let extra = |line: u64| u64::from(self.multi_line.get(&line).copied().unwrap_or(0));
        let used = match self.multi_line.is_empty() {
            true => self.stations.len() as u64,
            false => self.stations.iter().map(|s| 1 + extra(s.line)).sum(),
        };
        let rejected = self.rejected.iter().map(|r| 1 + u64::from(r.extra)).sum();
        let builtin = self.blank.len() + self.repeated_header.len() + self.sep_line.len();
        let builtin = (builtin + self.empty_row.len() + self.column_numbers.len()) as u64;
        LineAccount {
            lines,
            header,
            used,
            rejected,
            excluded: self.excluded_lines + builtin,
        }
    }

    fn exclusions(&mut self, plan: &ColumnPlan) -> Vec<ExclusionCount> {
        let mut out: Vec<ExclusionCount> = plan
            .exclude_labels
            .iter()
            .zip(&self.excluded)
            .map(|(rule, &rows)| ExclusionCount {
                rule: rule.clone(),
                rows,
                lines: Vec::new(),
            })
            .collect();
        for (kind, lines) in [
            (Builtin::Blank, &mut self.blank),
            (Builtin::RepeatedHeader, &mut self.repeated_header),
            (Builtin::SepLine, &mut self.sep_line),
            (Builtin::EmptyRow, &mut self.empty_row),
            (Builtin::ColumnNumbers, &mut self.column_numbers),
        ] {
            if !lines.is_empty() {
                lines.sort_unstable();
                out.push(ExclusionCount::builtin(kind.label(), lines));
            }
        }
        out
    }
}

/// The candidate with the most votes, the first of equals.
fn top_candidate(votes: &[u32], k: usize) -> usize {
    let totals = candidate_totals(votes, k);
    let mut best = 0;
    for (j, &t) in totals.iter().enumerate() {
        if t > totals[best] {
            best = j;
        }
    }
    best
}

/// Each candidate's votes over the stations (every count is below 2^32, so the sums of
/// up to 2^32 stations fit).
fn candidate_totals(votes: &[u32], k: usize) -> Vec<u64> {
    let mut totals = vec![0u64; k];
    for row in votes.chunks_exact(k.max(1)) {
        for (t, &v) in totals.iter_mut().zip(row) {
            *t += u64::from(v);
        }
    }
    totals
}

/// What the reader knows of the file beyond its records.
pub(super) struct FileLines {
    pub lines: u64,
    pub header: u64,
}

/// Resolves duplicate ids, the winner, the line account and `--strict` on the chunks'
/// results merged in order. Source fields other than the columns are left to the caller.
pub(super) fn assemble(
    path: &str,
    mut m: Merged,
    plan: &ColumnPlan,
    strict: bool,
    file: FileLines,
) -> Result<Dataset, InputError> {
    let k = plan.candidate_names.len();
    m.drop_dot_zero_rows(!plan.id.is_empty());
    if plan.id.is_empty() {
        m.drop_repeated_rows();
    } else {
        m.drop_duplicates();
    }
    m.drop_sum_rows(!plan.id.is_empty());
    m.drop_sum_rows_around_holes(!plan.id.is_empty());
    m.drop_named_totals(!plan.id.is_empty());
    m.drop_near_grand_total(!plan.id.is_empty());
    m.rejected.sort_by_key(|r| r.line);
    if let Some(r) = m.rejected.iter().find(|r| r.reason == REORDERED_HEADER) {
        return Err(InputError::ReorderedHeader {
            path: path.into(),
            line: r.line,
        });
    }
    if strict {
        if let Some(first) = m.rejected.first() {
            return Err(InputError::RejectedRow {
                path: path.into(),
                line: first.line,
                station: first.station.clone(),
                reason: first.reason,
                detail: first.detail.clone(),
            });
        }
    }
    let lines = m.account(file.lines, file.header);
    let excluded = m.exclusions(plan);
    let left_out = m.left_out(plan);
    Ok(Dataset {
        source: Default::default(),
        columns: plan.column_roles(),
        roles: RolePresence {
            registered: plan.has(CountRole::Registered),
            ballots: plan.has(CountRole::Ballots),
            valid: plan.has(CountRole::Valid),
            invalid: plan.has(CountRole::Invalid),
        },
        candidates: plan.candidate_names.clone(),
        winner: plan.winner.unwrap_or_else(|| top_candidate(&m.votes, k)),
        regions: m.regions.names,
        localities: m.localities.names,
        strata: m.strata.names,
        rejected: published(std::mem::take(&mut m.rejected)),
        stations: m.stations,
        ids: m.ids,
        votes: m.votes,
        on_ballot: m.on_ballot,
        excluded,
        lines,
        left_out,
        named_like_totals: m.named_kept,
        repeated_rows: (m.repeats.iter())
            .map(|&(line, first)| RepeatedRow { line, first })
            .collect(),
    })
}

fn published(rejected: Vec<Rejection>) -> Vec<RejectedRow> {
    rejected
        .into_iter()
        .map(|r| RejectedRow {
            line: r.line,
            last_line: (r.extra > 0).then(|| r.line + u64::from(r.extra)),
            station: r.station,
            reason: r.reason.into(),
            detail: r.detail,
            thousands: r.thousands,
        })
        .collect()
}
