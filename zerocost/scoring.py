"""Scoring: many proxies on one network (sharing passes), and many architectures in parallel.

`score_network(net, x, y, proxies)` evaluates each proxy on one network and batch; every proxy
gets its value, a status (`ok`, `nan`, `inf`, or `error: ...`) and its seconds. Values that are
NaN or infinite stay NaN or infinite: nothing is silently replaced.

`score_chunk(chunk)` is the unit of work behind `naslab zerocost score` (`zerocost.runner`): a
chunk builds the networks of a few architectures of one space with that space's registered
builder (`nas_core.networks`) at the run's size options (`nas_core.networks.seeding.build_seeded`:
weights seeded per architecture inside `torch.random.fork_rng`, so the global torch RNG is left
untouched; NAS-Bench-201 modules recycled from one `NetworkPool` per worker), scores them on one
batch (the same for every arch, drawn from the data with `seed`), and returns a tidy DataFrame
that the caller appends to a `ResultLog`.

Weight seeds. An architecture's weights come from `arch_seed(seed, key)`: `key` is its space
index on an indexed space (what NAS-Bench-201 runs always used) and `weight_key(text)`, a digest
of its canonical string `space.to_str(arch)`, on an open space (nb101, darts): the same
architecture gets the same weights whatever spelling or order it was given in.
"""

from __future__ import annotations

import hashlib
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


def network_pool(num_classes: int, C: int = 16, N: int = 5) -> NetworkPool:
    """This thread's `NetworkPool` for `num_classes` at size (C, N) (kept across chunks: a chunk
    holds only a few archs, and the pool pays off once it holds every (cell, edge, op) module)."""
    pools = getattr(_POOLS, "by_classes", None)
    if pools is None:
        pools = _POOLS.by_classes = {}
    key = (num_classes, C, N)
    if key not in pools:
        from nas_core.networks.pool import NetworkPool

        pools[key] = NetworkPool(num_classes, C, N)
    return pools[key]


def get_batch(data: str, batch_size: int, seed: int, space: str = "nb201"):
    """The run's batch as torch tensors, cached per process (loaded once per worker, not per
    architecture). For nb201 the image size is checked against its network (both sides a
    multiple of 4); other builders take their own input sizes."""
    key = (data, batch_size, seed)
    if key not in _BATCH_CACHE:
        import torch

        from nas_core import data as image_data

        d = image_data.load(data)
        x, y = d.batch(batch_size, seed)
        _BATCH_CACHE.clear()
        xt = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
        _BATCH_CACHE[key] = (xt, torch.from_numpy(y), d.num_classes)
    if space == "nb201":
        from nas_core.networks import check_input_size

        check_input_size(*_BATCH_CACHE[key][0].shape[2:])
    return _BATCH_CACHE[key]


def weight_key(text: str) -> int:
    """A 64-bit key for the weight seed of an architecture of an open space, from its canonical
    string (stable across processes and Python versions, unlike `hash`)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Chunk:
    """A picklable unit of work: architectures of one space and the run settings.

    `indices`: their space indices (empty on an open space); `ops`: their canonical op tuples;
    `archs`: their canonical strings (`space.to_str`; empty: derived from `indices`' order only
    for callers that predate it); `network`: the builder's size options as (name, value) pairs."""

    indices: tuple[int, ...]
    ops: tuple[tuple[int, ...], ...]
    proxies: tuple[str, ...]
    data: str
    batch_size: int
    seed: int
    threads: int = 0  # >0: torch threads for the process running the chunk
    space: str = "nb201"  # whose network builder builds `ops` (nas_core.networks)
    archs: tuple[str, ...] = ()
    network: tuple[tuple[str, Any], ...] = ()


def score_chunk(chunk: Chunk):
    """Score every arch of `chunk`; returns a DataFrame (one row per arch). The torch thread
    count asked for by the chunk holds only while it runs (restored afterwards)."""
    keep_freed_memory()
    with torch_threads(chunk.threads):
        return _score_chunk(chunk)


def _score_chunk(chunk: Chunk):
    import pandas as pd

    from nas_core import spaces
    from nas_core.arch import Arch

    x, y, num_classes = get_batch(chunk.data, chunk.batch_size, chunk.seed, chunk.space)
    size = dict(chunk.network)
    # NAS-Bench-201 networks recycle their modules through a pool; other spaces build afresh.
    pool = network_pool(num_classes, **size) if chunk.space == "nb201" else None
    sp = spaces.get(chunk.space)
    hash_of = getattr(sp, "hash", None)  # nb101: NAS-Bench-101's own cell key
    n = len(chunk.ops)
    indices = chunk.indices or (None,) * n
    texts = chunk.archs or tuple(sp.to_str(Arch(chunk.space, tuple(o))) for o in chunk.ops)
    rows = []
    for idx, ops, text in zip(indices, chunk.ops, texts, strict=True):
        arch = Arch(chunk.space, tuple(int(o) for o in ops))
        key = idx if idx is not None else weight_key(text)
        t0 = time.perf_counter()
        net = build_seeded(arch, num_classes, chunk.seed, key, pool, space=chunk.space, **size)
        t_build = time.perf_counter() - t0
        # the network is re-initialised (pool) or dropped after this: no need to restore buffers
        res = score_network(
            net, x, y, chunk.proxies, seed=arch_seed(chunk.seed, key), keep_buffers=False
        )
        row: dict[str, Any] = {"space": chunk.space}
        if idx is not None:
            row["index"] = idx
        row["arch"] = text
        if callable(hash_of):
            row["hash"] = hash_of(arch)
        row["ops"] = ",".join(map(str, ops))
        bad = []
        for name, r in res.items():
            row[name] = r.value
            row[f"{name}_seconds"] = r.seconds
            if r.status != "ok":
                bad.append(f"{name}={r.status}")
        row["status"] = "ok" if not bad else "; ".join(bad)
        row["build_seconds"] = t_build
        rows.append(row)
        del net  # a fresh (non-pool) network is freed before the next one is built
    out = pd.DataFrame(rows)
    try:  # the worker's peak resident memory so far (Linux: KiB), for perf reports
        import resource

        out["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # not on this platform
        pass
    return out


#: Columns of a scores table that are not proxy values (besides the `<proxy>_seconds` timings).
META_COLUMNS = frozenset(
    {"space", "index", "arch", "hash", "ops", "status", "build_seconds", "worker_peak_rss_mb"}
)


def proxy_columns(columns) -> list[str]:
    """The proxy-value columns of a scores table, in order."""
    return [c for c in columns if c not in META_COLUMNS and not str(c).endswith("_seconds")]


def check_proxies(spec: str | list[str]) -> list[str]:
    return parse_names(spec)
