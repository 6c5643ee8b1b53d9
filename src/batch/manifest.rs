//! The batch manifest: a TOML file with a top-level `seed` and `output`, an optional
//! `[defaults]` table of audit options, and one `[[election]]` table per election.
//!
//! An election's audit options are the `elaudit audit` flags of the "Checks" and
//! "Values" groups, spelled with underscores (`last_digit_min = 50`, `strict = true`,
//! `exclude = ["Type=postal"]`). They are turned back into flags and read by the same
//! clap definitions and [`AuditSettings`] checks as a single audit's, so a manifest
//! accepts exactly what the command line accepts, with the same messages.

use std::path::{Path, PathBuf};

use super::BatchError;
use super::flags::{AUDIT_FLAGS, parse_cli, parse_top, read_file};
use super::seed::election_seed;
use crate::cli::{AuditArgs, Cli, Command};
use crate::data::ColumnSpec;
use crate::options::AuditSettings;

/// A manifest, read and checked.
#[derive(Debug)]
pub struct Manifest {
    /// The manifest's path as given, for messages.
    pub origin: String,
    pub seed: u64,
    /// The output directory, resolved against the manifest's folder.
    pub output: PathBuf,
    pub elections: Vec<Election>,
}

/// One `[[election]]` table, checked.
#[derive(Debug)]
pub struct Election {
    /// Position in the manifest, from 0: the shard is `index mod N`.
    pub index: usize,
    pub name: String,
    /// The path as the manifest writes it (the report shows this).
    pub path: String,
    /// The path resolved against the manifest's folder.
    pub file: PathBuf,
    pub reference: bool,
    pub seed: u64,
    /// The audit's flags as parsed, with paths resolved.
    pub args: Box<AuditArgs>,
    /// The equivalent `elaudit audit` command, as recorded in the report (paths as
    /// the manifest writes them, relative to its folder).
    pub recorded: Vec<String>,
    /// An inline `[election.columns]` table.
    pub columns: Option<ColumnSpec>,
}

const TOP_KEYS: &[&str] = &["seed", "output", "defaults", "election"];
const ELECTION_KEYS: &[&str] = &["name", "path", "reference", "columns"];

impl Manifest {
    /// Reads and checks the whole manifest before anything runs.
    pub fn read(path: &Path) -> Result<Manifest, BatchError> {
        let (text, origin, dir) = read_file(path)?;
        Self::parse(&text, &origin, &dir)
    }

    /// Parses manifest text; `origin` names it in errors, `dir` anchors relative paths.
    pub fn parse(text: &str, origin: &str, dir: &Path) -> Result<Manifest, BatchError> {
        let bad = |message: String| BatchError::Manifest {
            manifest: origin.to_string(),
            message,
        };
        let table = parse_top(text, origin, TOP_KEYS)?;
        let seed = match table.get("seed") {
            None => 42,
            Some(toml::Value::Integer(s)) if *s >= 0 => *s as u64,
            Some(v) => return Err(bad(format!("seed must be a whole number ≥ 0, got {v}"))),
        };
        let output = match table.get("output") {
            Some(toml::Value::String(s)) => dir.join(s),
            Some(v) => return Err(bad(format!("output must be a folder name, got {v}"))),
            None => {
                return Err(bad(
                    "give output = \"DIR\", the folder for the reports".into()
                ));
            }
        };
        let defaults = match table.get("defaults") {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err(bad("defaults must be a table of audit options".into())),
        };
        // Checked on their own first, so that an error names [defaults], not the first
        // election that inherits it.
        let in_defaults = |m: String| bad(format!("[defaults]: {m}"));
        let words = option_words(&defaults).map_err(in_defaults)?;
        let argv = ["elaudit", "audit", "-"].map(String::from).into_iter();
        parse_audit(&argv.chain(words).collect::<Vec<_>>()).map_err(in_defaults)?;
        let entries = match table.get("election") {
            Some(toml::Value::Array(a)) if !a.is_empty() => a,
            _ => return Err(bad("give at least one [[election]] table".into())),
        };
        let ctx = Context {
            origin,
            dir,
            seed,
            defaults: &defaults,
        };
        let mut elections = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let t = entry
                .as_table()
                .ok_or_else(|| bad(format!("election {}: must be a table", index + 1)))?;
            elections.push(ctx.election(index, t)?);
        }
        check_unique(&elections).map_err(bad)?;
        Ok(Manifest {
            origin: origin.to_string(),
            seed,
            output,
            elections,
        })
    }
}

