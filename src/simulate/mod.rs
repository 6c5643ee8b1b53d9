//! Seeded simulated elections, for the sample data, calibration and power tests, and
//! benchmarks.
//!
//! The fair model: station sizes are lognormal (or a given list); each region draws an
//! effect on logit turnout and on every log share; each station draws a logit-normal
//! turnout and log-ratio-normal shares around its region's; ballots are
//! Binomial(registered, turnout), invalid ballots Binomial(ballots, invalid rate), and the
//! candidates' votes Multinomial(valid, shares). The link-scale centres are calibrated
//! so that the expected national turnout and shares, given the regions' effects, are the
//! spec's. Irregularities ([`Fraud`]) are planted afterwards from their own streams, so
//! the fair part of an election is the same with or without them.
//!
//! Same spec and seed, same election, at any thread count: stations are drawn in batches
//! of 4,096, each from its own [`crate::montecarlo::batch_rng`] stream.

mod calibrate;
mod coercion;
mod csv;
mod draw;
mod presets;
mod shapes;
mod sizes;
mod spec;
mod truth;

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

pub use csv::write_csv;
pub use presets::kz2022;
pub use shapes::{Heterogeneity, Shape, SizeGradient, Subpopulation};
pub use sizes::{FileSizes, SizesError, sizes_from_file};
pub use spec::{
    ElectionSpec, FIXED_COLUMNS, Fraud, Localities, MAX_STATIONS, MIN_REGISTERED, SizeModel,
    SpecError, SpecProblem, default_candidate_names,
};
pub use truth::{FairTruth, FraudTruth, KindTruth, Planted, Totals, Truth, truth_json};

use crate::data::{ColumnRole, Dataset, GroupRef, LineAccount, RolePresence, Source, StationIds};
use crate::montecarlo::batch_rng;
use draw::{BATCH, Batch, FraudTally, Model, Sums};

/// A simulated election and what is true about it.
#[derive(Debug, Clone)]
pub struct Simulated {
    pub dataset: Dataset,
    pub truth: Truth,
}

/// Draws the election `spec` describes. Run [`ElectionSpec::validate`] first to report
/// bad specs: this function never fails, and clamps out-of-range values instead.
pub fn simulate(spec: &ElectionSpec, seed: u64) -> Simulated {
    let spec = spec.sanitised();
    let k = spec.shares.len();
    let regions = spec.regions;

    // Region effects come from their own stream, drawn before any station.
    let mut rng = batch_rng(seed, "simulate-regions", 0);
    let mut region_turnout = Vec::with_capacity(regions);
    let mut region_shares = Vec::with_capacity(regions);
    for _ in 0..regions {
        let z: f64 = StandardNormal.sample(&mut rng);
        region_turnout.push(spec.region_sd * z);
        let v: Vec<f64> = (0..k)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                spec.region_sd * z
            })
            .collect();
        region_shares.push(v);
    }

    correlate_regions(&spec, &region_turnout, &mut region_shares);
    let (turnout_centre, region_expected_turnout, share_centres) =
        calibrate_centres(&spec, &region_turnout, &region_shares);
    let region_log_shares: Vec<f64> = region_shares
        .iter()
        .flat_map(|v| v.iter().zip(&share_centres).map(|(a, m)| a + m))
        .collect();

    let model = Model {
        spec: &spec,
        turnout_centre,
        region_turnout: region_turnout.clone(),
        region_log_shares,
        id_width: 6.max(spec.stations.to_string().len()),
        locality_effects: locality_effects(&spec, seed),
        subpopulations: shapes::cumulative(&spec.heterogeneity.subpopulations),
        log_size_median: shapes::size_stats(&spec.size).0,
    };
    let n = spec.stations;
    let batches: Vec<Batch> = (0..n.div_ceil(BATCH))
        .into_par_iter()
        .map(|b| model.batch(seed, b as u64, b * BATCH, ((b + 1) * BATCH).min(n)))
        .collect();

    let fair = FairTruth {
        turnout_logit_centre: turnout_centre,
        share_log_centres: share_centres,
        region_turnout_effects: region_turnout,
        region_share_effects: region_shares,
        region_expected_turnout,
        ballots: 0,
        valid: 0,
        votes: vec![0; k],
        turnout: None,
        winner_share: None,
    };
    let mut sim = assemble(spec, seed, batches, fair);
    apply_coercion(&mut sim);
    if !sim.truth.spec.heterogeneity.region_column {
        hide_regions(&mut sim.dataset);
    }
    sim
}

/// With a correlation ρ, a region's effect on the winner's log share becomes
/// ρ·(its turnout effect) + √(1 − ρ²)·(its own draw): the same sd, correlated.
fn correlate_regions(spec: &ElectionSpec, turnout: &[f64], shares: &mut [Vec<f64>]) {
    let rho = spec.heterogeneity.region_correlation;
    if rho == 0.0 {
        return;
    }
    let own = (1.0 - rho * rho).max(0.0).sqrt();
    for (u, v) in turnout.iter().zip(shares.iter_mut()) {
        if let Some(w) = v.first_mut() {
            *w = rho * u + own * *w;
        }
    }
}

