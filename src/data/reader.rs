//! Reading bytes: files or stdin, plain or gzip, delimiter detection, records in chunks.

use std::io::Read;

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::assemble::{FileLines, Merged, assemble};
use super::cells::ValueFormat;
use super::columns::{CANDIDATE_SAMPLE_ROWS, ColumnPlan, Headers};
use super::records::{
    Chunks, LineCounter, PIECE_BYTES, RecordChunk, RecordSource, count_lines, parse_chunks,
    parse_pieces, reader,
};
use super::validate::{RowParser, column_samples, is_excluded};
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
    /// Accept quoted fields that span lines as one record (else each such line is read
    /// on its own, and the lines holding the quote are rejected).
    pub multiline_fields: bool,
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
const UTF16LE_BOM: [u8; 2] = [0xFF, 0xFE];
const UTF16BE_BOM: [u8; 2] = [0xFE, 0xFF];

fn load_bytes(name: &str, raw: Vec<u8>, opts: &LoadOptions) -> Result<Dataset, InputError> {
    let path = display_name(name);
    // Hashing is independent of parsing, so both run at once.
    let (sha256, parsed) = rayon::join(|| sha256_hex(&raw), || parse_bytes(path, &raw, opts));
    let mut data = parsed?;
    data.source.path = name.to_string();
    data.source.sha256 = sha256;
    Ok(data)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The input as UTF-8 text, and how it was stored: gzip or not, and its encoding.
struct Decoded<'a> {
    text: Cow<'a, [u8]>,
    gzip: bool,
    encoding: &'static str,
}

fn gunzip<'a>(path: &str, raw: &'a [u8]) -> Result<(Cow<'a, [u8]>, bool), InputError> {
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok((Cow::Borrowed(raw), false));
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(raw)
        .read_to_end(&mut out)
        .map_err(|e| InputError::Unreadable {
            path: path.into(),
            source: std::io::Error::new(e.kind(), format!("corrupt gzip data: {e}")),
        })?;
    Ok((Cow::Owned(out), true))
}

/// Gunzips, strips a byte-order mark, decodes UTF-16, and turns a bare `\r` (an old Mac
/// line break, which the CSV reader also ends a record at) into `\n`, so that physical
/// lines and records are counted alike.
fn decode<'a>(path: &str, raw: &'a [u8]) -> Result<Decoded<'a>, InputError> {
    let (bytes, gzip) = gunzip(path, raw)?;
    let (mut text, encoding) = match utf16_order(&bytes) {
        Some(big) => (
            Cow::Owned(from_utf16(path, &bytes[2..], big)?),
            utf16_name(big),
        ),
        None if bytes.starts_with(&UTF8_BOM) => (strip(bytes, UTF8_BOM.len()), "utf-8"),
        None => (bytes, "utf-8"),
    };
    if looks_like_utf16(&text) {
        return Err(InputError::Utf16WithoutBom { path: path.into() });
    }
    if has_bare_cr(&text) {
        text = Cow::Owned(bare_cr_to_lf(&text));
    }
    Ok(Decoded {
        text,
        gzip,
        encoding,
    })
}

fn has_bare_cr(text: &[u8]) -> bool {
    text.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && text.get(i + 1) != Some(&b'\n'))
}

fn bare_cr_to_lf(text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    for i in 0..out.len() {
        if out[i] == b'\r' && out.get(i + 1) != Some(&b'\n') {
            out[i] = b'\n';
        }
    }
    out
}

fn strip(bytes: Cow<'_, [u8]>, n: usize) -> Cow<'_, [u8]> {
    match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(&b[n..]),
        Cow::Owned(mut b) => {
            b.drain(..n);
            Cow::Owned(b)
        }
    }
}

/// `Some(big_endian)` when the bytes open with a UTF-16 byte-order mark.
fn utf16_order(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(&UTF16LE_BOM) {
        Some(false)
    } else if bytes.starts_with(&UTF16BE_BOM) {
        Some(true)
    } else {
        None
    }
}

fn utf16_name(big: bool) -> &'static str {
    if big { "utf-16be" } else { "utf-16le" }
}

fn from_utf16(path: &str, body: &[u8], big: bool) -> Result<Vec<u8>, InputError> {
    let units = body.chunks(2).map(|c| match (c, big) {
        ([a, b], false) => u16::from_le_bytes([*a, *b]),
        ([a, b], true) => u16::from_be_bytes([*a, *b]),
        _ => 0xFFFD,
    });
    let mut out = String::with_capacity(body.len() / 2);
    for (i, unit) in char::decode_utf16(units).enumerate() {
        match unit {
            Ok(c) => out.push(c),
            Err(_) => {
                let line = 1 + out.matches('\n').count() as u64;
                return Err(InputError::BadUtf16 {
                    path: path.into(),
                    encoding: utf16_name(big),
                    line,
                    unit: i as u64,
                });
            }
        }
    }
    Ok(out.into_bytes())
}

/// UTF-16 text without a byte-order mark: NUL in every other byte of its opening.
fn looks_like_utf16(text: &[u8]) -> bool {
    let head = &text[..text.len().min(200)];
    if head.len() < 8 {
        return false;
    }
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let half = head.len() / 2;
    nul_at(0) * 10 >= half * 9 || nul_at(1) * 10 >= half * 9
}

