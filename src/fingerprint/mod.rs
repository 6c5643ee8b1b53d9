//! The election fingerprint of Klimek, Yegorov, Hanel and Thurner (PNAS 2012): its
//! fair and stuffing models, the fit by simulation, the parametric bootstrap and the
//! allocation of fitted stuffing to regions. The check that reports it is
//! `checks::fingerprint`; the seeded streams and the replicate runner it draws on are
//! in `montecarlo`.

pub mod allocation;
pub mod bootstrap;
pub mod fair;
pub mod fit;
pub mod maps;
pub mod model;
pub mod sample;
pub mod skew;
pub mod stuffing;
