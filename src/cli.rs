//! Command-line flags. Numeric ranges are checked as clap reads them
//! ([`crate::options::ranges`]); [`crate::options`] turns the flags into checked options.

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::checks::{anomalous_votes, integer_percent, small_stations};
use crate::options::ranges;
use crate::simulate::Shape;

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
    Simulate(Box<SimulateArgs>),
    /// List the checks, in report order.
    Checks,
    /// Audit every election of a manifest and compare them in one table (exit 0: nothing
    /// flagged, 1: some election flagged, 2: some election failed).
    Batch(BatchArgs),
    /// Merge the output folders of `elaudit batch --shard I/N` runs into one comparison.
    Merge(MergeArgs),
    /// Run every check over seeded simulated elections of named scenarios and tabulate
    /// each check's flag rate with a 95% interval (see data/benchmark.toml).
    Benchmark(BenchmarkArgs),
}

#[derive(Debug, Args)]
pub struct BenchmarkArgs {
    /// The configuration: scenarios, seeds per scenario, stations per election.
    pub config: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Where a batch or benchmark writes, and how it runs.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Write here instead of the TOML file's `output` folder.
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = ranges::threads, allow_hyphen_values = true)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The manifest: a TOML file with `seed`, `output` and `[[election]]` tables (see
    /// docs/batch.md).
    pub manifest: PathBuf,
    /// Run only shard I of N: the elections at manifest positions k (from 0) with
    /// k mod N = I. `elaudit merge` then combines the shards' output folders.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::batch::Shard>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of the shards (each holds shard-I-of-N.json and its reports).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged reports and comparison (best not one of the shards').
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
}

