import numpy as np

from benchmarks.base import Benchmark, CostInfo, MetricInfo, is_single
from nas_core import spaces
from naslab.compare import StudyConfig, run_study


class Formula(Benchmark):
    """A custom benchmark defined in __main__ (a notebook cell, a script read from stdin)."""

    name = "formula"
    description = "accuracy and latency from a formula of a cell's ops"

    def __init__(self):
        self.space = spaces.get("nb201")

    @property
    def datasets(self):
        return ("toy",)

    def metrics(self, dataset=None):
        return [
            MetricInfo("acc", "formula accuracy", "%", True, "objective", "valid"),
            MetricInfo("latency", "formula latency", "ms", False, "hardware"),
        ]

    def query(self, archs, metric, dataset=None, *, epoch=None, seed=None):
        self.metric_info(metric, dataset)
        items = [archs] if is_single(archs) else list(archs)
        ops = np.array([self.space.parse(a).ops for a in items]).reshape(-1, 6)
        w = (
            np.array([0.0, 1.0, 2.5, 4.0, 0.5])
            if metric == "acc"
            else np.array([0, 0.1, 0.6, 1, 0.3])
        )
        out = w[ops].sum(axis=1) + (0.01 * ops[:, 0] if metric == "acc" else 0)
        return float(out[0]) if is_single(archs) else out

    def cost(self, archs, dataset=None, *, epoch=None):
        return 1.0 if is_single(archs) else np.ones(len(list(archs)))

    def cost_info(self, dataset=None, *, epoch=None):
        return CostInfo("unit", "one simulated second per query")


if __name__ == "__main__":
    import json
    import sys

    out = sys.argv[1] if len(sys.argv) > 1 else "out-custom"
    config = StudyConfig(bench=Formula(), searchers=("rs", "re"), seeds=3, budget=20)
    summary = run_study(config, out, workers=2, pool="always")
    print(
        json.dumps({"runs": summary["runs"], "workers": summary["workers_started_this_invocation"]})
    )
