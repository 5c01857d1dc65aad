"""`SparseTabularBenchmark`: a tabular benchmark where NaN means "not measured".

A table may cover different architectures per dataset (NAS-Bench-Graph's proteins, NAS-Bench-
Suite-Zero) or have empty cells (user tables). Querying a NaN value raises NotInBenchmarkError
naming the metric and dataset, instead of returning NaN; `archs(dataset)` lists the architectures
measured on a dataset. Kept apart from `benchmarks.table` so that loaders which do not read
CSV/Parquet (nbgraph) share it without importing pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.base import TabularBenchmark, is_single
from nas_core.arch import Arch
from nas_core.errors import NotInBenchmarkError


class SparseTabularBenchmark(TabularBenchmark):
    def query(
        self,
        archs: Any,
        metric: str,
        dataset: str | None = None,
        *,
        epoch: int | None = None,
        seed: int | None = None,
    ) -> Any:
        out = super().query(archs, metric, dataset, epoch=epoch, seed=seed)
        if type(out) is float:
            if out != out:
                self._raise_missing([archs], metric, dataset)
            return out
        bad = np.isnan(out)
        if bad.any():
            self._raise_missing(
                [self.space.from_index(int(i)) for i in self.space.indices(archs)[bad]],
                metric,
                dataset,
            )
        return out

    def _raise_missing(self, archs: Sequence[Any], metric: str, dataset: str | None) -> None:
        d = self._dataset(dataset)
        shown = ", ".join(self.space.to_str(self.space.parse(a)) for a in archs[:3])
        raise NotInBenchmarkError(
            f"{len(archs)} architecture(s) have no value of {metric!r} on {d!r} in benchmark "
            f"{self.name!r} ({self._present(d).sum()} archs measured there{self._hint(d)}; see "
            f".archs({d!r})), e.g. {shown}"
        )

    def _hint(self, dataset: str) -> str:
        """Extra words for the not-measured error (subclasses say what the measured archs share)."""
        return ""

    def _present(self, dataset: str) -> np.ndarray:
        """Rows with at least one measured value on `dataset`."""
        cache = self.__dict__.setdefault("_present_cache", {})
        if dataset not in cache:
            cols = [k for k, c in enumerate(self.store.columns) if c[0] == dataset]
            cache[dataset] = ~np.isnan(np.asarray(self._values[cols])).all(axis=0)
        return cache[dataset]

    def archs(self, dataset: str | None = None) -> list[Arch]:
        """All architectures (the union over datasets), or those measured on `dataset`."""
        return self.space.archs_at(self.arch_indices(dataset))

    def arch_indices(self, dataset: str | None = None) -> np.ndarray:
        """Space indices of `archs(dataset)`, without making `Arch` objects."""
        if dataset is None:
            return super().arch_indices()
        return self.store.index[self._present(self._dataset(dataset))]

    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        """Training time of measured archs (1.0 per query where the table has none); an arch not
        measured on the dataset raises, as its query would."""
        d = self._dataset(dataset)
        present = self._present(d)
        if present.all():
            return super().cost(archs, d, epoch=epoch)
        single = is_single(archs)
        rows = np.asarray([self._row(archs)]) if single else self.rows(archs)
        if not present[rows].all():
            lacking = rows[~present[rows]]
            self._raise_missing(
                [archs]
                if single
                else [self.space.from_index(int(i)) for i in self.store.index[lacking]],
                "cost",
                d,
            )
        if d not in self._cost_metric:
            return 1.0 if single else np.ones(len(rows), dtype=np.float64)
        return super().cost(archs, d, epoch=epoch)
