//! Errors as types. Each variant is named after the precondition that failed, and its
//! message names the file, line and column where it can, and says how to fix it.

use thiserror::Error;

/// Problems with the input that end the run (exit status 2).
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: the gzip data cannot be read ({source}): the file is cut short or damaged, \
         or has bytes after its end. Check it with `gzip -t FILE`; `gzip -dc FILE > OUT` \
         recovers what it holds"
    )]
    BadGzip {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: the input is empty: expected a header line naming the columns, \
         then one row per polling station"
    )]
    EmptyInput { path: String },
    #[error(
        "{path}: line {line}, column '{column}': bytes that are not UTF-8. Re-encode the \
         file as UTF-8 first, e.g. `{}` for Western European text, or -f CP1251 for \
         Cyrillic (name the file's real encoding after -f; `file -i FILE` may tell it)",
        iconv_command(*.gzip)
    )]
    NotUtf8 {
        path: String,
        line: u64,
        column: String,
        /// Whether the file is gzip, so the advice unpacks it first.
        gzip: bool,
    },
    #[error(
        "{path}: line {line} looks like a title, not a header: it holds one name, '{title}'. \
         Delete the lines down to line {last} (the title lines) so that the header comes first, \
         e.g. `{}`",
        tail_command(*.gzip, .last + 1)
    )]
    TitleLine {
        path: String,
        line: u64,
        /// The last of the title lines that follow it.
        last: u64,
        title: String,
        /// Whether the file is gzip, which `tail` cannot read as it stands.
        gzip: bool,
    },
    #[error(
        "{path}: line {line} looks like a station, not a header: each of its cells has the form \
         of the values below it ({cells}). Add a header line naming the columns, e.g. \
         `(echo '{names}'; cat FILE) > OUT`, then map them (--id c1 --registered c3 …), or \
         rename them to id, region, registered, ballots, valid, invalid and the candidates' \
         names"
    )]
    NoHeader {
        path: String,
        line: u64,
        /// The line's first cells, quoted.
        cells: String,
        /// Placeholder names, one per column, joined by the delimiter.
        names: String,
    },
    #[error(
        "{path}: the fields are separated by {name}: line {line} and the {rows} lines below it \
         each split into {columns} fields there. elaudit reads fields separated by commas, \
         semicolons or tabs: convert the file, e.g. `{convert}`{caution}"
    )]
    ForeignDelimiter {
        path: String,
        line: u64,
        name: &'static str,
        rows: usize,
        columns: usize,
        convert: &'static str,
        caution: &'static str,
    },
    #[error(
        "{path}: the header (line {line}) does not split at the delimiter given, {given}: it is \
         one column. It splits at {found} into {columns} columns: drop --delimiter, or pass \
         --delimiter {found_name}"
    )]
    DelimiterNotInHeader {
        path: String,
        line: u64,
        given: String,
        found: String,
        found_name: &'static str,
        columns: usize,
    },
    #[error(
        "{path}: line {line} is {what}, not the header. {fix}, so that the header comes \
         first"
    )]
    AboveHeader {
        path: String,
        line: u64,
        what: &'static str,
        fix: String,
    },
    #[error(
        "{path}: line {line} repeats the header with its columns in another order or renamed \
         (two files joined?), so the rows after it cannot be read with the first header's \
         columns. Split the file at line {line} and audit each part, or put the later rows' \
         columns in the first header's order and names"
    )]
    ReorderedHeader { path: String, line: u64 },
    #[error(
        "{path}: this file is UTF-16 without a byte-order mark; re-encode it as UTF-8, e.g. \
         `iconv -f UTF-16LE -t UTF-8 IN > OUT` (UTF-16BE if the file is big-endian)"
    )]
    Utf16WithoutBom { path: String },
    #[error(
        "{path}: this is {kind}, not CSV or TSV text (elaudit reads those, plain or gzip); {fix}"
    )]
    NotText {
        path: String,
        kind: &'static str,
        fix: &'static str,
    },
    #[error(
        "{path}: line {line}: the file ends in half a {encoding} character (an odd number of \
         bytes): it was cut short, in a download or a copy; fetch it again"
    )]
    TruncatedUtf16 {
        path: String,
        encoding: &'static str,
        line: u64,
    },
    #[error(
        "{path}: line {line}: the file says it is {encoding} (its byte-order mark) but code \
         unit {unit} is not valid {encoding}; re-encode it as UTF-8"
    )]
    BadUtf16 {
        path: String,
        encoding: &'static str,
        line: u64,
        unit: u64,
    },
    #[error(
        "{path}: line {line}: the file says it is {encoding} (its byte-order mark), but from \
         here on its bytes are plain text read two at a time, as when a UTF-8 file is joined \
         to a UTF-16 one. Convert each part to UTF-8 before joining them, e.g. `iconv -f \
         UTF-16 -t UTF-8 PART1 > OUT`, then append the UTF-8 part"
    )]
    EncodingChanges {
        path: String,
        encoding: &'static str,
        line: u64,
    },
    #[error(
        "{path}: lines {first}–{last}: a quoted header name spans several lines, which is \
         almost always a quote that was never closed. Close the quote on line {first}; if \
         the file really has line breaks inside quoted fields, pass --multiline-fields"
    )]
    HeaderSpansLines { path: String, first: u64, last: u64 },
    #[error("{path}: {flag} '{column}': no such column.{help}")]
    MissingColumn {
        path: String,
        /// The flag or role that named the column, e.g. `--registered`.
        flag: String,
        column: String,
        /// A near match if there is one, the columns that exist, and how to fix it.
        help: String,
    },
    #[error(
        "{path}: {flag} '{column}': matches several columns when case is ignored \
         ({matches}); give the exact name"
    )]
    AmbiguousColumn {
        path: String,
        flag: String,
        column: String,
        matches: String,
    },
    #[error(
        "{path}: {flag} '{column}': the header has this name in columns {positions}; \
         rename the columns so that the one you mean is unique"
    )]
    DuplicateHeader {
        path: String,
        flag: String,
        column: String,
        /// 1-based column positions, comma-separated.
        positions: String,
    },
    #[error(
        "{path}: column '{column}' is mapped twice ({first} and {second}); \
         give each column one count or candidate role"
    )]
    ColumnConflict {
        path: String,
        column: String,
        first: String,
        second: String,
    },
    #[error("{path}: no candidate columns{why}. {fix} The columns are: {headers}")]
    NoCandidates {
        path: String,
        /// Why detection found none, with a leading separator, or empty.
        why: String,
        /// What to do, as a sentence: naming the candidates cannot mend ragged rows.
        fix: String,
        headers: String,
    },
    #[error("{path}: no station to audit: {why}")]
    NoStations { path: String, why: String },
    #[error(
        "{path}: two candidates are both named '{name}'; give each candidate its own name \
         in the --columns file"
    )]
    DuplicateCandidate { path: String, name: String },
    #[error("{path}: --winner '{winner}' is not a candidate; the candidates are: {candidates}")]
    UnknownWinner {
        path: String,
        winner: String,
        candidates: String,
    },
    #[error("'{rule}' is not of the form COL=VALUE (e.g. \"Typ obwodu=zagranica\")")]
    BadExcludeRule { rule: String },
    #[error("{origin}: {message}")]
    BadColumnsFile { origin: String, message: String },
    #[error("{option} '{value}': {reason}")]
    BadValueOption {
        option: String,
        value: String,
        reason: String,
    },
    #[error(
        "{path}: line {line} (station '{station}'): {reason}: {detail}. {} \
         (--strict makes this fatal; without it such rows are left out and listed \
         in the report)",
        fix_for(.reason)
    )]
    RejectedRow {
        path: String,
        line: u64,
        station: String,
        /// The machine-readable reason, as in the report.
        reason: &'static str,
        detail: String,
    },
}

