"""Jacobian covariance: how uncorrelated the input-Jacobians of a batch are.

Mellor, Turner, Storkey, Crowley. "Neural Architecture Search without Training", arXiv v1 (2020).
score = -sum_i log(v_i + k) + 1 / (v_i + k) over the eigenvalues v of the correlation matrix of
the per-image Jacobians d(sum of outputs)/d(input), k = 1e-5 (as in NASLib).
"""

from __future__ import annotations

import numpy as np

from zerocost._registry import register


@register("jacov", needs_labels=False, data_independent=False, needs_grad=True)
def jacov(ctx) -> float:
    """Mellor et al. 2020 (arXiv v1 of NASWOT), Jacobian covariance."""
    jac = ctx.jacobian_pass()["jacobian"]
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(jac)
    if not np.isfinite(corr).all():
        return float("nan")
    v = np.linalg.eigvalsh(corr)
    k = 1e-5
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(-np.sum(np.log(v + k) + 1.0 / (v + k)))
