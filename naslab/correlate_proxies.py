"""`naslab correlate proxies`: rank correlation of zero-cost proxy scores with ground truth.

A scores table names its architectures by space index (column `index`, finite spaces) or, on
an open space (nb101, darts), by their canonical string (column `arch`, with the space in column
`space`); the ground truth of each row is looked up by whichever it has, and a row whose
architecture the benchmark does not hold gets NaN (left out of the correlations, counted in
`n_dropped`).

Layering: zerocost may import only nas_core, so the adapter that turns a scores table into a
benchmark lives here, in the application layer: `scores_benchmark(path)` loads the Parquet written
by `naslab zerocost score` through the generic `table` benchmark (keyed by the space index in
column `index`; every proxy becomes metric `<dataset>/<proxy>`), so proxy scores join other
benchmarks (`benchmarks.join`) and feed predictors as features like any other metric.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from naslab._cli_common import (
    BenchOpt,
    DatasetOpt,
    FormatOpt,
    JsonOpt,
    MetricOpt,
    OptionOpt,
    PathOpt,
    StudyOpt,
    bench_choice,
    check_format,
    err_console,
    friendly_errors,
    print_json,
    print_table,
)


def proxy_columns(df: pd.DataFrame) -> list[str]:
    from zerocost.scoring import proxy_columns as columns

    return [c for c in columns(df.columns) if c != "space"]  # 'space' names the archs' space


def read_scores(path: str | Path) -> pd.DataFrame:
    from nas_core.errors import DataFormatError, MissingFileError

    p = Path(path)
    if not p.is_file():
        raise MissingFileError(
            f"scores file not found: {p} (write one with `naslab zerocost score --out {p}`)"
        )
    try:
        df = pd.read_parquet(p)
    except Exception as e:  # pyarrow raises several types for a non-Parquet file
        raise DataFormatError(f"{p} is not a Parquet scores table ({e})") from None
    if not ({"index", "arch"} & set(df.columns)) or not proxy_columns(df):
        raise DataFormatError(
            f"{p} is not a zero-cost scores table: needs an 'index' or 'arch' column and proxy "
            f"columns, has {', '.join(map(str, df.columns))}"
        )
    if "index" in df.columns and not pd.api.types.is_integer_dtype(df["index"]):
        raise DataFormatError(
            f"{p}: column 'index' must hold the space's integer indices, has dtype "
            f"{df['index'].dtype}"
        )
    return df


def ops_tuples(df: pd.DataFrame, path: str | Path) -> list[tuple[int, ...]]:
    """The 'ops' column ("2,2,0,2,2,3" per row) as int tuples; DataFormatError if garbled."""
    from nas_core.errors import DataFormatError

    out = []
    for k, s in enumerate(df["ops"].tolist()):
        try:
            out.append(tuple(int(o) for o in str(s).split(",")))
        except ValueError:
            raise DataFormatError(
                f"{path}: row {k} of column 'ops' is {s!r}, not comma-separated op ids"
            ) from None
    return out


def scores_space(df: pd.DataFrame, path: str | Path, candidates: list[str]) -> str | None:
    """The space of the architectures in a scores table: its 'space' column where it has one,
    else the first of `candidates` in which every row's 'ops' spell the row's 'index'; None when
    the table says too little to tell (no 'ops' column) or no candidate fits."""
    from nas_core import spaces
    from nas_core.errors import DataFormatError, NaslabError

    named = df["space"].dropna() if "space" in df.columns else pd.Series([], dtype=object)
    if len(named):  # rows from before the column existed (NaN) are read by their ops below
        names = sorted({str(v) for v in named.unique()})
        if len(names) != 1:
            raise DataFormatError(f"{path} mixes architectures of spaces {', '.join(names)}")
        if len(named) == len(df):
            return names[0]
        candidates = [names[0]]
    if "index" not in df.columns:  # an open space's table: read its 'arch' strings
        return _space_of_archs(df, candidates)
    if "ops" not in df.columns or not len(df):
        return None
    ops, index = ops_tuples(df, path), df["index"].to_numpy(np.int64)
    for name in candidates:
        try:
            if np.array_equal(spaces.get(name).indices(ops), index):
                return name
        except NaslabError:  # does not parse there, or the space is not installed
            continue
    return None


def _space_of_archs(df: pd.DataFrame, candidates: list[str]) -> str | None:
    """The first of `candidates` that parses every row's 'arch' string (None if none does)."""
    from nas_core import spaces
    from nas_core.errors import NaslabError

    texts = df["arch"].astype(str).tolist()
    if not texts:
        return None
    for name in candidates:
        try:
            sp = spaces.get(name)
            for t in texts:
                sp.parse(t)
        except NaslabError:
            continue
        return name
    return None


