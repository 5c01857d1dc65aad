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

    def parts(self) -> list[Path]:
        return sorted(self.dir.glob("part-*.parquet"))

    def append(self, rows: pd.DataFrame) -> Path:
        name = f"part-{len(self.parts()):06d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = self.dir / f".{name}.tmp"
        rows.to_parquet(tmp, index=False)
        final = self.dir / name
        os.replace(tmp, final)
        return final

    def read(self) -> pd.DataFrame:
        parts = self.parts()
        if not parts:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)

    def done(self, key_columns: Sequence[str]) -> set[tuple]:
        df = self.read()
        if df.empty:
            return set()
        return set(map(tuple, df[list(key_columns)].drop_duplicates().itertuples(index=False)))
