"""The two TransNAS-Bench-101 spaces (Duan et al., CVPR 2021): 4,096 micro cells, 3,256 macro
skeletons (7,352 networks, each trained on 7 tasks).

The benchmark names a network by one string, `"<base channels>-<skeleton>-<cell>"`:

- the skeleton is one digit per module (stage of 2 blocks): 1 keeps the shape, 2 doubles the
  channels, 3 halves the resolution (stride 2), 4 does both (the benchmark's `MacroNet`: channel
  change for 2 and 4, stride change for 3 and 4);
- the cell is `"a_bc_def"`: node j's inputs from nodes 0..j-1, one op id each, with ids
  0 none (zero), 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3 (ReLU-Conv-BN), or `basic` (a
  ResNet basic block).

`tnb101-micro` fixes the skeleton `64-41414-` and searches the cell; an `Arch` stores the six op ids
in the string's order, edges (0->1), (0->2), (1->2), (0->3), (1->3), (2->3). That is exactly
NASLib's tuple key (`(a, b, c, d, e, f)` -> `64-41414-a_bc_def`, its `convert_op_indices_micro_to_str`,
through which NASLib queries the benchmark and builds the network), so the Suite-Zero keys are read
verbatim. NASLib's own `OP_NAMES` order (Identity, Zero, conv3x3, conv1x1) and edge list only apply
to its one-shot graph and do not describe these keys. The index is the base-4 number of the tuple.

`tnb101-macro` fixes the cell to `basic` and searches the skeleton: 4 to 6 modules, 1 to 4 of
which halve the resolution (codes 3, 4) and 1 to 3 double the channels (codes 2, 4); counting those
gives 210 + 750 + 2,296 = 3,256 skeletons. An `Arch` stores NASLib's tuple: the module codes padded
with trailing zeros to length 6 (`(1, 2, 4, 2, 0, 0)` -> `64-1242-basic`). The index is the position
in the lexicographic order of those tuples. Its categorical view (for TPE, REINFORCE, NSGA-II) is 6
slots, each absent (0) or a code 1..4, the network being the present modules in order: `to_choices`
is `Arch.ops`, and `from_choices` also reads a zero between modules as an absent slot.

Neither space has isomorphism classes here: in a cell's first, strided block skip is a
FactorizedReduce (a convolution), so the NB201 rule "skip passes its input through" does not hold.
"""

from __future__ import annotations

import ast
import itertools
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, UnknownNameError
from nas_core.spaces.base import SearchSpace, as_int, int_array, short_repr

BASE_CHANNELS = 64
#: The fixed skeleton of the micro space (5 modules: 3 strided and channel-doubling, 2 plain).
MICRO_SKELETON = "41414"

# --- micro ----------------------------------------------------------------------------------------
#: Micro op ids as the benchmark numbers them (its cell_ops.OPS '0'..'3').
MICRO_OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
NONE, SKIP, CONV1, CONV3 = range(4)
#: Edge of each position of a micro `Arch.ops` (the official string's order: by target node).
MICRO_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
NUM_EDGES = len(MICRO_EDGES)
NUM_MICRO_OPS = len(MICRO_OPS)
MICRO_SIZE = NUM_MICRO_OPS**NUM_EDGES  # 4096
_POW4 = NUM_MICRO_OPS ** np.arange(NUM_EDGES - 1, -1, -1, dtype=np.int64)
_MICRO_OP_ID = {name: i for i, name in enumerate(MICRO_OPS)}

# Op-on-node DAG (adjacency encoding): node 0 input, nodes 1..6 the edges' ops (position order),
# node 7 output. Features: input, output, 4 ops. A 'none' edge is cut off.
_MICRO_GRAPH_NODES = 8
_MICRO_GRAPH_FEATS = 2 + NUM_MICRO_OPS
_MICRO_DAG: tuple[tuple[int, int], ...] = (
    (0, 1),
    (0, 2),
    (0, 4),  # input feeds the edges leaving cell node 0 (positions 0, 1, 3)
    (1, 3),
    (1, 5),  # edge 0->1 feeds the edges leaving cell node 1 (positions 2, 4)
    (2, 6),
    (3, 6),  # edges into cell node 2 feed edge 2->3 (position 5)
    (4, 7),
    (5, 7),
    (6, 7),  # edges into cell node 3 feed the output
)
# Path encoding (BANANAS): the input->output routes as positions; ops on a path over the three
# non-none ops: 3 + 9 + 27 = 39 features.
_MICRO_ROUTES: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
_MICRO_LIVE = (SKIP, CONV1, CONV3)

