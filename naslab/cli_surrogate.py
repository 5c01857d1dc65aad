"""`naslab surrogate`: fit a surrogate benchmark on a table, audit it, describe it.

    naslab surrogate fit -b table --path T.csv --option preset=nb201-200ep -d cifar10 \\
        -m test_acc --model xgb --train-size 1000 --seed 0 --out surr-xgb-1000
    naslab surrogate audit surr-xgb-1000          # re-run the audit (naslab.surrogate_report)
    naslab surrogate info surr-xgb-1000           # source record and the audit's headline

`fit` records in the manifest how to reload its source (the BenchSpec, paths made absolute) and
how to build a fresh model of the same specification ({"predictor": name, "params": {...}}), so
`audit` needs nothing but the folder. A surrogate is then a benchmark like any other:
`naslab compare -b surrogate --path DIR ...`.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from nas_core.errors import InvalidInputError
from naslab._cli_common import (
    BenchOpt,
    DatasetOpt,
    FormatOpt,
    JsonOpt,
    MetricOpt,
    OptionOpt,
    PathOpt,
    SeedOpt,
    StudyOpt,
    WorkersOpt,
    bench_choice,
    check_format,
    console,
    err_console,
    friendly_errors,
    print_json,
    print_table,
)

app = typer.Typer(
    help="Fit surrogate benchmarks on real tables and audit how far they may be trusted.",
    no_args_is_help=True,
    add_completion=False,
)

FolderArg = Annotated[
    Path, typer.Argument(help="A surrogate folder written by `naslab surrogate fit`.")
]
# --- the audit's options (shared by fit and audit) --------------------------------------------
OodOpt = Annotated[
    str,
    typer.Option(
        "--ood",
        help="Out-of-distribution splits, comma-separated: top (the true top 10% held out), "
        "region (the --region sets held out); 'none' for neither.",
    ),
]
RegionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        help="A region held out, SPACE:OP>=K (also <=, ==), e.g. nb201:nor_conv_3x3>=3 "
        "(repeatable; default: nb201:nor_conv_3x3>=3 on nb201, tnb101-micro:nor_conv_3x3>=3 on "
        "tnb101-micro, nbgraph:gat>=2 on nbgraph).",
    ),
]
TrajOpt = Annotated[
    bool,
    typer.Option(
        "--trajectories/--no-trajectories",
        help="Run searchers on the surrogate and on the source and compare what they find.",
    ),
]
SearchersOpt = Annotated[
    str,
    typer.Option("--searchers", "-s", help="Searchers of the trajectory check, comma-separated."),
]
TrajSeedsOpt = Annotated[
    int, typer.Option("--traj-seeds", help="Seeds per searcher in the trajectory check.")
]
TrajBudgetOpt = Annotated[
    int, typer.Option("--traj-budget", help="Queries per run in the trajectory check.")
]
ResamplesOpt = Annotated[
    int, typer.Option("--resamples", help="Bootstrap resamples of every confidence interval.")
]
FiguresOpt = Annotated[
    str, typer.Option("--figures", help="Figure formats, comma-separated: png, pdf, svg.")
]

DEFAULT_OOD = "top,region"
DEFAULT_SEARCHERS = "rs,re,ls,bananas,tpe"
#: naslab.surrogate_trajectory's defaults (not imported here: it imports the study machinery)
DEFAULT_TRAJ_SEEDS = 10
DEFAULT_TRAJ_BUDGET = 300


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """`--param KEY=VALUE` items: VALUE read as JSON, else as a Python literal, else as text
    (`n_estimators=200`, `loss=pairwise`, `base_params={"n_estimators": 50}`)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise InvalidInputError(
                f"--param must look like KEY=VALUE with KEY a parameter name, got {item!r}"
            )
        if key in out:
            raise InvalidInputError(f"--param {key} is given twice")
        raw = raw.strip()
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            try:
                value = ast.literal_eval(raw)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                value = raw
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"--param {key}: value {raw!r} is not a plain number, text, list or mapping"
            ) from None
        out[key] = value
    return out


