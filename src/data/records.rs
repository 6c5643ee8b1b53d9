//! Records from decoded text, each tied to the physical lines it came from.
//!
//! Two readers feed the same [`ChunkBuilder`]: quote-free data is cut at line breaks and
//! read in parallel pieces; anything else goes through the CSV reader. Either way every
//! physical line ends up in exactly one place: a record, a blank line, or (for a quoted
//! field that spans lines, unless `--multiline-fields`) a line read on its own.

use rayon::prelude::*;

use super::assemble::Merged;
use super::validate::{ChunkBuilder, ChunkResult, Fields, RowParser};
use crate::error::InputError;

/// Physical lines of `text`: line breaks, plus a last line without one.
pub(super) fn count_lines(text: &[u8]) -> u64 {
    let breaks = text.iter().filter(|&&b| b == b'\n').count() as u64;
    breaks + u64::from(text.last().is_some_and(|&b| b != b'\n'))
}

pub(super) fn reader(text: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text)
}

/// The first records of `text`, read until one cannot be: for the header's checks that
/// look at a few rows below it.
pub(super) fn first_records(text: &[u8], delimiter: u8) -> impl Iterator<Item = csv::ByteRecord> {
    reader(text, delimiter)
        .into_byte_records()
        .map_while(Result::ok)
}

/// Where a record sits: its first and last physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub first: u64,
    pub last: u64,
    /// Byte range of the record's text, terminator excluded.
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn extra_lines(&self) -> u32 {
        (self.last - self.first) as u32
    }
}

/// Physical line numbers of records, counted from byte offsets. (The CSV reader's own
/// line count lags by one after a CRLF terminator.)
pub(super) struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// Counts from `first_line`, the line `text` starts on.
    pub fn new(text: &'a [u8], first_line: u64) -> Self {
        LineCounter {
            text,
            at: 0,
            line: first_line,
        }
    }

    /// The line holding byte `pos`, for positions that only move forward.
    fn line_at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.text.len());
        if pos > self.at {
            let seen = &self.text[self.at..pos];
            self.line += seen.iter().filter(|&&b| b == b'\n').count() as u64;
            self.at = pos;
        }
        self.line
    }

    /// The span of the record just read; `next` is the reader's position after it.
    pub fn span(&mut self, rec: &csv::ByteRecord, next: usize) -> Span {
        let mut start = rec.position().map_or(self.at, |p| p.byte() as usize);
        start = start.min(self.text.len());
        // A record never starts with a bare line break; skip the previous terminator.
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let mut end = next.clamp(start, self.text.len());
        while end > start && matches!(self.text[end - 1], b'\r' | b'\n') {
            end -= 1;
        }
        let first = self.line_at(start);
        let last = self.line_at(end);
        Span {
            first,
            last,
            start,
            end,
        }
    }
}

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
    /// Lines beyond the first of each row (quoted line breaks with `--multiline-fields`).
    extra: Vec<u32>,
    /// Lines of a quoted field that spans lines, each with the reason it is rejected and
    /// the line read on its own (for its station id).
    quote_errors: Vec<(u64, String, csv::ByteRecord)>,
    /// Empty lines between records.
    blank: Vec<u64>,
}

/// One record of a chunk.
#[derive(Clone, Copy)]
pub(super) struct Row<'a> {
    data: &'a [u8],
    ends: &'a [u32],
    start: u32,
}

impl Fields for Row<'_> {
    fn count(&self) -> usize {
        self.ends.len()
    }

    fn field(&self, k: usize) -> &[u8] {
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

    pub fn row(&self, r: usize) -> Row<'_> {
        let a = self.field_start.get(r).copied().unwrap_or(0) as usize;
        let b = self.field_start.get(r + 1).copied().unwrap_or(0) as usize;
        Row {
            data: &self.data,
            ends: self.ends.get(a..b).unwrap_or(&[]),
            start: self.byte_start.get(r).copied().unwrap_or(0),
        }
    }

    /// Copies a record in; fails only when the chunk's offsets would leave `u32`.
    pub fn push(&mut self, rec: &csv::ByteRecord, line: u64, extra: u32) -> Result<(), ()> {
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
        self.extra.push(extra);
        Ok(())
    }

    /// Field bytes held.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    fn is_full(&self) -> bool {
        self.rows() >= CHUNK_ROWS || self.data.len() >= CHUNK_BYTES
    }

    /// Feeds every row, quote error and blank line to `b`.
    fn replay(&self, b: &mut ChunkBuilder) {
        for r in 0..self.rows() {
            b.push(&self.row(r), self.lines[r], self.extra[r]);
        }
        for (line, detail, rec) in &self.quote_errors {
            b.reject_quote(rec, *line, detail.clone());
        }
        for &line in &self.blank {
            b.blank(line);
        }
    }
}

/// Rows per chunk: large enough to amortise, small enough to spread over threads.
const CHUNK_ROWS: usize = 8192;
/// Field bytes per chunk before it is closed early (keeps offsets within `u32`).
const CHUNK_BYTES: usize = 1 << 28;

