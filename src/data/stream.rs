//! The input as decoded UTF-8 text, read a window at a time: gzip is inflated and the
//! raw bytes hashed as they arrive, so memory follows the window and the stations kept,
//! not the file's size. Only UTF-16, which is rare, is decoded whole.

use std::io::{BufReader, Chain, Cursor, Read};

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::error::InputError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
pub(super) const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
const UTF16LE_BOM: [u8; 2] = [0xFF, 0xFE];
const UTF16BE_BOM: [u8; 2] = [0xFE, 0xFF];
const UTF32LE_BOM: [u8; 4] = [0xFF, 0xFE, 0x00, 0x00];
const UTF32BE_BOM: [u8; 4] = [0x00, 0x00, 0xFE, 0xFF];

/// Bytes asked of the source per read.
const BLOCK: usize = 1 << 20;

/// Hashes every byte read through it: the report's SHA-256 is of the file as stored.
struct Hashing<R> {
    inner: R,
    sha: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.sha.update(&out[..n]);
        Ok(n)
    }
}

/// The raw input, its first bytes (read to recognise gzip) put back in front.
type Raw<R> = BufReader<Chain<Cursor<Vec<u8>>, Hashing<R>>>;

enum Source<R> {
    Plain(Raw<R>),
    Gzip(Box<MultiGzDecoder<Raw<R>>>),
}

impl<R: Read> Source<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(out),
            Source::Gzip(r) => r
                .read(out)
                .map_err(|e| std::io::Error::new(e.kind(), format!("corrupt gzip data: {e}"))),
        }
    }

    fn into_hashing(self) -> Hashing<R> {
        let raw = match self {
            Source::Plain(r) => r,
            Source::Gzip(r) => r.into_inner(),
        };
        raw.into_inner().into_inner().1
    }
}

/// Decoded text not yet consumed, which always starts at a record boundary.
pub(super) struct TextStream<R> {
    src: Source<R>,
    path: String,
    buf: Vec<u8>,
    /// Where each read lands before it joins `buf`.
    scratch: Vec<u8>,
    /// The most text ever pending at once.
    pub peak: usize,
    /// Bytes of `buf` whose bare carriage returns have been converted.
    converted: usize,
    /// Whether the converted text ends inside a quoted field, for [`Self::convert_bare_cr`].
    in_quotes: bool,
    /// Whether the encoding is settled: until then no byte is converted, since a UTF-16
    /// `\r` is followed by a NUL, not by its `\n`.
    decoded: bool,
    eof: bool,
    /// Whether the text consumed so far ends inside a line (no line break after it).
    open_line: bool,
    /// The physical line `buf` starts on.
    pub line: u64,
    pub gzip: bool,
    pub encoding: &'static str,
}

impl<R: Read> TextStream<R> {
    /// Opens `input`: gzip is recognised by its magic bytes, a byte-order mark is
    /// stripped, and UTF-16 is decoded.
    pub fn open(path: &str, input: R) -> Result<Self, InputError> {
        let mut hashing = Hashing {
            inner: input,
            sha: Sha256::new(),
        };
        let mut head = Vec::with_capacity(GZIP_MAGIC.len());
        (&mut hashing)
            .take(GZIP_MAGIC.len() as u64)
            .read_to_end(&mut head)
            .map_err(|e| unreadable(path, e))?;
        let gzip = head.starts_with(&GZIP_MAGIC);
        let raw = BufReader::with_capacity(BLOCK, Cursor::new(head).chain(hashing));
        let src = match gzip {
            true => Source::Gzip(Box::new(MultiGzDecoder::new(raw))),
            false => Source::Plain(raw),
        };
        let mut s = TextStream {
            src,
            path: path.into(),
            buf: Vec::new(),
            scratch: Vec::new(),
            peak: 0,
            converted: 0,
            in_quotes: false,
            decoded: false,
            eof: false,
            open_line: false,
            line: 1,
            gzip,
            encoding: "utf-8",
        };
        s.fill(UTF32LE_BOM.len())?;
        s.decode_opening()?;
        Ok(s)
    }

    fn decode_opening(&mut self) -> Result<(), InputError> {
        // UTF-32LE opens like UTF-16LE; its BOM's two NULs tell it apart.
        if self.buf.starts_with(&UTF32LE_BOM) || self.buf.starts_with(&UTF32BE_BOM) {
            return Err(InputError::NotText {
                path: self.path.clone(),
                kind: "UTF-32 text",
                fix: "elaudit reads UTF-8 and UTF-16; re-encode it as UTF-8 (`iconv -f UTF-32 -t UTF-8 IN > OUT`)",
            });
        }
        if let Some(big) = utf16_order(&self.buf) {
            while !self.eof {
                self.fill(self.buf.len() + BLOCK)?;
            }
            self.buf = from_utf16(&self.path, &self.buf[2..], big)?;
            self.encoding = utf16_name(big);
        } else if self.buf.starts_with(&UTF8_BOM) {
            self.buf.drain(..UTF8_BOM.len());
        }
        self.decoded = true;
        self.converted = 0;
        self.convert_bare_cr();
        Ok(())
    }