# --- macro ----------------------------------------------------------------------------------------
#: Macro module codes (0 pads a network shorter than 6 modules).
MACRO_OPS: tuple[str, ...] = (
    "empty",
    "basic",
    "double_channels",
    "downsample",
    "downsample_double_channels",
)
MACRO_LEN = 6
MIN_MODULES, MAX_MODULES = 4, 6
MAX_DOWNSAMPLE, MAX_DOUBLE = 4, 3
NUM_MACRO_CODES = len(MACRO_OPS)  # 5, with 0
MACRO_SIZE = 3256
_MACRO_GRAPH_NODES = MACRO_LEN + 2
_MACRO_GRAPH_FEATS = 2 + NUM_MACRO_CODES - 1

_INT_RE = re.compile(r"^[0-9]+$")
_NET_RE = re.compile(r"^([0-9]+)-([0-9]+)-(.+)$")
_CELL_RE = re.compile(r"^([0-9])_([0-9]{2})_([0-9]{3})$")


def _literal(s: str, space: str) -> Any:
    try:
        with warnings.catch_warnings():  # "(1_0b)" warns before it fails
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise InvalidArchError(f"cannot read {short_repr(s)} as a {space} op tuple") from None


def _ints(obj: Any, space: str, what: str) -> tuple[int, ...]:
    if isinstance(obj, np.ndarray) and obj.ndim != 1:
        raise InvalidArchError(f"one {space} architecture is a 1-D {what}, got shape {obj.shape}")
    ops = tuple(map(as_int, obj))
    if None in ops:  # 2.9, NaN, a bool, a name: refused, never truncated
        raise InvalidArchError(f"{space} {what} must hold integers, got {short_repr(obj)}")
    return ops  # type: ignore[return-value]


def macro_problem(codes: Sequence[int]) -> str | None:
    """Why a module-code sequence (no padding) is not a TransNAS-Bench-101 skeleton; None if it
    is one. The rules: 4 to 6 modules of codes 1..4, 1 to 4 downsampling, 1 to 3 doubling."""
    if not MIN_MODULES <= len(codes) <= MAX_MODULES:
        return f"{len(codes)} modules; a network has {MIN_MODULES} to {MAX_MODULES}"
    if not all(1 <= c <= 4 for c in codes):
        return "module codes must be 1..4 (1 basic, 2 double channels, 3 downsample, 4 both)"
    down = sum(c >= 3 for c in codes)
    if not 1 <= down <= MAX_DOWNSAMPLE:
        return f"{down} downsampling modules (codes 3, 4); a network has 1 to {MAX_DOWNSAMPLE}"
    double = sum(c % 2 == 0 for c in codes)
    if not 1 <= double <= MAX_DOUBLE:
        return f"{double} channel-doubling modules (codes 2, 4); a network has 1 to {MAX_DOUBLE}"
    return None


def enumerate_macro() -> list[tuple[int, ...]]:
    """Every macro skeleton as NASLib's zero-padded 6-tuple, in lexicographic order."""
    out = []
    for n in range(MIN_MODULES, MAX_MODULES + 1):
        for codes in itertools.product(range(1, 5), repeat=n):
            if macro_problem(codes) is None:
                out.append(codes + (0,) * (MACRO_LEN - n))
    return sorted(out)


