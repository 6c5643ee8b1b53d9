//! Plain-text rendering for a terminal or a log.

use std::fmt::Write;

use super::{CheckResult, Family, InputSummary, RegionReport, Report};

/// How many rejected rows the text report lists (the JSON lists them all).
pub const REJECTED_SHOWN: usize = 10;

/// How much the text report says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// One row per result, with its sentence only when flagged, and no column mapping:
    /// for files with many candidates. The caveats stay.
    pub brief: bool,
}

/// The report as plain text, as `options` ask.
pub fn render_text(r: &Report, options: TextOptions) -> String {
    let mut o = String::new();
    let i = &r.input;
    let _ = writeln!(o, "elaudit {} audit of {}", r.version, i.path);
    let _ = writeln!(o, "  sha256 {}", i.sha256);
    let _ = writeln!(
        o,
        "  seed {}  alpha {}  command: {}",
        r.seed, r.alpha, r.command
    );
    let _ = writeln!(o);

    write_input(&mut o, i, options);

    let _ = writeln!(o, "Checks ({})", r.adjustment);
    let _ = writeln!(
        o,
        "  {:<20} {:<20} {:<28} {:>12} {:>10} {:>10}  flag",
        "check", "subject", "effect", "statistic", "p", "p adj"
    );
    for c in &r.checks {
        write_check(&mut o, c, options.brief && !c.flagged);
    }
    if options.brief {
        let _ = writeln!(
            o,
            "  (--brief: sentences only for flagged results; without it, one for every result)"
        );
    }
    let _ = writeln!(o);

    if !r.rejected_rows.is_empty() {
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

    if let Some(regions) = &r.regions {
        write_regions(
            &mut o,
            regions,
            r.regional_adjustment.as_deref().unwrap_or(""),
        );
    }

    let flagged: Vec<&CheckResult> = r.checks.iter().filter(|c| c.flagged).collect();
    let flagged_regions: Vec<&str> = r
        .regions
        .iter()
        .flatten()
        .filter(|g| g.flagged)
        .map(|g| g.region.as_str())
        .collect();
    if !flagged_regions.is_empty() {
        let _ = writeln!(
            o,
            "Regions flagged: {} ({}).",
            flagged_regions.len(),
            flagged_regions.join(", ")
        );
    }
    if flagged.is_empty() {
        let _ = writeln!(
            o,
            "Result: nothing flagged nationally at alpha {} after adjustment.",
            r.alpha
        );
    } else {
        let names: Vec<String> = flagged
            .iter()
            .map(|c| format!("{} ({})", c.id, c.subject))
            .collect();
        let _ = writeln!(
            o,
            "Result: {} flagged at alpha {}: {}.",
            flagged.len(),
            r.alpha,
            names.join(", ")
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Caveats");
    for c in &r.caveats {
        let _ = writeln!(o, "  - {c}");
    }
    o
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
            "    {:<28} {:>14} {:>7.2}%",
            c.name,
            group(c.votes),
            100.0 * c.share
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
    let _ = writeln!(o, "Regions, ranked ({adjustment})");
    let _ = writeln!(
        o,
        "  {:>4}  {:<28} {:>9} {:>12}  {:<34} {:>9}  flags",
        "rank", "region", "stations", "p adj", "strongest", "stuffing"
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
            "  {:>4}  {:<28} {:>9} {:>12}  {:<34} {:>9}  {}",
            g.rank,
            clip(&g.region, 28),
            g.stations,
            g.p_adjusted.map(pval).unwrap_or_else(|| "-".into()),
            clip(g.strongest.as_deref().unwrap_or("-"), 34),
            stuffing,
            match (g.flagged, flags) {
                (false, _) => "-".to_string(),
                (true, 0) => "FLAG".to_string(),
                (true, n) => format!("FLAG ({n} results)"),
            }
        );
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

/// One result's row, and its sentence unless `terse`.
fn write_check(o: &mut String, c: &CheckResult, terse: bool) {
    if !c.applicable {
        let _ = writeln!(
            o,
            "  {:<20} {:<20} not applicable",
            c.id,
            clip(&c.subject, 20)
        );
        if !terse {
            let _ = writeln!(o, "      {}", c.summary);
        }
        return;
    }
    let effect = c
        .effect
        .as_ref()
        .map(|e| format!("{} {}", e.measure, num(e.value)))
        .unwrap_or_else(|| "-".into());
    let flag = match (c.family, c.flagged) {
        (Family::Descriptive, _) => "descr.",
        (_, true) => "FLAG",
        (_, false) => "-",
    };
    let _ = writeln!(
        o,
        "  {:<20} {:<20} {:<28} {:>12} {:>10} {:>10}  {}",
        c.id,
        clip(&c.subject, 20),
        effect,
        c.statistic.map(num).unwrap_or_else(|| "-".into()),
        c.p_value.map(pval).unwrap_or_else(|| "-".into()),
        c.p_adjusted.map(pval).unwrap_or_else(|| "-".into()),
        flag
    );
    if !terse {
        let _ = writeln!(o, "      {}", c.summary);
    }
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let head: String = s.chars().take(width - 1).collect();
        head + "…"
    }
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

/// A p-value: tiny ones in scientific notation, so that 1e-40 is not printed as 0.
fn pval(p: f64) -> String {
    // An upper tail that underflowed is below the smallest normal f64, not zero.
    if p == 0.0 {
        "< 1e-300".into()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// 12345678 -> "12,345,678".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(12_345_678), "12,345,678");
    }

    #[test]
    fn tiny_p_values_stay_visible() {
        assert_eq!(pval(3.2e-40), "3.20e-40");
        assert_eq!(pval(0.5), "0.5000");
        assert_eq!(pval(0.0), "< 1e-300");
    }
}
