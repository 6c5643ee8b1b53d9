//! Load, validation and all checks of the foundation, on simulated elections of
//! 100k and 1M stations. Target: 1M stations in under 2 s on 2 cores.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use elaudit::audit::{AuditOptions, run_audit};
use elaudit::data::{LoadOptions, load_reader};
use elaudit::simulate::{ElectionSpec, simulate, write_csv};

fn csv_of(stations: usize) -> Vec<u8> {
    let sim = simulate(&ElectionSpec::clean(stations), 2024);
    let mut out = Vec::new();
    write_csv(&sim.dataset, &mut out).expect("in-memory write");
    out
}

/// The foundation's checks: validation findings, the digit tests and round percentages.
fn foundation() -> AuditOptions {
    AuditOptions {
        only: Some(
            [
                "protocol-arithmetic",
                "second-digit",
                "last-digit",
                "digit-pairs",
                "first-digit",
                "round-percent",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ..AuditOptions::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    for &n in &[100_000usize, 1_000_000] {
        let csv = csv_of(n);
        let opts = LoadOptions::default();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("load", n), &csv, |b, csv| {
            b.iter(|| load_reader("bench.csv", csv.as_slice(), &opts).expect("loads"))
        });
        let data = load_reader("bench.csv", csv.as_slice(), &opts).expect("loads");
        group.bench_with_input(BenchmarkId::new("checks", n), &data, |b, data| {
            b.iter(|| run_audit(data, &foundation()))
        });
        group.bench_with_input(BenchmarkId::new("load+checks", n), &csv, |b, csv| {
            b.iter(|| {
                let data = load_reader("bench.csv", csv.as_slice(), &opts).expect("loads");
                run_audit(&data, &foundation())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