class _TableSpace(SearchSpace):
    """Shared parts of the two finite spaces: an op table, an index dict, one-hot per position."""

    op_array: np.ndarray
    _index_of: dict[tuple[int, ...], int]
    _archs: list[Arch]

    def _init_table(self, rows: list[tuple[int, ...]]) -> None:
        self.op_array = np.array(rows, dtype=np.int8)
        self._archs = [Arch(self.name, r) for r in rows]
        self._index_of = {r: i for i, r in enumerate(rows)}

    def index(self, arch: Any) -> int:
        if type(arch) is Arch and arch.space == self.name:
            i = self._index_of.get(arch.ops)
            if i is not None and all(type(o) is int for o in arch.ops):
                return i
        return self._index_of[self.parse(arch).ops]

    def from_index(self, i: int) -> Arch:
        if not 0 <= i < self.size:  # type: ignore[operator]
            raise InvalidArchError(f"{self.name} index must lie in 0..{self.size - 1}, got {i}")  # type: ignore[operator]
        return self._archs[int(i)]

    def _index_str(self, s: str) -> Arch:
        if len(s) > 18:  # int() of a very long string raises a plain ValueError
            raise InvalidArchError(
                f"{self.name} index must lie in 0..{self.size - 1}, got a {len(s)}-digit number"  # type: ignore[operator]
            )
        return self.from_index(int(s))

    def archs_at(self, indices: Any) -> list[Arch]:
        archs = self._archs
        return [archs[i] for i in np.asarray(indices, dtype=np.int64).reshape(-1).tolist()]

    def all_archs(self) -> list[Arch]:
        return list(self._archs)

    def op_rows(self, archs: Any) -> np.ndarray:
        return self.op_array[self.indices(archs)].astype(np.int64)

    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        return self.archs_at(rng.integers(0, self.size, size=n))

    def _from_arch(self, obj: Arch) -> Arch | None:
        """The stored member for an `Arch` of this space holding plain ints, else None."""
        if obj.space != self.name:
            raise InvalidArchError(
                f"architecture of space {obj.space!r} given to space {self.name!r}"
            )
        i = self._index_of.get(obj.ops) if type(obj.ops) is tuple else None
        if i is not None and all(type(o) is int for o in obj.ops):
            return self._archs[i]
        return None


