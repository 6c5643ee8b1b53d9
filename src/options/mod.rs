//! Flags turned into checked options. Each numeric range is checked as clap reads the flag
//! ([`ranges`]); what depends on several flags, or on a file, is checked here. Errors are
//! types ([`OptionError`]), so that `app` only dispatches.

mod audit;
pub mod ranges;
mod simulate;

use thiserror::Error;

use crate::error::InputError;
use crate::simulate::{SizesError, SpecError};

pub use audit::{AuditSettings, recorded_command};
pub use simulate::{HeterogeneityFlagError, election_spec};

/// Options that cannot run together, or that name what does not exist (exit status 2).
#[derive(Debug, Error)]
pub enum OptionError {
    #[error(
        "{flag}: unknown check '{id}'; the checks are: {known} (`elaudit checks` describes them)"
    )]
    UnknownCheck {
        flag: &'static str,
        id: String,
        known: String,
    },
    #[error("--skip names no check: give the ids of the checks to skip ({known}), or leave it out")]
    EmptySkip { known: String },
    #[error(
        "{why}, so there is nothing to run. The checks are: {known} \
         (`elaudit checks` describes them)"
    )]
    NoCheckToRun {
        /// Which flags left nothing, as written.
        why: String,
        known: String,
    },
    #[error(
        "--fingerprint-binning per-region: the paper model compares one national \
         histogram; drop one of the two flags"
    )]
    PaperModelPerRegion,
    #[error(
        "--by-region needs a region column: map one with --region COL (or `region` in --columns)"
    )]
    ByRegionWithoutRegions,
    #[error(
        "{first} and {second} are the same file ({path}): writing one would overwrite the \
         other; give each its own path"
    )]
    SameFile {
        first: &'static str,
        second: &'static str,
        path: String,
    },
    #[error("{flag}: the value is empty; give {what} (or drop the flag to use the default)")]
    EmptyValue { flag: String, what: &'static str },
    #[error("--exclude: {0}")]
    Exclude(#[source] InputError),
    #[error("--sizes: {0}")]
    Sizes(#[from] SizesError),
    #[error(
        "--shares: '{item}' is not a number; give a comma list of shares of valid votes \
         that sum to 1, the winner first, e.g. --shares 0.6,0.3,0.1"
    )]
    ShareNotANumber { item: String },
    #[error(
        "--shares: the first share is the winner's and must be the largest, but share \
         {position} ({share}) is above it ({first}); list the winner first"
    )]
    WinnerNotFirst {
        /// 1-based position in the list.
        position: usize,
        share: f64,
        first: f64,
    },
    /// A malformed `--subpopulations` or `--size-gradient`.
    #[error(transparent)]
    Heterogeneity(#[from] simulate::HeterogeneityFlagError),
    /// The simulated election's spec failed validation; each problem is named by its flag.
    #[error("{}", simulate::by_flag(.0))]
    ElectionSpec(SpecError),
}
