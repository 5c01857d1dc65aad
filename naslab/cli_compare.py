"""`naslab compare`: compare NAS searchers on a benchmark (see naslab.compare for the study)."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import typer

from nas_core.errors import InvalidInputError
from naslab._cli_common import (
    BenchOpt,
    DatasetOpt,
    FormatOpt,
    OptionOpt,
    PathOpt,
    err_console,
    friendly_errors,
    print_json,
)


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


#: `naslab compare` flags that a study file also sets: given explicitly, they override the file.
OVERRIDES = (
    "dataset",
    "searchers",
    "seeds",
    "base_seed",
    "budget",
    "time_budget",
    "metric",
    "report_metric",
    "objectives",
    "constraints",
    "isomorphism",
    "params",
)


def build_config(
    study: Path | None,
    bench: str | None,
    path: str | None,
    options: list[str] | None,
    given: dict[str, Any],
) -> Any:
    """The StudyConfig of a command line: the study file's (if any) with the flags in `given`
    (those the user typed; None = not given) overriding it; `--param` adds to the file's params."""
    from naslab.bench_spec import BenchSpec
    from naslab.compare import StudyConfig

    given = {k: v for k, v in given.items() if v is not None}
    if study is not None:
        from dataclasses import replace

        from naslab.study_file import load_study

        given_bench = [
            f for f, v in (("--bench", bench), ("--path", path), ("--option", options)) if v
        ]
        if given_bench:
            raise InvalidInputError(
                f"--study {study} names the benchmark; drop {', '.join(given_bench)} (or drop "
                "--study; to change the benchmark, edit the file's [[benchmark]] tables)"
            )
        sf = load_study(study)
        config = sf.config
        if "params" in given:
            merged = {s: dict(p) for s, p in config.params.items()}
            for s, p in given.pop("params").items():
                merged.setdefault(s, {}).update(p)
            given["params"] = merged
        return replace(config, **given)
    spec = BenchSpec.from_cli(bench or "analognas", path, options)
    return StudyConfig(bench=spec, **given)


