//! Statistical building blocks shared by the checks.