struct Context<'a> {
    origin: &'a str,
    dir: &'a Path,
    seed: u64,
    defaults: &'a toml::Table,
}

impl Context<'_> {
    fn bad(&self, message: String) -> BatchError {
        BatchError::Manifest {
            manifest: self.origin.to_string(),
            message,
        }
    }

    fn election(&self, index: usize, t: &toml::Table) -> Result<Election, BatchError> {
        let string = |key: &str| t.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let name = string("name")
            .ok_or_else(|| self.bad(format!("election {}: give name = \"…\"", index + 1)))?;
        check_name(&name).map_err(|m| self.bad(format!("election '{name}': {m}")))?;
        let at = |m: String| self.bad(format!("election '{name}': {m}"));
        let path = string("path").ok_or_else(|| at("give path = \"FILE\"".into()))?;
        let reference = match t.get("reference") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(v) => return Err(at(format!("reference must be true or false, got {v}"))),
        };
        let mut options = self.defaults.clone();
        options.extend(
            t.iter()
                .filter(|(k, _)| !ELECTION_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let words = option_words(&options).map_err(at)?;
        let seed = election_seed(self.seed, &name);
        let (columns_word, columns) = match t.get("columns") {
            None => (None, None),
            Some(toml::Value::String(f)) => (Some(f.clone()), None),
            Some(toml::Value::Table(c)) => {
                let origin = format!("{}: election '{name}', [election.columns]", self.origin);
                let text = toml::to_string(c).map_err(|e| at(e.to_string()))?;
                let spec = ColumnSpec::from_toml_str(&text, &origin)
                    .map_err(|e| self.bad(e.to_string()))?;
                (None, Some(spec))
            }
            Some(_) => return Err(at("columns must be a file name or a table".into())),
        };
        let argv = |file: &str, columns: Option<&str>| {
            let mut v = vec!["elaudit".into(), "audit".into(), file.to_string()];
            v.push(format!("--seed={seed}"));
            v.extend(words.iter().cloned());
            v.extend(columns.map(|c| format!("--columns={c}")));
            v
        };
        // Options are checked now, before any election runs; the columns file is read
        // when the election runs, so that a missing one fails only that election.
        let plain = parse_audit(&argv(&path, None)).map_err(&at)?;
        AuditSettings::from_args(&plain, &[]).map_err(|e| at(e.to_string()))?;
        let file = self.dir.join(&path);
        let resolved_columns = columns_word
            .as_deref()
            .map(|c| self.dir.join(c).display().to_string());
        let args = parse_audit(&argv(
            &file.display().to_string(),
            resolved_columns.as_deref(),
        ))
        .map_err(&at)?;
        Ok(Election {
            index,
            name,
            recorded: argv(&path, columns_word.as_deref()),
            path,
            file,
            reference,
            seed,
            args: Box::new(args),
            columns,
        })
    }
}

/// Names become file names, so they are kept to a portable set.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(
            "a name may hold only ASCII letters, digits, '-', '_' and '.', and may not \
             start with '.' (it names the report files), e.g. name = \"poland-2020-r1\""
                .into(),
        )
    }
}

fn check_unique(elections: &[Election]) -> Result<(), String> {
    let mut names: Vec<&str> = elections.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    match names.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(format!(
            "two elections are named '{}'; names must be unique (they name the reports)",
            w[0]
        )),
        None => Ok(()),
    }
}

