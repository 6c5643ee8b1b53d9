//! Plain-text rendering for a terminal or a log.

use std::fmt::Write;

use super::{CheckResult, Family, InputSummary, RegionReport, Report};
use crate::stats::format::{group, p_value};

/// How many rejected rows the text report lists (the JSON lists them all).
pub const REJECTED_SHOWN: usize = 10;

/// How much the text report says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// One row per result, with its sentence only when flagged, and no column mapping:
    /// for files with many candidates. The caveats stay.
    pub brief: bool,
}

/// The report as plain text, as `options` ask: the verdict first, then the input, the
/// table of results, each result's sentence, the rejected rows, the regions and the caveats.
pub fn render_text(r: &Report, options: TextOptions) -> String {
    let mut o = String::new();
    let i = &r.input;
    let _ = writeln!(o, "elaudit {} audit of {}", r.version, i.path);
    write_verdict(&mut o, r);
    let _ = writeln!(o, "  sha256 {}", i.sha256);
    let _ = writeln!(
        o,
        "  seed {}  alpha {}  command: {}",
        r.seed,
        super::alpha_text(r.alpha),
        r.command
    );
    let _ = writeln!(o);

    write_input(&mut o, i, options);

    let _ = writeln!(o, "Checks ({})", r.adjustment);
    let _ = writeln!(
        o,
        "  {:<20} {:<28} {:>12} {:>9} {:>9}  {:<6}  subject",
        "check", "effect", "statistic", "p", "p adj", "flag"
    );
    for c in &r.checks {
        write_check(&mut o, c);
    }
    let _ = writeln!(o);
    write_details(&mut o, &r.checks, options.brief);
    write_rejected(&mut o, r);
    if let Some(regions) = &r.regions {
        write_regions(
            &mut o,
            regions,
            r.regional_adjustment.as_deref().unwrap_or(""),
        );
    }
    let _ = writeln!(o, "Caveats");
    for c in &r.caveats {
        let _ = writeln!(o, "  - {c}");
    }
    super::printable(o)
}

/// "1 result", "2 results".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", group(n as u64), if n == 1 { one } else { many })
}

/// The verdict: the data in one line, each flagged result with its sentence and effect,
/// and what is not flagged in one line.
fn write_verdict(o: &mut String, r: &Report) {
    let i = &r.input;
    let turnout = i
        .turnout
        .map(|t| format!(", turnout {:.2}%", 100.0 * t))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "  Data: {} from {} ({} rejected, {} excluded){turnout}; {} won {:.2}% of valid votes.",
        plural(i.stations as usize, "station", "stations"),
        plural(i.rows as usize, "row", "rows"),
        group(i.rejected),
        group(i.excluded),
        i.winner,
        100.0 * i.winner_share
    );
    let flagged: Vec<&CheckResult> = r.checks.iter().filter(|c| c.flagged).collect();
    let holm = r
        .checks
        .iter()
        .filter(|c| c.family == Family::Holm && c.applicable)
        .count();
    if flagged.is_empty() {
        let _ = writeln!(
            o,
            "  Result: nothing flagged nationally at alpha {} after adjustment ({} tested).",
            super::alpha_text(r.alpha),
            plural(holm, "result", "results")
        );
    } else {
        let _ = writeln!(
            o,
            "  Result: {} of {} flagged at alpha {} after adjustment:",
            flagged.len(),
            plural(holm, "result", "results"),
            super::alpha_text(r.alpha)
        );
        for c in &flagged {
            let _ = writeln!(
                o,
                "    - {} ({}): {}; p adj {}. {}",
                c.id,
                c.subject,
                effect_text(c),
                c.p_adjusted.map(p_value).unwrap_or_else(|| "-".into()),
                c.summary
            );
        }
    }
    let _ = writeln!(o, "  {}", not_flagged_line(r));
    if let Some(regions) = &r.regions {
        let line = super::regions_flagged(regions, str::to_string);
        let _ = writeln!(o, "  Regions flagged: {line}");
    }
    let _ = writeln!(
        o,
        "  A flag is evidence of a statistical anomaly, not proof of fraud (see Caveats)."
    );
}

/// What was tested and not flagged, by check, in one line.
fn not_flagged_line(r: &Report) -> String {
    let mut ids: Vec<(&str, usize)> = Vec::new();
    let mut na = 0;
    let mut descriptive = 0;
    for c in &r.checks {
        if !c.applicable {
            na += 1;
        } else if c.family == Family::Descriptive {
            descriptive += 1;
        } else if !c.flagged {
            match ids.iter_mut().find(|(k, _)| *k == c.id) {
                Some((_, n)) => *n += 1,
                None => ids.push((&c.id, 1)),
            }
        }
    }
    let list: Vec<String> = ids.iter().map(|(id, n)| format!("{id} ×{n}")).collect();
    format!(
        "Not flagged: {}; descriptive only: {descriptive}; not applicable: {na}.",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    )
}

