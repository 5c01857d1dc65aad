"""The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020): 15,625 cells.

A cell has nodes 0..3; node j sums op(i->j)(node i) over i < j; node 3 is the output. An `Arch`
stores one op id per edge, in NASLib's conventions (shared by the analognas and suite-zero data):

- op ids: 0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3;
- edge positions: (0->1), (0->2), (0->3), (1->2), (1->3), (2->3).

The space's index is the base-5 number of that op tuple (first edge most significant). It is NOT
the official NAS-Bench-201 index, which benchmarks keep as a column of their own.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, UnknownNameError
from nas_core.spaces.base import SearchSpace, as_int, int_array, short_repr

OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
SKIP, NONE, CONV3, CONV1, POOL = range(5)
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
NUM_EDGES = len(EDGES)
NUM_OPS = len(OPS)
SIZE = NUM_OPS**NUM_EDGES
# The NB201 string lists edges by target node: |e01|+|e02|e12|+|e03|e13|e23|.
_STR_ORDER = (0, 1, 3, 2, 4, 5)  # string slot -> edge position
_POW = NUM_OPS ** np.arange(NUM_EDGES - 1, -1, -1, dtype=np.int64)
_OP_ID = {name: i for i, name in enumerate(OPS)}
_STR_RE = re.compile(r"^\|.*\|$")
_INT_RE = re.compile(r"^-?[0-9]+$")

# Op-on-node DAG used by the adjacency and graph encodings: node 0 = cell input, nodes 1..6 = the
# six edges' ops (in edge order), node 7 = cell output. Feature columns: input, output, 5 ops.
_GRAPH_NODES = 8
_GRAPH_FEATS = 2 + NUM_OPS
_DAG_LINKS: tuple[tuple[int, int], ...] = (
    (0, 1),
    (0, 2),
    (0, 3),  # input feeds edges leaving cell node 0
    (1, 4),
    (1, 5),  # edge 0->1 feeds edges leaving cell node 1
    (2, 6),
    (4, 6),  # edges into cell node 2 feed edge 2->3
    (3, 7),
    (5, 7),
    (6, 7),  # edges into cell node 3 feed the output
)

# Path encoding (BANANAS, White et al. 2021): the four input->output routes through the cell,
# as edge positions; a route through a 'none' edge does not exist. Paths are identified by their
# op sequence over the four non-none ops, so there are 4 + 16 + 64 = 84 binary features.
_ROUTES: tuple[tuple[int, ...], ...] = ((2,), (0, 4), (1, 5), (0, 3, 5))
_LIVE_OPS = (SKIP, CONV3, CONV1, POOL)


class NB201Space(SearchSpace):
    name = "nb201"
    ops = OPS
    size = SIZE
    edges = EDGES

    def __init__(self) -> None:
        grid = np.indices((NUM_OPS,) * NUM_EDGES).reshape(NUM_EDGES, -1).T
        self.op_array: np.ndarray = np.ascontiguousarray(grid, dtype=np.int8)  # (15625, 6)
        self._str_cache: dict[str, Arch] = {}
        # Arch objects already checked (or built valid by this space), by identity: a search
        # passes the same objects around (proposal, benchmark query, parent of a mutation), and
        # checking one again cost ~20% of a regularized-evolution step. `_checked.get(a) is a`
        # holds only for the very object stored, so an equal but different object (NumPy or
        # float ops) still goes through the full check.
        self._checked: dict[Arch, Arch] = {}

    def _mark_checked(self, arch: Arch) -> Arch:
        if len(self._checked) >= 1 << 16:
            self._checked.clear()
        self._checked[arch] = arch
        return arch

    @cached_property
    def _index_of(self) -> dict[tuple[int, ...], int]:
        """op tuple -> index; built on first batch conversion of a list (a dict lookup is the
        fastest per-element path from Python objects), never for single queries."""
        return dict(zip(map(tuple, self.op_array.tolist()), range(SIZE), strict=True))

    # --- identity -----------------------------------------------------------------------------
    def parse(self, obj: Any) -> Arch:
        if isinstance(obj, Arch):
            if type(obj) is Arch and type(obj.ops) is tuple and self._checked.get(obj) is obj:
                return obj
            if obj.space != self.name:
                raise InvalidArchError(
                    f"architecture of space {obj.space!r} given to space {self.name!r}"
                )
            if len(obj.ops) == NUM_EDGES and all(
                type(o) is int and 0 <= o < NUM_OPS for o in obj.ops
            ):
                return self._mark_checked(obj) if type(obj.ops) is tuple else obj
            return self.parse(tuple(obj.ops))  # normalises NumPy ints, or raises
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            return self.from_index(int(obj))
        if isinstance(obj, str):
            arch = self._str_cache.get(obj)
            if arch is None:
                arch = self._parse_str(obj.strip())
                if len(self._str_cache) < 1 << 16:
                    self._str_cache[obj] = arch
            return arch
        if isinstance(obj, (tuple, list, np.ndarray)):
            if isinstance(obj, np.ndarray) and obj.ndim != 1:
                raise InvalidArchError(
                    f"one nb201 cell is a 1-D op tuple of length {NUM_EDGES}, got an array of "
                    f"shape {obj.shape}"
                )
            ops = tuple(map(as_int, obj))
            if None in ops:  # 2.9, NaN, a name: refused, never truncated
                raise InvalidArchError(
                    f"nb201 op tuple must hold integer op ids 0..{NUM_OPS - 1}, got {short_repr(obj)}"
                )
            if len(ops) == NUM_EDGES and all(0 <= o < NUM_OPS for o in ops):
                return Arch("nb201", ops)
            raise InvalidArchError(
                f"nb201 op tuple needs {NUM_EDGES} op ids in 0..{NUM_OPS - 1} "
                f"({', '.join(f'{i} {o}' for i, o in enumerate(OPS))}), got {short_repr(obj)}"
            )
        raise InvalidArchError(
            f"cannot read {short_repr(obj)} ({type(obj).__name__}) as an nb201 cell: give an Arch, an index "
            f"0..{SIZE - 1}, an op-id tuple of length 6, or a string like "
            f"'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|skip_connect~2|'"
        )

    def _parse_str(self, s: str) -> Arch:
        if _INT_RE.match(s):  # ASCII digits only: int() refuses "²", isdigit() does not
            if len(s.lstrip("-").lstrip("0")) > 20:  # int() refuses > 4,300 digits
                raise InvalidArchError(
                    f"nb201 index must lie in 0..{SIZE - 1}, got {short_repr(s)} ({len(s)} digits)"
                )
            return self.from_index(int(s))
        if s.startswith("(") or s.startswith("["):
            try:
                value = ast.literal_eval(s)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise InvalidArchError(
                    f"cannot read {short_repr(s)} as an nb201 op tuple"
                ) from None
            return self.parse(value)
        if not _STR_RE.match(s):
            raise InvalidArchError(
                f"cannot read {short_repr(s)} as an nb201 cell string; expected the form "
                "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|'"
            )
        nodes = s.split("+")
        slots: list[int] = []
        for j, node in enumerate(nodes, start=1):
            parts = [p for p in node.strip("|").split("|")]
            if len(nodes) != 3 or len(parts) != j:
                raise InvalidArchError(
                    f"nb201 cell string must have 3 nodes with 1, 2, 3 inputs, got {short_repr(s)}"
                )
            for i, part in enumerate(parts):
                name, _, src = part.partition("~")
                if src != str(i):
                    raise InvalidArchError(
                        f"in {short_repr(s)}: input {part!r} should come from node {i}"
                    )
                if name not in _OP_ID:
                    raise UnknownNameError("op", name, OPS)
                slots.append(_OP_ID[name])
        ops = [0] * NUM_EDGES
        for slot, pos in enumerate(_STR_ORDER):
            ops[pos] = slots[slot]
        return Arch("nb201", tuple(ops))

    def to_str(self, arch: Arch) -> str:
        a, b, c, d, e, f = self.parse(arch).ops
        o = OPS  # no list: this runs once per distinct arch of every search trajectory
        return f"|{o[a]}~0|+|{o[b]}~0|{o[d]}~1|+|{o[c]}~0|{o[e]}~1|{o[f]}~2|"

    def index(self, arch: Any) -> int:
        """Base-5 number of the op tuple; accepts anything `parse` accepts."""
        if type(arch) is Arch and type(arch.ops) is tuple and self._checked.get(arch) is arch:
            a, b, c, d, e, f = arch.ops
            return ((((a * 5 + b) * 5 + c) * 5 + d) * 5 + e) * 5 + f
        if type(arch) is Arch:
            ops = arch.ops if arch.space == "nb201" else None
        else:
            ops = arch if type(arch) is tuple else None  # an op tuple, checked below
        if (
            ops is None
            or len(ops) != NUM_EDGES
            or not all(type(o) is int and 0 <= o < NUM_OPS for o in ops)
        ):
            ops = self.parse(arch).ops
        a, b, c, d, e, f = ops
        return ((((a * 5 + b) * 5 + c) * 5 + d) * 5 + e) * 5 + f

    def from_index(self, i: int) -> Arch:
        if not 0 <= i < SIZE:
            raise InvalidArchError(f"nb201 index must lie in 0..{SIZE - 1}, got {i}")
        i, f = divmod(int(i), 5)
        i, e = divmod(i, 5)
        i, d = divmod(i, 5)
        i, c = divmod(i, 5)
        a, b = divmod(i, 5)
        return Arch("nb201", (a, b, c, d, e, f))

    def indices(self, archs: Any) -> np.ndarray:
        if isinstance(archs, np.ndarray) and archs.ndim == 2 and archs.shape[1] == NUM_EDGES:
            return check_op_rows(archs) @ _POW
        if isinstance(archs, (list, tuple)) and archs and all(type(a) is Arch for a in archs):
            get = self._index_of.get
            out = np.fromiter((get(a.ops, -1) for a in archs), dtype=np.int64, count=len(archs))
            if out.min() >= 0 and all(a.space == "nb201" for a in archs):
                return out
        return super().indices(archs)

    def all_archs(self) -> list[Arch]:
        return self.archs_at(np.arange(SIZE))

    def archs_at(self, indices: Any) -> list[Arch]:
        idx = np.asarray(indices, dtype=np.int64)
        return [Arch("nb201", t) for t in map(tuple, self.op_array[idx].tolist())]

    # --- search moves -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        return self.archs_at(rng.integers(0, SIZE, size=n))

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        ops = list(self.parse(arch).ops)
        edge = int(rng.integers(NUM_EDGES))
        ops[edge] = (ops[edge] + int(rng.integers(1, NUM_OPS))) % NUM_OPS
        # valid by construction; an equal child already known is returned instead, so the
        # objects a search holds stay the ones remembered (re-marking an equal new object would
        # make the held one fail the identity test and be checked again)
        child = Arch("nb201", tuple(ops))
        checked = self._checked
        if len(checked) >= 1 << 16:
            checked.clear()
        return checked.setdefault(child, child)

    def neighbours(self, arch: Arch) -> list[Arch]:
        base = self.parse(arch).ops
        out = []
        for e in range(NUM_EDGES):
            for o in range(NUM_OPS):
                if o != base[e]:
                    ops = base[:e] + (o,) + base[e + 1 :]
                    out.append(Arch("nb201", ops))
        return out

    # --- isomorphism --------------------------------------------------------------------------
    @cached_property
    def _canonical_index(self) -> np.ndarray:
        """For every cell, the smallest index with the same computation (see `isomorphism_key`)."""
        first: dict[str, int] = {}
        out = np.empty(SIZE, dtype=np.int64)
        for i, ops in enumerate(self.op_array.tolist()):
            out[i] = first.setdefault(isomorphism_key(ops), i)
        return out

    def canonical(self, arch: Arch) -> Arch:
        return self.from_index(int(self._canonical_index[self.index(arch)]))

    def canonical_indices(self, archs: Any) -> np.ndarray:
        return self._canonical_index[self.indices(archs)]

    # --- categorical view and encodings --------------------------------------------------------
    def choices(self) -> tuple[int, ...]:
        """One of 5 ops on each of the 6 edges: every combination is a cell."""
        return (NUM_OPS,) * NUM_EDGES

    def op_rows(self, archs: Any) -> np.ndarray:
        """Vectorised: the op table at the batch's indices."""
        return self.op_array[self.indices(archs)].astype(np.int64)

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        return np.eye(NUM_OPS, dtype=np.float32)[ops].reshape(len(ops), NUM_EDGES * NUM_OPS)

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(ops)
        x = np.zeros((n, _GRAPH_NODES, _GRAPH_FEATS), dtype=np.float32)
        x[:, 0, 0] = 1.0
        x[:, -1, 1] = 1.0
        rows = np.arange(n)[:, None]
        x[rows, np.arange(1, 7)[None, :], 2 + ops] = 1.0
        adj = np.zeros((n, _GRAPH_NODES, _GRAPH_NODES), dtype=np.float32)
        src, dst = np.array(_DAG_LINKS).T
        adj[:, src, dst] = 1.0
        # A 'none' edge carries nothing: cut its node off so connectivity shows in the adjacency.
        dead = np.zeros((n, _GRAPH_NODES), dtype=bool)
        dead[:, 1:7] = ops == NONE
        adj[dead] = 0.0
        adj.transpose(0, 2, 1)[dead] = 0.0
        return adj, x

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        live = np.full(NUM_OPS, -1, dtype=np.int64)
        live[list(_LIVE_OPS)] = np.arange(len(_LIVE_OPS))
        lops = live[ops]  # -1 for none
        n = len(ops)
        out = np.zeros((n, 4 + 16 + 64), dtype=np.float32)
        offsets = {1: 0, 2: 4, 3: 20}
        rows = np.arange(n)
        for route in _ROUTES:
            seq = lops[:, list(route)]
            ok = (seq >= 0).all(axis=1)
            code = np.zeros(n, dtype=np.int64)
            for k in range(len(route)):
                code = code * 4 + np.maximum(seq[:, k], 0)
            out[rows[ok], offsets[len(route)] + code[ok]] = 1.0
        return out


