"""Load time of `benchmarks.load("tnb101-micro", path=all_benchmarks_zen.zip)`: warm (columnar cache
present) vs. cold (empty $NASLAB_HOME: the archive is read, checked and converted) vs. reading the
archive with `zipfile` + `json.loads` only (every member parsed, nothing checked or converted).

Each measurement runs in a fresh Python process with its imports done before the clock starts,
so it times only the load. Prints medians and the ratios.

    python perf/bench_tnb101_load.py [--zip PATH] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ZIP = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "naslib-zc" / "all_benchmarks_zen.zip"
)

JSON = """
import json, sys, time, zipfile
t = time.perf_counter()
with zipfile.ZipFile(sys.argv[1]) as z:
    data = [json.loads(z.read(i)) for i in z.infolist() if not i.is_dir()]
print(time.perf_counter() - t)
"""

NASLAB = """
import sys, time
import benchmarks
import nas_core.spaces
t = time.perf_counter()
b = benchmarks.load("tnb101-micro", path=sys.argv[1])
print(time.perf_counter() - t)
"""

QUERY = """
import sys, time
import benchmarks
b = benchmarks.load("tnb101-micro", path=sys.argv[1])
t = time.perf_counter()
col = b.query(b.arch_indices(), "val_accuracy", "jigsaw")
print(time.perf_counter() - t)
"""


def run(code: str, home: str, path: Path) -> float:
    env = {**os.environ, "NASLAB_HOME": home}
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zip", type=Path, default=ZIP)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    json_t, cold, warm, query = [], [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as home:
            json_t.append(run(JSON, home, args.zip))
            cold.append(run(NASLAB, home, args.zip))
            warm.append(run(NASLAB, home, args.zip))
            query.append(run(QUERY, home, args.zip))
    j, c, w, q = (statistics.median(x) for x in (json_t, cold, warm, query))
    print(f"tnb101-micro load, median of {args.repeats} fresh processes ({args.zip.name}):")
    print(f"  zipfile + json.loads of the 35 members : {j * 1e3:8.1f} ms")
    print(f"  naslab cold (read, check, convert)     : {c * 1e3:8.1f} ms")
    print(f"  naslab warm (columnar cache)           : {w * 1e3:8.1f} ms")
    print(f"  json / warm = {j / w:.1f}x, cold / warm = {c / w:.1f}x")
    print(f"  one task's 4,096 values as one array query (warm): {q * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
