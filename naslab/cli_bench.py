"""`naslab bench`: list, describe, query and export benchmarks from the command line.

Every command is a thin layer over `benchmarks.load(name, **options)`: file-backed benchmarks take
`--path FILE` and any loader-specific keyword as a repeatable `--option KEY=VALUE` (the value is
read as JSON when it parses, e.g. `--option epochs=[12,200]`, else kept as a string, e.g.
`--option preset=nb201-latency`), so a new loader needs no CLI change. The options follow the
grammar every naslab command shares (naslab._cli_common): `--option` has no short flag, `-o` is
`--out`.

Heavy modules (`benchmarks`, pandas, NumPy) are imported inside the commands, so `naslab --help`
stays fast; nothing on this path imports torch.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from naslab._cli_common import (
    JsonOpt,
    LongOpt,
    OptionOpt,
    PathOpt,
    PatternArg,
    console,
    friendly_errors,
    print_json,
    show_components,
)

if TYPE_CHECKING:
    from benchmarks.base import Benchmark

app = typer.Typer(
    help="List, describe, query and export NAS benchmarks.",
    no_args_is_help=True,
    add_completion=False,
)

NameArg = Annotated[str, typer.Argument(help="Benchmark name (see `naslab bench list`).")]


def _parse_options(path: str | None, options: list[str] | None) -> dict[str, Any]:
    from naslab.bench_spec import parse_options

    return parse_options(path, options)


def is_embedded(name: str) -> bool:
    """Whether benchmark `name` ships its data (no `--path` needed)."""
    import benchmarks

    return benchmarks.is_embedded(name)


def _load(name: str, path: str | None, options: list[str] | None, cmd: str) -> Benchmark:
    """`benchmarks.load` with the loader's failures a user can fix turned into naslab errors."""
    from naslab.bench_spec import load_part

    hint = (
        f"point naslab at the file with `naslab bench {cmd} {name} --path FILE` "
        f"(or benchmarks.load({name!r}, path=...))"
    )
    return load_part(name, _parse_options(path, options), hint)


#: Up to this many metrics `query` prints one row per arch; beyond, one column per arch.
_WIDE_MAX_METRICS = 4


def _clean(v: Any) -> Any:
    """JSON-safe float: NaN/inf become null (missing); a float32 prints as its shortest float32
    spelling (88.162, not 88.16200256347656)."""
    import numpy as np

    f = float(v)
    if math.isnan(f) or math.isinf(f):
        return None
    return float(str(v)) if isinstance(v, np.float32) else f


def esc(text: str) -> str:
    """Data text shown literally: arch strings like `ops=[gat,sage]` are not rich markup."""
    from rich.markup import escape

    return escape(str(text))


def _fmt(v: float) -> str:
    return "nan" if math.isnan(v) else f"{v:.6g}"


# --- list -----------------------------------------------------------------------------------
@app.command("list")
@friendly_errors
def list_(pattern: PatternArg = "*", long: LongOpt = False, as_json: JsonOpt = False) -> None:
    """Every registered benchmark (or those matching a glob PATTERN), with whether its data is
    embedded or needs --path, and its loader options."""
    import benchmarks

    infos = [benchmarks.info(n) for n in benchmarks.list(pattern)]
    show_components(
        infos,
        as_json=as_json,
        long=long,
        title="naslab benchmarks",
        columns={"data": lambda i: "embedded" if i.meta["embedded"] else "needs --path"},
        params_label="options (--option KEY=VALUE)",
    )


