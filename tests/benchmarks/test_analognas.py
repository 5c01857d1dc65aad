from __future__ import annotations

import importlib.util
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import benchmarks
from benchmarks import analognas
from nas_core import DataFormatError, InvalidInputError, NotInBenchmarkError, UnknownNameError


@pytest.fixture(scope="module")
def bench():
    return benchmarks.load("analognas")


@pytest.fixture(scope="module")
def package_data():
    """The package's own data, read the package's way (its module stubbed of pkg_resources)."""
    spec = importlib.util.find_spec("analognasbench")
    root = Path(next(iter(spec.submodule_search_locations)))
    sys.modules.setdefault("pkg_resources", types.ModuleType("pkg_resources"))
    from analognasbench import data as pkg  # noqa: F401 - registers the classes for pickle

    with open(root / "data.anb", "rb") as f:
        return pickle.load(f)


def test_every_value_equals_the_package_data(bench, package_data):
    space = bench.space
    assert len(bench.archs()) == len(package_data) == 15625
    for ops, rec in package_data.items():
        a = space.parse(ops)
        for m in analognas.ACCURACIES:
            assert bench.query(a, m) == np.float32(getattr(rec, m)), (ops, m)
        for kind in ("baseline", "analog"):
            for t in analognas.DRIFT_TIMES:
                d = getattr(rec, f"{kind}_drift_{t}")
                assert bench.query(a, f"{kind}_drift_{t}") == np.float32(d.value)
                assert bench.query(a, f"{kind}_drift_{t}_std") == np.float32(d.uncertainty)


def test_metadata(bench):
    assert bench.datasets == ("cifar10",)
    names = [m.name for m in bench.metrics("cifar10")]
    assert len(names) == 5 + 16 and "analog_drift_2592000_std" in names
    assert "Benmeziane" in bench.citation and bench.licence
    assert "unit cost" in bench.cost_source()


def test_batch_and_single_agree(bench):
    idx = np.random.default_rng(0).integers(0, 15625, 100)
    archs = [bench.space.from_index(int(i)) for i in idx]
    batch = bench.query(archs, "analog_accuracy")
    assert batch.dtype == np.float32 and batch.shape == (100,)
    assert np.array_equal(batch, bench.query(idx, "analog_accuracy"))
    assert [bench.query(a, "analog_accuracy") for a in archs] == batch.tolist()
    assert bench.query(bench.space.to_str(archs[0]), "analog_accuracy") == batch[0]


def test_optimum_is_the_best_arch_value(bench):
    best = bench.best_arch("baseline_accuracy")
    assert bench.query(best, "baseline_accuracy") == pytest.approx(
        bench.optimum("baseline_accuracy")
    )
    assert bench.optimum("baseline_accuracy") == pytest.approx(
        float(np.max(bench.query(np.arange(15625), "baseline_accuracy")))
    )


def test_errors_name_valid_choices(bench):
    with pytest.raises(UnknownNameError, match="baseline_accuracy") as e:
        bench.query(0, "baseline_acuracy")
    assert "Did you mean 'baseline_accuracy'" in str(e.value)
    with pytest.raises(UnknownNameError, match="cifar10"):
        bench.query(0, "baseline_accuracy", "cifar100")
    with pytest.raises(InvalidInputError, match="epoch"):
        bench.query(0, "baseline_accuracy", epoch=12)
    with pytest.raises(InvalidInputError, match="seed"):
        bench.query(0, "baseline_accuracy", seed=1)
    with pytest.raises(UnknownNameError):
        benchmarks.load("analognass")


def test_cache_is_reused_and_rebuilt_when_source_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("NASLAB_HOME", str(tmp_path))
    src = analognas.data_path()
    copy = tmp_path / "data.anb"
    copy.write_bytes(src.read_bytes())
    b1 = analognas.load(copy)
    entries = list((tmp_path / "cache" / "analognas").iterdir())
    assert len(entries) == 1
    analognas.load(copy)
    assert list((tmp_path / "cache" / "analognas").iterdir()) == entries
    # A changed source (here: a truncated pickle) gets a new key and a clear error.
    copy.write_bytes(src.read_bytes()[:1000])
    with pytest.raises(DataFormatError):
        analognas.load(copy)
    assert b1.query(0, "baseline_accuracy") > 0


def test_restricted_unpickler_refuses_foreign_globals(tmp_path):
    evil = tmp_path / "evil.anb"
    evil.write_bytes(pickle.dumps({(0,) * 6: Path("x")}))  # any non-admitted class
    with pytest.raises(DataFormatError, match="refusing"):
        analognas.read_source(evil)


def test_absent_arch_in_partial_table_raises(bench):
    from benchmarks.base import TabularBenchmark
    from benchmarks.store import TableStore

    store = TableStore.from_columns(
        "nb201", np.array([3, 7]), {("d", "m", None, None): np.array([1.0, 2.0])}
    )
    tb = TabularBenchmark("tiny", store, {})
    assert tb.query(7, "m") == 2.0
    assert np.array_equal(tb.query([3, 7], "m"), np.array([1.0, 2.0], dtype=np.float32))
    with pytest.raises(NotInBenchmarkError, match="not in benchmark 'tiny'"):
        tb.query(5, "m")
