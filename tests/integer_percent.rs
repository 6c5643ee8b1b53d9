//! `integer-percent`: the integer rule, each station's exact probability, the Poisson-binomial
//! tail, the check on hand-made, simulated and (when present) the published Russian data.

mod common;

use elaudit::checks::integer_percent::{
    DEFAULT_REPLICATES, SUBJECTS, integer_percent_results, integer_probability, is_integer_percent,
    poisson_binomial_sf,
};
use elaudit::checks::{Check, CheckContext, CheckOptions, IntegerPercent};
use elaudit::data::{ColumnSpec, Dataset, LoadOptions};
use elaudit::report::{CheckResult, Family};
use elaudit::simulate::{ElectionSpec, SizeModel, simulate};
use rand::RngExt as _;

/// Relative tolerance for reference values.
const REL: f64 = 1e-9;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
}

/// A dataset from (registered, ballots, valid, invalid, winner votes) rows, with one other
/// candidate holding the rest of the valid votes.
fn dataset(rows: &[(u64, u64, u64, u64, u64)]) -> Dataset {
    common::dataset(
        &["W", "O"],
        rows.iter()
            .map(|&(r, b, v, i, w)| (r, b, v, i, vec![w, v.saturating_sub(w)])),
    )
}

fn subject<'a>(rs: &'a [CheckResult], s: &str) -> &'a CheckResult {
    rs.iter().find(|r| r.subject == s).expect("subject present")
}

fn num(r: &CheckResult, key: &str) -> f64 {
    r.detail[key].as_f64().unwrap_or(f64::NAN)
}

#[test]
fn integer_rule_is_inclusive_and_exact() {
    assert!(is_integer_percent(1, 20)); // 5%
    assert!(!is_integer_percent(3, 7)); // 42.857%
    assert!(is_integer_percent(0, 500)); // 0%
    assert!(is_integer_percent(500, 500)); // 100%
    // 0.05% and 1.05% sit exactly on the ±0.05 boundary, which counts.
    assert!(is_integer_percent(1, 2000));
    assert!(is_integer_percent(21, 2000));
    assert!(!is_integer_percent(22, 2000)); // 1.1%
    assert!(is_integer_percent(1, 2001)); // 0.04998%
    assert!(!is_integer_percent(1, 1999)); // 0.05003%
    assert!(!is_integer_percent(1, 0));
    // No overflow near u64::MAX: 50% exactly, and 50% plus one part in 1.8e19.
    let n = u64::MAX - 1;
    assert!(is_integer_percent(n / 2, n));
    assert!(is_integer_percent(n / 2 + 1, n));
    assert!(!is_integer_percent(n / 3 + n / 1000, n));
}

#[test]
fn integer_probability_matches_scipy() {
    // python3 -c "import numpy as np; from scipy.stats import binom
    // isint=lambda k,n: abs(2000*k-20*((200*k+n)//(2*n))*n)<=n
    // for n,k in [(100,37),(1000,600),(2345,1534),(150,2),(5000,2500),(101,99),(731,1),(12345,8024),(1999,1)]:
    //     ks=np.array([m for m in range(n+1) if isint(m,n)]); print(n,k,repr(binom.pmf(ks,n,k/n).sum()))"
    let cases: [(u64, u64, f64); 9] = [
        (100, 37, 1.0000000000000002),
        (1000, 600, 0.1),
        (2345, 1534, 0.0903475209894665),
        (150, 2, 0.3269807408328753),
        (5000, 2500, 0.10001011603432611),
        (101, 99, 0.9845056962862443),
        (731, 1, 0.367699222787572),
        (12345, 8024, 0.10221196651479834),
        (1999, 1, 0.3677874061188545),
    ];
    for (n, k, want) in cases {
        let got = integer_probability(n, k as f64 / n as f64);
        assert!(
            close(got, want.min(1.0), REL),
            "n={n} k={k}: {got} vs {want}"
        );
    }
    assert_eq!(integer_probability(500, 0.0), 1.0);
    assert_eq!(integer_probability(500, 1.0), 1.0);
    assert_eq!(integer_probability(0, 0.5), 0.0);
    assert_eq!(integer_probability(500, f64::NAN), 0.0);
    // Absurd electorates take the normal path, quickly. The percentage then concentrates at
    // 100p: certainly whole at 37%, half the time at the window's edge 37.05%, never at 37.2%.
    let t = std::time::Instant::now();
    let n = 1_000_000_000_000;
    assert!(close(integer_probability(n, 0.37), 1.0, 1e-12));
    assert!((integer_probability(n, 0.3705) - 0.5).abs() < 1e-3);
    assert!(integer_probability(n, 0.372) < 1e-12);
    assert!(close(integer_probability(u64::MAX, 0.5), 1.0, 1e-12));
    assert!(t.elapsed().as_secs_f64() < 1.0);
}

