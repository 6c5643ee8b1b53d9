//! Row validation: values, derived roles, rejected and excluded rows, duplicate ids,
//! regions and the winner.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::slice::ParallelSliceMut;

use super::columns::{ColumnPlan, ColumnSpec, CountRole};
use super::reader::{RecordChunk, Row, par_map_chunks};
use super::{Dataset, ExclusionCount, RejectedRow, RolePresence, Station};
use crate::error::InputError;

/// The largest count accepted in a cell or a row's sum of a role. Larger values are
/// rejected as `count-overflow`: no polling station has a trillion voters, and the cap
/// keeps national sums of up to 18 million stations inside `u64`.
pub const MAX_COUNT: u64 = 1_000_000_000_000;

/// How cells are read: missing-value tokens and the thousands separator.
#[derive(Debug, Clone)]
pub(super) struct ValueFormat {
    /// Trimmed NA tokens; an empty cell is always missing.
    na: Vec<Vec<u8>>,
    separators: Vec<Vec<u8>>,
    /// Whether `123.0` may stand for 123 (not when `.` separates thousands).
    decimal_zeros: bool,
    /// Whether some NA token is made of digits only (then digits must be checked
    /// against the tokens first).
    na_digits: bool,
}

/// One cell, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cell {
    Missing,
    Count(u64),
    NotInteger,
    Negative,
    Overflow,
}

impl ValueFormat {
    pub fn new(spec: &ColumnSpec) -> Result<ValueFormat, InputError> {
        let na = match &spec.na {
            Some(tokens) => tokens
                .iter()
                .map(|t| t.trim().as_bytes().to_vec())
                .collect(),
            None => vec![Vec::new(), b"NA".to_vec()],
        };
        let mut separators = Vec::new();
        let mut decimal_zeros = true;
        if let Some(sep) = spec.thousands.as_deref().filter(|s| !s.is_empty()) {
            let bad = |reason: &str| InputError::BadValueOption {
                option: "--thousands".into(),
                value: sep.into(),
                reason: reason.into(),
            };
            if sep.trim().is_empty() {
                // Any of the spaces used to group digits.
                for s in [" ", "\u{a0}", "\u{202f}", "\u{2009}"] {
                    separators.push(s.as_bytes().to_vec());
                }
            } else if sep
                .chars()
                .any(|c| c.is_ascii_digit() || c == '-' || c == '+')
            {
                return Err(bad(
                    "a thousands separator cannot contain digits or signs; use e.g. '.', ',' or ' '",
                ));
            } else {
                separators.push(sep.as_bytes().to_vec());
                decimal_zeros = sep != ".";
            }
        }
        let na_digits = na
            .iter()
            .any(|t: &Vec<u8>| !t.is_empty() && t.iter().all(u8::is_ascii_digit));
        Ok(ValueFormat {
            na_digits,
            na,
            separators,
            decimal_zeros,
        })
    }

    /// Reads one raw cell.
    #[inline]
    pub fn read(&self, raw: &[u8]) -> Cell {
        // The common case first, in one pass: up to 12 plain digits (no overflow
        // possible), when no NA token is plain digits.
        let t = raw.trim_ascii();
        if !self.na_digits && !t.is_empty() && t.len() <= 12 {
            let mut value = 0u64;
            let mut plain = true;
            for &b in t {
                let d = b.wrapping_sub(b'0');
                if d > 9 {
                    plain = false;
                    break;
                }
                value = value * 10 + u64::from(d);
            }
            if plain {
                return Cell::Count(value);
            }
        }
        self.read_slow(raw)
    }

    fn read_slow(&self, raw: &[u8]) -> Cell {
        let v = trim(raw);
        if v.is_empty() || self.na.iter().any(|t| t.as_slice() == v) {
            return Cell::Missing;
        }
        match v.split_first() {
            Some((b'-', rest)) => match self.magnitude(rest) {
                Cell::Count(0) => Cell::Count(0),
                Cell::Count(_) | Cell::Overflow => Cell::Negative,
                other => other,
            },
            Some((b'+', rest)) => self.magnitude(rest),
            _ => self.magnitude(v),
        }
    }

