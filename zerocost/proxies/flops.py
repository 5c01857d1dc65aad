"""FLOPs for one image of the batch's size, by formula (NAS-Bench-201 convention: MACs of
convolutions, linear layer and pools; see nas_core.networks). Baseline proxy of Ning et al. 2021
(NeurIPS) and Krishnakumar et al. 2022."""

from __future__ import annotations

from nas_core.errors import InvalidInputError
from zerocost._registry import register


@register("flops", needs_labels=False, data_independent=True, needs_grad=False)
def flops(ctx) -> float:
    """Ning et al. 2021 (NeurIPS), FLOPs baseline."""
    net = ctx.net
    if not hasattr(net, "ops"):
        raise InvalidInputError("the flops proxy needs a network built by nas_core.networks")
    from nas_core.networks import count_flops

    h, w = int(ctx.x.shape[2]), int(ctx.x.shape[3])
    return float(count_flops(net.ops, net.num_classes, (h, w), net.C, net.N))