/// Audit options as `--flag=value` words, each key checked alone so that an error
/// names its key.
fn option_words(options: &toml::Table) -> Result<Vec<String>, String> {
    AUDIT_FLAGS.words(options, &["FILE"], |key| {
        if key == "seed" {
            "the seed is set once at the top of the manifest; each election's seed \
             derives from it and the election's name"
                .to_string()
        } else {
            format!(
                "not an audit option of a batch election. Election keys: {}; audit \
                 options: {}; column roles go in [election.columns] or columns = \"FILE\"",
                ELECTION_KEYS.join(", "),
                AUDIT_FLAGS.keys()
            )
        }
    })
}

/// Parses `elaudit audit …` words with the command line's own definitions.
fn parse_audit(argv: &[String]) -> Result<AuditArgs, String> {
    match parse_cli(argv)? {
        Cli {
            command: Command::Audit(args),
        } => Ok(*args),
        _ => Err("not an audit".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, BatchError> {
        Manifest::parse(text, "m.toml", Path::new("base"))
    }

    #[test]
    fn options_and_paths_are_read() {
        let m = parse(
            r#"
            seed = 7
            output = "out"
            [defaults]
            fingerprint_replicates = 10
            [[election]]
            name = "a"
            path = "a.csv"
            reference = true
            alpha = 0.05
            strict = true
            exclude = ["T=1", "T=2"]
            columns = "cols.toml"
            [[election]]
            name = "b"
            path = "b.csv"
            [election.columns]
            id = "station"
            "#,
        )
        .unwrap();
        assert_eq!(m.output, Path::new("base/out"));
        let a = &m.elections[0];
        assert!(a.reference && a.args.strict);
        assert_eq!(a.args.alpha, 0.05);
        assert_eq!(a.args.fingerprint_replicates, 10);
        assert_eq!(a.args.exclude, ["T=1", "T=2"]);
        assert_eq!(a.file, Path::new("base/a.csv"));
        assert_eq!(a.args.columns.as_deref(), Some(Path::new("base/cols.toml")));
        assert_eq!(a.seed, election_seed(7, "a"));
        assert!(a.recorded.contains(&"--columns=cols.toml".to_string()));
        let b = &m.elections[1];
        assert_eq!(b.columns.as_ref().unwrap().id, ["station"]);
        assert!(!b.reference && !b.args.strict);
    }

    #[test]
    fn errors_name_the_manifest_and_key() {
        let head = "output = \"o\"\n[[election]]\nname = \"a\"\npath = \"a.csv\"\n";
        for (extra, says) in [
            ("alpah = 0.05", "unknown key 'alpah'"),
            ("seed = 3", "the seed is set once"),
            ("last_digit_min = -1", "key 'last_digit_min'"),
            ("strict = 1", "key 'strict': expected true or false"),
            ("checks = \"nope\"", "unknown check 'nope'"),
            ("registered = \"r\"", "[election.columns]"),
        ] {
            let e = parse(&format!("{head}{extra}\n")).unwrap_err().to_string();
            assert!(e.starts_with("m.toml: election 'a': "), "{e}");
            assert!(e.contains(says), "{extra}: {e}");
        }
        let e = parse("output = \"o\"\nsed = 1\n").unwrap_err().to_string();
        assert!(e.contains("unknown top-level key 'sed'"), "{e}");
        let twice = format!("{head}{head}").replace("output = \"o\"\n[[election]]", "[[election]]");
        let e = parse(&format!("output = \"o\"\n{twice}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("two elections are named 'a'"), "{e}");
        let e = parse(&head.replace("\"a\"\npath", "\"../a\"\npath"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("may hold only"), "{e}");
    }

    #[test]
    fn errors_in_the_defaults_name_the_defaults() {
        let tail = "[[election]]\nname = \"a\"\npath = \"a.csv\"\n";
        for (extra, says) in [
            ("alhpa = 0.05", "unknown key 'alhpa'"),
            ("seed = 3", "the seed is set once"),
            ("alpha = 2", "key 'alpha'"),
        ] {
            let text = format!("output = \"o\"\n[defaults]\n{extra}\n{tail}");
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.starts_with("m.toml: [defaults]: "), "{e}");
            assert!(e.contains(says), "{extra}: {e}");
        }
    }
}
