//! Loading station results: reading bytes, mapping columns to roles, validating rows.

mod columns;
mod reader;
mod station;
mod validate;

pub use columns::{ColumnSpec, ExcludeRule};
pub use reader::{load, LoadOptions};
pub use station::{ColumnRole, Dataset, ExclusionCount, RejectedRow, RolePresence, Source, Station};
