"""Scoring: many proxies on one network (sharing passes), and many architectures in parallel.

`score_network(net, x, y, proxies)` evaluates each proxy on one network and batch; every proxy
gets its value, a status (`ok`, `nan`, `inf`, or `error: ...`) and its seconds. Values that are
NaN or infinite stay NaN or infinite: nothing is silently replaced.

`score_archs(...)` is the unit of work behind `naslab zerocost score`: archs are split into
chunks, each chunk builds its networks (`nas_core.networks.seeding.build_seeded`:
weights seeded per architecture inside `torch.random.fork_rng`, so the global torch RNG is left
untouched; NAS-Bench-201 modules recycled from one `NetworkPool` per worker), scores them on one
batch (the same for every arch, drawn from the data with `seed`), and returns a tidy DataFrame that the caller appends to a `ResultLog`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nas_core.networks.seeding import arch_seed, build_seeded
from nas_core.process import keep_freed_memory, torch_threads
from zerocost._registry import get, parse_names

# arch_seed, build_seeded and keep_freed_memory live in nas_core (seeding and process tuning
# serve every job that builds networks); importing them from here keeps working.

if TYPE_CHECKING:
    from nas_core.networks.pool import NetworkPool


@dataclass(frozen=True)
class ProxyResult:
    value: float
    status: str
    seconds: float


def _status(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf"
    return "ok"


def score_network(
    net, x, y, proxies: Sequence[str], seed: int = 0, keep_buffers: bool = True
) -> dict[str, ProxyResult]:
    """Score one network on one batch (x: float32 tensor (n, 3, H, W); y: int64 labels or None).

    Shared passes are computed once and reused; the network's weights and BN statistics are as
    before when this returns (the statistics only with `keep_buffers`; without it they are left
    as the proxies' train-mode passes moved them, for a network about to be re-initialised)."""
    import torch

    from zerocost.context import Context

    ctx = Context(net, x, y, seed, tuple(proxies), keep_buffers=keep_buffers)
    out: dict[str, ProxyResult] = {}
    try:
        for name in proxies:
            proxy = get(name)
            t0 = time.perf_counter()
            try:
                with torch.enable_grad() if proxy.needs_grad else torch.no_grad():
                    v = proxy(ctx)
                st = _status(v)
            except Exception as e:  # one failing proxy must not lose the others
                v, st = float("nan"), f"error: {type(e).__name__}: {e}"[:200]
            out[name] = ProxyResult(v, st, time.perf_counter() - t0)
    finally:
        ctx.restore()
    return out


_BATCH_CACHE: dict[tuple, Any] = {}
_POOLS = threading.local()  # per thread: a pool hands out one network at a time


def network_pool(num_classes: int) -> NetworkPool:
    """This thread's `NetworkPool` for `num_classes` (kept across chunks: a chunk holds only a
    few archs, and the pool pays off once it holds every (cell, edge, op) module)."""
    pools = getattr(_POOLS, "by_classes", None)
    if pools is None:
        pools = _POOLS.by_classes = {}
    if num_classes not in pools:
        from nas_core.networks.pool import NetworkPool

        pools[num_classes] = NetworkPool(num_classes)
    return pools[num_classes]


def get_batch(data: str, batch_size: int, seed: int):
    """The run's batch as torch tensors, cached per process (loaded once per worker, not per
    architecture)."""
    key = (data, batch_size, seed)
    if key not in _BATCH_CACHE:
        import torch

        from nas_core import data as image_data
        from nas_core.networks import check_input_size

        d = image_data.load(data)
        check_input_size(*d.image_size)
        x, y = d.batch(batch_size, seed)
        _BATCH_CACHE.clear()
        xt = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
        _BATCH_CACHE[key] = (xt, torch.from_numpy(y), d.num_classes)
    return _BATCH_CACHE[key]


@dataclass(frozen=True)
class Chunk:
    """A picklable unit of work: space indices + their op tuples, and the run settings."""

    indices: tuple[int, ...]
    ops: tuple[tuple[int, ...], ...]
    proxies: tuple[str, ...]
    data: str
    batch_size: int
    seed: int
    threads: int = 0  # >0: torch threads for the process running the chunk
    space: str = "nb201"  # whose network builder builds `ops` (nas_core.networks)


def score_chunk(chunk: Chunk):
    """Score every arch of `chunk`; returns a DataFrame (one row per arch). The torch thread
    count asked for by the chunk holds only while it runs (restored afterwards)."""
    keep_freed_memory()
    with torch_threads(chunk.threads):
        return _score_chunk(chunk)


def _score_chunk(chunk: Chunk):
    import pandas as pd

    x, y, num_classes = get_batch(chunk.data, chunk.batch_size, chunk.seed)
    # NAS-Bench-201 networks recycle their modules through a pool; other spaces build afresh.
    pool = network_pool(num_classes) if chunk.space == "nb201" else None
    rows = []
    for idx, ops in zip(chunk.indices, chunk.ops, strict=True):
        t0 = time.perf_counter()
        net = build_seeded(ops, num_classes, chunk.seed, idx, pool, space=chunk.space)
        t_build = time.perf_counter() - t0
        # the pool re-initialises every buffer at the next build: no need to restore them
        res = score_network(
            net, x, y, chunk.proxies, seed=arch_seed(chunk.seed, idx), keep_buffers=False
        )
        row: dict[str, Any] = {
            "space": chunk.space,
            "index": idx,
            "ops": ",".join(map(str, ops)),
        }
        bad = []
        for name, r in res.items():
            row[name] = r.value
            row[f"{name}_seconds"] = r.seconds
            if r.status != "ok":
                bad.append(f"{name}={r.status}")
        row["status"] = "ok" if not bad else "; ".join(bad)
        row["build_seconds"] = t_build
        rows.append(row)
    out = pd.DataFrame(rows)
    try:  # the worker's peak resident memory so far (Linux: KiB), for perf reports
        import resource

        out["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # not on this platform
        pass
    return out


#: Columns of a scores table that are not proxy values (besides the `<proxy>_seconds` timings).
META_COLUMNS = frozenset({"space", "index", "ops", "status", "build_seconds", "worker_peak_rss_mb"})


def proxy_columns(columns) -> list[str]:
    """The proxy-value columns of a scores table, in order."""
    return [c for c in columns if c not in META_COLUMNS and not str(c).endswith("_seconds")]


def check_proxies(spec: str | list[str]) -> list[str]:
    return parse_names(spec)
