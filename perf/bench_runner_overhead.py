"""Does the job runner cost anything? The same comparison study on this tree and on an older tree
(before nas_core.jobs), interleaved in fresh processes, on the same machine minutes apart.

    git archive d03d48d | (mkdir -p /tmp/base && tar -x -C /tmp/base)
    python perf/bench_runner_overhead.py --baseline-tree /tmp/base [--pairs 3] [--workers 2]

Both sides run the same work: 5 searchers x 100 seeds x 300 queries on analognas, with this
tree's `--isomorphism merge` and `ls` in first-improvement mode (the older tree's accounting and
local search), so only the machinery around the runs differs. Each side has its own warm
NASLAB_HOME. Prints, per pair, the whole study's wall time and the CPU time of the process tree
(parent + workers), and the median new/old ratios; the runs are checked to be the same (best
values of every run, to the last digit).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, tempfile, time
from naslab.compare import StudyConfig, run_study, load_results
kw = dict(searchers=("rs", "re", "ls", "reinforce", "tpe"), seeds=int(sys.argv[1]),
          budget=int(sys.argv[2]))
try:  # this tree: the older tree's accounting and local search
    cfg = StudyConfig(**kw, isomorphism="merge",
                      params={"ls": {"neighbourhood": "first_improvement"}})
except TypeError:  # the older tree has neither option
    cfg = StudyConfig(**kw)
out = tempfile.mkdtemp(prefix="bench_runner_")
t = time.perf_counter()
s = run_study(cfg, out, workers=int(sys.argv[3]))
wall = time.perf_counter() - t
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
traj, runs = load_results(out)
best = traj.groupby(["searcher", "seed"])["best_report"].max().round(6).to_dict()
print(json.dumps({"wall": wall, "cpu": cpu, "runs_wall": s["wall_s_this_invocation"],
                  "ok": int((runs.status == "ok").sum()),
                  "best": {f"{a}/{b}": v for (a, b), v in best.items()}}))
"""


def run(tree: Path, home: Path, seeds: int, budget: int, workers: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "NASLAB_HOME": str(home)}
    r = subprocess.run(
        [sys.executable, "-c", CHILD, str(seeds), str(budget), str(workers)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if r.returncode != 0:
        raise SystemExit(f"study under {tree} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-tree", required=True, type=Path)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=int, default=300)
    a = ap.parse_args()
    homes = {k: Path(tempfile.mkdtemp(prefix=f"naslab_home_{k}_")) for k in ("old", "new")}
    trees = {"old": a.baseline_tree.resolve(), "new": HERE}
    for k in ("old", "new"):  # warm each side's cache (and check the two agree)
        run(trees[k], homes[k], 1, 20, 1)
    print(
        f"load average before: {os.getloadavg()[0]:.2f}; {a.workers} workers; "
        f"5 searchers x {a.seeds} seeds x {a.budget} queries"
    )
    ratios_wall, ratios_cpu = [], []
    for p in range(a.pairs):
        res = {}
        order = ("old", "new") if p % 2 == 0 else ("new", "old")
        for k in order:
            t = time.perf_counter()
            res[k] = run(trees[k], homes[k], a.seeds, a.budget, a.workers)
            res[k]["proc"] = time.perf_counter() - t
        same = res["old"]["best"] == res["new"]["best"]
        ratios_wall.append(res["new"]["wall"] / res["old"]["wall"])
        ratios_cpu.append(res["new"]["cpu"] / res["old"]["cpu"])
        print(
            f"pair {p + 1}: study wall old {res['old']['wall']:.2f} s / new "
            f"{res['new']['wall']:.2f} s; CPU (parent + workers) old {res['old']['cpu']:.2f} s"
            f" / new {res['new']['cpu']:.2f} s; runs ok {res['old']['ok']}/{res['new']['ok']};"
            f" same best values: {same}; load {os.getloadavg()[0]:.2f}"
        )
    print(
        f"median new/old: wall {statistics.median(ratios_wall):.3f}, "
        f"CPU {statistics.median(ratios_cpu):.3f}"
    )


if __name__ == "__main__":
    main()
