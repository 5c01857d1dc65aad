"""One contract every registered benchmark satisfies (Optuna-style conformance suite).

Cases: every name in `benchmarks.list()` — embedded ones load bare; file-backed ones load from the
real files under ../shared/data (skipped with a reason where absent); `nb201` from a tiny file in
the official format (the real one is 2 GB and users bring it); a name this suite does not know is
loaded bare and skipped if it needs a path. Plus the joined benchmark analognas + latency + 200ep +
12ep tables + suite-zero, so composition keeps the contract too, and a core-only benchmark over an
open space (tests.benchmarks.open_bench), which must meet the core contract and nothing more;
`surrogate` is a small xgb surrogate fitted on analognas, saved and loaded back.

The core (every case): datasets, described metrics (a valid role and split, and a provenance
naming its source), query, cost with a consistent `CostInfo`. The finite-table part (archs,
optimum, best_arch, to_frame) is checked exactly where `is_finite(bench)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import benchmarks
from benchmarks.base import (
    COST_KINDS,
    ROLES,
    SPLITS,
    Benchmark,
    CostInfo,
    FiniteBenchmark,
    MetricInfo,
    is_finite,
)
from nas_core.arch import Arch
from nas_core.errors import (
    InvalidArchError,
    InvalidInputError,
    MissingFileError,
    NotInBenchmarkError,
    UnknownNameError,
)
from nas_core.provenance import KINDS, Provenance
from tests.benchmarks.open_bench import OpenFormulaBench
from tests.conftest import shared_file

N_SAMPLE = 40
MAX_METRICS = 4  # per dataset, spread over the list, to keep the suite fast
MAX_DATASETS = 3


def _suite_zero(file: str = "zc_nasbench201.json") -> Benchmark:
    return benchmarks.load("suite-zero", path=shared_file("naslib-zc", file))


def _table(preset: str, *parts: str) -> Callable[[], Benchmark]:
    return lambda: benchmarks.load("table", path=shared_file(*parts), preset=preset)


T200 = _table("nb201-200ep", "nb201-tables", "nb201_200ep_test_time_zc.csv")
T12 = _table("nb201-12ep", "nb201-tables", "nb201_12ep_test_valid.csv")
LAT = _table("nb201-latency", "nb201-latency", "nb201_latency_ms_27_devices.csv")


def _nb201_tiny(tmp: Path) -> Benchmark:
    from tests.benchmarks.test_nb201_pth import build_file

    pytest.importorskip("nas_201_api")
    path = tmp / "NAS-Bench-201-v1_1-096897.pth"
    if not path.exists():
        build_file(path)
    return benchmarks.load("nb201", path=path, progress=False)


def _joined() -> Benchmark:
    return benchmarks.join(benchmarks.load("analognas"), LAT(), T200(), T12(), _suite_zero())


def _surrogate(tmp: Path) -> Benchmark:
    """A small surrogate of analognas (xgb, 60 archs, two metrics), saved and loaded back."""
    import predictors
    from benchmarks.surrogate import fit_surrogate

    folder = tmp / "conformance-surrogate"
    if not folder.exists():
        src = benchmarks.load("analognas")
        fit_surrogate(
            src,
            None,
            ["baseline_accuracy", "analog_accuracy"],
            lambda: predictors.create("xgb", n_estimators=30),
            60,
            seed=0,
        ).save(folder)
    return benchmarks.load("surrogate", path=folder)


KNOWN: dict[str, list[tuple[str, Callable[[Path], Benchmark]]]] = {
    "analognas": [("analognas", lambda _: benchmarks.load("analognas"))],
    "nbgraph": [("nbgraph", lambda _: benchmarks.load("nbgraph"))],
    "suite-zero": [
        ("suite-zero", lambda _: _suite_zero()),
        ("suite-zero-nb101", lambda _: _suite_zero("zc_nasbench101.json")),
        ("suite-zero-nb301", lambda _: _suite_zero("zc_nasbench301.json")),
        ("suite-zero-tnb101-micro", lambda _: _suite_zero("zc_transbench101_micro.json")),
        ("suite-zero-tnb101-macro", lambda _: _suite_zero("zc_transbench101_macro.json")),
    ],
    "table": [
        ("table-nb201-200ep", lambda _: T200()),
        ("table-nb201-12ep", lambda _: T12()),
        ("table-nb201-latency", lambda _: LAT()),
    ],
    "nb201": [("nb201-tiny-official-format", _nb201_tiny)],
    "surrogate": [("surrogate-analognas-xgb", _surrogate)],
}


def _bare(name: str) -> Callable[[Path], Benchmark]:
    def make(_: Path) -> Benchmark:
        try:
            return benchmarks.load(name)
        except MissingFileError as e:
            pytest.skip(f"benchmark {name!r} needs a data file: {e}")

    return make


CASES = [case for name in benchmarks.list() for case in KNOWN.get(name, [(name, _bare(name))])]
CASES.append(("joined", lambda _: _joined()))
CASES.append(("open-formula", lambda _: OpenFormulaBench()))
_LOADED: dict[str, Benchmark] = {}


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def bench(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Benchmark:
    case, make = request.param
    if case not in _LOADED:
        try:
            _LOADED[case] = make(tmp_path_factory.getbasetemp())
        except ModuleNotFoundError as e:
            pytest.skip(f"benchmark {case!r} cannot be loaded here: {e}")
    return _LOADED[case]


# --- helpers ----------------------------------------------------------------------------------
def _datasets(b: Benchmark) -> list[str]:
    return list(b.datasets[:MAX_DATASETS])


def _metrics(b: Benchmark, d: str) -> list[str]:
    names = [m.name for m in b.metrics(d)]
    pick = np.unique(np.linspace(0, len(names) - 1, MAX_METRICS).round().astype(int))
    return [names[i] for i in pick]


def _measured(b: Benchmark, metric: str, d: str, epoch: int | None = None) -> list[Arch]:
    """Up to N_SAMPLE archs (seeded) that hold a value of `metric` on `d`."""
    rng = np.random.default_rng(0)
    if not is_finite(b):  # an open space lists nothing: sample it
        return b.space.sample(rng, N_SAMPLE)
    pool = b.archs(d)  # type: ignore[attr-defined]
    order = rng.permutation(len(pool))
    out = []
    for i in order:
        try:
            b.query(pool[i], metric, d, epoch=epoch)
        except NotInBenchmarkError:
            continue
        out.append(pool[i])
        if len(out) == N_SAMPLE:
            break
    assert out, f"no arch holds {metric!r} on {d!r}"
    return out


def _ids(b: Benchmark, archs: list[Arch]) -> list:
    """What identifies archs in `b`: space indices, or canonical strings on an open space."""
    if b.space.size is None:
        return [b.space.to_str(b.space.parse(a)) for a in archs]
    return b.space.indices(archs).tolist()


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    return bool(np.array_equal(x, y, equal_nan=True))


# --- the contract -----------------------------------------------------------------------------
def test_description(bench: Benchmark) -> None:
    assert bench.name and isinstance(bench.datasets, tuple) and bench.datasets
    assert bench.default_dataset in bench.datasets
    info = bench.info() if len(bench.datasets) < 10 else None
    if info is not None:
        assert info["space"] == bench.space.name
    for d in bench.datasets:
        ms = bench.metrics(d)
        assert ms and all(isinstance(m, MetricInfo) for m in ms)
        names = [m.name for m in ms]
        assert len(set(names)) == len(names)
        assert bench.metric_info(names[0], d) == ms[0]
        assert isinstance(bench.cost_source(d), str) and bench.cost_source(d)
    assert bench.has_optimum == is_finite(bench) == isinstance(bench, FiniteBenchmark)
    if not is_finite(bench):  # the finite part is absent, not half-present
        for attr in ("archs", "optimum", "best_arch", "to_frame"):
            assert not hasattr(bench, attr), attr
        assert bench.info()["num_archs"] is None and bench.info()["finite"] is False
        return
    archs = bench.archs()
    assert archs and all(type(a) is Arch and a.space == bench.space.name for a in archs)
    assert len(set(archs)) == len(archs)
    # the object-free listing agrees with archs(); archs(dataset) is offered everywhere
    if bench.space.size is None:  # an open space has no indices: archs() is the listing
        with pytest.raises(InvalidInputError, match=r"archs\(\)"):
            bench.arch_indices()
    else:
        assert np.array_equal(bench.arch_indices(), bench.space.indices(archs))
    held = set(_ids(bench, archs))
    for d in _datasets(bench):
        listed = bench.archs(d)
        assert listed and set(_ids(bench, listed)) <= held
        if bench.space.size is not None:
            assert np.array_equal(bench.arch_indices(d), bench.space.indices(listed))
    with pytest.raises(UnknownNameError):
        bench.archs("no-such-dataset")


def test_roles_splits_and_provenance(bench: Benchmark) -> None:
    for d in bench.datasets:
        for m in bench.metrics(d):
            assert m.role in ROLES, (m.name, m.role)
            assert m.split is None or m.split in SPLITS, (m.name, m.split)
            p = m.provenance
            assert isinstance(p, Provenance) and p.kind in KINDS
            assert p.kind != "unstated", f"{m.name!r} on {d!r} has no provenance"
            assert p.source.strip() and p.line().startswith(f"{p.kind}: ")
            info = m.to_dict()
            assert info["role"] == m.role and info["provenance"]["source"] == p.source
    roles = {m.role for d in bench.datasets for m in bench.metrics(d)}
    assert roles & {"objective", "hardware", "proxy"}, "nothing a study could optimise"


def test_query_shapes_and_agreement(bench: Benchmark) -> None:
    for d in _datasets(bench):
        for m in _metrics(bench, d):
            archs = _measured(bench, m, d)
            one = bench.query(archs[0], m, d)
            assert type(one) is float
            batch = bench.query(archs, m, d)
            assert isinstance(batch, np.ndarray) and batch.dtype == np.float32
            assert batch.shape == (len(archs),)
            singles = np.array([bench.query(a, m, d) for a in archs], dtype=np.float32)
            assert _same(batch, singles), f"{m} on {d}: batch and single queries differ"
            if bench.space.size is not None:
                idx = bench.space.indices(archs)
                assert _same(bench.query(idx, m, d), batch)  # an int array is a batch too
            assert _same(bench.query(archs, m, d), batch)  # deterministic
            assert bench.query(bench.space.to_str(archs[0]), m, d) == one or math.isnan(one)


def test_epochs(bench: Benchmark) -> None:
    for d in _datasets(bench):
        for m in _metrics(bench, d)[:2]:
            eps = bench.epochs(m, d)
            assert eps and all(e is None or (isinstance(e, int) and e > 0) for e in eps)
            final = bench.query(_measured(bench, m, d)[:5], m, d)
            numbered = [e for e in eps if e is not None]
            if None not in eps:  # epoch=None is the last epoch
                archs = _measured(bench, m, d)[:5]
                assert _same(bench.query(archs, m, d, epoch=max(numbered)), final)
            for e in numbered[:1] + numbered[-1:]:
                assert type(bench.query(_measured(bench, m, d, e)[0], m, d, epoch=e)) is float


def test_optimum_is_best_arch_value(bench: Benchmark) -> None:
    if not is_finite(bench):
        pytest.skip("an open space has no optimum")
    for d in _datasets(bench):
        for m in _metrics(bench, d)[:2]:
            opt = bench.optimum(m, d)
            best = bench.best_arch(m, d)
            assert type(best) is Arch
            assert bench.query(best, m, d) == opt
            sample = bench.query(_measured(bench, m, d), m, d)
            info = bench.metric_info(m, d)
            if info.higher_is_better:
                assert opt >= np.nanmax(sample)
            else:
                assert opt <= np.nanmin(sample)


def test_cost(bench: Benchmark) -> None:
    d = bench.default_dataset
    m = bench.metrics(d)[0].name
    archs = _measured(bench, m, d)
    try:
        one = bench.cost(archs[0], d)
    except NotInBenchmarkError:  # cost from a part that lacks this arch (joined benchmarks)
        archs = bench.archs()[:N_SAMPLE]  # type: ignore[attr-defined]
        one = bench.cost(archs[0], d)
    assert type(one) is float and one > 0
    many = bench.cost(archs, d)
    assert isinstance(many, np.ndarray) and many.shape == (len(archs),) and (many > 0).all()
    assert many[0] == one


def test_cost_info_agrees_with_cost(bench: Benchmark) -> None:
    for d in _datasets(bench):
        info = bench.cost_info(d)
        assert isinstance(info, CostInfo) and info.kind in COST_KINDS and info.unit == "s"
        assert bench.cost_source(d) == info.description and info.description
        assert not info.continues or info.epoch_dependent  # continuing needs epochs
        m = bench.metrics(d)[0].name
        archs = _measured(bench, m, d)[:10]
        try:
            final = bench.cost(archs, d)
        except NotInBenchmarkError:  # a joined cost part lacks these archs
            continue
        if info.kind == "unit":
            assert (final == 1.0).all() and not info.epoch_dependent
        try:
            first = bench.cost(archs, d, epoch=1)
        except InvalidInputError:  # a measured final time only: epoch 1 has no cost
            assert not info.epoch_dependent
            continue
        if info.epoch_dependent:  # one epoch costs less than the whole schedule
            assert (first < final).all()
            if info.continues:
                assert (bench.cost(archs, d, epoch=2) >= first).all()
        else:
            assert np.array_equal(first, final)


def test_to_frame(bench: Benchmark) -> None:
    if not is_finite(bench):
        pytest.skip("an open space has no table")
    frame = bench.to_frame()
    assert len(frame) == len(bench.archs())
    # rows are keyed by the space index, or on an open space (no index) by the canonical string
    key = "arch" if bench.space.size is None else "index"
    assert {key, "arch"} <= set(frame.columns)
    assert frame[key].is_unique
    n_metrics = len(bench.metrics(bench.default_dataset))
    assert frame.shape[1] >= 2 + n_metrics
    first = bench.archs()[0]
    assert frame["arch"].iloc[0] == bench.space.to_str(first)


def test_errors(bench: Benchmark) -> None:
    d = bench.default_dataset
    m = bench.metrics(d)[0].name
    a = _measured(bench, m, d)[0]
    with pytest.raises(UnknownNameError) as e:
        bench.query(a, m, "no-such-dataset")
    assert isinstance(e.value, KeyError) and d in str(e.value)
    with pytest.raises(UnknownNameError) as e:
        bench.query(a, "no_such_metric", d)
    assert isinstance(e.value, KeyError) and m in str(e.value)
    with pytest.raises(InvalidArchError):
        bench.query("definitely not an architecture", m, d)
    with pytest.raises(InvalidArchError):
        bench.query(Arch("no-such-space", (0,)), m, d)
    with pytest.raises(InvalidArchError):
        bench.query([a, "definitely not an architecture"], m, d)
    if not is_finite(bench):
        return
    with pytest.raises(UnknownNameError):
        bench.optimum("no_such_metric", d)
    size = bench.space.size
    if size is None:  # an open space: a sampled arch the table lacks
        held_keys = set(_ids(bench, bench.archs()))
        rng = np.random.default_rng(0)
        absent_arch = next(
            (x for x in bench.space.sample(rng, 50) if bench.space.to_str(x) not in held_keys),
            None,
        )
        if absent_arch is not None:
            with pytest.raises(NotInBenchmarkError):
                bench.query(absent_arch, m, d)
            with pytest.raises(NotInBenchmarkError):
                bench.query([a, absent_arch], m, d)
        return
    held = set(bench.space.indices(bench.archs()).tolist())
    if len(held) < size:
        absent = next(i for i in range(size) if i not in held)
        with pytest.raises(NotInBenchmarkError):
            bench.query(bench.space.from_index(absent), m, d)
        with pytest.raises(NotInBenchmarkError):
            bench.query([a, bench.space.from_index(absent)], m, d)
