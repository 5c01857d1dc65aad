"""Condition number of the neural tangent kernel on one batch (lower is better).

Chen, Gong, Wang. "Neural Architecture Search on ImageNet in Four GPU Hours: A Theoretically
Inspired Perspective" (TE-NAS), ICLR 2021. As TE-NAS: train-mode BN; J holds, per image, the
gradient of that image's summed logits w.r.t. every Conv2d/Linear weight (one backward per image
through one shared forward); NTK = J J^T; score = lambda_max / lambda_min. To bound the cost (one
backward per image) the kernel uses the first `MAX_SAMPLES` images of the batch.
"""

from __future__ import annotations

import numpy as np
import torch

from zerocost._registry import register
from zerocost.context import weight_layers

MAX_SAMPLES = 32


def ntk_matrix(ctx) -> np.ndarray:
    net = ctx.net
    net.train()
    weights = [m.weight for m in weight_layers(net)]
    x = ctx.x[:MAX_SAMPLES]
    out = net(x)
    n = out.shape[0]
    if not out.requires_grad:
        return np.zeros((n, n))
    rows = []
    for i in range(n):
        gi = torch.autograd.grad(out[i].sum(), weights, retain_graph=i < n - 1, allow_unused=True)
        rows.append(
            torch.cat(
                [
                    (torch.zeros_like(w) if g is None else g).reshape(-1)
                    for g, w in zip(gi, weights, strict=True)
                ]
            )
        )
    j = torch.stack(rows).to(torch.float64)
    return (j @ j.T).numpy()


@register(
    "ntk", needs_labels=False, data_independent=False, needs_grad=True, higher_is_better=False
)
def ntk(ctx) -> float:
    """Chen et al. 2021 (ICLR), TE-NAS NTK condition number."""
    ev = np.linalg.eigvalsh(ctx.cached("ntk", lambda: ntk_matrix(ctx)))
    lo, hi = ev[0], ev[-1]
    if lo <= 0:
        return float("inf") if hi > 0 else float("nan")
    return float(hi / lo)
