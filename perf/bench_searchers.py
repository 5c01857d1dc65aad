"""Searcher overhead per ask/tell step vs the benchmark query itself (issue 3).

Target: < 50 us per step for rs and re on nb201. For each searcher, drives N single-arch
ask/tell steps where the value comes from a precomputed NumPy column (so only the searcher is
timed), and compares with one single-arch `Benchmark.query` on analognas measured in the same
run. Also times the runner end to end (run_search: canonicalisation, dedup, recording) per
distinct query. Run: `python perf/bench_searchers.py [--steps 20000]`.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import benchmarks
import searchers
from naslab.runner import run_search


def per_step(name: str, bench, values: np.ndarray, steps: int) -> float:
    space = bench.space
    s = searchers.create(name, space, seed=0)
    index_of = space._index_of
    one = np.empty((1, s.num_objectives))
    t = time.perf_counter()
    for _ in range(steps):
        archs = s.ask(1)
        one[0, :] = values[index_of[archs[0].ops]]
        s.tell(archs, one)
    return (time.perf_counter() - t) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    args = ap.parse_args()
    bench = benchmarks.load("analognas")
    space = bench.space
    values = np.asarray(bench.query(space.all_archs(), "baseline_accuracy"), dtype=float)
    archs = space.sample(np.random.default_rng(0), 20000)
    t = time.perf_counter()
    for a in archs:
        bench.query(a, "baseline_accuracy")
    q = (time.perf_counter() - t) / len(archs)
    print(f"benchmark query (one Arch, analognas): {q * 1e6:.2f} us")
    print(f"{'searcher':10s} {'steps':>7s} {'us/step':>9s} {'x query':>8s}")
    plan = {
        "rs": args.steps,
        "re": args.steps,
        "ls": args.steps,
        "reinforce": args.steps,
        "nsga2": min(args.steps, 5000),
        "tpe": 300,
    }
    for name, steps in plan.items():
        dt = per_step(name, bench, values, steps)
        print(f"{name:10s} {steps:7d} {dt * 1e6:9.1f} {dt / q:8.1f}")
    print("\nrunner end to end (run_search, budget 300 distinct queries, mean of 20 seeds):")
    for name in ("rs", "re", "ls", "reinforce"):
        total = asks = 0
        for seed in range(20):
            tr = run_search(
                searchers.create(name, space, seed=seed),
                bench,
                metric="baseline_accuracy",
                budget=300,
            )
            total += tr.wall_s
            asks += tr.asks
        print(
            f"{name:10s} {total / 20 * 1e3:7.2f} ms/run  {total / (20 * 300) * 1e6:6.1f} us per "
            f"distinct query ({asks / 20:.0f} asks/run incl. repeats)"
        )


if __name__ == "__main__":
    main()