/// Each result's sentence (with `brief`, only the flagged ones).
fn write_details(o: &mut String, checks: &[CheckResult], brief: bool) {
    let _ = writeln!(o, "Details");
    for c in checks.iter().filter(|c| !brief || c.flagged) {
        let _ = writeln!(o, "  {} ({}): {}", c.id, c.subject, c.summary);
    }
    if brief {
        let _ = writeln!(
            o,
            "  (--brief: sentences only for flagged results; without it, one for every result)"
        );
    }
    let _ = writeln!(o);
}

fn write_rejected(o: &mut String, r: &Report) {
    if r.rejected_rows.is_empty() {
        return;
    }
    let _ = writeln!(o, "Rejected rows ({})", r.rejected_rows.len());
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for row in &r.rejected_rows {
        match reasons.iter_mut().find(|(k, _)| *k == row.reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((&row.reason, 1)),
        }
    }
    for (reason, n) in reasons {
        let _ = writeln!(o, "  {reason}: {n}");
    }
    for row in r.rejected_rows.iter().take(REJECTED_SHOWN) {
        let _ = writeln!(
            o,
            "    line {} station '{}': {} ({})",
            row.line, row.station, row.reason, row.detail
        );
    }
    if r.rejected_rows.len() > REJECTED_SHOWN {
        let _ = writeln!(
            o,
            "    ... {} more (use --format json for the full list)",
            r.rejected_rows.len() - REJECTED_SHOWN
        );
    }
    let _ = writeln!(o);
}

/// How many regions the text report ranks (the JSON has them all).
pub const REGIONS_SHOWN: usize = 20;

/// The input section: where every line went, the turnout and its caveats, the
/// candidates and the column roles.
fn write_input(o: &mut String, i: &InputSummary, options: TextOptions) {
    let _ = writeln!(o, "Input");
    let l = &i.lines;
    let _ = writeln!(
        o,
        "  rows {}  stations used {}  rejected {}  excluded {}",
        i.rows, i.stations, i.rejected, i.excluded
    );
    let _ = writeln!(
        o,
        "  lines {} = header {} + used {} + rejected {} + excluded {}{}",
        l.lines,
        l.header,
        l.used,
        l.rejected,
        l.excluded,
        if l.balanced() {
            ""
        } else {
            "  (DOES NOT ADD UP: please report this)"
        }
    );
    for e in &i.excluded_by_rule {
        let at = match e.lines.as_slice() {
            [] => String::new(),
            lines => format!(" (line {})", join_lines(lines, e.rows)),
        };
        let _ = writeln!(o, "    excluded by {}: {}{at}", e.rule, e.rows);
    }
    for c in &i.left_out {
        let _ = writeln!(o, "  column '{}' left out: {}; {}", c.column, c.why, c.fix);
    }
    write_turnout(o, i);
    let _ = writeln!(
        o,
        "  winner {} with {:.2}% of valid votes ({} valid)",
        i.winner,
        100.0 * i.winner_share,
        group(i.valid)
    );
    for c in &i.candidates {
        let _ = writeln!(
            o,
            "    {:>14} {:>7.2}%  {}",
            group(c.votes),
            100.0 * c.share,
            c.name
        );
    }
    if !options.brief {
        let roles: Vec<String> = i
            .columns
            .iter()
            .map(|c| format!("{} -> {}", c.column, c.role))
            .collect();
        let _ = writeln!(o, "  columns: {}", roles.join(", "));
    }
    let _ = writeln!(o);
}

fn join_lines(lines: &[u64], all: u64) -> String {
    let shown: Vec<String> = lines.iter().map(u64::to_string).collect();
    let more = all.saturating_sub(lines.len() as u64);
    match more {
        0 => shown.join(", "),
        _ => format!("{}, … {more} more", shown.join(", ")),
    }
}

