//! What to simulate: the fair election and the irregularities planted in it.

use std::fmt;

use serde::Serialize;
use serde::ser::SerializeStruct;

use super::shapes::Heterogeneity;

/// Smallest electorate a lognormal station gets: tiny stations would make every
/// percentage a round one and are rare in real elections.
pub const MIN_REGISTERED: u64 = 20;

/// Most stations a spec may ask for: beyond this the election would not fit in memory.
pub const MAX_STATIONS: usize = 100_000_000;

/// The simulated CSV's columns before the candidates' (`locality` only with
/// localities); no candidate may take one of these names.
pub const FIXED_COLUMNS: [&str; 7] = [
    "station",
    "region",
    "locality",
    "registered",
    "ballots",
    "valid",
    "invalid",
];

/// A simulated election. Build one with [`ElectionSpec::clean`] or a preset
/// ([`super::kz2022`]) and change fields; check it with [`ElectionSpec::validate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElectionSpec {
    /// Polling stations, at most [`MAX_STATIONS`].
    pub stations: usize,
    /// Regions, each with its own random effect on turnout and on every share.
    /// Stations are split into contiguous, equal blocks, one block per region.
    pub regions: usize,
    /// Registered voters per station.
    pub size: SizeModel,
    /// National turnout the fair election aims at (Σ ballots ÷ Σ registered).
    pub turnout: f64,
    /// Standard deviation of a station's turnout on the logit scale.
    pub turnout_sd: f64,
    /// Standard deviation of a region's effect on logit turnout and on each log share.
    pub region_sd: f64,
    /// Expected national shares of valid votes; the first is the expected winner. Sums to 1.
    pub shares: Vec<f64>,
    /// Standard deviation of a station's log share of each candidate.
    pub share_sd: f64,
    /// Probability that a ballot is invalid.
    pub invalid_rate: f64,
    /// One name per entry of `shares`.
    pub candidate_names: Vec<String>,
    /// Towns inside each region (none by default; left out of the truth file then).
    #[serde(skip_serializing_if = "Localities::is_none")]
    pub localities: Localities,
    /// Honest heterogeneity: sub-populations, a size gradient, correlated regions, a
    /// hidden region column (none by default; left out of the truth file then).
    #[serde(skip_serializing_if = "Heterogeneity::is_none")]
    pub heterogeneity: Heterogeneity,
    pub fraud: Fraud,
}

/// Localities (towns, villages) inside each region, written as a `locality` column.
/// Station `i` of `n` is in locality ⌊i·R·L/n⌋ of R·L contiguous, equal blocks, so each
/// region's block is split into L localities.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Localities {
    /// Localities per region; 0 writes no locality column.
    pub per_region: usize,
    /// Standard deviation of a locality's effect z·sd. It raises logit turnout and the
    /// winner's log share by z·sd and scales the locality's station sizes by exp(−z·sd):
    /// towns have big stations, low turnout and fewer of the winner's votes, as real
    /// countries do, while a locality's small and large stations share one population.
    pub sd: f64,
}

impl Localities {
    pub fn is_none(&self) -> bool {
        self.per_region == 0
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// How many voters each station has.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeModel {
    /// round(median · exp(sigma · Z)), at least [`MIN_REGISTERED`].
    LogNormal { median: f64, sigma: f64 },
    /// These sizes, in order, repeated from the start when there are more stations.
    Fixed(Vec<u64>),
}

// A fixed list can hold a million sizes: the truth file gets a summary, not the list.
impl Serialize for SizeModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SizeModel::LogNormal { median, sigma } => {
                let mut st = s.serialize_struct("SizeModel", 3)?;
                st.serialize_field("model", "lognormal")?;
                st.serialize_field("median", median)?;
                st.serialize_field("sigma", sigma)?;
                st.end()
            }
            SizeModel::Fixed(sizes) => {
                let mut st = s.serialize_struct("SizeModel", 5)?;
                st.serialize_field("model", "fixed")?;
                st.serialize_field("count", &sizes.len())?;
                st.serialize_field("total", &sizes.iter().sum::<u64>())?;
                st.serialize_field("min", &sizes.iter().min())?;
                st.serialize_field("max", &sizes.iter().max())?;
                st.end()
            }
        }
    }
}

