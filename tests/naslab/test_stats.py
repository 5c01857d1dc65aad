import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nas_core.errors import InvalidInputError
from naslab.stats import (
    anytime_auc,
    attainment_surface,
    average_ranks,
    bootstrap_interval,
    cd_diagram_data,
    friedman,
    front_share,
    holm_wilcoxon,
    interval,
    method_label,
    paired_wilcoxon,
    pareto_front,
    reference_point,
    t_interval,
    wilcoxon_method,
)


def test_t_interval_is_scipy_t_for_three_runs():
    v = [0.71, 0.74, 0.70]
    m, lo, hi = t_interval(v)
    want = stats.t.interval(0.95, 2, loc=np.mean(v), scale=stats.sem(v))
    assert m == pytest.approx(np.mean(v))
    assert (lo, hi) == pytest.approx(want)
    # wider than the normal approximation 1.96·sd/√n (factor 4.30 for 2 degrees of freedom)
    assert hi - m == pytest.approx(stats.t.ppf(0.975, 2) * stats.sem(v))
    assert hi - m > 2 * 1.96 * stats.sem(v)


def test_t_interval_edge_cases():
    assert math.isnan(t_interval([0.5])[1])
    assert t_interval([0.5, 0.5, float("nan")]) == (0.5, 0.5, 0.5)
    assert all(math.isnan(x) for x in t_interval([]))


def test_bootstrap_interval_is_seeded_bca():
    v = np.array([1, 2, 4, 8, 1, 1, 2, 30, 1, 2], float)
    a = bootstrap_interval(v, seed=3, n_resamples=2000)
    b = bootstrap_interval(v, seed=3, n_resamples=2000)
    assert a == b
    ref = stats.bootstrap(
        (v,), np.mean, n_resamples=2000, method="BCa", rng=np.random.default_rng(3)
    )
    assert a[1:] == pytest.approx((ref.confidence_interval.low, ref.confidence_interval.high))
    assert a[0] == v.mean() and a[1] < a[0] < a[2]
    med = bootstrap_interval(v, np.median, n_resamples=500)
    assert med[0] == 2.0
    assert bootstrap_interval([3.0, 3.0, 3.0]) == (3.0, 3.0, 3.0)


def test_auto_interval_names_its_method():
    skewed = [1, 2, 4, 8, 1, 1, 2, 30, 1, 2]
    assert interval(skewed).method == "bootstrap"
    assert interval(skewed[:5]).method == "t"  # too few for a bootstrap
    assert interval([1.0, 2.0, 3.0, 4.0] * 3).method == "t"  # not skewed
    assert interval([1.0]).method == "none"
    assert method_label(["t", "bootstrap", "t"]) == "95% CI: Student's t, BCa bootstrap"
    with pytest.raises(InvalidInputError, match="valid: auto, t, bootstrap"):
        interval(skewed, method="normal")


def test_holm_wilcoxon_matches_manual_holm():
    rng = np.random.default_rng(0)
    base = rng.normal(size=12)
    table = pd.DataFrame({"a": base, "b": base + 0.8 + rng.normal(0, 0.3, 12), "c": base + 0.05})
    p = holm_wilcoxon(table)
    raw = {
        (x, y): stats.wilcoxon(table[x], table[y], method=_scipy_method(table[x], table[y])).pvalue
        for x, y in (("a", "b"), ("a", "c"), ("b", "c"))
    }
    assert wilcoxon_method(table.a, table.b) == "exact"  # distinct differences
    assert wilcoxon_method(table.a, table.c) == "permutation"  # 12 tied differences (all 0.05)
    # Holm step-down: sort ascending, multiply the i-th by (m - i), running max, cap at 1
    keys = sorted(raw, key=raw.get)
    adj, run = {}, 0.0
    for i, k in enumerate(keys):
        run = max(run, min(1.0, (len(keys) - i) * raw[k]))
        adj[k] = run
    for (x, y), want in adj.items():
        assert p.loc[x, y] == pytest.approx(want)
        assert p.loc[y, x] == pytest.approx(want)
    assert p.loc["a", "a"] == 1.0


def test_paired_wilcoxon_and_friedman_are_scipy():
    a, b = [0.7, 0.71, 0.69, 0.72, 0.70], [0.68, 0.7, 0.69, 0.70, 0.66]
    want_p = stats.wilcoxon(a, b, method=_scipy_method(a, b)).pvalue
    assert paired_wilcoxon(a, b) == pytest.approx(want_p)
    assert paired_wilcoxon(a, a) == 1.0
    t = pd.DataFrame({"x": a, "y": b, "z": [0.6, 0.62, 0.6, 0.61, 0.6]})
    want = stats.friedmanchisquare(t.x, t.y, t.z)
    assert friedman(t) == pytest.approx((want.statistic, want.pvalue))
    assert friedman(t[["x", "y"]]) is None


