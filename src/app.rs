//! Turns parsed flags into checked options, runs the command, and picks the exit status.

use std::io::Write;
use std::process::ExitCode;

use crate::audit::{AuditOptions, run_audit};
use crate::checks::{
    CheckOptions, Fingerprint, FingerprintModel, anomalous_votes, integer_percent, registry,
};
use crate::cli::{
    AuditArgs, Cli, Command, FingerprintBinningArg, FingerprintModelArg, Format, Preset,
    SimulateArgs,
};
use crate::data::{self, ColumnSpec, ExcludeRule, LoadOptions};
use crate::error::Error;
use crate::montecarlo::bootstrap::BinningChoice;
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
        Command::Checks => {
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
    }
}

fn audit(args: &AuditArgs, argv: &[String]) -> Result<ExitCode, Error> {
    crate::montecarlo::runner::set_progress_enabled(!args.quiet);
    let opts = audit_options(args, argv)?;
    let load = load_options(args)?;
    let pool = thread_pool(args.threads)?;
    let (report, data) = pool.install(|| -> Result<_, Error> {
        let data = data::load(&args.file, &load)?;
        announce_left_out(&data);
        if opts.by_region && data.regions.is_empty() {
            return Err(Error::Usage(
                "--by-region needs a region column: map one with --region COL (or `region` in --columns)"
                    .into(),
            ));
        }
        let report = run_audit(&data, &opts);
        Ok((report, data))
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
        eprintln!(
            "elaudit: note: column '{}' left out of the candidates: it {}; {}",
            c.column, c.why, c.fix
        );
    }
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        builder = builder.num_threads(n);
    }
    builder
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads:?} threads: {e}")))
}

