"""The DARTS cell space (Liu et al., ICLR 2019), as in NAS-Bench-301 (Siems, Zela et al. 2020).

An architecture is a normal and a reduction cell. A cell has two inputs (ids 0 and 1: the outputs
of the two previous cells) and 4 intermediate nodes (ids 2..5); intermediate node k (0-based)
sums two edges, each an (input, op) pair whose input is a cell input or an earlier intermediate
node (0..k+1), the two inputs distinct. The cell's output concatenates all 4 intermediate nodes.
Ops, in NASLib's id order (its `convert_compact_to_genotype`): 0 max_pool_3x3, 1 avg_pool_3x3,
2 skip_connect, 3 sep_conv_3x3, 4 sep_conv_5x5, 5 dil_conv_3x3, 6 dil_conv_5x5.

The order of a node's two edges does not matter (they are summed; NAS-Bench-301's ConfigSpace
names an edge by its endpoints and a node's inputs as a sorted pair), so `parse` canonicalises:
each node's edges sorted by input. Intermediate nodes are not relabelled (swapping two nodes
neither of which reads the other gives another spelling of the same network; naslib keeps them
apart, as NAS-Bench-301 does). The space is open: (3*6*10 * 7^8)^2 ~ 1.08e18 members, no index.

`Arch.ops` is the canonical form as a product of categorical choices (the ConfigSpace layout),
11 ints per cell, normal then reduction: node 0's two ops (inputs 0 and 1), then for nodes 1..3
the input pair's number among the sorted pairs of 0..k+1 (3, 6, 10 of them) and the ops of the
edges from the smaller and the larger input. Every combination is a member.

Spellings `parse` accepts: an `Arch`; the 22-int tuple above; the NASLib/Suite-Zero compact form
`[[(input, op) x 8], [(input, op) x 8]]` (tuples, lists, its string: the keys of
`zc_nasbench301.json`), also flattened to 32 ints; a DARTS `Genotype(normal=[('sep_conv_3x3', 0),
...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])` object or string; a
dict `{"normal": [...], "reduce": [...]}` of genotype pairs; and NAS-Bench-301's ConfigSpace dict
(`NetworkSelectorDatasetInfo:darts:edge_normal_0` ...). `to_str` writes the compact form,
`to_genotype` the Genotype string, `to_config` the ConfigSpace dict.
"""

from __future__ import annotations

import ast
from itertools import combinations, product
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, UnknownNameError
from nas_core.spaces.base import SearchSpace, as_int, short_repr

OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
NUM_OPS = len(OPS)
NUM_NODES = 4  # intermediate nodes per cell
EDGES_PER_CELL = 2 * NUM_NODES
CELLS = ("normal", "reduce")
CONCAT = (2, 3, 4, 5)
#: Input pairs of intermediate node k, in the order `Arch.ops` numbers them (k = 0 has one).
PAIRS: tuple[tuple[tuple[int, int], ...], ...] = tuple(
    tuple(combinations(range(k + 2), 2)) for k in range(NUM_NODES)
)
_PAIR_ID = [{p: i for i, p in enumerate(ps)} for ps in PAIRS]
_PAIR_ARR = [np.array(ps, dtype=np.int64) for ps in PAIRS]
CELL_CHOICES: tuple[int, ...] = (NUM_OPS, NUM_OPS) + tuple(
    c for k in range(1, NUM_NODES) for c in (len(PAIRS[k]), NUM_OPS, NUM_OPS)
)
CHOICES = CELL_CHOICES * 2
CELL_LEN = len(CELL_CHOICES)  # 11
#: NAS-Bench-301's edge number of (input i -> node k) is EDGE_START[k] + i (14 edges per cell).
EDGE_START = (0, 2, 5, 9)
EDGES_TOTAL = 14
_OP_ID = {name: i for i, name in enumerate(OPS)}
_CONFIG_PREFIX = "NetworkSelectorDatasetInfo:darts:"