    fn magnitude(&self, s: &[u8]) -> Cell {
        if s.is_empty() {
            return Cell::NotInteger;
        }
        if s.iter().all(u8::is_ascii_digit) {
            return digits_value(s);
        }
        let mut value: u64 = 0;
        let mut overflow = false;
        let mut group = 0usize;
        let mut grouped = false;
        let mut i = 0;
        while i < s.len() {
            let b = s[i];
            if b.is_ascii_digit() {
                match value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                {
                    Some(v) => value = v,
                    None => overflow = true,
                }
                group += 1;
                i += 1;
            } else if let Some(sep) = self.separators.iter().find(|sep| s[i..].starts_with(sep)) {
                let ok = if grouped {
                    group == 3
                } else {
                    (1..=3).contains(&group)
                };
                if !ok {
                    return Cell::NotInteger;
                }
                grouped = true;
                group = 0;
                i += sep.len();
            } else if b == b'.' && self.decimal_zeros {
                let frac = &s[i + 1..];
                if group == 0 || frac.is_empty() || frac.iter().any(|&c| c != b'0') {
                    return Cell::NotInteger;
                }
                break;
            } else {
                return Cell::NotInteger;
            }
        }
        if group == 0 || (grouped && group != 3) {
            return Cell::NotInteger;
        }
        if overflow || value > MAX_COUNT {
            Cell::Overflow
        } else {
            Cell::Count(value)
        }
    }
}

fn digits_value(s: &[u8]) -> Cell {
    let mut value: u64 = 0;
    for &b in s {
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
        {
            Some(v) => v,
            None => return Cell::Overflow,
        };
    }
    if value > MAX_COUNT {
        Cell::Overflow
    } else {
        Cell::Count(value)
    }
}

/// Trims ASCII and Unicode white space (NBSP included).
fn trim(raw: &[u8]) -> &[u8] {
    let t = raw.trim_ascii();
    if t.first().is_some_and(|b| !b.is_ascii()) || t.last().is_some_and(|b| !b.is_ascii()) {
        if let Ok(s) = std::str::from_utf8(t) {
            return s.trim().as_bytes();
        }
    }
    t
}

fn text(raw: &[u8]) -> &str {
    std::str::from_utf8(trim(raw)).unwrap_or("")
}

/// Which columns hold only integers (at least one) in the rows given, leaving out
/// excluded rows and rows of the wrong length.
pub(super) fn integer_columns<'r, R: Fields + 'r>(
    rows: impl IntoIterator<Item = &'r R>,
    plan: &ColumnPlan,
    format: &ValueFormat,
) -> Vec<bool> {
    let n = plan.n_columns;
    let mut seen = vec![false; n];
    let mut integer = vec![true; n];
    for row in rows {
        if row.count() != n || excluded_by(plan, row).is_some() {
            continue;
        }
        for k in 0..n {
            match format.read(row.field(k)) {
                Cell::Missing => {}
                Cell::NotInteger => integer[k] = false,
                _ => seen[k] = true,
            }
        }
    }
    (0..n).map(|k| seen[k] && integer[k]).collect()
}

/// Random access to the fields of one record.
pub(super) trait Fields {
    fn count(&self) -> usize;
    /// Field `k`, or empty past the end.
    fn field(&self, k: usize) -> &[u8];
}

impl Fields for Row<'_> {
    fn count(&self) -> usize {
        self.len()
    }
    fn field(&self, k: usize) -> &[u8] {
        Row::field(self, k)
    }
}

impl Fields for csv::ByteRecord {
    fn count(&self) -> usize {
        self.len()
    }
    fn field(&self, k: usize) -> &[u8] {
        self.get(k).unwrap_or(&[])
    }
}

/// Whether an `--exclude` rule drops this row.
pub(super) fn is_excluded(plan: &ColumnPlan, row: &impl Fields) -> bool {
    excluded_by(plan, row).is_some()
}

fn excluded_by(plan: &ColumnPlan, row: &impl Fields) -> Option<usize> {
    plan.exclude
        .iter()
        .position(|(col, value)| trim(row.field(*col)) == value.as_bytes())
}

/// A rejected row before it is published.
#[derive(Debug, Clone)]
struct Rejection {
    line: u64,
    station: String,
    /// Whether `station` is a real id that takes part in the duplicate check.
    id_read: bool,
    reason: &'static str,
    detail: String,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Count(usize),
    Candidate(usize),
}

/// The parse of one chunk; regions are chunk-local indices until merged.
#[derive(Default)]
pub(super) struct ChunkResult {
    stations: Vec<Station>,
    /// [`id_hash`] of each station's id, when there is an id column.
    id_hashes: Vec<u64>,
    votes: Vec<u64>,
    on_ballot: Vec<bool>,
    regions: Vec<String>,
    rejected: Vec<Rejection>,
    excluded: Vec<u64>,
}

