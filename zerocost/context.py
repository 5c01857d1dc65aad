"""`Context`: one network, one batch, and the passes that several proxies share.

Proxies that need the same computation ask the context for it and the first one pays:

- `ce_pass()`: one forward + backward of the cross-entropy loss (train-mode BN, as in
  NASLib/NAS-Bench-Suite-Zero), keeping the weight gradients of every Conv2d/Linear; shared by
  grad_norm, snip, plain, fisher, grasp. Fisher's activation-times-gradient terms (a hook on every
  layer) are added only when fisher is requested.
- `jacobian_pass()`: one forward + one backward of the summed output w.r.t. the input only (the
  Jacobian for jacov and epe_nas; the weights are frozen for the pass, so no weight gradient is
  computed). When naswot is also requested, the same forward collects the binary ReLU codes of
  its kernel; naswot alone gets the kernel from a forward-only pass (`relu_kernel()`).

Each pass computes only what the requested proxies read (`Context(requested=...)`, as
`score_network` passes it); a context built without a request list computes every part. The
skipped parts never change the others: the values are the same bit for bit.

The context never changes global state: weights are not modified (proxies that must change them
work on a copy), BN running statistics are restored by `restore()`, and random draws come from a
local `torch.Generator` seeded from `seed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

#: The proxies that read each optional part of the shared passes.
KERNEL_PROXIES = frozenset({"naswot"})
JACOBIAN_PROXIES = frozenset({"jacov", "epe_nas"})
FISHER_PROXIES = frozenset({"fisher"})

#: Benchmark only (perf/bench_zerocost.py `alone`): True restores the passes that computed every
#: part for any proxy (kernel and weight gradients in the Jacobian pass, Fisher's terms in the
#: cross-entropy pass), to time the difference in one process.
_COMPUTE_ALL = False


def weight_layers(net: nn.Module) -> list[nn.Module]:
    """Conv2d and Linear layers: the layers NASLib's per-weight measures sum over."""
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


