//! The benchmark's TOML configuration: `seed`, `seeds` (elections per scenario),
//! `stations` (per election), `output`, `reports`, an `[options]` table of audit options
//! (the keys a batch manifest takes) and one `[[scenario]]` table per scenario, whose
//! keys are `elaudit simulate` flags spelled with underscores.

use std::path::{Path, PathBuf};

use crate::audit::AuditOptions;
use crate::batch::flags::{AUDIT_FLAGS, FlagSet, parse_cli, parse_top, read_file};
use crate::batch::{BatchError, manifest::check_name};
use crate::cli::{Cli, Command};
use crate::data::LoadOptions;
use crate::options::{AuditSettings, election_spec};
use crate::simulate::ElectionSpec;

/// `elaudit simulate`'s flags except where it writes and its seed (derived per election).
/// `sizes` is left out too: its path would be read relative to wherever the run starts.
const SIMULATE_FLAGS: FlagSet = FlagSet {
    subcommand: "simulate",
    allows: |a| {
        !matches!(
            a.get_long(),
            Some("output" | "truth" | "seed" | "sizes") | None
        )
    },
};

const TOP_KEYS: &[&str] = &[
    "seed", "seeds", "stations", "output", "reports", "options", "scenario",
];

/// A benchmark configuration, checked.
#[derive(Debug)]
pub struct Config {
    pub seed: u64,
    /// Elections per scenario.
    pub seeds: usize,
    pub stations: usize,
    pub output: PathBuf,
    /// Whether every election's full report is written to `output/reports/`.
    pub reports: bool,
    /// The audit's options; each election sets its own seed.
    pub audit: AuditOptions,
    pub load: LoadOptions,
    /// The audit options as flags, for the recorded command.
    pub audit_words: Vec<String>,
    pub scenarios: Vec<Scenario>,
}

/// One named kind of simulated election.
#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub spec: ElectionSpec,
    /// The simulate flags, for the recorded command.
    pub words: Vec<String>,
}

impl Config {
    pub fn read(path: &Path) -> Result<Config, BatchError> {
        let (text, origin, dir) = read_file(path)?;
        Self::parse(&text, &origin, &dir)
    }

    pub fn parse(text: &str, origin: &str, dir: &Path) -> Result<Config, BatchError> {
        let bad = |message: String| BatchError::Manifest {
            manifest: origin.to_string(),
            message,
        };
        let table = parse_top(text, origin, TOP_KEYS)?;
        let count = |key: &str, default: i64, min: i64| match table.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(v)) if *v >= min => Ok(*v),
            Some(v) => Err(bad(format!(
                "{key} must be a whole number ≥ {min}, got {v}"
            ))),
        };
        let seed = count("seed", 42, 0)? as u64;
        let seeds = count("seeds", 20, 1)? as usize;
        let stations = count("stations", 2000, 1)? as usize;
        let output = match table.get("output") {
            Some(toml::Value::String(s)) => dir.join(s),
            None => dir.join("benchmark-out"),
            Some(v) => return Err(bad(format!("output must be a folder name, got {v}"))),
        };
        let reports = match table.get("reports") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(v) => return Err(bad(format!("reports must be true or false, got {v}"))),
        };
        let options = match table.get("options") {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err(bad("options must be a table of audit options".into())),
        };
        let audit_words = AUDIT_FLAGS
            .words(&options, &["-"], |_| {
                format!(
                    "not an audit option; the options are: {}",
                    AUDIT_FLAGS.keys()
                )
            })
            .map_err(|m| bad(format!("[options]: {m}")))?;
        let (audit, load) =
            audit_settings(&audit_words).map_err(|m| bad(format!("[options]: {m}")))?;
        let scenarios = match table.get("scenario") {
            Some(toml::Value::Array(a)) if !a.is_empty() => a
                .iter()
                .enumerate()
                .map(|(i, s)| scenario(i, s, stations).map_err(&bad))
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(bad("give at least one [[scenario]] table".into())),
        };
        let mut names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(bad(format!("two scenarios are named '{}'", w[0])));
        }
        Ok(Config {
            seed,
            seeds,
            stations,
            output,
            reports,
            audit,
            load,
            audit_words,
            scenarios,
        })
    }
}

