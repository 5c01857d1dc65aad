"""What does a comparison study's report cost, and what do its pairwise tests cost against SciPy's
own Wilcoxon (which, for tied samples of up to 13 seeds, evaluates an exact permutation test one
resample at a time)?

    python perf/bench_report.py [--seeds 10] [--repeats 3]

Runs the default study (5 searchers x SEEDS seeds x 300 queries on analognas) once, then times,
side by side in this process: `build_outputs` on that folder (tables, statistics, PNG+PDF
figures, report), and the Holm-corrected pairwise Wilcoxon table of the final best values by
`naslab.stats.holm_wilcoxon` and by scikit-posthocs' `posthoc_wilcoxon(p_adjust="holm")` with
SciPy's default method. Prints the medians, their ratio and the largest difference between the two
p-value tables (the vectorised permutation test is the same exact test, so it should be ~0).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def timed(fn, repeats: int) -> tuple[float, float, object]:
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import scikit_posthocs as sp

    from naslab import stats
    from naslab.compare import StudyConfig, resolve, run_study
    from naslab.study_report import build_outputs, load_results

    out = Path(tempfile.mkdtemp()) / "study"
    cfg = StudyConfig(seeds=args.seeds)
    run_study(cfg, out, workers=1)
    config, bench = resolve(cfg)
    traj, _ = load_results(out)
    final = traj.groupby(["searcher", "seed"]).best_report.last().unstack("searcher")
    ties = int(sum(final[c].duplicated().sum() for c in final.columns))
    print(f"study: {len(final.columns)} searchers x {len(final)} seeds; tied final values: {ties}")

    def ours():
        stats._HOLM_CACHE.clear()
        return stats.holm_wilcoxon(final)

    def scipy_default():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = sp.posthoc_wilcoxon([final[c].to_numpy(float) for c in final], p_adjust="holm")
        return p.fillna(1.0).to_numpy()

    w_new, c_new, p_new = timed(ours, args.repeats)
    w_old, c_old, p_old = timed(scipy_default, args.repeats)
    diff = float(np.nanmax(np.abs(p_new.to_numpy() - p_old)))
    print(f"Holm-Wilcoxon table, naslab.stats : {w_new:.3f} s wall, {c_new:.3f} s CPU")
    print(f"Holm-Wilcoxon table, scipy default: {w_old:.3f} s wall, {c_old:.3f} s CPU")
    print(f"ratio scipy/naslab: {w_old / w_new:.0f}x wall; max |p difference| {diff:.2g}")
    w_rep, c_rep, _ = timed(lambda: build_outputs(out, config, bench), args.repeats)
    print(f"build_outputs (whole report, PNG+PDF): {w_rep:.2f} s wall, {c_rep:.2f} s CPU")


if __name__ == "__main__":
    main()
