"""The one query API over tabular and surrogate benchmarks.

`Benchmark` is the protocol every benchmark satisfies; `TabularBenchmark` implements it over a
`TableStore` (a dense float32 table keyed by the space's index), which is what every embedded and
file-backed benchmark converts its source into.

Querying: `query(archs, metric, dataset, *, epoch=None, seed=None)`.
- `archs` is one architecture (an `Arch`, an int index, a string, or an op *tuple*) -> a float; or a
  batch (a list, or a NumPy array of indices / of op rows) -> a float32 array. Lists are always
  batches and tuples are always single architectures.
- `dataset=None` means the benchmark's default dataset; `epoch=None` the final (or only) value;
  `seed=None` the mean over seeds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.store import ColumnKey, TableStore
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidInputError, NotInBenchmarkError, UnknownNameError
from nas_core.spaces.base import SearchSpace

if TYPE_CHECKING:  # pandas is imported lazily: a warm load must not pay for it
    import pandas as pd


@dataclass(frozen=True)
class MetricInfo:
    name: str
    description: str
    unit: str = ""
    higher_is_better: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_single(archs: Any) -> bool:
    """True for one architecture, False for a batch (see module docstring)."""
    if isinstance(archs, (Arch, str, int, np.integer)):
        return True
    return type(archs) is tuple and not (archs and isinstance(archs[0], (Arch, str, tuple, list)))


class Benchmark(ABC):
    """What every benchmark offers. See the module docstring for the query conventions."""

    name: str = ""
    space: SearchSpace
    is_surrogate: bool = False
    citation: str = ""
    licence: str = ""
    description: str = ""

    @property
    @abstractmethod
    def datasets(self) -> tuple[str, ...]: ...

    @property
    def default_dataset(self) -> str:
        return self.datasets[0]

    @abstractmethod
    def metrics(self, dataset: str | None = None) -> list[MetricInfo]: ...

    @abstractmethod
    def query(
        self,
        archs: Any,
        metric: str,
        dataset: str | None = None,
        *,
        epoch: int | None = None,
        seed: int | None = None,
    ) -> Any: ...

    @abstractmethod
    def cost(self, archs: Any, dataset: str | None = None) -> Any:
        """Simulated seconds it takes to obtain a query's answer (float for one, array for many)."""

    @abstractmethod
    def cost_source(self, dataset: str | None = None) -> str:
        """Where `cost` comes from, in words."""

    @abstractmethod
    def archs(self) -> list[Arch]:
        """Every architecture the benchmark holds values for."""

    @abstractmethod
    def optimum(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> float:
        """Best value of `metric` over the table (max or min according to the metric)."""

    @abstractmethod
    def best_arch(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> Arch: ...

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """The whole table, one row per architecture."""

    def epochs(self, metric: str, dataset: str | None = None) -> list[int | None]:
        """The epochs at which `metric` is available (None: only a final value)."""
        return [None]

    def metric_info(self, metric: str, dataset: str | None = None) -> MetricInfo:
        infos = {m.name: m for m in self.metrics(dataset)}
        if metric not in infos:
            raise UnknownNameError(
                "metric", metric, infos, f"for dataset {self._dataset(dataset)!r}"
            )
        return infos[metric]

    def _dataset(self, dataset: str | None) -> str:
        if dataset is None:
            return self.default_dataset
        if dataset not in self.datasets:
            raise UnknownNameError(
                "dataset", dataset, self.datasets, f"for benchmark {self.name!r}"
            )
        return dataset

    def info(self) -> dict[str, Any]:
        """Everything `naslab bench info` shows."""
        return {
            "name": self.name,
            "space": self.space.name,
            "space_size": self.space.size,
            "num_archs": len(self.archs()),
            "is_surrogate": self.is_surrogate,
            "description": self.description,
            "datasets": {
                ds: {
                    "metrics": [m.to_dict() for m in self.metrics(ds)],
                    "cost_source": self.cost_source(ds),
                }
                for ds in self.datasets
            },
            "citation": self.citation,
            "licence": self.licence,
        }


class TabularBenchmark(Benchmark):
    """A benchmark over a `TableStore`.

    `metric_infos` describes each metric name; `cost_metric` names, per dataset, the metric that
    holds the real training time in seconds (used by `cost`); datasets without one cost 1 simulated
    second per query, and `cost_source` says so.
    """

    def __init__(
        self,
        name: str,
        store: TableStore,
        metric_infos: dict[str, MetricInfo],
        *,
        citation: str = "",
        licence: str = "",
        description: str = "",
        cost_metric: dict[str, str] | None = None,
        cost_note: str = "",
        default_dataset: str | None = None,
    ):
        self.name = name
        self.store = store
        self.space = spaces.get(store.space)
        self.citation, self.licence, self.description = citation, licence, description
        self._infos = metric_infos
        self._cost_metric = cost_metric or {}
        self._cost_note = cost_note
        self._col: dict[ColumnKey, int] = {c: k for k, c in enumerate(store.columns)}
        ds: dict[str, None] = {}
        self._metrics_of: dict[str, dict[str, None]] = {}
        self._epochs_of: dict[tuple[str, str], set[int | None]] = {}
        for d, m, e, _s in store.columns:
            ds.setdefault(d)
            self._metrics_of.setdefault(d, {}).setdefault(m)
            self._epochs_of.setdefault((d, m), set()).add(e)
        self._datasets = tuple(ds)
        if default_dataset is not None and default_dataset not in ds:
            raise ValueError(f"default dataset {default_dataset!r} not in {self._datasets}")
        self._default = default_dataset or self._datasets[0]
        # Default epoch per (dataset, metric): the final one (None if a final-only column exists).
        for (d, m), eps in self._epochs_of.items():
            if None not in eps:
                self._col[(d, m, None, None)] = self._col[(d, m, max(e for e in eps if e), None)]
        n = len(store.index)
        size = self.space.size
        self._full = size is not None and n == size and bool(store.index[-1] == size - 1)
        if size is not None and not self._full:
            self._row_of = np.full(size, -1, dtype=np.int64)
            self._row_of[store.index] = np.arange(n)
        else:
            self._row_of = None
        # A plain ndarray view of the (memory-mapped) values: indexing a np.memmap subclass is
        # several times slower, and the view keeps the mapping (pages load on first touch).
        self._values = np.asarray(store.values)
        self._size = size

    # --- description ------------------------------------------------------------------------
    @property
    def datasets(self) -> tuple[str, ...]:
        return self._datasets

    @property
    def default_dataset(self) -> str:
        return self._default

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        d = self._dataset(dataset)
        return [self._infos.get(m) or MetricInfo(m, m) for m in self._metrics_of[d]]

    def epochs(self, metric: str, dataset: str | None = None) -> list[int | None]:
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        eps = self._epochs_of[(d, metric)]
        return sorted(eps, key=lambda e: -1 if e is None else e)

    # --- rows -------------------------------------------------------------------------------
    def rows(self, archs: Any) -> np.ndarray:
        """Row numbers of a batch; raises NotInBenchmarkError for architectures not in the table."""
        idx = self.space.indices(archs)
        if self._full:
            return idx
        if self._row_of is None:
            rows = np.searchsorted(self.store.index, idx)
            rows = np.minimum(rows, len(self.store.index) - 1)
            ok = self.store.index[rows] == idx
        else:
            rows = self._row_of[idx]
            ok = rows >= 0
        if not ok.all():
            missing = idx[~ok]
            shown = ", ".join(self.space.to_str(self.space.from_index(int(i))) for i in missing[:3])
            raise NotInBenchmarkError(
                f"{len(missing)} architecture(s) not in benchmark {self.name!r} "
                f"({len(self.store.index)} archs; see .archs()), e.g. {shown}"
            )
        return rows

    def _row(self, arch: Any) -> int:
        i = self.space.index(arch)
        if self._full:
            return i
        if self._row_of is not None:
            row = int(self._row_of[i])
            if row >= 0:
                return row
        return int(self.rows(np.asarray([i]))[0])

    def archs(self) -> list[Arch]:
        return self.space.archs_at(self.store.index)

    def arch_indices(self) -> np.ndarray:
        """Space indices of `archs()`, without making `Arch` objects (cheap in time and memory)."""
        return np.asarray(self.store.index)

    # --- queries ----------------------------------------------------------------------------
    def _column(self, metric: str, dataset: str | None, epoch: int | None, seed: int | None) -> int:
        key = (dataset or self._default, metric, epoch, seed)
        col = self._col.get(key)
        if col is not None:
            return col
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        eps = self._epochs_of[(d, metric)]
        if epoch not in eps and epoch is not None:
            valid = sorted(e for e in eps if e is not None)
            raise InvalidInputError(
                f"metric {metric!r} on {d!r} has no value at epoch {epoch}; "
                f"available epochs: {valid or 'final value only (epoch=None)'}"
            )
        seeds = sorted({c[3] for c in self._col if c[:2] == (d, metric) and c[3] is not None})
        raise InvalidInputError(
            f"metric {metric!r} on {d!r} has no per-seed value for seed {seed}; "
            f"available seeds: {seeds or 'none (only the mean; use seed=None)'}"
        )

    def query(
        self,
        archs: Any,
        metric: str,
        dataset: str | None = None,
        *,
        epoch: int | None = None,
        seed: int | None = None,
    ) -> Any:
        col = self._column(metric, dataset, epoch, seed)
        if is_single(archs):
            return float(self._values[col, self._row(archs)])
        return self._values[col].take(self.rows(archs))

    def cost(self, archs: Any, dataset: str | None = None) -> Any:
        d = self._dataset(dataset)
        metric = self._cost_metric.get(d)
        if metric is None:
            if is_single(archs):
                self._row(archs)
                return 1.0
            return np.ones(len(self.rows(archs)), dtype=np.float64)
        out = self.query(archs, metric, d)
        return float(out) if is_single(archs) else out.astype(np.float64)

    def cost_source(self, dataset: str | None = None) -> str:
        d = self._dataset(dataset)
        metric = self._cost_metric.get(d)
        if metric is None:
            note = f" ({self._cost_note})" if self._cost_note else ""
            return f"unit cost: 1 simulated second per query; no measured training time{note}"
        return f"measured training time: metric {metric!r} of dataset {d!r}"

    def _full_column(self, metric: str, dataset: str | None, epoch: int | None) -> np.ndarray:
        return np.asarray(self._values[self._column(metric, dataset, epoch, None)])

    def optimum(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> float:
        col = self._full_column(metric, dataset, epoch)
        hib = self.metric_info(metric, dataset).higher_is_better
        return float(np.nanmax(col) if hib else np.nanmin(col))

    def best_arch(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> Arch:
        col = self._full_column(metric, dataset, epoch)
        hib = self.metric_info(metric, dataset).higher_is_better
        row = int(np.nanargmax(col) if hib else np.nanargmin(col))
        return self.space.from_index(int(self.store.index[row]))

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        idx = self.store.index
        data: dict[str, Any] = {
            "index": idx,
            "arch": [self.space.to_str(self.space.from_index(int(i))) for i in idx],
        }
        for c in [] if self.store.extras is None else self.store.extras.columns:
            data[c] = self.store.extras[c].to_numpy()
        for k, (d, m, e, s) in enumerate(self.store.columns):
            name = (
                f"{d}/{m}" + (f"@{e}" if e is not None else "") + (f"#{s}" if s is not None else "")
            )
            data[name] = np.asarray(self._values[k])
        return pd.DataFrame(data)
