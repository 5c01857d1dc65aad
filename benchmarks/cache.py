"""The columnar cache: each source is converted once into a `TableStore` directory under
`$NASLAB_HOME/cache` (default `~/.cache/naslab/cache`), keyed by the converter's version, its options
and the source files' size and content hash, so a changed source is converted again.

Small sources (< 64 MiB) are hashed whole. Large ones (the 2 GB NAS-Bench-201 .pth) are keyed by
size, modification time and a hash of their first and last MiB. A computed hash is remembered in
`fingerprints.json` beside the cache under (path, size, mtime, inode), so a warm load does not
re-read the source at all; any change to the file's size, mtime or inode rehashes it.

Every entry checks its own contents: `meta.json` holds a CRC-32 of each data file's raw bytes and
of the rest of the metadata (the column keys above all), verified on every load (cheap next to
reading the data: perf/results/foundation.md). A flipped bit, a truncated file or swapped column keys make the entry
rebuilt from its source, with a `CacheRebuiltWarning`, instead of serving wrong numbers forever.
"""

from __future__ import annotations

import json
import mmap
import os
import stat
import warnings
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.store import TableStore
from nas_core.errors import MissingFileError

_FULL_HASH_LIMIT = 64 << 20
#: The key of the checksums in an entry's meta.json.
CHECKSUM = "checksum"
#: Files of an entry covered by the checksum (those present when it was written).
_CHECKED = ("values.npy", "index.npy", "rows.parquet")


class CacheRebuiltWarning(UserWarning):
    """A cache entry failed its checksum (or could not be read) and was rebuilt from its source."""


def _crc_file(path: Path) -> int:
    """CRC-32 of a file's raw bytes, read through mmap (no copy; the pages are the ones the
    memory-mapped load touches next)."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return 0
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return zlib.crc32(m)


def _crc_meta(meta: dict[str, Any]) -> int:
    body = {k: v for k, v in meta.items() if k != CHECKSUM}
    return zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode())


def seal(directory: str | Path) -> None:
    """Write the checksums of a saved store into its meta.json."""
    d = Path(directory)
    meta = json.loads((d / TableStore.META).read_text())
    sums = {f: _crc_file(d / f) for f in _CHECKED if (d / f).exists()}
    meta[CHECKSUM] = {"algorithm": "crc32", "files": sums, "meta": _crc_meta(meta)}
    (d / TableStore.META).write_text(json.dumps(meta, indent=1, default=str))


#: Entries verified in this process, with the stat of their files then: a second load of an
#: unchanged entry only stats it.
_verified: dict[Path, tuple[Any, ...]] = {}


def _stamp(d: Path) -> tuple[Any, ...]:
    out: list[Any] = []
    for f in (TableStore.META, *_CHECKED):
        try:
            st = (d / f).stat()
            out.append((st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


def verify(directory: str | Path) -> str | None:
    """None when the entry's files and metadata match its checksums, else what is wrong."""
    d = Path(directory)
    stamp = _stamp(d)
    if _verified.get(d) == stamp:
        return None
    problem = _check(d)
    if problem is None:
        _verified[d] = stamp
    else:
        _verified.pop(d, None)
    return problem


def _check(d: Path) -> str | None:
    try:
        meta = json.loads((d / TableStore.META).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return "has an unreadable meta.json"
    sums = meta.get(CHECKSUM) if isinstance(meta, dict) else None
    if not isinstance(sums, dict) or not isinstance(sums.get("files"), dict):
        return "has no checksum (written by an older naslab, or edited)"
    if sums.get("meta") != _crc_meta(meta):
        return "has metadata (column keys) that do not match its checksum"
    for f in _CHECKED:
        expected = sums["files"].get(f)
        if expected is None:
            if (d / f).exists():
                return f"has a {f} its checksum does not list"
            continue
        try:
            if _crc_file(d / f) != expected:
                return f"has a {f} that does not match its checksum"
        except OSError:
            return f"has lost its {f}"
    return None


def naslab_home() -> Path:
    return Path(os.environ.get("NASLAB_HOME", Path.home() / ".cache" / "naslab")).expanduser()


def _memo_path() -> Path:
    return naslab_home() / "cache" / "fingerprints.json"


def file_fingerprint(path: str | Path) -> str:
    p = Path(path).expanduser().resolve()
    try:
        st = p.stat()
    except OSError as e:
        raise MissingFileError(f"data file not found: {p} ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise MissingFileError(f"{p} is not a data file (a directory or a device); give the file")
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


def _sha256() -> Any:
    """A SHA-256 hasher. A cache hit hashes only its key: the stand-alone SHA-256 module spares
    it `hashlib`, which loads OpenSSL (same digest)."""
    try:
        from _sha2 import sha256  # Python >= 3.12
    except ImportError:
        try:
            from _sha256 import sha256
        except ImportError:
            from hashlib import sha256
    return sha256()


def _hash_file(p: Path, st: os.stat_result) -> str:
    h = _sha256()
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
    h = _sha256()
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
    stale = False
    if (final / TableStore.META).exists():
        problem = verify(final)
        if problem is None:
            try:
                return _load(final)
            except Exception as e:  # a corrupt cache entry is rebuilt, never trusted
                problem = f"cannot be read ({type(e).__name__}: {e})"
        warnings.warn(
            f"cache entry {final} {problem}; rebuilding it from the source",
            CacheRebuiltWarning,
            stacklevel=3,
        )
        stale = True
    import shutil  # only here, on a miss: a cache hit needs neither these nor what they import
    import tempfile

    if stale:
        shutil.rmtree(final, ignore_errors=True)
    store = build()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    try:
        store.save(tmp)
        seal(tmp)
        try:
            os.replace(tmp, final)
        except OSError:  # another process won the race; its copy is identical
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return _load(final)


def _load(directory: Path) -> TableStore:
    store = TableStore.load(directory)
    store.meta.pop(CHECKSUM, None)
    return store
