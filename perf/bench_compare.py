"""Wall time of the comparison study (issue 3): searchers x seeds x queries on analognas, on 1 and
2 local workers and on local Ray. Each configuration runs into a fresh directory (no resume).

Run: `python perf/bench_compare.py [--searchers rs,re,ls,reinforce,tpe] [--seeds 100]
[--budget 300] [--ray]`. Prints one line per configuration and the 1 -> 2 worker speed-up.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from naslab.compare import StudyConfig, run_study


def timed(cfg: StudyConfig, executor: str, workers: int) -> float:
    out = Path(tempfile.mkdtemp(prefix="bench_compare_"))
    try:
        t = time.perf_counter()
        s = run_study(cfg, out, executor=executor, workers=workers)
        wall = time.perf_counter() - t
        assert s["runs"]["ok"] == len(cfg.searchers) * cfg.seeds, s["runs"]
        return wall
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--searchers", default="rs,re,ls,reinforce,tpe")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--ray", action="store_true", help="also time local Ray with 2 workers")
    args = ap.parse_args()
    cfg = StudyConfig(
        searchers=tuple(args.searchers.split(",")), seeds=args.seeds, budget=args.budget
    )
    runs = len(cfg.searchers) * cfg.seeds
    print(f"study: {args.searchers} x {args.seeds} seeds x {args.budget} queries ({runs} runs)")
    results = {}
    plan = [("local", 1), ("local", 2)] + ([("ray", 2)] if args.ray else [])
    for executor, workers in plan:
        wall = timed(cfg, executor, workers)
        results[(executor, workers)] = wall
        print(f"{executor:6s} workers={workers}: {wall:7.1f} s (incl. summary, plots, report)")
    print(f"speed-up 1 -> 2 local workers: {results[('local', 1)] / results[('local', 2)]:.2f}x")
    if ("ray", 2) in results:
        print(f"ray / local pool (2 workers): {results[('ray', 2)] / results[('local', 2)]:.2f}x")


if __name__ == "__main__":
    main()
