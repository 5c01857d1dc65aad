"""Searcher overhead per ask/tell step vs the benchmark query itself (issue 3).

Target: < 50 us per step for rs and re on nb201. For each searcher, drives N single-arch
ask/tell steps where the value comes from a precomputed NumPy column (so only the searcher is
timed), and compares with one single-arch `Benchmark.query` on analognas measured in the same
run. Also times the runner end to end (run_search: canonicalisation, dedup, recording) per
distinct query. Run: `python perf/bench_searchers.py [--steps 20000]`.

    python perf/bench_searchers.py --re-vs-bare [--steps 5000] [--rounds 15]

Regularized evolution side by side with a bare Python RE loop (issue 13), interleaved in one
run: the bare loop keeps a deque population of (accuracy, op tuple), takes the max of a
tournament, mutates one position of the op tuple and looks the child's accuracy up in a dict.
It is timed with Python's `random` (the cheapest draws) and with NumPy's Generator (the draws
naslab must reproduce for a seed). naslab is timed as the searcher alone (ask + tell, values
from the same dict) and as a whole `run_search` (the loop: dedup, benchmark query, recording)
per proposal. Reported: the best of `--rounds` per-step times per variant, and the median
over rounds of each round's ratio to the bare loops (robust to a load that changes).
Target: naslab's step within 3x of the bare loop. To compare with an older tree in the same
session, run this script alternately with `PYTHONPATH=<old tree>` (the script itself only uses
the public searcher and loop API, so the old tree's code is what gets timed).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import benchmarks
import searchers
from searchers.loop import run_search


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


def re_vs_bare(steps: int, rounds: int) -> None:
    import random
    from collections import deque

    bench = benchmarks.load("analognas")
    space = bench.space
    vals = np.asarray(bench.query(space.all_archs(), "baseline_accuracy"), dtype=float).tolist()
    acc = {a.ops: v for a, v in zip(space.all_archs(), vals, strict=True)}
    keys = list(acc)
    P, S, L, K = 10, 3, 6, 5  # population, tournament, positions, ops

    def first(m):
        return m[0]

    def bare_py(seed: int) -> None:
        rng = random.Random(seed)
        pop = deque((acc[k], k) for k in rng.sample(keys, P))
        for _ in range(steps):
            parent = max([pop[rng.randrange(P)] for _ in range(S)], key=first)[1]
            ops = list(parent)
            e = rng.randrange(L)
            ops[e] = (ops[e] + rng.randrange(1, K)) % K
            child = tuple(ops)
            pop.append((acc[child], child))
            pop.popleft()

    def bare_numpy(seed: int) -> None:
        rng = np.random.default_rng(seed)
        pop = deque((acc[keys[i]], keys[i]) for i in rng.integers(0, len(keys), P).tolist())
        for _ in range(steps):
            parent = max([pop[i] for i in rng.integers(0, P, size=S).tolist()], key=first)[1]
            ops = list(parent)
            e = int(rng.integers(L))
            ops[e] = (ops[e] + int(rng.integers(1, K))) % K
            child = tuple(ops)
            pop.append((acc[child], child))
            pop.popleft()

    def naslab_searcher(seed: int) -> None:
        s = searchers.create("re", space, seed=seed)
        one = np.empty(1)
        for _ in range(steps):
            archs = s.ask(1)
            one[0] = acc[archs[0].ops]
            s.tell(archs, one)

    def naslab_loop(seed: int) -> None:
        s = searchers.create("re", space, seed=seed)
        run_search(s, bench, metric="baseline_accuracy", budget=10**6, max_asks=steps)

    variants = {
        "bare RE, Python random": bare_py,
        "bare RE, NumPy Generator": bare_numpy,
        "naslab re (ask+tell)": naslab_searcher,
        "naslab run_search(re)": naslab_loop,
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(rounds):
        for name, f in variants.items():
            t = time.perf_counter()
            f(r)
            times[name].append((time.perf_counter() - t) / steps)
    per_round = {k: np.asarray(v) for k, v in times.items()}
    base = per_round["bare RE, Python random"]
    base_np = per_round["bare RE, NumPy Generator"]
    print(
        f"{steps} steps per round, {rounds} rounds (variants interleaved in each round); "
        "time: best round; ratios: median over rounds of the same round's ratio"
    )
    print(f"{'variant':28s} {'us/step':>8s} {'x bare (random)':>16s} {'x bare (NumPy)':>15s}")
    for name, dt in per_round.items():
        r1, r2 = np.median(dt / base), np.median(dt / base_np)
        print(f"{name:28s} {dt.min() * 1e6:8.2f} {r1:16.2f} {r2:15.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--re-vs-bare", action="store_true")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    if args.re_vs_bare:
        re_vs_bare(args.steps, args.rounds)
        return
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
