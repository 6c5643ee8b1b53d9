//! Honest heterogeneity of clean elections (sub-populations, a size gradient,
//! correlated regions, a hidden region column) and the named shapes that set it.
//!
//! Real countries mix town and country: big urban stations with low turnout and a low
//! winner's share beside small rural ones with high turnout and a high share. A fair
//! model with one peak reads that structure as ballot stuffing; these shapes are the
//! clean elections a fingerprint must leave unflagged.

use serde::Serialize;

use super::spec::{ElectionSpec, SizeModel};

/// An honest sub-population: every station belongs to one, drawn with these weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Subpopulation {
    /// Relative weight: the chance a station belongs to it (weights are normalised).
    pub weight: f64,
    /// Station-size multiplier: registered voters times this.
    pub size: f64,
    /// Offset on logit turnout.
    pub turnout: f64,
    /// Offset on the winner's log share.
    pub share: f64,
}

/// A gradient with station size: `turnout`·ln(N/m) on logit turnout and `share`·ln(N/m)
/// on the winner's log share, where N is the station's registered voters and m the
/// size median (the lognormal's median, or the median of a fixed list).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SizeGradient {
    pub turnout: f64,
    pub share: f64,
}

impl SizeGradient {
    pub fn is_none(&self) -> bool {
        self.turnout == 0.0 && self.share == 0.0
    }
}

/// Clean heterogeneity; the default has none, and leaves the truth file as it was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heterogeneity {
    /// Sub-populations inside every region (none by default: one population).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subpopulations: Vec<Subpopulation>,
    #[serde(skip_serializing_if = "SizeGradient::is_none")]
    pub size_gradient: SizeGradient,
    /// Correlation of a region's effect on logit turnout with its effect on the winner's
    /// log share. At 0 (the default, as before) a region's effects are independent.
    pub region_correlation: f64,
    /// Whether the CSV has a region column; without it the regions' effects are still
    /// drawn, but an audit cannot see them.
    pub region_column: bool,
}

impl Default for Heterogeneity {
    fn default() -> Self {
        Heterogeneity {
            subpopulations: Vec::new(),
            size_gradient: SizeGradient::default(),
            region_correlation: 0.0,
            region_column: true,
        }
    }
}

impl Heterogeneity {
    pub fn is_none(&self) -> bool {
        *self == Heterogeneity::default()
    }
}

/// Named clean heterogeneous shapes, for calibrating the fingerprint on honest structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Town (weight 0.5, sizes ×1.8, turnout and share −0.45) and country (0.5, ×0.55,
    /// +0.45) in every region.
    TownCountry,
    /// Three populations of equal weight: sizes ×2, ×1, ×0.45 with offsets −0.6, 0,
    /// +0.7 on logit turnout and the winner's log share.
    ThreePopulations,
    /// Turnout and the winner's share fall with station size: gradient −0.5 on both, size
    /// sigma 0.7.
    SizeGradient,
    /// 24 regions with region sd 0.4 and correlation 0.5 between a region's turnout and
    /// winner effects, plus a mild town and country (±0.25, sizes ×1.5 and ×0.67).
    Regional,
    /// 24 regions with region sd 0.35 and no region column.
    HiddenRegions,
    /// The winner expects 80% (turnout 70%), with town and country.
    LandslideTownCountry,
    /// Small stations (median 150 registered, sigma 0.6), with town and country.
    TinyStations,
}

impl Shape {
    /// Every shape, in the order above.
    pub const ALL: [Shape; 7] = [
        Shape::TownCountry,
        Shape::ThreePopulations,
        Shape::SizeGradient,
        Shape::Regional,
        Shape::HiddenRegions,
        Shape::LandslideTownCountry,
        Shape::TinyStations,
    ];

    /// The name `elaudit simulate --shape` takes.
    pub fn name(self) -> &'static str {
        match self {
            Shape::TownCountry => "town-country",
            Shape::ThreePopulations => "three-populations",
            Shape::SizeGradient => "size-gradient",
            Shape::Regional => "regional",
            Shape::HiddenRegions => "hidden-regions",
            Shape::LandslideTownCountry => "landslide-town-country",
            Shape::TinyStations => "tiny-stations",
        }
    }

    /// The shape `name` names, as [`Shape::name`] spells it.
    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
    }
}

fn sub(weight: f64, size: f64, turnout: f64, share: f64) -> Subpopulation {
    Subpopulation {
        weight,
        size,
        turnout,
        share,
    }
}

