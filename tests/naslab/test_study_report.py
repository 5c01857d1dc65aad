"""The study report: statistics recomputed from the trajectories, time checkpoints, multi-objective
hypervolume, feasibility, the tables and the figures a study folder gets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nas_core.jobs import record_outputs
from nas_core.metrics import hypervolume, pareto_mask
from naslab import stats
from naslab.compare import StudyConfig, resolve, run_study
from naslab.study_report import REPORT_FILES, build_outputs, summarize

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    cfg = StudyConfig(searchers=("rs", "re", "ls"), seeds=4, budget=30)
    summary = run_study(cfg, out)
    return out, cfg, summary


def test_intervals_are_student_t_of_the_per_seed_values(study):
    out, _, s = study
    traj = pd.read_parquet(out / "trajectories.parquet")
    final = traj[traj.step <= 30].groupby(["searcher", "seed"]).best_report.last()
    for name in ("rs", "re", "ls"):
        v = final[name].to_numpy()
        b = s["searchers"][name]["best_at"][30]
        lo, hi = sps.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=sps.sem(v))
        assert b["method"] == "t" and b["n"] == 4
        assert (b["mean"], b["lo"], b["hi"]) == pytest.approx((v.mean(), lo, hi))
    st = s["statistics"]
    assert st["interval_methods"] == ["t"]
    assert st["score"] == "the best baseline_accuracy within 30 queries"


def test_ranks_and_pairwise_tests_on_the_final_scores(study):
    out, _, s = study
    traj = pd.read_parquet(out / "trajectories.parquet")
    table = traj.groupby(["seed", "searcher"]).best_report.last().unstack()[["rs", "re", "ls"]]
    ranks = stats.average_ranks(table, higher_is_better=True)
    for name in ("rs", "re", "ls"):
        assert s["searchers"][name]["avg_rank"] == pytest.approx(ranks[name])
    p = stats.holm_wilcoxon(table)
    got = s["statistics"]["pairwise_holm_wilcoxon"]
    assert got["re"]["ls"] == pytest.approx(p.loc["re", "ls"])
    fr = sps.friedmanchisquare(*(table[c] for c in table.columns))
    if s["statistics"]["friedman"]["p"] != 1.0:  # all-equal columns are reported as p = 1
        assert s["statistics"]["friedman"]["p"] == pytest.approx(fr.pvalue)
    assert s["searchers"]["re"]["wilcoxon_p_vs_rs"] == pytest.approx(
        stats.paired_wilcoxon(table["re"], table["rs"])
    )


def test_every_table_and_figure_is_written_and_named_in_report_files(study):
    out, _, s = study
    for f in ("summary.csv", "summary.md", "summary.tex", "pairwise.csv", "report.md"):
        assert (out / f).stat().st_size > 0, f
    for f in ("best_vs_queries", "regret_vs_queries", "cd_diagram"):
        assert (out / f"{f}.png").stat().st_size > 0
        assert (out / f"{f}.pdf").read_bytes().startswith(b"%PDF")
    written = {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert written - {"study.json", "study.toml"} <= set(REPORT_FILES)
    tex = (out / "summary.tex").read_text()
    assert "\\toprule" in tex and "Student's t" in tex and "$\\pm$" in tex
    md = (out / "summary.md").read_text()
    assert "95% CI: Student's t" in md and "Holm-corrected" in md
    # the best mean of each column is bold: at best@30, the searcher with the highest mean
    best = max(("rs", "re", "ls"), key=lambda n: s["searchers"][n]["best_at"][30]["mean"])
    row = next(ln for ln in md.splitlines() if ln.startswith(f"| {best} |"))
    assert row.split("|")[6].strip().startswith("**")
    # unit cost: time = queries, so no 'vs time' figure, and the report says why
    assert not (out / "best_vs_time.png").exists()
    assert "unit cost" in (out / "report.md").read_text()
    csv = pd.read_csv(out / "summary.csv")
    assert list(csv.searcher) == ["rs", "re", "ls"]
    assert set(csv["best@30_ci_method"]) == {"t"}


def test_the_report_describes_every_run_in_the_folder(study, tmp_path):
    out, cfg, _ = study
    only_re = StudyConfig(searchers=("re",), seeds=2, budget=30)
    resolved, bench = resolve(only_re)
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    s = build_outputs(copy, resolved, bench)
    assert s["searcher_order"] == ["re", "ls", "rs"]  # the config's first, then the others
    assert s["seeds_found"] == [0, 1, 2, 3]
    assert all(s["searchers"][n]["runs_ok"] == 4 for n in ("re", "ls", "rs"))
    report = (copy / "report.md").read_text()
    assert "searchers (every run in the log): re, ls, rs" in report


def test_stale_time_figures_go_only_if_naslab_wrote_them(study, tmp_path):
    import shutil

    out, cfg, _ = study
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "best_vs_time.png").write_bytes(b"an old naslab figure")
    record_outputs(copy, ["best_vs_time.png"])  # the ownership record says naslab wrote it
    (copy / "regret_vs_time.pdf").write_bytes(b"the user's own file")  # not recorded
    resolved, bench = resolve(cfg)
    s = build_outputs(copy, resolved, bench, plots=False)
    assert s["files"]["removed_stale"] == ["best_vs_time.png"]
    assert not (copy / "best_vs_time.png").exists()
    assert (copy / "regret_vs_time.pdf").read_bytes() == b"the user's own file"


def _fake_runs(traj: pd.DataFrame) -> pd.DataFrame:
    keys = traj[["searcher", "seed"]].drop_duplicates()
    return keys.assign(run_seed=0, status="ok", error="").reset_index(drop=True)


def test_time_checkpoints_leave_out_runs_that_have_not_started():
    cfg, bench = resolve(StudyConfig(searchers=("rs",), seeds=3, budget=None, time_budget=40.0))
    rows = []
    for seed, (times, vals) in enumerate(
        [([1, 3, 12], [90.0, 91.0, 93.0]), ([2, 30], [89.0, 92.0]), ([6, 8], [80.0, 85.0])]
    ):
        for i, (t, v) in enumerate(zip(times, vals, strict=True)):
            rows.append(
                {
                    "searcher": "rs",
                    "seed": seed,
                    "step": i + 1,
                    "sim_time": float(t),
                    "best_report": v,
                    "best_search": v,
                }
            )
    traj = pd.DataFrame(rows)
    _, s = summarize(cfg, bench, traj, _fake_runs(traj))
    assert s["checkpoints"] == [4.0, 10.0, 20.0, 40.0]
    assert s["checkpoint_axis"] == "simulated time (s)"
    at4 = s["searchers"]["rs"]["best_at"][4.0]
    assert at4["n"] == 2 and at4["mean"] == pytest.approx((91.0 + 89.0) / 2)  # seed 2 not started
    at10 = s["searchers"]["rs"]["best_at"][10.0]
    assert at10["n"] == 3 and at10["mean"] == pytest.approx((91.0 + 89.0 + 85.0) / 3)


def test_multi_objective_hypervolume_uses_the_documented_reference(tmp_path):
    cfg = StudyConfig(
        searchers=("rs", "nsga2"),
        seeds=3,
        budget=40,
        objectives=("baseline_accuracy", "analog_accuracy"),
    )
    s = run_study(cfg, tmp_path)
    traj = pd.read_parquet(tmp_path / "trajectories.parquet")
    cols = ["obj:baseline_accuracy", "obj:analog_accuracy"]
    pts = traj[cols].to_numpy(float)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    z = (pts - lo) / (hi - lo)  # both maximised
    front = z[pareto_mask(z)]
    ref = front.min(axis=0) - stats.HV_MARGIN
    mo = s["multiobjective"]
    assert mo["reference_point"] == pytest.approx(ref.tolist())
    assert mo["union_front_size"] == len(np.unique(front, axis=0))
    hv = {}
    for (name, _seed), r in traj.groupby(["searcher", "seed"]):
        zz = (r[cols].to_numpy(float) - lo) / (hi - lo)
        hv.setdefault(name, []).append(hypervolume(zz, ref))
    for name in ("rs", "nsga2"):
        e = s["searchers"][name]
        assert e["hv_mean"] == pytest.approx(np.mean(hv[name]))
        m, lo_, hi_ = stats.t_interval(hv[name])
        assert (e["hv_lo"], e["hv_hi"]) == pytest.approx((lo_, hi_))
        assert 0 < e["hv_ratio_mean"] <= 1
    # the median attainment surface of each searcher, in the metrics' units
    for name in ("rs", "nsga2"):
        runs = [
            (r[cols].to_numpy(float) - lo) / (hi - lo)
            for _, r in traj[traj.searcher == name].groupby("seed")
        ]
        want = stats.attainment_surface(runs, 0.5) * (hi - lo) + lo
        assert np.allclose(s["searchers"][name]["attainment_50"], want)
    found = sum(s["searchers"][n]["front_found"] for n in ("rs", "nsga2"))
    assert found >= mo["union_front_size"]  # every union-front point was found by someone
    # ranks and tests are on hypervolume, not on the first objective
    assert s["statistics"]["score"] == "hypervolume"
    better = "nsga2" if np.mean(hv["nsga2"]) > np.mean(hv["rs"]) else "rs"
    pairs = pd.DataFrame(hv)
    if (pairs[better] > pairs.drop(columns=better).iloc[:, 0]).all():
        assert s["searchers"][better]["avg_rank"] == 1.0
    assert (tmp_path / "pareto.png").stat().st_size > 0


def test_infeasible_points_never_enter_the_front():
    cfg, bench = resolve(
        StudyConfig(
            searchers=("rs",),
            seeds=2,
            budget=3,
            objectives=("baseline_accuracy", "analog_accuracy"),
        )
    )
    rows = []
    for seed in (0, 1):
        for i, (a, b, ok) in enumerate(
            [(90.0, 80.0, True), (85.0, 85.0, True), (99.0, 99.0, False)]
        ):
            rows.append(
                {
                    "searcher": "rs",
                    "seed": seed,
                    "step": i + 1,
                    "sim_time": float(i + 1),
                    "best_report": 90.0,
                    "best_search": 90.0,
                    "obj:baseline_accuracy": a,
                    "obj:analog_accuracy": b,
                    "feasible": ok,
                }
            )
    traj = pd.DataFrame(rows)
    _, s = summarize(cfg, bench, traj, _fake_runs(traj))
    front = s["multiobjective"]["union_front"]
    assert sorted(map(tuple, front)) == [(85.0, 85.0), (90.0, 80.0)]
    assert s["multiobjective"]["range_hi"] == [90.0, 85.0]


def test_precision_follows_the_spread_on_nbgraph(tmp_path):
    run_study(StudyConfig(bench="nbgraph", searchers=("rs", "re"), seeds=3, budget=20), tmp_path)
    lines = (tmp_path / "summary.md").read_text().splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    col = head.index("best@20 (95% CI)")
    cells = [[c.strip().strip("*") for c in ln.strip("|").split("|")][col] for ln in lines[2:4]]
    assert all(" ± " in c for c in cells), cells
    halves = [c.split(" ± ")[1] for c in cells]
    # one number of decimals per column, the finest interval shown to 2 significant digits
    assert len({len(h.split(".")[1]) if "." in h else 0 for h in halves}) == 1
    finest = min(halves, key=float)
    assert len(finest.replace(".", "").lstrip("0")) == 2, cells
    assert not any(h.strip("0.") == "" for h in halves)  # never "± 0.000"


LATENCY = ROOT / "../shared/data/nb201-latency/nb201_latency_ms_27_devices.csv"


@pytest.mark.skipif(not LATENCY.exists(), reason="needs ../shared/data/nb201-latency (real data)")
def test_accuracy_latency_study_with_a_constraint(tmp_path):
    from naslab.bench_spec import BenchPart, BenchSpec

    spec = BenchSpec(
        (
            BenchPart("analognas"),
            BenchPart("table", {"path": str(LATENCY.resolve()), "preset": "nb201-latency"}),
        )
    )
    cfg = StudyConfig(
        bench=spec,
        searchers=("rs", "nsga2"),
        seeds=3,
        budget=40,
        objectives=("baseline_accuracy", "-latency_pixel3"),
        constraints=("latency_pixel3<=5",),
    )
    s = run_study(cfg, tmp_path)
    traj = pd.read_parquet(tmp_path / "trajectories.parquet")
    assert (~traj.feasible).any()  # the constraint bites, so the test means something
    front = np.array(s["multiobjective"]["union_front"])
    assert (front[:, 1] <= 5).all()  # only feasible points
    feas = traj[traj.feasible]
    pts = feas[["obj:baseline_accuracy", "obj:latency_pixel3"]].to_numpy(float)
    assert s["multiobjective"]["range_hi"] == pytest.approx(pts.max(axis=0).tolist())
    for name in ("rs", "nsga2"):
        assert 0 < s["searchers"][name]["hv_ratio_mean"] <= 1
    # the optimum of the report metric is over feasible architectures only
    opt = s["benchmark"]["optimum"]
    assert opt is not None and opt >= feas["best_report"].max()
    assert "constraints: latency_pixel3<=5" in (tmp_path / "report.md").read_text()


def test_plots_of_a_study_with_no_feasible_value_yet_are_written_without_a_regret_plot(
    study, tmp_path
):
    """Runs that found nothing feasible (a constraint none of their queries met) leave every
    best-so-far value NaN: the curves are drawn (empty) and no log-scaled regret plot is tried."""
    from naslab.study_report import load_results, make_plots

    out, cfg, _ = study
    resolved, bench = resolve(cfg)
    traj, _ = load_results(out)
    traj = traj.assign(best_report=np.nan, best_search=np.nan)
    files = make_plots(resolved, bench, traj, tmp_path)
    names = {Path(f).name for f in files}
    assert any(n.startswith("best_vs_queries") for n in names)
    assert not any(n.startswith("regret_vs") for n in names)
