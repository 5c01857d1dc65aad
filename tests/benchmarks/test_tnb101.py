"""`tnb101-micro` from all_benchmarks_zen.zip: the real archive (skipped without ../shared), its
agreement with zc_transbench101_micro.json, the benchmark conformance suite on it, and every kind
of damaged archive as a small handmade zip, plus a fuzz of the member reader."""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

import benchmarks
from benchmarks import tnb101
from benchmarks.base import MetricInfo
from nas_core import spaces
from nas_core.errors import DataFormatError, MissingFileError, UnknownNameError
from nas_core.spaces.tnb101 import MICRO_EDGES
from tests.conftest import shared_file
from tests.fuzz.conftest import PARSER

SPACE = spaces.get("tnb101-micro")
TASKS = tnb101.TASKS
PREFIX = "zen/benchmark--transbench101_micro--"


# --- handmade archives ------------------------------------------------------------------------
def _record(task: str, i: int) -> dict[str, Any]:
    """A synthetic record whose values name its task and cell (exact in float32)."""
    return {
        "idx": str((i * 7) % 4096),  # an order that is not naslab's index, as in the real file
        "arch": str(SPACE.from_index(i).ops),
        "zen": {"score": float(i % 97) - 50.0, "time": 1.0 + i / 4096},
        "val_accuracy": 10.0 * TASKS.index(task) + i / 4096,
    }


@cache
def _chunks() -> tuple[tuple[str, bytes], ...]:
    """The members of a complete synthetic archive, chunked 1000 per member like the real one."""
    out = []
    for task in TASKS:
        for start in range(0, 4096, 1000):
            recs = [_record(task, i) for i in range(start, min(start + 1000, 4096))]
            out.append((f"{PREFIX}{task}--{start}.json", json.dumps(recs).encode()))
    return tuple(out)


def _zip(path: Path, members: dict[str, bytes] | None = None, *, dirs: bool = True) -> Path:
    members = dict(_chunks()) if members is None else members
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if dirs:
            z.writestr("zen/", b"")
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _edited(task: str, start: int, edit: Any) -> dict[str, bytes]:
    """The synthetic members with one member's records passed through `edit` (list -> list or
    bytes)."""
    members = dict(_chunks())
    name = f"{PREFIX}{task}--{start}.json"
    out = edit(json.loads(members[name]))
    members[name] = out if isinstance(out, bytes) else json.dumps(out).encode()
    return members


def _error(path: Path) -> str:
    with pytest.raises(DataFormatError) as e:
        tnb101.read_archive(path)
    return str(e.value)


def test_handmade_archive_round_trip(tmp_path: Path) -> None:
    bench = benchmarks.load("tnb101-micro", path=_zip(tmp_path / "ok.zip"), dataset="jigsaw")
    assert bench.default_dataset == "jigsaw" and bench.datasets == TASKS
    cells = np.arange(4096)
    for task in TASKS:
        want = [_record(task, i) for i in cells]
        got = bench.query(cells, "val_accuracy", task)
        np.testing.assert_array_equal(got, [r["val_accuracy"] for r in want])
        np.testing.assert_array_equal(
            bench.query(cells, "zen", task), [r["zen"]["score"] for r in want]
        )
        np.testing.assert_allclose(
            bench.query(cells, "zen_time", task), [r["zen"]["time"] for r in want], rtol=1e-7
        )
    frame = bench.to_frame()
    assert frame["archive_idx"].tolist() == [(i * 7) % 4096 for i in cells]
    assert bench.cost("(0, 0, 0, 0, 0, 0)") == 1.0 and bench.cost_info().kind == "unit"


def test_same_cell_twice_with_the_same_values_is_accepted(tmp_path: Path) -> None:
    members = _edited("normal", 0, lambda recs: [*recs, recs[5]])
    data = tnb101.read_archive(_zip(tmp_path / "dup.zip", members))
    assert len(data["normal"]) == 4096


