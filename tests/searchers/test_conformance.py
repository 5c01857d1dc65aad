"""The contract every registered searcher meets (searchers/base.py), on every registered space
(nb201, nbgraph, nb101, darts, tnb101-micro, tnb101-macro, ...) and an open product space of 4^30
members (no index table). A searcher that cannot run on a space
(`searchers._spaces.searchers_for`) must refuse it with a clear error at construction instead.

A new searcher gets these checks for free by being registered; `SearcherConformance` can also be
subclassed with a fixed `searcher_name` to run the suite on one searcher.
"""

from __future__ import annotations

import numpy as np
import pytest

import searchers
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError
from searchers import registry
from searchers._spaces import MAX_REDRAWS, searchers_for
from tests.nas_core.open_space import OpenProductSpace

#: Smaller settings on open spaces, where a default sized for a study makes a contract check slow:
#: weaknas ranks 20,000 freshly sampled architectures per refit when it cannot rank the whole
#: space, and bananas trains 5 networks on darts' 11,200 path features.
OPEN_SPACE_PARAMS = {"weaknas": {"pool": 500}, "bananas": {"predictor_params": {"epochs": 10}}}
CATEGORICAL = [n for n in searchers.list() if getattr(registry.get(n), "needs_choices", False)]


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
    params = OPEN_SPACE_PARAMS.get(name, {}) if space.size is None else {}
    return searchers.create(name, space, seed=seed, **params)


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


def test_every_searcher_runs_on_every_registered_space():
    """Issue 15's promise: no registered searcher refuses a registered space."""
    for sp in spaces.names():
        assert searchers_for(spaces.get(sp)) == registry.list(), sp


def test_a_searcher_refuses_a_space_it_cannot_run_on():
    """Where `searchers_for` leaves a searcher out (a space without a categorical view), creating
    it there is one error naming the space and the searchers that work on it."""
    from tests.nas_core.open_space import UnorderedSpace

    space = UnorderedSpace()
    refused = [n for n in registry.list() if n not in searchers_for(space)]
    assert refused  # tpe, reinforce, nsga2 need a categorical view
    for name in refused:
        with pytest.raises(InvalidInputError, match=f"{space.name}.*searchers that work on it"):
            searchers.create(name, space, seed=0)


class _NoMemberView(OpenProductSpace):
    """The open product space with a categorical view that holds no member at all: a model can
    only propose non-members. Counts the proposals, and fails (rather than hangs) past a bound."""

    def __init__(self) -> None:
        self.proposals = 0

    def from_choices(self, values):
        self.proposals += 1
        assert self.proposals < 100 * MAX_REDRAWS, "the searcher keeps redrawing"
        raise InvalidArchError("no member has these choices")


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_searchers_never_spin_on_a_view_without_members(name):
    sp = _NoMemberView()
    s = searchers.create(name, sp, seed=0)
    asked = []
    for _ in range(6):
        archs = s.ask(2)
        assert len(archs) == 2 and all(sp.parse(a) == a for a in archs)
        s.tell(archs, objective(archs, s.num_objectives))
        asked += archs
    assert sp.proposals > 0 and len(set(asked)) > 1  # random members stand in


def _cell_score(space, archs) -> np.ndarray:
    """A synthetic nb101 landscape: conv3x3 vertices and edges of the pruned cell count."""
    out = []
    for a in archs:
        m, ops = space.spec(a)
        out.append(ops.count("conv3x3-bn-relu") + 0.3 * m.sum() - 0.1 * len(ops))
    return np.array(out)


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_searchers_make_progress_on_nb101(name):
    """nb101's view (21 edge bits, 5 ops) holds ~26% non-cells: the searchers still learn."""
    sp = spaces.get("nb101")
    s = searchers.create(name, sp, seed=0)
    values = []
    for _ in range(150):
        a = s.ask(1)
        v = _cell_score(sp, a)
        s.tell(
            a,
            v
            if s.num_objectives == 1
            else np.column_stack([v, np.zeros((1, s.num_objectives - 1))]),
        )
        values.append(float(v[0]))
    assert np.mean(values[-30:]) > np.mean(values[:30]) + 0.5
