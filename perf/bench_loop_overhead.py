"""Does the search loop's constraint and cost-epoch handling cost an unconstrained study anything?
The same 60 runs (rs, re, ls x 20 seeds x 300 queries on analognas) on this tree and on an older
tree, each in a fresh process, CPU time of the runs only.

    git archive 25527c5 | (mkdir -p /tmp/base_tree && tar -x -C /tmp/base_tree)
    python perf/bench_loop_overhead.py /tmp/base_tree .
"""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import benchmarks, searchers
from searchers.loop import run_search
b = benchmarks.load("analognas")
t0 = time.process_time()
for name in ("rs", "re", "ls"):
    for seed in range(20):
        s = searchers.create(name, b.space, seed=seed)
        run_search(s, b, metric="baseline_accuracy", budget=300)
print(time.process_time() - t0)
"""


def main() -> None:
    base, new = sys.argv[1], sys.argv[2]
    times: dict[str, list[float]] = {base: [], new: []}
    for _ in range(3):  # interleaved pairs
        for tree in (base, new):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, tree], capture_output=True, text=True
            )
            times[tree].append(float(out.stdout.strip().splitlines()[-1]))
    b, n = min(times[base]), min(times[new])
    print(f"base {b:.3f} s CPU, new {n:.3f} s CPU (best of 3); new/base {n / b:.2f}")


if __name__ == "__main__":
    main()
