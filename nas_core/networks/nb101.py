"""The NAS-Bench-101 network (Ying et al., ICML 2019) as a torch module, plus exact counts.

Layout, as the benchmark's `model_builder` and the PyTorch port NASLib builds for it
(`nasbench_pytorch.model.Network`, which NAS-Bench-Suite-Zero scored): a stem conv3x3 with
`stem_channels` (128) + BN + ReLU; `num_stacks` (3) stacks of `cells_per_stack` (3) cells; before
every stack but the first a 2x2 max pool with stride 2 and the channels doubled (128, 256, 512);
then global average pooling and a dense layer. Convolutions have no bias; BN is affine.

A cell is the pruned DAG. Vertex channels follow the paper's splitting rule
(`vertex_channels`, the benchmark's `compute_vertex_channels`): the cell's output channels are
split evenly among the vertices that feed the output (the remainder, one channel each, goes to
the earliest of them), and every other interior vertex takes the most channels of the vertices it
feeds. Each edge from the cell input to a vertex is a 1x1 conv-BN-ReLU projection to that
vertex's channels; other inputs of a vertex are summed after truncating them to its channels; a
vertex applies its op (conv3x3-BN-ReLU, conv1x1-BN-ReLU, or a 3x3 max pool with stride 1); the
output concatenates the vertices that feed it and adds the projected input when the input feeds
the output. Weights are initialised as `nasbench_pytorch` does (convs normal with std
sqrt(2 / (k*k*out_channels)), BN weight 1 and bias 0, dense normal with std 0.01 and bias 0),
drawn from the current torch RNG.

Which spelling is built. The splitting rule depends on the vertex order: where the output's
channels do not split evenly, the earliest vertices feeding it get the extra channel, so two
spellings of one cell can differ by up to ~1% in parameters and ~1.6% in FLOPs. For an `Arch`
(what `nas_core.networks.build` passes) the cell is laid out as NAS-Bench-101 itself stored and
trained it (`nb101_spelling`): its `generate_graphs.py` enumerated adjacency bit strings in
increasing order, then op labelings, and kept the first spelling of each cell; so the network of an
`Arch` is the one behind the benchmark's numbers (for the README's Inception-like cell this gives
the notebook's `module_adjacency` and its `trainable_parameters`, 2,694,282). Any other spelling
(a Suite-Zero key, a (matrix, ops) pair, a spec dict) given to this module's functions is built as
spelled, pruned in place, as NAS-Bench-101's `ModelSpec` and NASLib do: that is how
NAS-Bench-Suite-Zero's stored `params`/`flops` were counted (its keys are NASLib's random
spellings, and 3 of its 292 cells appear with different stored `params` under two spellings).

`count_params` and `count_flops` are closed-form (no torch, no forward pass) and exact:

- params: every learnable parameter, BN affine weights included (what `sum(p.numel())` gives).
- flops, for one image. `"suite-zero"` (default) is what NAS-Bench-Suite-Zero stores: NASLib
  counts with tensorwatch's `ModelStats.Flops` (torchstat), i.e. one multiply-accumulate of a
  convolution or of the dense layer is one FLOP (no bias adds), BN counts 2 and ReLU 1 per
  element, a max pool its kernel area per output element, and the global average pool (a
  `torch.mean`, not a module) nothing. `"macs"` counts the multiply-accumulates of the
  convolutions and the dense layer only. NAS-Bench-101 itself publishes no FLOPs, so the default
  is the only published convention for this network.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, UnknownNameError
from nas_core.networks.registry import register_network

#: The paper's sizes: stem channels, stacks, cells per stack.
STEM_CHANNELS, NUM_STACKS, CELLS_PER_STACK = 128, 3, 3
FLOP_CONVENTIONS = ("suite-zero", "macs")
# NASLib's op ids (nas_core.spaces.nb101.OPS): 0 input, 1 output, 2 maxpool3x3, 3 conv1x1, 4 conv3x3
MAXPOOL, CONV1, CONV3 = 2, 3, 4
_KERNEL = {CONV1: 1, CONV3: 3}
#: NAS-Bench-101's label of each op in its enumeration (its config's `available_ops` order)
_NB101_LABEL = {CONV3: 0, CONV1: 1, MAXPOOL: 2}
_OP_NAMES = {
    "input": 0,
    "output": 1,
    "maxpool3x3": MAXPOOL,
    "maxpool": MAXPOOL,
    "max_pool_3x3": MAXPOOL,
    "conv1x1": CONV1,
    "conv3x3": CONV3,
}

Cell = tuple[np.ndarray, tuple[int, ...]]


def _space():
    from nas_core import spaces

    return spaces.get("nb101")


def _raw_spelling(obj: Any) -> tuple[Any, Any] | None:
    """(matrix, ops) as spelled in `obj`, or None for a form without a vertex order of its own."""
    if isinstance(obj, str):
        s = obj.strip()
        if s[:1] not in "([{":
            return None
        try:
            obj = ast.literal_eval(s)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    if isinstance(obj, Mapping):
        for mk, ok in (("matrix", "ops"), ("module_adjacency", "module_operations")):
            if mk in obj and ok in obj:
                return obj[mk], obj[ok]
        return None
    for mk, ok in (("original_matrix", "original_ops"), ("matrix", "ops")):
        if hasattr(obj, mk) and hasattr(obj, ok):
            return getattr(obj, mk), getattr(obj, ok)
    if isinstance(obj, (tuple, list)):
        if len(obj) == 2:
            return obj[0], obj[1]
        flat = np.asarray(obj).reshape(-1)
        sizes = {n * n + n: n for n in range(2, 8)}
        if flat.dtype.kind in "iu" and len(flat) in sizes:
            n = sizes[len(flat)]
            return flat[: n * n].reshape(n, n), flat[n * n :].tolist()
    return None


def cell(arch: Any) -> Cell:
    """The pruned cell that is built: (matrix, op ids in `nas_core.spaces.nb101.OPS`).

    An `Arch` gives NAS-Bench-101's own spelling of the cell (`nb101_spelling`); another spelling
    is validated as an nb101 cell and kept in its own vertex order, pruned in place (as
    NAS-Bench-101's `ModelSpec` prunes)."""
    sp = _space()
    if isinstance(arch, Arch):
        if arch.space != "nb101":
            raise InvalidArchError(
                f"the NAS-Bench-101 network builder takes nb101 architectures, got one of space "
                f"{arch.space!r}; valid: 'nb101'"
            )
        m, ops = _nb101_spelling(sp.parse(arch))
        return np.array(m, dtype=np.int64), ops
    sp.parse(arch)  # one clear InvalidArchError for anything that is not a cell
    raw = _raw_spelling(arch)
    if raw is None:  # a form without its own vertex order (e.g. the 'adj=... ops=...' string)
        return cell(sp.parse(arch))
    m = np.asarray(raw[0], dtype=np.int64)
    return _prune(m, tuple(_op_id(o) for o in raw[1]))


def _op_id(op: Any) -> int:
    """Op id of an op the space has already accepted (an id or a name, short names included)."""
    if isinstance(op, (int, np.integer)):
        return int(op)
    name = str(op).strip().strip("'\"").lower()
    return _OP_NAMES.get(name, _OP_NAMES.get(name.split("-")[0], -1))


def _prune(m: np.ndarray, ops: tuple[int, ...]) -> Cell:
    """NAS-Bench-101's `ModelSpec` pruning, in place: drop the vertices not on an input->output
    path, keeping the others' order."""
    n = len(ops)
    fwd, bwd = {0}, {n - 1}
    for v in range(1, n):
        if any(m[u, v] for u in fwd):
            fwd.add(v)
    for v in range(n - 2, -1, -1):
        if any(m[v, w] for w in bwd):
            bwd.add(v)
    keep = sorted(fwd & bwd)
    return m[np.ix_(keep, keep)], tuple(ops[i] for i in keep)


@lru_cache(maxsize=1 << 14)
def _nb101_spelling(arch: Arch) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    m, names = _space().spec(arch)
    m = np.asarray(m, dtype=np.int64)
    ops = tuple(_op_id(o) for o in names)
    k = len(ops)
    inner = [(0, *p, k - 1) for p in itertools.permutations(range(1, k - 1))]
    p = np.array(inner, dtype=np.int64).reshape(len(inner), k)
    a = m[p[:, :, None], p[:, None, :]]
    ok = ~np.tril(a).any(axis=(1, 2))  # relabellings that keep edges going forward
    iu = np.triu_indices(k, 1)
    weight = 2 ** (iu[1] * (iu[1] - 1) // 2 + iu[0])  # bit of edge (x, y): y(y-1)/2 + x
    best = min(
        (int(mat[iu] @ weight), tuple(_NB101_LABEL[ops[i]] for i in perm[1:-1]), n)
        for n, (perm, mat) in enumerate(zip(p[ok], a[ok], strict=True))
    )
    perm, mat = p[ok][best[2]], a[ok][best[2]]
    return tuple(map(tuple, mat.tolist())), tuple(ops[i] for i in perm.tolist())


def nb101_spelling(arch: Any) -> tuple[np.ndarray, list[str]]:
    """(matrix, op names) of the cell as NAS-Bench-101 stored and trained it: of the cell's
    spellings (relabellings of its pruned graph), the first that the benchmark's
    `generate_graphs.py` enumerates (smallest adjacency bit string, edge (x, y) being bit
    y(y-1)/2 + x, then smallest op labeling with conv3x3 < conv1x1 < maxpool3x3)."""
    sp = _space()
    m, ops = _nb101_spelling(sp.parse(arch))
    return np.array(m, dtype=np.int64), [sp.ops[o] for o in ops]


def vertex_channels(in_channels: int, out_channels: int, matrix: np.ndarray) -> list[int]:
    """Channels of every vertex of a pruned cell: NAS-Bench-101's `compute_vertex_channels`.

    The output's channels are split among the interior vertices feeding it, the remainder one
    each to the earliest; other interior vertices take the largest of their successors'."""
    m = np.asarray(matrix)
    n = m.shape[0]
    ch = [0] * n
    ch[0], ch[n - 1] = in_channels, out_channels
    if n == 2:
        return ch
    fan_in = int(m[1:, n - 1].sum())
    base, extra = divmod(out_channels, fan_in)
    for v in range(1, n - 1):
        if m[v, n - 1]:
            ch[v] = base + (1 if extra else 0)
            extra -= 1 if extra else 0
    for v in range(n - 3, 0, -1):
        if not m[v, n - 1]:
            ch[v] = max([ch[v]] + [ch[d] for d in range(v + 1, n - 1) if m[v, d]])
    if min(ch[1 : n - 1]) < 1:
        raise InvalidInputError(
            f"a cell with {out_channels} output channels cannot feed {fan_in} vertices into its "
            f"output: each needs at least one channel (use more stem channels)"
        )
    return ch


def output_fan_in(c: Cell) -> int:
    """Interior vertices feeding the output: the fewest output channels a cell can have."""
    m = c[0]
    return max(1, int(m[1:-1, -1].sum()))


def _check_sizes(num_classes: int, stem_channels: int, num_stacks: int, cells_per_stack: int):
    if min(num_classes, stem_channels, num_stacks, cells_per_stack) < 1:
        raise InvalidInputError(
            "num_classes, stem_channels, num_stacks and cells_per_stack must be >= 1, got "
            f"{num_classes=}, {stem_channels=}, {num_stacks=}, {cells_per_stack=}"
        )


def check_input_size(height: int, width: int, num_stacks: int = NUM_STACKS) -> None:
    """Each of the num_stacks - 1 max pools halves a side (rounding down): it must stay >= 1."""
    need = 2 ** (num_stacks - 1)
    for name, v in (("height", height), ("width", width)):
        if v < need:
            raise InvalidInputError(
                f"image {name} {v} cannot go through the NAS-Bench-101 network with {num_stacks} "
                f"stacks: it needs at least {need} (32 for CIFAR)"
            )


def _cell_counts(c: Cell, c_in: int, c_out: int, hw: int) -> tuple[int, int, int]:
    """(params, conv MACs, BN/ReLU/pool FLOPs) of one cell on an hw-pixel map."""
    m, ops = c
    n = len(ops)
    ch = vertex_channels(c_in, c_out, m)
    params = macs = other = 0

    def conv_bn_relu(k: int, a: int, b: int) -> None:
        nonlocal params, macs, other
        params += k * k * a * b + 2 * b
        macs += hw * k * k * a * b
        other += hw * 3 * b  # BN 2 + ReLU 1 per element

    for t in range(1, n - 1):
        if m[0, t]:
            conv_bn_relu(1, c_in, ch[t])
        if ops[t] == MAXPOOL:
            other += hw * 9 * ch[t]
        else:
            conv_bn_relu(_KERNEL[ops[t]], ch[t], ch[t])
    if m[0, n - 1]:
        conv_bn_relu(1, c_in, c_out)
    return params, macs, other


def _counts(
    c: Cell,
    num_classes: int,
    input_size: tuple[int, int],
    stem_channels: int,
    num_stacks: int,
    cells_per_stack: int,
) -> tuple[int, int, int]:
    """(params, MACs, other FLOPs) of the whole network for one image."""
    _check_sizes(num_classes, stem_channels, num_stacks, cells_per_stack)
    h, w = (int(v) for v in input_size)
    check_input_size(h, w, num_stacks)
    C = stem_channels
    params = 27 * C + 2 * C
    macs = h * w * 27 * C
    other = h * w * 3 * C
    c_in = C
    for s in range(num_stacks):
        if s:
            h, w = h // 2, w // 2
            other += h * w * 4 * c_in  # 2x2 max pool: kernel area per output element
            C *= 2
        for _ in range(cells_per_stack):
            p, a, o = _cell_counts(c, c_in, C, h * w)
            params, macs, other = params + p, macs + a, other + o
            c_in = C
    params += C * num_classes + num_classes
    macs += C * num_classes
    return params, macs, other


def count_params(
    arch: Any,
    num_classes: int = 10,
    stem_channels: int = STEM_CHANNELS,
    num_stacks: int = NUM_STACKS,
    cells_per_stack: int = CELLS_PER_STACK,
) -> int:
    """Exact number of learnable parameters of the network of `arch` (see `cell` for which
    spelling is built)."""
    return _counts(cell(arch), num_classes, (32, 32), stem_channels, num_stacks, cells_per_stack)[0]


def count_flops(
    arch: Any,
    num_classes: int = 10,
    input_size: tuple[int, int] = (32, 32),
    stem_channels: int = STEM_CHANNELS,
    num_stacks: int = NUM_STACKS,
    cells_per_stack: int = CELLS_PER_STACK,
    convention: str = "suite-zero",
) -> int:
    """Exact FLOPs for one image (module docstring): `"suite-zero"` as NAS-Bench-Suite-Zero's
    stored `flops` (tensorwatch: MACs + BN 2 and ReLU 1 per element + max pools), `"macs"` the
    convolutions' and dense layer's multiply-accumulates only."""
    if convention not in FLOP_CONVENTIONS:
        raise UnknownNameError("FLOP convention", convention, FLOP_CONVENTIONS)
    _, macs, other = _counts(
        cell(arch), num_classes, input_size, stem_channels, num_stacks, cells_per_stack
    )
    return macs + (other if convention == "suite-zero" else 0)


# --- torch modules (torch imported lazily so the formulas stay torch-free) --------------------


@register_network("nb101")
def build(
    arch: Any,
    num_classes: int = 10,
    stem_channels: int = STEM_CHANNELS,
    num_stacks: int = NUM_STACKS,
    cells_per_stack: int = CELLS_PER_STACK,
):
    """The NAS-Bench-101 network of `arch` as a `torch.nn.Module` (float32, weights drawn from the
    *current* torch RNG with nasbench_pytorch's initialisation; seed it with
    `torch.random.fork_rng` + `torch.manual_seed` around the call for reproducible weights).
    Small sizes (e.g. `stem_channels=8, cells_per_stack=1`) build the same cell cheaply."""
    c = cell(arch)
    _check_sizes(num_classes, stem_channels, num_stacks, cells_per_stack)
    vertex_channels(stem_channels, stem_channels, c[0])  # refuse a stem too thin for the cell
    from nas_core.networks._nb101_modules import NB101Network

    a = arch if isinstance(arch, Arch) else _space().parse(arch)
    return NB101Network(a, c, num_classes, stem_channels, num_stacks, cells_per_stack)
