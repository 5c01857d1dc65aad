"""Number of linear regions: distinct ReLU activation patterns over many small inputs.

Chen, Gong, Wang. "Neural Architecture Search on ImageNet in Four GPU Hours: A Theoretically
Inspired Perspective" (TE-NAS), ICLR 2021 (after Xiong et al. 2020). More regions = more
expressive. A pattern is the on/off state of every ReLU unit for one input.

`linear_regions` follows the authors' code (`Linear_Region_Collector(input_size=(1000, 1, 3, 3),
sample_batch=3)`): the network is ONE cell at one channel without a stem, then BN-ReLU (the
network's `thin_cell()` hook), in train mode, with torch's default initialisation; the inputs are
3,000 single-channel 3x3 crops of real images (random image, position and colour channel, as
their `RandomCrop(3)` + `RandChannel(1)` transform), fed as three batches of 1,000 (so BN
normalises over 1,000 crops, as theirs). One difference: the crops are cut from the scoring batch
(64 images by default) rather than from the whole training set.

`linear_regions_full` is the earlier protocol, kept for comparison: the whole architecture at
C=1, N=1 with its stem (`thin()` hook) over 1,000 Gaussian 3x4x4 inputs. Its patterns are nearly
always all distinct (on 82% of 500 random NAS-Bench-201 cells it returned exactly 1,000), so it
ranks cells poorly; see perf/results/zerocost.md for both protocols' correlation with accuracy.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nas_core.errors import InvalidInputError
from nas_core.networks.protocol import require_hook
from zerocost._registry import register

#: TE-NAS: 3 batches of 1,000 crops of 3x3 pixels, one colour channel each
N_BATCHES, BATCH, CROP = 3, 1000, 3
#: linear_regions_full: Gaussian inputs of 3x4x4
N_SAMPLES = 1000
SIZE = 4


def _patterns(net: nn.Module, batches: list[torch.Tensor]) -> np.ndarray:
    """One packed row of ReLU on/off bits per input, the batches forwarded one by one in train
    mode (BN uses each batch's statistics)."""
    codes: list[np.ndarray] = []

    def hook(_m: nn.Module, _i: object, out: torch.Tensor) -> None:
        codes.append((out.detach().reshape(out.shape[0], -1) > 0).numpy())

    hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    rows = []
    net.train()
    try:
        with torch.no_grad():
            for x in batches:
                codes.clear()
                net(x)
                rows.append(np.packbits(np.concatenate(codes, axis=1), axis=1))
    finally:
        for h in hooks:
            h.remove()
    return np.concatenate(rows, axis=0)


def _seeded(make, g: torch.Generator) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=g)))
        return make()


def crops(x: torch.Tensor, n: int, size: int, g: torch.Generator) -> torch.Tensor:
    """`n` single-channel `size` x `size` crops of the images `x` (b, c, H, W): each a random
    image, channel and position (drawn from `g`); shape (n, 1, size, size), float32."""
    b, c, h, w = x.shape
    if h < size or w < size:
        raise InvalidInputError(
            f"linear_regions cuts {size}x{size} crops from the images; they are {h}x{w}"
        )
    img = torch.randint(0, b, (n,), generator=g)
    ch = torch.randint(0, c, (n,), generator=g)
    top = torch.randint(0, h - size + 1, (n,), generator=g)
    left = torch.randint(0, w - size + 1, (n,), generator=g)
    d = torch.arange(size)
    rows = (top[:, None] + d[None, :])[:, :, None]  # (n, size, 1)
    cols = (left[:, None] + d[None, :])[:, None, :]  # (n, 1, size)
    out = x.detach()[img[:, None, None], ch[:, None, None], rows, cols]
    return out.to(torch.float32).contiguous().unsqueeze(1)


@register(
    "linear_regions",
    needs_labels=False,
    data_independent=False,
    needs_grad=False,
    needs_hook="thin_cell",
)
def linear_regions(ctx) -> float:
    """Chen et al. 2021 (ICLR), TE-NAS linear regions (authors' protocol: one cell, 3x3 crops)."""
    make = require_hook(
        ctx.net, "thin_cell", "linear_regions", "its cell alone at one channel, TE-NAS's protocol"
    )
    g = ctx.generator(12)
    cell = _seeded(make, g)
    x = crops(ctx.x, N_BATCHES * BATCH, CROP, g)
    packed = _patterns(cell, list(x.split(BATCH)))
    return float(len(np.unique(packed, axis=0)))


@register(
    "linear_regions_full",
    needs_labels=False,
    data_independent=True,
    needs_grad=False,
    needs_hook="thin",
)
def linear_regions_full(ctx) -> float:
    """Chen et al. 2021 (ICLR), linear regions of the whole network at C=1, N=1 (saturates)."""
    make_thin = require_hook(
        ctx.net, "thin", "linear_regions_full", "the architecture at its smallest size"
    )
    g = ctx.generator(11)
    thin = _seeded(make_thin, g)
    x = torch.randn((N_SAMPLES, 3, SIZE, SIZE), generator=g)
    return float(len(np.unique(_patterns(thin, [x]), axis=0)))
