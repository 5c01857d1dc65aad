"""Condition number of the neural tangent kernel on one batch (lower is better).

Chen, Gong, Wang. "Neural Architecture Search on ImageNet in Four GPU Hours: A Theoretically
Inspired Perspective" (TE-NAS), ICLR 2021. As the authors' `get_ntk_n`: train-mode BN; J holds,
per image, the gradient of that image's summed logits w.r.t. every parameter named `weight`
(convolutions, the linear layer and the BatchNorm scales; no biases), one backward per image
through one shared forward; NTK = J J^T; score = lambda_max / lambda_min.

Where it differs from TE-NAS: the kernel is taken on the network being scored (NAS-Bench-201:
C=16, N=5) and the first `MAX_SAMPLES` images of the scoring batch, to bound the cost (one
backward per image); TE-NAS scores a C=3, N=1 network on a batch of 72 training images (its
NAS-Bench-201 setting) and averages three initialisations. perf/results/zerocost.md gives the
correlation with accuracy with and without the BatchNorm weights.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from zerocost._registry import register

MAX_SAMPLES = 32


def ntk_weights(net: nn.Module) -> list[torch.Tensor]:
    """The parameters TE-NAS differentiates: those named `weight` (conv, linear, BN scales)."""
    return [p for n, p in net.named_parameters() if n.rsplit(".", 1)[-1] == "weight"]


def ntk_jacobian(net: nn.Module, x: torch.Tensor, weights: list[torch.Tensor]) -> torch.Tensor:
    """(n, sum of weight sizes) float64: row i is d(sum of image i's logits)/d(weights)."""
    net.train()
    out = net(x)
    n = out.shape[0]
    size = sum(w.numel() for w in weights)
    if not out.requires_grad:
        return torch.zeros(n, size, dtype=torch.float64)
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
    return torch.stack(rows).to(torch.float64)


def ntk_matrix(ctx) -> np.ndarray:
    j = ntk_jacobian(ctx.net, ctx.x[:MAX_SAMPLES], ntk_weights(ctx.net))
    return (j @ j.T).numpy()


def condition(kernel: np.ndarray) -> float:
    ev = np.linalg.eigvalsh(kernel)
    lo, hi = ev[0], ev[-1]
    if lo <= 0:
        return float("inf") if hi > 0 else float("nan")
    return float(hi / lo)


@register(
    "ntk", needs_labels=False, data_independent=False, needs_grad=True, higher_is_better=False
)
def ntk(ctx) -> float:
    """Chen et al. 2021 (ICLR), TE-NAS NTK condition number."""
    return condition(ctx.cached("ntk", lambda: ntk_matrix(ctx)))
