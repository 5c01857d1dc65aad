"""NASWOT: log-determinant of the kernel of binary ReLU codes over one batch.

Mellor, Turner, Storkey, Crowley. "Neural Architecture Search without Training", ICML 2021.
K[i, j] counts the ReLU units on which inputs i and j agree (both active or both inactive);
networks that separate inputs well have a larger log|K|.

A singular K (some inputs the network cannot tell apart, e.g. a cell whose output is cut off from
its input, so every ReLU after it sees zeros) scores -inf, log 0, as NASLib's `slogdet` gives; a
negative determinant (impossible for this positive semi-definite K in exact arithmetic, so a
numerical failure) is NaN.
"""

from __future__ import annotations

import numpy as np

from zerocost._registry import register


@register("naswot", needs_labels=False, data_independent=False, needs_grad=False)
def naswot(ctx) -> float:
    """Mellor et al. 2021 (ICML), NASWOT."""
    sign, logdet = np.linalg.slogdet(ctx.relu_kernel())
    if sign > 0:
        return float(logdet)
    return float("-inf") if sign == 0 else float("nan")
