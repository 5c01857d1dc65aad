"""Fit + predict time of every predictor at n = 100 and n = 1000 on the analognas data.

    python perf/bench_predictors.py [--sizes 100,1000] [--predictors xgb,gin] [--threads 2]

For each predictor: fit seconds on n random nb201 cells, seconds to predict all 15,625 cells in one
batch, and the Spearman rho of those predictions with the true CIFAR-10 accuracy on the cells not
trained on. A baseline in the same run (ridge regression's fit) is printed as a ratio, since the
machine is shared and absolute times vary. Targets (issue 4): GIN fit at n=1000 well under a
minute; predicting all 15,625 cells under a second for every predictor.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument(
        "--predictors", default="ridge,bayes_ridge,xgb,rf,gp,mlp,lstm,gcn,gin,bananas,ensemble"
    )
    ap.add_argument(
        "--threads", type=int, default=1, help="torch / xgboost / sklearn threads per model"
    )
    args = ap.parse_args()

    import torch

    import benchmarks
    import predictors
    from nas_core.metrics import spearman_rho

    torch.set_num_threads(args.threads)
    b = benchmarks.load("analognas")
    space = b.space
    all_idx = np.arange(space.size)
    y = np.asarray(b.query(all_idx, "baseline_accuracy"), dtype=float)
    print(f"cpu cores visible: {os.cpu_count()}, threads per model: {args.threads}")
    print(f"{'predictor':12s} {'n':>5s} {'fit_s':>8s} {'predict_all_s':>14s} {'spearman':>9s}")
    for n in [int(s) for s in args.sizes.split(",")]:
        rng = np.random.default_rng(0)
        tr = rng.choice(space.size, n, replace=False)
        rest = np.setdiff1d(all_idx, tr)
        base = None
        for name in args.predictors.split(","):
            cls = predictors.get_class(name)
            kw = {}
            names = cls._get_param_names()
            if "n_threads" in names:
                kw["n_threads"] = args.threads
            if "n_jobs" in names:
                kw["n_jobs"] = args.threads
            p = predictors.create(name, seed=0, **kw)
            t0 = time.perf_counter()
            p.fit(tr, y[tr])
            t1 = time.perf_counter()
            pred = p.predict(all_idx)
            t2 = time.perf_counter()
            fit_s, pred_s = t1 - t0, t2 - t1
            base = base or fit_s
            rho = spearman_rho(y[rest], pred[rest])
            print(
                f"{name:12s} {n:5d} {fit_s:8.2f} {pred_s:14.3f} {rho:9.3f}"
                f"   (fit = {fit_s / base:6.1f} x ridge)",
                flush=True,
            )


if __name__ == "__main__":
    main()
