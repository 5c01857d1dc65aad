"""Number of linear regions: distinct ReLU activation patterns among many small random inputs.

Chen, Gong, Wang. "Neural Architecture Search on ImageNet in Four GPU Hours: A Theoretically
Inspired Perspective" (TE-NAS), ICLR 2021 (after Xiong et al. 2020). As TE-NAS, the count is taken
on a thin copy of the architecture (C=1, N=1; same cell) over `N_SAMPLES` random inputs so that
patterns are not trivially all distinct; here the inputs are Gaussian 3x4x4 images (the smallest
the network takes) from a local generator, and a pattern is the on/off state of every ReLU unit.
More regions = more expressive. The thin copy comes from the network's `thin()` hook.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nas_core.errors import InvalidInputError
from nas_core.networks.protocol import hook as net_hook
from zerocost._registry import register

N_SAMPLES = 1000
SIZE = 4


@register("linear_regions", needs_labels=False, data_independent=True, needs_grad=False)
def linear_regions(ctx) -> float:
    """Chen et al. 2021 (ICLR), TE-NAS linear regions."""
    make_thin = net_hook(ctx.net, "thin")
    if make_thin is None:
        raise InvalidInputError(
            f"linear_regions needs the network's thin() hook (the architecture at its smallest "
            f"size); {type(ctx.net).__name__} has none"
        )
    g = ctx.generator(11)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=g)))
        thin = make_thin()
    x = torch.randn((N_SAMPLES, 3, SIZE, SIZE), generator=g)
    codes: list[np.ndarray] = []

    def hook(_m: nn.Module, inp: tuple[torch.Tensor, ...], _o: object) -> None:
        codes.append((inp[0].detach().reshape(N_SAMPLES, -1) > 0).numpy())

    hooks = [m.register_forward_hook(hook) for m in thin.modules() if isinstance(m, nn.ReLU)]
    thin.train()
    try:
        with torch.no_grad():
            thin(x)
    finally:
        for h in hooks:
            h.remove()
    packed = np.packbits(np.concatenate(codes, axis=1), axis=1)
    return float(len(np.unique(packed, axis=0)))
