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


# --- the fast per-query path (Benchmark.reader) must not change a single value or trajectory ---


def _full_digest(t) -> str:
    c = t.columns
    text = "".join(f"{k}:{c[k].tolist()!r};" for k in sorted(c))
    text += repr((t.stop_reason, t.asks, t.repeats, t.missing))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Every column and run fact, recorded with the loop before it read values through
# `Benchmark.reader` (commit cf6f99b), under both accountings.
_CASES = {
    "re-0": ("re", 0, {"budget": 300}),
    "re-batch4": ("re", 1, {"budget": 300, "batch_size": 4}),
    "re-time": ("re", 2, {"time_budget": 200000.0}),
    "rs-report": ("rs", 0, {"budget": 200, "report_metric": "noisy_accuracy"}),
    "ls": ("ls", 3, {"budget": 300}),
    "reinforce": ("reinforce", 0, {"budget": 200}),
    "nsga2": ("nsga2", 0, {"budget": 200, "objectives": ("baseline_accuracy", "noisy_accuracy")}),
}
_DIGESTS = {
    ("per-cell", "re-0"): "b11c3539acf80bae",
    ("per-cell", "re-batch4"): "978906a7566f502b",
    ("per-cell", "re-time"): "12a8e7a1730d4a6b",
    ("per-cell", "rs-report"): "1f96f3f8695325a2",
    ("per-cell", "ls"): "1da1230ee7edd7a6",
    ("per-cell", "reinforce"): "f149351a38a352d9",
    ("per-cell", "nsga2"): "7f6ada624c4339a8",
    ("merge", "re-0"): "75808363c970ed23",
    ("merge", "re-batch4"): "84eeb909a512ba1a",
    ("merge", "re-time"): "d64ba7b7fd738389",
    ("merge", "rs-report"): "cbbe2c26c9f9d834",
    ("merge", "ls"): "d711730789f92834",
    ("merge", "reinforce"): "877faddd7d4c0b85",
    ("merge", "nsga2"): "58f87908d65820a1",
}


@pytest.mark.parametrize("iso,case", sorted(_DIGESTS))
def test_whole_trajectories_are_those_of_the_loop_before_the_reader(analog, iso, case):
    name, seed, kw = _CASES[case]
    s = searchers.create(name, analog.space, seed=seed)
    t = run_search(s, analog, metric="baseline_accuracy", isomorphism=iso, **kw)
    assert _full_digest(t) == _DIGESTS[(iso, case)]


def test_nbgraph_missing_archs_trajectory_unchanged():
    """A sparse table (SparseTabularBenchmark overrides query: the generic reader) with archs it
    lacks: same trajectory, misses counted, as before the reader (commit cf6f99b)."""
    try:
        g = benchmarks.load("nbgraph")
    except Exception as e:
        pytest.skip(f"nbgraph benchmark not available: {type(e).__name__}: {e}")
    metric = g.metrics("proteins")[0].name
    for name, digest, missing in (
        ("re", "976968b5371c6a72", 115),
        ("rs", "3506095a2de3e115", 1172),
    ):
        for iso in ISOMORPHISM:
            s = searchers.create(name, g.space, seed=0)
            t = run_search(s, g, metric=metric, dataset="proteins", budget=100, isomorphism=iso)
            assert (_full_digest(t), t.missing) == (digest, missing)


def test_tabular_reader_returns_exactly_what_query_returns(analog):
    space = analog.space
    archs = space.all_archs()
    for metric in ("baseline_accuracy", "noisy_accuracy"):
        for dataset in (None, analog.default_dataset):
            read = analog.reader(metric, dataset)
            got = [read(a) for a in archs]
            want = [analog.query(a, metric, dataset) for a in archs]
            assert got == want
            assert all(type(v) is float for v in got[:50])
    # other single-arch forms are read as query reads them
    read = analog.reader("baseline_accuracy")
    for a in (archs[7], 7, space.to_str(archs[7]), archs[7].ops):
        assert read(a) == analog.query(a, "baseline_accuracy")


def test_reader_still_refuses_what_query_refuses(analog):
    from nas_core.arch import Arch
    from nas_core.errors import InvalidArchError, NaslabError

    read = analog.reader("baseline_accuracy")
    for bad in (Arch("nb201", (0, 1, 2, 3, 4, 5)), Arch("nb201", (0, 1, 2.5, 3, 4, 1)),
                Arch("nb201", (0, 1, 2)), Arch("other", (0, 1, 2, 3, 4, 1)), -1, 15625, "nope",
                Arch("nb201", (0, 1, True, 3, 4, 1))):  # fmt: skip
        with pytest.raises(NaslabError) as want:
            analog.query(bad, "baseline_accuracy")
        with pytest.raises(NaslabError) as got:
            read(bad)
        assert type(got.value) is type(want.value) and str(got.value) == str(want.value)
    # equal to a valid cell but with NumPy ints: checked in full, then read like query reads it
    odd = Arch("nb201", tuple(np.int64(o) for o in (0, 1, 2, 3, 4, 1)))
    assert read(odd) == analog.query(odd, "baseline_accuracy")
    with pytest.raises(InvalidArchError):
        read(Arch("nb201", (0, 1, 2, 3, 4, 5)))
    with pytest.raises(NaslabError, match="metric"):
        analog.reader("no_such_metric")
    with pytest.raises(NaslabError, match="dataset"):
        analog.reader("baseline_accuracy", "no_such_dataset")