/// Checks the audit flags once, up front.
fn audit_options(args: &AuditArgs, argv: &[String]) -> Result<AuditOptions, Error> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(Error::Usage(format!(
            "--alpha {} is outside (0, 1); use e.g. --alpha 0.01",
            args.alpha
        )));
    }
    let known: Vec<&'static str> = registry().iter().map(|c| c.id()).collect();
    let parse_ids = |flag: &str, list: &str| -> Result<Vec<String>, Error> {
        let ids: Vec<String> = list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        for id in &ids {
            if !known.contains(&id.as_str()) {
                return Err(Error::Usage(format!(
                    "{flag}: unknown check '{id}'; known checks: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(ids)
    };
    let only = args
        .checks
        .as_deref()
        .map(|l| parse_ids("--checks", l))
        .transpose()?;
    let skip = args
        .skip
        .as_deref()
        .map(|l| parse_ids("--skip", l))
        .transpose()?
        .unwrap_or_default();
    Ok(AuditOptions {
        alpha: args.alpha,
        only,
        skip,
        checks: CheckOptions {
            last_digit_min: args.last_digit_min,
            seed: args.seed,
            fingerprint: fingerprint_settings(args)?,
            integer_percent_replicates: replicates(
                "--integer-percent-replicates",
                args.integer_percent_replicates,
                integer_percent::DEFAULT_REPLICATES,
            )?,
            anomalous_votes_replicates: replicates(
                "--anomalous-votes-replicates",
                args.anomalous_votes_replicates,
                anomalous_votes::DEFAULT_REPLICATES,
            )?,
        },
        by_region: args.by_region,
        command: recorded_command(argv),
    })
}

/// A replicate count of a check, checked: 0 turns the resampling off.
fn replicates(flag: &str, b: usize, default: usize) -> Result<usize, Error> {
    if b > MAX_REPLICATES {
        return Err(Error::Usage(format!(
            "{flag} {b}: give between 0 and {MAX_REPLICATES} (default {default})"
        )));
    }
    Ok(b)
}

/// Most replicates a check may be asked for: beyond this a big file would run for hours.
const MAX_REPLICATES: usize = 100_000;

/// The fingerprint's settings from its flags, checked.
fn fingerprint_settings(args: &AuditArgs) -> Result<Fingerprint, Error> {
    let model = match args.fingerprint_model {
        FingerprintModelArg::Default => FingerprintModel::Default,
        FingerprintModelArg::Paper => FingerprintModel::Paper,
    };
    let (b, nb) = (
        args.fingerprint_replicates,
        args.fingerprint_null_replicates,
    );
    if !(2..=100_000).contains(&b) {
        return Err(Error::Usage(format!(
            "--fingerprint-replicates {b}: give between 2 and 100000 (default 50)"
        )));
    }
    if !(5..=100_000).contains(&nb) {
        return Err(Error::Usage(format!(
            "--fingerprint-null-replicates {nb}: give between 5 and 100000 (default 30); \
             the null tail needs a few replicates to fit"
        )));
    }
    let m = args.fingerprint_margin;
    if !(0.0..1.0).contains(&m) {
        return Err(Error::Usage(format!(
            "--fingerprint-margin {m}: give a share of ballots in [0, 1), e.g. 0.005 for 0.5%"
        )));
    }
    let binning = match args.fingerprint_binning {
        FingerprintBinningArg::Auto => BinningChoice::Auto,
        FingerprintBinningArg::National => BinningChoice::National,
        FingerprintBinningArg::PerRegion => BinningChoice::PerRegion,
    };
    if binning == BinningChoice::PerRegion && model == FingerprintModel::Paper {
        return Err(Error::Usage(
            "--fingerprint-binning per-region: the paper model compares one national \
             histogram; drop one of the two flags"
                .into(),
        ));
    }
    Ok(Fingerprint {
        margin: m,
        binning,
        ..Fingerprint::with_model(model).with_replicates(b, nb)
    })
}

/// The command line as recorded in the report. `--threads` and `--quiet` are left out
/// because they cannot change a result, so reports stay byte-identical across them.
fn recorded_command(argv: &[String]) -> String {
    let mut words = Vec::new();
    let mut skip_next = false;
    for (i, arg) in argv.iter().enumerate() {
        if skip_next {
            skip_next = false;
            continue;
        }
        if arg == "--threads" {
            skip_next = true;
            continue;
        }
        if arg.starts_with("--threads=") || arg == "--quiet" || arg == "-q" {
            continue;
        }
        words.push(if i == 0 {
            "elaudit".to_string()
        } else {
            shell_quote(arg)
        });
    }
    words.join(" ")
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn load_options(args: &AuditArgs) -> Result<LoadOptions, Error> {
    let mut flags = ColumnSpec {
        id: args.id.clone(),
        region: args.region.clone(),
        registered: args.registered.clone(),
        ballots: args.ballots.clone(),
        valid: args.valid.clone(),
        invalid: args.invalid.clone(),
        candidates: args.candidate.iter().map(|c| c.as_str().into()).collect(),
        winner: args.winner.clone(),
        na: (!args.na.is_empty()).then(|| args.na.clone()),
        thousands: args.thousands.clone(),
        exclude: Vec::new(),
        ..ColumnSpec::default()
    };
    if let Some(list) = &args.candidates {
        flags
            .candidates
            .extend(data::split_candidate_list(list).into_iter().map(Into::into));
    }
    for rule in &args.exclude {
        let parsed: ExcludeRule = rule
            .parse()
            .map_err(|e| Error::Usage(format!("--exclude: {e}")))?;
        flags.exclude.push(parsed);
    }
    let spec = match &args.columns {
        Some(path) => ColumnSpec::from_toml_file(path)?.overridden_by(flags),
        None => flags,
    };
    let delimiter = match args.delimiter.as_deref() {
        None => None,
        Some(",") | Some("comma") => Some(b','),
        Some(";") | Some("semicolon") => Some(b';'),
        Some("tab") | Some("\t") | Some("\\t") => Some(b'\t'),
        Some(other) => {
            return Err(Error::Usage(format!(
                "--delimiter '{other}' is not supported; use ',', ';' or 'tab'"
            )));
        }
    };
    Ok(LoadOptions {
        spec,
        delimiter,
        strict: args.strict,
        multiline_fields: args.multiline_fields,
    })
}

fn simulate_cmd(args: &SimulateArgs) -> Result<ExitCode, Error> {
    let spec = simulate_spec(args)?;
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

/// The simulate flags as a checked spec: the preset (or the default election), each
/// given flag overriding its field, then [`simulate::ElectionSpec::validate`] with every
/// problem named by its flag.
fn simulate_spec(args: &SimulateArgs) -> Result<simulate::ElectionSpec, Error> {
    let mut spec = match args.preset {
        Some(Preset::Kz2022) => simulate::kz2022(),
        None => simulate::ElectionSpec::clean(10_000),
    };
    if let Some(path) = &args.sizes {
        let file =
            simulate::sizes_from_file(path).map_err(|e| Error::Usage(format!("--sizes: {e}")))?;
        if file.rejected > 0 {
            let rows = if file.rejected == 1 { "row" } else { "rows" };
            eprintln!(
                "elaudit: note: --sizes {path}: {} rejected {rows} gave no size and were \
                 skipped (`elaudit audit {path}` lists them)",
                file.rejected
            );
        }
        spec.stations = file.sizes.len();
        spec.size = simulate::SizeModel::Fixed(file.sizes);
    }
    if args.size_median.is_some() || args.size_sigma.is_some() {
        // The other lognormal parameter comes from the current model, or the default's.
        let (median, sigma) = match spec.size {
            simulate::SizeModel::LogNormal { median, sigma } => (median, sigma),
            simulate::SizeModel::Fixed(_) => match simulate::ElectionSpec::clean(0).size {
                simulate::SizeModel::LogNormal { median, sigma } => (median, sigma),
                simulate::SizeModel::Fixed(_) => (1000.0, 0.5),
            },
        };
        spec.size = simulate::SizeModel::LogNormal {
            median: args.size_median.unwrap_or(median),
            sigma: args.size_sigma.unwrap_or(sigma),
        };
    }
    if let Some(n) = args.stations {
        spec.stations = n;
    }
    if let Some(r) = args.regions {
        spec.regions = r;
    }
    if let Some(list) = &args.shares {
        let shares = parse_shares(list)?;
        if spec.candidate_names.len() != shares.len() {
            spec.candidate_names = simulate::default_candidate_names(shares.len());
        }
        spec.shares = shares;
    }
    let set = |field: &mut f64, flag: Option<f64>| {
        if let Some(v) = flag {
            *field = v;
        }
    };
    set(&mut spec.turnout, args.turnout);
    set(&mut spec.turnout_sd, args.turnout_sd);
    set(&mut spec.region_sd, args.region_sd);
    set(&mut spec.share_sd, args.share_sd);
    set(&mut spec.invalid_rate, args.invalid_rate);
    spec.fraud.invented_counts = args.invented_counts;
    spec.fraud.integer_percent = args.integer_percent;
    spec.fraud.incremental = args.incremental;
    spec.fraud.extreme = args.extreme;
    spec.fraud.theta = args.theta;
    spec.fraud.steal_exponent = args.steal_exponent;
    spec.validate().map_err(|e| {
        let problems: Vec<String> = e
            .problems
            .iter()
            .map(|p| format!("{}: {}", simulate_flag(p.field), p.message))
            .collect();
        Error::Usage(problems.join("; "))
    })?;
    Ok(spec)
}

/// The `elaudit simulate` flag that sets a spec field (the field itself when none does).
fn simulate_flag(field: &str) -> &str {
    match field {
        "stations" => "--stations",
        "regions" => "--regions",
        "size" => "--sizes",
        "size.median" => "--size-median",
        "size.sigma" => "--size-sigma",
        "turnout" => "--turnout",
        "turnout_sd" => "--turnout-sd",
        "region_sd" => "--region-sd",
        "shares" => "--shares",
        "share_sd" => "--share-sd",
        "invalid_rate" => "--invalid-rate",
        "fraud.invented_counts" => "--invented-counts",
        "fraud.integer_percent" => "--integer-percent",
        "fraud.incremental" => "--incremental",
        "fraud.extreme" => "--extreme",
        "fraud.incremental + fraud.extreme" => "--incremental + --extreme",
        "fraud.theta" => "--theta",
        "fraud.steal_exponent" => "--steal-exponent",
        other => other,
    }
}

/// `--shares A,B,…`: numbers, the winner's first and largest. The sum is checked by
/// the spec's validation.
fn parse_shares(list: &str) -> Result<Vec<f64>, Error> {
    let shares = list
        .split(',')
        .map(|s| {
            let s = s.trim();
            s.parse::<f64>().map_err(|_| {
                Error::Usage(format!(
                    "--shares: '{s}' is not a number; give a comma list of shares of valid \
                     votes that sum to 1, the winner first, e.g. --shares 0.6,0.3,0.1"
                ))
            })
        })
        .collect::<Result<Vec<f64>, Error>>()?;
    if let Some((i, v)) = shares
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, v)| **v > shares[0])
    {
        return Err(Error::Usage(format!(
            "--shares: the first share is the winner's and must be the largest, but share {} \
             ({v}) is above it ({}); list the winner first",
            i + 1,
            shares[0]
        )));
    }
    Ok(shares)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_command_drops_thread_count_and_quotes_spaces() {
        let argv: Vec<String> = [
            "/x/elaudit",
            "audit",
            "my file.csv",
            "--threads",
            "4",
            "--seed",
            "7",
            "-q",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            recorded_command(&argv),
            "elaudit audit 'my file.csv' --seed 7"
        );
    }
}
