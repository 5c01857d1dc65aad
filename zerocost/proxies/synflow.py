"""SynFlow: sum |w * dR/dw| with R the summed output of the network with absolute-valued weights
on an all-ones input, in float64 and without BatchNorm (as the original).

Tanaka, Kunin, Yamins, Ganguli. "Pruning neural networks without any data by iteratively
conserving synaptic flow", NeurIPS 2020; as a NAS proxy: Abdelfattah et al., ICLR 2021.
Data-independent: only the input's shape is used.

The network is put in that state *in place* and restored exactly afterwards (`synflow_state`):
a deep copy of an NB201 network took ~40 ms, more than the float64 pass itself (~22 ms).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from zerocost._registry import register
from zerocost.context import weight_layers


@contextmanager
def synflow_state(net: nn.Module) -> Iterator[nn.Module]:
    """`net` itself, temporarily in float64 with |weights| and BatchNorm replaced by identity;
    on exit (also after an error) its modules, dtype, values, layout and grads are as before."""
    saved = {k: v.detach().clone() for k, v in net.state_dict(keep_vars=True).items()}
    dtypes = {k: v.dtype for k, v in saved.items()}
    swapped: list[tuple[nn.Module, str, nn.Module]] = []
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                swapped.append((parent, name, child))
                setattr(parent, name, nn.Identity())
    try:
        net.double()
        with torch.no_grad():
            for p in net.parameters():
                p.abs_()
        net.zero_grad(set_to_none=True)
        yield net
    finally:
        for parent, name, child in swapped:
            setattr(parent, name, child)
        state = net.state_dict(keep_vars=True)
        with torch.no_grad():
            for k, v in state.items():
                if v.dtype != dtypes[k]:
                    v.data = v.data.to(dtypes[k])  # keeps the parameter object (and its layout)
                v.copy_(saved[k])
        net.zero_grad(set_to_none=True)


@register("synflow", needs_labels=False, data_independent=True, needs_grad=True)
def synflow(ctx) -> float:
    """Tanaka et al. 2020 (NeurIPS), SynFlow; Abdelfattah et al. 2021 as a proxy."""
    with synflow_state(ctx.net) as net:
        x = torch.ones((1, *ctx.x.shape[1:]), dtype=torch.float64)
        out = net(x).sum()
        if not out.requires_grad:
            return 0.0
        out.backward()
        total = 0.0
        with torch.no_grad():
            for m in weight_layers(net):
                if m.weight.grad is not None:
                    total += (m.weight * m.weight.grad).abs().sum().item()
        return total
