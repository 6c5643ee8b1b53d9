//! `small-stations`: do small stations sit higher than their neighbours in turnout and in
//! the winner's share? (Jiménez, Hidalgo and Klimek 2017, "Testing for voter rigging in
//! small polling stations", Science Advances 3(6) e1602363.)
//!
//! Coercion ("voter rigging") is easier where everyone is known and no observer comes: in
//! small stations. Within each neighbourhood (the locality; the region when no locality
//! column is mapped) turnout and the winner's share are standardised (z-scores, the
//! paper's standardised election fingerprint), and the smallest `quantile` of its stations
//! by registered voters are "small". The statistic is S = (D_t + D_s) / 2, where D is the
//! mean z of small stations minus that of large ones, pooled over neighbourhoods. Coercion
//! moves both in the same direction (abstainers made to vote raise turnout and the share;
//! switched voters raise the share), so their average gathers both signals into one
//! one-sided test that needs no correction for two.
//!
//! The null permutes the size labels within each neighbourhood, B times, from seeded
//! batches. The tail statistic max(S, 0)² has an atom at zero and, for a near-normal S, a
//! gamma positive part, so [`GammaTail`] lets p go below 1/(B+1) as in the fingerprint.
//!
//! Descriptive: clean simulated elections are flagged at about alpha, but in clean Poland
//! 2020 and Germany 2024 small stations differ from their municipality's large ones
//! (villages against the town centre, postal voters), so a tiny p alone is not evidence.

use rand::RngExt as _;
use rayon::prelude::*;
use serde_json::json;

use super::{Check, CheckContext};
use crate::data::Dataset;
use crate::montecarlo::batch_rng;
use crate::montecarlo::splitmix64 as mix;
use crate::montecarlo::tail::GammaTail;
use crate::result::{CheckResult, Effect, Family};
use crate::stats::format::format_p;
use crate::stats::quantile::type7_sorted;

/// Default share of each neighbourhood's stations, by registered voters, that are small.
pub const DEFAULT_QUANTILE: f64 = 1.0 / 3.0;
/// Default permutations of the size labels.
pub const DEFAULT_REPLICATES: usize = 1000;
/// Small and large stations a neighbourhood needs of each, to be compared.
pub const MIN_PER_CLASS: usize = 3;
/// Small stations the whole test needs.
pub const MIN_SMALL: usize = 30;
/// Permutations per seeded batch; fixed so that results do not depend on the thread count.
const BATCH: usize = 25;

const ID: &str = "small-stations";
const SUBJECT: &str = "small-vs-large";
/// Descriptive: calibrated on clean simulations, but on clean Poland 2020 and Germany 2024
/// small stations differ from their municipality's large ones too (see the README).
const FAMILY: Family = Family::Descriptive;

/// The `small-stations` check's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmallStations {
    /// Share of each neighbourhood's stations, smallest first, that are "small".
    pub quantile: f64,
    /// Permutations of the size labels.
    pub replicates: usize,
}

impl Default for SmallStations {
    fn default() -> Self {
        SmallStations {
            quantile: DEFAULT_QUANTILE,
            replicates: DEFAULT_REPLICATES,
        }
    }
}

impl Check for SmallStations {
    fn id(&self) -> &'static str {
        ID
    }
    fn family(&self) -> Family {
        FAMILY
    }
    fn describe(&self) -> &'static str {
        "small stations against their neighbours in standardised turnout and winner's share, \
         by permuting size labels within localities (Jiménez, Hidalgo and Klimek 2017)"
    }
    fn run(&self, ctx: &CheckContext) -> Vec<CheckResult> {
        vec![small_stations_result(ctx.data, self, ctx.options.seed)]
    }
}

/// Which role the neighbourhoods come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Locality,
    Region,
}

