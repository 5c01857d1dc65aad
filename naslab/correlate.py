"""Ranking-correlation studies: how well do predictors and stored scores rank architectures?

`predictor_study(...)`: for every predictor x train size x trial, fit on a random sample of the
benchmark's architectures and test on a disjoint random sample; record Kendall tau, Spearman rho,
Pearson r, precision@top-5% and fit/predict seconds. The split depends only on (seed, train size,
trial), so all predictors see the same splits (paired comparison). Work units run on a
`nas_core.parallel` executor and are appended to a `ResultLog` as they finish, so a rerun with the
same `out` resumes. `summarise` + `plot_learning_curves` turn the log into a table and a plot.

`score_study(...)`: correlation of every stored score (zero-cost proxies, FLOPs, params) with
accuracy, per dataset, with bootstrap confidence intervals (nas_core.metrics.bootstrap_ci).

Intervals name their method wherever they are shown (`PREDICTOR_CI`, `SCORE_CI`): a predictor
study's trials are independent random splits, so their mean gets a Student t interval (with 20
trials the normal 1.96 understates the half-width by about 6%; with 5, by 29%); a score study has
one value per score, so its interval comes from resampling architectures.

A study's benchmark is a `naslab.bench_spec.BenchSpec` (a name with --path/--option, or a study
file's parts), or for short a registered name and a path.

Predictor specs: a registry name with optional parameters in brackets, e.g. `xgb`,
`xgb[encoding=none]` (extra features only), `gin[loss=pairwise,epochs=100]`.
"""

from __future__ import annotations

import ast
import json
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
#: How the intervals are computed, shown beside every interval (tables, plots, JSON).
PREDICTOR_CI = "95% Student t over trials"
SCORE_CI = "95% bootstrap over architectures"


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
    """Where a study's numbers come from (picklable, so worker processes can reload it).

    `spec` holds `BenchSpec.key()` when the benchmark is more than a name and a path (loader
    options, or a study file's joined parts); `bench` is then the spec's name, for titles."""

    bench: str = "analognas"
    path: str | None = None
    dataset: str | None = None
    metric: str | None = None
    features: tuple[str, ...] = ()
    spec: str | None = None

    def bench_spec(self) -> Any:
        from naslab.bench_spec import BenchSpec

        if self.spec:
            return BenchSpec.from_list(json.loads(self.spec))
        return BenchSpec.from_cli(self.bench, self.path)

    def load(self) -> Any:
        return self.bench_spec().load()


def as_spec(bench: Any, path: str | None = None) -> Any:
    """A BenchSpec from a BenchSpec, or from a registered name and an optional data file."""
    from naslab.bench_spec import BenchSpec

    return bench if isinstance(bench, BenchSpec) else BenchSpec.from_cli(bench, path)


def load_bench(bench: Any, path: str | None = None) -> Any:
    """The benchmark (a registered name plus data file, or a BenchSpec), with the loader's
    failures a user can fix as naslab errors."""
    return as_spec(bench, path).load()


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


def _surrogate_pool(b: Any) -> bool:
    """A surrogate over a finite space answers for every member: the space is its pool."""
    return bool(getattr(b, "is_surrogate", False)) and b.space.size is not None


def require_finite(b: Any, what: str) -> None:
    """A correlation study samples architectures from the benchmark's table (or, for a surrogate
    over a finite space, from the whole space): refuse anything else."""
    from benchmarks.base import is_finite

    if not is_finite(b) and not _surrogate_pool(b):
        kind = "a surrogate over an open space" if b.is_surrogate else "an open space"
        raise InvalidInputError(
            f"{what} needs a finite pool of architectures to sample from (a tabular benchmark, "
            f"or a surrogate over a finite space); {b.name!r} is {kind} with no table of "
            "architectures"
        )


def pool_archs(b: Any, dataset: str) -> np.ndarray:
    """Every architecture `b` holds for `dataset`, the pool a study samples from: space indices
    (int64) on a finite space; on an open space (a keyed table over nb101 or darts: no index)
    an object array of its canonical Archs (`predictors.base.arch_batch`), which slices like an
    index array and which predictors and `query_pool` take as they are."""
    from benchmarks.base import is_finite

    if not is_finite(b) and _surrogate_pool(b):
        return np.arange(b.space.size, dtype=np.int64)
    if b.space.size is not None:
        return np.asarray(b.arch_indices(dataset))
    from predictors.base import arch_batch

    return arch_batch(b.space, b.archs(dataset))


