"""What the channels-last float32 scoring path does to proxy values: the memory layout alone
changes nothing beyond rounding (float64 channels-last equals float64 contiguous); in float32 the
NHWC kernels round differently from a contiguous run (on x86 with oneDNN the values are not the
same numbers), and the values stay within the documented distance of the exact (float64) ones
(perf/results/zerocost.md, section 3b)."""

from __future__ import annotations

import pytest
import torch

from nas_core.networks import build
from nas_core.networks._modules import conv_weights_to
from zerocost import score_network

PROXIES = ["grasp", "snip", "synflow", "naswot"]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


def values(ops, dtype, channels_last):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        net = build(ops, 10, C=8, N=1).to(dtype)
    x = torch.randn(16, 3, 16, 16, generator=torch.Generator().manual_seed(0)).to(dtype)
    y = torch.arange(16) % 10
    if channels_last:
        conv_weights_to(net, torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    r = score_network(net, x, y, PROXIES, seed=1)
    return {p: r[p].value for p in PROXIES}


@pytest.mark.parametrize("ops", [(2, 0, 3, 4, 2, 1), (3, 3, 2, 0, 0, 3)])
def test_channels_last_float32_stays_close_to_float64(ops):
    exact = values(ops, torch.float64, False)
    assert values(ops, torch.float64, True) == pytest.approx(exact, rel=1e-9)
    cl = values(ops, torch.float32, True)
    for p in PROXIES:
        tol = {"grasp": 0.2, "snip": 1e-2}.get(p, 1e-5)
        assert cl[p] == pytest.approx(exact[p], rel=tol), p
