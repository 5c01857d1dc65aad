"""Query the embedded benchmarks: one architecture in several spellings, a whole batch, the optimum.

Run: python examples/query_benchmark.py   (embedded data only; see docs/benchmarks.md)
"""

import numpy as np

import benchmarks

bench = benchmarks.load("analognas")  # AnalogNAS-Bench: all 15,625 NAS-Bench-201 cells, CIFAR-10
space = bench.space
cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
arch = space.parse(cell)
print("arch", arch, "index", space.index(arch))
# the same cell as a string, as the space's index and as NASLib's op-id tuple
for spelling in (cell, space.index(arch), arch.ops):
    print(
        f"baseline_accuracy of {spelling!r:.40}: {bench.query(spelling, 'baseline_accuracy'):.3f}"
    )
print(f"after 30 days of analog drift: {bench.query(arch, 'analog_drift_2592000'):.3f}")

accs = bench.query(np.arange(space.size), "baseline_accuracy")  # a batch: float32 array
print(
    f"all {accs.size} cells: mean {accs.mean():.3f}, optimum {bench.optimum('baseline_accuracy'):.3f}"
)
print("best cell", space.to_str(bench.best_arch("baseline_accuracy")))
print("provenance", bench.metric_info("baseline_accuracy").provenance.kind)

graph = benchmarks.load("nbgraph")  # NAS-Bench-Graph: 26,206 GNN architectures, 9 datasets
gnn = "link=[0,1,2,1] ops=[gcn,gin,fc,cheb]"
for ds in ("cora", "arxiv"):
    print(f"nbgraph {ds}: test_perf {graph.query(gnn, 'test_perf', ds):.4f}")