/// Validates rows against a resolved plan.
pub(super) struct RowParser<'p> {
    plan: &'p ColumnPlan,
    format: &'p ValueFormat,
    /// Count and candidate columns in header order, so the first bad cell from the
    /// left names the rejection.
    targets: Vec<(usize, Target)>,
    has: [bool; 4],
}

/// Shows a raw cell in a message, shortened.
fn shown(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(trim(raw));
    match s.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.into_owned(),
    }
}

/// Collects the rows of one chunk, in order.
pub(super) struct ChunkBuilder<'a> {
    parser: &'a RowParser<'a>,
    out: ChunkResult,
    region_index: FnvMap<String, u32>,
    region_key: String,
    votes: Vec<u64>,
    on_ballot: Vec<bool>,
}

impl ChunkBuilder<'_> {
    pub fn finish(self) -> ChunkResult {
        self.out
    }

    /// Validates one record and files it as a station, a rejection or an exclusion.
    pub fn push(&mut self, row: &impl Fields, line: u64) {
        let parser = self.parser;
        let plan = parser.plan;
        let out = &mut self.out;
        if row.count() == plan.n_columns {
            if let Some(rule) = excluded_by(plan, row) {
                if let Some(n) = out.excluded.get_mut(rule) {
                    *n += 1;
                }
                return;
            }
        }
        let (station, id_read) = parser.station_id(row, line);
        let reject = |reason: &'static str, detail: String| Rejection {
            line,
            station: station.clone(),
            id_read,
            reason,
            detail,
        };
        if row.count() != plan.n_columns {
            out.rejected.push(Rejection {
                id_read: false,
                ..reject(
                    "wrong-field-count",
                    format!(
                        "{} fields where the header has {}",
                        row.count(),
                        plan.n_columns
                    ),
                )
            });
            return;
        }
        if !plan.id.is_empty() && !id_read {
            let cols: Vec<&str> = plan.id.iter().map(|&c| plan.name(c)).collect();
            let detail = format!("column {}: empty", cols.join(" + "));
            out.rejected.push(reject("missing-id", detail));
            return;
        }
        let sums = match parser.counts(row, &mut self.votes, &mut self.on_ballot) {
            Ok(sums) => sums,
            Err((reason, col, raw)) => {
                let name = plan.name(col).to_string();
                let detail = match reason {
                    "missing-value" if raw.is_empty() => format!("column {name}: empty"),
                    "missing-value" => format!("column {name}: '{raw}' (missing)"),
                    "count-overflow" => {
                        format!("column {name}: '{raw}' is above {MAX_COUNT} or its sum is")
                    }
                    _ => format!("column {name}: '{raw}'"),
                };
                out.rejected.push(reject(reason, detail));
                return;
            }
        };
        let (registered, ballots, valid, invalid) = match parser.derive(sums, &self.votes) {
            Ok(counts) => counts,
            Err(detail) => {
                out.rejected.push(reject("count-overflow", detail));
                return;
            }
        };
        let region = if plan.region.is_empty() {
            None
        } else {
            let key = &mut self.region_key;
            key.clear();
            for (i, &c) in plan.region.iter().enumerate() {
                if i > 0 {
                    key.push('/');
                }
                key.push_str(text(row.field(c)));
            }
            let next = out.regions.len() as u32;
            Some(match self.region_index.get(key.as_str()) {
                Some(&j) => j,
                None => {
                    self.region_index.insert(key.clone(), next);
                    out.regions.push(key.clone());
                    next
                }
            })
        };
        if !plan.id.is_empty() {
            out.id_hashes.push(id_hash(&station));
        }
        out.stations.push(Station {
            line,
            id: station,
            region,
            registered,
            ballots,
            valid,
            invalid,
        });
        out.votes.extend_from_slice(&self.votes);
        out.on_ballot.extend_from_slice(&self.on_ballot);
    }
}

impl<'p> RowParser<'p> {
    pub fn new(plan: &'p ColumnPlan, format: &'p ValueFormat) -> Self {
        let mut targets: Vec<(usize, Target)> = Vec::new();
        for (r, cols) in plan.counts.iter().enumerate() {
            targets.extend(cols.iter().map(|&c| (c, Target::Count(r))));
        }
        targets.extend(
            plan.candidates
                .iter()
                .enumerate()
                .map(|(j, &c)| (c, Target::Candidate(j))),
        );
        targets.sort_by_key(|&(c, _)| c);
        RowParser {
            plan,
            format,
            targets,
            has: CountRole::ALL.map(|r| plan.has(r)),
        }
    }

