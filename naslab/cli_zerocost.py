"""`naslab zerocost ...`: score architectures with zero-cost proxies; list the proxies."""

from __future__ import annotations

import typer

from naslab._cli_common import ListJsonOpt, PatternArg, console, friendly_errors, print_json

app = typer.Typer(
    help="Zero-cost proxies: score untrained networks on one minibatch.", no_args_is_help=True
)


@app.command("list")
@friendly_errors
def list_proxies(pattern: PatternArg = "*", json_out: ListJsonOpt = False) -> None:
    """List the registered proxies (or those matching a glob PATTERN) and what each needs.
    Proxies take no parameters: the network, batch and labels are all they see."""
    from rich.table import Table

    import zerocost

    if json_out:
        print_json([zerocost.info(n).to_dict() for n in zerocost.list(pattern)])
        return
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


@app.command("score")
@friendly_errors
def score(
    space: str = typer.Option("nb201", help="Search space (networks exist for nb201)."),
    proxies: str = typer.Option("synflow,naswot", help="Comma-separated proxies, or 'all'."),
    archs: str = typer.Option(
        "100", help="'all', a count N (random, seeded), or a file with one architecture per line."
    ),
    data: str = typer.Option("digits", help="digits | cifar10:PATH | cifar100:PATH | npz:PATH"),
    batch_size: int = typer.Option(64, help="Images in the scoring batch."),
    seed: int = typer.Option(0, help="Seeds the batch, the arch sample and the weights."),
    workers: int = typer.Option(1, help="Parallel worker processes."),
    executor: str = typer.Option("local", help="local | ray"),
    chunk_size: int = typer.Option(8, help="Architectures per unit of work."),
    threads: int = typer.Option(1, help="torch threads per worker (0: torch's default)."),
    out: str = typer.Option("scores.parquet", help="Output Parquet (parts kept beside it)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Score architectures with zero-cost proxies, in parallel, resuming a previous run."""
    from naslab.validate import check_int, check_seed

    check_seed(seed, "--seed")
    check_int(chunk_size, "--chunk-size", 1)
    check_int(batch_size, "--batch-size", 1)
    check_int(workers, "--workers", 1)
    check_int(threads, "--threads", 0)
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from nas_core import spaces
    from nas_core.errors import InvalidInputError, JobFailedError
    from naslab._cli_common import err_console
    from zerocost import parse_names
    from zerocost.runner import check_output, run_scoring, select_archs

    if space != "nb201":
        spaces.get(space)  # unknown name -> suggestion
        raise InvalidInputError(
            f"zero-cost scoring needs networks, which naslab builds for space 'nb201' only; "
            f"got {space!r}"
        )
    sp = spaces.get(space)
    names = parse_names(proxies)
    chosen = select_archs(sp, archs, seed)
    indices = [sp.index(a) for a in chosen]
    from zerocost.scoring import get_batch

    get_batch(data, batch_size, seed)  # bad data or image size: one line, before any progress
    check_output(out)  # a folder, a file naslab did not write, a busy run: the same
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=json_out,
        disable=json_out,
    ) as prog:
        task = prog.add_task("scoring", total=len(chosen))

        def on_progress(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total)

        try:
            table = run_scoring(
                chosen,
                indices,
                names,
                out,
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
            prog.stop()
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
        "archs": len(table),
        "proxies": names,
        "not_ok": int(len(bad)),
        "seconds_per_arch": {n: float(table[f"{n}_seconds"].mean()) for n in names},
    }
    if json_out:
        print_json(summary)
        return
    console.print(f"scored {len(table)} architectures with {', '.join(names)} -> {out}")
    if len(bad):
        console.print(
            f"{len(bad)} with a non-finite or failed proxy (see column 'status'), "
            f"e.g. index {int(bad['index'].iloc[0])}: {bad['status'].iloc[0]}"
        )
