"""The report of a comparison study: statistics, tables, figures and report.md, rebuilt from a
study folder's log (`naslab.compare` runs the study; this module only reads what it wrote).

What a report describes: every run in the folder's log, whatever the last command asked for
(searchers in the study's order, then any others the log holds; every seed found), so re-running
a subset of searchers never makes the report contradict itself.

Statistics (per searcher, over its ok runs; `naslab.stats`):
- the best report value found within several budgets: query counts, or, for a study with a
  simulated-time budget, simulated-time checkpoints (a run that has evaluated nothing feasible by
  a checkpoint has no value there and is left out, not carried), as a mean with a 95% confidence
  interval (Student's t; a BCa bootstrap for a skewed sample of 10 or more runs; every table
  names its method);
- regret to the benchmark's optimum of the report metric (only for a benchmark with a finite
  table; under constraints, the optimum over feasible architectures);
- the normalised area under the anytime curve (AUC) per run, then its mean and CI;
- the per-run score the searchers are ranked and tested on: the best report value at the full
  budget, or, in a multi-objective study, the run's hypervolume; average ranks over the seeds
  where every searcher ran, the Friedman test, Holm-corrected pairwise Wilcoxon signed-rank tests
  (pairs = seeds, which share random numbers) and a critical-difference diagram from them, and
  the uncorrected paired Wilcoxon test against random search.

Multi-objective studies: every objective is mapped to [0, 1] (1 = best) by the range of all
feasible points the runs in the report evaluated; the hypervolume reference point is the nadir of
the union Pareto front of those points pushed out by `naslab.stats.HV_MARGIN` (0.1 of each
objective's observed range). The report also gives the union front, the share of it each
searcher found, each searcher's median (50%) attainment surface and, on a finite benchmark, the
ratio of each run's hypervolume to the true front's in the same space.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from benchmarks.base import Benchmark, is_finite
from nas_core.errors import InvalidInputError, MissingFileError
from nas_core.results import ResultLog
from naslab import stats
from naslab.figures import DEFAULT_FORMATS, FIGURE_FORMATS, check_formats
from naslab.study_metrics import no_optimum_reason, provenance_lines
from naslab.surrogate_warning import own_model_warnings
from naslab.tables import decimals_for, format_mean_ci, format_number, format_p, render_table
from searchers.loop import ISOMORPHISM, cost_epoch, cost_rule

if TYPE_CHECKING:
    from naslab.compare import StudyConfig

RUN_KEYS = ("searcher", "seed")
RUN_COLUMNS = (
    "searcher",
    "seed",
    "run_seed",
    "status",
    "error",
    "stop_reason",
    "asks_total",
    "repeats",
    "missing",
    "wall_s",
)

#: Figures a report may draw (each in the formats asked for, see naslab.figures).
FIGURE_STEMS = (
    "best_vs_queries",
    "best_vs_time",
    "regret_vs_queries",
    "regret_vs_time",
    "cd_diagram",
    "pareto",
)
#: Every file `build_outputs` may write in a study folder (the job runner checksums them).
REPORT_FILES = (
    "trajectories.parquet",
    "runs.csv",
    "summary.csv",
    "summary.json",
    "summary.md",
    "summary.tex",
    "pairwise.csv",
    "report.md",
    *(f"{s}.{f}" for s in FIGURE_STEMS for f in FIGURE_FORMATS),
)
#: Figures only a study whose cost is not a unit cost gets (otherwise time = queries).
TIME_STEMS = ("best_vs_time", "regret_vs_time")
CONFIDENCE = 0.95


def load_results(out: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trajectories of ok runs, one row per run) from `out/log`, duplicates removed.

    A run logged as ok wins over earlier failed attempts of the same (searcher, seed); if a run
    was somehow logged twice, its first copy is kept.
    """
    out = Path(out)
    df = ResultLog(out / "log", required=(*RUN_KEYS, "status"), damaged_dir=out / ".damaged").read()
    if df.empty:
        return df, pd.DataFrame(columns=list(RUN_COLUMNS))
    df["_part"] = np.arange(len(df))
    runs = df.drop_duplicates(list(RUN_KEYS) + ["status", "run_seed"], keep="first")
    runs = runs.sort_values(
        ["searcher", "seed", "status", "_part"],
        key=lambda c: c.map({"ok": 0, "failed": 1}) if c.name == "status" else c,
    )
    runs = runs.drop_duplicates(list(RUN_KEYS), keep="first")
    ok_keys = runs.loc[runs.status == "ok", list(RUN_KEYS)]
    traj = df[df.status == "ok"].merge(ok_keys, on=list(RUN_KEYS))
    # a run that queried nothing (every proposal missing from a sparse table) logs only its run
    # record, one row with step 0: it has no trajectory row
    traj = traj[traj["step"] > 0] if "step" in traj.columns else traj.iloc[0:0]
    traj = traj.drop_duplicates(list(RUN_KEYS) + ["step"], keep="first")
    traj = (
        traj.sort_values(list(RUN_KEYS) + ["step"]).drop(columns=["_part"]).reset_index(drop=True)
    )
    runs = runs[[c for c in RUN_COLUMNS if c in runs.columns]]
    runs = runs.sort_values(list(RUN_KEYS)).reset_index(drop=True)
    return traj, runs


# --- what the report covers ----------------------------------------------------------------


def study_searchers(config: StudyConfig, runs: pd.DataFrame) -> list[str]:
    """Every searcher with a run in the log: the study's order first, then any others by name."""
    found = set(map(str, runs["searcher"])) if len(runs) else set()
    first = [s for s in config.searchers if s in found]
    return first + sorted(found - set(first))


def checkpoints(budget: int) -> list[int]:
    """Query budgets at which the summary reports the best found: 10%, 25%, 50%, 100%."""
    return sorted({max(1, round(budget * f)) for f in (0.1, 0.25, 0.5, 1.0)})


def time_checkpoints(time_budget: float) -> list[float]:
    """Simulated times (s) at which a time-budget study is summarised: 10%, 25%, 50%, 100%."""
    return sorted({float(f"{time_budget * f:.6g}") for f in (0.1, 0.25, 0.5, 1.0)})


def checkpoint_axis(config: StudyConfig, traj: pd.DataFrame) -> tuple[str, list]:
    """(trajectory column, checkpoints): simulated time for a time-budget study, else queries."""
    if config.time_budget:
        return "sim_time", time_checkpoints(float(config.time_budget))
    max_steps = int(traj["step"].max()) if len(traj) else 0
    return "step", checkpoints(config.budget or max(max_steps, 1))


def checkpoint_label(axis: str, q: float) -> str:
    return f"best@{format_number(q, decimals=0 if float(q).is_integer() else None)}" + (
        "s" if axis == "sim_time" else ""
    )


def _at(
    traj: pd.DataFrame, col: str, grid: Sequence[float], value: str = "best_report"
) -> dict[str, pd.DataFrame]:
    """searcher -> DataFrame (index seed, columns grid) of `value` at the last row of each run
    with `col` <= the grid point; NaN before the run's first row there (a run not yet started
    is left out, not carried) or while it has no feasible value."""
    out: dict[str, pd.DataFrame] = {}
    for s, g in traj.groupby("searcher", sort=False):
        rows = {}
        for seed, r in g.groupby("seed", sort=True):
            xs = r[col].to_numpy(dtype=float)
            v = r[value].to_numpy(dtype=float)
            pos = np.searchsorted(xs, np.asarray(grid, float), side="right") - 1
            rows[int(seed)] = np.where(pos >= 0, v[np.maximum(pos, 0)], np.nan)
        out[str(s)] = pd.DataFrame.from_dict(rows, orient="index", columns=list(grid))
    return out


