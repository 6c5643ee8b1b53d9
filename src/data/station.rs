//! The station model every check reads.

use serde::Serialize;

use crate::error::{InputError, fix_for};

/// One polling station that was read successfully (it may still fail arithmetic checks).
/// Counts are `u32`: the loader rejects larger ones (`count-overflow`), and a million
/// stations then take tens of megabytes (40 bytes each here). The id lives in
/// [`Dataset::ids`].
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// 1-based line number of the row in the input file (the header is line 1).
    pub line: u64,
    /// Index into [`Dataset::regions`], when a region column is mapped.
    pub region: GroupRef,
    /// Index into [`Dataset::localities`], when a locality column is mapped.
    pub locality: GroupRef,
    /// Index into [`Dataset::strata`], when a stratum column is mapped.
    pub stratum: GroupRef,
    /// `None` when the file has no registered-voters column.
    pub registered: Option<u32>,
    pub ballots: u32,
    pub valid: u32,
    pub invalid: u32,
}

/// An index into one of the dataset's lists of groups (regions, localities, strata), or
/// none: an `Option<u32>` in four bytes instead of eight, with `u32::MAX` for none. No
/// list comes near that length: each name takes at least one station.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GroupRef(Option<std::num::NonZeroU32>);

impl GroupRef {
    pub const NONE: GroupRef = GroupRef(None);

    /// `None`, or an index below `u32::MAX` (the largest is read as none).
    pub fn new(index: Option<u32>) -> GroupRef {
        GroupRef(index.and_then(|i| std::num::NonZeroU32::new(i.wrapping_add(1))))
    }

    pub fn get(self) -> Option<u32> {
        self.0.map(|i| i.get() - 1)
    }
}

impl From<Option<u32>> for GroupRef {
    fn from(index: Option<u32>) -> GroupRef {
        GroupRef::new(index)
    }
}

impl std::fmt::Debug for GroupRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// Station ids, kept once: back to back in one string, with where each ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StationIds {
    text: String,
    ends: Vec<usize>,
}

impl StationIds {
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    /// Id `i`, or empty past the end.
    pub fn get(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).copied().unwrap_or(0),
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends every id of `other`.
    pub fn extend(&mut self, other: &StationIds) {
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    pub fn reserve(&mut self, ids: usize, bytes: usize) {
        self.ends.reserve(ids);
        self.text.reserve(bytes);
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Keeps the ids whose index `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut out = StationIds::default();
        for i in 0..self.len() {
            if keep(i) {
                out.push(self.get(i));
            }
        }
        *self = out;
    }
}

impl Station {
    /// Turnout, when it is meaningful: registered > 0 and ballots <= registered.
    pub fn turnout(&self) -> Option<f64> {
        match self.registered {
            Some(r) if r > 0 && self.ballots <= r => Some(self.ballots as f64 / r as f64),
            _ => None,
        }
    }
}

/// Which count roles came from real columns, and which were derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct RolePresence {
    pub registered: bool,
    pub ballots: bool,
    pub valid: bool,
    pub invalid: bool,
}

/// A row that could not be read and is left out of every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    pub line: u64,
    /// The last line, when the row's record spans several (quoted line breaks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_line: Option<u64>,
    /// The station id as written, or empty when none could be read.
    pub station: String,
    /// Machine-readable reason, e.g. `not-an-integer`, `missing-value`,
    /// `negative-count`, `duplicate-id`, `wrong-field-count`, `unbalanced-quote`.
    pub reason: String,
    /// Human-readable detail, e.g. `column electorate: 'abc'`.
    pub detail: String,
    /// The separator the rejected cell seems to group thousands with (`.` in `1.348`).
    #[serde(skip)]
    pub thousands: Option<&'static str>,
}

impl RejectedRow {
    /// The `--thousands` advice for a row whose cell looks grouped by thousands.
    pub fn thousands_hint(&self) -> Option<String> {
        self.thousands.map(super::cells::separator_hint)
    }
}

/// Rows left out on purpose: by an `--exclude COL=VALUE` rule, or by one of the
/// loader's own rules (`blank line`, `repeated header line`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExclusionCount {
    pub rule: String,
    pub rows: u64,
    /// For the loader's own rules, the first lines it left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<u64>,
}

/// How many line numbers an exclusion by the loader's own rule lists.
const EXCLUDED_LINES_LISTED: usize = 20;

impl ExclusionCount {
    /// A rule of the loader's own; `lines` sorted.
    pub fn builtin(rule: &str, lines: &[u64]) -> ExclusionCount {
        ExclusionCount {
            rule: rule.to_string(),
            rows: lines.len() as u64,
            lines: lines.iter().take(EXCLUDED_LINES_LISTED).copied().collect(),
        }
    }
}

/// Where every physical line of the input went. `lines = header + used + rejected +
/// excluded` always holds: nothing is lost without a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct LineAccount {
    /// Physical lines of the decoded input.
    pub lines: u64,
    /// Lines of the header record.
    pub header: u64,
    /// Lines of the rows kept as stations.
    pub used: u64,
    /// Lines of rejected rows, each listed with its line and reason.
    pub rejected: u64,
    /// Lines left out by a rule: `--exclude`, blank lines, repeated headers.
    pub excluded: u64,
}

impl LineAccount {
    /// Whether every line is accounted for.
    pub fn balanced(&self) -> bool {
        self.header + self.used + self.rejected + self.excluded == self.lines
    }
}

/// A column that holds whole numbers but was left out of the candidates because of its
/// name; the report and stderr say so, with the flag that brings it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOutColumn {
    pub column: String,
    pub why: String,
    /// The flag that makes it a candidate.
    pub fix: String,
    /// Whole numbers the column turned out to hold below the sampled rows, when at least
    /// [`crate::data::MIN_LATER_STATIONS`] stations hold them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub later: Option<LaterCounts>,
}

/// Whole numbers found in a column that was not read: in how many stations, their sum,
/// whether that sum is above the winner's votes, and whether it is enough to change the
/// result (above the winner's votes, or 1% of the candidates' votes in 5% of stations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LaterCounts {
    pub stations: u64,
    pub sum: u64,
    pub above_winner: bool,
    pub material: bool,
}