/// p_i = 0.02 + 0.3·frac(i·0.618033988749895), i = 1..=3000 (mean 510.0, sd 20.02).
fn golden_probs() -> Vec<f64> {
    (1..=3000)
        .map(|i| 0.02 + 0.3 * ((f64::from(i) * 0.618033988749895) % 1.0))
        .collect()
}

#[test]
fn poisson_binomial_tail_matches_saddlepoint_reference_and_exact_distribution() {
    // python3 - <<'EOF'
    // import numpy as np; from scipy.optimize import brentq; from scipy.stats import norm
    // p=np.array([0.02+0.3*((i*0.618033988749895)%1.0) for i in range(1,3001)])
    // pmf=np.zeros(len(p)+1); pmf[0]=1.0
    // for q in p: pmf[1:]=pmf[1:]*(1-q)+pmf[:-1]*q; pmf[0]*=(1-q)
    // sf=np.cumsum(pmf[::-1])[::-1]                      # exact P(X >= x)
    // K=lambda s: np.sum(np.log1p(p*np.expm1(s)))
    // T=lambda s: 1/(1+(1-p)/p*np.exp(-s))
    // def spa(x):                                        # Lugannani-Rice, Daniels' 2nd correction
    //     y=x-0.5; s=brentq(lambda s: T(s).sum()-y,-50,50,xtol=1e-15,rtol=1e-15)
    //     w=np.sign(s)*np.sqrt(2*(s*y-K(s))); u=2*np.sinh(s/2)*np.sqrt((T(s)*(1-T(s))).sum())
    //     return norm.sf(w)+norm.pdf(w)*(1/u-1/w)
    // for x in [450,490,500,520,560,600,650,700]: print(x, repr(spa(x)), repr(sf[x]))
    // EOF
    let cases: [(u64, f64, f64); 8] = [
        (450, 0.9989085250892278, 0.9989085195599657),
        (490, 0.8471443289352178, 0.8471440155227895),
        (500, 0.6987923598646535, 0.6987919120709337),
        (520, 0.31622386938457997, 0.3162234398721062),
        (560, 0.007167662082495795, 0.007167640820436634),
        (600, 5.798013279310534e-06, 5.797987967917835e-06),
        (650, 6.790181275892304e-12, 6.790142595825769e-12),
        (700, 4.6552333227528377e-20, 4.655202485785281e-20),
    ];
    let p = golden_probs();
    for (x, spa, exact) in cases {
        let got = poisson_binomial_sf(&p, x);
        // The same formula as the python reference.
        assert!(close(got, spa, REL), "x={x}: {got} vs saddlepoint {spa}");
        // And the approximation itself is within 1e-4 of the exact tail, down to 1e-20.
        assert!(close(got, exact, 1e-4), "x={x}: {got} vs exact {exact}");
    }
    // Edge cases: certain stations, impossible counts, the very top.
    assert_eq!(poisson_binomial_sf(&[1.0, 1.0, 0.5], 2), 1.0);
    assert_eq!(poisson_binomial_sf(&[1.0, 0.5], 3), 0.0);
    let top = poisson_binomial_sf(&[0.5; 10], 10);
    assert!(close(top, 0.5f64.powi(10), 1e-12), "{top}");
    let near = poisson_binomial_sf(&[0.5; 10], 9);
    assert!(close(near, 11.0 / 1024.0, 0.05), "{near}");
    assert_eq!(poisson_binomial_sf(&[], 0), 1.0);
}

