//! Writing a dataset as the station CSV that `elaudit audit` reads without flags.

use std::io::{self, BufWriter, Write};

use rayon::prelude::*;

use crate::data::Dataset;

/// Stations formatted per parallel job: big enough to amortise the job, small enough
/// that a batch of them stays a few megabytes.
const ROWS_PER_CHUNK: usize = 16_384;
/// Chunks formatted in parallel before they are written, in order.
const CHUNKS_PER_BATCH: usize = 32;

/// Writes `station,region,registered,ballots,valid,invalid,<candidates...>` (with
/// `locality` after `region` when the dataset has localities, and no `region` when it
/// has no region names) and one row
/// per station. Missing values (no region, no registered count, a candidate not on the
/// ballot) are written as empty fields. Rows are formatted in parallel chunks and
/// written in station order, so the bytes do not depend on the thread count.
pub fn write_csv(data: &Dataset, w: impl Write) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, w);
    let has_localities = !data.localities.is_empty();
    // A dataset without region names (`--no-region-column`) gets no region column.
    let mut header = vec!["station"];
    if !data.regions.is_empty() {
        header.push("region");
    }
    if has_localities {
        header.push("locality");
    }
    header.extend(["registered", "ballots", "valid", "invalid"]);
    header.extend(data.candidates.iter().map(String::as_str));
    let mut head = csv::Writer::from_writer(Vec::new());
    head.write_record(&header)?;
    w.write_all(&head.into_inner().map_err(|e| e.into_error())?)?;
    let n = data.stations.len();
    let n_chunks = n.div_ceil(ROWS_PER_CHUNK);
    for first in (0..n_chunks).step_by(CHUNKS_PER_BATCH) {
        let texts: Vec<io::Result<Vec<u8>>> = (first..(first + CHUNKS_PER_BATCH).min(n_chunks))
            .into_par_iter()
            .map(|c| {
                let rows = c * ROWS_PER_CHUNK..((c + 1) * ROWS_PER_CHUNK).min(n);
                let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 48));
                let mut num = Vec::with_capacity(24);
                for i in rows {
                    write_row(data, i, &mut out, &mut num)?;
                }
                out.into_inner().map_err(|e| e.into_error())
            })
            .collect();
        for t in texts {
            w.write_all(&t?)?;
        }
    }
    w.flush()
}

/// The name at index `k`, or "" when there is none.
fn name(names: &[String], k: Option<u32>) -> &str {
    k.and_then(|k| names.get(k as usize))
        .map(String::as_str)
        .unwrap_or("")
}

/// A number as a field, formatted in `buf` (reused, so that a row costs no allocation).
fn number(out: &mut csv::Writer<Vec<u8>>, buf: &mut Vec<u8>, x: Option<u64>) -> csv::Result<()> {
    buf.clear();
    if let Some(x) = x {
        let _ = write!(buf, "{x}");
    }
    out.write_field(&buf[..])
}

/// Station `i`'s row, through the csv crate's writer (which quotes where RFC 4180 asks).
fn write_row(
    data: &Dataset,
    i: usize,
    out: &mut csv::Writer<Vec<u8>>,
    buf: &mut Vec<u8>,
) -> csv::Result<()> {
    let s = &data.stations[i];
    out.write_field(data.id(i))?;
    if !data.regions.is_empty() {
        out.write_field(name(&data.regions, s.region.get()))?;
    }
    if !data.localities.is_empty() {
        out.write_field(name(&data.localities, s.locality.get()))?;
    }
    number(out, buf, s.registered.map(u64::from))?;
    for x in [s.ballots, s.valid, s.invalid] {
        number(out, buf, Some(x.into()))?;
    }
    let k = data.n_candidates();
    for j in 0..k {
        let idx = i * k + j;
        let v = match (data.votes.get(idx), data.on_ballot.get(idx)) {
            (Some(&v), Some(true)) => Some(v.into()),
            _ => None,
        };
        number(out, buf, v)?;
    }
    out.write_record(None::<&[u8]>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{ElectionSpec, simulate};

    #[test]
    fn fields_with_delimiters_or_quotes_are_quoted_and_rows_keep_their_width() {
        let mut data = simulate(&ElectionSpec::clean(3), 1).dataset;
        let mut ids = crate::data::StationIds::default();
        for (i, id) in data.ids.iter().enumerate() {
            ids.push(if i == 0 { "S,1" } else { id });
        }
        data.ids = ids;
        data.regions[0] = "North \"A\"".into();
        data.stations[0].region = Some(0).into();
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
    }
}
