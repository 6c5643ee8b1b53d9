//! Row validation: values, derived roles, rejected and excluded rows.

use std::collections::HashMap;

use super::assemble::FnvMap;
use super::cells::{
    Cell, MAX_COUNT, ValueFormat, grouping_separator, separator_hint, shorten, text, trim,
};
use super::columns::{CANDIDATE_SAMPLE_ROWS, ColumnPlan, CountRole, single_quoted};
use super::{Station, StationIds};

/// How the sampled values of one column read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ColumnSample {
    /// Cells that read as counts (negative and too-large counts included).
    pub counts: u32,
    /// Cells that are present but not whole numbers.
    pub other: u32,
    /// Of those, cells that look grouped by thousands (`1.348`), and the first one's
    /// separator.
    pub grouped: u32,
    pub separator: Option<&'static str>,
    /// Of those, cells that are a dash (`-`, `–` or `—`), and the first one.
    pub dashes: u32,
    pub dash: Option<String>,
    /// Of those, cells written as numbers in another form (`5.80E+01`, `58,5`,
    /// `12%`), and the first one.
    pub numeric: u32,
    pub numeric_example: Option<String>,
    /// The first other text (`#N/A`, `x`), and how many cells repeat it.
    pub token: Option<String>,
    pub token_count: u32,
    /// The last count read, and the steps between counts in consecutive sampled rows:
    /// up by exactly one, up by more, equal, down to 0 or 1 (a code starting again), and
    /// any other (down further, or over a blank).
    pub last: Option<u64>,
    pub steps_by_one: u32,
    pub steps_up: u32,
    pub steps_same: u32,
    pub steps_restart: u32,
    pub steps_other: u32,
    /// The largest count read.
    pub max: u64,
}

impl ColumnSample {
    /// Mostly whole numbers: at least [`COUNT_COLUMN_SHARE`] of the present cells. One
    /// bad cell must not change a column's role; it makes a rejected row instead.
    pub fn is_count(&self) -> bool {
        let present = f64::from(self.counts) + f64::from(self.other);
        self.counts > 0 && f64::from(self.counts) >= COUNT_COLUMN_SHARE * present
    }

    /// Why a column that is not read as counts might still hold votes: it was blank
    /// in every sampled row, or only partly whole numbers. `None` for a text column.
    pub fn undecided(&self) -> Option<String> {
        let present = self.counts + self.other;
        if present == 0 {
            return Some(format!(
                "is blank in every sampled row (up to the first {CANDIDATE_SAMPLE_ROWS} usable \
                 rows), so whether it holds votes could not be told"
            ));
        }
        if self.counts == 0 {
            return self.no_plain_counts();
        }
        let grouped = match (self.grouping(), self.placeholder()) {
            (Some(sep), _) => format!(
                "; {} of them look grouped by thousands ({})",
                self.grouped,
                separator_hint(sep)
            ),
            (None, Some(token)) => format!(
                "; the others are mostly '{token}': if it marks no votes, pass --na {}",
                single_quoted(token)
            ),
            _ => String::new(),
        };
        Some(format!(
            "has whole numbers in only {:.0}% of its {present} sampled values (a count column \
             needs {:.0}%){grouped}",
            100.0 * f64::from(self.counts) / f64::from(present),
            100.0 * COUNT_COLUMN_SHARE
        ))
    }

    /// A column without one plain count may still hold votes: every value grouped by
    /// thousands, or a dash in every sampled row.
    fn no_plain_counts(&self) -> Option<String> {
        if self.dashes == self.other {
            let dash = self.dash.as_deref().unwrap_or("-");
            return Some(format!(
                "is a dash in every sampled row ({} of them); if a dash marks no votes, pass \
                 --na '{dash}'",
                self.dashes
            ));
        }
        let Some(sep) = self.grouping() else {
            return self.other_numbers();
        };
        Some(format!(
            "has no plain whole number among its {} sampled values, but {} of them look \
             grouped by thousands ({})",
            self.other,
            self.grouped,
            separator_hint(sep)
        ))
    }

    /// Numbers in a form that is no count (scientific notation, decimals, percents) in
    /// most cells: a vote column exported in the wrong number format must not vanish.
    fn other_numbers(&self) -> Option<String> {
        let example = self
            .numeric_example
            .as_deref()
            .filter(|_| self.numeric * 2 > self.other)?;
        Some(format!(
            "holds numbers, but no plain whole number among its {} sampled values ({} of them \
             written like '{example}'); if it holds counts, export them as whole numbers (a \
             spreadsheet's scientific or decimal format may have rounded them), or name it \
             with --candidate to list each row it cannot read",
            self.other, self.numeric
        ))
    }

    /// The text that most cells that are not counts repeat (`#N/A`), a placeholder.
    fn placeholder(&self) -> Option<&str> {
        self.token
            .as_deref()
            .filter(|_| self.token_count * 2 > self.other)
    }

