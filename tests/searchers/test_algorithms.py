"""Behaviour of each built-in searcher against what its paper describes."""

from __future__ import annotations

import numpy as np
import pytest

import searchers
from nas_core import spaces
from nas_core.errors import InvalidInputError, NaslabError, UnknownNameError
from nas_core.metrics import hypervolume, pareto_mask
from nas_core.spaces.base import derive_choices
from searchers._spaces import choices, searchers_for
from searchers.base import Searcher
from tests.searchers.conftest import get_space

NB201 = spaces.get("nb201")


def hamming(a, b) -> int:
    return sum(x != y for x, y in zip(a.ops, b.ops, strict=True))


def test_registry_lists_the_builtins():
    assert {"rs", "re", "ls", "reinforce", "tpe", "nsga2"} <= set(searchers.list())


def test_unknown_searcher_names_valid_choices():
    with pytest.raises(UnknownNameError, match="Did you mean 're'.*Valid: .*rs"):
        searchers.create("ree", "nb201")


def test_unknown_parameter_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="population_size=10"):
        searchers.create("re", "nb201", popsize=3)


def test_duplicate_registration_raises():
    with pytest.raises(NaslabError, match="already registered"):

        @searchers.register_searcher("rs")
        class Again(Searcher):  # pragma: no cover - never instantiated
            def ask(self, n=1):
                return []

            def tell(self, archs, values):
                pass


def test_choices_come_from_the_space():
    assert choices(NB201) == NB201.choices() == (5,) * 6
    assert derive_choices(NB201) == (5,) * 6  # the author's helper agrees on a product space


def test_nbgraph_choices_match_the_space():
    sp = get_space("nbgraph")
    assert choices(sp) == derive_choices(sp) == (9,) * 5


def test_searchers_keep_no_table_of_spaces():
    """What a searcher needs comes from the space's own methods, not from its name."""
    import searchers._spaces as sp_mod

    assert not any(isinstance(v, dict) for k, v in vars(sp_mod).items() if not k.startswith("__"))


@pytest.mark.parametrize("name", ["tpe", "reinforce", "nsga2"])
def test_categorical_searchers_refuse_a_space_without_choices(name):
    from tests.nas_core.open_space import UnorderedSpace

    with pytest.raises(InvalidInputError) as e:
        searchers.create(name, UnorderedSpace(), seed=0)
    msg = str(e.value)
    assert f"searcher {name!r}" in msg and "'test-unordered'" in msg
    working = msg.split("searchers that work on it: ")[1].split(", ")
    assert {"rs", "re", "ls"} <= set(working) and name not in working


@pytest.mark.parametrize("name", ["rs", "re", "ls"])
def test_generic_searchers_run_on_a_space_without_choices(name):
    from tests.nas_core.open_space import UnorderedSpace

    sp = UnorderedSpace()
    assert name in searchers_for(sp)
    s = searchers.create(name, sp, seed=0)
    for _ in range(5):
        archs = s.ask(4)
        assert all(a.space == "test-unordered" and sp.parse(a) == a for a in archs)
        s.tell(archs, np.array([sum(a.ops) for a in archs], dtype=float))


@pytest.mark.parametrize("name", ["bananas", "npenas", "gp_bo", "weaknas"])
def test_predictor_guided_searchers_fit_their_predictor_on_an_open_space(name):
    from tests.nas_core.open_space import OpenProductSpace

    sp = OpenProductSpace()  # no index table, no path encoding (bananas falls back to onehot)
    assert name in searchers_for(sp)
    s = searchers.create(name, sp, seed=0, initial=6, refit_every=4)
    for _ in range(4):
        archs = s.ask(4)
        assert all(sp.parse(a) == a for a in archs)
        s.tell(archs, np.array([sum(a.ops) for a in archs], dtype=float))
    assert s.result()["fits"] >= 2


def test_regularized_evolution_ages_out_the_oldest():
    s = searchers.create("re", NB201, seed=0, population_size=5, sample_size=2)
    first = s.ask(5)
    s.tell(first, np.arange(5.0))
    assert [a for _, a in s.population] == first
    for _ in range(3):
        child = s.ask(1)
        # a child is one edge away from some member of the population
        assert any(hamming(child[0], a) == 1 for _, a in s.population)
        s.tell(child, [100.0])
    assert len(s.population) == 5
    assert [a for _, a in s.population][:2] == first[3:]  # the three oldest died


def test_regularized_evolution_rejects_bad_sizes():
    with pytest.raises(InvalidInputError, match="population_size"):
        searchers.create("re", NB201, population_size=0)


def test_local_search_climbs_to_the_optimum_of_a_unimodal_landscape():
    target = np.array([2, 3, 2, 4, 0, 2])
    s = searchers.create("ls", NB201, seed=3)
    best, visited = -np.inf, set()
    for _ in range(400):
        (a,) = s.ask(1)
        v = -float(np.abs(np.array(a.ops) - target).sum())
        best = max(best, v)
        s.tell([a], [v])
        if s.current is not None:
            visited.add(s.current.ops)
    assert best == 0.0
    assert tuple(target) in visited  # it climbed there (and restarted from the optimum)


def test_local_search_walks_neighbourhoods_and_restarts():
    s = searchers.create("ls", NB201, seed=0, num_init=3)
    init = s.ask(3)
    s.tell(init, [1.0, 3.0, 2.0])
    assert s.current == init[1]
    nbrs = s.ask(24)  # the whole neighbourhood of the current arch
    assert set(nbrs) == set(NB201.neighbours(init[1]))
    s.tell(nbrs, np.zeros(24))  # none better: local optimum
    (restart,) = s.ask(1)  # a random architecture (restart_samples=1)
    assert s.restarts == 1 and restart not in nbrs
    s.tell([restart], [0.5])
    assert s.current == restart


