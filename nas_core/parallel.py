"""Executors: one interface for running independent tasks, locally or on Ray.

`make_executor("local", workers=2)` uses a process pool (or runs inline with workers=1; with
`pool="auto"`, inline until the tasks show the pool pays for its start-up, see `AutoExecutor`);
`make_executor("ray", address=None)` uses Ray (the `ray` extra), a local instance by default or a
cluster at `address`. `executor.map_unordered(fn, tasks)` yields `(task, result_or_exception)` as
each task finishes, so callers can write results to disk as they arrive. `fn` must be a picklable
top-level function; an exception raised inside a task is returned, not raised, so one bad task
never kills a study.

The process pool keeps three promises (`nas_core.jobs` builds on them):

- A worker that dies (killed, out of memory, `os._exit` in native code) costs only its task. The
  pool is restarted; the tasks that may have been running are rerun one at a time, so the task
  that killed its worker is told apart from the ones that merely shared the pool; a task whose
  worker dies again is returned as a `WorkerDiedError`. A pool whose workers die while starting
  raises `WorkerDiedError` at once, and one whose workers die on every task stops after a few
  restarts (the remaining tasks are returned as not run), rather than restarting per task.
- Workers never outlive the parent: each asks Linux to kill it when its parent dies
  (`prctl(PR_SET_PDEATHSIG)`), and a watchdog thread exits when the parent pid changes (the
  portable fallback). Workers ignore SIGINT: on Ctrl-C the parent decides, and `close()` after an
  interruption terminates them at once instead of waiting for the tasks in flight.
- `Faults` (the `NASLAB_FAULT` environment variable) makes a chosen task kill its worker, so the
  tests above are deterministic.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from nas_core.errors import InvalidInputError, NaslabError, UnknownNameError, check_name

#: Environment variable read by `Faults.from_env`.
FAULT_ENV = "NASLAB_FAULT"


class WorkerDiedError(NaslabError, RuntimeError):
    """A task's worker process died, and died again when the task was retried alone."""


@dataclass(frozen=True)
class Faults:
    """Deterministic fault injection for tests (all counts are 1-based; None: off).

    `NASLAB_FAULT="die_after:3"` kills the parent (SIGKILL) right after its 3rd result is on disk;
    `interrupt_after:3` raises KeyboardInterrupt in the parent after the 3rd result arrives (before
    it is flushed); `kill_worker_at:2` makes the 2nd task submitted kill its worker on its first
    attempt (the retry succeeds); `kill_worker_always:2` on every attempt (the task fails). Items
    combine with commas. Worker faults apply to process pools only.
    """

    die_after: int | None = None
    interrupt_after: int | None = None
    kill_worker_at: int | None = None
    kill_worker_always: bool = False

    @classmethod
    def parse(cls, text: str | None) -> Faults:
        kw: dict[str, Any] = {}
        for item in filter(None, (s.strip() for s in (text or "").split(","))):
            name, _, value = item.partition(":")
            if name not in ("die_after", "interrupt_after", "kill_worker_at", "kill_worker_always"):
                raise InvalidInputError(
                    f"{FAULT_ENV}: unknown fault {name!r}; valid: die_after:K, interrupt_after:K, "
                    "kill_worker_at:K, kill_worker_always:K"
                )
            try:
                k = int(value)
            except ValueError:
                raise InvalidInputError(
                    f"{FAULT_ENV}: {item!r} needs a count, e.g. {name}:3"
                ) from None
            if k < 1:
                raise InvalidInputError(f"{FAULT_ENV}: {item!r}: the count must be >= 1")
            if name == "kill_worker_always":
                kw["kill_worker_at"], kw["kill_worker_always"] = k, True
            else:
                kw[name] = k
        return cls(**kw)

    @classmethod
    def from_env(cls) -> Faults:
        return cls.parse(os.environ.get(FAULT_ENV))


# ---------------------------------------------------------------------------------------------
# worker side
def _watch_parent(parent_pid: int, period_s: float) -> None:
    while True:
        time.sleep(period_s)
        if os.getppid() != parent_pid:
            os._exit(1)


