//! Station sizes taken from an existing results file, for `elaudit simulate --sizes FILE`.

use thiserror::Error;

use crate::data::{self, LoadOptions, REGISTERED_NAMES, RejectedRow};
use crate::error::InputError;

/// The registered voters of a file's stations, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSizes {
    /// One size per station the loader read.
    pub sizes: Vec<u64>,
    /// Rows the loader rejected; they give no size.
    pub rejected: usize,
}

/// Why a file gave no station sizes. Each message names the file and the fix.
#[derive(Debug, Error)]
pub enum SizesError {
    #[error(
        "{path}: cannot read: {source}. Give the path of a station results file (CSV, TSV \
         or semicolon-separated, plain or gzip)"
    )]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is empty or not UTF-8.
    #[error(transparent)]
    NotText(Box<InputError>),
    /// The loader could not map the file's columns (no candidate columns, …).
    #[error(
        "{source} (--sizes reads the file as `elaudit audit {path}` does, with its columns \
         detected from the header, and takes no column flags: the file must be a full station \
         results file whose header elaudit detects, candidates included; rename its header's \
         columns if they are not detected)"
    )]
    NotAStationFile {
        path: String,
        #[source]
        source: Box<InputError>,
    },
    #[error(
        "{path}: no registered-voters column was found among the columns {columns}; name it \
         one of {names} so that it is detected"
    )]
    NoRegisteredColumn {
        path: String,
        columns: String,
        names: String,
    },
    #[error(
        "{path}: no station row could be read ({rejected} rows rejected{first}); \
         `elaudit audit {path}` lists every rejected row and how to fix it"
    )]
    NoRows {
        path: String,
        rejected: usize,
        /// `, the first at line L: reason`, or empty.
        first: String,
    },
}

/// Reads `path` (`-` for stdin; plain or gzip) with the loader's header detection, as
/// `elaudit audit FILE` would, and returns the registered column of the rows it read.
pub fn sizes_from_file(path: &str) -> Result<FileSizes, SizesError> {
    let data = data::load(path, &LoadOptions::default()).map_err(|e| match e {
        InputError::Unreadable { path, source } => SizesError::Unreadable { path, source },
        e @ (InputError::EmptyInput { .. } | InputError::NotUtf8 { .. }) => {
            SizesError::NotText(Box::new(e))
        }
        other => SizesError::NotAStationFile {
            path: path.to_string(),
            source: Box::new(other),
        },
    })?;
    if !data.roles.registered {
        let columns: Vec<String> = data
            .columns
            .iter()
            .map(|c| format!("'{}'", c.column))
            .collect();
        return Err(SizesError::NoRegisteredColumn {
            path: path.to_string(),
            columns: columns.join(", "),
            names: REGISTERED_NAMES.join(", "),
        });
    }
    let sizes: Vec<u64> = data
        .stations
        .iter()
        .filter_map(|s| s.registered.map(u64::from))
        .collect();
    if sizes.is_empty() {
        let first = data
            .rejected
            .first()
            .map(|r: &RejectedRow| format!(", the first at line {}: {}", r.line, r.reason))
            .unwrap_or_default();
        return Err(SizesError::NoRows {
            path: path.to_string(),
            rejected: data.rejected.len(),
            first,
        });
    }
    Ok(FileSizes {
        sizes,
        rejected: data.rejected.len(),
    })
}