    /// The separator that at least half of the cells that are not counts group
    /// thousands with.
    fn grouping(&self) -> Option<&'static str> {
        self.separator.filter(|_| self.grouped * 2 >= self.other)
    }

    /// Counts up from row to row, by one at almost every step, or up at every one of
    /// many steps: a row number (a spreadsheet's or a data frame's index) or a station
    /// number with gaps, which no candidate's votes do.
    pub fn is_row_number(&self) -> bool {
        let other = self.steps_other + self.steps_same + self.steps_restart;
        let steps = self.steps_by_one + self.steps_up + other;
        let by_one = steps >= 4 && self.steps_by_one * 5 >= steps * 4;
        other == 0 && (by_one || steps >= STRICTLY_UP_STEPS)
    }

    /// Stays the same for runs of rows and steps up by one between them, over many
    /// steps, starting again at 0 or 1 now and then: the number of an area or a section
    /// (1,1,1,2,2,3,…), which no candidate's votes do. A candidate's votes step by more
    /// than one now and then, or drop to other values; a 0/1 flag, or a fringe candidate's
    /// zeros and ones, is not taken for one.
    pub fn is_area_code(&self) -> bool {
        let steps = self.steps();
        steps >= STRICTLY_UP_STEPS
            && self.steps_up == 0
            && self.steps_other == 0
            && self.steps_by_one >= 2
            && self.max >= 2
            && self.steps_same * 2 >= steps
            && self.steps_restart * 10 <= steps
    }

    /// A small number that never changes from one row to the next (a file sorted by
    /// state starts with one state's number), unless it is 0: a candidate standing only
    /// further down the file.
    pub fn is_constant_code(&self) -> bool {
        let steps = self.steps();
        steps >= STRICTLY_UP_STEPS && self.steps_same == steps && (1..100).contains(&self.max)
    }

    fn steps(&self) -> u32 {
        let steps = self.steps_by_one + self.steps_up + self.steps_same;
        steps + self.steps_restart + self.steps_other
    }

    fn add_count(&mut self, v: u64) {
        self.counts += 1;
        self.max = self.max.max(v);
        match self.last {
            Some(p) if v == p + 1 => self.steps_by_one += 1,
            Some(p) if v > p => self.steps_up += 1,
            Some(p) if v == p => self.steps_same += 1,
            Some(_) if v <= 1 => self.steps_restart += 1,
            Some(_) => self.steps_other += 1,
            None => {}
        }
        self.last = Some(v);
    }

    fn break_steps(&mut self) {
        if self.last.take().is_some() {
            self.steps_other += 1;
        }
    }

    fn add_not_integer(&mut self, raw: &[u8]) {
        self.break_steps();
        self.other += 1;
        let cell = text(raw);
        if matches!(cell, "-" | "–" | "—") {
            self.dashes += 1;
            self.dash.get_or_insert_with(|| cell.to_string());
        } else if looks_numeric(cell) {
            self.numeric += 1;
            self.numeric_example.get_or_insert_with(|| shown(raw));
        } else {
            let first = self.token.get_or_insert_with(|| cell.to_string());
            self.token_count += u32::from(first == cell);
        }
        if let Some(sep) = grouping_separator(raw) {
            self.grouped += 1;
            self.separator.get_or_insert(sep);
        }
    }
}

/// Steps that a column must rise at, every one, to be read as a station number: votes
/// sorted in ascending order would tie somewhere among so many.
const STRICTLY_UP_STEPS: u32 = 50;

/// A number in a form that is not a count: a sign, digits with at most one decimal
/// point or comma, an exponent, a percent sign (`5.80E+01`, `58,5`, `-3`, `12 %`).
/// Dates (`15.03.2024`, `2024-03-15`) and codes (`00-950`) are not.
fn looks_numeric(cell: &str) -> bool {
    let s = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let s = s.strip_suffix('%').map_or(s, str::trim_end);
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let marks = mantissa.bytes().filter(|b| b".,".contains(b)).count();
    mantissa.starts_with(|c: char| c.is_ascii_digit())
        && mantissa
            .bytes()
            .all(|b| b.is_ascii_digit() || b".,".contains(&b))
        && marks <= 1
        && exponent.is_none_or(|e| digits(e) && e.len() <= 3)
}

/// Words that mark a row as a total or subtotal of others when its id, region or
/// locality holds one as a whole word (case ignored). A row so named is a total only
/// when its counts are too large for one station (see `super::totals`).
const TOTAL_WORDS: &[&str] = &[
    "total",
    "totals",
    "subtotal",
    "итого",
    "всего",
    "gesamt",
    "insgesamt",
    "summe",
    "ogółem",
    "totaal",
    "totale",
    "totales",
    "totaux",
    "totalt",
    "razem",
    "gesamtergebnis",
    "overall",
    "итог",
    "всього",
    "усього",
    "разом",
    "összesen",
    "toplam",
    "celkem",
    "spolu",
    "yhteensä",
    "ukupno",
    "skupaj",
    "kokku",
    "σ",
    "合计",
    "總計",
    "总计",
    "合計",
];

/// Why a row reads as a total of other rows, whose counts would be counted twice.
fn total_row(plan: &ColumnPlan, row: &impl Fields) -> Option<String> {
    let labels = [&plan.id, &plan.region, &plan.locality];
    labels.into_iter().flatten().find_map(|&c| {
        let value = text(row.field(c));
        let word = total_word(value)?;
        Some(format!(
            "column {}: '{}' reads as a total or subtotal row ('{word}')",
            plan.name(c),
            shown(value.as_bytes())
        ))
    })
}