    /// Reads until at least `bytes` are pending or the input ends.
    pub fn fill(&mut self, bytes: usize) -> Result<(), InputError> {
        while self.buf.len() < bytes && !self.eof {
            self.scratch.resize(BLOCK, 0);
            let n = loop {
                match self.src.read(&mut self.scratch) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let n = n.map_err(|e| match self.gzip {
                true => InputError::BadGzip {
                    path: self.path.clone(),
                    source: e,
                },
                false => unreadable(&self.path, e),
            })?;
            self.buf.extend_from_slice(&self.scratch[..n]);
            self.peak = self.peak.max(self.buf.len());
            self.eof = n == 0;
            if self.eof {
                // DOS ended text files with Ctrl-Z; it is no part of the last value.
                while self.buf.last() == Some(&0x1A) {
                    self.buf.pop();
                }
            }
            self.convert_bare_cr();
        }
        Ok(())
    }

    /// Reads at least as much again as is pending (for a record longer than the window).
    pub fn grow(&mut self) -> Result<(), InputError> {
        self.fill(2 * self.buf.len().max(BLOCK))
    }

    /// A bare `\r`, which the CSV reader would end a record at, becomes a line break
    /// (`\n`, an old Mac file's), so that physical lines and records are counted alike,
    /// except inside a quoted field, where it is a space: a name pasted with a carriage
    /// return in it then keeps its row whole, and the line numbers are those of `wc -l`.
    /// A `\r` last in the buffer waits for the next byte.
    fn convert_bare_cr(&mut self) {
        if !self.decoded {
            return;
        }
        let end = self.buf.len();
        let mut i = self.converted;
        while i < end {
            match self.buf[i] {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\r' => match (self.buf.get(i + 1), self.buf.get(i + 2)) {
                    (Some(b'\n'), _) => {}
                    (None, _) | (Some(b'\r'), None) if !self.eof => break,
                    // `\r\r\n`, a CRLF converted twice, ends one line, as `wc -l` counts.
                    (Some(b'\r'), Some(b'\n')) => self.buf[i] = b' ',
                    _ => self.buf[i] = if self.in_quotes { b' ' } else { b'\n' },
                },
                _ => {}
            }
            i += 1;
        }
        self.converted = i;
    }

    /// Whether everything left is in [`Self::window`].
    pub fn at_end(&self) -> bool {
        self.eof
    }

    /// The pending text up to its last line break, or all of it at the end of input.
    pub fn window(&self) -> &[u8] {
        if self.eof {
            return &self.buf;
        }
        let done = &self.buf[..self.converted];
        match done.iter().rposition(|&b| b == b'\n') {
            Some(nl) => &self.buf[..=nl],
            None => &[],
        }
    }

