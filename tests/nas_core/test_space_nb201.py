from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nas_core import Arch, InvalidArchError, UnknownNameError, spaces
from nas_core.spaces.nb201 import OPS, isomorphism_key
from tests.conftest import shared_file

S = spaces.get("nb201")
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_size_and_round_trips_for_every_cell():
    assert S.size == 15625 == len(S.all_archs())
    for i, a in enumerate(S.all_archs()):
        assert S.index(a) == i
        assert S.parse(S.to_str(a)) == a
        assert S.parse(a.ops) == a
        assert S.parse(list(a.ops)) == a
        assert S.parse(i) == a
        assert S.parse(str(a.ops)) == a


def test_string_uses_naslib_op_ids_and_edge_order():
    a = S.parse(
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|"
    )
    # edges (0->1),(0->2),(0->3),(1->2),(1->3),(2->3); ids 0 skip 1 none 2 conv3 3 conv1 4 pool
    assert a.ops == (4, 3, 3, 0, 1, 2)
    assert OPS == ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
    assert S.index(a) == int(np.dot(a.ops, 5 ** np.arange(5, -1, -1)))


@pytest.mark.parametrize(
    "bad",
    [
        "|conv9~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        (0, 1, 2),
        (0, 1, 2, 3, 4, 5),
        -1,
        15625,
        3.5,
        "|none~0|+|none~0|",
        Arch("nbgraph", (0, 0, 0, 0, 0)),
    ],
)
def test_bad_input_raises_clear_errors(bad):
    with pytest.raises((InvalidArchError, UnknownNameError)):
        S.parse(bad)


def test_unknown_op_names_valid_ops():
    with pytest.raises(UnknownNameError, match="nor_conv_3x3") as e:
        S.parse("|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert "Did you mean" in str(e.value)


def test_sample_mutate_neighbours_are_valid_and_deterministic():
    rng = np.random.default_rng(0)
    archs = S.sample(rng, 50)
    assert archs == S.sample(np.random.default_rng(0), 50)
    for a in archs:
        m = S.mutate(a, rng)
        assert m != a and sum(x != y for x, y in zip(a.ops, m.ops, strict=False)) == 1
        nb = S.neighbours(a)
        assert len(nb) == 24 == len(set(nb)) and a not in nb
        assert all(sum(x != y for x, y in zip(a.ops, b.ops, strict=False)) == 1 for b in nb)


def test_encodings_shapes_and_content():
    archs = S.all_archs()
    onehot = S.encode(archs, "onehot")
    assert onehot.shape == (15625, 30) and onehot.dtype == np.float32
    assert (onehot.sum(1) == 6).all() and len(np.unique(onehot, axis=0)) == 15625
    adj = S.encode(archs[:100], "adjacency")
    assert adj.shape == (100, 8 * 8 + 8 * 7)
    path = S.encode(archs, "path")
    assert path.shape == (15625, 84)
    all_none = S.parse((1,) * 6)
    assert S.encode([all_none], "path").sum() == 0  # no route survives 'none' edges
    best = S.parse(BEST)
    # routes: 0->3 skip; 0->1->3 conv3,conv3; 0->2->3 conv3,conv3 (same sequence); 0->1->2->3
    assert S.encode([best], "path").sum() == 3
    assert np.array_equal(S.encode(np.arange(5), "onehot"), S.encode(archs[:5], "onehot"))
    with pytest.raises(UnknownNameError):
        S.encode(archs[:2], "bogus")


def test_graph_form_cuts_none_edges():
    g = S.to_graph(S.parse(BEST))
    assert g.num_nodes == 8 and g.x.shape == (8, 7) and g.edge_index.shape[0] == 2
    none_cell = S.to_graph(S.parse((1,) * 6))
    assert none_cell.edge_index.shape[1] == 0


def test_canonical_matches_nats_bench_unique_strings(shared_data):
    df = pd.read_csv(shared_file("nb201-tables", "nats_tss_200ep_test_canonical.csv"))
    keys = [isomorphism_key(S.parse(a).ops) for a in df.ArchitectureString]
    assert keys == list(df.UniqueString)
    canon = S.canonical_indices(list(df.ArchitectureString))
    assert len(np.unique(canon)) == 6466 == df.UniqueString.nunique()


def test_canonical_is_idempotent_and_in_class():
    for a in S.sample(np.random.default_rng(1), 200):
        c = S.canonical(a)
        assert S.canonical(c) == c and S.index(c) <= S.index(a)
        assert isomorphism_key(c.ops) == isomorphism_key(a.ops)


def test_an_index_with_thousands_of_digits_is_an_invalid_arch_not_a_value_error():
    """int() refuses strings of more than 4,300 digits with a ValueError; the space says the
    index is out of range instead, and leading zeros still read as the number."""
    sp = spaces.get("nb201")
    with pytest.raises(InvalidArchError, match=r"index must lie in 0\.\.15624.*5000 digits"):
        sp.parse("9" * 5000)
    assert sp.parse("0" * 30 + "5") == sp.from_index(5)
