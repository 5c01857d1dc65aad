"""Number of parameters (a strong baseline proxy: Ning et al. 2021, "Evaluating Efficient
Performance Estimators of Neural Architectures", NeurIPS; Krishnakumar et al. 2022)."""

from __future__ import annotations

from zerocost._registry import register


@register("params", needs_labels=False, data_independent=True, needs_grad=False)
def params(ctx) -> float:
    """Ning et al. 2021 (NeurIPS), #params baseline."""
    net = ctx.net
    if hasattr(net, "ops"):
        from nas_core.networks import count_params

        return float(count_params(net.ops, net.num_classes, net.C, net.N))
    return float(sum(p.numel() for p in net.parameters()))
