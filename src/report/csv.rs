//! `--format csv`: one row per national result, then one per region (with `--by-region`),
//! written with the csv crate. Columns: `region` (empty for national results), `id`,
//! `subject`, `n`, `statistic`, `effect_measure`, `effect`, `p`, `p_adjusted`, `flag`
//! (`flag`, `-`, `descriptive` or `not-applicable`), then the run's `seed` and `alpha` on
//! every row, so that a table read alone still says how to reproduce it. A region's row has
//! id `region`, n its stations, p its Holm-combined p and p_adjusted that p adjusted across
//! regions. Names from the input that a spreadsheet would run as a formula get a leading
//! apostrophe.

use super::{CheckResult, Family, Report, spreadsheet_text};

const HEADER: [&str; 12] = [
    "region",
    "id",
    "subject",
    "n",
    "statistic",
    "effect_measure",
    "effect",
    "p",
    "p_adjusted",
    "flag",
    "seed",
    "alpha",
];

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

fn flag(c: &CheckResult) -> &'static str {
    match (c.applicable, c.family, c.flagged) {
        (false, _, _) => "not-applicable",
        (_, Family::Descriptive, _) => "descriptive",
        (_, _, true) => "flag",
        _ => "-",
    }
}

/// The report's results as CSV.
pub fn render_csv(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 12]> = Vec::new();
    let (seed, alpha) = (r.seed.to_string(), super::alpha_text(r.alpha));
    for c in &r.checks {
        rows.push([
            String::new(),
            c.id.clone(),
            spreadsheet_text(&c.subject),
            c.n.to_string(),
            opt(c.statistic),
            c.effect
                .as_ref()
                .map(|e| e.measure.clone())
                .unwrap_or_default(),
            opt(c.effect.as_ref().map(|e| e.value)),
            opt(c.p_value),
            opt(c.p_adjusted),
            flag(c).into(),
            seed.clone(),
            alpha.clone(),
        ]);
    }
    for g in r.regions.iter().flatten() {
        rows.push([
            spreadsheet_text(&g.region),
            "region".into(),
            spreadsheet_text(g.strongest.as_deref().unwrap_or_default()),
            g.stations.to_string(),
            String::new(),
            String::new(),
            String::new(),
            opt(g.p_value),
            opt(g.p_adjusted),
            if g.flagged { "flag" } else { "-" }.into(),
            seed.clone(),
            alpha.clone(),
        ]);
    }
    let written = w
        .write_record(HEADER)
        .and_then(|_| rows.iter().try_for_each(|row| w.write_record(row)));
    // Writing to memory cannot fail; say so in the output rather than panic if it ever does.
    match written.map_err(|e| e.to_string()).and_then(|_| {
        w.into_inner()
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
    }) {
        Ok(s) => s,
        Err(e) => format!("error\ncannot write CSV: {e}\n"),
    }
}