def parse_ood(text: str) -> tuple[str, ...]:
    from naslab.surrogate_report import OOD_KINDS

    kinds = [k.strip() for k in text.split(",") if k.strip()]
    if kinds == ["none"]:
        return ()
    bad = [k for k in kinds if k not in OOD_KINDS]
    if bad or not kinds:
        raise InvalidInputError(
            f"--ood {text!r}: valid splits are {', '.join(OOD_KINDS)} (comma-separated), or none"
        )
    return tuple(dict.fromkeys(kinds))


def parse_searchers(text: str) -> tuple[str, ...]:
    import searchers

    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise InvalidInputError("--searchers needs at least one searcher (naslab searcher list)")
    for n in names:
        searchers.get(n)  # unknown name -> the valid ones
    return tuple(dict.fromkeys(names))


def model_factory(name: str, space: str, params: dict[str, Any]) -> Any:
    """A factory of fresh models, checked now: an unknown predictor or a bad parameter is one
    clear error before any data is read."""
    import predictors

    predictors.create(name, space=space, **params)
    return lambda: predictors.create(name, space=space, **params)


def check_out_folder(out: Path) -> None:
    """A surrogate is written into a new or empty folder only (never over files it did not
    write)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInputError(
            f"--out {out}: a surrogate is written into a new or empty folder, and this "
            f"{'folder is not empty' if out.is_dir() else 'is a file'}"
        )


class _AuditOptions:
    """The audit's options, checked before any fitting."""

    def __init__(self, ood: str, region: list[str] | None, trajectories: bool, searchers: str,
                 traj_seeds: int, traj_budget: int, workers: int, resamples: int, seed: int,
                 figures: str) -> None:  # fmt: skip
        from naslab.figures import check_formats
        from naslab.surrogate_report import check_regions
        from naslab.validate import check_int, check_resamples, check_seed

        self.ood = parse_ood(ood)
        self.regions = None if not region else check_regions(region)
        self.trajectories = trajectories
        self.searchers = parse_searchers(searchers) if trajectories else ()
        if trajectories:
            check_int(traj_seeds, "--traj-seeds", 1)
            check_int(traj_budget, "--traj-budget", 2)
        self.traj_seeds, self.traj_budget = traj_seeds, traj_budget
        self.workers = check_int(workers, "--workers", 1)
        self.resamples = check_resamples(resamples, "--resamples")
        self.seed = check_seed(seed, "--seed")
        self.formats = check_formats(figures)

    def run(self, folder: Path, source: Any, metric: str | None, out: Path | None) -> dict:
        from naslab.surrogate_report import DEFAULT_SEARCHERS as _DS
        from naslab.surrogate_report import run_audit

        return run_audit(
            folder,
            source,
            metric=metric,
            out=out,
            ood=self.ood,
            regions=self.regions,
            trajectories=self.trajectories,
            searchers=self.searchers or _DS,
            traj_seeds=self.traj_seeds,
            traj_budget=self.traj_budget,
            workers=self.workers,
            resamples=self.resamples,
            seed=self.seed,
            formats=self.formats,
            log=_log,
        )


def _log(msg: str) -> None:
    err_console.print(msg, markup=False, highlight=False, soft_wrap=True)


def _show_audit(audit: dict[str, Any], fmt: str) -> None:
    from naslab.surrogate_report import _cell

    shown = ("kendall_tau", "sparse_kendall_tau", "r2", "top10_kendall_tau", "precision_at_5pct")
    head = ["split", "n_train", "n_test", "τ", "sparse τ", "R²", "top-10% τ", "P@5%"]
    rows = [
        [r["split"], f"{r['n_train']:,}", f"{r['n_test']:,}",
         *(_cell(r["quality"][m]) for m in shown)]
        for r in audit["splits"]
    ]  # fmt: skip
    s = audit["surrogate"]
    print_table(
        head,
        rows,
        fmt,
        f"audit of {s['name']} ({s['metric']} on {s['dataset']}; 95% bootstrap CIs)",
    )
    traj = audit.get("trajectories") or {}
    if traj.get("ranking_spearman") is not None:
        console.print(
            f"searcher ranking, surrogate vs source: Spearman {traj['ranking_spearman']:.3f}",
            markup=False,
            highlight=False,
        )


