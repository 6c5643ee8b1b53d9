//! `fingerprint`: the election fingerprint of Klimek, Yegorov, Hanel and Thurner (PNAS
//! 2012), the 2-D histogram of turnout against the winner's share, fitted with their
//! ballot-stuffing model.
//!
//! The fit, its bootstrap and the test of "no fraud" live in
//! [`crate::fingerprint::bootstrap`]; this file turns them into a report entry. The
//! estimates are model-based: they say how much stuffing of Klimek's kind would
//! explain the picture, not that it happened.

use serde_json::{Value, json};

use super::{Check, CheckContext};
use crate::fingerprint::allocation::{RegionShare, allocate};
use crate::fingerprint::bootstrap::{
    Analysis, BinningChoice, Interval, MISFIT_RATIO, MaterialTest, Q_BALLOTS_ADDED, QUANTITY_NAMES,
    SELECT_P, Settings, fair_model_name,
};
use crate::fingerprint::fit::{Binning, CORNER, Distance, Grid, OWN_GRID_STATIONS};
use crate::fingerprint::maps::{null_copies, null_scores, score_cells, simulated_map};
pub use crate::fingerprint::model::FingerprintModel;
use crate::fingerprint::model::Fraud;
use crate::fingerprint::model::{
    ALL_SMALL_REGIONS, FairShape, LeftOut, MIN_GROUP_STATIONS, Stations, logistic,
};
use crate::fingerprint::sample::analyse_sampled;
use crate::result::charts::{Charts, Heatmap, ScoreNull, fingerprint_charts};
use crate::result::{CheckResult, Effect, Family};
use crate::stats::anomaly::GRID;
use crate::stats::format::{format_p, group};

const ID: &str = "fingerprint";
const SUBJECT: &str = "winner-share";
/// The report's default alpha, which [`Fingerprint::alpha`] follows.
const DEFAULT_ALPHA: f64 = 0.01;
/// Fewer stations cannot pin a 50×50 histogram down.
pub const MIN_STATIONS: usize = 200;

/// The `fingerprint` check and its settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fingerprint {
    /// Which procedure fits the fingerprint.
    pub model: FingerprintModel,
    /// Bootstrap replicates for the intervals.
    pub replicates: usize,
    /// Null replicates for the no-fraud test.
    pub null_replicates: usize,
    /// Stuffing that adds at most this share of all ballots is not flagged.
    pub margin: f64,
    /// Which histograms the fit compares (default model only).
    pub binning: BinningChoice,
    /// Stations fitted at most; larger elections are sampled (0: all).
    pub max_stations: usize,
    /// The report's alpha: the other fair models are read only where the reported reading
    /// could flag at it.
    pub alpha: f64,
}

impl Default for Fingerprint {
    fn default() -> Self {
        let s = Settings::default();
        Fingerprint {
            model: s.model,
            replicates: s.replicates,
            null_replicates: s.null_replicates,
            margin: s.margin,
            binning: s.binning,
            max_stations: s.max_stations,
            alpha: DEFAULT_ALPHA,
        }
    }
}

impl Fingerprint {
    /// The check with procedure `model` and default replicate counts.
    pub fn with_model(model: FingerprintModel) -> Self {
        Fingerprint {
            model,
            ..Fingerprint::default()
        }
    }

    /// The same check with other replicate counts (bootstrap, null).
    pub fn with_replicates(self, replicates: usize, null_replicates: usize) -> Self {
        Fingerprint {
            replicates,
            null_replicates,
            ..self
        }
    }

    fn settings(&self) -> Settings {
        Settings {
            model: self.model,
            replicates: self.replicates,
            null_replicates: self.null_replicates,
            margin: self.margin,
            binning: self.binning,
            max_stations: self.max_stations,
            alternative_below: self.alpha,
            ..Settings::default()
        }
    }

    /// Runs the analysis behind the check, with each region's share of the fitted
    /// stuffing when the data has regions; `Err` with the reason when it does not apply.
    pub fn analyse(
        &self,
        ctx: &CheckContext,
    ) -> Result<(Analysis, LeftOut, Vec<RegionShare>), String> {
        if !ctx.data.roles.registered {
            return Err("needs a registered-voters column for turnout".into());
        }
        let (st, left) = Stations::from_dataset(ctx.data);
        if st.len() < MIN_STATIONS {
            return Err(format!(
                "{} stations have at least 100 registered voters, a defined turnout and \
                 valid votes; the fit needs {MIN_STATIONS}",
                st.len()
            ));
        }
        let seed = ctx.options.seed;
        let a = analyse_sampled(&st, &self.settings(), seed);
        let regions = if ctx.data.regions.len() > 1 {
            allocate(&st, &ctx.data.regions, &a, seed)
        } else {
            Vec::new()
        };
        Ok((a, left, regions))
    }
}

/// A finite number, or `None` (JSON null) for anything else.
fn num(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn interval(iv: &Interval) -> Value {
    json!({"estimate": num(iv.estimate), "ci_low": num(iv.ci_low), "ci_high": num(iv.ci_high)})
}

fn with(mut v: Value, extra: Value) -> Value {
    if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
        m.extend(e);
    }
    v
}

