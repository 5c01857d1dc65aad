"""What a worker runs: one (searcher, seed) of a `naslab compare` study, start to finish.

Kept apart from `naslab.compare` so that a spawned worker process, which imports the module of
the function it runs, loads only the runner, the searchers and the benchmarks: not pandas, SciPy's
statistics or the plotting, which the study needs only once, in the parent (worker start-up
1.3 -> 0.6 s, a large share of a study that now takes seconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    bench: str
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

    def __post_init__(self) -> None:
        if isinstance(self.params, dict):
            object.__setattr__(self, "params", tuple(sorted(self.params.items())))
        object.__setattr__(self, "objectives", tuple(self.objectives))

    @property
    def key(self) -> tuple[str, int]:
        """What the results log is keyed by."""
        return self.searcher, self.seed


def execute_run(task: RunTask) -> dict[str, Any]:
    """One run (a picklable top-level function for the executors). Never raises: a failure is
    returned as a record with `status="failed"` and the error, so one bad run never stops a study."""
    out = {"searcher": task.searcher, "seed": task.seed, "run_seed": task.run_seed}
    try:
        bench = _load_bench(task.bench, task.bench_options)
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
