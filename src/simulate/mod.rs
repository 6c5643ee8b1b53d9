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
mod sizes;
mod spec;
mod truth;

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

pub use csv::write_csv;
pub use presets::kz2022;
pub use sizes::{FileSizes, SizesError, sizes_from_file};
pub use spec::{
    ElectionSpec, Fraud, Localities, MAX_STATIONS, MIN_REGISTERED, SizeModel, SpecError,
    SpecProblem, default_candidate_names,
};
pub use truth::{FairTruth, FraudTruth, KindTruth, Planted, Totals, Truth, truth_json};

use crate::data::{ColumnRole, Dataset, LineAccount, RolePresence, Source};
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

    // Calibration weights: expected registered voters, then expected valid votes, per region.
    let mut size_weights = vec![0.0; regions];
    for i in 0..spec.stations {
        let r = draw::region_of(i, spec.stations, regions);
        if let Some(w) = size_weights.get_mut(r) {
            *w += draw::expected_size(&spec, i);
        }
    }
    let size_weights = normalise(size_weights);
    let (turnout_centre, region_expected_turnout) = calibrate::turnout_centre(
        spec.turnout,
        spec.turnout_sd,
        &region_turnout,
        &size_weights,
    );
    let vote_weights = normalise(
        size_weights
            .iter()
            .zip(&region_expected_turnout)
            .map(|(w, t)| w * t)
            .collect(),
    );
    let share_centres =
        calibrate::share_centres(&spec.shares, spec.share_sd, &region_shares, &vote_weights);
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
    sim
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
    t.ballots = d.stations.iter().map(|s| s.ballots).sum();
    t.valid = d.stations.iter().map(|s| s.valid).sum();
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

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Concatenates the batches in order into a [`Dataset`] and its [`Truth`].
fn assemble(spec: ElectionSpec, seed: u64, batches: Vec<Batch>, mut fair: FairTruth) -> Simulated {
    let k = spec.shares.len();
    let n = spec.stations;
    let mut stations = Vec::with_capacity(n);
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

    let fraud = FraudTruth {
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
    };

    let has_localities = spec.localities.per_region > 0;
    let mut columns: Vec<ColumnRole> = [
        "station",
        "region",
        "locality",
        "registered",
        "ballots",
        "valid",
        "invalid",
    ]
    .iter()
    .filter(|c| has_localities || **c != "locality")
    .map(|c| ColumnRole {
        column: c.to_string(),
        role: if *c == "station" { "id" } else { c }.to_string(),
    })
    .collect();
    columns.extend(spec.candidate_names.iter().map(|c| ColumnRole {
        column: c.clone(),
        role: "candidate".to_string(),
    }));
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
        votes,
        rejected: Vec::new(),
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

/// `R01-L001`, …: region by region, the localities of each.
fn locality_names(spec: &ElectionSpec, width: usize) -> Vec<String> {
    let per = spec.localities.per_region;
    let lw = 2.max(per.to_string().len());
    (1..=spec.regions)
        .flat_map(|r| (1..=per).map(move |l| format!("R{r:0width$}-L{l:0lw$}")))
        .collect()
}
