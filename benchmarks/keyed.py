"""`KeyedTabularBenchmark`: a sparse tabular benchmark whose rows are keyed by architecture, for
spaces without an index (nb101, darts).

An open space (`space.size` None) cannot number its members, so its table cannot be keyed by the
space's index as the other tables are. Here each row is keyed by the architecture's canonical
string `space.to_str(space.parse(a))`: any spelling of a stored architecture finds its row, and
two spellings of one architecture (isomorphic NB101 cells, a DARTS node's two edges swapped) can
never be two rows. The store keeps row numbers 0..n-1 as its index and the keys in its metadata
(`meta["row_keys"]`, covered by the cache's checksum), so a warm load reads no Parquet.

Everything else is `SparseTabularBenchmark`'s: NaN is "not measured", `archs(dataset)` lists the
(canonical) architectures measured on a dataset, and `query`/`reader`/`cost`/`optimum`/`best_arch`/
`to_frame` behave as on the other tables. `arch_indices()` exists only where the space is finite;
on an open space it raises and names `archs()`.

Lookups parse each queried architecture once (parsing is what a lookup costs) and remember the
row of every spelling that was found, so a search querying the same arch again pays a dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.base import MetricInfo, is_single
from benchmarks.sparse import SparseTabularBenchmark
from benchmarks.store import ColumnKey, TableStore
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    NotInBenchmarkError,
)

if TYPE_CHECKING:
    import pandas as pd

#: The meta.json entry holding the canonical key of each row, in row order.
ROW_KEYS = "row_keys"
#: Spellings remembered per benchmark (only ones that found a row; bounded, so a long search
#: over an open space cannot grow it without limit).
_MEMO_LIMIT = 1 << 16


def canonical_key(space: Any, arch: Any) -> str:
    """The row key of `arch`: `space.to_str(space.parse(arch))`."""
    return space.to_str(space.parse(arch))


def keyed_store(
    space: str,
    keys: Sequence[str],
    data: dict[ColumnKey, np.ndarray],
    extras: pd.DataFrame | None = None,
    meta: dict[str, Any] | None = None,
    *,
    source: str = "",
) -> TableStore:
    """A `TableStore` with rows 0..n-1 keyed by `keys`, each the canonical string of its arch.

    Raises DataFormatError (naming `source`) when a key is not canonical or appears twice: the
    caller aggregates spellings of one architecture into one row before building the store."""
    sp = spaces.get(space)
    where = f"{source}: " if source else ""
    seen: dict[str, int] = {}
    for r, k in enumerate(keys):
        if not isinstance(k, str):
            raise DataFormatError(f"{where}row key {k!r} is not a string")
        try:
            canon = canonical_key(sp, k)
        except InvalidArchError as e:
            raise DataFormatError(f"{where}row key {k!r} is not a {space} architecture: {e}") from e
        if canon != k:
            raise DataFormatError(
                f"{where}row key {k!r} is not canonical (its canonical form is {canon!r})"
            )
        if k in seen:
            raise DataFormatError(f"{where}architecture {k!r} is in rows {seen[k]} and {r}")
        seen[k] = r
    return TableStore.from_columns(
        space,
        np.arange(len(keys), dtype=np.int64),
        data,
        extras,
        {**(meta or {}), ROW_KEYS: list(keys)},
    )


class KeyedTabularBenchmark(SparseTabularBenchmark):
    """A sparse table over architectures keyed by their canonical string (see module docstring).

    Takes the same arguments as `TabularBenchmark`; the store must come from `keyed_store` (its
    meta holds the row keys)."""

    def __init__(
        self, name: str, store: TableStore, metric_infos: dict[str, MetricInfo], **kw: Any
    ):
        keys = store.meta.get(ROW_KEYS)
        if not isinstance(keys, list) or len(keys) != len(store.index):
            raise DataFormatError(
                f"benchmark {name!r}: the store holds no row keys for its {len(store.index)} rows "
                "(not built by benchmarks.keyed.keyed_store)"
            )
        if not np.array_equal(store.index, np.arange(len(keys))):
            raise DataFormatError(f"benchmark {name!r}: a keyed store's rows must be 0..n-1")
        super().__init__(name, store, metric_infos, **kw)
        self._keys: list[str] = keys
        self._row_of_key: dict[str, int] = {k: r for r, k in enumerate(keys)}
        self._memo: dict[Any, int] = {}
        self._archs: list[Arch] | None = None

    # --- rows -------------------------------------------------------------------------------
    def key(self, arch: Any) -> str:
        """The canonical key of `arch` (InvalidArchError when it is not one of the space)."""
        return canonical_key(self.space, arch)

    def _lookup(self, arch: Any) -> int:
        """Row of one arch, -1 when the table lacks it."""
        memo_key = arch if isinstance(arch, (str, Arch)) else None
        if memo_key is not None:
            row = self._memo.get(memo_key)
            if row is not None:
                return row
        if isinstance(arch, str) and arch in self._row_of_key:  # a canonical string as stored
            row = self._row_of_key[arch]
        elif isinstance(arch, (int, np.integer)) and self.space.size is None:
            raise InvalidArchError(
                f"space {self.space.name!r} is open: it has no index, so {int(arch)} is no "
                f"architecture; pass an Arch or a spelling of one (see .archs())"
            )
        else:
            row = self._row_of_key.get(self.key(arch), -1)
        if row >= 0 and memo_key is not None and len(self._memo) < _MEMO_LIMIT:
            self._memo[memo_key] = row
        return row

    def _items(self, archs: Any) -> list[Any]:
        """A batch as a list of single architectures (a 2-D array: one arch per row)."""
        if isinstance(archs, np.ndarray):
            if archs.ndim == 2:
                return [tuple(r) for r in archs.tolist()]
            if archs.dtype.kind in "iuf":
                if self.space.size is None:
                    raise InvalidArchError(
                        f"space {self.space.name!r} is open: it has no index, so an array of "
                        "numbers names no architectures; pass Archs or their spellings (see "
                        ".archs())"
                    )
                return self.space.archs_at(self.space.indices(archs))
            return archs.tolist()
        return list(archs)

    def rows(self, archs: Any) -> np.ndarray:
        """Row numbers of a batch; NotInBenchmarkError names the architectures the table lacks."""
        items = self._items(archs)
        lookup = self._lookup
        rows = np.fromiter((lookup(a) for a in items), dtype=np.int64, count=len(items))
        if len(rows) and rows.min() < 0:
            self._raise_absent([items[i] for i in np.flatnonzero(rows < 0)])
        return rows

    def _row(self, arch: Any) -> int:
        row = self._lookup(arch)
        if row < 0:
            self._raise_absent([arch])
        return row

    def _raise_absent(self, archs: Sequence[Any]) -> None:
        shown = ", ".join(self.key(a) for a in archs[:3])
        raise NotInBenchmarkError(
            f"{len(archs)} architecture(s) not in benchmark {self.name!r} ({len(self._keys)} "
            f"{self.space.name} archs; see .archs()), e.g. {shown}"
        )

    def _arch_at(self, row: int) -> Arch:
        return self._all_archs()[row]

    def _all_archs(self) -> list[Arch]:
        if self._archs is None:
            parse = self.space.parse
            self._archs = [parse(k) for k in self._keys]
        return self._archs

    # --- listing ----------------------------------------------------------------------------
    def keys(self, dataset: str | None = None) -> list[str]:
        """Canonical keys of `archs(dataset)` (no `Arch` objects made)."""
        if dataset is None:
            return list(self._keys)
        present = self._present(self._dataset(dataset))
        return [self._keys[r] for r in np.flatnonzero(present)]

    def archs(self, dataset: str | None = None) -> list[Arch]:
        """All architectures (canonical `Arch`s), or those measured on `dataset`."""
        every = self._all_archs()
        if dataset is None:
            return list(every)
        present = self._present(self._dataset(dataset))
        return [every[r] for r in np.flatnonzero(present)]

    def arch_indices(self, dataset: str | None = None) -> np.ndarray:
        """Space indices of `archs(dataset)`; only a finite space has them."""
        if self.space.size is None:
            raise InvalidInputError(
                f"space {self.space.name!r} is open: its architectures have no index; use "
                f"archs() (or keys()) of benchmark {self.name!r} instead"
            )
        return self.space.indices(self.archs(dataset))

    def num_archs(self) -> int | None:
        return len(self._keys)

    # --- queries ----------------------------------------------------------------------------
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
            out = float(self._values[col, self._row(archs)])
            if out != out:
                self._raise_missing([archs], metric, dataset)
            return out
        rows = self.rows(archs)
        values = self._values[col].take(rows)
        bad = np.isnan(values)
        if bad.any():
            self._raise_missing([self._keys[r] for r in rows[bad]], metric, dataset)
        return values

    def reader(self, metric: str, dataset: str | None = None) -> Callable[[Any], float]:
        """`query(arch, metric, dataset)` for one arch with the column resolved once."""
        d = self._dataset(dataset)
        col = self._column(metric, d, None, None)
        values = self._values[col].tolist()
        row_of, missing = self._row, self._raise_missing

        def read(arch: Any) -> float:
            out = values[row_of(arch)]
            if out != out:
                missing([arch], metric, d)
            return out

        return read

    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        """Training time of measured archs (1.0 per query where the table has none); an arch not
        measured on the dataset raises, as its query would."""
        d = self._dataset(dataset)
        metric, read_at, factor = self._cost_column(d, epoch)
        single = is_single(archs)
        rows = np.asarray([self._row(archs)]) if single else self.rows(archs)
        present = self._present(d)[rows]
        if not present.all():
            self._raise_missing([self._keys[r] for r in rows[~present]], "cost", d)
        if metric is None:
            return 1.0 if single else np.ones(len(rows), dtype=np.float64)
        col = self._column(metric, d, read_at, None)
        out = self._values[col].take(rows).astype(np.float64) * factor
        if np.isnan(out).any():
            self._raise_missing([self._keys[r] for r in rows[np.isnan(out)]], metric, d)
        return float(out[0]) if single else out

    def best_arch(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> Arch:
        col = self._full_column(metric, dataset, epoch)
        hib = self.metric_info(metric, dataset).higher_is_better
        return self._arch_at(int(np.nanargmax(col) if hib else np.nanargmin(col)))

    def to_frame(self) -> pd.DataFrame:
        """One row per architecture: `arch` (the canonical key), `index` where the space is
        finite, the extras, then one column per `dataset/metric[@epoch][#seed]`."""
        import pandas as pd

        data: dict[str, Any] = {}
        if self.space.size is not None:
            data["index"] = self.space.indices(self._all_archs())
        data["arch"] = list(self._keys)
        for c in [] if self.store.extras is None else self.store.extras.columns:
            data[c] = self.store.extras[c].to_numpy()
        for k, (d, m, e, s) in enumerate(self.store.columns):
            name = (
                f"{d}/{m}" + (f"@{e}" if e is not None else "") + (f"#{s}" if s is not None else "")
            )
            data[name] = np.asarray(self._values[k])
        return pd.DataFrame(data)
