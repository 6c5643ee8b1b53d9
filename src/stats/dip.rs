//! Hartigan's dip test of unimodality (Hartigan and Hartigan 1985, Annals of Statistics 13(1)).
//!
//! The dip of a sample is the largest distance, over x, between its empirical distribution
//! function and the unimodal distribution function closest to it. It is computed here from the
//! paper's construction: the greatest convex minorant (GCM) of the empirical function left of a
//! candidate modal interval and its least concave majorant (LCM) right of it, shrinking the
//! interval until the dip stops growing. The smallest possible dip of n values is 1/(2n), as in
//! R's `diptest` default and Python's `diptest.dipstat(x, allow_zero=False)`.
//!
//! The p-value is P(D_n >= d) under the uniform distribution, the least favourable unimodal
//! null. It interpolates [`NULL_TABLE`], quantiles of sqrt(n)·D_n tabulated by simulation.

/// Hartigan's dip of `x` (any order; NaN values are ignored). `None` when no finite value is left.
pub fn dip(x: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = x.iter().copied().filter(|t| t.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    dip_sorted(&v)
}

/// Hartigan's dip of finite values sorted ascending. `None` for an empty slice.
///
/// Runs in O(n) after sorting: hull predecessors are found once, and each pass of the
/// modal-interval search only walks the hull vertices still inside the interval.
pub fn dip_sorted(x: &[f64]) -> Option<f64> {
    let n = x.len();
    if n == 0 {
        return None;
    }
    // Count units: point i (0-based) has lower corner (x_i, i) and upper corner (x_i, i + 1)
    // of the empirical function times n; the dip is the final distance over 2n.
    let mut d_best = 1.0_f64;
    if n < 2 || x[n - 1] == x[0] {
        return Some(d_best / (2 * n) as f64);
    }
    let pred = lower_hull_predecessors(x);
    let succ = upper_hull_successors(x);

    let (mut lo, mut hi) = (0usize, n - 1);
    let mut g: Vec<usize> = Vec::new();
    let mut l: Vec<usize> = Vec::new();
    loop {
        gcm_vertices(x, &pred, lo, hi, &mut g);
        lcm_vertices(x, &succ, lo, hi, &mut l);

        // Largest vertical distance between the LCM and the GCM; it sits at a vertex of one.
        let (gap, new_lo, new_hi) = widest_gap(x, &g, &l);
        if gap < d_best {
            break;
        }
        // Dips of the convex part left of the new modal interval and the concave part right of it.
        let mut dip_l = 0.0_f64;
        for w in g.windows(2).take_while(|w| w[1] <= new_lo) {
            dip_l = dip_l.max(segment_excess(x, w[0], w[1], true));
        }
        let mut dip_u = 0.0_f64;
        for w in l.windows(2).skip_while(|w| w[0] < new_hi) {
            dip_u = dip_u.max(segment_excess(x, w[0], w[1], false));
        }
        d_best = d_best.max(dip_l).max(dip_u);
        if new_lo == lo && new_hi == hi {
            break;
        }
        lo = new_lo;
        hi = new_hi;
    }
    Some(d_best / (2 * n) as f64)
}

/// `pred[j]`: the previous vertex of the lower convex hull of points 0..=j of (x_i, i).
/// Collinear points are dropped, and a run of ties keeps only its lowest point in the middle.
fn lower_hull_predecessors(x: &[f64]) -> Vec<usize> {
    let mut pred = vec![0usize; x.len()];
    let mut stack: Vec<usize> = Vec::with_capacity(64);
    for j in 0..x.len() {
        while let [.., a, b] = stack[..] {
            // Keep b only if the slope strictly increases at b.
            if (x[j] - x[b]) * ((b - a) as f64) < (x[b] - x[a]) * (j - b) as f64 {
                break;
            }
            stack.pop();
        }
        pred[j] = stack.last().copied().unwrap_or(j);
        stack.push(j);
    }
    pred
}

/// `succ[k]`: the next vertex of the upper concave hull of points k..n of (x_i, i).
fn upper_hull_successors(x: &[f64]) -> Vec<usize> {
    let n = x.len();
    let mut succ = vec![0usize; n];
    let mut stack: Vec<usize> = Vec::with_capacity(64);
    for k in (0..n).rev() {
        while let [.., a, b] = stack[..] {
            // a > b > k: keep b only if the slope strictly decreases at b.
            if (x[b] - x[k]) * ((a - b) as f64) < (x[a] - x[b]) * (b - k) as f64 {
                break;
            }
            stack.pop();
        }
        succ[k] = stack.last().copied().unwrap_or(k);
        stack.push(k);
    }
    succ
}

/// GCM vertices of points lo..=hi, ascending.
fn gcm_vertices(x: &[f64], pred: &[usize], lo: usize, hi: usize, out: &mut Vec<usize>) {
    out.clear();
    let mut j = hi;
    out.push(j);
    while j > lo {
        let p = pred[j];
        if p < lo || p == j {
            // lo is a hull vertex in exact arithmetic; if rounding says otherwise, rebuild.
            return hull_of_range(x, lo, hi, true, out);
        }
        out.push(p);
        j = p;
    }
    out.reverse();
}

/// LCM vertices of points lo..=hi, ascending.
fn lcm_vertices(x: &[f64], succ: &[usize], lo: usize, hi: usize, out: &mut Vec<usize>) {
    out.clear();
    let mut k = lo;
    out.push(k);
    while k < hi {
        let s = succ[k];
        if s > hi || s == k {
            return hull_of_range(x, lo, hi, false, out);
        }
        out.push(s);
        k = s;
    }
}

/// The lower (convex) or upper (concave) hull of points lo..=hi directly; the fallback path.
fn hull_of_range(x: &[f64], lo: usize, hi: usize, lower: bool, out: &mut Vec<usize>) {
    out.clear();
    for j in lo..=hi {
        while let [.., a, b] = out[..] {
            let left = (x[b] - x[a]) * (j - b) as f64;
            let right = (x[j] - x[b]) * (b - a) as f64;
            let keep = if lower { right < left } else { left < right };
            if keep {
                break;
            }
            out.pop();
        }
        out.push(j);
    }
}

/// The largest LCM-minus-GCM distance over the vertices of both hulls, in count units, and the
/// modal interval it implies: from the GCM vertex at or left of it to the LCM vertex at or right
/// of it. With no interior vertex the distance is 1 and the interval stays as it is.
fn widest_gap(x: &[f64], g: &[usize], l: &[usize]) -> (f64, usize, usize) {
    let (lo, hi) = (g[0], g[g.len() - 1]);
    if g.len() == 2 && l.len() == 2 {
        return (1.0, lo, hi);
    }
    let mut best = (0.0_f64, lo, hi);
    // Merge the interior vertices of both hulls in index order; ties keep the later vertex.
    let (mut ig, mut il) = (1usize, 1usize);
    while ig < g.len() - 1 || il < l.len() - 1 {
        let take_l = ig >= g.len() - 1 || (il < l.len() - 1 && l[il] < g[ig]);
        if take_l {
            let v = l[il];
            // The GCM segment [a, b] holding v: a is the last GCM vertex before v.
            let (a, b) = (g[ig - 1], g[ig]);
            if x[b] != x[a] {
                let gap = (v - a + 1) as f64 - (x[v] - x[a]) * (b - a) as f64 / (x[b] - x[a]);
                if gap >= best.0 {
                    best = (gap, a, v);
                }
            }
            il += 1;
        } else {
            let v = g[ig];
            let (a, b) = (l[il - 1], l[il]);
            if x[b] != x[a] {
                let gap = (x[v] - x[a]) * (b - a) as f64 / (x[b] - x[a]) - (v - a) as f64 + 1.0;
                if gap >= best.0 {
                    best = (gap, v, b);
                }
            }
            ig += 1;
        }
    }
    best
}

/// The largest distance between the empirical function and one hull segment [a, b], in count
/// units (at least 1, the jump at a vertex): above a GCM segment, or below an LCM segment.
fn segment_excess(x: &[f64], a: usize, b: usize, convex: bool) -> f64 {
    let mut m = 1.0_f64;
    if b - a > 1 && x[b] != x[a] {
        let slope = (b - a) as f64 / (x[b] - x[a]);
        for (j, &xj) in x.iter().enumerate().take(b + 1).skip(a) {
            let rise = (xj - x[a]) * slope;
            let t = if convex {
                (j - a + 1) as f64 - rise
            } else {
                rise - (j - a) as f64 + 1.0
            };
            m = m.max(t);
        }
    }
    m
}

/// The dip and its p-value under the uniform null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DipTest {
    /// Finite values tested.
    pub n: usize,
    /// Hartigan's dip, in [1/(2n), 1/4].
    pub dip: f64,
    /// P(D_n >= dip) under the uniform null, from [`dip_p_value`].
    pub p_value: f64,
}

