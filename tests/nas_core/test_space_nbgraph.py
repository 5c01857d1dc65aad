from __future__ import annotations

import importlib.util
import itertools
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
from nas_bench_graph.architecture import Arch as PackageArch
from nas_bench_graph.architecture import gnn_list, link_list

from nas_core import Arch, InvalidArchError, UnknownNameError, spaces
from nas_core.spaces.nbgraph import LINKS, OPS, PATH_FEATS, SKIP

S = spaces.get("nbgraph")


def package_hash(link, ops) -> int:
    return PackageArch(
        list(link), [gnn_list[o] if isinstance(o, int) else o for o in ops]
    ).valid_hash()


def test_vocabulary_is_the_packages():
    assert [list(lk) for lk in LINKS] == link_list
    assert list(OPS) == gnn_list and OPS[SKIP] == "skip"


def test_size_and_round_trips_for_every_arch():
    archs = S.all_archs()
    assert S.size == 26206 == len(archs) == len(set(archs))
    for i, a in enumerate(archs):
        assert S.index(a) == i
        assert S.from_index(i) == a
        assert S.parse(S.to_str(a)) == a
        assert S.parse(a.ops) == a
        assert S.parse(i) == a
        assert S.parse(str(i)) == a
        assert S.parse(f"hash={S.hash(a)}") == a
    assert (S.indices(archs) == np.arange(26206)).all()
    assert (S.indices(np.asarray([a.ops for a in archs])) == np.arange(26206)).all()


def test_index_order_is_the_sorted_package_keys_of_the_light_files():
    root = Path(next(iter(importlib.util.find_spec("nas_bench_graph").submodule_search_locations)))
    with open(root / "light" / "cora.bench", "rb") as f:
        keys = sorted(pickle.load(f))  # the package's own file, read the package's way
    assert len(keys) == 26206
    assert S.hashes(np.arange(26206)).tolist() == keys
    # the stored tuple is the hash's digits: link_id, o0..o3
    for i in (0, 1, 5000, 26205):
        assert int("".join(map(str, S.from_index(i).ops))) == keys[i]


def test_every_standard_spelling_agrees_with_valid_hash():
    """All 9 * 9^4 spellings (minus all-skip) canonicalise to the package's valid_hash; 26,206
    classes, and each representative is a fixed point of valid_hash."""
    seen = set()
    for lid, *ops in itertools.product(range(9), repeat=5):
        if all(o == SKIP for o in ops):
            with pytest.raises(InvalidArchError, match="all-skip"):
                S.parse((lid, *ops))
            continue
        a = S.parse((lid, *ops))
        assert S.hash(a) == package_hash(LINKS[lid], ops)
        seen.add(a)
    assert len(seen) == 26206
    for a in list(seen)[:2000]:
        assert package_hash(LINKS[a.ops[0]], a.ops[1:]) == S.hash(a)
        lid, *ops = a.ops
        assert PackageArch(list(LINKS[lid]), [OPS[o] for o in ops]).check_isomorph()


