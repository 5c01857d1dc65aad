from __future__ import annotations

import itertools
import json
from collections import defaultdict

import numpy as np
import pytest

from nas_core import Arch, InvalidArchError
from nas_core.spaces.nb101 import OPS, PATH_FEATS, NB101Space, hash_module
from tests.conftest import shared_file

S = NB101Space()
C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
# NAS-Bench-101's README example (an Inception-like cell).
INCEPTION = (
    [
        [0, 1, 1, 1, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    ["input", C1, C3, C3, C3, MP, "output"],
)


def _permuted(matrix, ops, perm):
    """The same cell with interior vertices relabelled by `perm` (a permutation of 1..n-2)."""
    m = np.asarray(matrix)
    p = [0, *perm, len(ops) - 1]
    return m[np.ix_(p, p)], [ops[i] for i in p]


def test_isomorphic_spellings_are_one_arch_and_share_the_hash():
    base = S.parse(INCEPTION)
    seen = 0
    for perm in itertools.permutations(range(1, 6)):
        m, ops = _permuted(*INCEPTION, perm)
        if np.tril(m).any():
            continue  # not upper triangular: NAS-Bench-101 cannot spell it
        seen += 1
        assert S.parse((m, ops)) == base
        assert S.hash((m, ops)) == S.hash(base)
    assert seen > 1
    # the module NAS-Bench-101's README prints for this query (its dataset's own spelling)
    stored = [
        [0, 1, 1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ]
    assert S.parse((stored, ["input", C3, C1, MP, C3, C3, "output"])) == base
    # a different op is a different cell, with a different hash
    other = S.parse((INCEPTION[0], ["input", C3, C3, C3, C3, MP, "output"]))
    assert other != base and S.hash(other) != S.hash(base)


def test_pruning_removes_vertices_off_every_input_output_path():
    m = np.zeros((7, 7), dtype=int)
    m[0, 1] = m[1, 6] = 1  # input -> conv -> output
    m[0, 2] = 1  # vertex 2: reachable from the input, but a dead end
    m[3, 6] = 1  # vertex 3: reaches the output, but nothing feeds it
    a = S.parse((m, ["input", C3, MP, C1, C1, C1, "output"]))
    assert S.to_str(a) == "adj=010|001|000 ops=input,conv3x3-bn-relu,output"
    matrix, names = S.spec(a)
    assert names == ["input", C3, "output"] and matrix.sum() == 2


def test_refuses_what_nas_bench_101_refuses():
    no_path = np.zeros((7, 7), dtype=int)
    no_path[0, 1] = 1
    with pytest.raises(InvalidArchError, match="no path from input to output"):
        S.parse((no_path, ["input", C3, C3, C3, C3, C3, "output"]))
    full = np.triu(np.ones((7, 7), dtype=int), 1)  # 21 edges, all on paths
    with pytest.raises(InvalidArchError, match="21 edges after pruning"):
        S.parse((full, ["input", C3, C3, C3, C3, C3, "output"]))
    with pytest.raises(InvalidArchError, match="upper triangular"):
        S.parse((np.tril(np.ones((3, 3), dtype=int), -1), ["input", C3, "output"]))
    with pytest.raises(InvalidArchError, match="unknown nb101 op"):
        S.parse(([[0, 1], [0, 0]], ["input", "sep_conv_5x5"]))
    with pytest.raises(InvalidArchError, match="'input', then interior ops"):
        S.parse(([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "output", C3]))
    with pytest.raises(InvalidArchError, match="2..7 vertices"):
        S.parse((np.zeros((8, 8), dtype=int), ["input"] + [C3] * 6 + ["output"]))
    with pytest.raises(InvalidArchError, match="56 ints for the Suite-Zero key"):
        S.parse(tuple(range(10)))
    with pytest.raises(InvalidArchError, match="open"):
        S.index(S.parse(INCEPTION))


def test_every_spelling_reads_to_the_same_arch():
    a = S.parse(INCEPTION)
    m, names = INCEPTION
    ids = [OPS.index(o) for o in names]
    key = tuple(np.ravel(m).tolist()) + tuple(ids)
    spellings = [
        a,
        a.ops,
        list(a.ops),
        np.array(a.ops),
        str(a.ops),  # the Suite-Zero key string
        key,  # NASLib's tuple of this (unpruned) spelling
        (m, ids),
        (np.array(m), ["input", "conv1x1", "conv3x3", "conv3x3", "conv3x3", "maxpool", "output"]),
        {"matrix": np.array(m), "ops": names},  # NASLib's spec dict
        {"module_adjacency": m, "module_operations": names},
        S.to_str(a),
        str((m, names)),
    ]
    for s in spellings:
        assert S.parse(s) == a, s

    class ModelSpec:  # the attributes of nasbench.api.ModelSpec
        original_matrix = np.array(m)
        original_ops = names

    assert S.parse(ModelSpec()) == a


def test_hash_module_is_invariant_and_sees_labels():
    m = np.array([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
    h = hash_module(m, [-1, 0, 1, -2])
    assert len(h) == 32 and int(h, 16) >= 0
    swapped = m[np.ix_([0, 2, 1, 3], [0, 2, 1, 3])]
    assert hash_module(swapped, [-1, 1, 0, -2]) == h
    assert hash_module(m, [-1, 0, 0, -2]) != h


def test_neighbours_cover_edge_op_and_vertex_moves():
    a = S.parse(([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, "output"]))
    nb = S.neighbours(a)
    strs = {S.to_str(b) for b in nb}
    assert "adj=011|001|000 ops=input,conv3x3-bn-relu,output" in strs  # add an edge
    assert "adj=01|00 ops=input,output" not in strs  # removing 0->1 leaves no path: refused
    assert "adj=010|001|000 ops=input,maxpool3x3,output" in strs  # change the op
    grown = [b for b in nb if len(S.spec(b)[1]) == 4]
    assert grown, "a vertex can be added"
    assert all(len(S.spec(b)[1]) in (3, 4) for b in nb)
    assert len(nb) == len(set(nb)) and a not in nb


def test_sampling_reaches_cells_of_every_size():
    archs = S.sample(np.random.default_rng(0), 300)
    sizes = {len(S.spec(a)[1]) for a in archs}
    assert sizes >= {3, 4, 5, 6}
    assert all(int(S.spec(a)[0].sum()) <= 9 for a in archs)


def test_encodings_of_a_known_cell():
    a = S.parse(([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", C1, "output"]))
    x = S.encode([a], "onehot")[0]
    assert x.shape == (36,) and x[:21].sum() == 3 and x[21:].sum() == 1
    assert x[21 + 1] == 1  # vertex 1: conv1x1 (interior op order maxpool, conv1x1, conv3x3)
    p = S.encode([a], "path")[0]
    assert p.shape == (PATH_FEATS,) == (364,)
    assert p[0] == 1  # the input -> output edge: the empty path
    assert p[1 + 1] == 1 and p.sum() == 2  # input -> conv1x1 -> output
    adj, feats = S.graph_arrays([a])
    assert adj.shape == (1, 7, 7) and feats.shape == (1, 7, 5)
    assert feats[0].sum() == 3  # padding vertices carry no features
    g = S.to_graph(a)
    assert g.num_nodes == 3 and g.edge_index.shape == (2, 3)


def test_suite_zero_keys_collapse_to_nas_bench_101_cells():
    """The 500 Suite-Zero keys are unpruned spellings; isomorphic ones are the same trained
    model, so within a class val_accuracy takes at most NAS-Bench-101's 3 seeds' values."""
    path = shared_file("naslib-zc", "zc_nasbench101.json")
    data = json.loads(path.read_text())["nasbench101"]["cifar10"]
    assert len(data) == 500
    groups = defaultdict(list)
    hashes = defaultdict(set)
    for key, row in data.items():
        a = S.parse(key)
        assert S.parse(S.to_str(a)) == a
        groups[a].append(row["val_accuracy"])
        hashes[S.hash(key)].add(a)
    assert len(groups) == 292 == len(hashes)  # the hash separates exactly the same classes
    assert all(len(v) == 1 for v in hashes.values())
    assert max(len(set(v)) for v in groups.values()) == 3
    assert max(len(v) for v in groups.values()) == 55  # the input -> output cell
    trivial = S.parse(([[0, 1], [0, 0]], ["input", "output"]))
    assert len(groups[trivial]) == 55


def test_open_space_refuses_indices():
    assert S.size is None
    with pytest.raises(InvalidArchError):
        S.all_archs()
    with pytest.raises(InvalidArchError, match="open"):
        S.from_index(0)
    assert isinstance(S.sample(np.random.default_rng(0), 1)[0], Arch)


def test_canonical_form_ignores_any_relabelling_of_sampled_cells():
    rng = np.random.default_rng(3)
    checked = 0
    for a in S.sample(rng, 40):
        m, names = S.spec(a)
        n = len(names)
        for perm in itertools.permutations(range(1, n - 1)):
            pm, pops = _permuted(m, names, perm)
            if not np.tril(pm).any():
                assert S.parse((pm, pops)) == a
                assert S.hash((pm, pops)) == S.hash(a)
                checked += 1
    assert checked > 40


def test_categorical_view_is_nas_bench_101s_hpo_encoding():
    # NASCifar10A: 21 upper-triangle bits (np.triu_indices(7, 1) order), 5 ops, conv3x3 first
    assert S.choices() == (2,) * 21 + (3,) * 5
    chain = [0] * 21
    chain[0] = chain[6] = chain[11] = 1  # 0->1, 1->2, 2->3 (row-major upper triangle)
    chain[15] = chain[18] = chain[20] = 1  # 3->4, 4->5, 5->6
    a = S.from_choices(chain + [0, 1, 2, 0, 0])
    m, ops = S.spec(a)
    assert ops == ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3",
                   "conv3x3-bn-relu", "conv3x3-bn-relu", "output"]  # fmt: skip
    assert m.sum() == 6 and all(m[i, i + 1] for i in range(6))
    assert S.to_choices(a) == tuple(chain) + (0, 1, 2, 0, 0)
    # vertex 1 off every path is pruned: the view of the canonical cell pads it back
    b = S.from_choices([0, 0, 0, 0, 0, 1] + [0] * 15 + [2, 2, 2, 2, 2])
    assert S.spec(b)[1] == ["input", "output"]
    assert S.from_choices(S.to_choices(b)) == b


def test_categorical_view_round_trips_and_refuses_non_cells():
    for a in S.sample(np.random.default_rng(3), 200):
        c = S.to_choices(a)
        assert len(c) == 26 and all(0 <= v < k for v, k in zip(c, S.choices(), strict=True))
        assert S.from_choices(c) == a
        assert S.from_choices(np.array(c)) == a
    ten = [0] * 21
    for i in (0, 1, 2, 3, 4, 10, 14, 17, 19, 20):  # 0->1..5 and 1..5->6: all on paths
        ten[i] = 1
    with pytest.raises(InvalidArchError, match="10 edges after pruning"):
        S.from_choices(ten + [0] * 5)
    ten[0] = 0  # vertex 1 is cut off from the input, pruning leaves 8 edges: a cell
    assert S.spec(S.from_choices(ten + [0] * 5))[0].sum() == 8
    with pytest.raises(InvalidArchError, match="no path"):
        S.from_choices([0] * 26)
    for bad in ([1] * 25, [2] + [0] * 25, [0] * 21 + [3] * 5, [0.5] * 26):
        with pytest.raises(InvalidArchError, match="21 edge bits"):
            S.from_choices(bad)


def test_about_three_quarters_of_random_choice_vectors_are_cells():
    """What categorical searchers draw: the redraw rate stays low (measured ~0.74)."""
    rng = np.random.default_rng(0)
    ok = 0
    for _ in range(400):
        v = [int(rng.integers(k)) for k in S.choices()]
        try:
            S.from_choices(v)
            ok += 1
        except InvalidArchError:
            pass
    assert 0.6 < ok / 400 < 0.9


def _brute_force_key(n: int, m: np.ndarray, ops: tuple[int, ...]) -> tuple[int, ...] | None:
    """NAS-Bench-101's definition, spelled out: prune, then over ALL relabellings of the interior
    vertices keep the upper-triangular one with the largest (bits, ops); pad before the output."""
    fwd, bwd = {0}, {n - 1}
    for v in range(1, n):
        if any(m[u, v] for u in fwd):
            fwd.add(v)
    for v in range(n - 2, -1, -1):
        if any(m[v, w] for w in bwd):
            bwd.add(v)
    if n - 1 not in fwd:
        return None
    keep = sorted(fwd & bwd)
    m, ops, k = m[np.ix_(keep, keep)], [ops[i] for i in keep], len(keep)
    if m.sum() > 9:
        return None
    best = None
    for perm in itertools.permutations(range(1, k - 1)):
        p = [0, *perm, k - 1]
        a = m[np.ix_(p, p)]
        if np.tril(a).any():
            continue
        key = (tuple(a[np.triu_indices(k, 1)].tolist()), tuple(ops[i] for i in p))
        if best is None or key > best[0]:
            best = (key, a)
    (_, labels), a = best
    live = [*range(k - 1), 6]
    out = np.zeros((7, 7), dtype=int)
    out[np.ix_(live, live)] = a
    pad = [2] * 7
    for pos, lab in zip(live, labels, strict=True):
        pad[pos] = lab
    return tuple(out.reshape(-1).tolist()) + tuple(pad)


def test_canonical_search_equals_brute_force_over_all_relabellings():
    from nas_core.spaces.nb101 import _search_canonical_key

    rng = np.random.default_rng(11)
    cells = 0
    for _ in range(600):
        n = int(rng.integers(2, 8))
        m = np.zeros((n, n), dtype=np.uint8)
        m[np.triu_indices(n, 1)] = rng.integers(0, 2, n * (n - 1) // 2)
        ops = (0, *(int(o) for o in rng.integers(2, 5, n - 2)), 1)
        want = _brute_force_key(n, m, ops)
        assert _search_canonical_key(n, m.tobytes(), ops) == want
        cells += want is not None
    assert cells > 300  # most random spellings are cells, the rest are refused alike
