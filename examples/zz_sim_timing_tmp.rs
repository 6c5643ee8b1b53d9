use elaudit::checks::{Check, CheckContext, CheckOptions, RoundPercent};
use elaudit::simulate::*;
fn main() {
    let spec = ElectionSpec::clean(1_000_000);
    let mut sim = None;
    for s in 0..4 {
        let t = std::time::Instant::now();
        sim = Some(simulate(&spec, s));
        println!("simulate 1M: {:?}", t.elapsed());
    }
    let sim = sim.unwrap();
    let o = CheckOptions::default();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = RoundPercent.run(&CheckContext {
            data: &sim.dataset,
            options: &o,
        });
        println!("round-percent 1M: {:?} {:?}", t.elapsed(), r[0].p_value);
    }
    let k = kz2022();
    let t = std::time::Instant::now();
    let _ = simulate(&k, 2022);
    println!("kz2022: {:?}", t.elapsed());
}
