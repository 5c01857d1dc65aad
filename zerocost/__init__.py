"""Zero-cost proxies: score an untrained network from one minibatch.

`zerocost.names()` / `zerocost.list(pattern)`, `zerocost.get(name)` (a `Proxy` with metadata;
`zerocost.info(name)` in the registry convention), `score_network(net, x, y,
proxies)`, and `run_scoring(...)` for many architectures in parallel with resume.

Precision: the scoring runs (`run_scoring`, `score_chunk`) use float32 with channels-last
convolutions, which round differently from a contiguous float32 run (median relative error 10-100x
larger on the gradient proxies, still ~1e-5; grasp and plain are least precise where their value
is near zero; rankings unaffected). `score_network` on a float64 network and batch is exact: in a
side-by-side check on the same weights and batch it equalled NASLib's float64 values
(perf/results/zerocost.md, section 3b).
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