@friendly_errors
def compare(
    study: Path = typer.Option(
        None,
        "--study",
        help="Study file (TOML): benchmark parts and every setting; flags given with it override "
        "the file's values.",
    ),
    bench: BenchOpt = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    dataset: DatasetOpt = None,
    searcher_names: str = typer.Option(
        None,
        "--searchers",
        "-s",
        help="Comma-separated searcher names (default: rs,re,ls,reinforce,tpe).",
    ),
    seeds: int = typer.Option(
        None, "--seeds", "-n", help="Runs per searcher (seeds 0..N-1) (default: 10)."
    ),
    base_seed: int = typer.Option(
        None, "--base-seed", help="Seed the per-run seeds derive from (default: 0)."
    ),
    budget: int = typer.Option(None, "--budget", help="Distinct queries per run (default: 300)."),
    time_budget: float = typer.Option(
        None,
        "--time-budget",
        help="Simulated seconds per run: each query costs the training time to the epoch the "
        "search metric is read at (Benchmark.cost); optional.",
    ),
    metric: str = typer.Option(
        None, "--metric", "-m", help="Metric to search on (default: per benchmark)."
    ),
    report_metric: str = typer.Option(
        None, "--report-metric", help="Metric to report (default: per benchmark, or --metric)."
    ),
    objectives: str = typer.Option(
        None,
        "--objectives",
        help="Comma-separated metrics for multi-objective studies (nsga2); '-NAME' minimise, "
        "'+NAME' maximise, bare: the metric's own direction.",
    ),
    constraint: list[str] = typer.Option(
        [],
        "--constraint",
        "-c",
        help="METRIC<=VALUE or METRIC>=VALUE (repeatable): a violating architecture is charged "
        "as a query but never becomes the incumbent.",
    ),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Searcher parameter SEARCHER.NAME=VALUE (repeatable)."
    ),
    isomorphism: str = typer.Option(
        None,
        "--isomorphism",
        help="per-cell (default): each cell its own measured value, the budget counts cells (what "
        "the benchmarks recorded); merge: isomorphic cells share their representative's value "
        "and count once.",
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Output folder (default: ./compare-<benchmark>-<dataset>)."
    ),
    workers: int = typer.Option(
        None, "--workers", "-w", help="Parallel runs (default: CPU cores, at most 8)."
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
    fmt: FormatOpt = "text",
) -> None:
    """Compare NAS searchers (searchers x seeds) on a benchmark; resumable, parallel, with a report.

    The benchmark is a registered name (--bench, --path, --option, as `naslab bench`) or a study
    file (--study) naming benchmarks to join and every setting. Writes trajectories.parquet,
    summary.csv/json, plots, report.md and the resolved study.toml to --out. Rerunning the same
    command resumes: finished runs are skipped.
    """
    from naslab._cli_common import check_format
    from naslab.compare import check_executor, output_dir, resolve, run_study
    from naslab.progress import RunProgress
    from naslab.study_report import summary_rows

    check_format(fmt)
    config = build_config(
        study,
        bench,
        path,
        option,
        {
            "dataset": dataset,
            "searchers": _split(searcher_names) if searcher_names is not None else None,
            "seeds": seeds,
            "base_seed": base_seed,
            "budget": budget,
            "time_budget": time_budget,
            "metric": metric,
            "report_metric": report_metric,
            "objectives": _split(objectives) if objectives is not None else None,
            "constraints": tuple(constraint) if constraint else None,
            "isomorphism": isomorphism,
            "params": _params(param) if param else None,
        },
    )
    workers = workers or _default_workers()
    check_executor(executor, workers, pool)
    resolved, loaded = resolve(config)
    out = out or Path(f"compare-{loaded.name}-{resolved.dataset}")
    output_dir(out).check(fresh)  # a folder naslab may not use: one line, before the progress bar
    progress = RunProgress(
        dict.fromkeys(resolved.searchers, resolved.seeds),
        console=err_console,
        enabled=not (as_json and err_console.is_terminal),
        workers=workers,
    )
    try:
        with progress:
            summary = run_study(
                config,
                out,
                executor=executor,
                workers=workers,
                address=ray_address,
                fresh=fresh,
                pool=pool,
                progress=progress,
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
    from naslab._cli_common import console, print_table
    from naslab.figures import best_curve_label
    from naslab.study_report import table_note

    head, rows = summary_rows(summary, compact=True)
    b, c = summary["benchmark"], summary["config"]
    what = best_curve_label(c["report_metric"], c["metric"]).replace("\n", " ")
    title = f"{b['name']} / {b['dataset']}: {what} " + (
        f"(optimum {b['optimum']:.4f})" if b.get("optimum") is not None else "(no optimum)"
    )
    if fmt != "text":  # a table for a paper or a script: the table alone
        print_table(head, rows, fmt, title)
        _exit_if_failed(summary, out)
        return
    from rich.markup import escape

    if console.is_terminal:
        from rich.table import Table

        table = Table(title=escape(title), caption=escape(table_note(summary)))
        for h in head:
            table.add_column(escape(h))
        for r in rows:
            table.add_row(*(escape(x) for x in r))
        console.print(table)
    else:  # a pipe or a log: plain text at full width (a rich table would cut numbers to fit)
        print_table(head, rows, "text", title)
        console.print(table_note(summary), highlight=False, soft_wrap=True, markup=False)
    runs = summary["runs"]
    if runs["failed"]:
        console.print(
            f"[yellow]{runs['failed']} run(s) failed[/]; see {escape(str(out / 'runs.csv'))}"
        )
        for r in summary["failed_runs"][:5]:
            console.print(
                f"  {r['searcher']} seed {r['seed']}: {r['error']}", highlight=False, markup=False
            )
    if summary.get("empty_runs_note"):
        console.print(
            f"[yellow]{escape(summary['empty_runs_note'])}[/]", highlight=False, soft_wrap=True
        )
    console.print(
        f"{runs['ok']} runs ok ({summary['runs_run_this_invocation']} run now, "
        f"{summary['wall_s_this_invocation']:.1f} s); report: {out / 'report.md'}",
        highlight=False,
        soft_wrap=True,
        markup=False,
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
