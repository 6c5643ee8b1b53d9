//! Batch audits: many elections from one manifest, one comparison table, and shards
//! that merge into the same bytes as one run.
//!
//! `elaudit batch MANIFEST.toml` reads the [`manifest`], audits each election (seeded
//! from the batch seed and the election's name, [`seed`]), writes each report with
//! every [`REPORT_WRITERS`] entry, and records one [`table::Row`] per election in a
//! shard file. A run over all elections (one shard) also writes the comparison table;
//! `elaudit merge` builds the same table from the shard files of several runs.

pub mod figures;
pub mod flags;
pub mod manifest;
mod merge;
mod run;
pub mod seed;
pub mod table;

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::report::{self, Report};

pub use merge::merge;
pub use run::{run_batch, thread_pool};
pub use table::Row;

/// One format of the per-election report: the file extension and its renderer.
pub struct ReportWriter {
    pub extension: &'static str,
    pub render: fn(&Report) -> String,
}

/// The formats each election's report is written in, beside each other; add a renderer
/// here to add one.
pub const REPORT_WRITERS: &[ReportWriter] = &[
    ReportWriter {
        extension: "json",
        render: report::render_json,
    },
    ReportWriter {
        extension: "html",
        render: report::render_html,
    },
];

/// Errors of a batch as a whole (an election's own failure is recorded in its row).
#[derive(Debug, Error)]
pub enum BatchError {
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{manifest}: {message}")]
    Manifest { manifest: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("merge: {0}")]
    Merge(String),
}

/// `--shard I/N`: this run takes the elections whose manifest position k has k mod N = I.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole batch in one run.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the election at manifest position `k` belongs to this shard.
    pub fn takes(self, k: usize) -> bool {
        k % self.count == self.index
    }

    /// The shard file's name, `shard-I-of-N.json`.
    pub fn file_name(self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = s
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index < count => Ok(Shard { index, count }),
            _ => Err(format!(
                "'{s}' is not a shard: give I/N with I from 0 to N-1, e.g. 0/4 \
                 (Slurm: $SLURM_ARRAY_TASK_ID/N)"
            )),
        }
    }
}

/// What a batch run records for merging: the rows of its elections and which of the
/// manifest's elections it was one part of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    pub shard: Shard,
    /// Every election of the manifest, by name, sorted.
    pub elections: Vec<String>,
    /// This shard's rows, sorted by name.
    pub rows: Vec<Row>,
}

/// Options of one batch run, as the command line gives them.
#[derive(Debug, Clone)]
pub struct BatchRun {
    pub manifest: PathBuf,
    pub shard: Shard,
    /// Overrides the manifest's `output`.
    pub output: Option<PathBuf>,
    pub threads: Option<usize>,
    pub quiet: bool,
}

/// Exit status over rows: 2 if any failed, else 1 if any was flagged, else 0.
/// The line a failed election prints, in `batch` as in `merge`: a failure must not pass
/// unseen.
pub(crate) fn failure_line(name: &str, err: &str) -> String {
    crate::report::printable(format!("elaudit: election '{name}' failed: {err}"))
}

pub fn exit_status(rows: &[Row]) -> u8 {
    if rows.iter().any(|r| r.error.is_some()) {
        2
    } else if rows.iter().any(|r| r.flagged) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_by_position() {
        let s: Shard = "1/3".parse().unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        assert_eq!((0..7).filter(|&k| s.takes(k)).collect::<Vec<_>>(), [1, 4]);
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard::ALL.file_name(), "shard-0-of-1.json");
    }
}
