//! The report model and its renderers.

mod model;

pub use model::*;
