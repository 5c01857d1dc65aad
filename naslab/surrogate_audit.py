"""Statistics of the surrogate audit: how well a fitted model answers for architectures it never
saw, as pure functions over arrays.

- `fit_quality(y_true, y_pred)`: R², MAE, Kendall τ, sparse Kendall τ, Spearman ρ, Kendall τ
  within the true top 10% and precision@top-5%, each with a paired percentile-bootstrap CI over
  architectures (`nas_core.metrics.bootstrap_ci`, i.e. scipy.stats.bootstrap). The ranking
  metrics themselves are nas_core's, so a number here means what it means in `correlate`.
- `splits(archs, y, kind)`: the train/test index sets of the audit: a random split, the true top
  10% held out, or a region of the space held out (NAS-Bench-301's leave-one-optimizer-out asks
  the same question: does the surrogate extrapolate to where its training data was not?).

Sparse Kendall τ follows NAS-Bench-301's `kendall_tau_1_dec` (automl/nasbench301,
`surrogate_models/utils.py::evaluate_metrics`): `kendalltau(y_true, np.round(y_pred, 1))` - the
*predictions* are rounded to one decimal (0.1 accuracy points, NB301's accuracies are in %) and the
truths are left as they are, so predicted differences below 0.1 points count as ties. For a metric
in other units, pass `decimals` (e.g. 3 for accuracies stored as fractions in [0, 1]).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nas_core.errors import InvalidInputError
from nas_core.metrics import (
    bootstrap_ci,
    kendall_tau,
    precision_at_k,
    sparse_kendall_tau,
    spearman_rho,
)

#: fit_quality's metrics, in report order, with what each is.
METRICS: dict[str, str] = {
    "r2": "coefficient of determination R² (sklearn r2_score)",
    "mae": "mean absolute error, in the metric's units",
    "kendall_tau": "Kendall's tau-b",
    "sparse_kendall_tau": "Kendall's tau-b with predictions rounded to `decimals` "
    "(NAS-Bench-301's kendall_tau_1_dec)",
    "spearman_rho": "Spearman's rank correlation",
    "top10_kendall_tau": "Kendall's tau-b within the true top 10% of architectures",
    "precision_at_5pct": "share of the true top 5% found in the predicted top 5%",
}

TOP_FRACTION = 0.10
PRECISION_FRACTION = 0.05


def _finite_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    if t.shape != p.shape:
        raise InvalidInputError(f"y_true and y_pred differ in length: {t.size} vs {p.size}")
    bad_t, bad_p = int((~np.isfinite(t)).sum()), int((~np.isfinite(p)).sum())
    if bad_t or bad_p:
        raise InvalidInputError(
            f"fit quality needs finite values: y_true has {bad_t} and y_pred {bad_p} NaN/inf "
            "entries; drop those architectures first"
        )
    if t.size < 3:
        raise InvalidInputError(f"fit quality needs at least 3 architectures, got {t.size}")
    return t, p


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y_true, y_pred))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred))))


def top_kendall_tau(
    y_true: np.ndarray, y_pred: np.ndarray, fraction: float = TOP_FRACTION
) -> float:
    """τ-b among the architectures in the true top `fraction` (higher = better): does the model
    order the candidates a search ends up choosing between? NaN when that set has fewer than 2."""
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    k = max(1, int(round(fraction * t.size)))
    if k < 2:
        return math.nan
    top = np.argsort(-t, kind="stable")[:k]
    return kendall_tau(t[top], p[top])


def fit_quality(
    y_true: Sequence[float] | np.ndarray,
    y_pred: Sequence[float] | np.ndarray,
    *,
    higher_is_better: bool = True,
    resamples: int = 1000,
    seed: int = 0,
    decimals: int = 1,
    confidence: float = 0.95,
) -> dict[str, dict[str, float]]:
    """{metric: {"value", "lo", "hi"}} for every metric in `METRICS`, on held-out architectures.

    CIs: paired percentile bootstrap over architectures with `resamples` resamples, the same
    seeded resamples for every metric. `higher_is_better=False` (a loss, an error rate) takes the
    top 10% / top 5% from the low end; R², MAE and the global rank correlations do not depend on
    the direction. `decimals`: the rounding of sparse τ (1 = 0.1 points of an accuracy in %).
    A metric that is undefined (constant predictions, too few architectures for a top 10%) is NaN.
    """
    t, p = _finite_pair(y_true, y_pred)
    if resamples < 1:
        raise InvalidInputError(f"resamples must be >= 1, got {resamples}")
    sign = 1.0 if higher_is_better else -1.0
    # Negating both arrays leaves τ and ρ unchanged and puts the best architectures at the top.
    st, sp = sign * t, sign * p
    funcs: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
        "r2": r2,
        "mae": mae,
        "kendall_tau": kendall_tau,
        # np.round is symmetric about 0, so rounding -p equals negating round(p).
        "sparse_kendall_tau": lambda a, b: sparse_kendall_tau(a, b, decimals),
        "spearman_rho": spearman_rho,
        "top10_kendall_tau": top_kendall_tau,
        "precision_at_5pct": lambda a, b: precision_at_k(a, b, PRECISION_FRACTION),
    }
    out: dict[str, dict[str, float]] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        import warnings

        with warnings.catch_warnings():
            # constant inputs inside a resample: SciPy warns and returns NaN; NaN is the answer
            warnings.simplefilter("ignore")
            for name, fn in funcs.items():
                a, b = (t, p) if name in ("r2", "mae") else (st, sp)
                value = fn(a, b)
                if not math.isfinite(value):
                    out[name] = {"value": value, "lo": math.nan, "hi": math.nan}
                    continue
                _, lo, hi = bootstrap_ci(
                    fn, a, b, n_resamples=resamples, confidence=confidence, seed=seed
                )
                out[name] = {"value": value, "lo": lo, "hi": hi}
    return out


# ----------------------------------------------------------------------------------------------
# train/test splits

SPLIT_KINDS: dict[str, str] = {
    "random": "a random train set of `train_size`; every other architecture is test",
    "top": "the true top `top_fraction` is test; train is drawn from the rest",
    "region": "architectures where `region(arch)` is true are test; train is drawn from the rest",
}

_REGION_RE = re.compile(r"^(?P<space>[\w-]+):(?P<op>[\w-]+)(?P<cmp>>=|<=|==)(?P<k>\d+)$")
#: Short space names a named region also accepts.
_SPACE_ALIASES = {"tnb101": "tnb101-micro"}


def _nb101_ops(arch: Any) -> Sequence[str]:
    from nas_core import spaces

    return spaces.get("nb101").spec(arch)[1]  # the pruned cell: no padding vertices


def _darts_ops(arch: Any) -> Sequence[str]:
    from nas_core import spaces
    from nas_core.spaces.darts import OPS as DARTS_OPS

    normal, reduce = spaces.get("darts").to_compact(arch)
    return [DARTS_OPS[op] for _, op in (*normal, *reduce)]


def _op_counter(space: str) -> tuple[tuple[str, ...], Callable[[Any], Sequence[str]]]:
    """(op names a region may count, arch -> the op name of each of its edges/layers/vertices)."""
    if space == "nb201":
        from nas_core.spaces.nb201 import OPS

        return OPS, lambda arch: [OPS[o] for o in arch.ops]
    if space == "nbgraph":
        from nas_core.spaces.nbgraph import OPS as GRAPH_OPS

        return GRAPH_OPS, lambda arch: [GRAPH_OPS[o] for o in arch.ops[1:]]  # ops[0]: the link
    if space == "tnb101-micro":
        from nas_core.spaces.tnb101 import MICRO_OPS

        return MICRO_OPS, lambda arch: [MICRO_OPS[o] for o in arch.ops]
    if space == "tnb101-macro":
        from nas_core.spaces.tnb101 import MACRO_OPS

        return MACRO_OPS, lambda arch: [MACRO_OPS[o] for o in arch.ops]  # 'empty' pads to 6
    if space == "nb101":
        from nas_core.spaces.nb101 import OPS as NB101_OPS

        return NB101_OPS[2:], _nb101_ops  # input and output are in every cell
    if space == "darts":
        from nas_core.spaces.darts import OPS as DARTS_OPS

        return DARTS_OPS, _darts_ops
    raise InvalidInputError(
        f"named regions exist for spaces {', '.join(REGION_SPACES)} (tnb101 = tnb101-micro), "
        f"got {space!r}; pass a callable region(arch) -> bool for another space"
    )


#: Spaces with named regions, and what a region's count runs over.
REGION_SPACES: dict[str, str] = {
    "nb201": "the 6 cell edges",
    "nbgraph": "the 4 GNN layers (not the link pattern)",
    "tnb101-micro": "the 6 cell edges",
    "tnb101-macro": "the 6 module slots ('empty' pads a network shorter than 6 modules)",
    "nb101": "the interior vertices of the pruned cell",
    "darts": "the 16 edges of the normal and the reduction cell together",
}


def region_predicate(spec: str) -> Callable[[Any], bool]:
    """A predicate from a named region `SPACE:OP>=K` (also `<=`, `==`): the architectures of
    `SPACE` with at least (at most, exactly) K edges/layers/vertices of op OP (`REGION_SPACES`
    says what is counted), e.g. `nb201:nor_conv_3x3>=4`, `nbgraph:gat>=2`, `nbgraph:fc==0`,
    `tnb101:nor_conv_3x3>=3`, `nb101:conv3x3-bn-relu>=3`, `darts:sep_conv_3x3>=6`. An `Arch` of
    another space is refused rather than counted by the wrong op table."""
    m = _REGION_RE.match(spec.strip()) if isinstance(spec, str) else None
    if m is None:
        raise InvalidInputError(
            f"region {spec!r} is not of the form SPACE:OP>=K (or <=, ==), e.g. "
            "'nb201:nor_conv_3x3>=4' or 'nbgraph:gat>=2'"
        )
    space = _SPACE_ALIASES.get(m["space"], m["space"])
    ops, get_ops = _op_counter(space)
    if m["op"] not in ops:
        raise InvalidInputError(f"region {spec!r}: unknown op {m['op']!r}; valid: {', '.join(ops)}")
    op, k, cmp = m["op"], int(m["k"]), m["cmp"]
    compare = {">=": k.__le__, "<=": k.__ge__, "==": k.__eq__}[cmp]

    def predicate(arch: Any) -> bool:
        other = getattr(arch, "space", space)
        if other != space:
            raise InvalidInputError(
                f"region {spec!r} counts ops of space {space!r}, got an architecture of {other!r}"
            )
        return bool(compare(sum(1 for o in get_ops(arch) if o == op)))

    predicate.__name__ = spec
    return predicate


def _count(size: float | int | None, n: int, what: str) -> int | None:
    if size is None:
        return None
    if isinstance(size, float) and 0 < size < 1:
        return max(1, int(round(size * n)))
    if size != int(size) or size < 1:
        raise InvalidInputError(f"{what} must be a fraction in (0, 1) or a count >= 1, got {size}")
    return int(size)


def splits(
    archs: Sequence[Any] | Any,
    y: Sequence[float] | np.ndarray,
    kind: str,
    *,
    train_size: float | int | None = None,
    top_fraction: float = TOP_FRACTION,
    region: Callable[[Any], bool] | str | None = None,
    higher_is_better: bool = True,
    seed: int = 0,
    min_train: int = 10,
    min_test: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, test_idx): sorted, disjoint int arrays of positions into `archs`/`y`.

    `kind` is one of `SPLIT_KINDS`. `train_size` (a fraction or a count) draws the train set at
    random (seeded) from the architectures allowed to train on; None takes all of them (for
    "random", None means 80%). Test is the held-out set ("top", "region": only it, so the score
    measures extrapolation) or every architecture not drawn ("random"). `archs` may be architectures or rows of a feature table; only
    "region" looks at them (`region(arch)`, or a named region, see `region_predicate`). A split
    with fewer than `min_train` train or `min_test` test architectures is refused.
    """
    y_arr = np.asarray(y, dtype=np.float64).ravel()
    n = y_arr.size
    n_archs = len(archs)
    if n_archs != n:
        raise InvalidInputError(f"archs and y differ in length: {n_archs} vs {n}")
    if kind not in SPLIT_KINDS:
        raise InvalidInputError(f"unknown split kind {kind!r}; valid: {', '.join(SPLIT_KINDS)}")
    rng = np.random.default_rng(seed)
    if kind == "random":
        pool = np.arange(n)
        forced_test = np.zeros(0, dtype=np.int64)
        if train_size is None:
            train_size = 0.8
    elif kind == "top":
        if not np.isfinite(y_arr).all():
            raise InvalidInputError("a top split needs finite y; drop NaN/inf architectures first")
        if not 0 < top_fraction < 1:
            raise InvalidInputError(f"top_fraction must be in (0, 1), got {top_fraction}")
        k = max(1, int(round(top_fraction * n)))
        order = np.argsort(-y_arr if higher_is_better else y_arr, kind="stable")
        forced_test, pool = order[:k], np.sort(order[k:])
    else:
        if region is None:
            raise InvalidInputError(
                "a region split needs region=: a callable arch -> bool or a named region such "
                "as 'nb201:nor_conv_3x3>=4'"
            )
        pred = region_predicate(region) if isinstance(region, str) else region
        rows = archs.iterrows() if hasattr(archs, "iterrows") else enumerate(archs)
        mask = np.fromiter((bool(pred(a)) for _, a in rows), dtype=bool, count=n)
        forced_test, pool = np.flatnonzero(mask), np.flatnonzero(~mask)
    m = _count(train_size, pool.size if kind != "random" else n, "train_size")
    if m is None or m >= pool.size:
        if m is not None and m > pool.size:
            raise InvalidInputError(
                f"{kind} split: train_size {m} exceeds the {pool.size} architectures allowed to "
                "train on"
            )
        train = pool
    else:
        train = np.sort(rng.choice(pool, size=m, replace=False))
    # out-of-distribution kinds test on the held-out set only, not on undrawn in-distribution archs
    test = np.setdiff1d(np.arange(n), train) if kind == "random" else np.sort(forced_test)
    if train.size < min_train or test.size < min_test:
        raise InvalidInputError(
            f"{kind} split leaves {train.size} train and {test.size} test architectures of {n}; "
            f"need at least {min_train} train and {min_test} test (change train_size, "
            "top_fraction or the region)"
        )
    return train.astype(np.int64), test.astype(np.int64)
