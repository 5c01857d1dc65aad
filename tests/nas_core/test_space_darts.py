from __future__ import annotations

import ast
import json
from collections import namedtuple

import numpy as np
import pytest

from nas_core import Arch, InvalidArchError, UnknownNameError
from nas_core.spaces.darts import CHOICES, OPS, PATH_BLOCK, DartsSpace
from tests.conftest import shared_file

S = DartsSpace()
# DARTS (2nd order) as published in the DARTS repository's genotypes.py.
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)
Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")


@pytest.fixture(scope="module")
def zc_keys() -> list[str]:
    path = shared_file("naslib-zc/zc_nasbench301.json")
    return list(json.loads(path.read_text())["cifar10"])


def test_every_suite_zero_key_parses_and_round_trips(zc_keys):
    assert len(zc_keys) == 725
    archs = [S.parse(k) for k in zc_keys]
    assert len(set(archs)) == 725  # no two keys are spellings of one architecture
    swapped = 0
    for key, a in zip(zc_keys, archs, strict=True):
        compact = ast.literal_eval(key)
        for cell in compact:  # the data's own facts the space relies on
            for k in range(4):
                (i, _), (j, _) = cell[2 * k], cell[2 * k + 1]
                assert i != j and max(i, j) <= k + 1
                swapped += i > j
        s = S.to_str(a)
        assert S.parse(s) == a and S.to_str(S.parse(s)) == s
        assert S.parse(S.to_genotype(a)) == a
        assert S.parse(S.to_config(a)) == a
        assert S.parse(a.ops) == a
        # to_str is the key with each node's two edges sorted by input
        assert ast.literal_eval(s) == [
            [p for k in range(4) for p in sorted(cell[2 * k : 2 * k + 2])] for cell in compact
        ]
    assert swapped == 2906  # about half the nodes list the larger input first


def test_op_ids_are_naslibs_and_inputs_count_the_cell_inputs():
    assert OPS == (
        "max_pool_3x3",
        "avg_pool_3x3",
        "skip_connect",
        "sep_conv_3x3",
        "sep_conv_5x5",
        "dil_conv_3x3",
        "dil_conv_5x5",
    )
    a = S.parse(DARTS_V2)
    normal, reduce = S.to_compact(a)
    assert normal == ((0, 3), (1, 3), (0, 3), (1, 3), (0, 2), (1, 3), (0, 2), (2, 5))
    assert reduce == ((0, 0), (1, 0), (1, 0), (2, 2), (0, 0), (2, 2), (1, 0), (2, 2))
    assert S.to_genotype(a).startswith("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)")
    # Arch.ops: per cell node 0's ops, then (pair id, op lo, op hi) for nodes 1..3
    assert a.ops[:11] == (3, 3, 0, 3, 3, 0, 2, 3, 1, 2, 5)  # pairs (0,1), (0,1), (0,2)


def test_order_of_a_nodes_inputs_does_not_matter():
    base = [(0, 3), (1, 4), (2, 6), (0, 1), (3, 2), (1, 0), (4, 5), (2, 3)]
    swapped = [base[1], base[0], base[3], base[2], base[5], base[4], base[7], base[6]]
    assert S.parse([base, base]) == S.parse([swapped, base]) == S.parse([base, swapped])
    assert S.canonical(S.parse([swapped, swapped])) == S.parse([base, base])
    other = list(base)
    other[2], other[3] = (2, 1), (0, 6)  # ops follow their inputs: a different architecture
    assert S.parse([other, base]) != S.parse([base, base])


def test_every_spelling_names_the_same_arch():
    a = S.parse(DARTS_V2)
    normal, reduce = S.to_compact(a)
    g = Genotype(
        [(OPS[o], i) for i, o in normal],
        [2, 3, 4, 5],
        [(OPS[o], i) for i, o in reduce],
        range(2, 6),
    )
    flat = [x for cell in (normal, reduce) for p in cell for x in p]
    spellings = [
        g,
        g._asdict(),
        {"normal": g.normal, "reduce": g.reduce},
        DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)"),
        f"Genotype({g.normal!r}, [2, 3, 4, 5], {g.reduce!r}, [2, 3, 4, 5])",
        S.to_str(a),
        [list(normal), list(reduce)],
        np.array([normal, reduce]),
        flat,
        np.array(flat),
        list(a.ops),
        np.array(a.ops, dtype=float),
        S.to_config(a),
        a,
    ]
    for s in spellings:
        assert S.parse(s) == a, s