def check_op_rows(rows: np.ndarray) -> np.ndarray:
    """An (n, 6) op-id array as int64, or InvalidArchError naming the first bad row: an id out
    of 0..4 would otherwise index another cell (7 -> a neighbour, -1 -> the last op) and a float
    would be truncated. One min/max pass, so a full-table batch stays ~1 ns per cell."""
    ops = int_array(rows, "nb201 op array")
    if ops.size and (ops.min() < 0 or ops.max() >= NUM_OPS):
        r = int(np.argmax(((ops < 0) | (ops >= NUM_OPS)).any(axis=1)))
        raise InvalidArchError(
            f"nb201 op array: row {r} {ops[r].tolist()} has an op id outside 0..{NUM_OPS - 1} "
            f"({', '.join(f'{i} {o}' for i, o in enumerate(OPS))})"
        )
    return ops


def isomorphism_key(ops: Sequence[int]) -> str:
    """The NATS-Bench isomorphism key of a cell (its "unique string"): 6,466 distinct values.

    Follows NATS-Bench's `Structure.to_unique_str(consider_zero=True)`: node j's string is its
    inputs' strings joined by '+' after sorting, where skip passes the input's string through
    unchanged (as one element), 'none' or an input that is exactly zero gives `#`, and any other op
    gives `(input)@op`. This is a syntactic key, finer than functional equivalence (which would
    merge cells into fewer classes); matching it keeps naslab's classes identical to the
    benchmark's.
    """
    nodes = ["0", "", "", ""]
    terms: list[list[str]] = [[], [], [], []]
    for pos, (i, j) in enumerate(EDGES):
        op = ops[pos]
        if op == NONE or nodes[i] == "#":
            terms[j].append("#")
        elif op == SKIP:
            terms[j].append(nodes[i])
        else:
            terms[j].append(f"({nodes[i]})@{OPS[op]}")
        if len(terms[j]) == j:  # all inputs of node j seen (edges are ordered by source)
            nodes[j] = "+".join(sorted(terms[j]))
    return nodes[3]
