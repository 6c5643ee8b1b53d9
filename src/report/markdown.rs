//! `--format markdown`: the verdict and the table of results, as GitHub-flavoured Markdown.

use std::fmt::Write;

use super::text::plural;
use super::{CheckResult, Family, Report};
use crate::stats::format::p_value;

/// Escapes a table cell: pipes, and markup characters a name could carry.
fn cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' => o.push(' '),
            _ => o.push(c),
        }
    }
    o
}

fn num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// The verdict and the check table.
pub fn render_markdown(r: &Report) -> String {
    let mut o = String::new();
    let i = &r.input;
    let _ = writeln!(o, "# Election audit of `{}`\n", i.path.replace('`', "'"));
    let flagged: Vec<&CheckResult> = r.checks.iter().filter(|c| c.flagged).collect();
    let turnout = i
        .turnout
        .map(|t| format!(", turnout {:.2}%", 100.0 * t))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "**Data:** {} from {} ({} rejected, {} excluded){turnout}; {} won {:.2}% of valid \
         votes.\n",
        plural(i.stations as usize, "station", "stations"),
        plural(i.rows as usize, "row", "rows"),
        i.rejected,
        i.excluded,
        cell(&i.winner),
        100.0 * i.winner_share
    );
    if flagged.is_empty() {
        let _ = writeln!(
            o,
            "**Result:** nothing flagged nationally at alpha {} after adjustment.\n",
            super::alpha_text(r.alpha)
        );
    } else {
        let _ = writeln!(
            o,
            "**Result:** {} flagged at alpha {} after adjustment:\n",
            plural(flagged.len(), "result", "results"),
            super::alpha_text(r.alpha)
        );
        for c in &flagged {
            let _ = writeln!(
                o,
                "- **{}** ({}): adjusted p {}. {}",
                c.id,
                cell(&c.subject),
                c.p_adjusted.map(p_value).unwrap_or_else(|| "-".into()),
                cell(&c.summary)
            );
        }
        let _ = writeln!(o);
    }
    if let Some(regions) = &r.regions {
        let line = super::regions_flagged(regions, cell);
        let _ = writeln!(o, "**Regions flagged:** {line}\n");
    }
    let _ = writeln!(
        o,
        "A flag is evidence of a statistical anomaly, not proof of fraud.\n\n\
         | check | subject | effect | statistic | p | p adj | flag |\n\
         |---|---|---|--:|--:|--:|---|"
    );
    for c in &r.checks {
        let flag = match (c.applicable, c.family, c.flagged) {
            (false, _, _) => "n/a",
            (_, Family::Descriptive, _) => "descriptive",
            (_, _, true) => "**FLAG**",
            _ => "-",
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {flag} |",
            c.id,
            cell(&c.subject),
            c.effect
                .as_ref()
                .map(|e| format!("{} {}", e.measure, num(e.value)))
                .unwrap_or_else(|| "-".into()),
            c.statistic.map(num).unwrap_or_else(|| "-".into()),
            c.p_value.map(p_value).unwrap_or_else(|| "-".into()),
            c.p_adjusted.map(p_value).unwrap_or_else(|| "-".into()),
        );
    }
    let _ = writeln!(
        o,
        "\nelaudit {}, seed {}, input SHA-256 `{}`.",
        r.version, r.seed, i.sha256
    );
    super::printable(o)
}
