//! `elaudit simulate`'s flags as a checked [`ElectionSpec`]: the preset (or the default
//! election), each given flag overriding its field, then [`ElectionSpec::validate`].

use thiserror::Error;

use crate::cli::{Preset, SimulateArgs};
use crate::simulate::{self, ElectionSpec, SizeGradient, SizeModel, SpecError, Subpopulation};

use super::OptionError;

/// The spec the flags describe, validated.
pub fn election_spec(args: &SimulateArgs) -> Result<ElectionSpec, OptionError> {
    let mut spec = match args.preset {
        Some(Preset::Kz2022) => simulate::kz2022(),
        None => ElectionSpec::clean(10_000),
    };
    if let Some(shape) = args.shape {
        spec.apply_shape(shape);
    }
    if let Some(path) = &args.sizes {
        set_sizes_from_file(&mut spec, path)?;
    }
    if args.size_median.is_some() || args.size_sigma.is_some() {
        let (median, sigma) = lognormal_of(&spec.size);
        spec.size = SizeModel::LogNormal {
            median: args.size_median.unwrap_or(median),
            sigma: args.size_sigma.unwrap_or(sigma),
        };
    }
    if let Some(n) = args.stations {
        spec.stations = n;
    }
    if let Some(r) = args.regions {
        spec.regions = r;
    }
    if let Some(list) = &args.shares {
        let shares = parse_shares(list)?;
        if spec.candidate_names.len() != shares.len() {
            spec.candidate_names = simulate::default_candidate_names(shares.len());
        }
        spec.shares = shares;
    }
    set_numbers(&mut spec, args);
    set_heterogeneity(&mut spec, args)?;
    spec.validate().map_err(OptionError::ElectionSpec)?;
    Ok(spec)
}

/// `--sizes FILE`: the file's station sizes, and its station count.
fn set_sizes_from_file(spec: &mut ElectionSpec, path: &str) -> Result<(), OptionError> {
    let file = simulate::sizes_from_file(path)?;
    if file.rejected > 0 {
        // A note, not an error: the sizes that were read are enough to simulate.
        let rows = if file.rejected == 1 { "row" } else { "rows" };
        eprintln!(
            "elaudit: note: --sizes {path}: {} rejected {rows} gave no size and were \
             skipped (`elaudit audit {path}` lists them)",
            file.rejected
        );
    }
    spec.stations = file.sizes.len();
    spec.size = SizeModel::Fixed(file.sizes);
    Ok(())
}

/// The lognormal's (median, sigma) of `size`, or the default election's when sizes are
/// fixed, so that one of --size-median and --size-sigma can be given alone.
fn lognormal_of(size: &SizeModel) -> (f64, f64) {
    match size {
        SizeModel::LogNormal { median, sigma } => (*median, *sigma),
        SizeModel::Fixed(_) => match ElectionSpec::clean(0).size {
            SizeModel::LogNormal { median, sigma } => (median, sigma),
            SizeModel::Fixed(_) => (1000.0, 0.5),
        },
    }
}

/// The fair model's and the planted irregularities' numbers, as given.
fn set_numbers(spec: &mut ElectionSpec, args: &SimulateArgs) {
    let set = |field: &mut f64, flag: Option<f64>| {
        if let Some(v) = flag {
            *field = v;
        }
    };
    set(&mut spec.turnout, args.turnout);
    set(&mut spec.turnout_sd, args.turnout_sd);
    set(&mut spec.region_sd, args.region_sd);
    set(&mut spec.share_sd, args.share_sd);
    set(&mut spec.invalid_rate, args.invalid_rate);
    spec.fraud.invented_counts = args.invented_counts;
    spec.fraud.integer_percent = args.integer_percent;
    spec.fraud.incremental = args.incremental;
    spec.fraud.extreme = args.extreme;
    spec.fraud.theta = args.theta;
    spec.fraud.steal_exponent = args.steal_exponent;
    spec.fraud.coercion_share = args.coercion_share;
    spec.fraud.coercion_abstainers = args.coercion_abstainers;
    spec.fraud.coercion_others = args.coercion_others;
    spec.localities.per_region = args.localities;
    spec.localities.sd = args.locality_sd;
}

/// `--shares A,B,…`: numbers, the winner's first and largest. The sum is checked by
/// the spec's validation.
fn parse_shares(list: &str) -> Result<Vec<f64>, OptionError> {
    let shares = list
        .split(',')
        .map(|s| {
            let s = s.trim();
            s.parse::<f64>().map_err(|_| OptionError::ShareNotANumber {
                item: s.to_string(),
            })
        })
        .collect::<Result<Vec<f64>, _>>()?;
    if let Some((i, v)) = shares
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, v)| **v > shares[0])
    {
        return Err(OptionError::WinnerNotFirst {
            position: i + 1,
            share: *v,
            first: shares[0],
        });
    }
    Ok(shares)
}