/// The total word `value` holds as a whole word, case ignored; without allocating, since
/// every row asks.
fn total_word(value: &str) -> Option<&'static str> {
    // Most ids hold digits, which no total word does: they are passed over at once.
    let candidate = |w: &&str| w.len() >= 2 && !w.bytes().any(|b| b.is_ascii_digit());
    value
        .split(|c: char| !c.is_alphanumeric())
        .filter(candidate)
        .find_map(|word| {
            TOTAL_WORDS.iter().copied().find(|w| match word.is_ascii() {
                true => word.eq_ignore_ascii_case(w),
                false => word.chars().flat_map(char::to_lowercase).eq(w.chars()),
            })
        })
}

/// Whether some sampled cell outside the label columns groups thousands with `.`
/// (`1.348`): then `2.000` in the same file is 2,000 as likely as 2.
pub(super) fn dots_group_thousands(samples: &[ColumnSample], plan: &ColumnPlan) -> bool {
    let labels = [&plan.id, &plan.region, &plan.locality, &plan.stratum];
    samples.iter().enumerate().any(|(k, s)| {
        s.grouped > 0 && s.separator == Some(".") && !labels.iter().any(|l| l.contains(&k))
    })
}

/// The share of a column's present sampled cells that must be whole numbers for it to
/// be read as a count column.
pub const COUNT_COLUMN_SHARE: f64 = 0.8;

/// The counts of the sampled rows, row by row (`None` where a cell is no count).
pub(super) type SampledCounts = Vec<Vec<Option<u64>>>;

/// How each column's values read in the rows given, leaving out excluded rows, repeated
/// headers and rows of the wrong length; with those rows' counts.
pub(super) fn column_samples<R: Fields>(
    rows: impl IntoIterator<Item = R>,
    plan: &ColumnPlan,
    format: &ValueFormat,
) -> (Vec<ColumnSample>, SampledCounts) {
    let n = plan.n_columns;
    let mut out = vec![ColumnSample::default(); n];
    let mut counts = Vec::new();
    for row in rows {
        let header = is_header(plan, &row) || is_reordered_header(plan, &row);
        if !usable(plan, &row) || excluded_by(plan, &row).is_some() || header {
            continue;
        }
        let mut values = vec![None; n];
        for (k, s) in out.iter_mut().enumerate() {
            match format.read(row.field(k)) {
                Cell::Missing => s.break_steps(),
                Cell::NotInteger => s.add_not_integer(row.field(k)),
                Cell::Count(v) | Cell::DotZeros(v) => {
                    s.add_count(v);
                    values[k] = Some(v);
                }
                _ => {
                    s.break_steps();
                    s.counts += 1;
                }
            }
        }
        counts.push(values);
    }
    (out, counts)
}

/// Whether a row has the fields the plan reads: at least `min_fields` (those past the
/// row's end read as empty), and any past the header's blank.
pub(super) fn has_shape(plan: &ColumnPlan, row: &impl Fields) -> bool {
    let n = row.count();
    n >= plan.min_fields && (n <= plan.n_columns || row.fits(plan.n_columns))
}

/// A row of the plan's shape that is not shifted (see [`shifted`]).
pub(super) fn usable(plan: &ColumnPlan, row: &impl Fields) -> bool {
    has_shape(plan, row) && shifted(plan, row).is_none()
}

