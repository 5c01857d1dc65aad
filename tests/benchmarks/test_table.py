"""`table`: the column mapping on tiny files, and the presets on the real NAS-Bench-201 tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import benchmarks
from benchmarks import table
from nas_core import spaces
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    MissingFileError,
    NotInBenchmarkError,
    UnknownNameError,
)
from tests.conftest import shared_file

SPACE = spaces.get("nb201")
ARCHS = [SPACE.from_index(i) for i in (5, 100, 2000, 15000)]


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "official": [40, 10, 30, 20],
            "cell": [SPACE.to_str(a) for a in ARCHS],
            "c10_acc": [90.0, 80.0, np.nan, 70.0],
            "c10_acc_12": [60.0, 50.0, 55.0, 40.0],
            "c100_acc": [70.0, 60.0, 50.0, 40.0],
            "c10_time": [100.0, 200.0, 300.0, 400.0],
            "fpga": [1.5, 2.5, 3.5, 4.5],
        }
    )
    p = tmp_path / "tiny.csv"
    frame.to_csv(p, index=False)
    return p


MAPPING = {
    "{ds}_acc": "{ds}/acc@200",
    "c10_acc_12": "c10/acc@12",
    "c10_time": "c10/time@200",
    "fpga": "latency_fpga",
}


def test_dict_mapping(tiny_csv: Path) -> None:
    b = table.load(
        tiny_csv, "nb201", "cell", MAPPING, cost_columns="c10_time", dataset=["c10", "c100"]
    )
    assert b.datasets == ("c10", "c100")
    assert b.epochs("acc", "c10") == [12, 200]
    assert b.query(ARCHS[0], "acc", "c10") == 90.0
    assert b.query(ARCHS[0], "acc", "c10", epoch=12) == 60.0
    assert b.query(ARCHS[3], "latency_fpga", "c100") == 4.5  # dataset-free column, repeated
    assert b.cost(ARCHS[1], "c10") == 200.0
    assert "measured" in b.cost_source("c10") and "unit" in b.cost_source("c100")
    assert b.metric_info("latency_fpga").higher_is_better is False
    assert b.metric_info("acc").higher_is_better is True
    # the official index column is kept as an extra; the string arch column is not
    frame = b.to_frame()
    assert frame["official"].tolist() == [40, 10, 30, 20] and "cell" not in frame
    # an empty cell means "not measured"
    with pytest.raises(NotInBenchmarkError, match="'acc' on 'c10'"):
        b.query(ARCHS[2], "acc", "c10")
    assert b.query(ARCHS[2], "acc", "c10", epoch=12) == 55.0
    with pytest.raises(NotInBenchmarkError, match="not in benchmark"):
        b.query(SPACE.from_index(0), "acc", "c10")


def test_compact_string_and_json_forms(tiny_csv: Path, tmp_path: Path) -> None:
    ref = table.load(tiny_csv, "nb201", "cell", MAPPING, dataset="c10")
    compact = "c10_acc=c10/acc@200, c10_acc_12=c10/acc@12, c100_acc=c100/acc@200, fpga=latency_fpga"
    b = benchmarks.load("table", path=tiny_csv, arch_column="cell", columns=compact, dataset="c10")
    spec = {"arch_column": "cell", "columns": MAPPING, "dataset": "c10"}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    j = table.load(tiny_csv, columns=str(tmp_path / "spec.json"))
    (tmp_path / "cols.json").write_text(json.dumps(MAPPING))
    k = table.load(tiny_csv, arch_column="cell", columns=str(tmp_path / "cols.json"), dataset="c10")
    for other in (b, j, k):
        for m, d, e in (("acc", "c10", None), ("acc", "c10", 12), ("latency_fpga", "c10", None)):
            np.testing.assert_array_equal(
                other.query(ARCHS[:2], m, d, epoch=e), ref.query(ARCHS[:2], m, d, epoch=e)
            )


def test_registry_load_passes_a_name_option_to_the_table(tiny_csv: Path) -> None:
    # `name` is both load()'s first parameter and a table option: it must reach the table.
    b = benchmarks.load(
        "table", path=tiny_csv, arch_column="cell", columns=MAPPING, dataset="c10", name="mine"
    )
    assert b.name == "mine"


def test_cost_of_an_arch_not_measured_on_a_dataset_raises(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "cell": [SPACE.to_str(a) for a in ARCHS[:2]],
            "c10_acc": [90.0, np.nan],
            "c10_time": [100.0, np.nan],  # the second arch has nothing on c10, cost included
            "c100_acc": [70.0, 60.0],
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    cols = {"{ds}_acc": "{ds}/acc", "c10_time": "c10/time"}
    b = table.load(tmp_path / "t.csv", "nb201", "cell", cols, cost_columns="c10_time")
    assert b.cost(ARCHS[0], "c10") == 100.0 and b.cost(ARCHS[1], "c100") == 1.0
    with pytest.raises(NotInBenchmarkError, match="'cost' on 'c10'"):
        b.cost(ARCHS[1], "c10")
    with pytest.raises(NotInBenchmarkError, match="1 architecture"):
        b.cost(ARCHS[:2], "c10")


def test_parquet_and_index_formats(tiny_csv: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(tiny_csv)
    pq = tmp_path / "tiny.parquet"
    frame.assign(ops=[str(a.ops) for a in ARCHS], own=[SPACE.index(a) for a in ARCHS]).to_parquet(
        pq
    )
    by_ops = table.load(pq, "nb201", "ops", {"fpga": "d/lat"})
    by_own = table.load(pq, "nb201", "own", {"fpga": "d/lat"}, arch_format="space-index")
    index_map = {int(o): c for o, c in zip(frame["official"], frame["cell"], strict=True)}
    by_map = table.load(pq, "nb201", "official", {"fpga": "d/lat"}, index_map=index_map)
    by_file = table.load(
        pq, "nb201", "official", {"fpga": "d/lat"}, index_map=[str(tiny_csv), "official", "cell"]
    )
    for b in (by_ops, by_own, by_map, by_file):
        np.testing.assert_array_equal(b.query(ARCHS, "lat", "d"), frame["fpga"].to_numpy())
    with pytest.raises(InvalidInputError, match="space-index"):
        table.load(pq, "nb201", "official", {"fpga": "d/lat"})  # ints are never guessed


def test_mapping_errors(tiny_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'fpga'") as e:
        table.load(tiny_csv, "nb201", "cell", {"fpgaa": "d/lat"})
    assert "official" in str(e.value)  # the message lists the file's columns
    with pytest.raises(UnknownNameError, match="arch column"):
        table.load(tiny_csv, "nb201", "cel", {"fpga": "d/lat"})
    with pytest.raises(InvalidInputError, match="matches no column"):
        table.load(tiny_csv, "nb201", "cell", {"{x}_nope": "d/{x}"})
    with pytest.raises(InvalidInputError, match="names no dataset"):
        table.load(tiny_csv, "nb201", "cell", {"fpga": "lat"})
    with pytest.raises(InvalidInputError, match="both map to"):
        table.load(tiny_csv, "nb201", "cell", {"fpga": "d/lat", "c10_time": "d/lat"})
    with pytest.raises(InvalidInputError, match="column spec"):
        table.load(tiny_csv, "nb201", "cell", {"fpga": "a/b/c"})
    with pytest.raises(InvalidInputError, match="preset"):
        table.load(tiny_csv, "nb201", "cell")
    with pytest.raises(UnknownNameError, match="table preset"):
        table.load(tiny_csv, preset="nb201-200")
    with pytest.raises(MissingFileError, match="not found"):
        table.load(tmp_path / "nope.csv", preset="nb201-latency")
    with pytest.raises(MissingFileError, match="no path"):
        benchmarks.load("table", preset="nb201-latency")
    with pytest.raises(DataFormatError, match="not numeric"):
        table.load(tiny_csv, "nb201", "official", {"cell": "d/x"}, arch_format="space-index")
    with pytest.raises(InvalidArchError, match="column 'fpga'.*1.5, which is not an integer"):
        table.load(tiny_csv, "nb201", "fpga", {"c10_acc": "d/x"}, arch_format="space-index")
    with pytest.raises(InvalidArchError, match="column 'cell': holds .* values, not space indices"):
        table.load(tiny_csv, "nb201", "cell", {"c10_acc": "d/x"}, arch_format="space-index")
    dup = tmp_path / "dup.csv"
    pd.read_csv(tiny_csv).assign(cell=SPACE.to_str(ARCHS[0])).to_csv(dup, index=False)
    with pytest.raises(DataFormatError, match="more than one row"):
        table.load(dup, "nb201", "cell", {"fpga": "d/lat"})
    bad = tmp_path / "bad.csv"
    pd.read_csv(tiny_csv).assign(cell="|conv~0|").to_csv(bad, index=False)
    with pytest.raises(InvalidArchError, match="bad.csv"):
        table.load(bad, "nb201", "cell", {"fpga": "d/lat"})
    with pytest.raises(InvalidInputError, match=r"\.csv"):
        table.load(tiny_csv.rename(tmp_path / "t.txt"), "nb201", "cell", {"fpga": "d/lat"})


# --- the real NAS-Bench-201 tables -------------------------------------------------------------
@pytest.fixture(scope="module")
def t200() -> table.SparseTabularBenchmark:
    path = shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv")
    return benchmarks.load("table", path=path, preset="nb201-200ep")


@pytest.fixture(scope="module")
def t12() -> table.SparseTabularBenchmark:
    path = shared_file("nb201-tables", "nb201_12ep_test_valid.csv")
    return benchmarks.load("table", path=path, preset="nb201-12ep")


def test_200ep_preset(t200: table.SparseTabularBenchmark) -> None:
    raw = pd.read_csv(shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv"))
    assert t200.datasets == ("cifar10", "cifar100", "ImageNet16-120")
    assert len(t200.archs()) == 15625
    # documented optima (data README): CIFAR-10 94.373 at official index 6111
    assert t200.optimum("test_acc") == pytest.approx(94.373, abs=1e-3)
    best = t200.best_arch("test_acc")
    frame = t200.to_frame().set_index("index")
    assert frame.loc[SPACE.index(best), "nb201_index"] == 6111
    assert t200.optimum("test_acc", "cifar100") == pytest.approx(73.50, abs=0.01)
    assert t200.optimum("test_acc", "ImageNet16-120") == pytest.approx(46.88, abs=0.01)
    archs = [SPACE.parse(s) for s in raw["arch_str"]]
    np.testing.assert_array_equal(
        t200.query(archs, "test_acc", "cifar100"),
        raw["cifar100_test_acc_200ep"].to_numpy(np.float32),
    )
    np.testing.assert_allclose(
        t200.cost(archs[:50], "ImageNet16-120"), raw["ImageNet16-120_train_time_total_s"][:50]
    )
    assert t200.epochs("test_acc") == [200]


def test_12ep_is_a_real_low_fidelity(
    t200: table.SparseTabularBenchmark, t12: table.SparseTabularBenchmark
) -> None:
    j = benchmarks.join(t200, t12)
    assert j.epochs("test_acc", "cifar10") == [12, 200]
    archs = t200.archs()
    lo = j.query(archs, "test_acc", "cifar10", epoch=12)
    hi = j.query(archs, "test_acc", "cifar10", epoch=200)
    np.testing.assert_array_equal(hi, j.query(archs, "test_acc", "cifar10"))
    assert lo.max() == pytest.approx(89.16, abs=0.01)
    rho = spearmanr(lo, hi)[0]
    assert 0.8 < rho < 0.95  # README: 0.871 — correlated, but a different run
    # the official index maps to the same arch in both files
    f12 = t12.to_frame().set_index("index")["nb201_index"]
    f200 = t200.to_frame().set_index("index")["nb201_index"]
    assert (f12 == f200).all()


def test_12ep_via_index_map_equals_string_column() -> None:
    p12 = shared_file("nb201-tables", "nb201_12ep_test_valid.csv")
    p200 = shared_file("nb201-tables", "nb201_200ep_test_time_zc.csv")
    by_str = table.load(p12, preset="nb201-12ep")
    by_idx = table.load(
        p12,
        preset="nb201-12ep",
        arch_column="arch",
        arch_format="mapped-index",
        index_map=[str(p200), "arch_index", "arch_str"],
        extras=[],
    )
    archs = SPACE.sample(np.random.default_rng(0), 200)
    np.testing.assert_array_equal(
        by_str.query(archs, "valid_acc", "ImageNet16-120"),
        by_idx.query(archs, "valid_acc", "ImageNet16-120"),
    )


def test_latency_preset() -> None:
    path = shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv")
    lat = benchmarks.load("table", path=path, preset="nb201-latency")
    raw = pd.read_csv(path)
    devices = [c for c in raw.columns if c not in ("arch_index", "arch_str")]
    assert len(devices) == 27
    assert {m.name for m in lat.metrics()} == {f"latency_{d}" for d in devices}
    rng = np.random.default_rng(1)
    for row in rng.choice(len(raw), 5, replace=False):
        arch = raw["arch_str"][row]
        for d in ("pixel3", "fpga", "titan_rtx_256", "samsung_s7"):
            assert lat.query(arch, f"latency_{d}") == np.float32(raw[d][row])
    assert all(not m.higher_is_better and m.unit == "ms" for m in lat.metrics())
    many = benchmarks.load("table", path=path, preset="nb201-latency", dataset=["cifar10", "x"])
    assert many.query(raw["arch_str"][0], "latency_fpga", "x") == np.float32(raw["fpga"][0])


def test_inf_is_not_measured_with_a_warning(tmp_path: Path) -> None:
    """inf, -inf and values beyond float32 are never values (an inf would become the optimum);
    NaN is not measured, silently. The warning names each column and its count, on every load."""
    p = tmp_path / "inf.csv"
    pd.DataFrame(
        {
            "cell": [SPACE.to_str(a) for a in ARCHS],
            "acc": [90.0, np.inf, 50.0, 1e50],
            "lat": [1.0, 2.0, -np.inf, np.nan],
        }
    ).to_csv(p, index=False)
    for _ in range(2):  # the cold load converts, the warm one reads the cache: both warn
        with pytest.warns(table.NonFiniteValuesWarning, match=r"'acc' \(2\), 'lat' \(1\)"):
            b = benchmarks.load(
                "table",
                path=p,
                space="nb201",
                arch_column="cell",
                columns={"acc": "c10/acc", "lat": "c10/latency"},
            )
    assert b.optimum("acc") == 90.0 and b.best_arch("acc") == ARCHS[0]
    assert b.optimum("latency") == 1.0 and b.best_arch("latency") == ARCHS[0]
    for arch, metric in ((ARCHS[1], "acc"), (ARCHS[3], "acc"), (ARCHS[2], "latency")):
        with pytest.raises(NotInBenchmarkError, match="no value"):
            b.query(arch, metric)
    assert b.query(ARCHS[2], "acc") == 50.0


def test_finite_table_does_not_warn(tiny_csv: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", table.NonFiniteValuesWarning)
        table.load(tiny_csv, "nb201", "cell", MAPPING, dataset=["c10", "c100"])


@pytest.mark.parametrize("template", ["{0}=", {"{ds}_{ds}": "{ds}/acc"}])
def test_a_column_template_with_bad_placeholders_is_one_clear_error(tmp_path, template):
    """Found by the fuzz suite: '{0}=' was a re.error from deep inside the template matcher."""
    p = tmp_path / "t.csv"
    p.write_text("cell,a_a,x=\n0,1.0,2.0\n1,2.0,3.0\n")
    with pytest.raises(InvalidInputError, match="placeholders must be distinct names"):
        benchmarks.load("table", path=str(p), columns=template, arch_column="cell")


# --- the shipped presets (data/presets/tables/*.json) ------------------------------------------
SHIPPED_PRESETS = ("nb201-12ep", "nb201-200ep", "nb201-latency")


def test_every_shipped_preset_is_read_and_validated() -> None:
    assert table.preset_names() == sorted(SHIPPED_PRESETS)
    for name in SHIPPED_PRESETS:
        spec = table.read_preset(name)
        assert spec["name"] == name and spec["space"] == "nb201" and spec["columns"]
    assert set(table.PRESETS) == set(SHIPPED_PRESETS)  # read when asked for


@pytest.fixture
def preset_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped data folder, used through $NASLAB_DATA; returns its presets folder."""
    from nas_core.shipped import ENV_VAR, shipped_path

    shutil.copytree(shipped_path(), tmp_path / "data")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "data"))
    return tmp_path / "data" / "presets" / "tables"


