//! The logit-normal distribution of a rate, logit p ~ N(μ, σ²), and its mixture with the
//! binomial: the spread of station rates `round-percent`'s null draws from.
//!
//! Integrals over the normal are trapezoid sums on an evenly spaced grid. For an integrand
//! that is smooth at the grid's scale this converges faster than any power of the step
//! (the error is the normal's Fourier transform at 2π/step), so a step of half the
//! narrowest feature gives about 1e-12.

/// logit p ~ N(`mu`, `sigma`²); `sigma` = 0 is the point mass at expit(`mu`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogitNormal {
    pub mu: f64,
    pub sigma: f64,
}

/// Standard-normal grid for the moments: z in ±10 with step 1/16 (error ~ e^(−2π²·64)).
const Z_STEP: f64 = 1.0 / 16.0;
const Z_MAX: f64 = 10.0;
/// The spread is kept below this: rates at σ = 15 sit nearly all at 0 or 1.
pub const SIGMA_MAX: f64 = 15.0;

pub fn expit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Σ w f(z) over the standard normal by the trapezoid rule (weights normalised to 1).
fn normal_sum(mut f: impl FnMut(f64) -> f64) -> f64 {
    let steps = (Z_MAX / Z_STEP) as i64;
    let (mut sum, mut weight) = (0.0, 0.0);
    for i in -steps..=steps {
        let z = i as f64 * Z_STEP;
        let w = (-0.5 * z * z).exp();
        sum += w * f(z);
        weight += w;
    }
    sum / weight
}

impl LogitNormal {
    /// E[p] and Var[p].
    pub fn moments(&self) -> (f64, f64) {
        let mean = normal_sum(|z| expit(self.mu + self.sigma * z));
        let square = normal_sum(|z| expit(self.mu + self.sigma * z).powi(2));
        (mean, (square - mean * mean).max(0.0))
    }

