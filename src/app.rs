//! Runs one command and picks the exit status. Flags are checked in [`crate::options`].

use std::io::Write;
use std::process::ExitCode;

use crate::audit::{run_audit, unmatched_rule_note};
use crate::checks::registry;
use crate::cli::{AuditArgs, Cli, Command, Format, SimulateArgs};
use crate::data;
use crate::error::Error;
use crate::options::{AuditSettings, OptionError, election_spec};
use crate::report;
use crate::simulate;

/// Exit status when nothing is flagged.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status when at least one check is flagged.
pub const EXIT_FLAGGED: u8 = 1;
/// Exit status on any error.
pub const EXIT_ERROR: u8 = 2;

/// Runs one parsed command line.
pub fn run(cli: Cli, argv: &[String]) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Audit(args) => audit(&args, argv),
        Command::Simulate(args) => simulate_cmd(&args),
        Command::Checks => list_checks(),
        Command::Batch(args) => Ok(ExitCode::from(crate::batch::run_batch(
            &crate::batch::BatchRun {
                manifest: args.manifest,
                shard: args.shard.unwrap_or(crate::batch::Shard::ALL),
                output: args.run.output,
                threads: args.run.threads,
                quiet: args.run.quiet,
            },
        )?)),
        Command::Merge(args) => Ok(ExitCode::from(crate::batch::merge(
            &args.dirs,
            &args.output,
        )?)),
        Command::Benchmark(args) => Ok(ExitCode::from(crate::benchmark::run_benchmark(
            &crate::benchmark::BenchmarkRun {
                config: args.config,
                output: args.run.output,
                threads: args.run.threads,
                quiet: args.run.quiet,
            },
        )?)),
    }
}

/// `elaudit checks`: each id and what the check looks at.
fn list_checks() -> Result<ExitCode, Error> {
    let mut out = String::new();
    for check in registry() {
        let d = check.describe();
        let mut chars = d.chars();
        let d: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        out.push_str(&format!("{:<20} {d}\n", check.id()));
    }
    write_out(None, out.as_bytes())?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn audit(args: &AuditArgs, argv: &[String]) -> Result<ExitCode, Error> {
    crate::montecarlo::runner::set_progress_enabled(!args.quiet);
    let settings = AuditSettings::from_args(args, argv)?;
    let opts = &settings.audit;
    let pool = thread_pool(settings.threads)?;
    let (report, data) = pool.install(|| -> Result<_, Error> {
        let data = data::load(&args.file, &settings.load)?;
        announce_left_out(&data);
        data.require_stations()?;
        if opts.by_region && data.regions.is_empty() {
            return Err(OptionError::ByRegionWithoutRegions.into());
        }
        Ok((run_audit(&data, opts), data))
    })?;
    if let Some(path) = &args.stations_out {
        let mut bytes = Vec::new();
        report::write_stations_csv(&data, &report, &mut bytes).map_err(|source| Error::Output {
            path: path.display().to_string(),
            source,
        })?;
        write_out(Some(path), &bytes)?;
    }
    let rendered = match args.format {
        Format::Text => report::render_text(&report, report::TextOptions { brief: args.brief }),
        Format::Json => report::render_json(&report),
        Format::Html => report::render_html(&report),
        Format::Markdown => report::render_markdown(&report),
        Format::Csv => report::render_csv(&report),
    };
    write_out(args.output.as_deref(), rendered.as_bytes())?;
    Ok(ExitCode::from(if report.flagged {
        EXIT_FLAGGED
    } else {
        EXIT_CLEAN
    }))
}

/// Columns left out for their names change the candidates, so they are said at once,
/// not only in the report.
fn announce_left_out(data: &data::Dataset) {
    for c in &data.left_out {
        let note = format!(
            "elaudit: note: column '{}' left out of the candidates: it {}; {}",
            c.column, c.why, c.fix
        );
        eprintln!("{}", report::printable(note));
    }
    for rule in data.unmatched_rules() {
        let note = format!("elaudit: note: {}", unmatched_rule_note(rule));
        eprintln!("{}", report::printable(note));
    }
}

/// A pool of `threads` workers (`None`: all cores); the count is checked by clap.
fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    Ok(builder.build()?)
}

fn simulate_cmd(args: &SimulateArgs) -> Result<ExitCode, Error> {
    let spec = election_spec(args)?;
    let sim = simulate::simulate(&spec, args.seed);
    let mut csv = Vec::new();
    simulate::write_csv(&sim.dataset, &mut csv).map_err(|source| Error::Output {
        path: "<memory>".into(),
        source,
    })?;
    write_out(args.output.as_deref(), &csv)?;
    if let Some(path) = &args.truth {
        write_out(Some(path), simulate::truth_json(&sim.truth).as_bytes())?;
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

/// Writes to a file, or to stdout when `path` is `None` or `-`.
fn write_out(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), Error> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, bytes).map_err(|source| Error::Output {
                path: p.display().to_string(),
                source,
            })
        }
        _ => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                // A closed pipe (`elaudit … | head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|source| Error::Output {
                    path: "<stdout>".into(),
                    source,
                }),
            }
        }
    }
}
