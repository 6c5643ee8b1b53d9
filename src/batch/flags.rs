//! TOML tables of command-line options: each key is a flag of an `elaudit` subcommand
//! spelled with underscores (`last_digit_min = 50`, `strict = true`, `exclude = ["a=b"]`).
//! Keys become `--flag=value` words that the command line's own clap definitions read,
//! so a TOML file accepts exactly what the command line accepts, with its messages.

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, CommandFactory, Parser};

use super::BatchError;
use crate::cli::Cli;

/// A TOML file's text, its name for messages and its folder, which anchors the
/// relative paths it holds.
pub fn read_file(path: &Path) -> Result<(String, String, PathBuf), BatchError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BatchError::Unreadable {
        path: origin.clone(),
        source,
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((text, origin, dir))
}

/// Parses TOML text whose top level may hold only `keys`; `origin` names it in errors.
pub fn parse_top(text: &str, origin: &str, keys: &[&str]) -> Result<toml::Table, BatchError> {
    let bad = |message: String| BatchError::Manifest {
        manifest: origin.to_string(),
        message,
    };
    let table: toml::Table =
        toml::from_str(text).map_err(|e| bad(format!("not valid TOML: {e}")))?;
    match table.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(key) => Err(bad(format!(
            "unknown top-level key '{key}'; the keys are: {}",
            keys.join(", ")
        ))),
        None => Ok(table),
    }
}

/// The flags of one subcommand that a TOML table may set.
pub struct FlagSet {
    pub subcommand: &'static str,
    /// Which of the subcommand's flags are allowed.
    pub allows: fn(&Arg) -> bool,
}

/// `elaudit audit`'s "Checks" and "Values" flags, except the seed (derived per
/// election) and the thread count (the batch's own).
pub const AUDIT_FLAGS: FlagSet = FlagSet {
    subcommand: "audit",
    allows: |a| {
        matches!(a.get_help_heading(), Some("Checks" | "Values"))
            && !matches!(a.get_long(), Some("seed" | "threads"))
    },
};

/// One flag a table may set.
struct Flag {
    long: String,
    switch: bool,
    repeatable: bool,
}

impl FlagSet {
    fn allowed(&self) -> Vec<Flag> {
        let cli = Cli::command();
        let Some(cmd) = cli.find_subcommand(self.subcommand) else {
            return Vec::new();
        };
        cmd.get_arguments()
            .filter(|a| (self.allows)(a))
            .filter_map(|a| {
                Some(Flag {
                    long: a.get_long()?.to_string(),
                    switch: matches!(a.get_action(), ArgAction::SetTrue),
                    repeatable: matches!(a.get_action(), ArgAction::Append),
                })
            })
            .collect()
    }

    /// The keys the table may hold, for messages.
    pub fn keys(&self) -> String {
        self.allowed()
            .iter()
            .map(|f| f.long.replace('-', "_"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The table as flag words. Each key is checked alone against `elaudit SUBCOMMAND
    /// probe… WORDS` so that an error names its key; `unknown` words the error for a key
    /// that is not an allowed flag.
    pub fn words(
        &self,
        table: &toml::Table,
        probe: &[&str],
        unknown: impl Fn(&str) -> String,
    ) -> Result<Vec<String>, String> {
        let allowed = self.allowed();
        let mut words = Vec::new();
        for (key, value) in table {
            let why = |m: String| format!("key '{key}': {m}");
            let Some(flag) = allowed.iter().find(|f| f.long.replace('-', "_") == *key) else {
                return Err(format!("unknown key '{key}': {}", unknown(key)));
            };
            let mine = flag_words(flag, value).map_err(why)?;
            let mut argv = vec!["elaudit".to_string(), self.subcommand.to_string()];
            argv.extend(probe.iter().map(|s| s.to_string()));
            argv.extend(mine.iter().cloned());
            parse_cli(&argv).map_err(why)?;
            words.extend(mine);
        }
        Ok(words)
    }
}

fn flag_words(flag: &Flag, value: &toml::Value) -> Result<Vec<String>, String> {
    let scalar = |v: &toml::Value| match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        other => Err(format!("expected a number or a string, got {other}")),
    };
    match value {
        toml::Value::Boolean(b) if flag.switch => {
            Ok(b.then(|| format!("--{}", flag.long)).into_iter().collect())
        }
        _ if flag.switch => Err(format!("expected true or false, got {value}")),
        toml::Value::Array(items) if flag.repeatable => items
            .iter()
            .map(|v| scalar(v).map(|s| format!("--{}={s}", flag.long)))
            .collect(),
        other => Ok(vec![format!("--{}={}", flag.long, scalar(other)?)]),
    }
}

/// Parses a whole command line with the CLI's definitions; the error is clap's first line.
pub fn parse_cli(argv: &[String]) -> Result<Cli, String> {
    Cli::try_parse_from(argv).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        first.trim_start_matches("error: ").to_string()
    })
}
