"""`naslab predictor ...`: train a performance predictor on benchmark data, save it, use it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from nas_core.errors import InvalidInputError
from naslab._cli_common import (
    BenchOpt,
    DatasetOpt,
    FormatOpt,
    JsonOpt,
    ListJsonOpt,
    LongOpt,
    MetricOpt,
    OptionOpt,
    PathOpt,
    PatternArg,
    SeedOpt,
    StudyOpt,
    bench_choice,
    check_format,
    err_console,
    friendly_errors,
    print_json,
    print_table,
    show_components,
)

app = typer.Typer(help="Train, save and use performance predictors.", no_args_is_help=True)


def _params(items: list[str] | None) -> dict[str, Any]:
    from naslab.correlate import parse_spec

    if not items:
        return {}
    return parse_spec("x[" + ",".join(items) + "]")[1]


def train_predictor(
    bench: Any = "analognas",
    predictor: str = "gin",
    n: int = 200,
    *,
    path: str | None = None,
    dataset: str | None = None,
    metric: str | None = None,
    features: str = "none",
    seed: int = 0,
    test_size: int = 1000,
    params: dict[str, Any] | None = None,
    top_k: float = 0.05,
) -> tuple[Any, dict[str, Any]]:
    """Fit `predictor` on `n` random archs of a benchmark (a registered name with data file
    `path`, or a naslab.bench_spec.BenchSpec); score it on up to `test_size` others.

    Returns (fitted predictor, report dict). Python-API twin of `naslab predictor train`. The
    report says how well the model finds good architectures, on two pools: the held-out archs
    (`held_out`: rank correlations, precision@top-k, the true rank of the one it ranks first)
    and every arch of the benchmark, training archs included (`benchmark`: the true rank of the
    arch it ranks first)."""
    import predictors
    from nas_core.metrics import kendall_tau, spearman_rho
    from naslab import correlate as C

    src = C.make_source(bench, path, dataset, metric, features)
    idx, y, feats, space, _ = C.load_pool(src)
    if not 2 <= n <= len(idx) - 2:
        raise InvalidInputError(
            f"--n must lie in 2..{len(idx) - 2} ({len(idx)} usable archs in "
            f"{src.bench}/{src.dataset})"
        )
    b = src.load()
    higher = bool(b.metric_info(src.metric, src.dataset).higher_is_better)
    tr, te = C.split(len(idx), n, test_size, seed, 0)
    model = predictors.create(predictor, space=space, seed=seed, **(params or {}))
    f = feats if feats.shape[1] else None
    model.fit(idx[tr], y[tr], features=None if f is None else f[tr])
    pred = model.predict(idx[te], features=None if f is None else f[te])
    pred_all = model.predict(idx, features=f)
    model.meta_ = {
        "bench": src.bench,
        "path": src.path,
        "bench_spec": src.bench_spec().to_list(),
        "dataset": src.dataset,
        "metric": src.metric,
        "features": list(src.features),
        "n_train": int(n),
        "seed": seed,
    }

    from nas_core import spaces

    space_obj = spaces.get(space)

    def best(pool: np.ndarray, y_pool: np.ndarray, p_pool: np.ndarray) -> dict[str, Any]:
        sign = 1.0 if higher else -1.0
        k = int(np.argmax(sign * p_pool))
        return {
            "arch": C.arch_text(space_obj, pool[k]),
            "true_value": float(y_pool[k]),
            "true_rank": true_rank(y_pool, float(y_pool[k]), higher),
            "of": int(len(pool)),
            "best_true_value": float(y_pool.max() if higher else y_pool.min()),
        }

    sign = 1.0 if higher else -1.0
    report = {
        "predictor": predictor,
        "bench": src.bench,
        "benchmark": src.bench_spec().to_list(),
        "dataset": src.dataset,
        "metric": src.metric,
        "higher_is_better": higher,
        "features": list(src.features),
        "n_train": int(n),
        "n_test": int(len(te)),
        "kendall_tau": kendall_tau(y[te], pred),
        "spearman_rho": spearman_rho(y[te], pred),
        "top_k": top_k,
        "held_out": {
            "n": int(len(te)),
            "precision_at_top_k": precision_top(y[te], pred, top_k, sign),
            "predicted_best": best(idx[te], y[te], pred),
        },
        "benchmark_pool": {
            "n": int(len(idx)),
            "includes_training_archs": True,
            "precision_at_top_k": precision_top(y, pred_all, top_k, sign),
            "predicted_best": best(idx, y, pred_all),
        },
    }
    return model, report


def precision_top(y: np.ndarray, pred: np.ndarray, top_k: float, sign: float) -> dict[str, Any]:
    """Share of the true top-k that the predicted top-k holds (k a fraction of the pool, or a
    count), oriented by the metric's direction."""
    from nas_core.metrics import precision_at_k

    n = len(y)
    return {
        "k": max(1, int(round(top_k * n))) if top_k < 1 else min(int(top_k), n),
        "value": precision_at_k(sign * np.asarray(y), sign * np.asarray(pred), top_k),
    }


