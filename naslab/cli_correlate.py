"""`naslab correlate ...`: ranking-correlation studies (see naslab.correlate)."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from nas_core.errors import InvalidInputError
from naslab._cli_common import console, friendly_errors

app = typer.Typer(
    help="Ranking-correlation studies: predictors' learning curves, stored scores vs. accuracy.",
    no_args_is_help=True,
)

DEFAULT_PREDICTORS = "xgb,rf,gp,mlp,lstm,gin,bananas"


def _ints(text: str, what: str) -> list[int]:
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InvalidInputError(f"{what} must be comma-separated integers, got {text!r}") from None
    if not vals:
        raise InvalidInputError(f"{what} is empty")
    return vals


@app.command("predictors")
@friendly_errors
def predictors_cmd(
    bench: str = typer.Option("analognas", help="benchmark name (naslab bench list)"),
    path: str = typer.Option(None, help="data file for file-backed benchmarks (suite-zero, ...)"),
    dataset: str = typer.Option(None, help="dataset (default: the benchmark's default)"),
    metric: str = typer.Option(None, help="target metric (default: the accuracy metric)"),
    predictors: str = typer.Option(
        DEFAULT_PREDICTORS, help="comma-separated predictor specs, e.g. xgb,gin[loss=pairwise]"
    ),
    train_sizes: str = typer.Option("20,50,100,200,500,1000", help="comma-separated sizes"),
    test_size: int = typer.Option(1000, help="test archs per trial (0: all the rest)"),
    trials: int = typer.Option(20, help="random train/test splits per size"),
    features: str = typer.Option(
        "none", help="'none', 'zc' (the benchmark's zero-cost scores), or metric names"
    ),
    seed: int = typer.Option(0),
    workers: int = typer.Option(1, help="parallel worker processes"),
    executor: str = typer.Option("local", help="local | ray"),
    threads: int = typer.Option(1, help="torch/xgboost threads per task"),
    out: Path = typer.Option(Path("correlate-predictors"), help="output directory (resumable)"),
) -> None:
    """Learning curves: fit each predictor on random samples, test on disjoint ones."""
    from naslab.validate import check_int, check_seed

    check_seed(seed, "--seed")
    check_int(test_size, "--test-size", 0)
    check_int(trials, "--trials", 1)
    check_int(threads, "--threads", 0)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from naslab import correlate as C

    src = C.make_source(bench, path, dataset, metric, features)
    study = C.PredictorStudy(
        source=src,
        predictors=C.split_specs(predictors),
        train_sizes=_ints(train_sizes, "--train-sizes"),
        test_size=test_size or None,
        trials=trials,
        seed=seed,
        n_threads=threads,
    )
    C.check_predictor_specs(study.predictors)  # before --out is created or locked
    # one writer per --out, for the study and its report (nas_core.jobs)
    with C.predictor_output_dir(out).open():
        failures: list[str] = []
        counts = {"tasks": 0, "failed": 0}
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            bar = progress.add_task("fitting", total=None)

            def on_result(res, k, total):
                progress.update(bar, completed=k, total=total)
                counts["tasks"] = total
                if isinstance(res, Exception):
                    counts["failed"] += 1
                    if len(failures) < 5:
                        failures.append(f"{type(res).__name__}: {res}")

            try:
                rows = C.run_predictor_study(
                    study, out, executor=executor, workers=workers, on_result=on_result
                )
            except KeyboardInterrupt:
                progress.stop()
                console.print(f"interrupted: finished results are saved in {out}; rerun to resume")
                raise typer.Exit(130) from None
        for f in failures:
            console.print(f"[yellow]task failed:[/] {f}")
        if rows.empty:
            raise InvalidInputError("no results: every task failed")
        feats = f" + features {','.join(src.features)}" if src.features else ""
        title = f"{bench} / {src.dataset} / {src.metric}{feats}"
        prov = C.provenance_lines(
            C.load_bench(bench, path), src.dataset, [src.metric, *src.features]
        )
        summary = C.write_report(rows, out, title, provenance=prov)
        console.print(f"[bold]{title}[/]: Spearman ρ (mean ± 95% CI over trials)")
        console.print(
            C.markdown_table(summary, "spearman"), highlight=False, soft_wrap=True, markup=False
        )
        console.print(
            f"wrote {out}/results (raw rows), summary.csv, summary.md, learning_curve.png",
            highlight=False,
        )
    if counts["failed"]:
        console.print(
            f"[red]{counts['failed']} of {counts['tasks']} tasks failed[/]: {failures[0]}; "
            "rerun the same command to retry them",
            highlight=False,
        )
        raise typer.Exit(1)


@app.command("scores")
@friendly_errors
def scores_cmd(
    bench: str = typer.Option("suite-zero", help="benchmark with stored scores"),
    path: str = typer.Option(None, help="data file, e.g. .../naslib-zc/zc_nasbench201.json"),
    datasets: str = typer.Option(None, help="comma-separated datasets (default: all)"),
    metric: str = typer.Option(None, help="accuracy metric (default: guessed)"),
    scores: str = typer.Option(None, help="comma-separated scores (default: all zero-cost)"),
    resamples: int = typer.Option(1000, help="bootstrap resamples for the CIs"),
    seed: int = typer.Option(0),
    out: Path = typer.Option(Path("correlate-scores"), help="output directory"),
) -> None:
    """Correlation of every stored score with accuracy, per dataset, with bootstrap CIs."""
    from naslab.validate import check_resamples, check_seed

    check_resamples(resamples, "--resamples")
    check_seed(seed, "--seed")
    from naslab import correlate as C

    df = C.score_study(
        bench,
        path,
        datasets=[d.strip() for d in datasets.split(",")] if datasets else None,
        metric=metric,
        scores=[s.strip() for s in scores.split(",")] if scores else None,
        n_resamples=resamples,
        seed=seed,
    )
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "scores.csv", index=False)
    md = C.scores_markdown(df, "spearman")
    prov = "".join(
        f"- `{r.score}` vs `{r.target}` on {r.dataset}: {r.provenance}; target {r.target_provenance}\n"
        for r in df.drop_duplicates(["score", "target"]).itertuples()
    )
    (out / "scores.md").write_text(
        "# Spearman ρ with accuracy [95% bootstrap CI]\n\n" + md + "\n\n"
        "# Where the numbers come from\n\n" + prov + "\n"
        "# Kendall τ\n\n" + C.scores_markdown(df, "kendall") + "\n"
    )
    C.plot_scores(df, out / "scores.png")
    console.print("Spearman ρ with accuracy [95% bootstrap CI]", highlight=False)
    console.print(md, highlight=False, soft_wrap=True, markup=False)
    console.print(f"wrote {out}/scores.csv, scores.md, scores.png", highlight=False)


# The zero-cost helper's `naslab correlate proxies` lives in naslab.correlate_proxies.
try:
    _proxies = importlib.import_module("naslab.correlate_proxies").proxies
except ModuleNotFoundError as _e:
    if _e.name != "naslab.correlate_proxies":
        raise
except AttributeError:
    pass
else:
    app.command("proxies")(_proxies)
