//! The report model and its renderers. Every format is rendered from [`Report`] alone.

mod json;
mod model;
mod text;

pub use json::render_json;
pub use model::*;
pub use text::render_text;
