//! `elaudit audit`'s flags as checked options.

use std::path::Path;

use crate::audit::AuditOptions;
use crate::checks::{CheckOptions, Fingerprint, FingerprintModel, SmallStations, registry};
use crate::cli::{AuditArgs, FingerprintBinningArg, FingerprintModelArg, Format};
use crate::data::{self, ColumnSpec, ExcludeRule, LoadOptions};
use crate::error::Error;
use crate::fingerprint::bootstrap::BinningChoice;

use super::OptionError;

/// An audit's options, checked: what the checks take, how the file is read, and how many
/// worker threads run them.
#[derive(Debug)]
pub struct AuditSettings {
    pub audit: AuditOptions,
    pub load: LoadOptions,
    /// `None`: all cores.
    pub threads: Option<usize>,
}

impl AuditSettings {
    /// Checks the flags once, up front; `argv` is recorded in the report.
    pub fn from_args(args: &AuditArgs, argv: &[String]) -> Result<Self, Error> {
        check_paths(args)?;
        let (only, skip) = check_selection(args.checks.as_deref(), args.skip.as_deref())?;
        let audit = AuditOptions {
            alpha: args.alpha,
            only,
            skip,
            checks: CheckOptions {
                last_digit_min: args.last_digit_min,
                seed: args.seed,
                fingerprint: fingerprint(args)?,
                integer_percent_replicates: args.integer_percent_replicates,
                anomalous_votes_replicates: args.anomalous_votes_replicates,
                small_stations: SmallStations {
                    quantile: args.small_quantile,
                    replicates: args.small_stations_replicates,
                },
                // The HTML report draws them; --stations-out reads the fitted fair map.
                charts: args.format == Format::Html || args.stations_out.is_some(),
                station_scores: args.stations_out.is_some(),
            },
            by_region: args.by_region,
            command: recorded_command(argv),
        };
        Ok(AuditSettings {
            audit,
            load: load_options(args)?,
            threads: args.threads,
        })
    }
}

