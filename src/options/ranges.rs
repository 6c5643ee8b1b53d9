//! Each numeric flag's range, checked by clap as it reads the flag. A value out of range
//! and a value that is not a number get the same message, whether written `--flag V` or
//! `--flag=V`. The flags take values that start with `-` (`allow_hyphen_values`: clap's
//! negative-number test misses `-1e-3` and `-inf`), so that `-1` gets this message rather
//! than clap's tip to write `-- -1`.

use thiserror::Error;

use crate::checks::{anomalous_votes, integer_percent, small_stations};
use crate::simulate::MAX_STATIONS;

/// What a flag takes; clap prints it after "invalid value 'V' for '--flag <V>': ".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be {expected}")]
pub struct RangeError {
    pub expected: String,
}

/// Most replicates a check may be asked for: beyond this a big file would run for hours.
pub const MAX_REPLICATES: u64 = 100_000;

/// Most worker threads: more only adds overhead, and a typo would start thousands.
pub const MAX_THREADS: u64 = 1024;

/// `--alpha`: a significance level.
pub fn alpha(s: &str) -> Result<f64, RangeError> {
    real(s, |a| a > 0.0 && a < 1.0, "in (0, 1), e.g. 0.01")
}

/// `--fingerprint-margin`: a share of all ballots.
pub fn fingerprint_margin(s: &str) -> Result<f64, RangeError> {
    real(
        s,
        |m| (0.0..1.0).contains(&m),
        "a share of ballots in [0, 1), e.g. 0.005 for 0.5%",
    )
}

/// `--fingerprint-replicates`: an interval needs at least two.
pub fn fingerprint_replicates(s: &str) -> Result<usize, RangeError> {
    count(s, 2, MAX_REPLICATES, 50)
}

/// `--fingerprint-null-replicates`: the null tail needs a few to fit.
pub fn fingerprint_null_replicates(s: &str) -> Result<usize, RangeError> {
    count(s, 5, MAX_REPLICATES, 30)
}

/// `--fingerprint-max-stations`: 0 fits every station; a sample needs a thousand.
pub fn fingerprint_max_stations(s: &str) -> Result<usize, RangeError> {
    match s.trim() {
        "0" => Ok(0),
        _ => count(s, 1_000, u64::MAX, 100_000).map_err(|e| RangeError {
            expected: format!("0 (every station) or {}", e.expected),
        }),
    }
}

/// `--integer-percent-replicates`: 0 turns the Monte Carlo off.
pub fn integer_percent_replicates(s: &str) -> Result<usize, RangeError> {
    off_or_spread(s, integer_percent::DEFAULT_REPLICATES as u64)
}

/// 0 (off), or enough replicates for a spread or an interval: one replicate gives an
/// sd of 0 and an interval of one point.
fn off_or_spread(s: &str, example: u64) -> Result<usize, RangeError> {
    match count(s, 0, MAX_REPLICATES, example) {
        Ok(v) if v != 1 => Ok(v),
        _ => Err(RangeError {
            expected: format!(
                "0 (off) or a whole number from 2 to {MAX_REPLICATES}, e.g. {example}"
            ),
        }),
    }
}

/// `--anomalous-votes-replicates`: 0 turns the bootstrap off.
pub fn anomalous_votes_replicates(s: &str) -> Result<usize, RangeError> {
    off_or_spread(s, anomalous_votes::DEFAULT_REPLICATES as u64)
}

/// `--small-quantile`: a share of each neighbourhood's stations, at most half (beyond
/// it "small" would be most stations).
pub fn small_quantile(s: &str) -> Result<f64, RangeError> {
    real(
        s,
        |q| q > 0.0 && q <= 0.5,
        "a share of stations in (0, 0.5], e.g. 0.333",
    )
}

/// `--small-stations-replicates`: the fitted tail needs a few dozen.
pub fn small_stations_replicates(s: &str) -> Result<usize, RangeError> {
    count(
        s,
        20,
        MAX_REPLICATES,
        small_stations::DEFAULT_REPLICATES as u64,
    )
}

/// `--threads`.
pub fn threads(s: &str) -> Result<usize, RangeError> {
    count(s, 1, MAX_THREADS, 4)
}

/// `--last-digit-min`: any count, 0 included.
pub fn last_digit_min(s: &str) -> Result<u64, RangeError> {
    whole(s, 0, u64::MAX, 100)
}

