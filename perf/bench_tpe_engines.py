"""TPE on its two engines, side by side (issue 3): Rustuna's TPESampler (naslab's default) against
Optuna's, on the comparison study's default task (analognas, cifar10, 300 distinct queries).

Both engines run in this one process, alternating seed by seed, so a drift of the host's speed
hits both alike. For each engine it prints the CPU seconds per run, and the best-found accuracy
(mean and standard error over the seeds) at several budgets; a paired Wilcoxon test (SciPy) per
budget asks whether the two engines find different accuracies on the same seeds. Random search
runs on the same seeds as the floor that both TPEs should beat.

Run: `python perf/bench_tpe_engines.py [--seeds 100] [--budget 300]`.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
from scipy.stats import wilcoxon

from naslab.compare import StudyConfig, execute_run, make_task, resolve

RUNS = {
    "tpe (rustuna)": ("tpe", {"engine": "rustuna"}),
    "tpe (optuna)": ("tpe", {"engine": "optuna"}),
    "rs": ("rs", {}),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=int, default=300)
    args = ap.parse_args()
    cfg, _ = resolve(StudyConfig(searchers=("tpe", "rs"), seeds=args.seeds, budget=args.budget))
    budgets = [q for q in (25, 50, 100, 200, 300) if q <= args.budget]
    best = {name: np.zeros((args.seeds, len(budgets))) for name in RUNS}
    cpu = dict.fromkeys(RUNS, 0.0)
    for searcher, params in RUNS.values():  # warm-up: imports, benchmark tables
        execute_run(replace(make_task(cfg, searcher, 0), params=params))
    for seed in range(args.seeds):
        for name, (searcher, params) in RUNS.items():
            t = time.process_time()
            rec = execute_run(replace(make_task(cfg, searcher, seed), params=params))
            cpu[name] += time.process_time() - t
            if rec["status"] != "ok":
                raise RuntimeError(f"{name} seed {seed}: {rec['error']}")
            curve = rec["columns"]["best_report"]
            best[name][seed] = [curve[min(q, len(curve)) - 1] for q in budgets]
    print(
        f"analognas {cfg.dataset}, search {cfg.metric}, report {cfg.report_metric}: "
        f"{args.seeds} seeds x {args.budget} distinct queries"
    )
    base = cpu["tpe (optuna)"]
    for name in RUNS:
        ratio = base / cpu[name]
        print(f"{name:14s} {cpu[name] / args.seeds * 1e3:8.1f} ms CPU per run ({ratio:5.1f}x)")
    print("\nbest-found report accuracy, mean (standard error) over seeds")
    print(f"{'queries':>8s} " + " ".join(f"{n:>17s}" for n in RUNS) + "   Wilcoxon p (tpe engines)")
    for j, q in enumerate(budgets):
        cells = []
        for name in RUNS:
            v = best[name][:, j]
            cells.append(f"{v.mean():9.3f} ({v.std(ddof=1) / np.sqrt(len(v)):.3f})")
        a, b = best["tpe (rustuna)"][:, j], best["tpe (optuna)"][:, j]
        p = wilcoxon(a, b).pvalue if np.any(a != b) else 1.0
        print(f"{q:8d} " + " ".join(f"{c:>17s}" for c in cells) + f"   {p:.3f}")


if __name__ == "__main__":
    main()
