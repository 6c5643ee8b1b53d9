//! Loading station results: reading bytes, mapping columns to roles, validating rows.
//!
//! [`load`] reads a file (or stdin), [`load_reader`] any reader; both detect gzip,
//! decode (UTF-8 with or without a byte-order mark, UTF-16 with one), detect the
//! delimiter, map the columns ([`ColumnSpec`]) and validate every row into a
//! [`Dataset`] whose [`LineAccount`] says where every physical line went.
//!
//! `stream` turns the input into decoded text a window at a time, `reader` settles the
//! header and the column plan and feeds each window to `records`, which cuts it into
//! records (in parallel pieces when it has no quotes); `validate` reads each record and
//! `assemble` joins the pieces' results in order, leaving out the rows that `double_counts`
//! finds would count stations twice (totals without a total word, blocks entered twice).

mod assemble;
mod cells;
mod columns;
mod double_counts;
mod reader;
mod records;
mod station;
mod stream;
mod totals;
mod validate;

pub use assemble::MIN_LATER_STATIONS;
pub use cells::MAX_COUNT;
pub use columns::{
    BALLOTS_NAMES, CANDIDATE_SAMPLE_ROWS, CODE_LIKE_WORDS, CandidateSpec, ColumnSpec, ExcludeRule,
    ID_NAMES, INVALID_NAMES, REGION_NAMES, REGISTERED_NAMES, TOML_KEYS, VALID_NAMES, has_blank,
    is_code_like, split_candidate_list,
};
pub use reader::{LoadOptions, detect_delimiter, load, load_reader};
pub use station::{
    ColumnRole, Dataset, ExclusionCount, GroupRef, LaterCounts, LeftOutColumn, LineAccount,
    RejectedRow, RepeatedRow, RolePresence, Source, Station, StationIds,
};
pub use validate::COUNT_COLUMN_SHARE;
