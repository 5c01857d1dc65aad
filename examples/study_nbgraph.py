"""NAS-Bench-Graph study (Cora): search on validation accuracy, report the test accuracy of the
architecture with the best validation accuracy, as a paper would.

Runs the shipped study file data/studies/nbgraph_valid_to_test.toml (what
`naslab compare --study FILE` runs) and writes summary.tex (LaTeX, booktabs), the figures (PNG and
PDF) and report.md. NAS-Bench-Graph's light tables ship inside naslab, so no data folder is
needed. A rerun into the same folder resumes: finished runs are kept.

    python examples/study_nbgraph.py [--out DIR] [--quick] [--workers N]

See docs/compare.md.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from naslab.compare import load_results, run_study
from naslab.figures import best_curve_label
from naslab.study_file import load_study
from naslab.study_report import summary_rows, table_note
from naslab.tables import render_table

REPO = Path(__file__).resolve().parents[1]
STUDY = REPO / "data" / "studies" / "nbgraph_valid_to_test.toml"
NAME = "study_nbgraph"
QUICK = {"seeds": 3, "budget": 30}  # a smoke test of seconds


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=NAME, description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, help="output folder (default: ./nbgraph-study)")
    p.add_argument("--quick", action="store_true", help=f"a smoke test: {QUICK}")
    p.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8))
    return p.parse_args()


def print_summary(summary: dict) -> None:
    """What `naslab compare` prints: the table at the full budget, then where the files are."""
    b, c = summary["benchmark"], summary["config"]
    what = best_curve_label(c["report_metric"], c["metric"]).replace("\n", " ")
    opt = f"optimum {b['optimum']:.4f}" if b.get("optimum") is not None else "no optimum"
    head, rows = summary_rows(summary, compact=True)
    print(f"{b['name']} / {b['dataset']}: {what} ({opt})")
    print(render_table(head, rows, "text"), end="")
    print(table_note(summary))
    runs = summary["runs"]
    print(f"{runs['ok']} runs ok, {runs['failed']} failed")
    print("LaTeX table:", next(f for f in summary["files"]["tables"] if f.endswith(".tex")))
    print("figures:    ", ", ".join(summary["files"]["plots"]))
    print("report:     ", summary["files"]["report"])


def main() -> None:
    args = parse_args()
    study = load_study(STUDY)
    config = study.config
    if args.quick:
        config = replace(config, **QUICK)
    out = args.out or Path("nbgraph-study" + ("-quick" if args.quick else ""))
    print(f"== {STUDY.relative_to(REPO)}")
    print(
        f"   {', '.join(config.searchers)} x {config.seeds} seeds x {config.budget} queries on "
        f"{config.dataset}; search on {config.metric}, report {config.report_metric}"
    )
    summary = run_study(config, out, workers=args.workers)
    print_summary(summary)

    # The Python side: every query of every run as a DataFrame (also in trajectories.parquet).
    traj, runs = load_results(out)  # (trajectories, one row per run); or:
    traj = pd.read_parquet(out / "trajectories.parquet")
    print(f"\n{len(runs)} runs, {len(traj)} queries; columns: {', '.join(traj.columns)}")
    last = traj.groupby(["searcher", "seed"]).tail(1)
    means = last.groupby("searcher")[["best_search", "best_report"]].mean()
    head = ["searcher", f"best {config.metric}", f"its {config.report_metric}", "gap"]
    rows = [
        [s, f"{r.best_search:.4f}", f"{r.best_report:.4f}", f"{r.best_search - r.best_report:.4f}"]
        for s, r in means.reindex(config.searchers).iterrows()
    ]
    print(f"validation vs test at the full budget (mean over {config.seeds} seeds):")
    print(render_table(head, rows, "text"), end="")

    # What searching on validation can reach at best: the test accuracy of the architectures
    # with the highest validation accuracy of the whole benchmark, against the test optimum.
    bench = study.bench.load()
    archs = bench.archs()
    valid = np.asarray(bench.query(archs, config.metric, config.dataset))
    test = np.asarray(bench.query(archs, config.report_metric, config.dataset))
    top = test[valid == valid.max()]
    print(
        f"the {len(top)} of {len(archs):,} architectures with the best {config.metric} "
        f"({valid.max():.4f}) reach {config.report_metric} {top.min():.4f}..{top.max():.4f}; "
        f"the {config.report_metric} optimum is {test.max():.4f}"
    )


if __name__ == "__main__":
    main()
