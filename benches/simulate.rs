//! `elaudit simulate`: one election of 1M stations, drawn in memory and written as
//! CSV. Target: the election in under 1 s on 2 cores.

use std::io::sink;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use elaudit::simulate::{ElectionSpec, simulate, write_csv};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1_000_000));
    let mut spec = ElectionSpec::clean(1_000_000);
    spec.fraud.incremental = 0.2;
    spec.fraud.extreme = 0.01;
    group.bench_function("1M", |b| b.iter(|| simulate(&spec, 7)));
    let sim = simulate(&spec, 7);
    group.bench_function("1M-write-csv", |b| {
        b.iter(|| write_csv(&sim.dataset, &mut sink()).expect("sink"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
