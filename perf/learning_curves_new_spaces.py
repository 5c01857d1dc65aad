"""Predictor learning curves on the new spaces: rank correlation on held-out archs vs training size.

    nice -n 10 python perf/learning_curves_new_spaces.py [--data ../shared/data/naslib-zc]
        [--predictors xgb,rf,gp,bayes_ridge,mlp,gin,bananas,lstm,ensemble] [--seeds 5]
        [--tnb-seeds 3] [--only nb101|class_scene,normal,...] [--tables-only]
        [--out perf/results/learning_curves_new_spaces]

Two real sources, each through naslab's own benchmark loaders:

- NAS-Bench-101 (`suite-zero`, zc_nasbench101.json, open space `nb101`): the file's 500 keys
  are 292 distinct cells; a cell's `val_accuracy` is the mean over its spellings (each spelling
  one randomly drawn 108-epoch training run). Training sizes 20, 50, 100, 150, 200; each seed
  draws a random training set and tests on ALL the cells not trained on (92..272 cells).
- TransNAS-Bench-101 micro (`tnb101-micro`, all_benchmarks_zen.zip: every one of the 4,096
  cells): tasks class_scene (top-1 %), normal (SSIM) and jigsaw (top-1 %). Training sizes 20, 50,
  100, 200, 400; each seed tests on 1,000 random cells outside its training set.

Per (source, task, predictor, n): Kendall tau and Spearman rho of the predictions with the true
values over `--seeds` seeds (`--tnb-seeds` on TransNAS-Bench-101), mean with a 95% Student's t interval (naslab.stats.t_interval).
Predictors run with their study defaults (NASLib's settings; neural nets 200 epochs), one thread
each. Every fit's result is appended to `<out>.jsonl` as it finishes (a rerun skips what is
there), and the tables are written to `<out>.md` and printed. `--only` restricts the run to some
of the sources ('nb101' or TransNAS task names), e.g. to run them as separate processes whose
logs are concatenated afterwards; `--tables-only` just writes the tables from the log.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NB101_SIZES = (20, 50, 100, 150, 200)
TNB_SIZES = (20, 50, 100, 200, 400)
TNB_TASKS = ("class_scene", "normal", "jigsaw")
TNB_TEST = 1000
DEFAULT_PREDICTORS = "xgb,rf,gp,bayes_ridge,mlp,gin,bananas,lstm,ensemble"
#: Predictor parameters: study defaults, except the ensemble's base (xgb, NASLib settings).
PARAMS = {"ensemble": {"base": "xgb", "n_members": 5}}


def sources(data: Path) -> list[tuple[str, str, list, np.ndarray, tuple[int, ...], int | None]]:
    """(source, task, archs, y, sizes, test size or None for 'all the rest')."""
    import benchmarks

    out = []
    b = benchmarks.load("suite-zero", path=data / "zc_nasbench101.json")
    archs = b.archs("cifar10")
    y = np.asarray(b.query(archs, "val_accuracy", dataset="cifar10"), dtype=float)
    out.append(("nb101 (Suite-Zero, 292 cells)", "cifar10", archs, y, NB101_SIZES, None))
    t = benchmarks.load("tnb101-micro", path=data / "all_benchmarks_zen.zip")
    for task in TNB_TASKS:
        idx = np.asarray(t.arch_indices(task))
        y = np.asarray(t.query(idx, "val_accuracy", dataset=task), dtype=float)
        keep = np.isfinite(y)
        out.append(("tnb101-micro (4,096 cells)", task, idx[keep], y[keep], TNB_SIZES, TNB_TEST))
    return out


def split(n_all: int, n_train: int, n_test: int | None, seed: int):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n_all)
    test = perm[n_train:] if n_test is None else perm[n_train : n_train + n_test]
    return perm[:n_train], test


HEADER = """# Predictor learning curves on the new spaces (issue 15)