fn material(m: &MaterialTest) -> Value {
    json!({
        "share_of_ballots": num(m.share),
        "bootstrap_sd": num(m.sd),
        "z": m.z.and_then(num),
        "p_value": num(m.p_value),
    })
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

const FAMILY: Family = Family::Holm;

/// A fair winner's share from which the summary warns that incremental stuffing is
/// hard to see: on kz2022-shaped elections (fair share 0.81) the ballots added read
/// 0.41–0.93 of the truth over 8 seeds, while the recovery suite (0.45) is unbiased
/// (README, "Known limits of the fingerprint").
const HIGH_FAIR_SHARE: f64 = 0.75;

fn summary(a: &Analysis) -> String {
    let mut out = if a.fraud_selected && a.misfits() {
        misfit_reading(a)
    } else {
        reading(a) + &misfit_note(a)
    };
    out.push_str(&corner_note(a));
    out.push_str(&corner_cap_note(a));
    out.push_str(&alternative_note(a));
    out.push_str(&binning_note(a));
    out.push_str(&sample_note(a));
    out
}

/// Stations the check reads: the whole election's, when the fit took a sample.
fn fitted_of(a: &Analysis) -> usize {
    a.sample.map_or(a.stations, |s| s.of_stations)
}

/// When the fit took a sample of a large election.
fn sample_note(a: &Analysis) -> String {
    a.sample.map_or_else(String::new, |s| {
        format!(
            " The model was fitted on a random sample of {} of the {} stations (stratified \
             by region; --fingerprint-max-stations 0 fits them all): ballot counts are \
             scaled to the whole election, and intervals and p-values are the sample's.",
            group(a.stations as u64),
            group(s.of_stations as u64)
        )
    })
}

/// When another fair model that fits reads too little stuffing to flag.
fn alternative_note(a: &Analysis) -> String {
    let own = a.material_p_reported();
    a.alternatives
        .iter()
        .filter(|alt| alt.fits && alt.material_p() >= SELECT_P && own < SELECT_P)
        .map(|alt| {
            format!(
                " Another fair model that fits about as well ({}) reads {} of ballots as \
                 stuffing, not clearly above the {} margin (materiality {}), so the flag is \
                 withheld: the stuffing cannot be told apart from the election's own \
                 structure here.",
                alt.fair_model,
                pct(alt.material.share.max(0.0)),
                pct(alt.material.margin),
                format_p(alt.material_p())
            )
        })
        .collect()
}

/// Where the fit put more stuffing in the corner than the observed stations there hold.
fn corner_cap_note(a: &Analysis) -> String {
    // Below half a hundredth of a percent the note would print 0.00% against 0.00%.
    let Some(fitted) = a.corner_overshoot.filter(|&f| f >= 5e-5) else {
        return String::new();
    };
    let mut out = format!(
        " The fit put {} of ballots in the corner (at least 95% turnout), more than the \
         stations observed there with at least 95% for the winner hold above the other \
         stations' turnout ({}), so the corner's reading is cut to that: the model places its \
         stuffing at stations of ordinary size, and an honest high-turnout population (special \
         stations such as hospitals, or a high-turnout region without its own region column) \
         can draw the same picture.",
        pct(fitted),
        pct(a.corner_room.max(0.0))
    );
    if a.high_turnout_mixed >= 5e-5 {
        out.push_str(&format!(
            " Stations at 95% turnout or more with less than 95% for the winner hold {} of \
             ballots above the other stations' turnout; they are not counted as the corner's \
             room: extreme stuffing that moves none of the other candidates' votes, and an \
             honest high-turnout population (barracks, hospitals, prisons, ships) draw them \
             alike. Look at those stations (--stations-out) before reading them as stuffing.",
            pct(a.high_turnout_mixed)
        ));
    }
    out
}

/// The reading when the fair model misfits: only the extreme part may flag, and the
/// verdict comes before the whole fit's amount, which is no finding here.
fn misfit_reading(a: &Analysis) -> String {
    let total = a.total_ballots.max(1.0);
    let b = a.ballots_added_unread.as_ref().unwrap_or(&a.ballots_added);
    let e = &a.material_extreme;
    let ratio = a.goodness_of_fit.ratio.unwrap_or(f64::NAN);
    let corner = "Stuffing that puts stations in the corner (at least 95% turnout and 95% for \
                  the winner: nearly every registered voter's ballot cast, nearly all for one \
                  candidate), where few honest stations sit,";
    let whole = format!(
        "the fair model fits the data {ratio:.1} times worse than its own simulated elections, \
         so incremental stuffing cannot be told apart from the election's own heterogeneity \
         (town and country, station size, regional differences) and is not flagged: read as \
         stuffing, the whole fit would add {} of ballots ({:.0}, 95% CI {:.0}–{:.0})",
        pct(b.estimate / total),
        b.estimate,
        b.ci_low,
        b.ci_high,
    );
    let caveat = "a model-based reading (Klimek et al. 2012), not proof of fraud";
    if a.material_p() < SELECT_P {
        format!(
            "{corner} would add {} of ballots (bootstrap sd {}), above the {} margin: that \
             alone is what is flagged. Beyond the corner, {whole}; {caveat}.",
            pct(e.share),
            pct(e.sd),
            pct(e.margin)
        )
    } else {
        format!(
            "Not flagged: {whole}. {corner} would add {} of ballots, not clearly above the {} \
             margin, so nothing is flagged; {caveat}.",
            pct(e.share.max(0.0)),
            pct(e.margin)
        )
    }
}

/// Turnout and the winner's share from which a station counts as in the corner.
const FULL_CORNER: f64 = 0.96;

/// Stations in the corner that the fit does not read as extreme stuffing: the summary
/// says so rather than staying silent.
fn corner_note(a: &Analysis) -> String {
    let g = Grid::FIT;
    let first_t = (FULL_CORNER * g.turnout_bins as f64).round() as usize;
    let first_s = (FULL_CORNER * g.share_bins as f64).round() as usize;
    let corner: u64 = (first_t..g.turnout_bins)
        .flat_map(|t| (first_s..g.share_bins).map(move |s| t * g.share_bins + s))
        .map(|cell| u64::from(a.histogram.get(cell).copied().unwrap_or(0)))
        .sum();
    let share = corner as f64 / a.stations.max(1) as f64;
    if a.f_extreme.ci_low > 0.0 || corner < 20 || share < 0.002 {
        return String::new();
    }
    format!(
        " {corner} stations ({}) report at least {:.0}% turnout and {:.0}% for the winner, yet \
         the fit finds no clear extreme stuffing: the fitted stuffing that lands there is not \
         clearly above the margin (list them with --stations-out, and compare the regions \
         with --by-region).",
        pct(share),
        100.0 * FULL_CORNER,
        100.0 * FULL_CORNER
    )
}

/// When the model fits the data clearly worse than its own simulated elections.
fn misfit_note(a: &Analysis) -> String {
    let shape = match a.settings.model {
        FingerprintModel::Default if a.procedure.covariates => {
            "one logit-normal per region (or region × stratum) that follows station size"
        }
        FingerprintModel::Default => "one logit-normal per region (or region × stratum)",
        FingerprintModel::Paper => "one national normal",
    };
    match a.goodness_of_fit.ratio {
        Some(r) if r > MISFIT_RATIO => format!(
            " The model fits the data {r:.1} times worse than its own simulated elections \
             (deviance ratio): the fair shape departs from {shape}, and some of the fitted \
             stuffing, or all of it, may be that departure."
        ),
        _ => String::new(),
    }
}

/// Why the histograms were compared as they were, when the data let it matter.
fn binning_note(a: &Analysis) -> String {
    if let [name] = a.group_names.as_slice() {
        if name == ALL_SMALL_REGIONS {
            return format!(
                " Every region holds fewer than {MIN_GROUP_STATIONS} of the stations the fit \
                 reads, too few to compare region by region, so the stations were compared as \
                 one group: regions that differ can read as stuffing, so map a coarser region \
                 column (a province rather than a district) where the file has one."
            );
        }
        if !name.starts_with('(') {
            // A region column naming one region: the file's regions are not in it.
            return format!(
                " Every station is in one region ('{name}'), so the stations were compared as \
                 one group: parts of it that differ (town and country, districts) can read as \
                 stuffing, so map a finer region column, or --stratum, where the file has one."
            );
        }
    }
    if a.group_names.len() <= 1 {
        // One group: nothing was compared region by region.
        return match a.per_region_trial {
            Some(t) if !t.kept => format!(
                " With no region column, all stations were compared as one group, which the \
                 model fitted {:.1} times worse than its own simulated elections (more than {} \
                 allowed). Regions that differ can read as stuffing when they are not given: \
                 map a region column where the file has one.",
                t.ratio, MISFIT_RATIO
            ),
            _ => " With no region column, the stations were compared as one group: regions \
                 that differ can read as stuffing when they are not given, so map a region \
                 column where the file has one."
                .to_string(),
        };
    }
    match a.per_region_trial {
        Some(t) if t.kept => format!(
            " Histograms were compared region by region: the model fits each region about as \
             well as its own simulated elections (deviance {:.2} times theirs, at most {} \
             allowed).",
            t.ratio, MISFIT_RATIO
        ),
        Some(t) => format!(
            " Histograms were compared on the national grid: region by region the model fitted \
             {:.1} times worse than its own simulated elections (more than {} allowed), a sign \
             that regions mix stations of different kinds (town and country, say), which \
             region by region would read as stuffing.",
            t.ratio, MISFIT_RATIO
        ),
        None if a.group_grids.iter().any(Option::is_some) => " Histograms were compared region \
             by region, as asked: a region that mixes town and country reads as stuffing this \
             way, so its regions should be alike (for example region × settlement type)."
            .to_string(),
        None => String::new(),
    }
}

/// What the fit found, and how far to trust it.
fn reading(a: &Analysis) -> String {
    let total = a.total_ballots.max(1.0);
    let b = &a.ballots_added;
    let caveat = "a model-based estimate (Klimek et al. 2012) of how much stuffing would explain \
                  the picture, not proof of fraud";
    let m = &a.material;
    let amount = format!(
        "{} of ballots ({:.0}, 95% CI {:.0}–{:.0})",
        pct(b.estimate / total),
        b.estimate,
        b.ci_low,
        b.ci_high
    );
    let departs = format!(
        "Not flagged: the fingerprint departs from the fair model (no-stuffing test {})",
        format_p(a.test.p_value)
    );
    if a.fraud_selected && a.material_p() >= SELECT_P && a.material_p_reported() < SELECT_P {
        // Material under the reported fair model; another that fits reads less.
        format!(
            "{departs}, but the departure cannot be told apart from the election's own \
             structure (urban/rural mixes, regional differences, station size, a skewed \
             turnout). Read as stuffing under the fair model reported here, it would add {amount}; {caveat}."
        )
    } else if a.fraud_selected && a.material_p() >= SELECT_P && m.share > m.margin {
        format!(
            "{departs}, but the departure cannot be told apart from the election's own \
             structure (urban/rural mixes, regional differences). Read as stuffing, it would \
             add {amount}, so poorly determined (bootstrap sd {}, calibrated for how little \
             the fit follows more stuffing of this shape) that it is not clearly above the {} \
             materiality margin; {caveat}.",
            pct(m.sd),
            pct(m.margin),
        )
    } else if a.fraud_selected && a.material_p() >= SELECT_P {
        format!(
            "{departs}, but the fitted stuffing adds only {amount}, not clearly above the {} \
             materiality margin: a departure this small is what a fair model's misfit gives on \
             real clean elections (urban/rural mixes inside regions); {caveat}.",
            pct(m.margin),
        )
    } else if a.fraud_selected {
        format!(
            "Fitted ballot stuffing adds {} of ballots ({:.0}, 95% CI {:.0}–{:.0}): extreme \
             stuffing at {} of stations ({}–{}), incremental at {} ({}–{}); {caveat}.{}",
            pct(b.estimate / total),
            b.estimate,
            b.ci_low,
            b.ci_high,
            pct(a.f_extreme.estimate),
            pct(a.f_extreme.ci_low),
            pct(a.f_extreme.ci_high),
            pct(a.f_incremental.estimate),
            pct(a.f_incremental.ci_low),
            pct(a.f_incremental.ci_high),
            shape_caveats(a) + &extreme_reading(a),
        )
    } else {
        format!(
            "The fingerprint needs no ballot stuffing (no-stuffing test {}); the fit \
             cannot rule out stuffing of up to {} of ballots ({:.0}); {caveat}.",
            format_p(a.test.p_value),
            pct(b.ci_high / total),
            b.ci_high,
        )
    }
}

/// The extreme part's own amount, when it is clearer than the whole's.
fn extreme_reading(a: &Analysis) -> String {
    let e = &a.material_extreme;
    if e.share <= 0.0 || e.p_value >= a.material.p_value {
        return String::new();
    }
    format!(
        " Stuffing in the corner (at least 95% turnout and 95% for the winner) alone adds {} of \
         ballots (bootstrap sd {}), which is what shows the stuffing to be above the {} \
         materiality margin.",
        pct(e.share),
        pct(e.sd),
        pct(e.margin),
    )
}

/// What the fitted shape of the stuffing says about how far to trust its amount.
fn shape_caveats(a: &Analysis) -> String {
    let mut out = String::new();
    if a.fit.fraud.f_incremental > 0.0
        && a.procedure.fit_theta
        && a.fit.fraud.theta <= a.procedure.theta_range.0 * 1.05
    {
        out.push_str(&format!(
            " The incremental part sits at the smallest intensity the fit allows (θ = {:.3}), \
             where mild stuffing of many stations is hard to tell from a fair distribution \
             slightly wider than the model's.",
            a.fit.fraud.theta
        ));
    }
    if a.fair_share.estimate >= HIGH_FAIR_SHARE {
        out.push_str(&format!(
            " The winner's fair share is {}: this far ahead, mild stuffing trades off against \
             the fair turnout, and on simulated elections of this shape the ballots added were \
             more often underestimated than not, with an interval too narrow to show it.",
            pct(a.fair_share.estimate)
        ));
    }
    if !a.calibration[Q_BALLOTS_ADDED].inverted {
        out.push_str(&format!(
            " The amount is poorly determined: the fit barely follows more stuffing of this \
             shape (slope {:.2}), so the estimate is the plain bias correction and the interval \
             is wide.",
            a.calibration[Q_BALLOTS_ADDED].slope
        ));
    }
    out
}

fn detail(a: &Analysis, left: &LeftOut, model: FingerprintModel) -> Value {
    let proc_ = &a.procedure;
    let raw = &a.fit.fraud;
    json!({
        "model": model.name(),
        "fair_model": (model == FingerprintModel::Default)
            .then(|| fair_model_name(&a.procedure)),
        "stations": a.stations,
        "left_out": left,
        "fraud_selected": a.fraud_selected,
        "f_incremental": with(interval(&a.f_incremental), json!({
            "fit": num(raw.f_incremental),
            "profile": a.profile,
        })),
        "f_extreme": with(interval(&a.f_extreme), json!({"fit": num(raw.f_extreme)})),
        "theta": with(interval(&a.theta), json!({
            "fit": num(raw.theta),
            "identified": a.theta_identified,
            "fitted": proc_.fit_theta,
        })),
        "steal_exponent": with(interval(&a.steal_exponent), json!({
            "fit": num(raw.steal_exponent),
            "identified": a.steal_exponent_identified,
        })),
        "ballots_added": with(interval(&a.ballots_added), json!({
            "share_of_ballots": num(a.ballots_added.estimate / a.total_ballots.max(1.0)),
            "whole_fit_if_misfit": a.ballots_added_unread.map(|iv| interval(&iv)),
            "fit": num(a.fit.ballots_added),
        })),
        "votes_moved": with(interval(&a.votes_moved), json!({
            "whole_fit_if_misfit": a.votes_moved_unread.map(|iv| interval(&iv)),
            "fit": num(a.fit.votes_moved),
        })),
        "fair": fair_detail(a),
        "alternatives": a.alternatives,
        "p_value": "intersection-union: max(no_fraud_test.p_value, materiality.p_value)",
        "materiality": {
            "hypothesis": "ballots added ≤ margin × all ballots",
            "margin": num(a.material.margin),
            "p_value": num(a.material_p()),
            "combined": "2 × the smaller p of the two readings (Bonferroni)",
            "all_stuffing": material(&a.material),
            "extreme_stuffing": material(&a.material_extreme),
            "corner_room": num(a.corner_room),
            "high_turnout_mixed": num(a.high_turnout_mixed),
            "corner_fitted_before_cut": a.corner_overshoot.map(num),
        },
        "no_fraud_test": no_fraud_detail(a),
        "goodness_of_fit": goodness_detail(a),
        "bootstrap": bootstrap_detail(a, model),
        "simulated_copies": a.copies,
        "sample": a.sample,
        "binning": binning(a),
        "histogram": {
            "bins_turnout": Grid::FIT.turnout_bins,
            "bins_share": Grid::FIT.share_bins,
            "rows": "turnout",
            "counts": a.histogram,
        },
    })
}

/// The reported fair model: its overall turnout and share, and each group's.
fn fair_detail(a: &Analysis) -> Value {
    let fair = if a.fraud_selected {
        &a.fit.fair
    } else {
        &a.fair_only.fair
    };
    let centre = |c: f64| match fair.shape {
        FairShape::LogitNormal => logistic(c),
        FairShape::Normal => c,
    };
    let regions: Vec<Value> = fair
        .groups
        .iter()
        .enumerate()
        .map(|(g, p)| {
            json!({
                "region": a.group_names.get(g),
                "stations": a.group_sizes.get(g),
                "turnout_center": num(p.turnout_center),
                "turnout_spread": num(p.turnout_spread),
                "turnout_median": num(centre(p.turnout_center)),
                "share_center": num(p.share_center),
                "share_spread": num(p.share_spread),
                "share_median": num(centre(p.share_center)),
            })
        })
        .collect();
    json!({
        "turnout": interval(&a.fair_turnout),
        "winner_share": interval(&a.fair_share),
        "scale": match fair.shape {
            FairShape::LogitNormal => "logit",
            FairShape::Normal => "linear",
        },
        "covariates": fair.covariates,
        "regions": regions,
    })
}

/// The no-fraud test: the observed distance drop against the null replicates' tail.
fn no_fraud_detail(a: &Analysis) -> Value {
    let tail = a.test.tail.map(|t| {
        json!({
            "family": "gamma with an atom at 0",
            "zero_share": num(t.zero_share),
            "shape": num(t.shape),
            "scale": num(t.scale),
            "ks_distance": num(t.ks_distance),
        })
    });
    json!({
        "statistic": "distance drop, fair-only fit to full fit",
        "distance_drop": num(a.test.distance_drop),
        "null_replicates": a.test.null_drops.len(),
        "exceedances": a.test.exceedances,
        "tail": tail,
        "p_value": num(a.test.p_value),
        "select_p": SELECT_P,
    })
}

fn goodness_detail(a: &Analysis) -> Value {
    let gof = &a.goodness_of_fit;
    let distance = match a.procedure.distance {
        Distance::Deviance => "poisson-deviance",
        Distance::RelativeSquares => "relative-squares",
    };
    json!({
        "distance": distance,
        "value": num(gof.distance),
        "df": num(gof.df),
        "per_df": num(gof.per_df),
        "bootstrap_p": gof.bootstrap_p.and_then(num),
        "replicate_ratio": gof.ratio.and_then(num),
    })
}

/// How the estimates and intervals were read off the bootstrap.
fn bootstrap_detail(a: &Analysis, model: FingerprintModel) -> Value {
    json!({
        "replicates": a.replicates.len() + a.corrected_replicates.len(),
        "at_fit": a.replicates.len(),
        "at_corrected_fit": a.corrected_replicates.len(),
        "estimate": if a.corrected_replicates.is_empty() {
            if model == FingerprintModel::Default {
                "bias-corrected: truth + fit − mean of replicates"
            } else {
                "the fit"
            }
        } else {
            "calibrated: where the fit's line in the truth, from replicates at the fit and \
             at the bias-corrected fit (paired), reaches the observed fit"
        },
        "interval": if model == FingerprintModel::Paper {
            "basic: [2·fit − q97.5, 2·fit − q2.5]"
        } else if a.corrected_replicates.is_empty() {
            "the replicates' residual quantiles (type 6, a prediction interval) about that \
             estimate, widened by √(1 + 1/B)"
        } else {
            "the replicates' residual quantiles (type 6, a prediction interval) about that \
             line, divided by its slope"
        },
        "slopes": QUANTITY_NAMES
            .iter()
            .zip(&a.calibration)
            .map(|(name, c)| (name.to_string(), json!(num(c.slope))))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// Which histograms the fit compared, and the θ range that follows from them.
fn binning(a: &Analysis) -> Value {
    let mut v = grids(a);
    if let Some(m) = v.as_object_mut() {
        m.insert("chosen".into(), json!(a.settings.binning));
        if let Some(t) = a.per_region_trial {
            m.insert(
                "per_region_trial".into(),
                json!({
                    "replicate_ratio": num(t.ratio),
                    "max_ratio": MISFIT_RATIO,
                    "kept": t.kept,
                }),
            );
        }
    }
    v
}

/// The grids the fit compared.
fn grids(a: &Analysis) -> Value {
    let theta_range = json!([
        num(a.procedure.theta_range.0),
        num(a.procedure.theta_range.1)
    ]);
    match a.procedure.binning {
        Binning::National(g) => json!({
            "kind": "national",
            "bins_turnout": g.turnout_bins,
            "bins_share": g.share_bins,
            "theta_range": theta_range,
        }),
        Binning::PerGroup => json!({
            "kind": "per-region",
            "national_bins": Grid::FIT.turnout_bins,
            "own_grid_min_stations": OWN_GRID_STATIONS,
            "national_corner": CORNER,
            "regions_with_own_grid": a
                .group_grids
                .iter()
                .enumerate()
                .filter_map(|(g, b)| b.map(|b| json!({
                    "region": a.group_names.get(g),
                    "stations": a.group_sizes.get(g),
                    "bins": b,
                })))
                .collect::<Vec<_>>(),
            "theta_range": theta_range,
        }),
    }
}

impl Check for Fingerprint {
    fn id(&self) -> &'static str {
        ID
    }

    /// In the Holm family with the intersection-union p-value: the no-fraud test alone
    /// rejects real clean controls (Poland 2020, p ~ 1e-26 in round 1, with 0.21% of
    /// ballots "added"), because a logit-normal fair model per region cannot follow an
    /// urban/rural mix inside a region; the materiality margin keeps such misfit unflagged.
    fn family(&self) -> Family {
        FAMILY
    }

    fn describe(&self) -> &'static str {
        "Turnout × winner-share fingerprint fitted with Klimek et al.'s ballot-stuffing model: \
         fraction of stuffed stations, ballots added and a test of material stuffing"
    }

    /// A region's stations cannot identify f_e to 0.001: the fit is national only.
    fn per_region(&self) -> bool {
        false
    }

    /// The region's share of the national fit's stuffing (`detail.region_shares`).
    fn region_entry(&self, national: &CheckResult, region: &str) -> Option<CheckResult> {
        // Read back as the type that wrote it, so that a renamed field fails here
        // instead of reading as 0.
        let shares: Vec<RegionShare> =
            serde_json::from_value(national.detail.get("region_shares")?.clone()).ok()?;
        let entry = shares.into_iter().find(|e| e.region == region)?;
        let (ballots, share) = (entry.ballots, entry.share_of_national);
        let (stuffed, added_iv) = (entry.stuffed_stations, entry.ballots_added);
        let added = added_iv.estimate;
        let summary = if national
            .detail
            .get("fraud_selected")
            .and_then(Value::as_bool)
            == Some(true)
        {
            format!(
                "Not refitted in the region (a region cannot identify the fraud fractions): it \
                 holds {:.1} of the national fit's expected stuffed stations (95% CI {:.1}–{:.1}) \
                 and {:.0} of its ballots added ({:.0}–{:.0}), {} of the national estimate and {} \
                 of the region's ballots.",
                stuffed.estimate,
                stuffed.ci_low,
                stuffed.ci_high,
                added,
                added_iv.ci_low,
                added_iv.ci_high,
                pct(share),
                pct(if ballots > 0.0 { added / ballots } else { 0.0 }),
            )
        } else {
            format!(
                "Not refitted in the region: the national fit needs no stuffing, and its upper \
                 bounds put at most {:.0} stuffed stations and {:.0} added ballots here ({} of \
                 the region's ballots).",
                stuffed.ci_high,
                added_iv.ci_high,
                pct(if ballots > 0.0 {
                    added_iv.ci_high / ballots
                } else {
                    0.0
                }),
            )
        };
        Some(CheckResult {
            statistic: None,
            p_value: None,
            effect: (ballots > 0.0).then(|| Effect {
                measure: "ballots_added_share".into(),
                value: added / ballots,
            }),
            summary,
            detail: json!({"national_share": entry}),
            ..CheckResult::applicable(ID, SUBJECT, Family::Descriptive, entry.stations as u64)
        })
    }

    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        let (a, left, shares) = match self.analyse(ctx) {
            Ok(x) => x,
            Err(why) => {
                let (st, _) = Stations::from_dataset(ctx.data);
                return vec![CheckResult::not_applicable(
                    ID,
                    SUBJECT,
                    FAMILY,
                    st.len() as u64,
                    why,
                )];
            }
        };
        let share = a.ballots_added.estimate / a.total_ballots.max(1.0);
        vec![CheckResult {
            statistic: num(a.test.distance_drop),
            p_value: num(a.p_value()),
            effect: num(share).map(|value| Effect {
                measure: "ballots_added_share".into(),
                value,
            }),
            summary: summary(&a),
            detail: with(
                detail(&a, &left, self.model),
                json!({"region_shares": (!shares.is_empty()).then_some(&shares)}),
            ),
            charts: match ctx.options.charts {
                true => charts(ctx, &a),
                false => Default::default(),
            },
            ..CheckResult::applicable(ID, SUBJECT, FAMILY, fitted_of(&a) as u64)
        }]
    }
}

/// The observed fingerprint, and beside it the same stations simulated from the fitted
/// fair model and from the fitted fair model with its stuffing; and the clean stations
/// simulated from the fair model that put `--stations-out`'s score on a scale.
fn charts(ctx: &CheckContext, a: &Analysis) -> Charts {
    let mut charts = fingerprint_charts(ctx.data);
    let Some(maps) = charts.fingerprint.as_mut() else {
        return charts;
    };
    let (st, _) = Stations::from_dataset(ctx.data);
    let seed = ctx.options.seed;
    let fair = if a.fraud_selected {
        &a.fit.fair
    } else {
        &a.fair_only.fair
    };
    let map = |fraud: &Fraud| Heatmap {
        counts: simulated_map(&st, fair, fraud, seed, maps.observed.columns()),
        ..maps.observed.clone()
    };
    let fair_map = map(&Fraud::NONE);
    let scores = ctx.options.station_scores;
    maps.score_null = scores
        .then(|| fair_map.regrid(GRID))
        .flatten()
        .map(|expected| ScoreNull {
            observed: score_cells(&st),
            scores: null_scores(&st, fair, seed, &expected),
            expected,
            copies: null_copies(st.len()),
        });
    maps.fair = Some(fair_map);
    if a.fraud_selected {
        maps.fraud = Some(map(&a.fit.fraud));
    }
    charts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::bootstrap::fixtures::tiny_analysis_of;
    use crate::fingerprint::bootstrap::{AlternativeReading, PerRegionTrial};
    use crate::fingerprint::fit::THETA_RANGE;

    /// An analysis of a few identical stations, to be edited into the case under test.
    fn analysis() -> Analysis {
        // The reported model's readings alone; the alternatives' rule has its own test.
        let mut a = tiny_analysis_of(5);
        assert_eq!(a.alternatives.len(), 3);
        a.alternatives.clear();
        a
    }

    #[test]
    fn a_fitting_alternative_that_reads_too_little_withholds_the_flag() {
        let mut a = analysis();
        a.fraud_selected = true;
        a.material = MaterialTest::with_sd(0.05, 0.005, 0.005);
        a.material_extreme = MaterialTest::with_sd(0.0, 0.001, 0.005);
        let own = a.material_p();
        assert!(own < 1e-10, "{own}");
        let alt = AlternativeReading {
            fair_model: "plain",
            replicate_ratio: Some(1.0),
            distance: 100.0,
            fits: true,
            ballots_added: 10.0,
            turnout_skew: None,
            material: MaterialTest::with_sd(0.004, 0.005, 0.005),
            material_corner: MaterialTest::with_sd(0.0, 0.001, 0.005),
        };
        a.alternatives.push(alt);
        assert_eq!(a.material_p(), alt.material_p());
        assert!(a.material_p() > 0.5);
        assert!(
            summary(&a).contains("the flag is withheld"),
            "{}",
            summary(&a)
        );
        // An alternative that does not fit has no say.
        a.alternatives[0].fits = false;
        assert_eq!(a.material_p(), own);
    }

    #[test]
    fn the_summary_warns_about_mild_stuffing_and_a_flat_calibration() {
        let mut a = analysis();
        a.fraud_selected = true;
        a.material.p_value = 0.0;
        a.fit.fraud.f_incremental = 0.3;
        a.fit.fraud.theta = THETA_RANGE.0;
        a.calibration[Q_BALLOTS_ADDED].slope = 0.25;
        a.calibration[Q_BALLOTS_ADDED].inverted = false;
        let s = summary(&a);
        assert!(
            s.contains("smallest intensity the fit allows (θ = 0.050)"),
            "{s}"
        );
        assert!(
            s.contains("poorly determined") && s.contains("slope 0.25"),
            "{s}"
        );
        // A clear shape says neither.
        a.fit.fraud.theta = 0.15;
        a.calibration[Q_BALLOTS_ADDED].slope = 0.6;
        a.calibration[Q_BALLOTS_ADDED].inverted = true;
        let s = summary(&a);
        assert!(
            !s.contains("smallest intensity") && !s.contains("poorly"),
            "{s}"
        );
        assert!(!s.contains("fair share is"), "{s}");
        a.fair_share.estimate = 0.81;
        let s = summary(&a);
        assert!(
            s.contains("The winner's fair share is 81.00%: this far ahead"),
            "{s}"
        );
        a.fair_share.estimate = 0.5;
        assert!(!s.contains("region by region"), "{s}");
        // The floor is the procedure's: 0.1 where regions have 10 × 10 grids.
        a.procedure.theta_range = (0.1, 1.0);
        a.group_grids = vec![Some(10), Some(10)];
        a.group_names = vec!["north".into(), "south".into()];
        a.fit.fraud.theta = 0.1;
        let s = summary(&a);
        assert!(
            s.contains("smallest intensity the fit allows (θ = 0.100)"),
            "{s}"
        );
        assert!(s.contains("compared region by region, as asked"), "{s}");
    }

    #[test]
    fn the_summary_says_why_the_grids_were_chosen_and_when_the_model_misfits() {
        let mut a = analysis();
        a.goodness_of_fit.ratio = Some(1.02);
        let s = summary(&a);
        assert!(
            !s.contains("Histograms") && !s.contains("times worse"),
            "{s}"
        );
        // Auto kept the per-region fit; with one group (no region column) nothing was
        // compared region by region.
        a.procedure.binning = Binning::PerGroup;
        a.group_grids = vec![Some(10)];
        a.per_region_trial = Some(PerRegionTrial {
            ratio: 1.02,
            kept: true,
        });
        let s = summary(&a);
        assert!(
            !s.contains("region by region") && s.contains("With no region column"),
            "{s}"
        );
        a.group_grids = vec![Some(10), Some(10)];
        a.group_names = vec!["north".into(), "south".into()];
        let s = summary(&a);
        assert!(
            s.contains("compared region by region: the model fits each region")
                && s.contains("deviance 1.02 times theirs, at most 1.15 allowed"),
            "{s}"
        );
        // Auto dropped it; the national fit misfits too.
        a.procedure.binning = Binning::National(Grid::FIT);
        a.group_grids = vec![None, None];
        a.per_region_trial = Some(PerRegionTrial {
            ratio: 5.16,
            kept: false,
        });
        a.goodness_of_fit.ratio = Some(4.94);
        let s = summary(&a);
        assert!(
            s.contains(
                "compared on the national grid: region by region the model fitted 5.2 times worse"
            ),
            "{s}"
        );
        assert!(
            s.contains("fits the data 4.9 times worse")
                && s.contains("departs from one logit-normal per region"),
            "{s}"
        );
        a.settings.model = FingerprintModel::Paper;
        assert!(summary(&a).contains("departs from one national normal"));
        let b = binning(&a);
        assert_eq!(b["chosen"], "auto");
        assert_eq!(
            b["per_region_trial"],
            json!({"replicate_ratio": 5.16, "max_ratio": 1.15, "kept": false})
        );
    }

    #[test]
    fn the_detail_says_which_grids_the_fit_compared() {
        let mut a = analysis();
        let b = binning(&a);
        assert_eq!(b["kind"], "national");
        assert_eq!(b["bins_turnout"], 50);
        assert_eq!(b["theta_range"], json!([0.05, 1.0]));
        // Region by region (`--fingerprint-binning per-region`).
        a.procedure.binning = Binning::PerGroup;
        let b = binning(&a);
        assert_eq!(b["kind"], "per-region");
        assert_eq!(b["regions_with_own_grid"], json!([]));
        a.group_names = vec!["north".into(), "south".into()];
        a.group_sizes = vec![1000, 400];
        a.group_grids = vec![Some(10), None];
        a.procedure.theta_range = (0.1, 1.0);
        let b = binning(&a);
        assert_eq!(
            b["regions_with_own_grid"],
            json!([{"region": "north", "stations": 1000, "bins": 10}])
        );
        assert_eq!(b["theta_range"], json!([0.1, 1.0]));
        assert_eq!(b["own_grid_min_stations"], 903);
        a.procedure.binning = Binning::National(Grid::PAPER);
        assert_eq!(binning(&a)["kind"], "national");
        assert_eq!(binning(&a)["bins_turnout"], 100);
    }

    #[test]
    fn materiality_takes_twice_the_smaller_reading() {
        let mut a = analysis();
        a.test.p_value = 1e-5;
        a.material.p_value = 0.3;
        a.material_extreme.p_value = 0.001;
        assert_eq!(a.material_p(), 0.002);
        assert_eq!(a.p_value(), 0.002);
        // The no-stuffing test still has to reject.
        a.test.p_value = 0.04;
        assert_eq!(a.p_value(), 0.04);
        // Neither reading rejects: capped at 1.
        a.material.p_value = 0.8;
        a.material_extreme.p_value = 0.9;
        assert_eq!(a.material_p(), 1.0);
    }

    #[test]
    fn one_region_named_is_not_called_no_region_column() {
        let mut a = analysis();
        a.group_names = vec!["R01".into()];
        let s = summary(&a);
        assert!(s.contains("Every station is in one region ('R01')"), "{s}");
        assert!(!s.contains("no region column"), "{s}");
        a.group_names = vec!["(no region)".into()];
        assert!(summary(&a).contains("With no region column"));
    }

    #[test]
    fn a_misfitting_fair_model_leaves_only_the_extreme_part_to_flag() {
        let mut a = analysis();
        a.fraud_selected = true;
        a.test.p_value = 1e-30;
        a.material.p_value = 1e-20;
        a.material_extreme = MaterialTest::with_sd(0.0, 0.001, 0.005);
        a.goodness_of_fit.ratio = Some(MISFIT_RATIO + 0.01);
        assert!(a.misfits());
        assert_eq!(a.material_p(), a.material_extreme.p_value);
        assert!(a.p_value() > 0.5, "{}", a.p_value());
        let s = summary(&a);
        assert!(s.contains("cannot be told apart"), "{s}");
        assert!(s.contains("so nothing is flagged"), "{s}");
        // Clear extreme stuffing still flags, and the summary says it alone does.
        a.material_extreme = MaterialTest::with_sd(0.02, 0.002, 0.005);
        assert_eq!(a.p_value(), a.material_extreme.p_value);
        assert!(a.p_value() < 1e-10, "{}", a.p_value());
        assert!(summary(&a).contains("that alone is what is flagged"));
        // At the threshold the model fits, and both readings count (Bonferroni).
        a.goodness_of_fit.ratio = Some(MISFIT_RATIO);
        assert!(!a.misfits());
        assert_eq!(a.material_p(), 2e-20);
        // The paper model's ratio is not calibrated for the gate.
        a.goodness_of_fit.ratio = Some(3.0);
        a.settings.model = FingerprintModel::Paper;
        assert!(!a.misfits());
    }

    /// Stuffing above the margin whose test is not significant is called poorly
    /// determined, not small; below the margin, small.
    #[test]
    fn an_amount_above_the_margin_but_not_clearly_so_is_called_poorly_determined() {
        let mut a = analysis();
        a.fraud_selected = true;
        a.test.p_value = 1e-12;
        a.goodness_of_fit.ratio = Some(1.0);
        a.material = MaterialTest::with_sd(0.10, 0.07, 0.005);
        a.material_extreme = MaterialTest::with_sd(0.0, 0.001, 0.005);
        assert!(a.p_value() > 0.01, "{}", a.p_value());
        let s = summary(&a);
        assert!(s.contains("so poorly determined"), "{s}");
        assert!(s.contains("cannot be told apart"), "{s}");
        assert!(!s.contains("adds only"), "{s}");
        a.material = MaterialTest::with_sd(0.004, 0.002, 0.005);
        let s = summary(&a);
        assert!(s.contains("adds only"), "{s}");
        assert!(!s.contains("so poorly determined"), "{s}");
    }

    #[test]
    fn stations_in_the_full_corner_are_named_when_the_fit_reads_no_extreme_stuffing() {
        let mut a = analysis();
        a.stations = 10_000;
        a.histogram = vec![0; 2500];
        a.histogram[49 * 50 + 49] = 60;
        a.histogram[48 * 50 + 49] = 10;
        assert!(corner_note(&a).contains(" 70 stations (0.70%) report at least 96% turnout"));
        a.f_extreme.ci_low = 0.001;
        assert_eq!(corner_note(&a), "");
    }

    #[test]
    fn the_summary_names_the_extreme_reading_when_it_carries_the_flag() {
        let mut a = analysis();
        a.fraud_selected = true;
        a.material.p_value = 0.3;
        a.material_extreme = MaterialTest::with_sd(0.0122, 0.0006, 0.005);
        let s = summary(&a);
        assert!(
            s.contains(
                "Stuffing in the corner (at least 95% turnout and 95% for the winner) alone adds \
                 1.22% of ballots (bootstrap sd 0.06%)"
            ),
            "{s}"
        );
        // Not when the whole amount is the clearer reading.
        a.material.p_value = 0.0;
        assert!(!summary(&a).contains("Stuffing in the corner"));
    }
}
