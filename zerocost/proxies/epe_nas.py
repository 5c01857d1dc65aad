"""EPE-NAS: per-class correlation structure of input-Jacobians.

Lopes, Alirezazadeh, Alexandre. "EPE-NAS: Efficient Performance Estimation Without Training for
Neural Architecture Search", ICANN 2021. For each class c in the batch, s_c = sum over the entries
of log(|corr(J_c)| + k), J_c the input-Jacobians of that class's images (k = 1e-5). As in the
authors' `search.py` and NASLib's `epe_nas.py`, which agree: with at most 100 classes the score is
sum_c |s_c|; with more, each s_c is first divided by its class's sample count and the score is
sum_c sum_c' |s_c - s_c'| divided by the number of classes seen.
"""

from __future__ import annotations

import numpy as np

from zerocost._registry import register


@register("epe_nas", needs_labels=True, data_independent=False, needs_grad=True)
def epe_nas(ctx) -> float:
    """Lopes et al. 2021 (ICANN), EPE-NAS."""
    jac = ctx.jacobian_pass()["jacobian"]
    labels = ctx.labels().numpy()
    k = 1e-5
    many = ctx.num_classes > 100
    scores = []
    for c in np.unique(labels):
        rows = jac[labels == c]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.atleast_1d(np.corrcoef(rows))
            s = float(np.sum(np.log(np.abs(corr) + k)))
        if many:
            s /= len(corr)
        scores.append(s)
    s = np.asarray(scores)
    if not many:
        return float(np.abs(s).sum())
    return float(np.abs(s[:, None] - s[None, :]).sum() / max(len(s), 1))