/// The comparable stations, grouped by neighbourhood: z-scores, and what turns a shift in
/// z back into votes.
#[derive(Debug, Default)]
struct Groups {
    /// Per station, neighbourhood by neighbourhood: z of turnout and of the winner's share,
    /// side by side (the permutations read both at random positions).
    z: Vec<[f64; 2]>,
    /// Start of each neighbourhood in `z`, and its count of small stations.
    starts: Vec<usize>,
    small: Vec<usize>,
    /// Observed small stations' positions.
    observed_small: Vec<usize>,
    /// Implied votes = D_t·a + D_s·b − D_t·D_s·c (see [`Groups::implied`]).
    coef: [f64; 3],
    /// Neighbourhoods with too few stations to compare.
    skipped: usize,
    /// Small stations as large as their neighbourhood's smallest large one: ties that
    /// size cannot order.
    tied: usize,
}

/// One station's figures: (neighbourhood, registered, turnout, share, valid ÷ ballots).
type Row = (u32, u32, f64, f64, f64);

/// The stations every figure is defined at, with their neighbourhood's rank by name,
/// sorted by neighbourhood, then size, then a hash of turnout and share: an order that does
/// not depend on the file's, so neither the small set (ties included) nor the permutations
/// do. Ties in size go in an order unrelated to turnout: ordered by turnout, a file of
/// equal stations had its lowest-turnout third read as "small", a large made-up effect.
fn rows(data: &Dataset, level: Level) -> Vec<Row> {
    let names = match level {
        Level::Locality => &data.localities,
        Level::Region => &data.regions,
    };
    let mut by_name: Vec<usize> = (0..names.len()).collect();
    by_name.sort_by(|&a, &b| names[a].cmp(&names[b]));
    let mut rank = vec![0u32; names.len()];
    for (r, &g) in by_name.iter().enumerate() {
        rank[g] = r as u32;
    }
    let mut rows: Vec<Row> = station_rows(data, level)
        .into_iter()
        .filter_map(|r| Some((*rank.get(r.0 as usize)?, r.1, r.2, r.3, r.4)))
        .collect();
    // The figures are finite and non-negative, so their bits sort as the numbers do.
    // SplitMix64 is a bijection that scatters nearby values.
    let scramble = |r: &Row| mix(r.2.to_bits() ^ mix(r.3.to_bits() ^ mix(r.4.to_bits())));
    rows.sort_unstable_by_key(|r| (r.0, r.1, scramble(r), r.2.to_bits(), r.3.to_bits()));
    rows
}

/// Each station's row, with its neighbourhood's index, in file order.
fn station_rows(data: &Dataset, level: Level) -> Vec<Row> {
    (0..data.stations.len())
        .filter_map(|i| {
            let s = &data.stations[i];
            let g = match level {
                Level::Locality => s.locality.get()?,
                Level::Region => s.region.get()?,
            };
            let reg = s.registered.filter(|&r| r > 0)?;
            let turnout = s.turnout()?;
            let on = *data.on_ballot_of(i).get(data.winner)?;
            let share = data.winner_share(i).filter(|_| on && s.ballots > 0)?;
            Some((g, reg, turnout, share, s.valid as f64 / s.ballots as f64))
        })
        .collect()
}

