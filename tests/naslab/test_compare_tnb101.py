"""`naslab compare` on `tnb101-micro` (all_benchmarks_zen.zip): the same outputs as on an NB201
benchmark, on every one of the 7 tasks, each reporting that task's own metric.

A handmade archive (tests.benchmarks.test_tnb101) covers the outputs without ../shared; the real
archive (skipped without it) covers the 7 tasks through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import benchmarks
from benchmarks import tnb101
from naslab.cli import app
from naslab.compare import StudyConfig, run_study
from tests.benchmarks.test_tnb101 import _zip
from tests.conftest import shared_file

runner = CliRunner()
#: Two or three searchers per task, so every searcher family meets the space within the 7 runs.
SEARCHERS = {
    "class_scene": "rs,re",
    "class_object": "ls,tpe",
    "room_layout": "rs,reinforce",
    "jigsaw": "re,bananas",
    "segmentsemantic": "rs,ls,tpe",
    "normal": "re,reinforce",
    "autoencoder": "ls,re",
}
BUDGET = 20


def _files(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if p.is_file()}


def test_same_outputs_as_on_nb201(tmp_path: Path) -> None:
    """Every file a study writes on the embedded NB201 benchmark, it writes on tnb101-micro."""
    archive = _zip(tmp_path / "all_benchmarks_zen.zip")
    small = {"searchers": ("rs", "re"), "seeds": 2, "budget": BUDGET}
    nb201 = run_study(StudyConfig(bench="analognas", **small), tmp_path / "nb201")
    tnb = run_study(
        StudyConfig(
            bench="tnb101-micro",
            bench_options={"path": str(archive)},
            dataset="room_layout",
            **small,
        ),
        tmp_path / "tnb",
    )
    assert _files(tmp_path / "tnb") == _files(tmp_path / "nb201")
    assert tnb.keys() == nb201.keys() and tnb["runs"]["ok"] == 4
    bench = benchmarks.load("tnb101-micro", path=archive)
    traj = pd.read_parquet(tmp_path / "tnb" / "trajectories.parquet")
    assert len(traj) == 2 * 2 * BUDGET
    # every value a run saw is the table's value of the arch it queried, on the chosen task
    want = bench.query(traj["arch"].tolist(), "val_accuracy", "room_layout")
    np.testing.assert_array_equal(traj["search"].to_numpy(np.float32), want)
    assert tnb["searchers"]["re"]["regret_mean"] >= 0
    report = (tmp_path / "tnb" / "report.md").read_text()
    assert "valid_neg_loss" in report and "negative L2 loss" in report


@pytest.fixture(scope="module")
def real_archive() -> Path:
    return shared_file("naslib-zc", "all_benchmarks_zen.zip")


@pytest.mark.parametrize("task", tnb101.TASKS)
def test_cli_compare_on_every_task(tmp_path: Path, real_archive: Path, task: str) -> None:
    out = tmp_path / task
    args = ["compare", "-b", "tnb101-micro", "--path", str(real_archive), "-d", task]
    args += ["-s", SEARCHERS[task], "--seeds", "2", "--budget", str(BUDGET), "--workers", "1"]
    r = runner.invoke(app, [*args, "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout[r.stdout.index("{") :])
    searchers = SEARCHERS[task].split(",")
    assert summary["runs"]["ok"] == 2 * len(searchers) and summary["runs"]["failed"] == 0
    for f in ("trajectories.parquet", "report.md", "summary.csv", "best_vs_queries.png",
              "regret_vs_queries.png", "study.toml"):  # fmt: skip
        assert (out / f).stat().st_size > 0, f
    assert (out / "cd_diagram.png").exists() == (len(searchers) > 2)
    bench = benchmarks.load("tnb101-micro", path=real_archive)
    optimum = bench.optimum("val_accuracy", task)
    report = (out / "report.md").read_text()
    key = tnb101.TASK_METRICS[task].key
    assert f"tnb101-micro / {task}" in report and f"'{key}'" in report
    assert f"benchmark optimum {optimum:.6g}" in report
    traj = pd.read_parquet(out / "trajectories.parquet")
    want = bench.query(traj["arch"].tolist(), "val_accuracy", task)
    np.testing.assert_array_equal(traj["search"].to_numpy(np.float32), want)
    for s in searchers:
        best = summary["searchers"][s]["best_at"][str(BUDGET)]["mean"]
        assert best <= optimum + 1e-6


def test_shipped_study_file_runs_on_any_task(tmp_path: Path, real_archive: Path) -> None:
    from naslab.study_file import load_study

    study = Path(__file__).resolve().parents[2] / "data" / "studies" / "tnb101-micro.toml"
    (part,) = load_study(study).bench.parts
    assert part.name == "tnb101-micro" and Path(part.options["path"]) == real_archive.resolve()
    args = ["compare", "--study", str(study), "-d", "normal", "-s", "rs", "--seeds", "1"]
    r = runner.invoke(app, [*args, "--budget", "10", "--out", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout[r.stdout.index("{") :])
    assert summary["benchmark"]["dataset"] == "normal" and summary["runs"]["ok"] == 1
