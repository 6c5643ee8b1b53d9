//! Command-line flags, parsed as written. [`crate::app`] turns them into checked options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// elaudit: statistical fingerprints of election manipulation in polling-station results.
///
/// A flag is evidence of a statistical anomaly, not proof of fraud.
#[derive(Debug, Parser)]
#[command(name = "elaudit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a file of polling-station results (exit 0: nothing flagged, 1: flagged, 2: error).
    Audit(Box<AuditArgs>),
    /// Write a simulated election as a station CSV that `elaudit audit` reads without flags.
    Simulate(SimulateArgs),
    /// List the checks, in report order.
    Checks,
}

/// Output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Station results: CSV, TSV or semicolon-separated, plain or gzip; `-` reads stdin.
    pub file: String,

    /// Station id column; give several times to join columns into one key.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub id: Vec<String>,
    /// Region column; give several times to join columns into one key.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub region: Vec<String>,
    /// Registered voters column; give several times to sum columns.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub registered: Vec<String>,
    /// Ballots cast column; give several times to sum columns (e.g. early + inside + outside).
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub ballots: Vec<String>,
    /// Valid ballots column; give several times to sum columns.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub valid: Vec<String>,
    /// Invalid ballots column; give several times to sum columns.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub invalid: Vec<String>,
    /// A candidate's vote column (repeatable; use this for names that contain commas).
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub candidate: Vec<String>,
    /// Candidate columns as a comma list; commas inside double quotes do not split.
    #[arg(long, value_name = "A,B,C", help_heading = "Columns")]
    pub candidates: Option<String>,
    /// The winner (default: the candidate with the most votes).
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub winner: Option<String>,
    /// A TOML file with the column mapping; flags override it key by key.
    #[arg(long, value_name = "FILE", help_heading = "Columns")]
    pub columns: Option<PathBuf>,

    /// A token that marks a missing value (repeatable; default: empty and NA).
    #[arg(long, value_name = "TOKEN", help_heading = "Values")]
    pub na: Vec<String>,
    /// Thousands separator inside numbers, e.g. `.` for 1.413.
    #[arg(long, value_name = "SEP", help_heading = "Values")]
    pub thousands: Option<String>,
    /// Leave out rows whose COL equals VALUE (repeatable); counted by rule in the report.
    #[arg(long, value_name = "COL=VALUE", help_heading = "Values")]
    pub exclude: Vec<String>,
    /// Field delimiter: `,`, `;` or `tab` (default: detected from the header line).
    #[arg(long, value_name = "D", help_heading = "Values")]
    pub delimiter: Option<String>,
    /// Make the first unreadable row fatal (exit 2) instead of listing it.
    #[arg(long, help_heading = "Values")]
    pub strict: bool,

    /// Significance level for flags, after Holm's adjustment.
    #[arg(long, default_value_t = 0.01, help_heading = "Checks")]
    pub alpha: f64,
    /// Seed of every random stream; the same seed gives the same report.
    #[arg(long, default_value_t = 42, help_heading = "Checks")]
    pub seed: u64,
    /// Run only these checks (comma list of ids; see `elaudit checks`).
    #[arg(long, value_name = "IDS", help_heading = "Checks")]
    pub checks: Option<String>,
    /// Skip these checks (comma list of ids).
    #[arg(long, value_name = "IDS", help_heading = "Checks")]
    pub skip: Option<String>,
    /// Smallest count the last-digit test reads; 0 takes every count, zeros included.
    #[arg(long, default_value_t = 100, help_heading = "Checks")]
    pub last_digit_min: u64,
    /// Also run every applicable check inside each region, adjust across regions
    /// (Benjamini-Hochberg) and rank the regions.
    #[arg(long, help_heading = "Checks")]
    pub by_region: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", help_heading = "Checks")]
    pub threads: Option<usize>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Also write one row per station (turnout, shares, integer flags, fingerprint cell,
    /// anomaly score) to this CSV file.
    #[arg(long, value_name = "FILE.csv", help_heading = "Output")]
    pub stations_out: Option<PathBuf>,
    /// No progress output on stderr.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Start from a preset election shape.
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Number of stations (default: the preset's, or 10,000).
    #[arg(long)]
    pub stations: Option<usize>,
    /// Number of regions, each with its own random effects (default: the preset's, or 10).
    #[arg(long)]
    pub regions: Option<usize>,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of stations whose counts are invented with a human preference for last digits 0 and 5.
    #[arg(long, default_value_t = 0.0, help_heading = "Planted irregularities")]
    pub invented_counts: f64,
    /// Share of stations whose turnout and winner share are pushed up to whole percentages.
    #[arg(long, default_value_t = 0.0, help_heading = "Planted irregularities")]
    pub integer_percent: f64,
    /// Klimek et al. incremental fraud probability f_i.
    #[arg(long, default_value_t = 0.0, help_heading = "Planted irregularities")]
    pub incremental: f64,
    /// Klimek et al. extreme fraud probability f_e.
    #[arg(long, default_value_t = 0.0, help_heading = "Planted irregularities")]
    pub extreme: f64,
    /// Scale θ of the incremental fraud intensity |N(0, θ)|.
    #[arg(long, default_value_t = 0.15, help_heading = "Planted irregularities")]
    pub theta: f64,
    /// Stealing exponent of the Klimek model (not `alpha`, which is the significance level).
    #[arg(long, default_value_t = 1.0, help_heading = "Planted irregularities")]
    pub steal_exponent: f64,
    /// Write the station CSV here (default: stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the true parameters as JSON here.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
}

/// Preset election shapes for `elaudit simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Shaped like Kazakhstan's 2022 presidential election (the sample in data/).
    Kz2022,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
