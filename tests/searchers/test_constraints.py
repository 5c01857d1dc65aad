"""Constraints and signed objectives (searchers.constraints) and how run_search applies them."""

from __future__ import annotations

import numpy as np
import pytest

import benchmarks
import searchers
from nas_core.errors import InvalidInputError, UnknownNameError
from searchers.constraints import Constraint, parse_constraints, parse_objectives
from searchers.loop import run_search
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def analog():
    return benchmarks.load("analognas")


@pytest.fixture(scope="module")
def hw(analog):
    lat = benchmarks.load(
        "table",
        path=shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv"),
        preset="nb201-latency",
    )
    return benchmarks.join(analog, lat)


def test_parse_and_format():
    c = Constraint.parse(" latency_pixel3 <= 10 ")
    assert (c.metric, c.op, c.bound) == ("latency_pixel3", "<=", 10.0)
    assert str(c) == "latency_pixel3<=10"
    assert str(Constraint.parse("params>=0.125")) == "params>=0.125"
    assert c.violation(9.0) == 0 and c.violation(15.0) == pytest.approx(0.5)
    assert Constraint.parse("a>=2").violation(1.0) == pytest.approx(0.5)
    assert c.violation(float("nan")) == 1.0


@pytest.mark.parametrize("bad", ["latency<10", "latency<=", "<=3", "latency<=abc", "x<=inf", ""])
def test_bad_syntax_is_one_clear_error(bad):
    with pytest.raises(InvalidInputError, match="METRIC<=VALUE or METRIC>=VALUE"):
        Constraint.parse(bad)


def test_unknown_metric_names_the_valid_ones(analog):
    with pytest.raises(UnknownNameError, match="Did you mean 'baseline_accuracy'.*Valid:"):
        parse_constraints(["baseline_acuracy>=80"], analog)
    with pytest.raises(InvalidInputError, match="bounded twice"):
        parse_constraints(["baseline_accuracy>=80", "baseline_accuracy>=90"], analog)


def test_signed_objectives(hw):
    assert parse_objectives(["baseline_accuracy", "-latency_pixel3"], hw) == (
        "baseline_accuracy",
        "latency_pixel3",
    )
    assert parse_objectives(["+baseline_accuracy", "latency_pixel3"], hw)[0] == "baseline_accuracy"
    with pytest.raises(InvalidInputError, match="latency_pixel3 is lower-is-better; write"):
        parse_objectives(["baseline_accuracy", "+latency_pixel3"], hw)
    with pytest.raises(InvalidInputError, match="baseline_accuracy is higher-is-better"):
        parse_objectives(["-baseline_accuracy"], hw)
    with pytest.raises(InvalidInputError, match="listed twice"):
        parse_objectives(["baseline_accuracy", "+baseline_accuracy"], hw)


class Recorder(searchers.Searcher):
    """Random search that records the values it is told."""

    def __init__(self, space, seed=0):
        super().__init__(space, seed)
        self.told: list[float] = []

    def ask(self, n=1):
        return self.space.sample(self.rng, n)

    def tell(self, archs, values):
        self.told.extend(np.asarray(values, float).tolist())


def test_incumbent_never_violates_and_infeasible_queries_are_charged(hw):
    s = Recorder(hw.space, seed=3)
    t = run_search(
        s,
        hw,
        metric="baseline_accuracy",
        budget=120,
        constraints=("latency_pixel3<=6",),
    )
    c = t.columns
    feas = c["feasible"]
    assert len(t) == 120 and 0 < feas.sum() < 120  # the bound binds, some archs satisfy it
    assert np.array_equal(feas, c["con:latency_pixel3"] <= 6)
    # every query is charged, feasible or not
    np.testing.assert_allclose(
        c["sim_time"], np.cumsum(hw.cost(list(map(hw.space.parse, c["arch"]))))
    )
    first = int(np.argmax(feas))
    assert np.isnan(c["best_search"][:first]).all()
    best = c["best_search"][first:]
    assert not np.isnan(best).any() and (np.diff(best) >= 0).all()
    # the incumbent is a feasible arch: its value is the max over feasible queries so far
    for i in range(first, len(t)):
        assert best[i - first] == c["search"][: i + 1][feas[: i + 1]].max()
    # unconstrained, the incumbent would have been an infeasible arch here
    assert c["search"].max() > best[-1]
    # infeasible archs are told a finite penalty below every value told before them
    told = np.asarray(s.told)
    for i in np.flatnonzero(~feas):
        assert np.isfinite(told[i]) and told[i] < c["search"][: i + 1].min()
    np.testing.assert_array_equal(told[feas], c["search"][feas])


def test_time_budget_counts_infeasible_queries(hw):
    budget = 5000.0
    t = run_search(
        Recorder(hw.space, seed=1),
        hw,
        metric="baseline_accuracy",
        time_budget=budget,
        constraints=("latency_pixel3<=6",),
    )
    assert t.stop_reason == "time_budget"
    c = t.columns
    assert (~c["feasible"]).any()
    assert c["sim_time"][-1] <= budget and c["sim_time"][-1] == pytest.approx(c["cost"].sum())


def test_nsga2_with_a_constraint_keeps_infeasible_points_off_its_front(hw):
    s = searchers.create("nsga2", hw.space, seed=0, num_objectives=2, pop_size=10)
    t = run_search(
        s,
        hw,
        metric="baseline_accuracy",
        objectives=("baseline_accuracy", "latency_pixel3"),
        budget=80,
        constraints=("latency_pixel3<=10",),
    )
    c = t.columns
    assert c["feasible"].any() and {"obj:latency_pixel3", "con:latency_pixel3"} <= set(c)
    assert (c["con:latency_pixel3"][c["feasible"]] <= 10).all()


def test_any_text_parses_or_is_one_invalid_input_error():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, derandomize=True, deadline=None)
    @given(st.one_of(st.text(), st.from_regex(r"\s*[a-z_]\w*\s*(<=|>=|<|=)\s*\S*\s*")))
    def check(text):
        try:
            c = Constraint.parse(text)
        except InvalidInputError:
            return
        assert Constraint.parse(str(c)) == c  # the normal form reads back the same

    check()
