"""`naslab predictor ...`: train a performance predictor on benchmark data, save it, use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer

from nas_core.errors import InvalidInputError
from naslab._cli_common import (
    ListJsonOpt,
    LongOpt,
    PatternArg,
    console,
    friendly_errors,
    print_json,
    show_components,
)

app = typer.Typer(help="Train, save and use performance predictors.", no_args_is_help=True)


def _params(items: list[str] | None) -> dict[str, Any]:
    from naslab.correlate import parse_spec

    if not items:
        return {}
    return parse_spec("x[" + ",".join(items) + "]")[1]


def train_predictor(
    bench: str = "analognas",
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
) -> tuple[Any, dict[str, Any]]:
    """Fit `predictor` on `n` random archs of a benchmark; score it on up to `test_size` others.

    Returns (fitted predictor, report dict). Python-API twin of `naslab predictor train`."""
    import predictors
    from nas_core.metrics import kendall_tau, spearman_rho
    from naslab import correlate as C

    src = C.make_source(bench, path, dataset, metric, features)
    idx, y, feats, space, _ = C.load_pool(src)
    if not 2 <= n <= len(idx) - 2:
        raise InvalidInputError(
            f"--n must lie in 2..{len(idx) - 2} ({len(idx)} usable archs in {bench}/{src.dataset})"
        )
    tr, te = C.split(len(idx), n, test_size, seed, 0)
    model = predictors.create(predictor, space=space, seed=seed, **(params or {}))
    f = feats if feats.shape[1] else None
    model.fit(idx[tr], y[tr], features=None if f is None else f[tr])
    pred = model.predict(idx[te], features=None if f is None else f[te])
    model.meta_ = {
        "bench": bench,
        "path": path,
        "dataset": src.dataset,
        "metric": src.metric,
        "features": list(src.features),
        "n_train": int(n),
        "seed": seed,
    }
    report = {
        "predictor": predictor,
        "bench": bench,
        "dataset": src.dataset,
        "metric": src.metric,
        "features": list(src.features),
        "n_train": int(n),
        "n_test": int(len(te)),
        "kendall_tau": kendall_tau(y[te], pred),
        "spearman_rho": spearman_rho(y[te], pred),
    }
    return model, report


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
    bench: str = typer.Option("analognas", help="benchmark to train on"),
    path: str = typer.Option(None, help="data file for file-backed benchmarks"),
    dataset: str = typer.Option(None),
    metric: str = typer.Option(None, help="target metric (default: the accuracy metric)"),
    predictor: str = typer.Option("gin", help="predictor name (naslab predictor list)"),
    n: int = typer.Option(200, help="training architectures, drawn at random"),
    features: str = typer.Option("none", help="'none', 'zc' or metric names as extra inputs"),
    param: list[str] = typer.Option(None, "--param", "-p", help="predictor parameter key=value"),
    seed: int = typer.Option(0),
    test_size: int = typer.Option(1000, help="held-out archs to report correlation on"),
    out: Path = typer.Option(Path("model.pt"), help="where to save the fitted model"),
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Fit a predictor on N random architectures of a benchmark and save it."""
    from naslab.validate import check_int, check_seed

    check_seed(seed, "--seed")
    check_int(test_size, "--test-size", 2)  # a rank correlation needs two held-out archs
    if out.is_dir() or not out.name:  # checked before the fit, not when saving after it
        raise InvalidInputError(
            f"--out must name a model file (e.g. model.pt), got directory {out}"
        )
    model, report = train_predictor(
        bench,
        predictor,
        n,
        path=path,
        dataset=dataset,
        metric=metric,
        features=features,
        seed=seed,
        test_size=test_size,
        params=_params(param),
    )
    model.save(out)
    report["out"] = str(out)
    if json_out:
        print_json(report)
        return
    console.print(
        f"trained {predictor} on {n} archs of {bench}/{report['dataset']} "
        f"({report['metric']}); held-out {report['n_test']} archs: "
        f"Kendall τ {report['kendall_tau']:.3f}, Spearman ρ {report['spearman_rho']:.3f}\n"
        f"saved {out}",
        highlight=False,
    )


@app.command("predict")
@friendly_errors
def predict_cmd(
    model_path: Path = typer.Argument(..., help="model file written by `naslab predictor train`"),
    archs: list[str] = typer.Argument(None, help="architectures (string, index or op tuple)"),
    top: int = typer.Option(0, help="instead: predict the whole space, show the best TOP"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Predict the performance of architectures with a saved model."""
    import predictors
    from nas_core import spaces
    from naslab import correlate as C

    model = predictors.load(model_path)
    space = spaces.get(model.space_name_)
    if top:
        if space.size is None:
            raise InvalidInputError(f"--top needs a finite space, {space.name} is unbounded")
        idx = np.arange(space.size)
    elif archs:
        idx = np.asarray([space.index(space.parse(a)) for a in archs], dtype=np.int64)
    else:
        raise InvalidInputError("give architectures to predict, or --top K")
    feats = None
    names = model.meta_.get("features") or []
    if model.n_features_extra_:
        b = C.load_bench(model.meta_["bench"], model.meta_.get("path"))
        ds = model.meta_["dataset"]
        feats = np.column_stack([b.query(idx, f, ds) for f in names])
    if model.has_uncertainty:
        mean, std = model.predict_dist(idx, features=feats)
    else:
        mean, std = model.predict(idx, features=feats), None
    order = np.argsort(-mean, kind="stable")[:top] if top else np.arange(len(idx))
    rows = [
        {
            "arch": space.to_str(space.from_index(int(idx[i]))),
            "index": int(idx[i]),
            "predicted": float(mean[i]),
            **({"std": float(std[i])} if std is not None else {}),
        }
        for i in order
    ]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        extra = f" ± {r['std']:.3f}" if "std" in r else ""
        console.print(f"{r['predicted']:9.3f}{extra}  {r['arch']}", highlight=False, soft_wrap=True)
