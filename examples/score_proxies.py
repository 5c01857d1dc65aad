"""Score 20 random NAS-Bench-201 cells with three zero-cost proxies on a real image batch
(scikit-learn's bundled digits: nothing is downloaded), then rank them against the cells' measured
CIFAR-10 accuracy (AnalogNAS-Bench, embedded). `naslab zerocost score` and `naslab correlate
proxies` do the same at scale.

Run: python examples/score_proxies.py   (see docs/zerocost.md and docs/correlation.md)
"""

import tempfile
from pathlib import Path

import numpy as np

import benchmarks
from nas_core.metrics import spearman_rho
from zerocost.runner import run_scoring, select_archs

bench = benchmarks.load("analognas")
archs = select_archs(bench.space, "20", seed=0)  # 20 cells, a seeded random sample
indices = [bench.space.index(a) for a in archs]
with tempfile.TemporaryDirectory() as tmp:
    scores = run_scoring(archs, indices, "synflow,naswot,params", Path(tmp) / "scores.parquet")
acc = bench.query(np.array(indices), "baseline_accuracy")

print(f"{len(scores)} cells scored on digits (batch 64); Spearman rho vs measured accuracy:")
for proxy in ("synflow", "naswot", "params"):
    values = scores.set_index("index").loc[indices, proxy].to_numpy()
    finite = np.isfinite(values)  # a cell cut off from its input scores -inf/NaN: left out
    rho = spearman_rho(acc[finite], values[finite])
    print(f"{proxy:8s} {rho:+.3f}  ({finite.sum()} cells with a finite score)")
