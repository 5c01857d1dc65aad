"""The NAS-Bench-101 cell space (Ying et al., ICML 2019): 423,624 unique cells.

A cell is a DAG of at most 7 vertices given as a strictly upper-triangular adjacency matrix and an
op list: vertex 0 is the input, the last vertex the output, every interior vertex one of
`conv3x3-bn-relu`, `conv1x1-bn-relu`, `maxpool3x3`. As in NAS-Bench-101, a spelling is first
*pruned* (vertices not on an input->output path are removed; a spelling with no such path is not
a cell) and then holds at most 9 edges.

Normal form. `parse` returns one fixed representative of the cell's isomorphism class, so two
`Arch` values are equal exactly when NAS-Bench-101 trains them as the same model: the pruned graph
relabelled by the permutation of its interior vertices (keeping the matrix upper triangular) whose
(upper-triangle bits, op ids) is lexicographically largest, padded back to 7 vertices by isolated
vertices placed before the output. `Arch.ops` is that padded cell in the NAS-Bench-Suite-Zero /
NASLib tuple layout: the 49 entries of the 7x7 matrix, row by row, then 7 op ids in NASLib's
numbering `OPS` (0 input, 1 output, 2 maxpool3x3, 3 conv1x1-bn-relu, 4 conv3x3-bn-relu; padding
vertices carry `PAD_OP`). `hash(arch)` is NAS-Bench-101's own cell key (its `graph_util.hash_module`
fingerprint, the key of its dataset files), recomputed here from the published algorithm.

Why open (`size` None). Numbering the 423,624 classes needs all of them enumerated and
canonicalised: 2^21 matrices times 3^5 op lists, far too slow to build on import. The space
therefore has no index table (benchmarks key it by `hash`).

Categorical view (`choices`, `to_choices`, `from_choices`; what TPE, REINFORCE and NSGA-II
search). `Arch.ops` is no product of choices, so the view is the encoding NAS-Bench-101's own
hyper-parameter-optimisation baselines use (`NASCifar10A` of its `nas_benchmarks` repository,
also NASLib's and Syne Tune's): the 21 upper-triangle entries of the 7x7 matrix in row-major
order (`np.triu_indices(7, 1)`), each 0/1, then the op of each of the 5 interior vertices, 0
conv3x3-bn-relu, 1 conv1x1-bn-relu, 2 maxpool3x3 (NAS-Bench-101's op order). `from_choices`
builds that (matrix, ops) spelling and parses it (prunes, canonicalises; no input->output path or
more than 9 edges after pruning: InvalidArchError); about 74% of uniformly random vectors are cells
(many of them small cells, so they name few distinct classes). `to_choices` gives the canonical
padded cell's bits and ops (padding vertices, isolated, read as maxpool3x3).

Spellings `parse` accepts: an `Arch`; the Suite-Zero / NASLib tuple (49 + 7 ints, or n*n + n for
an n-vertex cell) or its string `"(0, 1, ...)"`; a pair `(matrix, ops)` with op names or ids; a
NASLib spec dict `{"matrix": ..., "ops": ...}` (or NAS-Bench-101's `module_adjacency` /
`module_operations`); a `nasbench.api.ModelSpec`-like object (`original_matrix`/`original_ops`, or
`matrix`/`ops`); and `to_str`'s form
`"adj=0111|0001|0001|0000 ops=input,conv3x3-bn-relu,maxpool3x3,output"` (short op names
`conv3x3`, `conv1x1`, `maxpool` also read).

Search moves. `sample` follows NAS-Bench-101's example: each upper-triangle edge present with
probability 1/2, each interior op uniform, redrawn until the spelling is a cell; it is therefore
uniform over spellings, not over the 423,624 classes. One elementary change (`neighbours`, and
`mutate`, which draws one of them) is: flip one edge of the pruned cell, change one interior op,
or add one vertex (any op) with one edge from an earlier and one to a later vertex. The last move
is what NAS-Bench-101's example mutation reaches by flipping edges of a vertex hidden by pruning;
without it a neighbourhood could only shrink a cell.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError
from nas_core.spaces.base import SearchSpace, as_int, short_repr

#: NASLib's op numbering (its `all_ops`), used in the Suite-Zero keys.
OPS: tuple[str, ...] = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
INPUT, OUTPUT = 0, 1
INTERIOR_OPS = (2, 3, 4)
#: Op id of the isolated padding vertices of a cell with fewer than 7 vertices.
PAD_OP = 2
MAX_VERTICES = 7
MAX_EDGES = 9
#: Interior op of each choice of the categorical view (NAS-Bench-101's op order).
CHOICE_OPS = (4, 3, 2)
_CHOICE_OF_OP = {o: c for c, o in enumerate(CHOICE_OPS)}
NUM_EDGE_BITS = MAX_VERTICES * (MAX_VERTICES - 1) // 2  # 21
CHOICES: tuple[int, ...] = (2,) * NUM_EDGE_BITS + (len(CHOICE_OPS),) * (MAX_VERTICES - 2)
#: The number of unique cells reported by NAS-Bench-101 (not enumerated here).
NUM_CELLS = 423_624
KEY_LEN = MAX_VERTICES * MAX_VERTICES + MAX_VERTICES  # 56
#: NAS-Bench-101's own op order for its hash labels (`available_ops` of its config).
_HASH_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
_ALIASES = {
    "input": 0,
    "output": 1,
    "maxpool3x3": 2,
    "maxpool": 2,
    "max_pool_3x3": 2,
    "conv1x1-bn-relu": 3,
    "conv1x1": 3,
    "conv3x3-bn-relu": 4,
    "conv3x3": 4,
}
_STR_RE = re.compile(r"^\s*adj\s*=\s*([01|/ ]+?)\s*[, ]\s*ops\s*=\s*\[?([^\]]*)\]?\s*$")
_IU7 = np.triu_indices(MAX_VERTICES, 1)
_LOWER = tuple(i * MAX_VERTICES + j for i in range(MAX_VERTICES) for j in range(i + 1))
_UPPER = tuple(int(i) * MAX_VERTICES + int(j) for i, j in zip(*_IU7, strict=True))

# Path encoding (BANANAS): one feature per input->output path, identified by its sequence of
# interior ops (ids 2..4 as digits 0..2), lengths 0..5, shortest first.
_PATH_OFFSETS = [sum(3**k for k in range(length)) for length in range(MAX_VERTICES)]
PATH_FEATS = _PATH_OFFSETS[-1]  # 1 + 3 + 9 + 27 + 81 + 243 = 364
GRAPH_FEATS = len(OPS)


def _prune(m: np.ndarray, ops: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]] | None:
    """NAS-Bench-101's pruning: keep the vertices on an input->output path; None if none."""
    n = len(ops)
    fwd, bwd = {0}, {n - 1}
    for v in range(1, n):  # upper triangular: one pass in order finds every reachable vertex
        if any(m[u, v] for u in fwd if u < v):
            fwd.add(v)
    for v in range(n - 2, -1, -1):
        if any(m[v, w] for w in bwd if w > v):
            bwd.add(v)
    if n - 1 not in fwd:
        return None
    keep = sorted(fwd & bwd)
    if len(keep) == n:
        return m, ops
    return m[np.ix_(keep, keep)], tuple(ops[i] for i in keep)


