"""Fisher: channel saliency 0.5 * mean_n (sum_hw a * dL/da)^2, with a the output of every
Conv2d/Linear, summed over all weights as NASLib does: each channel's value counts once per weight
of that channel (times the layer's fan-in, `weight[0].numel()`). Summing channels without the
fan-in ranked NAS-Bench-201 cells clearly worse (Spearman with validation accuracy 0.42 vs 0.51 for
NAS-Bench-Suite-Zero's stored scores on the same 724 archs); see perf/results/zerocost.md.

Theis et al. "Faster gaze prediction with dense networks and Fisher pruning", 2018; Turner et al.
"BlockSwap", ICLR 2020; as a proxy: Abdelfattah et al., ICLR 2021.
"""

from __future__ import annotations

from zerocost._registry import register


@register("fisher", needs_labels=True, data_independent=False, needs_grad=True)
def fisher(ctx) -> float:
    """Turner et al. 2020 (ICLR), Fisher; Abdelfattah et al. 2021 as a proxy."""
    return float(sum(f.item() for f in ctx.ce_pass(fisher=True)["fisher"]))
