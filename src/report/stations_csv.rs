//! `--stations-out FILE.csv`: one row per station with the quantities behind the checks,
//! so that observers know which protocols to pull.
//!
//! Columns:
//! - `line`, `station`, `region`, `registered`, `ballots`, `valid`, `invalid`, `winner_votes`;
//! - `turnout` (ballots ÷ registered), `winner_share` (÷ valid), `winner_result` (÷ valid + invalid);
//! - `integer_turnout`, `integer_result`: the percentage lies within ±0.05 points of a whole
//!   number (Kobak et al. 2016); `p_integer_turnout`, `p_integer_result`: that event's chance
//!   under the station's own Binomial(n, observed rate), as in `integer-percent`;
//! - `round5_turnout`, `round5_share`: the rounded percentage is a multiple of 5;
//! - `arithmetic`: the protocol-arithmetic kinds the station fails, `;`-separated;
//! - `fp_turnout_bin`, `fp_share_bin`: the station's cell in the fingerprint's 50×50 grid;
//!   `fp_observed`: the fingerprint's stations in that cell (every station with a turnout
//!   and a share when it did not run); `fp_expected_fair`: stations its fitted fair model
//!   expects there;
//! - `anomaly_score` ([`crate::stats::anomaly::score`]): `-log10 p` per whole percentage
//!   shown, 2 per protocol-arithmetic kind failed, and the cell's crowding beyond the fair
//!   model;
//! - `anomaly_tail`: the share of clean stations simulated from the fitted fair model
//!   (the result's [`ScoreNull`]) that score at least as high, an empirical p-value; empty
//!   when the fingerprint did not run.
//!
//! A high score or a small tail marks a protocol worth checking, not a fraudulent one.
//! Ids and region names that a spreadsheet would read as a formula (`=…`, `+…`, `-…`,
//! `@…`) are written with a leading apostrophe.

use std::io::{self, Write};

use super::{Report, ScoreNull, spreadsheet_text};
use crate::checks::protocol_arithmetic::station_kinds;
use crate::data::Dataset;
use crate::stats::anomaly::{GRID, cell, cell_index, score, whole_percent};

/// Writes the per-station CSV for `data`, reading the fitted fingerprint and the score's
/// null from `report`.
pub fn write_stations_csv(data: &Dataset, report: &Report, w: impl Write) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let null = score_null(report);
    let all = null.is_none().then(|| observed_cells(data));
    let observed = null.map_or_else(|| all.as_deref().unwrap_or(&[]), |n| &n.observed[..]);
    out.write_record(HEADER)?;
    let kinds_of = station_kinds(data);
    for i in 0..data.stations.len() {
        out.write_record(station_row(data, i, kinds_of(i), observed, null))?;
    }
    out.flush()
}

const HEADER: [&str; 24] = [
    "line",
    "station",
    "region",
    "registered",
    "ballots",
    "valid",
    "invalid",
    "winner_votes",
    "turnout",
    "winner_share",
    "winner_result",
    "integer_turnout",
    "p_integer_turnout",
    "integer_result",
    "p_integer_result",
    "round5_turnout",
    "round5_share",
    "arithmetic",
    "fp_turnout_bin",
    "fp_share_bin",
    "fp_observed",
    "fp_expected_fair",
    "anomaly_score",
    "anomaly_tail",
];

/// Station `i`'s fields, in [`HEADER`]'s order.
fn station_row(
    data: &Dataset,
    i: usize,
    kinds: Vec<&'static str>,
    observed: &[u64],
    null: Option<&ScoreNull>,
) -> [String; 24] {
    let s = &data.stations[i];
    let winner = u64::from(data.votes_of(i).get(data.winner).copied().unwrap_or(0));
    let reg = u64::from(s.registered.unwrap_or(0));
    let (ballots, valid) = (u64::from(s.ballots), u64::from(s.valid));
    let turnout = s.turnout();
    let cast = valid + u64::from(s.invalid);
    let share = data.winner_share(i);
    let result = (cast > 0).then(|| winner as f64 / cast as f64);
    let whole_t = turnout.and(whole_percent(ballots, reg));
    let whole_r = whole_percent(winner, cast);
    let at = turnout.zip(share).map(|(t, sh)| cell(t, sh));
    let obs = at.and_then(|c| observed.get(cell_index(c)).copied());
    let exp = at.zip(null).map(|(c, n)| n.expected[cell_index(c)]);
    let score = score(&[whole_t, whole_r], kinds.len(), obs.zip(exp));
    let region = s
        .region
        .get()
        .and_then(|r| data.regions.get(r as usize))
        .map(String::as_str)
        .unwrap_or("");
    [
        s.line.to_string(),
        spreadsheet_text(data.id(i)),
        spreadsheet_text(region),
        s.registered.map(|r| r.to_string()).unwrap_or_default(),
        s.ballots.to_string(),
        s.valid.to_string(),
        s.invalid.to_string(),
        winner.to_string(),
        opt(turnout),
        opt(share),
        opt(result),
        flag(whole_t.map(|w| w.hit)).into(),
        opt(whole_t.map(|w| w.p)),
        flag(whole_r.map(|w| w.hit)).into(),
        opt(whole_r.map(|w| w.p)),
        flag(turnout.map(|_| round5(ballots, reg))).into(),
        flag(share.map(|_| round5(winner, valid))).into(),
        kinds.join(";"),
        at.map(|c| c.0.to_string()).unwrap_or_default(),
        at.map(|c| c.1.to_string()).unwrap_or_default(),
        obs.map(|o| o.to_string()).unwrap_or_default(),
        opt(exp),
        fmt(score),
        null.map(|n| tail(n.tail(score))).unwrap_or_default(),
    ]
}

/// A tail in fixed notation to 0.001, below that in scientific notation (it goes down to
/// about 1e-5).
fn tail(x: f64) -> String {
    if x >= 1e-3 {
        fmt(x)
    } else {
        format!("{x:.3e}")
    }
}

fn fmt(x: f64) -> String {
    format!("{x:.6}")
}

fn opt(x: Option<f64>) -> String {
    x.map(fmt).unwrap_or_default()
}

fn flag(x: Option<bool>) -> &'static str {
    match x {
        Some(true) => "1",
        Some(false) => "0",
        None => "",
    }
}

/// floor(100·k/n + 1/2) is a multiple of 5.
fn round5(k: u64, n: u64) -> bool {
    n > 0 && ((200 * k as u128 + n as u128) / (2 * n as u128)) % 5 == 0
}

/// Stations with a turnout and a winner's share per cell, for when the fingerprint did not
/// run (it counts its own stations).
fn observed_cells(data: &Dataset) -> Vec<u64> {
    let mut cells = vec![0u64; GRID * GRID];
    for (i, s) in data.stations.iter().enumerate() {
        if let (Some(t), Some(sh)) = (s.turnout(), data.winner_share(i)) {
            cells[cell_index(cell(t, sh))] += 1;
        }
    }
    cells
}

/// The fingerprint's cells and score null, when it ran and drew its fair map.
fn score_null(report: &Report) -> Option<&ScoreNull> {
    let fp = report
        .checks
        .iter()
        .find(|c| c.id == "fingerprint" && c.applicable)?;
    fp.charts.fingerprint.as_ref()?.score_null.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round5_rounds_half_up_in_integers() {
        assert!(round5(1, 20)); // 5%
        assert!(round5(49, 1000)); // 4.9% -> 5
        assert!(round5(45, 1000)); // 4.5% -> 5, half up
        assert!(!round5(44, 1000)); // 4.4% -> 4
    }
}
