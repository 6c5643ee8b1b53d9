//! Reading an input: files or stdin, plain or gzip, a window at a time; the header,
//! the column plan, and every record after it.

use std::io::Read;

use super::assemble::{FileLines, Merged, assemble};
use super::cells::{ValueFormat, shorten};
use super::columns::{CANDIDATE_SAMPLE_ROWS, ColumnPlan, Headers, NAME_CANDIDATES, is_nameless};
use super::records::{
    Chunks, LineCounter, PIECE_BYTES, RecordChunk, RecordSource, Span, first_records, is_blank,
    parse_chunks, parse_pieces, reader, wave_size,
};
use super::stream::{TextStream, UTF8_BOM, looks_like_utf16};
use super::validate::{
    RowParser, column_samples, dots_group_thousands, has_shape, is_excluded, usable,
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
    /// Accept quoted fields that span lines as one record (else each such line is read
    /// on its own, and the lines holding the quote are rejected).
    pub multiline_fields: bool,
}

/// Reads and validates `path` (`-` for stdin).
pub fn load(path: &str, opts: &LoadOptions) -> Result<Dataset, InputError> {
    if path == "-" {
        return load_reader(path, std::io::stdin().lock(), opts);
    }
    let file = std::fs::File::open(path).map_err(|source| InputError::Unreadable {
        path: path.into(),
        source,
    })?;
    load_reader(path, file, opts)
}

/// Reads and validates everything `input` yields; `name` is the path reported
/// (`-` is shown as `<stdin>` in errors). The input is read a window at a time, so
/// memory follows the stations kept, not the input's size.
pub fn load_reader(
    name: &str,
    input: impl Read,
    opts: &LoadOptions,
) -> Result<Dataset, InputError> {
    load_windowed(name, input, opts, Windows::for_threads())
}

/// How much decoded text is parsed at once, and in what pieces when it has no quotes.
#[derive(Debug, Clone, Copy)]
struct Windows {
    bytes: usize,
    piece: usize,
}

impl Windows {
    /// Enough pieces to keep every thread busy, within 8–64 MB.
    fn for_threads() -> Self {
        let bytes = (wave_size() * PIECE_BYTES).clamp(8 << 20, 64 << 20);
        Windows {
            bytes,
            piece: PIECE_BYTES,
        }
    }
}

fn load_windowed(
    name: &str,
    input: impl Read,
    opts: &LoadOptions,
    win: Windows,
) -> Result<Dataset, InputError> {
    let path = display_name(name);
    let mut stream = TextStream::open(path, input)?;
    let gzip = stream.gzip;
    let mut data = parse_stream(path, &mut stream, opts, win).map_err(|mut e| {
        if let InputError::TitleLine { gzip: g, .. } | InputError::NotUtf8 { gzip: g, .. } = &mut e
        {
            *g = gzip;
        }
        e
    })?;
    data.source.path = name.to_string();
    data.source.gzip = stream.gzip;
    data.source.encoding = stream.encoding.to_string();
    data.source.sha256 = stream.finish()?;
    Ok(data)
}

fn display_name(name: &str) -> &str {
    if name == "-" { "<stdin>" } else { name }
}

/// What the opening of the input settles.
struct Head {
    delimiter: u8,
    headers: Headers,
    /// The lines the header starts and ends on; any before it are blank, but for a
    /// spreadsheet's `sep=` line on line 1.
    header_first: u64,
    sep_line: bool,
    header_last: u64,
    /// Where the data start in the opening window.
    data_start: usize,
    plan: ColumnPlan,
    format: ValueFormat,
}

fn parse_stream<R: Read>(
    path: &str,
    stream: &mut TextStream<R>,
    opts: &LoadOptions,
    win: Windows,
) -> Result<Dataset, InputError> {
    let head = read_head(path, stream, opts, win)?;
    stream.consume(head.data_start);
    let parser = RowParser::new(&head.plan, &head.format);
    let mut merged = Merged::new(&head.plan);
    let mut rows = 0;
    loop {
        stream.fill(win.bytes)?;
        let w = Window {
            text: stream.window(),
            first_line: stream.line,
            at_end: stream.at_end(),
        };
        if w.text.is_empty() && w.at_end {
            break;
        }
        check_utf8(path, &w, head.delimiter, Some(&head.headers.names))?;
        let (records, consumed) = parse_window(path, &head, opts, &parser, &w, &mut merged, win)?;
        rows += records;
        // At the end nothing is left for a later window, so a window is read whole.
        match (consumed, w.at_end) {
            (0, false) => stream.grow()?,
            (_, true) => stream.consume(usize::MAX),
            (n, false) => stream.consume(n),
        }
    }
    let first_blank = match head.sep_line {
        true => {
            merged.sep_line(1);
            2
        }
        false => 1,
    };
    merged.blank_lines(first_blank..head.header_first);
    let file = FileLines {
        lines: stream.lines_consumed(),
        header: head.header_last + 1 - head.header_first,
    };
    let mut data = assemble(path, merged, &head.plan, opts.strict, file)?;
    data.source.rows = rows;
    data.source.delimiter = char::from(head.delimiter).to_string();
    Ok(data)
}

/// Decoded text that ends at a record boundary, or at the input's end.
struct Window<'a> {
    text: &'a [u8],
    first_line: u64,
    at_end: bool,
}