/// Why a row that fills trailing columns most rows leave off is rejected: a number
/// there is what a value split at an unquoted delimiter (`2,916`) pushes out of the
/// last count column, and every count after the split would be read one column off.
/// So is a short row that ends with an empty field (see [`lost_field`]).
pub(super) fn shifted(plan: &ColumnPlan, row: &impl Fields) -> Option<String> {
    let (min, n) = (plan.min_fields, row.count());
    if n >= min && n < plan.n_columns && n > 0 && trim(row.field(n - 1)).is_empty() {
        return Some(lost_field(plan, n));
    }
    if n <= min || n > plan.n_columns {
        return None;
    }
    let mut extra = (min..n)
        .map(|k| trim(row.field(k)))
        .filter(|f| !f.is_empty());
    if !extra.any(|f| f.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    let why = split_value(plan, row)
        .unwrap_or_else(|| "a delimiter inside a value, unquoted? Quote such values".to_string());
    Some(format!(
        "{n} fields where most rows have {min}, with a number in the extra ones: {why}"
    ))
}

/// Why a row shorter than the header that ends with an empty field is rejected: a row
/// that leaves the trailing notes off ends with its last count, so an empty field there
/// is the notes column's own, after a field lost further left. Read as the short form,
/// every count after the lost field would slide one column left.
fn lost_field(plan: &ColumnPlan, n: usize) -> String {
    let full = plan.n_columns;
    format!(
        "{n} fields where the header has {full}, the last one empty: a row that leaves off \
         '{}' ends with a count, so this one has that column and lost a field before it \
         (a missing count, or two cells joined); every value after it would be read one \
         column left. Add the missing field",
        plan.name(plan.min_fields.min(full.saturating_sub(1)))
    )
}

/// Where a row with a field too many holds two cells that read as one number whose
/// thousands separator is the delimiter, unquoted (`2,916` split into `2` and `916`).
pub(super) fn split_value(plan: &ColumnPlan, row: &impl Fields) -> Option<String> {
    let d = plan.delimiter;
    let (k, joined) = (0..row.count().saturating_sub(1)).find_map(|k| {
        let mut joined = trim(row.field(k)).to_vec();
        joined.push(d);
        joined.extend_from_slice(trim(row.field(k + 1)));
        let sep = grouping_separator(&joined)?;
        (sep.as_bytes() == [d]).then_some((k, joined))
    })?;
    Some(format!(
        "'{}' at column {} reads as one number with an unquoted thousands separator; quote \
         such values or write them without the separator",
        text(&joined),
        plan.name(k)
    ))
}

/// Random access to the fields of one record.
pub(super) trait Fields {
    fn count(&self) -> usize;
    /// Field `k`, or empty past the end.
    fn field(&self, k: usize) -> &[u8];

    /// Whether the record has `n` fields, or more whose extra ones are all blank: a
    /// delimiter or several ending the line add no value, and the row reads as its
    /// first `n` fields.
    fn fits(&self, n: usize) -> bool {
        self.count() == n
            || (self.count() > n && (n..self.count()).all(|k| trim(self.field(k)).is_empty()))
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
        .position(|(col, value)| same_value(trim(row.field(*col)), value.as_bytes()))
}

/// A cell matches an `--exclude` value as written, or as the same whole number written
/// with zero decimals (`1.0` for `1`), as spreadsheets export flags.
fn same_value(cell: &[u8], value: &[u8]) -> bool {
    if cell == value {
        return true;
    }
    let whole = !value.is_empty() && value.iter().all(u8::is_ascii_digit);
    match cell
        .strip_prefix(value)
        .and_then(|rest| rest.strip_prefix(b"."))
    {
        Some(zeros) => whole && !zeros.is_empty() && zeros.iter().all(|&b| b == b'0'),
        None => false,
    }
}

/// Whether the row repeats the header (two files joined, or two gzip members each with
/// its header).
fn is_header(plan: &ColumnPlan, row: &impl Fields) -> bool {
    has_shape(plan, row) && (0..plan.n_columns).all(|k| same_name(trim(row.field(k)), plan.name(k)))
}

/// Whether a cell spells a header name, case ignored (a header repeated in upper case).
fn same_name(cell: &[u8], name: &str) -> bool {
    if cell.eq_ignore_ascii_case(name.as_bytes()) {
        return true;
    }
    let plain = cell.is_ascii() && name.is_ascii();
    !plain && cell.len() == name.len() && text(cell).to_lowercase() == name.to_lowercase()
}

/// Whether the row is the header changed: three quarters of its cells name the header's
/// columns, but not in their order (two files joined, one with its columns reordered or
/// one renamed). The rows after it would be read in the wrong columns.
fn is_reordered_header(plan: &ColumnPlan, row: &impl Fields) -> bool {
    let n = plan.n_columns;
    if n < 2 || !has_shape(plan, row) {
        return false;
    }
    let names = || (0..n).map(|k| plan.name(k));
    let named = |k: usize| names().any(|name| same_name(trim(row.field(k)), name));
    named(0) && (0..n).filter(|&k| named(k)).count() * 4 >= n * 3
}

/// The reason of a row that repeats the header in another order; such a row ends the run.
pub(super) const REORDERED_HEADER: &str = "reordered-header";

/// Appends one part of a joined id; a `/` or `\` inside a part is escaped with `\`,
/// so that (`1/2`, `3`) and (`1`, `2/3`) stay two stations.
fn push_id_part(id: &mut String, part: &str, joined: bool) {
    if !joined || !part.contains(['/', '\\']) {
        id.push_str(part);
        return;
    }
    for c in part.chars() {
        if matches!(c, '/' | '\\') {
            id.push('\\');
        }
        id.push(c);
    }
}

/// A rejected row before it is published.
#[derive(Debug, Clone)]
pub(super) struct Rejection {
    pub line: u64,
    /// Lines beyond the first (a record with quoted line breaks).
    pub extra: u32,
    pub station: String,
    /// Whether `station` is a real id that takes part in the duplicate check.
    pub id_read: bool,
    pub reason: &'static str,
    pub detail: String,
    /// The separator a `not-an-integer` cell seems to group thousands with.
    pub thousands: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Count(usize),
    Candidate(usize),
}

/// Lines left out by a rule of the loader's own, not by `--exclude`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builtin {
    Blank,
    RepeatedHeader,
    SepLine,
    EmptyRow,
    ColumnNumbers,
}

impl Builtin {
    pub fn label(self) -> &'static str {
        match self {
            Builtin::Blank => "blank line",
            Builtin::RepeatedHeader => "repeated header line",
            Builtin::SepLine => "spreadsheet's sep= line",
            Builtin::EmptyRow => "empty row (delimiters only)",
            Builtin::ColumnNumbers => "column-number row (1, 2, 3, … along the line)",
        }
    }
}

