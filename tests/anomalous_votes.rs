use elaudit::checks::anomalous_votes::anomalous_votes_result;
use elaudit::simulate::{ElectionSpec, simulate};

#[test]
fn explore() {
    for n in [5000usize, 20000] {
        let mut cover = 0;
        for seed in 0..20u64 {
            let spec = ElectionSpec::clean(n);
            let sim = simulate(&spec, seed);
            let r = anomalous_votes_result(&sim.dataset, seed, 200);
            let lo = r.detail["ci_low"].as_f64().unwrap();
            let hi = r.detail["ci_high"].as_f64().unwrap();
            let c = lo <= 0.0 && 0.0 <= hi;
            cover += c as u32;
            println!("n={n} seed={seed} est={:.0} share={:.4} ci=[{lo:.0},{hi:.0}] mode={} {}", r.statistic.unwrap(), r.effect.as_ref().unwrap().value, r.detail["mode_bin"], c);
        }
        println!("cover {cover}/20");
    }
    for (inc, ext) in [(0.0, 0.05), (0.2, 0.0), (0.1, 0.03), (0.3, 0.1)] {
        for seed in 0..5u64 {
            let mut spec = ElectionSpec::clean(20000);
            spec.fraud.incremental = inc;
            spec.fraud.extreme = ext;
            let sim = simulate(&spec, seed);
            let r = anomalous_votes_result(&sim.dataset, seed, 200);
            let f = &sim.truth.fraud;
            println!("inc={inc} ext={ext} seed={seed} est={:.0} ci=[{},{}] mode={} added={} moved={} share={:.4}", r.statistic.unwrap(), r.detail["ci_low"], r.detail["ci_high"], r.detail["mode_bin"], f.ballots_added, f.votes_moved, r.effect.as_ref().unwrap().value);
        }
    }
}