/// Hartigan's dip test on `x` (NaN ignored). `None` with fewer than [`MIN_N`] finite values.
pub fn dip_test(x: &[f64]) -> Option<DipTest> {
    let mut v: Vec<f64> = x.iter().copied().filter(|t| t.is_finite()).collect();
    if v.len() < MIN_N {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let d = dip_sorted(&v)?;
    Some(DipTest {
        n: v.len(),
        dip: d,
        p_value: dip_p_value(d, v.len()),
    })
}

/// The smallest sample the p-value table covers.
pub const MIN_N: usize = 10;

/// Upper-tail probabilities P(sqrt(n)·D_n >= t) at which [`NULL_TABLE`] gives t.
pub const TAIL_LEVELS: [f64; 17] = [
    0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001,
];

/// Quantiles of sqrt(n)·D_n for n uniform values, one row per n, at [`TAIL_LEVELS`]
/// (type-7 sample quantiles). Made by simulation with this crate's own [`dip_sorted`] and
/// seeded streams (200,000 samples per row up to n = 1,000; 100,000 up to 20,000; 50,000 at
/// 50,000 and 40,000 at 100,000), by
/// `cargo test --release --test turnout_shape print_dip_null_table -- --ignored --nocapture`.
/// They agree with the `diptest` package's table (Maechler's) to about 1% in p at every level.
#[rustfmt::skip]
pub const NULL_TABLE: &[(usize, [f64; 17])] = &[
    (10, [0.19297, 0.22750, 0.24701, 0.26991, 0.28563, 0.29818, 0.30910, 0.32280, 0.34745, 0.37526, 0.41207, 0.44099, 0.47691, 0.50485, 0.52869, 0.55498, 0.57077]),
    (15, [0.21201, 0.23628, 0.24869, 0.26770, 0.28814, 0.30644, 0.32359, 0.34116, 0.36024, 0.38525, 0.42592, 0.45971, 0.49824, 0.52623, 0.55106, 0.58059, 0.59902]),
    (20, [0.21179, 0.23555, 0.25419, 0.27738, 0.29518, 0.31135, 0.32809, 0.34743, 0.36881, 0.39544, 0.43507, 0.47121, 0.51134, 0.53946, 0.56572, 0.59762, 0.61897]),
    (30, [0.21694, 0.24358, 0.26009, 0.28319, 0.30214, 0.31936, 0.33671, 0.35575, 0.37766, 0.40502, 0.44614, 0.48268, 0.52594, 0.55620, 0.58388, 0.61746, 0.64244]),
    (50, [0.22216, 0.24967, 0.26669, 0.29039, 0.30955, 0.32741, 0.34566, 0.36520, 0.38767, 0.41618, 0.45897, 0.49630, 0.54169, 0.57373, 0.60097, 0.63931, 0.66471]),
    (75, [0.22603, 0.25400, 0.27150, 0.29557, 0.31499, 0.33320, 0.35147, 0.37115, 0.39405, 0.42332, 0.46667, 0.50486, 0.55010, 0.58022, 0.60891, 0.64923, 0.67554]),
    (100, [0.22858, 0.25645, 0.27443, 0.29834, 0.31767, 0.33598, 0.35472, 0.37495, 0.39785, 0.42691, 0.47122, 0.51095, 0.55876, 0.59104, 0.62202, 0.65895, 0.68879]),
    (150, [0.23211, 0.25980, 0.27757, 0.30201, 0.32183, 0.34034, 0.35907, 0.37948, 0.40261, 0.43211, 0.47708, 0.51669, 0.56495, 0.59743, 0.62831, 0.66744, 0.69337]),
    (200, [0.23379, 0.26190, 0.27955, 0.30412, 0.32408, 0.34296, 0.36179, 0.38202, 0.40535, 0.43565, 0.48057, 0.52005, 0.56940, 0.60318, 0.63627, 0.67284, 0.70244]),
    (300, [0.23501, 0.26373, 0.28188, 0.30652, 0.32666, 0.34544, 0.36453, 0.38509, 0.40890, 0.43846, 0.48419, 0.52490, 0.57307, 0.60688, 0.63815, 0.67688, 0.70525]),
    (500, [0.23846, 0.26708, 0.28502, 0.30973, 0.33010, 0.34896, 0.36824, 0.38869, 0.41257, 0.44261, 0.48890, 0.53064, 0.57961, 0.61433, 0.64710, 0.68652, 0.71421]),
    (1000, [0.24086, 0.26977, 0.28797, 0.31283, 0.33276, 0.35187, 0.37114, 0.39193, 0.41618, 0.44667, 0.49349, 0.53507, 0.58429, 0.61864, 0.65290, 0.69253, 0.72096]),
    (2000, [0.24210, 0.27121, 0.28950, 0.31433, 0.33494, 0.35429, 0.37347, 0.39424, 0.41888, 0.44967, 0.49651, 0.53807, 0.58906, 0.62379, 0.65916, 0.70463, 0.73082]),
    (5000, [0.24333, 0.27346, 0.29141, 0.31666, 0.33716, 0.35628, 0.37597, 0.39698, 0.42141, 0.45249, 0.50028, 0.54296, 0.59355, 0.62889, 0.66158, 0.70324, 0.72869]),
    (10000, [0.24523, 0.27446, 0.29273, 0.31745, 0.33800, 0.35743, 0.37709, 0.39815, 0.42231, 0.45334, 0.50025, 0.54177, 0.59169, 0.62634, 0.66086, 0.70421, 0.73790]),
    (20000, [0.24589, 0.27466, 0.29290, 0.31820, 0.33865, 0.35815, 0.37740, 0.39852, 0.42283, 0.45391, 0.50150, 0.54490, 0.59496, 0.62954, 0.66370, 0.70542, 0.73462]),
    (50000, [0.24647, 0.27561, 0.29381, 0.31955, 0.34010, 0.35922, 0.37840, 0.39956, 0.42389, 0.45509, 0.50257, 0.54379, 0.59436, 0.62775, 0.66198, 0.70094, 0.72979]),
    (100000, [0.24568, 0.27480, 0.29372, 0.31933, 0.34001, 0.35916, 0.37891, 0.40066, 0.42475, 0.45672, 0.50397, 0.54635, 0.60097, 0.63704, 0.67071, 0.71290, 0.73609]),
];

/// P(D_n >= dip) for n uniform values. At t = sqrt(n)·dip, ln p is interpolated linearly in
/// t between the tabulated quantiles of the rows either side of n, then linearly in 1/sqrt(n)
/// between those rows; n beyond the last row uses it (sqrt(n)·D_n has converged there to table
/// precision) and n below the first row uses the first. Below the 0.001 level the tail is
/// extrapolated as ln p = ln 0.001 − b(t² − t²_0.001), with b fitted to the last four levels.
///
/// Precision: between p = 0.99 and 0.001, about 0.01 in p and 10% relative (the simulation
/// error of the table, as the comparison with the `diptest` package shows); below 0.001 the
/// extrapolated tail is rough, within a factor of about 2 down to 1e-5.
pub fn dip_p_value(dip: f64, n: usize) -> f64 {
    if !dip.is_finite() || n == 0 {
        return 1.0;
    }
    let t = (n as f64).sqrt() * dip;
    let pos = NULL_TABLE.partition_point(|(m, _)| *m <= n);
    let ln_p = match pos {
        0 => row_ln_sf(NULL_TABLE[0].0, &NULL_TABLE[0].1, t),
        i if i >= NULL_TABLE.len() => {
            let (m, q) = &NULL_TABLE[NULL_TABLE.len() - 1];
            row_ln_sf(*m, q, t)
        }
        i => {
            let (n1, q1) = &NULL_TABLE[i - 1];
            let (n2, q2) = &NULL_TABLE[i];
            let (a, b) = (row_ln_sf(*n1, q1, t), row_ln_sf(*n2, q2, t));
            let h = |m: usize| 1.0 / (m as f64).sqrt();
            let f = (h(*n1) - h(n)) / (h(*n1) - h(*n2));
            a + f * (b - a)
        }
    };
    ln_p.exp().clamp(0.0, 1.0)
}

/// ln P(sqrt(m)·D_m >= t) from one table row.
fn row_ln_sf(m: usize, q: &[f64; 17], t: f64) -> f64 {
    let last = q.len() - 1;
    if t >= q[last] {
        // Gaussian-type tail, ln p linear in t², fitted by least squares to the last four levels.
        let pts = &q[last - 3..];
        let lv = &TAIL_LEVELS[last - 3..];
        let mx = pts.iter().map(|t| t * t).sum::<f64>() / 4.0;
        let my = lv.iter().map(|p| p.ln()).sum::<f64>() / 4.0;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (t, p) in pts.iter().zip(lv) {
            sxy += (t * t - mx) * (p.ln() - my);
            sxx += (t * t - mx).powi(2);
        }
        let b = if sxx > 0.0 && sxy < 0.0 {
            -sxy / sxx
        } else {
            16.0
        };
        return TAIL_LEVELS[last].ln() - b * (t * t - q[last] * q[last]);
    }
    if t <= q[0] {
        // From the smallest possible value, sqrt(m)/(2m) with p = 1, up to the 0.99 level.
        let t_min = 0.5 / (m as f64).sqrt();
        if t <= t_min || q[0] <= t_min {
            return 0.0;
        }
        let f = (t - t_min) / (q[0] - t_min);
        return (1.0 + f * (TAIL_LEVELS[0] - 1.0)).ln();
    }
    let i = q.partition_point(|v| *v <= t).clamp(1, last) - 1;
    let f = (t - q[i]) / (q[i + 1] - q[i]);
    let (a, b) = (TAIL_LEVELS[i].ln(), TAIL_LEVELS[i + 1].ln());
    a + f * (b - a)
}