/// The parse of one chunk; regions are chunk-local indices until merged.
#[derive(Default)]
pub(super) struct ChunkResult {
    pub stations: Vec<Station>,
    pub ids: StationIds,
    pub votes: Vec<u32>,
    pub on_ballot: Vec<bool>,
    pub regions: Vec<String>,
    pub localities: Vec<String>,
    pub strata: Vec<String>,
    pub rejected: Vec<Rejection>,
    /// Rows per `--exclude` rule, and the lines they spanned.
    pub excluded: Vec<u64>,
    pub excluded_lines: u64,
    /// Lines of blank lines, of repeated headers and of rows of delimiters alone.
    pub blank: Vec<u64>,
    pub repeated_header: Vec<u64>,
    pub empty_row: Vec<u64>,
    /// Lines numbering the columns (`1,2,3,…`), as tables printed from reports have.
    pub column_numbers: Vec<u64>,
    /// Stations whose record spans lines: start line and lines beyond it.
    pub multi_line: HashMap<u64, u32>,
    /// Stations (chunk-local index) read with a cell such as `2.000` taken as 2, each
    /// with the detail it is rejected with should `.` turn out to group thousands.
    pub dot_zero: Vec<(usize, String)>,
    /// Whether some rejected count cell groups thousands with `.` (`2.452`).
    pub dot_grouped: bool,
    /// Whether some count cell was read through a decimal point that cannot group
    /// thousands (`58.0`, `1234.000`): the file writes decimals with `.`.
    pub dot_decimal: bool,
    /// Stations with a whole number, and their sum, in each of the plan's watched columns.
    pub watched: Vec<(u64, u64)>,
    /// Rows rejected for a cell or excluded by a rule, with the counts they could read,
    /// for the subtotals whose runs hold them: (line, counts).
    pub holes: Vec<(u64, Vec<Option<u32>>)>,
    /// Stations whose label reads as a total's ('Total', 'Итого'), by line, each with
    /// the detail it is rejected with should its counts be too large for one station.
    pub named_totals: Vec<(u64, String)>,
}

/// Why a row's cell is no count: the reason, its column, and the cell as shown.
type BadCell = (&'static str, usize, String);

/// A sum of columns (a summed role or candidate) above [`MAX_COUNT`]; reported as
/// `count-overflow`, with a detail of its own.
const SUM_OVERFLOW: &str = "sum-overflow";

/// Validates rows against a resolved plan.
pub(super) struct RowParser<'p> {
    plan: &'p ColumnPlan,
    format: &'p ValueFormat,
    /// Count and candidate columns in header order, so the first bad cell from the
    /// left names the rejection.
    targets: Vec<(usize, Target)>,
    has: [bool; 4],
}

/// Shows a raw cell in a message, shortened, with control characters (NUL, line
/// breaks) escaped so that the report stays text.
fn shown(raw: &[u8]) -> String {
    let short = shorten(&String::from_utf8_lossy(trim(raw)), 40);
    let mut out = String::new();
    for c in short.chars() {
        match c.is_control() || super::cells::is_invisible(c) {
            true => out.extend(c.escape_default()),
            false => out.push(c),
        }
    }
    out
}

/// Longest id a rejected row is listed with: longer ones are garbage (a file's NUL
/// padding, text in the wrong encoding) and would fill every message they appear in.
const MAX_LISTED_ID_CHARS: usize = 100;

/// A rejected row's id as listed: shortened with `…` past [`MAX_LISTED_ID_CHARS`], and
/// then kept out of the duplicate check, since it is no longer the id.
fn listed_id(id: &str, id_read: bool) -> (String, bool) {
    let listed = shorten(id, MAX_LISTED_ID_CHARS);
    let whole = listed == id;
    (listed, id_read && whole)
}

/// Chunk-local indices of a grouping role (region, locality): the key joins its
/// columns with `/`.
#[derive(Default)]
struct GroupIndex {
    index: FnvMap<String, u32>,
    key: String,
}

impl GroupIndex {
    /// The index of this row's key, added to `names` when new; `None` without columns.
    fn lookup(
        &mut self,
        cols: &[usize],
        row: &impl Fields,
        names: &mut Vec<String>,
    ) -> Option<u32> {
        if cols.is_empty() {
            return None;
        }
        let key = &mut self.key;
        key.clear();
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                key.push('/');
            }
            key.push_str(text(row.field(c)));
        }
        let next = names.len() as u32;
        Some(*self.index.entry(key.clone()).or_insert_with(|| {
            names.push(key.clone());
            next
        }))
    }
}

/// Collects the rows of one chunk, in order.
pub(super) struct ChunkBuilder<'a> {
    parser: &'a RowParser<'a>,
    out: ChunkResult,
    regions: GroupIndex,
    localities: GroupIndex,
    strata: GroupIndex,
    votes: Vec<u64>,
    on_ballot: Vec<bool>,
}

