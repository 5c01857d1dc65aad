"""Regularized evolution draws through `searchers._rng.BufferedIntegers` (issue 13, speed): the
same numbers as NumPy's `Generator.integers`, so the same seed gives the same search as before.
No data needed: values come from a fixed function of the cell."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import searchers
from nas_core import spaces
from searchers._rng import BufferedIntegers

NB201 = spaces.get("nb201")


def _value(ops) -> float:
    return float((sum((i + 1) * o for i, o in enumerate(ops)) * 37) % 101)


def _asks_digest(params, seed, batch, steps=500) -> str:
    s = searchers.create("re", NB201, seed=seed, **params)
    out = []
    for _ in range(steps):
        archs = s.ask(batch)
        out.extend(a.ops for a in archs)
        s.tell(archs, np.array([_value(a.ops) for a in archs]))
    return hashlib.sha256(repr(out).encode()).hexdigest()[:16]


# recorded with the searcher as it was before (every draw a NumPy Generator.integers call)
BEFORE = [
    ({}, 0, 1, "8ebf836ba5d43160"),
    ({}, 0, 4, "2fb3055205fd79fd"),
    ({}, 1, 1, "6e134b880959bfa4"),
    ({"population_size": 5, "sample_size": 2}, 0, 1, "066b939ff1fcfcfb"),
    ({"population_size": 5, "sample_size": 2}, 1, 4, "5a7b526ca65ddaf9"),
]


@pytest.mark.parametrize("params,seed,batch,digest", BEFORE)
def test_same_trajectory_as_before_for_the_same_seed(params, seed, batch, digest):
    assert _asks_digest(params, seed, batch) == digest


def test_buffered_integers_equal_numpys_draws_in_any_mix():
    ranges = [1, 2, 3, 5, 6, 10, 15625, 2**31, 2**32 - 1, 2**32, 2**40]
    for seed in range(8):
        ref, fast = np.random.default_rng(seed), BufferedIntegers(np.random.default_rng(seed))
        plan = np.random.default_rng(100 + seed)
        for _ in range(1500):
            kind, hi = int(plan.integers(5)), ranges[int(plan.integers(len(ranges)))]
            if kind == 0:
                assert fast.integers(hi) == int(ref.integers(hi))
            elif kind == 1:
                assert fast.integers_list(0, hi, 3) == ref.integers(0, hi, size=3).tolist()
            elif kind == 2:
                assert fast.integers(1, hi + 1) == int(ref.integers(1, hi + 1))
            elif kind == 3:  # another method: the wrapped generator, rewound to our position
                assert fast.random() == ref.random()
            else:
                assert fast.integers(0, hi, size=2).tolist() == ref.integers(0, hi, size=2).tolist()
        fast.sync()
        assert fast.rng.bit_generator.state == ref.bit_generator.state


def _outcome(space, arch):
    try:
        got = space.parse(arch)
    except Exception as e:  # noqa: BLE001 - the outcome compared is the error's type
        return type(e).__name__
    return got, tuple(type(o) for o in got.ops), space.index(got)


def test_nb201_skips_rechecking_only_the_very_object_it_checked():
    """nb201 remembers Arch objects it checked by identity (a search passes the same objects
    around); an equal object with NumPy, float or bool ops is still checked in full."""
    from nas_core.arch import Arch
    from nas_core.spaces.nb201 import NB201Space

    ops = (1, 2, 3, 4, 0, 1)
    odd = [
        Arch("nb201", tuple(np.int64(o) for o in ops)),
        Arch("nb201", tuple(float(o) for o in ops)),
        Arch("nb201", (True, 2, 3, 4, 0, True)),
        Arch("nb201", (1, 2, 3, 4, 0, 1.5)),
    ]
    fresh = [_outcome(NB201Space(), a) for a in odd]
    space = NB201Space()
    good = Arch("nb201", ops)
    assert space.parse(good) is good and space.parse(good) is good  # second time: remembered
    assert [_outcome(space, a) for a in odd] == fresh
    child = space.mutate(good, np.random.default_rng(0))
    assert space.parse(child) is child and space.index(child) == NB201Space().index(child)
