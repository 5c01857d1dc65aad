"""Zero-cost proxy performance and real-data checks (numbers go to perf/results/zerocost.md).

    python perf/bench_zerocost.py speed  [--archs 6] [--data cifar10:PATH]
    python perf/bench_zerocost.py build  [--archs 300]
    python perf/bench_zerocost.py alone  [--archs 8] [--rounds 3] [--proxies jacov,snip]
    python perf/bench_zerocost.py reference --scores suitezero_ref.parquet
    python perf/bench_zerocost.py realdata --scores c10.parquet --dataset cifar10

`speed`: seconds per arch per proxy (batch 64, 32x32, one torch thread), a naive loop (rebuild
the network and re-read the data for every proxy) against the shared-pass implementation in the
same run, 1 vs 2 workers on synflow+naswot with the projection to all 15,625 cells, peak memory.
`build`: building networks one after another, fresh modules (`build`) against a `NetworkPool`
that recycles them, alternating in one process, same archs and seeds, checked bit-equal.
`alone`: seconds per arch of each shared-pass proxy scored alone, the passes that compute only
what the requested proxies read against the old ones that computed every part
(`zerocost.context._COMPUTE_ALL`), alternating in one process on the same archs and networks,
values checked bit-equal. naswot alone runs the same pass both ways: its ratio is the noise.
`reference`: Spearman of naslab's synflow/params/flops with NAS-Bench-Suite-Zero's stored scores
(scores written by `naslab zerocost score --archs <suite-zero arch list>`).
`realdata`: Spearman of each proxy with NAS-Bench-201's 200-epoch test accuracy, beside the values
NAS-Bench-Suite-Zero reports (Krishnakumar et al. 2022, Fig. 2; CIFAR-10).
"""

from __future__ import annotations

import argparse
import ast
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from zerocost.scoring import proxy_columns

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
C10 = SHARED / "images" / "cifar-10-batches-py"
PAPER_C10 = {
    "naswot": 0.77,
    "synflow": 0.73,
    "jacov": 0.75,
    "snip": 0.58,
    "grad_norm": 0.58,
    "grasp": 0.51,
    "fisher": 0.50,
    "plain": -0.26,
}
PROXIES = [
    "naswot",
    "synflow",
    "jacov",
    "epe_nas",
    "snip",
    "grad_norm",
    "fisher",
    "plain",
    "grasp",
    "ntk",
    "linear_regions",
    "zen",
    "l2_norm",
    "params",
    "flops",
]