/// The audit's checked options from its flag words.
fn audit_settings(words: &[String]) -> Result<(AuditOptions, LoadOptions), String> {
    let mut argv = vec!["elaudit".to_string(), "audit".into(), "-".into()];
    argv.extend(words.iter().cloned());
    let Cli {
        command: Command::Audit(args),
    } = parse_cli(&argv)?
    else {
        return Err("not an audit".into());
    };
    let settings = AuditSettings::from_args(&args, &[]).map_err(|e| e.to_string())?;
    Ok((settings.audit, settings.load))
}

fn scenario(i: usize, value: &toml::Value, stations: usize) -> Result<Scenario, String> {
    let t = value
        .as_table()
        .ok_or_else(|| format!("scenario {}: must be a table", i + 1))?;
    let text = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let name = text("name").ok_or_else(|| format!("scenario {}: give name = \"…\"", i + 1))?;
    check_name(&name).map_err(|m| format!("scenario '{name}': {m}"))?;
    let at = |m: String| format!("scenario '{name}': {m}");
    let description = text("description").unwrap_or_default();
    let flags: toml::Table = t
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "description"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut words = SIMULATE_FLAGS
        .words(&flags, &[], |_| {
            format!(
                "not a scenario key; the keys are name, description and the `elaudit \
                 simulate` options: {}",
                SIMULATE_FLAGS.keys()
            )
        })
        .map_err(&at)?;
    if !flags.contains_key("stations") {
        words.insert(0, format!("--stations={stations}"));
    }
    let mut argv = vec!["elaudit".to_string(), "simulate".into()];
    argv.extend(words.iter().cloned());
    let Cli {
        command: Command::Simulate(args),
    } = parse_cli(&argv).map_err(&at)?
    else {
        return Err(at("not a simulation".into()));
    };
    let spec = election_spec(&args).map_err(|e| at(e.to_string()))?;
    Ok(Scenario {
        name,
        description,
        spec,
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_take_simulate_options() {
        let c = Config::parse(
            "seeds = 3\nstations = 500\n[options]\nalpha = 0.05\n\
             [[scenario]]\nname = \"clean\"\n\
             [[scenario]]\nname = \"stuffed\"\nextreme = 0.05\nincremental = 0.1\n\
             [[scenario]]\nname = \"big\"\nstations = 900\npreset = \"kz2022\"\n",
            "b.toml",
            Path::new("d"),
        )
        .unwrap();
        assert_eq!((c.seeds, c.stations, c.audit.alpha), (3, 500, 0.05));
        assert_eq!(c.output, Path::new("d/benchmark-out"));
        assert_eq!(c.scenarios[0].spec.stations, 500);
        assert_eq!(c.scenarios[1].spec.fraud.extreme, 0.05);
        assert_eq!(c.scenarios[2].spec.stations, 900);
    }

    #[test]
    fn errors_name_the_file_and_key() {
        for (text, says) in [
            (
                "[[scenario]]\nname = \"a\"\nextreem = 0.1",
                "scenario 'a': unknown key 'extreem'",
            ),
            ("[[scenario]]\nname = \"a\"\nextreme = 2", "--extreme"),
            ("[[scenario]]\nname = \"a\"\nseed = 2", "unknown key 'seed'"),
            (
                "[options]\nalpah = 1\n[[scenario]]\nname = \"a\"",
                "[options]: unknown key 'alpah'",
            ),
            ("seeds = 0\n[[scenario]]\nname = \"a\"", "seeds must be"),
            ("seeds = 1", "give at least one [[scenario]]"),
        ] {
            let e = Config::parse(text, "b.toml", Path::new(""))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("b.toml: "), "{e}");
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
