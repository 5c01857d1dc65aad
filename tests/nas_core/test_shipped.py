"""`nas_core.shipped`: finding the shipped data folder from a checkout, through $NASLAB_DATA, in
an installed copy, and the errors when it is missing; pyproject ships every file of data/, and a
real non-editable install (pip --target) reads a preset from its own copy."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from benchmarks import table
from nas_core import shipped
from nas_core.errors import InvalidInputError, MissingFileError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shipped.ENV_VAR, raising=False)


def test_a_checkout_uses_its_own_data_folder(no_env: None) -> None:
    assert shipped.shipped_root() == ROOT / "data"
    assert shipped.shipped_path("studies", "tnb101-micro.toml").is_file()
    assert shipped.shipped_path("presets", "tables", "nb201-200ep.json").is_file()


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "presets" / "tables").mkdir(parents=True)
    spec = json.loads((ROOT / "data/presets/tables/nb201-12ep.json").read_text())
    spec.update(name="mine", description="my copy")
    (tmp_path / "presets/tables/mine.json").write_text(json.dumps(spec))
    monkeypatch.setenv(shipped.ENV_VAR, str(tmp_path))
    assert shipped.shipped_root() == tmp_path
    assert table.preset_names() == ["mine"]
    assert table.read_preset("mine")["description"] == "my copy"


def test_an_environment_variable_naming_no_folder_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(shipped.ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(MissingFileError, match=r"\$NASLAB_DATA is set to .*nope.*not a folder"):
        shipped.shipped_root()


def test_an_installed_copy_is_found_and_one_without_the_marker_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env: None
) -> None:
    other, ours = tmp_path / "other" / "share" / "naslab", tmp_path / "ours" / "share" / "naslab"
    other.mkdir(parents=True)  # someone else's share/naslab, without presets/
    (ours / shipped.MARKER).mkdir(parents=True)
    monkeypatch.setattr(shipped, "_checkout_data", lambda: None)
    monkeypatch.setattr(shipped, "_installed_candidates", lambda: [other, ours])
    assert shipped.shipped_root() == ours


def test_no_data_folder_says_where_it_looked_and_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env: None
) -> None:
    gone = tmp_path / "share" / "naslab"
    monkeypatch.setattr(shipped, "_checkout_data", lambda: None)
    monkeypatch.setattr(shipped, "_installed_candidates", lambda: [gone])
    with pytest.raises(MissingFileError) as e:
        shipped.shipped_path("presets")
    msg = str(e.value)
    assert "$NASLAB_DATA (unset)" in msg and str(gone) in msg and "pip install" in msg
    with pytest.raises(InvalidInputError, match="one of: none found"):  # no mapping given
        table.load(ROOT / "pyproject.toml", "nb201", "x")


def test_a_missing_file_names_the_folder_and_what_it_holds(no_env: None) -> None:
    with pytest.raises(MissingFileError, match=r"'studies/nope.toml' not found.*tnb101-micro"):
        shipped.shipped_path("studies", "nope.toml")


@pytest.mark.parametrize("parts", [("..", "pyproject.toml"), ("/etc",), ("presets/../..",)])
def test_paths_outside_the_folder_are_refused(parts: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInputError, match="without '..'"):
        shipped.shipped_path(*parts)


def test_pyproject_ships_every_file_of_the_data_folder() -> None:
    """A regular install gets data/ through [tool.setuptools.data-files]: a file added to data/
    without a matching entry would be missing from every non-editable install."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entries = config["tool"]["setuptools"]["data-files"]
    prefix = "/".join(shipped.INSTALLED_SUBDIR)
    data = ROOT / "data"
    files = [
        p.relative_to(ROOT).as_posix()
        for p in data.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    ]
    assert files
    for f in files:
        target = f"{prefix}/{Path(f).parent.relative_to('data').as_posix()}".rstrip("/.")
        globs = entries.get(target, [])
        assert any(fnmatch.fnmatch(f, g) for g in globs), (
            f"{f} is not shipped: add it to [tool.setuptools.data-files] {target!r} in pyproject"
        )


@pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None, reason="setuptools is needed to build naslab"
)
def test_a_regular_install_reads_presets_and_studies_from_its_own_copy(tmp_path: Path) -> None:
    """`pip install . --target DIR` (no editable finder, no checkout beside the packages): the
    installed nas_core finds DIR/share/naslab and a preset reads from there."""
    src, target = tmp_path / "src", tmp_path / "installed"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in ("nas_core", "benchmarks", "predictors", "zerocost", "searchers", "naslab", "data"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "install", str(src), "--no-deps", "--no-index"]
    done = subprocess.run(
        [*pip, "--no-build-isolation", "--target", str(target), "-q"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    code = (
        "import nas_core; from nas_core.shipped import shipped_root, shipped_path;"
        "from benchmarks import table;"
        "print(nas_core.__file__); print(shipped_root());"
        "print(table.read_preset('nb201-latency')['name']);"
        "print(shipped_path('studies', 'tnb101-micro.toml'))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop(shipped.ENV_VAR, None)
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    module, root, preset, study = run.stdout.split("\n")[:4]
    assert Path(module).is_relative_to(target)
    assert Path(root) == target / "share" / "naslab"
    assert preset == "nb201-latency"
    assert Path(study) == target / "share" / "naslab" / "studies" / "tnb101-micro.toml"