/// One input column and the role it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnRole {
    pub column: String,
    /// `id`, `region`, `locality`, `registered`, `ballots`, `valid`, `invalid`, `candidate`, or `ignored`.
    pub role: String,
}

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Source {
    /// The path as given, or `-` for stdin.
    pub path: String,
    /// SHA-256 of the raw bytes as read (before gunzip).
    pub sha256: String,
    /// Data rows in the file, header excluded.
    pub rows: u64,
    pub gzip: bool,
    /// The delimiter used, as a one-character string (`,`, `;` or a tab).
    pub delimiter: String,
    /// `utf-8`, or the encoding the input was decoded from (`utf-16le`, `utf-16be`).
    pub encoding: String,
}

/// The validated input: stations plus everything that was left out and why.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub source: Source,
    pub columns: Vec<ColumnRole>,
    pub roles: RolePresence,
    pub candidates: Vec<String>,
    /// Index into `candidates` of the winner (most votes, unless `--winner` was given).
    pub winner: usize,
    pub regions: Vec<String>,
    /// Localities (towns, municipalities: the small-stations check's neighbourhoods).
    pub localities: Vec<String>,
    /// Strata (settlement type, say: the fingerprint's fair model splits regions by them).
    pub strata: Vec<String>,
    pub stations: Vec<Station>,
    /// Station `i`'s id is `ids.get(i)` (`line N` without an id column).
    pub ids: StationIds,
    /// Candidate votes, row-major: station `i`, candidate `j` at `i * candidates.len() + j`.
    /// A candidate not on a station's ballot has 0 here and `false` in `on_ballot`.
    pub votes: Vec<u32>,
    pub on_ballot: Vec<bool>,
    pub rejected: Vec<RejectedRow>,
    pub excluded: Vec<ExclusionCount>,
    /// Where every line of the file went.
    pub lines: LineAccount,
    /// Whole-number columns left out of the candidates because of their names.
    pub left_out: Vec<LeftOutColumn>,
    /// Rows kept that repeat an earlier row in every value, in a file without ids.
    pub repeated_rows: Vec<RepeatedRow>,
    /// Lines of stations named like totals ('Total', 'Итого') kept: no larger than
    /// other stations.
    pub named_like_totals: Vec<u64>,
}

/// A row kept although it repeats an earlier row in every value (no id tells them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RepeatedRow {
    pub line: u64,
    /// The line it repeats.
    pub first: u64,
}

impl Dataset {
    /// An error when no row was read as a station: an audit of nothing would report
    /// "nothing flagged".
    /// The `--exclude` rules that matched no row: likely a misspelt value.
    pub fn unmatched_rules(&self) -> impl Iterator<Item = &str> {
        self.excluded
            .iter()
            .filter(|e| e.rows == 0)
            .map(|e| e.rule.as_str())
    }

    pub fn require_stations(&self) -> Result<(), InputError> {
        if !self.stations.is_empty() {
            return Ok(());
        }
        let why = if let Some(r) = self.rejected.first() {
            format!(
                "all {} data rows were rejected; the first is line {} (station '{}'): {}: {}. {}",
                self.rejected.len(),
                r.line,
                r.station,
                r.reason,
                r.detail,
                fix_for(&r.reason)
            )
        } else if self.lines.excluded > 0 {
            let rules: Vec<String> = self
                .excluded
                .iter()
                .map(|e| format!("{}: {}", e.rule, e.rows))
                .collect();
            format!(
                "every data line was left out by a rule ({})",
                rules.join(", ")
            )
        } else {
            "the file has a header but no data rows".to_string()
        };
        let path = match self.source.path.as_str() {
            "-" => "<stdin>".to_string(),
            p => p.to_string(),
        };
        Err(InputError::NoStations { path, why })
    }

