"""What a worker runs: one (searcher, seed) of a `naslab compare` study, start to finish.

Kept apart from `naslab.compare` so that a spawned worker process, which imports the module of
the function it runs, loads only the runner, the searchers and the benchmarks: not pandas, SciPy's
statistics or the plotting, which the study needs only once, in the parent (worker start-up
1.3 -> 0.6 s, a large share of a study that now takes seconds).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import benchmarks
import searchers
from benchmarks.base import Benchmark
from nas_core.spaces.base import SearchSpace
from naslab.runner import run_search


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


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """One run (a picklable top-level function for the executors). Never raises: a failure is
    returned as a record with `status="failed"` and the error, so one bad run never stops a study."""
    out = {k: task[k] for k in ("searcher", "seed", "run_seed")}
    try:
        bench = _load_bench(task["bench"], task["bench_options"])
        s = make_searcher(
            task["searcher"],
            bench.space,
            task["run_seed"],
            task["params"],
            len(task["objectives"]),
        )
        traj = run_search(
            s,
            bench,
            metric=task["metric"],
            dataset=task["dataset"],
            report_metric=task["report_metric"],
            objectives=task["objectives"],
            budget=task["budget"],
            time_budget=task["time_budget"],
            batch_size=task["batch_size"],
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