def _edit(folder: Path, preset: str, changes: dict[str, Any]) -> None:
    p = folder / f"{preset}.json"
    spec = json.loads(p.read_text())
    spec.update(changes)
    p.write_text(json.dumps(spec))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colums": {}}, r"unknown key 'colums'\. Did you mean 'columns'\? Valid keys: name,"),
        ({"name": "other"}, r"its 'name' is 'other'; it must be the file's name, 'nb201-12ep'"),
        ({"columns": {}}, "needs a non-empty 'columns' mapping"),
        ({"arch_column": 3}, "'arch_column' must be text"),
        ({"roles": ["objective"]}, "'roles' must be a JSON object"),
        ({"roles": {"test_acc": "goal"}}, "role 'goal' of 'test_acc' is not a role"),
        ({"descriptions": {"test_acc": {"text": "x"}}}, "description of 'test_acc' must be"),
        ({"provenance": {"kind": "guessed", "source": "x"}}, "provenance kind must be one of"),
        ({"provenance": {"test_acc": {"kind": "measured"}}}, "provenance must be"),
    ],
)
def test_a_broken_preset_file_is_one_clear_error_naming_it(
    preset_copy: Path, tiny_csv: Path, changes: dict[str, Any], message: str
) -> None:
    _edit(preset_copy, "nb201-12ep", changes)
    with pytest.raises(DataFormatError, match=message) as e:
        table.load(tiny_csv, preset="nb201-12ep")
    assert str(preset_copy / "nb201-12ep.json") in str(e.value)


