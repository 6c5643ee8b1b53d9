//! Named election shapes.

use rand_distr::{Distribution, StandardNormal};

use super::spec::{ElectionSpec, Fraud, MIN_REGISTERED, SizeModel};
use crate::montecarlo::batch_rng;

/// Stations in the Kazakhstan-shaped election.
const KZ_STATIONS: usize = 10_000;
/// Registered voters the station sizes are scaled to: 11,953,465 in the CEC of
/// Kazakhstan's preliminary results of 21 November 2022.
const KZ_REGISTERED: f64 = 11_953_465.0;

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

/// Largest station: the law caps a precinct at 3,000 voters; larger draws are redrawn.
const KZ_MAX_STATION: f64 = 3000.0;

/// Station sizes of every region, medians scaled by `scale`, and their total.
fn kz_sizes(scale: f64) -> (Vec<u64>, f64) {
    let per_region = KZ_STATIONS / KZ_REGIONS.len();
    let mut sizes = Vec::with_capacity(KZ_STATIONS);
    for (r, (median, sigma)) in KZ_REGIONS.iter().enumerate() {
        // The preset's own stream, independent of any run's seed.
        let mut rng = batch_rng(2022, "kz2022-sizes", r as u64);
        for _ in 0..per_region {
            let size = loop {
                let z: f64 = StandardNormal.sample(&mut rng);
                let x = (scale * median * (sigma * z).exp()).round();
                if x <= KZ_MAX_STATION {
                    break (x as u64).max(MIN_REGISTERED);
                }
            };
            sizes.push(size);
        }
    }
    let total = sizes.iter().sum::<u64>() as f64;
    (sizes, total)
}

/// A presidential election shaped like Kazakhstan's of 20 November 2022: 10,000
/// stations in 20 regions (17 regions and 3 cities, with their own station-size
/// profiles) and about 11.95 million registered voters; turnout 69.44%; the winner
/// 81.31%, "Against all" 5.8%, and five other candidates sharing 12.89%. The labels are
/// neutral because every count is simulated.
pub fn kz2022() -> ElectionSpec {
    // Passes over the same streams rescale the medians until the electorate lands
    // near the official one despite the cap.
    let mut scale = 1.0;
    for _ in 0..6 {
        scale *= KZ_REGISTERED / kz_sizes(scale).1;
    }
    let (sizes, _) = kz_sizes(scale);
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
        turnout_sd: 0.5,
        region_sd: 0.35,
        shares: vec![0.8131, 0.0342, 0.0260, 0.0253, 0.0222, 0.0212, 0.0580],
        share_sd: 0.35,
        invalid_rate: 0.012,
        candidate_names: names.iter().map(|s| s.to_string()).collect(),
        localities: Default::default(),
        heterogeneity: Default::default(),
        fraud: Fraud::default(),
    }
}
