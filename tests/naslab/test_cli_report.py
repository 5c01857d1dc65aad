"""`naslab report`: merging finished studies into one report, without touching them."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from naslab.cli import app
from naslab.compare import StudyConfig, run_study

runner = CliRunner()


def _tree(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_studies(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    run_study(StudyConfig(searchers=("rs", "re"), seeds=3, budget=20), root / "a")
    run_study(StudyConfig(searchers=("ls", "rs"), seeds=4, budget=20), root / "b")
    return root


def test_merge_covers_every_run_and_never_writes_into_the_inputs(two_studies, tmp_path):
    a, b = two_studies / "a", two_studies / "b"
    before = {a: _tree(a), b: _tree(b)}
    r = runner.invoke(app, ["report", str(a), str(b), "--out", str(tmp_path / "m"), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout[r.stdout.index("{") :])
    assert s["searcher_order"] == ["rs", "re", "ls"]
    # rs seeds 0-2 are in both folders (same base seed: the same runs), seed 3 only in b
    assert s["searchers"]["rs"]["runs_ok"] == 4
    assert s["searchers"]["re"]["runs_ok"] == 3 and s["searchers"]["ls"]["runs_ok"] == 4
    assert s["sources"] == [str(a), str(b)]
    traj = pd.read_parquet(tmp_path / "m" / "trajectories.parquet")
    ta = pd.read_parquet(a / "trajectories.parquet")
    pd.testing.assert_frame_equal(
        traj[traj.searcher == "re"].reset_index(drop=True)[["seed", "step", "best_report"]],
        ta[ta.searcher == "re"].reset_index(drop=True)[["seed", "step", "best_report"]],
    )
    report = (tmp_path / "m" / "report.md").read_text()
    assert "merged from 2 study folders" in report
    assert (tmp_path / "m" / "summary.tex").exists()
    assert before == {a: _tree(a), b: _tree(b)}


def test_text_output_and_figure_formats(two_studies, tmp_path):
    a, b = two_studies / "a", two_studies / "b"
    out = tmp_path / "m"
    r = runner.invoke(app, ["report", str(a), str(b), "--out", str(out), "--figures", "svg"])
    assert r.exit_code == 0, r.output
    assert "best@20 (95% CI)" in r.output and "report:" in r.output
    assert (out / "best_vs_queries.svg").exists() and not (out / "best_vs_queries.png").exists()
    r = runner.invoke(app, ["report", str(a), str(b), "-o", str(out), "--no-plots", "-f", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][:3] == ["searcher", "runs ok/failed", "best@20 (95% CI)"]
    assert [row[0] for row in rows[1:]] == ["rs", "re", "ls"]
    r = runner.invoke(app, ["report", str(a), "--out", str(tmp_path / "x"), "--figures", "gif"])
    assert r.exit_code == 2 and "unknown figure format 'gif'" in r.output


def test_studies_that_differ_are_refused_naming_the_difference(two_studies, tmp_path):
    other = tmp_path / "other"
    run_study(StudyConfig(searchers=("rs",), seeds=1, budget=10), other)
    r = runner.invoke(
        app, ["report", str(two_studies / "a"), str(other), "--out", str(tmp_path / "m")]
    )
    assert r.exit_code == 2
    assert "differ in budget (budget: 20 in" in r.output and "10 in" in r.output
    nbg = tmp_path / "nbg"
    run_study(StudyConfig(bench="nbgraph", searchers=("rs",), seeds=1, budget=20), nbg)
    r = runner.invoke(
        app, ["report", str(two_studies / "a"), str(nbg), "--out", str(tmp_path / "m")]
    )
    assert r.exit_code == 2 and "differ in bench, dataset, metric, report_metric" in r.output


def test_out_inside_an_input_and_missing_folders_are_one_line_errors(two_studies, tmp_path):
    a = two_studies / "a"
    r = runner.invoke(app, ["report", str(a), "--out", str(a)])
    assert r.exit_code == 2 and "never written into an input folder" in r.output
    r = runner.invoke(app, ["report", str(a), "--out", str(a / "merged")])
    assert r.exit_code == 2 and "inside the study folder" in r.output
    r = runner.invoke(app, ["report", str(tmp_path / "nope"), "--out", str(tmp_path / "m")])
    assert r.exit_code == 2 and "study folder not found" in r.output
    (tmp_path / "plain").mkdir()
    r = runner.invoke(app, ["report", str(tmp_path / "plain"), "--out", str(tmp_path / "m")])
    assert r.exit_code == 2 and "not a naslab compare output" in r.output
    assert len([ln for ln in r.output.splitlines() if ln.strip()]) == 1
