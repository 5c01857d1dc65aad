"""The surrogate audit's statistics: known values on hand-made arrays, CIs, the lower-is-better
direction, and the train/test splits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from naslab.surrogate_audit import (
    METRICS,
    fit_quality,
    region_predicate,
    sparse_kendall_tau,
    splits,
    top_kendall_tau,
)


def values(q: dict) -> dict[str, float]:
    return {k: v["value"] for k, v in q.items()}


def test_perfect_prediction() -> None:
    y = np.linspace(80.0, 94.0, 50)
    q = fit_quality(y, y, resamples=50)
    assert set(q) == set(METRICS)
    v = values(q)
    assert v["r2"] == pytest.approx(1.0)
    assert v["mae"] == pytest.approx(0.0)
    for m in ("kendall_tau", "spearman_rho", "top10_kendall_tau", "precision_at_5pct"):
        assert v[m] == pytest.approx(1.0), m


def test_reversed_prediction() -> None:
    y = np.arange(40.0)
    v = values(fit_quality(y, -y, resamples=20))
    assert v["kendall_tau"] == pytest.approx(-1.0)
    assert v["spearman_rho"] == pytest.approx(-1.0)
    assert v["top10_kendall_tau"] == pytest.approx(-1.0)
    assert v["precision_at_5pct"] == 0.0
    assert v["r2"] < 0


def test_sparse_tau_rounds_predictions_to_a_tenth() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([90.01, 90.04, 90.21, 90.26])  # rounded: 90.0 90.0 90.2 90.3 (one tied pair)
    # tau-b: 5 concordant, 0 discordant, 1 pair tied in the predictions only
    assert sparse_kendall_tau(y, pred) == pytest.approx(5 / math.sqrt(6 * 5))
    assert sparse_kendall_tau(y, pred, decimals=2) == pytest.approx(1.0)
    v = values(fit_quality(y, pred, resamples=10))
    assert v["kendall_tau"] == pytest.approx(1.0)
    assert v["sparse_kendall_tau"] == pytest.approx(5 / math.sqrt(30))


def test_top10_tau_by_hand() -> None:
    y = np.arange(30.0)  # true top 10%: positions 27, 28, 29
    pred = y.copy()
    pred[27], pred[28], pred[29] = 5.0, 3.0, 4.0
    # (27,28) and (27,29) discordant, (28,29) concordant: (1 - 2) / 3
    assert top_kendall_tau(y, pred) == pytest.approx(-1 / 3)
    assert fit_quality(y, pred, resamples=10)["top10_kendall_tau"]["value"] == pytest.approx(-1 / 3)


def test_top10_tau_undefined_on_few_archs() -> None:
    q = fit_quality([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 3.0], resamples=10)
    assert math.isnan(q["top10_kendall_tau"]["value"])
    assert math.isnan(q["top10_kendall_tau"]["lo"])


def test_precision_at_5pct_by_hand() -> None:
    y = np.arange(40.0)  # k = 2: the true top two are 38 and 39
    pred = y.copy()
    pred[0] = 100.0  # predicted top two: 0 and 39
    assert fit_quality(y, pred, resamples=10)["precision_at_5pct"]["value"] == 0.5


def test_lower_is_better_takes_the_low_end() -> None:
    y = np.arange(40.0)
    pred = y.copy()
    pred[:4] = pred[:4][::-1]  # the low end scrambled, the high end exact
    hi = values(fit_quality(y, pred, resamples=10))
    lo = values(fit_quality(y, pred, higher_is_better=False, resamples=10))
    assert hi["precision_at_5pct"] == 1.0 and lo["precision_at_5pct"] == 0.0
    assert hi["top10_kendall_tau"] == pytest.approx(1.0)
    assert lo["top10_kendall_tau"] == pytest.approx(-1.0)
    for m in ("r2", "mae", "kendall_tau", "spearman_rho", "sparse_kendall_tau"):
        assert lo[m] == pytest.approx(hi[m]), m


def test_ci_contains_the_estimate_on_noisy_data() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(90, 2, 400)
    pred = y + rng.normal(0, 1.5, 400)
    q = fit_quality(y, pred, resamples=200, seed=3)
    for m, e in q.items():
        assert e["lo"] <= e["value"] <= e["hi"], m
        assert e["lo"] < e["hi"], m
    assert 0.5 < q["kendall_tau"]["value"] < 0.9
    assert q == fit_quality(y, pred, resamples=200, seed=3)  # seeded


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_one_clear_error(bad: float) -> None:
    y = np.arange(10.0)
    pred = y.copy()
    pred[3] = bad
    with pytest.raises(InvalidInputError, match="y_pred 1 NaN/inf"):
        fit_quality(y, pred)
    with pytest.raises(InvalidInputError, match="y_true has 1"):
        fit_quality(pred, y)


def test_length_mismatch_and_too_few() -> None:
    with pytest.raises(InvalidInputError, match="differ in length"):
        fit_quality([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="at least 3"):
        fit_quality([1.0, 2.0], [1.0, 2.0])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(-50, 50), min_size=5, max_size=40),
    st.integers(0, 10_000),
)
def test_tau_rho_bounded_and_invariant_to_monotone_transforms(xs: list[int], seed: int) -> None:
    y = np.asarray(xs, dtype=float)
    pred = np.random.default_rng(seed).permutation(y) + 0.5 * np.arange(y.size) % 3
    a = values(fit_quality(y, pred, resamples=5))
    b = values(fit_quality(y, pred**3 + 7 * pred, resamples=5))  # strictly increasing
    for m in ("kendall_tau", "spearman_rho", "precision_at_5pct"):
        if math.isnan(a[m]):
            assert math.isnan(b[m])
            continue
        assert -1.0 - 1e-12 <= a[m] <= 1.0 + 1e-12
        assert b[m] == pytest.approx(a[m], abs=1e-12), m


# ----------------------------------------------------------------------------------------------
# splits


def nb201_archs(n: int = 300) -> list[Arch]:
    space = spaces.get("nb201")
    idx = np.random.default_rng(0).choice(space.size, n, replace=False)
    return [space.from_index(int(i)) for i in idx]


def test_random_split_sizes_disjoint_deterministic() -> None:
    y = np.random.default_rng(0).normal(size=100)
    archs = list(range(100))
    tr, te = splits(archs, y, "random", train_size=30, seed=4)
    assert tr.size == 30 and te.size == 70
    assert np.intersect1d(tr, te).size == 0
    assert np.array_equal(np.union1d(tr, te), np.arange(100))
    tr2, te2 = splits(archs, y, "random", train_size=30, seed=4)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    assert not np.array_equal(tr, splits(archs, y, "random", train_size=30, seed=5)[0])
    assert splits(archs, y, "random")[0].size == 80  # default 80% train
    assert splits(archs, y, "random", train_size=0.25)[0].size == 25


@pytest.mark.parametrize("higher", [True, False])
def test_top_split_holds_out_the_best_tenth(higher: bool) -> None:
    y = np.random.default_rng(2).permutation(200).astype(float)
    tr, te = splits(list(range(200)), y, "top", higher_is_better=higher)
    assert te.size == 20 and tr.size == 180
    best = np.argsort(-y if higher else y)[:20]
    assert set(te) == set(best)
    assert np.intersect1d(tr, te).size == 0
    tr_small, te_small = splits(list(range(200)), y, "top", train_size=50, seed=1)
    assert tr_small.size == 50 and te_small.size == 20  # test stays the held-out set only


def test_region_split_named_and_callable() -> None:
    archs = nb201_archs()
    y = np.zeros(len(archs))
    tr, te = splits(archs, y, "region", region="nb201:nor_conv_3x3>=2")
    conv3 = np.array([a.ops.count(2) for a in archs])
    assert set(te) == set(np.flatnonzero(conv3 >= 2))
    assert set(tr) == set(np.flatnonzero(conv3 < 2))
    tr_c, te_c = splits(archs, y, "region", region=lambda a: a.ops.count(2) >= 2)
    assert np.array_equal(te, te_c) and np.array_equal(tr, tr_c)


def test_nbgraph_named_region_reads_ops_not_the_link() -> None:
    pred = region_predicate("nbgraph:gat>=2")  # gat is op 0, the same id as link pattern 0
    assert pred(Arch("nbgraph", (0, 0, 0, 7, 7)))
    assert not pred(Arch("nbgraph", (0, 0, 7, 7, 7)))
    assert region_predicate("nbgraph:fc==0")(Arch("nbgraph", (3, 0, 1, 2, 4)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "sideways"}, "unknown split kind 'sideways'; valid: random, top, region"),
        ({"kind": "random", "train_size": 500}, "exceeds the 300"),
        ({"kind": "random", "train_size": 295}, "leaves 295 train and 5 test"),
        ({"kind": "random", "train_size": -3}, "train_size must be"),
        ({"kind": "region"}, "needs region="),
        ({"kind": "region", "region": "nb201:nor_conv_3x3>=7"}, "leaves 300 train and 0 test"),
        ({"kind": "region", "region": "nb201:conv>=2"}, "unknown op 'conv'; valid: skip_connect"),
        ({"kind": "region", "region": "nb201 conv"}, "not of the form SPACE:OP>=K"),
        ({"kind": "region", "region": "nb999:conv>=2"}, "got 'nb999'; pass a callable"),
        ({"kind": "region", "region": "tnb101:nor_conv_3x3>=2"}, "got an architecture of 'nb201'"),
        ({"kind": "top", "top_fraction": 1.5}, "top_fraction must be in"),
    ],
)
def test_split_refusals(kwargs: dict, match: str) -> None:
    archs = nb201_archs()
    with pytest.raises(InvalidInputError, match=match):
        splits(archs, np.arange(300.0), **kwargs)


def test_split_length_mismatch() -> None:
    with pytest.raises(InvalidInputError, match="differ in length: 3 vs 2"):
        splits([1, 2, 3], [0.0, 1.0], "random")


def test_region_split_on_a_feature_table() -> None:
    import pandas as pd

    table = pd.DataFrame({"params": np.arange(100) % 10, "flops": np.arange(100.0)})
    tr, te = splits(table, np.zeros(100), "region", region=lambda row: row["params"] >= 8)
    assert set(te) == set(np.flatnonzero(table["params"].to_numpy() >= 8))
    assert tr.size == 80 and te.size == 20


def test_constant_predictions_give_nan_not_an_error() -> None:
    q = fit_quality(np.arange(50.0), np.full(50, 3.0), resamples=10)
    assert math.isnan(q["kendall_tau"]["value"]) and math.isnan(q["kendall_tau"]["hi"])
    assert q["mae"]["value"] == pytest.approx(np.mean(np.abs(np.arange(50.0) - 3.0)))


# ----------------------------------------------------------------------------------------------
# named regions of the other spaces


def test_tnb101_micro_region_counts_cell_edges_and_takes_the_short_name() -> None:
    arch = Arch("tnb101-micro", (3, 3, 3, 0, 1, 2))  # 3x conv3x3, one none, skip, conv1x1
    assert region_predicate("tnb101:nor_conv_3x3>=3")(arch)
    assert not region_predicate("tnb101-micro:nor_conv_3x3>=4")(arch)
    assert region_predicate("tnb101:none==1")(arch)
    assert region_predicate("tnb101:skip_connect<=1")(arch)


def test_tnb101_micro_region_split_over_the_whole_space() -> None:
    space = spaces.get("tnb101-micro")
    archs = space.all_archs()
    tr, te = splits(archs, np.zeros(len(archs)), "region", region="tnb101:nor_conv_3x3>=3")
    conv3 = (space.op_rows(archs) == 3).sum(axis=1)  # op id 3 = nor_conv_3x3
    assert set(te) == set(np.flatnonzero(conv3 >= 3)) and te.size + tr.size == 4096
    # 6 edges, 4 ops each: P(>= 3 of 6 edges conv3x3) = 1 - sum_{j<3} C(6,j) 3^(6-j) / 4^6
    assert te.size == 4096 - (3**6 + 6 * 3**5 + 15 * 3**4)


def test_tnb101_macro_region_counts_module_codes() -> None:
    arch = Arch("tnb101-macro", (1, 2, 4, 2, 0, 0))  # 4 modules: 2 padding slots
    assert region_predicate("tnb101-macro:empty==2")(arch)
    assert region_predicate("tnb101-macro:double_channels>=2")(arch)
    assert not region_predicate("tnb101-macro:downsample>=1")(arch)


def test_nb101_region_counts_the_pruned_cell_not_padding() -> None:
    space = spaces.get("nb101")
    matrix = [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0] * 5]
    ops = ["input", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"]
    arch = space.parse((matrix, ops))  # the maxpool vertex reaches no output: pruned
    assert region_predicate("nb101:conv3x3-bn-relu==2")(arch)
    # padding vertices carry maxpool3x3's id in Arch.ops; they are not counted
    assert region_predicate("nb101:maxpool3x3==0")(arch)
    assert region_predicate("nb101:conv1x1-bn-relu<=0")(arch)
    with pytest.raises(InvalidInputError, match="unknown op 'input'; valid: maxpool3x3"):
        region_predicate("nb101:input>=1")


def test_darts_region_counts_both_cells() -> None:
    normal = [
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("sep_conv_3x3", 2),
        ("max_pool_3x3", 0),
        ("dil_conv_3x3", 1),
        ("sep_conv_5x5", 3),
        ("avg_pool_3x3", 4),
    ]
    reduce = [
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("sep_conv_3x3", 0),
        ("skip_connect", 2),
        ("max_pool_3x3", 0),
        ("dil_conv_5x5", 3),
        ("skip_connect", 2),
        ("sep_conv_3x3", 4),
    ]
    arch = spaces.get("darts").parse({"normal": normal, "reduce": reduce})
    assert region_predicate("darts:sep_conv_3x3==5")(arch)  # 3 normal + 2 reduction
    assert region_predicate("darts:max_pool_3x3==4")(arch)  # 1 normal + 3 reduction
    assert not region_predicate("darts:dil_conv_5x5>=2")(arch)


def test_region_refuses_an_arch_of_another_space() -> None:
    with pytest.raises(InvalidInputError, match="counts ops of space 'tnb101-micro'"):
        region_predicate("tnb101:nor_conv_3x3>=1")(Arch("nb201", (2, 2, 2, 2, 2, 2)))
