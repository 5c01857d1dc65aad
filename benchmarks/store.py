"""`TableStore`: a benchmark table on disk and in memory (Syne Tune's blackbox layout).

- `values.npy`: float32 array of shape (n_columns, n_rows); column-major so one metric for a batch
  of rows is one contiguous read. Loaded memory-mapped, so a large table costs resident memory only
  for the columns actually queried.
- `index.npy`: the space's own index of each row (int64, sorted ascending).
- `rows.parquet`: per-row extras (e.g. the official benchmark index, the arch string), written and
  read only when there are any, so a warm load of a plain table never imports pandas/pyarrow.
- `meta.json`: space name, the column keys (dataset, metric, epoch, seed), metric descriptions,
  citation, licence, cost source.

A missing value is NaN. Column keys use `epoch=None` for "the benchmark's final/only value" and
`seed=None` for "mean over seeds".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

ColumnKey = tuple[str, str, int | None, int | None]  # dataset, metric, epoch, seed


@dataclass
class TableStore:
    space: str
    index: np.ndarray  # (n_rows,) int64 space indices, strictly increasing
    values: np.ndarray  # (n_columns, n_rows) float32
    columns: list[ColumnKey]
    extras: pd.DataFrame | None = None  # per-row, aligned with `index`; None when there are none
    meta: dict[str, Any] = field(default_factory=dict)

    META = "meta.json"
    #: Bumped whenever the on-disk layout changes; part of every cache key.
    FORMAT = 2

    def __post_init__(self) -> None:
        self.index = np.asarray(self.index, dtype=np.int64)
        if self.values.shape != (len(self.columns), len(self.index)):
            raise ValueError(
                f"values shape {self.values.shape} != (columns {len(self.columns)}, "
                f"rows {len(self.index)})"
            )
        if len(self.index) > 1 and not (np.diff(self.index) > 0).all():
            order = np.argsort(self.index, kind="stable")
            if (np.diff(self.index[order]) == 0).any():
                raise ValueError("duplicate architectures in table")
            self.index = self.index[order]
            self.values = self.values[:, order]
            if self.extras is not None and len(self.extras):
                self.extras = self.extras.iloc[order].reset_index(drop=True)

    @classmethod
    def from_columns(
        cls,
        space: str,
        index: np.ndarray,
        data: dict[ColumnKey, np.ndarray],
        extras: pd.DataFrame | None = None,
        meta: dict[str, Any] | None = None,
    ) -> TableStore:
        cols = list(data)
        values = np.empty((len(cols), len(index)), dtype=np.float32)
        for k, c in enumerate(cols):
            values[k] = np.asarray(data[c], dtype=np.float32)
        if extras is not None and len(extras.columns) == 0:
            extras = None
        return cls(space, np.asarray(index), values, cols, extras, meta or {})

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        np.save(d / "values.npy", np.ascontiguousarray(self.values, dtype=np.float32))
        np.save(d / "index.npy", self.index)
        if self.extras is not None and len(self.extras.columns):
            self.extras.reset_index(drop=True).to_parquet(d / "rows.parquet", index=False)
        meta = {"space": self.space, "columns": [list(c) for c in self.columns], **self.meta}
        (d / self.META).write_text(json.dumps(meta, indent=1, default=str))

    @classmethod
    def load(cls, directory: str | Path) -> TableStore:
        d = Path(directory)
        meta = json.loads((d / cls.META).read_text())
        extras = None
        if (d / "rows.parquet").exists():
            import pandas as pd

            extras = pd.read_parquet(d / "rows.parquet")
        values = np.load(d / "values.npy", mmap_mode="r")
        index = np.load(d / "index.npy")
        cols = [(c[0], c[1], c[2], c[3]) for c in meta.pop("columns")]
        space = meta.pop("space")
        return cls(space, index, values, cols, extras, meta)
