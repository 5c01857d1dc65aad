"""Shared CLI plumbing: user mistakes become one clear line and a non-zero exit, never a
traceback; `--json` output is printed the same way everywhere; and one grammar for the options
every command shares (the typer `Annotated` types below), so the same thing has the same name and
short flag in every command:

    --bench/-b NAME      registered benchmark (`naslab bench list`)
    --path FILE          its data file (file-backed benchmarks)
    --option KEY=VALUE   a loader option (repeatable; VALUE read as JSON when it parses)
    --study FILE         a study file: its benchmark, and its dataset/metric as defaults
    --dataset/-d NAME    dataset (default: the benchmark's, or the study file's)
    --metric/-m NAME     target metric (default: chosen from the metrics' roles, or the study's)
    --seed INT           random seed
    --workers/-w N       parallel worker processes
    --out/-o PATH        output file or folder
    --json               machine-readable JSON on stdout
    --format/-f FMT      summary table as text, markdown, latex or csv

`-o` is `--out` everywhere; `--option` has no short flag. Help texts avoid square brackets, which
rich renders as markup (and would swallow); say "(default: ...)" instead.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from nas_core.errors import InvalidInputError, NaslabError

if TYPE_CHECKING:
    from nas_core.registry import ComponentInfo
    from naslab.bench_spec import BenchSpec

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
err_console = Console(stderr=True)

#: Exit code for bad input (unknown names, missing files, invalid values).
EXIT_USAGE = 2


def friendly_errors(fn: F) -> F:
    """Turn NaslabError (and a few OS errors a user can fix) into `error: <message>` + exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        shown = warnings.showwarning
        warnings.showwarning = _one_line_warning
        try:
            return fn(*args, **kwargs)
        except NaslabError as e:
            err_console.print(
                f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(EXIT_USAGE) from None
        except (FileNotFoundError, PermissionError, IsADirectoryError) as e:
            err_console.print(
                f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(EXIT_USAGE) from None
        finally:
            warnings.showwarning = shown

    return wrapper  # type: ignore[return-value]


def _one_line_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """A warning during a command (a damaged part set aside, a cache entry rebuilt) is one line
    on stderr, not Python's file:line plus source line."""
    err_console.print(
        f"[yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True
    )


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=_default) + "\n")


# --- the shared grammar -----------------------------------------------------------------------
def bench_option(default: str = "analognas") -> Any:
    """The `--bench/-b` option type of a command whose benchmark defaults to `default` (the
    option's own default is None, so --study can tell it was not given)."""
    return Annotated[
        str | None,
        typer.Option(
            "--bench",
            "-b",
            help=f"Benchmark name (see `naslab bench list`; default: {default}); or give --study.",
            show_default=False,
        ),
    ]