#[test]
fn poisson_binomial_tail_agrees_with_monte_carlo() {
    // 20,000 seeded draws of the count; the tail at several points must lie within
    // 4 binomial standard errors of the approximation.
    let p = golden_probs();
    let reps = 20_000u64;
    let mut counts: Vec<u64> = Vec::with_capacity(reps as usize);
    for b in 0..(reps / 1000) {
        let mut rng = elaudit::montecarlo::batch_rng(7, "test-poisson-binomial", b);
        for _ in 0..1000 {
            counts.push(p.iter().filter(|&&q| rng.random::<f64>() < q).count() as u64);
        }
    }
    for x in [490u64, 510, 530, 550] {
        let want = poisson_binomial_sf(&p, x);
        let got = counts.iter().filter(|&&c| c >= x).count() as f64 / reps as f64;
        let se = (want * (1.0 - want) / reps as f64).sqrt();
        assert!((got - want).abs() <= 4.0 * se, "x={x}: MC {got} vs {want}");
    }
}

#[test]
fn counts_and_inclusion_on_a_hand_made_dataset() {
    // 150 good stations with 50% turnout and a 40% result: both integer.
    let mut rows = vec![(1000, 500, 490, 10, 200); 150];
    rows.extend([
        (99, 50, 50, 0, 20),       // registered below 100
        (1000, 995, 990, 5, 400),  // turnout 99.5%
        (1000, 500, 0, 0, 0),      // no ballots counted
        (1000, 500, 495, 5, 496),  // result 99.2%
        (1000, 990, 980, 10, 396), // turnout exactly 99%: kept
    ]);
    // Three stations with non-integer percentages: 45.3% turnout, 37.5% result.
    rows.extend([(1000, 453, 445, 8, 170); 3]);
    // A station where the winner was not on the ballot is left out.
    rows.push((1000, 500, 490, 10, 0));
    let mut d = dataset(&rows);
    let last = d.on_ballot.len() - 2;
    d.on_ballot[last] = false;
    let rs = integer_percent_results(&d, 42, 200);
    assert_eq!(rs.len(), 3);
    for r in &rs {
        assert_eq!(r.id, "integer-percent");
        assert_eq!(r.family, Family::Holm);
        assert!(r.applicable);
        assert_eq!(r.n, 154, "{}", r.subject);
        assert_eq!(r.detail["replicates"].as_u64(), Some(200));
    }
    // The 99% station: turnout integer, result 396/990 = 40% integer.
    assert_eq!(
        subject(&rs, "turnout").detail["observed"].as_u64(),
        Some(151)
    );
    assert_eq!(
        subject(&rs, "winner-result").detail["observed"].as_u64(),
        Some(151)
    );
    assert_eq!(
        subject(&rs, "either").detail["observed"].as_u64(),
        Some(151)
    );
    // 151 of 154 whole percentages where about a tenth are expected: overwhelming.
    let e = subject(&rs, "either");
    assert!(e.p_value.unwrap() < 1e-50, "{:?}", e.p_value);
    let expected = num(e, "expected");
    assert!(expected > 15.0 && expected < 60.0, "{expected}");
    assert!(close(num(e, "excess"), 151.0 - expected, 1e-12));
    let share = e.effect.as_ref().unwrap();
    assert_eq!(share.measure, "excess_share");
    assert!(close(share.value, (151.0 - expected) / 154.0, 1e-12));
    assert!(e.summary.starts_with("Excess share +"), "{}", e.summary);
    assert!(!e.summary.to_lowercase().contains("fraud"));
}

