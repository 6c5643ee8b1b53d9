//! The true parameters of a simulated election, for the JSON file `elaudit simulate`
//! writes and for recovery tests.

use serde::Serialize;

use super::spec::ElectionSpec;

/// Which irregularities were planted at one station (a bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Planted(pub u8);

impl Planted {
    pub const INCREMENTAL: u8 = 1;
    pub const EXTREME: u8 = 2;
    pub const INTEGER_PERCENT: u8 = 4;
    pub const INVENTED_COUNTS: u8 = 8;
    pub const COERCION: u8 = 16;

    pub fn set(&mut self, kind: u8) {
        self.0 |= kind;
    }
    /// Whether `kind` (one of the constants) was planted.
    pub fn has(self, kind: u8) -> bool {
        self.0 & kind != 0
    }
    pub fn any(self) -> bool {
        self.0 != 0
    }
}

/// What one kind of irregularity did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindTruth {
    /// Stations it was planted at.
    pub stations: u64,
    /// Net ballots it added (invented counts can also remove some).
    pub ballots_added: i64,
    /// Votes it moved from other candidates to the winner.
    pub votes_moved: u64,
}

impl KindTruth {
    pub fn is_empty(&self) -> bool {
        self.stations == 0
    }

    pub(crate) fn add(&mut self, o: &KindTruth) {
        self.stations += o.stations;
        self.ballots_added += o.ballots_added;
        self.votes_moved += o.votes_moved;
    }
}

/// The planted irregularities, in total and per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FraudTruth {
    /// Stations with at least one irregularity.
    pub fraudulent_stations: u64,
    /// Net ballots added by all kinds.
    pub ballots_added: i64,
    /// Votes moved to the winner by all kinds.
    pub votes_moved: u64,
    pub incremental: KindTruth,
    pub extreme: KindTruth,
    pub integer_percent: KindTruth,
    pub invented_counts: KindTruth,
    /// Voter coercion: `ballots_added` abstainers made to vote for the winner and
    /// `votes_moved` voters switched to the winner, at `stations` small stations; left
    /// out of the truth file when none was planted.
    #[serde(skip_serializing_if = "KindTruth::is_empty")]
    pub coercion: KindTruth,
}

/// The fair model as drawn, and the fair counts before any irregularity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FairTruth {
    /// Centre of logit turnout, calibrated so that the expected national turnout is the target.
    pub turnout_logit_centre: f64,
    /// Centres of the log shares (mean zero), calibrated likewise.
    pub share_log_centres: Vec<f64>,
    /// Each region's effect on logit turnout.
    pub region_turnout_effects: Vec<f64>,
    /// Each region's effects on the log shares, one list per region.
    pub region_share_effects: Vec<Vec<f64>>,
    /// Each region's expected turnout under the calibrated model.
    pub region_expected_turnout: Vec<f64>,
    /// Ballots and votes drawn before any irregularity.
    pub ballots: u64,
    pub valid: u64,
    pub votes: Vec<u64>,
    /// National turnout and winner's share before any irregularity.
    pub turnout: Option<f64>,
    pub winner_share: Option<f64>,
}

/// National figures of the election as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub stations: u64,
    pub registered: u64,
    pub ballots: u64,
    pub valid: u64,
    pub invalid: u64,
    pub votes: Vec<u64>,
    pub turnout: Option<f64>,
    /// The candidate with the most votes (the first on a tie).
    pub winner: String,
    pub winner_share: Option<f64>,
}

/// Everything true about a simulated election.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    pub seed: u64,
    /// The spec as run (shares normalised).
    pub spec: ElectionSpec,
    pub totals: Totals,
    pub fair: FairTruth,
    pub fraud: FraudTruth,
    /// Per station, in station order: which irregularities were planted.
    #[serde(skip)]
    pub planted: Vec<Planted>,
}

/// The truth as `elaudit simulate --truth` writes it: pretty JSON and a final newline.
pub fn truth_json(truth: &Truth) -> String {
    // Truth holds no map with non-string keys, so serialising cannot fail.
    serde_json::to_string_pretty(truth).unwrap_or_default() + "\n"
}
