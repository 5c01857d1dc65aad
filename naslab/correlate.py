"""Ranking-correlation studies: how well do predictors and stored scores rank architectures?

`predictor_study(...)`: for every predictor x train size x trial, fit on a random sample of the
benchmark's architectures and test on a disjoint random sample; record Kendall tau, Spearman rho,
Pearson r, precision@top-5% and fit/predict seconds. The split depends only on (seed, train size,
trial), so all predictors see the same splits (paired comparison). Work units run on a
`nas_core.parallel` executor and are appended to a `ResultLog` as they finish, so a rerun with the
same `out` resumes. `summarise` + `plot_learning_curves` turn the log into a table and a plot.

`score_study(...)`: correlation of every stored score (zero-cost proxies, FLOPs, params) with
accuracy, per dataset, with bootstrap confidence intervals (nas_core.metrics.bootstrap_ci).

Predictor specs: a registry name with optional parameters in brackets, e.g. `xgb`,
`xgb[encoding=none]` (extra features only), `gin[loss=pairwise,epochs=100]`.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_core.errors import InvalidInputError
from nas_core.jobs import OutputDir, record_outputs, run_tasks
from nas_core.metrics import (
    bootstrap_ci,
    kendall_tau,
    pearson_r,
    precision_at_k,
    spearman_rho,
)

#: Metric names treated as zero-cost scores by `features="zc"` (NAS-Bench-Suite-Zero's 13 plus
#: the FreeREA scores of the NB201 tables).
ZC_NAMES = (
    "epe_nas",
    "fisher",
    "flops",
    "grad_norm",
    "grasp",
    "jacov",
    "l2_norm",
    "nwot",
    "params",
    "plain",
    "snip",
    "synflow",
    "zen",
    "naswot",
    "logsynflow",
    "portion_skip",
)
KEYS = ("predictor", "train_size", "trial")
RANK_METRICS = ("kendall", "spearman", "pearson", "precision_top5")


# ---------------------------------------------------------------------------------------------
# predictor specs
def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """'gin[loss=pairwise,epochs=100]' -> ('gin', {'loss': 'pairwise', 'epochs': 100})."""
    spec = spec.strip()
    if "[" not in spec:
        return spec, {}
    if not spec.endswith("]"):
        raise InvalidInputError(f"predictor spec {spec!r} must look like name[key=value,...]")
    name, _, body = spec[:-1].partition("[")
    params: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in body.split(","))):
        key, eq, raw = item.partition("=")
        if not eq:
            raise InvalidInputError(f"in predictor spec {spec!r}: {item!r} is not key=value")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        params[key.strip()] = value
    return name.strip(), params


def split_specs(text: str) -> list[str]:
    """Split 'xgb,gin[loss=pairwise,epochs=50],rf' on commas outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [s.strip() for s in out if s.strip()]


# ---------------------------------------------------------------------------------------------
# data pool
@dataclass(frozen=True)
class Source:
    """Where a study's numbers come from (picklable, so worker processes can reload it)."""

    bench: str = "analognas"
    path: str | None = None
    dataset: str | None = None
    metric: str | None = None
    features: tuple[str, ...] = ()


def load_bench(bench: str, path: str | None) -> Any:
    import benchmarks

    return benchmarks.load(bench, path=path) if path else benchmarks.load(bench)


def default_metric(b: Any, dataset: str) -> str:
    """The target a correlation study ranks against: the study's search metric, chosen from the
    metrics' roles (an objective on the validation split, else the first objective)."""
    from naslab.study_metrics import default_metrics

    infos = b.metrics(dataset)
    if not any(m.role == "objective" for m in infos):
        raise InvalidInputError(
            f"benchmark {b.name!r}/{dataset} has no objective (accuracy-like) metric to "
            f"correlate with; pass --metric (one of {', '.join(m.name for m in infos)})"
        )
    return default_metrics(b, dataset)[0]


def require_finite(b: Any, what: str) -> None:
    """A correlation study samples architectures from the benchmark's table: refuse an open one."""
    from benchmarks.base import is_finite

    if not is_finite(b):
        raise InvalidInputError(
            f"{what} needs a finite pool of architectures to sample from (a tabular benchmark); "
            f"{b.name!r} is over an open space with no table of architectures"
        )