_KEYS: dict[tuple[int, bytes, tuple[int, ...]], tuple[int, ...] | None] = {}
_KEYS_MAX = 1 << 17


def _canonical_key(n: int, bits: bytes, ops: tuple[int, ...]) -> tuple[int, ...] | None:
    """Suite-Zero 56-tuple of the class of the (unpruned, upper-triangular) n-vertex spelling, or
    None when it is not a cell (no input->output path, or more than 9 edges after pruning).

    Cached by spelling; a result is also cached as its own spelling, so parsing an `Arch` this
    space made (every `to_str`, `spec`, encoding does) costs a dict look-up, not a search over
    relabellings."""
    spelling = (n, bits, ops)
    try:
        return _KEYS[spelling]
    except KeyError:
        pass
    key = _search_canonical_key(n, bits, ops)
    if len(_KEYS) >= _KEYS_MAX:  # bounded: start again rather than grow without limit
        _KEYS.clear()
    _KEYS[spelling] = key
    if key is not None:
        _KEYS[(MAX_VERTICES, bytes(key[:49]), key[49:])] = key
    return key


def _search_canonical_key(n: int, bits: bytes, ops: tuple[int, ...]) -> tuple[int, ...] | None:
    """`_canonical_key` without the cache, in plain Python (a cell has at most 7 vertices, and
    NumPy's per-call cost would dominate): prune, then try every relabelling that keeps the
    matrix upper triangular (the topological orders of the interior vertices, generated
    directly rather than filtered from all permutations) and keep the largest key."""
    adj = [[bits[i * n + j] for j in range(n)] for i in range(n)]
    fwd, bwd = {0}, {n - 1}
    for v in range(1, n):
        if any(adj[u][v] for u in fwd):
            fwd.add(v)
    if n - 1 not in fwd:
        return None
    for v in range(n - 2, -1, -1):
        if any(adj[v][w] for w in bwd):
            bwd.add(v)
    keep = sorted(fwd & bwd)
    k = len(keep)
    m = [[adj[i][j] for j in keep] for i in keep]
    ops = tuple(ops[i] for i in keep)
    if sum(map(sum, m)) > MAX_EDGES:
        return None
    preds = [{u for u in range(k) if m[u][v]} for v in range(k)]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    best: tuple[int, ...] | None = None
    best_order: list[int] = []
    stack: list[tuple[list[int], frozenset[int]]] = [([0], frozenset(range(1, k - 1)))]
    while stack:
        order, rest = stack.pop()
        if rest:
            placed = set(order)
            for v in rest:
                if preds[v] <= placed:
                    stack.append(([*order, v], rest - {v}))
            continue
        order = [*order, k - 1]
        key = tuple(m[order[i]][order[j]] for i, j in pairs) + tuple(ops[v] for v in order)
        if best is None or key > best:
            best, best_order = key, order
    live = [*range(k - 1), MAX_VERTICES - 1]  # padding goes before the output
    out = [0] * (MAX_VERTICES * MAX_VERTICES)
    labels = [PAD_OP] * MAX_VERTICES
    for i, (li, vi) in enumerate(zip(live, best_order, strict=True)):
        labels[li] = ops[vi]
        for lj, vj in zip(live[i + 1 :], best_order[i + 1 :], strict=True):
            out[li * MAX_VERTICES + lj] = m[vi][vj]
    return tuple(out) + tuple(labels)


