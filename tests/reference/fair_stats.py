"""Independent reference for elaudit::fingerprint::fair::fair_stats (numpy/scipy).

Run: python3 tests/reference/fair_stats.py
The deterministic stations below are built the same way in the Rust test
(src/fingerprint/fair.rs, fair_stats_match_numpy); numpy.quantile is type 7.
"""
import math, numpy as np
from scipy.stats import norm
ZL, ZH = norm.ppf(0.05), norm.ppf(0.25)
TS = [-0.3, -0.2, -0.1, 0.1, 0.2, 0.3]; SS = [0.2, 0.1, 0.0, 0.0, -0.1, -0.2]; ST = 0.4
def points():
    out = []
    for g, n in ((0, 97), (1, 130)):
        for j in range(n):
            u = float(np.float32(((j * 53) % n + 0.5) / n))
            t = 0.25 + 0.6 * ((j * 0.6180339887498949) % 1.0) + 0.1 * u
            s = 0.15 + 0.7 * ((j * 0.4142135623730951 + 0.3 * g) % 1.0)
            if j % 23 == 5: t, s = 0.97, 0.985
            out.append((g, u, t, s))
    return out
def logit(p):
    p = min(max(p, 1e-6), 1 - 1e-6); return math.log(p / (1 - p))
def q(v, p): return float(np.quantile(np.asarray(v, dtype=float), p))
def at_rank(u):
    pos = min(max(u * 6 - 0.5, 0.0), 5.0); k = min(int(pos), 4); w = pos - k
    return TS[k] + w * (TS[k+1] - TS[k]), SS[k] + w * (SS[k+1] - SS[k])
def lower(v): lo, hi = q(v, 0.05), q(v, 0.25); return hi, (hi - lo) / (ZH - ZL)
acc_t = np.zeros(6); acc_s = np.zeros(6); wsum = 0.0; num = den = 0.0; up = low = 0.0
pts = [p for p in points() if not (p[2] >= 0.95 and p[3] >= 0.95)]
for g in (0, 1):
    v = [(u, logit(t), logit(s)) for (gg, u, t, s) in pts if gg == g]
    n = len(v)
    cls = lambda u: min(int(u * 6), 5)
    qt = [q([x[1] for x in v if cls(x[0]) == k], 0.25) for k in range(6)]
    qs = [q([x[2] for x in v if cls(x[0]) == k], 0.25) for k in range(6)]
    acc_t += n * (np.array(qt) - sum(qt) / 6); acc_s += n * (np.array(qs) - sum(qs) / 6); wsum += n
    rows = [(lt - at_rank(u)[0], ls - at_rank(u)[1]) for (u, lt, ls) in v]
    rt = [r[0] for r in rows]
    q1, q2 = q(rt, 0.25), q(rt, 0.5)
    lo = [r for r in rows if r[0] <= q1]; hi = [r for r in rows if q1 < r[0] <= q2]
    dt = np.mean([r[0] for r in hi]) - np.mean([r[0] for r in lo])
    ds = q([r[1] for r in hi], 0.25) - q([r[1] for r in lo], 0.25)
    num += n * dt * ds; den += n * dt * dt
    if n >= 100:  # skew spans: (q45 - q20, q20 - q02) of residual turnout, groups of 100+
        up += n * (q(rt, 0.45) - q(rt, 0.20)); low += n * (q(rt, 0.20) - q(rt, 0.02))
    print("group", g, "n", n, "turnout", repr(lower(rt)), "share", repr(lower([s - ST * t for (t, s) in rows])))
print("turnout_size", repr(list(acc_t / wsum)))
print("share_size", repr(list(acc_s / wsum)))
print("share_turnout", repr(num / den))
print("skew_statistic", repr(up / low))
