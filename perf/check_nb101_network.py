"""NAS-Bench-101 networks against NAS-Bench-Suite-Zero's stored values (issue 15).

    JSON=../shared/data/naslib-zc/zc_nasbench101.json
    python perf/check_nb101_network.py $JSON --archs 0      # counts only
    nice -n 10 python perf/check_nb101_network.py $JSON --archs 500 --batch-size 64 \
        --proxies synflow,params,flops --out nb101_di.csv
    nice -n 10 python perf/check_nb101_network.py $JSON --archs 100 --batch-size 64 \
        --proxies jacov,snip,grad_norm --out nb101_dd.csv

Counts (always, ~1 s): naslab's `count_params`/`count_flops` (NAS-Bench-Suite-Zero convention)
against the file's stored `params` and `flops` (millions) for every key, two ways: built from the
key's own spelling (pruned in place, as NASLib's `ModelSpec` does) and from NAS-Bench-101's own
spelling of the cell (what `nas_core.networks.build(arch)` builds). Prints the largest relative
difference, how many are exact, and how many are off by more than 1%.

Proxies (`--archs N` > 0): naslab's proxies on the network of each key's cell (`build_seeded`,
weights seeded per key as `naslab zerocost score` seeds them, float32 channels-last) and one batch
of real CIFAR-10 training images (`--data`, drawn with `--seed`), against the stored scores: per
proxy, Spearman of ours vs stored per key, and of each with the stored `val_accuracy`. `--archs N`
below the number of keys scores a random subset (drawn with `--subset-seed`, default `--seed`).
`--compare OTHER.csv` adds, per proxy, the Spearman between this run and another run on the same
keys (e.g. `--seed 1 --subset-seed 0` against the seed-0 run: how much of a proxy's ranking is
the initialisation and the batch, a ceiling for agreement with any stored score). Rows are
appended to `--out` as they are scored, and a rerun with the same `--out` resumes
(`--report-only`: the table for the keys already there).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
JSON = SHARED / "naslib-zc" / "zc_nasbench101.json"
C10 = f"cifar10:{SHARED / 'images' / 'cifar-10-batches-py'}"


def _load(path: str) -> dict[str, dict]:
    d = json.loads(Path(path).read_text())
    return d["nasbench101"]["cifar10"] if "nasbench101" in d else d["cifar10"]


def counts(path: str) -> None:
    from nas_core import spaces
    from nas_core.networks import nb101

    sp = spaces.get("nb101")
    zc = _load(path)
    keys = list(zc)
    stored = {
        "params": np.array([zc[k]["params"] * 1e6 for k in keys]),
        "flops": np.array([zc[k]["flops"] * 1e6 for k in keys]),
    }
    t0 = time.perf_counter()
    spelled = [ast.literal_eval(k) for k in keys]
    archs = [sp.parse(t) for t in spelled]
    ours = {
        ("params", "key's spelling"): [nb101.count_params(t) for t in spelled],
        ("flops", "key's spelling"): [nb101.count_flops(t) for t in spelled],
        ("params", "NAS-Bench-101's spelling"): [nb101.count_params(a) for a in archs],
        ("flops", "NAS-Bench-101's spelling"): [nb101.count_flops(a) for a in archs],
    }
    secs = time.perf_counter() - t0
    print(f"{len(keys)} keys ({len(set(archs))} distinct cells) of {path}")
    print("\n| count | built from | max abs rel diff | exact | within 1% | over 1% |")
    print("|---|---|---|---|---|---|")
    for (what, how), v in ours.items():
        v = np.asarray(v, dtype=np.float64)
        ref = stored[what]
        rel = np.abs(v - ref) / ref
        exact = int(np.sum(np.abs(v - ref) < 0.5))
        print(
            f"| {what} | {how} | {rel.max():.4%} | {exact} | {int(np.sum(rel <= 0.01))} "
            f"| {int(np.sum(rel > 0.01))} |"
        )
    # spellings of one cell whose stored values differ (the extra channel's placement)
    by_cell: dict = {}
    for a, k in zip(archs, keys, strict=True):
        by_cell.setdefault(a, []).append(k)
    differ = [a for a, ks in by_cell.items() if len({round(zc[k]["params"] * 1e6) for k in ks}) > 1]
    print(f"\ncells whose spellings in the file have different stored params: {len(differ)}")
    print(f"4 x {len(keys)} closed-form counts in {secs:.2f} s")


def proxies(args: argparse.Namespace) -> None:
    import pandas as pd
    import torch

    from nas_core import data, spaces
    from nas_core.metrics import spearman_rho
    from nas_core.networks.seeding import build_seeded
    from zerocost import score_network

    torch.set_num_threads(args.threads)
    sp = spaces.get("nb101")
    zc = _load(args.json)
    keys = list(zc)
    if args.archs < len(keys):
        sub = args.seed if args.subset_seed is None else args.subset_seed
        pick = np.random.default_rng(sub).choice(len(keys), args.archs, replace=False)
        keys = [keys[i] for i in sorted(pick)]
    names = [p.strip() for p in args.proxies.split(",") if p.strip()]
    out = Path(args.out)
    done = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=["key"])
    seen = set(done["key"])
    d = data.load(args.data)
    xb, yb = d.batch(args.batch_size, args.seed)
    x = torch.from_numpy(xb).contiguous(memory_format=torch.channels_last)
    y = torch.from_numpy(yb)
    print(
        f"{len(keys)} keys, batch {tuple(x.shape)} of {args.data}, proxies {', '.join(names)}, "
        f"torch threads {args.threads}; {len(seen & set(keys))} already in {out}",
        flush=True,
    )
    all_keys = list(zc)
    for i, k in enumerate(keys):
        if k in seen or args.report_only:
            continue
        t0 = time.perf_counter()
        arch = sp.parse(ast.literal_eval(k))
        net = build_seeded(arch, d.num_classes, args.seed, all_keys.index(k), space=sp)
        res = score_network(net, x, y, names)
        row = {"key": k, "seconds": time.perf_counter() - t0}
        for p, r in res.items():
            row[p], row[f"{p}_status"] = r.value, r.status
        pd.DataFrame([row]).to_csv(out, mode="a", header=not out.exists(), index=False)
        print(f"{i + 1}/{len(keys)} {row['seconds']:.1f}s", flush=True)
    df = pd.read_csv(out).drop_duplicates("key").set_index("key")
    df = df.loc[[k for k in keys if k in df.index]]
    val = np.array([zc[k]["val_accuracy"] for k in df.index], dtype=np.float64)
    print(f"\n{len(df)} of {len(zc)} keys scored; batch {args.batch_size}, seed {args.seed}")
    print("| proxy | n | ours vs stored | ours vs val acc | stored vs val acc |")
    print("|---|---|---|---|---|")
    for p in names:
        if p not in df.columns:
            continue
        ours = df[p].to_numpy(np.float64)
        stored = np.array([zc[k].get(p, np.nan) for k in df.index], dtype=np.float64)
        ok = np.isfinite(ours) & np.isfinite(stored) & (stored > -1e7)  # NASLib writes -1e8 for NaN
        r = (
            spearman_rho(stored[ok], ours[ok]),
            spearman_rho(val[ok], ours[ok]),
            spearman_rho(val[ok], stored[ok]),
        )
        print(f"| {p} | {int(ok.sum())} | " + " | ".join(f"{v:+.3f}" for v in r) + " |")
    print(f"seconds per key (all proxies): median {df['seconds'].median():.2f}")
    if args.compare:
        other = pd.read_csv(args.compare).drop_duplicates("key").set_index("key")
        common = [k for k in df.index if k in other.index]
        print(f"\nthis run vs {args.compare} on the same {len(common)} keys (Spearman):")
        for p in names:
            if p in df.columns and p in other.columns:
                a = df.loc[common, p].to_numpy(np.float64)
                b = other.loc[common, p].to_numpy(np.float64)
                ok = np.isfinite(a) & np.isfinite(b)
                print(f"  {p}: {spearman_rho(a[ok], b[ok]):+.3f} (n {int(ok.sum())})")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="?", default=str(JSON), help="zc_nasbench101.json")
    ap.add_argument(
        "--archs", type=int, default=100, help="keys to score (a random subset); 0: counts only"
    )
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--proxies", default="synflow,params,flops,jacov,snip,grad_norm")
    ap.add_argument("--data", default=C10)
    ap.add_argument("--seed", type=int, default=0, help="batch and weights")
    ap.add_argument("--subset-seed", type=int, default=None, help="the key subset (default --seed)")
    ap.add_argument("--compare", default="", help="another run's --out: Spearman per proxy")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="nb101_proxies.csv")
    ap.add_argument(
        "--report-only", action="store_true", help="score nothing; report the keys in --out"
    )
    args = ap.parse_args(argv)
    counts(args.json)
    if args.archs > 0:
        proxies(args)


if __name__ == "__main__":
    main(sys.argv[1:])
