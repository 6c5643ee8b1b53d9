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

/// `text` with control characters other than line breaks and tabs escaped (`\u{1b}`),
/// so that an id or a name from the input cannot drive the terminal it is shown on.
pub fn printable(text: String) -> String {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.contains(unsafe_char) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match unsafe_char(c) {
            true => out.extend(c.escape_default()),
            false => out.push(c),
        }
    }
    out
}

/// `text` for a CSV cell that a spreadsheet may open: a leading `=`, `+`, `-`, `@`, tab
/// or carriage return makes a spreadsheet read the cell as a formula, so an id or a name
/// from the input could run one (CSV injection). Such text gets a leading apostrophe,
/// the spreadsheet's own mark for text. Numbers are written by the program and never
/// pass through here.
pub fn spreadsheet_text(text: &str) -> String {
    match text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{text}"),
        false => text.to_string(),
    }
}

/// `alpha` as a reader would write it: `0.01` as is, but a tiny level as `1e-300`, not
/// three hundred zeros (f64's `Display` never switches to an exponent).
pub fn alpha_text(alpha: f64) -> String {
    match alpha >= 1e-4 {
        true => alpha.to_string(),
        false => format!("{alpha:e}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tiny_alpha_is_written_with_an_exponent() {
        assert_eq!(super::alpha_text(0.01), "0.01");
        assert_eq!(super::alpha_text(0.0001), "0.0001");
        assert_eq!(super::alpha_text(1e-300), "1e-300");
        assert_eq!(super::alpha_text(2.5e-7), "2.5e-7");
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_marked_as_text() {
        assert_eq!(
            super::spreadsheet_text("=cmd|' /C calc'!A0"),
            "'=cmd|' /C calc'!A0"
        );
        for t in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(super::spreadsheet_text(t), format!("'{t}"));
        }
        assert_eq!(super::spreadsheet_text("S001 = east"), "S001 = east");
        assert_eq!(super::spreadsheet_text(""), "");
    }

    #[test]
    fn printable_escapes_control_characters_but_keeps_line_breaks_and_tabs() {
        let shown = super::printable("S\u{1b}[31mRED\r\n\tok\u{7}".to_string());
        assert_eq!(shown, "S\\u{1b}[31mRED\\r\n\tok\\u{7}");
        assert_eq!(super::printable("plain".into()), "plain");
    }
}
