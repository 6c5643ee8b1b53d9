//! Writing a dataset as the station CSV that `elaudit audit` reads without flags.

use std::io::{self, BufWriter, Write};

use crate::data::Dataset;

/// A field quoted as RFC 4180 asks when it holds a delimiter, quote or line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes `station,region,registered,ballots,valid,invalid,<candidates...>` and one row
/// per station. Missing values (no region, no registered count, a candidate not on the
/// ballot) are written as empty fields.
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
    let k = data.n_candidates();
    for (i, s) in data.stations.iter().enumerate() {
        let region = s
            .region
            .and_then(|r| data.regions.get(r as usize))
            .map(|r| field(r))
            .unwrap_or_default();
        write!(w, "{},{},", field(&s.id), region)?;
        if let Some(r) = s.registered {
            write!(w, "{r}")?;
        }
        write!(w, ",{},{},{}", s.ballots, s.valid, s.invalid)?;
        for j in 0..k {
            let idx = i * k + j;
            match (data.votes.get(idx), data.on_ballot.get(idx)) {
                (Some(v), Some(true)) => write!(w, ",{v}")?,
                _ => write!(w, ",")?,
            }
        }
        writeln!(w)?;
    }
    w.flush()
}