/// Output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// One self-contained page with charts (give --output FILE.html).
    Html,
    /// The verdict and the table of results.
    Markdown,
    /// One row per result and per region.
    Csv,
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
    /// Locality column (town, municipality: the small-stations check's neighbourhood);
    /// give several times to join columns into one key.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub locality: Vec<String>,
    /// Stratum column (settlement type, say): the fingerprint fits each region's
    /// strata their own fair turnout and share; give several times to join columns.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub stratum: Vec<String>,
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
    /// Field delimiter: `comma` (`,`), `semicolon` (`;`) or `tab` (default: detected from
    /// the header line).
    #[arg(long, value_enum, value_name = "D", help_heading = "Values")]
    pub delimiter: Option<Delimiter>,
    /// Make the first unreadable row fatal (exit 2) instead of listing it.
    #[arg(long, help_heading = "Values")]
    pub strict: bool,
    /// Read a quoted field that spans lines as one record. Without it each line of such
    /// a record is read on its own and the lines holding the quote are rejected: station
    /// files almost never hold line breaks inside a field, so a stray quote is likelier.
    #[arg(long, help_heading = "Values")]
    pub multiline_fields: bool,

    /// Significance level for flags, after Holm's adjustment.
    #[arg(
        long,
        default_value_t = 0.01,
        value_name = "A",
        value_parser = ranges::alpha,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub alpha: f64,
    /// Seed of every random stream; the same seed gives the same report.
    #[arg(
        long,
        default_value_t = 42,
        value_name = "N",
        value_parser = ranges::seed,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub seed: u64,
    /// Run only these checks (comma list of ids; see `elaudit checks`).
    #[arg(long, value_name = "IDS", help_heading = "Checks")]
    pub checks: Option<String>,
    /// Skip these checks (comma list of ids).
    #[arg(long, value_name = "IDS", help_heading = "Checks")]
    pub skip: Option<String>,
    /// Smallest count the last-digit test reads; 0 takes every count, zeros included.
    #[arg(
        long,
        default_value_t = 100,
        value_name = "N",
        value_parser = ranges::last_digit_min,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub last_digit_min: u64,
    /// Fingerprint procedure: `default` (logit-normal per region, θ fitted, Poisson
    /// deviance) or `paper` (Klimek et al. 2012 as published, for comparison).
    #[arg(long, value_enum, default_value_t = FingerprintModelArg::Default, help_heading = "Checks")]
    pub fingerprint_model: FingerprintModelArg,
    /// Fingerprint histograms: `auto` (region by region when the model fits the regions
    /// as well as its own simulated elections, else national), `national` (one 50×50
    /// grid) or `per-region` (a grid per region of 903+ stations, whatever the fit:
    /// sharper, but reads a town/country mix inside a region as stuffing).
    #[arg(long, value_enum, default_value_t = FingerprintBinningArg::Auto, help_heading = "Checks")]
    pub fingerprint_binning: FingerprintBinningArg,
    /// Fingerprint bootstrap replicates (intervals); the cost is about linear in them.
    #[arg(
        long,
        default_value_t = 50,
        value_name = "B",
        value_parser = ranges::fingerprint_replicates,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub fingerprint_replicates: usize,
    /// Fingerprint null replicates (the no-stuffing test's fitted tail).
    #[arg(
        long,
        default_value_t = 30,
        value_name = "B",
        value_parser = ranges::fingerprint_null_replicates,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub fingerprint_null_replicates: usize,
    /// Fitted stuffing that adds at most this share of all ballots is not flagged
    /// (0.005 = 0.5%); 0 flags any significant departure from the fair model.
    #[arg(
        long,
        default_value_t = 0.005,
        value_name = "SHARE",
        value_parser = ranges::fingerprint_margin,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub fingerprint_margin: f64,
    /// Stations the fingerprint fits at most: a larger election is fitted on a random
    /// sample of this many, stratified by region, with ballot counts scaled to the whole
    /// election (intervals are the sample's, so wider); 0 fits every station.
    #[arg(
        long,
        default_value_t = crate::fingerprint::bootstrap::DEFAULT_MAX_STATIONS,
        value_name = "N",
        value_parser = ranges::fingerprint_max_stations,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub fingerprint_max_stations: usize,
    /// Monte Carlo replicates of integer-percent's check on the count's spread (its
    /// p-value is analytic); 0 skips them.
    #[arg(
        long,
        default_value_t = integer_percent::DEFAULT_REPLICATES,
        value_name = "B",
        value_parser = ranges::integer_percent_replicates,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub integer_percent_replicates: usize,
    /// Bootstrap replicates of anomalous-votes' 95% interval; 0 reports no interval.
    #[arg(
        long,
        default_value_t = anomalous_votes::DEFAULT_REPLICATES,
        value_name = "B",
        value_parser = ranges::anomalous_votes_replicates,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub anomalous_votes_replicates: usize,
    /// small-stations: the share of each locality's stations, smallest by registered
    /// voters first, that count as small (default 1/3, as in Jiménez et al. 2017).
    #[arg(
        long,
        default_value_t = small_stations::DEFAULT_QUANTILE,
        value_name = "Q",
        value_parser = ranges::small_quantile,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub small_quantile: f64,
    /// small-stations: permutations of the size labels within localities (its p-value
    /// goes below 1/(B+1) by a fitted tail).
    #[arg(
        long,
        default_value_t = small_stations::DEFAULT_REPLICATES,
        value_name = "B",
        value_parser = ranges::small_stations_replicates,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub small_stations_replicates: usize,
    /// Also run every applicable check inside each region, adjust across regions
    /// (Benjamini-Hochberg) and rank the regions.
    #[arg(long, help_heading = "Checks")]
    pub by_region: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(
        long,
        value_name = "N",
        value_parser = ranges::threads,
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub threads: Option<usize>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Shorter text report: one row per result, a sentence only for flagged ones, no
    /// column mapping (the caveats stay). No effect on JSON.
    #[arg(long, help_heading = "Output")]
    pub brief: bool,
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
    /// Start from a preset election shape; the flags below override its values.
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Number of stations (default: the --sizes file's count, else the preset's, or 10,000).
    #[arg(long, value_name = "N", value_parser = ranges::stations, allow_hyphen_values = true)]
    pub stations: Option<usize>,
    /// Number of regions, each with its own random effects; stations are split into
    /// contiguous, equal blocks (default: the preset's, or 10).
    #[arg(long, value_name = "N", value_parser = ranges::regions, allow_hyphen_values = true)]
    pub regions: Option<usize>,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 42, value_parser = ranges::seed, allow_hyphen_values = true)]
    pub seed: u64,

    /// Station sizes from the registered-voters column of a station file, read as `elaudit
    /// audit FILE` reads it (columns detected from the header, plain or gzip, `-` for
    /// stdin). Sizes are used in file order: the first N when --stations N asks for fewer,
    /// repeated from the start when it asks for more. Rows the loader rejects are skipped.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["size_median", "size_sigma"],
        help_heading = "Fair model"
    )]
    pub sizes: Option<String>,
    /// Lognormal station sizes: the median of registered voters (default 1000; the preset
    /// kz2022 has its own sizes, which this replaces).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "N",
        help_heading = "Fair model"
    )]
    pub size_median: Option<f64>,
    /// Lognormal station sizes: the standard deviation of log size (default 0.5); 0 gives
    /// every station the median.
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "S",
        help_heading = "Fair model"
    )]
    pub size_sigma: Option<f64>,
    /// Expected national turnout of the fair election, Σ ballots ÷ Σ registered, before any
    /// planted stuffing (default 0.6; kz2022 0.6944).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "T",
        help_heading = "Fair model"
    )]
    pub turnout: Option<f64>,
    /// Standard deviation of a station's turnout on the logit scale (default 0.35;
    /// kz2022 0.5).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "SD",
        help_heading = "Fair model"
    )]
    pub turnout_sd: Option<f64>,
    /// Standard deviation of a region's effect on logit turnout and on each log share
    /// (default 0.2; kz2022 0.35).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "SD",
        help_heading = "Fair model"
    )]
    pub region_sd: Option<f64>,
    /// Expected national shares of valid votes, the winner first, summing to 1 (default
    /// 0.45,0.30,0.15,0.10; kz2022 has 7). Candidates are named Candidate A, B, … unless the
    /// preset has as many names.
    #[arg(long, value_name = "A,B,…", help_heading = "Fair model")]
    pub shares: Option<String>,
    /// Standard deviation of a station's log share of each candidate (default 0.25;
    /// kz2022 0.35).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "SD",
        help_heading = "Fair model"
    )]
    pub share_sd: Option<f64>,
    /// Probability that a ballot is invalid (default 0.02; kz2022 0.012).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "P",
        help_heading = "Fair model"
    )]
    pub invalid_rate: Option<f64>,
    /// Localities (towns) per region, written as a `locality` column: each region's
    /// block of stations is split into N contiguous, equal blocks (default 0: none).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "N",
        value_parser = ranges::localities,
        allow_hyphen_values = true,
        help_heading = "Fair model"
    )]
    pub localities: usize,
    /// Standard deviation of a locality's effect z·SD: +z·SD on logit turnout and on the
    /// winner's log share, station sizes times exp(−z·SD), so towns have big stations and
    /// low turnout (default 0).
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        value_name = "SD",
        help_heading = "Fair model"
    )]
    pub locality_sd: f64,

    /// A clean heterogeneous shape (docs/simulate-shapes.md); flags given explicitly
    /// override its values. town-country: town (weight 0.5, sizes ×1.8, logit turnout and
    /// winner's log share −0.45) and country (0.5, ×0.55, +0.45). three-populations: equal
    /// weights, sizes ×2/×1/×0.45, offsets −0.6/0/+0.7 on both. size-gradient: gradient
    /// −0.5,−0.5, size sigma 0.7. regional: 24 regions, region sd 0.4, region correlation
    /// 0.5, mild town-country (±0.25, ×1.5/×0.67). hidden-regions: 24 regions, region sd
    /// 0.35, no region column. landslide-town-country: turnout 0.7, shares
    /// 0.8,0.1,0.06,0.04, town-country. tiny-stations: size median 150, sigma 0.6,
    /// town-country.
    #[arg(
        long,
        value_name = "NAME",
        value_parser = shape_parser(),
        help_heading = "Clean heterogeneity"
    )]
    pub shape: Option<Shape>,
    /// Honest sub-populations inside every region, each `W:SIZE:TURNOUT:SHARE`: weight
    /// (each station draws its sub-population with these weights), station-size
    /// multiplier, offset on logit turnout, offset on the winner's log share; e.g.
    /// 0.5:1.8:-0.45:-0.45,0.5:0.55:0.45:0.45 (town and country).
    #[arg(
        long,
        value_name = "W:SIZE:T:S,…",
        allow_hyphen_values = true,
        help_heading = "Clean heterogeneity"
    )]
    pub subpopulations: Option<String>,
    /// A gradient with station size: T·ln(N/m) on logit turnout and S·ln(N/m) on the
    /// winner's log share, N the station's registered voters and m the size median.
    #[arg(
        long,
        value_name = "T,S",
        allow_hyphen_values = true,
        help_heading = "Clean heterogeneity"
    )]
    pub size_gradient: Option<String>,
    /// Correlation between a region's effect on logit turnout and on the winner's log
    /// share (default 0: independent, as the other candidates' effects always are).
    #[arg(
        long,
        value_name = "RHO",
        allow_hyphen_values = true,
        help_heading = "Clean heterogeneity"
    )]
    pub region_correlation: Option<f64>,
    /// Write no region column: the regions' effects are still drawn, but an audit of the
    /// file sees no regions.
    #[arg(long, help_heading = "Clean heterogeneity")]
    pub no_region_column: bool,

    /// Share of stations whose counts are invented with a human preference for last digits 0 and 5.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        help_heading = "Planted irregularities"
    )]
    pub invented_counts: f64,
    /// Share of stations whose turnout and winner share are pushed up to whole percentages.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        help_heading = "Planted irregularities"
    )]
    pub integer_percent: f64,
    /// Klimek et al. incremental fraud probability f_i.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        help_heading = "Planted irregularities"
    )]
    pub incremental: f64,
    /// Klimek et al. extreme fraud probability f_e.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        help_heading = "Planted irregularities"
    )]
    pub extreme: f64,
    /// Scale θ of the incremental fraud intensity |N(0, θ)|.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.15,
        help_heading = "Planted irregularities"
    )]
    pub theta: f64,
    /// Stealing exponent of the Klimek model (not `alpha`, which is the significance level).
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 1.0,
        help_heading = "Planted irregularities"
    )]
    pub steal_exponent: f64,
    /// Voter coercion: share of each region's smallest third of stations (by registered
    /// voters) that are coerced (Jiménez, Hidalgo and Klimek 2017).
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        value_name = "S",
        help_heading = "Planted irregularities"
    )]
    pub coercion_share: f64,
    /// Share of a coerced station's abstainers made to vote for the winner.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        value_name = "A",
        help_heading = "Planted irregularities"
    )]
    pub coercion_abstainers: f64,
    /// Share of a coerced station's other candidates' voters who switch to the winner.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value_t = 0.0,
        value_name = "O",
        help_heading = "Planted irregularities"
    )]
    pub coercion_others: f64,
    /// Write the station CSV here (default: stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the true parameters as JSON here.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
}

