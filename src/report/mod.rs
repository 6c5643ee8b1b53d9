//! The report model and its renderers. Every format is rendered from [`Report`] alone.

mod json;

mod stations_csv;
mod text;

pub use crate::result::*;
pub use json::render_json;
pub use stations_csv::write_stations_csv;
pub use text::{TextOptions, render_text};
