//! Reading bytes: files or stdin, plain or gzip, delimiter detection, records in chunks.

use std::io::Read;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::columns::{CANDIDATE_SAMPLE_ROWS, ColumnPlan, Headers};
use super::validate::{
    ChunkResult, Fields, RowParser, ValueFormat, assemble, integer_columns, is_excluded,
};
use super::{ColumnSpec, Dataset};
use crate::error::InputError;

/// How to read one input.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub spec: ColumnSpec,
    /// Forced delimiter; detected from the header line when `None`.
    pub delimiter: Option<u8>,
    /// Make the first unreadable row fatal.
    pub strict: bool,
}

/// Reads and validates `path` (`-` for stdin).
pub fn load(path: &str, opts: &LoadOptions) -> Result<Dataset, InputError> {
    if path == "-" {
        return load_reader(path, std::io::stdin().lock(), opts);
    }
    let raw = std::fs::read(path).map_err(|source| InputError::Unreadable {
        path: path.into(),
        source,
    })?;
    load_bytes(path, raw, opts)
}

/// Reads and validates everything `input` yields; `name` is the path reported
/// (`-` is shown as `<stdin>` in errors).
pub fn load_reader(
    name: &str,
    mut input: impl Read,
    opts: &LoadOptions,
) -> Result<Dataset, InputError> {
    let mut raw = Vec::new();
    input
        .read_to_end(&mut raw)
        .map_err(|source| InputError::Unreadable {
            path: display_name(name).into(),
            source,
        })?;
    load_bytes(name, raw, opts)
}

fn display_name(name: &str) -> &str {
    if name == "-" { "<stdin>" } else { name }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

fn load_bytes(name: &str, raw: Vec<u8>, opts: &LoadOptions) -> Result<Dataset, InputError> {
    let path = display_name(name);
    // Hashing is independent of parsing, so both run at once.
    let (sha256, parsed) = rayon::join(|| sha256_hex(&raw), || parse_bytes(path, &raw, opts));
    let (mut data, gzip) = parsed?;
    data.source.path = name.to_string();
    data.source.sha256 = sha256;
    data.source.gzip = gzip;
    Ok(data)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_bytes(path: &str, raw: &[u8], opts: &LoadOptions) -> Result<(Dataset, bool), InputError> {
    let gzip = raw.starts_with(&GZIP_MAGIC);
    let decoded;
    let mut text: &[u8] = if gzip {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw)
            .read_to_end(&mut out)
            .map_err(|e| InputError::Unreadable {
                path: path.into(),
                source: std::io::Error::new(e.kind(), format!("corrupt gzip data: {e}")),
            })?;
        decoded = out;
        &decoded
    } else {
        raw
    };
    if text.starts_with(&UTF8_BOM) {
        text = &text[UTF8_BOM.len()..];
    }
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(text));
    if std::str::from_utf8(text).is_err() {
        return Err(locate_bad_utf8(path, text, delimiter));
    }
    let mut rdr = reader(text, delimiter);
    let mut lines = LineCounter::new(text);
    let mut rec = csv::ByteRecord::new();
    if !rdr
        .read_byte_record(&mut rec)
        .map_err(|e| unreadable(path, e))?
    {
        return Err(InputError::EmptyInput { path: path.into() });
    }
    lines.line_of(&rec);
    let headers = Headers::new(
        rec.iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
    );
    let data_start = (rdr.position().byte() as usize).min(text.len());
    let data = &text[data_start..];

    let format = ValueFormat::new(&opts.spec)?;
    let mut plan = ColumnPlan::resolve(&headers, &opts.spec, path)?;
    let sample = sample_rows(data, delimiter, &plan);
    let integer = integer_columns(&sample, &plan, &format);
    plan.finish(&headers, &opts.spec, path, &integer)?;

    let parser = RowParser::new(&plan, &format);
    // Without quotes every line break ends a record, so the data can be cut at line
    // breaks and read in parallel; record order and line numbers stay the same.
    let fast = if data.len() > 2 * PIECE_BYTES && !data.contains(&b'"') {
        parse_pieces(text, data_start, delimiter, &parser)
    } else {
        None
    };
    let (parts, rows) = match fast {
        Some(done) => done,
        None => {
            let mut chunks = Vec::new();
            let rows = fill_chunks(path, &mut rdr, &mut lines, &mut chunks)?;
            (parser.parse_chunks(&chunks), rows)
        }
    };
    let mut data = assemble(path, parts, &plan, opts.strict)?;
    data.source.rows = rows;
    data.source.delimiter = char::from(delimiter).to_string();
    Ok((data, gzip))
}

/// The first data records for candidate detection: up to
/// [`CANDIDATE_SAMPLE_ROWS`] that are neither excluded nor of the wrong length,
/// looking no further than [`SAMPLE_SCAN_LIMIT`] records.
fn sample_rows(data: &[u8], delimiter: u8, plan: &ColumnPlan) -> Vec<csv::ByteRecord> {
    let mut rdr = reader(data, delimiter);
    let mut rows = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut scanned = 0;
    while rows.len() < CANDIDATE_SAMPLE_ROWS && scanned < SAMPLE_SCAN_LIMIT {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => break,
        }
        scanned += 1;
        if rec.len() == plan.n_columns && !is_excluded(plan, &rec) {
            rows.push(rec.clone());
        }
    }
    rows
}