# --- fit ----------------------------------------------------------------------------------------
@app.command("fit")
@friendly_errors
def fit_cmd(
    bench: BenchOpt = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    study: StudyOpt = None,
    dataset: DatasetOpt = None,
    metric: MetricOpt = None,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="Predictor to fit: xgb, lgb, rf, gin, ensemble or any other registered name "
            "(naslab predictor list).",
        ),
    ] = "xgb",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Model parameter KEY=VALUE (repeatable)."),
    ] = None,
    train_size: Annotated[
        int, typer.Option("--train-size", help="Real architectures to fit on (at random).")
    ] = 1000,
    seed: SeedOpt = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="New or empty folder to save the surrogate in (default: "
            "surrogate-BENCH-MODEL-nN).",
        ),
    ] = None,
    cost_metric: Annotated[
        str | None,
        typer.Option(
            "--cost-metric",
            help="Also fit a model of this metric (training time) as the surrogate's cost.",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="The surrogate's name.")] = None,
    calibrate_noise: Annotated[
        int | None,
        typer.Option(
            "--calibrate-noise",
            help="Folds of the CV (on the training sample) that scales a model's predictive std "
            "so its seed= draws cover out-of-fold errors as a normal would. Default: 5 for a "
            "model with a spread, none otherwise; 0 turns it off.",
        ),
    ] = None,
    audit: Annotated[
        bool, typer.Option("--audit/--no-audit", help="Audit the surrogate after fitting.")
    ] = True,
    ood: OodOpt = DEFAULT_OOD,
    region: RegionOpt = None,
    trajectories: TrajOpt = True,
    searchers_: SearchersOpt = DEFAULT_SEARCHERS,
    traj_seeds: TrajSeedsOpt = DEFAULT_TRAJ_SEEDS,
    traj_budget: TrajBudgetOpt = DEFAULT_TRAJ_BUDGET,
    workers: WorkersOpt = 1,
    resamples: ResamplesOpt = 1000,
    figures: FiguresOpt = "png",
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
) -> None:
    """Fit a surrogate of one metric on N real architectures of a table, save it, audit it.

    The audit (see `naslab surrogate audit`) scores it on every architecture of the source it
    was not fitted on, on out-of-distribution splits, and by what searchers find on it. --seed
    draws the training sample, seeds the model (unless -p seed=... is given) and the audit."""
    from benchmarks.surrogate import fit_surrogate
    from naslab.surrogate_report import naslab_version
    from naslab.validate import check_int, check_seed

    check_format(fmt)
    check_seed(seed, "--seed")
    check_int(train_size, "--train-size", 1)
    params = parse_params(param)
    opts = (
        _AuditOptions(ood, region, trajectories, searchers_, traj_seeds, traj_budget, workers,
                      resamples, seed, figures)
        if audit else None
    )  # fmt: skip
    if out is not None:
        check_out_folder(out)
    choice = bench_choice(bench, path, option, study, dataset=dataset, metric=metric)
    source = choice.spec.load()
    d = source._dataset(choice.dataset)  # unknown dataset -> the valid ones
    m = choice.metric
    if m is None:
        from naslab.correlate import default_metric

        m = default_metric(source, d)
    source.metric_info(m, d)  # a source without the metric -> its metrics
    if cost_metric is not None:
        source.metric_info(cost_metric, d)
    import predictors

    if "seed" in predictors.info(model).params and "seed" not in params:
        params["seed"] = seed  # the model's own randomness follows --seed unless set
    factory = model_factory(model, source.space.name, params)
    from nas_core.regressor import has_uncertainty

    if calibrate_noise is None:
        calibrate_noise = 5 if has_uncertainty(factory()) else 0
    elif calibrate_noise != 0:
        check_int(calibrate_noise, "--calibrate-noise", 2)
    if out is None:
        out = Path(f"surrogate-{source.name}-{model}-n{train_size}")
        check_out_folder(out)
    record = {
        "bench_spec": choice.spec.with_absolute_paths().to_list(),
        "model_spec": {"predictor": model, "params": params},
        "fitted_by": f"naslab {naslab_version()} (naslab surrogate fit)",
    }
    from naslab.surrogate_report import source_file

    # the file as given here (a converted table's cache may name it relative to another folder)
    data_file = source_file(source, choice.spec)
    _log(f"fitting {model} on {train_size:,} architectures of {source.name} ({m} on {d})")
    sur = fit_surrogate(
        source,
        d,
        m,
        factory,
        train_size,
        seed,
        cost_metric=cost_metric,
        cost_model=factory if cost_metric else None,
        source_file=data_file,
        name=name or f"{source.name}-{model}-n{train_size}",
        source_record=record,
        calibrate_noise=calibrate_noise or None,
    )
    sur.save(out)
    _log(f"saved surrogate {sur.name!r} to {out}")
    if opts is None:
        result: dict[str, Any] = {"folder": str(out), "name": sur.name, "source": sur.source}
        if as_json:
            print_json(result)
        return
    report = opts.run(out, choice.spec, m, None)  # the spec: its path names the data file
    if as_json:
        print_json(report)
        return
    _show_audit(report, fmt)
    console.print(f"report: {out / 'audit.md'}", markup=False, highlight=False, soft_wrap=True)


