"""The comparison study: outputs, statistics, resume, faults and the CLI's bad-input messages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nas_core.results import ResultLog
from naslab.cli import app
from naslab.compare import StudyConfig, load_results, run_seed, run_study
from searchers.base import Searcher
from searchers.registry import register_searcher

ROOT = Path(__file__).resolve().parents[2]
BOOM_SEED = run_seed(0, 1)


@register_searcher("test-boom")
class Boom(Searcher):
    """Random search that raises in the run whose seed index is 1."""

    def __init__(self, space, seed=0):
        super().__init__(space, seed)

    def ask(self, n=1):
        if self.seed == BOOM_SEED:
            raise RuntimeError("boom in seed 1")
        return self.space.sample(self.rng, n)

    def tell(self, archs, values):
        pass


def small(**kw) -> StudyConfig:
    base = {"searchers": ("rs", "re", "ls"), "seeds": 4, "budget": 40}
    return StudyConfig(**{**base, **kw})


def test_study_writes_every_output_and_resumes(tmp_path):
    s1 = run_study(small(), tmp_path)
    for f in (
        "trajectories.parquet",
        "summary.csv",
        "summary.json",
        "runs.csv",
        "report.md",
        "best_vs_queries.png",
        "study.toml",
        "study.json",
    ):
        assert (tmp_path / f).stat().st_size > 0, f
    assert not (tmp_path / "best_vs_time.png").exists()  # unit cost: time is the query count
    traj = pd.read_parquet(tmp_path / "trajectories.parquet")
    assert len(traj) == 3 * 4 * 40
    assert not traj.duplicated(["searcher", "seed", "step"]).any()
    e = s1["searchers"]["re"]
    assert e["runs_ok"] == 4 and e["runs_failed"] == 0
    assert 0 <= e["wilcoxon_p_vs_rs"] <= 1 and 1 <= e["avg_rank"] <= 3
    assert e["regret_mean"] >= 0
    assert sum(s1["searchers"][s]["avg_rank"] for s in ("rs", "re", "ls")) == pytest.approx(6)
    assert set(s1["checkpoints"]) == {4, 10, 20, 40}
    report = (tmp_path / "report.md").read_text()
    assert "![best_vs_queries.png](best_vs_queries.png)" in report and "| re |" in report
    # the same command again runs nothing; more seeds run only the new ones
    assert run_study(small(), tmp_path)["runs_run_this_invocation"] == 0
    s3 = run_study(small(seeds=5), tmp_path)
    assert s3["runs_run_this_invocation"] == 3 and s3["runs"]["ok"] == 15
    # the trajectories of the first runs did not change
    again = pd.read_parquet(tmp_path / "trajectories.parquet")
    pd.testing.assert_frame_equal(
        again[again.seed < 4].reset_index(drop=True), traj.reset_index(drop=True)
    )


def test_a_different_study_in_the_same_directory_is_refused(tmp_path):
    run_study(small(seeds=1, budget=10), tmp_path)
    from nas_core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="budget: 10 there, 20 now"):
        run_study(small(seeds=1, budget=20), tmp_path)
    assert run_study(small(seeds=1, budget=20), tmp_path, fresh=True)["runs"]["ok"] == 3


def test_a_failing_run_does_not_stop_the_study(tmp_path):
    s = run_study(small(searchers=("rs", "test-boom"), seeds=3, budget=20), tmp_path)
    assert s["runs"] == {"total": 6, "ok": 5, "failed": 1}
    assert s["failed_runs"] == [
        {"searcher": "test-boom", "seed": 1, "error": "RuntimeError: boom in seed 1"}
    ]
    assert s["searchers"]["test-boom"]["runs_failed"] == 1
    assert "boom in seed 1" in (tmp_path / "report.md").read_text()
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert (runs.status == "failed").sum() == 1
    # failed runs are retried on the next invocation (and fail again, deterministically)
    assert (
        run_study(small(searchers=("rs", "test-boom"), seeds=3, budget=20), tmp_path)[
            "runs_run_this_invocation"
        ]
        == 1
    )


def test_process_pool_gives_the_same_trajectories_as_inline(tmp_path):
    cfg = small(searchers=("re", "reinforce"), seeds=2, budget=30)
    run_study(cfg, tmp_path / "inline", workers=1)
    s = run_study(cfg, tmp_path / "pool", workers=2, pool="always")
    assert s["workers_started_this_invocation"] == 2
    a, _ = load_results(tmp_path / "inline")
    b, _ = load_results(tmp_path / "pool")
    cols = ["searcher", "seed", "step", "arch", "search", "best_report", "run_seed"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_multi_objective_study_reports_hypervolume(tmp_path):
    cfg = small(searchers=("rs", "nsga2"), seeds=2, budget=40)
    s = run_study(cfg, tmp_path)
    assert s["config"]["objectives"] == ["baseline_accuracy", "analog_accuracy"]
    hv_true = s["benchmark"]["true_front_hypervolume"]
    for name in ("rs", "nsga2"):
        e = s["searchers"][name]
        assert 0 < e["hv_mean"] <= hv_true and 0 < e["hv_ratio_mean"] <= 1
    assert (tmp_path / "pareto.png").stat().st_size > 0


def test_kill_mid_study_then_resume(tmp_path):
    """The CLI dies (SIGKILL, by fault injection) right after 7 runs are on disk; rerunning the
    same command completes the study without duplicates. Deterministic: no timing involved."""
    out = tmp_path / "study"
    cmd = [
        sys.executable,
        "-m",
        "naslab.cli",
        "compare",
        "--searchers",
        "rs,re,ls",
        "--seeds",
        "10",
        "--budget",
        "50",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(
        cmd, env={**env, "NASLAB_FAULT": "die_after:7"}, capture_output=True, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL
    log = ResultLog(out / "log")
    partial = log.read()
    assert partial[["searcher", "seed"]].drop_duplicates().shape[0] == 7
    assert not (out / "report.md").exists()  # it died before building the outputs
    done = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr  # the dead process's lock did not outlive it
    summary = json.loads(done.stdout)
    assert summary["runs"]["ok"] == 30
    assert summary["runs_run_this_invocation"] == 23
    raw = log.read()
    assert not raw.duplicated(["searcher", "seed", "step"]).any()
    assert raw[["searcher", "seed"]].drop_duplicates().shape[0] == 30
    assert (raw.groupby(["searcher", "seed"]).size() == 50).all()


def test_ctrl_c_keeps_every_finished_run_then_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("NASLAB_FAULT", "interrupt_after:5")
    with pytest.raises(KeyboardInterrupt):
        run_study(small(), tmp_path, flush_s=1e9)  # nothing flushed before the interrupt
    assert ResultLog(tmp_path / "log").read()[["searcher", "seed"]].drop_duplicates().shape[0] == 5
    monkeypatch.delenv("NASLAB_FAULT")
    s = run_study(small(), tmp_path)
    assert s["runs_run_this_invocation"] == 7 and s["runs"]["ok"] == 12


@pytest.mark.parametrize("always", [False, True])
def test_a_killed_worker_costs_one_run_and_the_cli_exits_non_zero(tmp_path, monkeypatch, always):
    fault = "kill_worker_always:4" if always else "kill_worker_at:4"
    monkeypatch.setenv("NASLAB_FAULT", fault)
    args = ["compare", "--searchers", "rs,re", "--seeds", "4", "--budget", "20", "--workers", "2"]
    r = runner.invoke(app, [*args, "--out", str(tmp_path), "--json"])
    runs = pd.read_csv(tmp_path / "runs.csv")
    if not always:  # killed once, rerun alone: every run ok
        assert r.exit_code == 0, r.output
        assert (runs.status == "ok").all() and len(runs) == 8
        return
    assert r.exit_code == 1, r.output
    assert "1 of 8 runs failed: re seed 1: WorkerDiedError" in r.output  # the 4th task
    failed = runs[runs.status == "failed"]
    assert list(zip(failed.searcher, failed.seed, strict=True)) == [("re", 1)]
    monkeypatch.delenv("NASLAB_FAULT")  # a rerun retries the failed run only
    r = runner.invoke(app, [*args, "--out", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout[r.stdout.index("{") :])["runs_run_this_invocation"] == 1


def test_out_must_be_ours_and_fresh_keeps_the_users_files(tmp_path):
    from nas_core.errors import OutputDirError

    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.tex").write_text("x")
    with pytest.raises(OutputDirError, match="not a naslab compare output"):
        run_study(small(seeds=1, budget=10), tmp_path / "thesis", fresh=True)
    assert os.listdir(tmp_path / "thesis") == ["chapter1.tex"]
    with pytest.raises(OutputDirError, match="is a file"):
        run_study(small(seeds=1, budget=10), tmp_path / "thesis" / "chapter1.tex")
    out = tmp_path / "study"
    run_study(small(seeds=1, budget=10), out)
    (out / "notes.md").write_text("my notes")
    (out / "report.md").write_text("my own report")
    with pytest.raises(OutputDirError, match="report.md was not written by naslab"):
        run_study(small(seeds=2, budget=10), out)
    assert (out / "report.md").read_text() == "my own report"
    s = run_study(small(seeds=1, budget=10), out, fresh=True)
    assert s["runs_run_this_invocation"] == 3  # the log was discarded...
    assert (out / "notes.md").read_text() == "my notes"  # ...the user's notes were not
    assert (out / "report.md").read_text().startswith("# NAS method comparison")


def test_a_damaged_part_and_a_garbled_study_json_are_set_aside(tmp_path):
    from nas_core.jobs import DamagedOutputWarning

    run_study(small(seeds=2), tmp_path, flush_s=0)  # one part per run
    parts = ResultLog(tmp_path / "log").parts()
    assert len(parts) == 6
    parts[2].write_bytes(parts[2].read_bytes()[:100])  # truncated
    (tmp_path / "study.json").write_text("{ garbled")
    with pytest.warns(DamagedOutputWarning) as w:
        s = run_study(small(seeds=2), tmp_path)
    assert len(w) == 2
    assert s["runs_run_this_invocation"] == 1 and s["runs"]["ok"] == 6
    assert sorted(p.name for p in (tmp_path / ".damaged").iterdir()) == sorted(
        [parts[2].name, "study.json"]
    )
    assert json.loads((tmp_path / "study.json").read_text())["seeds"] == 2


def test_a_second_study_on_the_same_out_is_refused(tmp_path):
    from nas_core.errors import OutputBusyError

    hold = (
        "import sys, time\nfrom naslab.compare import output_dir\n"
        "with output_dir(sys.argv[1]).open():\n    print('locked', flush=True)\n    time.sleep(120)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert p.stdout.readline().strip() == "locked"
        with pytest.raises(OutputBusyError, match=f"in use by another naslab process .pid {p.pid}"):
            run_study(small(seeds=1, budget=10), tmp_path, fresh=True)
        r = runner.invoke(app, ["compare", "--seeds", "1", "--out", str(tmp_path)])
        assert r.exit_code == 2 and f"pid {p.pid}" in r.output
    finally:
        p.kill()
        p.wait()
    assert run_study(small(seeds=1, budget=10), tmp_path)["runs"]["ok"] == 3


runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--searchers", "rs,foo"], "unknown searcher 'foo'"),
        (["--bench", "nope"], "unknown benchmark 'nope'"),
        (["--metric", "acc"], "unknown metric 'acc' for dataset 'cifar10'"),
        (["--dataset", "cifar100"], "unknown dataset 'cifar100' for benchmark 'analognas'"),
        (["--budget", "0"], "budget must be a positive number"),
        (["--budget", "-3"], "budget must be a positive number"),
        (["--seeds", "0"], "seeds must be >= 1"),
        (["--param", "re.popsize=3"], "unknown parameter 'popsize' of searcher 're'"),
        (["--param", "oops"], "SEARCHER.NAME=VALUE"),
        (["--param", "tpe.engine=hyperopt"], "unknown engine 'hyperopt' for searcher 'tpe'"),
        (["--param", "tpe.n_ei_candidates=48"], "n_ei_candidates=48 needs engine='optuna'"),
        (["--searchers", "nsga2", "--objectives", "baseline_accuracy"], "at least two"),
        (["--executor", "dask"], "unknown executor 'dask'"),
    ],
)
def test_cli_bad_input_is_one_clear_line(tmp_path, args, message):
    r = runner.invoke(app, ["compare", "--out", str(tmp_path / "o"), *args])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.output
    if "unknown" in message and "executor" not in message:
        assert "Valid:" in lines[0]


def test_cli_refuses_an_output_folder_that_is_not_ours_in_one_line(tmp_path):
    (tmp_path / "thesis.tex").write_text("x")
    r = runner.invoke(app, ["compare", "--seeds", "1", "--out", str(tmp_path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "not a naslab compare output (it holds thesis.tex)" in lines[0]


def test_cli_json_summary(tmp_path):
    r = runner.invoke(
        app,
        [
            "compare",
            "--searchers",
            "rs,re",
            "--seeds",
            "3",
            "--budget",
            "30",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout[r.stdout.index("{") :])
    assert s["runs"]["ok"] == 6 and s["checkpoints"][-1] == 30
    assert np.isfinite(s["searchers"]["re"]["best_at"]["30"]["mean"])


def test_pool_auto_runs_a_study_cheaper_than_the_pool_inline(tmp_path, monkeypatch):
    import nas_core.parallel

    monkeypatch.setattr(nas_core.parallel, "POOL_START_S", 1e9)  # a pool never pays off
    cfg = small(searchers=("rs", "re"), seeds=2, budget=20)
    s = run_study(cfg, tmp_path / "auto", workers=2)
    assert s["workers_started_this_invocation"] == 0 and s["runs"]["ok"] == 4
    r = runner.invoke(app, ["compare", "--pool", "sometimes", "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and "pool" in r.output and "always" in r.output


def test_constraints_and_signed_objectives_are_checked_before_any_run(tmp_path):
    from nas_core.errors import InvalidInputError, UnknownNameError
    from naslab.compare import resolve

    with pytest.raises(InvalidInputError, match="satisfies baseline_drift_2592000>=88 .*ranges"):
        resolve(small(constraints=("baseline_drift_2592000>=88",)))
    with pytest.raises(UnknownNameError, match="in constraint 'baseline_acc>=3'"):
        resolve(small(constraints=("baseline_acc>=3",)))
    with pytest.raises(InvalidInputError, match="baseline_accuracy is higher-is-better"):
        resolve(small(searchers=("nsga2",), objectives=("-baseline_accuracy", "analog_accuracy")))
    cfg, _ = resolve(small(constraints=(" baseline_drift_2592000 >= 50.0",)))
    assert cfg.constraints == ("baseline_drift_2592000>=50",)
    s = run_study(small(seeds=2, constraints=cfg.constraints), tmp_path)
    traj = pd.read_parquet(tmp_path / "trajectories.parquet")
    assert (traj["con:baseline_drift_2592000"][traj.feasible] >= 50).all()
    assert (~traj.feasible).any() and s["config"]["constraints"] == ["baseline_drift_2592000>=50"]


def test_piped_output_is_plain_full_width_text(tmp_path):
    """Off a terminal (a log, `| tee`) the summary is plain text at full width: no number cut to
    fit 80 columns, the interval note's brackets kept, the last line unbroken."""
    out = tmp_path / "a-folder-with-a-rather-long-name-for-the-report-line"
    r = runner.invoke(
        app,
        ["compare", "-b", "nbgraph", "-s", "rs,re", "-n", "3", "--budget", "20", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert "…" not in r.stdout and "┃" not in r.stdout
    assert lines[0].startswith("nbgraph / cora: test_perf of the best-by-valid_perf architecture")
    assert any(line.startswith("95% CI: Student's t") for line in lines)
    assert lines[-1].endswith(f"report: {out / 'report.md'}")


def test_runs_that_query_nothing_are_reported_with_the_reason(tmp_path):
    """On NAS-Bench-Suite-Zero's 725 NB301 archs (of ~1e18) random search proposes none of them:
    the runs stall, the report says why instead of failing on an empty trajectory."""
    from tests.conftest import shared_file

    path = shared_file("naslib-zc", "zc_nasbench301.json")
    out = tmp_path / "nb301"
    r = CliRunner().invoke(
        app,
        [
            "compare", "-b", "suite-zero", "--path", str(path), "-s", "rs", "--seeds", "1",
            "--budget", "3", "-w", "1", "--out", str(out),
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "1 of 1 ok runs queried no architecture" in r.output
    summary = json.loads((out / "summary.json").read_text())
    assert "missing from benchmark 'suite-zero'" in summary["empty_runs_note"]
    assert "queried no architecture" in (out / "report.md").read_text()
