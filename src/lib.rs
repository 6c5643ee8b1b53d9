//! elaudit: statistical fingerprints of election manipulation in polling-station results.
//!
//! The binary is a thin shell over this library: [`data`] loads and validates the
//! stations, [`checks`] holds one file per statistical check behind the [`checks::Check`]
//! trait, [`fingerprint`] holds the election fingerprint's model, fit and bootstrap, [`audit`] runs them and adjusts p-values, and [`report`] renders the one
//! report model as text or JSON. [`simulate`] draws seeded elections for the sample
//! data, calibration tests and benchmarks. [`batch`] audits the elections of a manifest
//! and compares them in one table; [`benchmark`] tabulates each check's flag rate over
//! simulated scenarios.

pub mod app;
pub mod audit;
pub mod batch;
pub mod benchmark;
pub mod checks;
pub mod cli;
pub mod data;
pub mod error;
pub mod fingerprint;
pub mod montecarlo;
pub mod options;
pub mod report;
pub mod result;
pub mod simulate;
pub mod stats;
