"""Checks behind perf/results/zerocost.md section 3b (issue 13), on real CIFAR-10 and the first
cells of section 3's sample (`--archs 1000 --seed 0`), same weights and batch as
`naslab zerocost score`:

    python perf/check_tenas.py ntk --cells 100 --out ntk100.csv
    python perf/check_tenas.py precision --cells 8

`ntk`: the NTK condition number with and without the BatchNorm weights (one Jacobian per cell,
the kernel with and without the BN columns), and on TE-NAS's own setting (the same cell in a
C=3, N=1 network, a batch of 72), each one's Spearman with 200-epoch test accuracy.
`precision`: proxy values of the same network and batch in float64, float32 contiguous and
float32 channels-last (the scoring path): relative error against float64 and ranking.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
C10 = f"cifar10:{SHARED / 'images' / 'cifar-10-batches-py'}"
PRECISION_PROXIES = [
    "grasp", "plain", "snip", "grad_norm", "fisher", "synflow", "naswot", "jacov", "l2_norm",
]  # fmt: skip


def _setup(n_cells: int, conv_only: bool = False):
    from nas_core import data, spaces
    from zerocost.runner import select_archs

    sp = spaces.get("nb201")
    archs = select_archs(sp, "1000", 0)
    if conv_only:
        archs = [a for a in archs if any(o in (2, 3) for o in a.ops)]
    return sp, archs[:n_cells], data.load(C10)


def _truth(sp) -> dict[int, float]:
    gt = pd.read_csv(SHARED / "nb201-tables" / "nb201_200ep_test_time_zc.csv")
    acc = zip(gt["arch_str"], gt["cifar10_test_acc_200ep"], strict=True)
    return {sp.index(sp.parse(s)): a for s, a in acc}


def ntk(n_cells: int, out: str) -> None:
    from nas_core.metrics import bootstrap_ci, spearman_rho
    from nas_core.networks import build
    from nas_core.networks.seeding import arch_seed, build_seeded
    from zerocost.proxies.ntk import MAX_SAMPLES, condition, ntk_jacobian, ntk_weights

    sp, archs, d = _setup(n_cells)
    x, _ = d.batch(64, 0)
    x = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
    x72 = torch.from_numpy(d.batch(72, 0)[0])
    rows = []
    for a in archs:
        idx, t0 = sp.index(a), time.perf_counter()
        net = build_seeded(a.ops, 10, 0, idx)
        ws = ntk_weights(net)
        j = ntk_jacobian(net, x[:MAX_SAMPLES], ws)
        is_bn = torch.cat([torch.full((w.numel(),), w.dim() == 1) for w in ws])
        jc = j[:, ~is_bn]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(arch_seed(0, idx))
            small = build(a.ops, 10, C=3, N=1)
        j3 = ntk_jacobian(small, x72, ntk_weights(small))
        rows.append(
            {
                "index": idx,
                "ntk_conv_only": condition((jc @ jc.T).numpy()),
                "ntk_with_bn": condition((j @ j.T).numpy()),
                "ntk_tenas_c3n1_b72": condition((j3 @ j3.T).numpy()),
                "seconds": time.perf_counter() - t0,
            }
        )
        pd.DataFrame(rows).to_csv(out, index=False)
    df = pd.DataFrame(rows)
    t = df["index"].map(_truth(sp)).to_numpy(np.float64)
    print(f"{len(df)} cells; median s/cell {df['seconds'].median():.1f}")
    print("\n| variant | n | Spearman(acc, -ntk) (95% CI) | median |\n|---|---|---|---|")
    for c in ("ntk_conv_only", "ntk_with_bn", "ntk_tenas_c3n1_b72"):
        v = df[c].to_numpy(np.float64)
        ok = np.isfinite(v)
        rho, lo, hi = bootstrap_ci(spearman_rho, t[ok], -v[ok], n_resamples=500)
        print(f"| {c} | {ok.sum()} | {rho:+.3f} ({lo:+.3f}, {hi:+.3f}) | {np.median(v[ok]):.2f} |")
    a, b = df["ntk_conv_only"].to_numpy(), df["ntk_with_bn"].to_numpy()
    ok = np.isfinite(a) & np.isfinite(b)
    r = np.abs(b[ok] / a[ok] - 1)
    print(
        f"with vs without BN: Spearman {spearman_rho(a[ok], b[ok]):.4f}, "
        f"|relative difference| median {np.median(r):.2e}, max {r.max():.2e}"
    )


def precision(n_cells: int) -> None:
    from nas_core.metrics import spearman_rho
    from nas_core.networks._modules import conv_weights_to
    from nas_core.networks.seeding import arch_seed, build_seeded
    from zerocost import score_network

    sp, archs, d = _setup(n_cells, conv_only=True)
    x, y = (torch.from_numpy(a) for a in d.batch(64, 0))
    modes = ("f64", "f32", "f32cl")
    vals = {m: {p: [] for p in PRECISION_PROXIES} for m in modes}
    for a in archs:
        idx = sp.index(a)
        for m in modes:
            net, xx = build_seeded(a.ops, 10, 0, idx), x
            if m == "f32cl":
                xx = x.contiguous(memory_format=torch.channels_last)
            else:
                conv_weights_to(net, torch.contiguous_format)
            if m == "f64":
                net, xx = net.double(), x.double()
            r = score_network(net, xx, y, PRECISION_PROXIES, seed=arch_seed(0, idx))
            for p in PRECISION_PROXIES:
                vals[m][p].append(r[p].value if r[p].status == "ok" else np.nan)
    print(
        f"{len(archs)} cells\n\n| proxy | max, f32 contiguous | max, f32 channels-last "
        "| median, contiguous / channels-last | Spearman f64 vs channels-last |\n|---|---|---|---|---|"
    )
    for p in PRECISION_PROXIES:
        v64, c, cl = (np.array(vals[m][p], dtype=np.float64) for m in modes)
        ok = np.isfinite(v64) & np.isfinite(c) & np.isfinite(cl) & (v64 != 0)
        e1, e2 = np.abs(c[ok] / v64[ok] - 1), np.abs(cl[ok] / v64[ok] - 1)
        print(
            f"| {p} | {e1.max():.1e} | {e2.max():.1e} | {np.median(e1):.1e} / "
            f"{np.median(e2):.1e} | {spearman_rho(v64[ok], cl[ok]):.3f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ntk")
    a.add_argument("--cells", type=int, default=100)
    a.add_argument("--out", default="ntk_check.csv")
    b = sub.add_parser("precision")
    b.add_argument("--cells", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.cmd == "ntk":
        ntk(args.cells, args.out)
    else:
        precision(args.cells)


if __name__ == "__main__":
    main()
