"""`ResultLog`: results appended to disk as they arrive, so long studies resume after a crash.

A log is a directory of Parquet part files (`part-<n>.parquet`), each written to a temporary name
and renamed into place, so a kill mid-write leaves no partial part. `done(key_columns)` tells which
units of work are finished; `read()` concatenates the parts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import pandas as pd


class ResultLog:
    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._next: int | None = None  # number of the next part (counted once, not per append)

    def parts(self) -> list[Path]:
        return sorted(self.dir.glob("part-*.parquet"))

    def append(self, rows: pd.DataFrame) -> Path:
        if self._next is None:
            self._next = len(self.parts())
        # The number keeps parts in arrival order; the random suffix keeps two writers apart.
        name = f"part-{self._next:06d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = self.dir / f".{name}.tmp"
        rows.to_parquet(tmp, index=False)
        final = self.dir / name
        os.replace(tmp, final)
        self._next += 1
        return final

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """All parts in arrival order as one table (only `columns`, if given)."""
        parts = self.parts()
        if not parts:
            return pd.DataFrame()
        cols = None if columns is None else list(columns)
        return pd.concat([pd.read_parquet(p, columns=cols) for p in parts], ignore_index=True)

    def done(self, key_columns: Sequence[str]) -> set[tuple]:
        """The distinct key tuples logged so far, reading only the key columns of each part."""
        df = self.read(key_columns)
        if df.empty:
            return set()
        return set(map(tuple, df.drop_duplicates().itertuples(index=False)))
