//! The subjects the digit tests run on: each candidate, all candidates pooled, and ballots cast.

use crate::data::Dataset;

/// A named list of counts for the digit tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub name: String,
    pub counts: Vec<u64>,
}

/// Each candidate's counts (only where on the ballot), then `all`, then `ballots`.
pub fn digit_subjects(data: &Dataset) -> Vec<Subject> {
    let mut out: Vec<Subject> = (0..data.n_candidates())
        .map(|j| Subject {
            name: data.candidates[j].clone(),
            counts: data.candidate_counts(j),
        })
        .collect();
    let all: Vec<u64> = data
        .votes
        .iter()
        .zip(&data.on_ballot)
        .filter(|(_, on)| **on)
        .map(|(v, _)| *v)
        .collect();
    out.push(Subject {
        name: "all".into(),
        counts: all,
    });
    out.push(Subject {
        name: "ballots".into(),
        counts: data.stations.iter().map(|s| s.ballots).collect(),
    });
    out
}
