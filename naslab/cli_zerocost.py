"""`naslab zerocost ...`: score architectures with zero-cost proxies; list the proxies.

`score` works on every space with a registered network builder (`nas_core.networks`): nb201,
nb101, darts, ...; `--option KEY=VALUE` sets the builder's size options."""

from __future__ import annotations

from typing import Annotated

import typer

from naslab._cli_common import (
    JsonOpt,
    ListJsonOpt,
    PatternArg,
    WorkersOpt,
    console,
    friendly_errors,
    print_json,
)

app = typer.Typer(
    help="Zero-cost proxies: score untrained networks on one minibatch.", no_args_is_help=True
)


@app.command("list")
@friendly_errors
def list_proxies(pattern: PatternArg = "*", json_out: ListJsonOpt = False) -> None:
    """List the registered proxies (or those matching a glob PATTERN) and what each needs.
    Proxies take no parameters: the network, batch and labels are all they see. A proxy that
    calls a network hook runs only on spaces whose network has it (checked before scoring)."""
    from rich.table import Table

    import zerocost

    if json_out:
        print_json([zerocost.info(n).to_dict() for n in zerocost.list(pattern)])
        return
    from nas_core.networks import spaces_with_networks

    infos = [zerocost.get(n).info() for n in zerocost.list(pattern)]
    t = Table("proxy", "labels", "data-independent", "gradients", "higher is better", "paper")
    for i in infos:
        t.add_row(
            i["name"],
            *(
                "yes" if i[k] else "no"
                for k in ("needs_labels", "data_independent", "needs_grad", "higher_is_better")
            ),
            str(i["citation"]),
        )
    console.print(t)
    hooks = [f"{i['name']} needs {i['needs_hook']}()" for i in infos if i["needs_hook"]]
    if hooks:
        console.print(
            f"Network hooks: {'; '.join(hooks)} (refused on a network without it).",
            highlight=False,
        )
    console.print(
        f"Networks are built for spaces: {', '.join(spaces_with_networks())} "
        "(naslab zerocost score --space NAME).",
        highlight=False,
    )


