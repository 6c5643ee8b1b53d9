//! `--format html`: one self-contained page (inline CSS, inline SVG charts, a few lines of
//! inline script to sort the regions table), readable at a laptop's width and in print.
//! Every string that can come from the input goes through [`esc`].

use std::fmt::Write;

use super::text::plural;
use super::{CheckResult, Family, RegionReport, Report, svg};
use crate::stats::format::p_value;

/// Rejected rows the page lists (the JSON lists them all).
const REJECTED_SHOWN: usize = 200;
/// Regions drawn in the small multiples, best ranked first (the table lists them all).
const REGION_MAPS: usize = 24;

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1d1f;
max-width:1100px;margin:0 auto;padding:1.2em 1.5em 4em;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin-top:2em;border-bottom:2px solid #ddd}
h3{font-size:1.05em;margin:1.2em 0 .3em}
.verdict{border-left:6px solid #2a7;padding:.6em 1em;background:#f3faf6}
.verdict.flagged{border-color:#c83;background:#fdf6ee}
.flag{color:#b21;font-weight:600}.muted{color:#666}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em;width:100%}
th,td{border-bottom:1px solid #e4e4e4;padding:.25em .5em;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.sort{cursor:pointer;user-select:none}th.sort:after{content:' \\21C5';color:#aaa}
.charts{display:flex;flex-wrap:wrap;gap:.8em;align-items:flex-start}
figure{margin:0}figcaption{font-size:.85em;color:#444;max-width:330px;overflow-wrap:anywhere}
.wide svg{width:100%;height:auto}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.6em}
.grid figcaption{max-width:170px}
code,pre{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f5f5f5}
pre{padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}
@media print{body{max-width:none;font-size:11pt;padding:0}h2{break-after:avoid}
figure,tr,.verdict{break-inside:avoid}th.sort:after{content:''}a{color:inherit}}
";

/// Sorts a table by the clicked column: numbers by `data-v`, else by text.
const SORT_SCRIPT: &str = "
document.querySelectorAll('table.sortable th').forEach(function(th,col){
th.classList.add('sort');th.addEventListener('click',function(){
var body=th.closest('table').tBodies[0],rows=Array.from(body.rows);
var dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';
rows.sort(function(a,b){var x=a.cells[col],y=b.cells[col];
var u=parseFloat(x.dataset.v),w=parseFloat(y.dataset.v);
if(!isNaN(u)&&!isNaN(w))return dir*(u-w);
return dir*x.textContent.localeCompare(y.textContent);});
rows.forEach(function(r){body.appendChild(r);});});});
";

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The report as one HTML page.
pub fn render_html(r: &Report) -> String {
    let mut o = String::with_capacity(1 << 20);
    // A batch names its elections; a single audit, its file.
    let (title, heading) = match &r.election {
        Some(name) => (
            format!("{} ({})", esc(name), esc(&r.input.path)),
            format!("{}: <code>{}</code>", esc(name), esc(&r.input.path)),
        ),
        None => (
            esc(&r.input.path),
            format!("<code>{}</code>", esc(&r.input.path)),
        ),
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>elaudit report: {title}</title><style>{STYLE}</style></head><body>\n"
    );
    let _ = writeln!(o, "<h1>Election audit of {heading}</h1>");
    verdict(&mut o, r);
    checks(&mut o, r);
    if let Some(regions) = &r.regions {
        regions_section(&mut o, r, regions);
    }
    rejected(&mut o, r);
    reproduce(&mut o, r);
    let _ = write!(o, "<script>{SORT_SCRIPT}</script>\n</body></html>\n");
    o
}

fn verdict(o: &mut String, r: &Report) {
    let i = &r.input;
    let flagged: Vec<&CheckResult> = r.checks.iter().filter(|c| c.flagged).collect();
    let _ = writeln!(
        o,
        "<section class=\"verdict{}\" id=\"verdict\"><h2>Verdict</h2>",
        if r.flagged { " flagged" } else { "" }
    );
    let turnout = i
        .turnout
        .map(|t| format!(", turnout {:.2}%", 100.0 * t))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "<p><b>Data:</b> {} from {} ({} rejected, {} excluded){turnout}; <b>{}</b> won \
         {:.2}% of valid votes.</p>",
        plural(i.stations as usize, "station", "stations"),
        plural(i.rows as usize, "row", "rows"),
        i.rejected,
        i.excluded,
        esc(&i.winner),
        100.0 * i.winner_share
    );
    if flagged.is_empty() {
        let _ = writeln!(
            o,
            "<p><b>Nothing flagged</b> nationally at alpha {} after adjustment.</p>",
            super::alpha_text(r.alpha)
        );
    } else {
        let _ = writeln!(
            o,
            "<p class=\"flag\">{} flagged at alpha {} after adjustment:</p><ul>",
            plural(flagged.len(), "result", "results"),
            super::alpha_text(r.alpha)
        );
        for c in &flagged {
            let _ = writeln!(
                o,
                "<li><a href=\"#check-{}\"><b>{}</b></a> ({}): {}; adjusted p {}. {}</li>",
                esc(&c.id),
                esc(&c.id),
                esc(&c.subject),
                esc(&effect(c)),
                c.p_adjusted.map(p_value).unwrap_or_else(|| "-".into()),
                esc(&c.summary)
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    let clean = r
        .checks
        .iter()
        .filter(|c| c.applicable && c.family == Family::Holm && !c.flagged)
        .count();
    let _ = writeln!(
        o,
        "<p><b>Not flagged:</b> {} of the tested results; {} descriptive only; {} not \
         applicable.</p>",
        clean,
        r.checks
            .iter()
            .filter(|c| c.applicable && c.family == Family::Descriptive)
            .count(),
        r.checks.iter().filter(|c| !c.applicable).count()
    );
    if let Some(regions) = &r.regions {
        let line = super::regions_flagged(regions, esc);
        let _ = writeln!(o, "<p><b>Regions flagged:</b> {line}</p>");
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">A flag is evidence of a statistical anomaly, not proof of fraud.</p>"
    );
    for c in &r.caveats {
        let _ = writeln!(o, "<p class=\"muted\">{}</p>", esc(c));
    }
    let _ = writeln!(o, "</section>");
}

fn effect(c: &CheckResult) -> String {
    c.effect
        .as_ref()
        .map(|e| format!("{} {}", e.measure, num(e.value)))
        .unwrap_or_else(|| "-".into())
}

fn num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// One section per check, in report order: its results' table and its charts.
fn checks(o: &mut String, r: &Report) {
    let mut ids: Vec<&str> = Vec::new();
    for c in &r.checks {
        if !ids.contains(&c.id.as_str()) {
            ids.push(&c.id);
        }
    }
    let _ = writeln!(
        o,
        "<h2>Checks</h2><p class=\"muted\">{}</p>",
        esc(&r.adjustment)
    );
    for id in ids {
        let results: Vec<&CheckResult> = r.checks.iter().filter(|c| c.id == id).collect();
        let _ = writeln!(o, "<section id=\"check-{}\"><h3>{}</h3>", esc(id), esc(id));
        result_table(o, &results);
        charts(o, &results);
        let _ = writeln!(o, "</section>");
    }
}

fn p_cell(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("<td class=\"num\" data-v=\"{p:e}\">{}</td>", p_value(p)),
        None => "<td class=\"num\" data-v=\"2\">-</td>".into(),
    }
}

fn result_table(o: &mut String, results: &[&CheckResult]) {
    let _ = writeln!(
        o,
        "<table><thead><tr><th>subject</th><th>reading</th><th class=\"num\">n</th>\
         <th class=\"num\">effect</th><th class=\"num\">statistic</th><th class=\"num\">p</th>\
         <th class=\"num\">p adj</th><th>flag</th></tr></thead><tbody>"
    );
    for c in results {
        let flag = match (c.applicable, c.family, c.flagged) {
            (false, _, _) => "n/a",
            (_, Family::Descriptive, _) => "descriptive",
            (_, _, true) => "<span class=\"flag\">FLAG</span>",
            _ => "-",
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td>{}{}<td>{flag}</td></tr>",
            esc(&c.subject),
            esc(&c.summary),
            c.n,
            esc(&effect(c)),
            c.statistic.map(num).unwrap_or_else(|| "-".into()),
            p_cell(c.p_value),
            p_cell(c.p_adjusted)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// The charts of a check's results, each captioned with its subject.
fn charts(o: &mut String, results: &[&CheckResult]) {
    let digits: Vec<&CheckResult> = results
        .iter()
        .copied()
        .filter(|c| c.charts.digits.is_some())
        .collect();
    if !digits.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"muted\">Bars: observed counts; black mark: expected under the check's \
             null; grey box: its 95% band.</p><div class=\"charts\">"
        );
        for c in digits {
            if let Some(d) = &c.charts.digits {
                figure(o, &svg::digits(d), &c.subject, "");
            }
        }
        let _ = writeln!(o, "</div>");
    }
    for c in results {
        if let Some(h) = &c.charts.histogram {
            let _ = writeln!(
                o,
                "<div class=\"wide\">{}<p class=\"muted\">{}: stations in 0.1-point bins; red \
                 bars are whole percentages; the black line is the count expected when each \
                 station's number is redrawn from its own binomial (this check's null).</p></div>",
                svg::histogram(h),
                esc(&c.subject)
            );
        }
        if let Some(f) = &c.charts.fingerprint {
            let maps = [
                (Some(&f.observed), "observed"),
                (f.fair.as_ref(), "simulated from the fitted fair model"),
                (f.fraud.as_ref(), "simulated from the fitted fraud model"),
            ];
            let max = maps
                .iter()
                .filter_map(|(m, _)| m.map(|m| m.max()))
                .fold(1.0, f64::max);
            let _ = writeln!(o, "<div class=\"charts\">");
            for (m, what) in maps {
                if let Some(m) = m {
                    figure(o, &svg::heatmap(m, max, 340, true), what, "");
                }
            }
            figure(o, &svg::legend(max), "colour scale", "");
            let _ = writeln!(
                o,
                "</div><p class=\"muted\">Election fingerprint: stations by turnout and the \
                 winner's share in 1-point cells. Ballot stuffing pulls stations towards the top \
                 right corner (high turnout, high share).</p>"
            );
        }
    }
}

fn figure(o: &mut String, svg: &str, caption: &str, class: &str) {
    let _ = writeln!(
        o,
        "<figure class=\"{class}\">{svg}<figcaption>{}</figcaption></figure>",
        esc(caption)
    );
}

fn regions_section(o: &mut String, r: &Report, regions: &[RegionReport]) {
    let _ = writeln!(
        o,
        "<section id=\"regions\"><h2>Regions</h2><p class=\"muted\">{} Click a column to \
         sort. p: the region's smallest Holm-adjusted p over its flaggable results; p adj: that \
         p, Benjamini-Hochberg-adjusted across regions.</p>",
        esc(r.regional_adjustment.as_deref().unwrap_or(""))
    );
    let _ = writeln!(
        o,
        "<table class=\"sortable\"><thead><tr><th class=\"num\">rank</th><th>region</th>\
         <th class=\"num\">stations</th><th class=\"num\">p</th><th class=\"num\">p adj</th>\
         <th>strongest</th><th>flag</th></tr></thead><tbody>"
    );
    for g in regions {
        let flags = g.checks.iter().filter(|c| c.flagged).count();
        let _ = writeln!(
            o,
            "<tr><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\" \
             data-v=\"{}\">{}</td>{}{}<td>{}</td><td>{}</td></tr>",
            g.rank,
            g.rank,
            esc(&g.region),
            g.stations,
            g.stations,
            p_cell(g.p_value),
            p_cell(g.p_adjusted),
            esc(g.strongest.as_deref().unwrap_or("-")),
            match (g.flagged, flags) {
                (false, _) => "-".to_string(),
                (true, 0) => "<span class=\"flag\">FLAG</span>".into(),
                (true, n) => format!(
                    "<span class=\"flag\">FLAG</span> ({})",
                    plural(n, "result", "results")
                ),
            }
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let maps: Vec<&RegionReport> = regions
        .iter()
        .filter(|g| g.fingerprint.is_some())
        .take(REGION_MAPS)
        .collect();
    if !maps.is_empty() {
        let _ = writeln!(
            o,
            "<h3>Regional fingerprints</h3><p class=\"muted\">Turnout (x, 0–100%) against the \
             winner's share (y, 0–100%), 4-point cells, each on its own log colour scale; the {} \
             best-ranked regions.</p><div class=\"grid\">",
            maps.len()
        );
        for g in maps {
            if let Some(m) = &g.fingerprint {
                let caption = format!("#{} {} ({} stations)", g.rank, g.region, g.stations);
                figure(o, &svg::heatmap(m, m.max(), 170, false), &caption, "");
            }
        }
        let _ = writeln!(o, "</div>");
    }
    let _ = writeln!(o, "</section>");
}

fn rejected(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "<section id=\"rows\"><h2>Rejected rows and protocol arithmetic</h2>"
    );
    if r.rejected_rows.is_empty() {
        let _ = writeln!(o, "<p>No row was rejected.</p>");
    } else {
        let _ = writeln!(
            o,
            "<p>{} rejected{}.</p><table><thead><tr><th class=\"num\">line</th><th>station</th>\
             <th>reason</th><th>detail</th></tr></thead><tbody>",
            plural(r.rejected_rows.len(), "row", "rows"),
            if r.rejected_rows.len() > REJECTED_SHOWN {
                format!(" (the first {REJECTED_SHOWN} listed; the JSON has all)")
            } else {
                String::new()
            }
        );
        for row in r.rejected_rows.iter().take(REJECTED_SHOWN) {
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                row.line,
                esc(&row.station),
                esc(&row.reason),
                esc(&row.detail)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    for c in r.checks.iter().filter(|c| c.id == "protocol-arithmetic") {
        let _ = writeln!(o, "<p><b>Protocol arithmetic:</b> {}</p>", esc(&c.summary));
        let listed = c.detail.get("stations").and_then(|s| s.as_object());
        for (kind, ids) in listed.into_iter().flatten() {
            let ids: Vec<String> = ids
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .map(esc)
                .collect();
            if !ids.is_empty() {
                let _ = writeln!(o, "<p>{}: {}</p>", esc(kind), ids.join(", "));
            }
        }
    }
    let _ = writeln!(o, "</section>");
}

fn reproduce(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "<section id=\"reproduce\"><h2>Reproduce this report</h2><table>\
         <tr><th>command</th><td><code>{}</code></td></tr>\
         <tr><th>seed</th><td>{}</td></tr>\
         <tr><th>elaudit</th><td>{} {}</td></tr>\
         <tr><th>input</th><td><code>{}</code></td></tr>\
         <tr><th>input SHA-256</th><td><code>{}</code></td></tr>\
         <tr><th>alpha</th><td>{}</td></tr></table>\
         <p class=\"muted\">The same command, seed, version and input give the same report at any \
         thread count.</p></section>",
        esc(&r.command),
        r.seed,
        esc(&r.tool),
        esc(&r.version),
        esc(&r.input.path),
        esc(&r.input.sha256),
        super::alpha_text(r.alpha)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(esc("<script>'&'"), "&lt;script&gt;&#39;&amp;&#39;");
    }
}
