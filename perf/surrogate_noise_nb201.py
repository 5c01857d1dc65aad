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
3. (`--nb101`) The one real seed spread found among the local data: NAS-Bench-Suite-Zero's
   NAS-Bench-101 file spells 48 of its 292 cells several times, each spelling holding ONE
   training run drawn at random from NAS-Bench-101's 3; the 35 cells whose spellings hold 2 or 3
   distinct values give those runs' values. Surrogates are fitted on the other 257 cells
   (`fit_surrogate(exclude=...)`) and their seed= draws compared with the real runs
   (`seed_spread`); small (35 cells, 83 values), but measured, not made up.
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
NB101_PATH = os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "naslib-zc", "zc_nasbench101.json"
)
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
    ap.add_argument("--nb101", action="store_true", help="only part 3 (NB101 seed spread)")
    ap.add_argument("--nb101-path", default=NB101_PATH)
    args = ap.parse_args()
    if args.nb101:
        nb101_seed_spread(args.nb101_path, [int(s) for s in args.seeds.split(",")], args.json)
        return

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


def nb101_seed_spread(path: str, seeds: list[int], json_out: str | None) -> None:
    """Part 3: surrogate seed= draws vs the real NAS-Bench-101 runs behind Suite-Zero's repeated
    spellings of a cell."""
    import collections

    import benchmarks
    import predictors
    from benchmarks.surrogate import fit_surrogate
    from naslab.surrogate_noise import calibration, markdown, seed_spread, surrogate_draws

    bench = benchmarks.load("suite-zero", path=path)
    d, metric = "cifar10", "val_accuracy"
    sp = bench.space
    with open(path) as f:
        raw = json.load(f)
    records = raw["nasbench101"]["cifar10"]
    runs: dict[str, list[float]] = collections.defaultdict(list)
    for key, rec in records.items():
        runs[sp.to_str(sp.parse(key))].append(float(rec["val_accuracy"]))
    # distinct values of a cell's spellings are distinct runs (equal ones: the same run drawn)
    held = sorted(c for c, v in runs.items() if len(set(v)) >= 2)
    vals = np.full((len(held), 3), np.nan)
    for i, c in enumerate(held):
        v = sorted(set(runs[c]))
        vals[i, : len(v)] = v
    n_cells = len(runs)
    print(
        f"suite-zero nb101: {len(records)} keys, {n_cells} cells, {len(held)} with 2-3 distinct "
        f"runs ({int(np.isfinite(vals).sum())} values); median real run std "
        f"{np.median(np.nanstd(vals, axis=1, ddof=1)):.3f} points; training on the other "
        f"{n_cells - len(held)} cells"
    )
    makers = {
        "rf": lambda s: predictors.create("rf", space="nb101", seed=s),
        "ensemble": lambda s: predictors.create("ensemble", space="nb101", base="xgb", seed=s),
        "gp": lambda s: predictors.create("gp", space="nb101", seed=s),
    }
    reports = []
    for name, make in makers.items():
        for seed in seeds:
            s = fit_surrogate(bench, d, metric, make(seed), n_cells - len(held), seed=seed,
                              exclude=held)  # fmt: skip
            mean, std = s.model(metric, d).predict_dist(held)
            draws = surrogate_draws(s, held, metric, d, 3)
            r = {
                "model_class": f"{name} (seed {seed})",
                "metric": metric,
                "dataset": d,
                "n_test": len(held),
                "calibration": calibration(np.nanmean(vals, axis=1), mean, std),
                "seed_spread": seed_spread(vals, mean, std, draws),
                "seed_spread_note": "",
            }
            sps = r["seed_spread"]
            print(
                f"{name:9s} seed {seed}: median std ratio {sps['median_std_ratio']:.2f}, RMS "
                f"ratio {sps['rms_std_ratio']:.2f}, Spearman {sps['spearman_std']:.3f}, cov68 "
                f"{sps['coverage']['68']['value']:.3f} cov95 {sps['coverage']['95']['value']:.3f}"
                f", KS {sps['ks']['statistic']:.3f} (p {sps['ks']['p_value']:.2g}), median diff "
                f"draws/seeds {sps['ks']['median_diff_ratio']:.2f}",
                flush=True,
            )
            reports.append(r)
    print()
    print(markdown(reports))
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"nb101_seed_spread": reports}, f, indent=1)
        print(f"wrote {json_out}")


if __name__ == "__main__":
    main()
