"""SynFlow: sum |w * dR/dw| with R the summed output of the network with absolute-valued weights
on an all-ones input, in float64 and without BatchNorm (as the original).

Tanaka, Kunin, Yamins, Ganguli. "Pruning neural networks without any data by iteratively
conserving synaptic flow", NeurIPS 2020; as a NAS proxy: Abdelfattah et al., ICLR 2021.
Data-independent: only the input's shape is used.

The network is put in that state *in place* and restored exactly afterwards (`synflow_state`):
a deep copy of the network, or saving and copying back its state dict, costs a large share of
the float64 pass itself, so the parameters' tensors are swapped instead
(perf/results/zerocost.md).
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
    on exit (also after an error) its modules, dtype, values, layout and grads are as before.

    Each parameter's data (and each floating buffer) is swapped for a float64 |copy| and the
    original tensor object is put back afterwards: nothing to save or copy back."""
    swapped: list[tuple[nn.Module, str, nn.Module]] = []
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                swapped.append((parent, name, child))
                setattr(parent, name, nn.Identity())
    params = [(p, p.data) for p in net.parameters()]
    buffers = [
        (m, k, b)
        for m in net.modules()
        for k, b in m._buffers.items()
        if b is not None and b.is_floating_point()
    ]
    try:
        with torch.no_grad():
            for p, data in params:
                if data.is_floating_point():
                    p.data = data.abs().double()
            for m, k, b in buffers:
                m._buffers[k] = b.double()
        net.zero_grad(set_to_none=True)
        yield net
    finally:
        for parent, name, child in swapped:
            setattr(parent, name, child)
        for p, data in params:
            p.data = data
        for m, k, b in buffers:
            m._buffers[k] = b
        net.zero_grad(set_to_none=True)


@register("synflow", needs_labels=False, data_independent=True, needs_grad=True)
def synflow(ctx) -> float:
    """Tanaka et al. 2020 (NeurIPS), SynFlow; Abdelfattah et al. 2021 as a proxy.

    Sums |w * dR/dw| without computing weight gradients: for a layer y = w * x (+ b), the sum of
    w * dR/dw over its weights is <dR/dy, y - b>, and every term is >= 0 here (|w|, an all-ones
    input, no BN, ReLUs and pooling pass non-negative values), so the sum of the absolute
    values is that inner product. Only activation gradients are back-propagated (weights do not
    require grad during the pass), which saves the weight-gradient convolutions."""
    with synflow_state(ctx.net) as net:
        layers = weight_layers(net)
        outputs: dict[nn.Module, torch.Tensor] = {}

        def keep(mod: nn.Module, _inp: object, out: torch.Tensor) -> None:
            outputs[mod] = out

        flags = [(p, p.requires_grad) for p in net.parameters()]
        hooks = [m.register_forward_hook(keep) for m in layers]
        try:
            for p, _ in flags:
                p.requires_grad_(False)
            x = torch.ones((1, *ctx.x.shape[1:]), dtype=torch.float64, requires_grad=True)
            out = net(x).sum()
            used = [m for m in layers if m in outputs and outputs[m].requires_grad]
            if not out.requires_grad or not used:  # output cut off from the input: no flow
                return 0.0
            grads = torch.autograd.grad(out, [outputs[m] for m in used], allow_unused=True)
        finally:
            for h in hooks:
                h.remove()
            for p, flag in flags:
                p.requires_grad_(flag)
        total = 0.0
        with torch.no_grad():
            for m, g in zip(used, grads, strict=True):
                if g is None:
                    continue
                y = outputs[m]
                if getattr(m, "bias", None) is not None:
                    shape = (1, -1) + (1,) * (y.dim() - 2)
                    y = y - m.bias.view(shape)
                total += float((g * y).sum())
        return total