def true_rank(values: np.ndarray, v: float, higher_is_better: bool) -> int:
    """1 + the number of architectures strictly better than value `v` (ties share a rank)."""
    vals = np.asarray(values, dtype=np.float64)
    vals = vals[np.isfinite(vals)]
    return int(1 + (np.sum(vals > v) if higher_is_better else np.sum(vals < v)))


@app.command("list")
@friendly_errors
def list_cmd(
    pattern: PatternArg = "*", long: LongOpt = False, as_json: ListJsonOpt = False
) -> None:
    """Registered predictors (or those matching a glob PATTERN) with their parameters' defaults;
    --long adds each parameter's valid values and description. Set them with -p KEY=VALUE."""
    import predictors

    show_components(
        [predictors.info(n) for n in predictors.list(pattern)],
        as_json=as_json,
        long=long,
        title="naslab predictors",
        columns={"std": lambda i: "yes" if i.meta["has_uncertainty"] else "-"},
    )


@app.command("info")
@friendly_errors
def info_cmd(name: str = typer.Argument(..., help="predictor name (naslab predictor list)"),
             as_json: ListJsonOpt = False) -> None:  # fmt: skip
    """One predictor's parameters: type, default, valid values and description."""
    import predictors

    show_components([predictors.info(name)], as_json=as_json, long=True)


@app.command("train")
@friendly_errors
def train_cmd(
    bench: BenchOpt = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    study: StudyOpt = None,
    dataset: DatasetOpt = None,
    metric: MetricOpt = None,
    predictor: Annotated[str, typer.Option(help="Predictor name (naslab predictor list).")] = "gin",
    n: Annotated[int, typer.Option(help="Training architectures, drawn at random.")] = 200,
    features: Annotated[
        str, typer.Option(help="'none', 'zc' or metric names as extra inputs.")
    ] = "none",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Predictor parameter KEY=VALUE (repeatable)."),
    ] = None,
    seed: SeedOpt = 0,
    test_size: Annotated[int, typer.Option(help="Held-out archs to report correlation on.")] = 1000,
    top_k: Annotated[
        float,
        typer.Option(help="Top fraction (or count) for precision@top-k."),
    ] = 0.05,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to save the fitted model.")
    ] = Path("model.pt"),
    fmt: FormatOpt = "text",
    json_out: JsonOpt = False,
) -> None:
    """Fit a predictor on N random architectures of a benchmark and save it.

    Reports rank correlation and precision@top-k on the held-out archs, and the true rank of the
    arch the model ranks first among the held-out archs and among all the benchmark's archs."""
    from naslab.validate import check_int, check_seed, check_top_k

    check_seed(seed, "--seed")
    check_int(test_size, "--test-size", 2)  # a rank correlation needs two held-out archs
    check_top_k(top_k, what="--top-k")
    check_format(fmt)
    if out.is_dir() or not out.name:  # checked before the fit, not when saving after it
        raise InvalidInputError(
            f"--out must name a model file (e.g. model.pt), got directory {out}"
        )
    choice = bench_choice(bench, path, option, study, dataset=dataset, metric=metric)
    model, report = train_predictor(
        choice.spec,
        predictor,
        n,
        dataset=choice.dataset,
        metric=choice.metric,
        features=features,
        seed=seed,
        test_size=test_size,
        params=_params(param),
        top_k=top_k,
    )
    model.save(out)
    report["out"] = str(out)
    if json_out:
        print_json(report)
        return
    ho, bp = report["held_out"], report["benchmark_pool"]
    head = [
        "pool",
        "archs",
        "Kendall τ",
        "Spearman ρ",
        "precision@top-k",
        "predicted best: true value",
        "true rank",
    ]
    rows = []
    for name, pool, tau, rho in (
        ("held-out", ho, f"{report['kendall_tau']:.3f}", f"{report['spearman_rho']:.3f}"),
        ("whole benchmark (training archs included)", bp, "-", "-"),
    ):
        pb, pk = pool["predicted_best"], pool["precision_at_top_k"]
        rows.append([
            name, f"{pool['n']:,}", tau, rho, f"{pk['value']:.3f} (k={pk['k']})",
            f"{pb['true_value']:.6g} (best {pb['best_true_value']:.6g})",
            f"{pb['true_rank']:,} of {pb['of']:,}",
        ])  # fmt: skip
    print_table(
        head,
        rows,
        fmt,
        f"{predictor} trained on {n} archs of {report['bench']}/{report['dataset']} "
        f"({report['metric']})",
    )
    err_console.print(f"saved {out}", highlight=False, markup=False)