/// Reads a window's records into `merged`; returns the records and the bytes read
/// (0 when no record's end is in sight: the window must grow).
fn parse_window(
    path: &str,
    head: &Head,
    opts: &LoadOptions,
    parser: &RowParser,
    w: &Window,
    merged: &mut Merged,
    win: Windows,
) -> Result<(u64, usize), InputError> {
    // Without quotes every line break ends a record, so the text can be cut at line
    // breaks and read in parallel; record order and line numbers stay the same.
    if w.text.len() > 2 * win.piece && !w.text.contains(&b'"') {
        let cut = parse_pieces(
            w.text,
            w.first_line,
            head.delimiter,
            parser,
            merged,
            win.piece,
        );
        if let Some(records) = cut {
            return Ok((records, w.text.len()));
        }
    }
    // A fresh CSV reader drops a byte-order mark at its start, as at a file's start:
    // give it the line break before the window to read first.
    let prefixed;
    let (text, shift) = match w.text.starts_with(&UTF8_BOM) {
        true => {
            prefixed = [&b"\n"[..], w.text].concat();
            (&prefixed[..], 1)
        }
        false => (w.text, 0),
    };
    let mut src = RecordSource::new(path, text, head.delimiter, w.first_line - shift);
    src.multiline = opts.multiline_fields;
    src.at_end = w.at_end;
    let Chunks {
        chunks,
        records,
        consumed,
    } = src.read_chunks(&mut reader(text, head.delimiter), w.first_line - 1)?;
    parse_chunks(parser, &chunks, merged);
    Ok((records, consumed.saturating_sub(shift as usize)))
}

/// Reads the opening of the input until the header and the candidate sample fit in it.
fn read_head<R: Read>(
    path: &str,
    stream: &mut TextStream<R>,
    opts: &LoadOptions,
    win: Windows,
) -> Result<Head, InputError> {
    stream.fill(win.bytes)?;
    loop {
        let w = Window {
            text: stream.window(),
            first_line: 1,
            at_end: stream.at_end(),
        };
        match try_head(path, &w, opts)? {
            Some(head) => return Ok(head),
            None => stream.grow()?,
        }
    }
}

/// The head, or `None` when the header or the candidate sample may run past the window.
fn try_head(path: &str, w: &Window, opts: &LoadOptions) -> Result<Option<Head>, InputError> {
    let text = w.text;
    if looks_like_utf16(text) {
        return Err(InputError::Utf16WithoutBom { path: path.into() });
    }
    if let Some((kind, fix)) = packed_format(text) {
        return Err(InputError::NotText {
            path: path.into(),
            kind,
            fix,
        });
    }
    let sep = excel_sep_line(text);
    let delimiter = match (opts.delimiter, sep) {
        (Some(d), _) => d,
        // A `sep=` line that names a delimiter the header does not hold is wrong.
        (None, Some((d, end))) => {
            let next = text[end..]
                .split(|&b| b == b'\n')
                .next()
                .unwrap_or_default();
            d.filter(|d| next.contains(d))
                .unwrap_or_else(|| detect_delimiter(&text[end..]))
        }
        (None, None) => detect_delimiter(text),
    };
    check_utf8(path, w, delimiter, None)?;
    let mut rdr = reader(text, delimiter);
    let mut lines = LineCounter::new(text, 1);
    let mut rec = csv::ByteRecord::new();
    // Lines of spaces before the header are blank, as they are after it; so is a
    // spreadsheet's empty row of delimiters alone.
    let (read, end, span) = loop {
        let read = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| unreadable(path, e))?;
        let end = rdr.position().byte() as usize;
        let span = lines.span(&rec, end);
        let sep_line = sep.is_some() && span.first == 1;
        let empty = rec.iter().all(|f| f.trim_ascii().is_empty());
        if !read || !(sep_line || empty || is_blank(&text[span.start..span.end])) {
            break (read, end, span);
        }
    };
    if !w.at_end && (!read || end >= text.len()) {
        return Ok(None);
    }
    if !read {
        return Err(InputError::EmptyInput { path: path.into() });
    }
    let (headers, header_last) = header_of(path, &rec, span, opts)?;
    let data_start = after_terminator(text, end);
    let data = &text[data_start..];
    if let Some(given) = opts.delimiter.filter(|_| headers.len() == 1) {
        delimiter_not_in_header(path, &text[span.start..span.end], given, header_last)?;
    }
    if let Some(cells) = header_is_data(&headers, data, delimiter) {
        let names: Vec<String> = (1..=headers.len()).map(|i| format!("c{i}")).collect();
        return Err(InputError::NoHeader {
            path: path.into(),
            line: header_last,
            cells,
            names: names.join(&char::from(delimiter).to_string()),
        });
    }
    if let Some((d, rows, columns)) = (headers.len() == 1)
        .then(|| foreign_delimiter(&text[span.start..]))
        .flatten()
    {
        return Err(d.error(path, span.first, rows, columns));
    }
    if let Some(title) = title_line(&headers) {
        return Err(InputError::TitleLine {
            path: path.into(),
            line: header_last,
            last: header_last + more_title_lines(data, delimiter),
            title: shorten(&title, 100),
            gzip: false,
        });
    }
    if let Some((what, fix)) = above_header(&headers, data, delimiter, header_last) {
        return Err(InputError::AboveHeader {
            path: path.into(),
            line: header_last,
            what,
            fix,
        });
    }
    if let Some(fix) = header_below(&headers, data, delimiter, header_last, &opts.spec) {
        return Err(InputError::AboveHeader {
            path: path.into(),
            line: header_last,
            what: "a note above the header",
            fix,
        });
    }
    let headers = match trailing_delimiter(data, delimiter, &headers.names) {
        Some(names) => Headers::new(names),
        None => headers,
    };
    let mut format = ValueFormat::new(&opts.spec)?;
    let mut plan = ColumnPlan::resolve(&headers, &opts.spec, path)?;
    plan.delimiter = delimiter;
    plan.min_fields = short_rows_width(data, delimiter, &headers, &plan);
    let sample = match opts.multiline_fields {
        true => sample_rows(data, delimiter, &plan, w.at_end),
        false => sample_lines(data, delimiter, &plan, w.at_end),
    };
    let Some(sample) = sample else {
        return Ok(None);
    };
    if sample.rows() == 0 && opts.spec.candidates.is_empty() {
        return Err(match no_sample(data, delimiter, &plan, header_last) {
            // Naming the candidates would not help a file of no rows.
            None => InputError::NoStations {
                path: path.into(),
                why: "the file has a header but no data rows".into(),
            },
            Some((why, fix)) => InputError::NoCandidates {
                path: path.into(),
                why,
                fix,
                headers: headers.listing(),
            },
        });
    }
    let rows = (0..sample.rows()).map(|r| sample.row(r));
    let (samples, counts) = column_samples(rows, &plan, &format);
    plan.finish(&headers, &opts.spec, path, &samples, &counts)?;
    if opts.spec.thousands.is_none() && dots_group_thousands(&samples, &plan) {
        format.refuse_decimal_zeros();
    }
    Ok(Some(Head {
        delimiter,
        headers,
        header_first: span.first,
        sep_line: sep.is_some(),
        header_last,
        data_start,
        plan,
        format,
    }))
}