def _constraint_list(config: StudyConfig) -> tuple[str, ...]:
    return tuple(getattr(config, "constraints", ()) or ())


def _table_feasible(config: StudyConfig, bench: Benchmark, archs: list) -> np.ndarray:
    """Which of a finite benchmark's `archs` satisfy the study's constraints."""
    ok = np.ones(len(archs), dtype=bool)
    cons = _constraint_list(config)
    if not cons:
        return ok
    from searchers.constraints import parse_constraints

    for c in parse_constraints(cons, bench, config.dataset):
        v = np.asarray(bench.query(archs, c.metric, config.dataset), dtype=float)
        with np.errstate(invalid="ignore"):
            ok &= np.isfinite(v) & (v <= c.bound if c.op == "<=" else v >= c.bound)
    return ok


def _table_archs(config: StudyConfig, bench: Benchmark) -> list:
    """The architectures a study can see: class representatives under isomorphism "merge"."""
    archs = bench.archs(config.dataset)  # type: ignore[attr-defined]
    if config.isomorphism == "merge":
        return list(dict.fromkeys(bench.space.canonical(a) for a in archs))
    return list(archs)


def study_optimum(config: StudyConfig, bench: Benchmark, metric: str, dataset: str) -> float | None:
    """The best value a study can find: the benchmark's optimum of `metric` (None over an open
    space); under isomorphism "merge" the best over class representatives, since no other
    cell's own value is ever seen; under constraints, the best over feasible architectures."""
    if not is_finite(bench):
        return None
    if config.isomorphism != "merge" and not _constraint_list(config):
        return bench.optimum(metric, dataset)  # type: ignore[attr-defined]
    archs = _table_archs(config, bench)
    vals = np.asarray(bench.query(archs, metric, dataset), dtype=float)
    vals = vals[_table_feasible(config, bench, archs)]
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return None
    hib = bench.metric_info(metric, dataset).higher_is_better
    return float(vals.max() if hib else vals.min())


# --- multi-objective ---------------------------------------------------------------------


def _feasible(traj: pd.DataFrame) -> pd.DataFrame:
    if "feasible" in traj.columns:
        return traj[traj["feasible"].astype(bool)]
    return traj


@dataclass
class ObjectiveSpace:
    """Objectives mapped to [0, 1], higher better, by the range of the evaluated feasible points
    of every run in the report; the hypervolume reference point from the union front's nadir."""

    objectives: tuple[str, ...]
    signs: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    union_front: np.ndarray  # normalised
    ref: np.ndarray  # normalised
    true_front: np.ndarray | None  # raw units (None: open space or nothing feasible)
    hv_true: float

    def norm(self, v: np.ndarray) -> np.ndarray:
        z = (np.asarray(v, float) - self.lo) / np.where(self.hi > self.lo, self.hi - self.lo, 1.0)
        return np.where(self.signs > 0, z, 1.0 - z)

    def raw(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, float)
        z = np.where(self.signs > 0, z, 1.0 - z)
        return self.lo + z * np.where(self.hi > self.lo, self.hi - self.lo, 1.0)

    def hv(self, points: np.ndarray) -> float:
        from nas_core.metrics import hypervolume

        return hypervolume(self.norm(points), self.ref)


def objective_space(
    config: StudyConfig, bench: Benchmark, traj: pd.DataFrame
) -> ObjectiveSpace | None:
    """The normalised objective space of a multi-objective study (None: nothing feasible)."""
    objs = tuple(config.objectives)
    cols = [f"obj:{m}" for m in objs]
    pts = _feasible(traj)[cols].to_numpy(float) if len(traj) else np.empty((0, len(objs)))
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not len(pts):
        return None
    d = config.dataset
    signs = np.array([1.0 if bench.metric_info(m, d).higher_is_better else -1.0 for m in objs])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    space = ObjectiveSpace(
        objs, signs, lo, hi, np.empty((0, len(objs))), np.zeros(len(objs)), None, math.nan
    )
    space.union_front = stats.pareto_front(space.norm(pts))
    space.ref = stats.reference_point(space.union_front)
    if is_finite(bench):
        archs = _table_archs(config, bench)
        table = np.column_stack([np.asarray(bench.query(archs, m, d), float) for m in objs])
        table = table[_table_feasible(config, bench, archs) & np.isfinite(table).all(axis=1)]
        if len(table):
            from nas_core.metrics import pareto_mask

            front = table[pareto_mask(space.norm(table))]
            space.true_front = np.unique(front, axis=0)
            space.hv_true = space.hv(space.true_front)
    return space


# --- summary -------------------------------------------------------------------------------


def _ci(values: np.ndarray | pd.Series) -> stats.Interval:
    return stats.interval(np.asarray(values, float), "auto", CONFIDENCE)


def _run_points(traj: pd.DataFrame, objectives: Sequence[str]) -> dict[str, dict[int, np.ndarray]]:
    cols = [f"obj:{m}" for m in objectives]
    f = _feasible(traj)
    out: dict[str, dict[int, np.ndarray]] = {}
    for (s, seed), r in traj.groupby(["searcher", "seed"], sort=True):
        pts = f.loc[r.index.intersection(f.index), cols].to_numpy(float)
        out.setdefault(str(s), {})[int(seed)] = pts[np.isfinite(pts).all(axis=1)]
    return out


def run_scores(
    config: StudyConfig, bench: Benchmark, traj: pd.DataFrame, order: Sequence[str]
) -> tuple[pd.DataFrame, str, bool, ObjectiveSpace | None]:
    """(table seed x searcher of per-run scores, what the score is, higher is better, the
    objective space of a multi-objective study). The score: the run's hypervolume in a
    multi-objective study, else its best report value at the full budget."""
    if not len(traj):
        return pd.DataFrame(columns=list(order)), "no runs", True, None
    if len(config.objectives) > 1:
        space = objective_space(config, bench, traj)
        cols: dict[str, pd.Series] = {}
        for s, per_seed in _run_points(traj, config.objectives).items():
            cols[s] = pd.Series(
                {seed: space.hv(p) if space is not None else 0.0 for seed, p in per_seed.items()}
            )
        table = pd.DataFrame(cols).reindex(columns=[s for s in order if s in cols])
        return table, "hypervolume", True, space
    col, qs = checkpoint_axis(config, traj)
    best = _at(traj, col, qs[-1:])
    table = pd.DataFrame({s: b[qs[-1]] for s, b in best.items()})
    table = table.reindex(columns=[s for s in order if s in table.columns])
    hib = bench.metric_info(config.report_metric, config.dataset).higher_is_better
    at = f"{qs[-1]:g} simulated seconds" if col == "sim_time" else f"{qs[-1]} queries"
    return table, f"the best {config.report_metric} within {at}", hib, None


def _auc_grid(config: StudyConfig, traj: pd.DataFrame) -> tuple[str, np.ndarray]:
    if config.time_budget:
        return "sim_time", np.linspace(0.0, float(config.time_budget), 201)[1:]
    n = int(config.budget or traj["step"].max())
    return "step", np.arange(1, n + 1, dtype=float)


