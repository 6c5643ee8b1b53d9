//! Loading station results: reading bytes, mapping columns to roles, validating rows.
//!
//! [`load`] reads a file (or stdin), [`load_reader`] any reader; both detect gzip,
//! strip a UTF-8 BOM, detect the delimiter, map the columns ([`ColumnSpec`]) and
//! validate every row into a [`Dataset`].

mod columns;
mod reader;
mod station;
mod validate;

pub use columns::{
    BALLOTS_NAMES, CANDIDATE_SAMPLE_ROWS, CODE_LIKE_WORDS, ColumnSpec, ExcludeRule, ID_NAMES,
    INVALID_NAMES, REGION_NAMES, REGISTERED_NAMES, TOML_KEYS, VALID_NAMES, is_code_like,
    split_candidate_list,
};
pub use reader::{LoadOptions, detect_delimiter, load, load_reader};
pub use station::{
    ColumnRole, Dataset, ExclusionCount, RejectedRow, RolePresence, Source, Station,
};
pub use validate::MAX_COUNT;
