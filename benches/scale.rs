//! Issue #16's scale: a million simulated stations (50 regions) read from CSV and audited,
//! with every check but the fingerprint (which also has its own bench), and whole. Targets,
//! on 2 cores: the whole default audit of 1M stations under 20 s and 400 MB; without the
//! fingerprint under 8 s and 200 MB (peak memory is measured outside criterion: see
//! docs/performance.md, "Scale").

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use elaudit::audit::{AuditOptions, run_audit};
use elaudit::data::{LoadOptions, load};
use elaudit::simulate::{ElectionSpec, simulate, write_csv};

const STATIONS: usize = 1_000_000;

fn bench(c: &mut Criterion) {
    let mut spec = ElectionSpec::clean(STATIONS);
    spec.regions = 50;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("1m.csv");
    {
        let data = simulate(&spec, 7).dataset;
        let file = std::fs::File::create(&path).expect("the CSV is written");
        write_csv(&data, std::io::BufWriter::new(file)).expect("the CSV is written");
    }
    let path = path.to_str().expect("a UTF-8 path").to_string();
    let opts = AuditOptions {
        skip: vec!["fingerprint".into()],
        ..AuditOptions::default()
    };
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    group.bench_function("load 1M stations", |b| {
        b.iter(|| load(&path, &LoadOptions::default()).expect("the CSV loads"))
    });
    group.bench_function("load and audit 1M stations, fingerprint skipped", |b| {
        b.iter(|| {
            let data = load(&path, &LoadOptions::default()).expect("the CSV loads");
            black_box(run_audit(&data, &opts))
        })
    });
    group.bench_function("load and audit 1M stations, every check", |b| {
        b.iter(|| {
            let data = load(&path, &LoadOptions::default()).expect("the CSV loads");
            black_box(run_audit(&data, &AuditOptions::default()))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
