"""`naslab correlate ...`: ranking-correlation studies (see naslab.correlate)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
    bench_option,
    check_format,
    err_console,
    friendly_errors,
    print_json,
    print_table,
)
from naslab.progress import RunProgress

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
    bench: BenchOpt = None,
    path: PathOpt = None,
    option: OptionOpt = None,
    study: StudyOpt = None,
    dataset: DatasetOpt = None,
    metric: MetricOpt = None,
    predictors: Annotated[
        str,
        typer.Option(
            help="Comma-separated predictor specs, each a name with optional parameters, e.g. "
            "xgb,gin\\[loss=pairwise]."
        ),
    ] = DEFAULT_PREDICTORS,
    train_sizes: Annotated[str, typer.Option(help="Comma-separated sizes.")] = (
        "20,50,100,200,500,1000"
    ),
    test_size: Annotated[int, typer.Option(help="Test archs per trial (0: all the rest).")] = 1000,
    trials: Annotated[int, typer.Option(help="Random train/test splits per size.")] = 20,
    features: Annotated[
        str,
        typer.Option(help="'none', 'zc' (the benchmark's zero-cost scores), or metric names."),
    ] = "none",
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
    executor: Annotated[str, typer.Option(help="local or ray.")] = "local",
    threads: Annotated[int, typer.Option(help="torch/xgboost threads per task.")] = 1,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (a rerun resumes).")
    ] = Path("correlate-predictors"),
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
) -> None:
    """Learning curves: fit each predictor on random samples, test on disjoint ones.

    The benchmark is --bench (default analognas) with --path/--option, or a study file's."""
    from naslab.validate import check_int, check_seed

    check_seed(seed, "--seed")
    check_int(test_size, "--test-size", 0)
    check_int(trials, "--trials", 1)
    check_int(threads, "--threads", 0)
    check_int(workers, "--workers", 1)
    check_format(fmt)
    from naslab import correlate as C

    choice = bench_choice(bench, path, option, study, dataset=dataset, metric=metric)
    src = C.make_source(choice.spec, None, choice.dataset, choice.metric, features)
    study_ = C.PredictorStudy(
        source=src,
        predictors=C.split_specs(predictors),
        train_sizes=_ints(train_sizes, "--train-sizes"),
        test_size=test_size or None,
        trials=trials,
        seed=seed,
        n_threads=threads,
    )
    C.check_predictor_specs(study_.predictors)  # before --out is created or locked
    per_predictor = len(study_.train_sizes) * study_.trials
    # one writer per --out, for the study and its report (nas_core.jobs)
    with C.predictor_output_dir(out).open():
        failures: list[str] = []
        counts = {"tasks": 0, "failed": 0}
        prog = RunProgress(
            dict.fromkeys(study_.predictors, per_predictor),
            console=err_console,
            workers=workers,
            label="fits",
        )

        def on_start(pending: list) -> None:
            left = {p: 0 for p in study_.predictors}
            for t in pending:
                left[t.predictor] += 1
            for p, n in left.items():
                if per_predictor - n:
                    prog.skip(p, per_predictor - n)

        def on_task(task, res) -> None:  # noqa: ANN001 - a PredictorTask and its result
            counts["tasks"] += 1
            if isinstance(res, BaseException):
                counts["failed"] += 1
                if len(failures) < 5:
                    failures.append(f"{type(res).__name__}: {res}")
                prog.advance(task.predictor)
            else:
                prog.advance(task.predictor, seconds=res["fit_s"] + res["predict_s"])

        with prog:
            try:
                rows = C.run_predictor_study(
                    study_,
                    out,
                    executor=executor,
                    workers=workers,
                    on_start=on_start,
                    on_task=on_task,
                )
            except KeyboardInterrupt:
                err_console.print(
                    f"interrupted: finished results are saved in {out}; rerun to resume"
                )
                raise typer.Exit(130) from None
        for f in failures:
            err_console.print(f"[yellow]task failed:[/] {escape(f)}")
        if rows.empty:
            raise InvalidInputError("no results: every task failed")
        feats = f" + features {','.join(src.features)}" if src.features else ""
        title = f"{src.bench} / {src.dataset} / {src.metric}{feats}"
        b = src.load()
        prov = C.provenance_lines(b, src.dataset, [src.metric, *src.features])
        summary = C.write_report(rows, out, title, provenance=prov)
        if as_json:
            print_json(
                {
                    "benchmark": src.bench_spec().to_list(),
                    "dataset": src.dataset,
                    "metric": src.metric,
                    "features": list(src.features),
                    "ci": C.PREDICTOR_CI,
                    "provenance": prov,
                    "out": str(out),
                    "failed_tasks": counts["failed"],
                    "rows": summary.to_dict("records"),
                }
            )
        else:
            head, body = C.summary_table(summary, "spearman")
            print_table(
                head,
                body,
                fmt,
                f"{title}: Spearman ρ, mean ± CI half-width (CI: {C.PREDICTOR_CI})",
            )
            err_console.print(
                f"wrote {out}/results (raw rows), summary.csv, summary.md, learning_curve.png",
                highlight=False,
                soft_wrap=True,
            )
    if counts["failed"]:
        err_console.print(
            f"[red]{counts['failed']} of {counts['tasks']} tasks failed[/]: "
            f"{escape(failures[0])}; rerun the same command to retry them",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


@app.command("scores")
@friendly_errors
def scores_cmd(
    bench: bench_option("suite-zero") = None,
    path: Annotated[
        str | None,
        typer.Option(help="Data file, e.g. .../naslib-zc/zc_nasbench201.json."),
    ] = None,
    option: OptionOpt = None,
    study: StudyOpt = None,
    datasets: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            "-d",
            "--datasets",
            help="Comma-separated datasets (default: the study's, else all).",
        ),
    ] = None,
    metric: MetricOpt = None,
    scores: Annotated[
        str | None,
        typer.Option(help="Comma-separated scores (default: all zero-cost scores)."),
    ] = None,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs.")] = 1000,
    seed: SeedOpt = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "correlate-scores"
    ),
    fmt: FormatOpt = "text",
    as_json: JsonOpt = False,
) -> None:
    """Correlation of every stored score with accuracy, per dataset, with bootstrap CIs."""
    from naslab.validate import check_resamples, check_seed

    check_resamples(resamples, "--resamples")
    check_seed(seed, "--seed")
    check_format(fmt)
    from naslab import correlate as C

    choice = bench_choice(
        bench, path, option, study, dataset=datasets, metric=metric, default="suite-zero"
    )
    df = C.score_study(
        choice.spec,
        datasets=[d.strip() for d in choice.dataset.split(",")] if choice.dataset else None,
        metric=choice.metric,
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
        f"# Spearman ρ with accuracy ({C.SCORE_CI} interval)\n\n" + md + "\n\n"
        "# Where the numbers come from\n\n" + prov + "\n"
        "# Kendall τ\n\n" + C.scores_markdown(df, "kendall") + "\n"
    )
    C.plot_scores(df, out / "scores.png")
    C.plot_score_scatter(C.load_bench(choice.spec), df, out / "scatter.png")
    if as_json:
        print_json(
            {
                "benchmark": choice.spec.to_list(),
                "ci": C.SCORE_CI,
                "out": str(out),
                "rows": df.to_dict("records"),
            }
        )
        return
    head, body = C.scores_table(df, "spearman")
    print_table(head, body, fmt, f"Spearman ρ with accuracy ({C.SCORE_CI} interval)")
    err_console.print(
        f"wrote {out}/scores.csv, scores.md, scores.png (bars), scatter.png (score vs target)",
        highlight=False,
        soft_wrap=True,
    )


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
