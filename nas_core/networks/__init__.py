"""Torch networks for architectures, chosen by space through a registry, with exact counts.

`build(arch, num_classes, **size)` builds the network of `arch` with the builder registered for
its space (`register_network(space)`; nb201: `C=16, N=5`; nb101: `stem_channels=128,
num_stacks=3, cells_per_stack=3`, see `nas_core.networks.nb101`); a space with no image network
(nbgraph) is a clear error. Every network meets `ProxyNetwork` (`nas_core.networks.protocol`),
the only interface zero-cost proxies use. `count_params`/`count_flops` are the NAS-Bench-201
closed forms (no forward pass); torch is imported only when a network is built.
"""

from __future__ import annotations

from nas_core.networks import darts as _darts  # noqa: F401  (registers the darts builder)
from nas_core.networks import nb101 as _nb101  # noqa: F401  (registers the nb101 builder)
from nas_core.networks.nb201 import (  # importing it registers the nb201 builder
    check_input_size,
    count_flops,
    count_params,
    counts_table,
    is_disconnected,
    live_edges,
)
from nas_core.networks.protocol import OPTIONAL_HOOKS, ProxyNetwork, hook
from nas_core.networks.registry import (
    build,
    builder,
    register_network,
    spaces_with_networks,
)

__all__ = [
    "OPTIONAL_HOOKS",
    "ProxyNetwork",
    "build",
    "builder",
    "check_input_size",
    "count_flops",
    "count_params",
    "counts_table",
    "hook",
    "is_disconnected",
    "live_edges",
    "register_network",
    "spaces_with_networks",
]
