"""Hardware-aware NAS study: NSGA-II trades CIFAR-10 accuracy (AnalogNAS-Bench) against measured
Pixel 3 latency (HW-NAS-Bench), then the same study under a latency bound, and how the bound
changed what each searcher found.

Runs the two shipped study files data/studies/hw_nsga2_analognas_pixel3.toml and
hw_nsga2_analognas_pixel3_constrained.toml (what `naslab compare --study FILE` runs), each into a
subfolder of the output folder, and writes per study summary.tex (LaTeX, booktabs), the figures
(PNG and PDF) and report.md. A rerun into the same folder resumes: finished runs are kept.

Needs the real data beside the project:
    python examples/study_hardware_aware.py [DATA_DIR] [--out DIR] [--quick] [--workers N]
(DATA_DIR default: $NASLAB_SHARED_DATA, else ../shared/data relative to the repository). See
docs/compare.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from naslab.bench_spec import BenchPart, BenchSpec
from naslab.compare import load_results, run_study
from naslab.figures import best_curve_label
from naslab.study_file import StudyFile, load_study
from naslab.study_report import summary_rows, table_note
from naslab.tables import render_table
from searchers.constraints import Constraint

REPO = Path(__file__).resolve().parents[1]
STUDIES = REPO / "data" / "studies"
#: where the shipped study files' relative paths point (../shared/data beside the repository)
SHIPPED_DATA = (REPO.parent / "shared" / "data").resolve()
NAME = "study_hardware_aware"
FILES = ("hw_nsga2_analognas_pixel3.toml", "hw_nsga2_analognas_pixel3_constrained.toml")
QUICK = {
    "seeds": 3,
    "budget": 40,
}  # seconds, for a smoke test; the study files hold the real settings


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=NAME, description=__doc__.split("\n\n")[0])
    p.add_argument("data", nargs="?", help="the shared data folder (default: see above)")
    p.add_argument("--out", type=Path, help="output folder (default: ./hardware-aware-study)")
    p.add_argument("--quick", action="store_true", help=f"a smoke test: {QUICK}")
    p.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8))
    return p.parse_args()


def data_folder(arg: str | None) -> Path:
    return Path(arg or os.environ.get("NASLAB_SHARED_DATA") or SHIPPED_DATA).expanduser()


def with_data(study: StudyFile, data: Path) -> StudyFile:
    """The study with its data files read from `data` instead of ../shared/data; exits naming
    every missing file."""
    parts, missing = [], []
    for part in study.bench.parts:
        opts = dict(part.options)
        if "path" in opts:
            opts["path"] = str(data / Path(opts["path"]).relative_to(SHIPPED_DATA))
            if not Path(opts["path"]).is_file():
                missing.append(opts["path"])
        parts.append(BenchPart(part.name, opts))
    if missing:
        sys.exit(
            f"{NAME}: data not found: {', '.join(missing)}. Pass the shared data folder as the "
            "first argument or set NASLAB_SHARED_DATA."
        )
    bench = BenchSpec(tuple(parts))
    return replace(study, bench=bench, config=replace(study.config, bench=bench))


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
    data = data_folder(args.data)
    out = args.out or Path("hardware-aware-study" + ("-quick" if args.quick else ""))
    folders = {}
    for file, label in zip(FILES, ("unconstrained", "constrained"), strict=True):
        study = with_data(load_study(STUDIES / file), data)
        config = study.config
        if args.quick:
            config = replace(config, **QUICK)
        print(f"== {label}: {(STUDIES / file).relative_to(REPO)}")
        print(
            f"   {', '.join(config.searchers)} x {config.seeds} seeds x {config.budget} queries, "
            f"objectives {', '.join(config.objectives)}"
            + (f", constraints {', '.join(config.constraints)}" if config.constraints else "")
        )
        summary = run_study(config, out / label, workers=args.workers)
        print_summary(summary)
        print()
        folders[label] = out / label

    # The Python side: every query of every run as a DataFrame (also in trajectories.parquet).
    free = pd.read_parquet(folders["unconstrained"] / "trajectories.parquet")
    bound_traj, runs = load_results(folders["constrained"])  # (trajectories, one row per run)
    print(f"constrained study: {len(runs)} runs, {len(bound_traj)} queries; columns:")
    print("  " + ", ".join(bound_traj.columns))

    (con,) = (Constraint.parse(t) for t in load_study(STUDIES / FILES[1]).config.constraints)
    acc, lat = "obj:baseline_accuracy", f"obj:{con.metric}"
    free = free.assign(within=free[lat] <= con.bound)
    per_run = free.groupby(["searcher", "seed"]).apply(
        lambda r: pd.Series(
            {
                "best": r[acc].max(),
                "best_within": r.loc[r.within, acc].max(),
                "share_within": r.within.mean(),
            }
        ),
        include_groups=False,
    )
    bound_runs = bound_traj.groupby(["searcher", "seed"]).agg(
        best_bounded=("best_report", "last"), share_feasible=("feasible", "mean")
    )
    table = per_run.groupby("searcher").mean().join(bound_runs.groupby("searcher").mean())
    head = [
        "searcher",
        "best (free)",
        "best within bound (free)",
        "% within bound (free)",
        "best (bound)",
        "% feasible (bound)",
    ]
    rows = [
        [s, *(f"{v:.2f}" for v in r[:2]), f"{100 * r[2]:.0f}", f"{r[3]:.2f}", f"{100 * r[4]:.0f}"]
        for s, r in zip(table.index, table.to_numpy(), strict=True)
    ]
    print(
        f"\nhow the bound {con} changed the search: free = without it, bound = with it; "
        "best accuracy (%) of a run and share of its queries, mean over seeds:"
    )
    print(render_table(head, rows, "text"), end="")
    within = free.loc[free.within, acc].max()
    print(
        f"best accuracy any run evaluated: {free[acc].max():.2f} overall, {within:.2f} within "
        f"{con}; a constrained run's incumbent always satisfies {con} "
        f"(largest incumbent {con.metric}: "
        f"{incumbent_values(bound_traj, f'con:{con.metric}').max():.2f})"
    )


def incumbent_values(traj: pd.DataFrame, column: str) -> pd.Series:
    """`column` of each run's incumbent at every step (the query whose value is best so far)."""
    inc = traj[traj.feasible & (traj.search == traj.best_search)]
    return inc[column]


if __name__ == "__main__":
    main()