/// `--seed` of `audit` and `simulate`.
pub fn seed(s: &str) -> Result<u64, RangeError> {
    whole(s, 0, u64::MAX, 42).map_err(|_| RangeError {
        expected: format!("a whole number from 0 to {} (2^64 − 1), e.g. 42", u64::MAX),
    })
}

/// `simulate --stations`.
pub fn stations(s: &str) -> Result<usize, RangeError> {
    count(s, 0, MAX_STATIONS as u64, 10_000)
}

/// `simulate --regions`.
pub fn regions(s: &str) -> Result<usize, RangeError> {
    count(s, 1, MAX_STATIONS as u64, 10)
}

/// `simulate --localities`: 0 writes no locality column.
pub fn localities(s: &str) -> Result<usize, RangeError> {
    count(s, 0, MAX_STATIONS as u64, 20)
}

/// A real number for which `ok` holds; NaN and text fail it too.
fn real(s: &str, ok: impl Fn(f64) -> bool, expected: &str) -> Result<f64, RangeError> {
    match s.trim().parse::<f64>() {
        Ok(v) if ok(v) => Ok(v),
        _ => Err(RangeError {
            expected: expected.to_string(),
        }),
    }
}

/// A whole number in `lo..=hi`, as a `usize` (every range here fits one).
fn count(s: &str, lo: u64, hi: u64, example: u64) -> Result<usize, RangeError> {
    whole(s, lo, hi, example).map(|v| v as usize)
}

/// A whole number in `lo..=hi`.
fn whole(s: &str, lo: u64, hi: u64, example: u64) -> Result<u64, RangeError> {
    match s.trim().parse::<u64>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(RangeError {
            expected: if hi == u64::MAX {
                format!("a whole number, {lo} or more, e.g. {example}")
            } else {
                format!("a whole number from {lo} to {hi}, e.g. {example}")
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_takes_the_open_unit_interval_only() {
        assert_eq!(alpha("0.05"), Ok(0.05));
        for bad in ["0", "1", "-1", "1.5", "nan", "NaN", "inf", "abc", ""] {
            let e = alpha(bad).unwrap_err();
            assert_eq!(e.to_string(), "must be in (0, 1), e.g. 0.01", "{bad}");
        }
    }

    #[test]
    fn max_stations_takes_zero_or_a_thousand_and_more() {
        assert_eq!(fingerprint_max_stations("0"), Ok(0));
        assert_eq!(fingerprint_max_stations("1000"), Ok(1000));
        let msg = "must be 0 (every station) or a whole number, 1000 or more, e.g. 100000";
        for bad in ["999", "-1", "2.5", "all", ""] {
            assert_eq!(fingerprint_max_stations(bad).unwrap_err().to_string(), msg);
        }
    }

    #[test]
    fn counts_reject_negatives_fractions_and_text_alike() {
        assert_eq!(fingerprint_replicates("2"), Ok(2));
        assert_eq!(integer_percent_replicates("0"), Ok(0));
        let msg = "must be a whole number from 2 to 100000, e.g. 50";
        for bad in ["1", "-1", "2.5", "many", "100001"] {
            assert_eq!(fingerprint_replicates(bad).unwrap_err().to_string(), msg);
        }
        assert_eq!(
            last_digit_min("-1").unwrap_err().to_string(),
            "must be a whole number, 0 or more, e.g. 100"
        );
        assert_eq!(seed(&u64::MAX.to_string()), Ok(u64::MAX));
        let too_big = seed("18446744073709551616").unwrap_err().to_string();
        assert!(too_big.contains("18446744073709551615"), "{too_big}");
    }

    #[test]
    fn bootstrap_replicates_are_off_or_at_least_two() {
        assert_eq!(anomalous_votes_replicates("0"), Ok(0));
        assert_eq!(integer_percent_replicates("2"), Ok(2));
        for bad in ["1", "-1", "100001"] {
            let msg = anomalous_votes_replicates(bad).unwrap_err().to_string();
            assert!(
                msg.starts_with("must be 0 (off) or a whole number from 2"),
                "{msg}"
            );
            assert!(integer_percent_replicates(bad).is_err());
        }
    }

    #[test]
    fn margin_takes_zero_but_not_one() {
        assert_eq!(fingerprint_margin("0"), Ok(0.0));
        assert!(fingerprint_margin("1").is_err() && fingerprint_margin("-0.1").is_err());
    }
}