/// A header of one column under `--delimiter` that another delimiter splits: the
/// delimiter given is wrong, and the advice for a title line would delete data.
fn delimiter_not_in_header(path: &str, line: &[u8], given: u8, at: u64) -> Result<(), InputError> {
    let counts = delimiter_counts(line);
    let found = (0..3).filter(|&i| counts[i] > 0).max_by_key(|&i| counts[i]);
    let Some(i) = found else {
        return Ok(());
    };
    let (found, found_name) = [(",", "comma"), ("tab", "tab"), (";", "semicolon")][i];
    Err(InputError::DelimiterNotInHeader {
        path: path.into(),
        line: at,
        given: match given {
            b'\t' => "tab".to_string(),
            b => format!("'{}'", char::from(b)),
        },
        found: match found {
            "tab" => "tab".to_string(),
            f => format!("'{f}'"),
        },
        found_name,
        columns: counts[i] + 1,
    })
}

/// The header's cells quoted, when the header is a station's row: a file without a
/// header. It is when every cell has the form (see [`cell_form`]) that most of its
/// column's first rows take, and it holds both numbers and text. A header of party
/// numbers (`1,2,3` or `1,3,7`) beside text names rises, and stays a header.
fn header_is_data(headers: &Headers, data: &[u8], delimiter: u8) -> Option<String> {
    let names = &headers.names;
    let numbers: Vec<u64> = names.iter().filter_map(|n| n.parse().ok()).collect();
    // Party numbers rise along the header (`1,3,7`); a station's counts seldom all do.
    let labels = numbers.windows(2).all(|w| w[1] > w[0]);
    if numbers.is_empty() || numbers.len() == names.len() || labels {
        return None;
    }
    let rows: Vec<Vec<String>> = first_records(data, delimiter)
        .take(HEADER_FORM_ROWS)
        .filter(|r| r.len() == names.len())
        .map(|r| {
            r.iter()
                .map(|f| cell_form(&String::from_utf8_lossy(f)))
                .collect()
        })
        .collect();
    if rows.len() < 2 {
        return None;
    }
    let fits = names.iter().enumerate().all(|(c, name)| {
        let form = cell_form(name);
        let same = rows.iter().filter(|r| r[c] == form).count();
        same * 2 > rows.len()
    });
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("'{n}'")).collect();
    let more = if names.len() > 4 { ", …" } else { "" };
    fits.then(|| format!("{}{more}", shown.join(", ")))
}

/// Data rows that [`header_is_data`] compares the header with.
const HEADER_FORM_ROWS: usize = 50;

/// A cell's form: each run of digits becomes `9`, each run of letters `a`, other
/// characters stay (`S000001` and `R01` are `a9`, `1,234` is `9,9`, `North` is `a`).
fn cell_form(cell: &str) -> String {
    let mut out = String::new();
    for ch in cell.trim().chars() {
        let c = match ch {
            _ if ch.is_ascii_digit() => '9',
            _ if ch.is_alphabetic() => 'a',
            _ => ch,
        };
        if !(out.ends_with(c) && (c == '9' || c == 'a')) {
            out.push(c);
        }
    }
    out
}

/// The name of a header that is a title line, not a header: one name, alone or beside
/// empty ones (a spreadsheet's title row). A station file has at least an id and a count.
fn title_line(headers: &Headers) -> Option<String> {
    let mut named = headers.names.iter().filter(|n| !n.is_empty());
    let first = named.next()?;
    let title = named.next().is_none() && (headers.len() == 1 || headers.len() >= 3);
    title.then(|| first.clone())
}

/// How many physical lines after a title line belong to the title block, up to its last
/// line: a spreadsheet's title block can span several, blank lines and notes such as
/// `Source: CEC, 2024-05-01` among them. The block ends before the first line of three
/// names or more (a station file has an id and two counts at least); without one in
/// sight, it holds the lines of one name alone.
fn more_title_lines(data: &[u8], delimiter: u8) -> u64 {
    let (mut titles, mut short, mut in_titles) = (0, 0, true);
    for (i, line) in (1..).zip(data.split(|&b| b == b'\n').take(TITLE_LINES_SEEN)) {
        if is_blank(line) {
            continue;
        }
        let names = line_cells(line, delimiter).unwrap_or_default();
        if names.iter().filter(|n| !n.is_empty()).count() >= 3 {
            return short;
        }
        short = i;
        in_titles = in_titles && title_line(&Headers::new(names)).is_some();
        if in_titles {
            titles = i;
        }
    }
    titles
}

