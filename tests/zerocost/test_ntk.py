"""ntk is TE-NAS's NTK condition number: the kernel includes the BatchNorm weights, as the
authors' `get_ntk_n` (every parameter named `weight`), not only conv and linear weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nas_core.networks import build
from zerocost import score_network
from zerocost.proxies.ntk import ntk_weights


def tenas_condition(net: torch.nn.Module, x: torch.Tensor, bn: bool = True) -> float:
    """The authors' procedure, written out: train mode, one backward of each image's logits
    (with a ones vector) through one forward, the grads of the parameters named 'weight' that
    have one, NTK = G G^T, largest / smallest eigenvalue."""
    net.train()
    logit = net(x)
    grads = []
    for i in range(len(x)):
        net.zero_grad()
        logit[i : i + 1].backward(torch.ones_like(logit[i : i + 1]), retain_graph=True)
        grads.append(
            torch.cat(
                [
                    w.grad.view(-1).detach()
                    for name, w in net.named_parameters()
                    if "weight" in name and w.grad is not None and (bn or w.dim() > 1)
                ]
            )
        )
    net.zero_grad()
    g = torch.stack(grads)
    ev = torch.linalg.eigvalsh(g @ g.T)
    return float(ev[-1] / ev[0])


@pytest.mark.parametrize("ops", [(2, 0, 3, 4, 2, 1), (3, 3, 2, 0, 0, 3)])
def test_ntk_matches_the_authors_procedure_with_bn_weights(ops):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = build(ops, 10, C=4, N=1).double()
    x = torch.randn(12, 3, 8, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ours = score_network(net, x, None, ["ntk"])["ntk"].value
    ref = tenas_condition(net, x)
    assert ours == pytest.approx(ref, rel=1e-8)
    # the BN weights matter: without them (naslab before issue 13) the value is another one
    assert abs(tenas_condition(net, x, bn=False) / ref - 1) > 1e-3


def test_ntk_weights_are_every_weight_and_no_bias():
    net = build((2, 0, 3, 4, 2, 1), 10, C=4, N=1)
    ws = ntk_weights(net)
    kinds = {type(m) for m in net.modules() for p in ws if any(p is q for q in m.parameters(False))}
    assert kinds == {torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.Linear}
    bn = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert sum(p.numel() for p in ws) == sum(
        p.numel() for n, p in net.named_parameters() if n.endswith("weight")
    )
    assert all(any(m.weight is p for p in ws) and all(m.bias is not p for p in ws) for m in bn)


def test_ntk_of_a_network_without_batchnorm():
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 8 * 8, 10),
    )
    net.num_classes = 10
    x = torch.randn(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    r = score_network(net, x, None, ["ntk"])["ntk"]
    assert r.status == "ok" and np.isfinite(r.value) and r.value >= 1