/// The spec's problems, each named by the flag that sets its field.
pub(super) fn by_flag(e: &SpecError) -> String {
    let problems: Vec<String> = e
        .problems
        .iter()
        .map(|p| format!("{}: {}", flag_of(p.field), p.message))
        .collect();
    problems.join("; ")
}

/// The `elaudit simulate` flag that sets a spec field (the field itself when none does).
fn flag_of(field: &str) -> &str {
    match field {
        "stations" => "--stations",
        "regions" => "--regions",
        "size" => "--sizes",
        "size.median" => "--size-median",
        "size.sigma" => "--size-sigma",
        "turnout" => "--turnout",
        "turnout_sd" => "--turnout-sd",
        "region_sd" => "--region-sd",
        "shares" => "--shares",
        "share_sd" => "--share-sd",
        "invalid_rate" => "--invalid-rate",
        "fraud.invented_counts" => "--invented-counts",
        "fraud.integer_percent" => "--integer-percent",
        "fraud.incremental" => "--incremental",
        "fraud.extreme" => "--extreme",
        "fraud.incremental + fraud.extreme" => "--incremental + --extreme",
        "fraud.theta" => "--theta",
        "fraud.steal_exponent" => "--steal-exponent",
        "fraud.coercion_share" => "--coercion-share",
        "fraud.coercion_abstainers" => "--coercion-abstainers",
        "fraud.coercion_others" => "--coercion-others",
        "localities.per_region" => "--localities",
        "localities.sd" => "--locality-sd",
        "heterogeneity.subpopulations" => "--subpopulations",
        "heterogeneity.size_gradient" => "--size-gradient",
        "heterogeneity.region_correlation" => "--region-correlation",
        other => other,
    }
}

/// A malformed `--subpopulations` or `--size-gradient`, with the form it needs.
#[derive(Debug, Error, PartialEq)]
pub enum HeterogeneityFlagError {
    #[error(
        "--subpopulations: '{item}' has {fields} field(s); give W:SIZE:TURNOUT:SHARE for \
         each sub-population (weight, size multiplier, logit-turnout offset, winner's \
         log-share offset), comma-separated, e.g. \
         --subpopulations 0.5:1.8:-0.45:-0.45,0.5:0.55:0.45:0.45"
    )]
    SubpopulationFields { item: String, fields: usize },
    #[error(
        "--subpopulations: '{value}' in '{item}' is not a number; each sub-population is \
         W:SIZE:TURNOUT:SHARE, four numbers, e.g. 0.5:1.8:-0.45:-0.45"
    )]
    SubpopulationNotANumber { item: String, value: String },
    #[error(
        "--size-gradient: '{given}' is not two numbers T,S (slopes of logit turnout and of \
         the winner's log share in ln size), e.g. --size-gradient -0.5,-0.5"
    )]
    SizeGradient { given: String },
}

/// The heterogeneity flags, each overriding the shape's value.
fn set_heterogeneity(spec: &mut ElectionSpec, args: &SimulateArgs) -> Result<(), OptionError> {
    let h = &mut spec.heterogeneity;
    if let Some(list) = &args.subpopulations {
        h.subpopulations = parse_subpopulations(list)?;
    }
    if let Some(g) = &args.size_gradient {
        h.size_gradient = parse_gradient(g)?;
    }
    if let Some(r) = args.region_correlation {
        h.region_correlation = r;
    }
    if args.no_region_column {
        h.region_column = false;
    }
    Ok(())
}

/// `--subpopulations W:SIZE:T:S,…`; the values' ranges are checked by the spec.
pub fn parse_subpopulations(list: &str) -> Result<Vec<Subpopulation>, HeterogeneityFlagError> {
    list.split(',')
        .map(|item| {
            let item = item.trim();
            let fields: Vec<&str> = item.split(':').map(str::trim).collect();
            if fields.len() != 4 {
                return Err(HeterogeneityFlagError::SubpopulationFields {
                    item: item.to_string(),
                    fields: fields.len(),
                });
            }
            let mut v = [0.0; 4];
            for (x, f) in v.iter_mut().zip(&fields) {
                *x = f
                    .parse()
                    .map_err(|_| HeterogeneityFlagError::SubpopulationNotANumber {
                        item: item.to_string(),
                        value: f.to_string(),
                    })?;
            }
            Ok(Subpopulation {
                weight: v[0],
                size: v[1],
                turnout: v[2],
                share: v[3],
            })
        })
        .collect()
}

/// `--size-gradient T,S`.
fn parse_gradient(given: &str) -> Result<SizeGradient, HeterogeneityFlagError> {
    let bad = || HeterogeneityFlagError::SizeGradient {
        given: given.to_string(),
    };
    let v: Vec<f64> = given
        .split(',')
        .map(|s| s.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    match v[..] {
        [turnout, share] => Ok(SizeGradient { turnout, share }),
        _ => Err(bad()),
    }
}
