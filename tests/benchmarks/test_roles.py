"""Metric roles, splits and provenance: validation, the embedded benchmarks' own, and how a user
table states them (roles=, provenance=) or has them inferred from its column names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import benchmarks
from benchmarks import table
from benchmarks.base import CostInfo, MetricInfo
from nas_core import spaces
from nas_core.errors import InvalidInputError, UnknownNameError
from nas_core.provenance import Provenance
from tests.conftest import shared_file

SPACE = spaces.get("nb201")


def test_metric_info_and_provenance_validate() -> None:
    with pytest.raises(InvalidInputError, match="role must be one of"):
        MetricInfo("x", "x", role="accuracy")
    with pytest.raises(InvalidInputError, match="split must be one of"):
        MetricInfo("x", "x", split="validation")
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        Provenance("guessed", "me")
    with pytest.raises(InvalidInputError, match="non-empty source"):
        Provenance("measured", "  ")
    assert MetricInfo("x", "x").provenance.kind == "unstated"  # never silently 'measured'
    p = Provenance.from_any("measured: my lab, 3 seeds")
    assert p == Provenance("measured", "my lab, 3 seeds")
    assert Provenance.from_any(p.to_dict()) == p
    assert MetricInfo("x", "x", provenance=p.to_dict()).provenance == p
    with pytest.raises(InvalidInputError, match="kind: source"):
        Provenance.from_any("just words")
    with pytest.raises(InvalidInputError, match="cost kind"):
        CostInfo("free", "nothing")


def test_embedded_benchmarks_roles() -> None:
    ana = benchmarks.load("analognas")
    roles = {m.name: m.role for m in ana.metrics()}
    assert roles["baseline_accuracy"] == roles["qat_accuracy"] == "objective"
    assert roles["analog_accuracy"] == roles["analog_drift_86400"] == "hardware"
    assert roles["analog_drift_86400_std"] == "uncertainty"
    assert {m.split for m in ana.metrics()} == {"test"}
    assert "25 augmented test passes" in ana.metric_info("baseline_accuracy").provenance.detail
    nbg = benchmarks.load("nbgraph")
    got = {m.name: (m.role, m.split) for m in nbg.metrics("arxiv")}
    assert got == {
        "valid_perf": ("objective", "valid"),
        "test_perf": ("objective", "test"),
        "latency": ("hardware", None),
        "params": ("size", None),
    }
    assert "NAS-Bench-Graph" in nbg.metric_info("latency", "arxiv").provenance.source


def test_suite_zero_roles() -> None:
    sz = benchmarks.load("suite-zero", path=shared_file("naslib-zc", "zc_nasbench201.json"))
    info = {m.name: m for m in sz.metrics("cifar10")}
    assert info["val_accuracy"].role == "objective" and info["val_accuracy"].split == "valid"
    assert info["val_accuracy"].provenance.kind == "measured"
    assert info["synflow"].role == info["nwot"].role == "proxy"
    assert info["synflow"].provenance.kind == "computed"
    assert "Suite-Zero" in info["synflow"].provenance.source
    assert info["flops"].role == info["params"].role == "size"
    assert info["synflow_time"].role == "compute_time"


def test_presets_state_roles_and_provenance() -> None:
    lat = benchmarks.load(
        "table",
        path=shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv"),
        preset="nb201-latency",
    )
    pixel = lat.metric_info("latency_pixel3")
    assert pixel.role == "hardware" and "HW-NAS-Bench" in pixel.provenance.source
    assert "BRP-NAS" in lat.metric_info("latency_samsung_s7").provenance.source
    t200 = benchmarks.load(
        "table",
        path=shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv"),
        preset="nb201-200ep",
    )
    assert t200.metric_info("naswot").role == "proxy"
    assert t200.metric_info("naswot").provenance.kind == "computed"
    assert t200.metric_info("test_acc").split == "test"
    assert t200.metric_info("train_time").role == "train_time"
    assert "inferred" not in t200.metric_info("test_acc").description


def _csv(tmp_path: Path) -> Path:
    archs = [SPACE.from_index(i) for i in (1, 2, 3)]
    frame = pd.DataFrame(
        {
            "cell": [SPACE.to_str(a) for a in archs],
            "val_acc": [80.0, 81, 82],
            "gpu_latency_ms": [1.0, 2, 3],
            "mystery": [0.1, 0.2, 0.3],
            "t_total": [100.0, 200, 300],
            "t_epoch": [1.0, 2, 3],
        }
    )
    p = tmp_path / "t.csv"
    frame.to_csv(p, index=False)
    return p


MAPPING = {
    "val_acc": "c10/val_acc@100",
    "gpu_latency_ms": "c10/gpu_latency_ms",
    "mystery": "c10/mystery",
    "t_total": "c10/train_time@100",
    "t_epoch": "c10/train_time_per_epoch",
}


def test_user_table_roles_inferred_and_said(tmp_path: Path) -> None:
    b = table.load(_csv(tmp_path), "nb201", "cell", MAPPING)
    info = {m.name: m for m in b.metrics("c10")}
    assert (info["val_acc"].role, info["val_acc"].split) == ("objective", "valid")
    assert info["gpu_latency_ms"].role == "hardware"
    assert info["train_time"].role == "train_time"
    assert info["mystery"].role == "objective"
    assert all("inferred from the name" in m.description for m in info.values())
    assert all(
        m.provenance.kind == "unstated" and "t.csv" in m.provenance.source for m in info.values()
    )


def test_user_table_roles_and_provenance_given(tmp_path: Path) -> None:
    b = table.load(
        _csv(tmp_path),
        "nb201",
        "cell",
        MAPPING,
        roles={"mystery": "proxy"},
        provenance={"kind": "measured", "source": "our lab", "detail": "3 seeds"},
    )
    m = b.metric_info("mystery", "c10")
    assert m.role == "proxy" and "inferred" not in m.description
    assert b.metric_info("val_acc", "c10").provenance == Provenance(
        "measured", "our lab", "3 seeds"
    )
    per = table.load(
        _csv(tmp_path),
        "nb201",
        "cell",
        MAPPING,
        provenance={"mystery": "computed: naslab zerocost, 1 batch", "val_acc": "measured: us"},
    )
    assert per.metric_info("mystery", "c10").provenance.kind == "computed"
    assert per.metric_info("gpu_latency_ms", "c10").provenance.kind == "unstated"
    with pytest.raises(InvalidInputError, match="not a role"):
        table.load(_csv(tmp_path), "nb201", "cell", MAPPING, roles={"mystery": "accuracy"})
    with pytest.raises(UnknownNameError, match="nope"):
        table.load(_csv(tmp_path), "nb201", "cell", MAPPING, roles={"nope": "proxy"})


def test_user_table_cost_per_epoch(tmp_path: Path) -> None:
    b = table.load(
        _csv(tmp_path),
        "nb201",
        "cell",
        MAPPING,
        cost_columns="t_total",
        cost_per_epoch_columns="t_epoch",
    )
    a = SPACE.from_index(2)
    assert b.cost(a, "c10") == 200.0 and b.cost(a, "c10", epoch=100) == 200.0
    assert b.cost(a, "c10", epoch=12) == 24.0  # 12 x 2 s per epoch, a run of its own
    info = b.cost_info("c10")
    assert info.epoch_dependent and not info.continues and "per epoch" in info.description
    only_total = table.load(_csv(tmp_path), "nb201", "cell", MAPPING, cost_columns="t_total")
    assert not only_total.cost_info("c10").epoch_dependent
    with pytest.raises(InvalidInputError, match="only at epochs \\[100\\]"):
        only_total.cost(a, "c10", epoch=12)
    with pytest.raises(InvalidInputError, match="needs a cost column"):
        table.load(_csv(tmp_path), "nb201", "cell", MAPPING, cost_per_epoch_columns="t_epoch")
