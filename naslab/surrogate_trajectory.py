"""Optimizer-trajectory fidelity of a surrogate benchmark (item 3 of the surrogate audit).

Fit statistics say how well a surrogate predicts a held-out sample; a search asks something
else: whether an optimizer run on the surrogate ends at architectures as good as it would on
the real table, and whether the surrogate orders search methods as the table does (the question
NAS-Bench-301 answered with its optimizer trajectories). `trajectory_fidelity` runs every
searcher with the same seeds on the source table and on the surrogate and reports, per searcher:

- the TRUE value (the source's lookup) of the incumbent found on the source and of the one found
  on the surrogate (the surrogate's incumbent is its best by *predicted* value), their paired
  per-seed difference and how much the surrogate over-reports its own incumbent, each as a mean
  with a Student's t interval over seeds (`naslab.stats.t_interval`);
- anytime curves: the true value of the incumbent after each query, mean over seeds, on both.

Across searchers: the Spearman correlation (scipy) between their ranking on the table (mean true
value found) and on the surrogate, ranked by what the surrogate reports to its user (its own
predicted value of the incumbent: `ranking_spearman`, NAS-Bench-301's question) and by the true
value of what it led them to (`ranking_spearman_true`).

Runs are exactly `naslab compare` runs: the study is checked by `naslab.compare.resolve`, each
(searcher, seed) is `naslab.compare.make_task` + `naslab.study_run.execute_run`, so run
(searcher, seed) gets the same searcher seed on both benchmarks (common random numbers: the
per-seed difference is paired) and the same trajectory a compare study of the same settings
records. Direction: a lower-is-better metric's incumbent is its lowest value, "better" in every
table means lower, and differences are in the metric's own units (signed: surrogate minus table).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import searchers as searcher_registry
from benchmarks.base import Benchmark, is_finite
from nas_core.errors import InvalidInputError, JobFailedError, NotInBenchmarkError
from nas_core.parallel import make_executor
from naslab import stats
from naslab.compare import StudyConfig, make_task, resolve
from naslab.study_run import execute_run, pack_bench
from naslab.surrogate_warning import OwnModelWarning, own_model_warnings

DEFAULT_SEARCHERS = ("rs", "re", "ls", "bananas", "tpe")
#: 10 seeds x 300 queries: on NAS-Bench-201 with an XGBoost surrogate this takes ~145 s of CPU
#: (bananas, which refits a 5-MLP ensemble 14 times per run, is ~95% of it), so 1-2.5 minutes on
#: 2 free cores (perf/surrogate_trajectories_nb201.py measures it).
DEFAULT_SEEDS = 10
DEFAULT_BUDGET = 300
FIGURE_STEM = "trajectory_fidelity"
RUNS_FILE = "trajectory_fidelity.parquet"
CONFIDENCE = 0.95


# --- input --------------------------------------------------------------------------------------
def _check_inputs(
    source: Any, surrogate: Any, dataset: str | None, metric: str, names: Sequence[str]
) -> tuple[str, bool]:
    """(dataset, higher_is_better), or one clear error naming what is wrong."""
    if not isinstance(source, Benchmark) or not is_finite(source):
        what = source.name if isinstance(source, Benchmark) else type(source).__name__
        raise InvalidInputError(
            f"source {what!r} lists no architectures: trajectory fidelity looks the true values "
            "up in a finite source benchmark (a table)"
        )
    if not isinstance(surrogate, Benchmark):
        raise InvalidInputError(
            f"surrogate must be a Benchmark (a SurrogateBenchmark), got {type(surrogate).__name__}"
        )
    if surrogate.space.name != source.space.name:
        raise InvalidInputError(
            f"surrogate {surrogate.name!r} is over space {surrogate.space.name!r} but source "
            f"{source.name!r} is over {source.space.name!r}: both must be over the same space"
        )
    d = source._dataset(dataset)
    surrogate._dataset(d)  # UnknownNameError naming the surrogate's datasets
    hib = source.metric_info(metric, d).higher_is_better
    if surrogate.metric_info(metric, d).higher_is_better != hib:
        raise InvalidInputError(
            f"metric {metric!r} is {'higher' if hib else 'lower'}-is-better on the source but not "
            "on the surrogate; they must agree"
        )
    if isinstance(names, str) or not names:
        raise InvalidInputError(
            "searchers must be a non-empty list of names; valid: "
            + ", ".join(searcher_registry.list())
        )
    if len(set(names)) != len(names):
        raise InvalidInputError(f"searchers listed twice: {', '.join(names)}")
    for s in names:
        cls = searcher_registry.get(s)  # UnknownNameError with suggestions
        if cls.num_objectives > 1 or "num_objectives" in searcher_registry.params_of(s):
            raise InvalidInputError(
                f"searcher {s!r} is multi-objective; trajectory fidelity compares single-"
                f"objective searches on {metric!r}"
            )
    return d, hib


def _seed_list(seeds: int | Sequence[int]) -> list[int]:
    if isinstance(seeds, (bool, str, bytes)):
        raise InvalidInputError(
            f"seeds must be a count >= 1 or a list of seed indices, got {seeds!r}"
        )
    if isinstance(seeds, (int, np.integer)):
        if seeds < 1:
            raise InvalidInputError(f"seeds must be >= 1 (runs per searcher), got {seeds}")
        return list(range(int(seeds)))
    try:
        out = [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"seeds must be a count >= 1 or a list of seed indices, got {seeds!r}"
        ) from None
    if not out or any(s < 0 for s in out) or len(set(out)) != len(out):
        raise InvalidInputError(
            f"seeds must be a non-empty list of distinct non-negative seed indices, got {out}"
        )
    return out


# --- the runs -----------------------------------------------------------------------------------
def _run_all(
    benches: Mapping[str, Benchmark],
    dataset: str,
    metric: str,
    names: Sequence[str],
    seeds: Sequence[int],
    budget: int,
    base_seed: int,
    params: Mapping[str, Mapping[str, Any]],
    workers: int,
    on_progress: Callable[[int, int], None] | None,
) -> tuple[dict[tuple[str, str, int], dict[str, Any]], list[str]]:
    """({(side, searcher, seed): execute_run's record} for every side's benchmark, the
    own-model-class warnings of the surrogate side, each also emitted as an OwnModelWarning)."""
    tasks: dict[tuple[str, str, int], Any] = {}  # (bench digest, searcher, seed) -> task
    digest: dict[str, str] = {}
    own: list[str] = []
    for side, bench in benches.items():
        config, _ = resolve(
            StudyConfig(
                bench=bench,
                dataset=dataset,
                searchers=tuple(names),
                seeds=max(seeds) + 1,
                base_seed=base_seed,
                budget=budget,
                metric=metric,
                report_metric=metric,
                params={k: dict(v) for k, v in params.items()},
            )
        )
        if side == "surrogate":
            own = own_model_warnings(config, bench)
            for line in own:
                warnings.warn(line, OwnModelWarning, stacklevel=3)
        packed = pack_bench(bench)
        digest[side] = packed[0]  # the same object on both sides runs once
        for s in names:
            for seed in seeds:
                tasks.setdefault((packed[0], s, seed), make_task(config, s, seed, packed))
    done: dict[tuple[str, str, int], Any] = {}
    if on_progress:
        on_progress(0, len(tasks))
    with make_executor("local", workers, pool="auto", tasks=len(tasks)) as ex:
        for task, rec in ex.map_unordered(execute_run, list(tasks.values())):
            done[(task.bench, task.searcher, task.seed)] = rec
            if on_progress:
                on_progress(len(done), len(tasks))
    out = {}
    for side in benches:
        for s in names:
            for seed in seeds:
                rec = done[(digest[side], s, seed)]
                if isinstance(rec, BaseException) or rec.get("status") != "ok":
                    err = rec if isinstance(rec, BaseException) else rec.get("error")
                    raise JobFailedError(
                        f"searcher {s!r} seed {seed} failed on the {side} "
                        f"({benches[side].name!r}): {err}"
                    )
                out[(side, s, seed)] = rec
    return out, own


def _lookup(source: Benchmark, archs: Sequence[str], metric: str, d: str) -> dict[str, float]:
    """{arch string: the source's value}; NaN for an arch the source does not hold."""
    archs = list(dict.fromkeys(archs))
    if not archs:
        return {}
    try:
        vals = np.asarray(source.query(archs, metric, d), dtype=np.float64)
    except NotInBenchmarkError:  # a sparse table: one by one
        vals = np.empty(len(archs))
        for i, a in enumerate(archs):
            try:
                vals[i] = float(source.query(a, metric, d))
            except NotInBenchmarkError:
                vals[i] = math.nan
    return dict(zip(archs, vals.tolist(), strict=True))


def incumbents(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Index of the incumbent after each query: the first query that reached the best value so
    far (as `searchers.loop.run_search` picks it; NaN never wins)."""
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if not n:
        return np.zeros(0, dtype=np.int64)
    signed = np.where(np.isnan(v), -np.inf, v if higher_is_better else -v)
    running = np.maximum.accumulate(signed)
    improved = np.r_[True, running[1:] > running[:-1]]
    return np.maximum.accumulate(np.where(improved, np.arange(n), 0))


def _curve(values: np.ndarray, budget: int) -> np.ndarray:
    """`values` per query padded to `budget` with its last value (a run that stopped early keeps
    its incumbent); all NaN for a run that queried nothing."""
    out = np.full(budget, np.nan)
    n = min(len(values), budget)
    out[:n] = values[:n]
    if 0 < n < budget:
        out[n:] = values[n - 1]
    return out


# --- statistics ---------------------------------------------------------------------------------
def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _interval(values: Sequence[float] | np.ndarray) -> dict[str, Any]:
    v = np.asarray(values, dtype=float)
    mean, lo, hi = stats.t_interval(v, CONFIDENCE)
    return {"mean": _num(mean), "lo": _num(lo), "hi": _num(hi), "n": int(np.isfinite(v).sum())}


def _spearman(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    from scipy.stats import spearmanr

    x = np.array([math.nan if v is None else v for v in a], dtype=float)
    y = np.array([math.nan if v is None else v for v in b], dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return None
    return _num(float(spearmanr(x[ok], y[ok]).statistic))


# --- the audit ----------------------------------------------------------------------------------
def trajectory_fidelity(
    source: Benchmark,
    surrogate: Benchmark,
    dataset: str | None,
    metric: str,
    *,
    searchers: Sequence[str] = DEFAULT_SEARCHERS,
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    budget: int = DEFAULT_BUDGET,
    workers: int = 1,
    out: str | os.PathLike[str] | None = None,
    base_seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    formats: Sequence[str] = ("png",),
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run `searchers` x `seeds` with `budget` queries on `source` (a finite table) and on
    `surrogate` (any benchmark over the same space, usually a `SurrogateBenchmark` fitted on the
    source) and compare the true values of what they find (see the module docstring).

    `seeds`: a count (seed indices 0..n-1) or a list of seed indices (run seeds derive from them
    and `base_seed` as in `naslab compare`). `workers` > 1 runs in a local process pool once the
    runs show it pays. `params`: searcher parameters, {searcher: {name: value}}, used on both.
    `out`: a folder (created if needed) for the figure (`FIGURE_STEM` in `formats`) and every
    query of every run (`RUNS_FILE`: side, searcher, seed, step, arch, the side's own value, its
    true value, and the incumbent's). `on_progress(done, total)` is called as runs finish.

    Returns a JSON-able dict: `searchers` {name: numbers}, `ranking_spearman`,
    `ranking_spearman_true`, `seeds`, `budget`, `figure` (file name in `out`, or None),
    `markdown` (a section for audit.md), `warnings` (a searcher guided by a predictor of the
    surrogate's own model class: NAS-Bench-x11's guideline, also emitted as OwnModelWarning) and
    the settings. Undefined numbers are None."""
    names = list(searchers) if not isinstance(searchers, str) else searchers
    d, hib = _check_inputs(source, surrogate, dataset, metric, names)  # type: ignore[arg-type]
    seed_list = _seed_list(seeds)
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise InvalidInputError(f"budget must be a positive number of queries, got {budget!r}")
    budget = int(budget)
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InvalidInputError(f"workers must be an integer >= 1, got {workers!r}")
    from naslab.figures import check_formats

    formats = check_formats(formats)
    runs, own = _run_all(
        {"source": source, "surrogate": surrogate},
        d,
        metric,
        names,
        seed_list,
        budget,
        base_seed,
        params or {},
        int(workers),
        on_progress,
    )
    sur_archs = [a for (side, _, _), r in runs.items() if side == "surrogate"
                 for a in r["columns"]["arch"]]  # fmt: skip
    true_of = _lookup(source, sur_archs, metric, d)

    frames = []
    per: dict[str, dict[str, Any]] = {}
    for s in names:
        finals: dict[str, list[float]] = {"source_true": [], "surrogate_true": [],
                                          "surrogate_reported": []}  # fmt: skip
        curves: dict[str, list[np.ndarray]] = {k: [] for k in finals}
        short = {"source": 0, "surrogate": 0}
        wall = {"source": 0.0, "surrogate": 0.0}
        for seed in seed_list:
            for side in ("source", "surrogate"):
                rec = runs[(side, s, seed)]
                cols = rec["columns"]
                arch = np.asarray(cols["arch"], dtype=object)
                reported = np.asarray(cols["search"], dtype=np.float64)
                if side == "source":
                    true = reported
                else:
                    true = np.array([true_of[a] for a in arch], dtype=np.float64)
                inc = incumbents(reported, hib)
                inc_true, inc_rep = true[inc], reported[inc]
                short[side] += int(len(arch) < budget)
                wall[side] += float(rec.get("wall_s") or 0.0)
                if side == "source":
                    curves["source_true"].append(_curve(inc_true, budget))
                else:
                    curves["surrogate_true"].append(_curve(inc_true, budget))
                    curves["surrogate_reported"].append(_curve(inc_rep, budget))
                frames.append(
                    pd.DataFrame(
                        {
                            "side": side,
                            "searcher": s,
                            "seed": seed,
                            "step": np.arange(1, len(arch) + 1, dtype=np.int64),
                            "arch": arch.astype(str),
                            "reported": reported,
                            "true": true,
                            "incumbent_reported": inc_rep,
                            "incumbent_true": inc_true,
                        }
                    )
                )
        for k, cs in curves.items():
            finals[k] = [float(c[-1]) for c in cs]
        src_t = np.array(finals["source_true"])
        sur_t = np.array(finals["surrogate_true"])
        sur_r = np.array(finals["surrogate_reported"])
        per[s] = {
            "source_true": _interval(src_t),
            "surrogate_true": _interval(sur_t),
            "surrogate_reported": _interval(sur_r),
            "difference": _interval(sur_t - src_t),
            "overestimate": _interval((sur_r - sur_t) if hib else (sur_t - sur_r)),
            "per_seed": {k: [_num(x) for x in v] for k, v in finals.items()},
            "curves": {
                k: [_num(x) for x in _nanmean_rows(np.vstack(cs))] for k, cs in curves.items()
            },  # fmt: skip
            "missing_true": int(np.isnan(sur_t).sum()),
            "short_runs": short,
            "wall_s": {k: round(v, 3) for k, v in wall.items()},
        }
    rank_src = [per[s]["source_true"]["mean"] for s in names]
    result: dict[str, Any] = {
        "source": source.name,
        "surrogate": surrogate.name,
        "dataset": d,
        "metric": metric,
        "higher_is_better": hib,
        "optimum": _optimum(source, metric, d),
        "searchers": per,
        "ranking_spearman": _spearman(
            rank_src, [per[s]["surrogate_reported"]["mean"] for s in names]
        ),
        "ranking_spearman_true": _spearman(
            rank_src, [per[s]["surrogate_true"]["mean"] for s in names]
        ),
        "seeds": seed_list,
        "base_seed": int(base_seed),
        "budget": budget,
        "confidence": CONFIDENCE,
        "figure": None,
        "files": [],
        "warnings": own,
    }
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        runs_df = pd.concat(frames, ignore_index=True)
        tmp = folder / (RUNS_FILE + ".tmp")
        runs_df.to_parquet(tmp, index=False)
        os.replace(tmp, folder / RUNS_FILE)
        written = _figure(result, names, folder, formats)
        result["figure"] = written[0] if written else None
        result["files"] = [*written, RUNS_FILE]
    result["markdown"] = markdown(result)
    return result


def _nanmean_rows(mat: np.ndarray) -> np.ndarray:
    """Column means ignoring NaN, NaN (not a warning) where a column has no value."""
    n = np.isfinite(mat).sum(axis=0)
    s = np.nansum(mat, axis=0)
    return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _optimum(source: Benchmark, metric: str, d: str) -> float | None:
    try:
        return _num(float(source.optimum(metric, d)))  # type: ignore[attr-defined]
    except (AttributeError, NotImplementedError, InvalidInputError, NotInBenchmarkError):
        return None


# --- outputs ------------------------------------------------------------------------------------
def _figure(
    result: dict[str, Any], names: Sequence[str], out: Path, formats: Sequence[str]
) -> list[str]:
    """All searchers' anytime curves (true value of the incumbent vs queries, mean over seeds):
    the table solid, the surrogate dashed, one colour per searcher (naslab.figures' styles)."""
    from matplotlib.lines import Line2D

    from naslab import figures as fg

    budget = result["budget"]
    x = np.arange(1, budget + 1, dtype=float)
    fig, ax = fg.new_figure((6.4, 4.2))
    shown: list[np.ndarray] = []
    handles = []
    for s in names:
        st = fg.style(s)
        for key, ls in (("source_true", "-"), ("surrogate_true", "--")):
            y = np.array(
                [math.nan if v is None else v for v in result["searchers"][s]["curves"][key]]
            )
            ax.plot(x, y, color=st.color, linestyle=ls, lw=1.5)
            shown.append(y)
        handles.append(Line2D([], [], color=st.color, lw=1.5, label=s))
    handles += [
        Line2D([], [], color="grey", lw=1.5, ls="-", label=f"searched on {result['source']}"),
        Line2D([], [], color="grey", lw=1.5, ls="--", label=f"searched on {result['surrogate']}"),
    ]
    opt = result.get("optimum")
    if opt is not None:
        ax.axhline(opt, color="grey", ls=":", lw=1)
        handles.append(Line2D([], [], color="grey", ls=":", lw=1, label=f"optimum {opt:.4g}"))
    # the first few queries (random picks, e.g. untrainable cells at 10%) would squash the rest
    tail = np.concatenate([y[min(budget - 1, max(1, budget // 10)) :] for y in shown])
    tail = tail[np.isfinite(tail)]
    if len(tail):
        lo, hi = float(tail.min()), float(tail.max())
        if opt is not None:
            lo, hi = min(lo, opt), max(hi, opt)
        pad = 0.08 * (hi - lo) or 0.05 * abs(hi) or 1.0
        ax.set_ylim(lo - pad, hi + pad)
    if budget > 1:
        fg.log_x(ax)
        ax.set_xlim(1, budget)
    ax.set_xlabel("queries (distinct architectures)")
    better = "higher" if result["higher_is_better"] else "lower"
    ax.set_ylabel(
        fg.metric_label(f"true {result['metric']} of the incumbent", f"{better} is better"),
        fontsize=8,
    )
    ax.set_title(
        f"{result['source']} / {result['dataset']}: mean over {len(result['seeds'])} seeds; "
        "incumbent on the surrogate = its best predicted",
        fontsize=8,
    )
    ax.legend(handles=handles, fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    return fg.save(fig, out, FIGURE_STEM, formats)


def markdown(result: dict[str, Any]) -> str:
    """The audit.md section of a `trajectory_fidelity` result: settings, a table and what it
    means."""
    from naslab.tables import format_mean_ci, format_number, render_table

    def cell(iv: dict[str, Any]) -> str:
        return format_mean_ci(iv["mean"], iv["lo"], iv["hi"])

    m, hib = result["metric"], result["higher_is_better"]
    better = "higher" if hib else "lower"
    head = [
        "searcher",
        "true, searched on the table",
        "true, searched on the surrogate",
        "difference (surrogate - table)",
        "surrogate-reported",
        "over-report",
    ]
    rows = []
    per = result["searchers"]
    for s, r in per.items():
        rows.append(
            [
                s,
                cell(r["source_true"]),
                cell(r["surrogate_true"]),
                cell(r["difference"]),
                cell(r["surrogate_reported"]),
                cell(r["overestimate"]),
            ]
        )
    n = len(result["seeds"])
    lines = [
        "## Optimizer-trajectory fidelity",
        "",
        f"Each searcher ran {n} seeds x {result['budget']} queries on the table "
        f"({result['source']}) and on the surrogate ({result['surrogate']}) with the same seeds, "
        f'searching {m!r} on {result["dataset"]!r} ({better} is better). "True" is the table\'s '
        "value of the incumbent (on the surrogate: its best by predicted value); mean ± "
        f"{round(result['confidence'] * 100)}% Student's t interval over seeds; differences are "
        "paired by seed; over-report = how much better the surrogate says its incumbent is than "
        "it truly is.",
        "",
        render_table(head, rows, "markdown"),
        "",
    ]
    diffs = [r["difference"]["mean"] for r in per.values() if r["difference"]["mean"] is not None]
    rho, rho_t = result["ranking_spearman"], result["ranking_spearman_true"]
    if diffs:
        worse = "negative" if hib else "positive"
        lines.append(
            "Searching on the surrogate instead of the table changed the true value of the "
            f"architecture found by {format_number(min(diffs), decimals=3)} to "
            f"{format_number(max(diffs), decimals=3)} across searchers (mean over seeds; "
            f"{worse} = worse on the surrogate). The searchers' ranking by what each benchmark "
            f"reports has Spearman ρ = {format_number(rho, decimals=2)} (by the true values of "
            f"what they found: {format_number(rho_t, decimals=2)}); 1 means a study run on the "
            f"surrogate orders these {len(per)} searchers as one on the table would."
        )
    if result.get("figure"):
        lines += ["", f"![anytime curves]({result['figure']})"]
    lines += [f"\n**Warning**: {w}." for w in result.get("warnings", [])]
    missing = sum(r["missing_true"] for r in per.values())
    if missing:
        lines += [
            "",
            f"{missing} surrogate incumbent(s) are not in the table: no true value, left out.",
        ]
    return "\n".join(lines) + "\n"


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_SEARCHERS",
    "DEFAULT_SEEDS",
    "incumbents",
    "markdown",
    "trajectory_fidelity",
]
