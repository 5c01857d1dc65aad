"""Shared CLI plumbing: user mistakes become one clear line and a non-zero exit, never a
traceback; `--json` output is printed the same way everywhere."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from nas_core.errors import NaslabError

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
err_console = Console(stderr=True)

#: Exit code for bad input (unknown names, missing files, invalid values).
EXIT_USAGE = 2


def friendly_errors(fn: F) -> F:
    """Turn NaslabError (and a few OS errors a user can fix) into `error: <message>` + exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
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

    return wrapper  # type: ignore[return-value]


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=_default) + "\n")