# Graph form (op on node), per cell: 0, 1 the cell inputs, 2..9 the 8 edges (node k's edges at
# 2+2k, 3+2k), 10 the output; the reduction cell's nodes follow at 11..21. Features: input 0,
# input 1, output, reduction cell, then the op one-hot.
GRAPH_CELL_NODES = 2 + EDGES_PER_CELL + 1
GRAPH_NODES = 2 * GRAPH_CELL_NODES
GRAPH_FEATS = 4 + NUM_OPS
# Path encoding: per cell and cell input, one feature per op sequence of length 1..4.
_PATH_OFFSETS = tuple(sum(NUM_OPS**j for j in range(1, L)) for L in range(1, NUM_NODES + 2))
PATH_BLOCK = _PATH_OFFSETS[-1]  # 7 + 49 + 343 + 2401 = 2800
PATH_FEATS = 4 * PATH_BLOCK
#: Every chain of edge slots that can form a path (one slot per node, nodes increasing): 80. In
#: an architecture it is a path when its first edge reads a cell input and each later edge reads
#: the node the previous one enters.
_PATH_CHAINS: tuple[tuple[int, ...], ...] = tuple(
    tuple(2 * k + p for k, p in zip(nodes, picks, strict=True))
    for length in range(1, NUM_NODES + 1)
    for nodes in combinations(range(NUM_NODES), length)
    for picks in product((0, 1), repeat=length)
)

Cells = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]

# Input moves of `neighbours`: (cell, node, slot, j) = replace the input in `slot` of `node` by
# the j-th of the node's other candidate inputs (neither of its current two).
_INPUT_MOVES = tuple(
    (c, k, s, j) for c in range(2) for k in range(1, NUM_NODES) for s in range(2) for j in range(k)
)
_OP_MOVES = 2 * EDGES_PER_CELL * (NUM_OPS - 1)  # 96
NUM_NEIGHBOURS = _OP_MOVES + len(_INPUT_MOVES)  # 120


def _forms() -> str:
    return (
        "give an Arch, 22 choice ids, the compact form [[(input, op) x 8], [(input, op) x 8]] "
        "(e.g. '[[(0, 3), (1, 3), (0, 2), (1, 4), (1, 3), (2, 5), (0, 0), (3, 6)], [...]]'), "
        "a Genotype(normal=[('sep_conv_3x3', 0), ...], reduce=[...]) string or object, or "
        "NAS-Bench-301's ConfigSpace dict"
    )


def _canonical_cell(pairs: list[tuple[int, int]], cell: str) -> tuple[tuple[int, int], ...]:
    """8 checked (input, op) pairs, each node's two sorted by input."""
    out: list[tuple[int, int]] = []
    for k in range(NUM_NODES):
        a, b = pairs[2 * k], pairs[2 * k + 1]
        for i, o in (a, b):
            if not 0 <= i <= k + 1:
                raise InvalidArchError(
                    f"darts {cell} cell: node {k} (id {k + 2}) reads input {i}, but it can only "
                    f"read 0..{k + 1} (the cell inputs 0, 1 and earlier nodes)"
                )
            if not 0 <= o < NUM_OPS:
                raise InvalidArchError(
                    f"darts {cell} cell: op id {o} outside 0..{NUM_OPS - 1} "
                    f"({', '.join(f'{j} {n}' for j, n in enumerate(OPS))})"
                )
        if a[0] == b[0]:
            raise InvalidArchError(
                f"darts {cell} cell: node {k} (id {k + 2}) reads input {a[0]} twice; a node's two "
                "inputs must differ"
            )
        out.extend((a, b) if a[0] < b[0] else (b, a))
    return tuple(out)


def _cell_ops(cell: tuple[tuple[int, int], ...]) -> list[int]:
    out = [cell[0][1], cell[1][1]]
    for k in range(1, NUM_NODES):
        a, b = cell[2 * k], cell[2 * k + 1]
        out += [_PAIR_ID[k][(a[0], b[0])], a[1], b[1]]
    return out


def _cells_of_ops(ops: tuple[int, ...]) -> Cells:
    cells = []
    for c in range(2):
        r = ops[c * CELL_LEN : (c + 1) * CELL_LEN]
        cell = [(0, r[0]), (1, r[1])]
        for k in range(1, NUM_NODES):
            p, oa, ob = r[3 * k - 1 : 3 * k + 2]
            lo, hi = PAIRS[k][p]
            cell += [(lo, oa), (hi, ob)]
        cells.append(tuple(cell))
    return cells[0], cells[1]


def _op_id(op: Any, cell: str) -> int:
    if not isinstance(op, str):
        raise InvalidArchError(f"darts {cell} cell: op must be a name, got {short_repr(op)}")
    name = op.strip()
    if name == "none":
        raise InvalidArchError(
            f"darts {cell} cell: op 'none' is not in the DARTS/NAS-Bench-301 space (a derived "
            f"cell has 2 non-zero edges per node); ops: {', '.join(OPS)}"
        )
    if name not in _OP_ID:
        raise UnknownNameError("op", name, OPS)
    return _OP_ID[name]


