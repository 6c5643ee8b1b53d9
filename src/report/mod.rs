//! The renderers: one file per format, each reading only the report model in
//! [`crate::result`].

mod csv;
mod html;
mod json;
mod markdown;
mod stations_csv;
mod svg;
mod text;

pub use crate::result::*;
pub use csv::render_csv;
pub use html::{esc as escape_html, render_html};
pub use json::render_json;
pub use markdown::render_markdown;
pub use stations_csv::write_stations_csv;
pub use text::{TextOptions, render_text};
