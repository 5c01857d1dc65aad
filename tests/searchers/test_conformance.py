"""The contract every registered searcher meets (searchers/base.py), on nb201, nbgraph and an
open product space of 4^30 members (no index table). A searcher that cannot run on a space
(`searchers._spaces.searchers_for`) must refuse it with a clear error at construction instead.

A new searcher gets these checks for free by being registered; `SearcherConformance` can also be
subclassed with a fixed `searcher_name` to run the suite on one searcher.
"""

from __future__ import annotations

import numpy as np
import pytest

import searchers
from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from searchers._spaces import searchers_for


def objective(archs, k: int = 1) -> np.ndarray:
    """A deterministic synthetic landscape over op ids (higher is better)."""
    ops = np.array([a.ops for a in archs], dtype=float)
    w = np.arange(1, ops.shape[1] + 1, dtype=float)
    f = np.sin(ops @ w) + ops[:, 0] * 0.1
    if k == 1:
        return f
    return np.column_stack([f] + [np.cos(ops @ w * (j + 1)) for j in range(k - 1)])


def make(name, space, seed):
    if name not in searchers_for(space):
        pytest.skip(f"{name} does not run on space {space.name!r} (refusal tested separately)")
    return searchers.create(name, space, seed=seed)


def drive(s, steps: int, batch: int = 1) -> list[Arch]:
    seen = []
    for _ in range(steps):
        archs = s.ask(batch)
        seen.extend(archs)
        s.tell(archs, objective(archs, s.num_objectives))
    return seen


@pytest.mark.parametrize("name", searchers.list())
class TestSearcherConformance:
    def test_ask_returns_n_archs_of_the_space(self, name, space):
        s = make(name, space, 0)
        for n in (1, 3, 5):
            archs = s.ask(n)
            assert len(archs) == n
            for a in archs:
                assert isinstance(a, Arch) and a.space == space.name
                assert space.parse(a) == a  # a member of the space
            s.tell(archs, objective(archs, s.num_objectives))

    def test_same_seed_same_trajectory(self, name, space):
        a = drive(make(name, space, 7), 15, batch=2)
        b = drive(make(name, space, 7), 15, batch=2)
        assert a == b

    def test_tell_accepts_asked_archs_in_any_order(self, name, space):
        s = make(name, space, 1)
        for _ in range(5):
            archs = s.ask(4)
            rev = archs[::-1]
            s.tell(rev, objective(rev, s.num_objectives))
        assert len(s.ask(2)) == 2

    def test_ask_again_before_tell(self, name, space):
        s = make(name, space, 2)
        first = s.ask(3)
        second = s.ask(3)
        both = first + second
        s.tell(both, objective(both, s.num_objectives))
        assert len(s.ask(1)) == 1

    def test_randomness_comes_from_the_seed(self, name, space):
        runs = {seed: drive(make(name, space, seed), 12) for seed in range(3)}
        assert len({tuple(r) for r in runs.values()}) > 1

    def test_refuses_a_space_it_cannot_run_on(self, name, space):
        if name in searchers_for(space):
            pytest.skip(f"{name} runs on space {space.name!r}")
        with pytest.raises(InvalidInputError, match=f"{space.name}.*searchers that work on it"):
            searchers.create(name, space, seed=0)
