"""The search-space protocol every space implements.

A space knows which architectures exist, how to name, sample, mutate, enumerate and encode them.
It knows nothing of benchmarks (which hold measured values) or networks (which are built from an
architecture elsewhere). Finite spaces number their members 0..size-1 (`index`/`from_index`); that
number is the space's own and is what benchmarks use as their row key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, UnknownNameError

ENCODINGS = ("onehot", "adjacency", "path")


def as_int(value: Any) -> int | None:
    """`value` as an int when it is one: an int, a NumPy integer, a float with an integral value
    (2.0: pandas turns int columns with a gap into floats) or a string of digits; None for
    anything else (2.9, NaN, inf, a bool, a name), so a caller never truncates silently."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def int_array(values: Any, what: str) -> np.ndarray:
    """`values` as an int64 array; a float array only when every value is integral (and finite).
    Raises InvalidArchError naming the first bad position otherwise (no silent truncation)."""
    a = values if isinstance(values, np.ndarray) else np.asarray(values)
    if a.dtype.kind in "iu":
        return a.astype(np.int64, copy=False)
    if a.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(a) | (a != np.floor(a))
        if not bad.any():
            return a.astype(np.int64)
        pos = np.argwhere(bad)[0]
        at = f"row {pos[0]} {a[pos[0]].tolist()}" if a.ndim == 2 else f"position {pos[0]}"
        raise InvalidArchError(
            f"{what}: {at} holds {a[tuple(pos)].item()!r}, which is not an integer "
            "(ids and indices are whole numbers: 2.0 is read as 2, 2.9 is refused, not rounded)"
        )
    raise InvalidArchError(f"{what} must hold integers, got an array of dtype {a.dtype}")


class SearchSpace(ABC):
    """Abstract search space. Subclasses set `name`, `ops` and implement the abstract methods."""

    name: str = ""
    #: Human-readable op names, in the order of the ints stored in `Arch.ops` (where that applies).
    ops: tuple[str, ...] = ()
    #: Number of architectures, or None when unbounded.
    size: int | None = None

    # --- identity -----------------------------------------------------------------------------
    @abstractmethod
    def parse(self, obj: Any) -> Arch:
        """Accept every common spelling of an architecture; raise InvalidArchError otherwise."""

    @abstractmethod
    def to_str(self, arch: Arch) -> str:
        """The benchmark's own string form."""

    @abstractmethod
    def index(self, arch: Arch) -> int:
        """Position of `arch` in 0..size-1."""

    @abstractmethod
    def from_index(self, i: int) -> Arch:
        """Inverse of `index`."""

    def indices(self, archs: Any) -> np.ndarray:
        """Batch `index`: a sequence of anything `parse` accepts, or a 1-D array of indices (ints,
        or floats with integral values), -> int64 array. A 2-D array is one architecture per row
        (each row parsed; spaces with op arrays check them in one vectorised pass)."""
        if isinstance(archs, np.ndarray) and archs.ndim <= 1 and archs.dtype.kind in "iuf":
            # An array is an array of indices; floats only when integral (see `int_array`).
            idx = int_array(archs, f"{self.name} index array").reshape(-1)
            # One pass: as uint64 a negative index wraps to a huge one, so max() catches both ends.
            if idx.size and (
                idx.min() < 0 if self.size is None else int(idx.view(np.uint64).max()) >= self.size
            ):
                raise InvalidArchError(
                    f"{self.name}: indices must lie in 0..{(self.size or 0) - 1}, "
                    f"got range {idx.min()}..{idx.max()}"
                )
            return idx
        index, parse = self.index, self.parse
        return np.fromiter((index(parse(a)) for a in archs), dtype=np.int64, count=len(archs))

    def archs_at(self, indices: Any) -> list[Arch]:
        """Batch `from_index`."""
        f = self.from_index
        return [f(int(i)) for i in np.asarray(indices, dtype=np.int64).reshape(-1)]

    def canonical(self, arch: Arch) -> Arch:
        """A fixed representative of `arch`'s isomorphism class (itself when there is none)."""
        return arch

    def all_archs(self) -> list[Arch]:
        if self.size is None:
            raise InvalidArchError(f"space {self.name!r} is unbounded and cannot be enumerated")
        return [self.from_index(i) for i in range(self.size)]

    # --- search moves -------------------------------------------------------------------------
    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        """`n` architectures drawn uniformly at random (with replacement)."""

    @abstractmethod
    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        """A random neighbour (one elementary change) of `arch`, never `arch` itself."""

    @abstractmethod
    def neighbours(self, arch: Arch) -> list[Arch]:
        """Every architecture one elementary change away, in a fixed order."""

    # --- encodings ----------------------------------------------------------------------------
    def encode(self, archs: Sequence[Any], kind: str = "onehot") -> np.ndarray:
        """Encode a batch as a float32 array of shape (n, d). `kind` in ENCODINGS."""
        encoders = {
            "onehot": self._encode_onehot,
            "adjacency": self._encode_adjacency,
            "path": self._encode_path,
        }
        if kind not in encoders:
            raise UnknownNameError("encoding", kind, encoders)
        return encoders[kind](self.indices(archs))

    @abstractmethod
    def _encode_onehot(self, idx: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _encode_adjacency(self, idx: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _encode_path(self, idx: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def graph_arrays(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Op-on-node DAG form for a batch: adjacency (n, V, V) and node features (n, V, F)."""

    def to_graph(self, arch: Any) -> Any:
        """A torch-geometric `Data` (x: node one-hot, edge_index: directed DAG edges)."""
        import torch
        from torch_geometric.data import Data

        adj, x = self.graph_arrays([arch])
        src, dst = np.nonzero(adj[0])
        edge_index = torch.as_tensor(np.stack([src, dst]), dtype=torch.long)
        return Data(x=torch.as_tensor(x[0]), edge_index=edge_index, num_nodes=x.shape[1])

    def to_graphs(self, archs: Sequence[Any]) -> list[Any]:
        return [self.to_graph(a) for a in archs]

    def check(self, arch: Arch) -> Arch:
        """Raise InvalidArchError unless `arch` belongs to this space."""
        if not isinstance(arch, Arch) or arch.space != self.name:
            space = arch.space if isinstance(arch, Arch) else type(arch).__name__
            raise InvalidArchError(f"architecture of space {space!r} given to space {self.name!r}")
        return arch
