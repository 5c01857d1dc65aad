"""A benchmark that meets only the core contract: no table, no list of architectures, no optimum.

`OpenFormulaBench` answers every NAS-Bench-201 cell from a formula of its ops, the way a surrogate
answers a space too large to tabulate, and never lists or indexes its architectures (it treats the
space as open). Studies run on it must work without an optimum.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import benchmarks
from benchmarks.base import Benchmark, CostInfo, MetricInfo, is_single
from nas_core import spaces
from nas_core.errors import InvalidInputError, UnknownNameError
from nas_core.provenance import Provenance

NAME = "test-open-formula"
FORMULA = Provenance(
    "surrogate", "a fixed formula in naslab's tests", "weights per op, no training data"
)
#: Weight of each nb201 op id (none, skip, conv1x1, conv3x3, avg_pool) in the objectives.
WEIGHTS = np.array([0.0, 1.0, 2.5, 4.0, 0.5])
LATENCY = np.array([0.0, 0.1, 0.6, 1.0, 0.3])


class OpenFormulaBench(Benchmark):
    name = NAME
    is_surrogate = True
    description = "test double: a formula over NAS-Bench-201 cells, treated as an open space"

    def __init__(self) -> None:
        self.space = spaces.get("nb201")

    @property
    def datasets(self) -> tuple[str, ...]:
        return ("toy",)

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        self._dataset(dataset)
        return [
            MetricInfo("acc", "formula accuracy", "%", True, "objective", "valid", FORMULA),
            MetricInfo(
                "test_acc", "formula test accuracy", "%", True, "objective", "test", FORMULA
            ),
            MetricInfo("latency", "formula latency", "ms", False, "hardware", None, FORMULA),
        ]

    def epochs(self, metric: str, dataset: str | None = None) -> list[int | None]:
        self.metric_info(metric, dataset)
        return [None, *range(1, 201)]

    def _ops(self, archs: Any) -> np.ndarray:
        items = [archs] if is_single(archs) else list(archs)
        return np.array([self.space.parse(a).ops for a in items], dtype=np.int64).reshape(-1, 6)

    def query(
        self,
        archs: Any,
        metric: str,
        dataset: str | None = None,
        *,
        epoch: int | None = None,
        seed: int | None = None,
    ) -> Any:
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        if epoch is not None and not 1 <= epoch <= 200:
            raise InvalidInputError(f"epoch must be in 1..200, got {epoch}")
        ops = self._ops(archs)
        if metric == "latency":
            out = LATENCY[ops].sum(axis=1)
        else:
            frac = 1.0 if epoch is None else epoch / 200
            out = (40 + 2 * WEIGHTS[ops].sum(axis=1) - (metric == "test_acc")) * frac
        out = out.astype(np.float32)
        return float(out[0]) if is_single(archs) else out

    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        self._dataset(dataset)
        n = len(self._ops(archs))
        secs = 0.5 * (200 if epoch is None else epoch)
        return secs if is_single(archs) else np.full(n, secs, dtype=np.float64)

    def cost_info(self, dataset: str | None = None, *, epoch: int | None = None) -> CostInfo:
        self._dataset(dataset)
        return CostInfo(
            "predicted_training_time",
            "formula: 0.5 s per epoch of training",
            epoch_dependent=True,
            continues=True,
        )


@contextmanager
def registered() -> Iterator[str]:
    """`benchmarks.load(NAME)` works inside the block (and the name is gone after it)."""
    try:
        benchmarks.summary(NAME)
        exists = True
    except UnknownNameError:
        exists = False
    if not exists:
        benchmarks.register(NAME, "test double over an open space")(OpenFormulaBench)
    try:
        yield NAME
    finally:
        if not exists:
            benchmarks._REGISTRY._items.pop(NAME, None)  # test-only cleanup
