//! `elaudit merge DIR… --output DIR`: the shard files of one sharded batch become the
//! files a single run writes: the reports, `shard-0-of-1.json` and the comparison.

use std::path::{Path, PathBuf};

use super::run::{finish, parse_shard};
use super::{BatchError, Shard, ShardFile, exit_status};
use crate::error::Error;

/// Merges the shards found in `dirs` into `output` and returns the exit status.
pub fn merge(dirs: &[PathBuf], output: &Path) -> Result<u8, Error> {
    refuse_input_as_output(dirs, output)?;
    let shards = read_shards(dirs)?;
    let first = &shards[0].1;
    check_complete(&shards)?;
    check_reports(&shards)?;
    std::fs::create_dir_all(output).map_err(|source| BatchError::Write {
        path: output.display().to_string(),
        source,
    })?;
    let mut rows = Vec::new();
    for (dir, s) in &shards {
        for row in &s.rows {
            for file in &row.reports {
                copy_report(&dir.join(file), &output.join(file))?;
            }
        }
        rows.extend(s.rows.iter().cloned());
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    for row in &rows {
        if let Some(err) = &row.error {
            eprintln!("{}", super::failure_line(&row.name, err));
        }
    }
    let status = exit_status(&rows);
    let whole = ShardFile {
        tool: first.tool.clone(),
        version: first.version.clone(),
        seed: first.seed,
        shard: Shard::ALL,
        elections: first.elections.clone(),
        rows,
    };
    finish(output, &whole)?;
    Ok(status)
}

/// A shard's own folder as the output would mix the merged comparison into the shard,
/// and the next merge of the shards would fail.
fn refuse_input_as_output(dirs: &[PathBuf], output: &Path) -> Result<(), BatchError> {
    let same = |d: &PathBuf| match (d.canonicalize(), output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => d == output,
    };
    match dirs.iter().find(|d| same(d)) {
        Some(d) => Err(BatchError::Merge(format!(
            "--output {} is one of the shard folders being merged: give a new folder",
            d.display()
        ))),
        None => Ok(()),
    }
}

/// Every `shard-I-of-N.json` in the folders, with its folder.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardFile)>, BatchError> {
    let mut shards = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir).map_err(|source| BatchError::Unreadable {
            path: dir.display().to_string(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("shard-") && n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path).map_err(|source| BatchError::Unreadable {
                path: path.display().to_string(),
                source,
            })?;
            shards.push((dir.clone(), parse_shard(&path, &text)?));
        }
    }
    if shards.is_empty() {
        return Err(BatchError::Merge(format!(
            "no shard-I-of-N.json file in {}; give the output folders of `elaudit batch \
             --shard I/N`",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(shards)
}

/// The shards are the N parts of one batch: same N, seed and elections, each part once.
fn check_complete(shards: &[(PathBuf, ShardFile)]) -> Result<(), BatchError> {
    let first = &shards[0].1;
    let n = first.shard.count;
    for (dir, s) in shards {
        if s.shard.count != n || s.seed != first.seed || s.elections != first.elections {
            return Err(BatchError::Merge(format!(
                "{} holds shard {}/{} of another batch (other shard count, seed or \
                 elections than shard {}/{}); merge the shards of one run only, and \
                 remove older shard files",
                dir.display(),
                s.shard.index,
                s.shard.count,
                first.shard.index,
                n
            )));
        }
    }
    let mut seen = vec![0usize; n];
    for (_, s) in shards {
        seen[s.shard.index] += 1;
    }
    if let Some(i) = seen.iter().position(|&c| c != 1) {
        let what = if seen[i] == 0 {
            "missing"
        } else {
            "given twice"
        };
        return Err(BatchError::Merge(format!(
            "shard {i}/{n} is {what}; merge each of the {n} shards once"
        )));
    }
    let mut names: Vec<&str> = shards
        .iter()
        .flat_map(|(_, s)| s.rows.iter().map(|r| r.name.as_str()))
        .collect();
    names.sort_unstable();
    if names
        != first
            .elections
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    {
        return Err(BatchError::Merge(
            "the shards' elections are not the manifest's elections, each once".into(),
        ));
    }
    Ok(())
}

/// Every report the shards list is there, checked before anything is written, so that
/// a merge never leaves a partial output folder.
fn check_reports(shards: &[(PathBuf, ShardFile)]) -> Result<(), BatchError> {
    let files = shards.iter().flat_map(|(dir, s)| {
        s.rows
            .iter()
            .flat_map(move |row| row.reports.iter().map(move |f| (dir.join(f), &row.name)))
    });
    for (path, election) in files {
        if !path.is_file() {
            return Err(BatchError::Merge(format!(
                "{} is missing: the shard file lists it as a report of election \
                 '{election}'; copy the shard's whole output folder, or rerun that shard",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Copies a report unless source and destination are the same file.
fn copy_report(from: &Path, to: &Path) -> Result<(), BatchError> {
    let same = match (from.canonicalize(), to.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Ok(());
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|source| BatchError::Write {
            path: format!("{} (copied from {})", to.display(), from.display()),
            source,
        })
}