    pub fn builder(&self) -> ChunkBuilder<'_> {
        let k = self.plan.candidates.len();
        ChunkBuilder {
            parser: self,
            out: ChunkResult {
                excluded: vec![0; self.plan.exclude.len()],
                ..Default::default()
            },
            region_index: FnvMap::default(),
            region_key: String::new(),
            votes: vec![0; k],
            on_ballot: vec![false; k],
        }
    }

    /// Validates the rows of stored chunks, in parallel.
    pub fn parse_chunks(&self, chunks: &[RecordChunk]) -> Vec<ChunkResult> {
        par_map_chunks(chunks, |chunk| {
            let mut b = self.builder();
            for r in 0..chunk.rows() {
                b.push(&chunk.row(r), chunk.line(r));
            }
            b.finish()
        })
    }

    /// The joined id (parts trimmed, `/` between), or `line N` without an id column.
    /// The flag says whether any part was present.
    fn station_id(&self, row: &impl Fields, line: u64) -> (String, bool) {
        if self.plan.id.is_empty() {
            return (format!("line {line}"), false);
        }
        let mut id = String::new();
        let mut any = false;
        for (i, &c) in self.plan.id.iter().enumerate() {
            if i > 0 {
                id.push('/');
            }
            let part = text(row.field(c));
            if !part.is_empty() && !self.format.na.iter().any(|t| t == part.as_bytes()) {
                any = true;
                id.push_str(part);
            }
        }
        (id, any)
    }

    /// Sums the count roles and reads the candidate cells into `votes`/`on_ballot`.
    fn counts(
        &self,
        row: &impl Fields,
        votes: &mut [u64],
        on_ballot: &mut [bool],
    ) -> Result<[u64; 4], (&'static str, usize, String)> {
        let mut sums = [0u64; 4];
        for &(col, target) in &self.targets {
            let raw = row.field(col);
            let cell = self.format.read(raw);
            let value = match cell {
                Cell::Count(v) => v,
                Cell::Missing => match target {
                    Target::Candidate(j) => {
                        votes[j] = 0;
                        on_ballot[j] = false;
                        continue;
                    }
                    Target::Count(_) => return Err(("missing-value", col, shown(raw))),
                },
                Cell::NotInteger => return Err(("not-an-integer", col, shown(raw))),
                Cell::Negative => return Err(("negative-count", col, shown(raw))),
                Cell::Overflow => return Err(("count-overflow", col, shown(raw))),
            };
            match target {
                Target::Candidate(j) => {
                    votes[j] = value;
                    on_ballot[j] = true;
                }
                Target::Count(r) => {
                    sums[r] = match sums[r].checked_add(value).filter(|&s| s <= MAX_COUNT) {
                        Some(s) => s,
                        None => return Err(("count-overflow", col, shown(raw))),
                    };
                }
            }
        }
        Ok(sums)
    }

    /// Fills the roles without columns: ballots = valid + invalid, valid = Σ candidates,
    /// invalid = ballots − valid (or 0).
    #[allow(clippy::type_complexity)]
    fn derive(
        &self,
        sums: [u64; 4],
        votes: &[u64],
    ) -> Result<(Option<u64>, u64, u64, u64), String> {
        let [reg, bal, val, inv] = sums;
        let [has_reg, has_bal, has_val, has_inv] = self.has;
        let overflow = |what: &str| format!("{what} is above {MAX_COUNT}");
        let cand_sum = votes
            .iter()
            .try_fold(0u64, |a, &v| a.checked_add(v).filter(|&s| s <= MAX_COUNT))
            .ok_or_else(|| overflow("the sum of the candidates' votes"))?;
        let valid = if has_val { val } else { cand_sum };
        let ballots = if has_bal {
            bal
        } else {
            valid
                .checked_add(if has_inv { inv } else { 0 })
                .filter(|&s| s <= MAX_COUNT)
                .ok_or_else(|| overflow("valid + invalid"))?
        };
        let invalid = if has_inv {
            inv
        } else if has_bal {
            bal.saturating_sub(valid)
        } else {
            0
        };
        Ok((has_reg.then_some(reg), ballots, valid, invalid))
    }
}

