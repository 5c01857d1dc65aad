"""Local search's move rules (searchers/local_search.py) on small deterministic cases: NASLib's
variant (best improvement, restart from one random cell) and naszilla's (first improvement,
restart from the best of 10 random cells)."""

from __future__ import annotations

import numpy as np
import pytest

import searchers
from nas_core import spaces
from nas_core.errors import InvalidInputError

NB201 = spaces.get("nb201")


def _value_up(arch) -> float:
    """Higher op ids are better, position 0 counting most: every cell has a unique value."""
    return float(sum(o * 10**i for i, o in enumerate(reversed(arch.ops))))


def _start(s, value):
    (a,) = s.ask(1)
    s.tell([a], [value(a)])
    return a


def test_best_improvement_scans_the_whole_neighbourhood_then_moves_to_its_best():
    s = searchers.create("ls", NB201, seed=0, num_init=1)  # NASLib's variant is the default
    assert s.neighbourhood == "best_improvement" and s.restart_samples == 1
    start = _start(s, _value_up)
    nbrs = set(NB201.neighbours(start))
    seen = []
    for _ in range(24):  # no move before every neighbour is told, whatever their values
        (a,) = s.ask(1)
        assert a in nbrs and s.current == start
        seen.append(a)
        s.tell([a], [_value_up(a)])
    assert set(seen) == nbrs
    best = max(nbrs, key=_value_up)
    assert s.current == best and _value_up(best) > _value_up(start)
    (nxt,) = s.ask(1)
    assert nxt in set(NB201.neighbours(best))


def test_first_improvement_moves_at_the_first_better_neighbour():
    s = searchers.create("ls", NB201, seed=0, num_init=1, neighbourhood="first_improvement")
    start = _start(s, _value_up)
    told = 0
    while s.current == start:
        (a,) = s.ask(1)
        assert a in set(NB201.neighbours(start))
        s.tell([a], [_value_up(a)])
        told += 1
    assert _value_up(s.current) > _value_up(start) and told < 24  # moved before the scan ended
    assert s.current == a  # to the neighbour just told, the first better one
    (nxt,) = s.ask(1)
    assert nxt in set(NB201.neighbours(a))


@pytest.mark.parametrize(
    "params,samples",
    [
        ({}, 1),  # NASLib: restart from one random cell
        ({"neighbourhood": "first_improvement", "restart_samples": 10}, 10),  # naszilla
    ],
)
def test_at_a_local_optimum_restart_from_the_best_of_restart_samples(params, samples):
    s = searchers.create("ls", NB201, seed=1, num_init=1, **params)
    peak = _start(s, lambda a: 0.0)  # the start is a peak: every other cell scores below it

    def value(a):
        return 0.0 if a == peak else -float(np.sum(np.array(a.ops) != np.array(peak.ops)))

    nbrs = s.ask(24)
    assert set(nbrs) == set(NB201.neighbours(peak))
    s.tell(nbrs, [value(a) for a in nbrs])
    assert s.current == peak and s.restarts == 0
    fresh = s.ask(samples)  # the restart's random cells, then nothing else until they are told
    assert s.restarts == 1
    vals = [float(i) for i in range(samples)]  # the last one is the best
    s.tell(fresh, vals)
    assert s.current == fresh[-1]
    (nxt,) = s.ask(1)
    assert nxt in set(NB201.neighbours(fresh[-1]))


def test_bad_local_search_settings():
    with pytest.raises(InvalidInputError):
        searchers.create("ls", NB201, neighbourhood="steepest")
    with pytest.raises(InvalidInputError):
        searchers.create("ls", NB201, restart_samples=0)


def test_the_defaults_reproduce_naslib_and_the_docstring_names_both():
    info = searchers.info("ls")
    text = str(info)
    assert "best_improvement" in text and "first_improvement" in text
    import searchers.local_search as ls

    assert "NASLib" in ls.__doc__ and "naszilla" in ls.__doc__
    assert "query_full_neighborhood" not in ls.__doc__
