"""The worker side of a study: one run from a RunTask, and a light import for spawned workers."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np

from naslab import study_run
from naslab.compare import StudyConfig, make_task, resolve
from naslab.study_run import execute_run


def test_execute_run_returns_the_trajectory_of_one_run():
    cfg, _ = resolve(StudyConfig(searchers=("tpe",), seeds=1, budget=40))
    rec = execute_run(make_task(cfg, "tpe", 0))
    assert rec["status"] == "ok" and rec["error"] == ""
    cols = rec["columns"]
    assert len(cols["step"]) == 40 and len(set(cols["arch"])) == 40
    assert np.all(np.diff(cols["best_search"]) >= 0)
    again = execute_run(make_task(cfg, "tpe", 0))
    assert list(again["columns"]["arch"]) == list(cols["arch"])


def test_execute_run_records_a_bad_run_instead_of_raising():
    cfg, _ = resolve(StudyConfig(searchers=("tpe",), seeds=1, budget=10))
    task = replace(make_task(cfg, "tpe", 0), params={"engine": "hyperopt"})
    rec = execute_run(task)
    assert rec["status"] == "failed"
    assert (
        "unknown engine 'hyperopt' for searcher 'tpe'" in rec["error"] and "rustuna" in rec["error"]
    )


def test_a_worker_imports_neither_pandas_nor_scipy_stats_nor_torch():
    """Spawned workers import the module of the function they run: it must stay light."""
    code = (
        "import sys, naslab.study_run; "
        "print(sorted(m for m in ('pandas', 'scipy.stats', 'torch', 'optuna', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_benchmark_object_travels_as_a_payload_and_constraints_reach_the_run():
    import pickle

    import benchmarks

    bench = benchmarks.load("analognas")
    cfg, _ = resolve(
        StudyConfig(bench=bench, searchers=("rs",), seeds=1, budget=30,
                    constraints=("baseline_drift_2592000>=30",))
    )  # fmt: skip
    task = make_task(cfg, "rs", 0)
    assert task.bench_blob is not None and "bench_blob" not in repr(task)
    # as a spawned worker receives it: a pickled copy of the task, the object rebuilt from bytes
    copy = pickle.loads(pickle.dumps(task))
    study_run._UNPICKLED.clear()  # a fresh worker has not seen the object
    rec = execute_run(copy)
    assert rec["status"] == "ok" and set(rec["columns"]) >= {
        "feasible",
        "con:baseline_drift_2592000",
    }
    named = execute_run(make_task(resolve(StudyConfig(searchers=("rs",), seeds=1, budget=30,
                        constraints=cfg.constraints))[0], "rs", 0))  # fmt: skip
    assert list(named["columns"]["arch"]) == list(rec["columns"]["arch"])