class DartsSpace(SearchSpace):
    name = "darts"
    ops = OPS
    size = None

    # --- identity -----------------------------------------------------------------------------
    def parse(self, obj: Any) -> Arch:
        if isinstance(obj, Arch):
            if obj.space != self.name:
                raise InvalidArchError(
                    f"architecture of space {obj.space!r} given to space {self.name!r}"
                )
            t = obj.ops
            if (  # the common case, an Arch this space made: checked without conversions
                type(t) is tuple
                and len(t) == len(CHOICES)
                and all(type(v) is int and 0 <= v < c for v, c in zip(t, CHOICES, strict=True))
            ):
                return obj
            return self._from_choices(obj.ops, obj)
        if isinstance(obj, str):
            return self._parse_str(obj.strip())
        if isinstance(obj, dict):
            if "normal" in obj and "reduce" in obj:
                return self._from_genotype(obj, obj)
            if any(isinstance(k, str) and k.startswith(_CONFIG_PREFIX) for k in obj):
                return self._from_config(obj)
            raise InvalidArchError(
                f"a darts dict needs the keys 'normal' and 'reduce' (genotype pairs) or "
                f"NAS-Bench-301 ConfigSpace keys ({_CONFIG_PREFIX}...), got {short_repr(sorted(map(str, obj)))}"
            )
        if hasattr(obj, "normal") and hasattr(obj, "reduce"):  # a DARTS Genotype namedtuple
            return self._from_genotype(obj._asdict() if hasattr(obj, "_asdict") else vars(obj), obj)
        if isinstance(obj, (tuple, list, np.ndarray)):
            if isinstance(obj, np.ndarray) and obj.ndim == 3 and obj.shape[0] == 2:
                obj = obj.tolist()
            if len(obj) == 2:
                return self._from_compact(obj, obj)
            if isinstance(obj, np.ndarray) and obj.ndim != 1:
                raise InvalidArchError(
                    f"a darts architecture array has shape (22,), (32,) or (2, 8, 2), got "
                    f"{obj.shape}"
                )
            if len(obj) == 2 * CELL_LEN:
                return self._from_choices(obj, obj)
            if len(obj) == 4 * EDGES_PER_CELL:
                flat = self._ints(obj, obj)
                pairs = list(zip(flat[0::2], flat[1::2], strict=True))
                return self._from_compact([pairs[:8], pairs[8:]], obj)
        raise InvalidArchError(
            f"cannot read {short_repr(obj)} ({type(obj).__name__}) as a darts architecture: "
            f"{_forms()}"
        )

    @staticmethod
    def _ints(values: Any, original: Any) -> tuple[int, ...]:
        try:
            t = tuple(map(as_int, values))
        except TypeError:
            t = (None,)
        if None in t:  # 2.9, NaN, a name: refused, never truncated
            raise InvalidArchError(f"darts: expected integers, got {short_repr(original)}")
        return t  # type: ignore[return-value]

    def _from_choices(self, values: Any, original: Any) -> Arch:
        t = self._ints(values, original)
        if len(t) != len(CHOICES) or not all(0 <= v < c for v, c in zip(t, CHOICES, strict=True)):
            raise InvalidArchError(
                f"darts choice tuple needs {len(CHOICES)} ints, per cell (normal, then reduce) "
                "node 0's two op ids, then for nodes 1..3 an input-pair id (0..2, 0..5, 0..9) and "
                f"two op ids (0..{NUM_OPS - 1}); got {short_repr(original)}"
            )
        return Arch(self.name, t)

    def _from_cells(self, cells: Any, original: Any) -> Arch:
        if isinstance(cells, (str, bytes)) or not hasattr(cells, "__len__") or len(cells) != 2:
            raise InvalidArchError(
                f"a darts architecture has 2 cells (normal, reduce), got {short_repr(original)}"
            )
        ops: list[int] = []
        for cell, name in zip(cells, CELLS, strict=True):
            ops += _cell_ops(_canonical_cell(cell, name))
        return Arch(self.name, tuple(ops))

    def _from_compact(self, cells: Any, original: Any) -> Arch:
        out = []
        for cell, name in zip(cells, CELLS, strict=True):
            if isinstance(cell, (str, bytes)) or not hasattr(cell, "__len__") or len(cell) != 8:
                raise InvalidArchError(
                    f"darts compact form: the {name} cell needs 8 (input, op) pairs, got "
                    f"{short_repr(cell)}"
                )
            pairs = []
            for p in cell:
                t = self._ints(p, p) if hasattr(p, "__len__") and not isinstance(p, str) else ()
                if len(t) != 2:
                    raise InvalidArchError(
                        f"darts compact form: {short_repr(p)} in the {name} cell is not an "
                        "(input, op) pair of ints"
                    )
                pairs.append(t)
            out.append(pairs)
        return self._from_cells(out, original)

    def _from_genotype(self, fields: dict[str, Any], original: Any) -> Arch:
        cells = []
        for name in CELLS:
            concat = fields.get(f"{name}_concat")
            if concat is not None and tuple(concat) != CONCAT:
                raise InvalidArchError(
                    f"darts genotype: {name}_concat must be [2, 3, 4, 5] (every intermediate "
                    f"node), got {short_repr(list(concat))}"
                )
            cell = fields[name]
            if isinstance(cell, str) or not hasattr(cell, "__len__") or len(cell) != 8:
                raise InvalidArchError(
                    f"darts genotype: {name} needs 8 (op, input) pairs, got {short_repr(cell)}"
                )
            pairs = []
            for p in cell:
                if isinstance(p, str) or not hasattr(p, "__len__") or len(p) != 2:
                    raise InvalidArchError(
                        f"darts genotype: {short_repr(p)} in {name} is not an (op, input) pair"
                    )
                i = as_int(p[1])
                if i is None:
                    raise InvalidArchError(
                        f"darts genotype: the input of {short_repr(p)} in {name} is not an int"
                    )
                pairs.append((i, _op_id(p[0], name)))
            cells.append(pairs)
        return self._from_cells(cells, original)

    def _from_config(self, config: dict[str, Any]) -> Arch:
        cells = []
        for name in CELLS:
            pairs: list[tuple[int, int]] = []
            for k in range(NUM_NODES):
                if k == 0:
                    ins: tuple[int, ...] = (0, 1)
                else:
                    key = f"{_CONFIG_PREFIX}inputs_node_{name}_{k + 2}"
                    val = str(config.get(key, ""))
                    pair = tuple(as_int(v) for v in val.split("_"))
                    if len(pair) != 2 or pair not in _PAIR_ID[k]:
                        raise InvalidArchError(
                            f"NAS-Bench-301 config: {key} must be one of "
                            f"{', '.join(f'{a}_{b}' for a, b in PAIRS[k])}, got {val!r}"
                        )
                    ins = pair  # type: ignore[assignment]
                for i in ins:
                    key = f"{_CONFIG_PREFIX}edge_{name}_{EDGE_START[k] + i}"
                    if key not in config:
                        raise InvalidArchError(f"NAS-Bench-301 config: {key} is missing")
                    pairs.append((i, _op_id(config[key], name)))
            cells.append(pairs)
        return self._from_cells(cells, config)

    def _parse_str(self, s: str) -> Arch:
        if s.startswith("Genotype"):
            return self._from_genotype(self._genotype_fields(s), s)
        if s[:1] in "([":
            try:
                value = ast.literal_eval(s)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise InvalidArchError(
                    f"cannot read {short_repr(s)} as a darts architecture: {_forms()}"
                ) from None
            return self.parse(value)
        raise InvalidArchError(f"cannot read {short_repr(s)} as a darts architecture: {_forms()}")

    @staticmethod
    def _genotype_fields(s: str) -> dict[str, Any]:
        """The fields of a `Genotype(...)` string, read with `ast` (literals and `range(a, b)`
        only: nothing is evaluated)."""

        def value(node: ast.expr) -> Any:
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "range"
                and not node.keywords
            ):
                return range(*(ast.literal_eval(a) for a in node.args))
            return ast.literal_eval(node)

        try:
            call = ast.parse(s, mode="eval").body
            if not isinstance(call, ast.Call):
                raise ValueError
            names = ("normal", "normal_concat", "reduce", "reduce_concat")
            if len(call.args) > len(names):
                raise ValueError
            fields = {n: value(a) for n, a in zip(names, call.args, strict=False)}
            for kw in call.keywords:
                if kw.arg not in names:
                    raise ValueError
                fields[kw.arg] = value(kw.value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise InvalidArchError(
                f"cannot read {short_repr(s)} as a DARTS Genotype; expected "
                "Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], "
                "reduce=[...], reduce_concat=[2, 3, 4, 5])"
            ) from None
        if "normal" not in fields or "reduce" not in fields:
            raise InvalidArchError(f"darts genotype {short_repr(s)} lacks normal= or reduce=")
        return fields

    # --- writing ------------------------------------------------------------------------------
    def to_compact(self, arch: Any) -> Cells:
        """NASLib's compact form (canonical): ((input, op) x 8) per cell, normal then reduce."""
        return _cells_of_ops(self.parse(arch).ops)

    def to_str(self, arch: Any) -> str:
        """The compact form as NAS-Bench-Suite-Zero spells its keys."""
        normal, reduce = self.to_compact(arch)
        return str([list(normal), list(reduce)])

    def to_genotype(self, arch: Any) -> str:
        """The DARTS `Genotype(...)` string (op name, input) pairs, all 4 nodes concatenated."""
        parts = []
        for name, cell in zip(CELLS, self.to_compact(arch), strict=True):
            pairs = ", ".join(f"({OPS[o]!r}, {i})" for i, o in cell)
            parts.append(f"{name}=[{pairs}], {name}_concat=[2, 3, 4, 5]")
        return f"Genotype({', '.join(parts)})"

    def to_config(self, arch: Any) -> dict[str, str]:
        """NAS-Bench-301's ConfigSpace dict (the surrogate models' input)."""
        out: dict[str, str] = {}
        for name, cell in zip(CELLS, self.to_compact(arch), strict=True):
            for k in range(NUM_NODES):
                a, b = cell[2 * k], cell[2 * k + 1]
                for i, o in (a, b):
                    out[f"{_CONFIG_PREFIX}edge_{name}_{EDGE_START[k] + i}"] = OPS[o]
                if k:
                    out[f"{_CONFIG_PREFIX}inputs_node_{name}_{k + 2}"] = f"{a[0]}_{b[0]}"
        return out

    def index(self, arch: Arch) -> int:
        raise InvalidArchError(
            "space 'darts' is open (~1.08e18 architectures): its members have no index; "
            "use the architecture or its string (to_str) as a key"
        )

    def from_index(self, i: int) -> Arch:
        return self.index(i)  # type: ignore[arg-type, return-value]

    def canonical(self, arch: Arch) -> Arch:
        return self.parse(arch)

    # --- search moves -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        """Uniform over members: each choice independently uniform (every combination is one)."""
        rows = rng.integers(0, np.array(CHOICES), size=(n, len(CHOICES))).tolist()
        return [Arch(self.name, tuple(r)) for r in rows]

    def _move(self, cells: Cells, m: int) -> Arch:
        """Neighbour number m (0..119) of `cells`: 96 op changes (cell, edge, other op), then 24
        input changes (an edge keeps its op and reads another allowed input)."""
        new = [list(cells[0]), list(cells[1])]
        if m < _OP_MOVES:
            c, rest = divmod(m, EDGES_PER_CELL * (NUM_OPS - 1))
            e, j = divmod(rest, NUM_OPS - 1)
            i, o = new[c][e]
            new[c][e] = (i, j if j < o else j + 1)
        else:
            c, k, s, j = _INPUT_MOVES[m - _OP_MOVES]
            a, b = new[c][2 * k], new[c][2 * k + 1]
            others = [i for i in range(k + 2) if i not in (a[0], b[0])]
            e = 2 * k + s
            new[c][e] = (others[j], new[c][e][1])
        ops: list[int] = []
        for c in range(2):
            for k in range(NUM_NODES):
                a, b = new[c][2 * k], new[c][2 * k + 1]
                if a[0] > b[0]:
                    new[c][2 * k], new[c][2 * k + 1] = b, a
            ops += _cell_ops(tuple(new[c]))
        return Arch(self.name, tuple(ops))

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        """One of the `neighbours`, uniformly."""
        return self._move(_cells_of_ops(self.parse(arch).ops), int(rng.integers(NUM_NEIGHBOURS)))

    def neighbours(self, arch: Arch) -> list[Arch]:
        """The 120 architectures one change away: one edge's op (16 x 6), or one edge's input
        (12 per cell; the edge keeps its op; node 0 reads both cell inputs, so none there)."""
        cells = _cells_of_ops(self.parse(arch).ops)
        return [self._move(cells, m) for m in range(NUM_NEIGHBOURS)]

    # --- categorical view and encodings --------------------------------------------------------
    def choices(self) -> tuple[int, ...]:
        """Per cell: node 0's two ops, then per node 1..3 its input pair (3, 6, 10) and two ops."""
        return CHOICES

    @staticmethod
    def _edges(ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 22) choice rows -> inputs and op ids of the 16 edges, each (n, 2, 8)."""
        n = len(ops)
        src = np.zeros((n, 2, EDGES_PER_CELL), dtype=np.int64)
        op = np.zeros((n, 2, EDGES_PER_CELL), dtype=np.int64)
        for c in range(2):
            r = ops[:, c * CELL_LEN : (c + 1) * CELL_LEN]
            src[:, c, 1] = 1
            op[:, c, 0], op[:, c, 1] = r[:, 0], r[:, 1]
            for k in range(1, NUM_NODES):
                src[:, c, 2 * k : 2 * k + 2] = _PAIR_ARR[k][r[:, 3 * k - 1]]
                op[:, c, 2 * k], op[:, c, 2 * k + 1] = r[:, 3 * k], r[:, 3 * k + 1]
        return src, op

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        """Per cell, each of the 14 possible edges (input i -> node k, NAS-Bench-301's edge
        numbering) as an op one-hot, all zero where the edge is absent: 196 features."""
        src, op = self._edges(ops)
        n = len(ops)
        start = np.repeat(np.array(EDGE_START), 2)  # per edge slot
        edge = start[None, None, :] + src + np.array([0, EDGES_TOTAL])[None, :, None]
        out = np.zeros((n, 2 * EDGES_TOTAL * NUM_OPS), dtype=np.float32)
        rows = np.arange(n)[:, None, None]
        out.reshape(n, 2 * EDGES_TOTAL, NUM_OPS)[rows, edge, op] = 1.0
        return out

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Op-on-node DAG of both cells, side by side (22 nodes): per cell the 2 inputs, one node
        per edge (its op), the output; an edge reading node k is fed by both of node k's edges;
        every edge feeds the output (all nodes are concatenated). Features (11): input 0,
        input 1, output, reduction cell, op one-hot."""
        src, op = self._edges(ops)
        n = len(ops)
        rows = np.arange(n)
        adj = np.zeros((n, GRAPH_NODES, GRAPH_NODES), dtype=np.float32)
        x = np.zeros((n, GRAPH_NODES, GRAPH_FEATS), dtype=np.float32)
        for c in range(2):
            base = c * GRAPH_CELL_NODES
            out_node = base + GRAPH_CELL_NODES - 1
            x[:, base, 0] = x[:, base + 1, 1] = x[:, out_node, 2] = 1.0
            x[:, base : base + GRAPH_CELL_NODES, 3] = float(c)
            for e in range(EDGES_PER_CELL):
                node = base + 2 + e
                x[rows, node, 4 + op[:, c, e]] = 1.0
                s = src[:, c, e]
                direct = s < 2
                adj[rows[direct], base + s[direct], node] = 1.0
                via = ~direct
                first = base + 2 + 2 * (s[via] - 2)
                adj[rows[via], first, node] = 1.0
                adj[rows[via], first + 1, node] = 1.0
                adj[:, node, out_node] = 1.0
        return adj, x

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        """Binary path encoding (BANANAS, White et al. 2021): per cell and cell input, one
        feature per op sequence of length 1..4 along a path from that input to an intermediate
        node (all of which reach the output): 4 x 2,800 = 11,200 features."""
        src, op = self._edges(ops)
        n = len(ops)
        base = np.arange(n, dtype=np.int64) * PATH_FEATS
        hits = []
        for c in range(2):
            s, o = src[:, c], op[:, c]
            for chain in _PATH_CHAINS:  # vectorised over the batch: is this chain a path here?
                first = chain[0]
                ok = s[:, first] < 2
                code = o[:, first]
                for prev, e in zip(chain, chain[1:], strict=False):
                    ok = ok & (s[:, e] == prev // 2 + 2)
                    code = code * NUM_OPS + o[:, e]
                col = (2 * c + s[:, first]) * PATH_BLOCK + _PATH_OFFSETS[len(chain) - 1] + code
                hits.append((base + col)[ok])
        out = np.zeros((n, PATH_FEATS), dtype=np.float32)
        if n:  # one scatter in memory order: a large batch is written row by row, not strided
            out.reshape(-1)[np.sort(np.concatenate(hits))] = 1.0
        return out