/// Planted irregularities. The four shares are off at 0. The default plants nothing, with
/// θ = 0.15 and α = 1 ready for when ballot stuffing is switched on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fraud {
    /// Share of stations whose candidate counts are rewritten by a person who keeps the
    /// tens and picks the last digit with a preference for 0 and 5.
    pub invented_counts: f64,
    /// Share of stations whose turnout and winner's share are pushed up to a whole
    /// percentage, a multiple of 5 half of the time.
    pub integer_percent: f64,
    /// Klimek et al. (2012) incremental ballot stuffing: probability f_i per station.
    pub incremental: f64,
    /// Klimek et al. (2012) extreme ballot stuffing: probability f_e per station.
    pub extreme: f64,
    /// Scale of the incremental intensity x ~ |N(0, theta)|.
    pub theta: f64,
    /// Stealing exponent α: a share x^α of the other candidates' votes goes to the winner.
    pub steal_exponent: f64,
    /// Voter coercion (Jiménez, Hidalgo and Klimek 2017): share of each region's smallest
    /// third of stations (by registered voters) that are coerced.
    #[serde(skip_serializing_if = "is_zero")]
    pub coercion_share: f64,
    /// Share of a coerced station's abstainers who are made to vote for the winner.
    #[serde(skip_serializing_if = "is_zero")]
    pub coercion_abstainers: f64,
    /// Share of a coerced station's other candidates' voters who switch to the winner.
    #[serde(skip_serializing_if = "is_zero")]
    pub coercion_others: f64,
}

impl Default for Fraud {
    fn default() -> Self {
        Fraud {
            invented_counts: 0.0,
            integer_percent: 0.0,
            incremental: 0.0,
            extreme: 0.0,
            theta: 0.15,
            steal_exponent: 1.0,
            coercion_share: 0.0,
            coercion_abstainers: 0.0,
            coercion_others: 0.0,
        }
    }
}

impl Fraud {
    /// Whether any irregularity is planted.
    pub fn any(&self) -> bool {
        self.invented_counts > 0.0
            || self.integer_percent > 0.0
            || self.incremental > 0.0
            || self.extreme > 0.0
    }
}

/// One problem with a spec: the field it is about, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    /// The field as named in the spec, e.g. `turnout_sd`, `size.median` or
    /// `fraud.steal_exponent`; front ends map it to their own option names.
    pub field: &'static str,
    /// What is wrong, without the field's name, e.g. `must be between 0 and 10, got 12`.
    pub message: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in a spec, each naming its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub problems: Vec<SpecProblem>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid election spec: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

const SHARE_SUM_TOLERANCE: f64 = 1e-6;

/// `Candidate A`, `Candidate B`, …, `Candidate Z`, `Candidate AA`, … for `k` candidates.
pub fn default_candidate_names(k: usize) -> Vec<String> {
    (0..k)
        .map(|i| {
            // Bijective base 26, as spreadsheet columns are lettered.
            let mut n = i + 1;
            let mut letters = Vec::new();
            while n > 0 {
                let d = (n - 1) % 26;
                letters.push(char::from(b'A' + d as u8));
                n = (n - 1) / 26;
            }
            let label: String = letters.iter().rev().collect();
            format!("Candidate {label}")
        })
        .collect()
}

impl ElectionSpec {
    /// An ordinary clean election: 4 candidates, 10 regions, stations of about 1,000 voters,
    /// 60% turnout.
    pub fn clean(stations: usize) -> ElectionSpec {
        ElectionSpec {
            stations,
            regions: 10,
            size: SizeModel::LogNormal {
                median: 1000.0,
                sigma: 0.5,
            },
            turnout: 0.6,
            turnout_sd: 0.35,
            region_sd: 0.2,
            shares: vec![0.45, 0.30, 0.15, 0.10],
            share_sd: 0.25,
            invalid_rate: 0.02,
            candidate_names: default_candidate_names(4),
            localities: Localities::default(),
            heterogeneity: Heterogeneity::default(),
            fraud: Fraud::default(),
        }
    }

