"""Noise calibration of NAS-Bench-201 surrogates, and whether CV tuning of XGBoost pays.

    python perf/surrogate_noise_nb201.py [--n 1000] [--seeds 0,1,2] [--cv 5] [--json OUT]
        [--path ../shared/data/nb201-tables/nb201_200ep_test_time_zc.csv]

Source: the `nb201-200ep` table, CIFAR-10 200-epoch test accuracy (its values are means over
NAS-Bench-201's training seeds; the table holds no per-seed values, so only the calibration of
the predictive distribution against the held-out truths is measured, not the seed spread).
Per training seed: `fit_surrogate` on N random cells, every other cell is the test set.

1. Calibration (`naslab.surrogate_noise.noise_report`) of the models whose `seed=` draws exist:
   rf (NASLib defaults; std over trees), ensemble of 5 bootstrapped xgb (std over members), gp
   (Matern-5/2; predictive std). Each also on the trainable test cells only (accuracy >= 15%):
   the 341 cells whose output is cut off from the input score 10%, errors no normal describes.
2. XGBoost with NASLib's defaults (depth 6, learning rate 0.3, 500 rounds) vs XGBoost tuned by
   `fit_surrogate(tune=..., cv=...)` over max_depth x n_estimators x learning_rate (Kendall tau
   on the folds of the training sample), both scored on the held-out cells with `fit_quality`.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

DEFAULT_PATH = os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "nb201-tables",
    "nb201_200ep_test_time_zc.csv",
)  # fmt: skip
GRID = {"max_depth": [4, 6, 8], "n_estimators": [200, 500], "learning_rate": [0.05, 0.3]}
#: Test accuracy (%) below which a cell did not train (NAS-Bench-201's 341 cells at 10%).
UNTRAINABLE = 15.0
SHOWN = ("r2", "kendall_tau", "sparse_kendall_tau", "top10_kendall_tau")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument("--models", default="rf,ensemble,gp")
    ap.add_argument("--skip-tuning", action="store_true")
    ap.add_argument("--json", default=None, help="write every report here")
    ap.add_argument("--path", default=DEFAULT_PATH)
    args = ap.parse_args()

    import benchmarks
    import predictors
    from benchmarks.surrogate import fit_surrogate
    from naslab.surrogate_audit import fit_quality
    from naslab.surrogate_noise import markdown, noise_report

    bench = benchmarks.load("table", path=args.path, preset="nb201-200ep")
    d, metric = "cifar10", "test_acc"
    archs = bench.archs(d)
    y_all = np.asarray(bench.query(archs, metric, d), dtype=np.float64)
    print(f"nb201-200ep {d} {metric}: {len(archs)} cells; N={args.n}, seeds {args.seeds}")
    seeds = [int(s) for s in args.seeds.split(",")]
    makers = {
        "rf": lambda s: predictors.create("rf", seed=s),
        "ensemble": lambda s: predictors.create("ensemble", base="xgb", seed=s),
        "gp": lambda s: predictors.create("gp", seed=s),
    }
    out: dict = {"n": args.n, "seeds": seeds, "noise": [], "tuning": []}

    # 1. calibration
    reports = []
    for name in args.models.split(","):
        for seed in seeds:
            t0 = time.perf_counter()
            s = fit_surrogate(bench, d, metric, makers[name](seed), args.n, seed=seed)
            fit_s = time.perf_counter() - t0
            r = noise_report(s, bench, metric, d)
            r["model"], r["seed"], r["fit_s"] = name, seed, fit_s
            # again without the cells that do not train (10% accuracy, output cut off from the
            # input): their huge errors are a tail no normal describes
            train = set(s.train_archs)
            live = [a for a, v in zip(archs, y_all, strict=True)
                    if v >= UNTRAINABLE and bench.space.to_str(a) not in train]  # fmt: skip
            r_live = noise_report(s, bench, metric, d, archs=live)
            r_live["model"], r_live["seed"], r_live["fit_s"] = f"{name}, trainable", seed, fit_s
            reports.append(r_live)
            c = r["calibration"]
            print(
                f"{name:9s} seed {seed}: cov68 {c['coverage']['68']['value']:.3f} cov95 "
                f"{c['coverage']['95']['value']:.3f} mean|z| {c['mean_abs_z']:.3f} rms z "
                f"{c['rms_z']:.3f} nll {c['nll']:.3f} median std {c['median_std']:.3f} median "
                f"|err| {c['median_abs_error']:.3f} zero-std {c['n_zero_std']} -> "
                f"{c['dispersion']}  (fit {fit_s:.1f} s)",
                flush=True,
            )
            c = r_live["calibration"]
            print(
                f"{'':9s} trainable cells only ({c['n']}): cov68 {c['coverage']['68']['value']:.3f}"
                f" cov95 {c['coverage']['95']['value']:.3f} mean|z| {c['mean_abs_z']:.3f} rms z "
                f"{c['rms_z']:.3f} nll {c['nll']:.3f} -> {c['dispersion']}",
                flush=True,
            )
            reports.insert(len(reports) - 1, r)
    if reports:
        for r in reports:
            r["model_class"] = f"{r['model']} (seed {r['seed']})"
        print()
        print(markdown(reports))
        out["noise"] = reports

    # 2. CV tuning of xgb vs NASLib's defaults
    if not args.skip_tuning:
        rows = []
        for seed in seeds:
            t0 = time.perf_counter()
            default = fit_surrogate(bench, d, metric, predictors.create("xgb", seed=seed), args.n,
                                    seed=seed)  # fmt: skip
            t1 = time.perf_counter()
            tuned = fit_surrogate(
                bench, d, metric, predictors.create("xgb", seed=seed), args.n, seed=seed,
                tune=GRID, cv=args.cv,
            )  # fmt: skip
            t2 = time.perf_counter()
            assert tuned.train_archs == default.train_archs
            train = set(default.train_archs)
            test = [a for a in archs if bench.space.to_str(a) not in train]
            y = np.asarray(bench.query(test, metric, d), dtype=np.float64)
            row = {"seed": seed, "fit_s_default": t1 - t0, "fit_s_tuned": t2 - t1}
            for label, sur in (("default", default), ("tuned", tuned)):
                q = fit_quality(y, sur.query(test, metric, d), resamples=args.resamples, seed=seed)
                row[label] = {m: q[m] for m in SHOWN}
            rec = tuned.source["tuning"][metric]
            row["chosen"], row["cv_score"] = rec["chosen"], rec["chosen_score"]
            row["default_cv_score"] = next(
                c["score"] for c in rec["candidates"]
                if c["params"] == {"learning_rate": 0.3, "max_depth": 6, "n_estimators": 500}
            )  # fmt: skip
            row["candidates"] = rec["candidates"]
            rows.append(row)
            print(
                f"xgb seed {seed}: chosen {rec['chosen']} (CV tau {rec['chosen_score']:.4f}; "
                f"defaults' CV tau {row['default_cv_score']:.4f}); held-out tau default "
                f"{row['default']['kendall_tau']['value']:.4f} vs tuned "
                f"{row['tuned']['kendall_tau']['value']:.4f}; top-10% tau "
                f"{row['default']['top10_kendall_tau']['value']:.4f} vs "
                f"{row['tuned']['top10_kendall_tau']['value']:.4f} (fit {t1 - t0:.1f} s / "
                f"{t2 - t1:.1f} s)",
                flush=True,
            )
        print("\n| seed | chosen (CV) | CV tau chosen / defaults | "
              + " | ".join(f"{m} default / tuned" for m in SHOWN) + " |")  # fmt: skip
        print("|---:|---|---|" + "---|" * len(SHOWN))
        for r in rows:
            cells = " | ".join(
                f"{r['default'][m]['value']:.4f} / {r['tuned'][m]['value']:.4f}" for m in SHOWN
            )
            print(f"| {r['seed']} | {r['chosen']} | {r['cv_score']:.4f} / "
                  f"{r['default_cv_score']:.4f} | {cells} |")  # fmt: skip
        diff = {
            m: float(np.mean([r["tuned"][m]["value"] - r["default"][m]["value"] for r in rows]))
            for m in SHOWN
        }
        print("mean tuned - default over seeds: "
              + ", ".join(f"{m} {v:+.4f}" for m, v in diff.items()))  # fmt: skip
        out["tuning"] = rows
        out["tuning_mean_difference"] = diff
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