@app.command("score")
@friendly_errors
def score(
    space: Annotated[
        str,
        typer.Option(
            help="Search space with a network builder (nb201, nb101, darts; `naslab zerocost "
            "list` names them all)."
        ),
    ] = "nb201",
    proxies: Annotated[str, typer.Option(help="Comma-separated proxies, or 'all'.")] = (
        "synflow,naswot"
    ),
    archs: Annotated[
        str,
        typer.Option(
            help="'all' (indexed spaces), a count N (random, seeded), or a file with one "
            "architecture per line in any spelling the space parses."
        ),
    ] = "100",
    data: Annotated[
        str,
        typer.Option(
            help="Images: digits, cifar10:DIR, cifar100:DIR, or npz:FILE with arrays x and y "
            "(other names: npz:FILE?x=KEY&y=KEY, e.g. "
            "npz:cifar10_lossless_6102.npz?x=x_train&y=y_train)."
        ),
    ] = "digits",
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            help="Network size option KEY=VALUE of the space's builder (repeatable; e.g. "
            "nb201: C=16, N=5); a wrong key lists the valid ones.",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Images in the scoring batch.")] = 64,
    seed: Annotated[
        int, typer.Option("--seed", help="Seeds the batch, the arch sample and the weights.")
    ] = 0,
    workers: WorkersOpt = 1,
    executor: Annotated[str, typer.Option(help="local or ray.")] = "local",
    chunk_size: Annotated[int, typer.Option(help="Architectures per unit of work.")] = 8,
    threads: Annotated[
        int, typer.Option(help="torch threads per worker (0: torch's default).")
    ] = 1,
    out: Annotated[
        str, typer.Option("--out", "-o", help="Output Parquet file (parts kept beside it).")
    ] = "scores.parquet",
    json_out: JsonOpt = False,
) -> None:
    """Score architectures with zero-cost proxies, in parallel, resuming a previous run.

    Works on every space naslab builds networks for. Rows are keyed by the canonical
    architecture string (column 'arch'; indexed spaces also by 'index'), so two spellings of one
    architecture are scored once. After the first chunk, a job that will take over a minute
    prints its estimated cost."""
    from naslab.validate import check_int, check_seed

    check_seed(seed, "--seed")
    check_int(chunk_size, "--chunk-size", 1)
    check_int(batch_size, "--batch-size", 1)
    check_int(workers, "--workers", 1)
    check_int(threads, "--threads", 0)
    from rich.markup import escape

    from nas_core import spaces
    from nas_core.errors import JobFailedError
    from naslab._cli_common import err_console
    from naslab.bench_spec import parse_options
    from naslab.progress import RunProgress
    from zerocost import parse_names
    from zerocost.runner import (
        check_hooks,
        check_network,
        check_output,
        network_options,
        score_archs,
        select_archs,
        unique_archs,
    )

    sp = spaces.get(space)  # unknown name -> suggestion
    size = check_network(sp, parse_options(None, option))  # no builder -> the spaces with one
    names = parse_names(proxies)
    given = select_archs(sp, archs, seed)
    chosen = unique_archs(sp, given)  # two spellings of one architecture: scored once
    from zerocost.scoring import get_batch

    get_batch(data, batch_size, seed, sp.name)  # bad data or image size: one line, first
    check_hooks(sp, names, size, chosen[0])  # a proxy this network cannot serve: one line
    check_output(out)  # a folder, a file naslab did not write, a busy run: the same
    prog = RunProgress(
        {"cells": len(chosen)},
        console=err_console,
        workers=workers,
        label="cells",
        enabled=not (json_out and err_console.is_terminal),
    )
    seen = {"done": None}

    def on_progress(done: int, total: int) -> None:
        prog.set_total("cells", total)
        if seen["done"] is None:  # the first call: what an earlier run already scored
            if done:
                prog.skip("cells", done)
        elif done > seen["done"]:
            prog.advance("cells", n=done - seen["done"])
        seen["done"] = done

    with prog:
        try:
            table = score_archs(
                chosen,
                names,
                out,
                space=sp,
                network=size,
                data=data,
                batch_size=batch_size,
                seed=seed,
                workers=workers,
                chunk_size=chunk_size,
                executor=executor,
                on_progress=on_progress,
                threads=threads,
            )
        except (JobFailedError, KeyboardInterrupt) as e:  # finished chunks are saved
            msg = (
                str(e)
                if isinstance(e, JobFailedError)
                else "interrupted: finished scores are saved; rerun the same command to resume"
            )
            err_console.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1 if isinstance(e, JobFailedError) else 130) from None
    bad = table[table["status"] != "ok"] if len(table) else table
    summary = {
        "out": out,
        "space": sp.name,
        "network": {**network_options(sp), **size},
        "archs": len(table),
        "duplicates_merged": len(given) - len(chosen),
        "proxies": names,
        "not_ok": int(len(bad)),
        "seconds_per_arch": {n: float(table[f"{n}_seconds"].mean()) for n in names},
    }
    if json_out:
        print_json(summary)
        return
    net = ", ".join(f"{k}={v}" for k, v in summary["network"].items())
    console.print(
        f"scored {len(table)} {sp.name} architectures ({net}) with {', '.join(names)} -> {out}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if summary["duplicates_merged"]:
        console.print(
            f"{summary['duplicates_merged']} of the {len(given)} architectures given spelled "
            "one already listed: scored once",
            highlight=False,
        )
    if len(bad):
        which = (
            f"index {int(bad['index'].iloc[0])}"
            if "index" in bad.columns
            else f"arch {bad['arch'].iloc[0]}"
        )
        console.print(
            f"{len(bad)} with a non-finite or failed proxy (see column 'status'), "
            f"e.g. {which}: {bad['status'].iloc[0]}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