fn unreadable(path: &str, e: impl std::fmt::Display) -> InputError {
    InputError::Unreadable {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// A window of text for the CSV reader, with what it needs to place records.
pub(super) struct RecordSource<'a> {
    pub path: &'a str,
    pub text: &'a [u8],
    pub delimiter: u8,
    /// Accept quoted fields that span lines as one record.
    pub multiline: bool,
    /// The physical line `text` starts on.
    pub first_line: u64,
    /// The last physical line of `text`.
    pub lines: u64,
    /// Whether the input ends with `text`; else its last record may be cut short.
    pub at_end: bool,
}

/// What [`read_chunks`] found.
pub(super) struct Chunks {
    pub chunks: Vec<RecordChunk>,
    /// Records, counting each line of a split multi-line record as one.
    pub records: u64,
    /// Bytes of the text read; the rest starts with a record that may be incomplete.
    pub consumed: usize,
}

impl<'a> RecordSource<'a> {
    pub fn new(path: &'a str, text: &'a [u8], delimiter: u8, first_line: u64) -> Self {
        RecordSource {
            path,
            text,
            delimiter,
            multiline: false,
            first_line,
            lines: first_line + count_lines(text) - 1,
            at_end: true,
        }
    }

    /// Reads every record whose end is known, after line `prev_last` (the header's,
    /// or the one before the window). Short of the input's end, the last record read is
    /// left for the next window, since more text may belong to it.
    pub fn read_chunks(
        &self,
        rdr: &mut csv::Reader<&[u8]>,
        prev_last: u64,
    ) -> Result<Chunks, InputError> {
        let mut lines = LineCounter::new(self.text, self.first_line);
        let mut rec = csv::ByteRecord::new();
        let mut out = Chunks {
            chunks: Vec::new(),
            records: 0,
            consumed: self.text.len(),
        };
        let mut chunk = RecordChunk::default();
        let mut prev_last = prev_last;
        let mut last_blank = self.lines;
        while rdr
            .read_byte_record(&mut rec)
            .map_err(|e| unreadable(self.path, e))?
        {
            let span = lines.span(&rec, rdr.position().byte() as usize);
            if !self.at_end && rdr.position().byte() as usize >= self.text.len() {
                out.consumed = span.start;
                last_blank = span.first - 1;
                break;
            }
            chunk.blank.extend(prev_last + 1..span.first);
            prev_last = span.last;
            if chunk.is_full() {
                out.chunks.push(std::mem::take(&mut chunk));
            }
            if is_blank(&self.text[span.start..span.end]) {
                chunk.blank.push(span.first);
            } else if span.last > span.first && !self.multiline {
                out.records += self.split(span, &mut chunk)?;
            } else if self.opens_last_quote(span) {
                let detail = format!(
                    "a quoted field opens on line {} and never closes (the input ends)",
                    span.first
                );
                chunk.quote_errors.push((span.first, detail, rec.clone()));
                out.records += 1;
            } else {
                self.push(&mut chunk, &mut out.chunks, &rec, span)?;
                out.records += 1;
            }
        }
        chunk.blank.extend(prev_last + 1..=last_blank);
        out.chunks.push(chunk);
        Ok(out)
    }

    fn push(
        &self,
        chunk: &mut RecordChunk,
        done: &mut Vec<RecordChunk>,
        rec: &csv::ByteRecord,
        span: Span,
    ) -> Result<(), InputError> {
        let too_large = || unreadable(self.path, format!("line {}: record too large", span.first));
        if chunk.push(rec, span.first, span.extra_lines()).is_err() {
            // Only a single record of 4 GiB could fail in an empty chunk.
            if chunk.rows() == 0 {
                return Err(too_large());
            }
            done.push(std::mem::take(chunk));
            chunk
                .push(rec, span.first, span.extra_lines())
                .map_err(|()| too_large())?;
        }
        Ok(())
    }

    /// Whether the span is the input's last line and opens a quote it never closes
    /// (an odd count of quotes): the reader then ends the field at the input's end.
    fn opens_last_quote(&self, span: Span) -> bool {
        let body = &self.text[span.start..span.end];
        self.at_end
            && span.first == span.last
            && span.last == self.lines
            && body.iter().filter(|&&b| b == b'"').count() % 2 == 1
    }

    /// A quoted field that spans lines, read line by line: every line with a quote is
    /// rejected (the quote is what joined them), every other line is read on its own.
    /// Returns how many lines became records or rejections.
    fn split(&self, span: Span, chunk: &mut RecordChunk) -> Result<u64, InputError> {
        let closes = match span.last == self.lines && !ends_in_quote(self, span) {
            true => "never closes".to_string(),
            false => format!("closes on line {}", span.last),
        };
        let swallowed = span.last - span.first;
        let mut records = 0;
        let body = &self.text[span.start..span.end];
        for (line, text) in (span.first..).zip(body.split(|&b| b == b'\n')) {
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if is_blank(text) {
                chunk.blank.push(line);
                continue;
            }
            records += 1;
            let mut rec = csv::ByteRecord::new();
            if !matches!(
                reader(text, self.delimiter).read_byte_record(&mut rec),
                Ok(true)
            ) {
                // The reader strips a byte-order mark at the start of its input, so a line
                // of one reads as nothing: keep it, as one field, to be accounted for.
                rec = csv::ByteRecord::from(vec![text]);
            }
            if text.contains(&b'"') {
                let detail = format!(
                    "a quoted field opens on line {} and {closes}, which would join lines {}–{} \
                     ({swallowed} line breaks) into one record; each line was read on its own",
                    span.first, span.first, span.last
                );
                chunk.quote_errors.push((line, detail, rec));
                continue;
            }
            chunk
                .push(&rec, line, 0)
                .map_err(|()| unreadable(self.path, "record too large"))?;
        }
        Ok(records)
    }
}

/// A line of nothing but spaces and tabs is as blank as an empty one.
pub(super) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

/// Whether the span's last line holds a quote (the one that closes the field).
fn ends_in_quote(src: &RecordSource, span: Span) -> bool {
    let body = &src.text[span.start..span.end];
    let last = body.rsplit(|&b| b == b'\n').next().unwrap_or(&[]);
    last.contains(&b'"')
}

/// Parses the chunks in parallel, a few at a time, merging each result in order.
pub(super) fn parse_chunks(parser: &RowParser, chunks: &[RecordChunk], merged: &mut Merged) {
    for wave in chunks.chunks(wave_size()) {
        let parts: Vec<ChunkResult> = wave
            .par_iter()
            .map(|chunk| {
                let mut b = parser.builder();
                chunk.replay(&mut b);
                b.finish()
            })
            .collect();
        parts.into_iter().for_each(|p| merged.absorb(p));
    }
}

/// Pieces parsed at once: enough to keep every thread busy, few enough that their
/// results, held until merged, stay small.
pub(super) fn wave_size() -> usize {
    4 * rayon::current_num_threads().max(1)
}

/// Data bytes per piece when quote-free data is read in parallel.
pub(super) const PIECE_BYTES: usize = 1 << 21;

/// Reads and validates quote-free data in pieces of about `piece` bytes cut at line
/// breaks, in parallel, and merges them into `merged` in order. `text` starts on line
/// `first_line`. Returns the number of records, or `None` (with `merged` untouched)
/// when the data must go through the CSV reader after all.
pub(super) fn parse_pieces(
    text: &[u8],
    first_line: u64,
    delimiter: u8,
    parser: &RowParser,
    merged: &mut Merged,
    piece: usize,
) -> Option<u64> {
    let mut cuts = vec![0];
    let mut at = 0;
    while text.len() - at > piece {
        let probe = at + piece;
        match text[probe..].iter().position(|&b| b == b'\n') {
            Some(nl) => {
                at = probe + nl + 1;
                cuts.push(at);
            }
            None => break,
        }
    }
    // The last cut may already be the end; an empty piece would read as a blank line.
    if cuts.last() != Some(&text.len()) {
        cuts.push(text.len());
    }
    // The line each piece starts on, from the line breaks before it.
    let breaks: Vec<u64> = cuts
        .par_windows(2)
        .map(|w| text[w[0]..w[1]].iter().filter(|&&b| b == b'\n').count() as u64)
        .collect();
    let mut line = first_line;
    let mut pieces = Vec::with_capacity(breaks.len());
    for (w, b) in cuts.windows(2).zip(&breaks) {
        pieces.push((w[0], w[1], line));
        line += b;
    }
    let parts: Option<Vec<(ChunkResult, u64)>> = pieces
        .par_iter()
        .map(|&(a, b, start)| split_lines(&text[a..b], start, delimiter, parser))
        .collect();
    let mut rows = 0;
    for (part, n) in parts? {
        merged.absorb(part);
        rows += n;
    }
    Some(rows)
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
/// cut it: `\n` or `\r\n` ends a record, and empty lines (or lines of spaces and tabs)
/// are blank. Returns `None` on a bare `\r` (also a terminator to the CSV reader), to
/// read the data that way.
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
    // A piece ends with its line break, so the split's last item is not a line.
    let body = piece.strip_suffix(b"\n").unwrap_or(piece);
    for (line_no, mut line) in (first_line..).zip(body.split(|&b| b == b'\n')) {
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if is_blank(line) {
            builder.blank(line_no);
            continue;
        }
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
        builder.push(&rec, line_no, 0);
        rows += 1;
    }
    Some((builder.finish(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_a_last_line_without_a_break() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\n"), 1);
        assert_eq!(count_lines(b"a\n\nb"), 3);
        assert_eq!(count_lines(b"a\r\nb\r\n"), 2);
    }

    #[test]
    fn spans_cover_quoted_line_breaks() {
        let text = b"h\r\nx,\"a\nb\"\r\n\r\ny\n";
        let mut rdr = reader(text, b',');
        let mut lines = LineCounter::new(text, 1);
        let mut rec = csv::ByteRecord::new();
        let mut spans = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let s = lines.span(&rec, rdr.position().byte() as usize);
            spans.push((s.first, s.last));
        }
        assert_eq!(spans, [(1, 1), (2, 3), (5, 5)]);
    }
}
