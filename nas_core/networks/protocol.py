"""`ProxyNetwork`: everything zero-cost proxies may use of a network.

Proxies score an untrained network from one batch; they must work for any space that has a
network builder, so they use only this interface, never a builder's internals:

- required: it is a `torch.nn.Module` whose `forward(x)` maps a batch of images (n, 3, H, W) to
  logits (n, num_classes); `num_classes: int`; `space: str` and `arch: Arch` (what was built).
  Proxies walk `modules()` for standard layers (Conv2d, Linear, BatchNorm2d, ReLU) and hook them.
- optional hooks, each used by one proxy that raises a clear error when it is missing:
  `count_params() -> int` (params; without it, the sum of parameter sizes),
  `count_flops(input_hw) -> int` (flops, for one image of that height and width),
  `feature_map(x) -> Tensor` (zen: the (n, C, h, w) map before global pooling),
  `thin() -> nn.Module` (linear_regions_full: the same architecture at its smallest width and
  depth, weights drawn from the current torch RNG),
  `thin_cell() -> nn.Module` (linear_regions, TE-NAS's protocol: the repeating cell alone at one
  channel, no stem, then BN-ReLU; maps (n, 1, h, w) inputs to a tensor with n rows; weights
  drawn from the current torch RNG).

`hook(net, name)` returns the bound optional hook or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from nas_core.arch import Arch

#: The optional hooks, by name (see module docstring).
OPTIONAL_HOOKS = ("count_params", "count_flops", "feature_map", "thin", "thin_cell")


@runtime_checkable
class ProxyNetwork(Protocol):
    num_classes: int
    space: str

    @property
    def arch(self) -> Arch: ...

    def forward(self, x: Any) -> Any: ...


def hook(net: Any, name: str) -> Callable[..., Any] | None:
    """`net`'s optional hook `name` (one of OPTIONAL_HOOKS) when it has one, else None."""
    if name not in OPTIONAL_HOOKS:
        raise ValueError(f"{name!r} is not a ProxyNetwork hook; hooks: {', '.join(OPTIONAL_HOOKS)}")
    fn = getattr(net, name, None)
    return fn if callable(fn) else None


def require_hook(net: Any, name: str, needed_by: str, what: str) -> Callable[..., Any]:
    """`net`'s hook `name`, or one clear InvalidInputError saying which proxy needs it and what
    the hook provides (`what`), naming the network's type."""
    fn = hook(net, name)
    if fn is None:
        from nas_core.errors import InvalidInputError

        raise InvalidInputError(
            f"{needed_by} needs the network's {name}() hook ({what}); {type(net).__name__} has none"
        )
    return fn
