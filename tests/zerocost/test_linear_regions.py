"""linear_regions follows TE-NAS's protocol (one cell at one channel, no stem, 3,000 real 3x3
crops) and is not saturated; the earlier whole-network protocol is `linear_regions_full`."""

from __future__ import annotations

import pytest
import torch

import zerocost
from nas_core.errors import InvalidInputError
from nas_core.networks import build
from tests.conftest import shared_file
from zerocost.proxies.linear_regions import crops
from zerocost.scoring import build_seeded, score_network


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="module")
def cifar():
    from nas_core import data

    d = data.load(f"cifar10:{shared_file('images', 'cifar-10-batches-py')}")
    x, y = d.batch(64, seed=0)
    return torch.from_numpy(x).contiguous(memory_format=torch.channels_last)


def regions(ops, x, seed=0, name="linear_regions"):
    net = build_seeded(ops, 10, seed, 0)
    r = score_network(net, x, None, [name], seed=seed)[name]
    assert r.status == "ok", r.status
    return r.value


def test_not_saturated_and_distinguishes_cells_on_real_cifar10(cifar):
    cells = [
        (2,) * 6,
        (2, 1, 2, 2, 1, 2),
        (3, 0, 2, 4, 3, 2),
        (2, 3, 2, 0, 3, 4),
        (1, 1, 2, 1, 1, 1),
    ]
    new = [regions(c, cifar) for c in cells]
    # 3,000 crops: measured 536..1,014 regions; every cell its own count
    assert all(1 < v < 0.75 * 3000 for v in new), new
    assert len(set(new)) == len(new), new
    # the earlier protocol returns its sample count (1,000) for all of them: no ranking at all
    old = [regions(c, cifar, name="linear_regions_full") for c in cells[:3]]
    assert old == [1000.0] * 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_more_relu_paths_give_more_regions(cifar, seed):
    skip_only = regions((1, 1, 0, 1, 1, 1), cifar, seed)  # only the last BN-ReLU: 9 units
    one_conv = regions((1, 1, 2, 1, 1, 1), cifar, seed)  # + one ReLU-conv-BN edge
    four_convs = regions((2, 1, 2, 2, 1, 2), cifar, seed)  # four, on three paths
    assert skip_only < one_conv < four_convs, (skip_only, one_conv, four_convs)
    # a cell cut from its input: every ReLU sees zeros, one pattern
    assert regions((1,) * 6, cifar, seed) == 1.0


def test_uses_the_images_and_is_deterministic(cifar):
    info = zerocost.info("linear_regions")
    assert info.meta["data_independent"] is False
    state = torch.random.get_rng_state()
    a = regions((2, 0, 3, 4, 2, 1), cifar)
    assert torch.equal(torch.random.get_rng_state(), state)  # global RNG untouched
    assert regions((2, 0, 3, 4, 2, 1), cifar) == a
    assert regions((2, 0, 3, 4, 2, 1), torch.randn(64, 3, 32, 32) * 3) != a


def test_crops_are_single_channel_windows_of_the_images():
    x = torch.randn(5, 3, 8, 12)
    g = torch.Generator().manual_seed(0)
    c = crops(x, 200, 3, g)
    assert c.shape == (200, 1, 3, 3) and c.dtype == torch.float32
    g = torch.Generator().manual_seed(0)  # the same draws, in the same order
    img, ch = torch.randint(0, 5, (200,), generator=g), torch.randint(0, 3, (200,), generator=g)
    top, left = torch.randint(0, 6, (200,), generator=g), torch.randint(0, 10, (200,), generator=g)
    for k in range(0, 200, 17):
        i, j, t, s = int(img[k]), int(ch[k]), int(top[k]), int(left[k])
        assert torch.equal(c[k, 0], x[i, j, t : t + 3, s : s + 3])
    with pytest.raises(InvalidInputError, match="3x3 crops"):
        crops(torch.zeros(2, 3, 2, 8), 10, 3, g)


def test_thin_cell_is_one_cell_at_one_channel_then_bn_relu():
    net = build((2, 0, 3, 4, 2, 1), 10, C=4, N=1)
    cell = net.thin_cell()
    convs = [m for m in cell.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 3 and all(m.in_channels == m.out_channels == 1 for m in convs)
    relus = [m for m in cell.modules() if isinstance(m, torch.nn.ReLU)]
    assert len(relus) == 4  # one per conv edge + the last BN-ReLU
    assert cell(torch.randn(7, 1, 3, 3)).shape == (7, 1, 3, 3)
    assert sum(p.numel() for p in cell.parameters()) == 9 + 1 + 9 + 2 * 3 + 2  # convs, BNs