def test_non_standard_links_and_relabellings_map_to_one_class():
    # The same network (input->gcn; gcn->gin->fc; gcn->cheb) with its layers numbered two ways.
    a = S.parse(([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]))
    b = S.parse(([0, 1, 1, 3], ["gcn", "cheb", "gin", "fc"]))
    c = S.parse("link=[0,1,1,3] ops=[gcn,cheb,gin,fc]")
    d = S.parse({"link": [0, 1, 1, 3], "ops": ["GCN", "cheb", "gin", "fc"]})
    e = S.parse(PackageArch([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]))
    assert a == b == c == d == e
    assert S.hash(a) == package_hash([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"])
    # a different network: gcn->cheb->fc; gcn->gin
    assert S.parse(([0, 1, 1, 2], ["gcn", "cheb", "gin", "fc"])) != a
    # every one of the 24 parent lists, against the package, on random ops
    rng = random.Random(0)
    all_links = list(itertools.product(*[range(i + 1) for i in range(4)]))
    assert len(all_links) == 24
    for lk in all_links:
        for _ in range(40):
            ops = [rng.randrange(8)] + [rng.randrange(9) for _ in range(3)]
            rng.shuffle(ops)
            assert S.hash(S.parse((lk, ops))) == package_hash(lk, ops)


def _relabel(link, ops, rng):
    """The same network with its layers renumbered in another topological order."""
    order, left = [], set(range(1, 5))
    while left:
        j = rng.choice(sorted(k for k in left if link[k - 1] == 0 or link[k - 1] in order))
        order.append(j)
        left.remove(j)
    new = {0: 0} | {old: k + 1 for k, old in enumerate(order)}
    return [new[link[old - 1]] for old in order], [ops[old - 1] for old in order]


def test_random_relabellings_keep_the_index():
    rng = random.Random(1)
    for i in range(0, 26206, 37):
        lid, *ops = S.from_index(i).ops
        for _ in range(2):
            link, names = _relabel(LINKS[lid], [OPS[o] for o in ops], rng)
            assert S.index(S.parse((link, names))) == i


@pytest.mark.parametrize(
    "bad",
    [
        (0, 1, 2),
        (9, 0, 0, 0, 0),
        (0, 0, 0, 0, 9),
        -1,
        26206,
        3.5,
        ([0, 2, 0, 0], ["gcn"] * 4),  # layer 1 cannot read layer 2
        ([1, 0, 0, 0], ["gcn"] * 4),
        ([0, 0, 0], ["gcn"] * 3),
        ([0, 0, 0, 0], ["skip"] * 4),
        "link=[0,0,0,0] ops=[skip,skip,skip,skip]",
        "hash=99999",
        "gcn-gat",
        {"link": [0, 0, 0, 0]},
        Arch("nb201", (0, 0, 0, 0, 0, 0)),
        Arch("nbgraph", (0, 8, 8, 8, 8)),
    ],
)
def test_bad_input_raises_clear_errors(bad):
    with pytest.raises(InvalidArchError):
        S.parse(bad)


def test_unknown_op_names_the_valid_ops():
    with pytest.raises(UnknownNameError, match="Did you mean 'gat'") as e:
        S.parse("link=[0,0,1,2] ops=[gcn,gta,skip,fc]")
    assert all(op in str(e.value) for op in OPS)


def test_non_canonical_arch_tuple_is_canonicalised():
    # (link 0 = all layers read the input): ops are sorted by the package, so order is irrelevant
    a = S.parse(Arch("nbgraph", (0, 7, 1, 0, 2)))
    assert a == S.parse((0, 0, 1, 2, 7)) == S.canonical(Arch("nbgraph", (0, 2, 0, 1, 7)))
    assert a.ops in {b.ops for b in S.all_archs()}


def test_sample_mutate_neighbours_are_valid_and_deterministic():
    rng = np.random.default_rng(0)
    xs = S.sample(rng, 2000)
    assert xs == S.sample(np.random.default_rng(0), 2000)
    assert len(set(xs)) > 1800  # uniform over 26,206
    valid = set(S.all_archs())
    for a in xs[:300]:
        nb = S.neighbours(a)
        assert nb == S.neighbours(a)
        assert len(nb) == len(set(nb)) > 0 and a not in nb
        assert all(n in valid for n in nb)
        m = S.mutate(a, rng)
        assert m != a and m in nb
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    assert [S.mutate(a, r1) for a in xs[:100]] == [S.mutate(a, r2) for a in xs[:100]]


def test_neighbours_are_one_change_of_the_canonical_spelling():
    a = S.parse("link=[0,0,1,2] ops=[gcn,gat,sage,fc]")
    expected = set()
    for pos in range(5):
        for v in range(9):
            t = list(a.ops)
            if t[pos] != v:
                t[pos] = v
                expected.add(S.parse(tuple(t)))
    expected.discard(a)
    assert set(S.neighbours(a)) == expected


def test_onehot_encoding():
    x = S.encode(S.all_archs(), "onehot")
    assert x.shape == (26206, 45) and x.dtype == np.float32
    assert (x.sum(axis=1) == 5).all()
    assert len(np.unique(x, axis=0)) == 26206  # distinct archs -> distinct rows
    a = S.from_index(1234)
    assert x[1234, a.ops[0]] == 1 and all(
        x[1234, 9 * (k + 1) + o] == 1 for k, o in enumerate(a.ops[1:])
    )


def test_graph_arrays_follow_the_links():
    # layers: 1 <- input, 2 <- input, 3 <- 1, 4 <- 2 (link id 3 = [0,0,1,2]); leaves 3, 4
    a = S.parse(([0, 0, 1, 2], ["gcn", "gat", "sage", "fc"]))
    adj, x = S.graph_arrays([a])
    assert adj.shape == (1, 6, 6) and x.shape == (1, 6, 11)
    edges = set(zip(*np.nonzero(adj[0]), strict=True))
    lid, *ops = a.ops
    parents = LINKS[lid]
    expected = {(p, i + 1) for i, p in enumerate(parents)}
    expected |= {(j, 5) for j in range(1, 5) if j not in parents}
    assert edges == expected
    assert x[0, 0, 0] == 1 and x[0, 5, 1] == 1
    assert [OPS[int(np.argmax(x[0, j, 2:]))] for j in range(1, 5)] == [OPS[o] for o in ops]
    enc = S.encode([a, S.from_index(0)], "adjacency")
    assert enc.shape == (2, 36 + 66) and enc.dtype == np.float32
    g = S.to_graph(a)
    assert g.num_nodes == 6 and g.edge_index.shape == (2, len(expected))
    assert g.x.shape == (6, 11)


def test_every_arch_has_a_path_to_the_output():
    adj, _ = S.graph_arrays(np.arange(0, 26206, 11))
    reach = adj[:, 0].astype(bool)
    for _ in range(5):
        reach |= np.einsum("ni,nij->nj", reach.astype(np.float32), adj) > 0
    assert reach[:, 5].all()


def test_path_encoding():
    # input -> gcn -> skip -> fc (leaf) and input -> sage (leaf)
    a = S.parse(([0, 1, 2, 0], ["gcn", "skip", "fc", "sage"]))
    p = S.encode([a], "path")
    assert p.shape == (1, PATH_FEATS) == (1, 4680) and p.dtype == np.float32
    gcn, fc, sage = OPS.index("gcn"), OPS.index("fc"), OPS.index("sage")
    # offsets: length 1 -> 0, length 2 -> 8
    assert set(np.nonzero(p[0])[0]) == {sage, 8 + gcn * 8 + fc}
    # the package treats a skip leaf as a skip in front of the other layers: one path, gcn
    b = S.parse(([0, 0, 0, 0], ["skip", "gcn", "gcn", "gcn"]))
    assert S.to_str(b) == "link=[0,1,1,1] ops=[skip,gcn,gcn,gcn]"
    assert np.nonzero(S.encode([b], "path")[0])[0].tolist() == [gcn]
    # a 4-chain of non-skip ops is one length-4 path
    c = S.parse(([0, 1, 2, 3], ["gat", "gin", "cheb", "arma"]))
    code = ((0 * 8 + 2) * 8 + 3) * 8 + 5
    assert np.nonzero(S.encode([c], "path")[0])[0].tolist() == [584 + code]
    some = S.encode(np.arange(0, 26206, 25), "path")
    assert (some.sum(axis=1) >= 1).all() and set(np.unique(some)) == {0.0, 1.0}


def test_unknown_encoding_names_valid_ones():
    with pytest.raises(UnknownNameError, match="onehot"):
        S.encode([0], "graph2vec")


def test_batch_indices_accept_mixed_spellings_and_refuse_foreign_archs():
    a = S.from_index(77)
    mixed = [a, S.to_str(a), 77, a.ops, Arch("nbgraph", a.ops), ([0, 0, 0, 0], ["gcn"] * 4)]
    assert S.indices(mixed)[:5].tolist() == [77] * 5
    assert S.indices(mixed)[5] == S.index(S.parse((0, 1, 1, 1, 1)))
    with pytest.raises(InvalidArchError, match="nb201"):
        S.indices([a, Arch("nb201", a.ops)])
    with pytest.raises(InvalidArchError, match="nb201"):
        S.indices([Arch("nb201", (0, 0, 0, 0, 0, 0))])


def test_a_corrupt_table_cache_is_rebuilt_not_trusted(tmp_path, monkeypatch):
    """The space's on-disk cache holds derived tables; a damaged one is recomputed with the
    package's valid_hash (and rewritten), never used."""
    from nas_core.spaces import nbgraph as nbg

    want_hash, want_canon = S.hash_array.copy(), S.canon_of_code.copy()
    monkeypatch.setenv("NASLAB_HOME", str(tmp_path))
    nbg._tables.cache_clear()
    try:
        nbg._tables()  # writes the cache under tmp_path
        (cached,) = (tmp_path / "cache" / "spaces").glob("nbgraph-*.npy")
        bad = np.load(cached)
        bad[nbg.SIZE + 5] = nbg.SIZE + 7  # a class index out of range
        np.save(cached, bad)
        nbg._tables.cache_clear()
        got_hash, got_canon = nbg._tables()
        assert np.array_equal(got_hash, want_hash) and np.array_equal(got_canon, want_canon)
        assert np.array_equal(np.load(cached)[nbg.SIZE :], want_canon)  # rewritten
    finally:
        nbg._tables.cache_clear()
