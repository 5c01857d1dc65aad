"""`naslab` command line: one typer app, one sub-app per job, each in its own module.

Sub-apps are imported lazily by name so a missing optional piece never breaks the others, and
start-up stays fast (torch is imported only by commands that need it).
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from naslab._cli_common import version_callback

app = typer.Typer(
    name="naslab",
    help="naslab: compare NAS methods, study ranking correlation, train performance predictors "
    "- on real benchmark data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module, attribute, command name). A module may expose a Typer sub-app or a plain command.
_SUBCOMMANDS = [
    ("naslab.cli_bench", "app", "bench"),
    ("naslab.cli_compare", "compare", "compare"),
    ("naslab.cli_correlate", "app", "correlate"),
    ("naslab.cli_predictor", "app", "predictor"),
    ("naslab.cli_report", "report", "report"),
    ("naslab.cli_searcher", "app", "searcher"),
    ("naslab.cli_space", "app", "space"),
    ("naslab.cli_surrogate", "app", "surrogate"),
    ("naslab.cli_zerocost", "app", "zerocost"),
]

for _module, _attr, _name in _SUBCOMMANDS:
    try:
        _obj = getattr(importlib.import_module(_module), _attr)
    except ModuleNotFoundError as _e:
        if _e.name != _module:
            raise
        continue
    if isinstance(_obj, typer.Typer):
        app.add_typer(_obj, name=_name)
    else:
        app.command(_name)(_obj)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the installed naslab version and exit.",
        ),
    ] = False,
) -> None:
    """naslab: compare NAS methods, study ranking correlation, train performance predictors - on
    real benchmark data."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
