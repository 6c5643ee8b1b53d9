//! Reading one cell: counts, missing-value tokens, thousands separators, and why a
//! cell is not a count.

use super::ColumnSpec;
use crate::error::InputError;

/// The largest count accepted in a cell or a row's sum of a role: 2^32 − 1. Larger
/// values are rejected as `count-overflow`: no polling station has four billion
/// voters, and the cap lets every count be stored in 32 bits.
pub const MAX_COUNT: u64 = u32::MAX as u64;

/// How cells are read: missing-value tokens and the thousands separator.
#[derive(Debug, Clone)]
pub(super) struct ValueFormat {
    /// Trimmed NA tokens; an empty cell is always missing.
    pub(super) na: Vec<Vec<u8>>,
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
    /// A count written like `2.000`, read as 2 through its decimal zeros, though `.`
    /// may group thousands there (1–3 digits, then exactly three zeros).
    DotZeros(u64),
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
                option: spec.given_by("thousands", "--thousands"),
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
            } else if sep.trim().chars().count() > 1 {
                return Err(bad(
                    "a thousands separator is one character; use e.g. '.', ',' or ' ' \
                     (quoted for the shell: --thousands '.')",
                ));
            } else {
                let sep = sep.trim();
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

    /// Stops reading `2.000` as 2: where other cells group thousands with `.`, it is
    /// 2,000 as likely, and reading it as 2 would misread the row in silence.
    pub fn refuse_decimal_zeros(&mut self) {
        self.decimal_zeros = false;
    }

    /// Reads one raw cell.
    #[inline]
    pub fn read(&self, raw: &[u8]) -> Cell {
        // The common case first, in one pass: up to 9 plain digits (never above
        // MAX_COUNT), when no NA token is plain digits.
        let t = raw.trim_ascii();
        if !self.na_digits && !t.is_empty() && t.len() <= 9 {
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
        if let Some(ascii) = ascii_digits(v) {
            return self.read_slow(&ascii);
        }
        // Spreadsheets mark a number kept as text with a leading apostrophe ('500).
        let v = match v.split_first() {
            Some((b'\'', rest)) if rest.first().is_some_and(u8::is_ascii_digit) => rest,
            _ => v,
        };
        match v.split_first() {
            Some((b'-', rest)) => match self.magnitude(rest) {
                Cell::Count(0) | Cell::DotZeros(0) => Cell::Count(0),
                Cell::Count(_) | Cell::DotZeros(_) | Cell::Overflow => Cell::Negative,
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
                if !grouped && group <= 3 && frac.len() == 3 {
                    return Cell::DotZeros(value);
                }
                break;
            } else if b == b',' {
                // A decimal comma's zeros (`58,0`, `58,00`); three digits would be
                // thousands, which only --thousands ',' reads.
                let frac = &s[i + 1..];
                if group == 0 || !(1..=2).contains(&frac.len()) || frac.iter().any(|&c| c != b'0') {
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

/// Digits of other scripts (Arabic-Indic, Persian, Devanagari, Bengali, full-width) and
/// the minus sign U+2212 in their ASCII form; `None` when the cell holds none of them.
/// Results published in Arabic or Persian script write counts so.
fn ascii_digits(v: &[u8]) -> Option<Vec<u8>> {
    // The lead bytes of those digits and the sign: other text (Cyrillic, accents) skips.
    if !v
        .iter()
        .any(|b| matches!(b, 0xD9 | 0xDB | 0xE0 | 0xE2 | 0xEF))
    {
        return None;
    }
    let s = std::str::from_utf8(v).ok()?;
    let mut changed = false;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let zero = match c {
            '\u{0660}'..='\u{0669}' => 0x0660,
            '\u{06F0}'..='\u{06F9}' => 0x06F0,
            '\u{0966}'..='\u{096F}' => 0x0966,
            '\u{09E6}'..='\u{09EF}' => 0x09E6,
            '\u{FF10}'..='\u{FF19}' => 0xFF10,
            '\u{2212}' => {
                changed = true;
                out.push('-');
                continue;
            }
            _ => {
                out.push(c);
                continue;
            }
        };
        changed = true;
        out.push(char::from(b'0' + (c as u32 - zero) as u8));
    }
    changed.then(|| out.into_bytes())
}

/// Trims ASCII and Unicode white space (NBSP included).
pub(super) fn trim(raw: &[u8]) -> &[u8] {
    let mut t = raw.trim_ascii();
    // A byte-order mark inside the text starts a joined file or gzip member; it is no
    // part of the value.
    while let Some(rest) = t.strip_prefix(b"\xEF\xBB\xBF") {
        t = rest.trim_ascii();
    }
    // A spreadsheet's guard that keeps `001` as text: `="001"`.
    if let Some(inner) = t.strip_prefix(b"=\"").and_then(|r| r.strip_suffix(b"\"")) {
        t = inner.trim_ascii();
    }
    if t.first().is_some_and(|b| !b.is_ascii()) || t.last().is_some_and(|b| !b.is_ascii()) {
        if let Ok(s) = std::str::from_utf8(t) {
            return s
                .trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
                .as_bytes();
        }
    }
    t
}

#[cfg(test)]
#[test]
fn a_spreadsheet_text_guard_is_no_part_of_the_value() {
    assert_eq!(trim(br#"="001""#), b"001");
    assert_eq!(trim(br#" ="1 348" "#), b"1 348");
    assert_eq!(trim(br#"=A1"#), b"=A1");
}

/// Characters that take no room on screen (zero-width spaces and joiners, the word
/// joiner, a byte-order mark): pasted from web pages, they make `S6` and `S6\u{200B}` two
/// stations that look the same.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The separator a cell seems to group thousands with, as in `1.348`, `12,500` or
/// `1 234 567`: one to three digits, then groups of three after one repeated separator.
pub(super) fn grouping_separator(raw: &[u8]) -> Option<&'static str> {
    // The Swiss typographic apostrophe and the Arabic thousands separator besides.
    const SEPARATORS: [&str; 9] = [
        ".", ",", "'", " ", "\u{a0}", "\u{202f}", "\u{2009}", "\u{2019}", "\u{66c}",
    ];
    let trimmed = trim(raw);
    let ascii = ascii_digits(trimmed);
    let s = std::str::from_utf8(ascii.as_deref().unwrap_or(trimmed)).ok()?;
    let lead = s.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=3).contains(&lead) {
        return None;
    }
    let rest = &s[lead..];
    let sep = SEPARATORS.into_iter().find(|sep| rest.starts_with(sep))?;
    let mut groups = rest.split(sep).skip(1);
    let all_groups = rest.starts_with(sep)
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    all_groups.then_some(sep)
}

/// What to pass when cells group thousands with `sep`.
pub(super) fn separator_hint(sep: &str) -> String {
    match sep {
        "." | "," => format!("if '{sep}' groups thousands, pass --thousands '{sep}'"),
        // Quoted for the shell, where a lone ' opens a string.
        "'" => "if \"'\" groups thousands, pass --thousands \"'\"".to_string(),
        "\u{2019}" | "\u{66c}" => format!("if '{sep}' groups thousands, pass --thousands '{sep}'"),
        _ => "if spaces group thousands, pass --thousands ' '".to_string(),
    }
}

/// `s` cut to `max_chars` characters, with `…` where it was cut.
pub(super) fn shorten(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

pub(super) fn text(raw: &[u8]) -> &str {
    std::str::from_utf8(trim(raw)).unwrap_or("")
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
    fn grouped_cells_name_their_separator() {
        assert_eq!(grouping_separator(b"1.348"), Some("."));
        assert_eq!(grouping_separator(b" 12,500 "), Some(","));
        assert_eq!(
            grouping_separator("1\u{a0}234\u{a0}567".as_bytes()),
            Some("\u{a0}")
        );
        assert_eq!(grouping_separator(b"1'234"), Some("'"));
        assert_eq!(
            grouping_separator("1\u{2019}234".as_bytes()),
            Some("\u{2019}")
        );
        // Arabic-Indic digits with the Arabic thousands separator.
        let arabic = "\u{661}\u{66c}\u{662}\u{663}\u{664}";
        assert_eq!(grouping_separator(arabic.as_bytes()), Some("\u{66c}"));
        assert_eq!(grouping_separator(b"2.000"), Some("."));
        for not in [
            "1234.000",
            "1.34",
            "1.3480",
            "1.348,5",
            "1.234,567",
            ".348",
            "12.5",
            "abc",
        ] {
            assert_eq!(grouping_separator(not.as_bytes()), None, "{not}");
        }
        assert_eq!(grouping_separator(b"1.348"), Some("."));
        assert_eq!(grouping_separator(b"1 348"), Some(" "));
        let mut f = fmt(None, None);
        assert_eq!(f.read(b"2.000"), Cell::DotZeros(2));
        assert_eq!(f.read(b"2.00"), Cell::Count(2));
        assert_eq!(f.read(b"1234.000"), Cell::Count(1234));
        assert_eq!(f.read(b"-0.000"), Cell::Count(0));
        assert_eq!(f.read(b"-2.000"), Cell::Negative);
        assert_eq!(f.read("۵۸".as_bytes()), Cell::Count(58));
        assert_eq!(f.read("١٢٣٠".as_bytes()), Cell::Count(1230));
        assert_eq!(f.read("４２".as_bytes()), Cell::Count(42));
        assert_eq!(f.read("\u{2212}222".as_bytes()), Cell::Negative);
        assert_eq!(f.read("۵x".as_bytes()), Cell::NotInteger);
        f.refuse_decimal_zeros();
        assert_eq!(f.read(b"2.000"), Cell::NotInteger);
        assert_eq!(f.read(b"2"), Cell::Count(2));
    }

    #[test]
    fn cells_read_as_counts_or_say_why_not() {
        let f = fmt(None, None);
        assert_eq!(f.read(b" 42 "), Cell::Count(42));
        assert_eq!(f.read(b"42.00"), Cell::Count(42));
        assert_eq!(f.read(b"58,0"), Cell::Count(58));
        assert_eq!(f.read(b"58,00"), Cell::Count(58));
        assert_eq!(f.read(b"58,000"), Cell::NotInteger);
        assert_eq!(f.read(b"58,5"), Cell::NotInteger);
        assert_eq!(f.read(b",0"), Cell::NotInteger);
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
        assert_eq!(f.read(b"4294967295"), Cell::Count(MAX_COUNT));
        assert_eq!(f.read(b"4294967296"), Cell::Overflow);
        assert_eq!(f.read(b"4.294.967.296"), Cell::NotInteger);
        assert_eq!(f.read(b"999999999"), Cell::Count(999_999_999));
        assert_eq!(f.read(b"99999999999999999999999"), Cell::Overflow);
        assert_eq!(f.read("\u{a0}12\u{a0}".as_bytes()), Cell::Count(12));
        // A spreadsheet's text mark before digits, and only there.
        assert_eq!(f.read(b"'500"), Cell::Count(500));
        assert_eq!(f.read(b" '1.413"), Cell::NotInteger);
        assert_eq!(f.read(b"'-5"), Cell::NotInteger);
        assert_eq!(f.read(b"''5"), Cell::NotInteger);
        assert_eq!(f.read(b"'"), Cell::NotInteger);
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
        assert_eq!(dot.read(b"1.234,00"), Cell::Count(1234));
        assert_eq!(dot.read(b"1.23,00"), Cell::NotInteger);
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
