"""The one query API over tabular and surrogate benchmarks.

`Benchmark` is the core every benchmark meets: a space, datasets, described metrics, `query`,
`cost` and `cost_info`. `FiniteBenchmark` adds what only a benchmark holding a finite table of
architectures has: `archs`, `optimum`, `best_arch`, `to_frame`. A benchmark over an open space (a
surrogate, a supernet) is a plain `Benchmark`: it has no optimum, and studies check `is_finite`
before asking for one. `TabularBenchmark` implements `FiniteBenchmark` over a `TableStore` (a
dense float32 table keyed by the space's index), which is what every embedded and file-backed
benchmark converts its source into.

Querying: `query(archs, metric, dataset, *, epoch=None, seed=None)`.
- `archs` is one architecture (an `Arch`, an int index, a string, an op *tuple*, or a dict such as
  NASLib's NB101 spec or a DARTS genotype dict) -> a float; or a batch (a list, or a NumPy array
  of indices / of op rows) -> a float32 array. Lists are always batches and tuples are always
  single architectures.
- `dataset=None` means the benchmark's default dataset; `epoch=None` the final (or only) value;
  `seed=None` the mean over seeds.

Every metric is described by a `MetricInfo` with a `role` (what kind of quantity it is, see
`ROLES`), the data `split` it is measured on, and its `Provenance` (who produced the numbers).
Cost is described by a `CostInfo`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.store import ColumnKey, TableStore
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidInputError, NotInBenchmarkError, UnknownNameError
from nas_core.provenance import Provenance
from nas_core.spaces.base import SearchSpace

if TYPE_CHECKING:  # pandas is imported lazily: a warm load must not pay for it
    import pandas as pd

#: role -> what a metric of that role is. Studies pick their default metrics from roles.
ROLES: dict[str, str] = {
    "objective": "an accuracy-like quantity to optimise (accuracy, ROC-AUC, ...)",
    "proxy": "a zero-cost or other proxy score that estimates an objective",
    "hardware": "a hardware-dependent quantity: latency, energy, memory, or accuracy measured on "
    "(simulated) target hardware",
    "train_time": "time spent training the network",
    "compute_time": "time spent computing another value (a proxy score, an evaluation pass)",
    "size": "model size: parameters or FLOPs",
    "loss": "a loss value (cross-entropy, ...)",
    "uncertainty": "the spread (e.g. standard deviation) of another metric, not to optimise",
}
#: Data splits a metric can be measured on (None: not tied to a split, e.g. latency).
SPLITS = ("train", "valid", "test")

#: Provenance of metrics naslab knows nothing about (a MetricInfo built without one).
UNSTATED = Provenance("unstated", "not stated by the benchmark")


@dataclass(frozen=True)
class MetricInfo:
    """A metric's description: `role` (one of `ROLES`), `split` (one of `SPLITS` or None) and
    `provenance` (where the values come from)."""

    name: str
    description: str
    unit: str = ""
    higher_is_better: bool = True
    role: str = "objective"
    split: str | None = None
    provenance: Provenance = UNSTATED

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InvalidInputError(
                f"metric {self.name!r}: role must be one of {', '.join(ROLES)}, got {self.role!r}"
            )
        if self.split is not None and self.split not in SPLITS:
            raise InvalidInputError(
                f"metric {self.name!r}: split must be one of {', '.join(SPLITS)} or None, got "
                f"{self.split!r}"
            )
        if not isinstance(self.provenance, Provenance):
            object.__setattr__(self, "provenance", Provenance.from_any(self.provenance))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: CostInfo kinds.
COST_KINDS: dict[str, str] = {
    "measured_training_time": "training time measured when the benchmark was built",
    "unit": "one simulated second per query (the benchmark records no training time)",
    "predicted_training_time": "training time predicted by a model",
}


@dataclass(frozen=True)
class CostInfo:
    """What `Benchmark.cost` charges.

    `kind` is one of `COST_KINDS`; `unit` is seconds (every kind is a time); `epoch_dependent`
    says whether `cost(..., epoch=e)` depends on `e`; `continues` whether a longer run continues
    a shorter one (per-epoch curves of one schedule: reaching epoch 200 after epoch 12 costs the
    difference) rather than retraining from scratch (separate schedules: each epoch count is its
    own run).
    """

    kind: str
    description: str
    unit: str = "s"
    epoch_dependent: bool = False
    continues: bool = False

    def __post_init__(self) -> None:
        if self.kind not in COST_KINDS:
            raise InvalidInputError(
                f"cost kind must be one of {', '.join(COST_KINDS)}, got {self.kind!r}"
            )
        if not self.description:
            raise InvalidInputError("CostInfo needs a description")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def unit_cost(note: str = "") -> CostInfo:
    """The CostInfo of a benchmark without training times."""
    extra = f" ({note})" if note else ""
    return CostInfo(
        "unit", f"unit cost: 1 simulated second per query; no measured training time{extra}"
    )


def is_single(archs: Any) -> bool:
    """True for one architecture, False for a batch (see module docstring)."""
    if isinstance(archs, (Arch, str, int, np.integer, dict)):
        return True
    return type(archs) is tuple and not (archs and isinstance(archs[0], (Arch, str, tuple, list)))


class Benchmark(ABC):
    """The core every benchmark meets (see the module docstring for the query conventions).

    Implement `datasets`, `metrics`, `query`, `cost` and `cost_info`, and set `name` and `space`.
    Nothing here assumes the space is finite or tabulated: `has_optimum` is False unless the
    benchmark is a `FiniteBenchmark`.
    """

    name: str = ""
    space: SearchSpace
    is_surrogate: bool = False
    citation: str = ""
    licence: str = ""
    description: str = ""
    #: Whether `optimum`/`best_arch` exist (True only for `FiniteBenchmark`).
    has_optimum: bool = False

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

    def reader(self, metric: str, dataset: str | None = None) -> Callable[[Any], float]:
        """`read(arch) == self.query(arch, metric, dataset)` for ONE architecture, with the
        metric and dataset checked once: the search loop queries one arch at a time, and
        resolving the column on every call is most of a tabular query's cost. Overrides must
        return exactly what `query` returns and refuse (or report missing) exactly what it does."""
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        query = self.query

        def read(arch: Any) -> float:
            return query(arch, metric, d)

        return read

    @abstractmethod
    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        """Simulated seconds it takes to obtain a query's answer at `epoch` (None: the final
        value), a float for one arch, an array for many; `cost_info` says what it is."""

    @abstractmethod
    def cost_info(self, dataset: str | None = None, *, epoch: int | None = None) -> CostInfo:
        """What `cost` charges on `dataset`."""

    def cost_source(self, dataset: str | None = None) -> str:
        """Where `cost` comes from, in words (`cost_info(dataset).description`)."""
        return self.cost_info(dataset).description

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

    def num_archs(self) -> int | None:
        """How many architectures the benchmark holds values for (None: an open space)."""
        return None

    def info(self) -> dict[str, Any]:
        """Everything `naslab bench info` shows."""
        return {
            "name": self.name,
            "space": self.space.name,
            "space_size": self.space.size,
            "num_archs": self.num_archs(),
            "finite": is_finite(self),
            "is_surrogate": self.is_surrogate,
            "description": self.description,
            "datasets": {
                ds: {
                    "metrics": [m.to_dict() for m in self.metrics(ds)],
                    "cost_source": self.cost_source(ds),
                    "cost": self.cost_info(ds).to_dict(),
                }
                for ds in self.datasets
            },
            "citation": self.citation,
            "licence": self.licence,
        }


class FiniteBenchmark(Benchmark):
    """A benchmark holding values for a finite, listed set of architectures: it can name them,
    its best value (`optimum`), the architecture holding it, and export its whole table."""

    has_optimum = True

    @abstractmethod
    def archs(self, dataset: str | None = None) -> list[Arch]:
        """Every architecture the benchmark holds values for (on `dataset`, if given)."""

    def arch_indices(self, dataset: str | None = None) -> np.ndarray:
        """Space indices of `archs(dataset)`."""
        return self.space.indices(self.archs(dataset))

    def num_archs(self) -> int | None:
        return len(self.arch_indices())

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


def is_finite(bench: Benchmark) -> bool:
    """Whether `bench` holds a finite table (archs, optimum, best_arch, to_frame)."""
    return isinstance(bench, FiniteBenchmark)


#: Largest column `TabularBenchmark.reader` keeps as a Python list (per column, per benchmark).
_LIST_ROWS = 1 << 18


class TabularBenchmark(FiniteBenchmark):
    """A benchmark over a `TableStore`.

    `metric_infos` describes each metric name. `cost_metric` names, per dataset, the metric that
    holds the real training time in seconds (used by `cost`; `cost(..., epoch=e)` reads it at epoch
    e where it has per-epoch values); `cost_per_epoch_metric` names a metric holding seconds per
    epoch, so that `cost(..., epoch=e)` charges e epochs where the training-time metric has no
    value at e. `cost_continues` says whether the per-epoch times are one schedule's curve (a
    longer run continues a shorter one) or each epoch count is its own run. Datasets without a
    cost metric cost 1 simulated second per query, and `cost_info` says so.
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
        cost_per_epoch_metric: dict[str, str] | None = None,
        cost_continues: bool = False,
    ):
        self.name = name
        self.store = store
        self.space = spaces.get(store.space)
        self.citation, self.licence, self.description = citation, licence, description
        self._infos = metric_infos
        self._cost_metric = cost_metric or {}
        self._cost_note = cost_note
        self._cost_per_epoch = cost_per_epoch_metric or {}
        self._cost_continues = cost_continues
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

    def archs(self, dataset: str | None = None) -> list[Arch]:
        """Every architecture in the table (a dense table holds them all on every dataset)."""
        return self.space.archs_at(self.arch_indices(dataset))

    def arch_indices(self, dataset: str | None = None) -> np.ndarray:
        """Space indices of `archs()`, without making `Arch` objects (cheap in time and memory)."""
        if dataset is not None:
            self._dataset(dataset)
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

    def reader(self, metric: str, dataset: str | None = None) -> Callable[[Any], float]:
        """The final (epoch=None, seed=None) value of `metric` for one arch: the column is
        resolved once and, for a table of at most `_LIST_ROWS` rows, read as a list of Python
        floats (the very floats `query` returns). The arch is checked and located as `query`
        does (`space.index`, NotInBenchmarkError for a row the table lacks). A subclass that
        overrides `query` gets the generic reader, which calls its `query`."""
        if type(self).query is not TabularBenchmark.query:
            return super().reader(metric, dataset)
        col = self._column(metric, dataset, None, None)
        column = self._values[col]
        row = self.space.index if self._full else self._row
        if column.dtype.kind != "f" or len(column) > _LIST_ROWS:

            def read_array(arch: Any) -> float:
                return float(column[row(arch)])

            return read_array
        lists = self.__dict__.setdefault("_column_lists", {})
        values = lists.get(col)
        if values is None:
            values = lists[col] = column.tolist()

        def read(arch: Any) -> float:
            return values[row(arch)]

        return read

    def _cost_column(self, d: str, epoch: int | None) -> tuple[str | None, int | None, float]:
        """(metric to read, epoch to read it at, factor) for the cost of `epoch` on dataset `d`;
        metric None = unit cost."""
        metric = self._cost_metric.get(d)
        if metric is None or epoch is None or epoch in self._epochs_of[(d, metric)]:
            return metric, epoch, 1.0
        per_epoch = self._cost_per_epoch.get(d)
        if per_epoch is not None:
            if epoch < 1:
                raise InvalidInputError(f"epoch must be >= 1, got {epoch}")
            return per_epoch, None, float(epoch)
        valid = sorted(e for e in self._epochs_of[(d, metric)] if e is not None)
        raise InvalidInputError(
            f"benchmark {self.name!r} records training time on {d!r} only at epochs "
            f"{valid or 'final (epoch=None)'}, not at epoch {epoch}, and no time per epoch"
        )

    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        d = self._dataset(dataset)
        metric, read_at, factor = self._cost_column(d, epoch)
        if metric is None:
            if is_single(archs):
                self._row(archs)
                return 1.0
            return np.ones(len(self.rows(archs)), dtype=np.float64)
        out = self.query(archs, metric, d, epoch=read_at)
        if is_single(archs):
            return float(out) * factor
        return out.astype(np.float64) * factor

    def cost_info(self, dataset: str | None = None, *, epoch: int | None = None) -> CostInfo:
        d = self._dataset(dataset)
        metric = self._cost_metric.get(d)
        if metric is None:
            return unit_cost(self._cost_note)
        per_epoch = self._cost_per_epoch.get(d)
        eps = self._epochs_of[(d, metric)]
        dependent = per_epoch is not None or len(eps) > 1
        text = f"measured training time: metric {metric!r} of dataset {d!r}"
        if len(eps) > 1:
            text += " at the queried epoch" + (
                " (cumulative seconds of one schedule)" if self._cost_continues else ""
            )
        if per_epoch is not None:
            text += f"; at an epoch it does not hold, epoch x {per_epoch!r} (seconds per epoch)" + (
                "" if self._cost_continues else ", each epoch count trained from scratch"
            )
        return CostInfo(
            "measured_training_time",
            text,
            epoch_dependent=dependent,
            continues=self._cost_continues and dependent,
        )

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