`nice -n 10 python perf/learning_curves_new_spaces.py` (then `--tables-only` to rewrite this
file from the log `learning_curves_new_spaces.jsonl`). Held-out Kendall tau per training size;
NB101 tests on every Suite-Zero cell not trained on, TransNAS-Bench-101 micro on 1,000 random
cells outside the training set; predictors at their study defaults, one thread each.

"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "naslib-zc"))
    ap.add_argument("--predictors", default=DEFAULT_PREDICTORS)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--tnb-seeds", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated: nb101 and/or TransNAS tasks")
    ap.add_argument("--tables-only", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "perf" / "results" / "learning_curves_new_spaces"))
    args = ap.parse_args()

    import predictors
    from nas_core.metrics import kendall_tau, spearman_rho

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.with_suffix(".jsonl")
    done = set()
    if log.exists():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            done.add((r["source"], r["task"], r["predictor"], r["n"], r["seed"]))
    names = args.predictors.split(",")
    only = set(filter(None, args.only.split(",")))
    for src, task, archs, y, sizes, n_test in [] if args.tables_only else sources(Path(args.data)):
        space = "nb101" if src.startswith("nb101") else "tnb101-micro"
        if only and (space if space == "nb101" else task) not in only:
            continue
        for n in sizes:
            for seed in range(args.seeds if space == "nb101" else args.tnb_seeds):
                tr, te = split(len(y), n, n_test, seed)
                pick = (
                    (lambda ix: [archs[i] for i in ix]) if space == "nb101" else archs.__getitem__
                )
                for name in names:
                    if (src, task, name, n, seed) in done:
                        continue
                    p = predictors.create(name, space=space, seed=seed, **PARAMS.get(name, {}))
                    t0 = time.process_time()
                    pred = p.fit(pick(tr), y[tr]).predict(pick(te))
                    cpu = time.process_time() - t0
                    row = {
                        "source": src, "task": task, "predictor": name, "n": n, "seed": seed,
                        "n_test": len(te), "kendall_tau": kendall_tau(y[te], pred),
                        "spearman": spearman_rho(y[te], pred), "cpu_s": round(cpu, 2),
                    }  # fmt: skip
                    with log.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)
    table = tables(log, names)
    out.with_suffix(".md").write_text(HEADER + table)
    print(table)


def tables(log: Path, names: list[str]) -> str:
    """One table per (source, task): rows = predictors, columns = training sizes, cells =
    Kendall tau mean [95% t interval] (Spearman mean)."""
    import pandas as pd

    from naslab.stats import t_interval

    df = pd.DataFrame([json.loads(x) for x in log.read_text().splitlines()])
    df = df.drop_duplicates(["source", "task", "predictor", "n", "seed"])  # concatenated logs
    parts = []
    for (src, task), g in df.groupby(["source", "task"], sort=False):
        sizes = sorted(g["n"].unique())
        seeds = g.groupby("n")["seed"].nunique()
        count = (
            f"{seeds.iloc[0]} seeds"
            if seeds.nunique() == 1
            else "seeds per n: " + ", ".join(f"{n}: {k}" for n, k in seeds.items())
        )
        parts.append(
            f"### {src}, {task}: Kendall tau [95% t interval] (Spearman), held-out archs, {count}\n"
        )
        parts.append("| predictor | " + " | ".join(f"n={n}" for n in sizes) + " |")
        parts.append("|---|" + "---|" * len(sizes))
        for name in [x for x in names if x in set(g["predictor"])]:
            cells = []
            for n in sizes:
                s = g[(g["predictor"] == name) & (g["n"] == n)]
                if s.empty:
                    cells.append("")
                    continue
                m, lo, hi = t_interval(s["kendall_tau"])
                rho = s["spearman"].mean()
                cells.append(f"{m:.3f} [{lo:.3f}, {hi:.3f}] ({rho:.3f})")
            parts.append(f"| {name} | " + " | ".join(cells) + " |")
        cpu = g.groupby("predictor")["cpu_s"].mean()
        parts.append(
            "\nmean CPU s per fit+predict: "
            + ", ".join(f"{k} {cpu[k]:.2f}" for k in names if k in cpu)
            + "\n"
        )
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