def test_ranks_and_cd_cliques():
    t = pd.DataFrame({"good": [3.0, 3.1, 3.2, 3.3, 3.4, 3.5], "mid": [2.0] * 6, "bad": [1.0] * 6})
    r = average_ranks(t, higher_is_better=True)
    assert r.to_dict() == {"good": 1.0, "mid": 2.0, "bad": 3.0}
    assert average_ranks(t, higher_is_better=False)["good"] == 3.0
    cd = cd_diagram_data(t, True)
    # six seeds, all won: raw p = 0.03125 (exact), Holm x3 -> 0.094: no pair separated
    assert cd["p_values"].loc["good", "bad"] == pytest.approx(3 * 0.03125)
    assert cd["cliques"] == [["good", "mid", "bad"]]


def test_anytime_auc():
    x = np.array([1.0, 2.0, 3.0])
    curves = np.array([[1.0, 1.0, 1.0], [0.0, 0.5, 1.0], [np.nan, 0.0, 1.0]])
    auc = anytime_auc(x, curves, lo=0.0, hi=1.0, higher_is_better=True)
    assert auc == pytest.approx([1.0, 0.5, 0.25])
    # lower is better: 0 is the best end; a not-yet-started point still counts as 0
    auc_min = anytime_auc(x, curves, lo=0.0, hi=1.0, higher_is_better=False)
    assert auc_min == pytest.approx([0.0, 0.5, 0.5])


def test_multiobjective_helpers():
    pts = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.2, 0.2], [0.5, 0.5]])
    front = pareto_front(pts)
    assert front.tolist() == [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    assert reference_point(front).tolist() == pytest.approx([-0.1, -0.1])
    assert front_share(front, np.array([[0.5, 0.5], [0.2, 0.2]])) == (1, pytest.approx(1 / 3))
    with pytest.raises(InvalidInputError, match="no feasible"):
        reference_point(np.empty((0, 2)))


def test_attainment_surface_median_of_three_runs():
    runs = [
        np.array([[0.0, 1.0], [1.0, 0.0]]),
        np.array([[0.5, 0.5]]),
        np.array([[0.2, 0.2]]),
    ]
    best = attainment_surface(runs, level=1 / 3)  # attained by any run: the union front
    assert best.tolist() == [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    # attained by all three: run 1 weakly dominates (0.2, 0) and (0, 0.2) but not (0.2, 0.2)
    worst = attainment_surface(runs, level=1.0)
    assert worst.tolist() == [[0.0, 0.2], [0.2, 0.0]]
    med = attainment_surface(runs, level=0.5)  # by at least 2 of 3
    assert med.tolist() == [[0.0, 0.5], [0.2, 0.2], [0.5, 0.0]]


def _scipy_method(a, b):
    """scipy.stats.wilcoxon's method for what paired_wilcoxon computes (its permutation test is
    scipy's PermutationMethod over all sign flips, just vectorised)."""
    m = wilcoxon_method(a, b)
    return stats.PermutationMethod(n_resamples=2**16) if m == "permutation" else m


def test_wilcoxon_method_rule_and_p_values_match_scipy():
    """exact without ties (n <= 50); the exact permutation p-value with ties or zeros (n <= 16);
    the normal approximation beyond; each p-value equals scipy.stats.wilcoxon's."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=10), rng.normal(size=10)
    assert wilcoxon_method(a, b) == "exact"
    assert paired_wilcoxon(a, b) == pytest.approx(stats.wilcoxon(a, b, method="exact").pvalue)
    tied = b.copy()
    tied[:3] = a[:3]  # three zero differences
    tied[3:6] = a[3:6] + 0.5  # three tied differences
    assert wilcoxon_method(a, tied) == "permutation"
    want = stats.wilcoxon(a, tied, method=stats.PermutationMethod(n_resamples=2**16)).pvalue
    assert paired_wilcoxon(a, tied) == pytest.approx(want)
    assert paired_wilcoxon([1.0, 2.0, 3.0], [1.0, 2.0, 2.5]) == 1.0  # one nonzero difference
    big_a, big_b = rng.normal(size=30).round(1), rng.normal(size=30).round(1)
    assert wilcoxon_method(big_a, big_b) == "asymptotic"
    assert paired_wilcoxon(big_a, big_b) == pytest.approx(
        stats.wilcoxon(big_a, big_b, method="asymptotic").pvalue
    )
