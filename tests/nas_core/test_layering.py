"""Imports point down only (DESIGN.md's layers), checked by parsing every package file with `ast`.

nas_core is the bottom: it imports no other naslab package. benchmarks, zerocost and predictors
stand on nas_core alone. searchers may also use benchmarks (the Benchmark protocol, in the
search loop) and predictors (predictor-guided searchers). naslab glues everything and nothing
imports it. Imports inside functions and `TYPE_CHECKING` blocks count too: a lazy import is still
a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("nas_core", "benchmarks", "zerocost", "predictors", "searchers", "naslab")
ALLOWED = {
    "nas_core": set(),
    "benchmarks": {"nas_core"},
    "zerocost": {"nas_core"},
    "predictors": {"nas_core"},
    "searchers": {"nas_core", "benchmarks", "predictors"},
    "naslab": set(PACKAGES) - {"naslab"},
}


def imported_packages(path: Path) -> dict[str, int]:
    """Project packages imported anywhere in `path` -> first line that imports each."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                found.setdefault(top, node.lineno)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down_only(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no files found for package {package}"
    bad = []
    for f in files:
        for top, line in imported_packages(f).items():
            if top != package and top not in ALLOWED[package]:
                bad.append(f"{f.relative_to(ROOT)}:{line} imports {top}")
    assert not bad, "imports that point up or sideways:\n" + "\n".join(bad)


def test_the_checker_sees_lazy_and_type_checking_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from benchmarks.base import Benchmark\n"
        "def f():\n    import zerocost.scoring\n"
        "import importlib\nimportlib.import_module('naslab.cli')\n"
    )
    assert set(imported_packages(f)) == {"benchmarks", "zerocost", "naslab"}
