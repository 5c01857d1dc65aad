"""Torch networks for architectures of the search spaces, with exact parameter and FLOP counts.

`build(arch, num_classes, C=16, N=5)` returns the NAS-Bench-201 network; `count_params` and
`count_flops` give its sizes by formula (no forward pass). torch is imported only by `build`.
"""

from __future__ import annotations

from nas_core.networks.nb201 import (
    build,
    check_input_size,
    count_flops,
    count_params,
    counts_table,
    is_disconnected,
    live_edges,
)

__all__ = [
    "build",
    "check_input_size",
    "count_flops",
    "count_params",
    "counts_table",
    "is_disconnected",
    "live_edges",
]