class TNB101MicroSpace(_TableSpace):
    name = "tnb101-micro"
    ops = MICRO_OPS
    size = MICRO_SIZE
    edges = MICRO_EDGES

    def __init__(self) -> None:
        self._init_table(list(itertools.product(range(NUM_MICRO_OPS), repeat=NUM_EDGES)))

    # --- identity -----------------------------------------------------------------------------
    def parse(self, obj: Any) -> Arch:
        if isinstance(obj, Arch):
            return self._from_arch(obj) or self._from_ops(
                _ints(obj.ops, self.name, "op tuple"), obj
            )
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            return self.from_index(int(obj))
        if isinstance(obj, str):
            return self._parse_str(obj.strip())
        if isinstance(obj, (tuple, list, np.ndarray)):
            return self._from_ops(_ints(obj, self.name, "op tuple"), obj)
        raise InvalidArchError(
            f"cannot read {short_repr(obj)} ({type(obj).__name__}) as a {self.name} cell: "
            f"{self._forms()}"
        )

    def _forms(self) -> str:
        return (
            f"give an Arch, an index 0..{MICRO_SIZE - 1}, a tuple of 6 op ids (NASLib's key, "
            "e.g. (1, 0, 0, 2, 1, 0)), the benchmark's string '64-41414-1_00_210', its cell "
            "'1_00_210', or an NB201-style string '|skip_connect~0|+|...|'; op ids: "
            + ", ".join(f"{i} {o}" for i, o in enumerate(MICRO_OPS))
        )

    def _from_ops(self, ops: tuple[int, ...], given: Any) -> Arch:
        i = self._index_of.get(ops)
        if i is None:
            raise InvalidArchError(
                f"{self.name} op tuple needs {NUM_EDGES} op ids in 0..{NUM_MICRO_OPS - 1} "
                f"({', '.join(f'{i} {o}' for i, o in enumerate(MICRO_OPS))}), got {short_repr(given)}"
            )
        return self._archs[i]

    def _parse_str(self, s: str) -> Arch:
        if _INT_RE.match(s):
            return self._index_str(s)
        if s[:1] in "([":
            return self.parse(_literal(s, self.name))
        if s.startswith("|") and s.endswith("|"):
            return self._parse_nb201_str(s)
        m = _NET_RE.match(s)
        if m:
            base, skeleton, cell = m.groups()
            if cell == "basic":
                raise InvalidArchError(
                    f"{short_repr(s)} is a macro network (cell 'basic'); read it with space "
                    "'tnb101-macro'"
                )
            if base != str(BASE_CHANNELS) or skeleton != MICRO_SKELETON:
                raise InvalidArchError(
                    f"{short_repr(s)}: the micro space's networks are all '{BASE_CHANNELS}-{MICRO_SKELETON}-"
                    f"<cell>', got {short_repr(base + '-' + skeleton)}"
                )
            s = cell
        m = _CELL_RE.match(s)
        if not m:
            raise InvalidArchError(
                f"cannot read {short_repr(s)} as a {self.name} cell: {self._forms()}"
            )
        return self._from_ops(tuple(int(c) for c in "".join(m.groups())), s)

    def _parse_nb201_str(self, s: str) -> Arch:
        nodes = s.split("+")
        ops: list[int] = []
        for j, node in enumerate(nodes, start=1):
            parts = node.strip("|").split("|")
            if len(nodes) != 3 or len(parts) != j:
                raise InvalidArchError(
                    f"a cell string must have 3 nodes with 1, 2, 3 inputs, got {short_repr(s)}"
                )
            for i, part in enumerate(parts):
                name, _, src = part.partition("~")
                if src != str(i):
                    raise InvalidArchError(
                        f"in {short_repr(s)}: input {part!r} should come from node {i}"
                    )
                if name not in _MICRO_OP_ID:
                    raise UnknownNameError("op", name, MICRO_OPS, where=f"of space {self.name!r}")
                ops.append(_MICRO_OP_ID[name])
        return self._archs[self._index_of[tuple(ops)]]

    def to_str(self, arch: Arch) -> str:
        a, b, c, d, e, f = self.parse(arch).ops
        return f"{BASE_CHANNELS}-{MICRO_SKELETON}-{a}_{b}{c}_{d}{e}{f}"

    def to_nb201_str(self, arch: Arch) -> str:
        """The cell in NAS-Bench-201's notation (same topology, this space's op names)."""
        a, b, c, d, e, f = (MICRO_OPS[o] for o in self.parse(arch).ops)
        return f"|{a}~0|+|{b}~0|{c}~1|+|{d}~0|{e}~1|{f}~2|"

    def indices(self, archs: Any) -> np.ndarray:
        if isinstance(archs, np.ndarray) and archs.ndim == 2 and archs.shape[1] == NUM_EDGES:
            ops = int_array(archs, f"{self.name} op array")
            bad = ((ops < 0) | (ops >= NUM_MICRO_OPS)).any(axis=1)
            if bad.any():
                r = int(np.argmax(bad))
                raise InvalidArchError(
                    f"{self.name} op array: row {r} {ops[r].tolist()} has an op id outside "
                    f"0..{NUM_MICRO_OPS - 1}"
                )
            return ops @ _POW4
        return super().indices(archs)

    # --- search moves -------------------------------------------------------------------------
    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        ops = list(self.parse(arch).ops)
        edge = int(rng.integers(NUM_EDGES))
        ops[edge] = (ops[edge] + int(rng.integers(1, NUM_MICRO_OPS))) % NUM_MICRO_OPS
        return self._archs[self._index_of[tuple(ops)]]

    def neighbours(self, arch: Arch) -> list[Arch]:
        base = self.parse(arch).ops
        out = []
        for e in range(NUM_EDGES):
            for o in range(NUM_MICRO_OPS):
                if o != base[e]:
                    out.append(self._archs[self._index_of[base[:e] + (o,) + base[e + 1 :]]])
        return out

    # --- categorical view and encodings --------------------------------------------------------
    def choices(self) -> tuple[int, ...]:
        """One of 4 ops on each of the 6 edges: every combination is a cell in the benchmark."""
        return (NUM_MICRO_OPS,) * NUM_EDGES

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(ops)
        x = np.zeros((n, _MICRO_GRAPH_NODES, _MICRO_GRAPH_FEATS), dtype=np.float32)
        x[:, 0, 0] = 1.0
        x[:, -1, 1] = 1.0
        x[np.arange(n)[:, None], np.arange(1, 7)[None, :], 2 + ops] = 1.0
        adj = np.zeros((n, _MICRO_GRAPH_NODES, _MICRO_GRAPH_NODES), dtype=np.float32)
        src, dst = np.array(_MICRO_DAG).T
        adj[:, src, dst] = 1.0
        dead = np.zeros((n, _MICRO_GRAPH_NODES), dtype=bool)
        dead[:, 1:7] = ops == NONE
        adj[dead] = 0.0
        adj.transpose(0, 2, 1)[dead] = 0.0
        return adj, x

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        live = np.full(NUM_MICRO_OPS, -1, dtype=np.int64)
        live[list(_MICRO_LIVE)] = np.arange(len(_MICRO_LIVE))
        lops = live[ops]
        n = len(ops)
        k = len(_MICRO_LIVE)
        offsets = {1: 0, 2: k, 3: k + k**2}
        out = np.zeros((n, k + k**2 + k**3), dtype=np.float32)
        rows = np.arange(n)
        for route in _MICRO_ROUTES:
            seq = lops[:, list(route)]
            ok = (seq >= 0).all(axis=1)
            code = np.zeros(n, dtype=np.int64)
            for j in range(len(route)):
                code = code * k + np.maximum(seq[:, j], 0)
            out[rows[ok], offsets[len(route)] + code[ok]] = 1.0
        return out