def provenance_lines(b: Any, dataset: str, metrics: Sequence[str]) -> list[str]:
    """Where the numbers a correlation report shows come from, one line per metric."""
    from naslab.study_metrics import provenance_lines as lines

    return lines(b, dataset, metrics)


def resolve_features(b: Any, dataset: str, target: str, features: str | Sequence[str]) -> list[str]:
    """'none' -> [], 'zc' -> the benchmark's zero-cost scores, else a list of metric names."""
    names = [m.name for m in b.metrics(dataset)]
    if isinstance(features, str):
        if features in ("", "none"):
            return []
        if features == "zc":
            zc = [n for n in names if n in ZC_NAMES and n != target]
            if not zc:
                raise InvalidInputError(
                    f"benchmark {b.name!r} has no zero-cost scores for dataset {dataset!r} "
                    f"(its metrics: {', '.join(names)}); try --bench suite-zero --path ..."
                )
            return zc
        features = [f.strip() for f in features.split(",") if f.strip()]
    for f in features:
        b.metric_info(f, dataset)  # UnknownNameError naming the valid metrics
    return list(features)


@lru_cache(maxsize=8)
def load_pool(src: Source) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, int]:
    """(space indices, targets, features (n, k), space name, #archs dropped for non-finite
    values) of every architecture the benchmark holds for the dataset."""
    b = load_bench(src.bench, src.path)
    require_finite(b, "a predictor study")
    idx = b.arch_indices(src.dataset)
    y = np.asarray(b.query(idx, src.metric, src.dataset), dtype=np.float64)
    feats = np.zeros((len(idx), len(src.features)))
    for j, f in enumerate(src.features):
        feats[:, j] = b.query(idx, f, src.dataset)
    ok = np.isfinite(y) & np.isfinite(feats).all(axis=1)
    return idx[ok], y[ok], feats[ok], b.space.name, int((~ok).sum())


def make_source(
    bench: str, path: str | None, dataset: str | None, metric: str | None, features: Any
) -> Source:
    b = load_bench(bench, path)
    require_finite(b, "a predictor study")
    ds = b._dataset(dataset)
    m = metric or default_metric(b, ds)
    b.metric_info(m, ds)
    return Source(bench, path, ds, m, tuple(resolve_features(b, ds, m, features)))


def split(n_pool: int, train_size: int, test_size: int | None, seed: int, trial: int):
    """Disjoint (train, test) positions into the pool, fixed by (seed, train_size, trial)."""
    rng = np.random.default_rng([seed, train_size, trial])
    perm = rng.permutation(n_pool)
    rest = n_pool - train_size
    n_test = rest if test_size is None else min(test_size, rest)
    return perm[:train_size], perm[train_size : train_size + n_test]


# ---------------------------------------------------------------------------------------------
# predictor study
@dataclass
class PredictorStudy:
    source: Source
    predictors: list[str]
    train_sizes: list[int]
    test_size: int | None = 1000
    trials: int = 20
    seed: int = 0
    n_threads: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"]["features"] = list(self.source.features)
        return d


@dataclass(frozen=True)
class PredictorTask:
    """One unit of a predictor study: fit `predictor` (a spec) on `train_size` architectures of
    split `trial`, test on the rest of the split."""

    study: PredictorStudy
    predictor: str
    train_size: int
    trial: int

    @property
    def key(self) -> tuple[str, int, int]:
        """What the results log is keyed by (`KEYS`)."""
        return self.predictor, self.train_size, self.trial


