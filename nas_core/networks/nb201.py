"""The NAS-Bench-201 network (Dong & Yang, ICLR 2020) as a torch module, plus exact counts.

Macro skeleton (as in the benchmark's own `TinyNetwork`/`InferCell`): a 3x3 conv stem with C
channels + BN; three stages of N cells with C, 2C, 4C channels; between stages a ResNet basic
block with stride 2 (ReLU-Conv3x3(s2)-BN, ReLU-Conv3x3-BN, shortcut AvgPool2x2 + Conv1x1); then
BN, ReLU, global average pooling and a linear classifier. Cell ops: `nor_conv_kxk` is
ReLU->Conv->BN (affine BN, no conv bias), `avg_pool_3x3` is stride 1, padding 1, without padded
zeros in the average, `skip_connect` is identity, `none` is zero. Node j sums its incoming edges.

`count_params` and `count_flops` are closed-form (no torch, no forward pass) and exact for any
arch and input size:

- params: every learnable parameter, BN affine weights included (what `sum(p.numel())` gives).
- flops: one multiply-accumulate counts as one FLOP (so these are MACs). Three conventions:
  `"nb201"` (default) is NAS-Bench-201's own counter (xautodl `get_model_infos`, the `flops` of
  the benchmark's files): convolutions and the linear layer (with its bias) only; no pooling, BN,
  ReLU or element-wise sums. `"with-pooling"` adds the average pools (kernel area per output
  element: the cell's 3x3 pools and the 2x2 pool of each reduction block's shortcut).
  `"suite-zero"` is `"with-pooling"` plus BN as 2 and ReLU as 1 per element and the global
  average pool as 1 per input element: what NAS-Bench-Suite-Zero's stored `flops` hold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, UnknownNameError
from nas_core.networks.registry import register_network

# NASLib op ids (nas_core.spaces.nb201): 0 skip, 1 none, 2 conv3x3, 3 conv1x1, 4 avg_pool3x3.
SKIP, NONE, CONV3, CONV1, POOL = range(5)
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
FLOP_CONVENTIONS = ("nb201", "with-pooling", "suite-zero")


def _check_arch(arch: Arch | Sequence[int]) -> tuple[int, ...]:
    if isinstance(arch, Arch):
        if arch.space != "nb201":
            raise InvalidArchError(
                f"the NAS-Bench-201 network builder takes nb201 architectures, got one of space "
                f"{arch.space!r}; valid: 'nb201'"
            )
        ops = arch.ops
    else:
        ops = tuple(int(o) for o in arch)
    if len(ops) != 6 or any(o < 0 or o > 4 for o in ops):
        raise InvalidArchError(f"nb201 cell needs 6 op ids in 0..4, got {ops}")
    return ops


def check_input_size(height: int, width: int) -> None:
    """The two stride-2 reductions (3x3 conv with padding 1 beside a 2x2 average pool) only line up
    when each side is a positive multiple of 4 (32 for CIFAR, 16 for ImageNet16)."""
    for name, v in (("height", height), ("width", width)):
        if v < 4 or v % 4:
            raise InvalidInputError(
                f"image {name} {v} cannot go through the NAS-Bench-201 network: it needs a "
                f"positive multiple of 4 (e.g. 32 for CIFAR, 16 for ImageNet16)"
            )


def live_edges(ops: Sequence[int]) -> list[bool]:
    """Edges on some input->output path through non-`none` edges (others cannot affect output)."""
    ops = tuple(ops)
    reach_in = [True, False, False, False]
    for j in range(1, 4):
        reach_in[j] = any(
            reach_in[i] and ops[e] != NONE for e, (i, t) in enumerate(EDGES) if t == j
        )
    reach_out = [False, False, False, True]
    for i in range(2, -1, -1):
        reach_out[i] = any(
            reach_out[t] and ops[e] != NONE for e, (s, t) in enumerate(EDGES) if s == i
        )
    return [ops[e] != NONE and reach_in[s] and reach_out[t] for e, (s, t) in enumerate(EDGES)]


def is_disconnected(arch: Arch | Sequence[int]) -> bool:
    """True when no path of non-`none` edges links cell input to output (the network's output is
    then constant; NAS-Bench-201 reports 10% for these cells)."""
    return not any(live_edges(_check_arch(arch)))


def _stage_channels(C: int) -> tuple[int, int, int]:
    return C, 2 * C, 4 * C


def count_params(arch: Arch | Sequence[int], num_classes: int = 10, C: int = 16, N: int = 5) -> int:
    """Exact number of learnable parameters of `build(arch, num_classes, C, N)`."""
    ops = _check_arch(arch)
    n3, n1 = ops.count(CONV3), ops.count(CONV1)
    total = 3 * 9 * C + 2 * C  # stem conv + BN
    chans = _stage_channels(C)
    for s, c in enumerate(chans):
        total += N * (n3 * (9 * c * c + 2 * c) + n1 * (c * c + 2 * c))
        if s < 2:  # reduction block c -> 2c
            o = chans[s + 1]
            total += 9 * c * o + 2 * o + 9 * o * o + 2 * o + c * o
    total += 2 * chans[2] + chans[2] * num_classes + num_classes  # last BN + classifier
    return total


def count_flops(
    arch: Arch | Sequence[int],
    num_classes: int = 10,
    input_size: tuple[int, int] = (32, 32),
    C: int = 16,
    N: int = 5,
    convention: str = "nb201",
) -> int:
    """Exact FLOPs for one image (see module docstring). `convention="nb201"` counts MACs of
    convolutions and the linear layer, as NAS-Bench-201's counter (cell (4,3,3,0,0,0) on
    CIFAR-10: 15.64737 MFLOPs, the benchmark's value); `"with-pooling"` also counts the average
    pools; `"suite-zero"` additionally counts BN as 2 and ReLU as 1 per element and the global
    pool as 1 per input element, which is what NAS-Bench-Suite-Zero's stored `flops` hold (to
    0.023%)."""
    ops = _check_arch(arch)
    if convention not in FLOP_CONVENTIONS:
        raise UnknownNameError("FLOP convention", convention, FLOP_CONVENTIONS)
    pools = convention != "nb201"
    extra = convention == "suite-zero"
    h, w = input_size
    check_input_size(h, w)
    n3, n1, npool = ops.count(CONV3), ops.count(CONV1), ops.count(POOL)
    chans = _stage_channels(C)
    total = 3 * 9 * C * h * w + extra * 2 * C * h * w  # stem conv (+ BN)
    for s, c in enumerate(chans):
        hw = h * w
        total += N * hw * (n3 * 9 * c * c + n1 * c * c + pools * npool * 9 * c)
        total += extra * N * hw * 3 * c * (n3 + n1)  # ReLU in + BN out of each ReLU-Conv-BN
        if s < 2:
            o = chans[s + 1]
            total += extra * c * hw  # ReLU before conv_a
            h, w = h // 2, w // 2
            hw = h * w
            total += hw * (9 * c * o + 9 * o * o + c * o + pools * 4 * c)  # (+ 2x2 shortcut pool)
            total += extra * hw * (2 * o + o + 2 * o)  # BN after conv_a, ReLU + BN around conv_b
    c = chans[2]
    total += extra * (3 * c * h * w + c * h * w)  # last BN + ReLU, global average pool
    total += c * num_classes + num_classes
    return total


def counts_table(
    op_array: np.ndarray,
    num_classes: int = 10,
    input_size: tuple[int, int] = (32, 32),
    convention: str = "nb201",
) -> tuple[np.ndarray, np.ndarray]:
    """(params, flops) as int64 arrays for an (n, 6) array of op ids: vectorised, no loop over
    archs; equal to `count_params`/`count_flops` row by row (C=16, N=5)."""
    ops = np.asarray(op_array)
    n3 = (ops == CONV3).sum(1)
    n1 = (ops == CONV1).sum(1)
    npool = (ops == POOL).sum(1)

    def f(a: tuple[int, ...]) -> int:
        return count_flops(a, num_classes, input_size, convention=convention)

    base_p = count_params((1,) * 6, num_classes)
    base_f = f((1,) * 6)
    c3p = count_params((CONV3,) + (1,) * 5, num_classes) - base_p
    c1p = count_params((CONV1,) + (1,) * 5, num_classes) - base_p
    c3f = f((CONV3,) + (1,) * 5) - base_f
    c1f = f((CONV1,) + (1,) * 5) - base_f
    pf = f((POOL,) + (1,) * 5) - base_f
    params = base_p + n3 * c3p + n1 * c1p
    flops = base_f + n3 * c3f + n1 * c1f + npool * pf
    return params.astype(np.int64), flops.astype(np.int64)


# --- torch modules (torch imported lazily so the formulas stay torch-free) --------------------


@register_network("nb201")
def build(arch: Arch | Sequence[int], num_classes: int = 10, C: int = 16, N: int = 5):
    """The NAS-Bench-201 network for `arch` as a `torch.nn.Module` (parameters in float32,
    initialised by torch's defaults from the *current* torch RNG; seed it with
    `torch.random.fork_rng` + `torch.manual_seed` around the call for reproducible weights)."""
    ops = _check_arch(arch)
    if num_classes < 1 or C < 1 or N < 1:
        raise InvalidInputError(
            f"num_classes, C and N must be >= 1, got {num_classes=}, {C=}, {N=}"
        )
    from nas_core.networks._modules import NB201Network

    return NB201Network(ops, num_classes, C, N)
