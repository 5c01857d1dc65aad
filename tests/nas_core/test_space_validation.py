"""Every query path refuses an architecture it cannot read exactly: op ids out of range, negative
ids, non-integral values. Nothing wraps, truncates or lands on another cell's row."""

from __future__ import annotations

import numpy as np
import pytest

from nas_core import spaces
from nas_core.errors import InvalidArchError
from nas_core.spaces.base import as_int, int_array

NB201 = spaces.get("nb201")


@pytest.fixture(scope="module")
def nbgraph():
    pytest.importorskip("nas_bench_graph", reason="space nbgraph needs the nas-bench-graph package")
    return spaces.get("nbgraph")


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ([0, 0, 0, 0, 0, 7], r"row 0 \[0, 0, 0, 0, 0, 7\] has an op id outside 0..4"),
        ([0, 0, 0, 0, 0, -1], r"outside 0..4"),
        ([2.9, 2, 0, 2, 2, 3], r"holds 2.9, which is not an integer"),
        ([np.nan, 2, 0, 2, 2, 3], r"holds nan"),
    ],
)
def test_nb201_op_array_refuses_bad_rows(row, match) -> None:
    arr = np.array([[1, 2, 3, 4, 0, 1], row])
    with pytest.raises(InvalidArchError, match=match.replace("row 0", "row 1")):
        NB201.indices(arr)


def test_nb201_op_array_of_integral_floats_is_read_exactly() -> None:
    ints = NB201.op_array[[5, 100, 15624]]
    assert NB201.indices(ints.astype(np.float64)).tolist() == [5, 100, 15624]
    assert NB201.indices(ints).tolist() == [5, 100, 15624]


def test_nb201_index_arrays() -> None:
    assert NB201.indices(np.array([3.0, 7.0])).tolist() == [3, 7]
    for bad, match in (
        (np.array([1.5]), "not an integer"),
        (np.array([-1]), r"0..15624"),
        (np.array([15625]), r"0..15624"),
        (np.array([True]), "cannot read"),
    ):
        with pytest.raises(InvalidArchError, match=match):
            NB201.indices(bad)


def test_nb201_2d_array_of_wrong_width_is_not_read_as_indices() -> None:
    # Five columns are not five indices of one arch: each row is parsed, and refused.
    with pytest.raises(InvalidArchError, match="6 op ids"):
        NB201.indices(np.array([[0, 0, 0, 0, 1]]))


@pytest.mark.parametrize(
    "spelling",
    [
        "(2.9, 2, 0, 2, 2, 3)",
        (2.9, 2, 0, 2, 2, 3),
        [0, 0, 0, 0, 0, 7],
        (0, 0, 0, 0, 0, -1),
        (True, 2, 0, 2, 2, 3),
        np.array([2.5, 2, 0, 2, 2, 3]),
        np.zeros((2, 6), dtype=int),
        "(" * 400,
        "-1",
    ],
)
def test_nb201_parse_refuses(spelling) -> None:
    with pytest.raises(InvalidArchError):
        NB201.parse(spelling)


def test_nb201_parse_accepts_integral_floats() -> None:
    assert NB201.parse((2.0, 2, 0, 2, 2, 3)).ops == (2, 2, 0, 2, 2, 3)
    assert all(type(o) is int for o in NB201.parse((2.0, 2, 0, 2, 2, 3)).ops)


def test_benchmark_query_refuses_out_of_range_ops() -> None:
    import benchmarks

    bench = benchmarks.load("analognas")
    metric = bench.metrics()[0].name
    good = bench.query(NB201.op_array[[100]], metric)
    assert good[0] == bench.query(NB201.from_index(100), metric)
    for bad in ([[0, 0, 0, 0, 0, 7]], [[0, 0, 0, 0, 0, -1]], [[2.9, 2, 0, 2, 2, 3]]):
        with pytest.raises(InvalidArchError):
            bench.query(np.array(bad), metric)


def test_nbgraph_tuple_array(nbgraph) -> None:
    good = nbgraph.op_array[[0, 10]]
    assert nbgraph.indices(good).tolist() == [0, 10]
    assert nbgraph.indices(good.astype(np.float32)).tolist() == [0, 10]
    with pytest.raises(InvalidArchError, match=r"row 1 \[1, 2, 0, 2, 9\]"):
        nbgraph.indices(np.array([good[0], [1, 2, 0, 2, 9]]))
    with pytest.raises(InvalidArchError, match="outside 0..8"):
        nbgraph.indices(np.array([[-1, 2, 0, 2, 2]]))
    with pytest.raises(InvalidArchError, match="not an integer"):
        nbgraph.indices(np.array([[1.5, 2, 0, 2, 2]]))
    with pytest.raises(InvalidArchError, match="row 0 is the all-skip"):
        nbgraph.indices(np.array([[1, 8, 8, 8, 8]]))


@pytest.mark.parametrize(
    "spelling",
    [
        (1.5, 2, 0, 2, 2),
        "(1.5, 2, 0, 2, 2)",
        ([0, 0, 1.5, 2], ["gcn", "gcn", "gcn", "gcn"]),
        ([0, 0, 1, 2], 5),
        ([0, 0, 1, 2], [1.5, 1, 1, 1]),
        {"link": [0, 0, 1, 2], "ops": "gcn"},
        (9, 0, 0, 0, 0),
        "[" * 400,
    ],
)
def test_nbgraph_parse_refuses(nbgraph, spelling) -> None:
    with pytest.raises(InvalidArchError):
        nbgraph.parse(spelling)


def test_as_int_and_int_array() -> None:
    assert [as_int(v) for v in (3, np.int8(3), 3.0, np.float32(3.0), " 3 ")] == [3] * 5
    assert [as_int(v) for v in (2.9, float("nan"), float("inf"), True, "x", None)] == [None] * 6
    assert int_array(np.array([1.0, 2.0]), "x").dtype == np.int64
    with pytest.raises(InvalidArchError, match="x: position 1 holds inf"):
        int_array(np.array([1.0, np.inf]), "x")
