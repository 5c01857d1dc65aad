"""Noise calibration of surrogates (naslab.surrogate_noise): the statistics on arrays with known
answers, the per-seed comparison on a table built here, and the report on the real analognas
table (which holds one value per architecture, so only the calibration part applies)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import benchmarks
from benchmarks.base import MetricInfo, TabularBenchmark
from benchmarks.store import TableStore
from benchmarks.surrogate import fit_surrogate
from nas_core import spaces
from nas_core.errors import InvalidInputError
from naslab.surrogate_noise import (
    MEAN_ABS_Z_CALIBRATED,
    available_seeds,
    calibration,
    markdown,
    noise_report,
    seed_spread,
    seed_values,
    surrogate_draws,
)

predictors = pytest.importorskip("predictors")


def _normal(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mean = rng.uniform(80, 95, n)
    std = rng.uniform(0.2, 2.0, n)
    return mean, std, mean + std * rng.standard_normal(n)


# --- calibration ------------------------------------------------------------------------------
def test_a_calibrated_distribution_is_consistent() -> None:
    mean, std, truth = _normal(20_000)
    c = calibration(truth, mean, std)
    assert c["n"] == 20_000 and c["n_zero_std"] == 0
    for key, level in (("68", 0.68), ("95", 0.95)):
        cov = c["coverage"][key]
        assert cov["level"] == level and cov["lo"] <= level <= cov["hi"]
        assert abs(cov["value"] - level) < 0.01
    assert c["mean_abs_z"] == pytest.approx(MEAN_ABS_Z_CALIBRATED, abs=0.02)
    assert c["rms_z"] == pytest.approx(1.0, abs=0.02)
    # NLL of a normal: E[log std] + log(2 pi) / 2 + E[z^2] / 2
    assert c["nll"] == pytest.approx(np.log(std).mean() + 0.5 * math.log(2 * math.pi) + 0.5, 0.01)
    assert c["dispersion"] == "consistent"
    assert json.loads(json.dumps(c)) == c


@pytest.mark.parametrize(("scale", "verdict"), [(1 / 3, "under"), (3.0, "over")])
def test_too_narrow_and_too_wide(scale: float, verdict: str) -> None:
    mean, std, truth = _normal(2_000, seed=1)
    c = calibration(truth, mean, std * scale)
    assert c["dispersion"] == verdict
    assert c["rms_z"] == pytest.approx(1 / scale, rel=0.06)  # the std scale that would fit
    if verdict == "under":
        assert c["coverage"]["95"]["hi"] < 0.95 and c["coverage"]["68"]["value"] < 0.4
    else:
        assert c["coverage"]["95"]["lo"] > 0.95 and c["coverage"]["68"]["value"] > 0.95


def test_heavy_tails_are_mixed() -> None:
    """Mostly tiny errors and a tenth huge ones (NAS-Bench-201's untrainable cells look like
    this): the 68% interval covers too much and the 95% one too little."""
    n = 2_000
    z = np.where(np.arange(n) % 10 == 0, 10.0, 0.1)
    c = calibration(z, np.zeros(n), np.ones(n))
    assert c["dispersion_per_level"] == {"68": "over", "95": "under"}
    assert c["dispersion"] == "mixed"
    assert c["coverage"]["68"]["value"] == c["coverage"]["95"]["value"] == pytest.approx(0.9)


def test_known_values_and_zero_std() -> None:
    truth = np.array([1.0, 2.0, 3.0, 10.0])
    mean = np.array([1.5, 2.0, 0.0, 10.0])
    std = np.array([1.0, 1.0, 1.0, 0.0])
    c = calibration(truth, mean, std, levels=(0.68, 0.95))
    # z = -0.5, 0, 3 over the three archs with a std; the fourth has none
    assert c["n"] == 4 and c["n_zero_std"] == 1
    assert c["mean_abs_z"] == pytest.approx(3.5 / 3)
    assert c["rms_z"] == pytest.approx(math.sqrt(9.25 / 3))
    assert c["coverage"]["68"]["value"] == pytest.approx(2 / 3)  # |z| <= 0.994
    assert c["coverage"]["95"]["value"] == pytest.approx(2 / 3)  # |z| <= 1.960
    assert c["coverage"]["95"]["n"] == 3
    assert c["median_abs_error"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1, 2, 3], [1, 2], [1, 1, 1]), {}, "differ in length: 3 vs 2"),
        (([1, 2, np.nan], [1, 2, 3], [1, 1, 1]), {}, "y_true has 1 NaN"),
        (([1, 2, 3], [1, 2, 3], [1, -1, 1]), {}, "std has 1 negative"),
        (([1, 2], [1, 2], [1, 1]), {}, "at least 3 architectures"),
        (([1, 2, 3], [1, 2, 3], [1, 1, 1]), {"levels": (0.5, 1.0)}, r"levels must be .* \(0, 1\)"),
    ],
)
def test_calibration_errors(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        calibration(*args, **kwargs)


# --- the real seed spread: the arithmetic on hand-made arrays ---------------------------------
def test_seed_spread_known_values() -> None:
    vals = np.array([[0.0, 2.0, np.nan], [1.0, 1.0, 4.0], [5.0, np.nan, np.nan]])
    mean, std = np.array([1.0, 2.0, 0.0]), np.array([2.0, 1.0, 1.0])
    draws = np.array([[0.0, 1.0, 9.0], [2.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    s = seed_spread(vals, mean, std, draws)
    assert s["n_archs"] == 2 and s["n_values"] == 5  # the one-seed arch is left out
    real = np.array([np.std([0, 2], ddof=1), np.std([1, 1, 4], ddof=1)])
    assert s["median_real_std"] == pytest.approx(np.median(real))
    assert s["median_std_ratio"] == pytest.approx(np.median([2, 1] / real))
    assert s["rms_std_ratio"] == pytest.approx(math.sqrt(2.5 / np.mean(real**2)))
    # inside mean +- 0.994 std: arch 0 (1 +- 1.99): 0 and 2; arch 1 (2 +- 0.994): none of 1, 1, 4
    assert s["coverage"]["68"]["value"] == pytest.approx(2 / 5)
    # inside mean +- 1.96 std: 0, 2; and 1, 1 of arch 1 (2 +- 1.96), not 4
    assert s["coverage"]["95"]["value"] == pytest.approx(4 / 5)
    # |seed - seed|: arch 0: 2; arch 1: 0, 3, 3.  |draw - draw| on as many draws: 1; 0, 1, 1
    assert s["ks"]["n_seed_diffs"] == 4 and s["ks"]["n_draw_diffs"] == 4
    assert s["ks"]["median_seed_diff"] == 2.5 and s["ks"]["median_draw_diff"] == 1.0
    from scipy import stats

    assert s["ks"]["statistic"] == pytest.approx(
        stats.ks_2samp([1, 0, 1, 1], [2, 0, 3, 3]).statistic
    )


def test_seed_spread_tells_a_matched_from_a_too_wide_noise_model() -> None:
    rng = np.random.default_rng(3)
    n, k = 600, 3
    mean = rng.uniform(85, 94, n)
    sd = rng.uniform(0.1, 1.0, n)  # each arch's real seed-to-seed spread
    vals = mean[:, None] + sd[:, None] * rng.standard_normal((n, k))
    vals[::4, 2] = np.nan  # some archs have only 2 seeds
    matched = mean[:, None] + sd[:, None] * rng.standard_normal((n, k))
    s = seed_spread(vals, mean, sd, matched)
    assert s["ks"]["p_value"] > 0.01 and 0.8 < s["ks"]["median_diff_ratio"] < 1.25
    assert s["spearman_std"] > 0.5 and 0.85 < s["rms_std_ratio"] < 1.15
    assert abs(s["coverage"]["95"]["value"] - 0.95) < 0.03
    wide = mean[:, None] + 3 * sd[:, None] * rng.standard_normal((n, k))
    w = seed_spread(vals, mean, 3 * sd, wide)
    assert w["ks"]["p_value"] < 1e-6 and w["ks"]["median_diff_ratio"] > 2
    assert w["rms_std_ratio"] == pytest.approx(3 * s["rms_std_ratio"])
    assert w["coverage"]["68"]["value"] > 0.95


def test_seed_spread_errors() -> None:
    ok = np.zeros((2, 2))
    with pytest.raises(InvalidInputError, match=r"\(n_archs, n_seeds\)"):
        seed_spread(np.zeros(3), np.zeros(3), np.ones(3), np.zeros((3, 2)))
    with pytest.raises(InvalidInputError, match="2 or more real seed values"):
        seed_spread(np.array([[1.0, np.nan], [2.0, np.nan]]), [0, 0], [1, 1], ok)
    with pytest.raises(InvalidInputError, match="need at least 3"):
        seed_spread(np.zeros((2, 3)), [0, 0], [1, 1], ok)
    with pytest.raises(InvalidInputError, match="draws must be"):
        seed_spread(ok, [0, 0], [1, 1], np.zeros((3, 2)))


# --- on benchmarks ----------------------------------------------------------------------------
METRIC = "acc"
SEEDS = (777, 888, 999)


@pytest.fixture(scope="module")
def seeded_table() -> TabularBenchmark:
    """UNIT-TEST DATA, not a measurement: a 600-cell nb201 table with three per-seed columns
    (`cifar10/acc#777` ...) made from a smooth function of the cell plus a per-cell seed noise,
    to check noise_report's per-seed path end to end. No local real source has per-seed values."""
    sp = spaces.get("nb201")
    rng = np.random.default_rng(0)
    idx = np.sort(rng.choice(sp.size, 600, replace=False))
    x = sp.encode(idx, "onehot")
    w = rng.normal(0, 1.0, x.shape[1])
    base = 85 + x @ w
    sd = 0.2 + 0.8 * rng.random(len(idx))
    per_seed = base[None, :] + sd[None, :] * rng.standard_normal((3, len(idx)))
    per_seed[2, ::3] = np.nan  # a third of the cells trained with two seeds only
    cols = {("cifar10", METRIC, None, s): per_seed[j] for j, s in enumerate(SEEDS)}
    cols[("cifar10", METRIC, None, None)] = np.nanmean(per_seed, axis=0)
    store = TableStore.from_columns("nb201", idx, cols)
    info = MetricInfo(METRIC, "made-up accuracy for a unit test", "%", True, split="test")
    return TabularBenchmark("unit-test-seeds", store, {METRIC: info})


