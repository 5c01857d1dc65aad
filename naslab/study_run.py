"""What a worker runs: one (searcher, seed) of a `naslab compare` study, start to finish.

Kept apart from `naslab.compare` so that a spawned worker process, which imports the module of
the function it runs, loads only the runner, the searchers and the benchmarks: not pandas, SciPy's
statistics or the plotting, which the study needs only once, in the parent.

The benchmark reaches a worker in one of two forms. A named one (`naslab.bench_spec.BenchSpec`:
registered names and loader options) travels as its key and is loaded once per worker process. A
benchmark object built in Python (`StudyConfig(bench=<Benchmark>)`) travels as a cloudpickle
payload: cloudpickle pickles classes defined in `__main__` (a notebook, a script read from stdin)
by value, which the standard pickle cannot (a spawned worker does not have the parent's
`__main__`, so the task could not be unpickled and the pool broke). The payload is unpickled once
per worker process (cached by its digest).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import benchmarks
import searchers
from benchmarks.base import Benchmark
from nas_core.spaces.base import SearchSpace
from searchers.loop import run_search


@cache
def _load_bench(name: str, options_json: str) -> Benchmark:
    return benchmarks.load(name, **json.loads(options_json))


_UNPICKLED: dict[str, Benchmark] = {}


def pack_bench(bench: Benchmark) -> tuple[str, bytes]:
    """(digest, cloudpickle payload) of a benchmark object, for `RunTask.bench_blob`."""
    import cloudpickle

    blob = cloudpickle.dumps(bench)
    digest = hashlib.sha256(blob).hexdigest()
    _UNPICKLED.setdefault(digest, bench)  # the parent (inline runs) uses the object itself
    return digest, blob


def task_bench(task: RunTask) -> Benchmark:
    """The benchmark of `task`: its payload (unpickled once per process), its BenchSpec key, or
    a registered name with options."""
    if task.bench_blob is not None:
        b = _UNPICKLED.get(task.bench)
        if b is None:
            import pickle

            b = _UNPICKLED[task.bench] = pickle.loads(task.bench_blob)
        return b
    if task.bench.startswith("["):  # a BenchSpec key (JSON list of parts)
        from naslab.bench_spec import _load_spec

        return _load_spec(task.bench)
    return _load_bench(task.bench, task.bench_options)


def make_searcher(
    name: str, space: SearchSpace, seed: int, params: dict[str, Any], num_objectives: int
) -> searchers.Searcher:
    """Searcher `name` as a study runs it: its `--param`s, and the study's number of objectives
    for a searcher that takes one."""
    params = dict(params)
    if "num_objectives" in searchers.params_of(name) and num_objectives > 1:
        params.setdefault("num_objectives", num_objectives)
    return searchers.create(name, space, seed=seed, **params)


@dataclass(frozen=True)
class RunTask:
    """One run of a study: searcher `searcher` with seed index `seed` (searcher seed `run_seed`),
    and everything the worker needs to run it. `params` may be given as a dict; it is kept as
    sorted (name, value) pairs so the task stays immutable. Build one from a study's settings
    with `naslab.compare.make_task`."""

    searcher: str
    seed: int
    run_seed: int
    bench: str  # a BenchSpec key, a registered name (with bench_options), or the payload digest
    bench_options: str = "{}"  # JSON with sorted keys (a cache key for the worker's benchmark)
    dataset: str | None = None
    metric: str | None = None
    report_metric: str | None = None
    objectives: tuple[str, ...] = ()
    budget: int | None = 300
    time_budget: float | None = None
    batch_size: int = 1
    isomorphism: str = "per-cell"
    params: tuple[tuple[str, Any], ...] = ()
    constraints: tuple[str, ...] = ()
    bench_blob: bytes | None = field(default=None, repr=False)  # cloudpickle of an object

    def __post_init__(self) -> None:
        if isinstance(self.params, dict):
            object.__setattr__(self, "params", tuple(sorted(self.params.items())))
        object.__setattr__(self, "objectives", tuple(self.objectives))
        object.__setattr__(self, "constraints", tuple(self.constraints))

    @property
    def key(self) -> tuple[str, int]:
        """What the results log is keyed by."""
        return self.searcher, self.seed


def execute_run(task: RunTask) -> dict[str, Any]:
    """One run (a picklable top-level function for the executors). Never raises: a failure is
    returned as a record with `status="failed"` and the error, so one bad run never stops a study."""
    out = {"searcher": task.searcher, "seed": task.seed, "run_seed": task.run_seed}
    try:
        bench = task_bench(task)
        s = make_searcher(
            task.searcher, bench.space, task.run_seed, dict(task.params), len(task.objectives)
        )
        traj = run_search(
            s,
            bench,
            metric=task.metric,
            dataset=task.dataset,
            report_metric=task.report_metric,
            objectives=task.objectives,
            budget=task.budget,
            time_budget=task.time_budget,
            batch_size=task.batch_size,
            isomorphism=task.isomorphism,
            constraints=task.constraints,
        )
    except Exception as e:  # recorded, see docstring
        return {**out, "status": "failed", "error": f"{type(e).__name__}: {e}"}
    return {
        **out,
        "status": "ok",
        "error": "",
        "stop_reason": traj.stop_reason,
        "asks_total": traj.asks,
        "repeats": traj.repeats,
        "missing": traj.missing,
        "wall_s": traj.wall_s,
        "columns": traj.columns,
    }
