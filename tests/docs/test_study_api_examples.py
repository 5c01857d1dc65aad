"""The Python examples of README.md, docs/compare.md and docs/spaces.md run as written and print
exactly the output the page shows under them (each as a script in a fresh interpreter, as a reader runs it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _example(page: str, marker: str) -> tuple[str, str]:
    """(code, shown output): the one ```python block holding `marker` and the ```text block after it."""
    text = (ROOT / page).read_text()
    found = re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", text, re.S)
    found = [(code, out) for code, out in found if marker in code]
    assert len(found) == 1, (
        f"{page}: expected one example with {marker!r} and its output, found {len(found)}"
    )
    return found[0]


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()]


@pytest.mark.parametrize(
    ("page", "marker"),
    [
        ("README.md", "StudyConfig("),
        ("docs/compare.md", "class Formula(Benchmark)"),
        ("docs/compare.md", "load_study("),
        ("docs/spaces.md", 'nb101 = spaces.get("nb101")'),
    ],
)
def test_study_example_prints_what_the_page_shows(page, marker, tmp_path):
    code, shown = _example(page, marker)
    # the page runs it from the repository root; here the working folder is a temporary one
    code = code.replace('"data/studies/', f'"{ROOT}/data/studies/')
    script = tmp_path / "example.py"
    script.write_text(code)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert _lines(r.stdout) == _lines(shown), (
        f"{page}: the example's output changed; paste this under it:\n{r.stdout}"
    )


@pytest.mark.parametrize("page", ["docs/compare.md", "docs/benchmarks.md"])
def test_study_file_blocks_are_valid_study_files(page, tmp_path):
    """Every ```toml block of the page reads as a study file (benchmark parts, [study] keys)."""
    from naslab.study_file import load_study

    blocks = re.findall(r"```toml\n(.*?)```", (ROOT / page).read_text(), re.S)
    assert blocks, f"{page} shows no study file"
    for i, block in enumerate(blocks):
        path = tmp_path / f"study{i}.toml"
        path.write_text(block)
        study = load_study(path)
        assert study.bench.to_list()[0]["name"] in {"analognas", "table", "nbgraph"}
