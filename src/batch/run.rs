//! `elaudit batch`: audits each election of this shard, one after the other (each
//! audit uses every worker thread), and writes the reports, the shard file and, for a
//! whole batch, the comparison.

use std::io::IsTerminal as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::figures::{check_cells, figure_values};
use super::manifest::{Election, Manifest};
use super::table::{self, Row, comparison, write, write_comparison};
use super::{BatchError, BatchRun, REPORT_WRITERS, ShardFile, exit_status};
use crate::audit::run_audit;
use crate::data;
use crate::error::Error;
use crate::options::{AuditSettings, OptionError};
use crate::report::Report;

/// Runs one batch (or one shard of it) and returns the exit status.
pub fn run_batch(run: &BatchRun) -> Result<u8, Error> {
    let manifest = Manifest::read(&run.manifest)?;
    let output = run
        .output
        .clone()
        .unwrap_or_else(|| manifest.output.clone());
    std::fs::create_dir_all(&output).map_err(|source| BatchError::Write {
        path: output.display().to_string(),
        source,
    })?;
    let pool = thread_pool(run.threads)?;
    // One bar for the batch: the checks' own bars stay off.
    crate::montecarlo::runner::set_progress_enabled(false);
    let mine: Vec<&Election> = manifest
        .elections
        .iter()
        .filter(|e| run.shard.takes(e.index))
        .collect();
    let bar = progress_bar(mine.len() as u64, run.quiet);
    let mut rows = Vec::with_capacity(mine.len());
    for e in mine {
        bar.set_message(e.name.clone());
        let row = pool.install(|| audit_one(e, &output));
        if let Some(err) = &row.error {
            // The comparison records it too.
            let line = super::failure_line(&e.name, err);
            bar.suspend(|| eprintln!("{line}"));
        }
        rows.push(row);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut elections: Vec<String> = manifest.elections.iter().map(|e| e.name.clone()).collect();
    elections.sort();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let status = exit_status(&rows);
    let shard = ShardFile {
        tool: "elaudit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed: manifest.seed,
        shard: run.shard,
        elections,
        rows,
    };
    finish(&output, &shard)?;
    Ok(status)
}

/// A pool of `threads` workers (`None`: all cores).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    Ok(builder.build()?)
}

/// Writes the shard file and, when it covers the whole batch, the comparison, built
/// from the file's text as a merge would read it.
pub(super) fn finish(output: &Path, shard: &ShardFile) -> Result<(), BatchError> {
    let path = output.join(shard.shard.file_name());
    let text = serde_json::to_string_pretty(shard).map_err(|e| BatchError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    })? + "\n";
    write(&path, text.as_bytes())?;
    if shard.shard.count == 1 {
        let read = parse_shard(&path, &text)?;
        write_comparison(output, &comparison(read.seed, read.rows))?;
    }
    Ok(())
}

/// Reads a shard file's text; `path` names it in errors.
pub(super) fn parse_shard(path: &Path, text: &str) -> Result<ShardFile, BatchError> {
    serde_json::from_str(text).map_err(|e| BatchError::Format {
        path: path.display().to_string(),
        message: format!("not a shard file of elaudit batch: {e}"),
    })
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    let target = if !quiet && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    if let Ok(style) = ProgressStyle::with_template("batch {bar:30} {pos}/{len} elections {msg}") {
        bar.set_style(style);
    }
    bar
}

/// Audits one election and writes its reports; a failure becomes the row's error.
fn audit_one(e: &Election, output: &Path) -> Row {
    let mut row = Row {
        name: e.name.clone(),
        path: e.path.clone(),
        reference: e.reference,
        seed: e.seed,
        reports: Vec::new(),
        error: None,
        stations: None,
        rejected: None,
        turnout: None,
        winner: None,
        winner_share: None,
        flagged: false,
        checks: Vec::new(),
        figures: Vec::new(),
    };
    let report = match audit_report(e) {
        Ok(r) => r,
        Err(err) => {
            row.error = Some(err.to_string());
            return row;
        }
    };
    for w in REPORT_WRITERS {
        let file = format!("{}.{}", e.name, w.extension);
        if let Err(err) = table::write(&output.join(&file), (w.render)(&report).as_bytes()) {
            row.error = Some(err.to_string());
        }
        row.reports.push(file);
    }
    let i = &report.input;
    row.stations = Some(i.stations);
    row.rejected = Some(i.rejected);
    row.turnout = i.turnout;
    row.winner = Some(i.winner.clone());
    row.winner_share = Some(i.winner_share);
    row.flagged = report.flagged;
    row.checks = check_cells(&report);
    row.figures = figure_values(&report);
    row
}

fn audit_report(e: &Election) -> Result<Report, Error> {
    let mut settings = AuditSettings::from_args(&e.args, &e.recorded)?;
    // The HTML report draws them.
    settings.audit.checks.charts = true;
    if let Some(inline) = &e.columns {
        settings.load.spec = inline.clone().overridden_by(settings.load.spec);
    }
    let data = data::load(&e.file.display().to_string(), &settings.load)?;
    data.require_stations()?;
    if settings.audit.by_region && data.regions.is_empty() {
        return Err(OptionError::ByRegionWithoutRegions.into());
    }
    let mut report = run_audit(&data, &settings.audit);
    // The path as the manifest writes it, so the report does not depend on where the
    // batch was started.
    report.input.path = e.path.clone();
    report.election = Some(e.name.clone());
    Ok(report)
}
