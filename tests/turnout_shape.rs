//! dev scratch
#[test]
#[ignore]
fn scratch_dump_dips() {
    let s = std::fs::read_to_string("/tmp/ip/dipcheck/samples.txt").unwrap();
    let mut out = String::new();
    for line in s.lines() {
        let v: Vec<f64> = line.split(',').map(|t| t.parse().unwrap()).collect();
        out.push_str(&format!("{:.17e}\n", elaudit::stats::dip::dip(&v).unwrap()));
    }
    std::fs::write("/tmp/ip/dipcheck/rust.txt", out).unwrap();
}
#[test]
#[ignore]
fn scratch_time() {
    use rand::RngExt;
    let mut r = elaudit::montecarlo::batch_rng(1, "x", 0);
    for kind in 0..3 {
        let v: Vec<f64> = (0..100_000).map(|i| {
            let u: f64 = r.random();
            match kind { 0 => u, 1 => if i % 2 == 0 { u * 0.3 } else { 0.6 + u * 0.4 }, _ => (u * 1000.0).round() / 1000.0 }
        }).collect();
        let t = std::time::Instant::now();
        let d = elaudit::stats::dip::dip(&v).unwrap();
        eprintln!("kind {kind} dip {d} in {:?}", t.elapsed());
    }
}

/// Upper-tail levels of the table in src/stats/dip.rs.
const TAIL_LEVELS: [f64; 17] = [
    0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001,
];

#[test]
#[ignore]
fn print_dip_null_table() {
    use rand::RngExt;
    use rayon::prelude::*;
    let grid: [(usize, usize); 18] = [
        (10, 200_000), (15, 200_000), (20, 200_000), (30, 200_000), (50, 200_000), (75, 200_000),
        (100, 200_000), (150, 200_000), (200, 200_000), (300, 200_000), (500, 200_000),
        (1000, 200_000), (2000, 100_000), (5000, 100_000), (10_000, 100_000), (20_000, 100_000),
        (50_000, 50_000), (100_000, 40_000),
    ];
    const BATCH: usize = 1000;
    for (n, reps) in grid {
        let stream = format!("dip-null-{n}");
        let mut t: Vec<f64> = (0..reps / BATCH)
            .into_par_iter()
            .flat_map_iter(|b| {
                let mut rng = elaudit::montecarlo::batch_rng(20_240_601, &stream, b as u64);
                let mut x = vec![0.0f64; n];
                (0..BATCH)
                    .map(|_| {
                        // Sorted uniforms up to scale: cumulative exponential spacings.
                        let mut acc = 0.0;
                        for xi in x.iter_mut() {
                            let u: f64 = rng.random();
                            acc -= (1.0 - u).ln();
                            *xi = acc;
                        }
                        (n as f64).sqrt() * elaudit::stats::dip::dip_sorted(&x).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        let q: Vec<String> = TAIL_LEVELS
            .iter()
            .map(|p| {
                // type-7 quantile at 1 - p
                let h = (1.0 - p) * (t.len() - 1) as f64;
                let i = h.floor() as usize;
                let v = t[i] + (h - i as f64) * (t[(i + 1).min(t.len() - 1)] - t[i]);
                format!("{v:.5}")
            })
            .collect();
        println!("    ({n}, &[{}]),", q.join(", "));
    }
}