/// How many records candidate detection reads at most, looking for rows it can use.
const SAMPLE_SCAN_LIMIT: usize = 100_000;

/// The most frequent of `,` `\t` `;` outside quotes on the header line; ties go to
/// the comma, then the tab.
pub fn detect_delimiter(text: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in text {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    [b',', b'\t', b';'][best]
}

fn reader(text: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text)
}

/// Physical line numbers of records, counted from their byte offsets. (The reader's
/// own line count lags by one after a CRLF terminator.)
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            at: 0,
            line: 1,
        }
    }

    /// The line on which the record that the reader placed at `byte` starts.
    fn line_of(&mut self, rec: &csv::ByteRecord) -> u64 {
        let Some(byte) = rec.position().map(|p| p.byte() as usize) else {
            return self.line;
        };
        let mut start = byte.min(self.text.len());
        // A record never starts with a bare line break; skip the previous terminator.
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.at {
            let seen = self.text.get(self.at..start).unwrap_or(&[]);
            self.line += seen.iter().filter(|&&b| b == b'\n').count() as u64;
            self.at = start;
        }
        self.line
    }
}

/// Names the line and column of the first byte that is not UTF-8.
fn locate_bad_utf8(path: &str, text: &[u8], delimiter: u8) -> InputError {
    let mut rdr = reader(text, delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut header: Vec<String> = Vec::new();
    let mut first = true;
    let mut lines = LineCounter::new(text);
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        let line = lines.line_of(&rec);
        if let Some(k) = rec.iter().position(|f| std::str::from_utf8(f).is_err()) {
            let column = match header.get(k) {
                Some(name) => name.trim().to_string(),
                None if first => format!("header field {}", k + 1),
                None => format!("field {}", k + 1),
            };
            return InputError::NotUtf8 {
                path: path.into(),
                line,
                column,
            };
        }
        if first {
            header = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            first = false;
        }
    }
    // Not inside any field (should not happen): count lines up to the bad byte.
    let at = std::str::from_utf8(text)
        .err()
        .map_or(0, |e| e.valid_up_to());
    let line = 1 + text.iter().take(at).filter(|&&b| b == b'\n').count() as u64;
    InputError::NotUtf8 {
        path: path.into(),
        line,
        column: "?".into(),
    }
}

/// Rows per chunk: large enough to amortise, small enough to spread over threads.
const CHUNK_ROWS: usize = 8192;
/// Field bytes per chunk before it is closed early (keeps offsets within `u32`).
const CHUNK_BYTES: usize = 1 << 28;

/// Data records copied out of the CSV reader, fields back to back.
#[derive(Debug, Default)]
pub(super) struct RecordChunk {
    data: Vec<u8>,
    /// End offset in `data` of every field.
    ends: Vec<u32>,
    /// For row `r`, its fields are `ends[field_start[r]..field_start[r + 1]]`.
    field_start: Vec<u32>,
    /// Offset in `data` where row `r` starts.
    byte_start: Vec<u32>,
    lines: Vec<u64>,
}

/// One record of a chunk.
#[derive(Clone, Copy)]
pub(super) struct Row<'a> {
    data: &'a [u8],
    ends: &'a [u32],
    start: u32,
}

impl<'a> Row<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `k`, or empty past the end.
    pub fn field(&self, k: usize) -> &'a [u8] {
        let Some(&end) = self.ends.get(k) else {
            return &[];
        };
        let start = match k {
            0 => self.start,
            _ => self.ends[k - 1],
        };
        self.data.get(start as usize..end as usize).unwrap_or(&[])
    }
}

impl RecordChunk {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    pub fn line(&self, r: usize) -> u64 {
        self.lines.get(r).copied().unwrap_or(0)
    }

    pub fn row(&self, r: usize) -> Row<'_> {
        let a = self.field_start.get(r).copied().unwrap_or(0) as usize;
        let b = self.field_start.get(r + 1).copied().unwrap_or(0) as usize;
        Row {
            data: &self.data,
            ends: self.ends.get(a..b).unwrap_or(&[]),
            start: self.byte_start.get(r).copied().unwrap_or(0),
        }
    }

    fn push(&mut self, rec: &csv::ByteRecord, line: u64) -> Result<(), ()> {
        let base = self.data.len();
        let total = base + rec.as_slice().len();
        if u32::try_from(total).is_err() || u32::try_from(self.ends.len() + rec.len()).is_err() {
            return Err(());
        }
        if self.field_start.is_empty() {
            self.field_start.push(0);
        }
        self.byte_start.push(base as u32);
        self.data.extend_from_slice(rec.as_slice());
        let mut end = base;
        for f in rec.iter() {
            end += f.len();
            self.ends.push(end as u32);
        }
        self.field_start.push(self.ends.len() as u32);
        self.lines.push(line);
        Ok(())
    }
}

