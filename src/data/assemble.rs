//! Joining the chunks' results into the dataset: duplicate ids, regions, the winner,
//! the line account and `--strict`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::slice::ParallelSliceMut;

use super::columns::{ColumnPlan, CountRole};
use super::validate::Builtin;
use super::validate::{ChunkResult, Rejection};
use super::{Dataset, ExclusionCount, LineAccount, RejectedRow, RolePresence, Station};
use crate::error::InputError;

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

/// The chunks' results joined in order, before duplicates and regions are resolved.
struct Merged {
    stations: Vec<Station>,
    id_hashes: Vec<u64>,
    votes: Vec<u64>,
    on_ballot: Vec<bool>,
    rejected: Vec<Rejection>,
    excluded: Vec<u64>,
    excluded_lines: u64,
    blank: Vec<u64>,
    repeated_header: Vec<u64>,
    multi_line: HashMap<u64, u32>,
    /// Chunk of each station, to translate its chunk-local region index.
    chunk_of: Vec<u32>,
    local_regions: Vec<Vec<String>>,
    local_localities: Vec<Vec<String>>,
    local_strata: Vec<Vec<String>>,
}

impl Merged {
    fn new(parts: Vec<ChunkResult>, plan: &ColumnPlan) -> Merged {
        let k = plan.candidate_names.len();
        let n: usize = parts.iter().map(|p| p.stations.len()).sum();
        let mut m = Merged {
            stations: Vec::with_capacity(n),
            id_hashes: Vec::with_capacity(if plan.id.is_empty() { 0 } else { n }),
            votes: Vec::with_capacity(n * k),
            on_ballot: Vec::with_capacity(n * k),
            rejected: Vec::new(),
            excluded: vec![0; plan.exclude.len()],
            excluded_lines: 0,
            blank: Vec::new(),
            repeated_header: Vec::new(),
            multi_line: HashMap::new(),
            chunk_of: Vec::with_capacity(n),
            local_regions: Vec::new(),
            local_localities: Vec::new(),
            local_strata: Vec::new(),
        };
        for (ci, part) in parts.into_iter().enumerate() {
            m.chunk_of
                .extend(std::iter::repeat_n(ci as u32, part.stations.len()));
            m.stations.extend(part.stations);
            m.id_hashes.extend(part.id_hashes);
            m.votes.extend(part.votes);
            m.on_ballot.extend(part.on_ballot);
            m.rejected.extend(part.rejected);
            for (e, n) in m.excluded.iter_mut().zip(part.excluded) {
                *e += n;
            }
            m.excluded_lines += part.excluded_lines;
            m.blank.extend(part.blank);
            m.repeated_header.extend(part.repeated_header);
            m.multi_line.extend(part.multi_line);
            m.local_regions.push(part.regions);
            m.local_localities.push(part.localities);
            m.local_strata.push(part.strata);
        }
        m
    }

    /// Every row carrying a repeated id goes, whichever came first.
    fn drop_duplicates(&mut self, k: usize) {
        let repeats = id_repeats(&self.stations, &self.id_hashes, &self.rejected);
        if repeats.iter().all(|&n| n <= 1) {
            return;
        }
        let mut kept = Vec::with_capacity(self.stations.len());
        let mut kept_votes = Vec::with_capacity(self.votes.len());
        let mut kept_ballot = Vec::with_capacity(self.on_ballot.len());
        let mut kept_chunk = Vec::with_capacity(self.chunk_of.len());
        for (i, s) in std::mem::take(&mut self.stations).into_iter().enumerate() {
            let n = repeats.get(i).copied().unwrap_or(1);
            if n > 1 {
                self.rejected.push(Rejection {
                    line: s.line,
                    extra: self.multi_line.get(&s.line).copied().unwrap_or(0),
                    detail: format!("id '{}' is on {n} rows", s.id),
                    station: s.id,
                    id_read: true,
                    reason: "duplicate-id",
                });
            } else {
                let row = i * k..(i + 1) * k;
                kept_votes.extend_from_slice(self.votes.get(row.clone()).unwrap_or(&[]));
                kept_ballot.extend_from_slice(self.on_ballot.get(row).unwrap_or(&[]));
                kept_chunk.push(self.chunk_of.get(i).copied().unwrap_or(0));
                kept.push(s);
            }
        }
        self.stations = kept;
        self.votes = kept_votes;
        self.on_ballot = kept_ballot;
        self.chunk_of = kept_chunk;
    }

