"""LightGBM (`lgb`) beside XGBoost (`xgb`) as NAS-Bench-201 predictors, default settings.

    python perf/bench_lgb_vs_xgb.py [--sizes 100,1000,3000] [--seeds 0,1,2] [--models xgb,lgb]
        [--path ../shared/data/nb201-tables/nb201_200ep_test_time_zc.csv]

Sources: `analognas` (its embedded baseline accuracy, 15,625 NAS-Bench-201 cells, shipped with
the package) and, where the file exists, the `nb201-200ep` table's CIFAR-10 200-epoch test
accuracy. For each N and seed: N random cells (`naslab.surrogate_audit.splits`, kind "random")
train both models on the one-hot encoding, every other cell is the test set; printed: Kendall
τ, R², τ within the true top 10%, fit and predict seconds (one thread). Then the mean over seeds.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

DEFAULT_PATH = os.path.join(
    os.path.dirname(__file__),
    "..",
    "..",
    "shared",
    "data",
    "nb201-tables",
    "nb201_200ep_test_time_zc.csv",
)


def sources(path: str) -> list[tuple[str, list, np.ndarray]]:
    import benchmarks

    out = []
    b = benchmarks.load("analognas")
    archs = [b.space.from_index(i) for i in range(b.space.size)]
    out.append(
        (
            "analognas baseline_accuracy",
            archs,
            np.asarray(b.query(archs, "baseline_accuracy"), float),
        )
    )
    if os.path.exists(path):
        t = benchmarks.load("table", path=path, preset="nb201-200ep")
        archs = t.archs("cifar10")
        y = np.asarray(t.query(archs, "test_acc", "cifar10"), dtype=np.float64)
        out.append(("nb201-200ep cifar10 test_acc", archs, y))
    else:
        print(f"skipping nb201-200ep: {path} not found")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,3000")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--models", default="xgb,lgb")
    ap.add_argument("--path", default=DEFAULT_PATH)
    args = ap.parse_args()

    import predictors
    from nas_core.metrics import kendall_tau
    from naslab.surrogate_audit import r2, splits, top_kendall_tau

    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    models = args.models.split(",")
    for label, archs, y in sources(args.path):
        print(f"\n## {label}: {len(archs)} cells")
        print(
            f"{'N':>5s} {'seed':>4s} {'model':>5s} {'tau':>6s} {'R2':>6s} {'top10':>6s} {'fit_s':>6s} {'pred_s':>6s}"
        )
        rows: dict[tuple[int, str], list[tuple[float, ...]]] = {}
        for n in sizes:
            for seed in seeds:
                tr, te = splits(archs, y, "random", train_size=n, seed=seed)
                a_tr, a_te = [archs[i] for i in tr], [archs[i] for i in te]
                for name in models:
                    model = predictors.create(name, encoding="onehot", seed=seed)
                    t0 = time.perf_counter()
                    model.fit(a_tr, y[tr])
                    fit_s = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    pred = model.predict(a_te)
                    pred_s = time.perf_counter() - t0
                    m = (
                        kendall_tau(y[te], pred),
                        r2(y[te], pred),
                        top_kendall_tau(y[te], pred),
                        fit_s,
                        pred_s,
                    )
                    rows.setdefault((n, name), []).append(m)
                    print(
                        f"{n:5d} {seed:4d} {name:>5s} " + " ".join(f"{v:6.3f}" for v in m),
                        flush=True,
                    )
        print(f"\nmean over seeds {seeds}:")
        print(
            f"{'N':>5s} {'model':>5s} {'tau':>6s} {'R2':>6s} {'top10':>6s} {'fit_s':>6s} {'pred_s':>6s}"
        )
        for (n, name), ms in rows.items():
            mean = np.mean(np.asarray(ms), axis=0)
            print(f"{n:5d} {name:>5s} " + " ".join(f"{v:6.3f}" for v in mean))


if __name__ == "__main__":
    main()