/// The logit-turnout centre, each region's expected turnout, and the log-share centres,
/// calibrated over each region's cells (its sub-populations; one cell without them).
/// Close, not exact, under heterogeneity: sizes are taken as drawn without rounding or
/// the smallest size, a fixed list's ln sizes as normal, and localities are left out.
fn calibrate_centres(
    spec: &ElectionSpec,
    region_turnout: &[f64],
    region_shares: &[Vec<f64>],
) -> (f64, Vec<f64>, Vec<f64>) {
    let regions = spec.regions;
    // Calibration weights: expected registered voters, then expected valid votes.
    let mut size_weights = vec![0.0; regions];
    for i in 0..spec.stations {
        let r = draw::region_of(i, spec.stations, regions);
        if let Some(w) = size_weights.get_mut(r) {
            *w += draw::expected_size(spec, i);
        }
    }
    let size_weights = normalise(size_weights);
    let cells = shapes::calibration_cells(spec);
    let nc = cells.len();
    let cell_effects: Vec<f64> = region_turnout
        .iter()
        .flat_map(|u| cells.iter().map(move |c| u + c.turnout))
        .collect();
    let cell_weights: Vec<f64> = size_weights
        .iter()
        .flat_map(|w| cells.iter().map(move |c| w * c.weight))
        .collect();
    let (turnout_centre, cell_turnout) =
        calibrate::turnout_centre(spec.turnout, spec.turnout_sd, &cell_effects, &cell_weights);
    let cell_total: f64 = cells.iter().map(|c| c.weight).sum();
    let region_expected_turnout = cell_turnout
        .chunks(nc)
        .map(|t| t.iter().zip(&cells).map(|(t, c)| t * c.weight).sum::<f64>() / cell_total)
        .collect();
    let vote_weights = normalise(
        cell_weights
            .iter()
            .zip(&cell_turnout)
            .map(|(w, t)| w * t)
            .collect(),
    );
    let cell_shares: Vec<Vec<f64>> = region_shares
        .iter()
        .flat_map(|v| {
            cells.iter().map(move |c| {
                let mut v = v.clone();
                if let Some(w) = v.first_mut() {
                    *w += c.share;
                }
                v
            })
        })
        .collect();
    let share_centres =
        calibrate::share_centres(&spec.shares, spec.share_sd, &cell_shares, &vote_weights);
    (turnout_centre, region_expected_turnout, share_centres)
}

/// `--no-region-column`: the regions' effects stay, their names and the column go.
fn hide_regions(data: &mut Dataset) {
    data.regions.clear();
    data.columns.retain(|c| c.role != "region");
    for s in &mut data.stations {
        s.region = GroupRef::NONE;
    }
}

/// Each locality's effect z·sd, from its own stream so that the stations' draws are the
/// same with or without localities; empty without localities.
fn locality_effects(spec: &ElectionSpec, seed: u64) -> Vec<f64> {
    let n = spec.regions * spec.localities.per_region;
    let mut rng = batch_rng(seed, "simulate-localities", 0);
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            spec.localities.sd * z
        })
        .collect()
}

/// Plants voter coercion after every station is drawn (it needs each region's size
/// ranks), then brings the totals and the truth up to date.
fn apply_coercion(sim: &mut Simulated) {
    let f = sim.truth.spec.fraud.clone();
    if f.coercion_share <= 0.0 {
        return;
    }
    let before: Vec<bool> = sim.truth.planted.iter().map(|p| p.any()).collect();
    let seed = sim.truth.seed;
    let tally = coercion::plant_coercion(&mut sim.dataset, &f, seed, &mut sim.truth.planted);
    let newly = before
        .iter()
        .zip(&sim.truth.planted)
        .filter(|(b, p)| !**b && p.any())
        .count();
    let fraud = &mut sim.truth.fraud;
    fraud.fraudulent_stations += newly as u64;
    fraud.ballots_added += tally.ballots_added;
    fraud.votes_moved += tally.votes_moved;
    fraud.coercion = tally;
    let d = &sim.dataset;
    let t = &mut sim.truth.totals;
    t.ballots = d.stations.iter().map(|s| u64::from(s.ballots)).sum();
    t.valid = d.stations.iter().map(|s| u64::from(s.valid)).sum();
    t.votes = d.candidate_totals();
    let k = t.votes.len();
    let winner = (0..k).fold(0, |b, j| if t.votes[j] > t.votes[b] { j } else { b });
    t.winner = sim.truth.spec.candidate_names[winner].clone();
    t.turnout = ratio(t.ballots, t.registered);
    t.winner_share = ratio(t.votes[winner], t.valid);
    sim.dataset.winner = winner;
}

fn normalise(v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    if total > 0.0 {
        v.into_iter().map(|x| x / total).collect()
    } else {
        let n = v.len().max(1) as f64;
        vec![1.0 / n; v.len()]
    }
}

