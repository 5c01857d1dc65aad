"""The converted-table cache checks its own contents: a damaged entry is rebuilt, never served."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import cache, table
from nas_core import spaces

SPACE = spaces.get("nb201")
ARCHS = [SPACE.from_index(i) for i in (5, 100, 2000)]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NASLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    p = tmp_path / "t.csv"
    pd.DataFrame(
        {
            "cell": [SPACE.to_str(a) for a in ARCHS],
            "acc": [91.0, 82.0, 73.0],
            "lat": [1.0, 2.0, 3.0],
        }
    ).to_csv(p, index=False)
    return p


def _load(csv: Path):
    return table.load(csv, "nb201", "cell", {"acc": "c10/acc", "lat": "c10/latency"})


def _entry(home: Path) -> Path:
    (entry,) = [p for p in (home / "cache" / "table").iterdir() if not p.name.startswith(".")]
    return entry


def _warm(csv: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", cache.CacheRebuiltWarning)
        return _load(csv)


def test_intact_entry_loads_without_warning(home: Path, csv: Path) -> None:
    _load(csv)
    meta = json.loads((_entry(home) / "meta.json").read_text())
    assert meta["checksum"]["algorithm"] == "crc32"
    assert set(meta["checksum"]["files"]) == {"values.npy", "index.npy"}
    b = _warm(csv)
    assert b.query(ARCHS[0], "acc") == 91.0
    assert "checksum" not in b.store.meta


def test_flipped_bit_in_values_is_detected_and_rebuilt(home: Path, csv: Path) -> None:
    _load(csv)
    values = _entry(home) / "values.npy"
    raw = bytearray(values.read_bytes())
    header = len(raw) - 2 * len(ARCHS) * 4  # float32 (2 columns, 3 rows) at the end
    raw[header + 2] ^= 0x40  # an exponent bit of acc[0]: 91.0 would read as another number
    values.write_bytes(bytes(raw))
    assert cache.verify(_entry(home)) == "has a values.npy that does not match its checksum"
    with pytest.warns(cache.CacheRebuiltWarning, match="values.npy"):
        b = _load(csv)
    assert b.query(ARCHS[0], "acc") == 91.0
    assert cache.verify(_entry(home)) is None
    assert _warm(csv).query(ARCHS[0], "acc") == 91.0


def test_swapped_column_keys_are_detected_and_rebuilt(home: Path, csv: Path) -> None:
    _load(csv)
    meta_file = _entry(home) / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta["columns"] = meta["columns"][::-1]  # acc <-> latency: every value under the wrong name
    meta_file.write_text(json.dumps(meta))
    with pytest.warns(cache.CacheRebuiltWarning, match="column keys"):
        b = _load(csv)
    assert b.query(ARCHS[1], "acc") == 82.0 and b.query(ARCHS[1], "latency") == 2.0


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda d: (d / "index.npy").write_bytes((d / "index.npy").read_bytes()[:-8]), "index"),
        (lambda d: (d / "meta.json").write_text("{not json"), "unreadable meta.json"),
        (lambda d: (d / "values.npy").unlink(), "lost its values.npy"),
    ],
)
def test_other_damage_is_rebuilt(home: Path, csv: Path, damage, match: str) -> None:
    _load(csv)
    damage(_entry(home))
    with pytest.warns(cache.CacheRebuiltWarning, match=match):
        b = _load(csv)
    assert b.query(ARCHS[2], "acc") == 73.0


def test_entry_without_checksum_is_rebuilt(home: Path, csv: Path) -> None:
    _load(csv)
    meta_file = _entry(home) / "meta.json"
    meta = json.loads(meta_file.read_text())
    del meta["checksum"]
    meta_file.write_text(json.dumps(meta))
    with pytest.warns(cache.CacheRebuiltWarning, match="no checksum"):
        _load(csv)
    assert cache.verify(_entry(home)) is None
    np.testing.assert_array_equal(
        np.load(_entry(home) / "index.npy"), np.sort([SPACE.index(a) for a in ARCHS])
    )
