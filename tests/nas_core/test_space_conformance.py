"""The contract every search space meets (nas_core/spaces/base.py): every registered space, plus
two open test spaces of 4^30 members with no index table (tests/nas_core/open_space.py).

A new space gets these checks for free by being registered. "Normal form" below means what
`parse` returns: a space that canonicalises in `parse` (nbgraph) hands out canonical spellings;
nb201 keeps every spelling and offers `canonical` for isomorphism classes.
"""

from __future__ import annotations

import numpy as np
import pytest

from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, NaslabError
from nas_core.spaces.base import ENCODINGS, SearchSpace
from tests.nas_core.open_space import OpenProductSpace, UnorderedSpace

N = 40


def _space(name: str) -> SearchSpace:
    if name == "test-open":
        return OpenProductSpace()
    if name == "test-unordered":
        return UnorderedSpace()
    try:
        return spaces.get(name)
    except NaslabError as e:  # nbgraph needs the nas-bench-graph package
        pytest.skip(f"space {name!r} not available: {e}")


@pytest.fixture(params=[*spaces.names(), "test-open", "test-unordered"])
def space(request) -> SearchSpace:
    return _space(request.param)


@pytest.fixture
def sample(space) -> list[Arch]:
    return space.sample(np.random.default_rng(0), N)


def test_every_registered_space_is_covered():
    assert {"nb201", "nbgraph"} <= set(spaces.names())


def test_sample_gives_members_in_normal_form(space, sample):
    assert len(sample) == N
    for a in sample:
        assert isinstance(a, Arch) and a.space == space.name
        assert space.parse(a) == a
        assert space.check(a) is a


def test_sample_is_deterministic_by_seed(space):
    a = space.sample(np.random.default_rng(5), 20)
    b = space.sample(np.random.default_rng(5), 20)
    c = space.sample(np.random.default_rng(6), 20)
    assert a == b
    assert a != c


def test_parse_and_to_str_round_trip(space, sample):
    for a in sample:
        s = space.to_str(a)
        assert isinstance(s, str) and s
        assert space.parse(s) == a
        assert space.to_str(space.parse(s)) == s
        assert space.parse(tuple(a.ops)) == a  # the op tuple is a spelling too


def test_parse_refuses_foreign_and_garbage(space, sample):
    other = Arch("some-other-space", sample[0].ops)
    for bad in (other, "certainly not an architecture", object(), (), None):
        with pytest.raises(InvalidArchError):
            space.parse(bad)


def test_canonical_is_idempotent_and_a_member(space, sample):
    for a in sample:
        c = space.canonical(a)
        assert space.parse(c) == c
        assert space.canonical(c) == c
        assert space.canonical(c).space == space.name


def test_mutate_is_one_valid_change_never_the_input(space, sample):
    rng = np.random.default_rng(1)
    for a in sample[:15]:
        nb = space.neighbours(a)
        for _ in range(3):
            m = space.mutate(a, rng)
            assert m != a
            assert space.parse(m) == m
            assert m in nb  # one elementary change: a neighbour


def test_neighbours_are_distinct_valid_and_never_the_input(space, sample):
    for a in sample[:10]:
        nb = space.neighbours(a)
        assert nb, "every member has a neighbour"
        assert a not in nb
        assert len(set(nb)) == len(nb)
        assert all(space.parse(b) == b for b in nb)
        assert nb == space.neighbours(a)  # a fixed order