def run_predictor_task(task: PredictorTask) -> dict[str, Any]:
    """Fit and test one predictor on one split (a picklable top-level function for the workers)."""
    import predictors

    study, spec, n, trial = task.study, task.predictor, task.train_size, task.trial
    idx, y, feats, space, _ = load_pool(study.source)
    tr, te = split(len(idx), n, study.test_size, study.seed, trial)
    name, params = parse_spec(spec)
    params.setdefault("seed", trial)
    if "n_threads" in predictors.get_class(name)._get_param_names():
        params.setdefault("n_threads", study.n_threads)
    model = predictors.create(name, space=space, **params)
    f_tr = feats[tr] if feats.shape[1] else None
    f_te = feats[te] if feats.shape[1] else None
    t0 = time.perf_counter()
    model.fit(idx[tr], y[tr], features=f_tr)
    t1 = time.perf_counter()
    pred = model.predict(idx[te], features=f_te)
    t2 = time.perf_counter()
    if np.ptp(pred) == 0:  # a constant prediction ranks nothing: correlation 0, not NaN
        tau = rho = r = 0.0
    else:
        tau, rho, r = kendall_tau(y[te], pred), spearman_rho(y[te], pred), pearson_r(y[te], pred)
    return {
        "predictor": spec,
        "train_size": n,
        "trial": trial,
        "n_test": len(te),
        "kendall": tau,
        "spearman": rho,
        "pearson": r,
        "precision_top5": precision_at_k(y[te], pred, 0.05),
        "fit_s": t1 - t0,
        "predict_s": t2 - t1,
    }


def check_predictor_specs(specs: Sequence[str]) -> None:
    """Build every predictor spec once, so a bad name or parameter is one clear error before any
    output folder is touched."""
    import predictors

    for spec in specs:
        name, params = parse_spec(spec)
        predictors.create(name, **{k: v for k, v in params.items() if k != "seed"})


def run_predictor_study(
    study: PredictorStudy,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    on_result: Callable[[dict[str, Any] | Exception, int, int], None] | None = None,
    fresh: bool = False,
) -> pd.DataFrame:
    """Run (or resume) `study`, appending rows to `out/results`; returns all rows.

    Runs on the job runner (nas_core.jobs): `out` is locked while the study runs, results are
    appended as they finish (every 25 results or 15 s, and on Ctrl-C), and a task whose worker
    died is retried once. A failed task is not logged (a rerun retries it); `on_result(result,
    k, n)` sees every result, failures as exceptions. `fresh` discards the study in `out`."""
    check_predictor_specs(study.predictors)
    idx, _y, _f, _space, dropped = load_pool(study.source)
    too_big = [n for n in study.train_sizes if n > len(idx) - 2]
    if too_big:
        raise InvalidInputError(
            f"train size(s) {too_big} leave too few test architectures: the benchmark holds "
            f"{len(idx)} usable archs for {study.source.dataset}"
        )
    if min(study.train_sizes, default=2) < 2 or study.trials < 1:
        raise InvalidInputError("train sizes must be >= 2 and trials >= 1")
    cfg = study.config()
    cfg["dropped_nonfinite"] = dropped
    keep = ("source", "test_size", "seed")
    od = predictor_output_dir(out)
    with od.open(fresh=fresh):
        old = od.read_json("config.json")  # a garbled one is set aside: the log is kept
        if old is not None and any(old.get(k) != cfg.get(k) for k in keep):
            raise InvalidInputError(
                f"{od.path} holds a study with a different benchmark/metric/features/test size/"
                "seed; use another --out directory"
            )
        od.write_json("config.json", cfg)
        log = od.log("results", required=KEYS)
        done = log.done(list(KEYS))
        tasks = [
            PredictorTask(study, spec, n, t)
            for spec in study.predictors
            for n in study.train_sizes
            for t in range(study.trials)
            if (spec, n, t) not in done
        ]
        k = 0

        def rows(task: PredictorTask, res: Any) -> pd.DataFrame | None:
            if isinstance(res, InvalidInputError):  # a bad setting: every task would fail
                raise res
            return None if isinstance(res, BaseException) else pd.DataFrame([res])

        def progress(task: PredictorTask, res: Any) -> None:
            nonlocal k
            k += 1
            if on_result is not None:
                on_result(res, k, len(tasks))

        run_tasks(
            run_predictor_task,
            tasks,
            log=log,
            to_rows=rows,
            executor=executor,
            workers=workers,
            flush_s=15.0,
            flush_rows=25,
            on_result=progress,
        )
        return log.read()


#: What a predictor study writes in its output folder (see nas_core.jobs.OutputDir).
PREDICTOR_OWN_FILES = ("config.json", "results")
PREDICTOR_OUTPUT_FILES = ("summary.csv", "summary.md", "learning_curve.png")