/// Mean and population sd.
fn mean_sd(x: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = x.clone().count().max(1) as f64;
    let mean = x.clone().sum::<f64>() / n;
    let var = x.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

impl Groups {
    /// Groups `rows` (sorted as [`rows`] sorts them) by neighbourhood and standardises
    /// each; small = the ⌊q·n⌋ smallest by registered voters, ties by turnout and share.
    fn build(rows: Vec<Row>, q: f64) -> Groups {
        let mut g = Groups::default();
        let mut at = 0;
        while at < rows.len() {
            let end = at + rows[at..].iter().take_while(|r| r.0 == rows[at].0).count();
            g.add(&rows[at..end], q);
            at = end;
        }
        g
    }

    fn add(&mut self, part: &[Row], q: f64) {
        let n = part.len();
        let m = (q * n as f64).floor() as usize;
        let (mt, st) = mean_sd(part.iter().map(|r| r.2));
        let (ms, ss) = mean_sd(part.iter().map(|r| r.3));
        if m < MIN_PER_CLASS || n - m < MIN_PER_CLASS || !(st > 0.0 && ss > 0.0) {
            self.skipped += 1;
            return;
        }
        let start = self.z.len();
        self.starts.push(start);
        self.small.push(m);
        self.tied += part[..m].iter().filter(|r| r.1 == part[m].1).count();
        (self.z).extend(part.iter().map(|r| [(r.2 - mt) / st, (r.3 - ms) / ss]));
        // Sorted by size already: the first m are the small ones.
        for (i, &(_, reg, t, s, vb)) in part.iter().enumerate().take(m) {
            let w = f64::from(reg) * vb;
            self.coef[0] += w * st * s;
            self.coef[1] += w * ss * t;
            self.coef[2] += w * st * ss;
            self.observed_small.push(start + i);
        }
    }

    fn n_small(&self) -> usize {
        self.small.iter().sum()
    }

    /// (D_t, D_s) from the sums of z over a small set. Each neighbourhood's z sum to 0, so
    /// the large stations' sum is minus the small ones'.
    fn shifts(&self, sum_t: f64, sum_s: f64) -> (f64, f64) {
        let ns = self.n_small() as f64;
        let nl = (self.z.len() - self.n_small()) as f64;
        let k = 1.0 / ns + 1.0 / nl;
        (sum_t * k, sum_s * k)
    }

    /// Votes for the winner that shifts (D_t, D_s) imply at the small stations: each small
    /// station's winner votes, registered·t·(valid/ballots)·s, against the same with t and s
    /// lowered by D·sd of its neighbourhood.
    fn implied(&self, dt: f64, ds: f64) -> f64 {
        let [a, b, c] = self.coef;
        dt * a + ds * b - dt * ds * c
    }
}

/// Null shifts (D_t, D_s) of `replicates` permutations of the size labels within each
/// neighbourhood, in replicate order.
fn permutations(g: &Groups, seed: u64, replicates: usize) -> Vec<(f64, f64)> {
    (0..replicates.div_ceil(BATCH))
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut rng = batch_rng(seed, ID, b as u64);
            // Partial Fisher–Yates on any arrangement gives a uniform subset, so the
            // scratch order carries over from one permutation to the next.
            let mut pos: Vec<u32> = (0..g.z.len() as u32).collect();
            let count = BATCH.min(replicates - b * BATCH);
            (0..count)
                .map(|_| {
                    let (mut st, mut ss) = (0.0, 0.0);
                    for (k, &start) in g.starts.iter().enumerate() {
                        let n = g.starts.get(k + 1).copied().unwrap_or(g.z.len()) - start;
                        let part = &mut pos[start..start + n];
                        for i in 0..g.small[k] {
                            let j = rng.random_range(i..n);
                            part.swap(i, j);
                            let [zt, zs] = g.z[part[i] as usize];
                            st += zt;
                            ss += zs;
                        }
                    }
                    g.shifts(st, ss)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The tail statistic: the combined shift over its permutation sd `scale`, positive part,
/// squared. Scaled to order 1 so that no null value falls between 0 and the tail's atom.
fn tail_statistic((dt, ds): (f64, f64), scale: f64) -> f64 {
    let s = 0.5 * (dt + ds) / scale;
    if s > 0.0 { s * s } else { 0.0 }
}

/// The permutation sd of the combined shift, about its null mean of 0.
fn null_scale(perms: &[(f64, f64)]) -> f64 {
    let n = perms.len().max(1) as f64;
    let ms = perms
        .iter()
        .map(|&(a, b)| (0.5 * (a + b)).powi(2))
        .sum::<f64>()
        / n;
    if ms > 0.0 { ms.sqrt() } else { 1.0 }
}

/// The `small-stations` result on `data` with `settings`, seeded from `seed`.
pub fn small_stations_result(data: &Dataset, settings: &SmallStations, seed: u64) -> CheckResult {
    let na = |n: usize, why: &str| CheckResult::not_applicable(ID, SUBJECT, FAMILY, n as u64, why);
    if !data.roles.registered {
        return na(0, "no registered-voters column is mapped");
    }
    let level = if !data.localities.is_empty() {
        Level::Locality
    } else if !data.regions.is_empty() {
        Level::Region
    } else {
        return na(
            0,
            "no locality or region column is mapped: small stations are compared with their \
             neighbours (give --locality)",
        );
    };
    let g = Groups::build(rows(data, level), settings.quantile);
    if g.n_small() < MIN_SMALL {
        let why = format!(
            "{} small stations in {} comparable neighbourhoods; at least {MIN_SMALL} are \
             needed, and a neighbourhood needs {MIN_PER_CLASS} small and {MIN_PER_CLASS} \
             large stations ({} had fewer)",
            g.n_small(),
            g.starts.len(),
            g.skipped
        );
        return na(g.z.len(), &why);
    }
    if g.tied * 2 > g.n_small() {
        let why = format!(
            "station sizes do not tell small from large: {} of the {} small stations have as \
             many registered voters as their neighbourhood's smallest large one",
            g.tied,
            g.n_small()
        );
        return na(g.z.len(), &why);
    }
    let sum = |k: usize| g.observed_small.iter().map(|&i| g.z[i][k]).sum::<f64>();
    let observed = g.shifts(sum(0), sum(1));
    let perms = permutations(&g, seed, settings.replicates);
    result(&g, level, observed, &perms, settings)
}

/// The p-value (fitted tail, else the Monte Carlo rank) and the count of null
/// replicates at or above the observed statistic.
fn p_value(t: f64, null: &[f64], tail: Option<&GammaTail>) -> (f64, usize) {
    let exceed = null.iter().filter(|&&v| v >= t).count();
    let mc = (1 + exceed) as f64 / (null.len() + 1) as f64;
    let p = match tail {
        _ if t <= 0.0 => 1.0,
        Some(tail) => tail.sf(t),
        None => mc,
    };
    (p, exceed)
}

/// A 95% interval for the implied votes: the observed value minus the permutation
/// distribution's 97.5% and 2.5% quantiles (the null's spread, moved to the estimate).
fn implied_interval(g: &Groups, null: &[(f64, f64)], implied: f64) -> Option<(f64, f64)> {
    if null.len() < 2 {
        return None;
    }
    let mut v: Vec<f64> = null.iter().map(|&(a, b)| g.implied(a, b)).collect();
    v.sort_by(f64::total_cmp);
    Some((
        implied - type7_sorted(&v, 0.975)?,
        implied - type7_sorted(&v, 0.025)?,
    ))
}

fn result(
    g: &Groups,
    level: Level,
    (dt, ds): (f64, f64),
    perms: &[(f64, f64)],
    settings: &SmallStations,
) -> CheckResult {
    let scale = null_scale(perms);
    let t = tail_statistic((dt, ds), scale);
    let null_t: Vec<f64> = perms.iter().map(|&d| tail_statistic(d, scale)).collect();
    let tail = GammaTail::fit(&null_t);
    let (p, exceed) = p_value(t, &null_t, tail.as_ref());
    let implied = g.implied(dt, ds);
    let interval = implied_interval(g, perms, implied);
    let combined = 0.5 * (dt + ds);
    let summary = summary(g, level, (dt, ds), implied, interval, p, settings);
    CheckResult {
        statistic: Some(combined),
        p_value: Some(p),
        effect: Some(Effect {
            measure: "implied_votes".into(),
            value: implied,
        }),
        summary,
        detail: json!({
            "neighbourhood": match level { Level::Locality => "locality", Level::Region => "region" },
            "neighbourhoods": g.starts.len(),
            "neighbourhoods_skipped": g.skipped,
            "min_per_class": MIN_PER_CLASS,
            "quantile": settings.quantile,
            "small_stations": g.n_small(),
            "large_stations": g.z.len() - g.n_small(),
            "turnout_shift_sd": dt,
            "share_shift_sd": ds,
            "combined_shift_sd": combined,
            "null_sd": scale,
            "implied_votes": implied,
            "implied_votes_95": interval.map(|(a, b)| [a, b]),
            "replicates": perms.len(),
            "null_exceedances": exceed,
            "p_monte_carlo": (1 + exceed) as f64 / (perms.len() + 1) as f64,
            "tail": tail,
        }),
        ..CheckResult::applicable(ID, SUBJECT, FAMILY, g.z.len() as u64)
    }
}

fn summary(
    g: &Groups,
    level: Level,
    (dt, ds): (f64, f64),
    implied: f64,
    interval: Option<(f64, f64)>,
    p: f64,
    settings: &SmallStations,
) -> String {
    let range = interval
        .map(|(a, b)| format!(" (95% interval {a:.0} to {b:.0})"))
        .unwrap_or_default();
    let one = g.starts.len() == 1;
    let (word, warn) = match level {
        Level::Locality => (if one { "locality" } else { "localities" }, ""),
        Level::Region => (
            if one { "region" } else { "regions" },
            " Neighbourhoods are regions, as no locality column is mapped: inside a region \
             small stations are also rural ones, so size is confounded with town and country \
             (give --locality).",
        ),
    };
    let scope = match one {
        true => format!("the one {word}"),
        false => format!("each of {} {word}", g.starts.len()),
    };
    format!(
        "Small stations (the smallest {:.0}% by registered voters in {scope}) sit \
         {dt:+.3} sd in turnout and {ds:+.3} sd in the winner's share from their larger \
         neighbours, which implies {implied:.0} votes for the winner{range}; {} by \
         permuting size labels within the {word}. Descriptive only: small stations also differ \
         honestly (villages inside a municipality), so this is compatible with voter coercion, \
         not proof of it.{warn}",
        100.0 * settings.quantile,
        format_p(p)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{ElectionSpec, simulate};

    /// Under the null the fitted tail follows the permutations (shape near the half-normal
    /// square's 1/2, small KS distance), its p falls as the statistic grows, and it agrees
    /// with the Monte Carlo rank where both are precise.
    #[test]
    fn null_tail_fits_and_is_monotone() {
        let d = simulate(&ElectionSpec::clean(3000), 4).dataset;
        let g = Groups::build(rows(&d, Level::Region), DEFAULT_QUANTILE);
        let perms = permutations(&g, 1, 2000);
        let scale = null_scale(&perms);
        let null_t: Vec<f64> = perms.iter().map(|&p| tail_statistic(p, scale)).collect();
        let tail = GammaTail::fit(&null_t).expect("fits");
        assert!((tail.shape - 0.5).abs() < 0.1, "{tail:?}");
        assert!(tail.ks_distance < 0.05, "{tail:?}");
        let ps: Vec<f64> = (1..60)
            .map(|i| p_value(0.2 * f64::from(i), &null_t, Some(&tail)).0)
            .collect();
        assert!(ps.windows(2).all(|w| w[1] < w[0]), "{ps:?}");
        for t in [0.5, 1.5, 2.7] {
            let (p, exceed) = p_value(t, &null_t, Some(&tail));
            let mc = exceed as f64 / null_t.len() as f64;
            assert!((p - mc).abs() < 0.02, "t {t}: tail {p}, rank {mc}");
        }
        assert_eq!(p_value(0.0, &null_t, Some(&tail)).0, 1.0);
    }

    /// The implied votes' closed form is the sum over small stations it stands for.
    #[test]
    fn implied_votes_are_the_station_sum() {
        let d = simulate(&ElectionSpec::clean(600), 2).dataset;
        let rows = rows(&d, Level::Region);
        let g = Groups::build(rows.clone(), DEFAULT_QUANTILE);
        let (dt, ds) = (0.3, -0.2);
        let mut direct = 0.0;
        for r in 0..d.regions.len() as u32 {
            let part: Vec<&Row> = rows.iter().filter(|x| x.0 == r).collect();
            let (_, st) = mean_sd(part.iter().map(|x| x.2));
            let (_, ss) = mean_sd(part.iter().map(|x| x.3));
            for &&(_, reg, t, s, vb) in &part[..part.len() / 3] {
                let w = f64::from(reg) * vb;
                direct += w * (t * s - (t - dt * st) * (s - ds * ss));
            }
        }
        let closed = g.implied(dt, ds);
        assert!((closed / direct - 1.0).abs() < 1e-9, "{closed} {direct}");
    }
}
