from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nas_core import InvalidInputError, UnknownNameError
from nas_core import metrics as M


def test_against_scipy_and_hand_cases():
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=200), rng.normal(size=200)
    assert M.kendall_tau(t, p) == pytest.approx(stats.kendalltau(t, p).statistic)
    assert M.spearman_rho(t, p) == pytest.approx(stats.spearmanr(t, p).statistic)
    assert M.pearson_r(t, p) == pytest.approx(stats.pearsonr(t, p).statistic)
    assert M.kendall_tau([1, 2, 3], [1, 2, 3]) == 1.0
    assert M.spearman_rho([1, 2, 3], [3, 2, 1]) == -1.0
    # one discordant pair of three: tau = (2 - 1) / 3
    assert M.kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)


def test_sparse_kendall_ignores_predicted_differences_below_resolution():
    t = np.array([3.0, 2.0, 1.0, 4.0])
    p = np.array([90.01, 90.02, 90.03, 95.0])
    assert M.kendall_tau(t, p) < 0.5
    # NAS-Bench-301 rounds the predictions: the three 90.0x tie, no discordant pair is left,
    # tau-b = 3 / sqrt(6 * 3); the truths are not rounded
    assert M.sparse_kendall_tau(t, p, decimals=1) == pytest.approx(3 / np.sqrt(18))
    assert M.sparse_kendall_tau(p, t, decimals=1) == pytest.approx(M.kendall_tau(p, t))


def test_precision_and_ndcg_at_k():
    t = np.arange(100.0)
    assert M.precision_at_k(t, t, 0.1) == 1.0
    assert M.precision_at_k(t, -t, 0.1) == 0.0
    p = t.copy()
    p[[95, 5]] = p[[5, 95]]  # one of the top 10 swapped out
    assert M.precision_at_k(t, p, 10) == pytest.approx(0.9)
    assert M.ndcg_at_k(t, t, 10) == pytest.approx(1.0)
    assert M.ndcg_at_k(t, p, 10) < 1.0


def test_bootstrap_ci_brackets_point():
    rng = np.random.default_rng(1)
    t = rng.normal(size=300)
    p = t + rng.normal(scale=1.0, size=300)
    point, lo, hi = M.bootstrap_ci(M.spearman_rho, t, p, n_resamples=200)
    assert lo < point < hi and 0.5 < point < 0.9


def test_bad_input():
    with pytest.raises(InvalidInputError, match="length"):
        M.spearman_rho([1, 2, 3], [1, 2])
    with pytest.raises(InvalidInputError, match="NaN"):
        M.spearman_rho([1, np.nan, 3], [1, 2, 3])
    with pytest.raises(UnknownNameError):
        M.get_metric("kendal")
