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

/// "N of M." or "N of M: a; b." for the regions flagged, each name passed through `name`
/// (the format's escaping): the verdict line every renderer words the same.
fn regions_flagged(regions: &[RegionReport], name: impl Fn(&str) -> String) -> String {
    let names: Vec<String> = regions
        .iter()
        .filter(|g| g.flagged)
        .map(|g| name(&g.region))
        .collect();
    let list = if names.is_empty() {
        ".".to_string()
    } else {
        format!(": {}.", names.join("; "))
    };
    format!("{} of {}{list}", names.len(), regions.len())
}