# --- info -----------------------------------------------------------------------------------
@app.command()
@friendly_errors
def info(
    name: NameArg,
    path: PathOpt = None,
    option: OptionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Space, number of architectures, datasets, metrics (with role and provenance), cost,
    citation and licence."""
    bench = _load(name, path, option, "info")
    data = bench.info()
    data["default_dataset"] = bench.default_dataset
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
    size = data["space_size"]
    head.add_row("benchmark", esc(data["name"]) + (" (surrogate)" if data["is_surrogate"] else ""))
    head.add_row("space", esc(data["space"]) + (f" ({size:,} archs)" if size else ""))
    n = data["num_archs"]
    if n is not None:
        archs_text = f"{n:,}"
    elif data["is_surrogate"]:
        archs_text = (
            "a surrogate: answers for any architecture of its space, no finite table (no optimum)"
        )
    else:
        archs_text = "open space: no finite table (no optimum)"
    head.add_row("archs", archs_text)
    head.add_row(
        "datasets", esc(", ".join(data["datasets"]) + f"  (default {bench.default_dataset})")
    )
    if data["description"]:
        head.add_row("about", esc(data["description"]))
    head.add_row("citation", esc(data["citation"] or "-"))
    head.add_row("licence", esc(data["licence"] or "-"))
    if data.get("surrogate"):  # where its training data came from, and its last audit
        from naslab.cli_surrogate import surrogate_rows

        for key, text in surrogate_rows(data["surrogate"]):
            head.add_row(esc(key), esc(text))
    console.print(head)
    for ds, d in data["datasets"].items():
        t = Table(title=f"dataset {ds}: {len(d['metrics'])} metrics", title_justify="left")
        t.add_column("metric", style="bold", no_wrap=True)
        t.add_column("unit", no_wrap=True)
        t.add_column("better", no_wrap=True)
        t.add_column("role", no_wrap=True)
        t.add_column("description", overflow="fold")
        groups: dict[str, list[str]] = {}
        for m in d["metrics"]:
            better = "higher" if m["higher_is_better"] else "lower"
            role = m["role"] + (f" ({m['split']})" if m["split"] else "")
            t.add_row(
                esc(m["name"]), esc(m["unit"] or "-"), better, esc(role), esc(m["description"])
            )
            p = m["provenance"]
            line = f"{p['kind']}: {p['source']}" + (f" ({p['detail']})" if p["detail"] else "")
            groups.setdefault(line, []).append(m["name"])
        console.print(t)
        console.print("provenance:", markup=False, highlight=False)
        for line, names in groups.items():
            console.print(
                f"  {', '.join(names)}: {line}", markup=False, highlight=False, soft_wrap=True
            )
        c = d["cost"]
        flags = [c["kind"], f"in {c['unit']}"]
        flags.append("depends on the epoch" if c["epoch_dependent"] else "epoch-independent")
        if c["epoch_dependent"]:
            flags.append(
                "a longer run continues a shorter one"
                if c["continues"]
                else "each epoch count retrains from scratch"
            )
        console.print(
            f"cost: {c['description']} [{'; '.join(flags)}]",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


# --- query ----------------------------------------------------------------------------------
@app.command()
@friendly_errors
def query(
    name: NameArg,
    archs: Annotated[
        list[str],
        typer.Argument(
            help="Architectures in any spelling the space parses: e.g. for nb201 the string "
            "'|nor_conv_3x3~0|+|...|', an index 0..15624, or an op tuple '(0,1,2,3,4,0)'."
        ),
    ],
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Dataset (default: the benchmark's).")
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Metric (repeatable; default: all of the dataset)."),
    ] = None,
    epoch: Annotated[
        int | None, typer.Option("--epoch", help="Epoch (default: the final value).")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="A table's value of this training seed; on a surrogate, a draw from its "
            "predictive distribution (default: the mean).",
        ),
    ] = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Look up metric values, one row per architecture."""
    bench = _load(name, path, option, "query")
    ds = dataset if dataset is not None else bench.default_dataset
    infos = bench.metrics(ds)  # unknown dataset -> valid ones + suggestion
    names = list(metric) if metric else [m.name for m in infos]
    for m in names:
        bench.metric_info(m, ds)  # unknown metric -> valid ones + suggestion
    parsed = [bench.space.parse(a) for a in archs]
    values = {m: bench.query(parsed, m, ds, epoch=epoch, seed=seed) for m in names}
    arch_strs = [bench.space.to_str(a) for a in parsed]
    if as_json:
        print_json(
            {
                "benchmark": bench.name,
                "dataset": ds,
                "epoch": epoch,
                "seed": seed,
                "metrics": names,
                "rows": [
                    {
                        "input": given,
                        "arch": s,
                        "index": bench.space.index(a),
                        **{m: _clean(values[m][i]) for m in names},
                    }
                    for i, (given, s, a) in enumerate(zip(archs, arch_strs, parsed, strict=True))
                ],
            }
        )
        return
    from rich.table import Table

    when = (f", epoch {epoch}" if epoch is not None else "") + (
        f", seed {seed}" if seed is not None else ""
    )
    title = f"{bench.name} / {ds}{when}"
    if len(names) <= _WIDE_MAX_METRICS:  # one row per arch
        t = Table(title=esc(title), title_justify="left")
        t.add_column("arch", overflow="fold")
        for m in names:
            t.add_column(esc(m), justify="right", overflow="fold")
        for i, s in enumerate(arch_strs):
            t.add_row(esc(s), *(_fmt(float(values[m][i])) for m in names))
        console.print(t)
        return
    # Many metrics: one column per arch (numbered, strings listed first) stays readable at 80 cols.
    for k, s in enumerate(arch_strs, start=1):
        console.print(f"#{k}  {s}", markup=False, highlight=False, soft_wrap=True)
    t = Table(title=esc(title), title_justify="left")
    t.add_column("metric", style="bold", no_wrap=True)
    for k in range(1, len(arch_strs) + 1):
        t.add_column(f"#{k}", justify="right", no_wrap=True)
    for m in names:
        t.add_row(esc(m), *(_fmt(float(v)) for v in values[m]))
    console.print(t)


# --- export ---------------------------------------------------------------------------------
@app.command()
@friendly_errors
def export(
    name: NameArg,
    to: Annotated[
        str,
        typer.Option(
            "--out", "-o", "--to", help="Output file: .parquet or .csv (the whole table)."
        ),
    ],
    path: PathOpt = None,
    option: OptionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the whole table (one row per architecture) to Parquet or CSV."""
    from nas_core.errors import InvalidInputError

    try:
        out = Path(to).expanduser()
    except (RuntimeError, ValueError):  # '~nosuchuser', a NUL byte
        raise InvalidInputError(f"--out {to!r} is not a path naslab can write to") from None
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InvalidInputError(f"--out must end in .parquet or .csv, got {to!r}")
    bench = _load(name, path, option, "export")
    from benchmarks.base import is_finite

    if not is_finite(bench):
        raise InvalidInputError(
            f"benchmark {name!r} has no table to export (no finite table of architectures: an "
            "open space or a surrogate; query it with `naslab bench query` instead)"
        )
    frame = bench.to_frame()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so an interrupted export never leaves half a file.
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    result = {
        "benchmark": bench.name,
        "path": str(out),
        "rows": len(frame),
        "columns": frame.shape[1],
    }
    if as_json:
        print_json(result)
    else:
        console.print(
            f"wrote {len(frame):,} rows x {frame.shape[1]} columns of {bench.name!r} to {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
