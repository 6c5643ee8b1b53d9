//! `small-stations` on 100,000 simulated stations in 2,000 localities, 1,000 permutations
//! (target: under a second).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use elaudit::checks::small_stations::{SmallStations, small_stations_result};
use elaudit::simulate::{ElectionSpec, Localities, simulate};

fn bench(c: &mut Criterion) {
    let spec = ElectionSpec {
        localities: Localities {
            per_region: 200,
            sd: 0.3,
        },
        ..ElectionSpec::clean(100_000)
    };
    let data = simulate(&spec, 1).dataset;
    let settings = SmallStations::default();
    let mut g = c.benchmark_group("small-stations");
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("100k stations, 1000 permutations", |b| {
        b.iter(|| small_stations_result(&data, &settings, 42))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