/// FNV-1a: ids come from the file, a fast hash is enough for counting them.
#[derive(Default)]
struct Fnv(u64);

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

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

fn id_hash(id: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(id.as_bytes());
    h.finish()
}

/// How many rows carry each station's id: the kept stations' ids and the ids read
/// from rejected rows. Sorting 64-bit hashes keeps this cache-friendly; ids are
/// compared only within a run of equal hashes.
fn id_repeats(stations: &[Station], hashes: &[u64], rejected: &[Rejection]) -> Vec<u32> {
    let n = stations.len();
    let id_of = |tag: usize| -> &str {
        match tag.checked_sub(n) {
            None => stations.get(tag).map_or("", |s| s.id.as_str()),
            Some(r) => rejected.get(r).map_or("", |r| r.station.as_str()),
        }
    };
    let mut keys: Vec<(u64, usize)> = hashes.iter().copied().zip(0..n).collect();
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

/// Joins the chunks' results in order into the dataset: duplicate ids, regions,
/// winner, and `--strict`. Source fields other than the columns are left to the caller.
pub(super) fn assemble(
    path: &str,
    parts: Vec<ChunkResult>,
    plan: &ColumnPlan,
    strict: bool,
) -> Result<Dataset, InputError> {
    let k = plan.candidates.len();
    let n: usize = parts.iter().map(|p| p.stations.len()).sum();
    let mut stations = Vec::with_capacity(n);
    let mut id_hashes = Vec::with_capacity(if plan.id.is_empty() { 0 } else { n });
    let mut votes = Vec::with_capacity(n * k);
    let mut on_ballot = Vec::with_capacity(n * k);
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut excluded = vec![0u64; plan.exclude.len()];
    // Chunk of each station, to translate its chunk-local region index.
    let mut chunk_of: Vec<u32> = Vec::with_capacity(n);
    let mut local_regions = Vec::new();
    for (ci, part) in parts.into_iter().enumerate() {
        chunk_of.extend(std::iter::repeat_n(ci as u32, part.stations.len()));
        stations.extend(part.stations);
        id_hashes.extend(part.id_hashes);
        votes.extend(part.votes);
        on_ballot.extend(part.on_ballot);
        rejected.extend(part.rejected);
        for (e, n) in excluded.iter_mut().zip(part.excluded) {
            *e += n;
        }
        local_regions.push(part.regions);
    }

    // Every row carrying a repeated id goes, whichever came first.
    if !plan.id.is_empty() {
        let repeats = id_repeats(&stations, &id_hashes, &rejected);
        if repeats.iter().any(|&n| n > 1) {
            let mut kept = Vec::with_capacity(stations.len());
            let mut kept_votes = Vec::with_capacity(votes.len());
            let mut kept_ballot = Vec::with_capacity(on_ballot.len());
            let mut kept_chunk = Vec::with_capacity(chunk_of.len());
            for (i, s) in stations.into_iter().enumerate() {
                let n = repeats.get(i).copied().unwrap_or(1);
                if n > 1 {
                    rejected.push(Rejection {
                        line: s.line,
                        detail: format!("id '{}' is on {n} rows", s.id),
                        station: s.id,
                        id_read: true,
                        reason: "duplicate-id",
                    });
                } else {
                    kept_votes.extend_from_slice(votes.get(i * k..(i + 1) * k).unwrap_or(&[]));
                    kept_ballot.extend_from_slice(on_ballot.get(i * k..(i + 1) * k).unwrap_or(&[]));
                    kept_chunk.push(chunk_of.get(i).copied().unwrap_or(0));
                    kept.push(s);
                }
            }
            stations = kept;
            votes = kept_votes;
            on_ballot = kept_ballot;
            chunk_of = kept_chunk;
        }
    }
    rejected.sort_by_key(|r| r.line);

    if strict {
        if let Some(first) = rejected.first() {
            return Err(InputError::RejectedRow {
                path: path.into(),
                line: first.line,
                station: first.station.clone(),
                reason: first.reason,
                detail: first.detail.clone(),
            });
        }
    }

    // Regions in order of first appearance among the stations kept.
    let mut regions = Vec::new();
    if !plan.region.is_empty() {
        let mut global: FnvMap<&str, u32> = FnvMap::default();
        let mut maps: Vec<Vec<Option<u32>>> =
            local_regions.iter().map(|l| vec![None; l.len()]).collect();
        for (s, &ci) in stations.iter_mut().zip(&chunk_of) {
            let (Some(local), Some(map), Some(names)) = (
                s.region,
                maps.get_mut(ci as usize),
                local_regions.get(ci as usize),
            ) else {
                continue;
            };
            let Some(slot) = map.get_mut(local as usize) else {
                continue;
            };
            let g = match *slot {
                Some(g) => g,
                None => {
                    let name = names.get(local as usize).map(String::as_str).unwrap_or("");
                    let next = regions.len() as u32;
                    let g = *global.entry(name).or_insert(next);
                    if g == next {
                        regions.push(name.to_string());
                    }
                    *slot = Some(g);
                    g
                }
            };
            s.region = Some(g);
        }
    }

    let winner = match plan.winner {
        Some(w) => w,
        None => {
            let mut totals = vec![0u128; k];
            for row in votes.chunks_exact(k.max(1)) {
                for (t, &v) in totals.iter_mut().zip(row) {
                    *t += u128::from(v);
                }
            }
            let mut best = 0;
            for (j, &t) in totals.iter().enumerate() {
                if t > totals[best] {
                    best = j;
                }
            }
            best
        }
    };

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
        winner,
        regions,
        stations,
        votes,
        on_ballot,
        rejected: rejected
            .into_iter()
            .map(|r| RejectedRow {
                line: r.line,
                station: r.station,
                reason: r.reason.into(),
                detail: r.detail,
            })
            .collect(),
        excluded: plan
            .exclude_labels
            .iter()
            .zip(excluded)
            .map(|(rule, rows)| ExclusionCount {
                rule: rule.clone(),
                rows,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(thousands: Option<&str>, na: Option<&[&str]>) -> ValueFormat {
        ValueFormat::new(&ColumnSpec {
            thousands: thousands.map(String::from),
            na: na.map(|l| l.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn cells_read_as_counts_or_say_why_not() {
        let f = fmt(None, None);
        assert_eq!(f.read(b" 42 "), Cell::Count(42));
        assert_eq!(f.read(b"42.00"), Cell::Count(42));
        assert_eq!(f.read(b"42.5"), Cell::NotInteger);
        assert_eq!(f.read(b".0"), Cell::NotInteger);
        assert_eq!(f.read(b"42."), Cell::NotInteger);
        assert_eq!(f.read(b"1,413"), Cell::NotInteger);
        assert_eq!(f.read(b""), Cell::Missing);
        assert_eq!(f.read(b"NA"), Cell::Missing);
        assert_eq!(f.read(b"-3"), Cell::Negative);
        assert_eq!(f.read(b"-0"), Cell::Count(0));
        assert_eq!(f.read(b"-"), Cell::NotInteger);
        assert_eq!(f.read(b"+7"), Cell::Count(7));
        assert_eq!(f.read(b"1000000000000"), Cell::Count(MAX_COUNT));
        assert_eq!(f.read(b"1000000000001"), Cell::Overflow);
        assert_eq!(f.read(b"99999999999999999999999"), Cell::Overflow);
        assert_eq!(f.read("\u{a0}12\u{a0}".as_bytes()), Cell::Count(12));
    }

    #[test]
    fn thousands_separators_need_groups_of_three() {
        let dot = fmt(Some("."), Some(&["-"]));
        assert_eq!(dot.read(b"1.413"), Cell::Count(1413));
        assert_eq!(dot.read(b"12.345.678"), Cell::Count(12_345_678));
        assert_eq!(dot.read(b"900"), Cell::Count(900));
        assert_eq!(dot.read(b"1.5"), Cell::NotInteger);
        assert_eq!(dot.read(b"1413.0"), Cell::NotInteger);
        assert_eq!(dot.read(b"1234.567"), Cell::NotInteger);
        assert_eq!(dot.read(b"-"), Cell::Missing);
        assert_eq!(dot.read(b""), Cell::Missing);
        assert_eq!(dot.read(b"NA"), Cell::NotInteger);
        let comma = fmt(Some(","), None);
        assert_eq!(comma.read(b"1,413.0"), Cell::Count(1413));
        let space = fmt(Some(" "), None);
        assert_eq!(space.read("1\u{a0}413".as_bytes()), Cell::Count(1413));
        assert_eq!(space.read(b"1 413"), Cell::Count(1413));
        assert_eq!(space.read(b"1  413"), Cell::NotInteger);
        assert!(
            ValueFormat::new(&ColumnSpec {
                thousands: Some("1".into()),
                ..Default::default()
            })
            .is_err()
        );
    }
}