#[test]
fn not_applicable_without_registered_or_with_too_few_stations() {
    let mut d = dataset(&vec![(1000, 500, 490, 10, 200); 150]);
    d.roles.registered = false;
    for s in &mut d.stations {
        s.registered = None;
    }
    let rs = integer_percent_results(&d, 42, 10);
    assert_eq!(rs.len(), 3);
    assert!(rs.iter().all(|r| !r.applicable && r.p_value.is_none()));
    assert!(rs[0].summary.contains("registered"), "{}", rs[0].summary);

    let d = dataset(&vec![(1000, 500, 490, 10, 200); 99]);
    let rs = integer_percent_results(&d, 42, 10);
    assert!(rs.iter().all(|r| !r.applicable && r.n == 99));
    let rs = integer_percent_results(&Dataset::default(), 42, 10);
    assert!(rs.iter().all(|r| !r.applicable));
}

#[test]
fn monte_carlo_matches_the_exact_moments_and_is_thread_independent() {
    let sim = simulate(&ElectionSpec::clean(3000), 11).dataset;
    let opts = CheckOptions {
        seed: 5,
        ..CheckOptions::default()
    };
    let ctx = CheckContext::new(&sim, &opts);
    let rs = IntegerPercent.run(&ctx);
    for r in &rs {
        let (mean, sd) = (num(r, "mc_mean"), num(r, "mc_sd"));
        let (exp, exact_sd) = (num(r, "expected"), num(r, "sd"));
        let reps = DEFAULT_REPLICATES as f64;
        assert_eq!(r.detail["replicates"].as_u64(), Some(1000));
        // Mean within 4 standard errors; the sd within 4 of its own standard errors (~sd/sqrt(2B)).
        assert!(
            (mean - exp).abs() <= 4.0 * exact_sd / reps.sqrt(),
            "{}: {mean} vs {exp}",
            r.subject
        );
        assert!(
            (sd - exact_sd).abs() <= 4.0 * exact_sd / (2.0 * reps).sqrt(),
            "{}: {sd} vs {exact_sd}",
            r.subject
        );
        // The 0.999 quantile of the count lies about 3.1 sd above the mean.
        let q = num(r, "mc_q999");
        assert!(
            q > exp + 2.3 * exact_sd && q < exp + 4.5 * exact_sd,
            "{}: q999 {q}",
            r.subject
        );
    }
    // The same seed on one thread gives identical results.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let again = one.install(|| IntegerPercent.run(&ctx));
    assert_eq!(rs, again);
    // Another seed changes only the Monte Carlo figures.
    let other = integer_percent_results(&sim, 6, DEFAULT_REPLICATES);
    assert_eq!(rs[2].detail["expected"], other[2].detail["expected"]);
    assert_ne!(rs[2].detail["mc_mean"], other[2].detail["mc_mean"]);
}

/// Rejections at 0.05 out of 200 seeds must lie in [2, 21] per subject; under the null the
/// count is Binomial(200, 0.05) and this band holds it with probability 0.999:
/// python3 -c "from scipy.stats import binom; print(binom.cdf(1,200,.05), binom.sf(21,200,.05))"
/// gives 0.00044 and 0.00048.
#[test]
fn calibrated_on_clean_simulations() {
    calibration(200, (2, 21));
}

/// The same over 1000 seeds, where Binomial(1000, 0.05) stays in [30, 72] with probability
/// 0.998 (binom.cdf(29,1000,.05) = 0.00072, binom.sf(72,1000,.05) = 0.0010). Run:
/// cargo test --release --test integer_percent calibrated -- --ignored --nocapture
#[test]
#[ignore]
fn calibrated_on_clean_simulations_1000_seeds() {
    calibration(1000, (30, 72));
}

fn calibration(seeds: u64, band: (u32, u32)) {
    let mut rejections = [0u32; 3];
    let mut p_sum = [0.0f64; 3];
    for seed in 0..seeds {
        let sim = simulate(&ElectionSpec::clean(3000), 1000 + seed).dataset;
        let rs = integer_percent_results(&sim, seed, 100);
        for (s, r) in rs.iter().enumerate() {
            let p = r.p_value.expect("applicable");
            rejections[s] += u32::from(p < 0.05);
            p_sum[s] += p;
        }
    }
    println!("rejections at 0.05 (turnout, winner-result, either): {rejections:?} of {seeds}");
    for s in 0..3 {
        assert!(
            (band.0..=band.1).contains(&rejections[s]),
            "subject {s}: {} of {seeds} below 0.05",
            rejections[s]
        );
        // The mean of a uniform p is 0.5, with sd 0.29/sqrt(seeds).
        let mean = p_sum[s] / seeds as f64;
        assert!(
            (mean - 0.5).abs() < 1.2 / (seeds as f64).sqrt(),
            "subject {s}: mean p {mean}"
        );
    }
}

