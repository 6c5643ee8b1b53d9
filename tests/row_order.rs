//! Property test: shuffling the rows of a station file changes no statistic.
//!
//! Monte Carlo fields (integer-percent's replicates, bootstrap intervals, the fingerprint's
//! simulated stations) draw per station in file order, so only the order-free numbers are
//! compared: each result's statistic and p-value, to floating-point summation order.

use elaudit::audit::{AuditOptions, run_audit};
use elaudit::data::{LoadOptions, load_reader};
use elaudit::simulate::{ElectionSpec, simulate, write_csv};
use proptest::prelude::*;

fn sample_rows() -> (String, Vec<String>) {
    let mut spec = ElectionSpec::clean(400);
    spec.fraud.invented_counts = 0.1;
    let sim = simulate(&spec, 11);
    let mut out = Vec::new();
    write_csv(&sim.dataset, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines().map(String::from);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn shuffling_rows_changes_no_statistic(perm_seed in any::<u64>()) {
        let (header, rows) = sample_rows();
        // A Fisher-Yates shuffle driven by a SplitMix64 stream of the proptest seed.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut z = perm_seed;
        for i in (1..order.len()).rev() {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^= x >> 31;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled: String = std::iter::once(header.clone())
            .chain(order.iter().map(|&i| rows[i].clone()))
            .map(|l| l + "\n")
            .collect();
        let original: String = std::iter::once(header)
            .chain(rows)
            .map(|l| l + "\n")
            .collect();
        let opts = AuditOptions {
            skip: vec!["fingerprint".into()],
            ..AuditOptions::default()
        };
        let load = LoadOptions::default();
        let a = run_audit(&load_reader("a.csv", original.as_bytes(), &load).unwrap(), &opts);
        let b = run_audit(&load_reader("b.csv", shuffled.as_bytes(), &load).unwrap(), &opts);
        prop_assert_eq!(a.checks.len(), b.checks.len());
        for (x, y) in a.checks.iter().zip(&b.checks) {
            prop_assert_eq!(&x.id, &y.id);
            prop_assert_eq!(&x.subject, &y.subject);
            prop_assert_eq!(x.n, y.n);
            prop_assert!(close(x.statistic, y.statistic), "{} {}: {:?} vs {:?}", x.id, x.subject, x.statistic, y.statistic);
            prop_assert!(close(x.p_value, y.p_value), "{} {}: {:?} vs {:?}", x.id, x.subject, x.p_value, y.p_value);
        }
        prop_assert_eq!(a.input.registered, b.input.registered);
        prop_assert!(close(Some(a.input.winner_share), Some(b.input.winner_share)));
    }
}
