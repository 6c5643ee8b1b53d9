use elaudit::checks::{Check, CheckContext, CheckOptions, RoundPercent};
use elaudit::simulate::*;
fn main() {
    let which = std::env::args().nth(1).unwrap();
    let spec = ElectionSpec::clean(100_000);
    let sim = simulate(&spec, 1);
    if which == "rp" {
        let o = CheckOptions::default();
        let r = RoundPercent.run(&CheckContext { data: &sim.dataset, options: &o });
        println!("{:?}", r[0].p_value);
    }
}
