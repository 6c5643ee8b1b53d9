//! Reading bytes: files or stdin, plain or gzip, delimiter detection.

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
}

/// Reads and validates `path` (`-` for stdin).
pub fn load(path: &str, _opts: &LoadOptions) -> Result<Dataset, InputError> {
    Err(InputError::Unreadable {
        path: path.into(),
        source: std::io::Error::other("not implemented yet"),
    })
}