def test_a_preset_file_that_is_not_json_or_not_an_object(preset_copy: Path) -> None:
    (preset_copy / "nb201-12ep.json").write_text("{not json")
    with pytest.raises(DataFormatError, match="not valid JSON"):
        table.read_preset("nb201-12ep")
    (preset_copy / "nb201-12ep.json").write_text("[1, 2]")
    with pytest.raises(DataFormatError, match="must hold a JSON object, got list"):
        table.read_preset("nb201-12ep")


def test_a_preset_dropped_into_the_folder_is_usable(preset_copy: Path, tiny_csv: Path) -> None:
    spec = {"name": "tiny", "space": "nb201", "arch_column": "cell", "columns": MAPPING}
    spec["dataset"] = "c10"
    spec["descriptions"] = {"acc": {"description": "accuracy", "unit": "%"}}
    (preset_copy / "tiny.json").write_text(json.dumps(spec))
    assert "tiny" in table.preset_names()
    b = table.load(tiny_csv, preset="tiny")
    assert b.name == "tiny" and b.query(ARCHS[0], "acc", "c10") == 90.0
    assert b.metric_info("acc").unit == "%"


def test_a_description_mapping_honours_lower_is_better_and_refuses_unknown_keys(
    tiny_csv: Path,
) -> None:
    desc = {"acc": {"description": "accuracy", "unit": "%", "higher_is_better": True}}
    b = table.load(tiny_csv, "nb201", "cell", MAPPING, dataset="c10", descriptions=desc)
    assert b.metric_info("acc").higher_is_better is True
    b = table.load(
        tiny_csv,
        "nb201",
        "cell",
        MAPPING,
        dataset="c10",
        descriptions=desc,
        lower_is_better=["acc"],
    )
    assert b.metric_info("acc").higher_is_better is False  # as for the [text, unit, hib] form
    with pytest.raises(InvalidInputError, match="description of 'acc': unknown key 'units'"):
        table.load(
            tiny_csv, "nb201", "cell", MAPPING, dataset="c10", descriptions={"acc": {"units": "%"}}
        )