@pytest.fixture(scope="module")
def rf_surrogate(seeded_table: TabularBenchmark) -> benchmarks.Benchmark:
    make = lambda: predictors.create("rf", n_estimators=30)  # noqa: E731
    return fit_surrogate(seeded_table, None, METRIC, make, 300, seed=1)


def test_noise_report_with_per_seed_columns(
    seeded_table: TabularBenchmark, rf_surrogate: benchmarks.Benchmark
) -> None:
    assert available_seeds(seeded_table, METRIC) == list(SEEDS)
    r = noise_report(rf_surrogate, seeded_table, METRIC)
    assert r["n_test"] == 300 and r["seeds"] == list(SEEDS)
    assert r["calibration"]["n"] == 300 and r["seed_spread_note"] == ""
    s = r["seed_spread"]
    train = set(rf_surrogate.train_archs)
    test = [a for a in seeded_table.archs() if seeded_table.space.to_str(a) not in train]
    two = int(np.isnan(seeded_table.query(test, METRIC, seed=999)).sum())  # cells with 2 seeds
    assert 50 < two < 150
    assert s["n_archs"] == 300 and s["n_values"] == 300 * 3 - two
    assert s["ks"]["n_seed_diffs"] == s["ks"]["n_draw_diffs"] == (300 - two) * 3 + two
    mean, std = rf_surrogate.model(METRIC).predict_dist(test)
    assert r["calibration"]["median_std"] == pytest.approx(float(np.median(std)))
    vals = seed_values(seeded_table, test, METRIC, None, SEEDS)
    draws = surrogate_draws(rf_surrogate, test, METRIC, "cifar10", 3)
    assert np.array_equal(draws[:, 1], rf_surrogate.query(test, METRIC, seed=1))
    assert seed_spread(vals, mean, std, draws) == s  # the surrogate's own seed= queries
    assert json.loads(json.dumps(r)) == r
    text = markdown(r)
    assert "## Noise calibration" in text and "### Against the real seed-to-seed spread" in text
    assert "RFPredictor" in text and "Not measured" not in text


