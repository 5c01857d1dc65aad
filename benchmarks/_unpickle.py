"""A restricted unpickler: source pickles never run arbitrary code or import third-party packages.

Only the globals a format needs are admitted; foreign classes (e.g. `analognasbench.data.
Architecture`) are mapped to plain local record classes, so the source package is never imported.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nas_core.errors import DataFormatError


class Record:
    """Plain attribute bag standing in for a foreign class during unpickling."""

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots) form
            state = {**(state[0] or {}), **(state[1] or {})}
        if not isinstance(state, dict):
            raise DataFormatError(f"unexpected pickled state of type {type(state).__name__}")
        self.__dict__.update(state)


def _numeric_dtype(*args: Any) -> np.dtype:
    dt = np.dtype(*args)
    if dt.hasobject:
        raise DataFormatError("refusing to unpickle an object dtype")
    return dt


def _numpy_scalar(dtype: np.dtype, data: bytes | None = None) -> Any:
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes):
        raise DataFormatError("refusing to unpickle a non-numeric NumPy scalar")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


NUMPY_SCALARS: dict[tuple[str, str], Callable[..., Any]] = {
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("numpy", "dtype"): _numeric_dtype,
}


class _Restricted(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, allowed: Mapping[tuple[str, str], Any]):
        super().__init__(file)
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise DataFormatError(
                f"refusing to unpickle {module}.{name}: not a class this file format uses"
            ) from None


def restricted_load(path: str | Path, allowed: Mapping[tuple[str, str], Any]) -> Any:
    """Unpickle `path`, admitting only the globals in `allowed` (mapped to local stand-ins)."""
    try:
        with open(path, "rb") as f:
            return _Restricted(f, allowed).load()
    except DataFormatError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise DataFormatError(f"{path}: not a readable pickle of the expected format ({e})") from e
