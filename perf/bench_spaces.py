"""Space throughput: parse, canonicalise, to_str and encode for 10,000 random architectures of each
search space, per-arch microseconds, each side by side with a straightforward reference written
here and checked to give the same result in the same run.

    python perf/bench_spaces.py [--n 10000] [--repeats 3] [--spaces nb101,darts]

What each reference is (be careful reading the ratios: they say how much the space's batched or
cached code saves over plain code, not over another library):

- parse (string): a minimal hand parser of the space's own `to_str` form (split on the
  separators, look the names up, build the `Arch`; no validation beyond what building needs).
  nb101's and darts' string parses include canonicalisation, so their references do it too.
- parse (tuple): building the `Arch` from the usual tuple spelling with a range check (nb101: the
  Suite-Zero 56-tuple of a *raw* random spelling, so parse = prune + canonicalise; its reference
  prunes in plain Python and canonicalises by brute force over every relabelling of the interior
  vertices, NAS-Bench-101's own definition).
- canonical: nb101 as above; darts: raw spellings whose nodes list their two inputs in random
  order, reference sorts each node's pair in plain Python. nb201/nbgraph canonicalise through
  precomputed tables and tnb101 has no isomorphism classes: no reference (shown as -).
- to_str: an f-string / join per architecture.
- encode: one batch call for all archs. Reference: plain-Python loops for the one-hot codes and
  for the nb101 and darts path encodings (a depth-first walk of each cell); for the other
  encodings, one call of the space's own encoder per architecture (what batching saves).

naslab's nb101 caches canonical forms by spelling (and each result as its own spelling) and path
features by cell; nb201 caches parsed strings. For the parse rows the caches are cleared before every timed run, so repeats
inside the 10,000 (random nb101 spellings often repeat: small cells) are the only hits; the
to_str and encode rows take `Arch`s the space made, whose canonical forms the cache holds, as in
use (path features are cleared there too). Times are the best of `--repeats` runs; they vary
between machines and with load, the ratios less so.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nas_core import spaces
from nas_core.arch import Arch

SPACES = ("nb201", "nbgraph", "nb101", "darts", "tnb101-micro", "tnb101-macro")


# --- references -----------------------------------------------------------------------------------
def nb101_canonical_ref(flat: Sequence[int]) -> tuple[int, ...] | None:
    """Suite-Zero 56-tuple of the class of a 7-vertex spelling, plain Python: prune, then try every
    relabelling of the interior vertices that keeps the matrix upper triangular and keep the one
    with the largest (upper-triangle bits, op ids); pad with isolated maxpool vertices before the
    output. None when it is not a cell."""
    m = [list(flat[i * 7 : i * 7 + 7]) for i in range(7)]
    ops = list(flat[49:])
    fwd, bwd = {0}, {6}
    for v in range(1, 7):
        if any(m[u][v] for u in fwd if u < v):
            fwd.add(v)
    for v in range(5, -1, -1):
        if any(m[v][w] for w in bwd if w > v):
            bwd.add(v)
    if 6 not in fwd:
        return None
    keep = sorted(fwd & bwd)
    k = len(keep)
    m2 = [[m[i][j] for j in keep] for i in keep]
    ops2 = [ops[i] for i in keep]
    if sum(map(sum, m2)) > 9:
        return None
    best: tuple | None = None
    for perm in itertools.permutations(range(1, k - 1)):
        p = (0, *perm, k - 1)
        a = [[m2[p[i]][p[j]] for j in range(k)] for i in range(k)]
        if any(a[i][j] for i in range(k) for j in range(i + 1)):
            continue
        key = tuple(a[i][j] for i in range(k) for j in range(i + 1, k)) + tuple(ops2[x] for x in p)
        if best is None or key > best[0]:
            best = (key, a, [ops2[x] for x in p])
    assert best is not None
    _, a, labels_k = best
    live = [*range(k - 1), 6]
    out = [[0] * 7 for _ in range(7)]
    labels = [2] * 7
    for i, li in enumerate(live):
        labels[li] = labels_k[i]
        for j, lj in enumerate(live):
            out[li][lj] = a[i][j]
    return tuple(v for row in out for v in row) + tuple(labels)


_NB101_OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
_NB101_ID = {o: i for i, o in enumerate(_NB101_OPS)}


def nb101_unpad(key: Sequence[int]) -> tuple[list[list[int]], list[int]]:
    live = [
        v
        for v in range(7)
        if v in (0, 6) or any(key[v * 7 + w] or key[w * 7 + v] for w in range(7))
    ]
    return [[key[i * 7 + j] for j in live] for i in live], [key[49 + i] for i in live]


def nb101_parse_str_ref(s: str) -> Arch:
    adj, ops = s.split(" ops=")
    rows = adj[len("adj=") :].split("|")
    n = len(rows)
    flat = [0] * 49
    names = ops.split(",")
    labels = [2] * 7
    pos = [*range(n - 1), 6]  # pad before the output, as a 7-vertex spelling
    for i, r in enumerate(rows):
        labels[pos[i]] = _NB101_ID[names[i]]
        for j, c in enumerate(r):
            flat[pos[i] * 7 + pos[j]] = int(c)
    return Arch("nb101", nb101_canonical_ref(flat + labels))  # type: ignore[arg-type]


def nb101_to_str_ref(a: Arch) -> str:
    m, ops = nb101_unpad(a.ops)
    return (
        "adj="
        + "|".join("".join(map(str, r)) for r in m)
        + " ops="
        + ",".join(_NB101_OPS[o] for o in ops)
    )


def nb101_onehot_ref(archs: list[Arch]) -> np.ndarray:
    out = np.zeros((len(archs), 36), dtype=np.float32)
    for r, a in enumerate(archs):
        k = a.ops
        c = 0
        for i in range(7):
            for j in range(i + 1, 7):
                out[r, c] = k[i * 7 + j]
                c += 1
        for v in range(1, 6):
            if any(k[v * 7 + w] for w in range(7)):
                out[r, 21 + 3 * (v - 1) + (k[49 + v] - 2)] = 1.0
    return out


def nb101_path_ref(archs: list[Arch]) -> np.ndarray:
    offsets = [sum(3**i for i in range(length)) for length in range(7)]
    out = np.zeros((len(archs), offsets[-1]), dtype=np.float32)
    for r, a in enumerate(archs):
        m, ops = nb101_unpad(a.ops)
        n = len(ops)
        stack = [(0, 0, 0)]
        while stack:
            v, length, code = stack.pop()
            for w in range(v + 1, n):
                if m[v][w]:
                    if w == n - 1:
                        out[r, offsets[length] + code] = 1.0
                    else:
                        stack.append((w, length + 1, code * 3 + ops[w] - 2))
    return out


_DARTS_OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
              "dil_conv_3x3", "dil_conv_5x5")  # fmt: skip
_DARTS_PAIRS = [list(itertools.combinations(range(k + 2), 2)) for k in range(4)]


def darts_choices_ref(cells: Sequence[Sequence[Sequence[int]]]) -> tuple[int, ...]:
    """Compact form (2 x 8 (input, op) pairs, any order within a node) -> the 22 choices."""
    out: list[int] = []
    for cell in cells:
        for k in range(4):
            a, b = sorted((tuple(cell[2 * k]), tuple(cell[2 * k + 1])))
            if k:
                out.append(_DARTS_PAIRS[k].index((a[0], b[0])))
            out += [a[1], b[1]]
    return tuple(out)


def darts_compact_ref(a: Arch) -> list[list[tuple[int, int]]]:
    cells = []
    for c in range(2):
        r = a.ops[c * 11 : c * 11 + 11]
        cell = [(0, r[0]), (1, r[1])]
        for k in range(1, 4):
            lo, hi = _DARTS_PAIRS[k][r[3 * k - 1]]
            cell += [(lo, r[3 * k]), (hi, r[3 * k + 1])]
        cells.append(cell)
    return cells


_GENO_RE = re.compile(r"\('(\w+)', (\d)\)")


def darts_parse_genotype_ref(s: str) -> Arch:
    pairs = [(int(i), _DARTS_OPS.index(o)) for o, i in _GENO_RE.findall(s)]
    return Arch("darts", darts_choices_ref([pairs[:8], pairs[8:]]))


def darts_onehot_ref(archs: list[Arch]) -> np.ndarray:
    start = (0, 2, 5, 9)
    out = np.zeros((len(archs), 2 * 14 * 7), dtype=np.float32)
    for r, a in enumerate(archs):
        for c, cell in enumerate(darts_compact_ref(a)):
            for e, (i, o) in enumerate(cell):
                out[r, (c * 14 + start[e // 2] + i) * 7 + o] = 1.0
    return out


def darts_path_ref(archs: list[Arch]) -> np.ndarray:
    """Per arch and cell, every path from a cell input through the nodes, walked edge by edge."""
    block = sum(7**j for j in range(1, 5))
    offsets = [sum(7**j for j in range(1, L)) for L in range(1, 6)]
    out = np.zeros((len(archs), 4 * block), dtype=np.float32)
    for r, a in enumerate(archs):
        for c, cell in enumerate(darts_compact_ref(a)):
            reach: list[list[tuple[int, int, int]]] = [[] for _ in range(4)]
            for e, (s, o) in enumerate(cell):
                new = (
                    [(s, 1, o)]
                    if s < 2
                    else [(i, L + 1, code * 7 + o) for i, L, code in reach[s - 2]]
                )
                reach[e // 2] += new
                for i, L, code in new:
                    out[r, (2 * c + i) * block + offsets[L - 1] + code] = 1.0
    return out


def per_choice_onehot_ref(space: Any, archs: list[Arch]) -> np.ndarray:
    sizes = space.choices()
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
    out = np.zeros((len(archs), int(sum(sizes))), dtype=np.float32)
    for r, a in enumerate(archs):
        for p, o in enumerate(a.ops):
            out[r, offsets[p] + o] = 1.0
    return out


def per_arch_encode(space: Any, kind: str) -> Callable[[list[Arch]], np.ndarray]:
    def run(archs: list[Arch]) -> np.ndarray:
        return np.concatenate([space.encode([a], kind) for a in archs], axis=0)

    return run


# --- inputs and cases -------------------------------------------------------------------------------
def nb101_raw_spellings(n: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """Valid random 7-vertex spellings as NAS-Bench-101 samples them (unpruned, not canonical)."""
    iu = np.triu_indices(7, 1)
    out = []
    while len(out) < n:
        m = np.zeros((7, 7), dtype=np.int64)
        m[iu] = rng.integers(0, 2, size=21)
        flat = tuple(m.reshape(-1).tolist()) + (0, *rng.choice((2, 3, 4), 5).tolist(), 1)
        if nb101_canonical_ref(flat) is not None:
            out.append(flat)
    return out


def cases(
    name: str, n: int, rng: np.random.Generator
) -> list[tuple[str, Callable, Callable | None, Any]]:
    """(operation, naslab fn, reference fn or None, input) for one space."""
    sp = spaces.get(name)
    archs = sp.sample(rng, n)
    strs = [sp.to_str(a) for a in archs]
    out: list[tuple[str, Callable, Callable | None, Any]] = []
    parse = sp.parse
    if name == "nb101":
        raw = nb101_raw_spellings(n, rng)
        out += [
            ("parse (string)", lambda xs: [parse(x) for x in xs], lambda xs: [nb101_parse_str_ref(x) for x in xs], strs),
            ("parse+canonical (raw tuple)", lambda xs: [parse(x) for x in xs],
             lambda xs: [Arch("nb101", nb101_canonical_ref(x)) for x in xs], raw),
            ("to_str", lambda xs: [sp.to_str(a) for a in xs], lambda xs: [nb101_to_str_ref(a) for a in xs], archs),
        ]  # fmt: skip
        refs = {"onehot": nb101_onehot_ref, "path": nb101_path_ref}
    elif name == "darts":
        geno = [sp.to_genotype(a) for a in archs]
        compact = [sp.to_compact(a) for a in archs]
        swapped = []
        for cells in compact:
            new = []
            for cell in cells:
                c = list(cell)
                for k in range(4):
                    if rng.random() < 0.5:
                        c[2 * k], c[2 * k + 1] = c[2 * k + 1], c[2 * k]
                new.append([list(p) for p in c])
            swapped.append(new)
        out += [
            ("parse (string)", lambda xs: [parse(x) for x in xs],
             lambda xs: [Arch("darts", darts_choices_ref(ast.literal_eval(x))) for x in xs], strs),
            ("parse (Genotype string)", lambda xs: [parse(x) for x in xs],
             lambda xs: [darts_parse_genotype_ref(x) for x in xs], geno),
            ("parse+canonical (raw compact)", lambda xs: [parse(x) for x in xs],
             lambda xs: [Arch("darts", darts_choices_ref(x)) for x in xs], swapped),
            ("to_str", lambda xs: [sp.to_str(a) for a in xs],
             lambda xs: [str([list(map(tuple, c)) for c in darts_compact_ref(a)]) for a in xs], archs),
        ]  # fmt: skip
        refs = {"onehot": darts_onehot_ref, "path": darts_path_ref}
    else:
        tuples = [tuple(a.ops) for a in archs]
        sizes = sp.choices()

        def tuple_ref(xs: list[tuple[int, ...]]) -> list[Arch]:
            res = []
            for t in xs:
                if len(t) != len(sizes) or not all(
                    0 <= o < c for o, c in zip(t, sizes, strict=True)
                ):
                    raise ValueError(t)
                res.append(Arch(name, t))
            return res

        out.append(("parse (string)", lambda xs: [parse(x) for x in xs], None, strs))
        if name in ("nb201", "tnb101-micro", "tnb101-macro"):  # their op tuple is the normal form
            out.append(("parse (tuple)", lambda xs: [parse(x) for x in xs], tuple_ref, tuples))
        out.append(("canonical", lambda xs: [sp.canonical(a) for a in xs], None, archs))
        out.append(("to_str", lambda xs: [sp.to_str(a) for a in xs], None, archs))
        refs = {}
        if name != "nbgraph":
            refs["onehot"] = lambda xs: per_choice_onehot_ref(sp, xs)
        out[0] = (*out[0][:2], STR_REFS.get(name), out[0][3])
        out[-1] = (*out[-1][:2], TO_STR_REFS.get(name), out[-1][3])
    for kind in ("onehot", "adjacency", "path"):
        try:
            sp.encode(archs[:2], kind)
        except Exception:  # noqa: BLE001 - a space may lack an encoding
            continue
        ref = refs.get(kind) or per_arch_encode(sp, kind)
        out.append((f"encode {kind} (batch)", lambda xs, k=kind: sp.encode(xs, k), ref, archs))
    return out


_NB201_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
_NB201_ID = {o: i for i, o in enumerate(_NB201_OPS)}
_TNB_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")


def nb201_parse_ref(s: str) -> Arch:
    names = [p.split("~")[0] for p in s.replace("+", "").strip("|").split("|") if p]
    by_slot = [_NB201_ID[x] for x in names]  # string order: e01 | e02 e12 | e03 e13 e23
    return Arch("nb201", (by_slot[0], by_slot[1], by_slot[3], by_slot[2], by_slot[4], by_slot[5]))


def nb201_to_str_ref(a: Arch) -> str:
    o = [_NB201_OPS[i] for i in a.ops]
    return f"|{o[0]}~0|+|{o[1]}~0|{o[3]}~1|+|{o[2]}~0|{o[4]}~1|{o[5]}~2|"


def tnb_micro_parse_ref(s: str) -> Arch:
    cell = s.rsplit("-", 1)[1].replace("_", "")
    return Arch("tnb101-micro", tuple(int(c) for c in cell))


def tnb_micro_to_str_ref(a: Arch) -> str:
    x = a.ops
    return f"64-41414-{x[0]}_{x[1]}{x[2]}_{x[3]}{x[4]}{x[5]}"


def tnb_macro_parse_ref(s: str) -> Arch:
    codes = tuple(int(c) for c in s.split("-")[1])
    return Arch("tnb101-macro", codes + (0,) * (6 - len(codes)))


def tnb_macro_to_str_ref(a: Arch) -> str:
    return "64-" + "".join(str(c) for c in a.ops if c) + "-basic"


STR_REFS: dict[str, Callable] = {
    "nb201": lambda xs: [nb201_parse_ref(x) for x in xs],
    "tnb101-micro": lambda xs: [tnb_micro_parse_ref(x) for x in xs],
    "tnb101-macro": lambda xs: [tnb_macro_parse_ref(x) for x in xs],
}
TO_STR_REFS: dict[str, Callable] = {
    "nb201": lambda xs: [nb201_to_str_ref(a) for a in xs],
    "tnb101-micro": lambda xs: [tnb_micro_to_str_ref(a) for a in xs],
    "tnb101-macro": lambda xs: [tnb_macro_to_str_ref(a) for a in xs],
}


# --- timing -----------------------------------------------------------------------------------------
def clear_caches(keys: bool) -> None:
    from nas_core.spaces import nb101

    if keys:
        nb101._KEYS.clear()
        spaces.get("nb201")._str_cache.clear()  # nb201 caches parsed strings
    nb101._paths.cache_clear()


def best_time(fn: Callable, xs: Any, repeats: int, cold: bool) -> tuple[float, Any]:
    fn(xs[:20])  # warm up: lazily built tables and imports are not what is measured
    best, result = float("inf"), None
    for _ in range(repeats):
        clear_caches(cold)
        t = time.perf_counter()
        result = fn(xs)
        best = min(best, time.perf_counter() - t)
    return best, result


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return list(a) == list(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--spaces", default=",".join(SPACES))
    args = ap.parse_args()
    print(
        f"{args.n:,} random architectures per space; per-arch microseconds, best of {args.repeats}"
    )
    print(
        f"{'space':<13} {'operation':<30} {'naslab us':>10} {'reference us':>13} {'ref/naslab':>10}"
    )
    for name in args.spaces.split(","):
        sp = spaces.get(name)
        rng = np.random.default_rng(0)
        for op, fn, ref, xs in cases(name, args.n, rng):
            cold = op.startswith("parse") or op == "canonical"
            if not cold and name == "nb101":  # the space's own Archs, as in use
                [sp.parse(a) for a in xs]
            t, got = best_time(fn, xs, args.repeats, cold)
            line = f"{name:<13} {op:<30} {t / len(xs) * 1e6:>10.2f}"
            if ref is None:
                print(f"{line} {'-':>13} {'-':>10}")
                continue
            tr, want = best_time(ref, xs, args.repeats, cold)
            if not same(got, want):
                raise SystemExit(f"{name} {op}: naslab and the reference disagree")
            print(f"{line} {tr / len(xs) * 1e6:>13.2f} {tr / t:>10.1f}")


if __name__ == "__main__":
    main()
