//! Runs the selected checks on a dataset, adjusts their p-values and builds the report.

use rayon::prelude::*;

use rand::RngExt as _;

use crate::checks::{Check, CheckContext, CheckOptions, registry_for};
use crate::data::Dataset;
use crate::montecarlo::batch_rng;
use crate::result::charts::fingerprint_heatmap;
use crate::result::{CandidateTotal, CheckResult, Family, InputSummary, RegionReport, Report};
use crate::stats::adjust::{benjamini_hochberg, holm};

/// Checked options of one audit.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditOptions {
    /// Significance level after Holm's adjustment.
    pub alpha: f64,
    /// Run only these check ids (`None`: all).
    pub only: Option<Vec<String>>,
    pub skip: Vec<String>,
    pub checks: CheckOptions,
    /// Rerun the checks inside each region and rank the regions.
    pub by_region: bool,
    /// The command line, as recorded in the report.
    pub command: String,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            alpha: 0.01,
            only: None,
            skip: Vec::new(),
            checks: CheckOptions::default(),
            by_region: false,
            command: String::new(),
        }
    }
}

/// The sentence every report carries, whatever it finds.
pub const NOT_PROOF: &str = "A flag is statistical evidence of an anomaly in the numbers, not proof of fraud: \
     data errors, unusual but honest voting, or administrative practice can produce the same patterns.";

/// Cells per axis of a region's fingerprint in the HTML report's small multiples.
const REGION_FINGERPRINT_BINS: usize = 25;

/// Runs the checks and returns the full report.
pub fn run_audit(data: &Dataset, opts: &AuditOptions) -> Report {
    let checks: Vec<_> = registry_for(&opts.checks)
        .into_iter()
        .filter(|c| {
            opts.only
                .as_ref()
                .is_none_or(|only| only.iter().any(|id| id == c.id()))
                && !opts.skip.iter().any(|id| id == c.id())
        })
        .collect();
    let ctx = CheckContext::new(data, &opts.checks);
    // Checks run one after another, each parallel inside: side by side, two checks'
    // working sets on a million stations added up to a third more peak memory.
    let mut results: Vec<CheckResult> = checks
        .iter()
        .map(|c| c.run(&ctx))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    let family_size = adjust(&mut results, opts.alpha);
    let regions = opts
        .by_region
        .then(|| run_regions(data, &checks, &results, opts));
    let flagged = results.iter().any(|r| r.flagged) || regions.iter().flatten().any(|r| r.flagged);
    Report {
        tool: "elaudit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed: opts.checks.seed,
        alpha: opts.alpha,
        command: opts.command.clone(),
        election: None,
        adjustment: format!(
            "Holm step-down over the {family_size} applicable results of flaggable checks; \
             first-digit and protocol-arithmetic are descriptive and never flagged"
        ),
        input: summarize(data),
        rejected_rows: data.rejected.clone(),
        checks: results,
        regional_adjustment: regions.as_ref().map(|_| {
            format!(
                "each region's p is the smallest Holm-adjusted p of its flaggable results; \
                 Benjamini-Hochberg across regions adjusts it, and a region is flagged when that is \
                 below {}. Each result's p_adjusted is Benjamini-Hochberg across regions for its \
                 check and subject. Regions below a check's minimum size say not applicable",
                opts.alpha
            )
        }),
        regions,
        flagged,
        caveats: caveats(data),
    }
}

/// Holm-adjusts the p-values of applicable `Family::Holm` results and sets their flags.
/// Returns the size of the family.
fn adjust(results: &mut [CheckResult], alpha: f64) -> usize {
    let idx: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.family == Family::Holm && r.applicable && r.p_value.is_some())
        .map(|(i, _)| i)
        .collect();
    let ps: Vec<f64> = idx.iter().filter_map(|&i| results[i].p_value).collect();
    for (&i, p_adj) in idx.iter().zip(holm(&ps)) {
        results[i].p_adjusted = Some(p_adj);
        results[i].flagged = p_adj < alpha;
    }
    idx.len()
}

