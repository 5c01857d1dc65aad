"""Shared fixtures: an isolated $NASLAB_HOME per session and the optional real data beside the
project (`../shared/data`), which tests skip cleanly without."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _naslab_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    if "NASLAB_HOME" not in os.environ:
        os.environ["NASLAB_HOME"] = str(tmp_path_factory.mktemp("naslab_home"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the project)")
    return SHARED_DATA


def shared_file(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test with a reason when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data file not found: {p}")
    return p
