"""The NAS-Bench-Graph GNN space (Qin et al., NeurIPS 2022 D&B): 26,206 non-isomorphic archs.

An architecture has 4 computing layers. Layer i reads one earlier node, its *link* `link[i]`
(0 = the raw input, k = the output of layer k), and applies one of 9 ops
(`gat gcn gin cheb sage arma graph fc skip`); every layer whose output no later layer reads (a
leaf) feeds the output node. Up to relabelling, 9 link patterns exist (`LINKS`); with 9 ops that is
9 * 9^4 spellings, minus the all-skip network, which collapse to 26,206 isomorphism classes.

Canonical form and numbering. The PyPI package `nas_bench_graph` (Apache-2.0) defines
`Arch(link, ops).valid_hash()`, which canonicalises a spelling (relabels the link pattern, moves
skip layers, sorts ops of interchangeable layers) and returns a base-10 number whose digits are the
canonical spelling: `link_id * 10^4 + o0 * 10^3 + o1 * 10^2 + o2 * 10 + o3`. naslab does not
re-implement that: it runs the package's own `valid_hash` once on every standard spelling (59,049
calls; the derived tables are cached under `$NASLAB_HOME/cache/spaces/`, default
`~/.cache/naslab`) and

- takes as the class representative the spelling the hash spells out (the package's canonical
  form, a fixed point of `valid_hash`); an `Arch` stores it as `(link_id, o0, o1, o2, o3)`, with
  `link_id` an index into `LINKS` and op ids into `OPS` (the package's `link_list`/`gnn_list`);
- numbers the classes 0..26,205 by ascending hash, which is the lexicographic order of those
  tuples. The hash itself (the key of the package's `light/<dataset>.bench` files) is available as
  `hash(arch)`, `hashes(archs)` and `from_hash(h)`.

Spellings `parse` accepts: an `Arch` (any spelling, canonicalised), the index (int), a tuple/list
`(link_id, o0, o1, o2, o3)`, a pair `(link, ops)` with `link` any valid parent list of 4 ints
(`link[0] == 0`, `0 <= link[i] <= i`; the 15 non-standard ones are canonicalised by the package's
`valid_hash`) and `ops` names or ids, a dict `{"link": [...], "ops": [...]}`, the package's own
`Arch` object, and strings: `to_str`'s form `"link=[0,0,1,2] ops=[gcn,gat,skip,fc]"`, an index
(`"123"`), a Python literal of any form above, or the benchmark key `"hash=81234"`.

The proteins dataset of NAS-Bench-Graph uses only 5 ops (gcn, sage, arma, fc, skip; 2,021 archs);
it is the same space, and its benchmark table simply holds fewer archs.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import itertools
import os
import re
import tempfile
from collections.abc import Sequence
from functools import cache
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, MissingFileError, UnknownNameError
from nas_core.spaces.base import SearchSpace, as_int, int_array, short_repr

#: The package's `link_list`: the 9 link patterns up to relabelling (parent of each layer).
LINKS: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
#: The package's `gnn_list`: op ids 0..8 (skip is last, so ids 0..7 are the non-identity ops).
OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: The ops of the proteins dataset (the package's `gnn_list_proteins`).
PROTEINS_OPS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
NUM_LAYERS = 4
NUM_OPS = len(OPS)
NUM_LINKS = len(LINKS)
SKIP = OPS.index("skip")
SIZE = 26_206
NUM_SPELLINGS = NUM_LINKS * NUM_OPS**NUM_LAYERS  # 59,049 (link_id, o0..o3) tuples
_TABLE_VERSION = 2  # 2: the cache holds (hash_array, canon_of_code)
_POW9 = NUM_OPS ** np.arange(NUM_LAYERS, -1, -1, dtype=np.int64)  # (link_id, o0..o3) -> code
_POW10 = 10 ** np.arange(NUM_LAYERS, -1, -1, dtype=np.int64)  # digits of the package's hash
_LINK_ID = {lk: i for i, lk in enumerate(LINKS)}
_OP_ID = {name: i for i, name in enumerate(OPS)}
_LINKS_ARR = np.array(LINKS, dtype=np.int64)
_STR_RE = re.compile(r"^\s*link\s*=\s*\[([^\]]*)\]\s*[, ]\s*ops\s*=\s*\[([^\]]*)\]\s*$")
_HASH_RE = re.compile(r"^\s*hash\s*=\s*([0-9]+)\s*$")
_OPS_OF, _SPACE_OF = attrgetter("ops"), attrgetter("space")

# Op-on-node DAG: node 0 = input, nodes 1..4 = the layers, node 5 = output.
# Feature columns: input, output, then the 9 ops.
GRAPH_NODES = NUM_LAYERS + 2
GRAPH_FEATS = 2 + NUM_OPS
# Path encoding: one feature per input->output path, identified by its sequence of non-skip ops
# (skip is the identity, so it adds nothing to a path): lengths 1..4 over 8 ops. (The package's
# canonical form moves skip layers to the front, so no canonical arch has an all-skip path.)
_PATH_OFFSETS = np.array([(8**k - 1) // 7 - 1 for k in range(NUM_LAYERS + 2)], dtype=np.int64)
PATH_FEATS = int(_PATH_OFFSETS[-1])  # 8 + 64 + 512 + 4096 = 4680


def _package_file(name: str) -> Path:
    spec = importlib.util.find_spec("nas_bench_graph")
    if spec is None or not spec.submodule_search_locations:
        raise MissingFileError(
            "space 'nbgraph' needs the PyPI package nas-bench-graph (its architecture.py "
            "defines the canonical form): pip install nas-bench-graph"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.exists():
        raise MissingFileError(f"nas-bench-graph is installed but {path} is missing; reinstall it")
    return path


def _package_hash(link: Sequence[int], op_names: Sequence[str]) -> int:
    """The package's own canonical key for one spelling (imports its pure-Python module)."""
    from nas_bench_graph.architecture import Arch as PackageArch

    return int(PackageArch(list(link), list(op_names)).valid_hash())


