//! The HTML report of 100,000 simulated stations in 85 regions: the charts' binning (done
//! during the audit) and the rendering. Targets: together under 1 s; the page under 5 MB
//! (checked here on every run, since a chart per station would break it).

use criterion::{Criterion, criterion_group, criterion_main};
use elaudit::audit::{AuditOptions, run_audit};
use elaudit::report::{CheckResult, Family, FingerprintMaps, render_html};
use elaudit::result::charts::{fingerprint_charts, percent_histogram};
use elaudit::simulate::{ElectionSpec, simulate};

fn bench(c: &mut Criterion) {
    let mut spec = ElectionSpec::clean(100_000);
    spec.regions = 85;
    let data = simulate(&spec, 85).dataset;
    let mut opts = AuditOptions {
        by_region: true,
        only: Some(vec![
            "protocol-arithmetic".into(),
            "second-digit".into(),
            "last-digit".into(),
            "integer-percent".into(),
        ]),
        ..AuditOptions::default()
    };
    opts.checks.charts = true;
    let mut report = run_audit(&data, &opts);
    // The fingerprint's maps without its fit (seconds): the observed map three times over,
    // as the page draws it when the fair and fraud maps are filled in.
    let mut charts = fingerprint_charts(&data);
    if let Some(FingerprintMaps {
        observed,
        fair,
        fraud,
        ..
    }) = charts.fingerprint.as_mut()
    {
        *fair = Some(observed.clone());
        *fraud = Some(observed.clone());
    }
    report.checks.push(CheckResult {
        charts,
        ..CheckResult::applicable("fingerprint", "winner-share", Family::Holm, 100_000)
    });
    let page = render_html(&report);
    println!("HTML report of 100,000 stations: {} bytes", page.len());
    assert!(page.len() < 5_000_000, "{} bytes", page.len());

    let pairs: Vec<(u64, u64)> = data
        .stations
        .iter()
        .filter_map(|s| s.registered.map(|r| (s.ballots.into(), r.into())))
        .collect();
    let mut group = c.benchmark_group("html-report");
    group.sample_size(10);
    group.bench_function("render 100k stations, 85 regions", |b| {
        b.iter(|| render_html(&report))
    });
    group.bench_function("bin the charts of 100k stations", |b| {
        b.iter(|| {
            (
                fingerprint_charts(&data),
                percent_histogram("turnout", &pairs),
                percent_histogram("result", &pairs),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