/// p < 0.05 counts `[shape][subject]` over `seeds` elections of each degenerate shape.
fn degenerate_rejections(
    stations: usize,
    seeds: u64,
    edit: impl Fn(ElectionSpec) -> ElectionSpec,
) -> [[u32; 3]; 4] {
    let mut out = [[0u32; 3]; 4];
    for (kind, row) in out.iter_mut().enumerate() {
        let spec = edit(common::degenerate_shape(kind, stations));
        for seed in 0..seeds {
            let sim = simulate(&spec, 7_000 + seed).dataset;
            for (s, r) in integer_percent_results(&sim, seed, 0).iter().enumerate() {
                row[s] += u32::from(r.p_value.expect("applicable") < 0.05);
            }
        }
        eprintln!(
            "{stations} stations, {}: p < 0.05 in {row:?} of {seeds}",
            common::DEGENERATE_NAMES[kind]
        );
    }
    out
}

/// The null plugs in each station's own rate, as the paper does (round-percent's issue #13);
/// on ordinary stations the binomial noise hides the 1-point lattice and that does no harm.
/// Each degenerate shape and subject rejects at 0.05 at most 12 of 100 and 5 of 25 times
/// (python3 -c "from scipy.stats import binom; print(binom.sf(12,100,.05),
/// binom.sf(5,25,.05))": 0.0015 and 0.0012). Measured (turnout, winner-result, either) at
/// 3,000 stations over 200 seeds: example 8, 12, 9; flat 2, 9, 6; between 6, 6, 7;
/// flat-regions 9, 7, 8; at 20,000 over 100: 2, 7, 5; 4, 3, 3; 1, 7, 3; 7, 3, 3.
#[test]
fn calibrated_on_degenerate_shapes() {
    for (stations, seeds, most) in [(3000, 100, 12), (20_000, 25, 5)] {
        let counts = degenerate_rejections(stations, seeds, |s| s);
        for (kind, row) in counts.iter().enumerate() {
            for (subject, &n) in SUBJECTS.iter().zip(row) {
                let name = common::DEGENERATE_NAMES[kind];
                assert!(
                    n <= most,
                    "{stations} stations, {name}, {subject}: {n} of {seeds}"
                );
            }
        }
    }
}

/// Exploration: `IP_STATIONS=20000 IP_SEEDS=200 cargo test --release --test integer_percent
/// degenerate_sweep -- --ignored --nocapture`; `IP_MEDIAN` changes the station size. The
/// plug-in shows with very large stations: at `IP_MEDIAN=10000` (3,000 stations, 100 seeds)
/// flat turnout rejects 13 and `either` 17 of 100; at 20,000, 95 and 96 (and `between`
/// none), while at 5,000 every count stays within 3–9.
#[test]
#[ignore]
fn degenerate_sweep() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let edit = |mut s: ElectionSpec| {
        if let Ok(m) = std::env::var("IP_MEDIAN") {
            let median = m.parse().expect("IP_MEDIAN");
            s.size = SizeModel::LogNormal { median, sigma: 0.5 };
        }
        s
    };
    degenerate_rejections(
        env("IP_STATIONS", 3000) as usize,
        env("IP_SEEDS", 100),
        edit,
    );
}

#[test]
fn detects_integer_percentages_planted_in_five_percent_of_stations() {
    let mut hits = 0;
    for seed in 0..20 {
        let mut spec = ElectionSpec::clean(3000);
        spec.fraud.integer_percent = 0.05;
        let sim = simulate(&spec, 500 + seed).dataset;
        let rs = integer_percent_results(&sim, seed, 100);
        let hit = ["either", "turnout"]
            .iter()
            .any(|s| subject(&rs, s).p_value.is_some_and(|p| p < 0.01));
        hits += u32::from(hit);
    }
    assert!(hits >= 19, "detected in {hits} of 20");
}

