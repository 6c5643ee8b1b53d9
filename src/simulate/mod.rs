//! Seeded simulated elections.