def test_a_subclass_that_overrides_query_is_read_through_its_query(analog):
    from benchmarks.base import TabularBenchmark

    class Shifted(TabularBenchmark):
        def query(self, archs, metric, dataset=None, *, epoch=None, seed=None):
            return super().query(archs, metric, dataset, epoch=epoch, seed=seed) + 1.0

    b = Shifted("shifted", analog.store, analog._infos)
    a = b.space.from_index(123)
    assert b.reader("baseline_accuracy")(a) == analog.query(a, "baseline_accuracy") + 1.0


class _NoReader:
    """A duck-typed benchmark without `reader`: the loop falls back to `query`."""

    def __init__(self, bench):
        self._b = bench
        self.space = bench.space
        self.calls = 0

    def __getattr__(self, name):
        if name == "reader":
            raise AttributeError(name)
        return getattr(self._b, name)

    def query(self, archs, metric, dataset=None, **kw):
        self.calls += 1
        return self._b.query(archs, metric, dataset, **kw)


def test_the_loop_reads_through_reader_and_falls_back_to_query(analog):
    def run(bench):
        s = searchers.create("re", analog.space, seed=5)
        return run_search(s, bench, metric="baseline_accuracy", budget=60)

    plain = _NoReader(analog)
    want = run(plain)
    assert plain.calls >= 60  # one single-arch query per distinct cell
    assert _full_digest(run(analog)) == _full_digest(want)

    class Spy:
        def __init__(self, bench):
            self._b, self.space, self.readers = bench, bench.space, []

        def __getattr__(self, name):
            return getattr(self._b, name)

        def reader(self, metric, dataset=None):
            self.readers.append((metric, dataset))
            return self._b.reader(metric, dataset)

        def query(self, archs, metric, dataset=None, **kw):
            from benchmarks.base import is_single

            assert not is_single(archs), "a single arch was queried instead of read"
            return self._b.query(archs, metric, dataset, **kw)

    spy = Spy(analog)
    assert _full_digest(run(spy)) == _full_digest(want)
    assert spy.readers == [("baseline_accuracy", analog.default_dataset)]


def test_nb201_mutate_returns_the_equal_child_it_already_knows():
    """Re-marking a new equal object would make the one a search holds fail the identity test
    (and be checked in full again); mutate hands back the known object instead."""
    from nas_core import spaces

    space = spaces.get("nb201")
    rng = np.random.default_rng(0)
    seen = {}
    parent = space.parse(space.from_index(0))
    for _ in range(3000):
        child = space.mutate(parent, rng)
        first = seen.setdefault(child, child)
        assert child is first
        assert space._checked.get(child) is child
        parent = child
    assert len(seen) < 3000  # some children were met again


def test_a_query_costs_the_training_to_the_epoch_the_search_metric_is_read_at():
    """12-epoch validation accuracy joined with the 200-epoch table: each query is charged
    12 x train_time_per_epoch (bench.cost(..., epoch=12)), not the 200-epoch training time."""
    from searchers.loop import cost_epoch, cost_rule
    from tests.conftest import shared_file

    t200 = benchmarks.load(
        "table",
        path=shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv"),
        preset="nb201-200ep",
    )
    t12 = benchmarks.load(
        "table", path=shared_file("nb201-tables", "nb201_12ep_test_valid.csv"), preset="nb201-12ep"
    )
    j = benchmarks.join(t200, t12)
    assert cost_epoch(j, "valid_acc") == 12 and cost_epoch(j, "test_acc") == 200
    assert "epoch 12" in cost_rule(j, "valid_acc")
    for time_budget in (None, 20_000.0):
        t = run_search(
            searchers.create("rs", j.space, seed=0),
            j,
            metric="valid_acc",
            report_metric="test_acc",
            budget=30 if time_budget is None else None,
            time_budget=time_budget,
        )
        archs = [j.space.parse(a) for a in t.columns["arch"]]
        per_epoch = t200.query(archs, "train_time_per_epoch").astype(float)
        np.testing.assert_allclose(t.columns["cost"], 12 * per_epoch, rtol=1e-6)
        assert (t.columns["cost"] < j.cost(archs) / 10).all()
        assert t.info["cost_epoch"] == 12
    # the 200-epoch table alone: charged at epoch 200, its recorded total training time
    assert cost_epoch(t200, "test_acc") == 200
    np.testing.assert_array_equal(t200.cost(archs, epoch=200), t200.cost(archs))
    # a benchmark whose cost does not depend on the epoch keeps its one cost
    assert cost_epoch(benchmarks.load("analognas"), "baseline_accuracy") is None