def test_reinforce_learns_a_rewarded_op():
    s = searchers.create("reinforce", NB201, seed=0, learning_rate=0.05)
    before = s.probabilities()[0, 2]
    for _ in range(300):
        archs = s.ask(1)
        s.tell(archs, [1.0 if archs[0].ops[0] == 2 else 0.0])
    after = s.probabilities()[0, 2]
    assert before == pytest.approx(0.2)
    assert after > 0.6
    np.testing.assert_allclose(s.probabilities().sum(axis=1), 1.0)


@pytest.mark.parametrize("engine", ["rustuna", "optuna"])
def test_tpe_replaces_repeats_with_new_archs(engine):
    s = searchers.create("tpe", NB201, seed=0, n_startup_trials=5, engine=engine)
    seen = set()
    for _ in range(60):
        (a,) = s.ask(1)
        key = NB201.canonical(a)
        assert key not in seen  # never proposes an isomorphic repeat while mutations remain
        seen.add(key)
        s.tell([a], [float(a.ops[0] == 2) + 0.01 * a.ops[1]])
    assert s.n_trials >= 60


@pytest.mark.parametrize("engine", ["rustuna", "optuna"])
def test_tpe_learns_a_rewarded_op(engine):
    """Both engines run TPE: after 20 random start-up trials they propose the rewarded op far
    more often than chance (1 in 5)."""
    s = searchers.create("tpe", NB201, seed=3, n_startup_trials=20, engine=engine)
    late = []
    for step in range(120):
        (a,) = s.ask(1)
        s.tell([a], [float(a.ops[3] == 1) + 0.05 * a.ops[5]])
        if step >= 60:
            late.append(a.ops[3] == 1)
    assert np.mean(late) > 0.5


@pytest.mark.parametrize("engine", ["rustuna", "optuna"])
def test_tpe_same_seed_same_trajectory_per_engine(engine):
    def run(seed):
        s = searchers.create("tpe", NB201, seed=seed, engine=engine, n_startup_trials=4)
        out = []
        for _ in range(25):
            archs = s.ask(2)
            out += archs
            s.tell(archs, [a.ops[0] - 0.1 * a.ops[2] for a in archs])
        return out

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_tpe_engine_options_are_checked():
    with pytest.raises(UnknownNameError, match="optuna, rustuna"):
        searchers.create("tpe", NB201, engine="hyperopt")
    with pytest.raises(InvalidInputError, match="n_ei_candidates=48 needs engine='optuna'"):
        searchers.create("tpe", NB201, n_ei_candidates=48)
    s = searchers.create("tpe", NB201, n_ei_candidates=48, engine="optuna")
    assert len(s.ask(3)) == 3


def test_pareto_helpers_live_in_nas_core_and_nsga2_re_exports_them():
    import searchers.nsga2

    assert searchers.nsga2.pareto_mask is pareto_mask
    assert searchers.nsga2.hypervolume is hypervolume
    assert pareto_mask.__module__ == "nas_core.metrics"


def test_pareto_mask_and_hypervolume():
    pts = np.array([[1.0, 0.5], [0.5, 1.0], [0.4, 0.4], [1.0, 0.2]])
    assert pareto_mask(pts).tolist() == [True, True, False, False]
    assert hypervolume(pts, [0.0, 0.0]) == pytest.approx(0.75)
    assert hypervolume(pts[:0], [0.0, 0.0]) == 0.0


def test_nsga2_front_is_non_dominated_and_improves():
    s = searchers.create("nsga2", NB201, seed=0, pop_size=10)

    def f(archs):
        ops = np.array([a.ops for a in archs], dtype=float)
        return np.column_stack([(ops == 2).sum(1), (ops == 0).sum(1)])

    for _ in range(100):
        a = s.ask(1)
        s.tell(a, f(a))
    front = s.result()
    vals = front["values"]
    assert len(front["archs"]) == len(vals) > 1
    assert pareto_mask(vals).all()
    assert vals.sum(axis=1).max() >= 5  # finds cells using mostly conv3x3 and skip


def test_nsga2_checks_the_number_of_objectives():
    s = searchers.create("nsga2", NB201, seed=0)
    a = s.ask(1)
    with pytest.raises(InvalidInputError, match="2 objectives"):
        s.tell(a, np.array([[1.0, 2.0, 3.0]]))


def test_categorical_searchers_skip_combinations_outside_the_space():
    """nbgraph has no all-skip network; a policy that loves skip must still ask valid archs."""
    from searchers._spaces import try_choices

    sp = get_space("nbgraph")
    assert try_choices(sp, (8, 8, 8, 8, 8)) is None
    s = searchers.create("reinforce", sp, seed=0)
    s.logits[1:, :] = 0.0
    s.logits[1:, 8] = 6.0  # skip on every layer with probability ~0.98 each
    s._probs = None
    archs = s.ask(50)
    assert all(sp.parse(a) == a for a in archs)
    n = searchers.create("nsga2", sp, seed=0, pop_size=10)
    for _ in range(60):
        a = n.ask(1)
        n.tell(a, np.array([[float(sum(a[0].ops)), 0.0]]))  # rewards skip-heavy archs
    assert all(sp.parse(a) == a for a in n.result()["archs"])
