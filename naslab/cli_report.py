"""`naslab report`: one report over several finished comparison studies of the same benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from naslab._cli_common import (
    FormatOpt,
    JsonOpt,
    check_format,
    err_console,
    friendly_errors,
    print_json,
    print_table,
)


@friendly_errors
def report(
    folders: list[Path] = typer.Argument(
        ..., help="Study folders written by `naslab compare` (same benchmark, dataset, metrics)."
    ),
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for the merged report (never one of the study folders)."
        ),
    ] = ...,  # type: ignore[assignment]
    figure_formats: str = typer.Option(
        "png,pdf", "--figures", help="Figure formats, comma-separated: png, pdf, svg."
    ),
    no_plots: bool = typer.Option(False, "--no-plots", help="Tables and report only."),
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
) -> None:
    """Merge finished `naslab compare` studies into one report (tables, tests, figures).

    Same benchmark, dataset, metrics, objectives, constraints, budgets and isomorphism required.

    The report covers every run of every folder; nothing is written into the study folders.
    """
    from naslab.figures import check_formats
    from naslab.study_report import merge_studies, summary_rows

    check_format(fmt)
    formats = check_formats(figure_formats)
    summary = merge_studies(folders, out, plots=not no_plots, formats=formats)
    if as_json:
        print_json(summary)
        return
    head, rows = summary_rows(summary, compact=True)
    b = summary["benchmark"]
    title = (
        f"{b['name']} / {b['dataset']}: {summary['runs']['ok']} ok runs from {len(folders)} studies"
    )
    print_table(head, rows, fmt, title)
    err_console.print(f"report: {Path(out) / 'report.md'}", highlight=False, soft_wrap=True)
