"""Statistics for comparing searchers over a few seeds, on SciPy and scikit-posthocs.

- Confidence intervals: Student's t for a mean over few runs (1.96·sd/√n is too narrow below
  ~30 runs: for 5 runs the t factor is 2.78, not 1.96); a BCa bootstrap for a skewed sample of at
  least `BOOTSTRAP_MIN_N` runs (fewer take too few distinct resample means for a bootstrap to be
  better than t). `interval` chooses and names the method, so every table can say which it used.
- Many searchers: pairwise two-sided Wilcoxon signed-rank tests over paired seeds with Holm's
  step-down correction (statsmodels' `multipletests`), the Friedman test over all of them,
  average ranks, and the data of a critical-difference diagram (Demšar 2006, with the Wilcoxon-
  Holm cliques Benavoli et al. 2016 recommend over the Nemenyi test).
- Anytime performance: the normalised area under a best-so-far curve.
- Multi-objective: a reference point from the data's nadir, the union front, the share of it each
  searcher found, and the empirical k%-attainment surface (two objectives).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nas_core.errors import InvalidInputError

BOOTSTRAP_MIN_N = 10
SKEW_THRESHOLD = 1.0
HV_MARGIN = 0.1

METHOD_LABELS = {
    "t": "Student's t",
    "bootstrap": "BCa bootstrap",
    "none": "no interval (fewer than 2 runs)",
}


def _values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float).ravel()
    return v[np.isfinite(v)]


def t_interval(
    values: Sequence[float] | np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """(mean, lo, hi): the Student's t confidence interval of the mean of the finite `values`
    (scipy.stats.t.interval with n-1 degrees of freedom and the standard error). One value: its
    interval is (nan, nan); none: all nan."""
    from scipy import stats

    v = _values(values)
    if not len(v):
        return (math.nan, math.nan, math.nan)
    mean = float(v.mean())
    if len(v) < 2:
        return (mean, math.nan, math.nan)
    se = float(v.std(ddof=1)) / math.sqrt(len(v))
    if se == 0.0:
        return (mean, mean, mean)
    lo, hi = stats.t.interval(confidence, len(v) - 1, loc=mean, scale=se)
    return (mean, float(lo), float(hi))


def bootstrap_interval(
    values: Sequence[float] | np.ndarray,
    statistic: Callable[..., float] = np.mean,
    confidence: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(statistic, lo, hi): scipy.stats.bootstrap's BCa interval of `statistic` over the finite
    `values` (seeded: the same data give the same interval). Constant data: a zero-width interval
    (BCa is undefined there); fewer than 2 values: (stat, nan, nan). An interval that misses its
    estimate (possible with few resamples) is widened to include it."""
    from scipy import stats

    v = _values(values)
    if not len(v):
        return (math.nan, math.nan, math.nan)
    est = float(statistic(v))
    if len(v) < 2:
        return (est, math.nan, math.nan)
    if np.all(v == v[0]):
        return (est, est, est)
    import warnings

    vec = statistic in (np.mean, np.median)  # numpy reductions take an axis: vectorised
    fn = (lambda x, axis=-1: statistic(x, axis=axis)) if vec else statistic

    def run(method: str) -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BCa's degenerate-distribution warning: see below
            res = stats.bootstrap(
                (v,),
                fn,
                vectorized=vec,
                confidence_level=confidence,
                n_resamples=n_resamples,
                method=method,
                rng=np.random.default_rng(seed),
            )
        return float(res.confidence_interval.low), float(res.confidence_interval.high)

    lo, hi = run("BCa")
    if not (math.isfinite(lo) and math.isfinite(hi)):  # BCa undefined (e.g. ties): percentile
        lo, hi = run("percentile")
    return (est, min(lo, est), max(hi, est))