@app.command("predict")
@friendly_errors
def predict_cmd(
    model_path: Annotated[
        Path, typer.Argument(help="Model file written by `naslab predictor train`.")
    ],
    archs: Annotated[
        list[str] | None, typer.Argument(help="Architectures (string, index or op tuple).")
    ] = None,
    top: Annotated[
        int, typer.Option(help="Instead: predict the whole space, show the best TOP.")
    ] = 0,
    fmt: FormatOpt = "text",
    json_out: JsonOpt = False,
) -> None:
    """Predict the performance of architectures with a saved model.

    Where the model's benchmark holds an architecture, its true value and true rank (1 = best
    of the benchmark's archs) are shown beside the prediction."""
    import predictors
    from nas_core import spaces
    from naslab import correlate as C

    check_format(fmt)
    model = predictors.load(model_path)
    space = spaces.get(model.space_name_)
    if top < 0:
        raise InvalidInputError(f"--top must be >= 0, got {top}")
    open_space = space.size is None
    if top:
        if open_space:
            raise InvalidInputError(
                f"--top predicts every architecture of the space, and space {space.name!r} is "
                "open (not enumerable); give the architectures to predict"
            )
        idx = np.arange(space.size)
    elif archs:
        if open_space:  # no index: the parsed (canonical) architectures themselves
            from predictors.base import arch_batch

            idx = arch_batch(space, archs)
        else:
            idx = np.asarray([space.index(space.parse(a)) for a in archs], dtype=np.int64)
    else:
        raise InvalidInputError("give architectures to predict, or --top K")
    meta = model.meta_ or {}
    names = meta.get("features") or []
    feats = None
    bench = _model_bench(meta, needed=bool(model.n_features_extra_))
    if model.n_features_extra_:
        ds = meta["dataset"]
        feats = np.column_stack([C.query_pool(bench, idx, f, ds) for f in names])
    if model.has_uncertainty:
        mean, std = model.predict_dist(idx, features=feats)
    else:
        mean, std = model.predict(idx, features=feats), None
    truth = _truth_table(bench, meta)
    higher = truth[2] if truth else True
    order = (
        np.argsort(-mean if higher else mean, kind="stable")[:top] if top else np.arange(len(idx))
    )
    rows = []
    for i in order:
        text = C.arch_text(space, idx[i])
        r: dict[str, Any] = {
            "arch": text,
            **({} if open_space else {"index": int(idx[i])}),
            "predicted": float(mean[i]),
            **({"std": float(std[i])} if std is not None else {}),
        }
        if truth is not None:
            value = truth[0].get(text if open_space else int(idx[i]))
            r["true"] = value
            r["true_rank"] = None if value is None else true_rank(truth[1], value, higher)
        rows.append(r)
    if json_out:
        print_json(rows)
        return
    head = ["predicted", *(["std"] if std is not None else [])]
    if truth is not None:
        head += ["true", "true rank"]
    head.append("arch")
    body = []
    for r in rows:
        cells = [f"{r['predicted']:.6g}", *([f"{r['std']:.3g}"] if "std" in r else [])]
        if truth is not None:
            t = r["true"]
            cells += (
                ["-", "-"]
                if t is None
                else [f"{t:.6g}", f"{r['true_rank']:,} of {len(truth[1]):,}"]
            )
        body.append([*cells, r["arch"]])
    title = ""
    if truth is not None:
        title = f"true values: {meta.get('bench')}/{meta.get('dataset')}/{meta.get('metric')}"
    print_table(head, body, fmt, title)


def _model_bench(meta: dict[str, Any], *, needed: bool) -> Any:
    """The benchmark a model was trained on (None when it cannot be loaded here and the model
    needs no features from it: predictions do not need it, only the true values do)."""
    from nas_core.errors import NaslabError
    from naslab import correlate as C
    from naslab.bench_spec import BenchSpec

    if not meta.get("bench"):
        return None
    try:
        if meta.get("bench_spec"):
            return BenchSpec.from_list(meta["bench_spec"]).load()
        return C.load_bench(meta["bench"], meta.get("path"))
    except NaslabError as e:
        if needed:
            raise
        err_console.print(
            f"warning: true values not shown: {e}", markup=False, highlight=False, soft_wrap=True
        )
        return None


def _truth_table(
    bench: Any, meta: dict[str, Any]
) -> tuple[dict[Any, float], np.ndarray, bool] | None:
    """({space index, or on an open space the arch's `to_str`: true value}, all finite values,
    higher is better) of the model's target on its benchmark, or None when there is no finite
    table to look values up in."""
    from benchmarks.base import is_finite
    from naslab import correlate as C

    if bench is None or not is_finite(bench) or not meta.get("metric"):
        return None
    ds, m = meta["dataset"], meta["metric"]
    idx = C.pool_archs(bench, ds)
    vals = C.query_pool(bench, idx, m, ds)
    ok = np.isfinite(vals)
    higher = bool(bench.metric_info(m, ds).higher_is_better)
    if bench.space.size is None:
        keys = [bench.space.to_str(a) for a in idx[ok]]
    else:
        keys = idx[ok].tolist()
    return dict(zip(keys, vals[ok].tolist(), strict=True)), vals[ok], higher