/// The Kobak et al. mapping of a dkobak/elections file, from its header: registered is
/// column 4, ballots are the three "issued" lines (columns 6-8), invalid and valid are
/// columns 12 and 13, and the candidates run from column 22 to the `url` column.
fn russian_spec(path: &std::path::Path) -> ColumnSpec {
    let file = std::fs::File::open(path).expect("open");
    let mut rdr = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    let h: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let last = h.iter().position(|c| c == "url").unwrap_or(h.len());
    ColumnSpec {
        id: vec![h[0].clone(), h[1].clone(), h[2].clone()],
        region: vec![h[0].clone()],
        registered: vec![h[3].clone()],
        ballots: vec![h[5].clone(), h[6].clone(), h[7].clone()],
        invalid: vec![h[11].clone()],
        valid: vec![h[12].clone()],
        candidates: h[21..last].iter().map(|c| c.as_str().into()).collect(),
        ..ColumnSpec::default()
    }
}

/// Kobak, Shpilkin and Pshenichnikov (2016): included stations and observed counts exactly,
/// the excess within one Monte Carlo sd of the published one, the exact expectation as given
/// (and as recomputed with scipy from the same file).
fn published(folder: &str, file: &str, included: u64, observed: u64, expected: f64, excess: f64) {
    let Some(dir) = common::shared_data("") else {
        return;
    };
    let path = dir.join(folder).join(file);
    let opts = LoadOptions {
        spec: russian_spec(&path),
        ..LoadOptions::default()
    };
    let data = elaudit::data::load(path.to_str().expect("utf-8 path"), &opts).expect("loads");
    let rs = integer_percent_results(&data, 42, DEFAULT_REPLICATES);
    let e = subject(&rs, "either");
    println!(
        "{folder}: {} sd {} p {:?}",
        e.summary,
        num(e, "sd"),
        e.p_value
    );
    assert_eq!(e.n, included);
    assert_eq!(e.detail["observed"].as_u64(), Some(observed));
    assert!(
        (num(e, "expected") - expected).abs() < 0.05,
        "expected {}",
        num(e, "expected")
    );
    let mc_sd = num(e, "mc_sd");
    let mc_excess = observed as f64 - num(e, "mc_mean");
    assert!(
        (mc_excess - excess).abs() <= mc_sd,
        "MC excess {mc_excess} vs {excess} (sd {mc_sd})"
    );
    assert!(e.p_value.unwrap() < 1e-10);
}

#[test]
fn russia_2011_published_figures() {
    // Kobak et al.: 86,718 included, 17,803 observed, excess 1003.5 (MC sd 113.1); the exact
    // expectation 16,800.4 (recomputed with scipy.stats.binom from the same file: 16800.43).
    published(
        "ru-duma-2011",
        "russia_duma_2011_uik.csv.gz",
        86_718,
        17_803,
        16_800.43,
        1003.5,
    );
}

#[test]
fn russia_2012_published_figures() {
    // Kobak et al.: 87,623 included, 18,025 observed, excess 1159.6 (MC sd 116.3); the exact
    // expectation 16,864.0 (recomputed with scipy.stats.binom from the same file: 16864.04).
    published(
        "ru-pres-2012",
        "russia_president_2012_uik.csv.gz",
        87_623,
        18_025,
        16_864.04,
        1159.6,
    );
}

/// 100,000 stations, exact expectation and 1000 replicates; prints the time.
/// Run: cargo test --release --test integer_percent timing -- --ignored --nocapture
#[test]
#[ignore]
fn timing_on_100k_stations() {
    let sim = simulate(&ElectionSpec::clean(100_000), 3).dataset;
    let t = std::time::Instant::now();
    let rs = integer_percent_results(&sim, 42, DEFAULT_REPLICATES);
    println!(
        "100k stations, 1000 replicates: {:?} ({} included)",
        t.elapsed(),
        rs[0].n
    );
}