def test_config_uses_nb301_edge_numbers():
    cfg = S.to_config(S.parse(DARTS_V2))
    pre = "NetworkSelectorDatasetInfo:darts:"
    assert len(cfg) == 2 * (8 + 3)
    assert cfg[pre + "edge_normal_0"] == "sep_conv_3x3"  # node 2 <- input 0
    assert cfg[pre + "inputs_node_normal_5"] == "0_2"  # node 5 reads inputs 0 and 2
    assert cfg[pre + "edge_normal_11"] == "dil_conv_3x3"  # edge 9 + 2: input 2 -> node 5
    assert cfg[pre + "inputs_node_reduce_3"] == "1_2"


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([[(0, 3), (0, 4)] + [(0, 1), (1, 1)] * 3] * 2, "reads input 0 twice"),
        ([[(0, 3), (2, 4)] + [(0, 1), (1, 1)] * 3] * 2, "can only read 0..1"),
        ([[(0, 7), (1, 4)] + [(0, 1), (1, 1)] * 3] * 2, "op id 7"),
        ([[(0, 3), (1, 4)] * 3] * 2, "8 .input, op. pairs"),
        ([[(0, 3.5), (1, 4)] + [(0, 1), (1, 1)] * 3] * 2, "expected integers"),
        (DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[4, 5]"), "2, 3, 4, 5"),
        (DARTS_V2.replace("'dil_conv_3x3'", "'none'"), "'none' is not in"),
        ("Genotype(normal=[], reduce=__import__('os'))", "as a DARTS Genotype"),
        ((0,) * 21, "darts architecture"),
        ((0, 0, 3) + (0,) * 19, "22 ints"),
        ({"normal": []}, "'normal' and 'reduce'"),
        ("certainly not", "darts architecture"),
        (Arch("nb201", (0,) * 22), "space 'nb201'"),
    ],
)
def test_bad_input_names_the_problem(bad, match):
    with pytest.raises(InvalidArchError, match=match):
        S.parse(bad)


def test_unknown_op_name_lists_the_ops():
    with pytest.raises(UnknownNameError, match="sep_conv_3x3"):
        S.parse(DARTS_V2.replace("'dil_conv_3x3'", "'sep_conv_7x7'"))


def test_open_space_without_index():
    assert S.size is None
    assert np.prod(np.array(CHOICES, dtype=float)) == pytest.approx(
        (3 * 6 * 10 * 7**8) ** 2, rel=1e-12
    )
    with pytest.raises(InvalidArchError, match="open"):
        S.index(S.parse(DARTS_V2))
    with pytest.raises(InvalidArchError, match="open"):
        S.from_index(0)


