"""Load time of each NAS-Bench-Suite-Zero file: `benchmarks.load("suite-zero", path=...)` warm
(the columnar cache present) and cold (converted from the JSON) vs. `json.load` of the same file.

Each measurement runs in a fresh Python process with the modules imported before the clock
starts (`json`; `benchmarks` and the modules a suite-zero load uses, so that a checkout run with
PYTHONDONTWRITEBYTECODE does not time compiling them); naslab's time includes building the search
space (tnb101-macro enumerates its 3,256 skeletons, tnb101-micro its 4,096 cells), which a fresh
`naslab` command pays too.
`json.load` gives only the raw dict: no parsing of the keys, no table. Prints medians and ratios,
plus the per-arch cost of a batch query by the file's own key strings on the warm benchmark.

    python perf/bench_suite_zero_load.py [--repeats 5] [--data ../shared/data/naslib-zc]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FILES = (
    "zc_nasbench201.json",
    "zc_nasbench101.json",
    "zc_nasbench301.json",
    "zc_transbench101_micro.json",
    "zc_transbench101_macro.json",
)

JSON = """
import json, sys, time
t = time.perf_counter()
with open(sys.argv[1]) as f:
    json.load(f)
print(time.perf_counter() - t)
"""

NASLAB = """
import sys, time
import benchmarks
from benchmarks import keyed, suite_zero, tnb101
from nas_core.spaces import darts, nb101, nb201, tnb101 as tnb101_space
t = time.perf_counter()
benchmarks.load("suite-zero", path=sys.argv[1])
print(time.perf_counter() - t)
"""

QUERY = """
import json, sys, time
import benchmarks
b = benchmarks.load("suite-zero", path=sys.argv[1])
raw = json.load(open(sys.argv[1]))
raw = raw.get("nasbench101", raw)
task = next(iter(raw))
keys = list(raw[task])
t = time.perf_counter(); b.query(keys, "val_accuracy", task); first = time.perf_counter() - t
t = time.perf_counter(); b.query(keys, "val_accuracy", task); again = time.perf_counter() - t
print(first / len(keys), again / len(keys))
"""


def run(code: str, home: str, path: Path) -> list[float]:
    env = {**os.environ, "NASLAB_HOME": home}
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, check=True
    )
    return [float(x) for x in out.stdout.split()]


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--data", type=Path, default=here.parent / "shared" / "data" / "naslib-zc")
    args = ap.parse_args()
    print(f"repeats: {args.repeats} (medians; each in a fresh process, `import` excluded)")
    head = f"{'file':30} {'MB':>5} {'json.load':>10} {'cold':>9} {'warm':>9} {'json/warm':>9}"
    print(head + "   query by the file's keys, per key (first, again)")
    for name in FILES:
        path = args.data / name
        if not path.exists():
            print(f"{name:30} missing at {path}")
            continue
        js, cold, warm = [], [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as home:
                js.append(run(JSON, home, path)[0])
                cold.append(run(NASLAB, home, path)[0])
                warm.append(run(NASLAB, home, path)[0])
                first, again = run(QUERY, home, path)
        j, c, w = (statistics.median(x) for x in (js, cold, warm))
        mb = path.stat().st_size / 1e6
        print(
            f"{name:30} {mb:5.1f} {j * 1e3:8.1f}ms {c * 1e3:7.1f}ms {w * 1e3:7.1f}ms {j / w:8.1f}x"
            f"   {first * 1e6:7.1f} us, {again * 1e6:6.1f} us"
        )


if __name__ == "__main__":
    main()
