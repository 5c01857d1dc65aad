"""`suite-zero` on the real NAS-Bench-Suite-Zero file, plus format errors on tiny files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

import benchmarks
from benchmarks import suite_zero
from nas_core import spaces
from nas_core.errors import (
    DataFormatError,
    InvalidInputError,
    MissingFileError,
    NotInBenchmarkError,
    UnknownNameError,
)
from tests.conftest import shared_file

SPACE = spaces.get("nb201")
PROXIES = ("flops", "params", "synflow", "grasp", "fisher", "grad_norm", "l2_norm", "plain",
           "nwot", "epe_nas", "jacov", "snip")  # fmt: skip


@pytest.fixture(scope="module")
def real() -> tuple[Path, dict]:
    path = shared_file("naslib-zc", "zc_nasbench201.json")
    return path, json.loads(path.read_text())


def test_real_file_values(real: tuple[Path, dict]) -> None:
    path, raw = real
    bench = benchmarks.load("suite-zero", path=path)
    assert bench.datasets == ("cifar10", "cifar100", "ImageNet16-120")
    for ds in bench.datasets:
        names = {m.name for m in bench.metrics(ds)}
        assert {"val_accuracy", *PROXIES, *(f"{p}_time" for p in PROXIES)} <= names
        assert len(bench.archs(ds)) == len(raw[ds])
        keys = list(raw[ds])
        archs = [SPACE.parse(k) for k in keys]
        for m in ("val_accuracy", "synflow", "nwot", "jacov"):
            want = np.array(
                [raw[ds][k][m] if m == "val_accuracy" else raw[ds][k][m]["score"] for k in keys],
                dtype=np.float32,
            )
            np.testing.assert_array_equal(bench.query(archs, m, ds), want)
        want_t = np.float32(raw[ds][keys[0]]["snip"]["time"])
        assert bench.query(keys[0], "snip_time", ds) == want_t
    assert len(bench.archs()) == len({k for ds in raw.values() for k in ds})
    # every proxy has a described MetricInfo citing where it comes from
    for p in PROXIES[2:]:
        assert "(" in bench.metric_info(p).description
    assert bench.metric_info("flops").higher_is_better is False


def test_absent_arch_per_dataset(real: tuple[Path, dict]) -> None:
    path, raw = real
    bench = suite_zero.load(path)
    only_c100 = set(raw["cifar100"]) - set(raw["cifar10"])
    assert only_c100  # cifar10 has 724 archs, cifar100 725
    key = sorted(only_c100)[0]
    assert np.isfinite(bench.query(key, "val_accuracy", "cifar100"))
    with pytest.raises(NotInBenchmarkError, match="cifar10"):
        bench.query(key, "val_accuracy", "cifar10")
    with pytest.raises(NotInBenchmarkError):
        bench.query([key, sorted(raw["cifar10"])[0]], "synflow", "cifar10")
    with pytest.raises(NotInBenchmarkError, match="not in benchmark"):
        bench.query(SPACE.from_index(0), "val_accuracy")
    with pytest.raises(NotInBenchmarkError):
        bench.cost(key, "cifar10")
    assert bench.cost(key, "cifar100") == 1.0
    with pytest.raises(UnknownNameError, match="Did you mean 'synflow'"):
        bench.query(key, "synflo", "cifar100")


def test_optimum_and_frame(real: tuple[Path, dict]) -> None:
    path, raw = real
    bench = suite_zero.load(path)
    best = max(v["val_accuracy"] for v in raw["cifar10"].values())
    assert bench.optimum("val_accuracy") == pytest.approx(best, rel=1e-6)
    assert bench.query(bench.best_arch("val_accuracy"), "val_accuracy") == bench.optimum(
        "val_accuracy"
    )
    # NASWOT's -inf for a singular kernel is kept as computed
    assert np.isneginf(bench.to_frame()["cifar10/nwot"]).sum() == 1
    frame = bench.to_frame()
    assert len(frame) == 725 and "naslib_idx" in frame


def test_nb201_params_correlate_with_accuracy(real: tuple[Path, dict]) -> None:
    """A real-data sanity check: params rank like validation accuracy (known positive)."""
    path, _ = real
    bench = suite_zero.load(path)
    archs = bench.archs("cifar10")
    rho = spearmanr(bench.query(archs, "params"), bench.query(archs, "val_accuracy"))[0]
    assert rho > 0.5


@pytest.mark.parametrize(
    ("name", "space"),
    [
        ("zc_nasbench101.json", "nb101"),
        ("zc_nasbench301.json", "darts"),
        ("zc_transbench101_micro.json", "tnb101"),
        ("zc_transbench101_macro.json", "tnb101"),
    ],
)
def test_unsupported_spaces(name: str, space: str) -> None:
    path = shared_file("naslib-zc", name)
    with pytest.raises(InvalidInputError, match=f"{space}.*supported: zc_nasbench201.json"):
        suite_zero.load(path)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="naslib/data/zc_nasbench201.json"):
        benchmarks.load("suite-zero")
    with pytest.raises(MissingFileError, match="not found at"):
        suite_zero.load(tmp_path / "zc_nasbench201.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataFormatError):
        suite_zero.load(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"mnist": {}}))
    with pytest.raises(DataFormatError, match="task names"):
        suite_zero.load(other)


def test_tiny_file_roundtrip(tmp_path: Path) -> None:
    rec = {"idx": "5", "val_accuracy": 80.5, "synflow": {"score": 3.0, "time": 0.25}}
    data = {"cifar10": {"(0, 2, 3, 2, 3, 1)": rec}, "cifar100": {}}
    p = tmp_path / "zc_nasbench201.json"
    p.write_text(json.dumps(data))
    bench = suite_zero.load(p)
    arch = SPACE.parse((0, 2, 3, 2, 3, 1))
    assert bench.query(arch, "synflow") == 3.0
    assert bench.query(arch, "synflow_time") == 0.25
    assert bench.to_frame()["naslib_idx"].tolist() == [5]
