//! The shipped manifest over every real election of ../shared/data
//! (data/batch-shared.toml) runs to completion, with Poland 2020 and Germany 2024 as the
//! references. Skips with a message when ../shared/data is absent.

mod common;

use std::path::Path;

use common::{elaudit, shared_data};
use serde_json::Value;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/batch-shared.toml");

/// Folder of ../shared/data that an election's path names.
fn folder_of(path: &str) -> &str {
    path.trim_start_matches("../../shared/data/")
        .split('/')
        .next()
        .unwrap()
}

#[test]
fn every_shared_election_has_a_column_map_and_a_manifest_entry() {
    let Some(shared) = shared_data("") else {
        return;
    };
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(MANIFEST).unwrap()).unwrap();
    let entries = manifest["election"].as_array().unwrap();
    let data = Path::new(MANIFEST).parent().unwrap();
    for e in entries {
        let columns = e["columns"].as_str().unwrap();
        assert!(data.join(columns).is_file(), "{columns} is missing");
    }
    for dir in std::fs::read_dir(&shared).unwrap() {
        let dir = dir.unwrap();
        if !dir.file_type().unwrap().is_dir() {
            continue;
        }
        let name = dir.file_name().to_string_lossy().into_owned();
        let listed = entries
            .iter()
            .any(|e| folder_of(e["path"].as_str().unwrap()) == name);
        assert!(listed, "../shared/data/{name} has no entry in {MANIFEST}");
    }
}

#[test]
fn the_shared_elections_run_as_one_batch() {
    if shared_data("").is_none() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let output = elaudit()
        .args(["batch", MANIFEST, "-q", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("comparison.json")).unwrap())
            .unwrap();
    let rows = c["rows"].as_array().unwrap();
    for r in rows {
        assert!(r["error"].is_null(), "{}: {}", r["name"], r["error"]);
        assert!(r["stations"].as_u64().unwrap() > 3000, "{}", r["name"]);
    }
    // Every election ran; flagged ones make the exit status 1, not 2.
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        c["references"],
        serde_json::json!(["germany-2024-in-person", "poland-2020-r1", "poland-2020-r2"])
    );
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    for reference in ["germany-2024-in-person", "poland-2020-r1", "poland-2020-r2"] {
        assert_eq!(row(reference)["flagged"], false, "{reference}");
    }
    // Russia's integer-percent excess stands far above every clean reference.
    for russia in ["russia-2011-duma", "russia-2012", "russia-2024"] {
        let r = row(russia);
        assert_eq!(r["flagged"], true, "{russia}");
        let z = r["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "integer_percent_z")
            .unwrap();
        assert_eq!(z["ref_percentile"], 100.0, "{russia}: {z}");
        assert!(z["ref_ratio"].as_f64().unwrap() > 5.0, "{russia}: {z}");
    }
    let md = std::fs::read_to_string(out.path().join("comparison.md")).unwrap();
    assert!(md.contains("| russia-2024 |"), "{md}");
}
