"""Cold/warm load of the file-backed tables and single-query latency of a joined benchmark."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
os.environ["NASLAB_HOME"] = tempfile.mkdtemp(prefix="naslab_perf_tables_")

import benchmarks  # noqa: E402

SOURCES = {
    "suite-zero": ("suite-zero", {"path": DATA / "naslib-zc/zc_nasbench201.json"}),
    "table nb201-latency": (
        "table",
        {"path": DATA / "nb201-latency/nb201_latency_ms_27_devices.csv", "preset": "nb201-latency"},
    ),
    "table nb201-200ep": (
        "table",
        {"path": DATA / "nb201-tables/nb201_200ep_test_time_zc.csv", "preset": "nb201-200ep"},
    ),
    "table nb201-12ep": (
        "table",
        {"path": DATA / "nb201-tables/nb201_12ep_test_valid.csv", "preset": "nb201-12ep"},
    ),
}


def timed(f, repeat=1):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = f()
        out.append(time.perf_counter() - t)
    return statistics.median(out), r


print(
    f"{'source':22s} {'cold (s)':>9s} {'warm (ms)':>10s} {'pandas read (ms)':>17s} {'warm/read':>9s}"
)
loaded = {}
for label, (name, opts) in SOURCES.items():
    cold, _ = timed(lambda: benchmarks.load(name, **opts))
    warm, b = timed(lambda: benchmarks.load(name, **opts), repeat=7)
    p = Path(opts["path"])
    reader = (lambda: pd.read_json(p)) if p.suffix == ".json" else (lambda: pd.read_csv(p))
    base, _ = timed(reader, repeat=3)
    loaded[label] = b
    print(f"{label:22s} {cold:9.3f} {warm * 1e3:10.1f} {base * 1e3:17.1f} {warm / base:9.3f}")

ana = benchmarks.load("analognas")
j = benchmarks.join(
    ana, loaded["table nb201-latency"], loaded["table nb201-200ep"], loaded["table nb201-12ep"]
)
space = ana.space
rng = np.random.default_rng(0)
archs = space.sample(rng, 20000)
plain = {
    a: float(v)
    for a, v in zip(
        space.all_archs(), ana.query(space.all_archs(), "baseline_accuracy"), strict=True
    )
}


def per_call(f, n=len(archs)):
    t = time.perf_counter()
    for a in archs[:n]:
        f(a)
    return (time.perf_counter() - t) / n * 1e6


print()
print(f"single-arch query, mean of {len(archs)} random Arch objects (us per call)")
rows = [
    ("plain dict lookup (baseline)", per_call(lambda a: plain[a])),
    ("analognas.query", per_call(lambda a: ana.query(a, "baseline_accuracy"))),
    ("joined: baseline_accuracy", per_call(lambda a: j.query(a, "baseline_accuracy"))),
    ("joined: latency_pixel3", per_call(lambda a: j.query(a, "latency_pixel3"))),
    ("joined: test_acc epoch=12", per_call(lambda a: j.query(a, "test_acc", "cifar10", epoch=12))),
    ("joined: test_acc (200)", per_call(lambda a: j.query(a, "test_acc", "cifar10"))),
    ("joined: cost", per_call(lambda a: j.cost(a, "cifar10"))),
]
base = rows[0][1]
for label, us in rows:
    print(f"  {label:30s} {us:7.2f} us  ({us / base:5.1f}x dict)")
all_archs = space.all_archs()
all_idx = np.arange(space.size)
t_loop = per_call(lambda a: plain[a]) * 1e-6
for label, batch in (("list of Arch", all_archs), ("int index array", all_idx)):
    t_batch, _ = timed(lambda: j.query(batch, "latency_pixel3"), repeat=5)
    per = t_batch / len(all_archs)
    print(
        f"joined batch query of all 15,625 cells as {label:15s}: {t_batch * 1e3:6.2f} ms "
        f"({per * 1e9:4.0f} ns/arch; {t_loop / per:5.1f}x faster per arch than plain dict lookups)"
    )
