"""GraSP: -sum(w * H g), the effect of removing weights on the gradient flow.

Wang, Zhang, Grosse. "Picking Winning Tickets Before Training by Preserving Gradient Flow", ICLR
2020; as a proxy: Abdelfattah et al., ICLR 2021. g comes from the shared cross-entropy pass; H g
is a Hessian-vector product from a second, double-backward pass.
"""

from __future__ import annotations

import torch
from torch import nn

from zerocost._registry import register
from zerocost.context import weight_layers


@register("grasp", needs_labels=True, data_independent=False, needs_grad=True)
def grasp(ctx) -> float:
    """Wang et al. 2020 (ICLR), GraSP; Abdelfattah et al. 2021 as a proxy."""
    g = ctx.ce_pass()["grads"]
    net = ctx.net
    net.train()
    weights = [m.weight for m in weight_layers(net)]
    loss = nn.functional.cross_entropy(net(ctx.x), ctx.labels())
    grad_f = torch.autograd.grad(loss, weights, create_graph=True, allow_unused=True)
    z = sum((gw * gf).sum() for gw, gf in zip(g, grad_f, strict=True) if gf is not None)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        return 0.0
    hg = torch.autograd.grad(z, weights, allow_unused=True)
    return float(
        sum(
            (-w.detach() * h).sum().item()
            for w, h in zip(weights, hg, strict=True)
            if h is not None
        )
    )