/// A drawn count as stored: stations are drawn far below `u32::MAX` voters.
pub(crate) fn count(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Concatenates the batches in order into a [`Dataset`] and its [`Truth`].
fn assemble(spec: ElectionSpec, seed: u64, batches: Vec<Batch>, mut fair: FairTruth) -> Simulated {
    let k = spec.shares.len();
    let n = spec.stations;
    let mut stations = Vec::with_capacity(n);
    let mut ids = StationIds::default();
    let mut votes = Vec::with_capacity(n * k);
    let mut planted = Vec::with_capacity(n);
    let mut tally = FraudTally::default();
    let mut fair_sums = Sums::new(k);
    let mut sums = Sums::new(k);
    for b in batches {
        fair_sums.add(&b.fair);
        sums.add(&b.totals);
        tally.add(&b.tally);
        planted.extend(b.planted);
        stations.extend(b.stations);
        ids.extend(&b.ids);
        votes.extend(b.votes);
    }
    let mut totals = Totals {
        stations: n as u64,
        registered: sums.registered,
        ballots: sums.ballots,
        valid: sums.valid,
        invalid: sums.invalid,
        votes: sums.votes,
        turnout: None,
        winner: String::new(),
        winner_share: None,
    };
    fair.ballots = fair_sums.ballots;
    fair.valid = fair_sums.valid;
    fair.votes = fair_sums.votes;
    // The most votes wins; the first listed on a tie.
    let winner = (0..k).fold(0, |best, j| {
        if totals.votes[j] > totals.votes[best] {
            j
        } else {
            best
        }
    });
    totals.winner = spec.candidate_names[winner].clone();
    totals.turnout = ratio(totals.ballots, totals.registered);
    totals.winner_share = ratio(totals.votes[winner], totals.valid);
    fair.turnout = ratio(fair.ballots, totals.registered);
    fair.winner_share = ratio(fair.votes[winner], fair.valid);

    let fraud = fraud_truth(tally);
    let columns = output_columns(&spec);
    let width = 2.max(spec.regions.to_string().len());
    let dataset = Dataset {
        source: Source {
            path: "simulated".to_string(),
            sha256: String::new(),
            rows: n as u64,
            gzip: false,
            delimiter: ",".to_string(),
            encoding: "utf-8".to_string(),
        },
        columns,
        roles: RolePresence {
            registered: true,
            ballots: true,
            valid: true,
            invalid: true,
        },
        candidates: spec.candidate_names.clone(),
        winner,
        regions: (1..=spec.regions)
            .map(|r| format!("R{r:0width$}"))
            .collect(),
        localities: locality_names(&spec, width),
        strata: Vec::new(),
        on_ballot: vec![true; votes.len()],
        stations,
        ids,
        votes,
        rejected: Vec::new(),
        repeated_rows: Vec::new(),
        named_like_totals: Vec::new(),
        excluded: Vec::new(),
        lines: LineAccount {
            lines: n as u64 + 1,
            header: 1,
            used: n as u64,
            ..LineAccount::default()
        },
        left_out: Vec::new(),
    };
    Simulated {
        dataset,
        truth: Truth {
            seed,
            spec,
            totals,
            fair,
            fraud,
            planted,
        },
    }
}

/// What the planted fraud did, summed over its kinds.
fn fraud_truth(tally: FraudTally) -> FraudTruth {
    FraudTruth {
        fraudulent_stations: tally.fraudulent_stations,
        ballots_added: tally.incremental.ballots_added
            + tally.extreme.ballots_added
            + tally.integer_percent.ballots_added
            + tally.invented_counts.ballots_added,
        votes_moved: tally.incremental.votes_moved
            + tally.extreme.votes_moved
            + tally.integer_percent.votes_moved
            + tally.invented_counts.votes_moved,
        incremental: tally.incremental,
        extreme: tally.extreme,
        integer_percent: tally.integer_percent,
        invented_counts: tally.invented_counts,
        coercion: Default::default(),
    }
}

/// The columns of the simulated CSV and their roles.
fn output_columns(spec: &ElectionSpec) -> Vec<ColumnRole> {
    let has_localities = spec.localities.per_region > 0;
    let has_regions = spec.heterogeneity.region_column;
    let mut columns: Vec<ColumnRole> = FIXED_COLUMNS
        .iter()
        .filter(|c| has_localities || **c != "locality")
        .filter(|c| has_regions || **c != "region")
        .map(|c| ColumnRole {
            column: c.to_string(),
            role: if *c == "station" { "id" } else { c }.to_string(),
        })
        .collect();
    columns.extend(spec.candidate_names.iter().map(|c| ColumnRole {
        column: c.clone(),
        role: "candidate".to_string(),
    }));
    columns
}

/// `R01-L001`, …: region by region, the localities of each.
fn locality_names(spec: &ElectionSpec, width: usize) -> Vec<String> {
    let per = spec.localities.per_region;
    let lw = 2.max(per.to_string().len());
    (1..=spec.regions)
        .flat_map(|r| (1..=per).map(move |l| format!("R{r:0width$}-L{l:0lw$}")))
        .collect()
}