def _peak_mb() -> float:
    """This process's peak RSS (pool workers report theirs in the scores table)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed(n_archs: int, data: str, n_parallel: int) -> None:
    import torch

    from nas_core import data as image_data
    from nas_core import spaces
    from zerocost import score_network
    from zerocost.scoring import build_seeded, get_batch

    torch.set_num_threads(1)
    sp = spaces.get("nb201")
    rng = np.random.default_rng(0)
    archs = [a for a in sp.sample(rng, 4 * n_archs) if a.ops.count(1) < 3][:n_archs]
    x, y, k = get_batch(data, 64, 0)
    print(f"data {data}, batch {tuple(x.shape)}, {n_archs} archs, torch threads 1")

    # 1. seconds per arch per proxy, each proxy alone (its own passes)
    per = {p: [] for p in PROXIES}
    for a in archs:
        net = build_seeded(a.ops, k, 0, sp.index(a))
        for p in PROXIES:
            per[p].append(score_network(net, x, y, [p])[p].seconds)
    print("\n| proxy | s/arch alone (mean) |\n|---|---|")
    for p in PROXIES:
        print(f"| {p} | {np.mean(per[p]):.3f} |")

    # 2. naive vs shared, same archs, same run
    for group in (
        ["synflow", "naswot"],
        [
            "naswot",
            "jacov",
            "epe_nas",
            "snip",
            "grad_norm",
            "fisher",
            "plain",
            "synflow",
            "params",
            "flops",
        ],
    ):
        t0 = time.perf_counter()
        for a in archs:
            for p in group:  # naive: re-read data, rebuild network, one proxy at a time
                d = image_data.load(data)
                xb, yb = d.batch(64, 0)
                net = build_seeded(a.ops, k, 0, sp.index(a))
                score_network(net, torch.from_numpy(xb), torch.from_numpy(yb), [p])
        naive = (time.perf_counter() - t0) / len(archs)
        t0 = time.perf_counter()
        for a in archs:
            net = build_seeded(a.ops, k, 0, sp.index(a))
            score_network(net, x, y, group)
        shared = (time.perf_counter() - t0) / len(archs)
        print(
            f"\n{'+'.join(group)}: naive {naive:.3f} s/arch, shared {shared:.3f} s/arch, "
            f"speed-up {naive / shared:.2f}x"
        )

    parallel(n_parallel, data)


def build_speed(n_archs: int, rounds: int = 5) -> None:
    import torch

    from nas_core import spaces
    from nas_core.networks.pool import NetworkPool
    from zerocost.scoring import build_seeded

    torch.set_num_threads(1)
    sp = spaces.get("nb201")
    archs = sp.sample(np.random.default_rng(0), n_archs)
    pool = NetworkPool(10)
    for a in archs[:20]:  # warm-up; fills the pool with most (cell, edge, op) modules
        build_seeded(a.ops, 10, 0, sp.index(a), pool)
    times: dict[str, list[float]] = {"fresh": [], "pool": []}
    for _ in range(rounds):  # alternate, so both see the same machine state
        for name, p in (("fresh", None), ("pool", pool)):
            t0 = time.perf_counter()
            for a in archs:
                build_seeded(a.ops, 10, 0, sp.index(a), p)
            times[name].append((time.perf_counter() - t0) / n_archs * 1e3)
    same = all(
        all(
            torch.equal(u, v)
            for u, v in zip(
                build_seeded(a.ops, 10, 0, sp.index(a)).state_dict().values(),
                build_seeded(a.ops, 10, 0, sp.index(a), pool).state_dict().values(),
                strict=True,
            )
        )
        for a in archs[:50]
    )
    fresh, pooled = np.median(times["fresh"]), np.median(times["pool"])
    print(f"{n_archs} random cells, CIFAR-10 network (C=16, N=5), {rounds} alternating rounds")
    print(f"fresh build (nn.Module construction): {fresh:.2f} ms/network (median of rounds)")
    print(f"NetworkPool build (recycled modules):  {pooled:.2f} ms/network")
    print(f"speed-up {fresh / pooled:.2f}x; state dicts bit-equal on 50 cells: {same}")


ALONE = ["naswot", "jacov", "epe_nas", "snip", "grad_norm", "plain", "fisher", "grasp"]


def alone(n_archs: int, data: str, rounds: int, proxies: list[str]) -> None:
    import os

    import torch

    from nas_core import spaces
    from zerocost import context, score_network
    from zerocost.scoring import build_seeded, get_batch

    torch.set_num_threads(1)
    sp = spaces.get("nb201")
    rng = np.random.default_rng(0)
    archs = [a for a in sp.sample(rng, 4 * n_archs) if a.ops.count(1) < 3][:n_archs]
    x, y, k = get_batch(data, 64, 0)
    nets = [build_seeded(a.ops, k, 0, sp.index(a)) for a in archs]
    print(f"data {data}, batch {tuple(x.shape)}, {n_archs} archs, {rounds} alternating rounds")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    times: dict[tuple[str, bool], list[float]] = {}
    same = True
    for r in range(rounds):
        for p in proxies:
            vals = {}
            # alternate, and swap which goes first each round: both see the same machine state
            for old in (True, False) if r % 2 == 0 else (False, True):
                context._COMPUTE_ALL = old
                t0 = time.perf_counter()
                vals[old] = [score_network(n, x, y, [p])[p].value for n in nets]
                times.setdefault((p, old), []).append((time.perf_counter() - t0) / n_archs)
            context._COMPUTE_ALL = False
            same &= np.array_equal(vals[True], vals[False], equal_nan=True)
    print(
        "\n| proxy alone | old passes (every part), s/arch | new passes, s/arch | speed-up |"
        "\n|---|---|---|---|"
    )
    for p in proxies:
        o, n = np.median(times[(p, True)]), np.median(times[(p, False)])
        print(f"| {p} | {o:.3f} | {n:.3f} | {o / n:.2f}x |")
    print(f"\nvalues bit-equal old vs new on every arch and round: {same}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def _cpu() -> float:
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def parallel(n_parallel: int, data: str) -> None:
    """1 vs 2 workers on synflow + naswot: wall time, CPU seconds per arch (self + reaped
    workers), and the projection to all 15,625 cells from both."""
    import os

    from nas_core import spaces
    from zerocost.runner import run_scoring

    sp = spaces.get("nb201")
    par = sp.sample(np.random.default_rng(1), n_parallel)
    idx = [sp.index(a) for a in par]
    print(f"\nload average before: {os.getloadavg()[0]:.1f} (2 cores)")
    walls = {}
    for w in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            c0, t0 = _cpu(), time.perf_counter()
            table = run_scoring(
                par,
                idx,
                ["synflow", "naswot"],
                Path(tmp) / "s.parquet",
                data=data,
                batch_size=64,
                seed=0,
                workers=w,
                chunk_size=4,
            )
            walls[w] = time.perf_counter() - t0
            cpu = _cpu() - c0
            peak = table["worker_peak_rss_mb"].max() if "worker_peak_rss_mb" in table else 0
        per_arch = walls[w] / n_parallel
        cpu_note = (
            f"; CPU {cpu / n_parallel:.3f} s/arch -> "
            f"{cpu / n_parallel * 15625 / 2 / 60:.0f} min on 2 cores if perfectly parallel"
            if w == 1
            else ""  # pool workers are not reaped here, so their CPU time is not visible
        )
        print(
            f"synflow+naswot, {w} worker(s): {n_parallel} archs in {walls[w]:.1f} s wall = "
            f"{per_arch:.3f} s/arch -> 15,625 cells: {per_arch * 15625 / 60:.0f} min{cpu_note}; "
            f"peak RSS of a scoring process {peak:.0f} MB"
        )
    print(
        f"parallel speed-up 2 vs 1 workers (wall): {walls[1] / walls[2]:.2f}x; "
        f"load average after: {os.getloadavg()[0]:.1f}"
    )


def _peak_report() -> None:
    print(f"\npeak RSS: main process {_peak_mb():.0f} MB")


STORED_NAME = {"naswot": "nwot"}  # naslab proxy name -> NAS-Bench-Suite-Zero key


def reference(scores: str) -> None:
    """naslab's scores on NAS-Bench-Suite-Zero's own CIFAR-10 archs vs the file's stored scores:
    per-arch agreement (Spearman ours vs stored) and, on the same archs, each one's Spearman with
    the stored validation accuracy (what Suite-Zero's Fig. 2 uses) and the 200-epoch test
    accuracy. Same archs and same truth on both sides, so a difference is the implementation
    (or the random initialisation and batch), not the sample."""
    from nas_core import spaces
    from nas_core.metrics import spearman_rho

    sp = spaces.get("nb201")
    zc = json.loads((SHARED / "naslib-zc" / "zc_nasbench201.json").read_text())["cifar10"]
    gt = pd.read_csv(SHARED / "nb201-tables" / "nb201_200ep_test_time_zc.csv")
    acc = zip(gt["arch_str"], gt["cifar10_test_acc_200ep"], strict=True)
    test = {sp.index(sp.parse(s)): a for s, a in acc}
    df = pd.read_parquet(scores).set_index("index")
    names = proxy_columns(df.columns)
    keys = {sp.index(sp.parse(ast.literal_eval(k))): k for k in zc}
    common = [i for i in keys if i in df.index]
    print(f"{len(common)} of {len(zc)} NAS-Bench-Suite-Zero CIFAR-10 archs scored")
    val = np.array([zc[keys[i]]["val_accuracy"] for i in common], dtype=np.float64)
    tst = np.array([test[i] for i in common], dtype=np.float64)
    print(
        "\n| proxy | n | ours vs stored (per arch) | ours vs val acc | stored vs val acc "
        "| ours vs test acc | stored vs test acc |\n|---|---|---|---|---|---|---|"
    )
    for p in names:
        key = STORED_NAME.get(p, p)
        if key not in zc[keys[common[0]]]:
            continue
        ours = df.loc[common, p].to_numpy(np.float64)
        stored = np.array([zc[keys[i]][key]["score"] for i in common], dtype=np.float64)
        ok = np.isfinite(ours) & np.isfinite(stored)
        r = [
            spearman_rho(stored[ok], ours[ok]),
            spearman_rho(val[ok], ours[ok]),
            spearman_rho(val[ok], stored[ok]),
            spearman_rho(tst[ok], ours[ok]),
            spearman_rho(tst[ok], stored[ok]),
        ]
        print(f"| {p} | {ok.sum()} | " + " | ".join(f"{v:+.3f}" for v in r) + " |")
    for p in names:
        print(f"{p} seconds/arch (mean): {df[f'{p}_seconds'].mean():.3f}")


def realdata(scores: str, dataset: str, exclude_disconnected: bool) -> None:
    from nas_core import spaces
    from nas_core.metrics import bootstrap_ci, spearman_rho
    from nas_core.networks import is_disconnected

    sp = spaces.get("nb201")
    gt = pd.read_csv(SHARED / "nb201-tables" / "nb201_200ep_test_time_zc.csv")
    col = f"{dataset}_test_acc_200ep"
    truth = {sp.index(sp.parse(s)): a for s, a in zip(gt["arch_str"], gt[col], strict=True)}
    df = pd.read_parquet(scores)
    if exclude_disconnected:
        df = df[[not is_disconnected(tuple(map(int, o.split(",")))) for o in df["ops"]]]
    t = df["index"].map(truth).to_numpy(np.float64)
    names = proxy_columns(df.columns)
    print(
        f"{len(df)} archs, ground truth {col}"
        + (" (disconnected cells excluded)" if exclude_disconnected else "")
    )
    print(
        "\n| proxy | n | Spearman (95% CI) | non-finite as worst (NASLib) | Suite-Zero (CIFAR-10)"
        " | s/arch |\n|---|---|---|---|---|---|"
    )
    for p in names:
        v = df[p].to_numpy(np.float64)
        ok = np.isfinite(v) & np.isfinite(t)
        rho, lo, hi = bootstrap_ci(spearman_rho, t[ok], v[ok], n_resamples=500)
        ref = PAPER_C10.get(p, "")
        # NASLib turns a NaN score into -1e8: those (disconnected) cells rank last
        worst = np.where(np.isfinite(v), v, np.nanmin(np.where(np.isfinite(v), v, np.nan)) - 1)
        rho_w = spearman_rho(t[np.isfinite(t)], worst[np.isfinite(t)])
        print(
            f"| {p} | {ok.sum()} | {rho:+.3f} ({lo:+.3f}, {hi:+.3f}) | {rho_w:+.3f} | {ref} | "
            f"{df[f'{p}_seconds'].mean():.3f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("parallel")
    q.add_argument("--archs", type=int, default=24)
    q.add_argument("--data", default=f"cifar10:{C10}" if C10.is_dir() else "digits")
    s = sub.add_parser("speed")
    s.add_argument("--archs", type=int, default=6)
    s.add_argument("--parallel-archs", type=int, default=24)
    s.add_argument("--data", default=f"cifar10:{C10}" if C10.is_dir() else "digits")
    al = sub.add_parser("alone")
    al.add_argument("--archs", type=int, default=8)
    al.add_argument("--rounds", type=int, default=3)
    al.add_argument("--data", default=f"cifar10:{C10}" if C10.is_dir() else "digits")
    al.add_argument("--proxies", default=",".join(ALONE))
    b = sub.add_parser("build")
    b.add_argument("--archs", type=int, default=300)
    r = sub.add_parser("reference")
    r.add_argument("--scores", required=True)
    d = sub.add_parser("realdata")
    d.add_argument("--scores", required=True)
    d.add_argument("--dataset", default="cifar10")
    d.add_argument("--exclude-disconnected", action="store_true")
    a = ap.parse_args()
    if a.cmd == "speed":
        speed(a.archs, a.data, a.parallel_archs)
        _peak_report()
    elif a.cmd == "parallel":
        parallel(a.archs, a.data)
        _peak_report()
    elif a.cmd == "alone":
        alone(a.archs, a.data, a.rounds, a.proxies.split(","))
    elif a.cmd == "build":
        build_speed(a.archs)
    elif a.cmd == "reference":
        reference(a.scores)
    else:
        realdata(a.scores, a.dataset, a.exclude_disconnected)


if __name__ == "__main__":
    main()
