"""Zen-score: log of the expected change of the pre-pooling feature map under a small input
perturbation, plus the log BN scaling factors, on a Gaussian-initialised copy of the network.

Lin, Wang, Sun, Chen, Sun, Qian, Li, Jin. "Zen-NAS: A Zero-Shot NAS for High-Performance Image
Recognition", ICCV 2021. Inputs are Gaussian (data-independent), mixup gamma 0.01, one repeat;
random draws from a local torch.Generator. Uses the network's `feature_map(x)` hook (the map
before global pooling; see `nas_core.networks.protocol`).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from nas_core.networks.protocol import require_hook
from zerocost._registry import register


@register(
    "zen",
    needs_labels=False,
    data_independent=True,
    needs_grad=False,
    needs_hook="feature_map",
)
def zen(ctx) -> float:
    """Lin et al. 2021 (ICCV), Zen-NAS."""
    require_hook(ctx.net, "feature_map", "zen", "the map before global pooling")
    g = ctx.generator(7)
    twin = copy.deepcopy(ctx.net)
    twin.train()
    with torch.no_grad():
        for m in twin.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.normal_(generator=g)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.fill_(1.0)
                m.bias.zero_()
        x = torch.randn(ctx.x.shape, generator=g)
        x2 = x + 0.01 * torch.randn(ctx.x.shape, generator=g)
        f1 = twin.feature_map(x)
        f2 = twin.feature_map(x2)
        score = torch.log(torch.mean(torch.abs(f1 - f2))).item()
        for m in twin.modules():
            if isinstance(m, nn.BatchNorm2d):
                score += float(np.log(np.sqrt(m.running_var.mean().item())))
    return float(score)
