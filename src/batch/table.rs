//! The comparison table: one row per election, figures placed among the references,
//! written as CSV, Markdown and JSON.
//!
//! Rows are sorted by election name, so the table does not depend on the manifest's
//! order or on how the elections were split into shards.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::BatchError;
use super::figures::{CheckCell, FIGURES, flaggable_checks};
use crate::report::spreadsheet_text;
use crate::stats::format::format_p;

/// What one election contributes to the table (a shard file holds these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub name: String,
    /// The data file as the manifest writes it.
    pub path: String,
    pub reference: bool,
    pub seed: u64,
    /// The report files written, relative to the output folder.
    pub reports: Vec<String>,
    /// Why the election could not be audited.
    pub error: Option<String>,
    pub stations: Option<u64>,
    pub rejected: Option<u64>,
    pub turnout: Option<f64>,
    pub winner: Option<String>,
    pub winner_share: Option<f64>,
    pub flagged: bool,
    pub checks: Vec<CheckCell>,
    /// In [`FIGURES`] order (the comparison shows them placed among the references).
    #[serde(rename = "figure_values")]
    pub figures: Vec<Option<f64>>,
}

/// A figure and where it stands among the reference elections.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureCell {
    pub key: &'static str,
    pub value: Option<f64>,
    /// The references' smallest and largest value.
    pub ref_min: Option<f64>,
    pub ref_max: Option<f64>,
    /// 100 × (references below + ½ references equal) ÷ references.
    pub ref_percentile: Option<f64>,
    /// value ÷ the largest reference, for magnitudes when both are above 0.
    pub ref_ratio: Option<f64>,
}

/// A row of the comparison as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonRow {
    #[serde(flatten)]
    pub row: Row,
    #[serde(rename = "figures")]
    pub cells: Vec<FigureCell>,
}

/// The whole comparison, as `comparison.json` holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub tool: &'static str,
    pub version: &'static str,
    pub seed: u64,
    pub references: Vec<String>,
    pub note: &'static str,
    pub rows: Vec<ComparisonRow>,
}

const NOTE: &str = "A flag is statistical evidence of an anomaly in the numbers, not proof of \
     fraud. Each check's p_adjusted is the smallest Holm-adjusted p over its subjects, and \
     flagged says whether any subject is flagged. ref_percentile is 100 × (references below + \
     half the references equal) ÷ references; ref_ratio is the value over the largest \
     reference, for magnitudes whose clean value is near 0, when both are above 0.";

/// Builds the comparison from every election's row.
pub fn comparison(seed: u64, mut rows: Vec<Row>) -> Comparison {
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let refs: Vec<&Row> = rows
        .iter()
        .filter(|r| r.reference && r.error.is_none())
        .collect();
    let ref_values: Vec<Vec<f64>> = (0..FIGURES.len())
        .map(|i| {
            refs.iter()
                .filter_map(|r| r.figures.get(i).copied().flatten())
                .collect()
        })
        .collect();
    let references = refs.iter().map(|r| r.name.clone()).collect();
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = FIGURES
                .iter()
                .zip(&ref_values)
                .enumerate()
                .map(|(i, (def, refs))| {
                    let value = row.figures.get(i).copied().flatten();
                    place(def.key, def.ratio, value, refs)
                })
                .collect();
            ComparisonRow { row, cells }
        })
        .collect();
    Comparison {
        tool: "elaudit",
        version: env!("CARGO_PKG_VERSION"),
        seed,
        references,
        note: NOTE,
        rows,
    }
}

/// Where `value` stands among the references' values `refs`.
fn place(key: &'static str, ratio: bool, value: Option<f64>, refs: &[f64]) -> FigureCell {
    let min = refs.iter().copied().reduce(f64::min);
    let max = refs.iter().copied().reduce(f64::max);
    let percentile = value.filter(|_| !refs.is_empty()).map(|v| {
        let below = refs.iter().filter(|&&r| r < v).count() as f64;
        let equal = refs.iter().filter(|&&r| r == v).count() as f64;
        100.0 * (below + 0.5 * equal) / refs.len() as f64
    });
    let ref_ratio = match (value, max) {
        (Some(v), Some(m)) if ratio && m > 0.0 && v > 0.0 => Some(v / m),
        _ => None,
    };
    FigureCell {
        key,
        value,
        ref_min: min,
        ref_max: max,
        ref_percentile: percentile,
        ref_ratio,
    }
}

/// Writes `comparison.csv`, `comparison.md` and `comparison.json` into `dir`.
pub fn write_comparison(dir: &Path, c: &Comparison) -> Result<(), BatchError> {
    write(&dir.join("comparison.csv"), &csv_bytes(c)?)?;
    write(&dir.join("comparison.md"), markdown(c).as_bytes())?;
    let json = serde_json::to_string_pretty(c).map_err(|e| BatchError::Format {
        path: "comparison.json".into(),
        message: e.to_string(),
    })? + "\n";
    write(&dir.join("comparison.json"), json.as_bytes())
}

