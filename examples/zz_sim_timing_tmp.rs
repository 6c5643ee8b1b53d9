use elaudit::checks::RoundPercent;
fn main() {
    for (n, r, w) in [(5_000_000u64, 0.6049, 0.6761323055868536), (12_000_000, 0.69497, 0.41084908874846787), (1000, 0.7, 0.2713710418826206), (99_999, 0.6944, 0.33985957405647316)] {
        let g = RoundPercent::multiple_of_five_probability(n, r);
        println!("{n} {r} {g} {:e}", (g - w) / w);
    }
    let t = std::time::Instant::now();
    let mut s = 0.0;
    for i in 0..1_000_000u64 { s += RoundPercent::multiple_of_five_probability(1000 + i % 500, 0.6 + (i % 1000) as f64 * 1e-4); }
    println!("1M calls n~1250: {:?} {s}", t.elapsed());
}