_DEFERRED = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then act on them as before.

    An interrupt inside `ProcessPoolExecutor.submit` while it spawns a worker can leave that
    worker out of the pool's table, running a task that nothing terminates, and the interpreter
    then waits for it at exit. Python runs signal handlers in the main thread whichever thread
    the signal reaches, so the handlers are swapped (a mask would not hold: the pool's threads
    take the signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        held.append(signum)

    old = {s: signal.signal(s, hold) for s in _DEFERRED}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for s in dict.fromkeys(held):
            h = old[s]
            if callable(h):
                h(s, None)  # SIGINT's default handler raises KeyboardInterrupt
            elif h == signal.SIG_DFL:
                os.kill(os.getpid(), s)  # the default action, now that it is restored


@contextlib.contextmanager
def _pseudo_main_hidden() -> Iterator[None]:
    """While workers start, hide a `__main__.__file__` that names no file.

    A spawned worker re-runs the parent's `__main__` from its file. A program read from stdin
    (`python - <<EOF`) has `__file__ == '<stdin>'`: every worker failed to open it and died at
    start (BrokenProcessPool). Hidden, the workers start without the parent's `__main__`, as
    under Jupyter; what a task needs from `__main__` must travel by value (cloudpickle)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not (isinstance(path, str) and path.startswith("<") and path.endswith(">")):
        yield
        return
    del main.__file__  # type: ignore[union-attr]
    try:
        yield
    finally:
        main.__file__ = path  # type: ignore[union-attr]


def _worker_init(parent_pid: int, started: Any = None) -> None:
    """Runs first in every pool worker: die with the parent, leave Ctrl-C to it; count the
    workers that started (`started`, a shared flag), so a pool that cannot start is told apart
    from a task that kills its worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # the watchdog below still covers it
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid, 1.0), daemon=True).start()
    if started is not None:
        # a flag, not a locked counter: a worker killed while holding a lock would leave the
        # parent blocked forever on its next read
        started.value = 1


def _call(fn: Callable[[Any], Any], task: Any, die: bool) -> Any:
    if die:  # fault injection (Faults.kill_worker_at)
        os.kill(os.getpid(), signal.SIGKILL)
    return fn(task)