    /// The logit-normal of mean `mean` and variance `rho`·mean(1 − mean), the spread
    /// capped at [`SIGMA_MAX`]. A mean of 0 or 1 gives a point mass there (μ = ∓∞).
    pub fn matching(mean: f64, rho: f64) -> LogitNormal {
        if mean <= 0.0 || mean >= 1.0 {
            let mu = if mean <= 0.0 {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            return LogitNormal { mu, sigma: 0.0 };
        }
        let mu = (mean / (1.0 - mean)).ln();
        if rho <= 0.0 {
            return LogitNormal { mu, sigma: 0.0 };
        }
        let target = rho * mean * (1.0 - mean);
        let at = |sigma: f64| LogitNormal {
            mu: mu_for_mean(mean, sigma),
            sigma,
        };
        let excess = |sigma: f64| at(sigma).moments().1 - target;
        if excess(SIGMA_MAX) <= 0.0 {
            return at(SIGMA_MAX);
        }
        at(solve_increasing(excess, 0.0, SIGMA_MAX, 1e-12))
    }
}

/// The μ at which a logit-normal of spread `sigma` has mean `mean` (0 < mean < 1):
/// the mean rises with μ, at rate E[p(1 − p)].
fn mu_for_mean(mean: f64, sigma: f64) -> f64 {
    let start = (mean / (1.0 - mean)).ln();
    let mean_at = |mu: f64| normal_sum(|z| expit(mu + sigma * z)) - mean;
    let width = 1.0 + 10.0 * sigma;
    solve_increasing(mean_at, start - width, start + width, 1e-14)
}

/// The root of an increasing `f` in [lo, hi] (Illinois false position), to `tol` in x; an
/// end where `f` does not change sign is returned as it is.
fn solve_increasing(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64, tol: f64) -> f64 {
    let (mut flo, mut fhi) = (f(lo), f(hi));
    if flo >= 0.0 {
        return lo;
    }
    if fhi <= 0.0 {
        return hi;
    }
    let mut side = 0;
    for _ in 0..200 {
        let x = (lo * fhi - hi * flo) / (fhi - flo);
        let x = if x > lo && x < hi { x } else { 0.5 * (lo + hi) };
        let fx = f(x);
        if fx == 0.0 || hi - lo < tol {
            return x;
        }
        if fx < 0.0 {
            (lo, flo) = (x, fx);
            if side == -1 {
                fhi *= 0.5;
            }
            side = -1;
        } else {
            (hi, fhi) = (x, fx);
            if side == 1 {
                flo *= 0.5;
            }
            side = 1;
        }
    }
    0.5 * (lo + hi)
}

/// How far the mixture's grid reaches, in σ: e^(−8²/2) ≈ 1.3e-14.
const REACH: f64 = 8.0;
/// The grid step as a share of the narrowest feature (tests: 1e-9 of scipy's integral).
const STEP: f64 = 0.65;

/// E[g(p)] for logit p ~ N(μ, σ²) where g is a binomial(n, p) probability; see
/// [`binomial_mixtures`].
pub fn binomial_mixture<const K: usize>(
    n: u64,
    d: LogitNormal,
    g: impl Fn(f64) -> [f64; K],
) -> [f64; K] {
    binomial_mixtures(n, &[d], g)[0]
}

/// E[g(p)] under each of several spreads of rates `ds`, where g is a binomial(n, p)
/// probability (its `K` values): smooth in logit p at the scale of the binomial's own
/// spread there, 1/√(n·p(1 − p)). One grid of logit p, anchored at 0, serves every spread,
/// so g is evaluated once per node: its step is half the narrowest of that noise (at its
/// narrowest within 4σ of any μ) and the spreads, and it reaches 8σ either side of each μ.
/// A point mass, or a spread under a quarter of the noise (it would make the step tiny),
/// is summed on its own grid.
pub fn binomial_mixtures<const K: usize>(
    n: u64,
    ds: &[LogitNormal],
    g: impl Fn(f64) -> [f64; K],
) -> Vec<[f64; K]> {
    let spread = |d: &LogitNormal| d.sigma > 0.0 && d.mu.is_finite();
    let noise = binomial_noise(n, ds.iter().filter(|d| spread(d)));
    let shared = |d: &LogitNormal| spread(d) && d.sigma >= 0.25 * noise;
    let together: Vec<LogitNormal> = ds.iter().copied().filter(shared).collect();
    let mut sums = grid_sums(&together, noise, &g).into_iter();
    ds.iter()
        .map(|d| match d {
            d if shared(d) => sums.next().expect("one sum per shared spread"),
            d if spread(d) => grid_sums(&[*d], noise.min(d.sigma), &g)[0],
            d => g(expit(d.mu)),
        })
        .collect()
}

/// 1/√(n·max p(1 − p)) over p within 4σ of each spread's μ: the binomial's narrowest
/// spread in logit p there (∞ without spreads).
fn binomial_noise<'a>(n: u64, ds: impl Iterator<Item = &'a LogitNormal>) -> f64 {
    let widest = ds
        .map(|d| {
            let (lo, hi) = (expit(d.mu - 4.0 * d.sigma), expit(d.mu + 4.0 * d.sigma));
            if lo < 0.5 && hi > 0.5 {
                0.25
            } else {
                (lo * (1.0 - lo)).max(hi * (1.0 - hi))
            }
        })
        .fold(0.0, f64::max);
    1.0 / (n as f64 * widest).sqrt()
}