/// A delimiter elaudit does not read, which a file may use instead of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Foreign {
    Pipe,
    Spaces,
}

impl Foreign {
    fn fields(self, line: &str) -> usize {
        match self {
            Foreign::Pipe => line.split('|').count(),
            Foreign::Spaces => line.split_ascii_whitespace().count(),
        }
    }

    fn error(self, path: &str, line: u64, rows: usize, columns: usize) -> InputError {
        let (name, convert, caution) = match self {
            Foreign::Pipe => (
                "'|'",
                "tr '|' ',' < FILE > OUT",
                " (if no field holds a comma)",
            ),
            Foreign::Spaces => (
                "spaces",
                "sed -E 's/ +/,/g' FILE > OUT",
                " (if no name holds a space)",
            ),
        };
        InputError::ForeignDelimiter {
            path: path.into(),
            line,
            name,
            rows,
            columns,
            convert,
            caution,
        }
    }
}

/// The delimiter a header of one field is really split at, with how many lines below
/// it agree and into how many fields: three or more, the same on the header and on
/// every non-blank line of the first [`TITLE_LINES_SEEN`] below (two at least), which
/// hold digits. A title line (`Results of the 2024 election`) has a header of
/// another shape below it.
fn foreign_delimiter(text: &[u8]) -> Option<(Foreign, usize, usize)> {
    let text = String::from_utf8_lossy(&text[..text.len().min(1 << 16)]);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next()?;
    let below: Vec<&str> = lines.take(TITLE_LINES_SEEN).collect();
    [Foreign::Pipe, Foreign::Spaces].into_iter().find_map(|d| {
        let n = d.fields(header);
        let agree = below.iter().all(|l| d.fields(l) == n);
        let digits = below.iter().all(|l| l.chars().any(|c| c.is_ascii_digit()));
        (n >= 3 && below.len() >= 2 && agree && digits).then_some((d, below.len(), n))
    })
}

/// The trimmed cells of one physical line read as a record; `None` for no record.
fn line_cells(line: &[u8], delimiter: u8) -> Option<Vec<String>> {
    let rec = first_records(line, delimiter).next()?;
    Some(
        (rec.iter())
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
    )
}

/// Lines below a title line that [`more_title_lines`] looks at.
const TITLE_LINES_SEEN: usize = 20;

/// A line read as the header that is something else above it: a `#` comment, or a row
/// naming groups of columns over blank cells (`Voters,,,Votes for,,`) or filled down
/// over them (`Station,Station,Votes,Votes`) with the real names on the line below.
/// What it is, and how to remove it.
fn above_header(
    headers: &Headers,
    data: &[u8],
    delimiter: u8,
    line: u64,
) -> Option<(&'static str, String)> {
    let first = headers.names.first()?;
    let commented = first.starts_with('#') && first.trim_start_matches('#').trim().len() > 1;
    if commented && !first_row_fits(data, delimiter, headers.len()) {
        let fix = "Delete the comment lines, e.g. `grep -v '^#' FILE > OUT`".to_string();
        return Some(("a comment", fix));
    }
    let blank = headers.names.iter().filter(|n| n.is_empty()).count();
    let filled_down = (headers.names.windows(2)).any(|w| !w[0].is_empty() && w[0] == w[1]);
    if blank < 2 && !filled_down {
        return None;
    }
    let mut below = first_records(data, delimiter);
    let names_below = below.next().is_some_and(|next| {
        next.len() == headers.len()
            && (next.iter()).all(|f| String::from_utf8_lossy(f).chars().any(char::is_alphabetic))
            && (blank >= 2 || names_a_header(&next))
    });
    // A filled-down group row over a header is told by the counts below the header.
    let mut counts_below = || {
        below.next().is_some_and(|row| {
            (row.iter()).any(|f| !f.trim_ascii().is_empty() && f.iter().all(u8::is_ascii_digit))
        })
    };
    let names_below = names_below && (blank >= 2 || counts_below());
    let fix = format!(
        "Delete line {line} (e.g. `{}`)",
        crate::error::tail_command(false, line + 1)
    );
    names_below.then_some(("a row that names groups of columns above the header", fix))
}

/// Whether a record reads as a header: distinct names, two or more of them a recognised
/// role's (as a group row's names, filled down over their columns, are not).
fn names_a_header(rec: &csv::ByteRecord) -> bool {
    let names: Vec<String> = (rec.iter())
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let mut distinct = names.clone();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() == names.len() && Headers::new(names).role_names().len() >= 2
}

/// Lines below a header naming no recognised role in which [`header_below`] looks for
/// the real one.
const HEADER_LINES_SEEN: usize = 12;