/// Reruns the per-region checks inside each region, adjusts each check's p-values
/// across regions, and ranks the regions by their smallest adjusted p.
fn run_regions(
    data: &Dataset,
    checks: &[Box<dyn Check>],
    national: &[CheckResult],
    opts: &AuditOptions,
) -> Vec<RegionReport> {
    let mut regions: Vec<RegionReport> = (0..data.regions.len())
        .into_par_iter()
        .map(|r| region_report(data, r, checks, national, opts))
        .collect();
    adjust_across_regions(&mut regions, opts.alpha);
    rank_regions(&mut regions, opts.alpha);
    regions
}

/// Region `r`'s checks: the per-region ones rerun on its stations, the national-only
/// ones' parts for it.
fn region_report(
    data: &Dataset,
    r: usize,
    checks: &[Box<dyn Check>],
    national: &[CheckResult],
    opts: &AuditOptions,
) -> RegionReport {
    let sub = data.region_subset(r as u32);
    // Each region draws its own random streams, fixed by (seed, region index).
    let options = CheckOptions {
        seed: batch_rng(opts.checks.seed, "region", r as u64).random(),
        // Only the regional fingerprint maps below are drawn.
        charts: false,
        ..opts.checks.clone()
    };
    let ctx = CheckContext::new(&sub, &options);
    let name = &data.regions[r];
    // National-only checks report the region's part of their national result.
    let results: Vec<CheckResult> = checks
        .iter()
        .flat_map(|c| {
            if c.per_region() {
                c.run(&ctx)
            } else {
                national
                    .iter()
                    .filter(|n| n.id == c.id())
                    .filter_map(|n| c.region_entry(n, name))
                    .collect()
            }
        })
        .collect();
    RegionReport {
        region: name.clone(),
        rank: 0,
        stations: sub.stations.len() as u64,
        p_value: None,
        p_adjusted: None,
        strongest: None,
        flagged: false,
        checks: results,
        fingerprint: opts
            .checks
            .charts
            .then(|| fingerprint_heatmap(&sub, REGION_FINGERPRINT_BINS))
            .flatten(),
    }
}

