"""The comparison study: outputs, statistics, resume, faults and the CLI's bad-input messages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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
        "best_vs_time.png",
    ):
        assert (tmp_path / f).stat().st_size > 0, f
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
    run_study(cfg, tmp_path / "pool", workers=2)
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
    """SIGKILL the CLI after some runs are logged; rerunning completes without duplicates."""
    out = tmp_path / "study"
    cmd = [
        sys.executable,
        "-m",
        "naslab.cli",
        "compare",
        "--searchers",
        "rs,re,ls",
        "--seeds",
        "60",
        "--budget",
        "150",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "log").is_dir() and len(list((out / "log").glob("part-*.parquet"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the study finished before it could be killed; make it longer"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    log = ResultLog(out / "log")
    partial = log.read()
    n_partial = partial[["searcher", "seed"]].drop_duplicates().shape[0]
    assert 0 < n_partial < 180
    done = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["runs"]["ok"] == 180
    assert summary["runs_run_this_invocation"] == 180 - n_partial
    raw = log.read()
    assert not raw.duplicated(["searcher", "seed", "step"]).any()
    assert raw[["searcher", "seed"]].drop_duplicates().shape[0] == 180
    assert (raw.groupby(["searcher", "seed"]).size() == 150).all()


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
        (["--param", "tpe.engine=hyperopt"], "searcher 'tpe': unknown TPE engine 'hyperopt'"),
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
