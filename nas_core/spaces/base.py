"""The search-space protocol every space implements.

A space knows which architectures exist, how to name, sample, mutate, enumerate and encode them.
It knows nothing of benchmarks (which hold measured values) or networks (which are built from an
architecture elsewhere, see `nas_core.networks`). Finite spaces number their members 0..size-1
(`index`/`from_index`); that number is the space's own and is what benchmarks use as their row
key. An open space (`size` None: a space of 10^18 architectures has no usable index table) only
needs what searchers and predictors use: parse/to_str, sample/mutate/neighbours, encodings
computed from the architectures themselves, and a categorical view (`choices`, `to_choices`,
`from_choices`) where one exists. `tests/nas_core/test_space_conformance.py` checks every
registered space against this.
"""

from __future__ import annotations

import reprlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, UnknownNameError

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


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxtuple = 8


def short_repr(value: Any) -> str:
    """`repr` cut to about 80 characters: an error message quotes what it was given, but a pasted
    megabyte (or a 400-deep nesting) must not become the message."""
    return _REPR.repr(value)


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

    # --- categorical view (for TPE, REINFORCE, NSGA-II) -----------------------------------------
    def choices(self) -> tuple[int, ...] | None:
        """Cardinalities of the space's categorical view: `to_choices(arch)[i]` lies in
        0..choices()[i]-1, and `from_choices` reads any such vector, either as a member or with
        an InvalidArchError (a view may hold combinations that are no member: nbgraph's all-skip
        network, an nb101 cell with 10 edges). By default the view is `Arch.ops` itself, for a
        space that is a product of choices (nb201, darts); a space whose ops are no such product
        overrides all three (nb101: 21 edge bits and 5 op choices). None (the default) states
        that the space has no categorical view: categorical searchers then refuse it, and
        `derive_choices` can help an author find the answer for a product space."""
        return None

    def to_choices(self, arch: Any) -> tuple[int, ...]:
        """`arch` (any spelling `parse` reads) as one choice per position of the categorical view:
        what a categorical searcher tells its model about an architecture it did not propose
        itself. `from_choices(to_choices(a)) == parse(a)`. Default: the parsed `Arch.ops`."""
        return tuple(self.parse(arch).ops)

    def from_choices(self, values: Sequence[int]) -> Arch:
        """The member with these choices (normal form: the space may canonicalise, so several
        vectors can name one member). Raises InvalidArchError when the combination is not a
        member. Default: `parse` of the tuple, for spaces whose view is `Arch.ops`."""
        t = tuple(map(as_int, values))
        if None in t:  # 2.9, NaN, a name: refused, never truncated
            raise InvalidArchError(
                f"space {self.name!r}: choices must be integers, got {short_repr(values)}"
            )
        return self.parse(t)

    # --- encodings ----------------------------------------------------------------------------
    def op_rows(self, archs: Any) -> np.ndarray:
        """The `ops` of each architecture of a batch as an (n, L) int64 array, parsed (canonical
        where `parse` canonicalises). `archs`: a sequence of anything `parse` accepts, or a 1-D
        array of indices (finite spaces). The default parses one by one; a finite space with an
        op table overrides it with a vectorised lookup."""
        if isinstance(archs, np.ndarray) and archs.ndim <= 1:
            archs = self.archs_at(self.indices(archs))
        parse = self.parse
        rows = [parse(a).ops for a in archs]
        if not rows:
            return np.zeros((0, len(self.choices() or ())), dtype=np.int64)
        if len({len(r) for r in rows}) != 1:
            raise InvalidInputError(
                f"space {self.name!r}: its architectures have ops of different lengths, so they "
                "have no op array; the space must override `op_rows`/`encode`"
            )
        return np.array(rows, dtype=np.int64).reshape(len(rows), -1)

    def encode(self, archs: Any, kind: str = "onehot") -> np.ndarray:
        """Encode a batch as a float32 array of shape (n, d). `kind` in ENCODINGS.

        Encoders work on the architectures' op rows (`op_rows`), so they need no index table:
        an open space encodes whatever it can parse."""
        encoders = {
            "onehot": self._encode_onehot,
            "adjacency": self._encode_adjacency,
            "path": self._encode_path,
        }
        if kind not in encoders:
            raise UnknownNameError("encoding", kind, encoders)
        return encoders[kind](self.op_rows(archs))

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        """One one-hot block per position, sized by `choices()`, for a space whose categorical
        view is `Arch.ops` (override where that is not the natural encoding or not the view)."""
        sizes = self.choices()
        if sizes is None:
            raise InvalidInputError(
                f"space {self.name!r} has no one-hot encoding (it is not a product of "
                "categorical choices and defines no encoder)"
            )
        n = len(ops)
        out = np.zeros((n, int(sum(sizes))), dtype=np.float32)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        if n:
            out[np.arange(n)[:, None], offsets[None, :] + ops] = 1.0
        return out

    def _encode_adjacency(self, ops: np.ndarray) -> np.ndarray:
        """Flattened adjacency then flattened node features of `_graph_from_ops`."""
        adj, x = self._graph_from_ops(ops)
        flat = [a.reshape(len(a), int(np.prod(a.shape[1:]))) for a in (adj, x)]
        return np.concatenate(flat, axis=1).astype(np.float32, copy=False)

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        """Binary path encoding (BANANAS); spaces that have paths override this."""
        raise InvalidInputError(f"space {self.name!r} has no path encoding")

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Op-on-node DAG form of (n, L) op rows: adjacency (n, V, V), node features (n, V, F)."""
        raise InvalidInputError(f"space {self.name!r} has no graph form (adjacency encoding)")

    def graph_arrays(self, archs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Op-on-node DAG form for a batch: adjacency (n, V, V) and node features (n, V, F)."""
        return self._graph_from_ops(self.op_rows(archs))

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


def derive_choices(space: SearchSpace, n: int = 512, seed: int = 0) -> tuple[int, ...]:
    """Per-position choice counts seen in `n` samples and some neighbourhoods (the largest id
    seen at each position, + 1): a helper for an author writing `choices()` of a product space,
    exact when sampling reaches every value. Searchers never call it: a guess is no contract."""
    rng = np.random.default_rng(seed)
    seen = np.array([a.ops for a in space.sample(rng, n)], dtype=np.int64)
    for a in space.sample(rng, 8):
        nb = space.neighbours(a)
        if nb:
            seen = np.vstack([seen, np.array([b.ops for b in nb], dtype=np.int64)])
    return tuple(int(m) + 1 for m in seen.max(axis=0))
