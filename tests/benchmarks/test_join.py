"""`benchmarks.join`: composition rules on tiny tables, and cross-checks of the real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import benchmarks
from benchmarks import table
from benchmarks.join_bench import JoinedBenchmark
from nas_core import spaces
from nas_core.errors import InvalidInputError, NotInBenchmarkError, UnknownNameError
from tests.conftest import shared_file

SPACE = spaces.get("nb201")


def _tiny(tmp_path: Path, name: str, idx: list[int], cols: dict[str, list[float]]) -> Path:
    frame = pd.DataFrame({"cell": [SPACE.to_str(SPACE.from_index(i)) for i in idx], **cols})
    p = tmp_path / f"{name}.csv"
    frame.to_csv(p, index=False)
    return p


@pytest.fixture
def parts(tmp_path: Path) -> tuple[table.SparseTabularBenchmark, ...]:
    a = table.load(
        _tiny(tmp_path, "a", [1, 2, 3], {"acc": [90.0, 80, 70], "t": [10.0, 20, 30]}),
        "nb201",
        "cell",
        {"acc": "c10/acc@200", "t": "c10/time"},
        cost_columns="t",
        name="a",
    )
    b = table.load(
        _tiny(tmp_path, "b", [2, 3, 4], {"acc": [50.0, 40, 30], "lat": [1.0, 2, 3]}),
        "nb201",
        "cell",
        {"acc": "c10/acc@12", "lat": "latency"},
        dataset=["c10", "c100"],
        name="b",
    )
    c = table.load(
        _tiny(tmp_path, "c", [1, 2], {"acc": [91.0, 81]}),
        "nb201",
        "cell",
        {"acc": "c10/acc@200"},
        name="c",
    )
    return a, b, c


def test_metrics_merge_across_epochs(parts: tuple) -> None:
    a, b, _ = parts
    j = benchmarks.join(a, b)
    assert isinstance(j, JoinedBenchmark) and j.name == "a+b"
    assert j.datasets == ("c10", "c100")
    assert [m.name for m in j.metrics("c10")] == ["acc", "time", "latency"]
    assert j.epochs("acc", "c10") == [12, 200]
    x = SPACE.from_index(2)
    assert j.query(x, "acc", "c10") == 80.0  # epoch=None: the final (200) value
    assert j.query(x, "acc", "c10", epoch=12) == 50.0
    assert j.part_of("acc", "c10", epoch=12) == "b"
    np.testing.assert_array_equal(j.query([x, SPACE.from_index(3)], "latency", "c100"), [1, 2])
    # archs = union; a missing arch raises for the part that lacks it only
    assert [SPACE.index(a_) for a_ in j.archs()] == [1, 2, 3, 4]
    four = SPACE.from_index(4)
    assert j.query(four, "latency", "c10") == 3.0
    with pytest.raises(NotInBenchmarkError, match="part 'a'"):
        j.query(four, "acc", "c10")
    # cost: from the part with measured times
    assert j.cost(x, "c10") == 20.0 and "part 'a'" in j.cost_source("c10")
    assert j.cost(four, "c100") == 1.0 and "unit cost" in j.cost_source("c100")
    with pytest.raises(NotInBenchmarkError):
        j.cost(SPACE.from_index(9), "c100")
    with pytest.raises(InvalidInputError, match="available epochs"):
        j.query(x, "acc", "c10", epoch=50)
    with pytest.raises(UnknownNameError, match="Did you mean 'latency'"):
        j.query(x, "latenc", "c10")
    with pytest.raises(UnknownNameError):
        j.query(x, "acc", "c1000")
    assert j.optimum("acc", "c10", epoch=12) == 50.0
    assert j.best_arch("acc", "c10") == SPACE.from_index(1)
    frame = j.to_frame()
    assert frame.shape[0] == 4 and {"c10/acc@200", "c10/acc@12", "c100/latency"} <= set(frame)


def test_clash_is_prefixed_with_part_name(parts: tuple) -> None:
    a, b, c = parts
    j = benchmarks.join(a, b, c, name="abc")
    names = [m.name for m in j.metrics("c10")]
    assert "a:acc" in names and "c:acc" in names and "b:acc" in names and "acc" not in names
    x = SPACE.from_index(1)
    assert j.query(x, "a:acc", "c10") == 90.0 and j.query(x, "c:acc", "c10") == 91.0
    frame = j.to_frame()
    assert {"c10/a:acc@200", "c10/c:acc@200"} <= set(frame)
    c2 = table.load(Path(c.store.meta["source"]), "nb201", "cell", {"acc": "c10/acc@200"}, name="a")
    with pytest.raises(InvalidInputError, match="distinct names"):
        benchmarks.join(a, c2)
    with pytest.raises(InvalidInputError, match="twice"):
        benchmarks.join(a, a)


def test_different_spaces_refused(parts: tuple) -> None:
    class Other:
        name = "other"

    a = parts[0]
    fake = JoinedBenchmark.__new__(JoinedBenchmark)
    fake.space = type("OtherSpace", (), {"name": "other-space"})()  # a benchmark of another space
    fake.name = "other"
    with pytest.raises(InvalidInputError, match="different spaces"):
        JoinedBenchmark([a, fake])
    with pytest.raises(InvalidInputError, match="Benchmark objects"):
        benchmarks.join(a, Other())  # type: ignore[arg-type]


# --- real data ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def analognas() -> benchmarks.Benchmark:
    return benchmarks.load("analognas")


def test_analognas_vs_200ep_table(analognas: benchmarks.Benchmark) -> None:
    """All 15,625 cells: analognas baseline accuracy vs the 200-epoch CIFAR-10 column, the table's
    NB201 strings converted with naslab's parser. README reports 0.991."""
    raw = pd.read_csv(shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv"))
    archs = [SPACE.parse(s) for s in raw["arch_str"]]
    assert len(set(archs)) == 15625
    rho = spearmanr(analognas.query(archs, "baseline_accuracy"), raw["cifar10_test_acc_200ep"])[0]
    print(f"analognas vs 200-epoch CIFAR-10 test acc, 15,625 cells: Spearman {rho:.4f}")
    assert rho >= 0.99


def test_analognas_vs_suite_zero(analognas: benchmarks.Benchmark) -> None:
    sz = benchmarks.load("suite-zero", path=shared_file("naslib-zc", "zc_nasbench201.json"))
    j = benchmarks.join(analognas, sz)
    archs = sz.archs("cifar10")
    assert len(archs) == 724
    rho = spearmanr(
        j.query(archs, "baseline_accuracy", "cifar10"), j.query(archs, "val_accuracy", "cifar10")
    )[0]
    print(f"analognas vs suite-zero val_accuracy, 724 CIFAR-10 archs: Spearman {rho:.4f}")
    assert rho >= 0.95


def test_joined_hardware_aware_benchmark(analognas: benchmarks.Benchmark) -> None:
    lat = benchmarks.load(
        "table",
        path=shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv"),
        preset="nb201-latency",
    )
    t200 = benchmarks.load(
        "table",
        path=shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv"),
        preset="nb201-200ep",
    )
    j = benchmarks.join(analognas, lat, t200)
    x = SPACE.from_index(4321)
    assert j.query(x, "analog_accuracy") == analognas.query(x, "analog_accuracy")
    assert j.query(x, "latency_pixel3") == lat.query(x, "latency_pixel3")
    assert j.cost(x) == t200.cost(x) and j.cost(x) > 100
    assert len(j.archs()) == 15625


def test_parts_keep_roles_and_provenance_and_open_parts_are_refused(parts: tuple) -> None:
    from tests.benchmarks.open_bench import OpenFormulaBench

    a, b, c = parts
    j = benchmarks.join(a, b, c)
    # clashing metrics are renamed but keep their part's description
    renamed = j.metric_info("a:acc", "c10")
    assert renamed.provenance == a.metric_info("acc", "c10").provenance
    assert renamed.role == "objective"
    assert j.metric_info("latency", "c100").role == "hardware"  # inferred in the part, kept
    assert j.cost_info("c10").kind == "measured_training_time"
    assert "part 'a'" in j.cost_info("c10").description
    assert j.cost_info("c100").kind == "unit"
    with pytest.raises(InvalidInputError, match="open space"):
        benchmarks.join(a, OpenFormulaBench())


def test_cost_of_the_12_epoch_column_is_12_epochs() -> None:
    """Joined 200- and 12-epoch tables: the test_acc@12 query costs 12 epochs of measured time
    (12 x the measured seconds per epoch, a run of its own), not the 200-epoch training time."""
    t200 = benchmarks.load(
        "table",
        path=shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv"),
        preset="nb201-200ep",
    )
    t12 = benchmarks.load(
        "table", path=shared_file("nb201-tables", "nb201_12ep_test_valid.csv"), preset="nb201-12ep"
    )
    j = benchmarks.join(t200, t12)
    archs = SPACE.archs_at(np.arange(0, 15625, 977))
    assert j.epochs("test_acc", "cifar10") == [12, 200]
    per_epoch = t200.query(archs, "train_time_per_epoch", "cifar10").astype(np.float64)
    np.testing.assert_allclose(j.cost(archs, "cifar10", epoch=12), 12 * per_epoch, rtol=1e-6)
    full = j.cost(archs, "cifar10")
    np.testing.assert_array_equal(full, t200.query(archs, "train_time", "cifar10"))
    assert (j.cost(archs, "cifar10", epoch=12) < full / 10).all()
    info = j.cost_info("cifar10")
    assert info.epoch_dependent and not info.continues  # a 12-epoch run is trained on its own
