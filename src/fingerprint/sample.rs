//! Large elections are fitted on a random sample of their stations.
//!
//! The fit's cost grows with the stations it simulates, every bootstrap and null
//! replicate refitting them all. Past a hundred thousand stations the model's own
//! approximations, not sampling noise, limit what the fit can say: a random sample of
//! that many stations, stratified by fitting group, gives the same reading with
//! intervals that are wider (honestly so, being the sample's), at a fraction of the
//! cost. Ballot counts are scaled from the sample to the whole election; the
//! allocation to regions then runs on every station.

use rand::RngExt as _;

use super::bootstrap::{Analysis, Calibrated, Interval, Q_BALLOTS_ADDED, Q_VOTES_MOVED};
use super::bootstrap::{SampleNote, Settings, analyse};
use super::fit::Fit;
use super::model::Stations;
use crate::montecarlo::batch_rng;

/// [`analyse`] on at most `settings.max_stations` of `st` (0: all of them), with
/// ballot counts scaled to all of `st`.
pub fn analyse_sampled(st: &Stations, settings: &Settings, seed: u64) -> Analysis {
    let max = settings.max_stations;
    if max == 0 || st.len() <= max {
        return analyse(st, settings, seed);
    }
    let sample = sample_stations(st, max, seed);
    let mut a = analyse(&sample, settings, seed);
    let k = st.total_ballots() / sample.total_ballots().max(1.0);
    scale_ballots(&mut a, k);
    a.sample = Some(SampleNote {
        of_stations: st.len(),
        ballot_scale: k,
    });
    a
}

/// About `m` of the stations of `st`: within each group the same share, drawn at
/// random from stream `fingerprint-sample`, kept in input order.
pub fn sample_stations(st: &Stations, m: usize, seed: u64) -> Stations {
    let mut rng = batch_rng(seed, "fingerprint-sample", 0);
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); st.n_groups()];
    for i in 0..st.len() {
        if let Some(list) = by_group.get_mut(st.group[i] as usize) {
            list.push(i);
        }
    }
    let share = m as f64 / st.len().max(1) as f64;
    let mut keep: Vec<usize> = Vec::with_capacity(m + by_group.len());
    for list in &mut by_group {
        let k = ((list.len() as f64 * share).round() as usize).min(list.len());
        // A partial Fisher–Yates shuffle draws k without replacement.
        for j in 0..k {
            let r = j + rng.random_range(0..(list.len() - j) as u64) as usize;
            list.swap(j, r);
        }
        keep.extend_from_slice(&list[..k]);
    }
    keep.sort_unstable();
    let pick = |v: &Vec<u32>| keep.iter().map(|&i| v[i]).collect::<Vec<u32>>();
    Stations {
        registered: pick(&st.registered),
        ballots: pick(&st.ballots),
        valid: pick(&st.valid),
        winner: pick(&st.winner),
        group: pick(&st.group),
        group_names: st.group_names.clone(),
        region: if st.region.len() == st.len() {
            pick(&st.region)
        } else {
            Vec::new()
        },
    }
}

/// Multiplies every ballot count of `a` (ballots added, votes moved, totals, and the
/// replicates' and calibration's versions of them) by `k`; shares are unchanged.
fn scale_ballots(a: &mut Analysis, k: f64) {
    let interval = |iv: &mut Interval| {
        iv.estimate *= k;
        iv.ci_low *= k;
        iv.ci_high *= k;
    };
    interval(&mut a.ballots_added);
    for iv in [&mut a.ballots_added_unread, &mut a.votes_moved_unread]
        .into_iter()
        .flatten()
    {
        interval(iv);
    }
    interval(&mut a.votes_moved);
    a.total_ballots *= k;
    for f in [&mut a.fit, &mut a.fair_only] {
        scale_fit(f, k);
    }
    for r in a
        .replicates
        .iter_mut()
        .chain(a.corrected_replicates.iter_mut())
    {
        r.scale_ballots(k);
    }
    for q in [Q_BALLOTS_ADDED, Q_VOTES_MOVED] {
        let c: &mut Calibrated = &mut a.calibration[q];
        interval(&mut c.interval);
        c.sd *= k;
        c.draws.iter_mut().for_each(|d| *d *= k);
    }
    for alt in &mut a.alternatives {
        alt.ballots_added *= k;
    }
}

fn scale_fit(f: &mut Fit, k: f64) {
    f.ballots_added *= k;
    f.extreme_ballots_added *= k;
    f.corner_ballots_added *= k;
    f.corner_votes_moved *= k;
    f.votes_moved *= k;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{ElectionSpec, simulate};

    fn election(n: usize) -> Stations {
        let mut spec = ElectionSpec::clean(n);
        spec.regions = 7;
        Stations::from_dataset(&simulate(&spec, 5).dataset).0
    }

    #[test]
    fn the_sample_keeps_each_group_s_share_in_input_order() {
        let st = election(20_000);
        let s = sample_stations(&st, 5_000, 1);
        assert!((s.len() as i64 - 5_000).abs() <= st.n_groups() as i64);
        for g in 0..st.n_groups() as u32 {
            let full = st.group.iter().filter(|&&x| x == g).count() as f64;
            let kept = s.group.iter().filter(|&&x| x == g).count() as f64;
            assert!(
                (kept - full / 4.0).abs() <= 1.0,
                "group {g}: {kept} of {full}"
            );
        }
        assert_eq!(s.group_names, st.group_names);
        assert_eq!(s.region.len(), s.len());
        // Same seed, same sample; another seed, another one.
        assert_eq!(sample_stations(&st, 5_000, 1).registered, s.registered);
        assert_ne!(sample_stations(&st, 5_000, 2).registered, s.registered);
    }

    #[test]
    fn small_elections_are_fitted_whole() {
        let st = election(3_000);
        let settings = Settings {
            replicates: 4,
            null_replicates: 4,
            max_stations: 5_000,
            ..Settings::default()
        };
        let a = analyse_sampled(&st, &settings, 3);
        assert!(a.sample.is_none());
        assert_eq!(a.stations, st.len());
    }

    #[test]
    fn a_sampled_fit_reports_ballots_for_the_whole_election() {
        let st = election(12_000);
        let settings = Settings {
            replicates: 4,
            null_replicates: 4,
            max_stations: 4_000,
            ..Settings::default()
        };
        let a = analyse_sampled(&st, &settings, 3);
        let note = a.sample.expect("sampled");
        assert_eq!(note.of_stations, st.len());
        assert!(a.stations < 4_100);
        // Totals are the whole election's, so shares read as the sample's did.
        assert!((a.total_ballots - st.total_ballots()).abs() < 1e-6 * st.total_ballots());
        assert!(
            (note.ballot_scale - 3.0).abs() < 0.1,
            "{}",
            note.ballot_scale
        );
        assert!(a.ballots_added.ci_low <= a.ballots_added.estimate);
        assert!(a.ballots_added.estimate <= a.ballots_added.ci_high);
    }
}