def test_a_shipped_preset_file_is_a_spec_file_a_user_can_pass(t12: Any) -> None:
    """`columns=<preset file>` gives the same benchmark as `preset=<name>`: one format."""
    from nas_core.shipped import shipped_path

    path = shared_file("nb201-tables", "nb201_12ep_test_valid.csv")
    spec_file = shipped_path("presets", "tables", "nb201-12ep.json")
    b = table.load(path, columns=str(spec_file))
    assert b.name == t12.name and b.citation == t12.citation
    assert b.metrics("cifar10") == t12.metrics("cifar10")
    archs = t12.archs()[:100]
    np.testing.assert_array_equal(
        b.query(archs, "valid_acc", "ImageNet16-120"),
        t12.query(archs, "valid_acc", "ImageNet16-120"),
    )


def test_latency_preset_metadata_and_explicit_overrides() -> None:
    """Each device keeps its own provenance and the hardware role; explicit provenance= and
    roles= override the preset's, as explicit arguments do for every other key."""
    path = shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv")
    lat = benchmarks.load("table", path=path, preset="nb201-latency")
    pixel3, gpu = lat.metric_info("latency_pixel3"), lat.metric_info("latency_titan_rtx_256")
    assert pixel3.role == gpu.role == "hardware" and pixel3.split is None
    assert pixel3.provenance.source.startswith("HW-NAS-Bench")
    assert gpu.provenance.source.startswith("HELP") and "batch size 256" in gpu.description
    mine = benchmarks.load(
        "table",
        path=path,
        preset="nb201-latency",
        provenance="measured: my lab, 3 runs",
        roles={"latency_fpga": "proxy"},
    )
    assert mine.metric_info("latency_pixel3").provenance.source == "my lab, 3 runs"
    assert mine.metric_info("latency_fpga").role == "proxy"