# --- audit --------------------------------------------------------------------------------------
@app.command("audit")
@friendly_errors
def audit_cmd(
    folder: FolderArg,
    bench: Annotated[
        str | None,
        typer.Option(
            "--bench",
            "-b",
            help="Source benchmark to audit against (default: the one the surrogate records; "
            "it must hold the same data).",
            show_default=False,
        ),
    ] = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    study: StudyOpt = None,
    metric: Annotated[
        str | None,
        typer.Option("--metric", "-m", help="Fitted metric to audit (default: the only one)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for the report (default: the surrogate's)."),
    ] = None,
    ood: OodOpt = DEFAULT_OOD,
    region: RegionOpt = None,
    trajectories: TrajOpt = True,
    searchers_: SearchersOpt = DEFAULT_SEARCHERS,
    traj_seeds: TrajSeedsOpt = DEFAULT_TRAJ_SEEDS,
    traj_budget: TrajBudgetOpt = DEFAULT_TRAJ_BUDGET,
    workers: WorkersOpt = 1,
    resamples: ResamplesOpt = 1000,
    seed: SeedOpt = 0,
    figures: FiguresOpt = "png",
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
) -> None:
    """Audit a saved surrogate: fit quality on held-out real architectures (with bootstrap CIs),
    out-of-distribution splits, and optimizer-trajectory fidelity; writes audit.md, audit.json
    and figures, and records the headline numbers in the manifest."""
    check_format(fmt)
    opts = _AuditOptions(ood, region, trajectories, searchers_, traj_seeds, traj_budget, workers,
                         resamples, seed, figures)  # fmt: skip
    source = None
    if bench is not None or study is not None:
        source = bench_choice(bench, path, option, study).spec
    elif path is not None or option:
        raise InvalidInputError("--path and --option describe a --bench; give --bench too")
    report = opts.run(folder, source, metric, out)
    if as_json:
        print_json(report)
        return
    _show_audit(report, fmt)
    where = (out or folder) / "audit.md"
    console.print(f"report: {where}", markup=False, highlight=False, soft_wrap=True)


