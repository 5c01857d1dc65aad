"""Budget accounting and isomorphism in the search loop (searchers.loop.run_search, issue 13):
"per-cell" (default) queries the proposed cell itself and counts each distinct cell; "merge"
answers a cell with its class representative's value and counts each class once."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import benchmarks
import searchers
from nas_core.errors import InvalidInputError
from searchers.base import Searcher
from searchers.loop import ISOMORPHISM, run_search


@pytest.fixture(scope="module")
def analog():
    try:
        return benchmarks.load("analognas")
    except Exception as e:
        pytest.skip(f"analognas benchmark not available: {type(e).__name__}: {e}")


class Script(Searcher):
    """Proposes `archs` in order, then the last one forever; records every value told."""

    def __init__(self, space, archs, seed=0):
        super().__init__(space, seed)
        self.archs, self.i, self.told = list(archs), 0, []

    def ask(self, n=1):
        out = []
        for _ in range(n):
            out.append(self.archs[min(self.i, len(self.archs) - 1)])
            self.i += 1
        return out

    def tell(self, archs, values):
        self.told.extend(np.asarray(values, dtype=float).tolist())


@pytest.fixture(scope="module")
def iso_pair(analog):
    """Two different, isomorphic nb201 cells whose measured accuracies differ."""
    space = analog.space
    vals = np.asarray(analog.query(np.arange(space.size), "baseline_accuracy"), dtype=float)
    canon = space.canonical_indices(np.arange(space.size))
    i = int(np.flatnonzero((canon != np.arange(space.size)) & (vals != vals[canon]))[0])
    a, b = space.from_index(i), space.from_index(int(canon[i]))
    assert a != b and space.canonical(a) == space.canonical(b)
    return a, b, float(vals[i]), float(vals[canon[i]])


def test_per_cell_two_isomorphic_cells_get_their_own_values(analog, iso_pair):
    a, b, va, vb = iso_pair
    s = Script(analog.space, [a, b])
    t = run_search(s, analog, metric="baseline_accuracy", budget=10, max_repeats=5)
    assert va != vb
    assert s.told[:2] == [va, vb]  # the benchmark was queried with each cell itself
    assert len(t) == 2 and t.columns["search"].tolist() == [va, vb]
    assert list(t.columns["arch"]) == [analog.space.to_str(a), analog.space.to_str(b)]
    assert t.repeats == 5  # only the repeats of b itself were free


def test_merge_two_isomorphic_cells_share_one_value(analog, iso_pair):
    a, b, va, vb = iso_pair
    s = Script(analog.space, [a, b])
    t = run_search(
        s, analog, metric="baseline_accuracy", budget=10, max_repeats=5, isomorphism="merge"
    )
    rep = float(analog.query(analog.space.canonical(a), "baseline_accuracy"))
    assert s.told[0] == s.told[1] == rep  # one value for the class: its representative's
    assert len(t) == 1 and t.repeats == 5  # b was free: isomorphic to a, already queried


def test_budget_counts_each_distinct_cell_under_per_cell(analog, iso_pair):
    a, b, _, _ = iso_pair
    other = analog.space.from_index(0)
    # per-cell: a, a (free repeat), b (a new cell) reach a budget of 2
    t = run_search(
        Script(analog.space, [a, a, b, other]), analog, metric="baseline_accuracy", budget=2
    )
    assert t.stop_reason == "budget" and len(t) == 2 and t.repeats == 1 and t.asks == 3
    # merge: b is a repeat of a's class; the budget of 2 is reached only at `other`
    t = run_search(
        Script(analog.space, [a, a, b, other]),
        analog,
        metric="baseline_accuracy",
        budget=2,
        isomorphism="merge",
    )
    assert t.stop_reason == "budget" and len(t) == 2 and t.repeats == 2 and t.asks == 4


def test_unknown_isomorphism_is_one_clear_error(analog):
    with pytest.raises(InvalidInputError, match="per-cell.*merge"):
        run_search(
            searchers.create("rs", analog.space),
            analog,
            metric="baseline_accuracy",
            budget=3,
            isomorphism="canonical",
        )
    assert set(ISOMORPHISM) == {"per-cell", "merge"}


def _digest(t) -> str:
    c = t.columns
    text = repr(list(c["arch"])) + repr(c["search"].tolist()) + repr(c["asks"].tolist())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    "name,seed,digest",
    [("re", 0, "0d64df1e7e0faacf"), ("ls", 3, "a5c4fea9a725a635"), ("rs", 0, "526c178691743316")],
)
def test_merge_reproduces_the_loop_before_per_cell(analog, name, seed, digest):
    """Trajectories the loop gave before isomorphism became an option (it always merged). The
    searchers' defaults at the time: ls with first improvement and one random restart."""
    params = {"neighbourhood": "first_improvement", "restart_samples": 1} if name == "ls" else {}
    s = searchers.create(name, analog.space, seed=seed, **params)
    t = run_search(s, analog, metric="baseline_accuracy", budget=150, isomorphism="merge")
    assert _digest(t) == digest
