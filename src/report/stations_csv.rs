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
//!   `fp_observed`: stations in that cell; `fp_expected_fair`: stations the fitted fair model
//!   (logit-normal per region, from the `fingerprint` result) expects there;
//! - `anomaly_score`, defined as the sum of
//!   - `-log10 p` for each integer percentage the station shows (rare at a large station,
//!     common at a small one, so it weighs by how surprising the coincidence is),
//!   - 2 for each protocol-arithmetic kind it fails,
//!   - `log10((fp_observed + 1) / (fp_expected_fair + 1))` when positive: how crowded its
//!     fingerprint cell is beyond the fair model.
//!
//!   A high score marks a protocol worth checking, not a fraudulent one.

use std::io::{self, Write};

use super::Report;
use crate::data::Dataset;
use crate::stats::integer::{integer_probability, is_integer_percent};

/// Bins of the fingerprint grid on each axis.
const GRID: usize = 50;

/// Writes the per-station CSV for `data`, reading the fitted fingerprint from `report`.
pub fn write_stations_csv(data: &Dataset, report: &Report, w: impl Write) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let observed = observed_cells(data);
    let expected = expected_cells(report);
    out.write_record(HEADER)?;
    for i in 0..data.stations.len() {
        out.write_record(station_row(data, i, &observed, expected.as_deref()))?;
    }
    out.flush()
}

const HEADER: [&str; 23] = [
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
];

/// Station `i`'s fields, in [`HEADER`]'s order.
fn station_row(
    data: &Dataset,
    i: usize,
    observed: &[u64],
    expected: Option<&[f64]>,
) -> [String; 23] {
    let s = &data.stations[i];
    let winner = u64::from(data.votes_of(i).get(data.winner).copied().unwrap_or(0));
    let reg = u64::from(s.registered.unwrap_or(0));
    let (ballots, valid) = (u64::from(s.ballots), u64::from(s.valid));
    let turnout = s.turnout();
    let cast = valid + u64::from(s.invalid);
    let share = data.winner_share(i);
    let result = (cast > 0).then(|| winner as f64 / cast as f64);
    let mut score = 0.0;
    let int_t = turnout.map(|_| is_integer_percent(ballots, reg));
    let p_t = turnout.map(|t| integer_probability(reg, t));
    let int_r = result.map(|_| is_integer_percent(winner, cast));
    let p_r = result.map(|r| integer_probability(cast, r));
    for (hit, p) in [(int_t, p_t), (int_r, p_r)] {
        if let (Some(true), Some(p)) = (hit, p) {
            score += -p.max(1e-300).log10();
        }
    }
    let kinds = arithmetic_kinds(data, i);
    score += 2.0 * kinds.len() as f64;
    let cell = cell_of(data, i);
    let (obs, exp) = match cell {
        Some((a, b)) => (
            Some(observed[a * GRID + b]),
            expected.map(|e| e[a * GRID + b]),
        ),
        None => (None, None),
    };
    if let (Some(o), Some(e)) = (obs, exp) {
        score += ((o as f64 + 1.0) / (e + 1.0)).log10().max(0.0);
    }
    let region = s
        .region
        .and_then(|r| data.regions.get(r as usize))
        .map(String::as_str)
        .unwrap_or("");
    [
        s.line.to_string(),
        data.id(i).to_string(),
        region.to_string(),
        s.registered.map(|r| r.to_string()).unwrap_or_default(),
        s.ballots.to_string(),
        s.valid.to_string(),
        s.invalid.to_string(),
        winner.to_string(),
        opt(turnout),
        opt(share),
        opt(result),
        flag(int_t).into(),
        opt(p_t),
        flag(int_r).into(),
        opt(p_r),
        flag(turnout.map(|_| round5(ballots, reg))).into(),
        flag(share.map(|_| round5(winner, valid))).into(),
        kinds.join(";"),
        cell.map(|c| c.0.to_string()).unwrap_or_default(),
        cell.map(|c| c.1.to_string()).unwrap_or_default(),
        obs.map(|o| o.to_string()).unwrap_or_default(),
        opt(exp),
        fmt(score),
    ]
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

fn arithmetic_kinds(data: &Dataset, i: usize) -> Vec<&'static str> {
    let s = &data.stations[i];
    let r = data.roles;
    let mut kinds = Vec::new();
    if let (true, true, Some(reg)) = (r.registered, r.ballots, s.registered) {
        if reg == 0 && s.ballots > 0 {
            kinds.push("zero-registered-with-ballots");
        } else if s.ballots > reg {
            kinds.push("ballots-above-registered");
        }
    }
    if r.ballots
        && r.valid
        && r.invalid
        && u64::from(s.valid) + u64::from(s.invalid) != u64::from(s.ballots)
    {
        kinds.push("valid-plus-invalid-mismatch");
    }
    if r.valid && data.votes_of(i).iter().map(|&v| u64::from(v)).sum::<u64>() != u64::from(s.valid)
    {
        kinds.push("candidates-sum-mismatch");
    }
    kinds
}

/// The station's fingerprint cell: turnout and winner share in 2% bins (1.0 in the last).
fn cell_of(data: &Dataset, i: usize) -> Option<(usize, usize)> {
    let t = data.stations[i].turnout()?;
    let s = data.winner_share(i)?;
    let bin = |x: f64| ((x * GRID as f64) as usize).min(GRID - 1);
    Some((bin(t), bin(s)))
}

fn observed_cells(data: &Dataset) -> Vec<u64> {
    let mut cells = vec![0u64; GRID * GRID];
    for i in 0..data.stations.len() {
        if let Some((a, b)) = cell_of(data, i) {
            cells[a * GRID + b] += 1;
        }
    }
    cells
}

/// Stations the fitted fair model expects in each cell: the fingerprint's fair map (its
/// stations simulated from the fitted fair model, typed in the result's charts), summed
/// onto this grid. `None` when the fingerprint did not run or drew no map.
fn expected_cells(report: &Report) -> Option<Vec<f64>> {
    let fp = report
        .checks
        .iter()
        .find(|c| c.id == "fingerprint" && c.applicable)?;
    let map = fp.charts.fingerprint.as_ref()?.fair.as_ref()?;
    let (cols, rows) = (map.columns(), map.rows());
    if cols == 0 || rows == 0 || map.counts.len() != cols * rows {
        return None;
    }
    let mut cells = vec![0.0; GRID * GRID];
    for r in 0..rows {
        for c in 0..cols {
            // Map rows are the winner's share, columns turnout; cells are turnout-major.
            let (t, sh) = (c * GRID / cols, r * GRID / rows);
            cells[t * GRID + sh] += map.counts[r * cols + c];
        }
    }
    Some(cells)
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