impl ChunkBuilder<'_> {
    pub fn finish(self) -> ChunkResult {
        self.out
    }

    /// An empty line.
    pub fn blank(&mut self, line: u64) {
        self.out.blank.push(line);
    }

    /// A line of a quoted field that spans lines, which holds a quote; `row` is the
    /// line read on its own. Its id is shown but kept out of the duplicate check, since
    /// the quote may have cut it.
    pub fn reject_quote(&mut self, row: &impl Fields, line: u64, detail: String) {
        let (station, _) = self.parser.station_id(row, line);
        self.out.rejected.push(Rejection {
            line,
            extra: 0,
            station: listed_id(&station, false).0,
            id_read: false,
            reason: "unbalanced-quote",
            detail,
            thousands: None,
        });
    }

    /// Validates one record and files it as a station, a rejection or an exclusion.
    pub fn push(&mut self, row: &impl Fields, line: u64, extra: u32) {
        let parser = self.parser;
        let plan = parser.plan;
        let out = &mut self.out;
        // A spreadsheet's empty row is delimiters alone: left out by rule, not a station.
        if extra == 0 && (0..row.count()).all(|k| trim(row.field(k)).is_empty()) {
            out.empty_row.push(line);
            return;
        }
        if extra == 0 && row.fits(plan.n_columns) && numbers_columns(row) {
            out.column_numbers.push(line);
            return;
        }
        if has_shape(plan, row) {
            if let Some(rule) = excluded_by(plan, row) {
                if let Some(n) = out.excluded.get_mut(rule) {
                    *n += 1;
                }
                if let Some(counts) = parser.partial_counts(row) {
                    out.holes.push((line, counts));
                }
                out.excluded_lines += 1 + u64::from(extra);
                return;
            }
            if is_header(plan, row) {
                out.repeated_header.push(line);
                return;
            }
        }
        let (station, id_read) = parser.station_id(row, line);
        let reject = |reason: &'static str, detail: String| {
            let (station, id_read) = listed_id(&station, id_read);
            Rejection {
                line,
                extra,
                station,
                id_read,
                reason,
                detail,
                thousands: None,
            }
        };
        if is_reordered_header(plan, row) {
            let detail =
                "the header again, with its columns in another order or renamed".to_string();
            out.rejected.push(reject(REORDERED_HEADER, detail));
            return;
        }
        if extra == 0 {
            if let Some(detail) = shifted(plan, row) {
                out.rejected.push(Rejection {
                    id_read: false,
                    ..reject("wrong-field-count", detail)
                });
                return;
            }
        }
        if !has_shape(plan, row) {
            let mut fields = format!(
                "{} fields where the header has {}",
                row.count(),
                plan.n_columns
            );
            if let Some(why) = split_value(plan, row).filter(|_| row.count() > plan.n_columns) {
                fields = format!("{fields}: {why}");
            }
            // Across lines, the record is a quote's doing: it joined them.
            let (reason, detail) = match extra {
                0 => ("wrong-field-count", fields),
                _ => (
                    "unbalanced-quote",
                    format!(
                        "a quote opened on line {line} joins lines {line}-{} into one record \
                         of {fields}: close or remove the stray quote",
                        line + u64::from(extra)
                    ),
                ),
            };
            out.rejected.push(Rejection {
                id_read: false,
                ..reject(reason, detail)
            });
            return;
        }
        if !plan.id.is_empty() && !id_read {
            let cols: Vec<&str> = plan.id.iter().map(|&c| plan.name(c)).collect();
            let written: Vec<&str> = plan.id.iter().map(|&c| text(row.field(c))).collect();
            let detail = match written.iter().all(|w| w.is_empty()) {
                true => format!("column {}: empty", cols.join(" + ")),
                false => format!(
                    "column {}: '{}' is a missing-value mark",
                    cols.join(" + "),
                    written.join("/")
                ),
            };
            out.rejected.push(reject("missing-id", detail));
            return;
        }
        // A row named like a total is read; whether its counts are a total's is
        // settled once every row is in (`Merged::drop_named_totals`).
        let named_total = total_row(plan, row);
        let (sums, dot_zero) = match parser.counts(row, &mut self.votes, &mut self.on_ballot) {
            Ok(read) => read,
            Err((reason, col, raw)) => {
                out.dot_grouped |= parser.dot_grouped(row);
                if let Some(counts) = parser.partial_counts(row) {
                    out.holes.push((line, counts));
                }
                let thousands = match reason {
                    "not-an-integer" => grouping_separator(row.field(col)),
                    _ => None,
                };
                let name = plan.name(col).to_string();
                let detail = match reason {
                    "missing-value" if raw.is_empty() => format!("column {name}: empty"),
                    "missing-value" => format!("column {name}: '{raw}' (missing)"),
                    "count-overflow" => format!("column {name}: '{raw}' is above {MAX_COUNT}"),
                    SUM_OVERFLOW => format!(
                        "column {name}: adding '{raw}' takes the sum of the columns summed \
                         with it above {MAX_COUNT}"
                    ),
                    "not-an-integer" => match thousands {
                        Some(sep) => format!("column {name}: '{raw}'; {}", separator_hint(sep)),
                        None => format!("column {name}: '{raw}'"),
                    },
                    _ => format!("column {name}: '{raw}'"),
                };
                let reason = match reason {
                    SUM_OVERFLOW => "count-overflow",
                    other => other,
                };
                out.rejected.push(Rejection {
                    thousands,
                    ..reject(reason, detail)
                });
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
        let region = self.regions.lookup(&plan.region, row, &mut out.regions);
        let locality = self
            .localities
            .lookup(&plan.locality, row, &mut out.localities);
        let stratum = self.strata.lookup(&plan.stratum, row, &mut out.strata);
        if extra > 0 {
            out.multi_line.insert(line, extra);
        }
        let ambiguous = dot_zero.filter(|&col| !parser.beyond_register(col, row, registered));
        if let Some(col) = ambiguous {
            let detail = parser.dot_zero_detail(col, row.field(col));
            out.dot_zero.push((out.stations.len(), detail));
        }
        if !out.dot_decimal {
            out.dot_decimal = parser.dot_decimal(row);
        }
        if let Some(detail) = named_total {
            out.named_totals.push((line, detail));
        }
        // A number above every count of the station is no candidate's votes (a code).
        let cap = registered.unwrap_or(0).max(ballots).max(valid);
        parser.tally_watched(row, (cap > 0).then_some(cap), &mut out.watched);
        out.ids.push(&station);
        out.stations.push(Station {
            line,
            region: region.into(),
            locality: locality.into(),
            stratum: stratum.into(),
            registered: registered.map(narrow),
            ballots: narrow(ballots),
            valid: narrow(valid),
            invalid: narrow(invalid),
        });
        out.votes.extend(self.votes.iter().map(|&v| narrow(v)));
        out.on_ballot.extend_from_slice(&self.on_ballot);
    }
}

