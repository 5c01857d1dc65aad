"""The examples of docs/extending.md run as written (each in a fresh interpreter, so what they
register does not leak into other tests)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "extending.md"
ROOT = DOC.parents[1]


def _block(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"expected one example containing {marker!r}, found {len(found)}"
    return found[0]


def _run(code: str, tmp_path: Path) -> str:
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_the_open_space_example(tmp_path):
    out = _run(
        _block("class Chain30")
        + "\nimport numpy as np\nsp = spaces.get('chain30')\na = sp.sample(np.random.default_rng(0), 1)[0]"
        + "\nassert sp.parse(sp.to_str(a)) == a and len(sp.neighbours(a)) == 90"
        + "\nprint(sp.encode([a], 'onehot').shape)",
        tmp_path,
    )
    assert out.strip() == "(1, 120)"


def test_the_open_benchmark_example(tmp_path):
    out = _run(
        _block("class FormulaBench")
        + "\nb = benchmarks.load('formula')\nprint(benchmarks.is_finite(b), b.query((2, 2, 2, 2, 2, 2), 'acc'))",
        tmp_path,
    )
    assert out.split() == ["False", "70.0"]


def test_the_predictor_example(tmp_path):
    code = _block("class KNNPredictor")
    load_line = 'q = predictors.load("knn.pt")\n'
    assert code.count(load_line) == 1, "the example no longer loads knn.pt on its own line"
    code = code.replace(load_line, load_line + "print(q.predict(archs[:2]).shape)\n")
    code = code.replace('predictors.create("knn", k=0)', "")
    prelude = (
        "import numpy as np, benchmarks\n"
        "b = benchmarks.load('analognas')\n"
        "archs = np.arange(0, 15625, 125)\n"
        "accuracies = b.query(archs, 'baseline_accuracy')\n"
    )
    tail = (
        "\nfrom nas_core.errors import InvalidInputError\n"
        "try:\n    predictors.create('knn', k=0)\nexcept InvalidInputError as e:\n    print(e)\n"
    )
    out = _run(prelude + code + tail, tmp_path)
    assert "(2,)" in out and "k must be an integer in [1, 1000], got 0" in out


def test_the_job_runner_example(tmp_path):
    code = _block("class LatencyTask") + (
        "\nif __name__ == '__main__':\n"
        "    print(len(run_latency(['a', 'b'], 'lat')))\n"
        "    print(len(run_latency(['a', 'b'], 'lat')))\n"
    )
    script = tmp_path / "latency_example.py"
    script.write_text(code)
    r = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["6", "6"]  # the rerun resumes: nothing measured twice