    /// Checks every field and lists all problems, each naming its field.
    pub fn validate(&self) -> Result<(), SpecError> {
        let mut p = Vec::new();
        let mut bad = |field: &'static str, message: String| {
            p.push(SpecProblem { field, message });
        };
        self.validate_sizes(&mut bad);
        self.validate_votes(&mut bad);
        self.validate_candidates(&mut bad);
        if !(self.invalid_rate >= 0.0 && self.invalid_rate < 1.0) {
            bad(
                "invalid_rate",
                format!("must be in [0, 1), got {}", self.invalid_rate),
            );
        }
        self.validate_fraud(&mut bad);
        self.validate_localities(&mut bad);
        self.heterogeneity.validate(&mut bad);
        if p.is_empty() {
            Ok(())
        } else {
            Err(SpecError { problems: p })
        }
    }

    /// Stations, regions and station sizes.
    fn validate_sizes(&self, bad: &mut impl FnMut(&'static str, String)) {
        if self.stations > MAX_STATIONS {
            bad(
                "stations",
                format!("must be at most {MAX_STATIONS}, got {}", self.stations),
            );
        }
        if self.regions == 0 {
            bad("regions", "must be at least 1".to_string());
        }
        match &self.size {
            SizeModel::LogNormal { median, sigma } => {
                if !(median.is_finite() && *median >= 1.0 && *median <= 1e9) {
                    bad(
                        "size.median",
                        format!("must be between 1 and 1e9, got {median}"),
                    );
                }
                if !(sigma.is_finite() && (0.0..=5.0).contains(sigma)) {
                    bad(
                        "size.sigma",
                        format!("must be between 0 and 5, got {sigma}"),
                    );
                }
            }
            SizeModel::Fixed(sizes) => {
                if sizes.is_empty() && self.stations > 0 {
                    bad(
                        "size",
                        "the fixed list of station sizes is empty".to_string(),
                    );
                }
                if sizes.iter().any(|&s| s > 1_000_000_000) {
                    bad("size", "a fixed station size is above 1e9".to_string());
                }
            }
        }
    }

    /// Turnout, spreads and shares.
    fn validate_votes(&self, bad: &mut impl FnMut(&'static str, String)) {
        if !(self.turnout > 0.0 && self.turnout < 1.0) {
            bad(
                "turnout",
                format!("must be strictly between 0 and 1, got {}", self.turnout),
            );
        }
        for (name, v) in [
            ("turnout_sd", self.turnout_sd),
            ("region_sd", self.region_sd),
            ("share_sd", self.share_sd),
        ] {
            if !(v.is_finite() && (0.0..=10.0).contains(&v)) {
                bad(name, format!("must be between 0 and 10, got {v}"));
            }
        }
        if self.shares.is_empty() {
            bad("shares", "at least one candidate is needed".to_string());
        } else if self.shares.iter().any(|s| !(*s > 0.0 && s.is_finite())) {
            bad(
                "shares",
                format!("every share must be above 0, got {:?}", self.shares),
            );
        } else {
            let sum: f64 = self.shares.iter().sum();
            if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
                bad(
                    "shares",
                    format!("must sum to 1 (within {SHARE_SUM_TOLERANCE:e}), they sum to {sum}"),
                );
            }
        }
    }

    /// Candidate names: one per share, distinct, none a column name.
    fn validate_candidates(&self, bad: &mut impl FnMut(&'static str, String)) {
        if self.candidate_names.len() != self.shares.len() {
            bad(
                "candidate_names",
                format!(
                    "{} names for {} shares",
                    self.candidate_names.len(),
                    self.shares.len()
                ),
            );
        }
        for (i, name) in self.candidate_names.iter().enumerate() {
            if name.trim().is_empty() {
                bad("candidate_names", format!("name {} is empty", i + 1));
            } else if FIXED_COLUMNS.contains(&name.to_ascii_lowercase().as_str()) {
                bad(
                    "candidate_names",
                    format!("'{name}' is also a column name of the output"),
                );
            } else if self.candidate_names[..i].contains(name) {
                bad("candidate_names", format!("'{name}' appears twice"));
            }
        }
    }

    /// The planted fraud's shares and shape.
    fn validate_fraud(&self, bad: &mut impl FnMut(&'static str, String)) {
        let f = &self.fraud;
        for (name, v) in [
            ("fraud.invented_counts", f.invented_counts),
            ("fraud.integer_percent", f.integer_percent),
            ("fraud.incremental", f.incremental),
            ("fraud.extreme", f.extreme),
            ("fraud.coercion_share", f.coercion_share),
            ("fraud.coercion_abstainers", f.coercion_abstainers),
            ("fraud.coercion_others", f.coercion_others),
        ] {
            if !(0.0..=1.0).contains(&v) {
                bad(name, format!("must be a share between 0 and 1, got {v}"));
            }
        }
        if f.incremental + f.extreme > 1.0 {
            bad(
                "fraud.incremental + fraud.extreme",
                format!("must not exceed 1, got {}", f.incremental + f.extreme),
            );
        }
        if !(f.theta.is_finite() && (0.0..=10.0).contains(&f.theta)) {
            bad(
                "fraud.theta",
                format!("must be between 0 and 10, got {}", f.theta),
            );
        }
        if f.incremental > 0.0 && f.theta == 0.0 {
            bad(
                "fraud.theta",
                "must be above 0 when incremental stuffing is planted".to_string(),
            );
        }
        if (f.incremental > 0.0 || f.extreme > 0.0)
            && !(f.steal_exponent.is_finite()
                && f.steal_exponent > 0.0
                && f.steal_exponent <= 100.0)
        {
            bad(
                "fraud.steal_exponent",
                format!(
                    "must be above 0 (and at most 100) when ballot stuffing is planted, got {}",
                    f.steal_exponent
                ),
            );
        }
    }

    /// Localities inside regions.
    fn validate_localities(&self, bad: &mut impl FnMut(&'static str, String)) {
        let l = &self.localities;
        if !(l.sd.is_finite() && (0.0..=10.0).contains(&l.sd)) {
            bad(
                "localities.sd",
                format!("must be between 0 and 10, got {}", l.sd),
            );
        }
        if l.per_region > MAX_STATIONS {
            bad(
                "localities.per_region",
                format!("must be at most {MAX_STATIONS}, got {}", l.per_region),
            );
        }
    }

    /// A copy that [`super::simulate`] can always run: shares normalised, values clamped
    /// into range, names filled in. A spec that passes `validate` changes only by the
    /// normalisation of its shares.
    pub(crate) fn sanitised(&self) -> ElectionSpec {
        fn clamp(v: f64, lo: f64, hi: f64, fallback: f64) -> f64 {
            if v.is_nan() {
                fallback
            } else {
                v.clamp(lo, hi)
            }
        }
        let mut s = self.clone();
        s.regions = s.regions.max(1);
        s.size = match &self.size {
            SizeModel::LogNormal { median, sigma } => SizeModel::LogNormal {
                median: clamp(*median, 1.0, 1e9, 1000.0),
                sigma: clamp(*sigma, 0.0, 5.0, 0.5),
            },
            SizeModel::Fixed(v) if v.is_empty() => SizeModel::Fixed(vec![MIN_REGISTERED]),
            SizeModel::Fixed(v) => {
                SizeModel::Fixed(v.iter().map(|&x| x.min(1_000_000_000)).collect())
            }
        };
        s.turnout = clamp(s.turnout, 1e-6, 1.0 - 1e-6, 0.6);
        s.turnout_sd = clamp(s.turnout_sd, 0.0, 10.0, 0.0);
        s.region_sd = clamp(s.region_sd, 0.0, 10.0, 0.0);
        s.share_sd = clamp(s.share_sd, 0.0, 10.0, 0.0);
        s.invalid_rate = clamp(s.invalid_rate, 0.0, 0.999, 0.0);
        if s.shares.is_empty() {
            s.shares = vec![1.0];
        }
        for v in &mut s.shares {
            *v = if v.is_finite() { v.max(1e-9) } else { 1e-9 };
        }
        let sum: f64 = s.shares.iter().sum();
        for v in &mut s.shares {
            *v /= sum;
        }
        let k = s.shares.len();
        s.candidate_names.truncate(k);
        let filled = s.candidate_names.len();
        s.candidate_names
            .extend(default_candidate_names(k).into_iter().skip(filled));
        let f = &mut s.fraud;
        f.invented_counts = clamp(f.invented_counts, 0.0, 1.0, 0.0);
        f.integer_percent = clamp(f.integer_percent, 0.0, 1.0, 0.0);
        f.incremental = clamp(f.incremental, 0.0, 1.0, 0.0);
        f.extreme = clamp(f.extreme, 0.0, 1.0 - f.incremental, 0.0);
        f.theta = clamp(f.theta, 0.0, 10.0, 0.0);
        f.steal_exponent = clamp(f.steal_exponent, 1e-3, 100.0, 1.0);
        f.coercion_share = clamp(f.coercion_share, 0.0, 1.0, 0.0);
        f.coercion_abstainers = clamp(f.coercion_abstainers, 0.0, 1.0, 0.0);
        f.coercion_others = clamp(f.coercion_others, 0.0, 1.0, 0.0);
        s.localities.sd = clamp(s.localities.sd, 0.0, 10.0, 0.0);
        s.localities.per_region = s.localities.per_region.min(MAX_STATIONS);
        s.heterogeneity.sanitise();
        s
    }
}
