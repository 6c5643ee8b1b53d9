//! `elaudit benchmark CONFIG.toml`: every check over seeded simulated elections of
//! named scenarios, tabulated as each check's flag rate with a 95% Wilson interval.
//!
//! On clean scenarios the rate is the check's false-flag rate at the audit's alpha
//! (after Holm's adjustment within each election); on planted ones it is its power.
//! Election i of scenario S is simulated with the seed [`election_seed`]`(seed,
//! "S/i")` and audited with `election_seed(seed, "S/i/audit")`, so the table does not
//! depend on the thread count or on the other scenarios.

pub mod config;
pub mod interval;
mod table;

use std::io::IsTerminal as _;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget};
use rayon::prelude::*;
use serde::Serialize;

use crate::audit::run_audit;
use crate::batch::BatchError;
use crate::batch::figures::flaggable_checks;
use crate::batch::seed::election_seed;
use crate::data;
use crate::error::Error;
use crate::report::{Report, render_json};
use crate::simulate::{simulate, write_csv};
use config::{Config, Scenario};

pub use table::{RateRow, rates, write_tables};

/// Options of one benchmark run, as the command line gives them.
#[derive(Debug, Clone)]
pub struct BenchmarkRun {
    pub config: PathBuf,
    /// Overrides the configuration's `output`.
    pub output: Option<PathBuf>,
    pub threads: Option<usize>,
    pub quiet: bool,
}

/// What one simulated election's audit gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub scenario: String,
    pub index: usize,
    pub seed: u64,
    pub audit_seed: u64,
    /// The report file, relative to the output folder, when reports are written.
    pub report: Option<String>,
    /// Flaggable checks with at least one applicable result.
    pub applicable: Vec<String>,
    /// Checks with a flagged result.
    pub flagged: Vec<String>,
}

/// Runs the benchmark and writes its tables; exit status 0.
pub fn run_benchmark(run: &BenchmarkRun) -> Result<u8, Error> {
    let config = Config::read(&run.config)?;
    let output = run.output.clone().unwrap_or_else(|| config.output.clone());
    let reports_dir = output.join("reports");
    let dir = if config.reports {
        &reports_dir
    } else {
        &output
    };
    std::fs::create_dir_all(dir).map_err(|source| BatchError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let pool = crate::batch::thread_pool(run.threads)?;
    crate::montecarlo::runner::set_progress_enabled(false);
    let jobs: Vec<(&Scenario, usize)> = config
        .scenarios
        .iter()
        .flat_map(|s| (0..config.seeds).map(move |i| (s, i)))
        .collect();
    let target = if !run.quiet && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(jobs.len() as u64), target);
    let outcomes = pool.install(|| {
        jobs.par_iter()
            .map(|&(s, i)| {
                let r = one_election(&config, s, i, &output);
                bar.inc(1);
                r
            })
            .collect::<Result<Vec<_>, BatchError>>()
    })?;
    bar.finish_and_clear();
    write_tables(&output, &config, &rates(&config, &outcomes), &outcomes)?;
    Ok(0)
}

/// Simulates, writes and reads back, and audits election `i` of scenario `s`.
fn one_election(
    config: &Config,
    s: &Scenario,
    i: usize,
    output: &std::path::Path,
) -> Result<Outcome, BatchError> {
    let label = format!("{}/{i}", s.name);
    let seed = election_seed(config.seed, &label);
    let audit_seed = election_seed(config.seed, &format!("{label}/audit"));
    let sim = simulate(&s.spec, seed);
    // Through the CSV, so that the recorded command reproduces the report exactly.
    let mut csv = Vec::new();
    let fail = |message: String| BatchError::Format {
        path: label.clone(),
        message,
    };
    write_csv(&sim.dataset, &mut csv).map_err(|e| fail(e.to_string()))?;
    let data =
        data::load_reader("-", csv.as_slice(), &config.load).map_err(|e| fail(e.to_string()))?;
    let mut opts = config.audit.clone();
    opts.checks.seed = audit_seed;
    opts.command = format!(
        "elaudit simulate {} --seed={seed} | elaudit audit - --seed={audit_seed} {}",
        s.words.join(" "),
        config.audit_words.join(" ")
    )
    .trim_end()
    .to_string();
    let report = run_audit(&data, &opts);
    let file = config
        .reports
        .then(|| write_report(output, &s.name, i, &report))
        .transpose()?;
    let ids = flaggable_checks();
    let with = |pred: &dyn Fn(&crate::report::CheckResult) -> bool| -> Vec<String> {
        ids.iter()
            .filter(|id| report.checks.iter().any(|r| r.id == **id && pred(r)))
            .map(|id| id.to_string())
            .collect()
    };
    Ok(Outcome {
        scenario: s.name.clone(),
        index: i,
        seed,
        audit_seed,
        report: file,
        applicable: with(&|r| r.applicable),
        flagged: with(&|r| r.flagged),
    })
}

fn write_report(
    output: &std::path::Path,
    scenario: &str,
    i: usize,
    report: &Report,
) -> Result<String, BatchError> {
    let file = format!("reports/{scenario}-{i:04}.json");
    crate::batch::table::write(&output.join(&file), render_json(report).as_bytes())?;
    Ok(file)
}
