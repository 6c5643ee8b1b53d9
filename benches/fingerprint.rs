//! The `fingerprint` check: a full fit with intervals (the fit, the fair-only fit, the
//! bootstrap and the null replicates) on simulated elections with planted ballot
//! stuffing. Target: 100,000 stations in under 10 s on 2 cores.
//!
//! Groups: `full` at 100k stations with the default replicate counts; `sampled`, the
//! same defaults at 1M stations, which the fit samples down to 100k
//! ([`analyse_sampled`]); `stations` (25k to 100k, 10 + 10 replicates) and
//! `replicates` (50k stations, 5 to 40 of each) show how the cost grows.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use elaudit::fingerprint::bootstrap::{Settings, analyse};
use elaudit::fingerprint::model::Stations;
use elaudit::fingerprint::sample::analyse_sampled;
use elaudit::simulate::{ElectionSpec, simulate};

fn stations(n: usize) -> Stations {
    let mut spec = ElectionSpec::clean(n);
    spec.regions = 50;
    spec.fraud.incremental = 0.3;
    spec.fraud.extreme = 0.02;
    Stations::from_dataset(&simulate(&spec, 2024).dataset).0
}

fn bench(c: &mut Criterion) {
    let mut full = c.benchmark_group("fingerprint/full");
    full.sample_size(10)
        .measurement_time(Duration::from_secs(60));
    let st = stations(100_000);
    full.throughput(Throughput::Elements(st.len() as u64));
    full.bench_function("100k", |b| {
        b.iter(|| analyse(&st, &Settings::default(), 42))
    });
    full.finish();

    let mut sampled = c.benchmark_group("fingerprint/sampled");
    sampled
        .sample_size(10)
        .measurement_time(Duration::from_secs(120));
    let st = stations(1_000_000);
    sampled.throughput(Throughput::Elements(st.len() as u64));
    sampled.bench_function("1M", |b| {
        b.iter(|| analyse_sampled(&st, &Settings::default(), 42))
    });
    sampled.finish();

    let few = Settings {
        replicates: 10,
        null_replicates: 10,
        ..Settings::default()
    };
    let mut by_n = c.benchmark_group("fingerprint/stations");
    by_n.sample_size(10)
        .measurement_time(Duration::from_secs(30));
    for n in [25_000usize, 50_000, 100_000] {
        let st = stations(n);
        by_n.throughput(Throughput::Elements(n as u64));
        by_n.bench_with_input(BenchmarkId::from_parameter(n), &st, |b, st| {
            b.iter(|| analyse(st, &few, 42))
        });
    }
    by_n.finish();

    let mut by_b = c.benchmark_group("fingerprint/replicates");
    by_b.sample_size(10)
        .measurement_time(Duration::from_secs(30));
    let st = stations(50_000);
    for b_count in [5usize, 10, 20, 40] {
        let settings = Settings {
            replicates: b_count,
            null_replicates: b_count,
            ..Settings::default()
        };
        by_b.bench_with_input(BenchmarkId::from_parameter(b_count), &settings, |b, s| {
            b.iter(|| analyse(&st, s, 42))
        });
    }
    by_b.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
