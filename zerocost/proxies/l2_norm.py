"""L2 norm of the initial weights, summed over Conv2d/Linear layers (NAS-Bench-Suite-Zero's
`l2_norm` baseline; Krishnakumar et al., NeurIPS 2022 Datasets and Benchmarks)."""

from __future__ import annotations

from zerocost._registry import register
from zerocost.context import weight_layers


@register("l2_norm", needs_labels=False, data_independent=True, needs_grad=False)
def l2_norm(ctx) -> float:
    """Krishnakumar et al. 2022 (NeurIPS D&B), l2_norm."""
    return float(sum(m.weight.detach().norm().item() for m in weight_layers(ctx.net)))
