"""The DARTS CIFAR network: exact counts (against the module itself and against every stored
value of NAS-Bench-Suite-Zero's NB301 file), shapes, reduction cells, refusals, proxies."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError, UnknownNameError
from nas_core.networks import build, spaces_with_networks
from nas_core.networks import darts as D
from nas_core.networks.protocol import ProxyNetwork, hook
from tests.conftest import shared_file

SPACE = spaces.get("darts")
#: DARTS_V2, as printed in DARTS's cnn/genotypes.py.
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)
ALL_SKIP = [[(0, 2), (1, 2), (0, 2), (2, 2), (1, 2), (3, 2), (0, 2), (4, 2)]] * 2


def _sample(n: int, seed: int) -> list[Arch]:
    return SPACE.sample(np.random.default_rng(seed), n)


def hook_flops(net: nn.Module, x: torch.Tensor) -> tuple[int, int]:
    """(all, MACs) for one image by running `net` with forward hooks that apply tensorwatch's
    torchstat rules (the counter NAS-Bench-Suite-Zero used) to every leaf module."""
    total = [0, 0]

    def count(m: nn.Module, inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        i, o = inp[0], out
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            f = kh * kw * i.shape[1] * (o.shape[1] // m.groups) * o.shape[2] * o.shape[3]
            total[0] += f
            total[1] += f
        elif isinstance(m, nn.Linear):
            total[0] += i.shape[1] * o.shape[1]
            total[1] += i.shape[1] * o.shape[1]
        elif isinstance(m, nn.BatchNorm2d):
            total[0] += i[0].numel() * (2 if m.affine else 1)
        elif isinstance(m, nn.ReLU):
            total[0] += i[0].numel()
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            total[0] += o[0].numel() * m.kernel_size**2
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            total[0] += i.shape[1] * (i.shape[2] + 1) * (i.shape[3] + 1)
        elif not isinstance(m, nn.Identity) and not list(m.children()):
            raise AssertionError(f"uncounted leaf module {m}")

    hooks = [m.register_forward_hook(count) for m in net.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            net.eval()(x[:1])
    finally:
        for h in hooks:
            h.remove()
    return total[0], total[1]


# --- against the stored NAS-Bench-Suite-Zero values ---------------------------------------------


def test_params_and_flops_equal_every_stored_value_of_zc_nasbench301() -> None:
    path = shared_file("naslib-zc", "zc_nasbench301.json")
    rows = json.loads(path.read_text())["cifar10"]
    assert len(rows) == 725
    for key, row in rows.items():
        # stored in millions with 6 decimals: exact counts round to them
        assert D.count_params(key) == round(row["params"]["score"] * 1e6), key
        assert D.count_flops(key) == round(row["flops"]["score"] * 1e6), key


def test_darts_v2_at_darts_evaluation_size_has_the_papers_parameter_count() -> None:
    # DARTS's train.py logs "param size = 3.349342MB" for DARTS_V2 (C=36, 20 cells, the
    # auxiliary head excluded); its ~528M multiply-adds are the figure papers quote.
    assert D.count_params(DARTS_V2, 10, C=36, layers=20, style="darts") == 3_349_342
    macs = D.count_flops(DARTS_V2, 10, C=36, layers=20, style="darts", convention="macs")
    assert 527e6 < macs < 529e6


# --- against the module itself -------------------------------------------------------------------


@pytest.mark.parametrize("style", D.STYLES)
@pytest.mark.parametrize(
    ("C", "layers", "hw"), [(4, 3, (32, 32)), (2, 5, (16, 24)), (3, 1, (8, 8))]
)
def test_counts_equal_the_built_module(
    style: str, C: int, layers: int, hw: tuple[int, int]
) -> None:
    for i, arch in enumerate(_sample(3, seed=C * 10 + layers) + [SPACE.parse(ALL_SKIP)]):
        torch.manual_seed(i)
        net = build(arch, 7, C=C, layers=layers, style=style)
        assert net.count_params() == sum(p.numel() for p in net.parameters())
        x = torch.randn(1, 3, *hw)
        full, macs = hook_flops(net, x)
        assert net.count_flops(hw) == full
        assert D.count_flops(arch, 7, hw, C, layers, style, convention="macs") == macs


def test_default_size_is_nas_bench_301s_and_styles_differ_only_in_cell_normalisation() -> None:
    arch = _sample(1, seed=5)[0]
    net = build(arch)
    assert (net.C, net.layers, net.style) == (32, 8, "naslib")
    assert net.stem[0].out_channels == 96 and net.classifier.in_features == 512
    assert len(net.cells) == 8
    bns = [m for m in net.cells.modules() if isinstance(m, nn.BatchNorm2d)]
    # naslib: op BNs without affine weights; preprocessing BNs with them
    assert any(not m.affine for m in bns) and any(m.affine for m in bns)
    darts = build(arch, style="darts")
    ops_bns = [m for c in darts.cells for m in c.ops.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(m.affine for m in ops_bns)
    normal, reduce = D.cells_of(arch)
    n_pools = sum(
        sum(o in (D.MAX_POOL, D.AVG_POOL) for _, o in (reduce if c.reduction else normal))
        for c in darts.cells
    )
    bare = (nn.MaxPool2d, nn.AvgPool2d)
    assert sum(isinstance(op, bare) for c in darts.cells for op in c.ops) == n_pools
    with_bn = [op for c in net.cells for op in c.ops if isinstance(op, nn.Sequential)]
    assert not any(isinstance(op, bare) for c in net.cells for op in c.ops)
    assert sum(isinstance(op[0], bare) and not op[1].affine for op in with_bn) == n_pools


# --- shapes, reduction cells, ops ----------------------------------------------------------------


def test_forward_shapes_and_reduction_cells_halve_the_map_and_double_channels() -> None:
    torch.manual_seed(0)
    arch = _sample(1, seed=1)[0]
    C, layers = 4, 8
    net = build(arch, 10, C=C, layers=layers)
    assert D.reduction_layers(layers) == (2, 5)
    shapes = []
    hooks = [
        c.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape))) for c in net.cells
    ]
    x = torch.randn(3, 3, 32, 32)
    assert tuple(net(x).shape) == (3, 10)
    for h in hooks:
        h.remove()
    expect, c, s = [], C, 32
    for i in range(layers):
        if i in (2, 5):
            c, s = 2 * c, s // 2
        expect.append((3, 4 * c, s, s))
    assert shapes == expect
    assert tuple(net.feature_map(x).shape) == (3, 16 * C, 8, 8)
    assert [c.reduction for c in net.cells] == [i in (2, 5) for i in range(layers)]


def test_skip_connections_are_identity_except_stride_2_factorized_reduce() -> None:
    net = build(ALL_SKIP, 10, space="darts", C=4, layers=3)
    normal, reduction = net.cells[0], net.cells[1]
    assert all(isinstance(op, nn.Identity) for op in normal.ops)
    kinds = [type(op).__name__ for op in reduction.ops]
    # reduction cell: edges from the cell inputs (0, 1) are stride 2, from nodes stride 1
    inputs = [i for i, _ in D.cells_of(ALL_SKIP)[1]]
    assert kinds == ["FactorizedReduce" if i < 2 else "Identity" for i in inputs]
    out = net(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 10) and torch.isfinite(out).all()


def test_every_op_builds_in_both_cell_types() -> None:
    for op in range(7):
        cells = [[(0, op), (1, op), (0, op), (2, op), (1, op), (3, op), (2, op), (4, op)]] * 2
        for style in D.STYLES:
            net = build(cells, 10, space="darts", C=2, layers=3, style=style)
            assert net.count_params() == sum(p.numel() for p in net.parameters())
            assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)


def test_any_darts_spelling_builds_the_same_network() -> None:
    arch = _sample(1, seed=9)[0]
    spellings = [arch, arch.ops, SPACE.to_str(arch), SPACE.to_genotype(arch), SPACE.to_config(arch)]
    counts = {D.count_params(s, C=4, layers=3) for s in spellings}
    assert len(counts) == 1
    net = build(arch.ops, space="darts", C=4, layers=3)
    assert net.arch == arch


# --- refusals ------------------------------------------------------------------------------------


def test_non_darts_architectures_and_bad_sizes_are_refused_clearly() -> None:
    with pytest.raises(InvalidArchError, match=r"darts architectures.*'nb201'"):
        D.build(Arch("nb201", (0, 1, 2, 3, 4, 0)))
    with pytest.raises(InvalidArchError, match=r"darts architectures.*'nb201'"):
        D.count_params(Arch("nb201", (0, 1, 2, 3, 4, 0)))
    with pytest.raises(InvalidArchError):
        build((1, 2, 3), space="darts")
    arch = _sample(1, seed=2)[0]
    with pytest.raises(InvalidInputError, match="C and layers must be >= 1"):
        build(arch, C=0)
    with pytest.raises(UnknownNameError, match="naslib"):
        build(arch, style="nasnet")
    with pytest.raises(UnknownNameError, match="macs"):
        D.count_flops(arch, convention="tensorwatch")
    with pytest.raises(InvalidInputError, match="multiple of 4"):
        D.count_flops(arch, input_size=(30, 32))
    net = build(arch, C=2, layers=3)
    with pytest.raises(InvalidInputError, match="multiple of 4"):
        net(torch.randn(1, 3, 30, 30))
    with pytest.raises(InvalidInputError, match=r"\(batch, 3, H, W\)"):
        net(torch.randn(1, 1, 32, 32))


# --- the proxy interface -------------------------------------------------------------------------


def test_meets_the_proxy_network_protocol_and_proxies_score_it() -> None:
    from zerocost import score_network

    assert "darts" in spaces_with_networks()
    torch.manual_seed(0)
    arch = _sample(1, seed=3)[0]
    net = build(arch, 10, C=4, layers=3)
    assert isinstance(net, ProxyNetwork) and net.space == "darts" and net.arch == arch
    for name in ("count_params", "count_flops", "feature_map", "thin"):
        assert hook(net, name) is not None
    thin = net.thin()
    assert (thin.C, thin.layers) == (1, 5) and thin(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    res = score_network(net, x, y, ["synflow", "params", "flops", "jacov", "snip", "grad_norm"])
    assert {k: r.status for k, r in res.items()} == dict.fromkeys(res, "ok")
    assert res["params"].value == D.count_params(arch, 10, C=4, layers=3)
    assert res["flops"].value == D.count_flops(arch, 10, (32, 32), C=4, layers=3)
    assert res["synflow"].value > 0 and math.isfinite(res["jacov"].value)
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