    /// Regions in order of first appearance among the stations kept.
    fn global_regions(&mut self) -> Vec<String> {
        let locals = std::mem::take(&mut self.local_regions);
        global_groups(&mut self.stations, &self.chunk_of, &locals, |s| {
            &mut s.region
        })
    }

    /// Localities in order of first appearance among the stations kept.
    fn global_localities(&mut self) -> Vec<String> {
        let locals = std::mem::take(&mut self.local_localities);
        global_groups(&mut self.stations, &self.chunk_of, &locals, |s| {
            &mut s.locality
        })
    }

    /// Strata in order of first appearance among the stations kept.
    fn global_strata(&mut self) -> Vec<String> {
        let locals = std::mem::take(&mut self.local_strata);
        global_groups(&mut self.stations, &self.chunk_of, &locals, |s| {
            &mut s.stratum
        })
    }

    /// Where every line went; `lines` and `header` come from the reader.
    fn account(&self, lines: u64, header: u64) -> LineAccount {
        let extra = |line: u64| u64::from(self.multi_line.get(&line).copied().unwrap_or(0));
        let used = self.stations.iter().map(|s| 1 + extra(s.line)).sum();
        let rejected = self.rejected.iter().map(|r| 1 + u64::from(r.extra)).sum();
        let builtin = (self.blank.len() + self.repeated_header.len()) as u64;
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
        ] {
            if !lines.is_empty() {
                lines.sort_unstable();
                out.push(ExclusionCount::builtin(kind.label(), lines));
            }
        }
        out
    }
}

/// A grouping role's chunk-local indices made global, names in order of first
/// appearance among `stations`; `slot_of` picks the role's index in a station.
fn global_groups(
    stations: &mut [Station],
    chunk_of: &[u32],
    locals: &[Vec<String>],
    slot_of: fn(&mut Station) -> &mut Option<u32>,
) -> Vec<String> {
    let mut groups = Vec::new();
    let mut global: FnvMap<&str, u32> = FnvMap::default();
    let mut maps: Vec<Vec<Option<u32>>> = locals.iter().map(|l| vec![None; l.len()]).collect();
    for (s, &ci) in stations.iter_mut().zip(chunk_of) {
        let (Some(local), Some(map), Some(names)) = (
            *slot_of(s),
            maps.get_mut(ci as usize),
            locals.get(ci as usize),
        ) else {
            continue;
        };
        let Some(slot) = map.get_mut(local as usize) else {
            continue;
        };
        let g = *slot.get_or_insert_with(|| {
            let name = names.get(local as usize).map(String::as_str).unwrap_or("");
            let next = groups.len() as u32;
            let g = *global.entry(name).or_insert(next);
            if g == next {
                groups.push(name.to_string());
            }
            g
        });
        *slot_of(s) = Some(g);
    }
    groups
}

/// The candidate with the most votes, the first of equals.
fn top_candidate(votes: &[u64], k: usize) -> usize {
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

/// What the reader knows of the file beyond its records.
pub(super) struct FileLines {
    pub lines: u64,
    pub header: u64,
}

/// Joins the chunks' results in order into the dataset: duplicate ids, regions,
/// winner, the line account and `--strict`. Source fields other than the columns are
/// left to the caller.
pub(super) fn assemble(
    path: &str,
    parts: Vec<ChunkResult>,
    plan: &ColumnPlan,
    strict: bool,
    file: FileLines,
) -> Result<Dataset, InputError> {
    let k = plan.candidate_names.len();
    let mut m = Merged::new(parts, plan);
    if !plan.id.is_empty() {
        m.drop_duplicates(k);
    }
    m.rejected.sort_by_key(|r| r.line);
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
    let regions = if plan.region.is_empty() {
        Vec::new()
    } else {
        m.global_regions()
    };
    let localities = if plan.locality.is_empty() {
        Vec::new()
    } else {
        m.global_localities()
    };
    let strata = if plan.stratum.is_empty() {
        Vec::new()
    } else {
        m.global_strata()
    };
    let lines = m.account(file.lines, file.header);
    let excluded = m.exclusions(plan);
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
        regions,
        localities,
        strata,
        rejected: published(std::mem::take(&mut m.rejected)),
        stations: m.stations,
        votes: m.votes,
        on_ballot: m.on_ballot,
        excluded,
        lines,
        left_out: plan.left_out.clone(),
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
        })
        .collect()
}