/// Whether every cell of a row of four or more is a whole number, bare or in
/// parentheses, one more than the cell before: the column numbers that tables printed
/// from reports carry under the header. No station's counts rise so.
fn numbers_columns(row: &impl Fields) -> bool {
    let number = |k: usize| {
        let cell = trim(row.field(k));
        let cell = (cell.strip_prefix(b"(").and_then(|c| c.strip_suffix(b")"))).unwrap_or(cell);
        std::str::from_utf8(cell).ok()?.parse::<u64>().ok()
    };
    // Every row asks, so no allocation: most fail at their first or second cell.
    let Some(first) = number(0) else {
        return false;
    };
    let n = row.count();
    n >= 4 && (1..n).all(|k| number(k) == first.checked_add(k as u64))
}

/// A validated count as stored: every count and sum was checked against [`MAX_COUNT`].
fn narrow(v: u64) -> u32 {
    u32::try_from(v.min(MAX_COUNT)).unwrap_or(u32::MAX)
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
                .zip(&plan.candidate_of)
                .map(|(&c, &j)| (c, Target::Candidate(j))),
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
        let k = self.plan.candidate_names.len();
        ChunkBuilder {
            parser: self,
            out: ChunkResult {
                excluded: vec![0; self.plan.exclude.len()],
                watched: vec![(0, 0); self.plan.watched.len()],
                ..Default::default()
            },
            regions: GroupIndex::default(),
            localities: GroupIndex::default(),
            strata: GroupIndex::default(),
            votes: vec![0; k],
            on_ballot: vec![false; k],
        }
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
                push_id_part(&mut id, part, self.plan.id.len() > 1);
            }
        }
        (id, any)
    }

    /// The detail a row read with `raw` (in `col`) as 2 through `2.000` is rejected
    /// with, should other rows show that `.` groups thousands, or show nothing either way.
    fn dot_zero_detail(&self, col: usize, raw: &[u8]) -> String {
        let whole = text(raw).split('.').next().unwrap_or("");
        format!(
            "column {}: '{}' may be {whole} or {whole}000, and no other count settles whether \
             '.' groups thousands or marks decimals; {}",
            self.plan.name(col),
            shown(raw),
            separator_hint(".")
        )
    }

    /// Whether `2.000` in `col`, read as thousands, would pass the station's register: no
    /// count but the register can, so the cell is 2, whatever the rest of the file shows.
    fn beyond_register(&self, col: usize, row: &impl Fields, registered: Option<u64>) -> bool {
        let is_register = (self.targets.iter()).any(|&(c, t)| {
            c == col && matches!(t, Target::Count(r) if r == CountRole::Registered as usize)
        });
        let thousands = match self.format.read(row.field(col)) {
            Cell::DotZeros(v) => v.saturating_mul(1000),
            _ => return false,
        };
        !is_register && registered.is_some_and(|r| r > 0 && thousands > r)
    }

    /// Whether a count cell of a read row has a decimal point that cannot group thousands
    /// (`58.0`, `58.00`, `1234.000`): only decimal zeros read so, as `.` is no separator.
    fn dot_decimal(&self, row: &impl Fields) -> bool {
        self.targets.iter().any(|&(col, _)| {
            let raw = row.field(col);
            raw.contains(&b'.') && matches!(self.format.read(raw), Cell::Count(_))
        })
    }

    /// Whether some target cell of a rejected row is not a count and groups thousands
    /// with `.` (`2.452`): evidence, whichever cell the row was rejected for.
    fn dot_grouped(&self, row: &impl Fields) -> bool {
        self.targets.iter().any(|&(col, _)| {
            let raw = row.field(col);
            raw.contains(&b'.')
                && grouping_separator(raw) == Some(".")
                && self.format.read(raw) == Cell::NotInteger
        })
    }

    /// Adds a station's whole numbers in the watched columns, up to `cap` (its largest
    /// count, where it has one); text is passed over at its first letter, so a column of
    /// names costs a byte per row.
    fn tally_watched(&self, row: &impl Fields, cap: Option<u64>, tally: &mut [(u64, u64)]) {
        for (&col, t) in self.plan.watched.iter().zip(tally) {
            let raw = row.field(col);
            if raw
                .trim_ascii_start()
                .first()
                .is_some_and(u8::is_ascii_alphabetic)
            {
                continue;
            }
            if let Cell::Count(v) | Cell::DotZeros(v) = self.format.read(raw) {
                if cap.is_none_or(|c| v <= c) {
                    *t = (t.0 + 1, t.1 + v);
                }
            }
        }
    }

    /// The counts a row that is not a station could read (registered, ballots, valid,
    /// invalid, then each candidate's, as stations are laid out): a role or candidate is
    /// known where every cell feeding it reads, a missing candidate cell counting 0, and a
    /// derived role where the row reads whole. `None` where under half are known.
    fn partial_counts(&self, row: &impl Fields) -> Option<Vec<Option<u32>>> {
        let k = self.plan.candidate_names.len();
        let mut votes = vec![0u64; k];
        let mut on_ballot = vec![false; k];
        if let Ok((sums, _)) = self.counts(row, &mut votes, &mut on_ballot) {
            let (reg, bal, val, inv) = self.derive(sums, &votes).ok()?;
            let roles = [reg.unwrap_or(0), bal, val, inv];
            return Some(
                roles
                    .iter()
                    .chain(&votes)
                    .map(|&v| Some(narrow(v)))
                    .collect(),
            );
        }
        let mut out: Vec<Option<u64>> = vec![Some(0); 4 + k];
        for (r, has) in self.has.iter().enumerate() {
            if !has && r > 0 {
                out[r] = None;
            }
        }
        for &(col, target) in &self.targets {
            let slot = match target {
                Target::Count(r) => r,
                Target::Candidate(j) => 4 + j,
            };
            out[slot] = match (self.format.read(row.field(col)), target) {
                (Cell::Count(v) | Cell::DotZeros(v), _) => out[slot].map(|s| s + v),
                (Cell::Missing, Target::Candidate(_)) => out[slot],
                _ => None,
            };
        }
        let known = out.iter().filter(|v| v.is_some()).count();
        (known * 2 >= out.len()).then(|| out.iter().map(|v| v.map(narrow)).collect())
    }

    /// Sums the count roles and reads the candidate cells into `votes`/`on_ballot`;
    /// with the first column read through `2.000`-like decimal zeros, if any.
    fn counts(
        &self,
        row: &impl Fields,
        votes: &mut [u64],
        on_ballot: &mut [bool],
    ) -> Result<([u64; 4], Option<usize>), BadCell> {
        let mut sums = [0u64; 4];
        let mut dot_zero = None;
        votes.fill(0);
        on_ballot.fill(false);
        for &(col, target) in &self.targets {
            let raw = row.field(col);
            let cell = self.format.read(raw);
            let value = match cell {
                Cell::Count(v) => v,
                Cell::DotZeros(v) => {
                    dot_zero = dot_zero.or(Some(col));
                    v
                }
                Cell::Missing => match target {
                    // Not on this station's ballot (a summed candidate is on it when any
                    // of its columns is filled in).
                    Target::Candidate(_) => continue,
                    Target::Count(_) => return Err(("missing-value", col, shown(raw))),
                },
                Cell::NotInteger => return Err(("not-an-integer", col, shown(raw))),
                Cell::Negative => return Err(("negative-count", col, shown(raw))),
                Cell::Overflow => return Err(("count-overflow", col, shown(raw))),
            };
            match target {
                Target::Candidate(j) => {
                    votes[j] = match votes[j].checked_add(value).filter(|&s| s <= MAX_COUNT) {
                        Some(s) => s,
                        None => return Err((SUM_OVERFLOW, col, shown(raw))),
                    };
                    on_ballot[j] = true;
                }
                Target::Count(r) => {
                    sums[r] = match sums[r].checked_add(value).filter(|&s| s <= MAX_COUNT) {
                        Some(s) => s,
                        None => return Err((SUM_OVERFLOW, col, shown(raw))),
                    };
                }
            }
        }
        Ok((sums, dot_zero))
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

#[cfg(test)]
mod tests {
    use super::{ColumnSample, looks_numeric, total_word};

    #[test]
    fn numbers_in_another_form_are_told_from_dates_and_codes() {
        for yes in ["5.80E+01", "58,5", "12%", "12 %", "-3", "1e3", "0.5"] {
            assert!(looks_numeric(yes), "{yes}");
        }
        for no in [
            "15.03.2024",
            "2024-03-15",
            "00-950",
            "abc",
            "12:30",
            "E5",
            "",
            "1e",
        ] {
            assert!(!looks_numeric(no), "{no}");
        }
    }

    #[test]
    fn total_words_are_whole_words_in_any_case() {
        assert_eq!(total_word("Total"), Some("total"));
        assert_eq!(total_word("North SUBTOTAL"), Some("subtotal"));
        assert_eq!(total_word("ИТОГО по округу"), Some("итого"));
        assert_eq!(total_word("Wahlkreis insgesamt"), Some("insgesamt"));
        assert_eq!(total_word("Σ"), Some("σ"));
        assert_eq!(total_word("Razem gmina"), Some("razem"));
        for not in ["Totalizer School", "Sumy", "S0000001", "total2", "R01", ""] {
            assert_eq!(total_word(not), None, "{not}");
        }
    }

    #[test]
    fn a_column_that_may_hold_votes_says_why_it_was_not_taken() {
        let blank = ColumnSample::default();
        assert!(
            blank
                .undecided()
                .unwrap()
                .contains("blank in every sampled row")
        );
        let patchy = ColumnSample {
            counts: 70,
            other: 50,
            ..Default::default()
        };
        assert!(!patchy.is_count());
        let why = patchy.undecided().unwrap();
        assert!(why.contains("only 58% of its 120 sampled values"), "{why}");
        let text = ColumnSample {
            counts: 0,
            other: 120,
            ..Default::default()
        };
        assert_eq!(text.undecided(), None, "a text column is no candidate");
    }
}
