//! Statistical building blocks shared by the checks.
pub mod dip;
