"""`naslab space list`: the registered search spaces."""

from __future__ import annotations

import typer

from naslab._cli_common import ListJsonOpt, LongOpt, PatternArg, friendly_errors, show_components

app = typer.Typer(help="List search spaces.", no_args_is_help=True)


def _size(info) -> str:  # noqa: ANN001 - a ComponentInfo
    size = info.meta["size"]
    return f"{size:,}" if size is not None else "open"


@app.command("list")
@friendly_errors
def list_cmd(
    pattern: PatternArg = "*", long: LongOpt = False, as_json: ListJsonOpt = False
) -> None:
    """Registered search spaces (or those matching a glob PATTERN) and their sizes."""
    from dataclasses import replace

    from nas_core import spaces

    infos = [spaces.info(n) for n in spaces.list(pattern)]
    infos = [replace(i, meta={**i.meta, "size": spaces.get(i.name).size}) for i in infos]
    show_components(
        infos,
        as_json=as_json,
        long=long,
        title="naslab search spaces",
        columns={"archs": _size},
    )