def predictor_output_dir(out: str | Path) -> OutputDir:
    """The output folder of a predictor study (see nas_core.jobs for its guarantees)."""
    return OutputDir(Path(out), "correlate-predictors", PREDICTOR_OWN_FILES, PREDICTOR_OUTPUT_FILES)


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean, std and 95% CI half-width (normal approximation over trials) per predictor x size."""
    g = rows.groupby(["predictor", "train_size"], sort=True)
    out = g.size().rename("trials").to_frame()
    for m in (*RANK_METRICS, "fit_s", "predict_s"):
        out[f"{m}_mean"] = g[m].mean()
        out[f"{m}_std"] = g[m].std(ddof=1).fillna(0.0)
    for m in RANK_METRICS:
        out[f"{m}_ci95"] = 1.96 * out[f"{m}_std"] / np.sqrt(out["trials"])
    return out.reset_index()


def markdown_table(summary: pd.DataFrame, metric: str = "spearman") -> str:
    """Predictors as rows, train sizes as columns, 'mean ± ci95' cells."""
    piv = summary.pivot(index="predictor", columns="train_size")
    sizes = sorted(summary["train_size"].unique())
    lines = [
        f"| {metric} | " + " | ".join(f"n={n}" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for p in piv.index:
        cells = []
        for n in sizes:
            mu = piv.loc[p, (f"{metric}_mean", n)]
            if pd.isna(mu):
                cells.append("")
            elif f"{metric}_ci95" in summary.columns:
                cells.append(f"{mu:.3f} ± {piv.loc[p, (f'{metric}_ci95', n)]:.3f}")
            else:
                cells.append(f"{mu:.3f}")
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_learning_curves(summary: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Correlation vs. train size (log x), one line per predictor, band = mean ± std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("kendall", "Kendall τ"), ("spearman", "Spearman ρ"), ("precision_top5", "P@5%")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    colours = plt.get_cmap("tab10").colors
    styles = ("-", "--", ":", "-.")  # beyond 10 predictors colours repeat: vary the line
    markers = ("o", "s", "^", "D")
    for ax, (m, label) in zip(axes, metrics, strict=True):
        for k, (p, d) in enumerate(summary.groupby("predictor")):
            d = d.sort_values("train_size")
            x, mu, sd = d["train_size"], d[f"{m}_mean"], d[f"{m}_std"]
            c, style = colours[k % 10], styles[(k // 10) % 4]
            ax.plot(x, mu, style, color=c, marker=markers[(k // 10) % 4], ms=3, label=p)
            ax.fill_between(x, mu - sd, mu + sd, color=c, alpha=0.12)
        ax.set_xscale("log")
        ax.set_xlabel("training architectures")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(
    rows: pd.DataFrame, out: str | Path, title: str = "", provenance: Sequence[str] = ()
) -> pd.DataFrame:
    """summary.csv, summary.md (with one provenance line per metric used) and the plot."""
    out = Path(out)
    summary = summarise(rows)
    summary.to_csv(out / "summary.csv", index=False)
    md = [f"# {title or 'Predictor ranking study'}", ""]
    if provenance:
        md += ["Where the numbers come from:", "", *(f"- {p}" for p in provenance), ""]
    for m in ("kendall", "spearman", "precision_top5"):
        md += [f"## {m} (mean ± 95% CI over trials)", "", markdown_table(summary, m), ""]
    md += ["## fit seconds (mean)", "", markdown_table(summary, "fit_s")]
    (out / "summary.md").write_text("\n".join(md) + "\n")
    plot_learning_curves(summary, out / "learning_curve.png", title)
    record_outputs(out, PREDICTOR_OUTPUT_FILES)  # naslab's now: a rerun may overwrite them
    return summary


# ---------------------------------------------------------------------------------------------
# stored-score study
def score_study(
    bench: str = "suite-zero",
    path: str | None = None,
    datasets: Sequence[str] | None = None,
    metric: str | None = None,
    scores: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (dataset, score): n, Spearman and Kendall with 95% bootstrap CIs.

    Architectures whose score is not finite (e.g. NASWOT's -inf) are dropped for that score only.
    Correlations keep their sign: a score that ranks backwards shows a negative value."""
    b = load_bench(bench, path)
    require_finite(b, "a score study")
    tasks = []  # every name is checked before any bootstrap runs
    for ds in datasets or b.datasets:
        ds = b._dataset(ds)
        target = metric or default_metric(b, ds)
        names = list(scores) if scores else resolve_features(b, ds, target, "zc")
        for s in names:
            b.metric_info(s, ds)
            tasks.append(ScoreTask(ds, s, target))

    pools = {t.dataset: b.arch_indices(t.dataset) for t in tasks}

    def correlate_score(t: ScoreTask) -> dict[str, Any]:
        idx = pools[t.dataset]
        y = np.asarray(b.query(idx, t.target, t.dataset), dtype=np.float64)
        v = np.asarray(b.query(idx, t.score, t.dataset), dtype=np.float64)
        ok = np.isfinite(v) & np.isfinite(y)
        row: dict[str, Any] = {
            "dataset": t.dataset,
            "score": t.score,
            "target": t.target,
            "n": int(ok.sum()),
            "provenance": b.metric_info(t.score, t.dataset).provenance.line(),
            "target_provenance": b.metric_info(t.target, t.dataset).provenance.line(),
        }
        for mname, fn in (("spearman", spearman_rho), ("kendall", kendall_tau)):
            point, lo, hi = bootstrap_ci(fn, y[ok], v[ok], n_resamples=n_resamples, seed=seed)
            row.update({mname: point, f"{mname}_lo": lo, f"{mname}_hi": hi})
        return row

    # On the job runner, in this process (the tasks share the loaded benchmark; nothing to log).
    results: dict[ScoreTask, Any] = {}
    run_tasks(
        correlate_score,
        tasks,
        log=None,
        to_rows=lambda t, r: None,
        on_result=results.__setitem__,
    )
    for r in results.values():
        if isinstance(r, BaseException):
            raise r
    return pd.DataFrame([results[t] for t in tasks])


