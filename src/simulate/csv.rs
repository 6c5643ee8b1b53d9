//! Writing a dataset as the station CSV that `elaudit audit` reads without flags.

use std::io::{self, BufWriter, Write};

use rayon::prelude::*;

use crate::data::Dataset;

/// A field quoted as RFC 4180 asks when it holds a delimiter, quote or line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Stations formatted per parallel job: big enough to amortise the job, small enough
/// that a batch of them stays a few megabytes.
const ROWS_PER_CHUNK: usize = 16_384;
/// Chunks formatted in parallel before they are written, in order.
const CHUNKS_PER_BATCH: usize = 32;

/// Writes `station,region,registered,ballots,valid,invalid,<candidates...>` and one row
/// per station. Missing values (no region, no registered count, a candidate not on the
/// ballot) are written as empty fields. Rows are formatted in parallel chunks and
/// written in station order, so the bytes do not depend on the thread count.
pub fn write_csv(data: &Dataset, w: impl Write) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, w);
    let mut header = vec![
        "station".to_string(),
        "region".into(),
        "registered".into(),
        "ballots".into(),
        "valid".into(),
        "invalid".into(),
    ];
    header.extend(data.candidates.iter().map(|c| field(c)));
    writeln!(w, "{}", header.join(","))?;
    let regions: Vec<String> = data.regions.iter().map(|r| field(r)).collect();
    let n = data.stations.len();
    let chunks: Vec<usize> = (0..n.div_ceil(ROWS_PER_CHUNK)).collect();
    for batch in chunks.chunks(CHUNKS_PER_BATCH) {
        let texts: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|&c| {
                let rows = c * ROWS_PER_CHUNK..((c + 1) * ROWS_PER_CHUNK).min(n);
                let mut out = Vec::with_capacity(rows.len() * 48);
                for i in rows {
                    write_row(data, &regions, i, &mut out);
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

/// Station `i`'s row, line break included.
fn write_row(data: &Dataset, regions: &[String], i: usize, out: &mut Vec<u8>) {
    use std::fmt::Write as _;
    let s = &data.stations[i];
    let mut line = String::with_capacity(64);
    let region = s
        .region
        .and_then(|r| regions.get(r as usize))
        .map(String::as_str)
        .unwrap_or_default();
    // Writing to a String cannot fail.
    let _ = write!(line, "{},{},", field(&s.id), region);
    if let Some(r) = s.registered {
        let _ = write!(line, "{r}");
    }
    let _ = write!(line, ",{},{},{}", s.ballots, s.valid, s.invalid);
    let k = data.n_candidates();
    for j in 0..k {
        let idx = i * k + j;
        match (data.votes.get(idx), data.on_ballot.get(idx)) {
            (Some(v), Some(true)) => {
                let _ = write!(line, ",{v}");
            }
            _ => line.push(','),
        }
    }
    line.push('\n');
    out.extend_from_slice(line.as_bytes());
}