# ---------------------------------------------------------------------------------------------
class Executor:
    workers_started = 0  # worker processes this executor started (0: ran inline)

    def map_unordered(
        self, fn: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        raise NotImplementedError

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InlineExecutor(Executor):
    def map_unordered(self, fn, tasks):
        for t in tasks:
            try:
                yield t, fn(t)
            except Exception as e:  # returned, see module docstring
                yield t, e


class ProcessExecutor(Executor):
    """A spawn process pool that survives dead workers (see the module docstring)."""

    def __init__(self, workers: int, retries: int = 1, faults: Faults | None = None):
        self.workers = self.workers_started = workers
        self.retries = retries
        self.faults = faults or Faults()
        self.restarts = 0
        self._inflight: dict[cf.Future, tuple[int, Any]] = {}
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self._started = ctx.RawValue("i", 0)  # set to 1 by the first worker that starts
        return cf.ProcessPoolExecutor(
            self.workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(os.getpid(), self._started),
        )

    def _kill_pool(self) -> None:
        """Terminate the workers now (tasks in flight are abandoned) and drop the pool."""
        procs = list((getattr(self._pool, "_processes", None) or {}).values())
        for p in procs:
            if p.is_alive():
                p.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for p in procs:
            p.join(timeout=5)

    def map_unordered(self, fn, tasks):
        queue = deque(enumerate(tasks))  # (submission number, task)
        suspects: deque[tuple[int, Any]] = deque()  # rerun alone after their pool died
        deaths: dict[int, int] = {}
        # Enough queued work that the workers never wait on the parent (it writes results between
        # waits), bounded so that a large job is not pickled up front.
        window = max(32, 8 * self.workers)
        # Tasks reach the workers in submission order, through a call queue of workers + 1: when
        # the pool dies, only the first `exposed` unfinished tasks can have been running.
        exposed = 2 * self.workers + 1
        barren = 0  # pools in a row that died without returning any result
        inflight = self._inflight
        f = self.faults
        while queue or suspects or inflight:
            broken = False
            while len(inflight) < window and (queue or suspects):
                source = suspects if suspects else queue
                if source is suspects and inflight:
                    break
                i, t = source.popleft()
                n = deaths.get(i, 0)
                die = f.kill_worker_at == i + 1 and (n == 0 or f.kill_worker_always)
                try:
                    with _signals_deferred(), _pseudo_main_hidden():
                        inflight[self._pool.submit(_call, fn, t, die)] = (i, t)
                except BrokenProcessPool:  # it broke since the last wait: t never ran
                    source.appendleft((i, t))
                    broken = True
                    break
                if source is suspects or n:  # a suspect runs alone
                    break
            done, _ = cf.wait(list(inflight), return_when=cf.FIRST_COMPLETED)
            lost: list[tuple[int, Any]] = []
            for fut in done:
                i, t = inflight.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    lost.append((i, t))
                    continue
                except Exception as e:  # returned, see module docstring
                    res = e
                barren = 0
                yield t, res
            if lost or broken:  # the pool is dead: every task in flight is lost with it
                for fut, (_i, t) in list(inflight.items()):
                    if fut.done() and not isinstance(fut.exception(), BrokenProcessPool):
                        del inflight[fut]
                        exc = fut.exception()
                        yield t, exc if exc is not None else fut.result()
                lost += inflight.values()
                inflight.clear()
                never_started = self._started.value == 0
                self._kill_pool()
                if never_started:  # not a task's fault: no worker got as far as its first task
                    raise WorkerDiedError(
                        "the worker processes die while starting, before any task (see the "
                        "errors above); a script that runs a study must start it under "
                        "`if __name__ == '__main__':`"
                    )
                barren += 1
                if barren > exposed + 2:  # every task kills its worker: stop, do not spin
                    for _i, t in sorted(lost + list(suspects) + list(queue), key=lambda x: x[0]):
                        yield (
                            t,
                            WorkerDiedError(
                                f"not run: {barren} worker pools in a row died before returning "
                                "any result (a crash on import in the workers?)"
                            ),
                        )
                    return
                self._pool = self._new_pool()
                self.restarts += 1
                lost.sort(key=lambda it: it[0])
                queue.extendleft(reversed(lost[exposed:]))  # never reached a worker: not suspects
                for i, t in lost[:exposed]:
                    deaths[i] = deaths.get(i, 0) + 1
                    if deaths[i] > self.retries:
                        yield (
                            t,
                            WorkerDiedError(
                                f"the worker process died while running this task "
                                f"({deaths[i]} attempts, the last one alone)"
                            ),
                        )
                    else:
                        suspects.append((i, t))

    def close(self) -> None:
        if self._inflight:  # interrupted: do not wait for the tasks in flight
            self._inflight.clear()
            self._kill_pool()
        else:
            # Wait for the workers to exit: a worker still starting when the parent exits dies
            # with a traceback (its start-up pickles refer to the parent's semaphores), and a
            # command should not return before its processes are gone. Idle workers exit as soon
            # as they read the shutdown sentinel.
            self._pool.shutdown(wait=True, cancel_futures=True)


#: Wall seconds a spawned pool takes before its first result: each worker imports the task's
#: module and its dependencies (about 0.6 s for a study's runs); workers start side by side.
POOL_START_S = 0.6

POOL_CHOICES = ("auto", "always", "never")


def spare_cores() -> int:
    """Cores this process could use now: the CPUs less the other processes' load (the 1-minute
    load average, less this process, which is running); at least 1."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        others = max(0.0, os.getloadavg()[0] - 1.0)
    except OSError:  # no load average on this platform
        others = 0.0
    return max(1, int((cpus or 1) - others + 0.5))


class AutoExecutor(Executor):
    """Runs tasks inline until they show the job is worth a process pool, then pools the rest.

    After each inline task it estimates the remaining work (mean task time so far x tasks left);
    once `w` workers would save more than `start_s` (remaining x (1 - 1/w) > start_s), the
    remaining tasks go to a `ProcessExecutor` of `min(workers, tasks left)`, where `w` is that
    number capped by the cores the machine has spare (`spare_cores`). A job that is cheaper than a
    pool's start-up, or that runs on a machine with no spare core, never starts one. Tasks that run inline have no worker to lose,
    so a job whose tasks may kill their process (native code, out of memory) should use a pool
    from the start; worker fault injection (`Faults.kill_worker_at`) always gets one."""

    def __init__(
        self,
        workers: int,
        retries: int = 1,
        faults: Faults | None = None,
        start_s: float | None = None,
    ):
        self.workers = workers
        self.retries = retries
        self.faults = faults or Faults()
        self.start_s = POOL_START_S if start_s is None else start_s
        self.inline = 0  # tasks run in this process
        self.pool: ProcessExecutor | None = None

    @property
    def restarts(self) -> int:
        return self.pool.restarts if self.pool is not None else 0

    @property
    def workers_started(self) -> int:
        return self.pool.workers if self.pool is not None else 0

    def _worth_a_pool(self, spent: float, left: int) -> bool:
        w = min(self.workers, left)
        if w < 2 or self.inline == 0:
            return False
        remaining = spent / self.inline * left
        if remaining * (1 - 1 / w) <= self.start_s:
            return False
        w = min(w, spare_cores())  # a pool on a busy machine runs no faster than inline
        return w >= 2 and remaining * (1 - 1 / w) > self.start_s

    def map_unordered(self, fn, tasks):
        queue = deque(tasks)
        spent = 0.0
        if not self.faults.kill_worker_at:  # worker faults need workers
            while queue and not self._worth_a_pool(spent, len(queue)):
                t = queue.popleft()
                t0 = time.perf_counter()
                try:
                    res = fn(t)
                except Exception as e:  # returned, see module docstring
                    res = e
                spent += time.perf_counter() - t0
                self.inline += 1
                yield t, res
        if queue:
            self.pool = ProcessExecutor(min(self.workers, len(queue)), self.retries, self.faults)
            yield from self.pool.map_unordered(fn, queue)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


class RayExecutor(Executor):
    def __init__(self, address: str | None = None, workers: int | None = None):
        try:
            import ray
        except ImportError:
            raise InvalidInputError(
                "the ray executor needs Ray: pip install 'naslab[ray]'"
            ) from None
        self._ray = ray
        if not ray.is_initialized():
            kw: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
            ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False, **kw)

    def map_unordered(self, fn, tasks):
        ray = self._ray
        remote = ray.remote(fn)  # Ray itself retries a task whose worker died
        pending = {remote.remote(t): t for t in tasks}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    t = pending.pop(ref)
                    try:
                        yield t, ray.get(ref)
                    except Exception as e:
                        cause = getattr(e, "cause", None)
                        yield t, cause if isinstance(cause, Exception) else e
        finally:
            for ref in pending:  # interrupted: stop the rest
                ray.cancel(ref, force=True)


def make_executor(
    kind: str = "local",
    workers: int = 1,
    address: str | None = None,
    *,
    retries: int = 1,
    faults: Faults | None = None,
    pool: str = "always",
    tasks: int | None = None,
) -> Executor:
    """`retries`: how many times a task whose worker died is rerun (process pools). `pool` (local
    executor with workers > 1): "always" a process pool, "never" inline, "auto" inline until the
    tasks show a pool pays for its start-up (`AutoExecutor`). `tasks`, when known: no more workers
    are started than there are tasks."""
    if workers < 1:
        raise InvalidInputError(f"workers must be >= 1, got {workers}")
    check_name("pool", pool, list(POOL_CHOICES))
    if kind == "local":
        if workers == 1 or pool == "never":
            return InlineExecutor()
        workers = min(workers, max(tasks, 1)) if tasks is not None else workers
        if pool == "auto":
            return AutoExecutor(workers, retries, faults)
        return ProcessExecutor(workers, retries, faults)
    if kind == "ray":
        return RayExecutor(address, workers)
    raise UnknownNameError("executor", kind, ["local", "ray"])