def test_noise_report_refuses_training_architectures(
    seeded_table: TabularBenchmark, rf_surrogate: benchmarks.Benchmark
) -> None:
    with pytest.raises(InvalidInputError, match="in the surrogate's training sample"):
        noise_report(rf_surrogate, seeded_table, METRIC, archs=rf_surrogate.train_archs[:5])
    with pytest.raises(InvalidInputError, match="at least 3 held-out"):
        noise_report(rf_surrogate, seeded_table, METRIC, archs=[])


def test_noise_report_without_uncertainty_is_refused(seeded_table: TabularBenchmark) -> None:
    s = fit_surrogate(seeded_table, None, METRIC, predictors.create("ridge"), 50)
    with pytest.raises(InvalidInputError, match="no predictive distribution"):
        noise_report(s, seeded_table, METRIC)


def test_on_analognas_only_the_calibration_applies() -> None:
    """Real data: analognas holds one value per architecture (its *_std columns are drift
    simulations, not training seeds)."""
    src = benchmarks.load("analognas")
    make = lambda: predictors.create("rf", n_estimators=30)  # noqa: E731
    s = fit_surrogate(src, None, "baseline_accuracy", make, 100, seed=0)
    test = src.archs()[::50]
    test = [a for a in test if src.space.to_str(a) not in set(s.train_archs)]
    r = noise_report(s, src, "baseline_accuracy", archs=test)
    assert available_seeds(src, "baseline_accuracy") == []
    assert r["seed_spread"] is None and "no per-seed values" in r["seed_spread_note"]
    c = r["calibration"]
    assert c["n"] == len(test) and c["dispersion"] in ("under", "over", "consistent")
    assert 0 < c["coverage"]["68"]["value"] <= c["coverage"]["95"]["value"] <= 1
    text = markdown([r, r])
    assert text.count("| RFPredictor |") == 2 and "Not measured: 'analognas' holds" in text
