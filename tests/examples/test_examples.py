"""Every script in examples/ runs as a user would run it (a fresh interpreter, its own working
folder, so nothing is written into the repository), exits 0, prints its key line, and prints
exactly the output the docs show for it, so that output cannot go stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from tests.examples.test_study_examples import STUDY_EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# script -> (a line its output must contain, the docs page that shows its output)
CASES = {
    "query_benchmark.py": (
        "baseline_accuracy of 7605: 91.918",
        "docs/benchmarks.md",
    ),
    "compare_searchers.py": (
        "analognas / cifar10: best baseline_accuracy after 50 queries",
        "docs/compare.md",
    ),
    "correlate_predictors.py": (
        "predictor  trial  Kendall tau  Spearman rho  (train 100, test 1000 cells)",
        "docs/correlation.md",
    ),
    "score_proxies.py": (
        "20 cells scored on digits (batch 64); Spearman rho vs measured accuracy:",
        "docs/zerocost.md",
    ),
    "join_benchmarks.py": (
        "analognas+nb201-latency+nb201-200ep+nb201-12ep+suite-zero 15625 archs",
        "docs/benchmarks.md",
    ),
}
NEEDS_SHARED_DATA = {"join_benchmarks.py"}


def run_example(name: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def documented_output(page: str, name: str) -> str:
    """The output block the page shows under `$ python examples/<name>`."""
    text = (ROOT / page).read_text()
    m = re.search(rf"```\n\$ python examples/{re.escape(name)}\n(.*?)```", text, re.S)
    assert m, f"{page} shows no output of examples/{name}"
    return m.group(1)


def test_every_example_is_tested():
    """The study examples print timings and paths, so test_study_examples.py checks their files
    and numbers instead of a documented output."""
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted([*CASES, *STUDY_EXAMPLES])


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_and_matches_its_docs(name, tmp_path):
    if name in NEEDS_SHARED_DATA and not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the project)")
    key, page = CASES[name]
    r = run_example(name, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert key in r.stdout.splitlines(), r.stdout
    assert r.stdout == documented_output(page, name)
    assert not any(tmp_path.iterdir()), "examples write only into temporary folders"


def test_join_example_names_missing_data(tmp_path):
    r = run_example("join_benchmarks.py", tmp_path, str(tmp_path / "nowhere"))
    assert r.returncode == 1
    assert "data not found" in r.stderr and "NASLAB_SHARED_DATA" in r.stderr