def _build_spelling_hashes() -> np.ndarray:
    """`valid_hash` of every standard spelling, by code (-1 for the all-skip network)."""
    from nas_bench_graph import architecture as pkg

    if tuple(map(tuple, pkg.link_list)) != LINKS or tuple(pkg.gnn_list) != OPS:
        raise InvalidArchError(
            "nas-bench-graph's link_list/gnn_list differ from the ones naslab knows; "
            "this version of the package is not supported"
        )
    out = np.full(NUM_SPELLINGS, -1, dtype=np.int64)
    for code, (lid, *ops) in enumerate(itertools.product(range(NUM_OPS), repeat=5)):
        if all(o == SKIP for o in ops):
            continue
        out[code] = pkg.Arch(list(LINKS[lid]), [OPS[o] for o in ops]).valid_hash()
    return out


def _cache_dir() -> Path:
    home = Path(os.environ.get("NASLAB_HOME", Path.home() / ".cache" / "naslab")).expanduser()
    return home / "cache" / "spaces"


def _canonical_tables(spell_hash: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hash_array, canon_of_code): the sorted class keys and, per spelling code, its class."""
    valid = spell_hash >= 0
    hash_array = np.unique(spell_hash[valid])  # (26206,) sorted int64
    if len(hash_array) != SIZE:
        raise InvalidArchError(
            f"nas-bench-graph canonicalises to {len(hash_array)} classes, expected {SIZE}"
        )
    canon = np.full(NUM_SPELLINGS, -1, dtype=np.int64)
    canon[valid] = np.searchsorted(hash_array, spell_hash[valid])
    return hash_array, canon


@cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """`_canonical_tables` of the package's hashes, from the on-disk cache when the package's
    code is unchanged. The cache holds the derived tables (not the raw hashes), so a warm process
    only reads 85,255 int64s: no `valid_hash` calls, no sorting."""
    source = _package_file("architecture.py").read_bytes()
    key = hashlib.sha256(source + str(_TABLE_VERSION).encode()).hexdigest()[:16]
    path = _cache_dir() / f"nbgraph-{key}.npy"
    try:
        table = np.load(path)
        if table.shape == (SIZE + NUM_SPELLINGS,) and table.dtype == np.int64:
            hash_array, canon = table[:SIZE], table[SIZE:]
            if (np.diff(hash_array) > 0).all() and canon.min() >= -1 and canon.max() < SIZE:
                return hash_array, canon
    except (OSError, ValueError):
        pass
    hash_array, canon = _canonical_tables(_build_spelling_hashes())
    try:  # best effort: an unwritable cache only costs the next process the build again
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".npy", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.concatenate([hash_array, canon]))
        os.replace(tmp, path)
    except OSError:
        pass
    return hash_array, canon


def _code(t: Any) -> int | None:
    """Base-9 code of a (link_id, o0..o3) tuple of Python ints in range; None when it is not one
    (the caller then validates slowly and says what is wrong)."""
    if type(t) is not tuple or len(t) != 5 or set(map(type, t)) != {int}:
        return None
    a, b, c, d, e = t
    ok = 0 <= a < NUM_LINKS and 0 <= b < NUM_OPS and 0 <= c < NUM_OPS and 0 <= d < NUM_OPS
    return (((a * 9 + b) * 9 + c) * 9 + d) * 9 + e if ok and 0 <= e < NUM_OPS else None


class NBGraphSpace(SearchSpace):
    name = "nbgraph"
    ops = OPS
    size = SIZE
    links = LINKS

    def __init__(self) -> None:
        hash_array, canon = _tables()
        self.hash_array: np.ndarray = hash_array  # (26206,) sorted int64: the package's keys
        #: For every spelling code (see `spelling_codes`), its class index; -1 for all-skip.
        self.canon_of_code: np.ndarray = canon
        digits = (self.hash_array[:, None] // _POW10) % 10
        #: (26206, 5) int8: row i is the canonical (link_id, o0, o1, o2, o3) of index i.
        self.op_array: np.ndarray = np.ascontiguousarray(digits, dtype=np.int8)

    # No per-arch object tables: an Arch is made on demand from `op_array` and an Arch's index is
    # computed from its op tuple (`_code`), so a process holding this space stays ~1 MiB (a cached
    # table of 26,206 Arch values plus their dict cost ~8.5 MiB, 2.4x the whole nbgraph table).
    def _arch(self, i: int) -> Arch:
        return tuple.__new__(Arch, ("nbgraph", tuple(self.op_array[i].tolist())))

    def archs_at(self, indices: Any) -> list[Arch]:
        new = tuple.__new__  # Arch(...) without NamedTuple's keyword handling: 2x faster here
        rows = self.op_array[np.asarray(indices, dtype=np.int64)].tolist()
        return [new(Arch, ("nbgraph", t)) for t in map(tuple, rows)]

    # --- identity -----------------------------------------------------------------------------
    def parse(self, obj: Any) -> Arch:
        if type(obj) is Arch or isinstance(obj, Arch):
            if obj.space != self.name:
                raise InvalidArchError(
                    f"architecture of space {obj.space!r} given to space {self.name!r}"
                )
            return self._from_tuple(obj.ops, obj)
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            return self.from_index(int(obj))
        if isinstance(obj, str):
            return self._parse_str(obj.strip())
        if isinstance(obj, dict):
            if set(obj) != {"link", "ops"}:
                raise InvalidArchError(
                    f"an nbgraph dict needs exactly the keys 'link' and 'ops', got {sorted(obj)}"
                )
            return self._from_pair(obj["link"], obj["ops"], obj)
        if hasattr(obj, "link") and hasattr(obj, "ops"):  # the package's own Arch object
            return self._from_pair(obj.link, obj.ops, obj)
        if isinstance(obj, (tuple, list, np.ndarray)):
            if len(obj) == 2:
                return self._from_pair(obj[0], obj[1], obj)
            return self._from_tuple(obj, obj)
        raise InvalidArchError(
            f"cannot read {short_repr(obj)} ({type(obj).__name__}) as an nbgraph architecture: "
            f"{self._forms()}"
        )

    @staticmethod
    def _forms() -> str:
        return (
            f"give an Arch, an index 0..{SIZE - 1}, a tuple (link_id, o0, o1, o2, o3), a pair "
            "(link, ops) such as ([0, 0, 1, 2], ['gcn', 'gat', 'skip', 'fc']), or a string like "
            "'link=[0,0,1,2] ops=[gcn,gat,skip,fc]' or 'hash=61237'"
        )

    def _from_tuple(self, values: Any, original: Any) -> Arch:
        return self._arch(self._index_of_tuple(values, original))

    def _index_of_tuple(self, values: Any, original: Any) -> int:
        code = _code(values)
        if code is not None:
            i = int(self.canon_of_code[code])
            if i >= 0:
                return i
        try:
            t = tuple(map(as_int, values))
        except TypeError:  # not iterable
            t = (None,)
        if None in t:  # 2.9, NaN, a name: refused, never truncated
            raise InvalidArchError(
                f"nbgraph tuple must hold 5 ints (link_id, o0, o1, o2, o3), got {short_repr(original)}"
            )
        if len(t) != 5 or not 0 <= t[0] < NUM_LINKS or not all(0 <= o < NUM_OPS for o in t[1:]):
            raise InvalidArchError(
                f"nbgraph tuple needs (link_id in 0..{NUM_LINKS - 1}, then 4 op ids in "
                f"0..{NUM_OPS - 1}: {', '.join(f'{i} {o}' for i, o in enumerate(OPS))}), "
                f"got {short_repr(original)}"
            )
        i = int(self.canon_of_code[int(np.dot(t, _POW9))])
        if i < 0:
            raise InvalidArchError(
                f"the all-skip network is not in NAS-Bench-Graph: {short_repr(original)}"
            )
        return i

    def _from_pair(self, link: Any, ops: Any, original: Any) -> Arch:
        try:
            lk = tuple(map(as_int, link))
        except TypeError:  # not iterable
            lk = (None,)
        if None in lk:
            raise InvalidArchError(
                f"nbgraph link must be 4 ints (the input of each layer), got {short_repr(link)}"
            )
        if len(lk) != NUM_LAYERS or any(not 0 <= p <= i for i, p in enumerate(lk)):
            raise InvalidArchError(
                f"nbgraph link must be 4 ints with 0 <= link[i] <= i (0 = raw input, k = layer "
                f"k), got {short_repr(link)}"
            )
        if isinstance(ops, str) or not hasattr(ops, "__len__") or len(ops) != NUM_LAYERS:
            raise InvalidArchError(
                f"nbgraph ops must be a list of 4 op names, got {short_repr(ops)}"
            )
        op_ids = [self._op_id(o) for o in ops]
        if all(o == SKIP for o in op_ids):
            raise InvalidArchError(
                f"the all-skip network is not in NAS-Bench-Graph: {short_repr(original)}"
            )
        lid = _LINK_ID.get(lk)
        if lid is not None:
            return self._from_tuple((lid, *op_ids), original)
        return self.from_hash(_package_hash(lk, [OPS[o] for o in op_ids]))

    @staticmethod
    def _op_id(op: Any) -> int:
        if isinstance(op, (int, np.integer)) and not isinstance(op, bool):
            if not 0 <= op < NUM_OPS:
                raise InvalidArchError(f"nbgraph op id must lie in 0..{NUM_OPS - 1}, got {op}")
            return int(op)
        if not isinstance(op, str):
            raise InvalidArchError(
                f"nbgraph op must be a name ({', '.join(OPS)}) or an id 0..{NUM_OPS - 1}, "
                f"got {short_repr(op)}"
            )
        name = op.strip().strip("'\"").lower()
        if name not in _OP_ID:
            raise UnknownNameError("op", str(op).strip(), OPS)
        return _OP_ID[name]

    def _parse_str(self, s: str) -> Arch:
        if s.isascii() and s.isdigit():  # int() refuses "²", isdigit() does not
            return self.from_index(int(s))
        m = _HASH_RE.match(s)
        if m:
            return self.from_hash(int(m.group(1)))
        m = _STR_RE.match(s)
        if m:
            link = [p.strip() for p in m.group(1).split(",") if p.strip()]
            ops = [p for p in m.group(2).split(",") if p.strip()]
            if not all(p.isascii() and p.isdigit() for p in link):
                raise InvalidArchError(f"in {short_repr(s)}: link must be 4 ints")
            return self._from_pair([int(p) for p in link], ops, s)
        if s[:1] in "([{":
            try:
                value = ast.literal_eval(s)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise InvalidArchError(
                    f"cannot read {short_repr(s)} as an nbgraph architecture"
                ) from None
            return self.parse(value)
        raise InvalidArchError(
            f"cannot read {short_repr(s)} as an nbgraph architecture: {self._forms()}"
        )

    def to_str(self, arch: Arch) -> str:
        lid, *ops = self.parse(arch).ops
        link = ",".join(str(p) for p in LINKS[lid])
        return f"link=[{link}] ops=[{','.join(OPS[o] for o in ops)}]"

    def index(self, arch: Arch) -> int:
        if type(arch) is Arch and arch.space == "nbgraph":
            return self._index_of_tuple(arch.ops, arch)
        return self._index_of_tuple(self.parse(arch).ops, arch)

    def from_index(self, i: int) -> Arch:
        if not 0 <= i < SIZE:
            raise InvalidArchError(f"nbgraph index must lie in 0..{SIZE - 1}, got {i}")
        return self._arch(i)

    def indices(self, archs: Any) -> np.ndarray:
        if isinstance(archs, np.ndarray) and archs.ndim == 2 and archs.shape[1] == 5:
            return self.canonical_indices_of_tuples(archs)
        if isinstance(archs, (list, tuple)) and archs:
            # Fast path for Archs of standard spellings: C-level maps, no per-arch Python frame.
            try:
                if set(map(_SPACE_OF, archs)) == {"nbgraph"}:
                    ops = list(map(_OPS_OF, archs))
                    if set(map(len, ops)) == {5} and set(map(type, chain(*ops))) == {int}:
                        t = np.fromiter(chain(*ops), dtype=np.int64, count=5 * len(ops))
                        if t.min() >= 0 and t.max() < NUM_OPS:
                            out = self.canon_of_code[t.reshape(-1, 5) @ _POW9]
                            if (out >= 0).all():
                                return out
            except (AttributeError, TypeError):  # not Archs: parse one by one
                pass
        return super().indices(archs)

    def all_archs(self) -> list[Arch]:
        return self.archs_at(np.arange(SIZE))

    # --- the package's hash ---------------------------------------------------------------------
    def hash(self, arch: Any) -> int:
        """The package's `valid_hash` of `arch`: the key of its `light/<dataset>.bench` files."""
        return int(self.hash_array[self.index(self.parse(arch))])

    def hashes(self, archs: Any) -> np.ndarray:
        return self.hash_array[self.indices(archs)]

    def from_hash(self, h: int) -> Arch:
        i = int(np.searchsorted(self.hash_array, h))
        if i >= SIZE or self.hash_array[i] != h:
            raise InvalidArchError(f"{h} is not a NAS-Bench-Graph valid_hash key")
        return self._arch(i)

    def indices_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Batch `from_hash` -> indices; raises InvalidArchError if any key is not a class."""
        h = np.asarray(hashes, dtype=np.int64)
        i = np.minimum(np.searchsorted(self.hash_array, h), SIZE - 1)
        bad = self.hash_array[i] != h
        if bad.any():
            raise InvalidArchError(
                f"{int(bad.sum())} key(s) are not NAS-Bench-Graph valid_hash keys, "
                f"e.g. {h[bad][:3].tolist()}"
            )
        return i

    # --- isomorphism --------------------------------------------------------------------------
    def canonical(self, arch: Arch) -> Arch:
        return self.parse(arch)

    @staticmethod
    def spelling_codes(tuples: np.ndarray) -> np.ndarray:
        """(n, 5) ints (link_id, o0..o3) -> codes 0..59,048 (base 9), for `canon_of_code`."""
        t = int_array(tuples, "nbgraph tuple array")
        if t.ndim != 2 or t.shape[1] != 5:
            raise InvalidArchError(
                f"nbgraph tuple array must have shape (n, 5) (link_id, o0..o3), got {t.shape}"
            )
        if t.size and (t.min() < 0 or t.max() >= NUM_OPS):  # NUM_LINKS == NUM_OPS == 9
            r = int(np.argmax(((t < 0) | (t >= NUM_OPS)).any(axis=1)))
            raise InvalidArchError(
                f"nbgraph tuple array: row {r} {t[r].tolist()} has a link_id or op id outside "
                f"0..{NUM_OPS - 1} (link_id indexes the 9 link patterns; op ids: "
                f"{', '.join(f'{i} {o}' for i, o in enumerate(OPS))})"
            )
        return t @ _POW9

    def canonical_indices_of_tuples(self, tuples: np.ndarray) -> np.ndarray:
        """Batch canonicalisation of standard spellings (n, 5) -> class indices."""
        out = self.canon_of_code[self.spelling_codes(tuples)]
        if (out < 0).any():
            r = int(np.argmax(out < 0))
            raise InvalidArchError(
                f"nbgraph tuple array: row {r} is the all-skip network, which is not in "
                "NAS-Bench-Graph"
            )
        return out

    # --- search moves -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        return self.archs_at(rng.integers(0, SIZE, size=n))

    def _neighbour_indices(self, i: int) -> list[int]:
        """One change to the canonical spelling (its link pattern, or one layer's op), as class
        indices: distinct, not `i` itself, never the all-skip network; link changes first."""
        base = self.op_array[i].astype(np.int64)
        rows = []
        for pos in range(5):
            for v in range(NUM_OPS):
                if v != base[pos]:
                    row = base.copy()
                    row[pos] = v
                    rows.append(row)
        cand = self.canon_of_code[np.array(rows) @ _POW9]
        seen: dict[int, None] = {}
        for c in cand.tolist():
            if c >= 0 and c != i:
                seen.setdefault(c)
        return list(seen)

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        nb = self._neighbour_indices(self.index(self.parse(arch)))
        return self._arch(nb[int(rng.integers(len(nb)))])

    def neighbours(self, arch: Arch) -> list[Arch]:
        return self.archs_at(self._neighbour_indices(self.index(self.parse(arch))))

    # --- categorical view and encodings --------------------------------------------------------
    def choices(self) -> tuple[int, ...]:
        """Link pattern 0..8, then one of 9 ops per layer; `parse` canonicalises a combination
        and refuses the all-skip one."""
        return (NUM_LINKS,) + (NUM_OPS,) * NUM_LAYERS

    def op_rows(self, archs: Any) -> np.ndarray:
        """Vectorised: the canonical rows of the batch's class indices."""
        return self.op_array[self.indices(archs)].astype(np.int64)

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        """Link one-hot (9) then one op one-hot (9) per layer: 45 features."""
        return np.eye(NUM_OPS, dtype=np.float32)[ops].reshape(len(ops), 5 * NUM_OPS)

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Adjacency (n, 6, 6) and node features (n, 6, 11): input, 4 layers, output; features
        input, output, then the layer's op one-hot."""
        n = len(ops)
        t = ops
        parents = _LINKS_ARR[t[:, 0]]  # (n, 4): node feeding layer i+1
        rows = np.arange(n)
        x = np.zeros((n, GRAPH_NODES, GRAPH_FEATS), dtype=np.float32)
        x[:, 0, 0] = 1.0
        x[:, -1, 1] = 1.0
        x[rows[:, None], np.arange(1, 5)[None, :], 2 + t[:, 1:]] = 1.0
        adj = np.zeros((n, GRAPH_NODES, GRAPH_NODES), dtype=np.float32)
        consumed = np.zeros((n, GRAPH_NODES), dtype=bool)
        for i in range(NUM_LAYERS):
            adj[rows, parents[:, i], i + 1] = 1.0
            consumed[rows, parents[:, i]] = True
        leaf = ~consumed[:, 1 : NUM_LAYERS + 1]  # layers no later layer reads feed the output
        adj[:, 1 : NUM_LAYERS + 1, -1] = leaf
        return adj, x

    def _encode_adjacency(self, ops: np.ndarray) -> np.ndarray:
        """Flattened 6x6 adjacency (36) then flattened node features (66): 102 features."""
        return super()._encode_adjacency(ops)

    def _encode_path(self, ops: np.ndarray) -> np.ndarray:
        """Binary path encoding (BANANAS, White et al. 2021): one feature per input->output path,
        identified by its sequence of non-skip ops (skip is the identity); 4,680 features
        (lengths 1..4 over 8 ops, shortest first, ops in `OPS` order). Each leaf layer closes one
        path. Non-isomorphic archs can share an encoding (it forgets where paths branch)."""
        n = len(ops)
        t = ops
        parents = _LINKS_ARR[t[:, 0]]
        rows = np.arange(n)
        length = np.zeros((n, NUM_LAYERS + 1), dtype=np.int64)
        code = np.zeros((n, NUM_LAYERS + 1), dtype=np.int64)
        consumed = np.zeros((n, NUM_LAYERS + 1), dtype=bool)
        for j in range(1, NUM_LAYERS + 1):
            p = parents[:, j - 1]
            consumed[rows, p] = True
            op = t[:, j]
            live = op != SKIP
            length[:, j] = length[rows, p] + live
            code[:, j] = np.where(live, code[rows, p] * 8 + op, code[rows, p])
        out = np.zeros((n, PATH_FEATS), dtype=np.float32)
        for j in range(1, NUM_LAYERS + 1):
            leaf = ~consumed[:, j] & (length[:, j] > 0)
            out[rows[leaf], _PATH_OFFSETS[length[leaf, j]] + code[leaf, j]] = 1.0
        return out
