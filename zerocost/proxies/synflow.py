"""SynFlow: sum |w * dR/dw| with R the summed output of the network with absolute-valued weights
on an all-ones input, in float64 and without BatchNorm (as the original).

Tanaka, Kunin, Yamins, Ganguli. "Pruning neural networks without any data by iteratively
conserving synaptic flow", NeurIPS 2020; as a NAS proxy: Abdelfattah et al., ICLR 2021.
Data-independent: only the input's shape is used. Works on a float64 copy, never the network.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from zerocost._registry import register
from zerocost.context import weight_layers


def without_bn(net: nn.Module) -> nn.Module:
    """A deep copy of `net` with every BatchNorm replaced by identity (NASLib's bn=False)."""
    twin = copy.deepcopy(net)
    for parent in list(twin.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, name, nn.Identity())
    return twin


@register("synflow", needs_labels=False, data_independent=True, needs_grad=True)
def synflow(ctx) -> float:
    """Tanaka et al. 2020 (NeurIPS), SynFlow; Abdelfattah et al. 2021 as a proxy."""
    twin = without_bn(ctx.net).double()
    with torch.no_grad():
        for p in twin.parameters():
            p.abs_()
    twin.zero_grad(set_to_none=True)
    x = torch.ones((1, *ctx.x.shape[1:]), dtype=torch.float64)
    out = twin(x).sum()
    if not out.requires_grad:
        return 0.0
    out.backward()
    total = 0.0
    with torch.no_grad():
        for m in weight_layers(twin):
            if m.weight.grad is not None:
                total += (m.weight * m.weight.grad).abs().sum().item()
    return total
