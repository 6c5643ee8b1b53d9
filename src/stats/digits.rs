//! Digit extraction and Benford's first- and second-digit laws.

/// Leading digit of `x` (1-9), or `None` for 0.
pub fn first_digit(x: u64) -> Option<u8> {
    if x == 0 {
        return None;
    }
    let mut v = x;
    while v >= 10 {
        v /= 10;
    }
    Some(v as u8)
}

/// Second digit of `x` (0-9), or `None` for `x < 10`.
pub fn second_digit(x: u64) -> Option<u8> {
    if x < 10 {
        return None;
    }
    let mut v = x;
    while v >= 100 {
        v /= 10;
    }
    Some((v % 10) as u8)
}

/// Last digit of `x` (0-9).
pub fn last_digit(x: u64) -> u8 {
    (x % 10) as u8
}

/// Last two digits of `x` as a number 0-99 (tens digit times 10 plus units digit).
pub fn last_two_digits(x: u64) -> u8 {
    (x % 100) as u8
}

/// Benford's first-digit probabilities, index 0 for digit 1: `log10(1 + 1/d)`.
pub fn benford_first() -> [f64; 9] {
    std::array::from_fn(|i| (1.0 + 1.0 / (i as f64 + 1.0)).log10())
}

/// Benford's second-digit probabilities, index = digit:
/// `P(d) = sum over k = 1..9 of log10(1 + 1/(10k + d))`.
pub fn benford_second() -> [f64; 10] {
    std::array::from_fn(|d| {
        (1..=9)
            .map(|k| (1.0 + 1.0 / (10.0 * k as f64 + d as f64)).log10())
            .sum()
    })
}

/// Mean second digit under Benford's law, `sum d P(d)` (about 4.187).
pub fn benford_second_mean() -> f64 {
    benford_second()
        .iter()
        .enumerate()
        .map(|(d, p)| d as f64 * p)
        .sum()
}

/// Whether two last digits form a repeated pair (00, 11, ..., 99).
pub fn is_repeated_pair(pair: u8) -> bool {
    pair / 10 == pair % 10
}

/// Whether two last digits are adjacent: tens and units differ by exactly one, in either
/// order and without wrap-around between 0 and 9 (01, 10, 12, 21, ..., 89, 98): 18 of the
/// 100 pairs.
pub fn is_adjacent_pair(pair: u8) -> bool {
    (pair / 10).abs_diff(pair % 10) == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_digits() {
        assert_eq!(first_digit(0), None);
        assert_eq!(first_digit(7), Some(7));
        assert_eq!(first_digit(u64::MAX), Some(1));
        assert_eq!(second_digit(9), None);
        assert_eq!(second_digit(10), Some(0));
        assert_eq!(second_digit(4_987), Some(9));
        assert_eq!(second_digit(u64::MAX), Some(8));
        assert_eq!(last_digit(1_235), 5);
        assert_eq!(last_two_digits(7), 7);
        assert_eq!(last_two_digits(12_345), 45);
    }

    #[test]
    fn pair_classes_have_the_documented_sizes() {
        assert_eq!((0..100u8).filter(|&p| is_repeated_pair(p)).count(), 10);
        assert_eq!((0..100u8).filter(|&p| is_adjacent_pair(p)).count(), 18);
        assert!(is_adjacent_pair(1) && is_adjacent_pair(10) && is_adjacent_pair(98));
        assert!(!is_adjacent_pair(9) && !is_adjacent_pair(90));
    }

    #[test]
    #[allow(clippy::approx_constant)] // reference values from numpy, not hand-typed constants
    fn benford_laws_match_numpy() {
        let p1 = benford_first();
        let p2 = benford_second();
        assert!((p1.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((p2.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        // python3 -c "import numpy as np; print(repr(np.log10(2)))"
        assert!((p1[0] - 0.3010299956639812).abs() < 1e-15);
        // python3 -c "import numpy as np; print(repr(sum(np.log10(1+1/(10*k)) for k in range(1,10))))"
        assert!((p2[0] - 0.11967926859688076).abs() < 1e-14);
        // python3 -c "import numpy as np; d=np.arange(10); p=np.array([sum(np.log10(1+1/(10*k+x)) for k in range(1,10)) for x in d]); print(repr((d*p).sum()))"
        assert!((benford_second_mean() - 4.1873897069289425).abs() < 1e-12);
    }
}