/// Benjamini–Hochberg across regions, one family per (check, subject).
fn adjust_across_regions(regions: &mut [RegionReport], alpha: f64) {
    let mut keys: Vec<(String, String)> = Vec::new();
    for reg in regions.iter() {
        for c in &reg.checks {
            let key = (c.id.clone(), c.subject.clone());
            if c.family == Family::Holm && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    for (id, subject) in &keys {
        let mut at: Vec<(usize, usize)> = Vec::new();
        let mut ps: Vec<f64> = Vec::new();
        for (ri, reg) in regions.iter().enumerate() {
            for (ci, c) in reg.checks.iter().enumerate() {
                if &c.id == id && &c.subject == subject && c.applicable {
                    if let Some(p) = c.p_value {
                        at.push((ri, ci));
                        ps.push(p);
                    }
                }
            }
        }
        for ((ri, ci), q) in at.into_iter().zip(benjamini_hochberg(&ps)) {
            let c = &mut regions[ri].checks[ci];
            c.p_adjusted = Some(q);
            c.flagged = q < alpha;
        }
    }
}

/// Each region's own p and its adjustment across regions, flags and ranks.
fn rank_regions(regions: &mut [RegionReport], alpha: f64) {
    // A region's own p: Holm over its flaggable results, so that BH across regions
    // controls the share of falsely flagged regions (not just of results) at alpha.
    let region_p: Vec<Option<f64>> = regions
        .iter()
        .map(|reg| {
            let ps: Vec<f64> = reg
                .checks
                .iter()
                .filter(|c| c.family == Family::Holm && c.applicable)
                .filter_map(|c| c.p_value)
                .collect();
            holm(&ps).into_iter().min_by(f64::total_cmp)
        })
        .collect();
    let present: Vec<f64> = region_p.iter().flatten().copied().collect();
    let mut q_iter = benjamini_hochberg(&present).into_iter();
    for (reg, p) in regions.iter_mut().zip(&region_p) {
        reg.p_value = *p;
        reg.p_adjusted = p.and_then(|_| q_iter.next());
        reg.flagged = reg.p_adjusted.is_some_and(|q| q < alpha);
        let strongest = reg
            .checks
            .iter()
            .filter(|c| c.family == Family::Holm && c.applicable)
            .filter_map(|c| c.p_value.map(|p| (p, c)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        reg.strongest = strongest.map(|(_, c)| format!("{} ({})", c.id, c.subject));
        for c in &mut reg.checks {
            c.flagged = c.flagged && reg.flagged;
        }
    }
    // Regions without any adjusted p go last; ties keep the input order.
    regions.sort_by(|a, b| match (a.p_adjusted, b.p_adjusted) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(
            a.p_value
                .unwrap_or(1.0)
                .total_cmp(&b.p_value.unwrap_or(1.0)),
        ),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (i, reg) in regions.iter_mut().enumerate() {
        reg.rank = i + 1;
    }
}

fn summarize(data: &Dataset) -> InputSummary {
    let mut registered = 0u64;
    let mut ballots_with_registered = 0u64;
    let mut zero_registered = 0u64;
    let mut without_registered = 0u64;
    let mut with_ballots = 0u64;
    let mut above_100 = 0u64;
    let mut ballots = 0u64;
    let mut valid = 0u64;
    for s in &data.stations {
        let (b, r) = (u64::from(s.ballots), s.registered.map(u64::from));
        ballots = ballots.saturating_add(b);
        valid = valid.saturating_add(u64::from(s.valid));
        if let Some(r) = r {
            if r == 0 {
                zero_registered += 1;
                with_ballots += u64::from(s.ballots > 0);
                without_registered = without_registered.saturating_add(b);
            } else {
                registered = registered.saturating_add(r);
                ballots_with_registered = ballots_with_registered.saturating_add(b);
                if b > r {
                    above_100 += 1;
                }
            }
        }
    }
    let totals = data.candidate_totals();
    let share = |v: u64| {
        if valid > 0 {
            v as f64 / valid as f64
        } else {
            0.0
        }
    };
    let off = off_ballot_counts(data);
    let candidates: Vec<CandidateTotal> = (data.candidates.iter().zip(&totals).zip(off))
        .map(|((name, &votes), off_ballot)| CandidateTotal {
            name: name.clone(),
            votes,
            share: share(votes),
            off_ballot,
        })
        .collect();
    let winner_votes = totals.get(data.winner).copied().unwrap_or(0);
    let has_registered = data.roles.registered;
    InputSummary {
        path: data.source.path.clone(),
        sha256: data.source.sha256.clone(),
        rows: data.source.rows,
        stations: data.stations.len() as u64,
        rejected: data.rejected.len() as u64,
        excluded: data.excluded.iter().map(|e| e.rows).sum(),
        excluded_by_rule: data.excluded.clone(),
        lines: data.lines,
        left_out: data.left_out.clone(),
        repeated_rows: data.repeated_rows.len() as u64,
        registered: has_registered.then_some(registered),
        ballots,
        valid,
        turnout: (has_registered && registered > 0)
            .then(|| ballots_with_registered as f64 / registered as f64),
        zero_registered,
        ballots_without_registered: without_registered,
        zero_registered_with_ballots: with_ballots,
        turnout_all_ballots: (has_registered && registered > 0 && without_registered > 0)
            .then(|| ballots as f64 / registered as f64),
        turnout_above_100: above_100,
        winner: data
            .candidates
            .get(data.winner)
            .cloned()
            .unwrap_or_default(),
        winner_share: share(winner_votes),
        candidates,
        columns: data.columns.clone(),
        delimiter: data.source.delimiter.clone(),
        gzip: data.source.gzip,
        encoding: data.source.encoding.clone(),
    }
}

fn caveats(data: &Dataset) -> Vec<String> {
    let mut out = vec![
        NOT_PROOF.to_string(),
        "Digit tests compare digits with what a smooth distribution of the same counts implies, \
         not with idealised Benford or uniform frequencies (those are shown as `classic` for comparison \
         with the literature, and reject on most clean elections)."
            .to_string(),
        "first-digit is weak evidence for election data: station counts span too few orders of \
         magnitude for Benford's first-digit law (Deckert, Myagkov and Ordeshook 2011). It is never flagged."
            .to_string(),
    ];
    if !data.roles.registered {
        out.push(
            "No registered-voters column: checks that need turnout are not applicable.".to_string(),
        );
    }
    if !data.rejected.is_empty() {
        out.push(rejected_caveat(data));
    }
    out.extend(off_ballot_caveat(data));
    out.extend(repeated_rows_caveat(data));
    out.extend(named_like_totals_caveat(data));
    out.extend(data.unmatched_rules().map(unmatched_rule_note));
    // A column of votes that was not read, or columns read in the wrong roles, change
    // every share: they go first.
    let mut first: Vec<String> = data
        .left_out
        .iter()
        .filter_map(unread_votes_caveat)
        .collect();
    first.extend(mapping_caveat(data));
    first.extend(blank_region_caveat(data));
    out.splice(0..0, first);
    out
}

/// Rows kept that repeat an earlier row: a station entered twice, or two small stations
/// alike, which only an id column tells apart.
fn repeated_rows_caveat(data: &Dataset) -> Option<String> {
    let first = data.repeated_rows.first()?;
    let n = data.repeated_rows.len();
    let (rows, them) = match n {
        1 => ("row repeats an earlier row", "it is"),
        _ => ("rows repeat an earlier row", "they are"),
    };
    Some(format!(
        "{n} {rows} in every value (line {} repeats line {}{}) and {them} kept: with no id \
         column, two stations alike cannot be told from one entered twice. Map an id column \
         with --id to tell them apart.",
        first.line,
        first.first,
        if n > 1 { ", …" } else { "" }
    ))
}

/// Stations named like totals but no larger than other stations, kept as stations.
fn named_like_totals_caveat(data: &Dataset) -> Option<String> {
    let first = data.named_like_totals.first()?;
    let (n, more) = (
        data.named_like_totals.len(),
        data.named_like_totals.len() > 1,
    );
    Some(format!(
        "{n} row{} named like a total (line {first}{}) {} kept as {}: no larger than other \
         stations, or named so at too many rows to be totals (a place's name). If {} a \
         subtotal, leave it out with --exclude on its id.",
        if more { "s" } else { "" },
        if more { ", …" } else { "" },
        if more { "are" } else { "is" },
        if more { "stations" } else { "a station" },
        if more { "one is" } else { "it is" },
    ))
}

/// For each candidate, the stations whose cell was empty or a missing-value mark.
fn off_ballot_counts(data: &Dataset) -> Vec<usize> {
    let k = data.candidates.len();
    let mut off = vec![0; k];
    for (i, &on) in data.on_ballot.iter().enumerate() {
        off[i % k] += usize::from(!on);
    }
    off
}

/// Candidates whose cell is blank at a minority of stations: a candidate standing in
/// some districts only is blank at most of them, so a few blanks are likelier missing
/// counts, read as 0 votes.
fn off_ballot_caveat(data: &Dataset) -> Option<String> {
    let n = data.stations.len();
    let k = data.candidates.len();
    let off = off_ballot_counts(data);
    let few: Vec<usize> = (0..k).filter(|&j| off[j] > 0 && off[j] * 2 < n).collect();
    let &first = few.first()?;
    let lines: Vec<String> = (0..n)
        .filter(|&i| !data.on_ballot[i * k + first])
        .take(5)
        .map(|i| data.stations[i].line.to_string())
        .collect();
    let more = match off[first] > lines.len() {
        true => ", …",
        false => "",
    };
    let each: Vec<String> = (few.iter().take(6))
        .map(|&j| format!("'{}' at {}", data.candidates[j], off[j]))
        .collect();
    let others = match few.len() > 6 {
        true => format!(" and {} more candidates", few.len() - 6),
        false => String::new(),
    };
    Some(format!(
        "Candidate cells that are empty or a missing-value mark were read as 0 votes (not on \
         that station's ballot): {}{others} of {n} stations ('{}' at lines {}{more}). If they \
         are missing counts, those totals and every share are short: fill them in, or leave \
         those rows out.",
        each.join(", "),
        data.candidates[first],
        lines.join(", ")
    ))
}

/// What it means when most stations' region is blank: a spreadsheet's merged cells,
/// exported on the first row of each block only.
fn blank_region_caveat(data: &Dataset) -> Option<String> {
    let blank = (data.stations.iter())
        .filter(|s| {
            s.region
                .get()
                .is_some_and(|r| data.regions[r as usize].trim().is_empty())
        })
        .count();
    let n = data.stations.len();
    (n > 0 && blank * 2 >= n).then(|| {
        format!(
            "The region is blank in {blank} of {n} stations, so they form one region of their \
             own in every regional reading. A spreadsheet's merged cells are exported so, on the \
             first row of each block only: fill the region down before auditing."
        )
    })
}

/// Share of stations whose candidates' votes must add up to their valid votes, and do
/// not, above which the mapping is likelier wrong than the protocols.
const MISMAPPED_SHARE: f64 = 0.5;

/// What it means when most stations' candidates do not add up to their valid votes, or
/// when no count column was recognised and every whole-number column is a candidate.
fn mapping_caveat(data: &Dataset) -> Option<String> {
    let names = data.candidates.join("', '");
    if data.candidates.len() == 1 {
        return Some(format!(
            "Only one candidate column was read ('{names}'), so the winner has every valid vote. \
             If the file holds one row per station and candidate (a party or candidate column \
             beside one count column), pivot it to one column per candidate; otherwise name the \
             candidates with --candidate."
        ));
    }
    let r = &data.roles;
    if !(r.registered || r.ballots || r.valid || r.invalid) && data.candidates.len() > 1 {
        return Some(format!(
            "No registered, ballots, valid or invalid column was recognised, so every \
             whole-number column was read as a candidate: '{names}'. If some hold counts, map \
             them with --registered, --ballots, --valid and --invalid."
        ));
    }
    if let Some(over) = over_registered_caveat(data, &names) {
        return Some(over);
    }
    if let Some(over) = over_ballots_caveat(data, &names) {
        return Some(over);
    }
    if !r.valid || data.stations.is_empty() {
        return None;
    }
    let off = (0..data.stations.len())
        .filter(|&i| data.votes_sum(i) != u64::from(data.stations[i].valid))
        .count();
    let share = off as f64 / data.stations.len() as f64;
    (share >= MISMAPPED_SHARE).then(|| {
        format!(
            "The candidates' votes differ from the valid votes in {:.0}% of stations: the \
             columns are more likely mapped wrong than the protocols (a tally, a share or a code \
             read as a candidate, or a candidate not read). The columns read as candidates are \
             '{names}'; name them with --candidate, and the counts with --registered, \
             --ballots, --valid and --invalid.",
            100.0 * share
        )
    })
}

/// More ballots than registered voters at most stations: a count (ballots issued, a
/// tally) read as a candidate, or registered mapped to the wrong column.
fn over_registered_caveat(data: &Dataset, names: &str) -> Option<String> {
    let (with, over) = data.stations.iter().fold((0usize, 0usize), |(w, o), s| {
        match s.registered.filter(|&r| r > 0) {
            Some(r) => (w + 1, o + usize::from(s.ballots > r)),
            None => (w, o),
        }
    });
    let share = over as f64 / with.max(1) as f64;
    if with == 0 || share < MISMAPPED_SHARE {
        return None;
    }
    let from = match data.roles.ballots {
        true => "ballots",
        false => "ballots (the candidates' votes plus invalid)",
    };
    Some(format!(
        "The {from} exceed the registered voters at {:.0}% of stations: the columns are more \
         likely mapped wrong than the protocols (ballots issued, a tally or a code read as a \
         candidate, or registered mapped to the wrong column). The columns read as candidates \
         are '{names}'; name them with --candidate, and the counts with --registered, \
         --ballots, --valid and --invalid.",
        100.0 * share
    ))
}

/// More candidates' votes than ballots cast at most stations, where both are read: a
/// count (abstentions, non-voters, the register) read as a candidate.
fn over_ballots_caveat(data: &Dataset, names: &str) -> Option<String> {
    if !data.roles.ballots || data.stations.is_empty() {
        return None;
    }
    let over = (0..data.stations.len())
        .filter(|&i| data.votes_sum(i) > u64::from(data.stations[i].ballots))
        .count();
    let share = over as f64 / data.stations.len() as f64;
    (share >= MISMAPPED_SHARE).then(|| {
        format!(
            "The candidates' votes add up to more than the ballots cast at {:.0}% of \
             stations: the columns are more likely mapped wrong than the protocols (a count \
             such as abstentions, non-voters or the register read as a candidate). The columns \
             read as candidates are '{names}'; name them with --candidate, and the counts with \
             --registered, --ballots, --valid and --invalid.",
            100.0 * share
        )
    })
}

/// What a column that was not read, but holds many whole numbers, means for the result.
fn unread_votes_caveat(c: &crate::data::LeftOutColumn) -> Option<String> {
    let later = c.later.filter(|l| l.material)?;
    let stake = match later.above_winner {
        true => "more than the winner's votes: the winner and every share may be wrong",
        false => "enough to change every candidate's share",
    };
    Some(format!(
        "Column '{}' was not read, since the first rows hold no counts in it, but {} stations \
         hold whole numbers there, summing to {}, {stake}. If it holds a candidate's votes, name \
         every candidate with --candidate.",
        c.column, later.stations, later.sum
    ))
}

/// What an `--exclude` rule that matched nothing means.
pub fn unmatched_rule_note(rule: &str) -> String {
    format!(
        "--exclude {rule} left no row out: no row matched it, or an earlier --exclude rule \
         had left out every row it matched. Values are compared as written, case included (a \
         whole number also matches when written with zero decimals)."
    )
}

/// The rejected rows' caveat: louder when they are a tenth of the rows or more, and
/// with the fix most of them share.
fn rejected_caveat(data: &Dataset) -> String {
    let n = data.rejected.len();
    let (rows, are, they) = match n {
        1 => ("row", "is", "it is listed with its line number"),
        _ => ("rows", "are", "they are listed with their line numbers"),
    };
    // A record that a stray quote ran over many lines is one row, but many lines.
    let lines = data.lines.rejected.max(n as u64);
    let spans = match lines > n as u64 {
        true => format!(" ({lines} lines)"),
        false => String::new(),
    };
    let mut s = format!(
        "{n} {rows}{spans} {are} left out of every check (unreadable, totals or duplicates); \
         {they} and reason. Use --strict to make them fatal."
    );
    let read = lines + data.lines.used.max(data.stations.len() as u64);
    if lines * 10 >= read {
        s.push_str(&format!(
            " That is {:.0}% of the lines read: the checks see only part of the election.",
            100.0 * lines as f64 / read as f64
        ));
    }
    let mut hints: Vec<String> = (data.rejected.iter())
        .filter_map(|r| r.thousands_hint())
        .collect();
    hints.sort_unstable();
    let top = hints.chunk_by(|a, b| a == b).max_by_key(|c| c.len());
    if let Some(common) = top.filter(|c| c.len() * 2 >= n) {
        s.push_str(&format!(
            " {} of them hold numbers that look grouped by thousands ({}).",
            common.len(),
            common[0]
        ));
    }
    if let Some(hint) = region_key_hint(data) {
        s.push_str(&hint);
    }
    s
}

/// When most rejections are repeated ids and the region is not part of the key, station
/// numbers likely restart in each region.
fn region_key_hint(data: &Dataset) -> Option<String> {
    let repeated: Vec<&str> = (data.rejected.iter())
        .filter(|r| r.reason == "duplicate-id")
        .map(|r| r.station.as_str())
        .collect();
    if repeated.len() * 2 < data.rejected.len() {
        return None;
    }
    let joined: Vec<&str> = (data.columns.iter())
        .filter(|c| c.role.split('+').any(|r| r == "id"))
        .map(|c| c.column.as_str())
        .collect();
    if joined.len() > 1 {
        // A part of the key blank on most of these rows: merged cells, exported once.
        let blank = (repeated.iter())
            .filter(|id| id.starts_with('/') || id.ends_with('/') || id.contains("//"))
            .count();
        return (blank * 2 >= repeated.len()).then(|| {
            format!(
                " Most of them repeat a station id with an empty part ({} of the key {}): a \
                 spreadsheet's merged cells are exported on the first row of each block only, \
                 so fill those columns down before auditing.",
                blank,
                joined.join(" + ")
            )
        });
    }
    let column_of = |role: &str| data.columns.iter().find(|c| c.role == role);
    let (id, region) = (column_of("id")?, column_of("region")?);
    Some(format!(
        " Most of them repeat a station id: if station numbers restart in each region, make \
         the region part of the key with --id '{}' --id '{}'.",
        region.column, id.column
    ))
}
