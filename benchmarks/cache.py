"""The columnar cache: each source is converted once into a `TableStore` directory under
`$NASLAB_HOME/cache` (default `~/.cache/naslab/cache`), keyed by the converter's version, its options
and the source files' size and content hash, so a changed source is converted again.

Small sources (< 64 MiB) are hashed whole. Large ones (the 2 GB NAS-Bench-201 .pth) are keyed by
size, modification time and a hash of their first and last MiB. A computed hash is remembered in
`fingerprints.json` beside the cache under (path, size, mtime, inode), so a warm load does not
re-read the source at all; any change to the file's size, mtime or inode rehashes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.store import TableStore

_FULL_HASH_LIMIT = 64 << 20


def naslab_home() -> Path:
    return Path(os.environ.get("NASLAB_HOME", Path.home() / ".cache" / "naslab")).expanduser()


def _memo_path() -> Path:
    return naslab_home() / "cache" / "fingerprints.json"


def file_fingerprint(path: str | Path) -> str:
    p = Path(path).resolve()
    st = p.stat()
    stamp = f"{p}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"
    memo_file = _memo_path()
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    if stamp in memo:
        return memo[stamp]
    digest = _hash_file(p, st)
    memo = {k: v for k, v in memo.items() if not k.startswith(f"{p}|")}
    memo[stamp] = digest
    try:
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_file.with_name(f".{memo_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo))
        os.replace(tmp, memo_file)
    except OSError:  # a read-only cache still works, just slower
        pass
    return digest


def _hash_file(p: Path, st: os.stat_result) -> str:
    h = hashlib.sha256()
    h.update(str(st.st_size).encode())
    with open(p, "rb") as f:
        if st.st_size <= _FULL_HASH_LIMIT:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        else:
            h.update(str(st.st_mtime_ns).encode())
            h.update(f.read(1 << 20))
            f.seek(-(1 << 20), os.SEEK_END)
            h.update(f.read(1 << 20))
    return h.hexdigest()


def cache_key(
    kind: str, version: int, sources: Sequence[str | Path], options: dict[str, Any]
) -> str:
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {"kind": kind, "version": version, "options": options}, sort_keys=True, default=str
        ).encode()
    )
    for s in sources:
        h.update(file_fingerprint(s).encode())
    return h.hexdigest()[:24]


def cached_store(
    kind: str,
    version: int,
    sources: Sequence[str | Path],
    build: Callable[[], TableStore],
    options: dict[str, Any] | None = None,
) -> TableStore:
    """Load the converted store for these sources, converting (and caching) it on a miss.

    The store is written to a temporary directory beside its final place and renamed into place,
    so a crash mid-conversion never leaves a half-written cache behind.
    """
    options = options or {}
    root = naslab_home() / "cache" / kind
    final = root / cache_key(kind, version, sources, options)
    if (final / TableStore.META).exists():
        try:
            return TableStore.load(final)
        except Exception:  # a corrupt cache entry is rebuilt, never trusted
            shutil.rmtree(final, ignore_errors=True)
    store = build()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    try:
        store.save(tmp)
        try:
            os.replace(tmp, final)
        except OSError:  # another process won the race; its copy is identical
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return TableStore.load(final)
