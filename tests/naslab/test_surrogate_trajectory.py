"""Optimizer-trajectory fidelity (naslab.surrogate_trajectory) on the embedded analognas table:
the result's structure, exact and deliberately wrong surrogates whose answers are known, the
direction of lower-is-better metrics, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import benchmarks
from benchmarks.surrogate import SurrogateBenchmark, fit_surrogate
from nas_core import spaces
from nas_core.errors import InvalidInputError, UnknownNameError
from naslab.compare import run_seed
from naslab.study_run import make_searcher
from naslab.surrogate_trajectory import (
    DEFAULT_SEARCHERS,
    FIGURE_STEM,
    RUNS_FILE,
    incumbents,
    trajectory_fidelity,
)
from searchers.loop import run_search
from tests.benchmarks.open_bench import OpenFormulaBench

predictors = pytest.importorskip("predictors")

METRIC = "baseline_accuracy"
LOWER = "baseline_drift_60_std"  # lower is better
CHEAP = ("rs", "re", "ls", "tpe")


class Lookup:
    """An exact model (sign=1): it remembers every training value; sign=-1 answers the negated
    value, a surrogate that is perfectly wrong about which architecture is best."""

    def __init__(self, sign: float = 1.0) -> None:
        self.sign = sign
        self.space = spaces.get("nb201")

    def _key(self, a: Any) -> str:
        return self.space.to_str(self.space.parse(a))

    def fit(self, archs: Any, y: Any) -> Lookup:
        self.v = {self._key(a): float(v) for a, v in zip(archs, y, strict=True)}
        return self

    def predict(self, archs: Any) -> np.ndarray:
        return np.array([self.sign * self.v.get(self._key(a), np.nan) for a in archs])


@pytest.fixture(scope="module")
def source() -> benchmarks.Benchmark:
    return benchmarks.load("analognas")


@pytest.fixture(scope="module")
def xgb(source: benchmarks.Benchmark) -> SurrogateBenchmark:
    return fit_surrogate(
        source, None, METRIC, predictors.create("xgb", n_estimators=40), 80, seed=1
    )


def _whole(source: benchmarks.Benchmark, metric: str, sign: float) -> SurrogateBenchmark:
    """A Lookup surrogate fitted on every architecture holding a value of `metric`."""
    n = int(np.isfinite(source.query(source.archs(), metric)).sum())
    return fit_surrogate(source, None, metric, Lookup(sign), n, seed=0)


def test_structure_files_and_per_query_records(
    source: benchmarks.Benchmark, xgb: SurrogateBenchmark, tmp_path: Path
) -> None:
    budget, seeds = 12, 2
    cheap = {"bananas": {"predictor_params": {"epochs": 5}}}  # searcher params reach both sides
    r = trajectory_fidelity(
        source, xgb, None, METRIC, seeds=seeds, budget=budget, out=tmp_path, params=cheap
    )
    json.dumps(r, allow_nan=False)  # JSON-able, undefined numbers as null
    assert list(r["searchers"]) == list(DEFAULT_SEARCHERS)
    assert r["seeds"] == [0, 1] and r["budget"] == budget and r["dataset"] == "cifar10"
    assert r["warnings"] == []  # no default searcher is guided by an XGBoost model
    assert r["figure"] == f"{FIGURE_STEM}.png" and (tmp_path / r["figure"]).is_file()
    for s, e in r["searchers"].items():
        for k in ("source_true", "surrogate_true", "surrogate_reported", "difference"):
            assert e[k]["n"] == seeds and e[k]["lo"] <= e[k]["mean"] <= e[k]["hi"], (s, k)
        assert all(len(c) == budget for c in e["curves"].values())
        d = np.array(e["per_seed"]["surrogate_true"]) - np.array(e["per_seed"]["source_true"])
        assert e["difference"]["mean"] == pytest.approx(d.mean())
        # anytime curves of a higher-is-better table search never go down
        assert np.all(np.diff(e["curves"]["source_true"]) >= 0)
        assert e["curves"]["source_true"][-1] == pytest.approx(e["source_true"]["mean"])
    for k in ("ranking_spearman", "ranking_spearman_true"):
        assert r[k] is None or -1 <= r[k] <= 1
    md = r["markdown"]
    assert md.startswith("## Optimizer-trajectory fidelity") and "Spearman" in md
    assert all(f"| {s} |" in md for s in DEFAULT_SEARCHERS) and r["figure"] in md

    df = pd.read_parquet(tmp_path / RUNS_FILE)
    assert len(df) == 2 * len(DEFAULT_SEARCHERS) * seeds * budget
    sur = df[df.side == "surrogate"]
    # "true" on the surrogate side is the table's value of the arch, "reported" the model's
    np.testing.assert_allclose(sur["true"], source.query(list(sur["arch"]), METRIC), rtol=1e-6)
    np.testing.assert_allclose(sur["reported"], xgb.query(list(sur["arch"]), METRIC), rtol=1e-6)
    for (_, _, _), run in df.groupby(["side", "searcher", "seed"]):
        best = run["incumbent_reported"].to_numpy()
        assert np.allclose(best, np.maximum.accumulate(run["reported"].to_numpy()))


def test_an_exact_surrogate_of_the_whole_table_changes_nothing(
    source: benchmarks.Benchmark,
) -> None:
    exact = _whole(source, METRIC, 1.0)
    r = trajectory_fidelity(source, exact, None, METRIC, searchers=CHEAP, seeds=3, budget=15)
    means = [r["searchers"][s]["source_true"]["mean"] for s in CHEAP]
    assert len(set(means)) > 1  # else the rank correlation below would be undefined
    for e in r["searchers"].values():
        assert e["per_seed"]["surrogate_true"] == e["per_seed"]["source_true"]
        assert e["difference"]["mean"] == 0 and e["overestimate"]["mean"] == 0
        assert e["curves"]["surrogate_true"] == e["curves"]["source_true"]
    assert r["ranking_spearman"] == pytest.approx(1) and r["ranking_spearman_true"] == 1


@pytest.mark.parametrize("metric", [METRIC, LOWER])
def test_a_reversed_surrogate_picks_the_worst_and_direction_is_respected(
    source: benchmarks.Benchmark, metric: str, tmp_path: Path
) -> None:
    """Random search asks the same architectures whatever it is told, so on a surrogate that
    answers -true its incumbent must be the WORST of the archs it saw on the table (the lowest
    for a higher-is-better metric, the highest for a lower-is-better one)."""
    hib = source.metric_info(metric).higher_is_better
    assert hib == (metric == METRIC)
    rev = _whole(source, metric, -1.0)
    r = trajectory_fidelity(
        source, rev, None, metric, searchers=("rs",), seeds=3, budget=20, out=tmp_path
    )
    df = pd.read_parquet(tmp_path / RUNS_FILE)
    e = r["searchers"]["rs"]
    for i, seed in enumerate(r["seeds"]):
        on_table = df[(df.side == "source") & (df.seed == seed)]
        on_sur = df[(df.side == "surrogate") & (df.seed == seed)]
        assert list(on_table.arch) == list(on_sur.arch)  # the same proposals on both
        v = on_table["true"].to_numpy()
        best, worst = (v.max(), v.min()) if hib else (v.min(), v.max())
        assert e["per_seed"]["source_true"][i] == pytest.approx(best)
        assert e["per_seed"]["surrogate_true"][i] == pytest.approx(worst)
        assert e["per_seed"]["surrogate_reported"][i] == pytest.approx(-worst)
    # "difference" is surrogate minus table in the metric's units: worse means lower / higher
    assert (e["difference"]["mean"] < 0) if hib else (e["difference"]["mean"] > 0)
    assert "negative = worse" in r["markdown"] if hib else "positive = worse" in r["markdown"]


def test_incumbents_follow_the_metric_direction() -> None:
    v = np.array([3.0, np.nan, 5.0, 1.0, 5.0, 0.5])
    assert incumbents(v, True).tolist() == [0, 0, 2, 2, 2, 2]  # a tie keeps the first
    assert incumbents(v, False).tolist() == [0, 0, 0, 3, 3, 5]
    assert incumbents(np.array([]), True).tolist() == []


def test_seed_indices_are_the_compare_study_seeds(
    source: benchmarks.Benchmark, xgb: SurrogateBenchmark
) -> None:
    r = trajectory_fidelity(source, xgb, None, METRIC, searchers=("re",), seeds=[4, 2], budget=25)
    assert r["seeds"] == [4, 2]
    for i, seed in enumerate((4, 2)):
        for bench, key in ((source, "source_true"), (xgb, "surrogate_reported")):
            s = make_searcher("re", bench.space, run_seed(0, seed), {}, 0)
            t = run_search(s, bench, metric=METRIC, budget=25)
            assert r["searchers"]["re"]["per_seed"][key][i] == pytest.approx(
                t.columns["best_search"][-1]
            )


def test_bad_input(source: benchmarks.Benchmark, xgb: SurrogateBenchmark) -> None:
    def run(src: Any = source, sur: Any = xgb, **kw: Any) -> Any:
        kw = {"searchers": ("rs",), "seeds": 1, "budget": 3, **kw}
        metric = kw.pop("metric", METRIC)
        return trajectory_fidelity(src, sur, kw.pop("dataset", None), metric, **kw)

    with pytest.raises(InvalidInputError, match="lists no architectures.*finite"):
        run(src=OpenFormulaBench())
    other = SurrogateBenchmark(
        "other", "tnb101-micro", {"cifar10": {METRIC: Lookup()}},
        {"cifar10": {METRIC: source.metric_info(METRIC)}},
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match="space 'tnb101-micro'.*same space"):
        run(sur=other)
    with pytest.raises(InvalidInputError, match="must be a Benchmark"):
        run(sur=Lookup())
    with pytest.raises(UnknownNameError, match="nope"):
        run(searchers=("rs", "nope"))
    with pytest.raises(InvalidInputError, match="multi-objective"):
        run(searchers=("nsga2",))
    with pytest.raises(InvalidInputError, match="listed twice"):
        run(searchers=("rs", "rs"))
    with pytest.raises(UnknownNameError, match="analog_accuracy"):
        run(metric="analog_accuracy")  # the source has it, the surrogate was not fitted on it
    with pytest.raises(UnknownNameError, match="no_such"):
        run(metric="no_such")
    with pytest.raises(UnknownNameError, match="cifar100"):
        run(dataset="cifar100")
    for seeds in (0, [], [1, 1], [-2], "3"):
        with pytest.raises(InvalidInputError, match="seeds"):
            run(seeds=seeds)
    for budget in (0, 2.5, True):
        with pytest.raises(InvalidInputError, match="budget"):
            run(budget=budget)
    with pytest.raises(InvalidInputError, match="workers"):
        run(workers=0)
    with pytest.raises(InvalidInputError, match="format"):
        run(formats=("gif",))
