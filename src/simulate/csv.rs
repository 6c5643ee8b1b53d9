//! Writing a dataset as the station CSV that `elaudit audit` reads without flags.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};

use rayon::prelude::*;

use crate::data::Dataset;

/// A field quoted as RFC 4180 asks when it holds a delimiter, quote or line break;
/// borrowed as it is otherwise, so that the usual field costs no allocation.
fn field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// Stations formatted per parallel job: big enough to amortise the job, small enough
/// that a batch of them stays a few megabytes.
const ROWS_PER_CHUNK: usize = 16_384;
/// Chunks formatted in parallel before they are written, in order.
const CHUNKS_PER_BATCH: usize = 32;

/// Writes `station,region,registered,ballots,valid,invalid,<candidates...>` (with
/// `locality` after `region` when the dataset has localities) and one row
/// per station. Missing values (no region, no registered count, a candidate not on the
/// ballot) are written as empty fields. Rows are formatted in parallel chunks and
/// written in station order, so the bytes do not depend on the thread count.
pub fn write_csv(data: &Dataset, w: impl Write) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, w);
    let has_localities = !data.localities.is_empty();
    // A dataset without region names (`--no-region-column`) gets no region column.
    let has_regions = !data.regions.is_empty();
    let mut header = vec!["station".to_string()];
    if has_regions {
        header.push("region".into());
    }
    if has_localities {
        header.push("locality".into());
    }
    header.extend([
        "registered".into(),
        "ballots".into(),
        "valid".into(),
        "invalid".into(),
    ]);
    header.extend(data.candidates.iter().map(|c| field(c).into_owned()));
    writeln!(w, "{}", header.join(","))?;
    let regions: Vec<String> = data.regions.iter().map(|r| field(r).into_owned()).collect();
    let localities: Vec<String> = data
        .localities
        .iter()
        .map(|r| field(r).into_owned())
        .collect();
    let groups = (regions.as_slice(), localities.as_slice());
    let n = data.stations.len();
    let n_chunks = n.div_ceil(ROWS_PER_CHUNK);
    for first in (0..n_chunks).step_by(CHUNKS_PER_BATCH) {
        let texts: Vec<Vec<u8>> = (first..(first + CHUNKS_PER_BATCH).min(n_chunks))
            .into_par_iter()
            .map(|c| {
                let rows = c * ROWS_PER_CHUNK..((c + 1) * ROWS_PER_CHUNK).min(n);
                let mut out = Vec::with_capacity(rows.len() * 48);
                for i in rows {
                    write_row(data, groups, i, &mut out);
                }
                out
            })
            .collect();
        for t in texts {
            w.write_all(&t)?;
        }
    }
    w.flush()
}

/// Station `i`'s row, line break included, appended to `out` (writing to a `Vec`
/// cannot fail).
fn write_row(data: &Dataset, groups: (&[String], &[String]), i: usize, out: &mut Vec<u8>) {
    let (regions, localities) = groups;
    let s = &data.stations[i];
    out.extend_from_slice(field(&s.id).as_bytes());
    out.push(b',');
    if !regions.is_empty() {
        if let Some(r) = s.region.and_then(|r| regions.get(r as usize)) {
            out.extend_from_slice(r.as_bytes());
        }
        out.push(b',');
    }
    if !localities.is_empty() {
        if let Some(l) = s.locality.and_then(|l| localities.get(l as usize)) {
            out.extend_from_slice(l.as_bytes());
        }
        out.push(b',');
    }
    if let Some(r) = s.registered {
        let _ = write!(out, "{r}");
    }
    let _ = write!(out, ",{},{},{}", s.ballots, s.valid, s.invalid);
    let k = data.n_candidates();
    for j in 0..k {
        let idx = i * k + j;
        match (data.votes.get(idx), data.on_ballot.get(idx)) {
            (Some(v), Some(true)) => {
                let _ = write!(out, ",{v}");
            }
            _ => out.push(b','),
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{ElectionSpec, simulate};

    #[test]
    fn fields_with_delimiters_or_quotes_are_quoted_and_rows_keep_their_width() {
        let mut data = simulate(&ElectionSpec::clean(3), 1).dataset;
        data.stations[0].id = "S,1".into();
        data.regions[0] = "North \"A\"".into();
        data.stations[0].region = Some(0);
        let mut out = Vec::new();
        write_csv(&data, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"S,1\",\"North \"\"A\"\"\","), "{text}");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let width = reader.headers().unwrap().len();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.len() == width));
        assert_eq!(&rows[0][0], "S,1");
        assert_eq!(&rows[0][1], "North \"A\"");
        // Plain fields are borrowed, not copied.
        assert!(matches!(field("S0001"), Cow::Borrowed("S0001")));
    }
}
