"""The search loop's rules (searchers/loop.py, re-exported by naslab/runner.py): distinct budget,
clock, search vs report, direction."""

from __future__ import annotations

import numpy as np
import pytest

import benchmarks
import searchers
from nas_core.errors import InvalidInputError
from searchers.base import Searcher
from searchers.loop import run_search


@pytest.fixture(scope="module")
def analog():
    try:
        return benchmarks.load("analognas")
    except Exception as e:
        pytest.skip(f"analognas benchmark not available: {type(e).__name__}: {e}")


@pytest.fixture(scope="module")
def nbgraph():
    try:
        return benchmarks.load("nbgraph")
    except Exception as e:
        pytest.skip(f"nbgraph benchmark not available: {type(e).__name__}: {e}")


class Repeater(Searcher):
    """Asks the same architecture forever (and records what it was told)."""

    def __init__(self, space, seed=0):
        super().__init__(space, seed)
        self.arch = space.sample(self.rng, 1)[0]
        self.told = []

    def ask(self, n=1):
        return [self.arch] * n

    def tell(self, archs, values):
        self.told.extend(np.asarray(values).tolist())


def test_repeats_are_not_charged_and_a_stuck_searcher_stops(analog):
    s = Repeater(analog.space)
    t = run_search(s, analog, metric="baseline_accuracy", budget=10, max_repeats=50)
    assert len(t) == 1 and t.stop_reason == "stalled"
    assert t.repeats == 50 and t.asks == 51
    assert len(set(s.told)) == 1 and len(s.told) == 51  # every ask was told its value


def test_trajectory_columns_and_invariants(analog):
    s = searchers.create("re", analog.space, seed=3)
    t = run_search(s, analog, metric="baseline_accuracy", budget=120)
    c = t.columns
    assert t.stop_reason == "budget" and len(t) == 120
    assert c["step"].tolist() == list(range(1, 121))
    assert len(set(c["arch"])) == 120  # distinct cells (isomorphism "per-cell", the default)
    assert np.all(np.diff(c["best_search"]) >= 0)
    np.testing.assert_allclose(c["best_search"], np.maximum.accumulate(c["search"]))
    np.testing.assert_allclose(c["sim_time"], np.arange(1, 121))  # unit cost per query
    assert (c["asks"][1:] > c["asks"][:-1]).all() and c["asks"][-1] == t.asks
    vals = analog.query([analog.space.parse(a) for a in c["arch"]], "baseline_accuracy")
    np.testing.assert_allclose(c["search"], vals)


def test_merge_counts_distinct_isomorphism_classes(analog):
    s = searchers.create("re", analog.space, seed=3)
    t = run_search(s, analog, metric="baseline_accuracy", budget=120, isomorphism="merge")
    canon = {analog.space.canonical(analog.space.parse(a)) for a in t.columns["arch"]}
    assert len(t) == 120 and len(canon) == 120  # distinct up to isomorphism
    assert t.info["isomorphism"] == "merge"


def test_time_budget_stops_before_crossing(analog):
    s = searchers.create("rs", analog.space, seed=0)
    t = run_search(s, analog, metric="baseline_accuracy", time_budget=7.5)
    assert len(t) == 7 and t.stop_reason == "time_budget"
    assert t.columns["sim_time"][-1] <= 7.5


@pytest.mark.parametrize("budget", [0, -5])
def test_bad_budgets(analog, budget):
    s = searchers.create("rs", analog.space)
    with pytest.raises(InvalidInputError, match="budget"):
        run_search(s, analog, metric="baseline_accuracy", budget=budget)
    with pytest.raises(InvalidInputError, match="time budget"):
        run_search(s, analog, metric="baseline_accuracy", time_budget=float(budget))


def test_same_seed_same_trajectory(analog):
    runs = [
        run_search(
            searchers.create("ls", analog.space, seed=11),
            analog,
            metric="baseline_accuracy",
            budget=80,
        ).columns
        for _ in range(2)
    ]
    for k in runs[0]:
        np.testing.assert_array_equal(runs[0][k], runs[1][k])


def test_search_on_valid_report_test(nbgraph):
    s = searchers.create("re", nbgraph.space, seed=0)
    t = run_search(s, nbgraph, metric="valid_perf", report_metric="test_perf", budget=60)
    c = t.columns
    inc = int(np.argmax(c["search"]))
    assert c["best_search"][-1] == c["search"][inc]
    assert c["best_report"][-1] == c["report"][inc]  # test value of the best-by-validation arch
    archs = [nbgraph.space.parse(a) for a in c["arch"]]
    np.testing.assert_allclose(c["report"], nbgraph.query(archs, "test_perf"))


def test_lower_is_better_metric_is_minimised(nbgraph):
    assert not nbgraph.metric_info("latency").higher_is_better
    s = searchers.create("re", nbgraph.space, seed=0)
    t = run_search(s, nbgraph, metric="latency", budget=100)
    c = t.columns
    np.testing.assert_allclose(c["best_search"], np.minimum.accumulate(c["search"]))
    rs = run_search(searchers.create("rs", nbgraph.space, 0), nbgraph, metric="latency", budget=100)
    assert c["best_search"][-1] <= rs.columns["search"].mean()


def test_multi_objective_runs_record_every_objective(analog):
    s = searchers.create("nsga2", analog.space, seed=0, pop_size=10)
    objs = ("baseline_accuracy", "analog_accuracy")
    t = run_search(s, analog, metric="baseline_accuracy", objectives=objs, budget=50)
    assert len(t) == 50
    for m in objs:
        assert np.isfinite(t.columns[f"obj:{m}"]).all()
    assert len(t.result["archs"]) >= 1
    with pytest.raises(InvalidInputError, match="2 objective"):
        run_search(
            searchers.create("nsga2", analog.space), analog, metric="baseline_accuracy", budget=5
        )


def test_the_loop_lives_in_searchers_and_naslab_re_exports_it():
    import naslab.runner
    import searchers.loop

    for name in ("run_search", "check_budget", "Trajectory"):
        assert getattr(naslab.runner, name) is getattr(searchers.loop, name)
    assert run_search.__module__ == "searchers.loop"
