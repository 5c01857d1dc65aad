"""Load time of `benchmarks.load("nbgraph")` (all nine datasets) vs. the package's own loader.

Each measurement runs in a fresh Python process with imports done before the clock starts, so it
times only the load: the package's `nas_bench_graph.light_read(ds)` for the nine datasets (plain
pickle), naslab cold (empty $NASLAB_HOME: the space's canonical table and the columnar store are
both built) and naslab warm (both caches present). Prints medians and the ratios.

    python perf/bench_nbgraph_load.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

PACKAGE = """
import time
from nas_bench_graph import light_read
DS = ['cora', 'citeseer', 'pubmed', 'cs', 'physics', 'photo', 'computers', 'arxiv', 'proteins']
t = time.perf_counter()
tables = {ds: light_read(ds) for ds in DS}
print(time.perf_counter() - t)
"""

NASLAB = """
import time
import benchmarks
import nas_core.spaces
t = time.perf_counter()
b = benchmarks.load("nbgraph")
print(time.perf_counter() - t)
"""

QUERY = """
import time, numpy as np
import benchmarks
from nas_bench_graph import light_read
b = benchmarks.load("nbgraph")
space = b.space
archs = space.all_archs()
b.query(np.arange(len(archs)), "test_perf", "cora")  # page the memory-mapped column in once
t = time.perf_counter(); b.query(archs, "test_perf", "cora"); batch = time.perf_counter() - t
idx = np.arange(len(archs))
t = time.perf_counter(); b.query(idx, "test_perf", "cora"); batch_idx = time.perf_counter() - t
d = light_read("cora"); keys = [space.hash(a) for a in archs]
t = time.perf_counter(); [d[k]["perf"] for k in keys]; loop = time.perf_counter() - t
t = time.perf_counter(); [b.query(a, "test_perf", "cora") for a in archs[:5000]]
single = (time.perf_counter() - t) / 5000
print(batch, batch_idx, loop, single)
"""


def run(code: str, home: str) -> list[float]:
    env = {**os.environ, "NASLAB_HOME": home}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return [float(x) for x in out.stdout.split()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    pkg, cold, warm = [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as home:
            pkg.append(run(PACKAGE, home)[0])
            cold.append(run(NASLAB, home)[0])
            warm.append(run(NASLAB, home)[0])
            batch, batch_idx, loop, single = run(QUERY, home)
    p, c, w = (statistics.median(x) for x in (pkg, cold, warm))
    print(f"repeats: {args.repeats} (medians; each load in a fresh process, imports excluded)")
    print(f"package light_read x 9 datasets : {p * 1e3:8.1f} ms")
    print(f"naslab load('nbgraph') cold      : {c * 1e3:8.1f} ms   ({c / p:.2f}x the package)")
    print(f"naslab load('nbgraph') warm      : {w * 1e3:8.1f} ms   ({p / w:.1f}x faster)")
    n = 26206
    print("query test_perf of all 26,206 archs on cora (last repeat), per arch:")
    print(f"  batch, list of Arch      : {batch / n * 1e6:8.3f} us")
    print(f"  batch, index array       : {batch_idx / n * 1e6:8.3f} us")
    print(f"  package dict, loop       : {loop / n * 1e6:8.3f} us  (keys precomputed)")
    print(f"  naslab single-arch loop  : {single * 1e6:8.3f} us")
    print(f"  dict loop / index batch  : {loop / batch_idx:8.0f}x")


if __name__ == "__main__":
    main()