    pub fn n_candidates(&self) -> usize {
        self.candidates.len()
    }

    /// Station `i`'s id.
    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i)
    }

    /// Votes of station `i` for every candidate.
    pub fn votes_of(&self, i: usize) -> &[u32] {
        let k = self.candidates.len();
        &self.votes[i * k..(i + 1) * k]
    }

    /// The candidates' votes at station `i`, added up.
    pub fn votes_sum(&self, i: usize) -> u64 {
        self.votes_of(i).iter().map(|&v| u64::from(v)).sum()
    }

    /// Whether each candidate was on station `i`'s ballot.
    pub fn on_ballot_of(&self, i: usize) -> &[bool] {
        let k = self.candidates.len();
        &self.on_ballot[i * k..(i + 1) * k]
    }

    /// Counts of candidate `j` at the stations where they were on the ballot, in station order.
    pub fn candidate_counts(&self, j: usize) -> Vec<u32> {
        let k = self.candidates.len();
        (0..self.stations.len())
            .filter(|i| self.on_ballot[i * k + j])
            .map(|i| self.votes[i * k + j])
            .collect()
    }

    /// Winner's share of valid votes at station `i`, when valid > 0.
    pub fn winner_share(&self, i: usize) -> Option<f64> {
        let s = &self.stations[i];
        (s.valid > 0).then(|| self.votes_of(i)[self.winner] as f64 / s.valid as f64)
    }

    /// Total votes per candidate.
    pub fn candidate_totals(&self) -> Vec<u64> {
        let k = self.candidates.len();
        let mut totals = vec![0u64; k];
        for row in self.votes.chunks_exact(k.max(1)) {
            for (t, &v) in totals.iter_mut().zip(row) {
                *t += u64::from(v);
            }
        }
        totals
    }

    /// The stations of region `r` as a dataset of their own: same candidates, winner and
    /// columns; rejected and excluded rows stay with the national dataset.
    pub fn region_subset(&self, r: u32) -> Dataset {
        let k = self.candidates.len();
        let mut out = Dataset {
            source: self.source.clone(),
            columns: self.columns.clone(),
            roles: self.roles,
            candidates: self.candidates.clone(),
            winner: self.winner,
            regions: self.regions.clone(),
            localities: self.localities.clone(),
            strata: self.strata.clone(),
            ..Dataset::default()
        };
        for (i, s) in self.stations.iter().enumerate() {
            if s.region.get() == Some(r) {
                out.stations.push(s.clone());
                out.ids.push(self.ids.get(i));
                out.votes.extend_from_slice(&self.votes[i * k..(i + 1) * k]);
                out.on_ballot
                    .extend_from_slice(&self.on_ballot[i * k..(i + 1) * k]);
            }
        }
        out.source.rows = out.stations.len() as u64;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_ref_is_an_option_in_four_bytes() {
        assert_eq!(std::mem::size_of::<GroupRef>(), 4);
        assert_eq!(std::mem::size_of::<Station>(), 40);
        for v in [None, Some(0), Some(7), Some(u32::MAX - 1)] {
            assert_eq!(GroupRef::new(v).get(), v);
        }
        assert_eq!(GroupRef::new(Some(u32::MAX)).get(), None);
        assert_eq!(format!("{:?}", GroupRef::new(Some(3))), "Some(3)");
    }

    fn rejected(detail: &str, thousands: Option<&'static str>) -> RejectedRow {
        RejectedRow {
            line: 2,
            last_line: None,
            station: "S1".into(),
            reason: "not-an-integer".into(),
            detail: detail.into(),
            thousands,
        }
    }

    #[test]
    fn the_thousands_hint_comes_from_the_separator_not_the_detail_text() {
        let grouped = rejected("column A: '1.348'", Some("."));
        let hint = grouped.thousands_hint();
        assert_eq!(
            hint.as_deref(),
            Some("if '.' groups thousands, pass --thousands '.'")
        );
        let spaced = rejected("column A: '1 348'", Some(" "));
        let hint = spaced.thousands_hint();
        assert_eq!(
            hint.as_deref(),
            Some("if spaces group thousands, pass --thousands ' '")
        );
        // A cell's own text that reads like advice is not advice.
        let text = rejected(
            "column A: '12; if '.' groups thousands, pass --thousands .'",
            None,
        );
        assert_eq!(text.thousands_hint(), None);
    }
}