class TNB101MacroSpace(_TableSpace):
    name = "tnb101-macro"
    ops = MACRO_OPS
    size = MACRO_SIZE

    def __init__(self) -> None:
        rows = enumerate_macro()
        if len(rows) != MACRO_SIZE:  # the rules above are the benchmark's; guard against drift
            raise InvalidArchError(
                f"tnb101-macro rules give {len(rows)} skeletons, not {MACRO_SIZE}"
            )
        self._init_table(rows)

    # --- identity -----------------------------------------------------------------------------
    def parse(self, obj: Any) -> Arch:
        if isinstance(obj, Arch):
            return self._from_arch(obj) or self._from_codes(
                _ints(obj.ops, self.name, "module tuple"), obj
            )
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            return self.from_index(int(obj))
        if isinstance(obj, str):
            return self._parse_str(obj.strip())
        if isinstance(obj, (tuple, list, np.ndarray)):
            return self._from_codes(_ints(obj, self.name, "module tuple"), obj)
        raise InvalidArchError(
            f"cannot read {short_repr(obj)} ({type(obj).__name__}) as a {self.name} network: "
            f"{self._forms()}"
        )

    def _forms(self) -> str:
        return (
            f"give an Arch, an index 0..{MACRO_SIZE - 1}, NASLib's tuple of 6 module codes "
            "padded with zeros (e.g. (1, 2, 4, 2, 0, 0)), or the benchmark's string "
            "'64-1242-basic'; codes: 1 basic, 2 double channels, 3 downsample, 4 both"
        )

    def _from_codes(self, codes: tuple[int, ...], given: Any) -> Arch:
        """A padded 6-tuple, or 4 to 6 codes without padding."""
        i = self._index_of.get(codes)
        if i is not None:
            return self._archs[i]
        if not codes:
            raise InvalidArchError(f"empty {self.name} module tuple: {self._forms()}")
        n = len(codes)
        while n and codes[n - 1] == 0:
            n -= 1
        if 0 in codes[:n]:
            raise InvalidArchError(
                f"{self.name} tuple {short_repr(given)}: module codes 1..4 first, zeros only as "
                "trailing padding"
            )
        if len(codes) > MACRO_LEN and n <= MACRO_LEN:
            raise InvalidArchError(
                f"{self.name} tuple {short_repr(given)}: padded to {MACRO_LEN} positions at most"
            )
        why = macro_problem(codes[:n])
        if why is not None:
            raise InvalidArchError(
                f"{self.name} skeleton {short_repr(given)} is not in the space: {why}"
            )
        return self._archs[self._index_of[codes[:n] + (0,) * (MACRO_LEN - n)]]

    def _parse_str(self, s: str) -> Arch:
        if _INT_RE.match(s):
            return self._index_str(s)
        if s[:1] in "([":
            return self.parse(_literal(s, self.name))
        m = _NET_RE.match(s)
        if not m:
            raise InvalidArchError(
                f"cannot read {short_repr(s)} as a {self.name} network: {self._forms()}"
            )
        base, skeleton, cell = m.groups()
        if cell != "basic":
            raise InvalidArchError(
                f"{short_repr(s)} has cell {cell!r}: macro networks end in '-basic' (a micro "
                "cell '64-41414-a_bc_def' is read by space 'tnb101-micro')"
            )
        if base != str(BASE_CHANNELS):
            raise InvalidArchError(
                f"{short_repr(s)}: the benchmark's networks have {BASE_CHANNELS} base channels"
            )
        if "0" in skeleton:
            raise InvalidArchError(
                f"{short_repr(s)}: skeleton digits are module codes 1..4 (0 is no module)"
            )
        return self._from_codes(tuple(int(c) for c in skeleton), s)

    def to_str(self, arch: Arch) -> str:
        codes = "".join(str(c) for c in self.parse(arch).ops if c)
        return f"{BASE_CHANNELS}-{codes}-basic"

    # --- search moves -------------------------------------------------------------------------
    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        nb = self.neighbours(arch)
        return nb[int(rng.integers(len(nb)))]

    def neighbours(self, arch: Arch) -> list[Arch]:
        """Every skeleton one edit away: one module's code changed, one module removed, or one
        module inserted (edit distance 1 over the code sequence); in a fixed order."""
        me = self.parse(arch)
        own = self._index_of[me.ops]
        codes = tuple(c for c in me.ops if c)
        n = len(codes)
        cands: list[tuple[int, ...]] = []
        for p in range(n):
            for c in range(1, 5):
                if c != codes[p]:
                    cands.append(codes[:p] + (c,) + codes[p + 1 :])
        for p in range(n):
            cands.append(codes[:p] + codes[p + 1 :])
        for p in range(n + 1):
            for c in range(1, 5):
                cands.append(codes[:p] + (c,) + codes[p:])
        out: dict[int, None] = {}
        for cand in cands:
            if macro_problem(cand) is None:
                i = self._index_of[cand + (0,) * (MACRO_LEN - len(cand))]
                if i != own:
                    out.setdefault(i, None)
        return [self._archs[i] for i in out]

    # --- categorical view and encodings --------------------------------------------------------
    def choices(self) -> tuple[int, ...]:
        """6 module slots, each absent (0) or a module code 1..4: the network is its present
        modules in slot order. The view is no product (module counts are constrained); about
        64% of the 5^6 vectors are networks, the rest `from_choices` refuses."""
        return (NUM_MACRO_CODES,) * MACRO_LEN

    def from_choices(self, values: Sequence[int]) -> Arch:
        """The network of the present (non-zero) slots, in order; InvalidArchError when they
        break the space's rules (4 to 6 modules, 1 to 4 downsampling, 1 to 3 doubling)."""
        t = tuple(map(as_int, values)) if len(values) == MACRO_LEN else ()
        if not t or None in t or not all(0 <= v < NUM_MACRO_CODES for v in t):
            raise InvalidArchError(
                f"{self.name} choices are {MACRO_LEN} slots, each 0 (absent) or a module code "
                f"1..4 (1 basic, 2 double channels, 3 downsample, 4 both); got {short_repr(values)}"
            )
        codes = tuple(c for c in t if c)
        why = macro_problem(codes)
        if why is not None:
            raise InvalidArchError(f"{self.name} choices {short_repr(values)}: {why}")
        return self._archs[self._index_of[codes + (0,) * (MACRO_LEN - len(codes))]]

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        """One block of 5 per position (0 = no module there)."""
        n = len(ops)
        return np.eye(NUM_MACRO_CODES, dtype=np.float32)[ops].reshape(
            n, MACRO_LEN * NUM_MACRO_CODES
        )

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        """A macro network is a chain, so its only input->output path is its module sequence:
        BANANAS' one feature per distinct path would be one feature per network, which no
        predictor can generalise from. The path is encoded by its ops position by position
        instead, which is the one-hot code (so `bananas` runs on this space)."""
        return self._encode_onehot(ops)

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A chain: input -> module 1 -> ... -> module L -> output; unused slots stay isolated
        with zero features. Features: input, output, the 4 module codes."""
        n = len(ops)
        x = np.zeros((n, _MACRO_GRAPH_NODES, _MACRO_GRAPH_FEATS), dtype=np.float32)
        adj = np.zeros((n, _MACRO_GRAPH_NODES, _MACRO_GRAPH_NODES), dtype=np.float32)
        x[:, 0, 0] = 1.0
        x[:, -1, 1] = 1.0
        rows, slots = np.nonzero(ops)
        x[rows, slots + 1, 1 + ops[rows, slots]] = 1.0
        length = (ops > 0).sum(axis=1)
        for r in range(n):
            chain = [0, *range(1, length[r] + 1), _MACRO_GRAPH_NODES - 1]
            adj[r, chain[:-1], chain[1:]] = 1.0
        return adj, x