def _interval_dict(iv: stats.Interval) -> dict[str, Any]:
    return {"mean": iv.mean, "lo": iv.lo, "hi": iv.hi, "n": iv.n, "method": iv.method}


def summarize(
    config: StudyConfig, bench: Benchmark, traj: pd.DataFrame, runs: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The per-searcher summary table and the JSON-able summary (see the module docstring)."""
    d = config.dataset
    rm = config.report_metric
    hib = bench.metric_info(rm, d).higher_is_better
    optimum = study_optimum(config, bench, rm, d)
    order = study_searchers(config, runs)
    axis, qs = checkpoint_axis(config, traj)
    best = _at(traj, axis, qs) if len(traj) else {}
    final = qs[-1]
    scores, score_name, score_hib, space = run_scores(config, bench, traj, order)
    mo = len(config.objectives) > 1
    complete = scores.dropna()
    ranks = stats.average_ranks(scores, score_hib) if scores.shape[1] else pd.Series(dtype=float)
    pairwise = stats.holm_wilcoxon(scores) if scores.shape[1] >= 2 else None
    fried = stats.friedman(scores)
    cd = (
        stats.cd_diagram_data(scores, score_hib) if scores.shape[1] >= 2 and len(complete) else None
    )
    # AUC: best-so-far normalised by the range the study saw (the optimum as the best end)
    auc: dict[str, np.ndarray] = {}
    if len(traj):
        acol, agrid = _auc_grid(config, traj)
        vals = traj["best_report"].to_numpy(float)
        vals = vals[np.isfinite(vals)]
        lo_v, hi_v = (float(vals.min()), float(vals.max())) if len(vals) else (math.nan, math.nan)
        if optimum is not None:
            lo_v, hi_v = (lo_v, optimum) if hib else (optimum, hi_v)
        for s, m in _at(traj, acol, agrid).items():
            auc[s] = stats.anytime_auc(agrid, m.to_numpy(float), lo_v, hi_v, hib)
    shares: dict[str, tuple[int, float]] = {}
    attain: dict[str, list] = {}  # median attainment surface, metric units (two objectives)
    if mo and space is not None:
        for s, per_seed in _run_points(traj, config.objectives).items():
            allp = np.vstack(list(per_seed.values())) if per_seed else np.empty((0, 2))
            shares[s] = stats.front_share(
                space.union_front, space.norm(allp) if len(allp) else allp
            )
            if len(config.objectives) == 2:
                surf = stats.attainment_surface([space.norm(p) for p in per_seed.values()], 0.5)
                attain[s] = space.raw(surf).tolist() if len(surf) else []

    rows = []
    per: dict[str, Any] = {}
    methods: list[str] = []
    for s in order:
        rs_ = runs[runs.searcher == s]
        failed = rs_[rs_.status == "failed"]
        entry: dict[str, Any] = {
            "searcher": s,
            "runs_ok": int((rs_.status == "ok").sum()),
            "runs_failed": int(len(failed)),
            "seeds": ",".join(str(int(x)) for x in sorted(rs_.loc[rs_.status == "ok", "seed"])),
        }
        info: dict[str, Any] = {**entry, "errors": sorted(set(failed.error))[:3], "best_at": {}}
        if s in best:
            b = best[s]
            for q in qs:
                v = b[q].dropna().to_numpy()
                iv = _ci(v)
                methods.append(iv.method)
                std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
                sem = std / len(v) ** 0.5 if len(v) > 1 else 0.0
                key = checkpoint_label(axis, q)
                entry.update(
                    {
                        f"{key}_mean": iv.mean,
                        f"{key}_lo": iv.lo,
                        f"{key}_hi": iv.hi,
                        f"{key}_ci_method": iv.method,
                        f"{key}_std": std,
                        f"{key}_sem": sem,
                        f"{key}_n": len(v),
                    }
                )
                info["best_at"][q] = {**_interval_dict(iv), "std": std, "sem": sem}
            if optimum is not None:
                reg = ((optimum - b[final]) if hib else (b[final] - optimum)).dropna()
                iv = _ci(reg)
                entry["regret_mean"] = iv.mean
                entry["regret_lo"], entry["regret_hi"] = iv.lo, iv.hi
                entry["regret_std"] = float(reg.std(ddof=1)) if len(reg) > 1 else 0.0
                entry["regret_ci_method"] = iv.method
                methods.append(iv.method)
            if s in auc:
                iv = _ci(auc[s])
                entry["auc_mean"], entry["auc_lo"], entry["auc_hi"] = iv.mean, iv.lo, iv.hi
                entry["auc_ci_method"] = iv.method
                methods.append(iv.method)
            entry["avg_rank"] = float(ranks.get(s, np.nan))
            if s != "rs" and "rs" in scores.columns and s in scores.columns:
                pair = scores[[s, "rs"]].dropna()
                diff = pair[s] - pair["rs"]
                entry["wilcoxon_p_vs_rs"] = stats.paired_wilcoxon(pair[s], pair["rs"])
                entry["median_diff_vs_rs"] = float(diff.median()) if len(diff) else np.nan
                entry["pairs_vs_rs"] = int(len(pair))
            if mo and s in scores.columns:
                hv = scores[s].dropna().to_numpy(float)
                iv = _ci(hv)
                methods.append(iv.method)
                entry["hv_mean"], entry["hv_lo"], entry["hv_hi"] = iv.mean, iv.lo, iv.hi
                entry["hv_std"] = float(hv.std(ddof=1)) if len(hv) > 1 else 0.0
                entry["hv_ci_method"] = iv.method
                hv_true = space.hv_true if space is not None else math.nan
                entry["hv_ratio_mean"] = (
                    float(hv.mean() / hv_true) if np.isfinite(hv_true) and hv_true > 0 else np.nan
                )
                if s in shares:
                    entry["front_found"], entry["front_share"] = shares[s]
        info.update({k: v for k, v in entry.items() if k not in info and not k.startswith("best@")})
        if s in attain:
            info["attainment_50"] = attain[s]
        per[s] = info
        rows.append(entry)
    summary_df = pd.DataFrame(rows)
    failed_runs = runs[runs.status == "failed"][["searcher", "seed", "error"]]
    seeds_found = sorted(int(x) for x in runs["seed"].unique()) if len(runs) else []
    summary: dict[str, Any] = {
        "config": config.to_dict(),
        "benchmark": {
            "name": bench.name,
            "dataset": d,
            "optimum": optimum,
            "optimum_metric": rm,
            "no_optimum_reason": no_optimum_reason(bench),
            "higher_is_better": hib,
            "cost_source": bench.cost_source(d),
            "cost_rule": cost_rule(bench, config.metric, d),
            "cost": bench.cost_info(d, epoch=cost_epoch(bench, config.metric, d)).to_dict(),
            "provenance": provenance_lines(bench, d, [config.metric, rm, *config.objectives]),
        },
        "searcher_order": order,
        "seeds_found": seeds_found,
        "checkpoint_axis": "simulated time (s)" if axis == "sim_time" else "queries",
        "checkpoints": qs,
        "searchers": per,
        "statistics": {
            "confidence": CONFIDENCE,
            "interval_methods": sorted(set(methods) - {"none"}),
            "interval_rule": (
                "Student's t over the runs; a BCa bootstrap (scipy.stats.bootstrap) when a sample "
                f"of at least {stats.BOOTSTRAP_MIN_N} runs is skewed (|skewness| > "
                f"{stats.SKEW_THRESHOLD})"
            ),
            "score": score_name,
            "score_higher_is_better": score_hib,
            "rank_seeds": int(len(complete)),
            "friedman": {"statistic": fried[0], "p": fried[1]} if fried else None,
            "pairwise_holm_wilcoxon": (
                {
                    a: {b: float(pairwise.loc[a, b]) for b in pairwise.columns}
                    for a in pairwise.index
                }
                if pairwise is not None
                else None
            ),
            "cd_cliques": cd["cliques"] if cd else [],
            "auc": "area under the best-so-far curve over "
            + ("simulated time 0..time budget" if config.time_budget else "queries 1..budget")
            + ", values mapped to [0, 1] by the range the study saw"
            + (" and the optimum" if optimum is not None else "")
            + " (1 = best), before a run's first feasible value 0",
        },
        "runs": {
            "total": int(len(runs)),
            "ok": int((runs.status == "ok").sum()) if len(runs) else 0,
            "failed": int(len(failed_runs)),
        },
        "failed_runs": failed_runs.to_dict(orient="records"),
        "accounting": {
            "isomorphism": config.isomorphism,
            "rule": ISOMORPHISM[config.isomorphism],
        },
        "seed_derivation": "run seed = SeedSequence(base_seed, spawn_key=(seed,)).generate_state(1)[0]",
    }
    if _constraint_list(config):
        summary["constraints"] = list(_constraint_list(config))
    if mo:
        hv_true = space.hv_true if space is not None else math.nan
        summary["benchmark"]["true_front_hypervolume"] = hv_true
        summary["multiobjective"] = {
            "objectives": list(config.objectives),
            "normalisation": "each objective mapped to [0, 1] (1 = best) by the range of all "
            "feasible points evaluated by the runs in this report",
            "reference_point_rule": "nadir of the union Pareto front (normalised) minus "
            f"{stats.HV_MARGIN} in every objective",
            "reference_point": space.ref.tolist() if space is not None else None,
            "reference_point_raw": space.raw(space.ref).tolist() if space is not None else None,
            "range_lo": space.lo.tolist() if space is not None else None,
            "range_hi": space.hi.tolist() if space is not None else None,
            "union_front_size": int(len(space.union_front)) if space is not None else 0,
            "union_front": space.raw(space.union_front).tolist() if space is not None else [],
            "true_front_hypervolume": hv_true,
        }
    return summary_df, summary


# --- tables ------------------------------------------------------------------------------


def _column(cells: list[tuple[float, float, float] | None]) -> list[str]:
    """Mean [CI] cells of one column, all with the decimals of its finest interval."""
    halves = [
        max(c[2] - c[0], c[0] - c[1])
        for c in cells
        if c is not None and np.isfinite(c[1]) and np.isfinite(c[2])
    ]
    dec = max((decimals_for(h, None) for h in halves if h > 0), default=None)
    if dec is None:
        vals = [abs(c[0]) for c in cells if c is not None and np.isfinite(c[0])]
        dec = decimals_for(None, min(vals)) if vals else 0
    return ["-" if c is None else format_mean_ci(c[0], c[1], c[2], decimals=dec) for c in cells]


def _summary_table(
    summary: dict[str, Any], compact: bool = False
) -> tuple[list[str], list[list[str]], set[tuple[int, int]]]:
    """(header, rows, best cells): see `summary_rows`; the best cells are the best mean of each
    column that has a direction (best@, regret, AUC, HV, average rank)."""
    from naslab.tables import best_cells

    qs = summary["checkpoints"]
    shown = qs[-1:] if compact else qs
    mo = "true_front_hypervolume" in summary["benchmark"]
    has_opt = summary["benchmark"].get("optimum") is not None
    hib = bool(summary["benchmark"].get("higher_is_better", True))
    timed = summary.get("checkpoint_axis", "queries") != "queries"
    axis = "sim_time" if timed else "step"
    per = summary["searchers"]
    names = list(per)
    head = ["searcher", "runs ok/failed"]
    cols: list[list[str]] = []
    values: list[list[float]] = []  # per column, the number its best is judged by
    better: list[bool | None] = []

    def ci_column(title: str, key: str, direction: bool | None) -> None:
        cells = [
            (
                per[s][f"{key}_mean"],
                per[s].get(f"{key}_lo", np.nan),
                per[s].get(f"{key}_hi", np.nan),
            )
            if f"{key}_mean" in per[s]
            else None
            for s in names
        ]
        head.append(title)
        cols.append(_column(cells))
        values.append([c[0] if c else np.nan for c in cells])
        better.append(direction)

    for q in shown:
        cells = []
        for s in names:
            b = per[s]["best_at"].get(q, per[s]["best_at"].get(str(q)))
            cells.append((b["mean"], b.get("lo", np.nan), b.get("hi", np.nan)) if b else None)
        head.append(f"{checkpoint_label(axis, q)} (95% CI)")
        cols.append(_column(cells))
        values.append([c[0] if c else np.nan for c in cells])
        better.append(hib)
    if has_opt:
        ci_column("regret (95% CI)", "regret", False)
    if not compact:
        ci_column("AUC (95% CI)", "auc", True)
    if mo:
        ci_column("HV (95% CI)", "hv", True)
        head.append("HV / true")
        cols.append([format_number(per[s].get("hv_ratio_mean"), decimals=3) for s in names])
        head.append("union front found")
        cols.append(
            [
                f"{per[s]['front_found']} ({format_number(100 * per[s]['front_share'], decimals=0)}%)"
                if "front_share" in per[s]
                else "-"
                for s in names
            ]
        )
        values += [[per[s].get("hv_ratio_mean", np.nan) for s in names], [np.nan] * len(names)]
        better += [True, None]
    head += ["avg rank", "p vs rs"]
    cols.append([format_number(per[s].get("avg_rank"), decimals=2) for s in names])
    cols.append(["ref." if s == "rs" else format_p(per[s].get("wilcoxon_p_vs_rs")) for s in names])
    values += [[per[s].get("avg_rank", np.nan) for s in names], [np.nan] * len(names)]
    better += [False, None]
    rows = []
    for i, s in enumerate(names):
        e = per[s]
        rows.append([s, f"{e['runs_ok']}/{e['runs_failed']}", *(c[i] for c in cols)])
    by_row = [[values[j][i] for j in range(len(values))] for i in range(len(names))]
    bold = {(i, j + 2) for i, j in best_cells(by_row, better)} if len(names) > 1 else set()
    return head, rows, bold


def summary_rows(
    summary: dict[str, Any], compact: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the human-readable summary table (report.md, summary.md/.tex;
    `compact` for the console: only the full budget). Every mean is shown with its 95% CI (see
    `table_note` for the method), to the precision the interval warrants, one number of decimals
    per column."""
    head, rows, _ = _summary_table(summary, compact)
    return head, rows


def table_note(summary: dict[str, Any]) -> str:
    """How the summary table's numbers were computed (printed under every rendering)."""
    st = summary.get("statistics", {})
    used = st.get("interval_methods") or ["t"]
    label = stats.method_label(used, st.get("confidence", CONFIDENCE))
    if "bootstrap" in used:
        label += " (x ± h: Student's t; x [lo, hi]: BCa bootstrap)"
    parts = [
        label,
        f"ranks and tests on {st.get('score', 'the final best value')}",
        "p vs rs: two-sided paired Wilcoxon signed-rank test over seeds, uncorrected",
    ]
    return "; ".join(parts) + "."


def pairwise_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    """The Holm-corrected pairwise Wilcoxon p-values as a square table (None: < 2 searchers)."""
    pw = summary.get("statistics", {}).get("pairwise_holm_wilcoxon")
    if not pw:
        return None
    names = list(pw)
    head = ["searcher", *names]
    rows = [[a, *("" if a == b else format_p(pw[a][b]) for b in names)] for a in names]
    return head, rows


def write_tables(out: Path, summary: dict[str, Any], summary_df: pd.DataFrame) -> list[str]:
    """summary.csv (every number, machine-readable), summary.md (every checkpoint) and summary.tex
    (the full budget: a table for a paper), each with the pairwise test table, and pairwise.csv.
    Returns the names written."""
    summary_df.to_csv(out / "summary.csv", index=False)
    head, rows, bold = _summary_table(summary)
    note = table_note(summary) + " Bold: the best mean of a column."
    md = [render_table(head, rows, "markdown", bold=bold, note=note)]
    # the paper table: the full budget only (every checkpoint and the AUC stay in summary.md/.csv),
    # so it fits a page's width
    thead, trows, tbold = _summary_table(summary, compact=True)
    tex = [render_table(thead, trows, "latex", bold=tbold, note=note, caption=_caption(summary))]
    names = ["summary.csv", "summary.md", "summary.tex"]
    pw = pairwise_rows(summary)
    if pw is not None:
        pnote = "Holm-corrected two-sided Wilcoxon signed-rank p-values over paired seeds."
        md += ["", render_table(*pw, "markdown", note=pnote)]
        tex += ["", render_table(*pw, "latex", note=pnote)]
        mat = summary["statistics"]["pairwise_holm_wilcoxon"]
        pd.DataFrame(mat).T.to_csv(out / "pairwise.csv", index_label="searcher")
        names.append("pairwise.csv")
    (out / "summary.md").write_text("\n".join(md))
    (out / "summary.tex").write_text("\n".join(tex))
    return names


def _caption(summary: dict[str, Any]) -> str:
    b = summary["benchmark"]
    return f"{b['name']} / {b['dataset']}: {b['optimum_metric']} over {len(summary['seeds_found'])} seeds"


# --- figures -----------------------------------------------------------------------------


def _metric_text(bench: Benchmark, metric: str, dataset: str) -> tuple[str, str]:
    info = bench.metric_info(metric, dataset)
    return info.description, info.unit


def make_plots(
    config: StudyConfig,
    bench: Benchmark,
    traj: pd.DataFrame,
    out: Path,
    *,
    runs: pd.DataFrame | None = None,
    formats: Sequence[str] | str | None = None,
    notes: list[str] | None = None,
) -> list[str]:
    """Best-so-far (and log-regret, where an optimum exists) vs queries and, unless the cost is
    a unit cost (time = queries), vs simulated time; the critical-difference diagram; the Pareto
    fronts of a multi-objective study. Returns the file names written; `notes` receives what a
    reader needs to know about them (e.g. where a band was left out)."""
    from naslab import figures as fg

    formats = check_formats(formats)
    notes = notes if notes is not None else []
    if traj.empty:
        return []
    runs = runs if runs is not None else traj[list(RUN_KEYS)].drop_duplicates()
    order = study_searchers(config, runs)
    files: list[str] = []
    rm, sm, d = config.report_metric, config.metric, config.dataset
    hib = bench.metric_info(rm, d).higher_is_better
    optimum = study_optimum(config, bench, rm, d)
    desc, unit = _metric_text(bench, rm, d)
    ylabel = fg.best_curve_label(rm, sm, desc, unit)
    max_steps = int(traj["step"].max())
    pos_t = traj.loc[traj["sim_time"] > 0, "sim_time"]
    tmin = float(pos_t.min()) if len(pos_t) else 1.0
    tmax = float(traj["sim_time"].max())
    unit_cost = bench.cost_info(d).kind == "unit"
    grids = {
        "queries": (
            "step",
            np.arange(1, max_steps + 1, dtype=float),
            "queries (distinct architectures)",
        )
    }
    if not unit_cost:
        grids["time"] = (
            "sim_time",
            np.geomspace(tmin, max(tmax, tmin * 1.01), 200),
            f"simulated time [s] ({bench.cost_info(d).kind.replace('_', ' ')})",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for key, (col, grid, xlabel) in grids.items():
            curves = _at(traj, col, grid)
            fig, ax = fg.new_figure((6.4, 4.2))
            gaps = []
            for s in order:
                if s not in curves:
                    continue
                mat = curves[s].to_numpy(float)
                info = fg.line_with_band(ax, grid, mat, s, f"{s} ({mat.shape[0]} runs)")
                if info["no_band_points"] and mat.shape[0] >= 2 and info["band_from"] is not None:
                    gaps.append(f"{s} before {info['band_from']:.3g}")
                elif mat.shape[0] < 2:
                    gaps.append(f"{s} (one run)")
            if optimum is not None:
                ax.axhline(optimum, color="grey", ls=":", lw=1, label=f"optimum {optimum:.4g}")
            _focus_ylim(ax, traj, col, grid, hib, optimum)
            fg.log_x(ax)
            ax.set_xlim(grid[0], grid[-1] if grid[-1] > grid[0] else grid[0] * 10)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel, fontsize=8)
            ax.set_title(
                f"{bench.name} / {d}: mean and 95% CI (Student's t) over seeds", fontsize=9
            )
            fg.legend(ax, order)
            ax.grid(alpha=0.3)
            files += fg.save(fig, out, f"best_vs_{key}", formats)
            if gaps:
                notes.append(
                    f"best_vs_{key}: no band where fewer than half of the runs (at least 3) have a value yet "
                    f"({'; '.join(gaps)}); the line there is the mean of the runs that have one"
                )
            if optimum is not None and any(
                np.isfinite(curves[s].to_numpy(float)).any() for s in curves
            ):  # no regret plot while no run has a (feasible) value: nothing to draw on a log axis
                fig, ax = fg.new_figure((6.4, 4.2))
                allreg = []
                for s in order:
                    if s not in curves:
                        continue
                    reg = (optimum - curves[s]) if hib else (curves[s] - optimum)
                    allreg.append(reg.to_numpy(float))
                flat = np.concatenate([r.ravel() for r in allreg]) if allreg else np.empty(0)
                floor = fg.log_floor(flat)
                zeros = bool(np.any(flat[np.isfinite(flat)] <= 0))
                for s, reg in zip([s for s in order if s in curves], allreg, strict=True):
                    fg.line_with_band(
                        ax,
                        grid,
                        np.maximum(reg, floor),
                        s,
                        f"{s} ({reg.shape[0]} runs)",
                        floor=floor,
                    )
                fg.log_x(ax)
                ax.set_yscale("log")
                ax.set_xlabel(xlabel)
                ax.set_ylabel(
                    fg.metric_label(
                        f"regret of {rm} (optimum - value)"
                        if hib
                        else f"regret of {rm} (value - optimum)",
                        "",
                        unit,
                    ),
                    fontsize=8,
                )
                ax.set_title(
                    f"{bench.name} / {d}: regret to the optimum {optimum:.4g}"
                    + (f" (regret 0 drawn at {floor:.2g})" if zeros else ""),
                    fontsize=9,
                )
                fg.legend(ax, order)
                ax.grid(alpha=0.3, which="both")
                files += fg.save(fig, out, f"regret_vs_{key}", formats)
        scores, score_name, score_hib, space = run_scores(config, bench, traj, order)
        if scores.shape[1] >= 3 and len(scores.dropna()) >= 2:
            cd = stats.cd_diagram_data(scores, score_hib)
            fig, ax = fg.new_figure((6.4, 0.6 + 0.35 * scores.shape[1]))
            fg.cd_diagram(ax, cd["ranks"].to_dict(), cd["p_values"])
            ax.set_title(
                f"average rank on {score_name} over {len(scores.dropna())} seeds; bars: no "
                "difference (Holm-Wilcoxon, α = 0.05)",
                fontsize=8,
            )
            files += fg.save(fig, out, "cd_diagram", formats)
        if len(config.objectives) > 1 and space is not None:
            files += _pareto_plot(config, bench, traj, out, order, space, formats, notes)
    return files


def _focus_ylim(
    ax: Any,
    traj: pd.DataFrame,
    col: str,
    grid: np.ndarray,
    hib: bool,
    optimum: float | None,
) -> None:
    """Y range from the values after the first tenth of the x range to the optimum: the wide
    spread of the first few queries would otherwise flatten every later difference."""
    late = traj.loc[traj[col] >= grid[0] + 0.1 * (grid[-1] - grid[0]), "best_report"]
    late = late.to_numpy(float)
    late = late[np.isfinite(late)]
    if not len(late):
        return
    lo, hi = np.percentile(late, [1, 99])
    if optimum is not None:
        lo, hi = (lo, max(hi, optimum)) if hib else (min(lo, optimum), hi)
    if hi > lo:
        pad = 0.05 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)


