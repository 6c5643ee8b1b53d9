//! Regenerates the simulated Kazakhstan-shaped sample election in data/:
//! `cargo run --release --example make_sample -- data/kz2022-sim.csv`
//!
//! The stuffed version, `data/kz2022-stuffed.csv`, and its truth come from
//! `elaudit simulate` with the command in data/README.md.

use std::fs::File;
use std::process::ExitCode;

use elaudit::simulate::{kz2022, simulate, write_csv};

/// The seed the committed sample was drawn with.
const SEED: u64 = 2022;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: make_sample OUTPUT.csv");
        return ExitCode::from(2);
    };
    let sim = simulate(&kz2022(), SEED);
    let written = File::create(&path).and_then(|f| write_csv(&sim.dataset, f));
    if let Err(e) = written {
        eprintln!("cannot write {path}: {e}");
        return ExitCode::from(2);
    }
    let t = &sim.truth.totals;
    eprintln!(
        "{path}: {} stations, {} registered, turnout {:.4}, winner {} {:.4}",
        t.stations,
        t.registered,
        t.turnout.unwrap_or(0.0),
        t.winner,
        t.winner_share.unwrap_or(0.0)
    );
    ExitCode::SUCCESS
}
