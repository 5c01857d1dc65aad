"""The NAS-Bench-101 network: the paper's channel-splitting rule, NAS-Bench-101's own spelling and
parameter count of its README cell, exact closed-form counts (against the built module and against
NAS-Bench-Suite-Zero's stored values for every key of zc_nasbench101.json, which skip without
../shared/data), shapes, hooks and refusals."""

from __future__ import annotations

import ast
import json

import numpy as np
import pytest
import torch

from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, UnknownNameError
from nas_core.networks import OPTIONAL_HOOKS, ProxyNetwork, build, hook, nb101, spaces_with_networks
from tests.conftest import shared_file

SPACE = spaces.get("nb101")
IN, OUT, C3, C1, MP = (
    "input",
    "output",
    "conv3x3-bn-relu",
    "conv1x1-bn-relu",
    "maxpool3x3",
)
# NAS-Bench-101's README / notebook: the Inception-like cell as the user spells it ...
README = (
    [
        [0, 1, 1, 1, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    [IN, C1, C3, C3, C3, MP, OUT],
)
# ... and what the dataset returns for it (module_adjacency, module_operations,
# trainable_parameters), printed in NASBench.ipynb
README_STORED = (
    [
        [0, 1, 1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    [IN, C3, C1, MP, C3, C3, OUT],
)
README_PARAMS = 2_694_282
# three vertices feed the output (128 = 43 + 43 + 42); vertex 1 also feeds vertex 3
UNEVEN = (
    [
        [0, 1, 1, 0, 0],
        [0, 0, 0, 1, 1],
        [0, 0, 0, 1, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
    ],
    [IN, C3, MP, C1, OUT],
)
SMALL = {"stem_channels": 8, "cells_per_stack": 1}


def test_nb101_has_a_registered_builder():
    assert "nb101" in spaces_with_networks()


# --- the channel-splitting rule ---------------------------------------------------------------


def test_output_channels_split_with_the_remainder_to_the_earliest_vertices():
    assert nb101.vertex_channels(64, 128, np.array(UNEVEN[0])) == [64, 43, 43, 42, 128]
    # a vertex that does not feed the output takes its successors' largest count
    m = np.array(
        [
            [0, 1, 0, 0, 0, 0],
            [0, 0, 1, 1, 0, 0],
            [0, 0, 0, 0, 1, 1],
            [0, 0, 0, 0, 1, 1],
            [0, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0],
        ]
    )
    # output fan-in 3 (vertices 2, 3, 4): 256 = 86 + 85 + 85; vertex 1 -> max(86, 85)
    assert nb101.vertex_channels(128, 256, m) == [128, 86, 86, 85, 85, 256]
    # input straight to output: no interior vertex
    assert nb101.vertex_channels(16, 32, np.array([[0, 1], [0, 0]])) == [16, 32]
    with pytest.raises(InvalidInputError, match="cannot feed 3 vertices"):
        nb101.vertex_channels(2, 2, np.array(UNEVEN[0]))


def test_an_arch_is_built_as_nas_bench_101_stored_and_trained_it():
    """NAS-Bench-101 kept the first spelling of each cell its generate_graphs.py enumerated;
    for the README cell that is the notebook's module_adjacency/module_operations, and the
    network's parameters are the dataset's trainable_parameters."""
    m, ops = nb101.nb101_spelling(README)
    assert m.tolist() == README_STORED[0] and ops == README_STORED[1]
    arch = SPACE.parse(README)
    assert nb101.count_params(arch) == README_PARAMS
    assert nb101.count_params(README) == nb101.count_params(README_STORED) == README_PARAMS
    net = build(arch, 10, space="nb101")
    assert sum(p.numel() for p in net.parameters()) == README_PARAMS == net.count_params()


def test_the_vertex_order_decides_which_vertices_get_the_extra_channel():
    """Three parallel vertices feed the output (128 = 43 + 43 + 42): the conv3x3 gets 43 channels
    when spelled first and 42 when spelled last, so two spellings of one cell differ."""
    m = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0] * 5]
    first, last = (m, [IN, C3, MP, MP, OUT]), (m, [IN, MP, MP, C3, OUT])
    assert SPACE.parse(first) == SPACE.parse(last)
    # the projections' channels add up to the same either way; the conv3x3 (9c^2 + 2c) does not
    f = [9 * c * c + 2 * c for c in (43, 42, 86, 85, 171, 170)]
    cells_per_stack = 3
    expected = cells_per_stack * (f[0] - f[1] + f[2] - f[3] + f[4] - f[5])
    assert nb101.count_params(first) - nb101.count_params(last) == expected == 16_137
    assert nb101.count_params(SPACE.parse(first)) in (
        nb101.count_params(first),
        nb101.count_params(last),
    )


# --- exact counts -------------------------------------------------------------------------------


def hooked_flops(net: torch.nn.Module, hw: tuple[int, int]) -> tuple[int, int]:
    """(MACs of convs and linear layers, everything tensorwatch's torchstat counts) by forward
    hooks: conv k*k*c_in*c_out per output pixel, linear in*out, BN 2 and ReLU 1 per element,
    max pools kernel area per output element."""
    macs = other = 0

    def hook_fn(m, _i, out):
        nonlocal macs, other
        if isinstance(m, torch.nn.Conv2d):
            kh, kw = m.kernel_size
            macs += kh * kw * m.in_channels * m.out_channels * out.shape[2] * out.shape[3]
        elif isinstance(m, torch.nn.Linear):
            macs += m.in_features * m.out_features
        elif isinstance(m, torch.nn.BatchNorm2d):
            other += 2 * out[0].numel()
        elif isinstance(m, torch.nn.ReLU):
            other += out[0].numel()
        elif isinstance(m, torch.nn.MaxPool2d):
            other += m.kernel_size**2 * out[0].numel()

    hooks = [m.register_forward_hook(hook_fn) for m in net.modules() if not list(m.children())]
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, *hw))
    for h in hooks:
        h.remove()
    return macs, other


@pytest.mark.parametrize("hw", [(32, 32), (20, 12)])
def test_counts_equal_the_built_module(hw):
    archs = [*SPACE.sample(np.random.default_rng(0), 6), SPACE.parse(UNEVEN)]
    archs.append(SPACE.parse(([[0, 1], [0, 0]], [IN, OUT])))
    for arch in archs:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            net = build(arch, 7, space="nb101", stem_channels=6, cells_per_stack=2)
        assert net.count_params() == sum(p.numel() for p in net.parameters())
        assert net.count_params() == nb101.count_params(arch, 7, 6, 3, 2)
        macs, other = hooked_flops(net, hw)
        assert net.count_flops(hw) == macs + other
        assert nb101.count_flops(arch, 7, hw, 6, 3, 2, convention="macs") == macs
        assert nb101.count_flops(arch, 7, hw, 6, 3, 2) == macs + other


def test_stored_params_and_flops_of_every_suite_zero_key():
    """Counted from each key's own spelling (as NASLib built it), naslab's counts are the file's
    stored values exactly. Built as NAS-Bench-101 trained the cell, they differ only where the
    output's channels do not split evenly (the extra channels land elsewhere): params stay within
    1%, and the keys that differ are exactly such cells."""
    zc = json.loads(shared_file("naslib-zc", "zc_nasbench101.json").read_text())
    zc = zc["nasbench101"]["cifar10"]
    assert len(zc) == 500
    differ = 0
    for key, v in zc.items():
        spelled = ast.literal_eval(key)
        assert nb101.count_params(spelled) == round(v["params"] * 1e6), key
        assert nb101.count_flops(spelled) == round(v["flops"] * 1e6), key
        arch = SPACE.parse(spelled)
        p = nb101.count_params(arch)
        assert abs(p / (v["params"] * 1e6) - 1) < 0.01, key
        if p != round(v["params"] * 1e6):
            differ += 1
            fan_in = nb101.output_fan_in(nb101.cell(arch))
            assert any(c % fan_in for c in (128, 256, 512)), key
    assert 0 < differ < 50


# --- the torch module ----------------------------------------------------------------------------


def test_forward_shapes_and_hooks_at_small_size():
    arch = SPACE.parse(UNEVEN)
    net = build(arch, 10, space="nb101", **SMALL)
    assert isinstance(net, ProxyNetwork)
    assert net.space == "nb101" and net.arch == arch and net.num_classes == 10
    assert all(hook(net, h) is not None for h in OPTIONAL_HOOKS)
    x = torch.randn(2, 3, 16, 16)
    assert net(x).shape == (2, 10)
    assert net.feature_map(x).shape == (2, 32, 4, 4)  # 8 -> 16 -> 32 channels, two 2x2 pools
    thin = net.thin()
    assert thin.arch == arch and thin.stem_channels == 3 and thin.cells_per_stack == 1
    assert thin(torch.randn(1, 3, 8, 8)).shape == (1, 10)
    assert net.thin_cell()(torch.randn(5, 1, 3, 3)).shape == (5, 3, 3, 3)


def test_the_network_initialises_as_nasbench_pytorch():
    net = build(SPACE.parse(README), 10, space="nb101", **SMALL)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            assert torch.all(m.weight == 1) and torch.all(m.bias == 0)
        elif isinstance(m, torch.nn.Linear):
            assert torch.all(m.bias == 0) and m.weight.std() < 0.05
    conv = net.stem[0]
    assert conv.bias is None
    assert abs(conv.weight.std().item() - (2 / (9 * 8)) ** 0.5) < 0.05


def test_registry_build_parses_any_spelling_to_the_same_network():
    key = (*np.array(README[0]).reshape(-1).tolist(), 0, 3, 4, 4, 4, 2, 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        a = build(key, 10, space="nb101", **SMALL)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        b = build(SPACE.parse(README), 10, **SMALL)
    assert a.arch == b.arch
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_zero_cost_proxies_run_on_it():
    from zerocost import score_network

    net = build(SPACE.parse(README), 10, space="nb101", **SMALL)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 3, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    names = ["synflow", "params", "flops", "jacov", "snip", "grad_norm", "zen", "linear_regions"]
    res = score_network(net, x, y, names)
    assert {k: r.status for k, r in res.items()} == dict.fromkeys(names, "ok")
    assert res["params"].value == net.count_params()
    assert res["flops"].value == nb101.count_flops(SPACE.parse(README), 10, (8, 8), **SMALL)


# --- refusals ------------------------------------------------------------------------------------


def test_refuses_what_it_cannot_build():
    with pytest.raises(InvalidArchError, match="takes nb101 architectures.*'nb201'"):
        nb101.build(Arch("nb201", (0, 1, 2, 3, 4, 0)))
    with pytest.raises(InvalidArchError, match="no path from input to output"):
        nb101.count_params(([[0, 0], [0, 0]], [IN, OUT]))
    with pytest.raises(InvalidArchError):
        build("not a cell", 10, space="nb101")
    with pytest.raises(InvalidInputError, match="cannot feed 3 vertices"):
        build(SPACE.parse(UNEVEN), 10, space="nb101", stem_channels=2)
    with pytest.raises(InvalidInputError, match="must be >= 1"):
        nb101.count_params(SPACE.parse(UNEVEN), num_classes=0)
    with pytest.raises(UnknownNameError, match="suite-zero"):
        nb101.count_flops(SPACE.parse(UNEVEN), convention="thop")
    with pytest.raises(InvalidInputError, match="at least 4"):
        nb101.count_flops(SPACE.parse(UNEVEN), input_size=(3, 32))
    net = build(SPACE.parse(UNEVEN), 10, space="nb101", **SMALL)
    with pytest.raises(InvalidInputError, match=r"shape \(batch, 3, H, W\)"):
        net(torch.randn(2, 1, 16, 16))
    with pytest.raises(InvalidInputError, match="at least 4"):
        net(torch.randn(2, 3, 2, 16))
