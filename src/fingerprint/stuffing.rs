//! Klimek et al.'s ballot-stuffing model (PNAS 2012), shared by the fingerprint's fit
//! and the simulator that plants it: a stuffed station of `N` registered voters and
//! `B` ballots gains `x(N − B)` ballots, all for the winner, and a share `x^α` of the
//! other candidates' votes moves to the winner. Incremental stuffing draws
//! `x ~ |N(0, θ)|`; extreme stuffing `x = 1 − |N(0, 0.075)|`.

use serde::Serialize;

/// Standard deviation of extreme fraud's shortfall from 1 (Klimek et al.).
pub const EXTREME_SD: f64 = 0.075;

/// Klimek et al.'s fraud parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fraud {
    /// Probability that a station is stuffed incrementally.
    pub f_incremental: f64,
    /// Probability that a station is stuffed to near 100%.
    pub f_extreme: f64,
    /// Scale of incremental intensity: `x ~ |N(0, θ)|`.
    pub theta: f64,
    /// Stealing exponent α: a share `x^α` of the other candidates' votes moves to the winner.
    pub steal_exponent: f64,
}

impl Fraud {
    /// No fraud (θ and α are then irrelevant).
    pub const NONE: Fraud = Fraud {
        f_incremental: 0.0,
        f_extreme: 0.0,
        theta: 0.1,
        steal_exponent: 1.0,
    };
}

/// Incremental fraud's intensity for standard normal draw `z`, capped at 1.
#[inline]
pub fn incremental_intensity(theta: f64, z: f64) -> f64 {
    (theta * z.abs()).min(1.0)
}

/// Extreme fraud's intensity for standard normal draw `z`, floored at 0.
#[inline]
pub fn extreme_intensity(z: f64) -> f64 {
    (1.0 - EXTREME_SD * z.abs()).max(0.0)
}

/// Which kind of fraud a station's uniform `u` selects: extreme below `f_e`,
/// incremental at or above `1 − f_i`, so that a small change in either fraction
/// changes few stations.
#[inline]
pub fn fraud_kind(u: f64, fraud: &Fraud) -> FraudKind {
    if u < fraud.f_extreme {
        FraudKind::Extreme
    } else if u >= 1.0 - fraud.f_incremental {
        FraudKind::Incremental
    } else {
        FraudKind::Fair
    }
}

/// What happened at a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FraudKind {
    Fair,
    Incremental,
    Extreme,
}

/// The share of the other candidates' votes that stuffing of intensity `x` moves to
/// the winner, `x^α`.
#[inline]
pub fn steal_share(x: f64, steal_exponent: f64) -> f64 {
    x.powf(steal_exponent)
}

/// Turnout from which a stuffed station counts as in the extreme corner: nearly all
/// of its registered voters' ballots were cast. Extreme stuffing lands there whether
/// or not it also moves the other candidates' votes (Klimek et al.'s stealing
/// exponent), so the winner's share is not part of the test.
pub const EXTREME_TURNOUT: f64 = 0.95;

/// Least stuffing intensity (the share of a station's non-voters whose ballots were
/// cast) for a station in the extreme corner. Where honest turnout is already about
/// 90%, mild stuffing also ends above 95%, and that is no corner that only fraud
/// reaches.
pub const EXTREME_INTENSITY: f64 = 0.5;

/// Whether a station stuffed with intensity `x` to turnout `t` is in the extreme
/// corner.
#[inline]
pub fn in_extreme_corner(t: f64, x: f64) -> bool {
    t >= EXTREME_TURNOUT && x >= EXTREME_INTENSITY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extreme_corner_asks_turnout_and_intensity_not_share() {
        // Extreme stuffing that moves no votes: 50% turnout, 50% share, x = 0.92
        // ends at 96% turnout with the winner at 74%: in the corner.
        let (n, b0, w0): (f64, f64, f64) = (1000.0, 500.0, 250.0);
        let x: f64 = 0.92;
        let added = x * (n - b0);
        let (t, s) = ((b0 + added) / n, (w0 + added) / (b0 + added));
        assert!((t - 0.96).abs() < 1e-12 && s < 0.75);
        assert!(in_extreme_corner(t, x));
        // Mild stuffing of an honest 93% station also ends above 95%: not the corner.
        assert!(!in_extreme_corner(0.96, 0.3));
        // Just short of 95% turnout: not the corner, whatever the intensity.
        assert!(!in_extreme_corner(0.949, 1.0));
        assert!(in_extreme_corner(EXTREME_TURNOUT, EXTREME_INTENSITY));
    }
}
