//! The checks: one file each, behind one trait, in one ordered registry.

use std::sync::OnceLock;

use crate::data::Dataset;
use crate::result::{CheckResult, Family};
use subjects::{Subject, digit_subjects};

pub mod anomalous_votes;
mod digit_pairs;
mod fingerprint;
mod first_digit;
pub mod integer_percent;
mod last_digit;
pub mod protocol_arithmetic;
mod rate_null;
mod round_percent;
mod second_digit;
mod size_null;
pub mod small_stations;
pub mod subjects;
pub mod turnout_shape;
pub mod turnout_share;

pub use anomalous_votes::AnomalousVotes;
pub use digit_pairs::DigitPairs;
pub use fingerprint::{Fingerprint, FingerprintModel};
pub use first_digit::FirstDigit;
pub use integer_percent::IntegerPercent;
pub use last_digit::LastDigit;
pub use protocol_arithmetic::ProtocolArithmetic;
pub use round_percent::RoundPercent;
pub use second_digit::SecondDigit;
pub use small_stations::SmallStations;
pub use turnout_shape::TurnoutShape;
pub use turnout_share::TurnoutShare;

/// Settings every check may read.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// Smallest count the last-digit test looks at; 0 takes every count, zeros included.
    pub last_digit_min: u64,
    /// The run's seed: checks with randomness derive every stream from it
    /// through [`crate::montecarlo::batch_rng`].
    pub seed: u64,
    /// The fingerprint's model, replicate counts and materiality margin.
    pub fingerprint: Fingerprint,
    /// Monte Carlo replicates of `integer-percent`'s cross-check of the count's spread
    /// (its p-value is analytic); 0 skips them.
    pub integer_percent_replicates: usize,
    /// Bootstrap replicates of `anomalous-votes`' interval; 0 gives no interval.
    pub anomalous_votes_replicates: usize,
    /// `small-stations`' size quantile and permutations.
    pub small_stations: SmallStations,
    /// Bin the data only the HTML report draws (0.1-point histograms with their null, the
    /// fingerprint's maps); off unless that renderer will read them, since the binning
    /// costs as much as some checks.
    pub charts: bool,
    /// Build the null of the per-station anomaly score (`--stations-out` only: the HTML
    /// report does not draw it, and it simulates the stations again).
    pub station_scores: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            last_digit_min: 100,
            seed: 42,
            fingerprint: Fingerprint::default(),
            integer_percent_replicates: integer_percent::DEFAULT_REPLICATES,
            anomalous_votes_replicates: anomalous_votes::DEFAULT_REPLICATES,
            small_stations: SmallStations::default(),
            charts: false,
            station_scores: false,
        }
    }
}

/// What a check sees.
pub struct CheckContext<'a> {
    pub data: &'a Dataset,
    pub options: &'a CheckOptions,
    /// Built by the first digit check that asks, then shared: four checks read the same
    /// lists, and building them is a pass over every vote.
    subjects: OnceLock<Vec<Subject>>,
}

impl<'a> CheckContext<'a> {
    pub fn new(data: &'a Dataset, options: &'a CheckOptions) -> CheckContext<'a> {
        CheckContext {
            data,
            options,
            subjects: OnceLock::new(),
        }
    }

    /// The digit tests' subjects of this dataset (see [`subjects::digit_subjects`]).
    pub fn digit_subjects(&self) -> &[Subject] {
        self.subjects.get_or_init(|| digit_subjects(self.data))
    }
}

/// One statistical check. It returns one result per subject it examines
/// (a candidate, `all`, `ballots`, `turnout`, ...), with `p_adjusted` and
/// `flagged` left for the audit to fill in.
pub trait Check: Sync + Send {
    /// Stable id used in `--checks`, `--skip` and the JSON report.
    fn id(&self) -> &'static str;
    /// Whether the check's p-values join the Holm family.
    fn family(&self) -> Family;
    /// One line for `--help` and the README.
    fn describe(&self) -> &'static str;
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult>;
    /// Whether `--by-region` reruns the check inside each region. Checks whose
    /// estimate a region's stations cannot identify say no and report nationally only.
    fn per_region(&self) -> bool {
        true
    }
    /// For a check that does not rerun per region: its entry in region `region`'s
    /// section of a `--by-region` report, drawn from its national result. `None` when
    /// it has nothing to say about the region.
    fn region_entry(&self, _national: &CheckResult, _region: &str) -> Option<CheckResult> {
        None
    }
}

/// Every check with its default settings, in report order.
pub fn registry() -> Vec<Box<dyn Check>> {
    registry_for(&CheckOptions::default())
}

/// Every check, in report order, with the settings in `options` that shape a check
/// itself rather than one run.
pub fn registry_for(options: &CheckOptions) -> Vec<Box<dyn Check>> {
    vec![
        Box::new(ProtocolArithmetic),
        Box::new(SecondDigit),
        Box::new(LastDigit),
        Box::new(DigitPairs),
        Box::new(FirstDigit),
        Box::new(RoundPercent),
        Box::new(IntegerPercent),
        Box::new(TurnoutShare),
        Box::new(TurnoutShape),
        Box::new(AnomalousVotes),
        Box::new(options.small_stations),
        Box::new(options.fingerprint),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_and_kebab_case() {
        let ids: Vec<_> = registry().iter().map(|c| c.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate check id in {ids:?}");
        for id in ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
        }
    }
}
