//! dev scratch
#[test]
#[ignore]
fn scratch_pvals() {
    let mut out = String::new();
    for n in [10usize, 15, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 40000, 72000] {
        for k in 0..60 {
            let t = 0.2 + 0.01 * k as f64;
            let d = t / (n as f64).sqrt();
            out.push_str(&format!("{n} {d:.17e} {:.17e}\n", elaudit::stats::dip::dip_p_value(d, n)));
        }
    }
    std::fs::write("/tmp/ip/pv.txt", out).unwrap();
}
#[test]
#[ignore]
fn scratch_p100() {
    for t in [0.44906f64, 0.40, 0.5, 0.57] {
        eprintln!("{t} {}", elaudit::stats::dip::dip_p_value(t / 10.0, 100));
    }
}
