"""The shared passes compute only what the requested proxies read, and skipping the rest changes
no value: every proxy alone, and in combinations, gives bit for bit what the all-proxies run and
the old compute-everything passes (`context._COMPUTE_ALL`) give."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import zerocost
from nas_core import spaces
from nas_core.networks import build
from tests.conftest import shared_file
from zerocost import context
from zerocost.context import Context
from zerocost.scoring import build_seeded, score_network

PASS_PROXIES = ["naswot", "jacov", "epe_nas", "snip", "grad_norm", "fisher", "plain", "grasp"]
COMBOS = [
    ["jacov", "epe_nas"],
    ["naswot", "jacov"],
    ["jacov", "naswot"],  # naswot asks for the kernel after a kernel-less Jacobian pass
    ["epe_nas", "naswot", "snip"],
    ["snip", "grad_norm", "plain"],
    ["snip", "fisher"],
    ["grasp", "fisher", "grad_norm"],
]
CELLS = [(2, 0, 3, 4, 2, 0), (3, 3, 2, 0, 4, 2), (2, 2, 2, 2, 2, 2)]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="module")
def digits():
    from nas_core import data

    x, y = data.load("digits").batch(16, seed=0)
    return torch.from_numpy(x), torch.from_numpy(y)


def small(ops, seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build(ops, 10, C=4, N=1)


def values(net, x, y, names):
    res = score_network(net, x, y, names, seed=1)
    assert all(r.status == "ok" for r in res.values()), res
    return {n: r.value for n, r in res.items()}


def check_subsets_bit_equal(net, x, y, monkeypatch):
    full = values(net, x, y, PASS_PROXIES)
    monkeypatch.setattr(context, "_COMPUTE_ALL", True)
    old = values(net, x, y, PASS_PROXIES)
    old_alone = {p: values(net, x, y, [p])[p] for p in PASS_PROXIES}
    monkeypatch.setattr(context, "_COMPUTE_ALL", False)
    assert old == full
    for p in PASS_PROXIES:  # exact equality, not approx
        assert values(net, x, y, [p])[p] == full[p] == old_alone[p], p
    for combo in COMBOS:
        got = values(net, x, y, combo)
        assert got == {p: full[p] for p in combo}, combo


@pytest.mark.parametrize("ops", CELLS)
def test_each_proxy_alone_and_in_combinations_is_bit_equal_to_all_proxies(digits, ops, monkeypatch):
    check_subsets_bit_equal(small(ops), *digits, monkeypatch)


def test_bit_equal_on_real_cifar10_full_size_networks(monkeypatch):
    from nas_core import data

    images = shared_file("images", "cifar-10-batches-py")
    x, y = data.load(f"cifar10:{images}").batch(32, seed=0)
    x = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
    y = torch.from_numpy(y)
    sp = spaces.get("nb201")
    for ops in CELLS[:2]:
        net = build_seeded(ops, 10, 0, sp.index(sp.parse(ops)))
        check_subsets_bit_equal(net, x, y, monkeypatch)


def _weight_grad_counter(net):
    """Count gradients computed for any parameter (a tensor hook fires when one is)."""
    count = [0]

    def hook(g):
        count[0] += 1
        return g

    handles = [p.register_hook(hook) for p in net.parameters()]
    return count, handles


@pytest.mark.parametrize("name", ["jacov", "epe_nas"])
def test_jacobian_proxies_alone_compute_no_weight_gradient_and_no_kernel(digits, name, monkeypatch):
    x, y = digits
    net = small(CELLS[1])
    count, handles = _weight_grad_counter(net)
    frozen_before = net.classifier.bias
    frozen_before.requires_grad_(False)  # a parameter frozen by the caller stays frozen
    relu_inputs = [0]

    def relu_hook(*_a):
        relu_inputs[0] += 1

    relus = [m.register_forward_hook(relu_hook) for m in net.modules() if type(m) is torch.nn.ReLU]
    ctx = Context(net, x, y, 1, (name,))
    assert np.isfinite(zerocost.get(name)(ctx))
    assert count[0] == 0
    assert ctx.jacobian_pass()["K"] is None  # NASWOT's kernel was not built
    assert np.abs(ctx.jacobian_pass()["jacobian"]).sum() > 0
    assert all(p.grad is None for p in net.parameters())
    assert [p.requires_grad for p in net.parameters()].count(False) == 1
    assert not frozen_before.requires_grad
    ctx.restore()
    assert relu_inputs[0] > 0  # the hook counter works: the forward ran through the ReLUs
    # the old path back-propagated into every weight (what the counter must catch)
    monkeypatch.setattr(context, "_COMPUTE_ALL", True)
    old = Context(net, x, y, 1, (name,))
    zerocost.get(name)(old)
    assert count[0] > 0 and old.jacobian_pass()["K"] is not None
    for h in handles + relus:
        h.remove()


def test_weights_are_unfrozen_even_when_the_jacobian_pass_fails(digits):
    x, y = digits
    net = small(CELLS[0])

    def boom(*_a):
        raise RuntimeError("boom")

    h = net.classifier.register_forward_hook(boom)
    with pytest.raises(RuntimeError, match="boom"):
        Context(net, x, y, 0, ("jacov",)).jacobian_pass()
    h.remove()
    assert all(p.requires_grad for p in net.parameters())


@pytest.mark.parametrize(
    ("names", "hooks_expected"),
    [(["snip"], False), (["grad_norm", "plain", "grasp"], False), (["snip", "fisher"], True)],
)
def test_fisher_hooks_only_when_fisher_is_requested(digits, names, hooks_expected, monkeypatch):
    x, y = digits
    net = small(CELLS[0])
    registered = []
    orig = torch.nn.Module.register_forward_hook

    def counting(self, *a, **kw):
        registered.append(type(self).__name__)
        return orig(self, *a, **kw)

    monkeypatch.setattr(torch.nn.Module, "register_forward_hook", counting)
    ctx = Context(net, x, y, 0, tuple(names))
    for n in names:
        zerocost.get(n)(ctx)
    layer_hooks = [t for t in registered if t in ("Conv2d", "Linear")]
    assert bool(layer_hooks) == hooks_expected, registered
    assert (ctx.ce_pass()["fisher"] is not None) == hooks_expected


def test_a_proxy_not_requested_still_gets_its_part(digits):
    """Called on a context that did not request it (direct use), a proxy still gets its part
    (the pass is redone with it) and the same value."""
    x, y = digits
    net = small(CELLS[2])
    full = values(net, x, y, PASS_PROXIES)
    ctx = Context(net, x, y, 1, ("snip", "jacov"))
    assert zerocost.get("snip")(ctx) == full["snip"]
    assert zerocost.get("jacov")(ctx) == full["jacov"]
    assert zerocost.get("fisher")(ctx) == full["fisher"]
    assert zerocost.get("naswot")(ctx) == full["naswot"]
    assert zerocost.get("epe_nas")(ctx) == full["epe_nas"]
    ctx.restore()
    # a context without a request list computes every part in one pass
    bare = Context(net, x, y, 1)
    assert bare.ce_pass()["fisher"] is not None and bare.jacobian_pass()["K"] is not None
    bare.restore()
