"""The job runner: many independent tasks, results on disk as they finish, resumable, safe.

Every long naslab job (`naslab compare`, `naslab correlate predictors`, `naslab zerocost score`)
runs through this module. A job is a list of tasks (frozen dataclasses, one type per job), a
picklable top-level function that runs one task, and an output folder; `run_tasks` runs the tasks
on a local process pool or on Ray (`nas_core.parallel`) and appends their rows to a `ResultLog`
(`nas_core.results`) as they finish. The caller skips tasks whose key is already in the log, so a
rerun resumes. Guarantees, each tested in tests/nas_core/test_jobs.py (and in the tests of
compare, correlate and zerocost scoring):

1. One writer per output folder. `OutputDir.open()` takes an exclusive `flock` on
   `<out>/.naslab.lock` (which records pid, host, start time and command). A second process on the
   same folder is refused with `OutputBusyError` naming the running one; `fresh` deletes only
   after the lock is held. The kernel drops the lock of a dead process, so no stale lock is left.
2. Never destroy what is not ours. A folder naslab writes to carries `.naslab-output.json` (its
   kind, and a checksum of every output file naslab wrote there). An existing non-empty folder
   without it (unless it holds only the files of an older naslab output of the same kind), a
   folder of another kind, or a file, is refused with `OutputDirError`. `fresh` deletes only the
   job's own files (its log, its settings file, and outputs whose checksum still matches); an
   output file that naslab did not write (or that was edited since) is never overwritten
   without `fresh`.
3. A dead worker costs only its task: the pool is restarted, the tasks that may have been
   running are rerun alone, and a task whose worker dies again is recorded as failed
   (`WorkerDiedError`); see `nas_core.parallel`. A job with failed tasks reports them in
   `JobReport.failed`; the CLIs exit 1 with a summary line (`JobReport.summary_line`).
4. No orphans: workers die with their parent (SIGKILL, SIGTERM, SIGINT); on Ctrl-C or SIGTERM the
   runner stops the workers at once and writes every finished result before propagating
   `KeyboardInterrupt`.
5. Damaged state is repaired, not fatal: an unreadable or foreign part file, or a garbled
   settings file (`OutputDir.read_json`), is moved to `<out>/.damaged/` with a
   `DamagedOutputWarning`; its tasks are redone, the good results are kept.
6. Deterministic fault injection: `NASLAB_FAULT` (see `nas_core.parallel.Faults`) kills the
   parent after k results are on disk, interrupts it after k results, or makes a chosen task kill
   its worker.
7. Full disk or an unwritable folder: one `OutputWriteError` line naming the folder; parts and
   settings are written to a temporary name and renamed, so no partial file is ever a result.

Results are buffered and appended every `flush_s` seconds (or `flush_rows` results), so a job of
many small tasks writes a few parts, not one per task.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from nas_core.errors import OutputBusyError, OutputDirError
from nas_core.parallel import FAULT_ENV, Faults, WorkerDiedError, make_executor
from nas_core.results import (
    DamagedOutputWarning,
    ResultLog,
    guard_writes,
    set_aside,
    write_atomic,
)

__all__ = [
    "FAULT_ENV",
    "DamagedOutputWarning",
    "Faults",
    "JobReport",
    "OutputDir",
    "WorkerDiedError",
    "record_outputs",
    "run_tasks",
]

T = TypeVar("T")

MARKER = ".naslab-output.json"
LOCK = ".naslab.lock"
DAMAGED = ".damaged"

# Locks held by this process, by folder: re-entrant within a process (flock is per open file).
_HELD: dict[str, list[Any]] = {}
_HELD_GUARD = threading.Lock()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        m = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and isinstance(m.get("kind"), str) else None


def record_outputs(folder: str | Path, paths: Iterable[str | Path]) -> None:
    """Note `paths` (files naslab just wrote, inside `folder` or beside it) in the folder's
    marker with their checksums, so a later run knows they are naslab's. No-op without a marker
    (a folder that is not a naslab output)."""
    folder = Path(folder)
    marker = _read_marker(folder)
    if marker is None:
        return
    files = marker.setdefault("files", {})
    for p in paths:
        p = Path(p)
        p = p if p.is_absolute() else folder / p
        if p.is_file():
            files[os.path.relpath(p, folder)] = _sha256(p)
    write_atomic(folder / MARKER, lambda tmp: tmp.write_text(json.dumps(marker, indent=2)))


@dataclass
class OutputDir:
    """An output folder of one kind of job (see the module docstring, points 1, 2 and 5).

    `own`: names of files or folders in it that the job creates and `fresh` deletes (its log, its
    settings file); `outputs`: names of the files it rebuilds at the end (tables, plots, report),
    protected by checksum; they may also name a file beside the folder ('../scores.parquet').
    """

    path: Path
    kind: str
    own: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    # -- ownership ----------------------------------------------------------------------------
    def _is_own(self, entry: str) -> bool:
        return any(fnmatch.fnmatchcase(entry, pat) for pat in self.own)

    def _foreign_entries(self) -> list[str]:
        """Entries of an unmarked folder that are not the files of this kind of job."""
        known = {LOCK, DAMAGED, MARKER, *(o for o in self.outputs if "/" not in o)}
        return sorted(
            e
            for e in os.listdir(self.path)
            if e not in known
            and not self._is_own(e)
            and not (e.startswith(".") and e.endswith(".tmp"))  # a killed writer's temp file
        )

    def _check_ownership(self) -> dict[str, Any] | None:
        """Raise unless naslab may write here; returns the marker (None: not claimed yet)."""
        p = self.path
        if p.exists() and not p.is_dir():
            raise OutputDirError(f"output folder {p} is a file; give a folder (new or empty)")
        if not p.exists():
            return None
        marker = _read_marker(p)
        if marker is None and (p / MARKER).exists():
            set_aside(p / MARKER, p / DAMAGED, "not a naslab output marker")
        if marker is not None:
            if marker["kind"] != self.kind:
                raise OutputDirError(
                    f"{p} holds a naslab {marker['kind']!r} output, not {self.kind!r}; give "
                    "another output folder"
                )
            return marker
        foreign = self._foreign_entries()
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputDirError(
                f"{p} is not empty and is not a naslab {self.kind} output (it holds {shown}); "
                "give a new or empty output folder"
            )
        return None  # empty, or the files of an older naslab output of this kind: adopt it

    def _check_outputs(self, marker: dict[str, Any]) -> None:
        files = marker.get("files", {})
        for name in self.outputs:
            f = self.path / name
            if f.is_file() and files.get(name) != _sha256(f):
                raise OutputDirError(
                    f"{f.resolve()} was not written by naslab (or was edited since); move it "
                    "away, or use --fresh to overwrite it"
                )

    def _fresh(self, marker: dict[str, Any]) -> None:
        files = marker.get("files", {})
        for target in [t for pat in self.own for t in self.path.glob(pat)]:
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        for name in self.outputs:
            f = self.path / name
            if f.is_file() and files.get(name) == _sha256(f):
                f.unlink()
        marker["files"] = {}

    def _write_marker(self, marker: dict[str, Any]) -> None:
        write_atomic(self.path / MARKER, lambda tmp: tmp.write_text(json.dumps(marker, indent=2)))

    # -- lock ---------------------------------------------------------------------------------
    def _lock(self) -> None:
        import fcntl

        key = str(self.path.resolve())
        with _HELD_GUARD:
            if key in _HELD:
                _HELD[key][1] += 1
                return
            f = open(self.path / LOCK, "a+")  # noqa: SIM115 - held until _unlock
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                text = f.read()
                f.close()
                raise OutputBusyError(self._busy_message(text)) from None
            except OSError as e:  # a file system without locks (some network mounts)
                warnings.warn(
                    f"cannot lock {self.path} ({e.strerror}); make sure no other naslab process "
                    "writes there",
                    stacklevel=4,
                )
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                "command": " ".join(sys.argv),
            }
            f.seek(0)
            f.truncate()
            f.write(json.dumps(info))
            f.flush()
            _HELD[key] = [f, 1]

    def _busy_message(self, text: str) -> str:
        try:
            i = json.loads(text)
            who = (
                f"pid {i['pid']} on {i['host']}, running since {i['since']}: "
                f"{i.get('command', '')}".rstrip(": ")
            )
        except (ValueError, KeyError, TypeError):
            who = "another process"
        return (
            f"{self.path} is in use by another naslab process ({who}); wait for it to finish, "
            "or give another output folder"
        )

    def _unlock(self) -> None:
        key = str(self.path.resolve())
        with _HELD_GUARD:
            entry = _HELD.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del _HELD[key]
                entry[0].close()  # closing the file releases the flock

    def check(self, fresh: bool = False) -> None:
        """The checks of `open` (ownership, a busy folder, outputs that are not naslab's) without
        claiming anything, so a CLI can fail with one line before it draws a progress bar."""
        marker = self._check_ownership()
        if marker is None or str(self.path.resolve()) in _HELD:
            return
        if (self.path / LOCK).exists():
            import fcntl

            with open(self.path / LOCK) as f:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise OutputBusyError(self._busy_message(f.read())) from None
                except OSError:
                    pass  # no locks on this file system: `open` warns
        if not fresh:
            self._check_outputs(marker)

    @contextlib.contextmanager
    def open(self, fresh: bool = False) -> Iterator[OutputDir]:
        """Check, claim and lock the folder for the duration of the `with` block; `fresh` first
        deletes the job's own files (never anything else)."""
        self._check_ownership()  # before creating anything in someone else's folder
        with guard_writes(self.path.parent if not self.path.exists() else self.path):
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock()
        try:
            with guard_writes(self.path):
                marker = self._check_ownership()  # again, now that we hold the lock
                if marker is None:
                    marker = {"kind": self.kind, "files": {}}
                    if any(self._is_own(e) for e in os.listdir(self.path)):
                        # an older naslab output of this kind: its outputs are naslab's as they are
                        for name in self.outputs:
                            if (self.path / name).is_file():
                                marker["files"][name] = _sha256(self.path / name)
                    self._write_marker(marker)
                if fresh:
                    self._fresh(marker)
                    self._write_marker(marker)
                else:
                    self._check_outputs(marker)
            yield self
        finally:
            self._unlock()

    # -- files --------------------------------------------------------------------------------
    @property
    def damaged_dir(self) -> Path:
        return self.path / DAMAGED

    def log(self, name: str, required: Sequence[str] = ()) -> ResultLog:
        """The job's `ResultLog` in `<out>/<name>`, with damaged parts going to `.damaged/`."""
        log = ResultLog(self.path / name, required=required, damaged_dir=self.damaged_dir)
        log.clean_temp()
        return log

    def read_json(self, name: str) -> dict[str, Any] | None:
        """A settings file, or None if absent; a garbled one is set aside (with a warning)."""
        f = self.path / name
        if not f.exists():
            return None
        try:
            obj = json.loads(f.read_text())
            if isinstance(obj, dict):
                return obj
            why = "not a JSON object"
        except (ValueError, UnicodeDecodeError) as e:
            why = f"not valid JSON: {e}"
        set_aside(f, self.damaged_dir, why)
        return None

    def write_json(self, name: str, obj: Any) -> Path:
        return write_atomic(self.path / name, lambda tmp: tmp.write_text(json.dumps(obj, indent=2)))

    def record(self, names: Iterable[str | Path] | None = None) -> None:
        """Checksum the outputs naslab just wrote (default: all of `outputs` that exist)."""
        with guard_writes(self.path):
            record_outputs(self.path, self.outputs if names is None else names)


# ---------------------------------------------------------------------------------------------
@dataclass
class JobReport:
    """What one invocation of `run_tasks` did."""

    total: int  # tasks given (already filtered for resume by the caller)
    finished: int = 0  # tasks that returned, ok or failed
    failed: list[tuple[Any, str]] = field(default_factory=list)  # (task, error)
    written: int = 0  # results appended to the log
    restarts: int = 0  # process pools restarted after a worker died
    workers_started: int = 0  # pool worker processes started (0: every task ran inline)
    wall_s: float = 0.0

    def summary_line(self, noun: str = "tasks", of: int | None = None) -> str:
        """'3 of 30 runs failed: <first error>' (empty when none failed)."""
        if not self.failed:
            return ""
        first = self.failed[0][1]
        return f"{len(self.failed)} of {of or self.total} {noun} failed: {first}"


def _error_of(result: Any) -> str | None:
    if isinstance(result, BaseException):
        return f"{type(result).__name__}: {result}"
    return None


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt (main thread only), so the finally blocks below run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def run_tasks(
    fn: Callable[[T], Any],
    tasks: Sequence[T],
    *,
    log: ResultLog | None,
    to_rows: Callable[[T, Any], pd.DataFrame | None],
    error_of: Callable[[Any], str | None] = _error_of,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    flush_s: float = 0.5,
    flush_rows: int | None = None,
    retries: int = 1,
    on_result: Callable[[T, Any], None] | None = None,
    faults: Faults | None = None,
    pool: str = "always",
) -> JobReport:
    """Run `fn` on every task and append `to_rows(task, result)` to `log` as results arrive.

    `result` is what `fn` returned, or the exception it raised (or a `WorkerDiedError`);
    `to_rows` returns the rows to log for it, or None to log nothing (the task is then redone
    next time). `error_of(result)` says whether a result is a failure (an error string) or not
    (None); by default exceptions are failures. Results are appended at most `flush_s` seconds
    (or `flush_rows` results) after they arrive, and always before this returns or an interrupt
    propagates. `on_result(task, result)` is called for every result (progress bars).

    `pool` (local executor, workers > 1): "always" runs every task in a process pool, "never"
    inline, "auto" inline until the tasks show that the pool pays for its start-up
    (`nas_core.parallel.AutoExecutor`): a job of a few cheap tasks then never starts one. Never
    more workers are started than there are tasks. Guarantee 3 holds for the tasks a pool runs:
    a job whose tasks may kill their process should keep "always"."""
    faults = Faults.from_env() if faults is None else faults
    report = JobReport(total=len(tasks))
    if not tasks:
        return report
    buffer: list[pd.DataFrame] = []
    buffered = 0
    t0 = time.perf_counter()

    def flush() -> None:
        nonlocal buffered
        if buffer and log is not None:
            log.append(pd.concat(buffer, ignore_index=True) if len(buffer) > 1 else buffer[0])
        report.written += buffered
        buffer.clear()
        buffered = 0

    ex = make_executor(
        executor,
        workers=workers,
        address=address,
        retries=retries,
        faults=faults,
        pool=pool,
        tasks=len(tasks),
    )
    last = time.monotonic()
    try:
        with _sigterm_as_interrupt():
            try:
                for task, result in ex.map_unordered(fn, tasks):
                    report.finished += 1
                    err = error_of(result)
                    if err is not None:
                        report.failed.append((task, err))
                    rows = to_rows(task, result)
                    if rows is not None:
                        buffer.append(rows)
                        buffered += 1
                    if on_result is not None:
                        on_result(task, result)
                    if faults.die_after and report.written + buffered >= faults.die_after:
                        flush()
                        os.kill(os.getpid(), signal.SIGKILL)  # fault injection: die, now
                    if faults.interrupt_after and report.finished >= faults.interrupt_after:
                        raise KeyboardInterrupt(f"{FAULT_ENV}=interrupt_after")
                    if (flush_rows is not None and buffered >= flush_rows) or (
                        time.monotonic() - last >= flush_s
                    ):
                        flush()
                        last = time.monotonic()
            finally:
                try:
                    ex.close()  # after an interrupt: terminates the workers at once
                finally:
                    flush()
    finally:
        report.restarts = getattr(ex, "restarts", 0)
        report.workers_started = ex.workers_started
        report.wall_s = time.perf_counter() - t0
    return report
