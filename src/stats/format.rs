//! Wording of numbers in the checks' one-sentence summaries.

/// A p-value as `p = 0.52`, `p = 0.0027`, `p = 3.1e-12`, or `p < 1e-300` for an underflow.
pub fn format_p(p: f64) -> String {
    if p.is_nan() {
        "p not available".to_string()
    } else if p <= 0.0 {
        "p < 1e-300".to_string()
    } else {
        format!("p = {}", p_value(p))
    }
}

/// A p-value's number alone, for tables: `0.52`, `0.0027`, `3.1e-12`, `< 1e-300`, `1`,
/// or `-` when not a number. [`format_p`] words the same number in sentences.
pub fn p_value(p: f64) -> String {
    if p.is_nan() {
        "-".to_string()
    } else if p <= 0.0 {
        // An upper tail that underflowed is below the smallest normal f64, not zero.
        "< 1e-300".to_string()
    } else if p >= 0.9995 {
        "1".to_string()
    } else if p >= 1e-4 {
        // Two significant digits, in fixed notation.
        let decimals = (1 - p.log10().floor() as i32).max(2) as usize;
        format!("{p:.decimals$}")
    } else {
        format!("{p:.1e}")
    }
}

/// A share as a percentage with one decimal, e.g. `21.3%`.
pub fn format_percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// 12345678 -> "12,345,678".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(12_345_678), "12,345,678");
    }

    #[test]
    fn p_values_read_naturally() {
        assert_eq!(format_p(0.5241), "p = 0.52");
        assert_eq!(format_p(0.0027), "p = 0.0027");
        assert_eq!(format_p(0.01), "p = 0.010");
        assert_eq!(format_p(3.1e-12), "p = 3.1e-12");
        assert_eq!(format_p(0.0), "p < 1e-300");
        assert_eq!(format_p(1.0), "p = 1");
        assert_eq!(format_percent(0.2134), "21.3%");
        assert_eq!(p_value(3.2e-40), "3.2e-40");
        assert_eq!(p_value(0.0), "< 1e-300");
        assert_eq!(p_value(f64::NAN), "-");
    }
}
