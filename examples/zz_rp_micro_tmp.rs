fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
fn main() {
    let v = std::env::args().nth(1).unwrap();
    let c = cpu();
    let mut s = 0.0;
    for i in 0..2_000_000u64 {
        let n = 300 + (i * 7919) % 2000; let r = 0.3 + (i % 5000) as f64 * 1e-4;
        s += if v == "walk" { elaudit::checks::RoundPercent::tmp_walk(n, r) } else { elaudit::checks::RoundPercent::tmp_bins(n, r) };
    }
    println!("{v}: {:.3}s {s}", cpu() - c);
}