/// Writes a file, naming it in the error.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    std::fs::write(path, bytes).map_err(|source| BatchError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Numbers in the CSV: Rust's shortest representation that reads back exactly.
fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn csv_bytes(c: &Comparison) -> Result<Vec<u8>, BatchError> {
    let with_refs = !c.references.is_empty();
    let mut header: Vec<String> = [
        "name",
        "reference",
        "error",
        "stations",
        "rejected",
        "turnout",
        "winner",
        "winner_share",
        "flagged",
    ]
    .map(String::from)
    .to_vec();
    for id in flaggable_checks() {
        header.extend(["p_adjusted", "flagged", "subject"].map(|s| format!("{id}.{s}")));
    }
    for def in FIGURES {
        header.push(def.key.to_string());
        if with_refs {
            header.extend(
                ["ref_min", "ref_max", "ref_percentile"].map(|s| format!("{}.{s}", def.key)),
            );
            if def.ratio {
                header.push(format!("{}.ref_ratio", def.key));
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| BatchError::Format {
        path: "comparison.csv".into(),
        message: e.to_string(),
    };
    w.write_record(&header).map_err(fail)?;
    for cr in &c.rows {
        let r = &cr.row;
        let mut rec = vec![
            spreadsheet_text(&r.name),
            r.reference.to_string(),
            spreadsheet_text(r.error.as_deref().unwrap_or_default()),
            r.stations.map(|s| s.to_string()).unwrap_or_default(),
            r.rejected.map(|s| s.to_string()).unwrap_or_default(),
            num(r.turnout),
            spreadsheet_text(r.winner.as_deref().unwrap_or_default()),
            num(r.winner_share),
            r.flagged.to_string(),
        ];
        for id in flaggable_checks() {
            match check_cell(r, id) {
                Some(cell) => rec.extend([
                    num(cell.p_adjusted),
                    cell.flagged.to_string(),
                    cell.subject.clone().unwrap_or_default(),
                ]),
                None => rec.extend([String::new(), String::new(), String::new()]),
            }
        }
        for (def, cell) in FIGURES.iter().zip(&cr.cells) {
            rec.push(num(cell.value));
            if with_refs {
                rec.extend([cell.ref_min, cell.ref_max, cell.ref_percentile].map(num));
                if def.ratio {
                    rec.push(num(cell.ref_ratio));
                }
            }
        }
        w.write_record(&rec).map_err(fail)?;
    }
    w.into_inner().map_err(|e| BatchError::Format {
        path: "comparison.csv".into(),
        message: e.to_string(),
    })
}

/// The row's cell of check `id` (none when the election failed or the check was not run).
fn check_cell<'a>(row: &'a Row, id: &str) -> Option<&'a CheckCell> {
    row.checks.iter().find(|c| c.id == id)
}

/// Four significant digits, or scientific notation for very small or large values.
pub fn sig4(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-3..5).contains(&mag) {
        return format!("{v:.2e}");
    }
    let decimals = (3 - mag).max(0) as usize;
    format!("{v:.decimals$}")
}

fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2}%", 100.0 * x))
        .unwrap_or_else(|| "–".into())
}

/// Markdown table cells must not hold `|` or line breaks.
fn cell_text(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn markdown(c: &Comparison) -> String {
    let mut md = String::from("# Batch comparison\n\n");
    md.push_str(&format!(
        "{} elections, batch seed {}. References: {}.\n\n{}\n\n",
        c.rows.len(),
        c.seed,
        if c.references.is_empty() {
            "none".to_string()
        } else {
            c.references.join(", ")
        },
        c.note
    ));
    md.push_str(&elections_md(c));
    md.push_str(&checks_md(c));
    md.push_str(&figures_md(c));
    md
}

fn elections_md(c: &Comparison) -> String {
    let mut md = String::from(
        "## Elections\n\n| election | reference | stations | rejected rows | turnout | \
         winner's share | flagged | error |\n|---|---|---:|---:|---:|---:|---|---|\n",
    );
    for cr in &c.rows {
        let r = &cr.row;
        let flagged: Vec<&str> = r
            .checks
            .iter()
            .filter(|x| x.flagged)
            .map(|x| x.id.as_str())
            .collect();
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell_text(&r.name),
            if r.reference { "yes" } else { "" },
            r.stations.map(|s| s.to_string()).unwrap_or_default(),
            r.rejected.map(|s| s.to_string()).unwrap_or_default(),
            percent(r.turnout),
            percent(r.winner_share),
            flagged.join(", "),
            cell_text(r.error.as_deref().unwrap_or("")),
        ));
    }
    md + "\n"
}

