"""FLOPs for one image of the batch's size, by formula, from the network's
`count_flops(input_hw)` hook: for NAS-Bench-201 networks the benchmark's own convention (MACs of
convolutions and the linear layer; pools, BN and ReLU not counted; see nas_core.networks.nb201,
whose `count_flops` also has the pooling-inclusive and NAS-Bench-Suite-Zero conventions). Baseline proxy of Ning et al. 2021 (NeurIPS) and Krishnakumar et al. 2022."""

from __future__ import annotations

from nas_core.networks.protocol import require_hook
from zerocost._registry import register


@register(
    "flops",
    needs_labels=False,
    data_independent=True,
    needs_grad=False,
    needs_hook="count_flops",
)
def flops(ctx) -> float:
    """Ning et al. 2021 (NeurIPS), FLOPs baseline."""
    count = require_hook(ctx.net, "count_flops", "flops", "FLOPs for one input size")
    h, w = int(ctx.x.shape[2]), int(ctx.x.shape[3])
    return float(count((h, w)))
