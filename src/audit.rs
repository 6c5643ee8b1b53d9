//! Running the checks.
