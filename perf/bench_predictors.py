"""Fit + predict time of every predictor at n = 100 and n = 1000 on the analognas data.

    python perf/bench_predictors.py [--sizes 100,1000] [--predictors xgb,gin] [--threads 2]

For each predictor: fit seconds on n random nb201 cells, seconds to predict all 15,625 cells in one
batch, and the Spearman rho of those predictions with the true CIFAR-10 accuracy on the cells not
trained on. A baseline in the same run (ridge regression's fit) is printed as a ratio, since the
machine is shared and absolute times vary. Targets (issue 4): GIN fit at n=1000 well under a
minute; predicting all 15,625 cells under a second for every predictor.

    python perf/bench_predictors.py --xgb-vs-bare [--reps 15]

Side by side, interleaved in one run (issue 13): naslab's `xgb` fit (and fit + predict) against a
bare `xgboost.train` on a DMatrix of the same matrix with the same parameters, and against
XGBoost's scikit-learn wrapper (`XGBRegressor`) alone and as naslab called it before (inside
threadpoolctl's limit), at n = 100 and 1,000; the bare call gets its matrices prebuilt.
Reported: the median of `--reps` wall-clock times per variant and the ratios to the bare call.
Target: naslab within 1.2x of the bare call.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def xgb_vs_bare(sizes: list[int], reps: int) -> None:
    import xgboost as xgb
    from threadpoolctl import threadpool_limits

    import benchmarks
    import predictors

    b = benchmarks.load("analognas")
    space = b.space
    y_all = np.asarray(b.query(np.arange(space.size), "baseline_accuracy"), dtype=float)
    print(f"xgboost {xgb.__version__}; median of {reps} interleaved repetitions, wall clock")
    print(
        f"{'n':>5s} {'variant':28s} {'fit_ms':>8s} {'x bare':>7s} {'fit+predict_ms':>15s} {'x bare':>7s}"
    )
    for n in sizes:
        rng = np.random.default_rng(0)
        tr = rng.choice(space.size, n, replace=False)
        y = y_all[tr]
        test = np.arange(space.size)
        p0 = predictors.create("xgb", seed=0)
        params = p0._xgb_params()
        rounds = p0.n_estimators

        def naslab_fit():
            return predictors.create("xgb", seed=0).fit(tr, y)

        def naslab_pred(m):
            return m.predict(test)

        x, x_test = space.encode(tr, "onehot"), space.encode(test, "onehot")  # bare: prebuilt

        def bare_fit():
            return xgb.train(params, xgb.DMatrix(x, label=y, nthread=1), num_boost_round=rounds)

        def bare_pred(m):
            return m.inplace_predict(x_test)

        def sk_fit():
            return xgb.XGBRegressor(n_estimators=rounds, **params).fit(x, y)

        def sk_pred(m):
            return m.predict(x_test)

        def before_fit():  # naslab before: the wrapper inside Predictor._blas_limit's threadpoolctl
            with threadpool_limits(limits=1):
                return sk_fit()

        def before_pred(m):
            with threadpool_limits(limits=1):
                return sk_pred(m)

        variants = {
            "bare xgboost.train": (bare_fit, bare_pred),
            "naslab xgb": (naslab_fit, naslab_pred),
            "XGBRegressor": (sk_fit, sk_pred),
            "naslab before (wrapper+tpc)": (before_fit, before_pred),
        }
        fit_t: dict[str, list[float]] = {k: [] for k in variants}
        all_t: dict[str, list[float]] = {k: [] for k in variants}
        preds = {}
        for _ in range(reps):
            for name, (fit, pred) in variants.items():
                t0 = time.perf_counter()
                m = fit()
                t1 = time.perf_counter()
                preds[name] = np.asarray(pred(m), dtype=np.float64)
                t2 = time.perf_counter()
                fit_t[name].append(t1 - t0)
                all_t[name].append(t2 - t0)
        bf, ba = np.median(fit_t["bare xgboost.train"]), np.median(all_t["bare xgboost.train"])
        for name in variants:
            f, a = np.median(fit_t[name]), np.median(all_t[name])
            print(f"{n:5d} {name:28s} {f * 1e3:8.1f} {f / bf:7.2f} {a * 1e3:15.1f} {a / ba:7.2f}")
        same = all(np.array_equal(preds["bare xgboost.train"], v) for v in preds.values())
        print(f"{n:5d} predictions of all {space.size} cells identical across variants: {same}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--xgb-vs-bare", action="store_true")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument(
        "--predictors", default="ridge,bayes_ridge,xgb,rf,gp,mlp,lstm,gcn,gin,bananas,ensemble"
    )
    ap.add_argument(
        "--threads", type=int, default=1, help="torch / xgboost / sklearn threads per model"
    )
    args = ap.parse_args()
    if args.xgb_vs_bare:
        xgb_vs_bare([int(s) for s in args.sizes.split(",")], args.reps)
        return

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