def is_skewed(values: Sequence[float] | np.ndarray) -> bool:
    """Whether the sample skewness (bias-corrected) exceeds SKEW_THRESHOLD in magnitude."""
    from scipy import stats

    v = _values(values)
    if len(v) < 3 or np.all(v == v[0]):
        return False
    return bool(abs(float(stats.skew(v, bias=False))) > SKEW_THRESHOLD)


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval and the method that produced it."""

    mean: float
    lo: float
    hi: float
    n: int
    method: str  # "t" | "bootstrap" | "none"

    def to_dict(self) -> dict[str, float | int | str]:
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi, "n": self.n, "method": self.method}


def interval(
    values: Sequence[float] | np.ndarray, method: str = "auto", confidence: float = 0.95
) -> Interval:
    """The CI of the mean of `values`: method "t", "bootstrap", or "auto" (bootstrap when the
    sample is skewed and has at least BOOTSTRAP_MIN_N values, Student's t otherwise)."""
    if method not in ("auto", "t", "bootstrap"):
        raise InvalidInputError(f"unknown interval method {method!r}; valid: auto, t, bootstrap")
    v = _values(values)
    if len(v) < 2:
        m = float(v.mean()) if len(v) else math.nan
        return Interval(m, math.nan, math.nan, len(v), "none")
    if method == "auto":
        method = "bootstrap" if len(v) >= BOOTSTRAP_MIN_N and is_skewed(v) else "t"
    if method == "t":
        m, lo, hi = t_interval(v, confidence)
    else:
        m, lo, hi = bootstrap_interval(v, np.mean, confidence)
    return Interval(m, lo, hi, len(v), method)


def method_label(methods: Sequence[str], confidence: float = 0.95) -> str:
    """How the intervals of one table were computed, e.g. "95% CI: Student's t"."""
    used = [METHOD_LABELS[m] for m in dict.fromkeys(methods) if m != "none"]
    if not used:
        return "no intervals (fewer than 2 runs per searcher)"
    return f"{round(confidence * 100)}% CI: " + (", ".join(used) if used else "-")


# --- comparing many searchers -------------------------------------------------------------


#: Up to this many nonzero paired differences with ties, the exact permutation p-value is used.
EXACT_TIED_MAX_N = 16


def wilcoxon_method(a: Sequence[float], b: Sequence[float]) -> str:
    """How `paired_wilcoxon` computes a p-value: "exact" (scipy's exact null distribution) for at
    most 50 pairs without zero or tied differences; "permutation" (the exact conditional
    distribution over all 2^n sign flips, which stays valid with ties) for tied or zero
    differences and at most `EXACT_TIED_MAX_N` nonzero ones; else "asymptotic" (normal approximation
    with tie correction, as R's wilcox.test falls back to)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    d = d[np.isfinite(d)]
    nz = np.abs(d[d != 0])
    if len(nz) == len(d) and len(d) <= 50 and len(np.unique(nz)) == len(nz):
        return "exact"
    return "permutation" if len(nz) <= EXACT_TIED_MAX_N else "asymptotic"


def paired_wilcoxon(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired samples (1.0 when they never differ;
    zero differences dropped, scipy's default), by `wilcoxon_method`. The permutation p-value runs
    scipy.stats.permutation_test over sign flips with the rank-sum statistic vectorised (scipy's
    own wilcoxon evaluates it one resample at a time: ~25x slower on 10 tied pairs)."""
    from scipy import stats

    a, b = np.asarray(a, float), np.asarray(b, float)
    if not len(a) or np.all(a == b):
        return 1.0
    method = wilcoxon_method(a, b)
    if method == "permutation":
        d = a - b
        d = d[np.isfinite(d) & (d != 0)]
        if len(d) < 2:  # one sign flip of one pair: both outcomes equally likely, p = 1
            return 1.0
        ranks = stats.rankdata(np.abs(d))

        def t_plus(x: np.ndarray, axis: int = -1) -> np.ndarray:
            return np.sum(np.where(np.moveaxis(x, axis, -1) > 0, ranks, 0.0), axis=-1)

        res = stats.permutation_test(
            (d,), t_plus, permutation_type="samples", vectorized=True, n_resamples=np.inf
        )
        p = float(res.pvalue)
    else:
        p = float(stats.wilcoxon(a, b, method=method).pvalue)
    return 1.0 if math.isnan(p) else min(1.0, p)


def holm_wilcoxon(table: pd.DataFrame) -> pd.DataFrame:
    """Pairwise two-sided Wilcoxon signed-rank p-values between the columns of `table` (rows:
    paired blocks, e.g. seeds; rows with a missing value dropped; `paired_wilcoxon` per pair),
    Holm-corrected over all pairs (statsmodels' `multipletests(method="holm")`). A pair that
    never differs has raw p = 1 before the correction; fewer than 2 complete rows: NaN."""
    t = table.dropna()
    cols = list(t.columns)
    a = np.full((len(cols), len(cols)), np.nan)
    np.fill_diagonal(a, 1.0)
    if len(cols) < 2 or len(t) < 2:  # no test (NaN off the diagonal)
        return pd.DataFrame(a, index=cols, columns=cols)
    key = (tuple(map(str, cols)), t.to_numpy(float).tobytes(), t.shape)
    if key not in _HOLM_CACHE:  # a report asks for the same table several times
        from statsmodels.stats.multitest import multipletests

        pairs = [(i, j) for i in range(len(cols)) for j in range(i + 1, len(cols))]
        raw = [paired_wilcoxon(t.iloc[:, i], t.iloc[:, j]) for i, j in pairs]
        adj = multipletests(raw, method="holm")[1]
        for (i, j), p in zip(pairs, adj, strict=True):
            a[i, j] = a[j, i] = min(1.0, float(p))
        _HOLM_CACHE.clear()
        _HOLM_CACHE[key] = a
    return pd.DataFrame(_HOLM_CACHE[key].copy(), index=cols, columns=cols)


_HOLM_CACHE: dict[tuple, np.ndarray] = {}


def friedman(table: pd.DataFrame) -> tuple[float, float] | None:
    """(statistic, p) of scipy.stats.friedmanchisquare over the columns of `table` (complete
    rows only); None with fewer than 3 columns or 2 complete rows (the test needs them)."""
    from scipy import stats

    t = table.dropna()
    if t.shape[1] < 3 or len(t) < 2:
        return None
    cols = [t[c].to_numpy(float) for c in t.columns]
    if all(np.array_equal(cols[0], c) for c in cols[1:]):
        return (0.0, 1.0)
    r = stats.friedmanchisquare(*cols)
    return (float(r.statistic), float(r.pvalue))


def average_ranks(table: pd.DataFrame, higher_is_better: bool) -> pd.Series:
    """Mean rank of each column over the complete rows (rank 1 = best, ties share their mean
    rank; scipy.stats.rankdata)."""
    from scipy import stats

    t = table.dropna()
    if t.empty:
        return pd.Series(np.nan, index=table.columns)
    a = t.to_numpy(float)
    r = stats.rankdata(-a if higher_is_better else a, axis=1)
    return pd.Series(r.mean(axis=0), index=t.columns)


def cd_diagram_data(
    table: pd.DataFrame, higher_is_better: bool, alpha: float = 0.05
) -> dict[str, object]:
    """What a critical-difference diagram draws: average ranks, the Holm-Wilcoxon p-values and
    the cliques of searchers no test separates at `alpha` (maximal sets, as
    scikit_posthocs.critical_difference_diagram connects them)."""
    ranks = average_ranks(table, higher_is_better)
    p = holm_wilcoxon(table)
    cols = list(p.columns)
    same = {c: {d for d in cols if p.loc[c, d] >= alpha} for c in cols}
    cliques: list[list[str]] = []
    order = sorted(cols, key=lambda c: ranks[c])
    for i in range(len(order)):  # contiguous runs in rank order, all pairwise not separated
        j = i
        while j + 1 < len(order) and all(order[j + 1] in same[m] for m in order[i : j + 1]):
            j += 1
        group = order[i : j + 1]
        if len(group) > 1 and not any(set(group) <= set(g) for g in cliques):
            cliques.append(group)
    return {"ranks": ranks, "p_values": p, "alpha": alpha, "cliques": cliques}


# --- anytime performance -----------------------------------------------------------------


def anytime_auc(
    x: np.ndarray, curves: np.ndarray, lo: float, hi: float, higher_is_better: bool
) -> np.ndarray:
    """Per run (row of `curves`, best-so-far values on grid `x`), the area under its curve
    normalised to [0, 1]: values in [lo, hi] (the range's min and max) mapped so the better end
    (hi if `higher_is_better`, else lo) is 1 and the other 0, a grid point
    before the run's first evaluation counts as 0, and the area is divided by the grid's span
    (trapezoid rule; one grid point: its value). 1 = the best value from the first point on."""
    x = np.asarray(x, float)
    c = np.atleast_2d(np.asarray(curves, float))
    span = hi - lo
    if not math.isfinite(span) or span == 0:
        z = np.where(np.isnan(c), 0.0, 1.0)
    else:
        z = (c - lo) / span if higher_is_better else (hi - c) / span
        z = np.clip(np.where(np.isnan(z), 0.0, z), 0.0, 1.0)
    if len(x) < 2:
        return z[:, 0] if z.shape[1] else np.full(len(z), np.nan)
    return np.trapezoid(z, x, axis=1) / (x[-1] - x[0])


# --- multi-objective ---------------------------------------------------------------------


def pareto_front(points: np.ndarray) -> np.ndarray:
    """The non-dominated rows of `points` (all objectives maximised), duplicates removed."""
    from nas_core.metrics import pareto_mask

    p = np.asarray(points, float)
    p = p[np.isfinite(p).all(axis=1)] if len(p) else p.reshape(0, p.shape[-1] if p.ndim else 0)
    if not len(p):
        return p
    return np.unique(p[pareto_mask(p)], axis=0)


def reference_point(union_front: np.ndarray, margin: float = HV_MARGIN) -> np.ndarray:
    """Hypervolume reference point from the data: the nadir of the union front (its worst value
    in each maximised objective) pushed out by `margin` (in the normalised space, where an
    objective's observed range is 1), so the front's extreme points still add volume."""
    f = np.asarray(union_front, float)
    if not len(f):
        raise InvalidInputError("no feasible evaluated points: no hypervolume reference point")
    return f.min(axis=0) - margin


def front_share(
    union_front: np.ndarray, found: np.ndarray, atol: float = 1e-12
) -> tuple[int, float]:
    """(count, share) of the union front's points that also occur among `found`."""
    u = np.asarray(union_front, float)
    f = np.asarray(found, float)
    if not len(u):
        return 0, math.nan
    if not len(f):
        return 0, 0.0
    hit = np.array([np.any(np.all(np.abs(f - p) <= atol, axis=1)) for p in u])
    return int(hit.sum()), float(hit.mean())


def attainment_surface(run_points: Sequence[np.ndarray], level: float = 0.5) -> np.ndarray:
    """The empirical `level` attainment surface of several runs in two maximised objectives
    (Fonseca et al. 2001): the boundary of the points attained (weakly dominated) by at least
    ceil(level · runs) runs. Returned as its corner points (k, 2) sorted by the first objective;
    a staircase through them draws the surface."""
    runs = [np.asarray(p, float).reshape(-1, 2) for p in run_points]
    runs = [p[np.isfinite(p).all(axis=1)] for p in runs]
    if not runs:
        return np.empty((0, 2))
    if not 0 < level <= 1:
        raise InvalidInputError(f"attainment level must be in (0, 1], got {level}")
    k = max(1, math.ceil(level * len(runs)))
    xs = np.unique(np.concatenate([p[:, 0] for p in runs if len(p)] or [np.empty(0)]))
    pts = []
    for x in xs:
        best = np.sort(
            [p[p[:, 0] >= x, 1].max() if np.any(p[:, 0] >= x) else -np.inf for p in runs]
        )[::-1]
        y = best[k - 1]
        if np.isfinite(y):
            pts.append((x, y))
    if not pts:
        return np.empty((0, 2))
    front = pareto_front(np.array(pts))
    return front[np.argsort(front[:, 0])]