def query_pool(b: Any, pool: np.ndarray, metric: str, dataset: str) -> np.ndarray:
    """`b.query` of a `pool_archs` pool (or a slice of it) as float64."""
    archs = pool.tolist() if pool.dtype == object else pool
    return np.asarray(b.query(archs, metric, dataset), dtype=np.float64)


def arch_text(space: Any, item: Any) -> str:
    """The string form of one pool entry (a space index or an open space's Arch)."""
    if space.size is None:
        return space.to_str(space.parse(item))
    return space.to_str(space.from_index(int(item)))


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
    """(architectures (`pool_archs`: space indices, or an open space's Archs), targets,
    features (n, k), space name, #archs dropped for non-finite values) of every architecture
    the benchmark holds for the dataset."""
    b = src.load()
    require_finite(b, "a predictor study")
    idx = pool_archs(b, src.dataset)
    y = query_pool(b, idx, src.metric, src.dataset)
    feats = np.zeros((len(idx), len(src.features)))
    for j, f in enumerate(src.features):
        feats[:, j] = query_pool(b, idx, f, src.dataset)
    ok = np.isfinite(y) & np.isfinite(feats).all(axis=1)
    return idx[ok], y[ok], feats[ok], b.space.name, int((~ok).sum())


@lru_cache(maxsize=8)
def higher_is_better(src: Source) -> bool:
    """Whether a larger value of the study's target is better (accuracy) or worse (latency)."""
    return bool(src.load().metric_info(src.metric, src.dataset).higher_is_better)


def make_source(
    bench: Any, path: str | None, dataset: str | None, metric: str | None, features: Any
) -> Source:
    """The study's source: `bench` a registered name (with data file `path`) or a BenchSpec;
    dataset and metric resolved to the benchmark's defaults where None."""
    spec = as_spec(bench, path)
    b = spec.load()
    require_finite(b, "a predictor study")
    ds = b._dataset(dataset)
    m = metric or default_metric(b, ds)
    b.metric_info(m, ds)
    feats = tuple(resolve_features(b, ds, m, features))
    part = spec.parts[0].options
    if not spec.is_join and set(part) <= {"path"}:  # name + path: the short form
        return Source(spec.name, part.get("path"), ds, m, feats)
    return Source(spec.name, None, ds, m, feats, spec.key())


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
        if d["source"]["spec"] is None:  # a name and a path: as studies have always said it
            del d["source"]["spec"]
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
    sign = 1.0 if higher_is_better(study.source) else -1.0
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
        # the best 5% by the metric's direction (the lowest latencies, the highest accuracies)
        "precision_top5": precision_at_k(sign * y[te], sign * pred, 0.05),
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
    on_start: Callable[[list[PredictorTask]], None] | None = None,
    on_task: Callable[[PredictorTask, Any], None] | None = None,
) -> pd.DataFrame:
    """Run (or resume) `study`, appending rows to `out/results`; returns all rows.

    Runs on the job runner (nas_core.jobs): `out` is locked while the study runs, results are
    appended as they finish (every 25 results or 15 s, and on Ctrl-C), and a task whose worker
    died is retried once. A failed task is not logged (a rerun retries it); `on_result(result,
    k, n)` sees every result, failures as exceptions. `fresh` discards the study in `out`.
    `on_start(pending)` is told the tasks still to run (after resume), `on_task(task, result)`
    each result with its task (progress by predictor)."""
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
        if on_start is not None:
            on_start(tasks)
        k = 0

        def rows(task: PredictorTask, res: Any) -> pd.DataFrame | None:
            if isinstance(res, InvalidInputError):  # a bad setting: every task would fail
                raise res
            return None if isinstance(res, BaseException) else pd.DataFrame([res])

        def progress(task: PredictorTask, res: Any) -> None:
            nonlocal k
            k += 1
            if on_task is not None:
                on_task(task, res)
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


