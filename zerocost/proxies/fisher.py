"""Fisher: channel saliency 0.5 * mean_n (sum_hw a * dL/da)^2 summed over channels and layers,
with a the output of every Conv2d/Linear (as NASLib).

Theis et al. "Faster gaze prediction with dense networks and Fisher pruning", 2018; Turner et al.
"BlockSwap", ICLR 2020; as a proxy: Abdelfattah et al., ICLR 2021.
"""

from __future__ import annotations

from zerocost._registry import register


@register("fisher", needs_labels=True, data_independent=False, needs_grad=True)
def fisher(ctx) -> float:
    """Turner et al. 2020 (ICLR), Fisher; Abdelfattah et al. 2021 as a proxy."""
    return float(sum(f.item() for f in ctx.ce_pass()["fisher"]))
