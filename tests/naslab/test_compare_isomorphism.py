"""The study option `isomorphism` of `naslab compare` (issue 13): per-cell (default) or merge,
passed to every run, part of the settings a resumed study must match, and stated in report.md
and summary.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import benchmarks
from nas_core.errors import InvalidInputError
from naslab.cli import app
from naslab.compare import StudyConfig, run_study


@pytest.fixture(scope="module")
def analog():
    try:
        return benchmarks.load("analognas")
    except Exception as e:
        pytest.skip(f"analognas benchmark not available: {type(e).__name__}: {e}")


def small(**kw) -> StudyConfig:
    return StudyConfig(**{"searchers": ("rs", "re"), "seeds": 2, "budget": 30, **kw})


def test_per_cell_is_the_default_and_is_stated(tmp_path, analog):
    s = run_study(small(), tmp_path)
    assert s["accounting"]["isomorphism"] == "per-cell"
    assert "own measured value" in s["accounting"]["rule"]
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["accounting"] == s["accounting"]
    assert json.loads((tmp_path / "study.json").read_text())["isomorphism"] == "per-cell"
    report = (tmp_path / "report.md").read_text()
    assert "budget accounting (isomorphism `per-cell`)" in report
    traj = pd.read_parquet(tmp_path / "trajectories.parquet")
    for _, run in traj.groupby(["searcher", "seed"]):
        assert run["arch"].is_unique and len(run) == 30  # 30 distinct cells


def test_merge_counts_classes_and_is_stated(tmp_path, analog):
    s = run_study(small(isomorphism="merge"), tmp_path)
    assert s["accounting"]["isomorphism"] == "merge"
    assert "budget accounting (isomorphism `merge`)" in (tmp_path / "report.md").read_text()
    traj = pd.read_parquet(tmp_path / "trajectories.parquet")
    space = analog.space
    for _, run in traj.groupby(["searcher", "seed"]):
        classes = {space.canonical(space.parse(a)) for a in run["arch"]}
        assert len(classes) == len(run) == 30  # 30 distinct isomorphism classes
    # the optimum a merged study can reach: the best class representative
    reps = {space.canonical(a) for a in space.all_archs()}
    best_rep = max(analog.query(sorted(reps), "baseline_accuracy"))
    assert s["benchmark"]["optimum"] == pytest.approx(best_rep)


def test_resuming_with_the_other_accounting_is_refused(tmp_path, analog):
    run_study(small(seeds=1, budget=10), tmp_path)
    with pytest.raises(InvalidInputError, match="isomorphism"):
        run_study(small(seeds=1, budget=10, isomorphism="merge"), tmp_path)
    with pytest.raises(InvalidInputError, match="per-cell"):
        run_study(small(seeds=1, budget=10, isomorphism="classes"), tmp_path / "other")


def test_cli_flag(tmp_path, analog):
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["compare", "-s", "rs", "-n", "1", "--budget", "10", "--isomorphism", "merge", "--json",
         "--out", str(tmp_path / "o"), "--workers", "1"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (
        json.loads((tmp_path / "o" / "summary.json").read_text())["accounting"]["isomorphism"]
        == "merge"
    )
    r = runner.invoke(app, ["compare", "--isomorphism", "nope", "--out", str(tmp_path / "p")])
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and "per-cell" in lines[0], r.output