def check_same_space(df: pd.DataFrame, path: str | Path, bench: Any) -> None:
    """Refuse scores of one space against a benchmark of another: both are keyed by their own
    space's index, so matching rows by index would pair unrelated architectures."""
    from nas_core import spaces
    from nas_core.errors import InvalidInputError

    want = bench.space.name
    others = [n for n in spaces.names() if n != want]
    found = scores_space(df, path, [want, *others])
    if found is None:
        if {"ops", "space", "arch"} & set(df.columns):
            cols = "'ops' and 'index'" if "index" in df.columns else "'arch'"
            raise InvalidInputError(
                f"the architectures in {path} (columns {cols}) are not architectures "
                f"of space {want!r}, which benchmark {bench.name!r} is over"
            )
        return  # a hand-made table with indices only: nothing to check against
    if found != want:
        raise InvalidInputError(
            f"{path} holds scores of space {found!r}, but benchmark {bench.name!r} is over space "
            f"{want!r}: they name different architectures; correlate against a "
            f"benchmark of space {found!r}"
        )


_F32_MAX = float(np.finfo(np.float32).max)


def benchmark_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The scores as benchmark columns: benchmarks store float32, so a proxy whose finite values
    leave float32's range (synflow reaches 1e50 on NB201) is given as its natural log under
    `log_<proxy>` (which is also how NAS-Bench-Suite-Zero stores synflow); non-finite values
    become NaN ("not measured"). Returns (frame, {column: metric name})."""
    out = pd.DataFrame({"index": df["index"].astype(np.int64)})
    names: dict[str, str] = {}
    for c in proxy_columns(df):
        v = df[c].to_numpy(np.float64)
        fin = np.isfinite(v)
        if fin.any() and np.abs(v[fin]).max() > _F32_MAX:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)
            c_out = f"log_{c}"
        else:
            c_out = c
        out[c_out] = np.where(np.isfinite(v), v, np.nan)
        names[c_out] = c_out
    return out, names


def scores_benchmark(path: str | Path, dataset: str = "cifar10", space: str = "nb201"):
    """The scores table as a `benchmarks` TabularBenchmark (metrics = proxies, under `dataset`;
    see `benchmark_frame` for the float32 and non-finite conventions). The converted table is
    written once under $NASLAB_HOME/zerocost/ and cached by the table loader."""
    import hashlib

    from benchmarks import table  # = benchmarks.load("table", ...), which reserves `name`
    from benchmarks.cache import naslab_home

    df = read_scores(path)
    frame, names = benchmark_frame(df)
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame, index=False).values).hexdigest()
    conv = naslab_home() / "zerocost" / f"{Path(path).stem}-{digest[:16]}.parquet"
    if not conv.exists():
        conv.parent.mkdir(parents=True, exist_ok=True)
        tmp = conv.with_name(f".{conv.name}.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(conv)
    return table.load(
        path=str(conv),
        space=space,
        arch_column="index",
        arch_format="space-index",
        columns={c: f"{dataset}/{m}" for c, m in names.items()},
        name=f"zerocost:{Path(path).name}",
    )


#: How the intervals of `correlate` are computed (shown in every table, plot and JSON).
CI = "95% bootstrap over architectures"


def correlate(
    scores: pd.DataFrame,
    truth: np.ndarray,
    proxies: list[str],
    *,
    top_k: float = 0.1,
    n_resamples: int = 1000,
    seed: int = 0,
    orient: dict[str, bool] | None = None,
) -> pd.DataFrame:
    """One row per proxy: n, Spearman, Kendall, precision@top-k, each with a bootstrap 95% CI.
    Archs whose proxy value or truth is not finite are left out of that proxy's row (counted
    in `n_dropped`). Proxies where lower is better are negated first (`orient`)."""
    from nas_core.metrics import bootstrap_ci, kendall_tau, precision_at_k, spearman_rho
    from naslab.validate import check_resamples, check_seed, check_top_k

    check_resamples(n_resamples, "n_resamples")
    check_seed(seed)
    top_k = check_top_k(top_k, int(np.isfinite(np.asarray(truth, dtype=np.float64)).sum()))

    def p_at_k(t: np.ndarray, p: np.ndarray) -> float:
        return precision_at_k(t, p, k=top_k)

    rows = []
    for name in proxies:
        v = scores[name].to_numpy(dtype=np.float64)
        if orient and not orient.get(name, True):
            v = -v
        ok = np.isfinite(v) & np.isfinite(truth)
        row: dict[str, Any] = {"proxy": name, "n": int(ok.sum()), "n_dropped": int((~ok).sum())}
        for label, fn in (
            ("spearman", spearman_rho),
            ("kendall", kendall_tau),
            (f"p@top{top_k:g}", p_at_k),
        ):
            if ok.sum() < 3:
                row[label], row[f"{label}_lo"], row[f"{label}_hi"] = (np.nan,) * 3
                continue
            pt, lo, hi = bootstrap_ci(fn, truth[ok], v[ok], n_resamples=n_resamples, seed=seed)
            row[label], row[f"{label}_lo"], row[f"{label}_hi"] = pt, lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: Path, title: str) -> None:
    """Bars of each proxy's Spearman rho with its bootstrap interval."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    t = table.sort_values("spearman", ascending=True)
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(t) + 1.2))
    y = np.arange(len(t))
    # a bootstrap interval need not contain the estimate (few resamples): bars stop at it
    err = np.vstack([t["spearman"] - t["spearman_lo"], t["spearman_hi"] - t["spearman"]])
    err = np.clip(np.nan_to_num(err), 0, None)
    ax.barh(y, t["spearman"], xerr=err, color="tab:blue", alpha=0.8, capsize=3)
    ax.set_yticks(y, t["proxy"])
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(f"Spearman rho with ground truth ({CI})")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_scatter(
    df: pd.DataFrame,
    truth: np.ndarray,
    table: pd.DataFrame,
    path: Path,
    metric: str,
    title: str,
    orient: dict[str, bool] | None = None,
) -> None:
    """Each proxy's raw score against the ground truth (hexbin above `HEXBIN_OVER` points, log
    axis for a score spanning many orders of magnitude), titled with its Spearman rho; for a
    proxy where lower is better the title says the rho is that of its negation."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from naslab.correlate import needs_log, scatter_panel

    rows = table.to_dict("records")
    cols = min(4, len(rows))
    nrows = -(-len(rows) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 3.0 * nrows + 0.4), squeeze=False)
    for ax, r in zip(axes.flat, rows, strict=False):
        x = df[r["proxy"]].to_numpy(dtype=np.float64)
        log_x = needs_log(x)
        scatter_panel(ax, x, truth, log_x=log_x)
        neg = orient is not None and not orient.get(r["proxy"], True)
        rho = f"ρ(−{r['proxy']})" if neg else "ρ"
        ax.set_title(f"{r['proxy']}: {rho}={r['spearman']:+.2f} (n={r['n']:,})", fontsize=8)
        ax.set_xlabel(f"log10 {r['proxy']}" if log_x else r["proxy"], fontsize=8)
        ax.set_ylabel(metric, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _truth(
    bench: Any,
    metric: str | None,
    dataset: str,
    df: pd.DataFrame,
) -> tuple[np.ndarray, str]:
    """The benchmark's `metric` for each row of a scores table (by 'index', or on an open space
    by the 'arch' string); NaN where the benchmark does not hold the architecture."""
    from nas_core.errors import NotInBenchmarkError

    if metric is None:  # the study's search metric, chosen from roles (naslab.study_metrics)
        from naslab.study_metrics import default_metrics

        metric = default_metrics(bench, dataset)[0]
    if "index" in df.columns:
        archs = [bench.space.from_index(int(i)) for i in df["index"].to_numpy()]
    else:
        archs = [bench.space.parse(a) for a in df["arch"].astype(str)]
    try:
        truth = np.asarray(bench.query(archs, metric, dataset), dtype=np.float64)
    except NotInBenchmarkError:
        truth = np.array([_one(bench, a, metric, dataset) for a in archs])
    return truth, metric


def _one(bench, arch, metric: str, dataset: str) -> float:
    from nas_core.errors import NotInBenchmarkError

    try:
        return float(bench.query(arch, metric, dataset))
    except NotInBenchmarkError:
        return float("nan")


@friendly_errors
def proxies(
    scores: Annotated[
        str, typer.Option(help="Scores from `naslab zerocost score`.")
    ] = "scores.parquet",
    bench: BenchOpt = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    study: StudyOpt = None,
    dataset: DatasetOpt = None,
    metric: MetricOpt = None,
    top_k: Annotated[float, typer.Option(help="Top fraction (or count) for precision@k.")] = 0.1,
    exclude_disconnected: Annotated[
        bool, typer.Option(help="Leave out cells whose output is disconnected from the input.")
    ] = False,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (CSV + PNG).")] = Path(
        "proxy_correlation"
    ),
    fmt: FormatOpt = "text",
    json_out: JsonOpt = False,
    bench_path: Annotated[
        str | None, typer.Option("--bench-path", hidden=True, help="Deprecated: --path.")
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option("--preset", hidden=True, help="Deprecated: --option preset=NAME."),
    ] = None,
) -> None:
    """Spearman, Kendall and precision@top-k of each proxy vs. ground truth, with bootstrap CIs.

    The ground truth is --bench (default analognas) with --path/--option, or a study file's."""
    import zerocost
    from nas_core.errors import InvalidInputError
    from nas_core.networks import is_disconnected
    from naslab.validate import check_resamples, check_seed, check_top_k

    check_resamples(resamples, "--resamples")
    check_seed(seed, "--seed")
    check_top_k(top_k, what="--top-k")
    check_format(fmt)
    if bench_path is not None or preset is not None:
        err_console.print(
            "warning: --bench-path and --preset are deprecated; use --path FILE and "
            "--option preset=NAME",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        path = path if path is not None else bench_path
        option = [*(option or []), *([f"preset={preset}"] if preset is not None else [])]
    choice = bench_choice(bench, path, option, study, dataset=dataset, metric=metric)
    df = read_scores(scores)
    if "index" in df.columns:
        df = df.sort_values("index").reset_index(drop=True)
    bench_obj = choice.spec.load()
    dataset = bench_obj._dataset(choice.dataset)  # unknown -> the valid ones
    check_same_space(df, scores, bench_obj)
    if exclude_disconnected:
        if "ops" not in df.columns:
            raise InvalidInputError(f"--exclude-disconnected needs the 'ops' column of {scores}")
        if bench_obj.space.name != "nb201":
            raise InvalidInputError(
                "--exclude-disconnected reads NAS-Bench-201 cells (a cell of 'none' edges "
                f"only); the scores are of space {bench_obj.space.name!r}"
            )
        keep = [not is_disconnected(t) for t in ops_tuples(df, scores)]
        df = df[np.asarray(keep, dtype=bool)].reset_index(drop=True)
    names = proxy_columns(df)
    truth, metric = _truth(bench_obj, choice.metric, dataset, df)
    orient = {n: zerocost.get(n).higher_is_better for n in names if n in zerocost.names()}
    table = correlate(
        df, truth, names, top_k=top_k, n_resamples=resamples, seed=seed, orient=orient
    )
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    table.to_csv(outdir / "correlations.csv", index=False)
    title = f"{Path(scores).name} vs {choice.spec.name}/{dataset}/{metric} ({len(df)} archs)"
    plot(table, outdir / "spearman.png", title)
    if len(table):
        plot_scatter(df, truth, table, outdir / "scatter.png", metric, title, orient)
    provenance = {
        "scores": f"computed: naslab zerocost score ({Path(scores).name})",
        metric: bench_obj.metric_info(metric, dataset).provenance.line(),
    }
    if json_out:
        print_json(
            {
                "benchmark": choice.spec.to_list(),
                "dataset": dataset,
                "metric": metric,
                "archs": len(df),
                "ci": CI,
                "provenance": provenance,
                "rows": table.to_dict("records"),
            }
        )
        return
    pk = f"p@top{top_k:g}"
    head = ["proxy", "n", "Spearman", "Kendall", pk]
    rows = [
        [
            str(r["proxy"]),
            str(r["n"]),
            *(
                f"{r[k]:+.3f} [{r[k + '_lo']:+.3f}, {r[k + '_hi']:+.3f}]"
                for k in ("spearman", "kendall", pk)
            ),
        ]
        for r in table.to_dict("records")
    ]
    print_table(head, rows, fmt, f"{title}; value [{CI} interval]")
    for what, line in provenance.items():
        err_console.print(f"{what}: {line}", markup=False, highlight=False, soft_wrap=True)
    err_console.print(
        f"wrote {outdir / 'correlations.csv'}, {outdir / 'spearman.png'} (bars) and "
        f"{outdir / 'scatter.png'} (proxy vs truth)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
