"""The DARTS evaluation network for CIFAR (Liu et al., ICLR 2019), as NAS-Bench-301 sized it.

Macro skeleton (DARTS `NetworkCIFAR`): a 3x3 conv stem with 3C channels + BN; `layers` cells,
the ones at `layers // 3` and `2 * layers // 3` reduction cells (stride 2, channels doubled);
each cell preprocesses its two inputs (the two previous cells' outputs) with ReLU-Conv1x1-BN,
or with FactorizedReduce when the cell before was a reduction cell (its other input is then at
twice the resolution); 4 intermediate nodes each sum two ops; the cell output concatenates the
4 nodes (4C channels); then global average pooling and a linear classifier. In a reduction cell
the ops reading a cell input have stride 2. Ops: `sep_conv_kxk` is (ReLU, depthwise kxk,
pointwise, BN) twice; `dil_conv_kxk` is ReLU, depthwise kxk dilation 2, pointwise, BN;
`max/avg_pool_3x3` pad 1 (the average without padded cells); `skip_connect` is identity, or
FactorizedReduce (ReLU, two stride-2 1x1 convs to C/2 each, one offset by a pixel, concat, BN)
at stride 2. Drop path and the auxiliary head are off (they do not exist at initialisation for
scoring, and NAS-Bench-Suite-Zero did not count the head).

Defaults `C=32, layers=8`: what NAS-Bench-301 trained (its data-generation configs:
`init_channels` 32, `layers` 8, auxiliary head on, drop path 0.2, 100 epochs) and what
NAS-Bench-Suite-Zero scored (NASLib's `NasBench301SearchSpace`, channels 32/64/128, 8 cells).

`style` (default `"naslib"`) picks the cell ops' normalisation. `"naslib"` is NASLib's DARTS
graph, on which NAS-Bench-Suite-Zero computed its `zc_nasbench301.json` scores: BN inside cell
ops without affine weights, every pool followed by such a BN, FactorizedReduce of a stride-2
skip without affine weights (stem, preprocessing and the classifier as DARTS). `"darts"` is
DARTS's own `operations.py` for the evaluation network: affine BN in every op, pools without BN.

`count_params` and `count_flops` are closed-form (no torch) and exact for any arch and size:

- params: every learnable parameter (`sum(p.numel())`). With the defaults, `style="naslib"` and
  10 classes this equals the stored `params` of all 725 archs of `zc_nasbench301.json` exactly.
- flops, for one image: `"suite-zero"` (default) is the counter NAS-Bench-Suite-Zero used
  (tensorwatch's `ModelStats`, torchstat rules): a multiply-accumulate of a convolution or the
  linear layer counts 1 (no bias in the linear count), BN 1 per element (2 with affine
  weights), ReLU 1 per input element, a 3x3 pool 9 per output element, and the global average
  pool (h+1)(w+1) per channel (torchstat's adaptive-pool formula adds 1 to each side). This
  equals the stored `flops` of all 725 archs exactly. `"macs"` counts only the
  multiply-accumulates of convolutions and the linear layer (what papers usually call FLOPs
  or mult-adds for DARTS networks).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, UnknownNameError
from nas_core.networks.registry import register_network

# Op ids of nas_core.spaces.darts (NASLib's order).
MAX_POOL, AVG_POOL, SKIP, SEP3, SEP5, DIL3, DIL5 = range(7)
KERNEL = {SEP3: 3, SEP5: 5, DIL3: 3, DIL5: 5}
STEM_MULTIPLIER = 3
DEFAULT_C = 32
DEFAULT_LAYERS = 8
STYLES = ("naslib", "darts")
FLOP_CONVENTIONS = ("suite-zero", "macs")

Cell = tuple[tuple[int, int], ...]


def cells_of(arch: Any) -> tuple[Cell, Cell]:
    """(normal, reduce) cells as 8 (input, op) pairs each, from a darts Arch or any spelling the
    darts space parses; an Arch of another space is refused."""
    from nas_core.spaces.darts import DartsSpace

    if isinstance(arch, Arch) and arch.space != "darts":
        raise InvalidArchError(
            f"the DARTS network builder takes darts architectures, got one of space "
            f"{arch.space!r}; valid: 'darts'"
        )
    normal, reduce = DartsSpace().to_compact(arch)
    return tuple(normal), tuple(reduce)


def _check_size(num_classes: int, C: int, layers: int, style: str) -> None:
    if num_classes < 1 or C < 1 or layers < 1:
        raise InvalidInputError(
            f"num_classes, C and layers must be >= 1, got {num_classes=}, {C=}, {layers=}"
        )
    if style not in STYLES:
        raise UnknownNameError("DARTS network style", style, STYLES)


def reduction_layers(layers: int) -> tuple[int, ...]:
    """Indices of the reduction cells (DARTS: `layers // 3` and `2 * layers // 3`)."""
    return tuple(sorted({layers // 3, 2 * layers // 3}))


def check_input_size(height: int, width: int, layers: int = DEFAULT_LAYERS) -> None:
    """Each reduction halves the map with a stride-2 op beside FactorizedReduce, which only line
    up on even sides: each side must be a positive multiple of 2 ** (number of reductions)."""
    m = 2 ** len(reduction_layers(layers))
    for name, v in (("height", height), ("width", width)):
        if v < m or v % m:
            raise InvalidInputError(
                f"image {name} {v} cannot go through the DARTS network with {layers} cells: it "
                f"needs a positive multiple of {m} (e.g. 32 for CIFAR)"
            )


def _layout(C: int, layers: int) -> Iterator[tuple[bool, bool, int, int, int]]:
    """Per cell: (reduction, previous was reduction, C_prev_prev, C_prev, C_cell)."""
    reds = reduction_layers(layers)
    c_pp = c_p = STEM_MULTIPLIER * C
    c = C
    red_prev = False
    for i in range(layers):
        red = i in reds
        if red:
            c *= 2
        yield red, red_prev, c_pp, c_p, c
        c_pp, c_p, red_prev = c_p, 4 * c, red


def _tally(
    arch: Any,
    num_classes: int,
    input_size: tuple[int, int],
    C: int,
    layers: int,
    style: str,
) -> dict[str, int]:
    """Parameters and FLOPs by kind, walking the network's layout (see the module docstring)."""
    normal, reduce = cells_of(arch)
    _check_size(num_classes, C, layers, style)
    h, w = (int(v) for v in input_size)
    check_input_size(h, w, layers)
    naslib = style == "naslib"
    bn_p = 0 if naslib else 2  # params of a cell op's BN per channel
    bn_f = 1 if naslib else 2  # its FLOPs per element
    t = dict.fromkeys(("params", "conv", "linear", "bn", "relu", "pool", "gap"), 0)

    def conv(c_in: int, c_out: int, k: int, hw: int, groups: int = 1) -> None:
        t["params"] += k * k * (c_in // groups) * c_out
        t["conv"] += k * k * (c_in // groups) * c_out * hw

    def bn(c: int, hw: int, affine: bool) -> None:
        t["params"] += 2 * c * affine
        t["bn"] += (1 + affine) * c * hw

    def relu_conv_bn(c_in: int, c_out: int, hw: int) -> None:
        t["relu"] += c_in * hw
        conv(c_in, c_out, 1, hw)
        bn(c_out, hw, True)

    def factorized_reduce(c_in: int, c_out: int, hw_in: int, hw_out: int, affine: bool) -> None:
        t["relu"] += c_in * hw_in
        conv(c_in, c_out // 2, 1, hw_out)
        conv(c_in, c_out // 2, 1, hw_out)
        bn(c_out, hw_out, affine)

    hw = h * w
    conv(3, STEM_MULTIPLIER * C, 3, hw)
    bn(STEM_MULTIPLIER * C, hw, True)
    hw_pp = hw_p = hw
    c_last = STEM_MULTIPLIER * C
    for red, red_prev, c_pp, c_p, c in _layout(C, layers):
        if red_prev:
            factorized_reduce(c_pp, c, hw_pp, hw_p, True)
        else:
            relu_conv_bn(c_pp, c, hw_pp)
        relu_conv_bn(c_p, c, hw_p)
        hw_out = hw_p // 4 if red else hw_p
        for i, op in reduce if red else normal:
            strided = red and i < 2
            hw_in = hw_p if i < 2 else hw_out
            if op in (SEP3, SEP5, DIL3, DIL5):
                k = KERNEL[op]
                repeats = 2 if op in (SEP3, SEP5) else 1
                for r in range(repeats):
                    t["relu"] += c * (hw_in if r == 0 else hw_out)
                    conv(c, c, k, hw_out, groups=c)
                    conv(c, c, 1, hw_out)
                    t["params"] += bn_p * c
                    t["bn"] += bn_f * c * hw_out
            elif op in (MAX_POOL, AVG_POOL):
                t["pool"] += 9 * c * hw_out
                if naslib:
                    t["bn"] += c * hw_out
            elif strided:  # skip_connect at stride 2
                factorized_reduce(c, c, hw_in, hw_out, not naslib)
        hw_pp, hw_p = hw_p, hw_out
        c_last = 4 * c
    oh, ow = h, w
    for _ in reduction_layers(layers):
        oh, ow = oh // 2, ow // 2
    t["gap"] = c_last * (oh + 1) * (ow + 1)
    t["params"] += c_last * num_classes + num_classes
    t["linear"] = c_last * num_classes
    return t


def count_params(
    arch: Any,
    num_classes: int = 10,
    C: int = DEFAULT_C,
    layers: int = DEFAULT_LAYERS,
    style: str = "naslib",
) -> int:
    """Exact number of learnable parameters of `build(arch, num_classes, C, layers, style)`."""
    return _tally(arch, num_classes, (32, 32), C, layers, style)["params"]


def count_flops(
    arch: Any,
    num_classes: int = 10,
    input_size: tuple[int, int] = (32, 32),
    C: int = DEFAULT_C,
    layers: int = DEFAULT_LAYERS,
    style: str = "naslib",
    convention: str = "suite-zero",
) -> int:
    """Exact FLOPs for one image of `input_size` (see the module docstring): `"suite-zero"` as
    NAS-Bench-Suite-Zero's stored `flops` (convolution and linear MACs, BN, ReLU, pooling and
    the global pool), `"macs"` the convolution and linear multiply-accumulates only."""
    if convention not in FLOP_CONVENTIONS:
        raise UnknownNameError("FLOP convention", convention, FLOP_CONVENTIONS)
    t = _tally(arch, num_classes, input_size, C, layers, style)
    if convention == "macs":
        return t["conv"] + t["linear"]
    return sum(v for k, v in t.items() if k != "params")


@register_network("darts")
def build(
    arch: Any,
    num_classes: int = 10,
    C: int = DEFAULT_C,
    layers: int = DEFAULT_LAYERS,
    style: str = "naslib",
):
    """The DARTS CIFAR network of `arch` as a `torch.nn.Module` (float32, torch's default
    initialisation from the *current* torch RNG). Defaults: NAS-Bench-301's C=32, 8 cells, with
    NASLib's cell ops (the network NAS-Bench-Suite-Zero scored)."""
    cells = cells_of(arch)
    _check_size(num_classes, C, layers, style)
    from nas_core.networks._darts_modules import DartsNetwork

    return DartsNetwork(cells, num_classes, C, layers, style)