def test_encodings_shapes_and_dtypes(space, sample):
    widths = {}
    for kind in ENCODINGS:
        try:
            x = space.encode(sample, kind)
        except InvalidInputError as e:  # a space may lack an encoding, but must say so
            assert space.name in str(e) and kind in str(e)
            continue
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[0] == N and x.shape[1] > 0
        assert np.isfinite(x).all()
        widths[kind] = x.shape[1]
        again = space.encode(sample[:3], kind)
        assert again.shape == (3, x.shape[1])
        assert np.array_equal(again, x[:3])  # row-wise: independent of the batch
        strings = [space.to_str(a) for a in sample[:5]]
        assert np.array_equal(space.encode(strings, kind), x[:5])  # any spelling, same code
        empty = space.encode([], kind)
        assert empty.dtype == np.float32 and empty.shape == (0, x.shape[1])
    assert "onehot" in widths  # every space used by predictors has at least a one-hot code
    if "adjacency" in widths:
        adj, feats = space.graph_arrays(sample[:4])
        assert adj.shape[1] == adj.shape[2] == feats.shape[1]
        flat = np.concatenate([adj.reshape(4, -1), feats.reshape(4, -1)], axis=1)
        assert np.array_equal(flat, space.encode(sample[:4], "adjacency"))


def test_unknown_encoding_names_the_valid_ones(space, sample):
    with pytest.raises(NaslabError, match="onehot"):
        space.encode(sample[:2], "graph2vec")


def test_categorical_view_round_trips(space, sample):
    """`choices`/`to_choices`/`from_choices`: what TPE, REINFORCE and NSGA-II search."""
    sizes = space.choices()
    if sizes is None:
        return  # stated: no categorical view (categorical searchers refuse the space)
    assert all(isinstance(c, int) and c >= 1 for c in sizes)
    for a in sample + space.neighbours(sample[0]):
        c = space.to_choices(a)
        assert len(c) == len(sizes)
        assert all(type(v) is int and 0 <= v < k for v, k in zip(c, sizes, strict=True))
        assert space.from_choices(c) == a  # the member in normal form
        assert space.to_choices(space.to_str(a)) == c  # any spelling, one view
    # every vector of the view is either a member or refused with InvalidArchError
    rng = np.random.default_rng(2)
    valid = 0
    for _ in range(200):
        values = tuple(int(rng.integers(k)) for k in sizes)
        try:
            a = space.from_choices(values)
        except InvalidArchError:
            continue
        valid += 1
        assert a.space == space.name and space.parse(a) == a
        assert space.from_choices(space.to_choices(a)) == a
    assert valid > 100  # most vectors are members, so searchers seldom redraw
    with pytest.raises(InvalidArchError):
        space.from_choices((*sizes[:-1], 10**6))  # a choice out of range


def test_onehot_of_a_product_space_marks_each_choice(space, sample):
    sizes = space.choices()
    if sizes is None:
        pytest.skip("no categorical choices")
    x = space.encode(sample, "onehot")
    if x.shape[1] != sum(sizes):
        pytest.skip("this space's one-hot is not per choice")
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ops = np.array([space.to_choices(a) for a in sample])
    assert (x.sum(axis=1) == len(sizes)).all()
    assert (x[np.arange(N)[:, None], offsets[None, :] + ops] == 1).all()


def test_index_round_trip_where_finite(space, sample):
    if space.size is None:
        with pytest.raises(InvalidArchError):
            space.all_archs()
        return
    idx = space.indices(sample)
    assert idx.dtype == np.int64 and idx.shape == (N,)
    assert ((idx >= 0) & (idx < space.size)).all()
    for a, i in zip(sample, idx.tolist(), strict=True):
        assert space.index(a) == i
        assert space.from_index(i) == a
    assert space.archs_at(idx) == sample
    assert np.array_equal(space.encode(idx, "onehot"), space.encode(sample, "onehot"))
    for bad in (-1, space.size):
        with pytest.raises(InvalidArchError):
            space.from_index(bad)


def test_open_space_has_no_index_but_everything_searchers_use():
    sp = OpenProductSpace()
    assert sp.size is None and np.prod(np.array(sp.choices(), dtype=float)) > 1e18
    a = sp.sample(np.random.default_rng(0), 3)
    assert sp.encode(a, "onehot").shape == (3, 120)
    with pytest.raises(InvalidArchError):
        sp.index(a[0])