/// The fix for a header that names no recognised role (an id, a region or a count) above
/// a line of text that names two or more: a block of notes above the real header
/// (`Country,Year,Source` over `Georgia,2024,CEC`). Not when the columns are named by
/// flags or a `--columns` file, which the first line may well hold.
fn header_below(
    headers: &Headers,
    data: &[u8],
    delimiter: u8,
    line: u64,
    spec: &ColumnSpec,
) -> Option<String> {
    if spec.names_any_column() || !headers.role_names().is_empty() {
        return None;
    }
    let lines = data.split(|&b| b == b'\n').take(HEADER_LINES_SEEN);
    let (k, names) = (1..).zip(lines).find_map(|(k, text)| {
        let cells = line_cells(text, delimiter)?;
        let lettered = cells.iter().all(|c| c.chars().any(char::is_alphabetic));
        let below = Headers::new(cells);
        let names: Vec<String> = below
            .role_names()
            .iter()
            .map(|n| format!("'{n}'"))
            .collect();
        (lettered && names.len() >= 2).then_some((k, names))
    })?;
    let header = line + k;
    Some(format!(
        "Line {header} looks like the header (it names {}): delete the lines above it (e.g. \
         `{}`)",
        names.join(", "),
        crate::error::tail_command(false, header)
    ))
}

/// Whether the first data row not opening with `#` has `n` fields, as it would under a
/// header whose first name opens with `#` (`#id`).
fn first_row_fits(data: &[u8], delimiter: u8, n: usize) -> bool {
    first_records(data, delimiter)
        .find(|rec| !rec.get(0).is_some_and(|f| f.starts_with(b"#")))
        .is_some_and(|rec| rec.len() == n)
}