/// No output overwrites the input or the other output (`-` is stdin or stdout).
fn check_paths(args: &AuditArgs) -> Result<(), OptionError> {
    let file = |p: &Path| (p.as_os_str() != "-").then_some(p.to_path_buf());
    let named = [
        ("the input file", file(Path::new(&args.file))),
        ("--output", args.output.as_deref().and_then(file)),
        (
            "--stations-out",
            args.stations_out.as_deref().and_then(file),
        ),
    ];
    for (i, (first, a)) in named.iter().enumerate() {
        for (second, b) in &named[i + 1..] {
            if let (Some(a), Some(b)) = (a, b) {
                if same_file(a, b) {
                    return Err(OptionError::SameFile {
                        first,
                        second,
                        path: b.display().to_string(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Whether two paths name one file: resolved where they exist, else compared whole.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => match (std::path::absolute(a), std::path::absolute(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        },
    }
}

/// The checks to run only (`None`: all) and the checks to skip.
type Selection = (Option<Vec<String>>, Vec<String>);

/// `--checks` and `--skip`, checked: every id is a check, and at least one check is left
/// to run (a run of none would report "nothing flagged").
fn check_selection(checks: Option<&str>, skip: Option<&str>) -> Result<Selection, OptionError> {
    let known: Vec<&'static str> = registry().iter().map(|c| c.id()).collect();
    let only = checks
        .map(|list| check_ids("--checks", list, &known))
        .transpose()?;
    let skipped = skip
        .map(|list| check_ids("--skip", list, &known))
        .transpose()?;
    if skipped.as_ref().is_some_and(Vec::is_empty) {
        // An empty value is a slip (a shell variable left unset), not "skip nothing".
        return Err(OptionError::EmptySkip {
            known: known.join(", "),
        });
    }
    let skipped = skipped.unwrap_or_default();
    let runs = |id: &&str| {
        only.as_ref().is_none_or(|o| o.iter().any(|x| x == id)) && !skipped.iter().any(|x| x == id)
    };
    if !known.iter().any(runs) {
        let why = match (checks, skip) {
            (Some(c), _) if only.as_ref().is_some_and(Vec::is_empty) => {
                format!("--checks '{c}' names no check")
            }
            (Some(c), Some(s)) => {
                format!("--skip '{s}' skips every check that --checks '{c}' names")
            }
            _ => "--skip skips every check".to_string(),
        };
        return Err(OptionError::NoCheckToRun {
            why,
            known: known.join(", "),
        });
    }
    Ok((only, skipped))
}

/// A comma list of check ids; blanks between commas are ignored.
fn check_ids(flag: &'static str, list: &str, known: &[&str]) -> Result<Vec<String>, OptionError> {
    let ids: Vec<String> = list
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(id) = ids.iter().find(|id| !known.contains(&id.as_str())) {
        return Err(OptionError::UnknownCheck {
            flag,
            id: id.clone(),
            known: known.join(", "),
        });
    }
    Ok(ids)
}

/// The fingerprint's settings; the paper model has no per-region histograms.
fn fingerprint(args: &AuditArgs) -> Result<Fingerprint, OptionError> {
    let model = match args.fingerprint_model {
        FingerprintModelArg::Default => FingerprintModel::Default,
        FingerprintModelArg::Paper => FingerprintModel::Paper,
    };
    let binning = match args.fingerprint_binning {
        FingerprintBinningArg::Auto => BinningChoice::Auto,
        FingerprintBinningArg::National => BinningChoice::National,
        FingerprintBinningArg::PerRegion => BinningChoice::PerRegion,
    };
    if binning == BinningChoice::PerRegion && model == FingerprintModel::Paper {
        return Err(OptionError::PaperModelPerRegion);
    }
    Ok(Fingerprint {
        margin: args.fingerprint_margin,
        binning,
        max_stations: args.fingerprint_max_stations,
        alpha: args.alpha,
        ..Fingerprint::with_model(model).with_replicates(
            args.fingerprint_replicates,
            args.fingerprint_null_replicates,
        )
    })
}

/// The column mapping (a `--columns` file, overridden by flags) and how to read the file.
fn load_options(args: &AuditArgs) -> Result<LoadOptions, Error> {
    let mut flags = ColumnSpec {
        id: args.id.clone(),
        region: args.region.clone(),
        locality: args.locality.clone(),
        stratum: args.stratum.clone(),
        registered: args.registered.clone(),
        ballots: args.ballots.clone(),
        valid: args.valid.clone(),
        invalid: args.invalid.clone(),
        candidates: args.candidate.iter().map(|c| c.as_str().into()).collect(),
        winner: args.winner.clone(),
        na: (!args.na.is_empty()).then(|| args.na.clone()),
        thousands: args.thousands.clone(),
        ..ColumnSpec::default()
    };
    check_not_empty(args, &flags)?;
    if let Some(list) = &args.candidates {
        flags
            .candidates
            .extend(data::split_candidate_list(list).into_iter().map(Into::into));
    }
    for rule in &args.exclude {
        let parsed: ExcludeRule = rule.parse().map_err(OptionError::Exclude)?;
        flags.exclude.push(parsed);
    }
    let spec = match &args.columns {
        Some(path) => ColumnSpec::from_toml_file(path)?.overridden_by(flags),
        None => flags,
    };
    Ok(LoadOptions {
        spec,
        delimiter: args.delimiter.map(|d| d.byte()),
        strict: args.strict,
        multiline_fields: args.multiline_fields,
    })
}

/// A flag given an empty value would fall back to the default without a word.
fn check_not_empty(args: &AuditArgs, flags: &ColumnSpec) -> Result<(), OptionError> {
    let blank = |v: &str| v.trim().is_empty();
    let role = flags.roles().into_iter().find(|(_, v)| data::has_blank(v));
    let candidates = args
        .candidates
        .as_deref()
        .is_some_and(|l| data::split_candidate_list(l).is_empty());
    let flag = role
        .map(|(key, _)| format!("--{key}"))
        .or(data::has_blank(&args.candidate).then(|| "--candidate".into()))
        .or(candidates.then(|| "--candidates".into()))
        .or((args.winner.as_deref().is_some_and(blank)).then(|| "--winner".into()))
        .or((args.thousands.as_deref() == Some("")).then(|| "--thousands".into()));
    let what = match flag.as_deref() {
        Some("--thousands") => "the separator, e.g. '.', ',' or ' '",
        Some("--winner") => "a candidate's name",
        _ => "a column name",
    };
    match flag {
        Some(flag) => Err(OptionError::EmptyValue { flag, what }),
        None => Ok(()),
    }
}

/// The command line as recorded in the report. `--threads` and `--quiet` are left out
/// because they cannot change a result, so reports stay byte-identical across them.
pub fn recorded_command(argv: &[String]) -> String {
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

    #[test]
    fn a_selection_of_no_check_is_refused() {
        let every = registry()
            .iter()
            .map(|c| c.id())
            .collect::<Vec<_>>()
            .join(",");
        for (checks, skip) in [
            (Some(""), None),
            (Some(" , "), None),
            (None, Some(every.as_str())),
            (Some("last-digit"), Some("last-digit,first-digit")),
        ] {
            let e = check_selection(checks, skip).unwrap_err();
            assert!(matches!(e, OptionError::NoCheckToRun { .. }), "{e}");
            assert!(e.to_string().contains("second-digit, last-digit"), "{e}");
        }
        assert!(check_selection(Some("last-digit"), Some("first-digit")).is_ok());
        for skip in ["", " ", ","] {
            let e = check_selection(None, Some(skip)).unwrap_err();
            assert!(matches!(e, OptionError::EmptySkip { .. }), "{e}");
        }
        assert!(check_selection(None, None).is_ok());
    }
}