fn parse_bytes(path: &str, raw: &[u8], opts: &LoadOptions) -> Result<Dataset, InputError> {
    let decoded = decode(path, raw)?;
    let text: &[u8] = &decoded.text;
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(text));
    if std::str::from_utf8(text).is_err() {
        return Err(locate_bad_utf8(path, text, delimiter));
    }
    let src = RecordSource {
        path,
        text,
        delimiter,
        multiline: opts.multiline_fields,
        lines: count_lines(text),
    };
    let mut rdr = reader(text, delimiter);
    let mut lines = LineCounter::new(text);
    let (headers, header_last) = read_header(&src, &mut rdr, &mut lines)?;
    let data_start = after_terminator(text, rdr.position().byte() as usize);

    let format = ValueFormat::new(&opts.spec)?;
    let mut plan = ColumnPlan::resolve(&headers, &opts.spec, path)?;
    let sample = sample_rows(&text[data_start..], delimiter, &plan);
    let samples = column_samples((0..sample.rows()).map(|r| sample.row(r)), &plan, &format);
    plan.finish(&headers, &opts.spec, path, &samples)?;

    let parser = RowParser::new(&plan, &format);
    // Without quotes every line break ends a record, so the data can be cut at line
    // breaks and read in parallel; record order and line numbers stay the same.
    let mut merged = Merged::new(&plan);
    let fast = if text.len() - data_start > 2 * PIECE_BYTES && !text[data_start..].contains(&b'"') {
        parse_pieces(text, data_start, delimiter, &parser, &mut merged)
    } else {
        None
    };
    let rows = match fast {
        Some(rows) => rows,
        None => {
            merged = Merged::new(&plan);
            let Chunks { chunks, records } = src.read_chunks(&mut rdr, &mut lines, header_last)?;
            parse_chunks(&parser, &chunks, &mut merged);
            records
        }
    };
    let file = FileLines {
        lines: src.lines,
        header: header_last,
    };
    let mut data = assemble(path, merged, &plan, opts.strict, file)?;
    data.source.rows = rows;
    data.source.delimiter = char::from(delimiter).to_string();
    data.source.gzip = decoded.gzip;
    data.source.encoding = decoded.encoding.to_string();
    Ok(data)
}

/// Where the data start: the reader stops inside a CRLF, on its `\n`, which would
/// otherwise read as a blank line.
fn after_terminator(text: &[u8], pos: usize) -> usize {
    let pos = pos.min(text.len());
    match (pos.checked_sub(1).map(|p| text[p]), text.get(pos)) {
        (Some(b'\r'), Some(b'\n')) => pos + 1,
        _ => pos,
    }
}

/// The header record and the line it ends on. A header with a quoted line break is an
/// error unless `--multiline-fields` accepts it.
fn read_header(
    src: &RecordSource,
    rdr: &mut csv::Reader<&[u8]>,
    lines: &mut LineCounter,
) -> Result<(Headers, u64), InputError> {
    let mut rec = csv::ByteRecord::new();
    let path = src.path;
    let read = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| unreadable(path, e))?;
    if !read {
        return Err(InputError::EmptyInput { path: path.into() });
    }
    let span = lines.span(&rec, rdr.position().byte() as usize);
    if span.last > span.first && !src.multiline {
        return Err(InputError::HeaderSpansLines {
            path: path.into(),
            first: span.first,
            last: span.last,
        });
    }
    let names = rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    Ok((Headers::new(names), span.last))
}

/// The first data records for candidate detection: up to
/// [`CANDIDATE_SAMPLE_ROWS`] that are neither excluded nor of the wrong length,
/// looking no further than [`SAMPLE_SCAN_LIMIT`] records. Copied compactly: a record
/// cloned from the reader would keep the capacity of the longest record read so far.
fn sample_rows(data: &[u8], delimiter: u8, plan: &ColumnPlan) -> RecordChunk {
    let mut rdr = reader(data, delimiter);
    let mut rows = RecordChunk::default();
    let mut rec = csv::ByteRecord::new();
    let mut scanned = 0;
    while rows.rows() < CANDIDATE_SAMPLE_ROWS && scanned < SAMPLE_SCAN_LIMIT {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => break,
        }
        scanned += 1;
        if rec.len() == plan.n_columns && !is_excluded(plan, &rec) && rows.push(&rec, 0, 0).is_err()
        {
            break;
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

fn unreadable(path: &str, e: impl std::fmt::Display) -> InputError {
    InputError::Unreadable {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
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
        let line = lines.span(&rec, rdr.position().byte() as usize).first;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A record cloned from the CSV reader keeps the capacity of the longest record read
    /// before it; 300 rows after a 1 MB cell once took 600 MB.
    #[test]
    fn the_candidate_sample_holds_each_row_once() {
        let mut text = String::from("id,A\n");
        text.push_str(&format!("s0,{}\n", "9".repeat(1 << 20)));
        for i in 1..300 {
            text.push_str(&format!("s{i},{i}\n"));
        }
        let headers = Headers::new(vec!["id".into(), "A".into()]);
        let plan = ColumnPlan::resolve(&headers, &ColumnSpec::default(), "x").unwrap();
        let sample = sample_rows(text.split_once('\n').unwrap().1.as_bytes(), b',', &plan);
        assert_eq!(sample.rows(), 300);
        assert!(sample.bytes() < (1 << 20) + 10_000, "{}", sample.bytes());
    }

    #[test]
    fn bare_carriage_returns_become_line_breaks() {
        assert_eq!(bare_cr_to_lf(b"a\rb\r\nc\r"), b"a\nb\r\nc\n");
        assert!(!has_bare_cr(b"a\r\nb"));
    }

    #[test]
    fn utf16_is_recognised_with_and_without_a_byte_order_mark() {
        let le: Vec<u8> = "id,A\ns1,5\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut with_bom = UTF16LE_BOM.to_vec();
        with_bom.extend(&le);
        let d = decode("x", &with_bom).unwrap();
        assert_eq!(&*d.text, b"id,A\ns1,5\n");
        assert_eq!(d.encoding, "utf-16le");
        assert!(matches!(
            decode("x", &le),
            Err(InputError::Utf16WithoutBom { .. })
        ));
    }
}