/// Data bytes per piece when quote-free data is read in parallel.
const PIECE_BYTES: usize = 1 << 21;

fn unreadable(path: &str, e: impl std::fmt::Display) -> InputError {
    InputError::Unreadable {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Reads the remaining records of `rdr` into chunks; returns how many there were.
fn fill_chunks(
    path: &str,
    rdr: &mut csv::Reader<&[u8]>,
    lines: &mut LineCounter,
    chunks: &mut Vec<RecordChunk>,
) -> Result<u64, InputError> {
    let mut rec = csv::ByteRecord::new();
    let mut chunk = RecordChunk::default();
    let mut rows = 0u64;
    let too_large = |line: u64| unreadable(path, format!("line {line}: record too large"));
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| unreadable(path, e))?
    {
        let line = lines.line_of(&rec);
        if chunk.rows() >= CHUNK_ROWS || chunk.data.len() >= CHUNK_BYTES {
            chunks.push(std::mem::take(&mut chunk));
        }
        if chunk.push(&rec, line).is_err() {
            // Only a single record of 4 GiB could fail in an empty chunk.
            if chunk.rows() == 0 {
                return Err(too_large(line));
            }
            chunks.push(std::mem::take(&mut chunk));
            chunk.push(&rec, line).map_err(|()| too_large(line))?;
        }
        rows += 1;
    }
    if chunk.rows() > 0 {
        chunks.push(chunk);
    }
    Ok(rows)
}

/// Reads and validates quote-free data in pieces cut at line breaks, in parallel.
/// Returns the pieces' results in order and the number of records, or `None` when
/// the data must go through the CSV reader after all.
fn parse_pieces(
    text: &[u8],
    data_start: usize,
    delimiter: u8,
    parser: &RowParser,
) -> Option<(Vec<ChunkResult>, u64)> {
    let mut cuts = vec![data_start];
    let mut at = data_start;
    while text.len() - at > PIECE_BYTES {
        let probe = at + PIECE_BYTES;
        match text[probe..].iter().position(|&b| b == b'\n') {
            Some(nl) => {
                at = probe + nl + 1;
                cuts.push(at);
            }
            None => break,
        }
    }
    cuts.push(text.len());
    // The line each piece starts on, from the line breaks before it.
    let breaks: Vec<u64> = cuts
        .par_windows(2)
        .map(|w| text[w[0]..w[1]].iter().filter(|&&b| b == b'\n').count() as u64)
        .collect();
    let mut first_line = 1 + text[..data_start].iter().filter(|&&b| b == b'\n').count() as u64;
    let mut starts = Vec::with_capacity(breaks.len());
    for b in &breaks {
        starts.push(first_line);
        first_line += b;
    }
    let pieces: Vec<Option<(ChunkResult, u64)>> = cuts
        .par_windows(2)
        .zip(starts)
        .map(|(w, start)| split_lines(&text[w[0]..w[1]], start, delimiter, parser))
        .collect();
    let mut parts = Vec::with_capacity(pieces.len());
    let mut rows = 0;
    for piece in pieces {
        let (part, n) = piece?;
        parts.push(part);
        rows += n;
    }
    Some((parts, rows))
}

/// One line of quote-free data, cut at the delimiter.
struct SplitLine<'a> {
    line: &'a [u8],
    /// End of every field; the next starts one byte later.
    ends: Vec<usize>,
}

impl Fields for SplitLine<'_> {
    fn count(&self) -> usize {
        self.ends.len()
    }
    fn field(&self, k: usize) -> &[u8] {
        let Some(&end) = self.ends.get(k) else {
            return &[];
        };
        let start = if k == 0 { 0 } else { self.ends[k - 1] + 1 };
        self.line.get(start..end).unwrap_or(&[])
    }
}

/// Validates a piece of quote-free data line by line, exactly as the CSV reader would
/// cut it: `\n` or `\r\n` ends a record and empty lines are skipped. Returns `None`
/// on a bare `\r` (also a terminator to the CSV reader), to read the data that way.
fn split_lines(
    piece: &[u8],
    first_line: u64,
    delimiter: u8,
    parser: &RowParser,
) -> Option<(ChunkResult, u64)> {
    let mut builder = parser.builder();
    let mut rec = SplitLine {
        line: &[],
        ends: Vec::new(),
    };
    let mut rows = 0;
    for (line_no, mut line) in (first_line..).zip(piece.split(|&b| b == b'\n')) {
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if !line.is_empty() {
            rec.ends.clear();
            for (i, &b) in line.iter().enumerate() {
                if b == delimiter {
                    rec.ends.push(i);
                } else if b == b'\r' {
                    return None;
                }
            }
            rec.ends.push(line.len());
            rec.line = line;
            builder.push(&rec, line_no);
            rows += 1;
        }
    }
    Some((builder.finish(), rows))
}

/// Parses every chunk in parallel; the result keeps chunk order.
pub(super) fn par_map_chunks<T: Send>(
    chunks: &[RecordChunk],
    f: impl Fn(&RecordChunk) -> T + Sync + Send,
) -> Vec<T> {
    chunks.par_iter().map(f).collect()
}
