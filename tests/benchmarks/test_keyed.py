"""`KeyedTabularBenchmark` on small made-up tables over the open spaces nb101 and darts (and a
finite one, where indices exist): lookups by any spelling, sparse datasets, absent archs, the
columnar cache round trip, and the store's own checks."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.base import MetricInfo, is_finite
from benchmarks.cache import cached_store
from benchmarks.keyed import ROW_KEYS, KeyedTabularBenchmark, keyed_store
from benchmarks.store import TableStore
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    NotInBenchmarkError,
    UnknownNameError,
)
from nas_core.provenance import Provenance
from nas_core.spaces import nb101

N = 12
PROV = Provenance("computed", "naslab's tests", "made-up numbers")
INFOS = {
    "acc": MetricInfo("acc", "made-up accuracy", "%", True, provenance=PROV),
    "loss": MetricInfo("loss", "made-up loss", "", False, role="loss", provenance=PROV),
    "time": MetricInfo("time", "made-up seconds", "s", False, role="train_time", provenance=PROV),
}


def _distinct(space_name: str, n: int) -> list[Arch]:
    sp = spaces.get(space_name)
    out: dict[str, Arch] = {}
    rng = np.random.default_rng(1)
    while len(out) < n:
        for a in sp.sample(rng, n):
            out.setdefault(sp.to_str(a), sp.parse(a))
    return list(out.values())[:n]


def _bench(space_name: str, n: int = N) -> tuple[KeyedTabularBenchmark, list[Arch]]:
    """Dataset 'a' holds every arch; dataset 'b' only the even rows (NaN elsewhere)."""
    sp = spaces.get(space_name)
    archs = _distinct(space_name, n)
    keys = [sp.to_str(a) for a in archs]
    acc = np.arange(n, dtype=np.float64) + 50.0
    b_acc = np.where(np.arange(n) % 2 == 0, acc + 10, np.nan)
    cols = {
        ("a", "acc", None, None): acc,
        ("a", "loss", None, None): 100.0 - acc,
        ("a", "time", None, None): acc * 2,
        ("b", "acc", None, None): b_acc,
    }
    store = keyed_store(space_name, keys, cols, meta={"source": "test"})
    bench = KeyedTabularBenchmark(
        "keyed-test", store, INFOS, cost_metric={"a": "time"}, cost_note="no time on b"
    )
    return bench, archs


def _other_spelling(space_name: str, arch: Arch) -> object:
    """A spelling of `arch` that differs from its canonical string."""
    sp = spaces.get(space_name)
    if space_name == "nb101":
        m, ops = sp.spec(arch)
        n = len(ops)
        # an isolated vertex inserted before the output: pruned away, the same cell
        big = np.zeros((n + 1, n + 1), dtype=int)
        big[: n - 1, : n - 1] = m[: n - 1, : n - 1]
        big[: n - 1, n] = m[: n - 1, n - 1]
        names = [*ops[:-1], "conv3x3-bn-relu", "output"]
        # the Suite-Zero spelling: n*n adjacency entries then n op ids
        return (*big.reshape(-1).tolist(), *(nb101.OPS.index(o) for o in names))
    if space_name == "darts":
        normal, reduce = sp.to_compact(arch)
        normal = [normal[1], normal[0], *normal[2:]]  # node 0's two edges swapped
        return str([normal, list(reduce)])  # as Suite-Zero spells its keys
    return sp.to_str(arch)


@pytest.mark.parametrize("space_name", ["nb101", "darts"])
def test_open_space_listing(space_name: str) -> None:
    bench, archs = _bench(space_name)
    assert is_finite(bench) and bench.space.size is None
    assert bench.archs() == archs and bench.num_archs() == N
    assert bench.archs("b") == archs[::2]
    assert bench.keys("b") == [bench.space.to_str(a) for a in archs[::2]]
    with pytest.raises(InvalidInputError, match=r"open.*archs\(\)"):
        bench.arch_indices()
    with pytest.raises(InvalidInputError, match=r"archs\(\)"):
        bench.arch_indices("a")
    with pytest.raises(UnknownNameError):
        bench.archs("c")
    info = bench.info()
    assert info["num_archs"] == N and info["space_size"] is None and info["finite"] is True


@pytest.mark.parametrize("space_name", ["nb101", "darts"])
def test_query_by_any_spelling(space_name: str) -> None:
    bench, archs = _bench(space_name)
    sp = bench.space
    other = _other_spelling(space_name, archs[3])
    assert sp.to_str(sp.parse(other)) == sp.to_str(archs[3])
    assert other != sp.to_str(archs[3])
    for spelling in (archs[3], sp.to_str(archs[3]), other, tuple(archs[3].ops)):
        assert bench.query(spelling, "acc", "a") == 53.0
        assert bench.query(spelling, "acc", "a") == 53.0  # the remembered row agrees
    batch = bench.query([archs[0], other, sp.to_str(archs[5])], "acc", "a")
    assert batch.dtype == np.float32 and batch.tolist() == [50.0, 53.0, 55.0]
    rows = np.array([a.ops for a in archs[:3]])  # a 2-D array is one arch per row
    assert bench.query(rows, "acc", "a").tolist() == [50.0, 51.0, 52.0]
    if space_name == "nb101":  # NASLib's spec dict is one architecture, not a batch
        m, ops = sp.spec(archs[3])
        assert bench.query({"matrix": m.tolist(), "ops": ops}, "acc", "a") == 53.0
        assert bench.cost({"matrix": m.tolist(), "ops": ops}, "a") == 106.0
    read = bench.reader("acc", "a")
    assert [read(a) for a in archs] == bench.query(archs, "acc", "a").tolist()
    assert read(other) == 53.0


@pytest.mark.parametrize("space_name", ["nb101", "darts"])
def test_absent_and_not_measured(space_name: str) -> None:
    bench, archs = _bench(space_name)
    sp = bench.space
    absent = next(a for a in _distinct(space_name, 3 * N) if a not in archs)
    key = sp.to_str(absent)
    for call in (
        lambda: bench.query(absent, "acc", "a"),
        lambda: bench.query([archs[0], absent], "acc", "a"),
        lambda: bench.reader("acc", "a")(absent),
        lambda: bench.cost(absent, "a"),
        lambda: bench.cost([absent], "a"),
    ):
        with pytest.raises(NotInBenchmarkError, match="not in benchmark") as e:
            call()
        assert key in str(e.value)
    # measured on 'a' but not on 'b'
    odd = archs[1]
    with pytest.raises(NotInBenchmarkError, match=r"no value of 'acc' on 'b'") as e:
        bench.query(odd, "acc", "b")
    assert sp.to_str(odd) in str(e.value)
    with pytest.raises(NotInBenchmarkError, match="on 'b'"):
        bench.query(archs[:2], "acc", "b")
    with pytest.raises(NotInBenchmarkError, match="on 'b'"):
        bench.reader("acc", "b")(odd)
    with pytest.raises(NotInBenchmarkError, match="on 'b'"):
        bench.cost(odd, "b")
    assert bench.query(archs[0], "acc", "b") == 60.0
    # not an architecture of the space at all; an integer is no arch of an open space
    with pytest.raises(InvalidArchError):
        bench.query("not an architecture", "acc", "a")
    with pytest.raises(InvalidArchError, match="open"):
        bench.query(3, "acc", "a")
    with pytest.raises(InvalidArchError, match="open"):
        bench.query(np.arange(3), "acc", "a")
    with pytest.raises(InvalidArchError):
        bench.query(Arch("nb201", (0, 1, 2, 3, 4, 0)), "acc", "a")
    with pytest.raises(UnknownNameError, match="Did you mean 'acc'"):
        bench.query(archs[0], "accc", "a")


@pytest.mark.parametrize("space_name", ["nb101", "darts"])
def test_cost_optimum_frame(space_name: str) -> None:
    bench, archs = _bench(space_name)
    assert bench.cost(archs[2], "a") == 104.0
    assert bench.cost(archs[:3], "a").tolist() == [100.0, 102.0, 104.0]
    assert bench.cost(archs[0], "b") == 1.0 and bench.cost_info("b").kind == "unit"
    assert bench.cost_info("a").kind == "measured_training_time"
    assert bench.optimum("acc", "a") == 50.0 + N - 1
    assert bench.best_arch("acc", "a") == archs[-1]
    assert bench.optimum("loss", "a") == 100.0 - (50.0 + N - 1)  # lower is better
    assert bench.best_arch("loss", "a") == archs[-1]
    assert bench.best_arch("acc", "b") == archs[N - 2]
    frame = bench.to_frame()
    assert "index" not in frame  # an open space has no index
    assert frame["arch"].tolist() == [bench.space.to_str(a) for a in archs]
    assert frame["a/acc"].tolist() == list(np.arange(N) + 50.0)
    assert np.isnan(frame["b/acc"].iloc[1])


def test_finite_space_keeps_its_indices() -> None:
    bench, archs = _bench("tnb101-micro")
    idx = bench.space.indices(archs)
    assert np.array_equal(bench.arch_indices(), idx)
    assert np.array_equal(bench.arch_indices("b"), idx[::2])
    assert bench.query(int(idx[3]), "acc", "a") == 53.0
    assert bench.query(idx[:2], "acc", "a").tolist() == [50.0, 51.0]
    assert bench.to_frame()["index"].tolist() == idx.tolist()


def test_store_checks_its_keys() -> None:
    sp = spaces.get("darts")
    a, b = _distinct("darts", 2)
    col = {("a", "acc", None, None): np.array([1.0, 2.0])}
    with pytest.raises(DataFormatError, match="rows 0 and 1"):
        keyed_store("darts", [sp.to_str(a), sp.to_str(a)], col, source="f.json")
    swapped = _other_spelling("darts", a)
    with pytest.raises(DataFormatError, match="f.json: row key .* is not canonical"):
        keyed_store("darts", [swapped, sp.to_str(b)], col, source="f.json")
    with pytest.raises(DataFormatError, match="not a darts architecture"):
        keyed_store("darts", ["nonsense", sp.to_str(b)], col, source="f.json")
    plain = TableStore.from_columns("darts", np.arange(2), col)
    with pytest.raises(DataFormatError, match="no row keys"):
        KeyedTabularBenchmark("x", plain, INFOS)


def test_cache_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bench, archs = _bench("nb101")
    src = tmp_path / "src.txt"
    src.write_text("source")
    built = []

    def build() -> TableStore:
        built.append(1)
        return bench.store

    for _ in range(2):
        store = cached_store("keyed-test", 1, [src], build)
        again = KeyedTabularBenchmark("keyed-test", store, INFOS)
        assert store.meta[ROW_KEYS] == bench.keys()
        assert again.query(archs, "acc", "a").tolist() == bench.query(archs, "acc", "a").tolist()
    assert built == [1]  # the second load came from the cache
