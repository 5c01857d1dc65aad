"""A small ranking-correlation study: fit two predictors on 100 random NAS-Bench-201 cells and
rank 1,000 others against their measured accuracy (AnalogNAS-Bench, embedded), 3 trials each.
`naslab correlate predictors` runs the same kind of study at scale, in parallel and resumable.

Run: python examples/correlate_predictors.py   (see docs/correlation.md)
"""

import numpy as np

import benchmarks
import predictors
from nas_core.metrics import kendall_tau, spearman_rho

bench = benchmarks.load("analognas")
y = bench.query(np.arange(bench.space.size), "baseline_accuracy")  # measured ground truth

print("predictor  trial  Kendall tau  Spearman rho  (train 100, test 1000 cells)")
for name in ("xgb", "rf"):
    rhos = []
    for trial in range(3):
        idx = np.random.default_rng(trial).permutation(bench.space.size)  # same splits for both
        train, test = idx[:100], idx[100:1100]
        model = predictors.create(name, space="nb201", seed=trial).fit(train, y[train])
        pred = model.predict(test)
        tau, rho = kendall_tau(y[test], pred), spearman_rho(y[test], pred)
        rhos.append(rho)
        print(f"{name:9s}  {trial:5d}  {tau:11.3f}  {rho:12.3f}")
    print(f"{name:9s}   mean  {'':11s}  {np.mean(rhos):12.3f}")
