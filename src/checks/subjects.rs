//! The subjects the digit tests run on: each candidate, all candidates pooled, and ballots cast.

use rayon::prelude::*;

use crate::data::Dataset;
use crate::stats::smooth::CountHistogram;

/// A named tally of counts for the digit tests: built once, read by each of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub name: String,
    pub hist: CountHistogram,
}

/// Each candidate's counts (only where on the ballot), then `all`, then `ballots`.
pub fn digit_subjects(data: &Dataset) -> Vec<Subject> {
    let k = data.n_candidates();
    let pairs = || data.votes.iter().zip(&data.on_ballot);
    let counted = |(v, on): (&u32, &bool)| on.then_some(u64::from(*v));
    // Subject `k` is `all`, `k + 1` is `ballots`.
    (0..k + 2)
        .into_par_iter()
        .map(|j| {
            let hist = match j {
                _ if j < k => CountHistogram::from_values(
                    pairs().skip(j).step_by(k.max(1)).filter_map(counted),
                ),
                _ if j == k => CountHistogram::from_values(pairs().filter_map(counted)),
                _ => {
                    CountHistogram::from_values(data.stations.iter().map(|s| u64::from(s.ballots)))
                }
            };
            let name = match data.candidates.get(j) {
                Some(c) => c.clone(),
                None if j == k => "all".into(),
                None => "ballots".into(),
            };
            Subject { name, hist }
        })
        .collect()
}
