//! A full `--by-region` audit (every check, the fingerprint fit included) of 100,000
//! simulated stations in 85 regions. Target: under 20 s on 2 cores.

use criterion::{Criterion, criterion_group, criterion_main};
use elaudit::audit::{AuditOptions, run_audit};
use elaudit::simulate::{ElectionSpec, simulate};

fn bench(c: &mut Criterion) {
    let mut spec = ElectionSpec::clean(100_000);
    spec.regions = 85;
    let data = simulate(&spec, 85).dataset;
    let opts = AuditOptions {
        by_region: true,
        ..AuditOptions::default()
    };
    let mut group = c.benchmark_group("by-region");
    group.sample_size(10);
    group.bench_function("100k stations, 85 regions", |b| {
        b.iter(|| run_audit(&data, &opts))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
