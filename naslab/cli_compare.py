"""`naslab compare`: compare NAS searchers on a benchmark (see naslab.compare for the study)."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import typer

from nas_core.errors import InvalidInputError
from naslab._cli_common import err_console, friendly_errors, print_json


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _params(items: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        searcher, dot, name = key.partition(".")
        if not eq or not dot or not searcher or not name:
            raise InvalidInputError(
                f"--param must look like SEARCHER.NAME=VALUE (e.g. re.population_size=20), "
                f"got {item!r}"
            )
        try:
            parsed: Any = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = value
        out.setdefault(searcher.strip(), {})[name.strip()] = parsed
    return out


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@friendly_errors
def compare(
    bench: str = typer.Option("analognas", "--bench", "-b", help="Benchmark (naslab bench list)."),
    dataset: str = typer.Option(
        None, "--dataset", "-d", help="Dataset [default: the benchmark's]."
    ),
    searcher_names: str = typer.Option(
        "rs,re,ls,reinforce,tpe", "--searchers", "-s", help="Comma-separated searcher names."
    ),
    seeds: int = typer.Option(10, "--seeds", "-n", help="Runs per searcher (seeds 0..N-1)."),
    base_seed: int = typer.Option(0, "--base-seed", help="Seed the per-run seeds derive from."),
    budget: int = typer.Option(300, "--budget", help="Distinct queries per run."),
    time_budget: float = typer.Option(
        None, "--time-budget", help="Simulated seconds per run (Benchmark.cost); optional."
    ),
    metric: str = typer.Option(
        None, "--metric", "-m", help="Metric to search on [default: per benchmark]."
    ),
    report_metric: str = typer.Option(
        None, "--report-metric", help="Metric to report [default: per benchmark, or --metric]."
    ),
    objectives: str = typer.Option(
        None, "--objectives", help="Comma-separated metrics for multi-objective studies (nsga2)."
    ),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Searcher parameter SEARCHER.NAME=VALUE (repeatable)."
    ),
    isomorphism: str = typer.Option(
        "per-cell",
        "--isomorphism",
        help="per-cell: each cell its own measured value, the budget counts cells (what the "
        "benchmarks recorded); merge: isomorphic cells share their representative's value and "
        "count once.",
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Output directory [default: ./compare-<bench>-<dataset>]."
    ),
    workers: int = typer.Option(
        None, "--workers", "-w", help="Parallel runs [default: CPU cores, at most 8]."
    ),
    executor: str = typer.Option("local", "--executor", help="local (process pool) or ray."),
    pool: str = typer.Option(
        "auto",
        "--pool",
        help="auto: start inline, move to the worker pool once the runs show it pays for its "
        "start-up; always: the pool from the start; never: inline (local executor).",
    ),
    ray_address: str = typer.Option(
        None, "--ray-address", help="Ray cluster address (with --executor ray)."
    ),
    fresh: bool = typer.Option(False, "--fresh", help="Discard results already in --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Compare NAS searchers (searchers x seeds) on a benchmark; resumable, parallel, with a report.

    Writes trajectories.parquet, summary.csv/json, plots and report.md to --out. Rerunning the
    same command resumes: finished runs are skipped.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from naslab.compare import (
        StudyConfig,
        check_executor,
        output_dir,
        resolve,
        run_study,
    )
    from naslab.study_report import summary_rows

    config = StudyConfig(
        bench=bench,
        dataset=dataset,
        searchers=_split(searcher_names),
        seeds=seeds,
        base_seed=base_seed,
        budget=budget,
        time_budget=time_budget,
        metric=metric,
        report_metric=report_metric,
        objectives=_split(objectives) if objectives else (),
        isomorphism=isomorphism,
        params=_params(param),
    )
    workers = workers or _default_workers()
    check_executor(executor, workers, pool)
    resolved, _ = resolve(config)
    out = out or Path(f"compare-{resolved.bench}-{resolved.dataset}")
    output_dir(out).check(fresh)  # a folder naslab may not use: one line, before the progress bar
    progress = Progress(
        TextColumn("[bold]runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=as_json,
    )
    task_id = progress.add_task("runs", total=None)

    def on_progress(done: int, total: int) -> None:
        progress.update(task_id, completed=done, total=total)

    try:
        with progress:
            summary = run_study(
                config,
                out,
                executor=executor,
                workers=workers,
                address=ray_address,
                fresh=fresh,
                on_progress=on_progress,
                pool=pool,
            )
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished runs are saved in {out}; rerun the same command to resume"
        )
        raise typer.Exit(130) from None
    if as_json:
        print_json(summary)
        _exit_if_failed(summary, out)
        return
    from rich.table import Table

    from naslab._cli_common import console

    head, rows = summary_rows(summary, compact=True)
    b = summary["benchmark"]
    table = Table(
        title=f"{b['name']} / {b['dataset']}: best {b['optimum_metric']} found "
        + (f"(optimum {b['optimum']:.4f})" if b.get("optimum") is not None else "(no optimum)")
    )
    for h in head:
        table.add_column(h)
    for r in rows:
        table.add_row(*r)
    console.print(table)
    runs = summary["runs"]
    if runs["failed"]:
        console.print(f"[yellow]{runs['failed']} run(s) failed[/]; see {out / 'runs.csv'}")
        for r in summary["failed_runs"][:5]:
            console.print(f"  {r['searcher']} seed {r['seed']}: {r['error']}", highlight=False)
    console.print(
        f"{runs['ok']} runs ok ({summary['runs_run_this_invocation']} run now, "
        f"{summary['wall_s_this_invocation']:.1f} s); report: {out / 'report.md'}",
        highlight=False,
    )
    _exit_if_failed(summary, out)


def _exit_if_failed(summary: dict[str, Any], out: Path) -> None:
    """A study with failed runs exits 1, with one summary line on stderr (after its outputs)."""
    runs = summary["runs"]
    if runs["failed"]:
        first = summary["failed_runs"][0]
        err_console.print(
            f"{runs['failed']} of {runs['total']} runs failed: {first['searcher']} seed "
            f"{first['seed']}: {first['error']} (all in {out / 'runs.csv'}); rerun the same "
            "command to retry them",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
