"""Gradient norm: sum over layers of the L2 norm of the loss gradient w.r.t. the weights.

Abdelfattah, Mehrotra, Dudziak, Lane. "Zero-Cost Proxies for Lightweight NAS", ICLR 2021.
"""

from __future__ import annotations

from zerocost._registry import register


@register("grad_norm", needs_labels=True, data_independent=False, needs_grad=True)
def grad_norm(ctx) -> float:
    """Abdelfattah et al. 2021 (ICLR), grad_norm."""
    return float(sum(g.norm().item() for g in ctx.ce_pass()["grads"]))