BenchOpt = bench_option("analognas")
PathOpt = Annotated[
    str | None,
    typer.Option("--path", help="Data file of a file-backed benchmark (see `naslab bench list`)."),
]
OptionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        help="Benchmark loader option KEY=VALUE (repeatable; VALUE read as JSON when it parses, "
        "else as a string).",
    ),
]
StudyOpt = Annotated[
    Path | None,
    typer.Option(
        "--study",
        help="Study file (TOML): its benchmark instead of --bench/--path/--option, and its "
        "dataset and metric as defaults.",
    ),
]
DatasetOpt = Annotated[
    str | None,
    typer.Option("--dataset", "-d", help="Dataset (default: the benchmark's, or the study's)."),
]
MetricOpt = Annotated[
    str | None,
    typer.Option(
        "--metric",
        "-m",
        help="Target metric (default: the study's, else the benchmark's objective on the "
        "validation split, else its first objective).",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed.")]
WorkersOpt = Annotated[int, typer.Option("--workers", "-w", help="Parallel worker processes.")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="Summary table format: text, markdown, latex or csv.",
    ),
]


@dataclass(frozen=True)
class BenchChoice:
    """What a command runs on: a benchmark specification plus the dataset/metric defaults a study
    file gives (None where the command's own choice applies)."""

    spec: BenchSpec
    dataset: str | None
    metric: str | None
    study: Path | None = None


def bench_choice(
    bench: str | None,
    path: str | None,
    options: Sequence[str] | None,
    study: Path | None,
    *,
    dataset: str | None = None,
    metric: str | None = None,
    default: str = "analognas",
) -> BenchChoice:
    """`--bench/--path/--option` or `--study` (not both), with the command's --dataset/--metric
    winning over the study file's."""
    from naslab.bench_spec import BenchSpec

    if study is None:
        return BenchChoice(BenchSpec.from_cli(bench or default, path, options), dataset, metric)
    given = [f for f, v in (("--bench", bench), ("--path", path), ("--option", options)) if v]
    if given:
        raise InvalidInputError(
            f"--study {study} names the benchmark; drop {', '.join(given)} (or drop --study)"
        )
    from naslab.study_file import load_study

    sf = load_study(study)  # a path no file can have is its one clear error too
    cfg = sf.config
    study_metric = cfg.metric
    if study_metric is None and cfg.objectives:  # a multi-objective study: its first objective
        study_metric = cfg.objectives[0].lstrip("+-")
    return BenchChoice(
        sf.bench,
        dataset if dataset is not None else cfg.dataset,
        metric if metric is not None else study_metric,
        sf.path,
    )


def check_format(fmt: str) -> str:
    """`--format` value, checked against naslab.tables.FORMATS before any work is done."""
    from naslab.tables import FORMATS

    if fmt not in FORMATS:
        raise InvalidInputError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def print_table(
    head: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, title: str = ""
) -> None:
    """A summary table on stdout in `fmt` (naslab.tables.render_table); the title is a line
    before it in text and markdown, a LaTeX comment in latex, and left out of csv."""
    from naslab.tables import render_table

    rows = [[str(c) for c in r] for r in rows]
    if fmt == "latex":
        text = render_table(head, rows, fmt, caption=title or None)
    else:
        text = render_table(head, rows, fmt)
        if title and fmt == "text":
            text = f"{title}\n{text}"
        elif title and fmt == "markdown":
            text = f"**{title}**\n\n{text}"
    sys.stdout.write(text)


def version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("naslab")
        except PackageNotFoundError:  # run from a checkout that was never installed
            v = "unknown (not installed)"
        sys.stdout.write(f"naslab {v}\n")
        raise typer.Exit()


# --- list commands ----------------------------------------------------------------------------
#: Shared arguments of every `list` command.
PatternArg = Annotated[str, typer.Argument(help="Glob pattern of names to list (e.g. 'g*').")]
LongOpt = Annotated[
    bool,
    typer.Option("--long", "-l", help="One table per entry: each parameter's type, range, text."),
]
ListJsonOpt = JsonOpt


def show_components(
    infos: Sequence[ComponentInfo],
    *,
    as_json: bool,
    long: bool = False,
    title: str = "",
    columns: dict[str, Callable[[ComponentInfo], str]] | None = None,
    params_label: str = "parameters (default)",
) -> None:
    """Print registry entries (nas_core.registry.ComponentInfo) the same way in every `list`
    command: JSON (`info.to_dict()` per entry), a table with each parameter's default, or with
    `long` one table per entry with types, valid values and descriptions."""
    if as_json:
        print_json([i.to_dict() for i in infos])
        return
    from rich.table import Table

    columns = columns or {}
    if not long:
        t = Table(title=title or None, title_justify="left")
        t.add_column("name", style="bold", no_wrap=True)
        for c in columns:
            t.add_column(c, no_wrap=True)
        t.add_column("summary", overflow="fold", ratio=2)
        t.add_column(params_label, overflow="fold", ratio=3)
        for i in infos:
            params = ", ".join(
                p.name if p.required else f"{p.name}={_show(p.default)}" for p in i.params.values()
            )
            extra = ", **options" if i.accepts_extra else ""
            t.add_row(
                escape(i.name),
                *(escape(f(i)) for f in columns.values()),
                escape(i.summary),
                escape(params + extra or "-"),
            )
        console.print(t)
        return
    for i in infos:
        head = ", ".join(f"{k}: {f(i)}" for k, f in columns.items())
        t = Table(
            title=escape(f"{i.name}: {i.summary}" + (f" ({head})" if head else "")),
            title_justify="left",
            title_style="bold",
        )
        for c in ("parameter", "default", "valid", "description"):
            t.add_column(c, overflow="fold", no_wrap=c == "parameter")
        for p in i.params.values():
            default = "(required)" if p.required else _show(p.default)
            t.add_row(escape(p.name), escape(default), escape(p.valid()), escape(p.description))
        console.print(t)


def _show(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v)
