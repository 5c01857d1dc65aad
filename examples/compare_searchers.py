"""Compare three searchers on the embedded AnalogNAS-Bench data from Python (what `naslab compare`
runs): 3 searchers x 3 seeds x 50 queries, written into a temporary folder.

Run: python examples/compare_searchers.py   (see docs/compare.md)
"""

import tempfile

from naslab.compare import StudyConfig, run_study

config = StudyConfig(bench="analognas", searchers=("rs", "re", "ls"), seeds=3, budget=50)
with tempfile.TemporaryDirectory() as out:
    summary = run_study(config, out)  # also writes trajectories, summary.csv, plots, report.md

bench = summary["benchmark"]
print(f"{bench['name']} / {bench['dataset']}: best {bench['optimum_metric']} after 50 queries")
print(f"(optimum {bench['optimum']:.4f}; mean ± std over 3 seeds)")
print(f"{'searcher':9s} {'runs ok':>7s}  {'best@50':>16s}  {'regret':>6s}  {'avg rank':>8s}")
for name, s in summary["searchers"].items():
    best = s["best_at"][max(s["best_at"], key=int)]  # at the full budget
    print(
        f"{name:9s} {s['runs_ok']:7d}  {best['mean']:7.3f} ± {best['std']:.3f}"
        f"  {s['regret_mean']:6.3f}  {s['avg_rank']:8.2f}"
    )
