"""epe_nas against a hand computation of the authors' formula (Lopes et al. 2021, `search.py`)."""

from __future__ import annotations

import math

import numpy as np
import torch

import zerocost


class _Ctx:
    """The two things epe_nas reads from a scoring context: the Jacobian rows and the labels."""

    def __init__(self, jac: np.ndarray, labels: list[int], num_classes: int):
        self._jac, self._labels, self.num_classes = jac, torch.tensor(labels), num_classes

    def jacobian_pass(self):
        return {"jacobian": self._jac}

    def labels(self):
        return self._labels


# Two classes of two images each; Jacobians of 3 entries.
JAC = np.array([[1.0, 2.0, 3.0], [1.0, 3.0, 2.0], [3.0, 1.0, 2.0], [1.0, 2.0, 4.0]])
LABELS = [0, 0, 1, 1]
K = 1e-5


def _s(rows: np.ndarray) -> float:
    """sum over the 2x2 correlation matrix of log(|r| + k): two diagonal ones, two off-diagonal r."""
    a, b = rows
    r = np.corrcoef(a, b)[0, 1]
    return 2 * math.log(1 + K) + 2 * math.log(abs(r) + K)


def test_at_most_100_classes_sums_the_per_class_scores():
    # corr([1,2,3],[1,3,2]) = 0.5, corr([3,1,2],[1,2,4]) = -0.6547
    s0, s1 = _s(JAC[:2]), _s(JAC[2:])
    want = abs(s0) + abs(s1)
    got = zerocost.get("epe_nas").fn(_Ctx(JAC, LABELS, 10))
    assert math.isclose(got, want, rel_tol=1e-12)
    assert math.isclose(s0, 2 * math.log(1 + K) + 2 * math.log(0.5 + K), rel_tol=1e-12)


def test_more_than_100_classes_sums_pairwise_differences_of_size_normalised_scores():
    s0, s1 = _s(JAC[:2]) / 2, _s(JAC[2:]) / 2  # divided by the class's sample count
    want = (abs(s0 - s1) + abs(s1 - s0)) / 2  # all ordered pairs, over the classes seen
    got = zerocost.get("epe_nas").fn(_Ctx(JAC, LABELS, 120))
    assert math.isclose(got, want, rel_tol=1e-12)
