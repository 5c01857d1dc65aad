"""Zero-cost proxies: score an untrained network from one minibatch.

`zerocost.names()` / `zerocost.list(pattern)`, `zerocost.get(name)` (a `Proxy` with metadata;
`zerocost.info(name)` in the registry convention), `score_network(net, x, y,
proxies)`, and `run_scoring(...)` for many architectures in parallel with resume.
"""

from __future__ import annotations

from zerocost._registry import Proxy, create, get, info, list, names, parse_names, register
from zerocost.scoring import ProxyResult, score_chunk, score_network

__all__ = [
    "Proxy",
    "ProxyResult",
    "create",
    "get",
    "info",
    "list",
    "names",
    "parse_names",
    "register",
    "score_chunk",
    "score_network",
]