def _t_halfwidth(v: pd.Series) -> float:
    from naslab.stats import t_interval

    mean, _lo, hi = t_interval(v.to_numpy(dtype=np.float64))
    return hi - mean


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean, std and the half-width of the 95% Student t interval of the mean over trials
    (`PREDICTOR_CI`, naslab.stats.t_interval; NaN for a single trial) per predictor x train
    size; column `ci` names the method."""
    g = rows.groupby(["predictor", "train_size"], sort=True)
    out = g.size().rename("trials").to_frame()
    for m in (*RANK_METRICS, "fit_s", "predict_s"):
        out[f"{m}_mean"] = g[m].mean()
        out[f"{m}_std"] = g[m].std(ddof=1).fillna(0.0)
    for m in RANK_METRICS:
        out[f"{m}_ci95"] = g[m].apply(_t_halfwidth)
    out["ci"] = PREDICTOR_CI
    return out.reset_index()


def summary_table(
    summary: pd.DataFrame, metric: str = "spearman"
) -> tuple[list[str], list[list[str]]]:
    """(header, rows): predictors as rows, train sizes as columns, 'mean ± half-width' cells
    (half-width of the `PREDICTOR_CI` interval; the mean alone for a single trial)."""
    piv = summary.pivot(index="predictor", columns="train_size")
    sizes = sorted(summary["train_size"].unique())
    head = [metric, *(f"n={n}" for n in sizes)]
    rows = []
    for p in piv.index:
        cells = [str(p)]
        for n in sizes:
            mu = piv.loc[p, (f"{metric}_mean", n)]
            half = (
                piv.loc[p, (f"{metric}_ci95", n)] if f"{metric}_ci95" in summary.columns else None
            )
            if pd.isna(mu):
                cells.append("-")
            elif half is not None and np.isfinite(half):
                cells.append(f"{mu:.3f} ± {half:.3f}")
            else:
                cells.append(f"{mu:.3f}")
        rows.append(cells)
    return head, rows


def markdown_table(summary: pd.DataFrame, metric: str = "spearman") -> str:
    """`summary_table` as Markdown."""
    from naslab.tables import render_table

    return render_table(*summary_table(summary, metric), "markdown").rstrip("\n")


def plot_learning_curves(summary: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Correlation vs. train size (log x), one line per predictor, band = the `PREDICTOR_CI`
    interval of the mean."""
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
            x, mu = d["train_size"], d[f"{m}_mean"]
            half = d[f"{m}_ci95"].fillna(0.0) if f"{m}_ci95" in d else 0.0 * mu
            c, style = colours[k % 10], styles[(k // 10) % 4]
            ax.plot(x, mu, style, color=c, marker=markers[(k // 10) % 4], ms=3, label=p)
            ax.fill_between(x, mu - half, mu + half, color=c, alpha=0.12)
        ax.set_xscale("log")
        ax.set_xlabel("training architectures")
        ax.set_ylabel(f"{label} (band: {PREDICTOR_CI})")
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
        md += [f"## {m} (mean ± CI half-width; CI: {PREDICTOR_CI})", ""]
        md += [markdown_table(summary, m), ""]
    md += ["## fit seconds (mean)", "", markdown_table(summary, "fit_s")]
    (out / "summary.md").write_text("\n".join(md) + "\n")
    plot_learning_curves(summary, out / "learning_curve.png", title)
    record_outputs(out, PREDICTOR_OUTPUT_FILES)  # naslab's now: a rerun may overwrite them
    return summary


# ---------------------------------------------------------------------------------------------
# stored-score study
def score_study(
    bench: Any = "suite-zero",
    path: str | None = None,
    datasets: Sequence[str] | None = None,
    metric: str | None = None,
    scores: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (dataset, score): n, Spearman and Kendall with 95% bootstrap CIs.

    Architectures whose score is not finite (e.g. NASWOT's -inf) are dropped for that score only.
    Correlations keep their sign: a score that ranks backwards shows a negative value. `bench`
    is a registered name (with data file `path`) or a BenchSpec; column `ci` names the interval
    (`SCORE_CI`)."""
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

    pools = {t.dataset: pool_archs(b, t.dataset) for t in tasks}

    def correlate_score(t: ScoreTask) -> dict[str, Any]:
        idx = pools[t.dataset]
        y = query_pool(b, idx, t.target, t.dataset)
        v = query_pool(b, idx, t.score, t.dataset)
        ok = np.isfinite(v) & np.isfinite(y)
        row: dict[str, Any] = {
            "dataset": t.dataset,
            "score": t.score,
            "target": t.target,
            "n": int(ok.sum()),
            "provenance": b.metric_info(t.score, t.dataset).provenance.line(),
            "target_provenance": b.metric_info(t.target, t.dataset).provenance.line(),
            "ci": SCORE_CI,
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
            v = piv.iat[i, j]  # NaN: the score is not on that dataset (e.g. a proxy left out)
            ax1.text(j, i, "-" if v != v else f"{v:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax1, label=metric)
    width = 0.8 / max(1, piv.shape[1])
    y0 = np.arange(len(piv))
    for j, ds in enumerate(piv.columns):
        d = df[df["dataset"] == ds].set_index("score").reindex(order)
        # a bootstrap interval need not contain the estimate (few resamples): bars stop at it
        err = np.vstack([d[metric] - d[f"{metric}_lo"], d[f"{metric}_hi"] - d[metric]])
        err = np.clip(np.nan_to_num(err), 0, None)
        ax2.barh(y0 + j * width, d[metric], height=width, xerr=err, label=ds, capsize=2)
    ax2.set_yticks(y0 + width * (piv.shape[1] - 1) / 2, order)
    ax2.invert_yaxis()
    ax1.set_title(f"{metric} with accuracy")
    ax2.set_xlabel(f"{metric} ({SCORE_CI})")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def scores_table(df: pd.DataFrame, metric: str = "spearman") -> tuple[list[str], list[list[str]]]:
    """(header, rows): scores as rows, datasets as columns, 'value [lo, hi]' cells."""
    dss = list(dict.fromkeys(df["dataset"]))
    rows = []
    for s in dict.fromkeys(df["score"]):
        cells = [str(s)]
        for ds in dss:
            r = df[(df["score"] == s) & (df["dataset"] == ds)]
            if r.empty:
                cells.append("-")
            else:
                r = r.iloc[0]
                cells.append(f"{r[metric]:.3f} [{r[metric + '_lo']:.3f}, {r[metric + '_hi']:.3f}]")
        rows.append(cells)
    return ["score", *dss], rows


def scores_markdown(df: pd.DataFrame, metric: str = "spearman") -> str:
    """`scores_table` as Markdown."""
    from naslab.tables import render_table

    return render_table(*scores_table(df, metric), "markdown").rstrip("\n")


#: Above this many points a scatter becomes a hexbin (15,625 NB201 cells would be one blot).
HEXBIN_OVER = 2000


def scatter_panel(ax: Any, x: np.ndarray, y: np.ndarray, *, log_x: bool = False) -> None:
    """One score-vs-target panel: points for a few, a log-count hexbin for many."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if log_x:
        pos = x > 0
        x, y = np.log10(x[pos]), y[pos]
    if len(x) > 20:  # a sentinel like jacov's -1e8 would squeeze every other point into a line
        lo, hi = np.quantile(x, [0.005, 0.995])
        inside = (x >= lo) & (x <= hi)
        if hi > lo and np.ptp(x) > 20 * (hi - lo):
            ax.text(0.02, 0.02, f"{int((~inside).sum())} outliers not shown", fontsize=6,
                    transform=ax.transAxes)  # fmt: skip
            x, y = x[inside], y[inside]
    if len(x) > HEXBIN_OVER:
        ax.hexbin(x, y, gridsize=60, bins="log", mincnt=1, cmap="viridis", linewidths=0)
    else:
        ax.scatter(x, y, s=6, alpha=0.5, linewidths=0)
    ax.grid(alpha=0.3)


def needs_log(x: np.ndarray) -> bool:
    """A positive score spanning many orders of magnitude (synflow: 1e-3 .. 1e50) is shown on
    a log axis, else its points pile up at one edge; the few non-positive values (a cell with
    no path from input to output scores 0) are then left out of the panel."""
    fin = x[np.isfinite(x)]
    pos = fin[fin > 0]
    return bool(len(pos) and len(pos) >= 0.9 * len(fin) and pos.max() / pos.min() > 1e4)


def plot_score_scatter(
    b: Any, df: pd.DataFrame, path: str | Path, *, max_panels: int = 48
) -> Path | None:
    """Each stored score against its target, one panel per (score, dataset) row of a score
    study (`df`), hexbins for many architectures; titled with the Spearman rho of the row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(df.head(max_panels).itertuples())
    if not rows:
        return None
    cols = min(4, len(rows))
    nrows = -(-len(rows) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 3.0 * nrows), squeeze=False)
    for ax, r in zip(axes.flat, rows, strict=False):
        idx = pool_archs(b, r.dataset)
        x = query_pool(b, idx, r.score, r.dataset)
        y = query_pool(b, idx, r.target, r.dataset)
        log_x = needs_log(x)
        scatter_panel(ax, x, y, log_x=log_x)
        ax.set_title(f"{r.score} / {r.dataset}: ρ={r.spearman:.2f} (n={r.n:,})", fontsize=8)
        ax.set_xlabel(f"log10 {r.score}" if log_x else r.score, fontsize=8)
        ax.set_ylabel(r.target, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