/// The normalised trapezoid sums of g under each spread on the grid i·step, step = half
/// the narrowest of `noise` and the spreads; nodes outside every spread's reach are
/// skipped. Spreads must be positive.
fn grid_sums<const K: usize>(
    ds: &[LogitNormal],
    noise: f64,
    g: &impl Fn(f64) -> [f64; K],
) -> Vec<[f64; K]> {
    if ds.is_empty() {
        return Vec::new();
    }
    let step = STEP * ds.iter().map(|d| d.sigma).fold(noise, f64::min);
    let first = ds
        .iter()
        .map(|d| d.mu - REACH * d.sigma)
        .fold(f64::INFINITY, f64::min);
    let last = ds
        .iter()
        .map(|d| d.mu + REACH * d.sigma)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut sums = vec![([0.0; K], 0.0); ds.len()];
    for i in (first / step).floor() as i64..=(last / step).ceil() as i64 {
        let theta = i as f64 * step;
        let z = |d: &LogitNormal| (theta - d.mu) / d.sigma;
        if ds.iter().all(|d| z(d).abs() > REACH) {
            continue;
        }
        let values = g(expit(theta));
        for (d, (sum, weight)) in ds.iter().zip(sums.iter_mut()) {
            let z = z(d);
            if z.abs() <= REACH {
                let w = (-0.5 * z * z).exp();
                for (s, v) in sum.iter_mut().zip(values) {
                    *s += w * v;
                }
                *weight += w;
            }
        }
    }
    sums.into_iter()
        .map(|(sum, weight)| sum.map(|s| s / weight))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) -> bool {
        (got - want).abs() <= tol * want.abs().max(1e-300)
    }

    // The moments as scipy integrates them: python3 -c "import numpy as np; from scipy.special
    //   import expit; from scipy.stats import norm; from scipy.integrate import quad; mu=MU; s=S
    //   q=lambda f: quad(lambda z: f(expit(mu+s*z))*norm.pdf(z), -np.inf, np.inf,
    //   epsabs=1e-15, epsrel=1e-13, limit=500)[0]
    //   m=q(lambda p: p); print(repr(m), repr(q(lambda p: p*p)-m*m))"
    #[test]
    fn moments_match_scipy() {
        let cases = [
            (0.0, 0.5, 0.5000000000000001, 0.01395557756012028),
            (2.4, 0.3, 0.9139625766709025, 0.0005651722012148808),
            (-1.3, 1.7, 0.2948172214272268, 0.06559262727968758),
            (3.0, 2.5, 0.8368483076405183, 0.056585219183157176),
        ];
        for (mu, sigma, mean, var) in cases {
            let (m, v) = LogitNormal { mu, sigma }.moments();
            assert!(close(m, mean, 1e-12), "{mu} {sigma}: {m} vs {mean}");
            assert!(close(v, var, 1e-9), "{mu} {sigma}: {v} vs {var}");
        }
    }

    // The logit-normal of mean M and variance R·M(1−M), solved in scipy with the moments
    // above (q as above, with mu and s as arguments): python3 -c "...; from scipy.optimize
    //   import brentq; mu_for=lambda s: brentq(lambda mu: mom(mu,s)[0]-M, -60, 60,
    //   xtol=1e-15); s=brentq(lambda s: mom(mu_for(s),s)[1]-R*M*(1-M), 1e-9, 15, xtol=1e-15)
    //   print(repr(mu_for(s)), repr(s))"
    #[test]
    fn matching_matches_scipy() {
        let cases = [
            (0.6, 0.01, 0.40967048144705626, 0.20609616152589405),
            (0.95, 0.02, 3.1124147723777433, 0.6168109556245185),
            (0.3, 0.2, -1.075031470071429, 1.179241528953211),
            (0.92, 0.05, 2.6946731046116676, 0.7935492439036695),
        ];
        for (mean, rho, mu, sigma) in cases {
            let d = LogitNormal::matching(mean, rho);
            assert!(close(d.mu, mu, 1e-9), "{mean} {rho}: {d:?}");
            assert!(close(d.sigma, sigma, 1e-9), "{mean} {rho}: {d:?}");
        }
    }

    #[test]
    fn no_spread_is_a_point_mass() {
        assert_eq!(
            LogitNormal::matching(0.5, 0.0),
            LogitNormal {
                mu: 0.0,
                sigma: 0.0
            }
        );
        assert_eq!(LogitNormal::matching(1.0, 0.1).sigma, 0.0);
        assert_eq!(LogitNormal::matching(0.0, 0.1).mu, f64::NEG_INFINITY);
        // A variance beyond any logit-normal's keeps the widest spread.
        assert_eq!(LogitNormal::matching(0.5, 0.999).sigma, SIGMA_MAX);
    }
}
