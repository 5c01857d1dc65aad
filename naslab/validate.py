"""Checks of the numbers a study is given, shared by the CLI and the library functions.

Each raises InvalidInputError with one line naming the option and what is valid, before any work
starts: a bad number would otherwise surface later as a NumPy/SciPy traceback in a worker
(a negative seed), a silent nonsense result (a top-k larger than the sample is precision 1.0),
or a study whose runs make no query at all (a time budget below the cheapest query).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nas_core.errors import InvalidInputError, NaslabError


def check_int(value: Any, what: str, minimum: int) -> int:
    """`value` as an int >= `minimum` (an int, not a bool or a float with a fraction)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{what} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise InvalidInputError(f"{what} must be >= {minimum}, got {value}")
    return int(value)


def check_seed(seed: Any, what: str = "seed") -> int:
    """Seeds are non-negative integers (NumPy's generators refuse negative ones)."""
    return check_int(seed, what, 0)


def check_resamples(n: Any, what: str = "resamples") -> int:
    """Bootstrap resamples: at least 1 (0 resamples has no confidence interval)."""
    return check_int(n, what, 1)


def check_top_k(k: Any, n: int | None = None, what: str = "top-k") -> float:
    """`k` < 1 is a fraction of the sample, `k` >= 1 a count (a whole number, at most the sample
    size `n` when known: a top-k holding the whole sample makes precision@k 1.0 whatever the
    ranking)."""
    try:
        k = float(k)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{what} must be a number, got {k!r}") from None
    if not math.isfinite(k) or k <= 0:
        raise InvalidInputError(
            f"{what} must be a fraction in (0, 1) or a count >= 1 of architectures, got {k}"
        )
    if k >= 1:
        if not k.is_integer():
            raise InvalidInputError(
                f"{what} >= 1 is a count of architectures and must be whole, got {k:g}"
            )
        if n is not None and k >= n:
            raise InvalidInputError(
                f"{what} {k:g} is not smaller than the sample ({n} architectures): precision@k "
                f"would be 1.0 whatever the ranking; give a count below {n} or a fraction < 1"
            )
    return k


def check_time_budget(bench: Any, dataset: str | None, time_budget: float | None) -> None:
    """A time budget must be positive and, where the benchmark's costs are known (a finite
    table), at least the cheapest query: below it no run can make a single query."""
    if time_budget is None:
        return
    if not isinstance(time_budget, (int, float)) or not time_budget > 0:
        raise InvalidInputError(
            f"time budget must be a positive number of simulated seconds, got {time_budget}"
        )
    cheapest = min_query_cost(bench, dataset)
    if cheapest is not None and time_budget < cheapest:
        raise InvalidInputError(
            f"time budget {time_budget:g} s is smaller than the cheapest query on "
            f"{getattr(bench, 'name', 'the benchmark')!r} ({cheapest:g} s): no run could make a "
            "single query"
        )


def min_query_cost(bench: Any, dataset: str | None) -> float | None:
    """The smallest `cost` of one architecture on a tabular benchmark; None when unknown (an
    open space has no table to take the minimum over)."""
    indices = getattr(bench, "arch_indices", None)
    if indices is None:
        return None
    try:
        try:
            idx = indices(dataset)
        except TypeError:  # a dense table's arch_indices() takes no dataset
            idx = indices()
        if len(idx) == 0:
            return None
        costs = np.asarray(bench.cost(np.asarray(idx), dataset), dtype=np.float64)
    except NaslabError:
        return None
    costs = costs[np.isfinite(costs)]
    return float(costs.min()) if costs.size else None