def _edge_set(arch):
    return {
        (c, e // 2, i, o)
        for c, cell in enumerate(S.to_compact(arch))
        for e, (i, o) in enumerate(cell)
    }


def test_neighbours_change_exactly_one_edge():
    rng = np.random.default_rng(0)
    for a in S.sample(rng, 10):
        nb = S.neighbours(a)
        assert len(nb) == len(set(nb)) == 120 and a not in nb
        kinds = {"op": 0, "input": 0}
        for b in nb:
            old, new = _edge_set(a) - _edge_set(b), _edge_set(b) - _edge_set(a)
            # one edge of one node differs: its op or its input, the other part kept
            assert len(new) == 1 and len(old) == 1
            (c0, k0, i0, o0), (c1, k1, i1, o1) = old.pop(), new.pop()
            assert c0 == c1 and k0 == k1
            kinds["op" if i0 == i1 else "input"] += 1
            if i0 != i1:
                assert o0 == o1
        assert kinds == {"op": 96, "input": 24}
        m = [S.mutate(a, np.random.default_rng(s)) for s in range(20)]
        assert all(b in nb for b in m)
        assert m == [S.mutate(a, np.random.default_rng(s)) for s in range(20)]


def test_sample_reaches_every_choice():
    rows = np.array([a.ops for a in S.sample(np.random.default_rng(3), 400)])
    assert [len(np.unique(rows[:, i])) for i in range(len(CHOICES))] == list(CHOICES)


def test_onehot_marks_each_present_edge():
    a = S.parse(DARTS_V2)
    x = S.encode([a], "onehot")[0].reshape(2, 14, 7)
    assert x.sum() == 16
    assert x[0, 0, 3] == x[0, 1, 3] == 1  # node 2: sep_conv_3x3 from inputs 0 and 1
    assert x[0, 9 + 2, 5] == 1  # node 5 <- node 2 (id 2): dil_conv_3x3
    assert x[1, 5 + 2, 2] == 1  # reduce node 4 <- node 2: skip_connect
    assert x[0, 12:].sum() == 0 and x[0, 10].sum() == 0  # node 5 reads neither 1 nor 3, 4


def test_graph_feeds_a_node_from_both_edges_of_the_node_it_reads():
    a = S.parse(DARTS_V2)
    adj, feats = S.graph_arrays([a])
    adj, feats = adj[0], feats[0]
    assert adj.shape == (22, 22) and feats.shape == (22, 11)
    # normal cell: edge nodes 2..9; node 5's second edge (slot 7 -> graph node 9) reads node 2,
    # whose edges are graph nodes 2 and 3
    assert adj[:, 9].nonzero()[0].tolist() == [2, 3]
    assert adj[:, 2].nonzero()[0].tolist() == [0]
    assert adj[2:10, 10].all() and adj[:, 10].sum() == 8
    assert feats[9, 4 + OPS.index("dil_conv_3x3")] == 1
    assert feats[11:, 3].all() and not feats[:11, 3].any()  # the reduction cell's flag
    assert np.triu(adj, 1).sum() == adj.sum()  # a DAG in topological order


def test_path_encoding_counts_op_sequences():
    # normal: node 2 <- (0 sep3, 1 sep3); node 3 <- (0 skip, 2 max); nodes 4, 5 <- (0 max, 1 max)
    cell = [(0, 3), (1, 3), (0, 2), (2, 0), (0, 0), (1, 0), (0, 0), (1, 0)]
    x = S.encode([[cell, cell]], "path")[0]
    assert x.shape == (4 * PATH_BLOCK,)
    block0 = x[:PATH_BLOCK]  # normal cell, paths from input 0
    ones = set(np.flatnonzero(block0).tolist())
    # length 1: sep3 (3), skip (2), max (0); length 2: sep3 then max = 7 + 3 * 7 + 0
    assert ones == {0, 2, 3, 7 + 3 * 7 + 0}
    assert set(np.flatnonzero(x[PATH_BLOCK : 2 * PATH_BLOCK]).tolist()) == {0, 3, 7 + 21}
    assert np.array_equal(x[: 2 * PATH_BLOCK], x[2 * PATH_BLOCK :])  # same cell twice


def test_encodings_ignore_the_spelling(zc_keys):
    keys = zc_keys[:30]
    archs = [S.parse(k) for k in keys]
    for kind in ("onehot", "adjacency", "path"):
        assert np.array_equal(S.encode(keys, kind), S.encode(archs, kind))
    x = S.encode(archs, "onehot")
    assert len({r.tobytes() for r in x}) == 30  # one-hot is injective on canonical forms


def _path_encoding_by_walking(ops: np.ndarray) -> np.ndarray:
    """The path encoding computed the plain way, one architecture and edge at a time: every path
    reaching an intermediate node extends along each edge that reads that node."""
    src, op = S._edges(ops)
    offsets = [sum(7**j for j in range(1, L)) for L in range(1, 6)]
    out = np.zeros((len(ops), 4 * PATH_BLOCK), dtype=np.float32)
    for r in range(len(ops)):
        for c in range(2):
            reach: list[list[tuple[int, int, int]]] = [[] for _ in range(4)]
            for e in range(8):
                s, o = int(src[r, c, e]), int(op[r, c, e])
                new = (
                    [(s, 1, o)]
                    if s < 2
                    else [(a, L + 1, code * 7 + o) for a, L, code in reach[s - 2]]
                )
                reach[e // 2] += new
                for a, L, code in new:
                    out[r, (2 * c + a) * PATH_BLOCK + offsets[L - 1] + code] = 1.0
    return out


def test_vectorised_path_encoding_equals_walking_the_paths():
    archs = S.sample(np.random.default_rng(4), 300) + [S.parse(DARTS_V2)]
    x = S.encode(archs, "path")
    assert np.array_equal(x, _path_encoding_by_walking(S.op_rows(archs)))
    # node 0 reads both cell inputs in both cells: a length-1 path in each of the 4 blocks
    assert (x.reshape(len(archs), 4, PATH_BLOCK)[:, :, :7].sum(axis=2) >= 1).all()