/// A non-UTF-8 byte anywhere in the window is an error that names its line and column.
fn check_utf8(
    path: &str,
    w: &Window,
    delimiter: u8,
    header: Option<&[String]>,
) -> Result<(), InputError> {
    match std::str::from_utf8(w.text) {
        Ok(_) => Ok(()),
        Err(_) => Err(locate_bad_utf8(path, w, delimiter, header)),
    }
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

/// The header's names and the line it ends on. A header with a quoted line break is an
/// error unless `--multiline-fields` accepts it.
fn header_of(
    path: &str,
    rec: &csv::ByteRecord,
    span: Span,
    opts: &LoadOptions,
) -> Result<(Headers, u64), InputError> {
    if span.last > span.first && !opts.multiline_fields {
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
/// `None` when the sample would need text past `data`, which is not the input's end.
fn sample_rows(data: &[u8], delimiter: u8, plan: &ColumnPlan, at_end: bool) -> Option<RecordChunk> {
    let mut rdr = reader(data, delimiter);
    let mut rows = RecordChunk::default();
    let mut rec = csv::ByteRecord::new();
    let mut scanned = 0;
    while rows.rows() < CANDIDATE_SAMPLE_ROWS && scanned < SAMPLE_SCAN_LIMIT {
        let read = matches!(rdr.read_byte_record(&mut rec), Ok(true));
        if !at_end && (!read || rdr.position().byte() as usize >= data.len()) {
            return None;
        }
        if !read {
            break;
        }
        scanned += 1;
        if usable(plan, &rec) && !is_excluded(plan, &rec) && rows.push(&rec, 0, 0).is_err() {
            break;
        }
    }
    Some(rows)
}

/// [`sample_rows`] without quoted line breaks: each line is read on its own, as the
/// rows are, so a stray quote cannot join the sample into one record.
fn sample_lines(
    data: &[u8],
    delimiter: u8,
    plan: &ColumnPlan,
    at_end: bool,
) -> Option<RecordChunk> {
    let mut rows = RecordChunk::default();
    let mut rec = csv::ByteRecord::new();
    let mut lines = data.split_inclusive(|&b| b == b'\n');
    for _ in 0..SAMPLE_SCAN_LIMIT {
        if rows.rows() >= CANDIDATE_SAMPLE_ROWS {
            break;
        }
        let Some(line) = lines.next() else {
            // A window ends at a line break, so only its end can leave the sample short.
            return at_end.then_some(rows);
        };
        let read = matches!(reader(line, delimiter).read_byte_record(&mut rec), Ok(true));
        if read && usable(plan, &rec) && !is_excluded(plan, &rec) && rows.push(&rec, 0, 0).is_err()
        {
            break;
        }
    }
    Some(rows)
}

/// Why candidate detection had no row to read, and the fix, for
/// [`InputError::NoCandidates`].
fn no_sample(
    data: &[u8],
    delimiter: u8,
    plan: &ColumnPlan,
    header_last: u64,
) -> Option<(String, String)> {
    let n_columns = plan.n_columns;
    let lines = (header_last + 1..).zip(data.split(|&b| b == b'\n'));
    let mut rows = lines
        .map(|(n, l)| (n, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !is_blank(l))
        .map(|(n, l)| {
            let mut rec = csv::ByteRecord::new();
            if !matches!(reader(l, delimiter).read_byte_record(&mut rec), Ok(true)) {
                rec = csv::ByteRecord::from(vec![l]);
            }
            (n, l, rec)
        })
        .peekable();
    let (line, raw, first) = rows.peek().cloned()?;
    if rows.any(|(_, _, r)| has_shape(plan, &r) && is_excluded(plan, &r)) {
        let why = format!(
            ": every data row read to detect them is left out by --exclude ({})",
            plan.exclude_labels.join(", ")
        );
        return Some((why, NAME_CANDIDATES.into()));
    }
    let fields = first.len();
    // `a, "b, c"`: after a space, a quote opens no quoted field, and the value splits.
    let spaced_quote = raw.windows(3).any(|w| w == [delimiter, b' ', b'"']);
    let hint = match (fields + 1 == n_columns, fields > n_columns) {
        _ if spaced_quote && fields > n_columns => &*format!(
            " (a space follows the delimiter before a quote, so the quote opens no quoted \
             value and the value splits at its delimiter: remove the spaces after the \
             delimiters, e.g. sed 's/{d} \"/{d}\"/g')",
            d = char::from(delimiter)
        ),
        (true, _) => {
            " (does the header end with a delimiter, or hold one unquoted inside a name, as \
             in Smith, John? Quote such a name: \"Smith, John\")"
        }
        (_, true) if fields == n_columns + 1 => {
            " (does each row end with a delimiter, or hold one unquoted inside a value? Quote \
             such a value)"
        }
        _ => "",
    };
    let why = format!(
        ": no data row has as many fields as the header ({n_columns}) to detect them from; \
         line {line} has {fields}{hint}"
    );
    // Named candidates would not help: every row would be rejected for its length.
    let fix = "Mend the rows (or the header) so that they have the same number of fields.";
    Some((why, fix.into()))
}

/// The header's names mended for a delimiter that ends the header line but not the
/// rows, or every row but not the header: a field that is empty on every line it is on
/// holds nothing, and without the mend every row would have the wrong field count.
/// `None` when the first data rows have the header's length, or disagree.
fn trailing_delimiter(data: &[u8], delimiter: u8, names: &[String]) -> Option<Vec<String>> {
    let n = names.len();
    let (mut shorter, mut longer, mut rows) = (0, 0, 0);
    let records = first_records(data, delimiter)
        .filter(|rec| !rec.iter().all(|f| f.trim_ascii().is_empty()))
        .take(TRAILING_DELIMITER_ROWS);
    for rec in records {
        rows += 1;
        match rec.len() {
            len if len == n => return None,
            len if len + 1 == n => shorter += 1,
            len if len == n + 1 && rec[n].trim_ascii().is_empty() => longer += 1,
            _ => {}
        }
    }
    let last_blank = names.last().is_some_and(|l| l.trim().is_empty());
    if shorter * 2 > rows && last_blank {
        return Some(names[..n - 1].to_vec());
    }
    (longer * 2 > rows).then(|| names.iter().cloned().chain([String::new()]).collect())
}

/// The fewest fields a row may have: the header's count, less the trailing columns that
/// at least a third of the first rows leave off, where no role is recognised or given,
/// and that are nameless or hold text where filled (a notes column saying `recount`
/// here and there, a header ending with a delimiter). A named column no row fills may be
/// a header's name split at a delimiter (`Smith, John`), so its rows stay short. A
/// column with whole numbers in a tenth of the rows is a count (a candidate some regions
/// leave off), never notes: one `n/a` does not make it text. The rows that have the
/// columns are read too: a shape only some rows show is never the one all must have.
fn short_rows_width(data: &[u8], delimiter: u8, headers: &Headers, plan: &ColumnPlan) -> usize {
    let n = headers.len();
    let mut needed = plan.used_columns();
    for &(c, _) in &plan.exclude {
        needed[c] = true;
    }
    let mut widths = vec![0usize; n];
    let (mut texts, mut numbers) = (vec![0usize; n], vec![0usize; n]);
    let mut rows = 0;
    let records = first_records(data, delimiter)
        .filter(|rec| !rec.iter().all(|f| f.trim_ascii().is_empty()))
        .take(TRAILING_DELIMITER_ROWS);
    for rec in records {
        rows += 1;
        if let Some(w) = widths.get_mut(rec.len()) {
            *w += 1;
        }
        for (k, f) in rec.iter().enumerate().take(n) {
            let f = f.trim_ascii();
            texts[k] += usize::from(String::from_utf8_lossy(f).chars().any(char::is_alphabetic));
            numbers[k] += usize::from(!f.is_empty() && f.iter().all(u8::is_ascii_digit));
        }
    }
    // Fewer numbers are the values an unquoted thousands separator split into notes
    // here and there (`1,577`), whose rows are rejected as shifted; so are all of a
    // nameless column's (a header's trailing delimiter names no count).
    let counts = |k: usize| numbers[k] * 10 >= rows;
    let optional = |k: usize| {
        let name = &headers.names[k];
        let notes = is_nameless(name) || (texts[k] > 0 && !counts(k));
        !needed[k] && !headers.spells_a_role(k) && notes
    };
    let floor = (0..n).rposition(|k| !optional(k)).map_or(1, |k| k + 1);
    (floor..n)
        .find(|&w| rows > 0 && widths[w] * 3 >= rows)
        .unwrap_or(n)
}

/// How many data rows [`trailing_delimiter`] reads.
const TRAILING_DELIMITER_ROWS: usize = 50;

/// Excel's first line `sep=;`, which names the delimiter for the lines after it: the
/// delimiter when it is one elaudit reads (`None` for another, which is then detected),
/// and where the line ends.
fn excel_sep_line(text: &[u8]) -> Option<(Option<u8>, usize)> {
    let end = text
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| i + 1);
    // A spreadsheet may quote the line. A tab right after `sep=` is the delimiter it
    // names; trailing space after a named delimiter is not.
    let mut line = &text[..end];
    while let [rest @ .., b'\r' | b'\n'] = line {
        line = rest;
    }
    if let Some(inner) = line.strip_prefix(b"\"").and_then(|l| l.strip_suffix(b"\"")) {
        line = inner;
    }
    let named = line.get(..4).filter(|p| p.eq_ignore_ascii_case(b"sep="))?;
    let after = &line[named.len()..];
    let named = match after.trim_ascii_end() {
        [d @ (b',' | b';')] => Some(*d),
        [] if after.first() == Some(&b'\t') => Some(b'\t'),
        [_] => None,
        _ => return None,
    };
    Some((named, end))
}

/// What a file that is not text is, by its opening bytes, and how to make it text.
fn packed_format(text: &[u8]) -> Option<(&'static str, &'static str)> {
    const FORMATS: [(&[u8], &str, &str); 5] = [
        (
            b"\xFD7zXZ\x00",
            "an xz-compressed file",
            "decompress it first (`xz -d`)",
        ),
        (
            b"BZh",
            "a bzip2-compressed file",
            "decompress it first (`bunzip2`)",
        ),
        (
            b"\x28\xB5\x2F\xFD",
            "a zstd-compressed file",
            "decompress it first (`zstd -d`)",
        ),
        (
            b"PK\x03\x04",
            "a zip archive (or an .xlsx or .ods workbook)",
            "unzip it, or export the sheet as CSV",
        ),
        (
            b"\xD0\xCF\x11\xE0",
            "an old Office file (.xls)",
            "export the sheet as CSV",
        ),
    ];
    if text.starts_with(b"\x1f\x8b") {
        // The gzip layer is already inflated: this is gzip inside gzip.
        return Some((
            "gzip compressed twice",
            "decompress it once (`gzip -dc FILE > OUT`) and audit OUT",
        ));
    }
    if text.starts_with(b"%PDF-") {
        return Some((
            "a PDF document",
            "extract its tables to CSV (`pdftotext -layout`, or Tabula), and check the counts",
        ));
    }
    let opening = text.trim_ascii_start().get(..14).unwrap_or_default();
    let opening = opening.to_ascii_lowercase();
    if opening.starts_with(b"<!doctype html") || opening.starts_with(b"<html") {
        return Some((
            "a web page (HTML)",
            "download the CSV file itself, or save the page's table as CSV",
        ));
    }
    if text.get(257..262) == Some(b"ustar") {
        return Some((
            "a tar archive",
            "unpack it first (`tar -xf FILE`) and audit each CSV inside",
        ));
    }
    let (_, kind, fix) = FORMATS.iter().find(|(magic, ..)| text.starts_with(magic))?;
    // bzip2's magic is text: only its block magic (digits of pi) after it makes it one.
    if kind.contains("bzip2") && text.get(4..10) != Some(b"1AY&SY") {
        return None;
    }
    Some((kind, fix))
}

/// How many records candidate detection reads at most, looking for rows it can use.
const SAMPLE_SCAN_LIMIT: usize = 100_000;

/// Of `,` `\t` `;`, the one that splits the most of the first [`DELIMITER_LINES`] data
/// lines into as many fields as the header (outside quotes), so that a comma inside a
/// tab-separated header's names cannot win; then the most frequent on the header line;
/// ties go to the comma, then the tab.
pub fn detect_delimiter(text: &[u8]) -> u8 {
    let mut lines = text
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|l| !l.trim_ascii().is_empty());
    let header = lines.next().map(delimiter_counts).unwrap_or_default();
    let mut agree = [0usize; 3];
    for line in lines.take(DELIMITER_LINES) {
        let counts = delimiter_counts(line);
        for i in 0..3 {
            agree[i] += usize::from(header[i] > 0 && counts[i] == header[i]);
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if (agree[i], header[i]) > (agree[best], header[best]) {
            best = i;
        }
    }
    [b',', b'\t', b';'][best]
}

/// How many data lines [`detect_delimiter`] reads beside the header.
const DELIMITER_LINES: usize = 50;

/// Commas, tabs and semicolons outside quotes on one line.
fn delimiter_counts(line: &[u8]) -> [usize; 3] {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    counts
}

fn unreadable(path: &str, e: impl std::fmt::Display) -> InputError {
    InputError::Unreadable {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Names the line and column of the first byte that is not UTF-8.
/// `header` is the file's, for a window after it; else the window's first record is.
fn locate_bad_utf8(path: &str, w: &Window, delimiter: u8, header: Option<&[String]>) -> InputError {
    let text = w.text;
    let mut rdr = reader(text, delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut names: Vec<String> = header.map(<[String]>::to_vec).unwrap_or_default();
    let mut first = header.is_none();
    let mut lines = LineCounter::new(text, w.first_line);
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        let line = lines.span(&rec, rdr.position().byte() as usize).first;
        if let Some(k) = rec.iter().position(|f| std::str::from_utf8(f).is_err()) {
            let column = match names.get(k) {
                Some(name) => name.trim().to_string(),
                None if first => format!("header field {}", k + 1),
                None => format!("field {}", k + 1),
            };
            return InputError::NotUtf8 {
                path: path.into(),
                line,
                column,
                gzip: false,
            };
        }
        if first {
            names = rec
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
    let line = w.first_line + text.iter().take(at).filter(|&&b| b == b'\n').count() as u64;
    InputError::NotUtf8 {
        path: path.into(),
        line,
        column: "?".into(),
        gzip: false,
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
        let sample = sample_rows(
            text.split_once('\n').unwrap().1.as_bytes(),
            b',',
            &plan,
            true,
        )
        .unwrap();
        assert_eq!(sample.rows(), 300);
        assert!(sample.bytes() < (1 << 20) + 10_000, "{}", sample.bytes());
    }

    /// Yields at most `step` bytes per read, so that windows end wherever they may.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The whole load, or its error, as text to compare.
    fn outcome(input: &[u8], opts: &LoadOptions, win: Windows, step: usize) -> String {
        let trickle = Trickle { bytes: input, step };
        match load_windowed("x.csv", trickle, opts, win) {
            Ok(d) => format!("{d:?}"),
            Err(e) => format!("error: {e}"),
        }
    }

    const WHOLE: Windows = Windows {
        bytes: usize::MAX / 4,
        piece: usize::MAX / 4,
    };

    /// Reading a window at a time, in pieces or through the CSV reader, gives the same
    /// dataset (or error) as reading the input whole.
    fn same_in_windows(input: &[u8], opts: &LoadOptions) {
        let whole = outcome(input, opts, WHOLE, usize::MAX);
        for bytes in [1, 40, 200] {
            for piece in [1, 7, usize::MAX / 4] {
                for step in [1, 5, 64] {
                    let got = outcome(input, opts, Windows { bytes, piece }, step);
                    let at = got
                        .bytes()
                        .zip(whole.bytes())
                        .take_while(|(a, b)| a == b)
                        .count();
                    let near = |s: &str| {
                        s.get(at.saturating_sub(80)..(at + 120).min(s.len()))
                            .unwrap_or("")
                            .to_string()
                    };
                    assert!(
                        got == whole,
                        "window {bytes}, piece {piece}, reads of {step}, input {:?}:\n got {}\nwant {}",
                        String::from_utf8_lossy(input)
                            .chars()
                            .take(300)
                            .collect::<String>(),
                        near(&got),
                        near(&whole)
                    );
                }
            }
        }
    }

    fn both_modes(input: &[u8]) {
        for multiline_fields in [false, true] {
            for strict in [false, true] {
                let opts = LoadOptions {
                    multiline_fields,
                    strict,
                    ..Default::default()
                };
                same_in_windows(input, &opts);
            }
        }
    }

    #[test]
    fn every_hostile_file_reads_the_same_in_windows() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy();
            if name.ends_with(".csv") || name.ends_with(".csv.gz") {
                both_modes(&std::fs::read(&path).unwrap());
                n += 1;
            }
        }
        assert!(n >= 15, "{n} hostile files");
    }

    #[test]
    fn awkward_text_reads_the_same_in_windows() {
        let cases: [&[u8]; 9] = [
            b"id,region,registered,ballots,A,B\r\ns1,r,100,50,30,20\r\n\r\ns2,r,90,40,20,20\r\n",
            b"id,registered,ballots,A,B\rs1,100,50,30,20\rs2,90,40,20,20\r\rs3,80,40,20,20",
            b"id,registered,ballots,A,B\ns1,100,50,30,20\n\xEF\xBB\xBFs2,90,40,20,20\ns3,9,4,2,2\n",
            b"id,registered,ballots,A,B\ns1,100,50,30,20\n\"s2\n\",90,40,20,20\ns3,9,4,2,2\n\n\n",
            b"id,registered,ballots,A,B\ns1,100,50,30,20\ns2,90,\"40\n\ns3,9,4,2,2\n",
            b"\"id\",\"registered\",\"ballots\",\"A\",\"B\"\n\"s1\",\"100\",\"50\",\"30\",\"20\"\n",
            b"\"id\nx\",registered,ballots,A,B\ns1,100,50,30,20\n",
            b"id,registered,ballots,A,B\ns1,100,50,30,20\ns2,90,40,20,\xff\ns3,9,4,2,2\n",
            b"\n\nid,registered,ballots,A,B\n\n\ns1,100,50,30,20",
        ];
        for case in cases {
            both_modes(case);
        }
    }

    #[test]
    fn a_sample_past_the_first_window_is_read_in_full() {
        // 300 excluded-length rows before any usable one: candidate detection must see past
        // the opening window.
        let mut text = String::from("id,registered,ballots,A,B\n");
        for i in 0..300 {
            text.push_str(&format!("bad{i},1\n"));
        }
        for i in 0..50 {
            text.push_str(&format!("s{i},100,50,30,20\n"));
        }
        same_in_windows(text.as_bytes(), &LoadOptions::default());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        #[test]
        fn random_text_reads_the_same_in_windows(
            body in proptest::collection::vec(
                proptest::sample::select(b"0123456789,,,\"\"\n\n\r -abA\xEF\xBB\xBF\xFF".to_vec()),
                0..300,
            ),
        ) {
            let mut input = b"id,registered,ballots,A,B\n".to_vec();
            input.extend(body);
            both_modes(&input);
        }
    }

    /// Rows made up on the fly, each with a wide comment column: `rows` of them.
    struct Generated {
        rows: usize,
        next: usize,
        pending: Vec<u8>,
    }

    impl Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            while self.pending.is_empty() && self.next <= self.rows {
                self.pending = match self.next {
                    0 => b"id,registered,ballots,A,B,note\n".to_vec(),
                    i => format!("s{i},900,500,300,200,{}\n", "x".repeat(200)).into_bytes(),
                };
                self.next += 1;
            }
            let n = out.len().min(self.pending.len());
            out[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    /// The text held at once stays near the window, however long the input: 60 MB of
    /// rows are read through windows of 1 MB.
    #[test]
    fn memory_follows_the_window_not_the_input() {
        let rows = 250_000;
        let input = Generated {
            rows,
            next: 0,
            pending: Vec::new(),
        };
        let win = Windows {
            bytes: 1 << 20,
            piece: 1 << 17,
        };
        let opts = LoadOptions::default();
        let mut stream = TextStream::open("gen.csv", input).unwrap();
        let data = parse_stream("gen.csv", &mut stream, &opts, win).unwrap();
        assert_eq!(data.stations.len(), rows);
        assert_eq!(data.lines.lines, rows as u64 + 1);
        assert!(stream.peak < 3 << 20, "{} bytes held at once", stream.peak);
    }
}