@dataclass(frozen=True)
class ScoreTask:
    """One (dataset, stored score) correlation of a score study, against metric `target`."""

    dataset: str
    score: str
    target: str


def plot_scores(df: pd.DataFrame, path: str | Path, metric: str = "spearman") -> Path:
    """Heat map (score x dataset) and grouped bars with CI whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    piv = df.pivot(index="score", columns="dataset", values=metric)
    order = piv.mean(axis=1).sort_values(ascending=False).index
    piv = piv.loc[order]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 0.4 * len(piv) + 2))
    im = ax1.imshow(piv.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax1.set_xticks(range(piv.shape[1]), piv.columns)
    ax1.set_yticks(range(piv.shape[0]), piv.index)
    for i in range(piv.shape[0]):
        for j in range(piv.shape[1]):
            ax1.text(j, i, f"{piv.iat[i, j]:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax1, label=metric)
    width = 0.8 / max(1, piv.shape[1])
    y0 = np.arange(len(piv))
    for j, ds in enumerate(piv.columns):
        d = df[df["dataset"] == ds].set_index("score").loc[order]
        # a bootstrap interval need not contain the estimate (few resamples): bars stop at it
        err = np.vstack([d[metric] - d[f"{metric}_lo"], d[f"{metric}_hi"] - d[metric]])
        err = np.clip(np.nan_to_num(err), 0, None)
        ax2.barh(y0 + j * width, d[metric], height=width, xerr=err, label=ds, capsize=2)
    ax2.set_yticks(y0 + width * (piv.shape[1] - 1) / 2, order)
    ax2.invert_yaxis()
    ax1.set_title(f"{metric} with accuracy")
    ax2.set_xlabel(f"{metric} (95% bootstrap CI)")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def scores_markdown(df: pd.DataFrame, metric: str = "spearman") -> str:
    dss = list(dict.fromkeys(df["dataset"]))
    lines = ["| score | " + " | ".join(dss) + " |", "|---|" + "---|" * len(dss)]
    for s in dict.fromkeys(df["score"]):
        cells = []
        for ds in dss:
            r = df[(df["score"] == s) & (df["dataset"] == ds)]
            if r.empty:
                cells.append("")
            else:
                r = r.iloc[0]
                cells.append(f"{r[metric]:.3f} [{r[metric + '_lo']:.3f}, {r[metric + '_hi']:.3f}]")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