fn checks_md(c: &Comparison) -> String {
    let ids = flaggable_checks();
    let mut md = String::from(
        "## Checks\n\nEach check's smallest Holm-adjusted p over its subjects; ⚑ flagged; \
         n/a: the check does not apply to this election.\n\n\
         | election |",
    );
    md.push_str(&ids.iter().map(|id| format!(" {id} |")).collect::<String>());
    md.push_str(&format!("\n|---|{}\n", "---:|".repeat(ids.len())));
    for cr in &c.rows {
        md.push_str(&format!("| {} |", cell_text(&cr.row.name)));
        for id in &ids {
            let text = match check_cell(&cr.row, id).map(|c| (c, c.p_adjusted)) {
                None => String::new(),
                Some((cell, None)) if !cell.ran => "not run".into(),
                Some((_, None)) => "n/a".into(),
                Some((cell, Some(p))) => {
                    let p = format_p(p).replace("p = ", "").replace("p ", "");
                    if cell.flagged { format!("{p} ⚑") } else { p }
                }
            };
            md.push_str(&format!(" {text} |"));
        }
        md.push('\n');
    }
    md + "\n"
}

fn figures_md(c: &Comparison) -> String {
    let mut md = String::from("## Figures\n\n");
    if !c.references.is_empty() {
        md.push_str(
            "Each figure is followed by its percentile among the references and, for \
             magnitudes, its ratio to the largest reference.\n\n",
        );
    }
    md.push_str("| election |");
    md.push_str(
        &FIGURES
            .iter()
            .map(|f| format!(" {} |", f.label))
            .collect::<String>(),
    );
    md.push_str(&format!("\n|---|{}\n", "---:|".repeat(FIGURES.len())));
    if let Some(first) = c.rows.first().filter(|_| !c.references.is_empty()) {
        md.push_str("| *references' range* |");
        for cell in &first.cells {
            let range = match (cell.ref_min, cell.ref_max) {
                (Some(a), Some(b)) => format!("{} – {}", sig4(a), sig4(b)),
                _ => "–".into(),
            };
            md.push_str(&format!(" {range} |"));
        }
        md.push('\n');
    }
    for cr in &c.rows {
        md.push_str(&format!("| {} |", cell_text(&cr.row.name)));
        for cell in &cr.cells {
            md.push_str(&format!(" {} |", figure_text(cell)));
        }
        md.push('\n');
    }
    md + "\n"
}

/// `0.0312 (pct 100; 14× ref max)`.
fn figure_text(cell: &FigureCell) -> String {
    let Some(v) = cell.value else {
        return "–".into();
    };
    let mut extra = Vec::new();
    if let Some(p) = cell.ref_percentile {
        extra.push(format!("pct {p:.0}"));
    }
    if let Some(r) = cell.ref_ratio {
        let r = if r.abs() >= 10.0 {
            format!("{r:.0}")
        } else {
            format!("{r:.1}")
        };
        extra.push(format!("{r}× ref max"));
    }
    if extra.is_empty() {
        sig4(v)
    } else {
        format!("{} ({})", sig4(v), extra.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_among_references() {
        let c = place("k", true, Some(14.0), &[1.0, 0.5, 1.0]);
        assert_eq!(c.ref_min, Some(0.5));
        assert_eq!(c.ref_max, Some(1.0));
        assert_eq!(c.ref_percentile, Some(100.0));
        assert_eq!(c.ref_ratio, Some(14.0));
        assert_eq!(figure_text(&c), "14.00 (pct 100; 14× ref max)");
        // Ties count half: one below, two equal, of three.
        let c = place("k", false, Some(1.0), &[1.0, 0.5, 1.0]);
        assert_eq!(c.ref_percentile, Some(100.0 * 2.0 / 3.0));
        assert_eq!(c.ref_ratio, None);
        let c = place("k", true, Some(1.0), &[]);
        assert_eq!(
            (c.ref_min, c.ref_percentile, c.ref_ratio),
            (None, None, None)
        );
        // No ratio to a largest reference that is not above 0, nor of a value that is not.
        assert_eq!(place("k", true, Some(1.0), &[-1.0, 0.0]).ref_ratio, None);
        assert_eq!(place("k", true, Some(-1.0), &[1.0]).ref_ratio, None);
        assert_eq!(place("k", true, Some(0.0), &[1.0]).ref_ratio, None);
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(sig4(4.18734), "4.187");
        assert_eq!(sig4(0.0312), "0.03120");
        assert_eq!(sig4(-2.5), "-2.500");
        assert_eq!(sig4(1.5e-6), "1.50e-6");
        assert_eq!(sig4(123456.0), "1.23e5");
        assert_eq!(cell_text("a|b\nc"), "a\\|b c");
    }
}
