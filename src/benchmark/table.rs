//! The benchmark's table: per scenario and flaggable check, how many elections the check
//! flagged, with a 95% Wilson interval, as `benchmark.csv`, `benchmark.md` and
//! `benchmark.json`.

use std::path::Path;

use serde::Serialize;

use super::Outcome;
use super::config::Config;
use super::interval::wilson_95;
use crate::batch::BatchError;
use crate::batch::figures::flaggable_checks;

use crate::batch::table::write;

/// One check on one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateRow {
    pub scenario: String,
    pub check: String,
    pub elections: usize,
    /// Elections where the check had an applicable result.
    pub applicable: usize,
    pub flagged: usize,
    /// flagged ÷ elections.
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The flaggable checks the configuration's `checks` and `skip` leave to run.
fn selected(config: &Config) -> Vec<&'static str> {
    let a = &config.audit;
    flaggable_checks()
        .into_iter()
        .filter(|id| a.only.as_ref().is_none_or(|o| o.iter().any(|x| x == id)))
        .filter(|id| !a.skip.iter().any(|x| x == id))
        .collect()
}

/// The flag rates, scenario by scenario in the configuration's order, checks in report
/// order.
pub fn rates(config: &Config, outcomes: &[Outcome]) -> Vec<RateRow> {
    let mut rows = Vec::new();
    for s in &config.scenarios {
        let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.scenario == s.name).collect();
        for id in selected(config) {
            let count = |list: fn(&Outcome) -> &Vec<String>| {
                mine.iter()
                    .filter(|o| list(o).iter().any(|c| c == id))
                    .count()
            };
            let flagged = count(|o| &o.flagged);
            let n = mine.len();
            let (ci_low, ci_high) = wilson_95(flagged as u64, n as u64);
            rows.push(RateRow {
                scenario: s.name.clone(),
                check: id.to_string(),
                elections: n,
                applicable: count(|o| &o.applicable),
                flagged,
                rate: if n == 0 {
                    0.0
                } else {
                    flagged as f64 / n as f64
                },
                ci_low,
                ci_high,
            });
        }
    }
    rows
}

#[derive(Serialize)]
struct BenchmarkJson<'a> {
    tool: &'static str,
    version: &'static str,
    seed: u64,
    seeds: usize,
    stations: usize,
    alpha: f64,
    interval: &'static str,
    scenarios: Vec<ScenarioJson<'a>>,
    rates: &'a [RateRow],
    elections: &'a [Outcome],
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    description: &'a str,
    simulate: String,
}

const INTERVAL: &str = "95% Wilson score interval";

/// Writes the three tables into `dir`.
pub fn write_tables(
    dir: &Path,
    config: &Config,
    rates: &[RateRow],
    outcomes: &[Outcome],
) -> Result<(), BatchError> {
    let fail = |path: &str, message: String| BatchError::Format {
        path: path.to_string(),
        message,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "scenario",
        "check",
        "elections",
        "applicable",
        "flagged",
        "rate",
        "ci_low",
        "ci_high",
    ];
    w.write_record(header)
        .map_err(|e| fail("benchmark.csv", e.to_string()))?;
    for r in rates {
        w.write_record([
            r.scenario.clone(),
            r.check.clone(),
            r.elections.to_string(),
            r.applicable.to_string(),
            r.flagged.to_string(),
            r.rate.to_string(),
            r.ci_low.to_string(),
            r.ci_high.to_string(),
        ])
        .map_err(|e| fail("benchmark.csv", e.to_string()))?;
    }
    let csv = w
        .into_inner()
        .map_err(|e| fail("benchmark.csv", e.to_string()))?;
    write(&dir.join("benchmark.csv"), &csv)?;
    write(
        &dir.join("benchmark.md"),
        markdown(config, rates).as_bytes(),
    )?;
    let json = BenchmarkJson {
        tool: "elaudit",
        version: env!("CARGO_PKG_VERSION"),
        seed: config.seed,
        seeds: config.seeds,
        stations: config.stations,
        alpha: config.audit.alpha,
        interval: INTERVAL,
        scenarios: config
            .scenarios
            .iter()
            .map(|s| ScenarioJson {
                name: &s.name,
                description: &s.description,
                simulate: s.words.join(" "),
            })
            .collect(),
        rates,
        elections: outcomes,
    };
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| fail("benchmark.json", e.to_string()))?
        + "\n";
    write(&dir.join("benchmark.json"), text.as_bytes())
}

/// `35% (18–57)`: the rate and its interval in percent.
fn rate_cell(r: &RateRow) -> String {
    let pct = |x: f64| format!("{:.0}", 100.0 * x);
    let na = if r.applicable == 0 { " n/a" } else { "" };
    format!(
        "{}% ({}–{}){na}",
        pct(r.rate),
        pct(r.ci_low),
        pct(r.ci_high)
    )
}

fn markdown(config: &Config, rates: &[RateRow]) -> String {
    let ids = selected(config);
    let mut md = format!(
        "# Flag rates on simulated elections\n\n{} elections per scenario, {} stations each, \
         alpha {} after Holm's adjustment within each election, benchmark seed {}. Each cell \
         is the share of elections the check flagged, with its {INTERVAL}; n/a: the check \
         applied to none of them. On a clean scenario the rate is the check's false-flag rate; \
         on a planted one, how often it catches what was planted.\n\n| scenario |",
        config.seeds, config.stations, config.audit.alpha, config.seed
    );
    md.push_str(&ids.iter().map(|id| format!(" {id} |")).collect::<String>());
    md.push_str(&format!("\n|---|{}\n", "---:|".repeat(ids.len())));
    for s in &config.scenarios {
        md.push_str(&format!("| {} |", s.name));
        for id in &ids {
            let cell = rates
                .iter()
                .find(|r| r.scenario == s.name && r.check == *id)
                .map(rate_cell)
                .unwrap_or_default();
            md.push_str(&format!(" {cell} |"));
        }
        md.push('\n');
    }
    md.push_str("\nScenarios:\n\n");
    for s in &config.scenarios {
        let how = format!("`elaudit simulate {}`", s.words.join(" "));
        let text = if s.description.is_empty() {
            how
        } else {
            format!("{} ({how})", s.description)
        };
        md.push_str(&format!("- **{}**: {text}\n", s.name));
    }
    md
}
