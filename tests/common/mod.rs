//! Helpers shared by the integration tests.

// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use elaudit::data::{ColumnSpec, Dataset, GroupRef, RolePresence, Station};
use elaudit::simulate::{ElectionSpec, default_candidate_names};

/// Set (to anything but `0`) by `.ci/run`: an absent `../shared/data` then fails the
/// tests that need it instead of skipping them, so CI cannot pass without running them.
pub const REQUIRE_SHARED_DATA: &str = "ELAUDIT_REQUIRE_SHARED_DATA";

/// `../shared/data/<dir>` (`""` for the folder itself) when present; otherwise `None`,
/// with a message, so that tests on real elections skip in a user's clone.
pub fn shared_data(dir: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(dir);
    if p.is_dir() {
        return Some(p);
    }
    let required = std::env::var(REQUIRE_SHARED_DATA).is_ok_and(|v| v != "0");
    assert!(
        !required,
        "{} is absent, and {REQUIRE_SHARED_DATA} is set: the tests on real elections must run",
        p.display()
    );
    println!("skipped: {} is absent", p.display());
    None
}

/// A column mapping from data/columns/.
pub fn columns_file(name: &str) -> ColumnSpec {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/columns")
        .join(name);
    ColumnSpec::from_toml_file(&p).expect("columns file")
}

/// A dataset with every count role mapped and no regions, one station per row of
/// (registered, ballots, valid, invalid, votes per candidate), lines numbered from 2
/// as under a header. The winner is the first candidate; set `winner` to change it.
pub fn dataset(
    candidates: &[&str],
    rows: impl IntoIterator<Item = (u64, u64, u64, u64, Vec<u64>)>,
) -> Dataset {
    let mut d = Dataset {
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
        winner: 0,
        roles: RolePresence {
            registered: true,
            ballots: true,
            valid: true,
            invalid: true,
        },
        ..Dataset::default()
    };
    for (i, (registered, ballots, valid, invalid, votes)) in rows.into_iter().enumerate() {
        assert_eq!(
            votes.len(),
            candidates.len(),
            "row {i}: one count per candidate"
        );
        d.ids.push(&format!("s{i}"));
        d.stations.push(Station {
            line: i as u64 + 2,
            region: GroupRef::NONE,
            locality: GroupRef::NONE,
            stratum: GroupRef::NONE,
            registered: Some(n32(registered)),
            ballots: n32(ballots),
            valid: n32(valid),
            invalid: n32(invalid),
        });
        d.on_ballot.extend(std::iter::repeat_n(true, votes.len()));
        d.votes.extend(votes.into_iter().map(n32));
    }
    d
}

/// A test count as the dataset stores it (32 bits, as the loader accepts).
pub fn n32(x: u64) -> u32 {
    u32::try_from(x).expect("a test count fits in 32 bits")
}

/// The `elaudit` binary under test.
pub fn elaudit() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("elaudit").expect("binary builds")
}

/// Runs `cmd`, expects exit status 0 (showing stderr if not), and returns stdout.
pub fn stdout_of_success(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Degenerate clean shapes (issue #13): no spread where the simulator allows none, so
/// the stations of a region share one true rate, on or halfway between multiples of 5%.
pub fn degenerate_shape(kind: usize, stations: usize) -> ElectionSpec {
    let base = ElectionSpec {
        shares: vec![0.5, 0.5],
        candidate_names: default_candidate_names(2),
        share_sd: 0.0,
        region_sd: 0.0,
        ..ElectionSpec::clean(stations)
    };
    match kind {
        // The example: `--shares 0.5,0.5 --share-sd 0 --region-sd 0`.
        0 => base,
        // Turnout exactly 60% everywhere too.
        1 => ElectionSpec {
            turnout_sd: 0.0,
            ..base
        },
        // Both rates halfway between multiples of 5%.
        2 => ElectionSpec {
            turnout_sd: 0.0,
            turnout: 0.625,
            shares: vec![0.525, 0.475],
            ..base
        },
        // Flat inside each region, regions apart.
        _ => ElectionSpec {
            turnout_sd: 0.0,
            region_sd: 0.2,
            ..base
        },
    }
}

/// Names of [`degenerate_shape`]'s kinds, in order.
pub const DEGENERATE_NAMES: [&str; 4] = ["example", "flat", "between", "flat-regions"];

/// A CSV of `header` and `rows` rows, row `i` written by `row(i)` (no line break).
pub fn csv_rows(header: &str, rows: usize, row: impl Fn(usize) -> String) -> String {
    let mut csv = format!("{header}\n");
    for i in 0..rows {
        csv.push_str(&row(i));
        csv.push('\n');
    }
    csv
}

/// 2,500 stations whose candidate C is `n/a` in the first 1,000 rows and wins the 1,500
/// below them: a column the sample cannot see as votes.
pub fn late_candidate_csv() -> String {
    csv_rows("id,registered,A,B,C", 2500, |i| {
        let c = match i < 1000 {
            true => "n/a".to_string(),
            false => (300 + i % 50).to_string(),
        };
        format!("s{i},900,{},{},{c}", 100 + i % 37, 80 + i % 23)
    })
}
