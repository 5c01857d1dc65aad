"""`ResultLog`: results appended to disk as they arrive, so long studies resume after a crash.

A log is a directory of Parquet part files (`part-<n>.parquet`), each written to a temporary name
and renamed into place, so a kill mid-write leaves no partial part. `done(key_columns)` tells which
units of work are finished; `read()` concatenates the parts.

A part that cannot be read (truncated, not Parquet) or lacks the log's `required` columns (a
foreign file) is moved to the `damaged` folder with a warning and ignored: its units of work are
then not done, so the caller redoes them, and the good parts are kept. A write that fails for a
reason the user must fix (full disk, no permission, read-only) raises `OutputWriteError` naming
the folder, and leaves no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from nas_core.errors import OutputWriteError

_WRITE_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
}


class DamagedOutputWarning(UserWarning):
    """A damaged file in an output folder was set aside (its work is redone)."""


@contextlib.contextmanager
def guard_writes(folder: str | Path) -> Iterator[None]:
    """Turn an OSError the user must fix (full disk, permissions, read-only) into one clear
    `OutputWriteError` naming `folder`."""
    try:
        yield
    except OutputWriteError:
        raise
    except OSError as e:
        why = _WRITE_ERRNOS.get(e.errno or -1)
        if why is None:
            raise
        raise OutputWriteError(
            f"cannot write to {folder}: {why}; free some space, fix its permissions, or give "
            "another output folder"
        ) from None


def set_aside(path: Path, damaged_dir: Path, reason: str) -> Path:
    """Move a damaged file out of the way (never delete it) and warn; returns its new place."""
    damaged_dir.mkdir(parents=True, exist_ok=True)
    target = damaged_dir / path.name
    if target.exists():
        target = (
            damaged_dir / f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        )
    shutil.move(str(path), str(target))
    warnings.warn(
        f"{path} is damaged ({reason}); moved it to {target} and will redo its work",
        DamagedOutputWarning,
        stacklevel=3,
    )
    return target


def write_atomic(path: Path, write) -> Path:
    """Call `write(tmp)` on a hidden temporary file beside `path`, then rename it into place; on
    failure remove the temporary file (no partial file is ever presented as a result)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with guard_writes(path.parent):
        try:
            write(tmp)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return path


class ResultLog:
    def __init__(
        self,
        directory: str | Path,
        *,
        required: Sequence[str] = (),
        damaged_dir: str | Path | None = None,
    ):
        """`required`: columns every part must have (else it is foreign, see the module
        docstring); `damaged_dir`: where unreadable parts go (default `<directory>/.damaged`)."""
        self.dir = Path(directory)
        with guard_writes(self.dir.parent):
            self.dir.mkdir(parents=True, exist_ok=True)
        self.required = tuple(required)
        self.damaged_dir = Path(damaged_dir) if damaged_dir else self.dir / ".damaged"
        self._next: int | None = None  # number of the next part (counted once, not per append)
        self._checked: set[str] = set()  # parts already found readable (by name)

    def parts(self) -> list[Path]:
        return sorted(self.dir.glob("part-*.parquet"))

    def clean_temp(self) -> int:
        """Remove temporary files left by a writer that was killed mid-write (only safe while
        holding the output folder's lock); returns how many."""
        n = 0
        for p in self.dir.glob(".part-*.tmp"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
        return n

    def append(self, rows: pd.DataFrame) -> Path:
        if self._next is None:
            self._next = len(self.parts())
        # The number keeps parts in arrival order; the random suffix keeps two writers apart.
        name = f"part-{self._next:06d}-{uuid.uuid4().hex[:8]}.parquet"
        final = self.dir / name
        tmp = self.dir / f".{name}.tmp"
        with guard_writes(self.dir):
            try:
                rows.to_parquet(tmp, index=False)
                os.replace(tmp, final)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
        self._checked.add(name)
        self._next += 1
        return final

    def _read_part(self, p: Path, cols: list[str] | None) -> pd.DataFrame | None:
        """The part's rows, or None after setting it aside when it is damaged or foreign."""
        try:
            if p.name not in self._checked and self.required:
                import pyarrow.parquet as pq

                names = set(pq.read_schema(p).names)
                missing = [c for c in self.required if c not in names]
                if missing:
                    set_aside(p, self.damaged_dir, f"not a part of this log: no {missing[0]!r}")
                    return None
            df = pd.read_parquet(p, columns=cols)
        except OSError as e:
            if e.errno is not None:  # a real I/O error (permissions, ...), not a bad file
                raise
            set_aside(p, self.damaged_dir, f"unreadable: {e}")
            return None
        except (ValueError, KeyError, EOFError) as e:  # pyarrow's ArrowInvalid is a ValueError
            set_aside(p, self.damaged_dir, f"unreadable: {e}")
            return None
        self._checked.add(p.name)
        return df

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """All readable parts in arrival order as one table (only `columns`, if given)."""
        cols = None if columns is None else list(columns)
        frames = [df for p in self.parts() if (df := self._read_part(p, cols)) is not None]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    def done(self, key_columns: Sequence[str]) -> set[tuple]:
        """The distinct key tuples logged so far, reading only the key columns of each part."""
        df = self.read(key_columns)
        if df.empty:
            return set()
        return set(map(tuple, df.drop_duplicates().itertuples(index=False)))
