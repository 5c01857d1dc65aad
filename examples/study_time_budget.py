"""Time-budget NAS study on NAS-Bench-201 CIFAR-10: search on the 12-epoch validation accuracy,
report the 200-epoch test accuracy of the incumbent, and charge every query its measured training
time to epoch 12; each run stops when its simulated seconds are spent.

Runs the shipped study file data/studies/time_budget_nb201_12ep_to_200ep.toml (what
`naslab compare --study FILE` runs) and writes summary.tex (LaTeX, booktabs), the figures (PNG and
PDF; best and regret against simulated time and against queries) and report.md. A rerun into the
same folder resumes: finished runs are kept.

Needs the real data beside the project:
    python examples/study_time_budget.py [DATA_DIR] [--out DIR] [--quick] [--workers N]
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
from searchers.loop import cost_epoch, cost_rule

REPO = Path(__file__).resolve().parents[1]
STUDIES = REPO / "data" / "studies"
#: where the shipped study files' relative paths point (../shared/data beside the repository)
SHIPPED_DATA = (REPO.parent / "shared" / "data").resolve()
NAME = "study_time_budget"
FILE = "time_budget_nb201_12ep_to_200ep.toml"
QUICK = {"seeds": 3, "time_budget": 3000.0}  # ~14 queries a run: a smoke test of seconds


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=NAME, description=__doc__.split("\n\n")[0])
    p.add_argument("data", nargs="?", help="the shared data folder (default: see above)")
    p.add_argument("--out", type=Path, help="output folder (default: ./time-budget-study)")
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
    study = with_data(load_study(STUDIES / FILE), data_folder(args.data))
    config = study.config
    if args.quick:
        config = replace(config, **QUICK)
    out = args.out or Path("time-budget-study" + ("-quick" if args.quick else ""))
    bench = study.bench.load()
    d, epoch = config.dataset, cost_epoch(bench, config.metric, config.dataset)
    print(f"== {(STUDIES / FILE).relative_to(REPO)}")
    print(
        f"   {', '.join(config.searchers)} x {config.seeds} seeds, {config.time_budget:g} simulated "
        f"seconds each; search on {config.metric}, report {config.report_metric}"
    )
    print("   " + cost_rule(bench, config.metric, d))
    summary = run_study(config, out, workers=args.workers)
    print_summary(summary)

    # The Python side: every query of every run as a DataFrame (also in trajectories.parquet).
    traj, runs = load_results(out)  # (trajectories, one row per run); or:
    traj = pd.read_parquet(out / "trajectories.parquet")
    print(f"\n{len(runs)} runs, {len(traj)} queries; columns: {', '.join(traj.columns)}")
    per_run = traj.groupby(["searcher", "seed"]).agg(
        queries=("step", "size"),
        cost_per_query=("cost", "mean"),
        sim_time=("sim_time", "max"),
        test_acc=("best_report", "last"),
    )
    head = [
        "searcher",
        "queries",
        "s per query",
        "simulated s used",
        f"final {config.report_metric}",
    ]
    rows = [
        [s, f"{r.queries:.1f}", f"{r.cost_per_query:.0f}", f"{r.sim_time:.0f}", f"{r.test_acc:.2f}"]
        for s, r in per_run.groupby("searcher").mean().reindex(config.searchers).iterrows()
    ]
    print(f"what the {config.time_budget:g} s bought (mean over {config.seeds} seeds):")
    print(render_table(head, rows, "text"), end="")

    # One query, checked against the tables: its cost is the training time to epoch 12 and its
    # report value the 200-epoch test accuracy.
    q = traj[traj.searcher == config.searchers[0]].iloc[0]
    per_epoch = bench.query(q.arch, "train_time_per_epoch", d)
    test_200 = bench.query(q.arch, config.report_metric, d, epoch=200)
    print(
        f"first query of {q.searcher} seed {q.seed}: cost {q.cost:.1f} s = {epoch} x "
        f"{per_epoch:.2f} s/epoch (the 200-epoch schedule: {bench.cost(q.arch, d):.0f} s); "
        f"{config.metric} {q.search:.2f}, {config.report_metric} at 200 epochs {q.report:.2f} "
        f"(table: {test_200:.2f})"
    )


if __name__ == "__main__":
    main()