/// Town and country with offsets ∓`d` and sizes ×`town` and ×`country`.
fn town_country(d: f64, town: f64, country: f64) -> Vec<Subpopulation> {
    vec![sub(0.5, town, -d, -d), sub(0.5, country, d, d)]
}

impl ElectionSpec {
    /// Sets the fields `shape` is made of; other fields keep their values.
    pub fn apply_shape(&mut self, shape: Shape) {
        let h = &mut self.heterogeneity;
        match shape {
            Shape::TownCountry => h.subpopulations = town_country(0.45, 1.8, 0.55),
            Shape::ThreePopulations => {
                let third = 1.0 / 3.0;
                h.subpopulations = vec![
                    sub(third, 2.0, -0.6, -0.6),
                    sub(third, 1.0, 0.0, 0.0),
                    sub(third, 0.45, 0.7, 0.7),
                ];
            }
            Shape::SizeGradient => {
                h.size_gradient = SizeGradient {
                    turnout: -0.5,
                    share: -0.5,
                };
                let median = match self.size {
                    SizeModel::LogNormal { median, .. } => median,
                    SizeModel::Fixed(_) => 1000.0,
                };
                self.size = SizeModel::LogNormal { median, sigma: 0.7 };
            }
            Shape::Regional => {
                h.subpopulations = town_country(0.25, 1.5, 0.67);
                h.region_correlation = 0.5;
                self.regions = 24;
                self.region_sd = 0.4;
            }
            Shape::HiddenRegions => {
                h.region_column = false;
                self.regions = 24;
                self.region_sd = 0.35;
            }
            Shape::LandslideTownCountry => {
                h.subpopulations = town_country(0.45, 1.8, 0.55);
                self.turnout = 0.7;
                self.shares = vec![0.8, 0.1, 0.06, 0.04];
                self.candidate_names = super::default_candidate_names(4);
            }
            Shape::TinyStations => {
                h.subpopulations = town_country(0.45, 1.8, 0.55);
                self.size = SizeModel::LogNormal {
                    median: 150.0,
                    sigma: 0.6,
                };
            }
        }
    }

    /// This spec with `shape` applied.
    pub fn with_shape(mut self, shape: Shape) -> ElectionSpec {
        self.apply_shape(shape);
        self
    }
}

/// Largest size multiplier or |offset| a spec may give.
const MAX_SIZE_FACTOR: f64 = 100.0;
const MAX_OFFSET: f64 = 10.0;

impl Heterogeneity {
    /// Reports each problem as (field, message) to `bad`.
    pub(crate) fn validate(&self, bad: &mut impl FnMut(&'static str, String)) {
        for (i, s) in self.subpopulations.iter().enumerate() {
            let n = i + 1;
            if !(s.weight.is_finite() && s.weight > 0.0) {
                bad(
                    "heterogeneity.subpopulations",
                    format!(
                        "sub-population {n}: weight must be above 0, got {}",
                        s.weight
                    ),
                );
            }
            if !(s.size.is_finite() && s.size > 0.0 && s.size <= MAX_SIZE_FACTOR) {
                bad(
                    "heterogeneity.subpopulations",
                    format!(
                        "sub-population {n}: size multiplier must be above 0 and at most \
                         {MAX_SIZE_FACTOR}, got {}",
                        s.size
                    ),
                );
            }
            for (what, v) in [("turnout", s.turnout), ("share", s.share)] {
                if !(v.is_finite() && v.abs() <= MAX_OFFSET) {
                    bad(
                        "heterogeneity.subpopulations",
                        format!(
                            "sub-population {n}: {what} offset must be between \
                             -{MAX_OFFSET} and {MAX_OFFSET}, got {v}"
                        ),
                    );
                }
            }
        }
        let g = &self.size_gradient;
        for v in [g.turnout, g.share] {
            if !(v.is_finite() && v.abs() <= MAX_OFFSET) {
                bad(
                    "heterogeneity.size_gradient",
                    format!("must be between -{MAX_OFFSET} and {MAX_OFFSET}, got {v}"),
                );
            }
        }
        let r = self.region_correlation;
        if !(r.is_finite() && (-1.0..=1.0).contains(&r)) {
            bad(
                "heterogeneity.region_correlation",
                format!("must be between -1 and 1, got {r}"),
            );
        }
    }

    /// Clamps every value into range; drops sub-populations without weight.
    pub(crate) fn sanitise(&mut self) {
        fn clamp(v: f64, lo: f64, hi: f64, fallback: f64) -> f64 {
            if v.is_nan() {
                fallback
            } else {
                v.clamp(lo, hi)
            }
        }
        self.subpopulations
            .retain(|s| s.weight.is_finite() && s.weight > 0.0);
        for s in &mut self.subpopulations {
            s.size = clamp(s.size, 1e-3, MAX_SIZE_FACTOR, 1.0);
            s.turnout = clamp(s.turnout, -MAX_OFFSET, MAX_OFFSET, 0.0);
            s.share = clamp(s.share, -MAX_OFFSET, MAX_OFFSET, 0.0);
        }
        let g = &mut self.size_gradient;
        g.turnout = clamp(g.turnout, -MAX_OFFSET, MAX_OFFSET, 0.0);
        g.share = clamp(g.share, -MAX_OFFSET, MAX_OFFSET, 0.0);
        self.region_correlation = clamp(self.region_correlation, -1.0, 1.0, 0.0);
    }
}

/// A sub-population as the calibration sees it: its share of the registered voters, and
/// its mean offsets on logit turnout and the winner's log share, the size gradient's
/// mean included (sizes weighted by voters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cell {
    pub weight: f64,
    pub turnout: f64,
    pub share: f64,
}