/// Field delimiters, as `--delimiter` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Delimiter {
    #[value(alias = ",")]
    Comma,
    #[value(alias = ";")]
    Semicolon,
    #[value(aliases = ["\t", "\\t"])]
    Tab,
}

impl Delimiter {
    /// The delimiter's byte, as the loader takes it.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

/// The fingerprint's procedure, as `--fingerprint-model` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FingerprintModelArg {
    /// Logit-normal fair model per region, θ fitted, Poisson deviance on 50×50 cells.
    Default,
    /// The published procedure: national normal fair model, relative squares.
    Paper,
}

/// The fingerprint's histograms, as `--fingerprint-binning` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FingerprintBinningArg {
    /// Per region when that fit's deviance is at most 1.15 times its replicates', else national.
    Auto,
    /// One national 50×50 grid.
    National,
    /// A grid per region of at least 903 stations, whatever the fit (default model only).
    PerRegion,
}

/// Preset election shapes for `elaudit simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Shaped like Kazakhstan's 2022 presidential election (the sample in data/).
    Kz2022,
}

/// `--shape NAME`: one of [`Shape::ALL`]'s names.
fn shape_parser() -> impl TypedValueParser<Value = Shape> {
    clap::builder::PossibleValuesParser::new(Shape::ALL.map(Shape::name))
        .try_map(|name: String| Shape::from_name(&name).ok_or("unknown shape"))
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