@pytest.mark.parametrize(
    ("task", "start", "edit", "match"),
    [
        ("jigsaw", 1000, lambda r: json.dumps(r).encode()[:-20], "damaged or truncated JSON"),
        ("jigsaw", 0, lambda r: b"\xff\xfe not text", "not UTF-8"),
        ("jigsaw", 0, lambda r: {"records": r}, "expected a non-empty JSON list"),
        ("jigsaw", 0, lambda r: [], "expected a non-empty JSON list"),
        ("normal", 2000, lambda r: [*r[:3], {k: v for k, v in r[3].items() if k != "zen"}, *r[4:]],
         "record 3 lacks 'zen'"),
        ("normal", 0, lambda r: [{**r[0], "zen": 3.5}, *r[1:]], "'zen' is 3.5"),
        ("normal", 0, lambda r: [{**r[0], "val_accuracy": "high"}, *r[1:]],
         "'val_accuracy' is 'high', not a number"),
        ("normal", 0, lambda r: [{**r[0], "val_accuracy": float("nan")}, *r[1:]],
         "not a finite number"),
        ("normal", 0, lambda r: [{**r[0], "zen": {"score": 1.0, "time": -2.0}}, *r[1:]],
         "negative time"),
        ("normal", 0, lambda r: [{**r[0], "idx": "x7"}, *r[1:]], "'idx' is 'x7'"),
        ("autoencoder", 3000, lambda r: [{**r[0], "arch": "(4, 0, 0, 0, 0, 0)"}, *r[1:]],
         "'arch' '(4, 0, 0, 0, 0, 0)' is not a tnb101-micro cell"),
        ("autoencoder", 0, lambda r: [{**r[0], "arch": [0, 0, 0, 0, 0, 0]}, *r[1:]],
         "not an op-tuple string"),
        ("autoencoder", 0, lambda r: [7, *r[1:]], "record 0 is int, not an object"),
    ],
)  # fmt: skip
def test_damaged_member_names_member_and_problem(
    tmp_path: Path, task: str, start: int, edit: Any, match: str
) -> None:
    path = _zip(tmp_path / "bad.zip", _edited(task, start, edit))
    msg = _error(path)
    assert msg.startswith(f"{path}: member {PREFIX}{task}--{start}.json: ") and match in msg


def test_cli_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from naslab.cli import app

    path = _zip(
        tmp_path / "bad.zip", _edited("jigsaw", 2000, lambda r: json.dumps(r).encode()[:-9])
    )
    r = CliRunner().invoke(app, ["bench", "info", "tnb101-micro", "--path", str(path)])
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "jigsaw--2000.json" in lines[0]


def test_duplicate_cell_with_different_values(tmp_path: Path) -> None:
    def dup(recs: list) -> list:
        return [*recs, {**recs[0], "val_accuracy": recs[0]["val_accuracy"] + 1}]

    msg = _error(_zip(tmp_path / "dup.zip", _edited("room_layout", 4000, dup)))
    cell = SPACE.to_str(SPACE.from_index(4000))
    assert f"cell {cell} is listed twice for task room_layout with different values" in msg
    assert "--4000.json" in msg


def test_task_missing_cells_or_members(tmp_path: Path) -> None:
    msg = _error(_zip(tmp_path / "short.zip", _edited("class_object", 1000, lambda r: r[1:])))
    assert "task class_object holds 4,095 of the 4,096 cells" in msg
    assert f"missing e.g. {SPACE.to_str(SPACE.from_index(1000))}" in msg
    members = {n: d for n, d in _chunks() if "--segmentsemantic--" not in n}
    assert "no member for task(s) segmentsemantic" in _error(_zip(tmp_path / "t.zip", members))


def test_idx_must_agree_across_tasks(tmp_path: Path) -> None:
    members = _edited("jigsaw", 0, lambda r: [{**r[0], "idx": "4095"}, *r[1:]])
    msg = _error(_zip(tmp_path / "idx.zip", members))
    assert "has idx 0 in" in msg and f"idx 4095 in {PREFIX}jigsaw--0.json" in msg


def test_foreign_members_and_task_names(tmp_path: Path) -> None:
    members = {**dict(_chunks()), "zen/notes.txt": b"hello"}
    assert "unexpected member 'zen/notes.txt'" in _error(_zip(tmp_path / "a.zip", members))
    members = {**dict(_chunks()), f"{PREFIX}depth--0.json": b"[]"}
    msg = _error(_zip(tmp_path / "b.zip", members))
    assert "unknown task 'depth'" in msg and "class_scene" in msg