class Context:
    def __init__(
        self,
        net: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor | None,
        seed: int = 0,
        requested: tuple[str, ...] = (),
        keep_buffers: bool = True,
    ):
        self.net, self.x, self.y, self.seed = net, x, y, seed
        self.requested = set(requested)
        self.num_classes = int(getattr(net, "num_classes", 0))
        self._cache: dict[str, Any] = {}
        # keep_buffers=False: the caller re-initialises the network afterwards (NetworkPool), so
        # saving and restoring ~130 small BN buffers (2 ms per NB201 network) would be wasted.
        self._buffers = (
            {k: v.detach().clone() for k, v in net.named_buffers()} if keep_buffers else None
        )

    def restore(self) -> None:
        """Put BN running statistics back as they were (train-mode forwards update them), unless
        built with keep_buffers=False; clear gradients."""
        if self._buffers is not None:
            with torch.no_grad():
                for k, v in self.net.named_buffers():
                    v.copy_(self._buffers[k])
        self.net.zero_grad(set_to_none=True)

    def generator(self, salt: int) -> torch.Generator:
        g = torch.Generator()
        g.manual_seed(int(np.random.SeedSequence([self.seed, salt]).generate_state(1)[0]))
        return g

    def cached(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def labels(self) -> torch.Tensor:
        if self.y is None:
            from nas_core.errors import InvalidInputError

            raise InvalidInputError("this proxy needs labels, but the batch has none")
        return self.y

    def wants(self, names: frozenset[str]) -> bool:
        """Whether any of `names` was requested (a context without a request list wants all)."""
        return _COMPUTE_ALL or not self.requested or bool(self.requested & names)

    # --- shared passes -------------------------------------------------------------------------
    def ce_pass(self, fisher: bool = False) -> dict[str, Any]:
        """Weights and weight gradients of every Conv2d/Linear; with `fisher` (or when fisher is
        requested, so that one pass serves every proxy) also Fisher's per-layer terms, else
        `"fisher"` is None."""
        got = self._cache.get("ce")
        if got is None or (fisher and got["fisher"] is None):
            got = self._cache["ce"] = self._ce_pass(fisher or self.wants(FISHER_PROXIES))
        return got

    def _ce_pass(self, fisher: bool = True) -> dict[str, Any]:
        net = self.net
        net.train()
        net.zero_grad(set_to_none=True)
        layers = weight_layers(net)
        acts: dict[nn.Module, torch.Tensor] = {}

        def keep(mod: nn.Module, _inp: Any, out: torch.Tensor) -> None:
            if out.requires_grad:
                out.retain_grad()
            acts[mod] = out

        hooks = [m.register_forward_hook(keep) for m in layers] if fisher else []
        try:
            loss = nn.functional.cross_entropy(net(self.x), self.labels())
            loss.backward()
        finally:
            for h in hooks:
                h.remove()
        weights, grads = [], []
        terms: list[torch.Tensor] | None = [] if fisher else None
        for m in layers:
            w = m.weight.detach()
            g = m.weight.grad
            weights.append(w)
            # zero_grad(set_to_none=True) below drops .grad without writing to it: no copy needed
            grads.append(torch.zeros_like(w) if g is None else _keep(g.detach()))
            if terms is None:
                continue
            a = acts.get(m)
            if a is None or a.grad is None:
                terms.append(torch.zeros(()))
                continue
            ag = a.detach() * a.grad.detach()
            g_nk = ag.sum(dim=tuple(range(2, ag.dim()))) if ag.dim() > 2 else ag
            # Per output channel; NASLib then broadcasts each channel's value to every weight of
            # that channel before summing, i.e. weights it by the layer's fan-in.
            terms.append(0.5 * g_nk.pow(2).mean(0).sum() * w[0].numel())
        net.zero_grad(set_to_none=True)
        return {"weights": weights, "grads": grads, "fisher": terms}

    def jacobian_pass(self, kernel: bool = False) -> dict[str, Any]:
        """The input Jacobian (n, inputs) of the summed output; with `kernel` (or when naswot is
        requested) also NASWOT's kernel from the same forward, else `"K"` is None."""
        got = self._cache.get("jac")
        if got is None or (kernel and got["K"] is None):
            got = self._cache["jac"] = self._jacobian_pass(
                kernel=kernel or self.wants(KERNEL_PROXIES)
            )
        return got

    def relu_kernel(self) -> np.ndarray:
        """NASWOT's kernel: from the Jacobian pass when a Jacobian proxy is also requested,
        else from a cheaper forward-only pass."""
        if "jac" in self._cache or self.requested & JACOBIAN_PROXIES:
            return self.jacobian_pass(kernel=True)["K"]
        return self.cached("K", lambda: self._jacobian_pass(backward=False)["K"])

    def _jacobian_pass(self, backward: bool = True, kernel: bool = True) -> dict[str, Any]:
        """One train-mode forward; `kernel`: NASWOT's kernel from ReLU hooks; `backward`: the
        input Jacobian, with every parameter frozen (only gradients w.r.t. the input)."""
        net = self.net
        net.train()
        n = self.x.shape[0]
        K = torch.zeros(n, n, dtype=torch.float64)

        # Several ReLUs read the same tensor (in an NB201 cell a node feeds up to 3 ops, each
        # starting with its own ReLU): their codes, and so their kernel terms, are identical.
        # Keep the last few inputs (holding them keeps their identity unique) and add a repeat's
        # term again instead of recomputing it: same K, ~6x fewer kernel products.
        recent: list[tuple[torch.Tensor, torch.Tensor]] = []

        def hook(_mod: nn.Module, inp: tuple[torch.Tensor, ...], _out: Any) -> None:
            t = inp[0]
            for seen, term in recent:
                if seen is t:
                    K.add_(term)
                    return
            a = t.detach()
            if a.dim() == 4 and a.is_contiguous(memory_format=torch.channels_last):
                a = a.permute(0, 2, 3, 1)  # NHWC: a view in memory order (unit order is free)
            # Codes straight into float32 (comparison with a float `out`): ~9x cheaper than a
            # bool tensor followed by a conversion.
            c = torch.gt(a, 0, out=torch.empty(a.shape, dtype=torch.float32)).reshape(n, -1)
            # NASWOT kernel: units where two inputs agree (both on or both off).
            m = c.shape[1]
            ones = c @ c.T
            on = ones.diagonal()  # c is 0/1, so c.c = its count of active units: no extra pass
            term = (2 * ones - on[:, None] - on[None, :] + m).to(torch.float64)
            K.add_(term)
            recent.append((t, term))
            if len(recent) > 4:
                recent.pop(0)

        relus = [m for m in net.modules() if isinstance(m, nn.ReLU)] if kernel else []
        hooks = [m.register_forward_hook(hook) for m in relus]
        # The Jacobian needs gradients w.r.t. the input only: frozen weights skip every
        # weight-gradient convolution (the input gradients are the same either way).
        frozen = (
            [p for p in net.parameters() if p.requires_grad]
            if backward and not _COMPUTE_ALL
            else []
        )
        x = self.x.detach().clone().requires_grad_(backward)
        try:
            for p in frozen:
                p.requires_grad_(False)
            with torch.set_grad_enabled(backward):
                out = net(x)
            if backward and out.requires_grad:  # False when the cell disconnects output from input
                out.backward(torch.ones_like(out))
        finally:
            for p in frozen:
                p.requires_grad_(True)
            for h in hooks:
                h.remove()
            recent.clear()
        jac = None
        if backward:
            grad = x.grad if x.grad is not None else torch.zeros_like(x)
            jac = grad.detach().reshape(n, -1).numpy().astype(np.float64)
        net.zero_grad(set_to_none=True)
        return {"K": K.numpy() if kernel else None, "jacobian": jac}


def _keep(g: torch.Tensor) -> torch.Tensor:
    """The gradient itself, or (for the old-path benchmark) a copy, as the passes used to keep."""
    return g.clone() if _COMPUTE_ALL else g