# --- info ---------------------------------------------------------------------------------------
def _n(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)


def surrogate_rows(section: dict[str, Any]) -> list[tuple[str, str]]:
    """What `bench info` and `surrogate info` say about a surrogate beyond its metrics, as
    (label, text) rows: where its training data came from, how to rebuild its model, and the last
    audit's headline (`section`: the "surrogate" part of `SurrogateBenchmark.info()`)."""
    src = section.get("source") or {}
    rows = []
    file, sha = src.get("file"), src.get("file_sha256")
    where = f" (file {file}" + (f", sha256 {sha[:12]}" if sha else "") + ")" if file else ""
    rows.append((
        "source",
        f"{src.get('benchmark', '?')}{where}; {src.get('dataset', '?')}: "
        f"{', '.join(src.get('metrics') or [])}",
    ))  # fmt: skip
    n, pool = _n(section.get("n_train", src.get("n_train"))), src.get("n_pool")
    rows.append((
        "fitted on",
        f"{n} of {_n(pool)} real architectures (sample seed {src.get('train_seed')})"
        if pool is not None
        else f"{n} real architectures",
    ))  # fmt: skip
    spec = src.get("model_spec")
    if isinstance(spec, dict):
        params = json.dumps(spec.get("params", {}), sort_keys=True)
        rows.append(("model", f"{src.get('model_class')} (predictor {spec.get('predictor')}, "
                              f"parameters {params})"))  # fmt: skip
    elif src.get("model_class"):
        rows.append(("model", f"{src['model_class']} {json.dumps(src.get('model_params', {}))}"))
    if src.get("bench_spec"):
        rows.append(("reload source", json.dumps(src["bench_spec"])))
    audit = section.get("audit") or {}
    if not audit:
        rows.append(("audit", "not audited (run `naslab surrogate audit FOLDER`)"))
        return rows

    def f(v: Any) -> str:
        return "n/a" if not isinstance(v, (int, float)) else f"{v:.3f}"

    rows.append((
        "audit",
        f"{audit.get('metric')} on {_n(audit.get('n_test', '?'))} held-out architectures of "
        f"{audit.get('source')}: τ {f(audit.get('kendall_tau'))}, sparse τ "
        f"{f(audit.get('sparse_kendall_tau'))}, R² {f(audit.get('r2'))}, top-10% τ "
        f"{f(audit.get('top10_kendall_tau'))}, P@5% {f(audit.get('precision_at_5pct'))} "
        f"(naslab {audit.get('naslab_version', '?')}, {audit.get('date', '?')})",
    ))  # fmt: skip
    ood = audit.get("ood_kendall_tau") or {}
    if ood:
        rows.append(("audit OOD τ", ", ".join(f"{k} {f(v)}" for k, v in ood.items())
                     + " (a fresh model of the same specification)"))  # fmt: skip
    if audit.get("trajectory_ranking_spearman") is not None:
        rows.append((
            "audit trajectories",
            f"searcher ranking Spearman {f(audit['trajectory_ranking_spearman'])} "
            "(surrogate vs source)",
        ))  # fmt: skip
    if audit.get("report"):
        rows.append(("audit report", str(audit["report"])))
    return rows


@app.command("info")
@friendly_errors
def info_cmd(folder: FolderArg, as_json: JsonOpt = False) -> None:
    """Name, space, fitted metrics, source record and the last audit's headline of a saved
    surrogate (its files' checksums are verified)."""
    from benchmarks.surrogate import load

    sur = load(folder)
    data = sur.info()
    if as_json:
        print_json(data)
        return
    ds = ", ".join(f"{d}: {', '.join(m.name for m in sur.metrics(d))}" for d in sur.datasets)
    for line in [
        f"surrogate: {sur.name} (space {sur.space.name}; {ds})",
        f"about: {sur.description}",
        *(f"{k}: {v}" for k, v in surrogate_rows(data["surrogate"])),
    ]:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
