"""`naslab searcher ...`: the registered search strategies and their parameters.

Parameters are set in studies with `naslab compare --param SEARCHER.NAME=VALUE`.
"""

from __future__ import annotations

import typer

from naslab._cli_common import ListJsonOpt, LongOpt, PatternArg, friendly_errors, show_components

app = typer.Typer(help="List search strategies and their parameters.", no_args_is_help=True)


def _objectives(info) -> str:  # noqa: ANN001 - a ComponentInfo
    return "multi" if info.meta.get("multi_objective") else "single"


@app.command("list")
@friendly_errors
def list_cmd(
    pattern: PatternArg = "*", long: LongOpt = False, as_json: ListJsonOpt = False
) -> None:
    """Registered searchers (or those matching a glob PATTERN) with their parameters' defaults;
    --long adds each parameter's valid values and description."""
    import searchers

    show_components(
        [searchers.info(n) for n in searchers.list(pattern)],
        as_json=as_json,
        long=long,
        title="naslab searchers",
        columns={"objectives": _objectives},
    )


@app.command("info")
@friendly_errors
def info_cmd(name: str = typer.Argument(..., help="searcher name (naslab searcher list)"),
             as_json: ListJsonOpt = False) -> None:  # fmt: skip
    """One searcher's parameters: type, default, valid values and description."""
    import searchers

    show_components([searchers.info(name)], as_json=as_json, long=True,
                    columns={"objectives": _objectives})  # fmt: skip
