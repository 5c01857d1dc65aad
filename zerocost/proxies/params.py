"""Number of parameters (a strong baseline proxy: Ning et al. 2021, "Evaluating Efficient
Performance Estimators of Neural Architectures", NeurIPS; Krishnakumar et al. 2022). The
network's `count_params()` hook when it has one (exact, no walk), else the sum of its parameter
sizes."""

from __future__ import annotations

from nas_core.networks.protocol import hook
from zerocost._registry import register


@register("params", needs_labels=False, data_independent=True, needs_grad=False)
def params(ctx) -> float:
    """Ning et al. 2021 (NeurIPS), #params baseline."""
    count = hook(ctx.net, "count_params")
    if count is not None:
        return float(count())
    return float(sum(p.numel() for p in ctx.net.parameters()))
