from __future__ import annotations

import numpy as np
import pytest
import torch

import zerocost
from nas_core import spaces
from nas_core.errors import InvalidArchError
from nas_core.networks import build
from nas_core.networks.pool import NetworkPool
from zerocost.scoring import build_seeded, score_network

SPACE = spaces.get("nb201")


def fresh_and_pooled(pool: NetworkPool, ops, seed: int):
    """(fresh network, RNG state after it), (pooled network, RNG state after it)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        a = build(ops, pool.num_classes, pool.C, pool.N)
        rng_a = torch.get_rng_state()
        torch.manual_seed(seed)
        b = pool.build(ops)
        rng_b = torch.get_rng_state()
    return (a, rng_a), (b, rng_b)


def assert_same_network(a: torch.nn.Module, b: torch.nn.Module) -> None:
    assert [n for n, _ in a.named_modules()] == [n for n, _ in b.named_modules()]
    assert [type(m) for m in a.modules()] == [type(m) for m in b.modules()]
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k
        assert sa[k].stride() == sb[k].stride(), k
    assert b.training and all(p.grad is None and p.requires_grad for p in b.parameters())


@pytest.mark.parametrize("C,N,k", [(4, 1, 10), (16, 5, 100)])
def test_pooled_builds_equal_fresh_builds_bit_for_bit(C, N, k):
    """A sequence of archs (ops appearing, disappearing, a cell all `none`), each network used
    as scoring uses it (train-mode forward moving BN statistics, gradients, a weight changed)
    before the next build recycles its modules."""
    rng = np.random.default_rng(0)
    seq = [(2, 2, 2, 2, 2, 2), (1, 1, 1, 1, 1, 1), (0, 4, 3, 1, 2, 0), (2, 2, 2, 2, 2, 2)]
    seq += [SPACE.from_index(int(i)).ops for i in rng.choice(SPACE.size, 6, replace=False)]
    pool = NetworkPool(k, C=C, N=N)
    x = torch.randn(4, 3, 16, 16)
    for seed, ops in enumerate(seq):
        (a, rng_a), (b, rng_b) = fresh_and_pooled(pool, ops, seed)
        assert torch.equal(rng_a, rng_b), "the pool must consume the RNG as a fresh build"
        assert b.ops == ops and all(c.ops == ops for c in b.cells if hasattr(c, "ops"))
        assert_same_network(a, b)
        assert torch.equal(a(x), b(x))
        b(x).sum().backward()  # dirty the pooled one: grads, BN statistics, a weight, a flag
        with torch.no_grad():
            next(b.parameters()).add_(1.0)
        next(b.parameters()).requires_grad_(False)
        b.eval()


def test_channels_last_weights_are_redrawn_in_logical_order():
    """Scoring converts conv weights to channels-last; the next pooled build must still draw
    them as a new (contiguous) layer does, or the numbers would land in other places."""
    pool = NetworkPool(10)  # build_seeded's sizes
    ops = (2, 3, 2, 3, 2, 3)
    first = build_seeded(ops, 10, 0, 5, pool)
    assert any(
        m.weight.is_contiguous(memory_format=torch.channels_last) and not m.weight.is_contiguous()
        for m in first.modules()
        if isinstance(m, torch.nn.Conv2d)
    )
    pooled = build_seeded(ops, 10, 0, 7, pool)
    assert_same_network(build_seeded(ops, 10, 0, 7), pooled)


def test_every_proxy_scores_the_same_on_pooled_networks():
    from nas_core import data

    x, y = (torch.from_numpy(t) for t in data.load("digits").batch(8, seed=0))
    pool = NetworkPool(10, C=4, N=1)
    names = zerocost.names()
    for i, ops in enumerate([(2, 0, 3, 4, 2, 0), (4, 4, 1, 2, 3, 3), (2, 0, 3, 4, 2, 0)]):
        (a, _), (b, _) = fresh_and_pooled(pool, ops, i)
        ra = score_network(a, x, y, names, seed=i)
        rb = score_network(b, x, y, names, seed=i)
        for n in names:
            assert ra[n].status == rb[n].status, n
            assert ra[n].value == rb[n].value or (ra[n].value != ra[n].value), n  # NaN == NaN


def test_pool_rejects_bad_archs():
    pool = NetworkPool()
    with pytest.raises(InvalidArchError, match="6 op ids"):
        pool.build((0, 1, 2))