def test_not_a_zip_truncated_and_corrupt(tmp_path: Path) -> None:
    text = tmp_path / "text.zip"
    text.write_text("not a zip")
    assert "not a zip archive" in _error(text) and "naslib/data/zc_benchmarks" in _error(text)
    good = _zip(tmp_path / "good.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good[: len(good) // 2])  # the central directory is lost
    assert "not a zip archive" in _error(cut)
    # flip bytes inside the first member's compressed data: deflate or CRC check fails
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        info = z.getinfo(f"{PREFIX}class_scene--0.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    bad = bytearray(good)
    bad[start : start + 50] = bytes(50)
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(bad))
    msg = _error(flipped)
    assert f"member {PREFIX}class_scene--0.json" in msg
    assert "damaged" in msg or "JSON" in msg


def test_zip_bomb_guards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _zip(tmp_path / "ok.zip")
    monkeypatch.setattr(tnb101, "MAX_MEMBER_BYTES", 100_000)  # real members: ~150 KB
    assert "possible zip bomb" in _error(path) and "100,000" in _error(path)
    monkeypatch.undo()
    monkeypatch.setattr(tnb101, "MAX_TOTAL_BYTES", 1_000_000)
    assert "unpack to" in _error(path) and "zip bomb" in _error(path)
    monkeypatch.undo()
    monkeypatch.setattr(tnb101, "MAX_MEMBERS", 10)
    assert "35 members, more than the 10" in _error(path)


def test_a_member_larger_than_its_header_says_is_cut_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header that understates the size does not get past the read limit: zipfile stops at the
    stated size (and then the CRC fails) or the bounded read stops at the limit."""
    name = f"{PREFIX}jigsaw--0.json"
    members = {name: b"[" + b" " * 300_000 + b"]", **dict(_chunks())}  # the liar comes first
    path = _zip(tmp_path / "liar.zip", members, dirs=False)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info, cd = z.infolist()[0], z.start_dir
    assert info.filename == name and raw[cd : cd + 4] == b"PK\x01\x02"
    small = (1000).to_bytes(4, "little")
    raw[info.header_offset + 22 : info.header_offset + 26] = small  # local header size
    raw[cd + 24 : cd + 28] = small  # its central directory entry's size
    path.write_bytes(bytes(raw))
    monkeypatch.setattr(tnb101, "MAX_MEMBER_BYTES", 200_000)  # real members: < 150 KB
    msg = _error(path)
    assert name in msg
    assert "damaged" in msg or "zip bomb" in msg


def test_missing_file_and_bad_options(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="naslib/data/zc_benchmarks/all_benchmarks_zen.zip"):
        benchmarks.load("tnb101-micro")
    with pytest.raises(MissingFileError, match="not found"):
        benchmarks.load("tnb101-micro", path=tmp_path / "nope.zip")
    with pytest.raises(MissingFileError, match="is a folder"):
        benchmarks.load("tnb101-micro", path=tmp_path)
    with pytest.raises(UnknownNameError, match="Did you mean 'jigsaw'"):
        benchmarks.load("tnb101-micro", path=_zip(tmp_path / "ok.zip"), dataset="jigsow")


# --- fuzz of the member reader ----------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "idx": st.one_of(st.integers(-5, 5000), st.text(max_size=6), st.just("12")),
        "arch": st.one_of(
            st.text(max_size=20),
            st.tuples(*[st.integers(-1, 4)] * 6).map(str),
            st.sampled_from(["(0, 1, 2, 3, 0, 1)", "64-41414-1_02_333", "(1, 2)"]),
        ),
        "val_accuracy": st.one_of(st.floats(), st.integers(), st.text(max_size=4), st.none()),
        "zen": st.one_of(
            _json,
            st.fixed_dictionaries(
                {}, optional={"score": st.floats() | st.integers(), "time": st.floats()}
            ),
        ),
    },
)


def _check(data: bytes) -> None:
    try:
        out = tnb101.parse_member("m.json", data)
    except DataFormatError as e:
        assert str(e).startswith("member m.json: ")
        return
    assert out and all(len(r) == 5 and 0 <= r[0] < 4096 for r in out)


@PARSER
@given(st.binary(max_size=200))
def test_fuzz_member_bytes(data: bytes) -> None:
    _check(data)


@PARSER
@given(st.lists(_fields | _json, max_size=4))
def test_fuzz_member_records(records: list) -> None:
    _check(json.dumps(records).encode())


@PARSER
@given(st.lists(_fields, min_size=1, max_size=3), st.integers(0, 200))
def test_fuzz_truncated_member(records: list, cut: int) -> None:
    data = json.dumps(records).encode()
    _check(data[: max(0, len(data) - cut)])


def test_deeply_nested_json_is_a_format_error() -> None:
    with pytest.raises(DataFormatError, match="nested too deeply|damaged"):
        tnb101.parse_member("m.json", b"[" * 100_000 + b"]" * 100_000)


# --- the real archive -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real() -> tuple[Path, benchmarks.Benchmark]:
    path = shared_file("naslib-zc", "all_benchmarks_zen.zip")
    return path, benchmarks.load("tnb101-micro", path=path)


def test_real_archive_values(real: tuple[Path, Any]) -> None:
    path, bench = real
    assert bench.datasets == TASKS and bench.num_archs() == 4096
    with zipfile.ZipFile(path) as z:
        raw = {
            i.filename: json.loads(z.read(i)) for i in z.infolist() if i.filename.endswith(".json")
        }
    assert len(raw) == 35
    for name, recs in raw.items():
        task = name.split("--")[2]
        archs = [SPACE.parse(r["arch"]) for r in recs]
        for metric, get in (
            ("val_accuracy", lambda r: r["val_accuracy"]),
            ("zen", lambda r: r["zen"]["score"]),
            ("zen_time", lambda r: r["zen"]["time"]),
        ):
            want = np.array([get(r) for r in recs], dtype=np.float32)
            np.testing.assert_array_equal(bench.query(archs, metric, task), want)
    # the archive's idx: one per cell, 0..4095, not naslab's index
    frame = bench.to_frame()
    assert sorted(frame["archive_idx"]) == list(range(4096))
    assert frame.loc[frame["arch"] == "64-41414-2_32_323", "archive_idx"].item() == 0


def test_real_archive_metric_descriptions(real: tuple[Path, Any]) -> None:
    _, bench = real
    for task in TASKS:
        info: MetricInfo = bench.metric_info("val_accuracy", task)
        tm = tnb101.TASK_METRICS[task]
        assert tm.key in info.description and task in info.description
        assert info.unit == tm.unit and info.higher_is_better and info.split == "valid"
        assert info.provenance.kind == "measured" and "TransNAS-Bench-101" in info.provenance.source
        assert bench.metric_info("zen", task).provenance.kind == "computed"
        assert bench.metric_info("zen_time", task).role == "compute_time"
    # the units fit the values: SSIM in 0..1, accuracies in %, a negative loss below 0
    assert 0 < bench.optimum("val_accuracy", "autoencoder") <= 1
    assert 1 < bench.optimum("val_accuracy", "jigsaw") <= 100
    assert bench.optimum("val_accuracy", "room_layout") < 0
    assert "mIoU" in bench.metric_info("val_accuracy", "segmentsemantic").description
    # NASLib's -1e8 for a zen score it could not compute: exactly the 169 cells with no path from
    # input to output, on every task
    assert bench.query(SPACE.parse("(3, 3, 3, 0, 0, 0)"), "zen", "class_scene") == -1e8
    dead = np.array([not _connected(SPACE.from_index(i).ops) for i in range(4096)])
    assert dead.sum() == 169
    for task in TASKS:
        np.testing.assert_array_equal(bench.query(np.arange(4096), "zen", task) == -1e8, dead)
    assert "no training time" in bench.cost_source("normal")


def _connected(ops: tuple[int, ...]) -> bool:
    """Whether a cell's non-'none' edges (op 0 is none) join node 0 to node 3."""
    reach = {0}
    for (u, v), op in zip(MICRO_EDGES, ops, strict=True):  # edges come sorted by target node
        if op != 0 and u in reach:
            reach.add(v)
    return 3 in reach


def test_warm_load_reads_the_cache(real: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    path, bench = real

    def fail(_: Any) -> None:
        raise AssertionError("the archive was converted again")

    monkeypatch.setattr(tnb101, "convert", fail)
    again = benchmarks.load("tnb101-micro", path=path)
    assert again.query(7, "val_accuracy", "normal") == bench.query(7, "val_accuracy", "normal")


#: perf/check_tnb101_agreement.py on the real files: task -> (Spearman of val_accuracy on the 711
#: shared cells, identical values). The json is never below the archive.
AGREEMENT = {
    "class_scene": (0.9982, 496),
    "class_object": (0.9100, 234),
    "room_layout": (0.9677, 10),
    "jigsaw": (1.0000, 684),
    "segmentsemantic": (0.9835, 84),
    "normal": (0.9379, 247),
    "autoencoder": (0.9369, 121),
}


def test_agreement_with_suite_zero_json_stays_as_measured(real: tuple[Path, Any]) -> None:
    _, bench = real
    suite = json.loads(shared_file("naslib-zc", "zc_transbench101_micro.json").read_text())
    assert set(suite) == set(TASKS)
    for task, (rho, identical) in AGREEMENT.items():
        keys = list(suite[task])
        assert len(keys) == 711
        theirs = np.array([suite[task][k]["val_accuracy"] for k in keys], dtype=np.float32)
        ours = bench.query([SPACE.parse(k) for k in keys], "val_accuracy", task)
        assert spearmanr(theirs, ours).statistic == pytest.approx(rho, abs=5e-5), task
        assert int((theirs == ours).sum()) == identical, task
        assert (theirs >= ours).all(), task  # consistent with best epoch vs final epoch
        assert "zen" not in suite[task][keys[0]]


# --- the benchmark conformance suite, on the real archive -------------------------------------
from tests.benchmarks.test_conformance import (  # noqa: E402
    test_cost,
    test_cost_info_agrees_with_cost,
    test_description,
    test_epochs,
    test_errors,
    test_optimum_is_best_arch_value,
    test_query_shapes_and_agreement,
    test_roles_splits_and_provenance,
    test_to_frame,
)


@pytest.fixture(scope="module")
def bench(real: tuple[Path, Any]) -> Any:
    return real[1]


__all__ = [
    "test_cost",
    "test_cost_info_agrees_with_cost",
    "test_description",
    "test_epochs",
    "test_errors",
    "test_optimum_is_best_arch_value",
    "test_query_shapes_and_agreement",
    "test_roles_splits_and_provenance",
    "test_to_frame",
]
