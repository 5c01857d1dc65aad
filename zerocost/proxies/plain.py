"""Plain: sum of dL/dw * w (the signed first-order Taylor term).

Mozer & Smolensky 1989 / Abdelfattah et al. "Zero-Cost Proxies for Lightweight NAS", ICLR 2021.
"""

from __future__ import annotations

from zerocost._registry import register


@register("plain", needs_labels=True, data_independent=False, needs_grad=True)
def plain(ctx) -> float:
    """Abdelfattah et al. 2021 (ICLR), plain."""
    p = ctx.ce_pass()
    return float(sum((g * w).sum().item() for g, w in zip(p["grads"], p["weights"], strict=True)))