/// How to fix a row rejected for `reason`.
pub fn fix_for(reason: &str) -> &'static str {
    match reason {
        "not-an-integer" => {
            "Correct the value; if the file groups digits, pass --thousands SEP; if it is a \
             placeholder for no data, pass it with --na TOKEN"
        }
        "missing-value" => "Fill in the value, or leave such rows out with --exclude COL=VALUE",
        "negative-count" => "Counts cannot be negative; correct the value",
        "wrong-field-count" => {
            "Give the row as many fields as the header (check its quotes and delimiters)"
        }
        "missing-id" => "Give the row a station id",
        "duplicate-row" => {
            "Nothing to correct for the audit, which uses the first copy; delete the copies \
             from the file"
        }
        "duplicate-id" => {
            "Make the ids unique, e.g. join several columns into one key with repeated --id"
        }
        "count-overflow" => "Correct the value; no station has that many voters",
        "total-row" => {
            "Delete total and subtotal rows, which repeat the stations' counts; if it is a \
             station, rename it"
        }
        "unbalanced-quote" => {
            "Close or remove the stray quote; if the file really has line breaks inside \
             quoted fields, pass --multiline-fields"
        }
        _ => "Correct the row",
    }
}

/// Any error that ends a run with exit status 2.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("invalid option: {0}")]
    Options(#[from] crate::options::OptionError),
    #[error(transparent)]
    Batch(#[from] crate::batch::BatchError),
    #[error("cannot start the worker threads: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The shell command that keeps a file from line `from` on.
/// The re-encoding advice, unpacking a gzip file first.
fn iconv_command(gzip: bool) -> &'static str {
    match gzip {
        true => "gzip -dc IN | iconv -f WINDOWS-1252 -t utf-8 > OUT",
        false => "iconv -f WINDOWS-1252 -t utf-8 IN > OUT",
    }
}

pub(crate) fn tail_command(gzip: bool, from: u64) -> String {
    match gzip {
        true => format!("gzip -dc FILE | tail -n +{from} | gzip > OUT"),
        false => format!("tail -n +{from} FILE > OUT"),
    }
}
