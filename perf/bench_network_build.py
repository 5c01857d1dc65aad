"""Network build time per architecture, for every space with a network builder (issue 15).

    nice -n 10 python perf/bench_network_build.py --archs 50

For each space in `nas_core.networks.spaces_with_networks()` (nb201, nb101, darts, ...): `--archs`
random architectures (`space.sample`, seed `--seed`), each built once through
`nas_core.networks.build(arch, 10, space=...)` at the builder's default (paper) size, weights from
a seeded torch RNG, one torch thread. Prints the median, 10th and 90th percentile milliseconds
per build, and the median parameter count (from the network's `count_params` hook) so the times
can be read against the network's size. One untimed build per space comes first (imports, first
allocation).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archs", type=int, default=50, help="architectures per space")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spaces", default="", help="comma-separated; default: every space with one")
    args = ap.parse_args(argv)

    import torch

    from nas_core import spaces
    from nas_core.networks import build, spaces_with_networks

    torch.set_num_threads(1)
    names = [s for s in args.spaces.split(",") if s] or spaces_with_networks()
    print(f"{args.archs} random archs per space, seed {args.seed}, torch threads 1")
    print("\n| space | n | median ms | p10 ms | p90 ms | median params |")
    print("|---|---|---|---|---|---|")
    for name in names:
        sp = spaces.get(name)
        archs = sp.sample(np.random.default_rng(args.seed), args.archs + 1)
        ms, params = [], []
        for i, arch in enumerate(archs):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(i)
                t0 = time.perf_counter()
                net = build(arch, 10, space=sp)
                dt = time.perf_counter() - t0
            if i == 0:
                continue  # warm-up
            ms.append(dt * 1e3)
            count = getattr(net, "count_params", None)
            params.append(count() if callable(count) else sum(p.numel() for p in net.parameters()))
            del net
        q10, q50, q90 = np.percentile(ms, [10, 50, 90])
        print(
            f"| {name} | {len(ms)} | {q50:.1f} | {q10:.1f} | {q90:.1f} "
            f"| {int(np.median(params)):,} |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
