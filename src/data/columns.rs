//! Column roles: from flags, from a `--columns` TOML file, or recognised from the header.

/// `--exclude COL=VALUE`: rows whose COL equals VALUE are left out and counted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExcludeRule {
    pub column: String,
    pub value: String,
}

/// The requested mapping of header names to roles. Empty lists mean "not given".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnSpec {
    pub id: Vec<String>,
    pub region: Vec<String>,
    pub registered: Vec<String>,
    pub ballots: Vec<String>,
    pub valid: Vec<String>,
    pub invalid: Vec<String>,
    pub candidates: Vec<String>,
    pub winner: Option<String>,
    /// `None` means the default tokens: empty and `NA`.
    pub na: Option<Vec<String>>,
    pub thousands: Option<String>,
    pub exclude: Vec<ExcludeRule>,
}
