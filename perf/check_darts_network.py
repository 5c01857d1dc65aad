"""The DARTS network against NAS-Bench-Suite-Zero's NB301 file (`zc_nasbench301.json`).

1. params and FLOPs (`nas_core.networks.darts.count_params/count_flops`, defaults: C=32, 8 cells,
   NASLib's cell ops, Suite-Zero's FLOP convention) for EVERY arch of the file vs its stored
   `params`/`flops` (millions, 6 decimals).
2. naslab's proxies on the networks of a random subset of archs (weights seeded per arch as
   `naslab zerocost score` seeds them, one batch of real CIFAR-10 training images) vs the
   file's stored scores: Spearman per proxy, and each one's Spearman with the file's
   `val_accuracy` (the NB301 surrogate's prediction) beside the stored score's. (The file's
   synflow is NASLib's natural log of the sum; Spearman is unchanged by it.)

Usage (from the project root; slow on CPU, run it in the background):
    nice -n 10 python perf/check_darts_network.py [JSON] [N_ARCHS] [BATCH]
        [--images DIR] [--seed S] [--arch-seed S] [--threads T] [--csv OUT]
N_ARCHS 0 scores all archs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from nas_core import spaces
from nas_core.networks import darts as D

PROXIES = ("synflow", "params", "flops", "jacov", "snip", "grad_norm")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="?", default="../shared/data/naslib-zc/zc_nasbench301.json")
    ap.add_argument("n", nargs="?", type=int, default=100, help="archs to score (0: all)")
    ap.add_argument("batch", nargs="?", type=int, default=32, help="images (Suite-Zero used 32)")
    ap.add_argument("--images", default="../shared/data/images/cifar-10-batches-py")
    ap.add_argument("--seed", type=int, default=0, help="weights and image batch")
    ap.add_argument("--arch-seed", type=int, default=0, help="which archs are scored")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--csv", default=None, help="write the per-arch scores here")
    a = ap.parse_args()

    rows = json.loads(Path(a.json).read_text())["cifar10"]
    keys = list(rows)
    sp = spaces.get("darts")

    # 1. counts, every arch
    t0 = time.perf_counter()
    p = np.array([D.count_params(k) for k in keys], dtype=np.float64)
    f = np.array([D.count_flops(k) for k in keys], dtype=np.float64)
    t_count = (time.perf_counter() - t0) / len(keys)
    sp_ = np.array([rows[k]["params"]["score"] for k in keys]) * 1e6
    sf_ = np.array([rows[k]["flops"]["score"] for k in keys]) * 1e6
    for name, ours, stored in (("params", p, sp_), ("flops", f, sf_)):
        rel = np.abs(ours / stored - 1)
        print(
            f"{name}: {len(keys)} archs, equal to the stored value (6 decimals) "
            f"{int(np.sum(np.round(stored) == ours))}, within 1% {int(np.sum(rel <= 0.01))}, "
            f"max relative difference {rel.max():.2e}"
        )
    print(f"count_params + count_flops: {t_count * 1e3:.2f} ms per arch")

    # 2. proxies on a random subset
    import torch

    from nas_core.networks.seeding import arch_seed, build_seeded
    from zerocost import score_network
    from zerocost.scoring import get_batch

    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.arch_seed)
    n = len(keys) if a.n <= 0 else min(a.n, len(keys))
    pick = sorted(rng.choice(len(keys), n, replace=False).tolist())
    x, y, num_classes = get_batch(f"cifar10:{a.images}", a.batch, a.seed)
    out = []
    t_build = t_score = 0.0
    start = time.perf_counter()
    for j, i in enumerate(pick):
        arch = sp.parse(keys[i])
        t0 = time.perf_counter()
        net = build_seeded(arch, num_classes, a.seed, i, space="darts")
        t1 = time.perf_counter()
        res = score_network(net, x, y, PROXIES, seed=arch_seed(a.seed, i), keep_buffers=False)
        t2 = time.perf_counter()
        t_build += t1 - t0
        t_score += t2 - t1
        row = {"key": keys[i], "val_accuracy": rows[keys[i]]["val_accuracy"]}
        for name in PROXIES:
            row[name] = res[name].value
            row[f"stored_{name}"] = rows[keys[i]][name]["score"]
            if res[name].status != "ok":
                print(f"  {keys[i]}: {name} {res[name].status}", file=sys.stderr)
        out.append(row)
        if (j + 1) % 10 == 0 or j + 1 == n:
            el = time.perf_counter() - start
            print(f"  {j + 1}/{n} archs, {el:.0f} s", file=sys.stderr, flush=True)
    df = pd.DataFrame(out)
    if a.csv:
        df.to_csv(a.csv, index=False)
    print(
        f"\nproxies on {n} of {len(keys)} archs (random, arch seed {a.arch_seed}), seed "
        f"{a.seed}, batch {a.batch} real CIFAR-10 training images, {a.threads} torch "
        f"thread(s): build {t_build / n * 1e3:.0f} ms/arch (C=32, 8 cells), scoring "
        f"{t_score / n:.2f} s/arch"
    )
    print(
        f"{'proxy':<10} {'finite':>6} {'rho(naslab, stored)':>20} {'rho(naslab, val)':>17} "
        f"{'rho(stored, val)':>17}"
    )
    for name in PROXIES:
        ok = np.isfinite(df[name]) & np.isfinite(df[f"stored_{name}"])
        ours, stored, val = df[name][ok], df[f"stored_{name}"][ok], df["val_accuracy"][ok]
        print(
            f"{name:<10} {int(ok.sum()):>6} {spearmanr(ours, stored)[0]:>20.4f} "
            f"{spearmanr(ours, val)[0]:>17.4f} {spearmanr(stored, val)[0]:>17.4f}"
        )


if __name__ == "__main__":
    main()
