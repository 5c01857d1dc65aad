"""Process tuning for long CPU jobs (scoring, training, latency): memory reuse and thread counts.

Kept in nas_core so every job that builds many networks in a worker process tunes it the same
way; nothing here changes a computed value, only how fast and how much memory it takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_MALLOC_TUNED = False


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse instead of returning it to the OS (once per
    process; nothing on other C libraries).

    Each network's batch-64 activations are multi-MB buffers; by default glibc gives them back
    when freed and the next network faults them in again page by page, thousands of page faults
    per architecture. With a fixed 1 GiB mmap/trim threshold they are reused: no faults, for a
    few percent more peak memory (measurements: perf/results/zerocost.md)."""
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt)
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h> constants
    mallopt(m_mmap_threshold, 1 << 30)
    mallopt(m_trim_threshold, 1 << 30)


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with `n` torch intra-op threads (n <= 0: leave as is), restored after."""
    import torch

    prev = torch.get_num_threads()
    if n > 0 and prev != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != prev:
            torch.set_num_threads(prev)
