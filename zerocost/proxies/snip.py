"""SNIP saliency summed over weights: sum |dL/dw * w|.

Lee, Ajanthan, Torr. "SNIP: Single-shot Network Pruning based on Connection Sensitivity", ICLR
2019; used as a NAS proxy by Abdelfattah et al., ICLR 2021.
"""

from __future__ import annotations

from zerocost._registry import register


@register("snip", needs_labels=True, data_independent=False, needs_grad=True)
def snip(ctx) -> float:
    """Lee et al. 2019 (ICLR), SNIP; Abdelfattah et al. 2021 as a proxy."""
    p = ctx.ce_pass()
    return float(
        sum((g * w).abs().sum().item() for g, w in zip(p["grads"], p["weights"], strict=True))
    )