def _pareto_plot(
    config: StudyConfig,
    bench: Benchmark,
    traj: pd.DataFrame,
    out: Path,
    order: Sequence[str],
    space: ObjectiveSpace,
    formats: Sequence[str],
    notes: list[str],
) -> list[str]:
    from naslab import figures as fg

    d = config.dataset
    m1, m2 = config.objectives[:2]
    maximise = [bool(space.signs[0] > 0), bool(space.signs[1] > 0)]
    fig, ax = fg.new_figure((6.4, 4.8))
    if space.true_front is not None:
        tf = space.true_front[:, :2]
        o = np.argsort(tf[:, 0])
        ax.step(
            tf[o, 0],
            tf[o, 1],
            where="pre" if maximise[0] else "post",
            color="#BBBBBB",
            lw=2.5,
            label="true front",
            zorder=0,
        )
    uf = space.raw(space.union_front)[:, :2]
    ax.plot(uf[:, 0], uf[:, 1], "k+", ms=7, label=f"union front ({len(uf)} points)")
    if len(config.objectives) == 2:
        for s, per_seed in _run_points(traj, config.objectives).items():
            runs_z = [space.norm(p) for p in per_seed.values()]
            surf = stats.attainment_surface(runs_z, 0.5)
            fg.staircase(
                ax, space.raw(surf), s, f"{s} (median attainment, {len(runs_z)} runs)", maximise
            )
    else:
        notes.append(
            "pareto: more than two objectives; the figure shows the union front projected on "
            f"{m1} and {m2} (attainment surfaces are drawn for two objectives only)"
        )
    ax.set_xlabel(fg.metric_label(m1, *_metric_text(bench, m1, d)), fontsize=8)
    ax.set_ylabel(fg.metric_label(m2, *_metric_text(bench, m2, d)), fontsize=8)
    cut = []
    for i, m in enumerate((m1, m2)):
        lim = fg.focus_limits(uf[:, i], maximise[i])
        if lim is None:
            continue
        edge, n_out = lim
        data = np.concatenate([np.asarray(ln.get_data()[i], float) for ln in ax.get_lines()])
        data = data[np.isfinite(data)]
        best = float(data.max() if maximise[i] else data.min())
        pad = 0.03 * abs(best - edge)
        new = (edge, best + pad) if maximise[i] else (best - pad, edge)
        (ax.set_xlim if i == 0 else ax.set_ylim)(*new)
        cut.append(
            f"{n_out} union-front point(s) with {m} {'<' if maximise[i] else '>'} {edge:.3g}"
        )
    from searchers.constraints import Constraint

    for text in _constraint_list(config):  # a bound on a plotted objective: the feasible side
        c = Constraint.parse(text)
        if c.metric in (m1, m2):
            line = ax.axvline if c.metric == m1 else ax.axhline
            line(c.bound, color="#CC3311", ls="-.", lw=1, label=f"constraint {c}", zorder=1)
    ax.set_title(
        f"Pareto fronts on {bench.name} / {d}"
        + (f"\n(axes cut: {'; '.join(cut)} not shown)" if cut else ""),
        fontsize=9,
    )
    if cut:
        notes.append(f"pareto: axes cut to the front's main part ({'; '.join(cut)} not shown)")
    # beside the axes: fronts and attainment surfaces cross the whole plot, no corner is free
    fg.legend(ax, order, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.grid(alpha=0.3)
    return fg.save(fig, out, "pareto", formats)


# --- report ------------------------------------------------------------------------------


def write_report(
    out: Path, summary: dict[str, Any], plots: list[str], notes: Sequence[str] = ()
) -> Path:
    c, b = summary["config"], summary["benchmark"]
    budget = f"{c['budget']} distinct queries" if c["budget"] else ""
    if c["time_budget"]:
        budget += (" or " if budget else "") + f"{c['time_budget']} simulated seconds"
    head, rows = summary_rows(summary)
    order = summary.get("searcher_order", list(summary["searchers"]))
    seeds = summary.get("seeds_found", [])
    st = summary.get("statistics", {})
    sources = summary.get("sources")
    lines = [
        f"# NAS method comparison: {b['name']} / {b['dataset']}",
        "",
    ]
    if sources:
        lines += [f"- merged from {len(sources)} study folders: {', '.join(sources)}"]
    lines += [
        f"- searchers (every run in the log): {', '.join(order)}; seeds found: "
        f"{_seed_text(seeds)} (base seed {c['base_seed']}); budget {budget}",
        f"- search metric `{c['metric']}`, reported metric `{c['report_metric']}` (the reported "
        f"value of the architecture that is best by the search metric); "
        + (
            f"benchmark optimum {b['optimum']:.6g}"
            if b.get("optimum") is not None
            else str(b.get("no_optimum_reason") or "no optimum")
        ),
        f"- simulated cost: {b.get('cost_rule') or b['cost_source']}",
        f"- budget accounting (isomorphism `{summary['accounting']['isomorphism']}`): "
        f"{summary['accounting']['rule']}",
        f"- runs: {summary['runs']['ok']} ok, {summary['runs']['failed']} failed",
    ]
    if summary.get("constraints"):
        lines.append(
            f"- constraints: {', '.join(summary['constraints'])} (best values, fronts and "
            "hypervolumes count feasible architectures only)"
        )
    mo = summary.get("multiobjective")
    if mo:
        ref = ", ".join(
            f"{m} {v:.4g}"
            for m, v in zip(mo["objectives"], mo["reference_point_raw"] or [], strict=False)
        )
        lines.append(
            f"- objectives: {', '.join(mo['objectives'])}; hypervolume in the normalised space "
            f"({mo['normalisation']}); reference point: {mo['reference_point_rule']} (in the "
            f"metrics' units: {ref}); union front: {mo['union_front_size']} points; true "
            f"front hypervolume in the same space: {format_number(mo['true_front_hypervolume'], decimals=4)}"
        )
    lines += [f"- **warning**: {w}" for w in summary.get("warnings", [])]
    if b.get("provenance"):
        lines += ["", "Where the numbers come from:", ""]
        lines += [f"- {p}" for p in b["provenance"]]
    lines += ["", "## Summary", "", render_table(head, rows, "markdown"), ""]
    axis = summary.get("checkpoint_axis", "queries")
    what = (
        "within t simulated seconds (a run that has evaluated nothing feasible by t is left "
        "out at t, not carried)"
        if axis != "queries"
        else "within q queries"
    )
    regret = (
        "regret: optimum minus best at the full budget; "
        if b.get("optimum") is not None
        else "no regret column (no optimum, see above); "
    )
    lines += [
        f"best@: best reported value {what}, mean over runs. {table_note(summary)} "
        f"{regret}AUC: {st.get('auc', '')}; rank 1 is best.",
        "",
    ]
    fr = st.get("friedman")
    lines += ["## Tests", ""]
    lines.append(
        f"Ranks and tests use {st.get('score', '-')} per run, over the "
        f"{st.get('rank_seeds', 0)} seeds where every searcher has an ok run."
    )
    if fr:
        lines.append(
            f"Friedman test (scipy.stats.friedmanchisquare): statistic {fr['statistic']:.3g}, "
            f"p = {format_p(fr['p'])}."
        )
    else:
        lines.append("Friedman test: needs at least 3 searchers and 2 complete seeds.")
    pw = pairwise_rows(summary)
    if pw is not None:
        lines += [
            "",
            "Pairwise two-sided Wilcoxon signed-rank tests over paired seeds, Holm-corrected "
            "(exact p-values, or the exact sign-flip permutation p-value where differences tie; "
            "Holm's correction by statsmodels; `naslab.stats.holm_wilcoxon`):",
            "",
            render_table(*pw, "markdown"),
        ]
        if st.get("cd_cliques"):
            lines.append(
                "Groups no corrected test separates (α = 0.05): "
                + "; ".join("{" + ", ".join(g) + "}" for g in st["cd_cliques"])
                + "."
            )
        lines.append("")
    shown = [p for p in plots if p.endswith(".png")] or [p for p in plots if p.endswith(".svg")]
    if shown:
        lines += ["## Figures", ""]
        for p in shown:
            stem = p.rsplit(".", 1)[0]
            other = [q for q in plots if q.rsplit(".", 1)[0] == stem and q != p]
            lines += [f"![{p}]({p})", ""]
            if other:
                lines += ["also: " + ", ".join(f"[{q}]({q})" for q in other), ""]
    if notes:
        lines += [f"- {n}" for n in notes] + [""]
    if summary["failed_runs"]:
        lines += ["## Failed runs", ""]
        for r in summary["failed_runs"][:20]:
            lines.append(f"- {r['searcher']} seed {r['seed']}: {r['error']}")
        lines.append("")
    lines += [f"Seeds: {summary['seed_derivation']}.", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def _seed_text(seeds: Sequence[int]) -> str:
    if not seeds:
        return "none"
    if list(seeds) == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}..{seeds[-1]} ({len(seeds)})"
    return ", ".join(map(str, seeds))


def _naslab_wrote(out: Path, name: str) -> bool:
    """Whether the job runner's ownership record says naslab wrote out/name as it is now."""
    from nas_core.jobs import _read_marker, _sha256

    marker = _read_marker(out)
    f = out / name
    return bool(marker and f.is_file() and marker.get("files", {}).get(name) == _sha256(f))


def _remove_stale_time_figures(out: Path) -> list[str]:
    """A unit-cost study draws no 'vs time' figure (it would repeat 'vs queries'); one naslab
    wrote earlier here is removed, a file of that name naslab did not write is left alone."""
    removed = []
    for stem in TIME_STEMS:
        for f in FIGURE_FORMATS:
            name = f"{stem}.{f}"
            if _naslab_wrote(out, name):
                (out / name).unlink()
                removed.append(name)
    return removed


def _empty_runs_note(bench: Benchmark, traj: pd.DataFrame, runs: pd.DataFrame) -> str:
    """Why some ok runs have no value: each of their proposals was missing from a sparse table
    (say so, or a report of dashes looks like a bug)."""
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    if not len(ok):
        return ""
    done = set(zip(traj["searcher"], traj["seed"], strict=True)) if len(traj) else set()
    empty = [r for r in ok.itertuples() if (r.searcher, r.seed) not in done]
    if not empty:
        return ""
    missing = int(sum(getattr(r, "missing", 0) or 0 for r in empty))
    n = bench.num_archs() if hasattr(bench, "num_archs") else None
    held = f"its {n:,} architectures" if n else "its architectures"
    return (
        f"{len(empty)} of {len(ok)} ok runs queried no architecture: all {missing:,} of their "
        f"proposals were missing from benchmark {bench.name!r} ({held} of space "
        f"{bench.space.name!r}), so they have no value; search a complete or surrogate benchmark "
        "of this space instead"
    )


def write_outputs(
    out: Path,
    config: StudyConfig,
    bench: Benchmark,
    traj: pd.DataFrame,
    runs: pd.DataFrame,
    plots: bool = True,
    formats: Sequence[str] | str | None = None,
    sources: Sequence[str] | None = None,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Every output of a report from trajectories and runs (`build_outputs` reads them from a
    study's log; `naslab report` merges several)."""
    formats = check_formats(formats)
    if len(traj):
        cols = [c for c in traj.columns if c not in ("status", "error")]
        traj[cols].to_parquet(out / "trajectories.parquet", index=False)
    runs.to_csv(out / "runs.csv", index=False)
    summary_df, summary = summarize(config, bench, traj, runs)
    if sources:
        summary["sources"] = list(sources)
    summary["warnings"] = own_model_warnings(config, bench)
    tables = write_tables(out, summary, summary_df)
    notes = list(notes)
    empty = _empty_runs_note(bench, traj, runs)
    if empty:
        notes.append(empty)
        summary["empty_runs_note"] = empty
    removed = []
    if bench.cost_info(config.dataset).kind == "unit":
        removed = _remove_stale_time_figures(out)
        notes.append(
            "no 'vs simulated time' figures: the cost is a unit cost (one simulated second per "
            "query), so they would repeat the 'vs queries' ones"
        )
    files = (
        make_plots(config, bench, traj, out, runs=runs, formats=formats, notes=notes)
        if plots
        else []
    )
    write_report(out, summary, files, notes)
    summary["notes"] = notes
    summary["files"] = {
        "trajectories": str(out / "trajectories.parquet"),
        "summary": str(out / "summary.csv"),
        "tables": [str(out / t) for t in tables],
        "report": str(out / "report.md"),
        "plots": [str(out / f) for f in files],
        "removed_stale": removed,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    return summary


def build_outputs(
    out: Path,
    config: StudyConfig,
    bench: Benchmark,
    plots: bool = True,
    *,
    formats: Sequence[str] | str | None = None,
) -> dict[str, Any]:
    """Rebuild trajectories.parquet, runs.csv, summary.{csv,json,md,tex}, pairwise.csv, the
    figures (`formats`, default PNG and PDF) and report.md from the log in `out`."""
    out = Path(out)
    traj, runs = load_results(out)
    return write_outputs(out, config, bench, traj, runs, plots, formats)


#: Settings several studies must share to be merged into one report.
MERGE_KEYS = (
    "bench",
    "dataset",
    "metric",
    "report_metric",
    "objectives",
    "constraints",
    "isomorphism",
    "budget",
    "time_budget",
    "batch_size",
)


def read_study_config(folder: str | Path) -> StudyConfig:
    """The settings of the study in `folder` (its study.json, else its study.toml)."""
    from naslab.compare import StudyConfig, _normalised

    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFileError(f"study folder not found: {folder}")
    js = folder / "study.json"
    if js.is_file():
        try:
            d = _normalised(json.loads(js.read_text()))
        except (ValueError, OSError) as e:
            raise InvalidInputError(f"{js} cannot be read: {e}") from None
        from dataclasses import fields

        from naslab.bench_spec import BenchSpec

        names = {f.name for f in fields(StudyConfig)}
        kw = {k: v for k, v in d.items() if k in names}
        if isinstance(kw.get("bench"), str):
            raise InvalidInputError(
                f"{folder} holds a study on a benchmark object built in Python ({kw['bench']!r}); "
                "it cannot be reloaded here"
            )
        kw["bench"] = BenchSpec.from_list(kw["bench"])
        kw["bench_options"] = {}
        for k in ("searchers", "objectives", "constraints"):
            kw[k] = tuple(kw.get(k) or ())
        return StudyConfig(**kw)
    toml = folder / "study.toml"
    if toml.is_file():
        from naslab.study_file import load_study

        sf = load_study(toml)
        return sf.config
    raise MissingFileError(
        f"{folder} is not a naslab compare output: it has no study.json or study.toml"
    )


def _read_log_copy(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """load_results on a copy of folder/log: a damaged part is set aside in the copy, so reading
    never changes the study folder."""
    import shutil
    import tempfile

    if not (folder / "log").is_dir():
        raise MissingFileError(f"{folder} has no log/ folder: no runs to report")
    with tempfile.TemporaryDirectory(prefix="naslab-report-") as tmp:
        shutil.copytree(folder / "log", Path(tmp) / "log")
        return load_results(tmp)


def merge_studies(
    folders: Sequence[str | Path],
    out: str | Path,
    *,
    plots: bool = True,
    formats: Sequence[str] | str | None = None,
) -> dict[str, Any]:
    """One report over every run of several finished studies of the same benchmark, written to
    `out` (never into the input folders). The studies must agree on MERGE_KEYS (InvalidInputError
    naming what differs); a (searcher, seed) run found in two folders must be the same run (same
    base seed and parameters): it is counted once."""
    from dataclasses import replace

    from nas_core.jobs import OutputDir
    from naslab.compare import resolve

    formats = check_formats(formats)
    folders = [Path(f) for f in folders]
    if not folders:
        raise InvalidInputError("give at least one study folder to report on")
    out = Path(out)
    out_r = out.expanduser().resolve()
    for f in folders:
        fr = f.expanduser().resolve()
        if out_r == fr or fr in out_r.parents:
            raise InvalidInputError(
                f"--out {out} is inside the study folder {f}: the report is never written into an "
                "input folder; give another --out"
            )
    resolved = []
    for f in folders:
        cfg, bench = resolve(read_study_config(f))
        resolved.append((f, cfg, bench))
    f0, c0, bench = resolved[0]
    d0 = json.loads(json.dumps(c0.to_dict(), default=str))
    for f, c, _ in resolved[1:]:
        d = json.loads(json.dumps(c.to_dict(), default=str))
        diff = [k for k in MERGE_KEYS if d.get(k) != d0.get(k)]
        if diff:
            shown = "; ".join(f"{k}: {d0.get(k)!r} in {f0}, {d.get(k)!r} in {f}" for k in diff)
            raise InvalidInputError(
                f"cannot merge studies that differ in {', '.join(diff)} ({shown}); a merged "
                f"report needs the same {', '.join(MERGE_KEYS)}"
            )
    trajs, runs_l = [], []
    owner: dict[tuple[str, int], tuple[Path, int, Any]] = {}
    for f, c, _ in resolved:
        traj, runs = _read_log_copy(f)
        keep = []
        for r in runs.itertuples(index=False):
            key = (str(r.searcher), int(r.seed))
            mine = (f, c.base_seed, c.params.get(key[0], {}))
            if key in owner:
                of, ob, op = owner[key]
                if (ob, op) != (mine[1], mine[2]):
                    raise InvalidInputError(
                        f"run {key[0]} seed {key[1]} is in {of} and in {f} with a different "
                        f"base seed or parameters (base seed {ob} vs {mine[1]}, parameters {op} "
                        f"vs {mine[2]}); merge studies whose runs do not overlap, or that share "
                        "these settings"
                    )
                continue  # the same deterministic run: counted once
            owner[key] = mine
            keep.append(key)
        kk = pd.MultiIndex.from_tuples(keep, names=list(RUN_KEYS)) if keep else None
        if kk is not None:
            ri = pd.MultiIndex.from_arrays([runs.searcher.astype(str), runs.seed.astype(int)])
            runs_l.append(runs[ri.isin(kk)])
            if len(traj):
                ti = pd.MultiIndex.from_arrays([traj.searcher.astype(str), traj.seed.astype(int)])
                trajs.append(traj[ti.isin(kk)])
    runs = (
        pd.concat(runs_l, ignore_index=True) if runs_l else pd.DataFrame(columns=list(RUN_COLUMNS))
    )
    traj = pd.concat(trajs, ignore_index=True) if trajs else pd.DataFrame()
    runs = runs.sort_values(list(RUN_KEYS)).reset_index(drop=True)
    if len(traj):
        traj = traj.sort_values([*RUN_KEYS, "step"]).reset_index(drop=True)
    order = list(dict.fromkeys(s for _, c, _ in resolved for s in c.searchers))
    seeds = max(c.seeds for _, c, _ in resolved)
    params: dict[str, dict[str, Any]] = {}
    for _, c, _ in resolved:
        for s, p in c.params.items():
            params.setdefault(s, dict(p))
    merged = replace(c0, searchers=tuple(order), seeds=seeds, params=params)
    notes = []
    bases = sorted({c.base_seed for _, c, _ in resolved})
    if len(bases) > 1:
        notes.append(
            f"the studies use different base seeds ({', '.join(map(str, bases))}): runs are "
            "paired by seed index, but runs of different studies do not share random numbers"
        )
    od = OutputDir(out, "report", (), REPORT_FILES)
    with od.open():
        try:
            return write_outputs(
                od.path,
                merged,
                bench,
                traj,
                runs,
                plots,
                formats,
                sources=[str(f) for f in folders],
                notes=notes,
            )
        finally:
            od.record()


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


__all__ = [
    "DEFAULT_FORMATS",
    "REPORT_FILES",
    "build_outputs",
    "load_results",
    "make_plots",
    "merge_studies",
    "read_study_config",
    "summarize",
    "summary_rows",
    "write_outputs",
    "write_report",
]
