//! elaudit: statistical fingerprints of election manipulation in polling-station results.
//!
//! The binary is a thin shell over this library: [`data`] loads and validates the
//! stations, [`checks`] holds one file per statistical check behind the [`checks::Check`]
//! trait, [`audit`] runs them and adjusts p-values, and [`report`] renders the one
//! report model as text or JSON. [`simulate`] draws seeded elections for the sample
//! data, calibration tests and benchmarks.

pub mod app;
pub mod audit;
pub mod checks;
pub mod cli;
pub mod data;
pub mod error;
pub mod montecarlo;
pub mod options;
pub mod report;
pub mod result;
pub mod simulate;
pub mod stats;
