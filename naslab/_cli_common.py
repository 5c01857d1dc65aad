"""Shared CLI plumbing: user mistakes become one clear line and a non-zero exit, never a
traceback; `--json` output is printed the same way everywhere."""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from nas_core.errors import NaslabError

if TYPE_CHECKING:
    from nas_core.registry import ComponentInfo

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


# --- list commands ----------------------------------------------------------------------------
#: Shared arguments of every `list` command.
PatternArg = Annotated[str, typer.Argument(help="Glob pattern of names to list (e.g. 'g*').")]
LongOpt = Annotated[
    bool,
    typer.Option("--long", "-l", help="One table per entry: each parameter's type, range, text."),
]
ListJsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


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
