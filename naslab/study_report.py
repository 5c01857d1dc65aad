"""The report of a comparison study: statistics, tables, figures and report.md, rebuilt from a
study folder's log (`naslab.compare` runs the study; this module only reads what it wrote).

Statistics (per searcher, over ok runs): mean, std and standard error of the best report value
found within several query budgets; regret to the benchmark's optimum of the report metric (only
for a benchmark with a finite table: one over an open space has no optimum, and the report says
so); average rank at the full budget (rank 1 = best, ties averaged; over seeds where every
searcher ran); a two-sided paired Wilcoxon signed-rank test against random search
(`scipy.stats.wilcoxon`, pairs = seeds). Multi-objective studies add, per run, the hypervolume of
every architecture it evaluated in objective space normalised to [0, 1] by the benchmark's range
(reference point 0), and its ratio to the hypervolume of the benchmark's true Pareto front (over an
open space: the range of the values the study found, and no ratio). The report names each shown
metric's provenance.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from benchmarks.base import Benchmark, is_finite
from nas_core.results import ResultLog
from naslab.study_metrics import no_optimum_reason, provenance_lines
from searchers.loop import ISOMORPHISM

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
    traj = traj.drop_duplicates(list(RUN_KEYS) + ["step"], keep="first")
    traj = (
        traj.sort_values(list(RUN_KEYS) + ["step"]).drop(columns=["_part"]).reset_index(drop=True)
    )
    runs = runs[list(RUN_COLUMNS)].sort_values(list(RUN_KEYS)).reset_index(drop=True)
    return traj, runs


def checkpoints(budget: int) -> list[int]:
    """Query budgets at which the summary reports the best found: 10%, 25%, 50%, 100%."""
    return sorted({max(1, round(budget * f)) for f in (0.1, 0.25, 0.5, 1.0)})


def _best_at(traj: pd.DataFrame, qs: Sequence[int]) -> dict[str, pd.DataFrame]:
    """searcher -> DataFrame (index seed, columns qs) of the best report value within q queries."""
    out: dict[str, pd.DataFrame] = {}
    for s, g in traj.groupby("searcher", sort=False):
        rows = {}
        for seed, r in g.groupby("seed", sort=True):
            steps = r["step"].to_numpy()
            best = r["best_report"].to_numpy()
            pos = np.searchsorted(steps, qs, side="right") - 1
            rows[int(seed)] = np.where(pos >= 0, best[np.maximum(pos, 0)], np.nan)
        out[str(s)] = pd.DataFrame.from_dict(rows, orient="index", columns=list(qs))
    return out


def _curves(traj: pd.DataFrame, x: str, grid: np.ndarray) -> dict[str, np.ndarray]:
    """searcher -> (runs, len(grid)) best report value at each grid point of column `x`."""
    out: dict[str, np.ndarray] = {}
    for s, g in traj.groupby("searcher", sort=False):
        mats = []
        for _, r in g.groupby("seed", sort=True):
            xs = r[x].to_numpy(dtype=float)
            best = r["best_report"].to_numpy(dtype=float)
            pos = np.searchsorted(xs, grid, side="right") - 1
            mats.append(np.where(pos >= 0, best[np.maximum(pos, 0)], np.nan))
        out[str(s)] = np.vstack(mats)
    return out


def _normaliser(
    bench: Benchmark, dataset: str, objectives: Sequence[str], traj: pd.DataFrame | None = None
):
    """Map objective values to [0, 1], higher better, by the benchmark's own range; also return
    the hypervolume of the benchmark's true Pareto front in that space. A benchmark over an open
    space has no table: the range is that of the values in `traj`, and the true front is unknown
    (hypervolume NaN, front None)."""
    from searchers.nsga2 import hypervolume, pareto_mask

    if is_finite(bench):
        archs = bench.archs(dataset)  # type: ignore[attr-defined]
        table = np.column_stack(
            [np.asarray(bench.query(archs, m, dataset), float) for m in objectives]
        )
    else:
        table = np.empty((0, len(objectives)))
        if traj is not None and len(traj):
            table = traj[[f"obj:{m}" for m in objectives]].to_numpy(float)
    lo, hi = np.nanmin(table, axis=0), np.nanmax(table, axis=0)
    signs = np.array(
        [1.0 if bench.metric_info(m, dataset).higher_is_better else -1.0 for m in objectives]
    )

    def norm(v: np.ndarray) -> np.ndarray:
        z = (np.asarray(v, float) - lo) / np.where(hi > lo, hi - lo, 1.0)
        return np.where(signs > 0, z, 1.0 - z)

    if not is_finite(bench):
        return norm, float("nan"), None
    zt = norm(table)
    front = zt[pareto_mask(zt)]
    ref = np.zeros(len(objectives))
    return norm, hypervolume(front, ref), table[pareto_mask(zt)]


def study_optimum(config: StudyConfig, bench: Benchmark, metric: str, dataset: str) -> float | None:
    """The best value a study can find: the benchmark's optimum of `metric` (None over an open
    space); under isomorphism "merge" the best over class representatives, since no other
    cell's own value is ever seen."""
    if not is_finite(bench):
        return None
    if config.isomorphism != "merge":
        return bench.optimum(metric, dataset)  # type: ignore[attr-defined]
    space = bench.space
    archs = bench.archs(dataset)  # type: ignore[attr-defined]
    reps = list(dict.fromkeys(space.canonical(a) for a in archs))
    vals = np.asarray(bench.query(reps, metric, dataset), dtype=float)
    hib = bench.metric_info(metric, dataset).higher_is_better
    return float(np.nanmax(vals) if hib else np.nanmin(vals))