/// Turnout, over the stations that can have one, and what it leaves out.
fn write_turnout(o: &mut String, i: &InputSummary) {
    match (i.registered, i.turnout) {
        (Some(reg), Some(t)) => {
            let _ = writeln!(
                o,
                "  registered {}  ballots {}  turnout {:.2}% (over the stations with registered voters)",
                group(reg),
                group(i.ballots),
                100.0 * t
            );
        }
        (Some(_), None) => {
            let _ = writeln!(
                o,
                "  ballots {}  (all {} stations have zero registered voters: turnout not available)",
                group(i.ballots),
                i.stations
            );
        }
        (None, _) => {
            let _ = writeln!(
                o,
                "  ballots {}  (no registered-voters column: turnout not available)",
                group(i.ballots)
            );
        }
    }
    if i.ballots_without_registered > 0 && i.turnout.is_some() {
        let share = 100.0 * i.ballots_without_registered as f64 / i.ballots.max(1) as f64;
        let all = i.turnout_all_ballots.map_or(String::new(), |t| {
            format!("; all ballots ÷ all registered is {:.2}%", 100.0 * t)
        });
        let _ = writeln!(
            o,
            "  note: {:.2}% of ballots ({}) sit in {} stations without registered voters \
             (postal or mobile districts?); the turnout above leaves them out{all}",
            share,
            group(i.ballots_without_registered),
            group(i.zero_registered_with_ballots)
        );
    }
    if i.zero_registered + i.turnout_above_100 > 0 {
        let _ = writeln!(
            o,
            "  left out of turnout figures: {} stations with zero registered, {} above 100% turnout",
            i.zero_registered, i.turnout_above_100
        );
    }
}

fn write_regions(o: &mut String, regions: &[RegionReport], adjustment: &str) {
    let _ = writeln!(o, "Regions, ranked by p adj ({adjustment})");
    let _ = writeln!(
        o,
        "  p: the region's smallest Holm-adjusted p over its flaggable results; p adj: that p, \
         Benjamini-Hochberg-adjusted across regions (ties in p adj are ranked by p)"
    );
    let _ = writeln!(
        o,
        "  {:>4} {:>9} {:>9} {:>9} {:>9}  {:<18}  region",
        "rank", "p", "p adj", "stations", "stuffing", "flag"
    );
    for g in regions.iter().take(REGIONS_SHOWN) {
        let flags = g.checks.iter().filter(|c| c.flagged).count();
        // The national fingerprint's stuffing placed here, as a share of the region's ballots.
        let stuffing = g
            .checks
            .iter()
            .find(|c| c.id == "fingerprint")
            .and_then(|c| c.effect.as_ref())
            .map(|e| format!("{:.2}%", 100.0 * e.value))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            o,
            "  {:>4} {:>9} {:>9} {:>9} {:>9}  {:<18}  {}",
            g.rank,
            g.p_value.map(p_value).unwrap_or_else(|| "-".into()),
            g.p_adjusted.map(p_value).unwrap_or_else(|| "-".into()),
            g.stations,
            stuffing,
            match (g.flagged, flags) {
                (false, _) => "-".to_string(),
                (true, 0) => "FLAG".to_string(),
                (true, n) => format!("FLAG ({})", plural(n, "result", "results")),
            },
            g.region
        );
        if let Some(s) = &g.strongest {
            let _ = writeln!(o, "{:>46}strongest: {s}", "");
        }
    }
    if regions.len() > REGIONS_SHOWN {
        let _ = writeln!(
            o,
            "  ... {} more regions (use --format json for all)",
            regions.len() - REGIONS_SHOWN
        );
    }
    if regions
        .iter()
        .any(|g| g.checks.iter().any(|c| c.id == "fingerprint"))
    {
        let _ = writeln!(
            o,
            "  stuffing: ballots the national fingerprint fit places in the region, as a share of \
             its ballots (not refitted per region; intervals in the JSON)"
        );
    }
    let _ = writeln!(o);
}

/// One result's row; the subject goes last so that no name is cut.
fn write_check(o: &mut String, c: &CheckResult) {
    if !c.applicable {
        let _ = writeln!(
            o,
            "  {:<20} {:<28} {:>12} {:>9} {:>9}  {:<6}  {}",
            c.id, "not applicable", "", "", "", "", c.subject
        );
        return;
    }
    let flag = match (c.family, c.flagged) {
        (Family::Descriptive, _) => "descr.",
        (_, true) => "FLAG",
        (_, false) => "-",
    };
    let _ = writeln!(
        o,
        "  {:<20} {:<28} {:>12} {:>9} {:>9}  {:<6}  {}",
        c.id,
        effect_text(c),
        c.statistic.map(num).unwrap_or_else(|| "-".into()),
        c.p_value.map(p_value).unwrap_or_else(|| "-".into()),
        c.p_adjusted.map(p_value).unwrap_or_else(|| "-".into()),
        flag,
        c.subject
    );
}

/// The effect as `measure value`, or `-`.
fn effect_text(c: &CheckResult) -> String {
    c.effect
        .as_ref()
        .map(|e| format!("{} {}", e.measure, num(e.value)))
        .unwrap_or_else(|| "-".into())
}

/// A number with four significant digits, in plain or scientific notation.
fn num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_agree() {
        assert_eq!(plural(1, "result", "results"), "1 result");
        assert_eq!(plural(3, "result", "results"), "3 results");
    }
}
