"""Executors: one interface for running independent tasks, locally or on Ray.

`make_executor("local", workers=2)` uses a process pool (or runs inline with workers=1);
`make_executor("ray", address=None)` uses Ray (the `ray` extra), a local instance by default or a
cluster at `address`. `executor.map_unordered(fn, tasks)` yields `(task, result_or_exception)` as
each task finishes, so callers can write results to disk as they arrive. `fn` must be a picklable
top-level function; an exception raised inside a task is returned, not raised, so one bad task
never kills a study.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from nas_core.errors import InvalidInputError, UnknownNameError


class Executor:
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
    def __init__(self, workers: int):
        import multiprocessing as mp

        self.workers = workers
        self._pool = cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"))

    def map_unordered(self, fn, tasks):
        futures = {self._pool.submit(fn, t): t for t in tasks}
        try:
            for fut in cf.as_completed(futures):
                t = futures.pop(fut)
                try:
                    yield t, fut.result()
                except Exception as e:
                    yield t, e
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


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
        remote = ray.remote(fn)
        pending = {remote.remote(t): t for t in tasks}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                t = pending.pop(ref)
                try:
                    yield t, ray.get(ref)
                except Exception as e:
                    cause = getattr(e, "cause", None)
                    yield t, cause if isinstance(cause, Exception) else e


def make_executor(kind: str = "local", workers: int = 1, address: str | None = None) -> Executor:
    if workers < 1:
        raise InvalidInputError(f"workers must be >= 1, got {workers}")
    if kind == "local":
        return InlineExecutor() if workers == 1 else ProcessExecutor(workers)
    if kind == "ray":
        return RayExecutor(address, workers)
    raise UnknownNameError("executor", kind, ["local", "ray"])