def _average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks along each row, ties sharing their mean rank: scipy.stats.rankdata(a, axis=1) with
    its default method (exact: the ranks are halves), without importing scipy.stats."""
    out = np.empty(a.shape, dtype=float)
    for i, row in enumerate(a):
        order = np.argsort(row, kind="mergesort")
        ordered = row[order]
        new = np.r_[True, ordered[1:] != ordered[:-1]]
        starts = np.r_[np.flatnonzero(new), len(row)]
        group = np.cumsum(new) - 1
        out[i, order] = 0.5 * (starts[group] + starts[group + 1] + 1)
    return out


def summarize(
    config: StudyConfig, bench: Benchmark, traj: pd.DataFrame, runs: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The per-searcher summary table and the JSON-able summary (see the module docstring)."""
    d = config.dataset
    rm = config.report_metric
    hib = bench.metric_info(rm, d).higher_is_better
    optimum = study_optimum(config, bench, rm, d)
    max_steps = int(traj["step"].max()) if len(traj) else 0
    qs = checkpoints(config.budget or max(max_steps, 1))
    best = _best_at(traj, qs) if len(traj) else {}
    final = qs[-1]
    # average rank over seeds where every searcher has an ok run
    ranks: dict[str, float] = {}
    present = [s for s in config.searchers if s in best]
    if present:
        table = pd.concat({s: best[s][final] for s in present}, axis=1).dropna()
        if len(table):
            r = _average_ranks(-table.to_numpy() if hib else table.to_numpy())
            ranks = dict(zip(present, r.mean(axis=0), strict=True))
    mo = len(config.objectives) > 1
    if mo:
        norm, hv_true, _ = _normaliser(bench, d, config.objectives, traj)
        from searchers.nsga2 import hypervolume

    rows = []
    per: dict[str, Any] = {}
    for s in config.searchers:
        rs_ = runs[runs.searcher == s]
        failed = rs_[rs_.status == "failed"]
        entry: dict[str, Any] = {
            "searcher": s,
            "runs_ok": int((rs_.status == "ok").sum()),
            "runs_failed": int(len(failed)),
        }
        info: dict[str, Any] = {**entry, "errors": sorted(set(failed.error))[:3], "best_at": {}}
        if s in best:
            b = best[s]
            for q in qs:
                v = b[q].dropna().to_numpy()
                mean = float(v.mean()) if len(v) else np.nan
                std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
                sem = float(np.std(v, ddof=1) / len(v) ** 0.5) if len(v) > 1 else 0.0  # stats.sem
                entry[f"best@{q}_mean"], entry[f"best@{q}_std"], entry[f"best@{q}_sem"] = (
                    mean,
                    std,
                    sem,
                )
                info["best_at"][q] = {"mean": mean, "std": std, "sem": sem, "n": len(v)}
            if optimum is not None:
                reg = (optimum - b[final]) if hib else (b[final] - optimum)
                entry["regret_mean"] = float(reg.mean())
                entry["regret_std"] = float(reg.std(ddof=1)) if len(reg) > 1 else 0.0
            entry["avg_rank"] = float(ranks.get(s, np.nan))
            if s != "rs" and "rs" in best:
                pair = pd.concat([b[final], best["rs"][final]], axis=1, keys=["s", "rs"]).dropna()
                diff = pair["s"] - pair["rs"]
                if len(pair) and np.any(diff != 0):
                    from scipy import stats  # here: the import is most of a small study's summary

                    w = stats.wilcoxon(pair["s"], pair["rs"])
                    p = float(w.pvalue)
                else:
                    p = 1.0
                entry["wilcoxon_p_vs_rs"] = p
                entry["median_diff_vs_rs"] = float(diff.median()) if len(diff) else np.nan
                entry["pairs_vs_rs"] = int(len(pair))
            if mo:
                hvs = []
                for _, r in traj[traj.searcher == s].groupby("seed"):
                    z = norm(r[[f"obj:{m}" for m in config.objectives]].to_numpy(float))
                    hvs.append(hypervolume(z, np.zeros(len(config.objectives))))
                hv = np.asarray(hvs)
                entry["hv_mean"] = float(hv.mean())
                entry["hv_std"] = float(hv.std(ddof=1)) if len(hv) > 1 else 0.0
                entry["hv_ratio_mean"] = (
                    float(hv.mean() / hv_true) if np.isfinite(hv_true) and hv_true > 0 else np.nan
                )
        info.update({k: v for k, v in entry.items() if k not in info and not k.startswith("best@")})
        per[s] = info
        rows.append(entry)
    summary_df = pd.DataFrame(rows)
    failed_runs = runs[runs.status == "failed"][["searcher", "seed", "error"]]
    summary = {
        "config": config.to_dict(),
        "benchmark": {
            "name": bench.name,
            "dataset": d,
            "optimum": optimum,
            "optimum_metric": rm,
            "no_optimum_reason": no_optimum_reason(bench),
            "higher_is_better": hib,
            "cost_source": bench.cost_source(d),
            "cost": bench.cost_info(d).to_dict(),
            "provenance": provenance_lines(bench, d, [config.metric, rm, *config.objectives]),
        },
        "checkpoints": qs,
        "searchers": per,
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
    if mo:
        summary["benchmark"]["true_front_hypervolume"] = hv_true
    return summary_df, summary


def _band(ax: Any, x: np.ndarray, mat: np.ndarray, label: str) -> None:
    mean = np.nanmean(mat, axis=0)
    n = np.sum(~np.isnan(mat), axis=0)
    sd = np.nanstd(mat, axis=0, ddof=1) if mat.shape[0] > 1 else np.zeros_like(mean)
    half = 1.96 * sd / np.sqrt(np.maximum(n, 1))
    (line,) = ax.plot(x, mean, label=label, lw=1.5)
    ax.fill_between(x, mean - half, mean + half, color=line.get_color(), alpha=0.2, lw=0)


def make_plots(config: StudyConfig, bench: Benchmark, traj: pd.DataFrame, out: Path) -> list[str]:
    """best-so-far vs queries and vs simulated time (mean, 95% CI band), and Pareto fronts."""
    import warnings

    if traj.empty:
        return []
    # Figures on the Agg canvas directly: pyplot (its backend machinery and figure manager) is
    # not needed to write PNG files, and is most of matplotlib's import time.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def subplots(figsize: tuple[float, float]) -> tuple[Any, Any]:
        fig = Figure(figsize=figsize)
        FigureCanvasAgg(fig)
        return fig, fig.subplots()

    files = []
    rm, d = config.report_metric, config.dataset
    optimum = study_optimum(config, bench, rm, d)
    max_steps = int(traj["step"].max())
    tmax = float(traj["sim_time"].max())
    tmin = (
        float(traj.loc[traj["sim_time"] > 0, "sim_time"].min())
        if (traj["sim_time"] > 0).any()
        else 1.0
    )
    grids = {
        "queries": (
            "step",
            np.arange(1, max_steps + 1, dtype=float),
            "queries (distinct architectures)",
        ),
        "time": ("sim_time", np.geomspace(tmin, max(tmax, tmin * 1.01), 200), "simulated time (s)"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nan-means over not-yet-started runs
        for key, (col, grid, xlabel) in grids.items():
            fig, ax = subplots(figsize=(6.4, 4.2))
            for s, mat in _curves(traj, col, grid).items():
                _band(ax, grid, mat, f"{s} ({mat.shape[0]} runs)")
            if optimum is not None:  # an open space has no optimum to draw
                ax.axhline(optimum, color="grey", ls="--", lw=1, label=f"optimum {optimum:.4g}")
            ax.set_xscale("log")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(f"best {rm} found")
            ax.set_title(f"{bench.name} / {d}: mean and 95% CI over seeds")
            lo = np.nanpercentile(traj.loc[traj.step >= max(1, max_steps // 10), "best_report"], 1)
            if optimum is not None and np.isfinite(lo) and lo < optimum:
                pad = 0.05 * (optimum - lo)
                if bench.metric_info(rm, d).higher_is_better:
                    ax.set_ylim(lo - pad, optimum + pad)
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
            fig.tight_layout()
            name = f"best_vs_{key}.png"
            fig.savefig(out / name, dpi=110)
            files.append(name)
    if len(config.objectives) > 1:
        from searchers.nsga2 import hypervolume, pareto_mask

        norm, _, true_front = _normaliser(bench, d, config.objectives, traj)
        m1, m2 = config.objectives[:2]
        fig, ax = subplots(figsize=(6.4, 4.6))
        if true_front is not None:  # unknown over an open space
            order = np.argsort(true_front[:, 0])
            ax.plot(
                true_front[order, 0], true_front[order, 1], "k.-", lw=0.8, ms=3, label="true front"
            )
        cols = [f"obj:{m}" for m in config.objectives]
        for s, g in traj.groupby("searcher", sort=False):
            fronts = []
            for _, r in g.groupby("seed"):
                v = r[cols].to_numpy(float)
                fronts.append((hypervolume(norm(v), np.zeros(len(cols))), v[pareto_mask(norm(v))]))
            fronts.sort(key=lambda t: t[0])
            med = fronts[len(fronts) // 2][1]
            o = np.argsort(med[:, 0])
            ax.plot(med[o, 0], med[o, 1], "o-", ms=3, lw=1, label=f"{s} (median-HV run)")
        ax.set_xlabel(m1)
        ax.set_ylabel(m2)
        ax.set_title(f"Pareto fronts on {bench.name} / {d}")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "pareto.png", dpi=110)
        files.append("pareto.png")
    return files


def _fmt(x: Any, digits: int = 4) -> str:
    if isinstance(x, (float, np.floating)):
        return "nan" if not np.isfinite(x) else f"{x:.{digits}g}"
    return str(x)


def summary_rows(
    summary: dict[str, Any], compact: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the human-readable summary table (report.md; `compact` for the console:
    only the full budget)."""
    qs = summary["checkpoints"]
    shown = qs[-1:] if compact else qs
    mo = "true_front_hypervolume" in summary["benchmark"]
    has_opt = summary["benchmark"].get("optimum") is not None
    head = ["searcher", "ok/failed"] + [f"best@{q} mean ± std (se)" for q in shown]
    head += ["regret"] if has_opt else []
    head += ["avg rank", "p vs rs"] + (["HV (ratio)"] if mo else [])
    rows = []
    for s, e in summary["searchers"].items():
        row = [s, f"{e['runs_ok']}/{e['runs_failed']}"]
        for q in shown:
            b = e["best_at"].get(q)
            row.append(f"{b['mean']:.3f} ± {b['std']:.3f} ({b['sem']:.3f})" if b else "-")
        if has_opt:
            row.append(f"{e['regret_mean']:.3f}" if "regret_mean" in e else "-")
        row.append(_fmt(e.get("avg_rank", np.nan), 3))
        row.append("ref." if s == "rs" else _fmt(e.get("wilcoxon_p_vs_rs", np.nan), 3))
        if mo:
            row.append(f"{e.get('hv_mean', np.nan):.4f} ({e.get('hv_ratio_mean', np.nan):.3f})")
        rows.append(row)
    return head, rows


def _markdown_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_report(out: Path, summary: dict[str, Any], plots: list[str]) -> Path:
    c, b = summary["config"], summary["benchmark"]
    budget = f"{c['budget']} distinct queries" if c["budget"] else ""
    if c["time_budget"]:
        budget += (" or " if budget else "") + f"{c['time_budget']} simulated seconds"
    head, rows = summary_rows(summary)
    lines = [
        f"# NAS method comparison: {b['name']} / {b['dataset']}",
        "",
        f"- searchers: {', '.join(c['searchers'])}; {c['seeds']} seeds each (base seed "
        f"{c['base_seed']}); budget {budget}",
        f"- search metric `{c['metric']}`, reported metric `{c['report_metric']}` (the reported "
        f"value of the architecture that is best by the search metric); "
        + (
            f"benchmark optimum {b['optimum']:.4f}"
            if b.get("optimum") is not None
            else str(b.get("no_optimum_reason") or "no optimum")
        ),
        f"- simulated cost: {b['cost_source']}",
        f"- budget accounting (isomorphism `{summary['accounting']['isomorphism']}`): "
        f"{summary['accounting']['rule']}",
        f"- runs: {summary['runs']['ok']} ok, {summary['runs']['failed']} failed",
    ]
    if c["objectives"] and len(c["objectives"]) > 1:
        lines.append(
            f"- objectives: {', '.join(c['objectives'])}; hypervolume in the benchmark-normalised "
            f"space (true front: {b.get('true_front_hypervolume', float('nan')):.4f})"
        )
    if b.get("provenance"):
        lines += ["", "Where the numbers come from:", ""]
        lines += [f"- {p}" for p in b["provenance"]]
    lines += ["", "## Summary", "", _markdown_table(head, rows), ""]
    regret = (
        "regret: optimum minus best at the full budget; "
        if b.get("optimum") is not None
        else "no regret column (no optimum, see above); "
    )
    lines += [
        "best@q: best reported value within q queries (mean ± std over seeds, standard error in "
        f"brackets); {regret}rank 1 is best; Wilcoxon: "
        "two-sided paired signed-rank test against random search over seeds.",
        "",
    ]
    for p in plots:
        lines += [f"![{p}]({p})", ""]
    if summary["failed_runs"]:
        lines += ["## Failed runs", ""]
        for r in summary["failed_runs"][:20]:
            lines.append(f"- {r['searcher']} seed {r['seed']}: {r['error']}")
        lines.append("")
    lines += [f"Seeds: {summary['seed_derivation']}.", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def build_outputs(
    out: Path, config: StudyConfig, bench: Benchmark, plots: bool = True
) -> dict[str, Any]:
    """Rebuild trajectories.parquet, runs.csv, summary.{csv,json}, plots and report.md from the log."""
    traj, runs = load_results(out)
    if len(traj):
        cols = [c for c in traj.columns if c not in ("status", "error")]
        traj[cols].to_parquet(out / "trajectories.parquet", index=False)
    runs.to_csv(out / "runs.csv", index=False)
    summary_df, summary = summarize(config, bench, traj, runs)
    summary_df.to_csv(out / "summary.csv", index=False)
    files = make_plots(config, bench, traj, out) if plots else []
    write_report(out, summary, files)
    summary["files"] = {
        "trajectories": str(out / "trajectories.parquet"),
        "summary": str(out / "summary.csv"),
        "report": str(out / "report.md"),
        "plots": [str(out / f) for f in files],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    return summary


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
