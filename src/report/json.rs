//! JSON rendering: the report model as it is, pretty-printed.

use super::Report;

/// The report as pretty JSON with a trailing newline.
pub fn render_json(report: &Report) -> String {
    // The model holds no maps with non-string keys and no NaN, so this cannot fail;
    // fall back to an error object rather than panic if that ever changes.
    match serde_json::to_string_pretty(report) {
        Ok(s) => s + "\n",
        Err(e) => format!("{{\"error\":\"cannot serialise report: {e}\"}}\n"),
    }
}