def _live(key: tuple[int, ...]) -> list[int]:
    """The vertices of a canonical 56-tuple that are not padding (plain Python: a cell is tiny,
    and NumPy's per-call cost would dominate)."""
    return [
        v
        for v in range(MAX_VERTICES)
        if v == 0
        or v == MAX_VERTICES - 1
        or any(key[v * MAX_VERTICES + w] or key[w * MAX_VERTICES + v] for w in range(MAX_VERTICES))
    ]


def _unpad_lists(key: tuple[int, ...]) -> tuple[list[list[int]], tuple[int, ...]]:
    """(matrix rows, ops) of the pruned cell held in a canonical 56-tuple."""
    live = _live(key)
    rows = [[key[i * MAX_VERTICES + j] for j in live] for i in live]
    return rows, tuple(key[49 + i] for i in live)


def _unpad(key: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """(matrix, ops) of the pruned cell held in a canonical 56-tuple."""
    rows, ops = _unpad_lists(key)
    return np.array(rows, dtype=np.int64).reshape(len(ops), len(ops)), ops


def hash_module(matrix: np.ndarray, labels: Sequence[int]) -> str:
    """NAS-Bench-101's graph fingerprint (graph_util.hash_module): md5 of (out-degree, in-degree,
    label) per vertex, refined V times with the sorted hashes of in- and out-neighbours, then
    md5 of the sorted vertex hashes. Isomorphic labelled DAGs get the same fingerprint."""
    m = np.asarray(matrix)
    v = len(labels)
    ins, outs = m.sum(axis=0).tolist(), m.sum(axis=1).tolist()
    h = [
        hashlib.md5(str((int(o), int(i), int(lab))).encode("utf-8")).hexdigest()
        for o, i, lab in zip(outs, ins, labels, strict=True)
    ]
    preds = [[w for w in range(v) if m[w, x]] for x in range(v)]
    succs = [[w for w in range(v) if m[x, w]] for x in range(v)]
    for _ in range(v):
        h = [
            hashlib.md5(
                (
                    "".join(sorted(h[w] for w in preds[x]))
                    + "|"
                    + "".join(sorted(h[w] for w in succs[x]))
                    + "|"
                    + h[x]
                ).encode("utf-8")
            ).hexdigest()
            for x in range(v)
        ]
    return hashlib.md5(str(sorted(h)).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1 << 16)
def _paths(key: tuple[int, ...]) -> tuple[int, ...]:
    """Path-encoding feature indices of a canonical cell."""
    m, ops = _unpad_lists(key)
    n = len(ops)
    found: set[int] = set()

    def walk(v: int, length: int, code: int) -> None:
        for w in range(v + 1, n):
            if m[v][w]:
                if w == n - 1:
                    found.add(_PATH_OFFSETS[length] + code)
                else:
                    walk(w, length + 1, code * 3 + ops[w] - 2)

    walk(0, 0, 0)
    return tuple(sorted(found))


class NB101Space(SearchSpace):
    name = "nb101"
    ops = OPS
    size = None
    num_cells = NUM_CELLS

    # --- identity -----------------------------------------------------------------------------
    def parse(self, obj: Any) -> Arch:
        if isinstance(obj, Arch):
            if obj.space != self.name:
                raise InvalidArchError(
                    f"architecture of space {obj.space!r} given to space {self.name!r}"
                )
            return self._from_flat(obj.ops, obj)
        if isinstance(obj, str):
            return self._parse_str(obj.strip())
        if isinstance(obj, dict):
            for mk, ok in (("matrix", "ops"), ("module_adjacency", "module_operations")):
                if mk in obj and ok in obj:
                    return self._from_pair(obj[mk], obj[ok], obj)
            raise InvalidArchError(
                f"an nb101 dict needs the keys 'matrix' and 'ops' (NASLib's spec) or "
                f"'module_adjacency' and 'module_operations', got {sorted(map(str, obj))}"
            )
        for mk, ok in (("original_matrix", "original_ops"), ("matrix", "ops")):
            if hasattr(obj, mk) and hasattr(obj, ok) and not isinstance(obj, np.ndarray):
                return self._from_pair(getattr(obj, mk), getattr(obj, ok), obj)
        if isinstance(obj, (tuple, list, np.ndarray)):
            if len(obj) == 2:
                return self._from_pair(obj[0], obj[1], obj)
            return self._from_flat(obj, obj)
        raise InvalidArchError(
            f"cannot read {short_repr(obj)} ({type(obj).__name__}) as an nb101 cell: "
            f"{self._forms()}"
        )

    @staticmethod
    def _forms() -> str:
        return (
            "give an Arch, the Suite-Zero/NASLib tuple (49 adjacency entries then 7 op ids: "
            + ", ".join(f"{i} {o}" for i, o in enumerate(OPS))
            + "), a pair (matrix, ops), a dict {'matrix': ..., 'ops': [...]}, or a string like "
            "'adj=0111|0001|0001|0000 ops=input,conv3x3-bn-relu,maxpool3x3,output'"
        )

    def _from_flat(self, values: Any, original: Any) -> Arch:
        if type(values) is tuple and len(values) == KEY_LEN and self._plain_key(values):
            key = _canonical_key(MAX_VERTICES, bytes(values[:49]), values[49:])
            if key is not None:
                return Arch(self.name, key)
        try:
            t = tuple(map(as_int, np.asarray(values).reshape(-1).tolist()))
        except (TypeError, ValueError):
            t = (None,)
        sizes = {n * n + n: n for n in range(2, MAX_VERTICES + 1)}
        if not t or None in t or len(t) not in sizes:
            raise InvalidArchError(
                f"an nb101 tuple must hold n*n adjacency entries then n op ids (n = 2..7 "
                f"vertices; 56 ints for the Suite-Zero key), got {short_repr(original)}"
            )
        n = sizes[len(t)]
        return self._from_pair(np.array(t[: n * n]).reshape(n, n), list(t[n * n :]), original)

    @staticmethod
    def _plain_key(t: tuple) -> bool:
        """A 56-tuple of Python ints already in range, with input first and output last (the
        fast path for `Arch`s and Suite-Zero keys: no validation beyond `_canonical_key`)."""
        if set(map(type, t)) != {int} or not set(t[:49]) <= {0, 1}:
            return False
        ops = t[49:]
        return (
            not any(t[k] for k in _LOWER)
            and ops[0] == INPUT
            and ops[-1] == OUTPUT
            and all(o in INTERIOR_OPS for o in ops[1:-1])
        )

    def _from_pair(self, matrix: Any, ops: Any, original: Any) -> Arch:
        try:
            m = np.asarray(matrix)
            vals = [as_int(x) for x in m.reshape(-1).tolist()] if m.dtype != object else [None]
        except (TypeError, ValueError):
            vals, m = [None], np.zeros(0)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or None in vals:
            raise InvalidArchError(
                f"an nb101 adjacency matrix must be a square grid of 0/1 ints, got "
                f"{short_repr(matrix)}"
            )
        n = m.shape[0]
        if not 2 <= n <= MAX_VERTICES:
            raise InvalidArchError(f"an nb101 cell has 2..7 vertices, got a {n}x{n} matrix")
        a = np.array(vals, dtype=np.int64).reshape(n, n)
        if not np.isin(a, (0, 1)).all():
            raise InvalidArchError(
                f"nb101 adjacency entries must be 0 or 1, got {short_repr(matrix)}"
            )
        if np.tril(a).any():
            raise InvalidArchError(
                "an nb101 adjacency matrix must be strictly upper triangular (edges go from a "
                f"vertex to a later one), got {short_repr(a.tolist())}"
            )
        if isinstance(ops, str) or not hasattr(ops, "__len__") or len(ops) != n:
            raise InvalidArchError(
                f"nb101 ops must list one op per vertex ({n} for a {n}x{n} matrix), got "
                f"{short_repr(ops)}"
            )
        ids = tuple(self._op_id(o) for o in ops)
        if ids[0] != INPUT or ids[-1] != OUTPUT or not set(ids[1:-1]) <= set(INTERIOR_OPS):
            raise InvalidArchError(
                "nb101 ops must be 'input', then interior ops from "
                f"{', '.join(OPS[i] for i in INTERIOR_OPS)}, then 'output'; got "
                f"{[OPS[i] for i in ids]}"
            )
        key = _canonical_key(n, a.astype(np.uint8).tobytes(), ids)
        if key is None:
            pruned = _prune(a, ids)
            why = (
                "no path from input to output"
                if pruned is None
                else f"{int(pruned[0].sum())} edges after pruning (NAS-Bench-101 allows {MAX_EDGES})"
            )
            raise InvalidArchError(f"not an nb101 cell: {why}: {short_repr(original)}")
        return Arch(self.name, key)

    @staticmethod
    def _op_id(op: Any) -> int:
        if isinstance(op, (int, np.integer)) and not isinstance(op, (bool, np.bool_)):
            if not 0 <= op < len(OPS):
                raise InvalidArchError(
                    f"nb101 op id must lie in 0..{len(OPS) - 1} "
                    f"({', '.join(f'{i} {o}' for i, o in enumerate(OPS))}), got {op}"
                )
            return int(op)
        name = op.strip().strip("'\"").lower() if isinstance(op, str) else None
        if name not in _ALIASES:
            raise InvalidArchError(
                f"unknown nb101 op {short_repr(op)}: use one of {', '.join(OPS)} "
                "(or conv3x3, conv1x1, maxpool) or an id 0..4"
            )
        return _ALIASES[name]

    def _parse_str(self, s: str) -> Arch:
        m = _STR_RE.match(s)
        if m:
            rows = [r.strip() for r in re.split(r"[|/]", m.group(1)) if r.strip()]
            ops = [o for o in (p.strip() for p in m.group(2).split(",")) if o]
            n = len(rows)
            if any(len(r) != n for r in rows):
                raise InvalidArchError(
                    f"in {short_repr(s)}: adj must be {n} rows of {n} digits 0/1 separated by '|'"
                )
            return self._from_pair([[int(c) for c in r] for r in rows], ops, s)
        if s[:1] in "([{":
            try:
                value = ast.literal_eval(s)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise InvalidArchError(f"cannot read {short_repr(s)} as an nb101 cell") from None
            return self.parse(value)
        raise InvalidArchError(f"cannot read {short_repr(s)} as an nb101 cell: {self._forms()}")

    def to_str(self, arch: Arch) -> str:
        m, ops = _unpad_lists(self.parse(arch).ops)
        rows = "|".join("".join(map(str, row)) for row in m)
        return f"adj={rows} ops={','.join(OPS[o] for o in ops)}"

    def spec(self, arch: Any) -> tuple[np.ndarray, list[str]]:
        """(matrix, op names) of the pruned cell: what `nasbench.api.ModelSpec` takes."""
        m, ops = _unpad(self.parse(arch).ops)
        return m, [OPS[o] for o in ops]

    def hash(self, arch: Any) -> str:
        """NAS-Bench-101's key of the cell (its `ModelSpec.hash_spec`)."""
        m, ops = _unpad(self.parse(arch).ops)
        labels = [-1] + [_HASH_OPS.index(OPS[o]) for o in ops[1:-1]] + [-2]
        return hash_module(m, labels)

    def index(self, arch: Arch) -> int:
        raise InvalidArchError(
            "space 'nb101' is open: its 423,624 cells are not numbered (enumerating them is too "
            "slow); identify a cell by `to_str` or by NAS-Bench-101's `hash`"
        )

    def from_index(self, i: int) -> Arch:
        return self.index(None)  # type: ignore[arg-type]

    def indices(self, archs: Any) -> np.ndarray:
        return self.index(None)  # type: ignore[arg-type]

    def canonical(self, arch: Arch) -> Arch:
        return self.parse(arch)

    # --- categorical view -----------------------------------------------------------------------
    def choices(self) -> tuple[int, ...]:
        """21 edge bits (2 each) then 5 interior ops (3 each): see the module docstring."""
        return CHOICES

    def to_choices(self, arch: Any) -> tuple[int, ...]:
        key = self.parse(arch).ops
        bits = tuple(key[k] for k in _UPPER)
        return bits + tuple(_CHOICE_OF_OP[o] for o in key[50:55])

    def from_choices(self, values: Sequence[int]) -> Arch:
        t = tuple(map(as_int, values)) if len(values) == len(CHOICES) else ()
        if not t or None in t or not all(0 <= v < c for v, c in zip(t, CHOICES, strict=True)):
            raise InvalidArchError(
                f"nb101 choices are {NUM_EDGE_BITS} edge bits 0/1 (the upper triangle of the 7x7 "
                f"matrix, row by row) then {MAX_VERTICES - 2} interior op choices 0..2 (0 "
                f"conv3x3-bn-relu, 1 conv1x1-bn-relu, 2 maxpool3x3); got {short_repr(values)}"
            )
        m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.uint8)
        m[_IU7] = t[:NUM_EDGE_BITS]
        ops = (INPUT, *(CHOICE_OPS[c] for c in t[NUM_EDGE_BITS:]), OUTPUT)
        key = _canonical_key(MAX_VERTICES, m.tobytes(), ops)
        if key is None:  # not a cell: _from_pair says why
            return self._from_pair(m, list(ops), values)
        return Arch(self.name, key)

    # --- search moves -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        out = []
        iu = _IU7
        while len(out) < n:
            m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.uint8)
            m[iu] = rng.integers(0, 2, size=len(iu[0]))
            ops = (INPUT, *(int(o) for o in rng.choice(INTERIOR_OPS, MAX_VERTICES - 2)), OUTPUT)
            key = _canonical_key(MAX_VERTICES, m.tobytes(), ops)
            if key is not None:
                out.append(Arch(self.name, key))
        return out

    @lru_cache(maxsize=1 << 14)  # noqa: B019 - the space is a shared immutable singleton
    def _neighbour_keys(self, key: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        m, ops = _unpad(key)
        n = len(ops)
        cands: list[tuple[int, bytes, tuple[int, ...]]] = []
        for i, j in zip(*np.triu_indices(n, 1), strict=True):
            b = m.astype(np.uint8)
            b[i, j] ^= 1
            cands.append((n, b.tobytes(), ops))
        for v in range(1, n - 1):
            for o in INTERIOR_OPS:
                if o != ops[v]:
                    cands.append((n, m.astype(np.uint8).tobytes(), ops[:v] + (o,) + ops[v + 1 :]))
        if n < MAX_VERTICES and int(m.sum()) + 2 <= MAX_EDGES:
            for a in range(n - 1):
                for b in range(a + 1, n):
                    big = np.zeros((n + 1, n + 1), dtype=np.uint8)
                    old = [*range(a + 1), *range(a + 2, n + 1)]  # the new vertex sits at a+1
                    big[np.ix_(old, old)] = m
                    big[a, a + 1] = big[a + 1, old[b]] = 1
                    for o in INTERIOR_OPS:
                        cands.append((n + 1, big.tobytes(), ops[: a + 1] + (o,) + ops[a + 1 :]))
        seen: dict[tuple[int, ...], None] = {}
        for c in cands:
            k = _canonical_key(*c)
            if k is not None and k != key:
                seen.setdefault(k)
        return tuple(seen)

    def neighbours(self, arch: Arch) -> list[Arch]:
        return [Arch(self.name, k) for k in self._neighbour_keys(self.parse(arch).ops)]

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        nb = self._neighbour_keys(self.parse(arch).ops)
        return Arch(self.name, nb[int(rng.integers(len(nb)))])

    # --- encodings ----------------------------------------------------------------------------
    def op_rows(self, archs: Any) -> np.ndarray:
        """The canonical 56-tuples of a batch, (n, 56)."""
        if isinstance(archs, np.ndarray) and archs.ndim <= 1:
            self.index(None)  # type: ignore[arg-type]
        rows = [self.parse(a).ops for a in archs]
        return np.array(rows, dtype=np.int64).reshape(len(rows), KEY_LEN)

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        """The standard NAS-Bench-101 predictor input (BANANAS' adjacency encoding): the 21
        upper-triangle bits of the canonical 7x7 matrix, then a 3-way one-hot of each interior
        vertex's op (all zero for padding vertices): 36 features."""
        n = len(ops)
        adj = ops[:, :49].reshape(n, MAX_VERTICES, MAX_VERTICES)[:, _IU7[0], _IU7[1]]
        labels = ops[:, 50:55]
        # an interior vertex with an out-edge is live, not padding
        live = ops[:, :49].reshape(n, MAX_VERTICES, MAX_VERTICES)[:, 1:6].any(axis=2)
        onehot = (labels[:, :, None] == np.array(INTERIOR_OPS)[None, None, :]) & live[:, :, None]
        return np.concatenate([adj, onehot.reshape(n, 15)], axis=1).astype(np.float32)

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Adjacency (n, 7, 7) and node features (n, 7, 5): one-hot of the op id in `OPS`
        order; padding vertices have no edges and all-zero features."""
        n = len(ops)
        adj = ops[:, :49].reshape(n, MAX_VERTICES, MAX_VERTICES).astype(np.float32)
        used = adj.any(axis=1) | adj.any(axis=2)
        used[:, 0] = used[:, -1] = True
        x = np.eye(GRAPH_FEATS, dtype=np.float32)[ops[:, 49:]] * used[:, :, None]
        return adj, x

    def _encode_adjacency(self, ops: np.ndarray) -> np.ndarray:
        """Flattened 7x7 adjacency (49) then node features (35): 84 features."""
        return super()._encode_adjacency(ops)

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        """Binary path encoding (BANANAS, White et al. 2021): one feature per input->output path,
        named by its sequence of interior ops (lengths 0..5: 364 features, shortest first, ops
        in `OPS` order)."""
        out = np.zeros((len(ops), PATH_FEATS), dtype=np.float32)
        for r, row in enumerate(ops.tolist()):
            out[r, list(_paths(tuple(row)))] = 1.0
        return out

    def to_graph(self, arch: Any) -> Any:
        """A torch-geometric `Data` of the pruned cell (no padding vertices): x is the op
        one-hot in `OPS` order, edge_index the directed edges."""
        import torch
        from torch_geometric.data import Data

        m, ops = _unpad(self.parse(arch).ops)
        src, dst = np.nonzero(m)
        x = np.eye(GRAPH_FEATS, dtype=np.float32)[list(ops)]
        edge_index = torch.as_tensor(np.stack([src, dst]), dtype=torch.long)
        return Data(x=torch.as_tensor(x), edge_index=edge_index, num_nodes=len(ops))
