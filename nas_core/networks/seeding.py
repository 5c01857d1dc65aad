"""Seeded network construction: the same architecture and seed give the same weights, bit for
bit, in any process and whatever else drew from torch's RNG before.

`arch_seed(seed, index)` derives an independent weight stream per (run seed, architecture
index); `build_seeded` draws the network's weights from it inside `torch.random.fork_rng`, so the
caller's global torch RNG is left as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nas_core.arch import Arch

if TYPE_CHECKING:
    from nas_core.networks.pool import NetworkPool


def arch_seed(seed: int, index: int) -> int:
    """Per-architecture weight seed: independent streams for (run seed, arch index)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def build_seeded(
    arch: Arch | Sequence[int],
    num_classes: int,
    seed: int,
    index: int,
    pool: NetworkPool | None = None,
    *,
    space: Any = None,
    **size: Any,
):
    """Build the network of `arch` (an Arch, or an op tuple of `space`, NAS-Bench-201 when not
    given) with weights from the stream `arch_seed(seed, index)`, leaving the global torch RNG
    untouched (fork_rng saves and restores it). Conv weights are channels-last (NHWC halves CPU
    convolution time with oneDNN): the weights are the same numbers, but oneDNN's NHWC kernels
    round differently, so float32 proxy values are not those of a contiguous float32 run and are
    further from the exact (float64) values: median error 10-100x larger on the gradient proxies,
    up to ~12% on grasp and ~17% on a plain near zero against NASLib's float64 values; rankings
    unaffected. For exact values convert the network and batch to float64 (zerocost's package
    docstring). `size`: the builder's size options (nb201: C, N). With `pool` (NAS-Bench-201
    only, built at its own size), its
    modules are recycled: the same network bit for bit, valid until the pool's next build (see
    `nas_core.networks.pool`)."""
    import torch

    from nas_core.networks._modules import conv_weights_to
    from nas_core.networks.registry import build

    nhwc = torch.channels_last
    key = arch if isinstance(arch, Arch) else tuple(int(o) for o in arch)
    with torch.random.fork_rng(devices=[]):
        # Only the CPU generator draws the weights (and only its state is saved and restored):
        # torch.manual_seed would also re-seed every accelerator's generator.
        torch.default_generator.manual_seed(arch_seed(seed, index))
        if pool is not None:
            return pool.build(key, memory_format=nhwc)
        net = build(key, num_classes, space=space, **size)
    conv_weights_to(net, nhwc)
    return net
