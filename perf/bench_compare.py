"""Wall time of the comparison study (issue 3): searchers x seeds x queries on analognas, on 1 and
2 local workers and on local Ray. Each configuration runs into a fresh directory (no resume).

Run: `python perf/bench_compare.py [--searchers rs,re,ls,reinforce,tpe] [--seeds 100]
[--budget 300] [--ray] [--tpe-engine rustuna|optuna] [--pool auto|always] [--repeats 1]`. Prints
one line per configuration (the whole study, its runs phase, the part the workers share, and the
workers it started: `--pool auto`, the default, runs a study too small for a pool inline) and the
1 -> 2 worker speed-up of both. `--tpe-engine optuna` times the study with Optuna's own TPE, the
baseline for Rustuna's. The parent's one-off imports are paid before the first timing.

`python perf/bench_compare.py --cli-vs OLD_TREE [--repeats 5]` instead times the bare
`naslab compare` command (a fresh process, imports included) on three small studies, this tree
and OLD_TREE (e.g. `git archive <commit> | tar -x -C /tmp/old`) interleaved; median (min).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from naslab.compare import StudyConfig, run_study


def timed(cfg: StudyConfig, executor: str, workers: int, pool: str) -> tuple[float, float, int]:
    """(whole study, runs phase) wall seconds; the runs phase is what the workers share, the rest
    (settings, summary, plots, report) runs once in the parent; and the workers started."""
    out = Path(tempfile.mkdtemp(prefix="bench_compare_"))
    try:
        t = time.perf_counter()
        s = run_study(cfg, out, executor=executor, workers=workers, pool=pool)
        wall = time.perf_counter() - t
        assert s["runs"]["ok"] == len(cfg.searchers) * cfg.seeds, s["runs"]
        return wall, s["wall_s_this_invocation"], s["workers_started_this_invocation"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


CLI_STUDIES = (
    "--searchers rs --seeds 1 --budget 20 -w 1",
    "--searchers rs --seeds 1 --budget 20 -w 2",
    "--searchers rs,re,ls,reinforce,tpe --seeds 2 --budget 50 -w 2",
)


def cli_vs(old_tree: str, repeats: int) -> None:
    """The bare CLI, this tree vs `old_tree`, alternating which goes first."""
    here = str(Path(__file__).resolve().parents[1])
    trees = [("before", old_tree), ("after", here)]
    for args in CLI_STUDIES:
        res: dict[str, list[float]] = {k: [] for k, _ in trees}
        for i in range(repeats):
            for label, tree in trees if i % 2 == 0 else trees[::-1]:
                out = Path(tempfile.mkdtemp(prefix="bench_compare_cli_"))
                env = {**os.environ, "PYTHONPATH": tree}
                cmd = [sys.executable, "-m", "naslab.cli", "compare", *args.split(), "--out"]
                t = time.perf_counter()
                subprocess.run([*cmd, str(out / "o")], env=env, cwd=out, check=True,
                               capture_output=True)  # fmt: skip
                res[label].append(time.perf_counter() - t)
                shutil.rmtree(out, ignore_errors=True)
        b, a = (statistics.median(res[k]) for k in ("before", "after"))
        print(
            f"naslab compare {args}: before {b:.2f} s ({min(res['before']):.2f}), after {a:.2f} s "
            f"({min(res['after']):.2f}), {b / a:.2f}x; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--searchers", default="rs,re,ls,reinforce,tpe")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--ray", action="store_true", help="also time local Ray with 2 workers")
    ap.add_argument(
        "--tpe-engine", default="rustuna", help="TPE's engine: rustuna (default) or optuna"
    )
    ap.add_argument("--pool", default="auto", help="auto (default) or always")
    ap.add_argument("--repeats", type=int, default=1, help="runs per configuration (median)")
    ap.add_argument("--cli-vs", metavar="OLD_TREE", help="time the bare CLI vs an older tree")
    args = ap.parse_args()
    if args.cli_vs:
        cli_vs(args.cli_vs, args.repeats)
        return
    cfg = StudyConfig(
        searchers=tuple(args.searchers.split(",")),
        seeds=args.seeds,
        budget=args.budget,
        params={"tpe": {"engine": args.tpe_engine}},
    )
    runs = len(cfg.searchers) * cfg.seeds
    print(
        f"study: {args.searchers} x {args.seeds} seeds x {args.budget} queries ({runs} runs), "
        f"TPE engine {args.tpe_engine}, pool {args.pool}"
    )
    # The parent's one-off imports (the summary's statistics, the plotting) are paid here, untimed:
    # otherwise the first configuration timed carries them and the speed-up is skewed.
    timed(StudyConfig(searchers=("rs", "re"), seeds=2, budget=10), "local", 1, "never")
    results = {}
    plan = [("local", 1), ("local", 2)] + ([("ray", 2)] if args.ray else [])
    for executor, workers in plan:
        times = [timed(cfg, executor, workers, args.pool) for _ in range(args.repeats)]
        wall = statistics.median(t[0] for t in times)
        runs_wall = statistics.median(t[1] for t in times)
        started = times[-1][2]
        results[(executor, workers)] = wall, runs_wall
        print(
            f"{executor:6s} workers={workers}: {wall:7.2f} s in all, runs phase {runs_wall:6.2f} s "
            f"(the rest: summary, plots, report, once); {started} worker processes started; "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    (one, one_runs), (two, two_runs) = results[("local", 1)], results[("local", 2)]
    print(
        f"speed-up 1 -> 2 local workers: {one / two:.2f}x in all, {one_runs / two_runs:.2f}x runs"
    )
    if ("ray", 2) in results:
        print(f"ray / local pool (2 workers): {results[('ray', 2)][0] / two:.2f}x")


if __name__ == "__main__":
    main()
