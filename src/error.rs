//! Errors as types. Each variant is named after the precondition that failed, and its
//! message names the file, line and column where it can, and says how to fix it.

use thiserror::Error;

/// Problems with the input that end the run (exit status 2).
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Any error that ends a run with exit status 2.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("invalid option: {0}")]
    Usage(String),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