/// The size median m's log, and the voter-weighted mean and sd of ln(N/m): σ² and σ for
/// lognormal sizes (a voter's station is lognormal with its log mean shifted by σ²).
pub(crate) fn size_stats(size: &SizeModel) -> (f64, f64, f64) {
    match size {
        SizeModel::LogNormal { median, sigma } => (median.max(1.0).ln(), sigma * sigma, *sigma),
        SizeModel::Fixed(v) => {
            let mut sorted: Vec<u64> = v.iter().copied().filter(|&n| n > 0).collect();
            sorted.sort_unstable();
            let Some(&m) = sorted.get(sorted.len() / 2) else {
                return (0.0, 0.0, 0.0);
            };
            let lm = (m as f64).ln();
            let total: f64 = sorted.iter().map(|&n| n as f64).sum();
            let mean = sorted
                .iter()
                .map(|&n| n as f64 * ((n as f64).ln() - lm))
                .sum::<f64>()
                / total;
            let var = sorted
                .iter()
                .map(|&n| n as f64 * ((n as f64).ln() - lm - mean).powi(2))
                .sum::<f64>()
                / total;
            (lm, mean, var.sqrt())
        }
    }
}

/// Nodes of the voters' ln(N/m) spread a size gradient needs: z from −4 to 4 by 0.5,
/// normal weights (the trapezoid rule, close for smooth integrands).
const GRADIENT_NODES: i32 = 8;

/// The cells the calibration averages over inside each region: one per sub-population
/// (one without them), each split over the spread of ln size when a gradient is set, so
/// that a station's size moves its turnout and share together as it does in the draws.
pub(crate) fn calibration_cells(spec: &ElectionSpec) -> Vec<Cell> {
    let h = &spec.heterogeneity;
    let g = h.size_gradient;
    let (_, mean, sd) = size_stats(&spec.size);
    let base: Vec<(f64, f64, f64, f64)> = if h.subpopulations.is_empty() {
        vec![(1.0, 0.0, 0.0, 0.0)]
    } else {
        let total: f64 = h.subpopulations.iter().map(|s| s.weight * s.size).sum();
        h.subpopulations
            .iter()
            .map(|s| (s.weight * s.size / total, s.turnout, s.share, s.size.ln()))
            .collect()
    };
    if g.is_none() {
        return base
            .iter()
            .map(|&(weight, turnout, share, _)| Cell {
                weight,
                turnout,
                share,
            })
            .collect();
    }
    let nodes: Vec<(f64, f64)> = (-GRADIENT_NODES..=GRADIENT_NODES)
        .map(|k| {
            let z = 0.5 * f64::from(k);
            (z, (-0.5 * z * z).exp())
        })
        .collect();
    let total: f64 = nodes.iter().map(|n| n.1).sum();
    base.iter()
        .flat_map(|&(weight, turnout, share, log_k)| {
            nodes.iter().map(move |&(z, w)| {
                let log_size = log_k + mean + sd * z;
                Cell {
                    weight: weight * w / total,
                    turnout: turnout + g.turnout * log_size,
                    share: share + g.share * log_size,
                }
            })
        })
        .collect()
}

/// Cumulative normalised weights of the sub-populations, each with its sub-population.
pub(crate) fn cumulative(subpopulations: &[Subpopulation]) -> Vec<(f64, Subpopulation)> {
    let total: f64 = subpopulations.iter().map(|s| s.weight).sum();
    let mut acc = 0.0;
    subpopulations
        .iter()
        .map(|s| {
            acc += s.weight / total;
            (acc, *s)
        })
        .collect()
}