    /// Drops the first `n` pending bytes, which end at a record boundary.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        if n > 0 {
            self.open_line = self.buf[n - 1] != b'\n';
        }
        self.line += self.buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        self.buf.drain(..n);
        self.converted -= n.min(self.converted);
    }

    /// Physical lines consumed so far, a last one without a line break included.
    pub fn lines_consumed(&self) -> u64 {
        self.line - 1 + u64::from(self.open_line)
    }

    /// Reads whatever the decoder left unread and returns the SHA-256 of the raw input.
    pub fn finish(self) -> Result<String, InputError> {
        let mut raw = self.src.into_hashing();
        std::io::copy(&mut raw, &mut std::io::sink()).map_err(|e| unreadable(&self.path, e))?;
        Ok(raw
            .sha
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

fn unreadable(path: &str, source: std::io::Error) -> InputError {
    InputError::Unreadable {
        path: path.into(),
        source,
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
    let units = body.chunks_exact(2).map(|c| match big {
        false => u16::from_le_bytes([c[0], c[1]]),
        true => u16::from_be_bytes([c[0], c[1]]),
    });
    let mut out = String::with_capacity(body.len() / 2);
    let mut pairs = 0;
    for (i, unit) in char::decode_utf16(units).enumerate() {
        pairs = match unit.as_ref().is_ok_and(|&c| is_text_pair(c)) {
            true => pairs + 1,
            false => 0,
        };
        if pairs == TEXT_PAIR_RUN {
            let start = out.len()
                - out
                    .chars()
                    .rev()
                    .take(TEXT_PAIR_RUN - 1)
                    .map(char::len_utf8)
                    .sum::<usize>();
            return Err(InputError::EncodingChanges {
                path: path.into(),
                encoding: utf16_name(big),
                line: 1 + out[..start].matches('\n').count() as u64,
            });
        }
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
    if body.len() % 2 == 1 {
        return Err(InputError::TruncatedUtf16 {
            path: path.into(),
            encoding: utf16_name(big),
            line: 1 + out.matches('\n').count() as u64,
        });
    }
    Ok(out.into_bytes())
}

/// Consecutive code units made of two text bytes each past which UTF-16 input is taken
/// for 8-bit text read two bytes at a time. Real UTF-16 text has a NUL or a byte outside
/// printable ASCII in most units: even CJK text, whose units are both printable in
/// about one in seven, does not keep it up this long.
const TEXT_PAIR_RUN: usize = 64;

/// Whether both bytes of `c`'s code unit are printable ASCII, a tab or a line break.
fn is_text_pair(c: char) -> bool {
    let text = |b: u32| b == 0x09 || b == 0x0A || b == 0x0D || (0x20..0x7F).contains(&b);
    let u = c as u32;
    u > 0xFF && u <= 0xFFFF && text(u >> 8) && text(u & 0xFF)
}

/// UTF-16 text without a byte-order mark: NUL in every other byte of its opening.
pub(super) fn looks_like_utf16(text: &[u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn all_text(input: &[u8]) -> (Vec<u8>, TextStream<&[u8]>) {
        let mut s = TextStream::open("x", input).unwrap();
        while !s.at_end() {
            s.grow().unwrap();
        }
        (s.window().to_vec(), s)
    }

    #[test]
    fn bare_carriage_returns_are_line_breaks_outside_quotes() {
        assert_eq!(all_text(b"a\rb\rc\r\nd\r").0, b"a\nb\nc\r\nd\n");
        assert_eq!(all_text(b"a\r\nb").0, b"a\r\nb");
        assert_eq!(all_text(b"a\r\r\nb\r\n").0, b"a \r\nb\r\n");
        assert_eq!(all_text(b"a\r\rb").0, b"a\n\nb");
        // A file of LF lines with a few bare CR line ends, and a CR part after an LF one.
        assert_eq!(all_text(b"h\na\rb\nc\n").0, b"h\na\nb\nc\n");
    }

    #[test]
    fn a_dos_end_of_file_mark_is_no_part_of_the_last_value() {
        assert_eq!(all_text(b"a\nb,180\x1a").0, b"a\nb,180");
        assert_eq!(all_text(b"a\nb,180\n\x1a").0, b"a\nb,180\n");
        assert_eq!(all_text(b"a\x1ab\n").0, b"a\x1ab\n");
    }

    /// Inside a quoted field a `\r` is a space: one row, and `wc -l`'s count.
    #[test]
    fn a_carriage_return_inside_quotes_is_a_space() {
        assert_eq!(all_text(b"a\n\"b\rc\",1\nd\n").0, b"a\n\"b c\",1\nd\n");
        assert_eq!(
            all_text(b"a\r\n\"b\"\"\r\",1\r\n").0,
            b"a\r\n\"b\"\" \",1\r\n"
        );
    }

    #[test]
    fn utf16_is_recognised_with_and_without_a_byte_order_mark() {
        let le: Vec<u8> = "id,A\ns1,5\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut with_bom = UTF16LE_BOM.to_vec();
        with_bom.extend(&le);
        let (text, s) = all_text(&with_bom);
        assert_eq!(text, b"id,A\ns1,5\n");
        assert_eq!(s.encoding, "utf-16le");
        assert!(looks_like_utf16(&le));
    }

    /// A UTF-16 `\r\n` is one line break, as in UTF-8: its `\r` is followed by a NUL
    /// byte, which must not make it a bare `\r` before decoding.
    #[test]
    fn utf16_crlf_is_one_line_break_in_either_byte_order() {
        let text = "id,A\r\ns1,5\r\ns2,6\rs3,7\r\n";
        for big in [false, true] {
            let mut bytes = if big {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in text.encode_utf16() {
                bytes.extend(if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            let (decoded, _) = all_text(&bytes);
            assert_eq!(
                decoded, b"id,A\r\ns1,5\r\ns2,6\ns3,7\r\n",
                "big endian: {big}"
            );
        }
    }

    #[test]
    fn utf16_ending_in_half_a_code_unit_is_an_error_not_a_row() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("id,A\ns1,5\n".encode_utf16().flat_map(u16::to_le_bytes));
        bytes.push(b'x');
        let err = TextStream::open("x", &bytes[..]).err().expect("an error");
        assert!(
            matches!(err, InputError::TruncatedUtf16 { line: 3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("cut short"), "{err}");
    }

    /// The hash is of the stored bytes, gzip or not, read a block at a time.
    #[test]
    fn the_hash_covers_every_stored_byte() {
        let text = b"id,A\ns1,5\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &text).unwrap();
        let gz = gz.finish().unwrap();
        for raw in [&text[..], &gz[..]] {
            let s = TextStream::open("x", raw).unwrap();
            let want: String = Sha256::digest(raw)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(s.finish().unwrap(), want);
        }
    }

    #[test]
    fn windows_end_at_a_line_break_and_consuming_counts_lines() {
        let mut s = TextStream::open("x", &b"a\nb\nc"[..]).unwrap();
        s.fill(2).unwrap();
        assert!(s.window().ends_with(b"\n") || s.at_end());
        s.consume(2);
        assert_eq!(s.line, 2);
    }
}
