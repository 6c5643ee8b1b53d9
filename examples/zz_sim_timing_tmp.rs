use elaudit::simulate::*;
fn main() {
    let k0 = kz2022();
    if let SizeModel::Fixed(v) = &k0.size { println!("total {} max {} min {} >2900 {}", v.iter().sum::<u64>(), v.iter().max().unwrap(), v.iter().min().unwrap(), v.iter().filter(|x| **x > 2900).count()); }
    for tsd in [0.4, 0.45, 0.5, 0.55] { for ssd in [0.3, 0.35, 0.4] { for rsd in [0.25, 0.3, 0.35] {
        let mut k = k0.clone();
        k.turnout_sd = tsd; k.share_sd = ssd; k.region_sd = rsd;
        let sim = simulate(&k, 2022);
        let tt = &sim.truth.totals;
        let dt = 100.0*tt.turnout.unwrap() - 69.44;
        let dev: Vec<f64> = tt.votes.iter().zip(&k.shares).map(|(v, s)| 100.0*(*v as f64 / tt.valid as f64 - s)).collect();
        let others = 100.0 * tt.votes[1..6].iter().sum::<u64>() as f64 / tt.valid as f64 - 12.89;
        let worst = dev.iter().fold(dt.abs().max(others.abs()), |a, b| a.max(b.abs()));
        println!("{tsd} {ssd} {rsd}: worst {worst:.3} turnout {dt:+.3} others {others:+.3} shares {:?}", dev.iter().map(|d| format!("{d:+.3}")).collect::<Vec<_>>());
    }}}
}
