//! Named election shapes.

use rand_distr::{Distribution, StandardNormal};

use super::spec::{ElectionSpec, Fraud, MIN_REGISTERED, SizeModel};
use crate::montecarlo::batch_rng;

/// Stations in the Kazakhstan-shaped election.
const KZ_STATIONS: usize = 10_000;
/// Registered voters the station sizes are scaled to (CEC of Kazakhstan, 20 Nov 2022).
const KZ_REGISTERED: f64 = 11_954_064.0;

/// Station-size profile (median, sigma) of each of the 20 regions: 17 regions, from
/// sparse ones of small village stations to populous ones, then 3 cities of large
/// stations. Neutral shapes, not the real regions' figures.
const KZ_REGIONS: [(f64, f64); 20] = [
    (800.0, 0.85),
    (1100.0, 0.7),
    (1300.0, 0.65),
    (1200.0, 0.6),
    (950.0, 0.8),
    (1250.0, 0.65),
    (1150.0, 0.75),
    (850.0, 0.85),
    (1200.0, 0.6),
    (1300.0, 0.55),
    (900.0, 0.8),
    (700.0, 0.9),
    (1500.0, 0.6),
    (1000.0, 0.8),
    (800.0, 0.85),
    (1100.0, 0.7),
    (950.0, 0.7),
    (1850.0, 0.35),
    (2000.0, 0.3),
    (1800.0, 0.35),
];

/// A presidential election shaped like Kazakhstan's of 20 November 2022: 10,000
/// stations in 20 regions (17 regions and 3 cities, with their own station-size
/// profiles) and about 11.95 million registered voters; turnout 69.44%; the winner
/// 81.31%, "Against all" 5.8%, and five other candidates sharing 12.89%. The labels are
/// neutral because every count is simulated.
pub fn kz2022() -> ElectionSpec {
    let per_region = KZ_STATIONS / KZ_REGIONS.len();
    let mut raw = Vec::with_capacity(KZ_STATIONS);
    for (r, (median, sigma)) in KZ_REGIONS.iter().enumerate() {
        // The preset's own stream, independent of any run's seed.
        let mut rng = batch_rng(2022, "kz2022-sizes", r as u64);
        for _ in 0..per_region {
            let z: f64 = StandardNormal.sample(&mut rng);
            raw.push(median * (sigma * z).exp());
        }
    }
    let scale = KZ_REGISTERED / raw.iter().sum::<f64>();
    let sizes = raw
        .iter()
        .map(|x| ((x * scale).round() as u64).max(MIN_REGISTERED))
        .collect();
    let names = [
        "Candidate A",
        "Candidate B",
        "Candidate C",
        "Candidate D",
        "Candidate E",
        "Candidate F",
        "Against all",
    ];
    ElectionSpec {
        stations: KZ_STATIONS,
        regions: KZ_REGIONS.len(),
        size: SizeModel::Fixed(sizes),
        turnout: 0.6944,
        turnout_sd: 0.45,
        region_sd: 0.35,
        shares: vec![0.8131, 0.0342, 0.0260, 0.0253, 0.0222, 0.0212, 0.0580],
        share_sd: 0.4,
        invalid_rate: 0.012,
        candidate_names: names.iter().map(|s| s.to_string()).collect(),
        fraud: Fraud::default(),
    }
}
