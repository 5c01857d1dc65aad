"""Ranking metrics for predictors, proxies and supernets against ground truth, and the Pareto
helpers of multi-objective studies.

Ranking metrics take `(y_true, y_pred)` as 1-d arrays (higher = better for both) and return a
float. SciPy does the statistics; NaNs in either array are an error (drop them first,
knowingly). `pareto_mask` and `hypervolume` take an (n, k) array of objectives, all MAXIMISED,
and ignore rows that are not finite (pymoo's non-dominated sorting and HV indicator).

SciPy and pymoo are imported inside the functions: spawned study workers import this module for
the Pareto helpers and must not pay for `scipy.stats` at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nas_core.errors import InvalidInputError, UnknownNameError


def _check(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    if t.shape != p.shape:
        raise InvalidInputError(f"y_true and y_pred differ in length: {t.size} vs {p.size}")
    if t.size < 2:
        raise InvalidInputError(f"need at least 2 values to rank, got {t.size}")
    if np.isnan(t).any() or np.isnan(p).any():
        raise InvalidInputError("NaN in y_true or y_pred; drop those entries first")
    return t, p


def kendall_tau(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Kendall's tau-b (scipy.stats.kendalltau)."""
    t, p = _check(y_true, y_pred)
    from scipy import stats

    return float(stats.kendalltau(t, p).statistic)


def spearman_rho(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    t, p = _check(y_true, y_pred)
    from scipy import stats

    return float(stats.spearmanr(t, p).statistic)


def pearson_r(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    t, p = _check(y_true, y_pred)
    from scipy import stats

    return float(stats.pearsonr(t, p).statistic)


def sparse_kendall_tau(y_true: np.ndarray, y_pred: np.ndarray, decimals: int = 1) -> float:
    """Kendall tau-b of the truths against the predictions rounded to `decimals`: NAS-Bench-301's
    `kendall_tau_1_dec` (its `evaluate_metrics` rounds only the predictions), so predictions
    closer than 0.1 accuracy points tie instead of counting as an order."""
    t, p = _check(y_true, y_pred)
    from scipy import stats

    return float(stats.kendalltau(t, np.round(p, decimals)).statistic)


def precision_at_k(y_true: np.ndarray, y_pred: np.ndarray, k: float = 0.05) -> float:
    """Fraction of the true top-k found in the predicted top-k. `k` < 1 is a fraction of n
    (at least 1 architecture), `k` >= 1 a count."""
    t, p = _check(y_true, y_pred)
    n = _k(k, t.size)
    top_true = np.argsort(-t, kind="stable")[:n]
    top_pred = np.argsort(-p, kind="stable")[:n]
    return float(np.intersect1d(top_true, top_pred).size / n)


def ndcg_at_k(y_true: np.ndarray, y_pred: np.ndarray, k: float = 0.05) -> float:
    """NDCG@k with the true values (shifted to be non-negative) as relevance
    (sklearn.metrics.ndcg_score)."""
    from sklearn.metrics import ndcg_score

    t, p = _check(y_true, y_pred)
    rel = t - t.min()
    return float(ndcg_score(rel[None, :], p[None, :], k=_k(k, t.size)))


def _k(k: float, n: int) -> int:
    if k <= 0:
        raise InvalidInputError(f"k must be > 0, got {k}")
    return max(1, int(round(k * n))) if k < 1 else min(int(k), n)


METRICS: dict[str, Callable[..., float]] = {
    "kendall": kendall_tau,
    "spearman": spearman_rho,
    "pearson": pearson_r,
    "sparse_kendall": sparse_kendall_tau,
    "precision@k": precision_at_k,
    "ndcg@k": ndcg_at_k,
}


def get_metric(name: str) -> Callable[..., float]:
    if name not in METRICS:
        raise UnknownNameError("ranking metric", name, METRICS)
    return METRICS[name]


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(point estimate, low, high): percentile bootstrap over architectures
    (scipy.stats.bootstrap, paired resampling)."""
    t, p = _check(y_true, y_pred)
    point = metric(t, p)
    from scipy import stats

    res = stats.bootstrap(
        (t, p),
        lambda a, b: metric(a, b),
        paired=True,
        vectorized=False,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return point, float(res.confidence_interval.low), float(res.confidence_interval.high)


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of `values` (n, k), all objectives MAXIMISED."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    values = np.asarray(values, dtype=float)
    mask = np.zeros(len(values), dtype=bool)
    ok = np.isfinite(values).all(axis=1)
    if ok.any():
        front = NonDominatedSorting().do(-values[ok], only_non_dominated_front=True)
        mask[np.flatnonzero(ok)[front]] = True
    return mask


def hypervolume(values: np.ndarray, ref_point: Sequence[float]) -> float:
    """Hypervolume dominated by `values` (n, k; MAXIMISED) above `ref_point` (pymoo's HV)."""
    from pymoo.indicators.hv import HV

    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values).all(axis=1)]
    if not len(values):
        return 0.0
    return float(HV(ref_point=-np.asarray(ref_point, dtype=float))(-values))
